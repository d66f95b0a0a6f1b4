// Browser tests and benchmarks only (`_harness.PAGE_TRACE`, added before any page script; never served): a
// trace of what the page's widget machinery went through, printed when a page test fails. Kernel websockets
// opened and closed (a reconnect makes the widget manager ask for all widget state again), each widget-state
// reply ("update_states" on the control comm) and which of the page's widgets it lacked, comms opened or
// closed by the kernel or the page, widget errors, and the manager's state wait running out.
(() => {
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const trace = (window.latticelabTrace = []);
  const NativeWS = window.WebSocket;
  const decoder = new TextDecoder();
  const pageWidgets = new Set();  // model ids of the widgets the page's HTML displays, read once it is parsed
  document.addEventListener("DOMContentLoaded", () => {
    for (const m of document.documentElement.innerHTML.matchAll(/model_id\W+([0-9a-f]{32})/g)) pageWidgets.add(m[1]);
    trace.push(`${now()} ms: page parsed, showing ${pageWidgets.size} widgets`);
  });
  window.WebSocket = function (url, ...rest) {
    const ws = new NativeWS(url, ...rest);
    const name = String(url).replace(/^.*\/api\/kernels\//, "kernel ").replace(/\?.*$/, "");
    trace.push(`${now()} ms: open ${name}`);
    ws.addEventListener("open", () => trace.push(`${now()} ms: opened ${name}`));
    ws.addEventListener("close", (e) => trace.push(`${now()} ms: closed ${name} (code ${e.code})`));
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : decoder.decode(e.data instanceof ArrayBuffer ? e.data : new Uint8Array());
      if (text.includes('"update_states"')) {
        const missing = [...pageWidgets].filter((id) => !text.includes(id));
        trace.push(`${now()} ms: widget state reply (${text.length} chars; of the ${pageWidgets.size} widgets ` +
                   `the page shows, missing: ${missing.length ? missing.join(" ") : "none"})`);
      }
      if (/^[^{]*\{[^}]*"msg_type":\s*"comm_open"/.test(text)) {  // the kernel made a widget after the page loaded
        const id = (text.match(/"comm_id":\s*"([^"]+)"/) || [])[1];
        trace.push(`${now()} ms: kernel opened comm ${id}${pageWidgets.has(id) ? " (a widget the page shows!)" : ""}`);
      }
      if (/^[^{]*\{[^}]*"msg_type":\s*"comm_close"/.test(text)) {  // the kernel closed a comm (its header)
        const id = (text.match(/"comm_id":\s*"([^"]+)"/) || [])[1];
        trace.push(`${now()} ms: kernel closed comm ${id} (${pageWidgets.has(id) ? "a widget the page shows" : "not shown"})`);
      }
    });
    const send = ws.send.bind(ws);
    ws.send = (data) => {  // what the page asks of the kernel: comms it opens or closes itself
      const text = typeof data === "string" ? data : decoder.decode(data instanceof ArrayBuffer ? data : new Uint8Array());
      const kind = (text.match(/^[^{]*\{[^}]*"msg_type":\s*"(comm_open|comm_close)"/) || [])[1];
      if (kind) {
        const id = (text.match(/"comm_id":\s*"([^"]+)"/) || [])[1];
        const target = (text.match(/"target_name":\s*"([^"]+)"/) || [])[1] || "";
        trace.push(`${now()} ms: page sent ${kind} ${id} ${target}${pageWidgets.has(id) ? " (a widget the page shows)" : ""}`);
      }
      return send(data);
    };
    return ws;
  };
  window.WebSocket.prototype = NativeWS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const nativeError = console.error;
  console.error = (...args) => {  // when the page's widget errors happened, against the rest of the trace
    const first = String(args[0] && args[0].message ? args[0].message : args[0]).slice(0, 120);
    if (/widget|model|comm/i.test(first)) trace.push(`${now()} ms: console error: ${first}`);
    return nativeError.apply(console, args);
  };
  const nativeTimeout = window.setTimeout;
  window.setTimeout = function (handler, delay, ...args) {
    if (typeof handler === "function" && String(handler).includes("Control comm did not respond")) {
      trace.push(`${now()} ms: widget state asked for (wait ${delay} ms)`);
      const inner = handler;
      handler = (...a) => { trace.push(`${now()} ms: widget state timer ran out (nothing lost if a reply is listed before)`); return inner(...a); };
    }
    return nativeTimeout.call(window, handler, delay, ...args);
  };
})();
