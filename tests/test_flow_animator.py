"""FlowAnimator without a browser: frames of spin and Potts flows, the controls, the histogram and trace,
the live loop, and refreshing the flows from a training callback."""
import asyncio

import numpy as np
import pytest
import torch

from latticelab.nn.rbm import RBM, train_rbm
from latticelab.widgets import _canvas
from latticelab.widgets.flow_animator import LEVELS, FlowAnimator, frame_of, spin_palette


class Recorder:
    def __init__(self, widget):
        self.messages = []
        widget.send = lambda content, buffers=None: self.messages.append((content, buffers))

    @property
    def frames(self):
        return [(c, b[0]) for c, b in self.messages if c.get("type") == "frame"]


def spin_flow(steps=5, chains=8, n=16, seed=0):
    g = np.random.default_rng(seed)
    return g.random((steps + 1, chains, n)).astype(np.float32), g.normal(2.3, 0.5, (steps + 1, chains))


def make(**kw):
    paths, readings = spin_flow()
    a = FlowAnimator({"cold": paths, "hot": 1 - paths}, {"cold": readings, "hot": readings + 1}, tc=2.269, **kw)
    return a, Recorder(a), paths, readings


def test_spin_frames_are_grey_levels_of_the_current_chain_and_step():
    a, rec, paths, _ = make()
    a.chain, a.step = 3, 2
    header, data = rec.frames[-1]
    got = np.frombuffer(data, dtype=np.uint8).reshape(4, 4)
    np.testing.assert_array_equal(got, np.rint(paths[2, 3] * (LEVELS - 1)).reshape(4, 4))
    assert header["kind"] == "u8" and header["L"] == 4 and header["palette"] == spin_palette()
    assert len(spin_palette()) == LEVELS and header["step"] == 2 and header["chain"] == 3


def test_potts_frames_are_the_most_probable_state():
    v = torch.nn.functional.one_hot(torch.tensor([[0, 2, 1, 1]]), 3).float().flatten(1)  # (1, 12)
    a = FlowAnimator(v[None].numpy(), q=3)
    rec = Recorder(a)
    a.step = 0
    a._on_hello()
    assert np.frombuffer(rec.frames[-1][1], np.uint8).tolist() == [0, 2, 1, 1]
    assert frame_of(v[0].numpy(), 3).shape == (2, 2)


def test_histogram_and_trace_describe_the_readings_at_this_step():
    a, rec, _, readings = make()
    a.step = 4
    header, _ = rec.frames[-1]
    assert sum(header["hist"]) == 8 and len(header["edges"]) == len(header["hist"]) + 1
    assert header["edges"][0] == pytest.approx(readings.min()) and header["edges"][-1] == pytest.approx(readings.max())
    assert header["trace"] == pytest.approx(readings.mean(1).tolist())
    assert header["reading"] == pytest.approx(readings[4, a.chain])
    a.start = "hot"
    assert rec.frames[-1][0]["trace"] == pytest.approx((readings + 1).mean(1).tolist())


def test_controls_step_clip_and_pause():
    a, rec, _, _ = make()
    a._on_control("advance", {"by": 1})
    a._on_control("advance", {"by": 1})
    assert a.step == 2
    a._on_control("advance", {"by": -5})
    assert a.step == 0
    a.step = 99
    assert a.step == a.n_steps == 5
    a.advance()
    assert a.step == 0  # wraps around after the last step
    with pytest.raises(Exception, match="speed"):
        a.speed = 0


def test_bad_flows_say_what_shape_they_need():
    with pytest.raises(ValueError, match="steps \\+ 1, chains, n_visible"):
        FlowAnimator(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="square lattice"):
        FlowAnimator(np.zeros((3, 2, 15)))
    with pytest.raises(ValueError, match="readings"):
        FlowAnimator(np.zeros((3, 2, 16)), np.zeros((3, 3)))


def test_the_controls_module_composes_with_the_lattice_canvas():
    esm = FlowAnimator._esm
    assert "export default { render }" in esm and "import {" not in esm
    assert esm.startswith(_canvas.js_file("lattice_canvas.js")[:200])
    assert ".ll-flow" in FlowAnimator._css


def test_playing_advances_steps_in_an_event_loop():
    a, rec, _, _ = make(speed=200.0)

    async def run():
        a._throttle.attach()
        a.playing = True
        await asyncio.sleep(0.1)
        a.playing = False
        await asyncio.sleep(0.02)

    before = len(rec.frames)
    asyncio.run(run())
    assert len(rec.frames) > before + 2
    assert {c["step"] for c, _ in rec.frames[before:]} != {0}


def test_a_training_callback_refreshes_the_flows_while_the_rbm_trains():
    rbm = RBM(16, 4, seed=0)
    data = torch.bernoulli(torch.full((64, 16), 0.8), generator=torch.Generator().manual_seed(0))
    start = torch.ones(3, 16)
    a = FlowAnimator(rbm.flow(start, 4).numpy())
    rec = Recorder(a)
    first = a.version
    make_flows = lambda: (rbm.flow(start, 4).numpy(), None)  # noqa: E731
    train_rbm(rbm, data, epochs=4, batch_size=16, lr=0.1, callbacks=[a.fit_callback(make_flows, every=2)])
    assert a.version == first + 2 and len(rec.frames) >= 2
    np.testing.assert_allclose(a._paths["flow"], rbm.flow(start, 4).numpy(), atol=1e-6)
