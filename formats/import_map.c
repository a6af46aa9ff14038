/* SPDX-License-Identifier: MIT */
/* formats/import_map.c: the mapping file of `mcirc import --map` (formats/import_map.h). */
#include "formats/import_map.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ini.h"

#define CHANNEL_PREFIX "channel."

void mc_import_map_free(mc_import_map *map)
{
    if (!map)
        return;
    free(map->channels);
    free(map->text);
    memset(map, 0, sizeof *map);
}

/* Copy a value into a fixed field, refusing one that does not fit. */
static mc_status set_text(char *dst, size_t cap, const mc_ini_entry *e, const char *name,
                          mc_diag *d)
{
    if (strlen(e->value) >= cap)
        return mc_diag_set(d, MC_EFORMAT, -1, e->line, "%s: line %lld: %s: at most %zu characters",
                           name, (long long)e->line, e->key, cap - 1);
    memcpy(dst, e->value, strlen(e->value) + 1);
    return MC_OK;
}

static mc_status set_number(double *dst, const mc_ini_entry *e, const char *name, mc_diag *d)
{
    char *end;
    const double v = strtod(e->value, &end);
    if (end == e->value || *end || !isfinite(v))
        return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                           "%s: line %lld: %s: expected a number, got '%s'", name,
                           (long long)e->line, e->key, e->value);
    *dst = v;
    return MC_OK;
}

typedef struct parse_ctx {
    mc_import_map *map;
    const char *name;
    size_t cap_channels, cap_text;
} parse_ctx;

/* The channel section an entry belongs to, created at its first entry. */
static mc_status channel_of(parse_ctx *c, const mc_ini_entry *e, mc_import_map_channel **out,
                            mc_diag *d)
{
    const char *key = e->section + strlen(CHANNEL_PREFIX);
    mc_import_map *m = c->map;
    if (m->n_channels && strcmp(m->channels[m->n_channels - 1].key, key) == 0) {
        *out = &m->channels[m->n_channels - 1];
        return MC_OK;
    }
    for (size_t i = 0; i < m->n_channels; i++)
        if (strcmp(m->channels[i].key, key) == 0)
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "%s: line %lld: [%s] given a second time (first at line %lld)",
                               c->name, (long long)e->line, e->section,
                               (long long)m->channels[i].line);
    if (!key[0] || strlen(key) > MC_NAME_MAX)
        return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                           "%s: line %lld: expected [channel.NAME] with a channel name", c->name,
                           (long long)e->line);
    if (m->n_channels == c->cap_channels) {
        const size_t cap = c->cap_channels ? 2 * c->cap_channels : 8;
        mc_import_map_channel *p = realloc(m->channels, cap * sizeof *p);
        if (!p)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
        m->channels = p;
        c->cap_channels = cap;
    }
    mc_import_map_channel *ch = &m->channels[m->n_channels++];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->key, sizeof ch->key, "%s", key);
    ch->gain = ch->offset = (double)NAN;
    ch->line = e->line;
    *out = ch;
    return MC_OK;
}

static mc_status on_entry(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    parse_ctx *c = ctx;
    if (strcmp(e->section, "text") == 0) {
        mc_import_map *m = c->map;
        if (m->n_text == c->cap_text) {
            const size_t cap = c->cap_text ? 2 * c->cap_text : 8;
            mc_import_map_setting *p = realloc(m->text, cap * sizeof *p);
            if (!p)
                return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
            m->text = p;
            c->cap_text = cap;
        }
        mc_import_map_setting *s = &m->text[m->n_text];
        snprintf(s->key, sizeof s->key, "%s", e->key);
        s->line = e->line;
        mc_status st = set_text(s->value, sizeof s->value, e, c->name, d);
        if (st == MC_OK)
            m->n_text++;
        return st;
    }
    if (strncmp(e->section, CHANNEL_PREFIX, strlen(CHANNEL_PREFIX)) != 0)
        return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                           "%s: line %lld: expected a [channel.NAME] or [text] section before '%s'",
                           c->name, (long long)e->line, e->key);
    mc_import_map_channel *ch = NULL;
    mc_status st = channel_of(c, e, &ch, d);
    if (st != MC_OK)
        return st;
    const char *k = e->key;
    if (strcmp(k, "stream") == 0) {
        if (!mc_name_is_valid(e->value))
            return mc_diag_set(
                d, MC_EFORMAT, -1, e->line,
                "%s: line %lld: stream: expected 1-63 characters of A-Z a-z 0-9 _ . -", c->name,
                (long long)e->line);
        return set_text(ch->stream, sizeof ch->stream, e, c->name, d);
    }
    if (strcmp(k, "modality") == 0) {
        mc_modality m;
        if (mc_modality_parse(e->value, &m) != MC_OK)
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "%s: line %lld: modality: expected ppg, ldf, nirs, pco2 or other",
                               c->name, (long long)e->line);
        return set_text(ch->modality, sizeof ch->modality, e, c->name, d);
    }
    if (strcmp(k, "unit") == 0)
        return set_text(ch->unit, sizeof ch->unit, e, c->name, d);
    if (strcmp(k, "site") == 0)
        return set_text(ch->site, sizeof ch->site, e, c->name, d);
    if (strcmp(k, "gain") == 0) {
        st = set_number(&ch->gain, e, c->name, d);
        if (st == MC_OK && ch->gain == 0)
            return mc_diag_set(d, MC_EFORMAT, -1, e->line, "%s: line %lld: gain: must not be 0",
                               c->name, (long long)e->line);
        return st;
    }
    if (strcmp(k, "offset") == 0)
        return set_number(&ch->offset, e, c->name, d);
    if (strcmp(k, "skip") == 0) {
        const char *v = e->value;
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
            ch->skip = 1;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
            ch->skip = 0;
        else
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "%s: line %lld: skip: expected yes or no", c->name,
                               (long long)e->line);
        return MC_OK;
    }
    return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                       "%s: line %lld: unknown key '%s' (expected stream, modality, unit, site, "
                       "gain, offset or skip)",
                       c->name, (long long)e->line, k);
}

mc_status mc_import_map_parse(const char *text, size_t len, const char *name, mc_import_map *map,
                              mc_diag *d)
{
    memset(map, 0, sizeof *map);
    parse_ctx c = {.map = map, .name = name};
    mc_status st = mc_ini_parse(text, len, on_entry, &c, d);
    if (st == MC_EFORMAT && d && d->line > 0 && strncmp(d->message, name, strlen(name)) != 0) {
        /* A syntax error of the ini layer: name the file. */
        char msg[sizeof d->message];
        snprintf(msg, sizeof msg, "%s", d->message);
        snprintf(d->message, sizeof d->message, "%.*s: %.*s", 200, name, 300, msg);
    }
    if (st != MC_OK)
        mc_import_map_free(map);
    return st;
}

static mc_import_map_channel *find(mc_import_map *map, const char *stream)
{
    char key[MC_NAME_MAX + 1];
    size_t i = 0;
    for (; stream[i] && i < MC_NAME_MAX; i++)
        key[i] = (char)tolower((unsigned char)stream[i]);
    key[i] = '\0';
    for (size_t k = 0; k < map->n_channels; k++)
        if (strcmp(map->channels[k].key, key) == 0)
            return &map->channels[k];
    return NULL;
}

/* Remove stream i of an import (a skipped channel). */
static void drop_stream(mc_import *imp, size_t i)
{
    mc_import_stream *s = &imp->streams[i];
    const size_t ch = s->info->n_channels;
    imp->used_bytes -= (size_t)s->n_frames * (ch * sizeof(float) + (s->t_ns ? sizeof(int64_t) : 0));
    mc_stream_info_destroy(s->info);
    free(s->data);
    free(s->t_ns);
    free(s->gaps);
    memmove(s, s + 1, (imp->n_streams - i - 1) * sizeof *s);
    imp->n_streams--;
}

/* Apply one channel section to stream s. */
static mc_status apply_one(const mc_import_map_channel *m, mc_import_stream *s, mc_diag *d)
{
    const mc_stream_info *old = s->info;
    const double g = isnan(m->gain) ? 1.0 : m->gain, o = isnan(m->offset) ? 0.0 : m->offset;
    mc_channel_info *chans = calloc(old->n_channels, sizeof *chans);
    if (!chans)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    for (uint32_t c = 0; c < old->n_channels; c++) {
        chans[c] = old->channels[c];
        if (m->unit[0])
            chans[c].unit = m->unit;
        /* Recorded device scale, composed: new physical = g * old physical + o, with old physical =
         * (dev - so) / sg, is (dev - so') / sg' where sg' = sg / g and so' = so - o * sg / g. */
        const double sg = chans[c].scale_gain != 0 ? chans[c].scale_gain : 1.0;
        chans[c].scale_gain = sg / g;
        chans[c].scale_offset = chans[c].scale_offset - o * sg / g;
    }
    mc_stream_info info = *old;
    info.channels = chans;
    if (m->stream[0])
        info.name = m->stream;
    if (m->modality[0] && mc_modality_parse(m->modality, &info.modality) != MC_OK) {
        free(chans);
        return mc_diag_set(d, MC_EINVAL, -1, -1, "bad modality %s", m->modality);
    }
    if (m->site[0])
        info.site = m->site;
    mc_stream_info *copy;
    mc_status st = mc_stream_info_copy(&info, &copy);
    free(chans);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "[channel.%s] (line %lld): cannot apply: %s", m->key,
                           (long long)m->line, mc_strerror(st));
    if (g != 1.0 || o != 0.0) {
        const size_t n = (size_t)s->n_frames * old->n_channels;
        for (size_t i = 0; i < n; i++) {
            const double v = g * (double)s->data[i] + o;
            if (isfinite(s->data[i]) && !(fabs(v) <= (double)FLT_MAX)) {
                mc_stream_info_destroy(copy);
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "[channel.%s] (line %lld): gain and offset take sample %zu out "
                                   "of the float range",
                                   m->key, (long long)m->line, i / old->n_channels);
            }
            s->data[i] = (float)v;
        }
    }
    mc_stream_info_destroy(s->info);
    s->info = copy;
    return MC_OK;
}

mc_status mc_import_map_apply(mc_import_map *map, mc_import *imp, size_t *unmatched, mc_diag *d)
{
    for (size_t i = 0; i < imp->n_streams;) {
        mc_import_map_channel *m = find(map, imp->streams[i].info->name);
        if (!m) {
            i++;
            continue;
        }
        m->used = 1;
        if (m->skip) {
            drop_stream(imp, i);
            continue;
        }
        mc_status st = apply_one(m, &imp->streams[i], d);
        if (st != MC_OK)
            return st;
        i++;
    }
    for (size_t i = 0; i < imp->n_streams; i++)
        for (size_t j = i + 1; j < imp->n_streams; j++)
            if (strcmp(imp->streams[i].info->name, imp->streams[j].info->name) == 0)
                return mc_diag_set(
                    d, MC_EINVAL, -1, -1,
                    "the mapping gives two streams the name %s; names must be unique",
                    imp->streams[i].info->name);
    if (unmatched) {
        *unmatched = 0;
        for (size_t k = 0; k < map->n_channels; k++)
            *unmatched += !map->channels[k].used;
    }
    return MC_OK;
}
