/* SPDX-License-Identifier: MIT */
/* tools/cli.c: shared helpers of the subcommands. */
#include "tools/cli.h"

#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/source_sim.h"

void mc_cli_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line: a message must never spread over several. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "mcirc %s: %s\n", cmd, msg);
}

int mc_cli_exit_code(mc_status st)
{
    switch (st) {
    case MC_OK:
        return MC_EXIT_OK;
    case MC_ENOMEM:
    case MC_ESTATE:
    case MC_EOVERRUN:
    case MC_ETIMEDOUT:
        return MC_EXIT_INTERNAL;
    default:
        return MC_EXIT_USER;
    }
}

int mc_cli_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int mc_cli_parse_compression(const char *cmd, const char *arg, int *level)
{
    double v;
    if (!mc_cli_parse_double(arg, &v) || v < 0 || v > 9 || v != (int)v) {
        mc_cli_error(cmd, "--compression '%s': expected an integer 0..9", arg);
        return 0;
    }
    *level = (int)v;
    return 1;
}

void mc_cli_bad_option(const char *cmd, char *const *argv, int optind_now)
{
    mc_cli_error(cmd, "unknown option, or option without its value: '%s' (mcirc %s --help)",
                 argv[optind_now - 1], cmd);
}

void mc_cli_local_timezone(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    char tz[16];
    if (strftime(tz, sizeof tz, "%z", &local) == 5) /* "+0100" -> "+01:00" */
        snprintf(buf, cap, "%.3s:%.2s", tz, tz + 3);
    else
        snprintf(buf, cap, "UTC");
}

mc_status mc_cli_make_session(const char *cmd, const mc_cli_session_opts *o, int64_t unix_ns,
                              mc_session_info *out)
{
    memset(out, 0, sizeof *out);
    if (!o->subject) {
        mc_cli_error(cmd, "--subject is required: a pseudonymous code such as ICU-014");
        return MC_EINVAL;
    }
    if (!o->session) {
        mc_cli_error(cmd, "--session is required: baseline, D2 ... D7, or a free label");
        return MC_EINVAL;
    }
    mc_diag d;
    mc_status st = mc_subject_check(o->subject, o->allow_id, &d);
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s", d.message);
        return st;
    }
    const char *texts[] = {o->session, o->site, o->notes};
    for (size_t i = 0; i < 3; i++)
        if (texts[i] && strlen(texts[i]) >= (i == 2 ? sizeof out->notes : sizeof out->session)) {
            mc_cli_error(cmd, "--%s is too long", i == 0 ? "session" : i == 1 ? "site" : "notes");
            return MC_EINVAL;
        }
    snprintf(out->subject, sizeof out->subject, "%s", o->subject);
    snprintf(out->session, sizeof out->session, "%s", o->session);
    snprintf(out->site, sizeof out->site, "%s", o->site ? o->site : "");
    snprintf(out->notes, sizeof out->notes, "%s", o->notes ? o->notes : "");
    if (o->timezone)
        snprintf(out->timezone, sizeof out->timezone, "%s", o->timezone);
    else
        mc_cli_local_timezone(out->timezone, sizeof out->timezone);
    snprintf(out->software, sizeof out->software, "mcirc %s", MC_VERSION);
    mc_session_set_start(out, unix_ns);
    return MC_OK;
}

mc_status mc_cli_make_sim_source(const char *cmd, const mc_source_spec *spec, int paced,
                                 double speed, int64_t start_mono_ns, double duration_s,
                                 double block_s, mc_source **out)
{
    mc_source_sim_config c = mc_source_sim_config_default();
    c.speed = speed;
    c.model = spec->address;
    c.name = spec->name;
    c.params = spec->params;
    c.n_params = spec->n_params;
    c.paced = paced;
    c.start_on_first_read = paced;
    c.start_mono_ns = start_mono_ns;
    c.duration_s = duration_s;
    c.block_s = block_s;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_source_sim_create(&c, &d, out);
    if (st != MC_OK)
        mc_cli_error(cmd, "stream '%s': %s", spec->name,
                     d.message[0] ? d.message : mc_strerror(st));
    return st;
}

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void mc_cli_catch_stop(mc_cli_signals *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    stop_flag = 0;
    sigaction(SIGINT, &sa, &saved->old_int);
    sigaction(SIGTERM, &sa, &saved->old_term);
}

void mc_cli_restore_signals(const mc_cli_signals *saved)
{
    sigaction(SIGINT, &saved->old_int, NULL);
    sigaction(SIGTERM, &saved->old_term, NULL);
}

int mc_cli_stop_requested(void)
{
    return stop_flag;
}

int mc_cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

const char mc_cli_session_help[] =
    "  --subject ID      pseudonymous subject code (letters, digits, - _; up to 32); names and\n"
    "                    dates are refused unless --allow-id is given\n"
    "  --session LABEL   baseline, D2 ... D7, or a free label\n"
    "  --site TEXT       recording centre\n"
    "  --notes TEXT      free notes (never a name or a birth date)\n"
    "  --timezone TZ     local zone, e.g. +01:00 (default: this machine's)\n"
    "  --allow-id        accept a subject that looks like an identifier (you take "
    "responsibility)\n";

int mc_cli_session_option(int opt, const char *arg, mc_cli_session_opts *o)
{
    switch (opt) {
    case MC_OPT_SUBJECT:
        o->subject = arg;
        return 1;
    case MC_OPT_SESSION:
        o->session = arg;
        return 1;
    case MC_OPT_SITE:
        o->site = arg;
        return 1;
    case MC_OPT_NOTES:
        o->notes = arg;
        return 1;
    case MC_OPT_TIMEZONE:
        o->timezone = arg;
        return 1;
    case MC_OPT_ALLOW_ID:
        o->allow_id = 1;
        return 1;
    default:
        return 0;
    }
}

int mc_cli_for_each_kv(const char *cmd, const char *opt, const char *arg, mc_cli_kv_fn fn,
                       void *ctx)
{
    char buf[256];
    if (strlen(arg) >= sizeof buf) {
        mc_cli_error(cmd, "%s '%s': too long", opt, arg);
        return 0;
    }
    strcpy(buf, arg);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            mc_cli_error(cmd, "%s '%s': expected key=value", opt, kv);
            return 0;
        }
        *eq = '\0';
        if (!fn(ctx, kv, eq + 1))
            return 0;
    }
    return 1;
}
