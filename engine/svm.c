/* svm.c: the engine of chapter 30, "Support vector machines". A soft-margin SVM trained live on
 * the book's 2-D data, by SMO on the dual (any kernel: one pair of multipliers per step) or by
 * Pegasos on the linear primal (one stochastic sub-gradient step per step). The solvers are the
 * shared ones of engine/core/svm.h; this module draws them:
 *
 *   plane      the decision score f(x) as a heatmap (blue above 0, orange below), the boundary
 *              f = 0 and the margins f = -1 and f = +1 traced by marching squares over the same
 *              grid, the points (support vectors full, the others faint), the pair SMO just moved;
 *   progress   how far from the optimum, on a log scale: SMO's duality gap P - D and its largest
 *              KKT violation m - M against the tolerance; Pegasos' primal P - P*, with P* found by
 *              SMO when the run starts;
 *   hinge      every point's hinge loss max(0, 1 - y f) against its functional margin y f, on
 *              the hinge curve, with the 0-1 loss it bounds.
 * The score grid is recomputed in draw only when the model has changed since it was last drawn
 * (the step it holds is part of the state, so a restored checkpoint redraws what it drew).
 *
 * Data: the book's 2-D datasets (engine/core/datasets2d.h) or only the reader's points; the
 * reader's placed points (mlm_points) join the data, and a press on the plane adds or removes one.
 *
 * Shapes: N points (G generated + placed); x (N, 2); y (N,) labels 0/1 (class 1 is y = +1);
 * grid SV_GRID x SV_GRID scores over the box, row 0 at the bottom.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datasets2d.h"
#include "detmath.h"
#include "mlm.h"
#include "svm.h"

#define SV_G_MAX 200
#define SV_N_MAX (SV_G_MAX + MLM_POINTS_MAX)
#define SV_GRID 64
#define SV_SEG_MAX 1200  /* contour segments kept per view (a 64-cell grid rarely needs 300) */
#define SV_HINGE_C 3     /* points of the hinge curve */
#define SV_STEPS_MAX 20000
#define SV_F_CLAMP 1e6   /* scores beyond this are drawn as this (huge polynomial kernels) */

enum { SV_LINEAR, SV_OVERLAP, SV_CIRCLES, SV_MOONS, SV_XOR, SV_MINE };
enum { SV_SMO, SV_PEGASOS };

typedef struct {
    int data;      /* default linear */
    int n;         /* generated points; default 60 */
    double noise;  /* default 0.3 */
    int solver;    /* default SMO */
    int kernel;    /* default linear (SMO only) */
    double c;      /* default 1 */
    double gamma;  /* default 0.5 */
    int degree;    /* default 3 */
    double tol;    /* default 1e-3 */
    int batch;     /* Pegasos: default 10 */
    int iters;     /* Pegasos: default 600 */
    int place;     /* class of a placed point; default 0 */
} sv_desc;

typedef struct {
    int32_t N, G;
    double x[SV_N_MAX][2];                 /* (N, 2) */
    int32_t y[SV_N_MAX];                   /* (N,) 0/1 */
    double box[4];
    mlm_rng rng0;
    mlm_points mine;
    int32_t classes_present;               /* 1 when both classes have a point */
    mlm_svm_kernel kern;
    mlm_svm_smo smo;
    double smo_mem[4 * SV_N_MAX];          /* the SMO solver's arrays (no kernel cache) */
    mlm_svm_pegasos peg;
    double peg_mem[6];                     /* Pegasos' w, wavg and scratch, (3, 2) */
    double pstar;                          /* Pegasos: the optimal primal value, from SMO */
    /* the model now, refreshed after every step */
    double w[2], b, wnorm;                 /* linear: w; any kernel: |w| = sqrt(a' Q a) */
    double primal, dual;                   /* P = 1/2 |w|^2 + C sum hinge, D (SMO) */
    int32_t train_err, n_sv, n_bound;      /* misclassified points, a > 0, a = C */
    mlm_series h_gap, h_kkt;               /* (step, P - D or P - P*), (step, m - M) */
    /* drawing caches */
    int64_t grid_step;                     /* the step the grid was computed at (-1: never) */
    uint32_t grid_version;
    float grid[SV_GRID * SV_GRID];         /* (SV_GRID, SV_GRID) f at cell centres */
    int32_t n_seg0, n_seg1;
    float seg0[SV_SEG_MAX][4];             /* f = 0 */
    float seg1[SV_SEG_MAX][4];             /* f = -1 and f = +1 */
    float pts[SV_N_MAX][3], svpts[SV_N_MAX][3], hpts[SV_N_MAX][3];
    float pair[2][2];
    float hinge[SV_HINGE_C][2], zero_one[4][2], tol_line[2][2];
    double *scratch;                       /* (SV_GRID^2,) in the constant block: draw's sums */
    char note[200];
} sv_state;

static const mlm_param sv_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(sv_desc, data), 0, 5, 1, SV_LINEAR, 0,
     "linear:Separable by a line|overlap:Overlapping clouds|circles:Circles|moons:Two moons|"
     "xor:XOR|mine:Only my points",
     "the points to separate"},
    {"n", "Points", MLM_INT, offsetof(sv_desc, n), 10, SV_G_MAX, 10, 60, 0, NULL, "points generated"},
    {"noise", "Noise", MLM_FLOAT, offsetof(sv_desc, noise), 0, 1, 0.05, 0.3, 0, NULL,
     "how far the generated points scatter from their pattern"},
    {"solver", "Solver", MLM_CHOICE, offsetof(sv_desc, solver), 0, 1, 1, SV_SMO, 0,
     "smo:SMO (the dual)|pegasos:Pegasos (the primal, linear)",
     "SMO moves two multipliers a step, any kernel; Pegasos takes sub-gradient steps on w and b"},
    {"kernel", "Kernel", MLM_CHOICE, offsetof(sv_desc, kernel), 0, 2, 1, MLM_SVM_LINEAR, 0,
     "linear:Linear x·z|poly:Polynomial (γ x·z + 1)^d|rbf:RBF exp(−γ |x − z|²)",
     "the kernel K(x, z) the dual uses"},
    {"c", "C", MLM_FLOAT, offsetof(sv_desc, c), 0.01, 1000, 0, 1, 1, NULL,
     "the price of each unit of margin violation: large C, a hard margin; small C, a wide soft one"},
    {"gamma", "γ", MLM_FLOAT, offsetof(sv_desc, gamma), 0.01, 10, 0, 0.5, 1, NULL,
     "the kernel's scale: RBF width 1/sqrt(γ); polynomial weight of x·z"},
    {"degree", "Degree d", MLM_INT, offsetof(sv_desc, degree), 2, 5, 1, 3, 0, NULL,
     "the polynomial kernel's degree"},
    {"tol", "Tolerance", MLM_FLOAT, offsetof(sv_desc, tol), 1e-5, 0.1, 0, 1e-3, 1, NULL,
     "SMO stops when no KKT condition is violated by more than this"},
    {"batch", "Batch", MLM_INT, offsetof(sv_desc, batch), 1, SV_G_MAX, 1, 10, 0, NULL,
     "points per Pegasos step (drawn at random; the whole set when at least the number of points)"},
    {"iters", "Steps", MLM_INT, offsetof(sv_desc, iters), 10, SV_STEPS_MAX, 10, 600, 1, NULL,
     "Pegasos steps before the run ends"},
    {"place", "A press adds", MLM_CHOICE, offsetof(sv_desc, place), 0, 1, 1, 0, 0,
     "c0:class −1 (vermilion)|c1:class +1 (blue)",
     "the class of a point you add by pressing the plane (press a point to remove it)"},
};

static const mlm_when sv_when[] = {
    {"n", "data=linear|overlap|circles|moons|xor"},
    {"noise", "data=linear|overlap|circles|moons|xor"},
    {"kernel", "solver=smo"},
    {"gamma", "kernel=poly|rbf"},
    {"degree", "kernel=poly"},
    {"tol", "solver=smo"},
    {"batch", "solver=pegasos"},
    {"iters", "solver=pegasos"},
};

enum { P_PLANE, P_PROGRESS, P_HINGE, SV_N_PANELS };
static const mlm_panel sv_panels[] = {
    [P_PLANE] = {"plane", "f(x), its zero and margins ±1 (press: add or remove a point)", "x₁", "x₂",
                 MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_PROGRESS] = {"progress", "Distance from the optimum", "step", "gap",
                    MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
    [P_HINGE] = {"hinge", "Hinge loss of every point", "margin y f(x)", "loss", 0, NULL},
};

enum {
    V_FIELD, V_SEG0, V_SEG1, V_PTS, V_SV, V_PAIR, V_NOTE,
    V_H_GAP, V_H_KKT, V_TOL,
    V_HINGE, V_ZERO_ONE, V_HPTS,
    V_S_SV, V_S_BOUND, V_S_MARGIN, V_S_ERR, V_S_PRIMAL, V_S_DUAL, V_S_KKT, V_S_B,
    SV_N_VIEWS
};
static const mlm_view sv_views[] = {
    [V_FIELD] = {"score", "plane", MLM_VIEW_FIELD, "f(x)", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_SEG0] = {"boundary", "plane", MLM_VIEW_SEGMENTS, "f = 0", MLM_INK, 0},
    [V_SEG1] = {"margins", "plane", MLM_VIEW_SEGMENTS, "f = ±1", MLM_INK, MLM_VIEW_DASHED},
    [V_PTS] = {"points", "plane", MLM_VIEW_POINTS, "points", MLM_VERMILION, MLM_VIEW_FAINT},
    [V_SV] = {"support", "plane", MLM_VIEW_POINTS, "support vectors", MLM_VERMILION, 0},
    [V_PAIR] = {"pair", "plane", MLM_VIEW_MARKERS, "the pair SMO moved", MLM_INK, 0},
    [V_NOTE] = {"note", "plane", MLM_VIEW_TEXT, "", 0, 0},
    [V_H_GAP] = {"hist_gap", "progress", MLM_VIEW_CURVE, "duality gap P − D", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_H_KKT] = {"hist_kkt", "progress", MLM_VIEW_CURVE, "largest KKT violation", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_TOL] = {"tol_line", "progress", MLM_VIEW_CURVE, "tolerance", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_HINGE] = {"hinge_curve", "hinge", MLM_VIEW_CURVE, "max(0, 1 − y f)", MLM_INK, MLM_VIEW_LEGEND},
    [V_ZERO_ONE] = {"zero_one", "hinge", MLM_VIEW_CURVE, "0-1 loss", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_HPTS] = {"hinge_points", "hinge", MLM_VIEW_POINTS, "points", MLM_VERMILION, 0},
    [V_S_SV] = {"sv", NULL, MLM_VIEW_SCALAR, "support vectors", 0, MLM_SCALAR_INT},
    [V_S_BOUND] = {"at_c", NULL, MLM_VIEW_SCALAR, "at C", 0, MLM_SCALAR_INT},
    [V_S_MARGIN] = {"margin", NULL, MLM_VIEW_SCALAR, "margin 2/|w|", 0, 0},
    [V_S_ERR] = {"train_err", NULL, MLM_VIEW_SCALAR, "training error", 0, MLM_SCALAR_PERCENT},
    [V_S_PRIMAL] = {"primal", NULL, MLM_VIEW_SCALAR, "primal P", 0, 0},
    [V_S_DUAL] = {"dual", NULL, MLM_VIEW_SCALAR, "dual D", 0, 0},
    [V_S_KKT] = {"kkt", NULL, MLM_VIEW_SCALAR, "KKT violation", 0, 0},
    [V_S_B] = {"b", NULL, MLM_VIEW_SCALAR, "b", 0, 0},
};
_Static_assert(MLM_COUNT(sv_views) == SV_N_VIEWS, "one declaration per view");

#define SV_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define SV_STATE_BYTES (SV_A16(sizeof(sv_state)) + 2 * SV_A16(sizeof(float) * 2 * 256))

static double sv_clampf(double f) { return f > SV_F_CLAMP ? SV_F_CLAMP : f < -SV_F_CLAMP ? -SV_F_CLAMP : f; }

/* The model after a step: w (linear kernel or Pegasos), |w|, the primal and dual objectives, the
   support vectors and the training errors. For SMO everything comes from g in O(n):
   (Q a)_i = g_i + 1, so a'Qa = sum a_i (g_i + 1) = |w|^2, and f(x_i) = y_i (g_i + 1) + b. */
static void sv_refresh(mlm_instance *in, sv_state *s) {
    const sv_desc *d = in->desc;
    double C = d->c, hinge = 0;
    int err = 0;
    if (d->solver == SV_SMO) {
        const mlm_svm_smo *m = &s->smo;
        double aqa = 0, suma = 0;
        int nsv = 0, nb = 0;
        for (int i = 0; i < s->N; i++) {
            double yi = m->ys[i], f = yi * (m->g[i] + 1) + m->b;
            aqa += m->a[i] * (m->g[i] + 1);
            suma += m->a[i];
            hinge += mlm_svm_hinge(yi * f);
            err += yi * f <= 0;
            nsv += m->a[i] > 0;
            nb += m->a[i] >= C;
        }
        s->wnorm = sqrt(aqa > 0 ? aqa : 0);
        s->primal = 0.5 * aqa + C * hinge;
        s->dual = suma - 0.5 * aqa;
        s->b = m->b;
        s->n_sv = nsv, s->n_bound = nb;
        if (d->kernel == MLM_SVM_LINEAR) mlm_svm_smo_w(m, s->w);
        else s->w[0] = s->w[1] = 0;
    } else {
        const mlm_svm_pegasos *p = &s->peg;
        int nsv = 0;
        for (int i = 0; i < s->N; i++) {
            double yi = mlm_svm_sign(s->y[i]), m = yi * mlm_svm_pegasos_decision(p, s->x[i]);
            hinge += mlm_svm_hinge(m);
            err += m <= 0;
            nsv += m <= 1; /* the points on or inside the margin: those the hinge sees */
        }
        s->w[0] = p->w[0], s->w[1] = p->w[1], s->b = p->b;
        s->wnorm = sqrt(p->w[0] * p->w[0] + p->w[1] * p->w[1]);
        s->primal = 0.5 * s->wnorm * s->wnorm + C * hinge;
        s->dual = 0;
        s->n_sv = nsv, s->n_bound = 0;
    }
    s->train_err = err;
}

static void sv_build(mlm_instance *in, sv_state *s) {
    const sv_desc *d = in->desc;
    s->N = 0;
    if (d->data != SV_MINE) {
        static const int kinds[5] = {MLM_D2_LINEAR, MLM_D2_OVERLAP, MLM_D2_CIRCLES, MLM_D2_MOONS, MLM_D2_XOR};
        mlm_d2_spec spec = {.kind = kinds[d->data], .n = d->n, .noise = d->noise, .margin = 0.6, .classes = 2};
        double x[SV_G_MAX][2];
        int y[SV_G_MAX];
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL);
        for (int i = 0; i < d->n; i++) s->x[i][0] = x[i][0], s->x[i][1] = x[i][1], s->y[i] = y[i];
        s->N = d->n;
    }
    s->G = s->N;
    for (int j = 0; j < s->mine.n && s->N < SV_N_MAX; j++) {
        double px, py;
        mlm_points_xy(&s->mine, j, &px, &py);
        s->x[s->N][0] = px, s->x[s->N][1] = py, s->y[s->N++] = s->mine.cls[j] > 0;
    }
    int pos = 0;
    for (int i = 0; i < s->N; i++) pos += s->y[i] > 0;
    s->classes_present = pos > 0 && pos < s->N;
}

static void sv_start(mlm_instance *in, sv_state *s) {
    const sv_desc *d = in->desc;
    in->rng = s->rng0;
    sv_build(in, s);
    s->kern.kind = d->solver == SV_PEGASOS ? MLM_SVM_LINEAR : d->kernel;
    s->kern.gamma = d->gamma, s->kern.degree = d->degree, s->kern.coef0 = 1;
    mlm_svm_smo_init(&s->smo, s->N, 2, &s->x[0][0], s->y, &s->kern, d->c, d->tol, 0, s->smo_mem);
    s->pstar = 0;
    if (d->solver == SV_PEGASOS) {
        /* The optimum to measure Pegasos against: SMO run to a tight tolerance now, then put back
           at its start (the widget shows Pegasos only). lambda = 1 / (n C) makes the two
           problems the same. */
        mlm_svm_smo ref;
        double mem[4 * SV_N_MAX];
        mlm_svm_smo_init(&ref, s->N, 2, &s->x[0][0], s->y, &s->kern, d->c, 1e-6, 0, mem);
        mlm_svm_smo_fit(&ref, 200000);
        double w[2];
        mlm_svm_smo_w(&ref, w);
        s->pstar = s->N > 0 ? s->N * d->c * mlm_svm_primal_objective(s->N, 2, &s->x[0][0], s->y, w, ref.b, 1.0 / (s->N * d->c)) : 0;
        mlm_svm_pegasos_init(&s->peg, s->N, 2, &s->x[0][0], s->y, s->N > 0 ? 1.0 / (s->N * d->c) : 1, d->batch, s->peg_mem);
    }
    mlm_series_clear(&s->h_gap);
    mlm_series_clear(&s->h_kkt);
    s->grid_step = -1;
    sv_refresh(in, s);
    in->panels[P_PLANE].x0 = (float)s->box[0], in->panels[P_PLANE].x1 = (float)s->box[1];
    in->panels[P_PLANE].y0 = (float)s->box[2], in->panels[P_PLANE].y1 = (float)s->box[3];
    in->panels[P_HINGE].x0 = -3, in->panels[P_HINGE].x1 = 4;
    in->panels[P_HINGE].y0 = 0, in->panels[P_HINGE].y1 = 4.2f;
}

static void *sv_create(mlm_instance *in) {
    sv_state *s = mlm_alloc(in, sizeof *s);
    /* scratch for draw, rewritten whole before every use: nothing in it outlives a call */
    if (!s || !(s->scratch = mlm_alloc_const(in, sizeof(double) * SV_GRID * SV_GRID)) || mlm_series_init(in, &s->h_gap, 256) || mlm_series_init(in, &s->h_kkt, 256)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->rng0 = in->rng;
    s->box[0] = s->box[2] = -MLM_D2_BOX, s->box[1] = s->box[3] = MLM_D2_BOX;
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 2);
    sv_start(in, s);
    return s;
}

//> step
/* One step: SMO moves one pair of multipliers (and stops when no KKT condition is violated by
   more than tol); Pegasos takes one sub-gradient step on a mini-batch. */
static void sv_step(mlm_instance *in, void *self) {
    sv_state *s = self;
    const sv_desc *d = in->desc;
    if (s->N == 0) {
        mlm_finished(in, "no points yet: press the plane to place some (choose their class with \"A press adds\")");
        return;
    }
    if (d->solver == SV_SMO) {
        int moved = mlm_svm_smo_step(&s->smo);
        sv_refresh(in, s);
        if (!isfinite(s->primal) || !isfinite(s->b)) {
            mlm_diverged(in, 1, "the objective became infinite at step %lld: the kernel's values are too "
                                "large for doubles (lower γ or the degree)", (long long)in->steps);
            return;
        }
        mlm_series_push(&s->h_gap, (double)(in->steps + 1), fmax(s->primal - s->dual, 1e-9));
        mlm_series_push(&s->h_kkt, (double)(in->steps + 1), fmax(s->smo.gap, 1e-9));
        if (!s->classes_present)
            mlm_finished(in, "only one class: every point is on its side of any boundary, nothing to separate");
        else if (!moved || s->smo.converged)
            mlm_converged(in, 1, "converged after %ld pair updates: every point meets its KKT condition within %g; "
                                 "%d support vectors, %d of them at the bound C", s->smo.steps, d->tol, s->n_sv, s->n_bound);
        else if (in->steps + 1 >= SV_STEPS_MAX)
            mlm_finished(in, "stopped after %d pair updates with a KKT violation of %.3g still above the tolerance %g",
                         SV_STEPS_MAX, s->smo.gap, d->tol);
    } else {
        mlm_svm_pegasos_step(&s->peg, &in->rng);
        sv_refresh(in, s);
        mlm_series_push(&s->h_gap, (double)(in->steps + 1), fmax(s->primal - s->pstar, 1e-9));
        if (s->peg.t >= d->iters)
            mlm_finished(in, "%d Pegasos steps: the primal objective is %.4g, %.3g above the optimum %.4g that SMO finds",
                         d->iters, s->primal, s->primal - s->pstar, s->pstar);
    }
}
//< step

//> grid
/* f(x) at the centre of every cell of an SV_GRID x SV_GRID grid over the box (row 0 at the
   bottom), one support vector at a time. A kernel's value at a cell splits into a part that
   depends on the column and a part that depends on the row, so each support vector costs
   2 SV_GRID kernel pieces and SV_GRID^2 multiply-adds:
     RBF     exp(-g |x - z|^2) = exp(-g (x1 - z1)^2) exp(-g (x2 - z2)^2)
     poly    (g x.z + 1)^d with x.z = x1 z1 + x2 z2 (one addition per cell)
     linear  w . x + b directly. */
static void sv_grid(const sv_state *s, int solver, double *acc /* (SV_GRID^2,) scratch */, float *grid) {
    double h = (s->box[1] - s->box[0]) / SV_GRID, cx[SV_GRID], cy[SV_GRID];
    for (int c = 0; c < SV_GRID; c++) cx[c] = s->box[0] + (c + 0.5) * h, cy[c] = s->box[2] + (c + 0.5) * h;
    const mlm_svm_smo *m = &s->smo;
    if (solver == SV_PEGASOS || s->kern.kind == MLM_SVM_LINEAR) {
        for (int r = 0; r < SV_GRID; r++)
            for (int c = 0; c < SV_GRID; c++)
                acc[r * SV_GRID + c] = s->w[0] * cx[c] + s->w[1] * cy[r] + s->b;
    } else {
        for (int k = 0; k < SV_GRID * SV_GRID; k++) acc[k] = m->b;
        for (int i = 0; i < s->N; i++) {
            if (m->a[i] <= 0) continue;
            double ay = m->a[i] * m->ys[i], px[SV_GRID], py[SV_GRID];
            double g = s->kern.gamma;
            if (s->kern.kind == MLM_SVM_RBF) {
                for (int c = 0; c < SV_GRID; c++) {
                    double u = cx[c] - s->x[i][0], v = cy[c] - s->x[i][1];
                    px[c] = mlm_exp(-g * u * u), py[c] = ay * mlm_exp(-g * v * v);
                }
                for (int r = 0; r < SV_GRID; r++)
                    for (int c = 0; c < SV_GRID; c++) acc[r * SV_GRID + c] += py[r] * px[c];
            } else {
                for (int c = 0; c < SV_GRID; c++) px[c] = g * cx[c] * s->x[i][0], py[c] = g * cy[c] * s->x[i][1] + 1;
                for (int r = 0; r < SV_GRID; r++)
                    for (int c = 0; c < SV_GRID; c++) {
                        double base = px[c] + py[r], p = base;
                        for (int e = 1; e < s->kern.degree; e++) p *= base;
                        acc[r * SV_GRID + c] += ay * p;
                    }
            }
        }
    }
    for (int k = 0; k < SV_GRID * SV_GRID; k++) grid[k] = (float)sv_clampf(isfinite(acc[k]) ? acc[k] : 0);
}
//< grid

/* Marching squares: the segments where the grid crosses `level` (cell centres as corners),
   appended to seg (at most SV_SEG_MAX in all); a saddle cell is split by its centre's value. */
static int sv_contour(const sv_state *s, const float *grid, double level, float (*seg)[4], int n) {
    double h = (s->box[1] - s->box[0]) / SV_GRID, x0 = s->box[0] + 0.5 * h, y0 = s->box[2] + 0.5 * h;
    for (int r = 0; r + 1 < SV_GRID; r++)
        for (int c = 0; c + 1 < SV_GRID; c++) {
            double v[4] = {grid[r * SV_GRID + c], grid[r * SV_GRID + c + 1], grid[(r + 1) * SV_GRID + c + 1],
                           grid[(r + 1) * SV_GRID + c]};
            /* corners 0..3 counter-clockwise from the bottom left; edge e joins corners e and e+1 */
            static const double cxs[4] = {0, 1, 1, 0}, cys[4] = {0, 0, 1, 1};
            double ex[4], ey[4];
            int on[4], k = 0;
            for (int e = 0; e < 4; e++) {
                int a = e, b = (e + 1) & 3;
                on[e] = (v[a] > level) != (v[b] > level);
                if (on[e]) {
                    double t = (level - v[a]) / (v[b] - v[a]);
                    ex[e] = x0 + (c + cxs[a] + (cxs[b] - cxs[a]) * t) * h;
                    ey[e] = y0 + (r + cys[a] + (cys[b] - cys[a]) * t) * h;
                    k++;
                }
            }
            if (k == 0) continue;
            int pairs[2][2], np = 0;
            if (k == 2) {
                int e0 = -1, e1 = -1;
                for (int e = 0; e < 4; e++)
                    if (on[e]) (e0 < 0 ? (e0 = e) : (e1 = e));
                pairs[np][0] = e0, pairs[np][1] = e1, np++;
            } else { /* k == 4: a saddle */
                int mid_above = 0.25 * (v[0] + v[1] + v[2] + v[3]) > level, c0_above = v[0] > level;
                if (mid_above == c0_above) pairs[0][0] = 0, pairs[0][1] = 1, pairs[1][0] = 2, pairs[1][1] = 3;
                else pairs[0][0] = 3, pairs[0][1] = 0, pairs[1][0] = 1, pairs[1][1] = 2;
                np = 2;
            }
            for (int q = 0; q < np && n < SV_SEG_MAX; q++) {
                seg[n][0] = (float)ex[pairs[q][0]], seg[n][1] = (float)ey[pairs[q][0]];
                seg[n][2] = (float)ex[pairs[q][1]], seg[n][3] = (float)ey[pairs[q][1]];
                n++;
            }
        }
    return n;
}

static float sv_point_class(int y) { return y > 0 ? -1.0f : 0.0f; } /* +1 blue, -1 vermilion */

static void sv_draw(mlm_instance *in, void *self) {
    sv_state *s = self;
    const sv_desc *d = in->desc;
    mlm_view_state *v = in->views;
    if (s->grid_step != in->steps) { /* only when the model changed */
        sv_grid(s, d->solver, s->scratch, s->grid);
        s->n_seg0 = sv_contour(s, s->grid, 0, s->seg0, 0);
        s->n_seg1 = sv_contour(s, s->grid, -1, s->seg1, 0);
        s->n_seg1 = sv_contour(s, s->grid, 1, s->seg1, s->n_seg1);
        s->grid_step = in->steps;
        uint32_t hsh = 2166136261u; /* the version: a hash of what is drawn, never 0 */
        const unsigned char *bytes = (const unsigned char *)s->grid;
        for (size_t i = 0; i < sizeof s->grid; i++) hsh = (hsh ^ bytes[i]) * 16777619u;
        s->grid_version = hsh ? hsh : 1;
    }
    mlm_field_view(in, V_FIELD, s->grid, SV_GRID, SV_GRID, s->box[0] + 0.5 * (s->box[1] - s->box[0]) / SV_GRID,
                   s->box[1] - 0.5 * (s->box[1] - s->box[0]) / SV_GRID, s->box[2] + 0.5 * (s->box[3] - s->box[2]) / SV_GRID,
                   s->box[3] - 0.5 * (s->box[3] - s->box[2]) / SV_GRID, s->grid_version);
    v[V_FIELD].lo = -2.5f, v[V_FIELD].hi = 2.5f;
    v[V_FIELD].hidden = s->N == 0;
    v[V_SEG0].data = &s->seg0[0][0], v[V_SEG0].count = s->n_seg0;
    v[V_SEG1].data = &s->seg1[0][0], v[V_SEG1].count = s->n_seg1;
    /* support vectors in full colour, the other points faint: for SMO a_i > 0, for Pegasos the
       points on or inside the margin (y f <= 1), the ones that move w */
    int np = 0, ns = 0;
    for (int i = 0; i < s->N; i++) {
        int sv = d->solver == SV_SMO ? s->smo.a[i] > 0
                                     : mlm_svm_sign(s->y[i]) * mlm_svm_pegasos_decision(&s->peg, s->x[i]) <= 1;
        float(*dst)[3] = sv ? s->svpts : s->pts;
        int k = sv ? ns++ : np++;
        dst[k][0] = (float)s->x[i][0], dst[k][1] = (float)s->x[i][1], dst[k][2] = sv_point_class(s->y[i]);
    }
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = np;
    v[V_SV].data = &s->svpts[0][0], v[V_SV].count = ns;
    int pair = d->solver == SV_SMO && s->smo.last_i >= 0 && !s->smo.converged;
    if (pair) {
        s->pair[0][0] = (float)s->x[s->smo.last_i][0], s->pair[0][1] = (float)s->x[s->smo.last_i][1];
        s->pair[1][0] = (float)s->x[s->smo.last_j][0], s->pair[1][1] = (float)s->x[s->smo.last_j][1];
    }
    v[V_PAIR].data = &s->pair[0][0], v[V_PAIR].count = pair ? 2 : 0;
    if (d->solver == SV_PEGASOS || d->kernel == MLM_SVM_LINEAR)
        snprintf(s->note, sizeof s->note, "w = (%.2f, %.2f), b = %.2f", s->w[0], s->w[1], s->b);
    else
        snprintf(s->note, sizeof s->note, "%d support vectors of %d points", s->n_sv, s->N);
    v[V_NOTE].text = s->note;
    /* progress */
    mlm_series_view(in, V_H_GAP, &s->h_gap);
    mlm_series_view(in, V_H_KKT, &s->h_kkt);
    v[V_H_KKT].hidden = d->solver != SV_SMO;
    s->tol_line[0][0] = 0, s->tol_line[1][0] = (float)(in->steps > 1 ? in->steps : 1);
    s->tol_line[0][1] = s->tol_line[1][1] = (float)d->tol;
    v[V_TOL].data = &s->tol_line[0][0], v[V_TOL].count = 2;
    v[V_TOL].hidden = d->solver != SV_SMO;
    /* hinge */
    s->hinge[0][0] = -3, s->hinge[0][1] = 4, s->hinge[1][0] = 1, s->hinge[1][1] = 0;
    s->hinge[2][0] = 4, s->hinge[2][1] = 0;
    v[V_HINGE].data = &s->hinge[0][0], v[V_HINGE].count = SV_HINGE_C;
    s->zero_one[0][0] = -3, s->zero_one[0][1] = 1, s->zero_one[1][0] = 0, s->zero_one[1][1] = 1;
    s->zero_one[2][0] = 0, s->zero_one[2][1] = 0, s->zero_one[3][0] = 4, s->zero_one[3][1] = 0;
    v[V_ZERO_ONE].data = &s->zero_one[0][0], v[V_ZERO_ONE].count = 4;
    for (int i = 0; i < s->N; i++) {
        double f = d->solver == SV_SMO ? s->smo.ys[i] * (s->smo.g[i] + 1) + s->smo.b
                                       : mlm_svm_pegasos_decision(&s->peg, s->x[i]);
        double m = mlm_svm_sign(s->y[i]) * f;
        m = m < -3 ? -3 : m > 4 ? 4 : m;
        s->hpts[i][0] = (float)m, s->hpts[i][1] = (float)mlm_svm_hinge(m), s->hpts[i][2] = sv_point_class(s->y[i]);
    }
    v[V_HPTS].data = &s->hpts[0][0], v[V_HPTS].count = s->N;
    /* readouts */
    v[V_S_SV].value = (float)s->n_sv;
    v[V_S_BOUND].value = (float)s->n_bound;
    v[V_S_BOUND].hidden = d->solver != SV_SMO;
    v[V_S_MARGIN].value = s->wnorm > 0 ? (float)(2 / s->wnorm) : 0;
    v[V_S_MARGIN].hidden = s->wnorm <= 0 || (d->solver == SV_SMO && d->kernel != MLM_SVM_LINEAR);
    v[V_S_ERR].value = s->N ? (float)(100.0 * s->train_err / s->N) : 0;
    v[V_S_PRIMAL].value = (float)sv_clampf(s->primal);
    v[V_S_DUAL].value = (float)sv_clampf(s->dual);
    v[V_S_DUAL].hidden = d->solver != SV_SMO;
    v[V_S_KKT].value = (float)sv_clampf(s->smo.gap);
    v[V_S_KKT].hidden = d->solver != SV_SMO;
    v[V_S_B].value = (float)sv_clampf(s->b);
}

static int sv_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    sv_state *s = self;
    const sv_desc *d = in->desc;
    if (panel != P_PLANE || kind != MLM_POINTER_DOWN) return 0;
    return mlm_points_click(&s->mine, x, y, d->place, 0.03 * (s->box[1] - s->box[0]));
}

static int sv_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    return mlm_points_get(&((const sv_state *)self)->mine, buf, n);
}

static int sv_input_set(mlm_instance *in, void *self, const char *text) {
    sv_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    sv_start(in, s);
    return 0;
}

const mlm_module mlm_module_svm = {
    .name = "svm",
    .title = "Support vector machines",
    .params = sv_params,
    .n_params = MLM_COUNT(sv_params),
    .desc_size = sizeof(sv_desc),
    .panels = sv_panels,
    .n_panels = SV_N_PANELS,
    .views = sv_views,
    .n_views = SV_N_VIEWS,
    .state_bytes = SV_STATE_BYTES,
    .const_bytes = sizeof(double) * SV_GRID * SV_GRID, /* the score grid's scratch, in doubles */
    .speed = 6,
    .random = 1,
    .create = sv_create,
    .step = sv_step,
    .draw = sv_draw,
    .pointer = sv_pointer,
    .when = sv_when,
    .n_when = MLM_COUNT(sv_when),
    .input_get = sv_input_get,
    .input_set = sv_input_set,
    .t_max = SV_STEPS_MAX,
};
