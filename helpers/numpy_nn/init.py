"""Initial weight scales that keep signals from shrinking or exploding with depth.

For a Linear layer with fan_in inputs and fan_out outputs:
    Xavier/Glorot (tanh, sigmoid): Var(w) = 2 / (fan_in + fan_out)
        uniform on [-a, a] with a = sqrt(6 / (fan_in + fan_out))
    He/Kaiming (ReLU, which zeroes half its inputs): Var(w) = 2 / fan_in
        normal with std = sqrt(2 / fan_in)
The PyTorch twins are ``torch.nn.init.xavier_uniform_`` and ``torch.nn.init.kaiming_normal_``.
"""

import math

from helpers.checks import check_array, check_choice, check_number, check_rng
from helpers.numpy_nn.layers import Sequential


def _fans(weight):
    check_array(
        weight, "weight", ndim=2, finite=False, framework="numpy"
    )  # about to be overwritten
    fan_out, fan_in = (
        weight.shape
    )  # weight is (out_features, in_features), as in PyTorch
    return fan_in, fan_out


def xavier_uniform_(weight, rng, gain=1.0):
    """Fill ``weight`` (out_features, in_features) in place from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    ``rng``: a ``numpy.random.Generator`` or an integer seed.
    """
    fan_in, fan_out = _fans(weight)
    rng = check_rng(rng)
    gain = check_number(gain, "gain", low=0)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    weight[...] = rng.uniform(-bound, bound, size=weight.shape)
    return weight


def kaiming_normal_(weight, rng):
    """Fill ``weight`` (out_features, in_features) in place from N(0, 2 / fan_in), for ReLU layers.

    ``rng``: a ``numpy.random.Generator`` or an integer seed.
    """
    fan_in, _ = _fans(weight)
    rng = check_rng(rng)
    weight[...] = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=weight.shape)
    return weight


def init_mlp_(net, scheme, rng):
    """Re-initialise every Linear layer of a NumPy ``Sequential``: "xavier" or "he" weights, zero biases.

    ``rng``: a ``numpy.random.Generator`` or an integer seed. Layers without a bias keep none.
    For a torch network, use ``torch.nn.init.xavier_uniform_`` or ``kaiming_normal_`` on each layer.
    """
    if not isinstance(net, Sequential):
        hint = (
            " (for a torch network use torch.nn.init.xavier_uniform_ or kaiming_normal_ on each layer's weight)"
            if type(net).__module__.startswith("torch")
            else ""
        )
        raise TypeError(
            f"net must be a helpers.numpy_nn.layers.Sequential, got {type(net).__name__}{hint}"
        )
    check_choice(scheme, "scheme", ("xavier", "he"))
    rng = check_rng(rng)
    fill = {
        "xavier": lambda w: xavier_uniform_(w, rng),
        "he": lambda w: kaiming_normal_(w, rng),
    }
    for layer in net.layers:
        if getattr(layer, "weight", None) is not None:
            fill[scheme](layer.weight)
            if getattr(layer, "bias", None) is not None:
                layer.bias[...] = 0.0
    return net
