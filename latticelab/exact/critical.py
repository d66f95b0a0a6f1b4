"""Exact critical temperatures of the square-lattice Ising and Potts models (k_B = 1)."""
from __future__ import annotations

from .. import systems
from . import _args


def ising_tc(J: float = 1.0) -> float:
    """Onsager's Tc = 2 J / ln(1 + sqrt 2) = 2.269185314 J for H = -J sum s_i s_j."""
    return systems.ising_tc(_args.coupling(J))


def potts_tc(q: int, J: float = 1.0) -> float:
    """Tc = J / ln(1 + sqrt q) of the q-state Potts model H = -J sum delta(s_i, s_j).

    Continuous for q <= 4, first order for q > 4 (Baxter). q = 2 is the Ising model with
    J_Ising = J / 2: potts_tc(2, J=2) == ising_tc(1).
    """
    return systems.potts_tc(_args.states(q), _args.coupling(J))
