/* test_knn.c: k-nearest neighbours against its definition, recomputed here from scratch.
 *   - The three distances on points with known values (a 3-4-5 triangle), and their symmetry.
 *   - The regions drawn equal a brute-force classification of every cell: each cell's centre
 *     sorted against every training point by (distance, index) with qsort, the votes counted
 *     afresh; every dataset, metric, vote and several k.
 *   - k = n predicts the majority class everywhere (uniform votes, a unique majority).
 *   - k = 1 (and k = 2, by the tie rule) has zero training error on distinct points (many seeds,
 *     every generated dataset).
 *   - Regression: the curve is the mean of the k nearest targets (brute force), and k = n gives
 *     the mean of all of them at every x.
 *   - The reader's points: a press adds one and restarts, a press on it removes it, the link
 *     text restores the same run; hostile text is refused.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/knn.c"

#include <stdlib.h>

#include "check.h"

static const mlm_module *const M = &mlm_module_knn;

static mlm_instance *make(const char *data, const char *metric, const char *weight, int n, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", data);
    check_set_choice(in, "metric", metric);
    check_set_choice(in, "weight", weight);
    check_set(in, "n", n);
    check_set(in, "kmax", 60);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

/* ---- the brute force ---- */
static double bf_q[2];
static const kn_state *bf_s;
static int bf_metric;

static double bf_dist(const double *a, const double *b, int metric) {
    double dx = a[0] - b[0], dy = a[1] - b[1];
    if (metric == 1) return fabs(dx) + fabs(dy);
    if (metric == 2) return fmax(fabs(dx), fabs(dy));
    return sqrt(dx * dx + dy * dy);
}

static int bf_cmp(const void *pa, const void *pb) {
    int a = *(const int *)pa, b = *(const int *)pb;
    double da = bf_dist(bf_s->x[a], bf_q, bf_metric), db = bf_dist(bf_s->x[b], bf_q, bf_metric);
    if (da != db) return da < db ? -1 : 1;
    return a - b;
}

static int bf_classify(const kn_state *s, int metric, int weighted, const double *q, int k) {
    int order[KN_N_MAX];
    for (int i = 0; i < s->N; i++) order[i] = i;
    bf_q[0] = q[0], bf_q[1] = q[1], bf_s = s, bf_metric = metric;
    qsort(order, s->N, sizeof order[0], bf_cmp);
    if (k > s->N) k = s->N;
    double votes[8] = {0};
    int zero = 0;
    for (int j = 0; j < k; j++) zero += bf_dist(s->x[order[j]], q, metric) == 0;
    for (int j = 0; j < k; j++) {
        double dj = bf_dist(s->x[order[j]], q, metric);
        if (weighted && zero) votes[s->y[order[j]]] += dj == 0;
        else votes[s->y[order[j]]] += weighted ? 1 / dj : 1;
    }
    double best = 0;
    for (int c = 0; c < s->K; c++) best = fmax(best, votes[c]);
    for (int j = 0; j < k; j++)
        if (votes[s->y[order[j]]] == best) return s->y[order[j]];
    return -1;
}

static void test_distances(void) {
    double a[2] = {1, -2}, b[2] = {4, 2};
    CHECK_NEAR(kn_dist(KN_EUCLID, a, b), 5, 0);
    CHECK_NEAR(kn_dist(KN_MANHATTAN, a, b), 7, 0);
    CHECK_NEAR(kn_dist(KN_CHEBYSHEV, a, b), 4, 0);
    for (int m = 0; m < 3; m++) CHECK(kn_dist(m, a, b) == kn_dist(m, b, a), "metric %d not symmetric", m);
}

static void test_regions(void) {
    const char *datas[5] = {"moons", "blobs", "overlap", "circles", "iris"};
    const char *metrics[3] = {"euclid", "manhattan", "chebyshev"};
    const char *weights[2] = {"uniform", "distance"};
    const int ks[3] = {1, 7, 60};
    long cells = 0, wrong = 0;
    for (int di = 0; di < 5; di++)
        for (int mi = 0; mi < 3; mi++)
            for (int wi = 0; wi < 2; wi++) {
                mlm_instance *in = make(datas[di], metrics[mi], weights[wi], 60, 3 + di);
                kn_state *s = in->self;
                for (int ki = 0; ki < 3; ki++) {
                    while (s->k < ks[ki] && !in->final) mlm_step(in, 1);
                    mlm_draw(in);
                    int k = s->k;
                    int fv = s->K == 2 ? V_FIELD2 : V_FIELD;
                    const float *g = in->views[fv].data;
                    CHECK(in->views[fv].w == KN_GRID && in->views[fv].h == KN_GRID && !in->views[fv].hidden, "grid size");
                    double hx = (s->box[1] - s->box[0]) / KN_GRID, hy = (s->box[3] - s->box[2]) / KN_GRID;
                    for (int r = 0; r < KN_GRID; r++)
                        for (int c = 0; c < KN_GRID; c++) {
                            double q[2] = {s->box[0] + (c + 0.5) * hx, s->box[2] + (r + 0.5) * hy};
                            int want = bf_classify(s, mi, wi, q, k);
                            float fw = s->K == 2 ? (want ? 1.0f : -1.0f) : (float)want;
                            cells++;
                            wrong += g[r * KN_GRID + c] != fw;
                        }
                }
                mlm_destroy(in);
            }
    printf("regions: %ld cells against brute force, %ld differ\n", cells, wrong);
    CHECK(wrong == 0, "%ld of %ld cells differ from brute force", wrong, cells);
}

static void test_majority(void) {
    /* the reader's points only: 5 of class 2, 3 of class 0, 2 of class 1, scattered */
    mlm_instance *in = make("mine", "euclid", "uniform", 60, 1);
    const int cls[10] = {2, 0, 2, 1, 2, 0, 2, 1, 0, 2};
    for (int i = 0; i < 10; i++) {
        check_set(in, "place", cls[i]);
        CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, -5 + 1.1 * i, 5 - 1.05 * i + 0.7 * (i % 3)) == 1, "press %d", i);
    }
    kn_state *s = in->self;
    CHECK(s->N == 10, "%d points", s->N);
    for (int m = 0; m < 3; m++) {
        check_set(in, "metric", m);
        mlm_reset(in, 1);
        s = in->self;
        check_run_to_end(in, 100);
        CHECK(s->k == 10, "swept to k = %d", s->k);
        mlm_draw(in);
        int bad = 0;
        for (int i = 0; i < KN_GRID * KN_GRID; i++) bad += in->views[V_FIELD].data[i] != 2.0f;
        CHECK(bad == 0, "metric %d: %d cells not the majority class", m, bad);
    }
    mlm_destroy(in);
    /* moons (40 of each class) with one placed point of class 1: 41 against 40 */
    in = make("moons", "manhattan", "uniform", 80, 7);
    check_set(in, "place", 1);
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, 5.9, -5.9) == 1, "press");
    s = in->self;
    CHECK(s->N == 81, "%d points", s->N);
    int major = 0;
    for (int i = 0; i < s->N; i++) major += s->y[i] == 1;
    CHECK(major == 41, "%d of class 1", major);
    for (int i = 0; i < s->N; i++) s->y[i] = s->y[i]; /* unchanged */
    double q[2] = {0, 0};
    for (int t = 0; t < 20; t++) {
        q[0] = -6 + 0.6 * t, q[1] = 6 - 0.55 * t;
        CHECK(kn_classify(KN_MANHATTAN, 0, (const double(*)[2])s->x, s->y, s->N, s->K, q, s->N) == 1, "at %g,%g", q[0], q[1]);
    }
    mlm_destroy(in);
}

static void test_k1(void) {
    const char *datas[4] = {"moons", "blobs", "overlap", "circles"};
    int runs = 0;
    for (int di = 0; di < 4; di++)
        for (int m = 0; m < 3; m++)
            for (uint64_t seed = 1; seed <= 25; seed++) {
                mlm_instance *in = make(datas[di], m == 0 ? "euclid" : m == 1 ? "manhattan" : "chebyshev",
                                        seed % 2 ? "uniform" : "distance", 120, seed);
                kn_state *s = in->self;
                int distinct = 1;
                for (int i = 0; i < s->N; i++)
                    for (int j = 0; j < i; j++) distinct &= s->x[i][0] != s->x[j][0] || s->x[i][1] != s->x[j][1];
                if (distinct) {
                    mlm_step(in, 1);
                    CHECK(s->k == 1 && s->train_err == 0, "%s seed %llu: %d training errors at k = 1", datas[di],
                          (unsigned long long)seed, s->train_err);
                    /* k = 2: a point's own vote and its nearest neighbour's; a tie goes to the nearer */
                    mlm_step(in, 1);
                    CHECK(s->k == 2 && s->train_err == 0, "%s seed %llu: %d training errors at k = 2", datas[di],
                          (unsigned long long)seed, s->train_err);
                    runs++;
                }
                mlm_destroy(in);
            }
    CHECK(runs >= 250, "only %d runs had distinct points", runs);
    /* and the errors are what counting gives: k = 3 on moons, brute force */
    mlm_instance *in = make("moons", "euclid", "uniform", 80, 2);
    kn_state *s = in->self;
    mlm_step(in, 3);
    int e = 0, et = 0;
    for (int i = 0; i < s->N; i++) e += bf_classify(s, 0, 0, s->x[i], 3) != s->y[i];
    for (int i = 0; i < s->T; i++) et += bf_classify(s, 0, 0, s->xt[i], 3) != s->yt[i];
    CHECK(e == s->train_err && et == s->test_err, "k = 3: %d/%d against %d/%d", s->train_err, s->test_err, e, et);
    mlm_destroy(in);
}

static void test_regression(void) {
    mlm_instance *in = make("moons", "euclid", "uniform", 80, 4);
    kn_state *s = in->self;
    double mean = 0;
    for (int i = 0; i < KN_R_N; i++) mean += s->ry[i];
    mean /= KN_R_N;
    for (int t = 0; t <= 50; t++) {
        double x = -1 + 8.5 * t / 50;
        CHECK_NEAR(kn_regress(s->rx, s->ry, KN_R_N, x, KN_R_N), mean, 1e-12);
        /* brute force for k = 5: the 5 smallest |x - rx| by selection */
        int used[KN_R_N] = {0};
        double sum = 0;
        for (int j = 0; j < 5; j++) {
            int b = -1;
            for (int i = 0; i < KN_R_N; i++)
                if (!used[i] && (b < 0 || fabs(s->rx[i] - x) < fabs(s->rx[b] - x))) b = i;
            used[b] = 1, sum += s->ry[b];
        }
        CHECK_NEAR(kn_regress(s->rx, s->ry, KN_R_N, x, 5), sum / 5, 1e-12);
    }
    mlm_destroy(in);
}

static void test_points(void) {
    mlm_instance *in = make("blobs", "euclid", "uniform", 60, 9);
    check_set(in, "place", 2);
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, 1.5, 1.5) == 1, "press adds");
    kn_state *s = in->self;
    CHECK(s->N == 61 && s->y[60] == 2, "N %d", s->N);
    mlm_step(in, 5);
    char buf[MLM_INPUT_MAX + 1];
    int len = mlm_input_get(in, buf, sizeof buf);
    CHECK(len == 4, "text length %d", len);
    mlm_instance *b = make("blobs", "euclid", "uniform", 60, 9);
    CHECK(mlm_input_set(b, buf) == 0, "input_set");
    mlm_step(b, 5);
    kn_state *t = b->self;
    CHECK(t->N == 61 && t->test_err == s->test_err && t->train_err == s->train_err, "replay");
    CHECK(memcmp(t->x, s->x, sizeof s->x) == 0, "same points");
    CHECK(mlm_input_set(b, "!!") != 0 && mlm_input_set(b, "AAAAA") != 0, "hostile text refused");
    CHECK(mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, 1.5, 1.5) == 1, "press removes");
    CHECK(((kn_state *)in->self)->N == 60, "removed");
    mlm_destroy(in), mlm_destroy(b);
}

static void test_sweep(void) {
    int runs = check_sweep(M, 80);
    CHECK(runs > 20, "%d runs", runs);
    mlm_instance *in = make("blobs", "euclid", "uniform", KN_G_MAX, 1);
    for (int i = 0; i < MLM_POINTS_MAX; i++) mlm_pointer(in, P_REGIONS, MLM_POINTER_DOWN, -5.9 + 0.09 * i, 5.5 - 0.08 * i);
    check_run_to_end(in, 100);
    CHECK(check_views_nonfinite(in) == 0, "non-finite");
    CHECK(check_state_used(in) <= M->state_bytes, "state %zu > %zu", check_state_used(in), M->state_bytes);
    mlm_destroy(in);
}

int main(void) {
    test_distances();
    test_regions();
    test_majority();
    test_k1();
    test_regression();
    test_points();
    test_sweep();
    return CHECK_DONE("knn");
}
