/* optimizers.c: the engine of chapter 4, "Momentum, Adam and friends". Up to ten optimizers race
 * from the same start on one function of the shared gallery (engine/core/testfns.c): each step
 * advances every optimizer that is switched on by one update of engine/core/optim.c, the rules
 * the chapter derives. Each draws its trail over the function's contours in its own colour, and
 * its distance above the minimum, f - f*, against the step on a log scale.
 *
 * An optimizer that diverges (a non-finite value, or a point far outside the plotted region) is
 * frozen where it last was and reported once; the others go on. The race ends when every
 * optimizer has converged or diverged, or at the race's length in steps.
 *
 * Shapes (floats unless said):
 *   OP_N       optimizers (MLM_OPT_COUNT), in the order of optim.h
 *   OP_FIELD_N side of the function's contour grid     field  (OP_FIELD_N, OP_FIELD_N), constant
 *   OP_HIST    points a trail or loss history holds     series (OP_HIST, 2), decimating
 *   each run's optimizer state                          doubles (3 * 2), see mlm_opt_bytes
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "optim.h"
#include "testfns.h"

#define OP_N MLM_OPT_COUNT
#define OP_FIELD_N 100
#define OP_HIST 512

/* A run has converged when it is this close to the global minimum in value, or when both its
   gradient and its last step are this small (a local minimum or a stall on a saddle). */
#define OP_TOL_F 1e-12
#define OP_TOL 1e-6
/* The loss chart is logarithmic: values of f - f* below this are drawn at it. */
#define OP_FLOOR 1e-16
/* A point farther than this many view widths from the view's centre has diverged. */
#define OP_BOUND 5.0
/* The start parameters' default: outside every function's view, meaning "the function's own
   suggested start" (see op_start). */
#define OP_START_AUTO 11.0

enum { OP_RUNNING, OP_CONVERGED, OP_DIVERGED, OP_OFF }; /* a run's state */

/* One optimizer's controls. Not every rule reads every field (mlm_opt_uses). */
typedef struct {
    int on;          /* 1: this optimizer races */
    double lr;       /* learning rate */
    double momentum; /* momentum, Nesterov */
    double beta1;    /* Adam family */
    double beta2;
    double rho;      /* RMSprop, Adadelta */
    double eps;      /* Adadelta (the others use PyTorch's default) */
    double wd;       /* Adam: L2 penalty in the gradient; AdamW: decoupled decay */
} op_cfg;

typedef struct {
    int fn;              /* gallery function; default Rosenbrock */
    double px, py;       /* start, set by a click on the contour; default: the function's own */
    int steps;           /* race length; default 4000 */
    op_cfg cfg[OP_N];    /* per optimizer, in the order of optim.h */
} op_desc;

typedef struct {
    int state;            /* OP_RUNNING, ... */
    int64_t end_step;     /* step at which it converged or diverged */
    double x[2];          /* the iterate */
    double g[2];          /* the gradient at x */
    double f;             /* f(x) */
    mlm_opt_hyper hyper;
    mlm_opt_state opt;    /* m, v, u: (2,) each, in the instance block */
    mlm_series trail;     /* (OP_HIST, 2) iterates (x, y) */
    mlm_series loss;      /* (OP_HIST, 2) (step, max(f - f*, OP_FLOOR)) */
} op_run;

typedef struct {
    op_run run[OP_N];
    const mlm_testfn *t;  /* the function's gallery entry */
    double start[2];      /* where every run started */
    double bound;         /* OP_BOUND view widths */
    float *field;         /* (OP_FIELD_N, OP_FIELD_N) mlm_testfn_field over the view, constant */
    float minima[2 * MLM_TESTFN_MAX_MINIMA]; /* (n_minima, 2) the known global minima */
    char leader[96];      /* status-line text, written by draw */
    char ends[240];       /* each ended run's fate, written by draw */
} op_state;

/* ---- declaration ---- */

#define OP_ON(k, key, label) \
    {"on_" key, label, MLM_BOOL, offsetof(op_desc, cfg[k].on), 0, 1, 1, 1, 0, NULL, \
     "race " label " (its trail and loss curve are hidden when off)"}
#define OP_LR(k, key, label, lo, hi, def) \
    {"lr_" key, label ": learning rate η", MLM_FLOAT, offsetof(op_desc, cfg[k].lr), lo, hi, 0, def, \
     1, NULL, label "'s step size"}
#define OP_MU(k, key, label) \
    {"mu_" key, label ": momentum μ", MLM_FLOAT, offsetof(op_desc, cfg[k].momentum), 0, 0.99, 0.01, \
     0.9, 0, NULL, "how much of the previous velocity each step keeps"}
#define OP_RHO(k, key, label, def) \
    {"rho_" key, label ": decay ρ", MLM_FLOAT, offsetof(op_desc, cfg[k].rho), 0.5, 0.999, 0.001, \
     def, 0, NULL, "weight of the past in the average of squared gradients"}
#define OP_B1(k, key, label) \
    {"beta1_" key, label ": β₁", MLM_FLOAT, offsetof(op_desc, cfg[k].beta1), 0, 0.99, 0.01, 0.9, \
     0, NULL, "decay of the average of gradients (the first moment)"}
#define OP_B2(k, key, label) \
    {"beta2_" key, label ": β₂", MLM_FLOAT, offsetof(op_desc, cfg[k].beta2), 0.5, 0.9999, 0.0001, \
     0.999, 0, NULL, "decay of the average of squared gradients (the second moment)"}

static const mlm_param op_params[] = {
    {"fn", "Function", MLM_CHOICE, offsetof(op_desc, fn), 0, MLM_TESTFN_COUNT - 1, 1,
     MLM_TESTFN_ROSENBROCK, 0, MLM_TESTFN_CHOICES, "the surface the optimizers race on"},
    {"px", "Start x", MLM_FLOAT, offsetof(op_desc, px), -10, OP_START_AUTO, 0.01, OP_START_AUTO, 0,
     NULL, "x of the start (click the contour); outside the plot, as by default: the "
     "function's own start"},
    {"py", "Start y", MLM_FLOAT, offsetof(op_desc, py), -10, OP_START_AUTO, 0.01, OP_START_AUTO, 0,
     NULL, "y of the start (click the contour); outside the plot, as by default: the "
     "function's own start"},
    {"steps", "Race length", MLM_INT, offsetof(op_desc, steps), 100, 20000, 100, 4000, 0, NULL,
     "steps after which the race ends"},
    /* The switches first, so that they sit together in the controls; then each optimizer's
       hyperparameters, in the order of optim.h. */
    OP_ON(MLM_OPT_SGD, "sgd", "SGD"),
    OP_ON(MLM_OPT_MOMENTUM, "momentum", "Momentum"),
    OP_ON(MLM_OPT_NESTEROV, "nesterov", "Nesterov"),
    OP_ON(MLM_OPT_ADAGRAD, "adagrad", "Adagrad"),
    OP_ON(MLM_OPT_RMSPROP, "rmsprop", "RMSprop"),
    OP_ON(MLM_OPT_ADADELTA, "adadelta", "Adadelta"),
    OP_ON(MLM_OPT_ADAM, "adam", "Adam"),
    OP_ON(MLM_OPT_ADAMAX, "adamax", "Adamax"),
    OP_ON(MLM_OPT_NADAM, "nadam", "Nadam"),
    OP_ON(MLM_OPT_ADAMW, "adamw", "AdamW"),
    OP_LR(MLM_OPT_SGD, "sgd", "SGD", 1e-5, 0.1, 0.001),
    OP_LR(MLM_OPT_MOMENTUM, "momentum", "Momentum", 1e-5, 0.1, 0.001),
    OP_MU(MLM_OPT_MOMENTUM, "momentum", "Momentum"),
    OP_LR(MLM_OPT_NESTEROV, "nesterov", "Nesterov", 1e-5, 0.1, 0.001),
    OP_MU(MLM_OPT_NESTEROV, "nesterov", "Nesterov"),
    OP_LR(MLM_OPT_ADAGRAD, "adagrad", "Adagrad", 1e-4, 3, 0.5),
    OP_LR(MLM_OPT_RMSPROP, "rmsprop", "RMSprop", 1e-5, 1, 0.002),
    OP_RHO(MLM_OPT_RMSPROP, "rmsprop", "RMSprop", 0.99),
    OP_LR(MLM_OPT_ADADELTA, "adadelta", "Adadelta", 0.01, 10, 1),
    OP_RHO(MLM_OPT_ADADELTA, "adadelta", "Adadelta", 0.9),
    {"eps_adadelta", "Adadelta: ε", MLM_FLOAT, offsetof(op_desc, cfg[MLM_OPT_ADADELTA].eps), 1e-8,
     1e-2, 0, 1e-6, 1, NULL, "sets Adadelta's first steps, about √ε / RMS(g) times the gradient"},
    OP_LR(MLM_OPT_ADAM, "adam", "Adam", 1e-4, 1, 0.05),
    OP_B1(MLM_OPT_ADAM, "adam", "Adam"),
    OP_B2(MLM_OPT_ADAM, "adam", "Adam"),
    {"wd_adam", "Adam: L2 penalty λ", MLM_FLOAT, offsetof(op_desc, cfg[MLM_OPT_ADAM].wd), 0, 1, 0.001,
     0, 0, NULL, "adds λx to the gradient (L2 regularisation), to compare with AdamW's decay"},
    OP_LR(MLM_OPT_ADAMAX, "adamax", "Adamax", 1e-4, 1, 0.1),
    OP_B1(MLM_OPT_ADAMAX, "adamax", "Adamax"),
    OP_B2(MLM_OPT_ADAMAX, "adamax", "Adamax"),
    OP_LR(MLM_OPT_NADAM, "nadam", "Nadam", 1e-4, 1, 0.05),
    OP_B1(MLM_OPT_NADAM, "nadam", "Nadam"),
    OP_B2(MLM_OPT_NADAM, "nadam", "Nadam"),
    OP_LR(MLM_OPT_ADAMW, "adamw", "AdamW", 1e-4, 1, 0.05),
    OP_B1(MLM_OPT_ADAMW, "adamw", "AdamW"),
    OP_B2(MLM_OPT_ADAMW, "adamw", "AdamW"),
    {"wd_adamw", "AdamW: decay λ", MLM_FLOAT, offsetof(op_desc, cfg[MLM_OPT_ADAMW].wd), 0, 1, 0.001,
     0.01, 0, NULL, "shrinks x by the factor 1 − ηλ every step, outside the adaptive scaling"},
};

enum { P_CONTOUR, P_LOSS, OP_N_PANELS };

static const mlm_panel op_panels[] = {
    {"contour", "The race on f(x, y)", "x", "y", 0, "px,py"},
    {"loss", "Distance above the minimum", "step", "f − f*",
     MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

/* Views: the field and the minima, then a trail per optimizer, a loss curve per optimizer,
   and the status-line text. */
enum {
    V_FIELD,
    V_MINIMA,
    V_TRAIL0,
    V_LOSS0 = V_TRAIL0 + OP_N,
    V_LEADER = V_LOSS0 + OP_N,
    V_ENDS,
    OP_N_VIEWS
};

/* Eight colours for ten optimizers: Nesterov and AdamW reuse the colour of the rule they vary
   (momentum, Adam), dashed, so every entry of the legend stays distinct. The legend is drawn on
   the loss chart only: ten entries over the contours would hide the surface the trails cross,
   and each optimizer has the same colour and dash in both panels. */
#define OP_TRAIL(key, label, c, fl) {"trail_" key, "contour", MLM_VIEW_TRAIL, label, c, fl}
#define OP_LOSS(key, label, c, fl) {"loss_" key, "loss", MLM_VIEW_CURVE, label, c, MLM_VIEW_LEGEND | (fl)}

static const mlm_view op_views[] = {
    {"field", "contour", MLM_VIEW_FIELD, "f(x, y)", 0, MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR},
    {"minima", "contour", MLM_VIEW_MARKERS, "global minima", 0, 0},
    OP_TRAIL("sgd", "SGD", 0, 0),
    OP_TRAIL("momentum", "Momentum", 1, 0),
    OP_TRAIL("nesterov", "Nesterov", 1, MLM_VIEW_DASHED),
    OP_TRAIL("adagrad", "Adagrad", 3, 0),
    OP_TRAIL("rmsprop", "RMSprop", 2, 0),
    OP_TRAIL("adadelta", "Adadelta", 4, 0),
    OP_TRAIL("adam", "Adam", 5, 0),
    OP_TRAIL("adamax", "Adamax", 7, 0),
    OP_TRAIL("nadam", "Nadam", 6, 0),
    OP_TRAIL("adamw", "AdamW", 5, MLM_VIEW_DASHED),
    OP_LOSS("sgd", "SGD", 0, 0),
    OP_LOSS("momentum", "Momentum", 1, 0),
    OP_LOSS("nesterov", "Nesterov", 1, MLM_VIEW_DASHED),
    OP_LOSS("adagrad", "Adagrad", 3, 0),
    OP_LOSS("rmsprop", "RMSprop", 2, 0),
    OP_LOSS("adadelta", "Adadelta", 4, 0),
    OP_LOSS("adam", "Adam", 5, 0),
    OP_LOSS("adamax", "Adamax", 7, 0),
    OP_LOSS("nadam", "Nadam", 6, 0),
    OP_LOSS("adamw", "AdamW", 5, MLM_VIEW_DASHED),
    {"leader", NULL, MLM_VIEW_TEXT, "leader", 0, 0},
    /* each run's end, in the panel where all the runs' curves are */
    {"ends", "loss", MLM_VIEW_TEXT, "ended", 0, 0},
};

_Static_assert(MLM_COUNT(op_views) == OP_N_VIEWS, "view enum and table out of step");
_Static_assert(MLM_COUNT(op_panels) == OP_N_PANELS, "panel enum and table out of step");

/* ---- create ---- */

/* The start: the clicked point when it lies on the function's plot, else the gallery's start. */
static void op_start(const mlm_testfn *t, double px, double py, double out[2]) {
    int inside = px >= t->x0 && px <= t->x1 && py >= t->y0 && py <= t->y1;
    out[0] = inside ? px : t->start[0];
    out[1] = inside ? py : t->start[1];
}

/* A run's hyperparameters: PyTorch's defaults for its rule, then the reader's settings. */
static mlm_opt_hyper op_hyper(int k, const op_cfg *c) {
    mlm_opt_hyper h;
    mlm_opt_defaults((mlm_opt_kind)k, &h);
    h.lr = c->lr;
    h.weight_decay = 0;
    if (k == MLM_OPT_MOMENTUM || k == MLM_OPT_NESTEROV) h.momentum = c->momentum;
    if (k == MLM_OPT_RMSPROP || k == MLM_OPT_ADADELTA) h.rho = c->rho;
    if (k == MLM_OPT_ADADELTA) h.eps = c->eps;
    if (mlm_opt_uses((mlm_opt_kind)k) & MLM_OPT_USES_BETA1) {
        h.beta1 = c->beta1;
        h.beta2 = c->beta2;
    }
    if (k == MLM_OPT_ADAM || k == MLM_OPT_ADAMW) h.weight_decay = c->wd;
    return h;
}

static double op_loss_value(const mlm_testfn *t, double f) {
    double d = f - t->fmin;
    return d > OP_FLOOR ? d : OP_FLOOR;
}

static void *op_create(mlm_instance *in) {
    const op_desc *d = in->desc;
    op_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    int any = 0;
    for (int k = 0; k < OP_N; k++) any |= d->cfg[k].on;
    if (!any) {
        mlm_fail(in, "no optimizer is switched on: switch one on to race");
        return NULL;
    }
    const mlm_testfn *t = s->t = &mlm_testfns[d->fn];
    op_start(t, d->px, d->py, s->start);
    s->bound = OP_BOUND * fmax(t->x1 - t->x0, t->y1 - t->y0);
    double f0 = mlm_testfn_eval(d->fn, s->start[0], s->start[1], NULL, NULL);
    for (int k = 0; k < OP_N; k++) {
        op_run *r = &s->run[k];
        double *buf = mlm_alloc(in, mlm_opt_bytes(2));
        if (!buf || mlm_series_init(in, &r->trail, OP_HIST) || mlm_series_init(in, &r->loss, OP_HIST))
            return NULL;
        mlm_opt_init(&r->opt, buf, 2);
        r->hyper = op_hyper(k, &d->cfg[k]);
        r->state = d->cfg[k].on ? OP_RUNNING : OP_OFF;
        r->x[0] = s->start[0];
        r->x[1] = s->start[1];
        r->f = mlm_testfn_eval(d->fn, r->x[0], r->x[1], r->g, NULL);
        mlm_series_push(&r->trail, r->x[0], r->x[1]);
        mlm_series_push(&r->loss, 0, op_loss_value(t, f0));
    }
    s->field = mlm_alloc_const(in, sizeof(float) * OP_FIELD_N * OP_FIELD_N);
    if (!s->field) return NULL;
    mlm_testfn_field(d->fn, s->field, OP_FIELD_N, OP_FIELD_N, t->x0, t->x1, t->y0, t->y1);
    for (int m = 0; m < t->n_minima; m++) {
        s->minima[2 * m] = (float)t->minima[m][0];
        s->minima[2 * m + 1] = (float)t->minima[m][1];
    }
    return s;
}

/* ---- step ---- */

/* Why run k diverged, as the end of the sentence "<name> diverged at step N: ". Plain descent
   and the momentum methods have a curvature limit (mlm_opt_stable_lr); the adaptive rules scale
   their steps to the gradient, so what throws them out is a step of about lr onto a steep wall. */
static void op_why(const op_run *r, int k, int fn, char *buf, size_t n) {
    double h[3];
    mlm_testfn_eval(fn, r->x[0], r->x[1], NULL, h);
    double mid = 0.5 * (h[0] + h[2]), half = 0.5 * (h[0] - h[2]);
    double lam = mid + sqrt(half * half + h[1] * h[1]);
    double lim = mlm_opt_stable_lr((mlm_opt_kind)k, &r->hyper, lam);
    if (lim > 0 && mlm_isfinite(lim) && r->hyper.lr > lim)
        snprintf(buf, n, "η = %.3g is above %.3g, the stable limit for the curvature %.3g where "
                 "it last stood", r->hyper.lr, lim, lam);
    else if (lim > 0 && mlm_isfinite(lim))
        snprintf(buf, n, "a step of η = %.3g overshot onto ground steeper than where it stood "
                 "(the limit there was %.3g)", r->hyper.lr, lim);
    else
        snprintf(buf, n, "steps of about η = %.3g threw it onto ground too steep to come back from",
                 r->hyper.lr);
}

//> race
/* One update of one run: the optimizer moves x, then we look where it landed. */
static void op_run_step(op_run *r, int k, int fn, const op_state *s, int64_t step) {
    double before[2] = {r->x[0], r->x[1]};
    mlm_opt_step((mlm_opt_kind)k, &r->hyper, &r->opt, r->x, r->g, 2);
    double g[2], f = mlm_testfn_eval(fn, r->x[0], r->x[1], g, NULL);
    double cx = 0.5 * (s->t->x0 + s->t->x1), cy = 0.5 * (s->t->y0 + s->t->y1);
    if (!mlm_isfinite(f) || !mlm_isfinite(g[0]) || !mlm_isfinite(g[1]) ||
        fabs(r->x[0] - cx) > s->bound || fabs(r->x[1] - cy) > s->bound) {
        r->x[0] = before[0]; /* frozen at its last drawable point */
        r->x[1] = before[1];
        r->state = OP_DIVERGED;
        r->end_step = step;
        return;
    }
    double moved = mlm_hypot(r->x[0] - before[0], r->x[1] - before[1]);
    r->f = f;
    r->g[0] = g[0];
    r->g[1] = g[1];
    mlm_series_push(&r->trail, r->x[0], r->x[1]);
    mlm_series_push(&r->loss, (double)step, op_loss_value(s->t, f));
    if (f - s->t->fmin < OP_TOL_F || (mlm_hypot(g[0], g[1]) < OP_TOL && moved < OP_TOL)) {
        r->state = OP_CONVERGED;
        r->end_step = step;
    }
}
//< race

static int op_best(const op_state *s) {
    int best = -1;
    for (int k = 0; k < OP_N; k++) {
        const op_run *r = &s->run[k];
        if (r->state == OP_OFF || r->state == OP_DIVERGED) continue;
        if (best < 0 || r->f < s->run[best].f) best = k;
    }
    return best;
}

static void op_step(mlm_instance *in, void *self) {
    op_state *s = self;
    const op_desc *d = in->desc;
    int64_t step = in->steps + 1;
    int first_div = -1, n_div = 0, first_conv = -1, n_conv = 0;
    for (int k = 0; k < OP_N; k++) {
        op_run *r = &s->run[k];
        if (r->state != OP_RUNNING) continue;
        op_run_step(r, k, d->fn, s, step);
        if (r->state == OP_DIVERGED) {
            n_div++;
            if (first_div < 0) first_div = k;
        }
        if (r->state == OP_CONVERGED) {
            n_conv++;
            if (first_conv < 0) first_conv = k;
        }
    }

    int running = 0, converged = 0, diverged = 0;
    for (int k = 0; k < OP_N; k++) {
        running += s->run[k].state == OP_RUNNING;
        converged += s->run[k].state == OP_CONVERGED;
        diverged += s->run[k].state == OP_DIVERGED;
    }
    int best = op_best(s);
    if (running == 0 || step >= d->steps) {
        /* The race is over: say who is ahead and what became of the rest. */
        char head[120] = "";
        if (best >= 0)
            snprintf(head, sizeof head, "closest to the minimum: %s, f − f* = %.2g",
                     mlm_opt_name[best], s->run[best].f - s->t->fmin);
        /* Converged only if every racer converged; the race ran out with some still moving:
           finished; every racer stopped and some diverged: diverged. */
        if (running) {
            mlm_finished(in, "the race is over: %s; %d converged, %d diverged, %d still moving "
                         "after %d steps", head, converged, diverged, running, d->steps);
        } else if (!diverged) {
            mlm_converged(in, 1, "every optimizer converged: %s", head);
        } else if (converged) {
            mlm_diverged(in, 1, "every optimizer has stopped: %s; %d converged, %d diverged", head,
                         converged, diverged);
        } else {
            mlm_diverged(in, 1, "every optimizer diverged");
        }
    } else if (first_div >= 0) {
        /* Say it once, when it happens; the others go on. */
        char why[140];
        op_why(&s->run[first_div], first_div, d->fn, why, sizeof why);
        mlm_diverged(in, 0, "%s diverged at step %lld: %s%s", mlm_opt_name[first_div],
                     (long long)step, why, n_div > 1 ? " (and others with it)" : "; the others go on");
    } else if (first_conv >= 0) {
        const op_run *r = &s->run[first_conv];
        mlm_converged(in, 0, "%s converged at step %lld, f − f* = %.2g%s", mlm_opt_name[first_conv],
                      (long long)step, r->f - s->t->fmin,
                      n_conv > 1 ? " (and others with it)" : "; the others go on");
    }
}

/* ---- draw ---- */

static void op_draw(mlm_instance *in, void *self) {
    op_state *s = self;
    const op_desc *d = in->desc;
    const mlm_testfn *t = s->t;
    in->panels[P_CONTOUR] = (mlm_panel_state){(float)t->x0, (float)t->x1, (float)t->y0, (float)t->y1, 0};
    /* the grid depends on the function alone, so the function numbers its versions */
    mlm_field_view(in, V_FIELD, s->field, OP_FIELD_N, OP_FIELD_N, t->x0, t->x1, t->y0, t->y1, 1 + (uint32_t)d->fn);
    in->views[V_MINIMA].data = s->minima;
    in->views[V_MINIMA].count = t->n_minima;
    for (int k = 0; k < OP_N; k++) {
        const op_run *r = &s->run[k];
        mlm_series_view(in, V_TRAIL0 + k, &r->trail);
        mlm_series_view(in, V_LOSS0 + k, &r->loss);
        in->views[V_TRAIL0 + k].hidden = r->state == OP_OFF;
        in->views[V_LOSS0 + k].hidden = r->state == OP_OFF;
    }
    int best = op_best(s);
    if (best >= 0)
        snprintf(s->leader, sizeof s->leader, "ahead: %s, f − f* = %.2g", mlm_opt_name[best],
                 s->run[best].f - t->fmin);
    else
        snprintf(s->leader, sizeof s->leader, "every optimizer diverged");
    in->views[V_LEADER].text = s->leader;

    /* "converged: Adam 412, Nadam 530 · diverged: SGD 37": the runs that have ended, by fate,
       the first three of each by name (with the step they ended at), the rest counted */
    size_t at = 0;
    s->ends[0] = 0;
    for (int fate = OP_CONVERGED; fate <= OP_DIVERGED; fate++) {
        int listed = 0, more = 0;
        for (int k = 0; k < OP_N; k++) {
            if (s->run[k].state != fate) continue;
            if (listed == 3 || at > 44) { /* a corner of a panel holds one short line */
                more++;
                continue;
            }
            int w = snprintf(s->ends + at, sizeof s->ends - at, "%s%s%s %lld",
                             listed ? ", " : at ? " · " : "",
                             listed ? "" : fate == OP_CONVERGED ? "converged: " : "diverged: ",
                             mlm_opt_name[k], (long long)s->run[k].end_step);
            if (w > 0 && (size_t)w < sizeof s->ends - at) at += (size_t)w;
            listed++;
        }
        if (more) {
            int w = snprintf(s->ends + at, sizeof s->ends - at, " +%d", more);
            if (w > 0 && (size_t)w < sizeof s->ends - at) at += (size_t)w;
        }
    }
    in->views[V_ENDS].text = s->ends;
    in->views[V_ENDS].hidden = s->ends[0] == 0;
}

/* An optimizer's settings show only while it races. */
#define OP_WHEN(name, key) {name, "on_" key "=1"}
static const mlm_when op_when[] = {
    OP_WHEN("lr_sgd", "sgd"),
    OP_WHEN("lr_momentum", "momentum"), OP_WHEN("mu_momentum", "momentum"),
    OP_WHEN("lr_nesterov", "nesterov"), OP_WHEN("mu_nesterov", "nesterov"),
    OP_WHEN("lr_adagrad", "adagrad"),
    OP_WHEN("lr_rmsprop", "rmsprop"), OP_WHEN("rho_rmsprop", "rmsprop"),
    OP_WHEN("lr_adadelta", "adadelta"), OP_WHEN("rho_adadelta", "adadelta"),
    OP_WHEN("eps_adadelta", "adadelta"),
    OP_WHEN("lr_adam", "adam"), OP_WHEN("beta1_adam", "adam"), OP_WHEN("beta2_adam", "adam"),
    OP_WHEN("wd_adam", "adam"),
    OP_WHEN("lr_adamax", "adamax"), OP_WHEN("beta1_adamax", "adamax"), OP_WHEN("beta2_adamax", "adamax"),
    OP_WHEN("lr_nadam", "nadam"), OP_WHEN("beta1_nadam", "nadam"), OP_WHEN("beta2_nadam", "nadam"),
    OP_WHEN("lr_adamw", "adamw"), OP_WHEN("beta1_adamw", "adamw"), OP_WHEN("beta2_adamw", "adamw"),
    OP_WHEN("wd_adamw", "adamw"),
};

const mlm_module mlm_module_optimizers = {
    .name = "optimizers",
    .title = "Momentum, Adam and friends",
    .params = op_params,
    .n_params = MLM_COUNT(op_params),
    .desc_size = sizeof(op_desc),
    .panels = op_panels,
    .n_panels = MLM_COUNT(op_panels),
    .views = op_views,
    .n_views = MLM_COUNT(op_views),
    /* The state, then per optimizer its optimizer buffers and two series of OP_HIST points. */
    .state_bytes = sizeof(op_state) + 16 +
                   OP_N * (3 * 2 * sizeof(double) + 16 + 2 * (sizeof(float) * 2 * OP_HIST + 16)),
    .const_bytes = sizeof(float) * OP_FIELD_N * OP_FIELD_N + 16,
    .speed = 50,
    .create = op_create,
    .step = op_step,
    .draw = op_draw,
    .when = op_when,
    .n_when = MLM_COUNT(op_when),
};
