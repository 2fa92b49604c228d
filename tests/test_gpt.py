"""helpers.gpt: the small GPT, its counts, KV cache, training loop and errors."""

import math

import numpy as np
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from helpers.gpt import (
    GPT,
    Block,
    GPTConfig,
    KVCache,
    estimate_loss,
    flops_per_token,
    parameter_count,
    train_gpt,
)
from helpers.numpy_nn.lr_scheduler import warmup_cosine

TINY = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
# FLOP counts agree with torch.utils.flop_counter to this relative error
FLOP_TOLERANCE = 1e-9


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run faster on one thread than on a shared pool of several."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_model(seed=0, **changes):
    torch.manual_seed(seed)
    config = GPTConfig(**{**TINY.__dict__, **changes})
    return GPT(config).eval()


def random_ids(shape, vocab_size=TINY.vocab_size, seed=0):
    return torch.randint(
        0, vocab_size, shape, generator=torch.Generator().manual_seed(seed)
    )


def test_shapes_and_the_loss_at_initialisation_is_about_ln_vocab():
    model = tiny_model(vocab_size=65, block_size=16)
    idx = random_ids((4, 16), 65)
    logits, loss = model(idx)
    assert logits.shape == (4, 16, 65) and loss is None
    _, loss = model(idx, random_ids((4, 16), 65, seed=1))
    # small initial weights give nearly uniform predictions: loss ~ ln V = 4.17
    assert abs(loss.item() - math.log(65)) < 0.05


CONFIGS = [
    TINY,
    GPTConfig(11, 8, 2, 2, 16, bias=False),
    GPTConfig(11, 8, 2, 2, 16, tie_weights=False),
    GPTConfig(11, 8, 2, 2, 16, bias=False, tie_weights=False),
    GPTConfig(65, 64, 4, 4, 128),
    GPTConfig(100, 32, 3, 3, 24, bias=False, tie_weights=False, dropout=0.1),
    GPTConfig(7, 1, 1, 1, 1),
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_the_parameter_formula_counts_every_parameter(config):
    model = GPT(config)
    assert parameter_count(config) == sum(p.numel() for p in model.parameters())
    assert model.num_parameters() == parameter_count(config)
    names = dict(model.named_parameters())
    assert ("lm_head.weight" in names) != config.tie_weights  # shared: listed once
    assert model.num_parameters(non_embedding=True) == (
        parameter_count(config)
        - config.block_size * config.n_embd
        - (0 if config.tie_weights else config.vocab_size * config.n_embd)
    )


@pytest.mark.parametrize(
    "config, expected",
    [
        (GPTConfig(50257, 1024, 12, 12, 768), 124_439_808),  # GPT-2 small, tied
        (GPTConfig(50257, 1024, 12, 12, 768, tie_weights=False), 163_037_184),
        (GPTConfig(50257, 2048, 96, 96, 12288), 174_604_259_328),  # GPT-3 175B
    ],
    ids=["gpt2-small", "gpt2-small-untied", "gpt3-175b"],
)
def test_large_models_on_the_meta_device_match_the_formula(config, expected):
    with torch.device("meta"):  # shapes only: no memory is allocated
        model = GPT(config)
    assert next(model.parameters()).is_meta
    assert sum(p.numel() for p in model.parameters()) == expected
    assert parameter_count(config) == expected
    if config.n_layer == 96:
        assert round(expected / 1e9, 1) == 174.6


def test_flops_per_token_matches_torchs_flop_counter():
    config = GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=4, n_embd=32)
    model = GPT(config).eval()
    B, T = 3, 32
    idx = random_ids((B, T), 65)
    # the math backend writes attention as two matrix products the counter sees
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(idx)
    counted = counter.get_total_flops() / (B * T)
    ratio = counted / flops_per_token(config, T)
    assert abs(ratio - 1) < FLOP_TOLERANCE, ratio
    # forward + backward: three times the forward
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(idx, random_ids((B, T), 65, seed=1))[1].backward()
    ratio = counter.get_total_flops() / (B * T) / (3 * flops_per_token(config, T))
    assert abs(ratio - 1) < FLOP_TOLERANCE, ratio


def test_changing_a_future_token_leaves_earlier_logits_unchanged():
    model = tiny_model()
    idx = random_ids((2, 8))
    changed = idx.clone()
    changed[:, 5] = (changed[:, 5] + 1) % TINY.vocab_size
    before, after = model(idx)[0], model(changed)[0]
    torch.testing.assert_close(before[:, :5], after[:, :5], rtol=0, atol=1e-6)
    assert not torch.allclose(before[:, 5:], after[:, 5:])


def test_the_cache_gives_the_logits_of_the_full_forward():
    model = tiny_model()
    idx = random_ids((2, 8))
    full = model(idx)[0]
    cache = KVCache(TINY.n_layer)
    first = model(idx[:, :5], cache=cache)[0]  # a prompt of 5, then one at a time
    steps = [model(idx[:, t : t + 1], cache=cache)[0] for t in range(5, 8)]
    torch.testing.assert_close(torch.cat([first, *steps], dim=1), full)
    assert cache.length == 8


@pytest.mark.parametrize(
    "new_tokens", [5, 12]
)  # 20: past block_size, the window slides
def test_greedy_generation_with_the_cache_equals_generation_without(new_tokens):
    model = tiny_model(seed=3)
    prompt = random_ids((3, 3), seed=2)
    with_cache = model.generate(prompt, new_tokens, top_k=1, use_cache=True)
    without = model.generate(prompt, new_tokens, top_k=1, use_cache=False)
    assert with_cache.shape == (3, 3 + new_tokens)
    assert torch.equal(with_cache, without)
    assert torch.equal(with_cache[:, :3], prompt)
    # greedy: each new token is the argmax given the (cropped) context before it
    for t in range(3, 3 + new_tokens):
        context = without[:, max(0, t - TINY.block_size) : t]
        assert torch.equal(model(context)[0][:, -1].argmax(-1), without[:, t])


def test_sampling_is_repeatable_with_a_generator_and_respects_top_k():
    model = tiny_model()
    prompt = random_ids((2, 2))
    a = model.generate(prompt, 10, generator=torch.Generator().manual_seed(0))
    b = model.generate(prompt, 10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert int(a.min()) >= 0 and int(a.max()) < TINY.vocab_size


def test_a_tiny_model_overfits_one_batch():
    model = tiny_model().train()
    idx, targets = random_ids((4, 8)), random_ids((4, 8), seed=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        _, loss = model(idx, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1, loss.item()  # from ln 11 = 2.4


def test_train_gpt_lowers_the_validation_loss_and_records_throughput():
    rng = np.random.default_rng(0)
    # a learnable sequence: each token is the previous plus one, with noise
    steps = rng.choice([1, 1, 1, 2], size=4000)
    ids = np.cumsum(steps) % TINY.vocab_size
    model = tiny_model().train()
    before = estimate_loss(model, ids[3000:], 8, 4)
    history = train_gpt(
        model,
        ids[:3000],
        ids[3000:],
        steps=40,
        batch_size=8,
        lr=1e-2,
        eval_every=20,
        eval_batches=4,
        progress=False,
    )
    assert history["step"] == [20.0, 40.0]
    assert history.last("val_loss") < before - 0.5
    assert all(t > 0 for t in history["tokens_per_s"])
    # the cosine ends near min_lr = lr / 10 (it reaches it after the last step)
    assert history["lr"][-1] == pytest.approx(warmup_cosine(39, 40, 2, 1e-2, 1e-3))
    assert 1e-3 < history["lr"][-1] < 1.02e-3


def test_train_gpt_stops_at_its_time_budget():
    ids = np.arange(500) % TINY.vocab_size
    history = train_gpt(
        tiny_model(),
        ids,
        ids,
        steps=100_000,
        batch_size=2,
        lr=1e-3,
        time_budget_s=0.5,
        eval_every=10_000,
        eval_batches=1,
        progress=False,
    )
    assert len(history) == 1 and history.last("step") < 100_000
    assert history.last("elapsed_s") < 5
    # the warm-up counts steps even with a time budget; the decay follows the clock
    history = train_gpt(
        tiny_model(),
        ids,
        ids,
        steps=100_000,
        batch_size=2,
        lr=1e-3,
        warmup_steps=10,
        time_budget_s=3,
        eval_every=1,
        eval_batches=1,
        progress=False,
    )
    assert history["lr"][:10] == pytest.approx([k / 10 * 1e-3 for k in range(1, 11)])
    assert 1e-4 <= history.last("lr") < 5e-4  # past the cosine's middle at the end
    assert history.last("elapsed_s") >= 3


def test_the_numpy_block_equals_the_torch_block():
    from helpers.numpy_nn.transformer_block import TransformerBlock

    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=4, n_embd=16)
    torch.manual_seed(0)
    block = Block(config).double().eval()
    for param in block.parameters():  # random biases and norm weights too
        torch.nn.init.normal_(param, std=0.3)
    twin = TransformerBlock(n_embd=16, n_head=4)
    twin.load_state_dict(block.state_dict())
    x = np.random.default_rng(0).normal(size=(3, 7, 16))
    expected = block(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(twin.forward(x), expected, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "changes, error, message",
    [
        (
            {"n_embd": 10, "n_head": 4},
            ValueError,
            r"n_embd must be divisible by n_head .* got n_embd = 10 and n_head = 4",
        ),
        ({"n_layer": 0}, ValueError, r"n_layer must be a positive integer, got 0"),
        ({"vocab_size": -5}, ValueError, r"vocab_size must be a positive integer"),
        ({"block_size": 8.0}, ValueError, r"block_size must be a positive integer"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a probability in \[0, 1\)"),
        ({"bias": 1}, TypeError, r"bias must be True or False, got 1"),
    ],
)
def test_bad_configs_are_refused(changes, error, message):
    with pytest.raises(error, match=message):
        GPTConfig(**{**TINY.__dict__, **changes})


def test_bad_input_to_the_model_says_what_was_expected():
    model = tiny_model()
    prompt = random_ids((1, 3))
    cases = [
        (
            lambda: model(random_ids((1, 9))),
            ValueError,
            r"idx must be at most block_size = 8 tokens long, got 9 tokens",
        ),
        (
            lambda: model(torch.tensor([[1, 11]])),
            ValueError,
            r"idx must hold token ids in 0..10 for vocab_size = 11, got 11",
        ),
        (lambda: model(torch.tensor([[-1, 2]])), ValueError, r"got -1"),
        (
            lambda: model(torch.zeros(1, 3)),
            TypeError,
            r"idx must hold integer token ids, got dtype torch.float32",
        ),
        (
            lambda: model(np.zeros((1, 3), dtype=np.int64)),
            TypeError,
            r"idx must be a torch.Tensor of token ids, got ndarray",
        ),
        (
            lambda: model(torch.tensor([1, 2])),
            ValueError,
            r"idx must have shape \(B, T\), got \(2,\) \(add a batch axis",
        ),
        (
            lambda: model(prompt, torch.tensor([[1, 2]])),
            ValueError,
            r"targets must have the shape of idx, \(1, 3\), got \(1, 2\)",
        ),
        (
            lambda: model.generate(torch.zeros(1, 0, dtype=torch.long), 3),
            ValueError,
            r"idx must hold at least one token .* got shape \(1, 0\)",
        ),
        (
            lambda: model.generate(prompt, 3, temperature=0),
            ValueError,
            r"temperature must be a positive number, got 0 \(for greedy decoding use "
            r"top_k=1\)",
        ),
        (
            lambda: model.generate(prompt, 3, temperature=-1.0),
            ValueError,
            r"temperature must be a positive number",
        ),
        (
            lambda: model.generate(prompt, 3, top_k=0),
            ValueError,
            r"top_k must be a positive integer, got 0",
        ),
        (
            lambda: model.generate(prompt, 3, top_k=12),
            ValueError,
            r"top_k must be at most vocab_size = 11, got 12",
        ),
        (
            lambda: model.generate(prompt, -1),
            ValueError,
            r"max_new_tokens must be a non-negative integer, got -1",
        ),
        (
            lambda: model.generate(prompt, 2, generator=np.random.default_rng()),
            TypeError,
            r"generator must be a torch.Generator",
        ),
        (lambda: GPT({"n_layer": 2}), TypeError, r"config must be a GPTConfig"),
        (
            lambda: parameter_count(TINY.__dict__),
            TypeError,
            r"config must be a GPTConfig, got dict",
        ),
        (
            lambda: flops_per_token(TINY, 9),
            ValueError,
            r"seq_len must be at most block_size = 8, got 9",
        ),
        (
            lambda: flops_per_token(TINY, 0),
            ValueError,
            r"seq_len must be a positive integer, got 0",
        ),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


def test_a_cache_cannot_grow_past_the_block_size():
    model = tiny_model()
    cache = KVCache(TINY.n_layer)
    model(random_ids((1, 6)), cache=cache)
    with pytest.raises(
        ValueError,
        match=r"at most block_size = 8 tokens long after "
        r"6 cached tokens, got 3 tokens",
    ):
        model(random_ids((1, 3)), cache=cache)


def test_a_long_prompt_is_cropped_to_the_block_size():
    model = tiny_model()
    prompt = random_ids((1, 20))
    out = model.generate(prompt, 2, top_k=1)
    assert torch.equal(out[:, :20], prompt)
    cropped = model.generate(prompt[:, -8:], 2, top_k=1)  # reads only the last 8
    assert torch.equal(out[:, 20:], cropped[:, 8:])


def test_train_gpt_refuses_bad_arguments():
    model, ids = tiny_model(), np.arange(100) % TINY.vocab_size
    with pytest.raises(TypeError, match=r"model must be a helpers.gpt.GPT"):
        train_gpt(torch.nn.Linear(2, 2), ids, ids, 1, 1, 1e-3)
    with pytest.raises(
        ValueError,
        match=r"val_ids must hold more than block_size "
        r"= 8 tokens, got 5",
    ):
        train_gpt(model, ids, ids[:5], 1, 1, 1e-3)
    with pytest.raises(TypeError, match=r"train_ids must be a NumPy array"):
        train_gpt(model, torch.from_numpy(ids), ids, 1, 1, 1e-3)
    with pytest.raises(ValueError, match=r"lr must be positive"):
        train_gpt(model, ids, ids, 1, 1, -1e-3)


def test_the_numpy_block_refuses_bad_sizes_and_shapes():
    from helpers.numpy_nn.transformer_block import TransformerBlock

    with pytest.raises(
        ValueError,
        match=r"n_embd must be divisible by n_head, got "
        r"n_embd = 10 and n_head = 4",
    ):
        TransformerBlock(10, 4)
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(B, T, 8\) for n_embd "
        r"= 8, got shape \(2, 3, 6\)",
    ):
        TransformerBlock(8, 2).forward(np.zeros((2, 3, 6)))
    with pytest.raises(KeyError, match=r"state must have exactly the keys"):
        TransformerBlock(8, 2).load_state_dict({"ln_1.weight": np.ones(8)})
