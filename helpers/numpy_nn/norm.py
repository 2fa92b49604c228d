"""Batch normalisation and layer normalisation in NumPy, mirroring ``torch.nn``.

Both standardise activations and then rescale them with a learned ``weight`` (gamma)
and ``bias`` (beta):

    x_hat = (x - mean) / sqrt(var + eps),      y = weight * x_hat + bias

They differ in what the mean and variance are taken over:

    BatchNorm1d  each channel over the batch:    x (N, C) or (N, C, L), stats (C,)
    LayerNorm    each example over its features: x (..., D), stats per example

Batch norm therefore behaves differently in training (the batch's statistics, and a
running average of them kept for later) and in evaluation (the running averages, so an
example's output does not depend on the rest of its batch). Layer norm does not.

The backward passes are derived in ``BatchNorm1d.backward``; layer norm's is the same
formula along the other axes.
"""

import math

import numpy as np

from helpers.checks import check_array, check_numpy_float_dtype, check_positive
from helpers.numpy_nn.layers import TrainEvalMixin


class BatchNorm1d(TrainEvalMixin):
    """Batch normalisation of (N, C) or (N, C, L) inputs, like ``torch.nn.BatchNorm1d``.

    Training mode, per channel c, over the m = N (or N * L) values of the batch:

        mean_c = mean(x[:, c]),  var_c = mean((x[:, c] - mean_c)^2)   (biased)
        x_hat = (x - mean_c) / sqrt(var_c + eps),  y = weight_c * x_hat + bias_c
        running_mean <- (1 - momentum) * running_mean + momentum * mean_c
        running_var  <- (1 - momentum) * running_var + momentum * var_c * m / (m - 1)

    The running variance uses the unbiased estimate (m - 1 in the denominator), as in
    torch; the normalisation itself uses the biased one. ``momentum=None`` makes the
    running statistics plain averages over all batches so far (factor 1 / t).
    Evaluation mode uses ``running_mean`` and ``running_var`` in place of the batch's
    (unless ``track_running_stats=False``, which keeps no running statistics and always
    uses the batch's).

    A batch of one example (m = 1) cannot be normalised in training mode: its variance
    is 0 and x_hat would be 0 whatever x is. Like torch, this raises.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance, > 0. momentum: in [0, 1], or None.
        affine: learn ``weight`` (C,), starting at 1, and ``bias`` (C,), starting at 0.
        track_running_stats: keep ``running_mean`` (C,), ``running_var`` (C,) and
            ``num_batches_tracked`` (buffers: state, not learned).
        dtype: of the parameters and buffers.

    Shapes: x (N, C) -> y (N, C), or x (N, C, L) -> y (N, C, L).
    """

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        dtype=np.float64,
    ):
        self.num_features = check_positive(num_features, "num_features", integer=True)
        self.eps = check_positive(eps, "eps")
        if momentum is not None:
            momentum = _check_fraction(momentum, "momentum")
        self.momentum = momentum
        self.affine = _check_flag(affine, "affine")
        self.track_running_stats = _check_flag(
            track_running_stats, "track_running_stats"
        )
        dtype = check_numpy_float_dtype(dtype)
        C = self.num_features
        self.weight = np.ones(C, dtype=dtype) if self.affine else None
        self.bias = np.zeros(C, dtype=dtype) if self.affine else None
        if self.track_running_stats:
            self.running_mean = np.zeros(C, dtype=dtype)
            self.running_var = np.ones(C, dtype=dtype)
            self.num_batches_tracked = 0
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None
        self.training = True
        self.grads = {}
        self._saved = None

    def parameters(self):
        """``{"weight": (C,), "bias": (C,)}``, or ``{}`` without ``affine``."""
        return {"weight": self.weight, "bias": self.bias} if self.affine else {}

    def buffers(self):
        """``{"running_mean": (C,), "running_var": (C,), "num_batches_tracked": ()}``.

        Empty with ``track_running_stats=False``.
        """
        if not self.track_running_stats:
            return {}
        return {
            "running_mean": self.running_mean,
            "running_var": self.running_var,
            "num_batches_tracked": np.array(self.num_batches_tracked),
        }

    def forward(self, x):
        """x: (N, C) or (N, C, L) -> y of the same shape. Saves x_hat for backward."""
        self._check_input(x)
        axes = _channel_axes(x)
        m = x.size // self.num_features  # values per channel
        if self.training and m == 1:
            raise ValueError(
                f"expected more than 1 value per channel when training, got "
                f"input of shape {tuple(x.shape)}; use a batch of at least "
                f"2 examples, or eval() mode"
            )
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)  # biased: divided by m
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, m)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(_per_channel(var, x) + self.eps)
        x_hat = (x - _per_channel(mean, x)) * inv_std
        self._saved = (x_hat, inv_std, use_batch_stats)
        if not self.affine:
            return x_hat
        return _per_channel(self.weight, x) * x_hat + _per_channel(self.bias, x)

    __call__ = forward

    def backward(self, dout):
        r"""dout: dL/dy, the shape of x -> dL/dx; fills ``grads`` (weight and bias).

        Per channel, with the sums over the channel's m values:

            d bias   = sum(dout)
            d weight = sum(dout * x_hat)
            dx       = weight / (m * sigma)
                       * (m * dout - sum(dout) - x_hat * sum(dout * x_hat))

        where sigma = sqrt(var + eps). Derivation, per channel: write g = dout * weight
        = dL/dx_hat. x_hat_i = (x_i - mean) / sigma depends on x_j three ways, directly
        and through the mean and the variance, with dmean/dx_j = 1/m and
        dvar/dx_j = 2 (x_j - mean) / m. So

            dL/dx_j = g_j / sigma + (1/m) dL/dmean + (2 (x_j - mean) / m) dL/dvar,
            dL/dvar  = sum_i g_i (x_i - mean) * (-1/2) sigma^-3
                     = -sum_i g_i x_hat_i / (2 sigma^2),
            dL/dmean = -sum_i g_i / sigma    (the term through var sums to 0),

        and substituting, dL/dx_j = (1 / (m sigma)) (m g_j - sum_i g_i
        - x_hat_j sum_i g_i x_hat_i). The two subtracted terms remove from g its mean
        and its component along x_hat: shifting or scaling a channel's inputs does not
        change batch norm's output, so the gradient cannot push that way either.

        In evaluation mode the statistics are constants and dx = dout * weight / sigma.
        """
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        x_hat, inv_std, used_batch_stats = self._saved
        check_array(dout, "dout", framework="numpy")
        if dout.shape != x_hat.shape:
            raise ValueError(
                f"dout must have the output's shape {x_hat.shape}, "
                f"got {tuple(dout.shape)}"
            )
        axes = _channel_axes(dout)
        if self.affine:
            self.grads["weight"] = (dout * x_hat).sum(axis=axes)
            self.grads["bias"] = dout.sum(axis=axes)
            g = dout * _per_channel(self.weight, dout)
        else:
            g = dout
        if not used_batch_stats:
            return g * inv_std
        m = dout.size // self.num_features
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_x_hat = (g * x_hat).sum(axis=axes, keepdims=True)
        return inv_std / m * (m * g - sum_g - x_hat * sum_g_x_hat)

    def _update_running_stats(self, mean, var, m):
        self.num_batches_tracked += 1
        if self.momentum is None:  # a plain average of all batches so far
            factor = 1.0 / self.num_batches_tracked
        else:
            factor = self.momentum
        unbiased_var = var * m / (m - 1)
        self.running_mean *= 1 - factor
        self.running_mean += factor * mean
        self.running_var *= 1 - factor
        self.running_var += factor * unbiased_var

    def _check_input(self, x):
        check_array(x, "x", framework="numpy")
        C = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != C:
            raise ValueError(
                f"x must have shape (N, C) or (N, C, L) with C={C} for "
                f"{self!r}, got shape {tuple(x.shape)}"
            )

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters and buffers, with torch's names."""
        return {
            name: np.copy(value)
            for name, value in {**self.parameters(), **self.buffers()}.items()
        }

    def load_state_dict(self, state):
        """Set parameters and buffers from arrays or tensors (a torch layer's state)."""
        expected = {**self.parameters(), **self.buffers()}
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        for name, current in expected.items():
            value = _as_numpy(state[name])
            if name == "num_batches_tracked":
                self.num_batches_tracked = int(value)
                continue
            if value.shape != current.shape:
                raise ValueError(
                    f"{name} must have shape {current.shape}, got {value.shape}"
                )
            current[...] = value  # in place: an optimiser may hold this array

    def __repr__(self):
        return (
            f"BatchNorm1d({self.num_features}, eps={self.eps}, "
            f"momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats})"
        )


class LayerNorm:
    """Layer normalisation over the trailing dimensions, like ``torch.nn.LayerNorm``.

    For each example (each position of the leading dimensions), over its D values in
    the last ``len(normalized_shape)`` dimensions:

        mean = mean(x),  var = mean((x - mean)^2)   (biased)
        x_hat = (x - mean) / sqrt(var + eps),  y = weight * x_hat + bias

    with ``weight`` and ``bias`` of shape ``normalized_shape``. No batch statistics, so
    no running averages and no difference between training and evaluation: an example
    is normalised the same way whatever batch it comes in (the normalisation of
    transformers and recurrent networks).

    Backward (sums over the D normalised values of one example; g = dout * weight):

        dx = (1 / (D sigma)) (D g - sum(g) - x_hat sum(g x_hat)),  sigma^2 = var + eps
        d weight = sum of dout * x_hat over the leading dimensions
        d bias = sum of dout over the leading dimensions

    the batch-norm formula (see ``BatchNorm1d.backward``) along the other axes.

    Args:
        normalized_shape: an integer D, or a tuple: the trailing shape to normalise.
        eps: added to the variance, > 0.
        elementwise_affine: learn ``weight`` (starting at 1) and ``bias`` (at 0).
        bias: with ``elementwise_affine``, learn ``bias`` too (torch's argument).
        dtype: of the parameters.

    Shapes: x (..., *normalized_shape) -> y of the same shape.
    """

    def __init__(
        self,
        normalized_shape,
        eps=1e-5,
        elementwise_affine=True,
        bias=True,
        dtype=np.float64,
    ):
        if isinstance(normalized_shape, (int, np.integer)) and not isinstance(
            normalized_shape, bool
        ):
            normalized_shape = (normalized_shape,)
        if not isinstance(normalized_shape, (tuple, list)) or not normalized_shape:
            raise TypeError(
                f"normalized_shape must be an integer or a tuple of integers, "
                f"got {normalized_shape!r}"
            )
        self.normalized_shape = tuple(
            check_positive(size, "each size in normalized_shape", integer=True)
            for size in normalized_shape
        )
        self.eps = check_positive(eps, "eps")
        self.elementwise_affine = _check_flag(elementwise_affine, "elementwise_affine")
        has_bias = _check_flag(bias, "bias")
        dtype = check_numpy_float_dtype(dtype)
        affine = self.elementwise_affine
        self.weight = np.ones(self.normalized_shape, dtype=dtype) if affine else None
        self.bias = (
            np.zeros(self.normalized_shape, dtype=dtype)
            if affine and has_bias
            else None
        )
        self.grads = {}
        self._saved = None

    def parameters(self):
        """``{"weight": ..., "bias": ...}``, of ``normalized_shape``, if learned."""
        return {
            name: value
            for name, value in (("weight", self.weight), ("bias", self.bias))
            if value is not None
        }

    def forward(self, x):
        """x: (..., *normalized_shape) -> y of x's shape. Saves x_hat for backward."""
        check_array(x, "x", framework="numpy")
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k :]) != self.normalized_shape:
            trailing = ", ".join(str(size) for size in self.normalized_shape)
            raise ValueError(
                f"x must have shape (..., {trailing}) for {self!r}, "
                f"got shape {tuple(x.shape)}"
            )
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self._saved = (x_hat, inv_std)
        out = x_hat if self.weight is None else self.weight * x_hat
        return out if self.bias is None else out + self.bias

    __call__ = forward

    def backward(self, dout):
        """dout: dL/dy, the shape of x -> dL/dx; fills ``grads`` (formula above)."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        x_hat, inv_std = self._saved
        check_array(dout, "dout", framework="numpy")
        if dout.shape != x_hat.shape:
            raise ValueError(
                f"dout must have the output's shape {x_hat.shape}, "
                f"got {tuple(dout.shape)}"
            )
        k = len(self.normalized_shape)
        leading = tuple(range(dout.ndim - k))
        axes = tuple(range(dout.ndim - k, dout.ndim))
        if self.weight is not None:
            self.grads["weight"] = (dout * x_hat).sum(axis=leading)
        if self.bias is not None:
            self.grads["bias"] = dout.sum(axis=leading)
        g = dout if self.weight is None else dout * self.weight
        D = math.prod(self.normalized_shape)
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_x_hat = (g * x_hat).sum(axis=axes, keepdims=True)
        return inv_std / D * (D * g - sum_g - x_hat * sum_g_x_hat)

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters, with torch's names."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Set the parameters from arrays or tensors, e.g. a torch layer's state."""
        expected = self.parameters()
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        for name, current in expected.items():
            value = _as_numpy(state[name])
            if value.shape != current.shape:
                raise ValueError(
                    f"{name} must have shape {current.shape}, got {value.shape}"
                )
            current[...] = value

    def __repr__(self):
        return (
            f"LayerNorm({self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine})"
        )


def _channel_axes(x):
    """The axes batch norm averages over: (0,) for (N, C), (0, 2) for (N, C, L)."""
    return (0,) if x.ndim == 2 else (0, 2)


def _per_channel(values, x):
    """A (C,) array shaped to broadcast against x: (1, C) or (1, C, 1)."""
    return values.reshape(1, -1) if x.ndim == 2 else values.reshape(1, -1, 1)


def _as_numpy(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _check_fraction(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1] or None, got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1] or None, got {value!r}")
    return float(value)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
