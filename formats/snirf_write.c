/* SPDX-License-Identifier: MIT */
/* formats/snirf_write.c: an mc_import written as a SNIRF 1.0 file that MNE-Python's
 * read_raw_snirf reads (formats/snirf.h, mc_snirf_write): NIRS channels in /nirs/data1 (and
 * data2), everything else as /nirs/aux<k>, events as stim groups. */
#define _DEFAULT_SOURCE
#include "formats/snirf.h"

#include <hdf5.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/internal.h"
#include "formats/output.h"

enum { KIND_CW = 0, KIND_HB = 1, KIND_AUX = 2, MAX_WL = 16, MAX_OPTODE = 65535 };

/* One channel of one stream, and where it goes. */
typedef struct wchan {
    size_t stream, channel;
    int kind;
    double wl;                   /* nm, CW and dOD */
    char label[MC_NAME_MAX + 1]; /* HbO, HbR, dOD; StO2, HbT... for `other` */
    int other;                   /* a NIRS quantity MNE does not read (StO2, HbT...) */
    long src, det;               /* optode indices */
    int64_t offset;              /* data channels: first row of the stream on the common grid */
} wchan;

typedef struct writer {
    const mc_import *rec;
    mc_diag *d;
    const char *path;
    wchan *ch;
    size_t n_ch;
    double rate_hz;
    int64_t t0_ns;   /* session time of row 0 of the data blocks */
    int64_t frac_ns; /* sub-second part of the start, added to every time */
    int64_t n_rows;  /* rows of the data blocks */
    double wl[MAX_WL];
    size_t n_wl;
    long n_src, n_det;
} writer;

/* ---- small HDF5 writers (return 0 or -1) ---------------------------------------------------- */

static hid_t vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        t = -1;
    }
    return t;
}

/* A dataset of n strings (n = 0: a scalar string). */
static int put_strs(hid_t loc, const char *name, const char *const *v, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t t = vlen_str_type();
    hid_t sp = n ? H5Screate_simple(1, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t ds = t >= 0 && sp >= 0
                   ? H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                   : -1;
    int rc = ds >= 0 && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static int put_str(hid_t loc, const char *name, const char *value)
{
    return put_strs(loc, name, &value, 0);
}

static int put_i32(hid_t loc, const char *name, long value)
{
    int32_t v = (int32_t)value;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t ds = sp >= 0
                   ? H5Dcreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                   : -1;
    int rc =
        ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

static int put_f64(hid_t loc, const char *name, int rank, const hsize_t *dims, const double *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds =
        sp >= 0 ? H5Dcreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                : -1;
    int rc =
        ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

/* A chunked, compressed float64 dataset [rows, cols] (cols 0: a vector) filled by `fill`
 * block by block, so that memory stays one chunk whatever the recording's length. */
typedef void (*fill_fn)(const writer *w, const void *arg, int64_t r0, size_t n, double *out);

static int put_blocks(const writer *w, hid_t loc, const char *name, int64_t rows, size_t cols,
                      fill_fn fill, const void *arg)
{
    const size_t width = cols ? cols : 1;
    size_t block = width < 131072 ? 131072 / width : 1;
    if ((int64_t)block > rows)
        block = (size_t)rows;
    hsize_t dims[2] = {(hsize_t)rows, width}, chunk[2] = {block, width};
    const int rank = cols ? 2 : 1;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rc = -1;
    if (sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, 4) < 0)
        goto done;
    hid_t ds = H5Dcreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    double *buf = malloc(block * width * sizeof *buf);
    rc = ds >= 0 && buf ? 0 : -1;
    for (int64_t r = 0; rc == 0 && r < rows; r += (int64_t)block) {
        const size_t n = rows - r < (int64_t)block ? (size_t)(rows - r) : block;
        fill(w, arg, r, n, buf);
        hsize_t start[2] = {(hsize_t)r, 0}, count[2] = {n, width};
        hid_t ms = H5Screate_simple(rank, count, NULL);
        if (ms < 0 || H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, buf) < 0)
            rc = -1;
        if (ms >= 0)
            H5Sclose(ms);
    }
    free(buf);
    if (ds >= 0)
        H5Dclose(ds);
done:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

/* ---- choosing where each channel goes -------------------------------------------------------- */

static int contains_ci(const char *s, const char *w)
{
    const size_t n = strlen(w);
    for (; s && *s; s++)
        if (strncasecmp(s, w, n) == 0)
            return 1;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    if (!s || !*s)
        return -1;
    long x = strtol(s, &end, 10);
    if (*end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

static void classify(const mc_stream_info *info, size_t c, wchan *out)
{
    const char *cname = info->channels[c].name;
    const int single = info->n_channels == 1;
    const char *type = single ? mc_stream_info_get_attr(info, "data_type") : NULL;
    const char *label = single ? mc_stream_info_get_attr(info, "data_type_label") : NULL;
    const char *wl = single ? mc_stream_info_get_attr(info, "wavelength_nm") : NULL;
    char *end = NULL;
    double nm = wl ? strtod(wl, &end) : 0;
    const int has_wl = wl && end && !*end && nm > 0 && nm < 1e6;
    out->kind = KIND_AUX;
    out->wl = has_wl ? nm : 0;
    if (info->modality != MC_MODALITY_NIRS)
        return;
    if (type && strcmp(type, "1") == 0) {
        if (has_wl)
            out->kind = KIND_CW;
        return;
    }
    const char *l = NULL;
    if (label)
        l = strcasecmp(label, "HbO") == 0   ? "HbO"
            : strcasecmp(label, "HbR") == 0 ? "HbR"
            : strcasecmp(label, "dOD") == 0 ? "dOD"
                                            : NULL;
    else if (contains_ci(cname, "hbo") || contains_ci(cname, "o2hb"))
        l = "HbO";
    else if (contains_ci(cname, "hbr") || contains_ci(cname, "hhb"))
        l = "HbR";
    else if (single && (contains_ci(info->name, "hbo") || contains_ci(info->name, "o2hb")))
        l = "HbO";
    else if (single && (contains_ci(info->name, "hbr") || contains_ci(info->name, "hhb")))
        l = "HbR";
    if (!l || (strcmp(l, "dOD") == 0 && !has_wl)) {
        /* StO2 is not a SNIRF dataTypeLabel and MNE reads only CW amplitude, HbO/HbR and dOD:
         * such channels go to aux, unless nothing else can fill data1 (see plan). */
        const char *o =
            label ? label
            : contains_ci(cname, "sto2") || contains_ci(cname, "smo2") || contains_ci(cname, "tsi")
                ? "StO2"
            : contains_ci(cname, "thb") ? "HbT"
                                        : cname;
        out->other = 1;
        snprintf(out->label, sizeof out->label, "%s", o);
        return;
    }
    out->kind = KIND_HB;
    snprintf(out->label, sizeof out->label, "%s", l);
}

/* A stream name without its chromophore token (lower case): the key that pairs streams. */
static void pair_key(const char *name, char key[MC_NAME_MAX + 1])
{
    static const char *const tokens[] = {"o2hb", "hbo", "hbr", "hhb"};
    size_t n = 0;
    for (; name[n] && n < MC_NAME_MAX; n++)
        key[n] = (char)tolower((unsigned char)name[n]);
    key[n] = '\0';
    for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
        char *p = strstr(key, tokens[t]);
        if (p) {
            memmove(p, p + strlen(tokens[t]), strlen(p + strlen(tokens[t])) + 1);
            return;
        }
    }
}

/* Every channel classified; data channels checked (regular, one rate, one grid). */
static mc_status plan(writer *w)
{
    const mc_import *rec = w->rec;
    size_t total = 0;
    for (size_t s = 0; s < rec->n_streams; s++)
        total += rec->streams[s].info->n_channels;
    w->ch = calloc(total ? total : 1, sizeof *w->ch);
    if (!w->ch)
        return mc_diag_set(w->d, MC_ENOMEM, -1, -1, "%s: out of memory", w->path);
    size_t n_data = 0;
    for (size_t s = 0; s < rec->n_streams; s++) {
        const mc_stream_info *info = rec->streams[s].info;
        long src = 0, det = 0;
        if (parse_long(mc_stream_info_get_attr(info, "source_index"), 1, MAX_OPTODE, &src) ||
            parse_long(mc_stream_info_get_attr(info, "detector_index"), 1, MAX_OPTODE, &det))
            src = det = 0;
        for (size_t c = 0; c < info->n_channels; c++) {
            wchan *ch = &w->ch[w->n_ch++];
            ch->stream = s;
            ch->channel = c;
            ch->src = src;
            ch->det = det;
            classify(info, c, ch);
            n_data += ch->kind != KIND_AUX;
        }
    }
    /* Only StO2-like NIRS channels: the regular ones at the rate of the first fill data1 as
     * processed data with their own label (valid SNIRF structure, a label outside the spec's
     * list; MNE cannot read it); the others stay aux. */
    double other_rate = 0;
    for (size_t k = 0; k < w->n_ch && n_data == 0; k++) {
        const double r = rec->streams[w->ch[k].stream].info->rate_hz;
        if (!w->ch[k].other || r <= 0)
            continue;
        if (other_rate == 0)
            other_rate = r;
        if (fabs(r - other_rate) <= 1e-9 * other_rate)
            w->ch[k].kind = KIND_HB;
    }
    const mc_import_stream *first = NULL;
    int ids_ok = 1;
    for (size_t k = 0; k < w->n_ch; k++) {
        const wchan *ch = &w->ch[k];
        const mc_import_stream *st = &rec->streams[ch->stream];
        const mc_stream_info *info = st->info;
        if (ch->kind == KIND_AUX)
            continue;
        if (info->rate_hz <= 0)
            return mc_diag_set(w->d, MC_EINVAL, -1, -1,
                               "%s: NIRS stream %s is irregular; a SNIRF data block needs one "
                               "regular time base (pick streams with --streams)",
                               w->path, info->name);
        if (!first) {
            first = st;
            w->rate_hz = info->rate_hz;
            w->t0_ns = st->start_ns;
        } else if (fabs(info->rate_hz - w->rate_hz) > 1e-9 * w->rate_hz) {
            return mc_diag_set(w->d, MC_EINVAL, -1, -1,
                               "%s: NIRS stream %s runs at %.9g Hz and %s at %.9g Hz; a SNIRF "
                               "file holds one rate (pick streams with --streams)",
                               w->path, info->name, info->rate_hz, first->info->name, w->rate_hz);
        }
        if (st->start_ns < w->t0_ns)
            w->t0_ns = st->start_ns;
        ids_ok &= ch->src > 0;
    }
    if (!first)
        return mc_diag_set(w->d, MC_EINVAL, -1, -1,
                           "%s: no NIRS stream to put in /nirs/data1 (a SNIRF file needs one)",
                           w->path);
    /* Optodes: the files' own indices when every data channel has them, else one pair per
     * stream, where streams whose names differ only by hbo/hbr share one (thenar_hbo and
     * thenar_hbr: MNE wants both chromophores of a pair). */
    if (!ids_ok)
        for (size_t k = 0; k < w->n_ch; k++) {
            wchan *ch = &w->ch[k];
            if (ch->kind == KIND_AUX)
                continue;
            char key[MC_NAME_MAX + 1];
            pair_key(rec->streams[ch->stream].info->name, key);
            ch->src = 0;
            for (size_t j = 0; j < k && !ch->src; j++) {
                char other[MC_NAME_MAX + 1];
                if (w->ch[j].kind == KIND_AUX)
                    continue;
                pair_key(rec->streams[w->ch[j].stream].info->name, other);
                if (strcmp(key, other) == 0)
                    ch->src = w->ch[j].src;
            }
            if (!ch->src)
                ch->src = ++w->n_src;
            ch->det = ch->src;
        }
    for (size_t k = 0; k < w->n_ch; k++) {
        wchan *ch = &w->ch[k];
        if (ch->kind == KIND_AUX)
            continue;
        if (ch->src > w->n_src)
            w->n_src = ch->src;
        if (ch->det > w->n_det)
            w->n_det = ch->det;
        /* The common grid. */
        const mc_import_stream *st = &rec->streams[ch->stream];
        const double off = (double)(st->start_ns - w->t0_ns) * w->rate_hz * 1e-9;
        if (fabs(off - nearbyint(off)) > 1e-3)
            return mc_diag_set(w->d, MC_EINVAL, -1, -1,
                               "%s: NIRS stream %s does not start on the sample grid of %s "
                               "(%.3f samples apart); pick streams with --streams",
                               w->path, st->info->name, first->info->name, off);
        ch->offset = (int64_t)nearbyint(off);
        if (ch->offset + st->n_frames > w->n_rows)
            w->n_rows = ch->offset + st->n_frames;
        /* Wavelengths. */
        if (ch->wl > 0) {
            size_t i = 0;
            while (i < w->n_wl && w->wl[i] != ch->wl)
                i++;
            if (i == w->n_wl && w->n_wl < MAX_WL)
                w->wl[w->n_wl++] = ch->wl;
            if (i == MAX_WL)
                ch->kind = KIND_AUX;
        }
    }
    if (w->n_rows == 0)
        return mc_diag_set(w->d, MC_EINVAL, -1, -1, "%s: the NIRS streams hold no samples",
                           w->path);
    if (w->n_wl == 0) { /* processed data only: the probe's wavelengths, or placeholders */
        const char *t = mc_stream_info_get_attr(first->info, "probe_wavelengths_nm");
        char *end;
        for (const char *p = t; p && *p && w->n_wl < MAX_WL; p = end) {
            double v = strtod(p, &end);
            if (end == p || !(v > 0 && v < 1e6))
                break;
            w->wl[w->n_wl++] = v;
        }
        if (w->n_wl == 0) {
            w->wl[0] = 760;
            w->wl[1] = 850;
            w->n_wl = 2;
        }
    }
    return MC_OK;
}

/* ---- filling blocks -------------------------------------------------------------------------- */

typedef struct block_arg {
    const size_t *cols; /* indices into w->ch */
    size_t n_cols;
} block_arg;

static void fill_data(const writer *w, const void *arg, int64_t r0, size_t n, double *out)
{
    const block_arg *a = arg;
    for (size_t j = 0; j < a->n_cols; j++) {
        const wchan *ch = &w->ch[a->cols[j]];
        const mc_import_stream *st = &w->rec->streams[ch->stream];
        const size_t nc = st->info->n_channels;
        for (size_t i = 0; i < n; i++) {
            const int64_t k = r0 + (int64_t)i - ch->offset;
            out[i * a->n_cols + j] = k >= 0 && k < st->n_frames
                                         ? (double)st->data[(size_t)k * nc + ch->channel]
                                         : (double)NAN;
        }
    }
}

static void fill_time(const writer *w, const void *arg, int64_t r0, size_t n, double *out)
{
    (void)arg;
    const double t0 = (double)(w->frac_ns + w->t0_ns) * 1e-9;
    for (size_t i = 0; i < n; i++)
        out[i] = t0 + (double)(r0 + (int64_t)i) / w->rate_hz;
}

static void fill_aux(const writer *w, const void *arg, int64_t r0, size_t n, double *out)
{
    const wchan *ch = arg;
    const mc_import_stream *st = &w->rec->streams[ch->stream];
    for (size_t i = 0; i < n; i++)
        out[i] = (double)st->data[(size_t)(r0 + (int64_t)i) * st->info->n_channels + ch->channel];
}

static void fill_aux_time(const writer *w, const void *arg, int64_t r0, size_t n, double *out)
{
    const wchan *ch = arg;
    const mc_import_stream *st = &w->rec->streams[ch->stream];
    for (size_t i = 0; i < n; i++) {
        const int64_t k = r0 + (int64_t)i;
        out[i] = st->t_ns
                     ? (double)(w->frac_ns + st->t_ns[k]) * 1e-9
                     : (double)(w->frac_ns + st->start_ns) * 1e-9 + (double)k / st->info->rate_hz;
    }
}

/* ---- groups ---------------------------------------------------------------------------------- */

static int wl_index(const writer *w, double wl)
{
    for (size_t i = 0; i < w->n_wl; i++)
        if (w->wl[i] == wl)
            return (int)i + 1;
    return 0;
}

static int put_data_block(const writer *w, hid_t nirs, const char *name, int kind)
{
    size_t n_cols = 0;
    size_t *cols = calloc(w->n_ch ? w->n_ch : 1, sizeof *cols);
    if (!cols)
        return -1;
    for (size_t k = 0; k < w->n_ch; k++)
        if (w->ch[k].kind == kind)
            cols[n_cols++] = k;
    int rc = 0;
    if (n_cols == 0)
        goto done;
    hid_t g = H5Gcreate2(nirs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    block_arg a = {cols, n_cols};
    rc = g >= 0 ? 0 : -1;
    if (rc == 0)
        rc = put_blocks(w, g, "dataTimeSeries", w->n_rows, n_cols, fill_data, &a);
    if (rc == 0)
        rc = put_blocks(w, g, "time", w->n_rows, 0, fill_time, NULL);
    for (size_t j = 0; j < n_cols && rc == 0; j++) {
        const wchan *ch = &w->ch[cols[j]];
        char mname[48];
        snprintf(mname, sizeof mname, "measurementList%zu", j + 1);
        hid_t m = H5Gcreate2(g, mname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const mc_channel_info *ci = &w->rec->streams[ch->stream].info->channels[ch->channel];
        rc = m >= 0 ? 0 : -1;
        rc |= rc ? 0 : put_i32(m, "sourceIndex", ch->src);
        rc |= rc ? 0 : put_i32(m, "detectorIndex", ch->det);
        rc |= rc ? 0 : put_i32(m, "wavelengthIndex", ch->wl > 0 ? wl_index(w, ch->wl) : 1);
        rc |= rc ? 0 : put_i32(m, "dataType", kind == KIND_CW ? 1 : 99999);
        rc |= rc ? 0 : put_i32(m, "dataTypeIndex", 1);
        if (kind == KIND_HB)
            rc |= rc ? 0 : put_str(m, "dataTypeLabel", ch->label);
        if (ci->unit && ci->unit[0] && strcmp(ci->unit, "a.u.") != 0)
            rc |= rc ? 0 : put_str(m, "dataUnit", ci->unit); /* SNIRF 1.1 field */
        if (m >= 0)
            H5Gclose(m);
    }
    if (g >= 0)
        H5Gclose(g);
done:
    free(cols);
    return rc;
}

static int put_probe(const writer *w, hid_t nirs)
{
    hid_t g = H5Gcreate2(nirs, "probe", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    hsize_t dw[1] = {w->n_wl};
    int rc = put_f64(g, "wavelengths", 1, dw, w->wl);
    /* Placeholder positions (mcirc does not know where optodes sit): sources on a 30 mm line,
     * detectors 30 mm beside them, z = 0. */
    const long counts[2] = {w->n_src, w->n_det};
    const char *names[2][3] = {{"sourcePos2D", "sourcePos3D", "sourceLabels"},
                               {"detectorPos2D", "detectorPos3D", "detectorLabels"}};
    for (int kind = 0; kind < 2 && rc == 0; kind++) {
        const size_t n = (size_t)counts[kind];
        double *p2 = calloc(n * 2, sizeof *p2), *p3 = calloc(n * 3, sizeof *p3);
        char *text = calloc(n, 16);
        const char **labels = calloc(n, sizeof *labels);
        rc = p2 && p3 && text && labels ? 0 : -1;
        for (size_t i = 0; i < n && rc == 0; i++) {
            p2[2 * i] = p3[3 * i] = 30.0 * (double)i;
            p2[2 * i + 1] = p3[3 * i + 1] = kind ? 30.0 : 0.0;
            if (snprintf(text + 16 * i, 16, "%c%zu", kind ? 'D' : 'S', i + 1) >= 16)
                rc = -1;
            labels[i] = text + 16 * i;
        }
        hsize_t d2[2] = {n, 2}, d3[2] = {n, 3};
        rc |= rc ? 0 : put_f64(g, names[kind][0], 2, d2, p2);
        rc |= rc ? 0 : put_f64(g, names[kind][1], 2, d3, p3);
        rc |= rc ? 0 : put_strs(g, names[kind][2], labels, n);
        free(p2);
        free(p3);
        free(text);
        free(labels);
    }
    H5Gclose(g);
    return rc;
}

static int put_aux(const writer *w, hid_t nirs)
{
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < w->n_ch && rc == 0; i++) {
        const wchan *ch = &w->ch[i];
        const mc_import_stream *st = &w->rec->streams[ch->stream];
        if (ch->kind != KIND_AUX || st->n_frames == 0)
            continue;
        char gname[32], name[2 * MC_NAME_MAX + 2];
        snprintf(gname, sizeof gname, "aux%zu", ++k);
        if (st->info->n_channels > 1)
            snprintf(name, sizeof name, "%s_%s", st->info->name,
                     st->info->channels[ch->channel].name);
        else
            snprintf(name, sizeof name, "%s", st->info->name);
        hid_t g = H5Gcreate2(nirs, gname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const char *unit = st->info->channels[ch->channel].unit;
        hsize_t one[1] = {1};
        const double zero = 0;
        rc = g >= 0 ? 0 : -1;
        rc |= rc ? 0 : put_str(g, "name", name);
        rc |= rc ? 0 : put_blocks(w, g, "dataTimeSeries", st->n_frames, 1, fill_aux, ch);
        rc |= rc ? 0 : put_blocks(w, g, "time", st->n_frames, 0, fill_aux_time, ch);
        rc |= rc ? 0 : put_f64(g, "timeOffset", 1, one, &zero);
        if (unit && unit[0] && strcmp(unit, "a.u.") != 0)
            rc |= rc ? 0 : put_str(g, "dataUnit", unit);
        if (g >= 0)
            H5Gclose(g);
    }
    return rc;
}

/* The stim name and duration of an event: kind "stim" events carry "<name> (duration D s)". */
static void stim_of(const mc_event *e, char *name, size_t cap, double *dur)
{
    *dur = 0;
    if (strcmp(e->kind, "stim") != 0) {
        snprintf(name, cap, "%s%s%.*s", e->kind, e->text[0] ? ": " : "", 180, e->text);
        return;
    }
    snprintf(name, cap, "%s", e->text);
    char *p = strstr(name, " (duration ");
    char *end;
    if (p) {
        double v = strtod(p + 11, &end);
        if (end != p + 11 && strcmp(end, " s)") == 0 && isfinite(v)) {
            *dur = v;
            *p = '\0';
        }
    }
}

static int put_stims(const writer *w, hid_t nirs)
{
    const size_t n = w->rec->n_events;
    int rc = 0;
    char *done = calloc(n ? n : 1, 1);
    double *rows = calloc(n ? 3 * n : 1, sizeof *rows);
    if (!done || !rows)
        rc = -1;
    size_t k = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (done[i])
            continue;
        char name[MC_EVENT_TEXT_LEN + MC_EVENT_KIND_LEN], other[sizeof name];
        double dur;
        stim_of(&w->rec->events[i], name, sizeof name, &dur);
        size_t m = 0;
        for (size_t j = i; j < n; j++) {
            const mc_event *e = &w->rec->events[j];
            stim_of(e, other, sizeof other, &dur);
            if (done[j] || strcmp(name, other) != 0)
                continue;
            done[j] = 1;
            rows[3 * m] = (double)(w->frac_ns + e->t_ns) * 1e-9;
            rows[3 * m + 1] = dur;
            rows[3 * m + 2] = isnan(e->value) ? 1.0 : e->value;
            m++;
        }
        char gname[32];
        snprintf(gname, sizeof gname, "stim%zu", ++k);
        hid_t g = H5Gcreate2(nirs, gname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t dims[2] = {m, 3};
        rc = g >= 0 ? 0 : -1;
        rc |= rc ? 0 : put_str(g, "name", name);
        rc |= rc ? 0 : put_f64(g, "data", 2, dims, rows);
        if (g >= 0)
            H5Gclose(g);
    }
    free(done);
    free(rows);
    return rc;
}

static int put_meta(const writer *w, hid_t nirs)
{
    hid_t g = H5Gcreate2(nirs, "metaDataTags", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    char date[32] = "unknown", tm[32] = "unknown";
    if (w->rec->start_unix_ns != MC_IMPORT_NO_TIME) {
        const int64_t s = (w->rec->start_unix_ns - w->frac_ns) / 1000000000;
        int64_t days = s / 86400, sod = s % 86400;
        /* civil_from_days (H. Hinnant) */
        days += 719468;
        const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
        const int64_t doe = days - era * 146097;
        const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const int64_t mp = (5 * doy + 2) / 153;
        const int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        const int64_t y = yoe + era * 400 + (m <= 2);
        snprintf(date, sizeof date, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
        snprintf(tm, sizeof tm, "%02d:%02d:%02dZ", (int)(sod / 3600), (int)(sod / 60 % 60),
                 (int)(sod % 60));
    }
    /* SubjectID is required by SNIRF: a neutral placeholder, never an identifier. */
    int rc = put_str(g, "SubjectID", "anonymous");
    rc |= rc ? 0 : put_str(g, "MeasurementDate", date);
    rc |= rc ? 0 : put_str(g, "MeasurementTime", tm);
    rc |= rc ? 0 : put_str(g, "LengthUnit", "mm");
    rc |= rc ? 0 : put_str(g, "TimeUnit", "s");
    rc |= rc ? 0 : put_str(g, "FrequencyUnit", "Hz");
    H5Gclose(g);
    return rc;
}

mc_status mc_snirf_write(const mc_import *rec, const char *path, mc_diag *d)
{
    mc__h5_quiet();
    writer w;
    memset(&w, 0, sizeof w);
    w.rec = rec;
    w.d = d;
    w.path = path;
    if (rec->start_unix_ns != MC_IMPORT_NO_TIME) {
        w.frac_ns = rec->start_unix_ns % 1000000000;
        if (w.frac_ns < 0)
            w.frac_ns += 1000000000;
    }
    mc_status st = plan(&w);
    if (st != MC_OK) {
        free(w.ch);
        return st;
    }
    mc_output o;
    if ((st = mc_output_begin(&o, path, d)) != MC_OK) {
        free(w.ch);
        return st;
    }
    hid_t f = H5Fcreate(o.tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t nirs = f >= 0 ? H5Gcreate2(f, "nirs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int first_kind = KIND_CW;
    for (size_t k = 0; k < w.n_ch; k++)
        if (w.ch[k].kind != KIND_AUX) {
            first_kind = w.ch[k].kind;
            break;
        }
    int rc = nirs >= 0 ? 0 : -1;
    rc |= rc ? 0 : put_str(f, "formatVersion", "1.0");
    rc |= rc ? 0 : put_meta(&w, nirs);
    rc |= rc ? 0 : put_data_block(&w, nirs, "data1", first_kind);
    rc |= rc ? 0 : put_data_block(&w, nirs, "data2", first_kind == KIND_CW ? KIND_HB : KIND_CW);
    rc |= rc ? 0 : put_probe(&w, nirs);
    rc |= rc ? 0 : put_stims(&w, nirs);
    rc |= rc ? 0 : put_aux(&w, nirs);
    if (nirs >= 0)
        H5Gclose(nirs);
    if (f >= 0 && H5Fclose(f) < 0)
        rc = -1;
    free(w.ch);
    if (rc != 0) {
        mc_output_abandon(&o);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: HDF5 error while writing", path);
    }
    return mc_output_publish(&o, d);
}
