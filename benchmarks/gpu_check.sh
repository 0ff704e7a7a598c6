#!/usr/bin/env bash
# GPU readiness check: the GPU-only tests and the CUDA benchmark, in under 8 minutes.
#
#   bash benchmarks/gpu_check.sh [OUT_DIR]        (default OUT_DIR: runs/gpu_check/)
#
# Writes OUT_DIR/gpu_tests.txt (pytest -m gpu), OUT_DIR/cuda_bench.json (gglnet benchmark:
# eager vs the default "auto" path, 512x512, batch 1 and 32) and OUT_DIR/gpu_check.json (GPU,
# versions, test outcome, the benchmark rows and the targets: 512² bf16 batch 32 >= 1000
# images/s and >= 10x eager, batch 1 <= 2 ms, stated for an H100/H200). Runs from a checkout
# without installing (PYTHONPATH=.). Exit status: 0 when the tests pass and the benchmark ran
# (targets are reported, not enforced), 1 when a step failed, 2 without a CUDA device (the
# GPU tests are then collected and skipped, which checks that they skip cleanly).
# Environment: PYTHON (default python); TEST_LIMIT_S, BENCH_LIMIT_S (150, 300) bound the steps.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${1:-runs/gpu_check}
PYTHON=${PYTHON:-python}
TEST_LIMIT_S=${TEST_LIMIT_S:-150}
BENCH_LIMIT_S=${BENCH_LIMIT_S:-300}
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT"
start=$(date +%s)

"$PYTHON" - <<'PY' | tee "$OUT/environment.txt"
import platform, torch
from gglnet.hardware import cpu_model
print(f"python {platform.python_version()} · torch {torch.__version__} · CPU {cpu_model()}")
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        major, minor = torch.cuda.get_device_capability(i)
        print(f"cuda:{i} {torch.cuda.get_device_name(i)} (compute capability {major}.{minor})")
else:
    print("no CUDA device")
PY

has_cuda=$("$PYTHON" -c "import torch; print(int(torch.cuda.is_available()))")

echo "== GPU tests (pytest -m gpu, at most ${TEST_LIMIT_S} s)"
timeout "$TEST_LIMIT_S" "$PYTHON" -m pytest -q -p no:cacheprovider -m gpu tests \
    -o addopts="" -rs 2>&1 | tee "$OUT/gpu_tests.txt"
tests_rc=${PIPESTATUS[0]}
# 5: nothing collected counts as a failure; every test skipped is rc 0.

if [ "$has_cuda" != "1" ]; then
    echo "gpu_check: no CUDA device: GPU tests collected and skipped (pytest rc $tests_rc)," \
        "CUDA benchmark not run" >&2
    exit 2
fi

echo "== CUDA benchmark (at most ${BENCH_LIMIT_S} s)"
timeout "$BENCH_LIMIT_S" "$PYTHON" benchmarks/bench_inference.py --device cuda --sizes 512 \
    --batches 1 32 --paths auto --repeats 20 --warmup 3 --quiet \
    --json "$OUT/cuda_bench.json" --overwrite
bench_rc=$?

"$PYTHON" - "$OUT" "$tests_rc" "$bench_rc" "$start" <<'PY'
import json, sys, time
from pathlib import Path
from gglnet.inference.benchmark import check_targets
out, tests_rc, bench_rc, start = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
summary = {
    "environment": (out / "environment.txt").read_text().splitlines(),
    "gpu_tests": {"exit_status": tests_rc, "summary": (out / "gpu_tests.txt").read_text().strip().splitlines()[-1:]},
    "benchmark": {"exit_status": bench_rc},
    "seconds": round(time.time() - start, 1),
}
bench = out / "cuda_bench.json"
if bench_rc == 0 and bench.is_file():
    report = json.loads(bench.read_text())
    summary["benchmark"] |= {"machine": report["machine"], "results": report["results"]}
    summary["targets"] = check_targets(report)
    for target in summary["targets"]:
        print(f"target {target['target']}: {target['value']:.3g} ({'met' if target['met'] else 'NOT met'})")
(out / "gpu_check.json").write_text(json.dumps(summary, indent=2) + "\n")
print(f"wrote {out / 'gpu_check.json'} ({summary['seconds']} s)")
PY

if [ "$tests_rc" -ne 0 ] || [ "$bench_rc" -ne 0 ]; then
    echo "gpu_check: failed (tests rc $tests_rc, benchmark rc $bench_rc)" >&2
    exit 1
fi
exit 0
