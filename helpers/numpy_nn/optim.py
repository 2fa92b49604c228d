"""Optimisers for the NumPy models: plain minibatch SGD, then the classes of ``torch.optim``.

    for each epoch:
        shuffle the examples and cut them into batches
        for each batch:  parameters <- parameters - lr * gradient of the batch loss

The model-specific modules (``linear_regression``, ``logistic_regression``,
``softmax_regression``) call ``minibatch_sgd`` with their own loss and gradient.

The classes ``SGD`` (with momentum and Nesterov), ``RMSprop``, ``Adam`` and ``AdamW``
have the names, arguments, defaults, ``param_groups``, ``state`` and ``state_dict`` of
their ``torch.optim`` twins and follow the same trajectory step for step (the tests run
100 steps in float64 against torch). Each class's docstring gives its update rule.
Where torch takes gradients from ``param.grad``, these take them as an argument:

    net = mlp([2, 16, 2])
    optimizer = Adam(net.parameters(), lr=1e-3)
    for step in range(steps):
        loss = loss_layer(net.forward(x), y)
        net.backward(loss_layer.backward())
        optimizer.step(net.grads)        # updates net's arrays in place
"""

import difflib
import math
from numbers import Real

import numpy as np

from helpers.checks import check_array, check_positive, check_same_length
from helpers.train import History, batch_indices, check_not_diverged


def sgd_step(parameters, grads, lr):
    """Update each array in ``parameters`` in place: ``p -= lr * grads[name]``.

    parameters, grads: dicts of arrays with the same names and shapes.
    """
    lr = check_positive(lr, "lr")
    if set(grads) != set(parameters):
        raise KeyError(
            f"grads must have exactly the parameters' names {sorted(parameters)}, got {sorted(grads)}"
        )
    for name, value in parameters.items():
        check_array(grads[name], f"the gradient of {name}", framework="numpy")
        if grads[name].shape != value.shape:
            raise ValueError(
                f"gradient of {name} has shape {grads[name].shape}, "
                f"but the parameter has shape {value.shape}"
            )
        value -= lr * grads[name]


def minibatch_sgd(
    model,
    X,
    y,
    loss_fn,
    gradient_fn,
    lr,
    epochs,
    batch_size,
    seed=0,
    record_path=False,
    metrics=None,
    lower_bound=None,
):
    """Train ``model`` in place; return a ``History``.

    Args:
        model: a NumPy model with ``parameters()`` (a dict of arrays).
        X: (N, ...) inputs; y: (N, ...) targets.
        loss_fn: ``loss_fn(model, X, y) -> float``.
        gradient_fn: ``gradient_fn(model, X, y) -> {name: array}``, the gradient of loss_fn.
        lr: the learning rate; epochs: passes over the data; batch_size: examples per step
            (``len(X)`` gives full-batch gradient descent, 1 gives classic SGD).
        seed: seeds the shuffling, so the same call gives the same result.
        record_path: also log every parameter entry of a small model after every step
            (``"bias"``, ``"weight_0"``, ...), to draw its path on a loss surface.
        metrics: ``{name: fn(model, X, y) -> float}`` logged on the whole set each epoch.
        lower_bound: the smallest value the loss can take (0 for MSE and cross-entropy), or
            None; a batch or epoch loss below it stops training with ``LossBelowBoundError``.

    Returns:
        a ``History`` with ``"loss"`` (and each metric) before training and after each
        epoch (epochs + 1 values), and ``"batch_loss"`` for every step.

    Raises:
        TrainingDivergedError: the loss became non-finite or exploded; its ``history``
            holds the curve so far.
        LossBelowBoundError: the loss fell below ``lower_bound`` (a subclass of the above).
    """
    check_array(X, "X", dtype=None, framework="numpy")
    check_array(y, "y", dtype=None, framework="numpy")
    check_same_length(X, "X", y, "y")
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    batch_size = min(check_positive(batch_size, "batch_size", integer=True), len(X))
    rng = np.random.default_rng(seed)
    history = History()

    def log_epoch():
        history.log(
            loss=loss_fn(model, X, y),
            **{name: fn(model, X, y) for name, fn in (metrics or {}).items()},
        )

    log_epoch()
    initial_loss = history["loss"][0]
    check_not_diverged(initial_loss, initial_loss, 0, lr, history, lower_bound)
    if record_path:
        log_parameters(history, model)
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in batch_indices(len(X), batch_size, rng):
            step += 1
            batch_loss = loss_fn(model, X[batch], y[batch])
            sgd_step(model.parameters(), gradient_fn(model, X[batch], y[batch]), lr)
            history.log(batch_loss=batch_loss)
            check_not_diverged(batch_loss, initial_loss, step, lr, history, lower_bound)
            if record_path:
                log_parameters(history, model)
        log_epoch()
        check_not_diverged(
            history.last("loss"),
            initial_loss,
            f"{step} (end of epoch {epoch})",
            lr,
            history,
            lower_bound,
        )
    return history


def log_parameters(history, model):
    """Log ``bias`` and ``weight_0``, ``weight_1``, ... of a one-output model."""
    history.log(
        bias=model.bias[0], **{f"weight_{i}": w for i, w in enumerate(model.weight[0])}
    )


# ------------------------------------------------------- optimisers as in torch.optim


class Optimizer:
    """What every optimiser below shares: parameters, state and hyperparameters.

    Args:
        params: the arrays to train, updated IN PLACE: a dict ``{name: array}`` (what
            ``model.parameters()`` returns) or a list of arrays.
        defaults: the hyperparameters, ``{"lr": ..., ...}``.

    Attributes:
        param_groups: a list with one dict holding the hyperparameters (``"lr"``, ...)
            and ``"params"``, the parameters' names (or list positions). A learning-rate
            scheduler changes ``param_groups[0]["lr"]``; ``step`` reads it every time.
        state: per parameter name (or position), a dict of what the method carries from
            step to step (``"momentum_buffer"``, ``"exp_avg"``, ``"exp_avg_sq"``,
            ``"step"``, ...), with torch's names. Empty until the first ``step``.
        step_count: how many times ``step`` has run (a scheduler checks it is not
            stepped before the optimiser).

    Subclasses write ``_update(param, grad, state, group)``: one parameter's update.
    """

    def __init__(self, params, defaults):
        self._params = _check_params(params)
        self._names_are_keys = isinstance(params, dict)
        self.defaults = dict(defaults)
        self.param_groups = [dict(defaults, params=list(self._params))]
        self.state = {key: {} for key in self._params}
        self.step_count = 0

    def step(self, grads):
        """Update every parameter in place from its gradient.

        grads: the same structure as ``params``: a dict with the same names (e.g. a
            model's ``grads`` after ``backward``) or a list in the same order, each
            array of its parameter's shape.
        """
        grads = self._check_grads(grads)
        group = self.param_groups[0]
        for key, param in self._params.items():
            self._update(param, grads[key], self.state[key], group)
        self.step_count += 1

    def _update(self, param, grad, state, group):
        raise NotImplementedError

    def _label(self, key, what):
        """``params['0.weight']`` for a dict of parameters, ``params[0]`` for a list."""
        return f"{what}[{key!r}]" if self._names_are_keys else f"{what}[{key}]"

    def _check_grads(self, grads):
        if self._names_are_keys:
            if not isinstance(grads, dict):
                raise TypeError(
                    f"grads must be a dict {{name: array}} like the params, "
                    f"got {type(grads).__name__}"
                )
            if set(grads) != set(self._params):
                missing = sorted(set(self._params) - set(grads))
                extra = sorted(set(grads) - set(self._params))
                raise KeyError(
                    f"grads must have exactly the names of params "
                    f"{sorted(self._params)}, got {sorted(grads)} "
                    f"(missing {missing}, unexpected {extra})"
                )
        else:
            if not isinstance(grads, (list, tuple)):
                raise TypeError(
                    f"grads must be a list of arrays like the params, "
                    f"got {type(grads).__name__}"
                )
            if len(grads) != len(self._params):
                raise ValueError(
                    f"grads must hold one array per parameter, "
                    f"{len(self._params)}, got {len(grads)}"
                )
            grads = dict(enumerate(grads))
        for key, param in self._params.items():
            name = self._label(key, "grads")
            check_array(grads[key], name, framework="numpy")
            if grads[key].shape != param.shape:
                raise ValueError(
                    f"{name} must have the shape of "
                    f"{self._label(key, 'params')}, {param.shape}, "
                    f"got {grads[key].shape}"
                )
        return grads

    def state_dict(self):
        """Copies of the state and the hyperparameters, like ``torch.optim``'s:
        ``{"state": {name: {...}}, "param_groups": [{"lr": ..., "params": [...]}]}``."""
        state = {
            key: {
                k: (v.copy() if isinstance(v, np.ndarray) else v)
                for k, v in entries.items()
            }
            for key, entries in self.state.items()
        }
        groups = [
            dict(group, params=list(group["params"])) for group in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Continue from the ``state_dict()`` of an optimiser of these params."""
        if not isinstance(state_dict, dict) or set(state_dict) != {
            "state",
            "param_groups",
        }:
            raise ValueError(
                "state_dict must be a dict with the keys 'state' and "
                f"'param_groups', as state_dict() returns, got {state_dict!r:.80}"
            )
        groups = state_dict["param_groups"]
        if len(groups) != 1 or groups[0].get("params") != list(self._params):
            raise ValueError(
                f"state_dict must be for the parameters {list(self._params)}, "
                f"got param_groups {groups!r:.120}"
            )
        if set(state_dict["state"]) - set(self._params):
            raise KeyError(
                f"state_dict['state'] names parameters this optimiser does not "
                f"have: {sorted(set(state_dict['state']) - set(self._params))}"
            )
        for key, entries in state_dict["state"].items():
            for k, v in entries.items():
                if isinstance(v, np.ndarray) and v.shape != self._params[key].shape:
                    raise ValueError(
                        f"state_dict['state'][{key!r}][{k!r}] must have the "
                        f"shape {self._params[key].shape}, got {v.shape}"
                    )
        self.state = {key: {} for key in self._params}
        for key, entries in state_dict["state"].items():
            self.state[key] = {
                k: (v.copy() if isinstance(v, np.ndarray) else v)
                for k, v in entries.items()
            }
        self.param_groups = [dict(groups[0], params=list(self._params))]

    def __repr__(self):
        settings = ", ".join(
            f"{name}={value!r}"
            for name, value in self.param_groups[0].items()
            if name != "params"
        )
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, like ``torch.optim.SGD``.

    With g the gradient, lr the learning rate, mu = momentum, tau = dampening and
    lambda = weight_decay, each step does, per parameter p:

        g <- g + lambda * p                     (if weight_decay != 0: L2 penalty)
        b <- g                                  (first step with momentum)
        b <- mu * b + (1 - tau) * g             (later steps)
        g <- g + mu * b   if nesterov   else   g <- b       (if momentum != 0)
        p <- p - lr * g

    Without momentum this is plain gradient descent. The momentum buffer ``b`` (state
    ``"momentum_buffer"``) is a running sum of past gradients, the "heavy ball": it
    speeds up along directions where the gradients agree and cancels the zig-zag across
    a narrow valley. The first buffer is the gradient itself, not (1 - tau) * g, as in
    torch. Nesterov's variant steps with the gradient plus the buffer it is about to
    build, a look-ahead.

    Args:
        params: ``{name: array}`` (``model.parameters()``) or a list of arrays.
        lr: the learning rate, >= 0 (default 0.001, as in torch since version 2.2).
        momentum: mu >= 0. dampening: tau, the share of g left out of the buffer.
        weight_decay: lambda >= 0, added to the gradient as lambda * p.
        nesterov: Nesterov momentum; needs momentum > 0 and dampening = 0.
    """

    def __init__(
        self,
        params,
        lr=0.001,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        **unexpected,
    ):
        _refuse_unknown_keywords(
            "SGD",
            unexpected,
            ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
        )
        lr = _check_non_negative(lr, "lr")
        momentum = _check_non_negative(momentum, "momentum")
        dampening = _check_finite(dampening, "dampening")
        weight_decay = _check_non_negative(weight_decay, "weight_decay")
        nesterov = _check_flag(nesterov, "nesterov")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0, "
                f"got momentum={momentum!r} and dampening={dampening!r}"
            )
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
            ),
        )

    def _update(self, param, grad, state, group):
        lr, momentum, weight_decay = (
            group["lr"],
            group["momentum"],
            group["weight_decay"],
        )
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = grad.copy()
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            buffer = state["momentum_buffer"]
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= lr * grad


class RMSprop(Optimizer):
    r"""RMSprop, like ``torch.optim.RMSprop``: steps divided by the RMS gradient.

    With alpha the smoothing constant, per parameter p and step:

        g <- g + lambda * p                     (if weight_decay != 0)
        v <- alpha * v + (1 - alpha) * g^2      (v starts at 0: state "square_avg")
        centered:  gbar <- alpha * gbar + (1 - alpha) * g      (state "grad_avg")
                   d <- sqrt(v - gbar^2) + eps
        otherwise: d <- sqrt(v) + eps
        momentum > 0:  b <- mu * b + g / d  (b starts at 0),  p <- p - lr * b
        otherwise:     p <- p - lr * g / d

    (squares, roots and divisions elementwise). A coordinate whose gradients are large
    gets a small step and one whose gradients are small a large one, so every coordinate
    moves at about the same speed whatever its scale. Note: eps is added outside the
    square root, and there is no bias correction (v starts small, so early steps are
    large); ``Adam`` corrects that.

    Args:
        params: ``{name: array}`` or a list of arrays. lr: >= 0.
        alpha: in [0, 1]. eps: > 0. weight_decay: >= 0. momentum: >= 0.
        centered: divide by the gradient's estimated standard deviation instead of RMS.
    """

    def __init__(
        self,
        params,
        lr=0.01,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        **unexpected,
    ):
        _refuse_unknown_keywords(
            "RMSprop",
            unexpected,
            ("lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
        )
        defaults = dict(
            lr=_check_non_negative(lr, "lr"),
            alpha=_check_in_range(alpha, "alpha", high_open=False),
            eps=check_positive(eps, "eps"),
            weight_decay=_check_non_negative(weight_decay, "weight_decay"),
            momentum=_check_non_negative(momentum, "momentum"),
            centered=_check_flag(centered, "centered"),
        )
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        alpha, eps, weight_decay = group["alpha"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            denominator = np.sqrt(square_avg) + eps
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / denominator
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * grad / denominator


class Adam(Optimizer):
    r"""Adam, like ``torch.optim.Adam``: momentum, RMS scaling and bias correction.

    With betas = (beta1, beta2), per parameter p at step t = 1, 2, ...:

        g <- g + lambda * p                     (if weight_decay != 0: L2 penalty)
        m <- beta1 * m + (1 - beta1) * g        (first moment, state "exp_avg")
        v <- beta2 * v + (1 - beta2) * g^2      (second moment, state "exp_avg_sq")
        amsgrad:  vmax <- max(vmax, v)  and use vmax for v below
                  (state "max_exp_avg_sq")
        m_hat = m / (1 - beta1^t)               (bias correction: m and v start at 0)
        v_hat = v / (1 - beta2^t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    (elementwise). m is a momentum buffer; dividing by sqrt(v_hat) gives every
    coordinate a step of about lr whatever its gradient's scale. As m and v start at 0,
    after t steps they are too small by the factors 1 - beta^t; the corrections undo it,
    so the first step is about lr * sign(g) and not lr * (1 - beta1) / sqrt(1 - beta2).
    ``state[name]["step"]`` is t. With weight_decay the penalty's gradient goes through
    the same scaling, so it shrinks weights with large gradients less; ``AdamW``
    decouples it.

    torch computes the same as ``p - (lr / (1 - beta1^t)) * m / (sqrt(v) /
    sqrt(1 - beta2^t) + eps)``; so does this class.

    Args:
        params: ``{name: array}`` or a list of arrays. lr: >= 0.
        betas: (beta1, beta2), each in [0, 1). eps: > 0. weight_decay: >= 0.
        amsgrad: use the largest v seen so far (never a larger step than before).
    """

    _decoupled_weight_decay = False

    def __init__(
        self,
        params,
        lr=0.001,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        **unexpected,
    ):
        _refuse_unknown_keywords(
            type(self).__name__,
            unexpected,
            ("lr", "betas", "eps", "weight_decay", "amsgrad"),
        )
        defaults = dict(
            lr=_check_non_negative(lr, "lr"),
            betas=_check_betas(betas),
            eps=check_positive(eps, "eps"),
            weight_decay=_check_non_negative(weight_decay, "weight_decay"),
            amsgrad=_check_flag(amsgrad, "amsgrad"),
        )
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        if weight_decay != 0:
            if self._decoupled_weight_decay:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second_moment = state["max_exp_avg_sq"]
        else:
            second_moment = exp_avg_sq
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        denominator = np.sqrt(second_moment) / math.sqrt(bias_correction2) + eps
        param -= (lr / bias_correction1) * exp_avg / denominator


class AdamW(Adam):
    r"""Adam with decoupled weight decay, like ``torch.optim.AdamW``.

    The same as ``Adam`` except for the weight decay, which shrinks the parameter
    directly before the Adam step instead of being added to the gradient:

        p <- p * (1 - lr * lambda)              (lambda = weight_decay, default 0.01)
        m, v, m_hat, v_hat as in Adam, from the gradient g alone
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    In plain SGD the two kinds of decay are the same thing; in Adam they differ, because
    an L2 term added to g is divided by sqrt(v_hat) like the rest of the gradient, so
    weights with large gradients are hardly decayed. Decoupled, every weight shrinks by
    the same factor per step (Loshchilov and Hutter, "Decoupled weight decay
    regularization", ICLR 2019).

    Args: as ``Adam``, with weight_decay defaulting to 0.01 as in torch.
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params,
        lr=0.001,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.01,
        amsgrad=False,
        **unexpected,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            **unexpected,
        )


# ------------------------------------------------------------------ argument checks


def _check_params(params):
    """``{name: array}`` or ``[array, ...]`` -> ``{name or position: array}``."""
    if isinstance(params, dict):
        items = params.items()
        label = "params[{!r}]"
    elif isinstance(params, (list, tuple)):
        items = enumerate(params)
        label = "params[{}]"
    else:
        raise TypeError(
            f"params must be a dict {{name: array}} such as model.parameters(), "
            f"or a list of arrays, got {type(params).__name__}"
        )
    checked = {}
    for key, value in items:
        name = label.format(key)
        check_array(value, name, framework="numpy")
        if not value.flags.writeable:
            raise ValueError(
                f"{name} must be a writeable array (it is updated in place), "
                f"got a read-only one"
            )
        checked[key] = value
    if not checked:
        raise ValueError(
            f"params must hold at least one array, got an empty {type(params).__name__}"
        )
    return checked


def _refuse_unknown_keywords(optimizer, unexpected, valid):
    """A clear TypeError for a misspelt or unsupported hyperparameter."""
    if not unexpected:
        return
    name = sorted(unexpected)[0]
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise TypeError(
        f"{optimizer} got an unexpected keyword argument {name!r}{hint}; "
        f"its hyperparameters are {', '.join(valid)}"
    )


def _check_finite(value, name):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a number, got {value!r} of type {type(value).__name__}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check_non_negative(value, name):
    value = _check_finite(value, name)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return value


def _check_in_range(value, name, high_open=True):
    """A number in [0, 1) (or [0, 1] with ``high_open=False``)."""
    value = _check_finite(value, name)
    if not (0 <= value < 1 if high_open else 0 <= value <= 1):
        interval = "[0, 1)" if high_open else "[0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def _check_betas(betas):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(
            f"betas must be a pair (beta1, beta2) such as (0.9, 0.999), got {betas!r}"
        )
    return (
        _check_in_range(betas[0], "betas[0]"),
        _check_in_range(betas[1], "betas[1]"),
    )


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
