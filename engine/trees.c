/* trees.c: the engine of chapter 31, "Decision trees, forests and boosting". Three scenes, one
 * module, all on the book's 2-D datasets (engine/core/datasets2d.h) with the reader's placed
 * points, and all built on the shared trees of engine/core/tree.h:
 *
 *   tree    one step is one split of a CART tree, grown breadth-first: the regions (each leaf's
 *           box in its class's colour, lighter where the leaf is mixed), the tree diagram, the
 *           impurity decrease against the threshold for both features at the node just split
 *           (the curve the greedy search maximises), and training and test error against the
 *           number of leaves;
 *   forest  one step adds one tree grown on a bootstrap sample (bagging, or a random forest that
 *           tries one feature per split): the forest's averaged probabilities, the newest tree's
 *           own regions with the points it never drew, and the out-of-bag, test and single-tree
 *           errors against the number of trees;
 *   boost   one step is one round of AdaBoost with a decision stump: the sign of the score F as
 *           regions, the sample weights as point areas, the newest stump's line, and training
 *           error, test error and the exponential bound prod Z_t against the rounds.
 *
 * Data: a generated dataset with a test set drawn from the same generator (as many points
 * again), iris petals (even rows train, odd rows test) or only the reader's points (no test set).
 * Boosting is for two classes: on three, it separates class 1 from the other two.
 *
 * Shapes: N training points (G generated + P placed); x (N, 2), y (N,) classes 0..K-1 (K <= 3);
 * T test points xt (T, 2), yt (T,); a TR_GRID x TR_GRID grid of cells over the box, row 0 at the
 * bottom.
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
#include "tree.h"

#define TR_G_MAX 150                          /* generated training points */
#define TR_N_MAX (TR_G_MAX + MLM_POINTS_MAX)  /* with the reader's */
#define TR_T_MAX 150                          /* test points */
#define TR_NODES_MAX (2 * TR_N_MAX - 1)       /* a tree on N points has at most N leaves */
#define TR_TREES_MAX 60
#define TR_ROUNDS_MAX 200
#define TR_GRID 60
#define TR_G2 (TR_GRID * TR_GRID)
#define TR_K 3
#define TR_LABEL_DEPTH 3 /* the diagram labels the splits of its top three levels */

enum { S_TREE, S_FOREST, S_BOOST };
enum { D_MOONS, D_CIRCLES, D_XOR, D_SPIRAL, D_BLOBS, D_IRIS, D_MINE };

typedef struct {
    int scene;       /* default tree */
    int data;        /* default moons */
    int n;           /* generated training points; default 100 */
    double noise;    /* default 0.8 */
    int crit;        /* Gini or entropy; default Gini */
    int depth;       /* depth limit, 0: none; default 0 */
    int min_leaf;    /* default 1 */
    int trees;       /* forest size; default 40 */
    int mtry;        /* 0: bagging (both features), 1: random forest (one per split) */
    int rounds;      /* boosting rounds; default 100 */
    int place;       /* class of a placed point */
} tr_desc;

typedef struct {
    int32_t N, G, T, K;
    double x[TR_N_MAX][2];        /* (N, 2) */
    int32_t y[TR_N_MAX];          /* (N,) */
    double xt[TR_T_MAX][2];       /* (T, 2) */
    int32_t yt[TR_T_MAX];         /* (T,) */
    double box[4];                /* x0, x1, y0, y1 */
    double cell[TR_G2][2];        /* (G2, 2) the grid's cell centres */
    mlm_rng rng0;
    mlm_points mine;
    int32_t train_err, test_err;  /* counts, for the current model */
    mlm_series h_train, h_test, h_extra; /* errors (%) against leaves / trees / rounds */
    /* tree */
    mlm_tree tree;
    int32_t done;                 /* 1 once the growth or the rounds are over */
    int32_t last;                 /* the node the latest step split (-1: none yet) */
    int32_t nc[2];                /* points of the two split curves */
    float curve[2][TR_N_MAX][2];  /* (2, nc, 2) threshold, decrease */
    float chosen[1][2];           /* the chosen split on its curve */
    /* forest */
    mlm_forest forest;
    double *fsum;                 /* (G2, K) the trees' summed probabilities on the grid */
    double *ftest;                /* (T, K) and on the test points */
    float *lastgrid;              /* (G2,) the newest tree's regions, class + strength */
    int32_t single_err;           /* the newest tree's test errors */
    double oob;                   /* out-of-bag error, 0..1 */
    /* boost */
    mlm_boost boost;
    int32_t yb[TR_N_MAX];         /* (N,) the labels boosting sees, 0 or 1 */
    int32_t ytb[TR_T_MAX];        /* (T,) */
    double *bgrid;                /* (G2,) F on the grid */
    double btest[TR_T_MAX];       /* (T,) F on the test points */
    /* drawing */
    uint32_t grid_key, grid_version;
    float grid[TR_G2];
    float pts[TR_N_MAX][4];
    float pts2[TR_N_MAX][3];
    float opts[TR_N_MAX][3];      /* the newest tree's points: drawn ones first */
    float tpts[TR_T_MAX][3];
    float splits[TR_NODES_MAX][4];
    float hl[5][4];               /* the latest split's line and its node's box */
    float dnodes[TR_NODES_MAX][3];
    float dedges[TR_NODES_MAX][4];
    float dpath[TR_NODES_MAX][4];
    float dlab[TR_NODES_MAX][2];
    float dx[TR_NODES_MAX];       /* diagram x of each node */
    int32_t stack[TR_NODES_MAX];
    char labels[TR_NODES_MAX * 16];
    char note[200];
} tr_state;

static const mlm_param tr_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(tr_desc, scene), 0, 2, 1, S_TREE, 0,
     "tree:One tree, split by split|forest:A forest, tree by tree|boost:AdaBoost, stump by stump",
     "what one step does"},
    {"data", "Data", MLM_CHOICE, offsetof(tr_desc, data), 0, 6, 1, D_MOONS, 0,
     "moons:Two moons|circles:Circles|xor:XOR|spiral:Spiral|blobs:Three blobs|"
     "iris:Iris petals (3 species)|mine:Only my points",
     "the training points (and a test set drawn the same way)"},
    {"n", "Points", MLM_INT, offsetof(tr_desc, n), 10, TR_G_MAX, 10, 100, 0, NULL,
     "training points generated (as many test points again)"},
    {"noise", "Noise", MLM_FLOAT, offsetof(tr_desc, noise), 0, 1, 0.05, 0.8, 0, NULL,
     "how far the generated points scatter from their pattern"},
    {"crit", "Impurity", MLM_CHOICE, offsetof(tr_desc, crit), 0, 1, 1, MLM_TREE_GINI, 0,
     "gini:Gini|entropy:Entropy", "what a split decreases"},
    {"depth", "Depth limit", MLM_INT, offsetof(tr_desc, depth), 0, 12, 1, 0, 0, NULL,
     "nodes this deep stay leaves (0: no limit)"},
    {"min_leaf", "Smallest leaf", MLM_INT, offsetof(tr_desc, min_leaf), 1, 20, 1, 1, 0, NULL,
     "a split must leave at least this many points on each side"},
    {"trees", "Trees", MLM_INT, offsetof(tr_desc, trees), 1, TR_TREES_MAX, 1, 40, 0, NULL,
     "how many trees the forest grows"},
    {"mtry", "Features per split", MLM_CHOICE, offsetof(tr_desc, mtry), 0, 1, 1, 0, 0,
     "all:Both (bagging)|one:One at random (random forest)",
     "the features each split may choose from"},
    {"rounds", "Rounds", MLM_INT, offsetof(tr_desc, rounds), 1, TR_ROUNDS_MAX, 1, 100, 0, NULL,
     "how many stumps AdaBoost adds"},
    {"place", "A press adds", MLM_CHOICE, offsetof(tr_desc, place), 0, 2, 1, 0, 0,
     "c0:class 0 (vermilion)|c1:class 1 (blue)|c2:class 2 (purple)",
     "the class of a point you add by pressing the regions panel (press a point to remove it)"},
};

static const mlm_when tr_when[] = {
    {"n", "data=moons|circles|xor|spiral|blobs"},
    {"noise", "data=moons|circles|xor|spiral|blobs"},
    {"crit", "scene=tree|forest"},
    {"depth", "scene=tree|forest"},
    {"min_leaf", "scene=tree|forest"},
    {"trees", "scene=forest"},
    {"mtry", "scene=forest"},
    {"rounds", "scene=boost"},
};

enum { P_REGIONS, P_SEARCH, P_ONE, P_ERR_TREE, P_ERR_FOREST, P_ERR_BOOST, P_DIAGRAM, TR_N_PANELS };
static const mlm_panel tr_panels[] = {
    [P_REGIONS] = {"regions", "Predicted class (press: add or remove a point)", "x₁", "x₂",
                   MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_SEARCH] = {"search", "Search at the newest split", "threshold", "impurity decrease",
                  MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_ONE] = {"one", "The newest tree alone (faint: points it never drew)", "x₁", "x₂",
               MLM_PANEL_EQUAL, NULL},
    [P_ERR_TREE] = {"errors", "Error against the number of leaves", "leaves", "error %",
                    MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_ERR_FOREST] = {"forest_errors", "Error against the number of trees", "trees", "error %",
                      MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_ERR_BOOST] = {"boost_errors", "Error and its bound against the number of stumps", "stumps",
                     "%", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_DIAGRAM] = {"diagram", "The tree (left branch: x ≤ threshold)", "", "",
                   MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
};

enum {
    V_FIELD, V_SPLITS, V_HL, V_STUMP, V_PTS, V_BUB, V_NOTE,
    V_D_EDGES, V_D_PATH, V_D_NODES, V_D_LABELS,
    V_C1, V_C2, V_CHOSEN,
    V_ONE, V_ONE_IN, V_ONE_OUT,
    V_T_TRAIN, V_T_TEST, V_F_OOB, V_F_TEST, V_F_ONE, V_B_TRAIN, V_B_TEST, V_B_BOUND,
    V_S_LEAVES, V_S_DEPTH, V_S_TREES, V_S_ROUNDS, V_S_TRAIN, V_S_TEST, V_S_OOB, V_S_EPS,
    V_S_ALPHA, V_S_BOUND,
    TR_N_VIEWS
};
static const mlm_view tr_views[] = {
    [V_FIELD] = {"regions", "regions", MLM_VIEW_FIELD, "predicted class", MLM_VERMILION,
                 MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_COLOR_CLASSES},
    [V_SPLITS] = {"splits", "regions", MLM_VIEW_SEGMENTS, "splits", MLM_INK, MLM_VIEW_FAINT},
    [V_HL] = {"latest", "regions", MLM_VIEW_SEGMENTS, "latest split", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_STUMP] = {"stump", "regions", MLM_VIEW_SEGMENTS, "newest stump", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_PTS] = {"points", "regions", MLM_VIEW_POINTS, "points", MLM_VERMILION, 0},
    [V_BUB] = {"weights", "regions", MLM_VIEW_BUBBLES, "points (area: weight)", MLM_VERMILION, 0},
    [V_NOTE] = {"note", "regions", MLM_VIEW_TEXT, "", 0, 0},
    [V_D_EDGES] = {"edges", "diagram", MLM_VIEW_SEGMENTS, "", MLM_INK, MLM_VIEW_FAINT},
    [V_D_PATH] = {"path", "diagram", MLM_VIEW_SEGMENTS, "", MLM_GREEN, 0},
    [V_D_NODES] = {"nodes", "diagram", MLM_VIEW_NODES, "nodes", MLM_VERMILION, MLM_COLOR_CLASSES},
    [V_D_LABELS] = {"tests", "diagram", MLM_VIEW_LABELS, "Split labels", MLM_INK, 0},
    [V_C1] = {"curve_x1", "search", MLM_VIEW_CURVE, "split on x₁", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_C2] = {"curve_x2", "search", MLM_VIEW_CURVE, "split on x₂", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_CHOSEN] = {"chosen", "search", MLM_VIEW_MARKERS, "chosen", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_ONE] = {"one_regions", "one", MLM_VIEW_FIELD, "newest tree", MLM_VERMILION,
               MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_COLOR_CLASSES},
    [V_ONE_IN] = {"in_bag", "one", MLM_VIEW_POINTS, "drawn", MLM_VERMILION, 0},
    [V_ONE_OUT] = {"out_of_bag", "one", MLM_VIEW_POINTS, "never drawn", MLM_VERMILION, MLM_VIEW_FAINT},
    [V_T_TRAIN] = {"tree_train", "errors", MLM_VIEW_CURVE, "training error", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_T_TEST] = {"tree_test", "errors", MLM_VIEW_CURVE, "test error", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_F_OOB] = {"forest_oob", "forest_errors", MLM_VIEW_CURVE, "out-of-bag error", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_F_TEST] = {"forest_test", "forest_errors", MLM_VIEW_CURVE, "forest's test error", MLM_ORANGE,
                  MLM_VIEW_LEGEND},
    [V_F_ONE] = {"forest_one", "forest_errors", MLM_VIEW_CURVE, "newest tree's test error", MLM_GREEN,
                 MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_B_TRAIN] = {"boost_train", "boost_errors", MLM_VIEW_CURVE, "training error", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_B_TEST] = {"boost_test", "boost_errors", MLM_VIEW_CURVE, "test error", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_B_BOUND] = {"boost_bound", "boost_errors", MLM_VIEW_CURVE, "bound ∏ Zₜ", MLM_GREEN,
                   MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_S_LEAVES] = {"leaves", NULL, MLM_VIEW_SCALAR, "leaves", 0, MLM_SCALAR_INT},
    [V_S_DEPTH] = {"depth", NULL, MLM_VIEW_SCALAR, "depth", 0, MLM_SCALAR_INT},
    [V_S_TREES] = {"trees", NULL, MLM_VIEW_SCALAR, "trees", 0, MLM_SCALAR_INT},
    [V_S_ROUNDS] = {"rounds", NULL, MLM_VIEW_SCALAR, "stumps", 0, MLM_SCALAR_INT},
    [V_S_TRAIN] = {"train_err", NULL, MLM_VIEW_SCALAR, "training error", 0, MLM_SCALAR_PERCENT},
    [V_S_TEST] = {"test_err", NULL, MLM_VIEW_SCALAR, "test error", 0, MLM_SCALAR_PERCENT},
    [V_S_OOB] = {"oob_err", NULL, MLM_VIEW_SCALAR, "out-of-bag error", 0, MLM_SCALAR_PERCENT},
    [V_S_EPS] = {"eps", NULL, MLM_VIEW_SCALAR, "stump's weighted error", 0, 0},
    [V_S_ALPHA] = {"alpha", NULL, MLM_VIEW_SCALAR, "its vote α", 0, 0},
    [V_S_BOUND] = {"bound", NULL, MLM_VIEW_SCALAR, "bound ∏Z", 0, MLM_SCALAR_PERCENT},
};
_Static_assert(MLM_COUNT(tr_views) == TR_N_VIEWS, "one declaration per view");

#define TR_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define TR_SERIES_CAP 256
/* mlm_tree_bytes, mlm_forest_bytes and mlm_boost_bytes (tree.c) as constant expressions, for
   the largest run: every tree of the largest forest may need TR_NODES_MAX nodes */
#define TR_TREE_BYTES (TR_A16(sizeof(mlm_tree_node) * TR_NODES_MAX) + 3 * TR_A16(sizeof(int32_t) * TR_N_MAX))
#define TR_FOREST_BYTES                                                                          \
    (TR_A16(sizeof(mlm_tree) * TR_TREES_MAX) + TR_TREES_MAX * TR_TREE_BYTES +                      \
     TR_A16(sizeof(double) * TR_N_MAX) + TR_A16(sizeof(double) * TR_N_MAX * MLM_TREE_K_MAX) +        \
     TR_A16(sizeof(int32_t) * TR_N_MAX) + TR_A16(sizeof(double) * TR_G2 * TR_K) +                  \
     TR_A16(sizeof(double) * TR_T_MAX * TR_K) + TR_A16(sizeof(float) * TR_G2))
#define TR_STATE_BYTES                                                                          \
    (TR_A16(sizeof(tr_state)) + 3 * TR_A16(sizeof(float) * 2 * TR_SERIES_CAP) + TR_FOREST_BYTES)

static int tr_classes(int data) { return data == D_BLOBS || data == D_IRIS || data == D_MINE ? 3 : 2; }

/* Class c as a colour offset from vermilion (6): 0 vermilion, 1 blue (5), 2 purple (7). */
static float tr_colour(int c) { return c == 0 ? 0.0f : c == 1 ? -1.0f : 1.0f; }

/* A class-field value: class c's colour offset plus a strength that grows from 0 when the
   winning probability p is 1/K (a toss-up) to TR_Q_MAX when it is 1 (certain): never the full
   colour, so that points of the same class stay visible on their region. */
#define TR_Q_MAX 0.6
static float tr_class_value(int c, double p, int K) {
    double q = (p - 1.0 / K) / (1 - 1.0 / K);
    q = q < 0 ? 0 : q > 1 ? 1 : q;
    return tr_colour(c) + (float)(TR_Q_MAX * q);
}

static void tr_build(mlm_instance *in, tr_state *s) {
    const tr_desc *d = in->desc;
    s->N = s->T = 0;
    s->K = tr_classes(d->data);
    if (d->data == D_IRIS) {
        for (int i = 0; i < MLM_IRIS_N; i++) {
            double px = mlm_iris_value(i, MLM_IRIS_PETAL_LENGTH), py = mlm_iris_value(i, MLM_IRIS_PETAL_WIDTH);
            if (i % 2 == 0) s->x[s->N][0] = px, s->x[s->N][1] = py, s->y[s->N++] = mlm_iris_class[i];
            else s->xt[s->T][0] = px, s->xt[s->T][1] = py, s->yt[s->T++] = mlm_iris_class[i];
        }
    } else if (d->data != D_MINE) {
        static const int kinds[5] = {MLM_D2_MOONS, MLM_D2_CIRCLES, MLM_D2_XOR, MLM_D2_SPIRAL, MLM_D2_BLOBS};
        mlm_d2_spec spec = {.kind = kinds[d->data], .n = d->n, .noise = d->noise, .classes = 3};
        double x[TR_G_MAX][2];
        int y[TR_G_MAX];
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL);
        for (int i = 0; i < d->n; i++) s->x[i][0] = x[i][0], s->x[i][1] = x[i][1], s->y[i] = y[i];
        s->N = d->n;
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, NULL); /* the test set: new draws */
        for (int i = 0; i < d->n; i++) s->xt[i][0] = x[i][0], s->xt[i][1] = x[i][1], s->yt[i] = y[i];
        s->T = d->n;
    }
    s->G = s->N;
    for (int j = 0; j < s->mine.n && s->N < TR_N_MAX; j++) {
        double px, py;
        mlm_points_xy(&s->mine, j, &px, &py);
        int c = s->mine.cls[j] < s->K ? s->mine.cls[j] : s->K - 1;
        s->x[s->N][0] = px, s->x[s->N][1] = py, s->y[s->N++] = c;
    }
    for (int i = 0; i < s->N; i++) s->yb[i] = s->K == 2 ? s->y[i] : s->y[i] == 1;
    for (int i = 0; i < s->T; i++) s->ytb[i] = s->K == 2 ? s->yt[i] : s->yt[i] == 1;
}

static mlm_tree_params tr_prm(const tr_desc *d) {
    mlm_tree_params p = {d->crit, d->depth, d->min_leaf, d->scene == S_FOREST && d->mtry ? 1 : 0};
    return p;
}

/* Errors of a classifier over a set, the classifier being "the argmax of p". */
static int tr_argmax(const double *p, int K) {
    int b = 0;
    for (int k = 1; k < K; k++)
        if (p[k] > p[b]) b = k;
    return b;
}

static void tr_tree_errors(tr_state *s) {
    s->train_err = s->test_err = 0;
    for (int i = 0; i < s->N; i++) s->train_err += mlm_tree_classify(&s->tree, s->x[i]) != s->y[i];
    for (int i = 0; i < s->T; i++) s->test_err += mlm_tree_classify(&s->tree, s->xt[i]) != s->yt[i];
}

static double tr_pct(int e, int n) { return n ? 100.0 * e / n : 0; }

static void tr_start(mlm_instance *in, tr_state *s) {
    const tr_desc *d = in->desc;
    in->rng = s->rng0;
    tr_build(in, s);
    s->done = 0, s->last = -1, s->nc[0] = s->nc[1] = 0;
    s->train_err = s->test_err = s->single_err = 0, s->oob = 0;
    s->grid_key = 0;
    mlm_series_clear(&s->h_train);
    mlm_series_clear(&s->h_test);
    mlm_series_clear(&s->h_extra);
    for (int r = 0; r < TR_GRID; r++)
        for (int c = 0; c < TR_GRID; c++) {
            s->cell[r * TR_GRID + c][0] = s->box[0] + (c + 0.5) * (s->box[1] - s->box[0]) / TR_GRID;
            s->cell[r * TR_GRID + c][1] = s->box[2] + (r + 0.5) * (s->box[3] - s->box[2]) / TR_GRID;
        }
    if (s->N == 0) return;
    mlm_tree_params prm = tr_prm(d);
    if (d->scene == S_TREE) {
        mlm_tree_start(&s->tree, &s->x[0][0], 2, s->y, NULL, s->N, s->K, &prm, in->seed);
        tr_tree_errors(s);
        mlm_series_push(&s->h_train, 1, tr_pct(s->train_err, s->N));
        if (s->T) mlm_series_push(&s->h_test, 1, tr_pct(s->test_err, s->T));
    } else if (d->scene == S_FOREST) {
        mlm_forest_start(&s->forest, &s->x[0][0], 2, s->y, s->N, s->K, &prm);
        memset(s->fsum, 0, sizeof(double) * TR_G2 * TR_K);
        memset(s->ftest, 0, sizeof(double) * TR_T_MAX * TR_K);
    } else {
        mlm_boost_start(&s->boost, &s->x[0][0], 2, s->yb, s->N);
        memset(s->bgrid, 0, sizeof(double) * TR_G2);
        memset(s->btest, 0, sizeof s->btest);
        s->train_err = s->N, s->test_err = s->T; /* F = 0 decides nothing: every point an error */
    }
}

static void *tr_create(mlm_instance *in) {
    const tr_desc *d = in->desc;
    tr_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->h_train, TR_SERIES_CAP) || mlm_series_init(in, &s->h_test, TR_SERIES_CAP) ||
        mlm_series_init(in, &s->h_extra, TR_SERIES_CAP))
        return NULL;
    s->rng0 = in->rng;
    if (d->data == D_IRIS) s->box[0] = 0.5, s->box[1] = 7.5, s->box[2] = -0.75, s->box[3] = 3.25;
    else s->box[0] = s->box[2] = -MLM_D2_BOX, s->box[1] = s->box[3] = MLM_D2_BOX;
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 3);
    /* the model's memory, for the most points a run can hold (placed points come later) */
    int nmax = (d->data == D_IRIS ? MLM_IRIS_N / 2 : d->data == D_MINE ? 0 : d->n) + MLM_POINTS_MAX;
    if (d->scene == S_TREE) {
        int cap = mlm_tree_max_nodes(nmax, d->depth);
        void *b = mlm_alloc(in, mlm_tree_bytes(nmax, cap));
        if (!b) return NULL;
        mlm_tree_setup(&s->tree, b, nmax, cap);
    } else if (d->scene == S_FOREST) {
        int cap = mlm_tree_max_nodes(nmax, d->depth);
        void *b = mlm_alloc(in, mlm_forest_bytes(nmax, d->trees, cap));
        s->fsum = mlm_alloc(in, sizeof(double) * TR_G2 * TR_K);
        s->ftest = mlm_alloc(in, sizeof(double) * TR_T_MAX * TR_K);
        s->lastgrid = mlm_alloc(in, sizeof(float) * TR_G2);
        if (!b || !s->fsum || !s->ftest || !s->lastgrid) return NULL;
        mlm_forest_setup(&s->forest, b, nmax, d->trees, cap);
    } else {
        void *b = mlm_alloc(in, mlm_boost_bytes(nmax, 2, d->rounds));
        s->bgrid = mlm_alloc(in, sizeof(double) * TR_G2);
        if (!b || !s->bgrid) return NULL;
        mlm_boost_setup(&s->boost, b, nmax, 2, d->rounds);
    }
    tr_start(in, s);
    return s;
}

//> tree_step
/* One split: the tree grows by one node's best split (breadth-first), and the curves of the
   decrease against the threshold at that node are kept for the search panel. */
static void tr_tree_step(mlm_instance *in, tr_state *s) {
    int node = mlm_tree_step(&s->tree);
    if (node < 0) {
        s->done = 1;
        mlm_converged(in, 1, "the tree is complete: %d leaves, depth %d, training error %.1f %%%s",
                      s->tree.n_leaves, s->tree.depth, tr_pct(s->train_err, s->N),
                      s->tree.n_leaves == 1 ? " (no split was allowed)" : "");
        return;
    }
    s->last = node;
    for (int f = 0; f < 2; f++) {
        double thr[TR_N_MAX], g[TR_N_MAX];
        int m = mlm_tree_split_curve(&s->tree, node, f, thr, g);
        for (int j = 0; j < m; j++) s->curve[f][j][0] = (float)thr[j], s->curve[f][j][1] = (float)g[j];
        s->nc[f] = m;
    }
    const mlm_tree_node *nd = &s->tree.nodes[node];
    s->chosen[0][0] = (float)nd->threshold, s->chosen[0][1] = (float)nd->gain;
    tr_tree_errors(s);
    mlm_series_push(&s->h_train, s->tree.n_leaves, tr_pct(s->train_err, s->N));
    if (s->T) mlm_series_push(&s->h_test, s->tree.n_leaves, tr_pct(s->test_err, s->T));
}
//< tree_step

//> forest_step
/* One more tree on a bootstrap sample; the forest's prediction is the mean of its trees'
   probabilities, so the running sums on the grid and the test points are all it needs. */
static void tr_forest_step(mlm_instance *in, tr_state *s) {
    mlm_forest *f = &s->forest;
    int j = mlm_forest_add(f, &in->rng);
    if (j < 0) return;
    const mlm_tree *t = &f->trees[j];
    for (int c = 0; c < TR_G2; c++) {
        const double *p = mlm_tree_predict(t, s->cell[c]);
        int k = tr_argmax(p, s->K);
        for (int q = 0; q < s->K; q++) s->fsum[c * TR_K + q] += p[q];
        s->lastgrid[c] = tr_class_value(k, p[k], s->K);
    }
    s->test_err = s->single_err = 0;
    for (int i = 0; i < s->T; i++) {
        const double *p = mlm_tree_predict(t, s->xt[i]);
        for (int q = 0; q < s->K; q++) s->ftest[i * TR_K + q] += p[q];
        s->test_err += tr_argmax(&s->ftest[i * TR_K], s->K) != s->yt[i];
        s->single_err += tr_argmax(p, s->K) != s->yt[i];
    }
    s->train_err = 0;
    for (int i = 0; i < s->N; i++) {
        double p[MLM_TREE_K_MAX];
        mlm_forest_predict(f, s->x[i], p);
        s->train_err += tr_argmax(p, s->K) != s->y[i];
    }
    int counted = 0;
    s->oob = mlm_forest_oob_error(f, &counted);
    int n = f->n_trees;
    mlm_series_push(&s->h_train, n, 100 * s->oob);
    if (s->T) {
        mlm_series_push(&s->h_test, n, tr_pct(s->test_err, s->T));
        mlm_series_push(&s->h_extra, n, tr_pct(s->single_err, s->T));
    }
    if (n >= f->cap_trees) {
        s->done = 1;
        mlm_finished(in, "%d trees: out-of-bag error %.1f %% (over %d points)%s", n, 100 * s->oob, counted,
                     s->T ? "" : "; your points only: no test set");
    }
}
//< forest_step

//> boost_step
/* One round of AdaBoost; the score F on the grid and the test points grows by alpha_t h_t. */
static void tr_boost_step(mlm_instance *in, tr_state *s) {
    mlm_boost *b = &s->boost;
    int T0 = b->T, r = mlm_boost_step(b);
    if (r == 1 && b->T == T0) r = 2; /* nothing added: no stump beat chance */
    if (r < 0 || r == 2) {
        s->done = 1;
        if (r < 0) mlm_finished(in, "%d stumps: training error %.1f %%, bound %.2g %%", b->T, tr_pct(s->train_err, s->N),
                                100 * b->bound);
        else mlm_converged(in, 1, "after %d stumps no stump does better than chance on the weights", b->T);
        return;
    }
    int t = b->T - 1;
    for (int c = 0; c < TR_G2; c++) s->bgrid[c] += b->alpha[t] * mlm_boost_stump(b, t, s->cell[c]);
    s->test_err = 0;
    for (int i = 0; i < s->T; i++) {
        s->btest[i] += b->alpha[t] * mlm_boost_stump(b, t, s->xt[i]);
        s->test_err += s->ytb[i] ? !(s->btest[i] > 0) : !(s->btest[i] < 0);
    }
    s->train_err = (int)(mlm_boost_train_error(b) * s->N + 0.5);
    mlm_series_push(&s->h_train, b->T, tr_pct(s->train_err, s->N));
    if (s->T) mlm_series_push(&s->h_test, b->T, tr_pct(s->test_err, s->T));
    mlm_series_push(&s->h_extra, b->T, 100 * b->bound);
    if (r == 1) {
        s->done = 1;
        mlm_converged(in, 1, "stump %d separates the weighted points perfectly: training error 0", b->T);
    } else if (b->T >= b->cap) {
        s->done = 1;
        mlm_finished(in, "%d stumps: training error %.1f %%, bound %.2g %%", b->T, tr_pct(s->train_err, s->N),
                     100 * b->bound);
    }
}
//< boost_step

static void tr_step(mlm_instance *in, void *self) {
    tr_state *s = self;
    const tr_desc *d = in->desc;
    if (s->N == 0) {
        mlm_finished(in, "no points yet: press the regions panel to place some (choose their class with "
                         "\"A press adds\")");
        return;
    }
    if (d->scene == S_TREE) tr_tree_step(in, s);
    else if (d->scene == S_FOREST) tr_forest_step(in, s);
    else tr_boost_step(in, s);
}

/* ---- drawing ---- */

static uint32_t tr_hash(const void *p, size_t n, uint32_t h) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

/* The regions: each cell's class and strength, recomputed when the model has changed. */
static void tr_regions(mlm_instance *in, tr_state *s, uint32_t key) {
    const tr_desc *d = in->desc;
    if (s->grid_key == key) return;
    for (int c = 0; c < TR_G2; c++) {
        if (d->scene == S_TREE) {
            const double *p = mlm_tree_predict(&s->tree, s->cell[c]);
            int k = tr_argmax(p, s->K);
            s->grid[c] = tr_class_value(k, p[k], s->K);
        } else if (d->scene == S_FOREST) {
            int n = s->forest.n_trees, k = tr_argmax(&s->fsum[c * TR_K], s->K);
            s->grid[c] = n ? tr_class_value(k, s->fsum[c * TR_K + k] / n, s->K) : tr_colour(0);
        } else { /* boosting: sign of F, strength |tanh F| = |2 sigma(2F) - 1| */
            double F = s->bgrid[c];
            s->grid[c] = tr_colour(F > 0) + (float)(TR_Q_MAX * fabs(mlm_tanh(F)));
        }
    }
    s->grid_key = key;
    uint32_t h = tr_hash(s->grid, sizeof s->grid, 2166136261u);
    s->grid_version = h ? h : 1;
}

/* The diagram's layout: leaves side by side in left-to-right order, each parent centred over its
   children, depth downwards. Returns the number of leaves. */
static int tr_layout(tr_state *s) {
    const mlm_tree *t = &s->tree;
    int sp = 0, slot = 0;
    s->stack[sp++] = 0;
    while (sp > 0) {
        int j = s->stack[--sp];
        const mlm_tree_node *nd = &t->nodes[j];
        if (nd->feature < 0) s->dx[j] = (float)slot++;
        else s->stack[sp++] = nd->right, s->stack[sp++] = nd->left;
    }
    for (int j = t->n_nodes - 1; j >= 0; j--) /* children come after their parent */
        if (t->nodes[j].feature >= 0) s->dx[j] = 0.5f * (s->dx[t->nodes[j].left] + s->dx[t->nodes[j].right]);
    return slot;
}

static void tr_draw_tree(mlm_instance *in, tr_state *s) {
    mlm_view_state *v = in->views;
    const mlm_tree *t = &s->tree;
    /* split lines, each across its node's box */
    int ns = 0;
    for (int j = 0; j < t->n_nodes; j++) {
        const mlm_tree_node *nd = &t->nodes[j];
        if (nd->feature < 0) continue;
        double lo[2] = {s->box[0], s->box[2]}, hi[2] = {s->box[1], s->box[3]};
        mlm_tree_node_box(t, j, lo, hi);
        float th = (float)nd->threshold;
        if (nd->feature == 0)
            s->splits[ns][0] = s->splits[ns][2] = th, s->splits[ns][1] = (float)lo[1], s->splits[ns][3] = (float)hi[1];
        else
            s->splits[ns][1] = s->splits[ns][3] = th, s->splits[ns][0] = (float)lo[0], s->splits[ns][2] = (float)hi[0];
        if (j == s->last) { /* the latest: its line and its node's box */
            memcpy(s->hl[0], s->splits[ns], sizeof s->hl[0]);
            float b[4] = {(float)lo[0], (float)hi[0], (float)lo[1], (float)hi[1]};
            float r[4][4] = {{b[0], b[2], b[1], b[2]}, {b[1], b[2], b[1], b[3]}, {b[1], b[3], b[0], b[3]}, {b[0], b[3], b[0], b[2]}};
            memcpy(s->hl[1], r, sizeof r);
        }
        ns++;
    }
    v[V_SPLITS].data = &s->splits[0][0], v[V_SPLITS].count = ns;
    v[V_HL].data = &s->hl[0][0], v[V_HL].count = s->last >= 0 ? 5 : 0;
    /* the diagram */
    int leaves = tr_layout(s), ne = 0, np = 0, nl = 0;
    size_t tl = 0;
    s->labels[0] = 0;
    for (int j = 0; j < t->n_nodes; j++) {
        const mlm_tree_node *nd = &t->nodes[j];
        float x = s->dx[j], y = (float)-nd->depth;
        s->dnodes[j][0] = x, s->dnodes[j][1] = y, s->dnodes[j][2] = tr_class_value(nd->cls, nd->p[nd->cls], s->K);
        if (nd->parent >= 0) {
            float e[4] = {s->dx[nd->parent], y + 1, x, y};
            memcpy(s->dedges[ne++], e, sizeof e);
        }
        if (nd->feature >= 0 && nd->depth < TR_LABEL_DEPTH && tl + 24 < sizeof s->labels) {
            s->dlab[nl][0] = x, s->dlab[nl][1] = y - 0.42f;
            tl += (size_t)snprintf(s->labels + tl, sizeof s->labels - tl, "%sx%s ≤ %.2f", nl ? "\n" : "",
                                   nd->feature ? "₂" : "₁", nd->threshold);
            nl++;
        }
    }
    for (int j = s->last; j > 0 && s->last >= 0; j = t->nodes[j].parent) { /* root to the latest split */
        int p = t->nodes[j].parent;
        float e[4] = {s->dx[p], (float)-t->nodes[p].depth, s->dx[j], (float)-t->nodes[j].depth};
        memcpy(s->dpath[np++], e, sizeof e);
    }
    if (s->last >= 0) {
        const mlm_tree_node *nd = &t->nodes[s->last];
        for (int c = 0; c < 2; c++) {
            int ch = c ? nd->right : nd->left;
            float e[4] = {s->dx[s->last], (float)-nd->depth, s->dx[ch], (float)-nd->depth - 1};
            memcpy(s->dpath[np++], e, sizeof e);
        }
    }
    v[V_D_NODES].data = &s->dnodes[0][0], v[V_D_NODES].count = t->n_nodes;
    v[V_D_EDGES].data = &s->dedges[0][0], v[V_D_EDGES].count = ne;
    v[V_D_PATH].data = &s->dpath[0][0], v[V_D_PATH].count = np;
    v[V_D_LABELS].data = &s->dlab[0][0], v[V_D_LABELS].count = nl, v[V_D_LABELS].text = s->labels;
    mlm_panel_state *pd = &in->panels[P_DIAGRAM];
    pd->x0 = -1.2f, pd->x1 = (float)leaves + 0.2f, pd->y0 = (float)-t->depth - 0.7f, pd->y1 = 0.5f;
    /* the search */
    v[V_C1].data = &s->curve[0][0][0], v[V_C1].count = s->last >= 0 ? s->nc[0] : 0;
    v[V_C2].data = &s->curve[1][0][0], v[V_C2].count = s->last >= 0 ? s->nc[1] : 0;
    v[V_CHOSEN].data = &s->chosen[0][0], v[V_CHOSEN].count = s->last >= 0;
    v[V_S_LEAVES].value = (float)t->n_leaves;
    v[V_S_DEPTH].value = (float)t->depth;
}

static void tr_draw(mlm_instance *in, void *self) {
    tr_state *s = self;
    const tr_desc *d = in->desc;
    mlm_view_state *v = in->views;
    int sc = d->scene, has = s->N > 0;
    for (int p = 0; p < TR_N_PANELS; p++) in->panels[p].hidden = 0;
    in->panels[P_DIAGRAM].hidden = in->panels[P_SEARCH].hidden = sc != S_TREE;
    in->panels[P_ONE].hidden = sc != S_FOREST;
    in->panels[P_ERR_TREE].hidden = sc != S_TREE;
    in->panels[P_ERR_FOREST].hidden = sc != S_FOREST;
    in->panels[P_ERR_BOOST].hidden = sc != S_BOOST;
    for (int p = 0; p < TR_N_PANELS; p++)
        if (p == P_REGIONS || p == P_ONE) {
            in->panels[p].x0 = (float)s->box[0], in->panels[p].x1 = (float)s->box[1];
            in->panels[p].y0 = (float)s->box[2], in->panels[p].y1 = (float)s->box[3];
        }
    for (int k = 0; k < TR_N_VIEWS; k++) v[k].hidden = 1, v[k].count = 0;
    /* the model's identity for the regions cache: scene, step and the status of the run */
    uint32_t key = tr_hash(&in->steps, sizeof in->steps, 2166136261u ^ (uint32_t)sc);
    key = tr_hash(&s->N, sizeof s->N, key) | 1u;
    if (has) {
        tr_regions(in, s, key);
        mlm_field_view(in, V_FIELD, s->grid, TR_GRID, TR_GRID, s->box[0], s->box[1], s->box[2], s->box[3],
                       s->grid_version);
        v[V_FIELD].hidden = (sc == S_FOREST && s->forest.n_trees == 0) || (sc == S_BOOST && s->boost.T == 0);
        v[V_FIELD].lo = v[V_FIELD].hi = 0;
    }
    /* points: class colours; boosting shows the labels it sees, sized by weight */
    for (int i = 0; i < s->N; i++) {
        s->pts[i][0] = (float)s->x[i][0], s->pts[i][1] = (float)s->x[i][1];
        s->pts[i][2] = sc == S_BOOST ? tr_colour(s->yb[i]) : tr_colour(s->y[i]);
        s->pts[i][3] = sc == S_BOOST && s->boost.T > 0 ? (float)(s->boost.w[i] * s->N) : 1.0f;
    }
    if (sc == S_BOOST) {
        v[V_BUB].data = &s->pts[0][0], v[V_BUB].count = s->N, v[V_BUB].hidden = 0;
    } else {
        for (int i = 0; i < s->N; i++) memcpy(s->pts2[i], s->pts[i], sizeof s->pts2[i]);
        v[V_PTS].data = &s->pts2[0][0], v[V_PTS].count = s->N, v[V_PTS].hidden = 0;
    }
    int h0 = sc == S_TREE ? V_T_TRAIN : sc == S_FOREST ? V_F_OOB : V_B_TRAIN;
    mlm_series_view(in, h0, &s->h_train);
    mlm_series_view(in, h0 + 1, &s->h_test);
    v[h0].hidden = v[h0 + 1].hidden = 0;
    if (sc != S_TREE) {
        mlm_series_view(in, h0 + 2, &s->h_extra);
        v[h0 + 2].hidden = 0;
    }
    v[V_S_TRAIN].hidden = v[V_S_TEST].hidden = 0;
    v[V_S_TRAIN].value = (float)tr_pct(s->train_err, s->N);
    v[V_S_TEST].value = (float)tr_pct(s->test_err, s->T);
    v[V_S_TEST].hidden = s->T == 0;
    v[V_NOTE].hidden = 0;
    if (sc == S_TREE) {
        if (has) tr_draw_tree(in, s);
        for (int k = V_SPLITS; k <= V_CHOSEN; k++)
            if (k != V_STUMP && k != V_PTS && k != V_BUB && k != V_NOTE) v[k].hidden = !has;
        v[V_S_LEAVES].hidden = v[V_S_DEPTH].hidden = 0;
        snprintf(s->note, sizeof s->note, "%d leaves, depth %d", has ? s->tree.n_leaves : 0, has ? s->tree.depth : 0);
    } else if (sc == S_FOREST) {
        const mlm_forest *f = &s->forest;
        int n = has ? f->n_trees : 0;
        v[V_S_TREES].hidden = v[V_S_OOB].hidden = 0;
        v[V_S_TREES].value = (float)n;
        v[V_S_OOB].value = (float)(100 * s->oob);
        v[V_S_TRAIN].hidden = 1; /* the out-of-bag error replaces it: a forest's training error says little */
        if (n > 0) {
            mlm_field_view(in, V_ONE, s->lastgrid, TR_GRID, TR_GRID, s->box[0], s->box[1], s->box[2], s->box[3],
                           (uint32_t)n * 2654435761u | 1u);
            v[V_ONE].hidden = 0;
            const mlm_tree *t = &f->trees[n - 1];
            unsigned char drawn[TR_N_MAX] = {0};
            for (int q = 0; q < t->nodes[0].count; q++) drawn[t->idx[q]] = 1; /* the root holds the drawn */
            int a = 0, b = s->N - 1;
            for (int i = 0; i < s->N; i++) memcpy(s->opts[drawn[i] ? a++ : b--], s->pts2[i], sizeof s->opts[0]);
            v[V_ONE_IN].data = &s->opts[0][0], v[V_ONE_IN].count = a, v[V_ONE_IN].hidden = 0;
            v[V_ONE_OUT].data = &s->opts[a][0], v[V_ONE_OUT].count = s->N - a, v[V_ONE_OUT].hidden = 0;
        }
        snprintf(s->note, sizeof s->note, "%d of %d trees (%s)", n, d->trees,
                 d->mtry ? "random forest" : "bagging");
    } else {
        const mlm_boost *b = &s->boost;
        int T = has ? b->T : 0;
        v[V_S_ROUNDS].hidden = v[V_S_BOUND].hidden = v[V_S_EPS].hidden = v[V_S_ALPHA].hidden = 0;
        v[V_S_ROUNDS].value = (float)T;
        v[V_S_BOUND].value = (float)(100 * (has ? b->bound : 1));
        v[V_S_EPS].value = T ? (float)b->eps[T - 1] : 0;
        v[V_S_ALPHA].value = T ? (float)b->alpha[T - 1] : 0;
        if (T > 0) { /* the newest stump's line across the box */
            float th = (float)b->threshold[T - 1];
            if (b->feature[T - 1] == 0) s->hl[0][0] = s->hl[0][2] = th, s->hl[0][1] = (float)s->box[2], s->hl[0][3] = (float)s->box[3];
            else s->hl[0][1] = s->hl[0][3] = th, s->hl[0][0] = (float)s->box[0], s->hl[0][2] = (float)s->box[1];
            v[V_STUMP].data = &s->hl[0][0], v[V_STUMP].count = 1, v[V_STUMP].hidden = 0;
        }
        if (s->K > 2) snprintf(s->note, sizeof s->note, "%d stumps; class 1 (blue) against the rest (vermilion)", T);
        else snprintf(s->note, sizeof s->note, "%d stumps", T);
    }
    v[V_NOTE].text = s->note;
}

static int tr_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    tr_state *s = self;
    const tr_desc *d = in->desc;
    if (panel != P_REGIONS || kind != MLM_POINTER_DOWN) return 0;
    int K = tr_classes(d->data), cls = d->place < K ? d->place : K - 1;
    return mlm_points_click(&s->mine, x, y, cls, 0.03 * (s->box[1] - s->box[0]));
}

static int tr_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    return mlm_points_get(&((const tr_state *)self)->mine, buf, n);
}

static int tr_input_set(mlm_instance *in, void *self, const char *text) {
    tr_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    tr_start(in, s);
    return 0;
}

const mlm_module mlm_module_trees = {
    .name = "trees",
    .title = "Decision trees, forests and boosting",
    .params = tr_params,
    .n_params = MLM_COUNT(tr_params),
    .desc_size = sizeof(tr_desc),
    .panels = tr_panels,
    .n_panels = TR_N_PANELS,
    .views = tr_views,
    .n_views = TR_N_VIEWS,
    .state_bytes = TR_STATE_BYTES,
    .const_bytes = 0,
    .speed = 4,
    .random = 1,
    .create = tr_create,
    .step = tr_step,
    .draw = tr_draw,
    .pointer = tr_pointer,
    .when = tr_when,
    .n_when = MLM_COUNT(tr_when),
    .input_get = tr_input_get,
    .input_set = tr_input_set,
};
