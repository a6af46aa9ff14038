/* SPDX-License-Identifier: MIT */
/* tests/util.h: what several test programs need: a private temporary folder removed at exit, and
 * helper cases run in a fresh process (fork + exec of the test program itself), because HDF5
 * shares a file that is open in the same process, even across fork, and only a new process sees
 * the file as a reader at the bedside would. */
#ifndef MC_TESTS_UTIL_H
#define MC_TESTS_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

static char mc_test_dir[256];

static inline void mc_test_remove_dir(void)
{
    DIR *d = opendir(mc_test_dir);
    if (d) {
        struct dirent *e;
        char path[600];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", mc_test_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(mc_test_dir);
}

/* The test's own folder under $TMPDIR (or /tmp), created on first use, removed at exit (also
 * after a failed assertion, which exits). Helper processes keep it: only its creator removes it. */
static inline const char *mc_test_tmp_dir(void)
{
    if (!mc_test_dir[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(mc_test_dir, sizeof mc_test_dir, "%s/mc_test_XXXXXX", base);
        ASSERT_TRUE(mkdtemp(mc_test_dir) != NULL);
        atexit(mc_test_remove_dir);
    }
    return mc_test_dir;
}

/* A path in the test's folder; the returned buffer is reused by the next call. */
static inline const char *mc_test_tmp_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", mc_test_tmp_dir(), name);
    return path;
}

/* Starts helper case `name` of this program in a new process, with `file` in MC_TEST_FILE. */
static inline pid_t mc_test_start_helper(const char *name, const char *file)
{
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        setenv("MC_TEST_FILE", file, 1);
        execl("/proc/self/exe", "test-helper", name, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Waits for a helper and fails unless it passed. */
static inline void mc_test_wait_helper(pid_t pid)
{
    int status = 0;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ_INT(WEXITSTATUS(status), 0);
}

static inline void mc_test_run_helper(const char *name, const char *file)
{
    mc_test_wait_helper(mc_test_start_helper(name, file));
}

#endif
