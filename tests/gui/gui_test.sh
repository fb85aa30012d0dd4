#!/usr/bin/env bash
# Win32DiskImager.exe end to end under Wine + Xvfb, driven as a user would by
# gui_driver.exe: a file-backed removable drive T:, an image under a Unicode path whose
# size is not a multiple of 512; Write with MD5, Read back, Verify Only, a corrupted
# byte found by offset, Cancel, and bad input through the dialog, each with a clear
# message and the drive and files unchanged. Screenshots go to BUILD/screenshots.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"
drive=$work/drive-t.img
head -c $((256 * 1024 * 1024)) /dev/zero | tr '\0' '\245' >"$drive"
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"
truncate -s 8G "$work/drive-u.img" # sparse: a big drive for a long job to cancel
wine_map_drive "$WINEPREFIX" u "$work/drive-u.img" "$work/u"

mkdir -p "$work/Zoë/画像"
image=$work/Zoë/画像/pi.img
head -c $((200 * 1024 * 1024 + 7)) /dev/urandom >"$image"
image_win=$(winpath "$image")
check "the Unicode image path maps to a Windows path" grep -q 'Zoë\\画像\\pi.img$' <<<"$image_win"

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window status select "Device" "T:" get "Device"
check "the dialog opens ready" has "status: Ready."
check "it offers the removable drive T:" has "Device: T: "
drive_gui type "Image File" "$image_win" check "Hash" on check "Verify after write" on get "Image File"
check "the typed Unicode path is in the Image File box" has "$image_win"
sleep 0.5; shot gui-idle

# Write, with MD5 and verify.
# The checks while it runs are made in the same driver run, right after the bar moves.
drive_gui autoplay click Write answer Yes wait-progress 3 enabled "Read" enabled "Image File" enabled "Cancel" autoplay
shot gui-writing
check "Write asks first, naming the drive" has "T:"
check "inputs are disabled during the job" has "enabled Read: 0"
check "the image box is disabled during the job" has "enabled Image File: 0"
check "Cancel is enabled during the job" has "enabled Cancel: 1"
check "AutoPlay and format prompts are let through while idle" grep -qx "autoplay: 0" <<<"$(echo "$out" | grep autoplay | head -1)"
check "AutoPlay and format prompts are refused during the job" grep -qx "autoplay: 1" <<<"$(echo "$out" | grep autoplay | tail -1)"
drive_gui wait-idle answer OK get "Hash value" status enabled "Write"
check "the write succeeds" has "Write successful."
check "the hash shown is md5sum's" has "Hash value: $(md5 "$image")"
check "inputs are enabled again" has "enabled Write: 1"
check "the drive starts with the image" cmp -n $((200 * 1024 * 1024 + 7)) "$image" "$drive"
pad_end=$(( (200 * 1024 * 1024 + 7 + 511) / 512 * 512 ))
check "the last sector is zero padded" test "$(head -c "$pad_end" "$drive" | tail -c $((pad_end - 200 * 1024 * 1024 - 7)) | tr -d '\0' | wc -c)" -eq 0
shot gui-finished

# The Log window: the write's records, and the same in %LOCALAPPDATA%\diskimager.
drive_gui click Log log-text
log_out=$out
sleep 0.5; shot gui-log
drive_gui log-close
out=$log_out
check "the Log window shows the write's request" has "INFO  write Z:"
check "... its digest" has "INFO  md5 of the image: $(md5 "$image")"
check "... and how it ended, with UTC times" grep -qE '^log: 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z INFO  write succeeded' <<<"$out"
log_file=$(find "$WINEPREFIX/drive_c/users" -path '*diskimager/diskimager.log' 2>/dev/null | head -1)
check "the log file is kept in the user's local app data" test -n "$log_file"
check "it holds the write's records" grep -q "INFO  write succeeded" "${log_file:-/nonexistent}"

# Hash Drive: the drive's first image-size bytes hash to the image's digest.
drive_gui click "Hash Drive" wait-idle answer OK get "Hash value"
check "Hash Drive hashes the drive's first image-size bytes" has "Hash value: $(md5 "$image")"
check "Hash Drive says what it did" has "Drive hash successful."

# Read the drive back into a new file.
back_win=$(winpath "$work/back.img")
drive_gui type "Image File" "$back_win" click Read wait-idle answer OK
check "the read succeeds" has "Read successful."
check "the image read back is the drive" cmp "$drive" "$work/back.img"

# Read only allocated partitions, on a drive that holds no partition table (the image
# written above is random bytes): the dialog says why and offers the whole drive; No
# leaves nothing behind, Yes reads it all.
drive_gui type "Image File" "$(winpath "$work/alloc.img")" check "Read only allocated partitions" on click Read wait-idle answer No status
check "allocated-only on a drive without a table says why" has "no partition table"
check "it offers to read the whole drive" has "Read the whole drive instead?"
check "declining reads nothing" has "status: Nothing was read."
check "declining leaves no image" test ! -e "$work/alloc.img"
drive_gui click Read wait-idle answer Yes wait-idle answer OK check "Read only allocated partitions" off
check "accepting reads the whole drive" has "Read successful."
check "the whole drive was read" cmp "$drive" "$work/alloc.img"

# Compressed images: an .img.xz written as it is, its md5 the image's; the expected hash
# may be the compressed file's. Read into .img.zst, decoded by zstd itself.
head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/small.img"
xz -T0 -k "$work/small.img"
drive_gui type "Image File" "$(winpath "$work/small.img.xz")" type "Expected hash (typed, or found beside the image)" "$(md5 "$work/small.img.xz")" click Write answer Yes wait-idle answer OK get "Hash value"
check "Write of an .img.xz succeeds" has "Write successful."
check "it says the image was decompressed" has "decompressed from xz"
check "the hash shown is the image's, not the file's" has "Hash value: $(md5 "$work/small.img")"
check "the compressed file's md5 matches the expected hash" has "The md5 of the compressed file matches the expected hash."
check "the drive holds the decompressed image" cmp -n $((24 * 1024 * 1024)) "$work/small.img" "$drive"
drive_gui type "Expected hash (typed, or found beside the image)" "" click "Hash Drive" wait-idle answer OK get "Hash value"
check "Hash Drive with an .img.xz hashes the image-size bytes inside it" has "Hash value: $(md5 "$work/small.img")"
drive_gui type "Expected hash (typed, or found beside the image)" "" type "Image File" "$(winpath "$work/back.img.zst")" click Read wait-idle answer OK
check "Read into .img.zst succeeds" has "Read successful."
check "it says the image was compressed" has "compressed with zstd"
check "zstd decodes it to the drive's bytes" cmp <(zstd -dcq "$work/back.img.zst") "$drive"
# A zip of an image and a README: the image is taken without a question.
head -c 3000000 /dev/urandom >"$work/card.img"; echo "read me" >"$work/README.txt"
(cd "$work" && zip -q readme.zip README.txt card.img)
drive_gui type "Image File" "$(winpath "$work/readme.zip")" click Write answer Yes wait-idle answer OK
check "a zip of an image and a README: no question, the image is written" has "decompressed from zip: card.img"
check "the drive holds the image" cmp -n 3000000 "$work/card.img" "$drive"
# A zip of two images: the dialog asks which one, the larger chosen to start with.
head -c 2000000 /dev/urandom >"$work/other.img"
(cd "$work" && zip -q two.zip README.txt card.img other.img)
drive_gui type "Image File" "$(winpath "$work/two.zip")" click Write pick "card.img" answer Yes wait-idle answer OK
check "a zip of two images offers both" has "choice: other.img"
check "a README is not offered" bash -c '! grep -qF "choice: README.txt" <<<"$1"' _ "$out"
check "the chosen file is written" has "decompressed from zip: card.img"
check "the drive holds the chosen file" cmp -n 3000000 "$work/card.img" "$drive"
# A bmap beside the image: only its mapped blocks are written.
truncate -s 8M "$work/sparse.img"
head -c 100000 /dev/urandom | dd of="$work/sparse.img" bs=4096 seek=300 conv=notrunc status=none
bmaptool create "$work/sparse.img" -o "$work/sparse.bmap" 2>/dev/null
drive_gui type "Image File" "$(winpath "$work/sparse.img")" click Write answer Yes wait-idle answer OK
check "a bmap beside the image is used" has "mapped by Z:"
check "the mapped data is written" cmp -i $((300 * 4096)):$((300 * 4096)) -n 100000 "$work/sparse.img" "$drive"
drive_gui type "Image File" "$image_win" click Write answer Yes wait-idle answer OK
check "the big image is written again for the checks below" has "Write successful."
# The backup GPT option follows Verify after write.
drive_gui check "Verify after write" off enabled "Move backup GPT to the end of the drive" check "Verify after write" on enabled "Move backup GPT to the end of the drive"
check "Move backup GPT is disabled without verify" has "enabled Move backup GPT to the end of the drive: 0"
check "Move backup GPT is enabled with verify" has "enabled Move backup GPT to the end of the drive: 1"
# Another card in the slot since the list was made (here: T: grows by 1 MiB): nothing
# is written, and the dialog says why.
before=$(md5 "$drive")
truncate -s $((257 * 1024 * 1024)) "$drive"
drive_gui click Write answer Yes wait-idle answer OK enabled "Write"
check "a drive that changed since it was chosen is not written" has "The drive changed since it was chosen"
check "the changed drive is untouched" test "$(head -c $((256 * 1024 * 1024)) "$drive" | md5sum | cut -d' ' -f1)" = "$before"
truncate -s $((256 * 1024 * 1024)) "$drive"

# Verify Only: equal, then one corrupted byte.
drive_gui type "Image File" "$image_win" click "Verify Only" wait-idle answer OK
check "Verify Only succeeds" has "Verify successful."
# The expected hash: typed in (right, then wrong), and found in a sidecar file.
drive_gui type "Expected hash (typed, or found beside the image)" "$(md5 "$image")" click "Verify Only" wait-idle answer OK
check "a typed expected hash that matches says so" has "The md5 matches the expected hash."
drive_gui type "Expected hash (typed, or found beside the image)" "0123456789abcdef0123456789abcdef" click "Verify Only" wait-idle
shot gui-hash-mismatch
drive_gui answer OK
check "a typed expected hash that differs says MISMATCH with both values" has "md5 MISMATCH with the expected hash: expected 0123456789abcdef0123456789abcdef computed $(md5 "$image")"
sha256sum "$image" | sed 's|  .*/|  |' >"$image.sha256"
drive_gui type "Expected hash (typed, or found beside the image)" "" click "Verify Only" wait-idle answer OK
check "a .sha256 file beside the image is found and checked" has "The sha256 matches Z:"
rm -f "$image.sha256"
flip_byte "$drive" 123456789
drive_gui click "Verify Only" wait-idle answer OK
check "Verify Only reports the corrupted byte's offset" has "at byte 123456789"

# Cancel in the middle of a long Read (a 8 GiB drive U:): stops within a second of the
# answer, deletes the partial image, says so, and the inputs come back.
drive_gui wait-window select "Device" "U:" type "Image File" "$(winpath "$work/partial.img")" click Read wait-progress 1 click Cancel answer Yes wait-idle status enabled "Write"
check "Cancel asks first" has "Stop the job now?"
check "Cancel stops the job and deletes the partial image" has "status: Cancelled. The incomplete image was deleted."
check "no partial image is left" test ! -e "$work/partial.img"
check "inputs are enabled after a cancel" has "enabled Write: 1"
drive_gui select "Device" "T:"

# Bad input: a clear message each time, the drive and the files unchanged.
before=$(md5 "$drive")
drive_gui type "Image File" "" click Write answer OK
check "no image: asks for one" has "Please choose an image file"
drive_gui type "Image File" 'Z:\nowhere\missing.img' click Write answer OK
check "a missing image is named" has 'The image file Z:\nowhere\missing.img does not exist.'
mkdir "$work/folder"
drive_gui type "Image File" "$(winpath "$work/folder")" click Write answer OK
check "a folder is refused" has "is a folder, not an image file"
: >"$work/empty.img"
drive_gui type "Image File" "$(winpath "$work/empty.img")" click Write answer OK
check "an empty image is refused" has "is empty"
truncate -s 300M "$work/big.img"
printf 'tail' | dd of="$work/big.img" bs=1 seek=$((300 * 1024 * 1024 - 4)) conv=notrunc status=none
drive_gui type "Image File" "$(winpath "$work/big.img")" click Write answer Yes wait-idle answer OK
check "an image larger than the drive is refused" has "the device only"
check "both sizes are named" has "314572800 bytes"
check "the drive is unchanged by all of it" test "$(md5 "$drive")" = "$before"
existing=$work/keep.img
head -c 1000 /dev/urandom >"$existing"
keep=$(md5 "$existing")
drive_gui type "Image File" "$(winpath "$existing")" click Read answer No status
check "Read onto an existing file asks first" has "already exists"
check "declining leaves the file, and says so" has "Nothing was read"
check "the existing file is unchanged" test "$(md5 "$existing")" = "$keep"
drive_gui no-message enabled "Write"
check "no message box is left open" test "$drv" -eq 0

# Restore card...: its options (the drive named, the label the size gives), the Write's
# question naming the layout (No: nothing written), then FAT32 and exFAT with erase,
# each judged by sfdisk and the file system's own fsck.
zero_mib() { [ "$(dd if="$1" bs=1M skip="$2" count=1 status=none | tr -d '\0' | wc -c)" -eq 0 ]; }
partition_of() { # DRIVE_FILE -> part.img, the one partition's bytes
  local start size
  start=$(sfdisk -d "$1" 2>/dev/null | sed -nE 's/.*start= *([0-9]+),.*/\1/p' | head -n 1)
  size=$(sfdisk -d "$1" 2>/dev/null | sed -nE 's/.*size= *([0-9]+),.*/\1/p' | head -n 1)
  dd if="$1" of="$work/part.img" bs=1M iflag=skip_bytes,count_bytes skip=$((${start:-0} * 512)) \
     count=$((${size:-0} * 512)) conv=sparse status=none
}
before=$(md5 "$drive")
drive_gui click "Restore card..." restore-options FAT32 pi off
check "Restore names the drive" has "restore-intro: T: "
check "the label offered is the drive's size" has "restore-label: 268MB"
check "it offers automatic, FAT32 and exFAT" has "restore-fs-choice: exFAT"
sleep 0.5; shot gui-restore-options
drive_gui restore-press OK answer No status
check "the question names the layout" has "Make it one empty FAT32 partition labelled PI?"
check "No: nothing written" has "status: Nothing was written."
check "the drive is unchanged" test "$(md5 "$drive")" = "$before"
drive_gui click "Restore card..." restore-options FAT32 pi off restore-press OK answer Yes wait-idle answer OK status
check "Restore succeeds" has "status: Restore successful: one FAT32 partition labelled PI."
check "it says what the drive is now" has "The drive is now one FAT32 partition of"
check "Write is enabled again" test "$drv" -eq 0
check "sfdisk: one FAT32 (LBA) partition" bash -c "sfdisk -d '$drive' | grep -c 'type=c' | grep -qx 1"
partition_of "$drive"
check "fsck.fat -n finds nothing wrong" fsck.fat -n "$work/part.img"
check "mdir shows the label PI" bash -c "mdir -i '$work/part.img' ::/ 2>/dev/null | grep -q 'Volume in drive : is PI '"
drive_gui click "Restore card..." restore-options exFAT - on restore-press OK answer Yes wait-idle answer OK status
check "Restore with exFAT and erase succeeds" has "status: Restore successful: one exFAT partition labelled 268MB."
check "Wine cannot trim: overwritten with zeros" has "overwritten with zeros first"
partition_of "$drive"
check "fsck.exfat -n finds nothing wrong" fsck.exfat -n "$work/part.img"
check "erased: nothing of the old drive in its middle" zero_mib "$drive" 128
sleep 0.5; shot gui-restored
drive_gui click "Restore card..." restore-press Cancel status
check "Cancel in the options: nothing written" has "status: Nothing was written."
rm -f "$work/part.img"

# Check card...: the quick probe (its question names the sectors and the power-cut risk;
# the drive's bytes are the same afterwards), then the full check (genuine, with speeds).
before=$(md5 "$drive")
drive_gui click "Check card..." check-choose quick answer Yes wait-idle answer OK status
check "Check names the drive" has "check-intro: Does T: "
check "the probe's question names the power-cut risk" has "If the power fails during the probe"
check "the quick probe finds no sign of a fake" has "status: Check done: no sign of a fake card."
check "the probe put every byte back" test "$(md5 "$drive")" = "$before"
drive_gui click "Check card..." check-choose full answer Yes wait-idle answer OK status
check "the full check's question says it erases" has "will destroy everything on it"
check "the full check: all of its 268 MB" has "This card holds all of its 268 MB"
check "the full check: speeds" has "slowest 1%"
sleep 0.5; shot gui-checked
drive_gui click "Check card..." check-choose cancel status
check "Cancel in the Check dialog: nothing written" has "status: Nothing was written."

drive_gui close
for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done
check "Exit closes the program" bash -c "! kill -0 $gui_pid 2>/dev/null"
gui_pid=""

# The layout at 150 % and 200 % scaling: the same dialog, larger, nothing cut off.
for dpi in 144 192; do
  wineserver -k 2>/dev/null; sleep 0.5
  wine reg add 'HKCU\Control Panel\Desktop' /v LogPixels /t REG_DWORD /d "$dpi" /f >/dev/null 2>&1
  wine reg add 'HKCU\Software\Wine\Explorer\Desktops' /v Default /d "$((1024 * dpi / 96))x$((768 * dpi / 96))" /f >/dev/null 2>&1
  wineserver -k 2>/dev/null; sleep 0.5
  wine "$gui" >/dev/null 2>&1 &
  gui_pid=$!
  drive_gui wait-window type "Image File" "$image_win" select "Device" "T:" status
  check "the dialog opens at $dpi dpi" has "status: Ready."
  sleep 0.5; shot "gui-dpi$dpi"
  drive_gui close
  for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done
  gui_pid=""
done

finish
