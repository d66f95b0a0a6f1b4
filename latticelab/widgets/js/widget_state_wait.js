// latticelab: give the page's widget state time to arrive and be read on a loaded server. Added to every app
// page by `latticelab serve` (latticelab/widgets/_voila_app.py), before Voila's widget manager starts.
//
// Two fixed waits of ipywidgets 8's widget manager (@jupyter-widgets/base-manager, jupyterlab-manager 5) fail
// a page whose machine is busy, leaving widgets as "Error displaying widget: model not found":
//
// 1. On connecting, the manager asks the kernel for every widget's state in one message on the
//    "jupyter.widget.control" comm and gives up after a fixed 4 s, which include opening the kernel's
//    websocket and the kernel_info handshake. It then falls back to asking widget by widget, and there a
//    container whose children's states arrive late is built as an error widget. Measured: forcing that
//    fallback on the Watch-and-learn page left 10 widgets in error, every time. Fix: that one timer
//    (recognised by its message) waits STATE_WAIT_MS instead.
// 2. Each output showing a widget asks the manager for its model, and `get_model` gives up 2 s of wall time
//    after it started looking, checking between 100 ms sleeps but not after the last one. When the main
//    thread is busy for a while as the state arrives (reading a state of a megabyte, drawing a page of
//    plots, a class's tabs on one machine), the sleep overruns, the 2 s are up before the manager has made
//    the models, and the output fails although its model arrived. Measured: blocking the main thread for
//    2.5 s when the state arrived failed the viewer page's one widget every time (tests/browser/
//    test_widget_state_wait.py); in full test-suite runs this failed 2 of 12 widgets of the playground and 9
//    of 18 of the autoencoder page. Fix: when `get_model` gives up, look once more, and keep looking while the
//    manager is still restoring widgets from the kernel (at most STATE_WAIT_MS); a model that never comes
//    still fails as before. The manager's class is not reachable from a page script, so its prototype is
//    found through its constructor's `this.comm_target_name = ...` assignment (a setter on Object.prototype
//    for that one name, which stores the value as the instance's own property, as the assignment would).
//
// If a later ipywidgets changes either, nothing here matches and the page behaves as before; the browser
// tests notice (`window.latticelabWidgetStateWait`: extended = waits lengthened, patched = manager classes
// patched, rescued = models found after ipywidgets gave up on them).
(() => {
  const MARK = "Control comm did not respond in time";
  const STATE_WAIT_MS = 120000;
  const state = { extended: 0, patched: 0, rescued: 0 };
  window.latticelabWidgetStateWait = state;

  const original = window.setTimeout;
  window.setTimeout = function (handler, delay, ...args) {
    if (typeof handler === "function" && delay === 4000 && String(handler).includes(MARK)) {
      state.extended += 1;
      delay = STATE_WAIT_MS;
    }
    return original.call(window, handler, delay, ...args);
  };

  const sleep = (ms) => new Promise((resolve) => original.call(window, resolve, ms));
  const patchedPrototypes = new WeakSet();
  function patchManager(manager) {
    let proto = Object.getPrototypeOf(manager);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, "get_model")) proto = Object.getPrototypeOf(proto);
    if (!proto || patchedPrototypes.has(proto) || typeof proto.get_model !== "function") return;
    patchedPrototypes.add(proto);
    state.patched += 1;
    const getModel = proto.get_model;
    proto.get_model = async function (modelId) {
      try {
        return await getModel.call(this, modelId);
      } catch (err) {
        const start = Date.now();
        for (;;) {
          const model = this._models ? this._models[modelId] : undefined;
          if (model !== undefined) {
            state.rescued += 1;
            return model;
          }
          if (!this._kernelRestoreInProgress || Date.now() - start > STATE_WAIT_MS) throw err;
          await sleep(100);
        }
      }
    };
  }
  const KEY = "comm_target_name";
  if (!Object.prototype.hasOwnProperty.call(Object.prototype, KEY)) {
    Object.defineProperty(Object.prototype, KEY, {
      configurable: true,
      get() { return undefined; },
      set(value) {
        Object.defineProperty(this, KEY, { value, writable: true, enumerable: true, configurable: true });
        try { patchManager(this); } catch (e) { /* not a widget manager: leave it alone */ }
      },
    });
  }
})();
