"""Plausible wrong answers, and correct alternatives, for labs/lab07_attention.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region of the solution cell with that grade_id (written without the indentation of
the region; it takes the indentation of the ``### BEGIN SOLUTION`` line). A cell with two
regions (exercise 5 (a): ``merge_pair`` and ``train_merges``) takes a list of two sources,
``None`` keeping a region's own solution. With any of them the test cells of that exercise
must score below full marks. RIGHT_ANSWERS has the same shape: correct solutions written
differently, which must keep full marks.

The mistakes are the ones students make: attention without the 1/sqrt(d), the mask applied
after the softmax, a mask that hides the diagonal, a softmax without its shift; a backward
pass that keeps only the softmax's diagonal, forgets the scale or a transpose; heads split
by a reshape without the transpose, projections multiplied by W instead of W^T; post-norm
instead of pre-norm; BPE ties broken by first occurrence, merges that scan from the right,
merges chosen from stale counts; a generation cache that re-appends positions, or that is
rebuilt at every step; model selection on the training data, and so on. The instructor
guide (book/instructor_guide.md, Lab 7) lists them for teachers.
"""

_ATTENTION_TAIL = """
scores = scores - scores.max(axis=-1, keepdims=True)
weights = np.exp(scores)
weights = weights / weights.sum(axis=-1, keepdims=True)
return weights @ v, weights
"""

_MHA_HEAD = """
N, L, E = x.shape
if E % num_heads != 0:
    raise ValueError(f"num_heads must divide E = {E}, got {num_heads}")
D = E // num_heads
"""

_BLOCK_PARAMS = """
attn_params = {
    "in_proj_weight": params["attn.c_attn.weight"],
    "in_proj_bias": params["attn.c_attn.bias"],
    "out_proj.weight": params["attn.c_proj.weight"],
    "out_proj.bias": params["attn.c_proj.bias"],
}
"""

_TRAIN_MERGES = """
ids = list(text.encode("utf-8"))
merges = {}
for new_id in range(256, 256 + num_merges):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        break
    best_count = max(counts.values())
    best = min(pair for pair, count in counts.items() if count == best_count)
    merges[best] = new_id
    ids = merge_pair(ids, best, new_id)
return merges
"""

WRONG_ANSWERS = {
    # ------------------------------------------------------- exercise 1: attention
    "ex1_solution": [
        (
            "no 1/sqrt(d): the scores are not scaled",
            """
scores = q @ np.swapaxes(k, -1, -2)
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
"""
            + _ATTENTION_TAIL,
        ),
        (
            "the mask applied after the softmax",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
scores = scores - scores.max(axis=-1, keepdims=True)
weights = np.exp(scores)
weights = weights / weights.sum(axis=-1, keepdims=True)
if causal:
    L, S = weights.shape[-2:]
    weights = weights * np.tril(np.ones((L, S)))
return weights @ v, weights
""",
        ),
        (
            "divided by d instead of sqrt(d)",
            """
scores = q @ np.swapaxes(k, -1, -2) / q.shape[-1]
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
"""
            + _ATTENTION_TAIL,
        ),
        (
            "scaled by the width of the values, not of the keys",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
"""
            + _ATTENTION_TAIL,
        ),
        (
            "the causal mask hides the diagonal too (j < i)",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool), -1), scores, -1e9)
"""
            + _ATTENTION_TAIL,
        ),
        (
            "the causal mask aligned at the bottom-right corner",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool), S - L), scores, -np.inf)
"""
            + _ATTENTION_TAIL,
        ),
        (
            "a softmax without subtracting the row's largest score",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
weights = np.exp(scores)
weights = weights / weights.sum(axis=-1, keepdims=True)
return weights @ v, weights
""",
        ),
        (
            "the softmax over the queries",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = np.where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
scores = scores - scores.max(axis=-2, keepdims=True)
weights = np.exp(scores)
weights = weights / weights.sum(axis=-2, keepdims=True)
return weights @ v, weights
""",
        ),
        (
            "the mask after the softmax, renormalised: exact, but nan for large scores",
            """
scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
if causal:
    L, S = weights.shape[-2:]
    weights = weights * np.tril(np.ones((L, S)))
weights = weights / weights.sum(axis=-1, keepdims=True)
return weights @ v, weights
""",
        ),
    ],
    # ------------------------------------------------------- exercise 2: backward
    "ex2_solution": [
        (
            "the softmax's Jacobian reduced to its diagonal, w (1 - w)",
            """
scale = 1.0 / np.sqrt(q.shape[-1])
dv = np.swapaxes(weights, -1, -2) @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (1 - weights) * d_weights
dq = d_scores @ k * scale
dk = np.swapaxes(d_scores, -1, -2) @ q * scale
return dq, dk, dv
""",
        ),
        (
            "the scale forgotten in dq and dk",
            """
dv = np.swapaxes(weights, -1, -2) @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (d_weights - np.sum(weights * d_weights, axis=-1, keepdims=True))
return d_scores @ k, np.swapaxes(d_scores, -1, -2) @ q, dv
""",
        ),
        (
            "the row sum taken over the queries",
            """
scale = 1.0 / np.sqrt(q.shape[-1])
dv = np.swapaxes(weights, -1, -2) @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (d_weights - np.sum(weights * d_weights, axis=-2, keepdims=True))
dq = d_scores @ k * scale
dk = np.swapaxes(d_scores, -1, -2) @ q * scale
return dq, dk, dv
""",
        ),
        (
            "dk without the transpose of the score gradient (square case only)",
            """
scale = 1.0 / np.sqrt(q.shape[-1])
dv = np.swapaxes(weights, -1, -2) @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (d_weights - np.sum(weights * d_weights, axis=-1, keepdims=True))
dq = d_scores @ k * scale
dk = d_scores @ q * scale
return dq, dk, dv
""",
        ),
        (
            "dv = W dout instead of W^T dout",
            """
scale = 1.0 / np.sqrt(q.shape[-1])
dv = weights @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (d_weights - np.sum(weights * d_weights, axis=-1, keepdims=True))
dq = d_scores @ k * scale
dk = np.swapaxes(d_scores, -1, -2) @ q * scale
return dq, dk, dv
""",
        ),
        (
            "the scale applied twice to dk",
            """
scale = 1.0 / np.sqrt(q.shape[-1])
dv = np.swapaxes(weights, -1, -2) @ dout
d_weights = dout @ np.swapaxes(v, -1, -2)
d_scores = weights * (d_weights - np.sum(weights * d_weights, axis=-1, keepdims=True))
dq = d_scores @ k * scale
dk = np.swapaxes(d_scores, -1, -2) @ q * scale * scale
return dq, dk, dv
""",
        ),
    ],
    # ------------------------------------------------------- exercise 3: multi-head
    "ex3_solution": [
        (
            "heads split by a reshape without the transpose",
            _MHA_HEAD
            + """
qkv = x @ params["in_proj_weight"].T + params["in_proj_bias"]
q, k, v = (part.reshape(N, num_heads, L, D) for part in np.split(qkv, 3, axis=-1))
heads, _ = attention(q, k, v, causal=causal)
joined = heads.reshape(N, L, E)
return joined @ params["out_proj.weight"].T + params["out_proj.bias"]
""",
        ),
        (
            "heads interleaved: feature d * H + h in head h",
            _MHA_HEAD
            + """
qkv = x @ params["in_proj_weight"].T + params["in_proj_bias"]
q, k, v = (
    part.reshape(N, L, D, num_heads).transpose(0, 3, 1, 2)
    for part in np.split(qkv, 3, axis=-1)
)
heads, _ = attention(q, k, v, causal=causal)
joined = heads.transpose(0, 2, 3, 1).reshape(N, L, E)
return joined @ params["out_proj.weight"].T + params["out_proj.bias"]
""",
        ),
        (
            "the projections multiplied by W instead of W^T",
            _MHA_HEAD
            + """
w_q, w_k, w_v = np.split(params["in_proj_weight"], 3, axis=0)
b_q, b_k, b_v = np.split(params["in_proj_bias"], 3)
q, k, v = (
    (x @ w + b).reshape(N, L, num_heads, D).transpose(0, 2, 1, 3)
    for w, b in ((w_q, b_q), (w_k, b_k), (w_v, b_v))
)
heads, _ = attention(q, k, v, causal=causal)
joined = heads.transpose(0, 2, 1, 3).reshape(N, L, E)
return joined @ params["out_proj.weight"] + params["out_proj.bias"]
""",
        ),
        (
            "one head of width E (num_heads only checked)",
            _MHA_HEAD
            + """
qkv = x @ params["in_proj_weight"].T + params["in_proj_bias"]
q, k, v = np.split(qkv, 3, axis=-1)
joined, _ = attention(q, k, v, causal=causal)
return joined @ params["out_proj.weight"].T + params["out_proj.bias"]
""",
        ),
        (
            "the output projection left out",
            _MHA_HEAD
            + """
qkv = x @ params["in_proj_weight"].T + params["in_proj_bias"]
q, k, v = (
    part.reshape(N, L, num_heads, D).transpose(0, 2, 1, 3)
    for part in np.split(qkv, 3, axis=-1)
)
heads, _ = attention(q, k, v, causal=causal)
return heads.transpose(0, 2, 1, 3).reshape(N, L, E)
""",
        ),
        (
            "no check that num_heads divides E",
            """
N, L, E = x.shape
D = E // num_heads
qkv = x @ params["in_proj_weight"].T + params["in_proj_bias"]
q, k, v = (
    part.reshape(N, L, num_heads, D).transpose(0, 2, 1, 3)
    for part in np.split(qkv, 3, axis=-1)
)
heads, _ = attention(q, k, v, causal=causal)
joined = heads.transpose(0, 2, 1, 3).reshape(N, L, E)
return joined @ params["out_proj.weight"].T + params["out_proj.bias"]
""",
        ),
    ],
    # ------------------------------------------------------- exercise 4: layer norm
    "ex4a_solution": [
        (
            "the unbiased variance (divide by E - 1)",
            """
mean = x.mean(axis=-1, keepdims=True)
var = x.var(axis=-1, ddof=1, keepdims=True)
return (x - mean) / np.sqrt(var + eps) * weight + bias
""",
        ),
        (
            "eps outside the square root",
            """
mean = x.mean(axis=-1, keepdims=True)
return (x - mean) / (x.std(axis=-1, keepdims=True) + eps) * weight + bias
""",
        ),
        (
            "normalised over the first axis (the batch), as batch norm",
            """
mean = x.mean(axis=0, keepdims=True)
var = x.var(axis=0, keepdims=True)
return (x - mean) / np.sqrt(var + eps) * weight + bias
""",
        ),
        (
            "eps ignored (the default hard-coded)",
            """
mean = x.mean(axis=-1, keepdims=True)
var = x.var(axis=-1, keepdims=True)
return (x - mean) / np.sqrt(var + 1e-5) * weight + bias
""",
        ),
    ],
    # ------------------------------------------------------- exercise 4: the block
    "ex4b_solution": [
        (
            "post-norm: the layer norms after the additions",
            _BLOCK_PARAMS
            + """
x = layer_norm(
    x + multihead_attention(x, attn_params, num_heads, causal=True),
    params["ln_1.weight"],
    params["ln_1.bias"],
)
h = gelu(x @ params["mlp.c_fc.weight"].T + params["mlp.c_fc.bias"])
h = h @ params["mlp.c_proj.weight"].T + params["mlp.c_proj.bias"]
return layer_norm(x + h, params["ln_2.weight"], params["ln_2.bias"])
""",
        ),
        (
            "no residual connection around the MLP",
            _BLOCK_PARAMS
            + """
h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
x = x + multihead_attention(h, attn_params, num_heads, causal=True)
h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
h = gelu(h @ params["mlp.c_fc.weight"].T + params["mlp.c_fc.bias"])
return h @ params["mlp.c_proj.weight"].T + params["mlp.c_proj.bias"]
""",
        ),
        (
            "ln_1 used in both branches",
            _BLOCK_PARAMS
            + """
h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
x = x + multihead_attention(h, attn_params, num_heads, causal=True)
h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
h = gelu(h @ params["mlp.c_fc.weight"].T + params["mlp.c_fc.bias"])
return x + h @ params["mlp.c_proj.weight"].T + params["mlp.c_proj.bias"]
""",
        ),
        (
            "attention that is not causal",
            _BLOCK_PARAMS
            + """
h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
x = x + multihead_attention(h, attn_params, num_heads)
h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
h = gelu(h @ params["mlp.c_fc.weight"].T + params["mlp.c_fc.bias"])
return x + h @ params["mlp.c_proj.weight"].T + params["mlp.c_proj.bias"]
""",
        ),
        (
            "both branches read the block's input (parallel, not sequential)",
            _BLOCK_PARAMS
            + """
h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
a = multihead_attention(h, attn_params, num_heads, causal=True)
h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
h = gelu(h @ params["mlp.c_fc.weight"].T + params["mlp.c_fc.bias"])
return x + a + h @ params["mlp.c_proj.weight"].T + params["mlp.c_proj.bias"]
""",
        ),
    ],
    # ------------------------------------------------------- exercise 5: BPE training
    "ex5a_solution": [
        (
            "ties broken by the first pair seen (max over a dict)",
            [
                None,
                """
ids = list(text.encode("utf-8"))
merges = {}
for new_id in range(256, 256 + num_merges):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        break
    best = max(counts, key=counts.get)
    merges[best] = new_id
    ids = merge_pair(ids, best, new_id)
return merges
""",
            ],
        ),
        (
            "ties broken by the larger pair",
            [
                None,
                """
ids = list(text.encode("utf-8"))
merges = {}
for new_id in range(256, 256 + num_merges):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        break
    best = max(counts, key=lambda pair: (counts[pair], pair))
    merges[best] = new_id
    ids = merge_pair(ids, best, new_id)
return merges
""",
            ],
        ),
        (
            "the merge scans from the right",
            [
                """
merged, i = [], len(ids) - 1
while i >= 0:
    if i >= 1 and (ids[i - 1], ids[i]) == pair:
        merged.append(new_id)
        i -= 2
    else:
        merged.append(ids[i])
        i -= 1
return merged[::-1]
""",
                None,
            ],
        ),
        (
            "all merges chosen from the counts of the raw bytes",
            [
                None,
                """
ids = list(text.encode("utf-8"))
counts = {}
for pair in zip(ids, ids[1:]):
    counts[pair] = counts.get(pair, 0) + 1
ranked = sorted(counts, key=lambda pair: (-counts[pair], pair))
return {pair: 256 + i for i, pair in enumerate(ranked[:num_merges])}
""",
            ],
        ),
        (
            "overlapping pairs counted once ('aaa' holds one (a, a))",
            [
                None,
                """
ids = list(text.encode("utf-8"))
merges = {}
for new_id in range(256, 256 + num_merges):
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    if not counts:
        break
    best_count = max(counts.values())
    best = min(pair for pair, count in counts.items() if count == best_count)
    merges[best] = new_id
    ids = merge_pair(ids, best, new_id)
return merges
""",
            ],
        ),
        (
            "new ids start at 255",
            [
                None,
                _TRAIN_MERGES.replace(
                    "range(256, 256 + num_merges)", "range(255, 255 + num_merges)"
                ),
            ],
        ),
    ],
    # ------------------------------------------------------- exercise 5: encoding
    "ex5b_solution": [
        (
            "the merges applied in reverse order",
            """
ids = list(text.encode("utf-8"))
for pair, new_id in reversed(list(merges.items())):
    ids = merge_pair(ids, pair, new_id)
return ids
""",
        ),
        (
            "stops at the first merge that does not occur",
            """
ids = list(text.encode("utf-8"))
for pair, new_id in merges.items():
    if pair not in set(zip(ids, ids[1:])):
        break
    ids = merge_pair(ids, pair, new_id)
return ids
""",
        ),
        (
            "the most frequent known pair of the new text first",
            """
ids = list(text.encode("utf-8"))
while True:
    counts = {}
    for pair in zip(ids, ids[1:]):
        if pair in merges:
            counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        return ids
    best = max(counts, key=counts.get)
    ids = merge_pair(ids, best, merges[best])
""",
        ),
        (
            "characters instead of UTF-8 bytes",
            """
ids = [ord(c) for c in text]
for pair, new_id in merges.items():
    ids = merge_pair(ids, pair, new_id)
return ids
""",
        ),
    ],
    # ------------------------------------------------------- exercise 6: the cache
    "ex6_solution": [
        (
            "a cache that re-appends positions: the whole context fed every step",
            """
block_size = model.config.block_size
idx = prompt.long()
cache = KVCache(model.config.n_layer) if use_cache else None
with torch.no_grad():
    for _ in range(max_new_tokens):
        if cache is not None and cache.length >= block_size:
            cache = KVCache(model.config.n_layer)
        try:
            logits, _ = model(idx[:, -block_size:], cache=cache)
        except ValueError:
            cache = KVCache(model.config.n_layer)
            logits, _ = model(idx[:, -block_size:], cache=cache)
        next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_token], dim=1)
return idx
""",
        ),
        (
            "the cache rebuilt at every step (right tokens, no saving)",
            """
block_size = model.config.block_size
idx = prompt.long()
with torch.no_grad():
    for _ in range(max_new_tokens):
        cache = KVCache(model.config.n_layer) if use_cache else None
        logits, _ = model(idx[:, -block_size:], cache=cache)
        next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_token], dim=1)
return idx
""",
        ),
        (
            "the newest token fed alone, without a cache",
            """
block_size = model.config.block_size
idx = prompt.long()
with torch.no_grad():
    logits, _ = model(idx[:, -block_size:])
    for step in range(max_new_tokens):
        next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_token], dim=1)
        if use_cache:
            logits, _ = model(next_token)
        else:
            logits, _ = model(idx[:, -block_size:])
return idx
""",
        ),
        (
            "the logits of the first position, not the last",
            """
block_size = model.config.block_size
idx = prompt.long()
cache = None
with torch.no_grad():
    for _ in range(max_new_tokens):
        if use_cache and cache is not None and cache.length < block_size:
            logits, _ = model(idx[:, -1:], cache=cache)
        else:
            cache = KVCache(model.config.n_layer) if use_cache else None
            logits, _ = model(idx[:, -block_size:], cache=cache)
        next_token = logits[:, 0, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_token], dim=1)
return idx
""",
        ),
        (
            "the context not cropped to the block size",
            """
idx = prompt.long()
cache = None
with torch.no_grad():
    for _ in range(max_new_tokens):
        if use_cache and cache is not None:
            logits, _ = model(idx[:, -1:], cache=cache)
        else:
            cache = KVCache(model.config.n_layer) if use_cache else None
            logits, _ = model(idx, cache=cache)
        next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_token], dim=1)
return idx
""",
        ),
    ],
    # ------------------------------------------------------- exercise 7: selection
    "ex7a_solution": [
        (
            "scored on the training data",
            """
val_losses, models = [], []
for config in configs:
    models.append(train_candidate(config, train_ids))
    val_losses.append(float(mean_loss(models[-1], train_ids)))
best = int(np.argmin(val_losses))
return configs[best], models[best], val_losses
""",
        ),
        (
            "the highest validation loss kept",
            """
val_losses, models = [], []
for config in configs:
    models.append(train_candidate(config, train_ids))
    val_losses.append(float(mean_loss(models[-1], val_ids)))
best = int(np.argmax(val_losses))
return configs[best], models[best], val_losses
""",
        ),
        (
            "the last trained model returned with the best configuration",
            """
val_losses = []
for config in configs:
    model = train_candidate(config, train_ids)
    val_losses.append(float(mean_loss(model, val_ids)))
return configs[int(np.argmin(val_losses))], model, val_losses
""",
        ),
        (
            "trained on the training and validation data together",
            """
val_losses, models = [], []
for config in configs:
    models.append(train_candidate(config, np.concatenate([train_ids, val_ids])))
    val_losses.append(float(mean_loss(models[-1], val_ids)))
best = int(np.argmin(val_losses))
return configs[best], models[best], val_losses
""",
        ),
        (
            "the last of tied configurations",
            """
val_losses, models = [], []
for config in configs:
    models.append(train_candidate(config, train_ids))
    val_losses.append(float(mean_loss(models[-1], val_ids)))
best = len(val_losses) - 1 - int(np.argmin(val_losses[::-1]))
return configs[best], models[best], val_losses
""",
        ),
    ],
    "ex7b_solution": [
        (
            "a single configuration",
            """
CONFIGS = [{"n_embd": 48, "n_layer": 2, "lr": 1e-2, "steps": 400}]
""",
        ),
        (
            "over the budget of 600 steps",
            """
CONFIGS = [
    {"n_embd": 48, "n_layer": 2, "lr": 3e-3, "steps": 300},
    {"n_embd": 48, "n_layer": 2, "lr": 1e-2, "steps": 400},
]
""",
        ),
        (
            "only the small learning rate of larger models (1e-3): below the bar",
            """
CONFIGS = [
    {"n_embd": 64, "n_layer": 2, "lr": 1e-3, "steps": 300},
    {"n_embd": 48, "n_layer": 2, "lr": 1e-3, "steps": 300},
]
""",
        ),
        (
            "one layer only, at a rate of 1e-2: below the bar",
            """
CONFIGS = [
    {"n_embd": 64, "n_layer": 1, "lr": 1e-2, "steps": 300},
    {"n_embd": 48, "n_layer": 1, "lr": 1e-2, "steps": 300},
]
""",
        ),
        (
            "too large a learning rate, and too few steps for the other",
            """
CONFIGS = [
    {"n_embd": 48, "n_layer": 2, "lr": 0.05, "steps": 400},
    {"n_embd": 32, "n_layer": 2, "lr": 1e-2, "steps": 200},
]
""",
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "einsum, an additive -inf mask and scipy's softmax",
            """
from scipy.special import softmax

scores = np.einsum("...le,...se->...ls", q, k) / np.sqrt(q.shape[-1])
if causal:
    L, S = scores.shape[-2:]
    scores = scores + np.triu(np.full((L, S), -np.inf), 1)
weights = softmax(scores, axis=-1)
return np.einsum("...ls,...sv->...lv", weights, v), weights
""",
        ),
        (
            "the stable softmax, with a warning when a row saturates",
            """
import warnings

scores = q @ np.swapaxes(k, -1, -2) * q.shape[-1] ** -0.5
if causal:
    L, S = scores.shape[-2:]
    scores[..., np.triu(np.ones((L, S), dtype=bool), 1)] = -np.inf
shifted = scores - np.max(scores, axis=-1, keepdims=True)
if shifted.shape[-1] > 1 and np.any(np.sort(shifted)[..., -2] < -30):
    warnings.warn("some rows put all their weight on one key", stacklevel=2)
weights = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
return weights @ v, weights
""",
        ),
    ],
    "ex2_solution": [
        (
            "the row sums as dout . out (FlashAttention's saving)",
            """
out = weights @ v
dv = np.swapaxes(weights, -1, -2) @ dout
d_scores = weights * (
    dout @ np.swapaxes(v, -1, -2) - np.sum(dout * out, axis=-1, keepdims=True)
)
scale = q.shape[-1] ** -0.5
return scale * d_scores @ k, scale * np.swapaxes(d_scores, -1, -2) @ q, dv
""",
        ),
        (
            "the full Jacobian of every row, with einsum",
            """
S = weights.shape[-1]
jacobian = weights[..., :, None] * np.eye(S) - weights[..., :, None] * weights[..., None, :]
d_weights = np.einsum("...lv,...sv->...ls", dout, v)
d_scores = np.einsum("...ls,...lst->...lt", d_weights, jacobian)
scale = 1 / np.sqrt(q.shape[-1])
dq = np.einsum("...ls,...se->...le", d_scores, k) * scale
dk = np.einsum("...ls,...le->...se", d_scores, q) * scale
dv = np.einsum("...ls,...lv->...sv", weights, dout)
return dq, dk, dv
""",
        ),
    ],
    "ex3_solution": [
        (
            "three separate projections, heads joined with swapaxes",
            """
N, L, E = x.shape
if E % num_heads:
    raise ValueError(f"num_heads must divide E = {E}, got num_heads = {num_heads}")
w_q, w_k, w_v = np.split(params["in_proj_weight"], 3, axis=0)
b_q, b_k, b_v = np.split(params["in_proj_bias"], 3)

def heads(w, b):
    return np.swapaxes((x @ w.T + b).reshape(N, L, num_heads, -1), 1, 2)

out, _ = attention(heads(w_q, b_q), heads(w_k, b_k), heads(w_v, b_v), causal)
out = np.swapaxes(out, 1, 2).reshape(N, L, E)
return out @ params["out_proj.weight"].T + params["out_proj.bias"]
""",
        ),
    ],
    "ex4a_solution": [
        (
            "np.var, and a warning for a constant row",
            """
import warnings

if np.any(np.var(x, axis=-1) < 1e-8):
    warnings.warn("a constant row: layer norm returns the bias there", stacklevel=2)
centred = x - x.mean(axis=-1, keepdims=True)
return centred / np.sqrt(np.var(x, axis=-1, keepdims=True) + eps) * weight + bias
""",
        ),
    ],
    "ex4b_solution": [
        (
            "a small helper for each linear layer",
            """
def linear(name, h):
    return h @ params[f"{name}.weight"].T + params[f"{name}.bias"]

def ln(name, h):
    return layer_norm(h, params[f"{name}.weight"], params[f"{name}.bias"])

attn = {
    "in_proj_weight": params["attn.c_attn.weight"],
    "in_proj_bias": params["attn.c_attn.bias"],
    "out_proj.weight": params["attn.c_proj.weight"],
    "out_proj.bias": params["attn.c_proj.bias"],
}
x = x + multihead_attention(ln("ln_1", x), attn, num_heads, causal=True)
return x + linear("mlp.c_proj", gelu(linear("mlp.c_fc", ln("ln_2", x))))
""",
        ),
    ],
    "ex5a_solution": [
        (
            "collections.Counter, a sort key for the tie, and a tqdm bar",
            [
                """
merged, i = [], 0
n = len(ids)
while i < n:
    if i < n - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
        merged.append(new_id)
        i += 2
    else:
        merged.append(ids[i])
        i += 1
return merged
""",
                """
from collections import Counter

from tqdm.auto import tqdm

ids = list(text.encode("utf-8"))
merges = {}
for new_id in tqdm(range(256, 256 + num_merges), desc="merges", leave=False):
    counts = Counter(zip(ids, ids[1:]))
    if not counts:
        break
    best = min(counts, key=lambda pair: (-counts[pair], pair))
    merges[best] = new_id
    ids = merge_pair(ids, best, new_id)
return merges
""",
            ],
        ),
    ],
    "ex5b_solution": [
        (
            "the lowest-ranked pair present first, until none is left",
            """
ids = list(text.encode("utf-8"))
while len(ids) >= 2:
    pair = min(set(zip(ids, ids[1:])), key=lambda p: merges.get(p, float("inf")))
    if pair not in merges:
        break
    ids = merge_pair(ids, pair, merges[pair])
return ids
""",
        ),
    ],
    "ex6_solution": [
        (
            "the prompt fed first, then one token per step (with a tqdm bar)",
            """
from tqdm.auto import tqdm

block = model.config.block_size
out = prompt.clone().long()

def fresh():
    cache = KVCache(model.config.n_layer) if use_cache else None
    return cache, model(out[:, -block:], cache=cache)[0]

with torch.no_grad():
    cache, logits = (None, None) if max_new_tokens == 0 else fresh()
    for step in tqdm(range(max_new_tokens), desc="tokens", leave=False):
        token = logits[:, -1].argmax(dim=-1)[:, None]
        out = torch.cat((out, token), dim=1)
        if step == max_new_tokens - 1:
            break
        if use_cache and cache.length < block:
            logits = model(token, cache=cache)[0]
        else:
            cache, logits = fresh()
return out
""",
        ),
    ],
    "ex7a_solution": [
        (
            "a tqdm bar over the configurations, and a warning for a poor one",
            """
import warnings

from tqdm.auto import tqdm

results = []
for config in tqdm(configs, desc="configurations", leave=False):
    model = train_candidate(config, train_ids)
    loss = float(mean_loss(model, val_ids))
    if loss > 3.0:
        warnings.warn(f"{config} barely learned: {loss:.2f} nats", stacklevel=2)
    results.append((loss, model))
best = min(range(len(configs)), key=lambda i: results[i][0])
return configs[best], results[best][1], [loss for loss, _ in results]
""",
        ),
    ],
    "ex7b_solution": [
        (
            "a wider and a narrower model at the larger rate",
            """
CONFIGS = [
    {"n_embd": 64, "n_layer": 2, "lr": 1e-2, "steps": 300},
    {"n_embd": 48, "n_layer": 2, "lr": 1e-2, "steps": 300},
]
""",
        ),
    ],
}
