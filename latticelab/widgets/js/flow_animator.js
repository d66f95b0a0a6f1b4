// The controls of FlowAnimator (latticelab/widgets/flow_animator.py): the lattice at the current flow step,
// play/pause, one step back/forward, a step slider, speed, start and chain choice, the mean reading per step
// (with the current step and tc marked) and the histogram of the readings at the current step, around a
// lattice canvas of ./lattice_canvas.js (which draws, acknowledges and counts the frames).
//
// Besides the canvas protocol: kernel -> view frame headers carry {step, chain, start, reading, trace, hist,
// edges}; view -> kernel {"type": "advance", by: +-1}. Readouts carry data-ll attributes (and data-value
// numbers) for tests.
import { attachFrames, el, fmt, latticeCanvas, options } from "./lattice_canvas.js";

const SPEEDS = [1, 2, 4, 8, 15, 30];

function drawTrace(canvas, trace, step, tc) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (!trace || !trace.length) return;
  const vals = trace.concat(tc === null ? [] : [tc]).filter((v) => isFinite(v));
  let lo = Math.min(...vals), hi = Math.max(...vals);
  const pad = 0.1 * (hi - lo || 1); lo -= pad; hi += pad;
  const x = (i) => 4 + (i / Math.max(1, trace.length - 1)) * (w - 8);
  const y = (v) => h - 4 - ((v - lo) / (hi - lo)) * (h - 8);
  if (tc !== null) {
    ctx.setLineDash([4, 3]); ctx.strokeStyle = "#c0392b"; ctx.beginPath();
    ctx.moveTo(0, y(tc)); ctx.lineTo(w, y(tc)); ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.strokeStyle = "#2471a3"; ctx.lineWidth = 1.5; ctx.beginPath();
  trace.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
  ctx.stroke();
  ctx.fillStyle = "#2471a3"; ctx.beginPath(); ctx.arc(x(step), y(trace[step]), 3.5, 0, 2 * Math.PI); ctx.fill();
}

function drawHist(canvas, hist, edges, tc) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (!hist || !hist.length) return;
  const top = Math.max(1, ...hist), bw = (w - 8) / hist.length;
  ctx.fillStyle = "#7fb3d5";
  hist.forEach((c, i) => { const bh = (c / top) * (h - 8); ctx.fillRect(4 + i * bw, h - 4 - bh, bw - 1, bh); });
  const lo = edges[0], hi = edges[edges.length - 1];
  if (tc !== null && tc >= lo && tc <= hi) {
    const xt = 4 + ((tc - lo) / (hi - lo)) * (w - 8);
    ctx.setLineDash([4, 3]); ctx.strokeStyle = "#c0392b"; ctx.beginPath();
    ctx.moveTo(xt, 0); ctx.lineTo(xt, h); ctx.stroke(); ctx.setLineDash([]);
  }
}

function render({ model, el: host }) {
  const lattice = latticeCanvas({ "data-ll": "lattice" });
  const play = el("button", { class: "ll-play", "data-ll": "play" });
  const back = el("button", { textContent: "◀ Step", "data-ll": "back" });
  const fwd = el("button", { textContent: "Step ▶", "data-ll": "step" });
  const slider = el("input", { type: "range", min: 0, step: 1, "data-ll": "step-slider" });
  const stepOut = el("span", { class: "ll-num", "data-ll": "flow-step" });
  const speedSel = el("select", { "data-ll": "speed" });
  const startSel = el("select", { "data-ll": "start" });
  const chainIn = el("input", { type: "number", min: 0, step: 1, style: "width: 6em", "data-ll": "chain" });
  const readingOut = el("span", { class: "ll-num", "data-ll": "reading", textContent: "–" });
  const framesOut = el("span", { class: "ll-num", "data-ll": "frames", textContent: "0" });
  const trace = el("canvas", { class: "ll-plot", width: 360, height: 90, "data-ll": "trace" });
  const hist = el("canvas", { class: "ll-plot", width: 360, height: 90, "data-ll": "histogram" });
  const traceLabel = el("div", { class: "ll-plot-label" });
  const histLabel = el("div", { class: "ll-plot-label" });
  const error = el("div", { class: "ll-error", "data-ll": "error" });
  const row = (label, ...c) => el("div", { class: "ll-row" }, el("span", { class: "ll-label", textContent: label }), ...c);
  const root = el("div", { class: "ll-flow" },
    el("div", { class: "ll-left" }, lattice),
    el("div", { class: "ll-right" },
      el("div", { class: "ll-buttons" }, play, back, fwd),
      row("step", slider, stepOut), row("speed", speedSel, el("span", { textContent: "steps / s" })),
      row("start", startSel), row("chain", chainIn),
      row("reading", readingOut), row("frames", framesOut),
      traceLabel, trace, histLabel, hist, error));
  host.appendChild(root);

  const save = (name, value) => { model.set(name, value); model.save_changes(); };
  play.onclick = () => save("playing", !model.get("playing"));
  back.onclick = () => model.send({ type: "advance", by: -1 });
  fwd.onclick = () => model.send({ type: "advance", by: 1 });
  slider.oninput = () => save("step", Number(slider.value));
  speedSel.onchange = () => save("speed", Number(speedSel.value));
  startSel.onchange = () => save("start", startSel.value);
  chainIn.onchange = () => save("chain", Number(chainIn.value));

  function sync() {
    const playing = model.get("playing");
    play.textContent = playing ? "Pause" : "Play";
    play.setAttribute("data-playing", String(playing));
    slider.max = model.get("n_steps");
    if (!playing) slider.value = model.get("step");
    const sp = model.get("speed");
    options(speedSel, [...new Set([...SPEEDS, sp])].sort((a, b) => a - b).map((s) => [s, String(s)]), sp);
    options(startSel, model.get("starts").map((s) => [s, s]), model.get("start"));
    chainIn.max = model.get("n_chains") - 1;
    chainIn.value = model.get("chain");
    const label = model.get("label");
    traceLabel.textContent = `mean ${label} over chains, per flow step (dashed: ${label}c)`;
    histLabel.textContent = `${label} of every chain at this step`;
    error.textContent = model.get("error");
  }
  const traits = ["playing", "n_steps", "step", "speed", "starts", "start", "n_chains", "chain", "label", "error"];
  for (const t of traits) model.on(`change:${t}`, sync);
  sync();

  function onDrawn(msg, { drawn }) {
    const tc = model.get("tc");
    stepOut.textContent = `${msg.step} / ${model.get("n_steps")}`;
    stepOut.setAttribute("data-value", String(msg.step));
    if (model.get("playing")) slider.value = msg.step;
    readingOut.textContent = fmt(msg.reading);
    readingOut.setAttribute("data-value", String(msg.reading));
    framesOut.textContent = String(drawn);
    framesOut.setAttribute("data-value", String(drawn));
    drawTrace(trace, msg.trace, msg.step, tc);
    drawHist(hist, msg.hist, msg.edges, tc);
  }
  const detach = attachFrames(model, { canvases: lattice, root, onDrawn });
  return () => {
    detach();
    for (const t of traits) model.off(`change:${t}`, sync);
  };
}

export default { render };
