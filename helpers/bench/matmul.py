"""The machine's own ceiling: fp32 matrix multiplication in GFLOP/s, NumPy and PyTorch.

C = A @ B for square (n, n) float32 matrices costs 2 n^3 floating-point operations
(n multiplications and n additions for each of the n^2 entries). Both libraries hand
the work to an optimised BLAS (NumPy to OpenBLAS, PyTorch's CPU wheels to Intel's
MKL or OpenBLAS), so at large n the two should be close, and their GFLOP/s is the
ceiling that every later throughput in the book is compared with.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case

FULL_SIZES = (1024, 2048, 4096)
QUICK_SIZES = (64, 128)


def matmul_flops(n):
    """Floating-point operations of an (n, n) @ (n, n) product: 2 n^3."""
    return 2.0 * n**3


def make_matmul_steps(n):
    """A @ B for the same random (n, n) float32 matrices, as NumPy arrays and as tensors sharing their memory."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a_torch, b_torch = torch.from_numpy(a), torch.from_numpy(b)

    def numpy_step():
        return a @ b

    def torch_step():
        return a_torch @ b_torch

    np.testing.assert_allclose(
        numpy_step(), torch_step().numpy(), rtol=1e-3, atol=1e-3 * np.sqrt(n)
    )
    return numpy_step, torch_step


def cases(quick):
    sizes = QUICK_SIZES if quick else FULL_SIZES
    return [
        Case(f"n = {n}", lambda n=n: make_matmul_steps(n), flops=matmul_flops(n))
        for n in sizes
    ]


def summarize(rows):
    """The peak fp32 GFLOP/s of each library at each thread count, over the sizes measured."""
    lines = []
    for threads in sorted({row["threads"] for row in rows}):
        at = [row for row in rows if row["threads"] == threads]
        best_numpy = max(at, key=lambda row: row["numpy"]["gflops"])
        best_torch = max(at, key=lambda row: row["torch"]["gflops"])
        lines.append(
            f"fp32 matmul peak with {threads} thread{'s' if threads > 1 else ''}: "
            f"NumPy {best_numpy['numpy']['gflops']:.1f} GFLOP/s ({best_numpy['case']}), "
            f"PyTorch {best_torch['torch']['gflops']:.1f} GFLOP/s ({best_torch['case']})"
        )
    return lines


BENCHMARK = Benchmark(
    name="matmul",
    compares="`a @ b` on (n, n) float32 NumPy arrays against `a @ b` on PyTorch tensors sharing the same memory",
    cases=cases,
    summarize=summarize,
)
