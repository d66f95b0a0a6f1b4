"""Paper app: translation-equivariant CNNs on a complex scalar field at finite density (Bulusu, Favoni, Ipp,
Müller, Schuh, arXiv 2103.14686): EQ, ST and FL networks regress n and |phi|^2 from dual worm configurations,
generalise to other couplings and lattice sizes, and count flux violations. ``latticelab reproduce equivariance``.

Stages (plain data in, plain dataclasses out), one module each:
    sampler     worm_check(config): the worm's <|phi|^2> at mu = 0 beside a direct Metropolis simulation of phi;
                silver_blaze(config): n(mu) on a long-time lattice
    data        dataset(config, L, eta, mu, n, seed): cached closed configurations (ll.data) -> Data(x, y);
                insert_open_worms: flux violations
    training    train / test_loss of one family through the model cache (keyed by the config and the data keys)
    regression  EQ / ST / FL trained on 8 x 8 at the training points, test MSE on the (eta, mu) grid at every
                test size (FL: only its own size)
    counting    EQ / ST / FL trained on 0 and 5 inserted open worms, tested on 0..max counts
    pipeline    reproduce(config) -> Results
"""
from .config import Config
from .counting import Counting, counting
from .data import Data, dataset, insert_open_worms, join
from .pipeline import reproduce
from .regression import Regression, mean_loss, regression
from .sampler import Blaze, silver_blaze, worm_check
from .training import ARCHS, test_loss, train

TITLE = "Equivariant CNNs at finite density"
CARD = ("A complex scalar field at chemical potential mu, sampled without a sign problem by a worm algorithm in its "
        "dual link variables. Three CNN families regress the density and |phi|^2; only the translation-equivariant "
        "one generalises to larger lattices, and it counts flux violations it was never shown.")
NOTEBOOK = "equivariant_cnn.ipynb"

__all__ = ["ARCHS", "Blaze", "CARD", "Config", "Counting", "Data", "NOTEBOOK", "Regression", "TITLE", "counting",
           "dataset", "insert_open_worms", "join", "mean_loss", "regression", "reproduce", "silver_blaze",
           "test_loss", "train", "worm_check"]
