"""Updates registered by name: what ``Chain`` calls once per sweep.

An update is one class in its own module of ``samplers/`` (metropolis, wolff, learned_metropolis)
decorated with ``@register``. The chain's sweep loop only ever calls the methods below, so adding
an update never touches the loop:

    @register
    class MyUpdate(Update):
        name = "mine"
        def sweep(self, x, t): ...      # one sweep of the native state x (B, *state_shape)

``algorithm='auto'`` takes the first update in ``AUTO_ORDER`` whose ``prefers`` says yes.
"""
from __future__ import annotations

import numpy as np

UPDATES: dict = {}
AUTO_ORDER = ("worm", "wolff", "metropolis")


def register(cls):
    """Class decorator: make ``cls`` available as ``Chain(..., algorithm=cls.name)``."""
    if not cls.name or cls.name in UPDATES or cls.name == "auto":
        raise ValueError(f"an update needs a new, non-empty name other than 'auto'; got {cls.name!r}")
    UPDATES[cls.name] = cls
    return cls


class Update:
    """One Markov-chain update of a ``Chain``'s batch.

    name:          the registry key
    backends:      backend names it runs on
    needs_even_L:  True for checkerboard updates (the two colours must tile the torus)
    pilot:         (warm-up, measured) sweeps of ``sample``'s pilot run that measures tau
    max_burn_in:   the cap on ``sample``'s automatic burn-in, in sweeps
    """

    name = ""
    backends = ("numba", "torch")
    needs_even_L = False
    pilot = (100, 400)
    max_burn_in = 20_000

    def __init__(self, chain, **options):
        if options:
            raise TypeError(f"algorithm={self.name!r} takes no options, got {', '.join(options)}")
        self.chain = chain

    @classmethod
    def check(cls, system, backend_name: str, h: np.ndarray):
        """Raise ValueError (saying what to use instead) unless this update can run here."""
        if backend_name not in cls.backends:
            raise ValueError(
                f"algorithm={cls.name!r} runs on the {' or '.join(cls.backends)} backend only; "
                f"use backend={cls.backends[0]!r}, or another algorithm"
            )

    @classmethod
    def prefers(cls, system, backend_name: str, h: np.ndarray) -> bool:
        """Whether ``algorithm='auto'`` should choose this update here."""
        return False

    def set_params(self, beta: np.ndarray, h: np.ndarray):
        """New per-chain inverse temperatures and fields, float64 (B,) each."""

    def reset(self):
        """The chains were restarted."""

    @property
    def learning(self) -> bool:
        """True while the update is still tuning itself (such sweeps must not be sampled)."""
        return False

    def sweep(self, x, t: int):
        """One sweep of the native state x (B, *state_shape) at sweep counter ``t``; returns the new state."""
        raise NotImplementedError


def resolve(algorithm: str, system, backend_name: str, h: np.ndarray) -> type:
    """The update class for ``algorithm`` (a registered name or 'auto'), checked for this system and backend."""
    if algorithm == "auto":
        algorithm = next(n for n in AUTO_ORDER if UPDATES[n].prefers(system, backend_name, h))
    if algorithm not in UPDATES:
        raise ValueError(f"unknown algorithm={algorithm!r}; choose one of {', '.join(map(repr, ('auto', *UPDATES)))}")
    cls = UPDATES[algorithm]
    cls.check(system, backend_name, h)
    return cls
