// latticelab: give the page's widget state time to arrive on a loaded server. Added to every app page by
// `latticelab serve` (latticelab/widgets/_voila_app.py), before Voila's widget manager starts.
//
// Why: on connecting, the widget manager (@jupyter-widgets/base-manager 8) asks the kernel for every widget's
// state in one message on the "jupyter.widget.control" comm and gives up after a fixed 4 s. Those 4 s include
// opening the kernel's websocket and the kernel_info handshake, which on a loaded machine (a class on one
// server, a full test suite) take longer. It then falls back to asking widget by widget, and there a
// container whose children's states arrive more than 2 s after its own is built as an error widget ("widget
// model not found"): the page showed its plots but never its controls. Measured: forcing that fallback on the
// Watch-and-learn page left 10 widgets in error and its controls missing, every time.
// The fix: that one timer (recognised by its message, so nothing else changes) waits WAIT_MS instead; the
// one-message path is then taken however slow the machine. If a later ipywidgets changes the message,
// nothing here matches and the page behaves as before (tests/browser/test_dcl_page.py notices).
(() => {
  const MARK = "Control comm did not respond in time";
  const WAIT_MS = 120000;
  const original = window.setTimeout;
  window.latticelabWidgetStateWait = { extended: 0 };
  window.setTimeout = function (handler, delay, ...args) {
    if (typeof handler === "function" && delay === 4000 && String(handler).includes(MARK)) {
      window.latticelabWidgetStateWait.extended += 1;
      delay = WAIT_MS;
    }
    return original.call(window, handler, delay, ...args);
  };
})();
