/* SPDX-License-Identifier: MIT */
/* acquisition/device.c: a transport and a driver behind the source interface (device.h). */
#include "acquisition/device.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "acquisition/driver.h"
#include "acquisition/transport.h"

enum {
    DEV_READ_BYTES = 1024,    /* per transport read: bounds the frames one read can bring */
    DEV_DATAGRAM_MAX = 65536, /* udp: one datagram per read, whole */
    DEV_MAX_EVENTS = 64,      /* events of one read (handed out at once); more are counted */
    DEV_MIN_FRAMES = 256,     /* staged frames per stream, at least */
};

/* Decoded frames are held this long (from the arrival of the oldest) and handed out together, so
 * that a device sending a frame per read (a Nonin's 75 frames/s) gives the recorder ten blocks a
 * second, not seventy-five: its queues hold seconds of blocks at this pace (get_block_s). Events,
 * a half-full stage and the stop hand out at once. */
#define DEV_HOLD_NS 100000000LL

typedef struct dev_stream {
    char name[MC_NAME_MAX + 1];
    const mc_driver_stream *ds;
    mc_stream_info info;
    uint32_t max_frames;
    float *stage;   /* [max_frames * n_channels] frames decoded and not yet handed out */
    int64_t *index; /* [max_frames] their source indices */
    int64_t *times; /* [max_frames] their arrival times (irregular: strictly increasing) */
    uint32_t n;
    int64_t counter;        /* source index of the next frame, skipped ones included */
    uint64_t seq;           /* blocks handed out */
    const char *gap_reason; /* an outage to label the first block after it with */
    int64_t gap_from;       /* the source index of the first frame after that outage */
    int64_t last_time;      /* irregular: the last time handed out */
} dev_stream;

struct mc_device_sink {
    struct device *dev;
};

typedef struct device {
    const mc_driver *drv;
    void *drv_self;
    mc_transport *t;
    mc_transport_config tcfg;
    dev_stream *streams;
    size_t n_streams;
    mc_device_sink sink;

    /* what the reads since the last hand-out decoded, handed out an item per call */
    mc_event events[DEV_MAX_EVENTS];
    size_t n_events, out_event;
    size_t out_stream;
    uint32_t out_pos;
    int handing_out;
    int64_t held_since_ns; /* arrival of the oldest staged frame; MC_NO_TIME when none */
    mc_status end;         /* MC_OK, or what read returns once the stage is handed out */
    int64_t now_ns;        /* arrival time of the bytes being decoded */

    /* connection and silence */
    int connected;
    int64_t last_frame_ns;
    uint64_t bytes_since_frame;
    int silent;
    int64_t mono0_ns;

    /* identity: model, serial, firmware; frozen once the file has been made from the infos */
    char model[MC_VALUE_MAX + 1], serial[MC_VALUE_MAX + 1], firmware[MC_VALUE_MAX + 1];
    char serial_now[MC_VALUE_MAX + 1]; /* the last serial seen (the infos keep the first) */
    char address[MC_VALUE_MAX + 1], settings[64], site[MC_VALUE_MAX + 1];
    mc_kv attrs[4];
    size_t n_attrs;
    int frozen;

    atomic_int stop;
    _Atomic uint64_t frames, bad_frames, skipped_bytes, flood_dropped, dropped_events;
    uint8_t *buf;      /* [DEV_DATAGRAM_MAX] */
    size_t read_bytes; /* DEV_READ_BYTES, or a whole datagram */
} device;

/* ---- the sink ----------------------------------------------------------------------------- */

static void add_event(device *v, size_t stream, const char *kind, const char *text, double value)
{
    if (v->n_events == DEV_MAX_EVENTS) {
        atomic_fetch_add_explicit(&v->dropped_events, 1, memory_order_relaxed);
        return;
    }
    mc_event *e = &v->events[v->n_events++];
    memset(e, 0, sizeof *e);
    e->t_ns = v->now_ns;
    snprintf(e->stream, sizeof e->stream, "%s",
             v->streams[stream < v->n_streams ? stream : 0].name);
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->text, sizeof e->text, "%s", text);
    e->value = value;
}

static void status_event(device *v, const char *fmt, ...) MC_PRINTF(2, 3);
static void status_event(device *v, const char *fmt, ...)
{
    char text[MC_EVENT_TEXT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    add_event(v, 0, "status", text, (double)NAN);
}

void mc_device_sink_frame(mc_device_sink *sink, size_t stream, const float *values)
{
    device *v = sink->dev;
    if (stream >= v->n_streams)
        return;
    dev_stream *s = &v->streams[stream];
    int64_t index = s->counter++;
    if (s->n == s->max_frames) {
        /* A device sending far more than it should: the frame is dropped and counted, and the
         * jump of the source index makes it a "dropped" gap. */
        atomic_fetch_add_explicit(&v->flood_dropped, 1, memory_order_relaxed);
        return;
    }
    uint32_t nc = s->ds->n_channels;
    memcpy(s->stage + (size_t)s->n * nc, values, nc * sizeof *values);
    s->index[s->n] = index;
    int64_t t = v->now_ns;
    if (s->ds->rate_hz <= 0) {
        int64_t prev = s->n ? s->times[s->n - 1] : s->last_time;
        if (t <= prev)
            t = prev + 1; /* two lines in one read: irregular times must increase */
    }
    s->times[s->n++] = t;
    if (v->held_since_ns == MC_NO_TIME)
        v->held_since_ns = v->now_ns;
    v->last_frame_ns = v->now_ns;
    v->bytes_since_frame = 0;
    if (v->silent) {
        v->silent = 0;
        status_event(v, "data resumed");
    }
}

void mc_device_sink_skip(mc_device_sink *sink, size_t stream, uint32_t n)
{
    device *v = sink->dev;
    if (stream < v->n_streams)
        v->streams[stream].counter += n;
}

void mc_device_sink_event(mc_device_sink *sink, size_t stream, const char *kind, const char *text,
                          double value)
{
    add_event(sink->dev, stream, kind, text, value);
}

mc_status mc_device_sink_reply(mc_device_sink *sink, const void *bytes, size_t n)
{
    return mc_transport_write(sink->dev->t, bytes, n);
}

static int differs(const char *now, const char *seen)
{
    return now && now[0] && strcmp(now, seen) != 0;
}

void mc_device_sink_identity(mc_device_sink *sink, const char *model, const char *serial,
                             const char *firmware)
{
    device *v = sink->dev;
    if (v->frozen) {
        /* The file already holds the first identity: a change (another device on the cable)
         * goes to the timeline. */
        if (differs(serial, v->serial_now) || differs(model, v->model) ||
            differs(firmware, v->firmware)) {
            status_event(v, "device identity: model %s, serial %s, firmware %s",
                         model && model[0] ? model : v->model, serial && serial[0] ? serial : "?",
                         firmware && firmware[0] ? firmware : "?");
            if (serial && serial[0])
                snprintf(v->serial_now, sizeof v->serial_now, "%s", serial);
        }
        return;
    }
    if (model && model[0])
        snprintf(v->model, sizeof v->model, "%s", model);
    if (serial && serial[0]) {
        snprintf(v->serial, sizeof v->serial, "%s", serial);
        snprintf(v->serial_now, sizeof v->serial_now, "%s", serial);
    }
    if (firmware && firmware[0])
        snprintf(v->firmware, sizeof v->firmware, "%s", firmware);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* The gap label of a transport's reason (static strings of at most 31 bytes). */
static const char *outage_label(const char *reason)
{
    static const char *const labels[][2] = {
        {"hang-up", "disconnected: hang-up"},
        {"peer closed", "disconnected: peer closed"},
        {"device gone", "disconnected: device gone"},
        {"writer closed", "disconnected: writer"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strncmp(reason, labels[i][0], strlen(labels[i][0])) == 0)
            return labels[i][1];
    return "disconnected: read error";
}

static void publish_stats(device *v)
{
    mc_driver_stats ds = v->drv->get_stats(v->drv_self);
    atomic_store_explicit(&v->frames, ds.frames, memory_order_relaxed);
    atomic_store_explicit(&v->bad_frames, ds.bad_frames, memory_order_relaxed);
    atomic_store_explicit(&v->skipped_bytes, ds.skipped_bytes, memory_order_relaxed);
}

/* Silence while connected: said once, with what came meanwhile. */
static void check_silence(device *v)
{
    if (!v->connected || v->silent || v->drv->silence_s <= 0 ||
        (double)(v->now_ns - v->last_frame_ns) < v->drv->silence_s * 1e9)
        return;
    v->silent = 1;
    if (v->bytes_since_frame > 0)
        status_event(v,
                     "no valid data for %.0f s: %llu bytes did not decode as %s (wrong baud rate, "
                     "framing or output protocol?)",
                     v->drv->silence_s, (unsigned long long)v->bytes_since_frame, v->drv->name);
    else
        status_event(v, "no data for %.0f s (device silent: is its output on?)", v->drv->silence_s);
}

/* One transport read (or its time-out), decoded into the stages and the event list. */
static mc_status read_once(device *v, int timeout_ms)
{
    size_t n = 0;
    mc_transport_event ev;
    mc_status st = mc_transport_read(v->t, v->buf, v->read_bytes, timeout_ms, &n, &ev);
    v->now_ns = mc_clock_now_ns();
    if (st != MC_OK && st != MC_ETIMEDOUT)
        return st;
    if (st == MC_OK && ev.kind == MC_TRANSPORT_CONNECTED) {
        v->connected = 1;
        v->silent = 0;
        v->last_frame_ns = v->now_ns;
        v->bytes_since_frame = 0;
        status_event(v, "connected (%s %s)", mc_transport_kind_name(v->tcfg.kind), v->address);
        if (v->drv->start) {
            mc_status s = v->drv->start(v->drv_self, v->t);
            if (s != MC_OK)
                status_event(v, "could not send the start request: %s", mc_strerror(s));
        }
    } else if (st == MC_OK && ev.kind == MC_TRANSPORT_DISCONNECTED) {
        v->connected = 0;
        status_event(v, "disconnected: %s (%s); retrying", ev.reason, v->address);
        for (size_t i = 0; i < v->n_streams; i++) {
            v->streams[i].gap_reason = outage_label(ev.reason);
            v->streams[i].gap_from = v->streams[i].counter;
        }
    } else if (st == MC_OK && n > 0) {
        v->bytes_since_frame += n;
        v->drv->push(v->drv_self, v->buf, n, &v->sink);
        publish_stats(v);
    }
    check_silence(v);
    if (v->connected && v->drv->tick) {
        mc_status s = v->drv->tick(v->drv_self, v->t, v->now_ns);
        (void)s; /* a request that could not be sent is tried again at the next tick */
    }
    return MC_OK;
}

/* Whether what is staged goes out now: an event (a disconnect must not wait, nor label frames
 * that came before it), a stage half full (the next read must fit), the hold time over. */
static int time_to_hand_out(const device *v)
{
    if (v->n_events > 0 || v->end != MC_OK)
        return 1;
    if (v->held_since_ns == MC_NO_TIME)
        return 0;
    for (size_t i = 0; i < v->n_streams; i++)
        if (v->streams[i].n >= v->streams[i].max_frames / 2)
            return 1;
    return v->now_ns - v->held_since_ns >= DEV_HOLD_NS;
}

/* How long the next read may wait: until the oldest staged frame's hold is over. */
static int read_timeout_ms(const device *v)
{
    if (v->held_since_ns == MC_NO_TIME)
        return 100;
    int64_t left = v->held_since_ns + DEV_HOLD_NS - mc_clock_now_ns();
    return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* The next item of what is staged: each stream's contiguous runs, then events. A run ends
 * where an outage began, so that its label goes with the first frame after it. */
static int next_item(device *v, mc_source_item *item)
{
    for (; v->out_stream < v->n_streams; v->out_stream++, v->out_pos = 0) {
        dev_stream *s = &v->streams[v->out_stream];
        if (v->out_pos >= s->n)
            continue;
        uint32_t a = v->out_pos, b = a + 1;
        while (b < s->n && s->index[b] == s->index[b - 1] + 1 &&
               !(s->gap_reason && s->index[b] == s->gap_from))
            b++;
        v->out_pos = b;
        uint32_t nc = s->ds->n_channels;
        memset(item, 0, sizeof *item);
        item->kind = MC_ITEM_BLOCK;
        item->stream = v->out_stream;
        mc_block *blk = &item->block;
        blk->seq = s->seq++;
        blk->first_frame = s->index[a];
        blk->n_frames = b - a;
        blk->n_channels = nc;
        blk->samples = s->stage + (size_t)a * nc;
        blk->device_t0_ns = MC_NO_TIME;
        if (s->ds->rate_hz > 0) {
            blk->t0_ns = s->times[b - 1] - llround((double)(b - a - 1) * 1e9 / s->ds->rate_hz);
        } else {
            blk->t0_ns = s->times[a];
            blk->t_ns = s->times + a;
            s->last_time = s->times[b - 1];
        }
        if (s->gap_reason && s->index[a] >= s->gap_from) {
            blk->gap_reason = s->gap_reason;
            s->gap_reason = NULL;
        }
        return 1;
    }
    if (v->out_event < v->n_events) {
        memset(item, 0, sizeof *item);
        item->kind = MC_ITEM_EVENT;
        item->event = v->events[v->out_event++];
        return 1;
    }
    return 0;
}

static void clear_out(device *v)
{
    for (size_t i = 0; i < v->n_streams; i++)
        v->streams[i].n = 0;
    v->n_events = v->out_event = 0;
    v->out_stream = 0;
    v->out_pos = 0;
    v->handing_out = 0;
    v->held_since_ns = MC_NO_TIME;
}

/* One read (up to 100 ms) per call; what it decoded is staged, and the stage handed out an item
 * per call when time_to_hand_out says. A stop or a transport failure hands out what is staged
 * before it is returned: nothing decoded is lost at the end. */
static mc_status dev_read(void *self, mc_source_item *item)
{
    device *v = self;
    v->frozen = 1;
    if (v->handing_out) {
        if (next_item(v, item))
            return MC_OK;
        clear_out(v);
    }
    if (v->end != MC_OK)
        return v->end;
    if (atomic_load_explicit(&v->stop, memory_order_acquire))
        v->end = MC_END;
    else
        v->end = read_once(v, read_timeout_ms(v));
    if (!time_to_hand_out(v))
        return MC_ETIMEDOUT; /* held: v->end is MC_OK here */
    v->handing_out = 1;
    if (next_item(v, item))
        return MC_OK;
    clear_out(v);
    return v->end != MC_OK ? v->end : MC_ETIMEDOUT;
}

static void dev_stop(void *self)
{
    device *v = self;
    atomic_store_explicit(&v->stop, 1, memory_order_release);
    mc_transport_stop(v->t);
}

static size_t dev_get_n_streams(const void *self)
{
    return ((const device *)self)->n_streams;
}

static const mc_stream_info *dev_get_info(const void *self, size_t stream)
{
    const device *v = self;
    return stream < v->n_streams ? &v->streams[stream].info : NULL;
}

static uint32_t dev_get_max_frames(const void *self, size_t stream)
{
    const device *v = self;
    return stream < v->n_streams ? v->streams[stream].max_frames : 0;
}

static double dev_get_block_s(const void *self, size_t stream)
{
    (void)self;
    (void)stream;
    return DEV_HOLD_NS / 1e9;
}

static void dev_destroy(void *self)
{
    device *v = self;
    if (!v)
        return;
    mc_transport_destroy(v->t);
    if (v->drv_self)
        v->drv->destroy(v->drv_self);
    for (size_t i = 0; v->streams && i < v->n_streams; i++) {
        free(v->streams[i].stage);
        free(v->streams[i].index);
        free(v->streams[i].times);
    }
    free(v->streams);
    free(v->buf);
    free(v);
}

static const mc_source_ops device_ops = {
    .read = dev_read,
    .stop = dev_stop,
    .get_n_streams = dev_get_n_streams,
    .get_info = dev_get_info,
    .get_max_frames = dev_get_max_frames,
    .get_block_s = dev_get_block_s,
    .destroy = dev_destroy,
};

/* ---- creation ----------------------------------------------------------------------------- */

/* The transport keys: for a serial device, the driver's defaults, overridden by the user's keys of
 * the same name; for the others, the user's keys alone. */
static mc_status transport_config(const mc_driver *drv, const void *drv_self,
                                  const mc_source_spec *spec, mc_transport_config *out, mc_diag *d)
{
    const char *dflt = drv->get_defaults ? drv->get_defaults(drv_self) : drv->defaults;
    mc_diag inner;
    mc_diag_clear(&inner);
    mc_status st =
        mc_transport_config_parse(spec->address, spec->params, spec->n_params, out, &inner);
    if (st == MC_OK && out->kind == MC_TRANSPORT_SERIAL && dflt[0]) {
        mc_source_spec defaults;
        char text[MC_SPEC_MAX_LEN + 1];
        snprintf(text, sizeof text, "x=d:a,%s", dflt);
        if (mc_source_spec_parse(text, 1, &defaults, NULL) != MC_OK)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "driver %s: bad default settings '%s'",
                               drv->name, dflt);
        mc_kv kv[2 * MC_SPEC_MAX_PARAMS];
        size_t n = 0;
        int framing_given = mc_source_spec_get(spec, "bits") ||
                            mc_source_spec_get(spec, "parity") || mc_source_spec_get(spec, "stop");
        for (size_t i = 0; i < defaults.n_params; i++) {
            const char *key = defaults.params[i].key;
            if (!mc_source_spec_get(spec, key) && !(framing_given && strcmp(key, "framing") == 0))
                kv[n++] = defaults.params[i];
        }
        for (size_t i = 0; i < spec->n_params; i++)
            kv[n++] = spec->params[i];
        st = mc_transport_config_parse(spec->address, kv, n, out, &inner);
    }
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "--source %s: %s", spec->name, inner.message);
    return MC_OK;
}

static mc_status make_stream(device *v, size_t i, const mc_source_spec *spec)
{
    dev_stream *s = &v->streams[i];
    s->ds = v->drv->get_stream(v->drv_self, i);
    if (s->ds->suffix[0])
        snprintf(s->name, sizeof s->name, "%s_%s", spec->name, s->ds->suffix);
    else
        snprintf(s->name, sizeof s->name, "%s", spec->name);
    double per_read = s->ds->rate_hz * 4; /* a read covers far less than 4 s of data */
    if (v->tcfg.kind == MC_TRANSPORT_UDP && per_read < 4096)
        per_read = 4096; /* a whole datagram (an IntelliVue poll result of several waves) */
    s->max_frames = per_read > DEV_MIN_FRAMES ? (uint32_t)ceil(per_read) : DEV_MIN_FRAMES;
    s->stage = calloc((size_t)s->max_frames * s->ds->n_channels, sizeof *s->stage);
    s->index = calloc(s->max_frames, sizeof *s->index);
    s->times = calloc(s->max_frames, sizeof *s->times);
    if (!s->stage || !s->index || !s->times)
        return MC_ENOMEM;
    s->last_time = INT64_MIN;
    mc_stream_info *info = &s->info;
    info->name = s->name;
    info->modality = s->ds->modality;
    info->n_channels = s->ds->n_channels;
    info->channels = s->ds->channels;
    info->rate_hz = s->ds->rate_hz;
    info->device_model = v->model;
    info->device_serial = v->serial;
    info->driver = v->drv->name;
    info->driver_version = MC_VERSION;
    info->site = v->site;
    info->n_attrs = v->n_attrs;
    info->attrs = v->attrs;
    return MC_OK;
}

static mc_status parse_wait(const mc_source_spec *spec, double dflt, double *out, mc_diag *d)
{
    const char *w = mc_source_spec_get(spec, "identity_wait");
    *out = dflt;
    if (!w)
        return MC_OK;
    char *end;
    double x = strtod(w, &end);
    if (*end || !(x >= 0 && x <= 60))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "--source %s: identity_wait=%s: expected seconds in 0..60", spec->name,
                           w);
    *out = x;
    return MC_OK;
}

mc_status mc_source_device_create(const mc_source_spec *spec, int64_t mono0_ns, mc_diag *d,
                                  mc_source **out)
{
    *out = NULL;
    const mc_driver *drv = mc_driver_find(spec->driver);
    if (!drv)
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1,
                           "--source %s: unknown driver '%s' (mcirc devices lists them)",
                           spec->name, spec->driver);
    mc_source *src = calloc(1, sizeof *src);
    device *v = calloc(1, sizeof *v);
    if (!src || !v) {
        free(src);
        free(v);
        return MC_ENOMEM;
    }
    v->drv = drv;
    v->sink.dev = v;
    v->held_since_ns = MC_NO_TIME;
    v->mono0_ns = mono0_ns;
    double wait_s = 0;
    mc_status st = drv->create(spec, d, &v->drv_self);
    if (st == MC_OK)
        st = transport_config(drv, v->drv_self, spec, &v->tcfg, d);
    if (st == MC_OK)
        st = parse_wait(spec, drv->identity_wait_s, &wait_s, d);
    if (st == MC_OK) {
        snprintf(v->model, sizeof v->model, "%s", drv->summary);
        snprintf(v->address, sizeof v->address, "%s", spec->address);
        const char *site = mc_source_spec_get(spec, "site");
        snprintf(v->site, sizeof v->site, "%s", site ? site : "");
        v->attrs[v->n_attrs++] = (mc_kv){"transport", mc_transport_kind_name(v->tcfg.kind)};
        v->attrs[v->n_attrs++] = (mc_kv){"address", v->address};
        if (v->tcfg.kind == MC_TRANSPORT_SERIAL) {
            snprintf(v->settings, sizeof v->settings, "%u %u%c%u%s", (unsigned)v->tcfg.baud,
                     (unsigned)v->tcfg.data_bits, "NEO"[v->tcfg.parity],
                     (unsigned)v -> tcfg.stop_bits, v->tcfg.rtscts ? " rtscts" : "");
            v->attrs[v->n_attrs++] = (mc_kv){"serial_settings", v->settings};
        }
        v->n_streams = drv->get_n_streams(v->drv_self);
        v->streams = calloc(v->n_streams, sizeof *v->streams);
        if (!v->streams)
            st = MC_ENOMEM;
    }
    for (size_t i = 0; st == MC_OK && i < v->n_streams; i++)
        st = make_stream(v, i, spec);
    v->read_bytes = v->tcfg.kind == MC_TRANSPORT_UDP ? DEV_DATAGRAM_MAX : DEV_READ_BYTES;
    v->buf = st == MC_OK ? malloc(DEV_DATAGRAM_MAX) : NULL;
    if (st == MC_OK && !v->buf)
        st = MC_ENOMEM;
    if (st == MC_OK)
        st = mc_transport_open(&v->tcfg, &v->t);
    if (st != MC_OK) {
        if (d && d->message[0] == '\0')
            mc_diag_set(d, st, -1, -1, "--source %s: %s", spec->name, mc_strerror(st));
        dev_destroy(v);
        free(src);
        return st;
    }
    /* The identity, before the file is made from the stream infos (DESIGN.md: attributes are
     * written before the switch to SWMR). What is decoded meanwhile stays staged for the first
     * reads. */
    if (drv->identity_wait_s <= 0)
        wait_s = 0; /* the protocol names no device: nothing to wait for */
    int64_t until = mc_clock_now_ns() + llround(wait_s * 1e9);
    while (wait_s > 0 && !v->serial[0] && mc_clock_now_ns() < until) {
        st = read_once(v, 50);
        if (st != MC_OK)
            break;
    }
    if (st == MC_OK || st == MC_END) {
        if (v->firmware[0])
            v->attrs[v->n_attrs++] = (mc_kv){"device_firmware", v->firmware};
        for (size_t i = 0; i < v->n_streams; i++)
            v->streams[i].info.n_attrs = v->n_attrs;
    }
    src->ops = &device_ops;
    src->self = v;
    *out = src;
    return MC_OK;
}

int mc_source_is_device(const mc_source *s)
{
    return s && s->ops == &device_ops;
}

mc_device_stats mc_source_device_get_stats(const mc_source *s)
{
    mc_device_stats out;
    memset(&out, 0, sizeof out);
    if (!s || s->ops != &device_ops)
        return out;
    device *v = s->self;
    out.frames = atomic_load_explicit(&v->frames, memory_order_relaxed);
    out.bad_frames = atomic_load_explicit(&v->bad_frames, memory_order_relaxed);
    out.skipped_bytes = atomic_load_explicit(&v->skipped_bytes, memory_order_relaxed);
    out.flood_dropped = atomic_load_explicit(&v->flood_dropped, memory_order_relaxed);
    mc_transport_stats ts = mc_transport_get_stats(v->t);
    out.bytes = ts.bytes;
    out.disconnects = ts.disconnects;
    out.reconnects = ts.reconnects;
    return out;
}
