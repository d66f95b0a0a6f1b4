"""The lattice canvas: a reusable live lattice view, browser half and kernel half.

Browser half: ``js/lattice_canvas.js`` decodes frames ('bits' or 'u8', see ``_frames``), draws them
on canvases with the frame's palette, acknowledges drawn frames (every ``ack_every``-th, as the frame's
header says), counts fps and draws
sparklines. A view's own controls are a second ES module that imports from ``"./lattice_canvas.js"``
and default-exports ``{ render }``. anywidget loads ``_esm`` from a blob URL, where a relative import
cannot resolve, so ``canvas_esm`` inlines the canvas module in front of the controls (and drops
their import line): one ES module, text sent once per widget class.

Kernel half: ``LatticeCanvasWidget`` sends frames under back-pressure (``_throttle.Throttle``: at
most ``max_in_flight`` unacknowledged, at most ``max_fps`` per second, the rest dropped) and routes
the view's messages. A new view (a flow animator, a link-field view, an autoencoder's
reconstructions) subclasses it:

    class FlowAnimator(LatticeCanvasWidget):
        _controls_js = JS / "flow_animator.js"     # a pathlib.Path or the module's text
        _controls_css = JS / "flow_animator.css"   # optional

        def _on_hello(self):                       # a view appeared: show it the current state
            self.push_frame(header, [frame_bytes])
        def _on_control(self, kind, content):      # the view's own messages ("step", ...)
            ...

    and, while running, ``seq = self.next_frame(now)``; ``if seq: self.send_frame({...}, [data], seq)``.

State from the page: a page's kernel takes whatever its websocket sends, so a view may set only the
traits its controls set (``_view_traits``), each through the trait's validators and the subclass's
``_check_from_view``; anything else is refused: the kernel keeps its value, sends it back (the view
reverts) and says why in ``error``. Nothing a page sends raises into the kernel's message loop.
"""
from __future__ import annotations

import contextlib
import logging
import math
import re
import time
from importlib import resources
from pathlib import Path

import anywidget
import traitlets

from ._throttle import Throttle, default_ack_every

_log = logging.getLogger(__name__)
_IMPORT = re.compile(r"""^[ \t]*import\s*\{([^}]*)\}\s*from\s*["']\./lattice_canvas\.js["'];?[ \t]*$\n?""", re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.M)


def js_file(name: str) -> str:
    """The text of ``js/<name>`` inside the package (shipped as package data)."""
    return resources.files(__package__).joinpath("js", name).read_text(encoding="utf-8")


def _text(source) -> str:
    return source.read_text(encoding="utf-8") if isinstance(source, Path) else str(source)


def canvas_exports() -> set:
    """The names ``js/lattice_canvas.js`` exports."""
    return set(_EXPORT.findall(js_file("lattice_canvas.js")))


def canvas_esm(controls) -> str:
    """One ES module: the lattice canvas module, then ``controls`` (a Path or the text of an ES module
    that imports from "./lattice_canvas.js" and default-exports ``{ render }``) without that import."""
    text = _text(controls)
    imports = _IMPORT.findall(text)
    if not imports:
        raise ValueError('the controls module must import what it uses from "./lattice_canvas.js", e.g. '
                         'import { attachFrames, latticeCanvas } from "./lattice_canvas.js";')
    names = {n.strip() for group in imports for n in group.split(",") if n.strip()}
    renamed = sorted(n for n in names if " as " in n)
    if renamed:
        raise ValueError(f"import the canvas's names as they are (the modules are inlined into one): {renamed}")
    missing = sorted(names - canvas_exports())
    if missing:
        raise ValueError(f"lattice_canvas.js does not export {', '.join(missing)}")
    return js_file("lattice_canvas.js") + "\n" + _IMPORT.sub("", text)


def canvas_css(controls_css="") -> str:
    """The canvas's stylesheet, then ``controls_css`` (a Path or CSS text)."""
    return js_file("lattice_canvas.css") + "\n" + _text(controls_css)


class LatticeCanvasWidget(anywidget.AnyWidget):
    """Base of a live lattice view: frames drawn by ``js/lattice_canvas.js``, sent under back-pressure.

    Subclasses set ``_controls_js`` (and ``_controls_css``); ``_esm`` and ``_css`` are composed from
    them when the class is defined. Keyword arguments: ``max_fps`` (frames, and messages, per second
    at most), ``ack_every`` (the view acknowledges every ``ack_every``-th frame; default 1, or the
    kernel's ``LATTICELAB_ACK_EVERY``, which class mode sets to 2: see ``_throttle``) and ``max_in_flight``
    (unacknowledged frames at most; default ``max(2, ack_every)``); the rest go to ``AnyWidget``.
    ``fps`` is the browser's drawn frame rate, from its acks; ``error`` is shown by the view.
    """

    _controls_js = None
    _controls_css = ""
    _view_traits = ()  # the traits a view may set (its controls); the kernel owns every other synced trait

    error = traitlets.Unicode("").tag(sync=True)

    def __init_subclass__(cls, **kwargs):
        if cls.__dict__.get("_controls_js") is not None:
            cls._esm = canvas_esm(cls._controls_js)
            cls._css = canvas_css(cls._controls_css)
        super().__init_subclass__(**kwargs)

    def __init__(self, *, max_fps: float = 60.0, max_in_flight: int | None = None, ack_every: int | None = None,
                 **kwargs):
        ack_every = default_ack_every() if ack_every is None else ack_every
        self._throttle = Throttle(max_in_flight=max_in_flight, max_fps=max_fps, ack_every=ack_every)
        self.fps = 0.0
        self._seq = 0
        self._refusal = ""  # the last refusal shown in ``error`` (cleared by the next accepted update)
        super().__init__(**kwargs)
        self.on_msg(self._on_view_msg)

    # -- frames ------------------------------------------------------------------------------
    def next_frame(self, now: float) -> int | None:
        """The sequence number for a frame now if the browser has room (it counts as sent), else None (dropped)."""
        if self._throttle.offer(self._seq + 1, now):
            self._seq += 1
            return self._seq
        return None

    def forced_frame(self) -> int:
        """The sequence number for a frame sent now regardless of room (after a user action)."""
        self._seq += 1
        self._throttle.mark_sent(self._seq, time.perf_counter())
        return self._seq

    def send_frame(self, header: dict, buffers: list, seq: int):
        """Send frame ``seq``: ``header`` (kind, L, palette, ...) plus the kernel's frame accounting,
        one encoded lattice per canvas in ``buffers``. A non-finite float goes as null (strict JSON)."""
        t = self._throttle
        header = {**header, "type": "frame", "seq": int(seq), "ack_every": t.ack_every, "sent": t.sent,
                  "dropped": t.dropped, "latency_ms": None if t.latency is None else 1e3 * t.latency}
        header = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in header.items()}
        self.send(header, buffers=list(buffers))

    def push_frame(self, header: dict, buffers: list):
        """Send a frame now, past the throttle (after a user action)."""
        self.send_frame(header, buffers, self.forced_frame())

    def watched(self, now: float) -> bool:
        """False until a view says hello, and when frames went unanswered for a while (closed or hidden)."""
        return not self._throttle.detached(now)

    @property
    def stats(self) -> dict:
        """Frame accounting: sent, dropped, acked, lost, in_flight, browser fps, ack latency (s)."""
        t = self._throttle
        return {"sent": t.sent, "dropped": t.dropped, "acked": t.acked, "lost": t.lost, "in_flight": t.in_flight,
                "fps": self.fps, "latency": t.latency}

    # -- messages from the view ------------------------------------------------------------------
    def _on_hello(self):
        """A view appeared or became visible: send it the current state (override)."""

    def _on_ack(self, now: float):
        """The browser drew a frame and has room again (override to send the newest state at once)."""

    def _on_control(self, kind: str, content: dict):
        """A message of the view's own controls (override)."""

    def _on_view_msg(self, _widget, content, _buffers):
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "ack":
                now = time.perf_counter()
                self._throttle.ack(int(content["seq"]), now)
                self.fps = float(content.get("fps") or 0.0)
                self._on_ack(now)
            elif kind == "hello":
                self._throttle.attach()
                self._on_hello()
            elif kind is not None:
                self._on_control(kind, content)
        except Exception as exc:  # show it in the view instead of losing it in the comm handler
            _log.exception("%s could not handle %r", type(self).__name__, kind)
            self._refusal = self.error = f"{type(exc).__name__}: {exc}"  # the next accepted change clears it

    # -- state from the view ---------------------------------------------------------------------
    def _check_from_view(self, name: str, value):
        """Refuse (raise ``TraitError``) a value a page may not set although Python may (override, e.g. to
        hold a page to its controls' ranges). Runs after the trait's own validation; returns nothing."""

    def _view_value(self, name: str, value):
        """``value`` for trait ``name`` as the trait would take it from the view, or ``TraitError`` saying why not."""
        if name not in self._view_traits:
            raise traitlets.TraitError(f"{name} is set by the kernel, not by the page (the page may set "
                                       f"{', '.join(self._view_traits) or 'nothing'})")
        trait = self.traits()[name]
        from_json = self.trait_metadata(name, "from_json", self._trait_from_json)
        try:
            value = trait._validate(self, from_json(value, self))  # the type and the @validate checks
        except traitlets.TraitError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise traitlets.TraitError(f"{name}: {exc}") from None
        self._check_from_view(name, value)
        return value

    def set_state(self, sync_data):
        """State from the view (a page's comm message 'update'): each trait checked first (``_view_value``);
        the accepted ones are set together, the refused ones keep their value, which is sent back to the view,
        and ``error`` says why. Nothing is raised into the kernel's message loop."""
        if not isinstance(sync_data, dict):
            self._refuse({}, [f"a state update must be a JSON object, got {type(sync_data).__name__}"])
            return
        accepted, refused, reasons = {}, [], []
        for name, value in sync_data.items():
            try:
                self._view_value(name, value)
            except traitlets.TraitError as exc:
                refused.append(name)
                reasons.append(str(exc))
            else:
                accepted[name] = value
        if accepted:
            before = {name: getattr(self, name) for name in accepted}
            try:
                super().set_state(accepted)
            except Exception as exc:  # an observer or a check between traits refused: put the old values back
                _log.info("%s refused the state %r from the view: %s", type(self).__name__, accepted, exc)
                with contextlib.suppress(Exception), self.hold_sync():
                    for name, value in before.items():
                        setattr(self, name, value)
                refused += list(accepted)
                reasons.append(f"{type(exc).__name__}: {exc}")
        if refused:
            self._refuse({name: True for name in refused if name in self.keys}, reasons)
        elif self._refusal and self.error == self._refusal:
            self._refusal = self.error = ""  # a valid change clears the last refusal

    def _refuse(self, names: dict, reasons: list):
        # info, not warning: a kernel's warnings go to the page's stderr; the view shows ``error`` instead
        _log.info("%s refused from the view: %s", type(self).__name__, "; ".join(reasons))
        self._refusal = "refused from the page: " + "; ".join(reasons)
        self.error = self._refusal
        if names:
            self.send_state(key=list(names))  # the view shows what the kernel has again
