"""Data-parallel training of the small GPT: one model copy per process, one batch split.

Run it with ``torchrun``, which starts the processes and tells each one who it is:

    torchrun --standalone --nproc_per_node=2 -m helpers.distributed_train \\
        --steps 20 --out losses.json

On a cluster the same file runs unchanged; only the launch differs, e.g. two
machines with 8 GPUs each (run this on both, HOST being the first machine):

    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d \\
        --rdzv_endpoint=HOST:29500 -m helpers.distributed_train --steps 2000

What happens in every process (a "rank"):

1. ``torch.distributed.init_process_group`` connects the ranks: gloo on CPUs, NCCL
   on CUDA GPUs (rank r uses GPU ``LOCAL_RANK``).
2. Every rank builds the same model from the same seed; ``DistributedDataParallel``
   (DDP) also copies rank 0's weights to the others, so all start equal.
3. At each step every rank draws the same global batch of ``--batch`` windows from
   a generator seeded alike and keeps its own slice of ``batch / world_size``
   windows: the ranks see different data, and together the whole batch.
4. ``loss.backward()`` computes the local gradient; DDP all-reduces it during the
   backward (the mean over ranks), so every rank holds the gradient of the mean
   loss over the global batch, the one a single process would compute.
5. Every rank takes the same AdamW step, so the copies stay equal.

``--fsdp`` shards instead (``torch.distributed.fsdp.fully_shard``, ZeRO stage 3):
each rank keeps 1 / world_size of the weights, gradients and Adam states and
gathers a block's weights only while it computes with them.

Rank 0 writes the losses (the mean over the global batch, step by step) to
``--out`` as JSON. ``single_process_losses`` trains the same model in one process
on the whole batch: the two curves agree to rounding (tests/test_distributed.py).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from helpers.checks import check_integer, check_positive
from helpers.gpt import GPT, GPTConfig
from helpers.text import windows

LAUNCH_HELP = (
    "helpers.distributed_train must be started by torchrun, which sets RANK, "
    "WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT for each process; "
    "missing: {missing}. Launch it as\n"
    "    torchrun --standalone --nproc_per_node=2 -m helpers.distributed_train "
    "--steps 20 --out losses.json\n"
    "(or python -m torch.distributed.run with the same arguments); for one "
    "process without torchrun use helpers.distributed_train.single_process_losses"
)
ENVIRONMENT = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")

DEFAULT_CONFIG = dict(block_size=32, n_layer=2, n_head=2, n_embd=32)


def training_data():
    """The Shakespeare training plays as character ids, and their vocabulary size."""
    from helpers.data import load_shakespeare
    from helpers.text import CharVocabulary, split_by_play

    train_text, _, _ = split_by_play(load_shakespeare())  # val and test unused
    vocabulary = CharVocabulary(train_text)
    return vocabulary.encode(train_text), vocabulary.size


def make_model(vocab_size, seed=0, **sizes):
    """GPT with ``DEFAULT_CONFIG`` (changed by ``sizes``), its weights from ``seed``."""
    config = GPTConfig(vocab_size=vocab_size, **{**DEFAULT_CONFIG, **sizes})
    torch.manual_seed(seed)
    return GPT(config)


def train_steps(
    model, ids, steps, batch, lr, rank=0, world_size=1, seed=0, device="cpu"
):
    """Train ``model`` for ``steps`` AdamW steps; returns the global mean losses.

    Each step draws ``batch`` windows (the same on every rank, from ``seed``) and
    this rank trains on windows ``rank * batch / world_size`` up to the next
    rank's. With world_size > 1, ``model`` is wrapped in DDP or FSDP, which
    averages the gradients over the ranks, and the recorded loss is the mean over
    the ranks' losses, i.e. over the global batch.

    Args:
        model: a ``GPT`` or a ``DistributedDataParallel`` / FSDP-wrapped one.
        ids: (L,) int NumPy token ids. steps, batch: positive integers; world_size
            must divide batch. lr: AdamW's learning rate (no warm-up, no clipping:
            a short run at a small rate needs neither).
    """
    steps = check_integer(steps, "steps", minimum=1)
    batch = check_integer(batch, "batch", minimum=1)
    lr = check_positive(lr, "lr")
    if batch % world_size:
        raise ValueError(
            f"batch must be divisible by the number of processes {world_size}, "
            f"got {batch}"
        )
    local = batch // world_size
    gpt = getattr(model, "module", model)  # DDP keeps the GPT as .module
    block_size = gpt.config.block_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    rng = np.random.default_rng(seed)
    losses = []
    model.train()
    for _ in range(steps):
        x, y = windows(ids, block_size, batch, rng)  # the global batch, every rank
        x = torch.from_numpy(x[rank * local : (rank + 1) * local]).to(device)
        y = torch.from_numpy(y[rank * local : (rank + 1) * local]).to(device)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # DDP / FSDP: gradients averaged over the ranks here
        optimizer.step()
        mean_loss = loss.detach().clone()
        if world_size > 1:
            torch.distributed.all_reduce(mean_loss)  # sum over ranks
            mean_loss /= world_size
        losses.append(mean_loss.item())
    return losses


def single_process_losses(steps=20, batch=8, lr=3e-3, seed=0, **sizes):
    """The reference: the same model, data and steps in one process, whole batch."""
    ids, vocab_size = training_data()
    model = make_model(vocab_size, seed, **sizes)
    return train_steps(model, ids, steps, batch, lr, seed=seed)


def check_launched_by_torchrun(environ=None):
    """Raise a RuntimeError saying how to launch, unless torchrun's variables are set."""
    environ = os.environ if environ is None else environ
    missing = [name for name in ENVIRONMENT if name not in environ]
    if missing:
        raise RuntimeError(LAUNCH_HELP.format(missing=", ".join(missing)))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="torchrun --standalone --nproc_per_node=2 -m helpers.distributed_train",
        description="Data-parallel training of the small GPT (DDP, or FSDP with "
        "--fsdp); rank 0 writes the loss curve to --out.",
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=8, help="global batch (windows)")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fsdp", action="store_true", help="shard (ZeRO-3)")
    parser.add_argument("--out", default="distributed_losses.json")
    args = parser.parse_args(argv)
    check_launched_by_torchrun()

    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    torch.distributed.init_process_group(backend)
    try:
        ids, vocab_size = training_data()
        model = make_model(vocab_size, args.seed).to(device)
        local_parameters = sum(p.numel() for p in model.parameters())
        if args.fsdp:
            from torch.distributed.fsdp import fully_shard

            for block in model.transformer.h:
                fully_shard(block)  # each block gathered only while it computes
            fully_shard(model)
            local_parameters = sum(p.to_local().numel() for p in model.parameters())
            wrapped = model
        else:
            wrapped = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[local_rank] if device.type == "cuda" else None
            )
        start = time.perf_counter()
        losses = train_steps(
            wrapped, ids, args.steps, args.batch, args.lr, rank, world_size,
            args.seed, device,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        held = torch.tensor([local_parameters], device=device)
        gathered = [torch.zeros_like(held) for _ in range(world_size)]
        torch.distributed.all_gather(gathered, held)
        if rank == 0:
            result = {
                "losses": losses,
                "world_size": world_size,
                "backend": backend,
                "fsdp": args.fsdp,
                "batch": args.batch,
                "steps": args.steps,
                "seconds": seconds,
                "parameters": sum(
                    p.numel() for p in make_model(vocab_size).parameters()
                ),
                "parameters_per_rank": [int(t.item()) for t in gathered],
            }
            with open(args.out, "w") as file:
                json.dump(result, file, indent=1)
            print(f"rank 0 of {world_size} ({backend}): wrote {args.out}")
    finally:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as error:
        if "torchrun" in str(error):
            sys.exit(str(error))
        raise
