"""The equivariance app's live worm view without a browser: it advances one chain whose configurations conserve
the flux, follows the mu slider (n ~ 0 below the silver-blaze onset, n > 0.5 above), records n(mu) at the mu
visited, and refuses a slider value outside its range from a page."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets", reason="the app extra")
pytest.importorskip("bokeh", reason="the app extra")

from latticelab.widgets.link_field_view import MU_RANGE, WormLive, panels_png  # noqa: E402


def density(view) -> float:
    return float(view.readout.value.split('data-value="')[1].split('"')[0])


def test_the_live_view_runs_a_closed_chain_and_follows_mu():
    view = WormLive(Lt=32, Lx=4, skip=20)
    view.advance(60)
    assert np.all(view.system.divergence(view.chain.configs[0]) == 0)
    assert len(view.n_trace) == 60 and view.trace.sources["n"].data["y"] == view.n_trace[-view.keep:]
    assert max(abs(n) for n in view.n_trace[20:]) < 0.02  # mu = 0: below the onset
    view.mu.value = 1.6
    assert view.system.mu == 1.6 and view.chain.sweeps == 0  # a fresh chain at the new mu
    view.advance(80)
    assert np.mean(view.n_trace[20:]) > 0.5 and density(view) > 0.5
    view.mu.value = 0.3
    assert set(view.points) == {0.0, 1.6} and view.points[0.0][0] < 0.02 < 0.5 < view.points[1.6][0]
    xs = view.blaze.sources["points"].data["x"]
    assert xs == sorted(xs) and 1.6 in xs


def test_a_slider_value_from_a_page_outside_its_range_is_refused():
    view = WormLive(Lt=16, Lx=4)
    view.mu.max = 50.0  # what a page's websocket could do
    view.mu.value = 40.0
    assert 'data-ll="error"' in view.readout.value and view.system.mu == 0.0
    assert (view.mu.min, view.mu.max) == MU_RANGE and view.mu.value == 0.0


def test_the_four_panels_are_one_image():
    from PIL import Image
    import io

    c = np.zeros((4, 8, 4), np.int32)
    c[0, 0, 0], c[2, 1, 1] = 2, 5
    img = Image.open(io.BytesIO(panels_png(c, scale=2, gap=1)))
    assert img.size == ((4 * 4 + 3) * 2, 8 * 2)
