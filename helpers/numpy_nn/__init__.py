"""From-scratch NumPy references, one concept per module.

Each class and function here has a PyTorch twin of the same name in
``helpers.torch_nn``, with parameters under the same names and shapes.
"""
