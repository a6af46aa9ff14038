/* SPDX-License-Identifier: MIT */
/* dsp/status.h: the one status type of mcirc, its strings, and the caller-owned diagnostic that
 * parsers and readers fill with a position and a message. Leaf of the dependency graph. */
#ifndef MC_DSP_STATUS_H
#define MC_DSP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define MC_NODISCARD         __attribute__((warn_unused_result))
#define MC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MC_NODISCARD
#define MC_PRINTF(fmt, args)
#endif

/* One table gives the codes and their text (STYLE.md 3.4). Codes drive control flow; the text is
 * for humans. Zero is success, everything else is negative. */
#define MC_STATUS_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EIO, -3, "input/output error")                                                               \
    X(EFORMAT, -4, "malformed or unsupported input")                                               \
    X(EOVERRUN, -5, "buffer full: data dropped")                                                   \
    X(ETIMEDOUT, -6, "timed out")                                                                  \
    X(END, -7, "end of stream")                                                                    \
    X(EEXIST, -8, "file exists")                                                                   \
    X(ENOTFOUND, -9, "not found")                                                                  \
    X(EPRIVACY, -10, "looks like a direct patient identifier")                                     \
    X(ESTATE, -11, "operation not allowed in the current state")

typedef enum mc_status {
#define X(name, value, text) MC_##name = value,
    MC_STATUS_MAP(X)
#undef X
} mc_status;

/** Text of a status code. Thread: any.
 *  @return a static string, never NULL ("unknown status" for codes outside the table) */
const char *mc_strerror(mc_status s);

/** Diagnostic filled by parsers and readers. Caller-owned, never global; pass NULL when the
 *  caller only needs the status. `offset` is a byte offset, or -1 when `line` is the position,
 *  or both -1 when the input has no position (a missing file, a bad argument). */
typedef struct mc_diag {
    char message[512]; /* one line, no trailing newline; names what was expected */
    int64_t offset;    /* byte offset into the input, -1 if not applicable */
    int64_t line;      /* 1-based line number, -1 if not applicable */
} mc_diag;

/** Reset a diagnostic to "no message". NULL is a no-op. Thread: one per diag. */
void mc_diag_clear(mc_diag *d);

/** Write a message into a diagnostic (printf-style, truncated to fit). NULL is a no-op.
 *  @param offset byte offset or -1;  @param line 1-based line or -1
 *  @return `s` unchanged, so that a caller can `return mc_diag_set(d, MC_EFORMAT, ...)` */
mc_status mc_diag_set(mc_diag *d, mc_status s, int64_t offset, int64_t line, const char *fmt, ...)
    MC_PRINTF(5, 6);

/** Multiply two sizes, failing on overflow (STYLE.md 3.5: overflow-checked sizes).
 *  @return 1 and *out = a*b, or 0 when the product does not fit in size_t */
int mc_size_mul(size_t a, size_t b, size_t *out);

#endif
