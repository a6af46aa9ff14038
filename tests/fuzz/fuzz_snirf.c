/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_snirf.c: fuzz target of the SNIRF reader on file images (formats/snirf.h,
 * mc_snirf_read). The input is the SNIRF file itself, in a heap buffer of exactly `size` bytes.
 * Mutations of the seed files (tiny valid SNIRF files written with h5py) reach both libhdf5's
 * decoder and our checks of every dataset.
 *
 * Invariants (abort when broken): the status is MC_OK, MC_EFORMAT or MC_ENOMEM; the diagnostic
 * is terminated and, on failure, not empty; every stream the reader accepted passes
 * mc_stream_info_check, has a finite non-negative rate, and an irregular stream has one time per
 * frame in non-decreasing order; event strings are terminated; no HDF5 identifier is left open.
 * An accepted recording of at most 4096 frames is also written back with mc_snirf_write (under
 * $TMPDIR) and, when the writer accepts it, read again: same stream and event counts. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/import.h"
#include "formats/snirf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ROUND_TRIP_FRAMES = 4096 };

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_snirf: invariant broken: %s\n", what);
    abort();
}

static int terminated(const char *p, size_t cap)
{
    return memchr(p, '\0', cap) != NULL;
}

static uint64_t check(const mc_import *imp)
{
    uint64_t frames = 0;
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *s = &imp->streams[i];
        if (mc_stream_info_check(s->info, NULL) != MC_OK)
            fail("an accepted stream fails mc_stream_info_check");
        if (!isfinite(s->info->rate_hz) || s->info->rate_hz < 0 || s->n_frames < 0)
            fail("rate or frame count");
        if (s->info->rate_hz == 0) {
            if (s->n_frames > 0 && !s->t_ns)
                fail("irregular stream without times");
            for (int64_t k = 1; k < s->n_frames; k++)
                if (s->t_ns[k] < s->t_ns[k - 1])
                    fail("times go backwards");
        }
        frames += (uint64_t)s->n_frames;
    }
    for (size_t e = 0; e < imp->n_events; e++)
        if (!terminated(imp->events[e].kind, sizeof imp->events[e].kind) ||
            !terminated(imp->events[e].text, sizeof imp->events[e].text))
            fail("event strings unterminated");
    return frames;
}

static void round_trip(const mc_import *imp)
{
    const char *t = getenv("TMPDIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/mcirc_fuzz_snirf_%ld.snirf", t && t[0] ? t : "/tmp",
             (long)getpid());
    unlink(path);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_write(imp, path, &d);
    if (st != MC_OK && st != MC_EINVAL)
        fail("the writer failed on an accepted recording");
    if (st == MC_OK) {
        mc_import back;
        mc_import_init(&back);
        st = mc_snirf_import(path, &back, &d);
        if (st != MC_OK) {
            fprintf(stderr, "fuzz_snirf: %s\n", d.message);
            fail("a written file does not read back");
        }
        if (back.n_events != imp->n_events)
            fail("events lost in a round trip");
        mc_import_free(&back);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *image = malloc(size ? size : 1);
    if (!image)
        return 0;
    if (size)
        memcpy(image, data, size);
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_snirf_read(image, size, "fuzz.snirf", &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM)
        fail("undocumented status");
    if (!terminated(d.message, sizeof d.message) || (st != MC_OK && !d.message[0]))
        fail("diagnostic");
    if (getenv("MCIRC_FUZZ_VERBOSE"))
        fprintf(stderr, "%s: %zu streams, %zu events%s%s\n", mc_strerror(st), imp.n_streams,
                imp.n_events, st == MC_OK ? "" : ": ", st == MC_OK ? "" : d.message);
    if (st == MC_OK && check(&imp) <= ROUND_TRIP_FRAMES)
        round_trip(&imp);
    mc_import_free(&imp);
    free(image);
    if (H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) != 0)
        fail("HDF5 objects left open");
    return 0;
}
