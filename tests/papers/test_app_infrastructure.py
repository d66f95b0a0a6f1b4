"""What every paper app shares: Results and results.json, the model cache, the registry and `latticelab reproduce`."""
import dataclasses
import json
import types
import warnings

import pytest
import torch

from latticelab import _version, cli
from latticelab.nn import cache
from latticelab.papers import registry
from latticelab.papers.results import Results, Row
from latticelab.presets import PresetConfig, knob


def results(**kw):
    rows = [Row("rmse dE (J)", 2.1, 0.1, 2.06, None), Row("Tc", 2.27, None, None, 2.269185)]
    return Results(**{"paper": "fake", "preset": "smoke", "seconds": 1.5, "device": "cpu", "rows": rows, **kw})


def test_results_json_has_the_agreed_fields_and_round_trips(tmp_path):
    r = results()
    path = r.write(tmp_path / "out")
    data = json.loads(path.read_text())
    assert set(data) >= {"paper", "preset", "seconds", "device", "rows"}
    assert set(data["rows"][0]) == {"quantity", "ours", "ours_err", "paper", "reference"}
    assert data["rows"][1]["ours_err"] is None and data["rows"][1]["paper"] is None
    assert Results.from_json(data) == r
    assert r.row("Tc").reference == pytest.approx(2.269185)
    with pytest.raises(KeyError, match="rmse"):
        r.row("nope")


def test_results_table_shows_every_row_with_dashes_for_missing_columns():
    table = results().table()
    assert "rmse dE (J)" in table and "2.1 +- 0.1" in table and "2.06" in table
    assert table.splitlines()[-1].split()[-3:] == ["2.27", "-", "2.269"]


def test_rows_refuse_what_is_not_a_number():
    with pytest.raises(TypeError, match="ours"):
        Row("x", ours="big")
    assert Row("x", ours=float("nan")).ours is None  # NaN is not JSON: written as null


class Counter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(3))


def test_model_cache_trains_once_then_loads_without_pickles(tmp_path):
    calls = []

    def train(m):
        calls.append(1)
        with torch.no_grad():
            m.w += torch.tensor([1.0, 2.0, 3.0])
        return {"loss": [0.5, 0.25]}

    key = {"paper": "fake", "stage": "w", "n": 3}
    m1, h1 = cache.cached_model(key, Counter, train, cache_dir=tmp_path)
    m2, h2 = cache.cached_model(key, Counter, train, cache_dir=tmp_path)
    assert len(calls) == 1 and h2 == h1 == {"loss": [0.5, 0.25]}
    assert torch.equal(m2.w, m1.w) and m2.w.tolist() == [1.0, 2.0, 3.0]
    torch.load(cache.model_path(key, tmp_path), weights_only=True)  # plain tensors and containers only
    cache.cached_model(key, Counter, train, cache_dir=tmp_path, retrain=True)
    assert len(calls) == 2


def test_model_cache_key_changes_with_the_key_and_the_library_version(monkeypatch):
    a = cache.model_key({"stage": "gru", "hidden": 64})
    assert a == cache.model_key({"hidden": 64, "stage": "gru"})  # order does not matter
    assert a != cache.model_key({"stage": "gru", "hidden": 65})
    monkeypatch.setattr(_version, "__version__", "0.0.0-older")
    assert a != cache.model_key({"stage": "gru", "hidden": 64})


def test_a_corrupt_model_entry_is_retrained_not_trusted(tmp_path):
    key = {"paper": "fake"}
    path = cache.model_path(key, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a torch file")
    calls = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cache.cached_model(key, Counter, lambda m: calls.append(1) or {}, cache_dir=tmp_path)
    assert calls == [1] and any("could not be loaded" in str(w.message) for w in caught)
    torch.load(path, weights_only=True)


@dataclasses.dataclass(frozen=True)
class FakeConfig(PresetConfig):
    n: int = knob("how many things")
    ROWS = {"smoke": dict(n=1), "laptop": dict(n=2), "paper": dict(n=3)}


def fake_paper():
    def reproduce(config, *, progress=True, system="ising"):
        return Results("fake", config.name, 0.1, "cpu", [Row(f"n for {system}", config.n)])

    def add_arguments(parser):
        parser.add_argument("--system", default="ising", choices=["ising", "potts"])

    return types.SimpleNamespace(TITLE="Fake <paper>", CARD="A & B", NOTEBOOK="fake.ipynb", Config=FakeConfig,
                                 reproduce=reproduce, add_arguments=add_arguments)


def test_reproduce_command_runs_a_paper_prints_and_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(registry, "load", lambda name: fake_paper())
    monkeypatch.setattr(registry, "names", lambda: ["fake"])
    r = cli.main(["reproduce", "fake", "--preset", "paper", "--out", str(tmp_path), "--system", "potts"])
    out = capsys.readouterr().out
    assert r.row("n for potts").ours == 3 and "n for potts" in out and "wrote" in out
    assert json.loads((tmp_path / "results.json").read_text())["preset"] == "paper"
    monkeypatch.setenv("LATTICELAB_PRESET", "smoke")
    assert cli.main(["reproduce", "fake", "--out", str(tmp_path)]).row("n for ising").ours == 1


def test_reproduce_names_the_available_papers_for_an_unknown_one():
    with pytest.raises(SystemExit, match="unknown paper 'nope'"):
        cli.main(["reproduce", "nope"])


def test_cards_link_each_paper_notebook_escaped(monkeypatch):
    monkeypatch.setattr(registry, "load", lambda name: fake_paper())
    monkeypatch.setattr(registry, "names", lambda: ["fake"])
    html = registry.cards_html()
    assert 'href="fake.ipynb"' in html and "Fake &lt;paper&gt;" in html and "A &amp; B" in html


def test_registry_lists_only_complete_paper_modules():
    for name in registry.names():
        m = registry.load(name)
        assert all(hasattr(m, a) for a in registry.REQUIRED) and issubclass(m.Config, PresetConfig)


def test_the_console_script_exits_zero_after_a_run(tmp_path, monkeypatch, capsys):
    """``latticelab`` is ``cli:script``: a returned Results must not become the process's exit status."""
    import sys

    monkeypatch.setattr(registry, "load", lambda name: fake_paper())
    monkeypatch.setattr(registry, "names", lambda: ["fake"])
    monkeypatch.setattr(sys, "argv", ["latticelab", "reproduce", "fake", "--preset", "smoke", "--out", str(tmp_path)])
    assert cli.script() is None
    from pathlib import Path

    pyproject = (Path(cli.__file__).parents[1] / "pyproject.toml").read_text()
    assert 'latticelab = "latticelab.cli:script"' in pyproject
