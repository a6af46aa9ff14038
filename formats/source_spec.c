/* SPDX-License-Identifier: MIT */
/* formats/source_spec.c: the NAME=DRIVER:ADDRESS[,k=v...] parser. It works on a copy of the text
 * in which separators are replaced by NULs, so every string of the result points into it. */
#include "formats/source_spec.h"

#include <string.h>

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_driver_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int is_printable(char c)
{
    return (unsigned char)c >= 0x21 && (unsigned char)c < 0x7f;
}

mc_status mc_source_spec_parse(const char *text, int with_driver, mc_source_spec *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    const char *form =
        with_driver ? "NAME=DRIVER:ADDRESS[,key=value...]" : "NAME=MODEL[,key=value...]";
    size_t len = text ? strnlen(text, MC_SPEC_MAX_LEN + 1) : 0;
    if (len == 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "empty spec: expected %s", form);
    if (len > MC_SPEC_MAX_LEN)
        return mc_diag_set(d, MC_EFORMAT, MC_SPEC_MAX_LEN, -1, "spec longer than %d bytes",
                           MC_SPEC_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (!is_printable(text[i]))
            return mc_diag_set(d, MC_EFORMAT, (int64_t)i, -1,
                               "'%s': byte %zu: expected a "
                               "printable character without spaces",
                               text, i);
    char *t = out->text;
    memcpy(t, text, len + 1);

    char *eq = strchr(t, '=');
    if (!eq)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)len, -1, "'%s': expected %s (no '=')", text,
                           form);
    *eq = '\0';
    if (!mc_name_is_valid(t))
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "'%s': stream name '%s': expected 1-%d "
                           "characters of A-Z a-z 0-9 _ - .",
                           text, t, MC_NAME_MAX);
    out->name = t;
    char *body = eq + 1;
    char *comma = strchr(body, ',');
    if (comma)
        *comma = '\0';
    if (with_driver) {
        char *colon = strchr(body, ':');
        if (!colon)
            return mc_diag_set(d, MC_EFORMAT, body - t, -1,
                               "'%s': expected DRIVER:ADDRESS "
                               "after '=' (e.g. sim:ppg)",
                               text);
        *colon = '\0';
        out->address = colon + 1;
        out->driver = body;
    } else {
        out->driver = "sim";
        out->address = body;
    }
    if (!out->driver[0])
        return mc_diag_set(d, MC_EFORMAT, body - t, -1, "'%s': empty driver", text);
    for (const char *p = out->driver; *p; p++)
        if (!is_driver_char(*p))
            return mc_diag_set(d, MC_EFORMAT, p - t, -1,
                               "'%s': driver name: expected a-z 0-9 _ "
                               "-",
                               text);
    if (!out->address[0])
        return mc_diag_set(d, MC_EFORMAT, out->address - t, -1, "'%s': expected %s after '%s'",
                           text, with_driver ? "an address" : "a model", with_driver ? ":" : "=");

    char *p = comma ? comma + 1 : NULL;
    while (p) {
        char *next = strchr(p, ',');
        if (next)
            *next = '\0';
        char *kv_eq = strchr(p, '=');
        if (!kv_eq || kv_eq == p)
            return mc_diag_set(d, MC_EFORMAT, p - t, -1, "'%s': byte %td: expected key=value", text,
                               p - t);
        *kv_eq = '\0';
        for (const char *k = p; *k; k++)
            if (!is_key_char(*k))
                return mc_diag_set(d, MC_EFORMAT, k - t, -1,
                                   "'%s': parameter name '%s': "
                                   "expected a-z 0-9 _",
                                   text, p);
        if (strlen(p) > MC_NAME_MAX)
            return mc_diag_set(d, MC_EFORMAT, p - t, -1, "'%s': parameter name too long", text);
        if (!kv_eq[1])
            return mc_diag_set(d, MC_EFORMAT, kv_eq + 1 - t, -1,
                               "'%s': parameter '%s' has no "
                               "value",
                               text, p);
        if (mc_source_spec_get(out, p))
            return mc_diag_set(d, MC_EFORMAT, p - t, -1, "'%s': parameter '%s' is given twice",
                               text, p);
        if (out->n_params == MC_SPEC_MAX_PARAMS)
            return mc_diag_set(d, MC_EFORMAT, p - t, -1, "'%s': more than %d parameters", text,
                               MC_SPEC_MAX_PARAMS);
        out->params[out->n_params++] = (mc_kv){p, kv_eq + 1};
        p = next ? next + 1 : NULL;
    }
    return MC_OK;
}

const char *mc_source_spec_get(const mc_source_spec *s, const char *key)
{
    for (size_t i = 0; i < s->n_params; i++)
        if (strcmp(s->params[i].key, key) == 0)
            return s->params[i].value;
    return NULL;
}
