# Sourced: wine_link_cjk_font PREFIX links WenQuanYi Micro Hei (Debian's
# fonts-wqy-microhei) behind the dialog fonts of the Wine prefix, as Windows links its
# CJK fonts behind Tahoma, so Chinese text shows as characters instead of boxes.
wine_link_cjk_font() {
  local prefix=$1 font face
  font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  [ -f "$font" ] || return 0
  # SystemLink names a file Wine looks for in the prefix's Fonts folder.
  mkdir -p "$prefix/drive_c/windows/Fonts"
  [ -f "$prefix/drive_c/windows/Fonts/wqy-microhei.ttc" ] || cp "$font" "$prefix/drive_c/windows/Fonts/"
  # Debian's Wine has no Tahoma, the face MS Shell Dlg 2 stands for, so the link behind
  # it is never consulted (WINEDEBUG=+font: "looking for file tahoma.ttf"): the dialog
  # font is replaced by WenQuanYi Micro Hei itself, which has Latin letters too.
  if ! [ -f "$prefix/drive_c/windows/Fonts/tahoma.ttf" ]; then
    WINEPREFIX=$prefix wine reg add 'HKCU\Software\Wine\Fonts\Replacements' \
      /v Tahoma /d 'WenQuanYi Micro Hei' /f >/dev/null 2>&1
  fi
  for face in "MS Shell Dlg" "MS Shell Dlg 2" "Tahoma" "Microsoft Sans Serif" "Segoe UI"; do
    WINEPREFIX=$prefix wine reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\FontLink\SystemLink' \
      /v "$face" /t REG_MULTI_SZ /d 'wqy-microhei.ttc,WenQuanYi Micro Hei' /f >/dev/null 2>&1
  done
}
