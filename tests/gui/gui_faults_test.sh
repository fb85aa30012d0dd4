#!/usr/bin/env bash
# The fault matrix as a user of the dialog meets it: Win32DiskImager_faults.exe (the
# dialog with a fault injected under its job, tests/gui/gui_faults.c) under Wine +
# Xvfb. For every cell at the first, a middle and the last chunk: the job ends with
# the right result; a failure's message names the operation, the file or drive and a
# byte offset inside the failing chunk; the dialog is idle again with the same
# controls enabled as before the job; no thread of the job is left; the image is
# unchanged; a failed or cancelled Read leaves no image behind.
# Args: SOURCE_DIR BUILD_DIR Win32DiskImager_faults.exe gui_driver.exe
set -u
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1 build=$2 gui=$3 driver=$4
source "$tests_dir/gui_env.sh"

MiB=$((1024 * 1024))
chunk=$((4 * MiB))                     # the dialog's buffer size (DI_DEFAULT_BUFFER_SIZE)
image_size=$((5 * chunk + 123))        # six chunks, the last one short
drive=$work/drive-t.img
head -c $((6 * chunk)) /dev/zero | tr '\0' '\245' >"$drive"
wine_map_drive "$WINEPREFIX" t "$drive" "$work/t"
image=$work/image.img
head -c "$image_size" /dev/urandom >"$image"
image_md5=$(md5 "$image")
output=$work/back.img
plan=$work/fault-plan.txt
echo none >"$plan"
export DI_GUI_FAULT_PLAN
DI_GUI_FAULT_PLAN=$(winpath "$plan")
image_win=$(winpath "$image")

wine "$gui" >/dev/null 2>&1 &
gui_pid=$!
drive_gui wait-window select "Device" "T:" type "Image File" "$image_win" check "Hash" on check "Verify after write" off
sleep 1
drive_gui controls threads
idle_controls=$(grep '^controls:' <<<"$out")
idle_threads=$(grep '^threads:' <<<"$out")
# With Verify after write ticked, "Move backup GPT" is offered too.
drive_gui check "Verify after write" on controls check "Verify after write" off
idle_controls_verify=$(grep '^controls:' <<<"$out")
check "the dialog opens with its inputs enabled" grep -q 'Write=1' <<<"$idle_controls"

# Each cell: NAME BUTTON VERIFY ROLE OP KIND EXPECT [IMAGE_BOX]
#   BUTTON: Write, Read, "Verify Only", "Hash Drive"; VERIFY: on|off (Verify after write)
#   EXPECT: ok | cancelled | "read FILE" | "write FILE" (the operation and what it names)
# Positions: the fault covers byte 100 of the first, the fourth and the last chunk.
positions=(100 $((3 * chunk + 100)) $((5 * chunk + 100)))
position_names=(first middle last)

# The dialog's English for an operation the core names in English ("read" -> "Reading"),
# from the two tables (include/diskimager/operations.def, src/gui/lang/operations.def).
dialog_op() {
  local name
  name=$(sed -n "s/^DI_OP(\([A-Z_]*\), \"$1\")\$/\1/p" "$src/include/diskimager/operations.def")
  sed -n "s/^DI_OP_TR($name, \"\([^\"]*\)\".*/\1/p" "$src/src/gui/lang/operations.def"
}

run_cell() {
  local name=$1 button=$2 verify=$3 role=$4 op=$5 kind=$6 expect=$7 box=${8:-$image_win}
  local p at where
  # GUI_FAULT_CELLS=TEXT runs only the cells whose name holds TEXT (while working on one).
  [[ "$name" == *"${GUI_FAULT_CELLS:-}"* ]] || return 0
  for p in 0 1 2; do
    at=${positions[$p]} where="$name at the ${position_names[$p]} chunk"
    rm -f "$output" "$output.zst"
    # Verify and Hash Drive need the image on the drive first.
    if [ "$button" = "Verify Only" ] || [ "$button" = "Hash Drive" ] || [ "$button" = Read ]; then
      dd if="$image" of="$drive" conv=notrunc status=none
    fi
    echo "$role $op $kind $at" >"$plan"
    local steps=(type "Image File" "$box" check "Verify after write" "$verify" click "$button")
    [ "$button" = Write ] && steps+=(answer Yes)
    # The end shows its result in a message box; a cancel only in the status line.
    steps+=(wait-idle)
    [ "$expect" = cancelled ] || steps+=(answer OK)
    steps+=(sleep 300 status controls threads no-message)
    drive_gui "${steps[@]}"
    echo none >"$plan"
    local message status
    message=$(grep '^message:' <<<"$out" | tail -1)
    status=$(grep '^status:' <<<"$out")
    case $expect in
      ok)
        check "$where: succeeds" grep -q 'successful' <<<"$status"
        if [ "$button" = Write ]; then
          check "$where: the drive holds the image" cmp -n "$image_size" "$image" "$drive"
        elif [ "$button" = Read ]; then
          check "$where: the image read is the drive" cmp "$drive" "$output"
        fi
        ;;
      cancelled)
        check "$where: says it was cancelled" grep -qi 'cancelled' <<<"$message $status" ;;
      *)
        local operation=${expect%% *} file=${expect#* } offset
        check "$where: the message names the operation and $file" \
          grep -qF -e "$operation failed on $file" -e "$(dialog_op "$operation") failed on $file" <<<"$message"
        offset=$(grep -o 'at byte [0-9]*' <<<"$message" | head -1 | grep -o '[0-9]*$')
        # The failing request covers the faulty byte (a Write's chunks start after the
        # first MiB, which is written last).
        check "$where: the message names the offset of the request that failed" \
          test -n "$offset" -a "${offset:-0}" -le "$at" -a $((${offset:-0} + chunk)) -gt "$at"
        ;;
    esac
    local idle=$idle_controls
    [ "$verify" = on ] && idle=$idle_controls_verify
    check "$where: the dialog is idle with its inputs enabled" test "$(grep '^controls:' <<<"$out")" = "$idle"
    check "$where: no message is left open" test "$drv" -eq 0
    check "$where: no thread of the job is left" test "$(grep '^threads:' <<<"$out")" = "$idle_threads"
    check "$where: the image is unchanged" test "$(md5 "$image")" = "$image_md5"
    if [ "$button" = Read ] && [ "$expect" != ok ]; then
      check "$where: no image is left behind" test ! -e "$output" -a ! -e "$output.zst"
    fi
  done
}

dev='\\.\T:'
img=$image_win out_win=$(winpath "$output")
run_cell "write: EIO reading the image"      Write off source  read  eio     "read $img"
run_cell "write: EIO writing the drive"      Write off target  write eio     "write $dev"
run_cell "write: image ends early"           Write off source  read  end     "read $img"
run_cell "write: drive takes nothing"        Write off target  write end     "write $dev"
run_cell "write: ENOSPC"                     Write off target  write nospace "write $dev"
run_cell "write: short read"                 Write off source  read  short   ok
run_cell "write: short write"                Write off target  write short   ok
run_cell "write: cancel while writing"       Write off target  write cancel  cancelled
run_cell "write+verify: EIO reading back"    Write on  readback read eio     "read $dev"
run_cell "write+verify: drive reads back short" Write on readback read end   "read $dev"
run_cell "write+verify: EIO writing"         Write on  target  write eio     "write $dev"
run_cell "write+verify: short read back"     Write on  readback read short   ok
run_cell "write+verify: cancel while verifying" Write on readback read cancel cancelled
run_cell "read: EIO reading the drive"       Read off  source  read  eio     "read $dev"   "$out_win"
run_cell "read: EIO writing the image"       Read off  target  write eio     "write $out_win" "$out_win"
run_cell "read: ENOSPC writing the image"    Read off  target  write nospace "write $out_win" "$out_win"
run_cell "read: drive ends early"            Read off  source  read  end     "read $dev"   "$out_win"
run_cell "read: short read"                  Read off  source  read  short   ok            "$out_win"
run_cell "read: short write"                 Read off  target  write short   ok            "$out_win"
run_cell "read: cancel while reading"        Read off  source  read  cancel  cancelled     "$out_win"
run_cell "read .zst: EIO reading the drive"  Read off  source  read  eio     "read $dev"   "$out_win.zst"
run_cell "read .zst: cancel while compressing" Read off source read  cancel  cancelled     "$out_win.zst"
run_cell "verify: EIO reading the image"     "Verify Only" off source read eio  "read $img"
run_cell "verify: EIO reading the drive"     "Verify Only" off target read eio  "read $dev"
run_cell "verify: short read"                "Verify Only" off target read short ok
run_cell "verify: cancel while verifying"    "Verify Only" off target read cancel cancelled
run_cell "hash drive: EIO"                   "Hash Drive" off source read eio   "read $dev"
run_cell "hash drive: ends early"            "Hash Drive" off source read end   "read $dev"
run_cell "hash drive: cancel while hashing"  "Hash Drive" off source read cancel cancelled

# A slow drive, cancelled with the Cancel button: the dialog is idle again at once.
echo "target write slow 0 1000" >"$plan"
drive_gui type "Image File" "$image_win" check "Verify after write" off click Write answer Yes wait-progress 1 threads click Cancel answer Yes wait-idle status controls threads
echo none >"$plan"
busy_threads=$(grep '^threads:' <<<"$out" | head -1 | grep -o '[0-9]*$')
check "the thread count sees the job's threads while it runs ($busy_threads)" test "${busy_threads:-0}" -gt "${idle_threads##* }"
check "a slow drive's Write is cancelled by the button" has "status: Cancelled"
check "after it the dialog is idle with its inputs enabled" test "$(grep '^controls:' <<<"$out")" = "$idle_controls"
check "after it no thread of the job is left" test "$(grep '^threads:' <<<"$out" | tail -1)" = "$idle_threads"
sleep 0.5; shot gui-fault-idle

drive_gui close
for _ in $(seq 1 50); do kill -0 "$gui_pid" 2>/dev/null || break; sleep 0.2; done
gui_pid=""
finish
