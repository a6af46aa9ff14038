/* SPDX-License-Identifier: MIT */
/* acquisition/driver_nonin.c: Nonin serial data formats 2, 7 and 8 (DEVICES.md section 3; XPod,
 * OEM III, 9560, WristOx2...), 9600 8N1, decoded by formats/nonin.h.
 * Formats 2 and 7: NAME is the 75 Hz pleth (8-bit or 16-bit counts) with the STATUS byte as a
 * second channel; NAME_numerics the packet's numerics at 3 Hz. Frames lost inside a packet (a
 * bad checksum) are "dropped" rows, placed by their packet position. Format 8: NAME is the 1 Hz
 * numerics with the status flags. A change of the sensor-alarm / out-of-track state is a status
 * event. With select=1 the format-select command is sent at each connection (the 9560). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/nonin.h"

static const mc_channel_info pleth_channels[] = {{"pleth", "1", 1, 0}, {"status", "1", 1, 0}};
static const mc_channel_info numeric_channels[] = {
    {"spo2", "%", 1, 0},   {"hr", "/min", 1, 0},   {"spo2_d", "%", 1, 0}, {"hr_d", "/min", 1, 0},
    {"e_spo2", "%", 1, 0}, {"e_hr", "/min", 1, 0}, {"flags", "1", 1, 0},
};
static const mc_channel_info f8_channels[] = {
    {"spo2", "%", 1, 0}, {"hr", "/min", 1, 0}, {"flags", "1", 1, 0}};

typedef struct nonin {
    int format, select;
    mc_nonin_decoder dec;
    mc_driver_stream streams[2];
    size_t n_streams;
    uint32_t alarm_state; /* sensor alarm / out of track, as last reported */
    int have_state;
    mc_device_sink *sink;
} nonin;

static const char *const keys[] = {"format", "select", NULL};

static mc_status nonin_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "nonin", keys, d);
    double format = 2, select = 0;
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "format", 2, 8, &format, d);
    if (st == MC_OK && format != 2 && format != 7 && format != 8)
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: format=%s: expected 2, 7 or 8",
                         spec->name, mc_source_spec_get(spec, "format"));
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "select", 0, 1, &select, d);
    if (st != MC_OK)
        return st;
    nonin *n = calloc(1, sizeof *n);
    if (!n)
        return MC_ENOMEM;
    n->format = (int)format;
    n->select = select != 0;
    if (mc_nonin_decoder_reset(&n->dec, n->format) != MC_OK) {
        free(n);
        return MC_EINVAL;
    }
    if (n->format == 8) {
        n->streams[0] = (mc_driver_stream){"", MC_MODALITY_OTHER, 3, f8_channels, 1};
        n->n_streams = 1;
    } else {
        n->streams[0] = (mc_driver_stream){"", MC_MODALITY_PPG, 2, pleth_channels, 75};
        n->streams[1] = (mc_driver_stream){"numerics", MC_MODALITY_OTHER, 7, numeric_channels, 3};
        n->n_streams = 2;
    }
    *self = n;
    return MC_OK;
}

static size_t nonin_get_n_streams(const void *self)
{
    return ((const nonin *)self)->n_streams;
}

static const mc_driver_stream *nonin_get_stream(const void *self, size_t i)
{
    return &((const nonin *)self)->streams[i];
}

static mc_status nonin_start(void *self, mc_transport *t)
{
    nonin *n = self;
    mc_nonin_stats kept = n->dec.stats;
    mc_status st = mc_nonin_decoder_reset(&n->dec, n->format);
    n->dec.stats = kept;
    if (st == MC_OK && n->select) {
        uint8_t cmd[6];
        st = mc_nonin_format_command(n->format, cmd);
        if (st == MC_OK)
            st = mc_transport_write(t, cmd, sizeof cmd);
    }
    return st;
}

static void state_event(nonin *n, uint32_t state)
{
    if (n->have_state && state == n->alarm_state)
        return;
    char text[96];
    snprintf(text, sizeof text, "%s%s%s", state & 1 ? "sensor alarm" : "",
             (state & 3) == 3 ? ", " : "", state & 2 ? "out of track" : "");
    mc_device_sink_event(n->sink, 0, "status", text[0] ? text : "sensor ok", (double)state);
    n->alarm_state = state;
    n->have_state = 1;
}

static mc_status on_frame(void *ctx, const mc_nonin_frame *f)
{
    nonin *n = ctx;
    if (f->lost > 0)
        mc_device_sink_skip(n->sink, 0, (uint32_t)f->lost);
    float v[2] = {f->pleth, (float)f->status};
    mc_device_sink_frame(n->sink, 0, v);
    state_event(n, (uint32_t)f->sensor_alarm | (uint32_t)f->out_of_track << 1);
    return MC_OK;
}

static mc_status on_numerics(void *ctx, const mc_nonin_numerics *m)
{
    nonin *n = ctx;
    if (n->format == 8) {
        float v[3] = {m->spo2, m->hr, (float)m->flags};
        mc_device_sink_frame(n->sink, 0, v);
        state_event(n, (m->flags & MC_NONIN_FLAG_SNSA ? 1u : 0u) |
                           (m->flags & MC_NONIN_FLAG_OOT ? 2u : 0u));
    } else {
        float v[7] = {m->spo2, m->hr, m->spo2_d, m->hr_d, m->e_spo2, m->e_hr, (float)m->flags};
        mc_device_sink_frame(n->sink, 1, v);
    }
    return MC_OK;
}

static void nonin_push(void *self, const uint8_t *bytes, size_t len, mc_device_sink *sink)
{
    nonin *n = self;
    static const mc_nonin_callbacks cb = {on_frame, on_numerics};
    n->sink = sink;
    mc_status st = mc_nonin_decoder_push(&n->dec, bytes, len, &cb, n);
    (void)st; /* the callbacks never stop the push */
    n->sink = NULL;
}

static mc_driver_stats nonin_get_stats(const void *self)
{
    const nonin *n = self;
    mc_driver_stats s = {n->dec.stats.frames_good, n->dec.stats.bad_frames,
                         n->dec.stats.skipped_bytes};
    return s;
}

static void nonin_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_nonin = {
    .name = "nonin",
    .summary = "Nonin pulse oximeters, serial data formats 2, 7 (75 Hz pleth) and 8 (1 Hz)",
    .defaults = "baud=9600,framing=8N1",
    .keys = "format=2         2 (8-bit pleth), 7 (16-bit pleth) or 8 (1 Hz numerics only)\n"
            "select=0         1: send the format-select command at each connection (9560)\n",
    .streams = "formats 2/7: NAME pleth 75 Hz (pleth, status) and NAME_numerics 3 Hz (spo2, hr, "
               "spo2_d, hr_d, e_spo2, e_hr, flags); format 8: NAME 1 Hz (spo2, hr, flags)",
    .identity_wait_s = 0,
    .silence_s = 3,
    .create = nonin_create,
    .get_n_streams = nonin_get_n_streams,
    .get_stream = nonin_get_stream,
    .start = nonin_start,
    .push = nonin_push,
    .get_stats = nonin_get_stats,
    .destroy = nonin_destroy,
};
