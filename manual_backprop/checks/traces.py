"""What one oracle pass computed: the one record every oracle returns.

autograd (:func:`torch_reference.trace`), ``jax.grad``
(:func:`manual_backprop.checks.jax_oracle.jax_trace`) and the exact oracle
(:func:`manual_backprop.checks.exact.exact_trace`) all fill the same fields, so that one
harness (:mod:`torch_reference.claims`) compares the code with any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from manual_backprop.params import Params

__all__ = ["Trace"]


@dataclass(frozen=True)
class Trace:
    """J, every gradient, and every ``Z^l``, ``A^l`` and ``dJ/dZ^l``, in the derivation's layout.

    ``pre_activations[l-1]`` = ``Z^l``, ``activations[l]`` = ``A^l`` (``activations[0]`` = X),
    ``deltas[l-1]`` = ``dJ/dZ^l``, each of shape (B, n_l); ``grads`` in the layout of ``Params``.
    Arrays are NumPy (float oracles) or NumPy arrays of mpmath numbers (the exact oracle).
    """

    loss: Any
    grads: Params
    pre_activations: list[Any]
    activations: list[Any]
    deltas: list[Any]
