/* SPDX-License-Identifier: MIT */
/* formats/snirf_read.c: SNIRF files (from a path or a file image) read into an mc_import
 * (formats/snirf.h). Every dataset is checked (class, rank, size against the bytes it holds)
 * before it is read; a problem gives one diagnostic naming the file and the dataset path. */
#define _DEFAULT_SOURCE
#include "formats/snirf.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/internal.h"
#include "formats/snirf_internal.h"

/* ---- time ---------------------------------------------------------------------------------- */

typedef struct timebase {
    double rate_hz; /* > 0 regular, 0 irregular */
    int64_t start_ns;
    int64_t *t_ns; /* irregular: [n] */
} timebase;

static int to_ns(double t_s, int64_t *ns)
{
    if (!(fabs(t_s) < 9.2e9))
        return -1;
    *ns = (int64_t)llround(t_s * 1e9);
    return 0;
}

/* The time base of a block of n rows: g/time holds n times, or (start, step) when n != 2.
 * `offset_s` is added (aux timeOffset). */
static mc_status read_time(mc__snirf_ctx *c, hid_t g, const char *gpath, uint64_t n,
                           double offset_s, timebase *tb)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, "time");
    memset(tb, 0, sizeof *tb);
    hid_t ds;
    mc_status st = mc__snirf_open_ds(c, g, gpath, "time", 1, &ds);
    if (st != MC_OK)
        return st;
    hsize_t dims[2];
    int rank = mc__snirf_shape(ds, dims);
    const uint64_t m = rank < 0 ? 0 : (uint64_t)dims[0] * dims[1];
    double *t = NULL;
    if (rank < 0 || (rank == 2 && dims[1] != 1 && dims[0] != 1) || !mc__snirf_is_numeric(ds)) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "expected a vector of numbers");
        goto done;
    }
    if (m != n && !(m == 2 && n != 2)) {
        st = mc__snirf_bad(c, MC_EFORMAT, path,
                           "%llu times for %llu rows of data (expected %llu, or 2 = "
                           "start, step)",
                           (unsigned long long)m, (unsigned long long)n, (unsigned long long)n);
        goto done;
    }
    if ((st = mc__snirf_check_storage(c, ds, path, m)) != MC_OK ||
        (st = mc__snirf_fits(c, path, (double)m * 16.0)) != MC_OK)
        goto done;
    t = malloc((size_t)m * sizeof *t);
    if (!t) {
        st = mc__snirf_bad(c, MC_ENOMEM, path, "out of memory for %llu times",
                           (unsigned long long)m);
        goto done;
    }
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable");
        goto done;
    }
    for (uint64_t i = 0; i < m; i++) {
        t[i] = t[i] * c->t_scale + offset_s + c->group_offset_s;
        if (!isfinite(t[i]) || fabs(t[i]) >= 9.2e9) {
            st = mc__snirf_bad(c, MC_EFORMAT, path, "time %llu is not a usable number",
                               (unsigned long long)i);
            goto done;
        }
    }
    if (m != n) { /* start, step */
        const double step = t[1] - offset_s - c->group_offset_s;
        if (!(step >= 1e-9) || to_ns(t[0], &tb->start_ns) < 0) {
            st = mc__snirf_bad(c, MC_EFORMAT, path, "impossible step %g s", step);
            goto done;
        }
        tb->rate_hz = 1.0 / step;
        goto done;
    }
    for (uint64_t i = 1; i < n; i++)
        if (t[i] < t[i - 1]) {
            st = mc__snirf_bad(c, MC_EFORMAT, path,
                               "times go backwards at row %llu (%.9g s after %.9g s)",
                               (unsigned long long)i, t[i], t[i - 1]);
            goto done;
        }
    /* Regular when every time lies within 1e-3 of a step of the line through the first and
     * the last: float32 vendor times (Kernel) jitter by 2e-6 of a step. */
    const double step = n > 1 ? (t[n - 1] - t[0]) / (double)(n - 1) : 0;
    int regular = n > 1 && step >= 1e-9;
    for (uint64_t i = 0; regular && i < n; i++)
        regular = fabs(t[i] - (t[0] + (double)i * step)) <= 1e-3 * step;
    if (regular) {
        tb->rate_hz = 1.0 / step;
        to_ns(t[0], &tb->start_ns);
        goto done;
    }
    tb->t_ns = malloc((size_t)n * sizeof *tb->t_ns);
    if (!tb->t_ns) {
        st = mc__snirf_bad(c, MC_ENOMEM, path, "out of memory for %llu times",
                           (unsigned long long)n);
        goto done;
    }
    for (uint64_t i = 0; i < n; i++)
        to_ns(t[i], &tb->t_ns[i]);
done:
    free(t);
    H5Dclose(ds);
    return st;
}

/* ---- streams ------------------------------------------------------------------------------- */

/* A UCUM unit for the SNIRF dataUnit text (SI identifiers), or the text itself. */
/* Adds a stream described by the file: a description mcirc cannot hold (a unit over 63 bytes,
 * say) is the file's fault, so MC_EINVAL becomes MC_EFORMAT naming the group. */
static mc_status add_stream(mc__snirf_ctx *c, const char *gpath, const mc_stream_info *info,
                            int64_t start_ns, size_t *index)
{
    mc_diag local;
    mc_status st = mc_import_add_stream(c->imp, info, start_ns, index, &local);
    if (st == MC_EINVAL)
        return mc__snirf_bad(c, MC_EFORMAT, gpath, "%s", local.message);
    if (st != MC_OK && c->d)
        *c->d = local;
    return st;
}

static const char *ucum(const char *u)
{
    static const char *const map[][2] = {
        {"M", "mol/L"},     {"mM", "mmol/L"},   {"uM", "umol/L"}, {"\xc2\xb5M", "umol/L"},
        {"umol", "umol/L"}, {"mol/L", "mol/L"}, {"V", "V"},       {"mV", "mV"},
        {"%", "%"},
    };
    if (!u[0])
        return "a.u.";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            return map[i][1];
    return u;
}

/* The column block of a data or aux dataset, appended to one stream per column. */
static mc_status read_columns(mc__snirf_ctx *c, hid_t ds, const char *path, uint64_t rows,
                              uint64_t cols, const size_t *stream, const timebase *tb)
{
    const size_t block = cols < BLOCK_VALUES ? BLOCK_VALUES / (size_t)cols : 1;
    float *buf = malloc(block * (size_t)cols * sizeof *buf);
    float *col = malloc(block * sizeof *col);
    mc_status st = MC_OK;
    if (!buf || !col)
        st = mc__snirf_bad(c, MC_ENOMEM, path, "out of memory");
    for (uint64_t r = 0; st == MC_OK && r < rows; r += block) {
        const size_t nb = rows - r < block ? (size_t)(rows - r) : block;
        if (mc__h5_read_rows(ds, H5T_NATIVE_FLOAT, (int64_t)r, (int64_t)nb, (size_t)cols, buf) <
            0) {
            st = mc__snirf_bad(c, MC_EFORMAT, path, "rows %llu..%llu unreadable",
                               (unsigned long long)r, (unsigned long long)(r + nb - 1));
            break;
        }
        for (uint64_t j = 0; st == MC_OK && j < cols; j++) {
            for (size_t i = 0; i < nb; i++)
                col[i] = buf[i * cols + j];
            st = mc_import_append(c->imp, stream[j], nb, col, tb->t_ns ? tb->t_ns + r : NULL, c->d);
        }
    }
    free(buf);
    free(col);
    return st;
}

/* Opens g/dataTimeSeries: numeric, rank 1 or 2, at least one row and column, plausible size. */
static mc_status open_series(mc__snirf_ctx *c, hid_t g, const char *gpath, hid_t *ds,
                             uint64_t *rows, uint64_t *cols)
{
    char path[PATH_CAP];
    mc__snirf_join(path, gpath, "dataTimeSeries");
    mc_status st = mc__snirf_open_ds(c, g, gpath, "dataTimeSeries", 1, ds);
    if (st != MC_OK)
        return st;
    hsize_t dims[2];
    int rank = mc__snirf_shape(*ds, dims);
    *rows = dims[0];
    *cols = dims[1];
    if (rank < 1 || !mc__snirf_is_numeric(*ds))
        st = mc__snirf_bad(c, MC_EFORMAT, path, "expected a numeric dataset [time, channel]");
    else if (*rows == 0 || *cols == 0)
        st = mc__snirf_bad(c, MC_EFORMAT, path, "no samples");
    else if ((st = mc__snirf_check_storage(c, *ds, path, *rows * *cols)) == MC_OK)
        st = mc__snirf_fits(c, path, (double)*rows * (double)*cols * 4.0 + (double)*rows * 16.0);
    return st;
}

static void kv(mc_kv *a, size_t *n, const char *key, const char *value)
{
    a[*n].key = key;
    a[*n].value = value;
    (*n)++;
}

/* The measurement channel description of measurementList<k>. */
typedef struct channel {
    double src, det, wl_index, type, type_index;
    int has_wl, has_type_index;
    char label[STR_CAP], unit[STR_CAP];
} channel;

static mc_status check_channel(mc__snirf_ctx *c, const char *gpath, channel *ch);

static mc_status read_channel(mc__snirf_ctx *c, hid_t g, const char *gpath, channel *ch)
{
    int p = 0, has_label, has_unit;
    mc_status st;
    memset(ch, 0, sizeof *ch);
    if ((st = mc__snirf_read_num(c, g, gpath, "sourceIndex", 1, &ch->src, &p)) != MC_OK ||
        (st = mc__snirf_read_num(c, g, gpath, "detectorIndex", 1, &ch->det, &p)) != MC_OK ||
        (st = mc__snirf_read_num(c, g, gpath, "dataType", 1, &ch->type, &p)) != MC_OK ||
        (st = mc__snirf_read_num(c, g, gpath, "wavelengthIndex", 0, &ch->wl_index, &ch->has_wl)) !=
            MC_OK ||
        (st = mc__snirf_read_num(c, g, gpath, "dataTypeIndex", 0, &ch->type_index,
                                 &ch->has_type_index)) != MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "dataTypeLabel", 0, ch->label, &has_label)) !=
            MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "dataUnit", 0, ch->unit, &has_unit)) != MC_OK)
        return st;
    return check_channel(c, gpath, ch);
}

/* The rules every channel obeys, however its description is stored. */
static mc_status check_channel(mc__snirf_ctx *c, const char *gpath, channel *ch)
{
    const double idx[] = {ch->src, ch->det, ch->has_wl ? ch->wl_index : 1};
    const char *names[] = {"sourceIndex", "detectorIndex", "wavelengthIndex"};
    for (size_t i = 0; i < 3; i++)
        if (!(idx[i] >= 1 && idx[i] <= MAX_INDEX && idx[i] == floor(idx[i])))
            return mc__snirf_bad(c, MC_EFORMAT, gpath, "%s %g is not an index 1..%d", names[i],
                                 idx[i], MAX_INDEX);
    if (!(ch->type >= 0 && ch->type <= 1e6 && ch->type == floor(ch->type)))
        return mc__snirf_bad(c, MC_EFORMAT, gpath, "dataType %g is not a SNIRF type code",
                             ch->type);
    if (ch->has_wl && (size_t)ch->wl_index > c->n_wl)
        return mc__snirf_bad(c, MC_EFORMAT, gpath,
                             "wavelengthIndex %g, but the probe has %zu wavelengths", ch->wl_index,
                             c->n_wl);
    if (ch->type == 1 && !ch->has_wl)
        return mc__snirf_bad(c, MC_EFORMAT, gpath,
                             "CW amplitude (dataType 1) without wavelengthIndex");
    if (ch->type == 99999 && !ch->label[0])
        snprintf(ch->label, sizeof ch->label, "processed");
    return MC_OK;
}

static mc_status add_channel_stream(mc__snirf_ctx *c, const char *gpath, const channel *ch,
                                    const timebase *tb, size_t *index)
{
    char base[STR_CAP], name[MC_NAME_MAX + 1], wl[32] = "", srcs[24], dets[24], types[24];
    const long s = (long)ch->src, dt = (long)ch->type;
    const long det = (long)ch->det;
    if (ch->has_wl)
        snprintf(wl, sizeof wl, "%g", c->wl[(size_t)ch->wl_index - 1]);
    if (dt == 1)
        snprintf(base, sizeof base, "S%ld_D%ld_%snm", s, det, wl);
    else if (ch->label[0])
        snprintf(base, sizeof base, "S%ld_D%ld_%.64s", s, det, ch->label);
    else
        snprintf(base, sizeof base, "S%ld_D%ld_%s%stype%ld", s, det, wl, wl[0] ? "nm_" : "", dt);
    mc_import_stream_name(base, "nirs", name);
    snprintf(srcs, sizeof srcs, "%ld", s);
    snprintf(dets, sizeof dets, "%ld", det);
    snprintf(types, sizeof types, "%ld", dt);
    mc_kv attrs[8];
    size_t n = 0;
    kv(attrs, &n, "source_index", srcs);
    kv(attrs, &n, "detector_index", dets);
    kv(attrs, &n, "data_type", types);
    if (ch->label[0])
        kv(attrs, &n, "data_type_label", ch->label);
    if (wl[0])
        kv(attrs, &n, "wavelength_nm", wl);
    if (c->wl_text[0])
        kv(attrs, &n, "probe_wavelengths_nm", c->wl_text);
    kv(attrs, &n, "snirf_group", gpath);
    char chname[MC_NAME_MAX + 1];
    if (dt == 1)
        snprintf(chname, sizeof chname, "intensity");
    else
        mc_import_stream_name(ch->label[0] ? ch->label : types, "value", chname);
    mc_channel_info chi = {.name = chname, .unit = ucum(ch->unit), .scale_gain = 1};
    mc_stream_info info = {.name = name,
                           .modality = MC_MODALITY_NIRS,
                           .n_channels = 1,
                           .channels = &chi,
                           .rate_hz = tb->rate_hz,
                           .device_model = c->manufacturer,
                           .driver = "snirf",
                           .n_attrs = n,
                           .attrs = attrs};
    return add_stream(c, gpath, &info, tb->start_ns, index);
}

/* SNIRF 1.1's alternative to measurementList<k> groups: one group measurementLists of arrays
 * [n channels]. */
static mc_status read_lists(mc__snirf_ctx *c, hid_t g, const char *gpath, uint64_t n,
                            const timebase *tb, size_t *stream)
{
    char lpath[PATH_CAP];
    mc__snirf_join(lpath, gpath, "measurementLists");
    hid_t lg;
    mc_status st = mc__snirf_fits(c, lpath, (double)n * (6 * 8 + 2 * STR_CAP));
    if (st != MC_OK || (st = mc__snirf_open_group(c, g, gpath, "measurementLists", &lg)) != MC_OK)
        return st;
    const char *num_names[] = {"sourceIndex", "detectorIndex", "dataType", "wavelengthIndex",
                               "dataTypeIndex"};
    double *v[5] = {NULL};
    int has[5] = {0}, has_label = 0, has_unit = 0;
    char *labels = calloc((size_t)n, STR_CAP), *units = calloc((size_t)n, STR_CAP);
    if (!labels || !units)
        st = mc__snirf_bad(c, MC_ENOMEM, lpath, "out of memory");
    for (size_t f = 0; f < 5 && st == MC_OK; f++) {
        v[f] = calloc((size_t)n, sizeof(double));
        st = v[f] ? mc__snirf_read_nums(c, lg, lpath, num_names[f], f < 3, (size_t)n, v[f], &has[f])
                  : mc__snirf_bad(c, MC_ENOMEM, lpath, "out of memory");
    }
    if (st == MC_OK)
        st = mc__snirf_read_strs(c, lg, lpath, "dataTypeLabel", 0, (size_t)n, labels, &has_label);
    if (st == MC_OK)
        st = mc__snirf_read_strs(c, lg, lpath, "dataUnit", 0, (size_t)n, units, &has_unit);
    for (uint64_t j = 0; j < n && st == MC_OK; j++) {
        channel ch;
        memset(&ch, 0, sizeof ch);
        ch.src = v[0][j];
        ch.det = v[1][j];
        ch.type = v[2][j];
        ch.wl_index = v[3][j];
        ch.has_wl = has[3];
        ch.type_index = v[4][j];
        ch.has_type_index = has[4];
        memcpy(ch.label, labels + j * STR_CAP, STR_CAP);
        memcpy(ch.unit, units + j * STR_CAP, STR_CAP);
        char cpath[PATH_CAP + 24];
        snprintf(cpath, sizeof cpath, "%s[%llu]", lpath, (unsigned long long)j);
        if ((st = check_channel(c, cpath, &ch)) == MC_OK)
            st = add_channel_stream(c, gpath, &ch, tb, &stream[j]);
    }
    for (size_t f = 0; f < 5; f++)
        free(v[f]);
    free(labels);
    free(units);
    H5Gclose(lg);
    return st;
}

static mc_status read_data(mc__snirf_ctx *c, hid_t nirs, const char *npath, const char *dname)
{
    char gpath[PATH_CAP], path[PATH_CAP];
    mc__snirf_join(gpath, npath, dname);
    mc__snirf_join(path, gpath, "dataTimeSeries");
    hid_t g, ds = -1;
    mc_status st = mc__snirf_open_group(c, nirs, npath, dname, &g);
    if (st != MC_OK)
        return st;
    uint64_t rows = 0, cols = 0;
    mc__snirf_members ml = {0};
    timebase tb = {0};
    size_t *stream = NULL;
    if ((st = open_series(c, g, gpath, &ds, &rows, &cols)) != MC_OK ||
        (st = read_time(c, g, gpath, rows, 0, &tb)) != MC_OK ||
        (st = mc__snirf_list_members(c, g, gpath, "measurementList", 0, &ml)) != MC_OK)
        goto done;
    const int lists = ml.n == 0 && mc__snirf_hard_link(g, "measurementLists");
    if (ml.n != cols && !lists) {
        st = mc__snirf_bad(c, MC_EFORMAT, gpath, "%zu measurementList groups for %llu data columns",
                           ml.n, (unsigned long long)cols);
        goto done;
    }
    stream = calloc((size_t)cols, sizeof *stream);
    if (!stream) {
        st = mc__snirf_bad(c, MC_ENOMEM, gpath, "out of memory");
        goto done;
    }
    if (lists)
        st = read_lists(c, g, gpath, cols, &tb, stream);
    for (size_t j = 0; j < ml.n && st == MC_OK; j++) {
        char mpath[PATH_CAP];
        mc__snirf_join(mpath, gpath, ml.m[j].name);
        hid_t mg;
        channel ch;
        if ((st = mc__snirf_open_group(c, g, gpath, ml.m[j].name, &mg)) != MC_OK)
            break;
        st = read_channel(c, mg, mpath, &ch);
        H5Gclose(mg);
        if (st == MC_OK)
            st = add_channel_stream(c, gpath, &ch, &tb, &stream[j]);
    }
    if (st == MC_OK)
        st = read_columns(c, ds, path, rows, cols, stream, &tb);
done:
    free(stream);
    free(ml.m);
    free(tb.t_ns);
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    return st;
}

static mc_status read_aux(mc__snirf_ctx *c, hid_t nirs, const char *npath,
                          const mc__snirf_member *m)
{
    char gpath[PATH_CAP], path[PATH_CAP];
    mc__snirf_join(gpath, npath, m->name);
    mc__snirf_join(path, gpath, "dataTimeSeries");
    hid_t g, ds = -1;
    mc_status st = mc__snirf_open_group(c, nirs, npath, m->name, &g);
    if (st != MC_OK)
        return st;
    char label[STR_CAP], unit[STR_CAP];
    int p;
    double offset = 0;
    uint64_t rows = 0, cols = 0;
    timebase tb = {0};
    size_t *stream = NULL;
    if ((st = mc__snirf_read_str(c, g, gpath, "name", 0, label, &p)) != MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "dataUnit", 0, unit, &p)) != MC_OK ||
        (st = mc__snirf_read_num(c, g, gpath, "timeOffset", 0, &offset, &p)) != MC_OK ||
        (st = open_series(c, g, gpath, &ds, &rows, &cols)) != MC_OK ||
        (st = read_time(c, g, gpath, rows, offset * c->t_scale, &tb)) != MC_OK)
        goto done;
    stream = calloc((size_t)cols, sizeof *stream);
    if (!stream) {
        st = mc__snirf_bad(c, MC_ENOMEM, gpath, "out of memory");
        goto done;
    }
    for (uint64_t j = 0; j < cols && st == MC_OK; j++) {
        char base[STR_CAP + 16], name[MC_NAME_MAX + 1];
        snprintf(base, sizeof base, "%s", label[0] ? label : m->name);
        if (cols > 1 && snprintf(base + strlen(base), 16, "_%u", (unsigned)(j + 1)) < 0)
            break;
        mc_import_stream_name(base, m->name, name);
        mc_kv attrs[1];
        size_t n = 0;
        kv(attrs, &n, "snirf_group", gpath);
        mc_channel_info chi = {.name = "value", .unit = ucum(unit), .scale_gain = 1};
        mc_stream_info info = {.name = name,
                               .modality = mc_import_guess_modality(name, unit),
                               .n_channels = 1,
                               .channels = &chi,
                               .rate_hz = tb.rate_hz,
                               .device_model = c->manufacturer,
                               .driver = "snirf",
                               .n_attrs = n,
                               .attrs = attrs};
        st = add_stream(c, gpath, &info, tb.start_ns, &stream[j]);
    }
    if (st == MC_OK)
        st = read_columns(c, ds, path, rows, cols, stream, &tb);
done:
    free(stream);
    free(tb.t_ns);
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    return st;
}

static mc_status read_stim(mc__snirf_ctx *c, hid_t nirs, const char *npath,
                           const mc__snirf_member *m)
{
    char gpath[PATH_CAP], path[PATH_CAP];
    mc__snirf_join(gpath, npath, m->name);
    mc__snirf_join(path, gpath, "data");
    hid_t g, ds = -1;
    mc_status st = mc__snirf_open_group(c, nirs, npath, m->name, &g);
    if (st != MC_OK)
        return st;
    char label[STR_CAP];
    int p;
    double *v = NULL;
    if ((st = mc__snirf_read_str(c, g, gpath, "name", 0, label, &p)) != MC_OK ||
        (st = mc__snirf_open_ds(c, g, gpath, "data", 0, &ds)) != MC_OK || ds < 0)
        goto done;
    hsize_t dims[2];
    int rank = mc__snirf_shape(ds, dims);
    uint64_t rows = dims[0], cols = dims[1];
    if (rank == 1 && rows > 0) { /* one stim as a vector */
        cols = rows;
        rows = 1;
    }
    if (rank < 0 || !mc__snirf_is_numeric(ds) || (rows > 0 && cols < 3)) {
        st = mc__snirf_bad(c, MC_EFORMAT, path,
                           "expected numbers [n, 3]: onset, duration, amplitude");
        goto done;
    }
    if (rows == 0)
        goto done;
    if (rows > MAX_STIM_ROWS || cols > 64) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "%llu x %llu values: too many for stims",
                           (unsigned long long)rows, (unsigned long long)cols);
        goto done;
    }
    if ((st = mc__snirf_check_storage(c, ds, path, rows * cols)) != MC_OK)
        goto done;
    v = malloc((size_t)(rows * cols) * sizeof *v);
    if (!v) {
        st = mc__snirf_bad(c, MC_ENOMEM, path, "out of memory");
        goto done;
    }
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable");
        goto done;
    }
    for (uint64_t i = 0; i < rows && st == MC_OK; i++) {
        const double *row = v + i * cols;
        const double onset = row[0] * c->t_scale + c->group_offset_s, dur = row[1] * c->t_scale;
        mc_event ev;
        memset(&ev, 0, sizeof ev);
        if (to_ns(onset, &ev.t_ns) < 0 || !isfinite(dur)) {
            st = mc__snirf_bad(c, MC_EFORMAT, path,
                               "row %llu: onset or duration not a usable number",
                               (unsigned long long)i);
            break;
        }
        snprintf(ev.kind, sizeof ev.kind, "stim");
        const char *nm = label[0] ? label : m->name;
        if (dur != 0)
            snprintf(ev.text, sizeof ev.text, "%.200s (duration %.9g s)", nm, dur);
        else
            snprintf(ev.text, sizeof ev.text, "%.200s", nm);
        ev.value = row[2];
        st = mc_import_add_event(c->imp, &ev, c->d);
    }
done:
    free(v);
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    return st;
}

/* ---- metadata ------------------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* "YYYY-MM-DD" + "hh:mm:ss[.f][Z|+hh:mm|-hh:mm|+hhmm]" (ISO 8601 as SNIRF asks); no zone = UTC. */
static int parse_start(const char *date, const char *tm, int64_t *ns)
{
    int y, mo, dd, h, mi, s;
    if (strlen(date) != 10 || digits(date, 4, &y) || date[4] != '-' || digits(date + 5, 2, &mo) ||
        date[7] != '-' || digits(date + 8, 2, &dd) || mo < 1 || mo > 12 || dd < 1 || dd > 31)
        return -1;
    if (strlen(tm) < 8 || digits(tm, 2, &h) || tm[2] != ':' || digits(tm + 3, 2, &mi) ||
        tm[5] != ':' || digits(tm + 6, 2, &s) || h > 23 || mi > 59 || s > 60)
        return -1;
    const char *p = tm + 8;
    int64_t frac = 0, scale = 1000000000;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
    }
    int64_t zone_s = 0;
    if (*p == '+' || *p == '-') {
        int zh, zm = 0;
        const int sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(p, 2, &zh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (*p && digits(p, 2, &zm))
            return -1;
        p += *p ? 2 : 0;
        zone_s = sign * (zh * 3600 + zm * 60);
    } else if (*p == 'Z') {
        p++;
    }
    if (*p)
        return -1;
    const int64_t secs = days_from_civil(y, mo, dd) * 86400 + h * 3600 + mi * 60 + s - zone_s;
    *ns = secs * 1000000000 + frac;
    return 0;
}

static mc_status read_meta(mc__snirf_ctx *c, hid_t nirs, const char *npath, int first)
{
    char gpath[PATH_CAP];
    mc__snirf_join(gpath, npath, "metaDataTags");
    c->t_scale = 1;
    c->group_offset_s = 0;
    c->manufacturer[0] = '\0';
    if (!mc__snirf_hard_link(nirs, "metaDataTags"))
        return MC_OK; /* required by the spec, but its absence loses only the start time */
    hid_t g;
    mc_status st = mc__snirf_open_group(c, nirs, npath, "metaDataTags", &g);
    if (st != MC_OK)
        return st;
    /* Only these tags are read: SubjectID, names and birth dates are never touched. */
    char date[STR_CAP], tm[STR_CAP], unit[STR_CAP];
    int has_date, has_time, has_unit, p;
    if ((st = mc__snirf_read_str(c, g, gpath, "MeasurementDate", 0, date, &has_date)) != MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "MeasurementTime", 0, tm, &has_time)) != MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "TimeUnit", 0, unit, &has_unit)) != MC_OK ||
        (st = mc__snirf_read_str(c, g, gpath, "ManufacturerName", 0, c->manufacturer, &p)) != MC_OK)
        goto done;
    static const struct {
        const char *name;
        double scale;
    } units[] = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"unknown", 1}};
    if (has_unit && unit[0]) { /* an empty TimeUnit (vendor files) reads as seconds */
        size_t i = 0;
        while (i < sizeof units / sizeof units[0] && strcmp(unit, units[i].name) != 0)
            i++;
        if (i == sizeof units / sizeof units[0]) {
            char path[PATH_CAP];
            mc__snirf_join(path, gpath, "TimeUnit");
            st = mc__snirf_bad(c, MC_EFORMAT, path, "time unit \"%s\" not understood (s, ms, us)",
                               unit);
            goto done;
        }
        c->t_scale = units[i].scale;
    }
    /* The first group's date is the recording's start; a later group (another run) whose date
     * is known is placed at its own start on that timeline. */
    int64_t ns;
    const int dated = has_date && has_time && parse_start(date, tm, &ns) == 0;
    c->group_offset_s = 0;
    if (first && dated)
        c->imp->start_unix_ns = ns;
    else if (dated && c->imp->start_unix_ns != MC_IMPORT_NO_TIME)
        c->group_offset_s = (double)(ns - c->imp->start_unix_ns) * 1e-9;
done:
    H5Gclose(g);
    return st;
}

static mc_status read_probe(mc__snirf_ctx *c, hid_t nirs, const char *npath)
{
    char gpath[PATH_CAP], path[PATH_CAP];
    mc__snirf_join(gpath, npath, "probe");
    mc__snirf_join(path, gpath, "wavelengths");
    c->n_wl = 0;
    c->wl_text[0] = '\0';
    if (!mc__snirf_hard_link(nirs, "probe"))
        return MC_OK;
    hid_t g, ds = -1;
    mc_status st = mc__snirf_open_group(c, nirs, npath, "probe", &g);
    if (st != MC_OK)
        return st;
    if ((st = mc__snirf_open_ds(c, g, gpath, "wavelengths", 0, &ds)) != MC_OK || ds < 0)
        goto done;
    hsize_t dims[2];
    int rank = mc__snirf_shape(ds, dims);
    const uint64_t n = (uint64_t)dims[0] * dims[1];
    if (rank < 0 || !mc__snirf_is_numeric(ds) || n > sizeof c->wl / sizeof c->wl[0]) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "expected at most 64 numbers");
        goto done;
    }
    if (n > 0 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->wl) < 0) {
        st = mc__snirf_bad(c, MC_EFORMAT, path, "unreadable");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(c->wl[i] > 0 && c->wl[i] < 1e6)) {
            st = mc__snirf_bad(c, MC_EFORMAT, path, "wavelength %g nm", c->wl[i]);
            goto done;
        }
        const size_t len = strlen(c->wl_text);
        if (snprintf(c->wl_text + len, sizeof c->wl_text - len, "%s%g", i ? " " : "", c->wl[i]) < 0)
            c->wl_text[len] = '\0';
    }
    c->n_wl = (size_t)n;
done:
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    return st;
}

static mc_status read_nirs(mc__snirf_ctx *c, const mc__snirf_member *nm, int first)
{
    char npath[PATH_CAP];
    snprintf(npath, sizeof npath, "/%s", nm->name);
    hid_t g;
    mc_status st = mc__snirf_open_group(c, c->f, "", nm->name, &g);
    if (st != MC_OK)
        return st;
    mc__snirf_members data = {0}, aux = {0}, stim = {0};
    if ((st = read_meta(c, g, npath, first)) != MC_OK || (st = read_probe(c, g, npath)) != MC_OK ||
        (st = mc__snirf_list_members(c, g, npath, "data", 0, &data)) != MC_OK ||
        (st = mc__snirf_list_members(c, g, npath, "aux", 0, &aux)) != MC_OK ||
        (st = mc__snirf_list_members(c, g, npath, "stim", 0, &stim)) != MC_OK)
        goto done;
    if (data.n == 0)
        st = mc__snirf_bad(c, MC_EFORMAT, npath, "no data1 block");
    for (size_t i = 0; i < data.n && st == MC_OK; i++)
        st = read_data(c, g, npath, data.m[i].name);
    for (size_t i = 0; i < aux.n && st == MC_OK; i++)
        st = read_aux(c, g, npath, &aux.m[i]);
    for (size_t i = 0; i < stim.n && st == MC_OK; i++)
        st = read_stim(c, g, npath, &stim.m[i]);
done:
    free(data.m);
    free(aux.m);
    free(stim.m);
    H5Gclose(g);
    return st;
}

/* Everything of an open file. */
static mc_status read_file(hid_t f, const char *src, const uint8_t *image, uint64_t file_bytes,
                           mc_import *out, mc_diag *d)
{
    mc__snirf_ctx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    c.image = image;
    c.path = src;
    c.file_bytes = file_bytes;
    hid_t fcpl = H5Fget_create_plist(f);
    hsize_t ub = 0;
    if (fcpl >= 0) {
        H5Pget_userblock(fcpl, &ub);
        H5Pget_sizes(fcpl, &c.sizeof_addr, &c.sizeof_size);
        H5Pclose(fcpl);
    }
    c.base = ub;
    c.src = src;
    c.imp = out;
    c.d = d;
    c.t_scale = 1;
    snprintf(out->format, sizeof out->format, "snirf");
    const char *base = strrchr(src, '/');
    snprintf(out->source, sizeof out->source, "%s", base ? base + 1 : src);
    char version[STR_CAP];
    int p;
    mc__snirf_members nirs = {0};
    mc_status st = mc__snirf_read_str(&c, f, "", "formatVersion", 1, version, &p);
    if (st != MC_OK) {
        char why[sizeof d->message];
        snprintf(why, sizeof why, "%s", d ? d->message : "");
        st = mc_diag_set(d, MC_EFORMAT, -1, -1, "not a SNIRF file: %s", why);
    } else if ((st = mc__snirf_list_members(&c, f, "/", "nirs", 1, &nirs)) == MC_OK &&
               nirs.n == 0) {
        st = mc__snirf_bad(&c, MC_EFORMAT, "/nirs", "missing: not a SNIRF file");
    }
    for (size_t i = 0; i < nirs.n && st == MC_OK; i++)
        st = read_nirs(&c, &nirs.m[i], i == 0);
    free(nirs.m);
    if (c.fp)
        fclose(c.fp);
    return st;
}

static const uint8_t hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int contains(const uint8_t *h, size_t n, const char *word)
{
    const size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(h + i, word, w) == 0)
            return 1;
    return 0;
}

/* The HDF5 signature at 0 or after a user block (512, 1024, 2048 bytes). */
static int has_signature(const uint8_t *b, size_t n)
{
    int hdf5 = 0;
    for (size_t off = 0; off <= 2048 && !hdf5; off = off ? off * 2 : 512)
        hdf5 = b && off + 8 <= n && memcmp(b + off, hdf5_sig, 8) == 0;
    return hdf5;
}

int mc_snirf_detect(const uint8_t *head, size_t n, const char *name)
{
    if (!head)
        n = 0;
    if (n > 4096)
        n = 4096;
    const int hdf5 = has_signature(head, n);
    if (!hdf5)
        return 0;
    if (contains(head, n, "formatVersion") && contains(head, n, "nirs"))
        return 1;
    const size_t len = name ? strlen(name) : 0;
    return len >= 6 && strcasecmp(name + len - 6, ".snirf") == 0;
}

mc_status mc_snirf_read(const uint8_t *image, size_t n, const char *name, mc_import *out,
                        mc_diag *d)
{
    mc__h5_quiet();
    const char *src = name && name[0] ? name : "snirf";
    if (!has_signature(image, n))
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "%s: byte 0: not an HDF5 file (no signature at 0, 512, 1024, 2048)",
                           src);
    /* HDF5 copies the image (flags 0): no object of the file can outlive our buffer, and
     * `image` stays const and untouched. */
    void *copy = malloc(n);
    if (!copy)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory for %zu bytes", src, n);
    memcpy(copy, image, n);
    hid_t f = H5LTopen_file_image(copy, n, 0);
    free(copy);
    if (f < 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: not a readable HDF5 file", src);
    mc_status st = read_file(f, src, image, n, out, d);
    H5Fclose(f);
    return st;
}

/* Read the file at `path` into `out` (the work of mc_snirf_import). */
static mc_status import_file(const char *path, mc_import *out, mc_diag *d)
{
    mc__h5_quiet();
    struct stat sb;
    if (stat(path, &sb) != 0)
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: no such file", path);
    if (!S_ISREG(sb.st_mode))
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: not a regular file", path);
    if (H5Fis_hdf5(path) <= 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "%s: byte 0: not an HDF5 file", path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0)
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot open as HDF5", path);
    mc_status st = read_file(f, path, NULL, (uint64_t)sb.st_size, out, d);
    if (H5Fclose(f) < 0 && st == MC_OK)
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: error closing", path);
    return st;
}

/* libhdf5 1.10.8 does not survive every corrupt file: fuzzing found a read through a NULL pointer
 * inside its own B-tree code (H5Lexists -> H5B2_open -> H5F__accum_read) that no check of ours
 * can prevent. A SNIRF file comes from another system, so it is read first in a child process:
 * if libhdf5 crashes there, the import is refused with a message and the program goes on. The
 * reading is deterministic (same bytes, same library), so a file the child read completely is
 * then read again here. This costs one extra reading of the file. */
mc_status mc_snirf_import(const char *path, mc_import *out, mc_diag *d)
{
    enum { TRIAL_OK = 0, TRIAL_REFUSED = 3 }; /* any other end of the child is a crash */
    fflush(NULL);
    const pid_t pid = fork();
    if (pid == 0) {
        /* The child says nothing: a sanitizer's report of a crash would be a second message. */
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        mc_import trial;
        mc_import_init(&trial);
        trial.limit_bytes = out->limit_bytes;
        const mc_status st = import_file(path, &trial, NULL);
        _exit(st == MC_OK ? TRIAL_OK : TRIAL_REFUSED);
    }
    if (pid > 0) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code != TRIAL_OK && code != TRIAL_REFUSED)
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "%s: the HDF5 library crashed reading this file (%s %d): its HDF5 "
                               "structure is corrupt; refused",
                               path, WIFSIGNALED(status) ? "signal" : "exit code",
                               WIFSIGNALED(status) ? WTERMSIG(status) : code);
    }
    /* The trial passed or refused the file (the refusal is read again here for its message); or
     * fork failed, and the file is read without the guard rather than refused. */
    return import_file(path, out, d);
}
