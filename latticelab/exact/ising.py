"""Exact thermodynamics of the square-lattice Ising model H = -J sum_<ij> s_i s_j (h = 0).

``L=None`` gives Onsager's infinite lattice; an integer ``L`` gives the periodic L x L
lattice through Kaufman's partition function (exact for every L >= 2, any L up to
thousands; analytic derivatives). Kaufman's relative accuracy is ~1e-13 for L <= 128 and
J/300 <= T <= 100 J; it degrades as ~1e-16 (T/J)^2 above (1e-10 at T = 1000 J), and
where C is exponentially small (T < 0.3 J) C has absolute accuracy ~1e-13 (clipped at
0). ``T`` is a scalar or an array of any shape; the answer is a float or a float64 array
of that shape. Units: k_B = 1, energies per spin.
"""
from __future__ import annotations

import numpy as np

from ..lattice import check_size
from . import _args, _kaufman, _onsager


def _setup(T, J, L):
    T, shape = _args.temperatures(T)
    J = _args.coupling(J)
    L = None if L is None else check_size(L)
    return T, shape, J, L


def ising_log_partition(T, L, J: float = 1.0):
    """ln Z of the periodic L x L lattice (Kaufman). 4 x 4 at T = 1/0.6 gives Z = 513383087.83."""
    if L is None:
        raise ValueError("ising_log_partition needs a finite L (ln Z is extensive); for L = infinity use "
                         "ising_free_energy(T) per spin")
    T, shape, J, L = _setup(T, J, L)
    return _args.like(_kaufman.log_partition_derivatives(J / T, L)[0], shape)


def ising_free_energy(T, L=None, J: float = 1.0):
    """Free energy per spin f = -T ln Z / N: Onsager's integral for L=None, Kaufman for integer L."""
    T, shape, J, L = _setup(T, J, L)
    if L is None:
        log_z = _onsager.log_partition(J / T)
    else:
        log_z = _kaufman.log_partition_derivatives(J / T, L)[0] / (L * L)
    return _args.like(-T * log_z, shape)


def ising_energy_per_spin(T, L=None, J: float = 1.0):
    """Mean energy per spin <E>/N: Onsager for L=None (-sqrt(2) J at Tc), Kaufman for integer L."""
    T, shape, J, L = _setup(T, J, L)
    if L is None:
        e = J * _onsager.energy(J / T)
    else:
        e = -J * _kaufman.log_partition_derivatives(J / T, L)[1] / (L * L)
    return _args.like(e, shape)


def ising_specific_heat(T, L=None, J: float = 1.0):
    """Specific heat per spin C = beta^2 (<E^2> - <E>^2) / N.

    L=None: Onsager's closed form; it diverges logarithmically at Tc and returns +inf when
    sinh(2J/T) == 1 exactly (a float T near ``ising_tc()`` gives a large finite value).
    Integer L: Kaufman, finite everywhere, with its peak just above Tc growing like ln L.
    """
    T, shape, J, L = _setup(T, J, L)
    K = J / T
    if L is None:
        c = _onsager.specific_heat(K)
    else:
        c = np.maximum(K**2 * _kaufman.log_partition_derivatives(K, L)[2] / (L * L), 0.0)  # clip rounding
    return _args.like(c, shape)


def ising_magnetization(T, J: float = 1.0):
    """Spontaneous magnetization of the infinite lattice: (1 - sinh^-4(2J/T))^(1/8) below Tc, 0 at and above."""
    T, shape, J, _ = _setup(T, J, None)
    return _args.like(_onsager.magnetization(J / T), shape)


__all__ = [
    "ising_energy_per_spin",
    "ising_free_energy",
    "ising_log_partition",
    "ising_magnetization",
    "ising_specific_heat",
]

