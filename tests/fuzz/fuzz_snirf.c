/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_snirf.c: fuzz target of the SNIRF reader on file images (formats/snirf.h,
 * mc_snirf_read). Two kinds of input:
 * - an input that starts with the HDF5 signature is the SNIRF file itself, in a heap buffer of
 *   exactly `size` bytes: mutations of the seed files (tiny SNIRF files written with h5py) reach
 *   libhdf5's decoder and our checks;
 * - any other input is a script that builds a SNIRF file with the HDF5 API in memory (core
 *   driver), whose image is then read: each decision reads one byte, a missing byte reads as 0,
 *   and 0 always means "as SNIRF wants", so an empty input builds a valid file. This reaches our
 *   checks of every dataset (absent, other class, rank, shape, length, value) without depending
 *   on libhdf5 surviving corrupt bytes.
 *
 * Invariants (abort when broken): the status is MC_OK, MC_EFORMAT or MC_ENOMEM; the diagnostic
 * is terminated and, on failure, not empty; every stream the reader accepted passes
 * mc_stream_info_check, has a finite non-negative rate, and an irregular stream has one time per
 * frame in non-decreasing order; event strings are terminated; no HDF5 identifier is left open.
 * An accepted recording of at most 4096 frames is also written back with mc_snirf_write (under
 * $TMPDIR) and, when the writer accepts it, read again: same stream and event counts. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/import.h"
#include "formats/snirf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ROUND_TRIP_FRAMES = 4096 };

/* ---- the script ------------------------------------------------------------------------------ */

typedef struct script {
    const uint8_t *p;
    size_t n, i;
} script;

static uint8_t u8(script *s)
{
    return s->i < s->n ? s->p[s->i++] : 0;
}

/* Values a number field may take (index 0 is replaced by the field's valid value). */
static const double numbers[] = {1,   2,   0, -1,   1.5, 3, 99999, (double)NAN, 1e12,
                                 690, 830, 4, 1e-9, 1e9, 5, -0,    201,         1e300};
/* Texts a string field may take (index 0 likewise). */
static const char *const texts[] = {
    "",
    "1.0",
    "HbO",
    "HbR",
    "StO2",
    "dOD",
    "s",
    "ms",
    "min",
    "2026-11-25",
    "10:20:30Z",
    "10:20:30.5+01:00",
    "bad\xff\xfe",
    "25:99:99",
    "unknown",
    ("a name that is much longer than sixty-three bytes, which is the longest stream name "
     "accepted by mcirc")};

static void put_scalar_num(hid_t loc, const char *name, hid_t type, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0) {
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
        H5Dclose(ds);
    }
    H5Sclose(sp);
}

static void put_text(hid_t loc, const char *name, const char *v, int fixed)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, fixed ? strlen(v) + 1 : H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0) {
        H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed ? (const void *)v : (const void *)&v);
        H5Dclose(ds);
    }
    H5Sclose(sp);
    H5Tclose(t);
}

/* An array of doubles [d0] or [d0, d1] (d1 0: rank 1); with `huge`, a chunked dataset whose
 * first dimension is 2^40 and that holds nothing. */
static void put_array(hid_t loc, const char *name, hid_t type, hsize_t d0, hsize_t d1,
                      const double *v, int huge)
{
    hsize_t dims[2] = {huge ? (hsize_t)1 << 40 : d0, d1}, chunk[2] = {16, d1 ? d1 : 1};
    const int rank = d1 ? 2 : 1;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (huge)
        H5Pset_chunk(dcpl, rank, chunk);
    hid_t ds = sp >= 0 ? H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    if (ds >= 0 && !huge && d0 * (d1 ? d1 : 1) > 0)
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (ds >= 0)
        H5Dclose(ds);
    H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
}

/* A number field: mode byte (0 as wanted, 1 absent, 2 int64, 3 float32 [1], 4 string, 5 a group,
 * 6 two values, else the valid type) then a value byte (0 = `valid`). */
static void field_num(script *s, hid_t loc, const char *name, double valid)
{
    const uint8_t mode = u8(s) % 8, k = u8(s);
    const double v = k == 0 ? valid : numbers[k % (sizeof numbers / sizeof numbers[0])];
    const double two[2] = {v, v};
    switch (mode) {
    case 1:
        break;
    case 2:
        put_scalar_num(loc, name, H5T_STD_I64LE, v);
        break;
    case 3:
        put_array(loc, name, H5T_IEEE_F32LE, 1, 0, &v, 0);
        break;
    case 4:
        put_text(loc, name, "7", 0);
        break;
    case 5: {
        hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0)
            H5Gclose(g);
        break;
    }
    case 6:
        put_array(loc, name, H5T_IEEE_F64LE, 2, 0, two, 0);
        break;
    default:
        put_scalar_num(loc, name, H5T_STD_I32LE, v);
        break;
    }
}

/* A string field: mode byte (0 vlen, 1 absent, 2 fixed, 3 a number, else vlen) then a text byte
 * (0 = `valid`). */
static void field_text(script *s, hid_t loc, const char *name, const char *valid)
{
    const uint8_t mode = u8(s) % 6, k = u8(s);
    const char *v = k == 0 ? valid : texts[k % (sizeof texts / sizeof texts[0])];
    if (mode == 1)
        return;
    if (mode == 3)
        put_scalar_num(loc, name, H5T_STD_I32LE, 3);
    else
        put_text(loc, name, v, mode == 2);
}

/* A time vector for `rows` rows: mode byte (0 regular, 1 absent, 2 start/step, 3 one short,
 * 4 irregular, 5 backwards, 6 NaN inside, 7 huge, 8 int16, 9 step 0) then a start byte. */
static void field_time(script *s, hid_t loc, hsize_t rows)
{
    const uint8_t mode = u8(s) % 10, k = u8(s);
    double t[8];
    for (hsize_t i = 0; i < 8; i++)
        t[i] = (double)k / 4 + 0.1 * (double)i;
    if (mode == 1)
        return;
    if (mode == 2 || mode == 9) {
        t[1] = mode == 9 ? 0 : 0.1;
        put_array(loc, "time", H5T_IEEE_F64LE, 2, 0, t, 0);
        return;
    }
    if (mode == 4 && rows > 2)
        t[1] += 0.037;
    if (mode == 5 && rows > 2)
        t[2] = t[0] - 1;
    if (mode == 6 && rows > 1)
        t[1] = (double)NAN;
    put_array(loc, "time", mode == 8 ? H5T_STD_I16LE : H5T_IEEE_F64LE,
              mode == 3 && rows > 0 ? rows - 1 : rows, 0, t, mode == 7);
}

/* dataTimeSeries [rows, cols]: mode byte (0 float64 rank 2, 1 absent, 2 rank 1, 3 int16,
 * 4 string, 5 huge, 6 rank 3) */
static void field_series(script *s, hid_t loc, hsize_t rows, hsize_t cols)
{
    const uint8_t mode = u8(s) % 7;
    double v[64];
    for (int i = 0; i < 64; i++)
        v[i] = i * 0.25 - 3;
    if (mode == 1)
        return;
    if (mode == 4) {
        put_text(loc, "dataTimeSeries", "1 2 3", 0);
    } else if (mode == 6) {
        hsize_t dims[3] = {rows, cols, 1};
        hid_t sp = H5Screate_simple(3, dims, NULL);
        hid_t ds = H5Dcreate2(loc, "dataTimeSeries", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                              H5P_DEFAULT);
        if (ds >= 0)
            H5Dclose(ds);
        H5Sclose(sp);
    } else {
        put_array(loc, "dataTimeSeries", mode == 3 ? H5T_STD_I16LE : H5T_IEEE_F64LE, rows,
                  mode == 2 ? 0 : cols, v, mode == 5);
    }
}

static void build_data(script *s, hid_t nirs, const char *name)
{
    hid_t g = H5Gcreate2(nirs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return;
    const hsize_t rows = (hsize_t)(5 + u8(s)) % 8, cols = (hsize_t)(2 + u8(s)) % 5;
    field_series(s, g, rows, cols);
    field_time(s, g, rows);
    /* 0 as many lists as columns, 1 one more, 2 one less, 3 measurementLists arrays */
    const uint8_t extra = u8(s) % 4;
    if (extra == 3) {
        hid_t l = H5Gcreate2(g, "measurementLists", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const double ones[8] = {1, 1, 1, 1, 1, 1, 1, 1}, wl[8] = {1, 2, 1, 2, 1, 2, 1, 2};
        const hsize_t n = (hsize_t)(cols + u8(s) % 3) % 5;
        put_array(l, "sourceIndex", H5T_STD_I32LE, n, 0, ones, 0);
        put_array(l, "detectorIndex", H5T_STD_I32LE, cols, 0, ones, 0);
        put_array(l, "wavelengthIndex", H5T_STD_I32LE, cols, 0, wl, 0);
        field_num(s, l, "dataType", 1); /* one value: right only for one column */
        H5Gclose(l);
        H5Gclose(g);
        return;
    }
    const hsize_t n_ml = extra == 1 ? cols + 1 : extra == 2 && cols > 0 ? cols - 1 : cols;
    const uint8_t processed = u8(s) & 1;
    for (hsize_t k = 0; k < n_ml; k++) {
        char mname[32];
        snprintf(mname, sizeof mname, "measurementList%u", (unsigned)k + 1);
        hid_t m = H5Gcreate2(g, mname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (m < 0)
            continue;
        field_num(s, m, "sourceIndex", 1);
        field_num(s, m, "detectorIndex", (double)(k / 2 + 1));
        field_num(s, m, "dataType", processed ? 99999 : 1);
        if (!processed || (u8(s) & 1))
            field_num(s, m, "wavelengthIndex", (double)(k % 2 + 1));
        if (processed || (u8(s) & 1))
            field_text(s, m, "dataTypeLabel", k % 2 ? "HbR" : "HbO");
        if (u8(s) & 1)
            field_text(s, m, "dataUnit", "uM");
        H5Gclose(m);
    }
    H5Gclose(g);
}

/* Builds a SNIRF file in memory (written to $TMPDIR when closed: an image taken from an open
 * file of the latest format has a superblock that does not verify); returns its bytes
 * (malloc'd) or NULL. */
static uint8_t *build(script *s, size_t *len)
{
    const char *tmp = getenv("TMPDIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/mcirc_fuzz_snirf_build_%ld.snirf", tmp && tmp[0] ? tmp : "/tmp",
             (long)getpid());
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 4096, 1);
    if (u8(s) & 1)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return NULL;
    field_text(s, f, "formatVersion", "1.0");
    const uint8_t groups = u8(s) % 4; /* 0 "nirs"; 1 "nirs1"; 2 none; 3 "nirs" and "nirs2" */
    for (int gi = 0; gi < (groups == 3 ? 2 : groups == 2 ? 0 : 1); gi++) {
        hid_t nirs = H5Gcreate2(f,
                                gi            ? "nirs2"
                                : groups == 1 ? "nirs1"
                                              : "nirs",
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (nirs < 0)
            continue;
        hid_t meta = H5Gcreate2(nirs, "metaDataTags", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        field_text(s, meta, "SubjectID", "anonymous");
        field_text(s, meta, "MeasurementDate", "2026-11-25");
        field_text(s, meta, "MeasurementTime", "10:20:30Z");
        field_text(s, meta, "TimeUnit", "s");
        H5Gclose(meta);
        hid_t probe = H5Gcreate2(nirs, "probe", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const uint8_t nwl = u8(s) % 5, wk = u8(s);
        double wl[4] = {760, 850, numbers[wk % (sizeof numbers / sizeof numbers[0])], 900};
        if (nwl != 4) /* 4: absent */
            put_array(probe, "wavelengths", H5T_IEEE_F64LE, (nwl + 2) % 4, 0, wl, 0);
        H5Gclose(probe);
        const uint8_t blocks = u8(s) % 3;
        for (int b = 0; b <= blocks; b++)
            build_data(s, nirs, b == 0 ? "data1" : b == 1 ? "data2" : "data10");
        for (int a = 0, na = u8(s) % 3; a < na; a++) {
            char name[16];
            snprintf(name, sizeof name, "aux%d", a + 1);
            hid_t g = H5Gcreate2(nirs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            const hsize_t rows = (hsize_t)(4 + u8(s)) % 8;
            field_text(s, g, "name", "ppg");
            field_series(s, g, rows, 1 + u8(s) % 2);
            field_time(s, g, rows);
            field_num(s, g, "timeOffset", 0);
            H5Gclose(g);
        }
        for (int k = 0, ns = u8(s) % 3; k < ns; k++) {
            char name[16];
            snprintf(name, sizeof name, "stim%d", k + 1);
            hid_t g = H5Gcreate2(nirs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            field_text(s, g, "name", "tap");
            const uint8_t shape = u8(s) % 5; /* 0 [2,3], 1 [3] vector, 2 [0,3], 3 [2,2], 4 [1,8] */
            const double v[16] = {1.5, 0.5, 1, 2.5, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            const hsize_t d0[] = {2, 3, 0, 2, 1}, d1[] = {3, 0, 3, 2, 8};
            if (u8(s) % 4 != 3)
                put_array(g, "data", H5T_IEEE_F64LE, d0[shape], d1[shape], v, 0);
            H5Gclose(g);
        }
        H5Gclose(nirs);
    }
    H5Fclose(f);
    uint8_t *image = NULL;
    if (mc_read_whole_file(path, (size_t)1 << 26, &image, len, NULL) != MC_OK)
        image = NULL;
    unlink(path);
    return image;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_snirf: invariant broken: %s\n", what);
    abort();
}

static int terminated(const char *p, size_t cap)
{
    return memchr(p, '\0', cap) != NULL;
}

static uint64_t check(const mc_import *imp)
{
    uint64_t frames = 0;
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *s = &imp->streams[i];
        if (mc_stream_info_check(s->info, NULL) != MC_OK)
            fail("an accepted stream fails mc_stream_info_check");
        if (!isfinite(s->info->rate_hz) || s->info->rate_hz < 0 || s->n_frames < 0)
            fail("rate or frame count");
        if (s->info->rate_hz == 0) {
            if (s->n_frames > 0 && !s->t_ns)
                fail("irregular stream without times");
            for (int64_t k = 1; k < s->n_frames; k++)
                if (s->t_ns[k] < s->t_ns[k - 1])
                    fail("times go backwards");
        }
        frames += (uint64_t)s->n_frames;
    }
    for (size_t e = 0; e < imp->n_events; e++)
        if (!terminated(imp->events[e].kind, sizeof imp->events[e].kind) ||
            !terminated(imp->events[e].text, sizeof imp->events[e].text))
            fail("event strings unterminated");
    return frames;
}

static void round_trip(const mc_import *imp)
{
    const char *t = getenv("TMPDIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/mcirc_fuzz_snirf_%ld.snirf", t && t[0] ? t : "/tmp",
             (long)getpid());
    unlink(path);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_write(imp, path, &d);
    if (st != MC_OK && st != MC_EINVAL)
        fail("the writer failed on an accepted recording");
    if (st == MC_OK) {
        mc_import back;
        mc_import_init(&back);
        st = mc_snirf_import(path, &back, &d);
        if (st != MC_OK) {
            fprintf(stderr, "fuzz_snirf: %s\n", d.message);
            fail("a written file does not read back");
        }
        if (back.n_events != imp->n_events)
            fail("events lost in a round trip");
        mc_import_free(&back);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    uint8_t *image;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* Raw images reach libhdf5's own decoder, which crashes on some corrupt files (a NULL read in
     * H5Lexists -> H5B2_open, found by this target; mc_snirf_import guards real files with a
     * trial read in a child process). They are fuzzed only when MCIRC_FUZZ_SNIRF_RAW is set, so
     * that a CI run tests our reader, not libhdf5; otherwise every input is a script. */
    static int raw = -1;
    if (raw < 0)
        raw = getenv("MCIRC_FUZZ_SNIRF_RAW") != NULL;
    if (raw && size >= 8 && memcmp(data, sig, 8) == 0) {
        image = malloc(size);
        if (!image)
            return 0;
        memcpy(image, data, size);
    } else {
        script s = {data, size, 0};
        image = build(&s, &size);
        if (!image)
            fail("the script could not build a file");
        /* MCIRC_FUZZ_SAVE=path keeps the file a script built (to look at it with h5dump). */
        const char *save = getenv("MCIRC_FUZZ_SAVE");
        FILE *out = save ? fopen(save, "wb") : NULL;
        if (out) {
            fwrite(image, 1, size, out);
            fclose(out);
        }
    }
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_read(image, size, "fuzz.snirf", &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM) {
        fprintf(stderr, "fuzz_snirf: %s: %s\n", mc_strerror(st), d.message);
        fail("undocumented status");
    }
    if (!terminated(d.message, sizeof d.message) || (st != MC_OK && !d.message[0]))
        fail("diagnostic");
    if (getenv("MCIRC_FUZZ_VERBOSE"))
        fprintf(stderr, "%s: %zu streams, %zu events%s%s\n", mc_strerror(st), imp.n_streams,
                imp.n_events, st == MC_OK ? "" : ": ", st == MC_OK ? "" : d.message);
    if (st == MC_OK && check(&imp) <= ROUND_TRIP_FRAMES)
        round_trip(&imp);
    mc_import_free(&imp);
    free(image);
    if (H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) != 0)
        fail("HDF5 objects left open");
    return 0;
}
