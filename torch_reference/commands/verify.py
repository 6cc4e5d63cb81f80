"""``manual-backprop verify``: the per-equation table on screen and the certificate on disk."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import manual_backprop
from manual_backprop.checks.jax_oracle import jax_version
from torch_reference.commands.arguments import non_negative_int, output_path
from torch_reference.commands.machine import cpu_model

__all__ = ["NEEDS", "add_parser", "certificate", "environment", "format_table", "run"]

#: Imported when the command runs (jax is optional: its rows skip without it).
NEEDS = ("torch", "sympy")


def add_parser(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="check every equation against autograd and finite differences",
        description=(
            "Check each equation of the derivation against torch autograd (on every available "
            "device) and central finite differences (float64), print one row per check and "
            "exit 0 only if all pass."
        ),
    )
    verify.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write the certificate here (in a folder that exists; checked before any work)",
    )
    verify.add_argument(
        "--device",
        choices=["cpu", "cuda", "all"],
        default="all",
        help="all: cpu, and cuda when it is available",
    )
    verify.add_argument(
        "--dtype",
        choices=["float64", "float32", "all"],
        default="all",
        help="of the parity rows; the finite-difference and kink rows are float64 always",
    )
    verify.add_argument("--seed", type=non_negative_int, default=0, help="of every problem")


def run(args: argparse.Namespace, implementation: Any = None) -> int:
    import torch

    from torch_reference.claims import run_checks

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
    where = (
        f"on {', '.join(devices[args.device])}{note}, dtypes {', '.join(sorted(dtypes))} "
        "(the finite-difference rows: float64 on the CPU, always)"
    )
    if failed:
        print(f"\nFAIL: {len(failed)} of {len(rows)} checks failed, {where}, in {elapsed:.1f} s.")
    else:
        print(
            f"\nPASS: all {len(rows)} checks passed, {where}, seed {args.seed}, in {elapsed:.1f} s."
        )
    if args.json:
        document = certificate(rows, devices[args.device], args.seed)
        document["environment"]["elapsed_s"] = round(elapsed, 3)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"Certificate written to {args.json}")
    skipped = [] if jax_version() else ["jax.grad (jax is not installed)"]
    if skipped:
        print(f"Skipped oracles: {', '.join(skipped)}")
    return 1 if failed else 0


def environment(devices: Sequence[str], seed: int) -> dict[str, Any]:
    """Versions, BLAS, CPU and GPU of this run: what a reader needs to reproduce it."""
    import torch

    blas: Any = None
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas") if config else None
    except (TypeError, ValueError):  # numpy < 1.26
        blas = None
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "jax": jax_version(),
        "manual_backprop": manual_backprop.__version__,
        "blas": blas,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "seed": seed,
        "devices": list(devices),
        "tf32": {
            "oracle": "off (matmul and cuDNN, during every check)",
            "default_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
            "default_cudnn": bool(torch.backends.cudnn.allow_tf32),
        },
        "gpu": None,
        "cuda": None,
    }
    if "cuda" in devices and torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
        env["cuda"] = torch.version.cuda
    return env


def derivation_sha256() -> str | None:
    """SHA-256 of the derivation that ships with the package (``manual_backprop/derivation.md``,
    the bytes of ``docs/derivation.md``): what a certificate was checked against, with or
    without a git checkout."""
    try:
        text = resources.files("manual_backprop").joinpath("derivation.md").read_bytes()
    except OSError:
        return None
    return hashlib.sha256(text).hexdigest()


def source_commit() -> str | None:
    """The git commit of the checked code, where it runs from a clone of this project; else None
    (an installed wheel has no commit: its version and the derivation's hash say what it is)."""
    root = Path(manual_backprop.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "docs" / "derivation.md").is_file():
        return None  # not the source tree (a wheel inside some other repository, say)
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def equation_link(equation: str) -> str:
    """Where the documentation site shows ``equation``: ``derivation/#eq-16`` for "(16)",
    "(26)-(28)" or "(18)/(19)" (the first number), the section or the errata otherwise."""
    number = re.match(r"\((\d+)", equation)
    if number:
        return f"derivation/#eq-{number.group(1)}"
    if equation.startswith("erratum"):
        return "derivation/#errata"
    if equation == "row form":
        return "derivation/#2-the-chain-rule-in-a-general-layer-9-16"
    return "derivation/#5-the-algorithm-section-15"  # sec. 1.5


def certificate(rows: Sequence[Any], devices: Sequence[str], seed: int) -> dict[str, Any]:
    """The JSON document: ``environment``, ``checks`` and the top-level ``passed``."""
    return {
        "schema": "manual-backprop-certificate/2",
        "derivation": {
            "document": "docs/derivation.md",
            "sha256": derivation_sha256(),
            "package_version": manual_backprop.__version__,
            "commit": source_commit(),
            "numbering": "M. Garg, Assignment 4 (2023)",
        },
        "environment": environment(devices, seed),
        "checks": [{**asdict(row), "link": equation_link(row.equation)} for row in rows],
        "passed": all(row.passed for row in rows),
        "summary": {
            "checks": len(rows),
            "failed": sum(not row.passed for row in rows),
        },
    }


#: The quantity column wraps at this width: the proof rows name their networks, and one long
#: quantity would otherwise widen every line of the table past 300 characters.
QUANTITY_WIDTH = 56


def format_table(rows: Sequence[Any]) -> str:
    """The per-equation table, one row per check, "exact? close? max diff" style.

    A quantity longer than :data:`QUANTITY_WIDTH` continues on the lines below its row, every
    other cell blank there; the row's first line holds all of its other cells.
    """
    headers = ["equation", "quantity", "oracle", "device", "dtype", "max abs err",
               "max rel err", "tolerance", "result", "on the site"]  # fmt: skip

    def numbers(row: Any) -> list[str]:
        if row.criterion == "proof":  # exact: no error to measure, no tolerance
            return ["-", "-", "none"]
        tolerance = f"{'atol ' if row.criterion == 'abs' else ''}{row.tolerance:.2e}"
        return [f"{row.max_abs_err:.2e}", f"{row.max_rel_err:.2e}", tolerance]

    body = []
    for row in rows:
        quantity = textwrap.wrap(
            row.quantity, QUANTITY_WIDTH, break_long_words=False, break_on_hyphens=False
        ) or [""]
        body.append(
            [row.equation, quantity[0], row.oracle, row.device, row.dtype, *numbers(row),
             "PASS" if row.passed else "FAIL", equation_link(row.equation)]
        )  # fmt: skip
        body += [["", more] + [""] * (len(headers) - 2) for more in quantity[1:]]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    lines.append(
        '("on the site": the row\'s equation on the documentation site, relative to its root; '
        'the same as in docs/derivation.md, and each certificate row\'s "link")'
    )
    return "\n".join(lines)
