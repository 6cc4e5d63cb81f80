"""The ``manual-backprop`` command.

It lives in :mod:`torch_reference` because every subcommand compares the hand-written gradients
with an oracle; :mod:`manual_backprop` itself never imports torch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _add_verify(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        help="check every equation against autograd and finite differences",
        description=(
            "Check each equation of the derivation against torch autograd (on every available "
            "device) and central finite differences (float64), print one row per check and "
            "exit 0 only if all pass."
        ),
    )
    verify.add_argument("--json", type=Path, metavar="PATH", help="write the certificate here")
    verify.add_argument(
        "--device",
        choices=["cpu", "cuda", "all"],
        default="all",
        help="all (default): cpu, and cuda when it is available",
    )
    verify.add_argument("--dtype", choices=["float64", "float32", "all"], default="all")
    verify.add_argument("--seed", type=int, default=0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manual-backprop",
        description="Backpropagation by hand, checked equation by equation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_verify(sub)
    from torch_reference import train_command

    train_command.add_parser(sub)
    from torch_reference import bench_command

    bench_command.add_parser(sub)
    return parser


def run_verify(args: argparse.Namespace, implementation: Any = None) -> int:
    import torch

    from torch_reference.verify import certificate, format_table, run_checks

    cuda = torch.cuda.is_available()
    if args.device == "cuda" and not cuda:
        print("manual-backprop verify: --device cuda, but torch.cuda.is_available() is False",
              file=sys.stderr)  # fmt: skip
        return 2
    devices = {"cpu": ["cpu"], "cuda": ["cuda"], "all": ["cpu"] + (["cuda"] if cuda else [])}
    dtypes = ["float64", "float32"] if args.dtype == "all" else [args.dtype]
    start = time.perf_counter()
    rows = run_checks(devices[args.device], dtypes, args.seed, implementation)
    elapsed = time.perf_counter() - start
    print(format_table(rows))
    failed = [row for row in rows if not row.passed]
    note = "" if cuda or args.device != "all" else " (no CUDA device here: cpu only)"
    where = f"on {', '.join(devices[args.device])}{note}, dtypes {', '.join(dtypes)}"
    if failed:
        print(f"\nFAIL: {len(failed)} of {len(rows)} checks failed, {where}, in {elapsed:.1f} s.")
    else:
        print(
            f"\nPASS: all {len(rows)} checks passed, {where}, seed {args.seed}, in {elapsed:.1f} s."
        )
    if args.json:
        document = certificate(rows, devices[args.device], args.seed)
        document["environment"]["elapsed_s"] = round(elapsed, 3)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"Certificate written to {args.json}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        return run_verify(args)
    if args.command == "train":
        from torch_reference import train_command

        return train_command.run(args)
    if args.command == "bench":
        from torch_reference import bench_command

        return bench_command.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
