# FUSE cards under loop devices for the shell tests (support/fuse_card.py): sourced after
# $work (the test's folder, its current directory) and $support are set.
#   fuse_cards_missing       prints why cards cannot be made here and succeeds, or fails
#   card NAME SIZE [OPTS]    fuse_card.py at ./NAME, its bytes in NAME.bin, a loop device
#                            over it with direct I/O (field_test.sh says why): sets $dev
#   card_end NAME            undoes the last card made, and checks its program ended
#   fuse_cards_cleanup       undoes every card left (from the test's EXIT trap)
# No subshells: the lists stay in the test's shell.
fuse_py=/usr/bin/python3 # Debian's: python3-fusepy is installed for it, not for a pyenv python
loops=() fuse_mounts=() pids=()

fuse_cards_missing() {
  if [ ! -c /dev/fuse ]; then echo "/dev/fuse does not exist (no FUSE in this kernel or container)"
  elif [ ! -x "$fuse_py" ]; then echo "$fuse_py does not exist"
  elif ! "$fuse_py" -c 'try:
    import fuse
except ImportError:
    import fusepy' 2>/dev/null; then echo "fusepy is missing for $fuse_py (apt-get install python3-fusepy)"
  else return 1
  fi
}

card() { # NAME SIZE [fuse_card options]
  local name=$1 size=$2 i; shift 2
  mkdir -p "$name"
  "$fuse_py" "$support/fuse_card.py" "$work/$name" --size "$size" --backing "$work/$name.bin" \
    --ready-file "$work/$name.ready" "$@" 2>"$name.log" &
  pids+=($!); fuse_mounts+=("$work/$name")
  for ((i = 0; i < 100; i++)); do [ -e "$name.ready" ] && break; sleep 0.1; done
  [ -e "$name.ready" ] || { echo "    fuse_card did not start:"; cat "$name.log"; return 1; }
  dev=$(losetup -f --show --direct-io=on "$work/$name/card") || return 1
  loops+=("$dev")
}

# Detaches the loop device, unmounts the card (udev may still hold the device for a
# moment after the last write: then the loop goes on its last close and the unmount is
# retried), waits up to 10 s for its program to end, and takes all three off the lists
# (a pid waited for may be reused).
card_end() { # NAME
  local name=$1 pid=${pids[-1]} i
  losetup -d "$dev"
  for ((i = 0; i < 50; i++)); do umount "$work/$name" 2>/dev/null && break; sleep 0.1; done
  grep -qF " $work/$name " /proc/mounts && umount -l "$work/$name"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "    fuse_card for $name still runs 10 s after its unmount"; return 1; }
  wait "$pid"
  unset 'pids[-1]' 'loops[-1]' 'fuse_mounts[-1]'
}

fuse_cards_cleanup() {
  local l m p
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  # A card's program ends when its file system is unmounted; lazily if still busy.
  for m in "${fuse_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
