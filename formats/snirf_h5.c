/* SPDX-License-Identifier: MIT */
/* formats/snirf_h5.c: checked access to the datasets of a SNIRF file (formats/snirf_internal.h):
 * every dataset is checked (class, rank, size against the bytes it holds) before it is read, and
 * variable-length strings are read from the file's global heap by a bounded parser. */
#define _DEFAULT_SOURCE
#include "formats/snirf_internal.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/internal.h"

/* Deflate cannot shrink data by more than about 1032:1, so a compressed dataset that declares
 * more than this many times its stored bytes is a lie (or a bomb). */
#define MAX_RATIO 1100.0

/* A diagnostic naming the file and the dataset or group path. */
mc_status MC_PRINTF(4, 5)
    mc__snirf_bad(mc__snirf_ctx *c, mc_status st, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mc_diag_set(c->d, st, -1, -1, "%s: %s: %s", c->src, path, msg);
}

static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80             ? 0
                : (*p & 0xe0) == 0xc0 ? 1
                : (*p & 0xf0) == 0xe0 ? 2
                : (*p & 0xf8) == 0xf0 ? 3
                                      : -1;
        if (n < 0 || (n == 1 && *p < 0xc2))
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* ---- links, datasets, scalars ------------------------------------------------------------ */

/* 1 when `name` is a hard link in g (soft and external links are not followed: a file image
 * must not make us open other files). */
int mc__snirf_hard_link(hid_t g, const char *name)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return 0;
    H5L_info_t li;
    return H5Lget_info(g, name, &li, H5P_DEFAULT) >= 0 && li.type == H5L_TYPE_HARD;
}

/* gpath/name (cut to PATH_CAP: only diagnostics and attributes use it). */
void mc__snirf_join(char *out, const char *gpath, const char *name)
{
    if (snprintf(out, PATH_CAP, "%s/%s", gpath, name) >= PATH_CAP)
        out[PATH_CAP - 1] = '\0';
}

/* Open dataset g/name. *out = -1 when absent and not required. */
mc_status mc__snirf_open_ds(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                            int required, hid_t *out)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, name);
    *out = -1;
    if (!mc__snirf_hard_link(g, name))
        return required ? mc__snirf_bad(c, MC_EFORMAT, path, "missing") : MC_OK;
    *out = H5Dopen2(g, name, H5P_DEFAULT);
    return *out < 0 ? mc__snirf_bad(c, MC_EFORMAT, path, "not a readable dataset") : MC_OK;
}

mc_status mc__snirf_open_group(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                               hid_t *out)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, name);
    *out = mc__snirf_hard_link(g, name) ? H5Gopen2(g, name, H5P_DEFAULT) : -1;
    return *out < 0 ? mc__snirf_bad(c, MC_EFORMAT, path, "not a readable group") : MC_OK;
}

/* Shape of a dataset: rank 0..2 and dims (rank 0 gives one element). -1 on error. */
int mc__snirf_shape(hid_t ds, hsize_t dims[2])
{
    dims[0] = dims[1] = 1;
    hid_t sp = H5Dget_space(ds);
    if (sp < 0)
        return -1;
    int rank = H5Sget_simple_extent_ndims(sp);
    if (rank >= 0 && rank <= 2)
        rank = H5Sget_simple_extent_dims(sp, dims, NULL);
    else
        rank = -1;
    if (rank == 0)
        dims[0] = dims[1] = 1;
    if (rank == 1)
        dims[1] = 1;
    if (H5Sget_simple_extent_type(sp) == H5S_NULL)
        dims[0] = 0;
    H5Sclose(sp);
    return rank;
}

int mc__snirf_is_numeric(hid_t ds)
{
    hid_t t = H5Dget_type(ds);
    if (t < 0)
        return 0;
    H5T_class_t k = H5Tget_class(t);
    H5Tclose(t);
    return k == H5T_INTEGER || k == H5T_FLOAT;
}

/* Refuse storage that is not in this file, and sizes the stored bytes cannot hold, before a
 * single value is read or allocated. */
mc_status mc__snirf_check_storage(mc__snirf_ctx *c, hid_t ds, const char *path, uint64_t n_values)
{
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0)
        return mc__snirf_bad(c, MC_EFORMAT, path, "unreadable creation properties");
    H5D_layout_t lay = H5Pget_layout(dcpl);
    int n_ext = H5Pget_external_count(dcpl);
    int n_filters = H5Pget_nfilters(dcpl);
    hsize_t chunk[H5S_MAX_RANK];
    double chunk_values = 1;
    const int chunk_rank = lay == H5D_CHUNKED ? H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk) : 0;
    for (int i = 0; i < chunk_rank; i++)
        chunk_values *= (double)chunk[i];
    H5Pclose(dcpl);
    if (lay == H5D_VIRTUAL || lay < 0 || n_ext != 0 || n_filters < 0)
        return mc__snirf_bad(c, MC_EFORMAT, path, "external or virtual storage is not read");
    hid_t t = H5Dget_type(ds);
    size_t es = t >= 0 ? H5Tget_size(t) : 0;
    if (t >= 0)
        H5Tclose(t);
    if (es == 0 || n_values > UINT64_MAX / es)
        return mc__snirf_bad(c, MC_EFORMAT, path, "impossible size");
    /* HDF5 allocates whole chunks (up to 4 GiB each) before it reads one. */
    if (chunk_rank < 0 || chunk_values * (double)es > 64.0 * 1024 * 1024)
        return mc__snirf_bad(c, MC_EFORMAT, path, "chunks of %.0f values: larger than 64 MiB",
                             chunk_values);
    const double declared = (double)n_values * (double)es;
    const double stored = (double)H5Dget_storage_size(ds);
    if (n_filters == 0 ? stored < declared : declared > stored * MAX_RATIO + 4096.0)
        return mc__snirf_bad(c, MC_EFORMAT, path,
                             "declares %llu values (%.0f bytes) but holds %.0f bytes",
                             (unsigned long long)n_values, declared, stored);
    return MC_OK;
}

/* Would `bytes` more fit under the import's memory bound? */
mc_status mc__snirf_fits(mc__snirf_ctx *c, const char *path, double bytes)
{
    const size_t limit = c->imp->limit_bytes ? c->imp->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    if (bytes > (double)(limit - (c->imp->used_bytes < limit ? c->imp->used_bytes : limit)))
        return mc__snirf_bad(c, MC_ENOMEM, path,
                             "%.0f bytes would pass the import limit of %zu MiB", bytes,
                             limit >> 20);
    return MC_OK;
}

/* A number stored as a scalar or one-element dataset of any integer or float type. */
mc_status mc__snirf_read_nums(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                              int required, size_t n, double *v, int *present)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, name);
    *present = 0;
    hid_t ds;
    mc_status st = mc__snirf_open_ds(c, g, gpath, name, required, &ds);
    if (st != MC_OK || ds < 0)
        return st;
    hsize_t dims[2];
    int rank = mc__snirf_shape(ds, dims);
    if (rank < 0 || dims[0] * dims[1] != n || (dims[0] != 1 && dims[1] != 1) ||
        !mc__snirf_is_numeric(ds))
        st = n == 1 ? mc__snirf_bad(c, MC_EFORMAT, path, "expected one number")
                    : mc__snirf_bad(c, MC_EFORMAT, path, "expected %zu numbers", n);
    else if (n > 1 && (st = mc__snirf_check_storage(c, ds, path, n)) != MC_OK)
        ;
    else if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable");
    for (size_t i = 0; i < n && st == MC_OK; i++)
        if (!isfinite(v[i]))
            st = mc__snirf_bad(c, MC_EFORMAT, path, "value %zu is not a finite number", i);
    H5Dclose(ds);
    *present = st == MC_OK;
    return st;
}

mc_status mc__snirf_read_num(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                             int required, double *v, int *present)
{
    return mc__snirf_read_nums(c, g, gpath, name, required, 1, v, present);
}

/* Bytes [off, off + n) of the file (an absolute offset: add the user block to HDF5 addresses).
 * 0 or -1. */
static int get_bytes(mc__snirf_ctx *c, uint64_t off, void *dst, size_t n)
{
    if (off > c->file_bytes || c->file_bytes - off < n)
        return -1;
    if (c->image) {
        memcpy(dst, c->image + off, n);
        return 0;
    }
    if (!c->fp)
        c->fp = fopen(c->path, "rb"); /* closed by read_file */
    return c->fp && fseeko(c->fp, (off_t)off, SEEK_SET) == 0 && fread(dst, 1, n, c->fp) == n ? 0
                                                                                             : -1;
}

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* A variable-length string read without libhdf5's global heap code. libhdf5 1.10.8 trusts the
 * lengths it finds there: a corrupt file makes it allocate up to 4 GiB or memcpy past its
 * buffers (H5HG_read, found by fuzz_snirf). A contiguous dataset's raw element is (uint32
 * length, heap collection address, uint32 object index) (HDF5 file format spec, "Variable-length
 * data" and "Global Heap"), so we read the collection ourselves with every bound checked.
 * @return 0 read, 1 not contiguous (left to HDF5), -1 malformed */
static int read_vlen_direct(mc__snirf_ctx *c, hid_t ds, uint64_t element, char *buf)
{
    const haddr_t a = H5Dget_offset(ds);
    if (a == HADDR_UNDEF || c->sizeof_addr < 2 || c->sizeof_addr > 8 || c->sizeof_size < 2 ||
        c->sizeof_size > 8)
        return 1;
    uint8_t el[4 + 8 + 4], head[16], obj[24];
    const size_t sa = c->sizeof_addr, ss = c->sizeof_size;
    /* H5Dget_offset is a file offset; addresses inside the file are relative to its base (after
     * the user block). */
    if (get_bytes(c, (uint64_t)a + element * (4 + sa + 4), el, 4 + sa + 4) < 0)
        return -1;
    const uint64_t len = le(el, 4), index = le(el + 4 + sa, 4);
    const uint64_t coll = le(el + 4, sa) + c->base;
    if (len == 0) {
        buf[0] = '\0';
        return 0;
    }
    if (get_bytes(c, coll, head, 8 + ss) < 0 || memcmp(head, "GCOL", 4) != 0 || head[4] != 1)
        return -1;
    const uint64_t coll_size = le(head + 8, ss);
    if (coll_size > c->file_bytes)
        return -1;
    /* Objects follow the header, each (uint16 index, uint16 refs, 4 reserved, size, data padded
     * to 8 bytes); index 0 is the free space, which ends the list. */
    uint64_t pos = 8 + ss;
    while (pos + 8 + ss <= coll_size) {
        if (get_bytes(c, coll + pos, obj, 8 + ss) < 0)
            return -1;
        const uint64_t k = le(obj, 2), size = le(obj + 8, ss);
        if (k == 0 || size > coll_size - pos - 8 - ss)
            return -1;
        if (k == index) {
            if (len > size)
                return -1;
            const size_t keep = len < STR_CAP - 1 ? (size_t)len : STR_CAP - 1;
            if (get_bytes(c, coll + pos + 8 + ss, buf, keep) < 0)
                return -1;
            buf[keep] = '\0';
            return 0;
        }
        pos += 8 + ss + ((size + 7) & ~(uint64_t)7);
    }
    return -1;
}

/* n strings stored as a scalar (n = 1) or a vector, fixed- or variable-length, into
 * bufs[n * STR_CAP]. */
mc_status mc__snirf_read_strs(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                              int required, size_t n, char *bufs, int *present)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, name);
    *present = 0;
    for (size_t i = 0; i < n; i++)
        bufs[i * STR_CAP] = '\0';
    hid_t ds;
    mc_status st = mc__snirf_open_ds(c, g, gpath, name, required, &ds);
    if (st != MC_OK || ds < 0)
        return st;
    hsize_t dims[2];
    int rank = mc__snirf_shape(ds, dims);
    hid_t ft = H5Dget_type(ds);
    const int vlen = ft >= 0 && H5Tis_variable_str(ft) > 0;
    int direct = 1;
    if (rank < 0 || dims[0] * dims[1] != n || (dims[0] != 1 && dims[1] != 1) || ft < 0 ||
        H5Tget_class(ft) != H5T_STRING) {
        st = n == 1 ? mc__snirf_bad(c, MC_EFORMAT, path, "expected one string")
                    : mc__snirf_bad(c, MC_EFORMAT, path, "expected %zu strings", n);
    } else if (n > 1 && (st = mc__snirf_check_storage(c, ds, path, n)) != MC_OK) {
        ;
    } else if (vlen) {
        /* Element by element through our heap parser; HDF5 only when it cannot apply. */
        direct = 0;
        for (size_t i = 0; i < n && direct <= 0; i++)
            direct = read_vlen_direct(c, ds, i, bufs + i * STR_CAP);
        if (direct < 0)
            st = mc__snirf_bad(c, MC_EFORMAT, path,
                               "variable-length string outside the file's heap");
    }
    if (st == MC_OK && vlen && direct > 0) {
        char **v = calloc(n, sizeof *v);
        hid_t mt = H5Tcopy(H5T_C_S1);
        if (!v || mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mt, H5Tget_cset(ft)) < 0 ||
            H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable string");
        } else {
            for (size_t i = 0; i < n; i++)
                snprintf(bufs + i * STR_CAP, STR_CAP, "%s", v[i] ? v[i] : "");
            hid_t sp = H5Dget_space(ds);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
            H5Sclose(sp);
        }
        if (mt >= 0)
            H5Tclose(mt);
        free(v);
    } else if (st == MC_OK && !vlen) {
        size_t len = H5Tget_size(ft);
        char *raw = len > 0 && len <= STR_FILE_MAX ? calloc(n, len + 1) : NULL;
        hid_t mt = raw ? mc__h5_fixed_string(len + 1, H5Tget_cset(ft)) : -1;
        if (!raw || mt < 0 || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0)
            st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable string of %zu bytes", len);
        else
            for (size_t i = 0; i < n; i++) {
                /* Space-padded strings (MATLAB, Fortran) lose their padding. */
                char *b = bufs + i * STR_CAP;
                size_t k = (size_t)snprintf(b, STR_CAP, "%.*s", (int)len, raw + i * (len + 1));
                for (k = k < STR_CAP ? k : STR_CAP - 1; k > 0 && b[k - 1] == ' '; k--)
                    b[k - 1] = '\0';
            }
        if (mt >= 0)
            H5Tclose(mt);
        free(raw);
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(ds);
    for (size_t i = 0; i < n && st == MC_OK; i++)
        if (!utf8_ok(bufs + i * STR_CAP))
            st = mc__snirf_bad(c, MC_EFORMAT, path, "not UTF-8 text");
    *present = st == MC_OK;
    return st;
}

mc_status mc__snirf_read_str(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                             int required, char *buf, int *present)
{
    return mc__snirf_read_strs(c, g, gpath, name, required, 1, buf, present);
}

/* ---- numbered members ("measurementList12", "stim3") --------------------------------------- */

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    mc__snirf_members *l = data;
    const size_t pl = strlen(l->prefix), nl = strlen(name);
    if (info->type != H5L_TYPE_HARD || strncmp(name, l->prefix, pl) != 0 || nl >= 48 ||
        nl - pl > 9 || (nl == pl && !l->bare_ok))
        return 0;
    unsigned long k = 0;
    for (const char *p = name + pl; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        k = k * 10 + (unsigned long)(*p - '0');
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        mc__snirf_member *m = realloc(l->m, cap * sizeof *m);
        if (!m) {
            l->oom = 1;
            return 1;
        }
        l->m = m;
        l->cap = cap;
    }
    l->m[l->n].k = k;
    snprintf(l->m[l->n].name, sizeof l->m[l->n].name, "%s", name);
    l->n++;
    return 0;
}

static int by_k(const void *a, const void *b)
{
    const mc__snirf_member *x = a, *y = b;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* The mc__snirf_members of g named prefix<k>, sorted by k (h5ls lists 1, 10, 100, 2, ...). */
mc_status mc__snirf_list_members(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *prefix,
                                 int bare_ok, mc__snirf_members *l)
{
    memset(l, 0, sizeof *l);
    l->prefix = prefix;
    l->bare_ok = bare_ok;
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, l) < 0 || l->oom) {
        free(l->m);
        l->m = NULL;
        return l->oom ? mc__snirf_bad(c, MC_ENOMEM, gpath, "out of memory")
                      : mc__snirf_bad(c, MC_EFORMAT, gpath, "unreadable group");
    }
    if (l->n > 1)
        qsort(l->m, l->n, sizeof *l->m, by_k);
    return MC_OK;
}
