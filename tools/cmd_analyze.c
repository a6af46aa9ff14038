/* SPDX-License-Identifier: MIT */
/* tools/cmd_analyze.c: `mcirc analyze`: offline features and protocol results of recordings. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dsp/fft.h"
#include "tools/analysis.h"
#include "tools/commands.h"

static const char help[] =
    "usage: mcirc analyze FILE.h5... [-o DIR] [--csv] [--config FILE] [--wisdom FILE]\n\n"
    "Runs every stream's analyser over each recording (the same code the recorder runs live)\n"
    "and the protocols found on its events timeline (occlusion_start/occlusion_end: PORH on LDF,\n"
    "VOT on NIRS, PI during the VOT on PPG; iontophoresis doses on LDF, with CVC when a 'map'\n"
    "event gives the MAP; arterial_pco2 on PCO2), then writes <stem>.features.h5 (/features\n"
    "layout, with algorithm, parameters and software as attributes) and, with --csv,\n"
    "<stem>.features.csv (t_s,stream,feature,value,unit,status) and <stem>.protocols.csv (one\n"
    "row per protocol run). The recording is never modified; no output is ever overwritten.\n\n"
    "  -o, --output DIR   where to write (default: beside each input)\n"
    "  --csv              also write the CSV files\n"
    "  --config FILE      analysis parameters ([ppg] [ldf] [nirs] [pco2] [protocol] sections of\n"
    "                     key = value lines; the README lists the keys and defaults)\n"
    "  --wisdom FILE      FFTW wisdom to load before planning and to save after (faster start)\n"
    "  -h, --help         this text\n";

enum { OPT_CSV = MC_OPT_FIRST_FREE, OPT_CONFIG, OPT_WISDOM };

int mc_cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"csv", no_argument, NULL, OPT_CSV},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"wisdom", required_argument, NULL, OPT_WISDOM},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    mc_analysis_options o;
    memset(&o, 0, sizeof o);
    const char *config = NULL, *wisdom = NULL;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o.out_dir = optarg;
            break;
        case OPT_CSV:
            o.csv = 1;
            break;
        case OPT_CONFIG:
            config = optarg;
            break;
        case OPT_WISDOM:
            wisdom = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return MC_EXIT_OK;
        default:
            mc_cli_bad_option("analyze", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind >= argc) {
        mc_cli_error("analyze", "expected at least one FILE.h5 (mcirc analyze --help)");
        return MC_EXIT_USER;
    }
    struct stat sb;
    if (o.out_dir && (stat(o.out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        mc_cli_error("analyze", "-o %s: not a folder", o.out_dir);
        return MC_EXIT_USER;
    }
    mc_analysis_config cfg;
    mc_analysis_config_default(&cfg);
    mc_diag d;
    mc_diag_clear(&d);
    if (config) {
        mc_status st = mc_analysis_config_load(&cfg, config, &d);
        if (st != MC_OK) {
            mc_cli_error("analyze", "%s", d.message[0] ? d.message : mc_strerror(st));
            return mc_cli_exit_code(st);
        }
    }
    if (wisdom && mc_fft_import_wisdom(wisdom) != MC_OK && stat(wisdom, &sb) == 0)
        mc_cli_error("analyze", "%s: not FFTW wisdom of this machine; planning afresh", wisdom);
    o.progress = mc_cli_stderr_is_tty();
    int rc = MC_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        mc_analysis_summary s;
        mc_diag_clear(&d);
        mc_status st = mc_analysis_run_file(argv[i], &cfg, &o, &d, &s);
        if (st != MC_OK) {
            /* One bad file of a cohort must not stop the others. */
            mc_cli_error("analyze", "%s", d.message[0] ? d.message : mc_strerror(st));
            int code = mc_cli_exit_code(st);
            rc = code > rc ? code : rc;
            continue;
        }
        printf("analysed %s: %zu stream%s (%zu skipped), %zu series, %" PRId64
               " values, %zu protocol run%s -> %s%s%s%s%s\n",
               argv[i], s.streams_analysed, s.streams_analysed == 1 ? "" : "s", s.streams_skipped,
               s.series, s.values, s.protocol_runs, s.protocol_runs == 1 ? "" : "s", s.features_h5,
               o.csv ? ", " : "", o.csv ? s.features_csv : "", o.csv ? ", " : "",
               o.csv ? s.protocols_csv : "");
    }
    if (wisdom && mc_fft_export_wisdom(wisdom) != MC_OK)
        mc_cli_error("analyze", "%s: cannot save the FFTW wisdom", wisdom);
    return rc;
}
