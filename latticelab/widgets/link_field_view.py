"""``WormProbe``: the dual worm sampler behind two number boxes (mu, eta) and a button; the readout shows the
density n and <|phi|^2> of fresh samples, and the flux k_t of the last one as an image.

The boxes' bounds live here, not in the page: a page's websocket can set a box's value, min or max to anything,
so ``sample`` puts the bounds back and refuses a value outside them (NaN included), keeping the last good one
and saying why in the readout."""
from __future__ import annotations

import html
import io

import numpy as np

MU_RANGE = (0.0, 3.0)  # chemical potential the "mu" box offers
ETA_RANGE = (4.0, 6.0)  # hopping parameter eta = 2d + m^2 the "eta" box offers (d = 2)


def _png(k: np.ndarray, scale: int = 6) -> bytes:
    """A diverging-colour PNG of a link field int (Lt, Lx) (negative blue, zero paper, positive red)."""
    from PIL import Image

    v = np.clip(k, -3, 3).astype(float) / 3.0
    paper = np.array([242, 239, 230], float)
    red, blue = np.array([197, 48, 48], float), np.array([43, 108, 176], float)
    rgb = paper + np.where(v[..., None] > 0, v[..., None] * (red - paper), -v[..., None] * (blue - paper))
    img = Image.fromarray(rgb.astype(np.uint8)).resize((k.shape[1] * scale, k.shape[0] * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def restore_bounds(box, lo: float, hi: float):
    """Put ``box.min, box.max = lo, hi`` back, whatever a page set them to (checked together at the end, so
    the order does not trip the box's min <= max check; a value outside is clamped into them)."""
    with box.hold_trait_notifications():
        box.min, box.max = lo, hi


class WormProbe:
    """``WormProbe(Lt=32, Lx=8).widget``: choose mu and eta, press "sample", read n and |phi|^2."""

    def __init__(self, Lt: int = 32, Lx: int = 8, eta: float = 4.01, mu: float = 0.0, lam: float = 1.0,
                 n_samples: int = 64, seed: int = 0):
        import ipywidgets as w

        self.Lt, self.Lx, self.lam, self.n_samples, self.seed = Lt, Lx, lam, n_samples, seed
        self.mu = w.BoundedFloatText(value=mu, min=MU_RANGE[0], max=MU_RANGE[1], step=0.1, description="mu")
        self.eta = w.BoundedFloatText(value=eta, min=ETA_RANGE[0], max=ETA_RANGE[1], step=0.01, description="eta")
        self._good = {"mu": self.mu.value, "eta": self.eta.value}  # the last values sampled (clamped into range)
        self.button = w.Button(description="sample", button_style="primary")
        self.readout = w.HTML()
        self.image = w.Image(format="png")
        self.button.on_click(lambda _: self.sample())
        self.widget = w.VBox([w.HBox([self.mu, self.eta, self.button]), self.readout, self.image])
        self.widget.add_class("ll-worm-probe")
        self.sample()

    def _checked(self, name: str, bounds: tuple) -> float:
        """The box ``name``'s value within ``bounds`` (which are put back on the box), or ValueError."""
        box = getattr(self, name)
        value = box.value
        restore_bounds(box, *bounds)
        if not (isinstance(value, (int, float)) and bounds[0] <= value <= bounds[1]):  # NaN fails too
            box.value = self._good[name]
            raise ValueError(f"{name} must be from {bounds[0]} to {bounds[1]}, got {value!r}; "
                             f"kept {name} = {self._good[name]}")
        return float(value)

    def sample(self):
        """Draw fresh closed configurations at the boxes' (mu, eta); update the readout and the image.

        Returns (n, |phi|^2), or None when a box holds a value outside its range (the readout says which)."""
        from ..samplers.dual import sample_dual
        from ..systems.phi4 import ComplexPhi4

        try:
            mu, eta = self._checked("mu", MU_RANGE), self._checked("eta", ETA_RANGE)
            system = ComplexPhi4(self.Lt, self.Lx, eta=eta, lam=self.lam, mu=mu)
        except ValueError as exc:
            self.readout.value = f'<span data-ll="error" style="color: #b03a2e;">{html.escape(str(exc))}</span>'
            return None
        self._good.update(mu=mu, eta=eta)
        d = sample_dual(system, self.n_samples, burn_in=200, thin=4, seed=self.seed)
        n, p = float(d.density.mean()), float(d.phi2.mean())
        self.readout.value = (f'<span data-ll="density" data-value="{n:.6f}">n = {n:.4f}</span>, '
                              f'<span data-ll="phi2" data-value="{p:.6f}">|phi|^2 = {p:.4f}</span> '
                              f'at mu = {system.mu}, eta = {system.eta} ({self.Lt} x {self.Lx})')
        self.image.value = _png(d.k[-1, 0])
        return n, p


def panels_png(config: np.ndarray, scale: int = 6, gap: int = 1) -> bytes:
    """The four link fields of one configuration int (4, Lt, Lx) side by side as one PNG: k_t and k_x in diverging
    colours (negative blue, zero paper, positive red; clipped at +-3), l_t and l_x from paper (0) to dark (>= 6)."""
    from PIL import Image

    paper = np.array([242, 239, 230], float)
    red, blue, dark = np.array([197, 48, 48], float), np.array([43, 108, 176], float), np.array([40, 40, 40], float)
    panels = []
    for c in range(4):
        if c < 2:
            v = np.clip(config[c], -3, 3).astype(float)[..., None] / 3.0
            rgb = paper + np.where(v > 0, v * (red - paper), -v * (blue - paper))
        else:
            v = np.clip(config[c], 0, 6).astype(float)[..., None] / 6.0
            rgb = paper + v * (dark - paper)
        panels.append(rgb)
        if c < 3:
            panels.append(np.full((config.shape[1], gap, 3), 255.0))
    img = np.concatenate(panels, axis=1).astype(np.uint8)
    pic = Image.fromarray(img).resize((img.shape[1] * scale, img.shape[0] * scale), Image.NEAREST)
    buf = io.BytesIO()
    pic.save(buf, format="PNG")
    return buf.getvalue()


class WormLive:
    """``WormLive(Lt=32, Lx=8).widget``: one worm chain running live. Sliders set mu and eta (a change restarts the
    chain cold at the new couplings); "run" advances it a few sweeps per frame without blocking the kernel, "step"
    by one frame. Shows the four link fields (k_t, k_x, l_t, l_x) of the current configuration, traces of n and
    |phi|^2 per sweep, and n(mu): the mean density at every mu visited (after ``skip`` sweeps), which traces the
    silver blaze when the mu slider is moved up step by step."""

    def __init__(self, Lt: int = 32, Lx: int = 8, eta: float = 4.01, mu: float = 0.0, lam: float = 1.0,
                 sweeps_per_frame: int = 4, keep: int = 400, skip: int = 40, seed: int = 0):
        import ipywidgets as w

        from ._live import LiveFigure, line_series, new_figure

        self.Lt, self.Lx, self.lam, self.seed = int(Lt), int(Lx), float(lam), int(seed)
        self.sweeps_per_frame, self.keep, self.skip = int(sweeps_per_frame), int(keep), int(skip)
        self.mu = w.FloatSlider(value=mu, min=MU_RANGE[0], max=MU_RANGE[1], step=0.05, description="mu",
                                continuous_update=False)
        self.eta = w.FloatSlider(value=eta, min=ETA_RANGE[0], max=ETA_RANGE[1], step=0.01, description="eta",
                                 continuous_update=False)
        self._good = {"mu": self.mu.value, "eta": self.eta.value}
        self.run = w.ToggleButton(description="run", value=False, button_style="success")
        self.step_button = w.Button(description="step")
        self.readout, self.image = w.HTML(), w.Image(format="png")
        traces = new_figure("per sweep", "sweep", "n, |phi|^2", width=380, height=240)
        self.trace = LiveFigure(traces, {"n": line_series(traces, "n", "#0072B2"),
                                         "phi2": line_series(traces, "|phi|^2", "#D55E00")})
        blaze = new_figure("n(mu): means at the mu visited", "mu", "n", width=300, height=240)
        source = line_series(blaze, None, "#999999", width=1)
        blaze.scatter("x", "y", source=source, color="#0072B2", size=7)
        self.blaze = LiveFigure(blaze, {"points": source})
        self.points = {}  # mu -> (mean n, sweeps it averages) at the current eta
        self._restarting = False  # restart() puts slider values back itself: no restart from within one
        self.mu.observe(lambda _: self._restarting or self.restart(), "value")
        self.eta.observe(lambda _: self._restarting or self.restart(), "value")
        self.run.observe(self._toggled, "value")
        self.step_button.on_click(lambda _: self.advance(self.sweeps_per_frame))
        self._task = None
        self.widget = w.VBox([w.HBox([self.mu, self.eta, self.run, self.step_button]), self.readout,
                              w.HTML("k_t, k_x, l_t, l_x (time runs down)"), self.image,
                              w.HBox([self.trace.widget, self.blaze.widget])])
        self.widget.add_class("ll-worm-live")
        self.restart()

    def _checked(self, name: str, bounds: tuple) -> float:
        """The slider ``name``'s value within ``bounds`` (put back on the slider), or ValueError."""
        return WormProbe._checked(self, name, bounds)

    def restart(self):
        """A fresh chain (cold start) at the sliders' (mu, eta); the traces start again. False if a slider holds
        a value outside its range (the readout says which; the last good value is kept)."""
        from ..samplers import worm  # noqa: F401  (registers algorithm='worm')
        from ..samplers.chain import Chain
        from ..systems.phi4 import ComplexPhi4

        self._restarting = True
        try:
            mu, eta = self._checked("mu", MU_RANGE), self._checked("eta", ETA_RANGE)
            system = ComplexPhi4(self.Lt, self.Lx, eta=eta, lam=self.lam, mu=mu)
        except ValueError as exc:
            self.readout.value = f'<span data-ll="error" style="color: #b03a2e;">{html.escape(str(exc))}</span>'
            return False
        finally:
            self._restarting = False
        self._record_point()
        if eta != self._good["eta"]:
            self.points = {}  # n(mu) belongs to one eta
        self._good.update(mu=mu, eta=eta)
        self.system = system
        self.chain = Chain(system, 1.0, 1, algorithm="worm", seed=self.seed, start="cold")
        self.sweeps, self.n_trace, self.phi2_trace = [], [], []
        self.advance(0)
        return True

    def _record_point(self):
        """Put the mean density of the chain that ran at the current mu into n(mu) (after the first ``skip``)."""
        n = getattr(self, "n_trace", [])[self.skip:]
        if n:
            mu = self.system.mu
            old, count = self.points.get(mu, (0.0, 0))
            self.points[mu] = ((old * count + sum(n)) / (count + len(n)), count + len(n))

    def advance(self, n_sweeps: int):
        """Run ``n_sweeps`` sweeps, measuring n and |phi|^2 after each; redraw. Returns (n, |phi|^2) now."""
        for _ in range(int(n_sweeps)):
            self.chain.step(1)
            x = self.chain.configs[0]
            self.sweeps.append(self.chain.sweeps)
            self.n_trace.append(float(self.system.density(x)[0]))
            self.phi2_trace.append(float(self.system.phi2(x)[0]))
        config = self.chain.configs[0, 0]
        n, p = float(self.system.density(config)), float(self.system.phi2(config))
        self.readout.value = (f'<span data-ll="density" data-value="{n:.6f}">n = {n:.4f}</span>, '
                              f'<span data-ll="phi2" data-value="{p:.6f}">|phi|^2 = {p:.4f}</span>, '
                              f'<span data-ll="sweeps" data-value="{self.chain.sweeps}">sweep {self.chain.sweeps}</span>'
                              f' at mu = {self.system.mu}, eta = {self.system.eta} ({self.Lt} x {self.Lx})')
        self.image.value = panels_png(config)
        tail = slice(-self.keep, None)
        self.trace.update(n={"x": self.sweeps[tail], "y": self.n_trace[tail]},
                          phi2={"x": self.sweeps[tail], "y": self.phi2_trace[tail]})
        now = dict(self.points)
        if len(self.n_trace) > self.skip:  # the running chain's mean so far, shown with the finished ones
            now[self.system.mu] = (float(np.mean(self.n_trace[self.skip:])), 0)
        mus = sorted(now)
        self.blaze.update(points={"x": mus, "y": [now[m][0] for m in mus]})
        return n, p

    def _toggled(self, change):
        import asyncio

        if change["new"] and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._loop())

    async def _loop(self):
        """While "run" is down: a frame of sweeps, then yield to the kernel's message loop (sliders stay live)."""
        import asyncio

        while self.run.value:
            self.advance(self.sweeps_per_frame)
            await asyncio.sleep(0.15)
        self.trace.sync()
        self.blaze.sync()
