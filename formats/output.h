/* SPDX-License-Identifier: MIT */
/* formats/output.h: an output file that appears under its name only when complete and never
 * replaces an existing file. It is written under a hidden temporary name beside the target
 * (".<name>.creating-<pid>", created with O_EXCL) and published with link(), which fails where
 * rename() would overwrite; the folder is synced so that the name survives a power cut. Every
 * exporter writes through one, with stdio, libsndfile or HDF5 on the temporary path. */
#ifndef MC_FORMATS_OUTPUT_H
#define MC_FORMATS_OUTPUT_H

#include "dsp/status.h"

/** An output being written. */
typedef struct mc_output {
    char path[4096]; /* the final name */
    char tmp[4096];  /* where the bytes go until mc_output_publish */
    int open;        /* the temporary file exists */
} mc_output;

/** Create the (empty) temporary file for `path`. Thread: any. Does I/O.
 *  @return MC_OK; MC_EEXIST (`path` exists: nothing is created); MC_EINVAL (path too long);
 *          MC_EIO (cannot create: the diagnostic gives the system's reason) */
MC_NODISCARD mc_status mc_output_begin(mc_output *o, const char *path, mc_diag *d);

/** Give the finished temporary file its name (the writer has closed it). Thread: any.
 *  @return MC_OK; MC_EEXIST (the name was taken meanwhile: the temporary file is removed);
 *          MC_EIO */
MC_NODISCARD mc_status mc_output_publish(mc_output *o, mc_diag *d);

/** Remove the temporary file of an output that will not be published. Safe to call after a
 *  publish or twice. Thread: any. */
void mc_output_abandon(mc_output *o);

#endif
