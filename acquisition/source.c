/* SPDX-License-Identifier: MIT */
/* acquisition/source.c: the wrappers that dispatch through a source's ops table. */
#include "acquisition/source.h"

#include <stdlib.h>

mc_status mc_source_read(mc_source *s, mc_source_item *item)
{
    return s->ops->read(s->self, item);
}

void mc_source_stop(mc_source *s)
{
    s->ops->stop(s->self);
}

size_t mc_source_get_n_streams(const mc_source *s)
{
    return s->ops->get_n_streams(s->self);
}

const mc_stream_info *mc_source_get_info(const mc_source *s, size_t stream)
{
    return s->ops->get_info(s->self, stream);
}

uint32_t mc_source_get_max_frames(const mc_source *s, size_t stream)
{
    return s->ops->get_max_frames(s->self, stream);
}

double mc_source_get_block_s(const mc_source *s, size_t stream)
{
    return s->ops->get_block_s(s->self, stream);
}

void mc_source_destroy(mc_source *s)
{
    if (!s)
        return;
    s->ops->destroy(s->self);
    free(s);
}
