/* test_trees.c: the chapter's module against its definitions, recomputed here.
 *   - Tree scene: each step splits one node (the leaves grow by one), the split is the best of
 *     a brute-force search over every threshold of both features at that node; the search
 *     panel's curves hold that node's decreases (their maximum marked); the regions drawn equal
 *     the tree's prediction at every cell centre, recomputed by walking the nodes here; an
 *     unlimited tree ends with zero training error on distinct points; the depth limit and the
 *     smallest leaf hold; the diagram has a disc per node and an edge per non-root node.
 *   - Forest scene: the regions are the mean of the trees' probabilities (recomputed from the
 *     trees), the test error is the forest's vote recomputed here, the out-of-bag error the
 *     vote of the trees each point was not drawn for, and the newest tree's points split into
 *     drawn and never drawn as its bootstrap says.
 *   - Boost scene: training error never above the bound at any round; the regions are the sign
 *     of F recomputed from the stumps; the weights drawn (areas) are N w_i and sum to N.
 *   - The reader's points: a press adds one and restarts, a press on it removes it, the link
 *     text restores the run, hostile text is refused; only the reader's points with no test set.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/trees.c"

#include <stdlib.h>

#include "check.h"

static const mlm_module *const M = &mlm_module_trees;

static mlm_instance *make(const char *scene, const char *data, int n, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", scene);
    check_set_choice(in, "data", data);
    check_set(in, "n", n);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

static int walk(const mlm_tree *t, const double *x) {
    int j = 0;
    while (t->nodes[j].feature >= 0) j = x[t->nodes[j].feature] <= t->nodes[j].threshold ? t->nodes[j].left : t->nodes[j].right;
    return j;
}

static double bf_imp(int crit, const double *c, int K) {
    double W = 0, s = 0;
    for (int k = 0; k < K; k++) W += c[k];
    for (int k = 0; k < K; k++) {
        double p = c[k] / W;
        s += crit ? (p > 0 ? -p * log2(p) : 0) : p * (1 - p);
    }
    return s;
}

/* the best decrease at node j over every threshold of both features, from scratch */
static double bf_best(const tr_state *s, const mlm_tree *t, int j, int crit, int ml) {
    const mlm_tree_node *nd = &t->nodes[j];
    double best = -1;
    for (int f = 0; f < 2; f++)
        for (int a = nd->start; a < nd->start + nd->count; a++) {
            double thr = s->x[t->idx[a]][f];
            double c[3] = {0}, l[3] = {0}, r[3] = {0};
            int nl = 0, nr = 0;
            for (int b = nd->start; b < nd->start + nd->count; b++) {
                int i = t->idx[b];
                c[s->y[i]]++;
                if (s->x[i][f] <= thr) l[s->y[i]]++, nl++;
                else r[s->y[i]]++, nr++;
            }
            if (nl < ml || nr < ml) continue;
            double g = bf_imp(crit, c, s->K) - (double)nl / nd->count * bf_imp(crit, l, s->K) -
                       (double)nr / nd->count * bf_imp(crit, r, s->K);
            best = fmax(best, g);
        }
    return best;
}

static float cls_value(const double *p, int K) {
    int k = 0;
    for (int q = 1; q < K; q++)
        if (p[q] > p[k]) k = q;
    double st = (p[k] - 1.0 / K) / (1 - 1.0 / K);
    st = 0.6 * fmin(1, fmax(0, st));
    return (k == 0 ? 0.0f : k == 1 ? -1.0f : 1.0f) + (float)st;
}

static void test_tree_scene(void) {
    static const char *data[] = {"moons", "circles", "xor", "spiral", "blobs", "iris"};
    int checked = 0;
    for (int di = 0; di < 6; di++)
        for (int crit = 0; crit < 2; crit++)
            for (int ml = 1; ml <= 5; ml += 4) {
                mlm_instance *in = make("tree", data[di], 80, 3 + di);
                check_set(in, "crit", crit);
                check_set(in, "min_leaf", ml);
                mlm_reset(in, 3 + di);
                tr_state *s = in->self;
                int leaves = 1;
                while (!in->final && in->steps < 400) {
                    mlm_step(in, 1);
                    if (in->final) break;
                    CHECK(s->tree.n_leaves == leaves + 1, "one split a step");
                    leaves = s->tree.n_leaves;
                    const mlm_tree_node *nd = &s->tree.nodes[s->last];
                    CHECK_NEAR(nd->gain, bf_best(s, &s->tree, s->last, crit, ml), 1e-12);
                    double m = -1;
                    for (int f = 0; f < 2; f++)
                        for (int q = 0; q < s->nc[f]; q++) m = fmax(m, s->curve[f][q][1]);
                    CHECK_NEAR(m, (float)nd->gain, 1e-6);
                    CHECK(s->chosen[0][1] == (float)nd->gain, "chosen marker");
                    checked++;
                }
                CHECK(in->status == MLM_CONVERGED, "tree complete: %s", in->reason);
                mlm_draw(in);
                for (int c = 0; c < TR_G2; c++) {
                    float v = cls_value(s->tree.nodes[walk(&s->tree, s->cell[c])].p, s->K);
                    if (s->grid[c] != v) {
                        CHECK(0, "cell %d: %g vs %g", c, s->grid[c], v);
                        break;
                    }
                }
                for (int j = 0; j < s->tree.n_nodes; j++)
                    if (s->tree.nodes[j].feature < 0) CHECK(s->tree.nodes[j].count >= ml, "leaf size");
                CHECK(in->views[V_D_NODES].count == s->tree.n_nodes, "a disc per node");
                CHECK(in->views[V_D_EDGES].count == s->tree.n_nodes - 1, "an edge per child");
                if (ml == 1 && di != 5) CHECK(s->train_err == 0, "%s: %d training errors", data[di], s->train_err);
                mlm_destroy(in);
            }
    CHECK(checked > 200, "%d splits", checked);
    /* the depth limit */
    for (int depth = 1; depth <= 4; depth++) {
        mlm_instance *in = make("tree", "moons", 100, 1);
        check_set(in, "depth", depth);
        mlm_reset(in, 1);
        check_run_to_end(in, 400);
        tr_state *s = in->self;
        CHECK(s->tree.depth <= depth, "depth %d > %d", s->tree.depth, depth);
        CHECK(s->tree.n_leaves <= 1 << depth, "leaves");
        mlm_destroy(in);
    }
}

static void test_forest_scene(void) {
    for (int mtry = 0; mtry <= 1; mtry++) {
        mlm_instance *in = make("forest", "moons", 80, 2);
        check_set(in, "trees", 12);
        check_set(in, "mtry", mtry);
        mlm_reset(in, 2);
        tr_state *s = in->self;
        double oobs[TR_N_MAX][3] = {{0}};
        int oobn[TR_N_MAX] = {0};
        while (!in->final) {
            mlm_step(in, 1);
            const mlm_tree *t = &s->forest.trees[s->forest.n_trees - 1];
            char drawn[TR_N_MAX] = {0};
            for (int q = 0; q < t->nodes[0].count; q++) drawn[t->idx[q]] = 1;
            for (int i = 0; i < s->N; i++)
                if (!drawn[i]) {
                    const double *p = t->nodes[walk(t, s->x[i])].p;
                    for (int k = 0; k < s->K; k++) oobs[i][k] += p[k];
                    oobn[i]++;
                }
            int e = 0, m = 0;
            for (int i = 0; i < s->N; i++)
                if (oobn[i]) m++, e += (oobs[i][1] > oobs[i][0]) != s->y[i];
            CHECK_NEAR(s->oob, (double)e / m, 1e-15);
            mlm_draw(in);
            CHECK(in->views[V_ONE_IN].count == t->nodes[0].count, "drawn points");
            CHECK(in->views[V_ONE_IN].count + in->views[V_ONE_OUT].count == s->N, "all points");
        }
        CHECK(s->forest.n_trees == 12 && in->status == MLM_FINISHED, "12 trees");
        /* regions and test error: the mean of the trees, recomputed */
        int n = s->forest.n_trees, bad = 0;
        for (int c = 0; c < TR_G2; c++) {
            double p[3] = {0};
            for (int j = 0; j < n; j++)
                for (int k = 0; k < s->K; k++) p[k] += s->forest.trees[j].nodes[walk(&s->forest.trees[j], s->cell[c])].p[k] / n;
            bad += fabs(s->grid[c] - cls_value(p, s->K)) > 1e-5;
        }
        CHECK(bad == 0, "%d cells differ from the mean of the trees", bad);
        int e = 0;
        for (int i = 0; i < s->T; i++) {
            double p[3] = {0};
            for (int j = 0; j < n; j++)
                for (int k = 0; k < s->K; k++) p[k] += s->forest.trees[j].nodes[walk(&s->forest.trees[j], s->xt[i])].p[k];
            e += (p[1] > p[0]) != s->yt[i];
        }
        CHECK(e == s->test_err, "test errors %d vs %d", e, s->test_err);
        mlm_destroy(in);
    }
}

static void test_boost_scene(void) {
    static const char *data[] = {"moons", "circles", "xor", "spiral", "blobs", "iris"};
    for (int di = 0; di < 6; di++) {
        mlm_instance *in = make("boost", data[di], 100, 5);
        tr_state *s = in->self;
        while (!in->final) {
            mlm_step(in, 1);
            const mlm_boost *b = &s->boost;
            CHECK(tr_pct(s->train_err, s->N) <= 100 * b->bound * (1 + 1e-12), "%s round %d: error %d, bound %g",
                  data[di], b->T, s->train_err, b->bound);
        }
        mlm_draw(in);
        const mlm_boost *b = &s->boost;
        int bad = 0;
        for (int c = 0; c < TR_G2; c++) {
            double F = 0;
            for (int t = 0; t < b->T; t++)
                F += b->alpha[t] * b->sign[t] * (s->cell[c][b->feature[t]] > b->threshold[t] ? 1 : -1);
            bad += floorf(s->grid[c]) != (F > 0 ? -1 : 0);
        }
        CHECK(bad == 0, "%s: %d cells on the wrong side", data[di], bad);
        double sum = 0;
        for (int i = 0; i < s->N; i++) sum += in->views[V_BUB].data[4 * i + 3];
        CHECK_NEAR(sum, s->N, 1e-3);
        mlm_destroy(in);
    }
}

static void test_points(void) {
    mlm_instance *in = make("tree", "mine", 100, 1);
    CHECK(mlm_step(in, 1) == 1 && in->status == MLM_FINISHED, "no points: finished");
    check_set_choice(in, "place", "c1");
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, 1, 1) == 1, "add restarts");
    check_set_choice(in, "place", "c0");
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, -2, 3) == 1, "add another");
    tr_state *s = in->self;
    CHECK(s->N == 2 && s->T == 0, "two points, no test set");
    char buf[MLM_INPUT_MAX + 1];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 8, "8 characters");
    check_run_to_end(in, 10);
    CHECK(in->status == MLM_CONVERGED && s->tree.n_leaves == 2 && s->train_err == 0, "two leaves");
    mlm_instance *b = mlm_create(M);
    check_set_choice(b, "data", "mine");
    mlm_reset(b, 1);
    CHECK(mlm_input_set(b, buf) == 0, "restore");
    CHECK(((tr_state *)b->self)->N == 2, "restored points");
    CHECK(mlm_input_set(b, "abc") == -1 && ((tr_state *)b->self)->N == 2, "hostile text refused");
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, 1, 1) == 1 && ((tr_state *)in->self)->N == 1, "remove");
    for (int scene = 0; scene < 3; scene++) { /* every scene on two placed points */
        check_set(b, "scene", scene);
        mlm_reset(b, 1);
        check_run_to_end(b, 300);
        CHECK(check_views_nonfinite(b) == 0, "finite");
    }
    mlm_destroy(b);
    mlm_destroy(in);
}

static void test_sweep(void) {
    for (int scene = 0; scene < 3; scene++) {
        mlm_instance *in = mlm_create(M);
        check_set(in, "scene", scene);
        check_set(in, "n", 150);
        check_set(in, "trees", TR_TREES_MAX);
        check_set(in, "rounds", TR_ROUNDS_MAX);
        CHECK(mlm_reset(in, 9) == 0, "reset %s", in->reason);
        for (int j = 0; j < MLM_POINTS_MAX; j++) /* the most points a run can hold */
            mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, -5.5 + 0.9 * (j % 12), 5.5 - 0.9 * (j / 12));
        CHECK(((tr_state *)in->self)->N == 150 + MLM_POINTS_MAX, "full: %d", ((tr_state *)in->self)->N);
        check_run_to_end(in, 1000);
        CHECK(check_views_nonfinite(in) == 0, "finite");
        CHECK(check_state_used(in) <= M->state_bytes, "within bound");
        mlm_destroy(in);
    }
    CHECK(check_sweep(M, 30) > 0, "sweep");
}

int main(void) {
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    test_tree_scene();
    test_forest_scene();
    test_boost_scene();
    test_points();
    test_sweep();
    return CHECK_DONE("test_trees");
}
