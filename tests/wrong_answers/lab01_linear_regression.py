"""Plausible wrong answers, and correct alternatives, for lab 1 (run by tests/test_lab_answers.py).

Each source replaces the solution region of the named cell; a cell with several solution
regions (ex8_solution: train_checked, fixed_loss, fixed_grad; ex9_solution: ridge_grad,
ridge_fit) takes one source per region, None keeping the region's own solution.
"""

X_TILDE = "X_tilde = np.hstack([X, np.ones((len(X), 1))])\n"

WRONG_ANSWERS = {
    "ex1_solution": [
        ("no shape check", "return float(np.mean((y_hat - y) ** 2))"),
        (
            "sum instead of mean",
            "if y_hat.shape != y.shape:\n    raise ValueError('shapes differ')\nreturn float(np.sum((y_hat - y) ** 2))",
        ),
        (
            "absolute error",
            "if y_hat.shape != y.shape:\n    raise ValueError('shapes differ')\nreturn float(np.mean(np.abs(y_hat - y)))",
        ),
    ],
    "ex4_solution": [
        (
            "inverts the normal matrix",
            X_TILDE
            + "theta = np.linalg.inv(X_tilde.T @ X_tilde) @ X_tilde.T @ y\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "solves the normal equations",
            X_TILDE
            + "theta = np.linalg.solve(X_tilde.T @ X_tilde, X_tilde.T @ y)\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "pseudo-inverse of the normal matrix",
            X_TILDE
            + "theta = np.linalg.pinv(X_tilde.T @ X_tilde) @ (X_tilde.T @ y)\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "Cholesky on the normal equations",
            X_TILDE + "import scipy.linalg\n"
            "theta = scipy.linalg.cho_solve(scipy.linalg.cho_factor(X_tilde.T @ X_tilde), X_tilde.T @ y)\n"
            "return theta[:-1], float(theta[-1])",
        ),
        (
            "forgets the bias column",
            "w = np.linalg.lstsq(X, y, rcond=None)[0]\nreturn w, 0.0",
        ),
    ],
    "ex6_solution": [
        (
            "a new generator every epoch",
            "w, b = np.zeros(X.shape[1]), 0.0\nlosses = [mse(X @ w + b, y)]\nfor _ in range(epochs):\n"
            "    for idx in batch_indices(len(X), batch_size, np.random.default_rng(seed)):\n"
            "        w, b = gradient_step(X[idx], y[idx], w, b, lr)\n    losses.append(mse(X @ w + b, y))\n"
            "return w, b, losses",
        ),
        (
            "no shuffling",
            "w, b = np.zeros(X.shape[1]), 0.0\nlosses = [mse(X @ w + b, y)]\nfor _ in range(epochs):\n"
            "    for start in range(0, len(X), batch_size):\n        idx = np.arange(start, min(start + batch_size, len(X)))\n"
            "        w, b = gradient_step(X[idx], y[idx], w, b, lr)\n    losses.append(mse(X @ w + b, y))\n"
            "return w, b, losses",
        ),
        (
            "records the loss of the last batch",
            "rng = np.random.default_rng(seed)\nw, b = np.zeros(X.shape[1]), 0.0\nlosses = [mse(X @ w + b, y)]\n"
            "for _ in range(epochs):\n    for idx in batch_indices(len(X), batch_size, rng):\n"
            "        w, b = gradient_step(X[idx], y[idx], w, b, lr)\n    losses.append(mse(X[idx] @ w + b, y[idx]))\n"
            "return w, b, losses",
        ),
    ],
    "ex7_solution": [
        ("the given loop, called", "return loss_surface_loop(X, y, weights, biases)"),
        (
            "a comprehension",
            "return np.array([[np.mean((X[:, 0] * w + b - y) ** 2) for w in weights] for b in biases])",
        ),
        (
            "np.vectorize",
            "f = np.vectorize(lambda w, b: np.mean((X[:, 0] * w + b - y) ** 2))\n"
            "return f(np.asarray(weights)[None, :], np.asarray(biases)[:, None])",
        ),
        (
            "transposed (W, B)",
            "pred = X[:, 0] * np.asarray(weights)[:, None, None] + np.asarray(biases)[None, :, None]\n"
            "return np.mean((pred - y) ** 2, axis=-1)",
        ),
        (
            "sum instead of mean",
            "pred = X[:, 0] * np.asarray(weights)[None, :, None] + np.asarray(biases)[:, None, None]\n"
            "return np.sum((pred - y) ** 2, axis=-1)",
        ),
    ],
    "ex8_diagnosis": [
        ("blames the gradient", 'DIAGNOSIS = "A"'),
        ("blames the learning rate", 'DIAGNOSIS = "B"'),
        ("blames the scaling", 'DIAGNOSIS = "D"'),
    ],
    "ex8_solution": [
        (
            "checks only after training",
            [
                "w, b = np.zeros(X.shape[1]), 0.0\nlosses = [loss_fn(X, y, w, b)]\nfor _ in range(epochs):\n"
                "    dw, db = grad_fn(X, y, w, b)\n    w, b = w - lr * dw, b - lr * db\n    losses.append(loss_fn(X, y, w, b))\n"
                "if lower_bound is not None and losses[-1] < lower_bound:\n"
                "    raise RuntimeError(f'final loss {losses[-1]} is below {lower_bound} (epoch {epochs})')\n"
                "return w, b, losses",
                None,
                None,
            ],
        ),
        (
            "never checks the initial loss",
            [
                "w, b = np.zeros(X.shape[1]), 0.0\nlosses = [loss_fn(X, y, w, b)]\nfor epoch in range(1, epochs + 1):\n"
                "    dw, db = grad_fn(X, y, w, b)\n    w, b = w - lr * dw, b - lr * db\n    loss = loss_fn(X, y, w, b)\n"
                "    if not np.isfinite(loss) or (lower_bound is not None and loss < lower_bound):\n"
                "        raise RuntimeError(f'loss {loss} at epoch {epoch}')\n    losses.append(loss)\n"
                "return w, b, losses",
                None,
                None,
            ],
        ),
        (
            "misses divergence (inf < 0 is False)",
            [
                "w, b = np.zeros(X.shape[1]), 0.0\nlosses = []\nfor epoch in range(epochs + 1):\n"
                "    if epoch > 0:\n        dw, db = grad_fn(X, y, w, b)\n        w, b = w - lr * dw, b - lr * db\n"
                "    loss = loss_fn(X, y, w, b)\n    if lower_bound is not None and loss < lower_bound:\n"
                "        raise RuntimeError(f'loss {loss} at epoch {epoch} is below {lower_bound}')\n    losses.append(loss)\n"
                "return w, b, losses",
                None,
                None,
            ],
        ),
        (
            "prints a warning and returns instead of raising",
            [
                "w, b = np.zeros(X.shape[1]), 0.0\nlosses = [loss_fn(X, y, w, b)]\nfor epoch in range(1, epochs + 1):\n"
                "    dw, db = grad_fn(X, y, w, b)\n    w, b = w - lr * dw, b - lr * db\n    losses.append(loss_fn(X, y, w, b))\n"
                "    if not np.isfinite(losses[-1]) or (lower_bound is not None and losses[-1] < lower_bound):\n"
                "        print(f'warning: loss {losses[-1]} at epoch {epoch}')\n        break\n"
                "return w, b, losses",
                None,
                None,
            ],
        ),
        (
            "fixes the loss with an absolute value",
            [
                None,
                "errors = y - (X @ w + b)\nreturn float(np.mean(np.abs(errors)))",
                "errors = y - (X @ w + b)\nreturn -X.T @ np.sign(errors) / len(y), -float(np.mean(np.sign(errors)))",
            ],
        ),
        (
            "squares the loss but keeps the colleague's gradient",
            [None, None, "return -X.mean(axis=0), -1.0"],
        ),
        (
            "gradient with the wrong sign",
            [
                None,
                None,
                "errors = y - (X @ w + b)\nreturn 2.0 * X.T @ errors / len(y), 2.0 * float(np.mean(errors))",
            ],
        ),
    ],
    "ex9_solution": [
        (
            "penalty gradient without the 2",
            ["dw, db = mse_grad(X, y, w, b)\nreturn dw + lam * w, db", None],
        ),
        (
            "penalises the bias too",
            [
                "dw, db = mse_grad(X, y, w, b)\nreturn dw + 2.0 * lam * w, db + 2.0 * lam * b",
                None,
            ],
        ),
        (
            "penalty gradient divided by N",
            [
                "dw, db = mse_grad(X, y, w, b)\nreturn dw + 2.0 * lam * w / len(y), db",
                None,
            ],
        ),
        (
            "ridge_fit penalises the bias",
            [
                None,
                "n, d = X.shape\n"
                + X_TILDE
                + "theta = np.linalg.solve(X_tilde.T @ X_tilde + n * lam * np.eye(d + 1), X_tilde.T @ y)\n"
                "return theta[:-1], float(theta[-1])",
            ],
        ),
        (
            "ridge_fit forgets the factor N",
            [
                None,
                "n, d = X.shape\n" + X_TILDE + "P = np.eye(d + 1)\nP[-1, -1] = 0.0\n"
                "theta = np.linalg.solve(X_tilde.T @ X_tilde + lam * P, X_tilde.T @ y)\nreturn theta[:-1], float(theta[-1])",
            ],
        ),
        ("ridge_fit ignores lam", [None, "return closed_form(X, y)"]),
    ],
    "ex10_solution": [
        (
            "chooses the largest validation MSE",
            "val_mses = []\nfor lam in lambdas:\n    w, b = ridge_fit(X_train, y_train, lam)\n"
            "    val_mses.append(mse(X_val @ w + b, y_val))\nreturn lambdas[int(np.argmax(val_mses))], val_mses",
        ),
        (
            "scores on the training set",
            "val_mses = []\nfor lam in lambdas:\n    w, b = ridge_fit(X_train, y_train, lam)\n"
            "    val_mses.append(mse(X_train @ w + b, y_train))\nreturn lambdas[int(np.argmin(val_mses))], val_mses",
        ),
        (
            "scores on the global test set",
            "val_mses = []\nfor lam in lambdas:\n    w, b = ridge_fit(X_train, y_train, lam)\n"
            "    val_mses.append(mse(P_test @ w + b, y_test))\nreturn lambdas[int(np.argmin(val_mses))], val_mses",
        ),
        (
            "returns the index, not the lambda",
            "val_mses = []\nfor lam in lambdas:\n    w, b = ridge_fit(X_train, y_train, lam)\n"
            "    val_mses.append(mse(X_val @ w + b, y_val))\nreturn int(np.argmin(val_mses)), val_mses",
        ),
        (
            "fits on the validation set",
            "val_mses = []\nfor lam in lambdas:\n    w, b = ridge_fit(X_val, y_val, lam)\n"
            "    val_mses.append(mse(X_val @ w + b, y_val))\nreturn lambdas[int(np.argmin(val_mses))], val_mses",
        ),
    ],
    "ex10_lambdas": [
        ("too narrow a grid", "LAMBDAS = [0.0, 1e-4, 1e-3, 2e-3, 5e-3]"),
        ("only large values", "LAMBDAS = [0.0, 3.0, 10.0, 30.0, 100.0]"),
        ("leaves out 0", "LAMBDAS = [0.01, 0.03, 0.1, 0.3, 1.0]"),
        ("four values", "LAMBDAS = [0.0, 0.1, 0.3, 1.0]"),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "np.square and an explicit length",
            "if y_hat.shape != y.shape:\n    raise ValueError(f'shapes {y_hat.shape} and {y.shape}')\n"
            "return float(np.square(y_hat - y).sum() / len(y))",
        ),
    ],
    "ex4_solution": [
        (
            "QR decomposition",
            X_TILDE
            + "Q, R = np.linalg.qr(X_tilde)\ntheta = np.linalg.solve(R, Q.T @ y)\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "pseudo-inverse of X_tilde (SVD)",
            X_TILDE
            + "theta = np.linalg.pinv(X_tilde) @ y\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "scipy's lstsq",
            "import scipy.linalg\n"
            + X_TILDE
            + "theta = scipy.linalg.lstsq(X_tilde, y)[0]\nreturn theta[:-1], float(theta[-1])",
        ),
        (
            "centred data, then lstsq without a bias column",
            "x_mean, y_mean = X.mean(axis=0), y.mean()\nw = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)[0]\n"
            "return w, float(y_mean - x_mean @ w)",
        ),
    ],
    "ex6_solution": [
        (
            "a tqdm progress bar over the epochs",
            "from tqdm.auto import tqdm\nrng = np.random.default_rng(seed)\nw, b = np.zeros(X.shape[1]), 0.0\n"
            "losses = [mse(X @ w + b, y)]\nfor _ in tqdm(range(epochs), desc='sgd', leave=False):\n"
            "    for idx in batch_indices(len(X), batch_size, rng):\n        w, b = gradient_step(X[idx], y[idx], w, b, lr)\n"
            "    losses.append(mse(X @ w + b, y))\nreturn w, b, losses",
        ),
    ],
    "ex7_solution": [
        (
            "the square expanded into averages",
            "x = X[:, 0]\nw = np.asarray(weights, dtype=float)[None, :]\nb = np.asarray(biases, dtype=float)[:, None]\n"
            "return (w ** 2 * np.mean(x ** 2) + b ** 2 + np.mean(y ** 2) + 2 * w * b * np.mean(x)\n"
            "        - 2 * w * np.mean(x * y) - 2 * b * np.mean(y))",
        ),
        (
            "einsum-free outer products",
            "x = X[:, 0]\nweights, biases = np.asarray(weights, dtype=float), np.asarray(biases, dtype=float)\n"
            "residual = np.multiply.outer(weights, x)[None, :, :] + biases[:, None, None] - y\n"
            "return (residual ** 2).mean(axis=2)",
        ),
    ],
    "ex8_solution": [
        (
            "a while loop and math.isfinite",
            [
                "import math\nw, b = np.zeros(X.shape[1]), 0.0\nlosses, epoch = [], 0\nwhile True:\n"
                "    loss = loss_fn(X, y, w, b)\n    if not math.isfinite(loss):\n"
                "        raise RuntimeError(f'training diverged: loss {loss} at epoch {epoch}')\n"
                "    if lower_bound is not None and loss < lower_bound:\n"
                "        raise RuntimeError(f'loss {loss:.4g} below its bound {lower_bound} at epoch {epoch}')\n"
                "    losses.append(loss)\n    if epoch == epochs:\n        return w, b, losses\n"
                "    dw, db = grad_fn(X, y, w, b)\n    w, b = w - lr * dw, b - lr * db\n    epoch += 1",
                "return mse(X @ w + b, y)",
                "return mse_grad(X, y, w, b)",
            ],
        ),
    ],
    "ex9_solution": [
        (
            "augmented least squares",
            [
                None,
                "n, d = X.shape\n"
                + X_TILDE
                + "rows = np.hstack([np.sqrt(n * lam) * np.eye(d), np.zeros((d, 1))])\n"
                "theta = np.linalg.lstsq(np.vstack([X_tilde, rows]), np.r_[y, np.zeros(d)], rcond=None)[0]\n"
                "return theta[:-1], float(theta[-1])",
            ],
        ),
        (
            "centre, then solve for w alone",
            [
                "r = X @ w + b - y\nreturn 2.0 * X.T @ r / len(y) + 2.0 * lam * w, 2.0 * float(r.mean())",
                "n, d = X.shape\nx_mean, y_mean = X.mean(axis=0), y.mean()\nXc = X - x_mean\n"
                "w = np.linalg.solve(Xc.T @ Xc + n * lam * np.eye(d), Xc.T @ (y - y_mean))\n"
                "return w, float(y_mean - x_mean @ w)",
            ],
        ),
    ],
    "ex10_solution": [
        (
            "a tqdm bar, and a warning when the best lambda is at the edge of the grid",
            "import warnings\nfrom tqdm.auto import tqdm\nval_mses = []\nfor lam in tqdm(lambdas, desc='lambda', leave=False):\n"
            "    w, b = ridge_fit(X_train, y_train, lam)\n    val_mses.append(float(np.mean((X_val @ w + b - y_val) ** 2)))\n"
            "best = int(np.argmin(val_mses))\nif best in (0, len(lambdas) - 1):\n"
            "    warnings.warn(f'the best lambda, {lambdas[best]}, is at the edge of the grid: widen it')\n"
            "return lambdas[best], val_mses",
        ),
        (
            "min over pairs",
            "val_mses = [mse(X_val @ w + b, y_val) for w, b in (ridge_fit(X_train, y_train, lam) for lam in lambdas)]\n"
            "best_mse, best_lam = min(zip(val_mses, range(len(lambdas))))\nreturn lambdas[best_lam], val_mses",
        ),
    ],
    "ex10_lambdas": [
        ("a NumPy log grid", "LAMBDAS = np.r_[0.0, np.logspace(-4, 1, 11)]"),
    ],
}
