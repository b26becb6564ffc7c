/* tree.h: decision trees (CART: Breiman, Friedman, Olshen and Stone 1984), bagged trees and
 * random forests (Breiman 1996, 2001) with their out-of-bag error, and AdaBoost with decision
 * stumps (Freund and Schapire 1997). Chapter 31 animates them; chapter 32 trains a tree among the
 * book's classifiers. No allocation here: each structure is laid out in one buffer the caller
 * provides (mlm_alloc in a module, malloc in a test), sized by the matching *_bytes function, so
 * a module's checkpoint holds the whole model.
 *
 * Data everywhere: N samples, D features; x (N, D) row-major doubles, y (N,) classes 0..K-1
 * (K <= MLM_TREE_K_MAX), optional sample weights w (N,) >= 0 (NULL: every weight 1). The data
 * are read, never copied: they must stay where they are while a tree grows (a finished tree
 * predicts from its nodes alone).
 *
 * A split sends a sample left when x[feature] <= threshold; thresholds are midpoints between
 * consecutive distinct values of the feature among the node's samples. A node's impurity is that
 * of its weighted class fractions p_k:  Gini 1 - sum p_k^2,  entropy -sum p_k log2 p_k (bits).
 * The split chosen maximises the impurity decrease
 *     I(node) - (W_L / W) I(left) - (W_R / W) I(right)
 * over every feature (or a random subset: max_features) and every threshold, among splits that
 * leave at least min_leaf samples on each side; ties go to the lower feature, then the lower
 * threshold. A node is split when it is impure, above the depth limit and has such a split (even
 * one of decrease 0, so that an unlimited tree separates any distinct points). */
#ifndef MLM_TREE_H
#define MLM_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "mlm.h"

#define MLM_TREE_K_MAX 8  /* most classes */
#define MLM_TREE_D_MAX 16 /* most features */

enum { MLM_TREE_GINI = 0, MLM_TREE_ENTROPY = 1 };

typedef struct {
    int criterion;    /* MLM_TREE_GINI or MLM_TREE_ENTROPY */
    int max_depth;    /* the root has depth 0; nodes at max_depth stay leaves; 0: unlimited */
    int min_leaf;     /* least samples (with weight > 0) in each child of a split; < 1 means 1 */
    int max_features; /* features drawn at random (without replacement) for each split; 0 or
                         >= D: all of them (a plain CART tree, no randomness) */
} mlm_tree_params;

typedef struct {
    int32_t feature;      /* the split's feature, or -1 for a leaf */
    int32_t left, right;  /* children's node indices (-1 for a leaf) */
    int32_t parent;       /* -1 for the root */
    int32_t depth;        /* 0 at the root */
    int32_t start, count; /* its samples: the tree's idx[start .. start + count) */
    int32_t cls;          /* the class of largest weight (the lowest such) */
    int32_t considered;   /* 1 once the growth has decided whether to split it */
    double threshold;     /* x[feature] <= threshold goes left */
    double weight;        /* total sample weight W */
    double impurity;      /* I(node) of its weighted class fractions */
    double gain;          /* the impurity decrease of its split (0 for a leaf) */
    double p[MLM_TREE_K_MAX]; /* (K,) weighted class fractions, summing to 1 */
} mlm_tree_node;

typedef struct {
    /* the data (borrowed; see above) */
    const double *x;
    const int32_t *y;
    const double *w;
    int32_t N, D, K;
    mlm_tree_params prm;
    mlm_rng rng;          /* draws the features of each split when max_features < D */
    /* the tree: nodes[0] is the root; nodes are appended, so a parent precedes its children */
    mlm_tree_node *nodes; /* (cap,) */
    int32_t n_nodes, cap;
    int32_t n_leaves, depth; /* leaves and depth so far */
    int32_t next;         /* growth is breadth-first: nodes before `next` have been considered */
    /* work */
    int32_t *idx;         /* (N,) sample indices, each node's contiguous */
    int32_t *sorted;      /* (N,) */
    int32_t *tmp;         /* (N,) */
} mlm_tree;

/* Nodes a tree on N samples can need: a binary tree with at most N leaves, and with depth limit d
   at most 2^(d+1) - 1. */
int mlm_tree_max_nodes(int N, int max_depth);
/* Bytes of the buffer mlm_tree_setup lays a tree out in, for N samples and cap nodes. */
size_t mlm_tree_bytes(int N, int cap);
/* Lay tree t out in buf (mlm_tree_bytes(N, cap) bytes, 16-byte aligned) for up to N samples and
   cap nodes. The tree is empty until mlm_tree_start. */
void mlm_tree_setup(mlm_tree *t, void *buf, int N, int cap);

/* The impurity of class weights cw (K,) (not necessarily normalised; total 0 gives 0). */
double mlm_tree_impurity(int criterion, const double *cw, int K);

/* Begin a tree on x (N, D), y (N,), w (N,) or NULL, K classes: the root holds every sample of
   positive weight (samples of weight 0 take no part). seed drives the feature draws. Returns 0,
   or -1 when the arguments do not fit (N beyond the setup's, D or K out of range, a label outside
   0..K-1, a negative or non-finite weight, no weight at all, a non-finite x). */
int mlm_tree_start(mlm_tree *t, const double *x, int D, const int32_t *y, const double *w, int N,
                   int K, const mlm_tree_params *prm, uint64_t seed);
/* The best split of node `node` (without applying it): returns 1 and writes its feature,
   threshold and impurity decrease, or 0 when it has no valid split (fewer than 2 min_leaf
   samples, or one value on every feature tried). Ignores the purity and depth rules. */
int mlm_tree_best_split(mlm_tree *t, int node, int *feature, double *threshold, double *gain);
/* The impurity decrease of every valid threshold of `feature` at node `node` (the curve the
   search maximises): thresholds into thr, decreases into gain (each room for the node's count - 1),
   in increasing order of threshold; returns how many (0 for a node or feature out of range). */
int mlm_tree_split_curve(mlm_tree *t, int node, int feature, double *thr, double *gain);
/* One step of growth: consider the next node in breadth-first order, skipping those that stay
   leaves, and split the first that should be split. Returns that node's index, or -1 when the
   tree is complete (or out of nodes: never with cap >= mlm_tree_max_nodes). */
int mlm_tree_step(mlm_tree *t);
/* Grow to completion; returns the number of leaves. */
int mlm_tree_grow(mlm_tree *t);
/* The leaf a point x (D,) falls in. */
int mlm_tree_leaf(const mlm_tree *t, const double *x);
/* Class probabilities at x (D,): its leaf's weighted class fractions (K,), owned by the tree.
   p[1] is a real-valued score for class 1 (a ROC curve's threshold moves along it). */
const double *mlm_tree_predict(const mlm_tree *t, const double *x);
/* The predicted class at x (the leaf's class of largest weight). */
int mlm_tree_classify(const mlm_tree *t, const double *x);
/* The leaf's region: the box [lo, hi] (D each) of points that reach node `node`, inside the box
   [lo, hi] given (the plane's visible box, say). */
void mlm_tree_node_box(const mlm_tree *t, int node, double *lo, double *hi);

/* ---- bagging and random forests ----
 * Each tree grows fully (under prm) on a bootstrap sample: N draws with replacement, given to the
 * tree as weights (a sample's weight is the number of times it was drawn). Bagging is
 * max_features = 0 (every feature at every split); a random forest draws max_features features
 * per split. The samples a tree never drew (about e^-1 = 37 %) are its out-of-bag samples: the
 * forest keeps, for each sample, the sum of the class probabilities of the trees it was out of
 * bag for, and the out-of-bag error is the error of that vote over the samples with any. */
typedef struct {
    const double *x;
    const int32_t *y;
    int32_t N, D, K;
    mlm_tree_params prm;
    int32_t n_trees, cap_trees, cap_nodes;
    mlm_tree *trees;   /* (cap_trees,) each laid out in its own part of the buffer */
    double *bw;        /* (N,) the latest tree's bootstrap weights (counts) */
    double *oob;       /* (N, K) summed out-of-bag class probabilities */
    int32_t *oob_n;    /* (N,) trees each sample was out of bag for */
} mlm_forest;

size_t mlm_forest_bytes(int N, int cap_trees, int cap_nodes);
void mlm_forest_setup(mlm_forest *f, void *buf, int N, int cap_trees, int cap_nodes);
/* Begin an empty forest on x (N, D), y (N,), K classes. 0, or -1 as mlm_tree_start. */
int mlm_forest_start(mlm_forest *f, const double *x, int D, const int32_t *y, int N, int K,
                     const mlm_tree_params *prm);
/* Draw a bootstrap sample from rng, grow one more tree on it (its feature draws seeded from rng)
   and add its out-of-bag votes. Returns the tree's index, or -1 when the forest is full. */
int mlm_forest_add(mlm_forest *f, mlm_rng *rng);
/* The forest's class probabilities at x (D,): the mean of its trees' (p: K). */
void mlm_forest_predict(const mlm_forest *f, const double *x, double *p);
/* The out-of-bag error in [0, 1] over the samples out of bag at least once (their number into
   *counted if not NULL; 0 such samples give 0). The vote is the argmax of the summed
   probabilities, ties to the lower class. */
double mlm_forest_oob_error(const mlm_forest *f, int *counted);

/* ---- AdaBoost with decision stumps (two classes) ----
 * Labels y in {0, 1} are read as s = 2y - 1 in {-1, +1}. Round t fits a stump h_t(x) =
 * sign * (x[feature] > threshold ? +1 : -1) that minimises the weighted error
 * eps_t = sum_i w_i [h_t(x_i) != s_i] under the current weights (sum 1), takes
 * alpha_t = (1/2) ln((1 - eps_t) / eps_t), and reweights w_i <- w_i exp(-alpha_t s_i h_t(x_i)) / Z_t
 * with Z_t = sum_i w_i exp(-alpha_t s_i h_t(x_i)) = 2 sqrt(eps_t (1 - eps_t)). The score is F(x) = sum_t alpha_t h_t(x) and the class
 * is F > 0. The training error never exceeds prod_t Z_t (the exponential bound), which `bound`
 * holds. */
typedef struct {
    const double *x;
    const int32_t *y;
    int32_t N, D, T, cap; /* T rounds taken, at most cap */
    double *w;            /* (N,) the current sample weights, summing to 1 */
    double *F;            /* (N,) the training scores F(x_i) so far */
    int32_t *feature;     /* (cap,) round t's stump */
    double *threshold;    /* (cap,) */
    double *sign;         /* (cap,) +1 or -1 */
    double *alpha;        /* (cap,) */
    double *eps;          /* (cap,) its weighted error */
    double bound;         /* prod_t Z_t (1 before any round) */
    int32_t *sorted;      /* (D, N) work: samples sorted by each feature */
    int32_t *tmp_;        /* (N,) work */
} mlm_boost;

size_t mlm_boost_bytes(int N, int D, int cap);
void mlm_boost_setup(mlm_boost *b, void *buf, int N, int D, int cap);
/* Begin on x (N, D), y (N,) in {0, 1}, uniform weights 1/N. 0, or -1 for arguments that do not
   fit (a label not 0 or 1, a non-finite x, N or D beyond the setup's). */
int mlm_boost_start(mlm_boost *b, const double *x, int D, const int32_t *y, int N);
/* The stump of least weighted error under weights w (N,) (ties to the lower feature, the lower
   threshold, then sign +1): writes it and returns its weighted error. Thresholds are the
   midpoints between consecutive distinct values, and one below every value. */
double mlm_boost_best_stump(const mlm_boost *b, const double *w, int *feature, double *threshold,
                            double *sign);
/* One round. Returns 0, 1 when it stopped instead: the best stump is perfect (eps = 0: it is
   added with a finite alpha, eps taken as 1e-10, and the training error is 0) or no better than
   chance (eps >= 1/2: nothing added), or -1 when cap rounds are taken. */
int mlm_boost_step(mlm_boost *b);
/* The score F(x) = sum_t alpha_t h_t(x) at x (D,); class 1 when F > 0. */
double mlm_boost_score(const mlm_boost *b, const double *x);
/* The stump h_t(x) of round t, +1 or -1. */
double mlm_boost_stump(const mlm_boost *b, int t, const double *x);
/* Fraction of training points misclassified by the current F (F = 0 counts as an error). */
double mlm_boost_train_error(const mlm_boost *b);

#endif
