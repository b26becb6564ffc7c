/* test_quotes_linear_regression.c: numbers chapter 2 (chapters/02-linear-regression.md) quotes that
 * are properties of the default data rather than readouts of one run (the Hessian's eigenvalues,
 * the optimum in scaled coordinates, the starting excess loss and the stopping tolerance) and one
 * average over many runs (the jitter of stochastic descent). Each is pinned as the chapter prints
 * it, to half a unit of its last digit. The chapter's step counts, w, b and MSEs are ```run blocks. */
#include "../../engine/linear_regression.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_linear_regression;

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", \
          what, (double)(got), (double)(quoted))

static mlm_instance *start(int scale, uint64_t seed, const char *batch) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "scale", scale);
    if (batch) check_set_choice(in, "batch", batch);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

static void test_data(void) {
    /* "For the default seed the exact values are 797.1 and 1.49, a condition number of 535. The
       learning rate must stay below 2/797.1 ≈ 0.00251" */
    mlm_instance *in = start(0, 1, NULL);
    const linreg_state *s = in->self;
    QUOTE("λmax", s->lam_max, 797.1, 0.1);
    QUOTE("λmin", s->lam_min, 1.49, 0.01);
    QUOTE("κ", s->lam_max / s->lam_min, 535, 1);
    mlm_destroy(in);
    /* "the optimum sits near w' ≈ 30.3 (... s ≈ 17.2 °C) and b' ≈ 50.4"; "It starts near 3450 °F²,
       the tolerance is a millionth of the variance of y (here 0.00093 °F²)" */
    in = start(1, 1, NULL);
    s = in->self;
    QUOTE("w'", s->w_opt, 30.3, 0.1);
    QUOTE("s", s->spread, 17.2, 0.1);
    QUOTE("b'", s->b_opt, 50.4, 0.1);
    QUOTE("the starting excess loss", s->loss - s->loss_opt, 3450, 10);
    QUOTE("the tolerance", s->tol, 0.00093, 0.00001);
    mlm_destroy(in);
}

/* "averaged over ten seeds and thousands of steps, one-point steps stay about 1.8 °F² above the
   smallest MSE and mini-batches of eight about 0.03": seeds 1 to 10, steps 1001 to 5000. */
static void test_jitter(void) {
    const char *kind[2] = {"sgd", "mini"};
    double mean[2];
    for (int k = 0; k < 2; k++) {
        double sum = 0;
        long count = 0;
        for (uint64_t seed = 1; seed <= 10; seed++) {
            mlm_instance *in = start(1, seed, kind[k]);
            const linreg_state *s = in->self;
            while (in->steps < 5000 && mlm_step(in, 1) == 1)
                if (in->steps > 1000) sum += s->loss - s->loss_opt, count++;
            mlm_destroy(in);
        }
        mean[k] = sum / (double)count;
    }
    printf("excess MSE of stochastic descent: one point %.3g, batches of eight %.3g\n", mean[0], mean[1]);
    QUOTE("one-point steps above the least MSE", mean[0], 1.8, 0.1);
    QUOTE("batches of eight above the least MSE", mean[1], 0.03, 0.01);
}

int main(void) {
    test_data();
    test_jitter();
    return CHECK_DONE("test_quotes_linear_regression");
}
