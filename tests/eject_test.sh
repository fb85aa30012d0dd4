#!/usr/bin/env bash
# Around a Write on real loop devices: --eject on a device with no medium to eject
# (a loop device) warns and still exits 0 with the device written; the kernel is asked
# to re-read the partition table once everything is flushed, so a partition-scanning
# loop device (losetup -P) gets its /dev/loopNp1 without partprobe; and, where
# `modprobe scsi_debug removable=1` works, a real eject of a removable SCSI disk.
# What this kernel cannot show is said, not faked. Exits 77 (skipped) with the reason
# where loop devices cannot be used. Args: DISKIMAGER
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
di=("$1")
skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "loop devices need root"
command -v losetup >/dev/null || skip "losetup is not installed"
[ -e /dev/loop-control ] || skip "/dev/loop-control does not exist"

work=$(mktemp -d "${TMPDIR:-/tmp}/di-eject.XXXXXX")
loops=() scsi_debug_loaded=
cleanup() {
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  [ -n "$scsi_debug_loaded" ] && modprobe -r scsi_debug 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
attach() { # FILE [losetup options] -> sets $dev (no subshell: loops+= must stick)
  local file=$1; shift
  dev=$(losetup -f --show "$@" "$file") || return 1
  loops+=("$dev")
}
truncate -s 16M probe.img
attach probe.img || skip "losetup cannot attach a loop device here"

# An MBR image: one partition from 1 MiB, 2 MiB long; its data after the table.
truncate -s 8M part.img
printf 'label: dos\nstart=2048, size=4096, type=83\n' | sfdisk -q part.img 2>/dev/null ||
  skip "sfdisk is not installed"
head -c $((2 * 1024 * 1024)) /dev/urandom | dd of=part.img bs=1M seek=1 conv=notrunc status=none

# --eject where there is nothing to eject: a warning, the write stands.
truncate -s 16M disk.img
attach disk.img || { fail "attach a loop device"; finish; exit; }
run write part.img "$dev" --yes --force --verify --eject --progress=none
check "write --eject to a loop device exits 0" test "$code" -eq 0
check "it warns that it could not eject" grep -q "^diskimager: warning: could not eject $dev (it was written all the same): eject failed on $dev: it is neither a CD drive nor a SCSI or USB drive" err
check "it does not claim to have ejected" bash -c "! grep -q '^diskimager: ejected' err"
check "the device holds the image" cmp -n $((8 * 1024 * 1024)) part.img "$dev"
verified_at=$(grep -n '^diskimager: verified:' err | cut -d: -f1)
warned_at=$(grep -n 'could not eject' err | cut -d: -f1)
check "the eject comes after the verify" test "${warned_at:-0}" -gt "${verified_at:-999}"
[ "$code" -eq 0 ] || cat err

# The partition table re-read: a partition-scanning loop device, no partprobe.
truncate -s 16M scan.img
attach scan.img -P || { fail "attach a partition-scanning loop device"; finish; exit; }
scan=$dev
# Does this kernel read MBR partition tables at all? A device attached with -P over a
# file that already holds one shows its partition at once, if it does.
cp part.img parsed.img && truncate -s 16M parsed.img
attach parsed.img -P && sleep 0.5
if [ -b "${dev}p1" ] || grep -q " $(basename "$dev")p1\$" /proc/partitions; then
  run write part.img "$scan" --yes --force --progress=none
  check "write to a partition-scanning loop device exits 0" test "$code" -eq 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b "${scan}p1" ] && break; sleep 0.2; done
  check "${scan}p1 exists after the write, without partprobe" test -b "${scan}p1"
  check "${scan}p1 is the image's 2 MiB partition" test "$(blockdev --getsize64 "${scan}p1" 2>/dev/null)" = $((2 * 1024 * 1024))
else
  echo "note: this kernel reads no MBR partition tables (CONFIG_MSDOS_PARTITION is off:" \
       "losetup -P shows no partition of an image that has one); the p1 check is skipped"
fi
# The re-read asked for, in order: after the last write and its flush (strace shows it
# whatever the kernel does with it).
if command -v strace >/dev/null; then
  # LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here only.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -o trace -e trace=pwrite64,fsync,fdatasync,ioctl "$di" write part.img "$scan" \
    --yes --force --progress=none </dev/null >out 2>err
  code=$?
  check "write under strace exits 0" test "$code" -eq 0
  last_write=$(grep -n 'pwrite64(' trace | tail -n 1 | cut -d: -f1)
  last_flush=$(grep -nE 'f(data)?sync\(' trace | tail -n 1 | cut -d: -f1)
  reread=$(grep -n 'ioctl([0-9]*, BLKRRPART' trace | tail -n 1 | cut -d: -f1)
  check "the kernel is asked to re-read the partition table (BLKRRPART)" test -n "$reread"
  check "after the last write" test "${reread:-0}" -gt "${last_write:-999999}"
  check "after the last flush" test "${reread:-0}" -gt "${last_flush:-999999}"
  check "the re-read succeeds on a partition-scanning device" grep -qE 'BLKRRPART\) += 0' trace
else
  echo "note: strace is not installed; the order of the re-read is not checked here"
fi

# A real eject: a removable SCSI disk from scsi_debug, where the kernel has it.
if command -v modprobe >/dev/null && modprobe scsi_debug removable=1 dev_size_mb=16 2>/dev/null; then
  scsi_debug_loaded=1
  sleep 1
  sd=""
  for b in /sys/block/sd*; do
    [ -e "$b/device/model" ] && grep -q scsi_debug "$b/device/model" && sd=/dev/$(basename "$b")
  done
  if [ -n "$sd" ]; then
    run write part.img "$sd" --yes --eject --progress=none
    check "write --eject to a removable SCSI disk exits 0" test "$code" -eq 0
    check "it says the card was ejected" grep -q "^diskimager: ejected $sd" err
  else
    fail "scsi_debug loaded but its disk was not found"
  fi
else
  echo "note: scsi_debug is not available here (no kernel modules: $(uname -r)); a real" \
       "eject is not checked"
fi

finish
