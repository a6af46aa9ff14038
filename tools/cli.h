/* SPDX-License-Identifier: MIT */
/* tools/cli.h: what every subcommand shares: exit codes, one-line errors, strict number parsing,
 * session metadata from the common options, simulated sources from specs, terminal detection. */
#ifndef MC_TOOLS_CLI_H
#define MC_TOOLS_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "acquisition/source.h"
#include "dsp/status.h"
#include "formats/session.h"
#include "formats/source_spec.h"

/** Exit codes (DESIGN.md "The program"). */
enum { MC_EXIT_OK = 0, MC_EXIT_USER = 1, MC_EXIT_INTERNAL = 2 };

/** Print "mcirc <cmd>: <message>" as one line on stderr. */
void mc_cli_error(const char *cmd, const char *fmt, ...) MC_PRINTF(2, 3);

/** Exit code for a status: 1 for what the user can fix (bad input, existing or unwritable file),
 *  2 for an internal failure (out of memory, a broken invariant). */
int mc_cli_exit_code(mc_status st);

/** Parse a whole string as a finite number. @return 1 on success, else 0 */
int mc_cli_parse_double(const char *s, double *out);

/** Called for each key=value of an option's argument; prints its own error and returns 0 to stop
 *  (1 to go on). */
typedef int (*mc_cli_kv_fn)(void *ctx, const char *key, const char *value);

/** Split `arg` ("k=v[,k=v...]", the argument of option `opt`, at most 255 bytes) and call fn for
 *  each pair in order. Prints "OPT 'x': expected key=value" or "too long" itself.
 *  @return 1, or 0 after an error (printed) */
int mc_cli_for_each_kv(const char *cmd, const char *opt, const char *arg, mc_cli_kv_fn fn,
                       void *ctx);

/** Parse --compression: an integer 0..9 (deflate level after shuffle). Prints the error.
 *  @return 1 on success, else 0 */
int mc_cli_parse_compression(const char *cmd, const char *arg, int *level);

/** Print the error for an option getopt_long refused (unknown, or its argument missing). */
void mc_cli_bad_option(const char *cmd, char *const *argv, int optind_now);

/** Options that describe a session, shared by sim, record and demo. */
typedef struct mc_cli_session_opts {
    const char *subject;
    const char *session;
    const char *site;
    const char *notes;
    const char *timezone;
    int allow_id;
} mc_cli_session_opts;

/** getopt_long codes of the session options (--subject --session --site --notes --timezone
 *  --allow-id), shared by sim, record and demo. */
enum {
    MC_OPT_SUBJECT = 256,
    MC_OPT_SESSION,
    MC_OPT_SITE,
    MC_OPT_NOTES,
    MC_OPT_TIMEZONE,
    MC_OPT_ALLOW_ID,
    MC_OPT_FIRST_FREE, /* subcommands number their own options from here */
};

/* The session options as `struct option` entries, for a subcommand's getopt_long table. */
#define MC_CLI_SESSION_OPTIONS                                                                     \
    {"subject", required_argument, NULL, MC_OPT_SUBJECT},                                          \
        {"session", required_argument, NULL, MC_OPT_SESSION},                                      \
        {"site", required_argument, NULL, MC_OPT_SITE},                                            \
        {"notes", required_argument, NULL, MC_OPT_NOTES},                                          \
        {"timezone", required_argument, NULL, MC_OPT_TIMEZONE},                                    \
    {                                                                                              \
        "allow-id", no_argument, NULL, MC_OPT_ALLOW_ID                                             \
    }

/** Help text of the session options. */
extern const char mc_cli_session_help[];

/** Take a session option. @return 1 when `opt` was one, else 0 */
int mc_cli_session_option(int opt, const char *arg, mc_cli_session_opts *o);

/** Fill session metadata (start = now) from the options; checks the subject privacy rule.
 *  @return MC_OK, or an error already printed as "mcirc <cmd>: ..." */
mc_status mc_cli_make_session(const char *cmd, const mc_cli_session_opts *o, int64_t unix_ns,
                              mc_session_info *out);

/** Create simulated sources from specs (sim:MODEL for record, MODEL for sim). The sources are
 *  appended to *sources (grown with realloc); errors are printed.
 *  @param paced, speed, start_mono_ns, duration_s, block_s as mc_source_sim_config; a paced
 *               source is `record`'s device: frame 0 is due when the recorder first reads it
 *               (after the session file is ready), the speed-up counted from start_mono_ns */
mc_status mc_cli_make_sim_source(const char *cmd, const mc_source_spec *spec, int paced,
                                 double speed, int64_t start_mono_ns, double duration_s,
                                 double block_s, mc_source **out);

/** 1 when stderr is a terminal (progress and live lines are shown), else 0. */
int mc_cli_stderr_is_tty(void);

/** Ctrl-C and SIGTERM set a flag instead of ending the process, so that a long command stops
 *  cleanly with everything written: install, poll mc_cli_stop_requested, restore. The flag is
 *  the program's one piece of process-wide state. Control thread. */
typedef struct mc_cli_signals {
    struct sigaction old_int, old_term;
} mc_cli_signals;
void mc_cli_catch_stop(mc_cli_signals *saved);
void mc_cli_restore_signals(const mc_cli_signals *saved);
int mc_cli_stop_requested(void);

/** Local UTC offset as "+01:00", for the session's timezone attribute. */
void mc_cli_local_timezone(char *buf, size_t cap);

#endif
