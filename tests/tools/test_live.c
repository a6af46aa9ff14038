/* SPDX-License-Identifier: MIT */
/* tests/tools/test_live.c: the live analysis of a session (tools/live.h): rows fed with an index
 * jump equal rows fed with the missing frames given as NaN (how `analyze` reads them from the
 * file), rows already fed are skipped, times are those `analyze` gives, and the /features specs
 * and the OSC schema list every stream. */
#include <math.h>

#include "tools/live.h"
#include "tests/harness.h"

static const mc_channel_info ppg_ch[] = {{"ir", "a.u.", 1, 0}, {"red", "a.u.", 1, 0}};
static const mc_channel_info pco2_ch[] = {{"pco2", "mm[Hg]", 1, 0}};
static const mc_channel_info other_ch[] = {{"temp", "Cel", 1, 0}};

enum { RATE = 100, N = 60 * RATE, MAX_ROWS = 256 };

/* The rows a live analysis emitted, copied out. */
typedef struct rows {
    size_t n;
    size_t stream[MAX_ROWS];
    int64_t end[MAX_ROWS], t[MAX_ROWS];
    size_t nf;
    float v[MAX_ROWS][16];
    uint8_t st[MAX_ROWS][16];
} rows;

static void collect(void *ctx, const mc_live_row *r)
{
    rows *o = ctx;
    ASSERT_TRUE(o->n < MAX_ROWS && r->n_features <= 16);
    o->stream[o->n] = r->stream;
    o->end[o->n] = r->end_index;
    o->t[o->n] = r->t_end_ns;
    o->nf = r->n_features;
    memcpy(o->v[o->n], r->value, r->n_features * sizeof(float));
    memcpy(o->st[o->n], r->status, r->n_features);
    o->n++;
}

static void streams(mc_stream_info *s)
{
    memset(s, 0, 3 * sizeof *s);
    s[0] = (mc_stream_info){.name = "ppg_finger",
                            .modality = MC_MODALITY_PPG,
                            .n_channels = 2,
                            .channels = ppg_ch,
                            .rate_hz = RATE,
                            .site = "finger"};
    s[1] = (mc_stream_info){.name = "pco2_ear",
                            .modality = MC_MODALITY_PCO2,
                            .n_channels = 1,
                            .channels = pco2_ch,
                            .rate_hz = 0};
    s[2] = (mc_stream_info){.name = "temp",
                            .modality = MC_MODALITY_OTHER,
                            .n_channels = 1,
                            .channels = other_ch,
                            .rate_hz = 1};
}

static mc_live *make_live(const mc_stream_info *s)
{
    mc_analysis_config cfg;
    mc_analysis_config_default(&cfg);
    mc_live *l = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_live_create(s, 3, &cfg, "ICU-014", &d, &l);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return l;
}

/* A 60 s PPG signal at 100 Hz (2 channels) and its frame times (a 1 ms offset, exact period). */
static float x[N * 2];
static int64_t t[N];

static void make_signal(void)
{
    for (int k = 0; k < N; k++) {
        double ph = 2 * 3.14159265358979 * 1.2 * k / RATE;
        x[2 * k] = (float)(50000 + 500 * sin(ph));
        x[2 * k + 1] = (float)(40000 + 300 * sin(ph));
        t[k] = 1000000 + (int64_t)k * 10000000;
    }
}

TEST(index_jump_equals_nan_rows)
{
    make_signal();
    mc_stream_info s[3];
    streams(s);
    /* A: frames [0, 1500), a hole of 700 rows, then [2200, N) — as the recorder hands them. */
    mc_live *a = make_live(s);
    static rows ra, rb;
    memset(&ra, 0, sizeof ra);
    memset(&rb, 0, sizeof rb);
    for (int k = 0; k < 1500; k += 10)
        ASSERT_STATUS(mc_live_push(a, 0, k, x + 2 * k, 10, t + k, collect, &ra), MC_OK);
    for (int k = 2200; k < N; k += 25)
        ASSERT_STATUS(mc_live_push(a, 0, k, x + 2 * k, 25, t + k, collect, &ra), MC_OK);
    ASSERT_EQ_INT(mc_live_get_next_index(a, 0), N);
    /* B: every row, the hole as NaN — as analyze reads the file — in one block, and pushed a
     * second time overlapping (skipped). */
    static float y[N * 2];
    memcpy(y, x, sizeof y);
    for (int k = 1500; k < 2200; k++)
        y[2 * k] = y[2 * k + 1] = (float)NAN;
    mc_live *b = make_live(s);
    ASSERT_STATUS(mc_live_push(b, 0, 0, y, N / 2, t, collect, &rb), MC_OK);
    size_t half = rb.n;
    ASSERT_STATUS(mc_live_push(b, 0, 0, y, N, t, collect, &rb), MC_OK); /* first half skipped */
    ASSERT_TRUE(rb.n > half);
    ASSERT_EQ_INT(ra.n, rb.n);
    ASSERT_TRUE(ra.n >= 50); /* 60 s, window 8 s, hop 1 s */
    int nan_rows = 0;
    for (size_t r = 0; r < ra.n; r++) {
        ASSERT_EQ_INT(ra.end[r], rb.end[r]);
        ASSERT_EQ_INT(ra.end[r], 8 * RATE + (int64_t)r * RATE);
        /* As analyze: the time of the window's last frame plus one period. The rows whose last
         * frame was in the hole were timed by interpolation, the same times here. */
        ASSERT_EQ_INT(rb.t[r], t[rb.end[r] - 1] + 10000000);
        ASSERT_EQ_INT(ra.t[r], rb.t[r]);
        for (size_t f = 0; f < ra.nf; f++) {
            ASSERT_EQ_INT(ra.st[r][f], rb.st[r][f]);
            ASSERT_TRUE(memcmp(&ra.v[r][f], &rb.v[r][f], sizeof(float)) == 0 ||
                        (isnan(ra.v[r][f]) && isnan(rb.v[r][f])));
        }
        nan_rows += ra.st[r][0] != MC_FS_OK;
    }
    ASSERT_TRUE(nan_rows > 0); /* the hole shows in the windows that cover it */
    mc_live_destroy(a);
    mc_live_destroy(b);
}

TEST(irregular_rows_keep_their_times)
{
    mc_stream_info s[3];
    streams(s);
    mc_live *l = make_live(s);
    static rows r;
    memset(&r, 0, sizeof r);
    float v[200];
    int64_t tt[200];
    for (int k = 0; k < 200; k++) {
        v[k] = 45.0f;
        tt[k] = (int64_t)k * 1000000000 + 333;
    }
    ASSERT_STATUS(mc_live_push(l, 1, 0, v, 200, tt, collect, &r), MC_OK);
    ASSERT_TRUE(r.n > 0);
    for (size_t k = 0; k < r.n; k++) {
        ASSERT_EQ_INT(r.stream[k], 1);
        ASSERT_EQ_INT(r.t[k], tt[r.end[k] - 1]); /* the time of the window's last frame */
    }
    /* A stream without an analyser: no rows, but its rows are counted. */
    float w[10] = {0};
    ASSERT_STATUS(mc_live_push(l, 2, 0, w, 10, tt, collect, &r), MC_OK);
    ASSERT_EQ_INT(mc_live_get_next_index(l, 2), 10);
    ASSERT_STATUS(mc_live_push(l, 3, 0, w, 10, tt, collect, &r), MC_EINVAL);
    mc_live_destroy(l);
}

TEST(specs_and_schema)
{
    mc_stream_info s[3];
    streams(s);
    mc_live *l = make_live(s);
    size_t n = 0;
    const mc_h5_feature_spec *sp = mc_live_get_specs(l, &n);
    size_t nppg = mc_live_get_n_features(l, 0), npco2 = mc_live_get_n_features(l, 1);
    ASSERT_TRUE(nppg >= 5 && npco2 >= 2);
    ASSERT_EQ_INT(mc_live_get_n_features(l, 2), 0);
    ASSERT_EQ_INT(n, nppg + npco2);
    for (size_t k = 0; k < n; k++) /* stream by stream, in the rows' order */
        ASSERT_STR_EQ(sp[k].stream, k < nppg ? "ppg_finger" : "pco2_ear");
    ASSERT_STR_EQ(sp[0].feature, mc_live_get_feature(l, 0, 0)->name);
    const mc_osc_schema *sc = mc_live_get_schema(l);
    ASSERT_STR_EQ(sc->subject, "ICU-014");
    ASSERT_EQ_INT(sc->n_streams, 3);
    ASSERT_NEAR_F(sc->streams[0].wave_fs_hz, RATE, 0);
    ASSERT_NEAR_F(sc->streams[1].wave_fs_hz, 0, 0); /* irregular: no waveform */
    ASSERT_STR_EQ(sc->streams[1].wave_unit, "mm[Hg]");
    mc_live_destroy(l);

    /* A subject OSC cannot carry is refused with its name. */
    mc_analysis_config cfg;
    mc_analysis_config_default(&cfg);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_live_create(s, 3, &cfg, "a b", &d, &l), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "'a b'") != NULL);
}
