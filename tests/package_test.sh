#!/usr/bin/env bash
# The ZIP people download, tried as they would: scripts/package makes it from this
# (Release) build; it is unpacked into a fresh folder of a fresh Wine prefix, and from
# there Win32DiskImager.exe writes an image with MD5 to a file-backed drive (driven by
# gui_driver.exe) and diskimager.exe --version answers. Also checks what the ZIP holds,
# README.txt's CRLF line ends, the .exe files' sizes, that they import only Windows' own
# DLLs, and that the ZIP's name, --version, the title bar and VERSIONINFO all carry the
# project's version. The prefix and screenshots are kept in BUILD_DIR/package-test.
# Args: SOURCE_DIR BUILD_DIR gui_driver.exe
set -u
src=$1 real_build=$2 driver=$3
pkg=$real_build/package-test
rm -rf "$pkg"
mkdir -p "$pkg"
build=$pkg # gui_env.sh makes its Wine prefix there: a fresh one
source "$src/tests/gui/gui_env.sh"
source "$src/scripts/lib/pe-imports.sh"
trap 'cleanup; rm -rf "$pkg/wineprefix"' EXIT
max_exe_bytes=2500000 # 2.5 MB: libcrypto holds only the digests the program uses

version=$(sed -n 's/^version=//p' "$real_build/generated/package.txt")
check "CMake gives the build a version" test -n "$version"
if ! zip=$("$src/scripts/package" "$real_build" --out "$pkg/dist" 2>"$pkg/package.log" | tail -n 1) ||
   [ ! -f "$zip" ]; then
  sed 's/^/    /' "$pkg/package.log"
  fail "scripts/package makes the ZIP"
  finish
  exit 1
fi
grep '^package: ' "$pkg/package.log" | sed 's/^/    /'
check "the ZIP is named after the project's version" test "$(basename "$zip")" = "Win32DiskImager-$version-win64.zip"
expected="LICENSE
README.txt
Win32DiskImager.exe
diskimager.exe
licenses/OpenSSL.txt
licenses/libbz2.txt
licenses/liblzma.txt
licenses/libzstd.txt
licenses/mingw-w64-runtime.txt
licenses/zlib.txt"
listing=$(unzip -Z1 "$zip" | LC_ALL=C sort)
echo "$listing" | sed 's/^/    /'
check "the ZIP holds the two programs, README.txt, LICENSE and the libraries' licences" \
  test "$listing" = "$(LC_ALL=C sort <<<"$expected")"
readme=$(unzip -p "$zip" README.txt)
check "README.txt has CRLF line ends" awk '!/\r$/ { bad = 1 } END { exit bad }' <<<"$readme"
check "README.txt names the version" grep -q "^Version $version," <<<"$readme"
check "README.txt says where the settings are kept" grep -qF 'HKEY_CURRENT_USER\Software\diskimager\Win32DiskImager' <<<"$readme"
check "the OpenSSL licence is the Apache License" grep -q "Apache License" <(unzip -p "$zip" licenses/OpenSSL.txt)

# A fresh folder of the fresh prefix, with a space in its name, holding only the ZIP's files.
dir="$WINEPREFIX/drive_c/Program Files/Win32DiskImager"
mkdir -p "$dir"
unzip -q "$zip" -d "$dir"
for exe in Win32DiskImager.exe diskimager.exe; do
  imports=$(pe_imports "$dir/$exe" | tr '\n' ' ')
  echo "    $exe imports: $imports"
  check "$exe imports only DLLs that Windows ships" test -z "$(pe_foreign_imports "$dir/$exe")"
  size=$(stat -c %s "$dir/$exe")
  check "$exe is at most $max_exe_bytes bytes ($size)" test "$size" -le "$max_exe_bytes"
done

# One version everywhere: the ZIP's name, --version, VERSIONINFO, the title bar.
ver_out=$(wine "$dir/diskimager.exe" --version 2>/dev/null | tr -d '\r')
echo "    diskimager.exe --version: $ver_out"
check "diskimager.exe --version runs from the unpacked folder and prints the version" \
  test "$ver_out" = "diskimager $version"
rc=$(x86_64-w64-mingw32-windres -J coff -i "$dir/Win32DiskImager.exe" -O rc 2>/dev/null)
IFS=. read -r major minor patch <<<"$version"
check "VERSIONINFO's FILEVERSION is the version" grep -q "FILEVERSION $major, $minor, $patch, 0" <<<"$rc"
check "VERSIONINFO's ProductVersion is the version" grep -qF "VALUE \"ProductVersion\", \"$version\"" <<<"$rc"
check "VERSIONINFO's FileVersion is the version" grep -qF "VALUE \"FileVersion\", \"$version\"" <<<"$rc"

# The dialog, started from the unpacked folder: a write with MD5 to T:, a drive backed by a file.
drive=$work/drive-t.img
truncate -s 64M "$drive"
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"
image=$work/card.img
head -c $((20 * 1024 * 1024 + 7)) /dev/urandom >"$image"
(cd "$dir" && exec wine ./Win32DiskImager.exe >/dev/null 2>&1) &
gui_pid=$!
drive_gui wait-window title status select "Device" "T:" type "Image File" "$(winpath "$image")" check "Hash" on
check "the title bar carries the version" has "title: Win32 Disk Imager $version"
check "the dialog opens ready" has "status: Ready."
shot package-ready
drive_gui click Write answer Yes wait-idle
shot package-written
drive_gui answer OK get "Hash value" status
check "the write succeeds" has "Write successful."
check "the hash shown is md5sum's" has "Hash value: $(md5 "$image")"
check "the drive holds the image" cmp -n $((20 * 1024 * 1024 + 7)) "$image" "$drive"
drive_gui close
for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done
check "Exit closes the program" bash -c "! kill -0 $gui_pid 2>/dev/null"
gui_pid=""
check "the unpacked folder still holds only the ZIP's files (no log, no settings file)" \
  test "$(cd "$dir" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)" = "$(LC_ALL=C sort <<<"$expected")"

finish
