"""Exact references for the 2D lattice models: what samplers, systems and models are tested against.

Analytic (any size, T scalar or array; a float or a float64 array of T's shape comes back):
    ising_tc, potts_tc                          critical temperatures
    ising_energy_per_spin, ising_specific_heat  Onsager (L=None) or Kaufman's finite periodic L x L
    ising_free_energy, ising_log_partition      free energy per spin, ln Z (Kaufman)
    ising_magnetization                         spontaneous magnetization (Yang), infinite lattice
    decimation_beta, decimation_fixed_point     the RG recursion beta' = (3/8) ln cosh(4 beta)
Numerically exact for small lattices of any system (any Ising field, Potts q, Edwards-Anderson couplings):
    enumerate(system, T)       every configuration (q^N <= 2^26): energy, C, magnetization moments, Binder
    transfer_matrix(system, T) row-to-row transfer matrices (q^L <= 4096): ln Z, energy, C

The energies here are computed by this package's own code from the system's energy tables
(``bond_energies``, ``site_energies``), never by ``system.energy``, so they can test the systems
as well as the samplers. Units: k_B = 1, quantities per spin.
"""
from .critical import ising_tc, potts_tc
from .enumeration import enumerate
from .ising import (
    ising_energy_per_spin,
    ising_free_energy,
    ising_log_partition,
    ising_magnetization,
    ising_specific_heat,
)
from .rg import decimation_beta, decimation_fixed_point
from .transfer import transfer_matrix

__all__ = [
    "decimation_beta",
    "decimation_fixed_point",
    "enumerate",
    "ising_energy_per_spin",
    "ising_free_energy",
    "ising_log_partition",
    "ising_magnetization",
    "ising_specific_heat",
    "ising_tc",
    "potts_tc",
    "transfer_matrix",
]
