#!/usr/bin/env bash
# Write and Verify with a block map made by bmaptool: only the mapped blocks written
# (the rest of the device untouched), each range's checksum checked, the bmap found
# beside the image (plain or compressed) or named with --bmap, --no-bmap writing all;
# a damaged bmap, one for another image, an image that differs from its bmap. A regular
# file written ends up exactly the image's size, as bmaptool leaves it. Then the files of
# other projects' test suites ($DI_PEER_DATA, or ../shared/peer-data beside the source
# tree; skipped, saying so, when absent): bmaptool's test.image with its bmaps of
# versions 1.2, 1.3, 1.4, 2.0 and 2.0 clearsigned, balena blockmap's damaged bmaps,
# bmap-rs's simple.bmap.
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
check "an unmapped block of a file holds zeros, not what the file held" test "$(dd if=dev.img bs=4096 skip=2000 count=1 status=none | tr -d '\0' | wc -c)" -eq 0
check "verify after write reads back the mapped blocks" grep -q 'mapped blocks on dev.img match' err
run verify pi.img dev.img --progress=none
check "verify with the bmap: exit 0 (unmapped blocks are not compared)" test "$code" -eq 0
check "the file written is cut to the image's size, as bmaptool leaves it" test "$(stat -c %s dev.img)" -eq $((32 * 1024 * 1024))
rm -f new.img bt-new.img
run write pi.img new.img --yes --progress=none
bmaptool copy --bmap pi.bmap pi.img bt-new.img 2>/dev/null
check "a new file written with the bmap is bmaptool's copy, byte for byte" cmp -s new.img bt-new.img
fresh
bmaptool copy --bmap pi.bmap pi.img bt-old.img 2>/dev/null
cp dev.img old.img
run write pi.img old.img --yes --progress=none
check "an existing file written with the bmap is bmaptool's copy, byte for byte" cmp -s old.img bt-old.img
run verify pi.img old.img --no-bmap --progress=none
check "verify --no-bmap of that file: the whole image, exit 0" test "$code" -eq 0

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
flip_byte changed.img $((5 * 1024 * 1024 + 77)) # an 'X' there was random data's 1 in 256
fresh
run write changed.img dev.img --yes --bmap pi.img.bmap --progress=none
check "an image that differs from its bmap: exit 3" test "$code" -eq 3
check "the failing range is named" grep -q 'blocks [0-9]*-[0-9]* of the image differ from the bmap' err
check "the device's head was not written" test "$(head -c 1048576 dev.img | tr -d '\0Z' | wc -c)" -eq 0

# Images of holes only: the file written is the image, size and all (not 0 bytes).
for size in 5242880 100001; do
  rm -f holes.img out.img bt.img; truncate -s "$size" holes.img
  bmaptool create holes.img -o holes.bmap 2>/dev/null
  run write holes.img out.img --yes --bmap holes.bmap --progress=none
  check "holes only ($size bytes): exit 0" test "$code" -eq 0
  check "holes only ($size bytes): the file has the image's size" test "$(stat -c %s out.img)" -eq "$size"
  check "holes only ($size bytes): the file is the image" cmp -s holes.img out.img
  bmaptool copy --bmap holes.bmap holes.img bt.img 2>/dev/null
  check "holes only ($size bytes): as bmaptool's copy" cmp -s bt.img out.img
done

peer=${DI_PEER_DATA:-$tests_dir/../../shared/peer-data}
if [ ! -f "$peer/bmaptool/test.image.gz" ] || [ ! -d "$peer/blockmap/invalid" ] || [ ! -f "$peer/bmap-rs/simple.bmap" ]; then
  echo "SKIP peer data: not found at $peer (set DI_PEER_DATA to the peer-data folder); its checks are not run"
  finish
  exit
fi
mkdir p && cp -R "$peer/bmaptool" "$peer/blockmap" "$peer/bmap-rs" p/ && chmod -R u+w p
gzip -dc p/bmaptool/test.image.gz >test.image
sha() { sha256sum <"$1" | cut -d' ' -f1; }
image_sha=$(sha test.image)
check "test.image is bmaptool's (821752 bytes)" test "$(stat -c %s test.image)" -eq 821752
small_dev() { head -c 2097152 /dev/zero | tr '\0' 'Z' >dev.img; cp dev.img dev.orig; }

# bmaptool's four formats (1.4 has 2.0's layout) and its clearsigned 2.0; blockmap's
# stringified 2.0. From the image and from test.image.gz, to a new file: bmaptool's copy.
for m in bmaptool/test.image.bmap.v1.2 bmaptool/test.image.bmap.v1.3 bmaptool/test.image.bmap.v1.4 \
         bmaptool/test.image.bmap.v2.0 bmaptool/test.image.bmap.v2.0.asc blockmap/stringified.bmap; do
  # bmaptool 3.6 reads a clearsigned bmap only through gpgme: its copy with the 2.0 bmap
  # (the same signed text) stands for it.
  ref=${m%.asc}
  rm -f bt.img; bmaptool copy --no-sig-verify --bmap "p/$ref" p/bmaptool/test.image.gz bt.img 2>/dev/null
  check "bmaptool copies test.image with $ref" test "$(sha bt.img)" = "$image_sha"
  for src in test.image p/bmaptool/test.image.gz; do
    rm -f out.img
    run write "$src" out.img --yes --bmap "p/$m" --progress=none
    check "$m from $src: exit 0" test "$code" -eq 0
    check "$m from $src: the file is bmaptool's copy (size and sha256)" cmp -s bt.img out.img
    run verify "$src" out.img --bmap "p/$m" --progress=none
    check "$m from $src: verify: exit 0" test "$code" -eq 0
  done
done
run write test.image out.img --yes --bmap p/bmaptool/test.image.bmap.v2.0.asc --progress=none
check "a clearsigned bmap: the note says its signature was not checked" grep -q 'the bmap is PGP-signed; its signature was not checked' err
run write test.image out.img --yes --bmap p/bmaptool/test.image.bmap.v2.0 --progress=none
check "a plain bmap: no such note" test "$(grep -c 'PGP' err)" -eq 0
cp p/bmaptool/test.image.bmap.v2.0.asc test.image.bmap.asc
rm -f out.img
run write test.image out.img --yes --progress=none
check "IMAGE.bmap.asc is found beside the image when there is no IMAGE.bmap" grep -q 'using the block map test.image.bmap.asc' err
check "... and written with" cmp -s bt.img out.img
rm -f test.image.bmap.asc
# A clearsigned bmap whose signed text was edited: its own checksum catches it.
sed 's/chksum="483e868a/chksum="583e868a/' p/bmaptool/test.image.bmap.v2.0.asc >edited.bmap.asc
run write test.image out.img --yes --bmap edited.bmap.asc --progress=none
check "an edited clearsigned bmap: exit 2" test "$code" -eq 2
check "... its own checksum does not match, named with the .asc's line" grep -q 'line 45: the bmap file is damaged: its own checksum does not match' err
# A damaged envelope: a line of the signed text that begins with '-' unescaped.
sed '6s/^/--/' p/bmaptool/test.image.bmap.v2.0.asc >escape.bmap.asc
run write test.image out.img --yes --bmap escape.bmap.asc --progress=none
check "a clearsigned bmap with a bad dash escape: exit 2, the line named" grep -q 'line 6: a line of the signed text begins with "-" but is not dash-escaped' err

# blockmap's bmaps whose own checksum no longer matches (blanks removed): refused.
for f in p/blockmap/invalid/file-checksum/*.bmap; do
  small_dev
  run write test.image dev.img --yes --bmap "$f" --progress=none
  check "$f: exit 2" test "$code" -eq 2
  check "$f: its own checksum does not match" grep -q 'the bmap file is damaged: its own checksum does not match' err
  check "$f: the device is untouched" cmp -s dev.orig dev.img
done
# blockmap's bmaps with a range checksum that is not hex: the blocks named, nothing written.
for f in p/blockmap/invalid/range/*.bmap; do
  case $f in *multiple*) blocks=15-18 ;; *) blocks=119-133 ;; esac
  small_dev
  run write test.image dev.img --yes --bmap "$f" --progress=none
  check "$f: exit 2" test "$code" -eq 2
  check "$f: blocks $blocks named" grep -q "checksum of blocks $blocks is not a sha[0-9]* digest" err
  check "$f: the device is untouched" cmp -s dev.orig dev.img
done
# test.image (under 1 MiB) changed inside blocks 119-133: checked whole before any write.
cp test.image changed.image
flip_byte changed.image $((119 * 4096 + 77))
for m in v1.2 v2.0; do
  small_dev
  run write changed.image dev.img --yes --bmap "p/bmaptool/test.image.bmap.$m" --progress=none
  check "a small image that differs from its $m bmap: exit 3" test "$code" -eq 3
  check "... blocks 119-133 named" grep -q 'blocks 119-133 of the image differ from the bmap' err
  check "... the device's first sectors are not the image's: nothing was written" cmp -s dev.orig dev.img
done
small_dev
run write test.image dev.img --yes --bmap p/bmaptool/test.image.bmap.v2.0 --progress=none
check "the good small image onto a larger file: exit 0" test "$code" -eq 0
check "... the file is cut to the image's size" test "$(stat -c %s dev.img)" -eq 821752
check "... and is the image" test "$(sha dev.img)" = "$image_sha"
# bmap-rs's simple.bmap: MappedBlocksCount 680 for ranges of 685 blocks, a file checksum of
# zeros. bmap-rs's parser checks neither; bmaptool refuses it (checksum mismatch); so do we.
run write test.image dev.img --yes --bmap p/bmap-rs/simple.bmap --progress=none
check "bmap-rs's simple.bmap is refused: exit 2" test "$code" -eq 2
check "... naming the line and the counts" grep -q 'line 6: MappedBlocksCount does not match the ranges (it says 680, the ranges hold 685 blocks)' err
finish
