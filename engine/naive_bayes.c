/* naive_bayes.c: the engine of chapter 10, "Naive Bayes and maximum likelihood". A Gaussian
 * classifier in the plane: each class k gets a prior pi_k and a Gaussian for its points, whose
 * parameters are the maximum-likelihood estimates from the points seen so far (the class's share
 * of the points, its sample mean, its biased sample variances), and Bayes' rule turns them into
 * the posterior P(k | x) at every point of the plane.
 *
 * Two models: naive Bayes, which assumes the two coordinates independent within a class (a
 * diagonal covariance: its ellipses are axis-aligned), and the full-covariance Gaussian
 * classifier, which estimates the correlation too (tilted ellipses). With `shared` on, every class
 * uses one pooled (co)variance, and the borders become straight lines.
 *
 * A step shows the model one more point: the estimates grow from the reader's own points (always
 * seen first) through the generated ones, so the ellipses can be watched settling as the data
 * arrive. The reader's points (mlm_points in datasets2d.h: a press adds one of the chosen class,
 * a press on a point removes it) live in the instance block and travel in the link.
 *
 * Iris: in the plane, petal length and width; the accuracy readout `iris4` is the leave-one-out
 * accuracy of naive Bayes on all four measurements (each flower classified by a model fitted to
 * the other 149).
 *
 * Shapes (doubles unless said):
 *   N  generated points (at most NB_N_MAX), R the reader's (at most MLM_POINTS_MAX), S seen
 *   K  classes (2..NB_K_MAX), D = 2 coordinates in the plane (4 for the iris readout)
 *   G  side of the posterior grid (NB_GRID); E segments per ellipse (NB_ELL)
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
#include "softmax.h"

#define NB_N_MAX 400
#define NB_K_MAX 5
#define NB_GRID 80
#define NB_ELL 48        /* segments of one ellipse */
#define NB_EPS MLM_GAUSS_EPS /* added to every variance (engine/core/classify.h) */
#define NB_PTS_MAX (NB_N_MAX + MLM_POINTS_MAX)

enum { NB_BLOBS, NB_CROSS, NB_OVERLAP, NB_IRIS, NB_NONE };
enum { NB_NAIVE, NB_FULL };

typedef struct {
    int data;     /* NB_BLOBS (default), NB_CROSS, NB_OVERLAP, NB_IRIS, NB_NONE (only the reader's) */
    int n;        /* generated points; default 150 */
    double noise; /* spread of the generated points; default 0.2 */
    int model;    /* NB_NAIVE (default) or NB_FULL */
    int shared;   /* 1: one (co)variance pooled over the classes; default 0 */
    int add;      /* the class a press adds (0..4); default 0 */
} nb_desc;

/* The maximum-likelihood Gaussian of one class (engine/core/classify.h): count, mean, biased
   variances and covariance. */
typedef mlm_gauss_class nb_class;
_Static_assert(NB_K_MAX <= MLM_GAUSS_K_MAX, "the core's posterior holds every class");

typedef struct {
    double *x;   /* (N, 2) generated points */
    int *y;      /* (N,) */
    float *field;/* (G, G) posterior class field, row 0 at the bottom */
    uint32_t field_hash;
    int64_t field_step;
    uint32_t field_input; /* hash of the reader's points the field was drawn with */
    double iris4;         /* leave-one-out accuracy on the four iris features, % */
    /* drawing buffers, rewritten by every draw from the state */
    float pts[NB_PTS_MAX * 3];      /* (S, 3) the points seen, the reader's first */
    float unseen[NB_N_MAX * 3];     /* (N - seen, 3) */
    float ell[NB_K_MAX][NB_ELL * 2 * 4]; /* per class: the 1 and 2 sigma ellipses as segments */
    float means[NB_K_MAX * 2];
} nb_data;

typedef struct {
    nb_data *c;
    int N, K, model, shared;
    double box[4];
    mlm_points mine;          /* the reader's points */
    int seen;                 /* generated points seen so far */
    nb_class cls[NB_K_MAX];   /* the estimates from the points seen */
} nb_state;

static const mlm_param nb_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(nb_desc, data), 0, 4, 1, NB_BLOBS, 0,
     "blobs:Three blobs|cross:Crossed clouds|overlap:Two overlapping clouds|iris:Iris petals (cm)|none:Only your points",
     "the points the model learns from, besides yours"},
    {"n", "Points", MLM_INT, offsetof(nb_desc, n), 10, NB_N_MAX, 10, 150, 0, NULL,
     "generated points, shown to the model one a step"},
    {"noise", "Spread", MLM_FLOAT, offsetof(nb_desc, noise), 0, 1, 0.05, 0.2, 0, NULL,
     "how widely the generated points scatter"},
    {"model", "Model", MLM_CHOICE, offsetof(nb_desc, model), 0, 1, 1, NB_NAIVE, 0,
     "naive:Naive Bayes (independent coordinates)|full:Full covariance",
     "whether each class's Gaussian may be tilted (full) or only axis-aligned (naive)"},
    {"shared", "Shared variance", MLM_BOOL, offsetof(nb_desc, shared), 0, 1, 1, 0, 0, NULL,
     "every class uses one (co)variance, pooled over the classes: the borders become straight"},
    {"add", "A press adds", MLM_CHOICE, offsetof(nb_desc, add), 0, 4, 1, 0, 0,
     "c1:Class 1 (orange)|c2:Class 2 (sky blue)|c3:Class 3 (green)|c4:Class 4 (yellow)|c5:Class 5 (blue)",
     "the class of the point a press in the plot adds (a press on a point removes it)"},
};

static const mlm_when nb_when[] = {
    {"n", "data=blobs|cross|overlap"},
    {"noise", "data=blobs|cross|overlap"},
};

enum { P_DATA, NB_N_PANELS };

static const mlm_panel nb_panels[] = {
    [P_DATA] = {"data", "Posterior and each class's Gaussian (press to add or remove a point)", "x₁",
                "x₂", MLM_PANEL_EQUAL | MLM_PANEL_WIDE | MLM_PANEL_POINTER, NULL},
};

enum {
    V_POST, V_UNSEEN, V_SEEN, V_MINE, V_ELL0, V_ELL1, V_ELL2, V_ELL3, V_ELL4, V_MEANS,
    V_ACC, V_SEEN_N, V_IRIS4, NB_N_VIEWS
};

static const mlm_view nb_views[] = {
    [V_POST] = {"posterior", "data", MLM_VIEW_FIELD, "most probable class", MLM_ORANGE,
                MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_COLOR_CLASSES},
    [V_UNSEEN] = {"unseen", "data", MLM_VIEW_POINTS, "points not yet seen", MLM_ORANGE, MLM_VIEW_FAINT},
    [V_SEEN] = {"seen", "data", MLM_VIEW_POINTS, "points seen", MLM_ORANGE, 0},
    [V_MINE] = {"mine", "data", MLM_VIEW_POINTS, "your points", MLM_ORANGE, 0},
    [V_ELL0] = {"ellipse1", "data", MLM_VIEW_SEGMENTS, "class 1", MLM_ORANGE, 0},
    [V_ELL1] = {"ellipse2", "data", MLM_VIEW_SEGMENTS, "class 2", MLM_SKY_BLUE, 0},
    [V_ELL2] = {"ellipse3", "data", MLM_VIEW_SEGMENTS, "class 3", MLM_GREEN, 0},
    [V_ELL3] = {"ellipse4", "data", MLM_VIEW_SEGMENTS, "class 4", MLM_YELLOW, 0},
    [V_ELL4] = {"ellipse5", "data", MLM_VIEW_SEGMENTS, "class 5", MLM_BLUE, 0},
    [V_MEANS] = {"means", "data", MLM_VIEW_MARKERS, "class means", MLM_INK, 0},
    [V_ACC] = {"acc", NULL, MLM_VIEW_SCALAR, "accuracy on the points seen", 0, MLM_SCALAR_PERCENT},
    [V_SEEN_N] = {"seen_n", NULL, MLM_VIEW_SCALAR, "points seen", 0, MLM_SCALAR_INT},
    [V_IRIS4] = {"iris4", NULL, MLM_VIEW_SCALAR, "iris, 4 features, leave-one-out", 0, MLM_SCALAR_PERCENT},
};

_Static_assert(MLM_COUNT(nb_views) == NB_N_VIEWS, "one declaration per view");

#define NB_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define NB_CONST_BYTES                                                                     \
    (NB_A16(sizeof(nb_data)) + NB_A16(sizeof(double) * 2 * NB_N_MAX) +                      \
     NB_A16(sizeof(int) * NB_N_MAX) + NB_A16(sizeof(float) * NB_GRID * NB_GRID))
#define NB_STATE_BYTES NB_A16(sizeof(nb_state))

/* ---- the estimates ---- */

/* Fitting and Bayes' rule live in the shared core (engine/core/classify.c: mlm_gauss_fit,
   mlm_gauss_pool, mlm_gauss_posterior), where chapter 32 trains naive Bayes beside the book's
   other classifiers. */
static void nb_fit(nb_class *out, const double *x, const int *y, int S, int K) { mlm_gauss_fit(out, x, y, S, K); }

static void nb_pool(nb_class *cls, int K) { mlm_gauss_pool(cls, K); }

static int nb_posterior(const nb_class *cls, int K, int full, const double *x, double *post) {
    return mlm_gauss_posterior(cls, K, full, x, post);
}

/* ---- iris, all four measurements: leave-one-out accuracy of naive Bayes ---- */

static double nb_iris4_loo(void) {
    const int N = MLM_IRIS_N, D = MLM_IRIS_FEATURES, K = MLM_IRIS_CLASSES;
    double s1[3][4] = {{0}}, s2[3][4] = {{0}};
    int cnt[3] = {0};
    for (int i = 0; i < N; i++) {
        int k = mlm_iris_class[i];
        cnt[k]++;
        for (int f = 0; f < D; f++) {
            double v = mlm_iris_value(i, f);
            s1[k][f] += v, s2[k][f] += v * v;
        }
    }
    int right = 0;
    for (int i = 0; i < N; i++) {
        int y = mlm_iris_class[i];
        double logj[3];
        for (int k = 0; k < K; k++) {
            /* the class's sums without flower i: its estimates from the other 149 */
            int n = cnt[k] - (k == y);
            double lj = mlm_log((double)n / (N - 1));
            for (int f = 0; f < D; f++) {
                double v = mlm_iris_value(i, f);
                double a = s1[k][f] - (k == y ? v : 0), b = s2[k][f] - (k == y ? v * v : 0);
                double mean = a / n, var = fmax(b / n - mean * mean, 0) + NB_EPS;
                lj += -0.5 * (1.8378770664093453 + mlm_log(var) + (v - mean) * (v - mean) / var);
            }
            logj[k] = lj;
        }
        int best = 0;
        for (int k = 1; k < K; k++) best = logj[k] > logj[best] ? k : best;
        right += best == y;
    }
    return 100.0 * right / N;
}

/* ---- create, step ---- */

/* The points seen after `seen` generated ones: the reader's first, then the generated in order.
   x (S, 2), y (S,). Returns S. */
static int nb_gather(const nb_state *s, double *x, int *y) {
    int S = 0;
    for (int i = 0; i < s->mine.n; i++, S++) {
        mlm_points_xy(&s->mine, i, &x[2 * S], &x[2 * S + 1]);
        y[S] = s->mine.cls[i];
    }
    for (int i = 0; i < s->seen; i++, S++) {
        x[2 * S] = s->c->x[2 * i], x[2 * S + 1] = s->c->x[2 * i + 1];
        y[S] = s->c->y[i];
    }
    return S;
}

static void nb_refit(nb_state *s) {
    double x[2 * NB_PTS_MAX];
    int y[NB_PTS_MAX];
    int S = nb_gather(s, x, y);
    nb_fit(s->cls, x, y, S, s->K);
    if (s->shared) nb_pool(s->cls, s->K);
}

static void *nb_create(mlm_instance *in) {
    const nb_desc *d = in->desc;
    nb_state *s = mlm_alloc(in, sizeof(nb_state));
    nb_data *c = mlm_alloc_const(in, sizeof(nb_data));
    if (!s || !c) return NULL;
    s->c = c;
    s->model = d->model, s->shared = d->shared;
    if (d->data == NB_IRIS) {
        s->N = MLM_IRIS_N, s->K = MLM_IRIS_CLASSES;
        double box[4] = {0, 7.5, -0.5, 3.5};
        memcpy(s->box, box, sizeof box);
    } else {
        s->N = d->data == NB_NONE ? 0 : d->n;
        s->K = d->data == NB_BLOBS ? 3 : d->data == NB_NONE ? NB_K_MAX : 2;
        double box[4] = {-MLM_D2_BOX, MLM_D2_BOX, -MLM_D2_BOX, MLM_D2_BOX};
        memcpy(s->box, box, sizeof box);
    }
    c->x = mlm_alloc_const(in, sizeof(double) * 2 * (size_t)(s->N ? s->N : 1));
    c->y = mlm_alloc_const(in, sizeof(int) * (size_t)(s->N ? s->N : 1));
    c->field = mlm_alloc_const(in, sizeof(float) * NB_GRID * NB_GRID);
    if (!c->x || !c->y || !c->field) return NULL;
    if (d->data == NB_IRIS) {
        for (int i = 0; i < s->N; i++) {
            c->x[2 * i] = mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH);
            c->x[2 * i + 1] = mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH);
            c->y[i] = mlm_iris_class[i];
        }
        /* shown in a shuffled order, so that every species arrives from the start */
        int32_t order[MLM_IRIS_N];
        for (int i = 0; i < s->N; i++) order[i] = i;
        mlm_rng_shuffle(&in->rng, order, s->N);
        double tx[2 * MLM_IRIS_N];
        int ty[MLM_IRIS_N];
        for (int i = 0; i < s->N; i++)
            tx[2 * i] = c->x[2 * order[i]], tx[2 * i + 1] = c->x[2 * order[i] + 1], ty[i] = c->y[order[i]];
        memcpy(c->x, tx, sizeof(double) * 2 * (size_t)s->N), memcpy(c->y, ty, sizeof(int) * (size_t)s->N);
    } else if (s->N) {
        int kind = d->data == NB_BLOBS ? MLM_D2_BLOBS : d->data == NB_CROSS ? MLM_D2_CROSS : MLM_D2_OVERLAP;
        mlm_d2_spec spec = {.kind = kind, .n = s->N, .noise = d->noise, .classes = 3};
        mlm_d2_generate(&spec, &in->rng, c->x, c->y, NULL);
    }
    c->iris4 = d->data == NB_IRIS ? nb_iris4_loo() : 0;
    c->field_step = -1;
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], s->K);
    s->seen = 0;
    nb_refit(s);
    mlm_panel_state *pd = &in->panels[P_DATA];
    pd->x0 = (float)s->box[0], pd->x1 = (float)s->box[1], pd->y0 = (float)s->box[2], pd->y1 = (float)s->box[3];
    return s;
}

//> step
/* One step: one more generated point joins the data, and every estimate is recomputed from all
   the points seen (the reader's and the generated ones so far). */
static void nb_step(mlm_instance *in, void *self) {
    nb_state *s = self;
    if (s->seen < s->N) s->seen++;
    nb_refit(s);
    if (s->seen >= s->N)
        mlm_finished(in, "every point seen (%d generated, %d yours): the estimates are the "
                         "maximum-likelihood ones for all of them",
                     s->N, s->mine.n);
}
//< step

/* ---- drawing ---- */

static uint32_t nb_hash(const void *p, size_t n, uint32_t h) {
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) h = (h ^ b[k]) * 16777619u;
    return h;
}

/* The ellipse of points at Mahalanobis distance r from the mean of class c, as NB_ELL segments:
   mean + r L (cos t, sin t), L the Cholesky factor of the (naive: diagonal) covariance. */
static void nb_ellipse(const nb_class *c, int full, double r, float *seg) {
    double v0 = c->var[0] + NB_EPS, v1 = c->var[1] + NB_EPS, cv = full ? c->cov : 0;
    double l00 = sqrt(v0), l10 = cv / l00, l11 = sqrt(fmax(v1 - l10 * l10, 0));
    double px = 0, py = 0;
    for (int e = 0; e <= NB_ELL; e++) {
        double t = 6.283185307179586 * e / NB_ELL, u = mlm_cos(t), v = mlm_sin(t);
        double x = c->mean[0] + r * l00 * u, y = c->mean[1] + r * (l10 * u + l11 * v);
        if (e) {
            float *q = seg + 4 * (e - 1);
            q[0] = (float)px, q[1] = (float)py, q[2] = (float)x, q[3] = (float)y;
        }
        px = x, py = y;
    }
}

static void nb_draw(mlm_instance *in, void *self) {
    nb_state *s = self;
    nb_data *c = s->c;
    int full = s->model == NB_FULL;
    uint32_t ih = nb_hash(&s->mine, sizeof s->mine, 2166136261u);
    if (c->field_step != in->steps || c->field_input != ih) {
        double x[2], post[NB_K_MAX];
        for (int r = 0; r < NB_GRID; r++) {
            x[1] = s->box[2] + r * (s->box[3] - s->box[2]) / (NB_GRID - 1);
            for (int q = 0; q < NB_GRID; q++) {
                x[0] = s->box[0] + q * (s->box[1] - s->box[0]) / (NB_GRID - 1);
                int best = nb_posterior(s->cls, s->K, full, x, post);
                int P = 0;
                for (int k = 0; k < s->K; k++) P += s->cls[k].n > 0;
                double sure = P > 1 ? (post[best] - 1.0 / P) / (1.0 - 1.0 / P) : 0;
                float v = (float)(best + mlm_clamp(sure, 0, 0.999));
                c->field[r * NB_GRID + q] = v;
            }
        }
        /* no class yet: nothing to colour, and the field is hidden */
        int any = 0;
        for (int k = 0; k < s->K; k++) any |= s->cls[k].n > 0;
        if (!any) memset(c->field, 0, sizeof(float) * NB_GRID * NB_GRID);
        c->field_step = in->steps, c->field_input = ih;
        c->field_hash = nb_hash(c->field, sizeof(float) * NB_GRID * NB_GRID, 2166136261u);
    }
    int any = 0;
    for (int k = 0; k < s->K; k++) any |= s->cls[k].n > 0;
    mlm_field_view(in, V_POST, c->field, NB_GRID, NB_GRID, s->box[0], s->box[1], s->box[2], s->box[3],
                   c->field_hash);
    in->views[V_POST].hidden = !any;
    in->views[V_POST].lo = 0, in->views[V_POST].hi = (float)s->K;

    /* the points: the reader's, the generated ones seen, and the rest faint */
    int S = 0, U = 0;
    float mine[MLM_POINTS_MAX * 3];
    for (int i = 0; i < s->mine.n; i++) {
        double px, py;
        mlm_points_xy(&s->mine, i, &px, &py);
        mine[3 * i] = (float)px, mine[3 * i + 1] = (float)py, mine[3 * i + 2] = s->mine.cls[i];
    }
    memcpy(c->pts, mine, sizeof(float) * 3 * (size_t)s->mine.n);
    for (int i = 0; i < s->N; i++) {
        float *p = i < s->seen ? c->pts + 3 * (s->mine.n + S++) : c->unseen + 3 * U++;
        p[0] = (float)c->x[2 * i], p[1] = (float)c->x[2 * i + 1], p[2] = (float)c->y[i];
    }
    in->views[V_MINE].data = c->pts, in->views[V_MINE].count = s->mine.n;
    in->views[V_SEEN].data = c->pts + 3 * s->mine.n, in->views[V_SEEN].count = S;
    in->views[V_UNSEEN].data = c->unseen, in->views[V_UNSEEN].count = U;

    int M = 0;
    for (int k = 0; k < NB_K_MAX; k++) {
        mlm_view_state *v = &in->views[V_ELL0 + k];
        if (k >= s->K || !s->cls[k].n) {
            v->hidden = 1, v->count = 0, v->data = c->ell[k];
            continue;
        }
        nb_ellipse(&s->cls[k], full, 1, c->ell[k]);
        nb_ellipse(&s->cls[k], full, 2, c->ell[k] + 4 * NB_ELL);
        v->hidden = 0, v->data = c->ell[k], v->count = 2 * NB_ELL;
        c->means[2 * M] = (float)s->cls[k].mean[0], c->means[2 * M + 1] = (float)s->cls[k].mean[1];
        M++;
    }
    in->views[V_MEANS].data = c->means, in->views[V_MEANS].count = M;

    /* accuracy of the current model on the points it has seen */
    double x[2 * NB_PTS_MAX], post[NB_K_MAX];
    int y[NB_PTS_MAX], n = nb_gather(s, x, y), right = 0;
    for (int i = 0; i < n; i++) right += nb_posterior(s->cls, s->K, full, x + 2 * i, post) == y[i];
    in->views[V_ACC].value = n ? (float)(100.0 * right / n) : 0;
    in->views[V_ACC].hidden = !n;
    in->views[V_SEEN_N].value = (float)n;
    in->views[V_IRIS4].value = (float)c->iris4;
    in->views[V_IRIS4].hidden = c->iris4 == 0;
}

/* ---- the reader's points ---- */

static int nb_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    const nb_desc *d = in->desc;
    nb_state *s = self;
    if (panel != P_DATA || kind != MLM_POINTER_DOWN) return 0;
    int cls = d->add < s->K ? d->add : s->K - 1;
    double radius = 0.02 * (s->box[1] - s->box[0]);
    return mlm_points_click(&s->mine, x, y, cls, radius);
}

static int nb_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const nb_state *s = self;
    return mlm_points_get(&s->mine, buf, n);
}

static int nb_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    nb_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    nb_refit(s);
    return 0;
}

static int nb_action(mlm_instance *in, void *self, int k) {
    (void)in, (void)k;
    nb_state *s = self;
    if (!s->mine.n) return 0;
    s->mine.n = 0;
    return 1;
}

const mlm_module mlm_module_naive_bayes = {
    .name = "naive_bayes",
    .title = "Naive Bayes and maximum likelihood",
    .params = nb_params,
    .n_params = MLM_COUNT(nb_params),
    .desc_size = sizeof(nb_desc),
    .panels = nb_panels,
    .n_panels = NB_N_PANELS,
    .views = nb_views,
    .n_views = NB_N_VIEWS,
    .state_bytes = NB_STATE_BYTES,
    .const_bytes = NB_CONST_BYTES,
    .speed = 30,
    .random = 1,
    .create = nb_create,
    .step = nb_step,
    .draw = nb_draw,
    .pointer = nb_pointer,
    .when = nb_when,
    .n_when = MLM_COUNT(nb_when),
    .input_get = nb_input_get,
    .input_set = nb_input_set,
    .actions = "clear:Clear your points",
    .action = nb_action,
};
