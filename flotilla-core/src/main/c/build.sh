#!/usr/bin/env sh
# Builds libflotilla_kernels.so from every *.c beside this script into OUTDIR/native/linux-x86_64/.
# Run by Maven (flotilla-core, generate-resources). Without gcc/cc, or off x86-64 Linux, it warns and
# exits 0: Flotilla then runs its Java kernels. FLOTILLA_NATIVE_BUILD=false skips it on purpose.
# The library carries its own CPU dispatch (flotilla_cpu_level), so it is built for plain x86-64.
set -eu
out="${1:?usage: build.sh OUTDIR}"
src="$(cd "$(dirname "$0")" && pwd)"
dir="$out/native/linux-x86_64"
lib="$dir/libflotilla_kernels.so"
stamp="$out/native/skipped"
mkdir -p "$out/native"
rm -f "$stamp"
skip() {
  echo "[WARNING] flotilla native kernels not built: $1; the Java (Vector API) kernels will be used" >&2
  echo "$1" > "$stamp"
  rm -f "$lib"
  exit 0
}
[ "${FLOTILLA_NATIVE_BUILD:-true}" = false ] && skip "FLOTILLA_NATIVE_BUILD=false"
[ "$(uname -s)" = Linux ] || skip "not Linux ($(uname -s))"
case "$(uname -m)" in x86_64|amd64) ;; *) skip "not x86-64 ($(uname -m))" ;; esac
cc="${CC:-}"
if [ -z "$cc" ]; then
  for c in gcc cc; do
    if command -v "$c" >/dev/null 2>&1; then cc="$c"; break; fi
  done
fi
[ -n "$cc" ] || skip "no C compiler (gcc or cc) on the PATH"
mkdir -p "$dir"
newest="$(ls -t "$src"/*.c "$src"/*.h "$0" 2>/dev/null | head -1)"
if [ -f "$lib" ] && [ "$lib" -nt "$newest" ]; then
  exit 0 # up to date
fi
# shellcheck disable=SC2086
"$cc" -O3 -fPIC -shared -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
  -fvisibility=hidden -o "$lib.tmp" "$src"/*.c -lm
mv "$lib.tmp" "$lib"
