/* A zip holding several files: the user picks the image among them. */
#ifndef DISKIMAGER_GUI_MEMBER_DIALOG_H
#define DISKIMAGER_GUI_MEMBER_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <windows.h>

#define MEMBERS_MAX 256

/* The files of an archive that could be the image. */
typedef struct member_list {
    unsigned count;
    char names[MEMBERS_MAX][256];
    uint64_t sizes[MEMBERS_MAX];
    int chosen;
} member_list;

/* Reads the candidates of the archive image_path into list (count 0 for an image that
 * is no archive, or one the job will say is damaged). Reads the file: not on the
 * dialog's thread. */
void member_list_read(const char *image_path, member_list *list);

/* With several candidates, asks which one and puts its name in out; otherwise out is "".
 * False when the user cancelled. */
bool member_dialog_choose(HWND owner, member_list *list, char *out, size_t out_size);

#endif
