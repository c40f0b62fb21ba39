#!/usr/bin/env bash
# Registers, spills and SASS instruction counts of the generated GPU kernels, without a GPU: compiles them to PTX
# (Ddf.GpuCheck --ptx), then assembles each for sm_90 with ptxas from Debian's nvidia-cuda-toolkit (CUDA 11.8, in
# bookworm's non-free component; only its .deb is downloaded and unpacked, nothing is installed) and disassembles it.
# PTX is rewritten to ISA 7.8, the newest that ptxas 11.8 reads. The GPU driver's own JIT is newer: close, not equal.
# Usage: bash samples/Ddf.GpuCheck/sass-stats.sh [out-folder]   (needs apt-get; run as root to add the non-free list)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/sass}
tools=artifacts/cuda-tools
if [[ ! -x $tools/usr/bin/ptxas ]]; then
  if ! apt-cache policy nvidia-cuda-toolkit | grep -q 'Candidate: [0-9]'; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/ddf-nonfree.sources
    apt-get update -qq
  fi
  mkdir -p "$tools" && (cd "$tools" && apt-get download -qq nvidia-cuda-toolkit 2>/dev/null && dpkg -x nvidia-cuda-toolkit_*.deb . && rm nvidia-cuda-toolkit_*.deb)
fi
rm -rf "$out" && dotnet run --project samples/Ddf.GpuCheck -c Release -- "$out" --ptx > /dev/null
printf '| kernel | registers | spill bytes | SASS instructions | instructions per loop body, in code order |\n| --- | ---: | ---: | ---: | --- |\n'
for ptx in "$out"/*.ptx; do
  name=$(basename "$ptx" .ptx)
  sed 's/^\.version 8\.0/.version 7.8/' "$ptx" > "$out/$name.78.ptx"
  info=$("$tools/usr/bin/ptxas" -arch=sm_90 -v -O3 "$out/$name.78.ptx" -o "$out/$name.cubin" 2>&1)
  "$tools/usr/bin/cuobjdump" -sass "$out/$name.cubin" > "$out/$name.sass"
  loops=$(grep -E 'BRA 0x' "$out/$name.sass" | sed -E 's/.*\/\*([0-9a-f]+)\*\/.*BRA (0x[0-9a-f]+).*/\1 \2/' |
    while read -r at to; do (( to < 16#$at )) && printf '%d ' $(( (16#$at - to) / 16 + 1 )); done || true)
  printf '| %s | %s | %s | %s | %s|\n' "$name" "$(grep -o 'Used [0-9]* registers' <<< "$info" | grep -o '[0-9]*')" \
    "$(grep -o '[0-9]* bytes spill stores' <<< "$info" | grep -o '^[0-9]*')" "$(grep -cE '^\s+/\*[0-9a-f]{4}\*/' "$out/$name.sass")" "$loops"
done
