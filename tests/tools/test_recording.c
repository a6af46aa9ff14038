/* SPDX-License-Identifier: MIT */
/* tests/tools/test_recording.c: blocks and events on the monotonic clock into a real session file,
 * read back with the reader: frame times rebuilt from the anchors, irregular times, the gap rows of
 * a dropped block, a pause of the source and a clock step, events in session time, and a file that
 * is open while recording and closed cleanly after finish. */
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsp/features.h"
#include "formats/h5_reader.h"
#include "tools/recording.h"
#include "tests/harness.h"
#include "tests/util.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* The session's start on the synthetic monotonic clock: any value; every time given to the
 * recording is relative to it. */
static const int64_t MONO0 = 7000000000LL;

static const mc_channel_info ppg_ch[] = {{"ir", "a.u.", 1, 0}, {"red", "a.u.", 1, 0}};
static const mc_channel_info nirs_ch[] = {{"sto2", "%", 1, 0}};

enum { REG = 0, IRR = 1 }; /* stream indices: a regular ppg stream and an irregular nirs one */

static mc_recording *make_recording(const char *path, double rate_hz)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "ICU-014");
    snprintf(s.session, sizeof s.session, "D2");
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    mc_session_set_start(&s, 1795639066123000000LL);
    mc_stream_info st[2];
    memset(st, 0, sizeof st);
    st[REG].name = "ppg_finger";
    st[REG].modality = MC_MODALITY_PPG;
    st[REG].n_channels = 2;
    st[REG].channels = ppg_ch;
    st[REG].rate_hz = rate_hz;
    st[IRR].name = "nirs_thenar";
    st[IRR].modality = MC_MODALITY_NIRS;
    st[IRR].n_channels = 1;
    st[IRR].channels = nirs_ch;
    st[IRR].rate_hz = 0;
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &s;
    cfg.n_streams = 2;
    cfg.streams = st;
    mc_recording *r = NULL;
    mc_diag d;
    mc_status rc = mc_recording_create(&cfg, MONO0, &d, &r);
    if (rc != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(rc, MC_OK);
    ASSERT_TRUE(r != NULL);
    return r;
}

/* Sample of source frame i, channel c: exact in float32 for the indices used here. */
static float value(int64_t i, uint32_t c)
{
    return (float)(1000.0 + (double)i * 0.25 + c * 7.0);
}

/* A regular block of n frames from source index `first`, received at `t0` (monotonic). */
static void feed(mc_recording *r, uint64_t seq, int64_t first, uint32_t n, int64_t t0)
{
    float buf[2 * 64];
    ASSERT_TRUE(n <= 64);
    for (uint32_t k = 0; k < n; k++)
        for (uint32_t c = 0; c < 2; c++)
            buf[k * 2 + c] = value(first + k, c);
    mc_block b = {.seq = seq,
                  .first_frame = first,
                  .t0_ns = t0,
                  .device_t0_ns = MC_NO_TIME,
                  .n_frames = n,
                  .n_channels = 2,
                  .samples = buf};
    ASSERT_STATUS(mc_recording_write_block(r, REG, &b), MC_OK);
}

static void finish(mc_recording *r)
{
    mc_diag d;
    mc_status st = mc_recording_finish(r, &d);
    if (st != MC_OK)
        fprintf(stderr, "finish: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_recording_destroy(r);
}

static mc_h5_reader *open_reader(const char *path)
{
    mc_h5_reader *rd = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(path, &d, &rd);
    if (st != MC_OK)
        fprintf(stderr, "open: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return rd;
}

/* Rows [first, first + n) of the regular stream hold source frames from `src` on. */
static void expect_rows(mc_h5_reader *rd, int64_t first, size_t n, int64_t src)
{
    float *buf = malloc(n * 2 * sizeof *buf);
    ASSERT_TRUE(buf != NULL);
    ASSERT_STATUS(mc_h5_reader_read(rd, REG, first, n, buf), MC_OK);
    for (size_t k = 0; k < n; k++)
        for (uint32_t c = 0; c < 2; c++) {
            float want = value(src + (int64_t)k, c);
            if (memcmp(&buf[k * 2 + c], &want, sizeof want) != 0) {
                fprintf(stderr, "row %lld channel %u: %.9g, expected %.9g\n",
                        (long long)(first + (int64_t)k), c, (double)buf[k * 2 + c], (double)want);
                ASSERT_TRUE(!"sample");
            }
        }
    free(buf);
}

static void expect_nan_rows(mc_h5_reader *rd, int64_t first, size_t n)
{
    float *buf = malloc(n * 2 * sizeof *buf);
    ASSERT_TRUE(buf != NULL);
    ASSERT_STATUS(mc_h5_reader_read(rd, REG, first, n, buf), MC_OK);
    for (size_t k = 0; k < 2 * n; k++)
        ASSERT_TRUE(isnan(buf[k]));
    free(buf);
}

/* Times of rows [first, first + n) equal t0_ns + (row - first) 1e9 / rate within 1 us; returns
 * the largest difference, ns. */
static double expect_times(mc_h5_reader *rd, int64_t first, size_t n, double t0_ns, double rate)
{
    int64_t *t = malloc(n * sizeof *t);
    ASSERT_TRUE(t != NULL);
    ASSERT_STATUS(mc_h5_reader_read_times(rd, REG, first, n, t), MC_OK);
    double worst = 0;
    for (size_t k = 0; k < n; k++) {
        double want = t0_ns + (double)k * 1e9 / rate;
        double diff = fabs((double)t[k] - want);
        if (diff > worst)
            worst = diff;
        if (!(diff <= 1000)) {
            fprintf(stderr, "row %lld: ", (long long)(first + (int64_t)k));
            ASSERT_NEAR_F((double)t[k], want, 1000);
        }
    }
    free(t);
    return worst;
}

static const mc_h5_gap *expect_gaps(mc_h5_reader *rd, size_t stream, size_t n_want)
{
    size_t n = 99;
    const mc_h5_gap *g = mc_h5_reader_get_gaps(rd, stream, &n);
    ASSERT_EQ_INT(n, n_want);
    return g;
}

/* Runs helper_check_file in a new process (tests/util.h), with what it expects in the
 * environment. */
static void run_helper(const char *name, const char *path, const char *state, int64_t frames,
                       int64_t min_anchors)
{
    char f[32], a[32];
    snprintf(f, sizeof f, "%lld", (long long)frames);
    snprintf(a, sizeof a, "%lld", (long long)min_anchors);
    setenv("MC_TEST_STATE", state, 1);
    setenv("MC_TEST_FRAMES", f, 1);
    setenv("MC_TEST_MIN_ANCHORS", a, 1);
    mc_test_run_helper(name, path);
}

/* The file's state as another process sees it, its frame count and anchors of the regular
 * stream. */
HELPER(helper_check_file)
{
    mc_h5_reader *rd = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(getenv("MC_TEST_FILE"), &d, &rd);
    if (st != MC_OK)
        fprintf(stderr, "helper open: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    int want_open = strcmp(getenv("MC_TEST_STATE"), "open") == 0;
    ASSERT_EQ_INT(mc_h5_reader_get_state(rd), want_open ? MC_H5_OPEN : MC_H5_CLOSED);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), atoll(getenv("MC_TEST_FRAMES")));
    size_t na = 0;
    mc_h5_reader_get_anchors(rd, REG, &na);
    ASSERT_TRUE((long long)na >= atoll(getenv("MC_TEST_MIN_ANCHORS")));
    mc_h5_reader_destroy(rd);
}

/* ---- Regular stream on an exact clock -------------------------------------------------------- */

TEST(regular_exact_clock)
{
    /* 60 s at 300 Hz (a period of 3.333... ms, not a whole number of ns) in 0.1 s blocks, the
     * first frame 0.5 s after the session start, each block stamped exactly. Anchors appear while
     * recording (the first once 40 s of data are in), the rest at finish, and rebuild every
     * frame's time to within 1 us. */
    const double rate = 300, offset = 500e6;
    const int64_t n_total = 18000;
    const char *path = mc_test_tmp_path("exact.h5");
    mc_recording *r = make_recording(path, rate);
    for (int64_t k = 0; k < n_total; k += 30)
        feed(r, (uint64_t)(k / 30), k, 30,
             MONO0 + (int64_t)offset + llround((double)k * 1e9 / rate));
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, REG);
    ASSERT_EQ_INT(s.frames, n_total);
    ASSERT_EQ_INT(s.frames_written, n_total);
    ASSERT_EQ_INT(s.missing, 0);
    ASSERT_EQ_INT(s.gaps, 0);
    ASSERT_NEAR_F(s.rate_hz, rate, rate * 1e-6);
    ASSERT_TRUE(s.jitter_ms < 1.0);
    s = mc_recording_get_stream_stats(r, 5); /* out of range: zeros */
    ASSERT_EQ_INT(s.frames, 0);

    /* While recording the file is open; after a flush another process sees every frame and the
     * anchors stored so far. */
    ASSERT_STATUS(mc_recording_flush(r), MC_OK);
    run_helper("helper_check_file", path, "open", n_total, 1);
    finish(r);
    run_helper("helper_check_file", path, "closed", n_total, 2);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_state(rd), MC_H5_CLOSED);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), n_total);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, IRR), 0);
    expect_rows(rd, 0, (size_t)n_total, 0);
    expect_gaps(rd, REG, 0);

    /* Anchors: increasing, from the first frame to the last, each on the true clock. */
    size_t na = 0;
    const int64_t *a = mc_h5_reader_get_anchors(rd, REG, &na);
    ASSERT_TRUE(na >= 3);
    ASSERT_EQ_INT(a[0], 0);
    ASSERT_EQ_INT(a[2 * (na - 1)], n_total - 1);
    for (size_t i = 0; i < na; i++) {
        if (i > 0)
            ASSERT_TRUE(a[2 * i] > a[2 * (i - 1)]);
        ASSERT_NEAR_F((double)a[2 * i + 1], offset + (double)a[2 * i] * 1e9 / rate, 1000);
    }
    double worst = expect_times(rd, 0, (size_t)n_total, offset, rate);
    fprintf(stderr, "exact clock: %zu anchors, worst time error %.1f ns\n", na, worst);
    mc_h5_reader_destroy(rd);
}

/* ---- Irregular stream ------------------------------------------------------------------------ */

static int64_t irregular_time(int64_t k)
{
    /* About one a second with up to +-0.5 s of spread; the first before the session start. */
    return MONO0 - 1 + k * 1000000000LL + (k * 7919 % 1000003) * 499;
}

static void feed_irregular(mc_recording *r, int64_t first, uint32_t n)
{
    float v[8];
    int64_t t[8];
    for (uint32_t k = 0; k < n; k++) {
        v[k] = 60.0f + (float)(first + k) * 0.5f;
        t[k] = irregular_time(first + (int64_t)k);
    }
    mc_block b = {.first_frame = first, .n_frames = n, .n_channels = 1, .samples = v, .t_ns = t};
    ASSERT_STATUS(mc_recording_write_block(r, IRR, &b), MC_OK);
}

TEST(irregular_times)
{
    /* Frames 0..5, 6..7, then 8..11 are lost, then 12..19: rows are only appended, the gap row
     * says 4 were lost before row 8, and every time is stored as given minus mono0. */
    const char *path = mc_test_tmp_path("irregular.h5");
    mc_recording *r = make_recording(path, 250);
    feed_irregular(r, 0, 6);
    feed_irregular(r, 6, 2);
    feed_irregular(r, 12, 5);
    feed_irregular(r, 17, 3);
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, IRR);
    ASSERT_EQ_INT(s.frames, 16);
    ASSERT_EQ_INT(s.frames_written, 16);
    ASSERT_EQ_INT(s.gaps, 1);
    ASSERT_EQ_INT(s.missing, 4);
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, IRR), 16);
    float v[16];
    int64_t t[16];
    ASSERT_STATUS(mc_h5_reader_read(rd, IRR, 0, 16, v), MC_OK);
    ASSERT_STATUS(mc_h5_reader_read_times(rd, IRR, 0, 16, t), MC_OK);
    for (int64_t row = 0; row < 16; row++) {
        int64_t src = row < 8 ? row : row + 4;
        ASSERT_NEAR_F(v[row], 60.0f + (float)src * 0.5f, 0);
        ASSERT_EQ_INT(t[row], irregular_time(src) - MONO0);
    }
    ASSERT_EQ_INT(t[0], -1);
    const mc_h5_gap *g = expect_gaps(rd, IRR, 1);
    ASSERT_EQ_INT(g[0].first_index, 8);
    ASSERT_EQ_INT(g[0].n_missing, 4);
    ASSERT_STR_EQ(g[0].reason, "dropped");
    size_t na = 99;
    mc_h5_reader_get_anchors(rd, IRR, &na);
    ASSERT_EQ_INT(na, 0);
    mc_h5_reader_destroy(rd);
}

/* ---- Discontinuities ------------------------------------------------------------------------- */

TEST(dropped_block_gap)
{
    /* 20 blocks of 25 frames at 250 Hz with block 10 lost on the way (a full ring): the source
     * index skips 25 frames while the times stay on the clock. */
    const char *path = mc_test_tmp_path("dropped.h5");
    mc_recording *r = make_recording(path, 250);
    const int64_t offset = 500000000;
    for (int64_t blk = 0; blk < 20; blk++)
        if (blk != 10)
            feed(r, (uint64_t)blk, blk * 25, 25, MONO0 + offset + blk * 25 * 4000000);
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, REG);
    ASSERT_EQ_INT(s.frames, 500);
    ASSERT_EQ_INT(s.frames_written, 475);
    ASSERT_EQ_INT(s.missing, 25);
    ASSERT_EQ_INT(s.gaps, 1);
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), 500);
    const mc_h5_gap *g = expect_gaps(rd, REG, 1);
    ASSERT_EQ_INT(g[0].first_index, 250);
    ASSERT_EQ_INT(g[0].n_missing, 25);
    ASSERT_STR_EQ(g[0].reason, "dropped");
    expect_rows(rd, 0, 250, 0);
    expect_nan_rows(rd, 250, 25);
    expect_rows(rd, 275, 225, 275); /* later rows at their source index */
    expect_times(rd, 0, 500, (double)offset, 250);
    mc_h5_reader_destroy(rd);
}

TEST(time_jump_no_data)
{
    /* The source pauses for 3 s and goes on with the next index: 750 frames (3 s at 250 Hz) are
     * inserted as missing, and the later rows move by 750. */
    const char *path = mc_test_tmp_path("pause.h5");
    mc_recording *r = make_recording(path, 250);
    const int64_t offset = 500000000;
    for (int64_t blk = 0; blk < 20; blk++)
        feed(r, (uint64_t)blk, blk * 25, 25,
             MONO0 + offset + blk * 25 * 4000000 + (blk >= 10 ? 3000000000LL : 0));
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, REG);
    ASSERT_EQ_INT(s.frames, 1250);
    ASSERT_EQ_INT(s.frames_written, 500);
    ASSERT_EQ_INT(s.missing, 750);
    ASSERT_EQ_INT(s.gaps, 1);
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), 1250);
    const mc_h5_gap *g = expect_gaps(rd, REG, 1);
    ASSERT_EQ_INT(g[0].first_index, 250);
    ASSERT_EQ_INT(g[0].n_missing, 750);
    ASSERT_STR_EQ(g[0].reason, "no data");
    expect_rows(rd, 0, 250, 0);
    expect_nan_rows(rd, 250, 750);
    expect_rows(rd, 1000, 250, 250);
    /* Row = time / period on both sides of the pause. */
    expect_times(rd, 0, 250, (double)offset, 250);
    expect_times(rd, 1000, 250, (double)offset + 1000 * 4e6, 250);
    mc_h5_reader_destroy(rd);
}

TEST(clock_step_back)
{
    /* The monotonic stamps jump back by 2 s with a continuous index (a device that re-based its
     * clock): a gap row with no missing frames marks the discontinuity; no row is inserted. */
    const char *path = mc_test_tmp_path("step.h5");
    mc_recording *r = make_recording(path, 250);
    const int64_t offset = 5000000000LL;
    for (int64_t blk = 0; blk < 20; blk++)
        feed(r, (uint64_t)blk, blk * 25, 25,
             MONO0 + offset + blk * 25 * 4000000 - (blk >= 10 ? 2000000000LL : 0));
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, REG);
    ASSERT_EQ_INT(s.frames, 500);
    ASSERT_EQ_INT(s.missing, 0);
    ASSERT_EQ_INT(s.gaps, 1);
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), 500);
    const mc_h5_gap *g = expect_gaps(rd, REG, 1);
    ASSERT_EQ_INT(g[0].first_index, 250);
    ASSERT_EQ_INT(g[0].n_missing, 0);
    ASSERT_STR_EQ(g[0].reason, "clock step");
    expect_rows(rd, 0, 500, 0);
    expect_times(rd, 0, 250, (double)offset, 250);
    expect_times(rd, 250, 250, (double)offset + 250 * 4e6 - 2e9, 250);
    mc_h5_reader_destroy(rd);
}

/* ---- Events, errors -------------------------------------------------------------------------- */

TEST(events_session_time)
{
    const char *path = mc_test_tmp_path("events.h5");
    mc_recording *r = make_recording(path, 250);
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = MONO0 + 1234567;
    snprintf(ev.stream, sizeof ev.stream, "nirs_thenar");
    snprintf(ev.kind, sizeof ev.kind, "occlusion_start");
    snprintf(ev.text, sizeof ev.text, "cuff 250 mmHg");
    ev.value = (double)NAN;
    ASSERT_STATUS(mc_recording_write_event(r, &ev), MC_OK);
    ASSERT_EQ_INT(ev.t_ns, MONO0 + 1234567); /* the caller's event is not modified */
    ev.t_ns = MONO0 - 5;                     /* before the start: a negative session time */
    ev.stream[0] = '\0';
    snprintf(ev.kind, sizeof ev.kind, "crt");
    ev.text[0] = '\0';
    ev.value = 2.5;
    ASSERT_STATUS(mc_recording_write_event(r, &ev), MC_OK);
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    size_t n = 0;
    const mc_event *e = mc_h5_reader_get_events(rd, &n);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(e[0].t_ns, 1234567);
    ASSERT_STR_EQ(e[0].stream, "nirs_thenar");
    ASSERT_STR_EQ(e[0].kind, "occlusion_start");
    ASSERT_STR_EQ(e[0].text, "cuff 250 mmHg");
    ASSERT_TRUE(isnan(e[0].value));
    ASSERT_EQ_INT(e[1].t_ns, -5);
    ASSERT_STR_EQ(e[1].kind, "crt");
    ASSERT_STR_EQ(e[1].stream, "");
    ASSERT_NEAR_F(e[1].value, 2.5, 0);
    mc_h5_reader_destroy(rd);
}

TEST(write_errors)
{
    const char *path = mc_test_tmp_path("errors.h5");
    mc_recording *r = make_recording(path, 250);
    float buf[2 * 25] = {0};
    mc_block b = {
        .first_frame = 0, .t0_ns = MONO0, .n_frames = 25, .n_channels = 2, .samples = buf};
    ASSERT_STATUS(mc_recording_write_block(r, 2, &b), MC_EINVAL); /* no such stream */
    b.n_frames = 0;
    ASSERT_STATUS(mc_recording_write_block(r, REG, &b), MC_EINVAL); /* empty block */
    b.n_frames = 25;
    b.n_channels = 1;
    ASSERT_STATUS(mc_recording_write_block(r, IRR, &b), MC_EINVAL); /* irregular without times */
    b.n_channels = 2;
    ASSERT_STATUS(mc_recording_write_block(r, REG, &b), MC_OK);
    b.first_frame = 10; /* goes back into the previous block */
    b.t0_ns = MONO0 + 40000000;
    ASSERT_STATUS(mc_recording_write_block(r, REG, &b), MC_EINVAL);
    mc_recording_stream_stats s = mc_recording_get_stream_stats(r, REG);
    ASSERT_EQ_INT(s.frames, 25);
    ASSERT_EQ_INT(s.frames_written, 25);
    ASSERT_EQ_INT(mc_recording_get_stream_stats(r, IRR).frames, 0);
    finish(r);

    /* The file is never overwritten. */
    mc_session_info si;
    memset(&si, 0, sizeof si);
    snprintf(si.subject, sizeof si.subject, "ICU-014");
    mc_stream_info st = {.name = "x", .n_channels = 1, .channels = nirs_ch, .rate_hz = 10};
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &si;
    cfg.n_streams = 1;
    cfg.streams = &st;
    mc_recording *r2 = (mc_recording *)&r2;
    ASSERT_STATUS(mc_recording_create(&cfg, MONO0, NULL, &r2), MC_EEXIST);
    ASSERT_TRUE(r2 == NULL);
    mc_recording_destroy(NULL);
    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_streams(rd), 2);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, REG), 25);
    mc_h5_reader_destroy(rd);
}

TEST(feature_rows_timed_as_a_reader_times_them)
{
    /* Rows handed over as a live analysis does (after each block, for every window end reached
     * so far) are written with exactly the time a reader rebuilds for the window's last frame,
     * plus one period — how `mcirc analyze` times a window — across a pause (inserted missing
     * rows), a dropped block, jittered arrivals and flushes; irregular rows keep their time. */
    const char *path = mc_test_tmp_path("rows.h5");
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "ICU-014");
    snprintf(s.session, sizeof s.session, "D2");
    mc_session_set_start(&s, 1795639066123000000LL);
    mc_stream_info st[2];
    memset(st, 0, sizeof st);
    st[REG] = (mc_stream_info){.name = "ppg_finger",
                               .modality = MC_MODALITY_PPG,
                               .n_channels = 2,
                               .channels = ppg_ch,
                               .rate_hz = 100};
    st[IRR] = (mc_stream_info){.name = "nirs_thenar",
                               .modality = MC_MODALITY_NIRS,
                               .n_channels = 1,
                               .channels = nirs_ch,
                               .rate_hz = 0};
    const mc_h5_feature_spec specs[] = {
        {"ppg_finger", "pi", "%", "test", "window_s=1"},
        {"ppg_finger", "hr", "bpm", "test", "window_s=1"},
        {"nirs_thenar", "sto2", "%", "test", "hop=1"},
    };
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &s;
    cfg.n_streams = 2;
    cfg.streams = st;
    cfg.n_features = 3;
    cfg.features = specs;
    mc_recording *r = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_recording_create(&cfg, MONO0, &d, &r), MC_OK);

    enum { ROWS = 400 };
    static int64_t end_index[ROWS];
    size_t n_rows = 0;
    int64_t next_end = 100;
    uint32_t lcg = 12345;
    int64_t src = 0, t_src = 0; /* source index and its nominal time (ns) */
    for (int blk = 0; blk < 3000; blk++) {
        if (blk == 1200)
            t_src += 3000000000; /* a 3 s pause: the device sent nothing */
        if (blk == 2000) {
            src += 10; /* a block lost on the way */
            t_src += 100000000;
        }
        lcg = lcg * 1103515245u + 12345u;
        int64_t jitter = (int64_t)(lcg >> 16) % 4000000 - 2000000; /* +-2 ms */
        feed(r, (uint64_t)blk, src, 10, MONO0 + t_src + jitter);
        src += 10;
        t_src += 100000000;
        int64_t frames = mc_recording_get_stream_stats(r, REG).frames;
        while (next_end <= frames && n_rows < ROWS) {
            float v[2] = {(float)n_rows, (float)n_rows * 0.5f};
            uint8_t ok[2] = {MC_FS_OK, MC_FS_OK};
            ASSERT_STATUS(mc_recording_add_row(r, REG, next_end, MC_NO_TIME, 2, v, ok), MC_OK);
            end_index[n_rows++] = next_end;
            next_end += 100;
        }
        if (blk % 10 == 9)
            ASSERT_STATUS(mc_recording_flush(r), MC_OK);
    }
    ASSERT_TRUE(n_rows >= 300);
    ASSERT_TRUE(mc_recording_get_stream_stats(r, REG).missing > 0); /* the pause and the loss */
    /* Irregular rows carry their own time. Errors: a stream without features, a wrong count, a
     * row not after the last one, an irregular row without time. */
    float one = 71.5f;
    uint8_t ok = MC_FS_OK;
    ASSERT_STATUS(mc_recording_add_row(r, IRR, 5, 4000000000, 1, &one, &ok), MC_OK);
    ASSERT_STATUS(mc_recording_add_row(r, IRR, 6, 5000000000, 1, &one, &ok), MC_OK);
    ASSERT_STATUS(mc_recording_add_row(r, IRR, 6, 6000000000, 1, &one, &ok), MC_EINVAL);
    ASSERT_STATUS(mc_recording_add_row(r, IRR, 7, MC_NO_TIME, 1, &one, &ok), MC_EINVAL);
    ASSERT_STATUS(mc_recording_add_row(r, IRR, 8, 7000000000, 2, &one, &ok), MC_EINVAL);
    ASSERT_STATUS(mc_recording_add_row(r, 2, 8, 7000000000, 1, &one, &ok), MC_EINVAL);
    ASSERT_TRUE(mc_recording_get_stream_stats(r, REG).rows_waiting > 0); /* anchors to come */
    finish(r);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_features(rd), 3);
    ASSERT_EQ_INT(mc_h5_reader_get_n_feature_values(rd, 0), (int64_t)n_rows);
    ASSERT_EQ_INT(mc_h5_reader_get_n_feature_values(rd, 1), (int64_t)n_rows);
    static int64_t t[ROWS];
    static float v[ROWS];
    static uint8_t fs[ROWS];
    ASSERT_STATUS(mc_h5_reader_read_feature(rd, 1, 0, n_rows, t, v, fs), MC_OK);
    for (size_t k = 0; k < n_rows; k++) {
        int64_t last;
        ASSERT_STATUS(mc_h5_reader_read_times(rd, REG, end_index[k] - 1, 1, &last), MC_OK);
        if (t[k] != last + 10000000)
            fprintf(stderr, "row %zu (end %lld): %lld, reader %lld\n", k, (long long)end_index[k],
                    (long long)t[k], (long long)(last + 10000000));
        ASSERT_EQ_INT(t[k], last + 10000000);
        ASSERT_NEAR_F(v[k], (double)k * 0.5, 0);
        ASSERT_EQ_INT(fs[k], MC_FS_OK);
    }
    ASSERT_EQ_INT(mc_h5_reader_get_n_feature_values(rd, 2), 2);
    ASSERT_STATUS(mc_h5_reader_read_feature(rd, 2, 0, 2, t, v, fs), MC_OK);
    ASSERT_EQ_INT(t[0], 4000000000);
    ASSERT_EQ_INT(t[1], 5000000000);
    mc_h5_reader_destroy(rd);
}
