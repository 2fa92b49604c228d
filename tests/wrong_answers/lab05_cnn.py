"""Plausible wrong answers, and correct alternatives, for labs/lab05_cnn.

WRONG_ANSWERS[grade_id] lists (name of the mistake, source) pairs: each source replaces the
solution region of the solution cell with that grade_id (written without the indentation of
the region; it takes the indentation of the ``### BEGIN SOLUTION`` line). With any of them the
test cells of that exercise must score below full marks. RIGHT_ANSWERS has the same shape:
correct solutions written differently, which must keep full marks.

The mistakes are the ones students make with convolutions: an output size without its + 1,
a flipped kernel (the convolution of signal processing, not the cross-correlation every
library computes), padding applied on one side only, a stride forgotten where the patch is
read, the gradient of a pooling window sent to every entry or to every tied maximum, an
overwrite where overlapping windows must add up, an im2col whose patches and kernels are
flattened in different orders, a "vectorised" convolution that still loops, and a search
scored on the training data. The instructor guide (book/instructor_guide.md, Lab 5) lists
them for teachers.
"""

# A correct loop convolution, the body of exercise 2's solution, which several variants reuse.
_CONV_CHECKS = """
if x.ndim != 4:
    raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
if x.shape[1] != weight.shape[1]:
    raise ValueError(f"x has {x.shape[1]} channels but weight expects {weight.shape[1]}")
"""


def _conv_loop(
    pad="(padding, padding), (padding, padding)", kernel="weight[f]", read=""
):
    return (
        _CONV_CHECKS
        + f"""
n_examples, _, height, width = x.shape
n_kernels, _, kh, kw = weight.shape
h_out = conv_output_size(height, kh, stride, padding)
w_out = conv_output_size(width, kw, stride, padding)
x_pad = np.pad(x, ((0, 0), (0, 0), {pad}))
out = np.zeros((n_examples, n_kernels, h_out, w_out))
for n in range(n_examples):
    for f in range(n_kernels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = {read or "i * stride, j * stride"}
                patch = x_pad[n, :, top : top + kh, left : left + kw]
                out[n, f, i, j] = np.sum(patch * {kernel})
        if bias is not None:
            out[n, f] += bias[f]
return out
"""
    )


def _conv_backward(
    scatter="+=",
    kernel="weight[f]",
    dweight_scale="",
    dbias="dout.sum(axis=(0, 2, 3))",
    cut="padding : padding + height, padding : padding + width",
    read="i * stride, j * stride",
):
    return f"""
n_examples, n_kernels, h_out, w_out = dout.shape
kh, kw = weight.shape[2:]
x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
dx_pad = np.zeros(x_pad.shape)
dweight = np.zeros(weight.shape)
for n in range(n_examples):
    for f in range(n_kernels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = {read}
                rows, cols = slice(top, top + kh), slice(left, left + kw)
                dx_pad[n, :, rows, cols] {scatter} dout[n, f, i, j] * {kernel}
                dweight[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
dbias = {dbias}
height, width = x.shape[2:]
dx = dx_pad[:, :, {cut}]
return dx, dweight{dweight_scale}, dbias
"""


_POOL_FORWARD = """
stride = kernel_size if stride is None else stride
k = kernel_size
n_examples, n_channels, height, width = x.shape
h_out = conv_output_size(height, k, stride)
w_out = conv_output_size(width, k, stride)
out = np.zeros((n_examples, n_channels, h_out, w_out))
for i in range(h_out):
    for j in range(w_out):
        top, left = i * stride, j * stride
        out[:, :, i, j] = x[:, :, top : top + k, left : left + k].max(axis=(2, 3))
return out
"""


def _pool_backward(mask, add="+="):
    return f"""
stride = kernel_size if stride is None else stride
k = kernel_size
n_examples, n_channels, h_out, w_out = dout.shape
dx = np.zeros(x.shape)
for i in range(h_out):
    for j in range(w_out):
        top, left = i * stride, j * stride
        window = x[:, :, top : top + k, left : left + k]
        flat = window.reshape(n_examples, n_channels, k * k)
        mask = {mask}
        share = mask * dout[:, :, i, j, None]
        dx[:, :, top : top + k, left : left + k] {add} share.reshape(window.shape)
return dx
"""


def _im2col(
    pad="(padding, padding), (padding, padding)",
    order="0, 2, 3, 1, 4, 5",
    kernel="weight",
    back="out.reshape(n_examples, h_out, w_out, n_kernels).transpose(0, 3, 1, 2)",
):
    return f"""
n_examples, _, height, width = x.shape
n_kernels, _, kh, kw = weight.shape
h_out = conv_output_size(height, kh, stride, padding)
w_out = conv_output_size(width, kw, stride, padding)
x_pad = np.pad(x, ((0, 0), (0, 0), {pad}))
windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
patches = windows.transpose({order}).reshape(n_examples * h_out * w_out, -1)
out = patches @ {kernel}.reshape(n_kernels, -1).T
out = {back}
if bias is not None:
    out = out + bias[:, None, None]
return np.ascontiguousarray(out)
"""


def _cnn(first="padding=k // 2", pool="nn.MaxPool2d(2)", second="2 * width", relu=True):
    size = "7" if "k // 2" in first else "((28 - k + 1) // 2 - k + 1) // 2"
    return f"""
width, k = config["width"], config["kernel_size"]
size = {size}
return nn.Sequential(
    nn.Conv2d(1, width, k, {first}),
    nn.ReLU(),
    {pool},
    nn.Conv2d(width, {second}, k, {first}),
    {"nn.ReLU()," if relu else ""}
    {pool},
    nn.Flatten(),
    nn.Linear({second} * size * size, 10),
)
"""


def _select(
    train="X_train, y_train", score="X_val, y_val", better=">", model="best_model"
):
    return f"""
val_accuracies, best_index, best_model = [], None, None
for index, config in enumerate(configs):
    model = train_cnn(config, {train})
    val_accuracies.append(accuracy(model, {score}))
    if best_index is None or val_accuracies[-1] {better} val_accuracies[best_index]:
        best_index, best_model = index, model
return configs[best_index], {model}, val_accuracies
"""


WRONG_ANSWERS = {
    # ---------------------------------------------------------- exercise 1: output size
    "ex1_solution": [
        (
            "no + 1: the first position not counted",
            """
span = dilation * (kernel_size - 1) + 1
padded = size + 2 * padding
if span > padded:
    raise ValueError(f"the kernel spans {span}, more than the padded {padded}")
return (padded - span) // stride
""",
        ),
        (
            "padding counted on one side only",
            """
span = dilation * (kernel_size - 1) + 1
padded = size + padding
if span > padded:
    raise ValueError(f"the kernel spans {span}, more than the padded {padded}")
return (padded - span) // stride + 1
""",
        ),
        (
            "dilation ignored",
            """
padded = size + 2 * padding
if kernel_size > padded:
    raise ValueError(f"the kernel spans {kernel_size}, more than the padded {padded}")
return (padded - kernel_size) // stride + 1
""",
        ),
        (
            "a dilated kernel taken to span dilation * kernel_size entries",
            """
span = dilation * kernel_size
padded = size + 2 * padding
if span > padded:
    raise ValueError(f"the kernel spans {span}, more than the padded {padded}")
return (padded - span) // stride + 1
""",
        ),
        (
            "rounded up instead of down",
            """
span = dilation * (kernel_size - 1) + 1
padded = size + 2 * padding
if span > padded:
    raise ValueError(f"the kernel spans {span}, more than the padded {padded}")
return math.ceil((padded - span) / stride) + 1
""",
        ),
        (
            "no error when the kernel does not fit (a size of 0 or less)",
            """
span = dilation * (kernel_size - 1) + 1
return (size + 2 * padding - span) // stride + 1
""",
        ),
    ],
    # ---------------------------------------------------------- exercise 2: loop conv
    "ex2_solution": [
        (
            "the kernel flipped: a true convolution, not PyTorch's cross-correlation",
            _conv_loop(kernel="weight[f, :, ::-1, ::-1]"),
        ),
        (
            "padding on one side only (2p above and to the left: the right size, "
            "shifted)",
            _conv_loop(pad="(2 * padding, 0), (2 * padding, 0)"),
        ),
        (
            "padding on one side only (p above and to the left: too small)",
            _conv_loop(pad="(padding, 0), (padding, 0)"),
        ),
        (
            "the stride forgotten where the patch is read",
            _conv_loop(read="i, j"),
        ),
        (
            "the bias forgotten",
            _conv_loop().replace("out[n, f] += bias[f]", "pass"),
        ),
        (
            "no input checks (a 3-D x fails with an unpacking error)",
            _conv_loop().replace(_CONV_CHECKS, "\n"),
        ),
    ],
    # ---------------------------------------------------------- exercise 3: its backward
    "ex3_solution": [
        (
            "dx sent back through the flipped kernel",
            _conv_backward(kernel="weight[f, :, ::-1, ::-1]"),
        ),
        (
            "the padding cut off on one side only (the right shape, shifted)",
            _conv_backward(cut=":height, :width"),
        ),
        (
            "dx overwritten where windows overlap (= instead of +=)",
            _conv_backward(scatter="="),
        ),
        (
            "dweight averaged over the batch instead of summed",
            _conv_backward(dweight_scale=" / n_examples"),
        ),
        (
            "dbias as a mean",
            _conv_backward(dbias="dout.mean(axis=(0, 2, 3))"),
        ),
        (
            "the stride forgotten in the backward pass",
            _conv_backward(read="i, j"),
        ),
    ],
    # ---------------------------------------------------------- exercise 4: max-pool
    "ex4_solution": [
        (
            "the gradient sent to every entry of the pooling window",
            [None, _pool_backward("np.ones_like(flat)")],
        ),
        (
            "the gradient sent to every tied maximum",
            [None, _pool_backward("flat == flat.max(axis=2, keepdims=True)")],
        ),
        (
            "ties broken towards the last maximum",
            [
                None,
                _pool_backward(
                    "np.arange(k * k) == (k * k - 1 - flat[:, :, ::-1].argmax(axis=2))"
                    "[:, :, None]"
                ),
            ],
        ),
        (
            "overlapping windows overwrite each other's gradient",
            [
                None,
                _pool_backward(
                    "np.arange(k * k) == flat.argmax(axis=2)[:, :, None]", add="="
                ),
            ],
        ),
        (
            "the gradient of average pooling (shared evenly)",
            [None, _pool_backward("np.ones_like(flat) / (k * k)")],
        ),
        (
            "the default stride taken as 1",
            [
                _POOL_FORWARD.replace(
                    "stride = kernel_size if stride is None",
                    "stride = 1 if stride is None",
                ),
                _pool_backward(
                    "np.arange(k * k) == flat.argmax(axis=2)[:, :, None]"
                ).replace(
                    "stride = kernel_size if stride is None",
                    "stride = 1 if stride is None",
                ),
            ],
        ),
    ],
    # ---------------------------------------------------------- exercise 5: im2col
    "ex5_solution": [
        (
            "the loops again: right numbers, far too slow",
            """
return conv2d_loop(x, weight, bias, stride, padding)
""",
        ),
        (
            "patches flattened as (kH, kW, C), kernels as (C, kH, kW)",
            _im2col(order="0, 2, 3, 4, 5, 1"),
        ),
        (
            "the kernel flipped",
            _im2col(kernel="weight[:, :, ::-1, ::-1]"),
        ),
        (
            "padding on one side only",
            _im2col(pad="(2 * padding, 0), (2 * padding, 0)"),
        ),
        (
            "the product reshaped to (N, F, H_out, W_out) without a transpose",
            _im2col(back="out.reshape(n_examples, n_kernels, h_out, w_out)"),
        ),
    ],
    # ---------------------------------------------------------- exercise 6: the CNN
    "ex6a_solution": [
        ("no padding (valid convolutions)", _cnn(first="padding=0")),
        ("average pooling", _cnn(pool="nn.AvgPool2d(2)")),
        ("the second convolution keeps w channels", _cnn(second="width")),
        ("no ReLU after the second convolution", _cnn(relu=False)),
    ],
    "ex6b_solution": [
        ("scored on the training data", _select(score="X_train, y_train")),
        (
            "trained on training and validation data together",
            _select(train="torch.cat([X_train, X_val]), torch.cat([y_train, y_val])"),
        ),
        ("the last of tied configurations", _select(better=">=")),
        ("the last trained network returned", _select(model="model")),
    ],
    "ex6c_solution": [
        ("a single configuration", "CONFIGS = [BASELINE]"),
        ("the same configuration twice", "CONFIGS = [BASELINE, dict(BASELINE)]"),
        (
            "a network wider than allowed",
            'CONFIGS = [BASELINE, {**BASELINE, "width": 32, "epochs": 1}]',
        ),
        (
            "over the budget of 16 epochs",
            """
CONFIGS = [
    {**BASELINE, "width": 2, "epochs": 8},
    {**BASELINE, "width": 2, "epochs": 8, "lr": 0.01},
    {**BASELINE, "width": 1, "epochs": 1},
]
""",
        ),
        (
            "cautious everywhere: narrow, brief, small learning rates (below the bar)",
            """
CONFIGS = [
    BASELINE,
    {**BASELINE, "lr": 0.001},
    {**BASELINE, "kernel_size": 5},
]
""",
        ),
    ],
}

RIGHT_ANSWERS = {
    "ex1_solution": [
        (
            "math.floor of a division, and a warning when the stride leaves entries out",
            """
import warnings

padded = size + 2 * padding
span = dilation * (kernel_size - 1) + 1
if span > padded:
    raise ValueError(
        f"kernel_size spans {span} entries, more than the padded input's {padded}"
    )
if (padded - span) % stride:
    warnings.warn("the stride leaves the last entries of the input unread")
return int(math.floor((padded - span) / stride)) + 1
""",
        ),
    ],
    "ex2_solution": [
        (
            "a loop over channels too, with a tqdm progress bar",
            _CONV_CHECKS
            + """
from tqdm.auto import tqdm

n_examples, n_channels, height, width = x.shape
n_kernels, _, kh, kw = weight.shape
h_out = conv_output_size(height, kh, stride, padding)
w_out = conv_output_size(width, kw, stride, padding)
x_pad = np.zeros((n_examples, n_channels, height + 2 * padding, width + 2 * padding))
x_pad[:, :, padding : padding + height, padding : padding + width] = x
out = np.zeros((n_examples, n_kernels, h_out, w_out))
for n in tqdm(range(n_examples), leave=False):
    for f in range(n_kernels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0 if bias is None else bias[f]
                for c in range(n_channels):
                    window = x_pad[
                        n, c, i * stride : i * stride + kh, j * stride : j * stride + kw
                    ]
                    total += np.sum(window * weight[f, c])
                out[n, f, i, j] = total
return out
""",
        ),
    ],
    "ex3_solution": [
        (
            "a loop over kernel offsets only, with einsum",
            """
n_examples, n_kernels, h_out, w_out = dout.shape
kh, kw = weight.shape[2:]
height, width = x.shape[2:]
x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
dx_pad = np.zeros(x_pad.shape)
dweight = np.zeros(weight.shape)
for a in range(kh):
    for b in range(kw):
        rows = slice(a, a + stride * (h_out - 1) + 1, stride)
        cols = slice(b, b + stride * (w_out - 1) + 1, stride)
        dweight[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, x_pad[:, :, rows, cols])
        dx_pad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, weight[:, :, a, b])
return (
    dx_pad[:, :, padding : padding + height, padding : padding + width],
    dweight,
    dout.sum(axis=(0, 2, 3)),
)
""",
        ),
    ],
    "ex4_solution": [
        (
            "np.put_along_axis for the mask, and a forward pass on sliding windows",
            [
                """
stride = kernel_size if stride is None else stride
windows = sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
return windows[:, :, ::stride, ::stride].max(axis=(4, 5))
""",
                """
stride = kernel_size if stride is None else stride
k = kernel_size
n_examples, n_channels, h_out, w_out = dout.shape
dx = np.zeros(x.shape)
for i in range(h_out):
    for j in range(w_out):
        window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
        flat = window.reshape(n_examples, n_channels, k * k)
        mask = np.zeros(flat.shape)
        np.put_along_axis(mask, flat.argmax(axis=2)[:, :, None], 1.0, axis=2)
        dx[:, :, i * stride : i * stride + k, j * stride : j * stride + k] += (
            mask * dout[:, :, i, j, None]
        ).reshape(window.shape)
return dx
""",
            ],
        ),
        (
            "one window at a time, with np.unravel_index",
            [
                None,
                """
stride = kernel_size if stride is None else stride
k = kernel_size
dx = np.zeros(x.shape)
for n in range(dout.shape[0]):
    for c in range(dout.shape[1]):
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                window = x[n, c, i * stride : i * stride + k, j * stride : j * stride + k]
                a, b = np.unravel_index(np.argmax(window), window.shape)
                dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
return dx
""",
            ],
        ),
    ],
    "ex5_solution": [
        (
            "np.einsum on the sliding windows",
            """
n_kernels, _, kh, kw = weight.shape
x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
out = np.einsum("nchwab,fcab->nfhw", windows, weight, optimize=True)
return out if bias is None else out + bias[:, None, None]
""",
        ),
        (
            "columns built with a loop over the kernel offsets",
            """
n_examples, n_channels, height, width = x.shape
n_kernels, _, kh, kw = weight.shape
h_out = conv_output_size(height, kh, stride, padding)
w_out = conv_output_size(width, kw, stride, padding)
x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
cols = np.empty((n_channels, kh, kw, n_examples, h_out, w_out))
for a in range(kh):
    for b in range(kw):
        part = x_pad[
            :,
            :,
            a : a + stride * (h_out - 1) + 1 : stride,
            b : b + stride * (w_out - 1) + 1 : stride,
        ]
        cols[:, a, b] = part.transpose(1, 0, 2, 3)
out = weight.reshape(n_kernels, -1) @ cols.reshape(n_channels * kh * kw, -1)
out = out.reshape(n_kernels, n_examples, h_out, w_out).transpose(1, 0, 2, 3)
if bias is not None:
    out = out + bias[:, None, None]
return out
""",
        ),
    ],
    "ex6a_solution": [
        (
            "the Linear layer's size measured with a dummy forward pass",
            """
width, k = config["width"], config["kernel_size"]
features = [
    nn.Conv2d(1, width, k, padding=k // 2),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Conv2d(width, 2 * width, k, padding=k // 2),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
]
with torch.no_grad():
    n_features = nn.Sequential(*features)(torch.zeros(1, 1, 28, 28)).shape[1]
return nn.Sequential(*features, nn.Linear(n_features, 10))
""",
        ),
    ],
    "ex6b_solution": [
        (
            "a tqdm progress bar, and max with a key",
            """
from tqdm.auto import tqdm

models, val_accuracies = [], []
for config in tqdm(configs, desc="configurations"):
    models.append(train_cnn(config, X_train, y_train))
    val_accuracies.append(accuracy(models[-1], X_val, y_val))
best = max(range(len(configs)), key=lambda index: val_accuracies[index])
return configs[best], models[best], val_accuracies
""",
        ),
    ],
    "ex6c_solution": [
        (
            "a wider network with larger kernels, two candidates",
            """
CONFIGS = [
    {"width": 8, "kernel_size": 5, "lr": 0.01, "epochs": 8},
    {"width": 8, "kernel_size": 3, "lr": 0.02, "epochs": 8},
]
""",
        ),
    ],
}
