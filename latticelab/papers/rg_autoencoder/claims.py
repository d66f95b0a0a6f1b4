"""What the rg_autoencoder runs show, as checks: the notebook asserts them, and the tests show that a broken
net fails them. Each raises AssertionError with the claim and the measured numbers.

    check_models(models)                      {'model_1', 'model_2', 'model_3': Trained}: Table 1's ordering
    check_predictor(parity, betas)            the beta predictor reads temperature
    check_flows(ae, majority, beta_c)         AE flow attracts, majority rule crosses near beta_c
"""
from __future__ import annotations

import numpy as np


def check_models(models: dict) -> None:
    """The autoencoder beats outputting zeros (hinge loss 1) and both RG-based models; the fully
    transferred RG model (Model 3) reconstructs worst."""
    v = {k: m.val_loss for k, m in models.items()}
    assert v["model_1"] < 1.0, f"the autoencoder's loss {v['model_1']:.3f} is no better than outputting zeros (1)"
    assert v["model_1"] < v["model_2"] < v["model_3"], \
        f"Table 1's ordering (Model 1 < Model 2 < Model 3) fails: {', '.join(f'{k} {x:.3f}' for k, x in v.items())}"


def check_predictor(parity, betas) -> None:
    """The predictor beats a constant guess by far and its mean follows beta."""
    var = float(np.var(betas))
    assert parity.mse < 0.5 * var, f"the beta predictor's test MSE {parity.mse:.4f} is not far below a guess's {var:.4f}"
    assert np.corrcoef(parity.beta, parity.predicted)[0, 1] > 0.9, "the predicted beta does not follow beta"


def check_flows(ae, majority, beta_c: float, window: float = 0.03) -> None:
    """One autoencoder pass is an attractor (slope < 1) whose line crosses the diagonal inside the
    predictor's range [0.1, 0.6) (where depends on the run: 0.39-0.41 at smoke and laptop, 0.58 at
    paper-cpu, the paper's 0.4527); 2 x 2 majority-rule blocks cross beta' = beta within ``window`` of
    the exact beta_c."""
    assert ae.slope < 1, f"the autoencoder flow's slope is {ae.slope:.3f}: not an attractor"
    assert 0.1 < ae.fixed_point < 0.6, f"the autoencoder flow's fixed point {ae.fixed_point:.4f} lies outside [0.1, 0.6)"
    assert majority.crossing is not None, "the majority-rule blocks' beta never crosses beta' = beta"
    assert abs(majority.crossing - beta_c) < window, \
        f"the majority-rule crossing {majority.crossing:.4f} is more than {window} from beta_c = {beta_c:.4f}"
