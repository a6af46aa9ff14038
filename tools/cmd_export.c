/* SPDX-License-Identifier: MIT */
/* tools/cmd_export.c: `mcirc export`: a session file's streams in the formats other tools read. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/export.h"
#include "formats/registry.h"
#include "tools/commands.h"

static const char help_head[] =
    "usage: mcirc export FILE.h5 --to FORMAT [-o OUT] [--streams a,b] [--from S] [--to S]\n\n"
    "Writes the streams of a session file (a recording, an import) in a format other tools\n"
    "read. The session file is only read. OUT defaults to FILE with the format's extension,\n"
    "beside it; it must not exist, and appears only when complete.\n\n"
    "  --to FORMAT          the output format (below); a number after --to is the end of the\n"
    "                       time range instead, as in --from 60 --to 120\n"
    "  -o, --output OUT     the file to write (csv-wide: the prefix of OUT.<stream>.csv)\n"
    "  -s, --streams a,b    only these streams (default: all)\n"
    "      --from S         from S seconds after the session start (default: the start)\n"
    "      --until S        up to S seconds (excluded; default: the end); same as --to S\n"
    "  -h, --help           this text\n";

enum { OPT_TO = MC_OPT_FIRST_FREE, OPT_FROM, OPT_UNTIL };

static void print_help(void)
{
    fputs(help_head, stdout);
    size_t n;
    const mc_export_format *f = mc_export_formats(&n);
    printf("\nformats:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", f[i].name, f[i].what);
}

/* Seconds → ns, refusing what is not a finite number within ±292 years. */
static int parse_seconds(const char *s, int64_t *ns)
{
    double v;
    if (!mc_cli_parse_double(s, &v) || fabs(v) > 9e9)
        return 0;
    *ns = (int64_t)llround(v * 1e9);
    return 1;
}

/* OUT by default: the input without its extension, with `ext`. */
static char *default_output(const char *input, const char *ext)
{
    const size_t n = strlen(input);
    const char *dot = strrchr(input, '.'), *slash = strrchr(input, '/');
    const size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - input) : n;
    char *out = malloc(stem + strlen(ext) + 1);
    if (out)
        sprintf(out, "%.*s%s", (int)stem, input, ext);
    return out;
}

int mc_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"to", required_argument, NULL, OPT_TO},
        {"output", required_argument, NULL, 'o'},
        {"streams", required_argument, NULL, 's'},
        {"from", required_argument, NULL, OPT_FROM},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *streams = NULL;
    const mc_export_format *fmt = NULL;
    mc_export_opts o = mc_export_opts_default();
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:s:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 's':
            streams = optarg;
            break;
        case OPT_TO:
            if (parse_seconds(optarg, &o.to_ns))
                break;
            if (!(fmt = mc_export_format_find(optarg))) {
                mc_cli_error("export",
                             "--to %s: not an output format or a time in seconds "
                             "(mcirc export --help)",
                             optarg);
                return MC_EXIT_USER;
            }
            break;
        case OPT_FROM:
        case OPT_UNTIL:
            if (!parse_seconds(optarg, opt == OPT_FROM ? &o.from_ns : &o.to_ns)) {
                mc_cli_error("export", "--%s %s: expected seconds since the session start",
                             opt == OPT_FROM ? "from" : "until", optarg);
                return MC_EXIT_USER;
            }
            break;
        case 'h':
            print_help();
            return MC_EXIT_OK;
        default:
            mc_cli_bad_option("export", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind != argc - 1 || !fmt) {
        mc_cli_error("export", "expected FILE.h5 --to FORMAT (mcirc export --help)");
        return MC_EXIT_USER;
    }
    if (o.from_ns >= o.to_ns) {
        mc_cli_error("export", "the time range is empty (--from must be before --to/--until)");
        return MC_EXIT_USER;
    }
    const char *input = argv[optind];
    /* --streams a,b,c: split a copy in place. */
    char *list = streams ? strdup(streams) : NULL;
    const char **names = NULL;
    if (list) {
        size_t n = 1;
        for (const char *p = list; *p; p++)
            n += *p == ',';
        names = calloc(n, sizeof *names);
        if (!names) {
            free(list);
            return MC_EXIT_INTERNAL;
        }
        for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
            names[o.n_streams++] = tok;
        o.streams = names;
        if (o.n_streams == 0) {
            mc_cli_error("export", "--streams: expected stream names separated by commas");
            free(names);
            free(list);
            return MC_EXIT_USER;
        }
    }
    char *def = output ? NULL : default_output(input, fmt->extension);
    const char *out = output ? output : def;
    mc_import rec;
    mc_import_init(&rec);
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = out ? mc_export_load(input, &o, &rec, &d) : MC_ENOMEM;
    if (st == MC_OK && rec.n_streams == 0)
        st = mc_diag_set(&d, MC_EINVAL, -1, -1, "%s: no stream to export", input);
    if (st == MC_OK)
        st = fmt->write(&rec, out, &d);
    if (st != MC_OK) {
        mc_cli_error("export", "%s", d.message[0] ? d.message : mc_strerror(st));
    } else {
        int64_t samples = 0;
        for (size_t k = 0; k < rec.n_streams; k++)
            samples += rec.streams[k].n_frames * rec.streams[k].info->n_channels;
        printf("exported %s -> %s%s (%s): %zu streams, %" PRId64 " samples\n", input, out,
               strcmp(fmt->name, "csv-wide") == 0 ? ".<stream>.csv" : "", fmt->name, rec.n_streams,
               samples);
    }
    mc_import_free(&rec);
    free(def);
    free(names);
    free(list);
    return st == MC_OK ? MC_EXIT_OK : mc_cli_exit_code(st);
}
