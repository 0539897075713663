#!/usr/bin/env bash
# Builds the sandboxed repository tools: functions/tools/<tool>/*.c + common/*.c -> functions/tools/modules/<tool>.wasm
# (wasm32-wasi, WASI preview 1). The built modules are committed, so running the platform needs no toolchain.
#
# Toolchain: Debian 12's clang 14 + lld + wasi-libc + compiler-rt for wasm32:
#   apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# The build is reproducible for one toolchain: modules/TOOLCHAIN records the one the committed modules were built with.
#
#   functions/tools/build.sh           build into modules/ (and record the toolchain)
#   functions/tools/build.sh --check   build into a temporary folder and compare with modules/:
#                                      exit 0 identical, 1 different, 3 toolchain missing or not the recorded one
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools=(list_files read_file search_code)
mode="${1:-build}"
case "$mode" in
  build | --check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

toolchain() {
  local clang_version libc_version
  clang_version="$(clang --version | head -n 1)"
  libc_version="$(dpkg-query -W -f='${Version}' wasi-libc 2>/dev/null || echo unknown)"
  printf 'clang: %s\nwasi-libc: %s\n' "$clang_version" "$libc_version"
}

if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null || [ ! -f /usr/lib/wasm32-wasi/libc.a ]; then
  echo "toolchain missing: needs clang, wasm-ld and wasi-libc (apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32)" >&2
  exit 3
fi

if [ "$mode" = --check ] && [ "$(toolchain)" != "$(cat "$here/modules/TOOLCHAIN")" ]; then
  printf 'toolchain differs from the one the committed modules were built with:\n  committed: %s\n  installed: %s\n' \
    "$(tr '\n' ' ' < "$here/modules/TOOLCHAIN")" "$(toolchain | tr '\n' ' ')" >&2
  exit 3
fi

out="$here/modules"
if [ "$mode" = --check ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# -ffile-prefix-map and no debug info keep host paths out of the modules; --strip-all drops the names section.
flags=(--target=wasm32-wasi --sysroot=/usr -std=c11 -O2 -g0 -Wall -Wextra -Werror
  "-ffile-prefix-map=$here=." -Wl,--strip-all)
for tool in "${tools[@]}"; do
  (cd "$here" && clang "${flags[@]}" -o "$out/$tool.wasm" "$tool"/*.c common/*.c)
done

if [ "$mode" = build ]; then
  toolchain > "$out/TOOLCHAIN"
  for tool in "${tools[@]}"; do
    printf '%s  %s bytes  %s\n' "$tool.wasm" "$(stat -c %s "$out/$tool.wasm")" "$(sha256sum "$out/$tool.wasm" | cut -d' ' -f1)"
  done
  exit 0
fi

status=0
for tool in "${tools[@]}"; do
  if cmp -s "$out/$tool.wasm" "$here/modules/$tool.wasm"; then
    echo "$tool.wasm: identical to a fresh build"
  else
    echo "$tool.wasm: DIFFERS from a fresh build of functions/tools/$tool (run functions/tools/build.sh and commit modules/)"
    status=1
  fi
done
exit "$status"
