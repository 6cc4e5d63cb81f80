"""``manual-backprop train``: the manual network and torch.optim.SGD side by side on the digits."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from manual_backprop import init_params
from manual_backprop.checks.tolerances import normwise_error
from manual_backprop.serialization import save_params
from manual_backprop.training import accuracy, batch_order, mean_loss, train_epoch
from torch_reference.commands.arguments import (
    finite_non_negative_float,
    finite_positive_float,
    non_negative_int,
    output_path,
    plot_path,
    positive_int,
)

__all__ = ["NEEDS", "add_parser", "run"]

#: Imported when the command runs (``--plot`` checks for matplotlib as it is parsed).
NEEDS = ("torch", "sklearn")

#: The variables by which a user chooses the threads of torch's pool (OpenMP and MKL) and of
#: NumPy's BLAS. Where one of a pool's variables is set, the command leaves that pool as asked.
TORCH_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
)  # fmt: skip


def add_parser(sub: Any) -> None:
    train = sub.add_parser(
        "train",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="train on the bundled UCI digits with the hand-written gradients, beside torch SGD",
        description=(
            "Mini-batch SGD on scikit-learn's bundled 8x8 digits (75/25 stratified split, "
            "random_state=0), with the manual gradients and, from the same initial parameters "
            "and in the same batch order, torch.optim.SGD on the torch_reference model."
        ),
    )
    train.add_argument(
        "--epochs", type=positive_int, default=30, help="passes over the training set"
    )
    train.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="examples per SGD step (more than the 1,347 training examples: one step per epoch)",
    )
    train.add_argument("--lr", type=finite_positive_float, default=0.1, help="learning rate")
    train.add_argument(
        "--weight-decay", type=finite_non_negative_float, default=0.0, help="PyTorch's L2 scaling"
    )
    train.add_argument(
        "--hidden", type=positive_int, nargs="+", default=[128, 64], metavar="N",
        help="hidden layer widths",
    )  # fmt: skip
    train.add_argument("--seed", type=non_negative_int, default=0, help="of the initial weights")
    train.add_argument(
        "--dtype", choices=["float64", "float32"], default="float64", help="of params and data"
    )
    train.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write the results here (in a folder that exists; checked before any work)",
    )
    train.add_argument(
        "--plot",
        type=plot_path,
        metavar="PATH",
        help="draw the curves here (in a folder that exists; checked before any work)",
    )
    train.add_argument(
        "--save",
        type=output_path,
        metavar="PATH.npz",
        help="save the trained parameters here (in a folder that exists; checked before any work)",
    )


def max_param_rel_diff(manual: Any, reference: Any) -> float:
    """The largest norm-wise relative difference over all weights and biases."""
    return max(
        normwise_error(a, b)[1]
        for a, b in zip(manual.weights + manual.biases, reference.weights + reference.biases)
    )


@contextmanager
def one_thread_per_pool() -> Iterator[dict[str, Any]]:
    """While the command runs: one thread for torch's pool and one for NumPy's BLAS.

    The default network's products are too small to share between threads, and the command
    alternates NumPy and torch in one process: torch's OpenMP workers spin after each parallel
    region, and each region waits for every worker. Beside two busy processes on 2 cores the
    command took four to ten times its idle wall time and two to four times its CPU; one thread
    each is also faster alone (docs/performance.md, "``manual-backprop train`` on a busy
    machine"). A pool whose thread variable the user set (:data:`TORCH_THREAD_VARIABLES`,
    :data:`BLAS_THREAD_VARIABLES`) is left as the user chose. Both pools are restored on exit,
    so calling the command in a process (``main(["train", ...])``) leaves that process's
    settings as they were. ``threadpoolctl`` comes with scikit-learn, which the command needs.

    Yields
    ------
    dict
        ``torch`` and ``blas``: the threads in use; ``torch_set_by`` and ``blas_set_by``:
        ``"command"`` or ``"environment"``.
    """
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    torch_chosen = any(name in os.environ for name in TORCH_THREAD_VARIABLES)
    blas_chosen = any(name in os.environ for name in BLAS_THREAD_VARIABLES)
    with ExitStack() as stack:
        if not torch_chosen:
            stack.callback(torch.set_num_threads, torch.get_num_threads())
            torch.set_num_threads(1)
        if not blas_chosen:
            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        yield {
            "torch": torch.get_num_threads(),
            "blas": max(blas, default=None),
            "torch_set_by": "environment" if torch_chosen else "command",
            "blas_set_by": "environment" if blas_chosen else "command",
        }


def _plot(path: Path, history: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in history]
    figure, (loss_axis, accuracy_axis, diff_axis) = plt.subplots(1, 3, figsize=(15, 4))
    loss_axis.plot(epochs, [row["train_loss"] for row in history], "o-", label="manual (NumPy)")
    loss_axis.plot(
        epochs, [row["torch_train_loss"] for row in history], "x--", label="torch.optim.SGD"
    )
    loss_axis.set(
        xlabel="epoch", ylabel="J / B on the whole training set", title="Loss after each epoch"
    )
    loss_axis.legend()
    for split, style in (("train", "-"), ("test", ":")):
        accuracy_axis.plot(
            epochs, [row[f"{split}_accuracy"] for row in history], "o" + style,
            label=f"manual, {split}",
        )  # fmt: skip
        accuracy_axis.plot(
            epochs, [row[f"torch_{split}_accuracy"] for row in history], "x" + style,
            label=f"torch, {split}",
        )  # fmt: skip
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy", title="Accuracy after each epoch")
    accuracy_axis.legend()
    diff_axis.semilogy(epochs, [max(row["max_param_rel_diff"], 1e-300) for row in history], "o-")
    diff_axis.set(
        xlabel="epoch",
        ylabel="max relative parameter difference",
        title="Manual vs torch trajectory",
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    with one_thread_per_pool() as threads:
        return _train(args, threads)


def _train(args: argparse.Namespace, threads: dict[str, Any]) -> int:
    from torch_reference.commands.training import TEST_FRACTION, TorchTrainer, load_digits_split

    start = time.perf_counter()
    dtype = np.dtype(args.dtype)
    data = load_digits_split(dtype)
    sizes = (data.X_train.shape[1], *args.hidden, 10)
    params = init_params(sizes, seed=args.seed, dtype=dtype)
    reference = TorchTrainer(params.copy(), args.lr, args.weight_decay)
    print(
        f"digits: {len(data.y_train)} train / {len(data.y_test)} test ({TEST_FRACTION:.0%}), "
        f"network {'-'.join(map(str, sizes))}, {args.dtype}, lr {args.lr}, "
        f"batch {args.batch_size}, seed {args.seed}"
    )
    print(
        f"threads: torch {threads['torch']} (set by the {threads['torch_set_by']}), "
        f"NumPy's BLAS {threads['blas']} (set by the {threads['blas_set_by']}); "
        "OMP_NUM_THREADS, MKL_NUM_THREADS or OPENBLAS_NUM_THREADS choose them"
    )
    n_train = len(data.y_train)
    steps_per_epoch = -(-n_train // args.batch_size)
    if args.batch_size > n_train:
        print(
            f"note: --batch-size {args.batch_size} is more than the {n_train} training examples: "
            f"each epoch is one step on all of them (full-batch gradient descent), "
            f"{args.epochs} steps in all"
        )
    print("train loss: J / B on the whole training set after each epoch (manual, torch)")
    print(
        f"{'epoch':>5}  {'train loss':>10} {'torch':>10}  {'train acc':>9} {'torch':>6}  "
        f"{'test acc':>8} {'torch':>6}  {'max rel diff':>12}"
    )
    history: list[dict[str, Any]] = []
    for epoch in range(1, args.epochs + 1):
        batches = batch_order(len(data.y_train), args.batch_size, args.seed, epoch)
        running = train_epoch(
            params, data.X_train, data.y_train, batches, args.lr, weight_decay=args.weight_decay
        )
        torch_running = reference.train_epoch(data.X_train, data.y_train, batches)
        row = {
            "epoch": epoch,
            "train_loss": mean_loss(params, data.X_train, data.y_train),
            "torch_train_loss": reference.mean_loss(data.X_train, data.y_train),
            "running_minibatch_loss": running,
            "torch_running_minibatch_loss": torch_running,
            "train_accuracy": accuracy(params, data.X_train, data.y_train),
            "torch_train_accuracy": reference.accuracy(data.X_train, data.y_train),
            "test_accuracy": accuracy(params, data.X_test, data.y_test),
            "torch_test_accuracy": reference.accuracy(data.X_test, data.y_test),
            "max_param_rel_diff": max_param_rel_diff(params, reference.params()),
        }
        history.append(row)
        print(
            f"{epoch:>5}  {row['train_loss']:>10.6f} {row['torch_train_loss']:>10.6f}  "
            f"{row['train_accuracy']:>9.4f} {row['torch_train_accuracy']:>6.4f}  "
            f"{row['test_accuracy']:>8.4f} {row['torch_test_accuracy']:>6.4f}  "
            f"{row['max_param_rel_diff']:>12.3e}"
        )
    elapsed = time.perf_counter() - start
    final = history[-1]
    print(
        f"\ntest accuracy {final['test_accuracy']:.4f} (torch {final['torch_test_accuracy']:.4f}), "
        f"max relative parameter difference {final['max_param_rel_diff']:.3e}, "
        f"{elapsed:.1f} s"
    )
    if args.json:  # first: the results must not depend on the other outputs
        _write_json(
            args.json,
            {
                "test_accuracy": final["test_accuracy"],
                "torch_test_accuracy": final["torch_test_accuracy"],
                "train_loss": final["train_loss"],
                "torch_train_loss": final["torch_train_loss"],
                "max_param_rel_diff": final["max_param_rel_diff"],
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "steps_per_epoch": steps_per_epoch,
                "lr": args.lr,
                "weight_decay": args.weight_decay,
                "layer_sizes": list(sizes),
                "dtype": args.dtype,
                "seed": args.seed,
                "threads": threads,
                "elapsed_s": elapsed,
                "history": history,
            },
        )
        print(f"results written to {args.json}")
    if args.save:
        save_params(args.save, params)
        print(f"parameters saved to {args.save}")
    if args.plot:
        _plot(args.plot, history)
        print(f"plot written to {args.plot}")
    return 0
