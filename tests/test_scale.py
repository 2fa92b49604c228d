"""helpers.scale: the calculators equal what real models hold, compute and save."""

import math

import numpy as np
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from helpers.gpt import GPT, GPTConfig, KVCache
from helpers.scale import (
    BERT_BASE,
    BERT_LARGE,
    GPT2_CONFIGS,
    GPT3_175B,
    EncoderConfig,
    activation_bytes,
    chinchilla_tokens,
    energy_kwh,
    fit_power_law,
    forward_flops_per_token,
    gpu_days,
    kv_cache_bytes,
    model_flops_utilisation,
    parameter_breakdown,
    parameter_count,
    sharded_training_memory,
    torch_nn_encoder,
    training_flops,
    training_memory,
)

SMALL = [
    GPTConfig(65, 32, 2, 4, 32),
    GPTConfig(11, 8, 3, 2, 16, bias=False),
    GPTConfig(50, 16, 1, 3, 24, tie_weights=False),
    GPTConfig(7, 5, 2, 1, 8, bias=False, tie_weights=False),
]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def count(model):
    return sum(p.numel() for p in model.parameters())  # a tied tensor once


@pytest.mark.parametrize("config", SMALL, ids=str)
def test_breakdown_matches_the_modules_of_a_small_gpt(config):
    model = GPT(config)
    parts = parameter_breakdown(config)
    assert sum(parts.values()) == parameter_count(config) == count(model)
    h = model.transformer.h
    assert parts["attention"] == sum(count(b.attn) for b in h)
    assert parts["MLP"] == sum(count(b.mlp) for b in h)
    norms = [b.ln_1 for b in h] + [b.ln_2 for b in h] + [model.transformer.ln_f]
    assert parts["layer norms"] == sum(count(n) for n in norms)
    assert parts["position embedding"] == count(model.transformer.wpe)


EXPECTED_GPT = {
    "GPT-2 small": 124_439_808,
    "GPT-2 medium": 354_823_168,
    "GPT-2 large": 774_030_080,
    "GPT-2 XL": 1_557_611_200,
}


@pytest.mark.parametrize("name", list(EXPECTED_GPT))
def test_gpt2_sizes_on_the_meta_device(name):
    config = GPT2_CONFIGS[name]
    with torch.device("meta"):
        model = GPT(config)
    assert count(model) == parameter_count(config) == EXPECTED_GPT[name]


def test_gpt3_on_the_meta_device_is_174_6_billion():
    with torch.device("meta"):
        model = GPT(GPT3_175B)
    assert next(model.parameters()).is_meta
    assert count(model) == parameter_count(GPT3_175B) == 174_604_259_328
    assert round(count(model) / 1e9, 1) == 174.6


@pytest.mark.parametrize(
    "config, expected",
    [(BERT_BASE, 109_482_240), (BERT_LARGE, 335_141_888)],
    ids=["bert-base", "bert-large"],
)
def test_bert_counts_equal_torch_nn_modules_on_the_meta_device(config, expected):
    with torch.device("meta"):
        model = torch_nn_encoder(config)
    assert count(model) == parameter_count(config) == expected
    parts = parameter_breakdown(config)
    layers = model["encoder"].layers
    assert parts["attention"] == sum(count(layer.self_attn) for layer in layers)
    assert parts["MLP"] == sum(
        count(layer.linear1) + count(layer.linear2) for layer in layers
    )


def test_encoder_without_pooler_or_segments():
    config = EncoderConfig(100, 16, 2, 2, 8, intermediate=20, type_vocab_size=0,
                           pooler=False)  # fmt: skip
    assert count(torch_nn_encoder(config)) == parameter_count(config)


@pytest.mark.parametrize("config", SMALL[:2], ids=str)
def test_forward_and_training_flops_match_the_flop_counter(config):
    model = GPT(config)
    B, T = 3, config.block_size
    idx = torch.randint(0, config.vocab_size, (B, T))
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(idx)
    assert counter.get_total_flops() / (B * T) == forward_flops_per_token(config)
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(idx, idx)[1].backward()
    assert counter.get_total_flops() / (B * T) == 3 * forward_flops_per_token(config)


def test_six_n_d_for_gpt3_and_gpu_days():
    flops = training_flops(175e9, 300e9)
    assert abs(flops / 3.15e23 - 1) < 1e-12
    # 312 TFLOP/s (A100 bf16 dense) at 50 %: 3.15e23 / 1.56e14 / 86400 = 23,377 days
    days = gpu_days(flops, 312e12, 0.5)
    assert abs(days - 3.15e23 / 1.56e14 / 86_400) < 1e-6
    # 6ND is 6 x the forward's 2N: the weights' part of flops_per_token
    c = GPT2_CONFIGS["GPT-2 small"]
    n_mult = 12 * c.n_layer * c.n_embd**2 + c.vocab_size * c.n_embd
    attention = 4 * c.n_layer * c.block_size * c.n_embd
    assert forward_flops_per_token(c) == 2 * n_mult + attention


def test_energy_and_mfu():
    # 1e18 FLOPs at 1e12 FLOP/s x 0.5: 2e6 s = 555.6 h; at 400 W and PUE 1.1
    kwh = energy_kwh(1e18, 1e12, 0.5, 400, pue=1.1)
    assert abs(kwh - 2e6 / 3600 * 0.4 * 1.1) < 1e-9
    assert model_flops_utilisation(1000, 1e9, 4e12) == 0.25


def test_training_memory_equals_adam_state_of_a_real_model():
    config = SMALL[0]
    model = GPT(config)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.zeros(1, 4, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long))[
        1
    ].backward()
    optimizer.step()
    weights = sum(p.nbytes for p in model.parameters())
    grads = sum(p.grad.nbytes for p in model.parameters())
    states = sum(
        s[key].nbytes
        for s in optimizer.state.values()
        for key in ("exp_avg", "exp_avg_sq")
    )
    expected = training_memory(count(model), "fp32", "adam")
    assert (weights, grads, states) == (
        expected["weights"],
        expected["gradients"],
        expected["optimizer"],
    )
    assert training_memory(10, "mixed")["total"] == 160  # 16 bytes per parameter
    assert training_memory(10, "fp32")["total"] == 160


def test_zero_stages_divide_what_they_shard():
    n, d = 1000, 8
    assert sharded_training_memory(n, d, 0)["total"] == 16 * n
    assert sharded_training_memory(n, d, 1)["total"] == 4 * n + 12 * n / d
    assert sharded_training_memory(n, d, 2)["total"] == 2 * n + 14 * n / d
    assert sharded_training_memory(n, d, 3)["total"] == 16 * n / d


def saved_bytes(model, idx, targets, backend):
    """Bytes of the distinct storages autograd saves, parameters left out."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    with (
        sdpa_kernel(backend),
        torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t),
    ):
        model(idx, targets)
    return sum(seen.values())


# with one head the math path keeps two more (B, T, C) copies: not counted
ATTENTION_CASES = [(c, "flash") for c in SMALL] + [
    (c, "math") for c in SMALL if c.n_head > 1
]


@pytest.mark.parametrize("config, attention", ATTENTION_CASES, ids=str)
def test_activation_bytes_equal_what_autograd_saves(config, attention):
    backend = {"flash": SDPBackend.FLASH_ATTENTION, "math": SDPBackend.MATH}
    model = GPT(config).train()
    for B, T in ((2, config.block_size), (3, max(1, config.block_size // 2))):
        idx = torch.randint(0, config.vocab_size, (B, T))
        targets = torch.randint(0, config.vocab_size, (B, T))
        measured = saved_bytes(model, idx, targets, backend[attention])
        predicted = activation_bytes(config, B, T, attention)["total"]
        # exact for the kernels of this PyTorch; allow 1 % for other versions
        assert abs(measured / predicted - 1) < 0.01, (measured, predicted)


def test_kv_cache_bytes_equal_a_filled_cache():
    config = SMALL[0]
    model = GPT(config).eval()
    cache = KVCache(config.n_layer)
    with torch.no_grad():
        model(torch.zeros(3, 10, dtype=torch.long), cache=cache)
    held = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    assert held == kv_cache_bytes(config, 3, 10, bytes_per_value=4)


def test_power_law_fit_recovers_a_known_exponent():
    rng = np.random.default_rng(0)
    n = np.array([1e4, 3e4, 1e5, 3e5, 1e6, 3e6])
    loss = 20 * n**-0.2 * np.exp(rng.normal(0, 0.01, n.size))
    fit = fit_power_law(n, loss)
    assert abs(fit["alpha"] - 0.2) < 3 * fit["alpha_se"] + 1e-3
    assert 0 < fit["alpha_se"] < 0.02
    exact = fit_power_law(n, 5 * n**-0.3)
    assert abs(exact["alpha"] - 0.3) < 1e-12 and abs(exact["a"] - 5) < 1e-9
    assert np.allclose(exact["predict"](n), 5 * n**-0.3)
    assert chinchilla_tokens(70e9) == 1.4e12
    assert math.isclose(training_flops(70e9, chinchilla_tokens(70e9)), 5.88e23)
