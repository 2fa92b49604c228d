"""A small vision transformer (ViT): an image read as a sequence of patches.

Read it top to bottom, beside ``helpers.gpt``, whose pieces it reuses:

    ViTConfig        the sizes: image, patch, width, layers, heads, classes
    patchify         (N, 1, H, W) images -> (N, P, p * p) flattened patches
    SelfAttention    multi-head attention in which every patch sees every patch
    EncoderBlock     pre-norm: x + attn(ln_1(x)), then x + mlp(ln_2(x))
    ViT              patch embedding + class token + positions -> blocks -> logits
    vit_parameter_count   the number of parameters from the config alone

Shapes use N for the batch of images, H = W = image_size, p = patch_size,
P = (H / p)^2 patches, T = P + 1 tokens (the patches and one class token),
C = n_embd and K = num_classes.

The layout is that of Dosovitskiy et al. (2021), "An image is worth 16x16 words",
scaled down to 28 x 28 digits: cut the image into p x p patches, map each flattened
patch to a C-vector with one linear layer (the *patch embedding*), put a learned
class token in front, add a learned position embedding, run pre-norm transformer
blocks without a causal mask, and classify from the class token's final vector.
Nothing in it knows that neighbouring pixels belong together, or that a digit moved
by a few pixels is the same digit: a convolutional network is built that way, a
ViT has to learn it from the data.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import check_integer
from helpers.gpt import MLP, check_heads_and_dropout

__all__ = [
    "ViTConfig",
    "patchify",
    "SelfAttention",
    "EncoderBlock",
    "ViT",
    "vit_parameter_count",
]


@dataclass
class ViTConfig:
    """The sizes of a ViT.

    Args:
        image_size: H = W, the side of the square images (28 for MNIST).
        patch_size: p, the side of a patch; must divide ``image_size``.
        in_channels: colour channels of the images (1 for MNIST).
        n_layer: the number of transformer blocks.
        n_head: attention heads per block; must divide ``n_embd``.
        n_embd: C, the width of every token.
        num_classes: K, the number of classes.
        dropout: in [0, 1), after the embeddings, attention and the MLP.
    """

    image_size: int = 28
    patch_size: int = 7
    in_channels: int = 1
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 48
    num_classes: int = 10
    dropout: float = 0.0

    def __post_init__(self):
        for name in (
            "image_size",
            "patch_size",
            "in_channels",
            "n_layer",
            "n_head",
            "n_embd",
            "num_classes",
        ):
            setattr(self, name, check_integer(getattr(self, name), name, minimum=1))
        if self.image_size % self.patch_size != 0:
            raise ValueError(
                f"patch_size must divide image_size (the patches tile the image), "
                f"got image_size = {self.image_size} and patch_size = "
                f"{self.patch_size}"
            )
        self.dropout = check_heads_and_dropout(self.n_embd, self.n_head, self.dropout)

    @property
    def num_patches(self):
        """P = (image_size / patch_size)^2."""
        return (self.image_size // self.patch_size) ** 2

    @property
    def patch_dim(self):
        """The numbers in one flattened patch: in_channels * p * p."""
        return self.in_channels * self.patch_size**2

    # ``helpers.gpt.MLP`` reads these two
    @property
    def bias(self):
        return True


def patchify(images, patch_size):
    """Cut images into non-overlapping square patches, each flattened.

    images: (N, channels, H, W) -> (N, (H / p) * (W / p), channels * p * p), the
    patches in reading order (left to right, then top to bottom), each flattened
    channel by channel and then row by row within the patch.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 4:
        raise ValueError(
            f"images must have shape (N, channels, H, W), got {tuple(images.shape)}"
            + (" (add a channel axis: images[:, None])" if images.ndim == 3 else "")
        )
    p = check_integer(patch_size, "patch_size", minimum=1)
    N, channels, H, W = images.shape
    if H % p or W % p:
        raise ValueError(
            f"patch_size must divide the image's height and width, got "
            f"patch_size = {p} for images of {H} x {W}"
        )
    x = images.reshape(N, channels, H // p, p, W // p, p)
    x = x.permute(0, 2, 4, 1, 3, 5)  # (N, rows, columns, channels, p, p)
    return x.reshape(N, (H // p) * (W // p), channels * p * p)


class SelfAttention(nn.Module):
    """Multi-head self-attention with no mask: every token sees every token.

    The same layers as ``helpers.gpt.CausalSelfAttention`` (``c_attn`` C -> 3C,
    ``c_proj`` C -> C), without its causal mask: an image has no "before".
    x: (N, T, C) -> (N, T, C). ``weights`` (N, H, T, T) of the last call are kept
    when ``keep_weights`` is set, to look at what the heads attend to.
    """

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)
        self.keep_weights, self.weights = False, None

    def forward(self, x):
        N, T, C = x.shape
        D = C // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 x (N, T, C)
        q, k, v = (t.view(N, T, self.n_head, D).transpose(1, 2) for t in (q, k, v))
        if self.keep_weights:
            self.weights = F.softmax(q @ k.transpose(-2, -1) / math.sqrt(D), dim=-1)
        dropout_p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(N, T, C)
        return self.resid_dropout(self.c_proj(y))


class EncoderBlock(nn.Module):
    """A pre-norm transformer block, as ``helpers.gpt.Block`` without the mask.

        x = x + attn(ln_1(x))
        x = x + mlp(ln_2(x))        the GPT's MLP: C -> 4C, GELU, 4C -> C

    x: (N, T, C) -> (N, T, C).
    """

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class ViT(nn.Module):
    """A vision transformer classifier.

        images (N, channels, H, W)
        -> patchify                        (N, P, channels p^2)
        -> patch_embed (Linear)            (N, P, C)     one token per patch
        -> [cls_token; tokens] + pos_embed (N, P + 1, C) learned class token, positions
        -> n_layer EncoderBlocks           (N, P + 1, C)
        -> ln_f, head on the class token   (N, K)        logits

    Parameters: ``patch_embed.weight`` (C, channels p^2) and ``.bias`` (C,),
    ``cls_token`` (1, 1, C), ``pos_embed`` (1, P + 1, C), ``blocks.i.*`` (as
    ``helpers.gpt.Block``), ``ln_f.weight``/``.bias`` (C,), ``head.weight`` (K, C)
    and ``head.bias`` (K,). Initialisation: linear weights, the class token and the
    positions from N(0, 0.02^2), biases 0, as ``helpers.gpt.GPT``.

    The forward also accepts images of shape (N, H * W) (MNIST rows, one channel)
    or (N, H, W).
    """

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, ViTConfig):
            raise TypeError(f"config must be a ViTConfig, got {type(config).__name__}")
        self.config = config
        C = config.n_embd
        self.patch_embed = nn.Linear(config.patch_dim, C)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, C))
        self.pos_embed = nn.Parameter(torch.zeros(1, config.num_patches + 1, C))
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(
            [EncoderBlock(config) for _ in range(config.n_layer)]
        )
        self.ln_f = nn.LayerNorm(C)
        self.head = nn.Linear(C, config.num_classes)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.pos_embed, std=0.02)

    def num_parameters(self):
        """The number of parameters (``vit_parameter_count(config)``)."""
        return sum(p.numel() for p in self.parameters())

    def _images(self, x):
        c = self.config
        side, channels = c.image_size, c.in_channels
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"images must be a torch.Tensor, got {type(x).__name__}"
                + (" (use torch.from_numpy)" if hasattr(x, "__array__") else "")
            )
        if not torch.is_floating_point(x):
            raise TypeError(
                f"images must be a floating-point tensor, got dtype {x.dtype}"
            )
        shapes = {
            2: (side * side * channels,),
            3: (side, side) if channels == 1 else None,
            4: (channels, side, side),
        }
        want = shapes.get(x.ndim)
        if want is None or tuple(x.shape[1:]) != want:
            raise ValueError(
                f"images must have shape (N, {channels}, {side}, {side})"
                + (
                    f", (N, {side}, {side}) or (N, {side * side})"
                    if channels == 1
                    else ""
                )
                + f", got {tuple(x.shape)}"
            )
        if x.shape[0] == 0:
            raise ValueError("images must hold at least one image, got none")
        return x.reshape(x.shape[0], channels, side, side)

    def forward(self, images):
        """images: (N, channels, H, W), (N, H, W) or (N, H * W) -> logits (N, K)."""
        x = patchify(self._images(images), self.config.patch_size)  # (N, P, c p^2)
        x = self.patch_embed(x)  # (N, P, C)
        cls = self.cls_token.expand(x.shape[0], -1, -1)  # (N, 1, C)
        x = self.drop(torch.cat([cls, x], dim=1) + self.pos_embed)  # (N, P + 1, C)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x[:, 0]))  # the class token: (N, K)

    @torch.no_grad()
    def attention_maps(self, images):
        """The class token's attention to the patches, per layer and head.

        images as in ``forward`` -> (n_layer, N, n_head, P): row i of each head's
        attention matrix for the class token (position 0), without its weight on
        itself, so each row sums to at most 1.
        """
        was_training = self.training
        self.eval()
        for block in self.blocks:
            block.attn.keep_weights = True
        try:
            self(images)
            maps = torch.stack(
                [block.attn.weights[:, :, 0, 1:] for block in self.blocks]
            )
        finally:
            for block in self.blocks:
                block.attn.keep_weights, block.attn.weights = False, None
            self.train(was_training)
        return maps


def vit_parameter_count(config):
    """The exact number of parameters of ``ViT(config)``, from the sizes alone.

    With C = n_embd, P patches of d = channels p^2 numbers, K classes, L layers:

        patch embedding      d C + C
        class token          C
        position embedding   (P + 1) C
        per block            12 C^2 + 13 C      (as a GPT block with biases)
        ln_f                 2 C
        head                 C K + K
    """
    if not isinstance(config, ViTConfig):
        raise TypeError(f"config must be a ViTConfig, got {type(config).__name__}")
    C, K = config.n_embd, config.num_classes
    block = 12 * C * C + 13 * C
    return (
        config.patch_dim * C
        + C
        + C
        + (config.num_patches + 1) * C
        + config.n_layer * block
        + 2 * C
        + C * K
        + K
    )
