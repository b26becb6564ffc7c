/* @STEM@.c: the engine module of the chapter "@TITLE@". Scaffolded: it runs gradient descent
 * on the parabola f(x) = c x^2 / 2 so the widget, the URL state and the tests work from the first
 * minute. Replace the description, the declarations and the three functions with the chapter's
 * algorithm; keep the shape (declare once, create / step / draw, regions marked for weaving) and
 * the habits CONTRIBUTING.md asks for, which this file follows:
 *   - every name carries the module's prefix (@STEM@_, @STEMU@_), so no two modules collide;
 *   - view and panel tables use designated initializers indexed by an enum, so draw() names
 *     what it fills;
 *   - what never changes after create (here the curve) goes in the constant block,
 *     mlm_alloc_const, which checkpoints skip;
 *   - a setting that cannot be honoured is refused in create with mlm_fail and a sentence the
 *     reader understands;
 *   - state_bytes and const_bytes are computed from the shapes, never counted by hand.
 *
 * Shapes: @STEMU@_CURVE_N points of the curve; the trail and loss histories hold at most
 * @STEMU@_HIST points each. */
#include <math.h>
#include <stddef.h>

#include "mlm.h"

#define @STEMU@_CURVE_N 128
#define @STEMU@_HIST 256
#define @STEMU@_XMAX 4.0 /* the curve is drawn over [-XMAX, XMAX] */

typedef struct {
    double lr;        /* learning rate */
    double curvature; /* c in f(x) = c x^2 / 2 */
    double x0;        /* start */
} @STEM@_desc;

typedef struct {
    double x;
    const float *curve; /* (CURVE_N, 2) in the constant block */
    mlm_series trail;   /* (HIST, 2) iterates (x, f(x)) */
    mlm_series loss;    /* (HIST, 2) (step, f(x)) */
    float ball[2];      /* (1, 2) */
} @STEM@_state;

static const mlm_param @STEM@_params[] = {
    {"lr", "Learning rate", MLM_FLOAT, offsetof(@STEM@_desc, lr), 0.001, 3, 0, 0.1, 1, NULL,
     "step size: how far each update moves against the gradient"},
    {"curvature", "Curvature c", MLM_FLOAT, offsetof(@STEM@_desc, curvature), 0.1, 10, 0.1, 1, 0,
     NULL, "second derivative of the parabola"},
    {"x0", "Start x", MLM_FLOAT, offsetof(@STEM@_desc, x0), -4, 4, 0.1, 3, 0, NULL,
     "where descent starts"},
};

enum { @STEMU@_P_CURVE, @STEMU@_P_LOSS, @STEMU@_N_PANELS };

static const mlm_panel @STEM@_panels[] = {
    [@STEMU@_P_CURVE] = {"curve", "f(x) and the iterates", "x", "f(x)", 0, NULL},
    [@STEMU@_P_LOSS] = {"loss", "Loss against step", "step", "f(x)",
                        MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum { @STEMU@_V_F, @STEMU@_V_PATH, @STEMU@_V_BALL, @STEMU@_V_LOSS, @STEMU@_V_VALUE, @STEMU@_N_VIEWS };

static const mlm_view @STEM@_views[] = {
    [@STEMU@_V_F] = {"f", "curve", MLM_VIEW_CURVE, "f(x)", MLM_PURPLE, MLM_VIEW_FAINT},
    [@STEMU@_V_PATH] = {"path", "curve", MLM_VIEW_TRAIL, "iterates", MLM_INK, 0},
    [@STEMU@_V_BALL] = {"ball", "curve", MLM_VIEW_MARKERS, "x", MLM_BLUE, 0},
    [@STEMU@_V_LOSS] = {"loss", "loss", MLM_VIEW_CURVE, "f(x)", MLM_YELLOW, 0},
    [@STEMU@_V_VALUE] = {"value", NULL, MLM_VIEW_SCALAR, "f(x)", MLM_INK, 0},
};

_Static_assert(MLM_COUNT(@STEM@_views) == @STEMU@_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(@STEM@_panels) == @STEMU@_N_PANELS, "one declaration per panel");

/* Memory, from the shapes: mlm_alloc rounds every block up to 16 bytes. */
#define @STEMU@_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define @STEMU@_STATE_BYTES \
    (@STEMU@_A16(sizeof(@STEM@_state)) + 2 * @STEMU@_A16(sizeof(float) * 2 * @STEMU@_HIST))
#define @STEMU@_CONST_BYTES @STEMU@_A16(sizeof(float) * 2 * @STEMU@_CURVE_N)

static double @STEM@_f(const @STEM@_desc *d, double x) { return 0.5 * d->curvature * x * x; }

static void *@STEM@_create(mlm_instance *in) {
    const @STEM@_desc *d = in->desc;
    @STEM@_state *s = mlm_alloc(in, sizeof *s);
    float *curve = mlm_alloc_const(in, sizeof(float) * 2 * @STEMU@_CURVE_N);
    if (!s || !curve || mlm_series_init(in, &s->trail, @STEMU@_HIST) ||
        mlm_series_init(in, &s->loss, @STEMU@_HIST)) {
        mlm_fail(in, "out of memory"); /* mlm_alloc's own reason, naming the bound, is kept */
        return NULL;
    }
    /* An example of refusing a setting: a start at the minimum leaves nothing to watch. */
    if (d->x0 == 0) {
        mlm_fail(in, "descent started at the minimum x = 0 never moves: start it elsewhere");
        return NULL;
    }
    for (int i = 0; i < @STEMU@_CURVE_N; i++) {
        double x = -@STEMU@_XMAX + 2 * @STEMU@_XMAX * i / (@STEMU@_CURVE_N - 1);
        curve[2 * i] = (float)x;
        curve[2 * i + 1] = (float)@STEM@_f(d, x);
    }
    s->curve = curve;
    s->x = d->x0;
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
    /* the loss axis is logarithmic: a loss of exactly 0 is drawn at the smallest double */
    mlm_series_push(&s->loss, (double)in->steps + 1, fmax(@STEM@_f(d, s->x), 1e-300));
    if (fabs(d->curvature * s->x) < 1e-9) mlm_converged(in, 1, "the gradient is below 1e-9");
}
//< step

static void @STEM@_draw(mlm_instance *in, void *self) {
    @STEM@_state *s = self;
    const @STEM@_desc *d = in->desc;
    mlm_view_state *v = in->views;
    in->panels[@STEMU@_P_CURVE] = (mlm_panel_state){(float)-@STEMU@_XMAX, (float)@STEMU@_XMAX, -0.5f,
                                                    (float)@STEM@_f(d, @STEMU@_XMAX), 0};
    v[@STEMU@_V_F].data = (float *)s->curve;
    v[@STEMU@_V_F].count = @STEMU@_CURVE_N;
    mlm_series_view(in, @STEMU@_V_PATH, &s->trail);
    s->ball[0] = (float)s->x;
    s->ball[1] = (float)@STEM@_f(d, s->x);
    v[@STEMU@_V_BALL].data = s->ball;
    v[@STEMU@_V_BALL].count = 1;
    mlm_series_view(in, @STEMU@_V_LOSS, &s->loss);
    v[@STEMU@_V_VALUE].value = (float)@STEM@_f(d, s->x);
}

const mlm_module mlm_module_@STEM@ = {
    .name = "@STEM@",
    .title = "@TITLE@",
    .params = @STEM@_params,
    .n_params = MLM_COUNT(@STEM@_params),
    .desc_size = sizeof(@STEM@_desc),
    .panels = @STEM@_panels,
    .n_panels = @STEMU@_N_PANELS,
    .views = @STEM@_views,
    .n_views = @STEMU@_N_VIEWS,
    .state_bytes = @STEMU@_STATE_BYTES,
    .const_bytes = @STEMU@_CONST_BYTES,
    .speed = 5,
    .random = 0, /* set to 1 once create or step draws from in->rng */
    .create = @STEM@_create,
    .step = @STEM@_step,
    .draw = @STEM@_draw,
};
