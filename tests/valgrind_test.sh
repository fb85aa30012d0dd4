#!/usr/bin/env bash
# The CLI under valgrind (memcheck): a write with verify and MD5, a read into .zst and
# a write from .xz, each must run without a memory error or a definite leak
# (valgrind --error-exitcode=1). Args: diskimager
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
di=$1
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
vg() {
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file=vg.log "$di" "$@" </dev/null >out 2>err
  code=$?
  [ "$code" -eq 0 ] || { tail -30 vg.log; cat err; }
}
{ head -c 3000000 /dev/urandom; head -c 2000007 /dev/zero; } >image.img
truncate -s 8M dev.img
vg write image.img dev.img --yes --verify --hash md5 --buffer-size 1M --progress=none
check "write --verify --hash md5: no memory error, no leak" test "$code" -eq 0
check "write --verify: the md5 is the image's" test "$(cut -d' ' -f1 out)" = "$(md5sum <image.img | cut -d' ' -f1)"
vg read dev.img back.img.zst --size 5000007 --progress=none
check "read into .zst: no memory error, no leak" test "$code" -eq 0
check "read into .zst: zstd decodes the image" cmp <(zstd -dcq back.img.zst) image.img
xz -T2 -k image.img
vg write image.img.xz dev.img --yes --hash sha256 --progress=none
check "write from .xz: no memory error, no leak" test "$code" -eq 0
check "write from .xz: the device holds the image" cmp -n 5000007 image.img dev.img
finish
