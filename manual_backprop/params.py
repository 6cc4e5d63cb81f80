r"""The network's parameters :math:`W^l` and :math:`b^l` in the derivation's layout.

Layout convention (stated once for the whole project)
-----------------------------------------------------
The derivation writes :math:`z^l_n = \sum_m w^l_{mn} a^{l-1}_m + b^l_n` (eqs. 3, 5, 7): the first
index :math:`m` of :math:`w^l_{mn}` runs over layer :math:`l-1` and the second, :math:`n`, over
layer :math:`l`. So :math:`W^l` is stored with shape :math:`(n_{l-1}, n_l)` = ``(n_in, n_out)``,
and a batch of row vectors goes through a layer as :math:`Z^l = A^{l-1} W^l + b^l`
(``Z = A @ W + b``). ``torch.nn.Linear`` stores the transpose, ``(out, in)``; the one place
that converts is :mod:`torch_reference.layout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace

__all__ = ["Params", "init_params"]


@dataclass
class Params:
    """Weights and biases of an ``L``-layer fully connected network.

    Parameters
    ----------
    weights : list of array of shape (n_{l-1}, n_l), for l = 1 .. L
        ``weights[l - 1]`` is the derivation's :math:`W^l` with entries ``w_mn^l``.
    biases : list of array of shape (n_l,), for l = 1 .. L
        ``biases[l - 1]`` is :math:`b^l`.

    Notes
    -----
    Any array library that follows the array API standard works (NumPy is the reference); all
    arrays share one library, device and floating dtype. Checks run where the arrays are used
    (:func:`manual_backprop.validation.check_params`), not here, so that a ``Params`` of
    gradients can be built cheaply.
    """

    weights: list[Any]
    biases: list[Any]

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n_0, n_1, ..., n_L)``: the input width followed by each layer's width."""
        return (int(self.weights[0].shape[0]), *(int(w.shape[1]) for w in self.weights))

    @property
    def dtype(self) -> Any:
        """The floating dtype shared by every weight and bias."""
        return self.weights[0].dtype

    def copy(self) -> Params:
        """Return a deep copy (new arrays, same library, device and dtype)."""
        xp = array_namespace(*self.weights, *self.biases)
        return Params(
            weights=[xp.asarray(w, copy=True) for w in self.weights],
            biases=[xp.asarray(b, copy=True) for b in self.biases],
        )


def init_params(layer_sizes: Sequence[int], *, seed: int = 0, dtype: Any = np.float64) -> Params:
    """Draw He-scaled random weights and zero biases, as NumPy arrays.

    ``w_mn^l ~ Normal(0, 2 / n_{l-1})`` (He et al., 2015), the variance that keeps the scale of
    ``z^l`` steady through ReLU layers; ``b^l = 0``.

    Parameters
    ----------
    layer_sizes : sequence of int, length L + 1 >= 2
        ``(n_0, n_1, ..., n_L)``; the derivation's network is ``(n_0, n_1, n_2, n_3)``.
    seed : int
        Seed for :func:`numpy.random.default_rng`.
    dtype : numpy floating dtype
        ``numpy.float64`` (default) or ``numpy.float32``.

    Returns
    -------
    Params
        ``weights[l-1]`` of shape :math:`(n_{l-1}, n_l)` and ``biases[l-1]`` of shape
        :math:`(n_l,)`.
    """
    try:
        sizes = list(layer_sizes) if not isinstance(layer_sizes, (str, bytes)) else None
    except TypeError:  # not iterable, e.g. init_params(64)
        sizes = None
    if (
        sizes is None
        or len(sizes) < 2
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes)
    ):
        raise TypeError(
            "layer_sizes must be a sequence of at least two ints (n_0, ..., n_L), "
            f"got {layer_sizes!r}"
        )
    if any(n < 1 for n in sizes):
        raise ValueError(f"layer_sizes must all be >= 1, got {tuple(sizes)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be a NumPy floating dtype, got {dtype!r}") from exc
    if not np.issubdtype(np_dtype, np.floating):
        raise TypeError(f"dtype must be a NumPy floating dtype, got {np_dtype}")
    if np_dtype not in (np.float32, np.float64):  # as the entry points refuse it
        raise TypeError(f"dtype must be float32 or float64, got {np_dtype}")
    rng = np.random.default_rng(int(seed))
    weights = [
        (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np_dtype)
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]
    biases = [np.zeros(n_out, dtype=np_dtype) for n_out in sizes[1:]]
    return Params(weights=weights, biases=biases)
