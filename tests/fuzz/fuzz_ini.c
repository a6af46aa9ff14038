/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_ini.c: fuzz target of mc_ini_parse (formats/ini.h), the configuration parser.
 * The input is the file itself, in a heap buffer of exactly `size` bytes (not NUL-terminated) so
 * that AddressSanitizer catches a read past it. Invariants (abort when broken): the status is
 * MC_OK or MC_EFORMAT; every entry has a key of 1..63 key characters, NUL-terminated strings
 * without control characters, and increasing line numbers within [1, lines in the input]; on
 * MC_EFORMAT the diagnostic's offset lies within [0, size] and its line is >= 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_ini: invariant broken: %s\n", what);
    abort();
}

typedef struct state {
    int64_t last_line;
    int64_t max_line;
    size_t entries;
} state;

static mc_status check_entry(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    (void)d;
    state *s = ctx;
    size_t klen = strlen(e->key);
    if (klen == 0 || klen > 63)
        fail("key length");
    for (const char *p = e->key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
              *p == '-'))
            fail("key character");
    for (const char *p = e->value; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            fail("control character in a value");
    if (strlen(e->section) > 63)
        fail("section length");
    if (e->line <= s->last_line || e->line < 1 || e->line > s->max_line)
        fail("line numbers");
    s->last_line = e->line;
    s->entries++;
    return MC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    state s = {0, 1, 0};
    for (size_t i = 0; i < size; i++)
        if (text[i] == '\n')
            s.max_line++;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_ini_parse(text, size, check_entry, &s, &d);
    if (st != MC_OK && st != MC_EFORMAT)
        fail("status");
    if (st == MC_EFORMAT && (d.offset < 0 || d.offset > (int64_t)size || d.line < 1))
        fail("diagnostic position");
    free(text);
    return 0;
}
