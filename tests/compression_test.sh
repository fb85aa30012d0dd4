#!/usr/bin/env bash
# Compressed images end to end, made by the real tools: gzip, xz -T0, zstd, bzip2 (-1,
# -9, lbzip2's and pbzip2's where installed), zip (stored, deflated, several members,
# zip64); multi-member and multi-stream files; Read into .gz, .xz, .zst checked by the
# tools; a GPT disk read compressed; digests of the stored file and of the image in one
# pass, matched against sidecars; corrupt and truncated archives stopped with the
# compressed offset, the device's head untouched; tiny images; progress. (Images larger
# than a device: loop_test.sh.) Args: linux|windows CMD...
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1; shift
di=("$@")
for tool in gzip xz zstd bzip2 zip sgdisk; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is needed"; exit 77; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/di-compress.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
md5() { md5sum <"$1" | cut -d' ' -f1; }
# The first N bytes of a device as an md5.
head_md5() { head -c "$2" "$1" | md5sum | cut -d' ' -f1; }
zero_mib=$(head -c 1048576 /dev/zero | md5sum | cut -d' ' -f1)
head_not_written() { local h; h=$(head_md5 dev.img 1048576); [ "$h" = "$zero_mib" ] || [ "$h" = "$(md5 head.bin)" ]; }
fresh_device() { rm -f dev.img; head -c "${1:-16M}" /dev/zero >dev.img 2>/dev/null || truncate -s "${1:-16M}" dev.img; }

# An image of 9 MB + 7 bytes: random data, a run of zeros, more random data.
size=$((9 * 1000 * 1000 + 7))
{ head -c 4000000 /dev/urandom; head -c 3000000 /dev/zero; head -c 2000007 /dev/urandom; } >pi.img
image_md5=$(md5 pi.img)

gzip -k pi.img
xz -k -T0 --block-size=1MiB pi.img      # several blocks: decoded on several threads
zstd -q -k pi.img
bzip2 -k pi.img
zip -q -9 pi.zip pi.img
zip -q -0 pi-stored.zip pi.img
for f in pi.img.gz pi.img.xz pi.img.zst pi.img.bz2 pi.zip pi-stored.zip; do
  fresh_device
  run write "$f" dev.img --yes --verify --hash md5 --progress=none
  check "$f: write --verify exits 0" test "$code" -eq 0
  check "$f: the device holds the image" test "$(head_md5 dev.img $size)" = "$image_md5"
  check "$f: the image's md5 is printed under its own name" grep -qx "$image_md5  pi.img" out
  check "$f: the file's md5 is printed too" grep -qx "$(md5 "$f")  $f" out
  run verify "$f" dev.img --progress=none
  check "$f: verify exits 0" test "$code" -eq 0
done

# Files made of several members, streams or frames decode whole, as the tools do.
head -c 3000000 pi.img >part1; tail -c +3000001 pi.img >part2
{ gzip -c part1; gzip -c part2; } >multi.gz
{ xz -c part1; xz -c part2; } >multi.xz
{ zstd -q -c part1; zstd -q -c part2; } >multi.zst
{ bzip2 -c part1; bzip2 -c part2; } >multi.bz2
zstd -q -c part1 --no-content-size >nosize.zst   # no recorded size
for f in multi.gz multi.xz multi.zst multi.bz2; do
  fresh_device
  run write "$f" dev.img --yes --progress=none
  check "$f: every member is written" test "$(head_md5 dev.img $size)" = "$image_md5"
done
# bzip2 decodes its blocks on several threads: many small blocks (-1), lbzip2's encoder
# (one stream, tables of its own) and pbzip2's (a stream per block) where installed.
bzip2 -1 -c pi.img >pi-1.img.bz2
bz_files=(pi-1.img.bz2)
if command -v lbzip2 >/dev/null; then lbzip2 -c pi.img >pi-lbzip2.img.bz2; bz_files+=(pi-lbzip2.img.bz2); fi
if command -v pbzip2 >/dev/null; then pbzip2 -c pi.img >pi-pbzip2.img.bz2; bz_files+=(pi-pbzip2.img.bz2); fi
for f in "${bz_files[@]}"; do
  fresh_device
  run write "$f" dev.img --yes --verify --progress=none
  check "$f: written whole and verified" test "$code" -eq 0
  check "$f: the device holds the image" test "$(head_md5 dev.img $size)" = "$image_md5"
done
fresh_device
run write nosize.zst dev.img --yes --hash md5 --progress=none
check "zstd without a recorded size: written" test "$(head_md5 dev.img 3000000)" = "$(md5 part1)"

# Zip: several members need a name; zip64 records are read.
cp pi.img other.img; echo extra >>other.img
zip -q two.zip pi.img other.img
fresh_device
run write two.zip dev.img --yes --progress=none
check "zip of two files: refused with exit 2" test "$code" -eq 2
check "zip of two files: both names are listed" grep -q 'pi.img, other.img' err
run write two.zip dev.img --yes --member other.img --progress=none
check "zip --member: the named file is written" test "$(head_md5 dev.img $((size + 6)))" = "$(md5 other.img)"
run write two.zip dev.img --yes --member nope.img --progress=none
check "zip --member of a missing file: refused naming it" grep -q 'no file called nope.img' err
zip -q -fz z64.zip pi.img
fresh_device
run write z64.zip dev.img --yes --progress=none
check "zip64: written" test "$(head_md5 dev.img $size)" = "$image_md5"

# An image among other files: the one named like an image is taken; a bmap and a
# checksum file inside the archive count as if they were beside it.
mkdir -p pkg/.meta && cp pi.img pkg/card.img && echo 'read me' >pkg/README.txt
sha256sum pi.img | sed 's/pi.img$/card.img/' >pkg/SHA256SUMS
(cd pkg && zip -q -r ../pkg.zip README.txt card.img SHA256SUMS .meta)
fresh_device
run write pkg.zip dev.img --yes --progress=none
check "zip with a README and SHA256SUMS: the image is written" test "$(head_md5 dev.img $size)" = "$image_md5"
check "zip with SHA256SUMS inside: the sum is checked" grep -q 'sha256 matches pkg.zip:SHA256SUMS' err
(cd pkg && sha256sum ../pi.img | sed 's# ../pi.img$# card.img#; s/^0/x/; s/^[^x]/0/; s/^x/1/' >SHA256SUMS && zip -q ../pkg.zip SHA256SUMS)
run write pkg.zip dev.img --yes --progress=none
check "zip with a wrong SHA256SUMS inside: MISMATCH, exit 3" test "$code" -eq 3
# The sums of the image inside are not the archive's own: hash ARCHIVE is not held to them.
run hash pkg.zip --hash sha256 --progress=none
check "hash of a zip holding SHA256SUMS: not compared with the image's sum (exit 0)" test "$code" -eq 0
# With a bmap in the archive too, the image is not read whole: its sum is not checked,
# and no MISMATCH is claimed.
sha256sum pi.img | sed 's/pi.img$/card.img/' >pkg/SHA256SUMS
bmaptool create pkg/card.img -o pkg/card.img.bmap 2>/dev/null
(cd pkg && zip -q ../pkg.zip SHA256SUMS card.img.bmap)
fresh_device
run write pkg.zip dev.img --yes --progress=none
check "zip with a bmap and SHA256SUMS inside: exit 0" test "$code" -eq 0
check "zip with a bmap inside: it is used" grep -q 'using the block map pkg.zip:card.img.bmap' err
check "zip with a bmap inside: the sum is said not to be checked" grep -q 'was not checked' err
zip -q -d pkg.zip card.img.bmap >/dev/null
# A sum in the archive of a compressed member as stored cannot be checked: not used.
mkdir -p sums && xz -kc pi.img >sums/pi.img.xz
(cd sums && sha256sum pi.img.xz >SHA256SUMS && tar cf ../sums-xz.tar pi.img.xz SHA256SUMS)
run write sums-xz.tar dev.img --yes --progress=none
check "a tar with the sum of its .img.xz member: no false MISMATCH (exit 0)" test "$code" -eq 0
cp pi.img pkg/second.img
(cd pkg && zip -q ../pkg.zip second.img)
run write pkg.zip dev.img --yes --progress=none
check "zip with two images: refused, naming both" grep -q '2 disk images (card.img, second.img)' err

# Tar archives, plain and compressed, their image picked the same way; an image inside
# a tar that is compressed itself; the layers named.
mkdir -p tarred && cp pi.img tarred/pi.img && echo 'notes' >tarred/NOTES
(cd tarred && tar cf ../pi.tar NOTES pi.img && tar czf ../pi.tar.gz NOTES pi.img &&
  tar cJf ../pi.tar.xz pi.img NOTES && tar --format=pax -cf ../pi-pax.tar pi.img NOTES)
(cd tarred && xz -kT0 pi.img && tar cf ../pi-xz.tar pi.img.xz NOTES)
for f in pi.tar pi.tar.gz pi.tar.xz pi-pax.tar pi-xz.tar; do
  fresh_device
  run write "$f" dev.img --yes --verify --hash md5 --progress=none
  check "$f: write --verify exits 0" test "$code" -eq 0
  check "$f: the device holds the image" test "$(head_md5 dev.img $size)" = "$image_md5"
  check "$f: the image's md5 is printed" grep -q "^$image_md5 " out
  run verify "$f" dev.img --progress=none
  check "$f: verify exits 0" test "$code" -eq 0
done
run write pi-xz.tar dev.img --yes --progress=none
check "an .img.xz inside a tar: both layers named" grep -q 'decoded from tar, then xz (pi.img.xz)' err
run write pi.tar.gz dev.img --yes --hash md5 --progress=none
check "a .tar.gz: the file's own md5 is printed too" grep -qx "$(md5 pi.tar.gz)  pi.tar.gz" out
(cd tarred && cp ../other.img . && tar cf ../two.tar pi.img other.img NOTES)
fresh_device
run write two.tar dev.img --yes --progress=none
check "a tar of two images: refused (exit 2)" test "$code" -eq 2
check "a tar of two images: both named" grep -q '2 disk images (pi.img, other.img)' err
run write two.tar dev.img --yes --member other.img --progress=none
check "a tar's --member: the named file is written" test "$(head_md5 dev.img $((size + 6)))" = "$(md5 tarred/other.img)"
head -c 3000000 pi.tar.gz >cut.tar.gz
head -c 3000000 pi.tar | gzip >cut-tar.gz
fresh_device
cp dev.img before.img
for f in cut.tar.gz cut-tar.gz; do
  run write "$f" dev.img --yes --progress=none
  check "a truncated $f: exit 1" test "$code" -eq 1
  check "a truncated $f: refused before anything is written" cmp -s dev.img before.img
done
check "a tar cut short inside a whole gzip: said so" grep -q 'runs past the end' err
# The same for a plain pax tar whose pax size record is larger than what follows.
(cd tarred && tar --format=pax -cf ../pi-pax-only.tar pi.img)
head -c 3000000 pi-pax-only.tar >cut-pax.tar
run write cut-pax.tar dev.img --yes --progress=none
check "a truncated pax tar: refused before anything is written" cmp -s dev.img before.img
# A sparse file in a tar (GNU's old 'S' type or pax's GNU.sparse records): refused.
(cd tarred && truncate -s 6M holes.img && printf 'data' | dd of=holes.img bs=1 seek=5000000 conv=notrunc status=none &&
  tar --format=posix -S -cf ../sparse-pax.tar holes.img && tar --format=gnu -S -cf ../sparse-gnu.tar holes.img)
for f in sparse-pax.tar sparse-gnu.tar; do
  run write "$f" dev.img --yes --progress=none
  check "$f: refused (exit 2)" test "$code" -eq 2
  check "$f: as a sparse member" grep -q 'sparse file' err
  check "$f: the device is untouched" cmp -s dev.img before.img
done
# A plain tar's own digest: a published sum of the .tar matches.
(sha256sum pi.tar >pi.tar.sha256)
run write pi.tar dev.img --yes --hash md5 --progress=none
check "a plain .tar: its own md5 is printed too" grep -qx "$(md5 pi.tar)  pi.tar" out
check "a plain .tar: its published sha256 matches" grep -q 'sha256 of the compressed file matches pi.tar.sha256' err
rm pi.tar.sha256
# An .img.gz inside a plain tar: progress moves (over the member's bytes read).
(cd tarred && gzip -k pi.img && tar cf ../pi-gz.tar pi.img.gz)
run write pi-gz.tar dev.img --yes --hash md5 --progress=json
check "an .img.gz in a tar: the digest is pi.img's, under its name" grep -qx "$image_md5  pi.img" out
check "an .img.gz in a tar: progress reaches the member's size" python3 -c '
import json, sys
lines = [json.loads(l) for l in open("err") if l.startswith("{")]
assert any(l["bytes_done"] > 0 and l["bytes_done"] == l["bytes_total"] for l in lines), lines[-1]
'
# zstd that starts with a skippable frame (as pzstd writes): decoded, not written raw.
{ printf '\x50\x2a\x4d\x18\x04\x00\x00\x00abcd'; cat pi.img.zst; } >skip.img.zst
fresh_device
run write skip.img.zst dev.img --yes --progress=none
check "zstd behind a skippable frame: decoded" test "$(head_md5 dev.img $size)" = "$image_md5"
# A tar header whose checksum is wrong: refused naming its offset.
cp pi.tar bad.tar
printf 'X' | dd of=bad.tar bs=1 seek=$((1024 + 5)) conv=notrunc status=none
run write bad.tar dev.img --yes --progress=none
check "a tar header with a wrong checksum: refused, naming it" grep -q "a header's checksum is wrong" err

# Formats we recognise but do not decode: refused by name, the device untouched.
printf '\x04\x22\x4d\x18\x64\x40\xa7' >x.img.lz4; head -c 4096 /dev/urandom >>x.img.lz4
printf '7z\xbc\xaf\x27\x1c\x00\x04' >x.7z; head -c 4096 /dev/urandom >>x.7z
printf 'QFI\xfb\x00\x00\x00\x03' >x.qcow2; head -c 4096 /dev/zero >>x.qcow2
for pair in "x.img.lz4:lz4" "x.7z:7-Zip" "x.qcow2:QCOW"; do
  f=${pair%%:*} name=${pair#*:}
  fresh_device
  cp dev.img before.img
  run write "$f" dev.img --yes --progress=none
  check "$f: refused (exit 2)" test "$code" -eq 2
  check "$f: the format is named" grep -q "is in the $name" err
  check "$f: the device is untouched" cmp -s dev.img before.img
done

# A zip whose directory records 0 bytes for a member that holds a whole image: the data
# beyond what the archive records is found, not silently dropped.
cp pi.zip zero.zip
python3 - zero.zip <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.rfind(b'PK\x01\x02')
data[at + 24:at + 28] = b'\0\0\0\0'   # the central directory's uncompressed size
open(sys.argv[1], 'wb').write(bytes(data))
PY
fresh_device
run write zero.zip dev.img --yes --progress=none
check "zip recording 0 bytes for a full member: exit 1" test "$code" -eq 1
check "zip recording 0 bytes: the extra data is named" grep -q 'holds more than' err

# Read into compressed files, checked with the tools themselves.
fresh_device
cp pi.img dev.img; truncate -s 16M dev.img
for ext in gz xz zst; do
  run read dev.img "back.img.$ext" --size $size --hash md5 --progress=none
  check "read into .$ext exits 0" test "$code" -eq 0
  case $ext in gz) dec="gzip -dc";; xz) dec="xz -dc";; zst) dec="zstd -dcq";; esac
  check "read into .$ext: the tool decodes the image" test "$($dec "back.img.$ext" | md5sum | cut -d' ' -f1)" = "$image_md5"
  check "read into .$ext: the md5 printed is the image's" grep -qx "$image_md5  back.img" out
  check "read into .$ext: it is smaller than the image" test "$(stat -c %s "back.img.$ext")" -lt $size
done
check "read into .xz: xz -t accepts it" xz -t back.img.xz
check "read into .zst: zstd -t accepts it" zstd -qt back.img.zst
check "read into .gz: gzip -t accepts it" gzip -t back.img.gz
fresh_device
run write back.img.xz dev.img --yes --progress=none
check "the .xz that was read writes back" test "$(head_md5 dev.img $size)" = "$image_md5"

# A GPT disk read allocated-only into .zst: its backup made at its end, the primary
# header patched as it streams past.
truncate -s 32M gpt.img
sgdisk -n 1:2048:+4M -t 1:ef00 -n 2:0:+8M gpt.img >/dev/null
head -c 3000000 /dev/urandom | dd of=gpt.img bs=512 seek=4096 conv=notrunc status=none
run read gpt.img gpt-out.img.zst --allocated-only --hash sha256 --progress=none
check "GPT into .zst: read exits 0" test "$code" -eq 0
zstd -dcq gpt-out.img.zst >gpt-out.img
check "GPT into .zst: sgdisk finds no problem" bash -c "sgdisk -v gpt-out.img | grep -q 'No problems found'"
check "GPT into .zst: the sha256 is the decoded image's" test "$(cut -d' ' -f1 out)" = "$(sha256sum <gpt-out.img | cut -d' ' -f1)"

# Sidecars: a sum of the compressed file, or of the image inside, both match.
mkdir side && cp pi.img.xz side/
sha256sum pi.img.xz | sed 's/  / /' >/dev/null
(cd side && sha256sum pi.img.xz >pi.img.xz.sha256)
fresh_device
run write side/pi.img.xz dev.img --yes --progress=none
check "sidecar of the .xz file: found and matched" grep -q 'sha256 of the compressed file matches side/pi.img.xz.sha256' err
check "sidecar of the .xz file: exit 0" test "$code" -eq 0
rm side/pi.img.xz.sha256
(sha256sum pi.img | sed 's/pi.img$/pi.img/') >side/SHA256SUMS
run write side/pi.img.xz dev.img --yes --progress=none
check "SHA256SUMS naming the image inside: matched" grep -q 'sha256 matches side/SHA256SUMS' err
echo "$(md5 part1)  pi.img" >side/pi.img.md5
rm side/SHA256SUMS
run write side/pi.img.xz dev.img --yes --progress=none
check "a wrong sidecar digest: exit 3" test "$code" -eq 3
check "a wrong sidecar digest: both computed values shown" grep -q "computed $image_md5 (image) and $(md5 pi.img.xz) (compressed file)" err
run verify pi.img.gz dev.img --expect "$(md5 pi.img.gz)" --progress=none
check "--expect with the .gz file's md5: matched" grep -q 'md5 of the compressed file matches --expect' err

# Corrupt and truncated archives: stopped with the compressed offset; the device's
# first MiB (where a partition table would be) is as it was or erased, never the
# image's (the safe write order writes it last).
fresh_device
head -c 1048576 /dev/urandom >head.bin; dd if=head.bin of=dev.img conv=notrunc status=none
for f in pi.img.gz pi.img.xz pi.img.zst pi.img.bz2 pi.zip; do
  half=$(( $(stat -c %s "$f") / 2 ))
  head -c "$half" "$f" >"cut-$f"
  run write "cut-$f" dev.img --yes --progress=none
  check "truncated $f: exit 1" test "$code" -eq 1
  check "truncated $f: said so, with an offset" grep -qE 'truncated|ends early|end of central directory' err
  check "truncated $f: no partition table written" head_not_written
  cp "$f" "bad-$f"
  flip_byte "bad-$f" $((half + 100)); flip_byte "bad-$f" $((half + 101))
  run write "bad-$f" dev.img --yes --progress=none
  check "corrupt $f: exit 1" test "$code" -eq 1
  check "corrupt $f: decompress failed at a compressed byte offset" grep -qE '(decompress|read zip) failed on bad-[^ ]+ at byte [0-9]+' err
  check "corrupt $f: no partition table written" head_not_written
done

# Tiny images (smaller than the 1 MiB head) and JSON progress on compressed bytes.
head -c 1000 /dev/urandom >tiny.img; gzip -k tiny.img
fresh_device
run write tiny.img.gz dev.img --yes --verify --progress=none
check "a 1000-byte gzip image: written and verified" test "$(head_md5 dev.img 1000)" = "$(md5 tiny.img)"
# The file's digest of a stream of unknown size that ends inside the head: a published
# sum of the .gz (or .bz2, or a zstd frame without its size) matches.
bzip2 -k tiny.img; zstd -q --no-content-size -k tiny.img
for f in tiny.img.gz tiny.img.bz2 tiny.img.zst; do
  fresh_device
  run write "$f" dev.img --yes --hash sha256 --progress=none
  check "$f (tiny): the file's sha256 is printed" grep -qx "$(sha256sum <"$f" | cut -d' ' -f1)  $f" out
  check "$f (tiny): the image's sha256 is printed" grep -qx "$(sha256sum <tiny.img | cut -d' ' -f1)  tiny.img" out
  run write "$f" dev.img --yes --expect "$(sha256sum <"$f" | cut -d' ' -f1)" --progress=none
  check "$f (tiny): --expect with the file's sha256 matches (exit 0)" test "$code" -eq 0
  check "$f (tiny): it says the compressed file matches" grep -q 'of the compressed file matches' err
done
fresh_device
run write pi.img.gz dev.img --yes --progress=json
check "gzip: progress counts the compressed file's bytes" python3 -c '
import json, sys
lines = [json.loads(l) for l in open("err") if l.startswith("{")]
assert lines, "no json"
last = lines[-1]
assert last["bytes_total"] == int(sys.argv[1]), last
' "$(stat -c %s pi.img.gz)"
run write pi.img.xz dev.img --yes --progress=json
check "xz: progress counts the image's bytes (from the xz index)" python3 -c '
import json, sys
lines = [json.loads(l) for l in open("err") if l.startswith("{")]
assert any(l["bytes_total"] == int(sys.argv[1]) for l in lines), lines[-1]
' "$size"
finish
