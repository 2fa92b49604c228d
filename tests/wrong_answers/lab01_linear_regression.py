WRONG_ANSWERS = {
    "ex1_solution": [
        ("no shape check", "return float(np.mean((y_hat - y) ** 2))"),
        ("sum instead of mean", "if y_hat.shape != y.shape:\n    raise ValueError('shape')\nreturn float(np.sum((y_hat - y) ** 2))"),
    ],
}
RIGHT_ANSWERS = {
    "ex1_solution": [
        ("np.square and a warning", "import warnings\nwarnings.warn('hello')\nif y_hat.shape != y.shape:\n    raise ValueError('s')\nreturn float(np.square(y_hat - y).mean())"),
    ],
}
