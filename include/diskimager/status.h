/* Typed results of every engine operation, and the error record that says what
 * failed, where, at which byte offset and what the OS answered. */
#ifndef DISKIMAGER_STATUS_H
#define DISKIMAGER_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum di_status {
    DI_OK = 0,
    DI_ERR_USAGE,       /* a bad argument or combination of them */
    DI_ERR_OPEN,        /* a file or device could not be opened */
    DI_ERR_READ,        /* a read failed or ended early */
    DI_ERR_WRITE,       /* a write failed or was short */
    DI_ERR_FLUSH,       /* flushing to the medium failed */
    DI_ERR_NO_SPACE,    /* the target ran out of room */
    DI_ERR_TOO_SMALL,   /* the image does not fit on the device */
    DI_ERR_BUSY,        /* the device is mounted or in use */
    DI_ERR_MISMATCH,    /* verify found a differing byte */
    DI_ERR_CANCELLED,   /* the user asked to stop */
    DI_ERR_NO_MEMORY,
    DI_ERR_PARTITIONS,  /* a partition table that cannot be trusted */
    DI_ERR_INTERNAL
} di_status;

/* Short, stable name of a status ("read error", "cancelled", ...). */
const char *di_status_name(di_status status);

/* What kind of trouble an OS error is, as the platform that met it classifies it
 * (di_os_fault): the core retries the transient kinds and words the others. */
typedef enum di_fault {
    DI_FAULT_UNKNOWN = 0,        /* anything else: reported as it is */
    DI_FAULT_TRANSIENT,          /* busy, not ready yet, just appeared: worth retrying */
    DI_FAULT_ACCESS_DENIED,      /* retried too (a volume being mounted), then explained */
    DI_FAULT_MEDIA,              /* the medium failed (EIO, CRC): never retried */
    DI_FAULT_NO_MEDIUM,          /* no card in the reader */
    DI_FAULT_WRITE_PROTECTED,    /* the card's lock switch, a read-only device */
    DI_FAULT_UNBUFFERED_REFUSED, /* the driver refuses aligned unbuffered I/O */
    DI_FAULT_GONE                /* the device was removed */
} di_fault;

/* The operation an OS error came from: the same code means different things on open
 * and on write (Windows' ERROR_NOT_READY: an empty slot, or a drive waking up). */
typedef enum di_io_op {
    DI_IO_OPEN = 0,
    DI_IO_LOCK,
    DI_IO_READ,
    DI_IO_WRITE,
    DI_IO_FLUSH
} di_io_op;

/* Platform code: the kind of an errno (POSIX) or GetLastError() code (Windows). */
di_fault di_os_fault(int os_code, di_io_op op);
/* What to do about it ("the card is write-protected: slide ..."), "" when nothing to say;
 * di_error_format appends it. */
const char *di_fault_advice(di_fault fault);

#define DI_PATH_MAX 1024
#define DI_TEXT_MAX 512

/* Why, as data: each front end words a reason in its own language (di_error_format in
 * English for the CLI, the dialog from its string table), filling in the error's typed
 * fields the reason names. DI_REASON_NONE: an error still worded by its detail. */
typedef enum di_reason {
    DI_REASON_NONE = 0,
    DI_REASON_NO_IMAGE,          /* no image path was given */
    DI_REASON_IMAGE_MISSING,     /* path: the image does not exist */
    DI_REASON_IMAGE_IS_FOLDER,   /* path */
    DI_REASON_IMAGE_EMPTY,       /* path: 0 bytes, nothing to write or compare */
    DI_REASON_NO_DRIVE,          /* no device was chosen */
    DI_REASON_SYSTEM_DISK,       /* path: holds the running system, never written */
    DI_REASON_FIXED_DISK,        /* path, sizes[0] its size, value its bus ("" unknown):
                                    not removable, and the user did not insist */
    DI_REASON_BAD_EXPECTED,      /* value: the typed text, not a hex digest */
    DI_REASON_IMAGE_SIZE_UNKNOWN,/* path: a compressed image that does not record the
                                    size of the image inside */
    DI_REASON_IMAGE_TOO_BIG_TO_HASH, /* path the image, path2 the drive, sizes[0] the
                                    image's size, sizes[1] the drive's */
    DI_REASON_MOVE_GPT_NEEDS_VERIFY, /* the backup GPT moves only after a verified write */
    /* The reasons above are refusals, each worded whole. Those below say why an operation
     * failed, inside the frame "read zip failed on PATH at byte N: ...": each is a sentence
     * with {0}, {1}, ... filled from the error's arguments (di_error_why). Their English is
     * in include/diskimager/reasons/, their other languages in src/gui/lang/reasons/. */
#define DI_REASON(name, english) DI_REASON_##name,
#include "diskimager/reasons/core.def"
#include "diskimager/reasons/codec.def"
#include "diskimager/reasons/platform.def"
#undef DI_REASON
    DI_REASON_COUNT
} di_reason;

/* Platform code: what access denied on a drive usually means there. */
di_reason di_os_access_denied_reason(void);

/* True for a reason worded inside the failure frame, false for a refusal or NONE. */
bool di_reason_has_frame(di_reason reason);

/* The operation an error names (the verb of "read zip failed on ..."). */
typedef enum di_op {
    DI_OP_NONE = 0,
#define DI_OP(name, english) DI_OP_##name,
#include "diskimager/operations.def"
#undef DI_OP
    DI_OP_COUNT
} di_op;

/* The operation's English name ("read zip"); "" for DI_OP_NONE. */
const char *di_op_name(di_op op);

/* One argument of a reason's sentence, made with di_text, di_number, di_size or di_hex32:
 * a size is worded by each front end ("268.44 MB", "268,44 MB"), a number is digits. */
typedef enum di_arg_kind {
    DI_ARG_TEXT = 1,
    DI_ARG_NUMBER,
    DI_ARG_SIZE,
    DI_ARG_HEX32
} di_arg_kind;

typedef struct di_arg {
    di_arg_kind kind;
    uint64_t n;
    const char *text;
} di_arg;

static inline di_arg di_text(const char *text)
{
    return (di_arg){DI_ARG_TEXT, 0, text ? text : ""};
}
static inline di_arg di_number(uint64_t n)
{
    return (di_arg){DI_ARG_NUMBER, n, NULL};
}
static inline di_arg di_size(uint64_t bytes)
{
    return (di_arg){DI_ARG_SIZE, bytes, NULL};
}
static inline di_arg di_hex32(uint32_t n)
{
    return (di_arg){DI_ARG_HEX32, n, NULL};
}

/* di_error_why(..., DI_ARGS(di_text(name), di_size(n))) or (..., DI_NO_ARGS). */
#define DI_ARGS(...) \
    (const di_arg[]){__VA_ARGS__}, sizeof((const di_arg[]){__VA_ARGS__}) / sizeof(di_arg)
#define DI_NO_ARGS NULL, 0
#define DI_ERROR_ARGS_MAX 6

typedef struct di_error {
    di_status status;
    char operation[32];     /* "open", "read", "write", "flush", "verify", ... */
    char path[DI_PATH_MAX]; /* the file or device concerned, UTF-8 */
    bool has_offset;
    uint64_t offset;        /* byte offset where it happened */
    int os_code;            /* errno or GetLastError(), 0 if none */
    char os_text[DI_TEXT_MAX];
    char detail[DI_TEXT_MAX]; /* what the engine knows beyond the OS text */
    di_fault fault;         /* the OS error's kind (di_os_fault), UNKNOWN if none */
    di_reason reason;       /* why, as data; the fields below are the reason's */
    char path2[DI_PATH_MAX];/* a second file or device: the drive an image is for */
    uint64_t sizes[2];
    char value[DI_TEXT_MAX];/* a value the user gave, a bus name */
    di_op op;               /* the operation, as data (operation holds its English) */
    unsigned arg_count;     /* the reason's arguments: texts live in arg_text */
    struct {
        unsigned char kind;
        unsigned short text_at;
        uint64_t n;
    } args[DI_ERROR_ARGS_MAX];
    char arg_text[DI_TEXT_MAX];
} di_error;

void di_error_clear(di_error *error);

/* Records a failure. os_code 0 means no OS error; the OS text is looked up by
 * the platform layer. detail may be NULL; it is a printf format otherwise. */
di_status di_error_set(di_error *error, di_status status, const char *operation,
                       const char *path, int os_code, const char *detail, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 6, 7)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* di_error_set for an OS error from op: the error's fault is di_os_fault(os_code, op). */
di_status di_error_set_os(di_error *error, di_status status, di_io_op op, const char *operation,
                          const char *path, int os_code, const char *detail, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 7, 8)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* Records a failure of op on path (may be "") because of reason (DI_REASON_NONE: the
 * frame alone), with the reason's arguments. detail gets the English sentence, so every
 * reader of an error keeps working; the dialog words it from the data. */
di_status di_error_why(di_error *error, di_status status, di_op op, const char *path,
                       di_reason reason, const di_arg *args, size_t arg_count);

/* di_error_why for an OS error met by io: the OS text is looked up and the fault set. */
di_status di_error_why_os(di_error *error, di_status status, di_io_op io, di_op op,
                          const char *path, int os_code, di_reason reason, const di_arg *args,
                          size_t arg_count);

/* di_error_why with the OS code and its text, the fault left for the caller to classify
 * (a device that knows more about the error than its code, e.g. a Linux block device). */
di_status di_error_why_code(di_error *error, di_status status, di_op op, const char *path,
                            int os_code, di_reason reason, const di_arg *args, size_t arg_count);

/* The same failure (status, operation, path, OS error, fault, offset) said by another
 * reason: a layer that knows why better than the one that met the error. */
void di_error_reword(di_error *error, di_reason reason, const di_arg *args, size_t arg_count);

/* A reason's English sentence with its arguments filled in ("" for NONE). Returns out. */
char *di_reason_text(di_reason reason, const di_arg *args, size_t arg_count, char *out,
                     size_t size);

/* A reason's English sentence with {0}, {1}, ... (NULL for a refusal or NONE). */
const char *di_reason_english(di_reason reason);

/* template with {n} replaced by the error's argument n: texts as they are, numbers in
 * digits, sizes by size_text (di_format_size for English), a missing argument as "?".
 * Always NUL-terminates; returns out. */
typedef char *(*di_size_text_fn)(uint64_t bytes, char *out, size_t out_size);
char *di_error_fill(const char *template_text, const di_error *error, di_size_text_fn size_text,
                    char *out, size_t out_size);

/* Records a refusal by its reason about path (may be ""): the reason's other fields are
 * the caller's to fill in. Returns status. */
di_status di_error_refuse(di_error *error, di_status status, di_reason reason,
                          const char *operation, const char *path);

/* Adds the byte offset to an error already set. */
void di_error_at(di_error *error, uint64_t offset);

/* The one English formatter (the CLI's, the tests', the log's): "write failed on
 * /dev/sdb at byte 4194304 (4.19 MB): Input/output error [os error 5]; detail", or the
 * reason's sentence with its data. Always NUL-terminates. Returns out. */
char *di_error_format(const di_error *error, char *out, size_t out_size);

#endif
