#!/usr/bin/env bash
# Publishes the GPU check self-contained for linux-x64 (GPU machines here have no .NET) and packs it into
# artifacts/ddf-gpucheck-linux-x64.tar.xz, which must stay under 64 MiB with everything it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpucheck
rm -rf "$out" && mkdir -p "$out"
dotnet publish samples/Ddf.GpuCheck -c Release -r linux-x64 --self-contained true -p:InvariantGlobalization=true -o "$out/ddf-gpucheck" -v quiet -nologo
tar -C "$out" -cf - ddf-gpucheck | xz -9 -T0 > artifacts/ddf-gpucheck-linux-x64.tar.xz
bytes=$(stat -c %s artifacts/ddf-gpucheck-linux-x64.tar.xz)
echo "artifacts/ddf-gpucheck-linux-x64.tar.xz: $((bytes / 1024 / 1024)) MiB ($bytes bytes; unpacked $(du -sm "$out/ddf-gpucheck" | cut -f1) MiB)"
if (( bytes > 64 * 1024 * 1024 )); then echo "too large for a GPU run (64 MiB)" >&2; exit 1; fi
