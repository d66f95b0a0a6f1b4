"""``LatticeViewer``: a live view of a running Markov chain, with its knobs.

    from latticelab.widgets import LatticeViewer
    v = LatticeViewer(model="ising", L=128, T=2.3, playing=True)
    v                      # in Jupyter or Voila: lattice, controls, traces
    v.T = 1.8              # Python and the sliders drive the same traits
    v.history["absm"]      # float64 (n,) |m| per recorded frame

How it stays responsive: the chain advances in an asyncio task on the kernel's own event loop,
in slices of at most ``slice_s`` seconds, yielding between them, so slider and button messages are
handled while it runs. Each frame is one custom comm message (bit-packed or uint8 bytes, see
``_frames``) drawn on the lattice canvas (``_canvas``, ``js/lattice_canvas.js``); the browser
acknowledges what it draws (every frame; every other in class mode) and ``_throttle.Throttle`` drops
frames while two are unacknowledged, so
frames are dropped, never queued, and the message rate stays <= ``max_fps``. The controls are
``js/lattice_viewer.js``; the view's Step runs in slices too.

What a page may set: only the knobs its controls set, within the controls' ranges (L one of ``sizes``,
T in [t_min, t_max], |h| <= h_max, sweeps_per_frame <= MAX_SWEEPS_PER_FRAME, a known model, update and
q); anything else a page's websocket sends is refused, the kernel keeps its value and the view shows why
(``_canvas.LatticeCanvasWidget.set_state``). Python may set any valid value (e.g. L=1024, T=10).

Until a view is displayed, and when no view has answered for a while (closed or hidden), the loop idles:
nobody is watching, so no CPU is spent and idle kernels can be culled.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import traitlets

from .. import _validate
from ..lattice import check_size
from ..systems import SYSTEMS
from ._canvas import LatticeCanvasWidget
from ._runner import ALGORITHMS, STARTS, Runner, takes_option, update_error

SIZES = (16, 32, 64, 128, 256, 512)
MAX_L = 2048  # the largest L a frame may have (4 MiB of u8 Potts frame)
MAX_SWEEPS_PER_FRAME = 1000  # a Wolff sweep at L=512 near Tc takes ~50 ms: a frame at most ~1 min of work
_STRUCTURE = ("model", "L", "q", "algorithm")
ALGORITHM_LABELS = {"metropolis": "Metropolis", "wolff": "Wolff"}
_JS = Path(__file__).with_name("js")
_log = logging.getLogger(__name__)


class LatticeViewer(LatticeCanvasWidget):
    """A live lattice of any system in ``ll.systems.SYSTEMS`` (Ising, Potts, the Edwards-Anderson spin
    glass); Metropolis or, where the system allows it, Wolff.

    model: a ``SYSTEMS`` name ('ising' | 'potts' | 'ea');  L: even lattice size (the menu offers 16..512)
    q: Potts states;  T, h: temperature and field (h acts on systems with a field: Ising)
    sweeps_per_frame: sweeps between frames
    playing: run the chain live while a view shows it (Jupyter, Voila); headless, use ``step()``
    seed: chain and disorder seed
    max_fps: frames (and messages) per second at most;  slice_s: longest the loop holds the kernel at once
    """

    record_hz = 20.0  # energy and |m| measurements per second while playing (trace points)

    _controls_js = _JS / "lattice_viewer.js"
    _controls_css = _JS / "lattice_viewer.css"
    _view_traits = ("model", "q", "algorithm", "L", "T", "h", "sweeps_per_frame", "playing")

    model = traitlets.Unicode("ising").tag(sync=True)
    q = traitlets.Int(3).tag(sync=True)
    L = traitlets.Int(64).tag(sync=True)
    algorithm = traitlets.Unicode("metropolis").tag(sync=True)
    T = traitlets.Float(2.269).tag(sync=True)
    h = traitlets.Float(0.0).tag(sync=True)
    sweeps_per_frame = traitlets.Int(1).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    # set by the kernel, read by the view
    sizes = traitlets.List(traitlets.Int(), default_value=list(SIZES)).tag(sync=True)
    t_min = traitlets.Float(0.1).tag(sync=True)
    t_max = traitlets.Float(5.0).tag(sync=True)
    tc = traitlets.Float(None, allow_none=True).tag(sync=True)
    h_max = traitlets.Float(1.0).tag(sync=True)
    models = traitlets.List().tag(sync=True)  # the model menu: [name, label] of each of SYSTEMS
    algorithms = traitlets.List().tag(sync=True)  # [name, label, runs the current system]
    takes_q = traitlets.Bool(False).tag(sync=True)  # the current system takes q (the view shows its menu)
    has_field = traitlets.Bool(True).tag(sync=True)  # the current system has a field (the view shows h)

    def __init__(self, model="ising", L=64, *, q=3, T=None, h=0.0, algorithm="metropolis", sweeps_per_frame=1,
                 playing=False, seed=0, backend="numba", max_fps=60.0, max_in_flight=None, slice_s=0.03, **kwargs):
        self._runner = Runner(model, L, q=q, T=T, h=h, algorithm=algorithm, seed=seed, backend=backend)
        self.slice_s = float(slice_s)
        self._sent_sweeps = -1  # chain.sweeps of the last frame sent
        self._last_record = 0.0
        self._task = None
        self._stepping = None  # the view's Step, while it runs in slices
        self._quiet = True  # trait observers ignore the initial assignment below
        sizes = sorted(set(SIZES) | {int(L)})
        super().__init__(model=model, L=int(L), q=int(q), algorithm=algorithm, T=self._runner.T, h=self._runner.h,
                         sweeps_per_frame=sweeps_per_frame, sizes=sizes, max_fps=max_fps,
                         max_in_flight=max_in_flight, **kwargs)
        self._quiet = False
        self._sync_from_runner()
        self.playing = bool(playing)

    @traitlets.default("models")
    def _models_menu(self):
        return [[name, cls.label] for name, cls in SYSTEMS.items()]

    # -- validation ----------------------------------------------------------------
    @traitlets.validate("model")
    def _check_model(self, proposal):
        if proposal.value not in SYSTEMS:
            raise traitlets.TraitError(f"model must be one of {tuple(SYSTEMS)}, got {proposal.value!r}")
        return proposal.value

    @traitlets.validate("algorithm")
    def _check_algorithm(self, proposal):
        if proposal.value not in ALGORITHMS:
            raise traitlets.TraitError(f"algorithm must be one of {ALGORITHMS}, got {proposal.value!r}")
        return proposal.value

    @traitlets.validate("L")
    def _check_L(self, proposal):
        try:
            return check_size(proposal.value, even=True, minimum=4, maximum=MAX_L)
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"{exc} (the viewer takes even L from 4 to {MAX_L}, e.g. L=128)") from None

    @traitlets.validate("q")
    def _check_q(self, proposal):
        if not 2 <= proposal.value <= 20:
            raise traitlets.TraitError(f"q must be from 2 to 20 Potts states, got {proposal.value}")
        return proposal.value

    @traitlets.validate("sweeps_per_frame")
    def _check_sweeps(self, proposal):
        if not 1 <= proposal.value <= MAX_SWEEPS_PER_FRAME:
            raise traitlets.TraitError(f"sweeps_per_frame must be from 1 to {MAX_SWEEPS_PER_FRAME}, got {proposal.value}; "
                                       "for a longer run call viewer.step(n_sweeps)")
        return proposal.value

    @traitlets.validate("T")
    def _check_T(self, proposal):
        try:
            T = _validate.finite_float(proposal.value, "T")
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"{exc}: a positive, finite temperature in units of J/k_B, e.g. T=2.27") from None
        if T <= 0:
            raise traitlets.TraitError(f"T must be a positive temperature in units of J/k_B, got {T}; e.g. T=2.27")
        return T

    @traitlets.validate("h")
    def _check_h(self, proposal):
        try:
            return _validate.finite_float(proposal.value, "h")
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"{exc}; e.g. h=0.1") from None

    def _check_from_view(self, name, value):
        """A page sets what its controls can: L from the size menu, T and h within their sliders' ranges."""
        if name == "L" and value not in self.sizes:
            raise traitlets.TraitError(f"L={value} is not one of this viewer's sizes {tuple(self.sizes)}; "
                                       "other sizes are set from Python (viewer.L = ...)")
        if name == "T" and not self.t_min <= value <= self.t_max:
            raise traitlets.TraitError(f"T={value} is outside the slider's range [{self.t_min}, {self.t_max}]")
        if name == "h" and not abs(value) <= self.h_max:
            raise traitlets.TraitError(f"h={value} is outside the slider's range [-{self.h_max}, {self.h_max}]")

    # -- traits -> runner ------------------------------------------------------------
    @traitlets.observe(*_STRUCTURE)
    def _on_structure(self, change):
        if self._quiet:
            return
        try:
            self._runner.rebuild(model=self.model, L=self.L, q=self.q, algorithm=self.algorithm, fallback=True)
        except (ValueError, TypeError) as exc:
            self.error = str(exc)
            return
        self.error = ""
        self._sync_from_runner()
        self._push_frame()

    @traitlets.observe("T")
    def _on_T(self, change):
        if not self._quiet and change.new != self._runner.T:
            self._runner.T = change.new

    @traitlets.observe("h")
    def _on_h(self, change):
        if self._quiet or change.new == self._runner.h:
            return
        try:
            self._runner.h = change.new
        except ValueError as exc:
            self.error = str(exc)
            self._sync_from_runner()

    @traitlets.observe("playing")
    def _on_playing(self, change):
        if change.new and self._task is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.error = "playing needs a running event loop (Jupyter, Voila or asyncio); use .step() here"
                self.playing = False
                return
            self._task = loop.create_task(self._run())

    def _sync_from_runner(self):
        r = self._runner
        self._quiet = True
        try:
            with self.hold_sync():
                self.model, self.L, self.q, self.algorithm = r.model, r.L, r.q, r.algorithm
                self.t_min, self.t_max = r.t_range
                self.tc = r.system.tc
                self.takes_q, self.has_field = takes_option(r.model, "q"), r.system.has_field
                self.algorithms = [[a, ALGORITHM_LABELS.get(a, a), update_error(a, r.system, r.backend) is None]
                                   for a in ALGORITHMS]
                self.T, self.h = r.T, r.h
        finally:
            self._quiet = False

    # -- public ----------------------------------------------------------------------
    def play(self):
        """Run live (the same as pressing Play)."""
        self.playing = True

    def pause(self):
        """Stop stepping; the chain keeps its state."""
        self.playing = False

    def step(self, n_sweeps: int | None = None, measure_every: int | None = None):
        """Advance ``n_sweeps`` (default ``sweeps_per_frame``) now and show the result.

        ``measure_every=k`` records energy and |m| into ``history`` every k sweeps (default: once, at the end)."""
        n = self.sweeps_per_frame if n_sweeps is None else int(n_sweeps)
        if measure_every:
            for start in range(0, n, int(measure_every)):
                self._runner.step(min(int(measure_every), n - start))
                self._runner.record()
            self._push_frame(self._runner.last)
        else:
            self._runner.step(n)
            self._push_frame()
        return self

    def reset(self, start: str = "hot"):
        """Restart the chain 'hot' (random) or 'cold' (ordered); the traces start over."""
        if start not in STARTS:
            raise ValueError(f"start must be one of {STARTS}, got {start!r}")
        self._runner.reset(start)
        self._push_frame(self._runner.last)
        return self

    @property
    def chain(self):
        """The ``ll.Chain`` being shown (rebuilt when model, L, q or algorithm change)."""
        return self._runner.chain

    @property
    def system(self):
        return self._runner.system

    @property
    def history(self) -> dict:
        """Recorded traces since the last restart: {'sweeps', 'T', 'h', 'energy', 'absm'} -> float64 (n,)."""
        return self._runner.history

    @property
    def stats(self) -> dict:
        """Frame accounting: sent, dropped, acked, lost, in_flight, browser fps, ack latency (s), sweeps."""
        return {**super().stats, "sweeps": self.chain.sweeps}

    # -- frames ----------------------------------------------------------------------
    def _send_frame(self, seq, measured, fresh=True):
        self._sent_sweeps = self.chain.sweeps
        header = self._runner.header(seq, measured, fresh)
        header["sweep_ms"] = 1e3 * self._runner.sec_per_sweep()  # NaN (not timed yet) goes as null
        self.send_frame(header, [self._runner.frame()], seq)

    def _push_frame(self, measured=None):
        """Send the current lattice now, past the throttle (after a user action)."""
        self._send_frame(self.forced_frame(), measured or self._runner.record())

    def _offer_frame(self, now):
        """A frame's worth of sweeps is done: send it if the browser has room, else drop it.

        Energy and |m| are measured at most ``record_hz`` times a second (at L=512 a measurement costs
        more than a sweep); frames in between carry the last measurement, marked not fresh."""
        due = now - self._last_record >= 1.0 / self.record_hz
        seq = self.next_frame(now)
        if seq is not None:
            self._send_frame(seq, self._runner.record() if due else self._runner.last, fresh=due)
        elif due:
            self._runner.record()  # the Python-side history keeps its rate while frames are dropped
        if due:
            self._last_record = now

    async def _run(self):
        """The live loop: a frame's sweeps in slices, a frame offered, then sleep until the next frame is due."""
        clock = time.perf_counter
        due, left = clock(), 0
        try:
            while self.playing:
                if not self.watched(clock()):
                    await asyncio.sleep(0.1)  # nobody is watching; a view's hello wakes us
                    continue
                if left <= 0:
                    left = self.sweeps_per_frame
                left -= self._runner.advance(left, self.slice_s)
                if left > 0:
                    await asyncio.sleep(0)
                    continue
                now = clock()
                if self.chain.sweeps != self._sent_sweeps:
                    self._offer_frame(now)
                due = max(due + 1.0 / self._throttle.max_fps, now)
                await asyncio.sleep(due - now)
        except Exception as exc:  # show it in the view instead of dying silently in a task
            _log.exception("LatticeViewer loop stopped")
            self.error = f"{type(exc).__name__}: {exc}"
            self.playing = False
        finally:
            self._task = None

    # -- messages from the view ---------------------------------------------------------
    def _on_ack(self, now):
        if self.playing and self.chain.sweeps != self._sent_sweeps and self._throttle.ready(now):
            self._offer_frame(now)  # room again: send the newest state now, not at the next tick

    def _on_hello(self):
        self._push_frame(self._runner.last)

    def _on_control(self, kind, content):
        if kind == "step":
            self._step_from_view()
        elif kind == "reset":
            self.reset(content.get("start", "hot"))

    def _step_from_view(self):
        """The view's Step: a frame's sweeps in slices of ``slice_s`` on the kernel's loop, so the kernel keeps
        answering (a Wolff frame at L=512 near Tc can take seconds); a Step while one runs is dropped. Without
        a running loop (tests, scripts) it steps at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.step()
            return
        if self._stepping is None:
            self._stepping = loop.create_task(self._step_slices(self.sweeps_per_frame))

    async def _step_slices(self, n):
        try:
            while n > 0:
                n -= self._runner.advance(n, self.slice_s)
                await asyncio.sleep(0)
            self._push_frame()
        except Exception as exc:  # show it in the view instead of dying silently in a task
            _log.exception("LatticeViewer step stopped")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._stepping = None

    def __repr__(self):
        return f"LatticeViewer({self._runner.system!r}, T={self.T:.4g}, algorithm={self.algorithm!r}, playing={self.playing})"
