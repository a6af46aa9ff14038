/* SPDX-License-Identifier: MIT */
/* formats/device_file_internal.h: the layout of a parsed device file, shared by its parser
 * (device_file.c) and its line decoder (device_line.c). Never included from outside formats/. */
#ifndef MC_FORMATS_DEVICE_FILE_INTERNAL_H
#define MC_FORMATS_DEVICE_FILE_INTERNAL_H

#include "formats/device_file.h"

enum {
    MC__DEV_TEXT_MAX = 64, /* a marker, prefix or separator, bytes */
    MC__DEV_LIST_MAX = 8,  /* entries of a list key (missing, require_prefix...) */
};

/* A short byte string (may hold any byte, not NUL-terminated in use; terminated for printing). */
typedef struct mc__dev_text {
    char s[MC__DEV_TEXT_MAX + 1];
    size_t n;
} mc__dev_text;

typedef struct mc__dev_list {
    mc__dev_text item[MC__DEV_LIST_MAX];
    size_t n;
} mc__dev_list;

typedef struct mc__dev_field {
    char name[MC_NAME_MAX + 1];    /* section suffix */
    char channel[MC_NAME_MAX + 1]; /* channel name */
    char unit[MC_NAME_MAX + 1];
    char stream[MC_NAME_MAX + 1]; /* stream suffix, "" = the [stream] section */
    char key[MC__DEV_TEXT_MAX + 1];
    size_t key_n;
    uint32_t column; /* 1-based, 0 = none */
    uint32_t index;  /* 1-based, 0 = none */
    double scale, offset;
    int has_missing;
    mc__dev_list missing;
    int64_t line;      /* where the section starts (first key), for messages */
    unsigned seen;     /* keys given, one bit each (duplicates are errors) */
    uint32_t stream_i; /* resolved at the end of parsing */
    uint32_t channel_i;
} mc__dev_field;

typedef struct mc__dev_stream {
    char suffix[MC_NAME_MAX + 1];
    mc_modality modality;
    double rate_hz;
    int64_t line;
    unsigned seen;
    uint32_t n_channels;
    mc_channel_info channels[MC_DEVICE_FILE_CHANNELS_MAX];
} mc__dev_stream;

enum { MC__DEV_SEP_WHITESPACE = 0, MC__DEV_SEP_LITERAL = 1 };

struct mc_device_file {
    char name[MC_NAME_MAX + 1];
    char model[MC_VALUE_MAX + 1];
    char description[MC_VALUE_MAX + 1];
    char baud[16], framing[8], rtscts[2], line_end[8];
    mc_kv transport[4];
    size_t n_transport;
    uint8_t request[MC_VALUE_MAX + 1];
    size_t request_n;
    double request_interval_s;
    int sep_kind;
    mc__dev_text sep;
    mc__dev_list missing, require_prefix, skip_prefix, skip_contains;
    unsigned device_seen;
    int64_t device_line; /* first key of [device], 0 before it */
    mc__dev_stream streams[MC_DEVICE_FILE_STREAMS_MAX];
    size_t n_streams;
    mc__dev_field fields[MC_DEVICE_FILE_FIELDS_MAX];
    size_t n_fields;
};

#endif
