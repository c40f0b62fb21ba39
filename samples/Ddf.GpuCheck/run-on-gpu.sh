#!/usr/bin/env bash
# The one prepared GPU run: unpacks the published check (samples/Ddf.GpuCheck/publish.sh) and runs it,
# writing report.md into the folder given (default: $OUT, the device tool's result folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
report=${1:-${OUT:?give a report folder}}
work=$(mktemp -d)
tar -C "$work" -xJf artifacts/ddf-gpucheck-linux-x64.tar.xz
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv > "$report/nvidia-smi.csv" 2>&1 || true
"$work/ddf-gpucheck/Ddf.GpuCheck" "$report"
