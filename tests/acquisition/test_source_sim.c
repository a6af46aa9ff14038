/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_source_sim.c: the simulated source: exact blocks and times on the
 * synthetic clock, samples equal to the model's own output, truth events, real-time pacing with
 * back-dated stamps, stopping from another thread, and configuration errors. */
#include "acquisition/source_sim.h"

#include <pthread.h>
#include <stdatomic.h>

#include "acquisition/clock.h"
#include "acquisition/sim.h"
#include "tests/harness.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static mc_source *make_source(const char *model, const char *name, const mc_kv *params,
                              size_t n_params, int paced, int64_t start, double duration_s,
                              double block_s)
{
    mc_source_sim_config c = mc_source_sim_config_default();
    c.model = model;
    c.name = name;
    c.params = params;
    c.n_params = n_params;
    c.paced = paced;
    c.start_mono_ns = start;
    c.duration_s = duration_s;
    c.block_s = block_s;
    mc_diag d;
    mc_source *s = NULL;
    mc_status st = mc_source_sim_create(&c, &d, &s);
    if (st != MC_OK)
        fprintf(stderr, "create %s: %s\n", model, d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(s != NULL);
    return s;
}

static mc_sim *make_sim(const char *model, const char *name, const mc_kv *params, size_t n_params)
{
    mc_sim *s = NULL;
    ASSERT_STATUS(mc_sim_create(model, name, params, n_params, NULL, &s), MC_OK);
    return s;
}

/* Expect MC_EINVAL, *out NULL and a diagnostic containing `needle`. */
static void expect_einval(const mc_source_sim_config *c, const char *needle)
{
    mc_diag d;
    mc_diag_clear(&d);
    mc_source *s = (mc_source *)&d; /* any non-NULL value: create must reset it */
    mc_status st = mc_source_sim_create(c, &d, &s);
    if (st != MC_EINVAL || !strstr(d.message, needle))
        fprintf(stderr, "status %d, message '%s', expected '%s'\n", (int)st, d.message, needle);
    ASSERT_STATUS(st, MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    ASSERT_TRUE(strstr(d.message, needle) != NULL);
}

static int64_t ms(double v)
{
    return (int64_t)(v * 1e6);
}

/* ---- Unpaced: the synthetic clock ------------------------------------------------------------ */

TEST(unpaced_blocks_exact)
{
    /* ppg at 250 Hz (4 ms a frame), blocks of 0.1 s = 25 frames, 1.012 s = 253 frames: ten full
     * blocks and one of 3. Samples equal those of an identical model read in one go. */
    const mc_kv params[] = {{"seed", "42"}, {"dropout", "20"}, {"noise", "0.05"}};
    const int64_t start = 123456789;
    mc_source *src = make_source("ppg", "ppg_finger", params, 3, 0, start, 1.012, 0.1);
    ASSERT_EQ_INT(mc_source_get_n_streams(src), 1);
    const mc_stream_info *info = mc_source_get_info(src, 0);
    ASSERT_TRUE(info != NULL);
    ASSERT_STR_EQ(info->name, "ppg_finger");
    ASSERT_EQ_INT(info->n_channels, 2);
    ASSERT_NEAR_F(info->rate_hz, 250, 0);
    ASSERT_TRUE(mc_source_get_info(src, 1) == NULL);
    ASSERT_EQ_INT(mc_source_get_max_frames(src, 0), 25);
    ASSERT_EQ_INT(mc_source_get_max_frames(src, 1), 0);

    mc_sim *truth = make_sim("ppg", "ppg_finger", params, 3);
    float want[253 * 2];
    mc_sim_read(truth, 253, want, NULL);
    int n_nan = 0;
    for (int i = 0; i < 253 * 2; i++)
        n_nan += isnan(want[i]);

    int64_t frames = 0;
    uint64_t blocks = 0;
    mc_source_item item;
    mc_status st;
    while ((st = mc_source_read(src, &item)) == MC_OK) {
        if (item.kind == MC_ITEM_EVENT)
            continue; /* dropout intervals: checked in truth_events_* */
        ASSERT_EQ_INT(item.kind, MC_ITEM_BLOCK);
        ASSERT_EQ_INT(item.stream, 0);
        const mc_block *b = &item.block;
        ASSERT_EQ_INT(b->seq, blocks);
        ASSERT_EQ_INT(b->first_frame, frames);
        ASSERT_EQ_INT(b->n_frames, frames + 25 <= 253 ? 25 : 253 - frames);
        ASSERT_EQ_INT(b->n_channels, 2);
        ASSERT_EQ_INT(b->t0_ns, start + frames * 4000000);
        ASSERT_EQ_INT(b->device_t0_ns, MC_NO_TIME);
        ASSERT_TRUE(b->t_ns == NULL);
        ASSERT_TRUE(memcmp(b->samples, want + frames * 2, b->n_frames * 2 * sizeof(float)) == 0);
        frames += b->n_frames;
        blocks++;
    }
    ASSERT_STATUS(st, MC_END);
    ASSERT_EQ_INT(frames, 253);
    ASSERT_EQ_INT(blocks, 11);
    ASSERT_TRUE(n_nan > 0); /* the dropouts put NaN in the compared range */
    ASSERT_STATUS(mc_source_read(src, &item), MC_END); /* and it stays ended */
    mc_sim_destroy(truth);
    mc_source_destroy(src);
}

TEST(unpaced_block_sizes)
{
    /* n_frames = ceil(block_s rate): nirs at 1 Hz with 0.1 s blocks gives one frame a block;
     * ldf at 32 Hz with 0.25 s gives 8; ppg at 250 Hz with 0.013 s gives ceil(3.25) = 4. The end
     * is at llround(duration rate): 2.6 s of ldf = 83.2 -> 83 frames. */
    struct {
        const char *model;
        double block_s, duration_s;
        uint32_t per_block;
        int64_t total;
        int64_t period_ns;
    } cases[] = {
        {"nirs", 0.1, 3.4, 1, 3, 1000000000},
        {"ldf", 0.25, 2.6, 8, 83, 31250000},
        {"ppg", 0.013, 0.1, 4, 25, 4000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_source *src =
            make_source(cases[i].model, "s", NULL, 0, 0, -7, cases[i].duration_s, cases[i].block_s);
        ASSERT_EQ_INT(mc_source_get_max_frames(src, 0), cases[i].per_block);
        int64_t frames = 0;
        mc_source_item item;
        mc_status st;
        while ((st = mc_source_read(src, &item)) == MC_OK) {
            if (item.kind != MC_ITEM_BLOCK)
                continue;
            ASSERT_EQ_INT(item.block.first_frame, frames);
            ASSERT_EQ_INT(item.block.t0_ns, -7 + frames * cases[i].period_ns);
            uint32_t want = frames + cases[i].per_block <= cases[i].total
                                ? cases[i].per_block
                                : (uint32_t)(cases[i].total - frames);
            ASSERT_EQ_INT(item.block.n_frames, want);
            frames += item.block.n_frames;
        }
        ASSERT_STATUS(st, MC_END);
        ASSERT_EQ_INT(frames, cases[i].total);
        mc_source_destroy(src);
    }
}

TEST(unpaced_irregular_times)
{
    /* ldf irregular at a nominal 32 Hz: each frame carries its own time, start + k 31.25 ms. */
    const mc_kv params[] = {{"irregular", "1"}};
    const int64_t start = 5000000000;
    mc_source *src = make_source("ldf", "ldf_forearm", params, 1, 0, start, 1.0, 0.1);
    ASSERT_NEAR_F(mc_source_get_info(src, 0)->rate_hz, 0, 0); /* irregular stream */
    ASSERT_EQ_INT(mc_source_get_max_frames(src, 0), 4);       /* ceil(3.2) */
    mc_sim *truth = make_sim("ldf", "ldf_forearm", params, 1);
    float want[32];
    mc_sim_read(truth, 32, want, NULL);
    int64_t frames = 0;
    mc_source_item item;
    mc_status st;
    while ((st = mc_source_read(src, &item)) == MC_OK) {
        ASSERT_EQ_INT(item.kind, MC_ITEM_BLOCK);
        const mc_block *b = &item.block;
        ASSERT_TRUE(b->t_ns != NULL);
        ASSERT_EQ_INT(b->first_frame, frames);
        for (uint32_t k = 0; k < b->n_frames; k++)
            ASSERT_EQ_INT(b->t_ns[k], start + (frames + k) * 31250000);
        ASSERT_EQ_INT(b->t0_ns, b->t_ns[0]);
        ASSERT_TRUE(memcmp(b->samples, want + frames, b->n_frames * sizeof(float)) == 0);
        frames += b->n_frames;
    }
    ASSERT_STATUS(st, MC_END);
    ASSERT_EQ_INT(frames, 32);
    mc_sim_destroy(truth);
    mc_source_destroy(src);
}

/* ---- Truth events ---------------------------------------------------------------------------- */

/* Reads a whole unpaced source; checks that each event comes as soon as the block holding the
 * frame at its time has been delivered, and returns the events. */
static size_t read_events(mc_source *src, double rate, uint32_t per_block, mc_event *out,
                          size_t cap, int64_t start)
{
    size_t n = 0;
    int64_t frames = 0;
    mc_source_item item;
    mc_status st;
    while ((st = mc_source_read(src, &item)) == MC_OK) {
        if (item.kind == MC_ITEM_BLOCK) {
            ASSERT_EQ_INT(item.block.first_frame, frames); /* events do not disturb the frames */
            frames += item.block.n_frames;
            continue;
        }
        ASSERT_EQ_INT(item.kind, MC_ITEM_EVENT);
        ASSERT_EQ_INT(item.stream, 0);
        ASSERT_TRUE(n < cap);
        /* Frame `frames - 1` is at or after the event; the block before did not reach it. */
        double t_s = (double)(item.event.t_ns - start) / 1e9;
        ASSERT_TRUE((double)(frames - 1) / rate >= t_s);
        ASSERT_TRUE((double)(frames - 1 - (int64_t)per_block) / rate < t_s);
        out[n++] = item.event;
    }
    ASSERT_STATUS(st, MC_END);
    return n;
}

TEST(truth_events_ldf_porh)
{
    /* Occlusion from 0.5 s for 1 s: the events come at model times 0.5 s and 1.5 s, on the
     * monotonic clock of the source (start + model time). */
    const mc_kv params[] = {{"porh", "0.5"}, {"occlusion", "1"}};
    const int64_t start = 1000000007;
    mc_source *src = make_source("ldf", "ldf_forearm", params, 2, 0, start, 2.0, 0.1);
    mc_event ev[8];
    size_t n = read_events(src, 32, 4, ev, 8, start);
    ASSERT_EQ_INT(n, 2);
    ASSERT_STR_EQ(ev[0].kind, "occlusion_start");
    ASSERT_EQ_INT(ev[0].t_ns, start + 500000000);
    ASSERT_STR_EQ(ev[0].stream, "ldf_forearm");
    ASSERT_STR_EQ(ev[1].kind, "occlusion_end");
    ASSERT_EQ_INT(ev[1].t_ns, start + 1500000000);
    ASSERT_TRUE(isnan(ev[1].value));
    mc_source_destroy(src);
}

TEST(truth_events_nirs_vot)
{
    const mc_kv params[] = {{"vot", "1"}, {"occlusion", "1.5"}};
    const int64_t start = -3000000000; /* any origin, even negative */
    mc_source *src = make_source("nirs", "nirs_thenar", params, 2, 0, start, 4.0, 0.1);
    mc_event ev[8];
    size_t n = read_events(src, 1, 1, ev, 8, start);
    ASSERT_EQ_INT(n, 2);
    ASSERT_STR_EQ(ev[0].kind, "occlusion_start");
    ASSERT_EQ_INT(ev[0].t_ns, start + 1000000000);
    ASSERT_STR_EQ(ev[0].stream, "nirs_thenar");
    ASSERT_STR_EQ(ev[1].kind, "occlusion_end");
    ASSERT_EQ_INT(ev[1].t_ns, start + 2500000000);
    mc_source_destroy(src);
}

/* ---- Paced ----------------------------------------------------------------------------------- */

TEST(paced_delivery)
{
    /* 1.5 s of ppg at 250 Hz in 0.1 s blocks: each block comes when its last frame is due (not
     * before), and is stamped with its receive time back-dated by the block's length. */
    const int64_t start = mc_clock_now_ns() + ms(20);
    mc_source *src = make_source("ppg", "ppg_finger", NULL, 0, 1, start, 1.5, 0.1);
    mc_sim *truth = make_sim("ppg", "ppg_finger", NULL, 0);
    float want[25 * 2];
    int64_t frames = 0, max_late = 0, max_call = 0, timeouts = 0;
    mc_source_item item;
    mc_status st;
    for (;;) {
        int64_t before = mc_clock_now_ns();
        st = mc_source_read(src, &item);
        int64_t now = mc_clock_now_ns();
        if (now - before > max_call)
            max_call = now - before;
        if (st == MC_ETIMEDOUT) {
            timeouts++;
            continue;
        }
        if (st != MC_OK)
            break;
        ASSERT_EQ_INT(item.kind, MC_ITEM_BLOCK);
        const mc_block *b = &item.block;
        ASSERT_EQ_INT(b->first_frame, frames);
        int64_t span = (int64_t)(b->n_frames - 1) * 4000000;
        int64_t due = start + (frames + b->n_frames - 1) * 4000000;
        ASSERT_TRUE(now >= due); /* never early */
        if (now - due > max_late)
            max_late = now - due;
        /* The stamp is the source's receive time (between due and now) minus the span. */
        ASSERT_TRUE(b->t0_ns + span >= due);
        ASSERT_TRUE(b->t0_ns + span <= now);
        mc_sim_read(truth, b->n_frames, want, NULL);
        ASSERT_TRUE(memcmp(b->samples, want, b->n_frames * 2 * sizeof(float)) == 0);
        frames += b->n_frames;
    }
    ASSERT_STATUS(st, MC_END);
    ASSERT_EQ_INT(frames, 375);
    fprintf(stderr, "paced: max lateness %.3f ms, longest read %.3f ms, %lld timeouts\n",
            (double)max_late / 1e6, (double)max_call / 1e6, (long long)timeouts);
    ASSERT_TRUE(max_late <= ms(50));
    ASSERT_TRUE(max_call <= ms(150)); /* a read waits about 100 ms at most */
    ASSERT_TRUE(timeouts > 0);        /* 100 ms blocks, 50 ms waits */
    mc_sim_destroy(truth);
    mc_source_destroy(src);
}

TEST(paced_irregular_times)
{
    /* Irregular frames are spread like the model's (31.25 ms apart), the last at the receive
     * time. */
    const mc_kv params[] = {{"irregular", "1"}};
    const int64_t start = mc_clock_now_ns();
    mc_source *src = make_source("ldf", "ldf_forearm", params, 1, 1, start, 0.5, 0.1);
    int64_t frames = 0;
    mc_source_item item;
    mc_status st;
    while ((st = mc_source_read(src, &item)) == MC_OK || st == MC_ETIMEDOUT) {
        if (st != MC_OK)
            continue;
        int64_t now = mc_clock_now_ns();
        const mc_block *b = &item.block;
        ASSERT_TRUE(b->t_ns != NULL);
        int64_t due = start + (frames + b->n_frames - 1) * 31250000;
        ASSERT_TRUE(b->t_ns[b->n_frames - 1] >= due);
        ASSERT_TRUE(b->t_ns[b->n_frames - 1] <= now);
        ASSERT_EQ_INT(b->t0_ns, b->t_ns[0]);
        for (uint32_t k = 1; k < b->n_frames; k++)
            ASSERT_EQ_INT(b->t_ns[k] - b->t_ns[k - 1], 31250000);
        frames += b->n_frames;
    }
    ASSERT_STATUS(st, MC_END);
    ASSERT_EQ_INT(frames, 16);
    mc_source_destroy(src);
}

typedef struct stopper {
    mc_source *src;
    int64_t delay_ns;
    _Atomic int64_t stopped_at;
} stopper;

static void *stop_later(void *arg)
{
    stopper *s = arg;
    mc_clock_sleep_until(mc_clock_now_ns() + s->delay_ns, -1);
    atomic_store(&s->stopped_at, mc_clock_now_ns());
    mc_source_stop(s->src);
    return NULL;
}

TEST(stop_from_another_thread)
{
    /* No duration and 1 s blocks: only the stop ends the reads, within 100 ms. */
    mc_source *src = make_source("ldf", "ldf_forearm", NULL, 0, 1, mc_clock_now_ns(), 0, 1.0);
    stopper s = {.src = src, .delay_ns = ms(300)};
    atomic_init(&s.stopped_at, 0);
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, stop_later, &s), 0);
    mc_source_item item;
    mc_status st;
    int reads = 0;
    while ((st = mc_source_read(src, &item)) == MC_OK || st == MC_ETIMEDOUT)
        reads++;
    int64_t ended = mc_clock_now_ns();
    ASSERT_EQ_INT(pthread_join(th, NULL), 0);
    ASSERT_STATUS(st, MC_END);
    int64_t stopped = atomic_load(&s.stopped_at);
    ASSERT_TRUE(stopped > 0);
    fprintf(stderr, "stop: read returned MC_END %.3f ms after mc_source_stop (%d reads)\n",
            (double)(ended - stopped) / 1e6, reads);
    ASSERT_TRUE(ended - stopped <= ms(100));
    ASSERT_TRUE(reads >= 2); /* it was waiting, not ended at once */
    ASSERT_STATUS(mc_source_read(src, &item), MC_END);
    mc_source_destroy(src);
}

TEST(stop_before_first_read)
{
    mc_source *src = make_source("ppg", "ppg_finger", NULL, 0, 0, 0, 0, 0.1);
    mc_source_item item;
    ASSERT_STATUS(mc_source_read(src, &item), MC_OK); /* unpaced, unlimited: data at once */
    mc_source_stop(src);
    ASSERT_STATUS(mc_source_read(src, &item), MC_END);
    mc_source_destroy(src);
    mc_source_destroy(NULL);
}

/* ---- Configuration --------------------------------------------------------------------------- */

TEST(config_defaults)
{
    mc_source_sim_config c = mc_source_sim_config_default();
    ASSERT_NEAR_F(c.block_s, 0.1, 0);
    ASSERT_EQ_INT(c.paced, 1);
    ASSERT_EQ_INT(c.start_mono_ns, 0);
    ASSERT_NEAR_F(c.duration_s, 0, 0);
    ASSERT_TRUE(c.model == NULL && c.name == NULL && c.params == NULL && c.n_params == 0);
}

TEST(config_errors)
{
    mc_source_sim_config c = mc_source_sim_config_default();
    c.model = "ecg";
    c.name = "x";
    expect_einval(&c, "ecg");
    c.model = NULL;
    expect_einval(&c, "unknown simulator model");
    c.model = "ppg";
    const mc_kv bad_number[] = {{"hr", "fast"}};
    c.params = bad_number;
    c.n_params = 1;
    expect_einval(&c, "hr");
    const mc_kv out_of_range[] = {{"rate", "5"}};
    c.params = out_of_range;
    expect_einval(&c, "rate");
    const mc_kv unknown_key[] = {{"porh", "1"}}; /* an ldf key, not a ppg one */
    c.params = unknown_key;
    expect_einval(&c, "porh");
    c.params = NULL;
    c.n_params = 0;
    c.name = "bad name";
    expect_einval(&c, "bad name");
    c.name = "x";
    c.block_s = 0;
    expect_einval(&c, "block");
    c.block_s = 10.5;
    expect_einval(&c, "block");
    c.block_s = (double)NAN;
    expect_einval(&c, "block");
    c.block_s = 0.1;
    c.duration_s = -1;
    expect_einval(&c, "duration");
    c.duration_s = (double)NAN;
    expect_einval(&c, "duration");
    c.duration_s = 0;
    mc_source *s = NULL;
    ASSERT_STATUS(mc_source_sim_create(NULL, NULL, &s), MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    ASSERT_STATUS(mc_source_sim_create(&c, NULL, &s), MC_OK); /* the diagnostic is optional */
    mc_source_destroy(s);
}
