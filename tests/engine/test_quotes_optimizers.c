/* test_quotes_optimizers.c: the numbers chapter 4 (chapters/04-optimizers.md) quotes from runs of
 * the race widget. The race has no numeric readout a ```run block could read (its status line is
 * text), so each number is pinned here instead: the check is the chapter's sentence, with the
 * number as printed there and a tolerance of half its last digit. If a change to the engine moves
 * one, this test fails and the sentence must change with it. */
#include "../../engine/optimizers.c"

#include <string.h>

#include "check.h"

static const mlm_module *const M = &mlm_module_optimizers;

static const char *const KEY[OP_N] = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                      "adadelta", "adam", "adamax", "nadam", "adamw"};

/* A race on fn with only the optimizers in `on` (a space-separated list of keys, or "all"), the
   race `steps` long, and up to two parameters changed. */
static mlm_instance *race(const char *fn, const char *on, int steps, const char *p1, double v1,
                          const char *p2, double v2) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "fn", fn);
    check_set(in, "steps", steps);
    for (int k = 0; k < OP_N; k++) {
        char name[32];
        snprintf(name, sizeof name, "on_%s", KEY[k]);
        const char *hit = strstr(on, KEY[k]);
        /* "adam" must not match inside "adamax" or "adamw": the key ends at a space or the end. */
        int len = (int)strlen(KEY[k]);
        while (hit && hit[len] && hit[len] != ' ') hit = strstr(hit + 1, KEY[k]);
        check_set(in, name, strcmp(on, "all") == 0 || hit != NULL);
    }
    if (p1) check_set(in, p1, v1);
    if (p2) check_set(in, p2, v2);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

/* Step to `to` (fewer if the race ends), going on after one optimizer's non-final report. */
static void go(mlm_instance *in, int64_t to) {
    while (in->steps < to && !in->final)
        if (mlm_step(in, (int)(to - in->steps)) == 0) break;
}

static double above(const mlm_instance *in, int k) {
    const op_state *s = in->self;
    return s->run[k].f - s->t->fmin;
}

/* |got - quoted| within half a unit of the quoted number's last digit (`unit`). */
#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", what, \
          (double)(got), (double)(quoted))

/* "Along the valley ... after 200 steps it is about ten thousand times closer to the minimum than
   plain descent": f = (x² + 100 y²)/2 from (10, 1), η = 0.005, μ = 0.9. */
static void test_valley(void) {
    double d[2];
    for (int q = 0; q < 2; q++) {
        mlm_opt_hyper h = {.lr = 0.005, .momentum = 0.9};
        double buf[6], x[2] = {10, 1}, g[2];
        mlm_opt_state s;
        mlm_opt_init(&s, buf, 2);
        for (int t = 0; t < 200; t++) {
            g[0] = x[0];
            g[1] = 100 * x[1];
            mlm_opt_step(q ? MLM_OPT_MOMENTUM : MLM_OPT_SGD, &h, &s, x, g, 2);
        }
        d[q] = mlm_hypot(x[0], x[1]);
    }
    printf("valley, 200 steps: SGD %.3g from the minimum, momentum %.3g: %.0f times closer\n", d[0], d[1],
           d[0] / d[1]);
    CHECK(d[0] / d[1] > 5000 && d[0] / d[1] < 20000, "ratio %g, not about ten thousand", d[0] / d[1]);
}

/* "With u0 = 0 the first step has length about sqrt(ε / (1 - ρ)) in every coordinate ... with ε =
   1e-6 and ρ = 0.9 that is about 0.0032". */
static void test_adadelta_first(void) {
    mlm_instance *in = race("rosenbrock", "adadelta", 4000, NULL, 0, NULL, 0);
    const op_state *s = in->self;
    double x0 = s->run[MLM_OPT_ADADELTA].x[0], y0 = s->run[MLM_OPT_ADADELTA].x[1];
    go(in, 1);
    double dx = fabs(s->run[MLM_OPT_ADADELTA].x[0] - x0), dy = fabs(s->run[MLM_OPT_ADADELTA].x[1] - y0);
    QUOTE("Adadelta's first step in x", dx, 0.0032, 0.0001);
    QUOTE("Adadelta's first step in y", dy, 0.0032, 0.0001);
    CHECK_NEAR(dx, sqrt(1e-6 / 0.1), 1e-6);
    mlm_destroy(in);
}

/* The heavy-ball widget: plain descent, momentum and Nesterov at η = 0.001 on Rosenbrock. */
static void test_heavy_ball(void) {
    mlm_instance *in = race("rosenbrock", "sgd momentum nesterov", 6000, NULL, 0, NULL, 0);
    const op_state *s = in->self;
    const op_run *mo = &s->run[MLM_OPT_MOMENTUM], *ne = &s->run[MLM_OPT_NESTEROV];
    double stray_ne = 0, stray_mo = 0;
    int cross_ne = 0, cross_mo = 0;
    double side_ne = ne->x[1] - ne->x[0] * ne->x[0], side_mo = mo->x[1] - mo->x[0] * mo->x[0];
    while (in->steps < 300) {
        go(in, in->steps + 1);
        double a = ne->x[1] - ne->x[0] * ne->x[0], b = mo->x[1] - mo->x[0] * mo->x[0];
        if (in->steps > 4) stray_ne = fmax(stray_ne, fabs(a));
        if (in->steps > 4) stray_mo = fmax(stray_mo, fabs(b));
        cross_ne += (a > 0) != (side_ne > 0);
        cross_mo += (b > 0) != (side_mo > 0);
        side_ne = a, side_mo = b;
        if (in->steps == 100) {
            QUOTE("SGD above the minimum at step 100", above(in, MLM_OPT_SGD), 3.8, 0.1);
            QUOTE("momentum above the minimum at step 100", above(in, MLM_OPT_MOMENTUM), 0.14, 0.01);
        }
    }
    /* "After its first four steps it never strays more than 0.008 from the valley floor y = x²,
       where momentum swings out to 0.35, and in the first 300 steps it crosses the floor 4 times
       to momentum's 22." */
    QUOTE("Nesterov's largest distance from the floor", stray_ne, 0.008, 0.001);
    QUOTE("momentum's largest distance from the floor", stray_mo, 0.35, 0.01);
    CHECK(cross_ne == 4 && cross_mo == 22, "floor crossings: Nesterov %d, momentum %d", cross_ne, cross_mo);
    go(in, 6000);
    QUOTE("momentum converges at", mo->end_step, 3020, 1);
    QUOTE("Nesterov converges at", ne->end_step, 3066, 1);
    const op_run *sg = &s->run[MLM_OPT_SGD];
    QUOTE("SGD's x at step 6000", sg->x[0], 0.96, 0.01);
    QUOTE("SGD's y at step 6000", sg->x[1], 0.92, 0.01);
    QUOTE("SGD above the minimum at step 6000", above(in, MLM_OPT_SGD), 0.0016, 0.0001);
    mlm_destroy(in);
    /* "Try η = 0.002 for both: ... [Nesterov is] still 0.1 above the minimum after 6000 steps.
       Momentum ... converges at step 1549." */
    in = race("rosenbrock", "momentum nesterov", 6000, "lr_momentum", 0.002, "lr_nesterov", 0.002);
    s = in->self;
    go(in, 6000);
    QUOTE("Nesterov at 0.002, above the minimum at 6000", above(in, MLM_OPT_NESTEROV), 0.1, 0.1);
    CHECK(s->run[MLM_OPT_NESTEROV].state == OP_RUNNING, "Nesterov at 0.002 settled");
    QUOTE("momentum at 0.002 converges at", s->run[MLM_OPT_MOMENTUM].end_step, 1549, 1);
    mlm_destroy(in);
}

/* The race at its defaults, and the things to try. */
static void test_race(void) {
    mlm_instance *in = race("rosenbrock", "all", 4000, NULL, 0, NULL, 0);
    const op_state *s = in->self;
    /* "Adagrad with η = 0.5 is still 0.13 above the minimum after 1000 steps." */
    go(in, 100);
    /* "after 100 steps momentum is ahead (f - f* = 0.14) while the others are still between 0.3
       and 4.3 above the minimum" */
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < OP_N; k++) {
        if (k == MLM_OPT_MOMENTUM) continue;
        lo = fmin(lo, above(in, k));
        hi = fmax(hi, above(in, k));
    }
    QUOTE("momentum at step 100", above(in, MLM_OPT_MOMENTUM), 0.14, 0.01);
    QUOTE("the lowest of the others at step 100", lo, 0.3, 0.1);
    QUOTE("the highest of the others at step 100", hi, 4.3, 0.1);
    go(in, 1000);
    QUOTE("Adagrad at step 1000", above(in, MLM_OPT_ADAGRAD), 0.13, 0.01);
    go(in, 4000);
    /* "Adam is the first to converge, at step 2457, then momentum (3020), Nesterov (3066) and
       Adamax (3585)." */
    int64_t first = INT64_MAX;
    for (int k = 0; k < OP_N; k++)
        if (s->run[k].state == OP_CONVERGED && s->run[k].end_step < first) first = s->run[k].end_step;
    CHECK(first == s->run[MLM_OPT_ADAM].end_step, "Adam is not the first to converge");
    QUOTE("Adam converges at", s->run[MLM_OPT_ADAM].end_step, 2457, 1);
    QUOTE("momentum converges at", s->run[MLM_OPT_MOMENTUM].end_step, 3020, 1);
    QUOTE("Nesterov converges at", s->run[MLM_OPT_NESTEROV].end_step, 3066, 1);
    QUOTE("Adamax converges at", s->run[MLM_OPT_ADAMAX].end_step, 3585, 1);
    /* "When the race ends at step 4000, Nadam is 4e-6 above the minimum, AdamW, Adagrad and RMSprop
       between 2e-4 and 1.0e-3, plain descent 0.009, and Adadelta ... 0.46." */
    QUOTE("Nadam at 4000", above(in, MLM_OPT_NADAM), 4e-6, 1e-6);
    lo = fmin(above(in, MLM_OPT_ADAMW), fmin(above(in, MLM_OPT_ADAGRAD), above(in, MLM_OPT_RMSPROP)));
    hi = fmax(above(in, MLM_OPT_ADAMW), fmax(above(in, MLM_OPT_ADAGRAD), above(in, MLM_OPT_RMSPROP)));
    QUOTE("the lowest of AdamW, Adagrad, RMSprop at 4000", lo, 2e-4, 1e-4);
    QUOTE("the highest of AdamW, Adagrad, RMSprop at 4000", hi, 1.0e-3, 1e-4);
    QUOTE("SGD at 4000", above(in, MLM_OPT_SGD), 0.009, 0.001);
    QUOTE("Adadelta at 4000", above(in, MLM_OPT_ADADELTA), 0.46, 0.01);
    mlm_destroy(in);

    /* "Raise plain descent's learning rate to 0.01. It diverges at step 3 ... the curvature where
       it last stood was about 26,000" */
    in = race("rosenbrock", "all", 4000, "lr_sgd", 0.01, NULL, 0);
    s = in->self;
    go(in, 10);
    const op_run *sg = &s->run[MLM_OPT_SGD];
    CHECK(sg->state == OP_DIVERGED && sg->end_step == 3, "SGD at 0.01: state %d at %lld", sg->state,
          (long long)sg->end_step);
    double H[3];
    mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, sg->x[0], sg->x[1], NULL, H);
    double lmax = 0.5 * (H[0] + H[2]) + sqrt(0.25 * (H[0] - H[2]) * (H[0] - H[2]) + H[1] * H[1]);
    QUOTE("the curvature where SGD last stood", lmax, 26000, 1000);
    mlm_destroy(in);

    /* Himmelblau: "The momentum methods and plain descent all run to (-3.78, -3.28); the adaptive
       ones ... all end in (-2.81, 3.13)." */
    in = race("himmelblau", "all", 4000, NULL, 0, NULL, 0);
    s = in->self;
    go(in, 4000);
    for (int k = 0; k < OP_N; k++) {
        int heavy = k <= MLM_OPT_NESTEROV;
        /* (AdamW's decay holds it a little short of the minimum: within 0.01 of it.) */
        QUOTE(mlm_opt_name[k], s->run[k].x[0], heavy ? -3.78 : -2.81, heavy ? 0.01 : 0.02);
        QUOTE(mlm_opt_name[k], s->run[k].x[1], heavy ? -3.28 : 3.13, heavy ? 0.01 : 0.02);
    }
    mlm_destroy(in);
    /* Beale: "Nadam and Adam converge first, at steps 1297 and 1345". */
    in = race("beale", "all", 4000, NULL, 0, NULL, 0);
    s = in->self;
    go(in, 4000);
    first = INT64_MAX;
    for (int k = 0; k < OP_N; k++)
        if (k != MLM_OPT_NADAM && k != MLM_OPT_ADAM && s->run[k].state == OP_CONVERGED)
            first = s->run[k].end_step < first ? s->run[k].end_step : first;
    QUOTE("Nadam on Beale converges at", s->run[MLM_OPT_NADAM].end_step, 1297, 1);
    QUOTE("Adam on Beale converges at", s->run[MLM_OPT_ADAM].end_step, 1345, 1);
    CHECK(first > 1345, "another optimizer converged on Beale first, at %lld", (long long)first);
    mlm_destroy(in);
}

int main(void) {
    test_valley();
    test_adadelta_first();
    test_heavy_ball();
    test_race();
    return CHECK_DONE("test_quotes_optimizers");
}
