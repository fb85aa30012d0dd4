#!/usr/bin/env bash
# Read writes its own bmap (issue 15), judged by bmaptool: `read DEVICE IMAGE --make-bmap`
# leaves IMAGE.bmap beside the image; `bmaptool copy` accepts it (it checks the file's own
# checksum and each range's) and writes the device's bytes; `bmaptool create` on our
# image, whose zero blocks are holes (a few allocated blocks for 40 MiB), maps the same
# ranges with the same checksums; our Write with that bmap writes only its ranges (the
# drive keeps what it held elsewhere). From a file and loop devices of 512- and 4096-byte
# sectors; into .xz, .gz and .zst (the bmap of the image inside, named pi.img.bmap where
# bmaptool finds it); with --allocated-only (MBR, and GPT whose made backup is mapped),
# an image of zeros, an image not a multiple of the block; a read that fails (disk full)
# leaves no bmap, not even the older one. windows: diskimager.exe under Wine reading
# \\.\T:, a drive letter over a file (into .zst too), writing it back with the bmap, and
# a GPT image read with --allocated-only.
# Args: linux DISKIMAGER | windows WINE_RUN DISKIMAGER_EXE BUILD_DIR
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1
skip() { echo "SKIP: $1"; exit 77; }
command -v bmaptool >/dev/null || skip "bmaptool (bmap-tools) is needed"
work=$(mktemp -d "${TMPDIR:-/tmp}/di-read-bmap.XXXXXX")
loops=() mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  if [ "$mode" = windows ]; then rm -f "$WINEPREFIX/dosdevices/t:" "$WINEPREFIX/dosdevices/t::"; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
MiB=$((1024 * 1024))

# The ranges of a bmap with their checksums, one a line.
ranges() { sed -n 's:^ *<Range chksum="\([0-9a-f]*\)"> *\([0-9-]*\) *</Range>.*:\2 \1:p' "$1"; }
field() { sed -n "s:.*<$2> *\([0-9a-z]*\) *</$2>.*:\1:p" "$1"; }
allocated() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }
# IMAGE BMAP SOURCE: bmaptool copy with our bmap gives the source's bytes.
bt_copy_gives() {
  rm -f bt-copy.img
  bmaptool copy --bmap "$2" "$1" bt-copy.img >bt.log 2>&1 || { sed 's/^/    | /' bt.log; return 1; }
  cmp -s bt-copy.img "$3"
}
# IMAGE BMAP: bmaptool create on our image maps the same ranges, the same checksums.
bt_create_agrees() {
  bmaptool create "$1" -o bt-create.bmap 2>/dev/null || return 1
  [ -n "$(ranges "$2")" ] || [ "$(field "$2" MappedBlocksCount)" = 0 ] || return 1
  diff <(ranges bt-create.bmap) <(ranges "$2") >/dev/null || {
    echo "    bmaptool create maps:"; ranges bt-create.bmap | head -5 | sed 's/^/    | /'
    echo "    ours:"; ranges "$2" | head -5 | sed 's/^/    | /'; return 1; }
}
sparse() { test "$(allocated "$1")" -lt $((4 * MiB)); } # of a 40 MiB image with ~1.3 MiB data

# The drive: 40 MiB, data at its head, at 5 MiB, three blocks at 20 MiB + 3 blocks, one
# byte at 30 MiB + 100, its last 10 bytes; zeros elsewhere. Then the same filled with Z
# where it holds zeros is what a used card looks like (every block mapped).
make_drive() {
  truncate -s 0 "$1"; truncate -s $((40 * MiB)) "$1"
  head -c 200000 /dev/urandom | dd of="$1" conv=notrunc status=none
  head -c $MiB /dev/urandom | dd of="$1" bs=1M seek=5 conv=notrunc status=none
  head -c 12288 /dev/urandom | dd of="$1" bs=4096 seek=$((20 * 256 + 3)) conv=notrunc status=none
  printf 'x' | dd of="$1" bs=1 seek=$((30 * MiB + 100)) conv=notrunc status=none
  head -c 10 /dev/urandom | dd of="$1" bs=1 seek=$((40 * MiB - 10)) conv=notrunc status=none
}
fill_z() { head -c $((40 * MiB)) /dev/zero | tr '\0' 'Z' >"$1"; }
# DRIVE (a file holding what the drive holds): only the bmap's ranges were written
# there; an unmapped block at 10 MiB still holds Z.
only_mapped_written() {
  cmp -s -n $((40 * MiB)) "$1" drive.img && return 1 # all of it written: not what we want
  [ "$(dd if="$1" bs=4096 skip=$((10 * 256)) count=1 status=none | tr -d Z | wc -c)" -eq 0 ] &&
    cmp -s -i 0:0 -n 200000 drive.img "$1" &&
    cmp -s -i $((5 * MiB)):$((5 * MiB)) -n $MiB drive.img "$1" &&
    cmp -s -i $((40 * MiB - 10)):$((40 * MiB - 10)) -n 10 drive.img "$1"
}
make_drive drive.img
# bmaptool checks what our bmap says: a file checksum changed, or an image byte changed
# in a mapped range, and it refuses to copy.
tamper_checks() { # BMAP IMAGE
  python3 -c 'import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"<BmapFileChecksum> ([0-9a-f])", t)
i = m.start(1)
open("t1.bmap", "w").write(t[:i] + ("1" if t[i] == "0" else "0") + t[i + 1:])' "$1"
  check "bmaptool refuses our bmap with its file checksum changed" \
    bash -c "! bmaptool copy --bmap t1.bmap '$2' t.out >t.log 2>&1 && grep -q 'checksum mismatch for bmap' t.log"
  cp "$2" t2.img
  flip_byte t2.img 5000
  check "bmaptool refuses the image with a mapped byte changed (it checks our range checksums)" \
    bash -c "! bmaptool copy --bmap '$1' t2.img t.out >t.log 2>&1 && grep -qi 'checksum mismatch' t.log"
  rm -f t2.img
}

# GPT: the backup table and header are made at the image's end and the primary header
# rewritten: the bmap maps the image as written, its last block included.
gpt_cells() { # SOURCE LABEL SECTOR
  local src=$1 name=$2 ss=$3
  run read "$src" "$name.img" --allocated-only --make-bmap --hash sha256 --progress=none
  check "GPT $ss: exit 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || { tail -n 3 err; return; }
  local size; size=$(stat -c %s "$name.img")
  check "GPT $ss: sgdisk finds no problem in the image" bash -c "sgdisk -v $name.img 2>/dev/null | grep -q 'No problems found'"
  check "GPT $ss: the bmap's image size is the image's ($size)" test "$(field "$name.img.bmap" ImageSize)" = "$size"
  check "GPT $ss: the made backup is mapped (the last block)" \
    test "$(ranges "$name.img.bmap" | tail -n1 | sed 's/ .*//; s/.*-//')" = $(((size - 1) / 4096))
  check "GPT $ss: bmaptool copy gives the image" bt_copy_gives "$name.img" "$name.img.bmap" "$name.img"
  check "GPT $ss: bmaptool create agrees" bt_create_agrees "$name.img" "$name.img.bmap"
  check "GPT $ss: the sha256 is the image's" grep -qx "$(sha256sum <"$name.img" | cut -d' ' -f1)  $name.img" out
  run read "$src" "$name-z.img.zst" --allocated-only --make-bmap --progress=none
  check "GPT $ss into .zst: the same bmap, bmaptool copy gives the same image" \
    bash -c "[ $code -eq 0 ] && cmp -s $name-z.img.bmap $name.img.bmap && bmaptool copy $name-z.img.zst bt-g.img >/dev/null 2>&1 && cmp -s bt-g.img $name.img"
}
make_gpt() { # a 64 MiB GPT disk in a file: two partitions, 1 MiB of data in the first
  truncate -s $((64 * MiB)) "$1"
  sgdisk -n 1:2048:+8M -t 1:ef00 -n 2:0:+20M "$1" >/dev/null
  head -c $MiB /dev/urandom | dd of="$1" bs=1M seek=3 conv=notrunc status=none
}

if [ "$mode" = windows ]; then
  di=("$2" "$3")
  export WINEPREFIX=$4/wineprefix WINEDEBUG=-all
  "${di[@]}" --version >/dev/null 2>&1 # creates the prefix on first use
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  cp drive.img t-drive.img
  wine_map_drive "$WINEPREFIX" t "$work/t-drive.img" "$work/mnt_t"
  run read '\\.\T:' t.img --make-bmap --hash sha256 --progress=none
  check "read \\\\.\\T: --make-bmap: exit 0" test "$code" -eq 0
  [ "$code" -eq 0 ] || tail -n 5 err
  check "the image is the drive's bytes" cmp -s t.img drive.img
  check "t.img.bmap written, said so" grep -q 'block map t.img.bmap written: 1.27 MB of the image.s 41.9 MB hold data' err
  check "the image's sha256 printed" grep -qx "$(sha256sum <drive.img | cut -d' ' -f1)  t.img" out
  check "the image is sparse (Wine: FSCTL_SET_SPARSE, holes left)" sparse t.img
  check "bmaptool copy with our bmap gives the drive's bytes" bt_copy_gives t.img t.img.bmap drive.img
  check "bmaptool create on our image maps our ranges" bt_create_agrees t.img t.img.bmap
  tamper_checks t.img.bmap t.img
  run read '\\.\T:' t.img.zst --make-bmap --progress=none
  check "read into .zst with a bmap: exit 0, t.img.bmap (the image inside)" test "$code" -eq 0 -a -f t.img.bmap
  check "no t.img.zst.bmap" test ! -e t.img.zst.bmap
  check "bmaptool copy t.img.zst finds t.img.bmap and gives the drive's bytes" \
    bash -c "bmaptool copy t.img.zst bt-z.img 2>&1 | grep -q \"using bmap file 't.img.bmap'\" && cmp -s bt-z.img drive.img"
  fill_z t-drive.img
  run write t.img '\\.\T:' --bmap t.img.bmap --yes --verify --progress=none
  check "write t.img to T: with our bmap: exit 0, verified" bash -c "[ $code -eq 0 ] && grep -q 'mapped blocks on .* match the image' err"
  check "... only the mapped ranges written (an unmapped block keeps its Z)" only_mapped_written t-drive.img
  if command -v sgdisk >/dev/null; then
    make_gpt gpt.img
    gpt_cells gpt.img gpt512 512
  fi
  finish
  exit
fi

di=("$2")
command -v sgdisk >/dev/null && command -v sfdisk >/dev/null || skip "sgdisk and sfdisk are needed"
[ "$(id -u)" -eq 0 ] || skip "loop devices need root"

# From a file.
run read drive.img card.img --make-bmap --progress=none
check "read FILE --make-bmap: exit 0" test "$code" -eq 0
check "the image is the drive's bytes" cmp -s card.img drive.img
check "card.img.bmap, bmaptool's format 2.0" test "$(field card.img.bmap ChecksumType)" = sha256 -a "$(sed -n 's:.*<bmap version="\([0-9.]*\)">.*:\1:p' card.img.bmap)" = 2.0
check "it says what it maps" grep -q 'block map card.img.bmap written: 1.27 MB of the image.s 41.9 MB hold data; the other blocks were left as holes' err
check "its image size and block count" test "$(field card.img.bmap ImageSize)" = $((40 * MiB)) -a "$(field card.img.bmap BlocksCount)" = 10240
check "the image is sparse: $(allocated card.img) bytes allocated of 40 MiB" sparse card.img
check "bmaptool copy with our bmap gives the drive's bytes" bt_copy_gives card.img card.img.bmap drive.img
check "bmaptool create on our image maps our ranges, checksums too" bt_create_agrees card.img card.img.bmap
check "five ranges: head, 5 MiB, 20 MiB, the byte at 30 MiB, the end" test "$(ranges card.img.bmap | wc -l)" -eq 5
tamper_checks card.img.bmap card.img
run read drive.img small-chunks.img --make-bmap --buffer-size 1536 --progress=none
check "chunks of 1.5 KiB (blocks split across chunks): the same bmap, the same holes" \
  bash -c "[ $code -eq 0 ] && cmp -s small-chunks.img.bmap card.img.bmap && cmp -s small-chunks.img drive.img && [ $(allocated small-chunks.img) -eq $(allocated card.img) ]"
run read drive.img plain.img --progress=none
check "without --make-bmap: no bmap, the image whole" test ! -e plain.img.bmap -a "$(allocated plain.img)" -ge $((40 * MiB))

# Loop devices, 512- and 4096-byte sectors.
for ss in 512 4096; do
  dev=$(losetup -f --show --sector-size "$ss" drive.img) || { fail "losetup --sector-size $ss"; continue; }
  loops+=("$dev")
  run read "$dev" "loop$ss.img" --make-bmap --hash md5 --progress=none
  check "$ss-byte sectors: read $dev --make-bmap: exit 0" test "$code" -eq 0
  check "$ss: the image is the drive's bytes" cmp -s "loop$ss.img" drive.img
  check "$ss: the md5 printed is the drive's" grep -qx "$(md5sum <drive.img | cut -d' ' -f1)  loop$ss.img" out
  check "$ss: sparse" sparse "loop$ss.img"
  check "$ss: the same map as from the file" diff <(ranges "loop$ss.img.bmap") <(ranges card.img.bmap)
  check "$ss: bmaptool copy gives the drive's bytes" bt_copy_gives "loop$ss.img" "loop$ss.img.bmap" drive.img
  check "$ss: bmaptool create agrees" bt_create_agrees "loop$ss.img" "loop$ss.img.bmap"
  losetup -d "$dev"
done

# Our Write with our bmap: only its ranges go to the drive.
fill_z target.img
tdev=$(losetup -f --show --sector-size 4096 target.img) && loops+=("$tdev")
run write card.img "$tdev" --bmap card.img.bmap --yes --force --verify --progress=none
check "write with our bmap to a loop device: exit 0, its checksums checked" bash -c "[ $code -eq 0 ] && grep -q 'written, each range.s checksum checked' err"
check "... verified on the mapped blocks" grep -q 'mapped blocks on .* match the image' err
losetup -d "$tdev"
check "... only the mapped ranges written (an unmapped block keeps its Z)" only_mapped_written target.img

# Compressed: the bmap of the image inside, named as bmaptool and our Write look for it.
dev=$(losetup -f --show drive.img) && loops+=("$dev")
for z in xz gz zst; do
  rm -f "c.img.bmap"
  run read "$dev" "c.img.$z" --make-bmap --progress=none
  check "read into .$z with a bmap: exit 0" test "$code" -eq 0
  check ".$z: c.img.bmap written (not c.img.$z.bmap), the same map" \
    bash -c "[ -f c.img.bmap ] && [ ! -e c.img.$z.bmap ] && diff <(sed -n 's:.*<Range chksum=\"\([0-9a-f]*\)\"> *\([0-9-]*\).*:\2 \1:p' c.img.bmap) <(sed -n 's:.*<Range chksum=\"\([0-9a-f]*\)\"> *\([0-9-]*\).*:\2 \1:p' card.img.bmap) >/dev/null"
  check ".$z: bmaptool copy c.img.$z finds c.img.bmap, gives the drive's bytes" \
    bash -c "bmaptool copy c.img.$z bt-$z.img 2>&1 | grep -q \"using bmap file 'c.img.bmap'\" && cmp -s bt-$z.img drive.img"
done
fill_z target.img
run write c.img.zst target.img --yes --progress=none
check "our Write finds c.img.bmap beside c.img.zst" grep -q 'using the block map c.img.bmap' err
losetup -d "$dev"

# A used card: no zero block, one range of all of it.
fill_z used.img
run read used.img used-out.img --make-bmap --progress=none
check "a drive without zero blocks: one range of every block" test "$(ranges used-out.img.bmap | cut -d' ' -f1)" = "0-10239"
check "... bmaptool copy gives it" bt_copy_gives used-out.img used-out.img.bmap used.img
# Zeros only: nothing mapped; an image that ends inside a block.
truncate -s $((8 * MiB)) zeros.img
run read zeros.img zeros-out.img --make-bmap --progress=none
check "a drive of zeros: exit 0, nothing mapped, nothing allocated" \
  test "$code" -eq 0 -a "$(field zeros-out.img.bmap MappedBlocksCount)" = 0 -a "$(allocated zeros-out.img)" -eq 0
check "... bmaptool copy gives its zeros" bt_copy_gives zeros-out.img zeros-out.img.bmap zeros.img
run read drive.img odd.img --size 10000007 --make-bmap --progress=none
head -c 10000007 drive.img >odd-ref.img
check "--size 10000007: the bmap's image size, 2442 blocks" test "$(field odd.img.bmap ImageSize)" = 10000007 -a "$(field odd.img.bmap BlocksCount)" = 2442
check "... bmaptool copy gives those bytes" bt_copy_gives odd.img odd.img.bmap odd-ref.img
check "... bmaptool create agrees" bt_create_agrees odd.img odd.img.bmap

# --allocated-only. MBR: the image ends with the last partition.
truncate -s $((64 * MiB)) mbr.img
printf 'label: dos\nstart=2048, size=20480, type=c\nstart=22528, size=16384, type=83\n' | sfdisk -q mbr.img
head -c $MiB /dev/urandom | dd of=mbr.img bs=1M seek=2 conv=notrunc status=none
head -c 4096 /dev/urandom | dd of=mbr.img bs=4096 seek=$((18 * 256)) conv=notrunc status=none
run read mbr.img mbr-out.img --allocated-only --make-bmap --progress=none
check "MBR --allocated-only --make-bmap: exit 0, the image's size in the bmap" \
  test "$code" -eq 0 -a "$(field mbr-out.img.bmap ImageSize)" = "$(stat -c %s mbr-out.img)" -a "$(stat -c %s mbr-out.img)" = $((38912 * 512))
check "... bmaptool copy gives the image" bt_copy_gives mbr-out.img mbr-out.img.bmap mbr-out.img
check "... bmaptool create agrees" bt_create_agrees mbr-out.img mbr-out.img.bmap
make_gpt gpt.img
gpt_cells gpt.img gpt512 512
truncate -s $((64 * MiB)) gpt4k-disk.bin
g4=$(losetup -f --show --sector-size 4096 gpt4k-disk.bin) && loops+=("$g4")
sgdisk -n 1:256:+8M -t 1:ef00 -n 2:0:+20M "$g4" >/dev/null
head -c $MiB /dev/urandom | dd of="$g4" bs=1M seek=12 conv=notrunc,fsync status=none
gpt_cells "$g4" gpt4k 4096
losetup -d "$g4"

# A read that fails leaves no bmap, not the one of the image it replaced either: an
# .xz of random data into a 4 MiB tmpfs fills it (a compressed output is only warned
# about beforehand).
mkdir small && mount -t tmpfs -o size=4M tmpfs small && mounts+=("$work/small") || skip "mount tmpfs"
head -c $((8 * MiB)) /dev/urandom >random.img
echo 'the older image' >small/r.img.bmap
run read random.img small/r.img.xz --make-bmap --progress=none
check "a read that fills the disk: exit 1, no space named" bash -c "[ $code -eq 1 ] && grep -qi 'no space' err"
check "... no image, no bmap (the older one gone too)" test ! -e small/r.img.xz -a ! -e small/r.img.bmap
run read random.img small/r.img.xz --make-bmap --keep-partial --progress=none
check "... with --keep-partial: the image kept, no bmap" test "$code" -eq 1 -a -e small/r.img.xz -a ! -e small/r.img.bmap
finish
