#!/usr/bin/env bash
# Restore's layouts judged by tools we did not write (issue 14): for drives of 64 MiB to
# 2 TiB (sparse files) with 512- and 4096-byte sectors, card_format_tool writes the
# layout. FAT32: sfdisk must show one FAT32 (0x0c) partition on the boundary unit,
# fsck.fat -n must find nothing wrong on the partition (a loop device with the drive's
# sector size), mtools must write a file into it and read the same bytes back, and
# mdir must show the label. exFAT: sfdisk must show one 0x07 partition on the boundary
# unit, fsck.exfat -n must find nothing wrong (and must fail once the boot checksum or
# the up-case table is damaged, so these checks can fail), blkid and exfatlabel must
# show the label, the kernel's exfat or exfat-fuse must mount it, write a file and
# read the same bytes back after a remount, and fsck.exfat must stay clean. A card that
# held a GPT image (a backup GPT at its end, file-system signatures) must show nothing
# of it afterwards (wipefs, sgdisk), restored as either.
# Args: CARD_FORMAT_TOOL
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$tests_dir/lib/harness.sh"
tool=$1

skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root (the partitions are checked through loop devices)"
for c in losetup sfdisk fsck.fat mcopy mdir wipefs sgdisk gdisk blkid mkfs.ext4; do
  command -v "$c" >/dev/null || skip "$c is not installed"
done
work=$(mktemp -d /var/tmp/di-card.XXXXXX)
loop=""
mounted=""
cleanup() {
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
losetup -f >/dev/null 2>&1 || skip "no loop device is free"

# exFAT's judges: without fsck.exfat its cells are skipped (FAT32's still run); the
# label and mount checks each need their own tool.
exfat_fsck=yes exfat_label=yes exfat_mount=""
command -v fsck.exfat >/dev/null || { exfat_fsck=""; echo "skipped: the exFAT cells (fsck.exfat is not installed: exfatprogs)"; }
command -v exfatlabel >/dev/null || { exfat_label=""; echo "skipped: exFAT label checks by exfatlabel (not installed: exfatprogs)"; }
if grep -qw exfat /proc/filesystems 2>/dev/null; then
  exfat_mount=kernel
elif command -v mount.exfat-fuse >/dev/null && [ -c /dev/fuse ]; then
  exfat_mount=fuse
else
  echo "skipped: exFAT mount checks (neither the kernel's exfat nor mount.exfat-fuse with /dev/fuse)"
fi

# A check's command is quiet: its output would hide the verdicts.
quiet() { "$@" >/dev/null 2>&1; }
tool_run() { timeout -k 10 600 "$tool" "$@"; }
value() { sed -n "s/^$1=//p" "$work/layout"; }

# One drive: BYTES SECTOR FS LABEL EXPECTED_LABEL
restore_and_judge() {
  local bytes=$1 sector=$2 fs=$3 label=$4 want_label=$5 name="$1 bytes, $2-byte sectors, $3"
  echo "== $name"
  if ! tool_run "$work/card.img" "$bytes" "$sector" "$fs" "$label" >"$work/layout" 2>"$work/err"; then
    fail "$name: restore: $(cat "$work/err")"; return
  fi
  local start size
  start=$(value start); size=$(value sectors)
  # sfdisk reads the table through a loop device with the drive's sector size.
  loop=$(losetup -f --show --sector-size "$sector" "$work/card.img") || { fail "$name: losetup"; return; }
  sfdisk -d "$loop" >"$work/table" 2>&1
  losetup -d "$loop"; loop=""
  check "$name: one partition" test "$(grep -c '^/dev' "$work/table")" -eq 1
  check "$name: type 0x0c (FAT32, LBA)" quiet grep -qE 'type=c\b' "$work/table"
  check "$name: starts at sector $start, a boundary-unit multiple" quiet grep -qE "start= *$start," "$work/table"
  check "$name: $size sectors" quiet grep -qE "size= *$size," "$work/table"
  loop=$(losetup -f --show --sector-size "$sector" -o $((start * sector)) --sizelimit $((size * sector)) \
         "$work/card.img") || { fail "$name: losetup"; return; }
  timeout 600 fsck.fat -n "$loop" >"$work/fsck" 2>&1; local code=$?
  check "$name: fsck.fat -n finds nothing wrong (exit $code)" test "$code" -eq 0
  check "$name: fsck.fat sees no difference between the FATs or the boot sectors" quiet \
    bash -c "! grep -qiE 'differ|corrupt|invalid|mismatch' '$work/fsck'"
  [ "$code" -eq 0 ] || sed 's/^/    | /' "$work/fsck" | tail -n 8
  head -c 300000 /dev/urandom >"$work/file.bin"
  check "$name: mcopy writes a file" quiet mcopy -i "$loop" "$work/file.bin" ::/file.bin
  rm -f "$work/back.bin"
  check "$name: mcopy reads it back" quiet mcopy -i "$loop" ::/file.bin "$work/back.bin"
  check "$name: the same bytes" quiet cmp "$work/file.bin" "$work/back.bin"
  check "$name: mdir shows the label $want_label" bash -c "mdir -i '$loop' ::/ 2>/dev/null | grep -q 'Volume in drive : is $want_label *\$'"
  timeout 600 fsck.fat -n "$loop" >"$work/fsck2" 2>&1
  check "$name: fsck.fat -n still clean after the file" test $? -eq 0
  losetup -d "$loop"; loop=""
  rm -f "$work/card.img"
}

# Mounts DEVICE on DIR as exFAT: the kernel's driver where it has one, else exfat-fuse
# (tried too when the kernel's refuses). A FUSE mount is done once umount returns:
# fuseblk waits for the daemon to write everything back.
mount_exfat() {
  if [ "$exfat_mount" = kernel ] && mount -t exfat "$1" "$2" 2>/dev/null; then
    mounted=$2; return 0
  fi
  command -v mount.exfat-fuse >/dev/null && timeout 60 mount.exfat-fuse "$1" "$2" >/dev/null 2>&1 &&
    mounted=$2
}
unmount_exfat() { umount "$1" && mounted=""; }

# exFAT on the partition of $work/card.img, sector-byte sectors, at START for SIZE: the
# whole judgement but the table. NAME labels the checks.
judge_exfat_volume() {
  local name=$1 sector=$2 start=$3 size=$4 want_label=$5
  loop=$(losetup -f --show --sector-size "$sector" -o $((start * sector)) --sizelimit $((size * sector)) \
         "$work/card.img") || { fail "$name: losetup"; return; }
  timeout 600 fsck.exfat -n "$loop" >"$work/fsck" 2>&1; local code=$?
  check "$name: fsck.exfat -n finds nothing wrong (exit $code)" test "$code" -eq 0
  [ "$code" -eq 0 ] || sed 's/^/    | /' "$work/fsck" | tail -n 8
  check "$name: blkid sees exFAT" test "$(blkid -p -s TYPE -o value "$loop" 2>/dev/null)" = exfat
  check "$name: blkid sees the label $want_label" \
    test "$(blkid -p -s LABEL -o value "$loop" 2>/dev/null)" = "$want_label"
  if [ -n "$exfat_label" ]; then
    check "$name: exfatlabel shows $want_label" \
      bash -c "exfatlabel '$loop' 2>/dev/null | grep -qx 'label: $want_label'"
  fi
  if [ -n "$exfat_mount" ]; then
    mkdir -p "$work/mnt"
    head -c 300000 /dev/urandom >"$work/file.bin"
    if mount_exfat "$loop" "$work/mnt"; then
      ok "$name: mounted as exFAT"
      check "$name: a file written" cp "$work/file.bin" "$work/mnt/file.bin"
      check "$name: unmounted" unmount_exfat "$work/mnt"
    else
      fail "$name: mounted as exFAT"
    fi
    if mount_exfat "$loop" "$work/mnt"; then
      check "$name: mounted again, the same bytes read back" cmp "$work/file.bin" "$work/mnt/file.bin"
      unmount_exfat "$work/mnt"
    else
      fail "$name: mounted again"
    fi
    timeout 600 fsck.exfat -n "$loop" >"$work/fsck2" 2>&1; code=$?
    check "$name: fsck.exfat -n still clean after the file (exit $code), and sees it" \
      bash -c "[ $code -eq 0 ] && grep -q 'files 1' '$work/fsck2'"
    [ "$code" -eq 0 ] || sed 's/^/    | /' "$work/fsck2" | tail -n 8
  fi
  losetup -d "$loop"; loop=""
}

# One drive restored as exFAT: BYTES SECTOR FS LABEL EXPECTED_LABEL
restore_and_judge_exfat() {
  local bytes=$1 sector=$2 fs=$3 label=$4 want_label=$5 name="$1 bytes, $2-byte sectors, $3"
  [ -n "$exfat_fsck" ] || return
  echo "== $name"
  if ! tool_run "$work/card.img" "$bytes" "$sector" "$fs" "$label" >"$work/layout" 2>"$work/err"; then
    fail "$name: restore: $(cat "$work/err")"; return
  fi
  check "$name: planned as exFAT" test "$(value fs)" = exfat
  local start size
  start=$(value start); size=$(value sectors)
  loop=$(losetup -f --show --sector-size "$sector" "$work/card.img") || { fail "$name: losetup"; return; }
  sfdisk -d "$loop" >"$work/table" 2>&1
  losetup -d "$loop"; loop=""
  check "$name: one partition" test "$(grep -c '^/dev' "$work/table")" -eq 1
  check "$name: type 0x07 (exFAT)" quiet grep -qE 'type=7\b' "$work/table"
  check "$name: starts at sector $start, a boundary-unit multiple" quiet grep -qE "start= *$start," "$work/table"
  check "$name: $size sectors" quiet grep -qE "size= *$size," "$work/table"
  judge_exfat_volume "$name" "$sector" "$start" "$size" "$want_label"
  rm -f "$work/card.img"
}

# exFAT damaged on purpose: fsck.exfat must see it, or the checks above prove nothing.
# A byte of the boot checksum sector (sector 11 of the partition) and a byte of the
# up-case table (the cluster after the bitmap's) each make it fail.
damaged_exfat_fails() {
  local name="64 MiB exFAT, damaged" start size heap cluster
  [ -n "$exfat_fsck" ] || return
  echo "== $name"
  tool_run "$work/card.img" $((64 * 1024 * 1024)) 512 exfat "" >"$work/layout" 2>"$work/err" ||
    { fail "$name: restore: $(cat "$work/err")"; return; }
  start=$(value start); size=$(value sectors); heap=$(value heap); cluster=$(value cluster)
  cp --sparse=always "$work/card.img" "$work/good.img"
  local part=$((start * 512))
  for what in "boot checksum:$((part + 11 * 512 + 7))" \
              "up-case table:$((part + (heap + cluster) * 512 + 301))"; do
    cp --sparse=always "$work/good.img" "$work/card.img"
    flip_byte "$work/card.img" "${what#*:}"
    loop=$(losetup -f --show -o "$part" --sizelimit $((size * 512)) "$work/card.img") || { fail "$name: losetup"; return; }
    timeout 600 fsck.exfat -n "$loop" >"$work/fsck" 2>&1; local code=$?
    check "$name: fsck.exfat -n fails on a changed byte of the ${what%%:*} (exit $code)" test "$code" -ne 0
    losetup -d "$loop"; loop=""
  done
  rm -f "$work/card.img" "$work/good.img"
}

restore_and_judge $((64 * 1024 * 1024)) 512 auto "" 67MB
restore_and_judge $((1024 * 1024 * 1024)) 512 auto "boot" BOOT
restore_and_judge $((1024 * 1024 * 1024)) 4096 auto "PI DATA" "PI DATA"
restore_and_judge 7948206080 512 auto "" 8GB
restore_and_judge $((2 * 1024 * 1024 * 1024 + 4 * 1024 * 1024)) 512 auto "" 2GB
restore_and_judge $((32 * 1024 * 1024 * 1024)) 512 auto "" 34GB
restore_and_judge $((16 * 1024 * 1024 * 1024)) 4096 auto "" 17GB
restore_and_judge $((64 * 1024 * 1024 * 1024)) 512 fat32 "" 69GB
restore_and_judge $((2048 * 1024 * 1024 * 1024)) 512 fat32 "BIG" BIG

restore_and_judge_exfat $((64 * 1024 * 1024)) 512 exfat "" 67MB
restore_and_judge_exfat $((64 * 1024 * 1024)) 4096 exfat "small 4k" "SMALL 4K"
restore_and_judge_exfat $((1024 * 1024 * 1024)) 4096 exfat "PI DATA" "PI DATA"
restore_and_judge_exfat $((32 * 1024 * 1024 * 1024)) 512 exfat "" 34GB
restore_and_judge_exfat $((33 * 1024 * 1024 * 1024)) 512 auto "" 35GB
restore_and_judge_exfat $((200 * 1024 * 1024 * 1024)) 4096 auto "" 215GB
restore_and_judge_exfat $((2048 * 1024 * 1024 * 1024)) 512 auto "BIG" BIG
restore_and_judge_exfat $((2048 * 1024 * 1024 * 1024)) 4096 auto "" 2199GB
damaged_exfat_fails

# A card that held an image with a GPT and a file system: nothing of it is left, as
# FAT32 or exFAT (FS, the tool's word).
held_a_gpt_image() {
  local fs=$1
  echo "== a card that held a GPT image, restored $fs"
  truncate -s 1G "$work/card.img"
  sgdisk -o -n 1:2048:+200M -t 1:8300 "$work/card.img" >/dev/null 2>&1
  mkfs.ext4 -q -F -E offset=$((2048 * 512)) "$work/card.img" 200M >/dev/null 2>&1 || true
  check "$fs: before: wipefs sees the GPT" bash -c "wipefs '$work/card.img' | grep -q gpt"
  DI_CARD_OVER=1 timeout 600 "$tool" "$work/card.img" $((1024 * 1024 * 1024)) 512 "$fs" "" >/dev/null 2>"$work/err"
  check "$fs: restored over it" test $? -eq 0
  wipefs "$work/card.img" >"$work/wipefs" 2>&1
  check "$fs: after: wipefs sees only the dos table" bash -c "test \"\$(grep -vc '^DEVICE\\|^OFFSET' '$work/wipefs')\" -eq 1 && grep -q dos '$work/wipefs'"
  check "$fs: after: no GPT, not even the backup at the end (gdisk: GPT not present)" quiet \
    bash -c "echo | gdisk -l '$work/card.img' 2>&1 | grep -q 'GPT: not present'"
  check "$fs: after: no ext4 left where the old partition began" quiet \
    bash -c "! blkid -p -O $((2048 * 512)) '$work/card.img' 2>/dev/null | grep -q ext4"
  rm -f "$work/card.img"
}
held_a_gpt_image auto
[ -n "$exfat_fsck" ] && held_a_gpt_image exfat

finish
