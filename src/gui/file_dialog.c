#define COBJMACROS
#include "file_dialog.h"

#include <shobjidl.h>

static const COMDLG_FILTERSPEC image_filters[] = {
    {L"Disk images (*.img, *.iso, *.bin)", L"*.img;*.iso;*.bin"},
    {L"All files (*.*)", L"*.*"},
};

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
    IFileDialog_SetFileTypes(dialog, 2, image_filters);
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
                chosen = true;
            }
            IShellItem_Release(item);
        }
    }
    IFileDialog_Release(dialog);
    return chosen;
}
