"""manual_backprop: backpropagation written by hand from the derivation, equation by equation.

The public contract:

* :class:`Params` and :func:`init_params`: ``W^l`` of shape (n_{l-1}, n_l), ``b^l`` of shape (n_l,).
* :func:`gradients` and :func:`gradients_per_example`: J and dJ/dW^l, dJ/db^l.
* :func:`forward` (every ``Z^l`` and ``A^l``) and :func:`deltas` (every ``Delta^l``).

This package never imports torch; :mod:`torch_reference` is the separate oracle.
"""

from manual_backprop.forward import ForwardPass, forward
from manual_backprop.gradients import deltas, gradients, gradients_per_example
from manual_backprop.params import Params, init_params

__all__ = [
    "ForwardPass",
    "Params",
    "deltas",
    "forward",
    "gradients",
    "gradients_per_example",
    "init_params",
]
__version__ = "0.1.0"
