/* gradient_descent.c: the engine of chapter 1, "Gradient descent". One module serves the
 * chapter's two widgets, chosen by the `scene` parameter:
 *
 *   1d  three runs of x <- x - lr f'(x) on the same 1-D function, side by side, one per learning
 *       rate (too small, good, too large), each panel showing the numbers of its last update,
 *       plus their losses against the step on a log scale;
 *   2d  one run of p <- p - lr grad f(p) on a 2-D function, drawn over its contours and its
 *       negative-gradient field, from a start point the reader clicks.
 *
 * Every function comes with its exact derivatives (f', f'' in 1-D; gradient and Hessian in 2-D):
 * descent uses the gradient, and the curvature at the minima is what the divergence messages
 * quote (the step is stable only for lr < 2 / curvature).
 *
 * Shapes (floats unless said):
 *   GD_CURVE_N  points of a 1-D curve                     curve  (GD_CURVE_N, 2)
 *   GD_HIST     points a trail or loss history holds       series (GD_HIST, 2), decimating
 *   GD_FIELD_N  side of the 2-D function's grid            field  (GD_FIELD_N, GD_FIELD_N)
 *   GD_ARROW_N  side of the coarse grid of gradient arrows arrows (GD_ARROW_N * GD_ARROW_N, 4)
 *   GD_RUNS     runs in the 1-D scene (small, good, large)
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "testfns.h"

_Static_assert(MLM_TESTFN_MAX_MINIMA <= 4, "gd2_minima fills at most four (x, y) pairs");

#define GD_CURVE_N 201
#define GD_HIST 512
#define GD_FIELD_N 96
#define GD_ARROW_N 12
#define GD_RUNS 3
#define GD_TEXT 96

/* A run has converged when the slope is this flat: on these functions that puts the iterate
   within about 1e-6 of the minimum, far below what the plots can show. */
#define GD_TOL 1e-6
/* 1-D: the curves are drawn on [-4, 4]; an iterate beyond +-10 has left the picture for good
   (on all three functions the slope there points back, so only overshooting gets it there). */
#define GD1_XLIM 4.0
#define GD1_XMAX 10.0
/* 2-D: the contours are drawn on [-5, 5]^2; an iterate beyond +-50 is diverging. */
#define GD2_LIM 5.0
#define GD2_MAX 50.0

/* Himmelblau's function (from the shared gallery, engine/core/testfns.c) is divided by this so
   that the learning rates that suit the bowls also suit it (its raw curvatures at the minima are
   26 to 134). */
#define GD_HIMMEL_SCALE 20.0

enum { GD_SCENE_1D, GD_SCENE_2D };
enum { GD_BOWL, GD_TWOMIN, GD_PLATEAU };              /* 1-D functions */
enum { GD2_BOWL, GD2_ROUND, GD2_HIMMELBLAU };          /* 2-D functions */
enum { GD_RUNNING, GD_DONE, GD_BLOWN, GD_CYCLE };      /* a 1-D run's state */

typedef struct {
    int scene;       /* GD_SCENE_*; default 1d */
    int fn;          /* 1-D function; default bowl */
    double lr_small; /* the three 1-D learning rates; defaults 0.02, 0.3, 1.1 */
    double lr_good;
    double lr_large;
    double x0;       /* 1-D start; default 3 */
    int fn2;         /* 2-D function; default the elongated bowl */
    double lr;       /* 2-D learning rate; default 0.18 */
    double px, py;   /* 2-D start, set by a click on the contour; default (-4, 2.5) */
} gd_desc;

/* One of the three 1-D runs. */
typedef struct {
    double x;              /* the iterate */
    double before;         /* the iterate one step earlier (to spot a 2-cycle) */
    double lr;
    int state;             /* GD_RUNNING / GD_DONE / GD_BLOWN / GD_CYCLE */
    int64_t end_step;      /* step at which it stopped */
    mlm_series trail;      /* (GD_HIST, 2) iterates (x, f(x)) */
    mlm_series loss;       /* (GD_HIST, 2) (step, f(x)) */
    float ball[2];         /* (1, 2) (x, f(x)) */
    double last_g;         /* the slope used by the last update */
    double blown;          /* where the diverging update would have landed */
    char text[GD_TEXT];    /* the numbers of the last update, written by draw */
} gd_run;

typedef struct {
    /* 1-D scene */
    gd_run run[GD_RUNS];
    float *curve;          /* (GD_CURVE_N, 2) (x, f(x)), constant */
    /* 2-D scene */
    double p[2];           /* the iterate (x, y) */
    double before[2];      /* the iterate one step earlier (to spot a 2-cycle) */
    int64_t end2;          /* step at which it stopped (negative: it diverged), 0 while running */
    mlm_series path;       /* (GD_HIST, 2) iterates (x, y) */
    mlm_series loss2;      /* (GD_HIST, 2) (step, f(x, y)) */
    double last_g2[2];     /* the gradient used by the last update */
    char text2[GD_TEXT];   /* the numbers of the last update, written by draw */
    float *field;          /* (GD_FIELD_N, GD_FIELD_N) f on the grid, row 0 at y = -GD2_LIM, constant */
    float *arrows;         /* (GD_ARROW_N * GD_ARROW_N, 4) (x, y, dx, dy), constant */
    float minima[8];       /* (4, 2) the known minima of the 2-D function */
    int n_minima;
} gd_state;

static const mlm_param gd_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(gd_desc, scene), 0, 1, 1, 0, 0,
     "1d:Three learning rates in 1-D|2d:A 2-D descent path",
     "three 1-D runs side by side, or one run on a 2-D function"},
    {"fn", "Function", MLM_CHOICE, offsetof(gd_desc, fn), 0, 2, 1, GD_BOWL, 0,
     "bowl:Convex bowl|twomin:Two minima|plateau:Flat plateau",
     "the 1-D function: x², a quartic with a local and a global minimum, or a well in a plateau"},
    {"lr_small", "Small learning rate η₁", MLM_FLOAT, offsetof(gd_desc, lr_small), 0.001, 1.5, 0,
     0.02, 1, NULL, "the first run's step size: far too small crawls"},
    {"lr_good", "Good learning rate η₂", MLM_FLOAT, offsetof(gd_desc, lr_good), 0.001, 1.5, 0, 0.3,
     1, NULL, "the second run's step size"},
    {"lr_large", "Large learning rate η₃", MLM_FLOAT, offsetof(gd_desc, lr_large), 0.001, 1.5, 0,
     1.1, 1, NULL, "the third run's step size: above 2/f'' it overshoots further every step"},
    {"x0", "Start x₀", MLM_FLOAT, offsetof(gd_desc, x0), -GD1_XLIM, GD1_XLIM, 0.1, 3, 0, NULL,
     "where all three 1-D runs start"},
    {"fn2", "Function", MLM_CHOICE, offsetof(gd_desc, fn2), 0, 2, 1, GD2_BOWL, 0,
     "bowl:Elongated bowl|round:Round bowl|himmelblau:Himmelblau (four minima)",
     "the 2-D function: (x² + 10y²)/2, (x² + y²)/2, or Himmelblau's function divided by 20"},
    {"lr", "Learning rate η", MLM_FLOAT, offsetof(gd_desc, lr), 0.001, 1, 0, 0.18, 1, NULL,
     "the 2-D run's step size"},
    {"px", "Start x", MLM_FLOAT, offsetof(gd_desc, px), -GD2_LIM, GD2_LIM, 0.01, -4, 0, NULL,
     "x of the 2-D start (click the contour plot to set it)"},
    {"py", "Start y", MLM_FLOAT, offsetof(gd_desc, py), -GD2_LIM, GD2_LIM, 0.01, 2.5, 0, NULL,
     "y of the 2-D start (click the contour plot to set it)"},
};

enum { P_SMALL, P_GOOD, P_LARGE, P_LOSS1, P_CONTOUR, P_LOSS2, GD_N_PANELS };

static const mlm_panel gd_panels[] = {
    {"small", "Small learning rate", "x", "f(x)", 0, NULL},
    {"good", "Good learning rate", "x", "f(x)", 0, NULL},
    {"large", "Large learning rate", "x", "f(x)", 0, NULL},
    {"loss1", "Loss against step", "step", "f(x)",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y | MLM_PANEL_WIDE, NULL},
    {"contour", "Contours, −∇f and the descent path", "x", "y", MLM_PANEL_EQUAL, "px,py"},
    {"loss2", "Loss against step", "step", "f(x, y)",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

/* Views 0..11 are four per run (curve, trail, ball, text), in run order. */
enum {
    V_RUN0 = 0,
    V_LOSS_RUN0 = 4 * GD_RUNS,      /* three loss curves */
    V_F_RUN0 = V_LOSS_RUN0 + GD_RUNS, /* three status-line scalars */
    V_FIELD = V_F_RUN0 + GD_RUNS,
    V_ARROWS,
    V_PATH,
    V_MINIMA,
    V_TEXT2,
    V_LOSS2,
    V_F2,
    V_GRAD2,
    GD_N_VIEWS
};

static const mlm_view gd_views[] = {
    {"f_small", "small", MLM_VIEW_CURVE, "f(x)", 7, MLM_VIEW_FAINT},
    {"trail_small", "small", MLM_VIEW_TRAIL, "iterates", 0, 0},
    {"ball_small", "small", MLM_VIEW_MARKERS, "x", 0, 0},
    {"update_small", "small", MLM_VIEW_TEXT, "last update", 0, 0},
    {"f_good", "good", MLM_VIEW_CURVE, "f(x)", 7, MLM_VIEW_FAINT},
    {"trail_good", "good", MLM_VIEW_TRAIL, "iterates", 1, 0},
    {"ball_good", "good", MLM_VIEW_MARKERS, "x", 1, 0},
    {"update_good", "good", MLM_VIEW_TEXT, "last update", 1, 0},
    {"f_large", "large", MLM_VIEW_CURVE, "f(x)", 7, MLM_VIEW_FAINT},
    {"trail_large", "large", MLM_VIEW_TRAIL, "iterates", 2, 0},
    {"ball_large", "large", MLM_VIEW_MARKERS, "x", 2, 0},
    {"update_large", "large", MLM_VIEW_TEXT, "last update", 2, 0},
    {"loss_small", "loss1", MLM_VIEW_CURVE, "small η", 0, MLM_VIEW_LEGEND},
    {"loss_good", "loss1", MLM_VIEW_CURVE, "good η", 1, MLM_VIEW_LEGEND},
    {"loss_large", "loss1", MLM_VIEW_CURVE, "large η", 2, MLM_VIEW_LEGEND},
    {"value_small", NULL, MLM_VIEW_SCALAR, "f (small η)", 0, 0},
    {"value_good", NULL, MLM_VIEW_SCALAR, "f (good η)", 1, 0},
    {"value_large", NULL, MLM_VIEW_SCALAR, "f (large η)", 2, 0},
    {"field", "contour", MLM_VIEW_FIELD, "f(x, y)", 0,
     MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_FIELD_LOG_LEVELS},
    {"neg_grad", "contour", MLM_VIEW_ARROWS, "−∇f (direction)", 7, MLM_VIEW_FAINT},
    {"path", "contour", MLM_VIEW_TRAIL, "iterates", 1, 0},
    {"minima", "contour", MLM_VIEW_MARKERS, "minima", 5, 0},
    {"update2", "contour", MLM_VIEW_TEXT, "last update", 1, 0},
    {"loss2", "loss2", MLM_VIEW_CURVE, "f(x, y)", 1, 0},
    {"value2", NULL, MLM_VIEW_SCALAR, "f(x, y)", 1, 0},
    {"grad_norm", NULL, MLM_VIEW_SCALAR, "|∇f|", 1, 0},
};

_Static_assert(MLM_COUNT(gd_views) == GD_N_VIEWS, "view enum and table out of step");
_Static_assert(MLM_COUNT(gd_panels) == GD_N_PANELS, "panel enum and table out of step");

static const char *const gd_run_name[GD_RUNS] = {"small", "good", "large"};

/* ---- the functions and their exact derivatives ---- */

//> gradient
/* 1-D.  bowl:    f = x^2                                 f' = 2x
 *       twomin:  f = (x+2)^2 (x^2 - 14x/3 + 20/3) / 20    f' = (x+2)(x-1/2)(x-2) / 5
 *                (global minimum 0 at x = -2, local minimum 16/15 at x = 2, maximum at 1/2)
 *       plateau: f = 1 - exp(-x^2/2)                     f' = x exp(-x^2/2)
 *                (a well at 0 in a plateau where the slope is almost zero) */
static double gd1_f(int fn, double x) {
    switch (fn) {
    case GD_TWOMIN: return 0.05 * (x + 2) * (x + 2) * (x * x - 14.0 / 3.0 * x + 20.0 / 3.0);
    case GD_PLATEAU: return 1.0 - mlm_exp(-0.5 * x * x);
    default: return x * x;
    }
}

static double gd1_grad(int fn, double x) {
    switch (fn) {
    case GD_TWOMIN: return 0.2 * (x + 2) * (x - 0.5) * (x - 2);
    case GD_PLATEAU: return x * mlm_exp(-0.5 * x * x);
    default: return 2 * x;
    }
}

/* The curvature f''(x): 2 / f'' at a minimum is the largest stable learning rate there. */
static double gd1_curv(int fn, double x) {
    switch (fn) {
    case GD_TWOMIN: return 0.2 * (3 * x * x - x - 4);
    case GD_PLATEAU: return (1 - x * x) * mlm_exp(-0.5 * x * x);
    default: return 2;
    }
}

/* 2-D.  bowl:       f = (x^2 + 10 y^2) / 2    grad = (x, 10y)        Hessian diag(1, 10)
 *       round:      f = (x^2 + y^2) / 2       grad = (x, y)          Hessian I
 *       himmelblau: f = ((x^2 + y - 11)^2 + (x + y^2 - 7)^2) / 20, with a = x^2 + y - 11 and
 *                   b = x + y^2 - 7:  grad = (4xa + 2b, 2a + 4yb) / 20 */
static double gd2_f(int fn, double x, double y) {
    switch (fn) {
    case GD2_ROUND: return 0.5 * (x * x + y * y);
    case GD2_HIMMELBLAU:
        return mlm_testfn_eval(MLM_TESTFN_HIMMELBLAU, x, y, NULL, NULL) / GD_HIMMEL_SCALE;
    default: return 0.5 * (x * x + 10 * y * y);
    }
}

static void gd2_grad(int fn, double x, double y, double g[2]) {
    switch (fn) {
    case GD2_ROUND:
        g[0] = x;
        g[1] = y;
        break;
    case GD2_HIMMELBLAU:
        mlm_testfn_eval(MLM_TESTFN_HIMMELBLAU, x, y, g, NULL);
        g[0] /= GD_HIMMEL_SCALE;
        g[1] /= GD_HIMMEL_SCALE;
        break;
    default:
        g[0] = x;
        g[1] = 10 * y;
    }
}

/* The Hessian (h[0] h[1]; h[1] h[2]): its largest eigenvalue bounds the stable learning rate. */
static void gd2_hess(int fn, double x, double y, double h[3]) {
    switch (fn) {
    case GD2_ROUND:
        h[0] = 1, h[1] = 0, h[2] = 1;
        break;
    case GD2_HIMMELBLAU:
        mlm_testfn_eval(MLM_TESTFN_HIMMELBLAU, x, y, NULL, h);
        for (int k = 0; k < 3; k++) h[k] /= GD_HIMMEL_SCALE;
        break;
    default:
        h[0] = 1, h[1] = 0, h[2] = 10;
    }
}
//< gradient

/* Largest eigenvalue of a symmetric 2x2 matrix. */
static double gd2_lambda_max(const double h[3]) {
    double mid = 0.5 * (h[0] + h[2]), half = 0.5 * (h[0] - h[2]);
    return mid + sqrt(half * half + h[1] * h[1]);
}

/* The minima of the 2-D functions (Himmelblau's four from the gallery; the test checks the
   gradient vanishes there). Returns how many. */
static int gd2_minima(int fn, double m[8]) {
    if (fn == GD2_HIMMELBLAU) {
        const mlm_testfn *t = &mlm_testfns[MLM_TESTFN_HIMMELBLAU];
        for (int k = 0; k < t->n_minima; k++) {
            m[2 * k] = t->minima[k][0];
            m[2 * k + 1] = t->minima[k][1];
        }
        return t->n_minima; /* at most MLM_TESTFN_MAX_MINIMA = 4 */
    }
    m[0] = m[1] = 0;
    return 1;
}

/* ---- create ---- */

/* What a run's panel says about its last update: the arithmetic, or why it stopped. Formatting
   text costs more than an update, so it happens once per drawn frame, not once per step. */
static void gd_run_describe(gd_run *r, int fn, int64_t steps) {
    switch (r->state) {
    case GD_BLOWN:
        snprintf(r->text, GD_TEXT, "diverged at step %lld: x = %.4g is past ±%g",
                 (long long)r->end_step, r->blown, GD1_XMAX);
        break;
    case GD_DONE:
        snprintf(r->text, GD_TEXT, "converged at step %lld: x = %.4g, f'(x) = %.2g",
                 (long long)r->end_step, r->x, gd1_grad(fn, r->x));
        break;
    case GD_CYCLE:
        snprintf(r->text, GD_TEXT, "stuck: bouncing between %.4g and %.4g", r->before, r->x);
        break;
    default:
        if (steps == 0)
            snprintf(r->text, GD_TEXT, "start: x = %.4g, f'(x) = %.4g", r->x, gd1_grad(fn, r->x));
        else
            snprintf(r->text, GD_TEXT, r->last_g < 0 ? "x ← %.4g − %.3g·(%.4g) = %.4g"
                                                     : "x ← %.4g − %.3g·%.4g = %.4g",
                     r->before, r->lr, r->last_g, r->x);
    }
}

static void *gd_create(mlm_instance *in) {
    const gd_desc *d = in->desc;
    gd_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;

    /* 1-D: three runs from the same start, and the curve they all walk on. */
    const double lrs[GD_RUNS] = {d->lr_small, d->lr_good, d->lr_large};
    for (int r = 0; r < GD_RUNS; r++) {
        gd_run *run = &s->run[r];
        if (mlm_series_init(in, &run->trail, GD_HIST) || mlm_series_init(in, &run->loss, GD_HIST))
            return NULL;
        run->x = d->x0;
        run->lr = lrs[r];
        run->state = GD_RUNNING;
        mlm_series_push(&run->trail, run->x, gd1_f(d->fn, run->x));
        mlm_series_push(&run->loss, 0, gd1_f(d->fn, run->x));
    }
    s->curve = mlm_alloc_const(in, sizeof(float) * 2 * GD_CURVE_N);
    if (!s->curve) return NULL;
    for (int i = 0; i < GD_CURVE_N; i++) {
        double x = -GD1_XLIM + 2 * GD1_XLIM * i / (GD_CURVE_N - 1);
        s->curve[2 * i] = (float)x;
        s->curve[2 * i + 1] = (float)gd1_f(d->fn, x);
    }

    /* 2-D: the start, the function on a grid and its negative gradient on a coarser one. */
    s->p[0] = d->px;
    s->p[1] = d->py;
    if (mlm_series_init(in, &s->path, GD_HIST) || mlm_series_init(in, &s->loss2, GD_HIST))
        return NULL;
    mlm_series_push(&s->path, s->p[0], s->p[1]);
    mlm_series_push(&s->loss2, 0, gd2_f(d->fn2, s->p[0], s->p[1]));

    s->field = mlm_alloc_const(in, sizeof(float) * GD_FIELD_N * GD_FIELD_N);
    s->arrows = mlm_alloc_const(in, sizeof(float) * 4 * GD_ARROW_N * GD_ARROW_N);
    if (!s->field || !s->arrows) return NULL;
    for (int j = 0; j < GD_FIELD_N; j++) {
        double y = -GD2_LIM + 2 * GD2_LIM * j / (GD_FIELD_N - 1);
        for (int i = 0; i < GD_FIELD_N; i++) {
            double x = -GD2_LIM + 2 * GD2_LIM * i / (GD_FIELD_N - 1);
            s->field[j * GD_FIELD_N + i] = (float)gd2_f(d->fn2, x, y);
        }
    }
    /* Arrows at cell centres, all the same length (0.4 of a cell): the field shows which way is
       downhill everywhere; the contours already show how steep. */
    double cell = 2 * GD2_LIM / GD_ARROW_N;
    for (int j = 0; j < GD_ARROW_N; j++) {
        for (int i = 0; i < GD_ARROW_N; i++) {
            double x = -GD2_LIM + cell * (i + 0.5), y = -GD2_LIM + cell * (j + 0.5), g[2];
            gd2_grad(d->fn2, x, y, g);
            double norm = sqrt(g[0] * g[0] + g[1] * g[1]);
            double k = norm > 0 ? 0.4 * cell / norm : 0;
            float *a = s->arrows + 4 * (j * GD_ARROW_N + i);
            a[0] = (float)x;
            a[1] = (float)y;
            a[2] = (float)(-k * g[0]);
            a[3] = (float)(-k * g[1]);
        }
    }
    double m[8] = {0};
    s->n_minima = gd2_minima(d->fn2, m);
    for (int k = 0; k < 2 * s->n_minima; k++) s->minima[k] = (float)m[k];
    return s;
}

/* ---- 1-D step ---- */

/* Why a 1-D run diverged, as the end of the sentence "eta = ... is ". */
static void gd1_why(int fn, char *buf, size_t n) {
    if (fn == GD_BOWL)
        snprintf(buf, n, "above 2/f''(x*) = %.2f, so each step overshoots further than the last",
                 2 / gd1_curv(fn, 0));
    else if (fn == GD_TWOMIN)
        snprintf(buf, n, "too large for the curvature (2/f'' = %.2f at x = -2, %.2f at x = 2): an "
                 "overshoot landed on steeper ground",
                 2 / gd1_curv(fn, -2), 2 / gd1_curv(fn, 2));
    else
        snprintf(buf, n, "too large: a step overshot to where the slope is steeper still");
}

/* The minimum of a 1-D function nearest x (twomin's maximum at 1/2 divides the basins). */
static double gd1_min_near(int fn, double x) {
    if (fn == GD_TWOMIN) return x < 0.5 ? -2.0 : 2.0;
    return 0.0;
}

/* A 2-cycle: the iterate is back where it was two steps ago, yet still moving. When the learning
   rate is at or just past 2 / curvature, descent can bounce between two points for ever (on x^2
   with lr exactly 1, between x0 and -x0). Such a run neither converges nor leaves, so say so. */
static int gd_bouncing(double before, double x, double next) {
    return fabs(next - before) <= 1e-13 * fmax(1.0, fabs(next)) && fabs(next - x) > 1e-3;
}

/* One update of one run. Returns the run's new state. */
//> update
static int gd_run_step(gd_run *r, int fn, int64_t step) {
    double g = gd1_grad(fn, r->x);      /* the slope where we stand */
    double next = r->x - r->lr * g;     /* step downhill, lr times as far as the slope is steep */
    //> diverge
    if (!mlm_isfinite(next) || fabs(next) > GD1_XMAX) {
        /* Freeze the run where it last was: its trail keeps only finite, drawable points. */
        r->state = GD_BLOWN;
        r->end_step = step;
        r->blown = next;
        return r->state;
    }
    //< diverge
    r->last_g = g; /* the panel shows the arithmetic of this update */
    int bouncing = step > 1 && gd_bouncing(r->before, r->x, next);
    r->before = r->x;
    r->x = next;
    mlm_series_push(&r->trail, r->x, gd1_f(fn, r->x));
    mlm_series_push(&r->loss, (double)step, gd1_f(fn, r->x));
    if (fabs(gd1_grad(fn, r->x)) < GD_TOL) {
        r->state = GD_DONE;
        r->end_step = step;
    } else if (bouncing) {
        r->state = GD_CYCLE;
        r->end_step = step;
    }
    return r->state;
}
//< update

static void gd_step1(mlm_instance *in, gd_state *s) {
    const gd_desc *d = in->desc;
    int64_t step = in->steps + 1;
    int failed = -1;    /* the first run that diverged or got stuck in this step */
    int converged = -1; /* the first run that converged in this step */
    for (int r = 0; r < GD_RUNS; r++) {
        if (s->run[r].state != GD_RUNNING) continue;
        int now = gd_run_step(&s->run[r], d->fn, step);
        if ((now == GD_BLOWN || now == GD_CYCLE) && failed < 0) failed = r;
        if (now == GD_DONE && converged < 0) converged = r;
    }

    int stopped = 0, done = 0;
    for (int r = 0; r < GD_RUNS; r++) {
        stopped += s->run[r].state != GD_RUNNING;
        done += s->run[r].state == GD_DONE;
    }
    char why[160];
    if (stopped == GD_RUNS) {
        /* Every run has stopped: end the whole widget, saying what became of each. */
        static const char *const fate[] = {"", "converged", "diverged", "got stuck bouncing"};
        char msg[200] = "";
        double lr_min = INFINITY;
        for (int r = 0; r < GD_RUNS; r++) {
            size_t len = strlen(msg);
            snprintf(msg + len, sizeof msg - len, "%s%s η %s at step %lld", r ? ", " : "",
                     gd_run_name[r], fate[s->run[r].state], (long long)s->run[r].end_step);
            lr_min = fmin(lr_min, s->run[r].lr);
        }
        /* The widget converged only if every run did. */
        if (done == GD_RUNS) {
            mlm_converged(in, 1, "every run converged: %s", msg);
        } else if (s->run[0].state == GD_BLOWN && s->run[1].state == GD_BLOWN &&
                   s->run[2].state == GD_BLOWN) {
            gd1_why(d->fn, why, sizeof why);
            mlm_diverged(in, 1, "all three runs diverged: even the smallest, η = %.3g, is %s",
                         lr_min, why);
        } else {
            mlm_diverged(in, 1, "%s: %s", done ? "not every run converged" : "no run converged", msg);
        }
    } else if (failed >= 0) {
        /* Say it once, when it happens (the run's panel says it too); the other runs go on. */
        const gd_run *r = &s->run[failed];
        if (r->state == GD_BLOWN) {
            gd1_why(d->fn, why, sizeof why);
            mlm_diverged(in, 0, "the %s learning rate diverged at step %lld: η = %.3g is %s",
                         gd_run_name[failed], (long long)step, r->lr, why);
        } else {
            double xs = gd1_min_near(d->fn, 0.5 * (r->x + r->before));
            mlm_diverged(in, 0, "the %s learning rate will never settle: from step %lld it bounces "
                         "between %.4g and %.4g, because η = %.3g is not below 2/f'' = %.2f at "
                         "the minimum x = %g", gd_run_name[failed], (long long)step, r->before,
                         r->x, r->lr, 2 / gd1_curv(d->fn, xs), xs);
        }
    } else if (converged >= 0) {
        const gd_run *r = &s->run[converged];
        mlm_converged(in, 0, "the %s learning rate converged at step %lld, to x = %.4g; the other "
                      "runs go on", gd_run_name[converged], (long long)step, r->x);
    }
}

/* ---- 2-D step ---- */

/* The stability limits 2 / lambda_max over the function's minima: the largest learning rate at
   which a run near each of them settles. */
static void gd2_limits(int fn, double *lo, double *hi) {
    double m[8] = {0}, h[3];
    int nm = gd2_minima(fn, m);
    *lo = INFINITY;
    *hi = 0;
    for (int k = 0; k < nm; k++) {
        gd2_hess(fn, m[2 * k], m[2 * k + 1], h);
        double lim = 2 / gd2_lambda_max(h);
        *lo = fmin(*lo, lim);
        *hi = fmax(*hi, lim);
    }
}

static void gd_step2(mlm_instance *in, gd_state *s) {
    const gd_desc *d = in->desc;
    int64_t step = in->steps + 1;
    double g[2], lo, hi;
    //> update2d
    gd2_grad(d->fn2, s->p[0], s->p[1], g);
    double nx = s->p[0] - d->lr * g[0], ny = s->p[1] - d->lr * g[1];
    //< update2d
    if (!mlm_isfinite(nx) || !mlm_isfinite(ny) || fabs(nx) > GD2_MAX || fabs(ny) > GD2_MAX) {
        s->end2 = -step; /* negative: stopped by divergence */
        gd2_limits(d->fn2, &lo, &hi);
        if (lo == hi)
            mlm_diverged(in, 1, "the path diverged at step %lld: η = %.3g is above 2/λmax = %.3g "
                         "(λmax: the largest curvature), so along the steepest direction each "
                         "step overshoots further", (long long)step, d->lr, lo);
        else
            mlm_diverged(in, 1, "the path diverged at step %lld: η = %.3g is too large for this "
                         "function's curvature (2/λmax at its minima is %.2f to %.2f), and an "
                         "overshoot landed where it is steeper still", (long long)step, d->lr, lo, hi);
        return;
    }
    s->last_g2[0] = g[0];
    s->last_g2[1] = g[1];
    /* A 2-cycle, as in 1-D: back where it was two steps ago in both coordinates, still moving. */
    int bouncing = step > 1 && fabs(nx - s->before[0]) <= 1e-13 * fmax(1.0, fabs(nx)) &&
                   fabs(ny - s->before[1]) <= 1e-13 * fmax(1.0, fabs(ny)) &&
                   fmax(fabs(nx - s->p[0]), fabs(ny - s->p[1])) > 1e-3;
    s->before[0] = s->p[0];
    s->before[1] = s->p[1];
    s->p[0] = nx;
    s->p[1] = ny;
    mlm_series_push(&s->path, nx, ny);
    mlm_series_push(&s->loss2, (double)step, gd2_f(d->fn2, nx, ny));
    gd2_grad(d->fn2, nx, ny, g);
    if (sqrt(g[0] * g[0] + g[1] * g[1]) < GD_TOL) {
        s->end2 = step;
        mlm_converged(in, 1, "converged at step %lld to (%.4g, %.4g), where f = %.3g and "
                      "|∇f| < %g", (long long)step, nx, ny, gd2_f(d->fn2, nx, ny), GD_TOL);
    } else if (bouncing) {
        s->end2 = step;
        /* Name the minimum the two points straddle and its stability limit. */
        double m[8] = {0}, h[3], best = INFINITY;
        double cx = 0.5 * (nx + s->before[0]), cy = 0.5 * (ny + s->before[1]);
        int nm = gd2_minima(d->fn2, m), k_near = 0;
        for (int k = 0; k < nm; k++) {
            double dx = m[2 * k] - cx, dy = m[2 * k + 1] - cy;
            if (dx * dx + dy * dy < best) best = dx * dx + dy * dy, k_near = k;
        }
        gd2_hess(d->fn2, m[2 * k_near], m[2 * k_near + 1], h);
        mlm_diverged(in, 1, "the path will never settle: from step %lld it bounces between "
                     "(%.3g, %.3g) and (%.3g, %.3g), because η = %.3g is not below 2/λmax = %.3g "
                     "at the minimum (%.3g, %.3g)", (long long)step, s->before[0], s->before[1],
                     nx, ny, d->lr, 2 / gd2_lambda_max(h), m[2 * k_near], m[2 * k_near + 1]);
    }
}

static void gd_step(mlm_instance *in, void *self) {
    const gd_desc *d = in->desc;
    if (d->scene == GD_SCENE_2D) gd_step2(in, self);
    else gd_step1(in, self);
}

/* ---- draw ---- */

static void gd_draw(mlm_instance *in, void *self) {
    gd_state *s = self;
    const gd_desc *d = in->desc;
    int two = d->scene == GD_SCENE_2D;

    /* 1-D: the same curve in each run's panel, scaled to the function. */
    static const float ymin[3] = {-0.8f, -0.4f, -0.06f}, ymax[3] = {17, 8.8f, 1.1f};
    for (int r = 0; r < GD_RUNS; r++) {
        gd_run *run = &s->run[r];
        int v = V_RUN0 + 4 * r;
        in->panels[P_SMALL + r] = (mlm_panel_state){(float)-GD1_XLIM, (float)GD1_XLIM, ymin[d->fn],
                                                    ymax[d->fn], two};
        in->views[v].data = s->curve;
        in->views[v].count = GD_CURVE_N;
        mlm_series_view(in, v + 1, &run->trail);
        run->ball[0] = (float)run->x;
        run->ball[1] = (float)gd1_f(d->fn, run->x);
        in->views[v + 2].data = run->ball;
        in->views[v + 2].count = 1;
        gd_run_describe(run, d->fn, in->steps);
        in->views[v + 3].text = run->text;
        mlm_series_view(in, V_LOSS_RUN0 + r, &run->loss);
        in->views[V_F_RUN0 + r].value = run->ball[1];
        for (int k = 0; k < 4; k++) in->views[v + k].hidden = two;
        in->views[V_LOSS_RUN0 + r].hidden = two;
        in->views[V_F_RUN0 + r].hidden = two;
    }
    in->panels[P_LOSS1].hidden = two;

    /* 2-D */
    in->panels[P_CONTOUR] =
        (mlm_panel_state){(float)-GD2_LIM, (float)GD2_LIM, (float)-GD2_LIM, (float)GD2_LIM, !two};
    in->panels[P_LOSS2].hidden = !two;
    /* the grid depends on the function alone, so the function numbers its versions */
    mlm_field_view(in, V_FIELD, s->field, GD_FIELD_N, GD_FIELD_N, -GD2_LIM, GD2_LIM, -GD2_LIM, GD2_LIM,
                   1 + (uint32_t)d->fn2);
    in->views[V_ARROWS].data = s->arrows;
    in->views[V_ARROWS].count = GD_ARROW_N * GD_ARROW_N;
    mlm_series_view(in, V_PATH, &s->path);
    in->views[V_MINIMA].data = s->minima;
    in->views[V_MINIMA].count = s->n_minima;
    /* The 2-D panel's line: where it started, the last update, or why it stopped. */
    double g[2];
    gd2_grad(d->fn2, s->p[0], s->p[1], g);
    if (s->end2 < 0) snprintf(s->text2, GD_TEXT, "diverged at step %lld", (long long)-s->end2);
    else if (in->status == MLM_DIVERGED && s->end2 > 0) snprintf(s->text2, GD_TEXT, "stuck: bouncing between two points");
    else if (in->steps == 0)
        snprintf(s->text2, GD_TEXT, "start (%.3g, %.3g): ∇f = (%.3g, %.3g)", s->p[0], s->p[1], g[0], g[1]);
    else
        snprintf(s->text2, GD_TEXT, "∇f = (%.3g, %.3g) → (%.4g, %.4g)", s->last_g2[0], s->last_g2[1],
                 s->p[0], s->p[1]);
    in->views[V_TEXT2].text = s->text2;
    mlm_series_view(in, V_LOSS2, &s->loss2);
    in->views[V_F2].value = (float)gd2_f(d->fn2, s->p[0], s->p[1]);
    in->views[V_GRAD2].value = (float)sqrt(g[0] * g[0] + g[1] * g[1]);
    for (int v = V_FIELD; v < GD_N_VIEWS; v++) in->views[v].hidden = !two;
}

const mlm_module mlm_module_gradient_descent = {
    .name = "gradient_descent",
    .title = "Gradient descent",
    .params = gd_params,
    .n_params = MLM_COUNT(gd_params),
    .desc_size = sizeof(gd_desc),
    .panels = gd_panels,
    .n_panels = MLM_COUNT(gd_panels),
    .views = gd_views,
    .n_views = MLM_COUNT(gd_views),
    /* The state struct, then eight series of GD_HIST points (two per 1-D run, two in 2-D). */
    .state_bytes = sizeof(gd_state) + 16 + 8 * (sizeof(float) * 2 * GD_HIST + 16),
    .const_bytes = sizeof(float) * (2 * GD_CURVE_N + GD_FIELD_N * GD_FIELD_N +
                                    4 * GD_ARROW_N * GD_ARROW_N) + 3 * 16,
    .speed = 6,
    .create = gd_create,
    .step = gd_step,
    .draw = gd_draw,
};
