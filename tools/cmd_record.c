/* SPDX-License-Identifier: MIT */
/* tools/cmd_record.c: `mcirc record`: live recording from sources paced in real time into a
 * crash-safe session file, with events typed on standard input. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "acquisition/device.h"
#include "formats/event_line.h"
#include "tools/commands.h"
#include "tools/pipeline.h"

static const char help[] =
    "usage: mcirc record -o FILE.h5 --subject ID --session LABEL\n"
    "                    --source NAME=DRIVER:ADDRESS[,key=value...] [--source ...] [options]\n\n"
    "Records live sources into one crash-safe HDF5 session file (SWMR, flushed every second:\n"
    "after a crash or a power cut everything older than a second is there).\n"
    "Drivers: sim:MODEL (ppg, ldf, nirs, pco2 with the keys of mcirc sim --help), and the\n"
    "live devices of mcirc devices (e.g. spo2=masimo:/dev/ttyUSB0, ldf=pcm:-,rate=1000).\n"
    "Type an event and Enter while recording, e.g.:\n"
    "  occlusion_start | occlusion_end @nirs_thenar | mottling 3 | crt 4.5 finger |\n"
    "  arterial_pco2 41 | note probe re-taped\n"
    "Ctrl-C or SIGTERM stops cleanly with everything written.\n\n"
    "  -o, --output FILE     file to create (never overwritten)\n"
    "  --source SPEC         NAME=DRIVER:ADDRESS[,key=value...], repeatable\n"
    "  --duration S          stop after S seconds (default: until stopped)\n"
    "  --compression N       deflate level 0..9 (default 4)\n"
    "Every stream's analyser runs live (the same code and parameters as mcirc analyze): its\n"
    "features go into /features of the session file and out over OSC, one bundle per hop\n"
    "(addresses: README, or the schema message /mcirc/<subject>/schema sent on start).\n\n"
    "  --osc URL             OSC destination, repeatable: osc.udp://HOST:PORT,\n"
    "                        osc.tcp://HOST:PORT, or a multicast group (default\n"
    "                        " MC_OSC_DEFAULT_URL ")\n"
    "  --no-osc              no OSC output\n"
    "  --no-analysis         record only: no live features, no OSC\n"
    "  --config FILE         analysis parameters (as mcirc analyze --config)\n"
    "  --speed X             simulated sources run X times faster than real time (tests,\n"
    "                        demos; times in the file are as if recorded in real time)\n"
    "  --osc-in [HOST:]PORT  also take events as OSC over UDP: /mcirc/event ,ssf (kind, text,\n"
    "                        value; NaN for no value), e.g.\n"
    "                          oscsend localhost PORT /mcirc/event ssf mottling \"\" 3\n"
    "                        Listens on 127.0.0.1 only unless HOST is given: HOST (e.g.\n"
    "                        0.0.0.0) lets anyone on that network write events into the\n"
    "                        session. PORT 0 picks a free port (printed). The message\n"
    "                        /mcirc/schema there asks for the schema again\n"
    "%s"
    "  -h, --help            this text\n";

enum {
    OPT_SOURCE = MC_OPT_FIRST_FREE,
    OPT_DURATION,
    OPT_COMPRESSION,
    OPT_OSC_IN,
    OPT_OSC,
    OPT_NO_OSC,
    OPT_NO_ANALYSIS,
    OPT_CONFIG,
    OPT_SPEED,
};

/* Lines typed at the bedside, assembled from non-blocking reads of standard input. */
typedef struct line_reader {
    char buf[1024];
    size_t len;
    int64_t line_no;
    int overlong; /* discarding the rest of a line that did not fit */
    int eof;
} line_reader;

static void handle_line(const char *cmd, mc_pipeline *p, const char *line, size_t len,
                        int64_t line_no, int *events, int *echo)
{
    mc_event ev;
    mc_diag d;
    mc_status st = mc_event_line_parse(line, len, &ev, &d);
    if (st == MC_END)
        return;
    if (st != MC_OK) {
        mc_cli_error(cmd, "standard input line %lld: %s; the event was not recorded",
                     (long long)line_no, d.message);
        return;
    }
    ev.t_ns = mc_clock_now_ns();
    if (mc_pipeline_push_event(p, &ev) != MC_OK) {
        mc_cli_error(cmd, "standard input line %lld: event queue full; the event was dropped",
                     (long long)line_no);
        return;
    }
    (*events)++;
    if (*echo >= 0) {
        /* Below the table: the next drawing starts afresh under this line. */
        fprintf(stderr, "\r\033[Kevent %s%s%s recorded\n", ev.kind, ev.text[0] ? ": " : "",
                ev.text);
        *echo = 0;
    }
}

/* `echo`: -1 in a pipe (quiet), else the lines of the table drawn on the terminal. */
static void read_stdin(const char *cmd, mc_pipeline *p, line_reader *lr, int *events, int *echo)
{
    for (;;) {
        ssize_t n = read(STDIN_FILENO, lr->buf + lr->len, sizeof lr->buf - lr->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            if (lr->len > 0 && !lr->overlong)
                handle_line(cmd, p, lr->buf, lr->len, ++lr->line_no, events, echo);
            lr->len = 0;
            lr->eof = 1;
            return;
        }
        lr->len += (size_t)n;
        char *nl;
        while ((nl = memchr(lr->buf, '\n', lr->len)) != NULL) {
            size_t line_len = (size_t)(nl - lr->buf);
            lr->line_no++;
            if (lr->overlong)
                lr->overlong = 0;
            else
                handle_line(cmd, p, lr->buf, line_len, lr->line_no, events, echo);
            memmove(lr->buf, nl + 1, lr->len - line_len - 1);
            lr->len -= line_len + 1;
        }
        if (lr->len == sizeof lr->buf) {
            if (!lr->overlong)
                mc_cli_error(cmd, "standard input line %lld: longer than %zu bytes; ignored",
                             (long long)lr->line_no + 1, sizeof lr->buf);
            lr->overlong = 1;
            lr->len = 0;
        }
    }
}

/* ---- the terminal view -------------------------------------------------------------------- */

/* Features the view shows, in this order, with a short label; the rest stay in the file. */
static const struct {
    const char *name, *label;
} shown[] = {
    {"pi", "PI"},
    {"hr", "HR"},
    {"sqi", "SQI"},
    {"perfusion", "perf"},
    {"endothelial_no_indep_rel", "endo"},
    {"neurogenic_rel", "neuro"},
    {"myogenic_rel", "myo"},
    {"respiratory_rel", "resp"},
    {"cardiac_rel", "card"},
    {"sto2", "StO2"},
    {"pco2", "PCO2"},
    {"pco2_trend", "trend"},
};

/* One line of the live table: the stream's last row, its state and its losses. */
static void view_stream(mc_pipeline *p, size_t i)
{
    mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
    const mc_live *live = mc_pipeline_get_live(p);
    float value[64];
    uint8_t status[64];
    int64_t t_end;
    size_t n = mc_pipeline_get_last_row(p, i, value, status, 64, &t_end);
    n = n < 64 ? n : 64;
    const char *state = !live ? "rec" : n == 0 ? "rec" : t_end == MC_NO_TIME ? "waiting" : "ok";
    char values[160] = "";
    size_t len = 0;
    for (size_t k = 0; k < n && t_end != MC_NO_TIME; k++) {
        const mc_feature_def *f = mc_live_get_feature(live, i, k);
        if (status[k] != MC_FS_OK && strcmp(state, "ok") == 0)
            state = mc_feature_status_name(status[k]);
        for (size_t j = 0; j < sizeof shown / sizeof shown[0] && len < sizeof values; j++) {
            if (strcmp(f->name, shown[j].name) != 0)
                continue;
            int rel = strstr(f->name, "_rel") != NULL;
            int w = status[k] != MC_FS_OK
                        ? snprintf(values + len, sizeof values - len, "%s -  ", shown[j].label)
                        : snprintf(values + len, sizeof values - len, "%s %.*f%s  ", shown[j].label,
                                   rel ? 0 : 1, rel ? 100.0 * (double)value[k] : (double)value[k],
                                   rel ? "%" : "");
            len = w > 0 && (size_t)w < sizeof values - len ? len + (size_t)w : sizeof values;
        }
    }
    fprintf(stderr, "\r\033[K  %-16.16s %-19.19s %-60.60s %8lld %8llu\n", s.name, state, values,
            (long long)s.missing, (unsigned long long)s.analysis_dropped);
}

/* The table, redrawn in place: `*lines` is how many lines the last drawing took (0: none). */
static void view_draw(mc_pipeline *p, const char *path, double t_s, int events, int *lines)
{
    if (*lines > 0)
        fprintf(stderr, "\033[%dA", *lines);
    fprintf(stderr, "\r\033[K%s  %.0f s  %d event%s typed", path, t_s, events,
            events == 1 ? "" : "s");
    mc_osc_out *osc = mc_pipeline_get_osc(p);
    for (size_t k = 0; osc && k < mc_osc_out_count(osc); k++) {
        mc_osc_out_stats os;
        mc_osc_out_get_stats(osc, k, &os);
        fprintf(stderr, "  OSC %zu: %llu sent, %llu dropped, %llu failed", k + 1,
                (unsigned long long)os.sender.sent, (unsigned long long)os.dropped,
                (unsigned long long)os.sender.failed);
    }
    fprintf(stderr, "\n\r\033[K  %-16s %-19s %-60s %8s %8s\n", "stream", "state", "last values",
            "missing", "an.drop");
    size_t n = mc_pipeline_get_n_streams(p);
    for (size_t i = 0; i < n; i++)
        view_stream(p, i);
    *lines = (int)n + 2;
}

/* --osc-in [HOST:]PORT, HOST possibly an IPv6 address in brackets: binds the receiver. */
static mc_status make_osc_in(const char *cmd, const char *arg, mc_osc_in **out)
{
    *out = NULL;
    char host[256] = "";
    const char *port = arg;
    const char *colon = strrchr(arg, ':');
    if (colon) {
        const char *h = arg;
        size_t n = (size_t)(colon - arg);
        if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
            h++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof host) {
            mc_cli_error(cmd, "--osc-in '%s': expected [HOST:]PORT, e.g. 9000 or 0.0.0.0:9000",
                         arg);
            return MC_EINVAL;
        }
        memcpy(host, h, n);
        host[n] = '\0';
        port = colon + 1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(port, &end, 10);
    if (!port[0] || *end || errno || v < 0 || v > 65535) {
        mc_cli_error(cmd, "--osc-in '%s': expected a UDP port 0..65535 (0: any free port)", arg);
        return MC_EINVAL;
    }
    mc_osc_in_config oc = mc_osc_in_config_default();
    oc.host = host;
    oc.port = (uint16_t)v;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_osc_in_create(&oc, &d, out);
    if (st != MC_OK) {
        mc_cli_error(cmd, "--osc-in %s", d.message[0] ? d.message : mc_strerror(st));
        return st == MC_ENOMEM ? st : MC_EINVAL;
    }
    fprintf(stderr, "mcirc %s: OSC events: /mcirc/event ,ssf on udp %s:%u%s\n", cmd,
            host[0] ? host : "127.0.0.1", (unsigned)mc_osc_in_get_port(*out),
            host[0] ? " (reachable from that network: anyone there can write events)" : "");
    return MC_OK;
}

/* Creates the sources; counts the live devices and says whether one of them reads standard
 * input (typed events are then not read from it). */
static mc_status make_sources(const mc_record_opts *o, int64_t mono0, mc_source **src,
                              size_t *n_devices, int *stdin_used)
{
    mc_source_spec *spec = calloc(1, sizeof *spec);
    if (!spec)
        return MC_ENOMEM;
    mc_status st = MC_OK;
    for (size_t i = 0; i < o->n_sources && st == MC_OK; i++) {
        mc_diag d;
        st = mc_source_spec_parse(o->sources[i], 1, spec, &d);
        if (st != MC_OK) {
            mc_cli_error(o->cmd, "--source %s", d.message);
            break;
        }
        for (size_t k = 0; k < i; k++)
            if (src[k] && strcmp(mc_source_get_info(src[k], 0)->name, spec->name) == 0) {
                mc_cli_error(o->cmd, "--source %s: stream name '%s' is used twice", o->sources[i],
                             spec->name);
                st = MC_EINVAL;
            }
        if (st == MC_OK && strcmp(spec->driver, "sim") == 0) {
            st = mc_cli_make_sim_source(o->cmd, spec, 1, o->speed > 0 ? o->speed : 1, mono0,
                                        o->duration_s, 0.1, &src[i]);
        } else if (st == MC_OK && o->speed > 0 && o->speed != 1) {
            mc_cli_error(o->cmd,
                         "--source %s: --speed is for simulated sources (a device sends "
                         "at its own pace)",
                         o->sources[i]);
            st = MC_EINVAL;
        } else if (st == MC_OK) {
            mc_diag dd;
            mc_diag_clear(&dd);
            (*n_devices)++;
            *stdin_used |= strcmp(spec->address, "-") == 0;
            st = mc_source_device_create(spec, mono0, &dd, &src[i]);
            if (st != MC_OK)
                mc_cli_error(o->cmd, "%s", dd.message[0] ? dd.message : mc_strerror(st));
        }
    }
    free(spec);
    return st;
}

int mc_record_run(const mc_record_opts *o)
{
    const char *cmd = o->cmd;
    mc_session_clock clock = mc_session_clock_start();
    mc_session_info session;
    mc_status st = mc_cli_make_session(cmd, &o->session, clock.unix0_ns, &session);
    if (st != MC_OK)
        return mc_cli_exit_code(st);
    if (!o->output) {
        mc_cli_error(cmd, "-o FILE is required");
        return MC_EXIT_USER;
    }
    if (o->n_sources == 0) {
        mc_cli_error(cmd, "at least one --source NAME=DRIVER:ADDRESS is required (e.g. "
                          "ppg_finger=sim:ppg)");
        return MC_EXIT_USER;
    }
    mc_source **src = calloc(o->n_sources, sizeof *src);
    if (!src)
        return MC_EXIT_INTERNAL;
    mc_pipeline *p = NULL;
    mc_osc_in *osc = NULL;
    /* Each simulated device starts streaming when the recorder first reads it, once the session
     * file is ready (as a device that is opened then), so that no block arrives late. */
    size_t n_devices = 0;
    int stdin_used = 0;
    if (access(o->output, F_OK) == 0) {
        /* Said before a device is waited for; the writer refuses it again (never overwritten). */
        mc_cli_error(cmd, "%s exists: mcirc never overwrites a recording", o->output);
        st = MC_EEXIST;
    }
    if (st == MC_OK)
        st = make_sources(o, clock.mono0_ns, src, &n_devices, &stdin_used);
    if (st == MC_OK && o->osc_in)
        st = make_osc_in(cmd, o->osc_in, &osc);
    mc_analysis_config acfg;
    mc_analysis_config_default(&acfg);
    if (st == MC_OK && o->config) {
        mc_diag d;
        mc_diag_clear(&d);
        st = mc_analysis_config_load(&acfg, o->config, &d);
        if (st != MC_OK)
            mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
    }
    if (st == MC_OK) {
        mc_pipeline_config pc = mc_pipeline_config_default();
        pc.sources = src;
        pc.n_sources = o->n_sources;
        pc.writer.path = o->output;
        pc.writer.session = &session;
        pc.writer.allow_id = o->session.allow_id;
        pc.writer.compression = o->compression;
        pc.mono0_ns = clock.mono0_ns;
        pc.unix0_ns = clock.unix0_ns;
        pc.osc_in = osc;
        pc.analysis = o->no_analysis ? NULL : &acfg;
        pc.osc = !o->no_analysis && !o->no_osc;
        pc.osc_urls = o->osc_urls;
        pc.n_osc_urls = o->n_osc_urls;
        pc.time_scale = o->speed > 0 ? o->speed : 1;
        /* The queues hold seconds of data: at speed X the same wall-clock slack is X times more
         * data. */
        pc.ring_s *= pc.time_scale;
        pc.analysis_s *= pc.time_scale;
        mc_diag d;
        mc_diag_clear(&d);
        st = mc_pipeline_create(&pc, &d, &p);
        if (st != MC_OK)
            mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
    }
    mc_cli_signals signals;
    mc_cli_catch_stop(&signals);
    if (st == MC_OK && mc_pipeline_start(p) != MC_OK) {
        mc_cli_error(cmd, "cannot start the recording threads");
        st = MC_ENOMEM;
    }
    int tty = mc_cli_stderr_is_tty();
    int events = 0;
    if (st == MC_OK) {
        if (tty)
            fprintf(stderr,
                    "recording %s (%zu stream%s). Type an event and Enter (e.g. "
                    "occlusion_start, mottling 3, note TEXT); Ctrl-C stops.\n",
                    o->output, mc_pipeline_get_n_streams(p),
                    mc_pipeline_get_n_streams(p) == 1 ? "" : "s");
        int flags = fcntl(STDIN_FILENO, F_GETFL);
        line_reader lr;
        memset(&lr, 0, sizeof lr);
        lr.eof = stdin_used || flags < 0 || fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) < 0;
        if (stdin_used)
            flags = -1; /* standard input is a device's: left alone */
        int64_t last_status = 0;
        int view = tty ? 0 : -1; /* lines of the table on the terminal; -1: quiet */
        double speed = o->speed > 0 ? o->speed : 1;
        while (!mc_cli_stop_requested() && mc_pipeline_is_running(p)) {
            struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
            int ready = lr.eof ? 0 : poll(&pfd, 1, 200);
            if (lr.eof) {
                struct timespec ts = {0, 200000000};
                nanosleep(&ts, NULL);
            } else if (ready > 0) {
                read_stdin(cmd, p, &lr, &events, &view);
            }
            int64_t now = mc_clock_now_ns();
            double t_s = (double)(now - clock.mono0_ns) / 1e9 * speed;
            /* Simulated sources end on their own at the duration (this is their backstop);
             * live devices are stopped at it. */
            if (o->duration_s > 0 && t_s >= o->duration_s + (n_devices ? 0 : 5 * speed))
                break;
            if (view >= 0 && now - last_status > 1000000000) {
                view_draw(p, o->output, t_s, events, &view);
                last_status = now;
            }
        }
        if (flags >= 0)
            fcntl(STDIN_FILENO, F_SETFL, flags);
        mc_diag d;
        mc_diag_clear(&d);
        st = mc_pipeline_finish(p, &d);
        if (st != MC_OK)
            mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
        if (st == MC_OK || st == MC_EIO) {
            int64_t missing = 0, frames = 0;
            for (size_t i = 0; i < mc_pipeline_get_n_streams(p); i++) {
                mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
                missing += s.missing;
                frames += s.frames;
            }
            int64_t rows = 0;
            uint64_t analysis_dropped = 0, behind = 0;
            for (size_t i = 0; i < mc_pipeline_get_n_streams(p); i++) {
                mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
                rows += s.rows;
                analysis_dropped += s.analysis_dropped;
                behind += s.ring_dropped;
            }
            printf("recorded %s: %.1f s, %zu streams, %lld samples, %lld missing, %d typed "
                   "event%s\n",
                   o->output,
                   (double)(mc_clock_now_ns() - clock.mono0_ns) / 1e9 *
                       (o->speed > 0 ? o->speed : 1),
                   mc_pipeline_get_n_streams(p), (long long)frames, (long long)missing, events,
                   events == 1 ? "" : "s");
            if (behind > 0)
                printf("writer behind: %llu samples lost while the file could not keep up (a "
                       "slow or busy disk?); they are gaps labelled 'dropped'\n",
                       (unsigned long long)behind);
            for (size_t i = 0; i < o->n_sources; i++) {
                if (!mc_source_is_device(src[i]))
                    continue;
                mc_device_stats ds = mc_source_device_get_stats(src[i]);
                printf("device %s: %llu bytes, %llu frames, %llu bad, %llu bytes skipped, "
                       "%llu dropped (flood), %llu disconnects, %llu reconnects\n",
                       mc_source_get_info(src[i], 0)->name, (unsigned long long)ds.bytes,
                       (unsigned long long)ds.frames, (unsigned long long)ds.bad_frames,
                       (unsigned long long)ds.skipped_bytes, (unsigned long long)ds.flood_dropped,
                       (unsigned long long)ds.disconnects, (unsigned long long)ds.reconnects);
            }
            if (mc_pipeline_get_live(p))
                printf("live analysis: %lld feature rows, %llu dropped (analysis behind)\n",
                       (long long)rows, (unsigned long long)analysis_dropped);
            mc_osc_out *out = mc_pipeline_get_osc(p);
            for (size_t k = 0; out && k < mc_osc_out_count(out); k++) {
                mc_osc_out_stats os;
                mc_osc_out_get_stats(out, k, &os);
                printf("OSC %s: %llu packets sent, %llu failed, %llu items dropped (queue full), "
                       "%llu left\n",
                       k < o->n_osc_urls ? o->osc_urls[k] : MC_OSC_DEFAULT_URL,
                       (unsigned long long)os.sender.sent, (unsigned long long)os.sender.failed,
                       (unsigned long long)os.dropped, (unsigned long long)os.left);
            }
            if (osc) {
                mc_osc_in_stats os = mc_osc_in_get_stats(osc);
                printf("OSC events: %llu received, %llu ignored (malformed), %llu dropped (queue "
                       "full)\n",
                       (unsigned long long)os.received, (unsigned long long)os.ignored,
                       (unsigned long long)os.dropped);
            }
            if (mc_pipeline_get_osc_in_status(p) != MC_OK)
                mc_cli_error(cmd, "the OSC input socket failed; OSC events after that were not "
                                  "received");
        }
        if (st == MC_EIO)
            st = MC_ENOMEM; /* a failure while recording is not the user's: exit 2 */
    }
    mc_cli_restore_signals(&signals);
    mc_pipeline_destroy(p);
    mc_osc_in_destroy(osc);
    for (size_t i = 0; i < o->n_sources; i++)
        mc_source_destroy(src[i]);
    free(src);
    return mc_cli_exit_code(st);
}

int mc_cmd_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"source", required_argument, NULL, OPT_SOURCE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"osc-in", required_argument, NULL, OPT_OSC_IN},
        {"osc", required_argument, NULL, OPT_OSC},
        {"no-osc", no_argument, NULL, OPT_NO_OSC},
        {"no-analysis", no_argument, NULL, OPT_NO_ANALYSIS},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"help", no_argument, NULL, 'h'},
        MC_CLI_SESSION_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    mc_record_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "record";
    o.compression = 4;
    const char **specs = calloc((size_t)argc, sizeof *specs);
    const char **urls = calloc((size_t)argc, sizeof *urls);
    if (!specs || !urls) {
        free(specs);
        free(urls);
        return MC_EXIT_INTERNAL;
    }
    int opt, rc = MC_EXIT_USER;
    double v;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (mc_cli_session_option(opt, optarg, &o.session))
            continue;
        switch (opt) {
        case 'o':
            o.output = optarg;
            break;
        case OPT_SOURCE:
            specs[o.n_sources++] = optarg;
            break;
        case OPT_DURATION:
            if (!mc_cli_parse_double(optarg, &v) || v <= 0) {
                mc_cli_error("record", "--duration '%s': expected seconds > 0", optarg);
                goto done;
            }
            o.duration_s = v;
            break;
        case OPT_COMPRESSION:
            if (!mc_cli_parse_compression("record", optarg, &o.compression))
                goto done;
            break;
        case OPT_OSC_IN:
            o.osc_in = optarg;
            break;
        case OPT_OSC:
            urls[o.n_osc_urls++] = optarg;
            break;
        case OPT_NO_OSC:
            o.no_osc = 1;
            break;
        case OPT_NO_ANALYSIS:
            o.no_analysis = 1;
            break;
        case OPT_CONFIG:
            o.config = optarg;
            break;
        case OPT_SPEED:
            if (!mc_cli_parse_double(optarg, &v) || v < 0.01 || v > 1000) {
                mc_cli_error("record", "--speed '%s': expected a factor in [0.01, 1000]", optarg);
                goto done;
            }
            o.speed = v;
            break;
        case 'h':
            printf(help, mc_cli_session_help);
            rc = MC_EXIT_OK;
            goto done;
        default:
            mc_cli_bad_option("record", argv, optind);
            goto done;
        }
    }
    if (optind < argc) {
        mc_cli_error("record", "unexpected argument '%s' (mcirc record --help)", argv[optind]);
        goto done;
    }
    if (o.n_osc_urls > 0 && (o.no_osc || o.no_analysis)) {
        mc_cli_error("record", "--osc with --no-osc or --no-analysis: choose one");
        goto done;
    }
    o.sources = specs;
    o.osc_urls = urls;
    rc = mc_record_run(&o);
done:
    free(specs);
    free(urls);
    return rc;
}
