"""Plausible wrong answers, and correct alternatives, for labs/lab03_backprop.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region of the solution cell with that grade_id (written without the indentation of
the region; it takes the indentation of the ``### BEGIN SOLUTION`` line). With any of them the
test cells of that exercise must score below full marks. RIGHT_ANSWERS has the same shape:
correct solutions written differently, which must keep full marks.

The mistakes are the ones students make: a one-sided difference, a checker that forgets to put
the array back, a forgotten product rule, a sum that lost its axis, a search that
scores on the training data, and so on. The instructor guide (book/instructor_guide.md, Lab 3)
lists them for teachers.
"""

WRONG_ANSWERS = {
    # ---------------------------------------------------------------- exercise 4 (a): grad_check
    "ex4_solution": [
        (
            "one-sided difference",
            """
numeric = np.zeros(x.shape)
f_here = float(f())
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + eps
    numeric[j] = (float(f()) - f_here) / eps
    x[j] = old
scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
return float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0
""",
        ),
        (
            "x not put back after the nudges",
            """
numeric = np.zeros(x.shape)
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + eps
    f_plus = float(f())
    x[j] = old - eps
    f_minus = float(f())
    numeric[j] = (f_plus - f_minus) / (2 * eps)
scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
return float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0
""",
        ),
        (
            "eps argument ignored",
            """
numeric = np.zeros(x.shape)
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + 1e-6
    f_plus = float(f())
    x[j] = old - 1e-6
    f_minus = float(f())
    x[j] = old
    numeric[j] = (f_plus - f_minus) / 2e-6
scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
return float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0
""",
        ),
        (
            "largest absolute difference instead of the relative error",
            """
numeric = np.zeros(x.shape)
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + eps
    f_plus = float(f())
    x[j] = old - eps
    f_minus = float(f())
    x[j] = old
    numeric[j] = (f_plus - f_minus) / (2 * eps)
return float(np.max(np.abs(analytic - numeric)))
""",
        ),
        (
            "relative to the analytic norm only",
            """
numeric = np.zeros(x.shape)
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + eps
    f_plus = float(f())
    x[j] = old - eps
    f_minus = float(f())
    x[j] = old
    numeric[j] = (f_plus - f_minus) / (2 * eps)
return float(np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic))
""",
        ),
        (
            "0 / 0 when both gradients are 0",
            """
numeric = np.zeros(x.shape)
for j in np.ndindex(x.shape):
    old = x[j]
    x[j] = old + eps
    f_plus = float(f())
    x[j] = old - eps
    f_minus = float(f())
    x[j] = old
    numeric[j] = (f_plus - f_minus) / (2 * eps)
return float(np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric)))
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 4 (b): the mystery layer
    "ex4_solution_b": [
        (
            "BUGGY is the smallest error",
            """
mystery.forward(x_mystery)
analytic_mystery = {"x": mystery.backward(dout_mystery), **mystery.grads}
mystery_loss = lambda: np.sum(mystery.forward(x_mystery) * dout_mystery)  # noqa: E731
arrays_mystery = {"x": x_mystery, "weight": mystery.weight, "bias": mystery.bias}
mystery_errors = {name: grad_check(mystery_loss, array, analytic_mystery[name])
                  for name, array in arrays_mystery.items()}
BUGGY = min(mystery_errors, key=mystery_errors.get)
""",
        ),
        (
            "nudges copies, which the layer never sees",
            """
mystery.forward(x_mystery)
analytic_mystery = {"x": mystery.backward(dout_mystery), **mystery.grads}
mystery_loss = lambda: np.sum(mystery.forward(x_mystery) * dout_mystery)  # noqa: E731
arrays_mystery = {"x": x_mystery.copy(), "weight": mystery.weight.copy(), "bias": mystery.bias.copy()}
mystery_errors = {name: grad_check(mystery_loss, array, analytic_mystery[name])
                  for name, array in arrays_mystery.items()}
BUGGY = max(mystery_errors, key=mystery_errors.get)
""",
        ),
        (
            "the chapter's bug named without looking",
            """
mystery.forward(x_mystery)
analytic_mystery = {"x": mystery.backward(dout_mystery), **mystery.grads}
mystery_loss = lambda: np.sum(mystery.forward(x_mystery) * dout_mystery)  # noqa: E731
arrays_mystery = {"x": x_mystery, "weight": mystery.weight, "bias": mystery.bias}
mystery_errors = {name: grad_check(mystery_loss, array, analytic_mystery[name])
                  for name, array in arrays_mystery.items()}
BUGGY = "weight"
""",
        ),
        (
            "scalar without dout: L = sum(out)",
            """
mystery.forward(x_mystery)
analytic_mystery = {"x": mystery.backward(dout_mystery), **mystery.grads}
mystery_loss = lambda: np.sum(mystery.forward(x_mystery))  # noqa: E731
arrays_mystery = {"x": x_mystery, "weight": mystery.weight, "bias": mystery.bias}
mystery_errors = {name: grad_check(mystery_loss, array, analytic_mystery[name])
                  for name, array in arrays_mystery.items()}
BUGGY = max(mystery_errors, key=mystery_errors.get)
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 5: swish forward
    "ex5_forward": [
        (
            "beta ignored",
            """
return x * sigmoid(x)
""",
        ),
        (
            "an overflowing exp for large negative inputs",
            """
return x / (1.0 + np.exp(-beta * x))
""",
        ),
        (
            "the sigmoid alone, without the factor x",
            """
return sigmoid(beta * x)
""",
        ),
        (
            "x changed in place",
            """
x *= sigmoid(beta * x)
return x
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 5: swish backward
    "ex5_backward": [
        (
            "x treated as a constant: only sigmoid(beta x)",
            """
return dout * sigmoid(beta * x)
""",
        ),
        (
            "the sigmoid's derivative instead of the product rule",
            """
s = sigmoid(beta * x)
return dout * s * (1.0 - s)
""",
        ),
        (
            "beta left out of the chain rule",
            """
s = sigmoid(beta * x)
return dout * (s + x * s * (1.0 - s))
""",
        ),
        (
            "sigmoid(x) instead of sigmoid(beta x)",
            """
s = sigmoid(x)
return dout * (s + beta * x * s * (1.0 - s))
""",
        ),
        (
            "dout forgotten",
            """
s = sigmoid(beta * x)
return s + beta * x * s * (1.0 - s)
""",
        ),
        (
            "an overflowing exp for large negative inputs",
            """
s = 1.0 / (1.0 + np.exp(-beta * x))
return dout * (s + beta * x * s * (1.0 - s))
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 6: softmax backward
    "ex6_solution": [
        (
            "the diagonal of the Jacobian only",
            """
return dout * probs * (1.0 - probs)
""",
        ),
        (
            "the row sum lost its axis (no keepdims)",
            """
return probs * (dout - np.sum(dout * probs, axis=1))
""",
        ),
        (
            "summed over the batch instead of the row",
            """
return probs * (dout - np.sum(dout * probs, axis=0, keepdims=True))
""",
        ),
        (
            "the factor probs forgotten",
            """
return dout - np.sum(dout * probs, axis=1, keepdims=True)
""",
        ),
        (
            "softmax treated as an elementwise exp",
            """
return dout * probs
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 8 (a): train_mlp
    "ex8_solution": [
        (
            "a fresh generator for the batches of every epoch",
            """
rng = np.random.default_rng(seed)
params = init_mlp(X.shape[1], hidden, num_classes, rng)
losses = [softmax_cross_entropy(mlp_logits(params, X), y)[0]]
for _ in range(epochs):
    for idx in batch_indices(len(X), batch_size, np.random.default_rng(seed)):
        _, grads = mlp_forward_backward(params, X[idx], y[idx])
        for name in params:
            params[name] -= lr * grads[name]
    losses.append(softmax_cross_entropy(mlp_logits(params, X), y)[0])
return params, losses
""",
        ),
        (
            "the loss before training left out",
            """
rng = np.random.default_rng(seed)
params = init_mlp(X.shape[1], hidden, num_classes, rng)
losses = []
for _ in range(epochs):
    for idx in batch_indices(len(X), batch_size, rng):
        _, grads = mlp_forward_backward(params, X[idx], y[idx])
        for name in params:
            params[name] -= lr * grads[name]
    losses.append(softmax_cross_entropy(mlp_logits(params, X), y)[0])
return params, losses
""",
        ),
        (
            "a step up the gradient",
            """
rng = np.random.default_rng(seed)
params = init_mlp(X.shape[1], hidden, num_classes, rng)
losses = [softmax_cross_entropy(mlp_logits(params, X), y)[0]]
for _ in range(epochs):
    for idx in batch_indices(len(X), batch_size, rng):
        _, grads = mlp_forward_backward(params, X[idx], y[idx])
        for name in params:
            params[name] += lr * grads[name]
    losses.append(softmax_cross_entropy(mlp_logits(params, X), y)[0])
return params, losses
""",
        ),
        (
            "the last minibatch's loss recorded instead of the whole set's",
            """
rng = np.random.default_rng(seed)
params = init_mlp(X.shape[1], hidden, num_classes, rng)
losses = [softmax_cross_entropy(mlp_logits(params, X), y)[0]]
for _ in range(epochs):
    for idx in batch_indices(len(X), batch_size, rng):
        loss, grads = mlp_forward_backward(params, X[idx], y[idx])
        for name in params:
            params[name] -= lr * grads[name]
    losses.append(loss)
return params, losses
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 8 (b): select_by_validation
    "ex8_select": [
        (
            "scored on the training data",
            """
val_accuracies, trained = [], []
for setting in settings:
    params, _ = train_mlp(X_train, y_train, num_classes, setting["hidden"], setting["lr"],
                          setting["epochs"], setting["batch_size"])
    val_accuracies.append(float(np.mean(np.argmax(mlp_logits(params, X_train), axis=1) == y_train)))
    trained.append(params)
best = int(np.argmax(val_accuracies))
return settings[best], trained[best], val_accuracies
""",
        ),
        (
            "trained on the training and validation data together",
            """
X_both, y_both = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
val_accuracies, trained = [], []
for setting in settings:
    params, _ = train_mlp(X_both, y_both, num_classes, setting["hidden"], setting["lr"],
                          setting["epochs"], setting["batch_size"])
    val_accuracies.append(float(np.mean(np.argmax(mlp_logits(params, X_val), axis=1) == y_val)))
    trained.append(params)
best = int(np.argmax(val_accuracies))
return settings[best], trained[best], val_accuracies
""",
        ),
        (
            "the last of tied settings kept",
            """
val_accuracies, best_index, best_params = [], None, None
for index, setting in enumerate(settings):
    params, _ = train_mlp(X_train, y_train, num_classes, setting["hidden"], setting["lr"],
                          setting["epochs"], setting["batch_size"])
    accuracy = float(np.mean(np.argmax(mlp_logits(params, X_val), axis=1) == y_val))
    val_accuracies.append(accuracy)
    if best_index is None or accuracy >= val_accuracies[best_index]:
        best_index, best_params = index, params
return settings[best_index], best_params, val_accuracies
""",
        ),
        (
            "the last trained parameters returned with the best setting",
            """
val_accuracies = []
for setting in settings:
    params, _ = train_mlp(X_train, y_train, num_classes, setting["hidden"], setting["lr"],
                          setting["epochs"], setting["batch_size"])
    val_accuracies.append(float(np.mean(np.argmax(mlp_logits(params, X_val), axis=1) == y_val)))
return settings[int(np.argmax(val_accuracies))], params, val_accuracies
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 8 (c): SETTINGS
    "ex8_settings": [
        (
            "one setting: no search at all",
            """
SETTINGS = [{"hidden": 64, "lr": 0.5, "epochs": 10, "batch_size": 32}]
""",
        ),
        (
            "only timid learning rates",
            """
SETTINGS = [
    {"hidden": 32, "lr": 0.02, "epochs": 5, "batch_size": 64},
    {"hidden": 64, "lr": 0.05, "epochs": 5, "batch_size": 64},
    {"hidden": 128, "lr": 0.05, "epochs": 3, "batch_size": 128},
]
""",
        ),
        (
            "batches smaller than allowed",
            """
SETTINGS = [
    {"hidden": 64, "lr": 0.1, "epochs": 3, "batch_size": 8},
    {"hidden": 64, "lr": 0.5, "epochs": 10, "batch_size": 64},
    {"hidden": 32, "lr": 0.5, "epochs": 10, "batch_size": 64},
]
""",
        ),
        (
            "the same setting three times",
            """
SETTINGS = [{"hidden": 64, "lr": 0.5, "epochs": 10, "batch_size": 32} for _ in range(3)]
""",
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex4_solution_b": [
        (
            "a loop, and BUGGY from a threshold",
            """
mystery.forward(x_mystery)
dx_mystery = mystery.backward(dout_mystery)
analytic_mystery = {"x": dx_mystery, "weight": mystery.grads["weight"], "bias": mystery.grads["bias"]}
arrays_mystery = {"x": x_mystery, "weight": mystery.weight, "bias": mystery.bias}
mystery_errors = {}
for name in ("x", "weight", "bias"):
    mystery_errors[name] = grad_check(lambda: np.sum(mystery.forward(x_mystery) * dout_mystery),
                                      arrays_mystery[name], analytic_mystery[name])
BUGGY = [name for name, error in mystery_errors.items() if error > 1e-4][0]
""",
        ),
    ],
    "ex5_forward": [
        (
            "the sigmoid written with logaddexp",
            """
return x * np.exp(-np.logaddexp(0.0, -beta * x))
""",
        ),
    ],
    "ex5_backward": [
        (
            "the derivative written with the forward output",
            """
out = swish_forward(x, beta)
s = sigmoid(beta * x)
return dout * (beta * out + s * (1.0 - beta * out))
""",
        ),
    ],
    "ex6_solution": [
        (
            "the row-wise dot product with einsum",
            """
return probs * dout - probs * np.einsum("nk,nk->n", dout, probs)[:, None]
""",
        ),
    ],
    "ex8_solution": [
        (
            "with a tqdm progress bar",
            """
from tqdm.auto import tqdm

rng = np.random.default_rng(seed)
params = init_mlp(X.shape[1], hidden, num_classes, rng)
losses = [softmax_cross_entropy(mlp_logits(params, X), y)[0]]
for _ in tqdm(range(epochs), desc="epochs", leave=False):
    for idx in batch_indices(len(X), batch_size, rng):
        _, grads = mlp_forward_backward(params, X[idx], y[idx])
        for name in params:
            params[name] = params[name] - lr * grads[name]
    losses.append(softmax_cross_entropy(mlp_logits(params, X), y)[0])
return params, losses
""",
        ),
    ],
    "ex8_select": [
        (
            "every network kept, then np.argmax",
            """
trained = [train_mlp(X_train, y_train, num_classes, s["hidden"], s["lr"], s["epochs"], s["batch_size"])[0]
           for s in settings]
val_accuracies = [float(np.mean(mlp_logits(p, X_val).argmax(axis=1) == y_val)) for p in trained]
best = int(np.argmax(val_accuracies))
return settings[best], trained[best], val_accuracies
""",
        ),
    ],
    "ex8_settings": [
        (
            "another grid, changing one thing at a time",
            """
SETTINGS = [
    {"hidden": 32, "lr": 0.5, "epochs": 10, "batch_size": 32},
    {"hidden": 64, "lr": 0.3, "epochs": 10, "batch_size": 32},
    {"hidden": 64, "lr": 0.5, "epochs": 5, "batch_size": 32},
]
""",
        ),
    ],
}
