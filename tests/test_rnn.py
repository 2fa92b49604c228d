"""helpers.numpy_nn.rnn and clip: equal to torch.nn (values and gradients), to finite
differences, and clear about bad input."""

import math

import numpy as np
import pytest
import torch

from helpers.gradcheck import check_gradient
from helpers.numpy_nn import rnn
from helpers.numpy_nn.clip import clip_grad_norm_

KINDS = {  # name -> (NumPy class, torch class, constructor options)
    "RNN-tanh": (rnn.RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
    "RNN-relu": (rnn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
    "LSTM": (rnn.LSTM, torch.nn.LSTM, {}),
    "GRU": (rnn.GRU, torch.nn.GRU, {}),
}
CELLS = {
    "RNNCell-tanh": (rnn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "tanh"}),
    "RNNCell-relu": (rnn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "LSTMCell": (rnn.LSTMCell, torch.nn.LSTMCell, {}),
    "GRUCell": (rnn.GRUCell, torch.nn.GRUCell, {}),
}
VALUES = {"rtol": 1e-10, "atol": 1e-12}  # float64: the two agree to rounding


def _pair(kind, input_size, hidden_size, **options):
    """A NumPy layer and its torch twin (float64), the torch weights copied across."""
    numpy_class, torch_class, extra = (KINDS | CELLS)[kind]
    twin = torch_class(input_size, hidden_size, **extra, **options, dtype=torch.float64)
    layer = numpy_class(input_size, hidden_size, **extra, **options)
    layer.load_state_dict(twin.state_dict())
    return layer, twin


def _is_lstm(kind):
    return kind.startswith("LSTM")


# --- whole sequences against torch.nn.RNN / LSTM / GRU --------------------------------
@pytest.mark.parametrize("given_state", [True, False], ids=["given-h0", "zero-h0"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["TND", "NTD"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", list(KINDS))
def test_sequence_layer_equals_torch(kind, num_layers, batch_first, given_state):
    torch.manual_seed(num_layers)
    rng = np.random.default_rng(7 * num_layers + batch_first)
    T, N, D, H = 6, 3, 4, 5
    layer, twin = _pair(kind, D, H, num_layers=num_layers, batch_first=batch_first)
    assert list(layer.parameters()) == [name for name, _ in twin.named_parameters()]
    x = rng.normal(size=(N, T, D) if batch_first else (T, N, D))
    state = [
        rng.normal(size=(num_layers, N, H)) for _ in range(2 if _is_lstm(kind) else 1)
    ]
    x_t = torch.tensor(x, requires_grad=True)
    state_t = [torch.tensor(s, requires_grad=True) for s in state]
    if _is_lstm(kind):
        hx, hx_t = (tuple(state), tuple(state_t)) if given_state else (None, None)
        out, (h_n, c_n) = layer.forward(x, hx)
        out_t, (h_n_t, c_n_t) = twin(x_t, hx_t)
        finals, finals_t = [h_n, c_n], [h_n_t, c_n_t]
    else:
        hx, hx_t = (state[0], state_t[0]) if given_state else (None, None)
        out, h_n = layer.forward(x, hx)
        out_t, h_n_t = twin(x_t, hx_t)
        finals, finals_t = [h_n], [h_n_t]
    np.testing.assert_allclose(out, out_t.detach().numpy(), **VALUES)
    for final, final_t in zip(finals, finals_t):
        np.testing.assert_allclose(final, final_t.detach().numpy(), **VALUES)

    d_out = rng.normal(size=out.shape)
    d_finals = [rng.normal(size=f.shape) for f in finals]
    loss_t = (out_t * torch.tensor(d_out)).sum()
    for final_t, d in zip(finals_t, d_finals):
        loss_t = loss_t + (final_t * torch.tensor(d)).sum()
    loss_t.backward()
    dx, d_initial = layer.backward(d_out, *d_finals)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), **VALUES)
    d_initial = d_initial if _is_lstm(kind) else (d_initial,)
    if given_state:
        for d, s_t in zip(d_initial, state_t):
            np.testing.assert_allclose(d, s_t.grad.numpy(), **VALUES)
    assert list(layer.grads) == list(layer.parameters())
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(layer.grads[name], param.grad.numpy(), **VALUES)


@pytest.mark.parametrize("kind", list(KINDS))
def test_sequence_layer_without_bias_and_output_gradient_only(kind):
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    layer, twin = _pair(kind, 3, 4, num_layers=2, bias=False)
    assert list(layer.parameters()) == [
        "weight_ih_l0",
        "weight_hh_l0",
        "weight_ih_l1",
        "weight_hh_l1",
    ]
    x = rng.normal(size=(5, 2, 3))
    x_t = torch.tensor(x, requires_grad=True)
    out = layer.forward(x)[0]
    out_t = twin(x_t)[0]
    np.testing.assert_allclose(out, out_t.detach().numpy(), **VALUES)
    d_out = rng.normal(size=out.shape)
    out_t.backward(torch.tensor(d_out))
    dx = layer.backward(d_out)[0]  # no gradient arrives at the final state
    np.testing.assert_allclose(dx, x_t.grad.numpy(), **VALUES)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(layer.grads[name], param.grad.numpy(), **VALUES)


# --- one step against torch.nn.RNNCell / LSTMCell / GRUCell ---------------------------
@pytest.mark.parametrize("given_state", [True, False], ids=["given-h", "zero-h"])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_equals_torch(kind, given_state):
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    N, D, H = 4, 3, 5
    cell, twin = _pair(kind, D, H)
    assert list(cell.parameters()) == [name for name, _ in twin.named_parameters()]
    x = rng.normal(size=(N, D))
    state = [rng.normal(size=(N, H)) for _ in range(2 if _is_lstm(kind) else 1)]
    x_t = torch.tensor(x, requires_grad=True)
    state_t = [torch.tensor(s, requires_grad=True) for s in state]
    if _is_lstm(kind):
        new = cell.forward(x, tuple(state) if given_state else None)
        new_t = twin(x_t, tuple(state_t) if given_state else None)
    else:
        new = (cell.forward(x, state[0] if given_state else None),)
        new_t = (twin(x_t, state_t[0] if given_state else None),)
    d_new = [rng.normal(size=(N, H)) for _ in new]
    sum((n_t * torch.tensor(d)).sum() for n_t, d in zip(new_t, d_new)).backward()
    for n, n_t in zip(new, new_t):
        np.testing.assert_allclose(n, n_t.detach().numpy(), **VALUES)
    dx, d_state = cell.backward(*d_new)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), **VALUES)
    d_state = d_state if _is_lstm(kind) else (d_state,)
    if given_state:
        for d, s_t in zip(d_state, state_t):
            np.testing.assert_allclose(d, s_t.grad.numpy(), **VALUES)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(cell.grads[name], param.grad.numpy(), **VALUES)


def test_cells_step_by_step_equal_the_sequence_layer():
    rng = np.random.default_rng(5)
    for seq_class, cell_class in (
        (rnn.RNN, rnn.RNNCell),
        (rnn.LSTM, rnn.LSTMCell),
        (rnn.GRU, rnn.GRUCell),
    ):
        layer = seq_class(3, 4, rng=0)
        cell = cell_class(3, 4, rng=1)
        cell.load_state_dict(
            {name[:-3]: value for name, value in layer.parameters().items()}
        )
        x = rng.normal(size=(5, 2, 3))
        out, _ = layer.forward(x)
        state = None
        for t in range(5):
            state = cell.forward(x[t], state)
            h = state[0] if cell_class is rnn.LSTMCell else state
            np.testing.assert_allclose(out[t], h, rtol=1e-13, atol=1e-15)


# --- three ways: analytic = finite differences (= torch, above), awkward sizes --------
AWKWARD = [  # (T, N, D, H, num_layers, batch_first)
    (1, 1, 2, 3, 1, False),  # one step, one sequence
    (4, 1, 1, 5, 1, True),  # batch of 1, one input feature, odd hidden size
    (3, 2, 3, 3, 2, False),  # two layers
]


@pytest.mark.parametrize("T, N, D, H, num_layers, batch_first", AWKWARD)
@pytest.mark.parametrize("kind", list(KINDS))
def test_bptt_equals_finite_differences(kind, T, N, D, H, num_layers, batch_first):
    numpy_class, _, extra = KINDS[kind]
    layer = numpy_class(
        D, H, num_layers=num_layers, batch_first=batch_first, rng=T + H, **extra
    )
    rng = np.random.default_rng(T * 10 + N)
    x = rng.normal(size=(N, T, D) if batch_first else (T, N, D))
    state = [
        rng.normal(size=(num_layers, N, H)) for _ in range(2 if _is_lstm(kind) else 1)
    ]
    if kind == "RNN-relu":  # keep every pre-activation away from relu's kink
        x *= 3.0
    hx = tuple(state) if _is_lstm(kind) else state[0]
    out, final = layer.forward(x, hx)
    finals = final if _is_lstm(kind) else (final,)
    d_out = rng.normal(size=out.shape)
    d_finals = [rng.normal(size=f.shape) for f in finals]

    def loss():
        out, final = layer.forward(x, hx)
        finals = final if _is_lstm(kind) else (final,)
        return float(
            np.sum(out * d_out) + sum(np.sum(f * d) for f, d in zip(finals, d_finals))
        )

    loss()
    dx, d_initial = layer.backward(d_out, *d_finals)
    grads = dict(layer.grads)
    d_initial = d_initial if _is_lstm(kind) else (d_initial,)
    assert check_gradient(loss, x, dx, name="x") < 1e-7
    for s, d, name in zip(state, d_initial, ("h_0", "c_0")):
        assert check_gradient(loss, s, d, name=name) < 1e-7
    for name, param in layer.parameters().items():
        assert check_gradient(loss, param, grads[name], name=name) < 1e-7


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_backward_equals_finite_differences(kind):
    numpy_class, _, extra = CELLS[kind]
    cell = numpy_class(2, 3, rng=4, **extra)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 2)) * 2.0
    state = [rng.normal(size=(1, 3)) for _ in range(2 if _is_lstm(kind) else 1)]
    hx = tuple(state) if _is_lstm(kind) else state[0]
    new = cell.forward(x, hx)
    new = new if _is_lstm(kind) else (new,)
    d_new = [rng.normal(size=n.shape) for n in new]

    def loss():
        new = cell.forward(x, hx)
        new = new if _is_lstm(kind) else (new,)
        return float(sum(np.sum(n * d) for n, d in zip(new, d_new)))

    loss()
    dx, d_state = cell.backward(*d_new)
    grads = dict(cell.grads)
    d_state = d_state if _is_lstm(kind) else (d_state,)
    assert check_gradient(loss, x, dx) < 1e-7
    for s, d in zip(state, d_state):
        assert check_gradient(loss, s, d, name="state") < 1e-7
    for name, param in cell.parameters().items():
        assert check_gradient(loss, param, grads[name], name=name) < 1e-7


# --- truncated BPTT, initialisation, float32 ------------------------------------------
@pytest.mark.parametrize("kind", ["RNN-tanh", "LSTM", "GRU"])
def test_carrying_the_state_across_windows_equals_one_long_sequence(kind):
    numpy_class, _, extra = KINDS[kind]
    layer = numpy_class(3, 4, num_layers=2, batch_first=True, rng=0, **extra)
    x = np.random.default_rng(0).normal(size=(2, 10, 3))
    whole, _ = layer.forward(x)
    first, state = layer.forward(x[:, :6])
    second, _ = layer.forward(x[:, 6:], state)  # the state of window 1 starts window 2
    np.testing.assert_allclose(
        np.concatenate([first, second], axis=1), whole, rtol=1e-13, atol=1e-15
    )
    fresh, _ = layer.forward(x[:, 6:])  # from zeros instead: different
    assert not np.allclose(fresh, whole[:, 6:])


@pytest.mark.parametrize("kind", list(KINDS))
def test_initialisation_and_shapes_follow_torch(kind):
    numpy_class, torch_class, extra = KINDS[kind]
    layer = numpy_class(7, 9, num_layers=2, rng=0, **extra)
    twin = torch_class(7, 9, num_layers=2, **extra)
    shapes = {name: tuple(p.shape) for name, p in twin.named_parameters()}
    assert {name: value.shape for name, value in layer.parameters().items()} == shapes
    values = np.concatenate([v.ravel() for v in layer.parameters().values()])
    bound = 1 / math.sqrt(9)
    assert np.abs(values).max() <= bound
    assert values.std() == pytest.approx(
        bound / math.sqrt(3), rel=0.1
    )  # uniform's spread
    assert layer.parameters()["weight_ih_l0"].dtype == np.float64
    small = numpy_class(7, 9, dtype=np.float32, **extra)
    out, _ = small.forward(np.ones((2, 1, 7), dtype=np.float32))
    assert out.dtype == np.float32


# --- clip_grad_norm_ ------------------------------------------------------------------
@pytest.mark.parametrize("max_norm", [0.0, 0.5, 3.0, 100.0])
def test_clip_grad_norm_equals_torch(max_norm):
    rng = np.random.default_rng(0)
    grads = {
        "weight": rng.normal(size=(4, 3)),
        "bias": rng.normal(size=4),
        "w2": rng.normal(size=(2,)),
    }
    params = [
        torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        for g in grads.values()
    ]
    for p, g in zip(params, grads.values()):
        p.grad = torch.tensor(g)
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm)
    arrays = list(grads.values())
    total = clip_grad_norm_(grads, max_norm)
    assert total == pytest.approx(total_t.item(), rel=1e-12)
    for g, p in zip(grads.values(), params):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert all(a is g for a, g in zip(arrays, grads.values()))  # in place
    clipped = math.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert clipped <= max_norm + 1e-9 or max_norm >= total


def test_clip_grad_norm_is_one_global_norm_not_one_per_gradient():
    grads = [np.array([3.0, 4.0]), np.array([0.0, 12.0])]  # norms 5 and 12, together 13
    assert clip_grad_norm_(grads, 6.5) == pytest.approx(13.0)
    np.testing.assert_allclose(
        grads[0], [1.5, 2.0], rtol=1e-6
    )  # both halved: the direction kept
    np.testing.assert_allclose(grads[1], [0.0, 6.0], rtol=1e-6)
    single = np.array([0.3, 0.4])
    assert clip_grad_norm_(single, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(single, [0.3, 0.4])  # below max_norm: unchanged
    with np.errstate(invalid="ignore"):
        nan_grads = [np.array([np.nan, 1.0])]
        assert math.isnan(
            clip_grad_norm_(nan_grads, 1.0)
        )  # as torch: no error by default
    with pytest.raises(RuntimeError, match="total norm of the gradients is nan"):
        clip_grad_norm_([np.array([np.nan])], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_errors():
    with pytest.raises(
        ValueError, match="max_norm must be a non-negative number, got -1"
    ):
        clip_grad_norm_([np.ones(2)], -1)
    with pytest.raises(
        TypeError, match="max_norm must be a non-negative number, got '1'"
    ):
        clip_grad_norm_([np.ones(2)], "1")
    with pytest.raises(
        TypeError, match=r"grads\['bias'\] must hold floating-point numbers"
    ):
        clip_grad_norm_({"weight": np.ones(2), "bias": np.ones(2, dtype=int)}, 1.0)
    with pytest.raises(
        TypeError, match=r"grads\[0\] must be a NumPy array, got a torch.Tensor"
    ):
        clip_grad_norm_([torch.ones(2)], 1.0)


# --- bad input ------------------------------------------------------------------------
def test_sequence_errors_name_the_argument_and_the_expected_shape():
    lstm = rnn.LSTM(5, 4, num_layers=2, batch_first=True)
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(N, T, D\) with batch_first=True, "
        r"got shape \(7, 5\)",
    ):
        lstm.forward(np.zeros((7, 5)))
    with pytest.raises(
        ValueError, match=r"x must have shape \(T, N, D\) with batch_first=False"
    ):
        rnn.GRU(5, 4).forward(np.zeros((1, 2, 3, 5)))
    with pytest.raises(
        ValueError,
        match=r"x must have input_size = 5 features in its last axis, "
        r"shape \(N, T, 5\) with batch_first=True, got shape \(2, 3, 6\)",
    ):
        lstm.forward(np.zeros((2, 3, 6)))
    x = np.zeros((2, 3, 5))
    with pytest.raises(
        ValueError,
        match=r"c_0 must have shape \(num_layers, N, hidden_size\) = "
        r"\(2, 2, 4\), got \(1, 2, 4\)",
    ):
        lstm.forward(x, (np.zeros((2, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(TypeError, match=r"hx must be a pair \(h_0, c_0\)"):
        lstm.forward(x, np.zeros((2, 2, 4)))
    with pytest.raises(
        ValueError,
        match=r"hx must have shape \(num_layers, N, hidden_size\) = "
        r"\(1, 3, 4\), got \(1, 2, 4\)",
    ):
        rnn.RNN(5, 4).forward(np.zeros((2, 3, 5)), np.zeros((1, 2, 4)))
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        rnn.GRU(5, 4).backward(np.zeros((2, 3, 4)))
    lstm.forward(x)
    with pytest.raises(
        ValueError,
        match=r"d_output must have shape the output's shape "
        r"\(N, T, hidden_size\) = \(2, 3, 4\), got \(3, 2, 4\)",
    ):
        lstm.backward(np.zeros((3, 2, 4)))
    with pytest.raises(
        ValueError, match=r"d_h_n must have shape \(num_layers, N, hidden_size\)"
    ):
        lstm.backward(np.zeros((2, 3, 4)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="unknown nonlinearity 'sigmoid'"):
        rnn.RNN(5, 4, nonlinearity="sigmoid")
    with pytest.raises(
        ValueError, match="num_layers must be a positive integer, got 0"
    ):
        rnn.LSTM(5, 4, num_layers=0)
    with pytest.raises(KeyError, match="state must have exactly the keys"):
        lstm.load_state_dict({"weight_ih_l0": np.zeros((16, 5))})


def test_cell_errors():
    cell = rnn.LSTMCell(3, 2)
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, input_size\) = \(N, 3\), got \(4,\)"
    ):
        cell.forward(np.zeros(4))
    with pytest.raises(
        ValueError,
        match=r"h_0 must have shape \(N, hidden_size\) = \(4, 2\), got \(4, 3\)",
    ):
        cell.forward(np.zeros((4, 3)), (np.zeros((4, 3)), np.zeros((4, 2))))
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        rnn.GRUCell(3, 2).backward(np.zeros((4, 2)))
    cell.forward(np.zeros((4, 3)))
    with pytest.raises(
        ValueError, match=r"d_c_next must have shape \(N, hidden_size\) = \(4, 2\)"
    ):
        cell.backward(np.zeros((4, 2)), np.zeros((2, 4)))


def test_the_torch_twins_are_torch_own_classes():
    from helpers.torch_nn import clip, embedding
    from helpers.torch_nn import rnn as torch_rnn

    for name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        assert getattr(torch_rnn, name) is getattr(torch.nn, name)
        assert hasattr(rnn, name)  # and the NumPy reference has the same name
    assert embedding.Embedding is torch.nn.Embedding
    assert clip.clip_grad_norm_ is torch.nn.utils.clip_grad_norm_
