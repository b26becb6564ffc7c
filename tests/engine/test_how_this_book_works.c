/* test_how_this_book_works.c: chapter 33's demo against what the mathematics says of
 * m <- m - eta (m - z), z ~ N(mu, sigma^2 I):
 *   - without noise (sigma = 0) the error shrinks by exactly |1 - eta| a step: m_t - mu =
 *     (1 - eta)^t (m_0 - mu);
 *   - with eta_t = 1/t, m_t is the mean of the t points drawn (brute force over the drawn points);
 *   - with a constant eta, E|m_t - mu|^2 tends to 2 eta sigma^2 / (2 - eta) (the stationary
 *     variance of the linear recursion, per axis eta sigma^2 / (2 - eta)), measured over seeds;
 *   - above eta = 2 the run diverges and says so; lr does not apply under the 1/t schedule. */
#include "../../engine/how_this_book_works.c"

#include <string.h>

#include "check.h"
#include "manifest.h"

int main(void) {
    const mlm_module *m = &mlm_module_how_this_book_works;
    CHECK(mlm_manifest_check(m) == NULL, "%s", mlm_manifest_check(m));
    mlm_instance *in = mlm_create(m);

    /* No noise: a geometric approach to mu, step by step. m_0 = 0, mu = (2, 1). */
    const double etas[] = {0.1, 0.5, 1.0, 1.5, 1.9};
    for (int k = 0; k < 5; k++) {
        check_set(in, "lr", etas[k]);
        check_set(in, "sigma", 0);
        CHECK(mlm_reset(in, 1) == 0, "%s", in->reason);
        for (int t = 1; t <= 40; t++) {
            mlm_step(in, 1);
            const how_state *s = in->self;
            double g = pow(1 - etas[k], t);
            CHECK_NEAR(s->m[0], 2 - 2 * g, 1e-12);
            CHECK_NEAR(s->m[1], 1 - 1 * g, 1e-12);
        }
    }

    /* 1/t: the estimate is the running mean of the points drawn (all of them kept: t <= SEEN). */
    check_set(in, "sigma", 1.5);
    check_set_choice(in, "schedule", "harmonic");
    CHECK(!mlm_param_applies(m, in->desc, mlm_param_index(m, "lr")), "lr applies under 1/t");
    CHECK(mlm_reset(in, 7) == 0, "%s", in->reason);
    for (int t = 1; t <= HOW_SEEN; t++) {
        mlm_step(in, 1);
        const how_state *s = in->self;
        double sx = 0, sy = 0;
        for (int i = 0; i < t; i++) sx += s->seen[i][0], sy += s->seen[i][1];
        /* the points are kept as floats: agreement to float rounding of each point */
        CHECK_NEAR(s->m[0], sx / t, 1e-5);
        CHECK_NEAR(s->m[1], sy / t, 1e-5);
    }

    /* Constant eta: the stationary mean square error 2 eta sigma^2 / (2 - eta), over 4000 seeds at
       step 200 (where the start's share, |1 - eta|^200 |mu|, is below 1e-9). The estimate's
       relative standard error is about sqrt(2 / 8000) = 1.6 %; 6 % is over three of them. */
    check_set_choice(in, "schedule", "const");
    const double lrs[] = {0.2, 1.0, 1.6}, sigma = 1.5;
    for (int k = 0; k < 3; k++) {
        check_set(in, "lr", lrs[k]);
        double sum = 0;
        for (int seed = 1; seed <= 4000; seed++) {
            mlm_reset(in, (uint64_t)seed);
            mlm_step(in, 200);
            const how_state *s = in->self;
            sum += (s->m[0] - 2) * (s->m[0] - 2) + (s->m[1] - 1) * (s->m[1] - 1);
        }
        double want = 2 * lrs[k] * sigma * sigma / (2 - lrs[k]);
        CHECK(fabs(sum / 4000 / want - 1) < 0.06, "eta %g: mean square %g, theory %g", lrs[k],
              sum / 4000, want);
    }

    /* Above 2 the error grows by |1 - eta| a step: the run diverges, with a reason. */
    check_set(in, "lr", 2.2);
    mlm_reset(in, 1);
    check_run_to_end(in, HOW_STEPS);
    CHECK(in->status == MLM_DIVERGED && in->final && strstr(in->reason, "above 2"), "%d %s",
          in->status, in->reason);
    /* ... and below it the run ends after HOW_STEPS points, finished. */
    check_set(in, "lr", 0.1);
    mlm_reset(in, 1);
    check_run_to_end(in, 10 * HOW_STEPS);
    CHECK(in->status == MLM_FINISHED && in->steps == HOW_STEPS, "%d at %lld", in->status,
          (long long)in->steps);
    CHECK(check_state_used(in) <= m->state_bytes, "%zu > %zu", check_state_used(in), m->state_bytes);
    mlm_destroy(in);

    CHECK(check_sweep(m, 300) > 0, "the sweep ran nothing");
    return CHECK_DONE("test_how_this_book_works");
}
