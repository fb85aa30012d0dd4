/* The choice of an archive's image file, shared by the zip and tar readers. */
#include "member_pick.h"

#include <string.h>

#include "diskimager/compression.h"

void member_pick_init(member_pick *p, const char *wanted)
{
    memset(p, 0, sizeof *p);
    p->wanted = wanted && wanted[0] ? wanted : NULL;
}

bool member_is_litter(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strncmp(name, "__MACOSX/", 9) == 0 || strstr(name, "/__MACOSX/") != NULL ||
           strcmp(base, ".DS_Store") == 0 || strncmp(base, "._", 2) == 0 ||
           strcmp(base, "Thumbs.db") == 0 || strcmp(base, "desktop.ini") == 0;
}

/* "a.img, b.img, ..." for messages, cut short when long. */
static void append_name(char *names, size_t size, const char *name)
{
    size_t used = strlen(names), len = strlen(name);
    if (used && used + 2 < size) {
        memcpy(names + used, ", ", 2);
        used += 2;
    }
    if (used + len + 1 > size) len = size - used - 1;
    memcpy(names + used, name, len);
    names[used + len] = '\0';
}

unsigned member_pick_offer(member_pick *p, const char *name)
{
    unsigned slots = 0;
    if (p->wanted && strcmp(name, p->wanted) == 0 && p->matches++ == 0) slots |= PICK_WANTED;
    if (member_is_litter(name)) return slots;
    if (p->files++ == 0) slots |= PICK_ONLY_FILE;
    append_name(p->file_names, sizeof p->file_names, name);
    if (di_name_looks_like_image(name)) {
        if (p->images++ == 0) slots |= PICK_IMAGE;
        append_name(p->image_names, sizeof p->image_names, name);
    }
    return slots;
}

di_status member_pick_decide(const member_pick *p, const char *path, unsigned *slot,
                             di_error *error)
{
    di_op op = DI_OP_OPEN_ARCHIVE;
    if (p->wanted) {
        *slot = PICK_WANTED;
        if (p->matches > 0) return DI_OK;
        if (p->files == 0)
            return di_error_why(error, DI_ERR_USAGE, op, path,
                                DI_REASON_ARCHIVE_EMPTY_NO_SUCH_FILE, DI_ARGS(di_text(p->wanted)));
        return di_error_why(error, DI_ERR_USAGE, op, path, DI_REASON_ARCHIVE_HAS_NO_SUCH_FILE,
                            DI_ARGS(di_text(p->wanted), di_text(p->file_names)));
    }
    if (p->images == 1) {
        *slot = PICK_IMAGE;
        return DI_OK;
    }
    if (p->images > 1)
        return di_error_why(error, DI_ERR_USAGE, op, path,
                            DI_REASON_ARCHIVE_HOLDS_SEVERAL_IMAGES,
                            DI_ARGS(di_number(p->images), di_text(p->image_names)));
    if (p->files == 1) {
        *slot = PICK_ONLY_FILE;
        return DI_OK;
    }
    if (p->files == 0)
        return di_error_why(error, DI_ERR_USAGE, op, path, DI_REASON_ARCHIVE_EMPTY, DI_NO_ARGS);
    return di_error_why(error, DI_ERR_USAGE, op, path, DI_REASON_ARCHIVE_NO_IMAGE_NAME,
                        DI_ARGS(di_text(p->file_names)));
}
