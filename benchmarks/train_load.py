"""``manual-backprop train`` (or ``verify``) alone and beside CPU-bound processes: wall time and
user CPU.

    python benchmarks/train_load.py [--command train] [--runs 3] [--busy 2]
                                    [--dtypes float64 float32] [--tree DIR]
                                    [--env NAME=VALUE ...] [--json PATH] [-- COMMAND ARGS ...]

Each run starts ``python -m torch_reference.commands.cli COMMAND ARGS --dtype D`` (``train`` by
default; ``--command verify --dtypes all`` measures the certificate; ARGS are those after
``--``) from the source tree ``--tree`` (default: this checkout; give a checkout of another
commit to compare) in a fresh process, its output discarded, and reads the child's own wall time
and CPU time from ``os.wait4`` (the busy processes' CPU is not counted). A "busy" run first
starts ``--busy`` processes that each spin on one core and stop by themselves after
``--busy-limit`` seconds (they are also ended by their ids as soon as the run is over), so that
with ``--busy 2`` on a 2-core machine both cores are taken. Idle and busy runs alternate. The
load average is read before each run.

The targets (issue 28): with both cores busy, the median wall time at most 2.5x the idle median,
and the median user CPU at most 1.3x. ``--env`` sets variables in the child's environment only,
to compare thread policies (``--env OMP_NUM_THREADS=2`` gives both pools two threads, the
libraries' defaults on 2 cores, which the command used before issue 28). docs/performance.md
quotes it. No number here is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TARGET_WALL = 2.5
TARGET_USER = 1.3


def _busy_loops(count: int, limit_s: float) -> list[subprocess.Popen[bytes]]:
    """``count`` processes that each spin on one core, each ending itself after ``limit_s``."""
    code = f"import time\nend = time.monotonic() + {limit_s}\nwhile time.monotonic() < end: pass\n"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


def _stop(loops: list[subprocess.Popen[bytes]]) -> None:
    for loop in loops:
        if loop.poll() is None:
            os.kill(loop.pid, signal.SIGTERM)
        loop.wait()


def run_once(
    tree: Path,
    train_args: list[str],
    env: dict[str, str],
    busy: int,
    limit_s: float,
    command_name: str = "train",
) -> dict[str, Any]:
    """One run of the command: its wall time, user and system CPU, exit status, load before."""
    loops = _busy_loops(busy, limit_s)
    try:
        if loops:
            time.sleep(0.5)  # let the loops take their cores first
        load_before = os.getloadavg()[0]
        command = [sys.executable, "-m", "torch_reference.commands.cli", command_name, *train_args]
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage, not the loops'
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        _stop(loops)
    return {
        "busy_processes": busy,
        "wall_s": wall,
        "user_s": usage.ru_utime,
        "system_s": usage.ru_stime,
        "exit_status": child.returncode,
        "load_before": load_before,
    }


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def measure(
    tree: Path,
    dtypes: list[str],
    runs: int,
    busy: int,
    limit_s: float,
    env: dict[str, str],
    extra: list[str],
    command_name: str = "train",
) -> list[dict[str, Any]]:
    """For each dtype, ``runs`` idle and ``runs`` busy runs, alternating; medians and ratios."""
    rows = []
    for dtype in dtypes:
        train_args = [*extra, "--dtype", dtype]
        idle: list[dict[str, Any]] = []
        loaded: list[dict[str, Any]] = []
        for _ in range(runs):
            idle.append(run_once(tree, train_args, env, 0, limit_s, command_name))
            loaded.append(run_once(tree, train_args, env, busy, limit_s, command_name))
        ratio_wall = _median(loaded, "wall_s") / _median(idle, "wall_s")
        ratio_user = _median(loaded, "user_s") / _median(idle, "user_s")
        rows.append(
            {
                "train_args": train_args,
                "idle": idle,
                "busy": loaded,
                "busy_over_idle_wall": ratio_wall,
                "busy_over_idle_user": ratio_user,
                "wall_target_met": ratio_wall <= TARGET_WALL,
                "user_target_met": ratio_user <= TARGET_USER,
            }
        )
    return rows


def _spread(runs: list[dict[str, Any]], key: str) -> str:
    values = [run[key] for run in runs]
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def print_table(rows: list[dict[str, Any]], busy: int, command_name: str = "train") -> None:
    print(
        f"{command_name + ' args':<28} {'idle wall s':>20} {'busy wall s':>20} {'ratio':>6}  "
        f"{'idle user s':>20} {'busy user s':>20} {'ratio':>6}  {'load idle / busy':>16}"
    )
    for row in rows:
        loads = [f"{max(r['load_before'] for r in row[k]):.1f}" for k in ("idle", "busy")]
        wall_mark = "" if row["wall_target_met"] else " MISS"
        user_mark = "" if row["user_target_met"] else " MISS"
        print(
            f"{' '.join(row['train_args']):<28} {_spread(row['idle'], 'wall_s'):>20} "
            f"{_spread(row['busy'], 'wall_s'):>20} {row['busy_over_idle_wall']:>6.2f}  "
            f"{_spread(row['idle'], 'user_s'):>20} {_spread(row['busy'], 'user_s'):>20} "
            f"{row['busy_over_idle_user']:>6.2f}  {' / '.join(loads):>16}{wall_mark}{user_mark}"
        )
    print(
        f"median (min-max) over runs; busy: {busy} spinning processes beside it; targets: "
        f"busy/idle wall <= {TARGET_WALL}, user CPU <= {TARGET_USER}; load: the highest "
        "1-minute load average read before a run"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--command", choices=["train", "verify"], default="train", help="the command measured"
    )
    parser.add_argument("--runs", type=int, default=3, help="idle and busy runs each, per dtype")
    parser.add_argument("--busy", type=int, default=2, help="spinning processes in a busy run")
    parser.add_argument(
        "--busy-limit", type=float, default=180.0, help="seconds after which a loop ends itself"
    )
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the child only"
    )
    parser.add_argument(
        "--tree",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the source tree whose command runs (default: this checkout); another checkout "
        "measures another commit",
    )
    parser.add_argument("--json", type=Path, metavar="PATH")
    parser.add_argument("train_args", nargs="*", help="after --: passed to the command")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
    env.update(item.split("=", 1) for item in args.env)
    cores = os.cpu_count()
    print(
        f"{cores} cores, load average before {os.getloadavg()[0]:.2f}; tree {tree}; child "
        f"environment additions: {args.env or 'none'}"
    )
    rows = measure(
        tree, args.dtypes, args.runs, args.busy, args.busy_limit, env, args.train_args, args.command
    )
    print_table(rows, args.busy, args.command)
    failed = [run for row in rows for run in row["idle"] + row["busy"] if run["exit_status"]]
    if failed:
        print(f"{len(failed)} runs of {args.command} failed", file=sys.stderr)
    if args.json:
        document = {
            "command": args.command,
            "cores": cores,
            "tree": str(tree),
            "env_additions": args.env,
            "busy": args.busy,
            "rows": rows,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
