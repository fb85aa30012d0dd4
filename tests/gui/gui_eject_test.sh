#!/usr/bin/env bash
# "Eject when done" and the drive list in Win32DiskImager.exe under Wine + Xvfb, driven
# by gui_driver.exe: the check box is there, off on a first start; a reader with no card
# (U:) is not offered; a Write with the box ticked to T: (a file-backed drive, which has
# nothing to eject) succeeds and its message says the card could not be ejected, and
# why; the choice is remembered for the next start. Screenshot: gui-eject.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
settings='HKCU\Software\diskimager\Win32DiskImager'
wine reg delete "$settings" /v EjectWhenDone /f >/dev/null 2>&1 # a first start
drive=$work/drive-t.img
head -c $((128 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"$drive"
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"
# U: a removable drive with nothing behind it: a reader with an empty slot.
wine_map_drive "$WINEPREFIX" u "$work/no-card" "$work/u"
head -c $((96 * 1024 * 1024 + 3)) /dev/urandom >"$work/card.img"
wait_closed() { for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done; }

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window select "Device" "T:" get "Device" checked "Eject when done" enabled "Eject when done"
check "the dialog offers the removable drive T:" has "Device: T: "
check "Eject when done is offered, off on a first start" has "checked Eject when done: 0"
check "it can be ticked while idle" has "enabled Eject when done: 1"
drive_gui select "Device" "U:"
check "the empty reader U: is not offered as a target" test "$drv" -ne 0
drive_gui select "Device" "T:" type "Image File" "$(winpath "$work/card.img")" check "Verify after write" on check "Eject when done" on checked "Eject when done"
check "Eject when done ticks" has "checked Eject when done: 1"
sleep 0.5; shot gui-eject
drive_gui click Write answer Yes wait-progress 1 enabled "Eject when done" wait-idle answer OK status enabled "Eject when done"
check "Eject when done is disabled during the job" has "enabled Eject when done: 0"
check "the write succeeds" has "Write successful."
check "the message says the card could not be ejected" has "The card could not be ejected (it was written all the same)"
check "and why" has "The drive refused to eject its medium"
check "the drive holds the image" cmp -n $((96 * 1024 * 1024 + 3)) "$work/card.img" "$drive"
check "Eject when done is enabled again" has "enabled Eject when done: 1"
drive_gui close
wait_closed
gui_pid=""

# The next start remembers it; unticked, it is remembered off.
wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window checked "Eject when done" check "Eject when done" off close
check "Eject when done is remembered" has "checked Eject when done: 1"
wait_closed
gui_pid=""
check "unticked, it is saved off" bash -c "wine reg query '$settings' /v EjectWhenDone 2>/dev/null | tr -d '\r' | grep -q 'REG_DWORD *0x0$'"

finish
