"""LeNet-5 for 28 x 28 digits in PyTorch, from torch's own modules.

The twin of ``helpers.numpy_nn.lenet.lenet5``: the same layers in the same order in an
``nn.Sequential``, so the parameter names and shapes agree ("0.weight" (6, 1, 5, 5),
..., "11.bias" (10,)) and ``numpy_net.load_state_dict(torch_net.state_dict())``
copies the weights across. See the NumPy module for the table of shapes.
"""

from torch import nn

from helpers.checks import check_choice, check_torch_float_dtype

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


def lenet5(activation="relu", pool="max", device=None, dtype=None):
    """LeNet-5 as an ``nn.Sequential``: x (N, 1, 28, 28) -> logits (N, 10).

    Args:
        activation: "relu" or "tanh"; pool: "max" or "avg" (2 x 2).
        device: where to create the parameters (None: the CPU).
        dtype: None (torch's default, float32) or a floating-point ``torch.dtype``.
    """
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    check_choice(pool, "pool", tuple(POOLS))
    dtype = check_torch_float_dtype(dtype)
    act, pooling = ACTIVATIONS[activation], POOLS[pool]
    where = {"device": device, "dtype": dtype}
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, **where),
        act(),
        pooling(2),
        nn.Conv2d(6, 16, 5, **where),
        act(),
        pooling(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120, **where),
        act(),
        nn.Linear(120, 84, **where),
        act(),
        nn.Linear(84, 10, **where),
    )
