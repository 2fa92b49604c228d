"""helpers.vit refuses bad sizes and bad images with messages that name the problem."""

import re

import numpy as np
import pytest
import torch

from helpers.vit import ViT, ViTConfig, patchify, vit_parameter_count


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"patch_size": 5}, ValueError, "patch_size must divide image_size"),
        ({"n_embd": 10, "n_head": 4}, ValueError, "n_embd must be divisible by n_head"),
        ({"n_layer": 0}, ValueError, "n_layer must be a positive integer"),
        ({"image_size": 28.0}, ValueError, "image_size must be a positive integer"),
        ({"num_classes": "10"}, TypeError, "num_classes must be a positive integer"),
        ({"dropout": 1.0}, ValueError, "dropout must be a probability in [0, 1)"),
        ({"dropout": -0.1}, ValueError, "dropout must be a probability"),
    ],
)
def test_bad_configs_are_refused(changes, error, message):
    with pytest.raises(error, match=re.escape(message)):
        ViTConfig(**changes)


def test_model_and_counter_need_a_config():
    with pytest.raises(TypeError, match="config must be a ViTConfig, got dict"):
        ViT({"n_embd": 8})
    with pytest.raises(TypeError, match="config must be a ViTConfig, got int"):
        vit_parameter_count(3)


@pytest.mark.parametrize(
    "images, error, message",
    [
        (np.zeros((2, 784), np.float32), TypeError, r"use torch.from_numpy"),
        (torch.zeros(2, 784, dtype=torch.int64), TypeError, "floating-point"),
        (torch.zeros(2, 783), ValueError, r"images must have shape \(N, 1, 28, 28\)"),
        (torch.zeros(2, 3, 28, 28), ValueError, r"got \(2, 3, 28, 28\)"),
        (torch.zeros(784), ValueError, r"got \(784,\)"),
        (torch.zeros(0, 784), ValueError, "at least one image"),
    ],
)
def test_bad_images_are_named(images, error, message):
    model = ViT(ViTConfig(n_layer=1, n_embd=8))
    with pytest.raises(error, match=message):
        model(images)


def test_patchify_refuses_bad_images_and_sizes():
    with pytest.raises(TypeError, match="images must be a torch.Tensor, got ndarray"):
        patchify(np.zeros((1, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"add a channel axis: images\[:, None\]"):
        patchify(torch.zeros(1, 4, 4), 2)
    with pytest.raises(ValueError, match="patch_size must divide the image's height"):
        patchify(torch.zeros(1, 1, 4, 6), 4)
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        patchify(torch.zeros(1, 1, 4, 4), 0)
