"""Neural networks for lattice models (torch): the shared training loop ``fit`` and the models.

    PhaseClassifier     a small translation- and flip-invariant CNN: ordered or disordered?
    AutoregressiveGRU   an exactly normalised autoregressive model of configurations (watch and learn)
    LearnedEnergy       E = -T_O ln P + C from such a model, with the delta_energy learned Metropolis asks
    EDNN                an extensive, tiled energy network with local energy changes
    RBM, PottsRBM       restricted Boltzmann machines (binary and one-hot visible units) and their flows
    Thermometer         reads a configuration's temperature
    EquivariantCNN, StridedCNN, FlatteningCNN   the CNN families of the equivariance app
"""
from .classifier import PhaseClassifier
from .cnn_families import EquivariantCNN, FlatteningCNN, StridedCNN
from .ednn import EDNN
from .energy import LearnedEnergy
from .gru import AutoregressiveGRU
from .rbm import RBM, PottsRBM
from .thermometer import Thermometer
from .fit import HISTORY_KEYS, Plateau, batch_size, evaluate, fit, supervised, to_device

__all__ = ["EDNN", "HISTORY_KEYS", "Plateau", "AutoregressiveGRU", "EquivariantCNN", "FlatteningCNN", "LearnedEnergy",
           "PhaseClassifier", "PottsRBM", "RBM", "StridedCNN", "Thermometer", "batch_size", "evaluate", "fit", "supervised", "to_device"]
