"""The small GPT: training throughput, model-FLOPs utilisation, and one block in NumPy.

Three cases, at the chapter's CPU size (4 layers, 4 heads, width 128, context 64,
batch 12, the 65 characters of the Shakespeare text):

    matmul            (n, n) @ (n, n) in float32: the machine's ceiling in this run
    block forward     ``helpers.numpy_nn.transformer_block.TransformerBlock`` against
                      ``helpers.gpt.Block``, forward only, same weights and data
    training step     one step of ``helpers.gpt.GPT`` in PyTorch: forward, backward,
                      gradient clipping and AdamW on a fixed batch (no NumPy twin)

The training step's FLOPs are 3 * ``flops_per_token`` per token (forward, and a
backward that costs twice the forward), counted in matrix products only. The
summary gives its tokens per second and its model-FLOPs utilisation (MFU): its
GFLOP/s over the matmul's GFLOP/s measured in the same run at the same thread count.

``python -m helpers.bench.gpt --seconds 60`` trains the same model file for 60 seconds
on the Shakespeare text split by play and prints the validation loss it reaches and
its MFU. Its default configuration, ``RUN_CONFIG`` (2 layers, 4 heads, width 64,
context 64, batch 32, peak learning rate 1e-2), is chapter 7b's model: for a one-minute
budget on a CPU a smaller, faster model at a higher learning rate ends lower than the
4-layer, 128-wide one. Measured in CPU time on one core (a shared machine makes wall
time meaningless; ``train_gpt``'s loop with the number of steps a minute allowed fixed
in advance, the cosine over those steps), one minute of training reached 2.03 nats/char on the validation
play for the 128-wide model at learning rate 3e-3 (870 steps of batch 12), 1.89 for
the 64-wide one at 1e-2 and 1.90 at 6e-3 (1,900 steps of batch 32), and 1.90 for three
64-wide layers at 6e-3 (1,400 steps); the old default, the 128-wide model at 1e-3, had
reached 2.56 in a wall-clock minute. The benchmark case keeps the
wider model, whose larger matrix products measure the machine's utilisation better
(about 60% of the one-core matmul peak in CPU time, at batch 12 or 32 alike).
``torch.compile`` was tried on the wider model: about 11% less CPU time per step, after
about 11 CPU-seconds of compilation, so it does not pay within a minute and is not
used; neither did PyTorch's fused AdamW help on a CPU.
"""

import argparse
import sys
import time

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.bench.matmul import make_matmul_steps, matmul_flops
from helpers.gpt import GPT, Block, GPTConfig, flops_per_token, train_gpt
from helpers.numpy_nn.transformer_block import TransformerBlock

CPU_CONFIG = GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128)
CPU_BATCH = 12
QUICK_CONFIG = GPTConfig(vocab_size=65, block_size=16, n_layer=1, n_head=2, n_embd=16)
QUICK_BATCH = 2
MATMUL_SIZE, QUICK_MATMUL_SIZE = 1024, 128
LEARNING_RATE = 1e-3
# the 60-second training run (chapter 7b's model and learning rate)
RUN_CONFIG = GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=64)
RUN_BATCH = 32
RUN_LEARNING_RATE = 1e-2
RUN_WARMUP = 30


def training_step_flops(config, batch_size):
    """FLOPs of one training step on (batch_size, block_size) tokens."""
    tokens = batch_size * config.block_size
    return 3.0 * flops_per_token(config, config.block_size) * tokens


def block_forward_flops(config, batch_size):
    """FLOPs of one block's forward on (batch_size, block_size, n_embd)."""
    T, C = config.block_size, config.n_embd
    return float(batch_size * T * (24 * C * C + 4 * T * C))


def make_training_step(config, batch_size):
    """(None, torch_step): one AdamW step of GPT(config) on a fixed random batch."""
    torch.manual_seed(0)
    model = GPT(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(0)
    shape = (batch_size, config.block_size)
    x = torch.randint(0, config.vocab_size, shape, generator=generator)
    y = torch.randint(0, config.vocab_size, shape, generator=generator)

    def torch_step():
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss

    assert torch.isfinite(torch_step())
    return None, torch_step


def make_block_steps(config, batch_size):
    """The NumPy block's forward and the torch Block's, float32, same weights."""
    torch.manual_seed(0)
    block = Block(config).eval()
    twin = TransformerBlock(config.n_embd, config.n_head, dtype=np.float32)
    twin.load_state_dict(block.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal(
        (batch_size, config.block_size, config.n_embd), dtype=np.float32
    )
    x_torch = torch.from_numpy(x)

    def numpy_step():
        return twin.forward(x)

    @torch.no_grad()
    def torch_step():
        return block(x_torch)

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-4, atol=1e-4)
    return numpy_step, torch_step


def _size(config, batch_size):
    def plural(count, word):
        return f"{count} {word}{'s' if count != 1 else ''}"

    return (
        f"{plural(config.n_layer, 'layer')}, {plural(config.n_head, 'head')}, "
        f"width {config.n_embd}, "
        f"T {config.block_size}, batch {batch_size}"
    )


def _training_label(config, batch_size):
    return f"training step, {_size(config, batch_size)}"


# tokens per training step, by case label, for the summary
TOKENS_PER_STEP = {
    _training_label(config, batch): batch * config.block_size
    for config, batch in ((CPU_CONFIG, CPU_BATCH), (QUICK_CONFIG, QUICK_BATCH))
}


def cases(quick):
    config, batch = (QUICK_CONFIG, QUICK_BATCH) if quick else (CPU_CONFIG, CPU_BATCH)
    n = QUICK_MATMUL_SIZE if quick else MATMUL_SIZE
    return [
        Case(
            f"matmul n = {n} (the peak for MFU)",
            lambda: make_matmul_steps(n),
            flops=matmul_flops(n),
        ),
        Case(
            f"one block forward, {_size(config, batch).split(', ', 1)[1]}",
            lambda: make_block_steps(config, batch),
            flops=block_forward_flops(config, batch),
        ),
        Case(
            _training_label(config, batch),
            lambda: make_training_step(config, batch),
            flops=training_step_flops(config, batch),
        ),
    ]


def summarize(rows):
    """Tokens/s and MFU of the training step at each thread count."""
    lines = []
    for threads in sorted({row["threads"] for row in rows}):
        at = {
            row["case"].split(" ")[0]: row for row in rows if row["threads"] == threads
        }
        train, peak = at["training"], at["matmul"]["torch"]["gflops"]
        tokens_per_s = TOKENS_PER_STEP[train["case"]] / train["torch"]["median_s"]
        mfu = train["torch"]["gflops"] / peak
        lines.append(
            f"GPT training with {threads} thread{'s' if threads > 1 else ''}: "
            f"{tokens_per_s:,.0f} tokens/s, {train['torch']['gflops']:.1f} GFLOP/s, "
            f"MFU {100 * mfu:.0f}% of the {peak:.1f} GFLOP/s fp32 matmul peak "
            f"measured in this run"
        )
    return lines


BENCHMARK = Benchmark(
    name="gpt",
    compares="`helpers.numpy_nn.transformer_block.TransformerBlock.forward` against "
    "`helpers.gpt.Block` (float32, same weights); a `helpers.gpt.GPT` training step "
    "(PyTorch only) with its MFU against the matmul peak of the same run",
    cases=cases,
    summarize=summarize,
)


# --------------------------------------------------------- the 60-second training run
def matmul_peak_gflops(n=MATMUL_SIZE, repeats=5):
    """PyTorch's fp32 (n, n) matmul GFLOP/s here and now (the best of the repeats)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return matmul_flops(n) / best / 1e9


def timed_training_run(
    seconds=60.0,
    config=RUN_CONFIG,
    batch_size=RUN_BATCH,
    lr=RUN_LEARNING_RATE,
    warmup_steps=RUN_WARMUP,
    device="cpu",
    progress=True,
):
    """Train GPT(config) on the Shakespeare text for ``seconds``; return the results.

    Character-level, split by play (``helpers.text.split_by_play``: the validation
    play is one the model never reads). Returns a dict with the validation loss,
    the steps, the tokens per second, the matmul peak and the MFU.
    """
    from helpers.data import load_shakespeare
    from helpers.text import CharVocabulary, split_by_play

    train_text, val_text, _ = split_by_play(load_shakespeare())  # test: not touched
    vocabulary = CharVocabulary(train_text)
    train_ids, val_ids = vocabulary.encode(train_text), vocabulary.encode(val_text)
    config = GPTConfig(**{**config.__dict__, "vocab_size": vocabulary.size})
    peak_before = matmul_peak_gflops()
    torch.manual_seed(0)
    model = GPT(config)
    history = train_gpt(
        model,
        train_ids,
        val_ids,
        steps=100_000,
        batch_size=batch_size,
        lr=lr,
        warmup_steps=warmup_steps,
        min_lr=lr / 10,
        device=device,
        time_budget_s=seconds,
        eval_every=250,
        eval_batches=50,
        progress=progress,
    )
    peak = max(peak_before, matmul_peak_gflops())
    tokens_per_s = history.last("tokens_per_s")
    gflops = 3 * flops_per_token(config, config.block_size) * tokens_per_s / 1e9
    return {
        "config": config,
        "batch_size": batch_size,
        "history": history,
        "val_loss": history.last("val_loss"),
        "steps": int(history.last("step")),
        "tokens_per_s": tokens_per_s,
        "gflops": gflops,
        "peak_gflops": peak,
        "mfu": gflops / peak,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench.gpt",
        description="Train the chapter's small GPT for a fixed time on the "
        "Shakespeare text and report its validation loss and MFU.",
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--lr", type=float, default=RUN_LEARNING_RATE)
    parser.add_argument("--warmup", type=int, default=RUN_WARMUP, help="warm-up steps")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="PyTorch threads (default: PyTorch's own choice)",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)  # the matmul peak uses the same count
    from helpers.bench.machine import load_average

    load = load_average()
    result = timed_training_run(
        args.seconds, lr=args.lr, warmup_steps=args.warmup, device=args.device
    )
    c = result["config"]
    print(
        f"GPT {c.n_layer} layers, {c.n_head} heads, width {c.n_embd}, block "
        f"{c.block_size}, batch {result['batch_size']}, "
        f"{GPT(c).num_parameters():,} parameters, on {args.device} with "
        f"{torch.get_num_threads()} threads; load average {load}"
    )
    for step, train, val in zip(
        *(result["history"][k] for k in ("step", "train_loss", "val_loss"))
    ):
        print(f"  step {int(step):5d}: train {train:.3f}, val {val:.3f} nats/char")
    print(
        f"{result['steps']} steps in {args.seconds:g} s: validation loss "
        f"{result['val_loss']:.3f} nats/char; {result['tokens_per_s']:,.0f} "
        f"tokens/s, {result['gflops']:.2f} GFLOP/s, MFU "
        f"{100 * result['mfu']:.1f}% of {result['peak_gflops']:.1f} GFLOP/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
