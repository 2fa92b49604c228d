"""Plausible wrong answers, and correct alternatives, for labs/lab04_training.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region of the solution cell with that grade_id (written without the indentation of
the region; it takes the indentation of the ``### BEGIN SOLUTION`` line). With any of them the
test cells of that exercise must score below full marks. RIGHT_ANSWERS has the same shape:
correct solutions written differently, which must keep full marks.

The mistakes are the ones students make: the learning rate inside the momentum buffer, Adam
without its bias correction, a warm-up that starts at zero, dropout that forgets to rescale,
batch norm that uses the batch's statistics at evaluation or keeps the biased variance, a
backward pass that treats the batch mean as a constant, an accuracy measured in training
mode, a search scored on the training data, and so on. The instructor guide
(book/instructor_guide.md, Lab 4) lists them for teachers.
"""

WRONG_ANSWERS = {
    # ---------------------------------------------------------------- exercise 1: momentum
    "ex1_solution": [
        (
            "the learning rate inside the velocity (the other convention)",
            """
g = grad + weight_decay * param
new_velocity = momentum * velocity + lr * g
return param - new_velocity, new_velocity
""",
        ),
        (
            "a dampened velocity, (1 - momentum) * g",
            """
g = grad + weight_decay * param
new_velocity = momentum * velocity + (1 - momentum) * g
return param - lr * new_velocity, new_velocity
""",
        ),
        (
            "weight decay added to the step, not to the gradient",
            """
new_velocity = momentum * velocity + grad
return param - lr * (new_velocity + weight_decay * param), new_velocity
""",
        ),
        (
            "the step taken with the old velocity",
            """
g = grad + weight_decay * param
new_velocity = momentum * velocity + g
return param - lr * velocity, new_velocity
""",
        ),
        (
            "param and velocity changed in place",
            """
velocity *= momentum
velocity += grad + weight_decay * param
param -= lr * velocity
return param, velocity
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 2: Adam
    "ex2_solution": [
        (
            "no bias correction",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * grad * grad
return param - lr * new_m / (np.sqrt(new_v) + eps), new_m, new_v
""",
        ),
        (
            "bias correction of the first moment only",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * grad * grad
m_hat = new_m / (1 - beta1 ** t)
return param - lr * m_hat / (np.sqrt(new_v) + eps), new_m, new_v
""",
        ),
        (
            "eps inside the square root",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * grad * grad
m_hat = new_m / (1 - beta1 ** t)
v_hat = new_v / (1 - beta2 ** t)
return param - lr * m_hat / np.sqrt(v_hat + eps), new_m, new_v
""",
        ),
        (
            "the step count off by one in the correction (t + 1)",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * grad * grad
m_hat = new_m / (1 - beta1 ** (t + 1))
v_hat = new_v / (1 - beta2 ** (t + 1))
return param - lr * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v
""",
        ),
        (
            "|g| instead of g squared in the second moment",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * np.abs(grad)
m_hat = new_m / (1 - beta1 ** t)
v_hat = new_v / (1 - beta2 ** t)
return param - lr * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 3: the schedule
    "ex3_solution": [
        (
            "warm-up off by one: it starts at 0",
            """
if step < warmup_steps:
    return float(base_lr * step / warmup_steps)
if step >= total_steps:
    return float(min_lr)
progress = (step - warmup_steps) / (total_steps - warmup_steps)
return float(min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2)
""",
        ),
        (
            "warm-up off by one: it peaks a step early",
            """
if step < warmup_steps:
    return float(base_lr * (step + 1) / warmup_steps)
if step >= total_steps:
    return float(min_lr)
progress = (step - warmup_steps) / (total_steps - warmup_steps)
return float(min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2)
""",
        ),
        (
            "the cosine counted from step 0, not from the end of the warm-up",
            """
if step < warmup_steps:
    return float(base_lr * (step + 1) / (warmup_steps + 1))
if step >= total_steps:
    return float(min_lr)
progress = step / total_steps
return float(min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2)
""",
        ),
        (
            "min_lr ignored in the cosine",
            """
if step < warmup_steps:
    return float(base_lr * (step + 1) / (warmup_steps + 1))
if step >= total_steps:
    return float(min_lr)
progress = (step - warmup_steps) / (total_steps - warmup_steps)
return float(base_lr * (1 + math.cos(math.pi * progress)) / 2)
""",
        ),
        (
            "the cosine continued past total_steps",
            """
if step < warmup_steps:
    return float(base_lr * (step + 1) / (warmup_steps + 1))
progress = (step - warmup_steps) / (total_steps - warmup_steps)
return float(min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2)
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 4: dropout
    "ex4_solution": [
        (
            "no rescaling of the kept activations",
            [
                """
if not training:
    return x.copy(), np.ones_like(x)
mask = (rng.random(x.shape) >= p).astype(float)
return x * mask, mask
""",
                None,
            ],
        ),
        (
            "scaled by 1 - p instead of 1 / (1 - p)",
            [
                """
if not training:
    return x.copy(), np.ones_like(x)
mask = (rng.random(x.shape) >= p) * (1.0 - p)
return x * mask, mask
""",
                None,
            ],
        ),
        (
            "dropout applied at evaluation too",
            [
                """
keep = rng.random(x.shape) >= p
mask = keep / (1.0 - p) if p < 1 else np.zeros(x.shape)
return x * mask, mask
""",
                None,
            ],
        ),
        (
            "kept where rng.random() < p: p is the keep probability",
            [
                """
if not training:
    return x.copy(), np.ones_like(x)
keep = rng.random(x.shape) < p
mask = keep / p if p > 0 else np.zeros(x.shape)
return x * mask, mask
""",
                None,
            ],
        ),
        (
            "nan for p = 1 (0 / 0)",
            [
                """
if not training:
    return x.copy(), np.ones_like(x)
with np.errstate(divide="ignore", invalid="ignore"):
    mask = (rng.random(x.shape) >= p) / (1.0 - p)
return x * mask, mask
""",
                None,
            ],
        ),
        (
            "the backward pass without the scale",
            [
                None,
                """
return dout * (mask != 0)
""",
            ],
        ),
    ],
    # ---------------------------------------------------------------- exercise 5: batch norm forward
    "ex5_solution": [
        (
            "the batch statistics used at evaluation",
            """
n = x.shape[0]
if training and n < 2:
    raise ValueError(f"x must hold at least 2 examples in training mode, got {n}")
mean = x.mean(axis=0)
var = x.var(axis=0)
if training:
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
else:
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / np.sqrt(var + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
        (
            "the biased variance kept in running_var",
            """
if training:
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x must hold at least 2 examples in training mode, got {n}")
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * var
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / np.sqrt(var + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
        (
            "momentum as an optimiser's: the weight of the old value",
            """
if training:
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x must hold at least 2 examples in training mode, got {n}")
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    new_running_mean = momentum * running_mean + (1 - momentum) * mean
    new_running_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / np.sqrt(var + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
        (
            "normalised with the unbiased variance",
            """
if training:
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x must hold at least 2 examples in training mode, got {n}")
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * var
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / np.sqrt(var + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
        (
            "eps added outside the square root",
            """
if training:
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x must hold at least 2 examples in training mode, got {n}")
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / (np.sqrt(var) + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
        (
            "no error for a training batch of one example (nan statistics)",
            """
n = x.shape[0]
if training:
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        unbiased = var * n / (n - 1)
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * unbiased
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
inv_std = 1.0 / np.sqrt(var + eps)
x_hat = (x - mean) * inv_std
cache = {"x_hat": x_hat, "inv_std": inv_std, "weight": weight, "training": training}
return weight * x_hat + bias, new_running_mean, new_running_var, cache
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 6: batch norm backward
    "ex6_solution": [
        (
            "the batch mean and variance treated as constants",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx = dout * cache["weight"] * inv_std
return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "the path through the variance forgotten",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx_hat = dout * cache["weight"]
if not cache["training"]:
    return dx_hat * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
dx = inv_std * (dx_hat - dx_hat.mean(axis=0))
return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "the path through the mean forgotten",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx_hat = dout * cache["weight"]
if not cache["training"]:
    return dx_hat * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
dx = inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0))
return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "sums where the means belong (N times too large)",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx_hat = dout * cache["weight"]
if not cache["training"]:
    return dx_hat * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
dx = inv_std * (dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "the training formula used at evaluation too",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx_hat = dout * cache["weight"]
dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "dweight without x_hat, dbias as a mean",
            """
x_hat, inv_std = cache["x_hat"], cache["inv_std"]
dx_hat = dout * cache["weight"]
if not cache["training"]:
    return dx_hat * inv_std, dout.sum(axis=0), dout.mean(axis=0)
dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
return dx, dout.sum(axis=0), dout.mean(axis=0)
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (a): accuracy
    "ex7a_solution": [
        (
            "measured in training mode (dropout on)",
            """
with torch.no_grad():
    predictions = model(X).argmax(dim=1)
return float((predictions == y).float().mean())
""",
        ),
        (
            "a tensor returned, not a float",
            """
model.eval()
with torch.no_grad():
    return (model(X).argmax(dim=1) == y).float().mean()
""",
        ),
        (
            "the number right, not the fraction",
            """
model.eval()
with torch.no_grad():
    return float((model(X).argmax(dim=1) == y).sum())
""",
        ),
        (
            "a graph built for autograd",
            """
model.eval()
predictions = model(X).argmax(dim=1)
return float((predictions == y).float().mean())
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (b): select_config
    "ex7b_solution": [
        (
            "scored on the training data",
            """
val_accuracies, models = [], []
for config in configs:
    models.append(train_mlp(config, X_train, y_train))
    val_accuracies.append(accuracy(models[-1], X_train, y_train))
best = int(np.argmax(val_accuracies))
return configs[best], models[best], val_accuracies
""",
        ),
        (
            "trained on the training and validation data together",
            """
X_both, y_both = torch.cat([X_train, X_val]), torch.cat([y_train, y_val])
val_accuracies, models = [], []
for config in configs:
    models.append(train_mlp(config, X_both, y_both))
    val_accuracies.append(accuracy(models[-1], X_val, y_val))
best = int(np.argmax(val_accuracies))
return configs[best], models[best], val_accuracies
""",
        ),
        (
            "the last of tied configurations kept",
            """
val_accuracies, best_index, best_model = [], None, None
for index, config in enumerate(configs):
    model = train_mlp(config, X_train, y_train)
    val_accuracies.append(accuracy(model, X_val, y_val))
    if best_index is None or val_accuracies[-1] >= val_accuracies[best_index]:
        best_index, best_model = index, model
return configs[best_index], best_model, val_accuracies
""",
        ),
        (
            "the last trained network returned with the best configuration",
            """
val_accuracies = []
for config in configs:
    model = train_mlp(config, X_train, y_train)
    val_accuracies.append(accuracy(model, X_val, y_val))
return configs[int(np.argmax(val_accuracies))], model, val_accuracies
""",
        ),
    ],
    # ---------------------------------------------------------------- exercise 7 (c): CONFIGS
    "ex7c_solution": [
        (
            "regularisation without augmentation: the test bar is missed",
            """
CONFIGS = [
    BASELINE,
    {**BASELINE, "epochs": 40, "dropout": 0.2, "weight_decay": 0.05},
    {**BASELINE, "epochs": 40, "batchnorm": True, "dropout": 0.1},
]
""",
        ),
        (
            "one configuration: no search at all",
            """
CONFIGS = [{**BASELINE, "shift": 3, "epochs": 40}]
""",
        ),
        (
            "over the budget of 100 epochs",
            """
CONFIGS = [
    {**BASELINE, "shift": 3, "epochs": 40},
    {**BASELINE, "shift": 2, "epochs": 40},
    {**BASELINE, "shift": 4, "epochs": 40},
]
""",
        ),
        (
            "the same configuration three times",
            """
CONFIGS = [{**BASELINE, "shift": 3, "epochs": 30} for _ in range(3)]
""",
        ),
        (
            "a network wider than allowed",
            """
CONFIGS = [BASELINE, {**BASELINE, "width": 512, "shift": 3, "epochs": 30},
           {**BASELINE, "shift": 3, "epochs": 30}]
""",
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "the steps written with np.add and np.multiply",
            """
new_velocity = np.add(np.multiply(momentum, velocity), grad + weight_decay * param)
return np.subtract(param, lr * new_velocity), new_velocity
""",
        ),
    ],
    "ex2_solution": [
        (
            "PyTorch's own arrangement: step size and denominator corrected apart",
            """
beta1, beta2 = betas
new_m = beta1 * m + (1 - beta1) * grad
new_v = beta2 * v + (1 - beta2) * grad ** 2
step_size = lr / (1 - beta1 ** t)
denominator = np.sqrt(new_v) / np.sqrt(1 - beta2 ** t) + eps
return param - step_size * new_m / denominator, new_m, new_v
""",
        ),
    ],
    "ex3_solution": [
        (
            "the three cases as one min/max expression, with a warning for late steps",
            """
import warnings

if step > total_steps:
    warnings.warn("step is past total_steps: the schedule stays at min_lr")
warm = base_lr * (step + 1) / (warmup_steps + 1)
progress = min(max(step - warmup_steps, 0) / (total_steps - warmup_steps), 1.0)
cosine = min_lr + 0.5 * (base_lr - min_lr) * (1 + np.cos(np.pi * progress))
return float(warm if step < warmup_steps else cosine)
""",
        ),
    ],
    "ex4_solution": [
        (
            "np.where and a progress bar of one step",
            [
                """
from tqdm.auto import tqdm

for _ in tqdm(range(1), desc="dropout", leave=False):
    pass
if not training:
    return np.array(x, copy=True), np.ones(np.shape(x))
keep = rng.random(x.shape) >= p
scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
mask = np.where(keep, scale, 0.0)
return x * mask, mask
""",
                """
return np.multiply(dout, mask)
""",
            ],
        ),
    ],
    "ex5_solution": [
        (
            "the statistics written out with sums, and a dict returned in another order",
            """
n = x.shape[0]
if training:
    if n == 1:
        raise ValueError("batch norm needs at least two examples to train, got 1")
    mean = np.sum(x, axis=0) / n
    var = np.sum((x - mean) ** 2, axis=0) / n
    new_running_mean = running_mean + momentum * (mean - running_mean)
    new_running_var = running_var + momentum * (np.sum((x - mean) ** 2, axis=0) / (n - 1)
                                                - running_var)
else:
    mean, var = running_mean, running_var
    new_running_mean, new_running_var = np.array(running_mean), np.array(running_var)
std = np.sqrt(var + eps)
x_hat = (x - mean) / std
cache = {"training": training, "std": std, "x_hat": x_hat, "weight": weight,
         "inv_std": 1.0 / std}
return x_hat * weight + bias, new_running_mean, new_running_var, cache
""",
        ),
    ],
    "ex6_solution": [
        (
            "the textbook route: gradients of the variance and the mean, step by step",
            """
x_hat, inv_std, weight = cache["x_hat"], cache["inv_std"], cache["weight"]
n = dout.shape[0]
dbias = np.sum(dout, axis=0)
dweight = np.sum(dout * x_hat, axis=0)
dx_hat = dout * weight
if not cache["training"]:
    return dx_hat * inv_std, dweight, dbias
x_centred = x_hat / inv_std
dvar = np.sum(dx_hat * x_centred, axis=0) * -0.5 * inv_std ** 3
dmean = -np.sum(dx_hat * inv_std, axis=0) - 2.0 * dvar * np.mean(x_centred, axis=0)
dx = dx_hat * inv_std + dvar * 2.0 * x_centred / n + dmean / n
return dx, dweight, dbias
""",
        ),
    ],
    "ex7a_solution": [
        (
            "torch.inference_mode and a mean in float64",
            """
model.eval()
with torch.inference_mode():
    right = model(X).argmax(dim=1).eq(y)
return right.double().mean().item()
""",
        ),
    ],
    "ex7b_solution": [
        (
            "with a tqdm progress bar, every network kept, then np.argmax",
            """
from tqdm.auto import tqdm

models = [train_mlp(config, X_train, y_train) for config in tqdm(configs, leave=False)]
val_accuracies = [accuracy(model, X_val, y_val) for model in models]
best = int(np.argmax(val_accuracies))
return configs[best], models[best], val_accuracies
""",
        ),
    ],
    "ex7c_solution": [
        (
            "another search: the shift's size first",
            """
CONFIGS = [
    {**BASELINE, "shift": 2, "epochs": 40},
    {**BASELINE, "shift": 4, "epochs": 40},
    {**BASELINE, "shift": 0, "epochs": 20, "dropout": 0.1},
]
""",
        ),
    ],
}
