"""Logistic and softmax regression: stable functions, losses, gradients three ways, training, bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.gradcheck import check_gradient
from helpers.numpy_nn import activations as nact
from helpers.numpy_nn import logistic_regression as nlog
from helpers.numpy_nn import losses as nloss
from helpers.numpy_nn import softmax_regression as nsoft
from helpers.torch_nn import activations as tact
from helpers.torch_nn import logistic_regression as tlog
from helpers.torch_nn import losses as tloss
from helpers.torch_nn import softmax_regression as tsoft

EXTREME = np.array([-1000.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1000.0])


# --- stable activations ---------------------------------------------------------------------


def test_sigmoid_and_softmax_match_torch_and_stay_finite_on_extreme_logits():
    np.testing.assert_allclose(
        nact.sigmoid(EXTREME), torch.sigmoid(torch.tensor(EXTREME)).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        nact.log_sigmoid(EXTREME),
        F.logsigmoid(torch.tensor(EXTREME)).numpy(),
        rtol=1e-12,
    )
    Z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-800.0, -800.0, -800.0]])
    P = nact.softmax(Z)
    assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        P, torch.softmax(torch.tensor(Z), dim=1).numpy(), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        nact.log_softmax(Z), torch.log_softmax(torch.tensor(Z), 1).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        nact.logsumexp(Z), torch.logsumexp(torch.tensor(Z), 1).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        tact.softmax(torch.tensor(Z)).numpy(), P, rtol=1e-12, atol=1e-300
    )


def test_naive_formulas_do_overflow_which_is_why_the_stable_ones_exist():
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive_softmax = np.exp(EXTREME) / np.exp(EXTREME).sum()
        naive_bce = -np.log(1 / (1 + np.exp(-EXTREME)))
    assert not np.all(np.isfinite(naive_softmax)) and not np.all(np.isfinite(naive_bce))
    assert np.isfinite(
        nloss.binary_cross_entropy_with_logits(EXTREME, np.ones_like(EXTREME))
    )


# --- losses: values against torch, gradients against torch and finite differences ------------


@pytest.mark.parametrize("n", [1, 2, 9])
def test_bce_with_logits_value_and_gradient_three_ways(n):
    rng = np.random.default_rng(n)
    z, t = rng.normal(scale=3, size=n), rng.integers(0, 2, size=n).astype(float)
    z_t = torch.tensor(z, requires_grad=True)
    loss_t = F.binary_cross_entropy_with_logits(z_t, torch.tensor(t))
    loss_t.backward()
    assert nloss.binary_cross_entropy_with_logits(z, t) == pytest.approx(
        loss_t.item(), rel=1e-12
    )
    grad = nloss.binary_cross_entropy_with_logits_backward(z, t)
    np.testing.assert_allclose(grad, z_t.grad.numpy(), rtol=1e-10)
    assert (
        check_gradient(lambda: nloss.binary_cross_entropy_with_logits(z, t), z, grad)
        < 1e-7
    )


def test_bce_with_logits_on_extreme_logits_matches_torch_exactly():
    for target in (0.0, 1.0):
        t = np.full_like(EXTREME, target)
        expected = F.binary_cross_entropy_with_logits(
            torch.tensor(EXTREME), torch.tensor(t)
        ).item()
        assert nloss.binary_cross_entropy_with_logits(EXTREME, t) == pytest.approx(
            expected, rel=1e-12
        )
        grad = nloss.binary_cross_entropy_with_logits_backward(EXTREME, t)
        assert np.all(np.isfinite(grad))


def test_bce_from_probabilities_clamps_like_torch():
    p = np.array([0.0, 1e-12, 0.3, 1.0])
    t = np.array([1.0, 1.0, 0.0, 0.0])
    expected = F.binary_cross_entropy(torch.tensor(p), torch.tensor(t)).item()
    assert nloss.binary_cross_entropy(p, t) == pytest.approx(expected, rel=1e-12)
    assert tloss.binary_cross_entropy(
        torch.tensor(p), torch.tensor(t)
    ).item() == pytest.approx(expected)


@pytest.mark.parametrize("n, k", [(1, 2), (5, 3), (8, 10)])
def test_cross_entropy_index_and_one_hot_targets_three_ways(n, k):
    rng = np.random.default_rng(n * k)
    Z, y = rng.normal(scale=2, size=(n, k)), rng.integers(0, k, size=n)
    Z_t = torch.tensor(Z, requires_grad=True)
    loss_t = F.cross_entropy(Z_t, torch.tensor(y))
    loss_t.backward()
    T = nloss.one_hot(y, k)
    assert nloss.cross_entropy(Z, y) == pytest.approx(loss_t.item(), rel=1e-12)
    assert nloss.cross_entropy(Z, T) == pytest.approx(loss_t.item(), rel=1e-12)
    grad = nloss.cross_entropy_backward(Z, y)
    np.testing.assert_allclose(
        grad, nact.softmax(Z) / n - T / n, rtol=1e-12
    )  # softmax - onehot
    np.testing.assert_allclose(grad, Z_t.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert check_gradient(lambda: nloss.cross_entropy(Z, y), Z, grad) < 1e-7
    assert tloss.cross_entropy(
        torch.tensor(Z), torch.tensor(y)
    ).item() == pytest.approx(loss_t.item())
    assert tloss.cross_entropy(
        torch.tensor(Z), torch.tensor(T)
    ).item() == pytest.approx(loss_t.item())


def test_cross_entropy_is_finite_for_huge_logits():
    Z = np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 5000.0]])
    y = np.array([1, 2])
    loss = nloss.cross_entropy(Z, y)
    assert np.isfinite(loss) and loss == pytest.approx(
        F.cross_entropy(torch.tensor(Z), torch.tensor(y)).item()
    )


# --- the models: gradients three ways, training, parity --------------------------------------


def _binary_data(n=60, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    return X, y


def _multiclass_data(n=90, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = 2.5 * rng.normal(size=(k, d))
    y = rng.integers(0, k, size=n)
    return centres[y] + rng.normal(size=(n, d)), y


@pytest.mark.parametrize("n, d", [(1, 1), (7, 3), (40, 2)])
def test_logistic_gradient_three_ways(n, d):
    X, y = _binary_data(n, d, seed=n)
    torch.manual_seed(0)
    torch_model = tlog.LogisticRegression(d, dtype=torch.float64)
    model = nlog.LogisticRegression(d)
    model.load_state_dict(torch_model.state_dict())
    grads = nlog.bce_gradient(model, X, y)
    torch_grads = tlog.bce_gradient(torch_model, torch.tensor(X), torch.tensor(y))
    loss = lambda: nloss.binary_cross_entropy_with_logits(model(X), y)  # noqa: E731
    for name in ("weight", "bias"):
        np.testing.assert_allclose(
            grads[name], torch_grads[name].numpy(), rtol=1e-10, atol=1e-14
        )
        assert check_gradient(loss, getattr(model, name), grads[name], name=name) < 1e-7


@pytest.mark.parametrize("n, d, k", [(1, 2, 2), (6, 3, 4), (30, 5, 10)])
def test_softmax_gradient_three_ways(n, d, k):
    rng = np.random.default_rng(n)
    X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
    torch.manual_seed(1)
    torch_model = tsoft.SoftmaxRegression(d, k, dtype=torch.float64)
    model = nsoft.SoftmaxRegression(d, k)
    model.load_state_dict(torch_model.state_dict())
    np.testing.assert_allclose(
        model(X), torch_model(torch.tensor(X)).detach().numpy(), rtol=1e-12
    )
    grads = nsoft.cross_entropy_gradient(model, X, y)
    torch_grads = tsoft.cross_entropy_gradient(
        torch_model, torch.tensor(X), torch.tensor(y)
    )
    loss = lambda: nloss.cross_entropy(model(X), y)  # noqa: E731
    for name in ("weight", "bias"):
        assert grads[name].shape == getattr(model, name).shape
        np.testing.assert_allclose(
            grads[name], torch_grads[name].numpy(), rtol=1e-10, atol=1e-14
        )
        assert check_gradient(loss, getattr(model, name), grads[name], name=name) < 1e-7


def test_logistic_training_separates_classes_and_matches_torch_step_for_step():
    X, y = _binary_data(80, 2)
    torch.manual_seed(0)
    torch_model = tlog.LogisticRegression(2, dtype=torch.float64)
    model = nlog.LogisticRegression(2)
    model.load_state_dict(torch_model.state_dict())
    history = nlog.minibatch_sgd(model, X, y, lr=0.5, epochs=30, batch_size=16, seed=3)
    torch_history = tlog.minibatch_sgd(
        torch_model,
        torch.tensor(X),
        torch.tensor(y),
        lr=0.5,
        epochs=30,
        batch_size=16,
        seed=3,
    )
    np.testing.assert_allclose(
        history["batch_loss"], torch_history["batch_loss"], rtol=1e-9
    )
    np.testing.assert_allclose(history["accuracy"], torch_history["accuracy"])
    from sklearn.linear_model import LogisticRegression as SkLogistic

    reference = (
        SkLogistic(C=1e6).fit(X, y).score(X, y)
    )  # the best a linear boundary does here
    assert (
        history.last("accuracy") >= reference - 0.05
        and history["loss"][-1] < 0.6 * history["loss"][0]
    )
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert np.all(model.predict(X, threshold=0.0) == 1)


def test_softmax_training_learns_separated_clusters_and_matches_torch():
    X, y = _multiclass_data()
    torch.manual_seed(0)
    torch_model = tsoft.SoftmaxRegression(4, 3, dtype=torch.float64)
    model = nsoft.SoftmaxRegression(4, 3)
    model.load_state_dict(torch_model.state_dict())
    history = nsoft.minibatch_sgd(model, X, y, lr=0.2, epochs=20, batch_size=10)
    torch_history = tsoft.minibatch_sgd(
        torch_model, torch.tensor(X), torch.tensor(y), lr=0.2, epochs=20, batch_size=10
    )
    np.testing.assert_allclose(history["loss"], torch_history["loss"], rtol=1e-9)
    assert history.last("accuracy") > 0.9
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


# --- bad input --------------------------------------------------------------------------------


def test_labels_outside_the_classes_or_not_integers_are_refused():
    Z = np.zeros((3, 4))
    with pytest.raises(
        ValueError, match="labels in 0..3 for 4 classes, got the label 4"
    ):
        nloss.cross_entropy(Z, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match="got the label -1"):
        tloss.cross_entropy(torch.zeros(3, 4), torch.tensor([0, -1, 2]))
    with pytest.raises(
        TypeError, match=r"integer class labels.*float64.*astype\(int\)"
    ):
        nloss.cross_entropy(Z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"one label per row.*\(3, 4\).*\(2,\)"):
        nloss.cross_entropy(Z, np.array([0, 1]))
    with pytest.raises(ValueError, match="sum to 1"):
        nloss.cross_entropy(Z, np.full((3, 4), 0.5))
    model = nsoft.SoftmaxRegression(2, 3)
    with pytest.raises(
        ValueError, match="labels in 0..2 for 3 classes, got the label 7"
    ):
        nsoft.cross_entropy_gradient(model, np.zeros((2, 2)), np.array([0, 7]))


def test_probabilities_outside_zero_one_and_non_binary_targets_are_refused():
    with pytest.raises(
        ValueError,
        match=r"probs must hold probabilities in \[0, 1\], got values from -0.1 to 2.*logits",
    ):
        nloss.binary_cross_entropy(np.array([-0.1, 2.0]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="probabilities"):
        tloss.binary_cross_entropy(torch.tensor([0.5, 1.5]), torch.tensor([0.0, 1.0]))
    with pytest.raises(
        ValueError, match=r"binary labels 0 and 1, got other values such as \[2\]"
    ):
        nlog.bce_gradient(
            nlog.LogisticRegression(1), np.zeros((3, 1)), np.array([0, 1, 2])
        )
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(3, 1\)"):
        nloss.binary_cross_entropy_with_logits(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="threshold must be a probability"):
        nlog.LogisticRegression(1).predict(np.zeros((2, 1)), threshold=1.5)


def test_a_single_class_cannot_be_learned():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match=r"y holds a single class \(\[1\]\)"):
        nlog.gradient_descent(
            nlog.LogisticRegression(2), X, np.ones(10, dtype=int), lr=0.1, epochs=5
        )
    with pytest.raises(ValueError, match="single class"):
        tlog.gradient_descent(
            tlog.LogisticRegression(2, dtype=torch.float64),
            torch.tensor(X),
            torch.ones(10, dtype=torch.long),
            lr=0.1,
            epochs=5,
        )
    with pytest.raises(ValueError, match="single class"):
        nsoft.minibatch_sgd(
            nsoft.SoftmaxRegression(2, 3),
            X,
            np.full(10, 2),
            lr=0.1,
            epochs=1,
            batch_size=5,
        )


def test_shape_mismatches_are_refused():
    with pytest.raises(ValueError, match=r"same number of rows.*\(5, 2\).*\(4,\)"):
        nlog.bce_gradient(
            nlog.LogisticRegression(2), np.zeros((5, 2)), np.array([0, 1, 0, 1])
        )
    with pytest.raises(
        ValueError, match=r"expects input of shape \(N, 3\), got shape \(5, 2\)"
    ):
        nsoft.SoftmaxRegression(3, 4)(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"expects X of shape \(N, 3\)"):
        tlog.LogisticRegression(3)(torch.zeros(5, 2))
