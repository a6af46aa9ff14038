/* SPDX-License-Identifier: MIT */
/* formats/ini.c: the line parser of formats/ini.h. Each line is copied into a bounded buffer, so
 * the strings given to the callback are terminated without touching the input. */
#include "formats/ini.h"

#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Trims spaces on both sides of [*b, *e). */
static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

mc_status mc_ini_parse(const char *text, size_t len, mc_ini_fn fn, void *ctx, mc_diag *d)
{
    char section[64] = "";
    char key[64], value[MC_INI_LINE_MAX + 1];
    int64_t line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        const char *end = nl ? nl : text + len;
        size_t line_len = (size_t)(end - start);
        int64_t offset = (int64_t)pos;
        pos += line_len + (nl ? 1 : 0);
        if (line_len > MC_INI_LINE_MAX)
            return mc_diag_set(d, MC_EFORMAT, offset, line, "line %lld: longer than %d bytes",
                               (long long)line, MC_INI_LINE_MAX);
        /* A CR belongs to a CRLF line end only; anywhere else it is a control character. */
        if (line_len > 0 && start[line_len - 1] == '\r')
            line_len--;
        for (size_t i = 0; i < line_len; i++) {
            unsigned char c = (unsigned char)start[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return mc_diag_set(d, MC_EFORMAT, offset + (int64_t)i, line,
                                   "line %lld: control character 0x%02x", (long long)line, c);
        }
        const char *b = start, *e = start + line_len;
        trim(&b, &e);
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (*b == '[') {
            if (e[-1] != ']' || e - b < 3)
                return mc_diag_set(d, MC_EFORMAT, offset + (b - start), line,
                                   "line %lld: expected [section]", (long long)line);
            const char *sb = b + 1, *se = e - 1;
            trim(&sb, &se);
            if (se == sb || se - sb >= (long)sizeof section)
                return mc_diag_set(d, MC_EFORMAT, offset + (b - start), line,
                                   "line %lld: expected a section name of 1-63 characters",
                                   (long long)line);
            for (const char *p = sb; p < se; p++)
                if (!is_key_char(*p))
                    return mc_diag_set(d, MC_EFORMAT, offset + (p - start), line,
                                       "line %lld: section name: expected a-z 0-9 _ . -",
                                       (long long)line);
            memcpy(section, sb, (size_t)(se - sb));
            section[se - sb] = '\0';
            continue;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!eq)
            return mc_diag_set(d, MC_EFORMAT, offset + (b - start), line,
                               "line %lld: expected key = value or [section]", (long long)line);
        const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
        /* A '#' or ';' after a space or tab starts a comment at the end of a value. */
        for (const char *p = vb; p < ve; p++)
            if ((*p == '#' || *p == ';') && p > vb && (p[-1] == ' ' || p[-1] == '\t')) {
                ve = p;
                break;
            }
        trim(&kb, &ke);
        trim(&vb, &ve);
        if (ke == kb || ke - kb >= (long)sizeof key)
            return mc_diag_set(d, MC_EFORMAT, offset + (b - start), line,
                               "line %lld: expected a key of 1-63 characters before '='",
                               (long long)line);
        for (const char *p = kb; p < ke; p++)
            if (!is_key_char(*p))
                return mc_diag_set(d, MC_EFORMAT, offset + (p - start), line,
                                   "line %lld: key: expected a-z 0-9 _ . - (lower case)",
                                   (long long)line);
        memcpy(key, kb, (size_t)(ke - kb));
        key[ke - kb] = '\0';
        memcpy(value, vb, (size_t)(ve - vb));
        value[ve - vb] = '\0';
        mc_ini_entry entry = {section, key, value, line};
        mc_status st = fn(ctx, &entry, d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}
