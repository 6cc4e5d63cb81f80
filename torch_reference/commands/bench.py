"""``manual-backprop bench``: every contender alone in its own process, with its library's defaults.

How it measures (what users get, not what a shared process gives):

* each contender (:data:`~torch_reference.commands.contenders.CPU_CONTENDERS`) runs in a fresh
  Python process of its own, ``python -m torch_reference.commands.contenders NAME``, which
  imports only its own library and changes no thread or environment setting; this process
  passes the environment on as it found it;
* process runs alternate between the contenders (the order rotates from one run to the next),
  so whatever the machine does meanwhile hits them alike;
* within a process, each configuration is warmed up, then timed call by call for a budget of
  seconds, and its median kept; the figure reported is the median of those over the runs;
* the floor is the step's matrix products alone, by each BLAS present (NumPy's and torch's), and
  ratios are taken against the faster; "torch" is the faster of its two forms and "manual" the
  faster of its two.

The report records the CPU, its cores, each contender's library, BLAS and thread counts, as that
contender's own process saw them. The memory check runs one manual gradient step under
``tracemalloc`` in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from manual_backprop import gradients
from manual_backprop.checks.problems import make_problem
from manual_backprop.forward import forward
from torch_reference.commands.arguments import (
    finite_positive_float,
    output_path,
    plot_path,
    positive_int,
)
from torch_reference.commands.contenders import CPU_CONTENDERS
from torch_reference.commands.machine import cpu_model

__all__ = [
    "COLOURS",
    "NEEDS",
    "SIZES",
    "TIE",
    "add_parser",
    "format_ms",
    "format_ratio",
    "peak_memory",
    "ratio",
    "run",
    "run_contender",
    "verdict",
]

#: Imported by the contenders' processes when the command runs.
NEEDS = ("torch", "sklearn")
SIZES = {"784-1024-512-10": (784, 1024, 512, 10), "64-128-64-10": (64, 128, 64, 10)}
BATCHES = (1, 16, 256, 2048)
DTYPES = ("float32", "float64")
#: One colour per contender, in every panel and every plot (matplotlib's tab10).
COLOURS = dict(zip(CPU_CONTENDERS, ("C0", "C1", "C2", "C3", "C4", "C7", "C8")))


def add_parser(sub: Any) -> None:
    bench = sub.add_parser(
        "bench",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="time the manual gradients against torch, scikit-learn and the GEMM floors",
        description=(
            "Time one gradient step (J and every gradient) of each contender, each alone in a "
            "fresh process with its library's defaults, process runs alternating; report "
            "medians, the ratios manual/torch, manual/sklearn and manual/floor, and the peak "
            "memory of one manual step."
        ),
    )
    bench.add_argument("--quick", action="store_true", help="784-1024-512-10 at B = 1 and 256 only")
    bench.add_argument("--runs", type=positive_int, default=5, help="fresh processes per contender")
    bench.add_argument(
        "--budget",
        type=finite_positive_float,
        default=0.5,
        help="seconds of timed calls per configuration in each process",
    )
    bench.add_argument(
        "--contenders",
        nargs="+",
        choices=CPU_CONTENDERS,
        default=list(CPU_CONTENDERS),
        metavar="NAME",
        help=f"a subset of: {', '.join(CPU_CONTENDERS)}",
    )
    bench.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write the results here (in a folder that exists; checked before any work)",
    )
    bench.add_argument(
        "--plot",
        type=plot_path,
        metavar="PATH",
        help="draw the times here (in a folder that exists; checked before any work)",
    )


def configurations(quick: bool) -> list[tuple[str, int, str]]:
    """(network, B, dtype) for every row of the table."""
    names, batches = (["784-1024-512-10"], (1, 256)) if quick else (list(SIZES), BATCHES)
    return [(name, batch, dtype) for dtype in DTYPES for name in names for batch in batches]


def run_contender(
    name: str, configs: list[tuple[str, int, str]], budget: float, timeout: float | None = None
) -> dict[str, Any]:
    """One fresh process for ``name``: its median per configuration, and its library.

    Raises RuntimeError when the process fails or outlives ``timeout`` seconds.
    """
    payload = json.dumps([[SIZES[network], batch, dtype] for network, batch, dtype in configs])
    command = [sys.executable, "-m", "torch_reference.commands.contenders", name, payload]
    try:
        done = subprocess.run(
            [*command, "--budget", str(budget)],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"bench: contender {name} took over {timeout} s") from error
    if done.returncode != 0:
        raise RuntimeError(f"bench: contender {name} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None where either is missing."""
    return None if numerator is None or not denominator else numerator / denominator


#: A ratio within 3% of its target is a tie, neither a win nor a miss (the project's rule).
TIE = 0.03


def verdict(value: float | None, target: float) -> str:
    """ "met", "tie" (within 3% of the target, either side), "missed", or "not run"."""
    if value is None:
        return "not run"
    if abs(value - target) <= TIE * target:
        return "tie"
    return "met" if value < target else "missed"


def _best(*values: float | None) -> float | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def table_rows(
    configs: list[tuple[str, int, str]], medians: dict[str, list[float]]
) -> list[dict[str, Any]]:
    """One row per configuration: each contender's median and the ratios of the issue."""
    rows = []
    for i, (network, batch, dtype) in enumerate(configs):
        row: dict[str, Any] = {"sizes": network, "batch": batch, "dtype": dtype}
        seconds = {name: values[i] for name, values in medians.items()}
        row.update({f"{name}_s": seconds.get(name) for name in CPU_CONTENDERS})
        manual = _best(seconds.get("manual"), seconds.get("manual_torch"))
        torch_best = _best(seconds.get("torch_module"), seconds.get("torch_functional"))
        floor = _best(seconds.get("floor_numpy"), seconds.get("floor_torch"))
        row["manual/torch"] = ratio(manual, torch_best)
        row["manual_numpy/sklearn"] = ratio(seconds.get("manual"), seconds.get("sklearn"))
        row["manual/floor"] = ratio(manual, floor)
        rows.append(row)
    return rows


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1e3:.3f}"


def format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_rows(rows: list[dict[str, Any]]) -> str:
    """The table: ms per step for each contender, then the ratios (best manual, best torch)."""
    widths = [max(len(name), 8) for name in CPU_CONTENDERS]
    ratios = ("manual/torch", "manual_numpy/sklearn", "manual/floor")
    header = f"{'network':<16} {'B':>5} {'dtype':<7} " + " ".join(
        f"{name:>{width}}" for name, width in zip(CPU_CONTENDERS, widths)
    )
    header += " " + " ".join(ratios)
    lines = [header + "   (ms per step; ratios of medians)"]
    for row in rows:
        lines.append(
            f"{row['sizes']:<16} {row['batch']:>5} {row['dtype']:<7} "
            + " ".join(
                f"{format_ms(row[f'{name}_s']):>{width}}"
                for name, width in zip(CPU_CONTENDERS, widths)
            )
            + " "
            + " ".join(f"{format_ratio(row[label]):>{len(label)}}" for label in ratios)
        )
    return "\n".join(lines)


def peak_memory(sizes: tuple[int, ...], batch: int, dtype: Any) -> dict[str, float]:
    """Peak bytes of one manual gradient step, against the footprint of a step that frees
    nothing early.

    That footprint is params + grads + every ``Z^l`` and ``A^l`` of the forward pass, all held
    until the step ends, as a textbook backward pass holds them. The step frees each ``Z^l`` and
    ``A^(l-1)`` as soon as its layer is done (``backpropagate``), so its peak can lie below that
    footprint (ratio < 1); a ratio above 1 means extra temporaries. The measured figure is the
    params (already there) plus the ``tracemalloc`` peak of the step.
    """
    problem = make_problem(sizes, batch, dtype=dtype, seed=0)
    params_bytes = sum(a.nbytes for a in problem.params.weights + problem.params.biases)
    passed = forward(problem.params, problem.X)
    cache_bytes = sum(a.nbytes for a in passed.pre_activations + passed.activations[1:])
    del passed
    footprint = 2 * params_bytes + cache_bytes  # params + grads + every Z and A, none freed
    gradients(problem.params, problem.X, problem.Y)  # warm-up
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        gradients(problem.params, problem.X, problem.Y)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return {
        "batch": float(batch),
        "no_early_free_bytes": float(footprint),
        "peak_bytes": float(params_bytes + peak),
        "ratio": (params_bytes + peak) / footprint,
    }


def _plot(path: Path, rows: list[dict[str, Any]], contenders: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted({(row["sizes"], row["dtype"]) for row in rows})
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (size_name, dtype) in zip(axes[0], panels):
        selected = [r for r in rows if r["sizes"] == size_name and r["dtype"] == dtype]
        for name in contenders:
            points = [(r["batch"], r[f"{name}_s"]) for r in selected if r[f"{name}_s"]]
            if points:
                batch, seconds = zip(*points)
                style = "--" if name.startswith("floor") else "o-"
                axis.loglog(
                    batch, [s * 1e3 for s in seconds], style, label=name, color=COLOURS[name]
                )
        axis.set(xlabel="batch size B", ylabel="ms per gradient step", title=f"{size_name} {dtype}")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run(args: argparse.Namespace) -> int:
    configs = configurations(args.quick)
    contenders = list(dict.fromkeys(args.contenders))
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; each contender alone in a fresh process with "
        f"its library's defaults; {args.runs} runs, alternating; medians"
    )
    per_run: dict[str, list[list[float]]] = {name: [] for name in contenders}
    libraries: dict[str, Any] = {}
    for r in range(args.runs):
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for name in order:
            result = run_contender(name, configs, args.budget)
            per_run[name].append(result["medians_s"])
            libraries[name] = result["library"]
        print(f"  run {r + 1}/{args.runs} done", flush=True)
    medians = {name: list(np.median(np.array(runs), axis=0)) for name, runs in per_run.items()}
    rows = table_rows(configs, medians)
    print(format_rows(rows))
    memory_batch = 256 if args.quick else 2048
    memory = peak_memory(SIZES["784-1024-512-10"], memory_batch, np.float64)
    print(
        f"\npeak memory of one manual step (784-1024-512-10, B = {memory_batch}, float64): "
        f"{memory['peak_bytes'] / 2**20:.1f} MiB, {memory['ratio']:.3f}x the "
        f"{memory['no_early_free_bytes'] / 2**20:.1f} MiB of a step that frees nothing early "
        f"(params + grads + every Z and A; below 1: Z and A are freed once their layer is done)"
    )
    for name, info in libraries.items():
        print(f"  {name}: {info['library']}, BLAS {info['blas']}, threads {info['threads']}")
    if args.json:  # first: the results must not depend on the plot
        document = {
            "environment": {
                "cpu": cpu_model(),
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "python": sys.version.split()[0],
                "contenders": libraries,
                "runs": args.runs,
                "budget_s": args.budget,
                "method": "each contender alone in a fresh process, library defaults, "
                "runs alternating; median over runs of per-process medians",
            },
            "rows": rows,
            "per_run_medians_s": per_run,
            "memory": memory,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    if args.plot:
        _plot(args.plot, rows, contenders)
        print(f"plot written to {args.plot}")
    return 0
