"""The softmax's backward pass: its Jacobian, its vector-Jacobian product and the Softmax layer.

For s = softmax(z) along one axis, ds_i/dz_j = s_i (delta_ij - s_j), so J = diag(s) - s s^T,
and the backward pass dz = J^T g = s * (g - g . s). Tested three ways (analytic = centred
finite differences = torch.autograd) on awkward shapes, with J's properties and bad inputs.
"""

import numpy as np
import pytest
import torch

from helpers.gradcheck import check_gradient, check_layer_gradients
from helpers.numpy_nn.activations import softmax, softmax_backward
from helpers.numpy_nn.layers import Sequential, Softmax
from helpers.numpy_nn.linear import Linear
from helpers.torch_nn import layers as TL

# Awkward shapes: a batch of one, a single class (K = 1), odd K, a 1-D vector and a 3-D input.
SHAPES = [(1, 4), (5, 1), (3, 7), (1, 1), (9,), (2, 3, 5), (4, 2, 3)]


def jacobian(s):
    """The softmax Jacobian of one probability vector: s (K,) -> J (K, K), J[i, j] = ds_i / dz_j."""
    return np.diag(s) - np.outer(s, s)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_softmax_backward_three_ways(shape):
    rng = np.random.default_rng(sum(shape))
    z = rng.normal(scale=2.0, size=shape)
    dout = rng.normal(size=shape)
    probs = softmax(z)
    dz = softmax_backward(dout, probs)
    assert dz.shape == shape and dz.dtype == np.float64

    # 1. centred finite differences of the scalar L = sum(softmax(z) * dout), whose dL/d(probs) is dout
    check_gradient(lambda: float(np.sum(softmax(z) * dout)), z, dz, tol=1e-8, name="z")

    # 2. torch.autograd through torch.nn.Softmax along the last axis
    z_t = torch.tensor(z, requires_grad=True)
    probs_t = TL.Softmax(dim=-1)(z_t)
    probs_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(probs, probs_t.detach().numpy(), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(dz, z_t.grad.numpy(), rtol=1e-10, atol=1e-14)

    # 3. the explicit Jacobian, slice by slice: dz = J^T dout (J is symmetric)
    flat_s, flat_g = probs.reshape(-1, shape[-1]), dout.reshape(-1, shape[-1])
    expected = np.stack([jacobian(s).T @ g for s, g in zip(flat_s, flat_g)]).reshape(
        shape
    )
    np.testing.assert_allclose(dz, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_softmax_layer_three_ways(shape):
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    x = rng.normal(size=shape)
    layer = Softmax()
    errors = check_layer_gradients(layer, x, rng=np.random.default_rng(2))
    assert errors["x"] < 1e-8

    out = layer(x)
    dout = rng.normal(size=shape)
    dx = layer.backward(dout)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = TL.Softmax(dim=-1)(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dim", [0, 1, -2])
def test_softmax_layer_along_other_axes(dim):
    rng = np.random.default_rng(dim + 5)
    x, dout = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    layer = Softmax(dim=dim)
    out = layer(x)
    np.testing.assert_allclose(out.sum(axis=dim), 1.0, rtol=1e-14)
    dx = layer.backward(dout)
    x_t = torch.tensor(x, requires_grad=True)
    TL.Softmax(dim=dim)(x_t).backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert check_layer_gradients(Softmax(dim=dim), x)["x"] < 1e-8


def test_float32_keeps_its_dtype_and_matches_float64():
    rng = np.random.default_rng(0)
    z, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    layer = Softmax()
    out32 = layer(z.astype(np.float32))
    dx32 = layer.backward(dout.astype(np.float32))
    assert out32.dtype == np.float32 and dx32.dtype == np.float32
    np.testing.assert_allclose(
        dx32, softmax_backward(dout, softmax(z)), rtol=1e-4, atol=1e-6
    )


def test_softmax_layer_inside_sequential():
    rng = np.random.default_rng(3)
    net = Sequential(Linear(4, 6, rng=rng), Softmax())
    x = rng.normal(size=(3, 4))
    errors = check_layer_gradients(net, x, rng=np.random.default_rng(4))
    assert max(errors.values()) < 1e-7
    twin = torch.nn.Sequential(
        torch.nn.Linear(4, 6, dtype=torch.float64), TL.Softmax(dim=-1)
    )
    twin.load_state_dict(
        {name: torch.tensor(value) for name, value in net.state_dict().items()}
    )
    np.testing.assert_allclose(
        net(x), twin(torch.tensor(x)).detach().numpy(), rtol=1e-13
    )


def test_cross_entropy_through_the_softmax_is_softmax_minus_one_hot():
    # d(-log s_y)/ds = -t / s; through the softmax's backward this becomes s - t.
    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5)
    s = softmax(z)
    t = np.eye(4)[y]
    np.testing.assert_allclose(
        softmax_backward(-t / s, s), s - t, rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("k", [1, 2, 3, 8])
def test_jacobian_properties(k):
    rng = np.random.default_rng(k)
    s = softmax(rng.normal(scale=1.5, size=k))
    J = jacobian(s)
    # J agrees with torch.autograd's Jacobian of softmax
    J_torch = torch.autograd.functional.jacobian(
        lambda z: torch.softmax(z, dim=-1), torch.tensor(np.log(s))
    ).numpy()
    np.testing.assert_allclose(J, J_torch, rtol=1e-12, atol=1e-15)
    # symmetric; every row and every column sums to 0 (adding c to every logit changes nothing)
    np.testing.assert_allclose(J, J.T, atol=0)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)
    # diagonal s_i (1 - s_i) in [0, 1/4]; off-diagonal -s_i s_j <= 0; trace 1 - |s|^2
    assert np.all(np.diag(J) >= 0) and np.all(np.diag(J) <= 0.25)
    assert np.all(J[~np.eye(k, dtype=bool)] <= 0)
    assert np.trace(J) == pytest.approx(1 - s @ s, abs=1e-15)
    # positive semi-definite: v^T J v = sum_i s_i v_i^2 - (s . v)^2 >= 0 (a variance), all eigenvalues
    # in [0, max_i s_i]; singular, with the vector of ones in its null space, so rank exactly K - 1
    eigenvalues = np.linalg.eigvalsh(J)
    assert eigenvalues.min() > -1e-15 and eigenvalues.max() <= s.max() + 1e-15
    np.testing.assert_allclose(J @ np.ones(k), 0.0, atol=1e-15)
    assert np.linalg.matrix_rank(J) == k - 1
    v = rng.normal(size=k)
    assert v @ J @ v == pytest.approx(s @ v**2 - (s @ v) ** 2, rel=1e-12, abs=1e-15)


def test_jacobian_of_a_saturated_softmax_vanishes():
    # A one-hot output (a huge margin) passes no gradient back: J = diag(t) - t t^T = 0.
    s = softmax(np.array([[800.0, 0.0, -5.0]]))
    np.testing.assert_array_equal(
        softmax_backward(np.array([[1.0, -2.0, 3.0]]), s), 0.0
    )


def test_bad_inputs_are_refused_with_clear_messages():
    probs = softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    dout = np.ones((2, 3))
    with pytest.raises(
        ValueError,
        match=r"dout and probs must have the same shape.*\(2, 2\) and \(2, 3\)",
    ):
        softmax_backward(np.ones((2, 2)), probs)
    with pytest.raises(
        ValueError,
        match=r"probs must sum to 1 along axis 1.*not its input \(the logits\)",
    ):
        softmax_backward(dout, np.full((2, 3), 0.2))
    with pytest.raises(ValueError, match=r"probs must hold probabilities in \[0, 1\]"):
        softmax_backward(dout, np.array([[2.0, -1.0, 0.0], [0.5, 0.5, 0.0]]))
    with pytest.raises(
        TypeError, match=r"dout must be a NumPy array, got a torch.Tensor"
    ):
        softmax_backward(torch.ones(2, 3, dtype=torch.float64), probs)
    with pytest.raises(
        TypeError, match=r"dout must hold floating-point numbers, got dtype int64"
    ):
        softmax_backward(np.ones((2, 3), dtype=np.int64), probs)
    with pytest.raises(
        TypeError, match=r"dout must have the dtype of probs, float64, got float32"
    ):
        softmax_backward(dout.astype(np.float32), probs)
    with pytest.raises(ValueError, match=r"dout must be finite"):
        softmax_backward(np.array([[np.nan, 0.0, 0.0], [0.0, 0.0, 0.0]]), probs)
    with pytest.raises(
        ValueError,
        match=r"axis must be in -2..1 for an array of 2 dimension\(s\), got 2",
    ):
        softmax_backward(dout, probs, axis=2)
    with pytest.raises(TypeError, match=r"axis must be an integer, got 1.0"):
        softmax_backward(dout, probs, axis=1.0)
    with pytest.raises(TypeError, match=r"probs must be a NumPy array, got list"):
        softmax_backward(dout, probs.tolist())


def test_softmax_layer_errors():
    with pytest.raises(TypeError, match=r"dim must be an integer axis, got None"):
        Softmax(dim=None)
    layer = Softmax()
    with pytest.raises(
        RuntimeError, match=r"Softmax\(dim=-1\): backward was called before forward"
    ):
        layer.backward(np.ones((2, 3)))
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout and probs must have the same shape"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"axis must be in -2..1 .* got 2"):
        Softmax(dim=2)(np.zeros((2, 3)))
    with pytest.raises(
        TypeError, match=r"x must be a NumPy array, got Tensor; use torch.nn.Softmax"
    ):
        Softmax()(torch.zeros(2, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"x must hold floating-point numbers"):
        Softmax()(np.zeros((2, 3), dtype=np.int64))
    assert repr(Softmax(dim=0)) == "Softmax(dim=0)" and Softmax().parameters() == {}
