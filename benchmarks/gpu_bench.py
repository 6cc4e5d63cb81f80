"""The GPU benchmark: each CUDA contender alone in its own process, process runs alternating.

    python3 benchmarks/gpu_bench.py --json gpu_results/bench.json [--runs 3] [--compiled-runs 1]

The contenders (:data:`torch_reference.commands.contenders.CUDA_CONTENDERS`), on 784-1024-512-10
with B = 256, 2,048, 16,384 and 65,536 in float32 and float64, TF32 off, each step synchronised:

* ``manual_cuda``: :func:`manual_backprop.gradients` on CUDA tensors, every check included;
* ``manual_cuda_graph``: the equations alone (``backpropagate``) captured in a CUDA graph;
* ``manual_cuda_compiled``: the equations alone through ``torch.compile``, an opt-in reported
  beside the plain step (``--compiled-runs``; it compiles in every process, so it runs fewer
  times);
* ``torch_cuda``: autograd through the ``torch_reference`` ``nn.Module``;
* ``floor_cuda``: the step's matrix products alone, by cuBLAS.

Each process is ``python -m torch_reference.commands.contenders NAME`` (the same runner as
``manual-backprop bench``): it warms up, times call by call for ``--budget`` seconds per
configuration and keeps the median; the figure reported is the median over the runs. The
targets are checked as the project judges them: a ratio within 3% of its target is a tie.
The card, the CUDA version and the commit (``--commit`` or ``$COMMIT``) head the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from torch_reference.commands.bench import format_ms, format_ratio, ratio, run_contender, verdict
from torch_reference.commands.contenders import CUDA_CONTENDERS

NETWORK = "784-1024-512-10"
BATCHES = (256, 2048, 16384, 65536)
DTYPES = ("float32", "float64")
PLAIN = tuple(name for name in CUDA_CONTENDERS if name != "manual_cuda_compiled")
#: (name, numerator, denominator, batches it applies to, target): ratio <= target.
TARGETS = (
    ("manual/autograd", "manual_cuda", "torch_cuda", BATCHES, 1.0),
    ("manual/floor", "manual_cuda", "floor_cuda", (65536,), 1.15),
    ("graph/autograd", "manual_cuda_graph", "torch_cuda", (256,), 0.8),
)


def configurations() -> list[tuple[str, int, str]]:
    """(network, B, dtype) for every row of the table."""
    return [(NETWORK, batch, dtype) for dtype in DTYPES for batch in BATCHES]


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return float(np.median(present)) if present else None


def rows_from(
    configs: list[tuple[str, int, str]], per_run: dict[str, list[list[float] | None]]
) -> list[dict[str, Any]]:
    """One row per configuration: each contender's median over its runs, and the ratios."""
    rows = []
    for i, (network, batch, dtype) in enumerate(configs):
        row: dict[str, Any] = {"sizes": network, "batch": batch, "dtype": dtype}
        for name, runs in per_run.items():
            row[f"{name}_s"] = _median([run[i] if run else None for run in runs])
        for label, numerator, denominator, _, _ in TARGETS:
            row[label] = ratio(row.get(f"{numerator}_s"), row.get(f"{denominator}_s"))
        row["compiled/autograd"] = ratio(row.get("manual_cuda_compiled_s"), row.get("torch_cuda_s"))
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], heading: str) -> str:
    """The markdown table docs/performance.md quotes, then each target's verdict."""
    lines = [
        heading,
        "",
        "| B | dtype | manual ms | CUDA graph ms | compiled ms | autograd ms | cuBLAS floor ms "
        "| manual/autograd | graph/autograd | compiled/autograd | manual/floor |",
        "| ---: | --- |" + " ---: |" * 9,
    ]
    for row in rows:
        times = " | ".join(format_ms(row.get(f"{name}_s")) for name in CUDA_CONTENDERS)
        ratios = " | ".join(
            format_ratio(row[label])
            for label in ("manual/autograd", "graph/autograd", "compiled/autograd", "manual/floor")
        )
        lines.append(f"| {row['batch']} | {row['dtype']} | {times} | {ratios} |")
    lines.append("")
    for label, _, _, batches, target in TARGETS:
        for row in rows:
            if row["batch"] in batches:
                lines.append(
                    f"- {label} <= {target} at B = {row['batch']}, {row['dtype']}: "
                    f"{format_ratio(row[label])}, {verdict(row[label], target)}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="processes per plain contender")
    parser.add_argument(
        "--compiled-runs", type=int, default=1, help="processes for manual_cuda_compiled (0: none)"
    )
    parser.add_argument("--budget", type=float, default=0.3, help="timed seconds per config")
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds per process")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--commit", default=os.environ.get("COMMIT", "unknown"))
    args = parser.parse_args(argv)
    configs = configurations()
    schedule = [list(PLAIN[r % len(PLAIN) :] + PLAIN[: r % len(PLAIN)]) for r in range(args.runs)]
    schedule += [["manual_cuda_compiled"]] * args.compiled_runs
    per_run: dict[str, list[list[float] | None]] = {name: [] for name in CUDA_CONTENDERS}
    libraries: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for r, order in enumerate(schedule, start=1):
        for name in order:
            try:
                result = run_contender(name, configs, args.budget, timeout=args.timeout)
            except RuntimeError as error:  # reported, and the others still run
                print(f"  {name}: {error}", flush=True)
                failures[name] = str(error)[-2000:]
                per_run[name].append(None)
                continue
            per_run[name].append(result["medians_s"])
            libraries[name] = result["library"]
        print(f"  run {r}/{len(schedule)} done: {', '.join(order)}", flush=True)
    rows = rows_from(configs, per_run)
    card = next((info["gpu"] for info in libraries.values() if info.get("gpu")), "unknown card")
    cuda = next((info["cuda"] for info in libraries.values() if info.get("cuda")), "?")
    library = next((info["library"] for info in libraries.values()), "?")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    heading = (
        f"{card}, CUDA {cuda}, {library}; {when}; commit {args.commit}; {NETWORK}, TF32 off; "
        f"each contender alone in its own process, {args.runs} alternating runs "
        f"({args.compiled_runs} for compiled), median of per-process medians"
    )
    print(table(rows, heading))
    if args.json:
        document = {
            "environment": {"card": card, "cuda": cuda, "contenders": libraries,
                            "commit": args.commit, "date": when, "runs": args.runs,
                            "compiled_runs": args.compiled_runs, "budget_s": args.budget},
            "rows": rows,
            "per_run_medians_s": per_run,
            "failures": failures,
        }  # fmt: skip
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
