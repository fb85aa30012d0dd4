/* The mapped-drive explanation (network_path.h): the decision and its wording are pure
 * and tested natively and under Wine; the Windows half only gathers the facts. */
#include "network_path.h"

#include <stdio.h>
#include <string.h>

#include "drive_probe.h"

char di_path_drive_letter(const char *path)
{
    if (!path) return '\0';
    char c = path[0];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c < 'A' || c > 'Z' || path[1] != ':') return '\0';
    return c;
}

bool di_unseen_network_drive_note(di_error *error, unsigned drive_type, const char *remote_path)
{
    char letter = di_path_drive_letter(error->path);
    unsigned open_error = (unsigned)error->os_code;
    /* Wine answers ERROR_NO_SUCH_DEVICE where Windows says the path is not found. */
    bool not_found = open_error == DI_WIN_ERROR_PATH_NOT_FOUND ||
                     open_error == DI_WIN_ERROR_FILE_NOT_FOUND ||
                     open_error == DI_WIN_ERROR_BAD_NETPATH ||
                     open_error == DI_WIN_ERROR_NO_SUCH_DEVICE;
    if (!letter || !not_found || drive_type != DI_DRIVE_NO_ROOT_DIR) return false;
    char drive[3] = {letter, ':', '\0'};
    if (!remote_path || !remote_path[0]) {
        di_error_reword(error, DI_REASON_UNSEEN_DRIVE_LETTER, DI_ARGS(di_text(drive)));
        return true;
    }
    /* "\\nas\public" + "\images\pi.img"; "Z:pi.img" (relative to Z:'s folder) becomes
     * "\\nas\public\pi.img", the mapping's root being the only folder known. */
    size_t n = strlen(remote_path);
    while (n > 0 && (remote_path[n - 1] == '\\' || remote_path[n - 1] == '/')) n--;
    const char *rest = error->path + 2;
    while (*rest == '\\' || *rest == '/') rest++;
    char share[1024], unc[1024];
    snprintf(share, sizeof share, "%.*s", (int)n, remote_path);
    snprintf(unc, sizeof unc, "%.*s%s%s", (int)n, remote_path, rest[0] ? "\\" : "", rest);
    for (char *p = unc; *p; p++)
        if (*p == '/') *p = '\\';
    di_error_reword(error, DI_REASON_MAPPED_DRIVE_UNSEEN,
           DI_ARGS(di_text(drive), di_text(share), di_text(unc)));
    return true;
}

bool di_unseen_network_drive_text(const char *path, unsigned open_error, unsigned drive_type,
                                  const char *remote_path, char *out, size_t out_size)
{
    if (out_size == 0) return false;
    di_error error;
    di_error_why_code(&error, DI_ERR_OPEN, DI_OP_OPEN, path, (int)open_error, DI_REASON_NONE,
                      DI_NO_ARGS);
    if (!di_unseen_network_drive_note(&error, drive_type, remote_path)) return false;
    snprintf(out, out_size, "%s", error.detail);
    return true;
}

#ifdef _WIN32
#include <windows.h>
#include <wchar.h>

#include "utf16.h"

di_status di_win_note_unseen_drive(di_status status, di_error *error)
{
    char letter = di_path_drive_letter(error->path);
    if (!letter || error->os_code == 0) return status;
    wchar_t root[4] = {(wchar_t)letter, L':', L'\\', 0}, key[16], remote[1024] = L"";
    UINT type = GetDriveTypeW(root);
    /* The same user's hive for an elevated process: the mappings are readable here. */
    swprintf(key, 16, L"Network\\%c", (wchar_t)letter);
    DWORD bytes = sizeof remote;
    char remote_utf8[1024] = "";
    if (RegGetValueW(HKEY_CURRENT_USER, key, L"RemotePath", RRF_RT_REG_SZ, NULL, remote,
                     &bytes) == ERROR_SUCCESS)
        di_utf16_to_utf8(remote, remote_utf8, sizeof remote_utf8);
    di_unseen_network_drive_note(error, type, remote_utf8);
    return status;
}
#endif
