"""Where a GPU step's time goes: ``torch.profiler`` over a few steps of each CUDA contender.

    python3 benchmarks/gpu_profile.py [--batches 256 65536] [--details PATH]

For each contender, B and dtype (784-1024-512-10, TF32 off) it prints one line per step: the
wall time, the kernels launched, the GPU's busy time split into matrix products (cuBLAS GEMM and
GEMV kernels), other kernels (elementwise and reductions) and copies, the host's idle-GPU gap
(wall minus busy) and the synchronising calls. ``--details`` writes each profile's kernel table
(``key_averages``, by GPU time) to a file. A profile is a breakdown, not a timing: the figures
that the targets are judged on come from ``benchmarks/gpu_bench.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.contenders import make_variant

SIZES = (784, 1024, 512, 10)
VARIANTS = ("manual_cuda", "manual_cuda_graph", "torch_cuda", "floor_cuda")
STEPS = 10
#: Runtime calls that make the host wait for the GPU.
SYNCS = ("cudaStreamSynchronize", "cudaDeviceSynchronize", "cudaMemcpy", "cudaEventSynchronize")
LAUNCHES = ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernelEx")


def kind(kernel: str) -> str:
    """ "gemm" for cuBLAS/CUTLASS matrix kernels, "copy" for copies and fills, else "other"."""
    name = kernel.lower()
    if any(key in name for key in ("gemm", "gemv", "xmma", "cutlass", "cublas", "dot_kernel")):
        return "gemm"
    if name.startswith(("memcpy", "memset")):
        return "copy"
    return "other"


def profile(name: str, batch: int, dtype: str, details: list[str]) -> str:
    import torch
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    cuda = torch.cuda.is_available()  # False only in a dry run of the CPU contenders
    step = make_variant(name, make_problem(SIZES, batch, dtype=np.dtype(dtype), seed=0))
    for _ in range(5):
        step()
    if cuda:
        torch.cuda.synchronize()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with torch_profile(activities=activities) as prof:
        start = time.perf_counter()
        for _ in range(STEPS):
            step()
        wall = (time.perf_counter() - start) / STEPS
    busy = {"gemm": 0.0, "other": 0.0, "copy": 0.0}
    kernels = syncs = launches = 0
    for event in prof.key_averages():
        self_device = getattr(event, "self_device_time_total", None)
        if self_device is None:
            self_device = event.self_cuda_time_total
        if event.device_type == DeviceType.CUDA:
            busy[kind(event.key)] += self_device / 1e3 / STEPS  # us -> ms per step
            kernels += event.count
        elif event.key in SYNCS:
            syncs += event.count
        elif event.key in LAUNCHES:
            launches += event.count
    total = sum(busy.values())
    details.append(f"== {name} B={batch} {dtype}")
    details.append(
        prof.key_averages().table(
            sort_by="self_cuda_time_total" if cuda else "self_cpu_time_total", row_limit=15
        )
    )
    return (
        f"| {name} | {batch} | {dtype} | {wall * 1e3:.3f} | {kernels / STEPS:.0f} "
        f"| {launches / STEPS:.0f} | {total:.3f} | {busy['gemm']:.3f} | {busy['other']:.3f} "
        f"| {busy['copy']:.3f} | {max(wall * 1e3 - total, 0.0):.3f} | {syncs / STEPS:.1f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[256, 65536])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--details", type=Path, help="write each profile's kernel table here")
    args = parser.parse_args(argv)
    details: list[str] = []
    print(
        "| contender | B | dtype | wall ms | kernels | launch calls | GPU busy ms | GEMM ms "
        "| other kernels ms | copies ms | wall - busy ms | syncs |"
    )
    print("| --- | ---: | --- |" + " ---: |" * 9)
    for dtype in args.dtypes:
        for batch in args.batches:
            for name in args.variants:
                try:
                    print(profile(name, batch, dtype, details), flush=True)
                except Exception as error:  # one broken profile must not hide the others
                    print(f"| {name} | {batch} | {dtype} | failed: {error!r} |", flush=True)
    if args.details:
        args.details.write_text("\n".join(details) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
