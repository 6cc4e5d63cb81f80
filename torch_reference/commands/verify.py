"""``manual-backprop verify``: the per-equation table on screen and the certificate on disk."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
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


def run(args: argparse.Namespace, implementation: Any = None) -> int:
    import torch

    from torch_reference.claims import certificate, format_table, run_checks

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
