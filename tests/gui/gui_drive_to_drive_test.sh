#!/usr/bin/env bash
# Drive to drive in Win32DiskImager.exe under Wine + Xvfb (issue 15), driven by
# gui_driver.exe: the image field's "From a drive..." box lists the drives as the Device
# box does, the one not chosen under Device first; U: (a file-backed drive) picked there
# puts \\.\U: in the field; Write copies it to T: with MD5 and verify; Verify Only and
# Hash Drive take it too; T: picked as its own source is refused, naming both, and T:
# is left as it was. The box fits its texts. Screenshots: gui-from-drive (the box open),
# gui-drive-written, gui-from-drive-de.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
MiB=$((1024 * 1024))
# U: 48 MiB of random bytes, the drive to copy; T: 64 MiB, the target.
head -c $((48 * MiB)) /dev/urandom >"$work/drive-u.img"
head -c $((64 * MiB)) /dev/zero | tr '\0' '\245' >"$work/drive-t.img"
wine_map_drive "$WINEPREFIX" u "$work/drive-u.img" "$work/u"
wine_map_drive "$WINEPREFIX" t "$work/drive-t.img" "$work/t"
u_md5=$(md5 "$work/drive-u.img")
wait_closed() { for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done; }

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window select "Device" "T:" enabled "From a drive..." source-open
check "From a drive... is offered while idle" has "enabled From a drive...: 1"
check "its box lists U:" has "source-chosen: U: "
check "and T:, the Device box's drive, not chosen first" has "source-choice: T: "
sleep 0.5; shot gui-from-drive
drive_gui fit-box source-pick "U:" get "Image File"
check "the box's texts fit" has ", 0 too narrow"
check "the drive picked goes into the image field" has 'Image File: \\.\U:'
drive_gui check "Hash" on check "Verify after write" on click Write answer Yes \
  wait-progress 1 enabled "From a drive..." wait-idle answer OK status get "Hash value"
check "the question names T: and the drive written to it" has 'Write \\.\U: to this device?'
check "From a drive... is disabled during the job" has "enabled From a drive...: 0"
check "the write succeeds" has "Write successful."
check "T: holds U:" cmp -n $((48 * MiB)) "$work/drive-u.img" "$work/drive-t.img"
check "the rest of T: is untouched" test "$(tail -c +$((48 * MiB + 1)) "$work/drive-t.img" | tr -d '\245' | wc -c)" -eq 0
check "the MD5 shown is U:'s" has "Hash value: $u_md5"
sleep 0.5; shot gui-drive-written
drive_gui click "Verify Only" wait-idle answer OK status
check "Verify Only of U: against T: matches" has "Verify successful."
drive_gui click "Hash Drive" wait-idle answer OK get "Hash value"
check "Hash Drive hashes T:'s first 48 MiB, U:'s size: U:'s MD5" has "Hash value: $u_md5"

# T: as its own source: refused before anything is written.
t_md5=$(md5 "$work/drive-t.img")
drive_gui source-drive "T:" get "Image File" click Write answer OK
check "T: picked as the drive to copy" has 'Image File: \\.\T:'
check "writing T: onto itself is refused, naming both" has '\\.\T: is this very drive'
check "T: is left as it was" test "$(md5 "$work/drive-t.img")" = "$t_md5"
# The box in the other languages: its texts fit (at 96 dpi; gui_lang_test.sh measures
# the button in the main dialog at 144 too).
for lang in Deutsch Fran Espa 中文; do
  drive_gui choose-language "$lang" source-open fit-box box-cancel
  check "the box's texts fit in $lang" has ", 0 too narrow"
  [ "$lang" = Deutsch ] && { drive_gui source-open; sleep 0.5; shot gui-from-drive-de; drive_gui box-cancel; }
done
drive_gui choose-language English no-message close
wait_closed
gui_pid=""
finish
