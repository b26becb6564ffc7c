/* newton.c: the engine of chapter 3, "Newton's method". One module serves the chapter's widgets,
 * chosen by the `scene` parameter:
 *
 *   1d  Newton's method on a function of one variable. At the current point x the widget draws
 *       the quadratic Taylor model m(p) = f + f' p + f'' p^2 / 2 (dashed), the model's stationary
 *       point x - f'/f'' where plain Newton jumps next, the iterates, and the distance to the
 *       nearest stationary point on a log scale (near a minimum the digits double every step).
 *   2d  Newton's method and gradient descent racing from the same start on one function of the
 *       shared gallery (engine/core/testfns.c), over its contours, with both losses on a log scale.
 *
 * Both scenes share the step rule: the Newton step p solves f'' p = -f' (1-D) or H p = -grad f
 * (2-D); damping takes only a fraction alpha of it; the optional safeguard replaces p by the
 * steepest-descent direction where the curvature is not positive, and backtracks (halves the
 * step) until f has decreased enough. Without the safeguard Newton goes wherever the model's
 * stationary point is: a minimum, a maximum, a saddle, or (where the curvature is tiny) very far.
 *
 * Shapes (floats unless said):
 *   NEWTON_CURVE_N  points of the 1-D function's curve     curve  (NEWTON_CURVE_N, 2), constant
 *   NEWTON_MODEL_N  points of the quadratic model's curve   model  (NEWTON_MODEL_N, 2)
 *   NEWTON_HIST     points a trail or history holds         series (NEWTON_HIST, 2), decimating
 *   NEWTON_FIELD_N  side of the 2-D function's grid         field  (NEWTON_FIELD_N, NEWTON_FIELD_N)
 *   MLM_TESTFN_MAX_MINIMA  known minima of a 2-D function   minima (4, 2)
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "testfns.h"

_Static_assert(MLM_TESTFN_MAX_MINIMA <= 4, "newton_state.minima holds four (x, y) pairs");

#define NEWTON_CURVE_N 241
#define NEWTON_MODEL_N 121
#define NEWTON_HIST 512
#define NEWTON_FIELD_N 96
#define NEWTON_TEXT 96

/* A run has converged when its step is this small relative to the iterate: far below anything
   a plot can show, and (for undamped Newton near a minimum) the point at which the next step
   would only shuffle rounding errors. */
#define NEWTON_TOL 1e-12
/* Gradient descent never takes steps that small near a minimum (they shrink only geometrically),
   so the racer stops, as in chapter 1, when its gradient is this flat. */
#define NEWTON_GD_TOL 1e-6
/* An iterate beyond this has left every picture for good: the run is reported as diverged. */
#define NEWTON_XMAX 1e6
/* The 1-D panel shows x in [-NEWTON1_XLIM, NEWTON1_XLIM]; starts are chosen there too. */
#define NEWTON1_XLIM 4.0
/* Backtracking: accept a step when f drops by at least this fraction of what the slope promises
   (Armijo's condition), halving the step at most NEWTON_HALVINGS times. */
#define NEWTON_ARMIJO 1e-4
#define NEWTON_HALVINGS 60
/* Errors and losses are drawn on log axes; exact zeros are drawn at this floor (the precision of
   a double near 1) instead of vanishing from the plot. */
#define NEWTON_FLOOR 1e-16

enum { NEWTON_SCENE_1D, NEWTON_SCENE_2D };
enum { NEWTON_QUARTIC, NEWTON_SOFTABS, NEWTON_QUADRATIC };  /* 1-D functions */
enum { NEWTON_PLAIN, NEWTON_SEARCH };                        /* safeguard */
enum { NEWTON_RUNNING, NEWTON_DONE, NEWTON_BLOWN };          /* a run's state */

typedef struct {
    int scene;        /* NEWTON_SCENE_*; default 1d */
    double damping;   /* alpha in (0, 1]: the fraction of the Newton step taken; default 1 */
    int safeguard;    /* NEWTON_PLAIN (default) or NEWTON_SEARCH */
    int fn1;          /* 1-D function; default the quartic with two minima */
    double x0;        /* 1-D start; default 3.5 */
    int fn2;          /* 2-D function: index into the gallery; default Rosenbrock */
    double px, py;    /* 2-D start, set by a click on the contour; default (-1.2, 1) */
    double lr;        /* the racing gradient descent's learning rate; default 0.001 */
} newton_desc;

/* One run in the plane: Newton's or gradient descent's. */
typedef struct {
    double p[2];         /* the iterate (x, y) */
    int state;           /* NEWTON_RUNNING / NEWTON_DONE / NEWTON_BLOWN */
    int64_t end_step;    /* the step at which it stopped */
    mlm_series trail;    /* (NEWTON_HIST, 2) iterates (x, y) */
    mlm_series loss;     /* (NEWTON_HIST, 2) (step, f - fmin), floored */
} newton_run2;

typedef struct {
    /* 1-D scene */
    double x;                          /* the iterate */
    int state1;                        /* NEWTON_RUNNING / NEWTON_DONE / NEWTON_BLOWN */
    mlm_series trail1;                 /* (NEWTON_HIST, 2) iterates (x, f(x)) */
    mlm_series err1;                   /* (NEWTON_HIST, 2) (step, |x - x*|), floored */
    float *curve;                      /* (NEWTON_CURVE_N, 2) (x, f(x)), constant */
    float model[2 * NEWTON_MODEL_N];   /* (NEWTON_MODEL_N, 2) the quadratic model at x */
    float target[2];                   /* (1, 2) the model's stationary point (x - f'/f'', m) */
    char now1[NEWTON_TEXT];            /* the numbers at the current point */
    char last1[NEWTON_TEXT];           /* the numbers of the last step */
    /* 2-D scene */
    newton_run2 newton, gd;
    float *field;                      /* (NEWTON_FIELD_N, NEWTON_FIELD_N) constant, row 0 at y0 */
    float minima[2 * 4];               /* (4, 2) the gallery's known minima */
    int n_minima;
    char note2[NEWTON_TEXT];           /* what Newton's Hessian says at its iterate */
    char gd2[NEWTON_TEXT];             /* where gradient descent is */
} newton_state;

/* The functions come first so that they head the controls. */
static const mlm_param newton_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(newton_desc, scene), 0, 1, 1, NEWTON_SCENE_1D, 0,
     "1d:The quadratic model in 1-D|2d:Newton against gradient descent in 2-D",
     "one variable with its quadratic model, or a race on a 2-D function"},
    {"fn1", "Function", MLM_CHOICE, offsetof(newton_desc, fn1), 0, 2, 1, NEWTON_QUARTIC, 0,
     "quartic:Two minima (quartic)|softabs:√(1+x²) − 1|quadratic:A quadratic",
     "the 1-D function: chapter 1's quartic, a smoothed |x|, or a parabola"},
    {"fn2", "Function", MLM_CHOICE, offsetof(newton_desc, fn2), 0, MLM_TESTFN_COUNT - 1, 1,
     MLM_TESTFN_ROSENBROCK, 0, MLM_TESTFN_CHOICES, "the 2-D function, from the book's gallery"},
    {"damping", "Damping α", MLM_FLOAT, offsetof(newton_desc, damping), 0.05, 1, 0.05, 1, 0, NULL,
     "each step goes α times the Newton step; 1 is plain Newton"},
    {"safeguard", "Safeguard", MLM_CHOICE, offsetof(newton_desc, safeguard), 0, 1, 1, NEWTON_PLAIN,
     0, "none:None (plain Newton)|search:Line search, −gradient where curvature ≤ 0",
     "none, or: go downhill where the curvature is not positive and halve steps until f drops"},
    {"x0", "Start x₀", MLM_FLOAT, offsetof(newton_desc, x0), -NEWTON1_XLIM, NEWTON1_XLIM, 0.01, 3.5,
     0, NULL, "where the 1-D run starts"},
    {"px", "Start x", MLM_FLOAT, offsetof(newton_desc, px), -10, 10, 0.01, -1.2, 0, NULL,
     "x of the 2-D start (click the contour plot to set it)"},
    {"py", "Start y", MLM_FLOAT, offsetof(newton_desc, py), -10, 10, 0.01, 1, 0, NULL,
     "y of the 2-D start (click the contour plot to set it)"},
    {"lr", "Descent's learning rate η", MLM_FLOAT, offsetof(newton_desc, lr), 1e-5, 1, 0, 1e-3, 1,
     NULL, "the step size of the gradient descent that races Newton"},
};

enum { P_MODEL, P_ERR1, P_CONTOUR, P_LOSS2, NEWTON_N_PANELS };

static const mlm_panel newton_panels[] = {
    {"model", "f, its quadratic model at x, and the iterates", "x", "f(x)", 0, NULL},
    {"err1", "Distance to the nearest stationary point", "step", "|x − x*|",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
    {"contour", "Newton against gradient descent", "x", "y", MLM_PANEL_EQUAL, "px,py"},
    {"loss2", "Loss against step", "step", "f − f_min",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_F1, V_MODEL1, V_TARGET1, V_TRAIL1, V_NOW1, V_LAST1, V_ERR1, V_FX1, V_SLOPE1,
    V_FIELD, V_MINIMA, V_TRAIL_N, V_TRAIL_GD, V_NOTE2, V_GD2, V_LOSS_N, V_LOSS_GD, V_FN2, V_FGD2,
    NEWTON_N_VIEWS
};

static const mlm_view newton_views[] = {
    /* Two legend entries only: on a phone a longer legend hides the curve. The faint curve is
       plainly f, and the cross is explained by the chapter. */
    {"f1", "model", MLM_VIEW_CURVE, "f(x)", 0, MLM_VIEW_FAINT},
    {"model1", "model", MLM_VIEW_CURVE, "quadratic model", 5, MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    {"target1", "model", MLM_VIEW_MARKERS, "model's stationary point", 3, 0},
    {"trail1", "model", MLM_VIEW_TRAIL, "iterates", 6, MLM_VIEW_LEGEND},
    {"now1", "model", MLM_VIEW_TEXT, "at x", 0, 0},
    {"last1", "model", MLM_VIEW_TEXT, "last step", 0, 0},
    {"err1", "err1", MLM_VIEW_CURVE, "|x − x*|", 6, 0},
    {"fx1", NULL, MLM_VIEW_SCALAR, "f(x)", 6, 0},
    {"slope1", NULL, MLM_VIEW_SCALAR, "|f′(x)|", 6, 0},
    {"field", "contour", MLM_VIEW_FIELD, "f(x, y)", 0, MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR},
    {"minima", "contour", MLM_VIEW_MARKERS, "minima", 3, MLM_VIEW_LEGEND},
    {"trail_newton", "contour", MLM_VIEW_TRAIL, "Newton", 6, MLM_VIEW_LEGEND},
    {"trail_gd", "contour", MLM_VIEW_TRAIL, "gradient descent", 5, MLM_VIEW_LEGEND},
    {"note2", "contour", MLM_VIEW_TEXT, "Newton", 0, 0},
    {"gd2", "contour", MLM_VIEW_TEXT, "gradient descent", 0, 0},
    {"loss_newton", "loss2", MLM_VIEW_CURVE, "Newton", 6, MLM_VIEW_LEGEND},
    {"loss_gd", "loss2", MLM_VIEW_CURVE, "gradient descent", 5, MLM_VIEW_LEGEND},
    {"f_newton", NULL, MLM_VIEW_SCALAR, "f (Newton)", 6, 0},
    {"f_gd", NULL, MLM_VIEW_SCALAR, "f (descent)", 5, 0},
};

_Static_assert(MLM_COUNT(newton_views) == NEWTON_N_VIEWS, "view enum and table out of step");
_Static_assert(MLM_COUNT(newton_panels) == NEWTON_N_PANELS, "panel enum and table out of step");

/* ---- the 1-D functions and their exact derivatives ---- */

//> functions
/* quartic:   f = (x+2)^2 (x^2 - 14x/3 + 20/3) / 20      (chapter 1's function with two minima)
 *            f'  = (x+2)(x-1/2)(x-2) / 5                minima at -2 and 2, a maximum at 1/2
 *            f'' = (3x^2 - x - 4) / 5 = (3x-4)(x+1) / 5  negative on (-1, 4/3)
 * softabs:   f = sqrt(1 + x^2) - 1                       (|x| with its corner rounded off)
 *            f'  = x / sqrt(1 + x^2)
 *            f'' = (1 + x^2)^(-3/2)                      positive, but tiny far from 0
 * quadratic: f = (x - 1)^2 / 4,  f' = (x - 1) / 2,  f'' = 1/2 */
static double newton1_f(int fn, double x) {
    switch (fn) {
    /* sqrt(1 + x^2) - 1, written without the cancellation that would round it to 0 near x = 0
       (a line search compares such values) */
    case NEWTON_SOFTABS: return x * x / (sqrt(1 + x * x) + 1);
    case NEWTON_QUADRATIC: return 0.25 * (x - 1) * (x - 1);
    default: return 0.05 * (x + 2) * (x + 2) * (x * x - 14.0 / 3.0 * x + 20.0 / 3.0);
    }
}

static double newton1_grad(int fn, double x) {
    switch (fn) {
    case NEWTON_SOFTABS: return x / sqrt(1 + x * x);
    case NEWTON_QUADRATIC: return 0.5 * (x - 1);
    default: return 0.2 * (x + 2) * (x - 0.5) * (x - 2);
    }
}

static double newton1_curv(int fn, double x) {
    switch (fn) {
    case NEWTON_SOFTABS: {
        double r = sqrt(1 + x * x);
        return 1 / (r * r * r);
    }
    case NEWTON_QUADRATIC: return 0.5;
    default: return 0.2 * (3 * x * x - x - 4);
    }
}
//< functions

/* The stationary points (f' = 0) of each 1-D function; the error plot measures the distance to
   the nearest one, which is where a Newton run that converges ends up. */
static double newton1_nearest(int fn, double x) {
    if (fn == NEWTON_SOFTABS) return 0;
    if (fn == NEWTON_QUADRATIC) return 1;
    static const double st[3] = {-2, 0.5, 2};
    double best = st[0];
    for (int i = 1; i < 3; i++)
        if (fabs(x - st[i]) < fabs(x - best)) best = st[i];
    return best;
}

/* The 1-D panel's y range per function: the interesting part of the curve. */
static const float newton1_ylo[3] = {-0.6f, -0.35f, -0.5f}, newton1_yhi[3] = {5.0f, 3.3f, 6.5f};

/* A float for a view buffer: finite always (views never see inf or NaN), clamped to a range the
   renderer can place. */
static float newton_f32(double v) {
    if (!mlm_isfinite(v)) return 0.0f;
    return (float)mlm_clamp(v, -1e30, 1e30);
}

/* An error or loss for a log plot: at least NEWTON_FLOOR, at most what a float holds comfortably
   (Goldstein-Price reaches 1e40 long before its iterate counts as diverged). */
static double newton_floor(double v) {
    return mlm_isfinite(v) && v > NEWTON_FLOOR ? fmin(v, 1e30) : NEWTON_FLOOR;
}

/* ---- create ---- */

static void newton1_text_now(newton_state *s, int fn) {
    /* + 0.0 turns a negative zero into 0, which reads better than "-0". */
    snprintf(s->now1, NEWTON_TEXT, "x = %.6g   f′ = %.3g   f″ = %.3g", s->x + 0.0,
             newton1_grad(fn, s->x) + 0.0, newton1_curv(fn, s->x));
}

static void *newton_create(mlm_instance *in) {
    const newton_desc *d = in->desc;
    newton_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;

    /* 1-D: the start, its histories, and the curve it walks on. */
    if (mlm_series_init(in, &s->trail1, NEWTON_HIST) || mlm_series_init(in, &s->err1, NEWTON_HIST))
        return NULL;
    s->x = d->x0;
    s->state1 = NEWTON_RUNNING;
    mlm_series_push(&s->trail1, s->x, newton1_f(d->fn1, s->x));
    mlm_series_push(&s->err1, 0, newton_floor(fabs(s->x - newton1_nearest(d->fn1, s->x))));
    newton1_text_now(s, d->fn1);
    snprintf(s->last1, NEWTON_TEXT, "start: press Step for one Newton step");
    s->curve = mlm_alloc_const(in, sizeof(float) * 2 * NEWTON_CURVE_N);
    if (!s->curve) return NULL;
    for (int i = 0; i < NEWTON_CURVE_N; i++) {
        double x = -NEWTON1_XLIM + 2 * NEWTON1_XLIM * i / (NEWTON_CURVE_N - 1);
        s->curve[2 * i] = (float)x;
        s->curve[2 * i + 1] = (float)newton1_f(d->fn1, x);
    }

    /* 2-D: both racers start at the clicked point; the contour grid covers the gallery's view. */
    const mlm_testfn *t = &mlm_testfns[d->fn2];
    newton_run2 *runs[2] = {&s->newton, &s->gd};
    for (int r = 0; r < 2; r++) {
        newton_run2 *run = runs[r];
        if (mlm_series_init(in, &run->trail, NEWTON_HIST) ||
            mlm_series_init(in, &run->loss, NEWTON_HIST))
            return NULL;
        run->p[0] = d->px;
        run->p[1] = d->py;
        run->state = NEWTON_RUNNING;
        mlm_series_push(&run->trail, d->px, d->py);
        mlm_series_push(&run->loss, 0,
                        newton_floor(mlm_testfn_eval(d->fn2, d->px, d->py, NULL, NULL) - t->fmin));
    }
    snprintf(s->note2, NEWTON_TEXT, "Newton: start at (%.3g, %.3g)", d->px, d->py);
    snprintf(s->gd2, NEWTON_TEXT, "descent: η = %.3g", d->lr);
    s->field = mlm_alloc_const(in, sizeof(float) * NEWTON_FIELD_N * NEWTON_FIELD_N);
    if (!s->field) return NULL;
    mlm_testfn_field(d->fn2, s->field, NEWTON_FIELD_N, NEWTON_FIELD_N, t->x0, t->x1, t->y0, t->y1);
    s->n_minima = t->n_minima;
    for (int k = 0; k < t->n_minima; k++) {
        s->minima[2 * k] = (float)t->minima[k][0];
        s->minima[2 * k + 1] = (float)t->minima[k][1];
    }
    return s;
}

/* ---- 1-D step ---- */

//> model
/* The second-order Taylor model of f at x, as a function of the step p:
   m(p) = f(x) + f'(x) p + f''(x) p^2 / 2. Setting m'(p) = f' + f'' p = 0 gives its
   stationary point p = -f'/f'': the bottom of the parabola when f'' > 0, its top
   when f'' < 0. */
static double newton1_model(double f, double g, double h, double p) {
    return f + g * p + 0.5 * h * p * p;
}
//< model

/* f at a point of the active scene: (x) in 1-D, (x, y) in 2-D. */
static double newton_eval(const newton_desc *d, int two, double x, double y) {
    return two ? mlm_testfn_eval(d->fn2, x, y, NULL, NULL) : newton1_f(d->fn1, x);
}

//> backtrack
/* Backtracking line search (Armijo's rule): from the fraction t, halve it until
   f(x + t v) <= f(x) + c t (grad f . v), that is until f drops by at least a small
   share c of what the slope promises. For a descent direction the slope is negative
   and some small t always passes; if none does within NEWTON_HALVINGS halvings, v is
   no descent direction to working precision, and the run stays put (t = 0). */
static double newton_backtrack(const newton_desc *d, int two, const double x[2],
                               const double v[2], double f, double slope, double t) {
    for (int i = 0; i <= NEWTON_HALVINGS; i++, t *= 0.5) {
        double ft = newton_eval(d, two, x[0] + t * v[0], x[1] + t * v[1]);
        /* (false for NaN: keep halving) */
        if (ft <= f + NEWTON_ARMIJO * t * slope) return t;
    }
    return 0;
}
//< backtrack

/* A move: the direction v (the Newton step, or -grad f as a fallback) and the fraction t of it
   taken; the iterate goes to x + t v. */
typedef struct {
    double v[2];
    double t;
    int fallback; /* 1: the curvature was not positive, so v is -grad f */
} newton_move;

//> newton_step
static newton_move newton1_move(const newton_desc *d, double x) {
    double f = newton1_f(d->fn1, x);
    double g = newton1_grad(d->fn1, x); /* f'(x) */
    double h = newton1_curv(d->fn1, x); /* f''(x) */
    newton_move m = {{0, 0}, 0, 0};
    /* The Newton step: to the stationary point of the model. */
    m.v[0] = -g / h;
    //> damping
    /* Damped Newton: take only the fraction alpha of it. */
    m.t = d->damping;
    //< damping
    //> safeguard
    if (d->safeguard == NEWTON_SEARCH) {
        /* No minimum in the model, and -f'/f'' may point uphill: use the slope. */
        if (!(h > 0)) {
            m.v[0] = -g;
            m.fallback = 1;
        }
        double at[2] = {x, 0};
        m.t = newton_backtrack(d, 0, at, m.v, f, g * m.v[0], m.t);
    }
    //< safeguard
    return m;
}
//< newton_step

static void newton1_step(mlm_instance *in, newton_state *s) {
    const newton_desc *d = in->desc;
    int64_t k = in->steps + 1;
    if (s->state1 != NEWTON_RUNNING) return;
    double x = s->x;
    newton_move m = newton1_move(d, x);
    double next = x + m.t * m.v[0];
    if (d->safeguard == NEWTON_PLAIN)
        snprintf(s->last1, NEWTON_TEXT, "step −f′/f″ = %.4g, α = %.2g → x = %.6g", m.v[0] + 0.0, m.t,
                 next + 0.0);
    else
        snprintf(s->last1, NEWTON_TEXT, "%s = %.4g, t = %.3g → x = %.6g",
                 m.fallback ? "f″ ≤ 0, so −f′" : "step −f′/f″", m.v[0] + 0.0, m.t, next + 0.0);
    if (!mlm_isfinite(next) || fabs(next) > NEWTON_XMAX) {
        /* Freeze the run where it last was: its trail keeps only finite, drawable points. */
        s->state1 = NEWTON_BLOWN;
        double h = newton1_curv(d->fn1, x);
        snprintf(s->last1, NEWTON_TEXT, "step %lld would jump to %.3g: stopped", (long long)k, next);
        if (h == 0)
            mlm_diverged(in, 1, "at x = %.4g the curvature f″ is exactly 0: the quadratic model is "
                         "a straight line with no stationary point to jump to", x);
        else if (d->fn1 == NEWTON_SOFTABS && d->damping == 1 && d->safeguard == NEWTON_PLAIN)
            mlm_diverged(in, 1, "on √(1+x²) Newton's update is x ← −x³: from |x| > 1 each step "
                         "cubes the distance, and x = %.4g would jump to %.3g. Far out f″ is "
                         "tiny, the model too flat", x, next);
        else
            mlm_diverged(in, 1, "from x = %.4g the step would reach %.3g: where f″ = %.2g is this "
                         "small, the model is nearly flat and its stationary point far away",
                         x, next, h);
        return;
    }
    double step = next - x;
    s->x = next;
    mlm_series_push(&s->trail1, next, newton1_f(d->fn1, next));
    mlm_series_push(&s->err1, (double)k, newton_floor(fabs(next - newton1_nearest(d->fn1, next))));
    newton1_text_now(s, d->fn1);
    if (fabs(step) <= NEWTON_TOL * fmax(1.0, fabs(next))) {
        s->state1 = NEWTON_DONE;
        double h = newton1_curv(d->fn1, next), g = newton1_grad(d->fn1, next) + 0.0;
        if (h > 0)
            mlm_converged(in, 1, "the step fell below 10⁻¹² at x = %.10g, a minimum (f′ = %.2g, "
                          "f″ = %.3g > 0)", next, g, h);
        else
            mlm_converged(in, 1, "Newton's method settled at x = %.10g, where f′ = %.2g but "
                          "f″ = %.3g < 0: a maximum, not a minimum. Newton seeks f′ = 0, not low f",
                          next, g, h);
    }
}

/* ---- 2-D step ---- */

//> newton_step2d
/* One Newton step in the plane from p. */
static newton_move newton2_move(const newton_desc *d, const double p[2]) {
    double g[2], h[3];
    double f = mlm_testfn_eval(d->fn2, p[0], p[1], g, h);
    newton_move m = {{0, 0}, d->damping, 0};
    /* Solve H v = -grad f for the symmetric H = (h0 h1; h1 h2) by Cramer's rule:
       H^-1 = (h2 -h1; -h1 h0) / det H. */
    double det = h[0] * h[2] - h[1] * h[1];
    m.v[0] = -(h[2] * g[0] - h[1] * g[1]) / det;
    m.v[1] = -(h[0] * g[1] - h[1] * g[0]) / det;
    if (d->safeguard == NEWTON_SEARCH) {
        /* H is positive definite exactly when h0 > 0 and det H > 0: only then does
           the model have a minimum. Otherwise go straight downhill. */
        if (!(h[0] > 0 && det > 0)) {
            m.v[0] = -g[0];
            m.v[1] = -g[1];
            m.fallback = 1;
        }
        double slope = g[0] * m.v[0] + g[1] * m.v[1];
        m.t = newton_backtrack(d, 1, p, m.v, f, slope, m.t);
    }
    return m;
}
//< newton_step2d

/* What the Hessian of function fn says about the point (x, y): 1 positive definite (a minimum,
   when the gradient vanishes there), -1 negative definite (a maximum), 0 neither (a saddle, or
   a degenerate point). */
static int newton2_kind(int fn, double x, double y) {
    double h[3];
    mlm_testfn_eval(fn, x, y, NULL, h);
    double det = h[0] * h[2] - h[1] * h[1];
    return det > 0 ? (h[0] > 0 ? 1 : -1) : 0;
}

static int newton2_pd(int fn, double x, double y) { return newton2_kind(fn, x, y) == 1; }

/* A run in the plane left the picture for good (or stopped being a number). */
static int newton2_blown(double x, double y) {
    return !mlm_isfinite(x) || !mlm_isfinite(y) || fabs(x) > NEWTON_XMAX || fabs(y) > NEWTON_XMAX;
}

static void newton2_accept(newton_run2 *r, int fn, double x, double y, int64_t k) {
    r->p[0] = x;
    r->p[1] = y;
    mlm_series_push(&r->trail, x, y);
    mlm_series_push(&r->loss, (double)k,
                    newton_floor(mlm_testfn_eval(fn, x, y, NULL, NULL) - mlm_testfns[fn].fmin));
}

/* Newton's step in the race. Returns 1 when the run stopped in this step. */
static int newton2_step_newton(const newton_desc *d, newton_state *s, int64_t k) {
    newton_run2 *r = &s->newton;
    int pd = newton2_pd(d->fn2, r->p[0], r->p[1]);
    newton_move m = newton2_move(d, r->p);
    double dp[2] = {m.t * m.v[0], m.t * m.v[1]};
    double x = r->p[0] + dp[0], y = r->p[1] + dp[1];
    if (newton2_blown(x, y)) {
        r->state = NEWTON_BLOWN;
        r->end_step = k;
        snprintf(s->note2, NEWTON_TEXT, "Newton: diverged at step %lld", (long long)k);
        return 1;
    }
    double size = sqrt(dp[0] * dp[0] + dp[1] * dp[1]);
    newton2_accept(r, d->fn2, x, y, k);
    if (size <= NEWTON_TOL * fmax(1.0, sqrt(x * x + y * y))) {
        r->state = NEWTON_DONE;
        r->end_step = k;
        int kind = newton2_kind(d->fn2, x, y);
        snprintf(s->note2, NEWTON_TEXT, "Newton: stopped at (%.3g, %.3g), a %s", x + 0.0, y + 0.0,
                 kind > 0 ? "minimum" : kind < 0 ? "maximum" : "saddle point");
        return 1;
    }
    if (pd)
        snprintf(s->note2, NEWTON_TEXT, "Newton: H positive definite, step %.3g", size);
    else if (d->safeguard == NEWTON_SEARCH)
        snprintf(s->note2, NEWTON_TEXT, "Newton: H not positive definite → −∇f");
    else
        snprintf(s->note2, NEWTON_TEXT, "Newton: H not positive definite (no minimum)");
    return 0;
}

/* Gradient descent, the racer: p <- p - lr grad f(p), exactly as in chapter 1. */
static int newton2_step_gd(const newton_desc *d, newton_state *s, int64_t k) {
    newton_run2 *r = &s->gd;
    double g[2];
    mlm_testfn_eval(d->fn2, r->p[0], r->p[1], g, NULL);
    //> racer
    double x = r->p[0] - d->lr * g[0], y = r->p[1] - d->lr * g[1];
    //< racer
    if (newton2_blown(x, y)) {
        r->state = NEWTON_BLOWN;
        r->end_step = k;
        snprintf(s->gd2, NEWTON_TEXT, "descent: diverged at step %lld", (long long)k);
        return 1;
    }
    newton2_accept(r, d->fn2, x, y, k);
    mlm_testfn_eval(d->fn2, x, y, g, NULL);
    double gn = sqrt(g[0] * g[0] + g[1] * g[1]);
    snprintf(s->gd2, NEWTON_TEXT, "descent: |∇f| = %.3g", gn);
    if (gn < NEWTON_GD_TOL) {
        r->state = NEWTON_DONE;
        r->end_step = k;
        return 1;
    }
    return 0;
}

/* What became of a finished run, as the end of a sentence; `when` adds the step. */
static void newton2_fate(const newton_desc *d, const newton_run2 *r, int when, char *buf, size_t n) {
    char at[40] = "";
    if (when) snprintf(at, sizeof at, " at step %lld", (long long)r->end_step);
    int kind = newton2_kind(d->fn2, r->p[0], r->p[1]);
    if (r->state == NEWTON_BLOWN)
        snprintf(buf, n, "diverged%s", at);
    else if (kind > 0)
        snprintf(buf, n, "reached the minimum (%.4g, %.4g)%s", r->p[0] + 0.0, r->p[1] + 0.0, at);
    else
        snprintf(buf, n, "stopped at (%.3g, %.3g)%s, a %s", r->p[0] + 0.0, r->p[1] + 0.0, at,
                 kind < 0 ? "maximum" : "saddle point");
}

static void newton2_step(mlm_instance *in, newton_state *s) {
    const newton_desc *d = in->desc;
    int64_t k = in->steps + 1;
    int n_stop = s->newton.state == NEWTON_RUNNING && newton2_step_newton(d, s, k);
    int g_stop = s->gd.state == NEWTON_RUNNING && newton2_step_gd(d, s, k);
    if (!n_stop && !g_stop) return;

    char nf[100], gf[100];
    int both = s->newton.state != NEWTON_RUNNING && s->gd.state != NEWTON_RUNNING;
    /* The status line already shows the step of this report; the final summary names both. */
    newton2_fate(d, &s->newton, both, nf, sizeof nf);
    newton2_fate(d, &s->gd, both, gf, sizeof gf);
    int blown = s->newton.state == NEWTON_BLOWN || s->gd.state == NEWTON_BLOWN;
    if (both) {
        if (blown) mlm_diverged(in, 1, "Newton %s; gradient descent %s", nf, gf);
        else mlm_converged(in, 1, "Newton %s; gradient descent %s", nf, gf);
        return;
    }
    /* One run stopped, the other goes on: say so once, and let the reader play on. */
    if (n_stop && s->newton.state == NEWTON_BLOWN)
        mlm_diverged(in, 0, "Newton's method diverged: far from the minimum the quadratic model "
                     "was a poor guide and a step flew off. Gradient descent goes on");
    else if (n_stop && !newton2_pd(d->fn2, s->newton.p[0], s->newton.p[1]))
        mlm_converged(in, 0, "Newton %s: it seeks ∇f = 0, and finds points where the Hessian "
                      "is not positive definite too. Gradient descent goes on", nf);
    else if (n_stop)
        mlm_converged(in, 0, "Newton %s; gradient descent is still at f = %.3g. Play on to "
                      "watch it", nf, mlm_testfn_eval(d->fn2, s->gd.p[0], s->gd.p[1], NULL, NULL));
    else if (s->gd.state == NEWTON_BLOWN)
        mlm_diverged(in, 0, "gradient descent diverged: η = %.3g is too large for this "
                     "function's curvature. Newton goes on", d->lr);
    else
        mlm_converged(in, 0, "gradient descent %s; Newton goes on", gf);
}

static void newton_step(mlm_instance *in, void *self) {
    const newton_desc *d = in->desc;
    if (d->scene == NEWTON_SCENE_2D) newton2_step(in, self);
    else newton1_step(in, self);
}

/* ---- draw ---- */

/* The quadratic model at the current x, over a window around x wide enough to show its
   stationary point (when that is near), clipped to the panel. */
static void newton1_draw_model(mlm_instance *in, newton_state *s, int fn) {
    double x = s->x, f = newton1_f(fn, x), g = newton1_grad(fn, x), h = newton1_curv(fn, x);
    double p = -g / h;
    double w = mlm_isfinite(p) ? fmin(fmax(1.5, 1.3 * fabs(p)), 2 * NEWTON1_XLIM) : 2 * NEWTON1_XLIM;
    double lo = fmax(x - w, -NEWTON1_XLIM), hi = fmin(x + w, NEWTON1_XLIM);
    mlm_view_state *m = &in->views[V_MODEL1], *t = &in->views[V_TARGET1];
    m->data = s->model;
    m->count = 0;
    if (hi > lo) {
        for (int i = 0; i < NEWTON_MODEL_N; i++) {
            double xi = lo + (hi - lo) * i / (NEWTON_MODEL_N - 1);
            s->model[2 * i] = (float)xi;
            s->model[2 * i + 1] = newton_f32(newton1_model(f, g, h, xi - x));
        }
        m->count = NEWTON_MODEL_N;
    }
    t->data = s->target;
    t->count = 0;
    if (mlm_isfinite(p) && fabs(x + p) <= NEWTON_XMAX) {
        s->target[0] = newton_f32(x + p);
        s->target[1] = newton_f32(newton1_model(f, g, h, p));
        t->count = 1;
    }
}

static void newton_draw(mlm_instance *in, void *self) {
    newton_state *s = self;
    const newton_desc *d = in->desc;
    int two = d->scene == NEWTON_SCENE_2D;

    /* 1-D */
    in->panels[P_MODEL] = (mlm_panel_state){(float)-NEWTON1_XLIM, (float)NEWTON1_XLIM,
                                            newton1_ylo[d->fn1], newton1_yhi[d->fn1], two};
    in->panels[P_ERR1].hidden = two;
    in->views[V_F1].data = s->curve;
    in->views[V_F1].count = NEWTON_CURVE_N;
    newton1_draw_model(in, s, d->fn1);
    mlm_series_view(in, V_TRAIL1, &s->trail1);
    in->views[V_NOW1].text = s->now1;
    in->views[V_LAST1].text = s->last1;
    mlm_series_view(in, V_ERR1, &s->err1);
    in->views[V_FX1].value = newton_f32(newton1_f(d->fn1, s->x));
    in->views[V_SLOPE1].value = newton_f32(fabs(newton1_grad(d->fn1, s->x)));
    for (int v = V_F1; v <= V_SLOPE1; v++) in->views[v].hidden = two;
    /* An iterate off the panel (a run that is flying off) has no model worth drawing. */
    in->views[V_MODEL1].hidden |= in->views[V_MODEL1].count == 0;
    in->views[V_TARGET1].hidden |= in->views[V_TARGET1].count == 0;

    /* 2-D */
    const mlm_testfn *t = &mlm_testfns[d->fn2];
    in->panels[P_CONTOUR] =
        (mlm_panel_state){(float)t->x0, (float)t->x1, (float)t->y0, (float)t->y1, !two};
    in->panels[P_LOSS2].hidden = !two;
    /* the grid depends on the function alone, so the function numbers its versions */
    mlm_field_view(in, V_FIELD, s->field, NEWTON_FIELD_N, NEWTON_FIELD_N, t->x0, t->x1, t->y0, t->y1,
                   1 + (uint32_t)d->fn2);
    in->views[V_MINIMA].data = s->minima;
    in->views[V_MINIMA].count = s->n_minima;
    mlm_series_view(in, V_TRAIL_N, &s->newton.trail);
    mlm_series_view(in, V_TRAIL_GD, &s->gd.trail);
    in->views[V_NOTE2].text = s->note2;
    in->views[V_GD2].text = s->gd2;
    mlm_series_view(in, V_LOSS_N, &s->newton.loss);
    mlm_series_view(in, V_LOSS_GD, &s->gd.loss);
    const double *pn = s->newton.p, *pg = s->gd.p;
    in->views[V_FN2].value = newton_f32(mlm_testfn_eval(d->fn2, pn[0], pn[1], NULL, NULL));
    in->views[V_FGD2].value = newton_f32(mlm_testfn_eval(d->fn2, pg[0], pg[1], NULL, NULL));
    for (int v = V_FIELD; v < NEWTON_N_VIEWS; v++) in->views[v].hidden = !two;
}

const mlm_module mlm_module_newton = {
    .name = "newton",
    .title = "Newton's method",
    .params = newton_params,
    .n_params = MLM_COUNT(newton_params),
    .desc_size = sizeof(newton_desc),
    .panels = newton_panels,
    .n_panels = MLM_COUNT(newton_panels),
    .views = newton_views,
    .n_views = MLM_COUNT(newton_views),
    /* The state struct, then six series of NEWTON_HIST points (two in 1-D, two per racer). */
    .state_bytes = sizeof(newton_state) + 16 + 6 * (sizeof(float) * 2 * NEWTON_HIST + 16),
    .const_bytes = sizeof(float) * (2 * NEWTON_CURVE_N + NEWTON_FIELD_N * NEWTON_FIELD_N) + 2 * 16,
    .speed = 2,
    .create = newton_create,
    .step = newton_step,
    .draw = newton_draw,
};
