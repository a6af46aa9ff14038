/* SPDX-License-Identifier: MIT */
/* tools/cmd_replay.c: `mcirc replay`: plays a recording into OSC as if it were live: every
 * stream's rows through the live analysers (tools/live.h), in time order across streams, paced
 * at a chosen speed, and with --follow a file that is still being recorded, like `tail -f`. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "formats/h5_reader.h"
#include "tools/commands.h"
#include "tools/live.h"
#include "tools/osc_out.h"

static const char help[] =
    "usage: mcirc replay FILE.h5 [--osc URL]... [--speed X] [--follow] [--from S]\n"
    "                    [--config FILE] [--idle S]\n\n"
    "Plays a recording into OSC as if it were live: every stream's rows go through the\n"
    "analyser mcirc record runs live (the same code and parameters as mcirc analyze, so the\n"
    "feature values equal the file's /features), and each hop goes out as one bundle timed at\n"
    "the end of its window in the recording's wall-clock time, with the waveform of the\n"
    "analysed channel and the file's events (addresses: README, or the schema message\n"
    "/mcirc/<subject>/schema sent on start).\n\n"
    "  --osc URL      OSC destination, repeatable: osc.udp://HOST:PORT, osc.tcp://HOST:PORT,\n"
    "                 or a multicast group (default " MC_OSC_DEFAULT_URL ")\n"
    "  --speed X      X times real time (default 1); 0 or max: as fast as possible (every\n"
    "                 message is queued and sent, none dropped)\n"
    "  --follow       the file is still being recorded: keep playing what the recorder adds\n"
    "                 and end when it closes the file\n"
    "  --idle S       with --follow, also end when the file has not grown for S seconds\n"
    "                 (a recorder that crashed; default 30)\n"
    "  --from S       send only what happens from S seconds into the session on (the\n"
    "                 analysers still see everything before it)\n"
    "  --config FILE  analysis parameters (as mcirc analyze --config)\n"
    "  -h, --help     this text\n";

enum { OPT_OSC = MC_OPT_FIRST_FREE, OPT_SPEED, OPT_FOLLOW, OPT_FROM, OPT_CONFIG, OPT_IDLE };

/* Session time played per step, and how far a stream that stopped growing may fall behind the
 * others before it stops holding them back while following. */
static const int64_t SLICE_NS = 1000000000;
static const int64_t STALL_NS = 5000000000;
enum { RP_MAX_FEATURES = 32 }; /* the largest analyser (LDF) has 14 */

typedef struct replay_opts {
    const char *path;
    const char *const *urls;
    size_t n_urls;
    double speed; /* 0: as fast as possible */
    int follow;
    double from_s;
    double idle_s;
    const char *config;
} replay_opts;

typedef enum item_kind { ITEM_HOP, ITEM_WAVE, ITEM_STATUS, ITEM_EVENT } item_kind;

/* One message due at a session time, gathered for a slice, then sorted and sent. */
typedef struct rp_item {
    int64_t t_ns; /* session ns at which it is due (its timetag: session start + t_ns) */
    size_t seq;   /* creation order, which breaks ties */
    item_kind kind;
    size_t stream;
    size_t n; /* features, or wave samples */
    int64_t dropped;
    const float *wave;  /* ITEM_WAVE: in the stream's buffer, valid for the slice */
    const mc_event *ev; /* ITEM_EVENT: in the reader's table, valid until the next refresh */
    float value[RP_MAX_FEATURES];
    uint8_t status[RP_MAX_FEATURES];
} rp_item;

typedef struct rp_stream {
    const mc_stream_info *info;
    int64_t next; /* the next stored row to play */
    size_t cap;   /* frames the buffers hold */
    float *frames;
    int64_t *t;
    float *wave;
    int64_t last_status_ns;
} rp_stream;

typedef struct replay {
    const replay_opts *o;
    mc_h5_reader *r;
    mc_live *live;
    mc_osc_out *osc;
    size_t queue_len;
    rp_stream *streams;
    size_t n_streams;
    size_t ev_next; /* the next event of the file to play */
    rp_item *items;
    size_t n_items, cap_items, seq;
    int64_t unix0_ns; /* the session's start, for timetags */
    int64_t from_ns;
    int64_t wall0_ns, t_first_ns; /* pacing: the first message sent, MC_NO_TIME before */
    int64_t last_progress_ns;
    int64_t rows_sent, events_sent, t_last_ns;
    mc_status st; /* the first failure of an emit callback */
} replay;

static void counted(mc_status st)
{
    (void)st; /* a full destination queue drops its oldest item and counts it */
}

static rp_item *add_item(replay *rp, item_kind kind, size_t stream, int64_t t_ns)
{
    if (rp->n_items == rp->cap_items) {
        size_t cap = rp->cap_items ? 2 * rp->cap_items : 256;
        rp_item *p = realloc(rp->items, cap * sizeof *p);
        if (!p) {
            rp->st = MC_ENOMEM;
            return NULL;
        }
        rp->items = p;
        rp->cap_items = cap;
    }
    rp_item *it = &rp->items[rp->n_items++];
    it->t_ns = t_ns;
    it->seq = rp->seq++;
    it->kind = kind;
    it->stream = stream;
    it->n = 0;
    it->dropped = 0;
    it->wave = NULL;
    it->ev = NULL;
    return it;
}

/* Samples the file holds as missing before row `end_index` of a stream (its gaps). */
static int64_t missing_before(const mc_h5_reader *r, size_t stream, int64_t end_index)
{
    size_t n;
    const mc_h5_gap *g = mc_h5_reader_get_gaps(r, stream, &n);
    int64_t sum = 0;
    for (size_t k = 0; k < n; k++)
        if (g[k].first_index < end_index)
            sum += g[k].n_missing;
    return sum;
}

static void on_row(void *ctx, const mc_live_row *row)
{
    replay *rp = ctx;
    rp_item *it = add_item(rp, ITEM_HOP, row->stream, row->t_end_ns);
    if (!it)
        return;
    it->n = row->n_features; /* at most RP_MAX_FEATURES: checked at create */
    memcpy(it->value, row->value, it->n * sizeof *it->value);
    memcpy(it->status, row->status, it->n);
    it->dropped = missing_before(rp->r, row->stream, row->end_index);
}

static int cmp_item(const void *a, const void *b)
{
    const rp_item *x = a, *y = b;
    if (x->t_ns != y->t_ns)
        return x->t_ns < y->t_ns ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static mc_status reserve(rp_stream *s, size_t n)
{
    if (n <= s->cap)
        return MC_OK;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < n)
        cap *= 2;
    float *f = realloc(s->frames, cap * s->info->n_channels * sizeof *f);
    if (f)
        s->frames = f;
    int64_t *t = realloc(s->t, cap * sizeof *t);
    if (t)
        s->t = t;
    float *w = realloc(s->wave, cap * sizeof *w);
    if (w)
        s->wave = w;
    if (!f || !t || !w)
        return MC_ENOMEM;
    s->cap = cap;
    return MC_OK;
}

/* Rows of a stream that may be played now: all that are stored, except, while the recorder is
 * still writing, the rows of a regular stream after its last anchor, whose times the next anchor
 * may still move (the recorder's own live analysis waits for it the same way). */
static int64_t available(const replay *rp, size_t i, int ended)
{
    int64_t n = mc_h5_reader_get_n_frames(rp->r, i);
    if (ended || rp->streams[i].info->rate_hz <= 0)
        return n;
    size_t na;
    const int64_t *a = mc_h5_reader_get_anchors(rp->r, i, &na);
    int64_t limit = na > 0 ? a[2 * (na - 1)] + 1 : 0;
    return n < limit ? n : limit;
}

/* Time of row `index` of a stream, or MC_NO_TIME when it cannot be read. */
static int64_t row_time(replay *rp, size_t i, int64_t index)
{
    int64_t t;
    return mc_h5_reader_read_times(rp->r, i, index, 1, &t) == MC_OK ? t : MC_NO_TIME;
}

/* Reads the rows of stream i before session time t1 (at most up to `avail`) and feeds them to
 * the analyser; gathers their hops, waveform and status. */
static mc_status play_stream(replay *rp, size_t i, int64_t avail, int64_t t1)
{
    rp_stream *s = &rp->streams[i];
    size_t k = 0;
    /* Count the rows before t1, reading their times in growing steps. */
    for (;;) {
        int64_t left = avail - s->next - (int64_t)k;
        if (left <= 0)
            break;
        size_t step = s->info->rate_hz > 0 ? (size_t)ceil(s->info->rate_hz) + 16 : 64;
        if ((int64_t)step > left)
            step = (size_t)left;
        mc_status st = reserve(s, k + step);
        if (st != MC_OK)
            return st;
        st = mc_h5_reader_read_times(rp->r, i, s->next + (int64_t)k, step, s->t + k);
        if (st != MC_OK)
            return st;
        size_t j = 0;
        while (j < step && s->t[k + j] < t1)
            j++;
        k += j;
        if (j < step)
            break;
    }
    if (k == 0)
        return MC_OK;
    mc_status st = mc_h5_reader_read(rp->r, i, s->next, k, s->frames);
    if (st != MC_OK)
        return st;
    st = mc_live_push(rp->live, i, s->next, s->frames, k, s->t, on_row, rp);
    if (st == MC_OK)
        st = rp->st;
    if (st != MC_OK)
        return st;
    s->next += (int64_t)k;
    int64_t t_last = s->t[k - 1];
    if (s->info->rate_hz > 0) {
        uint32_t c = mc_live_get_channel(rp->live, i);
        for (size_t j = 0; j < k; j++)
            s->wave[j] = s->frames[j * s->info->n_channels + c];
        rp_item *it = add_item(rp, ITEM_WAVE, i, t_last);
        if (it) {
            it->wave = s->wave;
            it->n = k;
        }
    }
    if (mc_live_get_n_features(rp->live, i) == 0 &&
        (s->last_status_ns == MC_NO_TIME || t_last - s->last_status_ns >= 1000000000)) {
        /* A stream without features still says it is alive, once a second, as when live. */
        s->last_status_ns = t_last;
        rp_item *it = add_item(rp, ITEM_STATUS, i, t_last);
        if (it)
            it->dropped = missing_before(rp->r, i, s->next);
    }
    return rp->st;
}

/* Waits until every destination queue has room: as fast as possible, nothing is dropped. */
static void wait_for_room(replay *rp)
{
    for (size_t k = 0; k < mc_osc_out_count(rp->osc); k++) {
        for (;;) {
            mc_osc_out_stats os;
            mc_osc_out_get_stats(rp->osc, k, &os);
            if (os.queued + 2 < rp->queue_len || mc_cli_stop_requested())
                break;
            mc_clock_sleep_until(mc_clock_now_ns() + 1000000, -1);
        }
    }
}

static void send_item(replay *rp, const rp_item *it)
{
    int64_t wall = rp->unix0_ns + it->t_ns;
    switch (it->kind) {
    case ITEM_HOP: {
        mc_osc_hop hop = {it->stream, wall, it->value, it->status, it->n, NULL, it->dropped};
        counted(mc_osc_out_push_hop(rp->osc, &hop));
        rp->rows_sent++;
        break;
    }
    case ITEM_WAVE:
        counted(mc_osc_out_push_wave(rp->osc, it->stream, wall, it->wave, it->n));
        break;
    case ITEM_STATUS:
        counted(mc_osc_out_push_status(rp->osc, it->stream, wall, "ok", it->dropped));
        break;
    case ITEM_EVENT:
        counted(mc_osc_out_push_event(rp->osc, wall, it->ev->kind, it->ev->text, it->ev->value));
        rp->events_sent++;
        break;
    }
}

static void progress(replay *rp, int64_t now)
{
    if (now - rp->last_progress_ns < 1000000000)
        return;
    rp->last_progress_ns = now;
    fprintf(stderr, "\r%s  %.1f s  %" PRId64 " rows sent\033[K", rp->o->path,
            (double)rp->t_last_ns / 1e9, rp->rows_sent);
}

/* Sends the gathered items in time order, each at its time (scaled by the speed). */
static void send_items(replay *rp, int tty)
{
    qsort(rp->items, rp->n_items, sizeof *rp->items, cmp_item);
    for (size_t k = 0; k < rp->n_items && !mc_cli_stop_requested(); k++) {
        const rp_item *it = &rp->items[k];
        if (it->t_ns < rp->from_ns)
            continue;
        if (rp->t_first_ns == MC_NO_TIME) {
            rp->t_first_ns = it->t_ns;
            rp->wall0_ns = mc_clock_now_ns();
        }
        if (rp->o->speed > 0) {
            int64_t due =
                rp->wall0_ns + llround((double)(it->t_ns - rp->t_first_ns) / rp->o->speed);
            while (!mc_cli_stop_requested() && !mc_clock_sleep_until(due, 100000000))
                if (tty)
                    progress(rp, mc_clock_now_ns());
            if (mc_cli_stop_requested())
                break;
        } else {
            wait_for_room(rp);
        }
        send_item(rp, it);
        rp->t_last_ns = it->t_ns;
        if (tty)
            progress(rp, mc_clock_now_ns());
    }
    rp->n_items = 0;
}

/* The earliest session time still to play (a row or an event), or MC_NO_TIME. */
static int64_t next_time(replay *rp, const int64_t *avail)
{
    int64_t t0 = MC_NO_TIME;
    for (size_t i = 0; i < rp->n_streams; i++) {
        if (rp->streams[i].next >= avail[i])
            continue;
        int64_t t = row_time(rp, i, rp->streams[i].next);
        if (t != MC_NO_TIME && (t0 == MC_NO_TIME || t < t0))
            t0 = t;
    }
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(rp->r, &ne);
    if (rp->ev_next < ne && (t0 == MC_NO_TIME || ev[rp->ev_next].t_ns < t0))
        t0 = ev[rp->ev_next].t_ns;
    return t0;
}

/* While following: a slice may be played when every stream holds rows at or past its end, or
 * when a stream lags the most advanced one by more than STALL_NS (a device that stopped). */
static int slice_ready(replay *rp, const int64_t *avail, int64_t t1)
{
    int64_t newest = MC_NO_TIME;
    int all = 1;
    for (size_t i = 0; i < rp->n_streams; i++) {
        int64_t t = avail[i] > 0 ? row_time(rp, i, avail[i] - 1) : MC_NO_TIME;
        if (t == MC_NO_TIME || t < t1)
            all = 0;
        if (t != MC_NO_TIME && (newest == MC_NO_TIME || t > newest))
            newest = t;
    }
    return all || (newest != MC_NO_TIME && newest >= t1 + STALL_NS);
}

static int64_t file_size(const replay *rp)
{
    int64_t n = 0;
    for (size_t i = 0; i < rp->n_streams; i++)
        n += mc_h5_reader_get_n_frames(rp->r, i);
    size_t ne;
    (void)mc_h5_reader_get_events(rp->r, &ne);
    return n + (int64_t)ne;
}

/* The replay loop. @return MC_OK (played to the end, or stopped by a signal), or a failure
 * already described in `d` */
static mc_status play(replay *rp, int tty, mc_diag *d)
{
    const replay_opts *o = rp->o;
    int64_t *avail = calloc(rp->n_streams ? rp->n_streams : 1, sizeof *avail);
    if (!avail)
        return MC_ENOMEM;
    int ended = !o->follow || mc_h5_reader_get_state(rp->r) == MC_H5_CLOSED;
    int64_t size = file_size(rp), grown_ns = mc_clock_now_ns();
    mc_status st = MC_OK;
    while (!mc_cli_stop_requested() && st == MC_OK) {
        for (size_t i = 0; i < rp->n_streams; i++)
            avail[i] = available(rp, i, ended);
        int64_t t0 = next_time(rp, avail);
        int64_t t1 = t0 == MC_NO_TIME ? MC_NO_TIME : t0 + SLICE_NS;
        if (t0 == MC_NO_TIME || (!ended && !slice_ready(rp, avail, t1))) {
            if (ended)
                break; /* everything is played */
            /* Wait for the recorder: read the mark before refreshing, so that once it is gone
             * the refresh sees everything the recorder wrote. */
            mc_clock_sleep_until(mc_clock_now_ns() + 100000000, -1);
            int written = 1;
            mc_status mark = mc_h5_file_is_being_written(o->path, &written);
            if (mark == MC_ENOTFOUND) {
                st = mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: the file disappeared", o->path);
                break;
            }
            if (mark != MC_OK)
                written = 1; /* cannot tell: only --idle ends the wait */
            if (mc_h5_reader_refresh(rp->r) != MC_OK) {
                st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot read what the recorder added",
                                 o->path);
                break;
            }
            int64_t now = mc_clock_now_ns(), n = file_size(rp);
            if (n != size) {
                size = n;
                grown_ns = now;
            }
            if (!written) {
                ended = 1;
            } else if ((double)(now - grown_ns) >= o->idle_s * 1e9) {
                if (tty)
                    fputc('\n', stderr);
                mc_cli_error("replay",
                             "%s has not grown for %g s but is still marked open (a recorder "
                             "that crashed?); playing what it holds and stopping",
                             o->path, o->idle_s);
                ended = 1;
            }
            continue;
        }
        for (size_t i = 0; i < rp->n_streams && st == MC_OK; i++)
            if (rp->streams[i].next < avail[i])
                st = play_stream(rp, i, avail[i], t1);
        size_t ne;
        const mc_event *ev = mc_h5_reader_get_events(rp->r, &ne);
        while (st == MC_OK && rp->ev_next < ne && ev[rp->ev_next].t_ns < t1) {
            rp_item *it = add_item(rp, ITEM_EVENT, 0, ev[rp->ev_next].t_ns);
            if (it)
                it->ev = &ev[rp->ev_next];
            rp->ev_next++;
            st = rp->st;
        }
        if (st != MC_OK) {
            mc_diag_set(d, st, -1, -1, "%s: reading the recording failed: %s", o->path,
                        mc_strerror(st));
            break;
        }
        send_items(rp, tty);
    }
    free(avail);
    return st;
}

static int replay_run(const replay_opts *o)
{
    const char *cmd = "replay";
    replay rp;
    memset(&rp, 0, sizeof rp);
    rp.o = o;
    rp.t_first_ns = MC_NO_TIME;
    rp.from_ns = llround(o->from_s * 1e9);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_h5_reader_open(o->path, &d, &rp.r);
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
        return mc_cli_exit_code(st);
    }
    const mc_session_info *session = mc_h5_reader_get_session(rp.r);
    rp.unix0_ns = session->start_unix_ns;
    rp.n_streams = mc_h5_reader_get_n_streams(rp.r);
    mc_stream_info *infos = calloc(rp.n_streams ? rp.n_streams : 1, sizeof *infos);
    rp.streams = calloc(rp.n_streams ? rp.n_streams : 1, sizeof *rp.streams);
    if (!infos || !rp.streams) {
        st = MC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < rp.n_streams; i++) {
        infos[i] = *mc_h5_reader_get_stream(rp.r, i);
        rp.streams[i].info = mc_h5_reader_get_stream(rp.r, i);
        rp.streams[i].last_status_ns = MC_NO_TIME;
    }
    mc_analysis_config acfg;
    mc_analysis_config_default(&acfg);
    if (o->config && (st = mc_analysis_config_load(&acfg, o->config, &d)) != MC_OK) {
        mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
        goto done;
    }
    st = mc_live_create(infos, rp.n_streams, &acfg, session->subject, &d, &rp.live);
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s: %s", o->path, d.message[0] ? d.message : mc_strerror(st));
        goto done;
    }
    for (size_t i = 0; i < rp.n_streams; i++)
        if (mc_live_get_n_features(rp.live, i) > RP_MAX_FEATURES) {
            mc_cli_error(cmd, "stream '%s': more than %d features", infos[i].name, RP_MAX_FEATURES);
            st = MC_ENOMEM; /* a limit of this program, not of the input */
            goto done;
        }
    mc_osc_out_config oc = mc_osc_out_config_default();
    rp.queue_len = oc.queue_len;
    st = mc_osc_out_create(&rp.osc, o->urls, o->n_urls, mc_live_get_schema(rp.live), &oc, &d);
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
        goto done;
    }
    mc_cli_signals signals;
    mc_cli_catch_stop(&signals);
    int tty = mc_cli_stderr_is_tty();
    int64_t start = mc_clock_now_ns();
    mc_diag_clear(&d);
    st = play(&rp, tty, &d);
    if (tty)
        fprintf(stderr, "\r\033[K");
    if (st != MC_OK)
        mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
    counted(mc_osc_out_finish(rp.osc)); /* MC_ETIMEDOUT: what was left is counted */
    mc_cli_restore_signals(&signals);
    printf("replayed %s%s: %" PRId64 " rows sent, %" PRId64 " events, %.1f s of session in "
           "%.1f s",
           o->path, mc_cli_stop_requested() ? " (stopped)" : "", rp.rows_sent, rp.events_sent,
           rp.t_first_ns == MC_NO_TIME ? 0.0 : (double)(rp.t_last_ns - rp.t_first_ns) / 1e9,
           (double)(mc_clock_now_ns() - start) / 1e9);
    for (size_t k = 0; k < mc_osc_out_count(rp.osc); k++) {
        mc_osc_out_stats os;
        mc_osc_out_get_stats(rp.osc, k, &os);
        printf("; OSC %s: %llu sent, %llu dropped, %llu failed",
               k < o->n_urls ? o->urls[k] : MC_OSC_DEFAULT_URL, (unsigned long long)os.sender.sent,
               (unsigned long long)(os.dropped + os.left), (unsigned long long)os.sender.failed);
    }
    printf("\n");
    if (st == MC_EIO || st == MC_EFORMAT)
        st = MC_ENOMEM; /* the file opened but failed while playing: not the user's to fix */
done:
    mc_osc_out_destroy(rp.osc);
    mc_live_destroy(rp.live);
    for (size_t i = 0; rp.streams && i < rp.n_streams; i++) {
        free(rp.streams[i].frames);
        free(rp.streams[i].t);
        free(rp.streams[i].wave);
    }
    free(rp.streams);
    free(rp.items);
    free(infos);
    mc_h5_reader_destroy(rp.r);
    return mc_cli_exit_code(st);
}

int mc_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"osc", required_argument, NULL, OPT_OSC},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"follow", no_argument, NULL, OPT_FOLLOW},
        {"from", required_argument, NULL, OPT_FROM},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"idle", required_argument, NULL, OPT_IDLE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    replay_opts o;
    memset(&o, 0, sizeof o);
    o.speed = 1;
    o.idle_s = 30;
    const char **urls = calloc((size_t)argc, sizeof *urls);
    if (!urls)
        return MC_EXIT_INTERNAL;
    int opt, rc = MC_EXIT_USER;
    double v;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_OSC:
            urls[o.n_urls++] = optarg;
            break;
        case OPT_SPEED:
            if (strcmp(optarg, "max") == 0) {
                o.speed = 0;
            } else if (!mc_cli_parse_double(optarg, &v) || (v != 0 && (v < 0.01 || v > 1000))) {
                mc_cli_error("replay",
                             "--speed '%s': expected a factor in [0.01, 1000], or 0 or "
                             "max for as fast as possible",
                             optarg);
                goto done;
            } else {
                o.speed = v;
            }
            break;
        case OPT_FOLLOW:
            o.follow = 1;
            break;
        case OPT_FROM:
            if (!mc_cli_parse_double(optarg, &v) || v < 0 || v > 1e9) {
                mc_cli_error("replay", "--from '%s': expected seconds >= 0", optarg);
                goto done;
            }
            o.from_s = v;
            break;
        case OPT_CONFIG:
            o.config = optarg;
            break;
        case OPT_IDLE:
            if (!mc_cli_parse_double(optarg, &v) || v <= 0 || v > 1e6) {
                mc_cli_error("replay", "--idle '%s': expected seconds > 0", optarg);
                goto done;
            }
            o.idle_s = v;
            break;
        case 'h':
            fputs(help, stdout);
            rc = MC_EXIT_OK;
            goto done;
        default:
            mc_cli_bad_option("replay", argv, optind);
            goto done;
        }
    }
    if (optind >= argc) {
        mc_cli_error("replay", "expected FILE.h5 (mcirc replay --help)");
        goto done;
    }
    if (optind + 1 < argc) {
        mc_cli_error("replay", "unexpected argument '%s' (one FILE.h5; mcirc replay --help)",
                     argv[optind + 1]);
        goto done;
    }
    o.path = argv[optind];
    o.urls = urls;
    rc = replay_run(&o);
done:
    free(urls);
    return rc;
}
