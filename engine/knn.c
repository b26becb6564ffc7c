/* knn.c: the engine of chapter 29, "k-nearest neighbours". No training at all: the model is the
 * data. To classify a point, find the k training points nearest to it and let them vote.
 *
 *   distance   Euclidean sqrt(dx² + dy²), Manhattan |dx| + |dy|, or Chebyshev max(|dx|, |dy|);
 *   neighbours the k smallest distances, ties in distance broken by the lower index;
 *   vote       one vote each, or 1/d each (distance-weighted); a tie in votes goes to the tied
 *              class whose member is nearest.
 *
 * One step of the widget is one value of k: step t sets k = t, counts the training and test
 * errors for that k (the bias-variance curve, computed live) and redraws the decision regions,
 * a heatmap of the predicted class over a grid of cells, which is recomputed in draw only when
 * k has changed since it was last drawn. A 1-D scene beside it does regression by averaging the
 * k nearest targets.
 *
 * Data: the book's 2-D datasets (engine/core/datasets2d.h) with a test set drawn from the same
 * generator, iris petals (engine/core/iris.h; even rows train, odd rows test), or only the
 * reader's points; the reader's placed points (mlm_points) join the training set, and a press on
 * the regions panel adds or removes one.
 *
 * Shapes: N training points (G generated + P placed); x (N, 2); y (N,) classes 0..K-1;
 * T test points xt (T, 2), yt (T,); grid KN_GRID x KN_GRID cells over the box.
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

#define KN_G_MAX 200
#define KN_N_MAX (KN_G_MAX + MLM_POINTS_MAX)
#define KN_T_MAX 200
#define KN_K_MAX 60
#define KN_GRID 60
#define KN_R_N 40  /* regression points */
#define KN_R_C 241 /* regression curve samples */
#define KN_CLASSES_MAX 5
#define KN_PI 3.14159265358979323846

enum { KN_MOONS, KN_BLOBS, KN_OVERLAP, KN_CIRCLES, KN_IRIS, KN_MINE };
enum { KN_EUCLID, KN_MANHATTAN, KN_CHEBYSHEV };
enum { KN_UNIFORM, KN_WEIGHTED };

typedef struct {
    int data;      /* default moons */
    int n;         /* generated training points; default 80 */
    double noise;  /* default 0.8 */
    int kmax;      /* the sweep's last k; default 40 */
    int metric;    /* default Euclidean */
    int weight;    /* default uniform */
    int place;     /* class of a placed point; default 0 */
} kn_desc;

typedef struct {
    int32_t N, G, T, K;           /* training points, generated ones, test points, classes */
    double x[KN_N_MAX][2];
    int32_t y[KN_N_MAX];
    double xt[KN_T_MAX][2];
    int32_t yt[KN_T_MAX];
    double box[4];
    mlm_rng rng0;
    mlm_points mine;
    int32_t k;                    /* the k of the sweep so far (0: none yet) */
    int32_t kend;                 /* the sweep's last k: min(kmax, N) */
    int32_t train_err, test_err;  /* at k */
    int32_t best_k, best_test;    /* the k with the fewest test errors so far */
    mlm_series h_train, h_test;   /* (k, error %) */
    /* regression scene */
    double rx[KN_R_N], ry[KN_R_N];
    /* drawing caches */
    int32_t grid_k;               /* the k the regions were computed for (0: not yet) */
    uint32_t grid_version;
    float grid[KN_GRID * KN_GRID];
    float pts[KN_N_MAX + KN_T_MAX][3];
    float rpts[KN_R_N][3];
    float rcurve[KN_R_C][2];
    float rtrue[KN_R_C][2];
    char note[160];
} kn_state;

static const mlm_param kn_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(kn_desc, data), 0, 5, 1, KN_MOONS, 0,
     "moons:Two moons|blobs:Three blobs|overlap:Overlapping clouds|circles:Circles|"
     "iris:Iris petals (3 species)|mine:Only my points",
     "the training points (and a test set drawn the same way)"},
    {"n", "Points", MLM_INT, offsetof(kn_desc, n), 10, KN_G_MAX, 10, 80, 0, NULL,
     "training points generated (as many test points again, at most 200)"},
    {"noise", "Noise", MLM_FLOAT, offsetof(kn_desc, noise), 0, 1, 0.05, 0.8, 0, NULL,
     "how far the generated points scatter from their pattern"},
    {"kmax", "Largest k", MLM_INT, offsetof(kn_desc, kmax), 2, KN_K_MAX, 1, 40, 0, NULL,
     "the run steps k = 1, 2, ... up to this (or the number of training points)"},
    {"metric", "Distance", MLM_CHOICE, offsetof(kn_desc, metric), 0, 2, 1, KN_EUCLID, 0,
     "euclid:Euclidean|manhattan:Manhattan|chebyshev:Chebyshev", "how nearness is measured"},
    {"weight", "Vote", MLM_CHOICE, offsetof(kn_desc, weight), 0, 1, 1, KN_UNIFORM, 0,
     "uniform:One vote each|distance:Weighted by 1/distance", "how the k neighbours vote"},
    {"place", "A press adds", MLM_CHOICE, offsetof(kn_desc, place), 0, 2, 1, 0, 0,
     "c0:class 0 (vermilion)|c1:class 1 (blue)|c2:class 2 (purple)",
     "the class of a point you add by pressing the regions panel (press a point to remove it)"},
};

static const mlm_when kn_when[] = {
    {"n", "data=moons|blobs|overlap|circles"},
    {"noise", "data=moons|blobs|overlap|circles"},
};

enum { P_REGIONS, P_ERRORS, P_REG, KN_N_PANELS };
static const mlm_panel kn_panels[] = {
    [P_REGIONS] = {"regions", "Predicted class (press: add or remove a point)", "x₁", "x₂",
                   MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_ERRORS] = {"errors", "Training and test error against k", "k", "error %",
                  MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_REG] = {"regression", "Regression: the mean of the k nearest", "x", "y", 0, NULL},
};

enum {
    V_FIELD, V_FIELD2, V_PTS, V_NOTE, V_H_TRAIN, V_H_TEST, V_R_PTS, V_R_TRUE, V_R_FIT,
    V_S_K, V_S_TRAIN, V_S_TEST, V_S_BEST, V_S_BEST_ERR, KN_N_VIEWS
};
static const mlm_view kn_views[] = {
    /* two classes: the diverging scale (orange below 0, blue above), like the points; more: a scale */
    [V_FIELD] = {"regions", "regions", MLM_VIEW_FIELD, "predicted class", 0, MLM_FIELD_HEATMAP},
    [V_FIELD2] = {"regions2", "regions", MLM_VIEW_FIELD, "predicted class", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_PTS] = {"points", "regions", MLM_VIEW_POINTS, "points", MLM_VERMILION, 0},
    [V_NOTE] = {"note", "regions", MLM_VIEW_TEXT, "", 0, 0},
    [V_H_TRAIN] = {"hist_train", "errors", MLM_VIEW_CURVE, "training error", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_H_TEST] = {"hist_test", "errors", MLM_VIEW_CURVE, "test error", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_R_PTS] = {"reg_points", "regression", MLM_VIEW_POINTS, "samples", MLM_BLUE, 0},
    [V_R_TRUE] = {"reg_true", "regression", MLM_VIEW_CURVE, "sin x", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_R_FIT] = {"reg_fit", "regression", MLM_VIEW_CURVE, "k-NN mean", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_S_K] = {"k", NULL, MLM_VIEW_SCALAR, "k", 0, MLM_SCALAR_INT},
    [V_S_TRAIN] = {"train_err", NULL, MLM_VIEW_SCALAR, "training error", 0, MLM_SCALAR_PERCENT},
    [V_S_TEST] = {"test_err", NULL, MLM_VIEW_SCALAR, "test error", 0, MLM_SCALAR_PERCENT},
    [V_S_BEST] = {"best_k", NULL, MLM_VIEW_SCALAR, "best k on test", 0, MLM_SCALAR_INT},
    [V_S_BEST_ERR] = {"best_err", NULL, MLM_VIEW_SCALAR, "its test error", 0, MLM_SCALAR_PERCENT},
};
_Static_assert(MLM_COUNT(kn_views) == KN_N_VIEWS, "one declaration per view");

#define KN_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define KN_STATE_BYTES (KN_A16(sizeof(kn_state)) + 2 * KN_A16(sizeof(float) * 2 * 128))

/* The distances, the neighbour search and the vote live in the shared core
   (engine/core/classify.c: mlm_knn_dist, mlm_knn_neighbours, mlm_knn_votes), where chapter 32
   trains k-NN beside the book's other classifiers. */
_Static_assert((int)KN_EUCLID == (int)MLM_KNN_EUCLID && (int)KN_MANHATTAN == (int)MLM_KNN_MANHATTAN &&
                   (int)KN_CHEBYSHEV == (int)MLM_KNN_CHEBYSHEV,
               "the metrics are the core's");
_Static_assert(KN_CLASSES_MAX <= MLM_KNN_K_MAX && KN_N_MAX <= MLM_KNN_NB_MAX, "the core's vote holds every class and point");

__attribute__((unused)) static double kn_dist(int metric, const double *a, const double *b) { return mlm_knn_dist(metric, a, b); }

static int kn_neighbours(int metric, const double (*x)[2], int N, const double *q, int k, int *nb,
                         double *d) {
    return mlm_knn_neighbours(metric, x, N, q, k, nb, d);
}

static int kn_classify(int metric, int weighted, const double (*x)[2], const int32_t *y, int N, int K,
                       const double *q, int k) {
    return mlm_knn_classify(metric, weighted, x, y, N, K, q, k);
}

//> regress
/* Regression: the mean target of the k nearest of the n samples (rx, ry) to x (1-D distance). */
static double kn_regress(const double *rx, const double *ry, int n, double x, int k) {
    double pts[KN_R_N][2], q[2] = {x, 0}, d[KN_R_N], s = 0;
    int nb[KN_R_N];
    for (int i = 0; i < n; i++) pts[i][0] = rx[i], pts[i][1] = 0;
    int m = kn_neighbours(KN_EUCLID, (const double(*)[2])pts, n, q, k, nb, d);
    for (int j = 0; j < m; j++) s += ry[nb[j]];
    return m ? s / m : 0;
}
//< regress

static int kn_classes(int data) {
    return data == KN_BLOBS || data == KN_IRIS || data == KN_MINE ? 3 : 2;
}

static void kn_box(int data, double *box) {
    if (data == KN_IRIS) box[0] = 0.5, box[1] = 7.5, box[2] = -0.75, box[3] = 3.25;
    else box[0] = box[2] = -MLM_D2_BOX, box[1] = box[3] = MLM_D2_BOX;
}

/* Errors (count) of the k-NN rule on the points (qx, qy) of a set, with the training set. */
static int kn_errors(const kn_state *s, int metric, int weighted, const double (*qx)[2], const int32_t *qy, int n,
                     int k) {
    int e = 0;
    for (int i = 0; i < n; i++)
        e += kn_classify(metric, weighted, (const double(*)[2])s->x, s->y, s->N, s->K, qx[i], k) != qy[i];
    return e;
}

static void kn_build(mlm_instance *in, kn_state *s) {
    const kn_desc *d = in->desc;
    s->N = s->T = 0;
    s->K = kn_classes(d->data);
    if (d->data == KN_IRIS) {
        for (int i = 0; i < MLM_IRIS_N; i++) {
            double px = mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH), py = mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH);
            if (i % 2 == 0) s->x[s->N][0] = px, s->x[s->N][1] = py, s->y[s->N++] = mlm_iris_class[i];
            else s->xt[s->T][0] = px, s->xt[s->T][1] = py, s->yt[s->T++] = mlm_iris_class[i];
        }
    } else if (d->data != KN_MINE) {
        static const int kinds[4] = {MLM_D2_MOONS, MLM_D2_BLOBS, MLM_D2_OVERLAP, MLM_D2_CIRCLES};
        mlm_d2_spec spec = {.kind = kinds[d->data], .n = d->n, .noise = d->noise, .classes = 3};
        double x[KN_G_MAX][2];
        int y[KN_G_MAX];
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL);
        for (int i = 0; i < d->n; i++) s->x[i][0] = x[i][0], s->x[i][1] = x[i][1], s->y[i] = y[i];
        s->N = d->n;
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL); /* the test set: the same pattern, new draws */
        for (int i = 0; i < d->n; i++) s->xt[i][0] = x[i][0], s->xt[i][1] = x[i][1], s->yt[i] = y[i];
        s->T = d->n;
    }
    s->G = s->N;
    for (int j = 0; j < s->mine.n && s->N < KN_N_MAX; j++) {
        double px, py;
        mlm_points_xy(&s->mine, j, &px, &py);
        int c = s->mine.cls[j] < s->K ? s->mine.cls[j] : s->K - 1;
        s->x[s->N][0] = px, s->x[s->N][1] = py, s->y[s->N++] = c;
    }
    /* the regression scene: 40 samples of sin x + noise on [0, 2 pi], its own stream */
    mlm_rng r;
    mlm_rng_seed(&r, in->seed, 29);
    for (int i = 0; i < KN_R_N; i++) {
        s->rx[i] = mlm_rng_range(&r, 0, 2 * KN_PI);
        s->ry[i] = mlm_sin(s->rx[i]) + 0.3 * mlm_rng_normal(&r);
    }
}

static void kn_start(mlm_instance *in, kn_state *s) {
    const kn_desc *d = in->desc;
    in->rng = s->rng0;
    kn_build(in, s);
    s->k = 0, s->train_err = s->test_err = 0, s->best_k = 0, s->best_test = -1;
    s->kend = d->kmax < s->N ? d->kmax : s->N;
    s->grid_k = -1;
    mlm_series_clear(&s->h_train);
    mlm_series_clear(&s->h_test);
    in->panels[P_REGIONS].x0 = (float)s->box[0], in->panels[P_REGIONS].x1 = (float)s->box[1];
    in->panels[P_REGIONS].y0 = (float)s->box[2], in->panels[P_REGIONS].y1 = (float)s->box[3];
    in->panels[P_REG].x0 = 0, in->panels[P_REG].x1 = (float)(2 * KN_PI);
    in->panels[P_REG].y0 = -2, in->panels[P_REG].y1 = 2;
}

static void *kn_create(mlm_instance *in) {
    const kn_desc *d = in->desc;
    kn_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->h_train, 128) || mlm_series_init(in, &s->h_test, 128)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->rng0 = in->rng;
    kn_box(d->data, s->box);
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 3);
    kn_start(in, s);
    return s;
}

//> step
/* One step: the next k, with the errors it makes on the training points (each point is its own
   nearest neighbour, at distance 0) and on the test points it has never seen. */
static void kn_step(mlm_instance *in, void *self) {
    kn_state *s = self;
    const kn_desc *d = in->desc;
    if (s->N == 0) {
        mlm_finished(in, "no points yet: press the regions panel to place some (choose their class with "
                         "\"A press adds\")");
        return;
    }
    int k = ++s->k;
    s->train_err = kn_errors(s, d->metric, d->weight, (const double(*)[2])s->x, s->y, s->N, k);
    s->test_err = kn_errors(s, d->metric, d->weight, (const double(*)[2])s->xt, s->yt, s->T, k);
    mlm_series_push(&s->h_train, k, 100.0 * s->train_err / s->N);
    if (s->T > 0) {
        mlm_series_push(&s->h_test, k, 100.0 * s->test_err / s->T);
        if (s->best_test < 0 || s->test_err < s->best_test) s->best_test = s->test_err, s->best_k = k;
    }
    if (k >= s->kend) {
        if (s->T > 0)
            mlm_finished(in, "swept k = 1 to %d: the fewest test errors, %d of %d, at k = %d", s->kend,
                         s->best_test, s->T, s->best_k);
        else
            mlm_finished(in, "swept k = 1 to %d (your points only: no test set)", s->kend);
    }
}
//< step

//> regions
/* The decision regions: the class voted for at the centre of every cell of a KN_GRID x KN_GRID
   grid over the box (row 0 at the bottom). */
static void kn_regions(const kn_state *s, int metric, int weighted, int k, float *grid) {
    double hx = (s->box[1] - s->box[0]) / KN_GRID, hy = (s->box[3] - s->box[2]) / KN_GRID;
    for (int r = 0; r < KN_GRID; r++)
        for (int c = 0; c < KN_GRID; c++) {
            double q[2] = {s->box[0] + (c + 0.5) * hx, s->box[2] + (r + 0.5) * hy};
            grid[r * KN_GRID + c] =
                (float)kn_classify(metric, weighted, (const double(*)[2])s->x, s->y, s->N, s->K, q, k);
        }
}
//< regions

/* Class c as a point's colour index offset from vermilion (6): 0 vermilion, 1 blue (5), 2 purple
   (7); and as a heatmap value: two classes on the diverging scale (orange, blue), more on 0..K-1. */
static float kn_point_class(int c) { return c == 0 ? 0.0f : c == 1 ? -1.0f : 1.0f; }

static void kn_draw(mlm_instance *in, void *self) {
    kn_state *s = self;
    const kn_desc *d = in->desc;
    mlm_view_state *v = in->views;
    int k = s->k > 0 ? s->k : 1;
    if (s->grid_k != k && s->N > 0) { /* only when k changed: the data are fixed for a run */
        kn_regions(s, d->metric, d->weight, k, s->grid);
        if (s->K == 2)
            for (int i = 0; i < KN_GRID * KN_GRID; i++) s->grid[i] = s->grid[i] > 0.5f ? 1.0f : -1.0f;
        s->grid_k = k;
        uint32_t h = 2166136261u; /* the version: a hash of what is drawn, never 0 */
        const unsigned char *b = (const unsigned char *)s->grid;
        for (size_t i = 0; i < sizeof s->grid; i++) h = (h ^ b[i]) * 16777619u;
        h ^= (uint32_t)s->K * 2654435761u;
        s->grid_version = h ? h : 1;
    }
    int fv = s->K == 2 ? V_FIELD2 : V_FIELD;
    mlm_field_view(in, fv, s->grid, KN_GRID, KN_GRID, s->box[0], s->box[1], s->box[2], s->box[3], s->grid_version);
    v[fv].hidden = s->N == 0 || s->grid_k < 0;
    v[fv == V_FIELD ? V_FIELD2 : V_FIELD].hidden = 1;
    v[fv == V_FIELD ? V_FIELD2 : V_FIELD].data = s->grid, v[fv == V_FIELD ? V_FIELD2 : V_FIELD].w = 0;
    if (s->K == 2) v[fv].lo = -1.6f, v[fv].hi = 1.6f;
    else v[fv].lo = -0.5f, v[fv].hi = (float)s->K - 0.5f;
    int n = 0;
    for (int i = 0; i < s->N; i++, n++)
        s->pts[n][0] = (float)s->x[i][0], s->pts[n][1] = (float)s->x[i][1], s->pts[n][2] = kn_point_class(s->y[i]);
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = n;
    snprintf(s->note, sizeof s->note, "k = %d of %d training points", k, s->N);
    v[V_NOTE].text = s->note;
    mlm_series_view(in, V_H_TRAIN, &s->h_train);
    mlm_series_view(in, V_H_TEST, &s->h_test);
    int kr = k < KN_R_N ? k : KN_R_N;
    for (int i = 0; i < KN_R_N; i++)
        s->rpts[i][0] = (float)s->rx[i], s->rpts[i][1] = (float)s->ry[i], s->rpts[i][2] = 0;
    for (int i = 0; i < KN_R_C; i++) {
        double x = 2 * KN_PI * i / (KN_R_C - 1);
        s->rtrue[i][0] = s->rcurve[i][0] = (float)x;
        s->rtrue[i][1] = (float)mlm_sin(x);
        s->rcurve[i][1] = (float)kn_regress(s->rx, s->ry, KN_R_N, x, kr);
    }
    v[V_R_PTS].data = &s->rpts[0][0], v[V_R_PTS].count = KN_R_N;
    v[V_R_TRUE].data = &s->rtrue[0][0], v[V_R_TRUE].count = KN_R_C;
    v[V_R_FIT].data = &s->rcurve[0][0], v[V_R_FIT].count = KN_R_C;
    v[V_S_K].value = (float)s->k;
    v[V_S_TRAIN].value = s->N ? (float)(100.0 * s->train_err / s->N) : 0;
    v[V_S_TEST].value = s->T ? (float)(100.0 * s->test_err / s->T) : 0;
    v[V_S_TEST].hidden = s->T == 0;
    v[V_S_BEST].value = (float)s->best_k;
    v[V_S_BEST].hidden = s->T == 0;
    v[V_S_BEST_ERR].value = s->T && s->best_test >= 0 ? (float)(100.0 * s->best_test / s->T) : 0;
    v[V_S_BEST_ERR].hidden = s->T == 0;
}

static int kn_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    kn_state *s = self;
    const kn_desc *d = in->desc;
    if (panel != P_REGIONS || kind != MLM_POINTER_DOWN) return 0;
    int cls = d->place < kn_classes(d->data) ? d->place : kn_classes(d->data) - 1;
    return mlm_points_click(&s->mine, x, y, cls, 0.03 * (s->box[1] - s->box[0]));
}

static int kn_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    return mlm_points_get(&((const kn_state *)self)->mine, buf, n);
}

static int kn_input_set(mlm_instance *in, void *self, const char *text) {
    kn_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    kn_start(in, s);
    return 0;
}

const mlm_module mlm_module_knn = {
    .name = "knn",
    .title = "k-nearest neighbours",
    .params = kn_params,
    .n_params = MLM_COUNT(kn_params),
    .desc_size = sizeof(kn_desc),
    .panels = kn_panels,
    .n_panels = KN_N_PANELS,
    .views = kn_views,
    .n_views = KN_N_VIEWS,
    .state_bytes = KN_STATE_BYTES,
    .const_bytes = 0,
    .speed = 3,
    .random = 1,
    .create = kn_create,
    .step = kn_step,
    .draw = kn_draw,
    .pointer = kn_pointer,
    .when = kn_when,
    .n_when = MLM_COUNT(kn_when),
    .input_get = kn_input_get,
    .input_set = kn_input_set,
};
