#!/usr/bin/env bash
# What goes wrong in the field (issue 11), on real block devices: loop devices, and loop
# devices over a misbehaving card served by tests/support/fuse_card.py (FUSE, direct_io).
#  a. Refusals made before the drive is taken: a mounted partition, the image stored on
#     the drive, an active swap on it (a system disk), write-protected (blockdev --setro,
#     losetup -r, a locked FUSE card), too small. tests/support/watch_writes.py watches
#     the device node through inotify meanwhile: a refused job must not have opened it
#     for writing even once (zero IN_CLOSE_WRITE), and its bytes are unchanged.
#  b. A media error (EIO) in the middle of a Write: fails at once, naming the offset, never
#     retried.   c. The card pulled out after N bytes: fails at once, the head not written.
#  d. A slow card: Ctrl-C ends the Write within about 2 s.   e. A device held open
#     exclusively by another program for 2 s: retried, then written.   f. A media error
#     in a Read: fails naming the offset, not retried, no partial image left.
# Exits 77 (skipped) with the reason where loop devices or FUSE cannot be used. Every
# mount, swap, loop device and FUSE mount made is undone on exit, failed or not.
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
support=$tests_dir/support
di=("$1")
case $di in /*) ;; *) di=$PWD/$di ;; esac # the test runs in its own folder
py=/usr/bin/python3 # Debian's: python3-fusepy is installed for it, not for a pyenv python
skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "loop devices and FUSE mounts need root"
command -v losetup >/dev/null || skip "losetup is not installed"
[ -e /dev/loop-control ] || skip "/dev/loop-control does not exist"
[ -c /dev/fuse ] || skip "/dev/fuse does not exist (no FUSE in this kernel or container)"
[ -x "$py" ] || skip "$py does not exist"
"$py" -c 'try:
    import fuse
except ImportError:
    import fusepy' 2>/dev/null || skip "fusepy is missing for $py (apt-get install python3-fusepy)"

work=$(mktemp -d "${TMPDIR:-/tmp}/di-field.XXXXXX")
loops=() mounts=() swaps=() fuse_mounts=() pids=() made_nodes=() ro_devs=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  exec 9<&- 2>/dev/null
  for s in "${swaps[@]}"; do swapoff "$s" 2>/dev/null; done
  for d in "${ro_devs[@]}"; do blockdev --setrw "$d" 2>/dev/null; done
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  # A card's program ends when its file system is unmounted; lazily if still busy.
  for m in "${fuse_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for n in "${made_nodes[@]}"; do rm -f "$n"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
chunk=$((4 * MiB)) # the CLI's default buffer size: one chunk, one request to the device
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Runs the CLI (never longer than 2 minutes): sets $code and $elapsed (ms).
run() {
  local t0; t0=$(now_ms)
  DI_TEST_RUN_TIMEOUT=120 run_cli "$@"
  elapsed=$(($(now_ms) - t0))
}
show_err() { sed 's/^/    | /' err | grep -v '"phase"' | tail -n 6; }
# The byte offset in "OP failed on PATH at byte N" in err (empty if there is none).
failed_at() { sed -nE "s#.*$1 failed on $2 at byte ([0-9]+).*#\1#p" err | head -n 1; }
within() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; } # N LO HI: LO <= N < HI
attach() { # FILE [losetup options] -> sets $dev (no subshell: loops+= must stick)
  local file=$1; shift
  dev=$(losetup -f --show "$@" "$file") || return 1
  loops+=("$dev")
}
detach() { losetup -d "$1"; }
wait_for() { # FILE [tenths of a second]
  local i
  for ((i = 0; i < ${2:-100}; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
  return 1
}

# The watcher: counts the opens of a device node that were for writing.
watcher=
watch_start() {
  rm -f w.stop w.ready w.counts
  "$py" "$support/watch_writes.py" "$1" --stop-file w.stop --ready-file w.ready >w.counts &
  watcher=$!; pids+=("$watcher")
  wait_for w.ready 50
}
watch_stop() { # sets $close_write (empty when the watcher failed)
  touch w.stop
  wait "$watcher"; watcher=
  close_write=$(sed -nE 's/.*close_write=([0-9]+).*/\1/p' w.counts)
}

# A card: fuse_card.py mounted at ./NAME, its bytes in NAME.bin, a loop device over it.
card() { # NAME SIZE [fuse_card options] -> sets $dev
  local name=$1 size=$2; shift 2
  mkdir -p "$name"
  "$py" "$support/fuse_card.py" "$work/$name" --size "$size" --backing "$work/$name.bin" \
    --ready-file "$work/$name.ready" "$@" 2>"$name.log" &
  pids+=($!); fuse_mounts+=("$work/$name")
  wait_for "$name.ready" 100 || { echo "    fuse_card did not start:"; cat "$name.log"; return 1; }
  # The loop device reads and writes the card with direct I/O. Without it the loop driver
  # writes the card synchronously, FUSE sends a long write as 128 KiB requests and
  # returns a short count when a later one fails, and the loop driver completes a short
  # write as a success (only short reads are retried, in lo_complete_rq): about half of
  # the writes over a bad sector "succeeded" here, for dd as for us. With direct I/O, FUSE
  # fails the whole request when any part of it fails.
  attach "$work/$name/card" --direct-io=on 2>/dev/null
}
card_end() { detach "$1"; umount "$work/$2"; }

fp_bytes= # how much of the device the fingerprint covers (empty: all of it)
fingerprint() {
  if [ -n "$fp_bytes" ]; then head -c "$fp_bytes" "$1" | md5sum; else md5sum <"$1"; fi
}
# A Write that must be refused before the drive is taken.
#   refused NAME DEVICE PATTERN IMAGE [more CLI options]
refused() {
  local name=$1 target=$2 pattern=$3 image=$4 before; shift 4
  before=$(fingerprint "$target")
  watch_start "$target" || { fail "$name: the watcher did not start"; return; }
  run write "$image" "$target" --yes --force "$@"
  watch_stop
  check "$name: refused (exit $code)" test "$code" -ne 0 -a "$code" -ne 130 -a "$code" -lt 124
  check "$name: the message says \"$pattern\"" grep -qE -- "$pattern" err
  [ "$code" -ne 0 ] && grep -qE -- "$pattern" err || show_err
  check "$name: the device is unchanged" test "$(fingerprint "$target")" = "$before"
  check "$name: the device was never opened for writing (${close_write:-no count} close-write events)" \
    test "${close_write:-1}" -eq 0
}

truncate -s 16M probe.img
probe=$(losetup -f --show probe.img 2>/dev/null) || skip "losetup cannot attach a loop device here"
losetup -d "$probe"

head -c $((6 * MiB)) /dev/urandom >image.img

# ---- The instrument itself: it must see a write open, and not count a read one. ----
head -c $((16 * MiB)) /dev/zero | tr '\0' '\245' >plain.bin
attach plain.bin && plain=$dev
watch_start "$plain"
dd of="$plain" count=0 status=none
watch_stop
check "watcher: an open for writing (dd of=) counts ($close_write)" test "${close_write:-0}" -eq 1
watch_start "$plain"
dd if="$plain" of=/dev/null count=1 status=none
blockdev --getsize64 "$plain" >/dev/null
watch_stop
check "watcher: read-only opens do not count ($close_write)" test "${close_write:-1}" -eq 0

# ---- a. Refused before the drive is taken ----
# A partitioned disk with its second partition mounted.
truncate -s 64M parts.bin
printf 'label: dos\n,32M,L\n,,L\n' | sfdisk -q parts.bin >/dev/null
attach parts.bin -P && pdev=$dev
# This kernel may read no partition table itself (none appear after losetup -P): partx
# adds them through BLKPG.
[ -e "/sys/block/${pdev#/dev/}/${pdev#/dev/}p2" ] || partx -a "$pdev" 2>/dev/null
part_sys=/sys/block/${pdev#/dev/}/${pdev#/dev/}p2/dev
if [ ! -b "${pdev}p2" ] && [ -r "$part_sys" ]; then # no udev here: make the node
  IFS=: read -r pmaj pmin <"$part_sys" && mknod "${pdev}p2" b "$pmaj" "$pmin" && made_nodes+=("${pdev}p2")
fi
# Inode tables and journal written now, not by a kernel thread during the checks.
if [ -b "${pdev}p2" ] && mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 "${pdev}p2" &&
   mkdir -p mnt && mount "${pdev}p2" "$work/mnt"; then
  mounts+=("$work/mnt")
  fp_bytes=$((33 * MiB)) # the partition table and the first partition: the mounted one lives on
  refused "mounted partition" "$pdev" "mounted at $work/mnt" image.img
  # The image on the drive's own file system. That file system is mounted, so the mount
  # refusal comes first (there is no option to get past it)...
  cp image.img mnt/image.img
  refused "image on the drive, mounted" "$pdev" "mounted at $work/mnt" mnt/image.img
  # ...so the file system is also detached lazily while the image stays open: no longer
  # in the mount table, still holding the partition (an exclusive open of the disk gets
  # EBUSY, which is retried), and the image reached through /proc/PID/fd.
  exec 9<mnt/image.img
  umount -l "$work/mnt" && mounts=()
  refused "image on the drive, unmounted lazily" "$pdev" "is stored on this drive" "/proc/$$/fd/9"
  check "image on the drive: refused without waiting for the device ($elapsed ms)" test "$elapsed" -lt 10000
  exec 9<&-
  fp_bytes=
else
  fail "mount a file system on a partition of a loop device"
fi

# An active swap on the disk: it holds the running system.
attach plain.bin && sdev=$dev
if mkswap -q "$sdev" >/dev/null 2>&1 && swapon "$sdev"; then
  swaps+=("$sdev")
  # The kernel may page out to it at any time; the header page (the first a Write would
  # erase) never changes while it is active.
  fp_bytes=4096
  refused "active swap" "$sdev" "system disk|holds the running system" image.img
  fp_bytes=
  swapoff "$sdev" && swaps=()
else
  fail "mkswap and swapon a loop device"
fi
detach "$sdev"

# Write-protected: the kernel's read-only flag, a read-only loop device, a locked card.
head -c $((16 * MiB)) /dev/zero | tr '\0' '\245' >ro.bin
attach ro.bin && rodev=$dev
blockdev --setro "$rodev" && ro_devs+=("$rodev")
check "blockdev --setro: /sys/block/X/ro is 1" test "$(cat "/sys/block/${rodev#/dev/}/ro")" = 1
refused "write-protected (blockdev --setro)" "$rodev" "write-protected: slide the lock switch" image.img
blockdev --setrw "$rodev" && ro_devs=()
detach "$rodev"
attach ro.bin -r && rodev=$dev
refused "write-protected (losetup -r)" "$rodev" "write-protected: slide the lock switch" image.img
detach "$rodev"
if card locked $((16 * MiB)) --read-only; then
  check "locked card: losetup attached it read-only" test "$(cat "/sys/block/${dev#/dev/}/ro")" = 1
  refused "write-protected (a locked FUSE card)" "$dev" "write-protected: slide the lock switch" image.img
  card_end "$dev" locked
else
  fail "start a locked FUSE card"
fi

# Too small: 6 MiB of random data onto 4 MiB.
truncate -s 4M small.bin
attach small.bin && smalldev=$dev
refused "too small" "$smalldev" "6291456 bytes.*4194304 bytes" image.img
detach "$smalldev"

# ---- b. A media error in the middle of a Write ----
head -c $((16 * MiB)) /dev/urandom >big.img
bad=$((10 * MiB + 4096)) # a 512-byte sector inside the third chunk
# Bad as a card's erase block is: every write into its 4 MiB fails, so the kernel cannot
# report a write whose first FUSE pieces passed as a success (see above).
if card eio $((32 * MiB)) --eio-at $((bad / 512)) --erase-block $((4 * MiB)); then
  run write big.img "$dev" --yes --force
  at=$(failed_at write "$dev")
  check "media error, write: exit 1 ($code)" test "$code" -eq 1
  # The failing request is the first one into the bad erase block (8 to 12 MiB).
  check "media error, write: the offset (${at:-none}) is the failing request's: in [$((8 * MiB - chunk + 1)), $bad]" \
    within "$at" $((8 * MiB - chunk + 1)) $((bad + 1))
  check "media error, write: says media error" grep -q 'media error' err
  check "media error, write: over at once, not retried for 30 s ($elapsed ms)" test "$elapsed" -lt 10000
  check "media error, write: no retry" bash -c '! grep -q "^diskimager: retrying" err'
  [ "$code" -eq 1 ] && grep -q 'media error' err || show_err
  card_end "$dev" eio
else
  fail "start a FUSE card with a bad sector"
fi

# ---- c. The card pulled out after 6 MiB were written ----
head -c $((32 * MiB)) /dev/zero | tr '\0' '\245' >gone.bin
if card gone $((32 * MiB)) --vanish-after $((6 * MiB)); then
  run write big.img "$dev" --yes --force
  check "card pulled out: exit 1 ($code)" test "$code" -eq 1
  check "card pulled out: an offset is named" grep -qE "failed on $dev at byte [0-9]+" err
  check "card pulled out: over at once ($elapsed ms)" test "$elapsed" -lt 10000
  check "card pulled out: no retry" bash -c '! grep -q "^diskimager: retrying" err'
  [ "$code" -eq 1 ] || show_err
  card_end "$dev" gone
  head -c "$MiB" gone.bin >gone-head.bin
  head -c "$MiB" /dev/zero >zeros.bin
  head -c "$MiB" /dev/zero | tr '\0' '\245' >was.bin
  check "card pulled out: the head is erased or as it was, never the image's" \
    bash -c 'cmp -s gone-head.bin zeros.bin || cmp -s gone-head.bin was.bin'
else
  fail "start a FUSE card that vanishes"
fi

# ---- d. A slow card: Ctrl-C ends the Write within about 2 s ----
# 200 ms per request. A request in flight cannot be called back, and a FUSE request is at
# most 128 KiB: a 4 MiB chunk is 32 of them, 200 ms if the card's threads serve them all at
# once, 6.4 s if one by one. Chunks of one request keep the bound the card's, not FUSE's.
if card slow $((32 * MiB)) --slow-ms 200; then
  "$di" write big.img "$dev" --yes --force --buffer-size 128K --progress=json </dev/null >out 2>err &
  writer=$!; pids+=("$writer")
  sleep 1
  t0=$(now_ms)
  kill -INT "$writer"
  wait "$writer"; code=$?
  elapsed=$(($(now_ms) - t0))
  check "slow card, Ctrl-C: exit 130 ($code)" test "$code" -eq 130
  check "slow card, Ctrl-C: says cancelled" grep -q 'cancelled' err
  check "slow card, Ctrl-C: over within 2.5 s of the signal ($elapsed ms)" test "$elapsed" -lt 2500
  # While the job stops, the CLI still polls ten times a second: it neither spins nor
  # floods the JSON stream.
  lines=$(grep -c '^{' err)
  check "slow card, Ctrl-C: one progress object per 100 ms while stopping ($lines in $((1000 + elapsed)) ms)" \
    test "$lines" -le $(((1000 + elapsed) / 100 + 5))
  [ "$code" -eq 130 ] || show_err
  card_end "$dev" slow
else
  fail "start a slow FUSE card"
fi

# ---- e. Held exclusively by another program for 2 s: retried, then written ----
attach plain.bin && hdev=$dev
rm -f held
"$py" -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)  # an exclusive claim, as mount makes
open(sys.argv[2], "w").close()
time.sleep(2)
os.close(fd)' "$hdev" held &
holder=$!; pids+=("$holder")
if wait_for held 50; then
  run write image.img "$hdev" --yes --force
  wait "$holder"
  check "held for 2 s: written (exit $code)" test "$code" -eq 0
  check "held for 2 s: the device holds the image" cmp -s -n $((6 * MiB)) image.img "$hdev"
  check "held for 2 s: a 'diskimager: retrying' line" grep -q '^diskimager: retrying' err
  check "held for 2 s: it names the open and EBUSY" grep -qE '^diskimager: retrying.*open.*(Device or resource busy|EBUSY)' err
  check "held for 2 s: the summary counts the retries" grep -qE '^diskimager: [0-9]+ retr(y|ies) after errors that passed' err
  [ "$code" -eq 0 ] && grep -q '^diskimager: retrying' err || show_err
else
  fail "hold a loop device exclusively"
fi
detach "$hdev"

# ---- f. A media error in a Read ----
if card eior $((32 * MiB)) --eio-at $((bad / 512)):8; then
  run read "$dev" read.img
  at=$(failed_at read "$dev")
  check "media error, read: exit 1 ($code)" test "$code" -eq 1
  check "media error, read: the offset (${at:-none}) is the failing request's: in [$((bad - chunk + 1)), $bad]" \
    within "$at" $((bad - chunk + 1)) $((bad + 1))
  check "media error, read: says media error" grep -q 'media error' err
  check "media error, read: over at once ($elapsed ms)" test "$elapsed" -lt 10000
  check "media error, read: no retry" bash -c '! grep -q "^diskimager: retrying" err'
  check "media error, read: the partial image is removed" test ! -e read.img
  [ "$code" -eq 1 ] && grep -q 'media error' err || show_err
  card_end "$dev" eior
else
  fail "start a FUSE card with a bad area"
fi
finish
