/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_osc_event.c: fuzz target of mc_osc_event_decode and mc_osc_is_schema_request
 * (formats/osc_event.h). The input
 * is one UDP datagram, copied into a heap buffer of exactly `size` bytes so that AddressSanitizer
 * catches any read past it. Invariants (abort when broken): the status is MC_OK or MC_EFORMAT; on
 * MC_OK the kind is a non-empty lower-case word starting with a letter, kind, stream and text are
 * NUL-terminated within their arrays, the stream is empty, the text has no control character
 * but tab, t_ns is 0 and the value is NaN or finite; on MC_EFORMAT the diagnostic's offset lies
 * within [0, size]; a second decode without a diagnostic gives the same result; a schema request
 * is never also an event, and is exactly the 16 or 20 bytes of "/mcirc/schema" with or without
 * a "," type tag. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/osc_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_osc_event: invariant broken: %s\n", what);
    abort();
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_ok(const mc_event *ev)
{
    if (!terminated(ev->kind, sizeof ev->kind) || !terminated(ev->stream, sizeof ev->stream) ||
        !terminated(ev->text, sizeof ev->text))
        fail("a string is not NUL-terminated within its array");
    if (!(ev->kind[0] >= 'a' && ev->kind[0] <= 'z'))
        fail("kind empty or not starting with a letter");
    for (const char *p = ev->kind; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            fail("kind character");
    if (ev->stream[0])
        fail("stream not empty");
    for (const char *p = ev->text; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            fail("control character in text");
    if (!isnan(ev->value) && !isfinite(ev->value))
        fail("value neither NaN nor finite");
    if (ev->t_ns != 0)
        fail("t_ns not left 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    mc_event ev;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_osc_event_decode(buf, size, &ev, &d);
    if (st == MC_OK) {
        check_ok(&ev);
    } else if (st == MC_EFORMAT) {
        if (d.offset < 0 || (uint64_t)d.offset > size)
            fail("diagnostic offset outside [0, size]");
        if (!terminated(d.message, sizeof d.message) || !d.message[0])
            fail("diagnostic message empty or unterminated");
    } else {
        fail("status other than MC_OK or MC_EFORMAT");
    }
    if (mc_osc_is_schema_request(buf, size)) {
        if (st == MC_OK)
            fail("a schema request decoded as an event");
        if ((size != 16 && size != 20) || memcmp(buf, "/mcirc/schema", 14) != 0)
            fail("a schema request that is not /mcirc/schema");
    }
    mc_event again;
    if (mc_osc_event_decode(buf, size, &again, NULL) != st)
        fail("status depends on the diagnostic");
    if (st == MC_OK && (strcmp(again.kind, ev.kind) != 0 || strcmp(again.text, ev.text) != 0 ||
                        memcmp(&again.value, &ev.value, sizeof ev.value) != 0))
        fail("a second decode differs");
    free(buf);
    return 0;
}
