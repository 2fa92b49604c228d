"""Plausible wrong answers, and correct alternatives, for labs/lab08_scale.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region(s) of the solution cell with that grade_id (a list of strings for a cell
with two regions). With any of them the test cells of that exercise must score below full
marks. RIGHT_ANSWERS has the same shape: correct solutions written differently, which must
keep full marks. The instructor guide (book/instructor_guide.md, Lab 8) lists them.
"""

_EX7_FIT = """
A_FIT, ALPHA_FIT = fit_power_law(SCALING_N[:4], SCALING_LOSS[:4])
PREDICTED_LOSS = float(predict_loss(A_FIT, ALPHA_FIT, SCALING_N[4]))
"""

_EX7_PREDICT = """
return a * np.asarray(n_params, dtype=float) ** (-alpha)
"""


def _fit(body):
    return [
        """
n_params = np.asarray(n_params, dtype=float)
losses = np.asarray(losses, dtype=float)
if n_params.shape != losses.shape or n_params.ndim != 1 or len(n_params) < 2:
    raise ValueError("n_params and losses must be two sequences of one length")
if (n_params <= 0).any() or (losses <= 0).any():
    raise ValueError("n_params and losses must be positive")
"""
        + body,
        _EX7_PREDICT,
        _EX7_FIT,
    ]


WRONG_ANSWERS = {
    # ------------------------------------------------------- exercise 1: parameters
    "ex1_solution": [
        (
            "biases forgotten (always counted as bias=False)",
            """
C, V = config.n_embd, config.vocab_size
block = 2 * C + 12 * C * C
head = 0 if config.tie_weights else V * C
return int(V * C + config.block_size * C + config.n_layer * block + C + head)
""",
        ),
        (
            "layer norms forgotten",
            """
C, V, b = config.n_embd, config.vocab_size, int(config.bias)
block = 12 * C * C + b * 9 * C
head = 0 if config.tie_weights else V * C
return int(V * C + config.block_size * C + config.n_layer * block + head)
""",
        ),
        (
            "position embedding forgotten",
            """
C, V, b = config.n_embd, config.vocab_size, int(config.bias)
block = 2 * (C + b * C) + 12 * C * C + b * 9 * C
head = 0 if config.tie_weights else V * C
return int(V * C + config.n_layer * block + C + b * C + head)
""",
        ),
        (
            "the tied output layer counted twice",
            """
C, V, b = config.n_embd, config.vocab_size, int(config.bias)
block = 2 * (C + b * C) + 12 * C * C + b * 9 * C
embeddings = V * C + config.block_size * C
return int(embeddings + config.n_layer * block + C + b * C + V * C)
""",
        ),
        (
            "the rule of thumb 12 L C^2 plus the embeddings",
            """
C, V = config.n_embd, config.vocab_size
return int(12 * config.n_layer * C * C + V * C + config.block_size * C)
""",
        ),
    ],
    # ------------------------------------------------------- exercise 2: compute
    "ex2_solution": [
        (
            "2ND (the forward pass only)",
            [
                "return 2.0 * n_params * n_tokens",
                """
if not 0 < utilisation <= 1:
    raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
return training_flops(n_params, n_tokens) / (peak_flops * utilisation) / 86_400
""",
            ],
        ),
        (
            "the utilisation ignored (the peak taken as achieved)",
            [
                "return 6.0 * n_params * n_tokens",
                """
if not 0 < utilisation <= 1:
    raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
return training_flops(n_params, n_tokens) / peak_flops / 86_400
""",
            ],
        ),
        (
            "multiplied by the utilisation instead of divided",
            [
                "return 6.0 * n_params * n_tokens",
                """
if not 0 < utilisation <= 1:
    raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
return training_flops(n_params, n_tokens) * utilisation / peak_flops / 86_400
""",
            ],
        ),
        (
            "hours instead of days",
            [
                "return 6.0 * n_params * n_tokens",
                """
if not 0 < utilisation <= 1:
    raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
return training_flops(n_params, n_tokens) / (peak_flops * utilisation) / 3600
""",
            ],
        ),
        (
            "no check of the utilisation",
            [
                "return 6.0 * n_params * n_tokens",
                "return training_flops(n_params, n_tokens) / (peak_flops * utilisation)"
                " / 86_400",
            ],
        ),
    ],
    # ------------------------------------------------------- exercise 3: memory
    "ex3_solution": [
        (
            "the optimizer states forgotten",
            """
T, B, C, H = seq_len, batch_size, n_embd, n_head
memory = {
    "weights": 2 * n_params,
    "gradients": 2 * n_params,
    "master_weights": 0,
    "adam_moments": 0,
    "activations": n_layer * (T * B * C * 34 + 5 * H * T * T * B),
}
memory["total"] = sum(memory.values())
return memory
""",
        ),
        (
            "the master weights forgotten (12 bytes per parameter)",
            """
T, B, C, H = seq_len, batch_size, n_embd, n_head
memory = {
    "weights": 2 * n_params,
    "gradients": 2 * n_params,
    "master_weights": 0,
    "adam_moments": 8 * n_params,
    "activations": n_layer * (T * B * C * 34 + 5 * H * T * T * B),
}
memory["total"] = sum(memory.values())
return memory
""",
        ),
        (
            "Adam's moments in 16 bits",
            """
T, B, C, H = seq_len, batch_size, n_embd, n_head
memory = {
    "weights": 2 * n_params,
    "gradients": 2 * n_params,
    "master_weights": 4 * n_params,
    "adam_moments": 4 * n_params,
    "activations": n_layer * (T * B * C * 34 + 5 * H * T * T * B),
}
memory["total"] = sum(memory.values())
return memory
""",
        ),
        (
            "the attention term of the activations forgotten",
            """
T, B, C, H = seq_len, batch_size, n_embd, n_head
memory = {
    "weights": 2 * n_params,
    "gradients": 2 * n_params,
    "master_weights": 4 * n_params,
    "adam_moments": 8 * n_params,
    "activations": n_layer * T * B * C * 34,
}
memory["total"] = sum(memory.values())
return memory
""",
        ),
        (
            "the activations of one layer only",
            """
T, B, C, H = seq_len, batch_size, n_embd, n_head
memory = {
    "weights": 2 * n_params,
    "gradients": 2 * n_params,
    "master_weights": 4 * n_params,
    "adam_moments": 8 * n_params,
    "activations": T * B * C * 34 + 5 * H * T * T * B,
}
memory["total"] = sum(memory.values())
return memory
""",
        ),
    ],
    # ------------------------------------------------------- exercise 4: KV cache
    "ex4_solution": [
        (
            "no factor 2 for keys and values",
            [
                "return int(n_layer * n_head * head_size * bytes_per_element * context"
                " * batch_size)",
                "return int(memory_bytes // kv_cache_bytes(n_layer, n_head, head_size, 1,"
                " batch_size, bytes_per_element))",
            ],
        ),
        (
            "the batch forgotten",
            [
                "return int(2 * n_layer * n_head * head_size * bytes_per_element * context)",
                "return int(memory_bytes // kv_cache_bytes(n_layer, n_head, head_size, 1,"
                " batch_size, bytes_per_element))",
            ],
        ),
        (
            "the layers forgotten",
            [
                "return int(2 * n_head * head_size * bytes_per_element * context"
                " * batch_size)",
                "return int(memory_bytes // kv_cache_bytes(n_layer, n_head, head_size, 1,"
                " batch_size, bytes_per_element))",
            ],
        ),
        (
            "max_context rounded to the nearest instead of down",
            [
                "return int(2 * n_layer * n_head * head_size * bytes_per_element * context"
                " * batch_size)",
                "return int(round(memory_bytes / kv_cache_bytes(n_layer, n_head,"
                " head_size, 1, batch_size, bytes_per_element)))",
            ],
        ),
    ],
    # ------------------------------------------------------- exercise 5: accumulation
    "ex5_solution": [
        (
            "no scaling: the sum of the micro-batches' mean losses",
            """
model.zero_grad(set_to_none=True)
total, count = 0.0, 0
for start in range(0, x.shape[0], micro_batch_size):
    _, loss = model(x[start : start + micro_batch_size],
                    y[start : start + micro_batch_size])
    loss.backward()
    total, count = total + loss.item(), count + 1
return total / count
""",
        ),
        (
            "each loss divided by the number of micro-batches",
            """
model.zero_grad(set_to_none=True)
steps = -(-x.shape[0] // micro_batch_size)
total = 0.0
for start in range(0, x.shape[0], micro_batch_size):
    _, loss = model(x[start : start + micro_batch_size],
                    y[start : start + micro_batch_size])
    (loss / steps).backward()
    total += loss.item() / steps
return total
""",
        ),
        (
            "stale gradients kept (no zero_grad)",
            """
total = 0.0
for start in range(0, x.shape[0], micro_batch_size):
    x_part = x[start : start + micro_batch_size]
    _, loss = model(x_part, y[start : start + micro_batch_size])
    weight = x_part.shape[0] / x.shape[0]
    (weight * loss).backward()
    total += weight * loss.item()
return total
""",
        ),
        (
            "zero_grad inside the loop: the last micro-batch only",
            """
total = 0.0
for start in range(0, x.shape[0], micro_batch_size):
    model.zero_grad(set_to_none=True)
    x_part = x[start : start + micro_batch_size]
    _, loss = model(x_part, y[start : start + micro_batch_size])
    weight = x_part.shape[0] / x.shape[0]
    (weight * loss).backward()
    total += weight * loss.item()
return total
""",
        ),
        (
            "the whole batch at once (no micro-batches)",
            """
model.zero_grad(set_to_none=True)
_, loss = model(x, y)
loss.backward()
return loss.item()
""",
        ),
    ],
    # ------------------------------------------------------- exercise 6: compute-optimal
    "ex6_solution": [
        (
            "C = 2ND",
            """
n_params = math.sqrt(compute_flops / (2.0 * tokens_per_param))
return n_params, tokens_per_param * n_params
""",
        ),
        (
            "D = N / 20",
            """
n_params = math.sqrt(compute_flops * tokens_per_param / 6.0)
return n_params, n_params / tokens_per_param
""",
        ),
        (
            "the square root forgotten",
            """
n_params = compute_flops / (6.0 * tokens_per_param)
return n_params, tokens_per_param * n_params
""",
        ),
        (
            "N and D swapped",
            """
n_params = math.sqrt(compute_flops / (6.0 * tokens_per_param))
return tokens_per_param * n_params, n_params
""",
        ),
    ],
    # ------------------------------------------------------- exercise 7: power law
    "ex7_solution": [
        (
            "fitted in linear space (scipy's curve_fit on the raw losses)",
            _fit(
                """
from scipy.optimize import curve_fit

start_slope, start_intercept = np.polyfit(np.log(n_params), np.log(losses), 1)
(a, alpha), _ = curve_fit(
    lambda n, a, alpha: a * n ** (-alpha), n_params, losses,
    p0=(np.exp(start_intercept) * 1.3, -start_slope * 0.7), maxfev=20000,
)
return float(a), float(alpha)
"""
            ),
        ),
        (
            "semi-log: log L against N",
            _fit(
                """
slope, intercept = np.polyfit(n_params, np.log(losses), 1)
return float(np.exp(intercept)), float(-slope)
"""
            ),
        ),
        (
            "the intercept returned as a, not exp(intercept)",
            _fit(
                """
slope, intercept = np.polyfit(np.log(n_params), np.log(losses), 1)
return float(intercept), float(-slope)
"""
            ),
        ),
        (
            "alpha with the wrong sign (the slope itself)",
            _fit(
                """
slope, intercept = np.polyfit(np.log(n_params), np.log(losses), 1)
return float(np.exp(intercept)), float(slope)
"""
            ),
        ),
        (
            "all five models fitted, the held-out one included",
            [
                """
slope, intercept = np.polyfit(np.log(n_params), np.log(losses), 1)
return float(np.exp(intercept)), float(-slope)
""",
                _EX7_PREDICT,
                """
A_FIT, ALPHA_FIT = fit_power_law(SCALING_N, SCALING_LOSS)
PREDICTED_LOSS = float(predict_loss(A_FIT, ALPHA_FIT, SCALING_N[4]))
""",
            ],
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "counted on the meta device, with a warning",
            """
import warnings

warnings.warn("counting on the meta device instead of by formula")
with torch.device("meta"):
    model = GPT(config)
return int(sum(p.numel() for p in model.parameters()))
""",
        ),
        (
            "tensor by tensor, as a list of shapes",
            """
C, V, T = config.n_embd, config.vocab_size, config.block_size
shapes = [(V, C), (T, C)]
for _ in range(config.n_layer):
    shapes += [(C,), (C,), (3 * C, C), (C, C), (4 * C, C), (C, 4 * C)]
    if config.bias:
        shapes += [(C,), (C,), (3 * C,), (C,), (4 * C,), (C,)]
shapes += [(C,)] + ([(C,)] if config.bias else [])
if not config.tie_weights:
    shapes.append((V, C))
return sum(math.prod(s) for s in shapes)
""",
        ),
    ],
    "ex2_solution": [
        (
            "days computed through hours, with a warning for a high utilisation",
            [
                "return float(6 * n_params * n_tokens)",
                """
import warnings

if utilisation <= 0 or utilisation > 1:
    raise ValueError(f"utilisation must be a fraction in (0, 1], got {utilisation}")
if utilisation > 0.7:
    warnings.warn("a utilisation above 0.7 is rarely reached")
hours = 6 * n_params * n_tokens / (utilisation * peak_flops) / 3600
return hours / 24
""",
            ],
        ),
    ],
    "ex3_solution": [
        (
            "bytes per parameter from a table",
            """
bytes_per_param = {"weights": 2, "gradients": 2, "master_weights": 4,
                   "adam_moments": 4 + 4}
memory = {k: int(v * n_params) for k, v in bytes_per_param.items()}
memory["activations"] = int(
    n_layer * seq_len * batch_size * (34 * n_embd + 5 * n_head * seq_len)
)
memory["total"] = sum(memory.values())
return memory
""",
        ),
    ],
    "ex4_solution": [
        (
            "from the shapes of the tensors, and a search for the context",
            [
                """
keys = batch_size * n_head * context * head_size
return int(n_layer * 2 * keys * bytes_per_element)
""",
                """
low, high = 0, 1
while kv_cache_bytes(n_layer, n_head, head_size, high, batch_size,
                     bytes_per_element) <= memory_bytes:
    high *= 2
while high - low > 1:
    mid = (low + high) // 2
    if kv_cache_bytes(n_layer, n_head, head_size, mid, batch_size,
                      bytes_per_element) <= memory_bytes:
        low = mid
    else:
        high = mid
return low
""",
            ],
        ),
    ],
    "ex5_solution": [
        (
            "a summed loss divided by the token count, with a tqdm bar",
            """
import torch.nn.functional as F
from tqdm.auto import tqdm

for p in model.parameters():
    p.grad = None
tokens = y.numel()
total = 0.0
starts = range(0, x.shape[0], micro_batch_size)
for start in tqdm(starts, desc="micro-batches", leave=False):
    x_part = x[start : start + micro_batch_size]
    y_part = y[start : start + micro_batch_size]
    logits, _ = model(x_part, y_part)
    loss = F.cross_entropy(logits.flatten(0, 1), y_part.flatten(), reduction="sum")
    (loss / tokens).backward()
    total += loss.item()
return total / tokens
""",
        ),
        (
            "torch.split, with a warning for an uneven split",
            """
import warnings

if x.shape[0] % micro_batch_size:
    warnings.warn("the last micro-batch is smaller than the others")
model.zero_grad()
total = 0.0
for x_part, y_part in zip(x.split(micro_batch_size), y.split(micro_batch_size)):
    _, loss = model(x_part, y_part)
    share = len(x_part) / len(x)
    (loss * share).backward()
    total += loss.item() * share
return float(total)
""",
        ),
    ],
    "ex6_solution": [
        (
            "through D first",
            """
n_tokens = (compute_flops * tokens_per_param / 6.0) ** 0.5
return n_tokens / tokens_per_param, n_tokens
""",
        ),
    ],
    "ex7_solution": [
        (
            "the normal equations in base 10, with a warning for few points",
            [
                """
import warnings

n_params = np.asarray(n_params, dtype=float)
losses = np.asarray(losses, dtype=float)
if n_params.ndim != 1 or n_params.shape != losses.shape or n_params.size < 2:
    raise ValueError("n_params and losses must have one length, at least 2")
if np.any(n_params <= 0) or np.any(losses <= 0):
    raise ValueError("n_params and losses must be positive")
if n_params.size < 4:
    warnings.warn("a fit through fewer than four points says little")
u, v = np.log10(n_params), np.log10(losses)
slope = ((u - u.mean()) * (v - v.mean())).sum() / ((u - u.mean()) ** 2).sum()
intercept = v.mean() - slope * u.mean()
return float(10.0**intercept), float(-slope)
""",
                """
return a * np.power(np.asarray(n_params, dtype=float), -alpha)
""",
                _EX7_FIT,
            ],
        ),
    ],
}
