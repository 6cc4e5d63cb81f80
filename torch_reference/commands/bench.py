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

It also says when its figures cannot be trusted (:func:`trust_warnings`): the load average before
and after the runs, each figure's spread over the runs (min-max), and a warning, in the table and
the JSON, when the load exceeded the cores, when a figure's spread exceeds 25% of its median, or
when a contender beats its own library's GEMM floor by more than 10%, which a step that does
those products and more cannot do on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
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
    "spreads",
    "trust_warnings",
    "verdict",
]

#: Imported by the contenders' processes when the command runs.
NEEDS = ("torch", "sklearn")
SIZES = {"784-1024-512-10": (784, 1024, 512, 10), "64-128-64-10": (64, 128, 64, 10)}
BATCHES = (1, 16, 256, 2048)
DTYPES = ("float32", "float64")
#: One colour per contender, in every panel and every plot (matplotlib's tab10).
COLOURS = dict(zip(CPU_CONTENDERS, ("C0", "C1", "C2", "C3", "C4", "C7", "C8")))


#: A figure whose runs spread over more than this fraction of its median is not trusted.
MAX_SPREAD = 0.25
#: A contender faster than this fraction of its own library's GEMM floor is not trusted.
MIN_OVER_FLOOR = 0.90
#: Each contender's own library's floor: the same BLAS does its products.
OWN_FLOOR = {
    "manual": "floor_numpy",
    "sklearn": "floor_numpy",
    "manual_torch": "floor_torch",
    "torch_module": "floor_torch",
    "torch_functional": "floor_torch",
}
RERUN = "rerun on an idle machine"
#: The table prints this many warnings, then how many more the JSON holds.
SHOWN_WARNINGS = 12


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


def spreads(per_run: dict[str, list[list[float]]]) -> dict[str, list[dict[str, Any]]]:
    """Each figure's spread over the runs: min, max and ``(max - min) / median``.

    ``per_run[name][r][i]`` is contender ``name``'s per-process median in run ``r`` for
    configuration ``i``. With one run the spread is None (not measured).
    """
    result: dict[str, list[dict[str, Any]]] = {}
    for name, runs in per_run.items():
        values = np.array(runs)
        result[name] = [
            {
                "min_s": float(column.min()),
                "max_s": float(column.max()),
                "spread": (
                    float((column.max() - column.min()) / np.median(column))
                    if len(column) > 1
                    else None
                ),
            }
            for column in values.T
        ]
    return result


def trust_warnings(
    configs: list[tuple[str, int, str]],
    medians: dict[str, list[float]],
    spread: dict[str, list[dict[str, Any]]],
    loads: dict[str, list[float]],
    cores: int,
) -> tuple[list[str], list[list[str]]]:
    """Why the figures cannot be trusted: the whole run's warnings, and each row's.

    Parameters
    ----------
    configs : list of (network, B, dtype)
        One per row.
    medians : dict of contender name to list of float
        Seconds per step, one per row.
    spread : dict of contender name to list of dict
        :func:`spreads` of the same runs.
    loads : dict with "before" and "after", each (1, 5, 15)-minute load averages
        Read before the first run and after the last (:func:`os.getloadavg`).
    cores : int
        The machine's cores.

    Returns
    -------
    (list of str, list of list of str)
        The run's warnings (a load above the cores), each row's (a spread above
        :data:`MAX_SPREAD`, a contender below :data:`MIN_OVER_FLOOR` of its own library's floor).
        Each message ends by saying to rerun on an idle machine. Both empty: nothing seen.
    """
    run_warnings = [
        f"load average {loads[when][0]:.2f} (1 min, {when} the runs) exceeds the {cores} cores: "
        f"other work shared the CPU; {RERUN}"
        for when in ("before", "after")
        if loads[when][0] > cores
    ]
    row_warnings: list[list[str]] = []
    for i, (network, batch, dtype) in enumerate(configs):
        where, found = f"{network} B={batch} {dtype}", []
        for name, figures in spread.items():
            figure = figures[i]
            if figure["spread"] is not None and figure["spread"] > MAX_SPREAD:
                found.append(
                    f"{where}: {name} spread {figure['spread']:.0%} over the runs "
                    f"({format_ms(figure['min_s'])}-{format_ms(figure['max_s'])} ms), "
                    f"above {MAX_SPREAD:.0%}; {RERUN}"
                )
        for name, floor_name in OWN_FLOOR.items():
            value, floor = medians.get(name, [None] * len(configs))[i], None
            if floor_name in medians:
                floor = medians[floor_name][i]
            if value is not None and floor and value < MIN_OVER_FLOOR * floor:
                found.append(
                    f"{where}: {name} ({format_ms(value)} ms) beats its own library's GEMM floor "
                    f"{floor_name} ({format_ms(floor)} ms) by {1 - value / floor:.0%}, more than "
                    f"{1 - MIN_OVER_FLOOR:.0%}: impossible on a quiet machine; {RERUN}"
                )
        row_warnings.append(found)
    return run_warnings, row_warnings


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1e3:.3f}"


def format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_rows(rows: list[dict[str, Any]]) -> str:
    """The table: ms per step for each contender, then the ratios (best manual, best torch),
    then ``WARNING (n)`` on a row with ``n`` warnings in ``row["warnings"]``."""
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
            + (f"  WARNING ({len(row['warnings'])})" if row.get("warnings") else "")
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


def _loads(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


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
    loads = {"before": list(os.getloadavg())}
    start = time.perf_counter()
    per_run: dict[str, list[list[float]]] = {name: [] for name in contenders}
    libraries: dict[str, Any] = {}
    for r in range(args.runs):
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for name in order:
            result = run_contender(name, configs, args.budget)
            per_run[name].append(result["medians_s"])
            libraries[name] = result["library"]
        print(f"  run {r + 1}/{args.runs} done", flush=True)
    loads["after"] = list(os.getloadavg())
    elapsed = time.perf_counter() - start
    medians = {name: list(np.median(np.array(runs), axis=0)) for name, runs in per_run.items()}
    rows = table_rows(configs, medians)
    spread = spreads(per_run)
    cores = os.cpu_count() or 1
    run_warnings, row_warnings = trust_warnings(configs, medians, spread, loads, cores)
    for i, row in enumerate(rows):
        row["spread"] = {name: figures[i] for name, figures in spread.items()}
        row["warnings"] = row_warnings[i]
    print(format_rows(rows))
    print(
        f"load average (1, 5, 15 min) before {_loads(loads['before'])}, after "
        f"{_loads(loads['after'])}, {cores} cores; {elapsed:.0f} s of runs"
    )
    warnings = run_warnings + [message for found in row_warnings for message in found]
    if warnings:
        shown = warnings[:SHOWN_WARNINGS]
        more = len(warnings) - len(shown)
        print(
            f"\nWARNING: these figures cannot be trusted ({len(warnings)} warnings); {RERUN}:",
            *(f"  - {message}" for message in shown),
            *([f"  ... and {more} more (every one in the JSON's warnings)"] if more else []),
            sep="\n",
        )
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
                "load_average_before": loads["before"],
                "load_average_after": loads["after"],
                "runs_elapsed_s": elapsed,
                "method": "each contender alone in a fresh process, library defaults, "
                "runs alternating; median over runs of per-process medians",
            },
            "trusted": not warnings,
            "warnings": warnings,
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
