"""Three CNN families from one small architecture description (Bulusu et al., arXiv 2103.14686):

    EquivariantCNN   stride 1 everywhere, circular padding, a global pooling: exactly invariant under every
                     circular shift of the input, and applies to any lattice size
    StridedCNN       the same, plus 2 x 2 pooling with stride 2: applies to sizes the pools divide, not invariant
    FlatteningCNN    pooling, then a flatten and dense layers: built for one lattice size, refuses any other

An architecture is a tuple of tokens, read left to right (the paper's backup tables are the defaults):

    "c2:80"   convolution 2 x 2 with 80 output channels (circular padding on the far side, so the size stays),
              followed by LeakyReLU; "c2:80-" without the activation; "c2:80*" without a bias
    "avg2", "max2"          2 x 2 pooling with stride 2
    "gavg", "gmax", "gsum"  global average / max / sum over the lattice
    "flat"                  flatten
    "fc:24"   linear layer with 24 outputs + LeakyReLU ("fc:2-" no activation, "fc:1*-" no bias either)
    "sigmoid"

x: float (n, C, Lt, Lx) (C = 4: k_t, k_x, l_t, l_x) -> float (n, outputs).

``Ensemble(members)`` runs R networks of one architecture as one (grouped convolutions, batched dense layers):
x (n, C, Lt, Lx) -> (n, R, outputs), member r computing exactly what ``members[r]`` computes; R retrainings then
cost one training's optimizer steps.
"""
from __future__ import annotations

import copy
import re

import torch
import torch.nn.functional as F

#: the first task's (regression of n and |phi|^2) winning architectures; parameters 33202, 26370, 47394 (FL at 60 x 4)
EQ_REGRESSION = ("c1:64", "c1:48", "c1:80", "c2:80", "gavg", "fc:2-")
ST_REGRESSION = ("c1:80", "c1:80", "c1:48", "avg2", "c2:80", "gavg", "fc:2-")
FL_REGRESSION = ("c1:64", "c2:80", "avg2", "c1:48", "c2:64", "avg2", "c1:24-", "flat", "fc:24", "fc:2-")
#: the third task's (counting flux violations) first-ranked architectures
EQ_COUNTING = ("c1:32", "c2:8", "c2:16", "c1:8", "gsum", "fc:1-")
ST_COUNTING = ("c2:16", "c1:32", "c1:32", "avg2", "c1:8", "gsum", "fc:32", "fc:1-")
FL_COUNTING = ("c2:4", "avg2", "c3:8", "avg2", "flat", "fc:4", "fc:32", "fc:1-")
#: the second task's (detecting a flux violation) winners; parameters 2688 (the paper's table: 2657), 953, 5600
EQ_DETECTION = ("c2:32", "c1:32", "gmax", "fc:32", "fc:1*-", "sigmoid")
ST_DETECTION = ("c2:16*", "max2", "c1:16", "c1:8", "gmax", "fc:32*-", "fc:1-", "sigmoid")
FL_DETECTION = ("c3:8*", "max2", "c2:32", "avg2", "c2:32", "flat", "fc:1*-", "sigmoid")

_CONV = re.compile(r"^c(\d+):(\d+)([*-]*)$")
_FC = re.compile(r"^fc:(\d+)([*-]*)$")
_GLOBAL = {"gavg": "mean", "gmax": "amax", "gsum": "sum"}


class _Conv(torch.nn.Module):
    def __init__(self, cin, cout, k, bias, groups=1):
        super().__init__()
        self.k = k
        self.conv = torch.nn.Conv2d(cin, cout, k, bias=bias, groups=groups)

    def forward(self, x):
        k = self.k
        return self.conv(F.pad(x, (0, k - 1, 0, k - 1), mode="circular") if k > 1 else x)


class _Global(torch.nn.Module):
    def __init__(self, how):
        super().__init__()
        self.how = how

    def forward(self, x):
        return getattr(torch, self.how)(x, dim=(-2, -1))


def _parse(arch, in_channels, size):
    """(modules, kinds) for ``arch``; ``size`` (Lt, Lx) is needed only from a flatten on."""
    layers, kinds, c, shape, flat = [], [], in_channels, size, None
    for token in arch:
        if (m := _CONV.match(token)) is not None:
            k, cout, flags = int(m[1]), int(m[2]), m[3]
            layers.append(_Conv(c, cout, k, "*" not in flags))
            kinds.append("conv")
            if "-" not in flags:
                layers.append(torch.nn.LeakyReLU())
                kinds.append("act")
            c = cout
        elif token in ("avg2", "max2"):
            layers.append(torch.nn.AvgPool2d(2, 2) if token == "avg2" else torch.nn.MaxPool2d(2, 2))
            kinds.append("pool")
            shape = None if shape is None else (shape[0] // 2, shape[1] // 2)
        elif token in _GLOBAL:
            layers.append(_Global(_GLOBAL[token]))
            kinds.append("global")
            flat = c
        elif token == "flat":
            if shape is None:
                raise ValueError("a flattening architecture needs the lattice size: pass size=(Lt, Lx)")
            if min(shape) < 1:
                raise ValueError(f"the pools shrink a {size} lattice to nothing; use a larger size")
            layers.append(torch.nn.Flatten())
            kinds.append("flat")
            flat = c * shape[0] * shape[1]
        elif (m := _FC.match(token)) is not None:
            if flat is None:
                raise ValueError(f"'{token}' needs a global pooling or 'flat' before it")
            n, flags = int(m[1]), m[2]
            layers.append(torch.nn.Linear(flat, n, bias="*" not in flags))
            kinds.append("fc")
            if "-" not in flags:
                layers.append(torch.nn.LeakyReLU())
                kinds.append("act")
            flat = n
        elif token == "sigmoid":
            layers.append(torch.nn.Sigmoid())
            kinds.append("act")
        else:
            raise ValueError(f"unknown architecture token {token!r}; see latticelab.nn.cnn_families for the grammar")
    if flat is None:
        raise ValueError("an architecture ends in a global pooling or 'flat' followed by 'fc' layers")
    return layers, kinds


class _Family(torch.nn.Module):
    family = ""

    def __init__(self, arch, in_channels=4, size=None, *, seed=0):
        super().__init__()
        self.arch = tuple(arch)
        self.in_channels = int(in_channels)
        gen_state = torch.random.get_rng_state()
        try:
            torch.manual_seed(int(seed))  # PyTorch's default initialisation, from an explicit seed
            layers, self.kinds = _parse(self.arch, self.in_channels, size)
        finally:
            torch.random.set_rng_state(gen_state)  # the global generator is left as it was
        self._check(self.kinds)
        self.net = torch.nn.Sequential(*layers)

    def _check(self, kinds):
        pass

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} takes (n, {self.in_channels}, Lt, Lx), got {tuple(x.shape)}")
        return self.net(x)

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


class EquivariantCNN(_Family):
    """Stride-1 convolutions with circular padding and a global pooling: ``model(roll(x)) == model(x)`` for every
    circular shift, on any lattice size. Default: the paper's regression winner (33202 parameters)."""

    family = "EQ"

    def __init__(self, arch=EQ_REGRESSION, in_channels=4, *, seed=0):
        super().__init__(arch, in_channels, None, seed=seed)

    def _check(self, kinds):
        if "pool" in kinds or "flat" in kinds or "global" not in kinds:
            raise ValueError("an equivariant architecture has no strided pooling or flatten and one global pooling")


class StridedCNN(_Family):
    """Like EQ plus 2 x 2 stride-2 pooling (breaks the equivariance). Default: the paper's ST regression winner."""

    family = "ST"

    def __init__(self, arch=ST_REGRESSION, in_channels=4, *, seed=0):
        super().__init__(arch, in_channels, None, seed=seed)

    def _check(self, kinds):
        if "flat" in kinds or "global" not in kinds:
            raise ValueError("a strided architecture ends in a global pooling, not a flatten")


class FlatteningCNN(_Family):
    """Pooling, flatten and dense layers, built for one lattice ``size`` (Lt, Lx). Default: the paper's FL winner."""

    family = "FL"

    def __init__(self, arch=FL_REGRESSION, in_channels=4, *, size=(8, 8), seed=0):
        self.size = (int(size[0]), int(size[1]))
        super().__init__(arch, in_channels, self.size, seed=seed)

    def _check(self, kinds):
        if "flat" not in kinds:
            raise ValueError("a flattening architecture has a 'flat' layer")

    def forward(self, x):
        if tuple(x.shape[-2:]) != self.size:
            raise ValueError(
                f"this FlatteningCNN was built for {self.size[0]} x {self.size[1]} lattices and cannot be applied to "
                f"{x.shape[-2]} x {x.shape[-1]}: its dense layer has a fixed input size. Use EquivariantCNN to "
                "generalise across sizes, or build a new FlatteningCNN(size=...)"
            )
        return super().forward(x)


FAMILIES = {"EQ": EquivariantCNN, "ST": StridedCNN, "FL": FlatteningCNN}


class _GroupLinear(torch.nn.Module):
    """R linear layers at once: x (n, R, in) -> (n, R, out)."""

    def __init__(self, linears):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.stack([lin.weight.detach().clone() for lin in linears]))
        has_bias = linears[0].bias is not None
        self.bias = torch.nn.Parameter(torch.stack([lin.bias.detach().clone() for lin in linears])) if has_bias else None

    def forward(self, x):
        y = torch.einsum("nri,roi->nro", x, self.weight)
        return y if self.bias is None else y + self.bias


class _Split(torch.nn.Module):
    """(n, R * c, ...) -> (n, R, c * ...): the R members' channels side by side become a member axis."""

    def __init__(self, R):
        super().__init__()
        self.R = R

    def forward(self, x):
        return x.reshape(x.shape[0], self.R, -1)


class Ensemble(torch.nn.Module):
    """``Ensemble([EquivariantCNN(arch, seed=s) for s in range(10)])``: the members run side by side as one network,
    x float (n, C, Lt, Lx) -> float (n, R, outputs). Convolutions become grouped convolutions (member r owns the
    channel block r), dense layers batched matrix products; so a loss summed over the members trains each as if
    alone (Adam is elementwise), on the same minibatches. ``members()`` gives them back with the trained weights."""

    def __init__(self, members):
        super().__init__()
        members = list(members)
        if not members or len({(type(m), m.arch, m.in_channels, getattr(m, "size", None)) for m in members}) != 1:
            raise ValueError("an Ensemble needs one or more networks of one family, architecture and size")
        self.R, self.template = len(members), members
        self.family, self.arch, self.in_channels = members[0].family, members[0].arch, members[0].in_channels
        self.size = getattr(members[0], "size", None)
        layers, split = [], False
        for group in zip(*(m.net for m in members)):
            first = group[0]
            if isinstance(first, _Conv):
                c = first.conv
                conv = _Conv(self.R * c.in_channels, self.R * c.out_channels, first.k, c.bias is not None, groups=self.R)
                with torch.no_grad():
                    conv.conv.weight.copy_(torch.cat([g.conv.weight for g in group]))
                    if c.bias is not None:
                        conv.conv.bias.copy_(torch.cat([g.conv.bias for g in group]))
                layers.append(conv)
            elif isinstance(first, torch.nn.Linear):
                layers.append(_GroupLinear(group))
            elif isinstance(first, (_Global, torch.nn.Flatten)):
                layers += [copy.deepcopy(first), _Split(self.R)]
                split = True
            else:  # activations and pools hold no weights
                layers.append(copy.deepcopy(first))
        if not split:
            raise ValueError("an Ensemble's architecture has a global pooling or a flatten")
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Ensemble takes (n, {self.in_channels}, Lt, Lx), got {tuple(x.shape)}")
        if self.size is not None and tuple(x.shape[-2:]) != self.size:
            raise ValueError(f"these FlatteningCNNs were built for {self.size[0]} x {self.size[1]} lattices and cannot "
                             f"be applied to {x.shape[-2]} x {x.shape[-1]}")
        return self.net(x.repeat(1, self.R, 1, 1))

    def members(self) -> list:
        """The R networks as separate modules (copies) carrying the ensemble's current weights."""
        out = [copy.deepcopy(m).to(next(self.parameters()).device) for m in self.template]
        convs = [g.conv for g in self.net if isinstance(g, _Conv)]
        linears = [g for g in self.net if isinstance(g, _GroupLinear)]
        with torch.no_grad():
            for r, m in enumerate(out):
                for mine, theirs in zip(convs, [g.conv for g in m.net if isinstance(g, _Conv)]):
                    n = theirs.out_channels
                    theirs.weight.copy_(mine.weight[r * n:(r + 1) * n])
                    if theirs.bias is not None:
                        theirs.bias.copy_(mine.bias[r * n:(r + 1) * n])
                for mine, theirs in zip(linears, [g for g in m.net if isinstance(g, torch.nn.Linear)]):
                    theirs.weight.copy_(mine.weight[r])
                    if theirs.bias is not None:
                        theirs.bias.copy_(mine.bias[r])
        return out
