/* SPDX-License-Identifier: MIT */
/* formats/output.c: outputs published by link() (formats/output.h). */
#define _DEFAULT_SOURCE
#include "formats/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Length of the folder part of `path` (0 when there is none). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + (slash == path) : 0;
}

mc_status mc_output_begin(mc_output *o, const char *path, mc_diag *d)
{
    memset(o, 0, sizeof *o);
    const size_t dl = dir_len(path);
    const char *base = path + dl + (path[dl] == '/');
    const int n = snprintf(o->path, sizeof o->path, "%s", path);
    const int m = snprintf(o->tmp, sizeof o->tmp, "%.*s%s.%s.creating-%ld", (int)dl, path,
                           dl ? "/" : "", base, (long)getpid());
    if (!base[0] || n < 0 || (size_t)n >= sizeof o->path || m < 0 || (size_t)m >= sizeof o->tmp)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: not a usable file name", path);
    struct stat sb;
    if (lstat(path, &sb) == 0)
        return mc_diag_set(d, MC_EEXIST, -1, -1,
                           "%s: file exists (mcirc never overwrites a file); choose another name",
                           path);
    const int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create: %s", path, strerror(errno));
    close(fd);
    o->open = 1;
    return MC_OK;
}

mc_status mc_output_publish(mc_output *o, mc_diag *d)
{
    if (!o->open)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: no output to publish", o->path);
    const int fd = open(o->tmp, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (link(o->tmp, o->path) != 0) {
        const int e = errno;
        mc_output_abandon(o);
        return mc_diag_set(
            d, e == EEXIST ? MC_EEXIST : MC_EIO, -1, -1, "%s: cannot create: %s", o->path,
            e == EEXIST ? "the name was taken meanwhile (never overwritten)" : strerror(e));
    }
    unlink(o->tmp);
    o->open = 0;
    char dir[4096];
    const size_t dl = dir_len(o->path);
    snprintf(dir, sizeof dir, "%.*s", (int)(dl ? dl : 1), dl ? o->path : ".");
    const int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return MC_OK;
}

void mc_output_abandon(mc_output *o)
{
    if (o->open)
        unlink(o->tmp);
    o->open = 0;
}
