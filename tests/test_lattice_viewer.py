"""LatticeViewer without a browser: frames, back-pressure, the live loop, the knobs reaching the chain,
what the viewer asks the systems, and the lattice canvas a new view reuses."""
import asyncio
import dataclasses
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

import latticelab as ll
from latticelab import systems
from latticelab.systems import potts_palette
from latticelab.widgets import LatticeCanvasWidget, LatticeViewer
from latticelab.widgets import _canvas, _frames, _runner, _throttle, serve
from latticelab.widgets._throttle import RateLimit, Throttle


class Recorder:
    """Stands in for the comm: keeps what the viewer sends."""

    def __init__(self, viewer):
        self.messages = []
        viewer.send = lambda content, buffers=None: self.messages.append((content, buffers))

    @property
    def frames(self):
        return [(c, b[0]) for c, b in self.messages if c.get("type") == "frame"]


def make(**kw):
    v = LatticeViewer(**{"L": 32, **kw})
    return v, Recorder(v)


# -- frames -----------------------------------------------------------------------------
@pytest.mark.parametrize("L", [2, 6, 16, 512])
def test_bits_round_trip(L):
    spins = np.where(np.random.default_rng(L).random((L, L)) < 0.5, -1, 1).astype(np.int8)
    data = _frames.encode(spins, "bits")
    assert len(data) == _frames.frame_bytes("bits", L) == (L * L + 7) // 8
    np.testing.assert_array_equal(_frames.decode(data, "bits", L), spins)


def test_u8_round_trip_potts():
    states = np.random.default_rng(0).integers(0, 7, (24, 24)).astype(np.int8)
    data = _frames.encode(states, "u8")
    assert len(data) == 24 * 24
    np.testing.assert_array_equal(_frames.decode(data, "u8", 24), states)


def test_frame_headers_are_strict_json():
    """No NaN on the wire (jupyter_client warns and may reject it): the first frame has no sweep timing yet."""
    import json

    for model in ("ising", "potts", "ea"):
        v, rec = make(model=model)
        v.step(3)
        assert rec.frames[-1][0]["sweep_ms"] is not None  # timed once it stepped
        v.reset("cold")  # a restarted chain has no timing yet
        for header, _ in rec.frames:
            json.dumps(header, allow_nan=False)


def test_frame_sizes_fit_the_budget():
    assert _frames.frame_bytes("bits", 512) == 32 * 1024
    assert _frames.frame_bytes("bits", 256) == 8 * 1024


def test_kinds_and_palettes():
    assert _frames.frame_kind(ll.Ising(8)) == "bits" and _frames.frame_kind(ll.EdwardsAnderson(8, seed=0)) == "bits"
    assert _frames.frame_kind(ll.Potts(8, 3)) == "u8"
    assert set(ll.Ising(8).palette()).isdisjoint(ll.EdwardsAnderson(8, seed=0).palette())
    for q in range(2, 21):
        colours = potts_palette(q)
        assert len(colours) == q and len(set(colours)) == q, q
        assert all(len(c) == 7 and c.startswith("#") for c in colours)
    with pytest.raises(ValueError, match="kind"):
        _frames.encode(np.ones((4, 4), np.int8), "png")


# -- throttle -----------------------------------------------------------------------------
def test_throttle_drops_beyond_in_flight_and_recovers_on_ack():
    t = Throttle(max_in_flight=2, max_fps=1000)
    assert t.detached(0.0)  # nobody watching yet
    t.attach()
    assert not t.detached(0.0)
    sent = [t.offer(seq, now=0.01 * seq) for seq in range(1, 11)]
    assert sent[:2] == [True, True] and not any(sent[2:])
    assert (t.sent, t.dropped, t.in_flight) == (2, 8, 2)
    t.ack(2, now=0.2)  # acks 1 and 2
    assert t.in_flight == 0 and t.acked == 2 and t.latency > 0
    assert t.offer(11, now=0.21)


def test_throttle_caps_the_message_rate():
    t = Throttle(max_in_flight=2, max_fps=30)
    sent = 0
    for k in range(1000):  # frames offered at 1 kHz for 1 s, acked at once
        now = k / 1000
        if t.offer(k, now):
            t.ack(k, now)
            sent += 1
    assert 29 <= sent <= 31


def test_throttle_forgets_lost_frames_and_detaches():
    t = Throttle(max_in_flight=1, max_fps=100, ack_timeout=1.0, detach_after=5.0)
    t.attach()
    assert t.offer(1, now=0.0) and not t.offer(2, now=0.5)
    assert t.offer(3, now=1.1) and t.lost == 1  # no ack for 1 s: presumed lost, the stream goes on
    assert not t.detached(4.9) and t.detached(5.0)
    t.attach()
    assert not t.detached(6.0) and t.in_flight == 0


def test_throttle_keeps_room_for_the_frames_an_ack_covers_and_refuses_what_would_wait():
    assert (Throttle().ack_every, Throttle().max_in_flight) == (1, 2)  # a single user: an ack per frame
    assert (Throttle(ack_every=2).ack_every, Throttle(ack_every=2).max_in_flight) == (2, 2)  # class mode
    assert Throttle(ack_every=3).max_in_flight == 3
    assert Throttle(max_in_flight=3, ack_every=3).ack_every == 3
    with pytest.raises(ValueError, match="ack_every must be between 1 and max_in_flight=2"):
        Throttle(max_in_flight=2, ack_every=3)
    with pytest.raises(ValueError, match="ack_every must be >= 1"):
        Throttle(ack_every=0)


def test_the_kernels_frames_per_ack_come_from_its_environment(monkeypatch):
    monkeypatch.delenv(_throttle.ACK_EVERY_VAR, raising=False)
    assert _throttle.default_ack_every() == 1
    monkeypatch.setenv(_throttle.ACK_EVERY_VAR, "2")  # what latticelab serve --class sets
    assert _throttle.default_ack_every() == 2 and FakeReconstructionView()._throttle.ack_every == 2
    for bad in ("0", "two"):
        monkeypatch.setenv(_throttle.ACK_EVERY_VAR, bad)
        with pytest.raises(ValueError, match="LATTICELAB_ACK_EVERY=.*unset it, or e.g. LATTICELAB_ACK_EVERY=2"):
            _throttle.default_ack_every()


def test_throttle_latency_is_the_acknowledged_frames_own_round_trip():
    t = Throttle(max_in_flight=2, max_fps=1000)
    t.attach()
    assert t.offer(1, now=0.0) and t.offer(2, now=0.1)
    t.ack(2, now=0.15)  # one ack for both: frame 1 waited for frame 2, which is not its round trip
    assert t.acked == 2 and t.in_flight == 0 and t.latency == pytest.approx(0.05)


# -- the knobs reach the chain ------------------------------------------------------------------
def test_temperature_and_field_reach_the_chain():
    v, _ = make(T=2.0)
    v.T = 1.7
    assert v.chain.T[0] == 1.7
    v.h = 0.3
    assert v.chain.h[0] == 0.3
    assert v.tc == pytest.approx(ll.exact.ising_tc()) and v.t_min < v.tc < v.t_max


def test_field_on_potts_is_refused_in_the_view():
    v, _ = make(model="potts", q=3)
    v.h = 0.5
    assert "Ising" in v.error and v.h == 0.0 and v.chain.h[0] == 0.0


def test_reset_hot_and_cold():
    v, rec = make(T=1.5)
    v.reset("cold")
    assert abs(v.chain.magnetization()[0, 0]) == 1.0 and v.history["absm"][-1] == 1.0
    v.reset("hot")
    assert abs(v.chain.magnetization()[0, 0]) < 0.2
    assert len(rec.frames) == 2  # every reset is shown at once
    with pytest.raises(ValueError, match="hot"):
        v.reset("warm")


def test_structure_changes_rebuild_the_chain():
    v, rec = make()
    chain = v.chain
    v.L = 64
    assert v.chain is not chain and v.chain.system.L == 64 and v.chain.configs.shape == (1, 1, 64, 64)
    header, data = rec.frames[-1]
    assert header["L"] == 64 and len(data) == 64 * 64 // 8
    v.algorithm = "wolff"
    assert v.chain.algorithm == "wolff"
    v.model = "ea"  # no Wolff for the spin glass: falls back to Metropolis
    assert isinstance(v.system, ll.EdwardsAnderson) and v.algorithm == "metropolis" and v.tc is None


def test_model_switch_keeps_T_in_units_of_tc():
    v, _ = make(T=0.8 * ll.exact.ising_tc())
    v.model = "potts"
    assert v.T == pytest.approx(0.8 * ll.exact.potts_tc(3))


def test_potts_frames_carry_one_colour_per_state():
    v, rec = make(model="potts", q=4)
    v.step(3)
    header, data = rec.frames[-1]
    assert header["kind"] == "u8" and len(set(header["palette"])) == 4
    np.testing.assert_array_equal(_frames.decode(data, "u8", 32), v.chain.configs[0, 0])


def test_frames_decode_to_the_chain_state():
    v, rec = make(T=2.3)
    v.step(5)
    header, data = rec.frames[-1]
    np.testing.assert_array_equal(_frames.decode(data, header["kind"], header["L"]), v.chain.configs[0, 0])
    assert header["sweeps"] == v.chain.sweeps == 5
    assert header["absm"] == pytest.approx(abs(v.chain.magnetization()[0, 0]))
    assert header["absm_exact"] == pytest.approx(float(ll.exact.ising_magnetization(2.3)))


def test_invalid_traits_are_refused():
    v, _ = make()
    for name, value in [("L", 31), ("model", "xy"), ("algorithm", "heatbath"), ("T", -1.0), ("sweeps_per_frame", 0)]:
        with pytest.raises(Exception, match=name if name != "T" else "temperature"):
            setattr(v, name, value)


def test_view_messages_step_reset_and_hello():
    v, rec = make()
    v._on_view_msg(v, {"type": "step"}, [])
    assert v.chain.sweeps == 1
    v._on_view_msg(v, {"type": "reset", "start": "cold"}, [])
    assert abs(v.chain.magnetization()[0, 0]) == 1.0
    n = len(rec.frames)
    v._on_view_msg(v, {"type": "hello"}, [])
    assert len(rec.frames) == n + 1


def test_step_with_measurements_fills_the_history():
    v, _ = make(T=1.5)
    v.reset("cold").step(40, measure_every=4)
    h = v.history
    assert h["sweeps"][-1] == 40 and len(h["absm"]) == 11 and np.all(h["T"] == 1.5)


def test_playing_without_an_event_loop_explains():
    v, _ = make()
    v.playing = True
    assert not v.playing and "event loop" in v.error


# -- the live loop ------------------------------------------------------------------------------
def test_live_loop_steps_sends_and_pause_stops_it():
    async def scenario():
        v, rec = make(L=64, max_fps=50)
        v._on_view_msg(v, {"type": "hello"}, [])
        v.play()
        for _ in range(20):  # a browser that acks everything at once
            await asyncio.sleep(0.02)
            v._on_view_msg(v, {"type": "ack", "seq": v._seq, "fps": 50.0}, [])
        assert v.chain.sweeps > 5 and len(rec.frames) > 5
        v.pause()
        await asyncio.sleep(0.05)
        sweeps = v.chain.sweeps
        await asyncio.sleep(0.2)
        assert v.chain.sweeps == sweeps and v._task is None
        return v

    v = asyncio.run(scenario())
    assert v.fps == 50.0


def test_measurements_are_rate_limited_but_frames_are_not():
    async def scenario():
        v, rec = make(L=64, max_fps=60)
        v.record_hz = 10.0
        v._on_view_msg(v, {"type": "hello"}, [])
        v.play()
        for _ in range(50):
            await asyncio.sleep(0.01)
            v._on_view_msg(v, {"type": "ack", "seq": v._seq, "fps": 60.0}, [])
        v.pause()
        await asyncio.sleep(0.03)
        return v, rec

    v, rec = asyncio.run(scenario())
    fresh = [h for h, _ in rec.frames if h["fresh"]]
    assert len(rec.frames) > 2 * len(fresh) and len(v.history["absm"]) <= 10
    assert [h["sweeps"] for h, _ in rec.frames] == sorted(h["sweeps"] for h, _ in rec.frames)


def test_live_loop_drops_frames_without_acks():
    async def scenario():
        v, rec = make(L=64, max_fps=100)
        v._on_view_msg(v, {"type": "hello"}, [])  # sends the current frame: one in flight
        v.play()
        await asyncio.sleep(0.5)
        v.pause()
        await asyncio.sleep(0.03)
        return v, rec

    v, rec = asyncio.run(scenario())
    assert len(rec.frames) == v._throttle.max_in_flight  # nothing acknowledged: two out, the rest dropped
    assert v.stats["dropped"] > 10 and v.chain.sweeps > 10  # the simulation itself went on


def test_live_loop_keeps_the_event_loop_responsive():
    """A slider message must be handled within a slice, even when a frame is many sweeps of a big lattice."""
    async def scenario():
        v, _ = make(L=256, sweeps_per_frame=100, slice_s=0.02)
        v._on_view_msg(v, {"type": "hello"}, [])
        v.play()
        gaps, last = [], time.perf_counter()
        for _ in range(30):
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            v.T = 1.5 + 0.01 * len(gaps)  # what a slider does between slices
        v.pause()
        await asyncio.sleep(0.05)
        return v, gaps

    v, gaps = asyncio.run(scenario())
    assert v.chain.T[0] == pytest.approx(1.8)
    assert max(gaps[1:]) < 0.25, gaps  # a slice is ~20 ms; generous for a loaded CI machine


def test_live_loop_idles_until_a_view_attaches():
    async def scenario():
        v, rec = make()
        v.play()
        await asyncio.sleep(0.3)
        idle = v.chain.sweeps
        v._on_view_msg(v, {"type": "hello"}, [])
        await asyncio.sleep(0.3)
        v.pause()
        await asyncio.sleep(0.03)
        return idle, v.chain.sweeps

    idle, running = asyncio.run(scenario())
    assert idle == 0 and running > 5


def test_live_loop_surfaces_errors():
    async def scenario():
        v, _ = make()

        def boom(*a, **k):
            raise RuntimeError("kernel exploded")

        v._runner.advance = boom
        v._on_view_msg(v, {"type": "hello"}, [])
        v.play()
        await asyncio.sleep(0.05)
        return v

    v = asyncio.run(scenario())
    assert not v.playing and "kernel exploded" in v.error


# -- serve --------------------------------------------------------------------------------------
def test_voila_argv_strips_sources_and_culls(tmp_path):
    argv = serve.voila_argv(tmp_path, 9999, open_browser=False)
    assert argv[0] == str(tmp_path) and "--port=9999" in argv and "--no-browser" in argv
    assert "--strip_sources=True" in argv and "--show_tracebacks=False" in argv
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in argv)
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.progressive_rendering=False" in argv


def test_find_notebooks_dir(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="notebooks_dir"):
        serve.find_notebooks_dir(tmp_path / "missing")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    assert serve.find_notebooks_dir() == (tmp_path / "notebooks").resolve()


def test_free_port_is_free():
    port = serve.free_port("127.0.0.1", start=30000)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


# -- what the viewer asks the systems ------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Checker(ll.Ising):
    """A system the widgets have never heard of: Ising physics under another name, label and palette."""

    name = "checker"
    label = "Checker"

    def palette(self):
        return ("#000000", "#ffffff")


def test_model_menu_comes_from_systems():
    v, _ = make()
    assert v.models == [[name, cls.label] for name, cls in systems.SYSTEMS.items()]
    assert [name for name, _ in v.models] == ["ising", "potts", "ea"]


def test_a_new_system_appears_in_the_viewer_without_widget_changes(monkeypatch):
    monkeypatch.setitem(systems.SYSTEMS, "checker", Checker)
    v, rec = make(model="checker", T=2.0)
    assert ["checker", "Checker"] in v.models and type(v.system) is Checker
    v.step(2)
    header, data = rec.frames[-1]
    assert header["kind"] == "bits" and header["palette"] == ["#000000", "#ffffff"]
    np.testing.assert_array_equal(_frames.decode(data, "bits", 32), v.chain.configs[0, 0])
    # Ising physics under another name: the system says Onsager applies, and the viewer asks it
    assert header["energy_exact"] == pytest.approx(ll.exact.ising_energy_per_spin(2.0))
    assert v.has_field and not v.takes_q and all(ok for _, _, ok in v.algorithms)
    v.model = "potts"
    assert type(v.system) is ll.Potts


def test_frame_kind_and_palette_come_from_the_system():
    assert _frames.frame_kind(types.SimpleNamespace(site_kind="spin")) == "bits"
    assert _frames.frame_kind(types.SimpleNamespace(site_kind="state", n_states=5)) == "u8"
    with pytest.raises(TypeError, match="link"):
        _frames.frame_kind(types.SimpleNamespace(site_kind="link"))
    for model, system in [("ising", ll.Ising(32)), ("potts", ll.Potts(32, 5)), ("ea", ll.EdwardsAnderson(32, seed=0))]:
        v, rec = make(model=model, q=5)
        v.step(1)
        header, _ = rec.frames[-1]
        assert header["palette"] == list(system.palette()) and header["kind"] == _frames.frame_kind(system)


def test_menus_follow_the_system_and_the_update_registry():
    v, _ = make()
    assert v.algorithms == [["metropolis", "Metropolis", True], ["wolff", "Wolff", True]]
    assert v.has_field and not v.takes_q
    v.model = "potts"
    assert v.takes_q and not v.has_field and v.algorithms[1][2]
    v.model = "ea"
    assert not v.takes_q and not v.has_field and v.algorithms == [["metropolis", "Metropolis", True],
                                                                  ["wolff", "Wolff", False]]
    assert "ferromagnetic" in _runner.update_error("wolff", ll.EdwardsAnderson(8, seed=0))
    assert _runner.update_error("wolff", ll.Ising(8, J=-1.0)) and _runner.update_error("metropolis", ll.Ising(8)) is None
    with pytest.raises(ValueError, match="ferromagnetic"):
        _runner.Runner("ea", 16, algorithm="wolff")


# -- the lattice canvas a new view reuses --------------------------------------------------------
CANVAS_FUNCTIONS = ("attachFrames", "painter", "decodeInto", "fpsCounter", "sparkline", "latticeCanvas")
FAKE_CONTROLS = """import { attachFrames, el, latticeCanvas } from "./lattice_canvas.js";

function render({ model, el: host }) {
  const input = latticeCanvas({ "data-ll": "input" }), output = latticeCanvas({ "data-ll": "output" });
  host.appendChild(el("div", { class: "fake-view" }, input, output));
  return attachFrames(model, { canvases: [input, output] });
}

export default { render };
"""


class FakeReconstructionView(LatticeCanvasWidget):
    """A third view (an autoencoder's input and reconstruction side by side) on the shared canvas."""

    _controls_js = FAKE_CONTROLS
    _controls_css = ".fake-view { display: flex; }"

    def _on_hello(self):
        spins = np.ones((8, 8), np.int8)
        frame = _frames.encode(spins, "bits")
        self.push_frame({"kind": "bits", "L": 8, "palette": ["#fff", "#000"]}, [frame, frame])

    def _on_control(self, kind, content):
        self.controls = getattr(self, "controls", []) + [kind]


def test_the_viewer_esm_is_the_canvas_module_then_its_controls():
    esm = LatticeViewer._esm
    canvas = _canvas.js_file("lattice_canvas.js")
    assert esm.startswith(canvas) and "function render" in esm and esm.rstrip().endswith("export default { render };")
    assert not re.search(r"^\s*import\b", esm, re.M)  # the controls' import line is gone: one module
    for name in CANVAS_FUNCTIONS:
        assert re.search(rf"^export function {name}\b", esm, re.M), name
    assert ".ll-lattice" in LatticeViewer._css and ".ll-viewer" in LatticeViewer._css


def test_a_new_view_reuses_the_canvas_module_and_its_back_pressure(monkeypatch):
    monkeypatch.delenv(_throttle.ACK_EVERY_VAR, raising=False)
    esm = FakeReconstructionView._esm
    assert esm.startswith(_canvas.js_file("lattice_canvas.js")) and FAKE_CONTROLS.split("\n", 1)[1] in esm
    assert ".ll-lattice" in FakeReconstructionView._css and ".fake-view" in FakeReconstructionView._css
    view = FakeReconstructionView(max_fps=1000)
    rec = Recorder(view)
    assert not view.watched(time.perf_counter())  # nobody looks until a view says hello
    view._on_view_msg(view, {"type": "hello"}, [])
    header, buffers = rec.messages[-1]
    assert header["type"] == "frame" and header["seq"] == 1 and header["sent"] == 1 and len(buffers) == 2
    assert header["ack_every"] == 1  # the page acknowledges every frame (class mode asks for every other)
    now = time.perf_counter()
    assert view.next_frame(now + 0.01) == 2 and view.next_frame(now + 0.02) is None  # two in flight: dropped
    view._on_view_msg(view, {"type": "ack", "seq": 2, "fps": 30.0}, [])
    assert view.stats["acked"] == 2 and view.stats["dropped"] == 1 and view.fps == 30.0
    view._on_view_msg(view, {"type": "zoom"}, [])
    assert view.controls == ["zoom"] and view.error == ""


def test_controls_must_import_what_the_canvas_exports():
    with pytest.raises(ValueError, match="does not export drawEverything"):
        _canvas.canvas_esm('import { drawEverything } from "./lattice_canvas.js";\nexport default {};\n')
    with pytest.raises(ValueError, match="must import"):
        _canvas.canvas_esm("export default { render() {} };\n")
    with pytest.raises(ValueError, match="as they are"):
        _canvas.canvas_esm('import { el as h } from "./lattice_canvas.js";\nexport default {};\n')
    assert {"attachFrames", "el", "fmt", "options", "TRACE_POINTS"} <= _canvas.canvas_exports()


NODE_CHECK = """
const mod = await import(process.argv[1]);
const pal = Uint32Array.from([10, 20, 30, 40, 50]);
const out = {};
for (const [kind, L, b64] of JSON.parse(process.argv[2])) {
  const pix = new Uint32Array(L * L);
  mod.decodeInto(pix, new Uint8Array(Buffer.from(b64, "base64")), kind, L * L, pal);
  out[kind] = Array.from(pix);
}
if (typeof mod.default.render !== "function") throw new Error("no render");
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to load the ES modules outside a browser")
def test_composed_modules_load_and_decode_like_python(tmp_path):
    """The composed ES modules are valid, and the canvas decodes frames as ``_frames.decode`` does."""
    import base64
    import json

    rng = np.random.default_rng(0)
    spins = np.where(rng.random((6, 6)) < 0.5, -1, 1).astype(np.int8)  # 36 sites: a partial last byte
    states = rng.integers(0, 5, (6, 6)).astype(np.int8)
    frames = [[k, 6, base64.b64encode(_frames.encode(x, k)).decode()] for k, x in (("bits", spins), ("u8", states))]
    for name, esm in (("viewer", LatticeViewer._esm), ("fake", FakeReconstructionView._esm)):
        path = tmp_path / f"{name}.mjs"
        path.write_text(esm)
        out = subprocess.run(["node", "--input-type=module", "-e", NODE_CHECK, path.as_uri(), json.dumps(frames)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
        palette = np.array([10, 20, 30, 40, 50])
        np.testing.assert_array_equal(got["bits"], palette[(spins.ravel() > 0).astype(int)])
        np.testing.assert_array_equal(got["u8"], palette[states.ravel()])


def test_package_data_ships_the_js_files():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    shipped = re.search(r'"latticelab.widgets"\s*=\s*\[([^\]]*)\]', text).group(1)
    js = Path(_canvas.__file__).with_name("js")
    for f in [*js.glob("*.js"), *js.glob("*.css")]:
        assert any(Path("js", f.name).match(pat.strip(' "')) for pat in shipped.split(",")), f.name


# -- process state --------------------------------------------------------------------------------
def test_importing_the_widgets_leaves_os_environ_unchanged():
    code = ("import os; before = dict(os.environ)\n"
            "import latticelab.widgets as w\n"
            "assert dict(os.environ) == before, 'import latticelab.widgets changed os.environ'\n"
            "w.LatticeViewer, w.PhaseDiagram, w.TrainingMonitor, w.LatticeCanvasWidget\n"
            "assert dict(os.environ) == before, 'importing the widget modules changed os.environ'\n")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr


def test_a_live_chain_lets_idle_threads_sleep_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    _runner.Runner("ising", 8)
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    _runner.Runner("ising", 8)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_one_rate_limiter_in_the_widgets():
    """Frames (Throttle), plot redraws (PhaseDiagram) and history writes (TrainingMonitor) share RateLimit."""
    t = Throttle(max_fps=50)
    assert isinstance(t.rate, RateLimit) and t.rate.interval == pytest.approx(0.02)
    assert t.offer(1, now=0.0) and not t.ready(0.01) and t.rate.wait(0.01) == pytest.approx(0.01)
    package = Path(_canvas.__file__).parent
    limiters = [(f.name, name) for f in package.glob("*.py")
                for name in re.findall(r"^class (\w*(?:Rate|Throttle|Limit)\w*)", f.read_text(), re.M)]
    assert sorted(limiters) == [("_throttle.py", "RateLimit"), ("_throttle.py", "Throttle")]
    uses = {f.name for f in package.glob("*.py") if re.search(r"\bRateLimit\(", f.read_text())}
    assert {"phase_diagram.py", "training_monitor.py"} <= uses
