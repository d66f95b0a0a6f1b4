"""Class mode of ``latticelab serve`` without a browser: settings and their defaults, the options, the thread
limits as the kernels see them, the orphan rule, the kernel limit, the collector and the Voila wiring.
The real-browser checks are test_kernel_leak_page.py and test_faults_page.py."""
import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from jupyter_server._tz import utcnow
from tornado import web

from latticelab import cli
from latticelab.widgets import _class_mode, serve
from latticelab.widgets._class_mode import THREAD_VARS, ServeSettings, default_max_kernels
from latticelab.widgets._kernel_gc import PageClock, orphaned
from latticelab.widgets._kernel_seats import Seats
from latticelab.widgets._page_kernels import GONE, PageKernelManager


# -- settings --------------------------------------------------------------------------------------------
def test_class_mode_changes_what_costs_a_single_user_and_keeps_the_rest():
    single = ServeSettings.choose(False, available_mib=8192)
    room = ServeSettings.choose(True, available_mib=8192)
    assert (single.pool, single.kernel_threads, single.cull_idle_timeout) == (0, 0, 600)
    assert (room.pool, room.kernel_threads, room.cull_idle_timeout) == (1, 1, 300)
    # both: freed a minute after the browser left, and bounded by memory ((8192 - 1024) // 500 kernels)
    assert single.orphan_grace == room.orphan_grace == 60 and single.max_kernels == room.max_kernels == 14
    assert (single.ack_every, room.ack_every) == (1, 2)  # a class's pages acknowledge every other frame
    assert single.kernel_env() == {}
    assert room.kernel_env() == {**{name: "1" for name in THREAD_VARS}, "LATTICELAB_ACK_EVERY": "2"}
    given = ServeSettings.choose(True, max_kernels=3, pool=0, kernel_threads=2, orphan_grace=5, cull_idle_timeout=9)
    assert (given.max_kernels, given.pool, given.kernel_threads, given.orphan_grace, given.cull_idle_timeout) == \
        (3, 0, 2, 5.0, 9)


def test_the_kernel_limit_follows_free_memory_with_a_floor():
    assert default_max_kernels(1024 + 20 * 500) == 20
    assert default_max_kernels(1500) == _class_mode.MIN_KERNELS
    assert default_max_kernels(None) == 16
    assert _class_mode.available_memory_mib() > 0


@pytest.mark.parametrize("option, value, fix", [
    ("max_kernels", 0, "--max-kernels"), ("pool", -1, "--pool"), ("kernel_threads", -2, "--kernel-threads"),
    ("orphan_grace", 0.5, "--orphan-grace"), ("cull_idle_timeout", 0, "--cull-idle-timeout")])
def test_bad_settings_say_which_option_to_fix(option, value, fix):
    with pytest.raises(ValueError, match=fix):
        ServeSettings.choose(True, available_mib=4096, **{option: value})


def test_a_page_can_have_a_pool_of_its_own(tmp_path):
    for name in ("index", "viewer_demo", "ising_playground", "rbm_flow"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    room = ServeSettings.choose(True, available_mib=8192, page_pools=["viewer_demo=20", ("rbm_flow.ipynb", 2)])
    assert room.pools(tmp_path) == {"index.ipynb": 1, "viewer_demo.ipynb": 20, "ising_playground.ipynb": 1,
                                    "rbm_flow.ipynb": 2}
    assert room.voila_config(tmp_path).VoilaKernelManager.kernel_pools_config["viewer_demo.ipynb"] == {"pool_size": 20}
    assert "20 for viewer_demo.ipynb" in room.summary(tmp_path)
    # a single user gets warm kernels only where asked; 0 turns a page's pool off
    single = ServeSettings.choose(False, available_mib=8192, page_pools=["viewer_demo=3"])
    assert single.pools(tmp_path) == {"viewer_demo.ipynb": 3}
    assert single.voila_config(tmp_path).VoilaConfiguration.preheat_kernel is True
    assert ServeSettings.choose(True, available_mib=8192, page_pools=["index=0"]).pools(tmp_path) == {
        "viewer_demo.ipynb": 1, "ising_playground.ipynb": 1}
    with pytest.raises(FileNotFoundError, match="no such notebook.*viewer_demo.ipynb"):
        ServeSettings.choose(True, available_mib=8192, page_pools=["viewr_demo=20"]).pools(tmp_path)
    for bad in ("viewer_demo", "viewer_demo=many", "=3", "viewer_demo=-1", "../secret=2"):
        with pytest.raises(ValueError, match="--pool-for viewer_demo=20"):
            ServeSettings.choose(True, available_mib=8192, page_pools=[bad])


def test_the_options_reach_serve_and_bad_ones_are_refused_with_the_reason(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr("latticelab.widgets.serve.serve", lambda **kw: seen.update(kw))
    cli.main(["serve", "--class", "--max-kernels", "30", "--orphan-grace", "45", "--no-browser"])
    assert seen["class_mode"] is True and seen["max_kernels"] == 30 and seen["orphan_grace"] == 45
    assert seen["pool"] is None and seen["kernel_threads"] is None  # the mode picks
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", "--class", "--pool", "-1"])
    assert exc.value.code == 2 and "pool must be >= 0" in capsys.readouterr().err
    cli.main(["serve", "--class", "--pool-for", "viewer_demo=20", "--no-browser"])
    assert seen["pool_for"] == ["viewer_demo=20"]
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", "--class", "--pool-for", "no_such_page=2"])
    assert exc.value.code == 2 and "no such notebook" in capsys.readouterr().err
    cli.main(["serve", "--ack-every", "1", "--class", "--no-browser"])
    assert seen["ack_every"] == 1 and seen["class_mode"] is True
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", "--ack-every", "0"])
    assert exc.value.code == 2 and "(--ack-every K" in capsys.readouterr().err


def test_serve_hands_the_kernels_their_thread_limits_and_voila_its_config(monkeypatch, tmp_path, capsys):
    (tmp_path / "viewer_demo.ipynb").write_text("{}")
    for name in THREAD_VARS:
        monkeypatch.setenv(name, "8")  # serve() overrides them; monkeypatch restores them afterwards
    monkeypatch.setenv("LATTICELAB_ACK_EVERY", "1")  # (restored, so no later widget test sees class mode's)
    from latticelab.widgets._voila_app import LatticeVoila

    launched = {}
    monkeypatch.setattr(LatticeVoila, "launch_instance", classmethod(lambda cls, **kw: launched.update(kw)))
    serve.serve(port=9999, open_browser=False, notebooks_dir=tmp_path, class_mode=True, max_kernels=7)
    assert all(os.environ[name] == "1" for name in THREAD_VARS) and os.environ["LATTICELAB_ACK_EVERY"] == "2"
    c = launched["config"]
    assert c.PageKernelManager.max_kernels == 7 and c.VoilaConfiguration.preheat_kernel is True
    assert c.VoilaKernelManager.kernel_pools_config == {"default": {"pool_size": 0},
                                                       "viewer_demo.ipynb": {"pool_size": 1}}  # only pages that exist
    assert "--MappingKernelManager.cull_idle_timeout=300" in launched["argv"]
    assert "at most 7 at once" in capsys.readouterr().out


def test_lab_only_extensions_stay_off_our_pages_and_binders():
    """What the viewer test in tests/browser sees (no extension throws in the page), for both ways we run Voila."""
    import json

    assert set(_class_mode.LAB_ONLY_EXTENSIONS) <= set(
        ServeSettings.choose(False).voila_config(Path(".")).VoilaConfiguration.extension_denylist)
    binder = json.loads((Path(__file__).resolve().parents[2] / "binder" / "voila.json").read_text())
    assert set(_class_mode.LAB_ONLY_EXTENSIONS) <= set(binder["VoilaConfiguration"]["extension_denylist"])


def test_one_thread_is_what_numba_sees_in_a_class_kernel():
    # torch reads OMP_NUM_THREADS the same way (checked by hand: 1 thread; importing it here costs ~8 s)
    env = {**os.environ, **ServeSettings.choose(True, available_mib=4096).kernel_env()}
    code = "import numba; print(numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["1", "1"], out.stderr


# -- the orphan rule --------------------------------------------------------------------------------------
@pytest.mark.parametrize("clock, connections, quiet, busy, expected", [
    (PageClock(0, True, None), 1, 99, False, False),         # a browser is connected
    (PageClock(0, True, 95.0), 0, 99, False, False),         # left 5 s ago: a reload or a network drop
    (PageClock(0, True, 80.0), 0, 0, True, True),            # left 20 s ago: gone, even if busy
    (PageClock(90, False, None), 0, 99, False, False),       # rendered 10 s ago, browser still loading
    (PageClock(0, False, None), 0, 99, True, False),         # still executing its notebook
    (PageClock(0, False, None), 0, 5, False, False),         # still sending output
    (PageClock(0, False, None), 0, 50, False, True),         # never connected and quiet: the browser left
    (PageClock(0, False, None, 90.0), 0, 50, False, False),  # not connected yet, but its page asked 10 s ago
    (PageClock(0, False, None, 80.0), 0, 50, False, True),   # ... 20 s ago: the page is gone
    (PageClock(0, True, 80.0, 95.0), 0, 99, False, False),   # websocket lost, page still asking: keep it
])
def test_a_kernel_is_orphaned_only_after_the_grace_without_a_browser(clock, connections, quiet, busy, expected):
    assert orphaned(clock, 100.0, connections=connections, quiet_s=quiet, busy=busy, grace=15) is expected


def test_a_page_clock_restarts_when_a_warm_kernel_is_handed_to_a_page():
    clock = PageClock(started=0)
    clock.connected()
    clock.disconnected(10, connections_left=1)
    assert clock.alone_since is None  # another tab of the page is still connected
    clock.disconnected(12, connections_left=0)
    assert clock.alone_since == 12
    clock.heard_from(40)
    clock.restart(50)
    assert (clock.started, clock.connected_once, clock.alone_since, clock.heard) == (50, False, None, None)


# -- the kernel limit ---------------------------------------------------------------------------------------
def test_seats_count_running_kernels_and_promises():
    seats = Seats(3)
    a, b = seats.reserve(running=1), seats.reserve(running=1)
    assert a and b and seats.reserve(running=1) is None and seats.promised == 2
    a.release()
    a.release()  # idempotent
    assert seats.free(running=1) and not seats.free(running=1, keep=1)  # a refill leaves the last seat to pages
    with pytest.raises(ValueError, match="max_kernels"):
        Seats(0)


def test_the_manager_admits_pages_until_full_and_refuses_a_kernel_without_a_seat():
    km = PageKernelManager(max_kernels=2)
    km._kernels["k1"] = object()
    verdict, ticket = km.admit("viewer_demo.ipynb")
    assert verdict == "seat" and km.admit("viewer_demo.ipynb") == ("full", None)
    ticket.release()

    async def starts():
        km._kernels["k2"] = object()
        with pytest.raises(web.HTTPError) as err:
            await km.start_kernel(kernel_name="python3", env={})
        assert err.value.status_code == 503
        with pytest.raises(asyncio.TimeoutError):  # a warm refill waits for room instead
            await asyncio.wait_for(km.start_kernel(kernel_name="python3", env={"VOILA_PREHEAT": "True"}), 0.7)
        km._closing = True
        with pytest.raises(RuntimeError, match="stopping"):
            await km.start_kernel(kernel_name="python3", env={"VOILA_PREHEAT": "True"})

    asyncio.run(starts())


class FakeKernel:
    def __init__(self, alive=True, quiet_s=0.0, state="idle"):
        self.alive, self.execution_state = alive, state
        self.last_activity = utcnow() - timedelta(seconds=quiet_s)

    async def is_alive(self):
        return self.alive


def test_the_collector_frees_dead_and_abandoned_kernels_and_says_why():
    km = PageKernelManager(max_kernels=8, orphan_grace=10)
    now = time.monotonic()
    kernels = {"dead": FakeKernel(alive=False), "left": FakeKernel(quiet_s=60), "here": FakeKernel(quiet_s=60),
               "rendering": FakeKernel(state="busy", quiet_s=60)}
    clocks = {"dead": PageClock(now, True, None), "left": PageClock(now - 60, True, now - 30),
              "here": PageClock(now - 60, True, None), "rendering": PageClock(now - 60)}
    km._kernels.update(kernels)
    km._clocks.update(clocks)
    km._kernel_connections.update({"dead": 1, "left": 0, "here": 1, "rendering": 0})
    freed = []

    async def shutdown_kernel(kernel_id, now=False):
        freed.append((kernel_id, now))
        km._kernels.pop(kernel_id)

    km.shutdown_kernel = shutdown_kernel
    asyncio.run(km.collect())
    assert sorted(freed) == [("dead", True), ("left", False)]
    assert km.page_status("dead") == (200, {"state": "gone", "reason": "died", "message": GONE["died"]})
    assert km.page_status("left")[1]["reason"] == "orphaned" and "Reload" in km.page_status("left")[1]["message"]
    assert km.page_status("here") == (200, {"state": "alive", "connections": 1})
    status, body = km.page_status("never-heard-of")
    assert status == 404 and "server was restarted" in body["message"]


def test_warm_kernels_wait_without_a_browser_and_a_dead_one_is_replaced():
    km = PageKernelManager(max_kernels=8, orphan_grace=10)
    now = time.monotonic()
    refills, freed = [], []

    async def scenario():
        pool = []
        for kernel_id in ("warm", "dead-warm"):
            task = asyncio.get_running_loop().create_future()
            task.set_result({"kernel_id": kernel_id})
            pool.append(task)
        km._pools = {"viewer_demo.ipynb": pool}  # what Voila's VoilaKernelManager keeps
        km.fill_if_needed = lambda delay=None, notebook_name=None: refills.append(notebook_name)
        km._kernels.update({"warm": FakeKernel(quiet_s=600), "dead-warm": FakeKernel(alive=False)})
        km._clocks.update({"warm": PageClock(now - 600), "dead-warm": PageClock(now - 600)})

        async def shutdown_kernel(kernel_id, now=False):
            freed.append(kernel_id)
            km._kernels.pop(kernel_id)

        km.shutdown_kernel = shutdown_kernel
        await km.collect()
        assert freed == ["dead-warm"] and refills == ["viewer_demo.ipynb"]  # never connected, yet kept: it is warm
        assert km.warm_ready("viewer_demo.ipynb") and km.admit("viewer_demo.ipynb") == ("warm", None)
        pool.pop(0)  # a page takes it: from the next pass its grace runs like any page's
        await km.collect()
        assert km._clocks["warm"].started > now and freed == ["dead-warm"]

    asyncio.run(scenario())


def test_warm_kernels_warm_up_one_at_a_time_and_pages_do_not_wait(monkeypatch):
    """A pool refill starts its next warm kernel only once the one before ran its notebook (went busy, then
    idle); a page's own kernel never waits for that turn; the turn can be turned off."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    started = []

    async def fake_start(self, kernel_name=None, **kwargs):
        kernel_id = f"k{len(started) + 1}"
        started.append(kernel_id)
        self._kernels[kernel_id] = FakeKernel(state="starting")
        return kernel_id

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
    warm = {"env": {"VOILA_PREHEAT": "True"}}

    async def scenario(in_turn):
        km = PageKernelManager(max_kernels=8, warm_in_turn=in_turn)
        km._warm_poll_s, km._warm_idle_s = 0.02, 0.2
        started.clear()
        first, second = (asyncio.create_task(km.start_kernel(kernel_name="python3", **warm)) for _ in range(2))
        await asyncio.sleep(0.3)
        if not in_turn:
            assert started == ["k1", "k2"]
            return
        assert started == ["k1"]  # the second waits while the first has not run its notebook
        assert await km.start_kernel(kernel_name="python3", env={}) == "k2"  # a page does not wait
        km._kernels["k1"].execution_state = "busy"  # running the notebook
        await asyncio.sleep(0.3)
        assert started == ["k1", "k2"]
        km._kernels["k1"].execution_state = "idle"  # done: after idle_s the next warm kernel starts
        assert await asyncio.wait_for(second, 2) == "k3" and await first == "k1"

    asyncio.run(scenario(True))
    asyncio.run(scenario(False))


# -- Voila wiring -------------------------------------------------------------------------------------------
def test_latticevoila_serves_pages_with_the_guarded_handler_and_the_status_route(tmp_path):
    import tornado.web

    from latticelab.widgets._voila_app import KernelStatusHandler, LatticeVoila, PageHandler, full_page, guard_script

    app = LatticeVoila(config=ServeSettings.choose(True, max_kernels=5, pool=0).voila_config(tmp_path))
    app.initialize(argv=[str(tmp_path), "--no-browser", "--port=1"])
    app.connection_dir = str(tmp_path)
    app.app = tornado.web.Application(**app.init_settings())
    routes = app.init_handlers()
    assert isinstance(app.kernel_manager, PageKernelManager) and app.kernel_manager.max_kernels == 5
    assert routes[0][1] is KernelStatusHandler and "/latticelab/api/kernels/" in routes[0][0]
    assert [r[0] for r in routes if r[1] is PageHandler] == ["/voila/render/(.*)"]
    script = guard_script(1234)
    assert "__POLL_MS__" not in script and "const POLL_MS = 1234;" in script
    assert "All 5 of its app kernels are in use" in full_page(5) and "--max-kernels" in full_page(5)


def test_the_guard_script_ships_with_the_package():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"latticelab.widgets" = ["js/*.js"' in pyproject
    assert (Path(serve.__file__).with_name("js") / "page_guard.js").is_file()
