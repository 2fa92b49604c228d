"""helpers.export: exported, ONNX and quantised models compute what the eager one does."""

import numpy as np
import pytest
import torch

from helpers.export import export_onnx, export_program, quantize_int8, run_onnx
from helpers.gpt import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=29, block_size=16, n_layer=2, n_head=2, n_embd=32)
SHAPES = [(2, 8), (1, 16), (3, 3)]  # other batch sizes and lengths than the example


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT(CONFIG).eval()


def ids(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, CONFIG.vocab_size, shape, generator=g)


def test_torch_export_equals_eager_for_every_shape(model):
    program = export_program(model, (ids((2, 8), 0),))
    exported = program.module()
    for seed, shape in enumerate(SHAPES):
        x = ids(shape, seed)
        torch.testing.assert_close(exported(x)[0], model(x)[0], rtol=0, atol=1e-6)


def test_onnx_in_onnxruntime_equals_eager(model, tmp_path):
    path = export_onnx(model, (ids((2, 8), 0),), tmp_path / "gpt.onnx")
    for seed, shape in enumerate(SHAPES):
        x = ids(shape, seed)
        (logits,) = run_onnx(path, x.numpy())
        with torch.no_grad():
            expected = model(x)[0].numpy()
        assert logits.shape == expected.shape
        np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)


def test_int8_quantisation_changes_linears_only_and_stays_close(model):
    quantized = quantize_int8(model)
    assert isinstance(model.lm_head, torch.nn.Linear)  # the original is untouched
    assert type(quantized.lm_head).__name__ == "Linear"
    assert "quantized" in type(quantized.lm_head).__module__
    x = ids((2, 16), 3)
    with torch.no_grad():
        a, b = model(x)[0], quantized(x)[0]
    # int8 weights: small, non-zero differences, same most likely tokens mostly
    assert 0 < (a - b).abs().max() < 0.1
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.9
