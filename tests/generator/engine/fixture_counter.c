/* fixture_counter.c: a second module for the generator's tests of ```run blocks, simple enough
 * that every number a run reads is known by hand: x starts at start + seed (so seeds differ) and
 * grows by rate each step; with stop > 0 the run converges (final) at the first step x >= stop.
 * Scalars: x, big = 1000 x, tiny = x / 100000, neg = -x, count = the steps taken (shown as an
 * integer); a markers view that is not a scalar. */
#include <stddef.h>

#include "mlm.h"

typedef struct {
    int start;
    double rate;
    int stop;
} counter_desc;

typedef struct {
    double x;
    float mark[2];
} counter_state;

static const mlm_param counter_params[] = {
    {"start", "Start", MLM_INT, offsetof(counter_desc, start), 0, 1000, 1, 0, 0, NULL, "x before the first step, less the seed"},
    {"rate", "Rate", MLM_FLOAT, offsetof(counter_desc, rate), 0.001, 1000, 0, 1, 0, NULL, "added to x at each step"},
    {"stop", "Stop", MLM_INT, offsetof(counter_desc, stop), 0, 1000000, 1, 0, 0, NULL, "converge when x reaches it (0: never)"},
};

static const mlm_panel counter_panels[] = {
    {"line", "x", "x", "", 0, NULL},
};

static const mlm_view counter_views[] = {
    {"x", NULL, MLM_VIEW_SCALAR, "x", 0, 0},
    {"big", NULL, MLM_VIEW_SCALAR, "1000 x", 0, 0},
    {"tiny", NULL, MLM_VIEW_SCALAR, "x / 100000", 0, 0},
    {"neg", NULL, MLM_VIEW_SCALAR, "-x", 0, 0},
    {"count", NULL, MLM_VIEW_SCALAR, "steps", 0, MLM_SCALAR_INT},
    {"mark", "line", MLM_VIEW_MARKERS, "x", 1, 0},
};

static void *counter_create(mlm_instance *in) {
    const counter_desc *d = in->desc;
    counter_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    s->x = d->start + (double)in->seed;
    return s;
}

static void counter_step(mlm_instance *in, void *self) {
    counter_state *s = self;
    const counter_desc *d = in->desc;
    s->x += d->rate;
    if (d->stop > 0 && s->x >= d->stop) mlm_converged(in, 1, "x reached %d", d->stop);
}

static void counter_draw(mlm_instance *in, void *self) {
    counter_state *s = self;
    in->panels[0] = (mlm_panel_state){0, 10, -1, 1, 0};
    s->mark[0] = (float)s->x;
    s->mark[1] = 0;
    in->views[0].value = (float)s->x;
    in->views[1].value = (float)(1000 * s->x);
    in->views[2].value = (float)(s->x / 100000);
    in->views[3].value = (float)-s->x;
    in->views[4].value = (float)in->steps;
    in->views[5].data = s->mark;
    in->views[5].count = 1;
}

const mlm_module mlm_module_fixture_counter = {
    .name = "fixture_counter",
    .title = "Fixture counter",
    .params = counter_params,
    .n_params = MLM_COUNT(counter_params),
    .desc_size = sizeof(counter_desc),
    .panels = counter_panels,
    .n_panels = MLM_COUNT(counter_panels),
    .views = counter_views,
    .n_views = MLM_COUNT(counter_views),
    .state_bytes = 4096,
    .const_bytes = 0,
    .speed = 10,
    .random = 1,
    .create = counter_create,
    .step = counter_step,
    .draw = counter_draw,
};
