/* SPDX-License-Identifier: MIT */
/* formats/csv_export.c: long and wide CSV (formats/csv_export.h). */
#include "formats/csv_export.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/output.h"

/* Frames converted per pass (their times are computed in one call). */
enum { CHUNK = 4096 };

/* "-12.345678901": seconds with nanosecond digits, exactly, from integer ns. */
static void put_time(FILE *f, int64_t t_ns)
{
    const uint64_t mag = t_ns < 0 ? (uint64_t)0 - (uint64_t)t_ns : (uint64_t)t_ns;
    fprintf(f, "%s%" PRIu64 ".%09" PRIu64, t_ns < 0 ? "-" : "", mag / 1000000000u,
            mag % 1000000000u);
}

static void put_value(FILE *f, float v)
{
    if (isnan(v))
        fputs("NaN", f);
    else
        fprintf(f, "%.9g", (double)v);
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

typedef void (*row_fn)(FILE *f, const mc_import_stream *s, int64_t t_ns, const float *frame);

static void long_rows(FILE *f, const mc_import_stream *s, int64_t t_ns, const float *frame)
{
    for (uint32_t c = 0; c < s->info->n_channels; c++) {
        put_time(f, t_ns);
        fputc(',', f);
        put_field(f, s->info->name);
        fputc(',', f);
        put_field(f, s->info->channels[c].name);
        fputc(',', f);
        put_value(f, frame[c]);
        fputc(',', f);
        put_field(f, s->info->channels[c].unit ? s->info->channels[c].unit : "");
        fputc('\n', f);
    }
}

static void wide_row(FILE *f, const mc_import_stream *s, int64_t t_ns, const float *frame)
{
    put_time(f, t_ns);
    for (uint32_t c = 0; c < s->info->n_channels; c++) {
        fputc(',', f);
        put_value(f, frame[c]);
    }
    fputc('\n', f);
}

/* The rows of stream k. */
static mc_status put_stream(FILE *f, const mc_import *rec, size_t k, row_fn row, mc_diag *d)
{
    const mc_import_stream *s = &rec->streams[k];
    int64_t t[CHUNK];
    for (int64_t at = 0; at < s->n_frames; at += CHUNK) {
        const size_t n = (size_t)(s->n_frames - at < CHUNK ? s->n_frames - at : CHUNK);
        mc_status st = mc_import_times(rec, k, at, n, t);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot compute times", s->info->name);
        for (size_t i = 0; i < n; i++)
            row(f, s, t[i], s->data + (size_t)(at + (int64_t)i) * s->info->n_channels);
    }
    return MC_OK;
}

/* Close the temporary file and publish it, or abandon it after an error. */
static mc_status finish(mc_output *o, FILE *f, mc_status st, mc_diag *d)
{
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        if (st == MC_OK)
            st = mc_diag_set(d, MC_EIO, -1, -1, "%s: write failed (disk full?)", o->path);
    }
    if (st != MC_OK) {
        mc_output_abandon(o);
        return st;
    }
    return mc_output_publish(o, d);
}

static mc_status open_output(mc_output *o, const char *path, FILE **f, mc_diag *d)
{
    mc_status st = mc_output_begin(o, path, d);
    if (st != MC_OK)
        return st;
    *f = fopen(o->tmp, "w");
    if (!*f) {
        mc_output_abandon(o);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot write", path);
    }
    return MC_OK;
}

mc_status mc_csv_write_long(const mc_import *rec, const char *path, mc_diag *d)
{
    mc_output o;
    FILE *f;
    mc_status st = open_output(&o, path, &f, d);
    if (st != MC_OK)
        return st;
    fputs("t_s,stream,channel,value,unit\n", f);
    for (size_t k = 0; k < rec->n_streams && st == MC_OK; k++)
        st = put_stream(f, rec, k, long_rows, d);
    return finish(&o, f, st, d);
}

mc_status mc_csv_write_wide(const mc_import *rec, const char *prefix, mc_diag *d)
{
    char path[4096];
    for (size_t k = 0; k < rec->n_streams; k++) {
        const int n = snprintf(path, sizeof path, "%s.%s.csv", prefix, rec->streams[k].info->name);
        if (n < 0 || (size_t)n >= sizeof path)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: name too long", prefix);
        if (access(path, F_OK) == 0)
            return mc_diag_set(d, MC_EEXIST, -1, -1,
                               "%s: file exists (mcirc never overwrites a file); nothing written",
                               path);
    }
    for (size_t k = 0; k < rec->n_streams; k++) {
        const mc_import_stream *s = &rec->streams[k];
        snprintf(path, sizeof path, "%s.%s.csv", prefix, s->info->name);
        mc_output o;
        FILE *f;
        mc_status st = open_output(&o, path, &f, d);
        if (st != MC_OK)
            return st;
        fputs("t_s", f);
        for (uint32_t c = 0; c < s->info->n_channels; c++) {
            char head[2 * MC_NAME_MAX + 8];
            snprintf(head, sizeof head, "%s (%s)", s->info->channels[c].name,
                     s->info->channels[c].unit ? s->info->channels[c].unit : "");
            fputc(',', f);
            put_field(f, head);
        }
        fputc('\n', f);
        st = finish(&o, f, put_stream(f, rec, k, wide_row, d), d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}
