#!/usr/bin/env bash
# Several drives at once in Win32DiskImager.exe under Wine + Xvfb (issue 15), driven by
# gui_driver.exe: Several... lists the drives with check boxes; two ticked become one
# entry of the Device box; Write asks once naming both, writes and verifies both, a
# line per drive in the Drives window (state and rate while it runs; verdict, bytes and
# read-back MD5 at the end), the image's MD5 once; a drive too small for the image is
# dropped with its own error while the other is written; Verify Only with several
# drives is refused; picking one drive in the box goes back to the single-drive flow.
# Screenshots: gui-several-choose, gui-several-lines.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
trap 'cleanup; rm -f "$WINEPREFIX"/dosdevices/v:*' EXIT
for l in t u v; do
  head -c $((48 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"$work/drive-$l.img"
done
truncate -s $((16 * 1024 * 1024)) "$work/drive-v.img" # V: too small for the image
for l in t u v; do wine_map_drive "$WINEPREFIX" "$l" "$work/drive-$l.img" "$work/$l"; done
head -c $((40 * 1024 * 1024 + 5)) /dev/urandom >"$work/card.img"
size=$((40 * 1024 * 1024 + 5))
image_md5=$(md5 "$work/card.img")
wait_closed() { for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done; }

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window select "Device" "T:" type "Image File" "$(winpath "$work/card.img")" \
  check "Hash" on check "Verify after write" on get "Device"
check "the dialog starts with one drive, T:" has "Device: T: "
# Several...: the drives with check boxes, T: ticked already (the one chosen).
drive_gui click "Several..." sleep 500
sleep 0.5; shot gui-several-choose
drive_gui several-choose "T:" "U:" -- get "Device"
check "Several... lists T:, U: and V:" bash -c "grep -q 'several-choice: T:' <<<\"\$0\" && grep -q 'several-choice: U:' <<<\"\$0\" && grep -q 'several-choice: V:' <<<\"\$0\"" "$out"
check "two ticked" has "several-ticked: 2"
check "the Device box shows the two drives as one entry" has "Device: 2 drives: T:, U:"
drive_gui click Write answer Yes wait-progress 5 drive-lines
check "one question names both drives" bash -c "grep -q 'these 2 drives' <<<\"\$0\" && grep -q 'T: ' <<<\"\$0\" && grep -q 'U: ' <<<\"\$0\"" "$out"
check "a line per drive while it runs" bash -c "[ \$(grep -c '^drive-line: ' <<<\"\$0\") -eq 2 ]" "$out"
check "... with its state and rate" has "MB/s"
drive_gui wait-idle answer OK drive-lines status get "Hash value"
check "the end: 2 of 2 drives written and verified" has "status: Write: 2 of 2 drives written and verified."
check "each drive's line: verified, read back MD5 of the image" \
  bash -c "[ \$(grep -c \"^drive-line: .*written and verified, .*read back MD5 $image_md5\" <<<\"\$0\") -eq 2 ]" "$out"
check "the image's MD5 in the Hash value box" has "Hash value: $image_md5"
check "T: holds the image" cmp -n "$size" "$work/card.img" "$work/drive-t.img"
check "U: holds the image" cmp -n "$size" "$work/card.img" "$work/drive-u.img"
sleep 0.5; shot gui-several-lines

# T: and V:, V: too small: V: is dropped with its own error, T: written.
head -c $((48 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"$work/drive-t.img"
v_before=$(md5 "$work/drive-v.img")
drive_gui click "Several..." several-choose "T:" "V:" -- get "Device" click Write answer Yes \
  wait-idle answer OK drive-lines status
check "the box shows T: and V:" has "Device: 2 drives: T:, V:"
check "the end: 1 of 2 drives written" has "status: Write: 1 of 2 drives written and verified."
check "V: named as failed, with why" has "drive-line: V: "
check "... too small" bash -c "grep 'drive-line: V: ' <<<\"\$0\" | grep -q 'failed: '" "$out"
check "T: holds the image" cmp -n "$size" "$work/card.img" "$work/drive-t.img"
check "V: is as it was" test "$(md5 "$work/drive-v.img")" = "$v_before"

# Verify Only goes to one drive: refused with the several entry, then back to one.
drive_gui click "Verify Only" answer OK select "Device" "U:" click "Verify Only" wait-idle answer OK status
check "Verify Only with several drives is refused, saying why" has "only a Write goes to several drives"
check "one drive picked again: Verify Only runs on it" has "Verify successful"
drive_gui close
wait_closed
gui_pid=""
finish
