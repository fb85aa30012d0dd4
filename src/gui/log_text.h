/* The dialog's log as the Log window shows it: the newest lines, bounded, as pure
 * functions (no <windows.h>) tested natively; and when the log file rotates. */
#ifndef DISKIMAGER_GUI_LOG_TEXT_H
#define DISKIMAGER_GUI_LOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_TEXT_MAX (256u * 1024u)   /* the Log window keeps this much, the newest */
#define LOG_FILE_MAX (1024u * 1024u)  /* diskimager.log rotates to .1 beyond this */

typedef struct log_text {
    char text[LOG_TEXT_MAX];  /* lines ending in "\r\n" (an edit control's line breaks) */
    size_t used;
} log_text;

/* Appends one line; when full, whole lines at the start go first. */
void log_text_add(log_text *t, const char *line);
void log_text_clear(log_text *t);

/* Whether a log file of file_size bytes must rotate before adding bytes more. */
bool log_file_must_rotate(uint64_t file_size, size_t adding);

#endif
