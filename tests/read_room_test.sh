#!/usr/bin/env bash
# Look before a Read, on real file systems: a raw image of 4 GiB into a FAT32 file
# system (the kernel's vfat, or fusefat where the kernel has none) and a 100 MiB drive
# into a 50 MiB tmpfs are refused before any file is made, naming the file system or
# both sizes; the same into .zst goes ahead with a warning; a Read that fits, or that
# fits once the file it replaces is gone, works as before. Root (mounts, loop devices);
# exits 77 (skipped) with the reason otherwise. Every mount and device is undone.
#   read_room_test.sh linux DISKIMAGER
#   read_room_test.sh windows WINE_RUN DISKIMAGER.EXE   (the free-space cells through
#     GetDiskFreeSpaceExW; Wine names every unix file system NTFS, so no FAT cells)
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1
if [ "$mode" = windows ]; then
  wine_run=$2 exe=$3
  di=("$wine_run" "$exe")
  quick=30000 # ms: Wine's start-up is in it
else
  bin=$2
  di=("$bin")
  quick=5000
fi
skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "mounting file systems needs root"

work=$(mktemp -d "${TMPDIR:-/tmp}/di-room.XXXXXX")
mounts=() loops=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || fusermount3 -u "$m" 2>/dev/null; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
# Runs the CLI; sets code, and ms: how long it took.
run() {
  local t0 t1
  t0=$(date +%s%N)
  run_cli "$@"
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
}
show() { [ "$1" ] || { echo "    exit $code after $ms ms:"; sed 's/^/    /' err; }; }

# ---- FAT32: no file of 4 GiB or more ----
truncate -s 64M fat.img
mkdir -p fat
fat_how=
if [ "$mode" = windows ]; then
  : # Wine reports NTFS (and no free space) for a FAT mount
elif ! command -v mkfs.vfat >/dev/null; then
  echo "note: mkfs.vfat (dosfstools) is not installed; the FAT checks were not run"
elif ! mkfs.vfat -F 32 fat.img >/dev/null 2>&1; then
  fail "mkfs.vfat -F 32 on a 64 MiB file"
elif mount -o loop fat.img fat 2>/dev/null; then
  fat_how="the kernel's vfat"
elif command -v fusefat >/dev/null && fusefat -o rw+ fat.img fat >/dev/null 2>&1; then
  fat_how="fusefat (this kernel has no vfat)"
else
  echo "note: neither the kernel (vfat) nor fusefat can mount FAT here; the FAT checks were not run"
fi
if [ -n "$fat_how" ]; then
  mounts+=("$work/fat")
  echo "note: FAT32 mounted with $fat_how"
  truncate -s 4G src4g.bin   # sparse: a 4 GiB drive of zeros, nothing read before the refusal
  run read src4g.bin "$work/fat/pi.img" --progress=none
  check "FAT, 4 GiB raw: refused (exit 1)" test "$code" -eq 1
  check "FAT, 4 GiB raw: names the file, the size and the FAT limit" \
    grep -qE "read failed on $work/fat/pi.img: the image would be 4294967296 bytes \(4.29 GB\), but its folder is on a (vfat|fuse.fusefat) file system, which cannot hold a file of 4 GiB or more" err
  check "FAT, 4 GiB raw: suggests .img.xz / .img.zst or another folder" \
    grep -qE "compressed \(.img.xz or .img.zst\) or in a folder on another drive" err
  check "FAT, 4 GiB raw: no file was made" test ! -e "$work/fat/pi.img"
  check "FAT, 4 GiB raw: refused at once ($ms ms)" test "$ms" -lt "$quick"
  show "$([ "$code" -eq 1 ] && echo y)"
  # Refused before the output is opened: a file it would have replaced is untouched.
  head -c 100000 /dev/urandom >"$work/fat/old.img"
  old_md5=$(md5sum <"$work/fat/old.img")
  run read src4g.bin "$work/fat/old.img" --progress=none
  check "FAT, 4 GiB raw over an existing file: refused" test "$code" -eq 1
  check "FAT, 4 GiB raw over an existing file: that file is untouched" \
    test "$(md5sum <"$work/fat/old.img")" = "$old_md5"
  # One byte less is a file FAT can hold: not refused for its size (the 64 MiB file
  # system is then too small, which --size keeps out of the way: 1 MiB of it is read).
  truncate -s $((4 * 1024 * MiB - 1)) src4g-1.bin
  run read src4g-1.bin "$work/fat/small.img" --size 1M --progress=none
  check "FAT, 1 MiB raw of a drive of 4 GiB - 1: read (exit 0)" test "$code" -eq 0
  check "FAT, 1 MiB raw: the file holds it" test "$(stat -c %s "$work/fat/small.img" 2>/dev/null)" = $MiB
  show "$([ "$code" -eq 0 ] && echo y)"
  # Compressed, its size is not known beforehand: a warning, and the read goes ahead
  # (4 GiB of zeros compress to almost nothing).
  if command -v zstd >/dev/null; then
    run read src4g.bin "$work/fat/pi.img.zst" --progress=none
    check "FAT, 4 GiB into .zst: read (exit 0)" test "$code" -eq 0
    check "FAT, 4 GiB into .zst: warns of the FAT limit" \
      grep -q "warning: $work/fat/pi.img.zst is on a FAT file system, where a file cannot reach 4 GiB: the 4.29 GB read fits only if it compresses below that" err
    check "FAT, 4 GiB into .zst: decompresses to 4 GiB of zeros" \
      test "$(zstd -dc "$work/fat/pi.img.zst" | cmp - src4g.bin >/dev/null && echo same)" = same
    show "$([ "$code" -eq 0 ] && echo y)"
  fi
  rm -f src4g.bin src4g-1.bin
fi

# ---- free space: a 100 MiB drive, a 50 MiB tmpfs ----
mkdir -p small
if ! mount -t tmpfs -o size=50m tmpfs small 2>/dev/null; then
  echo "note: cannot mount a tmpfs here; the free-space checks were not run"
  finish
  exit
fi
mounts+=("$work/small")
{ head -c $MiB /dev/urandom; head -c $((99 * MiB)) /dev/zero; } >drive.bin
drive=drive.bin
if [ "$mode" = linux ] && dev=$(losetup -f --show drive.bin 2>/dev/null); then
  loops+=("$dev")
  drive=$dev
fi
echo "note: the drive read is $drive"
free_now() { echo $(( $(stat -f -c '%f * %S' "$work/small") )); }
free=$(free_now)
run read "$drive" "$work/small/disk.img" --progress=none
check "tmpfs, 100 MiB raw into 50 MiB: refused (exit 1)" test "$code" -eq 1
check "tmpfs, 100 MiB raw: names the file and both sizes" \
  grep -qE "read failed on $work/small/disk.img: the image needs 104857600 bytes \(105 MB\), but only $free bytes \(5[0-9.]+ MB\) are free there" err
check "tmpfs, 100 MiB raw: no file was made" test ! -e "$work/small/disk.img"
check "tmpfs, 100 MiB raw: refused at once ($ms ms)" test "$ms" -lt "$quick"
show "$([ "$code" -eq 1 ] && echo y)"

if command -v zstd >/dev/null; then
  run read "$drive" "$work/small/disk.img.zst" --progress=none
  check "tmpfs, 100 MiB into .zst: read (exit 0)" test "$code" -eq 0
  check "tmpfs, 100 MiB into .zst: warns that it may not fit" \
    grep -qE "warning: only 5[0-9.]+ MB were free for $work/small/disk.img.zst, less than the 105 MB read: a compressed image fits only if it is smaller" err
  check "tmpfs, 100 MiB into .zst: decompresses to the drive" \
    test "$(zstd -dc "$work/small/disk.img.zst" | cmp - "$drive" >/dev/null && echo same)" = same
  show "$([ "$code" -eq 0 ] && echo y)"
  rm -f "$work/small/disk.img.zst"
fi

# A Read that fits works as before, with no warning.
run read "$drive" "$work/small/part.img" --size 40M --progress=none
check "tmpfs, 40 MiB raw into 50 MiB: read (exit 0)" test "$code" -eq 0
check "tmpfs, 40 MiB raw: the file holds the drive's first 40 MiB" cmp -n $((40 * MiB)) "$drive" "$work/small/part.img"
check "tmpfs, 40 MiB raw: no warning" test "$(grep -c warning err)" -eq 0
show "$([ "$code" -eq 0 ] && echo y)"
# 10 MiB are free now, but replacing part.img frees its 40 MiB: 45 MiB fit over it, not
# beside it.
run read "$drive" "$work/small/other.img" --size 45M --progress=none
check "tmpfs, 45 MiB raw beside a 40 MiB file: refused" test "$code" -eq 1
check "tmpfs, 45 MiB raw beside: both sizes named" grep -q "the image needs 47185920 bytes (47.2 MB), but only" err
run read "$drive" "$work/small/part.img" --size 45M --progress=none
check "tmpfs, 45 MiB raw over the 40 MiB file: read (exit 0)" test "$code" -eq 0
check "tmpfs, 45 MiB raw over it: the file holds the drive's first 45 MiB" \
  test "$(stat -c %s "$work/small/part.img")" -eq $((45 * MiB))
show "$([ "$code" -eq 0 ] && echo y)"
finish
