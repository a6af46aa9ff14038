/* SPDX-License-Identifier: MIT */
/* tests/formats/test_nirx.c: the NIRx importer on the shared NIRScout recording (facts from
 * SOURCES.md / FORMATS.md §4, every sample compared with numpy.loadtxt of the .wl files) and on
 * crafted headers and matrices served by an in-memory loader. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/nirx.h"
#include "formats/text_scan.h"
#include "tests/formats/import_check.h"
#include "tests/harness.h"

/* Files served from memory; names asked for are recorded. */
typedef struct mem_files {
    const char *names[8];
    const char *texts[8];
    char asked[16][64];
    int n_asked;
    char *folder; /* when set, real files from this folder */
} mem_files;

static mc_status mem_load(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d)
{
    mem_files *m = ctx;
    if (m->n_asked < 16)
        snprintf(m->asked[m->n_asked++], 64, "%s", name);
    if (m->folder)
        return mc_load_file(m->folder, name, buf, len, d);
    for (int i = 0; i < 8 && m->names[i]; i++)
        if (strcmp(m->names[i], name) == 0) {
            *len = strlen(m->texts[i]);
            *buf = malloc(*len ? *len : 1);
            memcpy(*buf, m->texts[i], *len);
            return MC_OK;
        }
    return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: not found", name);
}

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    return NULL;
}

TEST(nirscout_recording)
{
    const char *path = mc_test_shared("nirs/nirx/NIRS-2019-08-23_001.hdr");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_nirx_import(path, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "nirx");
    ASSERT_STR_EQ(imp.source, "NIRS-2019-08-23_001.hdr");
    /* S-D-Mask selects 13 pairs (8 long, 5 short), 2 wavelengths. */
    ASSERT_EQ_INT(imp.n_streams, 26);
    ASSERT_STR_EQ(imp.streams[0].info->name, "S1_D1_760nm");
    ASSERT_STR_EQ(imp.streams[1].info->name, "S1_D1_850nm");
    ASSERT_STR_EQ(imp.streams[25].info->name, "S5_D13_850nm");
    for (size_t i = 0; i < imp.n_streams; i++) {
        ASSERT_EQ_INT(imp.streams[i].n_frames, 145);
        ASSERT_NEAR_F(imp.streams[i].info->rate_hz, 12.5, 1e-12);
        ASSERT_EQ_INT(imp.streams[i].info->modality, MC_MODALITY_NIRS);
        ASSERT_STR_EQ(imp.streams[i].info->channels[0].unit, "V");
        ASSERT_STR_EQ(imp.streams[i].info->device_model, "NIRScout 16x24");
    }
    const mc_import_stream *s = find(&imp, "S1_D1_760nm");
    ASSERT_NEAR_F(s->data[0], 0.1175950, 1e-7);
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "short_channel"), "0");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "distance_mm"), "33");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "wavelength_nm"), "760");
    s = find(&imp, "S1_D9_760nm");
    ASSERT_TRUE(s != NULL);
    ASSERT_NEAR_F(s->data[0], 0.9374136, 1e-7);
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "short_channel"), "1");
    ASSERT_STR_EQ(mc_stream_info_get_attr(s->info, "distance_mm"), "8");
    ASSERT_TRUE(find(&imp, "S1_D2_760nm") == NULL);
    /* Fri, Aug 23, 2019 07:37:04.540 */
    ASSERT_EQ_INT(imp.start_unix_ns,
                  (mc_text_days_from_civil(2019, 8, 23) * 86400 + 7 * 3600 + 37 * 60 + 4) *
                          1000000000LL +
                      540000000LL);
    /* .evt: samples 26, 59, 96 with codes 3, 2, 1. */
    ASSERT_EQ_INT(imp.n_events, 3);
    ASSERT_EQ_INT(imp.events[0].t_ns, 2080000000LL);
    ASSERT_NEAR_F(imp.events[0].value, 3, 0);
    ASSERT_EQ_INT(imp.events[1].t_ns, 4720000000LL);
    ASSERT_NEAR_F(imp.events[1].value, 2, 0);
    ASSERT_EQ_INT(imp.events[2].t_ns, 7680000000LL);
    ASSERT_STR_EQ(imp.events[2].kind, "trigger");
    mc_check_session_round_trip(&imp, "nirx.h5");
    mc_import_free(&imp);
}

/* Every sample of every stream against numpy.loadtxt of the .wl files (S-D-Key is the identity
 * here: column = (source - 1) * 16 + detector - 1); the loader never asks for the .inf file. */
TEST(numpy_loadtxt)
{
    const char *hdr_path = mc_test_shared("nirs/nirx/NIRS-2019-08-23_001.hdr");
    char folder[1024];
    snprintf(folder, sizeof folder, "%s", hdr_path);
    *strrchr(folder, '/') = '\0';
    mem_files m = {.folder = folder};
    uint8_t *hdr;
    size_t n;
    mc_diag d;
    ASSERT_STATUS(mc_read_whole_file(hdr_path, 1 << 20, &hdr, &n, &d), MC_OK);
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_nirx_read(hdr, n, "NIRS-2019-08-23_001", mem_load, &m, &imp, &d), MC_OK);
    free(hdr);
    ASSERT_EQ_INT(m.n_asked, 3);
    for (int i = 0; i < m.n_asked; i++)
        ASSERT_TRUE(strstr(m.asked[i], ".inf") == NULL);
    for (int wl = 1; wl <= 2; wl++) {
        char cmd[2300];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import sys, numpy; a = numpy.loadtxt(sys.argv[1]); "
                 "print(*a.shape); print(*(repr(v) for v in a.ravel()), sep=\"\\n\")' "
                 "'%s/NIRS-2019-08-23_001.wl%d' 2>/dev/null",
                 folder, wl);
        FILE *p = popen(cmd, "r");
        ASSERT_TRUE(p != NULL);
        int rows = 0, cols = 0;
        if (fscanf(p, "%d %d", &rows, &cols) != 2) {
            pclose(p);
            SKIP("python3 with numpy is not available");
        }
        ASSERT_EQ_INT(rows, 145);
        ASSERT_EQ_INT(cols, 80);
        double *a = malloc(sizeof(double) * 145 * 80);
        for (int i = 0; i < 145 * 80; i++)
            ASSERT_EQ_INT(fscanf(p, "%lf", &a[i]), 1);
        pclose(p);
        int compared = 0;
        for (size_t k = 0; k < imp.n_streams; k++) {
            const mc_import_stream *s = &imp.streams[k];
            if (strcmp(mc_stream_info_get_attr(s->info, "wavelength_nm"), wl == 1 ? "760" : "850"))
                continue;
            const int src = atoi(mc_stream_info_get_attr(s->info, "source"));
            const int det = atoi(mc_stream_info_get_attr(s->info, "detector"));
            for (int r = 0; r < 145; r++, compared++)
                ASSERT_NEAR_F(s->data[r], (float)a[r * 80 + (src - 1) * 16 + det - 1], 0);
        }
        ASSERT_EQ_INT(compared, 13 * 145);
        free(a);
    }
    mc_import_free(&imp);
}

static const char *small_hdr = "[GeneralInfo]\r\nNIRStar=\"15.2\"\r\nSubject=42\r\n"
                               "[ImagingParameters]\r\nSources=2\r\nDetectors=2\r\n"
                               "Wavelengths=\"760\t850\"\r\nSamplingRate=10\r\n"
                               "ShortDetIndex=\"2\"\r\n"
                               "[Markers]\r\nEvents=\"#\r\n0.50\t7\t5\r\n#\"\r\n"
                               "[DataStructure]\r\nS-D-Key=\"1-1:1,1-2:2,2-1:4,2-2:3,\"\r\n"
                               "S-D-Mask=\"#\r\n1\t0\r\n1\t1\r\n#\"\r\n";

static mc_status read_small(mem_files *m, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    return mc_nirx_read((const uint8_t *)small_hdr, strlen(small_hdr), "x", mem_load, m, imp, d);
}

/* S-D-Key reorders columns, the mask picks 3 pairs, no .evt: the header's Events are used. */
TEST(crafted_key_mask_markers)
{
    mem_files m = {.names = {"x.wl1", "x.wl2"},
                   .texts = {"1 2 3 4\n5 6 7 8\n", "11 12 13 14\n15 16 17 18\n"}};
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_small(&m, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 6);
    ASSERT_STR_EQ(imp.streams[2].info->name, "S2_D1_760nm");
    ASSERT_NEAR_F(imp.streams[2].data[1], 8, 0); /* 2-1 is column 4 */
    ASSERT_STR_EQ(imp.streams[5].info->name, "S2_D2_850nm");
    ASSERT_NEAR_F(imp.streams[5].data[0], 13, 0); /* 2-2 is column 3 */
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[4].info, "short_channel"), "1");
    ASSERT_TRUE(mc_stream_info_get_attr(imp.streams[0].info, "distance_mm") == NULL);
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_EQ_INT(imp.events[0].t_ns, 500000000);
    ASSERT_NEAR_F(imp.events[0].value, 7, 0);
    for (size_t i = 0; i < imp.n_streams; i++)
        for (size_t k = 0; k < imp.streams[i].info->n_attrs; k++)
            ASSERT_TRUE(strcmp(imp.streams[i].info->attrs[k].value, "42") != 0);
    mc_import_free(&imp);
}

TEST(malformed)
{
    mc_import imp;
    mc_diag d;
    /* A missing .wl2. */
    mem_files m1 = {.names = {"x.wl1"}, .texts = {"1 2 3 4\n"}};
    ASSERT_STATUS(read_small(&m1, &imp, &d), MC_ENOTFOUND);
    ASSERT_TRUE(strstr(d.message, "x.wl2") != NULL);
    mc_import_free(&imp);
    /* A row of 3 numbers where 4 are expected. */
    mem_files m2 = {.names = {"x.wl1", "x.wl2"},
                    .texts = {"1 2 3 4\n1 2 3\n", "1 2 3 4\n1 2 3 4\n"}};
    ASSERT_STATUS(read_small(&m2, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "x.wl1: line 2: expected 4 numbers") != NULL);
    ASSERT_EQ_INT(d.line, 2);
    mc_import_free(&imp);
    /* Files that do not belong together. */
    mem_files m3 = {.names = {"x.wl1", "x.wl2"}, .texts = {"1 2 3 4\n1 2 3 4\n", "1 2 3 4\n"}};
    ASSERT_STATUS(read_small(&m3, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "do not belong together") != NULL);
    mc_import_free(&imp);
    /* Text in a matrix, a bad .evt. */
    mem_files m4 = {.names = {"x.wl1", "x.wl2"}, .texts = {"1 2 x 4\n", "1 2 3 4\n"}};
    ASSERT_STATUS(read_small(&m4, &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
    mem_files m5 = {.names = {"x.wl1", "x.wl2", "x.evt"},
                    .texts = {"1 2 3 4\n", "1 2 3 4\n", "5\t1\t2\n"}};
    ASSERT_STATUS(read_small(&m5, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "x.evt: line 1: expected a sample number and 8") != NULL);
    mc_import_free(&imp);
    /* Headers: impossible rate, huge geometry, a mask of the wrong size, garbage. */
    const char *bad[] = {
        "Sources=1\nDetectors=1\nWavelengths=\"760\"\nSamplingRate=0\n",
        "Sources=1\nDetectors=1\nWavelengths=\"760\"\nSamplingRate=nan\n",
        "Sources=100000\nDetectors=1\nWavelengths=\"760\"\nSamplingRate=10\n",
        "Sources=200\nDetectors=200\nWavelengths=\"760\"\nSamplingRate=10\n",
        "Sources=60\nDetectors=60\nWavelengths=\"760 850\"\nSamplingRate=10\n",
        "Sources=2\nDetectors=2\nWavelengths=\"760\"\nSamplingRate=10\nS-D-Mask=\"#\n1 1 1\n#\"\n",
        "Sources=2\nDetectors=2\nWavelengths=\"760\"\nSamplingRate=10\nS-D-Key=\"3-1:1\"\n",
        "Sources=1\nDetectors=1\nWavelengths=\"\"\nSamplingRate=10\n",
        "\xff\xfe\x00garbage",
    };
    mc_import_init(&imp);
    ASSERT_STATUS(
        mc_nirx_read((const uint8_t *)bad[0], strlen(bad[0]), "x", mem_load, NULL, &imp, &d),
        MC_EFORMAT);
    ASSERT_STR_EQ(d.message, "x.hdr: line 4: expected SamplingRate=<Hz, 0.001 <= rate <= 100000>");
    mc_import_free(&imp);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mem_files m = {.names = {"x.wl1"}, .texts = {"1\n"}};
        mc_import_init(&imp);
        mc_diag_clear(&d);
        ASSERT_STATUS(
            mc_nirx_read((const uint8_t *)bad[i], strlen(bad[i]), "x", mem_load, &m, &imp, &d),
            MC_EFORMAT);
        ASSERT_TRUE(strncmp(d.message, "x.hdr: ", 7) == 0);
        mc_import_free(&imp);
    }
}

TEST(detect)
{
    const char *h = "[GeneralInfo]\r\nFileName=\"a\"\r\nNIRStar=\"15.2\"\r\n";
    ASSERT_EQ_INT(mc_nirx_detect((const uint8_t *)h, strlen(h), NULL), 1);
    const char *g = "[GeneralInfo]\r\nFileName=\"a\"\r\n";
    ASSERT_EQ_INT(mc_nirx_detect((const uint8_t *)g, strlen(g), "a.hdr"), 1);
    ASSERT_EQ_INT(mc_nirx_detect((const uint8_t *)g, strlen(g), "a.ini"), 0);
    const char *lc = "Interval=\t0.001 s\r\n";
    ASSERT_EQ_INT(mc_nirx_detect((const uint8_t *)lc, strlen(lc), "a.hdr"), 0);
}
