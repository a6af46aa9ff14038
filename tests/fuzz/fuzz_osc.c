/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_osc.c: fuzz target of the pure parts of the OSC output: mc_osc_url_parse
 * (formats/osc_sender.h) and the schema (formats/osc_schema.h). The input is split at newlines:
 * line 1 is a URL, line 2 the subject, then "stream" lines "NAME FEATURE FEATURE...".
 * Invariants (abort when broken): a parsed URL has a host without spaces and a port 1-65535;
 * a schema that validates has every address buildable and every entry of the schema message
 * starting with "/mcirc/" and with its type tags; a name that is not OSC-safe never builds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/osc_schema.h"
#include "formats/osc_sender.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_STREAMS = 8, MAX_FEATURES = 8 };

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_osc: invariant broken: %s\n", what);
    abort();
}

static void check_url(const char *url)
{
    mc_osc_url u;
    mc_diag d;
    if (mc_osc_url_parse(url, &u, &d) != MC_OK)
        return;
    if (!u.host[0] || strchr(u.host, ' '))
        fail("host");
    long port = strtol(u.port, NULL, 10);
    if (port < 1 || port > 65535)
        fail("port");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *lines[2 + MAX_STREAMS] = {0};
    size_t n_lines = 0;
    for (char *p = buf; n_lines < 2 + MAX_STREAMS;) {
        lines[n_lines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    check_url(lines[0]);

    mc_feature_def feats[MAX_STREAMS][MAX_FEATURES];
    mc_osc_stream_def streams[MAX_STREAMS];
    size_t n_streams = 0;
    for (size_t i = 2; i < n_lines; i++) {
        mc_osc_stream_def *sd = &streams[n_streams];
        memset(sd, 0, sizeof *sd);
        char *save = NULL, *tok = strtok_r(lines[i], " ", &save);
        sd->name = tok ? tok : "";
        sd->features = feats[n_streams];
        while ((tok = strtok_r(NULL, " ", &save)) != NULL && sd->n_features < MAX_FEATURES)
            feats[n_streams][sd->n_features++] = (mc_feature_def){tok, "u", ""};
        sd->wave_fs_hz = (double)(n_streams * 125);
        sd->wave_unit = "a.u.";
        n_streams++;
    }
    const char *subject = n_lines > 1 ? lines[1] : "";
    mc_osc_schema s = {subject, streams, n_streams};
    char path[MC_OSC_PATH_MAX];
    for (size_t i = 0; i < n_streams; i++) {
        int ok = mc_osc_name_is_valid(subject) && mc_osc_name_is_valid(streams[i].name);
        mc_status st = mc_osc_schema_build_path(path, sizeof path, MC_OSC_STATUS, subject,
                                                streams[i].name, NULL);
        if (!ok && st == MC_OK)
            fail("an invalid name built an address");
    }
    mc_diag d;
    if (mc_osc_schema_validate(&s, &d) == MC_OK) {
        size_t n = mc_osc_schema_count_entries(&s);
        char e[MC_OSC_ENTRY_MAX];
        for (size_t i = 0; i < n; i++) {
            if (mc_osc_schema_get_entry(&s, i, e, sizeof e) != MC_OK)
                fail("entry of a valid schema");
            if (strncmp(e, "/mcirc/", 7) != 0 || !strstr(e, " ,"))
                fail("entry shape");
        }
        if (mc_osc_schema_get_entry(&s, n, e, sizeof e) == MC_OK)
            fail("entry past the end");
        for (size_t i = 0; i < n_streams; i++)
            for (size_t k = 0; k < streams[i].n_features; k++)
                if (mc_osc_schema_build_path(path, sizeof path, MC_OSC_FEATURE, subject,
                                             streams[i].name, feats[i][k].name) != MC_OK)
                    fail("feature address of a valid schema");
    }
    free(buf);
    return 0;
}
