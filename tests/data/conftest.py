"""Fixtures shared by the data-store tests."""
import pytest

from _data_fakes import fake_sample
from latticelab.data import generation


@pytest.fixture
def calls(monkeypatch):
    """Route generate() to the fake sampler and count its calls."""
    counter = {"n": 0}

    def counting(*args, **kwargs):
        counter["n"] += 1
        return fake_sample(*args, **kwargs)

    monkeypatch.setattr(generation, "_sample", counting)
    return counter
