/* test_newton.c: checks the newton module against mathematics: the 1-D derivatives against
 * finite differences; one undamped Newton step solving a quadratic exactly (1-D, and Booth's and
 * Matyas's functions in 2-D); quadratic convergence near a minimum (the error squares each step,
 * with the constant f'''/(2 f'') the chapter derives); the update x <- -x^3 on sqrt(1 + x^2) - 1,
 * diverging from |x0| > 1 and converging from |x0| < 1; damping and the line search turning
 * divergent runs into convergent ones exactly where the chapter says; plain Newton climbing to a
 * maximum or a saddle and saying so; the racing gradient descent following x - lr grad f; every
 * parameter's range swept with every view finite; checkpoints; and the chapter's numbers. */
#include "../../engine/newton.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_newton;

/* A 1-D run: function, start, damping, safeguard. */
static mlm_instance *make1(const char *fn, double x0, double damping, const char *safeguard) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "1d");
    check_set_choice(in, "fn1", fn);
    check_set(in, "x0", x0);
    check_set(in, "damping", damping);
    check_set_choice(in, "safeguard", safeguard);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

/* A 2-D race: gallery function, start, damping, safeguard, descent's learning rate. */
static mlm_instance *make2(const char *fn, double px, double py, double damping,
                           const char *safeguard, double lr) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "2d");
    check_set_choice(in, "fn2", fn);
    check_set(in, "px", px);
    check_set(in, "py", py);
    check_set(in, "damping", damping);
    check_set_choice(in, "safeguard", safeguard);
    check_set(in, "lr", lr);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}


/* ---- the 1-D derivatives against central finite differences; the stationary points ---- */
static void test_derivatives(void) {
    const double h = 1e-5;
    for (int fn = 0; fn < 3; fn++) {
        for (int i = 0; i <= 80; i++) {
            double x = -4.0 + 0.1 * i + 0.0123;
            double fd1 = (newton1_f(fn, x + h) - newton1_f(fn, x - h)) / (2 * h);
            double fd2 = (newton1_grad(fn, x + h) - newton1_grad(fn, x - h)) / (2 * h);
            CHECK_REL(newton1_grad(fn, x), fd1, 1e-8);
            CHECK_REL(newton1_curv(fn, x), fd2, 1e-8);
        }
    }
    /* The stationary points the error plot measures against: f' = 0 there, exactly. */
    const struct { int fn; double x; int minimum; } st[] = {
        {NEWTON_QUARTIC, -2, 1}, {NEWTON_QUARTIC, 0.5, 0}, {NEWTON_QUARTIC, 2, 1},
        {NEWTON_SOFTABS, 0, 1}, {NEWTON_QUADRATIC, 1, 1}};
    for (int k = 0; k < MLM_COUNT(st); k++) {
        CHECK(newton1_grad(st[k].fn, st[k].x) == 0, "f'(%g) = %g", st[k].x, newton1_grad(st[k].fn, st[k].x));
        CHECK((newton1_curv(st[k].fn, st[k].x) > 0) == st[k].minimum, "f''(%g) has the wrong sign", st[k].x);
        CHECK(newton1_nearest(st[k].fn, st[k].x + 0.1) == st[k].x, "nearest to %g", st[k].x + 0.1);
    }
    /* The quartic's curvature is negative exactly on (-1, 4/3), as the chapter says. */
    CHECK(newton1_curv(NEWTON_QUARTIC, -1) == 0 && fabs(newton1_curv(NEWTON_QUARTIC, 4.0 / 3.0)) < 1e-15,
          "f'' roots");
    CHECK(newton1_curv(NEWTON_QUARTIC, 0) < 0 && newton1_curv(NEWTON_QUARTIC, -1.01) > 0 &&
          newton1_curv(NEWTON_QUARTIC, 1.34) > 0, "f'' sign pattern");
    /* The model: m(0) = f, m'(0) = f', m'' = f'' (a parabola through the point with its slope and
       curvature), and its stationary point is at p = -f'/f''. */
    double f = 1.5, g = -0.7, c = 2.5, p = -g / c, e = 1e-4;
    CHECK(newton1_model(f, g, c, 0) == f, "m(0)");
    CHECK_NEAR((newton1_model(f, g, c, e) - newton1_model(f, g, c, -e)) / (2 * e), g, 1e-10);
    CHECK_NEAR((newton1_model(f, g, c, p + e) - newton1_model(f, g, c, p - e)) / (2 * e), 0, 1e-10);
}

/* ---- one undamped Newton step solves a quadratic exactly ---- */
static void test_quadratic_one_step(void) {
    const double x0s[] = {-4, -2.5, 0, 0.37, 3.99};
    for (int i = 0; i < MLM_COUNT(x0s); i++) {
        mlm_instance *in = make1("quadratic", x0s[i], 1, "none");
        const newton_state *s = in->self;
        mlm_step(in, 1);
        CHECK_NEAR(s->x, 1, 1e-12);
        /* The next step is (numerically) zero: converged at step 2, a minimum. */
        check_run_to_end(in, 100);
        CHECK(in->status == MLM_CONVERGED && in->final && in->steps <= 2, "x0 %g: status %d at %lld",
              x0s[i], in->status, (long long)in->steps);
        mlm_destroy(in);
    }
    /* Booth (H = (10 8; 8 10)) and Matyas (H = (0.52 -0.48; -0.48 0.52)) are quadratics: from
       anywhere, one step lands on the minimum. */
    const struct { const char *fn; double mx, my; } q[] = {{"booth", 1, 3}, {"matyas", 0, 0}};
    const double starts[][2] = {{-8, 7}, {8, -4}, {9.5, 9.5}, {-10, -10}, {0.3, -0.2}};
    for (int k = 0; k < MLM_COUNT(q); k++) {
        for (int j = 0; j < MLM_COUNT(starts); j++) {
            mlm_instance *in = make2(q[k].fn, starts[j][0], starts[j][1], 1, "none", 1e-3);
            const newton_state *s = in->self;
            mlm_step(in, 1);
            CHECK(fabs(s->newton.p[0] - q[k].mx) <= 1e-12 && fabs(s->newton.p[1] - q[k].my) <= 1e-12,
                  "%s from (%g, %g): (%.17g, %.17g)", q[k].fn, starts[j][0], starts[j][1],
                  s->newton.p[0], s->newton.p[1]);
            mlm_destroy(in);
        }
    }
    /* Damped Newton on a quadratic: the error shrinks by exactly (1 - alpha) per step, linear
       convergence. On (x - 1)^2 / 4 from x0 = 3 with alpha = 0.5: x_k - 1 = 2 / 2^k. */
    mlm_instance *in = make1("quadratic", 3, 0.5, "none");
    const newton_state *s = in->self;
    for (int k = 1; k <= 30; k++) {
        mlm_step(in, 1);
        CHECK(s->x - 1 == ldexp(2.0, -k), "x_%d - 1 = %.17g", k, s->x - 1);
    }
    mlm_destroy(in);
}

/* ---- quadratic convergence near a minimum ---- */
static void test_quadratic_convergence(void) {
    /* 1-D quartic near x* = 2: e_{k+1} / e_k^2 -> f'''(x*) / (2 f''(x*)) = 2.2 / 2.4 = 11/12. */
    const double c_theory = 0.2 * (6 * 2 - 1) / (2 * newton1_curv(NEWTON_QUARTIC, 2));
    CHECK_NEAR(c_theory, 11.0 / 12.0, 1e-15);
    const double x0s[] = {2.1, 1.9, 2.3};
    for (int i = 0; i < MLM_COUNT(x0s); i++) {
        mlm_instance *in = make1("quartic", x0s[i], 1, "none");
        const newton_state *s = in->self;
        double e = s->x - 2;
        int squared = 0;
        while (fabs(e) > 1e-12 && in->steps < 20) {
            mlm_step(in, 1);
            double e2 = s->x - 2;
            if (fabs(e2) < 1e-15) break; /* at the floor of double precision */
            double ratio = e2 / (e * e);
            CHECK(fabs(ratio) <= 1.5, "x0 %g: e_k = %g, e_k+1 = %g, ratio %g", x0s[i], e, e2, ratio);
            /* Once e is small the ratio is the theoretical constant, sign included. */
            if (fabs(e) < 1e-3) {
                CHECK(fabs(ratio - c_theory) <= 2 * fabs(e) + 1e-3, "ratio %.6g, theory %.6g at e %g",
                      ratio, c_theory, e);
                squared++;
            }
            /* The number of correct digits (at least) doubles once e < 0.1. */
            if (fabs(e) < 0.1) CHECK(-log10(fabs(e2)) >= 1.9 * -log10(fabs(e)), "digits %g -> %g", e, e2);
            e = e2;
        }
        CHECK(squared >= 1, "x0 %g: never in the asymptotic range", x0s[i]);
        CHECK(in->steps <= 6, "x0 %g: %lld steps to 1e-12", x0s[i], (long long)in->steps);
        mlm_destroy(in);
    }
    /* 2-D Rosenbrock near (1, 1): e_{k+1} <= C e_k^2 with a modest C, from 1e-2 to 1e-12. */
    const double starts[][2] = {{1.01, 1.03}, {0.99, 0.97}, {1.02, 1.03}, {0.98, 0.97}, {1, 1.02}};
    for (int j = 0; j < MLM_COUNT(starts); j++) {
        mlm_instance *in = make2("rosenbrock", starts[j][0], starts[j][1], 1, "none", 1e-3);
        const newton_state *s = in->self;
        double e = hypot(s->newton.p[0] - 1, s->newton.p[1] - 1);
        CHECK(e > 5e-3 && e < 5e-2, "start error %g", e);
        int steps = 0;
        while (e > 1e-12 && steps < 20) {
            mlm_step(in, 1);
            steps++;
            double e2 = hypot(s->newton.p[0] - 1, s->newton.p[1] - 1);
            /* C is in the hundreds here: the valley's curvatures are 1002 and 0.4 (see the chapter). */
            CHECK(e2 <= 1000 * e * e || e2 < 1e-15, "(%g, %g) step %d: e %g -> %g, ratio %g", starts[j][0],
                  starts[j][1], steps, e, e2, e2 / (e * e));
            e = e2;
        }
        CHECK(e <= 1e-12 && steps <= 6, "(%g, %g): error %g after %d steps", starts[j][0],
              starts[j][1], e, steps);
        mlm_destroy(in);
    }
}

/* ---- sqrt(1 + x^2) - 1: x <- -x^3 ---- */
static void test_softabs(void) {
    /* The Newton step there is -x (1 + x^2), so the update is exactly x <- -x^3. */
    for (int i = 0; i <= 40; i++) {
        double x = -2 + 0.1 * i + 0.003;
        double p = -newton1_grad(NEWTON_SOFTABS, x) / newton1_curv(NEWTON_SOFTABS, x);
        CHECK_REL(x + p, -x * x * x, 1e-13);
    }
    /* From |x0| < 1 it converges (cubically: f''' = 0 at the minimum), from |x0| > 1 it diverges,
       reported finally, with the run frozen at its last finite point. */
    const double conv[] = {0.9, -0.95, 0.5, 0.99, -0.3};
    for (int i = 0; i < MLM_COUNT(conv); i++) {
        mlm_instance *in = make1("softabs", conv[i], 1, "none");
        const newton_state *s = in->self;
        mlm_step(in, 1);
        CHECK_REL(s->x, -conv[i] * conv[i] * conv[i], 1e-13);
        check_run_to_end(in, 200);
        CHECK(in->status == MLM_CONVERGED && in->final && s->x == 0, "x0 %g: status %d x %g",
              conv[i], in->status, s->x);
        mlm_destroy(in);
    }
    const double div[] = {1.01, 1.1, -1.2, 2, -4, 4};
    for (int i = 0; i < MLM_COUNT(div); i++) {
        mlm_instance *in = make1("softabs", div[i], 1, "none");
        const newton_state *s = in->self;
        check_run_to_end(in, 200);
        CHECK(in->status == MLM_DIVERGED && in->final, "x0 %g: status %d", div[i], in->status);
        CHECK(strstr(in->reason, "−x³") != NULL, "x0 %g: reason %s", div[i], in->reason);
        CHECK(mlm_isfinite(s->x) && fabs(s->x) <= NEWTON_XMAX && s->state1 == NEWTON_BLOWN,
              "frozen at %g", s->x);
        /* |x_k| = |x0|^(3^k): it leaves NEWTON_XMAX at the first k with 3^k ln|x0| > ln 1e6. */
        int want = 0;
        for (double l = log(fabs(div[i])); l <= log(NEWTON_XMAX); l *= 3) want++;
        CHECK(in->steps == want, "x0 %g: diverged at %lld, theory %d", div[i], (long long)in->steps, want);
        mlm_destroy(in);
    }
    /* Damping: x <- x (1 - alpha - alpha x^2) contracts near 0 and escapes once
       alpha x^2 + alpha - 1 > 1, that is |x| > sqrt((2 - alpha)/alpha): sqrt(3) for alpha = 1/2. */
    const struct { double x0; int converges; } damp[] = {{1.1, 1}, {1.7, 1}, {-1.7, 1}, {1.75, 0}, {2, 0}, {2.5, 0}};
    for (int i = 0; i < MLM_COUNT(damp); i++) {
        mlm_instance *in = make1("softabs", damp[i].x0, 0.5, "none");
        check_run_to_end(in, 500);
        CHECK(in->final && in->status == (damp[i].converges ? MLM_CONVERGED : MLM_DIVERGED),
              "alpha 0.5 x0 %g: status %d (%s)", damp[i].x0, in->status, in->reason);
        mlm_destroy(in);
    }
    /* The line search rescues every start. */
    for (int i = 0; i <= 16; i++) {
        double x0 = -4 + 0.5 * i;
        mlm_instance *in = make1("softabs", x0, 1, "search");
        const newton_state *s = in->self;
        check_run_to_end(in, 500);
        CHECK(in->status == MLM_CONVERGED && fabs(s->x) < 1e-12, "search x0 %g: status %d x %g",
              x0, in->status, s->x);
        mlm_destroy(in);
    }
}

/* ---- negative curvature: plain Newton climbs to a maximum or a saddle ---- */
static void test_negative_curvature(void) {
    /* Quartic, starts inside (-1, 4/3) near the maximum at 1/2: plain Newton goes to it. */
    const double up[] = {0.2, 0.9, 0.5, -0.3};
    for (int i = 0; i < MLM_COUNT(up); i++) {
        mlm_instance *in = make1("quartic", up[i], 1, "none");
        const newton_state *s = in->self;
        check_run_to_end(in, 100);
        CHECK(in->status == MLM_CONVERGED && fabs(s->x - 0.5) < 1e-12, "x0 %g: status %d at %g",
              up[i], in->status, s->x);
        CHECK(strstr(in->reason, "maximum") != NULL, "reason: %s", in->reason);
        mlm_destroy(in);
        /* The line search goes downhill instead, never raising f, into a minimum (except from
           the maximum itself, where f' = 0 and no method that looks only at f' can move). */
        if (up[i] == 0.5) continue;
        in = make1("quartic", up[i], 1, "search");
        s = in->self;
        double fprev = newton1_f(NEWTON_QUARTIC, s->x);
        while (!in->final && in->steps < 500) {
            mlm_step(in, 1);
            double fx = newton1_f(NEWTON_QUARTIC, s->x);
            CHECK(fx <= fprev, "search x0 %g: f rose from %g to %g", up[i], fprev, fx);
            fprev = fx;
        }
        CHECK(in->status == MLM_CONVERGED && (fabs(s->x - 2) < 1e-12 || fabs(s->x + 2) < 1e-12),
              "search x0 %g: status %d at %g (%s)", up[i], in->status, s->x, in->reason);
        CHECK(strstr(in->reason, "a minimum") != NULL, "reason: %s", in->reason);
        mlm_destroy(in);
    }
    /* The saddle x^2 + y^4/4 - y^2/2 from (1.8, 0.1): plain Newton stops at the saddle (0, 0)
       and says so; the line search reaches the minimum (0, 1). */
    mlm_instance *in = make2("saddle", 1.8, 0.1, 1, "none", 0.1);
    const newton_state *s = in->self;
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(s->newton.state == NEWTON_DONE && s->newton.p[0] == 0 && fabs(s->newton.p[1]) < 1e-15,
          "saddle: Newton at (%g, %g)", s->newton.p[0], s->newton.p[1]);
    CHECK(in->status == MLM_CONVERGED && !in->final && strstr(in->reason, "not positive definite"),
          "saddle: status %d final %d (%s)", in->status, in->final, in->reason);
    CHECK(in->steps == 4, "saddle: Newton stopped at step %lld", (long long)in->steps);
    /* Gradient descent at lr 0.1 rolls off the saddle into the valley at (0, 1). */
    check_run_to_end(in, 2000);
    CHECK(in->final && s->gd.state == NEWTON_DONE && fabs(s->gd.p[0]) < 1e-6 &&
          fabs(s->gd.p[1] - 1) < 1e-6, "saddle: descent at (%g, %g)", s->gd.p[0], s->gd.p[1]);
    mlm_destroy(in);
    in = make2("saddle", 1.8, 0.1, 1, "search", 0.1);
    s = in->self;
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(s->newton.state == NEWTON_DONE && s->newton.p[0] == 0 && fabs(s->newton.p[1] - 1) < 1e-12,
          "saddle with search: Newton at (%g, %g)", s->newton.p[0], s->newton.p[1]);
    CHECK(in->steps == 10, "saddle with search: Newton stopped at step %lld", (long long)in->steps);
    mlm_destroy(in);
}

/* ---- the racing gradient descent ---- */
static void test_racer(void) {
    /* Rosenbrock at (-1.2, 1): y - x^2 = -0.44, so grad f = (-2(2.2) - 400(-1.2)(-0.44), 200(-0.44))
       = (-215.6, -88), and one step of lr = 0.001 goes to (-1.2 + 0.2156, 1 + 0.088). */
    mlm_instance *in = make2("rosenbrock", -1.2, 1, 1, "none", 1e-3);
    const newton_state *s = in->self;
    mlm_step(in, 1);
    CHECK_NEAR(s->gd.p[0], -0.9844, 1e-14);
    CHECK_NEAR(s->gd.p[1], 1.088, 1e-14);
    /* And every later step is x - lr grad f(x), exactly. */
    for (int k = 0; k < 50; k++) {
        double g[2], x = s->gd.p[0], y = s->gd.p[1];
        mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, x, y, g, NULL);
        mlm_step(in, 1);
        CHECK(s->gd.p[0] == x - 1e-3 * g[0] && s->gd.p[1] == y - 1e-3 * g[1], "step %d", k);
    }
    mlm_destroy(in);
    /* A racer that converges: Booth with lr 0.05 (below 2 / lambda_max = 2/18). */
    in = make2("booth", -8, 7, 1, "none", 0.05);
    s = in->self;
    check_run_to_end(in, 5000);
    CHECK(in->final && in->status == MLM_CONVERGED && s->gd.state == NEWTON_DONE &&
          fabs(s->gd.p[0] - 1) < 1e-6 && fabs(s->gd.p[1] - 3) < 1e-6, "booth: status %d (%s)",
          in->status, in->reason);
    mlm_destroy(in);
    /* A racer that diverges (lr 0.2 > 2/18) is reported, finally once Newton is done too. */
    in = make2("booth", -8, 7, 1, "none", 0.2);
    s = in->self;
    check_run_to_end(in, 5000);
    CHECK(in->final && in->status == MLM_DIVERGED && s->gd.state == NEWTON_BLOWN &&
          s->newton.state == NEWTON_DONE, "booth lr 0.2: status %d (%s)", in->status, in->reason);
    mlm_destroy(in);
}


static int utf8_chars(const char *s) {
    int n = 0; /* continuation bytes are 10xxxxxx */
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---- every parameter at min, max and default: no crash, every view finite ---- */
static void check_views(mlm_instance *in, const char *what) {
    mlm_draw(in);
    for (int v = 0; v < M->n_views; v++) {
        const mlm_view_state *vs = &in->views[v];
        mlm_view_kind kind = M->views[v].kind;
        if (kind == MLM_VIEW_SCALAR) {
            CHECK(mlm_isfinite(vs->value), "%s: scalar %s = %g", what, M->views[v].name, vs->value);
            continue;
        }
        if (kind == MLM_VIEW_TEXT) {
            CHECK(vs->text != NULL, "%s: text %s unset", what, M->views[v].name);
            if (vs->text)
                CHECK(utf8_chars(vs->text) <= 60, "%s: text %s is long: %s", what, M->views[v].name, vs->text);
            continue;
        }
        long n = kind == MLM_VIEW_FIELD ? (long)vs->w * vs->h : (long)vs->count * mlm_view_stride(kind, vs);
        CHECK(vs->hidden || (n > 0 && vs->data), "%s: view %s is empty", what,
              M->views[v].name);
        int bad = 0;
        for (long i = 0; i < n && vs->data; i++) bad += !mlm_isfinite(vs->data[i]);
        CHECK(bad == 0, "%s: view %s has %d non-finite values", what, M->views[v].name, bad);
    }
    for (int p = 0; p < M->n_panels; p++) {
        const mlm_panel_state *ps = &in->panels[p];
        int flags = M->panels[p].flags;
        CHECK((flags & MLM_PANEL_AUTO_X) || ps->x1 > ps->x0, "%s: panel %s x range", what, M->panels[p].name);
        CHECK((flags & MLM_PANEL_AUTO_Y) || ps->y1 > ps->y0, "%s: panel %s y range", what, M->panels[p].name);
    }
    /* A reason that fills the buffer was cut off mid-sentence. */
    CHECK(strlen(in->reason) < sizeof in->reason - 1, "%s: reason truncated: %s", what, in->reason);
}

static void test_sweep(void) {
    char what[160];
    int fn1 = mlm_param_index(M, "fn1"), fn2 = mlm_param_index(M, "fn2");
    for (int scene = 0; scene < 2; scene++) {
        int fn_i = scene ? fn2 : fn1;
        for (int f = 0; f < mlm_choice_count(&M->params[fn_i]); f++) {
            for (int i = 0; i < M->n_params; i++) {
                const mlm_param *p = &M->params[i];
                int n = p->kind == MLM_CHOICE ? mlm_choice_count(p) : 3;
                for (int k = 0; k < n; k++) {
                    double v = p->kind == MLM_CHOICE ? k : k == 0 ? p->min : k == 1 ? p->max : p->def;
                    mlm_instance *in = mlm_create(M);
                    mlm_set(in, mlm_param_index(M, "scene"), scene);
                    mlm_set(in, fn_i, f);
                    mlm_set(in, i, v);
                    snprintf(what, sizeof what, "scene %d, fn %d, %s = %g", scene, f, p->name, v);
                    CHECK(mlm_reset(in, 7) == 0, "%s: reset: %s", what, in->reason);
                    check_views(in, what);
                    for (int chunk = 0; chunk < 5; chunk++) {
                        check_run_to_end(in, 100 * (chunk + 1));
                        check_views(in, what);
                    }
                    CHECK(in->steps <= 500, "%s: %lld steps", what, (long long)in->steps);
                    int two = (int)mlm_get(in, mlm_param_index(M, "scene"));
                    CHECK(in->panels[P_MODEL].hidden == two && in->panels[P_CONTOUR].hidden == !two,
                          "%s: panels shown for the wrong scene", what);
                    mlm_destroy(in);
                }
            }
        }
    }
}

/* ---- a checkpoint (a copy of the mutable block) restores the run exactly ---- */
static void test_checkpoint(void) {
    for (int scene = 0; scene < 2; scene++) {
        mlm_instance *in = mlm_create(M);
        mlm_set(in, mlm_param_index(M, "scene"), scene);
        check_set(in, "damping", 0.3); /* slow enough to still be running after 45 steps */
        CHECK(mlm_reset(in, 1) == 0, "reset");
        mlm_step(in, 5);
        size_t n = mlm_snapshot_size(in);
        unsigned char *snap = malloc(n);
        memcpy(snap, in, n);
        const newton_state *s = in->self;
        check_run_to_end(in, 45);
        double a = s->x, b = s->newton.p[1], c = s->gd.p[0];
        int64_t steps = in->steps;
        memcpy(in, snap, n);
        CHECK(in->steps == 5, "restored step %lld", (long long)in->steps);
        check_run_to_end(in, 45);
        CHECK(in->steps == steps && s->x == a && s->newton.p[1] == b && s->gd.p[0] == c,
              "scene %d: replay differs", scene);
        free(snap);
        mlm_destroy(in);
    }
}

/* ---- the numbers the chapter states ---- */
static void test_chapter(void) {
    /* Defaults (quartic from 3.5): still running after 3 steps; converged at step 7 to x = 2,
       with errors 1.5, 0.654, 0.201, 0.0286, 7.2e-4, 4.8e-7, 2.1e-13. */
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    const newton_state *s = in->self;
    mlm_step(in, 3);
    CHECK(in->steps == 3 && in->status == MLM_RUNNING, "defaults stop at %lld", (long long)in->steps);
    const double errs[] = {0.02863, 7.212e-4, 4.763e-7, 2.078e-13};
    CHECK(fabs(s->x - 2 - errs[0]) < 1e-5, "x_3 - 2 = %g", s->x - 2);
    for (int k = 1; k < MLM_COUNT(errs); k++) {
        mlm_step(in, 1);
        CHECK(fabs(s->x - 2 - errs[k]) < 1e-3 * errs[k], "x_%lld - 2 = %.4g, chapter %.4g",
              (long long)in->steps, s->x - 2, errs[k]);
    }
    check_run_to_end(in, 100);
    CHECK(in->status == MLM_CONVERGED && in->final && in->steps == 7 && s->x == 2, "defaults: %d at %lld",
          in->status, (long long)in->steps);
    mlm_destroy(in);

    /* The diverging preset: softabs from 1.1 is -1.331, 2.358, -13.1, 2253, then past 1e6 at step 5. */
    in = make1("softabs", 1.1, 1, "none");
    s = in->self;
    check_run_to_end(in, 100);
    CHECK(in->status == MLM_DIVERGED && in->final && in->steps == 5 && fabs(s->x - 2253.2) < 0.1,
          "preset: %d at %lld, x %g", in->status, (long long)in->steps, s->x);
    mlm_destroy(in);
    /* ... which alpha = 0.5 tames: x1 = 1.1 (1 - 1.21) / 2 = -0.1155, then linear. */
    in = make1("softabs", 1.1, 0.5, "none");
    s = in->self;
    mlm_step(in, 1);
    CHECK_NEAR(s->x, -0.1155, 1e-12);
    check_run_to_end(in, 200);
    CHECK(in->status == MLM_CONVERGED && in->steps == 38, "alpha 0.5: %lld steps", (long long)in->steps);
    mlm_destroy(in);
    /* ... and the line search: a half step to -0.1155, then full steps, converged at step 5. */
    in = make1("softabs", 1.1, 1, "search");
    s = in->self;
    mlm_step(in, 1);
    CHECK_NEAR(s->x, -0.1155, 1e-12);
    check_run_to_end(in, 200);
    CHECK(in->status == MLM_CONVERGED && in->steps == 5 && s->x == 0, "search: %lld steps", (long long)in->steps);
    mlm_destroy(in);
    /* On the quartic from 1.2 (f'' < 0) the search first follows the slope, to 1.5584. */
    in = make1("quartic", 1.2, 1, "search");
    s = in->self;
    mlm_step(in, 1);
    CHECK_NEAR(s->x, 1.5584, 1e-12);
    mlm_step(in, 1);
    CHECK(fabs(s->x - 2.0398) < 1e-4, "x_2 = %g", s->x);
    mlm_destroy(in);
    /* Plain Newton from 0.2 on the quartic lands on the maximum at step 4, reported at step 5;
       from 1.2 it jumps left to -0.836, then to 3.30, and ends at 2. */
    in = make1("quartic", 0.2, 1, "none");
    s = in->self;
    mlm_step(in, 4);
    CHECK(s->x == 0.5 && in->status == MLM_RUNNING, "x_4 = %.17g", s->x);
    check_run_to_end(in, 100);
    CHECK(in->steps == 5 && in->status == MLM_CONVERGED, "reported at %lld", (long long)in->steps);
    mlm_destroy(in);
    in = make1("quartic", 1.2, 1, "none");
    s = in->self;
    mlm_step(in, 1);
    CHECK(fabs(s->x + 0.836) < 1e-3, "x_1 = %g", s->x);
    mlm_step(in, 1);
    CHECK(fabs(s->x - 3.305) < 1e-3, "x_2 = %g", s->x);
    check_run_to_end(in, 100);
    CHECK(in->status == MLM_CONVERGED && s->x == 2, "ends at %g", s->x);
    mlm_destroy(in);
    /* |x0| = 1 on softabs: a 2-cycle in exact arithmetic, which rounding tips over at step 36. */
    in = make1("softabs", 1, 1, "none");
    check_run_to_end(in, 200);
    CHECK(in->status == MLM_DIVERGED && in->steps == 36, "x0 = 1: status %d at %lld", in->status,
          (long long)in->steps);
    mlm_destroy(in);
    /* The 2-D claims: the line search on Rosenbrock never raises f, stays in the picture and
       takes 23 steps; Himmelblau from (-0.3, -0.9) stops at its maximum at step 4. */
    in = make2("rosenbrock", -1.2, 1, 1, "search", 1e-3);
    s = in->self;
    double fprev = 24.2 + 1e-12;
    const mlm_testfn *rb = &mlm_testfns[MLM_TESTFN_ROSENBROCK];
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) {
        mlm_step(in, 1);
        double fx = mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, s->newton.p[0], s->newton.p[1], NULL, NULL);
        CHECK(fx <= fprev, "search rose at step %lld", (long long)in->steps);
        CHECK(s->newton.p[0] >= rb->x0 && s->newton.p[0] <= rb->x1 && s->newton.p[1] >= rb->y0 &&
              s->newton.p[1] <= rb->y1, "search left the view at step %lld", (long long)in->steps);
        fprev = fx;
    }
    CHECK(in->steps == 23 && s->newton.p[0] == 1 && s->newton.p[1] == 1, "search: %lld steps", (long long)in->steps);
    mlm_destroy(in);
    in = make2("himmelblau", -0.3, -0.9, 1, "none", 1e-3);
    s = in->self;
    while (s->newton.state == NEWTON_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(in->steps == 4 && newton2_kind(MLM_TESTFN_HIMMELBLAU, s->newton.p[0], s->newton.p[1]) == -1 &&
          fabs(s->newton.p[0] + 0.271) < 1e-3 && fabs(s->newton.p[1] + 0.923) < 1e-3 &&
          strstr(in->reason, "maximum"), "himmelblau: %lld (%s)", (long long)in->steps, in->reason);
    mlm_destroy(in);

    /* Rosenbrock's Hessian at (1, 1) is (802 -400; -400 200): eigenvalues 1001.6 and 0.3994. */
    {
        double h[3];
        mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, 1, 1, NULL, h);
        double mid = 0.5 * (h[0] + h[2]), r = sqrt(0.25 * (h[0] - h[2]) * (h[0] - h[2]) + h[1] * h[1]);
        CHECK(fabs(mid + r - 1001.6) < 0.05 && fabs(mid - r - 0.3994) < 5e-4, "eigenvalues %g %g",
              mid + r, mid - r);
    }
    /* The 2-D default: Rosenbrock from (-1.2, 1). Newton's second step goes uphill, to
       f = 1410 at y = -3.18; Newton stops at step 8 at (1, 1), which pauses the race (not final);
       gradient descent is still above f = 4. */
    in = make2("rosenbrock", -1.2, 1, 1, "none", 1e-3);
    s = in->self;
    mlm_step(in, 2);
    double f2 = mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, s->newton.p[0], s->newton.p[1], NULL, NULL);
    CHECK(fabs(f2 - 1410) < 5 && fabs(s->newton.p[1] + 3.175) < 1e-3, "step 2: f %g y %g", f2,
          s->newton.p[1]);
    while (in->status == MLM_RUNNING && in->steps < 100) mlm_step(in, 1);
    CHECK(in->steps == 8 && in->status == MLM_CONVERGED && !in->final && s->newton.p[0] == 1 &&
          s->newton.p[1] == 1, "2-D default: status %d at %lld", in->status, (long long)in->steps);
    CHECK(mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, s->gd.p[0], s->gd.p[1], NULL, NULL) > 4, "descent too fast");
    /* Gradient descent needs 32,076 steps to |grad f| < 1e-6, which ends the race. */
    check_run_to_end(in, 40000);
    CHECK(in->final && in->status == MLM_CONVERGED && s->gd.end_step == 32076, "descent: %lld",
          (long long)s->gd.end_step);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    test_derivatives();
    test_quadratic_one_step();
    test_quadratic_convergence();
    test_softabs();
    test_negative_curvature();
    test_racer();
    test_sweep();
    test_checkpoint();
    test_chapter();
    return CHECK_DONE("test_newton");
}
