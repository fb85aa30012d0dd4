#!/usr/bin/env bash
# read --allocated-only on disks partitioned by the real tools: MBR with primary,
# extended and logical partitions (checked with sfdisk -V), GPT (checked with sgdisk -v,
# its backup rebuilt at the image's end), and tables that cannot be trusted: a hybrid
# MBR, a bad GPT CRC, overlapping partitions, none at all. Args: linux|windows CMD...
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1; shift
di=("$@")
command -v sfdisk >/dev/null && command -v sgdisk >/dev/null || { echo "SKIP: sfdisk and sgdisk are needed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/di-parts.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"
fill() { head -c "$2" /dev/urandom | dd of="$1" bs=512 seek="$3" conv=notrunc status=none; }

# MBR: a FAT partition, an extended one holding two logical partitions.
truncate -s 64M mbr.img
printf 'label: dos\nstart=2048, size=16384, type=c\nstart=18432, size=81920, type=5\nstart=20480, size=16384, type=83\nstart=38912, size=16384, type=83\n' | sfdisk -q mbr.img
fill mbr.img 1000000 40000
run read mbr.img mbr-out.img --allocated-only --hash md5 --progress=none
check "MBR: read exits 0" test "$code" -eq 0
check "MBR: the image ends at the extended partition's end" test "$(stat -c %s mbr-out.img)" -eq $(( (18432 + 81920) * 512 ))
check "MBR: the image is the disk's start" cmp -n $(( (18432 + 81920) * 512 )) mbr.img mbr-out.img
check "MBR: sfdisk finds the image's table correct" sfdisk -V mbr-out.img
check "MBR: the md5 is the image's" test "$(cut -d' ' -f1 out)" = "$(md5sum <mbr-out.img | cut -d' ' -f1)"

# GPT: an EFI partition and a data partition on a 64 MiB disk.
truncate -s 64M gpt.img
sgdisk -n 1:2048:+8M -t 1:ef00 -n 2:0:+20M gpt.img >/dev/null
fill gpt.img 3000000 30000
run read gpt.img gpt-out.img --allocated-only --hash sha256 --progress=none
check "GPT: read exits 0" test "$code" -eq 0
# Partitions end at sector 59391; then 32 sectors of entries and the backup header.
check "GPT: the image ends after the last partition and the backup table" test "$(stat -c %s gpt-out.img)" -eq $(( (59392 + 32 + 1) * 512 ))
check "GPT: sgdisk finds no problem in the image" bash -c "sgdisk -v gpt-out.img | grep -q 'No problems found'"
check "GPT: both partitions are there" bash -c "sgdisk -p gpt-out.img | grep -cE '^ +[12] ' | grep -qx 2"
check "GPT: the partitions' data is copied" cmp -i 1048576 -n $((28 * 1024 * 1024)) gpt.img gpt-out.img
check "GPT: the sha256 is the finished image's" test "$(cut -d' ' -f1 out)" = "$(sha256sum <gpt-out.img | cut -d' ' -f1)"
check "GPT: the source is untouched" bash -c "sgdisk -v gpt.img | grep -q 'No problems found'"

# Writing the GPT image to a larger drive: the backup stays where the image had it,
# unless --move-gpt-backup, which moves it to the drive's end once the write is verified.
truncate -s 100M larger.img
run write gpt-out.img larger.img --yes --verify --move-gpt-backup --progress=none
check "move backup GPT: write exits 0" test "$code" -eq 0
check "move backup GPT: the result says so" grep -q 'backup GPT was moved to the end of larger.img' err
check "move backup GPT: sgdisk -v finds no problem on the drive" bash -c "sgdisk -v larger.img | grep -q 'No problems found'"
check "move backup GPT: the partitions are intact" cmp -i 1048576 -n $((28 * 1024 * 1024)) gpt.img larger.img
truncate -s 100M larger2.img
run write gpt-out.img larger2.img --yes --verify --progress=none
check "without the option the backup is left in place" bash -c "sgdisk -v larger2.img 2>&1 | grep -q 'self-pointer'"
run write gpt-out.img larger2.img --yes --move-gpt-backup
check "--move-gpt-backup without --verify is a usage error" test "$code" -eq 2

# Tables that cannot be trusted: a clear message, no image, and the hint to read it all.
cp gpt.img hybrid.img
sgdisk -h 1 hybrid.img >/dev/null
run read hybrid.img h-out.img --allocated-only
check "hybrid MBR: refused" test "$code" -eq 1
check "hybrid MBR: says so" grep -q 'hybrid MBR' err
check "hybrid MBR: says how to read the whole drive" grep -q 'without --allocated-only' err
check "hybrid MBR: no image left" test ! -e h-out.img

cp gpt.img badcrc.img
printf '\x01' | dd of=badcrc.img bs=1 seek=$((512 + 40)) conv=notrunc status=none
run read badcrc.img c-out.img --allocated-only
check "bad GPT CRC: refused, naming the CRC" grep -q "GPT header's CRC does not match" err
run read badcrc.img c-out.img --progress=none
check "bad GPT CRC: the whole drive still reads without --allocated-only" test "$(stat -c %s c-out.img 2>/dev/null)" = $((64 * 1024 * 1024))

truncate -s 32M overlap.img
printf 'label: dos\nstart=2048, size=20000, type=83\nstart=30000, size=10000, type=83\n' | sfdisk -q overlap.img
# Make partition 2 start inside partition 1 (its LBA start field, little-endian).
printf '\x10\x27\x00\x00' | dd of=overlap.img bs=1 seek=$((446 + 16 + 8)) conv=notrunc status=none
run read overlap.img o-out.img --allocated-only
check "overlapping partitions: refused" grep -q 'partitions 1 and 2 overlap' err

truncate -s 8M blank.img
run read blank.img b-out.img --allocated-only
check "no partition table: refused, saying so" grep -q 'no partition table' err
run read blank.img b-out.img --allocated-only --size 4M
check "--allocated-only with --size is a usage error" test "$code" -eq 2

finish
