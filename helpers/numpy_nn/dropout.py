"""Inverted dropout in NumPy, mirroring ``torch.nn.Dropout``.

While training, each unit is dropped (set to 0) with probability p and the units that
are kept are scaled by 1 / (1 - p):

    mask_i ~ Bernoulli(1 - p),   out = x * mask / (1 - p),   dx = dout * mask / (1 - p)

so the expected output equals the input, E[out] = x, and at evaluation time nothing
needs to change: in ``eval()`` mode dropout is the identity. (The original, "direct"
dropout kept units unscaled and multiplied by 1 - p at test time instead; the inverted
form puts all the work in training.) Each forward pass in training mode draws a new
mask, and ``backward`` uses the mask of the last forward.

The masks come from a NumPy generator, torch's from its own, so the two never drop the
same units; what matches is the behaviour: the share of dropped units, the scaling of
the kept ones, the expectation and the identity in evaluation mode.
"""

import numpy as np

from helpers.checks import check_array, check_rng
from helpers.numpy_nn.layers import TrainEvalMixin


class Dropout(TrainEvalMixin):
    """Inverted dropout with drop probability p, like ``torch.nn.Dropout(p)``.

    Args:
        p: the probability of dropping each unit, in [0, 1). torch also accepts p = 1
            (every output 0, every gradient 0, a network that cannot learn); here it is
            refused as the mistake it almost always is, and 1 / (1 - p) is undefined.
        rng: a ``numpy.random.Generator`` or an integer seed for the masks
            (default: seed 0, so a run repeats).

    Shapes: x (any shape) -> out (the same shape).
    """

    def __init__(self, p=0.5, rng=None):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
            raise TypeError(
                f"p must be a probability in [0, 1), got {p!r} of type "
                f"{type(p).__name__}"
            )
        if not 0 <= p < 1:
            raise ValueError(
                f"p must be a probability in [0, 1), got {p!r}"
                + (" (p=1 would drop every unit)" if p == 1 else "")
            )
        self.p = float(p)
        self.rng = check_rng(rng)
        self.training = True
        self.grads = {}
        self._scaled_mask = None  # mask / (1 - p) of the last forward (1 in eval mode)
        self._shape = None  # the shape of the last input

    def parameters(self):
        return {}

    def zero_grad(self):
        pass

    def forward(self, x):
        """x: any shape -> the same shape; training: x * mask / (1 - p), eval: x."""
        check_array(x, "x", framework="numpy")
        self._shape = x.shape
        if not self.training or self.p == 0:
            self._scaled_mask = np.ones((), dtype=x.dtype)
            return x
        keep = self.rng.random(x.shape) >= self.p  # True with probability 1 - p
        self._scaled_mask = (keep / (1.0 - self.p)).astype(x.dtype)
        return x * self._scaled_mask

    __call__ = forward

    def backward(self, dout):
        """dout: dL/d(out), the shape of x -> dout * mask / (1 - p); in eval: dout."""
        if self._scaled_mask is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        check_array(dout, "dout", framework="numpy")
        if dout.shape != self._shape:
            raise ValueError(
                f"dout must have the output's shape {self._shape}, "
                f"got {tuple(dout.shape)}"
            )
        return dout * self._scaled_mask

    def __repr__(self):
        return f"Dropout(p={self.p})"
