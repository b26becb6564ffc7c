/* evaluation.c: the engine of chapter 32, "Judging a classifier". Six of the book's classifiers,
 * trained side by side on one 2-D dataset and judged by k-fold cross-validation:
 *
 *   logistic regression   (engine/core/classify.h: Newton's method, IRLS)      score p(1 | x)
 *   naive Bayes           (classify.h: one Gaussian per class and coordinate)  score P(1 | x)
 *   k-nearest neighbours  (classify.h: k votes)                               score: share of votes for 1
 *   a support vector machine (engine/core/svm.h: SMO, RBF kernel)              score sigma(f(x))
 *   a decision tree       (engine/core/tree.h: CART, Gini)                     score: its leaf's share of 1
 *   a small network       (engine/core/mlp.h: 2-8-8-1 tanh, Adam)             score p(1 | x)
 *
 * The points are dealt into k folds (stratified: engine/core/metrics.h). Step j trains every
 * classifier on the points outside fold j and scores the points of fold j, which the models have
 * never seen; after k steps every point has one such out-of-fold score per classifier, and the
 * ROC and precision-recall curves, AUC and average precision are computed from those scores
 * (engine/core/metrics.h). Each step also scores a grid over the plane with the models it trained,
 * for the regions behind the points.
 *
 * The threshold t turns a score into a decision (positive when s >= t). It is the reader's input,
 * not a parameter, so moving it never retrains anything: pressing or dragging in the score
 * histogram sets t; pressing a curve picks the nearest point of any classifier's curve (that
 * classifier and that point's threshold), dragging then slides along that classifier's curve.
 * One point moves along each curve, and the confusion matrix, precision, recall, F1 and accuracy
 * are those of the chosen classifier at t.
 *
 * Shapes: N points (EV_N_MAX), P positives; x (N, 2); y (N,) 0 / 1; fold (N,) 0..k-1;
 * C = 6 classifiers; oof (C, N) out-of-fold scores; curves (C, N + 1) points; grid (C, G, G).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "datasets2d.h"
#include "detmath.h"
#include "metrics.h"
#include "mlm.h"
#include "mlp.h"
#include "optim.h"
#include "svm.h"
#include "tree.h"

#define EV_N_MAX 300
#define EV_FOLDS_MAX 10
#define EV_C 6
#define EV_G 32          /* side of each classifier's score grid */
#define EV_BINS 20       /* score histogram */
#define EV_H 8           /* the network's hidden units per layer */
#define EV_BATCH 32      /* its mini-batch */
#define EV_EPOCHS 120    /* its epochs per fold */
#define EV_DEPTH_MAX 12
#define EV_KNN_MAX 50
#define EV_SVM_C 1.0     /* the SVM's box bound C */
#define EV_SVM_GAMMA 0.5 /* its RBF width: K = exp(-gamma |x - z|^2) */
#define EV_SVM_STEPS 200000
#define EV_LR_L2 1e-3    /* a little L2 keeps logistic regression finite on separable data */
#define EV_LR_ITERS 50
#define EV_T_DEFAULT 500000 /* the threshold in millionths: 0.5 */

enum { EV_LOGISTIC, EV_BAYES, EV_KNN, EV_SVM, EV_TREE, EV_MLP };
static const char *const ev_name[EV_C] = {"logistic regression", "naive Bayes", "k-NN", "SVM", "tree", "network"};
/* each classifier's colour (palette index), for its curves and its threshold point */
static const int ev_color[EV_C] = {MLM_BLUE, MLM_ORANGE, MLM_GREEN, MLM_PURPLE, MLM_SKY_BLUE, MLM_VERMILION};

enum { EV_MOONS, EV_OVERLAP, EV_CIRCLES, EV_XOR };

typedef struct {
    int data;   /* EV_MOONS.. ; default moons */
    int n;      /* points; default 200 */
    double noise; /* default 0.6 */
    int pos;    /* positives, % of the points; default 50 */
    int folds;  /* k; default 5 */
    int knn_k;  /* neighbours; default 15 */
    int depth;  /* the tree's depth limit; default 4 */
} ev_desc;

/* Scratch for one fold's training: used within a step only, never read by draw, so it lives in
   the constant block (checkpoints skip it; every step fills it afresh). */
typedef struct {
    double gx[2 * EV_N_MAX][2]; /* (2N, 2) the generator's points, before the classes are cut */
    int gy[2 * EV_N_MAX];
    double xtr[EV_N_MAX][2]; /* (M, 2) the training points of this fold */
    double x3[EV_N_MAX][3];  /* (M, 3) with the constant 1, for logistic regression */
    double ytr_d[EV_N_MAX];  /* (M,) 0 / 1 */
    int ytr[EV_N_MAX];       /* (M,) */
    int32_t ytr32[EV_N_MAX]; /* (M,) */
    double xs[EV_N_MAX][2];  /* (M, 2) scaled for the network */
    double yb[EV_BATCH];
    double xb[EV_BATCH][2];
    int32_t perm[EV_N_MAX];
    int order[EV_N_MAX + 1], tmp[EV_N_MAX + 1];
    unsigned char *smo_mem;  /* mlm_svm_smo_bytes(EV_N_MAX, 1) */
    unsigned char *tree_mem; /* mlm_tree_bytes(EV_N_MAX, nodes) */
    int tree_cap;
} ev_scratch;

typedef struct {
    ev_scratch *sc;
    int32_t N, P, K;            /* points, positives, folds */
    double x[EV_N_MAX][2];      /* (N, 2) */
    int y[EV_N_MAX];            /* (N,) 0 / 1 */
    int32_t fold[EV_N_MAX];     /* (N,) */
    int32_t done;               /* folds scored so far */
    double oof[EV_C][EV_N_MAX]; /* (C, N) out-of-fold scores, valid where fold < done */
    double auc[EV_C], ap[EV_C];
    double fold_auc[EV_C][EV_FOLDS_MAX];
    int32_t m[EV_C];                       /* curve points */
    float roc[EV_C][EV_N_MAX + 1][2];      /* (C, m, 2) (fpr, tpr) */
    float pr[EV_C][EV_N_MAX + 1][2];       /* (C, m, 2) (recall, precision) */
    double thr[EV_C][EV_N_MAX + 1];        /* (C, m) each point's threshold (the first: +inf) */
    float grid[EV_C][EV_G * EV_G];         /* (C, G, G) the last fold's scores over the box */
    mlp net;
    mlm_opt_state opt;
    /* the reader's input */
    int32_t focus;              /* the classifier the matrix and the regions show */
    int32_t tmicro;             /* the threshold t in millionths, 0..1,000,000 */
    int32_t drag;               /* the panel a press started in (-1: none) */
    /* drawing buffers, rewritten by draw from the state */
    float field[EV_G * EV_G];
    float pts_train[EV_N_MAX][3], pts_held[EV_N_MAX][3];
    float at_roc[EV_C][3], at_pr[EV_C][3];
    float chance[4], base[4];
    float hpos[EV_BINS][2], hneg[EV_BINS][2];
    float tline[4];
    float cm_tiles[4][4];
    float cm_at[8][2];
    char cm_text[160];
    char note[120];
    char folds_text[200];
    char hist_note[80];
    char area_text[EV_C][64];
} ev_state;

static const mlm_param ev_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(ev_desc, data), 0, 3, 1, EV_MOONS, 0,
     "moons:Two moons|overlap:Overlapping clouds|circles:Circles|xor:XOR",
     "the two classes (the positive class is blue)"},
    {"n", "Points", MLM_INT, offsetof(ev_desc, n), 40, EV_N_MAX, 10, 200, 0, NULL, "points in all"},
    {"noise", "Noise", MLM_FLOAT, offsetof(ev_desc, noise), 0, 1, 0.05, 0.6, 0, NULL,
     "how far the points scatter from their pattern"},
    {"pos", "Positives (%)", MLM_INT, offsetof(ev_desc, pos), 5, 50, 1, 50, 0, NULL,
     "the share of the points in the positive class: below 50, the classes are imbalanced"},
    {"folds", "Folds k", MLM_INT, offsetof(ev_desc, folds), 2, EV_FOLDS_MAX, 1, 5, 0, NULL,
     "cross-validation folds: each step trains on k - 1 of them and scores the one held out"},
    {"knn_k", "k-NN: neighbours", MLM_INT, offsetof(ev_desc, knn_k), 1, EV_KNN_MAX, 1, 15, 0, NULL,
     "how many neighbours vote; the score is the share of them that are positive"},
    {"depth", "Tree: depth", MLM_INT, offsetof(ev_desc, depth), 1, EV_DEPTH_MAX, 1, 4, 0, NULL,
     "the tree's depth limit; the score is the share of positives in a point's leaf"},
};

enum { P_DATA, P_ROC, P_PR, P_SCORES, P_CM, P_AREAS, EV_N_PANELS };
static const mlm_panel ev_panels[] = {
    [P_DATA] = {"data", "Held-out fold, regions at t", "x₁", "x₂", MLM_PANEL_EQUAL, NULL},
    [P_ROC] = {"roc", "ROC (press a curve)", "false positive rate", "true positive rate",
               MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_PR] = {"pr", "Precision-recall (press a curve)", "recall", "precision", MLM_PANEL_POINTER, NULL},
    [P_SCORES] = {"scores", "Held-out scores (press: move t)", "score", "points (negatives below 0)",
                  MLM_PANEL_AUTO_Y | MLM_PANEL_POINTER, NULL},
    [P_CM] = {"confusion", "Confusion matrix at t", "", "", MLM_PANEL_NOAXES, NULL},
    [P_AREAS] = {"areas", "Areas under the curves", "", "", MLM_PANEL_NOAXES, NULL},
};

enum {
    V_FIELD, V_TRAIN, V_HELD, V_NOTE,
    V_ROC0, V_CHANCE = V_ROC0 + EV_C, V_ROC_AT,
    V_PR0, V_BASE = V_PR0 + EV_C, V_PR_AT,
    V_HNEG, V_HPOS, V_TLINE, V_HNOTE,
    V_CM, V_CM_LABELS,
    V_S_T, V_S_ACC, V_S_BASE, V_S_PREC, V_S_REC, V_S_F1, V_S_AUC, V_FOLDS,
    V_A0, V_AP0 = V_A0 + EV_C, V_AREA0 = V_AP0 + EV_C,
    EV_N_VIEWS = V_AREA0 + EV_C
};
static const mlm_view ev_views[] = {
    [V_FIELD] = {"regions", "data", MLM_VIEW_FIELD, "score − t", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_TRAIN] = {"train", "data", MLM_VIEW_POINTS, "trained on", MLM_VERMILION, MLM_VIEW_FAINT},
    [V_HELD] = {"held", "data", MLM_VIEW_POINTS, "held out", MLM_VERMILION, 0},
    [V_NOTE] = {"note", "data", MLM_VIEW_TEXT, "", 0, 0},
    [V_ROC0 + 0] = {"roc_logistic", "roc", MLM_VIEW_CURVE, "logistic", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_ROC0 + 1] = {"roc_bayes", "roc", MLM_VIEW_CURVE, "naive Bayes", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_ROC0 + 2] = {"roc_knn", "roc", MLM_VIEW_CURVE, "k-NN", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_ROC0 + 3] = {"roc_svm", "roc", MLM_VIEW_CURVE, "SVM", MLM_PURPLE, MLM_VIEW_LEGEND},
    [V_ROC0 + 4] = {"roc_tree", "roc", MLM_VIEW_CURVE, "tree", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_ROC0 + 5] = {"roc_mlp", "roc", MLM_VIEW_CURVE, "network", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_CHANCE] = {"chance", "roc", MLM_VIEW_SEGMENTS, "chance", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_ROC_AT] = {"roc_at", "roc", MLM_VIEW_POINTS, "at t", MLM_INK, 0},
    [V_PR0 + 0] = {"pr_logistic", "pr", MLM_VIEW_CURVE, "logistic", MLM_BLUE, 0},
    [V_PR0 + 1] = {"pr_bayes", "pr", MLM_VIEW_CURVE, "naive Bayes", MLM_ORANGE, 0},
    [V_PR0 + 2] = {"pr_knn", "pr", MLM_VIEW_CURVE, "k-NN", MLM_GREEN, 0},
    [V_PR0 + 3] = {"pr_svm", "pr", MLM_VIEW_CURVE, "SVM", MLM_PURPLE, 0},
    [V_PR0 + 4] = {"pr_tree", "pr", MLM_VIEW_CURVE, "tree", MLM_SKY_BLUE, 0},
    [V_PR0 + 5] = {"pr_mlp", "pr", MLM_VIEW_CURVE, "network", MLM_VERMILION, 0},
    [V_BASE] = {"pr_chance", "pr", MLM_VIEW_SEGMENTS, "chance: P / n", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_PR_AT] = {"pr_at", "pr", MLM_VIEW_POINTS, "at t", MLM_INK, 0},
    [V_HNEG] = {"hist_neg", "scores", MLM_VIEW_BARS, "negatives", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_HPOS] = {"hist_pos", "scores", MLM_VIEW_BARS, "positives", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_TLINE] = {"threshold", "scores", MLM_VIEW_SEGMENTS, "threshold t", MLM_INK, MLM_VIEW_LEGEND},
    [V_HNOTE] = {"hist_note", "scores", MLM_VIEW_TEXT, "", 0, 0},
    [V_CM] = {"matrix", "confusion", MLM_VIEW_TILES, "counts", 0, MLM_COLOR_GRAY},
    [V_CM_LABELS] = {"matrix_labels", "confusion", MLM_VIEW_LABELS, "counts", 0, 0},
    [V_S_T] = {"t", NULL, MLM_VIEW_SCALAR, "threshold t", 0, 0},
    [V_S_ACC] = {"acc", NULL, MLM_VIEW_SCALAR, "accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_BASE] = {"base", NULL, MLM_VIEW_SCALAR, "always negative", 0, MLM_SCALAR_PERCENT},
    [V_S_PREC] = {"precision", NULL, MLM_VIEW_SCALAR, "precision", 0, 0},
    [V_S_REC] = {"recall", NULL, MLM_VIEW_SCALAR, "recall", 0, 0},
    [V_S_F1] = {"f1", NULL, MLM_VIEW_SCALAR, "F1", 0, 0},
    [V_S_AUC] = {"auc", NULL, MLM_VIEW_SCALAR, "AUC", 0, 0},
    [V_FOLDS] = {"folds_auc", NULL, MLM_VIEW_TEXT, "", 0, 0},
    [V_A0 + 0] = {"auc_logistic", "areas", MLM_VIEW_SCALAR, "AUC, logistic", 0, 0},
    [V_A0 + 1] = {"auc_bayes", "areas", MLM_VIEW_SCALAR, "AUC, naive Bayes", 0, 0},
    [V_A0 + 2] = {"auc_knn", "areas", MLM_VIEW_SCALAR, "AUC, k-NN", 0, 0},
    [V_A0 + 3] = {"auc_svm", "areas", MLM_VIEW_SCALAR, "AUC, SVM", 0, 0},
    [V_A0 + 4] = {"auc_tree", "areas", MLM_VIEW_SCALAR, "AUC, tree", 0, 0},
    [V_A0 + 5] = {"auc_mlp", "areas", MLM_VIEW_SCALAR, "AUC, network", 0, 0},
    [V_AP0 + 0] = {"ap_logistic", "areas", MLM_VIEW_SCALAR, "AP, logistic", 0, 0},
    [V_AP0 + 1] = {"ap_bayes", "areas", MLM_VIEW_SCALAR, "AP, naive Bayes", 0, 0},
    [V_AP0 + 2] = {"ap_knn", "areas", MLM_VIEW_SCALAR, "AP, k-NN", 0, 0},
    [V_AP0 + 3] = {"ap_svm", "areas", MLM_VIEW_SCALAR, "AP, SVM", 0, 0},
    [V_AP0 + 4] = {"ap_tree", "areas", MLM_VIEW_SCALAR, "AP, tree", 0, 0},
    [V_AP0 + 5] = {"ap_mlp", "areas", MLM_VIEW_SCALAR, "AP, network", 0, 0},
    /* the twelve areas are read by the chapter's run blocks from the scalars above; the panel
       shows them two to a line, one line per classifier, which fits a phone */
    [V_AREA0 + 0] = {"area_logistic", "areas", MLM_VIEW_TEXT, "", 0, 0},
    [V_AREA0 + 1] = {"area_bayes", "areas", MLM_VIEW_TEXT, "", 0, 0},
    [V_AREA0 + 2] = {"area_knn", "areas", MLM_VIEW_TEXT, "", 0, 0},
    [V_AREA0 + 3] = {"area_svm", "areas", MLM_VIEW_TEXT, "", 0, 0},
    [V_AREA0 + 4] = {"area_tree", "areas", MLM_VIEW_TEXT, "", 0, 0},
    [V_AREA0 + 5] = {"area_mlp", "areas", MLM_VIEW_TEXT, "", 0, 0},
};
_Static_assert(MLM_COUNT(ev_views) == EV_N_VIEWS, "one declaration per view");

static const int ev_sizes[4] = {2, EV_H, EV_H, 1};

#define EV_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define EV_MLP_P (2 * EV_H + EV_H + EV_H * EV_H + EV_H + EV_H + 1)
#define EV_STATE_BYTES                                                                     \
    (EV_A16(sizeof(ev_state)) + MLP_BYTES_MAX(2, EV_H, 2, 1, EV_BATCH) + EV_A16(3 * sizeof(double) * EV_MLP_P))
/* the tree's nodes: a tree on M points has at most 2M - 1 (mlm_tree_max_nodes) */
#define EV_TREE_NODES (2 * EV_N_MAX - 1)
/* the scratch, SMO's multipliers, gradient and kernel cache (mlm_svm_smo_bytes(N, 1)), and the
   tree (mlm_tree_bytes(N, EV_TREE_NODES)); ev_create checks both against the functions */
#define EV_SMO_BYTES (4 * (size_t)EV_N_MAX * sizeof(double) + (size_t)EV_N_MAX * EV_N_MAX * sizeof(double))
#define EV_TREE_BYTES (EV_A16((size_t)EV_TREE_NODES * sizeof(mlm_tree_node)) + 3 * EV_A16((size_t)EV_N_MAX * sizeof(int32_t)))
#define EV_CONST_BYTES (EV_A16(sizeof(ev_scratch)) + EV_A16(EV_SMO_BYTES) + EV_A16(EV_TREE_BYTES))

/* ---- the data and the folds ---- */

static void ev_data(mlm_instance *in, ev_state *s) {
    const ev_desc *d = in->desc;
    static const int kinds[4] = {MLM_D2_MOONS, MLM_D2_OVERLAP, MLM_D2_CIRCLES, MLM_D2_XOR};
    /* twice the points, balanced, from the book's generator; the first P positives and N - P
       negatives of them make the dataset, so the share of positives is exact */
    double(*gx)[2] = s->sc->gx;
    int *gy = s->sc->gy;
    mlm_d2_spec spec = {.kind = kinds[d->data], .n = 2 * d->n, .noise = d->noise};
    mlm_d2_generate(&spec, &in->rng, &gx[0][0], gy, NULL);
    int P = (int)floor(d->n * d->pos / 100.0 + 0.5);
    if (P < d->folds) P = d->folds; /* at least one positive in every fold */
    int want[2] = {d->n - P, P}, got[2] = {0, 0}, n = 0;
    for (int i = 0; i < 2 * d->n && n < d->n; i++) {
        int c = gy[i] != 0;
        if (got[c] >= want[c]) continue;
        got[c]++;
        s->x[n][0] = gx[i][0], s->x[n][1] = gx[i][1], s->y[n] = c, n++;
    }
    s->N = n;
    s->P = got[1];
    s->K = d->folds;
    int32_t tmp[EV_N_MAX];
    mlm_kfold_stratified(s->N, s->K, s->y, &in->rng, s->fold, tmp);
}

static void *ev_create(mlm_instance *in) {
    ev_state *s = mlm_alloc(in, sizeof *s);
    ev_scratch *sc = mlm_alloc_const(in, sizeof *sc);
    if (!s || !sc) return NULL;
    s->sc = sc;
    sc->tree_cap = EV_TREE_NODES;
    if (mlm_svm_smo_bytes(EV_N_MAX, 1) > EV_SMO_BYTES || mlm_tree_bytes(EV_N_MAX, EV_TREE_NODES) > EV_TREE_BYTES ||
        mlm_tree_max_nodes(EV_N_MAX, 0) > EV_TREE_NODES) {
        mlm_fail(in, "evaluation: the SVM's or the tree's memory bound is out of date");
        return NULL;
    }
    sc->smo_mem = mlm_alloc_const(in, EV_SMO_BYTES);
    sc->tree_mem = mlm_alloc_const(in, EV_TREE_BYTES);
    if (!sc->smo_mem || !sc->tree_mem) return NULL;
    ev_data(in, s);
    if (mlp_init(in, &s->net, ev_sizes, 4, MLP_TANH, MLP_BCE, EV_BATCH)) return NULL;
    double *ob = mlm_alloc(in, mlm_opt_bytes(s->net.n_params));
    if (!ob) return NULL;
    mlm_opt_init(&s->opt, ob, s->net.n_params);
    s->focus = EV_LOGISTIC, s->tmicro = EV_T_DEFAULT, s->drag = -1;
    for (int p = 0; p < EV_N_PANELS; p++) in->panels[p].x0 = 0, in->panels[p].x1 = 1, in->panels[p].y0 = 0, in->panels[p].y1 = 1;
    in->panels[P_DATA].x0 = in->panels[P_DATA].y0 = (float)-MLM_D2_BOX;
    in->panels[P_DATA].x1 = in->panels[P_DATA].y1 = (float)MLM_D2_BOX;
    in->panels[P_ROC].x0 = in->panels[P_ROC].y0 = -0.02f, in->panels[P_ROC].x1 = in->panels[P_ROC].y1 = 1.02f;
    in->panels[P_PR].x0 = in->panels[P_PR].y0 = -0.02f, in->panels[P_PR].x1 = in->panels[P_PR].y1 = 1.02f;
    in->panels[P_SCORES].x0 = 0, in->panels[P_SCORES].x1 = 1;
    in->panels[P_CM].x0 = -1.05f, in->panels[P_CM].x1 = 1.6f, in->panels[P_CM].y0 = -0.65f, in->panels[P_CM].y1 = 1.85f;
    return s;
}

/* ---- training one fold: each classifier fitted to the training points, then its scores ---- */

/* The network: fresh weights, EV_EPOCHS epochs of Adam on shuffled mini-batches of the
   cross-entropy, inputs scaled by 1/3 (so the box is about [-2, 2]). */
static void ev_train_mlp(mlm_instance *in, ev_state *s, int M) {
    ev_scratch *sc = s->sc;
    mlp_init_params(&s->net, &in->rng);
    mlm_opt_hyper h;
    mlm_opt_defaults(MLM_OPT_ADAM, &h);
    h.lr = 0.02;
    mlm_opt_reset(&s->opt, s->net.n_params);
    for (int i = 0; i < M; i++) sc->xs[i][0] = sc->xtr[i][0] / 3, sc->xs[i][1] = sc->xtr[i][1] / 3, sc->perm[i] = i;
    for (int e = 0; e < EV_EPOCHS; e++) {
        mlm_rng_shuffle(&in->rng, sc->perm, M);
        for (int b0 = 0; b0 < M; b0 += EV_BATCH) {
            int B = M - b0 < EV_BATCH ? M - b0 : EV_BATCH;
            for (int r = 0; r < B; r++) {
                int i = sc->perm[b0 + r];
                sc->xb[r][0] = sc->xs[i][0], sc->xb[r][1] = sc->xs[i][1], sc->yb[r] = sc->ytr_d[i];
            }
            mlp_forward(&s->net, &sc->xb[0][0], sc->yb, B, NULL);
            mlp_backward(&s->net);
            mlm_opt_step(MLM_OPT_ADAM, &h, &s->opt, s->net.params, s->net.grads, s->net.n_params);
        }
    }
}

/* The scores of the six models at q (2,). */
typedef struct {
    double w[3];
    mlm_gauss_class g[2];
    mlm_svm_smo smo;
    mlm_tree tree;
    int M, knn_k;
} ev_models;

static void ev_score(const ev_state *s, const ev_models *m, const double *q, double *out) {
    const ev_scratch *sc = s->sc;
    double post[2], votes[2], o;
    out[EV_LOGISTIC] = mlm_logreg_prob(m->w, q[0], q[1]);
    mlm_gauss_posterior(m->g, 2, 0, q, post);
    out[EV_BAYES] = post[1];
    mlm_knn_votes(MLM_KNN_EUCLID, 0, (const double(*)[2])sc->xtr, sc->ytr32, m->M, 2, q, m->knn_k, votes);
    out[EV_KNN] = votes[1] / (votes[0] + votes[1]);
    out[EV_SVM] = mlm_sigmoid(mlm_svm_smo_decision(&m->smo, q));
    out[EV_TREE] = mlm_tree_predict(&m->tree, q)[1];
    double qs[2] = {q[0] / 3, q[1] / 3};
    mlp_predict(&s->net, qs, &o);
    out[EV_MLP] = o;
    for (int c = 0; c < EV_C; c++) out[c] = mlm_isfinite(out[c]) ? mlm_clamp(out[c], 0, 1) : 0.5;
}

//> fold
/* One step: fold j is held out. Every classifier is fitted to the other points only, then
   scores the points of fold j (their out-of-fold scores) and a grid over the plane. */
static void ev_fold(mlm_instance *in, ev_state *s, int j) {
    const ev_desc *d = in->desc;
    ev_scratch *sc = s->sc;
    int M = 0;
    for (int i = 0; i < s->N; i++)
        if (s->fold[i] != j) { /* a training point: copied in the shapes each model reads */
            sc->xtr[M][0] = sc->x3[M][0] = s->x[i][0];
            sc->xtr[M][1] = sc->x3[M][1] = s->x[i][1];
            sc->x3[M][2] = 1;
            sc->ytr[M] = sc->ytr32[M] = s->y[i], sc->ytr_d[M] = s->y[i];
            M++;
        }
    ev_models m = {.M = M, .knn_k = d->knn_k};
    /* logistic regression: Newton's method from w = 0 until the step is negligible */
    for (int it = 0; it < EV_LR_ITERS; it++) {
        double b[3] = {m.w[0], m.w[1], m.w[2]};
        if (mlm_logreg_irls_step((const double(*)[3])sc->x3, sc->ytr_d, M, m.w, EV_LR_L2)) break;
        if (fabs(m.w[0] - b[0]) + fabs(m.w[1] - b[1]) + fabs(m.w[2] - b[2]) < 1e-10) break;
    }
    /* naive Bayes: the maximum-likelihood Gaussians; k-NN keeps the points themselves */
    mlm_gauss_fit(m.g, &sc->xtr[0][0], sc->ytr, M, 2);
    /* the SVM: SMO on the dual, RBF kernel */
    mlm_svm_kernel kern = {.kind = MLM_SVM_RBF, .gamma = EV_SVM_GAMMA};
    mlm_svm_smo_init(&m.smo, M, 2, &sc->xtr[0][0], sc->ytr, &kern, EV_SVM_C, 1e-3, 1,
                     sc->smo_mem);
    mlm_svm_smo_fit(&m.smo, EV_SVM_STEPS);
    /* the tree: CART with the Gini impurity, grown to the depth limit */
    mlm_tree_setup(&m.tree, sc->tree_mem, M, sc->tree_cap);
    mlm_tree_params tp = {.criterion = MLM_TREE_GINI, .max_depth = d->depth, .min_leaf = 1};
    mlm_tree_start(&m.tree, &sc->xtr[0][0], 2, sc->ytr32, NULL, M, 2, &tp, 0);
    mlm_tree_grow(&m.tree);
    /* the network */
    ev_train_mlp(in, s, M);

    double sc6[EV_C];
    for (int i = 0; i < s->N; i++)
        if (s->fold[i] == j) {
            ev_score(s, &m, s->x[i], sc6);
            for (int c = 0; c < EV_C; c++) s->oof[c][i] = sc6[c];
        }
    const double h = 2 * MLM_D2_BOX / (EV_G - 1);
    for (int r = 0; r < EV_G; r++)
        for (int q = 0; q < EV_G; q++) {
            double p[2] = {-MLM_D2_BOX + q * h, -MLM_D2_BOX + r * h};
            ev_score(s, &m, p, sc6);
            for (int c = 0; c < EV_C; c++) s->grid[c][r * EV_G + q] = (float)sc6[c];
        }
}
//< fold

/* The points scored so far (folds 0..done-1): their scores for classifier c and labels, packed
   into score (n,) and lab (n,). Returns n. */
static int ev_scored(const ev_state *s, int c, double *score, int *lab) {
    int n = 0;
    for (int i = 0; i < s->N; i++)
        if (s->fold[i] < s->done) score[n] = s->oof[c][i], lab[n++] = s->y[i];
    return n;
}

//> step
static void ev_step(mlm_instance *in, void *self) {
    ev_state *s = self;
    ev_scratch *sc = s->sc;
    if (s->done >= s->K) return;
    int j = s->done;
    ev_fold(in, s, j);
    s->done++;
    /* the curves and areas from every out-of-fold score so far, and fold j's own AUC */
    double score[EV_N_MAX], xy[2 * (EV_N_MAX + 1)];
    int lab[EV_N_MAX];
    for (int c = 0; c < EV_C; c++) {
        int n = ev_scored(s, c, score, lab);
        s->m[c] = mlm_roc_curve(score, lab, n, xy, s->thr[c], sc->order, sc->tmp);
        for (int k = 0; k < 2 * s->m[c]; k++) s->roc[c][k / 2][k % 2] = (float)xy[k];
        mlm_pr_curve(score, lab, n, xy, s->thr[c], sc->order, sc->tmp);
        for (int k = 0; k < 2 * s->m[c]; k++) s->pr[c][k / 2][k % 2] = (float)xy[k];
        s->auc[c] = mlm_auc(score, lab, n, sc->order, sc->tmp);
        s->ap[c] = mlm_average_precision(score, lab, n, sc->order, sc->tmp);
        int f = 0;
        for (int i = 0; i < s->N; i++)
            if (s->fold[i] == j) score[f] = s->oof[c][i], lab[f++] = s->y[i];
        s->fold_auc[c][j] = mlm_auc(score, lab, f, sc->order, sc->tmp);
    }
    if (s->done == s->K) {
        int best = 0;
        for (int c = 1; c < EV_C; c++) best = s->auc[c] > s->auc[best] ? c : best;
        mlm_finished(in, "cross-validated: every point scored once, by models that never saw it; the "
                         "highest AUC is the %s's, %.3f",
                     ev_name[best], s->auc[best]);
    }
}
//< step

/* ---- drawing ---- */

static double ev_t(const ev_state *s) { return s->tmicro / 1e6; }

static void ev_draw(mlm_instance *in, void *self) {
    ev_state *s = self;
    mlm_view_state *v = in->views;
    int c0 = s->focus, any = s->done > 0, held = s->done - 1;
    double t = ev_t(s);

    /* the regions: the chosen classifier's scores from the last fold, minus t */
    for (int k = 0; k < EV_G * EV_G; k++) s->field[k] = any ? s->grid[c0][k] - (float)t : 0;
    uint32_t ver = (uint32_t)(s->done * 7919 + c0 * 131 + 1) ^ ((uint32_t)s->tmicro * 2654435761u);
    mlm_field_view(in, V_FIELD, s->field, EV_G, EV_G, -MLM_D2_BOX, MLM_D2_BOX, -MLM_D2_BOX, MLM_D2_BOX, ver ? ver : 1);
    v[V_FIELD].lo = -1, v[V_FIELD].hi = 1;
    v[V_FIELD].hidden = !any;
    int a = 0, b = 0;
    for (int i = 0; i < s->N; i++) {
        float *p = any && s->fold[i] != held ? s->pts_train[a++] : s->pts_held[b++];
        p[0] = (float)s->x[i][0], p[1] = (float)s->x[i][1], p[2] = s->y[i] ? -1.0f : 0.0f;
    }
    v[V_TRAIN].data = &s->pts_train[0][0], v[V_TRAIN].count = a;
    v[V_HELD].data = &s->pts_held[0][0], v[V_HELD].count = b;
    if (any)
        snprintf(s->note, sizeof s->note, "fold %d of %d held out · %s", held + 1, s->K, ev_name[c0]);
    else
        snprintf(s->note, sizeof s->note, "%d points (%d positive) in %d folds", s->N, s->P, s->K);
    v[V_NOTE].text = s->note;

    /* the curves, and the point at t on each */
    double score[EV_N_MAX];
    int lab[EV_N_MAX];
    mlm_confusion cm[EV_C];
    int n = 0;
    for (int c = 0; c < EV_C; c++) {
        v[V_ROC0 + c].data = &s->roc[c][0][0], v[V_ROC0 + c].count = any ? s->m[c] : 0;
        v[V_PR0 + c].data = &s->pr[c][0][0], v[V_PR0 + c].count = any ? s->m[c] : 0;
        n = ev_scored(s, c, score, lab);
        mlm_confusion_at(score, lab, n, t, &cm[c]);
        s->at_roc[c][0] = (float)mlm_fpr(&cm[c]), s->at_roc[c][1] = (float)mlm_recall(&cm[c]);
        s->at_pr[c][0] = (float)mlm_recall(&cm[c]), s->at_pr[c][1] = (float)mlm_precision(&cm[c]);
        s->at_roc[c][2] = s->at_pr[c][2] = (float)ev_color[c]; /* drawn in colour INK + class */
        v[V_A0 + c].value = (float)s->auc[c], v[V_A0 + c].hidden = 1;
        v[V_AP0 + c].value = (float)s->ap[c], v[V_AP0 + c].hidden = 1;
        snprintf(s->area_text[c], sizeof s->area_text[c], "%s: AUC %.3f · AP %.3f", ev_name[c], s->auc[c], s->ap[c]);
        v[V_AREA0 + c].text = s->area_text[c], v[V_AREA0 + c].hidden = !any;
    }
    if (!any) { /* nothing scored yet: say when the areas come */
        snprintf(s->area_text[0], sizeof s->area_text[0], "play: the areas grow fold by fold");
        v[V_AREA0].hidden = 0;
    }
    v[V_ROC_AT].data = &s->at_roc[0][0], v[V_ROC_AT].count = any ? EV_C : 0;
    v[V_PR_AT].data = &s->at_pr[0][0], v[V_PR_AT].count = any ? EV_C : 0;
    s->chance[0] = s->chance[1] = 0, s->chance[2] = s->chance[3] = 1;
    v[V_CHANCE].data = s->chance, v[V_CHANCE].count = 1;
    int P = 0;
    for (int k = 0; k < n; k++) P += lab[k];
    s->base[0] = 0, s->base[2] = 1, s->base[1] = s->base[3] = n ? (float)P / n : (float)s->P / s->N;
    v[V_BASE].data = s->base, v[V_BASE].count = 1;

    /* the chosen classifier's held-out scores by class, positives up and negatives down */
    n = ev_scored(s, c0, score, lab);
    for (int k = 0; k < EV_BINS; k++) {
        s->hpos[k][0] = s->hneg[k][0] = (float)((k + 0.5) / EV_BINS);
        s->hpos[k][1] = s->hneg[k][1] = 0;
    }
    for (int k = 0; k < n; k++) {
        int bin = (int)(score[k] * EV_BINS);
        bin = bin < 0 ? 0 : bin >= EV_BINS ? EV_BINS - 1 : bin;
        if (lab[k]) s->hpos[bin][1] += 1;
        else s->hneg[bin][1] -= 1;
    }
    v[V_HPOS].data = &s->hpos[0][0], v[V_HPOS].count = any ? EV_BINS : 0;
    v[V_HNEG].data = &s->hneg[0][0], v[V_HNEG].count = any ? EV_BINS : 0;
    float top = 1, bot = -1;
    for (int k = 0; k < EV_BINS; k++) top = fmaxf(top, s->hpos[k][1]), bot = fminf(bot, s->hneg[k][1]);
    s->tline[0] = s->tline[2] = (float)t, s->tline[1] = bot, s->tline[3] = top;
    v[V_TLINE].data = s->tline, v[V_TLINE].count = 1;
    snprintf(s->hist_note, sizeof s->hist_note, "%s, t = %.3f", ev_name[c0], t);
    v[V_HNOTE].text = s->hist_note;

    /* the confusion matrix of the chosen classifier at t: rows actual, columns predicted */
    const mlm_confusion *q = &cm[c0];
    int cnt[4] = {q->tp, q->fn, q->fp, q->tn};
    static const float cx[4] = {0, 1, 0, 1}, cy[4] = {1, 1, 0, 0};
    for (int k = 0; k < 4; k++) {
        s->cm_tiles[k][0] = cx[k], s->cm_tiles[k][1] = cy[k], s->cm_tiles[k][2] = 0.96f;
        s->cm_tiles[k][3] = (float)cnt[k];
        s->cm_at[k][0] = cx[k], s->cm_at[k][1] = cy[k];
    }
    static const float hx[4] = {0, 1, -0.72f, -0.72f}, hy[4] = {1.68f, 1.68f, 1, 0};
    for (int k = 0; k < 4; k++) s->cm_at[4 + k][0] = hx[k], s->cm_at[4 + k][1] = hy[k];
    snprintf(s->cm_text, sizeof s->cm_text, "TP %d\nFN %d\nFP %d\nTN %d\nsaid +\nsaid −\nis +\nis −", q->tp, q->fn,
             q->fp, q->tn);
    v[V_CM].data = &s->cm_tiles[0][0], v[V_CM].count = any ? 4 : 0, v[V_CM].w = v[V_CM].h = 1;
    v[V_CM].lo = -0.4f * (float)(n > 0 ? n : 1), v[V_CM].hi = 1.6f * (float)(n > 0 ? n : 1);
    v[V_CM_LABELS].data = &s->cm_at[0][0], v[V_CM_LABELS].count = any ? 8 : 0, v[V_CM_LABELS].text = s->cm_text;

    /* readouts */
    v[V_S_T].value = (float)t;
    v[V_S_ACC].value = (float)(100 * mlm_accuracy(q));
    v[V_S_BASE].value = (float)(100.0 * (s->N - s->P) / s->N);
    v[V_S_PREC].value = (float)mlm_precision(q);
    v[V_S_REC].value = (float)mlm_recall(q);
    v[V_S_F1].value = (float)mlm_f1(q);
    v[V_S_AUC].value = (float)s->auc[c0];
    for (int k = V_S_ACC; k <= V_S_AUC; k++) v[k].hidden = !any && k != V_S_BASE;
    int len = snprintf(s->folds_text, sizeof s->folds_text, "%s, AUC fold by fold:", ev_name[c0]);
    for (int f = 0; f < s->done && len < (int)sizeof s->folds_text - 8; f++)
        len += snprintf(s->folds_text + len, sizeof s->folds_text - (size_t)len, " %.3f", s->fold_auc[c0][f]);
    v[V_FOLDS].text = s->folds_text;
    v[V_FOLDS].hidden = !any;
}

/* ---- the reader's threshold ---- */

/* The curve point nearest (x, y) in panel `panel` (ROC or PR), over classifier only (>= 0) or
   every classifier (-1): its classifier into *cls and its threshold. */
static double ev_nearest(const ev_state *s, int panel, int only, double x, double y, int *cls) {
    double best = HUGE_VAL, thr = ev_t(s);
    for (int c = 0; c < EV_C; c++) {
        if (only >= 0 && c != only) continue;
        const float(*xy)[2] = panel == P_ROC ? s->roc[c] : s->pr[c];
        for (int k = 0; k < s->m[c]; k++) {
            double dx = xy[k][0] - x, dy = xy[k][1] - y, d2 = dx * dx + dy * dy;
            if (d2 < best) best = d2, thr = s->thr[c][k], *cls = c;
        }
    }
    return thr;
}

static int ev_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    (void)in;
    ev_state *s = self;
    if (kind == MLM_POINTER_UP) {
        s->drag = -1;
        return 0;
    }
    if (kind == MLM_POINTER_DOWN) s->drag = panel;
    if (s->drag != panel || !mlm_isfinite(x) || !mlm_isfinite(y)) return 0;
    double t = -1;
    if (panel == P_SCORES) t = x;
    else if ((panel == P_ROC || panel == P_PR) && s->done > 0) {
        int c = s->focus;
        t = ev_nearest(s, panel, kind == MLM_POINTER_DOWN ? -1 : s->focus, x, y, &c);
        s->focus = c;
    }
    if (t < 0 && panel != P_SCORES) return 0;
    /* t in millionths, rounded down so the point whose threshold it is stays at or above it */
    t = mlm_clamp(t, 0, 1);
    s->tmicro = (int32_t)floor(t * 1e6);
    return 0; /* nothing retrains: only what is shown changes */
}

/* Link text: "<classifier>_<t in millionths>", "3_250000"; nothing at the defaults. */
static int ev_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const ev_state *s = self;
    if (s->focus == EV_LOGISTIC && s->tmicro == EV_T_DEFAULT) {
        if (n) buf[0] = 0;
        return 0;
    }
    int len = snprintf(buf, n, "%d_%d", (int)s->focus, (int)s->tmicro);
    return len > 0 && (size_t)len < n ? len : 0;
}

static int ev_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    ev_state *s = self;
    if (text[0] < '0' || text[0] >= '0' + EV_C || text[1] != '_') return -1;
    long v = 0;
    int digits = 0;
    for (const char *p = text + 2; *p; p++, digits++) {
        if (*p < '0' || *p > '9' || digits >= 7) return -1;
        v = v * 10 + (*p - '0');
    }
    if (!digits || v > 1000000) return -1;
    s->focus = text[0] - '0', s->tmicro = (int32_t)v;
    return 0;
}

const mlm_module mlm_module_evaluation = {
    .name = "evaluation",
    .title = "Judging a classifier",
    .params = ev_params,
    .n_params = MLM_COUNT(ev_params),
    .desc_size = sizeof(ev_desc),
    .panels = ev_panels,
    .n_panels = EV_N_PANELS,
    .views = ev_views,
    .n_views = EV_N_VIEWS,
    .state_bytes = EV_STATE_BYTES,
    .const_bytes = EV_CONST_BYTES,
    .speed = 1.5,
    .random = 1,
    .create = ev_create,
    .step = ev_step,
    .draw = ev_draw,
    .pointer = ev_pointer,
    .input_get = ev_input_get,
    .input_set = ev_input_set,
    .worker = 1,
};
