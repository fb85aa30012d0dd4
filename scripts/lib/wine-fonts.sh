# Sourced: wine_link_cjk_font PREFIX links WenQuanYi Micro Hei (Debian's
# fonts-wqy-microhei) behind the dialog fonts of the Wine prefix, as Windows links its
# CJK fonts behind Tahoma, so Chinese text shows as characters instead of boxes.
#
# How Wine 8 (win32u/font.c) treats the FontLink\SystemLink key:
# - a value named after a substituted face ("MS Shell Dlg", "MS Shell Dlg 2" -> Tahoma)
#   is skipped ("SystemLink entry for substituted font, ignoring");
# - the values "Tahoma", "Microsoft Sans Serif" and "Lucida Sans Unicode" are rewritten
#   with Wine's own lists (SIMSUN.TTC,SimSun ...) by any process that finds the code
#   page changed (HKCU\Software\Wine\Fonts "Codepages", e.g. a run with another LANG
#   such as gui_lang_test's LANG=de_DE), so a link written there does not last;
# - at every start Wine itself links Tahoma, Microsoft Sans Serif and Lucida Sans
#   Unicode to the families "MS UI Gothic", "SimSun", "Gulim", "PMingLiU", looked up
#   by name (and CJK code pages use SimSun & co. as MS Shell Dlg itself).
# So WenQuanYi Micro Hei goes in as the SimSun family (HKCU\Software\Wine\Fonts\
# Replacements, which Wine never rewrites): behind Tahoma as Wine's own link. Debian's
# Wine has no Tahoma, so the dialog font falls back to that linked family, Latin
# included; were a Tahoma installed, it would keep its Latin and take CJK from the link.
# Read when a process starts: no wineserver restart needed.
wine_link_cjk_font() {
  local prefix=$1 font
  font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  [ -f "$font" ] || return 0
  mkdir -p "$prefix/drive_c/windows/Fonts"
  [ -f "$prefix/drive_c/windows/Fonts/wqy-microhei.ttc" ] || cp "$font" "$prefix/drive_c/windows/Fonts/"
  WINEPREFIX=$prefix wine reg add 'HKCU\Software\Wine\Fonts\Replacements' \
    /v SimSun /d 'WenQuanYi Micro Hei' /f >/dev/null 2>&1
}
