#!/usr/bin/env bash
# Compiles gpio_shim.c against libgpiod API v1 (the system's headers) and API v2 (libgpiod-dev
# 2.x headers fetched from Debian bookworm-backports into a temporary folder, without touching
# the system's v1 package), plus once without libgpiod. Exit status: non-zero if a compile that
# could run failed. A v2 check that cannot fetch the headers is skipped with the reason printed.
#
# Usage: Hardware/GPIOShim/check-both-apis.sh [v2-include-dir]
set -u
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/gpio_shim.c"
inc="$here/include"
cc="${CC:-cc}"
flags=(-std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$inc")
failed=0

check() {  # name, extra flags...
  local name="$1"; shift
  if "$cc" "${flags[@]}" "$@" "$src"; then echo "ok:      $name"; else echo "FAILED:  $name"; failed=1; fi
}

check "no libgpiod (every call -ENOSYS)"

if [ -f /usr/include/gpiod.h ] && grep -q GPIOD_LINE_BULK_MAX_LINES /usr/include/gpiod.h; then
  check "libgpiod API v1 (system /usr/include/gpiod.h)" -DTRACTION_HAVE_GPIOD
elif [ -f /usr/include/gpiod.h ]; then
  check "libgpiod API v2 (system /usr/include/gpiod.h)" -DTRACTION_HAVE_GPIOD
else
  echo "skipped: system libgpiod: /usr/include/gpiod.h missing (apt-get install libgpiod-dev)"
fi

v2inc="${1:-}"
if [ -z "$v2inc" ]; then
  work="${TMPDIR:-/tmp}/traction-gpiod-v2"
  v2inc="$work/root/usr/include"
  if [ ! -f "$v2inc/gpiod.h" ]; then
    mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/apt/etc"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" \
      >"$work/apt/etc/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$work/apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt" -o "Dir::Cache::Archives=$work/apt/archives"
      -o APT::Sandbox::User=root)
    why=""
    if ! command -v apt-get >/dev/null; then
      why="apt-get not available"
    elif ! (apt-get "${apt_opts[@]}" -qq update >"$work/apt.log" 2>&1); then
      why="apt-get update of bookworm-backports failed (see $work/apt.log)"
    else
      ver="$(apt-cache "${apt_opts[@]}" madison libgpiod-dev 2>/dev/null | awk '$3 ~ /^2\./ {print $3; exit}')"
      if [ -z "$ver" ]; then
        why="no libgpiod-dev 2.x in bookworm-backports"
      elif ! (cd "$work" && apt-get "${apt_opts[@]}" -qq download "libgpiod-dev=$ver" >>"$work/apt.log" 2>&1); then
        why="apt-get download libgpiod-dev=$ver failed (see $work/apt.log)"
      else
        dpkg -x "$work"/libgpiod-dev_*.deb "$work/root" || why="dpkg -x failed"
      fi
    fi
    if [ -n "$why" ]; then echo "skipped: libgpiod API v2: $why"; v2inc=""; fi
  fi
fi
if [ -n "$v2inc" ]; then
  if grep -q GPIOD_LINE_BULK_MAX_LINES "$v2inc/gpiod.h"; then
    echo "FAILED:  $v2inc/gpiod.h is a 1.x header, not 2.x"; failed=1
  else
    check "libgpiod API v2 ($v2inc/gpiod.h)" -DTRACTION_HAVE_GPIOD -I"$v2inc"
    # The backports package also holds a static libgpiod 2.x: link a probe and run it, so the v2
    # branch is proven to link and to report a missing chip as ENOENT.
    lib="$(ls "$v2inc"/../lib/*/libgpiod.a 2>/dev/null | head -n 1)"
    if [ -n "$lib" ]; then
      probe_dir="$(mktemp -d)"
      cat >"$probe_dir/probe.c" <<'PROBE'
#include "gpio_shim.h"
#include <errno.h>
#include <stdio.h>
int main(void) {
  int err = 0;
  traction_gpio_line *line = traction_gpio_request_output("/dev/gpiochip-traction-missing", 0, 0, "probe", &err);
  printf("api %d, missing chip -> errno %d\n", traction_gpio_api_version(), err);
  return (traction_gpio_api_version() == 2 && line == NULL && err == ENOENT) ? 0 : 1;
}
PROBE
      if "$cc" -std=c11 -DTRACTION_HAVE_GPIOD -I"$inc" -I"$v2inc" "$src" "$probe_dir/probe.c" "$lib" \
        -o "$probe_dir/probe" && "$probe_dir/probe"; then
        echo "ok:      libgpiod API v2 links (static $lib) and runs"
      else
        echo "FAILED:  libgpiod API v2 link-and-run probe"; failed=1
      fi
      rm -rf "$probe_dir"
    fi
  fi
fi
exit $failed
