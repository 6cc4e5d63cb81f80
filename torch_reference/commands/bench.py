"""``manual-backprop bench``: one process, the variants interleaved, medians and ratios.

Every round runs each variant once, in turn, so that whatever the machine does meanwhile hits
them alike; the table gives the median over rounds and the ratios of the medians. The memory
check runs one manual gradient step under ``tracemalloc``.
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
import torch

from manual_backprop import gradients
from manual_backprop.checks.problems import make_problem
from manual_backprop.forward import forward
from torch_reference.commands.contenders import make_variant

__all__ = ["add_parser", "peak_memory", "run", "run_benchmarks"]

SIZES = {"784-1024-512-10": (784, 1024, 512, 10), "64-128-64-10": (64, 128, 64, 10)}
VARIANTS = ("manual", "manual_per_example", "torch_cpu", "sklearn", "floor")
#: Per example, a call costs B small steps; beyond this many B * n_1 it takes seconds a round.
PER_EXAMPLE_LIMIT = 256 * 1024


def add_parser(sub: Any) -> None:
    bench = sub.add_parser(
        "bench",
        help="time the manual gradients against torch, scikit-learn and the GEMM floor",
        description=(
            "Interleaved side-by-side timing of one gradient step (J and every gradient), "
            "median over rounds, with the ratios manual/floor, manual/torch, manual/sklearn, "
            "and the peak memory of one manual step."
        ),
    )
    bench.add_argument("--quick", action="store_true", help="784-1024-512-10, B in (1, 256)")
    bench.add_argument("--json", type=Path, metavar="PATH")
    bench.add_argument("--plot", type=Path, metavar="PATH")
    bench.add_argument("--rounds", type=int, default=None, help="rounds per configuration")


def _median_times(steps: dict[str, Any], rounds: int, budget_s: float) -> dict[str, float]:
    for step in steps.values():  # warm-up: allocator, BLAS threads, caches
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    start = time.perf_counter()
    for i in range(rounds):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
        if i >= 4 and time.perf_counter() - start > budget_s:
            break
    return {name: float(np.median(values)) for name, values in times.items()}


def peak_memory(sizes: tuple[int, ...], batch: int, dtype: Any) -> dict[str, float]:
    """Peak bytes one manual gradient step allocates, against the least it could.

    The minimum is what must exist at once if nothing is freed early: params + grads + every
    cached ``Z^l`` and ``A^l``. The measured figure is params (already there) plus the
    ``tracemalloc`` peak of the step.
    """
    problem = make_problem(sizes, batch, dtype=dtype, seed=0)
    params_bytes = sum(a.nbytes for a in problem.params.weights + problem.params.biases)
    passed = forward(problem.params, problem.X)
    cache_bytes = sum(a.nbytes for a in passed.pre_activations + passed.activations[1:])
    del passed
    minimum = 2 * params_bytes + cache_bytes  # params + grads + Z and A
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
        "minimum_bytes": float(minimum),
        "peak_bytes": float(params_bytes + peak),
        "ratio": (params_bytes + peak) / minimum,
    }


def run_benchmarks(quick: bool, rounds: int | None) -> list[dict[str, Any]]:
    sizes_names = ["784-1024-512-10"] if quick else list(SIZES)
    batches = (1, 256) if quick else (1, 16, 256, 2048)
    rows = []
    for dtype in ("float32", "float64"):
        for size_name in sizes_names:
            sizes = SIZES[size_name]
            for batch in batches:
                problem = make_problem(sizes, batch, dtype=np.dtype(dtype), seed=0)
                names = [
                    name
                    for name in VARIANTS
                    if name != "manual_per_example" or batch * sizes[1] <= PER_EXAMPLE_LIMIT
                ]
                steps = {name: make_variant(name, problem) for name in names}
                medians = _median_times(
                    steps, rounds or (7 if quick else 25), budget_s=2.0 if quick else 6.0
                )
                row: dict[str, Any] = {"sizes": size_name, "batch": batch, "dtype": dtype}
                row.update({f"{name}_s": medians.get(name) for name in VARIANTS})
                manual = medians["manual"]
                row["manual/floor"] = manual / medians["floor"]
                row["manual/torch"] = manual / medians["torch_cpu"]
                row["manual/sklearn"] = manual / medians["sklearn"]
                row["manual/best_peer"] = manual / min(medians["torch_cpu"], medians["sklearn"])
                if "manual_per_example" in medians:
                    row["per_example/manual"] = medians["manual_per_example"] / manual
                rows.append(row)
                print(_format_row(row), flush=True)
    return rows


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1e3:.3f}"


HEADER = (
    f"{'network':<16} {'B':>5} {'dtype':<7} {'manual ms':>10} {'per-ex ms':>10} "
    f"{'torch ms':>9} {'sklearn ms':>10} {'floor ms':>9} {'man/floor':>9} {'man/torch':>9} "
    f"{'man/skl':>8} {'man/best':>8}"
)


def _format_row(row: dict[str, Any]) -> str:
    return (
        f"{row['sizes']:<16} {row['batch']:>5} {row['dtype']:<7} {_ms(row['manual_s']):>10} "
        f"{_ms(row['manual_per_example_s']):>10} {_ms(row['torch_cpu_s']):>9} "
        f"{_ms(row['sklearn_s']):>10} {_ms(row['floor_s']):>9} {row['manual/floor']:>9.3f} "
        f"{row['manual/torch']:>9.3f} {row['manual/sklearn']:>8.3f} "
        f"{row['manual/best_peer']:>8.3f}"
    )


def _plot(path: Path, rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted({(row["sizes"], row["dtype"]) for row in rows})
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (size_name, dtype) in zip(axes[0], panels):
        selected = [r for r in rows if r["sizes"] == size_name and r["dtype"] == dtype]
        for name in VARIANTS:
            points = [(r["batch"], r[f"{name}_s"]) for r in selected if r[f"{name}_s"]]
            if points:
                batch, seconds = zip(*points)
                axis.loglog(batch, [s * 1e3 for s in seconds], "o-", label=name)
        axis.set(xlabel="batch size B", ylabel="ms per gradient step", title=f"{size_name} {dtype}")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


#: Idle BLAS and OpenMP threads spin for a while after each call (OpenBLAS for 2^28 cycles by
#: default); interleaved, NumPy's spinning threads halve torch's speed and torch's halve NumPy's.
#: The benchmark process lets idle threads sleep at once, fair to both.
QUIET_THREADS = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}


def _argv(args: argparse.Namespace) -> list[str]:
    argv = ["bench"] + (["--quick"] if args.quick else [])
    for option in ("json", "plot", "rounds"):
        if getattr(args, option) is not None:
            argv += [f"--{option}", str(getattr(args, option))]
    return argv


def run(args: argparse.Namespace) -> int:
    if args.rounds is not None and args.rounds < 1:
        raise SystemExit("manual-backprop bench: --rounds must be >= 1")
    if any(os.environ.get(name) != value for name, value in QUIET_THREADS.items()):
        # These are read when the libraries load, so the timing runs in a fresh process.
        environment = {**os.environ, **QUIET_THREADS}
        command = [sys.executable, "-m", "torch_reference.commands.cli", *_argv(args)]
        return subprocess.call(command, env=environment)
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)  # NumPy's BLAS uses every core too
    print(
        f"{platform.processor() or platform.machine()}, {threads} threads, numpy "
        f"{np.__version__}, torch {torch.__version__}; medians of interleaved rounds"
    )
    print(HEADER)
    rows = run_benchmarks(args.quick, args.rounds)
    memory = peak_memory(SIZES["784-1024-512-10"], 256 if args.quick else 2048, np.float64)
    print(
        f"\npeak memory of one manual step (784-1024-512-10, float64): "
        f"{memory['peak_bytes'] / 2**20:.1f} MiB, {memory['ratio']:.3f}x the minimum "
        f"(params + grads + Z and A = {memory['minimum_bytes'] / 2**20:.1f} MiB)"
    )
    if args.json:
        document = {
            "environment": {
                "cpu_count": threads,
                "torch_threads": torch.get_num_threads(),
                "numpy": np.__version__,
                "torch": torch.__version__,
                "platform": platform.platform(),
            },
            "rows": rows,
            "memory": memory,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    if args.plot:
        _plot(args.plot, rows)
        print(f"plot written to {args.plot}")
    return 0
