/* SPDX-License-Identifier: MIT */
/* tools/emulate_dev.c: byte generators of the binary protocols for `mcirc emulate`. */
#include "tools/emulate_dev.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/sim.h"
#include "formats/contec.h"
#include "formats/ge_s5.h"
#include "formats/intellivue.h"
#include "formats/nonin.h"
#include "tools/cli.h"

enum { DEV_NONIN, DEV_CONTEC, DEV_GE, DEV_IV };
enum { MAX_FRAMES = 64, GE_PLETH = 8, IV_WAVE_MAX = 512, IV_OUT_MAX = 32768 };

struct mc_emu_dev {
    int kind;
    int format;          /* nonin: 2, 7, 8 */
    mc_contec_mode mode; /* contec */
    double hr, spo2, pi;
    mc_sim *sim;
    double rate;            /* waveform frames per second */
    uint32_t per_chunk;     /* frames per chunk */
    double lo, gain, range; /* sim value -> device value: (x - lo) * gain, in [0, range] */
    int streaming;
    int64_t wave_k, num_k; /* frames written to the truth */
    FILE *truth;
    /* ge-s5 */
    mc_ge_s5_decoder dec; /* reads the driver's requests */
    int16_t interval_s;
    double next_phys_s;
    uint8_t wave_nbr, phys_nbr;
    /* ge-s5 replay: the capture and how much of it was sent */
    uint8_t *capture;
    size_t capture_n, replay_pos;
    /* intellivue: the monitor answers requests; samples wait for the next wave poll */
    mc_intellivue_decoder *ivdec;
    double sto2, tcpco2;
    int64_t iv_generated; /* pleth samples generated so far */
    uint16_t iv_wave[IV_WAVE_MAX];
    size_t iv_n;
    uint8_t *outq; /* framed bytes, or (datagrams) messages each after a 2-byte length */
    size_t outq_n;
    int datagrams;
    /* pending driver bytes (command recognisers) */
    uint8_t in[64];
    size_t in_n;
};

int mc_emu_dev_known(const char *device)
{
    return strcmp(device, "nonin") == 0 || strcmp(device, "contec") == 0 ||
           strcmp(device, "ge-s5") == 0 || strcmp(device, "intellivue") == 0;
}

typedef struct set_ctx {
    const char *cmd;
    mc_emu_dev *d;
} set_ctx;

/* One key=value of --set. */
static int set_key(void *ctx, const char *kv, const char *v)
{
    const char *cmd = ((set_ctx *)ctx)->cmd;
    mc_emu_dev *d = ((set_ctx *)ctx)->d;
    double x;
    int ok = 1;
    if (strcmp(kv, "hr") == 0)
        ok = mc_cli_parse_double(v, &d->hr) && d->hr >= 30 && d->hr <= 250;
    else if (strcmp(kv, "spo2") == 0)
        ok = mc_cli_parse_double(v, &d->spo2) && d->spo2 >= 1 && d->spo2 <= 100;
    else if (strcmp(kv, "pi") == 0)
        ok = mc_cli_parse_double(v, &d->pi) && d->pi >= 0.05 && d->pi <= 20;
    else if (strcmp(kv, "sto2") == 0 && d->kind == DEV_IV)
        ok = mc_cli_parse_double(v, &d->sto2) && d->sto2 >= 1 && d->sto2 <= 100;
    else if (strcmp(kv, "tcpco2") == 0 && d->kind == DEV_IV)
        ok = mc_cli_parse_double(v, &d->tcpco2) && d->tcpco2 >= 1 && d->tcpco2 <= 200;
    else if (strcmp(kv, "format") == 0 && d->kind == DEV_NONIN)
        ok = mc_cli_parse_double(v, &x) && (x == 2 || x == 7 || x == 8) && (d->format = (int)x) > 0;
    else if (strcmp(kv, "protocol") == 0 && d->kind == DEV_CONTEC)
        ok = (strcmp(v, "legacy") == 0 && (d->mode = MC_CONTEC_LEGACY)) ||
             (strcmp(v, "v46") == 0 && (d->mode = MC_CONTEC_V46));
    else {
        mc_cli_error(cmd, "--set: unknown key '%s' (expected hr, spo2, pi%s)", kv,
                     d->kind == DEV_NONIN    ? ", format"
                     : d->kind == DEV_CONTEC ? ", protocol"
                     : d->kind == DEV_IV     ? ", sto2, tcpco2"
                                             : "");
        return 0;
    }
    if (!ok)
        mc_cli_error(cmd, "--set %s=%s: out of range or not one of the choices", kv, v);
    return ok;
}

/* The device's scale of the sim's ir channel: its range over 4 s (the same model and settings:
 * the same numbers) mapped onto 10..90 % of the device's range. */
static int make_sim(const char *cmd, mc_emu_dev *d)
{
    char hr[32], pi[32], rate[32];
    snprintf(hr, sizeof hr, "%g", d->hr);
    snprintf(pi, sizeof pi, "%g", d->pi);
    snprintf(rate, sizeof rate, "%g", d->rate);
    const mc_kv kv[] = {{"hr", hr}, {"pi", pi}, {"rate", rate}, {"seed", "7"}};
    mc_sim *probe = NULL;
    mc_diag diag;
    mc_diag_clear(&diag);
    if (mc_sim_create("ppg", "emu", kv, 4, &diag, &probe) != MC_OK ||
        mc_sim_create("ppg", "emu", kv, 4, &diag, &d->sim) != MC_OK) {
        mc_sim_destroy(probe);
        mc_cli_error(cmd, "simulator: %s", diag.message);
        return 0;
    }
    size_t n = (size_t)(d->rate * 4);
    uint32_t nc = mc_sim_get_info(probe)->n_channels;
    float *x = malloc(n * nc * sizeof *x);
    if (!x) {
        mc_sim_destroy(probe);
        return 0;
    }
    mc_sim_read(probe, n, x, NULL);
    float lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++)
        if (x[k * nc] == x[k * nc]) {
            lo = fminf(lo, x[k * nc]);
            hi = fmaxf(hi, x[k * nc]);
        }
    free(x);
    mc_sim_destroy(probe);
    double span = hi > lo ? (double)(hi - lo) : 1;
    d->gain = 0.8 * d->range / span;
    d->lo = (double)lo - 0.125 * span;
    return 1;
}

static double device_value(const mc_emu_dev *d, float x)
{
    double v = x == x ? ((double)x - d->lo) * d->gain : d->range / 2;
    v = v < 0 ? 0 : v > d->range ? d->range : v;
    return d->kind == DEV_GE ? round(v * 100) / 100 : round(v);
}

/* A replay goes at the pace of the monitor's serial line, 19200 baud 8E1 (11 bits a byte): the
 * record times of a capture cannot pace it (the public captures restart and repeat them). */
#define GE_BYTES_PER_S (19200.0 / 11.0)

static int load_replay(const char *cmd, mc_emu_dev *d, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mc_cli_error(cmd, "--replay %s: %s", path, strerror(errno));
        return 0;
    }
    size_t cap = 1 << 20;
    d->capture = malloc(cap);
    while (d->capture) {
        d->capture_n += fread(d->capture + d->capture_n, 1, cap - d->capture_n, f);
        if (d->capture_n < cap)
            break;
        uint8_t *p = realloc(d->capture, cap *= 2);
        if (!p)
            free(d->capture);
        d->capture = p;
    }
    fclose(f);
    if (!d->capture) {
        mc_cli_error(cmd, "--replay %s: out of memory", path);
        return 0;
    }
    if (d->capture_n == 0) {
        mc_cli_error(cmd, "--replay %s: empty", path);
        return 0;
    }
    return 1;
}

int mc_emu_dev_create(const char *cmd, const char *device, const char *const *sets, size_t n_sets,
                      const char *replay, const char *truth, mc_emu_dev **out)
{
    *out = NULL;
    mc_emu_dev *d = calloc(1, sizeof *d);
    if (!d)
        return MC_EXIT_INTERNAL;
    d->kind = strcmp(device, "nonin") == 0    ? DEV_NONIN
              : strcmp(device, "contec") == 0 ? DEV_CONTEC
              : strcmp(device, "ge-s5") == 0  ? DEV_GE
                                              : DEV_IV;
    d->sto2 = d->tcpco2 = (double)NAN;
    d->hr = 75;
    d->spo2 = 97;
    d->pi = 2;
    d->format = 2;
    d->mode = MC_CONTEC_LEGACY;
    d->interval_s = 5;
    mc_ge_s5_decoder_reset(&d->dec);
    int ok = 1;
    set_ctx sc = {cmd, d};
    for (size_t i = 0; ok && i < n_sets; i++)
        ok = mc_cli_for_each_kv(cmd, "--set", sets[i], set_key, &sc);
    if (ok && replay && d->kind != DEV_GE) {
        mc_cli_error(cmd,
                     "--replay: %s is generated from the simulator (replay: masimo, ge-s5 "
                     "and the text devices)",
                     device);
        ok = 0;
    }
    if (d->kind == DEV_NONIN) {
        d->rate = d->format == 8 ? 1 : 75;
        d->per_chunk = d->format == 8 ? 1 : 25;
        d->range = d->format == 7 ? 65535 : 255;
        d->streaming = 1;
    } else if (d->kind == DEV_CONTEC) {
        d->rate = 60;
        d->per_chunk = 6;
        d->range = 127;
        d->streaming = d->mode == MC_CONTEC_LEGACY;
    } else if (d->kind == DEV_GE) {
        d->rate = 100;
        d->per_chunk = 25;
        d->range = 100;
    } else {
        d->rate = 125;    /* Pleth on IntelliVue (DEVICES.md: read TIME_PD_SAMP) */
        d->per_chunk = 0; /* samples go by time, to the next wave poll */
        d->range = 4095;  /* 12 significant bits, scaled 0..4095 = 0..100 */
        d->streaming = 1;
        d->ivdec = malloc(sizeof *d->ivdec);
        d->outq = malloc(IV_OUT_MAX);
        if (!d->ivdec || !d->outq)
            ok = 0;
        else
            mc_intellivue_decoder_reset(d->ivdec);
    }
    if (ok && replay)
        ok = load_replay(cmd, d, replay);
    else if (ok && !(d->kind == DEV_NONIN && d->format == 8))
        ok = make_sim(cmd, d); /* format 8 has no waveform */
    if (ok && truth) {
        d->truth = fopen(truth, "wx");
        if (!d->truth) {
            mc_cli_error(cmd, "--truth %s: %s", truth, strerror(errno));
            ok = 0;
        }
    }
    if (!ok) {
        mc_emu_dev_destroy(d);
        return MC_EXIT_USER;
    }
    *out = d;
    return MC_EXIT_OK;
}

double mc_emu_dev_period_s(const mc_emu_dev *d)
{
    if (d->capture || d->kind == DEV_IV)
        return 0.05;
    return d->per_chunk / d->rate;
}

double mc_emu_dev_replay_s(const mc_emu_dev *d)
{
    return d->capture ? (double)d->capture_n / GE_BYTES_PER_S + 0.1 : 0;
}

int mc_emu_dev_streaming(const mc_emu_dev *d)
{
    return d->streaming;
}

static mc_status on_request(void *ctx, const uint8_t *rec, size_t n)
{
    mc_emu_dev *d = ctx;
    mc_ge_s5_request r;
    if (mc_ge_s5_request_parse(rec, n, &r, NULL) != MC_OK)
        return MC_OK;
    if (r.kind == MC_GE_S5_REQUEST_PHYS && r.interval_s > 0)
        d->interval_s = r.interval_s;
    if (r.kind == MC_GE_S5_REQUEST_PHYS || r.kind == MC_GE_S5_REQUEST_WAVE_START)
        d->streaming = 1;
    return MC_OK;
}

static void truth_wave(mc_emu_dev *d, double v, int lost);
static void truth_num(mc_emu_dev *d, double spo2, double hr);

/* Queue a message, framed, for the next chunk. */
static void iv_send(mc_emu_dev *d, const uint8_t *msg, size_t n)
{
    if (d->datagrams) {
        if (n <= 0xFFFF && d->outq_n + 2 + n <= IV_OUT_MAX) {
            d->outq[d->outq_n++] = (uint8_t)(n >> 8);
            d->outq[d->outq_n++] = (uint8_t)n;
            memcpy(d->outq + d->outq_n, msg, n);
            d->outq_n += n;
        }
        return;
    }
    size_t len;
    if (mc_intellivue_frame_encode(msg, n, d->outq + d->outq_n, IV_OUT_MAX - d->outq_n, &len,
                                   NULL) == MC_OK)
        d->outq_n += len;
}

static void iv_numerics(mc_emu_dev *d, const mc_intellivue_poll *p, uint8_t *msg, size_t cap)
{
    const struct {
        uint16_t id, unit;
        double v;
    } want[] = {
        {MC_INTELLIVUE_SPO2, MC_INTELLIVUE_UNIT_PERCENT, round(d->spo2)},
        {MC_INTELLIVUE_PULSE_RATE, MC_INTELLIVUE_UNIT_PER_MIN, round(d->hr)},
        {MC_INTELLIVUE_PERF, MC_INTELLIVUE_UNIT_NONE, round(d->pi * 100) / 100},
        {MC_INTELLIVUE_STO2, MC_INTELLIVUE_UNIT_PERCENT, d->sto2},
        {MC_INTELLIVUE_TCPCO2, MC_INTELLIVUE_UNIT_MMHG, d->tcpco2},
    };
    mc_intellivue_numeric nums[5];
    size_t n = 0;
    for (size_t i = 0; i < 5; i++) {
        if (!(want[i].v == want[i].v))
            continue; /* the monitor has no such measurement */
        memset(&nums[n], 0, sizeof nums[n]);
        nums[n].obj_handle = (uint16_t)(i + 1);
        nums[n].physio_id = want[i].id;
        nums[n].unit_code = want[i].unit;
        nums[n].raw = mc_intellivue_float_encode(want[i].v);
        n++;
    }
    size_t len;
    if (mc_intellivue_poll_result_encode(p, nums, n, 0, NULL, 0, msg, cap, &len, NULL) == MC_OK) {
        iv_send(d, msg, len);
        truth_num(d, round(d->spo2), round(d->hr));
    }
}

static void iv_waves(mc_emu_dev *d, const mc_intellivue_poll *p, uint8_t *msg, size_t cap)
{
    if (d->iv_n == 0)
        return;
    uint8_t be[2 * IV_WAVE_MAX];
    for (size_t k = 0; k < d->iv_n; k++) {
        be[2 * k] = (uint8_t)(d->iv_wave[k] >> 8);
        be[2 * k + 1] = (uint8_t)d->iv_wave[k];
    }
    const mc_intellivue_wave w = {.physio_id = MC_INTELLIVUE_PLETH,
                                  .data = be,
                                  .n_samples = d->iv_n,
                                  .has_spec = 1,
                                  .array_size = (uint16_t)d->iv_n,
                                  .sample_size = 16,
                                  .significant_bits = 12,
                                  .has_scale = 1,
                                  .scale = {0.0, 100.0, 0, 4095},
                                  .has_period = 1,
                                  .period_ticks = (uint32_t)(MC_INTELLIVUE_TICKS_PER_S / d->rate)};
    size_t len;
    if (mc_intellivue_poll_result_encode(p, NULL, 0, 0, &w, 1, msg, cap, &len, NULL) == MC_OK) {
        iv_send(d, msg, len);
        for (size_t k = 0; k < d->iv_n; k++)
            truth_wave(d, d->iv_wave[k] * 100.0 / 4095.0, 0);
        d->iv_n = 0;
    }
}

/* A message from the driver: the association, the MDS create result, polls. */
static mc_status iv_request(void *ctx, const uint8_t *msg, size_t n)
{
    mc_emu_dev *d = ctx;
    static uint8_t out[2 * IV_WAVE_MAX + 1024];
    size_t len;
    mc_intellivue_kind kind = mc_intellivue_classify(msg, n);
    if (kind == MC_INTELLIVUE_ASSOC_REQUEST) {
        mc_intellivue_event_report er;
        memset(&er, 0, sizeof er);
        er.invoke_id = 1;
        er.obj_class = MC_INTELLIVUE_OBJ_MDS;
        er.event_type = MC_INTELLIVUE_EVENT_MDS_CREATE;
        er.has_time_rel = 1;
        if (mc_intellivue_assoc_result_encode(1, out, sizeof out, &len, NULL) == MC_OK)
            iv_send(d, out, len);
        if (mc_intellivue_event_report_encode(&er, out, sizeof out, &len, NULL) == MC_OK)
            iv_send(d, out, len);
        return MC_OK;
    }
    mc_intellivue_poll_request r;
    if (kind != MC_INTELLIVUE_DATA || mc_intellivue_poll_request_parse(msg, n, &r, NULL) != MC_OK)
        return MC_OK; /* the MDS create result, the wave selection: nothing to answer */
    mc_intellivue_poll p;
    memset(&p, 0, sizeof p);
    p.invoke_id = r.invoke_id;
    p.action_type = r.extended ? MC_INTELLIVUE_ACTION_POLL_EXT : MC_INTELLIVUE_ACTION_POLL;
    p.poll_number = r.poll_number;
    p.obj_code = r.obj_code;
    if (r.obj_code == MC_INTELLIVUE_OBJ_NUMERIC)
        iv_numerics(d, &p, out, sizeof out);
    else if (r.obj_code == MC_INTELLIVUE_OBJ_WAVE)
        iv_waves(d, &p, out, sizeof out);
    return MC_OK;
}

void mc_emu_dev_input(mc_emu_dev *d, const uint8_t *bytes, size_t n, uint8_t *reply,
                      size_t *reply_n)
{
    *reply_n = 0;
    if (d->kind == DEV_IV) {
        mc_status st = d->datagrams ? iv_request(d, bytes, n) /* one message per datagram */
                                    : mc_intellivue_decoder_push(d->ivdec, bytes, n, iv_request, d);
        (void)st; /* iv_request never stops it */
        return;
    }
    if (d->kind == DEV_GE) {
        mc_status st = mc_ge_s5_decoder_push(&d->dec, bytes, n, on_request, d);
        (void)st; /* on_request never stops it */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (d->in_n == sizeof d->in)
            d->in_n = 0;
        d->in[d->in_n++] = bytes[i];
        for (;;) {
            mc_status st;
            size_t used = 0;
            if (d->kind == DEV_CONTEC) {
                mc_contec_command c;
                st = mc_contec_command_parse(d->in, d->in_n, &c);
                if (st == MC_OK && c == MC_CONTEC_CMD_START)
                    d->streaming = 1;
                used = MC_CONTEC_COMMAND_BYTES;
            } else {
                int format;
                st = mc_nonin_format_command_parse(d->in, d->in_n, &format);
                if (st == MC_OK)
                    reply[(*reply_n)++] = format == d->format ? MC_NONIN_ACK : MC_NONIN_NAK;
                used = 6;
            }
            if (st == MC_END || d->in_n == 0)
                break;
            if (st == MC_EFORMAT)
                used = 1;
            memmove(d->in, d->in + used, d->in_n - used);
            d->in_n -= used;
        }
    }
}

static void truth_wave(mc_emu_dev *d, double v, int lost)
{
    if (d->truth) {
        if (lost)
            fprintf(d->truth, "w,%lld,lost\n", (long long)d->wave_k);
        else
            fprintf(d->truth, "w,%lld,%.2f\n", (long long)d->wave_k, v);
    }
    d->wave_k++;
}

static void truth_num(mc_emu_dev *d, double spo2, double hr)
{
    if (d->truth)
        fprintf(d->truth, "n,%lld,%g,%g\n", (long long)d->num_k, spo2, hr);
    d->num_k++;
}

static size_t chunk_nonin(mc_emu_dev *d, const float *x, int off, int bad, uint8_t *out, size_t cap)
{
    double spo2 = off ? (double)NAN : round(d->spo2), hr = off ? (double)NAN : round(d->hr);
    if (d->format == 8) {
        uint32_t flags = off ? MC_NONIN_FLAG_SNSA : 0;
        if (cap < 4 || mc_nonin_format8_encode((float)hr, (float)spo2, flags, out) != MC_OK)
            return 0;
        truth_num(d, spo2, hr);
        return 4;
    }
    float pleth[25];
    for (int k = 0; k < 25; k++)
        pleth[k] = (float)device_value(d, x[k]);
    uint8_t status = off ? MC_NONIN_STATUS_SNSA : MC_NONIN_STATUS_GPRF;
    mc_nonin_numerics num = mc_nonin_numerics_default();
    num.hr = num.hr_d = num.e_hr = num.e_hr_d = (float)hr;
    num.spo2 = num.spo2_d = num.e_spo2 = num.e_spo2_d = num.spo2_fast = num.spo2_bb = (float)spo2;
    size_t len;
    if (mc_nonin_packet_encode(d->format, pleth, &status, 1, &num, out, cap, &len, NULL) != MC_OK)
        return 0;
    /* A bad checksum on frame 10 (not one that carries HR or SpO2): the decoder loses it. */
    if (bad)
        out[9 * MC_NONIN_FRAME_BYTES + 4] ^= 0x5A;
    for (int k = 0; k < 25; k++)
        truth_wave(d, (double)pleth[k], bad && k == 9);
    truth_num(d, spo2, hr);
    return len;
}

static size_t chunk_contec(mc_emu_dev *d, const float *x, int off, int bad, uint8_t *out,
                           size_t cap)
{
    size_t fb = d->mode == MC_CONTEC_V46 ? MC_CONTEC_V46_BYTES : MC_CONTEC_LEGACY_BYTES, len = 0;
    for (uint32_t k = 0; k < d->per_chunk && len + fb <= cap; k++) {
        mc_contec_frame f;
        memset(&f, 0, sizeof f);
        f.pleth = (float)device_value(d, x[k]);
        f.pleth2 = NAN;
        f.pr_bpm = (float)round(d->hr);
        f.spo2_pct = (float)round(d->spo2);
        f.flags = off ? MC_CONTEC_FINGER_OUT : 0;
        f.signal_strength = 8;
        if (mc_contec_frame_encode(d->mode, &f, out + len, NULL) != MC_OK)
            return len;
        /* A broken frame: its sync byte lost (the v4.6 frames have no checksum). */
        int lost = bad && k == 3;
        if (lost)
            out[len] = d->mode == MC_CONTEC_V46 ? 0x05 : (uint8_t)(out[len] & 0x7F);
        truth_wave(d, (double)f.pleth, lost);
        len += fb;
    }
    return len;
}

static size_t chunk_ge(mc_emu_dev *d, double t_s, int64_t unix_s, const float *x, int off, int bad,
                       uint8_t *out, size_t cap)
{
    float v[MAX_FRAMES];
    for (uint32_t k = 0; k < d->per_chunk; k++)
        v[k] = (float)device_value(d, x[k]);
    mc_ge_s5_wave_block blk = {GE_PLETH, v, d->per_chunk};
    uint8_t rec[MC_GE_S5_FRAME_MAX];
    size_t n, len = 0;
    if (mc_ge_s5_wave_record_encode(d->wave_nbr++, (uint32_t)unix_s, &blk, 1, rec, sizeof rec, &n,
                                    NULL) != MC_OK ||
        mc_ge_s5_frame_encode(rec, n, out, cap, &len, NULL) != MC_OK)
        return 0;
    if (bad)
        out[len / 2] = out[len / 2] == 0x7E || out[len / 2] == 0x7D ? out[len / 2]
                                                                    : (uint8_t)(out[len / 2] ^ 1);
    int corrupt = bad && out[len / 2] != 0x7E && out[len / 2] != 0x7D;
    for (uint32_t k = 0; k < d->per_chunk; k++)
        truth_wave(d, (double)v[k], corrupt);
    if (t_s + 1e-9 >= d->next_phys_s) {
        d->next_phys_s += d->interval_s;
        float values[MC_GE_S5_PHYS_VALUES];
        for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++)
            values[i] = NAN;
        double spo2 = off ? (double)NAN : round(d->spo2), hr = off ? (double)NAN : round(d->hr);
        values[mc_ge_s5_phys_index("SPO2")] = (float)spo2;
        values[mc_ge_s5_phys_index("SPO2_PR")] = (float)hr;
        values[mc_ge_s5_phys_index("SPO2_IR_AMP")] = off ? NAN : (float)round(d->pi);
        size_t m, flen;
        if (mc_ge_s5_phys_record_encode(d->phys_nbr++, (uint32_t)unix_s, values, rec, sizeof rec,
                                        &m, NULL) == MC_OK &&
            mc_ge_s5_frame_encode(rec, m, out + len, cap - len, &flen, NULL) == MC_OK) {
            len += flen;
            truth_num(d, spo2, hr);
        }
    }
    return len;
}

size_t mc_emu_dev_chunk(mc_emu_dev *d, double t_s, int64_t unix_s, int sensor_off, int bad_checksum,
                        uint8_t *out, size_t cap)
{
    if (d->capture) {
        /* The bytes the serial line has carried by the end of this chunk. */
        double due = (t_s + mc_emu_dev_period_s(d)) * GE_BYTES_PER_S;
        size_t end = due >= (double)d->capture_n ? d->capture_n : (size_t)due;
        size_t n = end > d->replay_pos ? end - d->replay_pos : 0;
        n = n < cap ? n : cap;
        memcpy(out, d->capture + d->replay_pos, n);
        d->replay_pos += n;
        return n;
    }
    if (d->kind == DEV_IV) {
        /* The samples of the pleth up to t_s wait for the next wave poll (the oldest go when
         * nobody polls); the answers queued since the last chunk go out now. */
        int64_t due = (int64_t)floor((t_s + mc_emu_dev_period_s(d)) * d->rate);
        float all[8]; /* one frame of the ppg model (2 channels) */
        for (; d->iv_generated < due; d->iv_generated++) {
            mc_sim_read(d->sim, 1, all, NULL);
            if (d->iv_n == IV_WAVE_MAX) {
                memmove(d->iv_wave, d->iv_wave + 1, (IV_WAVE_MAX - 1) * sizeof d->iv_wave[0]);
                d->iv_n--;
            }
            d->iv_wave[d->iv_n++] = (uint16_t)device_value(d, sensor_off ? NAN : all[0]);
        }
        (void)unix_s;
        (void)bad_checksum;
        size_t skip = 0, n = d->outq_n < cap ? d->outq_n : cap;
        if (d->datagrams) {
            n = d->outq_n >= 2 ? (size_t)d->outq[0] << 8 | d->outq[1] : 0;
            if (n > cap || 2 + n > d->outq_n) { /* cannot happen: iv_send keeps whole messages */
                d->outq_n = 0;
                return 0;
            }
            skip = n ? 2 : 0;
        }
        memcpy(out, d->outq + skip, n);
        memmove(d->outq, d->outq + skip + n, d->outq_n - skip - n);
        d->outq_n -= skip + n;
        return n;
    }
    float x[MAX_FRAMES];
    if (d->sim) {
        uint32_t nc = mc_sim_get_info(d->sim)->n_channels;
        float all[MAX_FRAMES * 8];
        mc_sim_read(d->sim, d->per_chunk, all, NULL);
        for (uint32_t k = 0; k < d->per_chunk; k++)
            x[k] = all[k * nc];
    }
    if (d->kind == DEV_NONIN)
        return chunk_nonin(d, x, sensor_off, bad_checksum, out, cap);
    if (d->kind == DEV_CONTEC)
        return chunk_contec(d, x, sensor_off, bad_checksum, out, cap);
    return chunk_ge(d, t_s, unix_s, x, sensor_off, bad_checksum, out, cap);
}

void mc_emu_dev_set_datagrams(mc_emu_dev *d, int on)
{
    d->datagrams = on;
}

void mc_emu_dev_destroy(mc_emu_dev *d)
{
    if (!d)
        return;
    if (d->truth)
        fclose(d->truth);
    mc_sim_destroy(d->sim);
    free(d->capture);
    free(d->ivdec);
    free(d->outq);
    free(d);
}
