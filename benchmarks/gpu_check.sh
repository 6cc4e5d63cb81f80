#!/usr/bin/env bash
# One prepared GPU check, for a bare machine with a CUDA GPU and torch (CuPy optional):
#   0. its own requirements, each missing one named in one line with how to bring it;
#   1. the whole CUDA test suite (pytest -m cuda);
#   2. manual-backprop verify --device cuda (with the certificate);
#   3. the GPU benchmarks (manual on CUDA vs autograd on CUDA vs the cuBLAS GEMM floor, and the
#      CUDA-graph variant), and their table, which names the card, the date and the commit.
# Results go to $OUT (default: gpu_results/). Usage: bash benchmarks/gpu_check.sh
# Runs from the source tree (no install needed); aimed at under 5 minutes on an H100.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_results}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python=${PYTHON:-python3}
commit=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
start=$(date +%s)

echo "== 0/3 requirements" | tee "$out/requirements.txt"
"$python" - <<'PY' 2>&1 | tee -a "$out/requirements.txt"
import importlib.util, sys
# module -> (package on PyPI, how to bring it onto a machine without a network)
NEEDED = {
    "torch": ("torch (a CUDA build)", "pip install torch  # with CUDA"),
    "numpy": ("numpy", "pip install numpy"),
    "pytest": ("pytest", "pip install pytest"),
    "pytest_benchmark": ("pytest-benchmark", "pip install pytest-benchmark"),
    "hypothesis": ("hypothesis", "pip install hypothesis"),
    "array_api_compat": (
        "array-api-compat",
        "pip download --no-deps -d .wheels array-api-compat (where there is a network), carry "
        ".wheels, then pip install .wheels/*.whl",
    ),
}
missing = [m for m in NEEDED if importlib.util.find_spec(m) is None]
for module in missing:
    package, how = NEEDED[module]
    print(f"gpu_check: missing {package}: {how}")
if not missing:
    import torch
    if not torch.cuda.is_available():
        print(f"gpu_check: torch {torch.__version__} sees no CUDA device: a CUDA build and a GPU are needed")
        missing.append("cuda")
sys.exit(1 if missing else 0)
PY
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "gpu_check: requirements missing (above); nothing run"
    exit 2
fi

{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
    "$python" -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'numpy', numpy.__version__); print('device', torch.cuda.get_device_name(0))"
    echo "commit $commit, $(date -u +%Y-%m-%dT%H:%MZ)"
} > "$out/gpu.txt" 2>&1
cat "$out/gpu.txt"
status=0

echo "== 1/3 pytest -m cuda" | tee "$out/tests.txt"
"$python" -m pytest -m cuda -q -p no:cacheprovider -o addopts="" -p tests.cuda_marker \
    --benchmark-disable -rs tests 2>&1 | tee -a "$out/tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== 2/3 manual-backprop verify --device cuda" | tee "$out/verify.txt"
"$python" -m torch_reference.commands.cli verify --device cuda --json "$out/certificate.json" 2>&1 \
    | tee -a "$out/verify.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== 3/3 GPU benchmarks" | tee "$out/bench.txt"
"$python" -m pytest benchmarks/test_gpu.py -m cuda -q -p no:cacheprovider -o addopts="" \
    -p tests.cuda_marker --benchmark-enable --benchmark-group-by=group -rs \
    --benchmark-columns=median,iqr,rounds --benchmark-json="$out/gpu_bench.json" 2>&1 \
    | tee -a "$out/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
COMMIT=$commit "$python" benchmarks/gpu_table.py "$out/gpu_bench.json" "$out/gpu.txt" 2>&1 \
    | tee "$out/gpu_table.md"

echo "gpu_check: exit $status after $(( $(date +%s) - start )) s; results in $out/"
exit $status
