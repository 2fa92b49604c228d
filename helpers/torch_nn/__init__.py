"""PyTorch versions of the NumPy references in ``helpers.numpy_nn``.

Same module names, same class and function names, same parameter names and
shapes; these run on a GPU when one is chosen.
"""
