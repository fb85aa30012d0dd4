/* A codec's failure as an error's reason and arguments, in one place for the decoders,
 * the encoders and their tests. */
#include <stdio.h>
#include <string.h>

#include "decoder.h"

codec_result codec_fail(codec_failure *why, const char *codec, di_reason reason)
{
    memset(why, 0, sizeof *why);
    why->reason = reason;
    why->codec = codec;
    return CODEC_FAILED;
}

codec_result codec_fail_number(codec_failure *why, const char *codec, di_reason reason,
                               uint64_t number)
{
    codec_fail(why, codec, reason);
    why->has_number = true;
    why->number = number;
    return CODEC_FAILED;
}

codec_result codec_fail_library(codec_failure *why, const char *codec, bool encoding,
                                const char *library_text)
{
    if (!library_text || !library_text[0])
        return codec_fail(why, codec,
                          encoding ? DI_REASON_ENCODE_FAILED_STEP : DI_REASON_CODEC_CORRUPT);
    codec_fail(why, codec, encoding ? DI_REASON_ENCODE_LIBRARY_SAYS : DI_REASON_CODEC_LIBRARY_SAYS);
    snprintf(why->library_text, sizeof why->library_text, "%s", library_text);
    return CODEC_FAILED;
}

di_status codec_failure_error(const codec_failure *why, uint64_t decoded, di_status status,
                              di_op op, const char *path, di_error *error)
{
    di_arg args[3];
    size_t n = 0;
    args[n++] = di_text(why->codec ? why->codec : "?");
    if (why->has_number)
        args[n++] = di_number(why->number);
    else if (why->library_text[0])
        args[n++] = di_text(why->library_text);
    args[n++] = di_number(decoded);
    return di_error_why(error, status, op, path, why->reason, args, n);
}

void codec_failure_english(const codec_failure *why, char *out, size_t size)
{
    di_error error;
    codec_failure_error(why, 0, DI_ERR_READ, DI_OP_DECOMPRESS, "", &error);
    snprintf(out, size, "%s", error.detail);
}
