/* SPDX-License-Identifier: MIT */
/* dsp/analyser.c: dispatch through an analyser's ops table, and the push/pop loop. */
#include "dsp/analyser.h"

#include <stdlib.h>

size_t mc_analyser_push(mc_analyser *a, const float *frames, const int64_t *t_ns, size_t n)
{
    return a->ops->push(a->self, frames, t_ns, n);
}

int mc_analyser_pop(mc_analyser *a, mc_analysis_row *row)
{
    return a->ops->pop(a->self, row);
}

size_t mc_analyser_get_n_features(const mc_analyser *a)
{
    return a->ops->get_n_features(a->self);
}

const mc_feature_def *mc_analyser_get_feature(const mc_analyser *a, size_t k)
{
    return a->ops->get_feature(a->self, k);
}

const char *mc_analyser_get_parameters(const mc_analyser *a)
{
    return a->ops->get_parameters(a->self);
}

void mc_analyser_destroy(mc_analyser *a)
{
    if (!a)
        return;
    a->ops->destroy(a->self);
    free(a);
}

void mc_analyser_process(mc_analyser *a, const float *frames, const int64_t *t_ns, size_t n,
                         size_t n_channels, void (*emit)(void *ctx, const mc_analysis_row *row),
                         void *ctx)
{
    mc_analysis_row row;
    while (n > 0) {
        size_t used = mc_analyser_push(a, frames, t_ns, n);
        while (mc_analyser_pop(a, &row))
            emit(ctx, &row);
        frames += used * n_channels;
        if (t_ns)
            t_ns += used;
        n -= used;
    }
}
