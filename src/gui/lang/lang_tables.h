/* The tables behind lang.h: one array per language, indexed by text_id. */
#ifndef DISKIMAGER_GUI_LANG_TABLES_H
#define DISKIMAGER_GUI_LANG_TABLES_H

#include "lang.h"

extern const char *const lang_en[T_COUNT];
extern const char *const lang_de[T_COUNT];
extern const char *const lang_fr[T_COUNT];
extern const char *const lang_es[T_COUNT];
extern const char *const lang_zh[T_COUNT];

#endif
