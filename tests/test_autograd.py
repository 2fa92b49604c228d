"""The NumPy autograd engine against torch.autograd and finite differences."""

import numpy as np
import pytest
import torch

from helpers.gradcheck import numerical_gradient, relative_error
from helpers.numpy_nn.autograd import Tensor, topological_order, unbroadcast

# Each expression is written once and evaluated on both engines: `ops` is either the
# NumPy Tensor world or torch, through the same small vocabulary.
EXPRESSIONS = {
    "add_broadcast": (lambda a, b: (a + b).sum(), [(3, 4), (4,)]),
    "mul_broadcast_column": (lambda a, b: (a * b).mean(), [(3, 4), (3, 1)]),
    "sub_div": (lambda a, b: ((a - b) / (b * b + 1.0)).sum(), [(2, 5), (2, 5)]),
    "matmul": (lambda a, b: (a @ b).sum(), [(3, 4), (4, 2)]),
    "matmul_vector": (lambda a, b: (a @ b).sum(), [(3, 4), (4,)]),
    "matmul_batch_of_one": (lambda a, b: ((a @ b).relu()).sum(), [(1, 7), (7, 5)]),
    "sum_axis": (lambda a, b: (a.sum(axis=0) * b).sum(), [(5, 3), (3,)]),
    "mean_axis_keepdims": (
        lambda a, b: (a - a.mean(axis=1, keepdims=True)).__pow__(2).sum() + b.sum(),
        [(4, 3), (1,)],
    ),
    "exp_log": (lambda a, b: ((a.exp() + 1.0).log() * b).sum(), [(3, 3), (3, 3)]),
    "relu_tanh_sigmoid": (
        lambda a, b: (a.relu() + a.tanh() * b.sigmoid()).sum(),
        [(6,), (6,)],
    ),
    "reuse_of_a_node": (lambda a, b: ((a * a) + a * b + a).sum(), [(2, 3), (2, 3)]),
    "transpose": (lambda a, b: (a.T @ b).sum(), [(4, 3), (4, 2)]),
    "mlp_layer": (
        lambda a, b: ((a @ b).tanh() @ b.T).sigmoid().mean(),
        [(5, 3), (3, 4)],
    ),
    "scalar_ops": (
        lambda a, b: (2.0 * a - 1.0 + 3.0 / (b * b + 1.0)).sum(),
        [(3,), (3,)],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_values_and_gradients_match_torch_autograd(name):
    expression, shapes = EXPRESSIONS[name]
    rng = np.random.default_rng(len(name))
    arrays = [rng.normal(size=s) for s in shapes]
    ours = [Tensor(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, out_t = expression(*ours), expression(*theirs)
    out.backward()
    out_t.backward()
    assert out.data == pytest.approx(out_t.item(), rel=1e-12)
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["matmul", "exp_log", "mlp_layer", "reuse_of_a_node"])
def test_gradients_match_finite_differences(name):
    expression, shapes = EXPRESSIONS[name]
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s) for s in shapes]
    tensors = [Tensor(a) for a in arrays]
    expression(*tensors).backward()
    for i, array in enumerate(arrays):
        f = lambda: float(expression(*[Tensor(a) for a in arrays]).data)  # noqa: E731
        assert relative_error(tensors[i].grad, numerical_gradient(f, array)) < 1e-7


def test_gradients_accumulate_in_leaves_and_can_be_reset():
    x = Tensor(np.array([1.0, 2.0]))
    y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
    y.backward()  # a second pass adds, as in PyTorch
    np.testing.assert_allclose(x.grad, [4.0, 8.0])
    x.zero_grad()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_intermediate_gradients_do_not_pile_up_across_calls():
    x = Tensor(np.array([0.5, -1.0]))
    h = x.tanh()
    out = (h * h).sum()
    out.backward()
    first = h.grad.copy()
    out.backward()
    np.testing.assert_allclose(h.grad, first)


def test_topological_order_puts_inputs_first_and_handles_deep_graphs():
    x = Tensor(1.0)
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y * 1.0001
    order = topological_order(y)
    position = {id(node): i for i, node in enumerate(order)}
    assert (
        order[-1] is y and len(order) == 5001 + 5000
    )  # each * also creates a constant leaf
    for node in order:  # every node comes after its inputs
        assert all(
            position[id(parent)] < position[id(node)] for parent in node._parents
        )
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_unbroadcast_sums_stretched_axes():
    g = np.ones((4, 3))
    assert unbroadcast(g, (3,)).tolist() == [4.0, 4.0, 4.0]
    assert unbroadcast(g, (4, 1)).shape == (4, 1)
    assert unbroadcast(g, (1, 1))[0, 0] == 12.0


def test_errors_are_clear():
    with pytest.raises(
        ValueError,
        match=r"backward\(\) without a gradient needs a scalar.*shape \(2, 2\)",
    ):
        Tensor(np.ones((2, 2))).exp().backward()
    with pytest.raises(
        ValueError, match=r"matmul shapes do not fit: \(2, 3\) @ \(2, 3\)"
    ):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="log of non-positive values"):
        Tensor(np.array([1.0, -1.0])).log()
    with pytest.raises(
        ValueError, match=r"gradient must have this tensor's shape \(2,\), got \(3,\)"
    ):
        Tensor(np.ones(2)).exp().backward(np.ones(3))
    with pytest.raises(TypeError, match="constant number"):
        Tensor(1.0) ** Tensor(2.0)


def test_backward_with_an_explicit_gradient_matches_torch():
    rng = np.random.default_rng(2)
    a, g = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    t = Tensor(a)
    t.sigmoid().backward(g)
    tt = torch.tensor(a, requires_grad=True)
    torch.sigmoid(tt).backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)
