/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_source_spec.c: fuzz target of mc_source_spec_parse (formats/source_spec.h).
 * Input: byte 0 chooses the form (bit 0 set: NAME=DRIVER:ADDRESS, clear: NAME=MODEL); the rest
 * is the spec, copied into a buffer of exactly its length plus the NUL the API requires.
 * Invariants (abort when broken): on MC_OK the name is valid, the driver and address are
 * non-empty, every pointer lies inside out->text, parameters are unique [a-z0-9_] keys with
 * non-empty values that mc_source_spec_get finds, and the parts rebuild the input exactly; on an
 * error the diagnostic's offset lies within [0, strlen(input)]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/source_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *input)
{
    fprintf(stderr, "fuzz_source_spec: invariant broken: %s (input '%s')\n", what, input);
    abort();
}

/* A string lies inside the spec's storage and is terminated there. */
static int inside(const mc_source_spec *s, const char *p)
{
    const char *lo = s->text, *hi = s->text + sizeof s->text;
    return p && p >= lo && p < hi && memchr(p, '\0', (size_t)(hi - p)) != NULL;
}

static int is_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > MC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

static void check_ok(const mc_source_spec *s, int with_driver, const char *input)
{
    if (!inside(s, s->name) || !mc_name_is_valid(s->name))
        fail("name invalid or outside text", input);
    if (with_driver) {
        if (!inside(s, s->driver))
            fail("driver outside text", input);
    } else if (!s->driver || strcmp(s->driver, "sim") != 0) {
        fail("MODEL form: driver is not \"sim\"", input);
    }
    if (!s->driver[0])
        fail("empty driver", input);
    for (const char *p = s->driver; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            fail("driver character", input);
    if (!inside(s, s->address) || !s->address[0])
        fail("address empty or outside text", input);
    if (s->n_params > MC_SPEC_MAX_PARAMS)
        fail("n_params > MC_SPEC_MAX_PARAMS", input);

    /* Rebuild the spec from its parts: the separators are the only bytes the parser removed. */
    char rebuilt[2 * (MC_SPEC_MAX_LEN + 1)];
    size_t n = (size_t)snprintf(rebuilt, sizeof rebuilt, "%s=", s->name);
    if (with_driver)
        n += (size_t)snprintf(rebuilt + n, sizeof rebuilt - n, "%s:", s->driver);
    n += (size_t)snprintf(rebuilt + n, sizeof rebuilt - n, "%s", s->address);
    for (size_t i = 0; i < s->n_params; i++) {
        const mc_kv *kv = &s->params[i];
        if (!inside(s, kv->key) || !inside(s, kv->value))
            fail("parameter outside text", input);
        if (!is_key(kv->key))
            fail("parameter key syntax", input);
        if (!kv->value[0])
            fail("empty parameter value", input);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->params[k].key, kv->key) == 0)
                fail("duplicate parameter key", input);
        if (mc_source_spec_get(s, kv->key) != kv->value)
            fail("mc_source_spec_get does not find a parsed key", input);
        if (n < sizeof rebuilt)
            n += (size_t)snprintf(rebuilt + n, sizeof rebuilt - n, ",%s=%s", kv->key, kv->value);
    }
    if (n >= sizeof rebuilt || strcmp(rebuilt, input) != 0)
        fail("the parts do not rebuild the input", input);
    /* Keys that cannot have been parsed. */
    if (mc_source_spec_get(s, "") || mc_source_spec_get(s, "=") || mc_source_spec_get(s, ","))
        fail("mc_source_spec_get finds an impossible key", input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int with_driver = data[0] & 1;
    size_t len = size - 1;
    char *text = malloc(len + 1);
    mc_source_spec *spec = malloc(sizeof *spec);
    if (!text || !spec) {
        free(text);
        free(spec);
        return 0;
    }
    memcpy(text, data + 1, len);
    text[len] = '\0';
    size_t slen = strlen(text); /* the API stops at the first NUL */

    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_source_spec_parse(text, with_driver, spec, &d);
    if (st == MC_OK) {
        check_ok(spec, with_driver, text);
    } else {
        if (st != MC_EFORMAT)
            fail("status other than MC_OK or MC_EFORMAT", text);
        if (d.offset < 0 || (uint64_t)d.offset > slen)
            fail("diagnostic offset outside [0, len]", text);
        if (!memchr(d.message, '\0', sizeof d.message) || !d.message[0])
            fail("diagnostic message empty or unterminated", text);
    }
    /* Without a diagnostic the status is the same. */
    mc_source_spec *again = malloc(sizeof *again);
    if (again) {
        if (mc_source_spec_parse(text, with_driver, again, NULL) != st)
            fail("status depends on the diagnostic", text);
        free(again);
    }
    free(spec);
    free(text);
    return 0;
}
