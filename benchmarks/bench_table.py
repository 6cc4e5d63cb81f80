"""Turn ``manual-backprop bench --json PATH`` into the markdown tables docs/performance.md quotes.

    python benchmarks/bench_table.py docs/bench.json

Times in ms per gradient step (median over process runs of per-process medians), one column per
contender under the name the CLI table and the plot legend use. Ratios that miss their target
(1.0 for manual/torch and manual_numpy/sklearn; 1.15 for manual/floor at B >= 256 on
784-1024-512-10) by more than 3% are in bold; those within 3% are ties; then a count per target.
"""

from __future__ import annotations

import json
import sys

from torch_reference.commands.bench import verdict

NAMES = ("manual", "manual_torch", "torch_module", "torch_functional", "sklearn",
         "floor_numpy", "floor_torch")  # fmt: skip


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 10 else (f"{ms:.2f}" if ms < 100 else f"{ms:.1f}")


#: manual/floor is judged at B >= 256 on this network only.
FLOOR_TARGET, FLOOR_NETWORK, FLOOR_MIN_BATCH = 1.15, "784-1024-512-10", 256


def _ratio(value: float, target: float = 1.0) -> str:
    """Misses in bold, ties marked."""
    mark = verdict(value, target)
    return f"**{value:.2f}**" if mark == "missed" else f"{value:.2f}" + (" (tie)" * (mark == "tie"))


def _floor(row: dict) -> str:
    judged = row["sizes"] == FLOOR_NETWORK and row["batch"] >= FLOOR_MIN_BATCH
    return _ratio(row["manual/floor"], FLOOR_TARGET) if judged else f"{row['manual/floor']:.2f}"


def summary(rows: list[dict]) -> list[str]:
    """Each target's verdicts over the rows it applies to."""
    lines = []
    judged = {
        "manual <= torch (1.0)": [(row["manual/torch"], 1.0) for row in rows],
        "manual NumPy <= scikit-learn (1.0)": [(row["manual_numpy/sklearn"], 1.0) for row in rows],
        f"manual <= {FLOOR_TARGET}x the faster BLAS, {FLOOR_NETWORK}, B >= {FLOOR_MIN_BATCH}": [
            (row["manual/floor"], FLOOR_TARGET) for row in rows
            if row["sizes"] == FLOOR_NETWORK and row["batch"] >= FLOOR_MIN_BATCH
        ],
    }  # fmt: skip
    for name, pairs in judged.items():
        marks = [verdict(value, target) for value, target in pairs]
        lines.append(
            f"- {name}: met in {marks.count('met')}, tie in {marks.count('tie')}, missed in "
            f"{marks.count('missed')} of {len(marks)} rows"
        )
    return lines


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    environment = document["environment"]
    print(f"{environment['cpu']}, {environment['cpu_count']} cores; {environment['method']}.")
    print()  # a list needs a blank line before it in Markdown (Python-Markdown, GitHub alike)
    for name, info in environment["contenders"].items():
        print(f"- `{name}`: {info['library']}, BLAS {info['blas']}, threads {info['threads']}")
    print()
    print("| network | B | dtype | " + " | ".join(f"`{name}`" for name in NAMES)
          + " | manual/torch | manual_numpy/sklearn | manual/floor |")  # fmt: skip
    print("| --- | --- | --- |" + " ---: |" * 10)
    for row in document["rows"]:
        times = " | ".join(_ms(row[f"{name}_s"]) for name in NAMES)
        print(
            f"| {row['sizes']} | {row['batch']} | {row['dtype']} | {times} | "
            f"{_ratio(row['manual/torch'])} | {_ratio(row['manual_numpy/sklearn'])} | "
            f"{_floor(row)} |"
        )
    print()
    print("\n".join(summary(document["rows"])))
    memory = document["memory"]
    print(
        f"\nPeak memory of one manual step (784-1024-512-10, B = {memory['batch']:.0f}, float64): "
        f"{memory['ratio']:.3f}x params + grads + every Z and A (a step that frees nothing early)."
    )
    warnings = document.get("warnings")  # absent from runs before the bench checked itself
    if warnings is None:
        print("\nThis run predates the bench's trust checks (load, spread, floor): none recorded.")
    elif warnings:
        print(
            f"\n**WARNING**: {len(warnings)} warnings; these figures cannot be trusted, rerun on "
            f"an idle machine (load average before {environment['load_average_before'][0]:.2f}, "
            f"after {environment['load_average_after'][0]:.2f}; every warning in the JSON)."
        )


if __name__ == "__main__":
    main(sys.argv[1])
