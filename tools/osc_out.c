/* SPDX-License-Identifier: MIT */
/* tools/osc_out.c: per-destination bounded queues (mutex + condvar, drop-oldest) drained by one
 * sending thread each. Items are copied in and out under the lock; sending runs unlocked. */
#include "tools/osc_out.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/event.h"

typedef enum item_kind { IT_HOP, IT_WAVE, IT_STATUS, IT_EVENT, IT_SCHEMA } item_kind;

enum { STATE_LEN = 32 };

typedef struct item {
    item_kind kind;
    size_t stream;
    int64_t t_ns;
    int64_t dropped;
    double value;
    size_t n;          /* values used */
    bool has_state;    /* hop: state given (else derived from statuses) */
    bool has_statuses; /* hop: statuses given */
    char state[STATE_LEN];
    char kind_s[MC_EVENT_KIND_LEN];
    char text[MC_EVENT_TEXT_LEN];
    float *values;     /* [val_cap], points into the owner's slab */
    uint8_t *statuses; /* [val_cap] */
} item;

typedef struct dest {
    mc_osc_out *owner;
    mc_osc_sender *sender;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    item *slots; /* [queue_len] */
    size_t head, count;
    bool stop;
    int64_t deadline_ns;
    item work; /* the item being sent (thread-owned) */
    mc_osc_out_stats stats;
} dest;

struct mc_osc_out {
    mc_osc_out_config cfg;
    const mc_osc_schema *schema;
    size_t val_cap;
    dest *dests;
    size_t n_dests;
    float *fslab;
    uint8_t *sslab;
    bool finished;
};

mc_osc_out_config mc_osc_out_config_default(void)
{
    return (mc_osc_out_config){.queue_len = 256,
                               .wave_max_samples = 512,
                               .finish_deadline_ms = 500,
                               .sender = mc_osc_sender_config_default()};
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void item_copy(item *dst, const item *src, size_t val_cap)
{
    float *v = dst->values;
    uint8_t *s = dst->statuses;
    *dst = *src;
    dst->values = v;
    dst->statuses = s;
    size_t n = src->n < val_cap ? src->n : val_cap;
    if (n) {
        memcpy(v, src->values, n * sizeof *v);
        if (src->statuses)
            memcpy(s, src->statuses, n);
    }
}

static void send_item(dest *d, const item *it)
{
    mc_osc_sender *s = d->sender;
    mc_status st = MC_OK;
    switch (it->kind) {
    case IT_HOP: {
        mc_osc_hop hop = {.stream = it->stream,
                          .t_end_wall_ns = it->t_ns,
                          .values = it->values,
                          .statuses = it->has_statuses ? it->statuses : NULL,
                          .n_values = it->n,
                          .state = it->has_state ? it->state : NULL,
                          .dropped = it->dropped};
        st = mc_osc_sender_write_hop(s, &hop);
        break;
    }
    case IT_WAVE:
        st = mc_osc_sender_write_wave(s, it->stream, it->t_ns, it->values, it->n);
        break;
    case IT_STATUS:
        st = mc_osc_sender_write_status(s, it->stream, it->t_ns, it->state, it->dropped);
        break;
    case IT_EVENT:
        st = mc_osc_sender_write_event(s, it->t_ns, it->kind_s, it->text, it->value);
        break;
    case IT_SCHEMA:
        st = mc_osc_sender_write_schema(s);
        break;
    }
    (void)st; /* failures are counted by the sender */
}

static void *dest_main(void *arg)
{
    dest *d = arg;
    size_t cap = d->owner->cfg.queue_len;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (d->count == 0 && !d->stop)
            pthread_cond_wait(&d->cv, &d->mu);
        if (d->count == 0)
            break; /* stopping, drained */
        if (d->stop && mono_ns() >= d->deadline_ns) {
            d->stats.left += d->count;
            d->head = (d->head + d->count) % cap;
            d->count = 0;
            break;
        }
        item_copy(&d->work, &d->slots[d->head], d->owner->val_cap);
        d->head = (d->head + 1) % cap;
        d->count--;
        pthread_mutex_unlock(&d->mu);
        send_item(d, &d->work);
        pthread_mutex_lock(&d->mu);
        mc_osc_sender_get_stats(d->sender, &d->stats.sender);
    }
    mc_osc_sender_get_stats(d->sender, &d->stats.sender);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* Copy an item into every destination queue, dropping the oldest where full. */
static mc_status push(mc_osc_out *o, const item *it)
{
    if (!o)
        return MC_EINVAL;
    mc_status st = MC_OK;
    size_t cap = o->cfg.queue_len;
    for (size_t i = 0; i < o->n_dests; i++) {
        dest *d = &o->dests[i];
        pthread_mutex_lock(&d->mu);
        if (d->stop) {
            pthread_mutex_unlock(&d->mu);
            return MC_ESTATE;
        }
        if (d->count == cap) {
            d->head = (d->head + 1) % cap;
            d->count--;
            d->stats.dropped++;
            st = MC_EOVERRUN;
        }
        item_copy(&d->slots[(d->head + d->count) % cap], it, o->val_cap);
        d->count++;
        d->stats.pushed++;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
    }
    return st;
}

mc_status mc_osc_out_create(mc_osc_out **out, const char *const *urls, size_t n_urls,
                            const mc_osc_schema *schema, const mc_osc_out_config *cfg, mc_diag *d)
{
    if (!out || (n_urls && !urls))
        return MC_EINVAL;
    *out = NULL;
    mc_status st = mc_osc_schema_validate(schema, d);
    if (st != MC_OK)
        return st;
    mc_osc_out *o = calloc(1, sizeof *o);
    if (!o)
        return MC_ENOMEM;
    o->cfg = cfg ? *cfg : mc_osc_out_config_default();
    if (o->cfg.queue_len == 0)
        o->cfg.queue_len = 1;
    if (o->cfg.wave_max_samples == 0)
        o->cfg.wave_max_samples = 1;
    o->schema = schema;
    o->val_cap = o->cfg.wave_max_samples;
    for (size_t i = 0; i < schema->n_streams; i++)
        if (schema->streams[i].n_features > o->val_cap)
            o->val_cap = schema->streams[i].n_features;
    o->n_dests = n_urls ? n_urls : 1;
    size_t n_items = 0, n_vals = 0;
    o->dests = calloc(o->n_dests, sizeof *o->dests);
    if (!o->dests || !mc_size_mul(o->n_dests, o->cfg.queue_len + 1, &n_items) ||
        !mc_size_mul(n_items, o->val_cap, &n_vals)) {
        free(o->dests);
        free(o);
        return MC_ENOMEM;
    }
    o->fslab = calloc(n_vals, sizeof *o->fslab);
    o->sslab = calloc(n_vals, 1);
    if (!o->fslab || !o->sslab) {
        st = MC_ENOMEM;
        goto fail;
    }
    size_t k = 0;
    for (size_t i = 0; i < o->n_dests; i++) {
        dest *de = &o->dests[i];
        de->owner = o;
        pthread_mutex_init(&de->mu, NULL);
        pthread_cond_init(&de->cv, NULL);
        de->slots = calloc(o->cfg.queue_len, sizeof *de->slots);
        if (!de->slots) {
            st = MC_ENOMEM;
            goto fail;
        }
        for (size_t j = 0; j <= o->cfg.queue_len; j++, k++) {
            item *it = j < o->cfg.queue_len ? &de->slots[j] : &de->work;
            it->values = o->fslab + k * o->val_cap;
            it->statuses = o->sslab + k * o->val_cap;
        }
        st = mc_osc_sender_create(&de->sender, n_urls ? urls[i] : NULL, schema, &o->cfg.sender, d);
        if (st != MC_OK)
            goto fail;
    }
    for (size_t i = 0; i < o->n_dests; i++) {
        if (pthread_create(&o->dests[i].thread, NULL, dest_main, &o->dests[i]) != 0) {
            st = mc_diag_set(d, MC_EIO, -1, -1, "cannot start an OSC thread");
            goto fail;
        }
        o->dests[i].started = true;
    }
    *out = o;
    item sch = {.kind = IT_SCHEMA};
    (void)push(o, &sch);
    return MC_OK;
fail:
    mc_osc_out_destroy(o);
    return st;
}

mc_status mc_osc_out_push_hop(mc_osc_out *o, const mc_osc_hop *hop)
{
    if (!o || !hop || hop->stream >= o->schema->n_streams ||
        hop->n_values != o->schema->streams[hop->stream].n_features ||
        (hop->n_values && !hop->values))
        return MC_EINVAL;
    item it = {.kind = IT_HOP,
               .stream = hop->stream,
               .t_ns = hop->t_end_wall_ns,
               .dropped = hop->dropped,
               .n = hop->n_values,
               .has_state = hop->state != NULL,
               .has_statuses = hop->statuses != NULL,
               .values = (float *)(uintptr_t)hop->values,
               .statuses = (uint8_t *)(uintptr_t)hop->statuses};
    copy_str(it.state, sizeof it.state, hop->state);
    return push(o, &it);
}

mc_status mc_osc_out_push_wave(mc_osc_out *o, size_t stream, int64_t t_end_wall_ns,
                               const float *samples, size_t n)
{
    if (!o || stream >= o->schema->n_streams || (n && !samples))
        return MC_EINVAL;
    double fs = o->schema->streams[stream].wave_fs_hz;
    if (!(fs > 0.0))
        return MC_EINVAL;
    mc_status st = MC_OK;
    size_t chunk = o->cfg.wave_max_samples;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        size_t after = n - (off + k);
        item it = {.kind = IT_WAVE,
                   .stream = stream,
                   .t_ns = t_end_wall_ns - (int64_t)llround(1e9 * (double)after / fs),
                   .n = k,
                   .values = (float *)(uintptr_t)(samples + off)};
        mc_status s2 = push(o, &it);
        if (s2 != MC_OK)
            st = s2;
        if (s2 == MC_ESTATE)
            break;
    }
    return st;
}

mc_status mc_osc_out_push_event(mc_osc_out *o, int64_t t_wall_ns, const char *kind,
                                const char *text, double value)
{
    item it = {.kind = IT_EVENT, .t_ns = t_wall_ns, .value = value};
    copy_str(it.kind_s, sizeof it.kind_s, kind);
    copy_str(it.text, sizeof it.text, text);
    return push(o, &it);
}

mc_status mc_osc_out_push_status(mc_osc_out *o, size_t stream, int64_t t_wall_ns, const char *state,
                                 int64_t dropped)
{
    if (!o || stream >= o->schema->n_streams)
        return MC_EINVAL;
    item it = {.kind = IT_STATUS, .stream = stream, .t_ns = t_wall_ns, .dropped = dropped};
    copy_str(it.state, sizeof it.state, state);
    return push(o, &it);
}

mc_status mc_osc_out_push_schema(mc_osc_out *o)
{
    item it = {.kind = IT_SCHEMA};
    return push(o, &it);
}

size_t mc_osc_out_count(const mc_osc_out *o)
{
    return o ? o->n_dests : 0;
}

void mc_osc_out_get_stats(mc_osc_out *o, size_t i, mc_osc_out_stats *st)
{
    if (!o || !st || i >= o->n_dests)
        return;
    dest *d = &o->dests[i];
    pthread_mutex_lock(&d->mu);
    *st = d->stats;
    st->queued = d->count;
    pthread_mutex_unlock(&d->mu);
}

mc_status mc_osc_out_finish(mc_osc_out *o)
{
    if (!o)
        return MC_EINVAL;
    if (o->finished)
        return MC_ESTATE;
    o->finished = true;
    int64_t deadline = mono_ns() + (int64_t)o->cfg.finish_deadline_ms * 1000000;
    for (size_t i = 0; i < o->n_dests; i++) {
        dest *d = &o->dests[i];
        if (!d->owner)
            continue; /* create failed before this one was set up */
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        d->deadline_ns = deadline;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
    }
    mc_status st = MC_OK;
    for (size_t i = 0; i < o->n_dests; i++) {
        dest *d = &o->dests[i];
        if (d->started) {
            pthread_join(d->thread, NULL);
            d->started = false;
        }
        if (d->stats.left)
            st = MC_ETIMEDOUT;
    }
    return st;
}

void mc_osc_out_destroy(mc_osc_out *o)
{
    if (!o)
        return;
    if (!o->finished) {
        mc_status ignored = mc_osc_out_finish(o); /* left items are counted in the stats */
        (void)ignored;
    }
    for (size_t i = 0; o->dests && i < o->n_dests; i++) {
        dest *d = &o->dests[i];
        if (d->owner) {
            pthread_mutex_destroy(&d->mu);
            pthread_cond_destroy(&d->cv);
        }
        mc_osc_sender_destroy(d->sender);
        free(d->slots);
    }
    free(o->dests);
    free(o->fslab);
    free(o->sslab);
    free(o);
}
