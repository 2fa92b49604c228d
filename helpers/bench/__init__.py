"""``python -m helpers.bench``: the book's NumPy references and their PyTorch twins, timed side by side.

Each benchmark runs the same work on the same data in NumPy and in PyTorch, in
the same run, alternating their repeats, at fixed thread counts, and reports the
median time, its interquartile range and the ratio NumPy / PyTorch. Ratios travel
between machines much better than times do.

    python -m helpers.bench                      # everything, 1 thread and all cores
    python -m helpers.bench linear mlp_step      # just these
    python -m helpers.bench --quick              # small sizes, a few seconds
    python -m helpers.bench --markdown book/performance_results.md --json results.json

Modules, one topic each:
    case      Case and Benchmark: what a benchmark is made of
    timing    warm-up, repeats, median and spread; fixed thread counts
    machine   date, CPU, cores, load and library versions of a run
    run       run benchmarks by name and collect their rows
    report    the rows as a text table, JSON or Markdown
    registry  every benchmark by name; a new topic is one module and one line there
    matmul, linear, layers, losses, autograd, optim (adam_step), norm (batchnorm),
              rnn (lstm)
              the benchmarks
"""
