/* SPDX-License-Identifier: MIT */
/* formats/source_spec.h: parses the stream and source specifications of the command line,
 * `NAME=MODEL[,k=v...]` (mcirc sim --stream) and `NAME=DRIVER:ADDRESS[,k=v...]` (mcirc record
 * --source), into a name, a driver, an address and key/value parameters. */
#ifndef MC_FORMATS_SOURCE_SPEC_H
#define MC_FORMATS_SOURCE_SPEC_H

#include <stddef.h>

#include "dsp/status.h"
#include "dsp/stream.h"

enum {
    MC_SPEC_MAX_PARAMS = 32, /* key=value pairs per spec */
    MC_SPEC_MAX_LEN = 1023,  /* bytes of a whole spec */
};

/** A parsed spec. Self-contained: the strings live in `text`, so it can be copied by value. */
typedef struct mc_source_spec {
    const char *name;    /* stream name (mc_name_is_valid) */
    const char *driver;  /* "sim", a device driver name; "sim" for the MODEL form */
    const char *address; /* sim: the model; devices: /dev/..., tcp://HOST:PORT, udp://:PORT, - */
    size_t n_params;
    mc_kv params[MC_SPEC_MAX_PARAMS]; /* keys [a-z0-9_], unique; values non-empty */
    char text[MC_SPEC_MAX_LEN + 1];   /* storage of the strings above */
} mc_source_spec;

/** Parse a spec. Thread: any. Pure.
 *  @param text        the spec; at most MC_SPEC_MAX_LEN bytes
 *  @param with_driver 1 for NAME=DRIVER:ADDRESS, 0 for NAME=MODEL (driver is then "sim")
 *  @param out         receives the spec; its pointers point into out->text (do not move `out`
 *                     after parsing, or call mc_source_spec_parse again on the copy's text)
 *  @param d           optional: byte offset and what was expected
 *  @return MC_OK or MC_EFORMAT */
MC_NODISCARD mc_status mc_source_spec_parse(const char *text, int with_driver, mc_source_spec *out,
                                            mc_diag *d);

/** Value of parameter `key`, or NULL. Thread: any. */
const char *mc_source_spec_get(const mc_source_spec *s, const char *key);

#endif
