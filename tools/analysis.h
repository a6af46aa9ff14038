/* SPDX-License-Identifier: MIT */
/* tools/analysis.h: offline analysis of a session file: every stream through its modality's
 * streaming analyser (the same objects the recorder runs live), the protocols on the events
 * timeline, and the outputs of `mcirc analyze` (<stem>.features.h5, .features.csv,
 * .protocols.csv). The input is opened read-only and never modified. */
#ifndef MC_TOOLS_ANALYSIS_H
#define MC_TOOLS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/analyser.h"
#include "dsp/ldf.h"
#include "dsp/nirs.h"
#include "dsp/pco2.h"
#include "dsp/ppg.h"
#include "dsp/protocol.h"
#include "dsp/stream.h"

/** Every analysis parameter, by section of the configuration file. */
typedef struct mc_analysis_config {
    mc_ppg_config ppg;           /* [ppg] */
    mc_ldf_config ldf;           /* [ldf] */
    mc_nirs_config nirs;         /* [nirs] */
    mc_pco2_config pco2;         /* [pco2] */
    mc_protocol_config protocol; /* [protocol] */
} mc_analysis_config;

/** DOMAIN.md defaults. */
void mc_analysis_config_default(mc_analysis_config *c);

/** Read a configuration file (formats/ini.h) over the current values: `[ppg]`, `[ldf]`,
 *  `[nirs]`, `[pco2]` and `[protocol]` sections, `key = value` lines.
 *  @return MC_OK; MC_ENOTFOUND; MC_EFORMAT / MC_EINVAL with "FILE line N: ..." in the
 *          diagnostic (malformed line, unknown section or key, bad value) */
MC_NODISCARD mc_status mc_analysis_config_load(mc_analysis_config *c, const char *path, mc_diag *d);

/** The streaming analyser for a stream, chosen by its modality (channel by name: ir, perfusion,
 *  sto2, pco2; else the first). Control thread (plans FFTs).
 *  @return MC_OK; MC_ENOTFOUND when the modality has no analyser (other, or PPG without a regular
 *          rate); MC_EINVAL, MC_ENOMEM */
MC_NODISCARD mc_status mc_analysis_create_analyser(const mc_stream_info *info,
                                                   const mc_analysis_config *c, mc_diag *d,
                                                   mc_analyser **out);

/** The channel a stream's analyser reads (the one shown as its waveform): by name as above. */
uint32_t mc_analysis_channel(const mc_stream_info *info);

typedef struct mc_analysis_options {
    const char *out_dir; /* NULL: beside the input */
    int csv;             /* also write <stem>.features.csv and <stem>.protocols.csv */
    int progress;        /* show progress on stderr */
} mc_analysis_options;

typedef struct mc_analysis_summary {
    char features_h5[4096]; /* the files written */
    char features_csv[4096];
    char protocols_csv[4096];
    size_t streams_analysed;
    size_t streams_skipped;
    size_t series;
    int64_t values;
    size_t protocol_runs;
} mc_analysis_summary;

/** Analyse one session file. Control thread.
 *  @return MC_OK; MC_EEXIST (an output exists: nothing is written); reader errors (MC_ENOTFOUND,
 *          MC_EFORMAT...); MC_EIO; MC_ENOMEM — the diagnostic names the file */
MC_NODISCARD mc_status mc_analysis_run_file(const char *input, const mc_analysis_config *c,
                                            const mc_analysis_options *o, mc_diag *d,
                                            mc_analysis_summary *summary);

#endif
