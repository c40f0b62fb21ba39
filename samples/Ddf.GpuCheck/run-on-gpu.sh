#!/usr/bin/env bash
# The one prepared GPU run: unpacks the published check (samples/Ddf.GpuCheck/publish.sh) and runs it, writing report.md
# (saved after every section), check.log and nvidia-smi.csv into the folder given (default: $OUT, the device tool's result
# folder); then, where Nsight Compute (ncu) is installed, a short profile of the Table 2 kernels into ncu.txt. Ends by
# printing report.md, so the console's tail holds it. Bounded: at most 210 s for the check and 120 s for ncu (well under the
# 8 minutes a run may take); exits with the check's status, whatever ncu does.
set -euo pipefail
cd "$(dirname "$0")/../.."
report=${1:-${OUT:?give a report folder}}
mkdir -p "$report"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf artifacts/ddf-gpucheck-linux-x64.tar.xz
check="$work/ddf-gpucheck/Ddf.GpuCheck"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv > "$report/nvidia-smi.csv" 2>&1 || true

status=0
timeout -k 10 210 "$check" "$report" > "$report/check.log" 2>&1 || status=$?
if (( status == 124 || status == 137 )); then
  printf '\nTIMED OUT after 210 s (exit %d): the sections above are complete, the rest did not run.\n' "$status" >> "$report/report.md"
fi

ncu=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1 || true)
if [[ -n $ncu ]]; then
  ncu_status=0
  timeout -k 10 120 "$ncu" --section SpeedOfLight --section Occupancy --section LaunchStats "$check" "$report" --profile \
    > "$report/ncu.txt" 2>&1 || ncu_status=$?
  ncu_note="ncu ($ncu): exit $ncu_status, output in ncu.txt"
else
  ncu_note="ncu: not installed, no profile"
fi

if [[ -f $report/report.md ]]; then
  cat "$report/report.md"
else
  echo "no report.md written; the end of check.log:"
  tail -n 40 "$report/check.log"
fi
echo
echo "check: exit $status; $ncu_note"
exit "$status"
