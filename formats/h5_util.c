/* SPDX-License-Identifier: MIT */
/* formats/h5_util.c: attribute and table helpers for the HDF5 session store (formats/internal.h).
 */
#include "formats/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mc__h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

hid_t mc__h5_fixed_string(size_t size, H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, cset) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Builds a compound type from fields given as (name, offset, type); closes the field types. */
typedef struct field {
    const char *name;
    size_t offset;
    hid_t type;
    int owned;
} field;

static hid_t compound(size_t size, field *fields, size_t n)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    int ok = t >= 0;
    for (size_t i = 0; i < n; i++) {
        if (ok && (fields[i].type < 0 ||
                   H5Tinsert(t, fields[i].name, fields[i].offset, fields[i].type) < 0))
            ok = 0;
        if (fields[i].owned && fields[i].type >= 0)
            H5Tclose(fields[i].type);
    }
    if (!ok) {
        if (t >= 0)
            H5Tclose(t);
        return -1;
    }
    return t;
}

hid_t mc__h5_gap_type(H5T_cset_t cset)
{
    field f[] = {
        {MC_H5_GAP_FIRST, offsetof(mc__gap_row, first_index), H5T_NATIVE_INT64, 0},
        {MC_H5_GAP_COUNT, offsetof(mc__gap_row, n_missing), H5T_NATIVE_INT64, 0},
        {MC_H5_GAP_REASON, offsetof(mc__gap_row, reason),
         mc__h5_fixed_string(MC_H5_GAP_REASON_LEN, cset), 1},
    };
    return compound(sizeof(mc__gap_row), f, 3);
}

hid_t mc__h5_event_type(H5T_cset_t cset)
{
    field f[] = {
        {MC_H5_EV_T, offsetof(mc_event, t_ns), H5T_NATIVE_INT64, 0},
        {MC_H5_EV_STREAM, offsetof(mc_event, stream),
         mc__h5_fixed_string(MC_EVENT_STREAM_LEN, cset), 1},
        {MC_H5_EV_KIND, offsetof(mc_event, kind), mc__h5_fixed_string(MC_EVENT_KIND_LEN, cset), 1},
        {MC_H5_EV_TEXT, offsetof(mc_event, text), mc__h5_fixed_string(MC_EVENT_TEXT_LEN, cset), 1},
        {MC_H5_EV_VALUE, offsetof(mc_event, value), H5T_NATIVE_DOUBLE, 0},
    };
    return compound(sizeof(mc_event), f, 5);
}

static hid_t vlen_string(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Creates and writes one attribute; `n` < 0 means a scalar. */
static int write_attr(hid_t obj, const char *name, hid_t type, int64_t n, const void *buf)
{
    hsize_t dims[1] = {n < 0 ? 1 : (hsize_t)n};
    hid_t space = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
    if (space < 0)
        return -1;
    int rc = -1;
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        rc = H5Awrite(a, type, buf) < 0 ? -1 : 0;
        H5Aclose(a);
    }
    H5Sclose(space);
    return rc;
}

int mc__h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = vlen_string();
    if (t < 0)
        return -1;
    const char *v = value ? value : "";
    int rc = write_attr(obj, name, t, -1, &v);
    H5Tclose(t);
    return rc;
}

int mc__h5_attr_str_array(hid_t obj, const char *name, const char *const *values, size_t n)
{
    hid_t t = vlen_string();
    if (t < 0)
        return -1;
    int rc = write_attr(obj, name, t, (int64_t)n, values);
    H5Tclose(t);
    return rc;
}

int mc__h5_attr_f64(hid_t obj, const char *name, double value)
{
    return write_attr(obj, name, H5T_NATIVE_DOUBLE, -1, &value);
}

int mc__h5_attr_f64_array(hid_t obj, const char *name, const double *values, size_t n)
{
    return write_attr(obj, name, H5T_NATIVE_DOUBLE, (int64_t)n, values);
}

int mc__h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return write_attr(obj, name, H5T_NATIVE_INT64, -1, &value);
}

int mc__h5_attr_i32(hid_t obj, const char *name, int32_t value)
{
    return write_attr(obj, name, H5T_NATIVE_INT32, -1, &value);
}

int64_t mc__h5_attr_len(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t s = H5Aget_space(a);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0)
        H5Sclose(s);
    H5Aclose(a);
    return (int64_t)n;
}

/* Reads a string attribute of n elements (n = 1 for a scalar) into fixed slots of `cap` bytes.
 * Accepts variable- and fixed-length strings, as written by mcirc, h5py or MATLAB. */
static int read_strings(hid_t obj, const char *name, size_t n, char *bufs, size_t cap)
{
    if (cap == 0 || H5Aexists(obj, name) <= 0)
        return -1;
    int rc = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING ||
        H5Sget_simple_extent_npoints(sp) != (hssize_t)n)
        goto done;
    if (H5Tis_variable_str(ft) > 0) {
        char **v = calloc(n, sizeof *v);
        hid_t mt = vlen_string();
        if (v && mt >= 0 && H5Aread(a, mt, v) >= 0) {
            for (size_t i = 0; i < n; i++) {
                snprintf(bufs + i * cap, cap, "%s", v[i] ? v[i] : "");
            }
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
            rc = 0;
        }
        if (mt >= 0)
            H5Tclose(mt);
        free(v);
    } else {
        size_t len = H5Tget_size(ft);
        char *raw = len > 0 ? calloc(n, len + 1) : NULL;
        hid_t mt = mc__h5_fixed_string(len + 1, H5Tget_cset(ft));
        if (raw && mt >= 0 && H5Aread(a, mt, raw) >= 0) {
            for (size_t i = 0; i < n; i++)
                snprintf(bufs + i * cap, cap, "%.*s", (int)len, raw + i * (len + 1));
            rc = 0;
        }
        if (mt >= 0)
            H5Tclose(mt);
        free(raw);
    }
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

int mc__h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t cap)
{
    return read_strings(obj, name, 1, buf, cap);
}

int mc__h5_read_attr_str_array(hid_t obj, const char *name, size_t n, char *bufs, size_t cap)
{
    return read_strings(obj, name, n, bufs, cap);
}

static int read_numbers(hid_t obj, const char *name, hid_t mem_type, size_t n, void *out)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    int rc = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    if (ft >= 0 && sp >= 0 && H5Sget_simple_extent_npoints(sp) == (hssize_t)n) {
        H5T_class_t c = H5Tget_class(ft);
        if ((c == H5T_INTEGER || c == H5T_FLOAT) && H5Aread(a, mem_type, out) >= 0)
            rc = 0;
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

int mc__h5_read_attr_f64(hid_t obj, const char *name, double *value)
{
    return read_numbers(obj, name, H5T_NATIVE_DOUBLE, 1, value);
}

int mc__h5_read_attr_i64(hid_t obj, const char *name, int64_t *value)
{
    return read_numbers(obj, name, H5T_NATIVE_INT64, 1, value);
}

int mc__h5_read_attr_f64_array(hid_t obj, const char *name, size_t n, double *values)
{
    return read_numbers(obj, name, H5T_NATIVE_DOUBLE, n, values);
}

int64_t mc__h5_rows(hid_t dset)
{
    hid_t s = H5Dget_space(dset);
    if (s < 0)
        return -1;
    hsize_t dims[2] = {0, 0};
    int rank = H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    return rank >= 1 ? (int64_t)dims[0] : -1;
}

int mc__h5_read_rows(hid_t dset, hid_t mem_type, int64_t first, int64_t n, size_t cols, void *buf)
{
    if (n == 0)
        return 0;
    hid_t fs = H5Dget_space(dset);
    if (fs < 0)
        return -1;
    int rank = H5Sget_simple_extent_ndims(fs);
    hsize_t start[2] = {(hsize_t)first, 0}, count[2] = {(hsize_t)n, cols};
    int rc = -1;
    hid_t ms = H5Screate_simple(rank, count, NULL);
    if (ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dread(dset, mem_type, ms, fs, H5P_DEFAULT, buf) >= 0)
        rc = 0;
    if (ms >= 0)
        H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

H5T_cset_t mc__h5_table_cset(hid_t dset)
{
    H5T_cset_t cset = H5T_CSET_UTF8;
    hid_t t = H5Dget_type(dset);
    if (t < 0)
        return cset;
    int n = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_nmembers(t) : 0;
    for (int i = 0; i < n; i++) {
        hid_t m = H5Tget_member_type(t, (unsigned)i);
        int found = m >= 0 && H5Tget_class(m) == H5T_STRING;
        if (found)
            cset = H5Tget_cset(m);
        if (m >= 0)
            H5Tclose(m);
        if (found)
            break;
    }
    H5Tclose(t);
    return cset;
}
