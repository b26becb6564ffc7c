/* k_means.c: the engine of chapter 11, "K-means clustering". Lloyd's algorithm puts k centres
 * among N points so that the inertia, the sum of squared distances from each point to its centre,
 *
 *   J(labels, centres) = sum_i |x_i - c_{label_i}|^2,
 *
 * is small, by alternating two half-steps, each of which minimises J over one half of the
 * unknowns with the other half held fixed:
 *
 *   assignment  each point takes the label of its nearest centre (a point changes label only when
 *               another centre is strictly nearer, so ties never make the labels flip back);
 *   update      each centre moves to the mean of its points (a centre with no points stays put).
 *
 * One widget step is one half-step, so the reader sees the labels change with the centres still,
 * then the centres move with the labels still. Neither half-step can raise J, and since there are
 * finitely many labellings and J strictly falls whenever a label changes, the run reaches a fixed
 * point: an assignment step that changes no label. Where it stops depends on the start: k random
 * data points (Forgy), or k-means++ (Arthur and Vassilvitskii, 2007), which draws each next centre
 * with probability proportional to D(x)^2, the squared distance to the nearest centre so far.
 *
 * Beside the run, computed live in create from the same points: the final inertia of 40 restarts
 * of each initialisation, sorted (their spread), and the elbow chart, the best final inertia of
 * three k-means++ runs for every k from 1 to 10.
 *
 * Shapes: N points (generated G plus the reader's P <= MLM_POINTS_MAX); x (N, 2); label (N,) in
 * 0..k-1 (-1 before the first assignment); c (k, 2) centres, k <= KM_K_MAX.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets2d.h"
#include "iris.h"
#include "mlm.h"

#define KM_G_MAX 300                         /* generated points */
#define KM_N_MAX (KM_G_MAX + MLM_POINTS_MAX) /* with the reader's */
#define KM_K_MAX 10                          /* centres */
#define KM_HALF_MAX 2000                     /* a run stops after this many half-steps */
#define KM_HIST 512                          /* points of the inertia history */
#define KM_RESTARTS 40                       /* restarts of each initialisation in the spread panel */
#define KM_ELBOW_TRIES 3                     /* k-means++ runs per k in the elbow chart (best kept) */
#define KM_GRID 36                           /* region dots per side in the data panel */
#define KM_SEG_MAX (KM_K_MAX * (KM_K_MAX + 4)) /* Voronoi cell edges: k cells of at most k + 4 sides */

enum { KM_BLOBS, KM_IRIS, KM_MINE };
enum { KM_INIT_RANDOM, KM_INIT_PLUSPLUS };

typedef struct {
    int data;     /* KM_*; default blobs */
    int n;        /* generated points; default 150 */
    int blobs;    /* blobs generated, 3..5; default 5 */
    double noise; /* how far the blobs spread; default 0 */
    int k;        /* centres; default 5 */
    int init;     /* KM_INIT_*; default random */
} km_desc;

typedef struct {
    int32_t N, G;               /* points, generated points */
    double x[KM_N_MAX][2];      /* (N, 2) */
    int32_t label[KM_N_MAX];    /* (N,) 0..k-1, or -1 before the first assignment */
    int32_t k;                  /* centres in this run (the description's k) */
    double c[KM_K_MAX][2];      /* (k, 2) centres */
    double c_prev[KM_K_MAX][2]; /* (k, 2) before the last update */
    double J;                   /* inertia after the last half-step (-1: nothing assigned yet) */
    int32_t half;               /* half-steps taken */
    int32_t assigned;           /* assignment steps taken */
    int32_t last;               /* the last half-step: 0 none, 1 assignment, 2 update */
    int32_t changed;            /* labels the last assignment changed */
    double moved;               /* how far the centres moved in the last update (largest) */
    double box[4];              /* the data panel: x0, x1, y0, y1 */
    mlm_rng rng0;               /* the generator as create found it: the data are drawn from it */
    mlm_points mine;            /* the reader's points: the reader's input */
    mlm_series hist;            /* (half-step, inertia) */
    float spread[2][KM_RESTARTS][2]; /* (2, R, 2) (rank, final inertia), sorted: random, k-means++ */
    int32_t spread_n;           /* restarts drawn (0 when there are fewer than k points) */
    int32_t good[2];            /* restarts of each start within 1 % of the least final inertia */
    float elbow[KM_K_MAX][2];   /* (10, 2) (k, best final inertia) */
    int32_t elbow_n;
    float elbow_mark[2];        /* this run's k on the elbow */
    /* drawing buffers, rewritten by draw from the state above */
    float pts[KM_N_MAX][3];
    float grid[KM_GRID * KM_GRID][3];
    float seg[KM_SEG_MAX][4];
    float centres[KM_K_MAX][2];
    float arrows[KM_K_MAX][4];
    char note[160];
} km_state;

#define KM_STATE_BYTES (sizeof(km_state) + 16 + (KM_HIST * 2 * sizeof(float) + 16))

static const mlm_param km_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(km_desc, data), 0, 2, 1, KM_BLOBS, 0,
     "blobs:Blobs|iris:Iris petals (150 flowers)|mine:Only my points",
     "the points to cluster (a press on the data panel adds or removes one of yours)"},
    {"n", "Points", MLM_INT, offsetof(km_desc, n), 20, KM_G_MAX, 10, 150, 0, NULL,
     "points generated"},
    {"blobs", "Blobs", MLM_INT, offsetof(km_desc, blobs), 3, 5, 1, 5, 0, NULL,
     "round blobs the points are drawn from, on a circle of radius 3.5"},
    {"noise", "Spread", MLM_FLOAT, offsetof(km_desc, noise), 0, 1, 0.05, 0, 0, NULL,
     "how wide each blob is: standard deviation 0.7 + 2.5 × spread"},
    {"k", "Centres k", MLM_INT, offsetof(km_desc, k), 1, KM_K_MAX, 1, 5, 0, NULL,
     "how many clusters to look for"},
    {"init", "Start", MLM_CHOICE, offsetof(km_desc, init), 0, 1, 1, KM_INIT_RANDOM, 0,
     "random:k random points|plusplus:k-means++",
     "how the first centres are chosen"},
};

static const mlm_when km_when[] = {
    {"n", "data=blobs"},
    {"blobs", "data=blobs"},
    {"noise", "data=blobs"},
};

enum { P_DATA, P_INERTIA, P_SPREAD, P_ELBOW, KM_N_PANELS };
static const mlm_panel km_panels[] = {
    [P_DATA] = {"data", "Points, centres, regions (press: add or remove a point)", "x₁", "x₂",
                MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_INERTIA] = {"inertia", "Inertia after each half-step", "half-step", "J",
                   MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_SPREAD] = {"spread", "Final inertia of 40 restarts, sorted", "restart (sorted)", "J",
                  MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_ELBOW] = {"elbow", "Elbow: best final inertia for each k", "k", "J",
                 MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    V_REGIONS, V_EDGES, V_PTS, V_CENTRES, V_MOVES, V_NOTE,
    V_HIST,
    V_SPREAD_RANDOM, V_SPREAD_PP,
    V_ELBOW, V_ELBOW_MARK,
    V_S_INERTIA, V_S_CHANGED, V_S_HALF, V_S_GOOD_RANDOM, V_S_GOOD_PP,
    KM_N_VIEWS
};
static const mlm_view km_views[] = {
    /* points coloured orange + label (ink before the first assignment: label -1) */
    [V_REGIONS] = {"regions", "data", MLM_VIEW_POINTS, "regions", MLM_ORANGE, MLM_VIEW_FAINT},
    [V_EDGES] = {"edges", "data", MLM_VIEW_SEGMENTS, "region borders", MLM_INK, MLM_VIEW_FAINT},
    [V_PTS] = {"points", "data", MLM_VIEW_POINTS, "points", MLM_ORANGE, 0},
    [V_CENTRES] = {"centres", "data", MLM_VIEW_MARKERS, "centres", MLM_INK, MLM_VIEW_LEGEND},
    [V_MOVES] = {"moves", "data", MLM_VIEW_ARROWS, "last update", MLM_INK, MLM_VIEW_LEGEND},
    [V_NOTE] = {"note", "data", MLM_VIEW_TEXT, "", 0, 0},
    [V_HIST] = {"hist", "inertia", MLM_VIEW_TRAIL, "inertia J", MLM_BLUE, 0},
    [V_SPREAD_RANDOM] = {"spread_random", "spread", MLM_VIEW_CURVE, "k random points", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_SPREAD_PP] = {"spread_pp", "spread", MLM_VIEW_CURVE, "k-means++", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_ELBOW] = {"elbow_curve", "elbow", MLM_VIEW_CURVE, "best of 3 k-means++ runs", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_ELBOW_MARK] = {"elbow_k", "elbow", MLM_VIEW_MARKERS, "this run's k", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_S_INERTIA] = {"inertia", NULL, MLM_VIEW_SCALAR, "inertia", 0, 0},
    [V_S_CHANGED] = {"changed", NULL, MLM_VIEW_SCALAR, "labels changed", 0, MLM_SCALAR_INT},
    [V_S_HALF] = {"half_steps", NULL, MLM_VIEW_SCALAR, "half-steps", 0, MLM_SCALAR_INT},
    /* the share of the 40 restarts of each start that end within 1 % of the least final inertia
       any of the 80 found */
    [V_S_GOOD_RANDOM] = {"good_random", "spread", MLM_VIEW_SCALAR, "random near best", 0, MLM_SCALAR_PERCENT},
    [V_S_GOOD_PP] = {"good_pp", "spread", MLM_VIEW_SCALAR, "k-means++ near best", 0, MLM_SCALAR_PERCENT},
};

static double km_d2(const double *a, const double *b) {
    double dx = a[0] - b[0], dy = a[1] - b[1];
    return dx * dx + dy * dy;
}

//> inertia
/* J = sum over points of the squared distance to the centre it is labelled with. */
static double km_inertia(const double (*x)[2], const int32_t *label, int N, const double (*c)[2]) {
    double J = 0;
    for (int i = 0; i < N; i++) J += km_d2(x[i], c[label[i]]);
    return J;
}
//< inertia

//> assign
/* The assignment half-step: every point takes its nearest centre. A point keeps its label unless
   another centre is strictly nearer, so each change lowers that point's term of J: J can only
   fall, and it falls strictly whenever a label changes. Returns the number of labels changed. */
static int km_assign(const double (*x)[2], int32_t *label, int N, const double (*c)[2], int k) {
    int changed = 0;
    for (int i = 0; i < N; i++) {
        int best = label[i] >= 0 ? label[i] : 0;
        double bd = km_d2(x[i], c[best]);
        for (int j = 0; j < k; j++) {
            double d = km_d2(x[i], c[j]);
            if (d < bd) bd = d, best = j;
        }
        if (best != label[i]) label[i] = best, changed++;
    }
    return changed;
}
//< assign

//> update
/* The update half-step: each centre moves to the mean of its points. For a fixed set of points
   the sum of |x_i - c|^2 is least at their mean (its gradient 2 sum (c - x_i) vanishes there),
   so J can only fall. A centre with no points keeps its place. Returns the largest move. */
static double km_update(const double (*x)[2], const int32_t *label, int N, double (*c)[2], int k) {
    double sum[KM_K_MAX][2] = {{0}}, moved = 0;
    int count[KM_K_MAX] = {0};
    for (int i = 0; i < N; i++) {
        sum[label[i]][0] += x[i][0], sum[label[i]][1] += x[i][1];
        count[label[i]]++;
    }
    for (int j = 0; j < k; j++) {
        if (count[j] == 0) continue;
        double m[2] = {sum[j][0] / count[j], sum[j][1] / count[j]};
        moved = fmax(moved, sqrt(km_d2(m, c[j])));
        c[j][0] = m[0], c[j][1] = m[1];
    }
    return moved;
}
//< update

//> init
/* k random points (Forgy): k distinct indices, each k-subset equally likely. */
static void km_init_random(const double (*x)[2], int N, double (*c)[2], int k, mlm_rng *rng) {
    int32_t idx[KM_N_MAX];
    for (int i = 0; i < N; i++) idx[i] = i;
    for (int j = 0; j < k; j++) { /* the first k places of a Fisher-Yates shuffle */
        int r = j + (int)mlm_rng_below(rng, (uint32_t)(N - j));
        int32_t t = idx[j];
        idx[j] = idx[r], idx[r] = t;
        c[j][0] = x[idx[j]][0], c[j][1] = x[idx[j]][1];
    }
}

/* k-means++'s next centre given the first m: point i with probability D(x_i)^2 / sum D^2, where
   D is the distance to the nearest centre so far (uniform if every point sits on a centre). */
static int km_pp_next(const double (*x)[2], int N, const double (*c)[2], int m, mlm_rng *rng) {
    double D2[KM_N_MAX], total = 0;
    for (int i = 0; i < N; i++) {
        double d = INFINITY;
        for (int j = 0; j < m; j++) d = fmin(d, km_d2(x[i], c[j]));
        D2[i] = d, total += d;
    }
    if (!(total > 0)) return (int)mlm_rng_below(rng, (uint32_t)N);
    double u = mlm_rng_uniform(rng) * total, acc = 0;
    for (int i = 0; i < N; i++) {
        acc += D2[i];
        if (u < acc && D2[i] > 0) return i;
    }
    for (int i = N - 1; i >= 0; i--) /* u landed past the last sum by rounding: the last with D > 0 */
        if (D2[i] > 0) return i;
    return N - 1;
}

static void km_init_pp(const double (*x)[2], int N, double (*c)[2], int k, mlm_rng *rng) {
    int first = (int)mlm_rng_below(rng, (uint32_t)N);
    c[0][0] = x[first][0], c[0][1] = x[first][1];
    for (int m = 1; m < k; m++) {
        int i = km_pp_next(x, N, c, m, rng);
        c[m][0] = x[i][0], c[m][1] = x[i][1];
    }
}
//< init

/* A whole run to its fixed point (for the spread and the elbow): its final inertia. */
static double km_run(const double (*x)[2], int N, int k, int init, mlm_rng *rng) {
    double c[KM_K_MAX][2];
    int32_t label[KM_N_MAX];
    for (int i = 0; i < N; i++) label[i] = -1;
    if (init == KM_INIT_PLUSPLUS) km_init_pp(x, N, c, k, rng);
    else km_init_random(x, N, c, k, rng);
    for (int it = 0; it < KM_HALF_MAX / 2; it++) {
        int changed = km_assign(x, label, N, c, k);
        if (it > 0 && changed == 0) break;
        km_update(x, label, N, c, k);
    }
    return km_inertia(x, label, N, c);
}

static int km_cmp_float(const void *a, const void *b) {
    float fa = *(const float *)a, fb = *(const float *)b;
    return fa < fb ? -1 : fa > fb;
}

/* The spread of final inertia over restarts, and the elbow chart: live from the run's points,
   each restart from its own generator (seeded by its number), so the panels do not depend on
   the run's seed beyond its points. */
static void km_side_panels(km_state *s) {
    s->spread_n = 0, s->elbow_n = 0;
    if (s->N >= s->k) {
        for (int init = 0; init < 2; init++) {
            float v[KM_RESTARTS];
            for (int r = 0; r < KM_RESTARTS; r++) {
                mlm_rng g;
                mlm_rng_seed(&g, (uint64_t)r + 1, 1000 + (uint64_t)init);
                v[r] = (float)km_run((const double (*)[2])s->x, s->N, s->k, init, &g);
            }
            qsort(v, KM_RESTARTS, sizeof v[0], km_cmp_float);
            for (int r = 0; r < KM_RESTARTS; r++) s->spread[init][r][0] = (float)(r + 1), s->spread[init][r][1] = v[r];
        }
        s->spread_n = KM_RESTARTS;
        double best = fmin(s->spread[0][0][1], s->spread[1][0][1]);
        for (int init = 0; init < 2; init++) {
            s->good[init] = 0;
            for (int r = 0; r < KM_RESTARTS; r++) s->good[init] += s->spread[init][r][1] <= 1.01 * best;
        }
    }
    for (int k = 1; k <= KM_K_MAX && k <= s->N; k++) {
        double best = INFINITY;
        for (int t = 0; t < KM_ELBOW_TRIES; t++) {
            mlm_rng g;
            mlm_rng_seed(&g, (uint64_t)t + 1, 2000 + (uint64_t)k);
            best = fmin(best, km_run((const double (*)[2])s->x, s->N, k, KM_INIT_PLUSPLUS, &g));
        }
        s->elbow[k - 1][0] = (float)k, s->elbow[k - 1][1] = (float)best;
        s->elbow_n = k;
    }
}

/* The data, the reader's points after the generated ones. */
static void km_build_data(mlm_instance *in, km_state *s) {
    const km_desc *d = in->desc;
    s->N = 0;
    if (d->data == KM_BLOBS) {
        double x[KM_G_MAX][2];
        int y[KM_G_MAX];
        mlm_d2_spec spec = {.kind = MLM_D2_BLOBS, .n = d->n, .noise = d->noise, .classes = d->blobs};
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL);
        for (int i = 0; i < d->n; i++) s->x[s->N][0] = x[i][0], s->x[s->N][1] = x[i][1], s->N++;
    } else if (d->data == KM_IRIS) {
        for (int i = 0; i < MLM_IRIS_N; i++)
            s->x[s->N][0] = mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH),
            s->x[s->N][1] = mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH), s->N++;
    }
    s->G = s->N;
    for (int j = 0; j < s->mine.n; j++) {
        mlm_points_xy(&s->mine, j, &s->x[s->N][0], &s->x[s->N][1]);
        s->N++;
    }
}

/* A fresh start on the data as it is now (create, and again when the reader's points arrive). */
static void km_start(mlm_instance *in, km_state *s) {
    const km_desc *d = in->desc;
    in->rng = s->rng0; /* the same points whether or not the reader's arrived since */
    km_build_data(in, s);
    s->k = d->k;
    for (int i = 0; i < s->N; i++) s->label[i] = -1;
    memset(s->c, 0, sizeof s->c);
    if (s->N >= s->k) {
        if (d->init == KM_INIT_PLUSPLUS) km_init_pp((const double (*)[2])s->x, s->N, s->c, s->k, &in->rng);
        else km_init_random((const double (*)[2])s->x, s->N, s->c, s->k, &in->rng);
    }
    memcpy(s->c_prev, s->c, sizeof s->c);
    s->J = -1, s->half = 0, s->assigned = 0, s->last = 0, s->changed = 0, s->moved = 0;
    mlm_series_clear(&s->hist);
    km_side_panels(s);
    in->panels[P_DATA].x0 = (float)s->box[0], in->panels[P_DATA].x1 = (float)s->box[1];
    in->panels[P_DATA].y0 = (float)s->box[2], in->panels[P_DATA].y1 = (float)s->box[3];
}

static void km_box(int data, double *box) {
    if (data == KM_IRIS) box[0] = 0.5, box[1] = 7.5, box[2] = -0.5, box[3] = 3.0;
    else box[0] = box[2] = -MLM_D2_BOX, box[1] = box[3] = MLM_D2_BOX;
}

static void *km_create(mlm_instance *in) {
    const km_desc *d = in->desc;
    km_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->hist, KM_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->rng0 = in->rng;
    km_box(d->data, s->box);
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 1);
    km_start(in, s);
    return s;
}

//> step
/* One half-step: an assignment when the last was not one, else an update. The run has reached
   its fixed point when an assignment (after the first) changes no label: the centres are then
   the means of their points already, and neither half-step will change anything again. */
static void km_step(mlm_instance *in, void *self) {
    km_state *s = self;
    if (s->N < s->k) {
        mlm_finished(in, "%d points and k = %d: k-means needs at least as many points as centres "
                         "(press the data panel to add points)", s->N, s->k);
        return;
    }
    const double (*x)[2] = (const double (*)[2])s->x;
    if (s->last != 1) {
        s->changed = km_assign(x, s->label, s->N, (const double (*)[2])s->c, s->k);
        s->assigned++, s->last = 1;
    } else {
        memcpy(s->c_prev, s->c, sizeof s->c);
        s->moved = km_update(x, s->label, s->N, s->c, s->k);
        s->last = 2;
    }
    s->half++;
    s->J = km_inertia(x, s->label, s->N, (const double (*)[2])s->c);
    mlm_series_push(&s->hist, s->half, s->J);
    if (s->last == 1 && s->assigned > 1 && s->changed == 0) {
        mlm_converged(in, 1, "fixed point after %d half-steps: no point changed its centre, so the "
                             "centres are already the means of their points; inertia %.4g",
                      s->half, s->J);
        return;
    }
    if (s->half >= KM_HALF_MAX) mlm_finished(in, "stopped after %d half-steps", KM_HALF_MAX);
}
//< step

/* Sutherland-Hodgman: keep the part of the convex polygon p (n vertices) where a·x <= b. */
static int km_clip(double (*p)[2], int n, double ax, double ay, double b, double (*out)[2]) {
    int m = 0;
    for (int i = 0; i < n; i++) {
        const double *P = p[i], *Q = p[(i + 1) % n];
        double fp = ax * P[0] + ay * P[1] - b, fq = ax * Q[0] + ay * Q[1] - b;
        if (fp <= 0) out[m][0] = P[0], out[m][1] = P[1], m++;
        if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
            double t = fp / (fp - fq);
            out[m][0] = P[0] + t * (Q[0] - P[0]), out[m][1] = P[1] + t * (Q[1] - P[1]), m++;
        }
    }
    return m;
}

/* The Voronoi cell of centre j inside the box: the box cut by the half-planes
   |x - c_j|^2 <= |x - c_l|^2, that is 2 x·(c_l - c_j) <= |c_l|^2 - |c_j|^2. Its sides not on the
   box's border are region borders. */
static int km_cell_edges(const km_state *s, int j, float (*seg)[4], int room) {
    double a[KM_K_MAX + 5][2], b[KM_K_MAX + 5][2];
    const double *B = s->box;
    a[0][0] = B[0], a[0][1] = B[2], a[1][0] = B[1], a[1][1] = B[2];
    a[2][0] = B[1], a[2][1] = B[3], a[3][0] = B[0], a[3][1] = B[3];
    int n = 4;
    for (int l = 0; l < s->k && n > 0; l++) {
        if (l == j) continue;
        double ax = 2 * (s->c[l][0] - s->c[j][0]), ay = 2 * (s->c[l][1] - s->c[j][1]);
        if (ax == 0 && ay == 0) continue; /* two centres in one place share the cell */
        double bb = (s->c[l][0] * s->c[l][0] + s->c[l][1] * s->c[l][1]) -
                    (s->c[j][0] * s->c[j][0] + s->c[j][1] * s->c[j][1]);
        n = km_clip(a, n, ax, ay, bb, b);
        if (n > KM_K_MAX + 4) n = KM_K_MAX + 4;
        memcpy(a, b, sizeof(double) * 2 * (size_t)n);
    }
    int m = 0;
    double eps = 1e-9 * (B[1] - B[0]);
    for (int i = 0; i < n && m < room; i++) {
        const double *P = a[i], *Q = a[(i + 1) % n];
        int on_border = (fabs(P[0] - B[0]) < eps && fabs(Q[0] - B[0]) < eps) ||
                        (fabs(P[0] - B[1]) < eps && fabs(Q[0] - B[1]) < eps) ||
                        (fabs(P[1] - B[2]) < eps && fabs(Q[1] - B[2]) < eps) ||
                        (fabs(P[1] - B[3]) < eps && fabs(Q[1] - B[3]) < eps);
        if (on_border || km_d2(P, Q) < eps * eps) continue;
        seg[m][0] = (float)P[0], seg[m][1] = (float)P[1], seg[m][2] = (float)Q[0], seg[m][3] = (float)Q[1];
        if (!mlm_isfinite(seg[m][0] + seg[m][1] + seg[m][2] + seg[m][3])) continue;
        m++;
    }
    return m;
}

static void km_draw(mlm_instance *in, void *self) {
    km_state *s = self;
    mlm_view_state *v = in->views;
    int have = s->N >= s->k;
    for (int i = 0; i < s->N; i++)
        s->pts[i][0] = (float)s->x[i][0], s->pts[i][1] = (float)s->x[i][1], s->pts[i][2] = (float)s->label[i];
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = s->N;
    /* the regions: a grid of faint dots, each coloured by its nearest centre */
    int g = 0;
    if (have)
        for (int r = 0; r < KM_GRID; r++)
            for (int q = 0; q < KM_GRID; q++) {
                double p[2] = {s->box[0] + (q + 0.5) * (s->box[1] - s->box[0]) / KM_GRID,
                               s->box[2] + (r + 0.5) * (s->box[3] - s->box[2]) / KM_GRID};
                int best = 0;
                double bd = km_d2(p, s->c[0]);
                for (int j = 1; j < s->k; j++) {
                    double dd = km_d2(p, s->c[j]);
                    if (dd < bd) bd = dd, best = j;
                }
                s->grid[g][0] = (float)p[0], s->grid[g][1] = (float)p[1], s->grid[g][2] = (float)best, g++;
            }
    v[V_REGIONS].data = &s->grid[0][0], v[V_REGIONS].count = g;
    int m = 0;
    if (have)
        for (int j = 0; j < s->k; j++) m += km_cell_edges(s, j, s->seg + m, KM_SEG_MAX - m);
    v[V_EDGES].data = &s->seg[0][0], v[V_EDGES].count = m;
    for (int j = 0; j < s->k; j++) s->centres[j][0] = (float)s->c[j][0], s->centres[j][1] = (float)s->c[j][1];
    v[V_CENTRES].data = &s->centres[0][0], v[V_CENTRES].count = have ? s->k : 0;
    int a = 0;
    if (s->last == 2)
        for (int j = 0; j < s->k; j++) {
            double dx = s->c[j][0] - s->c_prev[j][0], dy = s->c[j][1] - s->c_prev[j][1];
            if (dx == 0 && dy == 0) continue;
            s->arrows[a][0] = (float)s->c_prev[j][0], s->arrows[a][1] = (float)s->c_prev[j][1];
            s->arrows[a][2] = (float)dx, s->arrows[a][3] = (float)dy, a++;
        }
    v[V_MOVES].data = &s->arrows[0][0], v[V_MOVES].count = a;
    if (!have)
        snprintf(s->note, sizeof s->note, "%d points: need at least k = %d", s->N, s->k);
    else if (s->last == 0)
        snprintf(s->note, sizeof s->note, "the first centres; next: assign each point");
    else if (s->last == 1)
        snprintf(s->note, sizeof s->note, "assignment: %d labels changed; next: move the centres", s->changed);
    else
        snprintf(s->note, sizeof s->note, "update: centres moved up to %.3g; next: assign", s->moved);
    v[V_NOTE].text = s->note;
    mlm_series_view(in, V_HIST, &s->hist);
    v[V_SPREAD_RANDOM].data = &s->spread[0][0][0], v[V_SPREAD_RANDOM].count = s->spread_n;
    v[V_SPREAD_PP].data = &s->spread[1][0][0], v[V_SPREAD_PP].count = s->spread_n;
    v[V_ELBOW].data = &s->elbow[0][0], v[V_ELBOW].count = s->elbow_n;
    v[V_ELBOW_MARK].count = 0;
    if (s->k <= s->elbow_n) {
        s->elbow_mark[0] = (float)s->k, s->elbow_mark[1] = s->elbow[s->k - 1][1];
        v[V_ELBOW_MARK].count = 1;
    }
    v[V_ELBOW_MARK].data = s->elbow_mark;
    v[V_S_INERTIA].value = (float)(s->J >= 0 ? s->J : 0);
    v[V_S_INERTIA].hidden = s->J < 0;
    v[V_S_CHANGED].value = (float)s->changed;
    v[V_S_CHANGED].hidden = s->assigned == 0;
    v[V_S_HALF].value = (float)s->half;
    for (int init = 0; init < 2; init++) {
        v[V_S_GOOD_RANDOM + init].value = (float)(100.0 * s->good[init] / KM_RESTARTS);
        v[V_S_GOOD_RANDOM + init].hidden = s->spread_n == 0;
    }
}

/* ---- the reader's points ---- */

static int km_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    km_state *s = self;
    (void)in;
    if (panel != P_DATA || kind != MLM_POINTER_DOWN) return 0;
    return mlm_points_click(&s->mine, x, y, 0, 0.03 * (s->box[1] - s->box[0]));
}

static int km_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const km_state *s = self;
    return mlm_points_get(&s->mine, buf, n);
}

static int km_input_set(mlm_instance *in, void *self, const char *text) {
    km_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    km_start(in, s);
    return 0;
}

const mlm_module mlm_module_k_means = {
    .name = "k_means",
    .title = "K-means clustering",
    .params = km_params,
    .n_params = MLM_COUNT(km_params),
    .desc_size = sizeof(km_desc),
    .panels = km_panels,
    .n_panels = KM_N_PANELS,
    .views = km_views,
    .n_views = KM_N_VIEWS,
    .state_bytes = KM_STATE_BYTES,
    .const_bytes = 0,
    .speed = 2,
    .random = 1,
    .create = km_create,
    .step = km_step,
    .draw = km_draw,
    .pointer = km_pointer,
    .when = km_when,
    .n_when = MLM_COUNT(km_when),
    .input_get = km_input_get,
    .input_set = km_input_set,
};
