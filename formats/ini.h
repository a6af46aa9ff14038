/* SPDX-License-Identifier: MIT */
/* formats/ini.h: the small configuration format of `mcirc analyze --config` (and later device
 * files): lines of `key = value` under `[section]` headers, `#` or `;` comments (on a line of
 * their own, or after a value following a space), blank lines.
 *
 *     # analysis of the I-MICRO baseline recordings
 *     [ppg]
 *     window_s = 8
 *     hop_s = 1      # one row a second
 *     [ldf]
 *     hop_s = 60
 */
#ifndef MC_FORMATS_INI_H
#define MC_FORMATS_INI_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

enum { MC_INI_LINE_MAX = 1024 }; /* longest line, bytes */

/** One setting, as the parser hands it over (strings valid during the callback only). */
typedef struct mc_ini_entry {
    const char *section; /* "" before the first [section] */
    const char *key;     /* [a-z0-9_.-], 1..63 bytes */
    const char *value;   /* trimmed; may be empty; may contain spaces */
    int64_t line;        /* 1-based */
} mc_ini_entry;

/** Called for every setting, in order; a status other than MC_OK stops the parse and is
 *  returned (the callback fills the diagnostic, with e->line). */
typedef mc_status (*mc_ini_fn)(void *ctx, const mc_ini_entry *e, mc_diag *d);

/** Parse a configuration held in memory (need not be NUL-terminated). Thread: any. Pure apart
 *  from the callback. Allocates nothing.
 *  @return MC_OK, MC_EFORMAT (a malformed line: the diagnostic has the line and byte offset and
 *          says what was expected), or the callback's status */
MC_NODISCARD mc_status mc_ini_parse(const char *text, size_t len, mc_ini_fn fn, void *ctx,
                                    mc_diag *d);

#endif
