/* SPDX-License-Identifier: MIT */
/* tools/analysis.c: `mcirc analyze` for one file: configuration, the analyser of each stream, the
 * feature series, the protocols found on the events timeline, and the output files. */
#include "tools/analysis.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsp/block.h"
#include "formats/h5_reader.h"
#include "formats/h5_writer.h"
#include "formats/ini.h"
#include "tools/analysis_output.h"

/* ---- configuration ------------------------------------------------------------------------ */

void mc_analysis_config_default(mc_analysis_config *c)
{
    c->ppg = mc_ppg_config_default();
    c->ldf = mc_ldf_config_default();
    c->nirs = mc_nirs_config_default();
    c->pco2 = mc_pco2_config_default();
    c->protocol = mc_protocol_config_default();
}

typedef struct load_ctx {
    mc_analysis_config *c;
    const char *path;
} load_ctx;

static mc_status apply(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    load_ctx *l = ctx;
    mc_diag inner;
    mc_diag_clear(&inner);
    mc_status st;
    if (strcmp(e->section, "ppg") == 0)
        st = mc_ppg_config_set(&l->c->ppg, e->key, e->value, &inner);
    else if (strcmp(e->section, "ldf") == 0)
        st = mc_ldf_config_set(&l->c->ldf, e->key, e->value, &inner);
    else if (strcmp(e->section, "nirs") == 0)
        st = mc_nirs_config_set(&l->c->nirs, e->key, e->value, &inner);
    else if (strcmp(e->section, "pco2") == 0)
        st = mc_pco2_config_set(&l->c->pco2, e->key, e->value, &inner);
    else if (strcmp(e->section, "protocol") == 0)
        st = mc_protocol_config_set(&l->c->protocol, e->key, e->value, &inner);
    else
        return mc_diag_set(d, MC_EINVAL, -1, e->line,
                           "%s line %lld: unknown section [%s] "
                           "(expected ppg, ldf, nirs, pco2 or protocol)",
                           l->path, (long long)e->line, e->section);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, e->line, "%s line %lld: [%s] %s", l->path, (long long)e->line,
                           e->section, inner.message[0] ? inner.message : mc_strerror(st));
    return MC_OK;
}

mc_status mc_analysis_config_load(mc_analysis_config *c, const char *path, mc_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_diag_set(d, errno == ENOENT ? MC_ENOTFOUND : MC_EIO, -1, -1, "%s: %s", path,
                           strerror(errno));
    /* A configuration is small; a huge file is a mistake, not a configuration. */
    char *text = malloc(1 << 20);
    size_t n = text ? fread(text, 1, 1 << 20, f) : 0;
    int too_big = text && n == (1 << 20) && fgetc(f) != EOF;
    fclose(f);
    if (!text)
        return MC_ENOMEM;
    if (too_big) {
        free(text);
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: larger than 1 MiB: not a configuration",
                           path);
    }
    load_ctx l = {c, path};
    mc_diag inner;
    mc_diag_clear(&inner);
    mc_status st = mc_ini_parse(text, n, apply, &l, &inner);
    free(text);
    if (st == MC_EFORMAT)
        return mc_diag_set(d, st, inner.offset, inner.line, "%s %s", path, inner.message);
    if (st != MC_OK)
        return mc_diag_set(d, st, inner.offset, inner.line, "%s", inner.message);
    return MC_OK;
}

/* ---- analysers ---------------------------------------------------------------------------- */

static uint32_t channel_named(const mc_stream_info *info, const char *const *names)
{
    for (size_t k = 0; names[k]; k++)
        for (uint32_t c = 0; c < info->n_channels; c++)
            if (strcmp(info->channels[c].name, names[k]) == 0)
                return c;
    return 0;
}

static const char *const ppg_names[] = {"ir", "pleth", "ppg", NULL};
static const char *const ldf_names[] = {"perfusion", "flux", "ldf", NULL};
static const char *const nirs_names[] = {"sto2", "rso2", NULL};
static const char *const pco2_names[] = {"pco2", "tcpco2", "pcco2", NULL};

uint32_t mc_analysis_channel(const mc_stream_info *info)
{
    switch (info->modality) {
    case MC_MODALITY_PPG:
        return channel_named(info, ppg_names);
    case MC_MODALITY_LDF:
        return channel_named(info, ldf_names);
    case MC_MODALITY_NIRS:
        return channel_named(info, nirs_names);
    case MC_MODALITY_PCO2:
        return channel_named(info, pco2_names);
    default:
        return 0;
    }
}

mc_status mc_analysis_create_analyser(const mc_stream_info *info, const mc_analysis_config *c,
                                      mc_diag *d, mc_analyser **out)
{
    *out = NULL;
    switch (info->modality) {
    case MC_MODALITY_PPG:
        if (info->rate_hz <= 0)
            return mc_diag_set(d, MC_ENOTFOUND, -1, -1,
                               "stream '%s': PPG analysis needs a "
                               "regular waveform (this stream is irregular)",
                               info->name);
        return mc_ppg_analyser_create(&c->ppg, info->rate_hz, info->n_channels,
                                      channel_named(info, ppg_names), info->site, d, out);
    case MC_MODALITY_LDF:
        if (info->rate_hz <= 0)
            return mc_diag_set(d, MC_ENOTFOUND, -1, -1,
                               "stream '%s': LDF analysis needs a "
                               "regular signal (this stream is irregular)",
                               info->name);
        return mc_ldf_analyser_create(&c->ldf, info->rate_hz, info->n_channels,
                                      channel_named(info, ldf_names), d, out);
    case MC_MODALITY_NIRS:
        return mc_nirs_analyser_create(&c->nirs, info->rate_hz, info->n_channels,
                                       channel_named(info, nirs_names), d, out);
    case MC_MODALITY_PCO2:
        return mc_pco2_analyser_create(&c->pco2, info->rate_hz, info->n_channels,
                                       channel_named(info, pco2_names), d, out);
    default:
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "stream '%s': no analyser for modality %s",
                           info->name, mc_modality_name(info->modality));
    }
}

/* ---- running one stream ------------------------------------------------------------------- */

enum { BLOCK_FRAMES = 1 << 16 };

typedef struct emit_ctx {
    mc_series_set *set;
    size_t first_series;  /* this analyser's first series in the set */
    const int64_t *times; /* the block's frame times */
    int64_t block_first;  /* index of the block's first frame */
    int64_t period_ns;    /* regular: one sample period; irregular: 0 */
    mc_status st;
} emit_ctx;

static void emit_row(void *ctx, const mc_analysis_row *row)
{
    emit_ctx *e = ctx;
    if (e->st != MC_OK)
        return;
    int64_t t_end;
    if (row->end_t_ns != MC_NO_TIME) {
        t_end = row->end_t_ns;
    } else {
        /* The row completes with the frame just pushed, so its last frame is in this block. */
        int64_t last = row->end_index - 1 - e->block_first;
        t_end = e->times[last] + e->period_ns;
    }
    for (size_t k = 0; k < row->n_features && e->st == MC_OK; k++)
        e->st = mc_series_append(&e->set->series[e->first_series + k], t_end, row->value[k],
                                 row->status[k]);
}

static mc_status analyse_stream(mc_h5_reader *r, size_t i, mc_analyser *a, mc_series_set *set,
                                int progress)
{
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    size_t first_series = set->n;
    for (size_t k = 0; k < mc_analyser_get_n_features(a); k++) {
        mc_status st = mc_series_set_add(set, info->name, mc_analyser_get_feature(a, k),
                                         mc_analyser_get_parameters(a), NULL);
        if (st != MC_OK)
            return st;
    }
    int64_t n = mc_h5_reader_get_n_frames(r, i);
    size_t block = n < BLOCK_FRAMES ? (size_t)(n > 0 ? n : 1) : BLOCK_FRAMES;
    float *x = malloc(block * info->n_channels * sizeof *x);
    int64_t *t = malloc(block * sizeof *t);
    mc_status st = x && t ? MC_OK : MC_ENOMEM;
    emit_ctx e = {set,  first_series, t, 0, info->rate_hz > 0 ? llround(1e9 / info->rate_hz) : 0,
                  MC_OK};
    for (int64_t first = 0; st == MC_OK && first < n; first += (int64_t)block) {
        size_t k = (size_t)(n - first < (int64_t)block ? n - first : (int64_t)block);
        st = mc_h5_reader_read(r, i, first, k, x);
        if (st == MC_OK)
            st = mc_h5_reader_read_times(r, i, first, k, t);
        if (st != MC_OK)
            break;
        e.block_first = first;
        mc_analyser_process(a, x, info->rate_hz > 0 ? NULL : t, k, info->n_channels, emit_row, &e);
        st = e.st;
        if (progress)
            fprintf(stderr, "\r  %s: %3.0f %%\033[K", info->name,
                    100.0 * (double)(first + (int64_t)k) / (double)n);
    }
    if (progress)
        fprintf(stderr, "\r\033[K");
    free(x);
    free(t);
    return st;
}

/* ---- protocols ---------------------------------------------------------------------------- */

/* One channel of a stream in memory, with times in seconds, for the protocol functions. */
typedef struct channel_data {
    float *x;
    double *t_s;
    float *scratch;
    size_t n;
} channel_data;

static mc_status load_channel(mc_h5_reader *r, size_t i, uint32_t channel, channel_data *c)
{
    memset(c, 0, sizeof *c);
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    int64_t n = mc_h5_reader_get_n_frames(r, i);
    if (n <= 0)
        return MC_OK;
    float *frames = calloc((size_t)n * info->n_channels, sizeof *frames);
    int64_t *t = calloc((size_t)n, sizeof *t);
    c->x = calloc((size_t)n, sizeof *c->x);
    c->t_s = calloc((size_t)n, sizeof *c->t_s);
    c->scratch = calloc((size_t)n, sizeof *c->scratch);
    mc_status st = frames && t && c->x && c->t_s && c->scratch ? MC_OK : MC_ENOMEM;
    if (st == MC_OK)
        st = mc_h5_reader_read(r, i, 0, (size_t)n, frames);
    if (st == MC_OK)
        st = mc_h5_reader_read_times(r, i, 0, (size_t)n, t);
    for (int64_t k = 0; st == MC_OK && k < n; k++) {
        c->x[k] = frames[k * info->n_channels + channel];
        c->t_s[k] = (double)t[k] / 1e9;
    }
    c->n = (size_t)n;
    free(frames);
    free(t);
    return st;
}

static void free_channel(channel_data *c)
{
    free(c->x);
    free(c->t_s);
    free(c->scratch);
}

/* An event applies to a stream when it names it, or names no stream. */
static int applies(const mc_event *ev, const char *stream)
{
    return ev->stream[0] == '\0' || strcmp(ev->stream, stream) == 0;
}

/* The occlusion runs for a stream: each occlusion_start with the next occlusion_end after it. */
typedef struct occlusion {
    double start_s, release_s;
} occlusion;

static size_t find_occlusions(const mc_event *ev, size_t ne, const char *stream, occlusion *out,
                              size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < ne && n < cap; k++) {
        if (strcmp(ev[k].kind, "occlusion_start") != 0 || !applies(&ev[k], stream))
            continue;
        for (size_t j = k + 1; j < ne; j++) {
            if (strcmp(ev[j].kind, "occlusion_end") == 0 && applies(&ev[j], stream) &&
                ev[j].t_ns > ev[k].t_ns) {
                out[n++] = (occlusion){(double)ev[k].t_ns / 1e9, (double)ev[j].t_ns / 1e9};
                break;
            }
        }
    }
    return n;
}

enum { MAX_RUNS = 256 };

static mc_status run_protocols(mc_h5_reader *r, size_t i, const mc_analysis_config *cfg,
                               mc_series_set *set, mc_protocol_table *table)
{
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    occlusion occ[MAX_RUNS];
    size_t n_occ = find_occlusions(ev, ne, info->name, occ, MAX_RUNS);
    mc_protocol_result res;
    mc_status st = MC_OK;
    channel_data c;
    memset(&c, 0, sizeof c);
    static const char *const any[] = {"perfusion", "flux", "sto2", "rso2", "pco2", "tcpco2", NULL};
    switch (info->modality) {
    case MC_MODALITY_LDF: {
        size_t n_dose = 0;
        for (size_t k = 0; k < ne; k++)
            n_dose += strcmp(ev[k].kind, "iontophoresis") == 0 && applies(&ev[k], info->name);
        if (n_occ == 0 && n_dose == 0)
            break;
        st = load_channel(r, i, channel_named(info, any), &c);
        for (size_t k = 0; st == MC_OK && k < n_occ; k++) {
            mc_porh_analyse(c.x, c.t_s, c.n, occ[k].start_s, occ[k].release_s, &cfg->protocol,
                            c.scratch, &res);
            st = mc_protocol_table_add(table, set, "porh", info->name, occ[k].start_s,
                                       occ[k].release_s, &res);
        }
        double first_dose = (double)NAN;
        for (size_t k = 0; st == MC_OK && k < ne; k++) {
            if (strcmp(ev[k].kind, "iontophoresis") != 0 || !applies(&ev[k], info->name))
                continue;
            double t_dose = (double)ev[k].t_ns / 1e9, t_end = c.n ? c.t_s[c.n - 1] : t_dose;
            if (isnan(first_dose))
                first_dose = t_dose;
            double map = (double)NAN;
            for (size_t j = 0; j < ne; j++) {
                double tj = (double)ev[j].t_ns / 1e9;
                if (strcmp(ev[j].kind, "iontophoresis") == 0 && applies(&ev[j], info->name) &&
                    tj > t_dose && tj < t_end)
                    t_end = tj;
                if (strcmp(ev[j].kind, "map") == 0 && tj <= t_dose && isfinite(ev[j].value))
                    map = ev[j].value; /* the latest MAP entered before the dose */
            }
            mc_ionto_analyse(c.x, c.t_s, c.n, first_dose, t_dose, t_end, map, &cfg->protocol,
                             c.scratch, &res);
            st =
                mc_protocol_table_add(table, set, "iontophoresis", info->name, t_dose, t_end, &res);
        }
        break;
    }
    case MC_MODALITY_NIRS:
        if (n_occ == 0)
            break;
        st = load_channel(r, i, channel_named(info, any), &c);
        for (size_t k = 0; st == MC_OK && k < n_occ; k++) {
            mc_vot_analyse(c.x, c.t_s, c.n, occ[k].start_s, occ[k].release_s, &cfg->protocol, &res);
            st = mc_protocol_table_add(table, set, "vot", info->name, occ[k].start_s,
                                       occ[k].release_s, &res);
        }
        break;
    case MC_MODALITY_PPG: {
        /* PI during a VOT runs on the PI feature series just computed. */
        const mc_series *pi = mc_series_set_find(set, info->name, "pi");
        if (n_occ == 0 || !pi || pi->n == 0)
            break;
        double *t_s = malloc(pi->n * sizeof *t_s);
        if (!t_s)
            return MC_ENOMEM;
        for (size_t k = 0; k < pi->n; k++)
            t_s[k] = (double)pi->t_ns[k] / 1e9;
        for (size_t k = 0; st == MC_OK && k < n_occ; k++) {
            mc_pi_vot_analyse(pi->value, t_s, pi->n, occ[k].start_s, occ[k].release_s,
                              &cfg->protocol, &res);
            st = mc_protocol_table_add(table, set, "pi_vot", info->name, occ[k].start_s,
                                       occ[k].release_s, &res);
        }
        free(t_s);
        break;
    }
    case MC_MODALITY_PCO2: {
        int any_gas = 0;
        for (size_t k = 0; k < ne; k++)
            any_gas |= strcmp(ev[k].kind, "arterial_pco2") == 0 && applies(&ev[k], info->name);
        if (!any_gas)
            break;
        st = load_channel(r, i, channel_named(info, any), &c);
        for (size_t k = 0; st == MC_OK && k < ne; k++) {
            if (strcmp(ev[k].kind, "arterial_pco2") != 0 || !applies(&ev[k], info->name))
                continue;
            double t_gas = (double)ev[k].t_ns / 1e9;
            mc_pco2_gap_analyse(c.x, c.t_s, c.n, t_gas, ev[k].value, &cfg->protocol, &res);
            st = mc_protocol_table_add(table, set, "pco2_gap", info->name, t_gas, t_gas, &res);
        }
        break;
    }
    default:
        break;
    }
    free_channel(&c);
    return st;
}

/* ---- one file ----------------------------------------------------------------------------- */

static mc_status output_paths(const char *input, const mc_analysis_options *o,
                              mc_analysis_summary *s, mc_diag *d)
{
    char *a = strdup(input), *b = strdup(input);
    if (!a || !b) {
        free(a);
        free(b);
        return MC_ENOMEM;
    }
    const char *dir = o->out_dir ? o->out_dir : dirname(a);
    char stem[1024];
    snprintf(stem, sizeof stem, "%s", basename(b));
    size_t len = strlen(stem);
    if (len > 3 && strcmp(stem + len - 3, ".h5") == 0)
        stem[len - 3] = '\0';
    snprintf(s->features_h5, sizeof s->features_h5, "%s/%s.features.h5", dir, stem);
    snprintf(s->features_csv, sizeof s->features_csv, "%s/%s.features.csv", dir, stem);
    snprintf(s->protocols_csv, sizeof s->protocols_csv, "%s/%s.protocols.csv", dir, stem);
    free(a);
    free(b);
    const char *check[] = {s->features_h5, o->csv ? s->features_csv : NULL,
                           o->csv ? s->protocols_csv : NULL};
    struct stat sb;
    for (size_t k = 0; k < 3; k++)
        if (check[k] && stat(check[k], &sb) == 0)
            return mc_diag_set(d, MC_EEXIST, -1, -1,
                               "%s: exists (mcirc never overwrites a file; "
                               "remove it or choose another -o)",
                               check[k]);
    return MC_OK;
}

mc_status mc_analysis_run_file(const char *input, const mc_analysis_config *c,
                               const mc_analysis_options *o, mc_diag *d,
                               mc_analysis_summary *summary)
{
    mc_analysis_summary s;
    memset(&s, 0, sizeof s);
    mc_h5_reader *r = NULL;
    mc_series_set set;
    mc_protocol_table table;
    mc_series_set_init(&set);
    mc_protocol_table_init(&table);
    mc_status st = output_paths(input, o, &s, d);
    if (st == MC_OK)
        st = mc_h5_reader_open(input, d, &r);
    for (size_t i = 0; st == MC_OK && i < mc_h5_reader_get_n_streams(r); i++) {
        const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
        mc_analyser *a = NULL;
        mc_diag ad;
        mc_diag_clear(&ad);
        mc_status ast = mc_analysis_create_analyser(info, c, &ad, &a);
        if (ast == MC_ENOTFOUND) {
            s.streams_skipped++;
            continue;
        }
        if (ast != MC_OK) {
            st = mc_diag_set(d, ast, -1, -1, "%s: stream '%s': %s", input, info->name,
                             ad.message[0] ? ad.message : mc_strerror(ast));
            break;
        }
        st = analyse_stream(r, i, a, &set, o->progress);
        mc_analyser_destroy(a);
        if (st == MC_OK)
            st = run_protocols(r, i, c, &set, &table);
        if (st != MC_OK)
            mc_diag_set(d, st, -1, -1, "%s: stream '%s': analysis failed: %s", input, info->name,
                        mc_strerror(st));
        s.streams_analysed++;
    }
    if (st == MC_OK)
        st = mc_analysis_write_h5(s.features_h5, mc_h5_reader_get_session(r), input, &set, d);
    if (st == MC_OK && o->csv)
        st = mc_analysis_write_csv(s.features_csv, s.protocols_csv, &set, &table, d);
    s.series = set.n;
    for (size_t k = 0; k < set.n; k++)
        s.values += (int64_t)set.series[k].n;
    s.protocol_runs = table.n;
    mc_series_set_free(&set);
    mc_protocol_table_free(&table);
    mc_h5_reader_destroy(r);
    if (summary)
        *summary = s;
    return st;
}
