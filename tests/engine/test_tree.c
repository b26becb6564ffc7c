/* test_tree.c: CART, forests and AdaBoost against their definitions, recomputed here.
 *   - Impurity closed forms: Gini 1/2 and entropy 1 bit for two equal classes, log2 K bits and
 *     1 - 1/K for K equal classes, 0 when pure, the same for any scale of the weights.
 *   - The chosen split maximises the impurity decrease: at every node of grown trees (both
 *     criteria, with and without sample weights, min leaf sizes 1..5, duplicated values), every
 *     feature and every threshold between distinct values is scored from scratch, and none beats
 *     the one chosen; the decrease reported is the one recomputed for it, and so is every point
 *     of the decrease-against-threshold curve (whose largest value is the node's).
 *   - An unlimited tree has zero training error on distinct points (every 2-D dataset, many
 *     seeds, both criteria); the leaves partition the samples, respect min_leaf and max_depth,
 *     children's weights add up to their parent's, each leaf's box holds its points.
 *   - Forests: each tree is pure on its bootstrap sample, the forest's probabilities are the mean
 *     of its trees', the out-of-bag error equals the vote recomputed from the trees over the
 *     samples each did not draw, and about (1 - 1/N)^N of the samples are out of bag per tree.
 *   - AdaBoost: the stump has the least weighted error (brute force); Z_t = 2 sqrt(eps_t (1 -
 *     eps_t)); after a round the stump's mistakes weigh exactly 1/2; prod Z_t equals the mean of
 *     exp(-s_i F(x_i)); the training error never exceeds that exponential bound.
 *   - Refused: labels out of range, negative or non-finite weights, non-finite x. */
#include "../../engine/core/tree.c"

#include <stdlib.h>

#include "check.h"
#include "datasets2d.h"

#define NMAX 400

static double bf_imp(int crit, const double *cw, int K) {
    double tot = 0;
    for (int k = 0; k < K; k++) tot += cw[k];
    if (tot <= 0) return 0;
    double s = 0;
    for (int k = 0; k < K; k++) {
        double p = cw[k] / tot;
        if (crit == MLM_TREE_ENTROPY) s += p > 0 ? -p * log2(p) : 0;
        else s += p * (1 - p); /* sum p (1 - p) = 1 - sum p^2 */
    }
    return s;
}

static void test_impurity(void) {
    double two[2] = {3, 3}, four[4] = {1, 1, 1, 1}, pure[3] = {0, 5, 0}, three[3] = {2, 2, 2};
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_GINI, two, 2), 0.5, 1e-15);
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_ENTROPY, two, 2), 1.0, 1e-14);
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_ENTROPY, four, 4), 2.0, 1e-14);
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_GINI, four, 4), 0.75, 1e-15);
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_GINI, three, 3), 2.0 / 3, 1e-15);
    CHECK_NEAR(mlm_tree_impurity(MLM_TREE_ENTROPY, three, 3), log2(3), 1e-14);
    CHECK(mlm_tree_impurity(MLM_TREE_GINI, pure, 3) == 0, "gini pure");
    CHECK(mlm_tree_impurity(MLM_TREE_ENTROPY, pure, 3) == 0, "entropy pure");
    double a[3] = {1, 2, 7}, b[3] = {10, 20, 70};
    for (int c = 0; c < 2; c++) {
        CHECK_NEAR(mlm_tree_impurity(c, a, 3), mlm_tree_impurity(c, b, 3), 1e-14);
        CHECK_NEAR(mlm_tree_impurity(c, a, 3), bf_imp(c, a, 3), 1e-14);
    }
}

/* the decrease of splitting node samples s (n) at x[f] <= thr, from scratch; -1 if a side has
   fewer than ml samples */
static double bf_gain(const mlm_tree *t, const int32_t *s, int n, int f, double thr, int ml) {
    double cp[MLM_TREE_K_MAX] = {0}, cl[MLM_TREE_K_MAX] = {0}, cr[MLM_TREE_K_MAX] = {0}, W = 0, WL = 0, WR = 0;
    int nl = 0, nr = 0;
    for (int j = 0; j < n; j++) {
        int i = s[j];
        double w = t->w ? t->w[i] : 1;
        cp[t->y[i]] += w, W += w;
        if (t->x[i * t->D + f] <= thr) cl[t->y[i]] += w, WL += w, nl++;
        else cr[t->y[i]] += w, WR += w, nr++;
    }
    if (nl < ml || nr < ml) return -1;
    int c = t->prm.criterion;
    return bf_imp(c, cp, t->K) - WL / W * bf_imp(c, cl, t->K) - WR / W * bf_imp(c, cr, t->K);
}

static int cmp_d(const void *a, const void *b) {
    double u = *(const double *)a, v = *(const double *)b;
    return u < v ? -1 : u > v;
}

/* Every node of t that was split: no threshold on any feature beats the chosen one. */
static void check_splits(mlm_tree *t, int *checked) {
    for (int j = 0; j < t->n_nodes; j++) {
        const mlm_tree_node *nd = &t->nodes[j];
        if (nd->feature < 0) continue;
        const int32_t *s = t->idx + nd->start;
        double chosen = bf_gain(t, s, nd->count, nd->feature, nd->threshold, t->prm.min_leaf);
        CHECK(chosen >= 0, "chosen split leaves fewer than min_leaf on a side");
        CHECK_NEAR(chosen, nd->gain, 1e-12);
        double best = -1;
        for (int f = 0; f < t->D; f++) {
            double v[NMAX];
            for (int q = 0; q < nd->count; q++) v[q] = t->x[s[q] * t->D + f];
            qsort(v, nd->count, sizeof v[0], cmp_d);
            for (int q = 0; q + 1 < nd->count; q++) {
                if (v[q] == v[q + 1]) continue;
                double g = bf_gain(t, s, nd->count, f, 0.5 * (v[q] + v[q + 1]), t->prm.min_leaf);
                best = fmax(best, g);
            }
        }
        CHECK(chosen >= best - 1e-12, "node %d: chosen %.17g, brute force %.17g", j, chosen, best);
        (*checked)++;
        /* the curve the search maximises: each point is the decrease at its threshold */
        double cmax = -1;
        for (int f = 0; f < t->D; f++) {
            double thr[NMAX], g[NMAX];
            int m = mlm_tree_split_curve(t, j, f, thr, g);
            CHECK(m < nd->count, "curve length");
            for (int q = 0; q < m; q++) {
                CHECK(q == 0 || thr[q] > thr[q - 1], "thresholds increase");
                CHECK_NEAR(g[q], bf_gain(t, s, nd->count, f, thr[q], t->prm.min_leaf), 1e-12);
                cmax = fmax(cmax, g[q]);
            }
        }
        CHECK_NEAR(cmax, nd->gain, 1e-15);
    }
}

/* Structure: leaves partition the samples, respect min_leaf and depth; children add up. */
static void check_structure(const mlm_tree *t, int n_samples) {
    int covered = 0, leaves = 0;
    for (int j = 0; j < t->n_nodes; j++) {
        const mlm_tree_node *nd = &t->nodes[j];
        double ps = 0;
        for (int k = 0; k < t->K; k++) ps += nd->p[k];
        CHECK_NEAR(ps, 1.0, 1e-12);
        if (t->prm.max_depth > 0) CHECK(nd->depth <= t->prm.max_depth, "depth %d", nd->depth);
        if (nd->feature < 0) {
            leaves++, covered += nd->count;
            CHECK(nd->count >= t->prm.min_leaf || j == 0, "leaf %d holds %d", j, nd->count);
            double lo[2] = {-1e9, -1e9}, hi[2] = {1e9, 1e9};
            if (t->D == 2) {
                mlm_tree_node_box(t, j, lo, hi);
                for (int q = nd->start; q < nd->start + nd->count; q++) {
                    const double *x = t->x + t->idx[q] * 2;
                    CHECK(x[0] > lo[0] && x[0] <= hi[0] && x[1] > lo[1] && x[1] <= hi[1], "box");
                    CHECK(mlm_tree_leaf(t, x) == j, "point falls in its leaf");
                }
            }
        } else {
            const mlm_tree_node *l = &t->nodes[nd->left], *r = &t->nodes[nd->right];
            CHECK(l->count + r->count == nd->count, "counts");
            CHECK_NEAR(l->weight + r->weight, nd->weight, 1e-9 * nd->weight);
            CHECK(l->parent == j && r->parent == j && l->depth == nd->depth + 1, "links");
        }
    }
    CHECK(covered == n_samples, "leaves hold %d of %d", covered, n_samples);
    CHECK(leaves == t->n_leaves, "leaves %d vs %d", leaves, t->n_leaves);
}

static double X[NMAX * 2], Wt[NMAX];
static int32_t Y[NMAX];
static unsigned char buf_tree[1 << 20];

static int gen(int kind, int n, double noise, uint64_t seed) {
    mlm_rng r;
    mlm_rng_seed(&r, seed, 7);
    mlm_d2_spec spec = {.kind = kind, .n = n, .noise = noise, .margin = 0.5, .classes = 4};
    int y[NMAX];
    mlm_d2_generate(&spec, &r, X, y, NULL);
    for (int i = 0; i < n; i++) Y[i] = y[i];
    return mlm_d2_classes(&spec);
}

static void test_splits(void) {
    mlm_tree t;
    int checked = 0;
    for (int seed = 1; seed <= 6; seed++)
        for (int kind = 0; kind < MLM_D2_COUNT; kind++)
            for (int crit = 0; crit < 2; crit++) {
                int n = 60 + 20 * seed, K = gen(kind, n, 0.6, seed * 100 + kind);
                if (seed % 2 == 0) /* rounded: many equal values */
                    for (int i = 0; i < 2 * n; i++) X[i] = round(X[i] * 2) / 2;
                int weighted = seed % 3 == 0;
                mlm_rng r;
                mlm_rng_seed(&r, seed, 3);
                for (int i = 0; i < n; i++) Wt[i] = weighted ? mlm_rng_below(&r, 4) * 0.5 : 1;
                mlm_tree_params prm = {crit, seed % 4 == 0 ? 4 : 0, 1 + seed % 5, 0};
                mlm_tree_setup(&t, buf_tree, n, mlm_tree_max_nodes(n, prm.max_depth));
                CHECK(mlm_tree_bytes(n, mlm_tree_max_nodes(n, prm.max_depth)) <= sizeof buf_tree, "room");
                CHECK(mlm_tree_start(&t, X, 2, Y, weighted ? Wt : NULL, n, K, &prm, seed) == 0, "start");
                mlm_tree_grow(&t);
                check_splits(&t, &checked);
                int pos = 0;
                for (int i = 0; i < n; i++) pos += !weighted || Wt[i] > 0;
                check_structure(&t, pos);
            }
    CHECK(checked > 1000, "only %d splits checked", checked);
}

static void test_zero_error(void) {
    mlm_tree t;
    int trees = 0;
    for (int seed = 1; seed <= 10; seed++)
        for (int kind = 0; kind < MLM_D2_COUNT; kind++)
            for (int crit = 0; crit < 2; crit++) {
                int n = 50 + 25 * (seed % 7), K = gen(kind, n, 1.0, seed * 31 + kind);
                int distinct = 1;
                for (int i = 0; i < n && distinct; i++)
                    for (int j = 0; j < i; j++)
                        if (X[2 * i] == X[2 * j] && X[2 * i + 1] == X[2 * j + 1]) {
                            distinct = 0;
                            break;
                        }
                if (!distinct) continue;
                mlm_tree_params prm = {crit, 0, 1, 0};
                mlm_tree_setup(&t, buf_tree, n, mlm_tree_max_nodes(n, 0));
                CHECK(mlm_tree_start(&t, X, 2, Y, NULL, n, K, &prm, 1) == 0, "start");
                int steps = 0;
                while (mlm_tree_step(&t) >= 0) steps++;
                CHECK(steps == t.n_leaves - 1, "one split a step");
                int err = 0;
                for (int i = 0; i < n; i++) err += mlm_tree_classify(&t, X + 2 * i) != Y[i];
                CHECK(err == 0, "kind %d seed %d: %d training errors", kind, seed, err);
                check_structure(&t, n);
                trees++;
            }
    CHECK(trees > 120, "only %d trees", trees);
}

static unsigned char buf_forest[8 << 20];

static void test_forest(void) {
    mlm_forest f;
    int n = 120, K = gen(MLM_D2_MOONS, n, 0.8, 5), ntrees = 40;
    double oob_frac = 0;
    for (int mf = 0; mf <= 1; mf++) {
        mlm_tree_params prm = {MLM_TREE_GINI, 0, 1, mf};
        int cap = mlm_tree_max_nodes(n, 0);
        CHECK(mlm_forest_bytes(n, ntrees, cap) <= sizeof buf_forest, "room");
        mlm_forest_setup(&f, buf_forest, n, ntrees, cap);
        CHECK(mlm_forest_start(&f, X, 2, Y, n, K, &prm) == 0, "start");
        mlm_rng r;
        mlm_rng_seed(&r, 11 + mf, 1);
        double sum[NMAX][MLM_TREE_K_MAX] = {{0}};
        int cnt[NMAX] = {0};
        for (int j = 0; j < ntrees; j++) {
            CHECK(mlm_forest_add(&f, &r) == j, "add");
            const mlm_tree *t = &f.trees[j];
            char in_bag[NMAX] = {0};
            for (int q = 0; q < t->nodes[0].count; q++) in_bag[t->idx[q]] = 1;
            int out = 0;
            for (int i = 0; i < n; i++) {
                if (in_bag[i]) CHECK(mlm_tree_classify(t, X + 2 * i) == Y[i], "pure on its sample");
                else {
                    const double *p = mlm_tree_predict(t, X + 2 * i);
                    for (int k = 0; k < K; k++) sum[i][k] += p[k];
                    cnt[i]++, out++;
                }
            }
            oob_frac += (double)out / n;
            int counted = 0, e = 0, m = 0;
            for (int i = 0; i < n; i++) {
                if (!cnt[i]) continue;
                int best = 0;
                for (int k = 1; k < K; k++)
                    if (sum[i][k] > sum[i][best]) best = k;
                m++, e += best != Y[i];
            }
            double oob = mlm_forest_oob_error(&f, &counted);
            CHECK(counted == m, "counted %d vs %d", counted, m);
            CHECK_NEAR(oob, m ? (double)e / m : 0, 1e-15);
        }
        CHECK(mlm_forest_add(&f, &r) == -1, "full");
        for (int q = 0; q < 50; q++) {
            double x[2] = {mlm_rng_range(&r, -6, 6), mlm_rng_range(&r, -6, 6)}, p[MLM_TREE_K_MAX], m[2] = {0};
            mlm_forest_predict(&f, x, p);
            for (int j = 0; j < ntrees; j++)
                for (int k = 0; k < K; k++) m[k] += mlm_tree_predict(&f.trees[j], x)[k];
            for (int k = 0; k < K; k++) CHECK_NEAR(p[k], m[k] / ntrees, 1e-12);
        }
        double oob = mlm_forest_oob_error(&f, NULL);
        CHECK(oob < 0.3, "moons out-of-bag error %g", oob);
    }
    oob_frac /= 2 * ntrees;
    CHECK_NEAR(oob_frac, pow(1 - 1.0 / n, n), 0.02);
}

static unsigned char buf_boost[1 << 20];

static double bf_stump(const mlm_boost *b, const double *w, int *ff, double *tt, double *ss) {
    double best = 2;
    for (int f = 0; f < b->D; f++)
        for (int c = -1; c < b->N; c++) {
            double thr = c < 0 ? -1e300 : b->x[c * b->D + f]; /* x <= thr on the -1 side */
            for (int sg = 1; sg >= -1; sg -= 2) {
                double e = 0;
                for (int i = 0; i < b->N; i++) {
                    double h = sg * (b->x[i * b->D + f] > thr ? 1 : -1);
                    e += (h > 0) != (b->y[i] == 1) ? w[i] : 0;
                }
                if (e < best) best = e, *ff = f, *tt = thr, *ss = sg;
            }
        }
    return best;
}

static void test_boost(void) {
    mlm_boost b;
    int rounds = 0;
    for (int seed = 1; seed <= 8; seed++) {
        static const int kinds[4] = {MLM_D2_MOONS, MLM_D2_CIRCLES, MLM_D2_XOR, MLM_D2_OVERLAP};
        int n = 80 + 10 * seed;
        gen(kinds[seed % 4], n, 0.7, seed);
        if (seed % 2) for (int i = 0; i < 2 * n; i++) X[i] = round(X[i] * 2) / 2;
        int cap = 60;
        CHECK(mlm_boost_bytes(n, 2, cap) <= sizeof buf_boost, "room");
        mlm_boost_setup(&b, buf_boost, n, 2, cap);
        CHECK(mlm_boost_start(&b, X, 2, Y, n) == 0, "start");
        double prev_bound = 1;
        for (int t = 0; t < cap; t++) {
            double w0[NMAX];
            memcpy(w0, b.w, n * sizeof(double));
            int f1, f2;
            double t1, t2, s1, s2;
            double e1 = mlm_boost_best_stump(&b, b.w, &f1, &t1, &s1), e2 = bf_stump(&b, b.w, &f2, &t2, &s2);
            CHECK_NEAR(e1, e2, 1e-12);
            int r = mlm_boost_step(&b);
            if (r != 0) break;
            rounds++;
            double eps = b.eps[t], mist = 0, ws = 0, bf_err = 0;
            for (int i = 0; i < n; i++) {
                double h = mlm_boost_stump(&b, t, X + 2 * i), s = Y[i] ? 1 : -1;
                bf_err += h != s ? w0[i] : 0;
                mist += h != s ? b.w[i] : 0;
                ws += b.w[i];
            }
            CHECK_NEAR(eps, bf_err, 1e-12);
            CHECK_NEAR(ws, 1.0, 1e-12);
            CHECK_NEAR(mist, 0.5, 1e-9);
            CHECK_NEAR(b.bound / prev_bound, 2 * sqrt(eps * (1 - eps)), 1e-9);
            prev_bound = b.bound;
            double m = 0;
            int e = 0;
            for (int i = 0; i < n; i++) {
                double s = Y[i] ? 1 : -1, F = mlm_boost_score(&b, X + 2 * i);
                CHECK_NEAR(F, b.F[i], 1e-9 * fmax(1, fabs(F)));
                m += exp(-s * F) / n;
                e += !(s * F > 0);
            }
            CHECK_REL(b.bound, m, 1e-9);
            CHECK_NEAR(mlm_boost_train_error(&b), (double)e / n, 1e-15);
            CHECK(mlm_boost_train_error(&b) <= b.bound * (1 + 1e-12), "error %g above bound %g",
                  mlm_boost_train_error(&b), b.bound);
        }
    }
    CHECK(rounds > 300, "only %d rounds", rounds);
    /* separable by one stump: the first round is perfect and the error 0 */
    double xs[8] = {0, 0, 1, 0, 2, 0, 3, 0};
    int32_t ys[4] = {0, 0, 1, 1};
    mlm_boost_setup(&b, buf_boost, 4, 2, 5);
    CHECK(mlm_boost_start(&b, xs, 2, ys, 4) == 0, "start");
    CHECK(mlm_boost_step(&b) == 1 && b.T == 1, "perfect stump stops");
    CHECK(mlm_boost_train_error(&b) == 0, "zero error");
    CHECK(b.feature[0] == 0 && b.threshold[0] == 1.5 && b.sign[0] == 1, "the stump");
}

static void test_refused(void) {
    mlm_tree t;
    mlm_tree_params prm = {0, 0, 1, 0};
    double x[4] = {0, 1, 2, 3}, w[2] = {1, -1};
    int32_t y[2] = {0, 2};
    mlm_tree_setup(&t, buf_tree, 2, 3);
    CHECK(mlm_tree_start(&t, x, 2, y, NULL, 2, 2, &prm, 1) == -1, "label out of range");
    y[1] = 1;
    CHECK(mlm_tree_start(&t, x, 2, y, w, 2, 2, &prm, 1) == -1, "negative weight");
    w[1] = NAN;
    CHECK(mlm_tree_start(&t, x, 2, y, w, 2, 2, &prm, 1) == -1, "NaN weight");
    w[0] = w[1] = 0;
    CHECK(mlm_tree_start(&t, x, 2, y, w, 2, 2, &prm, 1) == -1, "no weight");
    x[3] = INFINITY;
    CHECK(mlm_tree_start(&t, x, 2, y, NULL, 2, 2, &prm, 1) == -1, "inf x");
    CHECK(mlm_tree_start(&t, x, 2, y, NULL, 3, 2, &prm, 1) == -1, "N beyond setup");
    x[3] = 3;
    CHECK(mlm_tree_start(&t, x, 2, y, NULL, 2, 2, &prm, 1) == 0, "fine");
    CHECK(mlm_tree_grow(&t) == 2, "two leaves");
    mlm_boost b;
    mlm_boost_setup(&b, buf_boost, 2, 2, 3);
    y[1] = 2;
    CHECK(mlm_boost_start(&b, x, 2, y, 2) == -1, "boost label");
}

int main(void) {
    test_impurity();
    test_splits();
    test_zero_error();
    test_forest();
    test_boost();
    test_refused();
    return CHECK_DONE("test_tree");
}
