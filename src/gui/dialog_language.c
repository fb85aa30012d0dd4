/* The dialog in its language: the one remembered, else Windows' own (dialog.h). */
#include "dialog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

/* Each control's text in the string table. */
static const struct {
    int control;
    text_id text;
} control_texts[] = {
    {IDC_IMAGE_LABEL, T_IMAGE_FILE},     {IDC_BROWSE, T_BROWSE},
    {IDC_DEVICE_LABEL, T_DEVICE},        {IDC_SHOW_ALL, T_SHOW_ALL},
    {IDC_HASH_CHECK, T_HASH},            {IDC_VERIFY_AFTER, T_VERIFY_AFTER},
    {IDC_ALLOCATED_ONLY, T_ALLOCATED_ONLY}, {IDC_EJECT, T_EJECT},
    {IDC_MOVE_GPT, T_MOVE_GPT},          {IDC_HASH_LABEL, T_HASH_VALUE},
    {IDC_COPY, T_COPY},                  {IDC_EXPECTED_LABEL, T_EXPECTED_HASH},
    {IDC_READ, T_READ},                  {IDC_WRITE, T_WRITE},
    {IDC_VERIFY, T_VERIFY_ONLY},         {IDC_HASH_DRIVE, T_HASH_DRIVE},
    {IDC_CANCEL_JOB, T_CANCEL},          {IDC_EXIT, T_EXIT},
    {IDC_SHOW_LOG, T_LOG},               {IDC_RESTORE, T_RESTORE},
    {IDC_CHECK, T_CHECK},                {IDC_SEVERAL, T_SEVERAL},
    {IDC_FROM_DRIVE, T_FROM_DRIVE},
    {IDC_MAKE_BMAP, T_MAKE_BMAP},
};

/* The dialog in the chosen language: every control's text, the status line when idle. */
void dialog_apply_language(void)
{
    for (size_t i = 0; i < sizeof control_texts / sizeof control_texts[0]; i++)
        tr_set_item(dialog.hwnd, control_texts[i].control, control_texts[i].text);
    if (!dialog.job) dialog_status("%s", tr(dialog.drives.count ? T_READY : T_NO_DRIVE_FOUND));
    RedrawWindow(dialog.hwnd, NULL, NULL, RDW_INVALIDATE | RDW_ALLCHILDREN);
}

/* The language remembered, else Windows' own; the combo lists each by its own name. */
void dialog_init_language(void)
{
    ui_lang lang = lang_for_windows(GetUserDefaultUILanguage());
    for (int l = 0; l < LANG_COUNT; l++)
        if (strcmp(dialog.settings.language, lang_code((ui_lang)l)) == 0) lang = (ui_lang)l;
    lang_set(lang);
    HWND combo = dialog_item(IDC_LANGUAGE);
    for (int l = 0; l < LANG_COUNT; l++) {
        wchar_t *name = di_utf8_to_utf16(lang_name((ui_lang)l));
        SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)(name ? name : L"?"));
        free(name);
    }
    SendMessageW(combo, CB_SETCURSEL, (WPARAM)lang, 0);
}

void dialog_language_chosen(void)
{
    LRESULT at = SendMessageW(dialog_item(IDC_LANGUAGE), CB_GETCURSEL, 0, 0);
    if (at < 0 || at >= LANG_COUNT) return;
    lang_set((ui_lang)at);
    snprintf(dialog.settings.language, sizeof dialog.settings.language, "%s", lang_code((ui_lang)at));
    dialog_apply_language();
}
