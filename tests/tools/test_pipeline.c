/* SPDX-License-Identifier: MIT */
/* tests/tools/test_pipeline.c: end to end with threads (STYLE.md 3.9 kind 7): paced simulated
 * sources -> rings -> writer thread -> a temporary session file, read back and compared with a
 * freshly generated copy of each model (the simulator is deterministic). Also a stop in the middle
 * of the run, a source stopped before it delivered anything, and OSC events received while
 * recording. The ThreadSanitizer preset runs
 * these cases. */
#include <arpa/inet.h>
#include <dirent.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "acquisition/sim.h"
#include "acquisition/source_sim.h"
#include "formats/h5_reader.h"
#include "tools/pipeline.h"
#include "tests/harness.h"
#include "tests/osc_receiver.h"
#include "tests/util.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static int64_t ms(double v)
{
    return (int64_t)(v * 1e6);
}

/* The three streams of these tests: model, name, parameters. */
typedef struct sim_spec {
    const char *model;
    const char *name;
    const mc_kv *params;
    size_t n_params;
    double rate_hz; /* nominal */
} sim_spec;

static const mc_kv ppg_params[] = {{"seed", "11"}};
static const mc_kv ldf_params[] = {{"porh", "1"}, {"occlusion", "1"}}; /* truth events at 1, 2 s */
static const mc_kv nirs_params[] = {{"irregular", "1"}};

static const sim_spec specs[3] = {
    {"ppg", "ppg_finger", ppg_params, 1, 250},
    {"ldf", "ldf_forearm", ldf_params, 2, 32},
    {"nirs", "nirs_thenar", nirs_params, 1, 1},
};

/* A paced source of `sp`, `speed` times real time (1: real time). */
static mc_source *make_source_at(const sim_spec *sp, int64_t mono0, double duration_s, double speed)
{
    mc_source_sim_config c = mc_source_sim_config_default();
    c.model = sp->model;
    c.name = sp->name;
    c.params = sp->params;
    c.n_params = sp->n_params;
    c.paced = 1;
    c.start_mono_ns = mono0;
    c.duration_s = duration_s;
    c.block_s = 0.1;
    c.speed = speed;
    mc_diag d;
    mc_source *s = NULL;
    mc_status st = mc_source_sim_create(&c, &d, &s);
    if (st != MC_OK)
        fprintf(stderr, "source %s: %s\n", sp->name, d.message);
    ASSERT_STATUS(st, MC_OK);
    return s;
}

static mc_source *make_source(const sim_spec *sp, int64_t mono0, double duration_s)
{
    return make_source_at(sp, mono0, duration_s, 1);
}

static mc_session_info make_session(void)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "ICU-014");
    snprintf(s.session, sizeof s.session, "baseline");
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    mc_session_set_start(&s, mc_clock_unix_ns());
    return s;
}

static mc_pipeline *make_pipeline(const char *path, mc_source **src, size_t n, int64_t mono0,
                                  const mc_session_info *session)
{
    mc_pipeline_config pc = mc_pipeline_config_default();
    pc.sources = src;
    pc.n_sources = n;
    pc.writer.path = path;
    pc.writer.session = session;
    pc.mono0_ns = mono0;
    mc_pipeline *p = NULL;
    mc_diag d;
    mc_status st = mc_pipeline_create(&pc, &d, &p);
    if (st != MC_OK)
        fprintf(stderr, "pipeline: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(p != NULL);
    return p;
}

static void finish_pipeline(mc_pipeline *p)
{
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_pipeline_finish(p, &d);
    if (st != MC_OK)
        fprintf(stderr, "finish: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

static mc_event note(const char *text)
{
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = mc_clock_now_ns();
    snprintf(ev.kind, sizeof ev.kind, "note");
    snprintf(ev.text, sizeof ev.text, "%s", text);
    ev.value = (double)NAN;
    return ev;
}

/* Frames [0, n) of stream `stream` in the file equal the first n frames of a freshly created
 * model with the same parameters, bit for bit (NaN dropouts included). */
static void expect_truth_prefix(mc_h5_reader *rd, size_t stream, const sim_spec *sp, int64_t n)
{
    mc_sim *truth = NULL;
    ASSERT_STATUS(mc_sim_create(sp->model, sp->name, sp->params, sp->n_params, NULL, &truth),
                  MC_OK);
    uint32_t nc = mc_sim_get_info(truth)->n_channels;
    size_t count = (size_t)n * nc;
    float *want = malloc((count ? count : 1) * sizeof *want);
    float *got = malloc((count ? count : 1) * sizeof *got);
    ASSERT_TRUE(want && got);
    mc_sim_read(truth, (size_t)n, want, NULL);
    if (n > 0)
        ASSERT_STATUS(mc_h5_reader_read(rd, stream, 0, (size_t)n, got), MC_OK);
    if (memcmp(want, got, count * sizeof *got) != 0) {
        for (size_t i = 0; i < count; i++)
            if (memcmp(&want[i], &got[i], sizeof *got) != 0) {
                fprintf(stderr, "%s: sample %zu (frame %zu) is %.9g, expected %.9g\n", sp->name, i,
                        i / nc, (double)got[i], (double)want[i]);
                break;
            }
        ASSERT_TRUE(!"samples differ from the model");
    }
    free(want);
    free(got);
    mc_sim_destroy(truth);
}

/* Largest |time - k / rate| over the frames of a stream, ns; the regular streams are placed by
 * the clock fit, the irregular one carries its receive times. */
static double worst_time_error(mc_h5_reader *rd, size_t stream, double rate, int64_t n)
{
    if (n == 0)
        return 0;
    int64_t *t = malloc((size_t)n * sizeof *t);
    ASSERT_TRUE(t != NULL);
    ASSERT_STATUS(mc_h5_reader_read_times(rd, stream, 0, (size_t)n, t), MC_OK);
    double worst = 0;
    for (int64_t k = 0; k < n; k++) {
        double e = fabs((double)t[k] - (double)k * 1e9 / rate);
        if (e > worst)
            worst = e;
        if (k > 0)
            ASSERT_TRUE(t[k] > t[k - 1]);
    }
    free(t);
    return worst;
}

HELPER(helper_expect_closed)
{
    mc_h5_reader *rd = NULL;
    mc_diag d;
    mc_status st = mc_h5_reader_open(getenv("MC_TEST_FILE"), &d, &rd);
    if (st != MC_OK)
        fprintf(stderr, "helper open: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_state(rd), MC_H5_CLOSED);
    mc_h5_reader_destroy(rd);
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

static const mc_event *find_event(const mc_event *ev, size_t n, const char *kind, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].kind, kind) == 0 && (!text || strcmp(ev[i].text, text) == 0))
            return &ev[i];
    return NULL;
}

/* Waits until the pipeline stops running, at most `limit_ns`. @return the time it stopped */
static int64_t wait_not_running(mc_pipeline *p, int64_t limit_ns)
{
    int64_t deadline = mc_clock_now_ns() + limit_ns;
    while (mc_pipeline_is_running(p)) {
        ASSERT_TRUE(mc_clock_now_ns() < deadline);
        mc_clock_sleep_until(mc_clock_now_ns() + ms(5), -1);
    }
    return mc_clock_now_ns();
}

/* ---- Cases ----------------------------------------------------------------------------------- */

TEST(three_sources_end_to_end)
{
    /* ppg 250 Hz, ldf 32 Hz (with a 1 s occlusion from 1 s) and irregular nirs at 1 Hz, 3 s
     * each, paced in real time; two notes typed at the bedside while recording. */
    const char *path = mc_test_tmp_path("e2e.h5");
    mc_session_info session = make_session();
    const int64_t mono0 = mc_clock_now_ns();
    mc_source *src[3];
    for (int i = 0; i < 3; i++)
        src[i] = make_source(&specs[i], mono0, 3.0);
    mc_pipeline *p = make_pipeline(path, src, 3, mono0, &session);
    ASSERT_EQ_INT(mc_pipeline_get_n_streams(p), 3);
    ASSERT_EQ_INT(mc_pipeline_is_running(p), 0); /* not started */
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);
    /* Frames due before the threads ran (creating the file takes a while under load) come late
     * by that much. */
    const int64_t start_delay = mc_clock_now_ns() - mono0;
    ASSERT_EQ_INT(mc_pipeline_is_running(p), 1);

    int64_t pushed[2] = {0, 0};
    const char *texts[2] = {"first note", "second note"};
    int n_pushed = 0;
    const int64_t deadline = mono0 + ms(10000);
    while (mc_pipeline_is_running(p)) {
        int64_t now = mc_clock_now_ns();
        ASSERT_TRUE(now < deadline);
        if (n_pushed < 2 && now - mono0 >= ms(500) + n_pushed * ms(1000)) {
            mc_event ev = note(texts[n_pushed]);
            pushed[n_pushed] = ev.t_ns;
            ASSERT_STATUS(mc_pipeline_push_event(p, &ev), MC_OK);
            n_pushed++;
        }
        mc_clock_sleep_until(now + ms(5), -1);
    }
    int64_t ended = mc_clock_now_ns();
    ASSERT_EQ_INT(n_pushed, 2);
    finish_pipeline(p);

    const int64_t want_frames[3] = {750, 96, 3};
    for (size_t i = 0; i < 3; i++) {
        mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
        ASSERT_STR_EQ(s.name, specs[i].name);
        ASSERT_EQ_INT(s.frames, want_frames[i]);
        ASSERT_EQ_INT(s.missing, 0);
        ASSERT_EQ_INT(s.ring_dropped, 0);
    }
    mc_pipeline_destroy(p);
    for (int i = 0; i < 3; i++)
        mc_source_destroy(src[i]);
    mc_test_run_helper("helper_expect_closed", path);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_state(rd), MC_H5_CLOSED);
    ASSERT_EQ_INT(mc_h5_reader_get_n_streams(rd), 3);
    double worst[3];
    for (size_t i = 0; i < 3; i++) {
        const mc_stream_info *info = mc_h5_reader_get_stream(rd, i);
        ASSERT_STR_EQ(info->name, specs[i].name);
        ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, i), want_frames[i]);
        size_t ng = 99;
        mc_h5_reader_get_gaps(rd, i, &ng);
        ASSERT_EQ_INT(ng, 0);
        expect_truth_prefix(rd, i, &specs[i], want_frames[i]);
        size_t na = 0;
        mc_h5_reader_get_anchors(rd, i, &na);
        if (i < 2)
            ASSERT_TRUE(na >= 2); /* the regular streams got their anchors at finish */
        else
            ASSERT_EQ_INT(na, 0);
        worst[i] = worst_time_error(rd, i, specs[i].rate_hz, want_frames[i]);
        if (!(worst[i] <= 100e6 + (double)start_delay))
            fprintf(stderr, "%s: a frame is %.3f ms off its nominal time (start delay %.3f ms)\n",
                    specs[i].name, worst[i] / 1e6, (double)start_delay / 1e6);
        ASSERT_TRUE(worst[i] <= 100e6 + (double)start_delay);
    }
    /* Irregular frames carry their receive times: never before they were due. */
    int64_t t[3];
    ASSERT_STATUS(mc_h5_reader_read_times(rd, 2, 0, 3, t), MC_OK);
    for (int k = 0; k < 3; k++)
        ASSERT_TRUE(t[k] >= (int64_t)k * 1000000000);

    /* Events: the truth of the ldf model at exactly 1 s and 2 s of session time, and the notes at
     * the time they were stamped, in session time. */
    size_t ne = 0;
    const mc_event *ev = mc_h5_reader_get_events(rd, &ne);
    ASSERT_EQ_INT(ne, 4);
    const mc_event *e = find_event(ev, ne, "occlusion_start", NULL);
    ASSERT_TRUE(e != NULL);
    ASSERT_EQ_INT(e->t_ns, 1000000000);
    ASSERT_STR_EQ(e->stream, "ldf_forearm");
    e = find_event(ev, ne, "occlusion_end", NULL);
    ASSERT_TRUE(e != NULL);
    ASSERT_EQ_INT(e->t_ns, 2000000000);
    for (int i = 0; i < 2; i++) {
        e = find_event(ev, ne, "note", texts[i]);
        ASSERT_TRUE(e != NULL);
        ASSERT_EQ_INT(e->t_ns, pushed[i] - mono0);
        ASSERT_TRUE(e->t_ns >= ms(500) + i * ms(1000) && e->t_ns < ended - mono0);
        ASSERT_STR_EQ(e->stream, "");
        ASSERT_TRUE(isnan(e->value));
    }
    fprintf(stderr,
            "end to end: threads started %.3f ms and sources ended %.1f ms after the session "
            "start; worst |t - k/rate|: ppg %.3f ms, ldf %.3f ms, nirs %.3f ms\n",
            (double)start_delay / 1e6, (double)(ended - mono0) / 1e6, worst[0] / 1e6,
            worst[1] / 1e6, worst[2] / 1e6);
    mc_h5_reader_destroy(rd);
}

TEST(stop_mid_run)
{
    /* Stopped after about 1 s of 3: the sources end soon, and the file closes cleanly with the
     * first frames of each model, no gaps. */
    const char *path = mc_test_tmp_path("stopped.h5");
    mc_session_info session = make_session();
    const int64_t mono0 = mc_clock_now_ns();
    mc_source *src[3];
    for (int i = 0; i < 3; i++)
        src[i] = make_source(&specs[i], mono0, 3.0);
    mc_pipeline *p = make_pipeline(path, src, 3, mono0, &session);
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);
    mc_clock_sleep_until(mono0 + ms(1000), -1);
    ASSERT_EQ_INT(mc_pipeline_is_running(p), 1);
    int64_t stopped = mc_clock_now_ns();
    mc_pipeline_stop(p);
    int64_t ended = wait_not_running(p, ms(2000));
    finish_pipeline(p);
    int64_t frames[3];
    for (size_t i = 0; i < 3; i++)
        frames[i] = mc_pipeline_get_stream_stats(p, i).frames;
    mc_pipeline_destroy(p);
    for (int i = 0; i < 3; i++)
        mc_source_destroy(src[i]);
    mc_test_run_helper("helper_expect_closed", path);

    fprintf(stderr, "stop: sources ended %.3f ms after mc_pipeline_stop; frames %lld %lld %lld\n",
            (double)(ended - stopped) / 1e6, (long long)frames[0], (long long)frames[1],
            (long long)frames[2]);
    ASSERT_TRUE(ended - stopped <= ms(200));
    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_state(rd), MC_H5_CLOSED);
    /* The ppg has delivered at least the blocks due by 0.9 s, and stopped well before 3 s. */
    ASSERT_TRUE(frames[0] >= 225 && frames[0] < 750);
    ASSERT_TRUE(frames[1] >= 1 && frames[1] < 96);
    ASSERT_TRUE(frames[2] >= 1 && frames[2] < 3);
    for (size_t i = 0; i < 3; i++) {
        ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, i), frames[i]);
        size_t ng = 99;
        mc_h5_reader_get_gaps(rd, i, &ng);
        ASSERT_EQ_INT(ng, 0);
        expect_truth_prefix(rd, i, &specs[i], frames[i]);
    }
    mc_h5_reader_destroy(rd);
}

TEST(source_stopped_immediately)
{
    /* The ldf source is stopped before the pipeline starts: its thread ends at once without
     * data, the ppg records its full second, and the session closes cleanly with an empty
     * ldf stream. */
    const char *path = mc_test_tmp_path("empty_stream.h5");
    mc_session_info session = make_session();
    const int64_t mono0 = mc_clock_now_ns();
    mc_source *src[2] = {make_source(&specs[0], mono0, 1.0), make_source(&specs[1], mono0, 1.0)};
    mc_pipeline *p = make_pipeline(path, src, 2, mono0, &session);
    mc_source_stop(src[1]);
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);
    wait_not_running(p, ms(10000));
    finish_pipeline(p);
    ASSERT_EQ_INT(mc_pipeline_get_stream_stats(p, 0).frames, 250);
    ASSERT_EQ_INT(mc_pipeline_get_stream_stats(p, 1).frames, 0);
    mc_pipeline_destroy(p);
    mc_source_destroy(src[0]);
    mc_source_destroy(src[1]);
    mc_test_run_helper("helper_expect_closed", path);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, 0), 250);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, 1), 0);
    expect_truth_prefix(rd, 0, &specs[0], 250);
    size_t na = 99, ng = 99, ne = 99;
    mc_h5_reader_get_anchors(rd, 1, &na);
    mc_h5_reader_get_gaps(rd, 1, &ng);
    mc_h5_reader_get_events(rd, &ne);
    ASSERT_EQ_INT(na, 0);
    ASSERT_EQ_INT(ng, 0);
    ASSERT_EQ_INT(ne, 0); /* the occlusion at 1 s was never reached */
    mc_h5_reader_destroy(rd);
}

TEST(all_sources_stopped_at_start)
{
    /* Every source stopped right after start: the pipeline winds down on its own, quickly, and
     * leaves a valid empty session. */
    const char *path = mc_test_tmp_path("all_stopped.h5");
    mc_session_info session = make_session();
    const int64_t mono0 = mc_clock_now_ns();
    mc_source *src[3];
    for (int i = 0; i < 3; i++)
        src[i] = make_source(&specs[i], mono0 + ms(500), 0);
    mc_pipeline *p = make_pipeline(path, src, 3, mono0, &session);
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);
    int64_t t = mc_clock_now_ns();
    mc_pipeline_stop(p);
    int64_t ended = wait_not_running(p, ms(2000));
    ASSERT_TRUE(ended - t <= ms(200));
    mc_event ev = note("after the end");
    ASSERT_STATUS(mc_pipeline_push_event(p, &ev), MC_OK); /* still stored by finish */
    finish_pipeline(p);
    mc_pipeline_destroy(p);
    for (int i = 0; i < 3; i++)
        mc_source_destroy(src[i]);
    mc_test_run_helper("helper_expect_closed", path);
    mc_h5_reader *rd = open_reader(path);
    for (size_t i = 0; i < 3; i++)
        ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, i), 0);
    size_t ne = 0;
    const mc_event *e = mc_h5_reader_get_events(rd, &ne);
    ASSERT_EQ_INT(ne, 1);
    ASSERT_STR_EQ(e[0].text, "after the end");
    ASSERT_EQ_INT(e[0].t_ns, ev.t_ns - mono0);
    mc_h5_reader_destroy(rd);
}

TEST(config_errors)
{
    mc_source *src = make_source(&specs[0], 0, 1.0);
    mc_session_info session = make_session();
    mc_pipeline_config pc = mc_pipeline_config_default();
    ASSERT_NEAR_F(pc.ring_s, 5, 0);
    ASSERT_NEAR_F(pc.flush_s, 1, 0);
    pc.sources = &src;
    pc.n_sources = 1;
    pc.writer.path = mc_test_tmp_path("never.h5");
    pc.writer.session = &session;
    mc_pipeline *p = (mc_pipeline *)&p;
    mc_diag d;

    pc.n_sources = 0;
    ASSERT_STATUS(mc_pipeline_create(&pc, &d, &p), MC_EINVAL);
    ASSERT_TRUE(p == NULL);
    ASSERT_TRUE(strstr(d.message, "source") != NULL);
    pc.n_sources = 1;
    pc.flush_s = 2; /* at least one flush a second */
    ASSERT_STATUS(mc_pipeline_create(&pc, &d, &p), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "flush") != NULL);
    pc.flush_s = 1;
    pc.ring_s = 0;
    ASSERT_STATUS(mc_pipeline_create(&pc, &d, &p), MC_EINVAL);
    pc.ring_s = 5;
    snprintf(session.subject, sizeof session.subject, "John Smith"); /* privacy rule */
    ASSERT_STATUS(mc_pipeline_create(&pc, &d, &p), MC_EPRIVACY);
    ASSERT_TRUE(p == NULL);
    ASSERT_TRUE(access(pc.writer.path, F_OK) != 0); /* nothing created on refusal */
    /* The caller's source is untouched by the failed create: it still delivers. */
    mc_source_item item;
    ASSERT_STATUS(mc_source_read(src, &item), MC_OK);
    mc_pipeline_destroy(NULL);
    mc_source_destroy(src);
}

/* ---- OSC input ------------------------------------------------------------------------------- */

/* Appends an OSC string (NUL-terminated, padded to 4 bytes). */
static size_t osc_put_string(unsigned char *b, size_t at, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(b + at, s, n);
    while (n % 4) {
        b[at + n] = 0;
        n++;
    }
    return at + n;
}

static void osc_send_event(int fd, const struct sockaddr_in *to, const char *kind, const char *text,
                           float value)
{
    unsigned char b[512];
    size_t n = osc_put_string(b, 0, "/mcirc/event");
    n = osc_put_string(b, n, ",ssf");
    n = osc_put_string(b, n, kind);
    n = osc_put_string(b, n, text);
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    b[n++] = (unsigned char)(bits >> 24);
    b[n++] = (unsigned char)(bits >> 16);
    b[n++] = (unsigned char)(bits >> 8);
    b[n++] = (unsigned char)bits;
    ASSERT_EQ_INT(sendto(fd, b, n, 0, (const struct sockaddr *)to, sizeof *to), (long)n);
}

TEST(osc_in_events)
{
    /* A paced ppg source for 2 s, OSC events and bedside events posted at once from two
     * threads (the OSC reader and this control thread): every valid event is in the file with
     * its arrival time, malformed ones are counted, and the samples are all there. */
    const char *path = mc_test_tmp_path("osc_in.h5");
    mc_session_info session = make_session();
    mc_osc_in *osc = NULL;
    mc_osc_in_config oc = mc_osc_in_config_default();
    ASSERT_STATUS(mc_osc_in_create(&oc, NULL, &osc), MC_OK);
    const int64_t mono0 = mc_clock_now_ns();
    mc_source *src = make_source(&specs[0], mono0, 2.0);
    mc_pipeline_config pc = mc_pipeline_config_default();
    pc.sources = &src;
    pc.n_sources = 1;
    pc.writer.path = path;
    pc.writer.session = &session;
    pc.mono0_ns = mono0;
    pc.osc_in = osc;
    mc_pipeline *p = NULL;
    ASSERT_STATUS(mc_pipeline_create(&pc, NULL, &p), MC_OK);
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_TRUE(fd >= 0);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(mc_osc_in_get_port(osc));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    enum { N = 40 };
    int64_t sent[N];
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "osc %d", i);
        sent[i] = mc_clock_now_ns();
        osc_send_event(fd, &to, "crt", text, (float)i);
        osc_send_event(fd, &to, "Not A Kind", text, 0.0f); /* ignored */
        snprintf(text, sizeof text, "typed %d", i);
        mc_event ev = note(text);
        ASSERT_STATUS(mc_pipeline_push_event(p, &ev), MC_OK);
        mc_clock_sleep_until(mc_clock_now_ns() + ms(20), -1);
    }
    /* The last one, sent after the source ended and right before finish, is there too. */
    wait_not_running(p, ms(5000));
    int64_t last_sent = mc_clock_now_ns();
    osc_send_event(fd, &to, "occlusion_end", "last", (float)NAN);
    finish_pipeline(p);
    int64_t finished = mc_clock_now_ns();
    close(fd);
    mc_osc_in_stats os = mc_osc_in_get_stats(osc);
    ASSERT_EQ_INT(os.received, N + 1);
    ASSERT_EQ_INT(os.ignored, N);
    ASSERT_EQ_INT(os.dropped, 0);
    ASSERT_STATUS(mc_pipeline_get_osc_in_status(p), MC_OK);
    mc_pipeline_destroy(p);
    mc_source_destroy(src);
    mc_osc_in_destroy(osc);

    mc_h5_reader *rd = open_reader(path);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, 0), 500);
    size_t ne = 0;
    const mc_event *e = mc_h5_reader_get_events(rd, &ne);
    ASSERT_EQ_INT(ne, 2 * N + 1);
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "osc %d", i);
        const mc_event *x = find_event(e, ne, "crt", text);
        ASSERT_TRUE(x != NULL);
        ASSERT_NEAR_F(x->value, i, 0);
        ASSERT_TRUE(x->t_ns >= sent[i] - mono0 && x->t_ns <= sent[i] - mono0 + ms(100));
        snprintf(text, sizeof text, "typed %d", i);
        ASSERT_TRUE(find_event(e, ne, "note", text) != NULL);
    }
    const mc_event *last = find_event(e, ne, "occlusion_end", "last");
    ASSERT_TRUE(last != NULL && isnan(last->value));
    ASSERT_TRUE(last->t_ns >= last_sent - mono0 && last->t_ns <= finished - mono0);
    mc_h5_reader_destroy(rd);
}

/* ---- Live analysis and OSC output ------------------------------------------------------------ */

static const mc_kv live_ppg[] = {{"hr", "72"}, {"pi", "2.5"}, {"seed", "3"}};
static const mc_kv live_ldf[] = {{"pu", "25"}, {"seed", "4"}};
static const mc_kv live_nirs[] = {{"sto2", "70"}, {"seed", "5"}};
static const mc_kv live_pco2[] = {{"level", "48"}, {"seed", "6"}};

static const sim_spec live_specs[] = {
    {"ppg", "ppg_finger", live_ppg, 3, 250},
    {"ldf", "ldf_forearm", live_ldf, 2, 32},
    {"nirs", "nirs_thenar", live_nirs, 2, 1},
    {"pco2", "pco2_skin", live_pco2, 2, 1},
};

enum { LIVE_STREAMS = 4 };

/* Four streams at `speed` for `duration_s` of session time, analysed live, OSC to `urls`. */
static mc_pipeline *start_live(const char *path, double duration_s, double speed,
                               const char *const *urls, size_t n_urls, const mc_osc_out_config *oc,
                               mc_source **src, const mc_analysis_config *acfg,
                               const mc_session_info *session, mc_osc_in *osc_in)
{
    const int64_t mono0 = mc_clock_now_ns();
    for (size_t i = 0; i < LIVE_STREAMS; i++)
        src[i] = make_source_at(&live_specs[i], mono0, duration_s, speed);
    mc_pipeline_config pc = mc_pipeline_config_default();
    pc.sources = src;
    pc.n_sources = LIVE_STREAMS;
    pc.writer.path = path;
    pc.writer.session = session;
    pc.mono0_ns = mono0;
    pc.unix0_ns = session->start_unix_ns;
    pc.analysis = acfg;
    pc.osc = n_urls > 0;
    pc.osc_urls = urls;
    pc.n_osc_urls = n_urls;
    pc.osc_config = oc;
    pc.time_scale = speed;
    pc.osc_in = osc_in;
    mc_pipeline *p = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_pipeline_create(&pc, &d, &p);
    if (st != MC_OK)
        fprintf(stderr, "pipeline: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_STATUS(mc_pipeline_start(p), MC_OK);
    return p;
}

static mc_pipeline *run_live(const char *path, double duration_s, double speed,
                             const char *const *urls, size_t n_urls, const mc_osc_out_config *oc,
                             mc_source **src, const mc_analysis_config *acfg,
                             const mc_session_info *session)
{
    mc_pipeline *p =
        start_live(path, duration_s, speed, urls, n_urls, oc, src, acfg, session, NULL);
    wait_not_running(p, ms(1000 * (duration_s / speed + 20)));
    finish_pipeline(p);
    return p;
}

/* The value series of one feature in the session file. */
static int64_t read_feature(mc_h5_reader *rd, const char *stream, const char *feature, int64_t *t,
                            float *v, uint8_t *s, size_t cap)
{
    for (size_t k = 0; k < mc_h5_reader_get_n_features(rd); k++) {
        const mc_h5_feature_spec *f = mc_h5_reader_get_feature(rd, k);
        if (strcmp(f->stream, stream) != 0 || strcmp(f->feature, feature) != 0)
            continue;
        int64_t n = mc_h5_reader_get_n_feature_values(rd, k);
        ASSERT_TRUE(n >= 0 && (size_t)n <= cap);
        ASSERT_STATUS(mc_h5_reader_read_feature(rd, k, 0, (size_t)n, t, v, s), MC_OK);
        return n;
    }
    return -1;
}

TEST(live_features_to_file_and_osc)
{
    /* 60 s of session time at 6x: the features in /features carry the simulator's truth, and a
     * liblo server receives the schema first, then every row of every feature with the same
     * value, bundles with increasing timetags per stream, and status messages. */
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {url};
    const char *path = mc_test_tmp_path("live.h5");
    mc_session_info session = make_session();
    mc_analysis_config acfg;
    mc_analysis_config_default(&acfg);
    mc_source *src[LIVE_STREAMS];
    const double duration = 60, speed = 6;
    /* A dashboard on the OSC input asks for the schema again and marks an event. */
    mc_osc_in_config ic = mc_osc_in_config_default();
    mc_osc_in *in = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_osc_in_create(&ic, &d, &in), MC_OK);
    mc_pipeline *p = start_live(path, duration, speed, urls, 1, NULL, src, &acfg, &session, in);
    mc_clock_sleep_until(mc_clock_now_ns() + ms(2000), -1);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(mc_osc_in_get_port(in)),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    unsigned char req[32];
    size_t req_n = osc_put_string(req, 0, "/mcirc/schema");
    req_n = osc_put_string(req, req_n, ",");
    ASSERT_EQ_INT(sendto(fd, req, req_n, 0, (struct sockaddr *)&to, sizeof to), (long)req_n);
    osc_send_event(fd, &to, "mottling", "knee", 3);
    close(fd);
    wait_not_running(p, ms(1000 * (duration / speed + 20)));
    finish_pipeline(p);
    const int64_t want[LIVE_STREAMS] = {60 * 250, 60 * 32, 60, 60};
    for (size_t i = 0; i < LIVE_STREAMS; i++) {
        mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
        ASSERT_EQ_INT(s.frames, want[i]);
        ASSERT_EQ_INT(s.missing, 0);
        ASSERT_EQ_INT(s.analysis_dropped, 0);
        ASSERT_TRUE(s.rows > 0);
    }
    mc_osc_out_stats os;
    mc_osc_out_get_stats(mc_pipeline_get_osc(p), 0, &os);
    ASSERT_EQ_INT(os.dropped, 0);
    ASSERT_EQ_INT(os.sender.failed, 0);
    ASSERT_EQ_INT(mc_osc_in_get_stats(in).schema_requests, 1);
    mc_pipeline_destroy(p);
    mc_osc_in_destroy(in);
    for (int i = 0; i < LIVE_STREAMS; i++)
        mc_source_destroy(src[i]);
    rx_wait(r, 1u << 30, 300); /* the last datagrams */
    rx_stop(r);

    mc_h5_reader *rd = open_reader(path);
    static int64_t t[4096];
    static float v[4096];
    static uint8_t st[4096];
    int64_t n_pi = read_feature(rd, "ppg_finger", "pi", t, v, st, 4096);
    ASSERT_TRUE(n_pi >= 40); /* hop 1 s, 8 s window */
    int ok = 0;
    for (int64_t k = 0; k < n_pi; k++) {
        ASSERT_TRUE(k == 0 || t[k] > t[k - 1]);
        if (st[k] == MC_FS_OK && t[k] > ms(15000)) {
            ASSERT_NEAR_F(v[k], 2.5, 0.25);
            ok++;
        }
    }
    ASSERT_TRUE(ok >= 30);

    /* Every pi row reached the receiver, with its value, in bundles with increasing timetags. */
    char pi_path[192], hr_path[192], schema_path[192], status_path[192];
    snprintf(pi_path, sizeof pi_path, "/mcirc/%s/ppg_finger/pi", session.subject);
    snprintf(hr_path, sizeof hr_path, "/mcirc/%s/ppg_finger/hr", session.subject);
    snprintf(schema_path, sizeof schema_path, "/mcirc/%s/schema", session.subject);
    snprintf(status_path, sizeof status_path, "/mcirc/%s/ppg_finger/status", session.subject);
    ASSERT_TRUE(r->n > 0);
    ASSERT_STR_EQ(r->msgs[0].path, schema_path); /* on start: before anything else */
    int64_t k_pi = 0, last_tt = 0, n_status = 0, hr_ok = 0, n_schema = 0, n_event = 0;
    char event_path[192];
    snprintf(event_path, sizeof event_path, "/mcirc/%s/event", session.subject);
    for (size_t m = 0; m < r->n; m++) {
        const rx_msg *x = &r->msgs[m];
        /* A schema of several parts: count its first parts. */
        n_schema += strcmp(x->path, schema_path) == 0 && strncmp(x->s[1], "part 1/", 7) == 0;
        if (strcmp(x->path, event_path) == 0) {
            ASSERT_STR_EQ(x->types, "ssf");
            ASSERT_STR_EQ(x->s[0], "mottling");
            ASSERT_STR_EQ(x->s[1], "knee");
            ASSERT_NEAR_F(x->f[2], 3, 0);
            n_event++;
        }
        if (strcmp(x->path, status_path) == 0) {
            ASSERT_STR_EQ(x->types, "si");
            ASSERT_EQ_INT(x->i[1], 0); /* nothing dropped */
            n_status++;
        }
        if (strcmp(x->path, hr_path) == 0 && !isnan(x->f[0]) && x->tt_ns > 0) {
            ASSERT_NEAR_F(x->f[0], 72, 2);
            hr_ok++;
        }
        if (strcmp(x->path, pi_path) != 0)
            continue;
        ASSERT_TRUE(k_pi < n_pi);
        ASSERT_TRUE(x->tt_ns > last_tt);
        last_tt = x->tt_ns;
        if (st[k_pi] == MC_FS_OK)
            ASSERT_TRUE(x->f[0] == v[k_pi]);
        else
            ASSERT_TRUE(isnan(x->f[0]));
        /* The timetag is when the window ended in wall-clock time: the session start plus the
         * file's time at 1/speed, within the clock fit's estimate (the file's is fitted later). */
        int64_t file_wall = session.start_unix_ns + llround((double)t[k_pi] / speed);
        ASSERT_TRUE(llabs(x->tt_ns - file_wall) < ms(50));
        k_pi++;
    }
    ASSERT_EQ_INT(k_pi, n_pi);
    ASSERT_EQ_INT(n_schema, 2); /* on start and on request */
    ASSERT_EQ_INT(n_event, 1);
    size_t ne = 0;
    const mc_event *ev = mc_h5_reader_get_events(rd, &ne);
    ASSERT_TRUE(find_event(ev, ne, "mottling", "knee") != NULL);
    ASSERT_TRUE(n_status >= 40);
    ASSERT_TRUE(hr_ok >= 30);
    fprintf(stderr, "live: %lld pi rows in the file and over OSC, %zu messages received\n",
            (long long)n_pi, r->n);
    mc_h5_reader_destroy(rd);
    rx_free(r);
}

TEST(live_osc_receivers_absent_or_stuck)
{
    /* Three destinations that never take anything: a UDP port where nobody listens, a TCP
     * listener whose accept queue is full (connect never completes) and an unreachable
     * address; small queues. The recording still has every sample, the features are all in the
     * file, and the OSC losses are counted per destination. */
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ASSERT_TRUE(bind(udp, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT_TRUE(getsockname(udp, (struct sockaddr *)&a, &alen) == 0);
    int udp_port = ntohs(a.sin_port);
    close(udp); /* nobody listens there now */
    int lst = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in b = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ASSERT_TRUE(bind(lst, (struct sockaddr *)&b, sizeof b) == 0);
    ASSERT_TRUE(listen(lst, 0) == 0);
    alen = sizeof b;
    ASSERT_TRUE(getsockname(lst, (struct sockaddr *)&b, &alen) == 0);
    int fillers[4];
    for (int k = 0; k < 4; k++) { /* fill the accept queue; the extra connects just wait */
        fillers[k] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        (void)connect(fillers[k], (struct sockaddr *)&b, sizeof b);
    }
    char u1[64], u2[64];
    snprintf(u1, sizeof u1, "osc.udp://127.0.0.1:%d", udp_port);
    snprintf(u2, sizeof u2, "osc.tcp://127.0.0.1:%d", ntohs(b.sin_port));
    const char *urls[] = {u1, u2, "osc.udp://192.0.2.1:9"}; /* TEST-NET-1: goes nowhere */
    mc_osc_out_config oc = mc_osc_out_config_default();
    oc.queue_len = 8;
    const char *path = mc_test_tmp_path("live_stuck.h5");
    mc_session_info session = make_session();
    mc_analysis_config acfg;
    mc_analysis_config_default(&acfg);
    mc_source *src[LIVE_STREAMS];
    mc_pipeline *p = run_live(path, 30, 6, urls, 3, &oc, src, &acfg, &session);
    const int64_t want[LIVE_STREAMS] = {30 * 250, 30 * 32, 30, 30};
    for (size_t i = 0; i < LIVE_STREAMS; i++) {
        mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
        ASSERT_EQ_INT(s.frames, want[i]);
        ASSERT_EQ_INT(s.missing, 0);
        ASSERT_EQ_INT(s.ring_dropped, 0);
    }
    mc_osc_out *o = mc_pipeline_get_osc(p);
    mc_osc_out_stats st[3];
    for (size_t k = 0; k < 3; k++) {
        mc_osc_out_get_stats(o, k, &st[k]);
        fprintf(stderr, "destination %zu: pushed %llu, sent %llu, failed %llu, dropped %llu\n", k,
                (unsigned long long)st[k].pushed, (unsigned long long)st[k].sender.sent,
                (unsigned long long)st[k].sender.failed, (unsigned long long)st[k].dropped);
        ASSERT_TRUE(st[k].pushed > 100);
    }
    /* The stuck TCP peer: nothing sent, everything failed or dropped and counted. */
    ASSERT_EQ_INT(st[1].sender.sent, 0);
    ASSERT_TRUE(st[1].sender.failed + st[1].dropped + st[1].left > 0);
    ASSERT_TRUE(st[1].sender.failed + st[1].dropped + st[1].left + st[1].queued >=
                st[1].pushed - 1);
    mc_pipeline_destroy(p);
    for (int i = 0; i < LIVE_STREAMS; i++)
        mc_source_destroy(src[i]);
    for (int k = 0; k < 4; k++)
        close(fillers[k]);
    close(lst);

    mc_h5_reader *rd = open_reader(path);
    for (size_t i = 0; i < LIVE_STREAMS; i++) {
        ASSERT_EQ_INT(mc_h5_reader_get_n_frames(rd, i), want[i]);
        /* Accelerated time magnifies scheduling delays: a late block may read as a clock step
         * (a gap row of 0 samples). No sample is missing. */
        size_t ng = 0;
        const mc_h5_gap *g = mc_h5_reader_get_gaps(rd, i, &ng);
        for (size_t k = 0; k < ng; k++) {
            fprintf(stderr, "stream %zu: gap at %lld, %lld missing (%s)\n", i,
                    (long long)g[k].first_index, (long long)g[k].n_missing, g[k].reason);
            ASSERT_EQ_INT(g[k].n_missing, 0);
        }
    }
    static int64_t t[1024];
    static float v[1024];
    static uint8_t s[1024];
    ASSERT_TRUE(read_feature(rd, "ppg_finger", "pi", t, v, s, 1024) >= 20);
    ASSERT_TRUE(read_feature(rd, "nirs_thenar", "sto2", t, v, s, 1024) >= 20);
    mc_h5_reader_destroy(rd);
}
