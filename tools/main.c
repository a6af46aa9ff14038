/* SPDX-License-Identifier: MIT */
/* tools/main.c: the `mcirc` program: dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "tools/commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"demo", mc_cmd_demo, "one-minute simulated multi-device session, then info"},
    {"sim", mc_cmd_sim, "write a simulated session with known truth, as fast as possible"},
    {"record", mc_cmd_record, "record live sources into a crash-safe session file"},
    {"info", mc_cmd_info, "show what is in a session file (--json for machines)"},
    {"recover", mc_cmd_recover, "clean copy of a crashed recording for any HDF5 tool"},
    {"analyze", mc_cmd_analyze, "offline features and protocol results (HDF5, CSV)"},
    {"import", mc_cmd_import, "recordings in other formats (WFDB, EDF+, SNIRF...) into a session"},
    {"export", mc_cmd_export, "a session's streams as CSV, EDF+, SNIRF, WAV/FLAC, WFDB"},
    {"replay", mc_cmd_replay, "play a recording into OSC as if live (--follow: while recorded)"},
    {"devices", mc_cmd_devices, "the live device drivers; --probe PORT: which one answers"},
    {"emulate", mc_cmd_emulate, "speak a device's protocol on a pty, TCP or UDP (tests, demos)"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "mcirc %s: records and analyses microcirculation signals (PPG, LDF, NIRS, PCO2)\n"
            "\nusage: mcirc COMMAND [options]   (mcirc COMMAND --help for its options)\n\n",
            MC_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nexit codes: 0 success, 1 user error (one line on stderr), 2 internal failure\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MC_EXIT_USER;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return MC_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mcirc %s\n", MC_VERSION);
        return MC_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr,
            "mcirc: unknown command '%s' (expected demo, sim, record, info, recover, analyze, "
            "import, export, replay, devices, emulate; "
            "mcirc --help lists them)\n",
            argv[1]);
    return MC_EXIT_USER;
}
