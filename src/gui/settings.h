/* What the dialog remembers per user: the last image folder, the hash choice, the
 * options and the language. */
#ifndef DISKIMAGER_GUI_SETTINGS_H
#define DISKIMAGER_GUI_SETTINGS_H

#include <stdbool.h>
#include <wchar.h>

typedef struct gui_settings {
    wchar_t last_folder[1024];
    bool hash_enabled;
    int hash_algorithm;   /* index in the hash combo: 0 MD5, 1 SHA-1, 2 SHA-256 */
    bool verify_after_write;
    bool eject_when_done;  /* off by default: a card left in stays usable */
    bool make_bmap;        /* Read saves a bmap beside the image; off by default */
    char language[8];      /* the language chosen in the dialog ("de"); "": Windows' own */
} gui_settings;

void settings_load(gui_settings *s);
void settings_save(const gui_settings *s);

#endif
