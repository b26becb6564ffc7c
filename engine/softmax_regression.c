/* softmax_regression.c: the engine of chapter 9, "Softmax regression". A linear model scores each
 * of K classes at a point of the plane, the softmax turns the K scores (logits) into
 * probabilities, and full-batch gradient descent lowers the mean cross-entropy against one-hot
 * targets. Its gradient with respect to the logits is p - y, so the step for class k's weights is
 * the mean of (p_k - y_k) x: the chapter derives it, and tests/engine/test_softmax_regression.c
 * checks it against finite differences.
 *
 * Two softmaxes: the stable one (subtract the largest logit before exponentiating: the
 * log-sum-exp trick) and the naive one, e^{z_k} / sum_j e^{z_j}, which the reader can choose to
 * watch it fail. With the coordinates measured in small units (the `scale` control multiplies
 * them before the model sees them) the logits pass 709.78, e^z overflows to infinity and
 * infinity / infinity is not a number. The run then stops with the last finite weights on
 * screen and the status says which logit overflowed at which step; no NaN reaches a view.
 *
 * The picture: each cell of a G x G grid over the square takes the colour of the class the model
 * picks there, pale where the winning probability is 1/K (a tie) and full where it is 1 (a class
 * field, MLM_COLOR_CLASSES: the value k + q holds the class k and the lightness q); the points
 * over it in their class colours; the loss curve beside it.
 *
 * Shapes (doubles unless said):
 *   N  points (at most SM_N_MAX), D = 2 coordinates, K classes (3..SM_K_MAX; the irises: 150
 *      flowers by petal length and width in cm, 3 species)
 *   W  (K, D) row-major, one row of weights per class; b (K,) the biases
 *   G  side of the decision-region grid (SM_GRID)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datasets2d.h"
#include "detmath.h"
#include "iris.h"
#include "mlm.h"
#include "softmax.h"

#define SM_N_MAX 600
#define SM_K_MAX 5
#define SM_D 2
#define SM_GRID 80
#define SM_HIST 400
#define SM_GRAD_TOL 1e-5 /* a gradient this small (its norm) counts as converged */

enum { SM_STABLE, SM_NAIVE };
enum { SM_BLOBS, SM_IRIS };

typedef struct {
    int data;        /* SM_BLOBS (default) or SM_IRIS (petal length and width, 3 species) */
    int classes;     /* K, 3..5; default 4 */
    int n;           /* points; default 300 */
    double noise;    /* how widely each blob spreads (0..1); default 0.2 */
    double lr;       /* learning rate; default 0.5 */
    int softmax;     /* SM_STABLE (default) or SM_NAIVE */
    double scale;    /* the coordinates the model sees are scale times those drawn; default 1 */
} sm_desc;

/* The constant block: the data, and the picture draw() rewrites from the state. */
typedef struct {
    double *x;          /* (N, D) the points as drawn */
    int *y;             /* (N,) classes 0..K-1 */
    float *pts;         /* (N, 3) (x1, x2, class) for the POINTS view */
    float *field;       /* (G, G) class + strength, row 0 at x2 = -MLM_D2_BOX */
    uint32_t field_hash;
    int64_t field_step; /* the step whose weights `field` shows (-1: none): in a run the weights
                           at step t are always the same, so the picture is a function of the
                           step and may live outside the checkpoints */
} sm_data;

typedef struct {
    sm_data *c;
    int N, K, naive;
    double lr, scale;
    double box[4];             /* the square drawn: x0, x1, y0, y1 */
    double W[SM_K_MAX * SM_D]; /* (K, D) */
    double b[SM_K_MAX];        /* (K,) */
    double gW[SM_K_MAX * SM_D];/* (K, D) the gradient of the mean loss at W, b */
    double gb[SM_K_MAX];       /* (K,) */
    mlm_series hist;           /* (SM_HIST, 2) (step, loss) */
} sm_state;

static const mlm_param sm_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(sm_desc, data), 0, 1, 1, SM_BLOBS, 0,
     "blobs:Gaussian blobs|iris:Iris petals (cm)",
     "the points: K Gaussian blobs, or Fisher's 150 irises by petal length and width"},
    {"classes", "Classes", MLM_INT, offsetof(sm_desc, classes), 3, SM_K_MAX, 1, 4, 0, NULL,
     "how many classes (blobs) to tell apart"},
    {"n", "Points", MLM_INT, offsetof(sm_desc, n), 30, SM_N_MAX, 10, 300, 0, NULL,
     "points, all of them used for training"},
    {"noise", "Spread", MLM_FLOAT, offsetof(sm_desc, noise), 0, 1, 0.05, 0.2, 0, NULL,
     "how widely each blob spreads (standard deviation 0.7 + 2.5 × spread)"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(sm_desc, lr), 1e-3, 10, 0, 0.5, 1, NULL,
     "step size of full-batch gradient descent"},
    {"softmax", "Softmax", MLM_CHOICE, offsetof(sm_desc, softmax), 0, 1, 1, SM_STABLE, 0,
     "stable:Stable (subtract the largest logit)|naive:Naive (exponentiate as is)",
     "how the probabilities are computed from the logits"},
    {"scale", "Units", MLM_FLOAT, offsetof(sm_desc, scale), 1, 1000, 0, 1, 1, NULL,
     "the model sees the coordinates multiplied by this: the same points in smaller units"},
};

enum { P_DATA, P_LOSS, SM_N_PANELS };

static const mlm_panel sm_panels[] = {
    [P_DATA] = {"data", "Decision regions (lighter: less sure)", "x₁", "x₂",
                MLM_PANEL_EQUAL, NULL},
    [P_LOSS] = {"loss", "Loss", "step", "cross-entropy",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum { V_REGIONS, V_POINTS, V_LOSS_CURVE, V_LOSS, V_ACC, V_ZMAX, SM_N_VIEWS };

static const mlm_view sm_views[] = {
    [V_REGIONS] = {"regions", "data", MLM_VIEW_FIELD, "most probable class", MLM_ORANGE,
                   MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_COLOR_CLASSES},
    [V_POINTS] = {"points", "data", MLM_VIEW_POINTS, "points", MLM_ORANGE, 0},
    [V_LOSS_CURVE] = {"loss_curve", "loss", MLM_VIEW_CURVE, "mean cross-entropy", MLM_BLUE, 0},
    [V_LOSS] = {"loss", NULL, MLM_VIEW_SCALAR, "loss", 0, 0},
    [V_ACC] = {"acc", NULL, MLM_VIEW_SCALAR, "accuracy", 0, MLM_SCALAR_PERCENT},
    [V_ZMAX] = {"zmax", NULL, MLM_VIEW_SCALAR, "largest logit", 0, 0},
};

_Static_assert(MLM_COUNT(sm_views) == SM_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(sm_panels) == SM_N_PANELS, "one declaration per panel");

#define SM_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define SM_CONST_BYTES                                                                         \
    (SM_A16(sizeof(sm_data)) + SM_A16(sizeof(double) * SM_N_MAX * SM_D) +                       \
     SM_A16(sizeof(int) * SM_N_MAX) + SM_A16(sizeof(float) * 3 * SM_N_MAX) +                   \
     SM_A16(sizeof(float) * SM_GRID * SM_GRID))
#define SM_STATE_BYTES (SM_A16(sizeof(sm_state)) + SM_A16(sizeof(float) * 2 * SM_HIST))

/* ---- the model ---- */

//> logits
/* z_k = w_k . (scale x) + b_k for k = 0..K-1: one score per class. z (K,). */
static void sm_logits(const sm_state *s, const double *W, const double *b, const double *x,
                      double *z) {
    double x1 = s->scale * x[0], x2 = s->scale * x[1];
    for (int k = 0; k < s->K; k++) z[k] = W[k * SM_D] * x1 + W[k * SM_D + 1] * x2 + b[k];
}
//< logits


/* Why the naive softmax failed at z (K,), in a clause; NULL when it did not. */
static const char *sm_naive_failure(const double *z, int K, double *worst) {
    double m = z[0];
    for (int k = 1; k < K; k++) m = fmax(m, z[k]);
    if (m > 709.782712893384) {
        *worst = m;
        return "overflow";
    }
    if (m < -745.1332191019412) {
        *worst = m;
        return "underflow";
    }
    return NULL;
}

//> loss_grad
/* The mean cross-entropy over the N points, L = (1/N) sum_i -log p_{i, y_i}, and its gradient:
   with one-hot targets y_ik (1 for the point's class, 0 for the others), dL/dz_ik = (p_ik - y_ik)
   / N, so dL/dw_k = (1/N) sum_i (p_ik - y_ik) scale x_i and dL/db_k = (1/N) sum_i (p_ik - y_ik).
   With the stable softmax -log p_{i,y} is computed as logsumexp(z_i) - z_{i,y}, never as the log of
   a probability that may have rounded to 0. Also counts the points whose most probable class is
   their own (*right) and the largest logit magnitude (*zmax). With the naive softmax, returns NaN
   or infinity when it fails, with the failing point's logits in bad_z (K,). gW (K, D), gb (K,). */
static double sm_loss_grad(const sm_state *s, const double *W, const double *b, double *gW,
                           double *gb, int naive, int *right, double *zmax, double *bad_z) {
    const sm_data *c = s->c;
    const int K = s->K;
    double z[SM_K_MAX], p[SM_K_MAX], loss = 0, big = 0;
    int ok = 0;
    if (gW) memset(gW, 0, sizeof(double) * (size_t)K * SM_D), memset(gb, 0, sizeof(double) * (size_t)K);
    for (int i = 0; i < s->N; i++) {
        const double *x = c->x + (size_t)i * SM_D;
        int y = c->y[i];
        sm_logits(s, W, b, x, z);
        double li;
        if (naive) {
            mlm_softmax_naive(p, z, K);
            li = -mlm_log(p[y]);
            if (!mlm_isfinite(li)) {
                if (bad_z) memcpy(bad_z, z, sizeof(double) * (size_t)K);
                return p[y] == p[y] ? INFINITY : NAN;
            }
        } else {
            li = mlm_softmax(p, z, K) - z[y];
        }
        loss += li;
        int best = 0;
        for (int k = 0; k < K; k++) {
            big = fmax(big, fabs(z[k]));
            if (p[k] > p[best]) best = k;
            if (!gW) continue;
            double d = p[k] - (k == y); /* p - y, the gradient at the logits */
            gW[k * SM_D] += d * s->scale * x[0];
            gW[k * SM_D + 1] += d * s->scale * x[1];
            gb[k] += d;
        }
        ok += best == y;
    }
    if (gW)
        for (int k = 0; k < K; k++) {
            gW[k * SM_D] /= s->N, gW[k * SM_D + 1] /= s->N, gb[k] /= s->N;
        }
    if (right) *right = ok;
    if (zmax) *zmax = big;
    return loss / s->N;
}
//< loss_grad

/* ---- create, step ---- */

static void *sm_create(mlm_instance *in) {
    const sm_desc *d = in->desc;
    sm_state *s = mlm_alloc(in, sizeof(sm_state));
    sm_data *c = mlm_alloc_const(in, sizeof(sm_data));
    if (!s || !c) return NULL;
    s->c = c;
    s->N = d->n, s->K = d->classes, s->naive = d->softmax == SM_NAIVE;
    s->lr = d->lr, s->scale = d->scale;
    c->x = mlm_alloc_const(in, sizeof(double) * (size_t)s->N * SM_D);
    c->y = mlm_alloc_const(in, sizeof(int) * (size_t)s->N);
    c->pts = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)s->N);
    c->field = mlm_alloc_const(in, sizeof(float) * SM_GRID * SM_GRID);
    if (!c->x || !c->y || !c->pts || !c->field || mlm_series_init(in, &s->hist, SM_HIST)) return NULL;

    if (d->data == SM_IRIS) {
        /* petal length (x1) and petal width (x2) in centimetres, as measured: three species */
        s->N = MLM_IRIS_N, s->K = MLM_IRIS_CLASSES;
        for (int i = 0; i < s->N; i++) {
            c->x[2 * i] = mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH);
            c->x[2 * i + 1] = mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH);
            c->y[i] = mlm_iris_class[i];
        }
        double box[4] = {0, 7.5, -0.5, 3.5};
        memcpy(s->box, box, sizeof box);
    } else {
        mlm_d2_spec spec = {.kind = MLM_D2_BLOBS, .n = s->N, .noise = d->noise, .classes = s->K};
        s->K = mlm_d2_classes(&spec);
        mlm_d2_generate(&spec, &in->rng, c->x, c->y, NULL);
        double box[4] = {-MLM_D2_BOX, MLM_D2_BOX, -MLM_D2_BOX, MLM_D2_BOX};
        memcpy(s->box, box, sizeof box);
    }
    for (int i = 0; i < s->N; i++) {
        c->pts[3 * i] = (float)c->x[2 * i], c->pts[3 * i + 1] = (float)c->x[2 * i + 1];
        c->pts[3 * i + 2] = (float)c->y[i];
    }
    c->field_step = -1;
    /* W = 0, b = 0: every class equally likely everywhere (p = 1/K), the loss log K. The loss is
       convex in (W, b), so where descent starts decides only how long it takes. */
    memset(s->W, 0, sizeof s->W), memset(s->b, 0, sizeof s->b);

    mlm_panel_state *pd = &in->panels[P_DATA];
    pd->x0 = (float)s->box[0], pd->x1 = (float)s->box[1], pd->y0 = (float)s->box[2], pd->y1 = (float)s->box[3];
    return s;
}

//> step
/* One step of full-batch gradient descent: the gradient over every point at the current
   weights, then w <- w - lr dL/dw. With the naive softmax a failure stops the run before the
   update, so the weights on screen are the last finite ones. */
static void sm_step(mlm_instance *in, void *self) {
    sm_state *s = self;
    double zmax, bad[SM_K_MAX];
    double loss = sm_loss_grad(s, s->W, s->b, s->gW, s->gb, s->naive, NULL, &zmax, bad);
    int64_t step = in->steps + 1;
    if (!mlm_isfinite(loss)) {
        double worst = 0;
        const char *why = s->naive ? sm_naive_failure(bad, s->K, &worst) : NULL;
        if (why && why[0] == 'o')
            mlm_diverged(in, 1,
                         "step %lld: the naive softmax met a logit of %.4g; e to that power is "
                         "larger than any double (the limit is e^709.78), so it became infinity, "
                         "and infinity / infinity is not a number. The stable softmax subtracts the "
                         "largest logit first and stays finite: choose it to go on.",
                         (long long)step, worst);
        else if (why)
            mlm_diverged(in, 1,
                         "step %lld: every logit of a point is below -745 (the largest is "
                         "%.4g), so every e^z rounded to 0 and 0 / 0 is not a number. The stable softmax "
                         "subtracts the largest logit first and stays finite: choose it to go on.",
                         (long long)step, worst);
        else if (s->naive)
            mlm_diverged(in, 1,
                         "step %lld: the naive softmax rounded a point's own probability to 0 "
                         "(its logit is more than 745 below another), and -log 0 is infinite. The "
                         "stable softmax computes the loss as logsumexp(z) - z_y and stays "
                         "finite: choose it to go on.",
                         (long long)step);
        else
            mlm_diverged(in, 1, "step %lld: the loss is no longer finite (logits near %.3g)",
                         (long long)step, zmax);
        return;
    }
    mlm_series_push(&s->hist, (double)in->steps, loss);
    double g2 = 0;
    for (int k = 0; k < s->K; k++) {
        for (int j = 0; j < SM_D; j++) {
            s->W[k * SM_D + j] -= s->lr * s->gW[k * SM_D + j];
            g2 += s->gW[k * SM_D + j] * s->gW[k * SM_D + j];
        }
        s->b[k] -= s->lr * s->gb[k];
        g2 += s->gb[k] * s->gb[k];
    }
    if (sqrt(g2) < SM_GRAD_TOL)
        mlm_converged(in, 1,
                      "converged at step %lld: the gradient's norm fell below 1e-5, at a loss "
                      "of %.4g",
                      (long long)step, loss);
}
//< step

/* ---- drawing ---- */

static float sm_safe(double v) {
    if (!(v == v)) return 0.0f;
    return (float)mlm_clamp(v, -1e30, 1e30);
}

//> regions
/* Each cell of the grid: the most probable class k there and how sure the model is, as k + q
   with q = (p_k - 1/K) / (1 - 1/K), 0 at a K-way tie and 1 at certainty (kept below 1 so the
   class stays the whole part). Always the stable softmax: the picture shows the weights. */
static void sm_regions(const sm_state *s, float *field) {
    double z[SM_K_MAX], p[SM_K_MAX], x[2];
    const int K = s->K;
    for (int r = 0; r < SM_GRID; r++) {
        x[1] = s->box[2] + r * (s->box[3] - s->box[2]) / (SM_GRID - 1);
        for (int q = 0; q < SM_GRID; q++) {
            x[0] = s->box[0] + q * (s->box[1] - s->box[0]) / (SM_GRID - 1);
            sm_logits(s, s->W, s->b, x, z);
            mlm_softmax(p, z, K);
            int best = 0;
            for (int k = 1; k < K; k++) best = p[k] > p[best] ? k : best;
            double sure = (p[best] - 1.0 / K) / (1.0 - 1.0 / K);
            field[r * SM_GRID + q] = (float)(best + mlm_clamp(sure, 0, 0.999));
        }
    }
}
//< regions

static void sm_draw(mlm_instance *in, void *self) {
    sm_state *s = self;
    sm_data *c = s->c;
    if (c->field_step != in->steps) {
        sm_regions(s, c->field);
        c->field_step = in->steps;
        uint32_t h = 2166136261u;
        const unsigned char *bytes = (const unsigned char *)c->field;
        for (size_t k = 0; k < sizeof(float) * SM_GRID * SM_GRID; k++) h = (h ^ bytes[k]) * 16777619u;
        c->field_hash = h;
    }
    mlm_field_view(in, V_REGIONS, c->field, SM_GRID, SM_GRID, s->box[0], s->box[1], s->box[2],
                   s->box[3], c->field_hash);
    in->views[V_REGIONS].lo = 0, in->views[V_REGIONS].hi = (float)s->K;
    in->views[V_POINTS].data = c->pts, in->views[V_POINTS].count = s->N;
    mlm_series_view(in, V_LOSS_CURVE, &s->hist);
    /* the readouts at the weights on screen, always with the stable softmax: after a naive
       failure they show what the stable one makes of the same weights */
    int right = 0;
    double zmax = 0, loss = sm_loss_grad(s, s->W, s->b, NULL, NULL, 0, &right, &zmax, NULL);
    in->views[V_LOSS].value = sm_safe(loss);
    in->views[V_LOSS].hidden = !mlm_isfinite(loss);
    in->views[V_ACC].value = sm_safe(100.0 * right / s->N);
    in->views[V_ZMAX].value = sm_safe(zmax);
}

/* The blobs' count, size and spread mean nothing for the irises. */
static const mlm_when sm_when[] = {
    {"classes", "data=blobs"}, {"n", "data=blobs"}, {"noise", "data=blobs"},
};

const mlm_module mlm_module_softmax_regression = {
    .name = "softmax_regression",
    .title = "Softmax regression",
    .params = sm_params,
    .n_params = MLM_COUNT(sm_params),
    .desc_size = sizeof(sm_desc),
    .panels = sm_panels,
    .n_panels = SM_N_PANELS,
    .views = sm_views,
    .n_views = SM_N_VIEWS,
    .state_bytes = SM_STATE_BYTES,
    .const_bytes = SM_CONST_BYTES,
    .speed = 20,
    .random = 1,
    .t_max = 20000,
    .create = sm_create,
    .step = sm_step,
    .draw = sm_draw,
    .when = sm_when,
    .n_when = MLM_COUNT(sm_when),
};
