"""Where ``manual-backprop train``'s time goes, phase by phase, under the thread settings given.

    python benchmarks/train_phases.py [--epochs 5] [--torch-threads N] [--blas-threads N]

Runs the command's epoch loop (the same functions ``train`` calls) in this process and reports,
per phase, the median over epochs of the wall time and of this process's CPU time
(``time.process_time``, all its threads): the manual SGD epoch (NumPy), the torch SGD epoch,
and the evaluation after it (loss and accuracy on the whole training and test sets, both
implementations). Without ``--torch-threads``/``--blas-threads`` the libraries keep their
defaults. Run it beside ``timeout 60 python -c 'while True: pass'`` (twice, on 2 cores) to see
which phase the busy cores slow down. docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from manual_backprop import init_params
from manual_backprop.training import accuracy, batch_order, mean_loss, train_epoch
from torch_reference.commands.training import TorchTrainer, load_digits_split


def _timed(work: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--torch-threads", type=int)
    parser.add_argument("--blas-threads", type=int)
    args = parser.parse_args()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    limits = threadpool_limits(args.blas_threads, user_api="blas") if args.blas_threads else None
    data = load_digits_split(np.float64)
    params = init_params((64, 128, 64, 10), seed=0)
    reference = TorchTrainer(params.copy(), 0.1)
    pools = {f"{p['internal_api']} ({p['prefix']})": p["num_threads"] for p in threadpool_info()}
    print(f"torch threads {torch.get_num_threads()}; pools {pools}")

    def evaluate() -> None:
        for X, y in ((data.X_train, data.y_train), (data.X_test, data.y_test)):
            mean_loss(params, X, y), accuracy(params, X, y)
            reference.mean_loss(X, y), reference.accuracy(X, y)

    phases: dict[str, list[tuple[float, float]]] = {"manual epoch": [], "torch epoch": [],
                                                    "evaluation": []}  # fmt: skip
    for epoch in range(1, args.epochs + 1):
        batches = batch_order(len(data.y_train), 32, 0, epoch)
        phases["manual epoch"].append(
            _timed(partial(train_epoch, params, data.X_train, data.y_train, batches, 0.1))
        )
        phases["torch epoch"].append(
            _timed(partial(reference.train_epoch, data.X_train, data.y_train, batches))
        )
        phases["evaluation"].append(_timed(evaluate))
    print(f"{'phase':<14} {'wall ms':>9} {'CPU ms':>9}   (median over {args.epochs} epochs)")
    for name, times in phases.items():
        wall = statistics.median(t[0] for t in times) * 1e3
        cpu = statistics.median(t[1] for t in times) * 1e3
        print(f"{name:<14} {wall:>9.1f} {cpu:>9.1f}")
    if limits is not None:
        limits.restore_original_limits()


if __name__ == "__main__":
    main()
