#!/usr/bin/env bash
# One image to several drives at once (issue 15). linux: loop devices with 512- and
# 4096-byte sectors, 2, 3 and 8 of them, one of which fails before the first chunk
# (write-protected), in the middle (a FUSE card pulled out half way) or at the last chunk
# (bad sectors there), or is too small: that drive is dropped with its own error and the
# others are written and verified, each read-back digest the image's; Ctrl-C stops all;
# JSON progress has a line per drive. windows: diskimager.exe under Wine writing three
# drive letters over files (\\.\T:, \\.\U:, \\.\V:) at once.
# Args: linux DISKIMAGER | windows WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
support=$tests_dir/support
mode=$1
skip() { echo "SKIP: $1"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-many.XXXXXX")
source "$tests_dir/lib/fuse_cards.sh"
cleanup() {
  fuse_cards_cleanup
  if [ "$mode" = windows ]; then
    for l in t u v; do rm -f "$WINEPREFIX/dosdevices/$l:" "$WINEPREFIX/dosdevices/$l::"; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
says() { grep -q -- "$1" err; }
same() { cmp -s -n "$(stat -c %s image.img)" image.img "$1"; } # DRIVE holds the image
untouched() { test "$(md5sum <"$1")" = "$2"; }                 # DRIVE, its md5 before

# 20 MiB + 7 of random data: five chunks, the last one short (padded on the drive).
head -c $((20 * MiB + 7)) /dev/urandom >image.img
image_md5=$(md5sum <image.img | cut -d' ' -f1)

if [ "$mode" = windows ]; then
  di=("$2" "$3")
  export WINEPREFIX=$4/wineprefix WINEDEBUG=-all
  "${di[@]}" --version >/dev/null 2>&1 # creates the prefix on first use
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  for l in t u v; do
    head -c $((24 * MiB)) /dev/zero | tr '\0' '\245' >"drive_$l.img"
    wine_map_drive "$WINEPREFIX" "$l" "$work/drive_$l.img" "$work/mnt_$l"
  done
  run write image.img '\\.\T:' '\\.\U:' '\\.\V:' --yes --verify --hash md5 --progress=json
  check "T:, U:, V: at once: exit 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || tail -n 5 err
  for l in t u v; do check "$l: holds the image" same "drive_$l.img"; done
  check "the image's MD5 printed once" test "$(grep -c "^$image_md5 " out)" -eq 1
  check "each drive read back with the image's MD5" \
    test "$(grep -c "written and verified, .*read back md5 $image_md5" err)" -eq 3
  check "JSON progress names the three drives" grep -q '"device":"\\\\\\\\.\\\\T:".*"device":"\\\\\\\\.\\\\V:"' err
  run write image.img '\\.\T:' '\\.\t:' --yes --progress=none
  check "the same drive twice (another case): refused, nothing started" test "$code" -ne 0
  finish
  exit
fi

[ "$(id -u)" -eq 0 ] || skip "loop devices need root"
command -v losetup >/dev/null || skip "losetup is not installed"
truncate -s 32M probe.img
probe=$(losetup -f --show probe.img 2>/dev/null) || skip "losetup cannot attach a loop device here"
losetup -d "$probe"
di=("$2")
attach() { # FILE [SECTOR [more losetup options]] -> sets $dev
  local file=$1 sector=${2:-}; shift; shift 2>/dev/null
  dev=$(losetup -f --show ${sector:+--sector-size "$sector"} "$@" "$file") || return 1
  loops+=("$dev")
}
blank() { head -c "$2" /dev/zero | tr '\0' '\245' >"$1"; } # FILE SIZE: 0xA5 everywhere

# --- 2 drives: 512 and 4096-byte sectors -------------------------------------------------
blank a.img $((24 * MiB)); attach a.img 512; a=$dev
blank b.img $((24 * MiB)); attach b.img 4096; b=$dev
run write image.img "$a" "$b" --yes --force --verify --hash md5 --progress=none
check "2 drives: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 5 err
check "2 drives: the 512 one holds the image" same "$a"
check "2 drives: the 4096 one holds the image" same "$b"
check "2 drives: its last sector padded with zeros" \
  test "$(tail -c +$((20 * MiB + 8)) "$b" | head -c 4089 | tr -d '\0' | wc -c)" -eq 0
check "2 drives: the image's MD5 on stdout, once" test "$(grep -c "^$image_md5  image.img" out)" -eq 1
check "2 drives: each read back with the image's MD5" \
  test "$(grep -c "written and verified, .*read back md5 $image_md5" err)" -eq 2
check "2 drives: 2 of 2" says "2 of 2 drives written and verified"
run write image.img "$a" "$a" --yes --force
check "the same drive twice: refused" bash -c "[ $code -ne 0 ] && grep -q 'named twice' err"
ln -s "$a" link-to-a
a_md5=$(md5sum <"$a")
run write image.img "$a" "$work/link-to-a" --yes --force
check "the same drive under another name: refused" bash -c "[ $code -ne 0 ] && grep -q 'also named as $a' err"
check "... nothing written" untouched "$a" "$a_md5"

# --- 3 drives, the middle one write-protected: dropped before its first chunk ------------
blank c.img $((24 * MiB)); attach c.img 512 -r; c=$dev
c_md5=$(md5sum <c.img)
blank a.img $((24 * MiB)); blank b.img $((24 * MiB))
run write image.img "$a" "$c" "$b" --yes --force --verify --progress=none
check "3 drives, one write-protected: exit 1" test "$code" -eq 1
check "... the others hold the image" bash -c "cmp -s -n $((20 * MiB + 7)) image.img $a && cmp -s -n $((20 * MiB + 7)) image.img $b"
check "... it is named, with why" says "$c: failed: .*write-protected"
check "... and left as it was" untouched c.img "$c_md5"
check "... 2 of 3" says "2 of 3 drives written"

# --- 8 drives, the last one too small (the image has data past its end) ------------------
eight=()
for i in 1 2 3 4 5 6 7; do
  blank "d$i.img" $((22 * MiB)); attach "d$i.img" $(( i % 2 ? 512 : 4096 )); eight+=("$dev")
done
blank small.img $((16 * MiB)); attach small.img 512; small=$dev; eight+=("$small")
run write image.img "${eight[@]}" --yes --force --verify --hash sha256 --progress=json
check "8 drives, the last too small: exit 1" test "$code" -eq 1
ok7=0; for d in "${eight[@]:0:7}"; do same "$d" && ok7=$((ok7 + 1)); done
check "... the 7 others hold the image ($ok7)" test "$ok7" -eq 7
check "... the small one is named as too small" says "$small: failed: .*holds data beyond the device's end"
check "... and never written" test "$(head -c 4096 "$small" | tr -d '\245' | wc -c)" -eq 0
check "... JSON: a line names all 8 drives" \
  bash -c "grep '\"targets\"' err | tail -n 1 | grep -o '\"device\"' | wc -l | grep -qx 8"
check "... JSON: the last line has 7 done, 1 failed" \
  bash -c "grep '\"targets\"' err | tail -n 1 | grep -o '\"state\":\"done\"' | wc -l | grep -qx 7"

# --- a compressed image of unknown size onto drives of different sizes --------------------
if command -v zstd >/dev/null; then
  head -c $((24 * MiB)) /dev/zero >stream.img
  head -c $((6 * MiB)) /dev/urandom | dd of=stream.img conv=notrunc status=none
  printf 'data' | dd of=stream.img bs=1 seek=$((20 * MiB)) conv=notrunc status=none
  zstd -q --no-content-size -f stream.img -o stream.img.zst
  blank big.img $((32 * MiB)); attach big.img 512; big=$dev
  blank little.img $((16 * MiB)); attach little.img 512; little=$dev
  little_md5=$(md5sum <"$little")
  run write stream.img.zst "$big" "$little" --yes --force --verify --progress=none
  check "zstd without a size, data at 20 MiB, onto 32 and 16 MiB: exit 1" test "$code" -eq 1
  check "... the 32 MiB drive holds it" cmp -s -n $((24 * MiB)) stream.img "$big"
  check "... the 16 MiB drive is named: data beyond its end" says "$little: failed: .*holds data beyond the device's end"
  check "... 1 of 2" says "1 of 2 drives written"
  # The same with zeros from 6 MiB on: both written, the small one up to its end.
  head -c $((24 * MiB)) /dev/zero >stream.img
  head -c $((6 * MiB)) /dev/urandom | dd of=stream.img conv=notrunc status=none
  zstd -q --no-content-size -f stream.img -o stream.img.zst
  run write stream.img.zst "$big" "$little" --yes --force --verify --hash md5 --progress=none
  check "zeros from 6 MiB: both written, exit 0" test "$code" -eq 0
  check "... each holds its share" bash -c "cmp -s -n $((24 * MiB)) stream.img $big && cmp -s -n $((16 * MiB)) stream.img $little"
  check "... the small one's zero tail not written, said" says "$little: written and verified, .*(the image's zero tail past its end not written)"
  check "... the image's MD5 once, of all of it" grep -q "^$(md5sum <stream.img | cut -d' ' -f1)  stream.img" out
else
  echo "note: zstd is missing: the stream cases are not run"
fi

# --- a card pulled out half way, and one with bad sectors at the last chunk --------------
if why=$(fuse_cards_missing); then
  skip_fuse=$why
else
  skip_fuse=
  blank a.img $((24 * MiB)); blank b.img $((24 * MiB))
  card pulled $((24 * MiB)) --vanish-after $((10 * MiB)); pulled=$dev
  card bad $((24 * MiB)) --eio-at $(( (20 * MiB) / 512 )):8; bad=$dev
  run write image.img "$a" "$pulled" "$bad" "$b" --yes --force --verify --progress=none
  check "pulled out half way, bad sectors at the end: exit 1" test "$code" -eq 1
  check "... the two good ones hold the image" bash -c "cmp -s -n $((20 * MiB + 7)) image.img $a && cmp -s -n $((20 * MiB + 7)) image.img $b"
  check "... the pulled one named, failing past 10 MiB" says "$pulled: failed: write failed"
  # Over FUSE the loop driver takes the write; the read-back meets the bad sectors.
  bad_at=$(sed -nE "s#.*$bad: failed: .* on $bad at byte ([0-9]+) .*#\1#p" err | head -n 1)
  check "... the bad one named, at its last chunks ($bad_at)" test "${bad_at:-0}" -ge $((16 * MiB))
  check "... 2 of 4" says "2 of 4 drives written"
  check "... the pulled card never got the image's head" \
    test "$(head -c 4096 pulled.bin | tr -d '\0' | wc -c)" -eq 0
  dev=$bad; card_end bad
  dev=$pulled; card_end pulled
fi

# --- Ctrl-C stops every drive; none gets the head -----------------------------------------
blank a.img $((24 * MiB)); blank b.img $((24 * MiB))
if [ -z "$skip_fuse" ]; then
  card slow $((24 * MiB)) --slow-ms 40; slow=$dev
  timeout --preserve-status -s INT 3 "${di[@]}" write image.img "$a" "$slow" "$b" --yes --force --progress=none \
    </dev/null >out 2>err
  code=$?
  [ "$code" -eq 130 ] || { echo "    exit $code:"; tail -n 3 err; }
  check "Ctrl-C: exit 130 (cancelled)" test "$code" -eq 130
  check "... every drive stopped, none has the image's head" \
    bash -c "for d in $a $slow $b; do [ \"\$(head -c 4096 \$d | tr -d '\0' | wc -c)\" -eq 0 ] || exit 1; done"
  dev=$slow; card_end slow
else
  echo "note: FUSE cards cannot be made here ($skip_fuse): the pulled-out, bad-sector and cancel cases are not run"
fi
finish
