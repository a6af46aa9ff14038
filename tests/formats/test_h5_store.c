/* SPDX-License-Identifier: MIT */
/* tests/formats/test_h5_store.c: the HDF5 session writer and reader: bit-exact round trips, SWMR
 * reading while writing, the never-overwrite rule, and malformed files. */
#include <hdf5.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/h5_reader.h"
#include "formats/h5_writer.h"
#include "tests/harness.h"
#include "tests/util.h"

static mc_session_info session(void)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "ICU-014");
    snprintf(s.session, sizeof s.session, "D2");
    snprintf(s.site, sizeof s.site, "test-centre");
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    mc_session_set_start(&s, 1795639066123000000LL);
    return s;
}

static const mc_channel_info ppg_ch[] = {{"ir", "a.u.", 1, 0}, {"red", "a.u.", 1, 0}};
static const mc_channel_info nirs_ch[] = {{"sto2", "%", 1, 0}};
static const mc_kv ppg_kv[] = {{"sim_hr", "75"}, {"sim_pi", "2"}};

static void two_streams(mc_stream_info s[2])
{
    memset(s, 0, 2 * sizeof *s);
    s[0].name = "ppg_finger";
    s[0].modality = MC_MODALITY_PPG;
    s[0].n_channels = 2;
    s[0].channels = ppg_ch;
    s[0].rate_hz = 250;
    s[0].device_model = "mcirc sim ppg";
    s[0].site = "finger";
    s[0].device_delay_s = 0.25;
    s[0].n_attrs = 2;
    s[0].attrs = ppg_kv;
    s[1].name = "nirs_thenar";
    s[1].modality = MC_MODALITY_NIRS;
    s[1].n_channels = 1;
    s[1].channels = nirs_ch;
    s[1].rate_hz = 0; /* irregular */
}

static const mc_h5_feature_spec feats[] = {
    {"ppg_finger", "pi", "%", "beat-wise median", "window_s=8"},
    {"ppg_finger", "hr", "/min", "spectral peak", "window_s=8"},
};

static mc_h5_writer *make_writer(const char *path, int swmr)
{
    mc_session_info s = session();
    mc_stream_info st[2];
    two_streams(st);
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &s;
    cfg.n_streams = 2;
    cfg.streams = st;
    cfg.n_features = 2;
    cfg.features = feats;
    cfg.swmr = swmr;
    mc_h5_writer *w = NULL;
    mc_diag d;
    mc_status rc = mc_h5_writer_create(&cfg, &d, &w);
    if (rc != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(rc, MC_OK);
    return w;
}

/* Deterministic test values: frame i, channel c. */
static float value(int64_t i, int c)
{
    return (float)(1000.0 + (double)i * 0.25 + c * 7.0 + sin((double)i * 0.1));
}

static void write_ppg(mc_h5_writer *w, int64_t first, uint32_t n)
{
    float *buf = malloc(n * 2 * sizeof *buf);
    for (uint32_t k = 0; k < n; k++)
        for (int c = 0; c < 2; c++)
            buf[k * 2 + c] = value(first + k, c);
    ASSERT_STATUS(mc_h5_writer_write(w, 0, first, n, buf, NULL), MC_OK);
    free(buf);
}

static void fill_session(mc_h5_writer *w)
{
    /* 1000 frames in blocks of 25, then a gap of 50 rows, then 200 more. */
    for (int64_t i = 0; i < 1000; i += 25)
        write_ppg(w, i, 25);
    ASSERT_STATUS(mc_h5_writer_write_gap(w, 0, 1000, 50, "overrun"), MC_OK);
    write_ppg(w, 1050, 200);
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 0, 1000000), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 999, 1000000 + 999 * 4000000LL), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 1050, 1000000 + 1050 * 4000000LL + 7), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 1249, 1000000 + 1249 * 4000000LL + 7), MC_OK);
    for (int i = 0; i < 10; i++) {
        float v = 75.0f + (float)i;
        int64_t t = 1000000000LL * i + 12345;
        ASSERT_STATUS(mc_h5_writer_write(w, 1, i, 1, &v, &t), MC_OK);
    }
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = 5000000000LL;
    snprintf(ev.kind, sizeof ev.kind, "occlusion_start");
    snprintf(ev.stream, sizeof ev.stream, "nirs_thenar");
    snprintf(ev.text, sizeof ev.text, "cuff 250 mmHg");
    ev.value = (double)NAN;
    ASSERT_STATUS(mc_h5_writer_write_event(w, &ev), MC_OK);
    snprintf(ev.kind, sizeof ev.kind, "mottling");
    ev.text[0] = '\0';
    ev.stream[0] = '\0';
    ev.value = 3;
    ev.t_ns = 6000000000LL;
    ASSERT_STATUS(mc_h5_writer_write_event(w, &ev), MC_OK);
    int64_t ft[3] = {8000000000LL, 9000000000LL, 10000000000LL};
    float fv[3] = {2.0f, NAN, 2.1f};
    uint8_t fs[3] = {0, 3, 0};
    ASSERT_STATUS(mc_h5_writer_write_feature(w, 0, 3, ft, fv, fs), MC_OK);
}

static void check_session(const char *path, mc_h5_file_state want_state)
{
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(path, &d, &r);
    if (st != MC_OK)
        fprintf(stderr, "open: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_state(r), want_state);
    const mc_session_info *s = mc_h5_reader_get_session(r);
    ASSERT_STR_EQ(s->subject, "ICU-014");
    ASSERT_STR_EQ(s->session, "D2");
    ASSERT_STR_EQ(s->start_utc, "2026-11-25T20:37:46.123Z");
    ASSERT_EQ_INT(s->start_unix_ns, 1795639066123000000LL);
    ASSERT_TRUE(strncmp(s->software, "mcirc ", 6) == 0);

    ASSERT_EQ_INT(mc_h5_reader_get_n_streams(r), 2);
    const mc_stream_info *ppg = mc_h5_reader_get_stream(r, 0);
    ASSERT_STR_EQ(ppg->name, "ppg_finger"); /* creation order, not alphabetical */
    ASSERT_EQ_INT(ppg->modality, MC_MODALITY_PPG);
    ASSERT_EQ_INT(ppg->n_channels, 2);
    ASSERT_STR_EQ(ppg->channels[1].name, "red");
    ASSERT_STR_EQ(ppg->channels[0].unit, "a.u.");
    ASSERT_NEAR_F(ppg->rate_hz, 250, 0);
    ASSERT_NEAR_F(ppg->device_delay_s, 0.25, 0);
    ASSERT_STR_EQ(ppg->device_model, "mcirc sim ppg");
    ASSERT_STR_EQ(mc_stream_info_get_attr(ppg, "sim_hr"), "75");
    ASSERT_STR_EQ(mc_stream_info_get_attr(ppg, "sim_pi"), "2");
    ASSERT_EQ_INT(mc_h5_reader_find_stream(r, "nirs_thenar"), 1);
    ASSERT_EQ_INT(mc_h5_reader_find_stream(r, "absent"), -1);

    /* Samples bit-exact, the skipped rows NaN. */
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 1250);
    float *buf = malloc(1250 * 2 * sizeof *buf);
    ASSERT_STATUS(mc_h5_reader_read(r, 0, 0, 1250, buf), MC_OK);
    for (int64_t i = 0; i < 1250; i++)
        for (int c = 0; c < 2; c++) {
            float got = buf[i * 2 + c];
            if (i >= 1000 && i < 1050)
                ASSERT_TRUE(isnan(got));
            else
                ASSERT_TRUE(memcmp(&got, &(float){value(i, c)}, sizeof got) == 0);
        }
    free(buf);
    ASSERT_STATUS(mc_h5_reader_read(r, 0, 1200, 51, (float[102]){0}), MC_EINVAL);

    /* Times from anchors: exact on the anchors, interpolated between. */
    int64_t t[3];
    ASSERT_STATUS(mc_h5_reader_read_times(r, 0, 998, 2, t), MC_OK);
    ASSERT_EQ_INT(t[0], 1000000 + 998 * 4000000LL);
    ASSERT_EQ_INT(t[1], 1000000 + 999 * 4000000LL);
    ASSERT_STATUS(mc_h5_reader_read_times(r, 0, 1100, 1, t), MC_OK);
    ASSERT_EQ_INT(t[0], 1000000 + 1100 * 4000000LL + 7);
    size_t na;
    const int64_t *anchors = mc_h5_reader_get_anchors(r, 0, &na);
    ASSERT_EQ_INT(na, 4);
    ASSERT_EQ_INT(anchors[4], 1050);

    /* Irregular stream: values and times as written. */
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 1), 10);
    float nv[10];
    int64_t nt[10];
    ASSERT_STATUS(mc_h5_reader_read(r, 1, 0, 10, nv), MC_OK);
    ASSERT_STATUS(mc_h5_reader_read_times(r, 1, 0, 10, nt), MC_OK);
    for (int i = 0; i < 10; i++) {
        ASSERT_NEAR_F(nv[i], 75 + i, 0);
        ASSERT_EQ_INT(nt[i], 1000000000LL * i + 12345);
    }
    int64_t first;
    size_t n;
    ASSERT_STATUS(mc_h5_reader_find_range(r, 1, 2000000000LL, 5000012345LL, &first, &n), MC_OK);
    ASSERT_EQ_INT(first, 2);
    ASSERT_EQ_INT(n, 3);
    /* Regular stream, by time: frames 10..19 lie in [t(10), t(20)). */
    ASSERT_STATUS(mc_h5_reader_find_range(r, 0, 1000000 + 10 * 4000000LL, 1000000 + 20 * 4000000LL,
                                          &first, &n),
                  MC_OK);
    ASSERT_EQ_INT(first, 10);
    ASSERT_EQ_INT(n, 10);

    size_t ng;
    const mc_h5_gap *gaps = mc_h5_reader_get_gaps(r, 0, &ng);
    ASSERT_EQ_INT(ng, 1);
    ASSERT_EQ_INT(gaps[0].first_index, 1000);
    ASSERT_EQ_INT(gaps[0].n_missing, 50);
    ASSERT_STR_EQ(gaps[0].reason, "overrun");

    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    ASSERT_EQ_INT(ne, 2);
    ASSERT_STR_EQ(ev[0].kind, "occlusion_start");
    ASSERT_STR_EQ(ev[0].stream, "nirs_thenar");
    ASSERT_STR_EQ(ev[0].text, "cuff 250 mmHg");
    ASSERT_TRUE(isnan(ev[0].value));
    ASSERT_NEAR_F(ev[1].value, 3, 0);
    ASSERT_EQ_INT(ev[1].t_ns, 6000000000LL);

    ASSERT_EQ_INT(mc_h5_reader_get_n_features(r), 2);
    const mc_h5_feature_spec *f = mc_h5_reader_get_feature(r, 0);
    ASSERT_STR_EQ(f->stream, "ppg_finger");
    ASSERT_STR_EQ(f->feature, "pi");
    ASSERT_STR_EQ(f->unit, "%");
    ASSERT_STR_EQ(f->parameters, "window_s=8");
    ASSERT_EQ_INT(mc_h5_reader_get_n_feature_values(r, 0), 3);
    ASSERT_EQ_INT(mc_h5_reader_get_n_feature_values(r, 1), 0);
    int64_t ft[3];
    float fv[3];
    uint8_t fs[3];
    ASSERT_STATUS(mc_h5_reader_read_feature(r, 0, 0, 3, ft, fv, fs), MC_OK);
    ASSERT_EQ_INT(ft[2], 10000000000LL);
    ASSERT_TRUE(isnan(fv[1]));
    ASSERT_EQ_INT(fs[1], 3);
    ASSERT_NEAR_F(fv[2], 2.1f, 0);
    mc_h5_reader_destroy(r);
}

TEST(round_trip_swmr)
{
    const char *path = mc_test_tmp_path("swmr.h5");
    mc_h5_writer *w = make_writer(path, 1);
    struct stat sb;
    ASSERT_EQ_INT(stat(path, &sb), 0); /* a SWMR recording is visible from the start */
    fill_session(w);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
    check_session(path, MC_H5_CLOSED);
}

TEST(round_trip_plain)
{
    const char *path = mc_test_tmp_path("plain.h5");
    mc_h5_writer *w = make_writer(path, 0);
    struct stat sb;
    ASSERT_TRUE(stat(path, &sb) != 0); /* a plain file appears only when it is complete */
    fill_session(w);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
    check_session(path, MC_H5_CLOSED);
}

TEST(plain_abandoned_leaves_nothing)
{
    const char *path = mc_test_tmp_path("abandoned.h5");
    mc_h5_writer *w = make_writer(path, 0);
    write_ppg(w, 0, 100);
    mc_h5_writer_destroy(w);
    struct stat sb;
    ASSERT_TRUE(stat(path, &sb) != 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -c abandoned", mc_test_tmp_dir());
    FILE *p = popen(cmd, "r");
    int count = -1;
    ASSERT_TRUE(fscanf(p, "%d", &count) == 1);
    pclose(p);
    ASSERT_EQ_INT(count, 0);
}

TEST(never_overwrites)
{
    const char *path = mc_test_tmp_path("existing.h5");
    FILE *f = fopen(path, "w");
    fputs("precious", f);
    fclose(f);
    mc_session_info s = session();
    mc_stream_info st[2];
    two_streams(st);
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &s;
    cfg.n_streams = 2;
    cfg.streams = st;
    mc_h5_writer *w = (mc_h5_writer *)1;
    mc_diag d;
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EEXIST);
    ASSERT_TRUE(w == NULL);
    ASSERT_TRUE(strstr(d.message, "exists") != NULL);
    ASSERT_TRUE(strstr(d.message, path) != NULL);
    char buf[32] = {0};
    f = fopen(path, "r");
    ASSERT_TRUE(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    ASSERT_STR_EQ(buf, "precious");
}

TEST(race_on_publish_keeps_both)
{
    /* Another process takes the name between create and finish: the existing file wins. */
    const char *path = mc_test_tmp_path("race.h5");
    mc_h5_writer *w = make_writer(path, 0);
    write_ppg(w, 0, 25);
    FILE *f = fopen(path, "w");
    fputs("other", f);
    fclose(f);
    mc_diag d;
    ASSERT_STATUS(mc_h5_writer_finish(w, &d), MC_EEXIST);
    ASSERT_TRUE(strstr(d.message, ".creating-") != NULL); /* names where the data is */
    mc_h5_writer_destroy(w);
    char buf[16] = {0};
    f = fopen(path, "r");
    ASSERT_TRUE(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    ASSERT_STR_EQ(buf, "other");
}

TEST(create_errors)
{
    mc_session_info s = session();
    mc_stream_info st[2];
    two_streams(st);
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.session = &s;
    cfg.n_streams = 2;
    cfg.streams = st;
    mc_h5_writer *w = NULL;
    mc_diag d;

    cfg.path = "/nonexistent-folder/x.h5";
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EIO);
    ASSERT_TRUE(strstr(d.message, "No such file or directory") != NULL);

    cfg.path = mc_test_tmp_path("errors.h5");
    snprintf(s.subject, sizeof s.subject, "John Smith");
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EPRIVACY);
    cfg.allow_id = 1;
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_OK);
    mc_h5_writer_destroy(w); /* SWMR: kept */
    cfg.allow_id = 0;
    snprintf(s.subject, sizeof s.subject, "ICU-1");

    cfg.path = mc_test_tmp_path("dup.h5");
    st[1].name = "ppg_finger";
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "twice") != NULL);
    two_streams(st);
    mc_kv reserved[] = {{"rate_hz", "1"}};
    st[1].n_attrs = 1;
    st[1].attrs = reserved;
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "reserved") != NULL);
    two_streams(st);
    cfg.compression = 11;
    ASSERT_STATUS(mc_h5_writer_create(&cfg, &d, &w), MC_EINVAL);
    struct stat sb;
    ASSERT_TRUE(stat(cfg.path, &sb) != 0); /* nothing created on refusal */
}

TEST(write_errors)
{
    mc_h5_writer *w = make_writer(mc_test_tmp_path("write_errors.h5"), 0);
    float buf[200] = {0};
    int64_t t = 0;
    ASSERT_STATUS(mc_h5_writer_write(w, 0, 0, 50, buf, NULL), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write(w, 0, 49, 1, buf, NULL), MC_EINVAL); /* goes back */
    ASSERT_STATUS(mc_h5_writer_write(w, 0, 50, 1, buf, &t), MC_EINVAL);   /* times on regular */
    ASSERT_STATUS(mc_h5_writer_write(w, 1, 0, 1, buf, NULL), MC_EINVAL);  /* irregular, no times */
    ASSERT_STATUS(mc_h5_writer_write(w, 1, 1, 1, buf, &t), MC_EINVAL);    /* irregular skips */
    ASSERT_STATUS(mc_h5_writer_write(w, 2, 0, 1, buf, NULL), MC_EINVAL);  /* no such stream */
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 10, 0), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 0, 10, 1), MC_EINVAL); /* not increasing */
    ASSERT_STATUS(mc_h5_writer_write_anchor(w, 1, 0, 0), MC_EINVAL);  /* irregular: no anchors */
    ASSERT_STATUS(mc_h5_writer_write_feature(w, 5, 0, NULL, NULL, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    ASSERT_STATUS(mc_h5_writer_write(w, 0, 50, 1, buf, NULL), MC_EINVAL); /* after finish */
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_ESTATE);
    mc_h5_writer_destroy(w);
}

HELPER(helper_expect_500_open)
{
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(getenv("MC_TEST_FILE"), &d, &r);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_state(r), MC_H5_OPEN);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 500);
    size_t ne;
    mc_h5_reader_get_events(r, &ne);
    ASSERT_EQ_INT(ne, 0);
    mc_h5_reader_destroy(r);
}

HELPER(helper_expect_800_open)
{
    mc_h5_reader *r = NULL;
    ASSERT_STATUS(mc_h5_reader_open(getenv("MC_TEST_FILE"), NULL, &r), MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_state(r), MC_H5_OPEN);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 800);
    size_t ne;
    mc_h5_reader_get_events(r, &ne);
    ASSERT_EQ_INT(ne, 1);
    float last[2];
    ASSERT_STATUS(mc_h5_reader_read(r, 0, 799, 1, last), MC_OK);
    ASSERT_NEAR_F(last[1], value(799, 1), 0);
    mc_h5_reader_destroy(r);
}

HELPER(helper_expect_closed)
{
    mc_h5_reader *r = NULL;
    ASSERT_STATUS(mc_h5_reader_open(getenv("MC_TEST_FILE"), NULL, &r), MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_state(r), MC_H5_CLOSED);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 800);
    mc_h5_reader_destroy(r);
}

TEST(swmr_read_while_writing)
{
    const char *path = mc_test_tmp_path("live.h5");
    mc_h5_writer *w = make_writer(path, 1);
    write_ppg(w, 0, 500);
    ASSERT_STATUS(mc_h5_writer_flush(w), MC_OK);
    mc_test_run_helper("helper_expect_500_open", path);
    write_ppg(w, 500, 300);
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.kind, sizeof ev.kind, "note");
    ASSERT_STATUS(mc_h5_writer_write_event(w, &ev), MC_OK);
    ASSERT_STATUS(mc_h5_writer_flush(w), MC_OK);
    mc_test_run_helper("helper_expect_800_open", path);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
    mc_test_run_helper("helper_expect_closed", path);
}

HELPER(helper_refresh_follows)
{
    /* Opened while 500 rows are flushed; waits for the writer to reach 800. */
    mc_h5_reader *r = NULL;
    ASSERT_STATUS(mc_h5_reader_open(getenv("MC_TEST_FILE"), NULL, &r), MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 500);
    for (int i = 0; i < 1000 && mc_h5_reader_get_n_frames(r, 0) < 800; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        ASSERT_STATUS(mc_h5_reader_refresh(r), MC_OK);
    }
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, 0), 800);
    mc_h5_reader_destroy(r);
}

TEST(swmr_refresh_follows_writer)
{
    const char *path = mc_test_tmp_path("follow.h5");
    mc_h5_writer *w = make_writer(path, 1);
    write_ppg(w, 0, 500);
    ASSERT_STATUS(mc_h5_writer_flush(w), MC_OK);
    pid_t pid = mc_test_start_helper("helper_refresh_follows", path);
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    write_ppg(w, 500, 300);
    ASSERT_STATUS(mc_h5_writer_flush(w), MC_OK);
    mc_test_wait_helper(pid);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
}

TEST(reader_rejects_malformed)
{
    mc_h5_reader *r = (mc_h5_reader *)1;
    mc_diag d;
    ASSERT_STATUS(mc_h5_reader_open(mc_test_tmp_path("missing.h5"), &d, &r), MC_ENOTFOUND);
    ASSERT_TRUE(r == NULL);
    const char *text = mc_test_tmp_path("text.h5");
    FILE *f = fopen(text, "w");
    fputs("not hdf5 at all\n", f);
    fclose(f);
    ASSERT_STATUS(mc_h5_reader_open(text, &d, &r), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "not an HDF5 file") != NULL);

    /* An HDF5 file that is not a session, then one with a wrong version, then a bad stream. */
    const char *other = mc_test_tmp_path("other.h5");
    hid_t fid = H5Fcreate(other, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(fid);
    ASSERT_STATUS(mc_h5_reader_open(other, &d, &r), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "not an mcirc session") != NULL);

    fid = H5Fopen(other, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t sp = H5Screate(H5S_SCALAR);
    int v = 7;
    hid_t a = H5Acreate2(fid, "mcirc_format", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    H5Fclose(fid);
    ASSERT_STATUS(mc_h5_reader_open(other, &d, &r), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "version 7") != NULL);

    fid = H5Fopen(other, H5F_ACC_RDWR, H5P_DEFAULT);
    a = H5Aopen(fid, "mcirc_format", H5P_DEFAULT);
    v = 1;
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    hid_t g = H5Gcreate2(fid, "streams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sg = H5Gcreate2(g, "broken", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {4};
    hid_t ds_space = H5Screate_simple(1, dims, NULL);
    hid_t ds =
        H5Dcreate2(sg, "data", H5T_NATIVE_INT, ds_space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(ds);
    H5Sclose(ds_space);
    H5Gclose(sg);
    H5Gclose(g);
    H5Sclose(sp);
    H5Fclose(fid);
    ASSERT_STATUS(mc_h5_reader_open(other, &d, &r), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "/streams/broken/data") != NULL);
    ASSERT_TRUE(r == NULL);
}

TEST(reads_ascii_tables)
{
    /* h5py writes fixed-length strings as ASCII; HDF5 converts neither way between ASCII and
     * UTF-8, so the reader must ask for the set the file holds. */
    const char *path = mc_test_tmp_path("ascii.h5");
    mc_h5_writer *w = make_writer(path, 0);
    write_ppg(w, 0, 10);
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_TRUE(H5Ldelete(fid, "events", H5P_DEFAULT) >= 0);
    struct row {
        int64_t t_ns;
        char kind[16];
        double value;
    } rows[2] = {{1000, "mottling", 2}, {2000, "note", 0}};
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 16);
    H5Tset_cset(str, H5T_CSET_ASCII);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct row));
    H5Tinsert(t, "t_ns", offsetof(struct row, t_ns), H5T_NATIVE_INT64);
    H5Tinsert(t, "kind", offsetof(struct row, kind), str);
    H5Tinsert(t, "value", offsetof(struct row, value), H5T_NATIVE_DOUBLE);
    hsize_t dims[1] = {2};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(fid, "events", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_TRUE(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
    H5Tclose(str);
    H5Fclose(fid);
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(path, &d, &r);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    ASSERT_EQ_INT(ne, 2);
    ASSERT_STR_EQ(ev[0].kind, "mottling");
    ASSERT_NEAR_F(ev[0].value, 2, 0);
    ASSERT_STR_EQ(ev[1].kind, "note");
    ASSERT_STR_EQ(ev[1].text, ""); /* a field the file lacks reads as empty */
    mc_h5_reader_destroy(r);
}

/* The superblock's flags as HDF5 leaves them: set while a writer holds the file, clear once it
 * closed it, still set when the writer died without closing. The byte is also checked by hand,
 * so that the function cannot pass by reading the wrong place. */
static int superblock_flags(const char *path)
{
    unsigned char b[12] = {0};
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_INT(fread(b, 1, sizeof b, f), sizeof b);
    fclose(f);
    ASSERT_TRUE(b[8] >= 2); /* superblock version 2 or 3: the flags are byte 11 */
    return b[11];
}

TEST(file_is_being_written)
{
    char path[600], crashed[600], text[600]; /* mc_test_tmp_path reuses its buffer */
    snprintf(path, sizeof path, "%s", mc_test_tmp_path("marked.h5"));
    snprintf(crashed, sizeof crashed, "%s", mc_test_tmp_path("crashed.h5"));
    snprintf(text, sizeof text, "%s", mc_test_tmp_path("text.h5"));
    mc_h5_writer *w = make_writer(path, 1);
    write_ppg(w, 0, 100);
    ASSERT_STATUS(mc_h5_writer_flush(w), MC_OK);
    int written = -1;
    ASSERT_STATUS(mc_h5_file_is_being_written(path, &written), MC_OK);
    ASSERT_EQ_INT(written, 1);
    ASSERT_EQ_INT(superblock_flags(path) & 0x05, 0x05); /* open for write and for SWMR write */
    ASSERT_STATUS(mc_h5_writer_finish(w, NULL), MC_OK);
    mc_h5_writer_destroy(w);
    ASSERT_STATUS(mc_h5_file_is_being_written(path, &written), MC_OK);
    ASSERT_EQ_INT(written, 0);
    ASSERT_EQ_INT(superblock_flags(path) & 0x05, 0);

    /* A writer that dies without closing (a crashed recorder) leaves the mark. */
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        mc_h5_writer *cw = make_writer(crashed, 1);
        write_ppg(cw, 0, 100);
        _exit(mc_h5_writer_flush(cw) == MC_OK ? 0 : 1);
    }
    int status = -1;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_STATUS(mc_h5_file_is_being_written(crashed, &written), MC_OK);
    ASSERT_EQ_INT(written, 1);

    ASSERT_STATUS(mc_h5_file_is_being_written(mc_test_tmp_path("absent.h5"), &written),
                  MC_ENOTFOUND);
    FILE *f = fopen(text, "w");
    ASSERT_TRUE(f != NULL);
    fputs("not an HDF5 file at all\n", f);
    fclose(f);
    ASSERT_STATUS(mc_h5_file_is_being_written(text, &written), MC_EFORMAT);
    f = fopen(text, "w");
    fputs("\x89HDF", f); /* the start of a signature, cut short */
    fclose(f);
    ASSERT_STATUS(mc_h5_file_is_being_written(text, &written), MC_EFORMAT);
}
