"""``manual-backprop train``: the manual network and torch.optim.SGD side by side on the digits."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from manual_backprop import init_params
from manual_backprop.checks.tolerances import normwise_error
from manual_backprop.serialization import save_params
from manual_backprop.training import accuracy, batch_order, train_epoch
from torch_reference.commands.training import TEST_FRACTION, TorchTrainer, load_digits_split

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    train = sub.add_parser(
        "train",
        help="train on the bundled UCI digits with the hand-written gradients, beside torch SGD",
        description=(
            "Mini-batch SGD on scikit-learn's bundled 8x8 digits (75/25 stratified split, "
            "random_state=0), with the manual gradients and, from the same initial parameters "
            "and in the same batch order, torch.optim.SGD on the torch_reference model."
        ),
    )
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--lr", type=float, default=0.1)
    train.add_argument("--weight-decay", type=float, default=0.0, help="PyTorch's L2 scaling")
    train.add_argument("--hidden", type=int, nargs="+", default=[128, 64], metavar="N")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    train.add_argument("--json", type=Path, metavar="PATH")
    train.add_argument("--plot", type=Path, metavar="PATH")
    train.add_argument("--save", type=Path, metavar="PATH.npz")


def max_param_rel_diff(manual: Any, reference: Any) -> float:
    """The largest norm-wise relative difference over all weights and biases."""
    return max(
        normwise_error(a, b)[1]
        for a, b in zip(manual.weights + manual.biases, reference.weights + reference.biases)
    )


def _plot(path: Path, history: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in history]
    figure, (loss_axis, diff_axis) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axis.plot(epochs, [row["loss"] for row in history], "o-", label="manual (NumPy)")
    loss_axis.plot(epochs, [row["torch_loss"] for row in history], "x--", label="torch.optim.SGD")
    loss_axis.set(xlabel="epoch", ylabel="mean training loss J / B", title="Loss")
    loss_axis.legend()
    diff_axis.semilogy(epochs, [max(row["max_param_rel_diff"], 1e-300) for row in history], "o-")
    diff_axis.set(
        xlabel="epoch",
        ylabel="max relative parameter difference",
        title="Manual vs torch trajectory",
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def run(args: argparse.Namespace) -> int:
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            raise SystemExit(f"manual-backprop train: --{name.replace('_', '-')} must be >= 1")
    if args.lr <= 0 or args.weight_decay < 0 or any(n < 1 for n in args.hidden):
        raise SystemExit("manual-backprop train: need --lr > 0, --weight-decay >= 0, --hidden >= 1")
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
        f"{'epoch':>5}  {'loss':>10} {'torch':>10}  {'train acc':>9} {'torch':>6}  "
        f"{'test acc':>8} {'torch':>6}  {'max rel diff':>12}"
    )
    history: list[dict[str, Any]] = []
    for epoch in range(1, args.epochs + 1):
        batches = batch_order(len(data.y_train), args.batch_size, args.seed, epoch)
        loss = train_epoch(
            params, data.X_train, data.y_train, batches, args.lr, weight_decay=args.weight_decay
        )
        torch_loss = reference.train_epoch(data.X_train, data.y_train, batches)
        row = {
            "epoch": epoch,
            "loss": loss,
            "torch_loss": torch_loss,
            "train_accuracy": accuracy(params, data.X_train, data.y_train),
            "torch_train_accuracy": reference.accuracy(data.X_train, data.y_train),
            "test_accuracy": accuracy(params, data.X_test, data.y_test),
            "torch_test_accuracy": reference.accuracy(data.X_test, data.y_test),
            "max_param_rel_diff": max_param_rel_diff(params, reference.params()),
        }
        history.append(row)
        print(
            f"{epoch:>5}  {loss:>10.6f} {torch_loss:>10.6f}  {row['train_accuracy']:>9.4f} "
            f"{row['torch_train_accuracy']:>6.4f}  {row['test_accuracy']:>8.4f} "
            f"{row['torch_test_accuracy']:>6.4f}  {row['max_param_rel_diff']:>12.3e}"
        )
    elapsed = time.perf_counter() - start
    final = history[-1]
    print(
        f"\ntest accuracy {final['test_accuracy']:.4f} (torch {final['torch_test_accuracy']:.4f}), "
        f"max relative parameter difference {final['max_param_rel_diff']:.3e}, "
        f"{elapsed:.1f} s"
    )
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        save_params(args.save, params)
        print(f"parameters saved to {args.save}")
    if args.plot:
        _plot(args.plot, history)
        print(f"plot written to {args.plot}")
    if args.json:
        document = {
            "test_accuracy": final["test_accuracy"],
            "torch_test_accuracy": final["torch_test_accuracy"],
            "max_param_rel_diff": final["max_param_rel_diff"],
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "weight_decay": args.weight_decay,
            "layer_sizes": list(sizes),
            "dtype": args.dtype,
            "seed": args.seed,
            "elapsed_s": elapsed,
            "history": history,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    return 0
