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
