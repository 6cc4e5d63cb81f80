"""torch_reference: the PyTorch oracle that manual_backprop is checked against.

* :func:`gradients`: J and its gradients by autograd, same contract as manual_backprop's.
* :func:`trace`: the same pass with every ``Z^l``, ``A^l`` and ``dJ/dZ^l`` kept.
* :class:`MLP`, :func:`from_params`: the ``torch.nn`` model built from ``Params``.
* :mod:`torch_reference.layout`: the one conversion to and from ``Linear``'s (out, in) layout.
"""

import os

# torch's OpenMP threads spin between operations by default, taking the cores from NumPy's BLAS
# threads when both run in one process (as here, oracle beside manual): measured 3x slower NumPy
# steps at B = 16. Passive waiting lets them share; set OMP_WAIT_POLICY yourself to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from torch_reference.model import MLP, from_params
from torch_reference.oracle import OracleTrace, gradients, trace

__all__ = ["MLP", "OracleTrace", "from_params", "gradients", "trace"]
