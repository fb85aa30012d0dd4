#define COBJMACROS
#include "file_dialog.h"

#include <shobjidl.h>
#include <wchar.h>

/* Write and Verify take compressed images as they are. */
static const COMDLG_FILTERSPEC open_filters[] = {
    {L"Disk images (*.img, *.iso, *.bin, *.xz, *.gz, *.zst, *.bz2, *.zip)",
     L"*.img;*.iso;*.bin;*.xz;*.gz;*.zst;*.bz2;*.zip"},
    {L"All files (*.*)", L"*.*"},
};

/* Read saves plain or compressed, as the chosen type says; the suffix makes it so. */
static const COMDLG_FILTERSPEC save_filters[] = {
    {L"Disk image (*.img)", L"*.img"},
    {L"Disk image, xz-compressed (*.img.xz)", L"*.img.xz"},
    {L"Disk image, zstd-compressed (*.img.zst)", L"*.img.zst"},
    {L"Disk image, gzip-compressed (*.img.gz)", L"*.img.gz"},
};
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
    if (for_saving) {
        IFileDialog_SetFileTypes(dialog, sizeof save_filters / sizeof save_filters[0], save_filters);
        IFileDialog_SetDefaultExtension(dialog, L"img");
    } else {
        IFileDialog_SetFileTypes(dialog, sizeof open_filters / sizeof open_filters[0], open_filters);
    }
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
