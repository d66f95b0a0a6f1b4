// The lattice canvas: the browser half of every live lattice view (see latticelab/widgets/_canvas.py).
//
// It decodes frames, draws them on canvases and acknowledges them, so that the kernel's back-pressure
// (``Throttle``) follows what the screen actually shows. A view's own controls live in their own module,
// which imports what it needs from "./lattice_canvas.js" and default-exports ``{ render }``; the Python
// side inlines this file in front of it (``canvas_esm``), because anywidget loads an ES module from a
// blob URL, where a relative import cannot resolve.
//
// Protocol (custom comm messages, never state sync):
//   kernel -> view  {"type": "frame", seq, ack_every, kind, L, palette, sent, dropped, latency_ms, ...}
//                   + one buffer per canvas: the encoded lattice ('bits': one bit per site, MSB first,
//                   palette [down, up]; 'u8': one byte per site, palette[state])
//   view -> kernel  {"type": "hello"}                 a view appeared or became visible: send a frame
//                   {"type": "ack", seq, fps, drawn}  frame ``seq`` was drawn (acks every earlier one)
// Frames are drawn one per animation frame, in order, from a queue of at most ``queue`` (an older undrawn
// frame is dropped when a newer one arrives). The ack goes out after drawing, for every ``ack_every``-th
// frame (by sequence number), and for a drawn frame no newer one follows within ACK_DELAY_MS (the last
// before a pause): each ack costs the server three messages (it, and the kernel's busy and idle), so
// fewer acks leave it room for more frames (see latticelab/widgets/_throttle.py).

export const TRACE_POINTS = 400;
export const ACK_DELAY_MS = 250;  // well inside the kernel's 1 s ack timeout

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k === "for") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

export function options(select, pairs, value) {
  select.replaceChildren(...pairs.map(([v, label]) => el("option", { value: String(v), textContent: label })));
  select.value = String(value);
}

export function fmt(x, digits = 3) {
  return x === null || x === undefined || !isFinite(x) ? "–" : Number(x).toFixed(digits);
}

export function rgba32(hex) {
  const n = parseInt(hex.slice(1), 16);
  return ((255 << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

export function bytesOf(buf) {
  return ArrayBuffer.isView(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint8Array(buf);
}

// Fill ``pix`` (Uint32Array of n = L * L RGBA pixels) with ``pal[value]`` of each decoded site.
export function decodeInto(pix, bytes, kind, n, pal) {
  if (kind === "bits") {
    const full = n >> 3;
    let p = 0;
    for (let k = 0; k < full; k++, p += 8) {
      const b = bytes[k];
      pix[p] = pal[(b >> 7) & 1]; pix[p + 1] = pal[(b >> 6) & 1];
      pix[p + 2] = pal[(b >> 5) & 1]; pix[p + 3] = pal[(b >> 4) & 1];
      pix[p + 4] = pal[(b >> 3) & 1]; pix[p + 5] = pal[(b >> 2) & 1];
      pix[p + 6] = pal[(b >> 1) & 1]; pix[p + 7] = pal[b & 1];
    }
    for (let r = 0; p < n; r++, p++) pix[p] = pal[(bytes[full] >> (7 - r)) & 1];
  } else if (kind === "u8") {
    for (let p = 0; p < n; p++) pix[p] = pal[bytes[p]];
  } else {
    throw new Error(`unknown frame kind ${kind}`);
  }
}

// A canvas that draws frames: one pixel per site, scaled up by CSS (class "ll-lattice", pixelated).
export function latticeCanvas(attrs = {}) {
  return el("canvas", { class: "ll-lattice", width: 1, height: 1, ...attrs });
}

// ``draw(msg, buffer)`` onto ``canvas``, keeping its image buffer and decoded palette between frames.
export function painter(canvas) {
  const ctx = canvas.getContext("2d");
  let image = null, pix = null, palKey = "", pal = null;
  return function draw(msg, buf) {
    const L = msg.L, n = L * L, bytes = bytesOf(buf);
    if (!image || image.width !== L) {
      canvas.width = L; canvas.height = L;
      image = ctx.createImageData(L, L);
      pix = new Uint32Array(image.data.buffer);
    }
    const key = msg.palette.join();
    if (key !== palKey) { pal = Uint32Array.from(msg.palette.map(rgba32)); palKey = key; }
    decodeInto(pix, bytes, msg.kind, n, pal);
    ctx.putImageData(image, 0, 0);
  };
}

// Frames drawn per second over the last second: ``tick()`` after each drawn frame returns the rate.
export function fpsCounter() {
  const times = [];
  return function tick() {
    const now = performance.now();
    times.push(now);
    while (times.length && now - times[0] > 1000) times.shift();
    return times.length > 1 ? (1000 * (times.length - 1)) / (now - times[0]) : 0;
  };
}

export function sparkline(canvas, series, lo, hi, points = TRACE_POINTS) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, hgt = canvas.height;
  ctx.clearRect(0, 0, w, hgt);
  const n = Math.max(2, points);
  const y = (v) => hgt - 2 - ((v - lo) / (hi - lo || 1)) * (hgt - 4);
  for (const [values, colour, dashed] of series) {
    ctx.beginPath();
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    let started = false;
    values.forEach((v, i) => {
      if (v === null || !isFinite(v)) { started = false; return; }
      const x = (i / (n - 1)) * w;
      if (started) ctx.lineTo(x, y(v)); else { ctx.moveTo(x, y(v)); started = true; }
    });
    ctx.stroke();
  }
}

// Receive, draw and acknowledge frames for ``model``: buffer k of a frame goes to ``canvases[k]``.
// ``onDrawn(msg, {fps, drawn})`` runs after each frame is drawn, before its ack (readouts, traces).
// ``root`` (optional) gets the kernel's frame accounting as data-sent, data-dropped, data-latency-ms and
// the time since navigation of the first drawn frame as data-first-frame-ms (tests and benchmarks).
// Says hello now and whenever the page becomes visible again. Returns a function that detaches it all.
export function attachFrames(model, { canvases, root = null, onDrawn = null, queue: depth = 2 }) {
  const draws = [].concat(canvases).map(painter);
  const tick = fpsCounter();
  const queue = [];  // frames received, not yet drawn: at most ``depth`` (the kernel keeps few in flight)
  let raf = null, drawn = 0, ackedSeq = 0, lateAck = null;

  function drawPending() {
    raf = null;
    if (!queue.length) return;
    const [msg, buffers] = queue.shift();
    if (queue.length) raf = requestAnimationFrame(drawPending);
    draws.forEach((draw, k) => { if (k < buffers.length) draw(msg, buffers[k]); });
    drawn += 1;
    if (drawn === 1 && root) root.setAttribute("data-first-frame-ms", String(performance.now()));
    const fps = tick();
    if (onDrawn) onDrawn(msg, { fps, drawn });
    if (root) {
      root.setAttribute("data-sent", String(msg.sent));
      root.setAttribute("data-dropped", String(msg.dropped));
      root.setAttribute("data-latency-ms", String(msg.latency_ms));
    }
    if (lateAck !== null) clearTimeout(lateAck);
    lateAck = null;
    const ack = () => { lateAck = null; ackedSeq = msg.seq; send({ type: "ack", seq: msg.seq, fps, drawn }); };
    if (msg.seq - ackedSeq >= (msg.ack_every || 1) || msg.seq < ackedSeq) ack();  // (a smaller seq: a new stream)
    else lateAck = setTimeout(ack, ACK_DELAY_MS);
  }

  // a frame drawn while the page closes finds its kernel connection gone ("Cannot send"): nothing to tell
  function send(content) {
    try {
      model.send(content);
    } catch (err) {
      if (!/Cannot send|disposed|dead/i.test(String(err && err.message))) throw err;
    }
  }

  function onMessage(msg, buffers) {
    if (!msg || msg.type !== "frame" || !buffers || !buffers.length) return;
    queue.push([msg, buffers]);
    while (queue.length > depth) queue.shift();  // never fall behind: the oldest goes (a newer ack covers it)
    if (raf === null) raf = requestAnimationFrame(drawPending);
  }
  model.on("msg:custom", onMessage);
  const onVisible = () => { if (document.visibilityState === "visible") send({ type: "hello" }); };
  document.addEventListener("visibilitychange", onVisible);
  send({ type: "hello" });

  return () => {
    model.off("msg:custom", onMessage);
    document.removeEventListener("visibilitychange", onVisible);
    if (raf !== null) cancelAnimationFrame(raf);
    if (lateAck !== null) clearTimeout(lateAck);
  };
}
