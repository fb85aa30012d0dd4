#!/usr/bin/env bash
# The dialog in its five languages under Wine + Xvfb, driven by gui_driver.exe: for each
# language at 96 and 144 dpi, the controls carry that language's texts and none is wider
# than its control (GetTextExtentPoint32W on the control's font), with a screenshot each
# (gui-lang-CODE-DPI.png); the language follows Windows' own (LANG=de_DE under Wine)
# until one is chosen in the dialog, and the choice is remembered.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
settings='HKCU\Software\diskimager\Win32DiskImager'
drive=$work/drive-t.img
truncate -s 64M "$drive"
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"

# A text of a language's table, as the C source spells it (UTF-8).
text_of() { sed -n "s/^    \[$2\] = \"\(.*\)\",\$/\1/p" "$src/src/gui/lang/lang_$1.c"; }
start() { wine "$gui" >/dev/null 2>&1 & gui_pid=$!; }
stop() {
  drive_gui close >/dev/null
  for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done
  gui_pid=""
}
set_dpi() {
  wineserver -k 2>/dev/null; sleep 0.5
  wine reg add 'HKCU\Control Panel\Desktop' /v LogPixels /t REG_DWORD /d "$1" /f >/dev/null 2>&1
  wine reg add 'HKCU\Software\Wine\Explorer\Desktops' /v Default /d "$((1024 * $1 / 96))x$((768 * $1 / 96))" /f >/dev/null 2>&1
  wineserver -k 2>/dev/null; sleep 0.5
}

for dpi in 96 144; do
  set_dpi "$dpi"
  for code in en de fr es zh; do
    wine reg add "$settings" /v Language /d "$code" /f >/dev/null 2>&1
    start
    drive_gui wait-window controls fit status
    write=$(text_of "$code" T_WRITE) verify=$(text_of "$code" T_VERIFY_ONLY) ready=$(text_of "$code" T_READY)
    check "$code at $dpi dpi: the buttons speak it ($write, $verify)" has " $write=1 "
    check "$code at $dpi dpi: ... all of them" has " $verify=1 "
    check "$code at $dpi dpi: the status line too" has "status: $ready"
    check "$code at $dpi dpi: no text is wider than its control" has ", 0 too narrow"
    sleep 0.5; shot "gui-lang-$code-$dpi"
    # Restore's and Check's option dialogs and Several...'s box, in the language, cancelled.
    drive_gui select "$(text_of "$code" T_DEVICE)" "T:" click "$(text_of "$code" T_RESTORE)" fit-box
    check "$code at $dpi dpi: Restore's options fit" has ", 0 too narrow"
    sleep 0.5; shot "gui-lang-$code-$dpi-restore"
    drive_gui restore-press Cancel click "$(text_of "$code" T_CHECK)" fit-box
    check "$code at $dpi dpi: Check's choice fits" has ", 0 too narrow"
    sleep 0.5; shot "gui-lang-$code-$dpi-check"
    drive_gui check-choose cancel click "$(text_of "$code" T_SEVERAL)" fit-box
    check "$code at $dpi dpi: Several...'s box fits" has ", 0 too narrow"
    sleep 0.5; shot "gui-lang-$code-$dpi-several"
    drive_gui box-cancel
    stop
  done
done
set_dpi 96

# Nothing chosen yet: Windows' own language (Wine takes it from LANG).
wine reg delete "$settings" /v Language /f >/dev/null 2>&1
wineserver -k 2>/dev/null; sleep 0.5
LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window controls
check "with nothing chosen it follows Windows' language (German)" has " $(text_of de T_WRITE)=1 "
# Chosen in the dialog: the texts change at once, and the choice is kept.
drive_gui choose-language "Espa" controls status
check "a language chosen in the dialog applies at once" has " $(text_of es T_WRITE)=1 "
check "... the status line too" has "status: $(text_of es T_READY)"
stop
wineserver -k 2>/dev/null; sleep 0.5
start
drive_gui wait-window controls
check "the chosen language is remembered" has " $(text_of es T_WRITE)=1 "
stop

# Leave the shared prefix in English for the other dialog tests.
wine reg add "$settings" /v Language /d en /f >/dev/null 2>&1
finish
