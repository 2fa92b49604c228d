"""helpers: the code behind the book.

``helpers.numpy_nn`` holds from-scratch NumPy references and ``helpers.torch_nn``
their PyTorch twins (same names, same parameter shapes). ``runtime`` picks the
device and seeds; ``train`` is the training loop; ``data`` the bundled datasets;
``gradcheck`` finite differences; ``plot`` and ``widgets`` the figures and
explorers the chapters share.
"""

__version__ = "0.1.0"
