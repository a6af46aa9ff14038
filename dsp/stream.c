/* SPDX-License-Identifier: MIT */
/* dsp/stream.c: checks and deep copies of stream descriptions. */
#include "dsp/stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const modality_names[] = {
    [MC_MODALITY_OTHER] = "other", [MC_MODALITY_PPG] = "ppg",   [MC_MODALITY_LDF] = "ldf",
    [MC_MODALITY_NIRS] = "nirs",   [MC_MODALITY_PCO2] = "pco2",
};

const char *mc_modality_name(mc_modality m)
{
    if ((unsigned)m < sizeof modality_names / sizeof modality_names[0])
        return modality_names[m];
    return "other";
}

mc_status mc_modality_parse(const char *s, mc_modality *out)
{
    *out = MC_MODALITY_OTHER;
    for (size_t i = 0; s && i < sizeof modality_names / sizeof modality_names[0]; i++) {
        if (strcmp(s, modality_names[i]) == 0) {
            *out = (mc_modality)i;
            return MC_OK;
        }
    }
    return MC_EINVAL;
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

int mc_name_is_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MC_NAME_MAX || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

static int key_is_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int value_fits(const char *s)
{
    return strlen(str_or_empty(s)) <= MC_VALUE_MAX;
}

mc_status mc_stream_info_check(const mc_stream_info *info, mc_diag *d)
{
    if (!info)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream description");
    if (!mc_name_is_valid(info->name))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "stream name '%s': expected 1-%d characters of A-Z a-z 0-9 _ - .",
                           str_or_empty(info->name), MC_NAME_MAX);
    if (info->n_channels == 0 || info->n_channels > 65535 || !info->channels)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': expected 1-65535 channels, got %u",
                           info->name, (unsigned)info->n_channels);
    if (!isfinite(info->rate_hz) || info->rate_hz < 0 || info->rate_hz > 1e6)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "stream '%s': rate %g Hz: expected 0 (irregular) or 0 < rate <= 1e6",
                           info->name, info->rate_hz);
    if (!isfinite(info->device_delay_s) || info->device_delay_s < 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': device delay must be >= 0 s",
                           info->name);
    const char *strings[] = {info->device_model, info->device_serial, info->driver,
                             info->driver_version, info->site};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (!value_fits(strings[i]))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': a device string is longer "
                               "than %d bytes",
                               info->name, MC_VALUE_MAX);
    for (uint32_t c = 0; c < info->n_channels; c++) {
        const mc_channel_info *ch = &info->channels[c];
        if (!mc_name_is_valid(ch->name))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': channel %u name '%s' is not "
                               "a valid name",
                               info->name, (unsigned)c, str_or_empty(ch->name));
        if (strlen(str_or_empty(ch->unit)) > MC_NAME_MAX)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': unit of channel '%s' is too "
                               "long",
                               info->name, ch->name);
        if (!isfinite(ch->scale_gain) || !isfinite(ch->scale_offset))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': channel '%s' has a "
                               "non-finite scale",
                               info->name, ch->name);
        for (uint32_t k = 0; k < c; k++)
            if (strcmp(info->channels[k].name, ch->name) == 0)
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "stream '%s': channel name '%s' is "
                                   "used twice",
                                   info->name, ch->name);
    }
    if (info->n_attrs > 0 && !info->attrs)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': attributes missing", info->name);
    for (size_t a = 0; a < info->n_attrs; a++) {
        if (!key_is_valid(info->attrs[a].key))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': attribute key '%s': expected "
                               "1-%d characters of a-z 0-9 _",
                               info->name, str_or_empty(info->attrs[a].key), MC_NAME_MAX);
        if (!value_fits(info->attrs[a].value))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream '%s': attribute '%s' is longer than "
                               "%d bytes",
                               info->name, info->attrs[a].key, MC_VALUE_MAX);
        for (size_t k = 0; k < a; k++)
            if (strcmp(info->attrs[k].key, info->attrs[a].key) == 0)
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "stream '%s': attribute '%s' is given "
                                   "twice",
                                   info->name, info->attrs[a].key);
    }
    return MC_OK;
}

/* A copy is one allocation: the struct, the channel array, the attribute array, then the strings.
 * `put` appends a string to the tail and returns its address inside the allocation. */
typedef struct arena {
    char *next;
} arena;

static const char *put(arena *a, const char *s)
{
    size_t n = strlen(str_or_empty(s)) + 1;
    char *dst = a->next;
    memcpy(dst, str_or_empty(s), n);
    a->next += n;
    return dst;
}

static size_t len1(const char *s)
{
    return strlen(str_or_empty(s)) + 1;
}

mc_status mc_stream_info_copy(const mc_stream_info *info, mc_stream_info **out)
{
    *out = NULL;
    if (mc_stream_info_check(info, NULL) != MC_OK)
        return MC_EINVAL;
    /* Sizes are bounded by the check (65535 channels, names <= 63 bytes), so no overflow. */
    size_t strings = len1(info->name) + len1(info->device_model) + len1(info->device_serial) +
                     len1(info->driver) + len1(info->driver_version) + len1(info->site);
    for (uint32_t c = 0; c < info->n_channels; c++)
        strings += len1(info->channels[c].name) + len1(info->channels[c].unit);
    for (size_t a = 0; a < info->n_attrs; a++)
        strings += len1(info->attrs[a].key) + len1(info->attrs[a].value);
    size_t head = sizeof(mc_stream_info) + info->n_channels * sizeof(mc_channel_info) +
                  info->n_attrs * sizeof(mc_kv);
    char *mem = calloc(1, head + strings);
    if (!mem)
        return MC_ENOMEM;
    mc_stream_info *copy = (mc_stream_info *)(void *)mem;
    mc_channel_info *channels = (mc_channel_info *)(void *)(mem + sizeof(mc_stream_info));
    mc_kv *attrs = (mc_kv *)(void *)(channels + info->n_channels);
    arena a = {mem + head};
    *copy = *info;
    copy->name = put(&a, info->name);
    copy->device_model = put(&a, info->device_model);
    copy->device_serial = put(&a, info->device_serial);
    copy->driver = put(&a, info->driver);
    copy->driver_version = put(&a, info->driver_version);
    copy->site = put(&a, info->site);
    for (uint32_t c = 0; c < info->n_channels; c++) {
        channels[c] = info->channels[c];
        channels[c].name = put(&a, info->channels[c].name);
        channels[c].unit = put(&a, info->channels[c].unit);
        if (channels[c].scale_gain == 0)
            channels[c].scale_gain = 1;
    }
    for (size_t k = 0; k < info->n_attrs; k++) {
        attrs[k].key = put(&a, info->attrs[k].key);
        attrs[k].value = put(&a, info->attrs[k].value);
    }
    copy->channels = channels;
    copy->attrs = info->n_attrs ? attrs : NULL;
    *out = copy;
    return MC_OK;
}

void mc_stream_info_destroy(mc_stream_info *copy)
{
    free(copy);
}

const char *mc_stream_info_get_attr(const mc_stream_info *info, const char *key)
{
    for (size_t a = 0; a < info->n_attrs; a++)
        if (strcmp(info->attrs[a].key, key) == 0)
            return info->attrs[a].value;
    return NULL;
}
