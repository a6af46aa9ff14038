/* SPDX-License-Identifier: MIT */
/* dsp/config_key.c: numeric configuration fields set by name (dsp/internal.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/internal.h"

int mc__parse_decimal(const char *text, double *out)
{
    if (!text)
        return 0;
    /* Blanks around the number are allowed; inside it only the characters of a decimal. */
    text += strspn(text, " \t");
    size_t len = strspn(text, "+-.0123456789eE");
    if (len == 0 || text[len + strspn(text + len, " \t")] != '\0')
        return 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end != text + len || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

const mc__key *mc__key_find(const mc__key *keys, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

int mc__key_accepts(const mc__key *k, double v)
{
    if (!isfinite(v) || v < k->lo || v > k->hi || ((k->flags & MC__KEY_OPEN_LO) && v == k->lo))
        return 0;
    return !(k->flags & (MC__KEY_WHOLE | MC__KEY_INT_FIELD)) || v == floor(v);
}

mc_status mc__key_refuse(const mc__key *k, const char *module, const char *text, mc_diag *d)
{
    return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: %s='%s' is not %s in %s%g, %g]%s%s", module,
                       k->name, text ? text : "",
                       k->flags & (MC__KEY_WHOLE | MC__KEY_INT_FIELD) ? "a whole number"
                                                                      : "a number",
                       k->flags & MC__KEY_OPEN_LO ? "(" : "[", k->lo, k->hi,
                       k->unit && k->unit[0] ? " " : "", k->unit ? k->unit : "");
}

mc_status mc__key_set(void *cfg, const mc__key *k, const char *module, const char *value,
                      mc_diag *d)
{
    double v = 0;
    if (!mc__parse_decimal(value, &v) || !mc__key_accepts(k, v))
        return mc__key_refuse(k, module, value, d);
    char *field = (char *)cfg + k->offset;
    if (k->flags & MC__KEY_INT_FIELD) {
        int i = (int)v;
        memcpy(field, &i, sizeof i);
    } else {
        memcpy(field, &v, sizeof v);
    }
    return MC_OK;
}

double mc__key_get(const void *cfg, const mc__key *k)
{
    const char *field = (const char *)cfg + k->offset;
    if (k->flags & MC__KEY_INT_FIELD) {
        int i;
        memcpy(&i, field, sizeof i);
        return i;
    }
    double v;
    memcpy(&v, field, sizeof v);
    return v;
}

mc_status mc__key_unknown(const mc__key *keys, size_t n, const char *module, const char *key,
                          const char *extra, mc_diag *d)
{
    char names[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 keys[i].name);
    if (extra && used < sizeof names)
        snprintf(names + used, sizeof names - used, ", %s", extra);
    return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: unknown setting '%s' (expected %s)", module,
                       key ? key : "", names);
}
