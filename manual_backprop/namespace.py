"""The array library of an input, through the array API standard.

:func:`namespace` is ``array_api_compat.array_namespace`` for one array, remembered per array
type: the namespace depends only on the type (NumPy, CuPy, torch, array-api-strict), and looking
it up afresh costs microseconds that add up to half a small network's step.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_numpy_namespace

__all__ = ["floating_point_warnings_off", "namespace"]

_BY_TYPE: dict[type, Any] = {}


def namespace(array: Any) -> Any:
    """The array-API namespace of ``array`` (``array_api_compat.numpy`` for NumPy arrays)."""
    kind = type(array)
    xp = _BY_TYPE.get(kind)
    if xp is None:
        xp = _BY_TYPE[kind] = array_namespace(array)
    return xp


def floating_point_warnings_off(xp: Any) -> contextlib.AbstractContextManager[Any]:
    """For NumPy, ``numpy.errstate`` with every floating-point warning off, inside the block.

    The entry points decide themselves what a NaN, an Inf or an overflow means: they check J and
    the gradients on the device and raise a ValueError that names the cause. NumPy's own warnings
    ("invalid value encountered in matmul") would come first, and be exceptions under
    ``-W error``. Scoped: nothing outside the call changes. Other libraries do not warn.
    """
    return np.errstate(all="ignore") if is_numpy_namespace(xp) else contextlib.nullcontext()
