#!/usr/bin/env bash
# Output files written around the page cache (issue 12): a Write and a Read into a
# regular file on a disk file system put aligned chunks on it with O_DIRECT (its pages
# never enter the cache), flush every 64 MiB on the way, and still write the unaligned
# tail exactly; on tmpfs, which refuses O_DIRECT, everything goes through the cache.
# Args: DISKIMAGER DIR_ON_DISK (a directory on a disk file system, the build tree)
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
di=$1
skip() { echo "SKIP: $1"; exit 77; }
work=$(mktemp -d "$2/di-filetarget.XXXXXX") || exit 1
shm=
cleanup() { rm -rf "$work"; [ -n "$shm" ] && rm -rf "$shm"; }
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
command -v fincore >/dev/null || skip "fincore (util-linux) is not installed"
command -v strace >/dev/null || skip "strace is not installed"
dd if=/dev/zero of=probe bs=4096 count=1 oflag=direct status=none 2>/dev/null ||
  skip "$2 is on a file system without O_DIRECT"

# 150 MiB and 1234 bytes: two flushes on the way, and a tail no sector divides.
size=$((150 * 1024 * 1024 + 1234))
head -c "$size" /dev/urandom >image.img
want=$(md5sum <image.img | cut -d' ' -f1)
padded=$(((size + 511) / 512 * 512))
# A Write pads the image's last sector with zeros, as on a drive.
is_image_padded() {
  [ "$(stat -c %s "$1")" -eq "$padded" ] && cmp -s -n "$size" image.img "$1" &&
    [ -z "$(tail -c $((padded - size)) "$1" | tr -d '\0')" ]
}
cached_kib() { fincore -b -n -o RES "$1" | awk '{print int($1 / 1024)}'; }

# The command's own exit status, and on failure what it said: strace -q leaves the
# tracee's end ("+++ exited with N +++" or "+++ killed by SIG... +++") in the trace.
exits_0() {
  local rc=$1 name=$2
  [ "$rc" -eq 0 ] && return 0
  echo "# exit status $rc; $name.err:"; sed 's/^/#   /' "$name.err"
  [ -f "$name.trace" ] && { echo "# end of $name.trace:"; tail -n 3 "$name.trace" | sed 's/^/#   /'; }
  return 1
}
# LeakSanitizer cannot run under ptrace: the traced runs leave it to the untraced ones.
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace "$@"; }
flush_count() { grep -c '^[0-9]* *f\(data\)\?sync(' "$1"; }

sync; echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
traced -f -q -e trace=fsync,fdatasync -o write.trace \
  "$di" write image.img out.img --yes --hash md5 --progress=none >write.out 2>write.err
check "write to a file exits 0" exits_0 $? write
# Before anything reads it back: only the tail went through the cache.
res=$(cached_kib out.img)
check "the written file's chunks bypassed the page cache ($res KiB cached)" [ "$res" -le 4100 ]
check "the written file is the image, its last sector padded" is_image_padded out.img
flushes=$(flush_count write.trace)
check "the write flushed on the way ($flushes flushes for 150 MiB)" [ "$flushes" -ge 3 ]
check "the printed MD5 is the image's" grep -q "$want" write.out

traced -f -q -e trace=fsync,fdatasync -o read.trace \
  "$di" read image.img back.img --progress=none >read.out 2>read.err
check "read into a file exits 0" exits_0 $? read
res=$(cached_kib back.img)
check "the read's output bypassed the page cache ($res KiB cached)" [ "$res" -le 4100 ]
check "the read's output is exactly the source" cmp -s image.img back.img
flushes=$(flush_count read.trace)
check "the read flushed on the way ($flushes flushes)" [ "$flushes" -ge 3 ]

# Over a longer file (a file-backed drive): the direct writes replace its first bytes,
# what lies past the image stays.
head -c $((200 * 1024 * 1024)) /dev/urandom >longer.img
tail -c +$((padded + 1)) longer.img >rest.want
"$di" write image.img longer.img --yes --progress=none >/dev/null 2>longer.err
check "a write over a longer file exits 0" exits_0 $? longer
check "a write over a longer file replaces its start with the image" cmp -s -n "$size" image.img longer.img
check "... and keeps what lies past it" cmp -s rest.want <(tail -c +$((padded + 1)) longer.img)

# tmpfs refuses O_DIRECT: the same writes through the cache, the same bytes.
if shm=$(mktemp -d /dev/shm/di-filetarget.XXXXXX 2>/dev/null); then
  "$di" write image.img "$shm/out.img" --yes --progress=none >/dev/null 2>tmpfs.err
  check "write to a file on tmpfs (no O_DIRECT) exits 0" exits_0 $? tmpfs
  check "the tmpfs file is the image, padded" is_image_padded "$shm/out.img"
fi
# A file system that opens O_DIRECT but refuses the writes (EINVAL, as some FUSE and
# network ones do): the chunks go through the cache, the bytes are right, and the direct
# descriptor is given up after the first refusals (at most one per request in flight),
# not asked again for each of the 16 chunks.
py=/usr/bin/python3
if [ -e /dev/fuse ] && { "$py" -c "import fuse" 2>/dev/null || "$py" -c "import fusepy" 2>/dev/null; }; then
  small=$((64 * 1024 * 1024 + 1234))
  head -c "$small" image.img >small.img
  mkdir mnt
  "$py" "$tests_dir/support/fuse_card.py" "$work/mnt" --size $(((small + 511) / 512 * 512)) \
    --backing "$work/card.bin" --refuse-direct --ready-file "$work/card.ready" 2>card.log &
  card_pid=$!
  for ((i = 0; i < 100; i++)); do [ -e card.ready ] && break; sleep 0.1; done
  "$di" write small.img mnt/card --yes --progress=none >/dev/null 2>refused.err
  check "write to a file whose file system refuses direct writes exits 0" exits_0 $? refused
  refusals=$(grep -c 'refused direct write' card.log)
  check "... gives up direct writes after the first refusals ($refusals of 16 chunks)" \
    test "$refusals" -ge 1 -a "$refusals" -le 4
  umount mnt 2>/dev/null || umount -l mnt
  wait "$card_pid"
  check "... and the card holds the image" cmp -s -n "$small" small.img card.bin
else
  echo "# no FUSE here (/dev/fuse, python3-fusepy): the late refusal of direct writes is not tried"
fi
finish
