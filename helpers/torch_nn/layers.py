"""The layers of ``helpers.numpy_nn.layers`` in PyTorch: ``torch.nn``'s own, plus the same ``mlp`` builder."""

from torch import nn

from helpers.checks import check_choice, check_layer_sizes, check_torch_float_dtype

ReLU, Sigmoid, Tanh, Sequential, CrossEntropyLoss = (
    nn.ReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Sequential,
    nn.CrossEntropyLoss,
)

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def mlp(sizes, activation="relu", device=None, dtype=None):
    """``mlp([784, 128, 10])`` = Sequential(Linear(784, 128), ReLU(), Linear(128, 10)), named like the NumPy one.

    ``dtype``: None (torch's default, float32) or a floating-point ``torch.dtype``.
    """
    sizes = check_layer_sizes(sizes)
    dtype = check_torch_float_dtype(dtype)
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(d_in, d_out, device=device, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


# Softmax as a layer of its own: torch's, with the same argument as the NumPy one (``dim``, default -1 there;
# pass dim explicitly here, since torch.nn.Softmax's default is None).
Softmax = nn.Softmax
