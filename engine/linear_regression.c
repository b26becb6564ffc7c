/* linear_regression.c: the engine module of the chapter "Linear regression". It fits a line
 * y ≈ w x + b to n points by minimising the mean squared error with gradient descent (full batch,
 * stochastic, or mini-batch), and compares the path with the exact answer of the normal equation.
 * The data are thermometer readings (°C against °F, whose true line is y = 1.8 x + 32) or a
 * synthetic line chosen by the seed, with Gaussian noise of a chosen size added to y.
 *
 * Feature scaling (on by default) standardises x before fitting: x' = (x - mean) / std. The fit,
 * its contour plot and its path then live in the scaled coordinates (w', b'); the line drawn over
 * the data and the readouts are always mapped back to the original units.
 *
 * Shapes: N points (at most LINREG_N_MAX); B points in a batch (B <= N); G x G contour grid;
 * the trail and loss histories hold at most LINREG_HIST points. Scalars w, b are doubles. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mlm.h"

#define LINREG_N_MAX 400
#define LINREG_GRID 64
#define LINREG_HIST 512

enum { LINREG_TEMPS, LINREG_LINE };             /* data */
enum { LINREG_FULL, LINREG_SGD, LINREG_MINI };  /* batch */

typedef struct {
    int data;         /* which data set: Celsius/Fahrenheit pairs (default) or a synthetic line */
    int n;            /* number of points (default 40) */
    double noise;     /* standard deviation of the Gaussian noise added to y (default 4) */
    double lr;        /* learning rate (default 0.05) */
    int batch;        /* full batch (default), SGD (one point) or mini-batch */
    int batch_size;   /* points per mini-batch (default 8) */
    int scale;        /* 1: standardise x before fitting (default) */
    double w0, b0;    /* start, in the coordinates of the fit (scaled when scale is on); default 0 */
} linreg_desc;

/* What never changes after create: the data and the loss surface. */
typedef struct {
    double *x;        /* (N,) inputs in original units */
    double *y;        /* (N,) targets */
    double *xf;       /* (N,) inputs as the fit sees them: x, or (x - mean) / std */
    float *points;    /* (N, 3) (x, y, class) for the scatter */
    float *field;     /* (G, G) MSE over the contour window, row 0 at the window's lowest b */
    char *data_note;  /* what the axes of the data panel mean */
    char *fit_note;   /* which coordinates the contour panel uses, and its curvatures */
} linreg_data;

typedef struct {
    linreg_data *c;
    int n;
    double shift, spread;   /* xf = (x - shift) / spread: (mean, std) when scaling, else (0, 1) */
    double w_opt, b_opt;    /* the normal-equation solution, in fit coordinates */
    double loss_opt;        /* the MSE there: the least any line can do */
    double lam_max, lam_min; /* eigenvalues of the Hessian 2/N XᵀX, in fit coordinates */
    double lam_point;       /* the largest one-point curvature, 2 (x_i² + 1) */
    double tol;             /* an MSE this close to loss_opt counts as converged */
    double blowup;          /* an MSE above this counts as diverged */
    float box[4];           /* data panel range (x0, x1, y0, y1) */
    float win[4];           /* contour window (w0, w1, b0, b1) */
    uint32_t field_version;

    double w, b;            /* the model, in fit coordinates */
    double loss;            /* full-data MSE at (w, b) */
    double *yhat;           /* (N,) predictions, scratch for forward/backward */
    int32_t *perm;          /* (N,) the shuffled deck mini-batches are dealt from */
    int32_t pos;            /* next card of the deck */
    int32_t *idx;           /* (N,) indices of the current batch (first B used) */

    mlm_series trail;       /* (HIST, 2) iterates (w, b) in fit coordinates */
    mlm_series losses;      /* (HIST, 2) (step, full-data MSE) */
    float line[4];          /* (2, 2) the current line across the data panel */
    float best[4];          /* (2, 2) the normal-equation line */
    float opt[2];           /* (1, 2) the optimum on the contour */
    float floor[4];         /* (2, 2) the minimum MSE across the loss panel */
    float *resid;           /* (N, 4) residual segments (x, y, x, ŷ) */
} linreg_state;

static const mlm_param linreg_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(linreg_desc, data), 0, 1, 1, 0, 0,
     "temps:Celsius to Fahrenheit|line:A noisy synthetic line",
     "thermometer readings in °C and °F (true line y = 1.8x + 32), or a random line"},
    {"n", "Points", MLM_INT, offsetof(linreg_desc, n), 3, LINREG_N_MAX, 1, 40, 0, NULL,
     "how many (x, y) pairs to fit"},
    {"noise", "Noise", MLM_FLOAT, offsetof(linreg_desc, noise), 0, 20, 0.5, 4, 0, NULL,
     "standard deviation of the Gaussian noise added to each y (0: exactly on the line)"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(linreg_desc, lr), 1e-4, 2, 0, 0.05, 1, NULL,
     "step size; full-batch descent is stable only below 2/λ_max"},
    {"batch", "Batch", MLM_CHOICE, offsetof(linreg_desc, batch), 0, 2, 1, 0, 0,
     "full:Full batch|sgd:Stochastic (one point)|mini:Mini-batch",
     "which points each step's gradient is computed from"},
    {"batch_size", "Batch size", MLM_INT, offsetof(linreg_desc, batch_size), 1, 100, 1, 8, 0, NULL,
     "points per mini-batch (mini-batch mode only)"},
    {"scale", "Scale x", MLM_BOOL, offsetof(linreg_desc, scale), 0, 1, 1, 1, 0, NULL,
     "standardise x to mean 0 and standard deviation 1 before fitting"},
    {"w0", "Start w", MLM_FLOAT, offsetof(linreg_desc, w0), -150, 150, 0, 0, 0, NULL,
     "starting slope, in the contour's coordinates (click the contour to choose)"},
    {"b0", "Start b", MLM_FLOAT, offsetof(linreg_desc, b0), -150, 150, 0, 0, 0, NULL,
     "starting intercept, in the contour's coordinates"},
};

static const mlm_panel linreg_panels[] = {
    {"data", "Data, line and residuals", "x", "y", 0, NULL},
    {"contour", "Loss over (w, b)", "w", "b", 0, "w0,b0"},
    {"loss", "Mean squared error", "step", "MSE", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y,
     NULL},
};

enum {
    V_POINTS, V_RESID, V_BEST, V_LINE, V_DATA_NOTE,
    V_FIELD, V_TRAIL, V_OPT, V_FIT_NOTE,
    V_FLOOR, V_LOSS,
    V_MSE, V_W, V_B
};

static const mlm_view linreg_views[] = {
    [V_POINTS] = {"points", "data", MLM_VIEW_POINTS, "data", 0, 0},
    [V_RESID] = {"residuals", "data", MLM_VIEW_SEGMENTS, "residuals", 6, MLM_VIEW_FAINT},
    [V_BEST] = {"best", "data", MLM_VIEW_CURVE, "normal equation", 0,
                MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_LINE] = {"line", "data", MLM_VIEW_CURVE, "current line", 6, MLM_VIEW_LEGEND},
    [V_DATA_NOTE] = {"data_note", "data", MLM_VIEW_TEXT, "", 0, 0},
    [V_FIELD] = {"field", "contour", MLM_VIEW_FIELD, "MSE", 2,
                 MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_FIELD_LOG_LEVELS},
    [V_TRAIL] = {"path", "contour", MLM_VIEW_TRAIL, "descent path", 6, MLM_VIEW_LEGEND},
    [V_OPT] = {"optimum", "contour", MLM_VIEW_MARKERS, "normal equation", 0, MLM_VIEW_LEGEND},
    [V_FIT_NOTE] = {"fit_note", "contour", MLM_VIEW_TEXT, "", 0, 0},
    [V_FLOOR] = {"floor", "loss", MLM_VIEW_CURVE, "least possible MSE", 0,
                 MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_LOSS] = {"loss", "loss", MLM_VIEW_CURVE, "MSE", 5, 0},
    [V_MSE] = {"mse", NULL, MLM_VIEW_SCALAR, "MSE", 0, 0},
    [V_W] = {"w", NULL, MLM_VIEW_SCALAR, "w", 0, 0},
    [V_B] = {"b", NULL, MLM_VIEW_SCALAR, "b", 0, 0},
};

#define LINREG_NOTE 96
#define LINREG_CONST_BYTES \
    (sizeof(linreg_data) + 3 * sizeof(double) * LINREG_N_MAX + 3 * sizeof(float) * LINREG_N_MAX + \
     sizeof(float) * LINREG_GRID * LINREG_GRID + 2 * LINREG_NOTE + 8 * 16)
#define LINREG_STATE_BYTES \
    (sizeof(linreg_state) + sizeof(double) * LINREG_N_MAX + 2 * sizeof(int32_t) * LINREG_N_MAX + \
     4 * sizeof(float) * LINREG_N_MAX + 2 * 2 * sizeof(float) * LINREG_HIST + 8 * 16)

/* Index j of a batch: idx[j], or j itself when the batch is all the data (idx NULL). */
#define LINREG_AT(idx, j) ((idx) ? (idx)[j] : (j))

//> forward
/* The model's predictions for the B points idx[0..B): yhat_j = w x_j + b. */
static void linreg_forward(double *yhat /* (B,) */, const double *x /* (N,) */,
                           const int32_t *idx /* (B,) or NULL */, double w, double b, int B) {
    for (int j = 0; j < B; j++) yhat[j] = w * x[LINREG_AT(idx, j)] + b;
}
//< forward

//> loss
/* Mean squared error of the predictions: L = 1/B Σ (yhat_j - y_j)². */
static double linreg_mse(const double *yhat /* (B,) */, const double *y /* (N,) */,
                         const int32_t *idx /* (B,) or NULL */, int B) {
    double sum = 0;
    for (int j = 0; j < B; j++) {
        double r = yhat[j] - y[LINREG_AT(idx, j)];
        sum += r * r;
    }
    return sum / B;
}
//< loss

//> gradient
/* Gradient of the MSE over the batch: ∂L/∂w = 2/B Σ r_j x_j and ∂L/∂b = 2/B Σ r_j, where
   r_j = yhat_j - y_j is the residual. Each point pulls the line in proportion to its error. */
static void linreg_backward(double *dw, double *db, const double *yhat /* (B,) */,
                            const double *x /* (N,) */, const double *y /* (N,) */,
                            const int32_t *idx /* (B,) or NULL */, int B) {
    double gw = 0, gb = 0;
    for (int j = 0; j < B; j++) {
        int i = LINREG_AT(idx, j);
        double r = yhat[j] - y[i];
        gw += r * x[i];
        gb += r;
    }
    *dw = 2.0 * gw / B;
    *db = 2.0 * gb / B;
}
//< gradient

//> normal_equation
/* Setting both partial derivatives to zero gives two linear equations in (w, b):
       [Σx²  Σx] [w]   [Σxy]
       [Σx   N ] [b] = [Σy ]
   (XᵀX θ = Xᵀy with X's rows (x_i, 1)). Solved by Cramer's rule; the determinant
   N Σx² - (Σx)² = N² var(x) is positive unless every x is the same. Returns 0, or -1 then. */
static int linreg_normal_equation(double *w, double *b, const double *x /* (N,) */,
                                  const double *y /* (N,) */, int n) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double det = n * sxx - sx * sx;
    if (!(det > 1e-12 * n * sxx)) return -1;
    *w = (n * sxy - sx * sy) / det;
    *b = (sxx * sy - sx * sxy) / det;
    return 0;
}
//< normal_equation

//> curvature
/* The Hessian of the MSE is the same everywhere: H = 2/N XᵀX = 2 [E x², E x; E x, 1]. Its
   eigenvalues are the loss's curvatures along its principal axes; full-batch descent is stable
   only when lr < 2 / lam_max, and it crawls along the axis of lam_min. */
static void linreg_curvature(double *lam_max, double *lam_min, const double *x /* (N,) */, int n) {
    double mx = 0, mxx = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        mxx += x[i] * x[i];
    }
    mx /= n;
    mxx /= n;
    double a = 2 * mxx, c = 2, off = 2 * mx; /* H = [a off; off c] */
    double half = 0.5 * (a - c);
    *lam_max = 0.5 * (a + c) + sqrt(half * half + off * off);
    *lam_min = (a * c - off * off) / *lam_max; /* det / lam_max: no cancellation */
}
//< curvature

/* The MSE at (w, b) from the exact quadratic around the optimum:
   L(θ) = L* + (θ - θ*)ᵀ (H/2) (θ - θ*), which cannot dip below L* by rounding. */
static double linreg_surface(const linreg_state *s, double mx, double mxx, double w, double b) {
    double dw = w - s->w_opt, db = b - s->b_opt;
    return s->loss_opt + mxx * dw * dw + 2 * mx * dw * db + db * db;
}

/* From fit coordinates back to the original units: w x' + b = (w/std) x + (b - w mean/std). */
static void linreg_unscale(double *w, double *b, const linreg_state *s, double wf, double bf) {
    *w = wf / s->spread;
    *b = bf - wf * s->shift / s->spread;
}

//> batch
/* The points this step learns from. Full batch: all of them (NULL). SGD: one index drawn
   uniformly, with replacement. Mini-batch: the next B cards of a shuffled deck of indices,
   reshuffled when fewer than B remain; each batch is then a uniformly random B-subset. Either
   way every point is equally likely, so the batch gradient's expectation is the full gradient. */
static const int32_t *linreg_batch(int *B, linreg_state *s, const linreg_desc *d, mlm_rng *rng) {
    if (d->batch == LINREG_FULL) {
        *B = s->n;
        return NULL;
    }
    if (d->batch == LINREG_SGD) {
        *B = 1;
        s->idx[0] = (int32_t)mlm_rng_below(rng, (uint32_t)s->n);
        return s->idx;
    }
    int size = d->batch_size < s->n ? d->batch_size : s->n;
    if (s->pos + size > s->n) {
        mlm_rng_shuffle(rng, s->perm, s->n);
        s->pos = 0;
    }
    for (int j = 0; j < size; j++) s->idx[j] = s->perm[s->pos + j];
    s->pos += size;
    *B = size;
    return s->idx;
}
//< batch

/* The data set, from in->rng only, so the seed reproduces it. The noise draws are made whatever
   the noise level, so changing the noise with the same seed moves the same points further. */
static void linreg_make_data(linreg_data *c, const linreg_desc *d, mlm_rng *rng) {
    double a = 1.8, k = 32, lo = -20, hi = 40; /* °F = 1.8 °C + 32, readings from -20 to 40 °C */
    if (d->data == LINREG_LINE) {
        a = mlm_rng_range(rng, 0.5, 3.0) * (mlm_rng_uniform(rng) < 0.5 ? -1 : 1);
        k = mlm_rng_range(rng, -10, 10);
        lo = 0, hi = 10;
        snprintf(c->data_note, LINREG_NOTE, "true line: y = %.2fx %c %.2f", a, k < 0 ? '-' : '+', fabs(k));
    } else {
        snprintf(c->data_note, LINREG_NOTE, "x in °C, y in °F");
    }
    /* One reading in each of n equal slices of the range (jittered, not uniform over it): the
       data's mean and spread, and so the curvatures the chapter quotes, hardly vary by seed. */
    for (int i = 0; i < d->n; i++) c->x[i] = lo + (hi - lo) * (i + mlm_rng_uniform(rng)) / d->n;
    for (int i = 0; i < d->n; i++) c->y[i] = a * c->x[i] + k + d->noise * mlm_rng_normal(rng);
}

static void *linreg_create(mlm_instance *in) {
    const linreg_desc *d = in->desc;
    int n = d->n;
    linreg_state *s = mlm_alloc(in, sizeof *s);
    linreg_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) return NULL;
    s->c = c;
    s->n = n;
    c->x = mlm_alloc_const(in, sizeof(double) * n);
    c->y = mlm_alloc_const(in, sizeof(double) * n);
    c->xf = mlm_alloc_const(in, sizeof(double) * n);
    c->points = mlm_alloc_const(in, sizeof(float) * 3 * n);
    c->field = mlm_alloc_const(in, sizeof(float) * LINREG_GRID * LINREG_GRID);
    c->data_note = mlm_alloc_const(in, LINREG_NOTE);
    c->fit_note = mlm_alloc_const(in, LINREG_NOTE);
    s->yhat = mlm_alloc(in, sizeof(double) * n);
    s->perm = mlm_alloc(in, sizeof(int32_t) * n);
    s->idx = mlm_alloc(in, sizeof(int32_t) * n);
    s->resid = mlm_alloc(in, sizeof(float) * 4 * n);
    if (!c->x || !c->y || !c->xf || !c->points || !c->field || !c->data_note || !c->fit_note ||
        !s->yhat || !s->perm || !s->idx || !s->resid || mlm_series_init(in, &s->trail, LINREG_HIST) ||
        mlm_series_init(in, &s->losses, LINREG_HIST))
        return NULL;

    linreg_make_data(c, d, &in->rng);

    /* Statistics of the raw data: for scaling, and for the ranges of the plots. */
    double mean = 0, var = 0, ymean = 0, yvar = 0;
    for (int i = 0; i < n; i++) mean += c->x[i], ymean += c->y[i];
    mean /= n;
    ymean /= n;
    for (int i = 0; i < n; i++) {
        var += (c->x[i] - mean) * (c->x[i] - mean);
        yvar += (c->y[i] - ymean) * (c->y[i] - ymean);
    }
    var /= n;
    yvar /= n;
    if (!(var > 0)) {
        mlm_fail(in, "all x are equal: no line is better than another");
        return NULL;
    }

    //> scaling
    /* Standardise: x' = (x - mean) / std has mean 0 and variance 1, so H = 2 I. */
    s->shift = d->scale ? mean : 0;
    s->spread = d->scale ? sqrt(var) : 1;
    for (int i = 0; i < n; i++) c->xf[i] = (c->x[i] - s->shift) / s->spread;
    //< scaling

    if (linreg_normal_equation(&s->w_opt, &s->b_opt, c->xf, c->y, n) != 0) {
        mlm_fail(in, "all x are equal: no line is better than another");
        return NULL;
    }
    linreg_curvature(&s->lam_max, &s->lam_min, c->xf, n);
    double mx = 0, mxx = 0;
    s->lam_point = 0;
    for (int i = 0; i < n; i++) {
        double xi = c->xf[i], lp = 2 * (xi * xi + 1);
        mx += xi;
        mxx += xi * xi;
        if (lp > s->lam_point) s->lam_point = lp;
    }
    mx /= n;
    mxx /= n;
    linreg_forward(s->yhat, c->xf, NULL, s->w_opt, s->b_opt, n);
    s->loss_opt = linreg_mse(s->yhat, c->y, NULL, n);

    s->w = d->w0;
    s->b = d->b0;
    linreg_forward(s->yhat, c->xf, NULL, s->w, s->b, n);
    s->loss = linreg_mse(s->yhat, c->y, NULL, n);
    /* Within a millionth of the data's variance of the best MSE: the line is right to the pixel. */
    s->tol = 1e-6 * (yvar > 1e-12 ? yvar : 1e-12);
    s->blowup = 1e6 * (s->loss > yvar ? s->loss : yvar);
    for (int i = 0; i < n; i++) s->perm[i] = i;
    s->pos = n; /* the first mini-batch shuffles the deck */
    mlm_series_push(&s->trail, s->w, s->b);
    mlm_series_push(&s->losses, 0, s->loss);

    /* The data panel: the data's box with a margin, and the best line inside it. */
    double xlo = c->x[0], xhi = c->x[0], ylo = c->y[0], yhi = c->y[0];
    for (int i = 0; i < n; i++) {
        xlo = fmin(xlo, c->x[i]), xhi = fmax(xhi, c->x[i]);
        ylo = fmin(ylo, c->y[i]), yhi = fmax(yhi, c->y[i]);
        c->points[3 * i] = (float)c->x[i];
        c->points[3 * i + 1] = (float)c->y[i];
        c->points[3 * i + 2] = 0;
    }
    double mxr = 0.05 * (xhi - xlo), myr = 0.08 * (yhi - ylo) + 1e-9;
    s->box[0] = (float)(xlo - mxr), s->box[1] = (float)(xhi + mxr);
    s->box[2] = (float)(ylo - myr), s->box[3] = (float)(yhi + myr);

    /* The contour window: centred on the optimum, wide enough to show how far (0, 0) is, and
       square when scaled (the bowl is round then, and should look it). Unscaled, it is wider in
       w, where the steps of a zig-zag overshoot. Grown to hold the start. */
    double ystd = sqrt(yvar), xstd = sqrt(mxx - mx * mx);
    double hw = (d->scale ? 1.5 : 2.5) * fmax(fabs(s->w_opt), 0.5 * ystd / xstd + 1e-9);
    double hb = 1.5 * fmax(fabs(s->b_opt), 0.5 * ystd + 1e-9);
    if (d->scale) hw = hb = fmax(hw, hb);
    double w_lo = s->w_opt - hw, w_hi = s->w_opt + hw, b_lo = s->b_opt - hb, b_hi = s->b_opt + hb;
    if (s->w < w_lo) w_lo = s->w - 0.1 * hw;
    if (s->w > w_hi) w_hi = s->w + 0.1 * hw;
    if (s->b < b_lo) b_lo = s->b - 0.1 * hb;
    if (s->b > b_hi) b_hi = s->b + 0.1 * hb;
    s->win[0] = (float)w_lo, s->win[1] = (float)w_hi, s->win[2] = (float)b_lo, s->win[3] = (float)b_hi;
    uint32_t h = 2166136261u; /* FNV-1a of the field: a new surface gets a new version */
    for (int r = 0; r < LINREG_GRID; r++) {
        double b = b_lo + (b_hi - b_lo) * r / (LINREG_GRID - 1);
        for (int q = 0; q < LINREG_GRID; q++) {
            double w = w_lo + (w_hi - w_lo) * q / (LINREG_GRID - 1);
            float v = (float)linreg_surface(s, mx, mxx, w, b);
            c->field[r * LINREG_GRID + q] = v;
            const unsigned char *p = (const unsigned char *)&v;
            for (size_t k = 0; k < sizeof v; k++) h = (h ^ p[k]) * 16777619u;
        }
    }
    s->field_version = h ? h : 1;
    if (d->scale)
        snprintf(c->fit_note, LINREG_NOTE, "(w', b') for x' = (x - %.3g)/%.3g", mean, sqrt(var));
    else
        snprintf(c->fit_note, LINREG_NOTE, "raw x: stable for lr < %.3g", 2 / s->lam_max);
    return s;
}

//> step
static void linreg_step(mlm_instance *in, void *self) {
    linreg_state *s = self;
    const linreg_desc *d = in->desc;
    const linreg_data *c = s->c;
    int B;
    const int32_t *idx = linreg_batch(&B, s, d, &in->rng);
    double dw, db;
    linreg_forward(s->yhat, c->xf, idx, s->w, s->b, B);
    linreg_backward(&dw, &db, s->yhat, c->xf, c->y, idx, B);
    double w = s->w - d->lr * dw, b = s->b - d->lr * db;

    /* Whatever the batch, the loss the reader sees is the whole data set's. */
    linreg_forward(s->yhat, c->xf, NULL, w, b, s->n);
    double loss = linreg_mse(s->yhat, c->y, NULL, s->n);
    long long k = (long long)in->steps + 1;
    if (!mlm_isfinite(loss) || loss > s->blowup) {
        double limit = 2 / s->lam_max;
        if (d->lr > limit)
            mlm_diverged(in, 1, "The loss exploded at step %lld: lr = %.3g is above 2/λ_max = %.3g "
                         "(λ_max = %.4g is the loss's largest curvature).", k, d->lr, limit, s->lam_max);
        else
            mlm_diverged(in, 1, "The loss exploded at step %lld: lr = %.3g is safe for the full "
                         "loss (2/λ_max = %.3g) but not for one point's curvature, up to %.4g.",
                         k, d->lr, limit, s->lam_point);
        return;
    }
    s->w = w;
    s->b = b;
    s->loss = loss;
    mlm_series_push(&s->trail, w, b);
    mlm_series_push(&s->losses, (double)k, loss);
    /* A sampled gradient is zero at the optimum only if every point's is, that is, only if the
       points lie exactly on a line. Otherwise SGD and mini-batches jitter around the optimum for
       ever, passing near it by chance: that is not convergence, so they keep running. */
    int sampled = B < s->n;
    if (loss - s->loss_opt <= s->tol && (!sampled || s->loss_opt <= s->tol)) {
        double wo, bo;
        linreg_unscale(&wo, &bo, s, s->w_opt, s->b_opt);
        mlm_converged(in, 1, "Reached the normal-equation solution w = %.4g, b = %.4g "
                      "(MSE within %.2g of its minimum %.4g).", wo, bo, s->tol, s->loss_opt);
    }
}
//< step

static void linreg_draw(mlm_instance *in, void *self) {
    linreg_state *s = self;
    const linreg_data *c = s->c;
    mlm_view_state *v = in->views;
    in->panels[0] = (mlm_panel_state){s->box[0], s->box[1], s->box[2], s->box[3], 0};
    in->panels[1] = (mlm_panel_state){s->win[0], s->win[1], s->win[2], s->win[3], 0};

    double w, b, wo, bo, x0 = s->box[0], x1 = s->box[1];
    linreg_unscale(&w, &b, s, s->w, s->b);
    linreg_unscale(&wo, &bo, s, s->w_opt, s->b_opt);
    s->line[0] = (float)x0, s->line[1] = (float)(w * x0 + b);
    s->line[2] = (float)x1, s->line[3] = (float)(w * x1 + b);
    s->best[0] = (float)x0, s->best[1] = (float)(wo * x0 + bo);
    s->best[2] = (float)x1, s->best[3] = (float)(wo * x1 + bo);
    for (int i = 0; i < s->n; i++) {
        s->resid[4 * i] = s->resid[4 * i + 2] = (float)c->x[i];
        s->resid[4 * i + 1] = (float)c->y[i];
        s->resid[4 * i + 3] = (float)(w * c->x[i] + b);
    }
    v[V_POINTS].data = c->points, v[V_POINTS].count = s->n;
    v[V_RESID].data = s->resid, v[V_RESID].count = s->n;
    v[V_BEST].data = s->best, v[V_BEST].count = 2;
    v[V_LINE].data = s->line, v[V_LINE].count = 2;
    v[V_DATA_NOTE].text = c->data_note;

    v[V_FIELD].data = c->field;
    v[V_FIELD].w = v[V_FIELD].h = LINREG_GRID;
    v[V_FIELD].version = s->field_version;
    v[V_FIELD].x0 = s->win[0], v[V_FIELD].x1 = s->win[1];
    v[V_FIELD].y0 = s->win[2], v[V_FIELD].y1 = s->win[3];
    mlm_series_view(in, V_TRAIL, &s->trail);
    s->opt[0] = (float)s->w_opt, s->opt[1] = (float)s->b_opt;
    v[V_OPT].data = s->opt, v[V_OPT].count = 1;
    v[V_FIT_NOTE].text = c->fit_note;

    /* The floor is drawn only when it is above zero: a log axis has no place for 0. */
    s->floor[0] = 0, s->floor[1] = (float)s->loss_opt;
    s->floor[2] = (float)(in->steps > 0 ? in->steps : 1), s->floor[3] = (float)s->loss_opt;
    v[V_FLOOR].data = s->floor, v[V_FLOOR].count = 2;
    v[V_FLOOR].hidden = !(s->loss_opt > 1e-9 * s->tol);
    mlm_series_view(in, V_LOSS, &s->losses);

    v[V_MSE].value = (float)s->loss;
    v[V_W].value = (float)w;
    v[V_B].value = (float)b;
}

const mlm_module mlm_module_linear_regression = {
    .name = "linear_regression",
    .title = "Linear regression",
    .params = linreg_params,
    .n_params = MLM_COUNT(linreg_params),
    .desc_size = sizeof(linreg_desc),
    .panels = linreg_panels,
    .n_panels = MLM_COUNT(linreg_panels),
    .views = linreg_views,
    .n_views = MLM_COUNT(linreg_views),
    .state_bytes = LINREG_STATE_BYTES,
    .const_bytes = LINREG_CONST_BYTES,
    .speed = 15,
    .random = 1,
    .create = linreg_create,
    .step = linreg_step,
    .draw = linreg_draw,
};
