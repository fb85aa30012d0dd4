/* The dialog: inputs, the three jobs, confirmation before anything is overwritten,
 * progress from the job's counters on a timer, the result from WM_APP_JOB_DONE. */
#include "main_dialog.h"

#include <commctrl.h>
#include <dbt.h>
#include <shellapi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_messages.h"
#include "diskimager/bmap.h"
#include "diskimager/checksum.h"
#include "diskimager/companions.h"
#include "diskimager/compression.h"
#include "diskimager/units.h"
#include "drive_combo.h"
#include "file_dialog.h"
#include "member_dialog.h"
#include "gui_job.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "settings.h"
#include "status_text.h"
#include "taskbar.h"

/* The one version: project(VERSION) in CMakeLists.txt, also in VERSIONINFO and the ZIP's name. */
#ifndef DISKIMAGER_VERSION
#error "DISKIMAGER_VERSION is defined by CMakeLists.txt from project(VERSION)"
#endif
#define APP_TITLE L"Win32 Disk Imager"
#define TEXT_MAX 4096

static const di_hash_alg hash_choices[] = {DI_HASH_MD5, DI_HASH_SHA1, DI_HASH_SHA256};
static const wchar_t *const hash_labels[] = {L"MD5", L"SHA-1", L"SHA-256"};

typedef enum match_state { MATCH_NONE = 0, MATCH_OK, MATCH_BAD } match_state;

typedef struct dialog_state {
    HWND hwnd;
    match_state match;       /* colours the match line: green or red */
    di_expected_hash expected; /* what the running job checks against */
    char last_image[DI_PATH_MAX];     /* of the running job, to offer a retry */
    char last_drive[DI_PATH_MAX];
    gui_settings settings;
    drive_list drives;
    gui_job *job;
    bool close_when_done;
    bool drives_changed_during_job;
    UINT autoplay_message;   /* "QueryCancelAutoPlay" */
    char zip_member[256];    /* of the image about to be written or verified */
    di_bmap_location bmap;   /* the block map beside it or in its archive; path "" if none */
} dialog_state;

static dialog_state state;

/* ---- small helpers ---- */

static HWND item(int id)
{
    return GetDlgItem(state.hwnd, id);
}

/* printf into UTF-16 for the W APIs; the caller frees. */
static wchar_t *format_wide(const char *fmt, va_list args)
{
    char text[TEXT_MAX];
    vsnprintf(text, sizeof text, fmt, args);
    return di_utf8_to_utf16(text);
}

static int message(UINT flags, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    int answer = MessageBoxW(state.hwnd, wide ? wide : L"?", APP_TITLE, flags);
    free(wide);
    return answer;
}

static void set_status(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    SetDlgItemTextW(state.hwnd, IDC_STATUS, wide ? wide : L"");
    free(wide);
}

static void get_text_utf8(int id, char *out, size_t size)
{
    wchar_t wide[DI_PATH_MAX];
    GetDlgItemTextW(state.hwnd, id, wide, DI_PATH_MAX);
    /* People paste paths in quotes from Explorer's "Copy as path". */
    wchar_t *start = wide;
    size_t n = wcslen(start);
    while (n && (start[n - 1] == L' ' || start[n - 1] == L'"')) start[--n] = L'\0';
    while (*start == L' ' || *start == L'"') start++;
    di_utf16_to_utf8(start, out, size);
}

static bool checked(int id)
{
    return IsDlgButtonChecked(state.hwnd, id) == BST_CHECKED;
}

static unsigned hash_mask(void)
{
    if (!checked(IDC_HASH_CHECK)) return 0;
    LRESULT at = SendMessageW(item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    if (at < 0 || at >= 3) at = 0;
    return DI_HASH_BIT(hash_choices[at]);
}

static void set_busy(bool busy)
{
    static const int inputs[] = {IDC_IMAGE_EDIT, IDC_BROWSE, IDC_DEVICE_COMBO, IDC_SHOW_ALL,
                                 IDC_EXPECTED_EDIT, IDC_ALLOCATED_ONLY,
                                 IDC_HASH_CHECK, IDC_VERIFY_AFTER, IDC_EJECT, IDC_READ, IDC_WRITE,
                                 IDC_VERIFY, IDC_COPY, IDC_HASH_DRIVE};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        EnableWindow(item(inputs[i]), !busy);
    EnableWindow(item(IDC_HASH_ALG), !busy && checked(IDC_HASH_CHECK));
    /* The backup GPT moves only once the write has been verified. */
    EnableWindow(item(IDC_MOVE_GPT), !busy && checked(IDC_VERIFY_AFTER));
    EnableWindow(item(IDC_CANCEL_JOB), busy);
    DragAcceptFiles(state.hwnd, !busy);
}

/* ---- inputs ---- */

typedef enum image_use { IMAGE_TO_READ_FROM, IMAGE_TO_CREATE } image_use;

typedef struct path_facts {
    bool exists;
    bool is_folder;
    uint64_t size;
} path_facts;

static path_facts facts_of(const char *path)
{
    path_facts facts = {0};
    wchar_t *wide = path[0] ? di_utf8_to_utf16(path) : NULL;
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (wide && GetFileAttributesExW(wide, GetFileExInfoStandard, &data)) {
        facts.exists = true;
        facts.is_folder = (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
        facts.size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    }
    free(wide);
    return facts;
}

/* Checks the image path; says what is wrong, naming the file, and returns false. */
static bool check_image(const char *path, image_use use)
{
    if (!path[0]) {
        message(MB_OK | MB_ICONWARNING, "Please choose an image file first: type its path, "
                                        "use Browse, or drop the file on this window.");
        return false;
    }
    path_facts facts = facts_of(path);
    if (facts.is_folder) {
        message(MB_OK | MB_ICONWARNING, "%s is a folder, not an image file.", path);
        return false;
    }
    if (use == IMAGE_TO_CREATE) return true;
    if (!facts.exists) {
        message(MB_OK | MB_ICONWARNING, "The image file %s does not exist.", path);
        return false;
    }
    if (facts.size == 0) {
        message(MB_OK | MB_ICONWARNING, "The image file %s is empty: there is nothing to %s.",
                path, "write or verify");
        return false;
    }
    return true;
}

static const di_drive_info *check_device(void)
{
    const di_drive_info *drive = drive_combo_selected(item(IDC_DEVICE_COMBO), &state.drives);
    if (!drive)
        message(MB_OK | MB_ICONWARNING, "Please choose a device: insert an SD card or USB drive "
                                        "and pick it in the Device box.");
    return drive;
}

static void remember_folder(const char *image_path)
{
    wchar_t *wide = di_utf8_to_utf16(image_path);
    if (!wide) return;
    wchar_t *slash = wcsrchr(wide, L'\\');
    if (slash) {
        *slash = L'\0';
        lstrcpynW(state.settings.last_folder, wide, 1024);
    }
    free(wide);
}

/* The digest to check: the one typed in the Expected hash box, else one published
 * beside the image (pi.img.sha256, SHA256SUMS, ...). False when the typed one is not
 * a digest. */
static bool find_expectation(const char *image, bool image_exists)
{
    char typed[512];
    get_text_utf8(IDC_EXPECTED_EDIT, typed, sizeof typed);
    memset(&state.expected, 0, sizeof state.expected);
    if (typed[0]) {
        if (di_expected_from_hex(typed, &state.expected)) return true;
        message(MB_OK | MB_ICONWARNING, "The expected hash \"%s\" is not an MD5, SHA-1, SHA-256 or "
                                        "SHA-512 digest (32, 40, 64 or 128 hex digits).", typed);
        return false;
    }
    if (image_exists) di_checksum_find_for_image(image, state.zip_member, &state.expected);
    return true;
}

/* ---- starting jobs ---- */

static void start_job(di_job_kind kind, const char *image, const di_drive_info *drive,
                      bool whole_drive, uint64_t hash_drive_bytes)
{
    snprintf(state.last_image, sizeof state.last_image, "%s", image);
    snprintf(state.last_drive, sizeof state.last_drive, "%s", drive->path);
    di_job_spec spec = {.kind = kind, .hash_mask = hash_mask()};
    if (kind == DI_JOB_READ) {
        spec.source_path = drive->path;
        spec.target_path = image;
        spec.allocated_only = checked(IDC_ALLOCATED_ONLY) && !whole_drive;
    } else if (kind == DI_JOB_HASH) {
        /* The drive's first image-size bytes prove it holds the image; with no image,
         * the whole drive is hashed, to identify it. */
        spec.source_path = drive->path;
        spec.read_size = hash_drive_bytes;
        if (!spec.hash_mask) spec.hash_mask = DI_HASH_BIT(DI_HASH_MD5);
    } else {
        spec.source_path = image;
        spec.target_path = drive->path;
        spec.zip_member = state.zip_member[0] ? state.zip_member : NULL;
        if (kind == DI_JOB_WRITE) {
            /* Stops if another card was put in since the list was made. */
            spec.expect_size = drive->size;
            spec.expect_model = drive->model[0] ? drive->model : NULL;
            spec.expect_serial = drive->serial[0] ? drive->serial : NULL;
        }
        /* A bmap beside the image: only the mapped blocks are written and compared. */
        memset(&state.bmap, 0, sizeof state.bmap);
        if (di_bmap_find_for_image(image, state.zip_member, &state.bmap)) {
            spec.bmap_path = state.bmap.path;
            spec.bmap_member = state.bmap.member[0] ? state.bmap.member : NULL;
        }
        spec.verify_after_write = kind == DI_JOB_WRITE && checked(IDC_VERIFY_AFTER);
        spec.move_gpt_backup = spec.verify_after_write && checked(IDC_MOVE_GPT);
        spec.eject = kind == DI_JOB_WRITE && checked(IDC_EJECT);
    }
    SetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, L"");
    SetDlgItemTextW(state.hwnd, IDC_MATCH, L"");
    state.match = MATCH_NONE;
    spec.expected = state.expected;
    state.job = gui_job_start(&spec, state.hwnd);
    if (!state.job) {
        message(MB_OK | MB_ICONERROR, "Could not start the job: out of memory or threads.");
        return;
    }
    remember_folder(image);
    SendMessageW(item(IDC_PROGRESS), PBM_SETPOS, 0, 0);
    set_status("Starting\xE2\x80\xA6");
    set_busy(true);
    SetTimer(state.hwnd, TIMER_PROGRESS, TIMER_PROGRESS_MS, NULL);
}

static void on_write(void)
{
    char image[DI_PATH_MAX], size[32];
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    /* The file of an archive first: a checksum in the archive names it. */
    if (!check_image(image, IMAGE_TO_READ_FROM) ||
        !member_dialog_choose(state.hwnd, image, state.zip_member, sizeof state.zip_member) ||
        !find_expectation(image, true))
        return;
    const di_drive_info *drive = check_device();
    if (!drive) return;
    if (message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2,
                "Writing to %s will destroy everything on it (%s%s%s).\n\n"
                "Write %s to this device?",
                drive->label[0] ? drive->label : drive->path,
                drive->model[0] ? drive->model : "unknown model",
                drive->mounts[0] ? ", " : "", drive->mounts, image) != IDYES) {
        set_status("Nothing was written.");
        return;
    }
    if (!drive->removable &&
        message(MB_YESNO | MB_ICONSTOP | MB_DEFBUTTON2,
                "%s is a FIXED disk (%s), not a removable drive.\n\nAre you absolutely sure "
                "you want to overwrite it?",
                drive->path, di_format_size(drive->size, size, sizeof size)) != IDYES) {
        set_status("Nothing was written.");
        return;
    }
    start_job(DI_JOB_WRITE, image, drive, false, 0);
}

static void on_read(void)
{
    char image[DI_PATH_MAX];
    bool overwrite_confirmed = false;
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    if (!image[0]) {
        /* Nothing typed: ask where to save, in a dialog that confirms overwriting. */
        wchar_t path[DI_PATH_MAX];
        if (!file_dialog_choose(state.hwnd, true, state.settings.last_folder, path, DI_PATH_MAX))
            return;
        SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
        di_utf16_to_utf8(path, image, sizeof image);
        overwrite_confirmed = true;
    }
    if (!check_image(image, IMAGE_TO_CREATE) || !find_expectation(image, false)) return;
    const di_drive_info *drive = check_device();
    if (!drive) return;
    if (facts_of(image).exists && !overwrite_confirmed && message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2,
                          "%s already exists.\n\nReplace it with an image of %s?", image,
                          drive->label[0] ? drive->label : drive->path) != IDYES) {
        set_status("Nothing was read: %s was left as it was.", image);
        return;
    }
    start_job(DI_JOB_READ, image, drive, false, 0);
}

static void on_verify(void)
{
    char image[DI_PATH_MAX];
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    /* The file of an archive first: a checksum in the archive names it. */
    if (!check_image(image, IMAGE_TO_READ_FROM) ||
        !member_dialog_choose(state.hwnd, image, state.zip_member, sizeof state.zip_member) ||
        !find_expectation(image, true))
        return;
    const di_drive_info *drive = check_device();
    if (drive) start_job(DI_JOB_VERIFY, image, drive, false, 0);
}

static void on_hash_drive(void)
{
    char image[DI_PATH_MAX];
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    path_facts facts = facts_of(image);
    bool image_exists = facts.exists && !facts.is_folder;
    uint64_t bytes = 0;
    /* A compressed image: the size of the image inside, where the file records it. */
    if (image_exists &&
        !member_dialog_choose(state.hwnd, image, state.zip_member, sizeof state.zip_member))
        return; /* the user cancelled the choice of a zip's file */
    if (!find_expectation(image, image_exists)) return;
    if (image_exists && !di_image_size_of_file(image, state.zip_member, &bytes)) {
        message(MB_OK | MB_ICONWARNING, "%s does not record the size of the image inside it, "
                "so the drive's first image-size bytes cannot be told. Write or Verify Only "
                "compares the drive with it instead.", image);
        return;
    }
    const di_drive_info *drive = check_device();
    if (!drive) return;
    if (bytes > drive->size) {
        message(MB_OK | MB_ICONWARNING, "The image %s is larger than %s: the drive cannot hold it.",
                image, drive->label[0] ? drive->label : drive->path);
        return;
    }
    start_job(DI_JOB_HASH, image, drive, false, bytes);
}

static void on_browse(void)
{
    wchar_t path[DI_PATH_MAX];
    if (file_dialog_choose(state.hwnd, false, state.settings.last_folder, path, DI_PATH_MAX))
        SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
}

static bool confirm_stop(void)
{
    return message(MB_YESNO | MB_ICONQUESTION | MB_DEFBUTTON2,
                   "Stop the job now?\n\nA device being written will hold a partial image; "
                   "a partial image being read will be deleted.") == IDYES;
}

static void on_cancel(void)
{
    if (!state.job || !confirm_stop()) return;
    di_job_cancel(state.job->job);
    EnableWindow(item(IDC_CANCEL_JOB), FALSE);
    set_status("Cancelling\xE2\x80\xA6");
}

static void copy_hash(void)
{
    wchar_t text[DI_HASH_HEX_MAX + 16];
    int n = GetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, text, DI_HASH_HEX_MAX + 16);
    if (n <= 0 || !OpenClipboard(state.hwnd)) return;
    EmptyClipboard();
    HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)n + 1) * sizeof(wchar_t));
    if (mem) {
        memcpy(GlobalLock(mem), text, ((size_t)n + 1) * sizeof(wchar_t));
        GlobalUnlock(mem);
        if (!SetClipboardData(CF_UNICODETEXT, mem)) GlobalFree(mem);
    }
    CloseClipboard();
}

static void set_match_text(const char *text)
{
    wchar_t *wide = di_utf8_to_utf16(text);
    SetDlgItemTextW(state.hwnd, IDC_MATCH, wide ? wide : L"");
    free(wide);
}

/* ---- progress and the end of a job ---- */

static void on_timer(void)
{
    if (!state.job) return;
    di_progress p;
    di_job_progress(state.job->job, &p);
    char line[256];
    SendMessageW(item(IDC_PROGRESS), PBM_SETPOS,
                 (WPARAM)di_progress_position(p.bytes_done, p.bytes_total), 0);
    if (p.bytes_total || p.retrying) set_status("%s", di_status_line(&p, line, sizeof line));
    taskbar_progress(state.hwnd, p.bytes_done, p.bytes_total);
}

static const char *hash_of(const di_result *r, char *alg_out, size_t size)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if ((r->hash_mask & DI_HASH_BIT(i)) && r->hashes[i][0]) {
            snprintf(alg_out, size, "%s", i == DI_HASH_MD5 ? "MD5" : i == DI_HASH_SHA1 ? "SHA-1"
                                                               : i == DI_HASH_SHA256 ? "SHA-256"
                                                                                     : "SHA-512");
            return r->hashes[i];
        }
    }
    return NULL;
}

/* A Read into a compressed file was looked at first: it may not fit (its size is not
 * known beforehand). Said whether it then succeeded or failed for want of room. */
static void append_room_warnings(const di_result *r, char *box, size_t size)
{
    char a[32], b[32];
    size_t used = strlen(box);
    if ((r->warnings & DI_WARN_OUTPUT_MAY_NOT_FIT) && used < size)
        used += (size_t)snprintf(box + used, size - used,
                                 "\n\nOnly %s were free for the image, less than the %s read: "
                                 "a compressed image fits only if it is smaller.",
                                 di_format_size(r->destination_free, a, sizeof a),
                                 di_format_size(r->image_bytes, b, sizeof b));
    if ((r->warnings & DI_WARN_FAT_FILE_LIMIT) && used < size)
        snprintf(box + used, size - used,
                 "\n\nThe image's folder is on a FAT file system, where a file cannot reach "
                 "4 GiB: the %s read fits only if it compresses below that.",
                 di_format_size(r->image_bytes, b, sizeof b));
}

/* What the drive did on the way: requests retried after transient errors, a reader that
 * refused unbuffered I/O. */
static void append_drive_notes(const di_result *r, char *box, size_t size)
{
    size_t used = strlen(box);
    if (r->retries && used < size)
        used += (size_t)snprintf(box + used, size - used,
                                 "\n\nThe drive was waited for: %u retr%s after errors that "
                                 "passed (a drive waking up or being mounted).",
                                 r->retries, r->retries == 1 ? "y" : "ies");
    if ((r->warnings & DI_WARN_BUFFERED_IO) && used < size)
        snprintf(box + used, size - used,
                 "\n\nThe drive's reader refused unbuffered I/O: the rest of the job went "
                 "through Windows' cache (written through and flushed).");
}

/* "Eject when done": the card was ejected, or it could not be (the write stands). */
static void append_eject_note(const di_result *r, char *box, size_t size)
{
    char text[2048];
    size_t used = strlen(box);
    if (used >= size) return;
    if (r->ejected)
        snprintf(box + used, size - used, "\n\nThe card was ejected: it can be taken out.");
    else if (r->warnings & DI_WARN_EJECT_FAILED)
        snprintf(box + used, size - used,
                 "\n\nThe card could not be ejected (it was written all the same): %s",
                 di_error_format(&r->eject_error, text, sizeof text));
}

static void on_job_done(gui_job *gj)
{
    KillTimer(state.hwnd, TIMER_PROGRESS);
    di_progress p;
    di_job_progress(gj->job, &p);
    const di_result *r = di_job_result(gj->job);
    char alg[16], text[2048], size[32], rate[32], box[TEXT_MAX] = "";
    UINT box_flags = MB_OK | MB_ICONINFORMATION;
    bool retry_whole = false;
    const char *hash = hash_of(r, alg, sizeof alg);
    static const char *const done_words[] = {"Write", "Read", "Verify", "Drive hash"};
    const char *what = done_words[gj->kind];

    if (r->status == DI_OK) {
        SendMessageW(item(IDC_PROGRESS), PBM_SETPOS, DI_PROGRESS_RANGE, 0);
        if (hash) {
            wchar_t *wide = di_utf8_to_utf16(hash);
            SetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, wide ? wide : L"");
            free(wide);
        }
        taskbar_clear(state.hwnd);
        char match[1024] = "";
        if (r->expected_checked) {
            const char *from = state.expected.source[0] ? state.expected.source : "the expected hash";
            const char *alg_name = di_hash_name(state.expected.alg);
            state.match = r->expected_match ? MATCH_OK : MATCH_BAD;
            if (r->expected_match) {
                set_match_text("\xE2\x9C\x93 match");
                snprintf(match, sizeof match, "\n\nThe %s%s matches %s.", alg_name,
                         r->expected_matched_file ? " of the compressed file" : "", from);
            } else {
                set_match_text("\xE2\x9C\x97 MISMATCH");
                snprintf(match, sizeof match,
                         "\n\n%s MISMATCH with %s:\nexpected %s\ncomputed %s%s%s", alg_name,
                         from, state.expected.hex, r->hashes[state.expected.alg],
                         r->file_hashed ? " (image), " : "",
                         r->file_hashed ? r->file_hashes[state.expected.alg] : "");
                box_flags = MB_OK | MB_ICONWARNING;
                taskbar_error(state.hwnd);
            }
        }
        set_status("%s %s: %s at %s%s.", what,
                   state.match == MATCH_BAD ? "finished, hash MISMATCH" : "successful",
                   di_format_size(r->image_bytes, size, sizeof size),
                   di_format_rate(p.average_rate, rate, sizeof rate),
                   r->verified && gj->kind == DI_JOB_WRITE ? ", verified" : "");
        char compressed[512] = "", mapped[DI_PATH_MAX + DI_MEMBER_MAX + 160] = "", bytes[32];
        char layers[160];
        di_format_layers_name(r->layer_formats, r->layer_count, layers, sizeof layers);
        if (r->image_format != DI_FORMAT_RAW)
            snprintf(compressed, sizeof compressed, "\nThe image was %s %s%s%s.",
                     gj->kind == DI_JOB_READ ? "compressed with" : "decompressed from",
                     layers[0] ? layers : di_format_name((di_format)r->image_format),
                     r->zip_member[0] ? ": " : "", r->zip_member);
        if (r->bmap_used)
            snprintf(mapped, sizeof mapped, "\nOnly the %s of data mapped by %s %s.",
                     di_format_size(r->mapped_bytes, bytes, sizeof bytes), state.bmap.member[0] ? state.bmap.member : state.bmap.path,
                     gj->kind == DI_JOB_WRITE ? "were written, each range's checksum checked"
                                              : "were compared");
        if (r->bmap_used && r->bmap_signature_unchecked)
            snprintf(mapped + strlen(mapped), sizeof mapped - strlen(mapped),
                     "\nThe bmap is PGP-signed; its signature was not checked.");
        snprintf(box, sizeof box, "%s %s.%s%s%s%s%s%s%s%s%s%s", what,
                 state.match == MATCH_BAD ? "finished, but the image is not the one expected"
                                          : "successful",
                 compressed, mapped,
                 r->verified && gj->kind == DI_JOB_WRITE ? "\nThe device was read back and matches the image." : "",
                 r->truncated ? "\nThe image's zero tail beyond the device's end was not written." : "",
                 r->gpt_backup_moved ? "\nThe backup GPT was moved to the end of the drive." : "",
                 hash ? "\n\n" : "", hash ? alg : "", hash ? ": " : "", hash ? hash : "", match);
    } else if (r->status == DI_ERR_PARTITIONS) {
        /* Reading only the partitions needs a table we trust; the whole drive does not. */
        taskbar_clear(state.hwnd);
        set_status("Read stopped: the partition table cannot be trusted.");
        snprintf(box, sizeof box, "%s\n\nRead the whole drive instead?",
                 di_error_format(&r->error, text, sizeof text));
        box_flags = MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2;
        retry_whole = true;
    } else if (r->status == DI_ERR_CANCELLED) {
        taskbar_clear(state.hwnd);
        set_status("Cancelled.%s", r->partial_removed ? " The incomplete image was deleted." : "");
    } else {
        taskbar_error(state.hwnd);
        di_error_format(&r->error, text, sizeof text);
        bool mounted = r->status == DI_ERR_MISMATCH && r->mismatch_from_mount;
        set_status("%s failed%s.", what, mounted ? ": the card was mounted since it was written" : "");
        snprintf(box, sizeof box, "%s failed.\n\n%s%s", what, text,
                 r->partial_removed ? "\n\nThe incomplete image was deleted." : "");
        box_flags = MB_OK | MB_ICONERROR;
    }
    if (gj->kind == DI_JOB_READ && box[0]) append_room_warnings(r, box, sizeof box);
    if (box[0]) append_drive_notes(r, box, sizeof box);
    if (gj->kind == DI_JOB_WRITE && r->status == DI_OK && box[0]) {
        append_eject_note(r, box, sizeof box);
        if (r->warnings & DI_WARN_EJECT_FAILED) box_flags = MB_OK | MB_ICONWARNING;
    }
    gui_job_finish(gj);
    state.job = NULL;
    /* The inputs come back before the result is shown, not after it is dismissed. */
    set_busy(false);
    if (state.drives_changed_during_job) {
        state.drives_changed_during_job = false;
        drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
    }
    if (state.close_when_done) {
        PostMessageW(state.hwnd, WM_CLOSE, 0, 0);
        return;
    }
    if (!box[0]) return;
    int answer = message(box_flags, "%s", box);
    if (retry_whole) {
        const di_drive_info *drive = drive_combo_selected(item(IDC_DEVICE_COMBO), &state.drives);
        if (answer == IDYES && drive && strcmp(drive->path, state.last_drive) == 0)
            start_job(DI_JOB_READ, state.last_image, drive, true, 0);
        else
            set_status("Nothing was read.");
    }
}

/* ---- set-up and tear-down ---- */

static void on_init(HWND hwnd)
{
    state.hwnd = hwnd;
    settings_load(&state.settings);
    SetWindowTextW(hwnd, APP_TITLE L" " TEXT(DISKIMAGER_VERSION));
    HICON icon = LoadIconW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDI_APP));
    SendMessageW(hwnd, WM_SETICON, ICON_BIG, (LPARAM)icon);
    SendMessageW(hwnd, WM_SETICON, ICON_SMALL, (LPARAM)icon);

    for (int i = 0; i < 3; i++) SendMessageW(item(IDC_HASH_ALG), CB_ADDSTRING, 0, (LPARAM)hash_labels[i]);
    SendMessageW(item(IDC_HASH_ALG), CB_SETCURSEL, (WPARAM)state.settings.hash_algorithm, 0);
    CheckDlgButton(hwnd, IDC_HASH_CHECK, state.settings.hash_enabled ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_VERIFY_AFTER, state.settings.verify_after_write ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_EJECT, state.settings.eject_when_done ? BST_CHECKED : BST_UNCHECKED);
    state.autoplay_message = RegisterWindowMessageW(L"QueryCancelAutoPlay");
    SendMessageW(item(IDC_PROGRESS), PBM_SETRANGE32, 0, DI_PROGRESS_RANGE);
    drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, false);
    set_busy(false);
    set_status(state.drives.count ? "Ready." : "No removable drive found: insert an SD card or USB drive.");

    /* Drag and drop from Explorer reaches an elevated window only when allowed. */
    ChangeWindowMessageFilterEx(hwnd, WM_DROPFILES, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, WM_COPYDATA, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, 0x0049 /* WM_COPYGLOBALDATA */, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, taskbar_created_message(), MSGFLT_ALLOW, NULL);
    DragAcceptFiles(hwnd, TRUE);
}

static void on_drop(HDROP drop)
{
    wchar_t path[DI_PATH_MAX];
    if (DragQueryFileW(drop, 0, path, DI_PATH_MAX)) SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
    DragFinish(drop);
}

static void on_close(void)
{
    if (state.job) {
        if (!confirm_stop()) return;
        state.close_when_done = true;
        di_job_cancel(state.job->job);
        set_status("Cancelling\xE2\x80\xA6");
        return;
    }
    state.settings.hash_enabled = checked(IDC_HASH_CHECK);
    LRESULT alg = SendMessageW(item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    state.settings.hash_algorithm = alg >= 0 && alg < 3 ? (int)alg : 0;
    state.settings.verify_after_write = checked(IDC_VERIFY_AFTER);
    state.settings.eject_when_done = checked(IDC_EJECT);
    settings_save(&state.settings);
    drive_list_free(&state.drives);
    taskbar_release();
    EndDialog(state.hwnd, 0);
}

static void on_command(int id, int code)
{
    switch (id) {
    case IDC_WRITE: on_write(); break;
    case IDC_READ: on_read(); break;
    case IDC_VERIFY: on_verify(); break;
    case IDC_HASH_DRIVE: on_hash_drive(); break;
    case IDC_BROWSE: on_browse(); break;
    case IDC_CANCEL_JOB: on_cancel(); break;
    case IDC_COPY: copy_hash(); break;
    case IDC_EXIT:
    case IDCANCEL: on_close(); break; /* IDCANCEL: Esc and the title bar's close box */
    case IDC_HASH_CHECK: EnableWindow(item(IDC_HASH_ALG), checked(IDC_HASH_CHECK)); break;
    case IDC_VERIFY_AFTER: EnableWindow(item(IDC_MOVE_GPT), checked(IDC_VERIFY_AFTER)); break;
    case IDC_SHOW_ALL:
        if (code == BN_CLICKED)
            drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
        break;
    default: break;
    }
}

INT_PTR CALLBACK main_dialog_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam)
{
    /* While a job runs, Explorer's AutoPlay and "You need to format the disk" prompts
     * for the drive are refused (the volumes are also kept locked while written). */
    if (msg == state.autoplay_message && msg != 0) {
        SetWindowLongPtrW(hwnd, DWLP_MSGRESULT, state.job ? TRUE : FALSE);
        return TRUE;
    }
    if (msg == taskbar_created_message() && msg != 0) {
        taskbar_attach(hwnd);
        return TRUE;
    }
    switch (msg) {
    case WM_INITDIALOG: on_init(hwnd); return TRUE;
    case WM_COMMAND: on_command(LOWORD(wparam), HIWORD(wparam)); return TRUE;
    case WM_TIMER: on_timer(); return TRUE;
    case WM_APP_JOB_DONE: on_job_done((gui_job *)lparam); return TRUE;
    case WM_DROPFILES: on_drop((HDROP)wparam); return TRUE;
    case WM_CLOSE: on_close(); return TRUE;
    case WM_CTLCOLORSTATIC:
        if ((HWND)lparam == item(IDC_MATCH) && state.match != MATCH_NONE) {
            HDC dc = (HDC)wparam;
            SetTextColor(dc, state.match == MATCH_OK ? RGB(0, 128, 0) : RGB(200, 0, 0));
            SetBkMode(dc, TRANSPARENT);
            return (INT_PTR)GetSysColorBrush(COLOR_BTNFACE);
        }
        return FALSE;
    case WM_DEVICECHANGE:
        if (wparam == DBT_DEVICEARRIVAL || wparam == DBT_DEVICEREMOVECOMPLETE) {
            if (state.job) state.drives_changed_during_job = true;
            else drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
        }
        return TRUE;
    default: return FALSE;
    }
}
