/* test_functions.c: the engine of chapter 5, "A gallery of test functions". It draws one function
 * of the shared gallery (engine/core/testfns.c) as a heatmap with contour lines and its known
 * global minima marked, and runs one optimizer of chapter 4 (engine/core/optim.c, the same code
 * the optimizer race uses) from the function's suggested start or from a point the reader clicks.
 * When the run stops it says where: at the global minimum, in a local minimum (and how far above
 * the global one), or stalled on a saddle point, which the Hessian tells apart.
 *
 * Shapes (floats unless said):
 *   TF_FIELD_N side of the contour grid               field  (TF_FIELD_N, TF_FIELD_N), constant
 *   TF_HIST    points the trail or loss history holds  series (TF_HIST, 2), decimating
 *   the optimizer's state                              doubles (3 * 2), see mlm_opt_bytes
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "detmath.h"
#include "mlm.h"
#include "optim.h"
#include "testfns.h"

#define TF_FIELD_N 120
#define TF_HIST 512
#define TF_TEXT 96

/* Converged: within this of the global minimum's value, or gradient and step both this small. */
#define TF_TOL_F 1e-12
#define TF_TOL 1e-6
/* A value of f - f* this small counts as the global minimum when the run stops. */
#define TF_GLOBAL 1e-6
#define TF_FLOOR 1e-16       /* the log chart draws smaller values of f - f* at this */
#define TF_BOUND 5.0         /* view widths from the view's centre beyond which a run diverged */
#define TF_START_AUTO 11.0   /* the start parameters' default: outside every view (see tf_start) */

typedef struct {
    int fn;          /* gallery function; default Himmelblau */
    int opt;         /* optimizer (mlm_opt_kind); default Adam */
    double lr;       /* learning rate; default 0.05 */
    double momentum; /* momentum, Nesterov; default 0.9 */
    double beta1;    /* Adam family; defaults 0.9, 0.999 */
    double beta2;
    double rho;      /* RMSprop, Adadelta; default 0.9 */
    double px, py;   /* start; default: outside every view, meaning the function's own start */
    int steps;       /* the run stops here if nothing else stopped it; default 3000 */
} tf_desc;

typedef struct {
    const mlm_testfn *t;   /* the function's gallery entry */
    double x[2];           /* the iterate */
    double g[2];           /* the gradient at x */
    double f;              /* f(x) */
    double start[2];
    mlm_opt_hyper hyper;
    mlm_opt_state opt;     /* m, v, u: (2,) each, in the instance block */
    mlm_series trail;      /* (TF_HIST, 2) iterates (x, y) */
    mlm_series loss;       /* (TF_HIST, 2) (step, max(f - f*, TF_FLOOR)) */
    float *field;          /* (TF_FIELD_N, TF_FIELD_N) mlm_testfn_field over the view, constant */
    float minima[2 * MLM_TESTFN_MAX_MINIMA]; /* (n_minima, 2) */
    char where[TF_TEXT];   /* panel text: the function and the current point, written by draw */
} tf_state;

static const mlm_param tf_params[] = {
    {"fn", "Function", MLM_CHOICE, offsetof(tf_desc, fn), 0, MLM_TESTFN_COUNT - 1, 1,
     MLM_TESTFN_HIMMELBLAU, 0, MLM_TESTFN_CHOICES, "the test function"},
    {"opt", "Optimizer", MLM_CHOICE, offsetof(tf_desc, opt), 0, MLM_OPT_COUNT - 1, 1, MLM_OPT_ADAM,
     0, MLM_OPT_CHOICES, "the update rule (chapter 4)"},
    {"lr", "Learning rate η", MLM_FLOAT, offsetof(tf_desc, lr), 1e-5, 3, 0, 0.05, 1, NULL,
     "the step size (for Adadelta a multiplier, 1 in its paper)"},
    {"mu", "Momentum μ", MLM_FLOAT, offsetof(tf_desc, momentum), 0, 0.99, 0.01, 0.9, 0, NULL,
     "momentum and Nesterov: how much of the previous velocity each step keeps"},
    {"beta1", "β₁", MLM_FLOAT, offsetof(tf_desc, beta1), 0, 0.99, 0.01, 0.9, 0, NULL,
     "Adam, Adamax, Nadam, AdamW: decay of the average of gradients"},
    {"beta2", "β₂", MLM_FLOAT, offsetof(tf_desc, beta2), 0.5, 0.9999, 0.0001, 0.999, 0, NULL,
     "Adam, Adamax, Nadam, AdamW: decay of the average of squared gradients"},
    {"rho", "ρ", MLM_FLOAT, offsetof(tf_desc, rho), 0.5, 0.999, 0.001, 0.9, 0, NULL,
     "RMSprop, Adadelta: decay of the average of squared gradients"},
    {"px", "Start x", MLM_FLOAT, offsetof(tf_desc, px), -10, TF_START_AUTO, 0.01, TF_START_AUTO, 0,
     NULL, "x of the start (click the contour); outside the plot, as by default: the "
     "function's own start"},
    {"py", "Start y", MLM_FLOAT, offsetof(tf_desc, py), -10, TF_START_AUTO, 0.01, TF_START_AUTO, 0,
     NULL, "y of the start (click the contour); outside the plot, as by default: the "
     "function's own start"},
    {"steps", "Steps", MLM_INT, offsetof(tf_desc, steps), 100, 20000, 100, 3000, 0, NULL,
     "the run stops after this many steps if it has not converged"},
};

enum { P_CONTOUR, P_LOSS, TF_N_PANELS };

static const mlm_panel tf_panels[] = {
    {"contour", "f(x, y), its minima and the path", "x", "y", MLM_PANEL_EQUAL, "px,py"},
    {"loss", "Distance above the global minimum", "step", "f − f*",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum { V_FIELD, V_MINIMA, V_TRAIL, V_WHERE, V_LOSS, V_HARD, V_GRAD, TF_N_VIEWS };

static const mlm_view tf_views[] = {
    [V_FIELD] = {"field", "contour", MLM_VIEW_FIELD, "f(x, y)", 0, MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR},
    [V_MINIMA] = {"minima", "contour", MLM_VIEW_MARKERS, "global minima", 0, 0},
    [V_TRAIL] = {"path", "contour", MLM_VIEW_TRAIL, "path", 6, 0},
    [V_WHERE] = {"where", "contour", MLM_VIEW_TEXT, "current point", 0, 0},
    [V_LOSS] = {"loss", "loss", MLM_VIEW_CURVE, "f − f*", 6, 0},
    [V_HARD] = {"hard", NULL, MLM_VIEW_TEXT, "what makes it hard", 0, 0},
    [V_GRAD] = {"grad_norm", NULL, MLM_VIEW_SCALAR, "|∇f|", 0, 0},
};

_Static_assert(MLM_COUNT(tf_views) == TF_N_VIEWS, "view enum and table out of step");
_Static_assert(MLM_COUNT(tf_panels) == TF_N_PANELS, "panel enum and table out of step");

/* ---- create ---- */

/* The start: the clicked point when it lies on the function's plot, else the gallery's start. */
static void tf_start(const mlm_testfn *t, double px, double py, double out[2]) {
    int inside = px >= t->x0 && px <= t->x1 && py >= t->y0 && py <= t->y1;
    out[0] = inside ? px : t->start[0];
    out[1] = inside ? py : t->start[1];
}

static double tf_loss_value(const mlm_testfn *t, double f) {
    double d = f - t->fmin;
    return d > TF_FLOOR ? d : TF_FLOOR;
}

static void *tf_create(mlm_instance *in) {
    const tf_desc *d = in->desc;
    tf_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    const mlm_testfn *t = s->t = &mlm_testfns[d->fn];
    double *buf = mlm_alloc(in, mlm_opt_bytes(2));
    if (!buf || mlm_series_init(in, &s->trail, TF_HIST) || mlm_series_init(in, &s->loss, TF_HIST))
        return NULL;
    mlm_opt_init(&s->opt, buf, 2);
    /* PyTorch's defaults for the rule (its eps above all), then the reader's settings. */
    mlm_opt_defaults((mlm_opt_kind)d->opt, &s->hyper);
    s->hyper.lr = d->lr;
    s->hyper.momentum = d->momentum;
    s->hyper.beta1 = d->beta1;
    s->hyper.beta2 = d->beta2;
    s->hyper.rho = d->rho;
    s->hyper.weight_decay = 0; /* no penalty: the gallery is about the functions themselves */

    tf_start(t, d->px, d->py, s->start);
    s->x[0] = s->start[0];
    s->x[1] = s->start[1];
    s->f = mlm_testfn_eval(d->fn, s->x[0], s->x[1], s->g, NULL);
    mlm_series_push(&s->trail, s->x[0], s->x[1]);
    mlm_series_push(&s->loss, 0, tf_loss_value(t, s->f));

    s->field = mlm_alloc_const(in, sizeof(float) * TF_FIELD_N * TF_FIELD_N);
    if (!s->field) return NULL;
    mlm_testfn_field(d->fn, s->field, TF_FIELD_N, TF_FIELD_N, t->x0, t->x1, t->y0, t->y1);
    for (int m = 0; m < t->n_minima; m++) {
        s->minima[2 * m] = (float)t->minima[m][0];
        s->minima[2 * m + 1] = (float)t->minima[m][1];
    }
    return s;
}

/* ---- step ---- */

/* Eigenvalues of the Hessian (h[0] h[1]; h[1] h[2]), smaller first. */
static void tf_eig(const double h[3], double *lo, double *hi) {
    double mid = 0.5 * (h[0] + h[2]), half = 0.5 * (h[0] - h[2]);
    double r = sqrt(half * half + h[1] * h[1]);
    *lo = mid - r;
    *hi = mid + r;
}

/* The run has stopped moving at x: say what kind of point it found. */
//> stopped
static void tf_report_stop(mlm_instance *in, const tf_state *s, int fn) {
    double h[3], lo, hi, above = s->f - s->t->fmin;
    mlm_testfn_eval(fn, s->x[0], s->x[1], NULL, h);
    tf_eig(h, &lo, &hi);
    if (above < TF_GLOBAL)
        mlm_converged(in, 1, "reached a global minimum at (%.4g, %.4g), f = %.6g", s->x[0],
                      s->x[1], s->f);
    else if (lo < 0)
        mlm_converged(in, 1, "stalled on a saddle point at (%.3g, %.3g): the gradient is zero, "
                      "but the Hessian's eigenvalues %.3g and %.3g have opposite signs",
                      s->x[0], s->x[1], lo, hi);
    else
        mlm_converged(in, 1, "trapped in a local minimum at (%.3g, %.3g), f − f* = %.3g above "
                      "the global minimum", s->x[0], s->x[1], above);
}
//< stopped

static void tf_step(mlm_instance *in, void *self) {
    tf_state *s = self;
    const tf_desc *d = in->desc;
    const mlm_testfn *t = s->t;
    int64_t step = in->steps + 1;
    double before[2] = {s->x[0], s->x[1]};
    mlm_opt_step((mlm_opt_kind)d->opt, &s->hyper, &s->opt, s->x, s->g, 2);
    double g[2], f = mlm_testfn_eval(d->fn, s->x[0], s->x[1], g, NULL);
    double cx = 0.5 * (t->x0 + t->x1), cy = 0.5 * (t->y0 + t->y1);
    double bound = TF_BOUND * fmax(t->x1 - t->x0, t->y1 - t->y0);
    if (!mlm_isfinite(f) || !mlm_isfinite(g[0]) || !mlm_isfinite(g[1]) ||
        fabs(s->x[0] - cx) > bound || fabs(s->x[1] - cy) > bound) {
        s->x[0] = before[0]; /* frozen at its last drawable point */
        s->x[1] = before[1];
        double h[3], lo, hi;
        mlm_testfn_eval(d->fn, before[0], before[1], NULL, h);
        tf_eig(h, &lo, &hi);
        double lim = mlm_opt_stable_lr((mlm_opt_kind)d->opt, &s->hyper, hi);
        if (lim > 0 && mlm_isfinite(lim) && d->lr > lim)
            mlm_diverged(in, 1, "%s left the region at step %lld: η = %.3g is above %.3g, its "
                         "stable limit for the curvature %.3g where it last stood",
                         mlm_opt_name[d->opt], (long long)step, d->lr, lim, hi);
        else
            mlm_diverged(in, 1, "%s left the region at step %lld: a step of η = %.3g overshot "
                         "onto ground too steep to come back from", mlm_opt_name[d->opt],
                         (long long)step, d->lr);
        return;
    }
    double moved = mlm_hypot(s->x[0] - before[0], s->x[1] - before[1]);
    s->f = f;
    s->g[0] = g[0];
    s->g[1] = g[1];
    mlm_series_push(&s->trail, s->x[0], s->x[1]);
    mlm_series_push(&s->loss, (double)step, tf_loss_value(t, f));
    if (f - t->fmin < TF_TOL_F || (mlm_hypot(g[0], g[1]) < TF_TOL && moved < TF_TOL)) {
        tf_report_stop(in, s, d->fn);
    } else if (step >= d->steps) {
        /* Still moving: neither converged nor diverged; the step budget is simply used up. */
        mlm_finished(in, "stopped after %d steps, still moving: f − f* = %.3g, |∇f| = %.3g", d->steps,
                     f - t->fmin, mlm_hypot(g[0], g[1]));
    }
}

/* ---- draw ---- */

static void tf_draw(mlm_instance *in, void *self) {
    tf_state *s = self;
    const tf_desc *d = in->desc;
    const mlm_testfn *t = s->t;
    in->panels[P_CONTOUR] = (mlm_panel_state){(float)t->x0, (float)t->x1, (float)t->y0, (float)t->y1, 0};
    /* the grid depends on the function alone, so the function numbers its versions */
    mlm_field_view(in, V_FIELD, s->field, TF_FIELD_N, TF_FIELD_N, t->x0, t->x1, t->y0, t->y1, 1 + (uint32_t)d->fn);
    in->views[V_MINIMA].data = s->minima;
    in->views[V_MINIMA].count = t->n_minima;
    mlm_series_view(in, V_TRAIL, &s->trail);
    mlm_series_view(in, V_LOSS, &s->loss);
    snprintf(s->where, TF_TEXT, "%s: f(%.3g, %.3g) = %.4g", t->name, s->x[0], s->x[1], s->f);
    in->views[V_WHERE].text = s->where;
    in->views[V_HARD].text = (char *)t->hard; /* read only, by the renderer */
    in->views[V_GRAD].value = (float)mlm_hypot(s->g[0], s->g[1]);
}

/* Each rule's own hyperparameters show only while that rule is chosen (mlm_opt_uses says which
   it reads; the test checks the two agree). */
static const mlm_when tf_when[] = {
    {"mu", "opt=momentum|nesterov"},
    {"beta1", "opt=adam|adamax|nadam|adamw"},
    {"beta2", "opt=adam|adamax|nadam|adamw"},
    {"rho", "opt=rmsprop|adadelta"},
};

const mlm_module mlm_module_test_functions = {
    .name = "test_functions",
    .title = "A gallery of test functions",
    .params = tf_params,
    .n_params = MLM_COUNT(tf_params),
    .desc_size = sizeof(tf_desc),
    .panels = tf_panels,
    .n_panels = MLM_COUNT(tf_panels),
    .views = tf_views,
    .n_views = MLM_COUNT(tf_views),
    /* The state, the optimizer's buffers and two series of TF_HIST points. */
    .state_bytes = sizeof(tf_state) + 16 + 3 * 2 * sizeof(double) + 16 +
                   2 * (sizeof(float) * 2 * TF_HIST + 16),
    .const_bytes = sizeof(float) * TF_FIELD_N * TF_FIELD_N + 16,
    .speed = 30,
    .create = tf_create,
    .step = tf_step,
    .draw = tf_draw,
    .when = tf_when,
    .n_when = MLM_COUNT(tf_when),
};
