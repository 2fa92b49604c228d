"""LeNet-5 for 28 x 28 digits, in NumPy, built from ``helpers.numpy_nn``'s layers.

LeCun et al. (1998) read 32 x 32 images; padding the first convolution by 2 gives a
28 x 28 MNIST digit the same 28 x 28 first feature maps. Layer by layer, for a
batch of N images:

    index  layer                      output shape     parameters
    0      Conv2d(1, 6, 5, padding=2)  (N, 6, 28, 28)   6*1*5*5 + 6     =    156
    1      activation
    2      pool 2 x 2                  (N, 6, 14, 14)
    3      Conv2d(6, 16, 5)            (N, 16, 10, 10)  16*6*5*5 + 16   =  2,416
    4      activation
    5      pool 2 x 2                  (N, 16, 5, 5)
    6      Flatten()                   (N, 400)
    7      Linear(400, 120)            (N, 120)         400*120 + 120   = 48,120
    8      activation
    9      Linear(120, 84)             (N, 84)          120*84 + 84     = 10,164
    10     activation
    11     Linear(84, 10)              (N, 10)          84*10 + 10      =    850
                                                                  total   61,706

The defaults are the modern choices (ReLU and max-pooling); ``activation="tanh",
pool="avg"`` is closer to the 1998 network, which squashed with a scaled tanh and
subsampled by averaging (with a learned scale, left out here). The model is a
``Sequential``, so its parameters are named like ``torch.nn.Sequential``'s
("0.weight", "0.bias", "3.weight", ..., "11.bias") and
``net.load_state_dict(torch_net.state_dict())`` copies the PyTorch twin,
``helpers.torch_nn.lenet.lenet5``, in one line.
"""

import numpy as np

from helpers.checks import check_choice, check_numpy_float_dtype, check_rng
from helpers.numpy_nn.conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from helpers.numpy_nn.layers import ReLU, Sequential, Tanh
from helpers.numpy_nn.linear import Linear

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}
POOLS = {"max": MaxPool2d, "avg": AvgPool2d}


def lenet5(activation="relu", pool="max", rng=None, dtype=np.float64):
    """LeNet-5 as a ``Sequential``: x (N, 1, 28, 28) -> logits (N, 10).

    Args:
        activation: "relu" or "tanh", after each convolution and hidden linear layer.
        pool: "max" or "avg", the 2 x 2 pooling after each convolution.
        rng: a ``numpy.random.Generator`` or an integer seed for the initial weights
            (default: seed 0); PyTorch's default initialisation.
        dtype: of the parameters, ``np.float64`` or ``np.float32``.
    """
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    check_choice(pool, "pool", tuple(POOLS))
    rng = check_rng(rng)
    dtype = check_numpy_float_dtype(dtype)
    act, pooling = ACTIVATIONS[activation], POOLS[pool]
    return Sequential(
        Conv2d(1, 6, 5, padding=2, rng=rng, dtype=dtype),
        act(),
        pooling(2),
        Conv2d(6, 16, 5, rng=rng, dtype=dtype),
        act(),
        pooling(2),
        Flatten(),
        Linear(16 * 5 * 5, 120, rng=rng, dtype=dtype),
        act(),
        Linear(120, 84, rng=rng, dtype=dtype),
        act(),
        Linear(84, 10, rng=rng, dtype=dtype),
    )
