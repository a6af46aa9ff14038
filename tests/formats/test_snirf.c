/* SPDX-License-Identifier: MIT */
/* tests/formats/test_snirf.c: the SNIRF reader on the two shared files (facts of SOURCES.md and
 * values compared with h5py by tests/formats/snirf_check.py), on files built here with the HDF5
 * C API (valid variants and malformed ones), and the writer (round trips, refusals, h5py and
 * MNE reading what it writes). */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/export.h"
#include "formats/import.h"
#include "formats/snirf.h"
#include "tests/harness.h"
#include "tests/util.h"

#define NEURO  "nirs/snirf/neuro_run01.snirf"
#define KERNEL "nirs/snirf/kernel_flow50_hb.snirf"

static void import_ok(const char *path, mc_import *imp)
{
    mc_import_init(imp);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_import(path, imp, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    return NULL;
}

/* Runs tests/formats/snirf_check.py; 77 from it skips the case. */
static void python_check(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", MC_SNIRF_CHECK, args);
    int rc = system(cmd);
    ASSERT_TRUE(rc != -1 && WIFEXITED(rc));
    if (WEXITSTATUS(rc) == 77)
        SKIP("%s", "the Python check skipped (module missing)");
    ASSERT_EQ_INT(WEXITSTATUS(rc), 0);
}

static void write_session(const mc_import *imp, const char *path)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "SNIRF-001");
    snprintf(s.software, sizeof s.software, "mcirc test");
    mc_diag d;
    mc_status st = mc_import_write(imp, &s, 0, 4, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

/* ---- the shared files -------------------------------------------------------------------- */

TEST(neuro_facts)
{
    mc_import imp;
    import_ok(mc_test_shared(NEURO), &imp);
    ASSERT_STR_EQ(imp.format, "snirf");
    ASSERT_STR_EQ(imp.source, "neuro_run01.snirf");
    ASSERT_EQ_INT(imp.n_streams, 19); /* 18 channels + aux1 */
    /* 2020-05-16T16:05:11 (no zone: read as UTC). */
    ASSERT_EQ_INT(imp.start_unix_ns, 1589645111LL * 1000000000LL);
    const mc_import_stream *s = &imp.streams[0];
    ASSERT_STR_EQ(s->info->name, "S1_D1_690nm");
    ASSERT_STR_EQ(imp.streams[9].info->name, "S1_D1_830nm"); /* measurementList10, not 2 */
    ASSERT_STR_EQ(imp.streams[1].info->name, "S1_D2_690nm");
    ASSERT_EQ_INT(s->info->modality, MC_MODALITY_NIRS);
    ASSERT_STR_EQ(s->info->channels[0].unit, "a.u.");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "wavelength_nm"), "690");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "source_index"), "1");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "data_type"), "1");
    ASSERT_EQ_INT(s->n_frames, 8000);
    ASSERT_NEAR_F(s->info->rate_hz, 1.0 / 0.04991744463695071, 1e-9);
    ASSERT_EQ_INT(s->start_ns, 49917445); /* time[0] = 0.04991744463695071 s */
    ASSERT_NEAR_F(s->data[0], 0.1074337, 1e-7);
    ASSERT_TRUE(s->t_ns == NULL);
    const mc_import_stream *aux = find(&imp, "aux1");
    ASSERT_TRUE(aux != NULL);
    ASSERT_EQ_INT(aux->n_frames, 8000);
    ASSERT_EQ_INT(aux->info->modality, MC_MODALITY_OTHER);
    /* Stims: 4 of "1" and 2 of "2", 5 s long, amplitude 1. */
    ASSERT_EQ_INT(imp.n_events, 6);
    ASSERT_STR_EQ(imp.events[0].kind, "stim");
    ASSERT_STR_EQ(imp.events[0].text, "1 (duration 5 s)");
    ASSERT_EQ_INT(imp.events[0].t_ns, 158487886700LL);
    ASSERT_NEAR_F(imp.events[0].value, 1.0, 0);
    ASSERT_STR_EQ(imp.events[5].text, "2 (duration 5 s)");
    mc_import_free(&imp);
}

TEST(kernel_facts)
{
    mc_import imp;
    import_ok(mc_test_shared(KERNEL), &imp);
    ASSERT_EQ_INT(imp.n_streams, 360);
    ASSERT_EQ_INT(imp.start_unix_ns, 1624494894LL * 1000000000LL); /* 2021-06-24T00:34:54 */
    ASSERT_STR_EQ(imp.streams[0].info->name, "S2_D8_HbO");
    ASSERT_STR_EQ(imp.streams[1].info->name, "S2_D8_HbR");
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].name, "HbO");
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "data_type"), "99999");
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "probe_wavelengths_nm"), "690 850");
    ASSERT_EQ_INT(imp.streams[0].n_frames, 14);
    /* float32 vendor times jitter by 2e-7 s: still one regular rate, about 8.26 Hz. */
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 8.2565, 1e-3);
    ASSERT_NEAR_F(imp.streams[0].data[0], 0.09981476, 1e-7);
    ASSERT_EQ_INT(imp.n_events, 2);
    ASSERT_STR_EQ(imp.events[0].text, "StartTrial (duration 0.790963173 s)");
    /* Privacy: the SubjectID (PLT2021-011) is nowhere in the import. */
    for (size_t i = 0; i < imp.n_streams; i++) {
        const mc_stream_info *info = imp.streams[i].info;
        for (size_t k = 0; k < info->n_attrs; k++)
            ASSERT_TRUE(strstr(info->attrs[k].value, "PLT") == NULL);
        ASSERT_TRUE(strstr(info->device_model, "PLT") == NULL);
    }
    for (size_t e = 0; e < imp.n_events; e++)
        ASSERT_TRUE(strstr(imp.events[e].text, "PLT") == NULL);
    mc_import_free(&imp);
}

TEST(values_equal_h5py)
{
    const char *files[] = {NEURO, KERNEL};
    for (int i = 0; i < 2; i++) {
        const char *src = mc_test_shared(files[i]);
        mc_import imp;
        import_ok(src, &imp);
        char name[32];
        snprintf(name, sizeof name, "session%d.h5", i);
        const char *session = mc_test_tmp_path(name);
        write_session(&imp, session);
        mc_import_free(&imp);
        char args[4096];
        snprintf(args, sizeof args, "session %s %s", src, session);
        python_check(args);
    }
}

TEST(image_equals_file)
{
    const char *src = mc_test_shared(NEURO);
    uint8_t *buf;
    size_t n;
    ASSERT_STATUS(mc_read_whole_file(src, (size_t)1 << 30, &buf, &n, NULL), MC_OK);
    ASSERT_EQ_INT(mc_snirf_detect(buf, n < 4096 ? n : 4096, NULL), 1);
    mc_import a, b;
    import_ok(src, &a);
    mc_import_init(&b);
    ASSERT_STATUS(mc_snirf_read(buf, n, "neuro_run01.snirf", &b, NULL), MC_OK);
    ASSERT_EQ_INT(a.n_streams, b.n_streams);
    ASSERT_EQ_INT(a.n_events, b.n_events);
    for (size_t i = 0; i < a.n_streams; i++) {
        ASSERT_EQ_INT(a.streams[i].n_frames, b.streams[i].n_frames);
        ASSERT_TRUE(memcmp(a.streams[i].data, b.streams[i].data,
                           (size_t)a.streams[i].n_frames * sizeof(float)) == 0);
    }
    /* A cut image: one diagnostic, no crash. */
    mc_import_free(&b);
    mc_diag d;
    ASSERT_TRUE(mc_snirf_read(buf, n / 2, "cut.snirf", &b, &d) != MC_OK);
    ASSERT_TRUE(strstr(d.message, "cut.snirf") != NULL);
    mc_import_free(&b);
    ASSERT_STATUS(mc_snirf_read(buf + 1, n - 1, "shifted", &b, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 0);
    mc_import_free(&b);
    mc_import_free(&a);
    free(buf);
}

TEST(detect)
{
    static const uint8_t sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    uint8_t head[1024];
    memset(head, 0, sizeof head);
    memcpy(head, sig, 8);
    ASSERT_EQ_INT(mc_snirf_detect(head, sizeof head, "x.h5"), 0); /* HDF5, not SNIRF */
    ASSERT_EQ_INT(mc_snirf_detect(head, sizeof head, "x.SNIRF"), 1);
    memcpy(head + 700, "formatVersion", 13);
    memcpy(head + 800, "nirs", 4);
    ASSERT_EQ_INT(mc_snirf_detect(head, sizeof head, NULL), 1);
    ASSERT_EQ_INT(mc_snirf_detect(head + 1, sizeof head - 1, "a.snirf"), 0); /* not HDF5 */
    ASSERT_EQ_INT(mc_snirf_detect(NULL, 0, "a.snirf"), 0);
    memset(head, 0, 8);
    memcpy(head + 512, sig, 8); /* after a user block */
    ASSERT_EQ_INT(mc_snirf_detect(head, sizeof head, NULL), 1);
}

/* ---- files built here ----------------------------------------------------------------------- */

/* What build() makes wrong (0 = a valid two-channel file). */
enum {
    OK = 0,
    NO_TIME,
    TIME_LENGTH,
    DATA_RANK3,
    NAME_NOT_STRING,
    ML_COUNT,
    HUGE_DIMS,
    BAD_UTF8,
    WL_INDEX,
    BACKWARDS,
    STEP_ZERO,
    NO_VERSION,
    SOFT_LINK,
    IRREGULAR,
    START_STEP,
    FIXED_STRINGS,
    NAN_TIME,
    MS_UNIT,
    USERBLOCK,
    AUX,
    LISTS,
    LISTS_SHORT,
    LONG_UNIT,
    TWO_RUNS,
};

/* A dataset of n ints or of n variable-length strings. */
static void put_i32s(hid_t loc, const char *name, const int32_t *v, hsize_t n)
{
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Sclose(sp);
}

static void put_strs(hid_t loc, const char *name, const char **v, hsize_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
}

/* fixed: 0 variable length, 1 NUL-padded, 2 space-padded (as MATLAB writes). */
static void put_str(hid_t loc, const char *name, const char *v, int fixed)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, fixed ? strlen(v) + 3 : H5T_VARIABLE);
    if (fixed)
        H5Tset_strpad(t, fixed == 2 ? H5T_STR_SPACEPAD : H5T_STR_NULLPAD);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (fixed) {
        char buf[256] = {0};
        snprintf(buf, sizeof buf, "%s%s", v, fixed == 2 ? "   " : "");
        H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    } else {
        H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    }
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
}

static void put_num(hid_t loc, const char *name, hid_t type, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(ds);
    H5Sclose(sp);
}

static void put_f64(hid_t loc, const char *name, int rank, const hsize_t *dims, const double *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Sclose(sp);
}

/* A tiny SNIRF: 5 rows at 10 Hz from t = 1 s, two CW channels (S1_D1 at 760 and 850 nm), one
 * stim group; `what` breaks one thing. */
static const char *build(const char *name, int what)
{
    const char *path = mc_test_tmp_path(name);
    unlink(path);
    const int fixed = what == FIXED_STRINGS;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (what == USERBLOCK)
        H5Pset_userblock(fcpl, 512);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    if (what != NO_VERSION)
        put_str(f, "formatVersion", "1.0", fixed);
    hid_t nirs = H5Gcreate2(f, "nirs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t meta = H5Gcreate2(nirs, "metaDataTags", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    put_str(meta, "SubjectID", "Jane Doe", fixed);
    put_str(meta, "MeasurementDate", "2026-11-25", fixed);
    put_str(meta, "MeasurementTime", "10:20:30.25+01:00", fixed);
    put_str(meta, "TimeUnit", what == MS_UNIT ? "ms" : "s", fixed);
    H5Gclose(meta);
    hid_t probe = H5Gcreate2(nirs, "probe", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t two[1] = {2};
    const double wl[2] = {760, 850};
    put_f64(probe, "wavelengths", 1, two, wl);
    H5Gclose(probe);
    hid_t data = H5Gcreate2(nirs, "data1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double v[10], t[5] = {1.0, 1.1, 1.2, 1.3, 1.4};
    for (int i = 0; i < 10; i++)
        v[i] = i + 0.5;
    if (what == IRREGULAR)
        t[3] = 1.35;
    if (what == BACKWARDS)
        t[3] = 1.0;
    if (what == NAN_TIME)
        t[2] = (double)NAN;
    for (int i = 0; i < 5 && what == MS_UNIT; i++)
        t[i] *= 1000;
    hsize_t dims[3] = {5, 2, 1};
    if (what == HUGE_DIMS) {
        hsize_t big[2] = {(hsize_t)1 << 40, 2}, chunk[2] = {1024, 2};
        hid_t sp = H5Screate_simple(2, big, NULL);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 2, chunk);
        hid_t ds =
            H5Dcreate2(data, "dataTimeSeries", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Dclose(ds);
        H5Pclose(dcpl);
        H5Sclose(sp);
    } else {
        put_f64(data, "dataTimeSeries", what == DATA_RANK3 ? 3 : 2, dims, v);
    }
    if (what == START_STEP || what == STEP_ZERO) {
        const double ss[2] = {1.0, what == STEP_ZERO ? 0.0 : 0.1};
        put_f64(data, "time", 1, two, ss);
    } else if (what == SOFT_LINK) {
        hsize_t n5[1] = {5};
        put_f64(nirs, "elsewhere", 1, n5, t);
        H5Lcreate_soft("/nirs/elsewhere", data, "time", H5P_DEFAULT, H5P_DEFAULT);
    } else if (what != NO_TIME) {
        hsize_t n[1] = {what == TIME_LENGTH ? 4 : 5};
        put_f64(data, "time", 1, n, t);
    }
    if (what == LISTS || what == LISTS_SHORT) { /* SNIRF 1.1 measurementLists */
        hid_t l = H5Gcreate2(data, "measurementLists", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const int32_t one[2] = {1, 1}, wli[2] = {1, 2}, det[2] = {3, 3};
        const char *units[2] = {"V", "mV"};
        put_i32s(l, "sourceIndex", one, what == LISTS_SHORT ? 1 : 2);
        put_i32s(l, "detectorIndex", det, 2);
        put_i32s(l, "wavelengthIndex", wli, 2);
        put_i32s(l, "dataType", one, 2);
        put_strs(l, "dataUnit", units, 2);
        H5Gclose(l);
    }
    for (int k = 1; k <= (what == ML_COUNT                       ? 3
                          : what == LISTS || what == LISTS_SHORT ? 0
                                                                 : 2);
         k++) {
        char mname[32];
        snprintf(mname, sizeof mname, "measurementList%d", k);
        hid_t m = H5Gcreate2(data, mname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hid_t itype = fixed ? H5T_STD_I64LE : H5T_STD_I32LE;
        put_num(m, "sourceIndex", fixed ? H5T_IEEE_F64LE : itype, 1); /* float indices too */
        put_num(m, "detectorIndex", itype, 1);
        put_num(m, "wavelengthIndex", itype, what == WL_INDEX && k == 2 ? 3 : k);
        put_num(m, "dataType", itype, 1);
        if (what == LONG_UNIT)
            put_str(
                m, "dataUnit",
                "a unit text of more than sixty-three bytes, which no stream can hold as a unit",
                0);
        H5Gclose(m);
    }
    H5Gclose(data);
    hid_t stim = H5Gcreate2(nirs, "stim1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (what == NAME_NOT_STRING)
        put_num(stim, "name", H5T_STD_I32LE, 3);
    else
        put_str(stim, "name", what == BAD_UTF8 ? "tap\xff\xfe" : "tap", fixed ? 2 : 0);
    hsize_t sd[2] = {1, 3};
    const double row[3] = {what == MS_UNIT ? 1200 : 1.2, 0, 2.5};
    put_f64(stim, "data", 2, sd, row);
    H5Gclose(stim);
    if (what == AUX) {
        hid_t aux = H5Gcreate2(nirs, "aux1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        put_str(aux, "name", "Pulse ox", 0);
        put_str(aux, "dataUnit", "%", 0);
        hsize_t n5[1] = {5}, one[1] = {1};
        const double off = 0.5;
        put_f64(aux, "dataTimeSeries", 1, n5, t);
        put_f64(aux, "time", 1, n5, t);
        put_f64(aux, "timeOffset", 1, one, &off);
        H5Gclose(aux);
    }
    H5Gclose(nirs);
    if (what == TWO_RUNS) { /* /nirs2: the same run, one minute later */
        H5Ocopy(f, "nirs", f, "nirs2", H5P_DEFAULT, H5P_DEFAULT);
        H5Ldelete(f, "nirs2/metaDataTags/MeasurementTime", H5P_DEFAULT);
        hid_t meta2 = H5Gopen2(f, "nirs2/metaDataTags", H5P_DEFAULT);
        put_str(meta2, "MeasurementTime", "10:21:30.25+01:00", 0);
        H5Gclose(meta2);
    }
    H5Fclose(f);
    return path;
}

static void expect_error(int what, const char *in_message)
{
    char name[32];
    snprintf(name, sizeof name, "bad%d.snirf", what);
    const char *path = build(name, what);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_import(path, &imp, &d);
    if (st == MC_OK || !strstr(d.message, in_message))
        fprintf(stderr, "case %d: %s: \"%s\" (expected \"%s\")\n", what, mc_strerror(st), d.message,
                in_message);
    ASSERT_STATUS(st, MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, in_message) != NULL);
    ASSERT_TRUE(strstr(d.message, name) != NULL);
    mc_import_free(&imp);
}

TEST(built_valid)
{
    mc_import imp;
    import_ok(build("ok.snirf", OK), &imp);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[0].info->name, "S1_D1_760nm");
    ASSERT_STR_EQ(imp.streams[1].info->name, "S1_D1_850nm");
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 10.0, 1e-9);
    ASSERT_EQ_INT(imp.streams[0].start_ns, 1000000000);
    ASSERT_NEAR_F(imp.streams[1].data[4], 9.5, 0);
    /* 2026-11-25T10:20:30.25+01:00 = 09:20:30.25Z */
    ASSERT_EQ_INT(imp.start_unix_ns, 1795598430250000000LL);
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_STR_EQ(imp.events[0].text, "tap");
    ASSERT_NEAR_F(imp.events[0].value, 2.5, 0);
    mc_import_free(&imp);

    /* Fixed-length strings, int64 and float indices. */
    import_ok(build("fixed.snirf", FIXED_STRINGS), &imp);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[1].info->name, "S1_D1_850nm");
    ASSERT_STR_EQ(imp.events[0].text, "tap");
    mc_import_free(&imp);

    /* time = (start, step). */
    import_ok(build("startstep.snirf", START_STEP), &imp);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 10.0, 1e-9);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 5);
    mc_import_free(&imp);

    /* TimeUnit ms: times and stims scaled to seconds. */
    import_ok(build("ms.snirf", MS_UNIT), &imp);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 10.0, 1e-9);
    ASSERT_EQ_INT(imp.streams[0].start_ns, 1000000000);
    ASSERT_EQ_INT(imp.events[0].t_ns, 1200000000);
    mc_import_free(&imp);

    /* A user block before the HDF5 superblock, from a path and from an image. */
    const char *ub = build("userblock.snirf", USERBLOCK);
    import_ok(ub, &imp);
    ASSERT_EQ_INT(imp.n_streams, 2);
    mc_import_free(&imp);
    uint8_t *buf;
    size_t n;
    ASSERT_STATUS(mc_read_whole_file(ub, (size_t)1 << 20, &buf, &n, NULL), MC_OK);
    ASSERT_EQ_INT(mc_snirf_detect(buf, n < 4096 ? n : 4096, NULL), 1);
    ASSERT_STATUS(mc_snirf_read(buf, n, "userblock.snirf", &imp, NULL), MC_OK);
    ASSERT_STR_EQ(imp.events[0].text, "tap"); /* a string read through the heap, after 512 */
    free(buf);
    mc_import_free(&imp);

    /* aux: its name, unit and timeOffset. */
    import_ok(build("aux.snirf", AUX), &imp);
    ASSERT_EQ_INT(imp.n_streams, 3);
    ASSERT_STR_EQ(imp.streams[2].info->name, "Pulse_ox");
    ASSERT_STR_EQ(imp.streams[2].info->channels[0].unit, "%");
    ASSERT_EQ_INT(imp.streams[2].start_ns, 1500000000);
    ASSERT_EQ_INT(imp.streams[2].info->modality, MC_MODALITY_OTHER);
    mc_import_free(&imp);

    /* Two /nirs groups: the second placed at its own MeasurementTime, names made unique. */
    import_ok(build("runs.snirf", TWO_RUNS), &imp);
    ASSERT_EQ_INT(imp.n_streams, 4);
    ASSERT_STR_EQ(imp.streams[2].info->name, "S1_D1_760nm_2");
    ASSERT_EQ_INT(imp.streams[2].start_ns, 61000000000LL);
    ASSERT_EQ_INT(imp.n_events, 2);
    ASSERT_EQ_INT(imp.events[1].t_ns, 61200000000LL);
    mc_import_free(&imp);

    /* measurementLists (arrays) instead of measurementList<k> groups. */
    import_ok(build("lists.snirf", LISTS), &imp);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[0].info->name, "S1_D3_760nm");
    ASSERT_STR_EQ(imp.streams[1].info->name, "S1_D3_850nm");
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "V");
    ASSERT_STR_EQ(imp.streams[1].info->channels[0].unit, "mV");
    ASSERT_NEAR_F(imp.streams[1].data[4], 9.5, 0);
    mc_import_free(&imp);

    /* Irregular times stay irregular, one time per sample. */
    import_ok(build("irregular.snirf", IRREGULAR), &imp);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 0, 0);
    ASSERT_TRUE(imp.streams[0].t_ns != NULL);
    ASSERT_EQ_INT(imp.streams[0].t_ns[3], 1350000000);
    ASSERT_EQ_INT(imp.streams[1].t_ns[4], 1400000000);
    mc_import_free(&imp);
}

TEST(malformed)
{
    expect_error(NO_TIME, "/nirs/data1/time: missing");
    expect_error(TIME_LENGTH, "/nirs/data1/time: 4 times for 5 rows");
    expect_error(DATA_RANK3, "/nirs/data1/dataTimeSeries: expected a numeric dataset");
    expect_error(NAME_NOT_STRING, "/nirs/stim1/name: expected one string");
    expect_error(ML_COUNT, "/nirs/data1: 3 measurementList groups for 2 data columns");
    expect_error(HUGE_DIMS, "/nirs/data1/dataTimeSeries: declares 2199023255552 values");
    expect_error(BAD_UTF8, "/nirs/stim1/name: not UTF-8");
    expect_error(WL_INDEX, "wavelengthIndex 3, but the probe has 2 wavelengths");
    expect_error(BACKWARDS, "/nirs/data1/time: times go backwards at row 3");
    expect_error(STEP_ZERO, "/nirs/data1/time: impossible step 0 s");
    expect_error(NO_VERSION, "not a SNIRF file: ");
    expect_error(SOFT_LINK, "/nirs/data1/time: missing");
    expect_error(NAN_TIME, "/nirs/data1/time: time 2 is not a usable number");
    expect_error(LONG_UNIT, "/nirs/data1: stream 'S1_D1_760nm': unit of channel 'intensity' is");
    expect_error(LISTS_SHORT, "/nirs/data1/measurementLists/sourceIndex: expected 2 numbers");
}

/* A variable-length string whose heap object claims more bytes than the file has (libhdf5 would
 * allocate or copy them): one diagnostic, read by our own bounded heap parser. */
TEST(corrupt_string_heap)
{
    const char *path = build("heap.snirf", OK);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(f, "formatVersion", H5P_DEFAULT);
    const haddr_t at = H5Dget_offset(ds);
    H5Dclose(ds);
    H5Fclose(f);
    ASSERT_TRUE(at != HADDR_UNDEF);
    uint8_t *buf;
    size_t n;
    ASSERT_STATUS(mc_read_whole_file(path, (size_t)1 << 20, &buf, &n, NULL), MC_OK);
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_snirf_read(buf, n, "heap.snirf", &imp, NULL), MC_OK);
    mc_import_free(&imp);
    /* The element: uint32 length, 8-byte collection address, uint32 index. */
    uint64_t coll = 0;
    for (int i = 7; i >= 0; i--)
        coll = coll << 8 | buf[at + 4 + (size_t)i];
    ASSERT_TRUE(coll + 32 < n && memcmp(buf + coll, "GCOL", 4) == 0);
    mc_diag d;
    const uint8_t keep = buf[coll + 16 + 8 + 5];
    buf[coll + 16 + 8 + 5] = 0x10; /* first object's size: 2^40 + its length */
    ASSERT_STATUS(mc_snirf_read(buf, n, "heap.snirf", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "/formatVersion: variable-length string outside") != NULL);
    mc_import_free(&imp);
    buf[coll + 16 + 8 + 5] = keep;
    buf[at + 3] = 0x7f; /* the string's own length: 2 GiB */
    ASSERT_STATUS(mc_snirf_read(buf, n, "heap.snirf", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "outside the file's heap") != NULL);
    mc_import_free(&imp);
    free(buf);
}

TEST(missing_and_not_hdf5)
{
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_snirf_import(mc_test_tmp_path("absent.snirf"), &imp, &d), MC_ENOTFOUND);
    const char *p = mc_test_tmp_path("text.snirf");
    FILE *f = fopen(p, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    ASSERT_STATUS(mc_snirf_import(p, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "not an HDF5 file") != NULL);
    /* The import limit: one diagnostic before any allocation. */
    imp.limit_bytes = 16;
    ASSERT_STATUS(mc_snirf_import(build("limit.snirf", OK), &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "import limit") != NULL);
    mc_import_free(&imp);
}

/* ---- the writer ------------------------------------------------------------------------------ */

static void write_ok(const mc_import *imp, const char *path)
{
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_write(imp, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

/* Same streams (names, counts, rates, absolute start), bit-equal samples, same events. */
static void assert_same(const mc_import *a, const mc_import *b)
{
    ASSERT_EQ_INT(a->n_streams, b->n_streams);
    for (size_t i = 0; i < a->n_streams; i++) {
        const mc_import_stream *x = &a->streams[i], *y = find(b, x->info->name);
        if (!y)
            fprintf(stderr, "stream %s lost\n", x->info->name);
        ASSERT_TRUE(y != NULL);
        ASSERT_EQ_INT(x->n_frames, y->n_frames);
        ASSERT_EQ_INT(x->info->modality, y->info->modality);
        ASSERT_STR_EQ(x->info->channels[0].unit, y->info->channels[0].unit);
        ASSERT_NEAR_F(x->info->rate_hz, y->info->rate_hz, 1e-9 * x->info->rate_hz);
        ASSERT_NEAR_F((double)(a->start_unix_ns + x->start_ns),
                      (double)(b->start_unix_ns + y->start_ns), 2);
        ASSERT_TRUE(memcmp(x->data, y->data, (size_t)x->n_frames * sizeof(float)) == 0);
    }
    ASSERT_EQ_INT(a->n_events, b->n_events);
    for (size_t e = 0; e < a->n_events; e++) {
        ASSERT_STR_EQ(a->events[e].text, b->events[e].text);
        ASSERT_NEAR_F((double)(a->start_unix_ns + a->events[e].t_ns),
                      (double)(b->start_unix_ns + b->events[e].t_ns), 2);
        ASSERT_NEAR_F(a->events[e].value, b->events[e].value, 0);
    }
}

TEST(round_trip_neuro)
{
    const char *src = mc_test_shared(NEURO);
    mc_import a, b;
    import_ok(src, &a);
    const char *out = mc_test_tmp_path("neuro_out.snirf");
    write_ok(&a, out);
    mc_diag d;
    ASSERT_STATUS(mc_snirf_write(&a, out, &d), MC_EEXIST);
    import_ok(out, &b);
    assert_same(&a, &b);
    mc_import_free(&a);
    mc_import_free(&b);
    /* What we write is recognised by content. */
    uint8_t *buf;
    size_t n;
    ASSERT_STATUS(mc_read_whole_file(out, (size_t)1 << 30, &buf, &n, NULL), MC_OK);
    ASSERT_EQ_INT(mc_snirf_detect(buf, n < 4096 ? n : 4096, "x.h5"), 1);
    free(buf);
    char args[4096];
    snprintf(args, sizeof args, "written %s", out);
    python_check(args);
}

TEST(round_trip_kernel)
{
    const char *src = mc_test_shared(KERNEL);
    mc_import a, b;
    import_ok(src, &a);
    const char *out = mc_test_tmp_path("kernel_out.snirf");
    write_ok(&a, out);
    import_ok(out, &b);
    assert_same(&a, &b);
    ASSERT_STR_EQ(mc_stream_info_get_attr(b.streams[0].info, "probe_wavelengths_nm"), "690 850");
    mc_import_free(&a);
    mc_import_free(&b);
}

/* The way users go: mcirc import (SNIRF -> session file), then mcirc export (session -> SNIRF):
 * the stream attributes kept in the session give back the same optodes and wavelengths. */
TEST(session_round_trip)
{
    const char *src = mc_test_shared(NEURO);
    mc_import a, s, b;
    import_ok(src, &a);
    const char *session = mc_test_tmp_path("neuro_session.h5");
    write_session(&a, session);
    mc_import_init(&s);
    mc_export_opts o = mc_export_opts_default();
    mc_diag d;
    mc_status st = mc_export_load(session, &o, &s, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    const char *out = mc_test_tmp_path("neuro_from_session.snirf");
    write_ok(&s, out);
    import_ok(out, &b);
    assert_same(&a, &b);
    mc_import_free(&a);
    mc_import_free(&s);
    mc_import_free(&b);
}

TEST(mne_reads_written)
{
    const char *files[] = {NEURO, KERNEL};
    for (int i = 0; i < 2; i++) {
        const char *src = mc_test_shared(files[i]);
        mc_import a;
        import_ok(src, &a);
        char name[32];
        snprintf(name, sizeof name, "mne%d.snirf", i);
        const char *out = mc_test_tmp_path(name);
        write_ok(&a, out);
        mc_import_free(&a);
        char args[4096];
        snprintf(args, sizeof args, "mne %s %s", out, src);
        python_check(args);
    }
}

static mc_stream_info one(const char *name, mc_modality m, double rate, mc_channel_info *ch,
                          const char *chname)
{
    ch->name = chname;
    ch->unit = "umol/L";
    ch->scale_gain = 1;
    ch->scale_offset = 0;
    mc_stream_info info = {
        .name = name, .modality = m, .n_channels = 1, .channels = ch, .rate_hz = rate};
    return info;
}

TEST(writer_choices_and_refusals)
{
    mc_import imp;
    mc_import_init(&imp);
    mc_channel_info c1, c2, c3, c4;
    mc_stream_info hbo = one("thenar_hbo", MC_MODALITY_NIRS, 2, &c1, "hbo");
    mc_stream_info hbr = one("thenar_hbr", MC_MODALITY_NIRS, 2, &c2, "hbr");
    mc_stream_info sto2 = one("StO2", MC_MODALITY_NIRS, 0, &c3, "sto2");
    mc_stream_info ldf = one("flux", MC_MODALITY_LDF, 0, &c4, "perfusion");
    ASSERT_STATUS(mc_import_add_stream(&imp, &hbo, 500000000, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&imp, &hbr, 0, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&imp, &sto2, 0, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&imp, &ldf, 0, NULL, NULL), MC_OK);
    const float v[4] = {1, 2, 3, NAN};
    const int64_t t[4] = {0, 700000000, 1500000000, 1600000000};
    ASSERT_STATUS(mc_import_append(&imp, 0, 3, v, NULL, NULL), MC_OK); /* starts 1 row later */
    ASSERT_STATUS(mc_import_append(&imp, 1, 4, v, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(&imp, 2, 4, v, t, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(&imp, 3, 4, v, t, NULL), MC_OK);
    mc_event ev = {.t_ns = 250000000, .kind = "occlusion_start", .value = (double)NAN};
    ASSERT_STATUS(mc_import_add_event(&imp, &ev, NULL), MC_OK);
    imp.start_unix_ns = 1795598430250000000LL;
    /* StO2 is irregular: it goes to aux (not a data channel MNE reads), so it is accepted. */
    const char *out = mc_test_tmp_path("mixed.snirf");
    write_ok(&imp, out);
    mc_import back;
    import_ok(out, &back);
    ASSERT_EQ_INT(back.n_streams, 4);
    ASSERT_STR_EQ(back.streams[0].info->name, "S1_D1_HbO");
    ASSERT_STR_EQ(back.streams[1].info->name, "S1_D1_HbR"); /* thenar_hbo/hbr: one pair */
    ASSERT_STR_EQ(back.streams[0].info->channels[0].unit, "umol/L");
    ASSERT_EQ_INT(back.streams[0].n_frames, 4); /* padded to the common grid */
    ASSERT_TRUE(isnan(back.streams[0].data[0]));
    ASSERT_NEAR_F(back.streams[0].data[1], 1, 0);
    const mc_import_stream *s = find(&back, "StO2");
    ASSERT_TRUE(s != NULL && s->t_ns != NULL);
    ASSERT_EQ_INT(s->info->modality, MC_MODALITY_NIRS);
    ASSERT_EQ_INT(back.start_unix_ns + s->t_ns[1], imp.start_unix_ns + 700000000);
    ASSERT_TRUE(find(&back, "flux") != NULL);
    ASSERT_EQ_INT(back.n_events, 1);
    ASSERT_STR_EQ(back.events[0].text, "occlusion_start");
    ASSERT_EQ_INT(back.start_unix_ns + back.events[0].t_ns, imp.start_unix_ns + 250000000);
    mc_import_free(&back);
    char args[4096];
    snprintf(args, sizeof args, "mne_reads %s 2", out); /* the HbO/HbR pair, nothing else */
    python_check(args);

    /* Refusals name the stream. */
    mc_diag d;
    imp.streams[1].info->rate_hz = 4; /* another rate */
    ASSERT_STATUS(mc_snirf_write(&imp, mc_test_tmp_path("rates.snirf"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "thenar_hbr") != NULL);
    ASSERT_TRUE(access(mc_test_tmp_path("rates.snirf"), F_OK) != 0);
    imp.streams[1].info->rate_hz = 2;
    imp.streams[1].start_ns = 250000000; /* half a sample off the grid */
    ASSERT_STATUS(mc_snirf_write(&imp, mc_test_tmp_path("grid.snirf"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "sample grid") != NULL);
    mc_import_free(&imp);

    mc_import_init(&imp);
    ASSERT_STATUS(mc_import_add_stream(&imp, &ldf, 0, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_snirf_write(&imp, mc_test_tmp_path("none.snirf"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "no NIRS stream") != NULL);
    mc_import_free(&imp);

    /* Only StO2: data1 holds it as processed data labelled StO2 (not a SNIRF label; MNE cannot
     * read it, but the file keeps the data). */
    mc_import_init(&imp);
    sto2.rate_hz = 1;
    c3.unit = "%";
    ASSERT_STATUS(mc_import_add_stream(&imp, &sto2, 0, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(&imp, 0, 4, v, NULL, NULL), MC_OK);
    write_ok(&imp, mc_test_tmp_path("sto2.snirf"));
    import_ok(mc_test_tmp_path("sto2.snirf"), &back);
    ASSERT_EQ_INT(back.n_streams, 1);
    ASSERT_STR_EQ(back.streams[0].info->name, "S1_D1_StO2");
    ASSERT_STR_EQ(back.streams[0].info->channels[0].unit, "%");
    ASSERT_EQ_INT(back.streams[0].info->modality, MC_MODALITY_NIRS);
    ASSERT_NEAR_F(back.streams[0].data[2], 3, 0);
    mc_import_free(&back);
    mc_import_free(&imp);

    mc_import_init(&imp);
    hbo.rate_hz = 0;
    ASSERT_STATUS(mc_import_add_stream(&imp, &hbo, 0, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_snirf_write(&imp, mc_test_tmp_path("irr.snirf"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "thenar_hbo is irregular") != NULL);
    mc_import_free(&imp);
}
