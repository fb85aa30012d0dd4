# Maps a drive letter in a Wine prefix to a plain file, as a removable drive
# (RECIPES.md): the letter's raw device (\\.\X:) opens the file. Sourced by scripts.
# Usage: wine_map_drive PREFIX LETTER DEVICE_FILE MOUNT_DIR
wine_map_drive() {
  local prefix=$1 letter=$2 file=$3 mount=$4
  mkdir -p "$mount" "$prefix/dosdevices"
  ln -sfn "$mount" "$prefix/dosdevices/$letter:"
  ln -sfn "$file" "$prefix/dosdevices/$letter::"
  WINEPREFIX=$prefix WINEDEBUG=-all wine reg add 'HKLM\Software\Wine\Drives' /v "$letter:" /d floppy /f >/dev/null 2>&1
  # The drive type is read when the server starts.
  WINEPREFIX=$prefix wineserver -k 2>/dev/null || true
}
