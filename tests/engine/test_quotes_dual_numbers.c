/* test_quotes_dual_numbers.c: the numbers chapter 19 (chapters/19-dual-numbers.md) quotes that
 * no scalar readout of a run block shows as written (the best steps and their errors, which the
 * prose gives in scientific notation), at the defaults, to half a unit of their last digit. */
#include "../../engine/dual_numbers.c"

#include "check.h"

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit), "%s: %.6g, the chapter says %g", what, \
          (double)(got), (double)(quoted))

int main(void) {
    mlm_instance *in = mlm_create(&mlm_module_dual_numbers);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 1000);
    dn_state *s = in->self;
    CHECK(s->best_f >= 0 && s->best_c >= 0, "the sweep found its best steps");
    /* "The smallest errors come at h ≈ 5 × 10^-9 (forward, error about 3 × 10^-9)" */
    QUOTE("best forward h", s->fwd[2 * s->best_f] * 1e9, 5, 1);
    QUOTE("best forward error", s->fwd[2 * s->best_f + 1] * 1e9, 3, 1);
    /* "and h ≈ 3 × 10^-6 (central, error about 6 × 10^-12)" */
    QUOTE("best central h", s->cen[2 * s->best_c] * 1e6, 3, 1);
    QUOTE("best central error", s->cen[2 * s->best_c + 1] * 1e12, 6, 1);
    mlm_destroy(in);
    return CHECK_DONE("test_quotes_dual_numbers");
}
