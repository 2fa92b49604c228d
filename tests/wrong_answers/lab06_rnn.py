"""Plausible wrong answers, and correct alternatives, for labs/lab06_rnn.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region of the solution cell with that grade_id (written without the indentation of
the region; it takes the indentation of the ``### BEGIN SOLUTION`` line). A cell with two
regions takes a list of two sources, ``None`` keeping a region's own solution. With any of
them the test cells of that exercise must score below full marks. RIGHT_ANSWERS has the same
shape: correct solutions written differently, which must keep full marks.

The mistakes are the ones students make: one bias where PyTorch has two, the derivative of
tanh as 1 - h, backpropagation through time that forgets the gradient coming back through
the hidden state or keeps only the last step's weight gradient, an LSTM with its gates in
another order, clipping each gradient on its own (or rebinding a loop variable, so that
nothing is clipped), the softmax taken before dividing by the temperature, a validation
loss that starts every window from zeros, a training loop that clips after the step, a
sampler that forgets its state, a search with timid learning rates, and so on. The
instructor guide (book/instructor_guide.md, Lab 6) lists them for teachers.
"""

WRONG_ANSWERS = {
    # ---------------------------------------------------------------- exercise 1: RNN step
    "ex1_solution": [
        (
            "one bias only (bias_hh left out)",
            """
h_next = np.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T)
cache = (x, h_prev, weight_ih, weight_hh, h_next)
return h_next, cache
""",
        ),
        (
            "the weights not transposed",
            """
h_next = np.tanh(x @ weight_ih + bias_ih + h_prev @ weight_hh + bias_hh)
cache = (x, h_prev, weight_ih, weight_hh, h_next)
return h_next, cache
""",
        ),
        (
            "tanh of the input part only",
            """
h_next = np.tanh(x @ weight_ih.T + bias_ih) + h_prev @ weight_hh.T + bias_hh
cache = (x, h_prev, weight_ih, weight_hh, h_next)
return h_next, cache
""",
        ),
        (
            "a sigmoid in place of the tanh",
            """
h_next = sigmoid(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)
cache = (x, h_prev, weight_ih, weight_hh, h_next)
return h_next, cache
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 2: step backward
    "ex2_solution": [
        (
            "the derivative of tanh as 1 - h, not 1 - h squared",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next * (1.0 - h_next)
dbias = da.sum(axis=0)
return da @ weight_ih, da @ weight_hh, da.T @ x, da.T @ h_prev, dbias, dbias.copy()
""",
        ),
        (
            "the derivative of tanh forgotten",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next
dbias = da.sum(axis=0)
return da @ weight_ih, da @ weight_hh, da.T @ x, da.T @ h_prev, dbias, dbias.copy()
""",
        ),
        (
            "dh_prev through the transposed weight",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next * (1.0 - h_next**2)
dbias = da.sum(axis=0)
return da @ weight_ih, da @ weight_hh.T, da.T @ x, da.T @ h_prev, dbias, dbias.copy()
""",
        ),
        (
            "the bias gradients averaged over the batch",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next * (1.0 - h_next**2)
dbias = da.mean(axis=0)
return da @ weight_ih, da @ weight_hh, da.T @ x, da.T @ h_prev, dbias, dbias.copy()
""",
        ),
        (
            "no gradient for h_prev",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next * (1.0 - h_next**2)
dbias = da.sum(axis=0)
dh_prev = np.zeros_like(h_prev)
return da @ weight_ih, dh_prev, da.T @ x, da.T @ h_prev, dbias, dbias.copy()
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 3: BPTT
    "ex3_solution": [
        (
            "forgetting the gradient through the hidden state",
            [
                None,
                """
caches = cache
T = dout.shape[1]
dxs, totals, dh0 = [None] * T, None, None
for t in reversed(range(T)):
    dx_t, dh0, *dparams = rnn_step_backward(dout[:, t], caches[t])
    dxs[t] = dx_t
    totals = dparams if totals is None else [a + b for a, b in zip(totals, dparams)]
return (np.stack(dxs, axis=1), dh0, *totals)
""",
            ],
        ),
        (
            "the weight gradients of the last step visited only, not summed",
            [
                None,
                """
caches = cache
T = dout.shape[1]
dh = np.zeros_like(dout[:, 0])
dxs = [None] * T
for t in reversed(range(T)):
    dx_t, dh, *dparams = rnn_step_backward(dout[:, t] + dh, caches[t])
    dxs[t] = dx_t
return (np.stack(dxs, axis=1), dh, *dparams)
""",
            ],
        ),
        (
            "the steps visited forwards in time",
            [
                None,
                """
caches = cache
T = dout.shape[1]
dh = np.zeros_like(dout[:, 0])
dxs, totals = [None] * T, None
for t in range(T):
    dx_t, dh, *dparams = rnn_step_backward(dout[:, t] + dh, caches[t])
    dxs[t] = dx_t
    totals = dparams if totals is None else [a + b for a, b in zip(totals, dparams)]
return (np.stack(dxs, axis=1), dh, *totals)
""",
            ],
        ),
        (
            "the gradient of the last output only",
            [
                None,
                """
caches = cache
T = dout.shape[1]
dh = dout[:, -1]
dxs, totals = [None] * T, None
for t in reversed(range(T)):
    dx_t, dh, *dparams = rnn_step_backward(dh, caches[t])
    dxs[t] = dx_t
    totals = dparams if totals is None else [a + b for a, b in zip(totals, dparams)]
return (np.stack(dxs, axis=1), dh, *totals)
""",
            ],
        ),
        (
            "every step of the forward pass started from h0",
            [
                """
states, caches = [], []
for t in range(x.shape[1]):
    h, step_cache = rnn_step_forward(
        x[:, t], h0, weight_ih, weight_hh, bias_ih, bias_hh
    )
    states.append(h)
    caches.append(step_cache)
return np.stack(states, axis=1), caches
""",
                None,
            ],
        ),
    ],
    # ---------------------------------------------------------------- exercise 4: LSTM cell
    "ex4_solution": [
        (
            "the gates in the order i, f, o, g",
            """
H = h_prev.shape[1]
z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
i = sigmoid(z[:, :H])
f = sigmoid(z[:, H : 2 * H])
o = sigmoid(z[:, 2 * H : 3 * H])
g = np.tanh(z[:, 3 * H :])
c_next = f * c_prev + i * g
return o * np.tanh(c_next), c_next
""",
        ),
        (
            "one bias only (bias_hh left out)",
            """
H = h_prev.shape[1]
z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T
i, f = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H])
g, o = np.tanh(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
c_next = f * c_prev + i * g
return o * np.tanh(c_next), c_next
""",
        ),
        (
            "h_next = o * c_next, without the tanh",
            """
H = h_prev.shape[1]
z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
i, f = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H])
g, o = np.tanh(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
c_next = f * c_prev + i * g
return o * c_next, c_next
""",
        ),
        (
            "the candidate cell values through a sigmoid",
            """
H = h_prev.shape[1]
z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
i, f = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H])
g, o = sigmoid(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
c_next = f * c_prev + i * g
return o * np.tanh(c_next), c_next
""",
        ),
        (
            "the cell state without the input gate",
            """
H = h_prev.shape[1]
z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
f = sigmoid(z[:, H : 2 * H])
g, o = np.tanh(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
c_next = f * c_prev + g
return o * np.tanh(c_next), c_next
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 5: clipping
    "ex5_solution": [
        (
            "each gradient clipped on its own",
            """
total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
for g in grads:
    norm = math.sqrt(float(np.sum(g * g)))
    if norm > max_norm:
        g *= max_norm / (norm + 1e-6)
return total_norm
""",
        ),
        (
            "the loop variable rebound, so nothing changes in place",
            """
total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
clip_coef = max_norm / (total_norm + 1e-6)
if clip_coef < 1:
    for g in grads:
        g = g * clip_coef
return total_norm
""",
        ),
        (
            "gradients scaled up when their norm is below max_norm",
            """
total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
for g in grads:
    g *= max_norm / (total_norm + 1e-6)
return total_norm
""",
        ),
        (
            "the sum of the gradients' norms, not the root of the sum of squares",
            """
total_norm = sum(math.sqrt(float(np.sum(g * g))) for g in grads)
clip_coef = max_norm / (total_norm + 1e-6)
if clip_coef < 1:
    for g in grads:
        g *= clip_coef
return total_norm
""",
        ),
        (
            "the norm after clipping returned",
            """
total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
clip_coef = max_norm / (total_norm + 1e-6)
if clip_coef < 1:
    for g in grads:
        g *= clip_coef
return math.sqrt(sum(float(np.sum(g * g)) for g in grads))
""",
        ),
        (
            "the coefficient without PyTorch's 1e-6",
            """
total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
if total_norm > max_norm:
    for g in grads:
        g *= max_norm / total_norm
return total_norm
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 6: sampling
    "ex6_solution": [
        (
            "the softmax before dividing by the temperature, normalised again",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64)
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    z = np.where(z >= kth, z, -np.inf)
e = np.exp(z - z.max(axis=-1, keepdims=True))
p = e / e.sum(axis=-1, keepdims=True) / temperature
return p / p.sum(axis=-1, keepdims=True)
""",
        ),
        (
            "the softmax divided by the temperature",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64)
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    z = np.where(z >= kth, z, -np.inf)
e = np.exp(z - z.max(axis=-1, keepdims=True))
return e / e.sum(axis=-1, keepdims=True) / temperature
""",
        ),
        (
            "the logits multiplied by the temperature",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64) * temperature
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    z = np.where(z >= kth, z, -np.inf)
e = np.exp(z - z.max(axis=-1, keepdims=True))
return e / e.sum(axis=-1, keepdims=True)
""",
        ),
        (
            "top-k probabilities set to 0 after the softmax, not normalised again",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64) / temperature
e = np.exp(z - z.max(axis=-1, keepdims=True))
p = e / e.sum(axis=-1, keepdims=True)
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    p = np.where(z >= kth, p, 0.0)
return p
""",
        ),
        (
            "no error for a temperature of 0",
            """
z = np.asarray(logits, dtype=np.float64) / temperature
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    z = np.where(z >= kth, z, -np.inf)
e = np.exp(z - z.max(axis=-1, keepdims=True))
return e / e.sum(axis=-1, keepdims=True)
""",
        ),
        (
            "no maximum subtracted, so large logits overflow",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64) / temperature
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    kth = np.sort(z, axis=-1)[..., -top_k, None]
    z = np.where(z >= kth, z, -np.inf)
e = np.exp(z)
return e / e.sum(axis=-1, keepdims=True)
""",
        ),
        (
            "exactly k kept by argsort, so ties with the k-th are dropped",
            """
if not temperature > 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
z = np.asarray(logits, dtype=np.float64) / temperature
if top_k is not None:
    V = z.shape[-1]
    if not 1 <= top_k <= V:
        raise ValueError(f"top_k must be in 1..{V} or None, got {top_k}")
    order = np.argsort(-z, axis=-1, kind="stable")
    keep = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(keep, order[..., :top_k], True, axis=-1)
    z = np.where(keep, z, -np.inf)
e = np.exp(z - z.max(axis=-1, keepdims=True))
return e / e.sum(axis=-1, keepdims=True)
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (a): CharLSTM
    "ex7a_solution": [
        (
            "the LSTM without batch_first, so it runs along the batch",
            [
                """
self.embedding = nn.Embedding(vocab_size, embedding_dim)
self.lstm = nn.LSTM(embedding_dim, hidden_size)
self.head = nn.Linear(hidden_size, vocab_size)
""",
                None,
            ],
        ),
        (
            "the state argument ignored",
            [
                None,
                """
output, state = self.lstm(self.embedding(x))
return self.head(output), state
""",
            ],
        ),
        (
            "probabilities returned instead of logits",
            [
                None,
                """
output, state = self.lstm(self.embedding(x), state)
return torch.softmax(self.head(output), dim=-1), state
""",
            ],
        ),
        (
            "a tanh RNN in place of the LSTM",
            [
                """
self.embedding = nn.Embedding(vocab_size, embedding_dim)
self.lstm = nn.RNN(embedding_dim, hidden_size, batch_first=True)
self.head = nn.Linear(hidden_size, vocab_size)
""",
                None,
            ],
        ),
        (
            "logits from the last position only",
            [
                None,
                """
output, state = self.lstm(self.embedding(x), state)
return self.head(output[:, -1]), state
""",
            ],
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (b): nats_per_char
    "ex7b_solution": [
        (
            "the state not carried: every window starts from zeros",
            """
device_m = next(model.parameters()).device
model.eval()
total, count = 0.0, 0
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=False):
        logits, _ = model(torch.as_tensor(x, device=device_m))
        y = torch.as_tensor(y, device=device_m)
        total += float(F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ))
        count += y.numel()
return total / count
""",
        ),
        (
            "the mean of the windows' means, the short last window weighed as a full one",
            """
device_m = next(model.parameters()).device
model.eval()
means, state = [], None
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=False):
        logits, state = model(torch.as_tensor(x, device=device_m), state)
        y = torch.as_tensor(y, device=device_m)
        means.append(float(F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
        )))
return float(np.mean(means))
""",
        ),
        (
            "measured in training mode",
            """
device_m = next(model.parameters()).device
total, count, state = 0.0, 0, None
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=False):
        logits, state = model(torch.as_tensor(x, device=device_m), state)
        y = torch.as_tensor(y, device=device_m)
        total += float(F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ))
        count += y.numel()
return total / count
""",
        ),
        (
            "bits per character instead of nats",
            """
device_m = next(model.parameters()).device
model.eval()
total, count, state = 0.0, 0, None
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=False):
        logits, state = model(torch.as_tensor(x, device=device_m), state)
        y = torch.as_tensor(y, device=device_m)
        total += float(F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ))
        count += y.numel()
return total / count / math.log(2)
""",
        ),
        (
            "the last, shorter window left out (drop_last=True)",
            """
device_m = next(model.parameters()).device
model.eval()
total, count, state = 0.0, 0, None
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=True):
        logits, state = model(torch.as_tensor(x, device=device_m), state)
        y = torch.as_tensor(y, device=device_m)
        total += float(F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ))
        count += y.numel()
return total / count
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (c): training
    "ex7c_solution": [
        (
            "no clipping",
            """
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
return model, losses
""",
        ),
        (
            "clipping after the optimiser's step",
            """
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    losses.append(loss.item())
return model, losses
""",
        ),
        (
            "the old gradients never cleared",
            """
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    losses.append(loss.item())
return model, losses
""",
        ),
        (
            "a fresh generator at every step, so every batch is the same",
            """
torch.manual_seed(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    rng = np.random.default_rng(seed)
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    losses.append(loss.item())
return model, losses
""",
        ),
        (
            "the model built before the seed is set",
            """
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    losses.append(loss.item())
return model, losses
""",
        ),
        (
            "the losses kept as tensors",
            """
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in range(config["steps"]):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    logits, _ = model(torch.as_tensor(x, device=device))
    loss = F.cross_entropy(
        logits.reshape(-1, VOCAB_SIZE), torch.as_tensor(y, device=device).reshape(-1)
    )
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    losses.append(loss.detach())
return model, losses
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (d): the search
    "ex7d_solution": [
        (
            "only timid learning rates",
            """
CONFIGS = [
    BASELINE,
    {**BASELINE, "hidden_size": 128},
    {**BASELINE, "hidden_size": 128, "embedding_dim": 32, "lr": 0.001},
]
""",
        ),
        (
            "runs too short to learn much",
            """
CONFIGS = [
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.01, "steps": 40},
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.02, "steps": 40},
]
""",
        ),
        (
            "over the budget of 400 steps",
            """
CONFIGS = [
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.02, "steps": 200},
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.01, "steps": 250},
]
""",
        ),
        (
            "a single configuration",
            """
CONFIGS = [{"embedding_dim": 32, "hidden_size": 128, "lr": 0.02, "steps": 300}]
""",
        ),
        (
            "a hidden state wider than allowed",
            """
CONFIGS = [
    {"embedding_dim": 32, "hidden_size": 512, "lr": 0.02, "steps": 150},
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.02, "steps": 150},
]
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 8: generate
    "ex8_solution": [
        (
            "the state not carried: each new character read from zeros",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
with torch.no_grad():
    logits, state = model(torch.as_tensor([ids], device=device_m))
    for _ in range(length):
        last = logits[0, -1].double().cpu().numpy()
        next_id = int(rng.choice(VOCAB_SIZE, p=next_char_probs(last, temperature, top_k)))
        ids.append(next_id)
        logits, _ = model(torch.as_tensor([[next_id]], device=device_m))
return vocab.decode(ids)
""",
        ),
        (
            "the temperature and top-k ignored",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
with torch.no_grad():
    logits, state = model(torch.as_tensor([ids], device=device_m))
    for _ in range(length):
        last = logits[0, -1].double().cpu().numpy()
        next_id = int(rng.choice(VOCAB_SIZE, p=next_char_probs(last)))
        ids.append(next_id)
        logits, state = model(torch.as_tensor([[next_id]], device=device_m), state)
return vocab.decode(ids)
""",
        ),
        (
            "a fresh generator for every character",
            """
device_m = next(model.parameters()).device
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
with torch.no_grad():
    logits, state = model(torch.as_tensor([ids], device=device_m))
    for _ in range(length):
        rng = np.random.default_rng(seed)
        last = logits[0, -1].double().cpu().numpy()
        next_id = int(rng.choice(VOCAB_SIZE, p=next_char_probs(last, temperature, top_k)))
        ids.append(next_id)
        logits, state = model(torch.as_tensor([[next_id]], device=device_m), state)
return vocab.decode(ids)
""",
        ),
        (
            "the logits at the prompt's first position, not its last",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
with torch.no_grad():
    logits, state = model(torch.as_tensor([ids], device=device_m))
    for _ in range(length):
        last = logits[0, 0].double().cpu().numpy()
        next_id = int(rng.choice(VOCAB_SIZE, p=next_char_probs(last, temperature, top_k)))
        ids.append(next_id)
        logits, state = model(torch.as_tensor([[next_id]], device=device_m), state)
return vocab.decode(ids)
""",
        ),
        (
            "the whole text read again from the carried state",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
with torch.no_grad():
    logits, state = model(torch.as_tensor([ids], device=device_m))
    for _ in range(length):
        last = logits[0, -1].double().cpu().numpy()
        next_id = int(rng.choice(VOCAB_SIZE, p=next_char_probs(last, temperature, top_k)))
        ids.append(next_id)
        logits, state = model(torch.as_tensor([ids], device=device_m), state)
return vocab.decode(ids)
""",
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "einsum, and the cache as a dict",
            """
a = np.einsum("nd,hd->nh", x, weight_ih) + np.einsum("nk,hk->nh", h_prev, weight_hh)
h_next = np.tanh(a + (bias_ih + bias_hh))
cache = (x, h_prev, weight_ih, weight_hh, h_next)
return h_next, cache
""",
        ),
    ],
    "ex2_solution": [
        (
            "the derivative of tanh expanded, and einsum for the weight gradients",
            """
x, h_prev, weight_ih, weight_hh, h_next = cache
da = dh_next - dh_next * h_next * h_next
return (
    da @ weight_ih,
    da @ weight_hh,
    np.einsum("nh,nd->hd", da, x),
    np.einsum("nh,nk->hk", da, h_prev),
    np.sum(da, axis=0),
    np.sum(da, axis=0),
)
""",
        ),
    ],
    "ex3_solution": [
        (
            "a tqdm progress bar over the steps, and the step written out inline",
            [
                None,
                """
from tqdm.auto import tqdm

caches = cache
N, T, H = dout.shape
x0, h0_, weight_ih, weight_hh, _ = caches[0]
dx = np.zeros((N, T, x0.shape[1]))
dweight_ih, dweight_hh = np.zeros_like(weight_ih), np.zeros_like(weight_hh)
dbias = np.zeros(H)
dh = np.zeros((N, H))
for t in tqdm(range(T - 1, -1, -1), desc="BPTT", leave=False):
    x_t, h_prev, _, _, h_t = caches[t]
    da = (dout[:, t] + dh) * (1 - h_t * h_t)
    dx[:, t] = da @ weight_ih
    dweight_ih += da.T @ x_t
    dweight_hh += da.T @ h_prev
    dbias += da.sum(axis=0)
    dh = da @ weight_hh
return dx, dh, dweight_ih, dweight_hh, dbias, dbias.copy()
""",
            ],
        ),
    ],
    "ex4_solution": [
        (
            "the input and the state stacked into one product, the gates by np.split",
            """
xh = np.concatenate([x, h_prev], axis=1)
W = np.concatenate([weight_ih, weight_hh], axis=1)
z_i, z_f, z_g, z_o = np.split(xh @ W.T + bias_ih + bias_hh, 4, axis=1)
c_next = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
return sigmoid(z_o) * np.tanh(c_next), c_next
""",
        ),
    ],
    "ex5_solution": [
        (
            "np.linalg.norm of the norms, with a warning for a non-finite norm",
            """
import warnings

total_norm = float(np.linalg.norm([np.linalg.norm(g.ravel()) for g in grads]))
if not math.isfinite(total_norm):
    warnings.warn(f"the gradients' norm is {total_norm}")
clip_coef = max_norm / (total_norm + 1e-6)
if clip_coef < 1:
    for g in grads:
        np.multiply(g, clip_coef, out=g)
return total_norm
""",
        ),
    ],
    "ex6_solution": [
        (
            "the temperature applied after the top-k mask, np.partition, and a warning",
            """
import warnings

if temperature <= 0:
    raise ValueError(f"temperature must be positive, got {temperature}")
if temperature < 0.05:
    warnings.warn("a temperature this small is almost greedy decoding")
z = np.array(logits, dtype=np.float64)
if top_k is not None:
    V = z.shape[-1]
    if top_k < 1 or top_k > V:
        raise ValueError(f"top_k must be between 1 and {V}, got {top_k}")
    kth = np.partition(z, V - top_k, axis=-1)[..., V - top_k : V - top_k + 1]
    z[z < kth] = -np.inf
z = z / temperature
z -= z.max(axis=-1, keepdims=True)
p = np.exp(z)
return p / p.sum(axis=-1, keepdims=True)
""",
        ),
    ],
    "ex7a_solution": [
        (
            "the zero state made explicitly when none is given",
            [
                None,
                """
embedded = self.embedding(x)
if state is None:
    zeros = embedded.new_zeros(1, x.shape[0], self.lstm.hidden_size)
    state = (zeros, zeros.clone())
output, (h, c) = self.lstm(embedded, state)
logits = self.head(output)
return logits, (h, c)
""",
            ],
        ),
    ],
    "ex7b_solution": [
        (
            "log-softmax and gather, and the model's mode put back afterwards",
            """
was_training = model.training
device_m = next(model.parameters()).device
model.eval()
total, count, state = 0.0, 0, None
with torch.no_grad():
    for x, y in sequential_batches(ids, batch_size, block_size, drop_last=False):
        logits, state = model(torch.as_tensor(x, device=device_m), state)
        log_p = torch.log_softmax(logits.double(), dim=-1)
        y = torch.as_tensor(y, device=device_m)
        total -= float(log_p.gather(-1, y[..., None]).sum())
        count += int(y.numel())
model.train(was_training)
return total / count
""",
        ),
    ],
    "ex7c_solution": [
        (
            "a tqdm progress bar, the gradients cleared before the forward pass",
            """
from tqdm.auto import tqdm

torch.manual_seed(seed)
rng = np.random.default_rng(seed)
model = CharLSTM(VOCAB_SIZE, config["embedding_dim"], config["hidden_size"])
model = model.to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
model.train()
losses = []
for _ in tqdm(range(config["steps"]), desc="training", leave=False):
    x, y = windows(train_ids, BLOCK_SIZE, BATCH_SIZE, rng)
    x, y = torch.as_tensor(x, device=device), torch.as_tensor(y, device=device)
    optimizer.zero_grad(set_to_none=True)
    logits, _ = model(x)
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
    optimizer.step()
    losses.append(float(loss))
return model, losses
""",
        ),
    ],
    "ex7d_solution": [
        (
            "two learning rates, 200 steps each",
            """
CONFIGS = [
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.01, "steps": 200},
    {"embedding_dim": 32, "hidden_size": 128, "lr": 0.02, "steps": 200},
]
""",
        ),
    ],
    "ex8_solution": [
        (
            "the whole text read again from zeros at every step (slow, and right)",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = list(vocab.encode(prompt))
for _ in range(length):
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids], device=device_m))
    probs = next_char_probs(logits[0, -1].cpu().numpy().astype(np.float64), temperature,
                            top_k)
    ids.append(int(rng.choice(VOCAB_SIZE, p=probs)))
return vocab.decode(np.array(ids))
""",
        ),
        (
            "the prompt read one character at a time",
            """
device_m = next(model.parameters()).device
rng = np.random.default_rng(seed)
model.eval()
ids = [int(i) for i in vocab.encode(prompt)]
state = None
with torch.no_grad():
    for i in ids:
        logits, state = model(torch.tensor([[i]], device=device_m), state)
    for _ in range(length):
        probs = next_char_probs(logits[0, -1].double().cpu().numpy(), temperature, top_k)
        ids.append(int(rng.choice(VOCAB_SIZE, p=probs)))
        logits, state = model(torch.tensor([[ids[-1]]], device=device_m), state)
return vocab.decode(ids)
""",
        ),
    ],
}
