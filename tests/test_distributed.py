"""helpers.distributed_train: two processes with DDP (and FSDP) = one process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers.distributed_train import single_process_losses

STEPS, BATCH = 8, 8
# the global-batch gradient summed in two halves differs from one sum in the last
# bits of float32; after 8 Adam steps the losses agree to this
TOLERANCE = 1e-5


def launch(tmp_path, *extra, timeout=240):
    out = tmp_path / "losses.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc_per_node=2", "-m", "helpers.distributed_train",
        "--steps", str(STEPS), "--batch", str(BATCH), "--out", str(out), *extra,
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def reference():
    return np.array(single_process_losses(steps=STEPS, batch=BATCH))


@pytest.mark.parametrize("mode", ["ddp", "fsdp"])
def test_two_processes_give_the_single_process_loss_curve(tmp_path, reference, mode):
    result = launch(tmp_path, *(["--fsdp"] if mode == "fsdp" else []))
    assert result["world_size"] == 2 and result["backend"] == "gloo"
    losses = np.array(result["losses"])
    assert losses.shape == (STEPS,)
    np.testing.assert_allclose(losses, reference, rtol=0, atol=TOLERANCE)
    assert losses[-1] < losses[0] - 0.2  # and it learns
    per_rank = result["parameters_per_rank"]
    if mode == "fsdp":  # each rank holds about half of the weights
        assert sum(per_rank) == result["parameters"]
        assert max(per_rank) < 0.55 * result["parameters"]
    else:
        assert per_rank == [result["parameters"]] * 2


def test_without_torchrun_it_says_how_to_launch():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    done = subprocess.run(
        [sys.executable, "-m", "helpers.distributed_train", "--steps", "1"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "torchrun --standalone --nproc_per_node=2" in done.stderr
    assert "Traceback" not in done.stderr
