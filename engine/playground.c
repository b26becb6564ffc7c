/* playground.c: the engine of chapter 16, "The neural network playground". A small network (the
 * book's one MLP, engine/core/mlp.h) learns to separate two classes of points in the plane, and
 * every part of it is on show while it trains:
 *
 *   data     the points (training solid, test faint) over the network's decision-boundary
 *            heatmap, the probability of class 1 minus 1/2 at each point of a 100 x 100 grid;
 *            a press anywhere sets the probe point whose forward pass the diagram shows;
 *   network  the network as a diagram: one small heatmap per input feature, per hidden unit and
 *            for the output (what that unit computes over the whole square), edges drawn by
 *            their weights (width |w|, colour its sign), and beside each unit its activation at
 *            the probe point: the forward pass of one input, layer by layer;
 *   loss     training and test loss against the step.
 *
 * Four datasets (circles, XOR, Gaussian blobs, a two-armed spiral) over the square [-6, 6]^2,
 * 0 to 6 hidden layers of 1 to 8 units, five activations, plain mini-batch SGD on the binary
 * cross-entropy with an optional L1 or L2 penalty, and seven input features of a point
 * (x1, x2): x1, x2, x1^2, x2^2, x1 x2, sin x1, sin x2 (mlp_features_2d). Labels are 0 and 1 (the
 * TensorFlow playground uses -1 and +1 with a tanh output; a sigmoid output with 0/1 targets is
 * the same classifier, and it is the MLP's BCE convention).
 *
 * Memory. The run's state (the network, the shuffled order of the training points, the loss
 * histories) lives in the instance block, so the runtime's checkpoints scrub back through
 * training. Two kinds of data live in the constant block instead: the dataset, which never
 * changes after create, and the drawing buffers (heatmap grid, tiles, edges, labels), which
 * draw() rewrites completely every frame from the state, so checkpointing them would only make
 * every checkpoint ten times larger. draw() depends on the state alone, never on what earlier
 * frames drew, so a restored checkpoint draws exactly what was drawn at its step. The probe point
 * is the reader's input: it lives in the state (so a checkpoint holds it), travels in links as
 * "x~y" (pg_input_get), and a reset keeps it; px and py only say where it starts.
 *
 * Shapes (doubles unless said):
 *   N  points, M = round(train_frac N) of them for training (first), T = N - M for testing
 *   F  input features (1..7), the network's input width
 *   U  hidden units (0..48), H hidden layers (0..6), B the mini-batch
 *   G  side of the decision-boundary grid (PG_GRID); S side of a unit's tile image (PG_TILE)
 *   K  tiles in the diagram, F + U + 1 (the features, the hidden units, the output)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datasets2d.h"
#include "detmath.h"
#include "mlm.h"
#include "mlp.h"

#define PG_BOX MLM_D2_BOX         /* the data live in [-PG_BOX, PG_BOX]^2 */
#define PG_N_MAX 1000      /* points */
#define PG_HMAX 6          /* hidden layers */
#define PG_WMAX 8          /* units per hidden layer */
#define PG_BATCH_MAX 64
#define PG_GRID 100        /* G: the boundary heatmap is G x G */
#define PG_TILE 20         /* S: each unit's image is S x S */
#define PG_TILES (MLP_FEAT_COUNT + PG_HMAX * PG_WMAX + 1)
#define PG_EDGES (MLP_FEAT_COUNT * PG_WMAX + (PG_HMAX - 1) * PG_WMAX * PG_WMAX + PG_WMAX)
#define PG_HIST 400        /* points in a loss history */
#define PG_EVAL_EVERY 50   /* steps between two points of the histories: each point evaluates
                              the network on every point, as costly as ~25 training steps */
#define PG_BINS 41         /* bars of the weight histogram, 0.2 wide, centred on -4..4 */
#define PG_BIN_W 0.2
#define PG_LABEL 16        /* characters of one label, '\n' included */

/* The diagram's geometry, in its own data units: units PG_DY apart, tiles PG_S wide (the
   output's PG_S_OUT), columns further apart when there are few of them (pg_create). */
#define PG_DY 1.0
#define PG_S 0.72
#define PG_S_OUT 1.3

enum { PG_CIRCLES, PG_XOR, PG_GAUSS, PG_SPIRAL };
enum { PG_REG_NONE, PG_REG_L1, PG_REG_L2 };

typedef struct {
    int dataset;       /* PG_CIRCLES..PG_SPIRAL; default spiral */
    int n;             /* points, training and test together; default 500 */
    double noise;      /* how far points are scattered from their pattern; default 0 */
    double train_frac; /* share of the points used for training; default 0.5 */
    int feat[MLP_FEAT_COUNT]; /* which input features the network sees (MLP_FEAT_* order);
                                 default x1, x2, sin x1, sin x2 */
    int layers;        /* hidden layers H; default 2 */
    int width[PG_HMAX];/* units in each hidden layer; default 8 */
    int act;           /* hidden activation (mlp_act); default tanh */
    double lr;         /* learning rate; default 0.1 */
    int reg;           /* PG_REG_*; default none */
    double reg_rate;   /* penalty strength; default 0.001 */
    int batch;         /* mini-batch size B; default 10 */
    double px, py;     /* where the probe starts; default (2, 3) */
} pg_desc;

/* The constant block: the dataset, and the scratch draw() rewrites every frame. */
typedef struct {
    double *x;         /* (N, F) features of every point, training rows first */
    double *y;         /* (N, 1) labels 0 / 1 */
    float *pts_train;  /* (M, 3) (x1, x2, class) for the POINTS view */
    float *pts_test;   /* (T, 3) */
    float *field;      /* (G, G) P(class 1) - 1/2, row 0 at x2 = -PG_BOX */
    double *grid_f;    /* (G, 7) every feature of (t_k, t_k), t_k = -PG_BOX + k 2 PG_BOX / (G - 1):
                          the grid's columns and rows share their coordinates */
    float *tiles;      /* (K, 3 + S * S) the diagram's images, row 0 at the top */
    float *out_img;    /* (S, S) the output over the square, row 0 at the bottom */
    float *edges;      /* (E, 5) x0, y0, x1, y1, weight */
    float *names_xy;   /* (F, 2) where the feature names go */
    char *names;       /* F '\n'-separated names */
    float *vals_xy;    /* (F + U + 1, 2) where the probe's values go */
    char *vals;        /* F + U + 1 '\n'-separated values */
    float probe_mark[2]; /* (1, 2) */
    float hist[2 * PG_BINS]; /* (PG_BINS, 2) the weight histogram's bars */
    char probe_text[120];
    uint32_t field_hash; /* FNV-1a of the field's bytes: its version for the renderer's cache, the
                            same for the same picture whatever was drawn before */
    int64_t field_step; /* the step whose network `field` shows (-1: none yet). In a run, the
                           network at step N is always the same, so the field is a function of
                           the step and can be kept outside checkpoints: a restored checkpoint
                           at another step recomputes it. */
} pg_data;

typedef struct {
    pg_data *c;
    mlp net;
    unsigned mask;          /* MLP_FEAT_* bits of the chosen features */
    int F, N, M, T, H, B, U;
    int act;
    double lr;
    int32_t *order;         /* (M,) the training points in this epoch's order */
    int cursor;             /* next position in order */
    double *xb;             /* (B, F) this step's mini-batch */
    double *yb;             /* (B, 1) */
    double *backup;         /* (P,) parameters before this step, restored if it diverges */
    mlm_series hist_train;  /* (PG_HIST, 2) (step, training loss) */
    mlm_series hist_test;   /* (PG_HIST, 2) (step, test loss) */
    mlm_series acc_train;   /* (PG_HIST, 2) (step, training accuracy %) */
    mlm_series acc_test;    /* (PG_HIST, 2) (step, test accuracy %) */
    double col_x[PG_HMAX + 2];  /* diagram column positions: features, hidden layers, output */
    double probe[2];        /* the probe point: (px, py) at create, then wherever the reader
                               pressed; the reader's input */
} pg_state;

/* ---- declarations ---- */

#define PG_FEAT_PARAM(name, label, field, def, help) \
    {name, label, MLM_BOOL, offsetof(pg_desc, feat) + (field) * sizeof(int), 0, 1, 1, def, 0, NULL, help}
#define PG_WIDTH_PARAM(name, k, nth) \
    {name, "Layer " #k " units", MLM_INT, offsetof(pg_desc, width) + ((k) - 1) * sizeof(int), 1, PG_WMAX, \
     1, 8, 0, NULL, "units in the " nth " hidden layer (when there is one)"}

static const mlm_param pg_params[] = {
    {"dataset", "Data", MLM_CHOICE, offsetof(pg_desc, dataset), 0, 3, 1, PG_SPIRAL, 0,
     "circles:Circles|xor:XOR|gauss:Gaussian blobs|spiral:Spiral",
     "the two classes to separate"},
    {"n", "Points", MLM_INT, offsetof(pg_desc, n), 50, PG_N_MAX, 10, 500, 0, NULL,
     "points, training and test together"},
    {"noise", "Noise", MLM_FLOAT, offsetof(pg_desc, noise), 0, 0.5, 0.01, 0, 0, NULL,
     "how far the points scatter from their pattern (0: none)"},
    {"train_frac", "Training share", MLM_FLOAT, offsetof(pg_desc, train_frac), 0.1, 0.9, 0.05, 0.5, 0,
     NULL, "share of the points the network trains on; the rest measure the test loss"},
    PG_FEAT_PARAM("f_x1", "x₁", 0, 1, "feature x1, the horizontal coordinate"),
    PG_FEAT_PARAM("f_x2", "x₂", 1, 1, "feature x2, the vertical coordinate"),
    PG_FEAT_PARAM("f_x1sq", "x₁²", 2, 0, "feature x1 squared"),
    PG_FEAT_PARAM("f_x2sq", "x₂²", 3, 0, "feature x2 squared"),
    PG_FEAT_PARAM("f_x1x2", "x₁x₂", 4, 0, "feature x1 times x2"),
    PG_FEAT_PARAM("f_sinx1", "sin x₁", 5, 1, "feature sin x1"),
    PG_FEAT_PARAM("f_sinx2", "sin x₂", 6, 1, "feature sin x2"),
    {"layers", "Hidden layers", MLM_INT, offsetof(pg_desc, layers), 0, PG_HMAX, 1, 2, 0, NULL,
     "hidden layers between the features and the output (0: logistic regression)"},
    PG_WIDTH_PARAM("n1", 1, "first"),
    PG_WIDTH_PARAM("n2", 2, "second"),
    PG_WIDTH_PARAM("n3", 3, "third"),
    PG_WIDTH_PARAM("n4", 4, "fourth"),
    PG_WIDTH_PARAM("n5", 5, "fifth"),
    PG_WIDTH_PARAM("n6", 6, "sixth"),
    {"act", "Activation", MLM_CHOICE, offsetof(pg_desc, act), 0, MLP_ACT_COUNT - 1, 1, MLP_TANH, 0,
     MLP_ACT_CHOICES, "the function every hidden unit applies to its weighted sum"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(pg_desc, lr), 1e-4, 10, 0, 0.1, 1, NULL,
     "step size of stochastic gradient descent"},
    {"reg", "Regularisation", MLM_CHOICE, offsetof(pg_desc, reg), 0, 2, 1, PG_REG_NONE, 0,
     "none:None|l1:L1|l2:L2", "penalty on the weights added to the loss: none, λ Σ|w| or λ/2 Σ w²"},
    {"reg_rate", "Regularisation rate λ", MLM_FLOAT, offsetof(pg_desc, reg_rate), 1e-5, 1, 0, 1e-3, 1,
     NULL, "strength λ of the penalty"},
    {"batch", "Batch size", MLM_INT, offsetof(pg_desc, batch), 1, PG_BATCH_MAX, 1, 10, 0, NULL,
     "training points in each step's mini-batch"},
    {"px", "Probe x₁", MLM_FLOAT, offsetof(pg_desc, px), -PG_BOX, PG_BOX, 0.1, 2, 0, NULL,
     "where the probe starts (press the data panel to move it)"},
    {"py", "Probe x₂", MLM_FLOAT, offsetof(pg_desc, py), -PG_BOX, PG_BOX, 0.1, 3, 0, NULL,
     "where the probe starts"},
};

/* The data panel comes last, right above the controls, with the network above it: the probe
   pressed in one is shown in the other, and both stay on screen while the controls are used. */
enum { P_LOSS, P_ACC, P_WEIGHTS, P_NET, P_DATA, PG_N_PANELS };

static const mlm_panel pg_panels[] = {
    [P_DATA] = {"data", "Data and decision boundary (press to probe a point)", "x₁", "x₂",
                MLM_PANEL_WIDE | MLM_PANEL_EQUAL | MLM_PANEL_NOAXES | MLM_PANEL_POINTER, NULL},
    [P_LOSS] = {"loss", "Loss", "step", "cross-entropy",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
    [P_ACC] = {"acc", "Accuracy", "step", "% right", MLM_PANEL_AUTO_X, NULL},
    [P_WEIGHTS] = {"weights", "Weights", "w", "how many", MLM_PANEL_AUTO_Y, NULL},
    [P_NET] = {"net", "The network, and the probe's forward pass", NULL, NULL,
               MLM_PANEL_WIDE | MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
};

enum {
    V_FIELD, V_TRAIN, V_TEST, V_PROBE,
    V_EDGES, V_TILES, V_NAMES, V_VALS, V_PROBE_TEXT,
    V_LOSS_TRAIN, V_LOSS_TEST, V_ACC_TRAIN, V_ACC_TEST, V_HIST,
    V_TRAIN_LOSS, V_TEST_LOSS, V_TRAIN_ACC, V_TEST_ACC,
    PG_N_VIEWS
};

static const mlm_view pg_views[] = {
    [V_FIELD] = {"boundary", "data", MLM_VIEW_FIELD, "P(class 1) − ½", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    /* class 0 is drawn in colour 6 (orange, as the heatmap where it predicts class 0) and class 1
       in colour 6 + (-1) = 5 (blue): see pg_points */
    [V_TRAIN] = {"train", "data", MLM_VIEW_POINTS, "training points", 6, 0},
    [V_TEST] = {"test", "data", MLM_VIEW_POINTS, "test points", 6, MLM_VIEW_FAINT},
    [V_PROBE] = {"probe", "data", MLM_VIEW_MARKERS, "probe", 0, 0},
    [V_EDGES] = {"edges", "net", MLM_VIEW_EDGES, "weights", 0, MLM_COLOR_DIVERGING},
    [V_TILES] = {"units", "net", MLM_VIEW_TILES, "units", 0, MLM_COLOR_DIVERGING},
    [V_NAMES] = {"features", "net", MLM_VIEW_LABELS, "features", 0, 0},
    [V_VALS] = {"values", "net", MLM_VIEW_LABELS, "activations at the probe", 0, 0},
    [V_PROBE_TEXT] = {"probe_text", "net", MLM_VIEW_TEXT, "", 0, 0},
    [V_LOSS_TRAIN] = {"loss_train", "loss", MLM_VIEW_CURVE, "training", 5, MLM_VIEW_LEGEND},
    [V_LOSS_TEST] = {"loss_test", "loss", MLM_VIEW_CURVE, "test", 6, MLM_VIEW_LEGEND},
    [V_ACC_TRAIN] = {"acc_train", "acc", MLM_VIEW_CURVE, "training", 5, MLM_VIEW_LEGEND},
    [V_ACC_TEST] = {"acc_test", "acc", MLM_VIEW_CURVE, "test", 6, MLM_VIEW_LEGEND},
    [V_HIST] = {"weight_hist", "weights", MLM_VIEW_BARS, "weights", 3, 0},
    [V_TRAIN_LOSS] = {"train_loss", NULL, MLM_VIEW_SCALAR, "training loss", 0, 0},
    [V_TEST_LOSS] = {"test_loss", NULL, MLM_VIEW_SCALAR, "test loss", 0, 0},
    [V_TRAIN_ACC] = {"train_acc", NULL, MLM_VIEW_SCALAR, "training accuracy", 0, MLM_SCALAR_PERCENT},
    [V_TEST_ACC] = {"test_acc", NULL, MLM_VIEW_SCALAR, "test accuracy", 0, MLM_SCALAR_PERCENT},
};

_Static_assert(MLM_COUNT(pg_views) == PG_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(pg_panels) == PG_N_PANELS, "one declaration per panel");

#define PG_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)

/* Parameters of the largest network: 7 features, 6 hidden layers of 8, one output. */
#define PG_P_MAX (MLP_FEAT_COUNT * PG_WMAX + 5 * PG_WMAX * PG_WMAX + PG_WMAX + 6 * PG_WMAX + 1)

#define PG_CONST_BYTES                                                                        \
    (PG_A16(sizeof(pg_data)) + PG_A16(sizeof(double) * PG_N_MAX * MLP_FEAT_COUNT) +            \
     PG_A16(sizeof(double) * PG_N_MAX) + 2 * PG_A16(sizeof(float) * 3 * PG_N_MAX) +            \
     PG_A16(sizeof(float) * PG_GRID * PG_GRID) + PG_A16(sizeof(double) * PG_GRID * MLP_FEAT_COUNT) + \
     PG_A16(sizeof(float) * PG_TILES * (3 + PG_TILE * PG_TILE)) +                             \
     PG_A16(sizeof(float) * PG_TILE * PG_TILE) + PG_A16(sizeof(float) * 5 * PG_EDGES) +        \
     PG_A16(sizeof(float) * 2 * MLP_FEAT_COUNT) + PG_A16(PG_LABEL * MLP_FEAT_COUNT + 1) +      \
     PG_A16(sizeof(float) * 2 * PG_TILES) + PG_A16(PG_LABEL * PG_TILES + 1))

/* The largest network: 7 features, 6 hidden layers of 8, one output, the largest batch. */
#define PG_MLP_BYTES_MAX MLP_BYTES_MAX(MLP_FEAT_COUNT, PG_WMAX, PG_HMAX, 1, PG_BATCH_MAX)
#define PG_STATE_BYTES                                                                        \
    (PG_A16(sizeof(pg_state)) + PG_MLP_BYTES_MAX + PG_A16(sizeof(int32_t) * PG_N_MAX) +        \
     PG_A16(sizeof(double) * PG_BATCH_MAX * MLP_FEAT_COUNT) + PG_A16(sizeof(double) * PG_BATCH_MAX) + \
     PG_A16(sizeof(double) * PG_P_MAX) + 4 * PG_A16(sizeof(float) * 2 * PG_HIST))

/* ---- the datasets ---- */
/* The four datasets are the book's shared ones (engine/core/datasets2d.c), drawn from the run's
   generator; the playground's choices are their first four kinds, in the same order. */
_Static_assert((int)PG_CIRCLES == (int)MLM_D2_CIRCLES && (int)PG_XOR == (int)MLM_D2_XOR &&
                   (int)PG_GAUSS == (int)MLM_D2_GAUSS && (int)PG_SPIRAL == (int)MLM_D2_SPIRAL,
               "the playground's datasets are datasets2d's first four");

/* Class 0 in the view's colour, class 1 in the colour before it (see pg_views). */
static float pg_point_class(double label) { return label > 0.5 ? -1.0f : 0.0f; }

/* ---- training ---- */

static void pg_evaluate(pg_state *s, int test, double *loss, double *acc) {
    pg_data *c = s->c;
    int from = test ? s->M : 0, count = test ? s->T : s->M;
    if (count <= 0) {
        if (loss) *loss = 0;
        if (acc) *acc = 0;
        return;
    }
    mlp_evaluate(&s->net, c->x + (size_t)from * s->F, c->y + from, count, loss, acc);
}

static void pg_record(mlm_instance *in, pg_state *s, int64_t step) {
    (void)in;
    double tr, te, atr, ate;
    pg_evaluate(s, 0, &tr, &atr);
    pg_evaluate(s, 1, &te, &ate);
    /* a loss of exactly 0 cannot go on a log axis; non-finite ones never reach a view */
    if (mlm_isfinite(tr)) mlm_series_push(&s->hist_train, (double)step, fmax(tr, 1e-30));
    if (mlm_isfinite(te)) mlm_series_push(&s->hist_test, (double)step, fmax(te, 1e-30));
    mlm_series_push(&s->acc_train, (double)step, 100 * atr);
    mlm_series_push(&s->acc_test, (double)step, 100 * ate);
}

static void *pg_create(mlm_instance *in) {
    const pg_desc *d = in->desc;
    pg_state *s = mlm_alloc(in, sizeof *s);
    pg_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->c = c;
    s->mask = 0;
    for (int k = 0; k < MLP_FEAT_COUNT; k++)
        if (d->feat[k]) s->mask |= 1u << k;
    if (!s->mask) {
        mlm_fail(in, "The network has no input: every feature is switched off. Switch on at least "
                     "one input feature.");
        return NULL;
    }
    double f[MLP_FEAT_COUNT];
    s->F = mlp_features_2d(f, 0, 0, s->mask);
    s->N = d->n;
    s->M = (int)floor(d->train_frac * s->N + 0.5);
    if (s->M < 1) s->M = 1;
    s->T = s->N - s->M;
    s->H = d->layers;
    s->B = d->batch;
    s->act = d->act;
    s->lr = d->lr;

    /* The data: drawn in sample order, then shuffled so training and test both cover every part
       of the pattern (the spiral is generated from the centre outwards). */
    c->x = mlm_alloc_const(in, sizeof(double) * (size_t)s->N * s->F);
    c->y = mlm_alloc_const(in, sizeof(double) * (size_t)s->N);
    c->pts_train = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)s->M);
    c->pts_test = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)(s->T > 0 ? s->T : 1));
    c->field = mlm_alloc_const(in, sizeof(float) * PG_GRID * PG_GRID);
    c->grid_f = mlm_alloc_const(in, sizeof(double) * PG_GRID * MLP_FEAT_COUNT);
    c->tiles = mlm_alloc_const(in, sizeof(float) * PG_TILES * (3 + PG_TILE * PG_TILE));
    c->out_img = mlm_alloc_const(in, sizeof(float) * PG_TILE * PG_TILE);
    c->edges = mlm_alloc_const(in, sizeof(float) * 5 * PG_EDGES);
    c->names_xy = mlm_alloc_const(in, sizeof(float) * 2 * MLP_FEAT_COUNT);
    c->names = mlm_alloc_const(in, PG_LABEL * MLP_FEAT_COUNT + 1);
    c->vals_xy = mlm_alloc_const(in, sizeof(float) * 2 * PG_TILES);
    c->vals = mlm_alloc_const(in, PG_LABEL * PG_TILES + 1);
    if (!c->x || !c->y || !c->pts_train || !c->pts_test || !c->field || !c->grid_f || !c->tiles || !c->out_img ||
        !c->edges || !c->names_xy || !c->names || !c->vals_xy || !c->vals) {
        mlm_fail(in, "out of memory for the data");
        return NULL;
    }
    int32_t order[PG_N_MAX]; /* (N,) a random order of the generated points */
    double pts[PG_N_MAX][2];
    int labels[PG_N_MAX];
    mlm_d2_spec spec = {.kind = d->dataset, .n = s->N, .noise = d->noise};
    mlm_d2_generate(&spec, &in->rng, &pts[0][0], labels, NULL);
    for (int i = 0; i < s->N; i++) order[i] = i;
    mlm_rng_shuffle(&in->rng, order, s->N);
    for (int r = 0; r < s->N; r++) {
        int i = order[r];
        mlp_features_2d(c->x + (size_t)r * s->F, pts[i][0], pts[i][1], s->mask);
        c->y[r] = labels[i];
        float *p = r < s->M ? c->pts_train + 3 * r : c->pts_test + 3 * (r - s->M);
        p[0] = (float)pts[i][0], p[1] = (float)pts[i][1], p[2] = pg_point_class(labels[i]);
    }

    /* The network: F features, the hidden layers, one sigmoid output with the cross-entropy. */
    int sizes[MLP_MAX_LAYERS];
    sizes[0] = s->F;
    for (int l = 0; l < s->H; l++) sizes[1 + l] = d->width[l];
    sizes[s->H + 1] = 1;
    if (mlp_init(in, &s->net, sizes, s->H + 2, s->act, MLP_BCE, s->B)) return NULL;
    s->net.l1 = d->reg == PG_REG_L1 ? d->reg_rate : 0;
    s->net.l2 = d->reg == PG_REG_L2 ? d->reg_rate : 0;
    s->U = mlp_hidden_units(&s->net);

    s->order = mlm_alloc(in, sizeof(int32_t) * (size_t)s->M);
    s->xb = mlm_alloc(in, sizeof(double) * (size_t)s->B * s->F);
    s->yb = mlm_alloc(in, sizeof(double) * (size_t)s->B);
    s->backup = mlm_alloc(in, sizeof(double) * (size_t)s->net.n_params);
    if (!s->order || !s->xb || !s->yb || !s->backup || mlm_series_init(in, &s->hist_train, PG_HIST) ||
        mlm_series_init(in, &s->hist_test, PG_HIST) || mlm_series_init(in, &s->acc_train, PG_HIST) ||
        mlm_series_init(in, &s->acc_test, PG_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    for (int i = 0; i < s->M; i++) s->order[i] = i;
    mlm_rng_shuffle(&in->rng, s->order, s->M);
    s->cursor = 0;

    s->probe[0] = d->px, s->probe[1] = d->py;
    c->field_step = -1;
    for (int k = 0; k < PG_GRID; k++) {
        double t = -PG_BOX + k * ((2 * PG_BOX) / (PG_GRID - 1)); /* as mlp_grid places points */
        mlp_features_2d(c->grid_f + (size_t)k * MLP_FEAT_COUNT, t, t, (1u << MLP_FEAT_COUNT) - 1);
    }
    double dx = s->H <= 2 ? 3.2 : s->H <= 4 ? 2.6 : 2.2;
    for (int k = 0; k <= s->H + 1; k++) s->col_x[k] = k * dx;
    pg_record(in, s, 0);

    for (int p = 0; p < PG_N_PANELS; p++) in->panels[p].hidden = 0;
    mlm_panel_state *pd = &in->panels[P_DATA];
    pd->x0 = pd->y0 = (float)-PG_BOX, pd->x1 = pd->y1 = (float)PG_BOX;
    mlm_panel_state *pa = &in->panels[P_ACC];
    pa->y0 = 0, pa->y1 = 100;
    mlm_panel_state *pw = &in->panels[P_WEIGHTS];
    pw->x0 = (float)(-(PG_BINS / 2 + 1) * PG_BIN_W), pw->x1 = (float)((PG_BINS / 2 + 1) * PG_BIN_W);
    return s;
}

//> train_step
/* One step of mini-batch SGD: the next B training points of this epoch's shuffled order (a new
   order each epoch), a forward pass with their labels, the backward pass, and the update
   w <- w - lr dL/dw, where L is the batch's mean cross-entropy plus the penalty. */
static void pg_step(mlm_instance *in, void *self) {
    pg_state *s = self;
    pg_data *c = s->c;
    int B = s->B < s->M ? s->B : s->M;
    for (int r = 0; r < B; r++) {
        if (s->cursor >= s->M) { /* an epoch is over: every training point seen once */
            mlm_rng_shuffle(&in->rng, s->order, s->M);
            s->cursor = 0;
        }
        int i = s->order[s->cursor++];
        memcpy(s->xb + (size_t)r * s->F, c->x + (size_t)i * s->F, sizeof(double) * (size_t)s->F);
        s->yb[r] = c->y[i];
    }
    memcpy(s->backup, s->net.params, sizeof(double) * (size_t)s->net.n_params);
    double loss = mlp_forward(&s->net, s->xb, s->yb, B, NULL);
    mlp_backward(&s->net);
    mlp_sgd_step(&s->net, s->lr);
    int64_t step = in->steps + 1;
    if (!mlm_isfinite(loss) || !mlp_finite(&s->net)) {
        /* Keep the last finite network on screen and say what happened. */
        memcpy(s->net.params, s->backup, sizeof(double) * (size_t)s->net.n_params);
        mlm_diverged(in, 1,
                     "the loss became infinite at step %lld: each step overshot further than the "
                     "last until the weights overflowed; a learning rate of %.3g is too large "
                     "for this network",
                     (long long)step, s->lr);
        return;
    }
    if (step % PG_EVAL_EVERY == 0) pg_record(in, s, step);
}
//< train_step

/* ---- drawing ---- */

static float pg_safe(double v) {
    if (!(v == v)) return 0.0f;
    return (float)mlm_clamp(v, -1e30, 1e30);
}

/* A unit's value in a few characters: 2 decimals while small, 3 significant digits beyond. */
static int pg_format(char *buf, size_t n, double v) {
    v = pg_safe(v);
    if (fabs(v) < 9.995) return snprintf(buf, n, "%.2f", v);
    return snprintf(buf, n, "%.3g", v);
}

static double pg_unit_y(int j, int n) { return ((n - 1) * 0.5 - j) * PG_DY; }

static const char *const pg_feat_names[MLP_FEAT_COUNT] = {"x₁", "x₂", "x₁²", "x₂²", "x₁x₂",
                                                          "sin x₁", "sin x₂"};

//> probe
/* The forward pass of the probe point, unit by unit: its features, every hidden unit's
   activation (mlp_predict_units), and the output probability. vals (F + U + 1,). */
static void pg_probe_values(const pg_state *s, double *vals) {
    double f[MLP_FEAT_COUNT], out[1];
    mlp_features_2d(f, s->probe[0], s->probe[1], s->mask);
    memcpy(vals, f, sizeof(double) * (size_t)s->F);
    mlp_predict_units(&s->net, f, out, vals + s->F);
    vals[s->F + s->U] = out[0];
}
//< probe

//> boundary
/* The decision boundary: P(class 1) - 1/2 at every point of the G x G grid over the square, the
   heatmap under the data. This is the drawing's main cost (G² forward passes every frame), so the
   features of the grid's columns (x1, x1², sin x1) and rows (x2, x2², sin x2) are computed once,
   in create, and a point's features are assembled from them: the same numbers as
   mlp_features_2d gives, without two sines per point. */
static void pg_boundary_rows(pg_state *s, int parity) {
    const pg_data *c = s->c;
    double f[MLP_FEAT_COUNT], out[1];
    for (int r = parity; r < PG_GRID; r += 2) {
        const double *row = c->grid_f + (size_t)r * MLP_FEAT_COUNT; /* the features at x = y_r */
        for (int q = 0; q < PG_GRID; q++) {
            const double *col = c->grid_f + (size_t)q * MLP_FEAT_COUNT;
            int n = 0;
            if (s->mask & MLP_FEAT_X1) f[n++] = col[0];
            if (s->mask & MLP_FEAT_X2) f[n++] = row[0];
            if (s->mask & MLP_FEAT_X1SQ) f[n++] = col[2];
            if (s->mask & MLP_FEAT_X2SQ) f[n++] = row[2];
            if (s->mask & MLP_FEAT_X1X2) f[n++] = col[0] * row[0];
            if (s->mask & MLP_FEAT_SIN1) f[n++] = col[5];
            if (s->mask & MLP_FEAT_SIN2) f[n++] = row[5];
            mlp_predict(&s->net, f, out);
            c->field[r * PG_GRID + q] = pg_safe(out[0] - 0.5);
        }
    }
}
//< boundary

static void pg_draw(mlm_instance *in, void *self) {
    pg_state *s = self;
    pg_data *c = s->c;
    const mlp *net = &s->net;
    const int S = PG_TILE, stride = 3 + PG_TILE * PG_TILE, K = s->F + s->U + 1;

    /* The whole grid, once per step drawn: a picture made of rows from different frames would
       depend on when frames were drawn, and a restored checkpoint would not show what it showed
       before. */
    int fresh = c->field_step != in->steps;
    if (fresh) {
        pg_boundary_rows(s, 0);
        pg_boundary_rows(s, 1);
        c->field_step = in->steps;
        uint32_t h = 2166136261u;
        const unsigned char *b = (const unsigned char *)c->field;
        for (size_t k = 0; k < sizeof(float) * PG_GRID * PG_GRID; k++) h = (h ^ b[k]) * 16777619u;
        c->field_hash = h;
    }

    /* every hidden unit's image straight into its tile, and the output's into a scratch image */
    mlp_grid_desc gt = {-PG_BOX, PG_BOX, -PG_BOX, PG_BOX, S, S, s->mask, 0, c->out_img,
                        s->U ? c->tiles + (size_t)s->F * stride + 3 : NULL, stride, 1};
    mlp_grid(net, &gt);
    float *out_tile = c->tiles + (size_t)(s->F + s->U) * stride + 3;
    for (int r = 0; r < S; r++)
        for (int q = 0; q < S; q++) out_tile[(S - 1 - r) * S + q] = pg_safe(c->out_img[r * S + q] - 0.5f);
    /* the features' images (they never change, but they share the buffer) */
    for (int r = 0; r < S; r++) {
        double y = PG_BOX - r * (2 * PG_BOX) / (S - 1);
        for (int q = 0; q < S; q++) {
            double x = -PG_BOX + q * (2 * PG_BOX) / (S - 1), f[MLP_FEAT_COUNT];
            mlp_features_2d(f, x, y, s->mask);
            for (int k = 0; k < s->F; k++) c->tiles[(size_t)k * stride + 3 + r * S + q] = (float)f[k];
        }
    }
    for (int k = s->F; k < K - 1; k++)
        for (int p = 0; p < S * S; p++) c->tiles[(size_t)k * stride + 3 + p] = pg_safe(c->tiles[(size_t)k * stride + 3 + p]);

    /* the diagram: positions of every tile, the edges between them, names and probe values */
    double vals[PG_TILES];
    pg_probe_values(s, vals);
    int L = net->L, t = 0, e = 0;
    char *vp = c->vals;
    for (int l = 0; l < L; l++) {
        int n = net->sizes[l];
        double x = s->col_x[l], size = l == L - 1 ? PG_S_OUT : PG_S;
        for (int j = 0; j < n; j++, t++) {
            double y = pg_unit_y(j, n);
            float *tile = c->tiles + (size_t)t * stride;
            tile[0] = (float)x, tile[1] = (float)y, tile[2] = (float)size;
            /* the probe's value just right of the tile, a little above its middle, where the
               edges leaving it fan out least */
            c->vals_xy[2 * t] = (float)(x + size / 2 + 0.45), c->vals_xy[2 * t + 1] = (float)(y + 0.2);
            char buf[PG_LABEL];
            pg_format(buf, sizeof buf, vals[t]);
            vp += snprintf(vp, PG_LABEL, "%s\n", buf);
            if (l == 0) c->names_xy[2 * j] = (float)(x - PG_S / 2 - 0.6), c->names_xy[2 * j + 1] = (float)y;
            if (l == 0) continue;
            int I = net->sizes[l - 1];
            for (int i = 0; i < I; i++, e++) { /* from the right side of unit i to our left side */
                float *ed = c->edges + 5 * e;
                ed[0] = (float)(s->col_x[l - 1] + PG_S / 2), ed[1] = (float)pg_unit_y(i, I);
                ed[2] = (float)(x - size / 2), ed[3] = (float)y;
                ed[4] = pg_safe(net->W[l][(size_t)j * I + i]);
            }
        }
    }
    /* feature names, in mask order */
    char *np = c->names;
    for (int k = 0, j = 0; k < MLP_FEAT_COUNT; k++)
        if (s->mask & (1u << k)) np += snprintf(np, PG_LABEL, "%s%s", j++ ? "\n" : "", pg_feat_names[k]);

    mlm_view_state *v = in->views;
    v[V_FIELD] = (mlm_view_state){.data = c->field, .w = PG_GRID, .h = PG_GRID,
                                  .version = c->field_hash, .x0 = (float)-PG_BOX,
                                  .x1 = (float)PG_BOX, .y0 = (float)-PG_BOX, .y1 = (float)PG_BOX,
                                  .lo = -1.0f, .hi = 1.0f};
    v[V_TRAIN].data = c->pts_train, v[V_TRAIN].count = s->M;
    v[V_TEST].data = c->pts_test, v[V_TEST].count = s->T;
    c->probe_mark[0] = (float)s->probe[0], c->probe_mark[1] = (float)s->probe[1];
    v[V_PROBE].data = c->probe_mark, v[V_PROBE].count = 1;
    v[V_EDGES].data = c->edges, v[V_EDGES].count = e, v[V_EDGES].lo = 0, v[V_EDGES].hi = 0;
    v[V_TILES].data = c->tiles, v[V_TILES].count = K, v[V_TILES].w = S, v[V_TILES].h = S;
    v[V_NAMES].data = c->names_xy, v[V_NAMES].count = s->F, v[V_NAMES].text = c->names;
    v[V_VALS].data = c->vals_xy, v[V_VALS].count = K, v[V_VALS].text = c->vals;
    snprintf(c->probe_text, sizeof c->probe_text, "probe (%.1f, %.1f): P(class 1) = %.2f",
             s->probe[0], s->probe[1], pg_safe(vals[K - 1]));
    v[V_PROBE_TEXT].text = c->probe_text;
    mlm_series_view(in, V_LOSS_TRAIN, &s->hist_train);
    mlm_series_view(in, V_LOSS_TEST, &s->hist_test);
    mlm_series_view(in, V_ACC_TRAIN, &s->acc_train);
    mlm_series_view(in, V_ACC_TEST, &s->acc_test);

    /* the weight histogram (biases are not penalised, so they are left out) */
    for (int b = 0; b < PG_BINS; b++) c->hist[2 * b] = (float)((b - PG_BINS / 2) * PG_BIN_W), c->hist[2 * b + 1] = 0;
    for (int l = 1; l < L; l++)
        for (int k = 0; k < net->sizes[l] * net->sizes[l - 1]; k++) {
            double b = floor(net->W[l][k] / PG_BIN_W + 0.5) + PG_BINS / 2;
            c->hist[2 * (int)mlm_clamp(b, 0, PG_BINS - 1) + 1] += 1;
        }
    v[V_HIST].data = c->hist, v[V_HIST].count = PG_BINS;

    double tr, te, atr, ate;
    pg_evaluate(s, 0, &tr, &atr);
    pg_evaluate(s, 1, &te, &ate);
    /* after a divergence the last finite network can still have weights near the largest double,
       whose forward passes give inf - inf: such a loss is left out rather than shown as 0 */
    v[V_TRAIN_LOSS].value = pg_safe(tr), v[V_TEST_LOSS].value = pg_safe(te);
    v[V_TRAIN_ACC].value = pg_safe(100 * atr), v[V_TEST_ACC].value = pg_safe(100 * ate);
    v[V_TRAIN_LOSS].hidden = !mlm_isfinite(tr);
    v[V_TEST_LOSS].hidden = !mlm_isfinite(te);

    mlm_panel_state *pn = &in->panels[P_NET];
    double ymax = 0;
    for (int l = 0; l < L; l++) ymax = fmax(ymax, pg_unit_y(0, net->sizes[l]));
    ymax = fmax(ymax + PG_S / 2, PG_S_OUT / 2);
    pn->x0 = (float)(-PG_S / 2 - 1.2), pn->x1 = (float)(s->col_x[L - 1] + PG_S_OUT / 2 + 0.9);
    pn->y0 = (float)(-ymax - 0.1), pn->y1 = (float)(ymax + 0.7); /* room above for the readout */
}

static int pg_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    (void)in, (void)kind;
    pg_state *s = self;
    if (panel != P_DATA) return 0;
    /* to the link's precision, so that a link restores exactly the point shown */
    s->probe[0] = floor(mlm_clamp(x, -PG_BOX, PG_BOX) * 100 + 0.5) / 100;
    s->probe[1] = floor(mlm_clamp(y, -PG_BOX, PG_BOX) * 100 + 0.5) / 100;
    return 0; /* looking at a point trains nothing: no restart */
}

/* ---- the reader's input: the probe point, as "x~y" with two decimals ("2.5~-1.25") ---- */

static int pg_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    const pg_desc *d = in->desc;
    const pg_state *s = self;
    if (s->probe[0] == d->px && s->probe[1] == d->py) return 0; /* where it starts: nothing to keep */
    int len = snprintf(buf, n, "%.2f~%.2f", s->probe[0], s->probe[1]);
    return len > 0 && (size_t)len < n ? len : 0;
}

/* One number of the form -?d+(.d{1,2})?, from *p, in [-PG_BOX, PG_BOX]; -1 if it is not one. */
static int pg_read_number(const char **p, double *v) {
    const char *c = *p;
    int neg = *c == '-';
    c += neg;
    if (!(*c >= '0' && *c <= '9')) return -1;
    double x = 0;
    int digits = 0;
    for (; *c >= '0' && *c <= '9'; c++, digits++) x = 10 * x + (*c - '0');
    if (digits > 2) return -1;
    if (*c == '.') {
        c++;
        int dec = 0;
        for (double unit = 0.1; *c >= '0' && *c <= '9'; c++, dec++, unit /= 10) x += unit * (*c - '0');
        if (dec < 1 || dec > 2) return -1;
    }
    x = floor(x * 100 + 0.5) / 100; /* the same double as the pointer stores */
    if (x > PG_BOX) return -1;
    *v = neg ? -x : x;
    *p = c;
    return 0;
}

static int pg_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    pg_state *s = self;
    double x, y;
    const char *c = text;
    if (pg_read_number(&c, &x) || *c++ != '~' || pg_read_number(&c, &y) || *c) return -1;
    s->probe[0] = x, s->probe[1] = y;
    return 0;
}

/* Layer k's width matters only while there are at least k layers; the penalty's strength only
   with a penalty. */
static const mlm_when pg_when[] = {
    {"n1", "layers>=1"}, {"n2", "layers>=2"}, {"n3", "layers>=3"},
    {"n4", "layers>=4"}, {"n5", "layers>=5"}, {"n6", "layers>=6"},
    {"reg_rate", "reg=l1|l2"},
};

const mlm_module mlm_module_playground = {
    .name = "playground",
    .title = "The neural network playground",
    .params = pg_params,
    .n_params = MLM_COUNT(pg_params),
    .desc_size = sizeof(pg_desc),
    .panels = pg_panels,
    .n_panels = PG_N_PANELS,
    .views = pg_views,
    .n_views = PG_N_VIEWS,
    .state_bytes = PG_STATE_BYTES,
    .const_bytes = PG_CONST_BYTES,
    .speed = 12000,
    .t_max = 20000,
    .worker = 1,
    .random = 1,
    .create = pg_create,
    .step = pg_step,
    .draw = pg_draw,
    .pointer = pg_pointer,
    .when = pg_when,
    .n_when = MLM_COUNT(pg_when),
    .input_get = pg_input_get,
    .input_set = pg_input_set,
};
