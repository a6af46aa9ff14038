/* SPDX-License-Identifier: MIT */
/* formats/osc_schema.c: the OSC address table, name validation, address building and the entries
 * of the schema message. */
#include "formats/osc_schema.h"

#include <stdio.h>
#include <string.h>

static const mc_osc_pattern patterns[MC_OSC_KIND_COUNT] = {
    {MC_OSC_FEATURE, "/mcirc/<subject>/<stream>/<feature>", "f", "<feature>"},
    {MC_OSC_WAVE, "/mcirc/<subject>/<stream>/wave", "f*", "<stream>"},
    {MC_OSC_STATUS, "/mcirc/<subject>/<stream>/status", "si", "state,samples"},
    {MC_OSC_EVENT, "/mcirc/<subject>/event", "ssf", "kind,text,value"},
    {MC_OSC_SCHEMA, "/mcirc/<subject>/schema", "s*", "version,part,entries"},
    {MC_OSC_EVENT_IN, "/mcirc/event", "ssf", "kind,text,value"},
};

const mc_osc_pattern *mc_osc_schema_get_pattern(mc_osc_kind kind)
{
    if ((int)kind < 0 || kind >= MC_OSC_KIND_COUNT)
        return NULL;
    return &patterns[kind];
}

int mc_osc_name_is_valid(const char *name)
{
    if (!name || !name[0])
        return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        if (!ok || n >= MC_OSC_NAME_MAX)
            return 0;
    }
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

mc_status mc_osc_schema_build_path(char *out, size_t cap, mc_osc_kind kind, const char *subject,
                                   const char *stream, const char *feature)
{
    if (!out || cap == 0)
        return MC_EINVAL;
    out[0] = '\0';
    int n = -1;
    if (kind == MC_OSC_EVENT_IN) {
        n = snprintf(out, cap, "/mcirc/event");
    } else if (!mc_osc_name_is_valid(subject)) {
        return MC_EINVAL;
    } else if (kind == MC_OSC_EVENT || kind == MC_OSC_SCHEMA) {
        n = snprintf(out, cap, "/mcirc/%s/%s", subject, kind == MC_OSC_EVENT ? "event" : "schema");
    } else if (kind == MC_OSC_WAVE || kind == MC_OSC_STATUS || kind == MC_OSC_FEATURE) {
        if (!mc_osc_name_is_valid(stream))
            return MC_EINVAL;
        const char *leaf = kind == MC_OSC_WAVE     ? "wave"
                           : kind == MC_OSC_STATUS ? "status"
                                                   : feature;
        if (!mc_osc_name_is_valid(leaf))
            return MC_EINVAL;
        n = snprintf(out, cap, "/mcirc/%s/%s/%s", subject, stream, leaf);
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return MC_EINVAL;
    }
    return MC_OK;
}

mc_status mc_osc_schema_validate(const mc_osc_schema *s, mc_diag *d)
{
    if (!s || (s->n_streams && !s->streams))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no schema");
    if (!mc_osc_name_is_valid(s->subject))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "subject '%s' is not an OSC-safe name ([A-Za-z0-9_.-], 1-%d bytes)",
                           s->subject ? s->subject : "(null)", MC_OSC_NAME_MAX);
    for (size_t i = 0; i < s->n_streams; i++) {
        const mc_osc_stream_def *st = &s->streams[i];
        if (!mc_osc_name_is_valid(st->name))
            return mc_diag_set(d, MC_EINVAL, -1, -1, "stream %zu: '%s' is not an OSC-safe name", i,
                               st->name ? st->name : "(null)");
        if (st->n_features && !st->features)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': features missing", st->name);
        if (!(st->wave_fs_hz >= 0.0) || st->wave_fs_hz > 1e6)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': wave rate %g Hz", st->name,
                               st->wave_fs_hz);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->streams[j].name, st->name) == 0)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s' appears twice", st->name);
        for (size_t k = 0; k < st->n_features; k++) {
            const char *f = st->features[k].name;
            char path[MC_OSC_PATH_MAX];
            if (!mc_osc_name_is_valid(f) || strcmp(f, "wave") == 0 || strcmp(f, "status") == 0)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': feature '%s' is not allowed",
                                   st->name, f ? f : "(null)");
            if (mc_osc_schema_build_path(path, sizeof path, MC_OSC_FEATURE, s->subject, st->name,
                                         f) != MC_OK)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "address of '%s/%s' too long", st->name,
                                   f);
            for (size_t m = 0; m < k; m++)
                if (strcmp(st->features[m].name, f) == 0)
                    return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': feature '%s' twice",
                                       st->name, f);
        }
    }
    return MC_OK;
}

static size_t stream_entries(const mc_osc_stream_def *st)
{
    return st->n_features + 1 + (st->wave_fs_hz > 0.0 ? 1 : 0);
}

size_t mc_osc_schema_count_entries(const mc_osc_schema *s)
{
    if (!s)
        return 0;
    size_t n = 2; /* event, event input */
    for (size_t i = 0; i < s->n_streams; i++)
        n += stream_entries(&s->streams[i]);
    return n;
}

static mc_status entry(char *out, size_t cap, const char *path, const char *types, const char *unit)
{
    int n = snprintf(out, cap, "%s ,%s %s", path, types, unit && unit[0] ? unit : "-");
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return MC_EINVAL;
    }
    return MC_OK;
}

mc_status mc_osc_schema_get_entry(const mc_osc_schema *s, size_t i, char *out, size_t cap)
{
    if (!s || !out || cap == 0)
        return MC_EINVAL;
    out[0] = '\0';
    char path[MC_OSC_PATH_MAX];
    mc_status st;
    for (size_t k = 0; k < s->n_streams; k++) {
        const mc_osc_stream_def *sd = &s->streams[k];
        size_t n = stream_entries(sd);
        if (i >= n) {
            i -= n;
            continue;
        }
        if (i < sd->n_features) {
            const mc_feature_def *f = &sd->features[i];
            st = mc_osc_schema_build_path(path, sizeof path, MC_OSC_FEATURE, s->subject, sd->name,
                                          f->name);
            return st != MC_OK ? st : entry(out, cap, path, "f", f->unit);
        }
        if (i == sd->n_features) {
            st = mc_osc_schema_build_path(path, sizeof path, MC_OSC_STATUS, s->subject, sd->name,
                                          NULL);
            return st != MC_OK ? st : entry(out, cap, path, "si", patterns[MC_OSC_STATUS].unit);
        }
        st = mc_osc_schema_build_path(path, sizeof path, MC_OSC_WAVE, s->subject, sd->name, NULL);
        return st != MC_OK ? st : entry(out, cap, path, "f*", sd->wave_unit);
    }
    if (i == 0) {
        st = mc_osc_schema_build_path(path, sizeof path, MC_OSC_EVENT, s->subject, NULL, NULL);
        return st != MC_OK ? st : entry(out, cap, path, "ssf", patterns[MC_OSC_EVENT].unit);
    }
    if (i == 1)
        return entry(out, cap, patterns[MC_OSC_EVENT_IN].pattern, "ssf",
                     patterns[MC_OSC_EVENT_IN].unit);
    return MC_EINVAL;
}
