"""Mini-batch gradient descent driven by :func:`manual_backprop.gradients` (section 1.5, step 4).

Update rule, identical to ``torch.optim.SGD(lr, weight_decay)`` without momentum::

    theta <- theta - lr * (dJ/dtheta + weight_decay * theta)

for every weight and bias. ``weight_decay`` is the coefficient of the L2 penalty
``(weight_decay / 2) * ||theta||^2`` added to the loss per step, applied to biases too: PyTorch's
scaling. (scikit-learn's ``alpha`` differs: it penalises weights only, and divides by the number
of training examples.) With ``reduction="mean"`` J is the batch mean, as in PyTorch's default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from manual_backprop.algorithm import gradients
from manual_backprop.forward import forward, forward_pass
from manual_backprop.heads import loss
from manual_backprop.params import Params
from manual_backprop.validation import checked_targets

__all__ = ["accuracy", "batch_order", "mean_loss", "sgd_step", "train_epoch"]


def batch_order(n_examples: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The example indices of each mini-batch of one epoch: a fresh permutation per epoch.

    Deterministic in ``(seed, epoch)``, so that two implementations see the same batches in the
    same order. The last batch is smaller when B does not divide ``n_examples``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    permutation = np.random.default_rng([seed, epoch]).permutation(n_examples)
    return [permutation[i : i + batch_size] for i in range(0, n_examples, batch_size)]


def sgd_step(params: Params, grads: Params, lr: float, weight_decay: float = 0.0) -> None:
    """``theta <- theta - lr * (grad + weight_decay * theta)`` for every parameter.

    ``params`` is updated: its lists now hold the new arrays. The arrays themselves are never
    written to, so this works as well on libraries whose arrays are immutable (JAX).
    """
    for thetas, grad_list in ((params.weights, grads.weights), (params.biases, grads.biases)):
        for i, (theta, grad) in enumerate(zip(thetas, grad_list)):
            thetas[i] = theta - lr * (grad + weight_decay * theta)


def train_epoch(
    params: Params,
    X: Any,
    Y: Any,
    batches: list[np.ndarray],
    lr: float,
    *,
    weight_decay: float = 0.0,
    output: str = "softmax",
    on_step: Callable[[int, float], None] | None = None,
) -> float:
    """One pass over ``batches`` (index arrays into X and Y); update ``params``.

    Each step computes the mean loss and its gradients on one mini-batch (``reduction="mean"``)
    and takes one :func:`sgd_step`. Returns the mean of the per-step losses.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    losses = []
    for step, index in enumerate(batches):
        J, grads = gradients(params, X[index], Y[index], output=output, reduction="mean")
        sgd_step(params, grads, lr, weight_decay)
        losses.append(J)
        if on_step is not None:
            on_step(step, J)
    return float(np.mean(losses))


def mean_loss(params: Params, X: Any, Y: Any, *, output: str = "softmax") -> float:
    """``J / B`` on the whole of X (eq. 18 divided by B): the forward pass and the loss alone."""
    targets, _ = checked_targets(params, X, Y, output, "mean")
    passed = forward_pass(params, X, output)
    Z_L, A_L = passed.pre_activations[-1], passed.activations[-1]
    return float(loss(Z_L, A_L, targets, output)) / X.shape[0]


def accuracy(params: Params, X: Any, labels: Any) -> float:
    """The fraction of rows whose largest logit ``z^L`` is at the label."""
    logits = np.asarray(forward(params, X).pre_activations[-1])
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))
