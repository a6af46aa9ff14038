/* SPDX-License-Identifier: MIT */
/* acquisition/driver_contec.c: Contec CMS50 pulse oximeters (DEVICES.md section 4, reverse
 * engineered), decoded by formats/contec.h: the legacy 5-byte protocol (19200 8O1, streams
 * unasked) or the v4.6 9-byte one (115200 8N1, started by a command that is sent again when
 * frames stop). NAME is one 60 Hz stream: the 7-bit pleth (a raw waveform for bench work), pulse
 * rate, SpO2 and the flags; finger out / searching / probe error changes are status events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/contec.h"

static const mc_channel_info channels[] = {
    {"pleth", "1", 1, 0}, {"pr", "/min", 1, 0}, {"spo2", "%", 1, 0}, {"flags", "1", 1, 0}};

enum { STATE_BITS = MC_CONTEC_FINGER_OUT | MC_CONTEC_SEARCHING | MC_CONTEC_PROBE_ERROR };

typedef struct contec {
    mc_contec_mode mode;
    mc_contec_decoder dec;
    mc_driver_stream stream;
    uint32_t state;
    int have_state;
    uint64_t frames_at_check;
    int64_t next_check_ns;
    mc_device_sink *sink;
} contec;

static const char *const keys[] = {"protocol", NULL};

static mc_status contec_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "contec", keys, d);
    if (st != MC_OK)
        return st;
    const char *p = mc_source_spec_get(spec, "protocol");
    mc_contec_mode mode = MC_CONTEC_LEGACY;
    if (p && strcmp(p, "v46") == 0)
        mode = MC_CONTEC_V46;
    else if (p && strcmp(p, "legacy") != 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: protocol=%s: expected legacy or v46",
                           spec->name, p);
    contec *c = calloc(1, sizeof *c);
    if (!c)
        return MC_ENOMEM;
    c->mode = mode;
    if (mc_contec_decoder_reset(&c->dec, mode) != MC_OK) {
        free(c);
        return MC_EINVAL;
    }
    c->stream = (mc_driver_stream){"", MC_MODALITY_PPG, 4, channels, 60};
    *self = c;
    return MC_OK;
}

static const char *contec_get_defaults(const void *self)
{
    return ((const contec *)self)->mode == MC_CONTEC_V46 ? "baud=115200,framing=8N1"
                                                         : "baud=19200,framing=8O1";
}

static size_t contec_get_n_streams(const void *self)
{
    (void)self;
    return 1;
}

static const mc_driver_stream *contec_get_stream(const void *self, size_t i)
{
    (void)i;
    return &((const contec *)self)->stream;
}

static mc_status send_start(mc_transport *t)
{
    uint8_t cmd[MC_CONTEC_COMMAND_BYTES];
    mc_status st = mc_contec_command_bytes(MC_CONTEC_CMD_START, cmd);
    return st == MC_OK ? mc_transport_write(t, cmd, sizeof cmd) : st;
}

static mc_status contec_start(void *self, mc_transport *t)
{
    contec *c = self;
    mc_contec_stats kept = c->dec.stats;
    mc_status st = mc_contec_decoder_reset(&c->dec, c->mode);
    c->dec.stats = kept;
    c->next_check_ns = 0;
    return st == MC_OK && c->mode == MC_CONTEC_V46 ? send_start(t) : st;
}

/* v4.6: no frame for 2 s, the start command again (a device that was not ready, or stopped). */
static mc_status contec_tick(void *self, mc_transport *t, int64_t now_ns)
{
    contec *c = self;
    if (c->mode != MC_CONTEC_V46)
        return MC_OK;
    if (c->next_check_ns == 0 || now_ns < c->next_check_ns) {
        if (c->next_check_ns == 0)
            c->next_check_ns = now_ns + 2000000000;
        return MC_OK;
    }
    c->next_check_ns = now_ns + 2000000000;
    int stalled = c->dec.stats.frames_good == c->frames_at_check;
    c->frames_at_check = c->dec.stats.frames_good;
    return stalled ? send_start(t) : MC_OK;
}

static mc_status on_frame(void *ctx, const mc_contec_frame *f)
{
    contec *c = ctx;
    float v[4] = {f->pleth, f->pr_bpm, f->spo2_pct, (float)f->flags};
    mc_device_sink_frame(c->sink, 0, v);
    uint32_t state = f->flags & STATE_BITS;
    if (!c->have_state || state != c->state) {
        char text[96];
        snprintf(text, sizeof text, "%s%s%s", state & MC_CONTEC_FINGER_OUT ? "finger out " : "",
                 state & MC_CONTEC_SEARCHING ? "searching " : "",
                 state & MC_CONTEC_PROBE_ERROR ? "probe error" : "");
        size_t n = strlen(text);
        if (n && text[n - 1] == ' ')
            text[n - 1] = '\0';
        mc_device_sink_event(c->sink, 0, "status", text[0] ? text : "finger in", (double)state);
        c->state = state;
        c->have_state = 1;
    }
    return MC_OK;
}

static void contec_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    contec *c = self;
    c->sink = sink;
    mc_status st = mc_contec_decoder_push(&c->dec, bytes, n, on_frame, c);
    (void)st; /* on_frame never stops the push */
    c->sink = NULL;
}

static mc_driver_stats contec_get_stats(const void *self)
{
    const contec *c = self;
    mc_driver_stats s = {c->dec.stats.frames_good, c->dec.stats.bad_frames,
                         c->dec.stats.skipped_bytes};
    return s;
}

static void contec_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_contec = {
    .name = "contec",
    .summary = "Contec CMS50 pulse oximeters (legacy 5-byte or v4.6 9-byte protocol)",
    .defaults = "baud=19200,framing=8O1",
    .keys = "protocol=legacy  legacy (19200 8O1, 60 Hz, streams unasked) or v46 (115200 8N1,\n"
            "                 started by a command)\n",
    .streams = "NAME: 60 Hz pleth (7-bit counts), pr /min, spo2 %, flags",
    .identity_wait_s = 0,
    .silence_s = 3,
    .create = contec_create,
    .get_defaults = contec_get_defaults,
    .get_n_streams = contec_get_n_streams,
    .get_stream = contec_get_stream,
    .start = contec_start,
    .tick = contec_tick,
    .push = contec_push,
    .get_stats = contec_get_stats,
    .destroy = contec_destroy,
};
