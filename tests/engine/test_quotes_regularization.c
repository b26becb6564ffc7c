/* test_quotes_regularization.c: numbers chapter 6 (chapters/06-regularization.md) quotes that no
 * ```run block can read, because they are not readouts: the U-curve's exact least-squares errors,
 * the loss's curvatures, the lasso and ridge paths against λ, where the test error of the run is
 * least, and the constraint scene's points and multipliers. Each is pinned as the chapter prints
 * it, to half a unit of its last digit. The chapter's step counts and the errors of single runs
 * are ```run blocks. */
#include "../../engine/regularization.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_regularization;

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", \
          what, (double)(got), (double)(quoted))

static mlm_instance *start(const char *scene, const char *penalty, double lambda) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", scene);
    if (penalty) {
        check_set_choice(in, "penalty", penalty);
        check_set(in, "lambda", lambda);
    }
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

static void test_fit(void) {
    mlm_instance *in = start("fit", NULL, 0);
    const reg_state *s = in->self;
    const float *ute = s->c->u_te, *utr = s->c->u_tr;
    /* "the test error is 0.688 ... its minimum, 0.118 ... degree 12 the training error is 0.012 ...
       The test error is 193 ... At degree 15 the test error is 965." */
    QUOTE("U-curve test error, degree 0", ute[2 * 0 + 1], 0.688, 0.001);
    QUOTE("U-curve test error, degree 3", ute[2 * 3 + 1], 0.118, 0.001);
    for (int d = 0; d <= REG_DMAX; d++)
        CHECK(ute[2 * d + 1] >= ute[2 * 3 + 1], "degree %d beats degree 3 on the test set", d);
    QUOTE("U-curve training error, degree 12", utr[2 * 12 + 1], 0.012, 0.001);
    QUOTE("U-curve test error, degree 12", ute[2 * 12 + 1], 193, 1);
    QUOTE("U-curve test error, degree 15", ute[2 * 15 + 1], 965, 1);
    /* "its curvatures range from L = 1.70 down to μ = 7.3e-5, a ratio of about 23,000" */
    QUOTE("L", s->fit->L, 1.70, 0.01);
    QUOTE("μ", s->fit->mu, 7.3e-5, 0.1e-5);
    QUOTE("L / μ", s->fit->L / s->fit->mu, 23000, 1000);
    /* "the test error bottoms out at 0.148 at step 10" (the least over the whole run) */
    double best = INFINITY;
    int64_t at = 0;
    while (!in->final && in->steps < 5000) {
        mlm_step(in, 1);
        if (s->fit->mse_te < best) best = s->fit->mse_te, at = in->steps;
    }
    CHECK(at == 10, "the test error is least at step %lld, not 10", (long long)at);
    QUOTE("the run's least test error", best, 0.148, 0.001);
    mlm_destroy(in);

    /* Ridge at λ = 0.03: "the smallest curvature grows from 7.3e-5 to 0.029. The condition number
       drops from 23,000 to 61"; "degree 15 now costs 0.244". */
    in = start("fit", "ridge", 0.03);
    s = in->self;
    QUOTE("ridge μ", s->fit->mu, 0.029, 0.001);
    QUOTE("ridge L / μ", s->fit->L / s->fit->mu, 61, 1);
    QUOTE("ridge U-curve test error, degree 15", s->c->u_te[2 * 15 + 1], 0.244, 0.001);
    mlm_destroy(in);
}

static void test_paths(void) {
    mlm_instance *in = start("paths", NULL, 0);
    const reg_state *s = in->self;
    check_run_to_end(in, 1000);
    const reg_paths *p = s->paths;
    CHECK(p->k == REG_LAMS, "the paths stopped after %d values of λ", p->k);
    /* "for every λ >= 0.529 they are all flat at zero" */
    QUOTE("λmax", p->lam_max, 0.529, 0.001);
    /* "one coefficient is nonzero at λ = 0.46, two from 0.38, three at 0.083 and five at 0.056" */
    double first[6] = {0, 0, 0, 0, 0, 0};
    for (int k = REG_LAMS - 1; k >= 0; k--)
        if (p->nz[k] <= 5) first[p->nz[k]] = p->lam[k]; /* the largest λ with that count */
    QUOTE("λ with one nonzero", first[1], 0.46, 0.01);
    QUOTE("λ with two nonzero", first[2], 0.38, 0.01);
    QUOTE("λ with three nonzero", first[3], 0.083, 0.001);
    QUOTE("λ with five nonzero", first[5], 0.056, 0.001);
    /* "11 coefficients are nonzero at λ = 0.0012 and only 10 at λ = 0.001"; w1 held at zero around
       λ = 0.0002 */
    int z = 0;
    for (int k = 0; k < REG_LAMS; k++) {
        if (fabs(p->lam[k] - 0.0012) < 0.0001) CHECK(p->nz[k] == 11, "%d nonzero at λ = %g", p->nz[k], p->lam[k]);
        if (fabs(p->lam[k] - 0.001) < 0.00001) CHECK(p->nz[k] == 10, "%d nonzero at λ = %g", p->nz[k], p->lam[k]);
        if (p->lam[k] > 0.00015 && p->lam[k] < 0.00025) z += p->lasso[k * REG_P + 1] == 0;
    }
    CHECK(z > 0, "the lasso never holds w1 at zero near λ = 0.0002");
    /* "the lowest test error for ridge is 0.164, at λ = 0.032, and for the lasso 0.099, at λ = 0.056
       with five nonzero coefficients" */
    int br = 0, bl = 0;
    for (int k = 1; k < REG_LAMS; k++) {
        if (p->err[4 * k + 1] < p->err[4 * br + 1]) br = k;
        if (p->err[4 * k + 3] < p->err[4 * bl + 3]) bl = k;
    }
    QUOTE("ridge's least test error", p->err[4 * br + 1], 0.164, 0.001);
    QUOTE("its λ", p->lam[br], 0.032, 0.001);
    QUOTE("lasso's least test error", p->err[4 * bl + 3], 0.099, 0.001);
    QUOTE("its λ", p->lam[bl], 0.056, 0.001);
    CHECK(p->nz[bl] == 5, "%d nonzero at the lasso's best λ", p->nz[bl]);
    mlm_destroy(in);
}

static void test_constraint(void) {
    /* "both runs stop after 77 steps. Inside the diamond the solution is the corner (1, 0) ...
       Inside the circle it is (0.923, 0.385) ... λ = 0.86 for the lasso form and 0.848 for the
       ridge form"; "Set t = 0.5 and the diamond still answers (0.5, 0)." */
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "constraint");
    check_set(in, "lr", 0.3);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    check_run_to_end(in, 10000);
    CHECK(in->final && in->steps == 77, "the constraint runs end at step %lld", (long long)in->steps);
    mlm_draw(in);
    const reg_cons *k = ((const reg_state *)in->self)->cons;
    QUOTE("the diamond's w1", k->w[0][0], 1, 0.001);
    CHECK(k->w[0][1] == 0, "the diamond's w2 is %g, not exactly 0", k->w[0][1]);
    QUOTE("the circle's w1", k->w[1][0], 0.923, 0.001);
    QUOTE("the circle's w2", k->w[1][1], 0.385, 0.001);
    QUOTE("the lasso multiplier", reg_cons_multiplier(k, 0), 0.86, 0.01);
    QUOTE("the ridge multiplier", reg_cons_multiplier(k, 1), 0.848, 0.001);
    mlm_destroy(in);
    in = mlm_create(M);
    check_set_choice(in, "scene", "constraint");
    check_set(in, "lr", 0.3);
    check_set(in, "radius", 0.5);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    check_run_to_end(in, 10000);
    k = ((const reg_state *)in->self)->cons;
    QUOTE("t = 0.5: the diamond's w1", k->w[0][0], 0.5, 0.001);
    CHECK(k->w[0][1] == 0, "t = 0.5: the diamond's w2 is %g", k->w[0][1]);
    mlm_destroy(in);
}

int main(void) {
    test_fit();
    test_paths();
    test_constraint();
    return CHECK_DONE("test_quotes_regularization");
}
