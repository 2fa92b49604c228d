"""What a model of a given size costs: parameters, compute, memory, time and energy.

Every function takes sizes (a ``helpers.gpt.GPTConfig``, an ``EncoderConfig`` for a
BERT-style encoder, or plain numbers) and returns a count; chapter 8 checks each one
against a real model. Read it top to bottom:

    EncoderConfig            the sizes of a BERT-style (post-norm, bidirectional) encoder
    GPT2_CONFIGS, GPT3_175B,
    BERT_BASE, BERT_LARGE    published configurations
    parameter_breakdown      parameters by component (embeddings, attention, MLP, ...)
    parameter_count          their total (for a GPT: ``helpers.gpt.parameter_count``)
    torch_nn_encoder         a BERT-style encoder from ``torch.nn`` modules, to count
    forward_flops_per_token  2N + the attention term (``helpers.gpt.flops_per_token``)
    training_flops           6 N D, forward and backward over D tokens
    gpu_days, energy_kwh     wall-clock device time and energy of a FLOP budget
    model_flops_utilisation  achieved FLOP/s over the hardware's peak (MFU)
    training_memory          weights, gradients and optimiser states, fp32 or mixed
    sharded_training_memory  the same per device under ZeRO stages 0-3 (FSDP = stage 3)
    activation_bytes         what the small GPT's forward saves for its backward
    kv_cache_bytes           keys and values kept for generation
    chinchilla_tokens        the compute-optimal data for a model size (20 tokens/param)
    fit_power_law            L = a N^(-alpha) fitted in log space, with standard errors

Byte counts are in bytes (divide by 2**30 for GiB), FLOPs are floating-point
operations (a multiply and an add are two), FLOP/s are per second.

Sources: the parameter and FLOP counts follow Kaplan et al. (2020) and the GPT-2
layout of ``helpers.gpt``; mixed-precision training memory and the ZeRO stages
follow Rajbhandari et al. (2020); activation memory follows Korthikanti et al.
(2022), for the kernels PyTorch uses here (see ``activation_bytes``).
"""

import math
from dataclasses import dataclass

import numpy as np

from helpers.checks import check_array, check_choice, check_integer, check_positive
from helpers.gpt import GPTConfig, flops_per_token
from helpers.gpt import parameter_count as gpt_parameter_count

__all__ = [
    "EncoderConfig",
    "GPT2_CONFIGS",
    "GPT3_175B",
    "BERT_BASE",
    "BERT_LARGE",
    "parameter_breakdown",
    "parameter_count",
    "torch_nn_encoder",
    "forward_flops_per_token",
    "training_flops",
    "gpu_days",
    "energy_kwh",
    "model_flops_utilisation",
    "BYTES_PER_PARAMETER",
    "training_memory",
    "sharded_training_memory",
    "activation_bytes",
    "kv_cache_bytes",
    "chinchilla_tokens",
    "fit_power_law",
]


# ----------------------------------------------------------------------- the configs
@dataclass
class EncoderConfig:
    """The sizes of a BERT-style encoder (Devlin et al., 2019).

    Post-norm blocks (x = LN(x + attn(x)), x = LN(x + mlp(x))) with biases
    everywhere, token + position + segment embeddings followed by a layer norm, and a
    pooler (a C x C linear layer with bias on the first token).

    Args:
        vocab_size: V (30,522 word pieces for BERT).
        max_position: learned position embeddings (512).
        n_layer, n_head, n_embd: blocks, heads per block, width C; n_head divides C.
        intermediate: the MLP's hidden width (default 4 C).
        type_vocab_size: segment embeddings (2: sentence A and B).
        pooler: whether to count the pooler.
    """

    vocab_size: int
    max_position: int
    n_layer: int
    n_head: int
    n_embd: int
    intermediate: int = None
    type_vocab_size: int = 2
    pooler: bool = True

    def __post_init__(self):
        for name in ("vocab_size", "max_position", "n_layer", "n_head", "n_embd"):
            setattr(self, name, check_integer(getattr(self, name), name, minimum=1))
        if self.n_embd % self.n_head != 0:
            raise ValueError(
                f"n_embd must be divisible by n_head (each head gets n_embd / n_head "
                f"features), got n_embd = {self.n_embd} and n_head = {self.n_head}"
            )
        if self.intermediate is None:
            self.intermediate = 4 * self.n_embd
        self.intermediate = check_integer(self.intermediate, "intermediate", minimum=1)
        self.type_vocab_size = check_integer(
            self.type_vocab_size, "type_vocab_size", minimum=0
        )
        if not isinstance(self.pooler, bool):
            raise TypeError(f"pooler must be True or False, got {self.pooler!r}")


GPT2_CONFIGS = {
    "GPT-2 small": GPTConfig(50257, 1024, 12, 12, 768),
    "GPT-2 medium": GPTConfig(50257, 1024, 24, 16, 1024),
    "GPT-2 large": GPTConfig(50257, 1024, 36, 20, 1280),
    "GPT-2 XL": GPTConfig(50257, 1024, 48, 25, 1600),
}
"""GPT-2's four sizes (Radford et al., 2019): tied embeddings, biases, context 1,024."""

GPT3_175B = GPTConfig(50257, 2048, 96, 96, 12288)
"""GPT-3 175B (Brown et al., 2020, Table 2.1) in the GPT-2 layout, dense attention."""

BERT_BASE = EncoderConfig(30522, 512, 12, 12, 768)
BERT_LARGE = EncoderConfig(30522, 512, 24, 16, 1024)


def _check_config(config):
    if not isinstance(config, (GPTConfig, EncoderConfig)):
        raise TypeError(
            "config must be a helpers.gpt.GPTConfig or a helpers.scale.EncoderConfig, "
            f"got {type(config).__name__}"
        )
    return config


# ----------------------------------------------------------------------- parameters
def parameter_breakdown(config):
    """The parameters of ``GPT(config)`` (or of a BERT-style encoder) by component.

    Returns a dict of integers whose values add up to ``parameter_count(config)``:

        GPT:      "token embedding" V C, "position embedding" block_size C,
                  "attention" L (4 C^2 + 4 b C), "MLP" L (8 C^2 + 5 b C),
                  "layer norms" (2 L + 1)(C + b C), "output layer" V C if untied
        encoder:  "token embedding" V C, "position embedding" P C,
                  "segment embedding" S C, "attention" L (4 C^2 + 4 C),
                  "MLP" L (2 C I + I + C), "layer norms" (2 L + 1) 2 C,
                  "pooler" C^2 + C

    with b = 1 when the GPT has biases, I the encoder's intermediate width.
    """
    _check_config(config)
    C, V, L = config.n_embd, config.vocab_size, config.n_layer
    if isinstance(config, GPTConfig):
        b = int(config.bias)
        parts = {
            "token embedding": V * C,
            "position embedding": config.block_size * C,
            "attention": L * (4 * C * C + 4 * b * C),
            "MLP": L * (8 * C * C + 5 * b * C),
            "layer norms": (2 * L + 1) * (C + b * C),
            "output layer": 0 if config.tie_weights else V * C,
        }
        assert sum(parts.values()) == gpt_parameter_count(config)
        return parts
    inner = config.intermediate
    return {
        "token embedding": V * C,
        "position embedding": config.max_position * C,
        "segment embedding": config.type_vocab_size * C,
        "attention": L * (4 * C * C + 4 * C),
        "MLP": L * (2 * C * inner + inner + C),
        "layer norms": (2 * L + 1) * 2 * C,
        "pooler": C * C + C if config.pooler else 0,
    }


def parameter_count(config):
    """The number of parameters of a GPT or a BERT-style encoder, from its config."""
    _check_config(config)
    if isinstance(config, GPTConfig):
        return gpt_parameter_count(config)
    return sum(parameter_breakdown(config).values())


def torch_nn_encoder(config):
    """A BERT-style encoder built from ``torch.nn`` modules, to count and compare.

    ``nn.Embedding`` for tokens, positions and segments, an ``nn.LayerNorm``, an
    ``nn.TransformerEncoder`` of ``nn.TransformerEncoderLayer`` (post-norm, GELU,
    biases) and the pooler ``nn.Linear(C, C)``, in an ``nn.ModuleDict``. Build it
    under ``with torch.device("meta"):`` to count a large one without memory.
    It is not a trained BERT: only its shapes are BERT's.
    """
    from torch import nn

    if not isinstance(config, EncoderConfig):
        raise TypeError(
            f"config must be a helpers.scale.EncoderConfig, got {type(config).__name__}"
        )
    C = config.n_embd
    layer = nn.TransformerEncoderLayer(
        C, config.n_head, config.intermediate, activation="gelu", batch_first=True
    )
    modules = dict(
        token=nn.Embedding(config.vocab_size, C),
        position=nn.Embedding(config.max_position, C),
        ln=nn.LayerNorm(C),
        encoder=nn.TransformerEncoder(
            layer, config.n_layer, enable_nested_tensor=False
        ),
    )
    if config.type_vocab_size:
        modules["segment"] = nn.Embedding(config.type_vocab_size, C)
    if config.pooler:
        modules["pooler"] = nn.Linear(C, C)
    return nn.ModuleDict(modules)


# -------------------------------------------------------------------------- compute
def forward_flops_per_token(config, seq_len=None):
    """Forward FLOPs per token of ``GPT(config)`` on sequences of ``seq_len`` tokens.

    2 N_mult + 4 L T C, where N_mult = 12 L C^2 + V C are the parameters that take
    part in matrix products; see ``helpers.gpt.flops_per_token``, which this is.
    seq_len defaults to the full context, block_size.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    return flops_per_token(config, config.block_size if seq_len is None else seq_len)


def training_flops(n_params, n_tokens):
    """C = 6 N D: the FLOPs of training N parameters on D tokens.

    2 N per token forward (one multiply-add per weight) and 4 N backward (one
    product for the input's gradient, one for the weight's), the attention term
    left out: it is small while the context is short next to 6 C (Kaplan et al.,
    2020, section 2.1). GPT-3: 6 x 175e9 x 300e9 = 3.15e23.
    """
    n_params = check_positive(n_params, "n_params")
    n_tokens = check_positive(n_tokens, "n_tokens")
    return 6.0 * n_params * n_tokens


def gpu_days(flops, peak_flops_per_s, utilisation):
    """Device-days to compute ``flops`` at ``utilisation`` of a device's peak.

    flops / (peak_flops_per_s * utilisation) / 86,400 s. Divide by the number of
    devices for the calendar days of a run that uses them all.
    """
    flops = check_positive(flops, "flops")
    peak_flops_per_s = check_positive(peak_flops_per_s, "peak_flops_per_s")
    utilisation = _check_fraction(utilisation, "utilisation")
    return flops / (peak_flops_per_s * utilisation) / 86_400.0


def energy_kwh(flops, peak_flops_per_s, utilisation, watts, pue=1.0):
    """The electrical energy of ``flops`` on devices drawing ``watts`` each, in kWh.

    Time per device = flops / (peak * utilisation); energy = time * watts * pue,
    with the data centre's power usage effectiveness ``pue`` >= 1 (cooling and
    power delivery on top of the devices; Patterson et al., 2021).
    """
    days = gpu_days(flops, peak_flops_per_s, utilisation)
    watts = check_positive(watts, "watts")
    pue = check_positive(pue, "pue")
    if pue < 1:
        raise ValueError(f"pue must be at least 1, got {pue}")
    return days * 24.0 * watts * pue / 1000.0


def model_flops_utilisation(tokens_per_s, flops_per_token, peak_flops_per_s):
    """MFU: the model's useful FLOP/s (tokens/s x FLOPs per token) over the peak."""
    tokens_per_s = check_positive(tokens_per_s, "tokens_per_s")
    flops_per_token = check_positive(flops_per_token, "flops_per_token")
    peak_flops_per_s = check_positive(peak_flops_per_s, "peak_flops_per_s")
    return tokens_per_s * flops_per_token / peak_flops_per_s


def _check_fraction(value, name):
    value = check_positive(value, name)
    if value > 1:
        raise ValueError(f"{name} must be a fraction in (0, 1], got {value}")
    return value


# --------------------------------------------------------------------------- memory
BYTES_PER_PARAMETER = {
    ("fp32", "adam"): {"weights": 4, "gradients": 4, "optimizer": 8},
    ("mixed", "adam"): {"weights": 2, "gradients": 2, "optimizer": 12},
    ("fp32", "sgd"): {"weights": 4, "gradients": 4, "optimizer": 0},
    ("mixed", "sgd"): {"weights": 2, "gradients": 2, "optimizer": 4},
}
"""Bytes per parameter held during training, by (precision, optimiser).

fp32 Adam: weights, gradients, and the two moment estimates m and v, 4 bytes each.
Mixed precision (Micikevicius et al., 2018; Rajbhandari et al., 2020): 16-bit
weights and gradients (2 + 2) and, in the optimiser, an fp32 master copy of the
weights and fp32 m and v (4 + 4 + 4): 16 bytes per parameter either way. Plain SGD
keeps no state (mixed: the fp32 master weights only).
"""


def training_memory(n_params, precision="mixed", optimizer="adam"):
    """Bytes of model state for training ``n_params`` parameters.

    Returns {"weights", "gradients", "optimizer", "total"} in bytes, from
    ``BYTES_PER_PARAMETER``; activations come on top (``activation_bytes``).
    precision: "fp32" or "mixed" (16-bit weights and gradients, fp32 master
    weights and Adam moments). optimizer: "adam" (Adam and AdamW) or "sgd".
    """
    n_params = check_positive(n_params, "n_params")
    check_choice(precision, "precision", ("fp32", "mixed"))
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    per = BYTES_PER_PARAMETER[(precision, optimizer)]
    parts = {key: n_params * value for key, value in per.items()}
    parts["total"] = sum(parts.values())
    return parts


def sharded_training_memory(
    n_params, devices, stage, precision="mixed", optimizer="adam"
):
    """Model-state bytes per device with data parallelism and ZeRO sharding.

    stage 0: plain data parallelism (DDP), every device holds everything;
    stage 1: optimiser states split over the devices; stage 2: gradients too;
    stage 3: the weights too (ZeRO-3 = FSDP's full sharding). Rajbhandari et al.
    (2020): with mixed-precision Adam, (2 + 2 + 12) N per device at stage 0 and
    16 N / devices at stage 3. Returns the dict of ``training_memory``, per device.
    """
    devices = check_integer(devices, "devices", minimum=1)
    stage = check_integer(stage, "stage", minimum=0)
    if stage > 3:
        raise ValueError(f"stage must be 0, 1, 2 or 3, got {stage}")
    full = training_memory(n_params, precision, optimizer)
    sharded = {"optimizer": 1, "gradients": 2, "weights": 3}
    parts = {
        key: full[key] / devices if stage >= sharded[key] else full[key]
        for key in ("weights", "gradients", "optimizer")
    }
    parts["total"] = sum(parts.values())
    return parts


def activation_bytes(config, batch_size, seq_len=None, attention="flash"):
    """Bytes the forward of ``GPT(config)`` with a loss saves for the backward.

    Per block, with B = batch_size, T = seq_len, C = n_embd, H = n_head, in values:

        16 B T C      the inputs of both layer norms (2), of the four linear layers
                      (1 + 1 + 1 + 4: the MLP's second reads the 4C-wide GELU
                      output), q, k and v (3), the attention output (1) and the
                      GELU input (4)
        4 B T         each layer norm's mean and 1 / std
        B H T         attention="flash": the log-sum-exp of each softmax row
        B H T^2       attention="math": the attention weights, T x T per head,
                      instead (the fused kernel recomputes them in the backward;
                      with a single head this path also keeps 2 B T C more)

    and once: the token ids, the positions and the targets (int64), the final
    layer norm's input, output and statistics, and the log-probabilities (B T V).
    This is Korthikanti et al.'s (2022) 34 B T C bytes (16-bit) + 5 B H T^2 without
    their dropout masks and, with the fused kernel, without the T x T tensors.
    Values are fp32 (4 bytes), as the small GPT trains here; ``config.dropout``
    must be 0 (dropout adds its masks). Checked against
    ``torch.autograd.graph.saved_tensors_hooks`` in tests/test_scale.py.

    Returns {"per layer", "layers", "head", "total"} in bytes.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    if config.dropout != 0:
        raise ValueError(
            f"config.dropout must be 0 for this count (dropout saves a mask per "
            f"layer), got {config.dropout}"
        )
    B = check_integer(batch_size, "batch_size", minimum=1)
    T = config.block_size if seq_len is None else seq_len
    T = check_integer(T, "seq_len", minimum=1)
    check_choice(attention, "attention", ("flash", "math"))
    C, H, V, L = config.n_embd, config.n_head, config.vocab_size, config.n_layer
    softmax = B * H * T if attention == "flash" else B * H * T * T
    per_layer = 4 * (16 * B * T * C + 4 * B * T + softmax)
    ids = 8 * (2 * B * T + T)  # idx, targets, positions: int64
    head = ids + 4 * (2 * B * T * C + 2 * B * T + B * T * V) + 4  # + the loss scale
    return {
        "per layer": per_layer,
        "layers": L * per_layer,
        "head": head,
        "total": L * per_layer + head,
    }


def kv_cache_bytes(config, batch_size, seq_len, bytes_per_value=2):
    """Bytes of the keys and values cached for ``seq_len`` tokens of generation.

    2 (keys and values) x n_layer x batch_size x seq_len x n_embd values: each
    layer keeps a key and a value vector of width C for every token of every
    sequence (``helpers.gpt.KVCache``). bytes_per_value: 2 for fp16/bf16, 4 fp32.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    B = check_integer(batch_size, "batch_size", minimum=1)
    T = check_integer(seq_len, "seq_len", minimum=1)
    size = check_integer(bytes_per_value, "bytes_per_value", minimum=1)
    return 2 * config.n_layer * B * T * config.n_embd * size


# ------------------------------------------------------------------ scaling laws
def chinchilla_tokens(n_params, tokens_per_param=20):
    """The compute-optimal number of training tokens for ``n_params`` parameters.

    Hoffmann et al. (2022) found that for a fixed compute budget, parameters and
    tokens should grow together, about 20 tokens per parameter.
    """
    n_params = check_positive(n_params, "n_params")
    tokens_per_param = check_positive(tokens_per_param, "tokens_per_param")
    return n_params * tokens_per_param


def fit_power_law(n, loss):
    """Fit loss = a * n^(-alpha) by least squares on log loss = log a - alpha log n.

    Args:
        n: (k,) positive sizes (parameters, tokens or FLOPs), k >= 3.
        loss: (k,) positive losses.

    Returns:
        dict with "alpha", "alpha_se" (its standard error from the residuals, k - 2
        degrees of freedom), "a", "log_a_se", "residual_std" (in log units) and
        "predict" (a function n -> a * n^(-alpha)).
    """
    n = np.asarray(n, dtype=float)
    loss = np.asarray(loss, dtype=float)
    check_array(n, "n", ndim=1)
    check_array(loss, "loss", ndim=1)
    if len(n) != len(loss):
        raise ValueError(
            f"n and loss must have the same length, got {len(n)} and {len(loss)}"
        )
    if len(n) < 3:
        raise ValueError(
            f"n must hold at least 3 sizes to fit a line and its error, got {len(n)}"
        )
    for name, values in (("n", n), ("loss", loss)):
        if np.any(values <= 0):
            raise ValueError(f"{name} must be positive (it is logged), got {values}")
    x, y = np.log(n), np.log(loss)
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    residuals = y - X @ coef
    dof = len(x) - 2
    sigma2 = float(residuals @ residuals) / dof
    cov = sigma2 * np.linalg.inv(X.T @ X)
    log_a, slope = float(coef[0]), float(coef[1])
    a, alpha = math.exp(log_a), -slope
    return {
        "alpha": alpha,
        "alpha_se": math.sqrt(cov[1, 1]),
        "a": a,
        "log_a_se": math.sqrt(cov[0, 0]),
        "residual_std": math.sqrt(sigma2),
        "predict": lambda m: a * np.asarray(m, dtype=float) ** (-alpha),
    }
