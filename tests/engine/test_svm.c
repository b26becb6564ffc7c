/* test_svm.c: chapter 30's module (engine/svm.c) and the shared solver it draws
 * (engine/core/svm.c, checked in svm_checks.h: KKT at SMO's solution, the margin 2/|w| against a
 * brute-force widest band, strong duality, Pegasos' w against the dual's). Here, the module:
 *   - The score grid drawn is the decision function: every cell equals mlm_svm_smo_decision at its
 *     centre (each kernel, and Pegasos' w . x + b), though the grid is summed another way.
 *   - The contours: every endpoint of the f = 0 segments has f = 0 there and every endpoint of the
 *     margin segments |f| = 1 (exactly up to float rounding for the linear kernel, where f is
 *     linear and marching squares exact; within the grid's curvature for RBF).
 *   - Every SMO step keeps weak duality (P >= D) and never lowers D; at the end the readouts say
 *     what the solution is: support vectors = #{a > 0}, the margin = 2/|w| from w = sum a y x.
 *   - Pegasos runs its steps and ends above the optimum SMO finds, and not far above it.
 *   - The reader's points: a press adds one and restarts, a press on it removes it, the link text
 *     restores the same run; hostile text is refused; no points or one class end the run
 *     with a reason.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/svm.c"

#include "svm_checks.h"

static const mlm_module *const M = &mlm_module_svm;

static mlm_instance *make(const char *data, const char *solver, const char *kernel, double c, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", data);
    check_set_choice(in, "solver", solver);
    check_set_choice(in, "kernel", kernel);
    check_set(in, "c", c);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

static void t_grid(void) {
    const char *kernels[3] = {"linear", "poly", "rbf"};
    const char *datas[3] = {"overlap", "moons", "circles"};
    for (int k = 0; k < 4; k++) {
        mlm_instance *in = k < 3 ? make(datas[k], "smo", kernels[k], 1, 3) : make("linear", "pegasos", "linear", 1, 3);
        sv_state *s = in->self;
        for (int rounds = 0; rounds < 3; rounds++) {
            mlm_step(in, 25);
            mlm_draw(in);
            double h = (s->box[1] - s->box[0]) / SV_GRID, worst = 0;
            for (int r = 0; r < SV_GRID; r++)
                for (int c = 0; c < SV_GRID; c++) {
                    double q[2] = {s->box[0] + (c + 0.5) * h, s->box[2] + (r + 0.5) * h};
                    double f = k < 3 ? mlm_svm_smo_decision(&s->smo, q) : mlm_svm_pegasos_decision(&s->peg, q);
                    double e = fabs(s->grid[r * SV_GRID + c] - f) / fmax(1, fabs(f));
                    worst = fmax(worst, e);
                }
            CHECK(worst < 1e-6, "kernel %d: grid differs from f by %g (relative)", k, worst);
            /* contours */
            double tol = k == 2 ? 0.05 : 1e-4, w0 = 0, w1 = 0;
            for (int i = 0; i < s->n_seg0; i++)
                for (int e = 0; e < 2; e++) {
                    double f = k < 3 ? mlm_svm_smo_decision(&s->smo, (double[2]){s->seg0[i][2 * e], s->seg0[i][2 * e + 1]})
                                     : mlm_svm_pegasos_decision(&s->peg, (double[2]){s->seg0[i][2 * e], s->seg0[i][2 * e + 1]});
                    w0 = fmax(w0, fabs(f));
                }
            for (int i = 0; i < s->n_seg1; i++)
                for (int e = 0; e < 2; e++) {
                    double f = k < 3 ? mlm_svm_smo_decision(&s->smo, (double[2]){s->seg1[i][2 * e], s->seg1[i][2 * e + 1]})
                                     : mlm_svm_pegasos_decision(&s->peg, (double[2]){s->seg1[i][2 * e], s->seg1[i][2 * e + 1]});
                    w1 = fmax(w1, fabs(fabs(f) - 1));
                }
            if (k != 1) { /* the cubic kernel's scores are large: its contours are checked by count */
                CHECK(w0 <= tol, "kernel %d: f on the boundary segments up to %g", k, w0);
                CHECK(w1 <= tol, "kernel %d: |f| - 1 on the margin segments up to %g", k, w1);
            }
            CHECK(s->n_seg0 > 0 && s->n_seg0 < SV_SEG_MAX, "kernel %d: %d boundary segments", k, s->n_seg0);
        }
        mlm_destroy(in);
    }
}

static void t_smo_run(void) {
    const char *kernels[3] = {"linear", "poly", "rbf"};
    for (int k = 0; k < 3; k++) {
        mlm_instance *in = make(k == 0 ? "linear" : "circles", "smo", kernels[k], k == 0 ? 1 : 10, 5);
        sv_state *s = in->self;
        double dprev = -INFINITY;
        int weak = 1, mono = 1;
        while (!in->final && in->steps < SV_STEPS_MAX) {
            mlm_step(in, 1);
            if (s->primal < s->dual - 1e-9 * fmax(1, fabs(s->dual))) weak = 0;
            if (s->dual < dprev - 1e-9 * fmax(1, fabs(s->dual))) mono = 0;
            dprev = s->dual;
        }
        CHECK(weak, "kernel %d: P < D at some step", k);
        CHECK(mono, "kernel %d: D fell at some step", k);
        CHECK(in->status == MLM_CONVERGED, "kernel %d: status %d (%s)", k, in->status, in->reason);
        CHECK(s->smo.gap <= s->smo.tol, "kernel %d: gap %g", k, s->smo.gap);
        mlm_draw(in);
        int nsv = 0;
        for (int i = 0; i < s->N; i++) nsv += s->smo.a[i] > 0;
        CHECK(in->views[V_S_SV].value == nsv, "sv readout %g vs %d", in->views[V_S_SV].value, nsv);
        CHECK(in->views[V_SV].count == nsv && in->views[V_PTS].count == s->N - nsv, "support vectors drawn");
        if (k == 0) {
            double w[2];
            mlm_svm_smo_w(&s->smo, w);
            CHECK_REL(in->views[V_S_MARGIN].value, 2 / hypot(w[0], w[1]), 1e-6);
            CHECK_REL(s->wnorm, hypot(w[0], w[1]), 1e-9); /* sqrt(a'Qa) is |w| */
            /* P - D at the end: the primal from w and b directly, scaled as the core's F */
            double F = mlm_svm_primal_objective(s->N, 2, &s->x[0][0], s->y, w, s->b, 1.0 / (s->N * 1.0));
            CHECK_REL(s->primal, s->N * 1.0 * F, 1e-9);
        }
        mlm_destroy(in);
    }
}

static void t_pegasos(void) {
    for (int seed = 1; seed <= 3; seed++) {
        mlm_instance *in = make(seed == 2 ? "overlap" : "linear", "pegasos", "linear", 1, seed);
        check_set(in, "iters", 3000);
        mlm_reset(in, seed);
        sv_state *s = in->self;
        check_run_to_end(in, 100000);
        CHECK(in->status == MLM_FINISHED && in->steps == 3000, "pegasos: %d after %lld", in->status, (long long)in->steps);
        CHECK(s->primal >= s->pstar - 1e-9 * fmax(1, s->pstar), "below the optimum: %g < %g", s->primal, s->pstar);
        CHECK(s->primal <= 1.25 * s->pstar + 0.5, "seed %d: Pegasos at %g, optimum %g", seed, s->primal, s->pstar);
        mlm_destroy(in);
    }
}

static void t_points(void) {
    mlm_instance *in = make("mine", "smo", "linear", 1, 1);
    CHECK(mlm_step(in, 1) == 1 && in->status == MLM_FINISHED, "no points: finished");
    CHECK(mlm_pointer(in, P_PLANE, MLM_POINTER_DOWN, 2, 2) == 1, "a press adds a point and restarts");
    sv_state *s = in->self;
    CHECK(s->N == 1, "one point: %d", s->N);
    mlm_step(in, 1);
    CHECK(in->status == MLM_FINISHED && strstr(in->reason, "one class"), "one class: %s", in->reason);
    check_set_choice(in, "place", "c1");
    mlm_pointer(in, P_PLANE, MLM_POINTER_DOWN, -2, -1);
    mlm_pointer(in, P_PLANE, MLM_POINTER_DOWN, -3, 0.5);
    s = in->self;
    CHECK(s->N == 3 && s->y[1] == 1, "three points");
    check_run_to_end(in, 1000);
    CHECK(in->status == MLM_CONVERGED, "three points converge: %s", in->reason);
    char text[MLM_INPUT_MAX + 1];
    int len = mlm_input_get(in, text, sizeof text);
    CHECK(len == 12, "three points, four characters each: %d", len);
    mlm_instance *b = make("mine", "smo", "linear", 1, 1);
    CHECK(mlm_input_set(b, text) == 0, "the link restores the points");
    check_run_to_end(b, 1000);
    sv_state *sb = b->self;
    CHECK(sb->N == 3 && sb->b == s->b && sb->w[0] == s->w[0], "the same run");
    CHECK(mlm_input_set(b, "!!!") != 0 && mlm_input_set(b, "AAA") != 0, "hostile text refused");
    CHECK(((sv_state *)b->self)->N == 3, "and nothing changed");
    CHECK(mlm_pointer(in, P_PLANE, MLM_POINTER_DOWN, -2, -1) == 1 && ((sv_state *)in->self)->N == 2, "a press on a point removes it");
    CHECK(mlm_pointer(in, P_PROGRESS, MLM_POINTER_DOWN, 0, 0) == 0, "other panels ignore presses");
    mlm_destroy(in);
    mlm_destroy(b);
}

int main(void) {
    sc_check_all();
    t_grid();
    t_smo_run();
    t_pegasos();
    t_points();
    int runs = check_sweep(M, 300);
    CHECK(runs > 40, "sweep runs %d", runs);
    mlm_instance *in = make("circles", "smo", "rbf", 1000, 1);
    check_set(in, "n", SV_G_MAX);
    mlm_reset(in, 1);
    check_run_to_end(in, 200);
    CHECK(check_state_used(in) <= M->state_bytes, "state %zu > %zu", check_state_used(in), M->state_bytes);
    CHECK(check_views_nonfinite(in) == 0, "finite views");
    mlm_destroy(in);
    return CHECK_DONE("test_svm");
}
