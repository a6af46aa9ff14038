/* SPDX-License-Identifier: MIT */
/* dsp/internal.h: helpers shared by files of dsp/ and never included from outside it: the
 * table-driven setting of numeric configuration fields by name, used by every analyser's
 * mc_<x>_config_set. */
#ifndef MC_DSP_INTERNAL_H
#define MC_DSP_INTERNAL_H

#include <stddef.h>

#include "dsp/status.h"

enum {
    MC__KEY_OPEN_LO = 1u,   /* lo itself is refused: (lo, hi] */
    MC__KEY_WHOLE = 2u,     /* only whole numbers */
    MC__KEY_INT_FIELD = 4u, /* the field is an int (implies MC__KEY_WHOLE), else a double */
};

/** A numeric setting: a field of a configuration struct and its accepted range. */
typedef struct mc__key {
    const char *name;
    size_t offset;    /* of the field in the configuration struct */
    double lo, hi;    /* accepted range, [lo, hi] or (lo, hi] */
    unsigned flags;   /* MC__KEY_* */
    const char *unit; /* for messages: "s", "Hz", "" */
} mc__key;

/** Parse a plain decimal number, blanks around it allowed: strtod also reads "inf", "nan" and
 *  hexadecimal, which no configuration should hold. @return 1 and *out, or 0 */
int mc__parse_decimal(const char *text, double *out);

/** The key named `name`, or NULL. */
const mc__key *mc__key_find(const mc__key *keys, size_t n, const char *name);

/** Parse `value` and store it in cfg's field. @return MC_OK, or MC_EINVAL with the message
 *  "<module>: <key>='<value>' is not a number in [lo, hi] <unit>" (cfg unchanged) */
MC_NODISCARD mc_status mc__key_set(void *cfg, const mc__key *k, const char *module,
                                   const char *value, mc_diag *d);

/** MC_EINVAL with the message of mc__key_set for a refused value (text as given or printed). */
mc_status mc__key_refuse(const mc__key *k, const char *module, const char *text, mc_diag *d);

/** Whether a value lies in a key's range. */
int mc__key_accepts(const mc__key *k, double v);

/** The field's current value, as a double. */
double mc__key_get(const void *cfg, const mc__key *k);

/** MC_EINVAL with "<module>: unknown setting '<key>' (expected <the names>[, <extra>])". */
mc_status mc__key_unknown(const mc__key *keys, size_t n, const char *module, const char *key,
                          const char *extra, mc_diag *d);

#endif
