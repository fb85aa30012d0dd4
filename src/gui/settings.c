/* Kept under HKEY_CURRENT_USER\Software\diskimager\Win32DiskImager. */
#include "settings.h"

#include <windows.h>

#include "hash_choices.h"

#define SETTINGS_KEY L"Software\\diskimager\\Win32DiskImager"

static DWORD read_dword(HKEY key, const wchar_t *name, DWORD fallback)
{
    DWORD value = 0, size = sizeof value;
    if (RegGetValueW(key, NULL, name, RRF_RT_REG_DWORD, NULL, &value, &size) != ERROR_SUCCESS)
        return fallback;
    return value;
}

void settings_load(gui_settings *s)
{
    ZeroMemory(s, sizeof *s);
    s->hash_enabled = true;
    s->verify_after_write = true;
    HKEY key;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, SETTINGS_KEY, 0, KEY_READ, &key) != ERROR_SUCCESS) return;
    DWORD size = sizeof s->last_folder;
    if (RegGetValueW(key, NULL, L"LastFolder", RRF_RT_REG_SZ, NULL, s->last_folder, &size) !=
        ERROR_SUCCESS)
        s->last_folder[0] = L'\0';
    s->hash_enabled = read_dword(key, L"HashEnabled", 1) != 0;
    s->hash_algorithm = (int)read_dword(key, L"HashAlgorithm", 0);
    s->hash_algorithm = hash_choice_index(s->hash_algorithm);
    s->verify_after_write = read_dword(key, L"VerifyAfterWrite", 1) != 0;
    s->eject_when_done = read_dword(key, L"EjectWhenDone", 0) != 0;
    s->make_bmap = read_dword(key, L"MakeBmap", 0) != 0;
    wchar_t language[8];
    size = sizeof language;
    if (RegGetValueW(key, NULL, L"Language", RRF_RT_REG_SZ, NULL, language, &size) == ERROR_SUCCESS)
        WideCharToMultiByte(CP_UTF8, 0, language, -1, s->language, sizeof s->language, NULL, NULL);
    RegCloseKey(key);
}

void settings_save(const gui_settings *s)
{
    HKEY key;
    if (RegCreateKeyExW(HKEY_CURRENT_USER, SETTINGS_KEY, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL) !=
        ERROR_SUCCESS)
        return;
    RegSetValueExW(key, L"LastFolder", 0, REG_SZ, (const BYTE *)s->last_folder,
                   (DWORD)((wcslen(s->last_folder) + 1) * sizeof(wchar_t)));
    DWORD v = s->hash_enabled;
    RegSetValueExW(key, L"HashEnabled", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    v = (DWORD)s->hash_algorithm;
    RegSetValueExW(key, L"HashAlgorithm", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    v = s->verify_after_write;
    RegSetValueExW(key, L"VerifyAfterWrite", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    v = s->eject_when_done;
    RegSetValueExW(key, L"EjectWhenDone", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    v = s->make_bmap;
    RegSetValueExW(key, L"MakeBmap", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    wchar_t language[8];
    MultiByteToWideChar(CP_UTF8, 0, s->language, -1, language, 8);
    RegSetValueExW(key, L"Language", 0, REG_SZ, (const BYTE *)language,
                   (DWORD)((wcslen(language) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
}
