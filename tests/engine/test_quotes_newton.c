/* test_quotes_newton.c: numbers chapter 3 (chapters/03-newton.md) quotes from runs that the
 * module's own test (test_newton.c, "the numbers the chapter states") does not already pin: the
 * measured ratios e_{k+1}/e_k², Newton's first and third steps on Rosenbrock, Booth's one-step
 * solution, and the saddle. Each as printed in the chapter, to half a unit of its last digit. */
#include "../../engine/newton.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_newton;

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", \
          what, (double)(got), (double)(quoted))

static mlm_instance *make2(const char *fn, double px, double py, const char *safeguard, double lr) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "2d");
    check_set_choice(in, "fn2", fn);
    check_set(in, "px", px);
    check_set(in, "py", py);
    check_set_choice(in, "safeguard", safeguard);
    check_set(in, "lr", lr);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

/* "The measured ratios e_{k+1} / e_k² for the last three steps are 0.880, 0.916 and 0.916" (the
   quartic from 3.5: errors e_3 .. e_6). */
static void test_ratios(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    const newton_state *s = in->self;
    double e[7];
    e[0] = s->x - 2;
    for (int k = 1; k <= 6; k++) {
        mlm_step(in, 1);
        e[k] = s->x - 2;
    }
    const double quoted[3] = {0.880, 0.916, 0.916};
    for (int k = 0; k < 3; k++)
        QUOTE("e_{k+1} / e_k²", e[4 + k] / (e[3 + k] * e[3 + k]), quoted[k], 0.001);
    mlm_destroy(in);
}

static void test_rosenbrock(void) {
    /* "Newton's first step goes to (-1.175, 1.381) with f = 4.73 ... The third step comes straight
       back into the valley at (0.763, 0.583)" */
    mlm_instance *in = make2("rosenbrock", -1.2, 1, "none", 0.001);
    const newton_state *s = in->self;
    mlm_step(in, 1);
    QUOTE("x1", s->newton.p[0], -1.175, 0.001);
    QUOTE("y1", s->newton.p[1], 1.381, 0.001);
    QUOTE("f1", mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, s->newton.p[0], s->newton.p[1], NULL, NULL), 4.73, 0.01);
    mlm_step(in, 1);
    QUOTE("x2", s->newton.p[0], 0.763, 0.001);
    mlm_step(in, 1);
    QUOTE("x3", s->newton.p[0], 0.763, 0.001);
    QUOTE("y3", s->newton.p[1], 0.583, 0.001);
    mlm_destroy(in);
}

static void test_booth_and_saddle(void) {
    /* "Choose Booth's function ... Wherever you click, Newton's first step lands exactly on the
       minimum (1, 3) ... Matyas's function does the same." */
    const double starts[3][2] = {{-1.2, 1}, {7, -8}, {0.3, 9}};
    for (int i = 0; i < 3; i++) {
        mlm_instance *in = make2("booth", starts[i][0], starts[i][1], "none", 0.001);
        const newton_state *s = in->self;
        mlm_step(in, 1);
        CHECK(fabs(s->newton.p[0] - 1) < 1e-12 && fabs(s->newton.p[1] - 3) < 1e-12, "Booth from (%g, %g): (%g, %g)",
              starts[i][0], starts[i][1], s->newton.p[0], s->newton.p[1]);
        mlm_destroy(in);
        in = make2("matyas", starts[i][0], starts[i][1], "none", 0.001);
        s = in->self;
        mlm_step(in, 1);
        CHECK(fabs(s->newton.p[0]) < 1e-12 && fabs(s->newton.p[1]) < 1e-12, "Matyas: (%g, %g)", s->newton.p[0],
              s->newton.p[1]);
        mlm_destroy(in);
    }
    /* The saddle from (1.8, 0.1): "plain Newton heads straight for the saddle and stops there at
       step 4 ... Raise gradient descent's rate to 0.1 and it rolls off the saddle into the valley
       at (0, 1). With the line search, Newton ... reaches (0, 1) at step 10." */
    mlm_instance *in = make2("saddle", 1.8, 0.1, "none", 0.1);
    const newton_state *s = in->self;
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(s->newton.end_step == 4 && fabs(s->newton.p[0]) < 1e-9 && fabs(s->newton.p[1]) < 1e-9,
          "plain Newton on the saddle: step %lld at (%g, %g)", (long long)s->newton.end_step, s->newton.p[0],
          s->newton.p[1]);
    check_run_to_end(in, 5000);
    CHECK(fabs(s->gd.p[0]) < 1e-3 && fabs(s->gd.p[1] - 1) < 1e-3, "descent at 0.1 ends at (%g, %g)", s->gd.p[0],
          s->gd.p[1]);
    mlm_destroy(in);
    in = make2("saddle", 1.8, 0.1, "search", 0.001);
    s = in->self;
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(s->newton.end_step == 10 && fabs(s->newton.p[0]) < 1e-9 && fabs(s->newton.p[1] - 1) < 1e-9,
          "the line search on the saddle: step %lld at (%g, %g)", (long long)s->newton.end_step, s->newton.p[0],
          s->newton.p[1]);
    mlm_destroy(in);
}

int main(void) {
    test_ratios();
    test_rosenbrock();
    test_booth_and_saddle();
    return CHECK_DONE("test_quotes_newton");
}
