/* The dialog's languages: every text it shows comes from a table per language
 * (lang_en.c, lang_de.c, ...), looked up by id, with {0}..{9} placeholders filled by
 * lang_format, and numbers written the language's way ("1,50 GB" in German). Pure
 * functions (no <windows.h>): tested natively (every id in every language, with the
 * same placeholders). The CLI and the log stay English. */
#ifndef DISKIMAGER_GUI_LANG_H
#define DISKIMAGER_GUI_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/status.h"

typedef enum ui_lang { LANG_EN = 0, LANG_DE, LANG_FR, LANG_ES, LANG_ZH, LANG_COUNT } ui_lang;

typedef enum text_id {
    /* The main window's controls. */
    T_IMAGE_FILE, T_BROWSE, T_DEVICE, T_SHOW_ALL, T_HASH, T_VERIFY_AFTER, T_ALLOCATED_ONLY,
    T_EJECT, T_MOVE_GPT, T_HASH_VALUE, T_COPY, T_EXPECTED_HASH, T_READ, T_WRITE, T_VERIFY_ONLY,
    T_HASH_DRIVE, T_CANCEL, T_EXIT, T_LOG, T_LANGUAGE,
    /* The member picker and the Log window. */
    T_PICK_CAPTION, T_PICK_LABEL, T_OK, T_LOG_CAPTION, T_LOG_COPY_ALL, T_LOG_SAVE_AS, T_LOG_CLEAR,
    T_CLOSE, T_LOG_NOT_SAVED,
    /* The file dialogs' filters. */
    T_FILTER_IMAGES, T_FILTER_ALL, T_FILTER_IMG, T_FILTER_IMG_XZ, T_FILTER_IMG_ZST,
    T_FILTER_IMG_GZ, T_FILTER_LOG,
    /* Questions and the status line around starting and stopping. */
    T_READY, T_NO_DRIVE_FOUND, T_STARTING, T_CANCELLING, T_CONFIRM_WRITE, T_CONFIRM_FIXED,
    T_NOTHING_WRITTEN, T_CONFIRM_REPLACE, T_NOTHING_READ_KEPT, T_NOTHING_READ, T_CONFIRM_STOP,
    T_CANNOT_START, T_UNKNOWN_MODEL,
    /* Refusals (di_reason). */
    T_R_NO_IMAGE, T_R_IMAGE_MISSING, T_R_IMAGE_IS_FOLDER, T_R_IMAGE_EMPTY, T_R_NO_DRIVE,
    T_R_SYSTEM_DISK, T_R_FIXED_DISK, T_R_BAD_EXPECTED, T_R_IMAGE_SIZE_UNKNOWN,
    T_R_IMAGE_TOO_BIG_TO_HASH, T_R_MOVE_GPT_NEEDS_VERIFY,
    /* The end of a job. */
    T_KIND_WRITE, T_KIND_READ, T_KIND_VERIFY, T_KIND_HASH, T_KIND_FORMAT,
    /* Restore (a drive made one partition, as a new card comes). */
    T_RESTORE, T_RESTORE_CAPTION, T_RESTORE_INTRO, T_RESTORE_FS, T_RESTORE_FS_AUTO,
    T_RESTORE_FS_FAT32, T_RESTORE_FS_EXFAT, T_RESTORE_LABEL, T_RESTORE_ERASE, T_RESTORE_BUTTON,
    T_CONFIRM_RESTORE, T_RESTORED_STATUS, T_RESTORED_AS, T_ERASED_DISCARDED, T_ERASED_ZEROED,
    /* Check (does a card hold what it reports). */
    T_KIND_CHECK, T_CHECK, T_CHECK_CAPTION, T_CHECK_INTRO, T_CHECK_QUICK, T_CHECK_FULL,
    T_CHECK_BUTTON, T_CONFIRM_CHECK_FULL, T_CONFIRM_CHECK_QUICK, T_CHECK_GENUINE_FULL,
    T_CHECK_GENUINE_QUICK, T_CHECK_FAKE, T_CHECK_FAKE_QUICK, T_CHECK_BAD, T_CHECK_SPEED,
    T_CHECK_STATUS_GENUINE, T_CHECK_STATUS_FAKE, T_CHECK_STATUS_BAD, T_MAY_BE_FAKE,
    T_DONE_STATUS, T_DONE_STATUS_MISMATCH, T_DONE_STATUS_VERIFIED, T_DONE_BOX, T_DONE_BOX_MISMATCH,
    T_COMPRESSED_WITH, T_DECOMPRESSED_FROM, T_MAPPED_WRITTEN, T_MAPPED_COMPARED,
    T_BMAP_UNSIGNED, T_READ_BACK_MATCHES, T_TAIL_NOT_WRITTEN, T_GPT_MOVED, T_HASH_LINE,
    T_MATCH_SHORT, T_MISMATCH_SHORT, T_EXPECTED_MATCHES, T_EXPECTED_FILE_MATCHES,
    T_EXPECTED_MISMATCH, T_EXPECTED_MISMATCH_FILE, T_THE_EXPECTED_HASH,
    T_TABLE_UNTRUSTED_STATUS, T_READ_WHOLE_INSTEAD, T_CANCELLED, T_CANCELLED_DELETED,
    T_FAILED_STATUS, T_FAILED_MOUNTED_STATUS, T_FAILED_BOX, T_PARTIAL_DELETED,
    T_ROOM_MAY_NOT_FIT, T_ROOM_FAT_LIMIT, T_RETRIES_ONE, T_RETRIES_MANY, T_BUFFERED_IO,
    T_EJECTED, T_EJECT_FAILED,
    /* The status line while a job runs. */
    T_PHASE_PREPARING, T_PHASE_VERIFYING, T_PHASE_FLUSHING, T_PHASE_HASHING, T_PHASE_ERASING,
    T_PROGRESS_LINE,
    T_RETRY_LINE,
    /* Drive names in the Device box and the questions. */
    T_DRIVE_LETTER, T_DRIVE_DISK, T_DRIVE_DISK_FIXED, T_REMOVABLE_DRIVE, T_FIXED_DRIVE,
    T_NO_CARD, T_NO_LETTER,
    /* Several drives at once: the choice, its question, a line per drive, the end. */
    T_SEVERAL, T_SEVERAL_CAPTION, T_SEVERAL_INTRO, T_SEVERAL_ITEM, T_CONFIRM_WRITE_SEVERAL,
    T_LINES_CAPTION, T_LINE_WAITING, T_LINE_WRITING, T_LINE_VERIFYING, T_LINE_WRITTEN,
    T_LINE_VERIFIED, T_LINE_FAILED, T_LINE_DROPPED, T_SEVERAL_DONE, T_SEVERAL_DONE_VERIFIED,
    /* An error's frame around its operation and reason, and advice by its fault. */
    T_ERR_FAILED, T_ERR_FAILED_NO_PATH, T_ERR_AT, T_ERR_OS, T_SENTENCE_END,
    T_ADVICE_WRITE_PROTECTED, T_ADVICE_NO_MEDIUM, T_ADVICE_MEDIA, T_ADVICE_GONE,
    /* Drive to drive: the image field's choice of a drive to copy, and its box. */
    T_FROM_DRIVE, T_SOURCE_CAPTION, T_SOURCE_INTRO, T_SOURCE_PARTITIONS_ONLY,
    /* Read's own bmap (issue 15): the check box, and what the Read made. */
    T_MAKE_BMAP, T_BMAP_MADE,
    T_COUNT
} text_id;

/* The language's own name ("Deutsch") and its code ("de"). */
const char *lang_name(ui_lang lang);
const char *lang_code(ui_lang lang);

/* The language for a Windows LANGID (GetUserDefaultUILanguage): its primary language,
 * Simplified Chinese for Chinese, English for anything else. */
ui_lang lang_for_windows(unsigned short langid);

/* The language the dialog speaks now (English until set). */
void lang_set(ui_lang lang);
ui_lang lang_current(void);

/* The text of id in the current language (UTF-8), never NULL. */
const char *tr(text_id id);
/* The same in a given language; NULL when the table lacks it (tests look). */
const char *lang_text(ui_lang lang, text_id id);

/* tr(id) with {0}..{9} replaced by args (NULL-terminated list of UTF-8 strings). */
char *tr_format(char *out, size_t out_size, text_id id, ...);

/* Sizes, rates and durations as di_format_* writes them, with the language's decimal
 * separator. */
char *tr_size(uint64_t bytes, char *out, size_t out_size);
char *tr_rate(double bytes_per_second, char *out, size_t out_size);
char *tr_number(unsigned long long n, char *out, size_t out_size);
/* The current language's decimal separator ('.' or ','). */
char lang_decimal(void);

/* An operation's name ("Reading the zip") and a reason's sentence ({0}, {1}, ... as in
 * English, lower-case and without its full stop) in lang; NULL when missing. */
const char *lang_op(ui_lang lang, di_op op);
const char *lang_reason(ui_lang lang, di_reason reason);

/* The placeholders a text uses, as bits (1 << n for {n}). */
unsigned lang_placeholders(const char *text);

#endif
