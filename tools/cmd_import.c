/* SPDX-License-Identifier: MIT */
/* tools/cmd_import.c: `mcirc import`: recordings in other formats into one session file. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/import.h"
#include "formats/import_map.h"
#include "formats/registry.h"
#include "tools/commands.h"

static const char help_head[] =
    "usage: mcirc import INPUT... -o FILE.h5 --subject ID --session LABEL [--map FILE]\n"
    "                    [--format NAME] [--compression N]\n\n"
    "Reads recordings made by other systems into one mcirc session file. INPUT is the file you\n"
    "would open: the .hea of a WFDB record, the .hdr of a NIRx set, the file itself otherwise; "
    "the\n"
    "format is recognised from the content. Every sample is kept as it was: nothing is\n"
    "resampled, irregular sources stay irregular, gaps stay gaps. Several inputs are placed on\n"
    "one timeline by their start times. Patient names, birth dates and identifiers in a source\n"
    "are never copied: the subject is the pseudonym you give. FILE.h5 must not exist; it\n"
    "appears only when complete.\n\n"
    "  -o, --output FILE.h5    the session file to create\n"
    "  -m, --map FILE          mapping file: per channel stream name, modality, unit, site,\n"
    "                          calibration (physical = gain * value + offset) or skip, and the\n"
    "                          settings of the delimited-text reader (README: mcirc import)\n"
    "  -f, --format NAME       read every input as this format instead of recognising it\n"
    "      --compression N     deflate level 0..9 after shuffle (default 4)\n"
    "  -h, --help              this text\n";

enum { OPT_COMPRESSION = MC_OPT_FIRST_FREE };

static void print_help(void)
{
    fputs(help_head, stdout);
    fputs(mc_cli_session_help, stdout);
    size_t n;
    const mc_import_format *f = mc_import_formats(&n);
    printf("\nformats:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", f[i].name, f[i].what);
}

/* Read and parse the mapping file. */
static int load_map(const char *path, mc_import_map *map)
{
    uint8_t *buf;
    size_t len;
    mc_diag d;
    mc_status st = mc_read_whole_file(path, 1 << 20, &buf, &len, &d);
    if (st == MC_OK) {
        st = mc_import_map_parse((const char *)buf, len, path, map, &d);
        free(buf);
    }
    if (st != MC_OK)
        mc_cli_error("import", "%s", d.message);
    return st == MC_OK;
}

/* Read one input into `one` (map applied). */
static mc_status read_input(const char *path, const mc_import_format *forced, mc_import_map *map,
                            mc_import *one)
{
    mc_diag d;
    mc_diag_clear(&d);
    const mc_import_format *fmt = forced;
    mc_status st = fmt ? MC_OK : mc_import_detect(path, &fmt, &d);
    if (st == MC_OK) {
        const char *slash = strrchr(path, '/');
        snprintf(one->source, sizeof one->source, "%s", slash ? slash + 1 : path);
        snprintf(one->format, sizeof one->format, "%s", fmt->name);
        st = fmt->import(path, map, one, &d);
    }
    if (st == MC_OK && one->n_streams == 0)
        st = mc_diag_set(&d, MC_EFORMAT, -1, -1, "%s: no signal in this file", path);
    size_t unmatched = 0;
    if (st == MC_OK && map)
        st = mc_import_map_apply(map, one, &unmatched, &d);
    if (st != MC_OK) {
        mc_cli_error("import", "%s", d.message[0] ? d.message : mc_strerror(st));
        return st;
    }
    fprintf(stderr, "mcirc import: %s: %s, %zu streams, %zu events%s%s\n", path, fmt->name,
            one->n_streams, one->n_events, d.message[0] ? "; " : "", d.message);
    return MC_OK;
}

int mc_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"map", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"help", no_argument, NULL, 'h'},
        MC_CLI_SESSION_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *map_path = NULL, *format = NULL;
    int compression = 4, opt;
    mc_cli_session_opts so = {0};
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:m:f:h", longopts, NULL)) != -1) {
        if (mc_cli_session_option(opt, optarg, &so))
            continue;
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 'm':
            map_path = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case OPT_COMPRESSION:
            if (!mc_cli_parse_compression("import", optarg, &compression))
                return MC_EXIT_USER;
            break;
        case 'h':
            print_help();
            return MC_EXIT_OK;
        default:
            mc_cli_bad_option("import", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind >= argc || !output) {
        mc_cli_error("import", "expected INPUT... -o FILE.h5 (mcirc import --help)");
        return MC_EXIT_USER;
    }
    const mc_import_format *forced = NULL;
    if (format && !(forced = mc_import_format_find(format))) {
        mc_cli_error("import", "--format %s: not a format mcirc reads (mcirc import --help)",
                     format);
        return MC_EXIT_USER;
    }
    struct stat sb;
    if (stat(output, &sb) == 0) {
        mc_cli_error("import", "%s: file exists (mcirc never overwrites a recording)", output);
        return MC_EXIT_USER;
    }
    mc_session_info session;
    mc_status st = mc_cli_make_session("import", &so, 0, &session);
    if (st != MC_OK)
        return mc_cli_exit_code(st);
    mc_import_map map = {0};
    if (map_path && !load_map(map_path, &map))
        return MC_EXIT_USER;

    /* Each input in its own import; then one timeline from the earliest known start. */
    const size_t n_in = (size_t)(argc - optind);
    mc_import *ins = calloc(n_in, sizeof *ins);
    mc_import all;
    mc_import_init(&all);
    if (!ins) {
        mc_import_map_free(&map);
        return MC_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n_in && st == MC_OK; i++) {
        mc_import_init(&ins[i]);
        st = read_input(argv[optind + (int)i], forced, map_path ? &map : NULL, &ins[i]);
    }
    int64_t start = MC_IMPORT_NO_TIME;
    for (size_t i = 0; i < n_in && st == MC_OK; i++)
        if (ins[i].start_unix_ns != MC_IMPORT_NO_TIME &&
            (start == MC_IMPORT_NO_TIME || ins[i].start_unix_ns < start))
            start = ins[i].start_unix_ns;
    if (st == MC_OK && start == MC_IMPORT_NO_TIME) {
        /* No source says when it started: the first input's modification time stands in. */
        struct stat in;
        start = stat(argv[optind], &in) == 0 ? (int64_t)in.st_mtime * 1000000000LL : 0;
        snprintf(session.notes + strlen(session.notes),
                 sizeof session.notes - strlen(session.notes),
                 "%sstart time unknown in the source: the file's modification time is used",
                 session.notes[0] ? "; " : "");
        fprintf(stderr, "mcirc import: no start time in the input; using the file's "
                        "modification time\n");
    }
    all.start_unix_ns = start;
    mc_diag d;
    mc_diag_clear(&d);
    for (size_t i = 0; i < n_in && st == MC_OK; i++) {
        const int64_t offset =
            ins[i].start_unix_ns == MC_IMPORT_NO_TIME ? 0 : ins[i].start_unix_ns - start;
        if (i == 0) {
            snprintf(all.format, sizeof all.format, "%s", ins[i].format);
            snprintf(all.source, sizeof all.source, "%s", ins[i].source);
        } else {
            snprintf(all.source + strlen(all.source), sizeof all.source - strlen(all.source),
                     " + %s", ins[i].source);
        }
        st = mc_import_merge(&all, &ins[i], offset, &d);
        if (st != MC_OK)
            mc_cli_error("import", "%s", d.message);
    }
    for (size_t i = 0; i < n_in; i++)
        mc_import_free(&ins[i]);
    free(ins);
    mc_import_map_free(&map);
    if (st == MC_OK) {
        st = mc_import_write(&all, &session, so.allow_id, compression, output, &d);
        if (st != MC_OK)
            mc_cli_error("import", "%s", d.message[0] ? d.message : mc_strerror(st));
    }
    if (st == MC_OK) {
        int64_t samples = 0;
        for (size_t k = 0; k < all.n_streams; k++)
            samples += all.streams[k].n_frames * all.streams[k].info->n_channels;
        printf("imported %s: %zu streams, %" PRId64 " samples, %zu events\n", output, all.n_streams,
               samples, all.n_events);
    }
    mc_import_free(&all);
    return st == MC_OK ? MC_EXIT_OK : mc_cli_exit_code(st);
}
