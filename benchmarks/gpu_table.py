"""Turn pytest-benchmark's JSON from benchmarks/test_gpu.py into the ratio table.

    python3 benchmarks/gpu_table.py gpu_results/gpu_bench.json [gpu_results/gpu.txt]

The table's heading names the card (from ``gpu.txt``, which gpu_check.sh writes), the date and
the commit (``$COMMIT``), as docs/performance.md quotes it.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict


def main(path: str, info_path: str | None = None) -> None:
    if not os.path.exists(path):
        print(f"no GPU benchmark results at {path} (no CUDA device?)")
        return
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    medians: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for bench in document["benchmarks"]:
        params = bench["params"]
        medians[(params["batch"], params["dtype"])][params["variant"]] = bench["stats"]["median"]
    card = "unknown card"
    if info_path and os.path.exists(info_path):
        with open(info_path, encoding="utf-8") as handle:
            devices = [line[7:].strip() for line in handle if line.startswith("device ")]
        card = devices[0] if devices else card
    print(
        f"{card}, {document.get('datetime', '')[:16]}, commit {os.environ.get('COMMIT', '?')}, "
        "784-1024-512-10, pytest-benchmark medians"
    )
    print(
        "| B | dtype | manual ms | manual, CUDA graph ms | autograd ms | cuBLAS floor ms "
        "| manual/autograd | graph/autograd | manual/floor |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (batch, dtype), row in sorted(medians.items()):
        manual, autograd, floor = row["manual_cuda"], row["torch_cuda"], row["floor_cuda"]
        graph = row.get("manual_cuda_graph")
        graph_ms = "-" if graph is None else f"{graph * 1e3:.3f}"
        graph_ratio = "-" if graph is None else f"{graph / autograd:.3f}"
        print(
            f"| {batch} | {dtype} | {manual * 1e3:.3f} | {graph_ms} | {autograd * 1e3:.3f} | "
            f"{floor * 1e3:.3f} | {manual / autograd:.3f} | {graph_ratio} | {manual / floor:.3f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
