#!/usr/bin/env bash
# `diskimager check` (issue 14) on cards that are what they say and cards that are not.
# linux: genuine loop devices (512- and 4096-byte sectors) pass as genuine, the quick
# probe leaving every byte as it was; loop devices over FUSE cards (support/fuse_card.py)
# that report 256 MiB and keep 64 MiB (wrapping, dropping or zeroing what is past it)
# are found fake with their real capacity, one with bad sectors is found failing, and a
# Write whose verify fails on the wrapping card says it may be fake. windows:
# diskimager.exe under Wine on \\.\T:, a drive letter over a file: genuine, both ways.
# Args: linux DISKIMAGER | windows WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
support=$tests_dir/support
mode=$1
skip() { echo "SKIP: $1"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-check.XXXXXX")
source "$tests_dir/lib/fuse_cards.sh"
cleanup() {
  fuse_cards_cleanup
  if [ "$mode" = windows ]; then rm -f "$WINEPREFIX/dosdevices/t:" "$WINEPREFIX/dosdevices/t::"; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
has() { grep -q -- "$1" out; }
says() { grep -q -- "$1" err; }

if [ "$mode" = windows ]; then
  di=("$2" "$3")
  export WINEPREFIX=$4/wineprefix WINEDEBUG=-all
  "${di[@]}" --version >/dev/null 2>&1 # creates the prefix on first use
  head -c $((96 * MiB)) /dev/urandom >drive.img
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  wine_map_drive "$WINEPREFIX" t "$work/drive.img" "$work/mnt"
  before=$(md5sum <drive.img)
  run check '\\.\T:' --progress=none
  check "T: without --yes and no terminal: refused" test "$code" -eq 1
  check "... it says to pass --yes" says "pass --yes"
  run check '\\.\T:' --yes --progress=none
  check "T: quick probe: exit 0" test "$code" -eq 0
  check "T: quick probe: genuine" has "verdict: genuine"
  check "T: the probe put every byte back" test "$(md5sum <drive.img)" = "$before"
  run check '\\.\T:' --yes --full --progress=none
  check "T: full check: exit 0, genuine" bash -c "[ $code -eq 0 ] && grep -q 'verdict: genuine' out"
  check "T: it holds all of it" has "holds: $((96 * MiB)) bytes"
  check "T: speeds measured" has "write: .* average, .* slowest 1%"
  check "T: left blank (its first MiB zeros)" test "$(head -c $MiB drive.img | tr -d '\0' | wc -c)" -eq 0
  finish
  exit
fi

di=("$2")
case ${di[0]} in /*) ;; *) di=("$OLDPWD/${di[0]}") ;; esac
[ "$(id -u)" -eq 0 ] || skip "loop devices and FUSE mounts need root"
losetup -f >/dev/null 2>&1 || skip "no loop device is free"

# --- genuine loop devices ---
for sector in 512 4096; do
  head -c $((128 * MiB)) /dev/urandom >card.img
  dev=$(losetup -f --show --sector-size "$sector" card.img); loops+=("$dev")
  before=$(md5sum <card.img)
  run check "$dev" --force --progress=none
  check "$sector: no --yes, no terminal: refused" test "$code" -eq 1
  run check "$dev" --force --yes --quick --progress=none
  check "$sector: quick probe of a genuine card: exit 0" test "$code" -eq 0
  check "$sector: verdict genuine" has "verdict: genuine"
  check "$sector: it says no sign of a fake" says "no sign of a fake card"
  check "$sector: every byte put back" test "$(md5sum <card.img)" = "$before"
  run check "$dev" --force --yes --full --progress=none
  check "$sector: full check of a genuine card: exit 0" test "$code" -eq 0
  check "$sector: it holds all of its 134 MB" says "holds all of its 134 MB"
  check "$sector: nothing wrong" has "wrong: 0 bytes in 0 ranges"
  check "$sector: write and read speeds" bash -c "grep -q '^write: .* average, .* slowest 1%' out && grep -q '^read: ' out"
  losetup -d "$dev"; loops=()
done
run check /dev/null --quick --full
check "--quick and --full together: a usage error" test "$code" -eq 2
run check "$work/no-such-card" --yes --force
check "a name that is no drive: refused (exit 1)" test "$code" -eq 1
check "... it says so" says "no such drive"
check "... and no file is made" test ! -e "$work/no-such-card"

# --- FUSE cards that report 256 MiB ---
if missing=$(fuse_cards_missing); then
  echo "note: $missing: the fake cards are test_card_check's models"
  finish
  exit
fi
size=$((256 * MiB))

for past in wrap drop zero; do
  card "$past" "$size" --keep-mib 64 --past "$past"
  head -c $((64 * MiB)) /dev/urandom | dd of="$dev" bs=1M oflag=direct status=none
  before=$(md5sum <"$past.bin")
  run check "$dev" --force --yes --progress=none
  check "$past: quick probe: exit 3" test "$code" -eq 3
  check "$past: quick probe: fake" has "verdict: fake"
  held=$(sed -nE 's/^holds at most: ([0-9]+) bytes.*/\1/p' out)
  check "$past: quick probe: it holds at most 64 to 128 MiB ($held)" \
    test "${held:-0}" -ge $((64 * MiB)) -a "${held:-0}" -le $((128 * MiB))
  check "$past: the probe put back what it wrote over" test "$(md5sum <"$past.bin")" = "$before"
  run check "$dev" --force --yes --full --progress=json
  check "$past: full check: exit 3" test "$code" -eq 3
  check "$past: holds exactly 64 MiB" has "^holds: $((64 * MiB)) bytes"
  check "$past: the sentence says so" says "this card holds 67.1 MB, not the 268 MB it reports: data written past 67.1 MB is lost"
  check "$past: the progress wrote then verified" bash -c "grep -q '\"phase\":\"writing\"' err && grep -q '\"phase\":\"verifying\"' err"
  [ "$past" = wrap ] && check "wrap: the sectors hold the data of others" has "holds the data of"
  card_end "$past"
done

# A fake card that refuses every request past 64 MiB: fake, 64 MiB, not a failure.
card refuses "$size" --eio-at 131072:393216
run check "$dev" --force --yes --full --progress=none
check "refusing past 64 MiB: exit 3" test "$code" -eq 3
check "refusing past 64 MiB: fake" has "verdict: fake"
check "refusing past 64 MiB: holds 64 MiB" has "^holds: $((64 * MiB)) bytes"
run check "$dev" --force --yes --progress=none
check "refusing past 64 MiB: the quick probe says fake too" bash -c "[ $code -eq 3 ] && grep -q 'verdict: fake' out"
card_end refuses

# Bad sectors in a card that holds all it says.
card bad "$size" --eio-at 100000:64
run check "$dev" --force --yes --full --progress=none
check "bad sectors: exit 3" test "$code" -eq 3
check "bad sectors: verdict" has "verdict: bad sectors"
# The range covers the bad sectors and little more (the loop driver over FUSE loses the
# whole 128 KiB request around a failing sector).
read -r bad_at bad_len < <(sed -nE 's/^range: ([0-9]+)\+([0-9]+) holds nothing.*/\1 \2/p' out | head -n 1)
check "bad sectors: one range covers them, within 1 MiB ($bad_at+$bad_len)" \
  test "${bad_at:-0}" -le $((100000 * 512)) -a $((${bad_at:-0} + ${bad_len:-0})) -ge $((100064 * 512)) \
       -a "${bad_len:-0}" -le "$MiB"
check "bad sectors: it says the card is failing" says "the card is failing"
card_end bad

# A Write whose verify fails on a wrapping card: it may be fake, and Check tells.
card wrapw "$size" --keep-mib 64 --past wrap
head -c $((100 * MiB)) /dev/urandom >image.img
run write image.img "$dev" --force --yes --verify --progress=none
check "a write onto the wrapping card fails its verify (exit 3)" test "$code" -eq 3
check "it says the card may be fake, 64 MiB away" says "this card may be fake: what it holds at the first difference is also 64 MiB away"
check "it points to check" says "diskimager check $dev"
card_end wrapw
finish
