"""The oracle: J and its gradients by PyTorch autograd, under the same contract as
:func:`manual_backprop.gradients`.

Nothing here repeats the derivation's backward equations: the softmax head goes through
``torch.nn.CrossEntropyLoss`` (``F.cross_entropy`` with probability targets), the ReLU head
through the explicit ``-sum y ln a`` of eq. (19), and autograd does the rest. ReLU's derivative
at 0 is PyTorch's, 0.

On CUDA, TF32 is switched off for matmul and cuDNN while the oracle runs: TF32 rounds matmul
inputs to a 10-bit mantissa (about 1e-3 relative error), which breaks float32 parity by orders
of magnitude.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from manual_backprop import Params
from manual_backprop.checks.traces import Trace
from manual_backprop.heads import check_relu_loss_finite
from manual_backprop.validation import checked_targets
from torch_reference.convert import to_numpy, to_tensor
from torch_reference.layout import weight_from_linear
from torch_reference.model import from_params

__all__ = ["OracleTrace", "checked_device", "gradients", "no_tf32", "trace"]


@contextlib.contextmanager
def no_tf32() -> Iterator[None]:
    """Switch TF32 off for CUDA matmul and cuDNN inside the block; restore it afterwards."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


#: The oracle's record: the one :class:`~manual_backprop.checks.traces.Trace` of every oracle.
OracleTrace = Trace


def checked_device(device: Any) -> torch.device:
    """``device`` as a ``torch.device``, or a ValueError naming it: unknown, or CUDA where
    ``torch.cuda.is_available()`` is False (no GPU, or a CPU build of torch)."""
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}"
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} was asked for, but torch.cuda.is_available() is False: this "
            f"machine has no CUDA GPU, or torch {torch.__version__} is a CPU build"
        )
    return resolved


def _grad(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.grad is None:
        raise RuntimeError("autograd left no gradient; the oracle's graph is broken")
    return tensor.grad


def trace(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    device: Any = "cpu",
) -> OracleTrace:
    """Run the oracle once and keep every intermediate. Arguments as :func:`gradients`."""
    checked, _ = checked_targets(params, X, Y, output, reduction, 0.0)
    device = checked_device(device)
    targets = to_tensor(checked, device)
    with no_tf32():
        model = from_params(params, device)
        x = to_tensor(X, device)
        passed = model.forward_with_intermediates(x)
        logits = passed.pre_activations[-1]
        if output == "softmax":
            output_activation = torch.softmax(logits, dim=1)
            if np.ndim(Y) == 1:
                labels = to_tensor(np.asarray(Y, dtype=np.int64), device)
                J = torch.nn.CrossEntropyLoss(reduction=reduction)(logits, labels)
            else:
                J = F.cross_entropy(logits, targets, reduction=reduction)
        else:
            output_activation = torch.relu(logits)
            check_relu_loss_finite(output_activation.detach(), targets)
            safe = torch.where(targets > 0, output_activation, torch.ones_like(output_activation))
            J = -(targets * torch.log(safe)).sum()  # eq. (19), by autograd
            if reduction == "mean":
                J = J / X.shape[0]
        J.backward()
    linears = [linear for linear in model.linears if isinstance(linear, torch.nn.Linear)]
    grads = Params(
        weights=[weight_from_linear(_grad(linear.weight)) for linear in linears],
        biases=[to_numpy(_grad(linear.bias)) for linear in linears],
    )
    return OracleTrace(
        loss=float(J.item()),
        grads=grads,
        pre_activations=[to_numpy(z) for z in passed.pre_activations],
        activations=[to_numpy(a) for a in passed.activations] + [to_numpy(output_activation)],
        deltas=[to_numpy(_grad(z)) for z in passed.pre_activations],
    )


def gradients(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    device: Any = "cpu",
) -> tuple[float, Params]:
    """J and ``dJ/dW^l``, ``dJ/db^l`` by autograd, as NumPy arrays in the params' layout and dtype.

    Same contract as :func:`manual_backprop.gradients` (NumPy ``params``, ``X`` and ``Y``), with
    ``h'(0) = 0`` (PyTorch's) and a ``device`` ("cpu", "cuda", ...) to compute on.
    """
    result = trace(params, X, Y, output=output, reduction=reduction, device=device)
    return result.loss, result.grads
