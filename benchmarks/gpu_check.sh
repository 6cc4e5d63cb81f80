#!/usr/bin/env bash
# One prepared GPU check, for a bare machine with a CUDA GPU and a CUDA build of torch:
#   0. its own requirements: array-api-compat and array-api-strict from the wheels in $WHEELS
#      (default .whl/), then every module it needs, each missing one named with how to bring it;
#   1. the whole CUDA test suite (pytest -m cuda, the sync-debug-mode test included);
#   2. manual-backprop verify --device cuda, with the certificate;
#   3. the GPU benchmarks, each contender alone in its own process (benchmarks/gpu_bench.py);
#   4. a torch.profiler breakdown of the contenders at B = 256 and 65,536 (gpu_profile.py).
# At most 8 files, in $OUT (default gpu_results/): gpu.txt, tests.txt, verify.txt,
# certificate.json, bench.txt (ending with the table), bench.json, profile.txt and
# profile_details.txt. Runs from the source tree (no install); aimed at under 5 minutes.
# Knobs: COMMIT (no .git on the GPU machine), GPU_RUNS (3), GPU_COMPILED_RUNS (1),
# GPU_STAGES ("tests verify bench profile").
#   pip download --no-deps -d .whl array-api-compat array-api-strict   # where there is a network
#   OUT=gpu_results COMMIT=$(git rev-parse --short HEAD) bash benchmarks/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_results}
mkdir -p "$out"
python=${PYTHON:-python3}
commit=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
stages=${GPU_STAGES:-tests verify bench profile}
wheels=${WHEELS:-.whl}
start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start )) s"; }

{
    echo "== 0/4 requirements"
    if compgen -G "$wheels/*.whl" >/dev/null; then
        "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
            --target /tmp/gpu_check_site "$wheels"/*.whl && echo "installed: $(ls "$wheels")"
        export PYTHONPATH=/tmp/gpu_check_site
    fi
} 2>&1 | tee "$out/gpu.txt"
[ -d /tmp/gpu_check_site ] && export PYTHONPATH=/tmp/gpu_check_site
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

"$python" - <<'PY' 2>&1 | tee -a "$out/gpu.txt"
import importlib.util, sys
# module -> (package on PyPI, how to bring it onto a machine without a network)
WHEEL = "pip download --no-deps -d .whl {} where there is a network, and carry .whl"
NEEDED = {
    "torch": ("torch (a CUDA build)", "pip install torch  # with CUDA"),
    "numpy": ("numpy", "pip install numpy"),
    "pytest": ("pytest", "pip install pytest"),
    "pytest_benchmark": ("pytest-benchmark", "pip install pytest-benchmark"),
    "hypothesis": ("hypothesis", "pip install hypothesis"),
    "sklearn": ("scikit-learn", "pip install scikit-learn"),
    "array_api_compat": ("array-api-compat", WHEEL.format("array-api-compat")),
    "array_api_strict": ("array-api-strict", WHEEL.format("array-api-strict")),
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
    echo "gpu_check: requirements missing (above); nothing run" | tee -a "$out/gpu.txt"
    exit 2
fi
{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
    "$python" -c "import torch, numpy, array_api_compat, array_api_strict as s; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'numpy', numpy.__version__, 'array-api-compat', array_api_compat.__version__, 'array-api-strict', s.__version__); print('device', torch.cuda.get_device_name(0))"
    lscpu | grep -m1 'Model name' || true
    echo "commit $commit, $(date -u +%Y-%m-%dT%H:%MZ)"
} 2>&1 | tee -a "$out/gpu.txt"
status=0

if [[ " $stages " == *" tests "* ]]; then
    echo "== 1/4 pytest -m cuda ($(elapsed))" | tee "$out/tests.txt"
    # JAX is the project's CPU oracle; on this machine it would otherwise take the GPU's memory.
    JAX_PLATFORMS=cpu timeout 300 "$python" -m pytest -m cuda -q -p no:cacheprovider \
        -o addopts="" -p tests.cuda_marker --strict-markers --benchmark-disable -rfEs \
        --tb=short --durations=10 tests 2>&1 | tee -a "$out/tests.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

if [[ " $stages " == *" verify "* ]]; then
    echo "== 2/4 manual-backprop verify --device cuda ($(elapsed))" | tee "$out/verify.txt"
    JAX_PLATFORMS=cpu timeout 120 "$python" -m torch_reference.commands.cli verify --device cuda \
        --json "$out/certificate.json" 2>&1 | tee -a "$out/verify.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

if [[ " $stages " == *" bench "* ]]; then
    echo "== 3/4 GPU benchmarks ($(elapsed))" | tee "$out/bench.txt"
    timeout 420 "$python" benchmarks/gpu_bench.py --runs "${GPU_RUNS:-3}" \
        --compiled-runs "${GPU_COMPILED_RUNS:-1}" --commit "$commit" --json "$out/bench.json" \
        2>&1 | tee -a "$out/bench.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

if [[ " $stages " == *" profile "* ]]; then
    echo "== 4/4 profiles ($(elapsed))" | tee "$out/profile.txt"
    timeout 150 "$python" benchmarks/gpu_profile.py --details "$out/profile_details.txt" \
        2>&1 | tee -a "$out/profile.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

echo "gpu_check: exit $status after $(elapsed); commit $commit; results in $out/"
exit $status
