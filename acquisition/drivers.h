/* SPDX-License-Identifier: MIT */
/* acquisition/drivers.h: the built-in drivers (one file each, acquisition/driver_<name>.c) and the
 * helpers they share to read their keys. Internal to acquisition/: the rest of the program goes
 * through mc_drivers / mc_driver_find (driver.h) and the device source (device.h). */
#ifndef MC_ACQUISITION_DRIVERS_H
#define MC_ACQUISITION_DRIVERS_H

#include "acquisition/driver.h"

extern const mc_driver mc_driver_masimo;
extern const mc_driver mc_driver_pcm;
extern const mc_driver mc_driver_nonin;
extern const mc_driver mc_driver_contec;
extern const mc_driver mc_driver_ge_s5;
extern const mc_driver mc_driver_intellivue;
extern const mc_driver mc_driver_text;
extern const mc_driver mc_driver_sensmart;
extern const mc_driver mc_driver_invos;
extern const mc_driver mc_driver_tosca;

/** Refuse a key of the spec that neither the transport, the device source nor the driver reads
 *  (`keys`: NULL-terminated), so that a typo does not pass silently. Thread: any.
 *  @return MC_OK or MC_EINVAL naming the key */
MC_NODISCARD mc_status mc_driver_check_keys(const mc_source_spec *spec, const char *driver,
                                            const char *const *keys, mc_diag *d);

/** Read key `key` as a number in [lo, hi] into *out (untouched when the key is absent).
 *  Thread: any. @return MC_OK or MC_EINVAL naming the key and the range */
MC_NODISCARD mc_status mc_driver_key_double(const mc_source_spec *spec, const char *key, double lo,
                                            double hi, double *out, mc_diag *d);

#endif
