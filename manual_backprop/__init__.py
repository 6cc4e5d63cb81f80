r"""manual_backprop: backpropagation written by hand from the derivation, equation by equation.

The public contract:

* :class:`Params` and :func:`init_params`: :math:`W^l` of shape :math:`(n_{l-1}, n_l)`,
  :math:`b^l` of shape :math:`(n_l,)`.
* :func:`gradients` and :func:`gradients_per_example`: :math:`J` and
  :math:`\partial J / \partial W^l`, :math:`\partial J / \partial b^l`.
* :func:`forward` (every :math:`Z^l` and :math:`A^l`) and :func:`deltas` (every :math:`\Delta^l`).

Modules follow the derivation's sections: :mod:`~manual_backprop.activations` and
:mod:`~manual_backprop.forward` (1.1), :mod:`~manual_backprop.backward` (1.2),
:mod:`~manual_backprop.heads` (1.3 and 1.6), :mod:`~manual_backprop.gradients` (1.2, 1.4),
:mod:`~manual_backprop.algorithm` (1.5). :mod:`manual_backprop.checks` holds the checking tools
(tolerances, finite differences, example problems), apart from the equations.

This package never imports torch; :mod:`torch_reference` is the separate oracle.
"""

from manual_backprop.algorithm import deltas, gradients, gradients_per_example
from manual_backprop.forward import ForwardPass, forward
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
