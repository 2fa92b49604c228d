"""Inverted dropout: the expectation is kept, eval mode is the identity, backward uses
the forward's mask, and it behaves like torch.nn.Dropout (statistically: torch draws its
masks from its own generator, so the two never drop the same units)."""

import numpy as np
import pytest
import torch

from helpers.gradcheck import check_gradient
from helpers.numpy_nn import layers
from helpers.numpy_nn.dropout import Dropout
from helpers.numpy_nn.linear import Linear

P_VALUES = [0.0, 0.1, 0.5, 0.8]


@pytest.mark.parametrize("p", P_VALUES)
def test_kept_units_are_scaled_and_the_expectation_is_kept(p):
    x = np.random.default_rng(0).normal(size=(50, 40)) + 2.0
    layer = Dropout(p, rng=1)
    outs = np.stack([layer.forward(x) for _ in range(400)])
    kept = outs != 0
    np.testing.assert_allclose(
        outs[kept], np.broadcast_to(x / (1 - p), outs.shape)[kept]
    )
    # Share dropped: p, within 4 binomial standard errors.
    n = outs.size
    assert abs((~kept).mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12
    # E[out] = x: the mean over 400 masks is x, within 5 standard errors per entry.
    standard_error = np.abs(x) * np.sqrt(p / (1 - p) / len(outs))
    assert np.all(np.abs(outs.mean(axis=0) - x) <= 5 * standard_error + 1e-12)


@pytest.mark.parametrize("p", P_VALUES)
def test_torch_dropout_behaves_the_same_way(p):
    """The same checks on torch.nn.Dropout: shares dropped and scales agree."""
    torch.manual_seed(0)
    x = torch.rand(200, 100, dtype=torch.float64) + 1.0
    out = torch.nn.Dropout(p)(x)
    kept = out != 0
    torch.testing.assert_close(out[kept], (x / (1 - p))[kept])
    mine = Dropout(p, rng=0).forward(x.numpy())
    dropped_torch, dropped_mine = (~kept).double().mean().item(), (mine == 0).mean()
    bound = 4 * np.sqrt(p * (1 - p) / x.numel()) + 1e-12
    assert abs(dropped_torch - p) <= bound and abs(dropped_mine - p) <= bound


def test_eval_mode_is_the_identity_forward_and_backward():
    x = np.random.default_rng(0).normal(size=(6, 5))
    layer = Dropout(0.5).eval()
    assert not layer.training
    assert layer.forward(x) is x
    dout = np.ones_like(x)
    np.testing.assert_array_equal(layer.backward(dout), dout)
    torch_layer = torch.nn.Dropout(0.5).eval()
    assert torch.equal(torch_layer(torch.tensor(x)), torch.tensor(x))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_backward_is_the_forwards_mask_over_one_minus_p(p):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 7)) + 3.0  # never 0, so out == 0 marks a dropped unit
    layer = Dropout(p, rng=5)
    out = layer.forward(x)
    dout = rng.normal(size=x.shape)
    dx = layer.backward(dout)
    mask = (out != 0).astype(float)
    np.testing.assert_allclose(dx, dout * mask / (1 - p))
    layer.forward(x)  # a new mask for a new forward pass
    assert not np.array_equal(layer.backward(dout), dx)

    # Finite differences with the mask held fixed (the same seed for every forward).
    def loss():
        return float(np.sum(Dropout(p, rng=5).forward(x) * dout))

    check_gradient(loss, x, dx)


def test_seeds_repeat_and_float32_stays_float32():
    x = np.ones((3, 4), dtype=np.float32)
    a, b = Dropout(0.5, rng=7).forward(x), Dropout(0.5, rng=7).forward(x)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert not np.array_equal(a, Dropout(0.5, rng=8).forward(x))


def test_sequential_eval_switches_dropout_off():
    net = layers.Sequential(
        Linear(3, 8, rng=0), layers.ReLU(), Dropout(0.5), Linear(8, 2, rng=1)
    )
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert not np.allclose(net.forward(x), net.forward(x))  # new masks each pass
    net.eval()
    np.testing.assert_array_equal(net.forward(x), net.forward(x))
    without = layers.Sequential(net.layers[0], net.layers[1], net.layers[3])
    np.testing.assert_allclose(net.forward(x), without.forward(x))


def test_p_must_be_a_probability_below_one():
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\)"):
            Dropout(bad)
    with pytest.raises(TypeError, match="p must be a probability"):
        Dropout("0.5")
    torch.nn.Dropout(1.0)  # torch accepts p = 1 (every output 0); this class refuses it


def test_the_torch_twin_is_torchs_own():
    from helpers.torch_nn import dropout

    assert dropout.Dropout is torch.nn.Dropout
