"""Every benchmark by name, in the order they run. A chapter adds its own with one line here.

To add one: write ``helpers/bench/<topic>.py`` with a ``BENCHMARK = Benchmark(...)``
whose cases build a NumPy step and a PyTorch step doing the same work (see
``helpers.bench.linear`` for a short example), and list it below.
"""

from helpers.bench import (
    attention,
    autograd,
    conv,
    gpt,
    layers,
    linear,
    losses,
    matmul,
    norm,
    optim,
    rnn,
)

BENCHMARKS = {
    benchmark.name: benchmark
    for benchmark in (
        matmul.BENCHMARK,
        linear.BENCHMARK,
        layers.BENCHMARK,
        losses.BENCHMARK,
        autograd.BENCHMARK,
        optim.BENCHMARK,
        norm.BENCHMARK,
        conv.BENCHMARK,
        rnn.BENCHMARK,
        attention.BENCHMARK,
        gpt.BENCHMARK,
    )
}
