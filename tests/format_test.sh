#!/usr/bin/env bash
# `diskimager format` (Restore, issue 14) as a user runs it, judged by tools we did not
# write. linux: on loop devices with 512- and 4096-byte sectors (root), and on a loop
# device over a FUSE card whose discard does nothing (zeros instead); windows: diskimager.exe
# under Wine on \\.\T:, a removable drive letter backed by a file. Each restored drive:
# sfdisk sees one partition at the planned start, fsck.fat -n / fsck.exfat -n find
# nothing wrong, mtools or blkid show the label, and nothing of the old card is left
# where the layout wrote. The refusals leave the drive untouched.
# Args: linux DISKIMAGER | windows WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
support=$tests_dir/support
mode=$1
skip() { echo "SKIP: $1"; exit 77; }
for c in sfdisk fsck.fat fsck.exfat mdir blkid; do
  command -v "$c" >/dev/null || skip "$c is not installed (scripts/setup installs it)"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/di-format.XXXXXX")
source "$tests_dir/lib/fuse_cards.sh"
cleanup() {
  fuse_cards_cleanup
  if [ "$mode" = windows ]; then rm -f "$WINEPREFIX/dosdevices/t:" "$WINEPREFIX/dosdevices/t::"; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))

if [ "$mode" = linux ]; then
  di=("$2")
  case ${di[0]} in /*) ;; *) di=("$OLDPWD/${di[0]}") ;; esac
  [ "$(id -u)" -eq 0 ] || skip "loop devices need root"
  losetup -f >/dev/null 2>&1 || skip "no loop device is free"
else
  wine_run=$2
  di=("$wine_run" "$3")
  export WINEPREFIX=$4/wineprefix WINEDEBUG=-all
fi

# A used card: an image's table and data at its start, bytes in its middle, a backup
# GPT's place at its end.
used_card() { # FILE SIZE
  rm -f "$1"; truncate -s "$2" "$1"
  head -c $MiB /dev/urandom | dd of="$1" conv=notrunc status=none
  head -c $MiB /dev/urandom | dd of="$1" bs=$MiB seek=$(($2 / MiB / 2)) conv=notrunc status=none
  head -c $MiB /dev/urandom | dd of="$1" bs=$MiB seek=$(($2 / MiB - 1)) conv=notrunc status=none
}
zeros_at() { # FILE OFFSET LENGTH: all zero there
  [ "$(dd if="$1" bs=$MiB iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none | tr -d '\0' | wc -c)" -eq 0 ]
}
not_zeros_at() { ! zeros_at "$@"; }

# Judges the drive's bytes in FILE (SECTOR-byte sectors): sfdisk's view, then the
# partition copied out (sparse) and checked by its file system's own tools.
judge() { # NAME FILE SECTOR FS LABEL
  local name=$1 file=$2 sector=$3 fs=$4 label=$5 type
  [ "$fs" = exfat ] && type=7 || type=c
  sfdisk -d -b "$sector" "$file" >table 2>&1 || sfdisk -d "$file" >table 2>&1
  local start size
  start=$(sed -nE 's/.*start= *([0-9]+),.*/\1/p' table | head -n 1)
  size=$(sed -nE 's/.*size= *([0-9]+),.*/\1/p' table | head -n 1)
  check "$name: one partition" test "$(grep -c 'start=' table)" -eq 1
  check "$name: type $type" grep -qE "type=$type\b" table
  check "$name: it starts on a 1 MiB multiple" test $((${start:-1} * sector % MiB)) -eq 0
  check "$name: it says the partition where it is ($start)" grep -q "from sector $start " err
  dd if="$file" of=part.img bs=$MiB iflag=skip_bytes,count_bytes skip=$((${start:-0} * sector)) \
     count=$((${size:-0} * sector)) conv=sparse status=none
  if [ "$fs" = exfat ]; then
    local part=part.img
    # fsck.exfat wants a device for 4096-byte sectors: a loop device when root.
    if [ "$sector" = 4096 ] && [ "$(id -u)" -eq 0 ]; then
      part=$(losetup -f --show --sector-size 4096 part.img); loops+=("$part")
    fi
    fsck.exfat -n "$part" >fsck 2>&1
    check "$name: fsck.exfat -n finds nothing wrong" test $? -eq 0
    check "$name: blkid reads the label $label" test "$(blkid -s LABEL -o value "$part")" = "$label"
    [ "$part" != part.img ] && losetup -d "$part"
  else
    fsck.fat -n part.img >fsck 2>&1
    check "$name: fsck.fat -n finds nothing wrong" test $? -eq 0
    check "$name: mdir shows the label $label" bash -c "mdir -i part.img ::/ 2>/dev/null | grep -q 'Volume in drive : is $label *\$'"
  fi
  grep -qiE 'wrong|corrupt|differ' fsck && sed 's/^/    | /' fsck | tail -n 5
  rm -f part.img
}

if [ "$mode" = linux ]; then
  # --- loop devices with 512- and 4096-byte sectors ---
  for sector in 512 4096; do
    used_card card.img $((300 * MiB))
    dev=$(losetup -f --show --sector-size "$sector" card.img); loops+=("$dev")
    before=$(md5sum <card.img)
    run format "$dev" --progress=none
    check "$sector: a loop device (fixed) without --force: refused (exit 1)" test "$code" -eq 1
    check "$sector: it says pass --force" grep -q 'pass --force' err
    run format "$dev" --force --progress=none
    check "$sector: no --yes and no terminal: refused" test "$code" -eq 1
    check "$sector: it names the drive and says erased" grep -q "All data on $dev\|without confirmation" err
    check "$sector: the refused drive is untouched" test "$(md5sum <card.img)" = "$before"
    run format "$dev" --force --yes --label 'pi boot' --progress=none
    check "$sector: FAT32 restore exits 0" test "$code" -eq 0
    check "$sector: it says what it made" grep -q "$dev restored as one FAT32 partition of .* label PI BOOT" err
    losetup -d "$dev"; loops=()
    judge "$sector FAT32" card.img "$sector" fat32 "PI BOOT"
    check "$sector: the backup GPT's place is zeros" zeros_at card.img $((299 * MiB)) $MiB
    check "$sector: quick: the old data in the middle is left" not_zeros_at card.img $((150 * MiB)) $MiB

    dev=$(losetup -f --show --sector-size "$sector" card.img); loops+=("$dev")
    run format "$dev" --force --yes --fs exfat --erase --progress=none
    check "$sector: exFAT restore with --erase exits 0" test "$code" -eq 0
    check "$sector: a loop device discards" grep -q "erased $dev: every block discarded" err
    losetup -d "$dev"; loops=()
    judge "$sector exFAT" card.img "$sector" exfat "315MB"
    check "$sector: erased: the middle is zeros" zeros_at card.img $((150 * MiB)) $MiB
  done

  # --- refusals ---
  used_card small.img $((32 * MiB))
  dev=$(losetup -f --show small.img); loops+=("$dev")
  run format "$dev" --force --yes
  check "32 MiB: too small, refused (exit 1)" test "$code" -eq 1
  check "32 MiB: it says from 64 MiB up" grep -q "restored from 64 MiB up" err
  run format "$dev" --force --yes --label 'a:b'
  used_card label.img $((100 * MiB))
  run format label.img --yes --label 'a:b'
  check "a label FAT cannot hold: refused" grep -q 'cannot be a FAT volume label' err
  check "... the file untouched" not_zeros_at label.img 0 4096
  run format "$work/no-such-card" --yes
  check "a name that is no drive: refused" grep -q "no such drive" err
  check "... and no file is made" test ! -e "$work/no-such-card"
  run format "$dev" --force --yes --fs ntfs
  check "--fs ntfs: a usage error (exit 2)" test "$code" -eq 2
  run format "$dev" --force --yes --hash md5
  check "--hash does not apply to format (exit 2)" test "$code" -eq 2
  losetup -d "$dev"; loops=()
  used_card mounted.img $((80 * MiB))
  mkfs.fat -F 32 mounted.img >/dev/null 2>&1
  dev=$(losetup -f --show mounted.img); loops+=("$dev")
  mkdir -p mnt
  if mount "$dev" mnt 2>/dev/null; then
    before=$(md5sum <"$dev")
    run format "$dev" --force --yes
    check "a mounted card: refused (exit 1)" test "$code" -eq 1
    check "a mounted card: it says where it is mounted" grep -q "mounted" err
    umount mnt
    check "a mounted card: untouched" test "$(md5sum <"$dev")" = "$before"
  else
    echo "note: this kernel cannot mount vfat; the mounted-card refusal is test_request's and field's"
  fi
  losetup -d "$dev"; loops=()

  # The disk holding / is never restored, --force or not (as nobody: a broken refusal
  # could not write it).
  root_dev=$(findmnt -no SOURCE / 2>/dev/null)
  root_disk=$(lsblk -no PKNAME "$root_dev" 2>/dev/null | tail -1)
  root_disk=/dev/${root_disk:-$(lsblk -no NAME "$root_dev" 2>/dev/null | head -1)}
  if [ -b "$root_disk" ] && command -v runuser >/dev/null; then
    chmod 755 "$work"
    runuser -u nobody -- "${di[@]}" format "$root_disk" --yes --force </dev/null >out 2>err; code=$?
    check "the system disk $root_disk: refused with --force (exit 1)" test "$code" -eq 1
    check "the system disk: it says why" grep -q "it holds the running system" err
  fi

  # --- a card whose discard does nothing: a loop device over a FUSE file (no hole
  # punching) takes BLKDISCARD and keeps its data; the marks written first tell ---
  if ! missing=$(fuse_cards_missing); then
    card fcard $((96 * MiB))
    head -c $MiB /dev/urandom | dd of="$work/fcard/card" bs=$MiB seek=50 conv=notrunc status=none
    run format "$dev" --force --yes --erase --progress=json
    check "no discard: restore with --erase exits 0" test "$code" -eq 0
    # The loop driver says yes to BLKDISCARD over a file that cannot punch holes.
    check "no discard: it says zeros were written" grep -q "overwritten with zeros" err
    check "no discard: the progress said erasing" grep -q '"phase":"erasing"' err
    card_end fcard
    check "no discard: the middle is zeros" zeros_at fcard.bin $((50 * MiB)) $MiB
    judge "no discard" fcard.bin 512 fat32 "101MB"
  else
    echo "note: $missing: the zero fill is test_format_job's (a device that cannot discard)"
  fi
else
  # --- \\.\T:, a removable drive letter over a file ---
  "$wine_run" "${di[1]}" --version >/dev/null 2>&1 # creates the prefix on first use
  used_card drive.img $((200 * MiB))
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  wine_map_drive "$WINEPREFIX" t "$work/drive.img" "$work/mnt"
  before=$(md5sum <drive.img)
  run format '\\.\T:' --progress=none
  check "T: without --yes and no terminal: refused" test "$code" -eq 1
  check "T: untouched" test "$(md5sum <drive.img)" = "$before"
  run format '\\.\T:' --yes --label CAM --progress=none
  check "T: FAT32 restore exits 0" test "$code" -eq 0
  sed 's/^/    | /' err | tail -n 3
  judge "T: FAT32" drive.img 512 fat32 CAM
  check "T: the backup GPT's place is zeros" zeros_at drive.img $((199 * MiB)) $MiB
  run format '\\.\T:' --yes --fs exfat --erase --progress=none
  check "T: exFAT restore with --erase exits 0" test "$code" -eq 0
  check "T: Wine cannot trim: zeros" grep -q "overwritten with zeros" err
  judge "T: exFAT" drive.img 512 exfat 210MB
  check "T: erased: the middle is zeros" zeros_at drive.img $((100 * MiB)) $MiB
fi
finish
