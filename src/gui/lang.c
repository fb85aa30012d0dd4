/* Lookups, placeholders and the languages' number formats (lang.h). */
#include "lang.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/units.h"
#include "lang/lang_tables.h"

static const struct {
    const char *name, *code;
    const char *const *table;
    char decimal;
} languages[LANG_COUNT] = {
    [LANG_EN] = {"English", "en", lang_en, '.'},
    [LANG_DE] = {"Deutsch", "de", lang_de, ','},
    [LANG_FR] = {"Fran\xC3\xA7" "ais", "fr", lang_fr, ','},
    [LANG_ES] = {"Espa\xC3\xB1" "ol", "es", lang_es, ','},
    [LANG_ZH] = {"\xE4\xB8\xAD\xE6\x96\x87 (\xE7\xAE\x80\xE4\xBD\x93)", "zh", lang_zh, '.'},
};

static ui_lang current = LANG_EN;

const char *lang_name(ui_lang lang)
{
    return (unsigned)lang < LANG_COUNT ? languages[lang].name : "";
}

const char *lang_code(ui_lang lang)
{
    return (unsigned)lang < LANG_COUNT ? languages[lang].code : "";
}

ui_lang lang_for_windows(unsigned short langid)
{
    switch (langid & 0x3ff) { /* PRIMARYLANGID */
    case 0x07: return LANG_DE;
    case 0x0c: return LANG_FR;
    case 0x0a: return LANG_ES;
    case 0x04: return LANG_ZH;
    default: return LANG_EN;
    }
}

void lang_set(ui_lang lang)
{
    if ((unsigned)lang < LANG_COUNT) current = lang;
}

ui_lang lang_current(void)
{
    return current;
}

const char *lang_text(ui_lang lang, text_id id)
{
    if ((unsigned)lang >= LANG_COUNT || (unsigned)id >= T_COUNT) return NULL;
    return languages[lang].table[id];
}

const char *tr(text_id id)
{
    const char *text = lang_text(current, id);
    if (!text || !text[0]) text = lang_text(LANG_EN, id);
    return text ? text : "";
}

char *tr_format(char *out, size_t out_size, text_id id, ...)
{
    const char *args[10] = {0};
    va_list list;
    va_start(list, id);
    for (int i = 0; i < 10; i++) {
        const char *arg = va_arg(list, const char *);
        if (!arg) break;
        args[i] = arg;
    }
    va_end(list);
    size_t used = 0;
    if (!out_size) return out;
    for (const char *p = tr(id); *p && used + 1 < out_size; p++) {
        if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
            const char *arg = args[p[1] - '0'] ? args[p[1] - '0'] : "";
            size_t n = strlen(arg);
            if (n > out_size - 1 - used) n = out_size - 1 - used;
            memcpy(out + used, arg, n);
            used += n;
            p += 2;
            continue;
        }
        out[used++] = *p;
    }
    out[used] = '\0';
    return out;
}

unsigned lang_placeholders(const char *text)
{
    unsigned bits = 0;
    for (const char *p = text; p && *p; p++)
        if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') bits |= 1u << (p[1] - '0');
    return bits;
}

/* di_format_* writes a '.' between digits: the language's separator instead. */
static char *localize_decimal(char *text)
{
    char decimal = languages[current].decimal;
    for (char *p = text; *p; p++)
        if (*p == '.' && p > text && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9')
            *p = decimal;
    return text;
}

char *tr_size(uint64_t bytes, char *out, size_t out_size)
{
    return localize_decimal(di_format_size(bytes, out, out_size));
}

char *tr_rate(double bytes_per_second, char *out, size_t out_size)
{
    return localize_decimal(di_format_rate(bytes_per_second, out, out_size));
}

char lang_decimal(void)
{
    return languages[current].decimal;
}

char *tr_number(unsigned long long n, char *out, size_t out_size)
{
    snprintf(out, out_size, "%llu", n);
    return out;
}
