/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_import_map.c: fuzz target of the mapping file of `mcirc import --map`
 * (formats/import_map.h): parse the input, and when it parses, apply it to a small import of three
 * streams. Invariants (abort when broken): parse gives MC_OK or MC_EFORMAT with a line >= 1 and
 * an empty map; apply gives MC_OK or MC_EINVAL; after MC_OK every stream name is valid and unique
 * and every calibrated value finite (the inputs are). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/import_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_import_map: invariant broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    mc_import_map m;
    mc_diag d;
    mc_status st = mc_import_map_parse(text, size, "fuzz.map", &m, &d);
    free(text);
    if (st != MC_OK) {
        if (st != MC_EFORMAT && st != MC_ENOMEM)
            fail("parse status");
        if (st == MC_EFORMAT && d.line < 1)
            fail("parse error without a line");
        if (m.n_channels || m.n_text)
            fail("map not empty after an error");
        return 0;
    }
    mc_import imp;
    mc_import_init(&imp);
    const char *names[] = {"PLETH", "II", "ecg_ecg1"};
    for (size_t i = 0; i < 3; i++) {
        mc_channel_info ch = {.name = "value", .unit = "NU", .scale_gain = 2};
        mc_stream_info info = {.name = names[i], .n_channels = 1, .channels = &ch, .rate_hz = 100};
        const float v[3] = {1, -2, 3};
        if (mc_import_add_stream(&imp, &info, 0, NULL, NULL) != MC_OK ||
            mc_import_append(&imp, i, 3, v, NULL, NULL) != MC_OK)
            fail("setup");
    }
    size_t unmatched;
    st = mc_import_map_apply(&m, &imp, &unmatched, &d);
    if (st != MC_OK && st != MC_EINVAL && st != MC_ENOMEM)
        fail("apply status");
    if (st == MC_OK) {
        if (unmatched > m.n_channels)
            fail("unmatched count");
        for (size_t i = 0; i < imp.n_streams; i++) {
            if (!mc_name_is_valid(imp.streams[i].info->name))
                fail("invalid stream name");
            for (size_t j = i + 1; j < imp.n_streams; j++)
                if (!strcmp(imp.streams[i].info->name, imp.streams[j].info->name))
                    fail("duplicate stream name");
            if (mc_stream_info_check(imp.streams[i].info, NULL) != MC_OK)
                fail("stream description no longer valid");
            for (int64_t k = 0; k < imp.streams[i].n_frames; k++)
                if (!isfinite(imp.streams[i].data[k]))
                    fail("calibrated value not finite");
        }
    }
    mc_import_free(&imp);
    mc_import_map_free(&m);
    return 0;
}
