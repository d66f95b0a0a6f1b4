"""Kernels of a class sharing the model cache, with real processes: six ask for one untrained model at once
and it is trained once; six press "train again" at once and it is trained once more, not six times.

The kernels are forked from one process that imported torch once (six torch imports at once take tens of
seconds on a busy 2-core machine); each opens and locks the lock file itself, as separate kernels do. Every
training appends ``train <pid>`` to a marker file and sets the weights to its own pid, so the test sees who
trained and whose weights every kernel got."""
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from latticelab.data import _lock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_KERNELS = 6

_KERNELS = """
    import json, os, sys, time, traceback, warnings
    warnings.simplefilter("error")  # an unreadable entry (a warning) fails the kernel
    import torch
    from latticelab.nn.cache import cached_model

    cache, marker, go1, go2, n, out = sys.argv[1:7]

    class W(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(4))

    def train(model):  # runs only while this process holds the entry's lock
        with open(marker, "a") as f:
            f.write(f"train {os.getpid()}\\n")
        time.sleep(1.0)  # the others arrive and wait meanwhile
        with torch.no_grad():
            model.w.fill_(float(os.getpid()))
        return {"trainer": [os.getpid()]}

    def kernel():
        torch.set_num_threads(1)
        got = []
        for go, retrain in ((go1, False), (go2, True)):
            while not os.path.exists(go):
                time.sleep(0.005)
            model, history = cached_model({"paper": "fake", "stage": "w"}, W, train, cache_dir=cache, retrain=retrain)
            got.append({"weights": model.w.tolist(), "history": history})
            with open(os.path.join(out, f"{os.getpid()}.{len(got)}.json"), "w") as f:
                json.dump(got[-1], f)

    pids = []
    for _ in range(int(n)):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                kernel()
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        pids.append(pid)
    print(json.dumps(pids), flush=True)
    codes = {pid: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids}
    print(json.dumps(codes), flush=True)
"""


@pytest.mark.skipif(_lock.fcntl is None, reason="file locks need fcntl (POSIX); without it each kernel trains "
                    "(tests/data/test_store_lock.py checks that it says so)")
def test_kernels_asking_at_once_train_once_and_train_again_once(tmp_path):
    cache, marker, out = tmp_path / "models", tmp_path / "marker", tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=ROOT)
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_KERNELS), str(cache), str(marker),
                               str(tmp_path / "go1"), str(tmp_path / "go2"), str(N_KERNELS), str(out)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(parent.stdout.readline())
        (tmp_path / "go1").touch()
        deadline = time.monotonic() + 60
        while len(list(out.glob("*.1.json"))) < N_KERNELS:  # every kernel has its model
            assert parent.poll() is None and time.monotonic() < deadline, "a kernel failed or hung in round 1"
            time.sleep(0.05)
        (tmp_path / "go2").touch()
        text, _ = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait(10)
        parent.stdout.close()
    codes = json.loads(text.splitlines()[-1])
    assert parent.returncode == 0 and sorted(map(int, codes)) == sorted(pids) and set(codes.values()) == {0}, text
    trainers = [int(line.split()[1]) for line in marker.read_text().splitlines()]
    assert len(trainers) == 2, trainers  # once when missing, once when all six asked to train again
    for rnd, trainer in ((1, trainers[0]), (2, trainers[1])):
        got = [json.loads((out / f"{pid}.{rnd}.json").read_text()) for pid in pids]
        assert all(g["weights"] == [float(trainer)] * 4 and g["history"] == {"trainer": [trainer]} for g in got), got
    assert sorted(p.name for p in cache.iterdir()) == [next(cache.glob("*.pt")).name]  # no lock or temp file left
