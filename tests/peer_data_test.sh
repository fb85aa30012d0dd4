#!/usr/bin/env bash
# Files from other imagers' own test suites (../shared/peer-data: bmaptool, balena's
# blockmap, bmap-rs, etcher-sdk; its README says what each project's tests do with
# them), written, verified and refused as those tests expect: the same bytes on the
# target, the same digests, the same refusals (with the target left as it was). Every
# case runs on a regular file and on a drive: a loop device on Linux (as root), and
# \\.\T: under Wine, a drive letter backed by a file (Wine reports a size of 0 for a
# drive letter over a Linux block device, so a loop device cannot stand behind it).
# Where we deliberately differ from a peer, the case says why.
# Args: linux|windows PEER_DATA_DIR CMD...   (CMD: diskimager, or wine-run diskimager.exe)
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1 peer=$2
shift 2
di=("$@")
if [ ! -d "$peer/etcher-sdk" ] || [ ! -d "$peer/bmaptool" ]; then
  echo "SKIP: $peer is absent: the data files from other projects' test suites are not on this machine"
  exit 77
fi
for tool in xz gzip bzip2 sfdisk python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is needed"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/di-peer.XXXXXX")
loops=()
cleanup() {
  if [ "$mode" = windows ]; then
    rm -f "$WINEPREFIX/dosdevices/t:" "$WINEPREFIX/dosdevices/t::"
  fi
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
md5() { md5sum <"$1" | cut -d' ' -f1; }
head_md5() { head -c "$2" "$1" | md5sum | cut -d' ' -f1; }
MiB=$((1024 * 1024))
E=$peer/etcher-sdk B=$peer/bmaptool K=$peer/blockmap

# The images the peers' files decode to, made by the tools themselves.
xz -dc "$E/xz/etcher-test.img.xz" >etcher-test.img
gzip -dc "$B/test.image.gz" >test.image
gzip -dc "$E/images/etcher-gpt-test.img.gz" >gpt-test.img
printf 'some data\n' >data.img
etcher_md5=$(md5 etcher-test.img) test_image_md5=$(md5 test.image)

# ---- targets: NAME PATH_FOR_US PATH_FOR_THE_TOOL EXTRA_ARGS ----
names=() files=() paths=() extras=()
add_target() { names+=("$1"); files+=("$2"); paths+=("$3"); extras+=("$4"); }
add_target file "$work/target.img" "target.img" ""
drive_file=$work/drive.img
truncate -s $((160 * MiB)) "$drive_file"
drive_dev=$drive_file
if [ "$mode" = linux ] && [ "$(id -u)" -eq 0 ] && command -v losetup >/dev/null &&
   [ -e /dev/loop-control ]; then
  if dev=$(losetup -f --show "$drive_file" 2>/dev/null); then
    loops+=("$dev")
    drive_dev=$dev
  fi
fi
if [ "$mode" = linux ]; then
  if [ "$drive_dev" != "$drive_file" ]; then
    add_target loop "$drive_dev" "$drive_dev" "--force"
  else
    echo "note: no loop device here (root and /dev/loop-control are needed): regular files only"
  fi
else
  # \\.\T: through Wine: a removable drive letter over the loop device (or the file).
  # The prefix cmake/wine-run uses: wineprefix beside the build's CMakeCache.txt.
  build=$(cd "$(dirname "${di[1]}")" && while [ ! -f CMakeCache.txt ] && [ "$PWD" != / ]; do cd ..; done; pwd)
  export WINEPREFIX=${WINEPREFIX:-$build/wineprefix} WINEDEBUG=-all
  "${di[@]}" --version >/dev/null 2>&1 # makes the prefix on first use
  source "$tests_dir/../scripts/lib/wine-drive.sh"
  wine_map_drive "$WINEPREFIX" t "$drive_dev" "$work/mnt"
  add_target "T: over a file" "$drive_dev" '\\.\T:' ""
fi

pattern_md5=$(head -c $((8 * MiB)) /dev/zero | tr '\0' '\245' | md5sum | cut -d' ' -f1)
# Fills the target's first 8 MiB with 0xA5, so what a job wrote (or did not) shows;
# with zeros for a bmap write, which leaves the unmapped blocks (zeros in the image) alone.
fresh() {
  if [ "$1" = "$work/target.img" ]; then rm -f "$1"; fi
  local byte='\245'
  [ "${2:-}" = zeros ] && byte='\0'
  head -c $((8 * MiB)) /dev/zero | tr '\0' "$byte" | dd of="$1" bs=1M conv=notrunc,fsync status=none
}
untouched() { [ "$(head_md5 "$1" $((8 * MiB)))" = "$pattern_md5" ]; }

for t in "${!names[@]}"; do
  tn=${names[$t]} tf=${files[$t]} tp=${paths[$t]} tx=${extras[$t]}
  # Under Wine every run starts a process that costs a second: the file target there
  # skips the second looks (verify, the messages) that the drive target makes.
  quick=false
  [ "$mode" = windows ] && [ "$tn" = file ] && quick=true
  # write_ok LABEL FILE SIZE MD5 [ARGS...]: written, the image's digest printed, verified.
  write_ok() {
    local label=$1 file=$2 size=$3 want=$4 fill=pattern
    shift 4
    grep -q -- '--bmap\|with-bmap' <<<"$* $file" && fill=zeros
    fresh "$tf" $fill
    run write "$file" "$tp" --yes $tx --hash md5 --progress=none "$@"
    check "$tn: $label: written (exit 0)" test "$code" -eq 0
    [ "$code" -eq 0 ] || sed 's/^/    /' err
    check "$tn: $label: the target holds the image" test "$(head_md5 "$tf" "$size")" = "$want"
    if [ $fill = pattern ]; then
      check "$tn: $label: the image's md5 is printed" grep -q "^$want " out
    fi
    $quick && return
    run verify "$file" "$tp" --progress=none "$@"
    check "$tn: $label: verify agrees (exit 0)" test "$code" -eq 0
  }
  # refused LABEL FILE EXIT PATTERN [ARGS...]: refused with the reason; target untouched.
  refused() {
    local label=$1 file=$2 want_code=$3 pattern=$4
    shift 4
    fresh "$tf"
    run write "$file" "$tp" --yes $tx --progress=none "$@"
    check "$tn: $label: refused (exit $want_code)" test "$code" -eq "$want_code"
    check "$tn: $label: the reason is given" grep -q -- "$pattern" err
    [ "$code" -eq "$want_code" ] && grep -q -- "$pattern" err || sed 's/^/    /' err
    check "$tn: $label: the target is untouched" untouched "$tf"
  }
  # says LABEL FILE PATTERN [ARGS...]: a write whose messages say PATTERN.
  says() {
    local label=$1 file=$2 pattern=$3
    shift 3
    $quick && return
    fresh "$tf"
    run write "$file" "$tp" --yes $tx --hash md5 --progress=none "$@"
    check "$tn: $label" grep -q -- "$pattern" err
  }

  # etcher-sdk: every compressed form decodes to etcher-test.img (5 MiB, MBR).
  for f in gz/etcher-test.img.gz xz/etcher-test.img.xz bz2/etcher-test.img.bz2 \
           bz2/etcher-test-9.img.bz2 zip/zip-deflate.zip zip/zip-bzip2.zip zip/zip-lzma.zip \
           zip/zip-directory-etcher-test-only.zip zip/zip-directory-etcher-test-and-misc.zip \
           metadata/zip/etcher-test-with-manifest.zip metadata/zip/etcher-test-invalid-manifest.zip \
           unrecognized/xz-without-extension unrecognized/xz-with-invalid-extension.foo; do
    write_ok "etcher-sdk $f" "$E/$f" $((5 * MiB)) "$etcher_md5"
  done
  says "zip-bzip2.zip: decoded from zip" "$E/zip/zip-bzip2.zip" 'decoded from zip (images/etcher-test.img)'
  $quick || check "$tn: zip-bzip2.zip: the zip's own md5 is printed too" grep -q "^$(md5 "$E/zip/zip-bzip2.zip") " out
  # The partitions etcher-sdk's test expects to find in it.
  write_ok "etcher-test.img.xz again" "$E/xz/etcher-test.img.xz" $((5 * MiB)) "$etcher_md5"
  check "$tn: etcher-test.img's MBR partitions are the peer's" python3 - "$tf" "$E/images/etcher-test-partitions.json" <<'EOF'
import json, subprocess, sys
table = json.loads(subprocess.run(["sfdisk", "-J", sys.argv[1]], capture_output=True, text=True, check=True).stdout)["partitiontable"]
want = json.load(open(sys.argv[2]))
got = [{"offset": p["start"] * 512, "size": p["size"] * 512, "type": int(p["type"], 16)} for p in table["partitions"]]
sys.exit(0 if got == [{"offset": w["offset"], "size": w["size"], "type": w["type"]} for w in want] else 1)
EOF
  # The 128 MiB GPT image, and the partitions the peer expects.
  write_ok "etcher-gpt-test.img.gz" "$E/images/etcher-gpt-test.img.gz" $((128 * MiB)) "$(md5 gpt-test.img)"
  check "$tn: etcher-gpt-test's GPT partitions are the peer's" python3 - "$tf" "$E/images/etcher-gpt-test-partitions.json" <<'EOF'
import json, subprocess, sys
out = subprocess.run(["sfdisk", "-J", sys.argv[1]], capture_output=True, text=True, check=True).stdout
table = json.loads(out)["partitiontable"]
want = json.load(open(sys.argv[2]))
got = [{"offset": p["start"] * 512, "size": p["size"] * 512, "type": p["type"].upper(),
        "guid": p["uuid"].upper(), "name": p.get("name", "")} for p in table["partitions"]]
sys.exit(0 if got == [{k: w[k] for k in ("offset", "size", "type", "guid", "name")} for w in want] else 1)
EOF
  # A bmap carried inside the zip (.meta/image.bmap) is used as if it were beside it.
  write_ok "etcher-test-with-bmap.zip" "$E/metadata/zip/etcher-test-with-bmap.zip" $((5 * MiB)) "$etcher_md5"
  says "the bmap inside the zip is the one used" "$E/metadata/zip/etcher-test-with-bmap.zip" \
    'using the block map .*\.meta/image\.bmap' 
  # Nested layers: a zip; the same zip in gzip in bzip2 in xz (Etcher unwraps all four).
  write_ok "nested data.img.zip" "$E/nested/data.img.zip" 10 "$(md5 data.img)"
  write_ok "nested data.img.zip.gz.bz2.xz" "$E/nested/data.img.zip.gz.bz2.xz" 10 "$(md5 data.img)"
  says "the four layers are named" "$E/nested/data.img.zip.gz.bz2.xz" \
    'decoded from xz, then bzip2, then gzip, then zip (data.img)'
  $quick || check "$tn: the .xz file's own md5 is printed too" grep -q "^$(md5 "$E/nested/data.img.zip.gz.bz2.xz") " out
  # Raw images under any name.
  write_ok "raw-image-not-a-dmg.dmg (10 bytes, no DMG trailer)" "$E/images/raw-image-not-a-dmg.dmg" 10 \
    "$(md5 "$E/images/raw-image-not-a-dmg.dmg")"
  write_ok "random.rpi-sdcard" "$E/unrecognized/random.rpi-sdcard" 524288 "$(md5 "$E/unrecognized/random.rpi-sdcard")"

  # etcher-sdk's refusals.
  refused "zip-ppmd.zip (method 98)" "$E/zip/zip-ppmd.zip" 2 'PPMd (zip method 98)'
  refused "zip-deflate64.zip (method 9)" "$E/zip/zip-deflate64.zip" 2 'Deflate64 (zip method 9)'
  refused "zip-directory-empty.zip" "$E/zip/zip-directory-empty.zip" 2 'holds no file'
  refused "zip-directory-no-image-only-misc.zip" "$E/zip/zip-directory-no-image-only-misc.zip" 2 'looks like a disk image'
  refused "zip-directory-nested-misc.zip" "$E/zip/zip-directory-nested-misc.zip" 2 'looks like a disk image'
  refused "data.dmg.zip (a DMG inside a zip)" "$E/nested/data.dmg.zip" 2 'data.dmg (inside zip) is in the DMG'
  refused "invalid.dmg (no DMG trailer)" "$E/unrecognized/invalid.dmg" 2 'no DMG trailer'
  # Deliberately unlike etcher-sdk, which decodes UDIF: a DMG is refused by name, not
  # written raw (DMGs are macOS installers and disk copies; cards are not flashed
  # from them).
  refused "etcher-test-zlib.dmg" "$E/dmg/etcher-test-zlib.dmg" 2 'is in the DMG (Apple disk image) format'

  # bmaptool's bmaps of every version, the clearsigned one and blockmap's stringified
  # one: only the mapped blocks written, each range checked; the copy is the image.
  for b in "$B/test.image.bmap.v1.2" "$B/test.image.bmap.v1.3" "$B/test.image.bmap.v1.4" \
           "$B/test.image.bmap.v2.0" "$B/test.image.bmap.v2.0.asc" "$K/stringified.bmap"; do
    for image in test.image "$B/test.image.gz"; do
      write_ok "$(basename "$image") with $(basename "$b")" "$image" 821752 "$test_image_md5" --bmap "$b"
      says "$(basename "$image") with $(basename "$b"): only the mapped blocks are written" \
        "$image" 'block map: 479 kB of the image' --bmap "$b"
    done
  done
  if [ "$tn" = file ]; then
    fresh "$tf"
    run write test.image "$tp" --yes --bmap "$B/test.image.bmap.v2.0" --progress=none
    check "file: a bmap write leaves the file exactly the image's size" test "$(stat -c %s "$tf")" -eq 821752
    run write test.image "$tp" --yes --bmap "$B/test.image.bmap.v2.0.asc" --progress=none
    check "file: the clearsigned bmap's signature is said to be unchecked" grep -qi 'signature was not checked' err
  fi
  # blockmap: padded-bmap.img.gz is test.image behind 4096 zero bytes.
  gzip -dc "$K/padded-bmap.img.gz" >padded.img
  write_ok "blockmap padded-bmap.img.gz" "$K/padded-bmap.img.gz" 825848 "$(md5 padded.img)"
  # blockmap's test reads it from byte 4096 against version-2.0.bmap; we have no such
  # offset: the target written whole holds test.image 4096 bytes in.
  check "$tn: padded-bmap: the target holds test.image 4096 bytes in" test "$(tail -c +4097 "$tf" | head -c 821752 | md5sum | cut -d' ' -f1)" = "$test_image_md5"
  # blockmap's damaged bmaps: a wrong file checksum, a wrong range checksum.
  for v in 1.3 1.4 2.0; do
    refused "blockmap invalid/file-checksum/version-$v.bmap" test.image 2 'its own checksum does not match' \
      --bmap "$K/invalid/file-checksum/version-$v.bmap"
  done
  for v in version-1.2 version-1.3 version-1.4 version-2.0 multiple-1.2 multiple-2.0; do
    blocks=119-133
    case $v in multiple-*) blocks=15-18 ;; esac
    refused "blockmap invalid/range/$v.bmap" test.image 2 "blocks $blocks" --bmap "$K/invalid/range/$v.bmap"
  done
  # bmap-rs's simple.bmap says MappedBlocksCount 680 for ranges of 685 blocks: refused
  # as damaged, like bmaptool does (bmap-rs's parser test only reads its ranges).
  refused "bmap-rs simple.bmap" test.image 2 'MappedBlocksCount does not match' --bmap "$peer/bmap-rs/simple.bmap"
  # bmaptool's detached binary signature is no bmap.
  refused "test.image.bmap.v2.0.valid-sig as a bmap" test.image 2 'read bmap' --bmap "$B/test.image.bmap.v2.0.valid-sig"
done
finish
