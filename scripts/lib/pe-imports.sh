# The DLLs a Windows .exe imports, read with x86_64-w64-mingw32-objdump -p, and those of
# them that Windows does not ship itself. Sourced by scripts/package and the ZIP's test.
# pe_imports FILE: the imported DLLs, one a line.
pe_imports() { x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p'; }
# pe_foreign_imports FILE: the imported DLLs that are not part of Windows (libcrypto,
# zlib1, libwinpthread, libgcc...); nothing for a .exe that runs on a bare Windows.
pe_foreign_imports() {
  pe_imports "$1" | grep -viE '^(kernel32|user32|gdi32|comctl32|comdlg32|shell32|advapi32|ole32|oleaut32|shlwapi|ws2_32|crypt32|bcrypt|msvcrt|ntdll|version|uxtheme|setupapi|cfgmgr32|api-ms-win-[a-z0-9-]+)\.dll$' || true
}
