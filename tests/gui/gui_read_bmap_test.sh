#!/usr/bin/env bash
# "Save a bmap beside the image" (issue 15) in Win32DiskImager.exe under Wine + Xvfb,
# driven by gui_driver.exe: the check box is there, off on a first start, disabled during
# a job; a Read of T: (a file-backed drive) with it ticked saves card.img and
# card.img.bmap, the message saying so; the image is the drive's bytes and sparse, and
# bmaptool copy with the bmap gives the drive's bytes (it checks the bmap's own checksum
# and each range's); unticked, a Read leaves no bmap; the choice is remembered for the
# next start, and saved off once unticked. Screenshot: gui-read-bmap.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
settings='HKCU\Software\diskimager\Win32DiskImager'
box="Save a bmap beside the image"
wine reg delete "$settings" /v MakeBmap /f >/dev/null 2>&1 # a first start
MiB=$((1024 * 1024))
# The drive: 64 MiB of zeros with data at its head, at 5 MiB and in its last bytes.
drive=$work/drive-t.img
truncate -s $((64 * MiB)) "$drive"
head -c 300000 /dev/urandom | dd of="$drive" conv=notrunc status=none
head -c $MiB /dev/urandom | dd of="$drive" bs=1M seek=5 conv=notrunc status=none
head -c 100 /dev/urandom | dd of="$drive" bs=1 seek=$((64 * MiB - 100)) conv=notrunc status=none
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"
wait_closed() { for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done; }

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window select "Device" "T:" checked "$box" enabled "$box"
check "the dialog offers the removable drive T:" has "T: "
check "\"$box\" is offered, off on a first start" has "checked $box: 0"
check "it can be ticked while idle" has "enabled $box: 1"
drive_gui type "Image File" "$(winpath "$work/card.img")" check "$box" on checked "$box" fit
check "it ticks" has "checked $box: 1"
check "its text fits its control" bash -c "! grep -q '^overflow: Save a bmap' <<<\"\$0\"" "$out"
sleep 0.5; shot gui-read-bmap
drive_gui click Read wait-progress 1 enabled "$box" wait-idle answer OK status enabled "$box"
check "it is disabled during the job" has "enabled $box: 0"
check "the read succeeds" has "Read successful."
check "the message names the bmap and what it maps" has "Block map saved as $(winpath "$work/card.img.bmap"): 1.36 MB of the image hold data"
check "the image is the drive's bytes" cmp -s "$drive" "$work/card.img"
check "the bmap is beside it" test -f "$work/card.img.bmap"
check "the image is sparse ($(($(stat -c %b "$work/card.img") * 512)) bytes allocated of 64 MiB)" \
  test $(($(stat -c %b "$work/card.img") * 512)) -lt $((4 * MiB))
if command -v bmaptool >/dev/null; then
  check "bmaptool copy with the bmap gives the drive's bytes" \
    bash -c "bmaptool copy --bmap '$work/card.img.bmap' '$work/card.img' '$work/bt.img' >/dev/null 2>&1 && cmp -s '$work/bt.img' '$drive'"
fi
check "it is enabled again" has "enabled $box: 1"
drive_gui type "Image File" "$(winpath "$work/plain.img")" check "$box" off click Read wait-idle answer OK check "$box" on
check "unticked, a Read saves no bmap" test -f "$work/plain.img" -a ! -e "$work/plain.img.bmap"
drive_gui close
wait_closed
gui_pid=""

# The next start remembers it; unticked, it is remembered off.
wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window checked "$box" check "$box" off close
check "the tick is remembered" has "checked $box: 1"
wait_closed
gui_pid=""
check "unticked, it is saved off" bash -c "wine reg query '$settings' /v MakeBmap 2>/dev/null | tr -d '\r' | grep -q 'REG_DWORD *0x0$'"

finish
