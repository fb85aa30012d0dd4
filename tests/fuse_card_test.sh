#!/usr/bin/env bash
# The fake-card test bed checked on its own (issue 14, Check): tests/support/fuse_card.py
# with --keep-mib must behave as the fake card it claims to be, so that a later failure
# of `diskimager check` is the tool's and not the bed's. Each card reports 256 MiB and is
# used as a real block device (a loop device with --direct-io=on over the FUSE file),
# written and read with dd through O_DIRECT:
#  a. 1 MiB at 10 MiB, then another 1 MiB at 74 MiB (= 10 MiB + the 64 MiB kept):
#     wrap: both offsets read the 74 MiB data; drop: 10 MiB keeps its own, 74 MiB reads
#     0xFF; zero: 10 MiB keeps its own, 74 MiB reads 0x00; a genuine card keeps both.
#  b. 1 MiB written across the 64 MiB boundary (from 64 MiB - 64 KiB, so FUSE gets a
#     request that straddles it): the kept part at its place, the rest as the mode says.
#  c. The backing file is the kept 64 MiB (256 MiB for a genuine card).
#  d. The whole card written once, every MiB carrying its own number, and read once:
#     each MiB reads what the mode says (wrap: the last write that landed on it), and
#     both passes take well under a minute.
#  e. Bad sectors (--eio-at) on a wrapping card: bad at the offset asked for, and not at
#     the low offset that offset wraps to.
# Exits 77 (skipped) with the reason when not root or there is no loop device, /dev/fuse
# or fusepy for /usr/bin/python3. Every loop device and FUSE mount made is undone on exit,
# failed or not, and the test checks that none is left.
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
support=$tests_dir/support
skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "loop devices and FUSE mounts need root"
command -v losetup >/dev/null || skip "losetup is not installed"
[ -e /dev/loop-control ] || skip "/dev/loop-control does not exist"
work=$(mktemp -d "${TMPDIR:-/tmp}/di-fuse-card.XXXXXX")
source "$tests_dir/lib/fuse_cards.sh"
missing=$(fuse_cards_missing) && { rm -rf "$work"; skip "$missing"; }
cleanup() {
  fuse_cards_cleanup
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
size=$((256 * MiB)) keep=64
now_ms() { echo $(($(date +%s%N) / 1000000)); }
put() { dd if="$1" of="$dev" bs=1M seek="$2" oflag=direct,seek_bytes status=none; }     # FILE BYTE
get() { dd if="$dev" bs=1M count=1 skip="$1" iflag=direct,skip_bytes status=none; }     # BYTE
same() { cmp -s "$1" "$2"; }

head -c "$MiB" /dev/urandom >low.bin  # written at 10 MiB
head -c "$MiB" /dev/urandom >high.bin # written at 74 MiB, which wraps to 10 MiB
head -c "$MiB" /dev/urandom >edge.bin # written from 64 MiB - 64 KiB: across the boundary
head -c "$MiB" /dev/zero >zeros.bin
tr '\0' '\377' <zeros.bin >ones.bin
edge=$((keep * MiB - 64 * 1024)) kept_part=$((64 * 1024))
# What a mode leaves where nothing is stored: the fill after the kept part of edge.bin.
head -c "$kept_part" edge.bin >edge-kept.bin
{ cat edge-kept.bin; head -c $((MiB - kept_part)) ones.bin; } >edge-drop.bin
{ cat edge-kept.bin; head -c $((MiB - kept_part)) zeros.bin; } >edge-zero.bin
tail -c +$((kept_part + 1)) edge.bin >edge-wrapped.bin # what the wrap leaves at 0

# The whole card, every MiB filled with its own number (8 bytes, little-endian), made and
# checked by Python on the fly. check_whole MODE reads the card from stdin and prints the
# ranges of MiB that are not what MODE leaves.
pattern() {
  "$fuse_py" -c 'import sys
out = sys.stdout.buffer
for i in range(int(sys.argv[1])):
    out.write(i.to_bytes(8, "little") * (1 << 17))' "$1"
}
check_whole() { # MODE MiB KEPT_MiB
  "$fuse_py" -c 'import sys
mode, total, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = sys.stdin.buffer
def expected(i):
    if mode == "genuine" or i < keep and mode != "wrap":
        return i.to_bytes(8, "little") * (1 << 17)
    if mode == "wrap":  # the last MiB written over this one: the highest alias
        return (total - keep + i % keep).to_bytes(8, "little") * (1 << 17)
    return (b"\xff" if mode == "drop" else b"\0") * (1 << 20)
bad = []  # [first, last] MiB of each wrong run
for i in range(total):
    if src.read(1 << 20) == expected(i):
        continue
    if bad and bad[-1][1] == i - 1:
        bad[-1][1] = i
    else:
        bad.append([i, i])
if src.read(1):
    bad.append(["more than", total])
for lo, hi in bad:
    print("    MiB %s..%s: not what %s leaves" % (lo, hi, mode))
sys.exit(1 if bad else 0)' "$@"
}

# The probe: loop devices and FUSE can be used here at all.
truncate -s 16M probe.img
probe=$(losetup -f --show probe.img 2>/dev/null) || skip "losetup cannot attach a loop device here"
losetup -d "$probe"

for mode in genuine wrap drop zero; do
  if [ "$mode" = genuine ]; then opts=(); else opts=(--keep-mib "$keep" --past "$mode"); fi
  if ! card "$mode" "$size" "${opts[@]}"; then
    fail "$mode: start the card"
    continue
  fi
  # ---- a. 10 MiB, then 74 MiB ----
  check "$mode: dd writes 1 MiB at 10 MiB" put low.bin $((10 * MiB))
  check "$mode: dd writes 1 MiB at 74 MiB" put high.bin $(((10 + keep) * MiB))
  get $((10 * MiB)) >at10.bin
  get $(((10 + keep) * MiB)) >at74.bin
  case $mode in
  genuine)
    check "$mode: 10 MiB keeps its own data" same at10.bin low.bin
    check "$mode: 74 MiB keeps its own data" same at74.bin high.bin ;;
  wrap)
    check "$mode: 10 MiB reads the data written at 74 MiB" same at10.bin high.bin
    check "$mode: 74 MiB reads it too" same at74.bin high.bin ;;
  drop)
    check "$mode: 10 MiB keeps its own data" same at10.bin low.bin
    check "$mode: 74 MiB reads 0xFF" same at74.bin ones.bin ;;
  zero)
    check "$mode: 10 MiB keeps its own data" same at10.bin low.bin
    check "$mode: 74 MiB reads zeros" same at74.bin zeros.bin ;;
  esac
  # ---- b. across the boundary ----
  check "$mode: dd writes 1 MiB from 64 MiB - 64 KiB" put edge.bin "$edge"
  get "$edge" >at-edge.bin
  dd if="$dev" bs=$((MiB - kept_part)) count=1 iflag=direct status=none >at0.bin
  case $mode in
  genuine | wrap)
    check "$mode: across 64 MiB: reads back whole" same at-edge.bin edge.bin ;;
  drop | zero)
    check "$mode: across 64 MiB: the kept 64 KiB, then the $mode fill" same at-edge.bin "edge-$mode.bin" ;;
  esac
  if [ "$mode" = wrap ]; then
    check "$mode: across 64 MiB: the part past it landed at 0" same at0.bin edge-wrapped.bin
  else
    check "$mode: across 64 MiB: 0 is untouched" same at0.bin <(head -c $((MiB - kept_part)) zeros.bin)
  fi
  # ---- c. the backing file ----
  want=$size; [ "$mode" = genuine ] || want=$((keep * MiB))
  check "$mode: the backing file is $((want / MiB)) MiB" test "$(stat -c %s "$mode.bin")" -eq "$want"
  # ---- d. the whole card, once each way ----
  t0=$(now_ms)
  pattern $((size / MiB)) | dd of="$dev" bs=4M iflag=fullblock oflag=direct status=none
  wrote=$?
  t1=$(now_ms)
  dd if="$dev" bs=4M iflag=direct status=none | check_whole "$mode" $((size / MiB)) "$keep"
  matched=$?
  t2=$(now_ms)
  echo "    $mode: 256 MiB written in $((t1 - t0)) ms, read and checked in $((t2 - t1)) ms"
  check "$mode: the whole card written (dd exit $wrote)" test "$wrote" -eq 0
  check "$mode: the whole card reads what $mode leaves, MiB by MiB" test "$matched" -eq 0
  check "$mode: each pass under 60 s" test $((t1 - t0)) -lt 60000 -a $((t2 - t1)) -lt 60000
  check "$mode: detached, unmounted, its program ended" card_end "$mode"
done

# ---- e. Bad sectors on a wrapping card: the offsets asked for ----
bad=$(((16 + keep) * MiB)) # 80 MiB; wraps to 16 MiB
if card badwrap "$size" --keep-mib "$keep" --past wrap --eio-at $((bad / 512)):8; then
  check "bad + wrap: a read at the bad sector fails" bash -c '! dd if="$0" bs=4096 count=1 skip="$1" iflag=direct,skip_bytes status=none of=/dev/null 2>/dev/null' "$dev" "$bad"
  check "bad + wrap: a write there fails" bash -c '! dd if=/dev/zero of="$0" bs=4096 count=1 seek="$1" oflag=direct,seek_bytes status=none 2>/dev/null' "$dev" "$bad"
  check "bad + wrap: the low offset it wraps to works" put low.bin $((16 * MiB))
  check "bad + wrap: ... and reads back" same <(get $((16 * MiB))) low.bin
  check "bad + wrap: the sector after the bad area works" put high.bin $((bad + 4096))
  check "bad + wrap: ... and wrapped over the low data" same <(get $((16 * MiB + 4096))) high.bin
  check "bad + wrap: detached, unmounted, its program ended" card_end badwrap
else
  fail "bad + wrap: start the card"
fi

# Nothing left behind: every loop device detached, every card unmounted, every program ended.
check "no loop device over the cards is left" bash -c '! losetup -a | grep -qF "$0"' "$work"
check "no card is still mounted" bash -c '! grep -qF "$0" /proc/mounts' "$work"
check "every fuse_card.py has ended" test "${#pids[@]}" -eq 0
finish
