"""helpers.numpy_nn.embedding: equal to torch.nn.Embedding, to finite differences and to
a one-hot matrix product; repeated ids add their gradients."""

import numpy as np
import pytest
import torch

from helpers.gradcheck import check_gradient
from helpers.numpy_nn.embedding import Embedding


@pytest.mark.parametrize("shape", [(1, 1), (2, 5), (4, 7), (9,)])
def test_embedding_equals_torch_with_repeated_ids(shape):
    rng = np.random.default_rng(len(shape) * 10 + shape[0])
    layer = Embedding(6, 3, rng=0)
    twin = torch.nn.Embedding(6, 3, dtype=torch.float64)
    twin.load_state_dict({"weight": torch.tensor(layer.weight)})
    x = rng.integers(0, 6, size=shape)
    x.flat[0] = x.flat[-1]  # at least one repeat when there are two positions
    out = layer.forward(x)
    assert out.shape == shape + (3,)
    out_t = twin(torch.tensor(x))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    dout = rng.normal(size=out.shape)
    assert layer.backward(dout) is None  # integer ids have no gradient
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(
        layer.grads["weight"], twin.weight.grad.numpy(), rtol=1e-12, atol=1e-15
    )


def test_embedding_backward_equals_finite_differences_and_one_hot_product():
    layer = Embedding(5, 4, rng=1)
    x = np.array([[0, 3, 3], [3, 1, 0]])
    dout = np.random.default_rng(1).normal(size=(2, 3, 4))
    layer.forward(x)
    layer.backward(dout)
    grad = layer.grads["weight"]

    def loss():
        return float(np.sum(layer.forward(x) * dout))

    assert check_gradient(loss, layer.weight, grad, name="weight") < 1e-8
    one_hot = np.eye(5)[x]  # (N, T, V)
    np.testing.assert_allclose(layer.forward(x), one_hot @ layer.weight, rtol=1e-14)
    np.testing.assert_allclose(
        grad, np.einsum("ntv,ntd->vd", one_hot, dout), rtol=1e-12
    )
    np.testing.assert_array_equal(grad[[2, 4]], 0.0)  # ids never used: no gradient
    naive = np.zeros_like(layer.weight)
    naive[x] += dout  # keeps one of the repeats only
    assert not np.allclose(naive[3], grad[3])


def test_embedding_init_and_state():
    layer = Embedding(2000, 16, rng=0)
    assert layer.weight.shape == (2000, 16) and layer.weight.dtype == np.float64
    assert layer.weight.mean() == pytest.approx(0.0, abs=0.02)
    assert layer.weight.std() == pytest.approx(1.0, rel=0.02)  # N(0, 1), as torch
    assert Embedding(3, 2, dtype=np.float32).weight.dtype == np.float32
    assert (
        list(layer.parameters()) == ["weight"] and repr(layer) == "Embedding(2000, 16)"
    )


def test_embedding_errors():
    layer = Embedding(5, 2)
    with pytest.raises(
        ValueError,
        match=r"x must hold ids in 0..4 for num_embeddings=5, "
        r"got 5 at position \(1, 0\)",
    ):
        layer.forward(np.array([[0, 1], [5, 2]]))
    with pytest.raises(
        ValueError, match=r"x must hold ids in 0..4 .* got -1 at position \(0,\)"
    ):
        layer.forward(np.array([-1, 2]))
    with pytest.raises(TypeError, match="x must hold integers, got dtype float64"):
        layer.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        Embedding(5, 2).backward(np.zeros((1, 2, 2)))
    layer.forward(np.array([[0, 1]]))
    with pytest.raises(
        ValueError, match=r"dout must have the output's shape \(1, 2, 2\), got \(2, 2\)"
    ):
        layer.backward(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        Embedding(0, 2)
