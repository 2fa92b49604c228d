"""From a trained model to a file another program runs: torch.export, ONNX, int8.

PyTorch has the pieces; these helpers add what it lacks for the book's use:

    export_program   ``torch.export.export`` with the batch and sequence axes
                     dynamic, refusing a model left in training mode
    export_onnx      the same graph written as an ONNX file
                     (``torch.onnx.export(..., dynamo=True)``)
    run_onnx         run an ONNX file in ``onnxruntime`` on NumPy arrays
    quantize_int8    post-training dynamic int8 quantisation of the linear layers
                     (``torch.ao.quantization.quantize_dynamic``) on a copy

Why the training-mode check: export records the operations of one call. In
training mode that call includes dropout (random zeroing) and batch norm's batch
statistics, so the exported graph would compute something else than the model
in use; PyTorch exports it without a word.
"""

import copy
import logging
import os
import warnings

import numpy as np
import torch
from torch import nn

__all__ = ["export_program", "export_onnx", "run_onnx", "quantize_int8"]


def _check_model(model, example_args):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if model.training:
        raise ValueError(
            "model must be in evaluation mode to be exported (call model.eval(): "
            "dropout and batch norm compute differently in training), got a model "
            "in training mode"
        )
    if not isinstance(example_args, tuple) or not all(
        isinstance(a, torch.Tensor) for a in example_args
    ):
        raise TypeError(
            "example_args must be a tuple of torch.Tensor inputs, e.g. (idx,), "
            f"got {type(example_args).__name__}"
        )


def _dynamic_shapes(example_args, dynamic):
    if not dynamic:
        return None
    batch = torch.export.Dim("batch", min=1, max=1024)
    shapes = []
    for arg in example_args:
        axes = {0: batch}
        if arg.ndim >= 2 and arg.shape[1] > 1:
            axes[1] = torch.export.Dim.AUTO  # a sequence axis: any length it allows
        shapes.append(axes)
    return tuple(shapes)


def export_program(model, example_args, dynamic=True):
    """``torch.export.export(model, example_args)`` of a model in evaluation mode.

    Args:
        model: an ``nn.Module`` after ``model.eval()``.
        example_args: a tuple of example input tensors, e.g. ``(idx,)`` with idx
            (B, T) for the GPT.
        dynamic: let the first axis (the batch) and a second axis longer than 1
            (the sequence) vary; otherwise the program accepts these shapes only.

    Returns:
        a ``torch.export.ExportedProgram``; ``.module()`` is a callable module.
    """
    _check_model(model, example_args)
    return torch.export.export(
        model, example_args, dynamic_shapes=_dynamic_shapes(example_args, dynamic)
    )


def export_onnx(model, example_args, path, dynamic=True):
    """Write ``model`` as an ONNX file at ``path`` (via torch.export); returns path.

    The inputs are named ``input_0``, ``input_1``, ...; the outputs that are tensors
    (the GPT's logits; its ``None`` loss is dropped) come out in order.
    """
    _check_model(model, example_args)
    path = os.fspath(path)
    names = [f"input_{i}" for i in range(len(example_args))]
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    with warnings.catch_warnings():
        # the exporter notes that torchvision's operators are not registered and
        # that a None output is left out: neither concerns these models
        warnings.simplefilter("ignore")
        exporter_log.setLevel(logging.ERROR)
        try:
            program = torch.onnx.export(
                model,
                example_args,
                input_names=names,
                dynamic_shapes=_dynamic_shapes(example_args, dynamic),
                dynamo=True,
                verbose=False,
            )
        finally:
            exporter_log.setLevel(level)
    program.save(path)
    return path


def run_onnx(path, *arrays):
    """Run the ONNX model at ``path`` in onnxruntime (CPU) on NumPy ``arrays``.

    Returns the list of output arrays. Pass arrays of the dtypes the model was
    exported with (int64 token ids for the GPT).
    """
    import onnxruntime

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"path must name an ONNX file, got {path!r}")
    for i, array in enumerate(arrays):
        if not isinstance(array, np.ndarray):
            raise TypeError(
                f"arrays[{i}] must be a NumPy array, got {type(array).__name__}"
                + (" (use .numpy())" if isinstance(array, torch.Tensor) else "")
            )
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    if len(inputs) != len(arrays):
        raise ValueError(
            f"arrays must be {len(inputs)} input(s) for this model, got {len(arrays)}"
        )
    return session.run(None, {i.name: a for i, a in zip(inputs, arrays)})


def quantize_int8(model):
    """A copy of ``model`` whose ``nn.Linear`` layers compute in int8 (dynamic).

    Post-training dynamic quantisation: each linear layer's weight is stored as
    int8 with one fp32 scale per output row, and each input is quantised on the fly
    with a scale from its own range; the products run in int8 with int32 sums.
    Embeddings and layer norms stay fp32. The original model is not changed. The
    eager-mode API ``torch.ao.quantization.quantize_dynamic`` is marked deprecated
    in favour of torchao; it still works in this PyTorch, and its warning is hidden.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if model.training:
        raise ValueError(
            "model must be in evaluation mode to be quantised (call model.eval()), "
            "got a model in training mode"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8
        )
