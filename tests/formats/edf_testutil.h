/* SPDX-License-Identifier: MIT */
/* tests/formats/edf_testutil.h: what the EDF reader and writer tests share: a builder of crafted
 * EDF/BDF bytes, the shared chtypes_edf.edf import, and dumps checked by
 * tests/formats/edf_crosscheck.py (numpy over the documented header, MNE-Python). */
#ifndef MC_TESTS_FORMATS_EDF_TESTUTIL_H
#define MC_TESTS_FORMATS_EDF_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/edf.h"
#include "formats/import.h"
#include "tests/harness.h"
#include "tests/util.h"

/* ---- a small EDF builder for crafted files ---- */

typedef struct tsig {
    const char *label, *unit, *pmin, *pmax, *dmin, *dmax, *spr;
} tsig;

typedef struct tfile {
    uint8_t *b;
    size_t n, cap;
} tfile;

static inline void put_bytes(tfile *f, const void *p, size_t n)
{
    if (f->n + n > f->cap) {
        f->cap = (f->n + n) * 2 + 4096;
        f->b = realloc(f->b, f->cap);
        ASSERT_TRUE(f->b != NULL);
    }
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

/* A field of `width` bytes: text, space padded. */
static inline void put_field(tfile *f, const char *text, size_t width)
{
    char t[128];
    memset(t, ' ', sizeof t);
    memcpy(t, text, strlen(text) < width ? strlen(text) : width);
    put_bytes(f, t, width);
}

/* The header: `bdf` selects 0xFF BIOSEMI, dates "dd.mm.yy", "hh.mm.ss". */
static inline void put_header(tfile *f, int bdf, const char *recording, const char *date,
                              const char *time, const char *reserved, const char *nrec,
                              const char *dur, size_t ns, const tsig *s)
{
    if (bdf) {
        put_bytes(f,
                  "\xff"
                  "BIOSEMI",
                  8);
    } else {
        put_field(f, "0", 8);
    }
    put_field(f, "Jane Doe 1970", 80); /* a patient field that must never be copied */
    put_field(f, recording, 80);
    put_field(f, date, 8);
    put_field(f, time, 8);
    char t[32];
    snprintf(t, sizeof t, "%zu", 256 * (ns + 1));
    put_field(f, t, 8);
    put_field(f, reserved, 44);
    put_field(f, nrec, 8);
    put_field(f, dur, 8);
    snprintf(t, sizeof t, "%zu", ns);
    put_field(f, t, 4);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].label, 16);
    for (size_t i = 0; i < ns; i++)
        put_field(f, "", 80);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].unit, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].pmin, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].pmax, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].dmin, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].dmax, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, "HP:0.1Hz", 80);
    for (size_t i = 0; i < ns; i++)
        put_field(f, s[i].spr, 8);
    for (size_t i = 0; i < ns; i++)
        put_field(f, "", 32);
}

static inline void put_i16(tfile *f, int v)
{
    const uint8_t b[2] = {(uint8_t)(v & 0xFF), (uint8_t)((v >> 8) & 0xFF)};
    put_bytes(f, b, 2);
}

static inline void put_i24(tfile *f, int32_t v)
{
    const uint8_t b[3] = {(uint8_t)(v & 0xFF), (uint8_t)((v >> 8) & 0xFF),
                          (uint8_t)((v >> 16) & 0xFF)};
    put_bytes(f, b, 3);
}

/* An annotation signal of `bytes` bytes holding `tal` (NUL padded). */
static inline void put_annotations(tfile *f, const char *tal, size_t tal_len, size_t bytes)
{
    ASSERT_TRUE(tal_len <= bytes);
    put_bytes(f, tal, tal_len);
    for (size_t i = tal_len; i < bytes; i++)
        put_bytes(f, "", 1);
}

/* Read bytes into a fresh import; the caller frees it. */
static inline mc_status read_into(const tfile *f, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    return mc_edf_read(f->b, f->n, "crafted.edf", imp, d);
}

static inline const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    mc_test_fail(__FILE__, __LINE__, name);
    return NULL;
}

/* ---- dumps for the Python cross-checks ---- */

static inline void dump(const mc_import *imp, const char *path)
{
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    if (imp->start_unix_ns == MC_IMPORT_NO_TIME)
        fprintf(f, "T\tnone\n");
    else
        fprintf(f, "T\t%lld\n", (long long)imp->start_unix_ns);
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *s = &imp->streams[i];
        const char *label = mc_stream_info_get_attr(s->info, "edf_label");
        fprintf(f, "S\t%s\t%.17g\t%s\t", label ? label : s->info->name, s->info->rate_hz,
                s->info->channels[0].unit);
        for (int64_t j = 0; j < s->n_frames; j++)
            fprintf(f, j ? " %.9g" : "%.9g", (double)s->data[j]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < imp->n_events; i++)
        fprintf(f, "E\t%.9f\t%.9g\t%s\n", (double)imp->events[i].t_ns * 1e-9, imp->events[i].value,
                imp->events[i].text);
    ASSERT_EQ_INT(fclose(f), 0);
}

/* Runs tests/formats/edf_crosscheck.py; a missing Python or MNE skips the case. */
static inline void crosscheck(const char *mode, const char *edf, const char *dump_path)
{
    char script[1024], cmd[4096];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    ASSERT_TRUE(slash != NULL);
    snprintf(slash + 1, sizeof script - (size_t)(slash + 1 - script), "edf_crosscheck.py");
    FILE *f = fopen("/usr/bin/python3", "rb");
    if (!f)
        SKIP("/usr/bin/python3 is absent");
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' %s '%s' '%s'", script, mode, edf, dump_path);
    const int rc = system(cmd);
    ASSERT_TRUE(rc != -1 && WIFEXITED(rc));
    if (WEXITSTATUS(rc) == 77)
        SKIP("%s cross-check skipped (see above)", mode);
    ASSERT_EQ_INT(WEXITSTATUS(rc), 0);
}

/* ---- the shared real file ---- */

static inline void import_shared(mc_import *imp)
{
    const char *path = mc_test_shared("edf/chtypes_edf.edf");
    mc_import_init(imp);
    mc_diag d;
    mc_status st = mc_edf_import(path, imp, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

/* Does `needle` occur in any string the import holds? */
static inline int import_holds(const mc_import *imp, const char *needle)
{
    if (strstr(imp->format, needle) || strstr(imp->source, needle))
        return 1;
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_stream_info *s = imp->streams[i].info;
        if (strstr(s->name, needle))
            return 1;
        for (size_t a = 0; a < s->n_attrs; a++)
            if (strstr(s->attrs[a].value, needle))
                return 1;
    }
    for (size_t i = 0; i < imp->n_events; i++)
        if (strstr(imp->events[i].text, needle))
            return 1;
    return 0;
}

#endif
