"""The torch side of ``manual-backprop train``: the digits data, and ``torch.optim.SGD`` on the
oracle model, step for step with :mod:`manual_backprop.training`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from manual_backprop import Params
from torch_reference.layout import from_state_dict
from torch_reference.model import MLP, from_params

__all__ = ["Digits", "TorchTrainer", "load_digits_split"]

#: The fixed split: 25 % test, stratified by class, ``random_state=0``.
TEST_FRACTION = 0.25
SPLIT_SEED = 0


@dataclass(frozen=True)
class Digits:
    """UCI handwritten digits (8x8, 1,797 images) bundled with scikit-learn, split once.

    ``X_*`` of shape (n, 64) with pixels scaled from 0..16 to [0, 1]; ``y_*`` labels 0..9.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits_split(dtype: Any = np.float64) -> Digits:
    """Load the digits from the installed scikit-learn (no network) and split them."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    X = (data.data / 16.0).astype(dtype)
    X_train, X_test, y_train, y_test = train_test_split(
        X, data.target, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=data.target
    )
    return Digits(X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64))


class TorchTrainer:
    """``torch.optim.SGD`` on :class:`MLP`, started from the same ``Params`` as the manual side."""

    def __init__(self, params: Params, lr: float, weight_decay: float = 0.0) -> None:
        self.model: MLP = from_params(params)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr, weight_decay=weight_decay)
        self.loss = torch.nn.CrossEntropyLoss(reduction="mean")

    def train_epoch(self, X: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> float:
        """One pass over the same ``batches`` as the manual trainer; the mean per-step loss."""
        X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
        losses = []
        for index in batches:
            index_t = torch.from_numpy(index)
            self.optimizer.zero_grad()
            J = self.loss(self.model(X_t[index_t]), y_t[index_t])
            J.backward()
            self.optimizer.step()
            losses.append(float(J.item()))
        return float(np.mean(losses))

    def mean_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """J / B on the whole of X (``CrossEntropyLoss(reduction="mean")``), no update."""
        with torch.no_grad():
            return float(self.loss(self.model(torch.from_numpy(X)), torch.from_numpy(y)).item())

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        with torch.no_grad():
            logits = self.model(torch.from_numpy(X)).numpy()
        return float(np.mean(np.argmax(logits, axis=1) == y))

    def params(self) -> Params:
        """The current parameters in the derivation's layout (NumPy copies)."""
        return from_state_dict(self.model.state_dict())
