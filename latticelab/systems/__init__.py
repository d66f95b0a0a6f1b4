"""Lattice systems: one class per model that knows everything about its states.

All systems live on a periodic L x L square lattice and derive from ``LatticeSystem``, the one
interface the rest of latticelab asks (it never branches on a system's type): the dtype and shape
of a configuration, hot and cold starts, energy and local energy change, order parameter, the
random global symmetry moves, how its sites are stored (``site_kind``) and drawn (``palette``),
which Metropolis kernel updates it and whether Wolff clusters can, and the energy as tables of
site codes (``site_values``, ``bond_energies``, ``site_energies``, ``symmetries``,
``order_parameter``) from which ``latticelab.exact`` enumerates and builds transfer matrices.

Configurations are arrays ``(..., *state_shape)`` (numpy or torch) of ``state_dtype``: +-1 spins
for Ising and Edwards-Anderson, states 0..q-1 for Potts. ``energy`` and ``magnetization`` return
per-spin values with the leading (batch) shape of the input, as float64 for numpy and the default
float dtype for torch.
"""
from __future__ import annotations

from .base import SITE_KINDS, LatticeSystem
from .glass import EdwardsAnderson
from .phi4 import ComplexPhi4
from .ising import Ising, ising_tc
from .potts import Potts, potts_palette, potts_tc

__all__ = ["SITE_KINDS", "SYSTEMS", "ComplexPhi4", "EdwardsAnderson", "Ising", "LatticeSystem", "Potts", "check_system",
           "ising_tc", "make_system", "potts_palette", "potts_tc"]

#: The systems by name (what the viewer's model menu lists, in this order).
SYSTEMS = {cls.name: cls for cls in (Ising, Potts, EdwardsAnderson)}


def make_system(name: str, L: int, **options) -> LatticeSystem:
    """``SYSTEMS[name].from_options(L, **options)``, e.g. make_system('potts', 32, q=4)."""
    if name not in SYSTEMS:
        raise ValueError(f"unknown system {name!r}; choose one of {', '.join(map(repr, SYSTEMS))}")
    return SYSTEMS[name].from_options(L, **options)


def check_system(system):
    """Raise a TypeError unless ``system`` is a lattice system."""
    if not isinstance(system, LatticeSystem):
        raise TypeError(
            f"system must be a latticelab system (ll.Ising, ll.Potts, ll.EdwardsAnderson, ...), got "
            f"{type(system).__name__}; e.g. ll.Ising(L=32)"
        )
    return system
