/* SPDX-License-Identifier: MIT */
/* acquisition/drivers.c: the table of built-in drivers, and the key check they share. */
#include "acquisition/drivers.h"

#include <stdlib.h>
#include <string.h>

static const mc_driver *const drivers[] = {
    &mc_driver_masimo,     &mc_driver_nonin,    &mc_driver_contec, &mc_driver_ge_s5,
    &mc_driver_intellivue, &mc_driver_sensmart, &mc_driver_invos,  &mc_driver_tosca,
    &mc_driver_text,       &mc_driver_pcm,
};

const mc_driver *const *mc_drivers(size_t *n)
{
    *n = sizeof drivers / sizeof drivers[0];
    return drivers;
}

const mc_driver *mc_driver_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof drivers / sizeof drivers[0]; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

/* Keys read by the transport (acquisition/transport.h) and the device source (device.h). */
static const char *const common_keys[] = {"baud",    "bits",          "parity", "stop", "rtscts",
                                          "framing", "identity_wait", "site",   "peer", NULL};

static int listed(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

mc_status mc_driver_check_keys(const mc_source_spec *spec, const char *driver,
                               const char *const *keys, mc_diag *d)
{
    for (size_t i = 0; i < spec->n_params; i++) {
        const char *k = spec->params[i].key;
        if (!listed(k, common_keys) && !listed(k, keys))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "--source %s: unknown key '%s' for driver %s (mcirc devices %s "
                               "lists its keys)",
                               spec->name, k, driver, driver);
    }
    return MC_OK;
}

mc_status mc_driver_key_double(const mc_source_spec *spec, const char *key, double lo, double hi,
                               double *out, mc_diag *d)
{
    const char *v = mc_source_spec_get(spec, key);
    if (!v)
        return MC_OK;
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: %s=%s: expected a number in %g..%g",
                           spec->name, key, v, lo, hi);
    *out = x;
    return MC_OK;
}
