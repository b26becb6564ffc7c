/* test_@STEM@.c: checks the @STEM@ module against mathematics, not against itself.
 * Scaffolded for the parabola the module starts with: replace with the chapter's own checks
 * (closed forms, finite-difference gradients, invariants), and keep the sweep. */
#include "../../engine/@STEM@.c"

#include "check.h"
#include "manifest.h"

int main(void) {
    const mlm_module *m = &mlm_module_@STEM@;
    CHECK(mlm_manifest_check(m) == NULL, "%s", mlm_manifest_check(m));

    /* Closed form: x_k = (1 - lr c)^k x0 on f(x) = c x^2 / 2. */
    mlm_instance *in = mlm_create(m);
    check_set(in, "lr", 0.25);
    check_set(in, "curvature", 2);
    check_set(in, "x0", 3);
    CHECK(mlm_reset(in, 1) == 0, "reset failed: %s", in->reason);
    mlm_step(in, 10);
    const @STEM@_state *s = in->self;
    CHECK_NEAR(s->x, 3 * pow(1 - 0.25 * 2, 10), 1e-12);
    /* the state bound holds what the run took */
    CHECK(check_state_used(in) <= m->state_bytes, "%zu > %zu", check_state_used(in), m->state_bytes);
    CHECK(in->const_used <= m->const_bytes, "%zu > %zu", in->const_used, m->const_bytes);

    /* Divergence for lr > 2/c. */
    check_set(in, "lr", 1.5);
    mlm_reset(in, 1);
    check_run_to_end(in, 1000);
    CHECK(in->status == MLM_DIVERGED && in->final, "status %d", in->status);

    /* A start at the minimum is refused, with a reason. */
    check_set(in, "lr", 0.25);
    check_set(in, "x0", 0);
    CHECK(mlm_reset(in, 1) == -1 && in->reason[0], "x0 = 0 started: %s", in->reason);
    mlm_destroy(in);

    /* Every parameter at its min, max, default and between: finite views (check.h). */
    CHECK(check_sweep(m, 200) > 0, "the sweep ran nothing");
    return CHECK_DONE("test_@STEM@");
}
