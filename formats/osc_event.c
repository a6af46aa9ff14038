/* SPDX-License-Identifier: MIT */
/* formats/osc_event.c: the `/mcirc/event ,ssf` decoder (OSC 1.0 specification, "OSC Packets" and
 * "OSC Messages"; written by hand rather than with lo_message_deserialise so that it is a pure
 * function of bytes with our diagnostics and no liblo in the receiving path). */
#include "formats/osc_event.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "formats/event_line.h"

/* An OSC string: NUL-terminated, padded with NULs to a multiple of 4 bytes. Returns the offset
 * after the padding, or 0 when the string is not terminated within the packet. */
static size_t osc_string(const unsigned char *p, size_t size, size_t at, size_t *len)
{
    const unsigned char *nul = at < size ? memchr(p + at, '\0', size - at) : NULL;
    if (!nul)
        return 0;
    *len = (size_t)(nul - (p + at));
    size_t next = at + ((*len + 4) & ~(size_t)3);
    return next <= size ? next : 0;
}

int mc_osc_is_schema_request(const void *packet, size_t size)
{
    const unsigned char *p = packet;
    size_t len, at = size % 4 == 0 && size >= 4 && p[0] == '/' ? osc_string(p, size, 0, &len) : 0;
    if (!at || len != strlen(MC_OSC_SCHEMA_REQUEST) || memcmp(p, MC_OSC_SCHEMA_REQUEST, len) != 0)
        return 0;
    if (at == size)
        return 1; /* OSC 1.0 allows a message without a type tag string */
    size_t types_at = at;
    at = osc_string(p, size, at, &len);
    return at == size && len == 1 && p[types_at] == ',';
}

mc_status mc_osc_event_decode(const void *packet, size_t size, mc_event *ev, mc_diag *d)
{
    const unsigned char *p = packet;
    memset(ev, 0, sizeof *ev);
    ev->value = (double)NAN;
    if (size % 4 != 0 || size < 4)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "%zu bytes: an OSC packet is a non-empty multiple of 4 bytes", size);
    if (p[0] != '/')
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           p[0] == '#' ? "an OSC bundle: send /mcirc/event as a plain message"
                                       : "not an OSC message (the address starts with '/')");
    size_t len, at = osc_string(p, size, 0, &len);
    if (!at)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "unterminated OSC address");
    if (len != strlen(MC_OSC_EVENT_ADDRESS) || memcmp(p, MC_OSC_EVENT_ADDRESS, len) != 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "address %.*s: only %s is accepted",
                           (int)(len < 64 ? len : 64), (const char *)p, MC_OSC_EVENT_ADDRESS);
    size_t types_at = at;
    at = osc_string(p, size, at, &len);
    if (!at || len != strlen(MC_OSC_EVENT_TYPES) ||
        memcmp(p + types_at, MC_OSC_EVENT_TYPES, len) != 0)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)types_at, -1,
                           "byte %zu: type tags: expected %s (kind, text, value)", types_at,
                           MC_OSC_EVENT_TYPES);

    size_t kind_at = at;
    at = osc_string(p, size, at, &len);
    if (!at)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)kind_at, -1, "byte %zu: unterminated kind",
                           kind_at);
    /* The kind alone, parsed as an event line, must give back exactly a kind: the same rules as
     * at the bedside, and nothing that the line syntax would read as a stream, value or text. */
    mc_event k;
    mc_diag kd;
    for (size_t i = 0; i < len; i++)
        if (p[kind_at + i] == ' ' || p[kind_at + i] == '\t')
            return mc_diag_set(d, MC_EFORMAT, (int64_t)(kind_at + i), -1,
                               "byte %zu: a space in the event kind", kind_at + i);
    if (len == 0 || mc_event_line_parse((const char *)p + kind_at, len, &k, &kd) != MC_OK ||
        k.stream[0] || k.text[0] || !isnan(k.value))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)kind_at, -1,
                           "byte %zu: event kind: expected letters, digits and _ starting with a "
                           "letter, up to %d bytes (e.g. occlusion_start)",
                           kind_at, MC_EVENT_KIND_LEN - 1);
    memcpy(ev->kind, k.kind, sizeof ev->kind);

    size_t text_at = at;
    at = osc_string(p, size, at, &len);
    if (!at)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)text_at, -1, "byte %zu: unterminated text",
                           text_at);
    if (len >= MC_EVENT_TEXT_LEN)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)text_at, -1, "event text longer than %d bytes",
                           MC_EVENT_TEXT_LEN - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[text_at + i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)(text_at + i), -1,
                               "byte %zu: control character 0x%02x in the event text", text_at + i,
                               c);
    }
    memcpy(ev->text, p + text_at, len);

    if (size - at != 4)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)at, -1,
                           "byte %zu: expected exactly one float (4 bytes) after the text, found "
                           "%zu bytes",
                           at, size - at);
    uint32_t bits = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 | (uint32_t)p[at + 2] << 8 |
                    (uint32_t)p[at + 3];
    float v;
    memcpy(&v, &bits, sizeof v);
    if (isinf(v))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)at, -1,
                           "byte %zu: infinite value (send NaN for no value)", at);
    ev->value = isnan(v) ? (double)NAN : (double)v;
    return MC_OK;
}
