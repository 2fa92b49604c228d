"""Clear errors from helpers.scale, helpers.distributed_train and helpers.export."""

import numpy as np
import pytest
import torch

from helpers.distributed_train import check_launched_by_torchrun, train_steps
from helpers.export import export_onnx, export_program, quantize_int8, run_onnx
from helpers.gpt import GPT, GPTConfig
from helpers.scale import (
    EncoderConfig,
    activation_bytes,
    energy_kwh,
    fit_power_law,
    gpu_days,
    kv_cache_bytes,
    parameter_count,
    sharded_training_memory,
    training_flops,
    training_memory,
)

TINY = GPTConfig(11, 8, 1, 2, 8)


def test_head_count_must_divide_the_width():
    with pytest.raises(ValueError, match="n_embd must be divisible by n_head"):
        GPTConfig(65, 32, 2, 3, 32)
    with pytest.raises(ValueError, match="n_embd must be divisible by n_head"):
        EncoderConfig(100, 16, 2, 5, 32)


@pytest.mark.parametrize("field", ["n_layer", "n_embd", "vocab_size", "block_size"])
def test_negative_sizes(field):
    sizes = dict(vocab_size=11, block_size=8, n_layer=1, n_head=1, n_embd=8)
    with pytest.raises(ValueError, match=f"{field} must be a positive integer"):
        GPTConfig(**{**sizes, field: -4})


def test_calculators_reject_bad_numbers():
    with pytest.raises(ValueError, match="n_params must be positive"):
        training_flops(-1, 10)
    with pytest.raises(ValueError, match="n_tokens must be positive"):
        training_flops(10, 0)
    with pytest.raises(ValueError, match="utilisation must be a fraction"):
        gpu_days(1e20, 1e12, 40)
    with pytest.raises(ValueError, match="pue must be at least 1"):
        energy_kwh(1e20, 1e12, 0.4, 300, pue=0.5)
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        training_memory(10, "fp8")
    with pytest.raises(ValueError, match="stage must be 0, 1, 2 or 3"):
        sharded_training_memory(10, 4, 4)
    with pytest.raises(ValueError, match="devices must be a positive integer"):
        sharded_training_memory(10, 0, 1)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        kv_cache_bytes(TINY, 1, -3)
    with pytest.raises(TypeError, match="config must be a helpers.gpt.GPTConfig"):
        parameter_count({"n_layer": 12})
    with pytest.raises(ValueError, match="config.dropout must be 0"):
        activation_bytes(GPTConfig(11, 8, 1, 2, 8, dropout=0.1), 2)
    with pytest.raises(ValueError, match="unknown attention 'sparse'"):
        activation_bytes(TINY, 2, attention="sparse")


def test_power_law_needs_positive_values_and_three_points():
    with pytest.raises(ValueError, match="at least 3 sizes"):
        fit_power_law([1, 2], [3, 2])
    with pytest.raises(ValueError, match="loss must be positive"):
        fit_power_law([1, 2, 3], [3, -2, 1])
    with pytest.raises(ValueError, match="same length"):
        fit_power_law([1, 2, 3], [3, 2])


def test_distributed_script_says_how_to_launch():
    with pytest.raises(RuntimeError, match="torchrun --standalone --nproc_per_node"):
        check_launched_by_torchrun({})
    with pytest.raises(RuntimeError, match="missing: MASTER_PORT"):
        check_launched_by_torchrun(
            {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "x"}
        )
    with pytest.raises(ValueError, match="batch must be divisible"):
        train_steps(GPT(TINY), np.arange(50) % 11, 1, 3, 1e-3, world_size=2)


def test_export_refuses_a_model_in_training_mode(tmp_path):
    model = GPT(TINY).train()
    idx = torch.zeros(1, 4, dtype=torch.long)
    for export in (export_program, quantize_int8):
        with pytest.raises(ValueError, match="model must be in evaluation mode"):
            export(model, (idx,)) if export is export_program else export(model)
    with pytest.raises(ValueError, match="model must be in evaluation mode"):
        export_onnx(model, (idx,), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="example_args must be a tuple"):
        export_program(model.eval(), idx)
    with pytest.raises(FileNotFoundError, match="path must name an ONNX file"):
        run_onnx(tmp_path / "missing.onnx", idx.numpy())
