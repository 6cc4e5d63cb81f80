#!/usr/bin/env bash
# One prepared GPU check, for a machine with a CUDA GPU and torch (CuPy optional):
#   1. the whole CUDA test suite (pytest -m cuda),
#   2. manual-backprop verify --device cuda (with the certificate),
#   3. the GPU benchmarks (manual on CUDA vs autograd on CUDA vs the cuBLAS GEMM floor).
# Results go to $OUT (default: gpu_results/). Usage: bash benchmarks/gpu_check.sh
# Aimed at under 5 minutes on an H100/H200.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_results}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/gpu.txt" 2>&1 || true
python - <<'PY' >> "$out/gpu.txt" 2>&1
import torch, numpy
print("torch", torch.__version__, "cuda", torch.version.cuda, "numpy", numpy.__version__)
print("device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
PY

echo "== 1/3 pytest -m cuda" | tee "$out/tests.txt"
python -m pytest -m cuda -q -p no:cacheprovider -o addopts="" -p tests.cuda_marker \
    --benchmark-disable -rs tests 2>&1 | tee -a "$out/tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== 2/3 manual-backprop verify --device cuda" | tee "$out/verify.txt"
python3 -m torch_reference.commands.cli verify --device cuda --json "$out/certificate.json" 2>&1 | tee -a "$out/verify.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== 3/3 GPU benchmarks" | tee "$out/bench.txt"
python -m pytest benchmarks/test_gpu.py -m cuda -q -p no:cacheprovider -o addopts="" \
    -p tests.cuda_marker --benchmark-enable --benchmark-group-by=group \
    --benchmark-columns=median,iqr,rounds --benchmark-json="$out/gpu_bench.json" 2>&1 | tee -a "$out/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
python benchmarks/gpu_table.py "$out/gpu_bench.json" 2>&1 | tee "$out/gpu_table.md"

echo "gpu_check: exit $status; results in $out/"
exit $status
