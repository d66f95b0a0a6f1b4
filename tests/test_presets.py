"""latticelab.presets: the preset comes from $LATTICELAB_PRESET, is data, and rejects unknown names."""
import dataclasses

import numpy as np
import pytest

from latticelab.presets import ENV_VAR, PRESET_NAMES, Preset, preset_name


def test_default_is_laptop(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert preset_name() == "laptop"
    assert Preset.from_env().name == "laptop"
    monkeypatch.setenv(ENV_VAR, "")
    assert preset_name() == "laptop"


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_env_selects_preset(monkeypatch, name):
    monkeypatch.setenv(ENV_VAR, f" {name.upper()} ")
    P = Preset.from_env()
    assert P.name == name
    assert P == getattr(Preset, name)() == Preset.get(name)


@pytest.mark.parametrize("bad", ["fast", "smok", "huge"])
def test_unknown_preset_names_the_valid_ones(monkeypatch, bad):
    monkeypatch.setenv(ENV_VAR, bad)
    with pytest.raises(ValueError) as err:
        Preset.from_env()
    msg = str(err.value)
    assert bad in msg and all(name in msg for name in PRESET_NAMES)
    with pytest.raises(ValueError, match="smoke, laptop, paper"):
        Preset.get(bad)
    with pytest.raises(TypeError):
        preset_name(3)


def test_presets_are_frozen_data_and_grow():
    smoke, laptop, paper = (Preset.get(n) for n in PRESET_NAMES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        smoke.n_T = 3
    for P in (smoke, laptop, paper):
        T = P.temperatures
        assert T.shape == (P.n_T,) and T[0] == P.T_range[0] and T[-1] == P.T_range[-1]
        assert P.T_range[0] < 2.269 < P.T_range[1], "the sweep must cross Tc"
        assert P.hysteresis_T < 2.269
        assert P.samples_per_T % 16 == 0
    key = lambda P: (max(P.sizes), P.n_T, P.samples_per_T, P.viewer_L, P.train_epochs)
    assert np.all(np.array(key(smoke)) <= np.array(key(laptop)))
    assert np.all(np.array(key(laptop)) <= np.array(key(paper)))


def test_validation_messages():
    with pytest.raises(ValueError, match="even lattice sizes"):
        dataclasses.replace(Preset.smoke(), sizes=(7,))
    with pytest.raises(ValueError, match="T_range"):
        dataclasses.replace(Preset.smoke(), T_range=(3.0, 2.0))
    with pytest.raises(ValueError, match="multiple of 16"):
        dataclasses.replace(Preset.smoke(), samples_per_T=100)
