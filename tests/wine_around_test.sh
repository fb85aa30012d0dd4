#!/usr/bin/env bash
# diskimager.exe under Wine, around the job and the drive list, in a prefix of its own
# (drive letters of every kind): --eject on a file-backed drive (which has nothing to
# eject) warns and exits 0 with the drive written; the list shows a reader with no
# card as "no card" and never as a 0-byte target, and `list --all` names what it left
# out and why (a CD drive, a network drive, Windows' own drive); an image on a mapped
# network drive letter this process cannot see is explained, with the \\server\share
# path from the user's HKCU\Network\<letter>\RemotePath. Args: WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wine_run=$1 exe=$2 build=$3
export WINEPREFIX=$build/wineprefix-around WINEDEBUG=-all
work=$(mktemp -d "${TMPDIR:-/tmp}/di-wine-around.XXXXXX")
source "$tests_dir/lib/harness.sh"
di=("$wine_run" "$exe")
cleanup() {
  rm -f "$WINEPREFIX"/dosdevices/[rstu]:*
  wineserver -k 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

"$wine_run" "$exe" --version >/dev/null 2>&1 # creates the prefix on first use
drive_kind() { wine reg add 'HKLM\Software\Wine\Drives' /v "$1:" /d "$2" /f >/dev/null 2>&1; }
mkdir -p t u r s
head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >t.img
ln -sfn "$work/t" "$WINEPREFIX/dosdevices/t:" && ln -sfn "$work/t.img" "$WINEPREFIX/dosdevices/t::"
# U: a removable drive whose device is missing: a reader with no card in it.
ln -sfn "$work/u" "$WINEPREFIX/dosdevices/u:" && ln -sfn "$work/no-card" "$WINEPREFIX/dosdevices/u::"
ln -sfn "$work/r" "$WINEPREFIX/dosdevices/r:" # a CD drive with no disc
ln -sfn "$work/s" "$WINEPREFIX/dosdevices/s:" # a network drive
drive_kind t floppy; drive_kind u floppy; drive_kind r cdrom; drive_kind s network
wine reg delete 'HKCU\Network\Q' /f >/dev/null 2>&1
wineserver -k 2>/dev/null # the drive types are read when the server starts

# ---- the drive list ----
run list
check "list exits 0" test "$code" -eq 0
check "list shows the removable drive T: with its size" grep -q '^\\\\\.\\T: .*16.8 MB' out
check "list shows the empty reader U: as 'no card'" grep -q '^\\\\\.\\U: *no card ' out
check "no drive is shown as a 0-byte target" bash -c "! grep -q ' 0 B ' out"
check "the CD drive R: is not listed" bash -c "! grep -q 'R:' out"
check "the network drive S: is not listed" bash -c "! grep -q 'S:' out"
run list --all
check "list --all exits 0" test "$code" -eq 0
check "list --all says the CD drive was left out" grep -qx 'skipped: R: (a CD or DVD drive)' out
check "list --all says the network drive was left out" grep -qx 'skipped: S: (a network drive)' out
check "list --all says Windows' drive was left out" grep -qx 'skipped: C: (it holds Windows)' out
check "list --all still shows U: as 'no card'" grep -q '^\\\\\.\\U: *no card ' out
check "list --all shows no 0-byte drive" bash -c "! grep -q ' 0 B ' out"

# ---- --eject ----
head -c 3000000 /dev/urandom >image.img
run write image.img '\\.\T:' --yes --verify --eject --progress=none
check "write --eject to T: exits 0" test "$code" -eq 0
check "it warns that T: could not be ejected" grep -q '^diskimager: warning: could not eject \\\\\.\\T: (it was written all the same): eject failed on \\\\\.\\T:: the drive refused to eject its medium' err
check "the drive holds the image" cmp -n 3000000 image.img t.img
check "it was verified before" grep -q '^diskimager: verified:' err
run read '\\.\T:' back.img --size 3000000 --eject --progress=none
check "--eject is for write only (exit 2)" test "$code" -eq 2

# ---- a mapped network drive this process cannot see ----
run hash 'Q:\images\pi.img'
check "an image on an unknown drive letter fails (exit 1)" test "$code" -eq 1
check "it says the letter may be a mapped drive this program cannot see" grep -q "this program cannot see a drive Q:. If Q: is a mapped network drive" err
wine reg add 'HKCU\Network\Q' /v RemotePath /d '\\nas\images' /f >/dev/null 2>&1
run write 'Q:\pi\pi.img' '\\.\T:' --yes --progress=none
check "writing from a mapped drive letter fails (exit 1)" test "$code" -eq 1
check "it names the mapping and the path to use instead" grep -q 'Q: is a network drive mapped to \\\\nas\\images in your own (non-elevated) session; this program runs as administrator and cannot see it. Use the network path instead: \\\\nas\\images\\pi\\pi.img' err
check "T: is untouched by it" cmp -n 3000000 image.img t.img
wine reg delete 'HKCU\Network\Q' /f >/dev/null 2>&1

finish
