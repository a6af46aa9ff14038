/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_transport_spec.c: fuzz target of mc_transport_config_parse
 * (acquisition/transport.h). Input: lines; the first is the address, each further line a
 * key=value option (a line without '=' is a key with an empty value), at most 16 options.
 * Invariants (abort when broken): on MC_OK the configuration is one mc_transport_open accepts (a
 * known kind, serial settings in range, strings terminated, tcp with a host and a port); on an
 * error the status is MC_EFORMAT with a one-line message; the result does not depend on the
 * diagnostic. Addresses are stat()ed, never opened. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_OPTS = 16 };

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_transport_spec: invariant broken: %s\n", what);
    abort();
}

static void check_ok(const mc_transport_config *c)
{
    static const uint32_t bauds[] = {1200,   2400,   4800,   9600,   19200,  38400, 57600,
                                     115200, 230400, 460800, 500000, 576000, 921600};
    int baud_ok = 0;
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++)
        baud_ok |= c->baud == bauds[i];
    if (!baud_ok || c->data_bits < 5 || c->data_bits > 8 || c->stop_bits < 1 || c->stop_bits > 2 ||
        c->rtscts > 1 || (unsigned)c->parity > MC_PARITY_ODD)
        fail("serial setting out of range");
    if (!memchr(c->path, '\0', sizeof c->path) || !memchr(c->host, '\0', sizeof c->host))
        fail("unterminated path or host");
    switch (c->kind) {
    case MC_TRANSPORT_SERIAL:
    case MC_TRANSPORT_FIFO:
        if (!c->path[0])
            fail("empty path");
        break;
    case MC_TRANSPORT_TCP:
        if (!c->host[0] || c->port == 0)
            fail("tcp without host or port");
        break;
    case MC_TRANSPORT_UDP:
    case MC_TRANSPORT_STDIN:
        break;
    default:
        fail("unknown kind");
    }
    if (strcmp(mc_transport_kind_name(c->kind), "unknown") == 0)
        fail("kind without a name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mc_kv kv[MAX_OPTS];
    size_t n = 0;
    char *address = text, *line = strchr(text, '\n');
    if (line)
        *line++ = '\0';
    while (line && n < MAX_OPTS) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq)
            *eq = '\0';
        kv[n].key = line;
        kv[n].value = eq ? eq + 1 : "";
        n++;
        line = next;
    }

    mc_transport_config c, again;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_transport_config_parse(address, kv, n, &c, &d);
    if (st == MC_OK) {
        check_ok(&c);
    } else {
        if (st != MC_EFORMAT)
            fail("status other than MC_OK or MC_EFORMAT");
        if (!memchr(d.message, '\0', sizeof d.message) || !d.message[0] || strchr(d.message, '\n'))
            fail("diagnostic message empty, unterminated or on several lines");
    }
    mc_status st2 = mc_transport_config_parse(address, kv, n, &again, NULL);
    if (st2 != st)
        fail("status depends on the diagnostic");
    if (st == MC_OK && (again.kind != c.kind || again.baud != c.baud || again.port != c.port ||
                        strcmp(again.path, c.path) != 0 || strcmp(again.host, c.host) != 0))
        fail("two parses of the same input differ");
    free(text);
    return 0;
}
