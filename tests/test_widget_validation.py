"""What a page may set on the widgets: state from the view (comm 'update' messages, as a page's websocket
sends them) is validated in the kernel; a refused value never reaches the widget, is sent back to the view
and is shown in ``error``; nothing raises into the kernel's message loop. Without a browser or a kernel:
the messages go to the widgets' own comm handlers."""
import asyncio
import logging
import math
import types

import numpy as np
import pytest

from latticelab.widgets import FlowAnimator, LatticeViewer
from latticelab.widgets import link_field_view
from latticelab.widgets.lattice_viewer import MAX_SWEEPS_PER_FRAME
from latticelab.widgets.reconstruction_view import FlowExplorer


class Wire:
    """Stands in for the comm: keeps every message the widget sends to the view."""

    def __init__(self, widget):
        self.sent = []
        widget._send = lambda msg, buffers=None: self.sent.append(msg)

    def updates(self, method="update"):
        return [m["state"] for m in self.sent if m.get("method") == method]

    def frames(self):
        return [m["content"] for m in self.sent if m.get("method") == "custom" and m["content"].get("type") == "frame"]


def from_page(widget, **state):
    """What ipywidgets does with a page's comm message {"method": "update", "state": state}."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})


@pytest.fixture
def viewer(caplog):
    v = LatticeViewer(model="ising", L=32, T=2.0, seed=0)
    v.wire = Wire(v)
    yield v
    # ipywidgets' handler swallows what a widget raises and logs it: nothing may have got that far
    assert not [r for r in caplog.records if "Exception in widget method" in r.getMessage()]


# -- LatticeViewer ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value, says", [
    ("L", 1_000_000, "L"), ("L", 31, "even"), ("L", 40, "sizes"), ("L", "64", "int"),
    ("T", math.nan, "finite"), ("T", -1.0, "positive"), ("T", math.inf, "finite"), ("T", 0.0, "positive"),
    ("T", 1e-300, "range"), ("T", 50.0, "range"), ("T", None, "T"), ("T", "hot", "float"),
    ("h", math.nan, "finite"), ("h", 5.0, "range"),
    ("model", "heisenberg", "one of"), ("algorithm", "heatbath", "one of"), ("q", 10_000, "q"),
    ("sweeps_per_frame", 10**9, "1 to"), ("sweeps_per_frame", 0, "1 to"),
    ("sizes", [10**6], "kernel"), ("t_max", 1e9, "kernel"), ("error", "", "kernel"), ("_esm", "x", "kernel"),
    ("layout", "IPY_MODEL_nope", "kernel"), ("no_such_trait", 1, "kernel"),
])
def test_a_page_cannot_set_a_bad_value(viewer, name, value, says):
    before = {"L": viewer.L, "T": viewer.T, "model": viewer.model, "sweeps": viewer.sweeps_per_frame,
              "chain_T": viewer._runner.T, "chain_L": viewer.chain.system.L}
    viewer.set_state({name: value})  # raised into the comm handler before; must not now
    assert {"L": viewer.L, "T": viewer.T, "model": viewer.model, "sweeps": viewer.sweeps_per_frame,
            "chain_T": viewer._runner.T, "chain_L": viewer.chain.system.L} == before
    assert viewer.error.startswith("refused from the page") and says in viewer.error and name in viewer.error
    if name in viewer.keys:  # the view is told the kernel's value, so it reverts
        assert viewer.wire.updates()[-1] == {name: viewer.get_state(name)[name]}


def test_refusals_go_through_the_comm_handler_without_a_traceback(viewer):
    from_page(viewer, L=1_000_000)
    from_page(viewer, T=math.nan)
    assert viewer.L == 32 and viewer.T == 2.0 and "T" in viewer.error


def test_valid_page_values_take_effect_and_clear_the_refusal(viewer):
    from_page(viewer, L=1_000_000)
    assert viewer.error
    from_page(viewer, T=1.5, sweeps_per_frame=5)
    assert viewer.T == viewer._runner.T == 1.5 and viewer.sweeps_per_frame == 5 and viewer.error == ""
    assert viewer.wire.updates("echo_update")[-1] == {"T": 1.5, "sweeps_per_frame": 5}
    from_page(viewer, L=64, model="potts")
    assert viewer.chain.system.L == 64 and viewer.model == "potts"


def test_a_mixed_message_keeps_the_good_part(viewer):
    from_page(viewer, T=1.5, L=10**6)
    assert viewer.T == 1.5 and viewer.L == 32 and "L=1000000" in viewer.error
    assert viewer.wire.updates()[-1] == {"L": 32}


def test_python_may_set_what_a_page_may_not():
    v = LatticeViewer(L=32, T=2.0)
    v.L, v.T = 40, 4.9  # not in the size menu; above the slider (t_max = 5.0 for Ising)
    assert v.chain.system.L == 40 and v._runner.T == 4.9
    for name, value in [("T", math.nan), ("T", math.inf), ("h", math.nan), ("sweeps_per_frame", MAX_SWEEPS_PER_FRAME + 1)]:
        with pytest.raises(Exception, match=name):
            setattr(v, name, value)


def test_a_state_that_is_not_an_object_is_refused(viewer):
    viewer.set_state(["L", 10**6])
    assert viewer.L == 32 and "JSON object" in viewer.error


def test_the_views_step_runs_in_slices_and_drops_a_second_click():
    v = LatticeViewer(L=64, T=2.0, sweeps_per_frame=40, slice_s=0.001)
    wire = Wire(v)
    ticks = []

    async def run():
        async def ticker():
            while True:
                ticks.append(v.chain.sweeps)
                await asyncio.sleep(0)
        t = asyncio.ensure_future(ticker())
        v._on_view_msg(v, {"type": "step"}, [])
        v._on_view_msg(v, {"type": "step"}, [])  # while the first runs: dropped
        assert v.chain.sweeps < 40  # returned at once, the work is on the loop
        while v._stepping is not None:
            await asyncio.sleep(0.001)
        t.cancel()

    asyncio.run(run())
    assert v.chain.sweeps == 40 and wire.frames()[-1]["sweeps"] == 40
    assert len(set(ticks)) > 3  # other tasks ran between the slices


# -- FlowAnimator -----------------------------------------------------------------------------
def test_flow_animator_refuses_bad_page_values_and_kernel_traits():
    paths = {"hot": np.random.default_rng(0).random((5, 2, 16)), "cold": np.zeros((5, 2, 16))}
    a = FlowAnimator(paths, speed=4.0)
    wire = Wire(a)
    for state, says in [({"start": "nope"}, "starts"), ({"speed": math.nan}, "speed"), ({"speed": math.inf}, "speed"),
                        ({"speed": 0}, "speed"), ({"speed": 1e9}, "speed"), ({"n_steps": 10**6}, "kernel"),
                        ({"starts": ["x"]}, "kernel"), ({"step": "2"}, "int")]:
        a.set_state(state)
        assert a.error.startswith("refused from the page") and says in a.error, (state, a.error)
        assert wire.updates()[-1] == a.get_state(list(state))
    assert (a.start, a.speed, a.n_steps, a.starts) == ("hot", 4.0, 4, ["hot", "cold"])
    a.set_state({"step": 10**6, "chain": -3, "start": "cold"})  # clipped into range, as the controls would
    assert (a.step, a.chain, a.start, a.error) == (4, 0, "cold", "")
    assert wire.frames()[-1]["start"] == "cold"


# -- WormProbe (plain ipywidgets) ---------------------------------------------------------------
@pytest.fixture
def probe(monkeypatch):
    calls = []

    def fake_sample_dual(system, n, **kw):
        calls.append((system.mu, system.eta))
        return types.SimpleNamespace(density=np.ones(2), phi2=np.ones(2), k=np.zeros((1, 1, 4, 4), int))

    monkeypatch.setattr("latticelab.samplers.dual.sample_dual", fake_sample_dual)
    p = link_field_view.WormProbe(Lt=4, Lx=4, mu=0.5)
    p.calls = calls
    return p


def test_worm_probe_refuses_a_page_value_outside_its_range(probe):
    probe.mu.set_state({"value": math.nan})
    assert probe.sample() is None and "mu must be from 0.0 to 3.0" in probe.readout.value
    assert probe.mu.value == 0.5 and len(probe.calls) == 1  # only the constructor's sample ran
    probe.eta.set_state({"max": 1e9, "min": 100.0})
    probe.eta.set_state({"value": 1e6})  # the box's own bounds no longer stop it
    assert probe.sample() is None and "eta must be from 4.0 to 6.0" in probe.readout.value
    assert (probe.eta.min, probe.eta.max, probe.eta.value) == (4.0, 6.0, 4.01)
    probe.mu.set_state({"value": 1.5})
    assert probe.sample() is not None and probe.calls[-1] == (1.5, 4.01) and "error" not in probe.readout.value


# -- FlowExplorer (plain ipywidgets) -------------------------------------------------------------
class _Identity:
    def apply(self, x, shape):
        return x

    def predict(self, x):
        return np.full(len(x), 0.4)


def test_flow_explorer_checks_the_lattice_index_against_the_data():
    configs = np.where(np.random.default_rng(0).random((3, 4, 4, 4)) < 0.5, -1, 1)
    e = FlowExplorer(_Identity(), _Identity(), [0.2, 0.4, 0.6], configs)
    e.sample_slider.value = 2
    good = e.lattice.copy()
    e.sample_slider.set_state({"max": 10**6})
    e.sample_slider.set_state({"value": 50})
    assert "lattice must be from 0 to 3, got 50" in e.readout.value
    assert (e.sample_slider.min, e.sample_slider.max, e.sample_slider.value) == (0, 3, 2)
    np.testing.assert_array_equal(e.lattice, good)
    e.sample_slider.set_state({"value": 3})
    np.testing.assert_array_equal(e.lattice, configs[e.beta_slider.value, 3])
    assert "predicted beta" in e.readout.value and "error" not in e.readout.value


def test_a_refusal_is_logged_once_at_info_level(caplog):
    """Not as a warning: a kernel's warnings reach the page as stderr text; the view shows ``error`` instead."""
    v = LatticeViewer(L=32)
    Wire(v)
    with caplog.at_level(logging.INFO):
        from_page(v, model="heisenberg")
    assert [r.levelname for r in caplog.records if "refused" in r.getMessage()] == ["INFO"]
