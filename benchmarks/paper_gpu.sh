#!/usr/bin/env bash
# The paper presets on one GPU machine, as run for docs/results/*.md:
#
#     OUT=results/gpu LIMIT=420 bash benchmarks/paper_gpu.sh [dcl] [equivariance]
#
# 1. prints the machine (GPU, torch, numba), then runs the DCL smoke row with device='cuda' as a gate
#    (a device bug stops the script here, in a minute, instead of after the paper runs);
#    while the DCL benchmark (benchmarks/dcl.py --quick: GRU training and sampling on CPU and GPU) runs beside it;
# 3. the paper presets side by side, each under `timeout $LIMIT`: DCL as one process per system (they
#    share nothing but the GPU; 16 cores split between them), the equivariance app as one process.
# Writes $OUT/<run>/results.json as each run finishes, $OUT/log.txt (machine, gate, benchmark, wall times)
# and $OUT/runs.txt (the tail of every run's own log). Needs only the core dependencies (numpy, scipy,
# numba, torch, tqdm): run from the repository root, nothing installed.
set -u
OUT=${OUT:-results/gpu}
LIMIT=${LIMIT:-420}
APPS=${*:-dcl equivariance}
mkdir -p "$OUT" /tmp/ll-runs
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
export LATTICELAB_CACHE=/tmp/ll-cache LATTICELAB_MODELS=/tmp/ll-models
LOG=$OUT/log.txt
say() { echo "[$(date +%T)] $*" | tee -a "$LOG"; }

say "machine: $(nproc) cores; $(nvidia-smi -L 2>&1 | head -1)"
python3 -c "import torch, numba, numpy, latticelab.backend as b; print('torch', torch.__version__, '| numba', numba.__version__, '| numpy', numpy.__version__, '| cuda', torch.cuda.is_available(), b.cuda_available())" 2>&1 | tee -a "$LOG"
if [ -f benchmarks/dcl.py ] && [ -z "${SKIP_BENCH:-}" ]; then
  ( timeout 120 python3 benchmarks/dcl.py --quick >"$OUT/bench_dcl.txt" 2>&1 || echo "benchmark dcl failed or timed out" >>"$OUT/bench_dcl.txt" ) &
  bench=$!
fi

say "gate: DCL smoke row, Ising, device=cuda"
timeout 150 python3 - >>"$LOG" 2>&1 <<'EOF' || { say "gate FAILED (traceback above in log.txt); stopping"; exit 1; }
import dataclasses, time
from latticelab.papers import dcl
t = time.perf_counter()
r = dcl.reproduce(dataclasses.replace(dcl.Config.smoke(), device="cuda", systems=("ising",)), progress=False)
print(r.table())
print(f"gate passed in {time.perf_counter() - t:.1f} s")
EOF
say "gate passed"

[ -n "${bench:-}" ] && wait "$bench"

say "paper presets, limit ${LIMIT} s each"
start=$(date +%s)
pids=()
for app in $APPS; do
  if [ "$app" = dcl ]; then
    for s in ising potts glass; do
      NUMBA_NUM_THREADS=4 timeout "$LIMIT" python3 -m latticelab.cli reproduce dcl --preset paper --system "$s" \
        --out "$OUT/dcl_$s" >"/tmp/ll-runs/dcl_$s.log" 2>&1 &
      pids+=($!)
    done
  else
    NUMBA_NUM_THREADS=4 timeout "$LIMIT" python3 -m latticelab.cli reproduce "$app" --preset paper \
      --out "$OUT/$app" >"/tmp/ll-runs/$app.log" 2>&1 &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
say "all paper runs ended after $(( $(date +%s) - start )) s"

for f in /tmp/ll-runs/*.log; do
  name=$(basename "$f" .log)
  if [ -f "$OUT/$name/results.json" ]; then say "$name: results.json"; else say "$name: no results (failed or stopped at ${LIMIT} s)"; fi
done
for f in /tmp/ll-runs/*.log; do
  echo "===== $(basename "$f") (last 60 lines)" >>"$OUT/runs.txt"
  tr '\r' '\n' <"$f" | grep -v '^\s*$' | tail -60 >>"$OUT/runs.txt"
done
