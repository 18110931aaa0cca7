#!/bin/sh
# Makes sure the BPF toolchain is present before the native build. As root it
# installs what is missing with apt-get; otherwise it names the exact command.
set -eu

PACKAGES="clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make g++ pkg-config"

missing=""
command -v clang >/dev/null 2>&1 || missing="$missing clang"
command -v llvm-strip >/dev/null 2>&1 || missing="$missing llvm"
command -v bpftool >/dev/null 2>&1 || [ -x /usr/sbin/bpftool ] || missing="$missing bpftool"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
[ -f /usr/include/bpf/libbpf.h ] || missing="$missing libbpf-dev"
[ -f /usr/include/libelf.h ] || missing="$missing libelf-dev"
[ -f /usr/include/zlib.h ] || missing="$missing zlib1g-dev"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "vigil: installing the BPF toolchain:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $PACKAGES >&2
  exit 0
fi

echo "vigil: the BPF toolchain is missing:$missing" >&2
echo "vigil: install it, then run npm install again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y $PACKAGES" >&2
exit 1
