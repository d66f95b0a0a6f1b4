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
