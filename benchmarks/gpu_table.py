"""Turn pytest-benchmark's JSON from benchmarks/test_gpu.py into the ratio table.

python benchmarks/gpu_table.py gpu_results/gpu_bench.json
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict


def main(path: str) -> None:
    if not os.path.exists(path):
        print(f"no GPU benchmark results at {path} (no CUDA device?)")
        return
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    medians: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for bench in document["benchmarks"]:
        params = bench["params"]
        medians[(params["batch"], params["dtype"])][params["variant"]] = bench["stats"]["median"]
    print(f"GPU: {document.get('machine_info', {}).get('node', '')}")
    print(
        "| B | dtype | manual ms | manual, CUDA graph ms | autograd ms | cuBLAS floor ms "
        "| manual/autograd | manual/floor |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (batch, dtype), row in sorted(medians.items()):
        manual, autograd, floor = row["manual_cuda"], row["torch_cuda"], row["floor_cuda"]
        graph = row.get("manual_cuda_graph")
        graph_ms = "-" if graph is None else f"{graph * 1e3:.3f}"
        print(
            f"| {batch} | {dtype} | {manual * 1e3:.3f} | {graph_ms} | {autograd * 1e3:.3f} | "
            f"{floor * 1e3:.3f} | {manual / autograd:.3f} | {manual / floor:.3f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
