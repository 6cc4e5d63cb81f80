"""The array library of an input, through the array API standard.

:func:`namespace` is ``array_api_compat.array_namespace`` for one array, remembered per array
type: the namespace depends only on the type (NumPy, CuPy, torch, array-api-strict), and looking
it up afresh costs microseconds that add up to half a small network's step.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

__all__ = ["namespace"]

_BY_TYPE: dict[type, Any] = {}


def namespace(array: Any) -> Any:
    """The array-API namespace of ``array`` (``array_api_compat.numpy`` for NumPy arrays)."""
    kind = type(array)
    xp = _BY_TYPE.get(kind)
    if xp is None:
        xp = _BY_TYPE[kind] = array_namespace(array)
    return xp
