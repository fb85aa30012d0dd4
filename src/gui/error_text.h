/* An error in the dialog's words and language: a refusal's own sentence, or the frame
 * "Reading the zip failed on PATH at byte N." with the reason's sentence, the OS's text
 * and advice by the fault. Pure (no <windows.h>): tested natively. */
#ifndef DISKIMAGER_GUI_ERROR_TEXT_H
#define DISKIMAGER_GUI_ERROR_TEXT_H

#include <stddef.h>

#include "diskimager/status.h"

char *result_error_text(const di_error *error, char *out, size_t out_size);

#endif
