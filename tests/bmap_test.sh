#!/usr/bin/env bash
# Write and Verify with a block map made by bmaptool: only the mapped blocks written
# (the rest of the device untouched), each range's checksum checked, the bmap found
# beside the image (plain or compressed) or named with --bmap, --no-bmap writing all;
# a damaged bmap, one for another image, an image that differs from its bmap.
# Args: linux|windows CMD...
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1; shift
di=("$@")
command -v bmaptool >/dev/null || { echo "SKIP: bmaptool (bmap-tools) is needed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-bmap.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
run() { "${di[@]}" "$@" </dev/null >out.txt 2>err.txt; code=$?; tr -d '\r' <out.txt >out; tr -d '\r' <err.txt >err; }
# The same bytes of two files at a byte offset.
same_at() { cmp -s -i "$2:$2" -n "$3" "$1" "$4"; }

# A sparse 32 MiB image: data at 0 (the head), at 5 MiB and at 20 MiB + 3 blocks.
truncate -s 32M pi.img
head -c 200000 /dev/urandom | dd of=pi.img conv=notrunc status=none
head -c 1048576 /dev/urandom | dd of=pi.img bs=1M seek=5 conv=notrunc status=none
head -c 12288 /dev/urandom | dd of=pi.img bs=4096 seek=$((20 * 256 + 3)) conv=notrunc status=none
bmaptool create pi.img -o pi.bmap 2>/dev/null
mapped=$(sed -n 's:.*<MappedBlocksCount> *\([0-9][0-9]*\) *<.*:\1:p' pi.bmap)
check "bmaptool maps a few blocks" test "$mapped" -gt 0 -a "$mapped" -lt 1000
fresh() { head -c $((40 * 1024 * 1024)) /dev/zero | tr '\0' '\132' >dev.img; }

fresh
run write pi.img dev.img --yes --verify --progress=none
check "write with the bmap beside the image: exit 0" test "$code" -eq 0
check "it says which bmap it uses" grep -q 'using the block map pi.bmap' err
check "only the mapped blocks are written" grep -q "block map: .* of the image's 33.6 MB written, each range's checksum checked" err
check "the head is the image's" same_at pi.img 0 1048576 dev.img
check "the data at 5 MiB is the image's" same_at pi.img 5242880 1048576 dev.img
check "the blocks at 20 MiB are the image's" same_at pi.img $(((20 * 256 + 3) * 4096)) 12288 dev.img
check "an unmapped block is left as it was" test "$(dd if=dev.img bs=4096 skip=2000 count=1 status=none | tr -d 'Z' | wc -c)" -eq 0
check "verify after write reads back the mapped blocks" grep -q 'mapped blocks on dev.img match' err
run verify pi.img dev.img --progress=none
check "verify with the bmap: exit 0 (unmapped blocks are not compared)" test "$code" -eq 0
run verify pi.img dev.img --no-bmap --progress=none
check "verify --no-bmap compares everything: a difference" test "$code" -eq 3

fresh
run write pi.img dev.img --yes --no-bmap --progress=none
check "--no-bmap writes the whole image" cmp -n $((32 * 1024 * 1024)) pi.img dev.img

# Compressed, as distributions ship it: pi.img.xz with pi.img.bmap (or pi.bmap).
xz -T0 -k pi.img
mv pi.bmap pi.img.bmap
fresh
run write pi.img.xz dev.img --yes --hash md5 --progress=none
check "xz image with pi.img.bmap: exit 0" test "$code" -eq 0
check "it uses pi.img.bmap" grep -q 'using the block map pi.img.bmap' err
check "the mapped data is written" same_at pi.img 5242880 1048576 dev.img
check "the compressed file's md5 is still taken" grep -qx "$(md5sum <pi.img.xz | cut -d' ' -f1)  pi.img.xz" out
mkdir other && cp pi.img.bmap other/x.bmap
run write pi.img dev.img --yes --bmap other/x.bmap --progress=none
check "--bmap FILE names the bmap" grep -q 'block map:' err

# Damaged, foreign and mismatching bmaps.
sed 's/<BlocksCount> *\([0-9]*\)/<BlocksCount> 1\1/' pi.img.bmap >bad.bmap
run write pi.img dev.img --yes --bmap bad.bmap --progress=none
check "a damaged bmap is refused: exit 2" test "$code" -eq 2
check "the damage is named with its line" grep -q 'read bmap failed on bad.bmap.*line [0-9]*:' err
truncate -s 16M small.img; bmaptool create small.img -o small.bmap 2>/dev/null
run write pi.img dev.img --yes --bmap small.bmap --progress=none
check "a bmap of another image is refused" grep -q 'do not belong together' err
cp pi.img changed.img
printf 'X' | dd of=changed.img bs=1 seek=$((5 * 1024 * 1024 + 77)) conv=notrunc status=none
fresh
run write changed.img dev.img --yes --bmap pi.img.bmap --progress=none
check "an image that differs from its bmap: exit 3" test "$code" -eq 3
check "the failing range is named" grep -q 'blocks [0-9]*-[0-9]* of the image differ from the bmap' err
check "the device's head was not written" test "$(head -c 1048576 dev.img | tr -d '\0Z' | wc -c)" -eq 0
finish
