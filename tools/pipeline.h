/* SPDX-License-Identifier: MIT */
/* tools/pipeline.h: the live recorder: one thread per source reading into an SPSC ring per stream
 * (and an event queue per source), one writer thread that drains the rings into the session file
 * and flushes it at least once a second. The control thread starts and stops it, and posts the
 * events typed at the bedside. Acquisition never waits for the disk: a stalled writer costs
 * counted drops in a ring, recorded as gaps, never a blocked source.
 *
 * Live analysis (cfg.analysis): the writer hands each block it stored, placed at its stored index,
 * to a second SPSC ring per stream; one analysis thread feeds them to the streams' analysers
 * (tools/live.h, the objects `analyze` uses), hands each row back to the writer through a bounded
 * queue for /features, and to the OSC output (tools/osc_out.h: one sending thread and one
 * drop-oldest queue per destination). Each stage only ever drops at its own bounded queue, and
 * counts it: a slow analyser or receiver never costs a sample of the recording.
 *
 *   source ─► ring ─► writer ─► session file (/streams, /events, /features)
 *                        │  ▲
 *                        ▼  │ rows
 *               analysis ring ─► analysis ─► osc_out ─► UDP / TCP */
#ifndef MC_TOOLS_PIPELINE_H
#define MC_TOOLS_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "acquisition/osc_in.h"
#include "acquisition/source.h"
#include "dsp/status.h"
#include "formats/h5_writer.h"
#include "tools/analysis.h"
#include "tools/live.h"
#include "tools/osc_out.h"
#include "tools/recording.h"

typedef struct mc_pipeline mc_pipeline;

typedef struct mc_pipeline_config {
    mc_source **sources; /* [n_sources]; owned by the caller, must outlive the pipeline */
    size_t n_sources;
    mc_h5_writer_config writer; /* path, session, compression...; streams are filled in from the
                                   sources (their n_streams/streams fields are ignored) */
    double ring_s;              /* seconds of data each ring holds (default 5) */
    double flush_s;             /* flush interval, s (default 1) */
    int64_t mono0_ns;           /* session start on CLOCK_MONOTONIC */
    mc_osc_in *osc_in;          /* NULL, or an OSC event receiver: the pipeline runs its reading
                                   thread and writes its events (and answers its schema
                                   requests); owned by the caller, must outlive the pipeline */
    const mc_analysis_config *analysis; /* NULL: record only; else analyse every stream live */
    int osc;                            /* 1: send features, waves, status and events over OSC
                                           (needs analysis) */
    const char *const *osc_urls;        /* [n_osc_urls] destinations; none: MC_OSC_DEFAULT_URL */
    size_t n_osc_urls;
    const mc_osc_out_config *osc_config; /* NULL: defaults */
    int64_t unix0_ns;                    /* wall clock at mono0_ns: the OSC timetags */
    double analysis_s;                   /* seconds of data queued for analysis per stream (10) */
    double time_scale;                   /* session time of events stamped now (typed, OSC in) is
                                            (t - mono0) * time_scale: sources simulated faster than real time (1) */
} mc_pipeline_config;

/** Defaults for the numeric fields. */
mc_pipeline_config mc_pipeline_config_default(void);

/** Per-stream live counters (any thread, approximate). */
typedef struct mc_pipeline_stream_stats {
    const char *name;          /* borrowed */
    int64_t frames;            /* rows in the file */
    int64_t missing;           /* rows recorded as missing */
    uint64_t ring_dropped;     /* frames the ring dropped (included in missing once written) */
    double rate_hz;            /* fitted rate */
    uint64_t analysis_dropped; /* frames the analysis ring dropped plus rows the feature queue
                                  dropped: a slow analysis, never a loss in the recording */
    int64_t rows;              /* analyser rows computed */
} mc_pipeline_stream_stats;

/** Create the session file and the rings. Control thread. @return as mc_h5_writer_create */
MC_NODISCARD mc_status mc_pipeline_create(const mc_pipeline_config *cfg, mc_diag *d,
                                          mc_pipeline **out);

/** Start the source threads and the writer thread. Control thread.
 *  @return MC_OK, MC_EIO (a thread could not be started; everything is stopped again) */
MC_NODISCARD mc_status mc_pipeline_start(mc_pipeline *p);

/** Post an event stamped with CLOCK_MONOTONIC ns. Control thread only (single producer).
 *  @return MC_OK, MC_EOVERRUN (queue full, event dropped) */
MC_NODISCARD mc_status mc_pipeline_push_event(mc_pipeline *p, const mc_event *ev);

/** 1 while sources still deliver, 0 when every source has ended (duration reached, stopped or
 *  failed) or the writer failed. Any thread. */
int mc_pipeline_is_running(const mc_pipeline *p);

/** Ask every source to stop. Any thread. */
void mc_pipeline_stop(mc_pipeline *p);

/** Stop, join the threads, drain the rings, store the last anchors and close the file.
 *  Control thread. @return MC_OK, or the first failure (a source error, a write error) with the
 *  diagnostic naming it */
MC_NODISCARD mc_status mc_pipeline_finish(mc_pipeline *p, mc_diag *d);

/** MC_OK, or MC_EIO once the OSC input socket has failed (OSC input then stopped; the recording
 *  went on). Any thread. */
mc_status mc_pipeline_get_osc_in_status(const mc_pipeline *p);

size_t mc_pipeline_get_n_streams(const mc_pipeline *p);
mc_pipeline_stream_stats mc_pipeline_get_stream_stats(const mc_pipeline *p, size_t stream);

/** The live analysis (feature names, schema), or NULL without. Borrowed. */
const mc_live *mc_pipeline_get_live(const mc_pipeline *p);

/** The OSC output (mc_osc_out_get_stats), or NULL without. Borrowed. */
mc_osc_out *mc_pipeline_get_osc(const mc_pipeline *p);

/** The last row of a stream's features: copies up to `cap` values and statuses and its end time
 *  (session ns, MC_NO_TIME before the first row). Any thread. @return the stream's feature count */
size_t mc_pipeline_get_last_row(mc_pipeline *p, size_t stream, float *value, uint8_t *status,
                                size_t cap, int64_t *t_end_ns);

void mc_pipeline_destroy(mc_pipeline *p); /* NULL is a no-op; stops and joins if needed */

#endif
