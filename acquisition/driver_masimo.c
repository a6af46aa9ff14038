/* SPDX-License-Identifier: MIT */
/* acquisition/driver_masimo.c: Masimo Radical-7 / Rad-8 / Root serial "ASCII 1" (DEVICES.md
 * section 1): 9600 8N1, one line a second, parsed by key (formats/masimo.h). One regular stream
 * of the chosen numerics at 1/interval Hz; the serial number (SN=) is the identity; a change of
 * the EXC bits is a status event with their names, a change of ALARM an alarm event. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/masimo.h"

/* The channels a user may ask for: name, unit, field (or -1 for the EXC bits). */
static const struct {
    const char *name, *unit;
    int field;
} known[] = {
    {"spo2", "%", MC_MASIMO_SPO2},
    {"pr", "/min", MC_MASIMO_BPM},
    {"pi", "%", MC_MASIMO_PI},
    {"pvi", "%", MC_MASIMO_PVI},
    {"spco", "%", MC_MASIMO_SPCO},
    {"spmet", "%", MC_MASIMO_SPMET},
    {"sphb", "g/dL", MC_MASIMO_SPHB},
    {"spoc", "mL/dL", MC_MASIMO_SPOC},
    {"desat", "1", MC_MASIMO_DESAT},
    {"pi_delta", "%", MC_MASIMO_PIDELTA},
    {"exc", "1", -1},
};
enum { N_KNOWN = sizeof known / sizeof known[0] };

typedef struct masimo {
    mc_masimo_splitter split;
    mc_channel_info channels[N_KNOWN];
    int field[N_KNOWN];
    mc_driver_stream stream;
    uint32_t exc, alarm;
    int have_exc, have_alarm;
    double interval_s;
    int64_t last_unix_s;  /* device clock of the last line, or INT64_MIN */
    mc_device_sink *sink; /* during push */
    mc_driver_stats stats;
} masimo;

static const char *const keys[] = {"interval", "fields", NULL};

static mc_status parse_fields(masimo *m, const mc_source_spec *spec, mc_diag *d)
{
    const char *list = mc_source_spec_get(spec, "fields");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list ? list : "spo2:pr:pi:pvi:exc");
    uint32_t n = 0;
    char *save = NULL;
    for (char *f = strtok_r(buf, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
        size_t k = 0;
        while (k < N_KNOWN && strcmp(known[k].name, f) != 0)
            k++;
        int dup = 0;
        for (uint32_t j = 0; j < n; j++)
            dup |= m->field[j] == (k < N_KNOWN ? known[k].field : -2);
        if (k == N_KNOWN || dup)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "--source %s: fields=%s: '%s' is %s (expected names from spo2, pr, "
                               "pi, pvi, spco, spmet, sphb, spoc, desat, pi_delta, exc joined by "
                               "':')",
                               spec->name, list, f, dup ? "repeated" : "unknown");
        m->channels[n] = (mc_channel_info){known[k].name, known[k].unit, 1, 0};
        m->field[n++] = known[k].field;
    }
    if (n == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: fields= is empty", spec->name);
    m->stream.n_channels = n;
    return MC_OK;
}

static mc_status masimo_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "masimo", keys, d);
    if (st != MC_OK)
        return st;
    masimo *m = calloc(1, sizeof *m);
    if (!m)
        return MC_ENOMEM;
    double interval = 1;
    st = mc_driver_key_double(spec, "interval", 0.5, 60, &interval, d);
    if (st == MC_OK)
        st = parse_fields(m, spec, d);
    if (st != MC_OK) {
        free(m);
        return st;
    }
    m->stream.suffix = "";
    m->stream.modality = MC_MODALITY_OTHER;
    m->stream.channels = m->channels;
    m->stream.rate_hz = 1.0 / interval;
    m->interval_s = interval;
    m->last_unix_s = INT64_MIN;
    mc_masimo_splitter_reset(&m->split);
    *self = m;
    return MC_OK;
}

static size_t masimo_get_n_streams(const void *self)
{
    (void)self;
    return 1;
}

static const mc_driver_stream *masimo_get_stream(const void *self, size_t i)
{
    (void)i;
    return &((const masimo *)self)->stream;
}

static mc_status masimo_start(void *self, mc_transport *t)
{
    (void)t; /* the device streams unasked */
    masimo *m = self;
    mc_line_splitter_restart(&m->split); /* a line cut by the outage is not completed */
    m->last_unix_s = INT64_MIN;          /* what was lost meanwhile is the outage's gap */
    return MC_OK;
}

static mc_status on_line(void *ctx, const char *text, size_t n, int64_t line_no)
{
    (void)line_no;
    masimo *m = ctx;
    mc_masimo_line l;
    if (mc_masimo_line_parse(text, n, &l, NULL) != MC_OK) {
        m->stats.bad_frames++;
        m->stats.skipped_bytes += n;
        return MC_OK;
    }
    m->stats.frames++;
    if (m->last_unix_s != INT64_MIN && l.unix_s > m->last_unix_s) {
        /* The device clock says lines were lost on the way (garbage, a cut line): up to a
         * minute of them becomes a "dropped" gap instead of shifting every later row. */
        long k = lround((double)(l.unix_s - m->last_unix_s) / m->interval_s);
        if (k >= 2 && (double)k * m->interval_s <= 60)
            mc_device_sink_skip(m->sink, 0, (uint32_t)(k - 1));
    }
    m->last_unix_s = l.unix_s;
    float v[N_KNOWN];
    for (uint32_t c = 0; c < m->stream.n_channels; c++)
        v[c] = m->field[c] < 0 ? (l.has_exc ? (float)l.exc : NAN) : l.value[m->field[c]];
    mc_device_sink_frame(m->sink, 0, v);
    if (l.serial[0])
        mc_device_sink_identity(m->sink, "Masimo (ASCII 1)", l.serial, NULL);
    if (l.has_exc && (!m->have_exc || l.exc != m->exc)) {
        char text_exc[200];
        mc_masimo_exc_describe(l.exc, text_exc, sizeof text_exc);
        mc_device_sink_event(m->sink, 0, "status", text_exc[0] ? text_exc : "no exception",
                             (double)l.exc);
        m->exc = l.exc;
        m->have_exc = 1;
    }
    if (l.has_alarm && (!m->have_alarm || l.alarm != m->alarm)) {
        char text_alarm[40];
        snprintf(text_alarm, sizeof text_alarm, "ALARM=%04X", (unsigned)l.alarm);
        mc_device_sink_event(m->sink, 0, "alarm", text_alarm, (double)l.alarm);
        m->alarm = l.alarm;
        m->have_alarm = 1;
    }
    return MC_OK;
}

static void masimo_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    masimo *m = self;
    m->sink = sink;
    mc_status st = mc_masimo_splitter_push(&m->split, bytes, n, on_line, m);
    (void)st; /* on_line never stops the push */
    m->sink = NULL;
}

static mc_driver_stats masimo_get_stats(const void *self)
{
    const masimo *m = self;
    mc_driver_stats s = m->stats;
    s.skipped_bytes += m->split.bytes_dropped;
    s.bad_frames += m->split.overlong_lines;
    return s;
}

static void masimo_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_masimo = {
    .name = "masimo",
    .summary = "Masimo Radical-7 / Rad-8 / Root, serial ASCII 1",
    .defaults = "baud=9600,framing=8N1",
    .keys = "interval=1      seconds between lines (the device's output setting)\n"
            "fields=spo2:pr:pi:pvi:exc   channels, from spo2 pr pi pvi spco spmet sphb spoc\n"
            "                desat pi_delta exc (the EXC bits as a number)\n",
    .streams = "NAME: the chosen numerics (SpO2 %, PR /min, PI %, PVI %...) at 1/interval Hz; "
               "EXC changes as status events, ALARM changes as alarm events; SN as the serial",
    .identity_wait_s = 2.5,
    .silence_s = 5,
    .create = masimo_create,
    .get_n_streams = masimo_get_n_streams,
    .get_stream = masimo_get_stream,
    .start = masimo_start,
    .push = masimo_push,
    .get_stats = masimo_get_stats,
    .destroy = masimo_destroy,
};
