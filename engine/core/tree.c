/* tree.c: CART trees, bagging and random forests, AdaBoost with stumps (see tree.h). */
#include "tree.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

#define TR_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define TR_LN2 0.69314718055994530942

int mlm_tree_max_nodes(int N, int max_depth) {
    long n = N < 1 ? 1 : 2L * N - 1;
    if (max_depth > 0 && max_depth < 30) {
        long m = (1L << (max_depth + 1)) - 1;
        if (m < n) n = m;
    }
    return (int)n;
}

size_t mlm_tree_bytes(int N, int cap) {
    return TR_A16((size_t)cap * sizeof(mlm_tree_node)) + 3 * TR_A16((size_t)N * sizeof(int32_t));
}

void mlm_tree_setup(mlm_tree *t, void *buf, int N, int cap) {
    unsigned char *b = buf;
    memset(t, 0, sizeof *t);
    t->nodes = (mlm_tree_node *)b;
    b += TR_A16((size_t)cap * sizeof(mlm_tree_node));
    t->idx = (int32_t *)b;
    b += TR_A16((size_t)N * sizeof(int32_t));
    t->sorted = (int32_t *)b;
    b += TR_A16((size_t)N * sizeof(int32_t));
    t->tmp = (int32_t *)b;
    t->cap = cap;
    t->N = N; /* the most samples; mlm_tree_start sets the actual number */
}

//> impurity
/* Gini: the chance that two draws from the node's class distribution disagree, 1 - sum p_k^2.
   Entropy: the bits needed on average to name a sample's class, -sum p_k log2 p_k. Both are 0 for
   a pure node and largest when the classes are equally weighted. */
double mlm_tree_impurity(int criterion, const double *cw, int K) {
    double tot = 0, s = 0;
    for (int k = 0; k < K; k++) tot += cw[k];
    if (!(tot > 0)) return 0;
    for (int k = 0; k < K; k++) {
        double p = cw[k] / tot;
        if (criterion == MLM_TREE_ENTROPY) s -= p > 0 ? p * mlm_log(p) / TR_LN2 : 0;
        else s += p * p;
    }
    return criterion == MLM_TREE_ENTROPY ? (s > 0 ? s : 0) : 1 - s;
}
//< impurity

static double tr_weight(const mlm_tree *t, int i) { return t->w ? t->w[i] : 1.0; }

/* Fill a node's class weights, fractions, class and impurity from its samples. */
static void tr_node_stats(mlm_tree *t, mlm_tree_node *nd) {
    double cw[MLM_TREE_K_MAX] = {0};
    for (int j = nd->start; j < nd->start + nd->count; j++) {
        int i = t->idx[j];
        cw[t->y[i]] += tr_weight(t, i);
    }
    double W = 0;
    int best = 0;
    for (int k = 0; k < t->K; k++) {
        W += cw[k];
        if (cw[k] > cw[best]) best = k;
    }
    nd->weight = W;
    nd->cls = best;
    for (int k = 0; k < MLM_TREE_K_MAX; k++) nd->p[k] = k < t->K && W > 0 ? cw[k] / W : 0;
    nd->impurity = mlm_tree_impurity(t->prm.criterion, cw, t->K);
}

static mlm_tree_node *tr_new_node(mlm_tree *t, int parent, int depth, int start, int count) {
    mlm_tree_node *nd = &t->nodes[t->n_nodes++];
    memset(nd, 0, sizeof *nd);
    nd->feature = -1, nd->left = nd->right = -1, nd->parent = parent, nd->depth = depth;
    nd->start = start, nd->count = count;
    tr_node_stats(t, nd);
    if (depth > t->depth) t->depth = depth;
    return nd;
}

int mlm_tree_start(mlm_tree *t, const double *x, int D, const int32_t *y, const double *w, int N,
                   int K, const mlm_tree_params *prm, uint64_t seed) {
    if (!x || !y || N < 1 || N > t->N || D < 1 || D > MLM_TREE_D_MAX || K < 1 || K > MLM_TREE_K_MAX ||
        t->cap < 1)
        return -1;
    for (int i = 0; i < N; i++) {
        if (y[i] < 0 || y[i] >= K) return -1;
        if (w && (!mlm_isfinite(w[i]) || w[i] < 0)) return -1;
        for (int f = 0; f < D; f++)
            if (!mlm_isfinite(x[(size_t)i * D + f])) return -1;
    }
    int n = 0;
    for (int i = 0; i < N; i++)
        if (!w || w[i] > 0) t->idx[n++] = i;
    if (n == 0) return -1;
    t->x = x, t->y = y, t->w = w, t->N = N, t->D = D, t->K = K;
    t->prm = *prm;
    if (t->prm.min_leaf < 1) t->prm.min_leaf = 1;
    if (t->prm.max_depth < 0) t->prm.max_depth = 0;
    if (t->prm.max_features <= 0 || t->prm.max_features > D) t->prm.max_features = D;
    mlm_rng_seed(&t->rng, seed, 31);
    t->n_nodes = 0, t->depth = 0, t->next = 0;
    tr_new_node(t, -1, 0, 0, n);
    t->n_leaves = 1;
    return 0;
}

/* Sort a[0..n) by (x[a[j] * D + f], a[j]): a bottom-up merge sort, stable and deterministic. */
static void tr_sort(const double *x, int D, int f, int32_t *a, int32_t *tmp, int n) {
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                double u = x[(size_t)a[i] * D + f], v = x[(size_t)a[j] * D + f];
                tmp[k++] = (v < u || (v == u && a[j] < a[i])) ? a[j++] : a[i++];
            }
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

/* The midpoint of a < b, never equal to b (so b goes right). */
static double tr_mid(double a, double b) {
    double m = a + (b - a) * 0.5;
    return m < b ? m : a;
}

//> split
/* The sweep over one feature: sort the node's samples by it and move the threshold from left to
   right, one sample at a time from the right side to the left, updating both sides' class
   weights, so each threshold costs O(K). Only thresholds between two distinct values count, and
   only those leaving min_leaf samples on each side. Writes each threshold and its decrease (when
   thr is not NULL) and returns how many there were; the largest decrease into *best (the first
   such threshold into *best_thr). */
static int tr_sweep(mlm_tree *t, const mlm_tree_node *nd, int f, double *thr, double *gain,
                    double *best, double *best_thr) {
    int n = nd->count, D = t->D, K = t->K, ml = t->prm.min_leaf, m = 0;
    double tot[MLM_TREE_K_MAX] = {0}, left[MLM_TREE_K_MAX] = {0}, right[MLM_TREE_K_MAX], wl = 0;
    double W = nd->weight, I = nd->impurity;
    int32_t *a = t->sorted;
    memcpy(a, t->idx + nd->start, (size_t)n * sizeof *a);
    for (int j = 0; j < n; j++) tot[t->y[a[j]]] += tr_weight(t, a[j]);
    tr_sort(t->x, D, f, a, t->tmp, n);
    for (int j = 0; j < n - 1; j++) {
        int i = a[j];
        double wi = tr_weight(t, i);
        left[t->y[i]] += wi, wl += wi;
        double u = t->x[(size_t)i * D + f], v = t->x[(size_t)a[j + 1] * D + f];
        if (!(u < v) || j + 1 < ml || n - (j + 1) < ml) continue;
        for (int k = 0; k < K; k++) right[k] = tot[k] - left[k] > 0 ? tot[k] - left[k] : 0;
        double wr = W - wl;
        double g = I - (wl / W) * mlm_tree_impurity(t->prm.criterion, left, K) -
                   (wr / W) * mlm_tree_impurity(t->prm.criterion, right, K);
        if (thr) thr[m] = tr_mid(u, v), gain[m] = g;
        if (m == 0 || g > *best) *best = g, *best_thr = tr_mid(u, v);
        m++;
    }
    return m;
}

/* The greedy search at one node: the best threshold of every feature tried (all of them, or
   max_features drawn at random), and the best of those; ties go to the lower feature. */
int mlm_tree_best_split(mlm_tree *t, int node, int *feature, double *threshold, double *gain) {
    mlm_tree_node *nd = &t->nodes[node];
    int n = nd->count, D = t->D;
    if (n < 2 * t->prm.min_leaf || n < 2) return 0;
    int feats[MLM_TREE_D_MAX], nf = D;
    for (int f = 0; f < D; f++) feats[f] = f;
    if (t->prm.max_features < D) { /* a random subset, drawn without replacement, tried in order */
        for (int j = 0; j < t->prm.max_features; j++) {
            int r = j + (int)mlm_rng_below(&t->rng, (uint32_t)(D - j));
            int s = feats[j];
            feats[j] = feats[r], feats[r] = s;
        }
        nf = t->prm.max_features;
        for (int j = 1; j < nf; j++)
            for (int i = j; i > 0 && feats[i] < feats[i - 1]; i--) {
                int s = feats[i];
                feats[i] = feats[i - 1], feats[i - 1] = s;
            }
    }
    int found = 0;
    double best = 0;
    for (int fi = 0; fi < nf; fi++) {
        double g = 0, th = 0;
        if (tr_sweep(t, nd, feats[fi], NULL, NULL, &g, &th) > 0 && (!found || g > best))
            found = 1, best = g, *feature = feats[fi], *threshold = th;
    }
    if (found) *gain = best;
    return found;
}
//< split

int mlm_tree_split_curve(mlm_tree *t, int node, int feature, double *thr, double *gain) {
    if (node < 0 || node >= t->n_nodes || feature < 0 || feature >= t->D) return 0;
    double b = 0, bt = 0;
    return tr_sweep(t, &t->nodes[node], feature, thr, gain, &b, &bt);
}

static int tr_pure(const mlm_tree *t, const mlm_tree_node *nd) {
    int classes = 0;
    for (int k = 0; k < t->K; k++) classes += nd->p[k] > 0;
    return classes <= 1;
}

//> grow
/* One step of growth: the next node in breadth-first order that is impure, above the depth limit
   and has a valid split is split; its samples are partitioned in place, left (x <= threshold)
   before right, each side keeping its order. */
int mlm_tree_step(mlm_tree *t) {
    while (t->next < t->n_nodes) {
        int node = t->next++;
        mlm_tree_node *nd = &t->nodes[node];
        nd->considered = 1;
        if (tr_pure(t, nd) || (t->prm.max_depth > 0 && nd->depth >= t->prm.max_depth)) continue;
        int f;
        double thr, g;
        if (t->n_nodes + 2 > t->cap || !mlm_tree_best_split(t, node, &f, &thr, &g)) continue;
        int n = nd->count, nl = 0, nr = 0;
        for (int j = nd->start; j < nd->start + n; j++) {
            int i = t->idx[j];
            if (t->x[(size_t)i * t->D + f] <= thr) t->idx[nd->start + nl++] = i;
            else t->tmp[nr++] = i;
        }
        memcpy(t->idx + nd->start + nl, t->tmp, (size_t)nr * sizeof *t->tmp);
        nd->feature = f, nd->threshold = thr, nd->gain = g;
        int l = t->n_nodes;
        tr_new_node(t, node, nd->depth + 1, nd->start, nl);
        tr_new_node(t, node, nd->depth + 1, nd->start + nl, nr);
        nd = &t->nodes[node];
        nd->left = l, nd->right = l + 1;
        t->n_leaves++;
        return node;
    }
    return -1;
}
//< grow

int mlm_tree_grow(mlm_tree *t) {
    while (mlm_tree_step(t) >= 0) {
    }
    return t->n_leaves;
}

//> predict
/* A point falls down the tree, left when x[feature] <= threshold, to a leaf; the leaf's weighted
   class fractions are its probabilities. */
int mlm_tree_leaf(const mlm_tree *t, const double *x) {
    int j = 0;
    while (t->n_nodes > 0 && t->nodes[j].feature >= 0)
        j = x[t->nodes[j].feature] <= t->nodes[j].threshold ? t->nodes[j].left : t->nodes[j].right;
    return j;
}
//< predict

const double *mlm_tree_predict(const mlm_tree *t, const double *x) { return t->nodes[mlm_tree_leaf(t, x)].p; }

int mlm_tree_classify(const mlm_tree *t, const double *x) { return t->nodes[mlm_tree_leaf(t, x)].cls; }

void mlm_tree_node_box(const mlm_tree *t, int node, double *lo, double *hi) {
    for (int j = node; t->nodes[j].parent >= 0; j = t->nodes[j].parent) {
        const mlm_tree_node *p = &t->nodes[t->nodes[j].parent];
        int f = p->feature;
        if (p->left == j) hi[f] = p->threshold < hi[f] ? p->threshold : hi[f];
        else lo[f] = p->threshold > lo[f] ? p->threshold : lo[f];
    }
}

/* ---- forests ---- */

size_t mlm_forest_bytes(int N, int cap_trees, int cap_nodes) {
    return TR_A16((size_t)cap_trees * sizeof(mlm_tree)) + (size_t)cap_trees * mlm_tree_bytes(N, cap_nodes) +
           TR_A16((size_t)N * sizeof(double)) + TR_A16((size_t)N * MLM_TREE_K_MAX * sizeof(double)) +
           TR_A16((size_t)N * sizeof(int32_t));
}

void mlm_forest_setup(mlm_forest *f, void *buf, int N, int cap_trees, int cap_nodes) {
    unsigned char *b = buf;
    memset(f, 0, sizeof *f);
    f->trees = (mlm_tree *)b;
    b += TR_A16((size_t)cap_trees * sizeof(mlm_tree));
    for (int j = 0; j < cap_trees; j++) {
        mlm_tree_setup(&f->trees[j], b, N, cap_nodes);
        b += mlm_tree_bytes(N, cap_nodes);
    }
    f->bw = (double *)b;
    b += TR_A16((size_t)N * sizeof(double));
    f->oob = (double *)b;
    b += TR_A16((size_t)N * MLM_TREE_K_MAX * sizeof(double));
    f->oob_n = (int32_t *)b;
    f->N = N, f->cap_trees = cap_trees, f->cap_nodes = cap_nodes;
}

int mlm_forest_start(mlm_forest *f, const double *x, int D, const int32_t *y, int N, int K,
                     const mlm_tree_params *prm) {
    if (!x || !y || N < 1 || N > f->N || D < 1 || D > MLM_TREE_D_MAX || K < 1 || K > MLM_TREE_K_MAX) return -1;
    for (int i = 0; i < N; i++) {
        if (y[i] < 0 || y[i] >= K) return -1;
        for (int d = 0; d < D; d++)
            if (!mlm_isfinite(x[(size_t)i * D + d])) return -1;
    }
    f->x = x, f->y = y, f->N = N, f->D = D, f->K = K, f->prm = *prm;
    f->n_trees = 0;
    memset(f->oob, 0, (size_t)N * MLM_TREE_K_MAX * sizeof(double));
    memset(f->oob_n, 0, (size_t)N * sizeof(int32_t));
    return 0;
}

//> bag
/* One more tree: a bootstrap sample (N draws with replacement, kept as counts), a tree grown on
   it, and its votes on the samples it never saw. */
int mlm_forest_add(mlm_forest *f, mlm_rng *rng) {
    if (f->n_trees >= f->cap_trees) return -1;
    for (int i = 0; i < f->N; i++) f->bw[i] = 0;
    for (int i = 0; i < f->N; i++) f->bw[mlm_rng_below(rng, (uint32_t)f->N)] += 1;
    uint64_t seed = (uint64_t)mlm_rng_u32(rng) << 32 | mlm_rng_u32(rng);
    mlm_tree *t = &f->trees[f->n_trees];
    if (mlm_tree_start(t, f->x, f->D, f->y, f->bw, f->N, f->K, &f->prm, seed)) return -1;
    mlm_tree_grow(t);
    for (int i = 0; i < f->N; i++)
        if (f->bw[i] == 0) {
            const double *p = mlm_tree_predict(t, f->x + (size_t)i * f->D);
            for (int k = 0; k < f->K; k++) f->oob[(size_t)i * MLM_TREE_K_MAX + k] += p[k];
            f->oob_n[i]++;
        }
    return f->n_trees++;
}
//< bag

void mlm_forest_predict(const mlm_forest *f, const double *x, double *p) {
    for (int k = 0; k < f->K; k++) p[k] = 0;
    for (int j = 0; j < f->n_trees; j++) {
        const double *q = mlm_tree_predict(&f->trees[j], x);
        for (int k = 0; k < f->K; k++) p[k] += q[k];
    }
    if (f->n_trees > 0)
        for (int k = 0; k < f->K; k++) p[k] /= f->n_trees;
}

double mlm_forest_oob_error(const mlm_forest *f, int *counted) {
    int n = 0, e = 0;
    for (int i = 0; i < f->N; i++) {
        if (f->oob_n[i] == 0) continue;
        const double *v = f->oob + (size_t)i * MLM_TREE_K_MAX;
        int best = 0;
        for (int k = 1; k < f->K; k++)
            if (v[k] > v[best]) best = k;
        n++, e += best != f->y[i];
    }
    if (counted) *counted = n;
    return n ? (double)e / n : 0;
}

/* ---- AdaBoost ---- */

size_t mlm_boost_bytes(int N, int D, int cap) {
    return 2 * TR_A16((size_t)N * sizeof(double)) + TR_A16((size_t)cap * sizeof(int32_t)) +
           4 * TR_A16((size_t)cap * sizeof(double)) + TR_A16((size_t)N * D * sizeof(int32_t)) +
           TR_A16((size_t)N * sizeof(int32_t));
}

void mlm_boost_setup(mlm_boost *b, void *buf, int N, int D, int cap) {
    unsigned char *p = buf;
    memset(b, 0, sizeof *b);
    b->w = (double *)p, p += TR_A16((size_t)N * sizeof(double));
    b->F = (double *)p, p += TR_A16((size_t)N * sizeof(double));
    b->feature = (int32_t *)p, p += TR_A16((size_t)cap * sizeof(int32_t));
    b->threshold = (double *)p, p += TR_A16((size_t)cap * sizeof(double));
    b->sign = (double *)p, p += TR_A16((size_t)cap * sizeof(double));
    b->alpha = (double *)p, p += TR_A16((size_t)cap * sizeof(double));
    b->eps = (double *)p, p += TR_A16((size_t)cap * sizeof(double));
    b->sorted = (int32_t *)p, p += TR_A16((size_t)N * D * sizeof(int32_t));
    b->N = N, b->D = D, b->cap = cap;
    b->bound = 1;
    b->tmp_ = (int32_t *)p;
}

int mlm_boost_start(mlm_boost *b, const double *x, int D, const int32_t *y, int N) {
    if (!x || !y || N < 1 || N > b->N || D < 1 || D > b->D) return -1;
    for (int i = 0; i < N; i++) {
        if (y[i] != 0 && y[i] != 1) return -1;
        for (int d = 0; d < D; d++)
            if (!mlm_isfinite(x[(size_t)i * D + d])) return -1;
    }
    b->x = x, b->y = y, b->N = N, b->D = D, b->T = 0, b->bound = 1;
    for (int i = 0; i < N; i++) b->w[i] = 1.0 / N, b->F[i] = 0;
    for (int f = 0; f < D; f++) {
        int32_t *a = b->sorted + (size_t)f * N;
        for (int i = 0; i < N; i++) a[i] = i;
        tr_sort(x, D, f, a, b->tmp_, N);
    }
    return 0;
}

//> stump
/* The stump search: for each feature, start with the threshold below every value (the stump says
   +1 everywhere, wrong on the weight of class -1) and move the points across one at a time in
   sorted order: a point of class +1 that crosses to the -1 side adds its weight to the error, one
   of class -1 takes it away. The opposite sign errs on exactly the rest of the weight. */
double mlm_boost_best_stump(const mlm_boost *b, const double *w, int *feature, double *threshold,
                            double *sign) {
    double W = 0, best = 2;
    for (int i = 0; i < b->N; i++) W += w[i];
    for (int f = 0; f < b->D; f++) {
        const int32_t *a = b->sorted + (size_t)f * b->N;
        double err = 0; /* of sign +1 with the threshold below everything */
        for (int i = 0; i < b->N; i++) err += b->y[a[i]] ? 0 : w[a[i]];
        double x0 = b->x[(size_t)a[0] * b->D + f];
        for (int j = -1; j < b->N; j++) {
            if (j >= 0) {
                int i = a[j];
                err += b->y[i] ? w[i] : -w[i];
                if (j == b->N - 1) break; /* every point on the -1 side: the threshold below does it */
                double u = b->x[(size_t)i * b->D + f], v = b->x[(size_t)a[j + 1] * b->D + f];
                if (!(u < v)) continue;
            }
            double thr = j < 0 ? x0 - 1 : tr_mid(b->x[(size_t)a[j] * b->D + f], b->x[(size_t)a[j + 1] * b->D + f]);
            double e = err < 0 ? 0 : err;
            if (e < best) best = e, *feature = f, *threshold = thr, *sign = 1;
            double e2 = W - err < 0 ? 0 : W - err;
            if (e2 < best) best = e2, *feature = f, *threshold = thr, *sign = -1;
        }
    }
    return best;
}
//< stump

double mlm_boost_stump(const mlm_boost *b, int t, const double *x) {
    return b->sign[t] * (x[b->feature[t]] > b->threshold[t] ? 1.0 : -1.0);
}

//> boost
/* One round of AdaBoost: the best stump under the current weights, its vote alpha, and the
   reweighting that makes its mistakes weigh exactly half of the new total. */
int mlm_boost_step(mlm_boost *b) {
    if (b->T >= b->cap) return -1;
    int f = 0;
    double thr = 0, sg = 1;
    double eps = mlm_boost_best_stump(b, b->w, &f, &thr, &sg);
    if (eps >= 0.5) return 1;
    int perfect = eps < 1e-10;
    double e = perfect ? 1e-10 : eps;
    double alpha = 0.5 * mlm_log((1 - e) / e);
    int t = b->T++;
    b->feature[t] = f, b->threshold[t] = thr, b->sign[t] = sg, b->alpha[t] = alpha, b->eps[t] = eps;
    double Z = 0;
    for (int i = 0; i < b->N; i++) {
        double h = mlm_boost_stump(b, t, b->x + (size_t)i * b->D), s = b->y[i] ? 1.0 : -1.0;
        b->F[i] += alpha * h;
        b->w[i] *= mlm_exp(-alpha * s * h);
        Z += b->w[i];
    }
    for (int i = 0; i < b->N; i++) b->w[i] /= Z;
    b->bound *= Z;
    return perfect;
}
//< boost

double mlm_boost_score(const mlm_boost *b, const double *x) {
    double F = 0;
    for (int t = 0; t < b->T; t++) F += b->alpha[t] * mlm_boost_stump(b, t, x);
    return F;
}

double mlm_boost_train_error(const mlm_boost *b) {
    int e = 0;
    for (int i = 0; i < b->N; i++) e += b->y[i] ? !(b->F[i] > 0) : !(b->F[i] < 0);
    return (double)e / b->N;
}
