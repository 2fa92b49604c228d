"""The finite-difference checker must pass right gradients and catch wrong ones."""

import numpy as np
import pytest

from helpers.gradcheck import (
    GradientCheckError,
    check_gradient,
    numerical_gradient,
    relative_error,
)


def test_numerical_gradient_of_a_quadratic_is_exact_enough():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    f = lambda: float(x @ A @ x)  # noqa: E731   gradient (A + A.T) x
    np.testing.assert_allclose(numerical_gradient(f, x), (A + A.T) @ x, rtol=1e-7)


def test_numerical_gradient_restores_the_input_and_handles_matrices():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6, atol=1e-6)


def test_check_gradient_passes_a_right_gradient_and_catches_a_factor_of_two():
    x = np.array([1.0, -2.0, 0.5])
    f = lambda: float(np.sum(x**2))  # noqa: E731
    assert check_gradient(f, x, 2 * x) < 1e-9
    with pytest.raises(
        GradientCheckError,
        match=r"relative error 3\.3.e-01.*worst entry \(1,\): analytic -2, finite differences -4",
    ):
        check_gradient(f, x, x)


def test_relative_error_is_scale_free_and_zero_for_equal_arrays():
    assert relative_error(np.array([1e-8, 2e-8]), np.array([1e-8, 2e-8])) == 0.0
    assert relative_error(np.array([1e6]), np.array([1.01e6])) == pytest.approx(
        0.01 / 2.01, rel=1e-6
    )
    with pytest.raises(ValueError, match="different shapes"):
        relative_error(np.ones(2), np.ones(3))


def test_bad_calls_are_explained():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"f must return a scalar.*shape \(3,\)"):
        numerical_gradient(lambda: x * 2, x)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: float(np.sum(x)), np.ones(3, dtype=np.float32))
    with pytest.raises(
        ValueError,
        match=r"analytic gradient of w must have the shape of w, \(3,\), got \(2,\)",
    ):
        check_gradient(lambda: float(np.sum(x)), x, np.ones(2), name="w")
