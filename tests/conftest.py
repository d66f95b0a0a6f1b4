import numpy as np
import pytest

from latticelab.backend import cuda_available


def pytest_collection_modifyitems(config, items):
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA (run on a GPU machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


class ExactIsingModel:
    """log_prob(states (B, L, L) in 0..1) -> (B,) of the exact Boltzmann distribution of a small Ising lattice
    at T (ln Z by enumerating all 2^N configurations): the ideal autoregressive model."""

    def __init__(self, system, T):
        self.system, self.T = system, T
        codes = np.arange(2 ** system.N)
        spins = (2 * ((codes[:, None] >> np.arange(system.N)) & 1) - 1).reshape(-1, system.L, system.L)
        self.log_z = np.logaddexp.reduce(-system.N * system.energy(spins.astype(np.int8)) / T)

    def log_prob(self, states):
        import torch

        spins = (2 * np.asarray(states) - 1).astype(np.int8)
        return torch.as_tensor(-self.system.N * self.system.energy(spins) / self.T - self.log_z)


@pytest.fixture
def exact_ising_model():
    """The class ``ExactIsingModel(system, T)``: the exact distribution as a model with ``log_prob``."""
    return ExactIsingModel
