/* The dialog's words for the operations and reasons of errors (lang.h: lang_op,
 * lang_reason), from operations.def and reasons/. English reasons are the core's own. */
#include "lang.h"

static const char *const op_words[DI_OP_COUNT][LANG_COUNT] = {
#define DI_OP_TR(name, en, de, fr, es, zh) [DI_OP_##name] = {en, de, fr, es, zh},
#include "operations.def"
#undef DI_OP_TR
};

static const char *const reason_words[DI_REASON_COUNT][LANG_COUNT - 1] = {
#define DI_REASON_TR(name, de, fr, es, zh) [DI_REASON_##name] = {de, fr, es, zh},
#include "reasons/core.def"
#include "reasons/codec.def"
#include "reasons/platform.def"
#undef DI_REASON_TR
};

const char *lang_op(ui_lang lang, di_op op)
{
    if ((unsigned)lang >= LANG_COUNT || op <= DI_OP_NONE || op >= DI_OP_COUNT) return NULL;
    return op_words[op][lang];
}

const char *lang_reason(ui_lang lang, di_reason reason)
{
    if ((unsigned)lang >= LANG_COUNT || !di_reason_has_frame(reason)) return NULL;
    return lang == LANG_EN ? di_reason_english(reason) : reason_words[reason][lang - 1];
}
