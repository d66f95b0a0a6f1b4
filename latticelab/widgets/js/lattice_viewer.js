// The controls of LatticeViewer (latticelab/widgets/lattice_viewer.py): model, q, update, L, T, h,
// sweeps per frame, play/pause/step/reset, readouts and the energy and |m| traces, around a lattice
// canvas of ./lattice_canvas.js (which draws, acknowledges and counts the frames).
//
// Besides the canvas protocol: kernel -> view frame headers also carry {epoch, sweeps, fresh, T, h,
// energy, absm, energy_exact, absm_exact, sweep_ms}; view -> kernel {"type": "step"} and
// {"type": "reset", start}. The model menu, the update menu and which rows show come from the kernel
// (traits ``models``, ``algorithms``, ``takes_q``, ``has_field``), so a new system needs no change here.
// Readouts carry ``data-ll`` attributes (and ``data-value`` numbers) for tests and benchmarks; the root
// element also carries data-sweep-ms and the time since navigation of the first frame after a sweep
// (data-first-step-ms).
import { attachFrames, el, fmt, latticeCanvas, options, sparkline, TRACE_POINTS } from "./lattice_canvas.js";

const QS = [2, 3, 4, 5, 6, 7, 8, 10];
const SWEEPS = [1, 2, 5, 10, 20, 50, 100];

function render({ model, el: host }) {
  // ---- DOM -------------------------------------------------------------------
  const lattice = latticeCanvas({ "data-ll": "lattice" });
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
    options(modelSel, model.get("models"), model.get("model"));
    const q = model.get("q");
    options(qSel, [...new Set([...QS, q])].sort((a, b) => a - b).map((v) => [v, String(v)]), q);
    const algorithms = model.get("algorithms");  // [name, label, runs this system]
    options(algSel, algorithms, model.get("algorithm"));
    algorithms.forEach(([, , ok], i) => { algSel.options[i].disabled = !ok; });
    options(sizeSel, model.get("sizes").map((L) => [L, `${L} × ${L}`]), model.get("L"));
    const spf = model.get("sweeps_per_frame");
    options(sweepSel, [...new Set([...SWEEPS, spf])].sort((a, b) => a - b).map((s) => [s, String(s)]), spf);
    qRow.style.display = model.get("takes_q") ? "" : "none";
    hRow.style.display = model.get("has_field") ? "" : "none";
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
  const traits = ["models", "model", "q", "takes_q", "algorithms", "algorithm", "L", "sizes", "sweeps_per_frame",
                  "T", "t_min", "t_max", "tc", "h", "h_max", "has_field", "playing", "error"];
  for (const t of traits) model.on(`change:${t}`, sync);
  sync();

  // ---- frames -------------------------------------------------------------------
  let epoch = -1, firstSweeps = null;
  const traces = { e: [], m: [], eExact: [], mExact: [] };

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

  function onDrawn(msg, { fps, drawn }) {
    if (drawn === 1) firstSweeps = msg.sweeps;
    else if (firstSweeps !== null && msg.sweeps !== firstSweeps && !root.hasAttribute("data-first-step-ms")) {
      root.setAttribute("data-first-step-ms", String(performance.now()));  // the first frame of a moving chain
    }
    drawTraces(msg);
    const set = (node, value, digits) => { node.textContent = fmt(value, digits); node.setAttribute("data-value", String(value)); };
    set(fpsOut, fps, 1); set(eOut, msg.energy, 4); set(mOut, msg.absm, 4);
    sweepsOut.textContent = String(msg.sweeps); sweepsOut.setAttribute("data-value", String(msg.sweeps));
    framesOut.textContent = String(drawn); framesOut.setAttribute("data-value", String(drawn));
    root.setAttribute("data-sweep-ms", String(msg.sweep_ms));
  }
  const detach = attachFrames(model, { canvases: lattice, root, onDrawn });

  return () => {
    detach();
    for (const t of traits) model.off(`change:${t}`, sync);
  };
}

export default { render };
