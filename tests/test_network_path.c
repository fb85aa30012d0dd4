/* An image on a mapped network drive that the elevated program cannot see: the
 * decision and its wording over recorded answers (the open's error, GetDriveTypeW of
 * the letter, the user's HKCU\Network\<letter>\RemotePath). Natively and under Wine;
 * under Wine, di_win_note_unseen_drive also meets a real unseen letter. */
#include <stdio.h>

#include "check.h"
#include "platform/win32/drive_probe.h"
#include "platform/win32/network_path.h"

#ifdef _WIN32
#include <windows.h>

#include "diskimager/device.h"
#endif

static void the_drive_letter_of_a_path(void)
{
    CHECK(di_path_drive_letter("Z:\\images\\pi.img") == 'Z');
    CHECK(di_path_drive_letter("z:/images/pi.img") == 'Z');
    CHECK(di_path_drive_letter("Z:pi.img") == 'Z');
    CHECK(di_path_drive_letter("\\\\nas\\public\\pi.img") == '\0');
    CHECK(di_path_drive_letter("\\\\.\\E:") == '\0');
    CHECK(di_path_drive_letter("images\\pi.img") == '\0');
    CHECK(di_path_drive_letter("1:\\x") == '\0');
    CHECK(di_path_drive_letter("") == '\0');
    CHECK(di_path_drive_letter(NULL) == '\0');
}

static void a_mapped_drive_names_the_share(void)
{
    char text[512] = "";
    /* Z: mapped to \\nas\public by the user; elevated, Z:\ has no root:
     * CreateFileW says ERROR_PATH_NOT_FOUND. */
    CHECK(di_unseen_network_drive_text("Z:\\images\\pi.img", DI_WIN_ERROR_PATH_NOT_FOUND,
                                       DI_DRIVE_NO_ROOT_DIR, "\\\\nas\\public", text,
                                       sizeof text));
    CHECK_STR(text, "Z: is a network drive mapped to \\\\nas\\public in your own "
                    "(non-elevated) session; this program runs as administrator and cannot "
                    "see it. Use the network path instead: \\\\nas\\public\\images\\pi.img");
    /* A RemotePath with a trailing backslash, forward slashes in the path, another
     * error for the same thing. */
    CHECK(di_unseen_network_drive_text("y:/Raspberry Pi/os.img.xz", DI_WIN_ERROR_BAD_NETPATH,
                                       DI_DRIVE_NO_ROOT_DIR, "\\\\server\\share\\", text,
                                       sizeof text));
    CHECK_CONTAINS(text, "Y: is a network drive mapped to \\\\server\\share in");
    CHECK_CONTAINS(text, "instead: \\\\server\\share\\Raspberry Pi\\os.img.xz");
    /* The mapping's root itself. */
    CHECK(di_unseen_network_drive_text("Z:\\", DI_WIN_ERROR_FILE_NOT_FOUND, DI_DRIVE_NO_ROOT_DIR,
                                       "\\\\nas\\public", text, sizeof text));
    CHECK_CONTAINS(text, "instead: \\\\nas\\public");
    CHECK(strstr(text, "public\\") == NULL);
    /* Wine's answer for a letter that does not exist. */
    CHECK(di_unseen_network_drive_text("Q:\\pi.img", DI_WIN_ERROR_NO_SUCH_DEVICE,
                                       DI_DRIVE_NO_ROOT_DIR, "\\\\nas\\q", text, sizeof text));
    CHECK_CONTAINS(text, "\\\\nas\\q\\pi.img");
}

static void an_unknown_mapping_still_says_what_to_try(void)
{
    char text[512] = "";
    CHECK(di_unseen_network_drive_text("Z:\\images\\pi.img", DI_WIN_ERROR_PATH_NOT_FOUND,
                                       DI_DRIVE_NO_ROOT_DIR, "", text, sizeof text));
    CHECK_STR(text, "this program cannot see a drive Z:. If Z: is a mapped network drive: "
                    "mapped drives belong to your own (non-elevated) session, and this program "
                    "runs as administrator; use the network path (\\\\server\\share\\...) "
                    "instead");
    CHECK(di_unseen_network_drive_text("Z:\\pi.img", DI_WIN_ERROR_PATH_NOT_FOUND,
                                       DI_DRIVE_NO_ROOT_DIR, NULL, text, sizeof text));
}

static void other_failures_are_left_alone(void)
{
    char text[64] = "unchanged";
    /* The drive is there (the file is missing, or the share is seen): not this. */
    CHECK(!di_unseen_network_drive_text("Z:\\images\\pi.img", DI_WIN_ERROR_FILE_NOT_FOUND,
                                        DI_DRIVE_REMOTE, "\\\\nas\\public", text, sizeof text));
    CHECK(!di_unseen_network_drive_text("C:\\images\\pi.img", DI_WIN_ERROR_FILE_NOT_FOUND,
                                        DI_DRIVE_FIXED, NULL, text, sizeof text));
    /* Another error. */
    CHECK(!di_unseen_network_drive_text("Z:\\images\\pi.img", DI_WIN_ERROR_ACCESS_DENIED,
                                        DI_DRIVE_NO_ROOT_DIR, "\\\\nas\\public", text,
                                        sizeof text));
    /* Paths without a letter. */
    CHECK(!di_unseen_network_drive_text("\\\\nas\\public\\pi.img", DI_WIN_ERROR_BAD_NETPATH,
                                        DI_DRIVE_NO_ROOT_DIR, NULL, text, sizeof text));
    CHECK(!di_unseen_network_drive_text("pi.img", DI_WIN_ERROR_FILE_NOT_FOUND,
                                        DI_DRIVE_NO_ROOT_DIR, NULL, text, sizeof text));
    CHECK_STR(text, "unchanged");
}

static void an_open_through_the_device_layer(void)
{
#ifdef _WIN32
    /* Q: is mapped for this user (the registry says so) but does not exist in this
     * session, as an elevated process sees a mapped drive. Under Wine this is real. */
    HKEY key;
    bool made = RegCreateKeyExW(HKEY_CURRENT_USER, L"Network\\Q", 0, NULL, 0, KEY_WRITE, NULL,
                                &key, NULL) == ERROR_SUCCESS;
    if (made) {
        const wchar_t remote[] = L"\\\\nas\\images";
        RegSetValueExW(key, L"RemotePath", 0, REG_SZ, (const BYTE *)remote, sizeof remote);
        RegCloseKey(key);
    }
    CHECK(made);
    if (GetDriveTypeW(L"Q:\\") != DRIVE_NO_ROOT_DIR) {
        printf("note: Q: exists here; the open through the device layer is not checked\n");
    } else {
        di_device *dev = NULL;
        di_error error;
        di_error_clear(&error);
        di_open_options options = {.mode = DI_OPEN_READ};
        CHECK(di_device_open("Q:\\pi\\pi.img", &options, &dev, &error) == DI_ERR_OPEN);
        char text[1024];
        CHECK_CONTAINS(di_error_format(&error, text, sizeof text),
                       "open failed on Q:\\pi\\pi.img: Q: is a network drive mapped to "
                       "\\\\nas\\images in your own (non-elevated) session");
        CHECK_CONTAINS(text, "Use the network path instead: \\\\nas\\images\\pi\\pi.img");
        di_device_close(dev);
    }
    RegDeleteKeyW(HKEY_CURRENT_USER, L"Network\\Q");
#else
    printf("note: the open through the Windows device layer is checked in the Windows build\n");
#endif
}

/* The note gives the error its reason as data and keeps the rest of the failure. */
static void the_note_keeps_the_failure(void)
{
    di_error error;
    di_error_why_code(&error, DI_ERR_OPEN, DI_OP_OPEN_IMAGE, "Z:\\images\\pi.img",
                      DI_WIN_ERROR_PATH_NOT_FOUND, DI_REASON_NONE, DI_NO_ARGS);
    di_error_at(&error, 4096);
    error.fault = DI_FAULT_TRANSIENT;
    CHECK(di_unseen_network_drive_note(&error, DI_DRIVE_NO_ROOT_DIR, "\\\\nas\\public"));
    CHECK_U64(error.reason, DI_REASON_MAPPED_DRIVE_UNSEEN);
    CHECK_U64(error.op, DI_OP_OPEN_IMAGE);
    CHECK_U64(error.status, DI_ERR_OPEN);
    CHECK_U64(error.os_code, DI_WIN_ERROR_PATH_NOT_FOUND);
    CHECK_U64(error.fault, DI_FAULT_TRANSIENT);
    CHECK(error.has_offset);
    CHECK_U64(error.offset, 4096);
    CHECK_STR(error.path, "Z:\\images\\pi.img");
    CHECK_U64(error.arg_count, 3);
    /* Unknown mapping: the letter alone. */
    CHECK(di_unseen_network_drive_note(&error, DI_DRIVE_NO_ROOT_DIR, ""));
    CHECK_U64(error.reason, DI_REASON_UNSEEN_DRIVE_LETTER);
    CHECK_U64(error.arg_count, 1);
    CHECK_U64(error.os_code, DI_WIN_ERROR_PATH_NOT_FOUND);
    /* Another failure: untouched. */
    di_error_why_code(&error, DI_ERR_OPEN, DI_OP_OPEN, "Z:\\pi.img", DI_WIN_ERROR_ACCESS_DENIED,
                      DI_REASON_NONE, DI_NO_ARGS);
    CHECK(!di_unseen_network_drive_note(&error, DI_DRIVE_NO_ROOT_DIR, "\\\\nas\\public"));
    CHECK_U64(error.reason, DI_REASON_NONE);
}

static const test_case tests[] = {
    {"the_drive_letter_of_a_path", the_drive_letter_of_a_path},
    {"a_mapped_drive_names_the_share", a_mapped_drive_names_the_share},
    {"an_unknown_mapping_still_says_what_to_try", an_unknown_mapping_still_says_what_to_try},
    {"other_failures_are_left_alone", other_failures_are_left_alone},
    {"an_open_through_the_device_layer", an_open_through_the_device_layer},
    {"the_note_keeps_the_failure", the_note_keeps_the_failure},
};
TEST_MAIN(tests)
