/* SPDX-License-Identifier: MIT */
/* acquisition/ring.c: the SPSC index protocol (Lamport's queue with C11 atomics) shared by the
 * block ring and the event queue. `head` counts items ever pushed and is written only by the
 * producer; `tail` counts items ever popped and is written only by the consumer. The producer's
 * release store of head publishes the slot's contents; the consumer's acquire load sees them,
 * and symmetrically for tail, so a slot is never reused while it is being read. */
#include "acquisition/ring.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct spsc {
    _Alignas(64) atomic_uint_fast64_t head; /* producer's cache line */
    _Alignas(64) atomic_uint_fast64_t tail; /* consumer's cache line */
    _Alignas(64) uint64_t capacity;
    atomic_uint_fast64_t dropped_items;
    atomic_uint_fast64_t dropped_frames;
    atomic_uint_fast32_t high_water;
} spsc;

static void spsc_init(spsc *q, uint64_t capacity)
{
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->dropped_items, 0);
    atomic_init(&q->dropped_frames, 0);
    atomic_init(&q->high_water, 0);
    q->capacity = capacity;
}

/* Producer: index of a free slot, or -1 when full. */
static int64_t spsc_reserve(spsc *q)
{
    uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    if (head - tail >= q->capacity)
        return -1;
    uint64_t used = head - tail + 1;
    if (used > atomic_load_explicit(&q->high_water, memory_order_relaxed))
        atomic_store_explicit(&q->high_water, (uint_fast32_t)used, memory_order_relaxed);
    return (int64_t)(head % q->capacity);
}

static void spsc_commit(spsc *q)
{
    uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
}

/* Consumer: index of the oldest item, or -1 when empty. */
static int64_t spsc_peek(spsc *q)
{
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    if (tail == head)
        return -1;
    return (int64_t)(tail % q->capacity);
}

static void spsc_release(spsc *q)
{
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
}

static void spsc_drop(spsc *q, uint64_t frames)
{
    atomic_fetch_add_explicit(&q->dropped_items, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&q->dropped_frames, frames, memory_order_relaxed);
}

/* ---- block ring --------------------------------------------------------------------------- */

struct mc_ring {
    spsc q;
    mc_ring_config cfg;
    mc_block *slots; /* [n_slots], headers pointing into the arrays below */
    float *samples;  /* [n_slots * max_frames * n_channels] */
    int64_t *times;  /* [n_slots * max_frames] when with_times */
    int peeked;      /* consumer: a slot is out */
};

mc_status mc_ring_create(const mc_ring_config *cfg, mc_ring **out)
{
    *out = NULL;
    size_t per_slot, total;
    if (!cfg || cfg->n_slots < 2 || cfg->max_frames == 0 || cfg->n_channels == 0 ||
        !mc_size_mul(cfg->max_frames, cfg->n_channels, &per_slot) ||
        !mc_size_mul(per_slot, cfg->n_slots, &total) || total > ((size_t)1 << 30))
        return MC_EINVAL;
    mc_ring *r = calloc(1, sizeof *r);
    if (!r)
        return MC_ENOMEM;
    r->cfg = *cfg;
    spsc_init(&r->q, cfg->n_slots);
    r->slots = calloc(cfg->n_slots, sizeof *r->slots);
    r->samples = calloc(total, sizeof *r->samples);
    if (cfg->with_times)
        r->times = calloc((size_t)cfg->n_slots * cfg->max_frames, sizeof *r->times);
    if (!r->slots || !r->samples || (cfg->with_times && !r->times)) {
        mc_ring_destroy(r);
        return MC_ENOMEM;
    }
    for (uint32_t i = 0; i < cfg->n_slots; i++) {
        r->slots[i].samples = r->samples + (size_t)i * per_slot;
        r->slots[i].t_ns = cfg->with_times ? r->times + (size_t)i * cfg->max_frames : NULL;
        r->slots[i].n_channels = cfg->n_channels;
    }
    *out = r;
    return MC_OK;
}

mc_status mc_ring_push(mc_ring *r, const mc_block *b)
{
    if (b->n_frames > r->cfg.max_frames || b->n_channels != r->cfg.n_channels ||
        (r->cfg.with_times != (b->t_ns != NULL)))
        return MC_EINVAL;
    int64_t i = spsc_reserve(&r->q);
    if (i < 0) {
        spsc_drop(&r->q, b->n_frames);
        return MC_EOVERRUN;
    }
    mc_block *slot = &r->slots[i];
    float *samples = slot->samples;
    int64_t *times = slot->t_ns;
    *slot = *b;
    slot->samples = samples;
    slot->t_ns = times;
    memcpy(samples, b->samples, (size_t)b->n_frames * b->n_channels * sizeof *samples);
    if (times)
        memcpy(times, b->t_ns, (size_t)b->n_frames * sizeof *times);
    spsc_commit(&r->q);
    return MC_OK;
}

const mc_block *mc_ring_peek(mc_ring *r)
{
    int64_t i = spsc_peek(&r->q);
    if (i < 0)
        return NULL;
    r->peeked = 1;
    return &r->slots[i];
}

void mc_ring_release(mc_ring *r)
{
    if (!r->peeked)
        return;
    r->peeked = 0;
    spsc_release(&r->q);
}

mc_ring_stats mc_ring_get_stats(const mc_ring *r)
{
    mc_ring_stats s;
    const spsc *q = &r->q;
    uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    s.dropped_blocks = atomic_load_explicit(&q->dropped_items, memory_order_relaxed);
    s.dropped_frames = atomic_load_explicit(&q->dropped_frames, memory_order_relaxed);
    s.pushed_blocks = head;
    s.high_water = (uint32_t)atomic_load_explicit(&q->high_water, memory_order_relaxed);
    return s;
}

void mc_ring_destroy(mc_ring *r)
{
    if (!r)
        return;
    free(r->slots);
    free(r->samples);
    free(r->times);
    free(r);
}

/* ---- event queue -------------------------------------------------------------------------- */

struct mc_event_queue {
    spsc q;
    mc_event *slots;
};

mc_status mc_event_queue_create(uint32_t capacity, mc_event_queue **out)
{
    *out = NULL;
    if (capacity < 2 || capacity > (1u << 20))
        return MC_EINVAL;
    mc_event_queue *q = calloc(1, sizeof *q);
    if (!q)
        return MC_ENOMEM;
    spsc_init(&q->q, capacity);
    q->slots = calloc(capacity, sizeof *q->slots);
    if (!q->slots) {
        free(q);
        return MC_ENOMEM;
    }
    *out = q;
    return MC_OK;
}

mc_status mc_event_queue_push(mc_event_queue *q, const mc_event *ev)
{
    int64_t i = spsc_reserve(&q->q);
    if (i < 0) {
        spsc_drop(&q->q, 0);
        return MC_EOVERRUN;
    }
    q->slots[i] = *ev;
    spsc_commit(&q->q);
    return MC_OK;
}

int mc_event_queue_pop(mc_event_queue *q, mc_event *ev)
{
    int64_t i = spsc_peek(&q->q);
    if (i < 0)
        return 0;
    *ev = q->slots[i];
    spsc_release(&q->q);
    return 1;
}

uint64_t mc_event_queue_get_dropped(const mc_event_queue *q)
{
    return atomic_load_explicit(&q->q.dropped_items, memory_order_relaxed);
}

void mc_event_queue_destroy(mc_event_queue *q)
{
    if (!q)
        return;
    free(q->slots);
    free(q);
}
