#!/usr/bin/env bash
# Restore's FAT32 layouts judged by tools we did not write (issue 14): for drives of
# 64 MiB to 2 TiB (sparse files) with 512- and 4096-byte sectors, card_format_tool
# writes the layout; sfdisk must show one FAT32 (0x0c) partition on the boundary unit,
# fsck.fat -n must find nothing wrong on the partition (a loop device with the drive's
# sector size), mtools must write a file into it and read the same bytes back, and
# mdir must show the label. A card that held a GPT image (a backup GPT at its end,
# file-system signatures) must show nothing of it afterwards (wipefs, sgdisk).
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
cleanup() { [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
losetup -f >/dev/null 2>&1 || skip "no loop device is free"

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

restore_and_judge $((64 * 1024 * 1024)) 512 auto "" 67MB
restore_and_judge $((1024 * 1024 * 1024)) 512 auto "boot" BOOT
restore_and_judge $((1024 * 1024 * 1024)) 4096 auto "PI DATA" "PI DATA"
restore_and_judge 7948206080 512 auto "" 8GB
restore_and_judge $((2 * 1024 * 1024 * 1024 + 4 * 1024 * 1024)) 512 auto "" 2GB
restore_and_judge $((32 * 1024 * 1024 * 1024)) 512 auto "" 34GB
restore_and_judge $((16 * 1024 * 1024 * 1024)) 4096 auto "" 17GB
restore_and_judge $((64 * 1024 * 1024 * 1024)) 512 fat32 "" 69GB
restore_and_judge $((2048 * 1024 * 1024 * 1024)) 512 fat32 "BIG" BIG

# A card that held an image with a GPT and a file system: nothing of it is left.
echo "== a card that held a GPT image"
truncate -s 1G "$work/card.img"
sgdisk -o -n 1:2048:+200M -t 1:8300 "$work/card.img" >/dev/null 2>&1
mkfs.ext4 -q -F -E offset=$((2048 * 512)) "$work/card.img" 200M >/dev/null 2>&1 || true
check "before: wipefs sees the GPT" bash -c "wipefs '$work/card.img' | grep -q gpt"
DI_CARD_OVER=1 timeout 600 "$tool" "$work/card.img" $((1024 * 1024 * 1024)) 512 auto "" >/dev/null 2>"$work/err"
check "restored over it" test $? -eq 0
wipefs "$work/card.img" >"$work/wipefs" 2>&1
check "after: wipefs sees only the dos table" bash -c "test \"\$(grep -vc '^DEVICE\\|^OFFSET' '$work/wipefs')\" -eq 1 && grep -q dos '$work/wipefs'"
check "after: no GPT, not even the backup at the end (gdisk: GPT not present)" quiet \
  bash -c "echo | gdisk -l '$work/card.img' 2>&1 | grep -q 'GPT: not present'"
check "after: no ext4 left where the old partition began" quiet \
  bash -c "! blkid -p -O $((2048 * 512)) '$work/card.img' 2>/dev/null | grep -q ext4"

finish
