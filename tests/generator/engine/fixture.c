/* fixture.c: a small engine module that exists only for the generator's tests, so they do not
 * depend on the book's real modules. It declares one parameter of every kind (float with a log
 * scale, int, choice, bool) and marks code regions, nested and broken, for the weaving tests.
 * It does gradient descent on f(x) = x^2 / 2, with optional momentum. */
#include <math.h>
#include <stddef.h>

#include "mlm.h"

typedef struct {
    double lr;  /* learning rate */
    int steps;  /* steps per frame */
    int method; /* 0 plain, 1 momentum */
    int trail;  /* draw the iterates */
    double x0;  /* start */
} fixture_desc;

typedef struct {
    double x, v;
    float point[2]; /* (1, 2) */
} fixture_state;

static const mlm_param fixture_params[] = {
    {"lr", "Learning rate", MLM_FLOAT, offsetof(fixture_desc, lr), 0.001, 3, 0, 0.1, 1, NULL,
     "how far each step moves against the gradient"},
    {"steps", "Steps per frame", MLM_INT, offsetof(fixture_desc, steps), 1, 100, 1, 10, 0, NULL,
     "training steps between two drawings"},
    {"method", "Method", MLM_CHOICE, offsetof(fixture_desc, method), 0, 1, 1, 0, 0,
     "plain:Plain gradient|momentum:Momentum", "which update rule"},
    {"trail", "Show the path", MLM_BOOL, offsetof(fixture_desc, trail), 0, 1, 1, 1, 0, NULL,
     "draw every iterate, not only the last"},
    {"x0", "Start <x>", MLM_FLOAT, offsetof(fixture_desc, x0), -4, 4, 0.5, -2, 0, NULL,
     "where descent starts & \"why\""},
};

static const mlm_panel fixture_panels[] = {
    {"plot", "f(x) = x\xC2\xB2 / 2", "x", "f(x)", MLM_PANEL_EQUAL, "x0,lr"},
};

static const mlm_view fixture_views[] = {
    {"point", "plot", MLM_VIEW_MARKERS, "x", 1, MLM_VIEW_LEGEND},
    {"loss", NULL, MLM_VIEW_SCALAR, "loss", 0, 0},
};

static void *fixture_create(mlm_instance *in) {
    const fixture_desc *d = in->desc;
    fixture_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    s->x = d->x0;
    return s;
}

//> step
static void fixture_step(mlm_instance *in, void *self) {
    fixture_state *s = self;
    const fixture_desc *d = in->desc;
    double grad = s->x; /* f'(x) = x */
    //> update
    if (d->method == 1) {
        s->v = 0.9 * s->v - d->lr * grad; // momentum: "heavy ball"
        s->x += s->v;
    } else {
        s->x -= d->lr * grad;
    }
    //< update
    if (!isfinite(s->x)) mlm_diverged(in, 1, "x is not finite at step %lld", (long long)in->steps);
    else if (fabs(s->x) < 1e-12 && s->v == 0.0) mlm_converged(in, 1, "x < 1e-12");
}
//< step

static void fixture_draw(mlm_instance *in, void *self) {
    fixture_state *s = self;
    in->panels[0] = (mlm_panel_state){-4, 4, -4, 4, 0};
    s->point[0] = (float)s->x;
    s->point[1] = (float)(0.5 * s->x * s->x);
    in->views[0].data = s->point;
    in->views[0].count = 1;
    in->views[1].value = s->point[1];
}

const mlm_module mlm_module_fixture = {
    .name = "fixture",
    .title = "Fixture descent",
    .params = fixture_params,
    .n_params = MLM_COUNT(fixture_params),
    .desc_size = sizeof(fixture_desc),
    .panels = fixture_panels,
    .n_panels = MLM_COUNT(fixture_panels),
    .views = fixture_views,
    .n_views = MLM_COUNT(fixture_views),
    .state_bytes = 4096,
    .const_bytes = 0,
    .speed = 10,
    .create = fixture_create,
    .step = fixture_step,
    .draw = fixture_draw,
};

/* A region that is opened and never closed, for the error test. */
//> broken
/* nothing below closes it */
