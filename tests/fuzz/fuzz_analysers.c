/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_analysers.c: every streaming analyser fed arbitrary samples. Byte 0 picks the
 * analyser (ppg, ldf, nirs, pco2) and regular or irregular timing, byte 1 the block-size pattern;
 * the rest are float32 samples (NaN, infinities, denormals, huge values included), repeated to
 * fill a fixed length so that windows complete. Invariants (abort when broken): a value is finite
 * exactly when its status is OK; statuses are known; rows come in order with end indices that
 * never go back; push always makes progress. Never a crash, a trap or an infinity. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/ldf.h"
#include "dsp/nirs.h"
#include "dsp/pco2.h"
#include "dsp/ppg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_analysers: invariant broken: %s\n", what);
    abort();
}

enum { N_FRAMES = 6000 };

static void check_row(const mc_analyser *a, const mc_analysis_row *row, int64_t *last_end)
{
    if (row->end_index < *last_end)
        fail("end_index went back");
    *last_end = row->end_index;
    for (size_t k = 0; k < row->n_features; k++) {
        int ok = row->status[k] == MC_FS_OK;
        if (row->status[k] > MC_FS_NOT_AVAILABLE)
            fail("unknown status");
        if (ok != (isfinite(row->value[k]) != 0)) {
            fprintf(stderr, "fuzz_analysers: %s = %g with status %s at end_index %lld\n",
                    mc_analyser_get_feature(a, k)->name, (double)row->value[k],
                    mc_feature_status_name(row->status[k]), (long long)row->end_index);
            fail("a value is finite exactly when its status is OK");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    int which = data[0] % 4, irregular = (data[0] >> 2) & 1;
    uint8_t pattern = data[1];
    size_t n_src = (size - 2) / 4;
    if (n_src == 0)
        return 0;
    const uint8_t *src = data + 2;
    mc_analyser *a = NULL;
    mc_status st;
    /* Low rates keep the windows short: a few thousand frames complete several hops. */
    switch (which) {
    case 0: {
        mc_ppg_config c = mc_ppg_config_default();
        st = mc_ppg_analyser_create(&c, 50.0, 1, 0, (data[0] & 8) ? "urethra" : "finger", NULL, &a);
        irregular = 0;
        break;
    }
    case 1: {
        mc_ldf_config c = mc_ldf_config_default();
        c.hop_s = 20;
        c.window_s = 400;
        st = mc_ldf_analyser_create(&c, 10.0, 1, 0, NULL, &a);
        irregular = 0;
        break;
    }
    case 2: {
        mc_nirs_config c = mc_nirs_config_default();
        st = mc_nirs_analyser_create(&c, irregular ? 0.0 : 1.0, 1, 0, NULL, &a);
        break;
    }
    default: {
        mc_pco2_config c = mc_pco2_config_default();
        c.discard_s = 60;
        c.trend_window_s = 300;
        st = mc_pco2_analyser_create(&c, irregular ? 0.0 : 1.0, 1, 0, NULL, &a);
        break;
    }
    }
    if (st != MC_OK)
        fail("create with defaults failed");
    float *x = malloc(N_FRAMES * sizeof *x);
    int64_t *t = irregular ? malloc(N_FRAMES * sizeof *t) : NULL;
    if (!x || (irregular && !t))
        abort();
    int64_t now = 0;
    for (size_t i = 0; i < N_FRAMES; i++) {
        memcpy(&x[i], src + 4 * (i % n_src), 4);
        if (t) {
            /* Irregular times: about 1 s apart, jittered by the sample bytes, never going back. */
            now += 500000000 + (int64_t)(src[(4 * i) % (4 * n_src)] % 128) * 8000000;
            t[i] = now;
        }
    }
    int64_t last_end = 0;
    size_t i = 0;
    mc_analysis_row row;
    while (i < N_FRAMES) {
        size_t want = 1 + (size_t)((pattern * (i + 7)) % 257);
        if (want > N_FRAMES - i)
            want = N_FRAMES - i;
        size_t used = mc_analyser_push(a, x + i, t ? t + i : NULL, want);
        int rows = 0;
        while (mc_analyser_pop(a, &row)) {
            check_row(a, &row, &last_end);
            rows++;
        }
        if (used == 0 && rows == 0)
            fail("push made no progress");
        i += used;
    }
    mc_analyser_destroy(a);
    free(x);
    free(t);
    return 0;
}
