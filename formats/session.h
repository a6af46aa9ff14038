/* SPDX-License-Identifier: MIT */
/* formats/session.h: the session's root metadata (subject pseudonym, session label, site, start,
 * software) and the privacy rule that keeps direct patient identifiers out of recordings. */
#ifndef MC_FORMATS_SESSION_H
#define MC_FORMATS_SESSION_H

#include <stdint.h>

#include "dsp/status.h"

enum {
    MC_SUBJECT_MAX = 32,    /* longest pseudonymous subject code, bytes */
    MC_SESSION_TEXT = 128,  /* bytes including the NUL of session, site, timezone, software */
    MC_SESSION_NOTES = 512, /* bytes including the NUL of the notes */
};

/** Root metadata of a session file (DESIGN.md "HDF5 session file"). Fixed-size strings. */
typedef struct mc_session_info {
    char subject[MC_SESSION_TEXT];  /* pseudonymous code, e.g. "ICU-014" */
    char session[MC_SESSION_TEXT];  /* baseline, D1..D28 or free text */
    char site[MC_SESSION_TEXT];     /* recording centre, e.g. "paris-lrb" */
    char start_utc[64];             /* ISO 8601 UTC with milliseconds, "2026-11-25T20:37:46.123Z" */
    char timezone[MC_SESSION_TEXT]; /* local zone of the bedside, e.g. "+01:00" or "UTC" */
    char software[MC_SESSION_TEXT]; /* "mcirc 0.1.0" */
    char notes[MC_SESSION_NOTES];   /* free notes; no identifiers */
    int64_t start_unix_ns;          /* the same start as ns since 1970-01-01T00:00:00Z */
} mc_session_info;

/** Check that a subject is a pseudonymous code: 1..32 characters of A-Z a-z 0-9 '-' '_', with no
 *  run of digits that reads as a calendar date (1900-2099: YYYYMMDD, DDMMYYYY, YYYY-MM-DD,
 *  DD-MM-YYYY, DD_MM_YY and the like). With allow_id, any printable text up to 64 bytes passes
 *  (the user took responsibility). Thread: any.
 *  @return MC_OK, MC_EPRIVACY (looks like a name or a date; the diagnostic says why), MC_EINVAL
 *          (empty, too long, or not printable) */
MC_NODISCARD mc_status mc_subject_check(const char *subject, int allow_id, mc_diag *d);

/** Fill start_utc and start_unix_ns from a time in ns since the Unix epoch. Thread: any. */
void mc_session_set_start(mc_session_info *s, int64_t unix_ns);

/** Parse an ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z" into ns since the Unix epoch.
 *  Thread: any. @return MC_OK or MC_EFORMAT */
MC_NODISCARD mc_status mc_utc_parse(const char *text, int64_t *unix_ns);

#endif
