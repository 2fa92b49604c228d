"""Linear regression: the NumPy reference against PyTorch, finite differences and the closed form."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.checks import TrainingDivergedError
from helpers.gradcheck import check_gradient
from helpers.numpy_nn import linear_regression as nlr
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.losses import mse_loss, mse_loss_backward
from helpers.torch_nn import linear_regression as tlr
from helpers.torch_nn.losses import mse_loss as torch_mse_loss


def make_data(n=40, d=3, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = X @ w + 0.7 + noise * rng.normal(size=n)
    return X, y


def twin_models(d, seed=0):
    """A NumPy model and a float64 PyTorch model holding the same weights."""
    torch.manual_seed(seed)
    torch_model = tlr.LinearRegression(d, dtype=torch.float64)
    numpy_model = nlr.LinearRegression(d)
    numpy_model.load_state_dict(torch_model.state_dict())
    return numpy_model, torch_model


# --- the Linear layer -------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, d_in, d_out", [(1, 1, 1), (1, 4, 3), (7, 5, 2), (13, 1, 6)]
)
def test_linear_matches_torch_values_and_gradients(n, d_in, d_out):
    rng = np.random.default_rng(n + d_in + d_out)
    layer = Linear(d_in, d_out, rng=rng)
    torch_layer = torch.nn.Linear(d_in, d_out, dtype=torch.float64)
    torch_layer.load_state_dict(
        {k: torch.tensor(v) for k, v in layer.state_dict().items()}
    )
    x = rng.normal(size=(n, d_in))
    dout = rng.normal(size=(n, d_out))

    out = layer(x)
    dx = layer.backward(dout)

    x_t = torch.tensor(x, requires_grad=True)
    out_t = torch_layer(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        layer.grads["weight"], torch_layer.weight.grad.numpy(), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        layer.grads["bias"], torch_layer.bias.grad.numpy(), rtol=1e-12, atol=1e-12
    )


def test_linear_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=rng)
    x = rng.normal(size=(5, 4))
    dout = rng.normal(size=(5, 3))
    loss = lambda: float(np.sum(layer.forward(x) * dout))  # noqa: E731  (d loss / d out = dout)
    layer.forward(x)
    dx = layer.backward(dout)
    grads = dict(layer.grads)
    assert check_gradient(loss, layer.weight, grads["weight"], name="weight") < 1e-8
    assert check_gradient(loss, layer.bias, grads["bias"], name="bias") < 1e-8
    assert check_gradient(loss, x, dx, name="x") < 1e-8


def test_linear_initialisation_follows_pytorch_bound_and_shapes():
    layer = Linear(16, 4)
    assert layer.weight.shape == (4, 16) and layer.bias.shape == (4,)
    assert np.abs(layer.weight).max() <= 1 / 4 and np.abs(layer.weight).max() > 0.15
    assert Linear(3, 2, bias=False).bias is None


def test_linear_errors_name_the_layer_and_shapes():
    layer = Linear(3, 2)
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(
        ValueError, match=r"expects input of shape \(N, 3\), got shape \(4, 5\)"
    ):
        layer(np.ones((4, 5)))
    layer(np.ones((4, 3)))
    with pytest.raises(
        ValueError, match=r"dout must have the output's shape \(4, 2\), got \(4, 3\)"
    ):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(KeyError, match="exactly the keys"):
        layer.load_state_dict({"weight": np.ones((2, 3))})
    with pytest.raises(
        ValueError, match=r"weight must have shape \(2, 3\), got \(3, 2\)"
    ):
        layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(2)})
    with pytest.raises(
        ValueError, match="in_features must be a positive integer, got 0"
    ):
        Linear(0, 2)


# --- the loss -------------------------------------------------------------------------------


def test_mse_loss_and_gradient_match_torch_and_finite_differences():
    rng = np.random.default_rng(2)
    pred, target = rng.normal(size=11), rng.normal(size=11)
    pred_t = torch.tensor(pred, requires_grad=True)
    loss_t = F.mse_loss(pred_t, torch.tensor(target))
    loss_t.backward()
    assert mse_loss(pred, target) == pytest.approx(loss_t.item(), rel=1e-13)
    np.testing.assert_allclose(
        mse_loss_backward(pred, target), pred_t.grad.numpy(), rtol=1e-12
    )
    assert (
        check_gradient(
            lambda: mse_loss(pred, target), pred, mse_loss_backward(pred, target)
        )
        < 1e-8
    )


def test_mse_loss_by_hand():
    # residuals 1, -2, 0.5 -> squares 1, 4, 0.25 -> mean 1.75
    assert mse_loss(
        np.array([2.0, 0.0, 3.5]), np.array([1.0, 2.0, 3.0])
    ) == pytest.approx(1.75)


def test_mse_refuses_shapes_that_would_broadcast():
    with pytest.raises(
        ValueError,
        match=r"pred and target must have the same shape, got \(5, 1\) and \(5,\)",
    ):
        mse_loss(np.ones((5, 1)), np.ones(5))
    with pytest.raises(ValueError, match="same shape"):
        torch_mse_loss(torch.ones(5, 1), torch.ones(5))
    with pytest.raises(ValueError, match="finite"):
        mse_loss(np.array([1.0, np.nan]), np.ones(2))


# --- the model's gradient: analytic = finite differences = autograd = backward ---------------


@pytest.mark.parametrize("n, d", [(1, 1), (1, 4), (9, 1), (25, 3)])
def test_mse_gradient_three_ways(n, d):
    X, y = make_data(n, d, seed=n * 10 + d)
    model, torch_model = twin_models(d)
    grads = nlr.mse_gradient(model, X, y)
    torch_grads = tlr.mse_gradient(torch_model, torch.tensor(X), torch.tensor(y))
    loss = lambda: mse_loss(model(X), y)  # noqa: E731
    for name in ("weight", "bias"):
        assert grads[name].shape == getattr(model, name).shape
        np.testing.assert_allclose(
            grads[name], torch_grads[name].numpy(), rtol=1e-10, atol=1e-12
        )
        assert check_gradient(loss, getattr(model, name), grads[name], name=name) < 1e-7
    # The chain rule through the layer's backward gives the same numbers as the formula.
    model.backward(mse_loss_backward(model(X), y))
    for name in ("weight", "bias"):
        np.testing.assert_allclose(
            model.grads[name], grads[name], rtol=1e-12, atol=1e-14
        )


def test_predictions_match_torch():
    X, _ = make_data(6, 4)
    model, torch_model = twin_models(4)
    np.testing.assert_allclose(
        model(X), torch_model(torch.tensor(X)).detach().numpy(), rtol=1e-13
    )
    assert model(X).shape == (6,)


# --- solving: closed form, gradient descent, SGD --------------------------------------------


def test_closed_form_matches_torch_and_scikit_learn():
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    X, y = make_data(60, 4)
    model = nlr.fit_closed_form(X, y)
    torch_model = tlr.fit_closed_form(torch.tensor(X), torch.tensor(y))
    reference = SkLinearRegression().fit(X, y)
    np.testing.assert_allclose(model.weight[0], reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(model.bias[0], reference.intercept_, rtol=1e-10)
    np.testing.assert_allclose(
        torch_model.weight.detach().numpy(), model.weight, rtol=1e-8
    )
    np.testing.assert_allclose(torch_model.bias.detach().numpy(), model.bias, rtol=1e-8)
    # At the optimum the gradient vanishes.
    grads = nlr.mse_gradient(model, X, y)
    assert np.abs(grads["weight"]).max() < 1e-12 and abs(grads["bias"][0]) < 1e-12


def test_closed_form_recovers_noiseless_weights_exactly():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 2))
    y = X @ np.array([1.5, -3.0]) + 2.0
    model = nlr.fit_closed_form(X, y)
    np.testing.assert_allclose(model.weight[0], [1.5, -3.0], atol=1e-12)
    np.testing.assert_allclose(model.bias, [2.0], atol=1e-12)


def test_gradient_descent_converges_to_the_closed_form():
    X, y = make_data(80, 3)
    best = nlr.fit_closed_form(X, y)
    model = nlr.LinearRegression(3)
    history = nlr.gradient_descent(model, X, y, lr=0.1, epochs=500)
    np.testing.assert_allclose(model.weight, best.weight, atol=1e-8)
    np.testing.assert_allclose(model.bias, best.bias, atol=1e-8)
    assert len(history["loss"]) == 501
    assert np.all(
        np.diff(history["loss"]) <= 1e-12
    )  # full-batch GD with a small step never goes up
    assert history["loss"][-1] == pytest.approx(mse_loss(best(X), y), rel=1e-10)


def test_numpy_and_torch_training_follow_the_same_trajectory():
    X, y = make_data(
        37, 2
    )  # 37 is not a multiple of the batch size: the last batch is short
    model, torch_model = twin_models(2)
    history = nlr.minibatch_sgd(
        model, X, y, lr=0.05, epochs=15, batch_size=8, seed=4, record_path=True
    )
    torch_history = tlr.minibatch_sgd(
        torch_model,
        torch.tensor(X),
        torch.tensor(y),
        lr=0.05,
        epochs=15,
        batch_size=8,
        seed=4,
        record_path=True,
    )
    np.testing.assert_allclose(
        history["batch_loss"], torch_history["batch_loss"], rtol=1e-10
    )
    np.testing.assert_allclose(
        history["weight_1"], torch_history["weight_1"], rtol=1e-10
    )
    np.testing.assert_allclose(
        model.weight, torch_model.weight.detach().numpy(), rtol=1e-10
    )
    assert len(history["batch_loss"]) == 15 * 5
    assert len(history["bias"]) == 15 * 5 + 1


def test_sgd_gets_close_to_the_optimum_and_is_repeatable():
    X, y = make_data(200, 2, noise=0.3)
    best_loss = mse_loss(nlr.fit_closed_form(X, y)(X), y)
    first, second = nlr.LinearRegression(2), nlr.LinearRegression(2)
    h1 = nlr.minibatch_sgd(first, X, y, lr=0.01, epochs=30, batch_size=1, seed=7)
    h2 = nlr.minibatch_sgd(second, X, y, lr=0.01, epochs=30, batch_size=1, seed=7)
    assert h1["loss"] == h2["loss"]
    assert h1["loss"][-1] < 1.1 * best_loss
    # Another seed visits the examples in another order and ends elsewhere.
    seed_7, seed_8 = nlr.LinearRegression(2), nlr.LinearRegression(2)
    nlr.minibatch_sgd(seed_7, X, y, lr=0.01, epochs=1, batch_size=1, seed=7)
    nlr.minibatch_sgd(seed_8, X, y, lr=0.01, epochs=1, batch_size=1, seed=8)
    assert not np.allclose(seed_7.weight, seed_8.weight, rtol=0, atol=1e-9)


def test_gradient_descent_in_torch_converges_on_the_chosen_device():
    X, y = make_data(50, 3)
    best = nlr.fit_closed_form(X, y)
    X_t, y_t = (
        torch.tensor(X, dtype=torch.float32),
        torch.tensor(y, dtype=torch.float32),
    )
    model = tlr.LinearRegression(3)
    tlr.gradient_descent(model, X_t, y_t, lr=0.1, epochs=400)
    np.testing.assert_allclose(model.weight.detach().numpy(), best.weight, atol=1e-4)


def test_mse_surface_agrees_with_the_model():
    X, y = make_data(10, 1)
    surface = nlr.mse_surface(
        X, y, weights=np.array([0.5, 1.0, 2.0]), biases=np.array([-1.0, 0.3])
    )
    assert surface.shape == (2, 3)
    model = nlr.LinearRegression(1)
    model.weight[:] = 2.0
    model.bias[:] = 0.3
    assert surface[1, 2] == pytest.approx(mse_loss(model(X), y))
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        nlr.mse_surface(*make_data(10, 2), [1.0], [1.0])


# --- bad input ------------------------------------------------------------------------------


def test_one_dimensional_X_is_refused_with_a_hint():
    X, y = make_data(10, 1)
    with pytest.raises(
        ValueError, match=r"X must be 2-D, got shape \(10,\).*reshape\(-1, 1\)"
    ):
        nlr.fit_closed_form(X[:, 0], y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        tlr.fit_closed_form(torch.tensor(X[:, 0]), torch.tensor(y))


def test_mismatched_lengths_non_finite_values_and_integer_data_are_refused():
    X, y = make_data(10, 2)
    with pytest.raises(ValueError, match=r"same number of rows.*\(10, 2\).*\(9,\)"):
        nlr.gradient_descent(nlr.LinearRegression(2), X, y[:9], lr=0.1, epochs=1)
    with pytest.raises(ValueError, match=r"y must be 1-D, got shape \(10, 1\)"):
        nlr.mse_gradient(nlr.LinearRegression(2), X, y[:, None])
    X_bad = X.copy()
    X_bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="X must be finite, got 1 nan or inf"):
        nlr.fit_closed_form(X_bad, y)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        nlr.fit_closed_form(X.astype(np.int64), y)
    with pytest.raises(ValueError, match=r"expects X of shape \(N, 2\), got \(10, 3\)"):
        tlr.LinearRegression(2)(torch.ones(10, 3))


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
def test_bad_learning_rates_are_refused(lr):
    X, y = make_data(10, 2)
    with pytest.raises(ValueError, match="lr must be positive"):
        nlr.gradient_descent(nlr.LinearRegression(2), X, y, lr=lr, epochs=1)


def test_divergence_is_reported_not_returned_as_nan():
    X, y = make_data(30, 2)
    model = nlr.LinearRegression(2)
    with pytest.raises(
        TrainingDivergedError, match="diverged.*learning rate 5.*smaller"
    ) as caught:
        nlr.gradient_descent(model, X, y, lr=5.0, epochs=1000)
    history = caught.value.history
    assert 2 <= len(history["loss"]) < 1000 and history["loss"][-1] > history["loss"][0]
    torch_model = tlr.LinearRegression(2, dtype=torch.float64)
    with pytest.raises(TrainingDivergedError, match="diverged"):
        tlr.minibatch_sgd(
            torch_model,
            torch.tensor(X),
            torch.tensor(y),
            lr=5.0,
            epochs=1000,
            batch_size=4,
        )
