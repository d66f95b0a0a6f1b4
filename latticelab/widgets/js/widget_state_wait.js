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
// 3. anywidget (0.11), which draws the live lattices, gives each model 2 s of wall time to load its module and
//    bind (`AbortSignal.timeout(2000)` in its Runtime) and fails the model for good when the timer fires
//    first ("[anywidget] Failed to initialize model."), although the module would have loaded a moment
//    later. Seen once in 40 pages with 20 students' tabs in one browser (benchmarks/voila_load.py); forced
//    by blocking the main thread for 2.5 s right after anywidget starts a model. Fix: a timeout of 2000 ms
//    asked for from anywidget's own script (its URL in the call's stack) lasts STATE_WAIT_MS instead.
//
// If a later ipywidgets or anywidget changes these, nothing here matches and the page behaves as before; the
// browser tests notice (`window.latticelabWidgetStateWait`: extended = waits lengthened, patched = manager
// classes patched, rescued = models found after ipywidgets gave up on them, anywidget = anywidget's model
// timeouts lengthened).
(() => {
  const MARK = "Control comm did not respond in time";
  const STATE_WAIT_MS = 120000;
  const ANYWIDGET = "/labextensions/anywidget/";
  const state = { extended: 0, patched: 0, rescued: 0, anywidget: 0 };
  window.latticelabWidgetStateWait = state;

  const original = window.setTimeout;
  window.setTimeout = function (handler, delay, ...args) {
    if (typeof handler === "function" && delay === 4000 && String(handler).includes(MARK)) {
      state.extended += 1;
      delay = STATE_WAIT_MS;
    }
    return original.call(window, handler, delay, ...args);
  };

  if (typeof AbortSignal !== "undefined" && typeof AbortSignal.timeout === "function") {
    const timeout = AbortSignal.timeout;
    AbortSignal.timeout = function (ms) {
      if (ms === 2000 && String(new Error().stack).includes(ANYWIDGET)) {
        state.anywidget += 1;
        ms = STATE_WAIT_MS;
      }
      return timeout.call(AbortSignal, ms);
    };
  }

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
