"""Turn ``manual-backprop bench --json PATH`` into the markdown tables docs/performance.md quotes.

    python benchmarks/bench_table.py docs/bench.json

Times in ms per gradient step (median over process runs of per-process medians), one column per
contender under the name the CLI table and the plot legend use; ratios that miss their target
(manual/torch and manual_numpy/sklearn above 1) in bold.
"""

from __future__ import annotations

import json
import sys

NAMES = ("manual", "manual_torch", "torch_module", "torch_functional", "sklearn",
         "floor_numpy", "floor_torch")  # fmt: skip


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 10 else (f"{ms:.2f}" if ms < 100 else f"{ms:.1f}")


def _ratio(value: float) -> str:
    return f"**{value:.2f}**" if value > 1.0 else f"{value:.2f}"


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    environment = document["environment"]
    print(f"{environment['cpu']}, {environment['cpu_count']} cores; {environment['method']}.")
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
            f"{row['manual/floor']:.2f} |"
        )
    memory = document["memory"]
    print(
        f"\nPeak memory of one manual step (784-1024-512-10, B = {memory['batch']:.0f}, float64): "
        f"{memory['ratio']:.3f}x params + grads + every Z and A (a step that frees nothing early)."
    )


if __name__ == "__main__":
    main(sys.argv[1])
