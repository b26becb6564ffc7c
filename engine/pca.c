/* pca.c: the engine of chapter 12, "Principal component analysis". N points in d dimensions are
 * centred (and, if asked, standardised: each feature divided by its standard deviation), and
 * their covariance C = X^T X / N is the d x d matrix whose quadratic form u^T C u is the variance
 * of the points' projections on the unit direction u. The principal components are the directions
 * that make it largest: the eigenvectors of C, in decreasing order of eigenvalue.
 *
 * Two ways to them, side by side:
 *   the solver     cyclic Jacobi (engine/core/eig.c) gives every eigenvalue and eigenvector at
 *                  once, in create: the reference the panels draw against;
 *   the run        power iteration, one multiplication per step: v <- A v / |A v| turns a random
 *                  start towards the eigenvector of largest eigenvalue, the error's tangent
 *                  shrinking at least as fast as (lambda_2 / lambda_1)^t. When the iterate stops
 *                  moving, its Rayleigh quotient v^T A v is the eigenvalue, and deflation,
 *                  A <- A - lambda v v^T, removes that component so the next run of power
 *                  iteration finds the next one. The run ends when k components are found.
 *
 * The reader turns an axis through the mean (a press or a drag in the data panel; the axis is the
 * reader's input): the panel draws each point's projection on it and its residual, and the
 * readouts give the variance along the axis and the mean squared residual, whose sum is the total
 * variance whatever the axis. In more than two dimensions the data panel shows the points in the
 * plane of the first two components (the solver's), and the axis turns in that plane.
 *
 * Reconstruction from the first k components, x_hat = sum_{j<k} (x . e_j) e_j, misses each point
 * by its part along the other components, so the mean squared error is the sum of the dropped
 * eigenvalues: the explained-variance panel measures it directly from the points for every k.
 *
 * Shapes: N points (<= PCA_N_MAX), d features (<= PCA_D_MAX); x (N, d) centred; C, A (d, d);
 * E (d, d) the solver's eigenvectors, column j; v (d,) the power iterate.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "eig.h"
#include "iris.h"
#include "mlm.h"
#include "wine.h"

#define PCA_N_MAX 400      /* points of the generated cloud, at most (iris 150, wine 178) */
#define PCA_D_MAX 13       /* features (wine) */
#define PCA_ANGLES 181     /* samples of the variance against the axis's angle, 0..180 degrees */
#define PCA_HIST 1024      /* points of the convergence history */
#define PCA_IT_MAX 2000    /* power iterations allowed for one component */
#define PCA_TOL 1e-12      /* a component is found when the iterate moves less than this */
#define PCA_ANGLE0 90.0    /* the axis's angle before the reader turns it (degrees) */
#define PCA_PI 3.14159265358979323846

enum { PCA_CLOUD, PCA_IRIS, PCA_WINE };

typedef struct {
    int data;        /* PCA_*; default cloud */
    int n;           /* points of the cloud; default 200 */
    double stretch;  /* the cloud's standard deviations' ratio; default 1.6 */
    double tilt;     /* the cloud's long axis, degrees; default 30 */
    int standardise; /* 1: each feature divided by its standard deviation; default 1 */
    int k;           /* components power iteration finds (and the reconstruction keeps); 2 */
} pca_desc;

typedef struct {
    int32_t N, d, k;                       /* points, features, components to find (<= d) */
    double x[PCA_N_MAX][PCA_D_MAX];        /* (N, d) centred (and standardised) */
    uint8_t cls[PCA_N_MAX];                /* (N,) class, for colour */
    double mean[PCA_D_MAX], sd[PCA_D_MAX]; /* (d,) before centring; sd 1 unless standardised */
    double C[PCA_D_MAX][PCA_D_MAX];        /* (d, d) covariance */
    double lam[PCA_D_MAX];                 /* (d,) the solver's eigenvalues, decreasing */
    double E[PCA_D_MAX][PCA_D_MAX];        /* (d, d) the solver's eigenvectors, column j */
    double total;                          /* total variance: the trace of C */
    double basis[2][PCA_D_MAX];            /* (2, d) the data panel's plane */
    double origin[2];                      /* where the mean is drawn */
    double box[4];                         /* the data panel: x0, x1, y0, y1 */
    double err_k[PCA_D_MAX + 1];           /* (d + 1,) mean squared error of reconstruction from
                                              k = 0..d components, measured on the points */
    /* the run: power iteration with deflation */
    double A[PCA_D_MAX][PCA_D_MAX];        /* (d, d) C with the components found so far removed */
    double v[PCA_D_MAX];                   /* (d,) the iterate */
    int32_t comp;                          /* the component being found (0-based) */
    int32_t it, it_all;                    /* iterations on this component, in all */
    double rq;                             /* the Rayleigh quotient v^T A v */
    double move;                           /* |v_t - v_{t-1}| at the last step */
    double tan0;                           /* tan of the angle to the target at this component's start */
    double found[PCA_D_MAX];               /* (k,) eigenvalues found */
    double fvec[PCA_D_MAX][PCA_D_MAX];     /* (k, d) eigenvectors found, row j */
    /* the reader's axis */
    double phi;                            /* degrees in [0, 180), one decimal: the input */
    mlm_series hist;                       /* (iteration, tan of the angle to the target) */
    /* drawing buffers, rewritten by draw */
    float pts[PCA_N_MAX][3], proj[PCA_N_MAX][3];
    float res[PCA_N_MAX][4];
    float axis[4], pcs[2][4], iter[4], mean_mark[2];
    float curve[PCA_ANGLES][2];            /* (angle, variance along it) */
    float marks[2][2];                     /* the reader's angle, the first component's */
    float bars[PCA_D_MAX][2], unexpl[PCA_D_MAX + 1][2], measured[PCA_D_MAX + 1][2];
    float fmarks[PCA_D_MAX][3], kmark[2];
    float bound[64][2];
    int32_t nbound;
    char note[160];
} pca_state;

#define PCA_STATE_BYTES (sizeof(pca_state) + 16 + (PCA_HIST * 2 * sizeof(float) + 16))

static const mlm_param pca_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(pca_desc, data), 0, 2, 1, PCA_CLOUD, 0,
     "cloud:A 2-D cloud|iris:Iris (4 measurements)|wine:Wine (13 measurements)",
     "the points: a generated Gaussian cloud in the plane, or a real dataset"},
    {"n", "Points", MLM_INT, offsetof(pca_desc, n), 20, PCA_N_MAX, 10, 200, 0, NULL,
     "points in the cloud"},
    {"stretch", "Stretch", MLM_FLOAT, offsetof(pca_desc, stretch), 1, 5, 0.1, 1.6, 0, NULL,
     "how much longer the cloud is than wide: the ratio of its two standard deviations"},
    {"tilt", "Tilt (°)", MLM_FLOAT, offsetof(pca_desc, tilt), 0, 180, 5, 30, 0, NULL,
     "the direction of the cloud's long axis, in degrees"},
    {"standardise", "Standardise", MLM_BOOL, offsetof(pca_desc, standardise), 0, 1, 1, 1, 0, NULL,
     "divide each measurement by its standard deviation, so that units do not decide the variance"},
    {"k", "Components k", MLM_INT, offsetof(pca_desc, k), 1, PCA_D_MAX, 1, 2, 0, NULL,
     "components power iteration finds, and the reconstruction keeps (at most the dimension)"},
};

static const mlm_when pca_when[] = {
    {"n", "data=cloud"},
    {"stretch", "data=cloud"},
    {"tilt", "data=cloud"},
    {"standardise", "data=iris|wine"},
};

enum { P_DATA, P_VAR, P_POWER, P_EXPL, PCA_N_PANELS };
static const mlm_panel pca_panels[] = {
    [P_DATA] = {"data", "Points, the axis (press or drag to turn it), projections", "x₁ (or z₁)", "x₂ (or z₂)",
                MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_VAR] = {"variance", "Variance along the axis, by its angle", "angle (°)", "variance", 0, NULL},
    [P_POWER] = {"power", "Power iteration: error of the iterate", "step", "tan(angle to eigenvector)",
                 MLM_PANEL_AUTO_X | MLM_PANEL_LOG_Y | MLM_PANEL_AUTO_Y, NULL},
    [P_EXPL] = {"explained", "Explained variance and reconstruction error", "component / components kept",
                "% of total variance", 0, NULL},
};

enum {
    V_PTS, V_RES, V_PROJ, V_AXIS, V_PCS, V_ITER, V_MEAN, V_NOTE,
    V_CURVE, V_MARKS,
    V_HIST, V_BOUND,
    V_BARS, V_UNEXPL, V_MEASURED, V_FOUND, V_KMARK,
    V_S_VAR, V_S_RES, V_S_TOTAL, V_S_LAM1, V_S_COMP, V_S_ITERS, V_S_RQ,
    V_S_EXPL_K, V_S_ERR_K, V_S_DROPPED,
    PCA_N_VIEWS
};
static const mlm_view pca_views[] = {
    [V_PTS] = {"points", "data", MLM_VIEW_POINTS, "points", MLM_BLUE, 0},
    [V_RES] = {"residuals", "data", MLM_VIEW_SEGMENTS, "residuals", MLM_INK, MLM_VIEW_LEGEND | MLM_VIEW_FAINT},
    [V_PROJ] = {"projections", "data", MLM_VIEW_POINTS, "projections", MLM_INK, 0},
    [V_AXIS] = {"axis", "data", MLM_VIEW_SEGMENTS, "your axis", MLM_INK, MLM_VIEW_LEGEND},
    [V_PCS] = {"components", "data", MLM_VIEW_ARROWS, "eigenvectors × 2√λ", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_ITER] = {"iterate", "data", MLM_VIEW_ARROWS, "power iterate", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_MEAN] = {"mean", "data", MLM_VIEW_MARKERS, "mean", MLM_INK, 0},
    [V_NOTE] = {"note", "data", MLM_VIEW_TEXT, "", 0, 0},
    [V_CURVE] = {"var_curve", "variance", MLM_VIEW_CURVE, "uᵀCu", MLM_BLUE, 0},
    [V_MARKS] = {"var_marks", "variance", MLM_VIEW_MARKERS, "your axis", MLM_VERMILION, 0},
    [V_HIST] = {"error", "power", MLM_VIEW_TRAIL, "measured", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_BOUND] = {"bound", "power", MLM_VIEW_CURVE, "tan θ₀ (λⱼ₊₁/λⱼ)ᵗ", MLM_INK, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_BARS] = {"shares", "explained", MLM_VIEW_BARS, "λⱼ / total", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_UNEXPL] = {"dropped", "explained", MLM_VIEW_CURVE, "sum of dropped λ", MLM_INK, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_MEASURED] = {"recon", "explained", MLM_VIEW_MARKERS, "reconstruction error", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_FOUND] = {"found", "explained", MLM_VIEW_POINTS, "found by power iteration", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_KMARK] = {"kept", "explained", MLM_VIEW_MARKERS, "", MLM_GREEN, 0},
    [V_S_VAR] = {"var_axis", NULL, MLM_VIEW_SCALAR, "variance along axis", 0, 0},
    [V_S_RES] = {"resid_axis", NULL, MLM_VIEW_SCALAR, "mean squared residual", 0, 0},
    [V_S_TOTAL] = {"total", NULL, MLM_VIEW_SCALAR, "total variance", 0, 0},
    [V_S_LAM1] = {"lambda1", "variance", MLM_VIEW_SCALAR, "λ₁", 0, 0},
    [V_S_COMP] = {"component", "power", MLM_VIEW_SCALAR, "component", 0, MLM_SCALAR_INT},
    [V_S_ITERS] = {"iterations", NULL, MLM_VIEW_SCALAR, "power steps", 0, MLM_SCALAR_INT},
    [V_S_RQ] = {"rayleigh", "power", MLM_VIEW_SCALAR, "vᵀAv", 0, 0},
    [V_S_EXPL_K] = {"explained_k", "explained", MLM_VIEW_SCALAR, "explained by k", 0, MLM_SCALAR_PERCENT},
    [V_S_ERR_K] = {"recon_err", NULL, MLM_VIEW_SCALAR, "reconstruction error", 0, 0},
    [V_S_DROPPED] = {"dropped_sum", NULL, MLM_VIEW_SCALAR, "dropped λ sum", 0, 0},
};

/* ---- small deterministic helpers: only + - * / and sqrt, so wasm and native agree ---- */

/* atan2(y, x) in degrees in [0, 180): the angle of the line through the origin and (x, y).
   Two half-angle reductions bring |t| below tan(pi/16) ~ 0.2, where 30 terms of the series
   t - t^3/3 + t^5/5 - ... are exact in a double. */
static double pca_line_angle(double y, double x) {
    if (x == 0 && y == 0) return 0;
    if (y < 0 || (y == 0 && x < 0)) y = -y, x = -x; /* a line: (x, y) and (-x, -y) are one */
    double base = 0;
    if (x < 0) { /* rotate by -90 degrees: (x, y) -> (y, -x) */
        double t = x;
        x = y, y = -t, base = 90;
    }
    /* now x > 0 or (x == 0 and y > 0): angle in [0, 90] */
    if (x == 0) return base + 90;
    int swap = y > x;
    double t = swap ? x / y : y / x; /* in [0, 1] */
    t = t / (1 + sqrt(1 + t * t));
    t = t / (1 + sqrt(1 + t * t));
    double s = 0, p = t, t2 = t * t;
    for (int n = 0; n < 30; n++, p *= -t2) s += p / (2 * n + 1);
    double a = 4 * s * 180 / PCA_PI;
    double ang = base + (swap ? 90 - a : a);
    return ang >= 180 ? ang - 180 : ang;
}

/* The unit direction in d dimensions of the axis at angle phi in the data panel's plane. */
static void pca_axis_dir(const pca_state *s, double phi, double *u) {
    double r = phi * PCA_PI / 180, c = mlm_cos(r), sn = mlm_sin(r);
    for (int f = 0; f < s->d; f++) u[f] = c * s->basis[0][f] + sn * s->basis[1][f];
}

//> variance
/* The variance of the points' projections on the unit direction u, and their mean squared
   residual, both straight from the points: mean (x_i . u)^2 and mean |x_i - (x_i . u) u|^2. */
static void pca_along(const pca_state *s, const double *u, double *var, double *resid) {
    double v = 0, r = 0;
    for (int i = 0; i < s->N; i++) {
        double p = 0;
        for (int f = 0; f < s->d; f++) p += s->x[i][f] * u[f];
        v += p * p;
        for (int f = 0; f < s->d; f++) {
            double e = s->x[i][f] - p * u[f];
            r += e * e;
        }
    }
    *var = v / s->N, *resid = r / s->N;
}
//< variance

//> covariance
/* Centre each feature (and divide it by its standard deviation when standardising), then
   C = X^T X / N: C_fg is the mean product of features f and g, C_ff the variance of f. */
static void pca_centre(pca_state *s, int standardise) {
    for (int f = 0; f < s->d; f++) {
        double m = 0, q = 0;
        for (int i = 0; i < s->N; i++) m += s->x[i][f];
        m /= s->N;
        for (int i = 0; i < s->N; i++) s->x[i][f] -= m, q += s->x[i][f] * s->x[i][f];
        double sd = sqrt(q / s->N);
        s->mean[f] = m, s->sd[f] = 1;
        if (standardise && sd > 0) {
            for (int i = 0; i < s->N; i++) s->x[i][f] /= sd;
            s->sd[f] = sd;
        }
    }
    for (int f = 0; f < s->d; f++)
        for (int g = 0; g < s->d; g++) {
            double c = 0;
            for (int i = 0; i < s->N; i++) c += s->x[i][f] * s->x[i][g];
            s->C[f][g] = c / s->N;
        }
}
//< covariance

//> reconstruct
/* Reconstruction from the first k eigenvectors: x_hat = sum_{j<k} (x . e_j) e_j. Returns the mean
   squared error over the points, measured (not taken from the eigenvalues). */
static double pca_recon_error(const pca_state *s, int k) {
    double err = 0;
    for (int i = 0; i < s->N; i++) {
        double xh[PCA_D_MAX] = {0};
        for (int j = 0; j < k; j++) {
            double z = 0; /* the point's j-th coordinate: its projection on e_j */
            for (int f = 0; f < s->d; f++) z += s->x[i][f] * s->E[f][j];
            for (int f = 0; f < s->d; f++) xh[f] += z * s->E[f][j];
        }
        for (int f = 0; f < s->d; f++) err += (s->x[i][f] - xh[f]) * (s->x[i][f] - xh[f]);
    }
    return err / s->N;
}
//< reconstruct

/* tan of the angle between the unit iterate v and the line of the solver's eigenvector j. */
static double pca_tan_to(const pca_state *s, const double *v, int j) {
    double c = 0, sn = 0;
    for (int f = 0; f < s->d; f++) c += v[f] * s->E[f][j];
    /* the sine as the length of v's part across e_j: sqrt(1 - c^2) would lose half the digits */
    for (int f = 0; f < s->d; f++) sn += (v[f] - c * s->E[f][j]) * (v[f] - c * s->E[f][j]);
    sn = sqrt(sn), c = fabs(c);
    if (c < 1e-12) return 1e12;
    return fmax(sn / c, 1e-17);
}

/* A fresh random unit start for the next component. */
static void pca_start_vector(mlm_instance *in, pca_state *s) {
    double nn = 0;
    for (int f = 0; f < s->d; f++) s->v[f] = mlm_rng_normal(&in->rng), nn += s->v[f] * s->v[f];
    nn = sqrt(nn);
    for (int f = 0; f < s->d; f++) s->v[f] /= nn;
    s->it = 0, s->move = 1, s->rq = 0;
    s->tan0 = pca_tan_to(s, s->v, s->comp);
    mlm_series_push(&s->hist, s->it_all, fmin(s->tan0, 1e6));
}

static void pca_build_data(mlm_instance *in, pca_state *s) {
    const pca_desc *d = in->desc;
    if (d->data == PCA_CLOUD) {
        /* x = m + R(tilt) (s1 z1, s2 z2), z standard normal: the covariance's eigenvectors are
           the tilted axes, its eigenvalues s1^2 and s2^2 (up to sampling) */
        double r = d->tilt * PCA_PI / 180, c = mlm_cos(r), sn = mlm_sin(r);
        double s1 = 1.6, s2 = 1.6 / d->stretch;
        s->N = d->n, s->d = 2;
        for (int i = 0; i < s->N; i++) {
            double z1 = mlm_rng_normal(&in->rng) * s1, z2 = mlm_rng_normal(&in->rng) * s2;
            s->x[i][0] = 0.8 + c * z1 - sn * z2, s->x[i][1] = -0.4 + sn * z1 + c * z2;
            s->cls[i] = 0;
        }
    } else if (d->data == PCA_IRIS) {
        s->N = MLM_IRIS_N, s->d = MLM_IRIS_FEATURES;
        for (int i = 0; i < s->N; i++) {
            for (int f = 0; f < s->d; f++) s->x[i][f] = mlm_iris_value(i, f);
            s->cls[i] = mlm_iris_class[i];
        }
    } else {
        s->N = MLM_WINE_N, s->d = MLM_WINE_FEATURES;
        for (int i = 0; i < s->N; i++) {
            for (int f = 0; f < s->d; f++) s->x[i][f] = mlm_wine_x[i][f];
            s->cls[i] = mlm_wine_class[i];
        }
    }
}

static void *pca_create(mlm_instance *in) {
    const pca_desc *d = in->desc;
    pca_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->hist, PCA_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    pca_build_data(in, s);
    pca_centre(s, d->data != PCA_CLOUD && d->standardise);
    { /* the solver on the d x d covariance, packed */
        double a[PCA_D_MAX * PCA_D_MAX], val[PCA_D_MAX], vec[PCA_D_MAX * PCA_D_MAX];
        for (int f = 0; f < s->d; f++)
            for (int g = 0; g < s->d; g++) a[f * s->d + g] = s->C[f][g];
        if (mlm_eig_sym(a, s->d, val, vec) < 0) {
            mlm_fail(in, "the eigen-solver failed on this covariance");
            return NULL;
        }
        for (int j = 0; j < s->d; j++) {
            s->lam[j] = val[j];
            for (int f = 0; f < s->d; f++) s->E[f][j] = vec[f * s->d + j];
        }
    }
    s->total = 0;
    for (int f = 0; f < s->d; f++) s->total += s->C[f][f];
    for (int k = 0; k <= s->d; k++) s->err_k[k] = pca_recon_error(s, k);
    /* the data panel's plane: the cloud's own plane, or the first two components */
    memset(s->basis, 0, sizeof s->basis);
    if (s->d == 2) {
        s->basis[0][0] = s->basis[1][1] = 1;
        s->origin[0] = s->mean[0], s->origin[1] = s->mean[1];
        s->box[0] = s->box[2] = -5, s->box[1] = s->box[3] = 5;
    } else {
        for (int f = 0; f < s->d; f++) s->basis[0][f] = s->E[f][0], s->basis[1][f] = s->E[f][1];
        s->origin[0] = s->origin[1] = 0;
        double m = 0;
        for (int i = 0; i < s->N; i++)
            for (int b = 0; b < 2; b++) {
                double p = 0;
                for (int f = 0; f < s->d; f++) p += s->x[i][f] * s->basis[b][f];
                m = fmax(m, fabs(p));
            }
        m = m * 1.08 + 1e-9;
        s->box[0] = s->box[2] = -m, s->box[1] = s->box[3] = m;
    }
    in->panels[P_DATA].x0 = (float)s->box[0], in->panels[P_DATA].x1 = (float)s->box[1];
    in->panels[P_DATA].y0 = (float)s->box[2], in->panels[P_DATA].y1 = (float)s->box[3];
    in->panels[P_VAR].x0 = 0, in->panels[P_VAR].x1 = 180;
    in->panels[P_VAR].y0 = 0, in->panels[P_VAR].y1 = (float)(1.1 * s->lam[0] + 1e-12);
    in->panels[P_EXPL].x0 = -0.4f, in->panels[P_EXPL].x1 = (float)s->d + 0.6f;
    in->panels[P_EXPL].y0 = 0, in->panels[P_EXPL].y1 = 105;
    for (int a = 0; a < PCA_ANGLES; a++) { /* u^T C u along the angles of the panel's plane */
        double u[PCA_D_MAX], q = 0;
        pca_axis_dir(s, a, u);
        for (int f = 0; f < s->d; f++)
            for (int g = 0; g < s->d; g++) q += u[f] * s->C[f][g] * u[g];
        s->curve[a][0] = (float)a, s->curve[a][1] = (float)q;
    }
    s->k = d->k < s->d ? d->k : s->d;
    memcpy(s->A, s->C, sizeof s->A);
    s->comp = 0, s->it_all = 0;
    s->phi = PCA_ANGLE0;
    pca_start_vector(in, s);
    return s;
}

//> power
/* One step of power iteration on A: v <- A v / |A v|. Writing v in A's eigenvectors,
   v = sum a_i e_i, the step multiplies each a_i by lambda_i, so the largest one wins and the
   tangent of the angle to e_1 shrinks by lambda_2 / lambda_1 or faster. The Rayleigh quotient
   v^T A v tends to lambda_1. */
static void pca_power_step(pca_state *s) {
    double w[PCA_D_MAX], nn = 0, rq = 0;
    for (int f = 0; f < s->d; f++) {
        w[f] = 0;
        for (int g = 0; g < s->d; g++) w[f] += s->A[f][g] * s->v[g];
        rq += s->v[f] * w[f];
        nn += w[f] * w[f];
    }
    nn = sqrt(nn);
    double move = 0;
    for (int f = 0; f < s->d; f++) {
        double vf = nn > 0 ? w[f] / nn : s->v[f];
        move += (vf - s->v[f]) * (vf - s->v[f]);
        s->v[f] = vf;
    }
    s->move = sqrt(move), s->rq = rq;
}

/* Deflation: once v has settled on e_j with eigenvalue lambda, A - lambda v v^T has the same
   eigenvectors, with e_j's eigenvalue now 0, so the largest left is lambda_{j+1}. */
static void pca_deflate(pca_state *s, double lambda) {
    for (int f = 0; f < s->d; f++)
        for (int g = 0; g < s->d; g++) s->A[f][g] -= lambda * s->v[f] * s->v[g];
}
//< power

//> step
static void pca_step(mlm_instance *in, void *self) {
    pca_state *s = self;
    pca_power_step(s);
    s->it++, s->it_all++;
    mlm_series_push(&s->hist, s->it_all, pca_tan_to(s, s->v, s->comp));
    if (s->move >= PCA_TOL && s->it < PCA_IT_MAX) return;
    /* settled (or out of iterations): take the Rayleigh quotient of the settled v as the
       eigenvalue, deflate, and start on the next component */
    double lambda = 0;
    for (int f = 0; f < s->d; f++)
        for (int g = 0; g < s->d; g++) lambda += s->v[f] * s->A[f][g] * s->v[g];
    s->found[s->comp] = lambda;
    memcpy(s->fvec[s->comp], s->v, sizeof(double) * (size_t)s->d);
    if (s->move >= PCA_TOL) {
        mlm_finished(in, "component %d had not settled after %d steps: λ%d/λ%d = %.4f is so close to 1 "
                         "that power iteration crawls",
                     s->comp + 1, PCA_IT_MAX, s->comp + 2, s->comp + 1,
                     s->comp + 1 < s->d ? s->lam[s->comp + 1] / s->lam[s->comp] : 0.0);
        s->comp++;
        return;
    }
    pca_deflate(s, lambda);
    s->comp++;
    if (s->comp >= s->k) {
        mlm_converged(in, 1, "found %d component%s in %d steps; λ1 = %.4g (the solver: %.4g)", s->k,
                      s->k > 1 ? "s" : "", s->it_all, s->found[0], s->lam[0]);
        return;
    }
    pca_start_vector(in, s);
}
//< step

static void pca_draw(mlm_instance *in, void *self) {
    pca_state *s = self;
    mlm_view_state *v = in->views;
    double u[PCA_D_MAX], ux = mlm_cos(s->phi * PCA_PI / 180), uy = mlm_sin(s->phi * PCA_PI / 180);
    pca_axis_dir(s, s->phi, u);
    double var, resid;
    pca_along(s, u, &var, &resid);
    const double ox = s->origin[0], oy = s->origin[1];
    for (int i = 0; i < s->N; i++) {
        double p[2] = {0, 0}, a = 0;
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < s->d; f++) p[b] += s->x[i][f] * s->basis[b][f];
        a = p[0] * ux + p[1] * uy; /* the projection on the axis, within the plane */
        s->pts[i][0] = (float)(ox + p[0]), s->pts[i][1] = (float)(oy + p[1]), s->pts[i][2] = s->cls[i];
        s->proj[i][0] = (float)(ox + a * ux), s->proj[i][1] = (float)(oy + a * uy), s->proj[i][2] = 0;
        s->res[i][0] = s->pts[i][0], s->res[i][1] = s->pts[i][1];
        s->res[i][2] = s->proj[i][0], s->res[i][3] = s->proj[i][1];
    }
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = s->N;
    v[V_PROJ].data = &s->proj[0][0], v[V_PROJ].count = s->N;
    v[V_RES].data = &s->res[0][0], v[V_RES].count = s->N;
    double L = 2 * (s->box[1] - s->box[0]);
    s->axis[0] = (float)(ox - L * ux), s->axis[1] = (float)(oy - L * uy);
    s->axis[2] = (float)(ox + L * ux), s->axis[3] = (float)(oy + L * uy);
    v[V_AXIS].data = s->axis, v[V_AXIS].count = 1;
    for (int j = 0; j < 2; j++) { /* the first two eigenvectors, drawn in the plane */
        double len = 2 * sqrt(fmax(s->lam[j], 0)), px = 0, py = 0;
        for (int f = 0; f < s->d; f++) px += s->E[f][j] * s->basis[0][f], py += s->E[f][j] * s->basis[1][f];
        s->pcs[j][0] = (float)ox, s->pcs[j][1] = (float)oy;
        s->pcs[j][2] = (float)(len * px), s->pcs[j][3] = (float)(len * py);
    }
    v[V_PCS].data = &s->pcs[0][0], v[V_PCS].count = 2;
    { /* the iterate, scaled by 2 sqrt(its Rayleigh quotient) (or the eigenvalue's, before one) */
        double len = 2 * sqrt(fmax(s->comp < s->d ? s->lam[s->comp] : 0, 0)), px = 0, py = 0;
        for (int f = 0; f < s->d; f++) px += s->v[f] * s->basis[0][f], py += s->v[f] * s->basis[1][f];
        s->iter[0] = (float)ox, s->iter[1] = (float)oy, s->iter[2] = (float)(len * px), s->iter[3] = (float)(len * py);
        v[V_ITER].data = s->iter, v[V_ITER].count = in->final ? 0 : 1;
    }
    s->mean_mark[0] = (float)ox, s->mean_mark[1] = (float)oy;
    v[V_MEAN].data = s->mean_mark, v[V_MEAN].count = 1;
    if (in->final)
        snprintf(s->note, sizeof s->note, "axis at %.1f°: variance %.3g of %.3g", s->phi, var, s->total);
    else
        snprintf(s->note, sizeof s->note, "axis at %.1f°; power iteration on component %d", s->phi, s->comp + 1);
    v[V_NOTE].text = s->note;
    /* variance against angle */
    v[V_CURVE].data = &s->curve[0][0], v[V_CURVE].count = PCA_ANGLES;
    s->marks[0][0] = (float)s->phi, s->marks[0][1] = (float)var;
    v[V_MARKS].data = &s->marks[0][0], v[V_MARKS].count = 1;
    /* convergence */
    mlm_series_view(in, V_HIST, &s->hist);
    s->nbound = 0;
    if (!in->final && s->comp < s->d) {
        double r = s->comp + 1 < s->d && s->lam[s->comp] > 0 ? s->lam[s->comp + 1] / s->lam[s->comp] : 0;
        int span = s->it + 20, n = 0;
        for (int q = 0; q < 64; q++) {
            int t = q * span / 63;
            double b = s->tan0 * mlm_pow(fmax(r, 1e-300), t);
            if (r <= 0 && t > 0) break;
            if (b < 1e-17) break;
            s->bound[n][0] = (float)(s->it_all - s->it + t), s->bound[n][1] = (float)fmin(b, 1e6);
            n++;
        }
        s->nbound = n;
    }
    v[V_BOUND].data = &s->bound[0][0], v[V_BOUND].count = s->nbound;
    /* explained variance and reconstruction */
    for (int j = 0; j < s->d; j++) s->bars[j][0] = (float)(j + 1), s->bars[j][1] = (float)(100 * s->lam[j] / s->total);
    double drop = s->total;
    for (int k = 0; k <= s->d; k++) {
        if (k > 0) drop -= s->lam[k - 1];
        s->unexpl[k][0] = (float)k, s->unexpl[k][1] = (float)(100 * fmax(drop, 0) / s->total);
        s->measured[k][0] = (float)k, s->measured[k][1] = (float)(100 * s->err_k[k] / s->total);
    }
    v[V_BARS].data = &s->bars[0][0], v[V_BARS].count = s->d;
    v[V_UNEXPL].data = &s->unexpl[0][0], v[V_UNEXPL].count = s->d + 1;
    v[V_MEASURED].data = &s->measured[0][0], v[V_MEASURED].count = s->d + 1;
    int nf = s->comp < s->k ? s->comp : s->k;
    for (int j = 0; j < nf; j++)
        s->fmarks[j][0] = (float)(j + 1), s->fmarks[j][1] = (float)(100 * s->found[j] / s->total), s->fmarks[j][2] = 0;
    v[V_FOUND].data = &s->fmarks[0][0], v[V_FOUND].count = nf;
    s->kmark[0] = (float)s->k, s->kmark[1] = (float)(100 * s->err_k[s->k] / s->total);
    v[V_KMARK].data = s->kmark, v[V_KMARK].count = 1;
    double dropped = 0;
    for (int j = s->k; j < s->d; j++) dropped += s->lam[j];
    v[V_S_VAR].value = (float)var;
    v[V_S_RES].value = (float)resid;
    v[V_S_TOTAL].value = (float)s->total;
    v[V_S_LAM1].value = (float)s->lam[0];
    v[V_S_COMP].value = (float)(s->comp < s->k ? s->comp + 1 : s->k);
    v[V_S_ITERS].value = (float)s->it_all;
    v[V_S_RQ].value = (float)s->rq;
    v[V_S_EXPL_K].value = (float)(100 * (s->total - dropped) / s->total);
    v[V_S_ERR_K].value = (float)s->err_k[s->k];
    v[V_S_DROPPED].value = (float)dropped;
}

/* ---- the reader's axis ---- */

static int pca_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    pca_state *s = self;
    (void)in;
    if (panel != P_DATA || kind == MLM_POINTER_UP) return 0;
    double dx = x - s->origin[0], dy = y - s->origin[1];
    if (!mlm_isfinite(dx) || !mlm_isfinite(dy) || (dx == 0 && dy == 0)) return 0;
    double a = floor(pca_line_angle(dy, dx) * 10 + 0.5) / 10; /* one decimal, as a link holds it */
    s->phi = a >= 180 ? 0 : a;
    return 0; /* the axis changes what is shown, not the power iteration */
}

static int pca_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const pca_state *s = self;
    if (s->phi == PCA_ANGLE0) return 0;
    int len = snprintf(buf, n, "%.1f", s->phi);
    return len < 0 || (size_t)len >= n ? 0 : len;
}

/* An angle in degrees: digits with at most one '.' and one decimal, in [0, 180). */
static int pca_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    pca_state *s = self;
    size_t n = strlen(text);
    if (n == 0 || n > 6) return -1;
    int dots = 0, after = 0;
    double a = 0, scale = 1;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '.') {
            if (dots++ || i == 0) return -1;
        } else if (c >= '0' && c <= '9') {
            if (dots) {
                if (++after > 1) return -1;
                scale /= 10, a += (c - '0') * scale;
            } else
                a = a * 10 + (c - '0');
        } else
            return -1;
    }
    if (a >= 180) return -1;
    s->phi = floor(a * 10 + 0.5) / 10;
    return 0;
}

const mlm_module mlm_module_pca = {
    .name = "pca",
    .title = "Principal component analysis",
    .params = pca_params,
    .n_params = MLM_COUNT(pca_params),
    .desc_size = sizeof(pca_desc),
    .panels = pca_panels,
    .n_panels = PCA_N_PANELS,
    .views = pca_views,
    .n_views = PCA_N_VIEWS,
    .state_bytes = PCA_STATE_BYTES,
    .const_bytes = 0,
    .speed = 3,
    .random = 1,
    .create = pca_create,
    .step = pca_step,
    .draw = pca_draw,
    .pointer = pca_pointer,
    .when = pca_when,
    .n_when = MLM_COUNT(pca_when),
    .input_get = pca_input_get,
    .input_set = pca_input_set,
};
