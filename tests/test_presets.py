"""latticelab.presets: the preset base (rows chosen by $LATTICELAB_PRESET, a reason per field) and
latticelab.playground.PlaygroundConfig, the playground's rows."""
import dataclasses
import importlib
import pkgutil

import numpy as np
import pytest

import latticelab.papers
from latticelab import playground
from latticelab.playground import PlaygroundConfig
from latticelab.presets import ENV_VAR, PRESET_NAMES, REQUIRED_PRESETS, PresetConfig, knob, preset_name
from latticelab.samplers import DEFAULT_CHAINS


def _all_configs():
    """Every PresetConfig subclass in the package (the playground and each paper module)."""
    for info in pkgutil.walk_packages(latticelab.papers.__path__, "latticelab.papers."):
        importlib.import_module(info.name)
    found, todo = [], [PresetConfig]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("latticelab."):
                found.append(sub)
    return found


def test_default_is_laptop(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert preset_name() == "laptop"
    assert PlaygroundConfig.from_env().name == "laptop"
    monkeypatch.setenv(ENV_VAR, "")
    assert preset_name() == "laptop"


@pytest.mark.parametrize("name", REQUIRED_PRESETS)
def test_env_selects_preset(monkeypatch, name):
    monkeypatch.setenv(ENV_VAR, f" {name.upper()} ")
    P = PlaygroundConfig.from_env()
    assert P.name == name
    assert P == getattr(PlaygroundConfig, name)() == PlaygroundConfig.get(name) == PlaygroundConfig.get(name.upper())


@pytest.mark.parametrize("bad", ["fast", "smok", "huge"])
def test_unknown_preset_names_the_valid_ones(monkeypatch, bad):
    monkeypatch.setenv(ENV_VAR, bad)
    with pytest.raises(ValueError) as err:
        PlaygroundConfig.from_env()
    msg = str(err.value)
    assert bad in msg and all(name in msg for name in PRESET_NAMES) and f"export {ENV_VAR}=smoke" in msg
    with pytest.raises(ValueError, match="smoke, laptop, paper"):
        PlaygroundConfig.get(bad)
    with pytest.raises(TypeError):
        preset_name(3)


def test_every_field_of_every_config_has_a_reason():
    configs = _all_configs()
    assert PlaygroundConfig in configs
    for cls in configs:
        reasons = cls.reasons()
        assert list(reasons) == [f.name for f in dataclasses.fields(cls)], cls
        for field, why in reasons.items():
            assert isinstance(why, str) and why.strip() and "\n" not in why, f"{cls.__name__}.{field}"
        assert set(REQUIRED_PRESETS) <= set(cls.ROWS) <= set(PRESET_NAMES), cls
        for name in cls.ROWS:
            assert cls.get(name).name == name, f"{cls.__name__}'s {name} row builds"


def test_paper_cpu_is_optional_and_named_when_missing(monkeypatch):
    assert "paper-cpu" not in PlaygroundConfig.ROWS
    with pytest.raises(ValueError, match="has no 'paper-cpu' row; its presets are smoke, laptop, paper"):
        PlaygroundConfig.paper_cpu()
    monkeypatch.setenv(ENV_VAR, "paper-cpu")
    with pytest.raises(ValueError, match="no 'paper-cpu' row"):
        PlaygroundConfig.from_env()


def test_playground_rows_are_frozen_data_and_grow():
    smoke, laptop, paper = (PlaygroundConfig.get(n) for n in REQUIRED_PRESETS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        smoke.n_T = 3
    for P in (smoke, laptop, paper):
        T = P.temperatures
        assert T.shape == (P.n_T,) and T[0] == P.T_range[0] and T[-1] == P.T_range[-1]
        assert P.T_range[0] < 2.269 < P.T_range[1], "the sweep must cross Tc"
        assert P.hysteresis_T < 2.269
        assert P.samples_per_T % DEFAULT_CHAINS == 0
        assert P.potts_exact_L <= 6 and P.glass_exact_L <= 12, "the transfer matrices stay within 4096 row states"
    key = lambda P: (max(P.sizes), P.n_T, P.samples_per_T, P.viewer_L, P.train_epochs, P.potts_exact_samples)
    assert np.all(np.array(key(smoke)) <= np.array(key(laptop)))
    assert np.all(np.array(key(laptop)) <= np.array(key(paper)))


def test_playground_validation_messages():
    smoke = PlaygroundConfig.smoke()
    with pytest.raises(ValueError, match="even lattice size"):
        dataclasses.replace(smoke, sizes=(7,))
    with pytest.raises(ValueError, match="potts_exact_L"):
        dataclasses.replace(smoke, potts_exact_L=5)
    with pytest.raises(ValueError, match="T_range"):
        dataclasses.replace(smoke, T_range=(3.0, 2.0))
    with pytest.raises(ValueError, match="must be odd.*use 11"):
        dataclasses.replace(smoke, potts_n_T=10)
    with pytest.raises(ValueError, match=rf"multiple of {DEFAULT_CHAINS}, the sampler's chains"):
        dataclasses.replace(smoke, samples_per_T=100)
    with pytest.raises(ValueError, match="preset"):
        dataclasses.replace(smoke, name="huge")


def test_chain_count_comes_from_the_sampler(monkeypatch):
    monkeypatch.setattr(playground, "DEFAULT_CHAINS", 12)
    with pytest.raises(ValueError, match="multiple of 12.*use e.g. 264"):
        PlaygroundConfig.smoke()  # samples_per_T = 256


def test_knob_and_rows_are_checked_where_they_are_declared():
    with pytest.raises(ValueError, match="one non-empty line"):
        knob("two\nlines")
    with pytest.raises(TypeError, match="smoke, laptop, paper"):
        @dataclasses.dataclass(frozen=True)
        class NoPaperRow(PresetConfig):
            L: int = knob("lattice size")
            ROWS = {"smoke": dict(L=4), "laptop": dict(L=8)}

    @dataclasses.dataclass(frozen=True)
    class Rows(PresetConfig):
        L: int = knob("lattice size")
        ROWS = {"smoke": dict(L=4), "laptop": dict(L=8, n=1), "paper": dict()}

    assert Rows.smoke() == Rows(name="smoke", L=4) and Rows.reasons()["L"] == "lattice size"
    with pytest.raises(TypeError, match=r"ROWS\['laptop'\].*remove n"):
        Rows.laptop()
    with pytest.raises(TypeError, match=r"ROWS\['paper'\].*add L"):
        Rows.paper()
    with pytest.raises(TypeError):
        Rows.ROWS["smoke"]["L"] = 5  # the rows are read-only

    @dataclasses.dataclass(frozen=True)
    class Bare(PresetConfig):
        L: int = 4
        ROWS = {"smoke": {}, "laptop": {}, "paper": {}}

    with pytest.raises(TypeError, match="Bare fields L have no one-line reason"):
        Bare.reasons()
