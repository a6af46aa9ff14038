/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_h5_reader.c: structure-aware fuzz target of the session reader
 * (formats/h5_reader.h) and of mcirc recover (formats/h5_recover.h).
 *
 * Fuzzing libhdf5's binary decoder would only find bugs of libhdf5 1.10.8 that we cannot fix, so
 * the input is not a file: it is a script that builds one with the raw HDF5 API. Each decision
 * reads one byte, and a byte of 0 always means "as the layout wants" (an input of zeros builds a
 * valid one-stream session), so that mutations turn a valid session into a near-valid one: root
 * attribute mcirc_format missing or of the wrong type, /streams with 0..3 members that are
 * groups, datasets or links, datasets data/time/time_index/gaps missing or of the wrong class,
 * rank, shape or size (up to extents of 2^63 rows that hold no data), attributes missing, of the
 * wrong class, count or length, anchors in any order, odd /events and /features, long names, and
 * files left open by a writer (copied while open, with or without SWMR). When the script runs out,
 * every further byte reads as 0.
 *
 * The file is written under a mkstemp name in $TMPDIR (or /tmp), opened with mc_h5_reader_open,
 * and, when it opens, every accessor runs (the remaining bytes choose the ranges), then
 * mc_h5_recover copies it and the copy is opened again. Errors are fine; a crash, a sanitizer
 * report, a leaked HDF5 identifier or a broken invariant (abort) is a bug. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsp/event.h"
#include "formats/h5_layout.h"
#include "formats/h5_reader.h"
#include "formats/h5_recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    MAX_ROWS = 32,        /* rows of a table the script fills */
    READ_CAP = 1 << 16,   /* floats (or times) read at once by the accessor checks */
    RECOVER_FRAMES = 4096 /* recover only sessions this small: it copies every frame */
};

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_h5_reader: invariant broken: %s\n", what);
    abort();
}

/* ---- the script ---------------------------------------------------------------------------- */

typedef struct script {
    const uint8_t *p;
    size_t n, i;
} script;

static uint8_t u8(script *s)
{
    return s->i < s->n ? s->p[s->i++] : 0;
}

static uint64_t u64(script *s)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v |= (uint64_t)u8(s) << (8 * k);
    return v;
}

static double f64(script *s)
{
    uint64_t b = u64(s);
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static void raw(script *s, void *buf, size_t n)
{
    uint8_t *b = buf;
    for (size_t k = 0; k < n; k++)
        b[k] = u8(s);
}

/* A string from the script: a length byte (below `cap`) and as many bytes. */
static void text(script *s, char *buf, size_t cap)
{
    size_t n = u8(s) % cap;
    raw(s, buf, n);
    buf[n] = '\0';
}

/* ---- HDF5 helpers: every identifier is closed before returning ----------------------------- */

static void close_type(hid_t t)
{
    if (t >= 0)
        H5Tclose(t);
}

static hid_t vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* A fixed-length string: UTF-8 as mcirc writes them, or ASCII as h5py and MATLAB do. */
static hid_t fixed_str(size_t size, H5T_str_t pad, H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, size ? size : 1) < 0 || H5Tset_strpad(t, pad) < 0 ||
                   H5Tset_cset(t, cset) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Writes attribute `name` of `type` over `space` (both closed here). */
static void attr_put(hid_t obj, const char *name, hid_t type, hid_t space, const void *buf)
{
    if (type >= 0 && space >= 0) {
        hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            if (buf)
                H5Awrite(a, type, buf);
            H5Aclose(a);
        }
    }
    close_type(type);
    if (space >= 0)
        H5Sclose(space);
}

static hid_t space_1d(size_t n)
{
    hsize_t dims[1] = {n};
    return H5Screate_simple(1, dims, NULL);
}

static hid_t space_for(int array, size_t n)
{
    return array ? space_1d(n) : H5Screate(H5S_SCALAR);
}

static void put_vlen_strings(hid_t obj, const char *name, int array, const char *const *v, size_t n)
{
    attr_put(obj, name, vlen_str(), space_for(array, n), v);
}

static void put_fixed_strings(hid_t obj, const char *name, int array, const char *const *v,
                              size_t n, size_t width, H5T_str_t pad, H5T_cset_t cset)
{
    char *buf = calloc(n ? n : 1, width ? width : 1);
    if (!buf)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        memcpy(buf + i * width, v[i], len < width ? len : width);
    }
    attr_put(obj, name, fixed_str(width, pad, cset), space_for(array, n), buf);
    free(buf);
}

/* ---- attributes ---------------------------------------------------------------------------- */

typedef enum akind { A_STR, A_STR_ARR, A_F64, A_F64_ARR, A_I32, A_I64 } akind;

typedef struct attr_spec {
    const char *name;
    akind kind;
    size_t n;                /* elements of an array kind */
    const char *const *strs; /* correct strings, [n] or [1] */
    const double *nums;      /* correct numbers, [n] or [1] */
} attr_spec;

static int is_array(akind k)
{
    return k == A_STR_ARR || k == A_F64_ARR;
}

static int is_string(akind k)
{
    return k == A_STR || k == A_STR_ARR;
}

/* The correct attribute, with element count n and numbers stored as `num_type`. */
static void put_correct(hid_t obj, const attr_spec *a, size_t n, hid_t num_type, int fixed)
{
    int array = is_array(a->kind);
    if (!array)
        n = 1;
    if (is_string(a->kind)) {
        const char **v = calloc(n ? n : 1, sizeof *v);
        if (!v)
            return;
        size_t width = 1;
        for (size_t i = 0; i < n; i++) {
            v[i] = i < (array ? a->n : 1) ? a->strs[i] : "extra";
            if (strlen(v[i]) + 1 > width)
                width = strlen(v[i]) + 1;
        }
        if (fixed)
            put_fixed_strings(obj, a->name, array, v, n, width, H5T_STR_NULLPAD, H5T_CSET_ASCII);
        else
            put_vlen_strings(obj, a->name, array, v, n);
        free(v);
        return;
    }
    double *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = i < (array ? a->n : 1) ? a->nums[i] : 1.0;
    hid_t space = space_for(array, n), t = H5Tcopy(num_type);
    if (t >= 0 && space >= 0) {
        hid_t at = H5Acreate2(obj, a->name, t, space, H5P_DEFAULT, H5P_DEFAULT);
        if (at >= 0) {
            H5Awrite(at, H5T_NATIVE_DOUBLE, v);
            H5Aclose(at);
        }
    }
    close_type(t);
    if (space >= 0)
        H5Sclose(space);
    free(v);
}

/* Element count of a variant: the expected one, or one off, or zero. */
static size_t variant_count(script *s, size_t n)
{
    switch (u8(s) % 5) {
    case 0:
        return n;
    case 1:
        return n + 1;
    case 2:
        return n > 0 ? n - 1 : 0;
    case 3:
        return 0;
    default:
        return n + 3;
    }
}

/* Writes attribute `a` as the script says: correct (0), absent, or of another class, count, rank
 * or length. */
static void put_attr(script *s, hid_t obj, const attr_spec *a)
{
    uint8_t mode = u8(s) % 16;
    size_t n = is_array(a->kind) ? a->n : 1;
    int array = is_array(a->kind);
    hid_t num_type = a->kind == A_I32   ? H5T_NATIVE_INT32
                     : a->kind == A_I64 ? H5T_NATIVE_INT64
                                        : H5T_NATIVE_DOUBLE;
    switch (mode) {
    case 0:
        put_correct(obj, a, n, num_type, 0);
        break;
    case 1: /* absent */
        break;
    case 2: { /* a variable-length string from the script */
        char buf[96];
        text(s, buf, sizeof buf);
        const char *v[1] = {buf};
        put_vlen_strings(obj, a->name, 0, v, 1);
        break;
    }
    case 3: { /* a fixed-length string from the script, null- or space-padded */
        char buf[96];
        uint8_t pad = u8(s);
        text(s, buf, sizeof buf);
        const char *v[1] = {buf};
        put_fixed_strings(obj, a->name, 0, v, 1, strlen(buf) + pad % 3,
                          pad & 4 ? H5T_STR_SPACEPAD : H5T_STR_NULLTERM,
                          pad & 8 ? H5T_CSET_ASCII : H5T_CSET_UTF8);
        break;
    }
    case 4: {
        int32_t v = (int32_t)(uint32_t)u64(s);
        attr_put(obj, a->name, H5Tcopy(H5T_NATIVE_INT32), H5Screate(H5S_SCALAR), &v);
        break;
    }
    case 5: {
        int64_t v = (int64_t)u64(s);
        attr_put(obj, a->name, H5Tcopy(H5T_STD_I64BE), H5Screate(H5S_SCALAR), NULL);
        hid_t at = H5Aexists(obj, a->name) > 0 ? H5Aopen(obj, a->name, H5P_DEFAULT) : -1;
        if (at >= 0) {
            H5Awrite(at, H5T_NATIVE_INT64, &v);
            H5Aclose(at);
        }
        break;
    }
    case 6: {
        double v = f64(s);
        attr_put(obj, a->name, H5Tcopy(H5T_NATIVE_DOUBLE), H5Screate(H5S_SCALAR), &v);
        break;
    }
    case 7: { /* a float64 array of a script-chosen count and values */
        size_t m = variant_count(s, n);
        double v[16];
        if (m > 16)
            m = 16;
        for (size_t i = 0; i < m; i++)
            v[i] = f64(s);
        attr_put(obj, a->name, H5Tcopy(H5T_NATIVE_DOUBLE), space_1d(m), v);
        break;
    }
    case 8:   /* a string array of a script-chosen count, variable-length */
    case 9: { /* or fixed-length */
        size_t m = variant_count(s, n);
        char bufs[8][48];
        const char *v[8];
        if (m > 8)
            m = 8;
        for (size_t i = 0; i < m; i++) {
            if (u8(s) & 1)
                text(s, bufs[i], sizeof bufs[i]);
            else
                snprintf(bufs[i], sizeof bufs[i], "c%zu", i % 3); /* duplicates from 3 on */
            v[i] = bufs[i];
        }
        if (mode == 8)
            put_vlen_strings(obj, a->name, 1, v, m);
        else
            put_fixed_strings(obj, a->name, 1, v, m, 1 + u8(s) % 70, H5T_STR_NULLTERM,
                              H5T_CSET_UTF8);
        break;
    }
    case 10: {
        uint64_t v = u64(s);
        attr_put(obj, a->name, H5Tcopy(H5T_NATIVE_UINT64), H5Screate(H5S_SCALAR), &v);
        break;
    }
    case 11: { /* a compound */
        struct {
            int32_t i;
            double d;
        } v = {(int32_t)u8(s), f64(s)};
        hid_t t = H5Tcreate(H5T_COMPOUND, sizeof v);
        if (t >= 0) {
            H5Tinsert(t, "i", 0, H5T_NATIVE_INT32);
            H5Tinsert(t, "d", sizeof(double), H5T_NATIVE_DOUBLE);
        }
        attr_put(obj, a->name, t, H5Screate(H5S_SCALAR), &v);
        break;
    }
    case 12: /* the expected type over a null dataspace: no elements at all */
        attr_put(obj, a->name, is_string(a->kind) ? vlen_str() : H5Tcopy(num_type),
                 H5Screate(H5S_NULL), NULL);
        break;
    case 13: { /* the correct values in a 2-D [1, n] dataspace */
        hsize_t dims[2] = {1, n};
        hid_t space = H5Screate_simple(2, dims, NULL);
        if (is_string(a->kind))
            attr_put(obj, a->name, vlen_str(), space, a->strs);
        else
            attr_put(obj, a->name, H5Tcopy(H5T_NATIVE_DOUBLE), space, a->nums);
        break;
    }
    case 14: { /* long strings (past every name and value limit) */
        size_t m = array ? n : 1, len = 60 + (size_t)u8(s) * 4;
        char *buf = malloc(len + 1);
        const char **v = calloc(m ? m : 1, sizeof *v);
        if (buf && v) {
            memset(buf, 'a' + u8(s) % 26, len);
            buf[len] = '\0';
            for (size_t i = 0; i < m; i++)
                v[i] = buf;
            put_vlen_strings(obj, a->name, array, v, m);
        }
        free(buf);
        free(v);
        break;
    }
    default: /* the correct values as another producer writes them: float32 or fixed ASCII */
        if (is_string(a->kind))
            put_correct(obj, a, n, num_type, 1);
        else
            put_correct(obj, a, n, H5T_NATIVE_FLOAT, 0);
        break;
    }
}

static void put_str_attr(script *s, hid_t obj, const char *name, const char *value)
{
    const char *v[1] = {value};
    attr_spec a = {name, A_STR, 1, v, NULL};
    put_attr(s, obj, &a);
}

static void put_f64_attr(script *s, hid_t obj, const char *name, double value)
{
    double v[1] = {value};
    attr_spec a = {name, A_F64, 1, NULL, v};
    put_attr(s, obj, &a);
}

/* ---- datasets ------------------------------------------------------------------------------ */

typedef enum tkind { T_F32, T_I64, T_U8, T_GAP, T_EVENT } tkind;

typedef struct gap_row {
    int64_t first_index;
    int64_t n_missing;
    char reason[MC_H5_GAP_REASON_LEN];
} gap_row;

static hid_t compound_of(tkind k, int variant)
{
    if (k == T_GAP) {
        hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(gap_row) + (variant ? 64 : 0));
        /* variant 1: wider strings, int32 index; 2: also ASCII, and no n_missing */
        hid_t r = fixed_str(variant ? 96 : MC_H5_GAP_REASON_LEN, H5T_STR_NULLTERM,
                            variant == 2 ? H5T_CSET_ASCII : H5T_CSET_UTF8);
        if (t >= 0 && r >= 0) {
            H5Tinsert(t, MC_H5_GAP_FIRST, offsetof(gap_row, first_index),
                      variant ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64);
            if (variant != 2)
                H5Tinsert(t, MC_H5_GAP_COUNT, offsetof(gap_row, n_missing), H5T_NATIVE_INT64);
            H5Tinsert(t, MC_H5_GAP_REASON, offsetof(gap_row, reason), r);
        }
        close_type(r);
        return t;
    }
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(mc_event));
    /* variant 1: a variable-length stream; 2: also a short ASCII kind, and no value */
    hid_t st =
        variant ? vlen_str() : fixed_str(MC_EVENT_STREAM_LEN, H5T_STR_NULLTERM, H5T_CSET_UTF8);
    hid_t kt = fixed_str(variant == 2 ? 8 : MC_EVENT_KIND_LEN, H5T_STR_NULLTERM,
                         variant == 2 ? H5T_CSET_ASCII : H5T_CSET_UTF8);
    hid_t tt = fixed_str(MC_EVENT_TEXT_LEN, H5T_STR_NULLTERM, H5T_CSET_UTF8);
    if (t >= 0 && st >= 0 && kt >= 0 && tt >= 0) {
        H5Tinsert(t, MC_H5_EV_T, offsetof(mc_event, t_ns), H5T_NATIVE_INT64);
        H5Tinsert(t, MC_H5_EV_STREAM, offsetof(mc_event, stream), st);
        H5Tinsert(t, MC_H5_EV_KIND, offsetof(mc_event, kind), kt);
        H5Tinsert(t, MC_H5_EV_TEXT, offsetof(mc_event, text), tt);
        if (variant != 2)
            H5Tinsert(t, MC_H5_EV_VALUE, offsetof(mc_event, value), H5T_NATIVE_DOUBLE);
    }
    close_type(st);
    close_type(kt);
    close_type(tt);
    return t;
}

/* The memory (and correct file) type of a table. */
static hid_t type_of(tkind k)
{
    switch (k) {
    case T_F32:
        return H5Tcopy(H5T_NATIVE_FLOAT);
    case T_I64:
        return H5Tcopy(H5T_NATIVE_INT64);
    case T_U8:
        return H5Tcopy(H5T_NATIVE_UINT8);
    default:
        return compound_of(k, 0);
    }
}

static size_t elem_size(tkind k)
{
    static const size_t sizes[] = {sizeof(float), sizeof(int64_t), 1, sizeof(gap_row),
                                   sizeof(mc_event)};
    return sizes[k];
}

typedef struct table_spec {
    const char *name;
    tkind type;
    int rank;     /* 1 or 2 */
    hsize_t cols; /* second dimension of a rank-2 table */
    hsize_t rows;
    const void *buf; /* correct contents, [rows * cols] of the memory type */
} table_spec;

/* Creates the dataset and writes `buf` (when not NULL) converted from the memory type. */
static void make_dataset(hid_t loc, const char *name, hid_t ftype, tkind mtype, int rank,
                         const hsize_t *dims, const hsize_t *maxdims, H5D_layout_t layout,
                         const void *buf)
{
    /* A chunk cannot be empty: a table with a zero dimension is contiguous. */
    for (int k = 1; k < rank && layout == H5D_CHUNKED; k++)
        if (dims[k] == 0) {
            layout = H5D_CONTIGUOUS;
            maxdims = NULL;
        }
    hid_t space = rank < 0 ? H5Screate(rank == -1 ? H5S_SCALAR : H5S_NULL)
                           : H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space >= 0 && dcpl >= 0 && ftype >= 0) {
        if (layout == H5D_CHUNKED && rank > 0) {
            hsize_t chunk[4];
            for (int k = 0; k < rank; k++)
                chunk[k] = k == 0 ? 16 : (dims[k] ? dims[k] : 1);
            H5Pset_chunk(dcpl, rank, chunk);
        } else if (layout == H5D_COMPACT) {
            H5Pset_layout(dcpl, H5D_COMPACT);
        }
        hid_t d = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0) {
            hid_t mt = type_of(mtype);
            if (buf && mt >= 0)
                H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            close_type(mt);
            H5Dclose(d);
        }
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
}

static const uint64_t huge_rows[] = {
    1ULL << 40, 1ULL << 48, (1ULL << 59) + 1, 1ULL << 60,
    1ULL << 61, 1ULL << 62, (1ULL << 63) - 1, 1ULL << 63,
};

/* Creates table `t` as the script says: correct (0), absent, or of another class, rank, shape,
 * size or layout, or another kind of object under its name. */
static void put_table(script *s, hid_t loc, const table_spec *t)
{
    uint8_t mode = u8(s) % 16;
    hsize_t dims[3] = {t->rows, t->cols, 2}, unlimited[3] = {H5S_UNLIMITED, t->cols, 2};
    hid_t ft = -1;
    switch (mode) {
    case 0:  /* correct: chunked, extendible */
    case 15: /* correct shape, contents from the script */
    {
        void *buf = NULL;
        if (mode == 15) {
            size_t bytes = (size_t)t->rows * (t->rank == 2 ? t->cols : 1) * elem_size(t->type);
            buf = calloc(1, bytes ? bytes : 1);
            if (buf)
                raw(s, buf, bytes);
        }
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, dims, unlimited,
                     H5D_CHUNKED, mode == 15 ? buf : t->buf);
        free(buf);
        break;
    }
    case 1: /* absent */
        break;
    case 2: /* contiguous, fixed size */
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, dims, NULL,
                     H5D_CONTIGUOUS, t->buf);
        break;
    case 3: /* another class */
        ft = H5Tcopy(t->type == T_F32   ? H5T_NATIVE_INT32
                     : t->type == T_U8  ? H5T_NATIVE_FLOAT
                     : t->type == T_I64 ? H5T_NATIVE_DOUBLE
                                        : H5T_NATIVE_INT64);
        make_dataset(loc, t->name, ft, t->type, t->rank, dims, unlimited, H5D_CHUNKED, t->buf);
        break;
    case 4: /* another rank */
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank == 2 ? 1 : 2, dims,
                     unlimited, H5D_CHUNKED, NULL);
        break;
    case 5: { /* another second dimension (or one where there is none) */
        hsize_t d2[2] = {t->rows, t->rank == 2 ? t->cols + 1 + u8(s) % 3 : 1};
        hsize_t m2[2] = {H5S_UNLIMITED, d2[1]};
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, 2, d2, m2, H5D_CHUNKED, NULL);
        break;
    }
    case 6: /* scalar */
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, -1, dims, NULL, H5D_CONTIGUOUS,
                     NULL);
        break;
    case 7: /* null dataspace */
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, -2, dims, NULL, H5D_CONTIGUOUS,
                     NULL);
        break;
    case 8: { /* a huge extent that holds no data (every row reads as the fill value) */
        hsize_t hd[2] = {huge_rows[u8(s) % (sizeof huge_rows / sizeof huge_rows[0])], t->cols};
        hsize_t hm[2] = {H5S_UNLIMITED, t->cols};
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, hd, hm, H5D_CHUNKED,
                     NULL);
        break;
    }
    case 9: { /* another row count, contents from the script */
        hsize_t d2[2] = {u8(s) % (MAX_ROWS + 1), t->cols};
        size_t bytes = (size_t)d2[0] * (t->rank == 2 ? t->cols : 1) * elem_size(t->type);
        void *buf = calloc(1, bytes ? bytes : 1);
        if (buf)
            raw(s, buf, bytes);
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, d2, unlimited,
                     H5D_CHUNKED, buf);
        free(buf);
        break;
    }
    case 10: { /* a group */
        hid_t g = H5Gcreate2(loc, t->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0)
            H5Gclose(g);
        break;
    }
    case 11: /* a dangling soft link */
        H5Lcreate_soft("/no/such/object", loc, t->name, H5P_DEFAULT, H5P_DEFAULT);
        break;
    case 12: { /* the same class, another type: big-endian, narrower, wider, other members */
        uint8_t v = u8(s) % 4;
        switch (t->type) {
        case T_F32:
            ft = H5Tcopy(v == 0 ? H5T_IEEE_F64BE : v == 1 ? H5T_IEEE_F32BE : H5T_NATIVE_DOUBLE);
            break;
        case T_I64:
        case T_U8:
            ft = H5Tcopy(v == 0   ? H5T_STD_I64BE
                         : v == 1 ? H5T_NATIVE_UINT64
                         : v == 2 ? H5T_NATIVE_INT8
                                  : H5T_NATIVE_INT32);
            break;
        default:
            ft = compound_of(t->type, 1 + v % 2);
            break;
        }
        make_dataset(loc, t->name, ft, t->type, t->rank, dims, unlimited, H5D_CHUNKED,
                     t->type == T_EVENT ? NULL : t->buf);
        break;
    }
    case 13: { /* zero rows */
        hsize_t d0[2] = {0, t->cols};
        make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, d0, unlimited,
                     H5D_CHUNKED, NULL);
        break;
    }
    default: /* compact layout, rank 3 when correct is rank 2 */
        if (t->rank == 2 && (u8(s) & 1))
            make_dataset(loc, t->name, ft = type_of(t->type), t->type, 3, dims, NULL,
                         H5D_CONTIGUOUS, NULL);
        else
            make_dataset(loc, t->name, ft = type_of(t->type), t->type, t->rank, dims, NULL,
                         H5D_COMPACT, t->buf);
        break;
    }
    close_type(ft);
}

/* Puts `correct` when the layout wants the table, and nothing (by default) when it does not:
 * mode bytes 0 and 1 swap their meaning for an unwanted table. */
static void put_table_opt(script *s, hid_t loc, const table_spec *t, int wanted)
{
    if (wanted) {
        put_table(s, loc, t);
        return;
    }
    size_t keep = s->i;
    uint8_t b = u8(s);
    if (b % 16 == 0)
        return; /* "as the layout wants": absent */
    if (b % 16 == 1) {
        /* present although unwanted: a correct table */
        static const uint8_t zero[1] = {0};
        script z = {zero, 1, 0};
        put_table(&z, loc, t);
        return;
    }
    s->i = keep;
    put_table(s, loc, t);
}

/* ---- the session --------------------------------------------------------------------------- */

/* A member name: as the layout wants (`dflt`), from the script, at or past the length limit,
 * with characters the layout refuses, or not ASCII. */
static void member_name(script *s, char *buf, size_t cap, const char *dflt)
{
    switch (u8(s) % 8) {
    case 1:
        text(s, buf, cap < 80 ? cap : 80);
        break;
    case 2: /* MC_NAME_MAX exactly */
        snprintf(buf, cap, "%s%0*d", dflt, (int)(MC_NAME_MAX - strlen(dflt)), 0);
        break;
    case 3: /* one byte too long */
        snprintf(buf, cap, "%s%0*d", dflt, (int)(MC_NAME_MAX + 1 - strlen(dflt)), 0);
        break;
    case 4: /* far too long */
        snprintf(buf, cap, "%s%0*d", dflt, 150, 0);
        break;
    case 5:
        snprintf(buf, cap, "%s bad name", dflt);
        break;
    case 6:
        snprintf(buf, cap, "%s\xc3\xa9", dflt);
        break;
    default:
        snprintf(buf, cap, "%s", dflt);
        break;
    }
}

static void put_stream(script *s, hid_t streams, int i, char first_name[256])
{
    char name[256], dflt[16];
    snprintf(dflt, sizeof dflt, "s%d", i);
    member_name(s, name, sizeof name, dflt);
    uint8_t kind = u8(s) % 8;
    static const double rates[] = {100, 0, 1e6, 2e6, 1e-300, -1, (double)NAN, 250.5};
    static const uint32_t ch_counts[] = {1, 2, 3, 4, 0, 65536, 8, 1};
    double rate = rates[u8(s) % 8];
    uint32_t c = ch_counts[u8(s) % 8];
    hsize_t rows = u8(s) % (MAX_ROWS + 1);

    hid_t g = -1;
    switch (kind) {
    case 1: { /* a dataset */
        hsize_t one[1] = {1};
        make_dataset(streams, name, H5T_NATIVE_INT32, T_F32, 1, one, NULL, H5D_CONTIGUOUS, NULL);
        return;
    }
    case 2:
        H5Lcreate_soft("/no/such/group", streams, name, H5P_DEFAULT, H5P_DEFAULT);
        return;
    case 3: /* another name for the first stream: soft, then hard link */
    case 4:
        if (first_name[0]) {
            char target[300];
            snprintf(target, sizeof target, "/%s/%s", MC_H5_STREAMS, first_name);
            if (kind == 3)
                H5Lcreate_soft(target, streams, name, H5P_DEFAULT, H5P_DEFAULT);
            else
                H5Lcreate_hard(streams, first_name, streams, name, H5P_DEFAULT, H5P_DEFAULT);
            return;
        }
        break;
    case 5:
        H5Lcreate_external("mcirc_fuzz_no_such_file.h5", "/g", streams, name, H5P_DEFAULT,
                           H5P_DEFAULT);
        return;
    case 6: { /* a named datatype */
        hid_t t = H5Tcopy(H5T_NATIVE_INT32);
        if (t >= 0) {
            H5Tcommit2(streams, name, t, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Tclose(t);
        }
        return;
    }
    default:
        break;
    }
    g = H5Gcreate2(streams, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return;
    if (!first_name[0])
        snprintf(first_name, 256, "%s", name);

    /* Attributes, correct values first. */
    uint32_t cc = c < 8 ? c : 8; /* correct arrays are at most 8 long; larger counts are wrong */
    char names[8][8];
    const char *name_ptrs[8], *unit_ptrs[8];
    double gains[8], offsets[8];
    for (uint32_t k = 0; k < cc; k++) {
        snprintf(names[k], sizeof names[k], "ch%u", (unsigned)k);
        name_ptrs[k] = names[k];
        unit_ptrs[k] = "a.u.";
        gains[k] = 1.0 + k;
        offsets[k] = 0.5 * k;
    }
    const char *modality[1] = {"ppg"};
    attr_spec a_mod = {MC_H5_ATTR_MODALITY, A_STR, 1, modality, NULL};
    attr_spec a_names = {MC_H5_ATTR_CHANNEL_NAMES, A_STR_ARR, cc, name_ptrs, NULL};
    attr_spec a_units = {MC_H5_ATTR_UNITS, A_STR_ARR, cc, unit_ptrs, NULL};
    attr_spec a_gain = {MC_H5_ATTR_SCALE_GAIN, A_F64_ARR, cc, NULL, gains};
    attr_spec a_offset = {MC_H5_ATTR_SCALE_OFFSET, A_F64_ARR, cc, NULL, offsets};
    put_attr(s, g, &a_mod);
    put_attr(s, g, &a_names);
    put_attr(s, g, &a_units);
    put_f64_attr(s, g, MC_H5_ATTR_RATE_HZ, rate);
    put_str_attr(s, g, MC_H5_ATTR_DEVICE_MODEL, "mcirc sim ppg");
    put_str_attr(s, g, MC_H5_ATTR_DEVICE_SERIAL, "SN-1");
    put_str_attr(s, g, MC_H5_ATTR_DRIVER, "sim");
    put_str_attr(s, g, MC_H5_ATTR_DRIVER_VERSION, "1");
    put_str_attr(s, g, MC_H5_ATTR_STREAM_SITE, "finger");
    put_f64_attr(s, g, MC_H5_ATTR_DEVICE_DELAY_S, 0.25);
    put_attr(s, g, &a_gain);
    put_attr(s, g, &a_offset);
    /* Free key/values: well-formed keys, reserved ones, and names mcirc would not write. */
    uint8_t n_free = u8(s) % 4;
    for (uint8_t k = 0; k < n_free; k++) {
        char key[128];
        uint8_t how = u8(s) % 4;
        if (how == 0)
            snprintf(key, sizeof key, "sim_k%u", (unsigned)k);
        else if (how == 1)
            text(s, key, 80);
        else if (how == 2)
            snprintf(key, sizeof key, "%0*d", 70, k);
        else
            snprintf(key, sizeof key, "Bad-Key%u", (unsigned)k);
        if (key[0])
            put_str_attr(s, g, key, "42");
    }

    /* Datasets, with correct contents for the correct shapes. */
    float samples[MAX_ROWS * 8];
    int64_t times[MAX_ROWS];
    int64_t anchors[3 * 2];
    gap_row gaps[4];
    double period = rate > 1e-3 && rate <= 2e6 ? 1e9 / rate : 1e7;
    for (hsize_t r = 0; r < rows; r++) {
        for (uint32_t k = 0; k < cc; k++)
            samples[r * cc + k] = (float)r + 0.125f * (float)k;
        times[r] = (int64_t)r * 10000000 + (int64_t)(r % 3);
    }
    hsize_t n_anchors = rows < 3 ? rows : 3;
    hsize_t anchor_at[3] = {0, rows / 2, rows > 0 ? rows - 1 : 0};
    for (hsize_t k = 0; k < n_anchors; k++) {
        anchors[2 * k] = (int64_t)anchor_at[k];
        anchors[2 * k + 1] = 5000 + (int64_t)((double)anchor_at[k] * period);
    }
    hsize_t n_gaps = u8(s) % 5;
    memset(gaps, 0, sizeof gaps);
    for (hsize_t k = 0; k < n_gaps; k++) {
        gaps[k].first_index = (int64_t)(2 * k + 1);
        gaps[k].n_missing = (int64_t)(k % 2);
        snprintf(gaps[k].reason, sizeof gaps[k].reason, "%s", k % 2 ? "dropped" : "clock step");
    }
    /* The data table: when the channel count is wrong (0, 65536), a table of that width. */
    table_spec t_data = {MC_H5_DATA, T_F32, 2, c, rows, c == cc ? samples : NULL};
    table_spec t_time = {MC_H5_TIME, T_I64, 1, 1, rows, times};
    table_spec t_index = {MC_H5_TIME_INDEX, T_I64, 2, 2, n_anchors, anchors};
    table_spec t_gaps = {MC_H5_GAPS, T_GAP, 1, 1, n_gaps, gaps};
    put_table(s, g, &t_data);
    put_table_opt(s, g, &t_time, !(rate > 0));
    put_table_opt(s, g, &t_index, rate > 0);
    put_table(s, g, &t_gaps);
    H5Gclose(g);
}

static void put_features(script *s, hid_t file, int ordered)
{
    uint8_t mode = u8(s) % 8;
    if (mode == 1) { /* a dataset */
        hsize_t one[1] = {1};
        make_dataset(file, MC_H5_FEATURES, H5T_NATIVE_INT32, T_F32, 1, one, NULL, H5D_CONTIGUOUS,
                     NULL);
        return;
    }
    if (mode == 2)
        return; /* absent */
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl >= 0 && ordered)
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t fg = H5Gcreate2(file, MC_H5_FEATURES, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (fg < 0) {
        if (gcpl >= 0)
            H5Pclose(gcpl);
        return;
    }
    uint8_t n_streams = u8(s) % 3;
    for (uint8_t i = 0; i < n_streams; i++) {
        char sname[256], dflt[16];
        snprintf(dflt, sizeof dflt, "s%u", (unsigned)i);
        member_name(s, sname, sizeof sname, dflt);
        if (u8(s) % 4 == 3) { /* a dataset where a group of features belongs */
            hsize_t one[1] = {1};
            make_dataset(fg, sname, H5T_NATIVE_INT32, T_F32, 1, one, NULL, H5D_CONTIGUOUS, NULL);
            continue;
        }
        hid_t sg = H5Gcreate2(fg, sname, H5P_DEFAULT, gcpl, H5P_DEFAULT);
        if (sg < 0)
            continue;
        uint8_t n_feat = 1 + u8(s) % 2;
        for (uint8_t k = 0; k < n_feat; k++) {
            char fname[256];
            member_name(s, fname, sizeof fname, k ? "hr" : "pi");
            uint8_t kind = u8(s) % 4;
            if (kind == 3) {
                hsize_t one[1] = {1};
                make_dataset(sg, fname, H5T_NATIVE_INT32, T_F32, 1, one, NULL, H5D_CONTIGUOUS,
                             NULL);
                continue;
            }
            hid_t g = H5Gcreate2(sg, fname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (g < 0)
                continue;
            hsize_t n = u8(s) % 9;
            int64_t t[8];
            float v[8];
            uint8_t q[8];
            for (hsize_t j = 0; j < n; j++) {
                t[j] = (int64_t)j * 1000000000;
                v[j] = (float)j * 0.5f;
                q[j] = (uint8_t)(j % 3);
            }
            table_spec t_t = {MC_H5_FT_T, T_I64, 1, 1, n, t};
            table_spec t_v = {MC_H5_FT_VALUE, T_F32, 1, 1, n, v};
            table_spec t_q = {MC_H5_FT_STATUS, T_U8, 1, 1, n, q};
            put_table(s, g, &t_t);
            put_table(s, g, &t_v);
            put_table(s, g, &t_q);
            put_str_attr(s, g, MC_H5_ATTR_UNIT, "%");
            put_str_attr(s, g, MC_H5_ATTR_ALGORITHM, "beat-wise median PI");
            put_str_attr(s, g, MC_H5_ATTR_PARAMETERS, "window_s=8 hop_s=1");
            H5Gclose(g);
        }
        H5Gclose(sg);
    }
    H5Gclose(fg);
    if (gcpl >= 0)
        H5Pclose(gcpl);
}

static void put_events(script *s, hid_t file)
{
    mc_event ev[4];
    memset(ev, 0, sizeof ev);
    hsize_t n = u8(s) % 5;
    for (hsize_t k = 0; k < n; k++) {
        ev[k].t_ns = (int64_t)k * 1000000000;
        snprintf(ev[k].stream, sizeof ev[k].stream, "%s", k % 2 ? "s0" : "");
        snprintf(ev[k].kind, sizeof ev[k].kind, "%s", k % 2 ? "occlusion_start" : "note");
        if (u8(s) & 1)
            text(s, ev[k].text, 200);
        ev[k].value = k % 2 ? 1.5 : (double)NAN;
    }
    table_spec t = {MC_H5_EVENTS, T_EVENT, 1, 1, n, ev};
    put_table(s, file, &t);
}

/* Builds the session file at `path`; the file options byte says how it is left. */
static void build(script *s, const char *path, const char *work)
{
    uint8_t opt = u8(s);
    int latest = opt & 1, leave_open = (opt >> 1) % 4, unordered = (opt >> 3) & 1;
    if (leave_open == 3)
        leave_open = 0;
    if (leave_open)
        latest = 1; /* SWMR needs the 1.10 format */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && latest)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    const char *where = leave_open ? work : path;
    hid_t f = H5Fcreate(where, H5F_ACC_TRUNC, H5P_DEFAULT, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f < 0)
        return;

    double version_num[1] = {MC_H5_FORMAT_VERSION};
    attr_spec a_format = {MC_H5_ATTR_FORMAT, A_I32, 1, NULL, version_num};
    put_attr(s, f, &a_format);
    put_str_attr(s, f, MC_H5_ATTR_SUBJECT, "ICU-014");
    put_str_attr(s, f, MC_H5_ATTR_SESSION, "D2");
    put_str_attr(s, f, MC_H5_ATTR_SITE, "test-centre");
    put_str_attr(s, f, MC_H5_ATTR_START_UTC, "2026-11-25T20:37:46.123Z");
    double start[1] = {1795639066123000000.0};
    attr_spec a_start = {MC_H5_ATTR_START_UNIX_NS, A_I64, 1, NULL, start};
    put_attr(s, f, &a_start);
    put_str_attr(s, f, MC_H5_ATTR_SOFTWARE, "mcirc 0.1.0");
    put_str_attr(s, f, MC_H5_ATTR_TIMEZONE, "UTC");
    put_str_attr(s, f, MC_H5_ATTR_NOTES, "");

    uint8_t smode = u8(s) % 8;
    static const int n_by_byte[4] = {1, 2, 3, 0};
    int n_streams = n_by_byte[u8(s) % 4];
    hid_t sg = -1;
    switch (smode) {
    case 1: /* absent */
        break;
    case 2: { /* a dataset */
        hsize_t one[1] = {1};
        make_dataset(f, MC_H5_STREAMS, H5T_NATIVE_INT32, T_F32, 1, one, NULL, H5D_CONTIGUOUS, NULL);
        break;
    }
    case 3:
        H5Lcreate_soft("/no/such/group", f, MC_H5_STREAMS, H5P_DEFAULT, H5P_DEFAULT);
        break;
    case 4: /* the root itself: its members become "streams" */
        H5Lcreate_hard(f, "/", f, MC_H5_STREAMS, H5P_DEFAULT, H5P_DEFAULT);
        break;
    case 5:
        H5Lcreate_external("mcirc_fuzz_no_such_file.h5", "/streams", f, MC_H5_STREAMS, H5P_DEFAULT,
                           H5P_DEFAULT);
        break;
    default: {
        hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
        if (gcpl >= 0 && !unordered)
            H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        sg = H5Gcreate2(f, MC_H5_STREAMS, H5P_DEFAULT, gcpl >= 0 ? gcpl : H5P_DEFAULT, H5P_DEFAULT);
        if (gcpl >= 0)
            H5Pclose(gcpl);
        break;
    }
    }
    char first_name[256] = "";
    for (int i = 0; i < n_streams && sg >= 0; i++)
        put_stream(s, sg, i, first_name);
    if (sg >= 0)
        H5Gclose(sg);
    put_events(s, f);
    put_features(s, f, !unordered);

    if (leave_open) {
        /* A writer that is still running, or was killed: the file on disk is marked open. */
        if (leave_open == 1)
            H5Fstart_swmr_write(f);
        H5Fflush(f, H5F_SCOPE_GLOBAL);
        FILE *in = fopen(work, "rb"), *out = fopen(path, "wb");
        if (in && out) {
            char buf[8192];
            size_t got;
            while ((got = fread(buf, 1, sizeof buf, in)) > 0)
                fwrite(buf, 1, got, out);
        }
        if (in)
            fclose(in);
        if (out)
            fclose(out);
    }
    H5Fclose(f);
    if (leave_open)
        unlink(work);
}

/* ---- using the reader ---------------------------------------------------------------------- */

/* Accessors may fail on a damaged file, but only with the statuses they document. */
static void expect(mc_status st)
{
    if (st != MC_OK && st != MC_EINVAL && st != MC_EIO && st != MC_ENOMEM && st != MC_EFORMAT)
        fail("an accessor returned an undocumented status");
}

static int terminated(const char *p, size_t cap)
{
    return memchr(p, '\0', cap) != NULL;
}

static void check_stream(script *s, mc_h5_reader *r, size_t i, float *fbuf, int64_t *tbuf)
{
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    if (!info || !mc_name_is_valid(info->name) || info->n_channels < 1 ||
        info->n_channels > 65535 || !(info->rate_hz >= 0))
        fail("stream description");
    if (mc_stream_info_check(info, NULL) != MC_OK)
        fail("a stream the reader accepted fails mc_stream_info_check");
    int64_t found = mc_h5_reader_find_stream(r, info->name);
    if (found < 0 || (size_t)found > i)
        fail("find_stream does not find the stream");
    int64_t n = mc_h5_reader_get_n_frames(r, i);
    if (n < 0)
        fail("negative frame count");
    size_t c = info->n_channels;

    /* Samples: the head and the tail, as much as the buffer holds. */
    size_t fit = READ_CAP / c;
    size_t k = (uint64_t)n < fit ? (size_t)n : fit;
    expect(mc_h5_reader_read(r, i, 0, k, fbuf));
    expect(mc_h5_reader_read(r, i, n - (int64_t)k, k, fbuf));
    if (mc_h5_reader_read(r, i, n, 1, fbuf) != MC_EINVAL)
        fail("read past the end accepted");
    if (mc_h5_reader_read(r, i, -1, 1, fbuf) != MC_EINVAL)
        fail("read before the start accepted");
    /* Times over every frame (capped). */
    size_t kt = (uint64_t)n < READ_CAP ? (size_t)n : READ_CAP;
    expect(mc_h5_reader_read_times(r, i, 0, kt, tbuf));
    expect(mc_h5_reader_read_times(r, i, n - (int64_t)kt, kt, tbuf));
    /* Ranges chosen by the script: a success must lie inside the stream. */
    int64_t first = (int64_t)u64(s);
    size_t m = u8(s) % 64;
    mc_status st = mc_h5_reader_read(r, i, first, m * c <= READ_CAP ? m : 0, fbuf);
    if (st == MC_OK && (first < 0 || first > n))
        fail("read accepted an index outside the stream");
    st = mc_h5_reader_read_times(r, i, first, m, tbuf);
    if (st == MC_OK && (first < 0 || first > n))
        fail("read_times accepted an index outside the stream");
    for (int q = 0; q < 2; q++) {
        int64_t from = (int64_t)u64(s), to = (int64_t)u64(s);
        if (u8(s) & 1) { /* small times, near the session's */
            from = (int8_t)(from & 0xff) * 10000000LL;
            to = from + (int64_t)(to & 0xffff) * 1000000LL;
        }
        int64_t rf = -1;
        size_t rn = 0;
        st = mc_h5_reader_find_range(r, i, from, to, &rf, &rn);
        if (st == MC_OK && (rf < 0 || rf > n || (uint64_t)rn > (uint64_t)(n - rf)))
            fail("find_range outside the stream");
        if (st == MC_OK && rn > 0 && rn <= READ_CAP / c)
            expect(mc_h5_reader_read(r, i, rf, rn, fbuf));
    }
    size_t na = 0, ng = 0;
    const int64_t *anchors = mc_h5_reader_get_anchors(r, i, &na);
    if (na > 0 && !anchors)
        fail("anchors missing");
    for (size_t a = 1; a < na; a++)
        if (anchors[2 * a] <= anchors[2 * (a - 1)])
            fail("anchors not increasing");
    const mc_h5_gap *gaps = mc_h5_reader_get_gaps(r, i, &ng);
    if (ng > 0 && !gaps)
        fail("gaps missing");
    for (size_t g = 0; g < ng; g++)
        if (!terminated(gaps[g].reason, sizeof gaps[g].reason))
            fail("gap reason unterminated");
}

static void check_reader(script *s, mc_h5_reader *r, float *fbuf, int64_t *tbuf)
{
    const mc_session_info *si = mc_h5_reader_get_session(r);
    if (!si || !terminated(si->subject, sizeof si->subject) ||
        !terminated(si->session, sizeof si->session) || !terminated(si->site, sizeof si->site) ||
        !terminated(si->start_utc, sizeof si->start_utc) ||
        !terminated(si->timezone, sizeof si->timezone) ||
        !terminated(si->software, sizeof si->software) || !terminated(si->notes, sizeof si->notes))
        fail("session strings");
    (void)mc_h5_reader_get_state(r);
    size_t ns = mc_h5_reader_get_n_streams(r);
    for (size_t i = 0; i < ns; i++)
        check_stream(s, r, i, fbuf, tbuf);
    if (mc_h5_reader_get_stream(r, ns) || mc_h5_reader_get_n_frames(r, ns) != -1)
        fail("stream index past the end accepted");
    if (mc_h5_reader_find_stream(r, "no such stream") != -1)
        fail("find_stream found a name that cannot exist");
    size_t ne = 0;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    if (ne > 0 && !ev)
        fail("events missing");
    for (size_t k = 0; k < ne; k++)
        if (!terminated(ev[k].stream, sizeof ev[k].stream) ||
            !terminated(ev[k].kind, sizeof ev[k].kind) ||
            !terminated(ev[k].text, sizeof ev[k].text))
            fail("event strings unterminated");
    size_t nf = mc_h5_reader_get_n_features(r);
    for (size_t k = 0; k < nf; k++) {
        const mc_h5_feature_spec *fs = mc_h5_reader_get_feature(r, k);
        if (!fs || !fs->stream || !fs->feature || !fs->unit || !fs->algorithm || !fs->parameters)
            fail("feature description");
        const char *strs[] = {fs->stream, fs->feature, fs->unit, fs->algorithm, fs->parameters};
        for (size_t j = 0; j < 5; j++)
            if (strlen(strs[j]) > MC_VALUE_MAX)
                fail("feature string too long");
        int64_t n = mc_h5_reader_get_n_feature_values(r, k);
        uint8_t *q = (uint8_t *)(tbuf + READ_CAP / 2);
        size_t want = n > 0 ? ((uint64_t)n < READ_CAP / 2 ? (size_t)n : READ_CAP / 2) : 0;
        expect(mc_h5_reader_read_feature(r, k, 0, want, tbuf, fbuf, q));
        int64_t first = (int64_t)u64(s);
        size_t m = u8(s) % 16;
        mc_status st = mc_h5_reader_read_feature(r, k, first, m, tbuf, fbuf, q);
        if (st == MC_OK && (first < 0 || first > n))
            fail("read_feature accepted an index outside the series");
    }
    if (mc_h5_reader_get_feature(r, nf) || mc_h5_reader_get_n_feature_values(r, nf) != -1)
        fail("feature index past the end accepted");
}

/* The counts a recovered copy must keep. */
typedef struct counts {
    size_t streams, events, features;
    uint64_t frames, anchors, gaps, values; /* sums wrap rather than overflow */
    int big;                                /* a stream longer than RECOVER_FRAMES */
} counts;

static counts count(mc_h5_reader *r)
{
    counts c;
    memset(&c, 0, sizeof c);
    c.streams = mc_h5_reader_get_n_streams(r);
    for (size_t i = 0; i < c.streams; i++) {
        size_t na = 0, ng = 0;
        int64_t n = mc_h5_reader_get_n_frames(r, i);
        c.frames += (uint64_t)n;
        c.big |= n > RECOVER_FRAMES;
        mc_h5_reader_get_anchors(r, i, &na);
        mc_h5_reader_get_gaps(r, i, &ng);
        c.anchors += na;
        c.gaps += ng;
    }
    mc_h5_reader_get_events(r, &c.events);
    c.features = mc_h5_reader_get_n_features(r);
    for (size_t k = 0; k < c.features; k++)
        c.values += (uint64_t)mc_h5_reader_get_n_feature_values(r, k);
    return c;
}

static char tmp_dir[4096];

static void remove_quietly(const char *path)
{
    if (path[0])
        unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!tmp_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp_dir, sizeof tmp_dir, "%s", t && t[0] ? t : "/tmp");
    }
    char path[4200], work[4300], rec[4300], rec_tmp[4400];
    snprintf(path, sizeof path, "%s/mcirc_fuzz_XXXXXX", tmp_dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    close(fd);
    snprintf(work, sizeof work, "%s.build", path);
    snprintf(rec, sizeof rec, "%s.rec", path);
    /* The name mc_h5_writer gives its temporary file beside the target. */
    const char *base = strrchr(path, '/');
    snprintf(rec_tmp, sizeof rec_tmp, "%.*s/.%s.rec.creating-%ld", (int)(base - path), path,
             base + 1, (long)getpid());

    script s = {data, size, 0};
    build(&s, path, work);

    float *fbuf = malloc(READ_CAP * sizeof *fbuf);
    int64_t *tbuf = malloc(READ_CAP * sizeof *tbuf);
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = fbuf && tbuf ? mc_h5_reader_open(path, &d, &r) : MC_ENOMEM;
    /* MCIRC_FUZZ_VERBOSE=1 says what each input built (to check a seed corpus). */
    int verbose = getenv("MCIRC_FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "open: %s%s%s\n", mc_strerror(st), st == MC_OK ? "" : ": ",
                st == MC_OK ? "" : d.message);
    if (st == MC_OK) {
        if (!r)
            fail("MC_OK without a reader");
        check_reader(&s, r, fbuf, tbuf);
        if (mc_h5_reader_refresh(r) == MC_OK)
            check_reader(&s, r, fbuf, tbuf);
        counts before = count(r);
        if (verbose)
            fprintf(stderr,
                    "  %zu streams, %llu frames, %llu anchors, %llu gaps, %zu events, "
                    "%zu features, %llu values; %s\n",
                    before.streams, (unsigned long long)before.frames,
                    (unsigned long long)before.anchors, (unsigned long long)before.gaps,
                    before.events, before.features, (unsigned long long)before.values,
                    mc_h5_reader_get_state(r) == MC_H5_OPEN ? "left open" : "closed");
        mc_h5_reader_destroy(r);
        r = NULL;

        if (!before.big) {
            mc_h5_recover_stats stats;
            st = mc_h5_recover(path, rec, &d, &stats);
            if (verbose)
                fprintf(stderr, "  recover: %s%s%s\n", mc_strerror(st), st == MC_OK ? "" : ": ",
                        st == MC_OK ? "" : d.message);
            if (st == MC_OK) {
                mc_h5_reader *c = NULL;
                if (mc_h5_reader_open(rec, &d, &c) != MC_OK) {
                    fprintf(stderr, "fuzz_h5_reader: %s\n", d.message);
                    fail("the recovered copy does not open");
                }
                counts after = count(c);
                if (after.streams != before.streams || after.frames != before.frames ||
                    after.anchors != before.anchors || after.gaps != before.gaps ||
                    after.events != before.events || after.features != before.features ||
                    after.values != before.values)
                    fail("the recovered copy lost or gained rows");
                check_reader(&s, c, fbuf, tbuf);
                mc_h5_reader_destroy(c);
            } else if (!terminated(d.message, sizeof d.message)) {
                fail("recover diagnostic unterminated");
            }
        }
    } else {
        if (r)
            fail("a failed open left a reader");
        if (!terminated(d.message, sizeof d.message))
            fail("open diagnostic unterminated");
    }
    free(fbuf);
    free(tbuf);
    remove_quietly(path);
    remove_quietly(work);
    remove_quietly(rec);
    remove_quietly(rec_tmp);
    /* Everything the reader, the writer and the script opened is closed again. */
    if (H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) != 0)
        fail("HDF5 objects left open");
    return 0;
}
