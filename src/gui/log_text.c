/* The Log window's bounded text (log_text.h). */
#include "log_text.h"

#include <string.h>

void log_text_clear(log_text *t)
{
    t->used = 0;
    t->text[0] = '\0';
}

void log_text_add(log_text *t, const char *line)
{
    size_t len = strlen(line);
    if (len + 3 > LOG_TEXT_MAX) len = LOG_TEXT_MAX - 3; /* one line larger than all: cut */
    size_t need = len + 2;
    if (t->used + need + 1 > LOG_TEXT_MAX) {
        /* Drop whole lines from the start until the new one fits. */
        size_t drop = t->used + need + 1 - LOG_TEXT_MAX;
        const char *cut = t->text + drop;
        const char *next = strstr(cut, "\r\n");
        size_t from = next ? (size_t)(next + 2 - t->text) : t->used;
        memmove(t->text, t->text + from, t->used - from);
        t->used -= from;
    }
    memcpy(t->text + t->used, line, len);
    t->used += len;
    memcpy(t->text + t->used, "\r\n", 3);
    t->used += 2;
}

bool log_file_must_rotate(uint64_t file_size, size_t adding)
{
    return file_size > 0 && file_size + adding > LOG_FILE_MAX;
}
