/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_device.c: the device source (acquisition/device.h) with real drivers
 * against a pseudo-terminal that the test writes the device's bytes into: Masimo ASCII 1 lines
 * made by the encoder from known values, raw PCM. Covers values and identity, garbage, a device
 * unplugged and plugged back (status events, the gap's reason on the next block), silence and
 * undecodable bytes (a wrong baud rate), a device flooding the port (counted, bounded), and the
 * refusal of bad keys. */
#include "acquisition/device.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "formats/masimo.h"
#include "formats/pcm.h"
#include "tests/harness.h"

/* A pty behind a symbolic link in a temporary folder (as /dev/serial/by-id/ names an adapter). */
typedef struct pty_link {
    int master, slave;
    char dir[32], link[64], target[256];
} pty_link;

static void raw_mode(int fd)
{
    struct termios tio;
    ASSERT_EQ_INT(tcgetattr(fd, &tio), 0);
    cfmakeraw(&tio);
    ASSERT_EQ_INT(tcsetattr(fd, TCSANOW, &tio), 0);
}

static void pty_open(pty_link *p, int new_dir)
{
    ASSERT_EQ_INT(openpty(&p->master, &p->slave, NULL, NULL, NULL), 0);
    raw_mode(p->slave);
    snprintf(p->target, sizeof p->target, "%s", ttyname(p->slave));
    if (new_dir) {
        snprintf(p->dir, sizeof p->dir, "/tmp/mcirc-dev-XXXXXX");
        ASSERT_TRUE(mkdtemp(p->dir) != NULL);
        snprintf(p->link, sizeof p->link, "%s/ttyUSB", p->dir);
    }
    ASSERT_EQ_INT(symlink(p->target, p->link), 0);
}

static void pty_close(pty_link *p, int remove_dir)
{
    close(p->master);
    close(p->slave);
    unlink(p->link);
    if (remove_dir)
        rmdir(p->dir);
}

static void put(int fd, const void *b, size_t n)
{
    ASSERT_EQ_INT(write(fd, b, n), (long long)n);
}

static void masimo_line(int fd, int64_t unix_s, float spo2, float bpm, float pi, const char *sn,
                        uint32_t exc)
{
    mc_masimo_line v;
    memset(&v, 0, sizeof v);
    v.unix_s = unix_s;
    snprintf(v.serial, sizeof v.serial, "%s", sn);
    v.present[MC_MASIMO_SPO2] = v.present[MC_MASIMO_BPM] = v.present[MC_MASIMO_PI] = 1;
    v.present[MC_MASIMO_PVI] = 1;
    v.value[MC_MASIMO_SPO2] = spo2;
    v.value[MC_MASIMO_BPM] = bpm;
    v.value[MC_MASIMO_PI] = pi;
    v.value[MC_MASIMO_PVI] = NAN;
    v.has_exc = v.has_alarm = 1;
    v.exc = exc;
    char line[MC_MASIMO_LINE_MAX + 8];
    size_t n;
    ASSERT_STATUS(mc_masimo_line_format(&v, line, sizeof line, &n), MC_OK);
    put(fd, line, n);
}

static mc_source *make(const char *text)
{
    mc_source_spec spec;
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_source_spec_parse(text, 1, &spec, &d), MC_OK);
    mc_source *s = NULL;
    mc_status st = mc_source_device_create(&spec, mc_clock_now_ns(), &d, &s);
    if (st != MC_OK)
        fprintf(stderr, "%s: %s\n", text, d.message);
    ASSERT_STATUS(st, MC_OK);
    return s;
}

/* What a source delivered: frames of stream 0 (values and source indices), events. */
typedef struct got {
    float v[4096];
    int64_t index[512];
    size_t n_frames, n_channels, n_blocks;
    mc_event ev[64];
    size_t n_events;
    const char *reason[512]; /* gap_reason of the block holding frame k, at its first frame */
} got;

static void collect(mc_source *s, got *g, int ms, size_t want_frames)
{
    int64_t end = mc_clock_now_ns() + (int64_t)ms * 1000000;
    while (mc_clock_now_ns() < end && (want_frames == 0 || g->n_frames < want_frames)) {
        mc_source_item it;
        mc_status st = mc_source_read(s, &it);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        if (st != MC_OK)
            continue;
        if (it.kind == MC_ITEM_EVENT) {
            if (g->n_events < 64)
                g->ev[g->n_events++] = it.event;
            continue;
        }
        ASSERT_EQ_INT(it.stream, 0);
        g->n_blocks++;
        g->n_channels = it.block.n_channels;
        for (uint32_t k = 0; k < it.block.n_frames && g->n_frames < 512; k++) {
            g->reason[g->n_frames] = k == 0 ? it.block.gap_reason : NULL;
            g->index[g->n_frames] = it.block.first_frame + k;
            memcpy(g->v + g->n_frames * it.block.n_channels,
                   it.block.samples + (size_t)k * it.block.n_channels,
                   it.block.n_channels * sizeof(float));
            g->n_frames++;
        }
    }
}

static const mc_event *find_event(const got *g, const char *kind, const char *text_prefix)
{
    for (size_t i = 0; i < g->n_events; i++)
        if (strcmp(g->ev[i].kind, kind) == 0 &&
            strncmp(g->ev[i].text, text_prefix, strlen(text_prefix)) == 0)
            return &g->ev[i];
    return NULL;
}

static got g; /* large: not on the stack */

TEST(masimo_values_identity_and_events)
{
    pty_link p;
    pty_open(&p, 1);
    /* The first line is there before the source opens: the identity wait finds the serial. */
    masimo_line(p.master, 1700000000, 96, 71, 3.27f, "SN4711", 0);
    char spec[256];
    snprintf(spec, sizeof spec, "spo2=masimo:%s,site=finger", p.link);
    mc_source *s = make(spec);
    const mc_stream_info *info = mc_source_get_info(s, 0);
    ASSERT_STR_EQ(info->name, "spo2");
    ASSERT_STR_EQ(info->device_serial, "SN4711");
    ASSERT_STR_EQ(info->driver, "masimo");
    ASSERT_STR_EQ(info->site, "finger");
    ASSERT_EQ_INT(info->n_channels, 5);
    ASSERT_STR_EQ(info->channels[1].name, "pr");
    ASSERT_STR_EQ(info->channels[1].unit, "/min");
    ASSERT_NEAR_F(info->rate_hz, 1.0, 0);
    ASSERT_STR_EQ(mc_stream_info_get_attr(info, "serial_settings"), "9600 8N1");
    masimo_line(p.master, 1700000001, 95, 72, 0.05f, "SN4711", 0);
    masimo_line(p.master, 1700000002, 94, 73, 20.0f, "SN4711", MC_MASIMO_EXC_SENSOR_OFF);
    memset(&g, 0, sizeof g);
    collect(s, &g, 3000, 3);
    ASSERT_EQ_INT(g.n_frames, 3);
    const float want[3][3] = {{96, 71, 3.27f}, {95, 72, 0.05f}, {94, 73, 20.0f}};
    for (size_t k = 0; k < 3; k++) {
        ASSERT_EQ_INT(g.index[k], (long long)k);
        for (size_t c = 0; c < 3; c++)
            ASSERT_TRUE(g.v[k * 5 + c] == want[k][c]); /* exact: the line's decimals */
        ASSERT_TRUE(isnan(g.v[k * 5 + 3]));            /* PVI dashes */
    }
    ASSERT_TRUE(g.v[2 * 5 + 4] == (float)MC_MASIMO_EXC_SENSOR_OFF);
    collect(s, &g, 300, 0);
    ASSERT_TRUE(find_event(&g, "status", "connected") != NULL);
    const mc_event *off = find_event(&g, "status", "sensor off");
    ASSERT_TRUE(off != NULL);
    ASSERT_TRUE(off->value == (double)MC_MASIMO_EXC_SENSOR_OFF);
    ASSERT_STR_EQ(off->stream, "spo2");
    /* A device swapped under the cable: the file's serial is kept, the change is an event. */
    masimo_line(p.master, 1700000003, 94, 73, 2.0f, "SN9999", 0);
    collect(s, &g, 1500, 4);
    collect(s, &g, 200, 0);
    ASSERT_TRUE(find_event(&g, "status", "device identity") != NULL);
    ASSERT_STR_EQ(info->device_serial, "SN4711");
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(masimo_garbage_costs_its_bytes)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec, "spo2=masimo:%s,identity_wait=0,fields=spo2", p.link);
    mc_source *s = make(spec);
    memset(&g, 0, sizeof g);
    collect(s, &g, 300, 0); /* connected */
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 151 + 7);
    for (int k = 0; k < 10; k++) {
        if (k % 3 == 1)
            put(p.master, junk, sizeof junk);
        masimo_line(p.master, 1700000000 + k, (float)(90 + k), 70, 1, "A1", 0);
    }
    collect(s, &g, 4000, 7);
    collect(s, &g, 300, 0);
    mc_device_stats st = mc_source_device_get_stats(s);
    /* The junk holds line ends: it costs its own bytes and at most the line it runs into. */
    ASSERT_TRUE(st.bad_frames >= 3);
    ASSERT_TRUE(g.n_frames >= 7);
    ASSERT_EQ_INT(st.frames, g.n_frames);
    for (size_t k = 0; k < g.n_frames; k++) {
        float x = g.v[k];
        ASSERT_TRUE(x >= 90 && x <= 99 && x == floorf(x));
    }
    ASSERT_TRUE(g.v[g.n_frames - 1] == 99); /* the session goes on to the last line */
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(masimo_lost_line_seen_on_the_device_clock)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec, "spo2=masimo:%s,identity_wait=0,fields=spo2", p.link);
    mc_source *s = make(spec);
    masimo_line(p.master, 1700000000, 90, 70, 1, "A1", 0);
    masimo_line(p.master, 1700000001, 91, 70, 1, "A1", 0);
    masimo_line(p.master, 1700000004, 94, 70, 1, "A1", 0); /* two lines lost on the way */
    memset(&g, 0, sizeof g);
    collect(s, &g, 3000, 3);
    ASSERT_EQ_INT(g.n_frames, 3);
    ASSERT_EQ_INT(g.index[1], 1);
    ASSERT_EQ_INT(g.index[2], 4); /* the source index jumps: a "dropped" gap of 2 */
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(unplugged_and_back_labels_the_gap)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec, "spo2=masimo:%s,identity_wait=0,fields=spo2:pr", p.link);
    mc_source *s = make(spec);
    masimo_line(p.master, 1700000000, 90, 70, 1, "A1", 0);
    memset(&g, 0, sizeof g);
    collect(s, &g, 2000, 1);
    ASSERT_TRUE(g.reason[0] == NULL);
    /* The USB adapter is pulled: its node disappears and the master hangs up. */
    close(p.master);
    close(p.slave);
    unlink(p.link);
    collect(s, &g, 600, 0);
    const mc_event *down = find_event(&g, "status", "disconnected: ");
    ASSERT_TRUE(down != NULL);
    /* Plugged back (another pty under the same name). */
    pty_open(&p, 0);
    collect(s, &g, 3000, 0);
    const mc_event *up = NULL;
    for (size_t i = 0; i < g.n_events; i++)
        if (strncmp(g.ev[i].text, "connected", 9) == 0 && g.ev[i].t_ns > down->t_ns)
            up = &g.ev[i];
    ASSERT_TRUE(up != NULL);
    masimo_line(p.master, 1700000005, 95, 75, 1, "A1", 0);
    collect(s, &g, 2000, 2);
    ASSERT_EQ_INT(g.n_frames, 2);
    ASSERT_TRUE(g.v[2] == 95 && g.v[3] == 75);
    ASSERT_TRUE(g.reason[1] != NULL);
    ASSERT_TRUE(strncmp(g.reason[1], "disconnected: ", 14) == 0);
    ASSERT_TRUE(strlen(g.reason[1]) <= 31);
    mc_device_stats st = mc_source_device_get_stats(s);
    ASSERT_EQ_INT(st.disconnects, 1);
    ASSERT_EQ_INT(st.reconnects, 1);
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(wrong_baud_rate_is_a_clear_status)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec, "spo2=masimo:%s,identity_wait=0", p.link);
    mc_source *s = make(spec);
    memset(&g, 0, sizeof g);
    /* What 9600 8N1 text looks like read at another speed: bytes, never a line. */
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0x80 | (i * 37));
    int64_t end = mc_clock_now_ns() + 6000000000LL;
    while (mc_clock_now_ns() < end && !find_event(&g, "status", "no valid data")) {
        put(p.master, junk, sizeof junk);
        collect(s, &g, 250, 0);
    }
    const mc_event *e = find_event(&g, "status", "no valid data");
    ASSERT_TRUE(e != NULL);
    ASSERT_TRUE(strstr(e->text, "wrong baud rate") != NULL);
    ASSERT_EQ_INT(g.n_frames, 0);
    /* Said once, not at every read. */
    size_t said = 0;
    for (size_t i = 0; i < g.n_events; i++)
        said += strncmp(g.ev[i].text, "no valid data", 13) == 0;
    ASSERT_EQ_INT(said, 1);
    put(p.master, "\r\n", 2); /* the right speed at last: the junk ends */
    masimo_line(p.master, 1700000000, 90, 70, 1, "A1", 0);
    collect(s, &g, 2000, 1);
    collect(s, &g, 200, 0);
    ASSERT_TRUE(find_event(&g, "status", "data resumed") != NULL);
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(pcm_gain_offset_and_flood)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec,
             "ldf=pcm:%s,rate=50,channels=2,gain=0.5:2,offset=1:-3,unit=PU:mV,"
             "names=perfusion:aux,modality=ldf",
             p.link);
    mc_source *s = make(spec);
    const mc_stream_info *info = mc_source_get_info(s, 0);
    ASSERT_EQ_INT(info->modality, MC_MODALITY_LDF);
    ASSERT_STR_EQ(info->channels[0].name, "perfusion");
    ASSERT_STR_EQ(info->channels[1].unit, "mV");
    ASSERT_NEAR_F(info->rate_hz, 50, 0);
    /* 100 frames of known counts, written in odd pieces (frames split across reads). */
    uint8_t bytes[400];
    for (int k = 0; k < 100; k++) {
        double v[2] = {k * 10 - 300, -k};
        mc_pcm_encode_frame(MC_PCM_S16LE, 2, v, bytes + 4 * k);
    }
    memset(&g, 0, sizeof g);
    for (size_t off = 0; off < sizeof bytes; off += 37) {
        put(p.master, bytes + off, sizeof bytes - off < 37 ? sizeof bytes - off : 37);
        collect(s, &g, 20, 0);
    }
    collect(s, &g, 2000, 100);
    ASSERT_EQ_INT(g.n_frames, 100);
    for (int k = 0; k < 100; k++) {
        ASSERT_EQ_INT(g.index[k], k);
        ASSERT_TRUE(g.v[2 * k] == (float)((k * 10 - 300) * 0.5 + 1));
        ASSERT_TRUE(g.v[2 * k + 1] == (float)(-k * 2.0 - 3));
    }
    mc_source_destroy(s);
    /* A device sending 160 s of data at once (a mono 8-bit ADC set to 50 Hz sending far
     * faster): a read keeps at most max_frames of it, the rest is counted. */
    snprintf(spec, sizeof spec, "ldf=pcm:%s,rate=50,format=u8", p.link);
    s = make(spec);
    collect(s, &g, 200, 0);
    static uint8_t flood[8000];
    memset(flood, 0x80, sizeof flood);
    put(p.master, flood, sizeof flood);
    uint32_t max_frames = mc_source_get_max_frames(s, 0);
    int64_t end = mc_clock_now_ns() + 2000000000LL;
    uint64_t total = 0;
    while (mc_clock_now_ns() < end && total < 8000) {
        mc_source_item it;
        mc_status st = mc_source_read(s, &it);
        if (st == MC_OK && it.kind == MC_ITEM_BLOCK) {
            ASSERT_TRUE(it.block.n_frames <= max_frames);
            total += it.block.n_frames;
        }
        mc_device_stats ds = mc_source_device_get_stats(s);
        if (total + ds.flood_dropped >= 8000)
            break;
    }
    mc_device_stats ds = mc_source_device_get_stats(s);
    ASSERT_EQ_INT(total + ds.flood_dropped, 8000);
    ASSERT_TRUE(ds.flood_dropped > 0);
    mc_source_destroy(s);
    pty_close(&p, 1);
}

/* One PCM frame (a byte) every 10 ms, as a device sending small frames one per read. */
typedef struct trickle {
    int fd, n;
} trickle;

static void *trickle_run(void *arg)
{
    const trickle *t = arg;
    for (int k = 0; k < t->n; k++) {
        uint8_t b = (uint8_t)k;
        if (write(t->fd, &b, 1) != 1)
            break;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return NULL;
}

TEST(small_reads_are_handed_out_together_and_none_lost_at_stop)
{
    pty_link p;
    pty_open(&p, 1);
    char spec[256];
    snprintf(spec, sizeof spec, "ldf=pcm:%s,rate=100,format=u8", p.link);
    mc_source *s = make(spec);
    /* The recorder sizes its queues by this: blocks no more often than every 100 ms. */
    ASSERT_NEAR_F(mc_source_get_block_s(s, 0), 0.1, 1e-9);
    memset(&g, 0, sizeof g);
    trickle t = {p.master, 150};
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, trickle_run, &t), 0);
    collect(s, &g, 5000, 150);
    pthread_join(th, NULL);
    ASSERT_EQ_INT(g.n_frames, 150);
    for (size_t k = 0; k < 150; k++) {
        ASSERT_EQ_INT(g.index[k], (long long)k);
        ASSERT_TRUE(g.v[k] == (float)k - 128); /* u8: offset binary */
    }
    /* 150 reads of one frame over 1.5 s: about 15 blocks, never one per read. */
    ASSERT_TRUE(g.n_blocks >= 2 && g.n_blocks <= 20);
    /* Frames decoded before a stop are handed out before MC_END. */
    uint8_t last[30];
    for (size_t k = 0; k < sizeof last; k++)
        last[k] = (uint8_t)(200 + k);
    put(p.master, last, sizeof last);
    memset(&g, 0, sizeof g);
    mc_source_item it;
    mc_status st;
    do /* until that read has taken the bytes (held, or handed out if the machine is slow) */
        st = mc_source_read(s, &it);
    while (st == MC_ETIMEDOUT && mc_source_device_get_stats(s).frames < 180);
    mc_source_stop(s);
    for (; st != MC_END; st = mc_source_read(s, &it)) {
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        if (st == MC_OK && it.kind == MC_ITEM_BLOCK)
            for (uint32_t k = 0; k < it.block.n_frames; k++)
                g.v[g.n_frames++] = it.block.samples[k];
    }
    ASSERT_EQ_INT(g.n_frames, 30);
    ASSERT_TRUE(g.v[29] == 229 - 128);
    mc_source_destroy(s);
    pty_close(&p, 1);
}

TEST(bad_keys_are_refused)
{
    static const char *const bad[] = {
        "x=masimo:/dev/null,baudrate=9600", /* a typo: not a key of anyone */
        "x=masimo:/dev/ttyUSB9,interval=0",       "x=masimo:/dev/ttyUSB9,fields=spo2:nope",
        "x=masimo:/dev/ttyUSB9,fields=spo2:spo2", "x=pcm:-", /* no rate */
        "x=pcm:-,rate=100,channels=2,gain=1:2:3", "x=pcm:-,rate=100,format=s12le",
        "x=pcm:-,rate=100,modality=eeg",          "x=nosuch:/dev/ttyUSB9",
        "x=masimo:tcp://127.0.0.1:1,baud=9600", /* serial keys on a socket */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_source_spec spec;
        ASSERT_STATUS(mc_source_spec_parse(bad[i], 1, &spec, NULL), MC_OK);
        mc_diag d;
        mc_diag_clear(&d);
        mc_source *s = NULL;
        mc_status st = mc_source_device_create(&spec, mc_clock_now_ns(), &d, &s);
        if (st == MC_OK)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        ASSERT_TRUE(st != MC_OK);
        ASSERT_TRUE(s == NULL);
        ASSERT_TRUE(strstr(d.message, "--source x") != NULL);
    }
}
