/* SPDX-License-Identifier: MIT */
/* tools/commands.h: the subcommands of `mcirc`, one file each; each returns the exit code. */
#ifndef MC_TOOLS_COMMANDS_H
#define MC_TOOLS_COMMANDS_H

#include <stddef.h>

#include "tools/cli.h"

int mc_cmd_sim(int argc, char **argv);
int mc_cmd_record(int argc, char **argv);
int mc_cmd_info(int argc, char **argv);
int mc_cmd_recover(int argc, char **argv);
int mc_cmd_demo(int argc, char **argv);
int mc_cmd_analyze(int argc, char **argv);
int mc_cmd_import(int argc, char **argv);
int mc_cmd_export(int argc, char **argv);
int mc_cmd_replay(int argc, char **argv);
int mc_cmd_emulate(int argc, char **argv);
int mc_cmd_devices(int argc, char **argv);

/** A recording as `mcirc record` makes it; `mcirc demo` uses it too. */
typedef struct mc_record_opts {
    const char *cmd; /* name used in messages ("record", "demo") */
    const char *output;
    mc_cli_session_opts session;
    const char *const *sources; /* [n_sources] NAME=DRIVER:ADDRESS[,k=v...] */
    size_t n_sources;
    double duration_s; /* 0: until Ctrl-C, SIGTERM or the end of every source */
    int compression;
    const char *osc_in; /* NULL, or --osc-in [HOST:]PORT: receive /mcirc/event ,ssf over UDP */
    const char *const *osc_urls; /* [n_osc_urls] --osc destinations; none: loopback default */
    size_t n_osc_urls;
    int no_osc;         /* --no-osc: no OSC output */
    int no_analysis;    /* --no-analysis: record only (no /features, no OSC) */
    const char *config; /* --config FILE: analysis parameters as for analyze */
    double speed;       /* --speed X: simulated sources X times real time (0 or 1: real time) */
} mc_record_opts;

/** Record; prints progress on a terminal and a summary. @return the exit code */
int mc_record_run(const mc_record_opts *o);

/** Print what is in a session file (text or JSON) on stdout. @return the exit code */
int mc_info_run(const char *cmd, const char *path, int json);

#endif
