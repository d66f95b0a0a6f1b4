"""RBM flows (Giataganas' talk; Funai & Giataganas, Phys. Rev. Research 2, 033415): restricted Boltzmann
machines trained on Ising configurations of many temperatures flow, v -> h -> v -> ..., toward Tc.

    from latticelab.papers import rbm_flow
    C = rbm_flow.Config.from_env()
    results = rbm_flow.reproduce(C)          # or: latticelab reproduce rbm_flow --preset smoke
    print(results.table())

The stages (``stages``) take plain data and return plain dataclasses; ``reproduce`` chains them.
"""
from . import claims
from .config import Config
from .pipeline import add_arguments, reproduce
from .stages import (
    TC,
    BetaFit,
    Flows,
    FieldPoint,
    PottsPoint,
    critical_exponent,
    exponent_data,
    field_point,
    fit_beta,
    ising_data,
    order_parameter,
    potts_data,
    potts_point,
    potts_temperatures,
    run_flows,
    specific_heat_peak,
    thermometer,
    thermometer_calibration,
    train_rbm,
    visible,
    weight_correlation,
)

TITLE = "RBM flows to the critical point"
CARD = ("Restricted Boltzmann machines trained on 10 x 10 Ising configurations of many temperatures: iterate "
        "v -> h -> v and a neural thermometer shows ordered and random starts drifting to Tc = 2.27, the "
        "opposite of an RG flow. In a field the flow stops at the specific-heat maximum; Potts q = 3, 4 "
        "flow to their Tc; beta from reconstructions.")
NOTEBOOK = "rbm_flow.ipynb"

__all__ = ["CARD", "NOTEBOOK", "TITLE", "TC", "claims", "BetaFit", "Config", "Flows", "add_arguments", "critical_exponent", "FieldPoint", "PottsPoint", "field_point", "potts_point",
           "fit_beta", "ising_data", "order_parameter", "potts_data", "potts_temperatures", "reproduce", "run_flows",
           "specific_heat_peak", "thermometer", "thermometer_calibration", "train_rbm", "visible",
           "weight_correlation"]
