"""The browser half of ``LatticeViewer``: an anywidget ES module (canvas, traces, controls) and its CSS.

Protocol (custom comm messages, one per frame, never state sync):
  kernel -> view  {"type": "frame", seq, epoch, kind, L, palette, sweeps, fresh, T, h, energy, absm,
                   energy_exact, absm_exact, sent, dropped, latency_ms, sweep_ms}
                  + one buffer: the encoded lattice (see ``_frames``)
  view -> kernel  {"type": "hello"}                  a view appeared or became visible: send a frame
                  {"type": "ack", seq, fps, drawn}   frame ``seq`` was drawn (acks every earlier one)
                  {"type": "step"} / {"type": "reset", start}
The view draws one frame per animation frame, in order, from a queue of at most two (an older undrawn
frame is dropped if a third arrives) and acks after drawing, so back-pressure follows what the screen
actually shows. Readouts carry ``data-ll``
attributes (and ``data-value`` numbers) for tests and benchmarks; the root element carries the
kernel's frame accounting (``data-sent``, ``data-dropped``, ``data-latency-ms``, ``data-sweep-ms``) and the times
since navigation of the first drawn frame and of the first one after a sweep (``data-first-frame-ms``,
``data-first-step-ms``).
"""

ESM = r"""
const MODELS = [["ising", "Ising"], ["potts", "Potts"], ["ea", "Spin glass"]];
const ALGORITHMS = [["metropolis", "Metropolis"], ["wolff", "Wolff"]];
const QS = [2, 3, 4, 5, 6, 7, 8, 10];
const SWEEPS = [1, 2, 5, 10, 20, 50, 100];
const TRACE_POINTS = 400;
const QUEUE = 2;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k === "for") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function options(select, pairs, value) {
  select.replaceChildren(...pairs.map(([v, label]) => el("option", { value: String(v), textContent: label })));
  select.value = String(value);
}

function rgba32(hex) {
  const n = parseInt(hex.slice(1), 16);
  return ((255 << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

function bytesOf(buf) {
  return ArrayBuffer.isView(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint8Array(buf);
}

function fmt(x, digits = 3) {
  return x === null || x === undefined || !isFinite(x) ? "–" : Number(x).toFixed(digits);
}

function sparkline(canvas, series, lo, hi) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, hgt = canvas.height;
  ctx.clearRect(0, 0, w, hgt);
  const n = Math.max(2, TRACE_POINTS);
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

function render({ model, el: host }) {
  // ---- DOM -------------------------------------------------------------------
  const lattice = el("canvas", { class: "ll-lattice", width: 1, height: 1, "data-ll": "lattice" });
  const modelSel = el("select", { "data-ll": "model" });
  const qSel = el("select", { "data-ll": "q" });
  const algSel = el("select", { "data-ll": "algorithm" });
  const sizeSel = el("select", { "data-ll": "L" });
  const sweepSel = el("select", { "data-ll": "sweeps_per_frame" });
  const tSlider = el("input", { type: "range", "data-ll": "T" });
  const tValue = el("span", { class: "ll-value" });
  const tcMark = el("div", { class: "ll-tc", "data-ll": "tc" });
  const hSlider = el("input", { type: "range", "data-ll": "h" });
  const hValue = el("span", { class: "ll-value" });
  const play = el("button", { class: "ll-play", "data-ll": "play" });
  const step = el("button", { textContent: "Step", "data-ll": "step", title: "one frame's worth of sweeps" });
  const hot = el("button", { textContent: "Reset hot", "data-ll": "reset-hot" });
  const cold = el("button", { textContent: "Reset cold", "data-ll": "reset-cold" });
  const readout = (name, label) => {
    const v = el("span", { class: "ll-num", "data-ll": name, textContent: "–" });
    return [v, el("div", { class: "ll-readout" }, el("span", { class: "ll-label", textContent: label }), v)];
  };
  const [fpsOut, fpsRow] = readout("fps", "fps");
  const [framesOut, framesRow] = readout("frames", "frames");
  const [sweepsOut, sweepsRow] = readout("sweeps", "sweeps");
  const [eOut, eRow] = readout("energy", "E / N");
  const [mOut, mRow] = readout("absm", "|m|");
  const eTrace = el("canvas", { class: "ll-trace", width: 300, height: 56, "data-ll": "energy-trace" });
  const mTrace = el("canvas", { class: "ll-trace", width: 300, height: 56, "data-ll": "absm-trace" });
  const error = el("div", { class: "ll-error", "data-ll": "error" });
  const row = (label, ...c) => el("div", { class: "ll-row" }, el("span", { class: "ll-label", textContent: label }), ...c);
  const qRow = row("q", qSel);
  const hRow = row("h", el("div", { class: "ll-slider" }, hSlider), hValue);
  const root = el("div", { class: "ll-viewer" },
    el("div", { class: "ll-left" }, lattice),
    el("div", { class: "ll-right" },
      row("model", modelSel), qRow, row("update", algSel), row("L", sizeSel),
      row("T", el("div", { class: "ll-slider" }, tSlider, tcMark), tValue), hRow,
      row("sweeps / frame", sweepSel),
      el("div", { class: "ll-buttons" }, play, step, hot, cold),
      el("div", { class: "ll-readouts" }, fpsRow, framesRow, sweepsRow, eRow, mRow),
      el("div", { class: "ll-trace-label", textContent: "energy per spin (dashed: Onsager)" }), eTrace,
      el("div", { class: "ll-trace-label", textContent: "|m| (dashed: exact, infinite lattice)" }), mTrace,
      error));
  host.appendChild(root);

  // ---- controls <-> model -----------------------------------------------------
  const save = (name, value) => { model.set(name, value); model.save_changes(); };
  modelSel.onchange = () => save("model", modelSel.value);
  qSel.onchange = () => save("q", Number(qSel.value));
  algSel.onchange = () => save("algorithm", algSel.value);
  sizeSel.onchange = () => save("L", Number(sizeSel.value));
  sweepSel.onchange = () => save("sweeps_per_frame", Number(sweepSel.value));
  tSlider.oninput = () => { tValue.textContent = fmt(Number(tSlider.value)); save("T", Number(tSlider.value)); };
  hSlider.oninput = () => { hValue.textContent = fmt(Number(hSlider.value), 2); save("h", Number(hSlider.value)); };
  play.onclick = () => save("playing", !model.get("playing"));
  step.onclick = () => model.send({ type: "step" });
  hot.onclick = () => model.send({ type: "reset", start: "hot" });
  cold.onclick = () => model.send({ type: "reset", start: "cold" });

  function sync() {
    const m = model.get("model");
    options(modelSel, MODELS, m);
    const q = model.get("q");
    options(qSel, [...new Set([...QS, q])].sort((a, b) => a - b).map((v) => [v, String(v)]), q);
    options(algSel, ALGORITHMS, model.get("algorithm"));
    algSel.options[1].disabled = m === "ea";
    options(sizeSel, model.get("sizes").map((L) => [L, `${L} × ${L}`]), model.get("L"));
    const spf = model.get("sweeps_per_frame");
    options(sweepSel, [...new Set([...SWEEPS, spf])].sort((a, b) => a - b).map((s) => [s, String(s)]), spf);
    qRow.style.display = m === "potts" ? "" : "none";
    hRow.style.display = m === "ising" ? "" : "none";
    const lo = model.get("t_min"), hi = model.get("t_max"), tc = model.get("tc");
    Object.assign(tSlider, { min: lo, max: hi, step: (hi - lo) / 1000 });
    tSlider.value = model.get("T");
    tValue.textContent = fmt(model.get("T"));
    if (tc === null) { tcMark.style.display = "none"; }
    else {
      tcMark.style.display = "";
      tcMark.style.left = `calc(8px + (100% - 16px) * ${(tc - lo) / (hi - lo)})`;
      tcMark.title = `Tc = ${fmt(tc)}`;
      tcMark.textContent = "Tc";
      tcMark.setAttribute("data-value", String(tc));
    }
    const hm = model.get("h_max");
    Object.assign(hSlider, { min: -hm, max: hm, step: hm / 100 });
    hSlider.value = model.get("h");
    hValue.textContent = fmt(model.get("h"), 2);
    const playing = model.get("playing");
    play.textContent = playing ? "Pause" : "Play";
    play.setAttribute("data-playing", String(playing));
    error.textContent = model.get("error");
  }
  const traits = ["model", "q", "algorithm", "L", "sizes", "sweeps_per_frame", "T", "t_min", "t_max", "tc",
                  "h", "h_max", "playing", "error"];
  for (const t of traits) model.on(`change:${t}`, sync);
  sync();

  // ---- frames -------------------------------------------------------------------
  const ctx = lattice.getContext("2d");
  let image = null, pix = null, palKey = "", pal = null;
  const queue = [];  // frames received, not yet drawn: at most QUEUE (the kernel keeps <= 2 in flight)
  let raf = null, drawn = 0, epoch = -1, firstSweeps = null;
  const times = [];
  const traces = { e: [], m: [], eExact: [], mExact: [] };

  function drawLattice(msg, buf) {
    const L = msg.L, n = L * L, bytes = bytesOf(buf);
    if (!image || image.width !== L) {
      lattice.width = L; lattice.height = L;
      image = ctx.createImageData(L, L);
      pix = new Uint32Array(image.data.buffer);
    }
    const key = msg.palette.join();
    if (key !== palKey) { pal = Uint32Array.from(msg.palette.map(rgba32)); palKey = key; }
    if (msg.kind === "bits") {
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
    } else {
      for (let p = 0; p < n; p++) pix[p] = pal[bytes[p]];
    }
    ctx.putImageData(image, 0, 0);
  }

  function drawTraces(msg) {
    if (msg.epoch !== epoch) { epoch = msg.epoch; for (const k in traces) traces[k].length = 0; }
    else if (!msg.fresh) return;  // same measurement as the last frame: no new point
    const push = (a, v) => { a.push(v); if (a.length > TRACE_POINTS) a.shift(); };
    push(traces.e, msg.energy); push(traces.m, msg.absm);
    push(traces.eExact, msg.energy_exact); push(traces.mExact, msg.absm_exact);
    // axis from the 5th..95th percentile of the trace (and the exact line): a hot start's transient
    // runs off-scale instead of flattening the equilibrium fluctuations for the whole window
    const sorted = traces.e.filter((v) => isFinite(v)).sort((a, b) => a - b);
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const exact = traces.eExact.filter((v) => v !== null);
    let lo = Math.min(at(0.05), ...exact), hi = Math.max(at(0.95), ...exact);
    const pad = 0.1 * (hi - lo); lo -= pad; hi += pad;
    if (hi - lo < 0.05) { lo -= 0.025; hi += 0.025; }
    sparkline(eTrace, [[traces.eExact, "#888", true], [traces.e, "#c0392b", false]], lo, hi);
    sparkline(mTrace, [[traces.mExact, "#888", true], [traces.m, "#2471a3", false]], 0, 1);
  }

  function readouts(msg, fps) {
    const set = (node, value, digits) => { node.textContent = fmt(value, digits); node.setAttribute("data-value", String(value)); };
    set(fpsOut, fps, 1); set(eOut, msg.energy, 4); set(mOut, msg.absm, 4);
    sweepsOut.textContent = String(msg.sweeps); sweepsOut.setAttribute("data-value", String(msg.sweeps));
    framesOut.textContent = String(drawn); framesOut.setAttribute("data-value", String(drawn));
    root.setAttribute("data-sent", String(msg.sent));  // kernel-side accounting, for benchmarks
    root.setAttribute("data-dropped", String(msg.dropped));
    root.setAttribute("data-latency-ms", String(msg.latency_ms));
    root.setAttribute("data-sweep-ms", String(msg.sweep_ms));
  }

  function drawPending() {
    raf = null;
    if (!queue.length) return;
    const [msg, buf] = queue.shift();
    if (queue.length) raf = requestAnimationFrame(drawPending);
    drawLattice(msg, buf);
    drawn += 1;
    if (drawn === 1) { root.setAttribute("data-first-frame-ms", String(performance.now())); firstSweeps = msg.sweeps; }
    else if (firstSweeps !== null && msg.sweeps !== firstSweeps && !root.hasAttribute("data-first-step-ms")) {
      root.setAttribute("data-first-step-ms", String(performance.now()));  // the first frame of a moving chain
    }
    const now = performance.now();
    times.push(now);
    while (times.length && now - times[0] > 1000) times.shift();
    const fps = times.length > 1 ? (1000 * (times.length - 1)) / (now - times[0]) : 0;
    drawTraces(msg);
    readouts(msg, fps);
    model.send({ type: "ack", seq: msg.seq, fps, drawn });
  }

  function onMessage(msg, buffers) {
    if (!msg || msg.type !== "frame" || !buffers || !buffers.length) return;
    queue.push([msg, buffers[0]]);
    while (queue.length > QUEUE) queue.shift();  // never fall behind: the oldest goes (a newer ack covers it)
    if (raf === null) raf = requestAnimationFrame(drawPending);
  }
  model.on("msg:custom", onMessage);
  const onVisible = () => { if (document.visibilityState === "visible") model.send({ type: "hello" }); };
  document.addEventListener("visibilitychange", onVisible);
  model.send({ type: "hello" });

  return () => {
    model.off("msg:custom", onMessage);
    for (const t of traits) model.off(`change:${t}`, sync);
    document.removeEventListener("visibilitychange", onVisible);
    if (raf !== null) cancelAnimationFrame(raf);
  };
}

export default { render };
"""

CSS = r"""
.ll-viewer { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start;
  font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px;
  color: var(--jp-ui-font-color1, #222); }
.ll-left { flex: 0 1 480px; min-width: 200px; }
.ll-lattice { width: 100%; aspect-ratio: 1 / 1; image-rendering: pixelated; display: block;
  border: 1px solid var(--jp-border-color1, #bbb); background: #ddd; }
.ll-right { flex: 0 1 320px; min-width: 260px; display: flex; flex-direction: column; gap: 6px; }
.ll-row { display: flex; align-items: center; gap: 8px; }
.ll-row > .ll-label { width: 96px; flex: none; color: var(--jp-ui-font-color2, #555); }
.ll-row select { flex: 1; }
.ll-slider { position: relative; flex: 1; padding-bottom: 12px; }
.ll-slider input { width: 100%; margin: 0; }
.ll-tc { position: absolute; bottom: 0; transform: translateX(-50%); font-size: 10px; line-height: 10px;
  color: #c0392b; pointer-events: none; }
.ll-tc::before { content: ""; position: absolute; left: 50%; bottom: 10px; height: 8px; border-left: 2px solid #c0392b; }
.ll-value { width: 44px; text-align: right; font-variant-numeric: tabular-nums; }
.ll-buttons { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0; }
.ll-buttons button { padding: 3px 10px; cursor: pointer; }
.ll-play { min-width: 84px; font-weight: 600; }
.ll-readouts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2px 10px; }
.ll-readout { display: flex; justify-content: space-between; gap: 4px; }
.ll-readout .ll-label { color: var(--jp-ui-font-color2, #555); }
.ll-num { font-variant-numeric: tabular-nums; }
.ll-trace-label { font-size: 11px; color: var(--jp-ui-font-color2, #555); margin-top: 4px; }
.ll-trace { width: 100%; height: 56px; border: 1px solid var(--jp-border-color2, #ddd); }
.ll-error { color: #c0392b; white-space: pre-wrap; }
.ll-error:empty { display: none; }
"""
