/* A modal box of options over the dialog (Restore's, Check's): init fills it from ctx,
 * take reads it back into ctx when the user presses OK; Cancel leaves ctx as it was. */
#ifndef DISKIMAGER_GUI_OPTION_BOX_H
#define DISKIMAGER_GUI_OPTION_BOX_H

#include <stdbool.h>
#include <windows.h>

typedef void (*option_box_fn)(HWND box, void *ctx);

/* Shows the dialog template template_id; true when the user pressed OK. */
bool option_box_ask(HWND owner, int template_id, option_box_fn init, option_box_fn take,
                    void *ctx);
/* Sets the text of the box's control from UTF-8. */
void option_box_set_text(HWND box, int control, const char *utf8);

#endif
