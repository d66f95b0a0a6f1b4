"""Paper app: translation-equivariant CNNs on a complex scalar field at finite density (Bulusu, Favoni, Ipp,
Müller, Schuh, arXiv 2103.14686): EQ, ST and FL networks regress n and |phi|^2 from dual worm configurations,
generalise to other couplings and lattice sizes, detect and count flux violations.
``latticelab reproduce equivariance [--preset P] [--search]``.

Stages (plain data in, plain dataclasses out), one module each:
    sampler     worm_check(config): the worm's <|phi|^2> at mu = 0 beside a direct Metropolis simulation of phi;
                silver_blaze(config): n(mu) on a long-time lattice
    data        dataset(config, L, eta, mu, n, seed): cached closed configurations (ll.data) -> Data(x, y);
                insert_open_worms / with_violations: flux violations
    training    train(config, family, task, data): ``repeats`` retrainings at once, on the Config's device,
                through the model cache; predict, losses
    regression  learning curve (test MSE versus training-set size) and the generalisation grid
    detection   0 versus > 0 violations, tested on the grid
    counting    trained on 0 and 5 open worms, tested on every count on the grid
    arch_search Optuna architecture search (optional extra 'search')
    paper       the talk's numbers
    pipeline    reproduce(config) -> Results
"""
from .config import Config
from .counting import Counting, counting
from .data import Data, dataset, flux_counts, insert_open_worms, join, subsample, with_violations
from .detection import Detection, detection
from .pipeline import reproduce
from .regression import Regression, curve_set, grid_mean, regression, summary, test_set, training_sets
from .arch_search import search
from .sampler import Blaze, silver_blaze, worm_check
from .training import ARCHS, FAMILY_NAMES, losses, predict, train

TITLE = "Equivariant CNNs at finite density"
CARD = ("A complex scalar field at chemical potential mu, sampled without a sign problem by a worm algorithm in its "
        "dual link variables. Three CNN families regress the density and |phi|^2, detect and count flux violations; "
        "only the translation-equivariant one applies unchanged to larger lattices and other couplings.")
NOTEBOOK = "equivariant_cnn.ipynb"


def add_arguments(parser):
    parser.add_argument("--search", action="store_true",
                        help="also run the Optuna architecture search (needs: pip install 'latticelab[search]')")


__all__ = ["ARCHS", "Blaze", "CARD", "Config", "Counting", "Data", "Detection", "FAMILY_NAMES", "NOTEBOOK",
           "Regression", "TITLE", "add_arguments", "counting", "curve_set", "dataset", "detection", "flux_counts",
           "grid_mean", "insert_open_worms", "join", "losses", "predict", "regression", "reproduce", "search",
           "silver_blaze", "subsample", "summary", "test_set", "train", "training_sets", "with_violations",
           "worm_check"]
