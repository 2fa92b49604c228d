"""helpers.vit: the small vision transformer, its patches, counts and training."""

import math

import numpy as np
import pytest
import torch

from helpers.gpt import Block, GPTConfig
from helpers.vit import EncoderBlock, ViT, ViTConfig, patchify, vit_parameter_count


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_patchify_puts_each_patch_in_reading_order():
    images = torch.arange(2 * 3 * 4 * 6, dtype=torch.float32).reshape(2, 3, 4, 6)
    patches = patchify(images, 2)  # 2 x 3 patches of 3 channels x 2 x 2
    assert patches.shape == (2, 6, 12)
    for n in range(2):
        for row in range(2):
            for col in range(3):
                expected = images[n, :, 2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
                torch.testing.assert_close(
                    patches[n, 3 * row + col], expected.reshape(-1), rtol=0, atol=0
                )


def test_patchify_with_the_patch_the_whole_image_is_a_flattening():
    images = torch.randn(3, 1, 5, 5)
    torch.testing.assert_close(patchify(images, 5)[:, 0], images.reshape(3, 25))
    torch.testing.assert_close(patchify(images, 1)[..., 0], images.reshape(3, 25))


@pytest.mark.parametrize(
    "config",
    [
        ViTConfig(),
        ViTConfig(patch_size=4, n_layer=1, n_head=2, n_embd=16),
        ViTConfig(image_size=8, patch_size=8, in_channels=3, n_layer=3, n_embd=12),
        ViTConfig(image_size=6, patch_size=1, n_layer=1, n_head=1, n_embd=1),
    ],
    ids=str,
)
def test_the_parameter_formula_counts_every_parameter(config):
    model = ViT(config)
    assert vit_parameter_count(config) == model.num_parameters()
    assert model.pos_embed.shape == (1, config.num_patches + 1, config.n_embd)


def test_the_encoder_block_is_the_gpt_block_without_the_mask():
    torch.manual_seed(0)
    gpt_block = Block(
        GPTConfig(vocab_size=5, block_size=9, n_layer=1, n_head=2, n_embd=8)
    )
    block = EncoderBlock(ViTConfig(n_head=2, n_embd=8))
    assert [(n, p.shape) for n, p in block.named_parameters()] == [
        (n, p.shape) for n, p in gpt_block.named_parameters()
    ]
    block.load_state_dict(gpt_block.state_dict())
    x = torch.randn(3, 9, 8)
    # the last position sees every position in both, so it agrees ...
    torch.testing.assert_close(block(x)[:, -1], gpt_block(x)[:, -1])
    # ... and the first one differs: only the encoder lets it see the future
    assert not torch.allclose(block(x)[:, 0], gpt_block(x)[:, 0])


def test_every_patch_can_change_every_output_and_the_order_of_patches_matters():
    torch.manual_seed(0)
    model = ViT(ViTConfig(n_layer=1, n_embd=16)).eval()
    x = torch.rand(2, 1, 28, 28, requires_grad=True)
    model(x)[:, 3].sum().backward()
    per_patch = patchify(x.grad.abs(), 7).sum(-1)  # (2, 16)
    assert (per_patch > 0).all()
    # moving patches around changes the logits: the positions tell them apart
    swapped = x.detach().clone()
    swapped[:, :, :7, :7], swapped[:, :, 21:, 21:] = x[:, :, 21:, 21:], x[:, :, :7, :7]
    assert not torch.allclose(model(x), model(swapped), atol=1e-6)


def test_forward_accepts_flat_square_and_channel_images_alike():
    torch.manual_seed(0)
    model = ViT(ViTConfig(n_layer=1, n_embd=16)).eval()
    x = torch.rand(4, 1, 28, 28)
    logits = model(x)
    assert logits.shape == (4, 10)
    torch.testing.assert_close(model(x.reshape(4, 784)), logits)
    torch.testing.assert_close(model(x.reshape(4, 28, 28)), logits)
    # at initialisation the prediction is nearly uniform: loss ~ ln 10
    loss = torch.nn.functional.cross_entropy(logits, torch.arange(4))
    assert abs(loss.item() - math.log(10)) < 0.05


def test_attention_maps_are_rows_of_the_class_token_and_leave_no_trace():
    torch.manual_seed(0)
    config = ViTConfig(n_layer=2, n_head=4, n_embd=16)
    model = ViT(config).train()
    x = torch.rand(3, 784)
    maps = model.attention_maps(x)
    assert maps.shape == (2, 3, 4, config.num_patches)
    assert (maps >= 0).all() and (maps.sum(-1) <= 1 + 1e-6).all()
    assert model.training and all(b.attn.weights is None for b in model.blocks)
    # the kept weights are those the fused kernel used: recompute layer 0 by hand
    block = model.blocks[0]
    with torch.no_grad():
        tokens = model.patch_embed(patchify(x.reshape(3, 1, 28, 28), 7))
        cls = model.cls_token.expand(3, -1, -1)
        h = block.ln_1(torch.cat([cls, tokens], 1) + model.pos_embed)
        q, k, _ = block.attn.c_attn(h).split(16, dim=2)
        q = q.view(3, -1, 4, 4).transpose(1, 2)
        k = k.view(3, -1, 4, 4).transpose(1, 2)
        weights = torch.softmax(q @ k.transpose(-2, -1) / 2.0, dim=-1)
    torch.testing.assert_close(maps[0], weights[:, :, 0, 1:])


def test_a_small_vit_learns_to_separate_two_patterns():
    """Digits stand-in: a bright bar in the top half or in the bottom half."""
    rng = np.random.default_rng(0)
    n = 64
    labels = rng.integers(0, 2, n)
    images = rng.uniform(0, 0.2, (n, 1, 28, 28)).astype(np.float32)
    for i, label in enumerate(labels):
        row = rng.integers(0, 14) + 14 * label
        images[i, 0, row, 4:24] = 1.0
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    torch.manual_seed(0)
    model = ViT(ViTConfig(n_layer=1, n_head=2, n_embd=16, num_classes=2))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy == 1.0, accuracy
