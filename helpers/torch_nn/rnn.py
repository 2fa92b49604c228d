"""Recurrent layers for PyTorch: torch's own.

The twin of ``helpers.numpy_nn.rnn``: ``RNN``, ``LSTM``, ``GRU``, ``RNNCell``,
``LSTMCell`` and ``GRUCell`` here are the classes of ``torch.nn``
(``helpers.torch_nn.rnn.LSTM is torch.nn.LSTM``), which run on a GPU and use its
fused kernels there. The NumPy versions take the same constructor arguments, keep
the same parameter names and shapes, and give the same outputs and gradients.
"""

from torch.nn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: F401  (re-exported)
