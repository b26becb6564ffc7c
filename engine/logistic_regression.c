/* logistic_regression.c: the engine of chapter 8, "Logistic regression". A line in the plane,
 * read as a probability: p(x) = σ(w · x̃) with x̃ = (x1, x2, 1), fitted by minimising the mean
 * binary cross-entropy (the negative log-likelihood of the labels), plus an optional L2 penalty
 * λ/2 (w1² + w2²) on the slope weights (not the bias):
 *
 *   L(w) = 1/N Σ_i [softplus(z_i) - y_i z_i] + λ/2 (w1² + w2²),  z_i = w · x̃_i, y_i ∈ {0, 1}
 *   ∇L   = 1/N Σ_i (p_i - y_i) x̃_i + λ (w1, w2, 0)
 *   ∇²L  = 1/N Σ_i p_i (1 - p_i) x̃_i x̃_iᵀ + λ diag(1, 1, 0)
 *
 * by full-batch, stochastic or mini-batch gradient descent, or by Newton's method written as
 * iteratively reweighted least squares (IRLS). The widget shows the probability as a heatmap
 * behind the points with its 0.5 contour (the line w · x̃ = 0), the loss curve, and the path of
 * (w1, w2). The reader's placed points (mlm_points) join the data; a press adds or removes one.
 *
 * Shapes: N points (generated G plus the reader's P); x (N, 3) rows (x1, x2, 1); y (N,) 0 / 1;
 * w (3,) (w1, w2, w0); the gradient (3,) and the Hessian (3, 3) row-major; the heatmap (F, F).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "datasets2d.h"
#include "detmath.h"
#include "iris.h"
#include "mlm.h"

#define LR_G_MAX 200
#define LR_N_MAX (LR_G_MAX + MLM_POINTS_MAX)
#define LR_F 64            /* side of the probability heatmap */
#define LR_HIST 512
#define LR_STEPS_MAX 50000 /* a run stops here if it has neither converged nor diverged */
#define LR_GRAD_TOL 1e-9   /* converged: |∇L| below this (full batch and Newton) */

enum { LR_OVERLAP, LR_SEPARABLE, LR_IRIS, LR_MINE };
enum { LR_FULL, LR_SGD, LR_MINI, LR_NEWTON };

typedef struct {
    int data;      /* LR_*; default overlapping */
    int n;         /* generated points; default 60 */
    int method;    /* LR_FULL..LR_NEWTON; default full batch */
    double lr;     /* learning rate of the descents; default 0.5 */
    int batch;     /* mini-batch size; default 10 */
    double l2;     /* λ; default 0 */
    int place;     /* the class a press adds; default 1 */
} lr_desc;

typedef struct {
    int32_t N, G;
    double x[LR_N_MAX][3];  /* (N, 3) */
    double y[LR_N_MAX];     /* (N,) 0 / 1 */
    double box[4];
    mlm_rng rng0;           /* the generator as create found it: the data come from it */
    mlm_points mine;        /* the reader's points */
    double w[3];            /* (3,) */
    double loss, gnorm;     /* at w */
    int32_t order[LR_N_MAX]; /* (N,) this epoch's order, for the stochastic methods */
    int32_t cursor;
    mlm_series hist_loss;   /* (step, L) */
    mlm_series trail;       /* (w1, w2) */
    float field[LR_F * LR_F]; /* (F, F) p(x) - 1/2, row 0 at the box's bottom */
    float pts[LR_N_MAX][3];
    float line[4];
    char note[120];
} lr_state;

static const mlm_param lr_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(lr_desc, data), 0, 3, 1, LR_OVERLAP, 0,
     "overlap:Overlapping classes|separable:Separable|iris:Iris: versicolor or virginica (petals)|mine:Only my points",
     "the two classes"},
    {"n", "Points", MLM_INT, offsetof(lr_desc, n), 10, LR_G_MAX, 10, 60, 0, NULL, "points generated"},
    {"method", "Method", MLM_CHOICE, offsetof(lr_desc, method), 0, 3, 1, LR_FULL, 0,
     "full:Full-batch descent|sgd:Stochastic descent|mini:Mini-batch descent|newton:Newton (IRLS)",
     "how each step moves the weights"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(lr_desc, lr), 0.001, 20, 0, 0.5, 1, NULL,
     "step size η of the descents: w <- w - η ∇L"},
    {"batch", "Batch size", MLM_INT, offsetof(lr_desc, batch), 2, 64, 1, 10, 0, NULL, "points in each mini-batch"},
    {"l2", "L2 strength λ", MLM_FLOAT, offsetof(lr_desc, l2), 0, 0.5, 0.001, 0, 0, NULL,
     "penalty λ/2 (w1² + w2²) added to the loss (0: none)"},
    {"place", "A press adds", MLM_CHOICE, offsetof(lr_desc, place), 0, 1, 1, 1, 0,
     "neg:class 0 (orange)|pos:class 1 (blue)",
     "the class of a point you add by pressing the data panel (press a point to remove it)"},
};

static const mlm_when lr_when[] = {
    {"n", "data=overlap|separable"},
    {"lr", "method=full|sgd|mini"},
    {"batch", "method=mini"},
};

enum { P_DATA, P_LOSS, P_WEIGHTS, LR_N_PANELS };
static const mlm_panel lr_panels[] = {
    [P_DATA] = {"data", "p(blue | x) and p = ½ (press: add or remove a point)", "x₁", "x₂",
                MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_LOSS] = {"loss", "Loss", "step", "cross-entropy", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
    [P_WEIGHTS] = {"weights", "The path of (w₁, w₂)", "w₁", "w₂", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    V_FIELD, V_PTS, V_LINE, V_LOSS, V_TRAIL,
    V_S_LOSS, V_S_NORM, V_S_ACC, V_S_GRAD,
    LR_N_VIEWS
};
static const mlm_view lr_views[] = {
    [V_FIELD] = {"prob", "data", MLM_VIEW_FIELD, "p − ½", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_PTS] = {"points", "data", MLM_VIEW_POINTS, "points", MLM_VERMILION, 0},
    [V_LINE] = {"boundary", "data", MLM_VIEW_SEGMENTS, "p = 0.5", MLM_INK, MLM_VIEW_LEGEND},
    [V_LOSS] = {"loss_curve", "loss", MLM_VIEW_CURVE, "loss", MLM_BLUE, 0},
    [V_TRAIL] = {"path", "weights", MLM_VIEW_TRAIL, "(w₁, w₂)", MLM_BLUE, 0},
    [V_S_LOSS] = {"loss", NULL, MLM_VIEW_SCALAR, "loss", 0, 0},
    [V_S_NORM] = {"wnorm", NULL, MLM_VIEW_SCALAR, "|w|", 0, 0},
    [V_S_ACC] = {"acc", NULL, MLM_VIEW_SCALAR, "accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_GRAD] = {"grad", NULL, MLM_VIEW_SCALAR, "|∇L|", 0, 0},
};
_Static_assert(MLM_COUNT(lr_views) == LR_N_VIEWS, "one declaration per view");

#define LR_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define LR_STATE_BYTES (LR_A16(sizeof(lr_state)) + 2 * LR_A16(sizeof(float) * 2 * LR_HIST))

/* The loss, its gradient and Hessian, and Newton's step live in the shared core
   (engine/core/classify.c: mlm_logreg_loss, mlm_logreg_irls_step), where chapter 32 trains the
   same logistic regression beside the book's other classifiers. */
static double lr_loss(const double (*x)[3], const double *y, int n, const double *w, double l2,
                      double *g, double *h) {
    return mlm_logreg_loss(x, y, n, w, l2, g, h);
}

static int lr_irls_step(const double (*x)[3], const double *y, int n, double *w, double l2) {
    return mlm_logreg_irls_step(x, y, n, w, l2);
}

static void lr_add(lr_state *s, double x1, double x2, double y) {
    s->x[s->N][0] = x1, s->x[s->N][1] = x2, s->x[s->N][2] = 1, s->y[s->N] = y;
    s->N++;
}

static void lr_box(int data, double *box) {
    if (data == LR_IRIS) box[0] = 2.5, box[1] = 7.3, box[2] = 0.6, box[3] = 2.9;
    else box[0] = box[2] = -MLM_D2_BOX, box[1] = box[3] = MLM_D2_BOX;
}

static void lr_start(mlm_instance *in, lr_state *s) {
    const lr_desc *d = in->desc;
    in->rng = s->rng0;
    s->N = 0;
    if (d->data == LR_OVERLAP || d->data == LR_SEPARABLE) {
        double x[LR_G_MAX][2];
        int y[LR_G_MAX];
        mlm_d2_spec spec = {.kind = d->data == LR_OVERLAP ? MLM_D2_OVERLAP : MLM_D2_LINEAR, .n = d->n, .margin = 0.5};
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL);
        for (int i = 0; i < d->n; i++) lr_add(s, x[i][0], x[i][1], y[i]);
    } else if (d->data == LR_IRIS) {
        /* versicolor (0) or virginica (1) by petal length and width, in cm */
        for (int i = 50; i < 150; i++)
            lr_add(s, mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH), mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH), i >= 100);
    }
    s->G = s->N;
    for (int k = 0; k < s->mine.n; k++) {
        double px, py;
        mlm_points_xy(&s->mine, k, &px, &py);
        lr_add(s, px, py, s->mine.cls[k]);
    }
    memset(s->w, 0, sizeof s->w);
    double g[3];
    s->loss = lr_loss((const double(*)[3])s->x, s->y, s->N, s->w, d->l2, g, NULL);
    s->gnorm = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    for (int i = 0; i < s->N; i++) s->order[i] = i;
    mlm_rng_shuffle(&in->rng, s->order, s->N);
    s->cursor = 0;
    mlm_series_clear(&s->hist_loss);
    mlm_series_clear(&s->trail);
    if (s->N > 0) mlm_series_push(&s->hist_loss, 0, s->loss);
    mlm_series_push(&s->trail, 0, 0);
    in->panels[P_DATA].x0 = (float)s->box[0], in->panels[P_DATA].x1 = (float)s->box[1];
    in->panels[P_DATA].y0 = (float)s->box[2], in->panels[P_DATA].y1 = (float)s->box[3];
}

static void *lr_create(mlm_instance *in) {
    const lr_desc *d = in->desc;
    lr_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->hist_loss, LR_HIST) || mlm_series_init(in, &s->trail, LR_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->rng0 = in->rng;
    lr_box(d->data, s->box);
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 2);
    lr_start(in, s);
    return s;
}

static double lr_accuracy(const lr_state *s) {
    int right = 0;
    for (int i = 0; i < s->N; i++) {
        double z = s->w[0] * s->x[i][0] + s->w[1] * s->x[i][1] + s->w[2];
        right += (z > 0) == (s->y[i] > 0.5);
    }
    return s->N ? 100.0 * right / s->N : 0;
}

//> step
/* One step. The descents move against the gradient of the loss over all points (full batch), one
   point (stochastic) or B points (mini-batch), taken in a shuffled order that is drawn afresh
   each epoch; Newton's method jumps to the minimum of the loss's quadratic model. */
static void lr_step(mlm_instance *in, void *self) {
    lr_state *s = self;
    const lr_desc *d = in->desc;
    int64_t step = in->steps + 1;
    if (s->N == 0) {
        mlm_finished(in, "no points yet: press the data panel to place some");
        return;
    }
    double g[3], before[3];
    memcpy(before, s->w, sizeof before);
    if (d->method == LR_NEWTON) {
        if (lr_irls_step((const double(*)[3])s->x, s->y, s->N, s->w, d->l2)) {
            memcpy(s->w, before, sizeof before);
            mlm_diverged(in, 1, "Newton's step failed at step %lld: the Hessian is singular (every p(1 − p) has "
                                "underflowed: the data are separable and the weights have run off; add some λ)",
                         (long long)step);
            return;
        }
    } else if (d->method == LR_FULL) {
        lr_loss((const double(*)[3])s->x, s->y, s->N, s->w, d->l2, g, NULL);
        for (int a = 0; a < 3; a++) s->w[a] -= d->lr * g[a];
    } else {
        int B = d->method == LR_SGD ? 1 : d->batch < s->N ? d->batch : s->N;
        double xb[64][3], yb[64];
        for (int r = 0; r < B; r++) {
            if (s->cursor >= s->N) {
                mlm_rng_shuffle(&in->rng, s->order, s->N);
                s->cursor = 0;
            }
            int i = s->order[s->cursor++];
            memcpy(xb[r], s->x[i], sizeof xb[r]);
            yb[r] = s->y[i];
        }
        lr_loss((const double(*)[3])xb, yb, B, s->w, d->l2, g, NULL);
        for (int a = 0; a < 3; a++) s->w[a] -= d->lr * g[a];
    }
    s->loss = lr_loss((const double(*)[3])s->x, s->y, s->N, s->w, d->l2, g, NULL);
    s->gnorm = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (!mlm_isfinite(s->loss) || !mlm_isfinite(s->gnorm) || fabs(s->w[0]) + fabs(s->w[1]) + fabs(s->w[2]) > 1e12) {
        memcpy(s->w, before, sizeof before);
        mlm_diverged(in, 1, "the weights blew up at step %lld: a learning rate of %.3g overshoots the "
                            "loss's valley further each step", (long long)step, d->lr);
        return;
    }
    mlm_series_push(&s->hist_loss, (double)step, fmax(s->loss, 1e-30));
    mlm_series_push(&s->trail, s->w[0], s->w[1]);
    if ((d->method == LR_FULL || d->method == LR_NEWTON) && s->gnorm < LR_GRAD_TOL) {
        if (d->l2 == 0 && lr_accuracy(s) == 100) {
            /* a vanishing gradient, but no minimum: on separable data the loss only falls by
               scaling w up, and it has fallen as far as a double can tell */
            mlm_finished(in, "no minimum to reach: the classes are separable, so the loss (now %.1e) keeps "
                             "falling as |w| grows (now %.3g) for ever; an L2 penalty gives it a bottom",
                         s->loss, sqrt(s->w[0] * s->w[0] + s->w[1] * s->w[1] + s->w[2] * s->w[2]));
            return;
        }
        mlm_converged(in, 1, "converged at step %lld: |∇L| = %.1e, the bottom of the loss (%.6f)",
                      (long long)step, s->gnorm, s->loss);
        return;
    }
    if (step >= LR_STEPS_MAX)
        mlm_finished(in, "stopped at step %d with |w| = %.3g%s", LR_STEPS_MAX,
                     sqrt(s->w[0] * s->w[0] + s->w[1] * s->w[1] + s->w[2] * s->w[2]),
                     d->l2 == 0 ? " (on separable data it would grow for ever)" : "");
}
//< step

/* The part of the line w1 x1 + w2 x2 + w0 = 0 inside the box (0: none). */
static int lr_clip(const double *w, const double *box, float *seg) {
    double pts[4][2];
    int n = 0;
    if (fabs(w[1]) > 1e-300)
        for (int e = 0; e < 2; e++) {
            double xx = box[e], yy = -(w[0] * xx + w[2]) / w[1];
            if (yy >= box[2] && yy <= box[3] && n < 4) pts[n][0] = xx, pts[n][1] = yy, n++;
        }
    if (fabs(w[0]) > 1e-300)
        for (int e = 2; e < 4; e++) {
            double yy = box[e], xx = -(w[1] * yy + w[2]) / w[0];
            if (xx >= box[0] && xx <= box[1] && n < 4) pts[n][0] = xx, pts[n][1] = yy, n++;
        }
    if (n < 2 || !mlm_isfinite(pts[0][0] + pts[0][1] + pts[n - 1][0] + pts[n - 1][1])) return 0;
    seg[0] = (float)pts[0][0], seg[1] = (float)pts[0][1], seg[2] = (float)pts[n - 1][0], seg[3] = (float)pts[n - 1][1];
    return 1;
}

static void lr_draw(mlm_instance *in, void *self) {
    lr_state *s = self;
    mlm_view_state *v = in->views;
    for (int r = 0; r < LR_F; r++) {
        double yy = s->box[2] + (s->box[3] - s->box[2]) * r / (LR_F - 1);
        for (int q = 0; q < LR_F; q++) {
            double xx = s->box[0] + (s->box[1] - s->box[0]) * q / (LR_F - 1);
            double p = mlm_sigmoid(s->w[0] * xx + s->w[1] * yy + s->w[2]);
            s->field[r * LR_F + q] = (float)(mlm_isfinite(p) ? p - 0.5 : 0);
        }
    }
    uint32_t h = 2166136261u;
    const unsigned char *b = (const unsigned char *)s->w;
    for (size_t k = 0; k < sizeof s->w; k++) h = (h ^ b[k]) * 16777619u;
    mlm_field_view(in, V_FIELD, s->field, LR_F, LR_F, s->box[0], s->box[1], s->box[2], s->box[3], h);
    v[V_FIELD].lo = -0.5f, v[V_FIELD].hi = 0.5f;
    for (int i = 0; i < s->N; i++)
        s->pts[i][0] = (float)s->x[i][0], s->pts[i][1] = (float)s->x[i][1], s->pts[i][2] = s->y[i] > 0.5 ? -1.0f : 0.0f;
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = s->N;
    v[V_LINE].data = s->line, v[V_LINE].count = lr_clip(s->w, s->box, s->line);
    mlm_series_view(in, V_LOSS, &s->hist_loss);
    mlm_series_view(in, V_TRAIL, &s->trail);
    v[V_S_LOSS].value = (float)s->loss;
    v[V_S_NORM].value = (float)sqrt(s->w[0] * s->w[0] + s->w[1] * s->w[1] + s->w[2] * s->w[2]);
    v[V_S_ACC].value = (float)lr_accuracy(s);
    v[V_S_GRAD].value = (float)fmin(s->gnorm, 1e30);
}

static int lr_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    lr_state *s = self;
    const lr_desc *d = in->desc;
    if (panel != P_DATA || kind != MLM_POINTER_DOWN) return 0;
    return mlm_points_click(&s->mine, x, y, d->place, 0.03 * (s->box[1] - s->box[0]));
}

static int lr_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    return mlm_points_get(&((const lr_state *)self)->mine, buf, n);
}

static int lr_input_set(mlm_instance *in, void *self, const char *text) {
    lr_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    lr_start(in, s); /* the data changed: start again on it */
    return 0;
}

const mlm_module mlm_module_logistic_regression = {
    .name = "logistic_regression",
    .title = "Logistic regression",
    .params = lr_params,
    .n_params = MLM_COUNT(lr_params),
    .desc_size = sizeof(lr_desc),
    .panels = lr_panels,
    .n_panels = LR_N_PANELS,
    .views = lr_views,
    .n_views = LR_N_VIEWS,
    .state_bytes = LR_STATE_BYTES,
    .const_bytes = 0,
    .speed = 30,
    .random = 1,
    .create = lr_create,
    .step = lr_step,
    .draw = lr_draw,
    .pointer = lr_pointer,
    .when = lr_when,
    .n_when = MLM_COUNT(lr_when),
    .input_get = lr_input_get,
    .input_set = lr_input_set,
};
