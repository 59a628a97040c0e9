#!/usr/bin/env bash
# Compiles the kernel programs into OUT_DIR/cordon.bpf.o, script_lines.bpf.o and probes.bpf.o (called by Maven in generate-resources).
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null; then
  echo "bpf/build.sh: $clang not found; install it with: apt-get install -y clang libbpf-dev (or run bin/setup)" >&2
  exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "bpf/build.sh: /usr/include/bpf/bpf_helpers.h missing; install it with: apt-get install -y libbpf-dev (or run bin/setup)" >&2
  exit 1
fi
arch=$(uname -m)
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) target_arch=$arch ;;
esac
mkdir -p "$out"
# cordon.bpf.o: the session's programs; script_lines.bpf.o: the bash script line behind each exec (loaded
# beside it, sharing its ring buffer); probes.bpf.o: one program per kernel feature, for cordon doctor.
for name in cordon script_lines probes; do
  "$clang" -O2 -g -target bpf -D__TARGET_ARCH_"$target_arch" \
    -I/usr/include/"$arch"-linux-gnu -I"$here" -Wall -Werror \
    -c "$here/$name.bpf.c" -o "$out/$name.bpf.o"
done
