/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_sim.c: the simulator models against their analytic truth (DOMAIN.md 1.8,
 * 3.8, 4.6, 10): configuration, stream info, PI/HR/PVI, LDF bands and PORH, VOT, PCO2 ramps,
 * artefact intervals, and frames that do not depend on how reads are split. */
#include "acquisition/sim.h"

#include "tests/harness.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* Create from "k=v,k=v" (empty or NULL: defaults). */
static mc_status try_make(const char *model, const char *name, const char *spec, mc_diag *d,
                          mc_sim **out)
{
    char buf[1024];
    mc_kv kv[40];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && n < 40; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        kv[n].key = tok;
        kv[n].value = "";
        if (eq) {
            *eq = '\0';
            kv[n].value = eq + 1;
        }
        n++;
    }
    return mc_sim_create(model, name, kv, n, d, out);
}

static mc_sim *make_named(const char *model, const char *name, const char *spec)
{
    mc_diag d;
    mc_sim *s = NULL;
    mc_status st = try_make(model, name, spec, &d, &s);
    if (st != MC_OK)
        fprintf(stderr, "create %s '%s': %s\n", model, spec ? spec : "", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(s != NULL);
    return s;
}

static mc_sim *make(const char *model, const char *spec)
{
    return make_named(model, "sim_test", spec);
}

/* n frames of every channel, caller frees. */
static float *gen(mc_sim *s, size_t n)
{
    size_t nc = mc_sim_get_info(s)->n_channels;
    float *x = calloc(n * nc, sizeof *x);
    ASSERT_TRUE(x != NULL);
    mc_sim_read(s, n, x, NULL);
    return x;
}

/* Expect MC_EINVAL, *out NULL and a message containing `needle`. */
static void expect_einval(const char *model, const char *name, const char *spec, const char *needle)
{
    mc_diag d;
    mc_sim *s = (mc_sim *)&d; /* any non-NULL value: create must reset it */
    mc_status st = try_make(model, name, spec, &d, &s);
    if (st != MC_EINVAL || s != NULL || !strstr(d.message, needle))
        fprintf(stderr, "%s '%s': status %d, message '%s', expected '%s'\n", model ? model : "-",
                spec ? spec : "", (int)st, d.message, needle);
    ASSERT_STATUS(st, MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    ASSERT_TRUE(strstr(d.message, needle) != NULL);
}

/* Least-squares slope of y against x. */
static double ls_slope(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxy / sxx;
}

/* Slope of channel 0 over the frames whose time lies in [t0, t1). */
static double slope_between(const float *x, double rate, double t0, double t1)
{
    static double tt[200000], yy[200000];
    size_t n = 0;
    for (size_t k = (size_t)ceil(t0 * rate); (double)k / rate < t1 && n < 200000; k++, n++) {
        tt[n] = (double)k / rate;
        yy[n] = (double)x[k];
    }
    ASSERT_TRUE(n >= 3);
    return ls_slope(tt, yy, n);
}

/* Per complete beat of a noise-free PPG: IR peak-to-trough and mean. Beat of frame i is
 * floor(i hr / (60 rate)) in integers, independent of the simulator's arithmetic. */
typedef struct beat_stats {
    double pp[400], mean[400];
    int n;
} beat_stats;

static void beats_of(const float *x, size_t n_frames, long hr, long rate, beat_stats *b)
{
    b->n = 0;
    long cur = 0;
    double lo = HUGE_VAL, hi = -HUGE_VAL, sum = 0;
    long count = 0;
    for (size_t i = 0; i <= n_frames; i++) {
        long beat = i < n_frames ? (long)((long long)i * hr / (60LL * rate)) : -1;
        if (beat != cur) {
            /* the last beat is complete only if the next one was seen */
            if (beat >= 0 && b->n < 400) {
                b->pp[b->n] = hi - lo;
                b->mean[b->n] = sum / (double)count;
                b->n++;
            }
            cur = beat;
            lo = HUGE_VAL;
            hi = -HUGE_VAL;
            sum = 0;
            count = 0;
        }
        if (i < n_frames) {
            double v = (double)x[2 * i];
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            sum += v;
            count++;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- Configuration --------------------------------------------------------------------------- */

TEST(config_defaults)
{
    const char *const *names = mc_sim_models();
    int n = 0;
    for (; names[n]; n++) {
        mc_sim *s = make(names[n], NULL);
        const mc_stream_info *info = mc_sim_get_info(s);
        ASSERT_STR_EQ(mc_modality_name(info->modality), names[n]);
        ASSERT_STATUS(mc_stream_info_check(info, NULL), MC_OK);
        mc_sim_destroy(s);
    }
    ASSERT_EQ_INT(n, 4);
    ASSERT_STR_EQ(names[0], "ppg");
    ASSERT_STR_EQ(names[3], "pco2");
    mc_sim_destroy(NULL);
}

TEST(config_unknown_model)
{
    expect_einval("ecg", "x", NULL, "'ecg'");
    expect_einval("ecg", "x", NULL, "ppg, ldf, nirs, pco2");
    expect_einval(NULL, "x", NULL, "unknown simulator model");
    expect_einval("PPG", "x", NULL, "'PPG'");
}

TEST(config_unknown_key)
{
    expect_einval("ppg", "x", "foo=1", "ppg: unknown parameter 'foo' (expected rate, noise");
    expect_einval("ppg", "x", "foo=1", "hr, pi, dc, resp, pvi, motion, seed, site)");
    expect_einval("ldf", "x", "hr=75", "ldf: unknown parameter 'hr'");
    expect_einval("nirs", "x", "porh=10", "'porh'");
    expect_einval("pco2", "x", "motion=1", "'motion'");
    expect_einval("ppg", "x", "=1", "unknown parameter ''");
}

TEST(config_not_a_number)
{
    const char *bad[] = {"hr=abc", "hr=",      "hr=75x", "hr=inf", "hr=nan",
                         "hr= 75", "hr=1e999", "hr=75 ", "hr=off"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_einval("ppg", "x", bad[i], "hr=");
    expect_einval("ppg", "x", "hr=abc", "ppg: hr='abc' is not a number (expected 20..300 bpm)");
    expect_einval("ldf", "x", "porh=soon",
                  "porh='soon' is not a number (expected 0..1e+07 s, or off");
    expect_einval("nirs", "x", "vot=", "vot=''");
}

TEST(config_out_of_range)
{
    expect_einval("ppg", "x", "hr=500", "ppg: hr=500 is out of range (20..300 bpm)");
    expect_einval("ppg", "x", "hr=19.99", "hr=19.99 is out of range");
    expect_einval("ppg", "x", "pi=0", "pi=0 is out of range (0.02..20 %)");
    expect_einval("ppg", "x", "pvi=95", "pvi=95");
    expect_einval("ppg", "x", "noise=-0.1", "noise=-0.1");
    expect_einval("ldf", "x", "rate=0", "ldf: rate=0 is out of range");
    expect_einval("ldf", "x", "porh=-5", "porh=-5");
    expect_einval("nirs", "x", "sto2=101", "sto2=101");
    expect_einval("nirs", "x", "desat=3", "desat=3 is out of range (-600..0 %/min)");
    expect_einval("nirs", "x", "recovery=0", "recovery=0");
    expect_einval("pco2", "x", "level=-1", "level=-1");
    expect_einval("pco2", "x", "dropout=31", "dropout=31");
    expect_einval("ppg", "x", "irregular=2", "irregular=2");
    expect_einval("ppg", "x", "irregular=0.5", "irregular=0.5 must be 0 or 1");
    expect_einval("nirs", "x", "quantize=0.5", "quantize=0.5 must be 0 or 1");
}

TEST(config_seed_site_name)
{
    expect_einval("ppg", "x", "seed=-1", "seed='-1'");
    expect_einval("ppg", "x", "seed=1.5", "seed='1.5'");
    expect_einval("ppg", "x", "seed=18446744073709551616", "seed=");
    expect_einval("ppg", "x", "seed=", "seed=''");
    expect_einval("ppg", "x", "site=fin ger", "site='fin ger'");
    expect_einval("ppg", "x", "site=", "site=''");
    expect_einval("ppg", "x", "site=a.b", "site='a.b'");
    expect_einval("ppg", "", NULL, "stream name ''");
    expect_einval("ppg", ".hidden", NULL, "stream name '.hidden'");
    expect_einval("ppg", "a b", NULL, "stream name 'a b'");
    expect_einval("ppg", NULL, NULL, "stream name");
    expect_einval("ppg", "x", "hr=70,hr=80", "'hr' is given twice");
    expect_einval("ppg", "x", "seed=1,seed=1", "'seed' is given twice");

    mc_sim *s = make("ppg", "seed=18446744073709551615,site=ear-lobe_2");
    ASSERT_STR_EQ(mc_stream_info_get_attr(mc_sim_get_info(s), "sim_seed"), "18446744073709551615");
    ASSERT_STR_EQ(mc_sim_get_info(s)->site, "ear-lobe_2");
    ASSERT_STR_EQ(mc_stream_info_get_attr(mc_sim_get_info(s), "sim_site"), "ear-lobe_2");
    mc_sim_destroy(s);
}

TEST(config_null_arguments)
{
    mc_diag d;
    mc_sim *s = (mc_sim *)&d;
    ASSERT_STATUS(mc_sim_create("ppg", "x", NULL, 2, &d, &s), MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    mc_kv kv[1] = {{"hr", NULL}};
    s = (mc_sim *)&d;
    ASSERT_STATUS(mc_sim_create("ppg", "x", kv, 1, &d, &s), MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    ASSERT_TRUE(strstr(d.message, "no key or value") != NULL);
    /* No diagnostic is fine, and no parameters at all is the default model. */
    ASSERT_STATUS(mc_sim_create("ppg", "x", kv, 1, NULL, &s), MC_EINVAL);
    ASSERT_STATUS(mc_sim_create("ppg", "x", NULL, 0, NULL, &s), MC_OK);
    mc_sim_destroy(s);
}

/* ---- Stream info ----------------------------------------------------------------------------- */

static void expect_attr(const mc_stream_info *info, const char *key, const char *value)
{
    const char *got = mc_stream_info_get_attr(info, key);
    if (!got)
        fprintf(stderr, "attribute %s missing\n", key);
    ASSERT_TRUE(got != NULL);
    ASSERT_STR_EQ(got, value);
}

TEST(info_ppg)
{
    mc_sim *s = make_named("ppg", "ppg_finger", NULL);
    const mc_stream_info *info = mc_sim_get_info(s);
    ASSERT_STR_EQ(info->name, "ppg_finger");
    ASSERT_EQ_INT(info->modality, MC_MODALITY_PPG);
    ASSERT_EQ_INT(info->n_channels, 2);
    ASSERT_STR_EQ(info->channels[0].name, "ir");
    ASSERT_STR_EQ(info->channels[1].name, "red");
    ASSERT_STR_EQ(info->channels[0].unit, "a.u.");
    ASSERT_STR_EQ(info->channels[1].unit, "a.u.");
    ASSERT_NEAR_F(info->channels[0].scale_gain, 1, 0);
    ASSERT_NEAR_F(info->channels[0].scale_offset, 0, 0);
    ASSERT_NEAR_F(info->rate_hz, 250, 0);
    ASSERT_NEAR_F(mc_sim_get_rate(s), 250, 0);
    ASSERT_STR_EQ(info->device_model, "mcirc sim ppg");
    ASSERT_STR_EQ(info->driver, "sim");
    ASSERT_STR_EQ(info->driver_version, "1");
    ASSERT_STR_EQ(info->site, "finger");
    const char *expect[][2] = {
        {"sim_model", "ppg"},   {"sim_rate", "250"}, {"sim_noise", "0.01"}, {"sim_dropout", "0"},
        {"sim_irregular", "0"}, {"sim_hr", "75"},    {"sim_pi", "2"},       {"sim_dc", "50000"},
        {"sim_resp", "14"},     {"sim_pvi", "10"},   {"sim_motion", "0"},   {"sim_site", "finger"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        expect_attr(info, expect[i][0], expect[i][1]);
    ASSERT_TRUE(mc_stream_info_get_attr(info, "sim_seed") != NULL);
    ASSERT_EQ_INT(info->n_attrs, 13);
    ASSERT_STATUS(mc_stream_info_check(info, NULL), MC_OK);
    mc_stream_info *copy = NULL;
    ASSERT_STATUS(mc_stream_info_copy(info, &copy), MC_OK);
    mc_stream_info_destroy(copy);
    mc_sim_destroy(s);
}

TEST(info_every_key)
{
    static const struct {
        const char *model, *modality, *site, *unit, *channel, *keys;
        double rate;
    } m[] = {
        {"ppg", "ppg", "finger", "a.u.", "ir",
         "rate noise dropout irregular hr pi dc resp pvi motion", 250},
        {"ldf", "ldf", "forearm", "PU", "perfusion",
         "rate noise dropout irregular pu a1 a2 a3 a4 a5 a6 porh bz porh_peak porh_tpeak porh_tau "
         "occlusion",
         32},
        {"nirs", "nirs", "thenar", "%", "sto2",
         "rate noise dropout irregular sto2 vot occlusion desat recovery overshoot decay quantize",
         1},
        {"pco2", "pco2", "ear", "mm[Hg]", "pco2", "rate noise dropout irregular level drift", 1},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        mc_sim *s = make(m[i].model, NULL);
        const mc_stream_info *info = mc_sim_get_info(s);
        ASSERT_STR_EQ(mc_modality_name(info->modality), m[i].modality);
        ASSERT_STR_EQ(info->site, m[i].site);
        ASSERT_STR_EQ(info->channels[0].unit, m[i].unit);
        ASSERT_STR_EQ(info->channels[0].name, m[i].channel);
        ASSERT_NEAR_F(info->rate_hz, m[i].rate, 0);
        char keys[400], attr[80];
        snprintf(keys, sizeof keys, "%s seed site model", m[i].keys);
        size_t n = 0;
        char *save = NULL;
        for (char *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save), n++) {
            snprintf(attr, sizeof attr, "sim_%s", k);
            if (!mc_stream_info_get_attr(info, attr))
                fprintf(stderr, "%s: %s missing\n", m[i].model, attr);
            ASSERT_TRUE(mc_stream_info_get_attr(info, attr) != NULL);
        }
        ASSERT_EQ_INT(info->n_attrs, n);
        mc_sim_destroy(s);
    }
    mc_sim *s = make("ldf", NULL);
    expect_attr(mc_sim_get_info(s), "sim_porh", "off");
    expect_attr(mc_sim_get_info(s), "sim_a4", "1.5");
    expect_attr(mc_sim_get_info(s), "sim_a5", "0.8");
    expect_attr(mc_sim_get_info(s), "sim_noise", "0.2");
    mc_sim_destroy(s);
    s = make("nirs", "vot=off");
    expect_attr(mc_sim_get_info(s), "sim_vot", "off");
    expect_attr(mc_sim_get_info(s), "sim_desat", "-12");
    mc_sim_destroy(s);
}

TEST(info_effective_values)
{
    mc_sim *s = make("ppg", "hr=72.30,noise=1e-1,seed=42,site=ear,pi=0.33333333333333331");
    const mc_stream_info *info = mc_sim_get_info(s);
    expect_attr(info, "sim_hr", "72.3");
    expect_attr(info, "sim_noise", "0.1");
    expect_attr(info, "sim_seed", "42");
    ASSERT_STR_EQ(info->site, "ear");
    /* Every number reads back as the same double. */
    ASSERT_TRUE(strtod(mc_stream_info_get_attr(info, "sim_pi"), NULL) == 1.0 / 3.0);
    mc_sim_destroy(s);
    s = make("ldf", "porh=120.5");
    expect_attr(mc_sim_get_info(s), "sim_porh", "120.5");
    mc_sim_destroy(s);
}

TEST(info_irregular)
{
    mc_sim *s = make("nirs", "irregular=1,rate=2");
    const mc_stream_info *info = mc_sim_get_info(s);
    ASSERT_NEAR_F(info->rate_hz, 0, 0);
    ASSERT_NEAR_F(mc_sim_get_rate(s), 2, 0);
    expect_attr(info, "sim_irregular", "1");
    ASSERT_STATUS(mc_stream_info_check(info, NULL), MC_OK);
    float x[4];
    int64_t t[4];
    ASSERT_EQ_INT(mc_sim_read(s, 4, x, t), 0);
    for (int k = 0; k < 4; k++)
        ASSERT_EQ_INT(t[k], k * 500000000LL);
    mc_sim_destroy(s);
}

TEST(seed_default_from_name)
{
    mc_sim *a = make_named("pco2", "a", NULL), *a2 = make_named("pco2", "a", NULL);
    mc_sim *b = make_named("pco2", "b", NULL);
    const char *sa = mc_stream_info_get_attr(mc_sim_get_info(a), "sim_seed");
    ASSERT_STR_EQ(sa, mc_stream_info_get_attr(mc_sim_get_info(a2), "sim_seed"));
    ASSERT_TRUE(strcmp(sa, mc_stream_info_get_attr(mc_sim_get_info(b), "sim_seed")) != 0);
    float *xa = gen(a, 100), *xa2 = gen(a2, 100), *xb = gen(b, 100);
    ASSERT_TRUE(memcmp(xa, xa2, 100 * sizeof *xa) == 0);
    ASSERT_TRUE(memcmp(xa, xb, 100 * sizeof *xa) != 0);
    /* The default seed written out reproduces the stream under another name. */
    char spec[64];
    snprintf(spec, sizeof spec, "seed=%s", sa);
    mc_sim *c = make_named("pco2", "other", spec);
    float *xc = gen(c, 100);
    ASSERT_TRUE(memcmp(xa, xc, 100 * sizeof *xa) == 0);
    free(xa), free(xa2), free(xb), free(xc);
    mc_sim_destroy(a), mc_sim_destroy(a2), mc_sim_destroy(b), mc_sim_destroy(c);
}

TEST(time_stamps)
{
    mc_sim *s = make("nirs", "rate=3");
    float x[10];
    int64_t t[10];
    ASSERT_EQ_INT(mc_sim_read(s, 0, NULL, NULL), 0);
    ASSERT_EQ_INT(mc_sim_read(s, 4, x, t), 0);
    ASSERT_EQ_INT(t[0], 0);
    ASSERT_EQ_INT(t[1], 333333333);
    ASSERT_EQ_INT(t[2], 666666667);
    ASSERT_EQ_INT(t[3], 1000000000);
    ASSERT_EQ_INT(mc_sim_read(s, 3, x, NULL), 4);
    ASSERT_EQ_INT(mc_sim_read(s, 2, x, t), 7);
    ASSERT_EQ_INT(t[0], 2333333333LL);
    ASSERT_EQ_INT(t[1], 2666666667LL);
    mc_sim_destroy(s);
    /* Far from the start there is still no accumulated error. */
    s = make("ppg", "rate=125");
    float *big = gen(s, 1000000);
    free(big);
    ASSERT_EQ_INT(mc_sim_read(s, 1, x, t), 1000000);
    ASSERT_EQ_INT(t[0], 8000000000000LL);
    mc_sim_destroy(s);
}

/* ---- ppg ------------------------------------------------------------------------------------- */

/* DOMAIN.md 1.2 on a dense grid: per complete beat, 100 (max - min) / mean = pi. */
TEST(ppg_pi_exact)
{
    const long hrs[] = {40, 75, 180};
    const char *pis[] = {"0.3", "2", "10"};
    for (size_t h = 0; h < 3; h++) {
        for (size_t p = 0; p < 3; p++) {
            char spec[128];
            snprintf(spec, sizeof spec, "rate=10000,noise=0,pvi=0,hr=%ld,pi=%s", hrs[h], pis[p]);
            mc_sim *s = make("ppg", spec);
            size_t n = (size_t)(10000 * 4 * 60 / hrs[h]) + 10; /* four beats and a bit */
            float *x = gen(s, n);
            beat_stats b;
            beats_of(x, n, hrs[h], 10000, &b);
            ASSERT_TRUE(b.n >= 4);
            double pi = atof(pis[p]);
            for (int k = 0; k < b.n; k++) {
                ASSERT_NEAR_F(b.mean[k], 50000, 50000 * 1e-4);
                ASSERT_NEAR_F(100 * b.pp[k] / b.mean[k], pi, pi * 1e-3);
            }
            /* The red channel: DC 0.6 DC, PI 0.5 PI. */
            double lo = HUGE_VAL, hi = -HUGE_VAL, sum = 0;
            size_t beat = (size_t)(10000 * 60 / hrs[h]);
            for (size_t i = 0; i < beat; i++) {
                lo = fmin(lo, (double)x[2 * i + 1]);
                hi = fmax(hi, (double)x[2 * i + 1]);
                sum += (double)x[2 * i + 1];
            }
            ASSERT_NEAR_F(sum / (double)beat, 30000, 30000 * 1e-4);
            ASSERT_NEAR_F(100 * (hi - lo) / (sum / (double)beat), 0.5 * pi, 0.5 * pi * 1e-3);
            free(x);
            mc_sim_destroy(s);
        }
    }
}

/* At the usual rates the sampled peak-to-trough loses less than 1 % (the worst case is 100 Hz at
 * 180 bpm, one sample every 0.03 beat) and never exceeds the truth. */
TEST(ppg_pi_sampled)
{
    const long rates[] = {100, 125, 250, 500}, hrs[] = {40, 75, 180};
    const double pis[] = {0.3, 2, 10};
    double worst = 1;
    for (size_t r = 0; r < 4; r++) {
        for (size_t h = 0; h < 3; h++) {
            for (size_t p = 0; p < 3; p++) {
                char spec[128];
                snprintf(spec, sizeof spec, "rate=%ld,noise=0,pvi=0,hr=%ld,pi=%g", rates[r], hrs[h],
                         pis[p]);
                mc_sim *s = make("ppg", spec);
                size_t n = (size_t)(rates[r] * 20);
                float *x = gen(s, n);
                beat_stats b;
                beats_of(x, n, hrs[h], rates[r], &b);
                double a0 = pis[p] / 100 * 50000;
                for (int k = 0; k < b.n; k++) {
                    ASSERT_TRUE(b.pp[k] <= a0 * (1 + 1e-5));
                    ASSERT_TRUE(b.pp[k] >= a0 * 0.99);
                    ASSERT_NEAR_F(100 * b.pp[k] / b.mean[k], pis[p], pis[p] * 0.01);
                    worst = fmin(worst, b.pp[k] / a0);
                }
                free(x);
                mc_sim_destroy(s);
            }
        }
    }
    /* The shape is broad enough, but sampling does cost something at 100 Hz / 180 bpm. */
    ASSERT_TRUE(worst < 0.999 && worst > 0.99);
}

/* One upward crossing of the mean per beat (the pulse is inverted: a downward crossing of I). */
static int count_beats(const float *x, size_t n, double dc)
{
    int beats = 0;
    for (size_t i = 1; i < n; i++)
        beats += (double)x[2 * (i - 1)] >= dc && (double)x[2 * i] < dc;
    return beats;
}

TEST(ppg_hr_count)
{
    const long hrs[] = {40, 75, 97, 180};
    for (size_t h = 0; h < 4; h++) {
        char spec[96];
        snprintf(spec, sizeof spec, "noise=0,hr=%ld", hrs[h]);
        mc_sim *s = make("ppg", spec);
        float *x = gen(s, 250 * 60);
        ASSERT_EQ_INT(count_beats(x, 250 * 60, 50000), hrs[h]);
        free(x);
        mc_sim_destroy(s);
    }
}

TEST(ppg_hr_autocorrelation)
{
    const long hrs[] = {40, 75, 180};
    const size_t n = 250 * 30;
    for (size_t h = 0; h < 3; h++) {
        char spec[96];
        snprintf(spec, sizeof spec, "hr=%ld", hrs[h]); /* default noise and modulation */
        mc_sim *s = make("ppg", spec);
        float *x = gen(s, n);
        double mean = 0;
        for (size_t i = 0; i < n; i++)
            mean += (double)x[2 * i];
        mean /= (double)n;
        double period = 60.0 * 250 / (double)hrs[h], best = -HUGE_VAL;
        size_t best_lag = 0;
        for (size_t lag = (size_t)(0.5 * period); lag <= (size_t)(1.5 * period); lag++) {
            double r = 0;
            for (size_t i = 0; i + lag < n; i++)
                r += ((double)x[2 * i] - mean) * ((double)x[2 * (i + lag)] - mean);
            r /= (double)(n - lag);
            if (r > best) {
                best = r;
                best_lag = lag;
            }
        }
        ASSERT_NEAR_F((double)best_lag, period, 1.0);
        free(x);
        mc_sim_destroy(s);
    }
}

/* DOMAIN.md 1.6/1.8 test 4: per-beat AC over one minute. At 75 bpm and 14 breaths/min the 75
 * beats fall on 75 evenly spread phases of the modulation, so the beat-sampled PVI is just under
 * the continuous 10 % (the sampling bias of test 4), and the median PI is pi. */
TEST(ppg_pvi)
{
    mc_sim *s = make("ppg", "noise=0");
    float *x = gen(s, 250 * 60);
    beat_stats b;
    beats_of(x, 250 * 60, 75, 250, &b);
    ASSERT_EQ_INT(b.n, 74); /* the last beat ends at 60 s, beyond the last frame */
    double lo = HUGE_VAL, hi = -HUGE_VAL, pi[400];
    for (int k = 0; k < b.n; k++) {
        lo = fmin(lo, b.pp[k]);
        hi = fmax(hi, b.pp[k]);
        pi[k] = 100 * b.pp[k] / b.mean[k];
    }
    double pvi = 100 * (hi - lo) / hi;
    ASSERT_TRUE(pvi <= 10.0 + 1e-3);
    ASSERT_TRUE(pvi >= 9.5);
    ASSERT_NEAR_F(median(pi, b.n), 2.0, 0.02);
    free(x);
    mc_sim_destroy(s);

    /* Four beats a breath put the beats on the extrema: PImax/PImin = (1+m)/(1-m), PVI exact. */
    s = make("ppg", "noise=0,hr=60,resp=15,pvi=10");
    x = gen(s, 250 * 60);
    beats_of(x, 250 * 60, 60, 250, &b);
    lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int k = 0; k < b.n; k++) {
        lo = fmin(lo, b.pp[k]);
        hi = fmax(hi, b.pp[k]);
    }
    ASSERT_NEAR_F(100 * (hi - lo) / hi, 10.0, 0.01);
    free(x);
    mc_sim_destroy(s);

    /* pvi=0 removes the modulation. */
    s = make("ppg", "noise=0,pvi=0");
    x = gen(s, 250 * 60);
    beats_of(x, 250 * 60, 75, 250, &b);
    for (int k = 1; k < b.n; k++)
        ASSERT_NEAR_F(b.pp[k], b.pp[0], 0.02);
    free(x);
    mc_sim_destroy(s);
}

/* The same seed with and without noise: the difference is the noise, std = noise a0 per channel. */
TEST(ppg_noise)
{
    const size_t n = 250 * 120;
    mc_sim *clean = make("ppg", "seed=7,noise=0"), *noisy = make("ppg", "seed=7,noise=0.05");
    float *c = gen(clean, n), *y = gen(noisy, n);
    double s_ir = 0, s_red = 0, s_x = 0;
    for (size_t i = 0; i < n; i++) {
        double e_ir = (double)y[2 * i] - (double)c[2 * i],
               e_red = (double)y[2 * i + 1] - (double)c[2 * i + 1];
        s_ir += e_ir * e_ir;
        s_red += e_red * e_red;
        s_x += e_ir * e_red;
    }
    double sd_ir = sqrt(s_ir / (double)n), sd_red = sqrt(s_red / (double)n);
    ASSERT_NEAR_F(sd_ir, 0.05 * 1000, 0.05 * 1000 * 0.03);
    ASSERT_NEAR_F(sd_red, 0.05 * 300, 0.05 * 300 * 0.03);
    ASSERT_NEAR_F(s_x / (double)n / (sd_ir * sd_red), 0, 0.03);
    free(c), free(y);
    mc_sim_destroy(clean), mc_sim_destroy(noisy);
}

/* ---- Determinism ----------------------------------------------------------------------------- */

typedef struct ev_list {
    mc_event ev[600];
    int n;
} ev_list;

static void pop_all(mc_sim *s, ev_list *l)
{
    mc_event ev;
    while (mc_sim_pop_event(s, &ev))
        if (l->n < 600)
            l->ev[l->n++] = ev;
}

TEST(block_size_invariance)
{
    static const char *const cases[][2] = {
        {"ppg", "motion=12,dropout=30"},
        {"ldf", "dropout=30,porh=2,occlusion=3,porh_tpeak=1,porh_tau=2"},
        {"nirs", "rate=50,dropout=30,vot=1,occlusion=3,quantize=1"},
        {"pco2", "rate=50,dropout=30,drift=100"},
    };
    for (size_t c = 0; c < 4; c++) {
        mc_sim *a = make(cases[c][0], cases[c][1]), *b = make(cases[c][0], cases[c][1]);
        size_t nc = mc_sim_get_info(a)->n_channels;
        size_t n = (size_t)(mc_sim_get_rate(a) * 20);
        float *xa = calloc(n * nc, sizeof *xa), *xb = calloc(n * nc, sizeof *xb);
        int64_t *ta = calloc(n, sizeof *ta), *tb = calloc(n, sizeof *tb);
        ev_list *la = calloc(1, sizeof *la), *lb = calloc(1, sizeof *lb);
        ASSERT_EQ_INT(mc_sim_read(a, n, xa, ta), 0);
        pop_all(a, la);
        uint64_t lcg = 12345 + c;
        size_t done = 0;
        while (done < n) {
            lcg = lcg * 6364136223846793005u + 1442695040888963407u;
            size_t step = (size_t)(lcg >> 33) % 97; /* 0 included */
            if (step > n - done)
                step = n - done;
            ASSERT_EQ_INT(mc_sim_read(b, step, xb + done * nc, tb + done), done);
            done += step;
            if (lcg & 1)
                pop_all(b, lb);
        }
        pop_all(b, lb);
        ASSERT_TRUE(memcmp(xa, xb, n * nc * sizeof *xa) == 0);
        ASSERT_TRUE(memcmp(ta, tb, n * sizeof *ta) == 0);
        ASSERT_EQ_INT(la->n, lb->n);
        ASSERT_TRUE(la->n >= 2);
        ASSERT_TRUE(memcmp(la->ev, lb->ev, (size_t)la->n * sizeof la->ev[0]) == 0);
        free(xa), free(xb), free(ta), free(tb), free(la), free(lb);
        mc_sim_destroy(a), mc_sim_destroy(b);
    }
}

TEST(seed_repeat_and_differ)
{
    const char *models[] = {"ppg", "ldf", "nirs", "pco2"};
    for (size_t m = 0; m < 4; m++) {
        mc_sim *a = make(models[m], "seed=1,dropout=5"), *b = make(models[m], "seed=1,dropout=5");
        mc_sim *c = make(models[m], "seed=2,dropout=5");
        size_t n = 500 * mc_sim_get_info(a)->n_channels;
        float *xa = gen(a, 500), *xb = gen(b, 500), *xc = gen(c, 500);
        ASSERT_TRUE(memcmp(xa, xb, n * sizeof *xa) == 0);
        ASSERT_TRUE(memcmp(xa, xc, n * sizeof *xa) != 0);
        free(xa), free(xb), free(xc);
        mc_sim_destroy(a), mc_sim_destroy(b), mc_sim_destroy(c);
    }
}

/* ---- ldf ------------------------------------------------------------------------------------- */

/* Over 1000 s every band centre makes a whole number of periods (7, 15, 35, 100, 300, 1200), so
 * the mean is pu and projecting onto sin/cos at each centre returns its amplitude. */
TEST(ldf_mean_and_bands)
{
    const size_t n = 32 * 1000;
    mc_sim *s = make("ldf", NULL);
    float *x = gen(s, n);
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += (double)x[i];
    mean /= (double)n;
    ASSERT_NEAR_F(mean, 20, 0.01);
    const double hz[6] = {0.007, 0.015, 0.035, 0.1, 0.3, 1.2}, amp[6] = {1, 1, 1, 1.5, 0.8, 1};
    for (int b = 0; b < 6; b++) {
        double c = 0, q = 0;
        for (size_t i = 0; i < n; i++) {
            double w = 6.283185307179586 * hz[b] * (double)i / 32;
            c += ((double)x[i] - mean) * cos(w);
            q += ((double)x[i] - mean) * sin(w);
        }
        ASSERT_NEAR_F(2 * sqrt(c * c + q * q) / (double)n, amp[b], amp[b] * 0.02);
    }
    /* The noise is the rest: std 0.2 PU around the oscillations. */
    free(x);
    mc_sim_destroy(s);
}

TEST(ldf_porh)
{
    mc_sim *s = make_named("ldf", "ldf_forearm", "noise=0,a1=0,a2=0,a3=0,a4=0,a5=0,a6=0,porh=100");
    mc_event ev;
    float x[1];
    /* Events come out only once their time has been generated. */
    float *pre = gen(s, 3200);
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 0);
    mc_sim_read(s, 1, x, NULL); /* frame 3200, t = 100 s */
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 1);
    ASSERT_EQ_INT(ev.t_ns, 100000000000LL);
    ASSERT_STR_EQ(ev.kind, "occlusion_start");
    ASSERT_STR_EQ(ev.stream, "ldf_forearm");
    ASSERT_STR_EQ(ev.text, "sim truth");
    ASSERT_TRUE(isnan(ev.value));
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 0);
    for (size_t i = 0; i < 3200; i++)
        ASSERT_NEAR_F(pre[i], 20, 0);
    ASSERT_NEAR_F(x[0], 3, 0);

    float *y = gen(s, 32 * 400); /* y[i] is at t = 100 + (i + 1) / 32 */
    const size_t release = 180 * 32 - 1, peak = release + 8 * 32, tau = peak + 40 * 32;
    double bz = 0;
    for (size_t i = 0; i < release; i++)
        bz += (double)y[i];
    ASSERT_NEAR_F(bz / (double)release, 3, 1e-6);
    ASSERT_NEAR_F(y[release], 3, 1e-6);
    ASSERT_NEAR_F(y[release + 4 * 32], 3 + 77 * 0.5, 1e-4);
    size_t arg = release;
    for (size_t i = release; i < 32 * 400; i++)
        if (y[i] > y[arg])
            arg = i;
    ASSERT_EQ_INT(arg, peak);
    ASSERT_NEAR_F(y[peak], 80, 1e-4);
    ASSERT_NEAR_F(y[tau], 20 + 60 / exp(1.0), 1e-4);
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 1);
    ASSERT_STR_EQ(ev.kind, "occlusion_end");
    ASSERT_EQ_INT(ev.t_ns, 280000000000LL);
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 0);
    free(pre), free(y);
    mc_sim_destroy(s);

    /* With flowmotion, oscillations vanish at the peak: the maximum is still porh_peak, exactly
     * porh_tpeak after the release, and the flux is bz (no oscillation) during the occlusion. */
    s = make("ldf", "noise=0,porh=100");
    y = gen(s, 32 * 500);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = 3200; i < 3200 + 180 * 32; i++) {
        lo = fmin(lo, (double)y[i]);
        hi = fmax(hi, (double)y[i]);
    }
    ASSERT_NEAR_F(lo, 3, 0);
    ASSERT_NEAR_F(hi, 3, 0);
    arg = 3200 + 180 * 32;
    for (size_t i = arg; i < 32 * 500; i++)
        if (y[i] > y[arg])
            arg = i;
    ASSERT_EQ_INT(arg, (100 + 180 + 8) * 32);
    ASSERT_NEAR_F(y[arg], 80, 1e-4);
    free(y);
    mc_sim_destroy(s);
}

/* ---- nirs ------------------------------------------------------------------------------------ */

/* DOMAIN.md 4.2/4.6: every VOT metric of the construction, noise-free at 10 Hz. */
TEST(nirs_vot)
{
    const double rate = 10;
    mc_sim *s = make("nirs", "rate=10,noise=0,vot=60");
    const size_t n = 10 * 400;
    float *x = gen(s, n);
    for (size_t i = 0; i < 600; i++)
        ASSERT_NEAR_F(x[i], 75, 0);
    ASSERT_NEAR_F(slope_between(x, rate, 60, 240) * 60, -12, 0.12);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    size_t arg_hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, (double)x[i]);
        if ((double)x[i] > hi) {
            hi = (double)x[i];
            arg_hi = i;
        }
    }
    ASSERT_NEAR_F(lo, 75 - 12 * 180 / 60.0, 1e-4);
    ASSERT_NEAR_F(x[2400], 39, 1e-4);
    const double t_top = 240 + (80 - 39) / 3.0;
    ASSERT_NEAR_F(slope_between(x, rate, 240, t_top), 3, 0.03);
    ASSERT_TRUE(hi <= 80 + 1e-4 && hi >= 80 - 3 / rate);
    ASSERT_NEAR_F((double)arg_hi / rate, t_top, 1 / rate);
    ASSERT_NEAR_F(slope_between(x, rate, t_top, t_top + 90) * 90, -5, 0.05);
    for (size_t i = (size_t)ceil((t_top + 90) * rate); i < n; i++)
        ASSERT_NEAR_F(x[i], 75, 0);
    mc_event ev;
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 1);
    ASSERT_STR_EQ(ev.kind, "occlusion_start");
    ASSERT_EQ_INT(ev.t_ns, 60000000000LL);
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 1);
    ASSERT_STR_EQ(ev.kind, "occlusion_end");
    ASSERT_EQ_INT(ev.t_ns, 240000000000LL);
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 0);
    free(x);
    mc_sim_destroy(s);
}

TEST(nirs_clamp_and_quantize)
{
    /* A deep desaturation stops at 0 %; noise stays within [0, 100]; quantize gives integers. */
    mc_sim *s = make("nirs", "noise=0,vot=10,desat=-60,sto2=50,overshoot=70");
    float *x = gen(s, 600);
    for (size_t i = 0; i < 600; i++)
        ASSERT_TRUE(x[i] >= 0 && x[i] <= 100);
    ASSERT_NEAR_F(x[189], 0, 0);
    free(x);
    mc_sim_destroy(s);
    s = make("nirs", "quantize=1,noise=3,vot=20,sto2=98");
    x = gen(s, 600);
    int changes = 0;
    for (size_t i = 0; i < 600; i++) {
        ASSERT_NEAR_F(x[i], nearbyint((double)x[i]), 0);
        ASSERT_TRUE(x[i] >= 0 && x[i] <= 100);
        changes += i > 0 && x[i] != x[i - 1];
    }
    ASSERT_TRUE(changes > 100);
    free(x);
    mc_sim_destroy(s);
}

/* ---- pco2 ------------------------------------------------------------------------------------ */

TEST(pco2_ramp_and_level)
{
    mc_sim *s = make("pco2", "noise=0,drift=6");
    float *x = gen(s, 3600);
    ASSERT_NEAR_F(slope_between(x, 1, 0, 3600) * 3600, 6, 6e-4);
    ASSERT_NEAR_F(x[0], 45, 0);
    ASSERT_NEAR_F(x[1800], 48, 1e-5);
    free(x);
    mc_sim_destroy(s);
    s = make("pco2", NULL);
    x = gen(s, 3600);
    double mean = 0;
    for (size_t i = 0; i < 3600; i++)
        mean += (double)x[i];
    ASSERT_NEAR_F(mean / 3600, 45, 0.02);
    free(x);
    mc_sim_destroy(s);
}

/* ---- Artefacts ------------------------------------------------------------------------------- */

/* Starts and ends alternate, in time order, with durations in [lo, hi] s; the last interval may
 * still be open at the end of the stream. */
static int check_pairs(const ev_list *l, const char *start, const char *end, double lo, double hi)
{
    if (l->n % 2)
        ASSERT_STR_EQ(l->ev[l->n - 1].kind, start);
    for (int i = 0; i + 1 < l->n; i += 2) {
        ASSERT_STR_EQ(l->ev[i].kind, start);
        ASSERT_STR_EQ(l->ev[i + 1].kind, end);
        double d = (double)(l->ev[i + 1].t_ns - l->ev[i].t_ns) / 1e9;
        ASSERT_TRUE(d >= lo && d <= hi);
        if (i > 0)
            ASSERT_TRUE(l->ev[i].t_ns >= l->ev[i - 1].t_ns);
    }
    return l->n / 2;
}

static int inside(const ev_list *l, int64_t t)
{
    for (int i = 0; i < l->n; i += 2)
        if (t >= l->ev[i].t_ns && (i + 1 == l->n || t < l->ev[i + 1].t_ns))
            return 1;
    return 0;
}

/* Motion changes the signal only inside its intervals, by at most 5 a0, and never to NaN. */
TEST(ppg_motion)
{
    const size_t n = 250 * 120;
    mc_sim *quiet = make("ppg", "seed=3"), *moving = make("ppg", "seed=3,motion=6");
    float *q = gen(quiet, n), *m = calloc(2 * n, sizeof *m);
    int64_t *t = calloc(n, sizeof *t);
    mc_sim_read(moving, n, m, t);
    ev_list *l = calloc(1, sizeof *l);
    pop_all(moving, l);
    int pairs = check_pairs(l, "motion_start", "motion_end", 2, 5);
    ASSERT_TRUE(pairs >= 3);
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < 2; c++) {
            double d = fabs((double)m[2 * i + c] - (double)q[2 * i + c]);
            ASSERT_TRUE(!isnan(m[2 * i + c]));
            if (!inside(l, t[i]))
                ASSERT_NEAR_F(d, 0, 0);
            ASSERT_TRUE(d <= 5 * 1000 * (c ? 0.3 : 1) * 1.0001);
        }
        moved += inside(l, t[i]) && fabs((double)m[2 * i] - (double)q[2 * i]) > 100;
    }
    ASSERT_TRUE(moved > 250); /* the artefacts are large: over 0.1 a0 for more than a second */
    free(q), free(m), free(t), free(l);
    mc_sim_destroy(quiet), mc_sim_destroy(moving);
}

/* Dropouts are NaN exactly inside their intervals, on every channel. */
TEST(dropout_nan)
{
    const char *models[] = {"ppg", "ldf", "nirs", "pco2"};
    const char *specs[] = {"dropout=10", "dropout=10", "dropout=10,rate=25", "dropout=10,rate=25"};
    for (size_t k = 0; k < 4; k++) {
        mc_sim *s = make(models[k], specs[k]);
        size_t nc = mc_sim_get_info(s)->n_channels, n = (size_t)(mc_sim_get_rate(s) * 120);
        float *x = calloc(n * nc, sizeof *x);
        int64_t *t = calloc(n, sizeof *t);
        mc_sim_read(s, n, x, t);
        ev_list *l = calloc(1, sizeof *l);
        pop_all(s, l);
        ASSERT_TRUE(check_pairs(l, "dropout_start", "dropout_end", 0.5, 2) >= 3);
        size_t gaps = 0;
        for (size_t i = 0; i < n; i++) {
            for (size_t c = 0; c < nc; c++)
                ASSERT_EQ_INT(isnan(x[i * nc + c]) != 0, inside(l, t[i]));
            gaps += inside(l, t[i]);
        }
        ASSERT_TRUE(gaps > 0);
        free(x), free(t), free(l);
        mc_sim_destroy(s);
    }
}

/* A caller that never pops keeps the oldest events, in order; the rest are dropped. */
TEST(event_queue_full)
{
    mc_sim *s = make("pco2", "dropout=30,rate=2");
    float *x = gen(s, 2 * 7200);
    ev_list *l = calloc(1, sizeof *l);
    pop_all(s, l);
    ASSERT_EQ_INT(l->n, 256);
    check_pairs(l, "dropout_start", "dropout_end", 0.5, 2);
    /* After popping, new events are queued again (an interval open at 7199.5 s ends later). */
    free(x);
    x = gen(s, 2 * 600);
    mc_event ev;
    ASSERT_EQ_INT(mc_sim_pop_event(s, &ev), 1);
    ASSERT_TRUE(ev.t_ns > 7199500000000LL);
    free(x), free(l);
    mc_sim_destroy(s);
}
