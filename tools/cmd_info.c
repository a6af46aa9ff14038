/* SPDX-License-Identifier: MIT */
/* tools/cmd_info.c: `mcirc info`: what a session file holds, as text for people and as stable
 * JSON for scripts. The JSON keys are documented in the README ("mcirc info --json"). */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/h5_reader.h"
#include "tools/commands.h"

static const char help[] =
    "usage: mcirc info FILE.h5 [--json]\n\n"
    "Shows the subject, session, start, duration and, per stream, its modality, rate, channels,\n"
    "units, samples, duration and gaps; then the events and feature series. Reads files that\n"
    "are still being recorded or that a crash left open.\n\n"
    "  --json      machine-readable output (keys in the README)\n"
    "  -h, --help  this text\n";

/* What info reports about one stream. */
typedef struct stream_summary {
    int64_t samples;
    int64_t missing;
    size_t gaps;
    double t_first_s, t_last_s; /* session time of the first and last sample, NaN if none */
    double duration_s;          /* span covered, including the last sample's period */
} stream_summary;

static mc_status summarise(mc_h5_reader *r, size_t i, stream_summary *s)
{
    memset(s, 0, sizeof *s);
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    s->samples = mc_h5_reader_get_n_frames(r, i);
    const mc_h5_gap *gaps = mc_h5_reader_get_gaps(r, i, &s->gaps);
    for (size_t k = 0; k < s->gaps; k++)
        s->missing += gaps[k].n_missing;
    s->t_first_s = s->t_last_s = (double)NAN;
    if (s->samples <= 0)
        return MC_OK;
    int64_t t0, t1;
    mc_status st = mc_h5_reader_read_times(r, i, 0, 1, &t0);
    if (st == MC_OK)
        st = mc_h5_reader_read_times(r, i, s->samples - 1, 1, &t1);
    if (st != MC_OK)
        return st;
    s->t_first_s = (double)t0 / 1e9;
    s->t_last_s = (double)t1 / 1e9;
    s->duration_s = s->t_last_s - s->t_first_s + (info->rate_hz > 0 ? 1.0 / info->rate_hz : 0.0);
    return MC_OK;
}

/* Writes a JSON string with the escapes RFC 8259 requires. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static void print_json(mc_h5_reader *r, const stream_summary *sum, double duration_s)
{
    const mc_session_info *s = mc_h5_reader_get_session(r);
    FILE *f = stdout;
    fputs("{\n  \"mcirc_format\": 1,\n  \"subject\": ", f);
    json_str(f, s->subject);
    fputs(",\n  \"session\": ", f);
    json_str(f, s->session);
    fputs(",\n  \"site\": ", f);
    json_str(f, s->site);
    fputs(",\n  \"start_utc\": ", f);
    json_str(f, s->start_utc);
    fputs(",\n  \"timezone\": ", f);
    json_str(f, s->timezone);
    fputs(",\n  \"software\": ", f);
    json_str(f, s->software);
    fprintf(f, ",\n  \"state\": \"%s\",\n  \"duration_s\": ",
            mc_h5_reader_get_state(r) == MC_H5_CLOSED ? "closed" : "open");
    json_num(f, duration_s);
    fputs(",\n  \"streams\": [", f);
    for (size_t i = 0; i < mc_h5_reader_get_n_streams(r); i++) {
        const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        json_str(f, info->name);
        fputs(", \"modality\": ", f);
        json_str(f, mc_modality_name(info->modality));
        fputs(", \"rate_hz\": ", f);
        json_num(f, info->rate_hz);
        fputs(", \"site\": ", f);
        json_str(f, info->site);
        fputs(", \"device_model\": ", f);
        json_str(f, info->device_model);
        fputs(", \"driver\": ", f);
        json_str(f, info->driver);
        fputs(",\n     \"channels\": [", f);
        for (uint32_t c = 0; c < info->n_channels; c++) {
            fputs(c ? ", {\"name\": " : "{\"name\": ", f);
            json_str(f, info->channels[c].name);
            fputs(", \"unit\": ", f);
            json_str(f, info->channels[c].unit);
            fputc('}', f);
        }
        fprintf(f, "],\n     \"samples\": %" PRId64 ", \"duration_s\": ", sum[i].samples);
        json_num(f, sum[i].duration_s);
        fputs(", \"first_s\": ", f);
        json_num(f, sum[i].t_first_s);
        fputs(", \"last_s\": ", f);
        json_num(f, sum[i].t_last_s);
        fprintf(f, ", \"gaps\": %zu, \"missing\": %" PRId64 ",\n     \"attrs\": {", sum[i].gaps,
                sum[i].missing);
        for (size_t a = 0; a < info->n_attrs; a++) {
            if (a)
                fputs(", ", f);
            json_str(f, info->attrs[a].key);
            fputs(": ", f);
            json_str(f, info->attrs[a].value);
        }
        fputs("}}", f);
    }
    size_t ne;
    mc_h5_reader_get_events(r, &ne);
    int64_t values = 0;
    for (size_t k = 0; k < mc_h5_reader_get_n_features(r); k++)
        values += mc_h5_reader_get_n_feature_values(r, k);
    fprintf(f,
            "\n  ],\n  \"events\": %zu,\n  \"features\": %zu,\n  \"feature_values\": %" PRId64
            "\n}\n",
            ne, mc_h5_reader_get_n_features(r), values);
}

static void print_text(const char *path, mc_h5_reader *r, const stream_summary *sum,
                       double duration_s)
{
    const mc_session_info *s = mc_h5_reader_get_session(r);
    printf("file      %s%s\n", path,
           mc_h5_reader_get_state(r) == MC_H5_CLOSED
               ? ""
               : "  (still open for writing, or left open by a crash: `mcirc recover` makes a "
                 "copy any HDF5 tool opens)");
    printf("subject   %s    session %s%s%s\n", s->subject, s->session,
           s->site[0] ? "    site " : "", s->site);
    printf("start     %s (local zone %s)    duration %.1f s\n", s->start_utc, s->timezone,
           duration_s);
    printf("software  %s\n", s->software);
    size_t n = mc_h5_reader_get_n_streams(r);
    printf("streams   %zu\n", n);
    printf("  %-16s %-6s %9s  %-28s %10s %10s %5s %8s\n", "name", "type", "rate", "channels",
           "samples", "duration", "gaps", "missing");
    for (size_t i = 0; i < n; i++) {
        const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
        char rate[32], channels[256] = "";
        if (info->rate_hz > 0)
            snprintf(rate, sizeof rate, "%g Hz", info->rate_hz);
        else
            snprintf(rate, sizeof rate, "irregular");
        size_t used = 0;
        for (uint32_t c = 0; c < info->n_channels && used < sizeof channels; c++)
            used += (size_t)snprintf(channels + used, sizeof channels - used, "%s%s [%s]",
                                     c ? ", " : "", info->channels[c].name,
                                     info->channels[c].unit[0] ? info->channels[c].unit : "-");
        printf("  %-16s %-6s %9s  %-28s %10" PRId64 " %8.1f s %5zu %8" PRId64 "\n", info->name,
               mc_modality_name(info->modality), rate, channels, sum[i].samples, sum[i].duration_s,
               sum[i].gaps, sum[i].missing);
    }
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    printf("events    %zu\n", ne);
    for (size_t k = 0; k < ne && k < 50; k++) {
        printf("  %9.3f s  %-18s", (double)ev[k].t_ns / 1e9, ev[k].kind);
        if (ev[k].stream[0])
            printf(" @%s", ev[k].stream);
        if (!isnan(ev[k].value))
            printf(" %g", ev[k].value);
        if (ev[k].text[0])
            printf(" %s", ev[k].text);
        putchar('\n');
    }
    if (ne > 50)
        printf("  ... %zu more (mcirc info --json, or read /events)\n", ne - 50);
    size_t nf = mc_h5_reader_get_n_features(r);
    printf("features  %zu series\n", nf);
    for (size_t k = 0; k < nf; k++) {
        const mc_h5_feature_spec *f = mc_h5_reader_get_feature(r, k);
        printf("  %s/%s [%s]: %" PRId64 " values\n", f->stream, f->feature, f->unit,
               mc_h5_reader_get_n_feature_values(r, k));
    }
}

int mc_info_run(const char *cmd, const char *path, int json)
{
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_h5_reader_open(path, &d, &r);
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s", d.message[0] ? d.message : mc_strerror(st));
        return mc_cli_exit_code(st);
    }
    size_t n = mc_h5_reader_get_n_streams(r);
    stream_summary *sum = calloc(n ? n : 1, sizeof *sum);
    double duration_s = 0;
    st = sum ? MC_OK : MC_ENOMEM;
    for (size_t i = 0; i < n && st == MC_OK; i++) {
        st = summarise(r, i, &sum[i]);
        const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
        double end = sum[i].t_last_s + (info->rate_hz > 0 ? 1.0 / info->rate_hz : 0.0);
        if (isfinite(end) && end > duration_s)
            duration_s = end;
    }
    if (st != MC_OK) {
        mc_cli_error(cmd, "%s: cannot read the stream times: %s", path, mc_strerror(st));
    } else if (json) {
        print_json(r, sum, duration_s);
    } else {
        print_text(path, r, sum, duration_s);
    }
    free(sum);
    mc_h5_reader_destroy(r);
    return mc_cli_exit_code(st);
}

int mc_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'j') {
            json = 1;
        } else if (opt == 'h') {
            fputs(help, stdout);
            return MC_EXIT_OK;
        } else {
            mc_cli_bad_option("info", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind != argc - 1) {
        mc_cli_error("info", "expected one FILE.h5 (mcirc info --help)");
        return MC_EXIT_USER;
    }
    return mc_info_run("info", argv[optind], json);
}
