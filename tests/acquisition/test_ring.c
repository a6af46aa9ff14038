/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_ring.c: the SPSC block ring and event queue: configuration errors, order
 * and content of what comes out, the drop-newest overflow policy and its counters, and a
 * two-thread stress of each queue (the ThreadSanitizer preset runs these cases). */
#include "acquisition/ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "tests/harness.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

enum { NC = 2, MAXF = 8 };

/* Deterministic content of block `seq`: frame count, samples, times. Samples stay below 2^24, so
 * every value is exact in float. */
static uint32_t pattern_frames(uint64_t seq, uint32_t max_frames)
{
    return 1 + (uint32_t)(seq % max_frames);
}

static float pattern_sample(uint64_t seq, uint32_t k, uint32_t c)
{
    return (float)((seq % 100000) * 37 + k * 3 + c);
}

static int64_t pattern_time(uint64_t seq, uint32_t k)
{
    return (int64_t)seq * 1000000 + 12345 + (int64_t)k * 997;
}

typedef struct pattern_block {
    mc_block b;
    float samples[MAXF * NC];
    int64_t times[MAXF];
} pattern_block;

/* Fill `pb` with block `seq` of the pattern; `with_times` sets per-frame times. */
static void pattern_fill(pattern_block *pb, uint64_t seq, uint32_t max_frames, int with_times)
{
    uint32_t n = pattern_frames(seq, max_frames);
    for (uint32_t k = 0; k < n; k++) {
        for (uint32_t c = 0; c < NC; c++)
            pb->samples[k * NC + c] = pattern_sample(seq, k, c);
        pb->times[k] = pattern_time(seq, k);
    }
    pb->b = (mc_block){
        .seq = seq,
        .first_frame = (int64_t)seq * 100 + 3,
        .t0_ns = pattern_time(seq, 0),
        .device_t0_ns = (int64_t)seq * 7 - 1,
        .n_frames = n,
        .n_channels = NC,
        .samples = pb->samples,
        .t_ns = with_times ? pb->times : NULL,
    };
}

/* 1 when `b` is exactly block `seq` of the pattern, else 0 (printing the first difference). */
static int pattern_check(const mc_block *b, uint64_t seq, uint32_t max_frames, int with_times)
{
    uint32_t n = pattern_frames(seq, max_frames);
    if (b->seq != seq || b->first_frame != (int64_t)seq * 100 + 3 ||
        b->t0_ns != pattern_time(seq, 0) || b->device_t0_ns != (int64_t)seq * 7 - 1 ||
        b->n_frames != n || b->n_channels != NC || (with_times != (b->t_ns != NULL))) {
        fprintf(stderr, "block seq %llu: header differs (seq %llu, n_frames %u)\n",
                (unsigned long long)seq, (unsigned long long)b->seq, b->n_frames);
        return 0;
    }
    for (uint32_t k = 0; k < n; k++) {
        for (uint32_t c = 0; c < NC; c++)
            if (b->samples[k * NC + c] != pattern_sample(seq, k, c)) {
                fprintf(stderr, "block seq %llu: sample [%u][%u] = %.9g, expected %.9g\n",
                        (unsigned long long)seq, k, c, (double)b->samples[k * NC + c],
                        (double)pattern_sample(seq, k, c));
                return 0;
            }
        if (with_times && b->t_ns[k] != pattern_time(seq, k)) {
            fprintf(stderr, "block seq %llu: t_ns[%u] differs\n", (unsigned long long)seq, k);
            return 0;
        }
    }
    return 1;
}

static mc_ring *make_ring(uint32_t n_slots, uint32_t max_frames, int with_times)
{
    mc_ring_config cfg = {n_slots, max_frames, NC, with_times};
    mc_ring *r = NULL;
    ASSERT_STATUS(mc_ring_create(&cfg, &r), MC_OK);
    ASSERT_TRUE(r != NULL);
    return r;
}

static void expect_create_einval(const mc_ring_config *cfg)
{
    mc_ring *r = (mc_ring *)&r; /* any non-NULL value: create must reset it */
    ASSERT_STATUS(mc_ring_create(cfg, &r), MC_EINVAL);
    ASSERT_TRUE(r == NULL);
}

static mc_event make_event(uint64_t i)
{
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = (int64_t)i * 1000 + 17;
    snprintf(ev.stream, sizeof ev.stream, "s%llu", (unsigned long long)(i % 7));
    snprintf(ev.kind, sizeof ev.kind, "kind_%llu", (unsigned long long)i);
    snprintf(ev.text, sizeof ev.text, "text of event %llu", (unsigned long long)i);
    ev.value = (double)i * 0.5;
    return ev;
}

static int event_matches(const mc_event *ev, uint64_t i)
{
    mc_event want = make_event(i);
    return ev->t_ns == want.t_ns && strcmp(ev->stream, want.stream) == 0 &&
           strcmp(ev->kind, want.kind) == 0 && strcmp(ev->text, want.text) == 0 &&
           ev->value == want.value;
}

/* ---- Configuration --------------------------------------------------------------------------- */

TEST(config_errors)
{
    expect_create_einval(NULL);
    expect_create_einval(&(mc_ring_config){0, 8, 1, 0}); /* fewer than 2 slots */
    expect_create_einval(&(mc_ring_config){1, 8, 1, 0});
    expect_create_einval(&(mc_ring_config){4, 0, 1, 0}); /* no frames */
    expect_create_einval(&(mc_ring_config){4, 8, 0, 0}); /* no channels */
    /* 2^16 slots of 2^16 frames: 2^32 floats, over the 2^30 limit. */
    expect_create_einval(&(mc_ring_config){1u << 16, 1u << 16, 1, 0});
    /* The size product overflows size_t. */
    expect_create_einval(&(mc_ring_config){UINT32_MAX, UINT32_MAX, UINT32_MAX, 1});

    /* The smallest valid ring works. */
    mc_ring_config ok = {2, 1, 1, 0};
    mc_ring *r = NULL;
    ASSERT_STATUS(mc_ring_create(&ok, &r), MC_OK);
    ASSERT_TRUE(r != NULL);
    mc_ring_stats s = mc_ring_get_stats(r);
    ASSERT_EQ_INT(s.pushed_blocks, 0);
    ASSERT_EQ_INT(s.dropped_blocks, 0);
    ASSERT_EQ_INT(s.dropped_frames, 0);
    ASSERT_EQ_INT(s.high_water, 0);
    ASSERT_TRUE(mc_ring_peek(r) == NULL);
    mc_ring_destroy(r);
    mc_ring_destroy(NULL);

    mc_event_queue *q = (mc_event_queue *)&q;
    ASSERT_STATUS(mc_event_queue_create(0, &q), MC_EINVAL);
    ASSERT_TRUE(q == NULL);
    q = (mc_event_queue *)&q;
    ASSERT_STATUS(mc_event_queue_create(1, &q), MC_EINVAL);
    ASSERT_TRUE(q == NULL);
    q = (mc_event_queue *)&q;
    ASSERT_STATUS(mc_event_queue_create((1u << 20) + 1, &q), MC_EINVAL);
    ASSERT_TRUE(q == NULL);
    ASSERT_STATUS(mc_event_queue_create(2, &q), MC_OK);
    ASSERT_TRUE(q != NULL);
    ASSERT_EQ_INT(mc_event_queue_get_dropped(q), 0);
    mc_event ev;
    ASSERT_EQ_INT(mc_event_queue_pop(q, &ev), 0);
    mc_event_queue_destroy(q);
    mc_event_queue_destroy(NULL);
}

/* ---- Order and content ----------------------------------------------------------------------- */

TEST(push_peek_release_order)
{
    mc_ring *r = make_ring(4, MAXF, 0);
    pattern_block pb;
    /* Eleven blocks through four slots, three in use from the third on: every slot is reused
     * while others are occupied, with sizes from 1 to 8 frames. */
    uint64_t next_out = 0;
    for (uint64_t seq = 0; seq < 11; seq++) {
        pattern_fill(&pb, seq, MAXF, 0);
        ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
        /* The ring copied the block: the producer's buffer can be reused at once. */
        memset(pb.samples, 0xff, sizeof pb.samples);
        pb.b.seq = 999;
        if (seq >= 2) {
            const mc_block *b = mc_ring_peek(r);
            ASSERT_TRUE(b != NULL);
            ASSERT_TRUE(b->samples != pb.samples); /* a slot array, not the producer's */
            ASSERT_TRUE(b->t_ns == NULL);
            ASSERT_TRUE(pattern_check(b, next_out, MAXF, 0));
            /* Peeking again gives the same block until it is released. */
            ASSERT_TRUE(mc_ring_peek(r) == b);
            mc_ring_release(r);
            next_out++;
        }
    }
    const mc_block *b;
    while ((b = mc_ring_peek(r)) != NULL) {
        ASSERT_TRUE(pattern_check(b, next_out, MAXF, 0));
        mc_ring_release(r);
        next_out++;
    }
    ASSERT_EQ_INT(next_out, 11);
    mc_ring_stats s = mc_ring_get_stats(r);
    ASSERT_EQ_INT(s.pushed_blocks, 11);
    ASSERT_EQ_INT(s.dropped_blocks, 0);
    ASSERT_EQ_INT(s.high_water, 3);
    mc_ring_destroy(r);
}

TEST(release_without_peek_is_noop)
{
    mc_ring *r = make_ring(4, MAXF, 0);
    pattern_block pb;
    for (uint64_t seq = 0; seq < 2; seq++) {
        pattern_fill(&pb, seq, MAXF, 0);
        ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
    }
    ASSERT_TRUE(pattern_check(mc_ring_peek(r), 0, MAXF, 0));
    mc_ring_release(r);
    mc_ring_release(r); /* nothing is out: must not skip block 1 */
    const mc_block *b = mc_ring_peek(r);
    ASSERT_TRUE(b != NULL);
    ASSERT_TRUE(pattern_check(b, 1, MAXF, 0));
    mc_ring_release(r);
    ASSERT_TRUE(mc_ring_peek(r) == NULL);
    mc_ring_release(r); /* empty: no-op */
    pattern_fill(&pb, 2, MAXF, 0);
    ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
    ASSERT_TRUE(pattern_check(mc_ring_peek(r), 2, MAXF, 0));
    mc_ring_destroy(r);
}

TEST(times_copied)
{
    mc_ring *r = make_ring(3, MAXF, 1);
    pattern_block pb;
    for (uint64_t seq = 5; seq < 9; seq++) {
        pattern_fill(&pb, seq, MAXF, 1);
        ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
        memset(pb.times, 0, sizeof pb.times);
        memset(pb.samples, 0, sizeof pb.samples);
        const mc_block *b = mc_ring_peek(r);
        ASSERT_TRUE(b != NULL);
        ASSERT_TRUE(b->t_ns != NULL && b->t_ns != pb.times);
        ASSERT_TRUE(b->samples != pb.samples);
        ASSERT_TRUE(pattern_check(b, seq, MAXF, 1));
        mc_ring_release(r);
    }
    mc_ring_destroy(r);
}

TEST(block_errors)
{
    mc_ring *r = make_ring(4, MAXF, 0);
    mc_ring *rt = make_ring(4, MAXF, 1);
    float samples[(MAXF + 1) * 3] = {0};
    int64_t times[MAXF + 1] = {0};
    mc_block b = {.n_frames = MAXF, .n_channels = NC, .samples = samples};

    /* The largest block fits. */
    ASSERT_STATUS(mc_ring_push(r, &b), MC_OK);
    b.n_frames = MAXF + 1; /* too large */
    ASSERT_STATUS(mc_ring_push(r, &b), MC_EINVAL);
    b.n_frames = 1;
    b.n_channels = NC + 1; /* wrong channels */
    ASSERT_STATUS(mc_ring_push(r, &b), MC_EINVAL);
    b.n_channels = NC - 1;
    ASSERT_STATUS(mc_ring_push(r, &b), MC_EINVAL);
    b.n_channels = NC;
    b.t_ns = times; /* times on a ring without them */
    ASSERT_STATUS(mc_ring_push(r, &b), MC_EINVAL);
    b.t_ns = NULL; /* no times on a ring with them */
    ASSERT_STATUS(mc_ring_push(rt, &b), MC_EINVAL);
    b.t_ns = times;
    ASSERT_STATUS(mc_ring_push(rt, &b), MC_OK);

    /* Refused blocks are neither queued nor counted as drops. */
    mc_ring_stats s = mc_ring_get_stats(r);
    ASSERT_EQ_INT(s.pushed_blocks, 1);
    ASSERT_EQ_INT(s.dropped_blocks, 0);
    ASSERT_EQ_INT(s.dropped_frames, 0);
    ASSERT_TRUE(mc_ring_peek(r) != NULL);
    ASSERT_EQ_INT(mc_ring_peek(r)->n_frames, MAXF);
    mc_ring_release(r);
    ASSERT_TRUE(mc_ring_peek(r) == NULL);
    s = mc_ring_get_stats(rt);
    ASSERT_EQ_INT(s.pushed_blocks, 1);
    ASSERT_EQ_INT(s.dropped_blocks, 0);
    mc_ring_destroy(r);
    mc_ring_destroy(rt);
}

/* ---- Overflow -------------------------------------------------------------------------------- */

TEST(full_ring_drops_newest)
{
    mc_ring *r = make_ring(3, MAXF, 0);
    pattern_block pb;
    mc_ring_stats s;
    for (uint64_t seq = 0; seq < 3; seq++) {
        pattern_fill(&pb, seq, MAXF, 0);
        ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
        s = mc_ring_get_stats(r);
        ASSERT_EQ_INT(s.high_water, seq + 1);
    }
    /* Full: blocks 3 (4 frames) and 4 (5 frames) are refused and counted. */
    pattern_fill(&pb, 3, MAXF, 0);
    ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_EOVERRUN);
    pattern_fill(&pb, 4, MAXF, 0);
    ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_EOVERRUN);
    s = mc_ring_get_stats(r);
    ASSERT_EQ_INT(s.pushed_blocks, 3);
    ASSERT_EQ_INT(s.dropped_blocks, 2);
    ASSERT_EQ_INT(s.dropped_frames, 4 + 5);
    ASSERT_EQ_INT(s.high_water, 3);

    /* One slot freed: block 5 goes in; what comes out is 0, 1, 2, 5 (the newest were dropped). */
    ASSERT_TRUE(pattern_check(mc_ring_peek(r), 0, MAXF, 0));
    mc_ring_release(r);
    pattern_fill(&pb, 5, MAXF, 0);
    ASSERT_STATUS(mc_ring_push(r, &pb.b), MC_OK);
    const uint64_t want[] = {1, 2, 5};
    for (size_t i = 0; i < 3; i++) {
        const mc_block *b = mc_ring_peek(r);
        ASSERT_TRUE(b != NULL);
        ASSERT_TRUE(pattern_check(b, want[i], MAXF, 0));
        mc_ring_release(r);
    }
    ASSERT_TRUE(mc_ring_peek(r) == NULL);
    s = mc_ring_get_stats(r);
    ASSERT_EQ_INT(s.pushed_blocks, 4);
    ASSERT_EQ_INT(s.dropped_blocks, 2);
    ASSERT_EQ_INT(s.dropped_frames, 9);
    ASSERT_EQ_INT(s.high_water, 3); /* the most ever in use, not the current fill */
    mc_ring_destroy(r);
}

/* ---- Two threads ----------------------------------------------------------------------------- */

enum { STRESS_BLOCKS = 200000, STRESS_SLOTS = 8, STRESS_MAXF = 6 };

/* The consumer stops taking blocks at these counts until the producer has overrun the ring (or
 * finished), so that drops happen whatever the scheduling. */
static const uint64_t stress_pauses[] = {1000, 60000, 150000};

typedef struct ring_stress {
    mc_ring *ring;
    atomic_bool producer_done;
    uint64_t accepted; /* producer's counts, read after join */
    uint64_t overruns;
    uint64_t dropped_frames;
    int other_status; /* a status other than OK / OVERRUN, or 0 */
} ring_stress;

static void *ring_producer(void *arg)
{
    ring_stress *st = arg;
    pattern_block pb;
    for (uint64_t seq = 0; seq < STRESS_BLOCKS; seq++) {
        pattern_fill(&pb, seq, STRESS_MAXF, 1);
        mc_status s = mc_ring_push(st->ring, &pb.b);
        if (s == MC_OK) {
            st->accepted++;
        } else if (s == MC_EOVERRUN) {
            st->overruns++;
            st->dropped_frames += pb.b.n_frames;
            sched_yield(); /* let the consumer catch up, so that most blocks get through */
        } else {
            st->other_status = (int)s;
            break;
        }
    }
    atomic_store(&st->producer_done, 1);
    return NULL;
}

TEST(stress_two_threads)
{
    ring_stress st = {.ring = make_ring(STRESS_SLOTS, STRESS_MAXF, 1)};
    atomic_init(&st.producer_done, 0);
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, ring_producer, &st), 0);

    uint64_t got = 0, missing_blocks = 0, missing_frames = 0;
    int64_t last_seq = -1;
    size_t pause = 0;
    for (;;) {
        if (pause < sizeof stress_pauses / sizeof *stress_pauses && got == stress_pauses[pause]) {
            uint64_t before = mc_ring_get_stats(st.ring).dropped_blocks;
            while (!atomic_load(&st.producer_done) &&
                   mc_ring_get_stats(st.ring).dropped_blocks == before)
                sched_yield();
            pause++;
        }
        const mc_block *b = mc_ring_peek(st.ring);
        if (!b) {
            if (atomic_load(&st.producer_done) && mc_ring_peek(st.ring) == NULL)
                break;
            sched_yield();
            continue;
        }
        /* Accepted blocks come out in order, intact; a seq jump is exactly the drops. */
        ASSERT_TRUE((int64_t)b->seq > last_seq);
        for (uint64_t m = (uint64_t)(last_seq + 1); m < b->seq; m++) {
            missing_blocks++;
            missing_frames += pattern_frames(m, STRESS_MAXF);
        }
        if (!pattern_check(b, b->seq, STRESS_MAXF, 1))
            ASSERT_TRUE(!"block content");
        last_seq = (int64_t)b->seq;
        mc_ring_release(st.ring);
        got++;
    }
    ASSERT_EQ_INT(pthread_join(th, NULL), 0);
    for (uint64_t m = (uint64_t)(last_seq + 1); m < STRESS_BLOCKS; m++) {
        missing_blocks++;
        missing_frames += pattern_frames(m, STRESS_MAXF);
    }

    ASSERT_EQ_INT(st.other_status, 0);
    ASSERT_EQ_INT(st.accepted + st.overruns, STRESS_BLOCKS);
    ASSERT_EQ_INT(got, st.accepted);
    ASSERT_EQ_INT(missing_blocks, st.overruns);
    ASSERT_EQ_INT(missing_frames, st.dropped_frames);
    ASSERT_TRUE(st.overruns > 0); /* the pauses forced the ring full */
    mc_ring_stats s = mc_ring_get_stats(st.ring);
    ASSERT_EQ_INT(s.pushed_blocks, st.accepted);
    ASSERT_EQ_INT(s.dropped_blocks, st.overruns);
    ASSERT_EQ_INT(s.dropped_frames, st.dropped_frames);
    ASSERT_EQ_INT(s.high_water, STRESS_SLOTS); /* a drop means the ring was full */
    fprintf(stderr, "ring stress: %llu blocks, %llu accepted, %llu dropped\n",
            (unsigned long long)STRESS_BLOCKS, (unsigned long long)st.accepted,
            (unsigned long long)st.overruns);
    mc_ring_destroy(st.ring);
}

/* ---- Event queue ----------------------------------------------------------------------------- */

TEST(events_order_and_overrun)
{
    mc_event_queue *q = NULL;
    ASSERT_STATUS(mc_event_queue_create(4, &q), MC_OK);
    mc_event ev;
    for (uint64_t i = 0; i < 4; i++) {
        ev = make_event(i);
        ASSERT_STATUS(mc_event_queue_push(q, &ev), MC_OK);
    }
    ev = make_event(4);
    ASSERT_STATUS(mc_event_queue_push(q, &ev), MC_EOVERRUN);
    ev = make_event(5);
    ASSERT_STATUS(mc_event_queue_push(q, &ev), MC_EOVERRUN);
    ASSERT_EQ_INT(mc_event_queue_get_dropped(q), 2);

    memset(&ev, 0, sizeof ev);
    ASSERT_EQ_INT(mc_event_queue_pop(q, &ev), 1);
    ASSERT_TRUE(event_matches(&ev, 0));
    ev = make_event(6);
    ASSERT_STATUS(mc_event_queue_push(q, &ev), MC_OK);
    const uint64_t want[] = {1, 2, 3, 6}; /* 4 and 5 were dropped, newest first */
    for (size_t i = 0; i < 4; i++) {
        memset(&ev, 0, sizeof ev);
        ASSERT_EQ_INT(mc_event_queue_pop(q, &ev), 1);
        if (!event_matches(&ev, want[i]))
            fprintf(stderr, "event %zu: kind '%s', expected kind_%llu\n", i, ev.kind,
                    (unsigned long long)want[i]);
        ASSERT_TRUE(event_matches(&ev, want[i]));
    }
    ASSERT_EQ_INT(mc_event_queue_pop(q, &ev), 0);
    ASSERT_EQ_INT(mc_event_queue_get_dropped(q), 2);
    /* Wrap around many times. */
    for (uint64_t i = 100; i < 150; i++) {
        ev = make_event(i);
        ASSERT_STATUS(mc_event_queue_push(q, &ev), MC_OK);
        ASSERT_EQ_INT(mc_event_queue_pop(q, &ev), 1);
        ASSERT_TRUE(event_matches(&ev, i));
    }
    mc_event_queue_destroy(q);
}

enum { EV_STRESS_N = 100000, EV_STRESS_CAP = 16 };

typedef struct event_stress {
    mc_event_queue *q;
    atomic_bool producer_done;
    uint64_t accepted, overruns;
    int other_status;
} event_stress;

static void *event_producer(void *arg)
{
    event_stress *st = arg;
    for (uint64_t i = 0; i < EV_STRESS_N; i++) {
        mc_event ev = make_event(i);
        mc_status s = mc_event_queue_push(st->q, &ev);
        if (s == MC_OK) {
            st->accepted++;
        } else if (s == MC_EOVERRUN) {
            st->overruns++;
            sched_yield();
        } else {
            st->other_status = (int)s;
            break;
        }
    }
    atomic_store(&st->producer_done, 1);
    return NULL;
}

TEST(events_stress_two_threads)
{
    event_stress st = {0};
    ASSERT_STATUS(mc_event_queue_create(EV_STRESS_CAP, &st.q), MC_OK);
    atomic_init(&st.producer_done, 0);
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, event_producer, &st), 0);

    uint64_t got = 0, missing = 0;
    int64_t last = -1;
    const uint64_t pauses[] = {500, 40000};
    size_t pause = 0;
    for (;;) {
        if (pause < 2 && got == pauses[pause]) {
            uint64_t before = mc_event_queue_get_dropped(st.q);
            while (!atomic_load(&st.producer_done) && mc_event_queue_get_dropped(st.q) == before)
                sched_yield();
            pause++;
        }
        mc_event ev;
        if (!mc_event_queue_pop(st.q, &ev)) {
            /* Empty: done only if the producer had finished before this second look. */
            int done = atomic_load(&st.producer_done);
            if (!mc_event_queue_pop(st.q, &ev)) {
                if (done)
                    break;
                sched_yield();
                continue;
            }
        }
        /* The index is in the time: t = i 1000 + 17. */
        ASSERT_EQ_INT((ev.t_ns - 17) % 1000, 0);
        int64_t i = (ev.t_ns - 17) / 1000;
        ASSERT_TRUE(i > last);
        ASSERT_TRUE(event_matches(&ev, (uint64_t)i));
        missing += (uint64_t)(i - last - 1);
        last = i;
        got++;
    }
    ASSERT_EQ_INT(pthread_join(th, NULL), 0);
    missing += (uint64_t)(EV_STRESS_N - 1 - last);
    ASSERT_EQ_INT(st.other_status, 0);
    ASSERT_EQ_INT(st.accepted + st.overruns, EV_STRESS_N);
    ASSERT_EQ_INT(got, st.accepted);
    ASSERT_EQ_INT(missing, st.overruns);
    ASSERT_EQ_INT(mc_event_queue_get_dropped(st.q), st.overruns);
    ASSERT_TRUE(st.overruns > 0);
    mc_event_queue_destroy(st.q);
}
