#!/usr/bin/env bash
# Drive to drive (issue 15): a Write whose source is a drive. linux: loop devices with
# 512- and 4096-byte sectors: copied both ways and verified; a source that is the target
# (by its own name, a symbolic link, the file behind it, a partition of it, or the target
# a partition of the source) refused before anything is written; the source opened
# read-only without taking it (another program holds it exclusively meanwhile); a larger
# source whose tail past the target is zeros written up to the target's end; one with
# data past its partitions written only up to its last partition's end, GPT (its backup
# rebuilt at the target's end: sgdisk -v) and MBR (sfdisk), then Verify Only; one whose
# partitions do not fit, or that has none, refused naming the sizes; several targets, one
# too small. windows: diskimager.exe under Wine between drive letters backed by files
# (\\.\T:, \\.\U:, \\.\V: a second letter for T:'s file).
# Args: linux DISKIMAGER | windows WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1
skip() { echo "SKIP: $1"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-d2d.XXXXXX")
loops=()
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  if [ "$mode" = windows ]; then
    for l in t u v w; do rm -f "$WINEPREFIX/dosdevices/$l:" "$WINEPREFIX/dosdevices/$l::"; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))
says() { grep -q -- "$1" err; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
# FILE SIZE: random bytes.
random_file() { head -c "$2" /dev/urandom >"$1"; }
# FILE OFFSET LENGTH: random bytes written into FILE at OFFSET.
scribble() { dd if=/dev/urandom of="$1" bs=1M seek=$(($2 / MiB)) count=$(($3 / MiB)) conv=notrunc status=none; }
# A GPT disk image FILE of SIZE MiB (sectors of SECTOR bytes) with two partitions of 8 and
# 12 MiB from 1 MiB, their bytes random; `gpt_end` is where the last one ends (bytes).
gpt_disk() {
  local file=$1 size=$2 sector=${3:-512}
  truncate -s $((size * MiB)) "$file"
  if [ "$sector" = 512 ]; then
    sgdisk -n1:2048:+8M -n2:0:+12M "$file" >/dev/null
  else
    # sgdisk counts 4096-byte sectors on a 4096-byte-sector device only.
    local d; d=$(losetup -f --show --sector-size 4096 "$file") || return 1
    sgdisk -n1:256:+8M -n2:0:+12M "$d" >/dev/null; losetup -d "$d"
  fi
  scribble "$file" $MiB $((20 * MiB))
  gpt_end=$((21 * MiB))
}

if [ "$mode" = windows ]; then
  command -v sgdisk >/dev/null || skip "sgdisk is not installed"
  di=("$2" "$3")
  export WINEPREFIX=$4/wineprefix WINEDEBUG=-all
  "${di[@]}" --version >/dev/null 2>&1 # creates the prefix on first use
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  random_file t.img $((32 * MiB))
  head -c $((32 * MiB)) /dev/zero | tr '\0' '\245' >u.img
  wine_map_drive "$WINEPREFIX" t "$work/t.img" "$work/mnt_t"
  wine_map_drive "$WINEPREFIX" u "$work/u.img" "$work/mnt_u"
  # V: is a second name for T:'s file.
  wine_map_drive "$WINEPREFIX" v "$work/t.img" "$work/mnt_v"
  t_md5=$(md5 t.img) u_md5=$(md5 u.img)
  run write '\\.\T:' '\\.\T:' --yes --progress=none
  check "T: onto itself: refused" bash -c "[ $code -ne 0 ] && grep -q 'is this very drive' err"
  run write '\\.\T:' '\\.\t:' --yes --progress=none
  check "T: onto t: (another case): refused" bash -c "[ $code -ne 0 ] && grep -q 'is this very drive' err"
  run write '\\.\T:' '\\.\V:' --yes --progress=none
  check "T: onto V:, the same file under another letter: refused" \
    bash -c "[ $code -ne 0 ] && grep -q 'the source \\\\\\\\.\\\\T: is this very drive' err"
  check "... T: untouched" test "$(md5 t.img)" = "$t_md5"
  run write '\\.\T:' '\\.\U:' --yes --verify --hash md5 --progress=none
  check "T: to U:: exit 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || tail -n 5 err
  check "... U: holds T:" cmp t.img u.img
  check "... the MD5 is T:'s" grep -q "^$t_md5 " out
  check "... verified" says "verified"
  check "... T: untouched" test "$(md5 t.img)" = "$t_md5"
  # A larger GPT drive onto a smaller one: only its partitions, the backup rebuilt.
  rm -f "$WINEPREFIX/dosdevices/v:" "$WINEPREFIX/dosdevices/v::"
  gpt_disk w.img 48
  scribble w.img $((40 * MiB)) $MiB
  wine_map_drive "$WINEPREFIX" w "$work/w.img" "$work/mnt_w"
  run write '\\.\W:' '\\.\U:' --yes --verify --progress=none
  check "a 48 MiB GPT drive onto 32 MiB: exit 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || tail -n 5 err
  check "... its partitions copied" cmp -n $((gpt_end - MiB)) -i $MiB w.img u.img
  check "... the GPT whole on the smaller drive (sgdisk -v)" bash -c "sgdisk -v u.img | grep -q 'No problems found'"
  run verify '\\.\W:' '\\.\U:' --progress=none
  check "... Verify Only: the same" test "$code" -eq 0
  sgdisk -d 2 -n2:0:+36M w.img >/dev/null # its second partition now ends past 32 MiB
  u_md5=$(md5 u.img)
  run write '\\.\W:' '\\.\U:' --yes --progress=none
  check "partitions past the smaller drive's end: refused" \
    bash -c "[ $code -ne 0 ] && grep -q 'its partitions need 47.2 MB' err"
  check "... U: untouched" test "$(md5 u.img)" = "$u_md5"
  finish
  exit
fi

[ "$(id -u)" -eq 0 ] || skip "loop devices need root"
for tool in losetup sgdisk sfdisk partx python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
truncate -s 32M probe.img
probe=$(losetup -f --show probe.img 2>/dev/null) || skip "losetup cannot attach a loop device here"
losetup -d "$probe"
di=("$2")
attach() { # FILE [SECTOR] -> sets $dev
  dev=$(losetup -f --show ${2:+--sector-size "$2"} "$1") || return 1
  loops+=("$dev")
}
blank() { head -c "$2" /dev/zero | tr '\0' '\245' >"$1"; } # FILE SIZE: 0xA5 everywhere

# --- a drive copied to another, 512 <-> 4096-byte sectors -------------------------------
random_file a.img $((32 * MiB)); attach a.img 512; a=$dev
blank b.img $((32 * MiB)); attach b.img 4096; b=$dev
a_md5=$(md5 a.img)
run write "$a" "$b" --yes --force --verify --hash md5 --progress=none
check "512 onto 4096: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 5 err
check "... the copy is exact" cmp "$a" "$b"
check "... the MD5 printed is the source's" grep -q "^$a_md5  $a" out
check "... verified" says "verified: $b holds"
check "... the source untouched" test "$(md5 a.img)" = "$a_md5"
blank a.img $((32 * MiB)); random_file b.img $((32 * MiB)); b_md5=$(md5 b.img)
run write "$b" "$a" --yes --force --verify --progress=none
check "4096 onto 512: exit 0 and exact" bash -c "[ $code -eq 0 ] && cmp $a $b"

# --- a source that is the target, under any name: refused before anything is written -----
b_md5=$(md5 b.img)
ln -s "$b" link-to-b
run write "$b" "$b" --yes --force --progress=none
check "a drive onto itself: refused" bash -c "[ $code -ne 0 ] && grep -q \"write failed on $b: the source $b is this very drive\" err"
run write "$work/link-to-b" "$b" --yes --force --progress=none
check "through a symbolic link to it: refused" says "the source $work/link-to-b is this very drive"
run write "$b" "$work/link-to-b" --yes --force --progress=none
check "onto a symbolic link to it: refused" says "is this very drive"
run write b.img "$b" --yes --force --progress=none
check "the file behind the loop device onto it: refused" says "the source b.img is this very drive"
check "... it is untouched" test "$(md5 b.img)" = "$b_md5"
blank c.img $((32 * MiB)); attach c.img 512; c=$dev
sgdisk -n1:2048:+8M -n2:0:+8M "$c" >/dev/null
partx -a "$c" 2>/dev/null
if [ -b "${c}p1" ]; then
  c_md5=$(md5 c.img)
  run write "${c}p1" "$c" --yes --force --progress=none
  check "a partition of the target: refused" says "the source ${c}p1 is a partition or volume of this drive"
  run write "$c" "${c}p2" --yes --force --progress=none
  check "the target a partition of the source: refused" says "write failed on ${c}p2: this drive is a partition or volume of the source $c"
  b_md5=$(md5 b.img)
  run write "$c" "$b" "${c}p1" --yes --force --progress=none
  check "several targets, one of them a partition of the source: refused" \
    says "write failed on ${c}p1: this drive is a partition or volume of the source $c"
  check "... nothing written" bash -c "[ $(md5 c.img) = $c_md5 ] && [ $(md5 b.img) = $b_md5 ]"
  run write "${c}p1" "${c}p2" --yes --force --progress=none
  check "a partition onto another of the same disk: written" \
    bash -c "[ $code -eq 0 ] && cmp -n $((8 * MiB)) ${c}p1 ${c}p2"
  partx -d "$c" 2>/dev/null
else
  echo "note: partx made no partition devices of $c here; the partition cells are skipped"
fi

# --- the source is read-only and not taken: another program holds it exclusively --------
python3 -c "import os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL); print('held', flush=True); time.sleep(60)" "$a" >held &
holder=$!
for _ in $(seq 50); do grep -q held held 2>/dev/null && break; sleep 0.1; done
run write "$a" "$b" --yes --force --progress=none
check "a source held exclusively by another program: still read" bash -c "[ $code -eq 0 ] && cmp $a $b"
kill "$holder"; wait "$holder" 2>/dev/null; holder=

# --- a larger source: zeros past the target's end -----------------------------------------
truncate -s $((48 * MiB)) z.img; scribble z.img 0 $((24 * MiB)); attach z.img 512; z=$dev
blank b.img $((32 * MiB))
run write "$z" "$b" --yes --force --verify --hash md5 --progress=none
check "48 MiB (zeros past 24) onto 32 MiB: exit 0" test "$code" -eq 0
check "... up to the target's end" cmp -n $((32 * MiB)) "$z" "$b"
check "... said" says "all zeros and were not written"
check "... the MD5 is all of the source's" grep -q "^$(md5 z.img)  " out

# --- a larger GPT source with data past its partitions: only they are written ------------
gpt_disk g.img 48
scribble g.img $((40 * MiB)) $MiB
attach g.img 512; g=$dev
blank b.img $((32 * MiB))
run write "$g" "$b" --yes --force --verify --progress=none
check "48 MiB GPT, data past its partitions, onto 32 MiB: exit 0" test "$code" -eq 0
check "... it says only the partitions were written" says "holds data past the end of $b: only its partitions were written"
[ "$code" -eq 0 ] || tail -n 5 err
check "... its partitions copied" cmp -n $((gpt_end - MiB)) -i $MiB "$g" "$b"
check "... the protective MBR copied" cmp -n 512 "$g" "$b"
check "... the GPT whole on the target (sgdisk -v)" bash -c "sgdisk -v $b | grep -q 'No problems found'"
check "... its backup at the target's end" bash -c "tail -c 512 $b | head -c 8 | grep -q 'EFI PART'"
check "... nothing past the partitions but the backup" \
  test "$(head -c $((32 * MiB - 33 * 512)) "$b" | tail -c +$((gpt_end + 1)) | tr -d '\245' | wc -c)" -eq 0
check "... said: the backup GPT moved" says "the backup GPT was moved to the end of $b"
run verify "$g" "$b" --progress=none
check "... Verify Only of the two drives: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 3 err
# Without verify, and to two drives at once, one larger than the source.
blank b.img $((32 * MiB)); blank big.img $((64 * MiB)); attach big.img 4096; big=$dev
run write "$g" "$b" "$big" --yes --force --progress=none
check "the same to 32 MiB and 64 MiB at once: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 5 err
check "... both GPTs whole" bash -c "sgdisk -v $b | grep -q 'No problems found' && tail -c 512 $big | head -c 8 | grep -q 'EFI PART'"
check "... both hold the partitions" bash -c "cmp -n $((gpt_end - MiB)) -i $MiB $g $b && cmp -n $((gpt_end - MiB)) -i $MiB $g $big"

# --- the same with an MBR ------------------------------------------------------------------
truncate -s $((48 * MiB)) m.img
printf 'label: dos\n2048,16384,83\n18432,20480,83\n' | sfdisk -q m.img
scribble m.img $MiB $((19 * MiB)); scribble m.img $((44 * MiB)) $MiB
attach m.img 512; m=$dev
blank b.img $((32 * MiB))
run write "$m" "$b" --yes --force --verify --progress=none
check "48 MiB MBR, data past its partitions, onto 32 MiB: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 5 err
check "... up to its last partition's end, exactly" cmp -n $(((18432 + 20480) * 512)) "$m" "$b"
check "... the rest untouched" \
  test "$(tail -c +$(((18432 + 20480) * 512 + 1)) "$b" | tr -d '\245' | wc -c)" -eq 0
check "... sfdisk reads its table" bash -c "sfdisk -d $b | grep -q 'start=       18432, size=       20480'"

# --- a 4096-byte-sector GPT source onto a 512-byte-sector target ----------------------------
gpt_disk g4.img 48 4096
scribble g4.img $((40 * MiB)) $MiB
attach g4.img 4096; g4=$dev
blank b.img $((32 * MiB)); attach b.img 512; b512=$dev
run write "$g4" "$b512" --yes --force --verify --progress=none
check "48 MiB 4Kn GPT onto a 32 MiB 512 drive: exit 0" test "$code" -eq 0
[ "$code" -eq 0 ] || tail -n 5 err
check "... its partitions copied" cmp -n $((gpt_end - MiB)) -i $MiB "$g4" "$b512"
check "... its backup header in the target's last 4096 bytes" \
  bash -c "tail -c 4096 $b512 | head -c 8 | grep -q 'EFI PART'"

# --- larger sources that do not fit -----------------------------------------------------------
sgdisk -d 2 -n2:0:+36M g.img >/dev/null  # its second partition now ends past 32 MiB
blank b.img $((32 * MiB)); b_md5=$(md5 b.img)
run write "$g" "$b" --yes --force --progress=none
check "partitions past the target's end: refused" test "$code" -ne 0
check "... naming both sizes and what the partitions need" \
  says "check size failed on $b: the source drive $g is 50331648 bytes (50.3 MB), this drive only 33554432 bytes (33.6 MB); .*its partitions need 47.2 MB"
check "... the target untouched" test "$(md5 b.img)" = "$b_md5"
random_file r.img $((48 * MiB)); attach r.img 512; r=$dev
run write "$r" "$b" --yes --force --progress=none
check "no partition table, data past the target's end: refused" says "no partition table"
check "... the target untouched" test "$(md5 b.img)" = "$b_md5"
blank small.img $((16 * MiB)); attach small.img 512; small=$dev
gpt_disk g2.img 48; scribble g2.img $((40 * MiB)) $MiB; attach g2.img 512; g2=$dev
blank b.img $((32 * MiB))
run write "$g2" "$b" "$small" --yes --force --progress=none
check "two targets, one too small for the partitions: exit 1" test "$code" -eq 1
check "... the small one named" says "$small: failed: .*its partitions need"
check "... the other written" bash -c "sgdisk -v $b | grep -q 'No problems found'"
finish
