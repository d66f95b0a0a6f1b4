"""The ``latticelab`` command: ``serve`` hands its options to the app server's own parser."""
import pytest

from latticelab import cli


def test_serve_takes_the_server_options(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: latticelab serve") and "--ip" in out and "--notebooks-dir" in out

    seen = {}
    monkeypatch.setattr("latticelab.widgets.serve.serve", lambda **kw: seen.update(kw))
    cli.main(["serve", "--port", "9123", "--no-browser", "--ip", "0.0.0.0"])
    assert seen["port"] == 9123 and seen["open_browser"] is False and seen["ip"] == "0.0.0.0"


def test_unknown_command_explains(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["serv"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("gpu", [False, True])
def test_the_paper_preset_warns_where_there_is_no_gpu(gpu, capsys, monkeypatch, tmp_path):
    """`reproduce --preset paper` on a CPU-only machine says it may take hours (and runs anyway)."""
    from latticelab.papers import dcl
    from latticelab.papers.results import Results

    ran = []
    monkeypatch.setattr("latticelab.backend.cuda_available", lambda: gpu)
    monkeypatch.setattr(dcl, "reproduce", lambda config, **kw: ran.append(config.name) or Results(
        paper="dcl", preset=config.name, seconds=0.0, device="cpu", rows=[]))
    cli.main(["reproduce", "dcl", "--preset", "paper", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert ran == ["paper"] and (tmp_path / "results.json").exists()
    assert ("sized for one GPU" in err and "--preset laptop" in err) is (not gpu), err
    cli.main(["reproduce", "dcl", "--preset", "smoke", "--out", str(tmp_path)])
    assert "sized for one GPU" not in capsys.readouterr().err


def test_a_preset_the_paper_lacks_or_that_does_not_exist_is_an_error_not_a_traceback(capsys, monkeypatch):
    from latticelab.papers import rbm_flow

    without = {k: v for k, v in rbm_flow.Config.ROWS.items() if k != "paper-cpu"}
    monkeypatch.setattr(rbm_flow.Config, "ROWS", without)  # a paper that has no paper-cpu row
    with pytest.raises(SystemExit) as exc:
        cli.main(["reproduce", "rbm_flow", "--preset", "paper-cpu"])
    assert "has no 'paper-cpu' row; its presets are smoke, laptop, paper" in str(exc.value.code)
    with pytest.raises(SystemExit) as exc:
        cli.main(["reproduce", "dcl", "--preset", "bogus"])
    assert "unknown preset 'bogus'" in str(exc.value.code) and "paper-cpu" in str(exc.value.code)
