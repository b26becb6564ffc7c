/* test_k_means.c: k-means against its mathematics.
 *   - Inertia never increases: after every half-step of 60 seeds x both starts x k = 2..10 on
 *     blobs (and the iris petals), J recomputed here from the points, labels and centres is at
 *     most the J before it (to 1e-9 relative).
 *   - A fixed point in finitely many steps: every such run ends converged, within the module's
 *     half-step limit, and at its end, checked by brute force, every point's centre is a nearest
 *     one and every centre with points is their mean; another assignment and update change
 *     nothing.
 *   - k-means++ draws the next centre with probability D(x)^2 / sum D^2: 200,000 draws on a fixed
 *     set of 8 points with 2 centres chosen, a chi-square statistic against those probabilities
 *     below 30 (7 degrees of freedom: a correct sampler exceeds it with probability about 1e-4);
 *     and the same statistic against the uniform distribution is huge (the test can fail).
 *   - k random points are distinct points of the data.
 *   - The reader's points: a press adds one and restarts, the link text restores the same run.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/k_means.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_k_means;

static double inertia_here(const km_state *s) {
    double J = 0;
    for (int i = 0; i < s->N; i++) {
        double dx = s->x[i][0] - s->c[s->label[i]][0], dy = s->x[i][1] - s->c[s->label[i]][1];
        J += dx * dx + dy * dy;
    }
    return J;
}

static void test_monotone_and_fixed_point(void) {
    long runs = 0, halves = 0, longest = 0;
    for (int data = 0; data < 2; data++)
        for (uint64_t seed = 1; seed <= (data == 0 ? 60u : 10u); seed++)
            for (int init = 0; init < 2; init++)
                for (int k = 2; k <= KM_K_MAX; k += (data == 0 ? 1 : 4)) {
                    mlm_instance *in = mlm_create(M);
                    check_set(in, "data", data);
                    check_set(in, "init", init);
                    check_set(in, "k", k);
                    check_set(in, "noise", (double)(seed % 5) * 0.2);
                    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
                    km_state *s = in->self;
                    double prev = INFINITY;
                    int bad = 0;
                    while (!in->final && in->steps < KM_HALF_MAX + 5) {
                        mlm_step(in, 1);
                        double J = inertia_here(s);
                        CHECK_REL(J, s->J, 1e-12);
                        if (J > prev * (1 + 1e-9)) bad++;
                        prev = J;
                    }
                    CHECK(bad == 0, "seed %llu k %d init %d: inertia rose %d times", (unsigned long long)seed, k, init, bad);
                    CHECK(in->status == MLM_CONVERGED, "seed %llu k %d: status %d (%s)", (unsigned long long)seed, k,
                          in->status, in->reason);
                    /* the fixed point, by brute force */
                    int not_nearest = 0, not_mean = 0;
                    for (int i = 0; i < s->N; i++)
                        for (int j = 0; j < s->k; j++)
                            if (km_d2(s->x[i], s->c[j]) < km_d2(s->x[i], s->c[s->label[i]])) not_nearest++;
                    for (int j = 0; j < s->k; j++) {
                        double mx = 0, my = 0;
                        int n = 0;
                        for (int i = 0; i < s->N; i++)
                            if (s->label[i] == j) mx += s->x[i][0], my += s->x[i][1], n++;
                        if (n && (fabs(mx / n - s->c[j][0]) > 1e-12 || fabs(my / n - s->c[j][1]) > 1e-12)) not_mean++;
                    }
                    CHECK(not_nearest == 0 && not_mean == 0, "seed %llu: %d points not at a nearest centre, %d centres off their mean",
                          (unsigned long long)seed, not_nearest, not_mean);
                    double c0[KM_K_MAX][2];
                    memcpy(c0, s->c, sizeof c0);
                    int changed = km_assign((const double (*)[2])s->x, s->label, s->N, (const double (*)[2])s->c, s->k);
                    km_update((const double (*)[2])s->x, s->label, s->N, s->c, s->k);
                    CHECK(changed == 0 && memcmp(c0, s->c, sizeof c0) == 0, "the fixed point moved");
                    runs++, halves += in->steps;
                    if (in->steps > longest) longest = (long)in->steps;
                    CHECK(check_views_nonfinite(in) == 0, "non-finite view");
                    mlm_destroy(in);
                }
    /* chapter 11: "makes 1,140 runs (60 seeds of blobs and 10 of iris, both starts, several k)" */
    CHECK(runs == 1140, "runs %ld", runs);
    printf("monotone: %ld runs, %ld half-steps, every one converged; the longest took %ld half-steps\n", runs, halves,
           longest);
}

static void test_plusplus_d2(void) {
    const double x[8][2] = {{0, 0}, {1, 0}, {0, 2}, {3, 1}, {-2, -1}, {4, 4}, {0.5, 0.5}, {-1, 3}};
    double c[2][2] = {{0, 0}, {4, 4}};
    double p[8], total = 0;
    for (int i = 0; i < 8; i++) {
        p[i] = fmin(km_d2(x[i], c[0]), km_d2(x[i], c[1]));
        total += p[i];
    }
    for (int i = 0; i < 8; i++) p[i] /= total;
    const int draws = 200000;
    long count[8] = {0};
    mlm_rng g;
    mlm_rng_seed(&g, 12345, 7);
    for (int t = 0; t < draws; t++) count[km_pp_next(x, 8, (const double (*)[2])c, 2, &g)]++;
    double chi = 0, chi_uniform = 0;
    for (int i = 0; i < 8; i++) {
        if (p[i] == 0) {
            CHECK(count[i] == 0, "point %d sits on a centre but was drawn %ld times", i, count[i]);
            continue;
        }
        double e = p[i] * draws, u = draws / 8.0;
        chi += (count[i] - e) * (count[i] - e) / e;
        chi_uniform += (count[i] - u) * (count[i] - u) / u;
    }
    /* two points have D = 0 and are never drawn: 6 cells, 5 degrees of freedom; P(chi2_5 > 30) ~ 1.5e-5 */
    printf("k-means++: chi-square %.2f against D^2 (5 degrees of freedom), %.0f against uniform\n", chi, chi_uniform);
    CHECK(chi < 30, "chi-square %g", chi);
    CHECK(chi_uniform > 1000, "uniform would pass: %g", chi_uniform);
    /* every point on a centre: uniform */
    double same[3][2] = {{1, 1}, {1, 1}, {1, 1}};
    long hit[3] = {0};
    for (int t = 0; t < 3000; t++) hit[km_pp_next(same, 3, (const double (*)[2])same, 1, &g)]++;
    CHECK(hit[0] > 800 && hit[1] > 800 && hit[2] > 800, "uniform fallback %ld %ld %ld", hit[0], hit[1], hit[2]);
}

static void test_random_init(void) {
    for (uint64_t seed = 1; seed <= 100; seed++) {
        mlm_instance *in = mlm_create(M);
        check_set(in, "k", 10);
        check_set(in, "n", 20);
        CHECK(mlm_reset(in, seed) == 0, "reset");
        km_state *s = in->self;
        for (int j = 0; j < s->k; j++) {
            int found = 0;
            for (int i = 0; i < s->N; i++) found |= s->x[i][0] == s->c[j][0] && s->x[i][1] == s->c[j][1];
            CHECK(found, "centre %d is not a data point", j);
            for (int l = 0; l < j; l++) CHECK(memcmp(s->c[l], s->c[j], sizeof s->c[j]) != 0, "centres %d, %d coincide", l, j);
        }
        mlm_destroy(in);
    }
}

static void test_points(void) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", "mine");
    check_set(in, "k", 2);
    CHECK(mlm_reset(in, 3) == 0, "reset");
    mlm_step(in, 1);
    CHECK(in->status == MLM_FINISHED, "no points: %d", in->status);
    CHECK(mlm_reset(in, 3) == 0, "reset");
    double pts[4][2] = {{-3, -3}, {-2.5, -3}, {3, 3}, {3, 2.5}};
    for (int i = 0; i < 4; i++) CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, pts[i][0], pts[i][1]) == 1, "add");
    km_state *s = in->self;
    CHECK(s->N == 4, "N %d", s->N);
    check_run_to_end(in, 100);
    CHECK(in->status == MLM_CONVERGED, "status %d", in->status);
    CHECK(s->label[0] == s->label[1] && s->label[2] == s->label[3] && s->label[0] != s->label[2], "two pairs");
    char buf[MLM_INPUT_MAX + 1];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 16, "text %s", buf);
    mlm_instance *b = mlm_create(M);
    check_set_choice(b, "data", "mine");
    check_set(b, "k", 2);
    CHECK(mlm_reset(b, 3) == 0, "reset");
    CHECK(mlm_input_set(b, buf) == 0, "input_set");
    check_run_to_end(b, 100);
    CHECK(((km_state *)b->self)->J == s->J, "same run");
    CHECK(mlm_input_set(b, "A") == -1, "malformed text refused");
    mlm_destroy(b);
    mlm_destroy(in);
}

int main(void) {
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    test_plusplus_d2();
    test_random_init();
    test_monotone_and_fixed_point();
    test_points();
    CHECK(check_sweep(M, 40) > 0, "sweep");
    mlm_instance *in = mlm_create(M);
    check_set(in, "n", KM_G_MAX);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    CHECK(check_state_used(in) <= M->state_bytes, "state");
    mlm_destroy(in);
    return CHECK_DONE("test_k_means");
}
