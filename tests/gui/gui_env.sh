# Sourced by the dialog's tests: Wine with a virtual desktop under Xvfb, the driver,
# and the helpers the tests use. Expects src, build and driver set; sets work (a
# scratch folder removed at exit), out (the last driver run's output), shots.
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WINEPREFIX=$build/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES=mscoree,mshtml=
source "$src/scripts/lib/wine-drive.sh"
source "$src/scripts/lib/wine-fonts.sh"
shots=$build/screenshots
mkdir -p "$shots"
work=$(mktemp -d "${TMPDIR:-/tmp}/di-gui.XXXXXX")
source "$tests_dir/../lib/harness.sh"
# Runs driver steps; their output (one "name: value" a line) is kept in $out.
# drv is the driver's exit code (1 when a step failed), not tr's. The driver's first
# line says it started: a driver that Wine did not start at all (seen once under a
# loaded CI machine: no output, no step taken) is started again, once; any failure
# shows its exit code and stderr.
drive_gui() {
  local attempt
  for attempt in 1 2; do
    out=$(set -o pipefail; "$src/cmake/wine-run" "$driver" "$@" 2>"$work/driver.err" | tr -d '\r')
    drv=$?
    grep -qx "driver: started" <<<"$out" && break
    echo "    the driver did not start (exit $drv, try $attempt): $(tail -n 3 "$work/driver.err" | tr '\n' ' ')"
    sleep 1
  done
  out=$(grep -vx "driver: started" <<<"$out")
  echo "$out" | sed 's/^/    /'
  [ "$drv" -eq 0 ] || { echo "    driver exit $drv"; tail -n 5 "$work/driver.err" | sed 's/^/    | /'; }
  return $drv
}
has() { grep -qF -- "$1" <<<"$out"; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
winpath() { wine winepath -w "$1" 2>/dev/null | tr -d '\r'; }

xvfb_pid="" gui_pid=""
cleanup() {
  [ -n "$gui_pid" ] && kill "$gui_pid" 2>/dev/null
  # Leave the shared prefix as the console tests expect it: no virtual desktop, 96 dpi.
  wine reg delete 'HKCU\Software\Wine\Explorer' /v Desktop /f >/dev/null 2>&1
  wine reg add 'HKCU\Control Panel\Desktop' /v LogPixels /t REG_DWORD /d 96 /f >/dev/null 2>&1
  wineserver -k 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  rm -f "$WINEPREFIX"/dosdevices/[tu]:*
  rm -rf "$work"
}
trap cleanup EXIT

"$src/cmake/wine-run" "$driver" >/dev/null 2>&1 || true # no steps: makes the prefix, on first use
wine_link_cjk_font "$WINEPREFIX" # Chinese texts and folder names as characters, not boxes
# The dialog speaks English in these tests (gui_lang_test.sh tries the others).
wine reg add 'HKCU\Software\diskimager\Win32DiskImager' /v Language /d en /f >/dev/null 2>&1
# A virtual desktop gives windows title bars in the screenshots; driver and dialog share it.
wine reg add 'HKCU\Software\Wine\Explorer' /v Desktop /d Default /f >/dev/null 2>&1
wine reg add 'HKCU\Software\Wine\Explorer\Desktops' /v Default /d 1024x768 /f >/dev/null 2>&1

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 2048x1536x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
sleep 1
# The Wine desktop window alone, whatever its size.
shot() { import -display "$display" -window "Default - Wine desktop" "$shots/$1.png" 2>/dev/null && echo "    screenshot: $shots/$1.png"; }

