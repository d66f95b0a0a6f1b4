"""``FlowAnimator``: step through a flow of lattices (an RBM flow, an RG flow) on the shared lattice canvas.

    from latticelab.widgets.flow_animator import FlowAnimator
    anim = FlowAnimator(flows.paths, flows.readings, tc=2.269)   # {start: (steps + 1, chains, n_visible)}
    anim                    # lattice at the current step, the mean reading per step, its histogram now
    anim.step = 10          # Python and the controls drive the same traits; anim.playing = True animates
    fit(..., callbacks=[anim.fit_callback(lambda: new_paths_and_readings(), every=5)])   # live while training

A path holds visible vectors in [0, 1]: spins as v = (s + 1) / 2 (mean-field probabilities drawn as 17
grey levels between the two spin colours), or, with ``q``, one-hot groups of q units per site (drawn as
each site's most probable state in the Potts colours). ``readings`` (optional) give a number per chain and
step (a thermometer's T): the view traces their mean over chains against the step, marks ``tc`` and shows
their histogram at the current step. Frames go through ``LatticeCanvasWidget`` (back-pressure, drops);
while playing, the loop runs as an asyncio task on the kernel's loop, one frame per ``1 / speed`` seconds.
A page may set only what its controls set (playing, step, speed, start, chain), each validated; anything
else it sends is refused and shown in the view (``_canvas.LatticeCanvasWidget.set_state``).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from pathlib import Path

import numpy as np
import traitlets

from ..systems import potts_palette
from ._canvas import LatticeCanvasWidget

_JS = Path(__file__).with_name("js")
_log = logging.getLogger(__name__)
LEVELS = 17  # grey levels of a mean-field spin frame
SPIN_COLOURS = ("#f7f7f7", "#1f3b73")  # down (v = 0), up (v = 1): the viewer's white/blue
HIST_BINS = 24
MAX_SPEED = 1000.0  # steps per second; the animation loop sleeps 1 / speed between steps
_CSS = """/* FlowAnimator's layout and controls (flow_animator.js). */
.ll-flow { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start;
  font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px;
  color: var(--jp-ui-font-color1, #222); }
.ll-flow .ll-left { flex: 0 1 320px; min-width: 180px; }
.ll-flow .ll-right { flex: 0 1 360px; min-width: 260px; display: flex; flex-direction: column; gap: 6px; }
.ll-flow .ll-row { display: flex; align-items: center; gap: 8px; }
.ll-flow .ll-row > .ll-label { width: 80px; flex: none; color: var(--jp-ui-font-color2, #555); }
.ll-flow .ll-row input[type=range] { flex: 1; }
.ll-flow .ll-buttons { display: flex; gap: 6px; flex-wrap: wrap; }
.ll-flow .ll-buttons button { padding: 3px 10px; cursor: pointer; }
.ll-flow .ll-play { min-width: 84px; font-weight: 600; }
.ll-flow .ll-num { font-variant-numeric: tabular-nums; }
.ll-flow .ll-plot { width: 100%; height: 90px; border: 1px solid var(--jp-border-color2, #ddd); }
.ll-flow .ll-plot-label { font-size: 11px; color: var(--jp-ui-font-color2, #555); }
"""


def _blend(a: str, b: str, t: float) -> str:
    ca, cb = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (a, b))
    return "#" + "".join(f"{int(round(x)):02x}" for x in (1 - t) * ca + t * cb)


def spin_palette() -> list:
    """LEVELS CSS colours from the down colour (v = 0) to the up colour (v = 1)."""
    return [_blend(*SPIN_COLOURS, k / (LEVELS - 1)) for k in range(LEVELS)]


def frame_of(v: np.ndarray, q: int | None) -> np.ndarray:
    """uint8 (L, L) palette indices of one visible vector v float (n_visible,): grey levels round(16 v)
    for spins, argmax state per site for one-hot q-state units."""
    v = np.asarray(v, dtype=np.float64)
    if q:
        states = v.reshape(-1, q).argmax(-1)
    else:
        states = np.rint(np.clip(v, 0, 1) * (LEVELS - 1))
    L = math.isqrt(states.size)
    if L * L != states.size:
        raise ValueError(f"a visible vector of {v.size} units is not a square lattice{' of q-state sites' if q else ''}")
    return states.reshape(L, L).astype(np.uint8)


class _RefreshOnEpoch:
    """A ``fit`` callback: every ``every`` epochs, ``animator.set_flows(*make_flows())``."""

    def __init__(self, animator, make_flows, every: int):
        self.animator, self.make_flows, self.every = animator, make_flows, max(1, int(every))

    def on_epoch_end(self, epoch, history):
        if (epoch + 1) % self.every == 0:
            self.animator.set_flows(*self.make_flows())


class FlowAnimator(LatticeCanvasWidget):
    """Steps through flows: ``paths`` {start name: float (steps + 1, chains, n_visible)} (or one array),
    ``readings`` the same keys -> float (steps + 1, chains) or None; ``q`` for one-hot Potts units;
    ``tc`` a reference line on the trace; ``label`` the readings' name; ``speed`` steps per second."""

    _controls_js = _JS / "flow_animator.js"
    _controls_css = _CSS
    _view_traits = ("playing", "step", "speed", "start", "chain")

    step = traitlets.Int(0).tag(sync=True)
    n_steps = traitlets.Int(0).tag(sync=True)  # the last step index
    chain = traitlets.Int(0).tag(sync=True)
    n_chains = traitlets.Int(1).tag(sync=True)
    start = traitlets.Unicode("").tag(sync=True)
    starts = traitlets.List(traitlets.Unicode()).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(4.0).tag(sync=True)
    label = traitlets.Unicode("T").tag(sync=True)
    tc = traitlets.Float(None, allow_none=True).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)  # bumped by set_flows

    def __init__(self, paths, readings=None, *, q: int | None = None, tc: float | None = None, label: str = "T",
                 speed: float = 4.0, max_fps: float = 30.0, **kwargs):
        self.q = int(q) if q else None
        self._palette = potts_palette(self.q) if self.q else spin_palette()
        self._task = None
        super().__init__(tc=tc, label=label, speed=float(speed), max_fps=max_fps, **kwargs)
        self.set_flows(paths, readings)

    # -- data -------------------------------------------------------------------------------
    def set_flows(self, paths, readings=None):
        """Show new flows (same layout as the constructor's); the current step and chain are kept where they fit."""
        paths = paths if isinstance(paths, dict) else {"flow": paths}
        readings = readings if isinstance(readings, dict) or readings is None else {"flow": readings}
        self._paths = {k: np.asarray(p.detach().cpu() if hasattr(p, "detach") else p, dtype=np.float32)
                       for k, p in paths.items()}
        shapes = {p.shape[:2] for p in self._paths.values()}
        if not self._paths or len(shapes) != 1 or any(p.ndim != 3 for p in self._paths.values()):
            raise ValueError("paths must map each start to one float array (steps + 1, chains, n_visible), all of "
                             f"one shape; got {[p.shape for p in self._paths.values()]}")
        frame_of(next(iter(self._paths.values()))[0, 0], self.q)  # a square lattice, or say why not
        self._readings = None
        if readings is not None:
            self._readings = {k: np.asarray(readings[k], dtype=np.float64) for k in self._paths}
            if any(r.shape != next(iter(shapes)) for r in self._readings.values()):
                raise ValueError(f"readings must have the paths' (steps + 1, chains) shape {next(iter(shapes))}")
        steps, chains = next(iter(shapes))
        with self.hold_sync():
            self.starts = list(self._paths)
            if self.start not in self._paths:
                self.start = self.starts[0]
            self.n_steps, self.n_chains = steps - 1, chains
            self.step, self.chain = min(self.step, steps - 1), min(self.chain, chains - 1)
            self.version += 1
        self._push()

    def fit_callback(self, make_flows, every: int = 1):
        """A ``latticelab.nn.fit`` callback that shows ``make_flows()`` -> (paths, readings) every ``every`` epochs."""
        return _RefreshOnEpoch(self, make_flows, every)

    # -- what a frame shows --------------------------------------------------------------------
    def histogram(self) -> tuple:
        """(counts int (HIST_BINS,), edges float (HIST_BINS + 1,)) of the readings of every chain at the current
        step, on the range of all readings of this start; (None, None) without readings."""
        if self._readings is None:
            return None, None
        r = self._readings[self.start]
        lo, hi = float(np.nanmin(r)), float(np.nanmax(r))
        counts, edges = np.histogram(r[self.step], bins=HIST_BINS, range=(lo, hi if hi > lo else lo + 1))
        return counts, edges

    def header(self) -> dict:
        r = None if self._readings is None else self._readings[self.start]
        counts, edges = self.histogram()
        L = frame_of(self._paths[self.start][0, 0], self.q).shape[0]
        return {"kind": "u8", "L": L, "palette": list(self._palette), "step": self.step, "chain": self.chain,
                "start": self.start, "version": self.version,
                "reading": None if r is None else float(r[self.step, self.chain]),
                "trace": None if r is None else [float(x) for x in r.mean(1)],
                "hist": None if counts is None else [int(c) for c in counts],
                "edges": None if edges is None else [float(e) for e in edges]}

    def frame(self) -> bytes:
        return frame_of(self._paths[self.start][self.step, self.chain], self.q).tobytes()

    def _push(self):
        self.push_frame(self.header(), [self.frame()])

    @traitlets.observe("step", "chain", "start")
    def _on_position(self, change):
        if getattr(self, "_paths", None) is not None and not self.playing:
            self._push()

    @traitlets.validate("step")
    def _clip_step(self, proposal):
        return int(min(max(proposal.value, 0), self.n_steps))

    @traitlets.validate("chain")
    def _clip_chain(self, proposal):
        return int(min(max(proposal.value, 0), self.n_chains - 1))

    @traitlets.validate("speed")
    def _check_speed(self, proposal):
        if not 0 < proposal.value <= MAX_SPEED:  # also refuses NaN
            raise traitlets.TraitError(f"speed is steps per second, > 0 and <= {MAX_SPEED:g}; got {proposal.value}")
        return float(proposal.value)

    @traitlets.validate("start")
    def _check_start(self, proposal):
        if self.starts and proposal.value not in self.starts:
            raise traitlets.TraitError(f"start must be one of the flows' starts {tuple(self.starts)}, got {proposal.value!r}")
        return proposal.value

    # -- animation ---------------------------------------------------------------------------------
    def advance(self):
        """One step on (back to step 0 after the last). Paused, the frame is sent at once; playing, it is sent
        if the browser has room (else dropped)."""
        self.step = 0 if self.step >= self.n_steps else self.step + 1
        if self.playing:
            seq = self.next_frame(time.perf_counter())
            if seq is not None:
                self.send_frame(self.header(), [self.frame()], seq)

    @traitlets.observe("playing")
    def _on_playing(self, change):
        if change.new and self._task is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.error = "playing needs a running event loop (Jupyter, Voila or asyncio); set .step here"
                self.playing = False
                return
            self._task = loop.create_task(self._run())
        elif not change.new:
            self._push()

    async def _run(self):
        try:
            while self.playing:
                if self.watched(time.perf_counter()):
                    self.advance()
                await asyncio.sleep(1.0 / self.speed)
        except Exception as exc:  # show it in the view instead of dying silently in a task
            _log.exception("FlowAnimator loop stopped")
            self.error = f"{type(exc).__name__}: {exc}"
            self.playing = False
        finally:
            self._task = None

    # -- messages from the view ------------------------------------------------------------------------
    def _on_hello(self):
        self._push()

    def _on_control(self, kind, content):
        if kind == "advance":
            self.playing = False
            self.step = self.step + int(content.get("by", 1))  # clipped to 0..n_steps by the validator

    def __repr__(self):
        return f"FlowAnimator(starts={self.starts}, steps={self.n_steps}, chains={self.n_chains}, step={self.step})"
