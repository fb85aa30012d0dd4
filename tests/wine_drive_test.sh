#!/usr/bin/env bash
# diskimager.exe writing, reading and verifying through \\.\T:, a removable drive
# letter that Wine backs with a plain file (RECIPES.md): the Windows volume route of
# the device layer, run for real. Args: WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wine_run=$1 exe=$2 build=$3
export WINEPREFIX=$build/wineprefix WINEDEBUG=-all
work=$(mktemp -d "${TMPDIR:-/tmp}/di-wine-drive.XXXXXX")
drive=$work/drive.img
source "$tests_dir/lib/harness.sh"
di=("$wine_run" "$exe")

cleanup() {
  rm -f "$WINEPREFIX/dosdevices/t:" "$WINEPREFIX/dosdevices/t::"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

"$wine_run" "$exe" --version >/dev/null 2>&1 # creates the prefix on first use
head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"$drive"
mkdir -p "$work/mnt"
ln -sfn "$work/mnt" "$WINEPREFIX/dosdevices/t:"
ln -sfn "$drive" "$WINEPREFIX/dosdevices/t::"
wine reg add 'HKLM\Software\Wine\Drives' /v t: /d floppy /f >/dev/null 2>&1
wineserver -k 2>/dev/null # the drive type is read when the server starts

head -c 10000007 /dev/urandom >image.img

run list
check "list shows the removable drive T:" grep -q '^\\\\\.\\T: .*16.8 MB' out

run write image.img '\\.\T:'
check "writing a drive without --yes and no terminal is refused" test "$code" -eq 1
check "the refused drive is untouched" test "$(head -c 4 "$drive" | od -An -tx1 | tr -d ' ')" = a5a5a5a5

# An image stored on T: itself cannot be written to T:, nor a Read of T: saved there.
cp image.img "$work/mnt/on-t.img"
run write 'T:\on-t.img' '\\.\T:' --yes --progress=none
check "an image on the drive being written: refused (exit 2)" test "$code" -eq 2
check "it says the image is stored on the drive" grep -q 'is stored on this drive' err
check "the drive is untouched by it" test "$(head -c 4 "$drive" | od -An -tx1 | tr -d ' ')" = a5a5a5a5
run read '\\.\T:' 'T:\back-on-t.img' --size 1M --progress=none
check "a Read saved onto the drive being read: refused (exit 2)" test "$code" -eq 2
check "no file was made on it" test ! -e "$work/mnt/back-on-t.img"
rm -f "$work/mnt/on-t.img"

run write image.img '\\.\T:' --yes --verify --hash md5 --progress=none
check "write to \\\\.\\T: exits 0" test "$code" -eq 0
check "the drive starts with the image" cmp -n 10000007 image.img "$drive"
check "the last sector is zero padded" test "$(head -c 10000384 "$drive" | tail -c 377 | tr -d '\0' | wc -c)" -eq 0
check "the rest of the drive is untouched" test "$(tail -c +10000385 "$drive" | tr -d '\245' | wc -c)" -eq 0
check "the md5 shown is md5sum's" test "$(cut -d' ' -f1 out)" = "$(md5sum <image.img | cut -d' ' -f1)"
check "verified after writing" grep -q verified err

run read '\\.\T:' back.img --size 10000007 --hash sha256 --progress=none
check "read from \\\\.\\T: exits 0" test "$code" -eq 0
check "read back equals the image" cmp image.img back.img

run verify image.img '\\.\T:' --progress=none
check "verify exits 0" test "$code" -eq 0
flip_byte "$drive" 9876543
run verify image.img '\\.\T:' --progress=none
check "verify after corruption exits 3" test "$code" -eq 3
check "verify names the offset" grep -q 'at byte 9876543' err

head -c $((17 * 1024 * 1024)) /dev/urandom >big.img
before=$(md5sum <"$drive")
run write big.img '\\.\T:' --yes
check "an image larger than the drive is refused" test "$code" -eq 1
check "the refusal names both sizes" grep -q '17825792 bytes.*16777216 bytes' err
check "the drive is unchanged" test "$(md5sum <"$drive")" = "$before"

finish
