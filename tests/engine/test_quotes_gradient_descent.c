/* test_quotes_gradient_descent.c: numbers chapter 1 (chapters/01-gradient-descent.md) quotes from
 * the three-rate widget, whose runs end at different steps (a ```run block sees the widget's end,
 * when the last of the three stops), and from a grid of starts on Himmelblau's function. The 2-D
 * widget's single runs are ```run blocks in the chapter. Each number as the chapter prints it. */
#include "../../engine/gradient_descent.c"

#include "check.h"

static const mlm_module *M = &mlm_module_gradient_descent;

static mlm_instance *make1(const char *fn, double lr_small, double lr_good, double lr_large, double x0) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "1d");
    check_set_choice(in, "fn", fn);
    check_set(in, "lr_small", lr_small);
    check_set(in, "lr_good", lr_good);
    check_set(in, "lr_large", lr_large);
    check_set(in, "x0", x0);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

/* Run every 1-D run to its end; the three end steps and states. */
static const gd_state *finish(mlm_instance *in) {
    check_run_to_end(in, 100000);
    CHECK(in->final, "the widget did not end");
    return in->self;
}

static void test_bowl(void) {
    /* "With η = 0.3 ... 18 steps, which is where the run stops. With η = 0.02 ... 383 steps";
       "Set the large rate to 0.9 ... needs 70 steps"; "Set any rate to exactly 0.5 ... The first
       step lands on x = 0"; "Set the large rate to 1 ... notices the repetition at step 2". */
    mlm_instance *in = make1("bowl", 0.02, 0.3, 0.9, 3);
    const gd_state *s = finish(in);
    CHECK(s->run[1].state == GD_DONE && s->run[1].end_step == 18, "η = 0.3: state %d at %lld", s->run[1].state,
          (long long)s->run[1].end_step);
    CHECK(s->run[0].state == GD_DONE && s->run[0].end_step == 383, "η = 0.02: state %d at %lld", s->run[0].state,
          (long long)s->run[0].end_step);
    CHECK(s->run[2].state == GD_DONE && s->run[2].end_step == 70, "η = 0.9: state %d at %lld", s->run[2].state,
          (long long)s->run[2].end_step);
    mlm_destroy(in);
    in = make1("bowl", 0.5, 0.3, 1, 3);
    s = finish(in);
    CHECK(s->run[0].state == GD_DONE && s->run[0].end_step == 1, "η = 0.5: state %d at %lld", s->run[0].state,
          (long long)s->run[0].end_step);
    CHECK(s->run[2].state == GD_CYCLE && s->run[2].end_step == 2, "η = 1: state %d at %lld", s->run[2].state,
          (long long)s->run[2].end_step);
    mlm_destroy(in);
}

static void test_twomin_and_plateau(void) {
    /* "It ends up bouncing between about -2.27 and -1.57 for ever" (twomin, the large rate 1.1). */
    mlm_instance *in = make1("twomin", 0.02, 0.3, 1.1, 3);
    const gd_state *s = finish(in);
    CHECK(s->run[2].state == GD_CYCLE, "twomin at 1.1 ends in state %d", s->run[2].state);
    double a = fmin(s->run[2].x, s->run[2].before), b = fmax(s->run[2].x, s->run[2].before);
    CHECK(fabs(a + 2.27) <= 0.005 && fabs(b + 1.57) <= 0.005, "twomin at 1.1 bounces between %.4f and %.4f", a, b);
    /* "the small and the good rate both roll into the minimum at 2"; "Start left of 1/2 (try
       x0 = -1) and they find the global minimum instead." */
    CHECK(fabs(s->run[0].x - 2) < 1e-3 && fabs(s->run[1].x - 2) < 1e-3, "from 3: %g, %g", s->run[0].x, s->run[1].x);
    mlm_destroy(in);
    in = make1("twomin", 0.02, 0.3, 1.1, -1);
    s = finish(in);
    CHECK(fabs(s->run[0].x + 2) < 1e-3 && fabs(s->run[1].x + 2) < 1e-3, "from -1: %g, %g", s->run[0].x, s->run[1].x);
    mlm_destroy(in);
    /* "The good rate needs 88 steps, the small one 1387; this time the large rate wins, in 21". */
    in = make1("plateau", 0.02, 0.3, 1.1, 3);
    s = finish(in);
    const int64_t quoted[3] = {1387, 88, 21};
    for (int k = 0; k < 3; k++)
        CHECK(s->run[k].state == GD_DONE && s->run[k].end_step == quoted[k], "plateau run %d: state %d at %lld", k,
              s->run[k].state, (long long)s->run[k].end_step);
    mlm_destroy(in);
}

/* "At η = 0.18 every start on a grid of spacing 0.25 across the plotted square settles into a
   minimum, none taking more than 95 steps." */
static void test_himmelblau_grid(void) {
    int64_t most = 0;
    int bad = 0;
    for (double px = -GD2_LIM; px <= GD2_LIM + 1e-9; px += 0.25)
        for (double py = -GD2_LIM; py <= GD2_LIM + 1e-9; py += 0.25) {
            mlm_instance *in = mlm_create(M);
            check_set_choice(in, "scene", "2d");
            check_set_choice(in, "fn2", "himmelblau");
            check_set(in, "lr", 0.18);
            check_set(in, "px", px);
            check_set(in, "py", py);
            CHECK(mlm_reset(in, 1) == 0, "reset");
            check_run_to_end(in, 10000);
            const gd_state *s = in->self;
            if (in->status != MLM_CONVERGED || gd2_f(GD2_HIMMELBLAU, s->p[0], s->p[1]) > 1e-6) bad++;
            if (in->steps > most) most = in->steps;
            mlm_destroy(in);
        }
    CHECK(bad == 0 && most == 95, "Himmelblau grid: %d starts did not settle in a minimum; the slowest took %lld",
          bad, (long long)most);
}

int main(void) {
    test_bowl();
    test_twomin_and_plateau();
    test_himmelblau_grid();
    return CHECK_DONE("test_quotes_gradient_descent");
}
