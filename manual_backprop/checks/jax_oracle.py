"""A second autograd oracle, independent of torch: ``jax.grad`` of J.

The network and the loss are written here in ``jax.numpy``, apart from the torch model and from
the hand-written backward equations: the forward pass ``z^l = a^(l-1) W^l + b^l``, ``a^l = h(z^l)``
(eqs. 3-8), the softmax head's ``J = -sum y ln softmax(z^L)`` (eqs. 18/33, through
``jax.nn.log_softmax``) or the ReLU head's ``J = -sum y ln a^L`` (eqs. 18/19). JAX differentiates
J; nothing of eqs. (16)-(44) is used.

Every ``dJ/dz^l`` comes from the same ``jax.grad``: J is differentiated with respect to a zero
added to each ``z^l``, which moves J exactly as ``z^l`` does.

``h'(0)``: ``jax.nn.relu`` has derivative 0 at 0 (PyTorch's choice), and ``jnp.maximum(z, 0)``
splits a tie evenly, 1/2 (the derivation's eq. 2): the oracle takes ``relu_grad_at_zero`` 0 or
1/2 and picks the matching one.

JAX is optional (the ``test`` extra brings it). 64-bit floats are switched on only inside each
call (``jax.enable_x64``), so nothing in the caller's process changes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from manual_backprop.checks.traces import Trace
from manual_backprop.params import Params
from manual_backprop.validation import checked_targets, reduction_scale

__all__ = ["JaxTrace", "jax_gradients", "jax_trace", "jax_version"]


def jax_version() -> str | None:
    """The installed jax's version, or None where jax is not installed."""
    try:
        import jax
    except ImportError:
        return None
    return str(jax.__version__)


#: ``jax.grad``'s record: the one :class:`~manual_backprop.checks.traces.Trace` of every oracle.
JaxTrace = Trace


def _loss(
    weights: list[Any], biases: list[Any], shifts: list[Any], x: Any, y: Any,
    scale: float, output: str, at_zero: float,
) -> tuple[Any, tuple[list[Any], list[Any]]]:  # fmt: skip
    """J (eqs. 18/19/33) of the forward pass (eqs. 3-8, 34), and every ``z^l`` and ``a^l``."""
    import jax
    import jax.numpy as jnp

    def h(z: Any) -> Any:  # eq. (1); its derivative at 0 is JAX's rule for each form
        return jax.nn.relu(z) if at_zero == 0.0 else jnp.maximum(z, 0.0)

    pre, acts = [], [x]
    for l, (W, b, shift) in enumerate(zip(weights, biases, shifts), start=1):
        z = acts[-1] @ W + b + shift  # eqs. (3), (5), (7); dJ/dshift = dJ/dz^l
        pre.append(z)
        acts.append(h(z) if l < len(weights) or output == "relu" else jax.nn.softmax(z))
    if output == "softmax":
        J = -jnp.sum(y * jax.nn.log_softmax(pre[-1]))  # eqs. (18), (33)
    else:
        safe = jnp.where(y > 0, acts[-1], 1.0)
        J = -jnp.sum(jnp.where(y > 0, y * jnp.log(safe), 0.0))  # eqs. (18), (19)
    return scale * J, (pre, acts)


@functools.cache
def _value_and_grad() -> Any:
    """``jax.value_and_grad`` of :func:`_loss`, compiled once per shape (``jax.jit``)."""
    import jax

    return jax.jit(
        jax.value_and_grad(_loss, argnums=(0, 1, 2), has_aux=True),
        static_argnames=("output", "at_zero"),
    )


def jax_trace(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.0,
) -> JaxTrace:
    """J, every gradient and every ``Z^l``, ``A^l``, ``dJ/dZ^l``, by ``jax.grad``.

    Same contract as :func:`manual_backprop.gradients` for NumPy inputs; ``relu_grad_at_zero``
    must be 0 (``jax.nn.relu``) or 1/2 (``jnp.maximum``).
    """
    import jax
    import jax.numpy as jnp

    checked, at_zero = checked_targets(params, X, Y, output, reduction, relu_grad_at_zero)
    if at_zero not in (0.0, 0.5):
        raise ValueError(f"relu_grad_at_zero must be 0 or 0.5 for jax.grad, got {at_zero}")
    scale = reduction_scale(reduction, X.shape[0])

    targets = np.asarray(checked)
    with jax.enable_x64(True):  # float64 stays float64; float32 stays float32
        weights = [jnp.asarray(W) for W in params.weights]
        biases = [jnp.asarray(b) for b in params.biases]
        shifts = [jnp.zeros((X.shape[0], b.shape[0]), dtype=b.dtype) for b in biases]
        (J, (pre, acts)), (dW, db, dZ) = _value_and_grad()(
            weights, biases, shifts, jnp.asarray(X), jnp.asarray(targets), scale,
            output=output, at_zero=at_zero,
        )  # fmt: skip
        numpy = [np.asarray(a) for a in (*dW, *db, *pre, *acts, *dZ)]
        loss = float(J)
    n = len(weights)
    return JaxTrace(
        loss=loss,
        grads=Params(numpy[:n], numpy[n : 2 * n]),
        pre_activations=numpy[2 * n : 3 * n],
        activations=numpy[3 * n : 4 * n + 1],
        deltas=numpy[4 * n + 1 :],
    )


def jax_gradients(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.0,
) -> tuple[float, Params]:
    """J and ``dJ/dW^l``, ``dJ/db^l`` by ``jax.grad``; arguments as :func:`jax_trace`."""
    result = jax_trace(
        params, X, Y, output=output, reduction=reduction, relu_grad_at_zero=relu_grad_at_zero
    )
    return result.loss, result.grads
