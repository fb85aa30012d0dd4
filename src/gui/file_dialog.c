#define COBJMACROS
#include "file_dialog.h"

#include <shobjidl.h>
#include <wchar.h>

#include "tr_wide.h"

/* Write and Verify take compressed images as they are; Read saves plain or compressed,
 * as the chosen type says (the suffix makes it so). Named in the dialog's language. */
static const wchar_t *const open_patterns[] = {L"*.img;*.iso;*.bin;*.xz;*.gz;*.zst;*.bz2;*.zip",
                                               L"*.*"};
static const text_id open_names[] = {T_FILTER_IMAGES, T_FILTER_ALL};
static const wchar_t *const save_patterns[] = {L"*.img", L"*.img.xz", L"*.img.zst", L"*.img.gz"};
static const text_id save_names[] = {T_FILTER_IMG, T_FILTER_IMG_XZ, T_FILTER_IMG_ZST,
                                     T_FILTER_IMG_GZ};
static const wchar_t *const save_suffixes[] = {L".img", L".img.xz", L".img.zst", L".img.gz"};

static bool ends_with(const wchar_t *s, const wchar_t *suffix)
{
    size_t n = wcslen(s), m = wcslen(suffix);
    return n >= m && _wcsicmp(s + n - m, suffix) == 0;
}

/* The save dialog's own extension handling knows one dot: ".img.xz" is completed here. */
static void complete_suffix(IFileDialog *dialog, wchar_t *path, size_t chars)
{
    UINT type = 0;
    if (FAILED(IFileDialog_GetFileTypeIndex(dialog, &type)) || type < 1 ||
        type > sizeof save_suffixes / sizeof save_suffixes[0])
        return;
    const wchar_t *suffix = save_suffixes[type - 1];
    if (ends_with(path, suffix)) return;
    /* "card.img" with the xz type becomes "card.img.xz", "card" becomes "card.img.xz". */
    const wchar_t *add = ends_with(path, L".img") ? suffix + 4 : suffix;
    if (wcslen(path) + wcslen(add) < chars) wcscat(path, add);
}

bool file_dialog_choose(HWND owner, bool for_saving, const wchar_t *start_folder, wchar_t *out,
                        size_t out_chars)
{
    IFileDialog *dialog = NULL;
    HRESULT hr = CoCreateInstance(for_saving ? &CLSID_FileSaveDialog : &CLSID_FileOpenDialog,
                                  NULL, CLSCTX_INPROC_SERVER, &IID_IFileDialog, (void **)&dialog);
    if (FAILED(hr)) return false;
    bool chosen = false;
    FILEOPENDIALOGOPTIONS options = 0;
    IFileDialog_GetOptions(dialog, &options);
    options |= FOS_FORCEFILESYSTEM | FOS_NOCHANGEDIR;
    options |= for_saving ? FOS_OVERWRITEPROMPT : FOS_FILEMUSTEXIST;
    IFileDialog_SetOptions(dialog, options);
    COMDLG_FILTERSPEC filters[4];
    UINT count = for_saving ? 4 : 2;
    for (UINT i = 0; i < count; i++) {
        filters[i].pszName = tr_w(for_saving ? save_names[i] : open_names[i]);
        filters[i].pszSpec = for_saving ? save_patterns[i] : open_patterns[i];
    }
    IFileDialog_SetFileTypes(dialog, count, filters);
    if (for_saving) IFileDialog_SetDefaultExtension(dialog, L"img");
    if (start_folder && start_folder[0]) {
        IShellItem *folder = NULL;
        if (SUCCEEDED(SHCreateItemFromParsingName(start_folder, NULL, &IID_IShellItem, (void **)&folder))) {
            IFileDialog_SetFolder(dialog, folder);
            IShellItem_Release(folder);
        }
    }
    if (SUCCEEDED(IFileDialog_Show(dialog, owner))) {
        IShellItem *item = NULL;
        if (SUCCEEDED(IFileDialog_GetResult(dialog, &item))) {
            wchar_t *path = NULL;
            if (SUCCEEDED(IShellItem_GetDisplayName(item, SIGDN_FILESYSPATH, &path))) {
                lstrcpynW(out, path, (int)out_chars);
                CoTaskMemFree(path);
                if (for_saving) complete_suffix(dialog, out, out_chars);
                chosen = true;
            }
            IShellItem_Release(item);
        }
    }
    IFileDialog_Release(dialog);
    return chosen;
}
