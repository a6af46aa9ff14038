/* SPDX-License-Identifier: MIT */
/* acquisition/source_sim.c: the simulated source. In paced mode a block is handed over when its
 * last frame is due, and stamped like a device block: the receive time back-dated by the block's
 * length, so that the recorder's clock fit sees the same kind of jitter a real device gives. */
#include "acquisition/source_sim.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "acquisition/sim.h"

typedef struct source_sim {
    mc_sim *sim;
    mc_source_sim_config cfg;
    double rate_hz; /* nominal, also for irregular streams */
    uint32_t block_frames;
    int irregular;
    int64_t next_frame; /* index of the next frame to generate */
    int64_t end_frame;  /* frames before MC_END, or INT64_MAX */
    uint64_t seq;
    float *samples;    /* [block_frames * n_channels] */
    int64_t *times;    /* [block_frames]: model times, then host times */
    int64_t frame0_ns; /* time of frame 0 on the source's clock (start_mono_ns, or the first
                          read with start_on_first_read) */
    int started;
    atomic_bool stop;
} source_sim;

mc_source_sim_config mc_source_sim_config_default(void)
{
    mc_source_sim_config c;
    memset(&c, 0, sizeof c);
    c.block_s = 0.1;
    c.paced = 1;
    c.speed = 1;
    return c;
}

/* Monotonic time of frame k: start + k / rate, computed without accumulating error. */
static int64_t frame_time(const source_sim *s, int64_t k)
{
    return s->frame0_ns + llround((double)k * 1e9 / s->rate_hz);
}

/* Speed X: the monotonic time a time on the fast clock is reached, and back. */
static int64_t real_time(const source_sim *s, int64_t t)
{
    int64_t t0 = s->cfg.start_mono_ns;
    return s->cfg.speed == 1.0 ? t : t0 + llround((double)(t - t0) / s->cfg.speed);
}

static int64_t scaled_time(const source_sim *s, int64_t t)
{
    int64_t t0 = s->cfg.start_mono_ns;
    return s->cfg.speed == 1.0 ? t : t0 + llround((double)(t - t0) * s->cfg.speed);
}

static mc_status sim_read(void *self, mc_source_item *item)
{
    source_sim *s = self;
    if (!s->started) {
        /* A device starts streaming when it is opened: frame 0 is due now, not back at a start
         * that may have passed while the recorder was getting ready. */
        if (s->cfg.paced && s->cfg.start_on_first_read)
            s->frame0_ns = scaled_time(s, mc_clock_now_ns());
        s->started = 1;
    }
    if (atomic_load_explicit(&s->stop, memory_order_relaxed))
        return MC_END;
    /* A truth event is delivered as soon as the frames up to its time exist, also when they were
     * the last frames of the duration (so the end is checked after the events). */
    mc_event ev;
    if (mc_sim_pop_event(s->sim, &ev)) {
        item->kind = MC_ITEM_EVENT;
        item->stream = 0;
        item->event = ev;
        item->event.t_ns = s->frame0_ns + ev.t_ns;
        return MC_OK;
    }
    if (s->next_frame >= s->end_frame)
        return MC_END;
    int64_t n = s->end_frame - s->next_frame;
    uint32_t frames = n < s->block_frames ? (uint32_t)n : s->block_frames;
    int64_t first = s->next_frame;
    int64_t due = frame_time(s, first + frames - 1);
    if (s->cfg.paced && !mc_clock_sleep_until(real_time(s, due), 50000000))
        return MC_ETIMEDOUT; /* not due yet: come back, so that stop is seen within 50 ms */
    int64_t got = mc_sim_read(s->sim, frames, s->samples, s->times);
    (void)got;
    s->next_frame += frames;
    int64_t t0;
    if (s->cfg.paced) {
        int64_t now = scaled_time(s, mc_clock_now_ns());
        t0 = now - (due - frame_time(s, first));
        /* Irregular frames carry their own receive times, spread like the model's. */
        for (uint32_t k = 0; s->irregular && k < frames; k++)
            s->times[k] = now - (due - frame_time(s, first + k));
    } else {
        t0 = frame_time(s, first);
        for (uint32_t k = 0; s->irregular && k < frames; k++)
            s->times[k] += s->frame0_ns;
    }
    const mc_stream_info *info = mc_sim_get_info(s->sim);
    item->kind = MC_ITEM_BLOCK;
    item->stream = 0;
    item->block = (mc_block){
        .seq = s->seq++,
        .first_frame = first,
        .t0_ns = t0,
        .device_t0_ns = MC_NO_TIME,
        .n_frames = frames,
        .n_channels = info->n_channels,
        .samples = s->samples,
        .t_ns = s->irregular ? s->times : NULL,
    };
    return MC_OK;
}

static void sim_stop(void *self)
{
    source_sim *s = self;
    atomic_store_explicit(&s->stop, 1, memory_order_relaxed);
}

static size_t sim_get_n_streams(const void *self)
{
    (void)self;
    return 1;
}

static const mc_stream_info *sim_get_info(const void *self, size_t stream)
{
    const source_sim *s = self;
    return stream == 0 ? mc_sim_get_info(s->sim) : NULL;
}

static uint32_t sim_get_max_frames(const void *self, size_t stream)
{
    const source_sim *s = self;
    return stream == 0 ? s->block_frames : 0;
}

static double sim_get_block_s(const void *self, size_t stream)
{
    const source_sim *s = self;
    (void)stream;
    return s->block_frames / s->rate_hz; /* a block per block_s, also of an irregular model */
}

static void sim_destroy(void *self)
{
    source_sim *s = self;
    if (!s)
        return;
    mc_sim_destroy(s->sim);
    free(s->samples);
    free(s->times);
    free(s);
}

static const mc_source_ops sim_ops = {
    .read = sim_read,
    .stop = sim_stop,
    .get_n_streams = sim_get_n_streams,
    .get_info = sim_get_info,
    .get_max_frames = sim_get_max_frames,
    .get_block_s = sim_get_block_s,
    .destroy = sim_destroy,
};

mc_status mc_source_sim_create(const mc_source_sim_config *cfg, mc_diag *d, mc_source **out)
{
    *out = NULL;
    if (!cfg || !(cfg->block_s > 0 && cfg->block_s <= 10) || !(cfg->duration_s >= 0) ||
        !isfinite(cfg->duration_s) || !(cfg->speed >= 0.01 && cfg->speed <= 1000))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "sim source: block length must be in (0, 10] s, "
                           "duration >= 0 and speed in [0.01, 1000]");
    source_sim *s = calloc(1, sizeof *s);
    mc_source *src = calloc(1, sizeof *src);
    if (!s || !src) {
        free(s);
        free(src);
        return MC_ENOMEM;
    }
    s->cfg = *cfg;
    s->frame0_ns = cfg->start_mono_ns;
    atomic_init(&s->stop, 0);
    mc_status st = mc_sim_create(cfg->model, cfg->name, cfg->params, cfg->n_params, d, &s->sim);
    if (st != MC_OK)
        goto fail;
    const mc_stream_info *info = mc_sim_get_info(s->sim);
    s->rate_hz = mc_sim_get_rate(s->sim);
    s->irregular = info->rate_hz <= 0;
    double frames = ceil(cfg->block_s * s->rate_hz);
    s->block_frames = frames < 1 ? 1 : (uint32_t)frames;
    s->end_frame = cfg->duration_s > 0 ? (int64_t)llround(cfg->duration_s * s->rate_hz) : INT64_MAX;
    s->samples = calloc((size_t)s->block_frames * info->n_channels, sizeof *s->samples);
    s->times = calloc(s->block_frames, sizeof *s->times);
    if (!s->samples || !s->times) {
        st = MC_ENOMEM;
        goto fail;
    }
    src->ops = &sim_ops;
    src->self = s;
    *out = src;
    return MC_OK;
fail:
    sim_destroy(s);
    free(src);
    return st;
}
