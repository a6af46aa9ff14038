/* SPDX-License-Identifier: MIT */
/* tools/analysis_output.c: feature series and protocol runs, and the files `analyze` writes. */
#include "tools/analysis_output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/h5_writer.h"

void mc_series_set_init(mc_series_set *s)
{
    memset(s, 0, sizeof *s);
}

mc_status mc_series_set_add(mc_series_set *s, const char *stream, const mc_feature_def *def,
                            const char *parameters, const char *protocol_params)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        mc_series *p = realloc(s->series, cap * sizeof *p);
        if (!p)
            return MC_ENOMEM;
        s->series = p;
        s->cap = cap;
    }
    mc_series *x = &s->series[s->n];
    memset(x, 0, sizeof *x);
    snprintf(x->stream, sizeof x->stream, "%s", stream);
    snprintf(x->name, sizeof x->name, "%s", def->name);
    snprintf(x->unit, sizeof x->unit, "%s", def->unit ? def->unit : "");
    snprintf(x->algorithm, sizeof x->algorithm, "%s", def->algorithm ? def->algorithm : "");
    snprintf(x->parameters, sizeof x->parameters, "%s",
             protocol_params ? protocol_params
             : parameters    ? parameters
                             : "");
    x->from_protocol = protocol_params != NULL;
    s->n++;
    return MC_OK;
}

mc_series *mc_series_set_find(const mc_series_set *s, const char *stream, const char *name)
{
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->series[k].stream, stream) == 0 && strcmp(s->series[k].name, name) == 0)
            return &s->series[k];
    return NULL;
}

mc_status mc_series_append(mc_series *s, int64_t t_ns, float value, uint8_t status)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *t = realloc(s->t_ns, cap * sizeof *t);
        if (t)
            s->t_ns = t;
        float *v = realloc(s->value, cap * sizeof *v);
        if (v)
            s->value = v;
        uint8_t *q = realloc(s->status, cap);
        if (q)
            s->status = q;
        if (!t || !v || !q)
            return MC_ENOMEM;
        s->cap = cap;
    }
    s->t_ns[s->n] = t_ns;
    s->value[s->n] = status == MC_FS_OK ? value : (float)NAN;
    s->status[s->n] = status;
    s->n++;
    return MC_OK;
}

void mc_series_set_free(mc_series_set *s)
{
    for (size_t k = 0; k < s->n; k++) {
        free(s->series[k].t_ns);
        free(s->series[k].value);
        free(s->series[k].status);
    }
    free(s->series);
    mc_series_set_init(s);
}

void mc_protocol_table_init(mc_protocol_table *t)
{
    memset(t, 0, sizeof *t);
}

mc_status mc_protocol_table_add(mc_protocol_table *t, mc_series_set *set, const char *protocol,
                                const char *stream, double t_start_s, double t_end_s,
                                const mc_protocol_result *r)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        mc_protocol_run *p = realloc(t->runs, cap * sizeof *p);
        if (!p)
            return MC_ENOMEM;
        t->runs = p;
        t->cap = cap;
    }
    mc_protocol_run *run = &t->runs[t->n];
    memset(run, 0, sizeof *run);
    snprintf(run->protocol, sizeof run->protocol, "%s", protocol);
    snprintf(run->stream, sizeof run->stream, "%s", stream);
    run->run = 1;
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->runs[k].protocol, protocol) == 0 && strcmp(t->runs[k].stream, stream) == 0)
            run->run++;
    run->t_start_s = t_start_s;
    run->t_end_s = t_end_s;
    run->result = *r;
    t->n++;
    char params[64];
    snprintf(params, sizeof params, "protocol=%s; settings: [protocol] section", protocol);
    for (size_t k = 0; k < r->n; k++) {
        mc_series *s = mc_series_set_find(set, stream, r->defs[k]->name);
        if (!s) {
            mc_status st = mc_series_set_add(set, stream, r->defs[k], NULL, params);
            if (st != MC_OK)
                return st;
            s = &set->series[set->n - 1];
        }
        mc_status st =
            mc_series_append(s, llround(t_end_s * 1e9), (float)r->value[k], r->status[k]);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

void mc_protocol_table_free(mc_protocol_table *t)
{
    free(t->runs);
    mc_protocol_table_init(t);
}

/* ---- HDF5 --------------------------------------------------------------------------------- */

mc_status mc_analysis_write_h5(const char *path, const mc_session_info *session, const char *source,
                               const mc_series_set *set, mc_diag *d)
{
    mc_h5_feature_spec *specs = calloc(set->n ? set->n : 1, sizeof *specs);
    if (!specs)
        return MC_ENOMEM;
    for (size_t k = 0; k < set->n; k++)
        specs[k] =
            (mc_h5_feature_spec){set->series[k].stream, set->series[k].name, set->series[k].unit,
                                 set->series[k].algorithm, set->series[k].parameters};
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = session;
    cfg.allow_id = 1; /* the subject was checked when the recording was made */
    cfg.n_features = set->n;
    cfg.features = specs;
    cfg.swmr = 0;
    cfg.derived_from = source;
    mc_h5_writer *w = NULL;
    mc_status st = mc_h5_writer_create(&cfg, d, &w);
    free(specs);
    for (size_t k = 0; st == MC_OK && k < set->n; k++) {
        const mc_series *s = &set->series[k];
        st = mc_h5_writer_write_feature(w, k, s->n, s->t_ns, s->value, s->status);
        if (st != MC_OK)
            mc_diag_set(d, st, -1, -1, "%s: cannot write %s/%s", path, s->stream, s->name);
    }
    if (st == MC_OK)
        st = mc_h5_writer_finish(w, d);
    mc_h5_writer_destroy(w);
    return st;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static FILE *create_exclusive(const char *path, mc_diag *d, mc_status *st)
{
    /* "x": fail if the file exists (C11), so an existing file is never replaced. */
    FILE *f = fopen(path, "wx");
    if (!f)
        *st = mc_diag_set(d, errno == EEXIST ? MC_EEXIST : MC_EIO, -1, -1, "%s: %s", path,
                          errno == EEXIST ? "exists (mcirc never overwrites a file)"
                                          : strerror(errno));
    return f;
}

static void put_value(FILE *f, double v, uint8_t status)
{
    if (status == MC_FS_OK && isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("NaN", f);
}

/* Series of one analyser share their times: rows are written hop by hop, feature by feature. */
static void write_features(FILE *f, const mc_series_set *set)
{
    fputs("t_s,stream,feature,value,unit,status\n", f);
    size_t k = 0;
    while (k < set->n) {
        size_t end = k + 1;
        while (end < set->n && !set->series[k].from_protocol && !set->series[end].from_protocol &&
               strcmp(set->series[end].stream, set->series[k].stream) == 0 &&
               set->series[end].n == set->series[k].n)
            end++;
        if (set->series[k].from_protocol) {
            k = end;
            continue;
        }
        for (size_t j = 0; j < set->series[k].n; j++)
            for (size_t m = k; m < end; m++) {
                const mc_series *s = &set->series[m];
                fprintf(f, "%.3f,%s,%s,", (double)s->t_ns[j] / 1e9, s->stream, s->name);
                put_value(f, (double)s->value[j], s->status[j]);
                fprintf(f, ",%s,%s\n", s->unit, mc_feature_status_name(s->status[j]));
            }
        k = end;
    }
}

/* One row per run; the columns are every value name that occurs, in order of appearance. */
static void write_protocols(FILE *f, const mc_protocol_table *t)
{
    const char *names[256];
    size_t n_names = 0;
    for (size_t r = 0; r < t->n; r++)
        for (size_t k = 0; k < t->runs[r].result.n; k++) {
            const char *name = t->runs[r].result.defs[k]->name;
            size_t j = 0;
            while (j < n_names && strcmp(names[j], name) != 0)
                j++;
            if (j == n_names && n_names < 256)
                names[n_names++] = name;
        }
    fputs("protocol,stream,run,t_start_s,t_end_s", f);
    for (size_t j = 0; j < n_names; j++)
        fprintf(f, ",%s", names[j]);
    fputs(",status\n", f);
    for (size_t r = 0; r < t->n; r++) {
        const mc_protocol_run *run = &t->runs[r];
        fprintf(f, "%s,%s,%d,%.3f,%.3f", run->protocol, run->stream, run->run, run->t_start_s,
                run->t_end_s);
        for (size_t j = 0; j < n_names; j++) {
            fputc(',', f);
            for (size_t k = 0; k < run->result.n; k++)
                if (strcmp(run->result.defs[k]->name, names[j]) == 0)
                    put_value(f, run->result.value[k], run->result.status[k]);
        }
        /* Why a value is missing, beside it: "name:status;..." for every value not OK. */
        fputc(',', f);
        int first = 1;
        for (size_t k = 0; k < run->result.n; k++)
            if (run->result.status[k] != MC_FS_OK) {
                fprintf(f, "%s%s:%s", first ? "" : ";", run->result.defs[k]->name,
                        mc_feature_status_name(run->result.status[k]));
                first = 0;
            }
        fputc('\n', f);
    }
}

mc_status mc_analysis_write_csv(const char *features_csv, const char *protocols_csv,
                                const mc_series_set *set, const mc_protocol_table *t, mc_diag *d)
{
    mc_status st = MC_OK;
    FILE *f = create_exclusive(features_csv, d, &st);
    if (!f)
        return st;
    write_features(f, set);
    if (fclose(f) != 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: %s", features_csv, strerror(errno));
    f = create_exclusive(protocols_csv, d, &st);
    if (!f)
        return st;
    write_protocols(f, t);
    if (fclose(f) != 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: %s", protocols_csv, strerror(errno));
    return MC_OK;
}
