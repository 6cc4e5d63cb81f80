"""torch_reference: the PyTorch oracle that manual_backprop is checked against.

* :func:`gradients`: J and its gradients by autograd, same contract as manual_backprop's.
* :func:`trace`: the same pass with every ``Z^l``, ``A^l`` and ``dJ/dZ^l`` kept.
* :class:`MLP`, :func:`from_params`: the ``torch.nn`` model built from ``Params``.
* :mod:`torch_reference.layout`: the one conversion to and from ``Linear``'s (out, in) layout.
* :mod:`torch_reference.claims`: the table of claims that ``manual-backprop verify`` and the
  per-equation tests both check.

The command-line app lives apart, in :mod:`torch_reference.commands`. Importing this package
does not import torch (the names above load it when first used), and changes nothing in the
process: no thread or environment setting.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["MLP", "OracleTrace", "from_params", "gradients", "trace"]

_HOMES = {
    "MLP": "torch_reference.model",
    "from_params": "torch_reference.model",
    "OracleTrace": "torch_reference.oracle",
    "gradients": "torch_reference.oracle",
    "trace": "torch_reference.oracle",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'torch_reference' has no attribute {name!r}")
