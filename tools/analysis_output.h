/* SPDX-License-Identifier: MIT */
/* tools/analysis_output.h: what `mcirc analyze` collects (feature series, protocol runs) and
 * writes (the /features layout in <stem>.features.h5, the tidy and per-run CSV files). */
#ifndef MC_TOOLS_ANALYSIS_OUTPUT_H
#define MC_TOOLS_ANALYSIS_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/features.h"
#include "dsp/protocol.h"
#include "dsp/status.h"
#include "formats/session.h"

/** One feature series of one stream: (t_ns, value, status) rows, growing. Strings are copied. */
typedef struct mc_series {
    char stream[64];
    char name[64];
    char unit[32];
    char algorithm[256];
    char parameters[512];
    int from_protocol; /* 1: one value per protocol run */
    size_t n, cap;
    int64_t *t_ns; /* end of the window (features) or the protocol's reference time */
    float *value;  /* NaN unless status is OK */
    uint8_t *status;
} mc_series;

typedef struct mc_series_set {
    mc_series *series;
    size_t n, cap;
} mc_series_set;

void mc_series_set_init(mc_series_set *s);
/** Add an empty series. @param protocol_params NULL for analyser series, else the protocol
 *  settings (the series is then a protocol result) */
MC_NODISCARD mc_status mc_series_set_add(mc_series_set *s, const char *stream,
                                         const mc_feature_def *def, const char *parameters,
                                         const char *protocol_params);
/** The series of a stream's feature, or NULL. */
mc_series *mc_series_set_find(const mc_series_set *s, const char *stream, const char *name);
MC_NODISCARD mc_status mc_series_append(mc_series *s, int64_t t_ns, float value, uint8_t status);
void mc_series_set_free(mc_series_set *s);

/** One protocol run (a row of <stem>.protocols.csv). */
typedef struct mc_protocol_run {
    char protocol[32]; /* porh, iontophoresis, vot, pi_vot, pco2_gap */
    char stream[64];
    int run;          /* 1, 2... per protocol and stream */
    double t_start_s; /* occlusion start, dose, gas sample */
    double t_end_s;   /* release, end of the response, gas sample */
    mc_protocol_result result;
} mc_protocol_run;

typedef struct mc_protocol_table {
    mc_protocol_run *runs;
    size_t n, cap;
} mc_protocol_table;

void mc_protocol_table_init(mc_protocol_table *t);
/** Record a run, and append each of its values to the stream's series of that name (created on
 *  first use; t_ns = the run's end time, the release for an occlusion). */
MC_NODISCARD mc_status mc_protocol_table_add(mc_protocol_table *t, mc_series_set *set,
                                             const char *protocol, const char *stream,
                                             double t_start_s, double t_end_s,
                                             const mc_protocol_result *r);
void mc_protocol_table_free(mc_protocol_table *t);

/** Write every series into a new features file (never over an existing one): the session's
 *  root attributes, /features/<stream>/<feature>/{t_ns, value, status} with unit, algorithm,
 *  parameters and software attributes, and the source file's name as derived_from. */
MC_NODISCARD mc_status mc_analysis_write_h5(const char *path, const mc_session_info *session,
                                            const char *source, const mc_series_set *set,
                                            mc_diag *d);

/** Write the tidy features CSV (t_s,stream,feature,value,unit,status; analyser series, by stream
 *  and time) and the protocols CSV (one row per run). Files are created exclusively. */
MC_NODISCARD mc_status mc_analysis_write_csv(const char *features_csv, const char *protocols_csv,
                                             const mc_series_set *set, const mc_protocol_table *t,
                                             mc_diag *d);

#endif
