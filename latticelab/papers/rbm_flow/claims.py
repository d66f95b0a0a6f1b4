"""What the rbm_flow runs show, as checks: the notebook asserts them, and the tests show that a broken
model fails them. Each raises AssertionError with the claim and the measured numbers.

    check_flows(flows, tolerance=C.fixed_point_tolerance)    {n_hidden: Flows} of the Ising RBMs
    check_exponent(fits)                                      {name: BetaFit} from ``critical_exponent``
    check_potts(potts)                                        {q: PottsPoint}
"""
from __future__ import annotations

import numpy as np

from .stages import TC

#: Onsager's effective exponent over the fit window must be this close to 1/8 for the window to test beta.
WINDOW_EXPONENT_TOLERANCE = 0.02


def check_flows(flows: dict, tolerance: float, tc: float = TC) -> None:
    """Both starts of every RBM move at least halfway to Tc; the fixed point comes no farther from Tc as the
    hidden layer grows (within twice the error bars and 0.05); the largest RBM's is within ``tolerance``."""
    distance = {}
    for n, fl in sorted(flows.items()):
        for start in ("cold", "hot"):
            r = fl.readings[start].mean(1)
            assert abs(r[-1] - tc) < 0.5 * abs(r[0] - tc), \
                f"{n} hidden, {start} start: the flow does not run toward Tc ({r[0]:.3f} -> {r[-1]:.3f}, Tc {tc:.3f})"
        t, err = fl.fixed_point("hot")
        distance[n] = (abs(t - tc), err)
    sizes = sorted(distance)
    for small, big in zip(sizes, sizes[1:]):
        (d0, e0), (d1, e1) = distance[small], distance[big]
        assert d1 <= d0 + 2 * (e0 + e1) + 0.05, \
            f"the fixed point moves away from Tc as the hidden layer grows: |T* - Tc| = {d0:.3f} ({small}) -> {d1:.3f} ({big})"
    d, _ = distance[sizes[-1]]
    assert d < tolerance, f"the largest RBM ({sizes[-1]} hidden) stops {d:.3f} from Tc, more than {tolerance}"


def check_exponent(fits: dict) -> None:
    """The window is one where the exact m is nearly a power law with exponent 1/8, and Monte Carlo and the
    reconstructions both give a positive, finite exponent below 0.3 (|m| falls toward Tc)."""
    onsager = fits["onsager"].beta
    assert abs(onsager - 0.125) < WINDOW_EXPONENT_TOLERANCE, \
        f"Onsager's effective exponent over the window is {onsager:.4f}: not a window where beta = 1/8 can be measured"
    for name in ("monte carlo", "reconstructions"):
        b = fits[name].beta
        assert np.isfinite(b) and 0 < b < 0.3, f"beta from {name} is {b}: |m| does not fall as a power toward Tc"


def check_potts(potts: dict) -> None:
    """The Potts thermometer reads each ordered start cold and each random start hot (what every run shows;
    whether the flows then meet at Tc depends on the run, see the results doc)."""
    for q, pp in potts.items():
        cold, hot = pp.flows.readings["cold"].mean(1), pp.flows.readings["hot"].mean(1)
        assert cold[0] < pp.tc < hot[0], f"q = {q}: the thermometer reads the starts {cold[0]:.3f} and {hot[0]:.3f}"


def potts_converged(pp, within: float = 0.1) -> bool:
    """True when both starts of a Potts flow end within ``within`` x Tc_q of Tc_q."""
    return all(abs(pp.flows.fixed_point(s)[0] / pp.tc - 1) < within for s in ("cold", "hot"))
