#!/usr/bin/env bash
# The diskimager CLI end to end: exit codes, coreutils-format hashes accepted by
# md5sum -c, refusal to overwrite without --yes when there is no terminal, JSON
# progress, partial READ output removed, Ctrl-C. Run as: cli_test.sh linux|windows CMD...
# (for windows, CMD is the Wine wrapper and diskimager.exe).
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1; shift
di=("$@")
work=$(mktemp -d "${TMPDIR:-/tmp}/di-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$tests_dir/lib/harness.sh"

# Runs the CLI with no terminal on stdin; keeps stdout, stderr and the exit code.

head -c 5000007 /dev/urandom >image.img
head -c 777 /dev/urandom >small.img

run --help;                       check "help exits 0" test "$code" -eq 0
check "help shows usage" grep -q 'diskimager write IMAGE DEVICE' out
run;                              check "no command exits 2" test "$code" -eq 2
run burn x y;                     check "unknown command exits 2" test "$code" -eq 2
check "unknown command is named" grep -q "unknown command 'burn'" err
run write image.img dev --frob;   check "unknown option exits 2" test "$code" -eq 2
run read a b --size 12Q;          check "bad size exits 2" test "$code" -eq 2

for alg in md5 sha1 sha256 sha512; do
  run hash image.img --hash "$alg" --progress=none
  check "hash $alg exits 0" test "$code" -eq 0
  check "hash $alg equals ${alg}sum" test "$(cat out)" = "$(${alg}sum image.img)"
done
run hash image.img --hash md5 --hash sha256 --progress=none
check "two hashes, two lines" test "$(wc -l <out)" -eq 2
run hash image.img --progress=none
check "md5sum -c accepts the output" md5sum -c --status out

run write image.img new-device.img --hash md5 --progress=none
check "write to a new file needs no --yes" test "$code" -eq 0
check "write prints the image's md5" test "$(cat out)" = "$(md5sum image.img)"
check "written file starts with the image" cmp -n 5000007 image.img new-device.img
check "last sector zero padded" test "$(stat -c %s new-device.img)" -eq 5000192
check "padding is zeros" test "$(tail -c 185 new-device.img | tr -d '\0' | wc -c)" -eq 0

head -c 8000000 /dev/zero >device.img
before=$(md5sum <device.img)
run write small.img device.img
check "overwriting without --yes and no terminal is refused" test "$code" -eq 1
check "the refusal says why" grep -q 'no terminal.*--yes' err
check "the refused device is unchanged" test "$(md5sum <device.img)" = "$before"

run write image.img device.img --yes --verify --hash sha256 --progress=plain
check "write --yes --verify exits 0" test "$code" -eq 0
check "write --verify says verified" grep -q 'verified' err
check "plain progress ends with a done line" grep -q '^done *100.0%' err
check "sha256 printed" test "$(cat out)" = "$(sha256sum image.img)"
run hash device.img --size 5000007 --hash sha256 --progress=none
check "hash --size hashes the drive's first N bytes" test "$(cut -d' ' -f1 out)" = "$(sha256sum <image.img | cut -d' ' -f1)"
run hash device.img --size 9000000
check "hash --size beyond the drive exits 1" test "$code" -eq 1

run verify image.img device.img --progress=none
check "verify of equal data exits 0" test "$code" -eq 0
flip_byte device.img 4321000
run verify image.img device.img --progress=none
check "verify mismatch exits 3" test "$code" -eq 3
check "mismatch names the offset" grep -q 'at byte 4321000' err

run read device.img back.img --size 5000007 --hash md5 --progress=json
check "read exits 0" test "$code" -eq 0
check "read wrote exactly --size bytes" test "$(stat -c %s back.img)" -eq 5000007
check "read's md5 is the output's" test "$(cat out)" = "$(md5sum back.img)"
check "json progress lines parse" python3 -c '
import json, sys
lines = [l for l in open("err") if l.startswith("{")]
assert lines, "no json lines"
for l in lines:
    o = json.loads(l)
    assert {"phase", "bytes_done", "bytes_total", "percent", "rate", "seconds_left"} <= o.keys()
assert json.loads(lines[-1])["bytes_done"] == 5000007
'

run read device.img toobig.img --size 9000000
check "read beyond the device exits 1" test "$code" -eq 1
check "read beyond the device names both sizes" grep -q '9000000.*8000000' err
check "failed read leaves no file" test ! -e toobig.img

run write missing.img device.img --yes
check "missing image exits 1" test "$code" -eq 1
check "missing image is named" grep -q 'open failed on missing.img' err
mkdir adir
run hash adir
check "a directory is refused" grep -q 'directory' err

# Checksums the user already has: a sidecar beside the image, a SUMS file, --expect.
sha256sum image.img >image.img.sha256
run hash image.img --progress=none
check "a matching .sha256 sidecar exits 0" test "$code" -eq 0
check "the sidecar is named and matches" grep -q 'sha256 matches image.img.sha256' err
# Change the digest's first hex digit, whatever it was.
first=$(head -c 1 image.img.sha256)
if [ "$first" = 0 ]; then other=1; else other=0; fi
sed -i "s/^./$other/" image.img.sha256
run verify image.img new-device.img --progress=none
check "a sidecar mismatch exits 3" test "$code" -eq 3
check "the mismatch shows both digests" grep -q "sha256 MISMATCH: expected .* computed $(sha256sum <image.img | cut -d' ' -f1)" err
rm image.img.sha256
printf 'MD5 (image.img) = %s\n' "$(md5sum <image.img | cut -d' ' -f1)" >MD5SUMS
run hash image.img --progress=none
check "a BSD-format MD5SUMS entry is found and matches" grep -q 'md5 matches MD5SUMS' err
rm MD5SUMS
run hash image.img --expect "$(sha1sum <image.img | cut -d' ' -f1)" --progress=none
check "--expect sha1 matches" test "$code" -eq 0
run hash image.img --expect 00000000000000000000000000000000 --progress=none
check "--expect of a wrong md5 exits 3" test "$code" -eq 3
run hash image.img --expect 1234
check "--expect with a bad length exits 2" test "$code" -eq 2

if [ "$mode" = linux ]; then
  ln -s device.img link.img
  run write small.img link.img --yes
  check "a symlink target is announced" grep -q 'link.img is a symbolic link to' err

  # Ctrl-C during a long read: exit 130, no partial image left behind.
  truncate -s 64G sparse.img
  "${di[@]}" read sparse.img partial.img --progress=none </dev/null 2>err.txt &
  pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"; code=$?
  check "Ctrl-C exits 130" test "$code" -eq 130
  check "Ctrl-C says cancelled" grep -q 'cancelled' err.txt
  check "Ctrl-C removes the partial image" test ! -e partial.img

  # The disk holding / is never offered and never written, --force or not. Run as an
  # unprivileged user (when root) so that, were the refusal ever broken, opening the
  # disk would fail rather than write it.
  root_dev=$(findmnt -no SOURCE / 2>/dev/null)
  root_disk=$(lsblk -no PKNAME "$root_dev" 2>/dev/null | tail -1)
  root_disk=/dev/${root_disk:-$(lsblk -no NAME "$root_dev" 2>/dev/null | head -1)}
  if [ -b "$root_dev" ] && [ -b "$root_disk" ]; then
    as_user=()
    [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null && as_user=(runuser -u nobody --)
    chmod 755 "$work" && chmod 644 small.img
    "${as_user[@]}" "${di[@]}" write "$work/small.img" "$root_disk" --yes --force </dev/null >out 2>err; code=$?
    check "the system disk $root_disk: write refused with --force (exit 1)" test "$code" -eq 1
    check "the system disk: it says why" grep -q "refusing to write to $root_disk: it holds the running system" err
    run list --all
    check "the system disk is not listed, even with --all" bash -c "! grep -q '^$root_disk ' out"
  else
    echo "note: / is not on a block device here ($root_dev); the system-disk checks were not run"
  fi
fi

# ---- the log: --log FILE appends the job's records, -v shows them on stderr ----
rm -f job.log
head -c 3000000 /dev/urandom >logged-image.img
run write logged-image.img logged.img --yes --verify --hash sha256 --log job.log --progress=none
check "--log: the write succeeds (exit 0)" test "$code" -eq 0
check "--log: the request is the first record, with a UTC time" \
  grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z INFO  write logged-image.img to logged.img; sha256; verify$' <(head -n 1 job.log | tr -d "\r")
check "--log: each phase with its rate" grep -qE 'INFO  verifying: [0-9]+ bytes .* in [0-9.]+ s, ' job.log
check "--log: the digest" grep -q "INFO  sha256 of the image: $(sha256sum <logged-image.img | cut -d' ' -f1)" job.log
check "--log: how it ended, last" grep -q 'INFO  write succeeded: ' <(tail -n 1 job.log)
check "--log alone prints no record on stderr" bash -c "! grep -q 'INFO ' err"
lines=$(wc -l <job.log)
run verify logged-image.img logged.img -v --progress=none
check "-v: the records on stderr" grep -q 'INFO  verify succeeded' err
check "-v without --log: the file is left alone" test "$(wc -l <job.log)" -eq "$lines"
run write missing.img logged.img --yes --log job.log
check "--log: a refusal is recorded" grep -q 'ERROR write refused: open failed on missing.img' job.log
run write logged-image.img logged.img --yes --log no-such-dir/job.log
check "--log into a folder that does not exist: exit 1" test "$code" -eq 1
check "... naming the log file" grep -q 'cannot open the log file no-such-dir/job.log' err

finish
