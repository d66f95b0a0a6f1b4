"""Views for the RG-versus-autoencoder app: a flow explorer that iterates an autoencoder on a lattice, and
zoomable weight heatmaps.

    FlowExplorer(autoencoder, predictor, betas, configs)   pick a lattice, press "Iterate": x -> AE(x) -> ...,
                                                           with the predicted beta of each step beside the
                                                           decimation recursion's beta after as many steps
    heatmap(matrix, title)                                 a weight or WW^T matrix, zoomable (bokeh)
    gallery(lattices, titles)                              lattices of different shapes side by side

The explorer is plain ipywidgets (an image of the lattice as PNG, sliders, buttons, a readout): one
image per click, so it needs no frame throttling. A page's websocket can set a slider's value, min or max
to anything: ``reset`` checks the lattice index against the data, puts the slider back and says why in the
readout instead of indexing out of range.
"""
from __future__ import annotations

import html
import io

import numpy as np

from ..exact.rg import decimation_beta
from ._plots import TOOLS, figure, image, lattice_row, show


def lattice_png(lattice, scale: int = 8) -> bytes:
    """PNG bytes of a lattice float (H, W) with values in [-1, 1] (clipped; -1 black, +1 white), each site
    a scale x scale block."""
    from PIL import Image

    x = np.clip(np.asarray(lattice, dtype=np.float64), -1.0, 1.0)
    grey = np.rint((x + 1.0) * 127.5).astype(np.uint8)
    grey = np.kron(grey, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def gallery(lattices, titles, *, size: int = 180):
    """Lattices of any shapes side by side (e.g. L x L, L x L/2, L/2 x L/2), grey from -1 (black) to +1 (white);
    real values (an autoencoder's output) are clipped to that range, so reconstructions compare with spins."""
    return show(lattice_row(lattices, titles, size=size, cmap="gray", clim=(-1.0, 1.0)))


def heatmap(matrix, title: str = "", *, size: int = 360, cmap: str = "RdBu_r", symmetric: bool = True):
    """A matrix (rows, cols) as a zoomable heatmap widget (box/wheel zoom, hover); row 0 at the top."""
    m = np.asarray(matrix, dtype=np.float64)
    lim = float(np.abs(m).max()) or 1.0
    fig = figure(title, "column", "row", width=size, height=size, tools=TOOLS + ",hover")
    image(fig, m, cmap=cmap, clim=(-lim, lim) if symmetric else None, colorbar=True)
    fig.hover.tooltips = [("column", "$x{0}"), ("row (from the bottom)", "$y{0}"), ("weight", "@image")]
    fig.toolbar.active_scroll = next(t for t in fig.tools if type(t).__name__ == "WheelZoomTool")
    return show(fig)


class FlowExplorer:
    """Iterate an autoencoder on one test lattice and watch the predicted beta flow.

    autoencoder: a net with ``apply(configs, shape=(L, L))`` (``latticelab.nn.autoencoder.LinearNet``)
    predictor:   a net with ``predict(configs (..., L, L)) -> beta (...)`` (``BetaPredictor``)
    betas:       float (n_betas,); configs: +-1 (n_betas, n, L, L), the lattices to start from
    ``explorer.widget`` is the ipywidgets box (the explorer also displays itself); ``iterate()`` and
    ``reset()`` do what the buttons do; ``history`` holds the predicted beta of every step so far.
    """

    def __init__(self, autoencoder, predictor, betas, configs, *, beta_index: int = None, scale: int = 8):
        import ipywidgets as w

        self.autoencoder, self.predictor = autoencoder, predictor
        self.betas, self.configs = np.asarray(betas, dtype=np.float64), np.asarray(configs)
        if self.configs.ndim != 4 or self.configs.shape[0] != self.betas.size:
            raise ValueError(f"configs must be (n_betas={self.betas.size}, n, L, L); got shape {self.configs.shape}")
        self.scale = scale
        start = int(np.argmin(np.abs(self.betas - 0.3))) if beta_index is None else int(beta_index)
        self.beta_slider = w.SelectionSlider(options=[(f"{b:.3f}", i) for i, b in enumerate(self.betas)], value=start,
                                             description="start beta", continuous_update=False)
        self.sample_slider = w.IntSlider(0, 0, self.configs.shape[1] - 1, description="lattice", continuous_update=False)
        self.iterate_button = w.Button(description="Iterate autoencoder", button_style="primary", icon="forward")
        self.reset_button = w.Button(description="Reset", icon="undo")
        self.image = w.Image(format="png", layout=w.Layout(width=f"{min(320, scale * self.configs.shape[-1])}px"))
        self.readout = w.HTML()
        self.iterate_button.on_click(lambda _: self.iterate())
        self.reset_button.on_click(lambda _: self.reset())
        self.beta_slider.observe(lambda _: self.reset(), "value")
        self.sample_slider.observe(lambda _: self.reset(), "value")
        controls = w.VBox([self.beta_slider, self.sample_slider, w.HBox([self.iterate_button, self.reset_button])])
        self.widget = w.HBox([w.VBox([self.image]), w.VBox([controls, self.readout])])
        self.widget.add_class("ll-flow-explorer")
        self.reset()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    @property
    def start_beta(self) -> float:
        return float(self.betas[self.beta_slider.value])

    def _sample_index(self) -> int:
        """The lattice slider's value, checked against the data (not against the slider's own bounds)."""
        n, s = self.configs.shape[1], self.sample_slider
        value = s.value
        if (s.min, s.max) == (0, n - 1) and isinstance(value, int) and 0 <= value < n:
            self._good_sample = value
            return value
        good = getattr(self, "_good_sample", 0)
        with s.hold_trait_notifications():  # min, max and value checked together at the end
            s.min, s.max = 0, n - 1
            if not (isinstance(value, int) and 0 <= value < n):
                s.value = good
        if s.value != value:
            raise ValueError(f"lattice must be from 0 to {n - 1}, got {value!r}; kept lattice {good}")
        self._good_sample = value
        return value

    def reset(self):
        """Back to the chosen input lattice (step 0)."""
        try:
            k = self._sample_index()
        except ValueError as exc:
            self.readout.value = f'<span data-ll="error" style="color: #b03a2e;">{html.escape(str(exc))}</span>'
            return self
        self.lattice = self.configs[self.beta_slider.value, k].astype(np.float32)
        self.history = [float(self.predictor.predict(self.lattice[None])[0])]
        self._draw()
        return self

    def iterate(self, n: int = 1):
        """Apply the autoencoder ``n`` times to the current lattice."""
        L = self.lattice.shape[-1]
        for _ in range(n):
            self.lattice = self.autoencoder.apply(self.lattice[None], shape=(L, L))[0]
            self.history.append(float(self.predictor.predict(self.lattice[None])[0]))
        self._draw()
        return self

    def _draw(self):
        self.image.value = lattice_png(self.lattice, self.scale)
        rg = [self.start_beta]
        for _ in range(len(self.history) - 1):
            rg.append(float(decimation_beta(rg[-1])))
        rows = "".join(f"<tr><td>{k}</td><td>{b:.3f}</td><td>{r:.3f}</td></tr>"
                       for k, (b, r) in enumerate(zip(self.history, rg)))
        self.readout.value = (
            f'<div data-ll="flow-readout" data-step="{len(self.history) - 1}" data-beta="{self.history[-1]:.6f}">'
            f"<b>step {len(self.history) - 1}</b>: predicted beta = {self.history[-1]:.3f} "
            f"(start beta = {self.start_beta:.3f})"
            f"<table><tr><th>step</th><th>autoencoder (predicted)</th><th>decimation recursion</th></tr>{rows}</table></div>")
