/* @STEM@.c: the engine module of the chapter "@TITLE@". Scaffolded: it runs gradient descent
 * on the parabola f(x) = c x^2 / 2 so the widget, the URL state and the tests work from the first
 * minute. Replace the description, the declarations and the three functions with the chapter's
 * algorithm; keep the shape (declare once, create / step / draw, regions marked for weaving).
 *
 * Shapes: CURVE_N points of the curve; the trail and loss histories hold at most HIST points. */
#include <math.h>
#include <stddef.h>

#include "mlm.h"

#define CURVE_N 128
#define HIST 256

typedef struct {
    double lr;        /* learning rate */
    double curvature; /* c in f(x) = c x^2 / 2 */
    double x0;        /* start */
} @STEM@_desc;

typedef struct {
    double x;
    float *curve;     /* (CURVE_N, 2) */
    mlm_series trail; /* (HIST, 2) iterates (x, f(x)) */
    mlm_series loss;  /* (HIST, 2) (step, f(x)) */
    float ball[2];    /* (1, 2) */
} @STEM@_state;

static const mlm_param @STEM@_params[] = {
    {"lr", "Learning rate", MLM_FLOAT, offsetof(@STEM@_desc, lr), 0.001, 3, 0, 0.1, 1, NULL,
     "step size: how far each update moves against the gradient"},
    {"curvature", "Curvature c", MLM_FLOAT, offsetof(@STEM@_desc, curvature), 0.1, 10, 0.1, 1, 0,
     NULL, "second derivative of the parabola"},
    {"x0", "Start x", MLM_FLOAT, offsetof(@STEM@_desc, x0), -4, 4, 0.1, 3, 0, NULL,
     "where descent starts"},
};

static const mlm_panel @STEM@_panels[] = {
    {"curve", "f(x) and the iterates", "x", "f(x)", 0, NULL},
    {"loss", "Loss against step", "step", "f(x)", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

static const mlm_view @STEM@_views[] = {
    {"f", "curve", MLM_VIEW_CURVE, "f(x)", 7, MLM_VIEW_FAINT},
    {"path", "curve", MLM_VIEW_TRAIL, "iterates", 0, 0},
    {"ball", "curve", MLM_VIEW_MARKERS, "x", 5, 0},
    {"loss", "loss", MLM_VIEW_CURVE, "f(x)", 4, 0},
    {"value", NULL, MLM_VIEW_SCALAR, "f(x)", 0, 0},
};

static double @STEM@_f(const @STEM@_desc *d, double x) { return 0.5 * d->curvature * x * x; }

static void *@STEM@_create(mlm_instance *in) {
    const @STEM@_desc *d = in->desc;
    @STEM@_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    s->curve = mlm_alloc(in, sizeof(float) * 2 * CURVE_N);
    if (!s->curve || mlm_series_init(in, &s->trail, HIST) || mlm_series_init(in, &s->loss, HIST))
        return NULL;
    s->x = d->x0;
    for (int i = 0; i < CURVE_N; i++) {
        double x = -4.0 + 8.0 * i / (CURVE_N - 1);
        s->curve[2 * i] = (float)x;
        s->curve[2 * i + 1] = (float)@STEM@_f(d, x);
    }
    mlm_series_push(&s->trail, s->x, @STEM@_f(d, s->x));
    mlm_series_push(&s->loss, 0, @STEM@_f(d, s->x));
    return s;
}

//> step
static void @STEM@_step(mlm_instance *in, void *self) {
    @STEM@_state *s = self;
    const @STEM@_desc *d = in->desc;
    double grad = d->curvature * s->x; /* f'(x) */
    double next = s->x - d->lr * grad;
    if (!isfinite(next) || fabs(next) > 1e6) {
        mlm_diverged(in, 1, "x left every bound at step %lld: lr %.3g is above 2/c = %.3g",
                     (long long)in->steps + 1, d->lr, 2.0 / d->curvature);
        return;
    }
    s->x = next;
    mlm_series_push(&s->trail, s->x, @STEM@_f(d, s->x));
    mlm_series_push(&s->loss, (double)in->steps + 1, @STEM@_f(d, s->x));
    if (fabs(d->curvature * s->x) < 1e-9) mlm_converged(in, 1, "the gradient is below 1e-9");
}
//< step

static void @STEM@_draw(mlm_instance *in, void *self) {
    @STEM@_state *s = self;
    const @STEM@_desc *d = in->desc;
    in->panels[0] = (mlm_panel_state){-4, 4, -0.5f, (float)@STEM@_f(d, 4.0), 0};
    in->views[0].data = s->curve;
    in->views[0].count = CURVE_N;
    mlm_series_view(in, 1, &s->trail);
    s->ball[0] = (float)s->x;
    s->ball[1] = (float)@STEM@_f(d, s->x);
    in->views[2].data = s->ball;
    in->views[2].count = 1;
    mlm_series_view(in, 3, &s->loss);
    in->views[4].value = (float)@STEM@_f(d, s->x);
}

const mlm_module mlm_module_@STEM@ = {
    .name = "@STEM@",
    .title = "@TITLE@",
    .params = @STEM@_params,
    .n_params = MLM_COUNT(@STEM@_params),
    .desc_size = sizeof(@STEM@_desc),
    .panels = @STEM@_panels,
    .n_panels = MLM_COUNT(@STEM@_panels),
    .views = @STEM@_views,
    .n_views = MLM_COUNT(@STEM@_views),
    .state_bytes = 16384,
    .const_bytes = 0,
    .speed = 5,
    .random = 0, /* set to 1 once create or step draws from in->rng */
    .create = @STEM@_create,
    .step = @STEM@_step,
    .draw = @STEM@_draw,
};
