/* tr() as UTF-16 for the W APIs: a ring of eight buffers, so a few can be used in one
 * call (a filter's name next to another's). */
#ifndef DISKIMAGER_GUI_TR_WIDE_H
#define DISKIMAGER_GUI_TR_WIDE_H

#include <wchar.h>

#include "lang.h"

const wchar_t *tr_w(text_id id);
/* Sets the text of the control id of window to tr(text). */
void tr_set_item(void *window, int id, text_id text);

#endif
