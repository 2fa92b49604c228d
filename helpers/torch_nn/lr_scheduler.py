"""Learning-rate schedules for torch optimisers: torch's own.

The twin of ``helpers.numpy_nn.lr_scheduler``: ``StepLR``, ``CosineAnnealingLR``,
``LinearLR`` and ``SequentialLR`` here are the classes of ``torch.optim.lr_scheduler``
(``helpers.torch_nn.lr_scheduler.StepLR is torch.optim.lr_scheduler.StepLR``); the
NumPy versions give the same sequences. ``warmup_cosine`` is a formula of plain
numbers, the same function for both.
"""

from torch.optim.lr_scheduler import (  # noqa: F401  (the twins, re-exported)
    CosineAnnealingLR,
    LinearLR,
    SequentialLR,
    StepLR,
)

from helpers.numpy_nn.lr_scheduler import warmup_cosine  # noqa: F401
