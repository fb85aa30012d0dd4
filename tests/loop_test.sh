#!/usr/bin/env bash
# The Linux block-device backend on real loop devices: 512- and 4096-byte sectors
# (O_DIRECT with 4Kn alignment), a device smaller than the image, an image whose
# excess tail is zeros, the --force rule for non-removable disks, and refusal of a
# device with a mounted file system or partition. Exits 77 (skipped) with the reason
# where loop devices cannot be used. Every device attached is detached.
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
di=("$1")
skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "loop devices need root"
command -v losetup >/dev/null || skip "losetup is not installed"
[ -e /dev/loop-control ] || skip "/dev/loop-control does not exist"

work=$(mktemp -d "${TMPDIR:-/tmp}/di-loop.XXXXXX")
loops=() mounts=() made_nodes=() frozen= writer=
cleanup() {
  # A file system left frozen or a writer left stopped would keep everything busy.
  [ -n "$frozen" ] && fsfreeze -u "$frozen" 2>/dev/null
  [ -n "$writer" ] && kill -KILL "$writer" 2>/dev/null && wait "$writer" 2>/dev/null
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  # Again: a loop device whose backing file lives on a mount kept that mount busy.
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  for n in "${made_nodes[@]}"; do rm -f "$n"; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
# The byte offset of "write failed on PATH at byte N" in err (empty if there is none).
failed_at() { sed -nE "s#.*write failed on $1 at byte ([0-9]+) .*#\1#p" err | head -n 1; }
within() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; } # N LO HI: LO <= N < HI
# PID's threads: one waits in the kernel (state D: on a frozen file system); all stopped.
waiting() { awk '{print $3}' /proc/"$1"/task/*/stat 2>/dev/null | grep -q '^D$'; }
stopped() { ! awk '{print $3}' /proc/"$1"/task/*/stat 2>/dev/null | grep -qv '^[tT]$'; }
MiB=$((1024 * 1024))
chunk=$((4 * MiB)) # the CLI's default buffer size (DI_DEFAULT_BUFFER_SIZE): one chunk
attach() { # FILE [SECTOR [more losetup options]] -> sets $dev (no subshell: loops+= must stick)
  local file=$1 sector=${2:-}; shift; shift 2>/dev/null
  dev=$(losetup -f --show ${sector:+--sector-size "$sector"} "$@" "$file") || return 1
  loops+=("$dev")
}

truncate -s 32M probe.img
probe=$(losetup -f --show probe.img 2>/dev/null) || skip "losetup cannot attach a loop device here"
losetup -d "$probe"

head -c 10000007 /dev/urandom >image.img
for sector in 512 4096; do
  head -c $((32 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"disk$sector.img"
  attach "disk$sector.img" "$sector" || { fail "attach a $sector-byte-sector loop device"; continue; }
  check "$sector: the kernel reports $sector-byte sectors" test "$(blockdev --getss "$dev")" -eq "$sector"
  run write image.img "$dev" --yes
  check "$sector: a non-removable disk needs --force" test "$code" -eq 1
  check "$sector: the refusal says so" grep -q 'not a removable drive' err
  run write image.img "$dev" --yes --force --verify --hash md5 --progress=none
  check "$sector: write --verify exits 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || cat err
  padded=$(( (10000007 + sector - 1) / sector * sector ))
  check "$sector: the device starts with the image" cmp -n 10000007 image.img "$dev"
  check "$sector: padded with zeros to the sector" test "$(head -c "$padded" "$dev" | tail -c $((padded - 10000007)) | tr -d '\0' | wc -c)" -eq 0
  check "$sector: the rest untouched" test "$(tail -c +$((padded + 1)) "$dev" | tr -d '\245' | wc -c)" -eq 0
  check "$sector: md5 equals md5sum" test "$(cut -d' ' -f1 out)" = "$(md5sum <image.img | cut -d' ' -f1)"
  run read "$dev" back.img --size 10000007 --progress=none
  check "$sector: read back exits 0" test "$code" -eq 0
  check "$sector: read back equals the image" cmp image.img back.img
  run read "$dev" whole.img --progress=none
  check "$sector: a whole-device read is the device's size" test "$(stat -c %s whole.img)" -eq $((32 * 1024 * 1024))
  run verify image.img "$dev" --progress=none
  check "$sector: verify exits 0" test "$code" -eq 0
done

# read --allocated-only of a GPT disk with 512- and 4096-byte sectors: the image, seen as
# a disk with the same sector size, passes sgdisk -v.
if command -v sgdisk >/dev/null; then
  for sector in 512 4096; do
    truncate -s 64M "gpt$sector.img"
    attach "gpt$sector.img" "$sector" || { fail "attach a $sector-byte GPT disk"; continue; }
    gdev=$dev
    first=$((1048576 / sector))
    sgdisk -n 1:$first:+8M -t 1:ef00 -n 2:0:+20M "$gdev" >/dev/null 2>&1
    run read "$gdev" "gpt$sector-out.img" --allocated-only --progress=none
    check "$sector: GPT --allocated-only read exits 0" test "$code" -eq 0
    [ "$code" -eq 0 ] || cat err
    check "$sector: the image is smaller than the disk" test "$(stat -c %s "gpt$sector-out.img")" -lt $((64 * 1024 * 1024))
    attach "gpt$sector-out.img" "$sector" && odev=$dev
    check "$sector: sgdisk -v finds no problem in the image" bash -c "sgdisk -v $odev | grep -q 'No problems found'"
    check "$sector: the image has both partitions" bash -c "sgdisk -p $odev | grep -cE '^ +[12] ' | grep -qx 2"
  done
else
  echo "note: sgdisk is not installed; the GPT loop-device checks were not run"
fi

# A device smaller than the image.
truncate -s 8M small.img
attach small.img
before=$(md5sum <"$dev")
run write image.img "$dev" --yes --force
check "smaller device: refused" test "$code" -eq 1
check "smaller device: both sizes named" grep -q '10000007 bytes.*8388608 bytes' err
check "smaller device: untouched" test "$(md5sum <"$dev")" = "$before"

# An image larger than the device whose excess is zeros: written truncated.
head -c 8000000 /dev/urandom >zt.img
truncate -s 12M zt.img
run write zt.img "$dev" --yes --force --verify --progress=none
check "zero tail: written" test "$code" -eq 0
check "zero tail: the result says so" grep -q 'all zeros and were not written' err
check "zero tail: device holds the image's first 8 MiB" cmp -n 8388608 zt.img "$dev"

# Mounted: the whole device, then a partition of a partitioned device.
truncate -s 64M fs.img
attach fs.img
if mkfs.ext4 -q "$dev" 2>/dev/null && mkdir -p "$work/mnt" && mount "$dev" "$work/mnt" 2>/dev/null; then
  mounts+=("$work/mnt")
  run write image.img "$dev" --yes --force
  check "mounted device: refused" test "$code" -eq 1
  check "mounted device: the mount point is named" grep -q "mounted at $work/mnt" err
  # A Read into a file on the very drive being read is refused before anything is made.
  run read "$dev" "$work/mnt/back.img" --size 1M --progress=none
  check "a Read into a file on the drive being read: refused (exit 2)" test "$code" -eq 2
  check "it says why" grep -q "would be made on the drive being read" err
  check "no file was made" test ! -e "$work/mnt/back.img"
  # A real full file system, at the first, a middle and the last chunk of a Read of a
  # 32 MiB file. The file system is filled to the last block (a filler written until
  # ENOSPC: as root, the blocks reserved for root count too, which df's "avail" leaves
  # out). A Read looks at the free space before it starts and refuses a raw image that
  # cannot fit (read_room_test.sh), so here the room goes after it looked, as when
  # another program writes beside it: with 40 MiB free the file system is frozen
  # (fsfreeze), the Read started (it looks, then waits to make its file), paused
  # (SIGSTOP) once it waits, the file system thawed and the filler grown (fallocate)
  # until 2 MiB (less than one chunk), 16 MiB (half the image) or 29 MiB (the image is
  # 3 MiB larger) are free, and the Read let go.
  size=$((32 * MiB))
  head -c "$size" /dev/urandom >big.bin
  big_md5=$(md5sum <big.bin)
  cat /dev/zero >"$work/mnt/filler" 2>/dev/null
  sync -f "$work/mnt"
  filled=$(stat -c %s "$work/mnt/filler")
  for pos in "first 2 0 $((2 * chunk))" "middle 16 $((2 * chunk)) $((size - 2 * chunk))" \
             "last 29 $((size - 2 * chunk)) $size"; do
    read -r where free lo hi <<<"$pos"
    rm -f "$work/mnt/full.img"
    truncate -s $((filled - 40 * MiB)) "$work/mnt/filler" && sync -f "$work/mnt"
    fsfreeze -f "$work/mnt" && frozen=$work/mnt
    "$di" read big.bin "$work/mnt/full.img" --progress=none </dev/null >out 2>err &
    writer=$!
    held=0 # polls in a row that found it waiting on the frozen file system
    for _ in $(seq 1 500); do
      if waiting "$writer"; then held=$((held + 1)); [ "$held" -ge 5 ] && break; else held=0; fi
      sleep 0.02
    done
    kill -STOP "$writer" 2>/dev/null
    fsfreeze -u "$work/mnt" && frozen=
    for _ in $(seq 1 400); do
      stopped "$writer" && break
      sleep 0.01
    done
    fallocate -l $((filled - free * MiB)) "$work/mnt/filler" && sync -f "$work/mnt"
    kill -CONT "$writer" 2>/dev/null
    wait "$writer"; code=$?; writer=
    at=$(failed_at "$work/mnt/full.img")
    check "full file system, $where chunk: the Read looked, then waited to make its file" test "$held" -ge 5
    check "full file system, $where chunk ($free MiB free): exit 1" test "$code" -eq 1
    check "full file system, $where chunk: the message names ENOSPC, the file and an offset" grep -qE "write failed on $work/mnt/full.img at byte [0-9]+ .*(No space left|no space)" err
    check "full file system, $where chunk: the offset (${at:-none}) is in [$lo, $hi)" within "$at" "$lo" "$hi"
    check "full file system, $where chunk: the partial image is deleted" test ! -e "$work/mnt/full.img"
    check "full file system, $where chunk: the source is unchanged" test "$(md5sum <big.bin)" = "$big_md5"
    [ "$code" -eq 1 ] || cat err
  done
  rm -f big.bin "$work/mnt/filler"
  umount "$work/mnt"
else
  echo "note: cannot mount here; the mounted-device check was not run"
fi
if command -v sfdisk >/dev/null; then
  truncate -s 64M parts.img
  printf 'label: dos\n,32M,L\n,,L\n' | sfdisk -q parts.img >/dev/null
  attach parts.img "" -P && pdev=$dev
  # Without udev nobody creates the partition nodes: make them from sysfs.
  part_sys=/sys/block/${pdev#/dev/}/${pdev#/dev/}p2/dev
  if [ ! -b "${pdev}p2" ] && [ -r "$part_sys" ]; then
    IFS=: read -r pmaj pmin <"$part_sys" && mknod "${pdev}p2" b "$pmaj" "$pmin" && made_nodes+=("${pdev}p2")
  fi
  if [ -n "${pdev:-}" ] && [ -b "${pdev}p2" ] && mkfs.ext4 -q "${pdev}p2" 2>/dev/null &&
     mkdir -p "$work/mnt2" && mount "${pdev}p2" "$work/mnt2" 2>/dev/null; then
    mounts+=("$work/mnt2")
    run write image.img "$pdev" --yes --force
    check "mounted partition: refused" test "$code" -eq 1
    check "mounted partition: the mount point is named" grep -q "mounted at $work/mnt2" err
    run list --all
    check "list --all shows the mount point" grep -q "$work/mnt2" out
    umount "$work/mnt2"
  else
    echo "note: partition devices are not created here; the mounted-partition check was not run"
  fi
fi

run list --all
check "list --all shows loop devices" grep -q '^/dev/loop' out

# A gzip image records no size: larger than the device, its zero tail is not written;
# data beyond the end is refused before the device's head (its table) is written.
truncate -s 4M small-disk.img
if attach small-disk.img; then
  { head -c 2000000 /dev/urandom; head -c 6000000 /dev/zero; } >zt.img
  gzip -k zt.img
  run write zt.img.gz "$dev" --yes --force --hash md5 --progress=none
  check "gzip, zero tail past the device: exit 0" test "$code" -eq 0
  check "gzip, zero tail past the device: noted" grep -q 'all zeros and were not written' err
  check "gzip, zero tail past the device: md5 of the whole image" grep -q "$(md5sum <zt.img | cut -d' ' -f1)  zt.img" out
  check "gzip, zero tail past the device: the device holds the image's start" cmp -n 4194304 zt.img "$dev"
  { head -c 2000000 /dev/urandom; head -c 3000000 /dev/zero; echo tail; } >big.img
  gzip -k big.img
  head -c 1048576 /dev/urandom >head.bin
  dd if=head.bin of="$dev" oflag=direct bs=1M conv=notrunc status=none
  run write big.img.gz "$dev" --yes --force --progress=none
  check "gzip with data past the device: exit 1" test "$code" -eq 1
  check "gzip with data past the device: said so" grep -q "holds data beyond the device's end" err
  check "gzip with data past the device: the image's head was not written" bash -c "! cmp -s -n 1048576 big.img $dev"
else
  fail "attach a 4 MiB loop device"
fi
# The device shrinks under the writer, at the first, a middle and the last chunk of a
# 64 MiB image: the device's backing file is cut and the loop device told (losetup -c)
# while a write runs. To cut at a known place however fast this machine is, the
# backing file lives on a file system that is frozen (fsfreeze) before the writer
# starts: the writer is held while erasing the device's head (its write or flush waits
# on the frozen file system; the head is written last, after every chunk: the safe
# order), so before its first chunk; it is paused there (SIGSTOP), the file system
# thawed, the device cut and the writer resumed. Its chunks start at 1 MiB,
# 4 in flight, so it fails where the device now ends or at a chunk in flight beyond it.
# The write fails naming the device and that offset.
truncate -s 96M frz-fs.img
if ! command -v fsfreeze >/dev/null; then
  echo "note: fsfreeze is not installed; the shrinking-device checks were not run"
elif attach frz-fs.img && mkfs.ext4 -q "$dev" 2>/dev/null && mkdir -p "$work/frz" &&
     mount "$dev" "$work/frz" 2>/dev/null; then
  mounts+=("$work/frz")
  frz=$work/frz size=$((64 * MiB))
  head -c "$size" /dev/urandom >shrink-image.img
  image_md5=$(md5sum <shrink-image.img)
  truncate -s 68M "$frz/shrink.img"
  if attach "$frz/shrink.img"; then
    sdev=$dev
    for pos in "first $((2 * MiB)) $MiB $((MiB + 2 * chunk))" \
               "middle $((size / 2)) $((size / 4)) $((size * 3 / 4))" \
               "last $((size - 2 * MiB)) $((size - 2 * chunk)) $size"; do
      read -r where cut lo hi <<<"$pos"
      truncate -s 0 "$frz/shrink.img" && truncate -s 68M "$frz/shrink.img" && losetup -c "$sdev"
      fsfreeze -f "$frz" && frozen=$frz
      "$di" write shrink-image.img "$sdev" --yes --force --progress=json </dev/null >out 2>err &
      writer=$!
      for _ in $(seq 1 400); do
        grep -q '"phase":"writing"' err 2>/dev/null && break
        sleep 0.02
      done
      kill -STOP "$writer" 2>/dev/null
      fsfreeze -u "$frz" && frozen=
      for _ in $(seq 1 400); do
        stopped "$writer" && break
        sleep 0.01
      done
      paused_at=$(grep -o '"bytes_done":[0-9]*' err | tail -1)
      truncate -s "$cut" "$frz/shrink.img" && losetup -c "$sdev"
      kill -CONT "$writer" 2>/dev/null
      wait "$writer"; code=$?; writer=
      at=$(failed_at "$sdev")
      check "device shrunk to $cut bytes, $where chunk: paused before any chunk was written" test "$paused_at" = '"bytes_done":0'
      check "device shrunk, $where chunk: exit 1" test "$code" -eq 1
      check "device shrunk, $where chunk: the device and an offset are named" grep -qE "failed on $sdev at byte [0-9]+" err
      check "device shrunk, $where chunk: the offset (${at:-none}) is in [$lo, $hi)" within "$at" "$lo" "$hi"
      check "device shrunk, $where chunk: the image is unchanged" test "$(md5sum <shrink-image.img)" = "$image_md5"
      [ "$code" -eq 1 ] || echo "    paused at $paused_at; $(tail -1 err)"
    done
    losetup -d "$sdev"
  else
    fail "attach a loop device to shrink"
  fi
  rm -f shrink-image.img
  umount "$work/frz"
else
  echo "note: cannot mount here; the shrinking-device checks were not run"
fi
# Verify Only of a card mounted since it was written: an MBR with one FAT32 partition at
# 1 MiB (sfdisk, mkfs.fat -F 32) holding a file (mcopy), written to a loop device whose
# partition is then mounted read-write and left mounted: by the kernel's vfat, or where
# the kernel has none, by fusefat (a FAT driver in user space). The mount marks the
# volume (the kernel's vfat sets the boot sector's dirty flag; fusefat, as Windows does,
# clears FAT[1]'s clean-shutdown bit in both FATs): verify exits 3 at the first marked
# byte and says the card was mounted since. With one byte of the file's data changed on
# the device too: exit 3 at that byte, without the explanation.
fat_mount_checks() {
  local fdev part sys fat_mnt="$work/fatmnt" how first data
  truncate -s 64M fat.img
  printf 'label: dos\nstart=2048, type=c\n' | sfdisk -q fat.img >/dev/null &&
    mkfs.fat -F 32 -h 2048 --offset 2048 -n DITEST fat.img 64512 >/dev/null 2>&1 &&
    printf 'the data of a file on the card: XYZZY-MARKER\n' >f.txt &&
    mcopy -i fat.img@@1M f.txt ::f.txt || { fail "FAT: make the image"; return; }
  data=$(grep -obUa XYZZY-MARKER fat.img | head -n 1 | cut -d: -f1)
  truncate -s 64M fatcard.img
  attach fatcard.img "" -P || { fail "FAT: attach a loop device"; return; }
  fdev=$dev
  run write fat.img "$fdev" --yes --force --progress=none
  check "FAT: the image is written" test "$code" -eq 0
  [ "$code" -eq 0 ] || cat err
  # The kernel re-read the table after the write, but some kernels find no partition
  # (no MBR parser built in): added by hand then; without udev, its node from sysfs.
  part=${fdev}p1 sys=/sys/block/${fdev#/dev/}/${fdev#/dev/}p1
  [ -e "$sys" ] || partx -a "$fdev" 2>/dev/null
  if [ -r "$sys/dev" ] && [ ! -b "$part" ]; then
    IFS=: read -r pmaj pmin <"$sys/dev" && mknod "$part" b "$pmaj" "$pmin" && made_nodes+=("$part")
  fi
  [ -b "$part" ] || { echo "note: no partition device on $fdev; the FAT mount checks were not run"; return; }
  mkdir -p "$fat_mnt"
  # noatime: reading a file must not change its directory entry (not a mount's mark).
  if grep -qw vfat /proc/filesystems && mount -t vfat -o rw,noatime "$part" "$fat_mnt" 2>/dev/null; then
    how="the kernel's vfat"
  elif command -v fusefat >/dev/null && fusefat -o rw+ "$part" "$fat_mnt" >/dev/null 2>&1; then
    how=fusefat
  else
    echo "note: neither vfat nor fusefat mounts here; the FAT mount checks were not run"
    return
  fi
  mounts+=("$fat_mnt")
  sync
  first=$(cmp -l fat.img "$fdev" 2>/dev/null | head -n 1 | awk '{print $1 - 1}')
  if [ -z "$first" ]; then
    fail "FAT: mounting through $how changed nothing on the card"
  else
    echo "note: mounting through $how changed the bytes at $(cmp -l fat.img "$fdev" | awk '{printf "%d (0%s -> 0%s) ", $1 - 1, $2, $3}')"
    run verify fat.img "$fdev" --progress=none
    check "FAT mounted by $how: verify exits 3" test "$code" -eq 3
    check "FAT mounted: the first changed byte ($first) is named" grep -q "at byte $first " err
    check "FAT mounted: it says the card was mounted since" grep -q 'which the OS changes when it mounts the card' err
    [ "$code" -eq 3 ] || cat err
    flip_byte "$fdev" "$data" && sync
    run verify fat.img "$fdev" --progress=none
    check "FAT mounted, a byte of a file changed: verify exits 3" test "$code" -eq 3
    check "FAT mounted, a byte of a file changed: that byte ($data) is named" grep -q "at byte $data " err
    check "FAT mounted, a byte of a file changed: no word of a mount" bash -c "! grep -q 'mounts the card' err"
  fi
  check "FAT: the card's file reads through $how" grep -q 'the data of a file' "$fat_mnt/f.txt"
  umount "$fat_mnt"
  losetup -d "$fdev"
}
if command -v sfdisk >/dev/null && command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
  fat_mount_checks
else
  echo "note: sfdisk, mkfs.fat or mcopy is missing; the FAT mount checks were not run"
fi
finish
