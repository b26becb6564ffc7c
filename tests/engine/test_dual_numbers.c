/* test_dual_numbers.c: chapter 19's module against mathematics.
 *   - dual numbers give f' of known functions to rounding, along the whole plot and at x0;
 *   - the measured slopes of the error curves are 1 (forward truncation), 2 (central truncation)
 *     and -1 (rounding), for several functions and points;
 *   - the best h lies within a factor of 10 of the model's sqrt(2 eps |f| / |f''|) and
 *     cbrt(3 eps |f| / |f'''|), computed here from closed forms of f'' and f''';
 *   - a text that does not parse is reported at its position, and the last good expression keeps
 *     running across restarts; a fresh run falls back on the default;
 *   - every parameter's extremes (check_sweep), a point outside f's domain. */
#include "../../engine/dual_numbers.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_dual_numbers;

static double view(mlm_instance *in, const char *name) {
    mlm_draw(in);
    int v = mlm_view_index(M, name);
    CHECK(v >= 0, "no view %s", name);
    return v >= 0 && !in->views[v].hidden ? in->views[v].value : NAN;
}

static mlm_instance *start(const char *f, double x0) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_set_text(in, DN_P_F, f) == 0, "set f = %s", f);
    mlm_set(in, DN_P_X0, x0);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

typedef struct {
    const char *f;
    double (*fn)(double), (*d1)(double), (*d2)(double), (*d3)(double);
} known;

static double c_f(double x) { return sin(2 * x) * exp(-x * x / 8); }
static double c_d1(double x) { return (2 * cos(2 * x) - x / 4 * sin(2 * x)) * exp(-x * x / 8); }
static double c_d2(double x) {
    return (-4 * sin(2 * x) - x * cos(2 * x) - sin(2 * x) / 4 + x * x / 16 * sin(2 * x)) * exp(-x * x / 8);
}
static double e_f(double x) { return exp(x); }
static double cube(double x) { return x * x * x; }
static double cube1(double x) { return 3 * x * x; }
static double cube2(double x) { return 6 * x; }
static double six(double x) { return (void)x, 6; }
static double th(double x) { return tanh(x); }
static double th1(double x) { return 1 - tanh(x) * tanh(x); }
static double th2(double x) { return -2 * tanh(x) * (1 - tanh(x) * tanh(x)); }
static double th3(double x) {
    double t = tanh(x), s = 1 - t * t;
    return -2 * s * s + 4 * t * t * s;
}
static double lg(double x) { return log(x); }
static double lg1(double x) { return 1 / x; }
static double lg2(double x) { return -1 / (x * x); }
static double lg3(double x) { return 2 / (x * x * x); }
static double sq(double x) { return sqrt(1 + x * x); }
static double sq1(double x) { return x / sqrt(1 + x * x); }

int main(void) {
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    expr_tape t;
    CHECK(expr_parse(DN_DEFAULT, DN_VARS, 1, &t, NULL) == 0, "the default parses");

    /* f' of known functions, by dual numbers, to rounding: along the plotted interval (through
       the tape the module runs) and at x0 (its readout, a float) */
    const known ks[] = {
        {DN_DEFAULT, c_f, c_d1, c_d2, NULL},
        {"exp(x)", e_f, e_f, e_f, e_f},
        {"x^3", cube, cube1, cube2, six},
        {"tanh(x)", th, th1, th2, th3},
        {"log(x)", lg, lg1, lg2, lg3},
        {"sqrt(1 + x^2)", sq, sq1, NULL, NULL},
    };
    for (int k = 0; k < MLM_COUNT(ks); k++) {
        mlm_instance *in = start(ks[k].f, 1);
        dn_state *s = in->self;
        for (double x = 0.25; x <= 3; x += 0.25) {
            expr_dual d = dn_dual(s, x);
            CHECK_REL(d.v, ks[k].fn(x), 1e-14);
            CHECK_REL(d.d, ks[k].d1(x), 1e-14);
        }
        CHECK_REL(view(in, "df0"), (float)ks[k].d1(1), 1e-7);
        CHECK_REL(s->f2, ks[k].d2 ? ks[k].d2(1) : s->f2, 1e-5);
        mlm_destroy(in);
    }

    /* the slopes and the best h, for functions and points where |f''| and |f'''| are not small */
    const struct {
        int k;
        double x0;
    } cases[] = {{0, 1}, {1, 0.5}, {2, 1}, {3, 0.5}, {4, 1.5}};
    for (int c = 0; c < MLM_COUNT(cases); c++) {
        const known *kn = &ks[cases[c].k];
        double x0 = cases[c].x0;
        mlm_instance *in = start(kn->f, x0);
        check_run_to_end(in, 1000);
        CHECK(in->steps == DN_H && in->status == MLM_FINISHED && in->final, "%s: %lld steps", kn->f, (long long)in->steps);
        CHECK_NEAR(view(in, "slope_fwd"), 1, 0.05);
        CHECK_NEAR(view(in, "slope_cen"), 2, 0.05);
        CHECK_NEAR(view(in, "slope_round"), -1, 0.15);
        double f = fabs(kn->fn(x0)), f2 = fabs(kn->d2(x0)), f3 = fabs(kn->d3 ? kn->d3(x0) : 6);
        double hf = sqrt(2 * DN_EPS * f / f2), hc = cbrt(3 * DN_EPS * f / f3);
        double bf = view(in, "best_fwd"), bc = view(in, "best_cen");
        CHECK(bf > hf / 10 && bf < hf * 10, "%s at %g: best forward h %g, the model's %g", kn->f, x0, bf, hf);
        CHECK(bc > hc / 10 && bc < hc * 10, "%s at %g: best central h %g, the model's %g", kn->f, x0, bc, hc);
        /* and the smallest errors are no larger than the model's bound (each value of f is off
           by at most eps |f| / 2, so the model, which allows eps |f|, bounds the rounding):
           forward sqrt(2 eps |f f''|), central (9/8)^(1/3) (eps |f|)^(2/3) |f'''|^(1/3) */
        dn_state *s = in->self;
        double ef = s->fwd[2 * s->best_f + 1], ec = s->cen[2 * s->best_c + 1];
        double mf = sqrt(2 * DN_EPS * f * f2), mc = cbrt(9.0 / 8 * DN_EPS * DN_EPS * f * f * f3);
        CHECK(ef > 0 && ef < mf, "%s: best forward error %g, model %g", kn->f, ef, mf);
        CHECK(ec > 0 && ec < mc, "%s: best central error %g, model %g", kn->f, ec, mc);
        CHECK(check_views_nonfinite(in) == 0, "%s: finite views", kn->f);
        mlm_destroy(in);
    }

    /* a mistyped text: its position and reason; the last good one keeps running, across any
       number of restarts, and a fresh run without it falls back on the default */
    {
        mlm_instance *in = start("x^3", 1);
        CHECK(mlm_set_text(in, DN_P_F, "x^ * 1") == 0, "set");
        CHECK(mlm_reset(in, 1) == 0, "reset");
        dn_state *s = in->self;
        CHECK(!strcmp(s->running, "x^3") && !s->typed_ok, "running '%s'", s->running);
        CHECK(!strcmp(s->err_text, "3:expected a number, a variable or '('"), "'%s'", s->err_text);
        mlm_draw(in);
        CHECK(!in->views[DN_V_ERROR].hidden && in->views[DN_V_STATUS].hidden, "the error is shown");
        CHECK_REL(view(in, "df0"), 3, 1e-7);
        mlm_set(in, DN_P_X0, 2);
        mlm_reset(in, 1);
        s = in->self;
        CHECK(!strcmp(s->running, "x^3"), "still '%s' after another restart", s->running);
        CHECK_REL(view(in, "df0"), 12, 1e-7);
        /* the link carries the running expression as the input; a fresh run reads it back */
        char buf[MLM_INPUT_MAX + 1];
        CHECK(mlm_input_get(in, buf, sizeof buf) > 0, "input");
        mlm_instance *b = start("x^ * 1", 2);
        CHECK(!strcmp(((dn_state *)b->self)->running, DN_DEFAULT), "fresh: the default");
        CHECK(mlm_input_set(b, buf) == 0 && !strcmp(((dn_state *)b->self)->running, "x^3"), "from the link");
        /* a text that parses takes over, and the input is dropped */
        mlm_set_text(in, DN_P_F, "x^4");
        mlm_reset(in, 1);
        s = in->self;
        CHECK(s->typed_ok && !strcmp(s->running, "x^4") && mlm_input_get(in, buf, sizeof buf) == 0, "x^4");
        CHECK(mlm_input_set(in, "!!") == -1 && mlm_input_set(b, "AAAA") == -1, "bad inputs refused");
        mlm_destroy(in);
        mlm_destroy(b);
    }

    /* outside the domain: the run says so and ends, nothing non-finite is drawn */
    {
        mlm_instance *in = start("log(x)", -1);
        CHECK(in->final && strstr(in->reason, "not finite"), "'%s'", in->reason);
        CHECK(check_views_nonfinite(in) == 0, "finite views");
        mlm_destroy(in);
        in = start("1/x", 0);
        CHECK(in->final, "1/x at 0");
        CHECK(check_views_nonfinite(in) == 0, "finite views");
        mlm_destroy(in);
        in = start("exp(x^2)", 3); /* f and f' huge beside the point, fine at it */
        check_run_to_end(in, 1000);
        CHECK(check_views_nonfinite(in) == 0, "finite views");
        mlm_destroy(in);
    }
    check_sweep(M, 200);
    return CHECK_DONE("test_dual_numbers");
}
