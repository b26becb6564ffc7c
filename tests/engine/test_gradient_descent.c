/* test_gradient_descent.c: checks the gradient_descent module against mathematics: the analytic
 * derivatives against finite differences, the minima as fixed points, the closed form
 * x_k = (1 - lr c)^k x0 on the bowl f = x^2 (c = 2) with its exact step count, divergence exactly
 * when lr > 2/c, 2-D descent settling in the minimum of its basin, and a sweep of every parameter's
 * range with every view buffer finite. */
#include "../../engine/gradient_descent.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_gradient_descent;

/* A fresh instance at the defaults, then scene and 1-D parameters. */
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

static mlm_instance *make2(const char *fn2, double lr, double px, double py) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "2d");
    check_set_choice(in, "fn2", fn2);
    check_set(in, "lr", lr);
    check_set(in, "px", px);
    check_set(in, "py", py);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}


/* ---- derivatives against central finite differences ---- */
static void test_derivatives(void) {
    const double h = 1e-5;
    for (int fn = 0; fn < 3; fn++) {
        for (int i = 0; i <= 80; i++) {
            double x = -4.0 + 0.1 * i + 0.0123; /* off the grid of special points */
            double fd1 = (gd1_f(fn, x + h) - gd1_f(fn, x - h)) / (2 * h);
            double fd2 = (gd1_grad(fn, x + h) - gd1_grad(fn, x - h)) / (2 * h);
            CHECK_REL(gd1_grad(fn, x), fd1, 1e-7);
            CHECK_REL(gd1_curv(fn, x), fd2, 1e-7);
        }
    }
    for (int fn = 0; fn < 3; fn++) {
        for (int j = 0; j <= 20; j++) {
            for (int i = 0; i <= 20; i++) {
                double x = -5.0 + 0.5 * i + 0.0137, y = -5.0 + 0.5 * j - 0.0071;
                double g[2], gp[2], gm[2], hs[3];
                gd2_grad(fn, x, y, g);
                gd2_hess(fn, x, y, hs);
                double fx = (gd2_f(fn, x + h, y) - gd2_f(fn, x - h, y)) / (2 * h);
                double fy = (gd2_f(fn, x, y + h) - gd2_f(fn, x, y - h)) / (2 * h);
                CHECK_REL(g[0], fx, 1e-7);
                CHECK_REL(g[1], fy, 1e-7);
                gd2_grad(fn, x + h, y, gp);
                gd2_grad(fn, x - h, y, gm);
                CHECK_REL(hs[0], (gp[0] - gm[0]) / (2 * h), 1e-7);
                CHECK_REL(hs[1], (gp[1] - gm[1]) / (2 * h), 1e-7);
                gd2_grad(fn, x, y + h, gp);
                gd2_grad(fn, x, y - h, gm);
                CHECK_REL(hs[1], (gp[0] - gm[0]) / (2 * h), 1e-7);
                CHECK_REL(hs[2], (gp[1] - gm[1]) / (2 * h), 1e-7);
            }
        }
    }
    /* The largest eigenvalue of a 2x2 symmetric matrix: diag(1, 10) -> 10; [[2,1],[1,2]] -> 3. */
    CHECK_NEAR(gd2_lambda_max((double[3]){1, 0, 10}), 10, 1e-15);
    CHECK_NEAR(gd2_lambda_max((double[3]){2, 1, 2}), 3, 1e-15);
}

/* ---- the minima: zero gradient, positive curvature, and runs started there stay put ---- */
static void test_fixed_points(void) {
    /* 1-D: bowl and plateau at 0; two minima at -2 (global, f = 0) and 2 (local, f = 16/15). */
    const struct { int fn; double x, f; } m1[] = {
        {GD_BOWL, 0, 0}, {GD_PLATEAU, 0, 0}, {GD_TWOMIN, -2, 0}, {GD_TWOMIN, 2, 16.0 / 15.0}};
    for (int k = 0; k < MLM_COUNT(m1); k++) {
        CHECK(gd1_grad(m1[k].fn, m1[k].x) == 0, "f'(%g) = %g on fn %d", m1[k].x,
              gd1_grad(m1[k].fn, m1[k].x), m1[k].fn);
        CHECK(gd1_curv(m1[k].fn, m1[k].x) > 0, "f'' <= 0 at a minimum");
        CHECK_NEAR(gd1_f(m1[k].fn, m1[k].x), m1[k].f, 1e-15);
        CHECK_NEAR(gd1_min_near(m1[k].fn, m1[k].x + 0.3), m1[k].x, 0);
    }
    /* twomin's maximum between the basins: f' = 0, f'' < 0; and f >= 0 = f(-2) everywhere. */
    CHECK(gd1_grad(GD_TWOMIN, 0.5) == 0 && gd1_curv(GD_TWOMIN, 0.5) < 0, "x = 1/2 is a maximum");
    for (int i = 0; i <= 800; i++) CHECK(gd1_f(GD_TWOMIN, -4 + 0.01 * i) >= 0, "twomin below 0");
    /* The curvatures the chapter quotes: 2/f'' = 1 on the bowl, 1 and 5/3 at twomin's minima. */
    CHECK_NEAR(2 / gd1_curv(GD_BOWL, 0.7), 1.0, 0);
    CHECK_NEAR(2 / gd1_curv(GD_TWOMIN, -2), 1.0, 1e-15);
    CHECK_NEAR(2 / gd1_curv(GD_TWOMIN, 2), 5.0 / 3.0, 1e-15);
    CHECK_NEAR(2 / gd1_curv(GD_PLATEAU, 0), 2.0, 0);

    /* 2-D: every listed minimum has zero gradient and a positive definite Hessian. */
    for (int fn = 0; fn < 3; fn++) {
        double m[8], g[2], h[3];
        int n = gd2_minima(fn, m);
        CHECK(n == (fn == GD2_HIMMELBLAU ? 4 : 1), "fn2 %d has %d minima", fn, n);
        for (int k = 0; k < n; k++) {
            gd2_grad(fn, m[2 * k], m[2 * k + 1], g);
            gd2_hess(fn, m[2 * k], m[2 * k + 1], h);
            CHECK(fabs(g[0]) < 1e-12 && fabs(g[1]) < 1e-12, "grad at minimum %d of fn2 %d: (%g, %g)",
                  k, fn, g[0], g[1]);
            CHECK(h[0] > 0 && h[0] * h[2] - h[1] * h[1] > 0, "Hessian not positive definite");
            CHECK_NEAR(gd2_f(fn, m[2 * k], m[2 * k + 1]), 0, 1e-15);
        }
    }

    /* Runs started at a minimum stay exactly there and converge on the first step. */
    const struct { const char *fn; double x; } s1[] = {{"bowl", 0}, {"twomin", -2}, {"twomin", 2}, {"plateau", 0}};
    for (int k = 0; k < MLM_COUNT(s1); k++) {
        mlm_instance *in = make1(s1[k].fn, 0.02, 0.3, 1.1, s1[k].x);
        check_run_to_end(in, 100);
        const gd_state *s = in->self;
        for (int r = 0; r < GD_RUNS; r++) {
            CHECK(s->run[r].x == s1[k].x, "%s: run %d moved from %g to %g", s1[k].fn, r, s1[k].x,
                  s->run[r].x);
            CHECK(s->run[r].state == GD_DONE && s->run[r].end_step == 1, "%s: run %d state %d",
                  s1[k].fn, r, s->run[r].state);
        }
        CHECK(in->status == MLM_CONVERGED && in->final && in->steps == 1, "status %d", in->status);
        mlm_destroy(in);
    }
    const struct { const char *fn; double x, y; } s2[] = {{"bowl", 0, 0}, {"round", 0, 0}, {"himmelblau", 3, 2}};
    for (int k = 0; k < MLM_COUNT(s2); k++) {
        mlm_instance *in = make2(s2[k].fn, 0.18, s2[k].x, s2[k].y);
        check_run_to_end(in, 100);
        const gd_state *s = in->self;
        CHECK(s->p[0] == s2[k].x && s->p[1] == s2[k].y, "%s moved from its minimum", s2[k].fn);
        CHECK(in->status == MLM_CONVERGED && in->final && in->steps == 1, "status %d", in->status);
        mlm_destroy(in);
    }
}

/* ---- the bowl f = x^2 (c = 2): closed form, step count, and where divergence starts ---- */

/* Steps until |x_k| = |x0| |1 - lr c|^k first drops below eps: the least k > L. */
static int64_t steps_to(double x0, double rho, double eps) {
    double L = log(eps / fabs(x0)) / log(fabs(rho));
    double frac = L - floor(L);
    CHECK(frac > 1e-6 && frac < 1 - 1e-6, "L = %.12g is too close to an integer to test", L);
    return (int64_t)floor(L) + 1;
}

static void test_bowl(void) {
    const double c = 2.0;
    CHECK_NEAR(gd1_curv(GD_BOWL, 1.234), c, 0);

    /* Closed form. lr = 0.25 makes 1 - lr c = 1/2, so every iterate is exact: x_k = x0 / 2^k. */
    {
        mlm_instance *in = make1("bowl", 0.25, 0.3, 0.7, 3);
        const gd_state *s = in->self;
        const double rho[GD_RUNS] = {0.5, 1 - 0.3 * c, 1 - 0.7 * c};
        for (int k = 1; k <= 40; k++) {
            mlm_step(in, 1);
            CHECK(s->run[0].state != GD_RUNNING || s->run[0].x == ldexp(3.0, -k), "x_%d = %.17g", k,
                  s->run[0].x);
            for (int r = 0; r < GD_RUNS; r++) {
                if (s->run[r].state != GD_RUNNING && s->run[r].end_step < k) continue; /* frozen */
                double want = 3.0 * pow(rho[r], k);
                CHECK(fabs(s->run[r].x - want) <= 1e-12 * fabs(want), "run %d: x_%d = %.17g, want %.17g",
                      r, k, s->run[r].x, want);
            }
        }
        mlm_destroy(in);
    }

    /* Step count to |f'(x)| = c|x| < GD_TOL, that is |x| < GD_TOL / c. */
    const double x0s[] = {3, -2.5, 0.7, 4};
    for (int i = 0; i < MLM_COUNT(x0s); i++) {
        const double lr[GD_RUNS] = {0.02, 0.3, 0.9};
        mlm_instance *in = make1("bowl", lr[0], lr[1], lr[2], x0s[i]);
        check_run_to_end(in, 5000);
        const gd_state *s = in->self;
        int64_t last = 0;
        for (int r = 0; r < GD_RUNS; r++) {
            int64_t want = steps_to(x0s[i], 1 - lr[r] * c, GD_TOL / c);
            CHECK(s->run[r].state == GD_DONE, "run %d did not converge", r);
            CHECK(s->run[r].end_step == want, "x0 %g lr %g: converged at %lld, theory %lld", x0s[i],
                  lr[r], (long long)s->run[r].end_step, (long long)want);
            if (want > last) last = want;
        }
        /* The widget ends when the slowest run converges, and says so. */
        CHECK(in->status == MLM_CONVERGED && in->final && in->steps == last, "status %d at %lld",
              in->status, (long long)in->steps);
        mlm_destroy(in);
    }

    /* Divergence exactly beyond 2/c = 1: the first step with |x_k| > GD1_XMAX is reported once,
       not finally (the other runs go on), and the run is frozen at its last point. */
    const double over[] = {1.01, 1.1, 1.25, 1.5};
    for (int i = 0; i < MLM_COUNT(over); i++) {
        mlm_instance *in = make1("bowl", 0.02, 0.3, over[i], 3);
        double rho = fabs(1 - over[i] * c);
        int64_t want = (int64_t)floor(log(GD1_XMAX / 3.0) / log(rho)) + 1;
        /* non-final reports of the runs that converge first are counted and passed over */
        int converged_reports = 0;
        while (in->status != MLM_DIVERGED && !in->final && in->steps < 5000) {
            mlm_step(in, 1);
            converged_reports += in->status == MLM_CONVERGED && !in->final;
        }
        CHECK(in->status == MLM_DIVERGED && !in->final, "lr %g: status %d final %d", over[i],
              in->status, in->final);
        CHECK(in->steps == want, "lr %g diverged at step %lld, theory %lld", over[i],
              (long long)in->steps, (long long)want);
        CHECK(strstr(in->reason, "diverged") != NULL, "reason: %s", in->reason);
        const gd_state *s = in->self;
        CHECK(s->run[2].state == GD_BLOWN && fabs(s->run[2].x) <= GD1_XMAX, "frozen at %g",
              s->run[2].x);
        /* The other two still converge, each saying so without ending the widget; the widget
           then ends, and not as converged: one of its runs diverged. */
        while (!in->final && in->steps < 5000) {
            mlm_step(in, 1);
            if (!in->final && in->status == MLM_CONVERGED) {
                converged_reports++;
                CHECK(strstr(in->reason, "converged at step") && strstr(in->reason, "go on"), "%s", in->reason);
            }
        }
        CHECK(in->status == MLM_DIVERGED && in->final, "status %d", in->status);
        CHECK(strstr(in->reason, "not every run converged") && strstr(in->reason, "large η diverged"),
              "%s", in->reason);
        CHECK(converged_reports >= 1 && converged_reports <= 2, "%d non-final convergence reports", converged_reports);
        CHECK(s->run[0].state == GD_DONE && s->run[1].state == GD_DONE, "the others converged");
        CHECK(s->run[2].end_step == want, "end step %lld", (long long)s->run[2].end_step);
        mlm_destroy(in);
    }
    /* Just below 2/c: oscillating, shrinking, never diverging. */
    const double under[] = {0.6, 0.9, 0.99, 0.999};
    for (int i = 0; i < MLM_COUNT(under); i++) {
        mlm_instance *in = make1("bowl", under[i], under[i], under[i], 4);
        int diverged = 0;
        while (!in->final && in->steps < 100000) {
            mlm_step(in, 1);
            diverged |= in->status == MLM_DIVERGED;
        }
        CHECK(!diverged && in->status == MLM_CONVERGED, "lr %g < 2/c: status %d (%s)", under[i],
              in->status, in->reason);
        mlm_destroy(in);
    }
    /* Exactly 2/c: x -> -x for ever; reported as a run that will never settle. */
    {
        mlm_instance *in = make1("bowl", 0.3, 0.3, 1.0, 3);
        mlm_step(in, 10);
        const gd_state *s = in->self;
        CHECK(s->run[2].state == GD_CYCLE && in->steps == 2, "state %d after %lld", s->run[2].state,
              (long long)in->steps);
        CHECK(in->status == MLM_DIVERGED && strstr(in->reason, "never settle"), "%s", in->reason);
        mlm_destroy(in);
    }
    /* All three above 2/c: the widget ends, diverged, and says so. */
    {
        mlm_instance *in = make1("bowl", 1.5, 1.5, 1.5, 3);
        check_run_to_end(in, 1000);
        CHECK(in->status == MLM_DIVERGED && in->final && in->steps == 2, "status %d final %d at %lld",
              in->status, in->final, (long long)in->steps);
        CHECK(strstr(in->reason, "diverged") != NULL, "reason: %s", in->reason);
        mlm_destroy(in);
    }
}

/* ---- 2-D ---- */
static void test_2d(void) {
    /* The elongated bowl: each coordinate follows its own closed form, (1 - lr)^k and
       (1 - 10 lr)^k; lr < 2/10 converges to the minimum, lr > 2/10 diverges. */
    {
        mlm_instance *in = make2("bowl", 0.15, -4, 2.5);
        const gd_state *s = in->self;
        for (int k = 1; k <= 30; k++) {
            mlm_step(in, 1);
            double wx = -4 * pow(1 - 0.15, k), wy = 2.5 * pow(1 - 1.5, k);
            CHECK(fabs(s->p[0] - wx) <= 1e-12 * fabs(wx) && fabs(s->p[1] - wy) <= 1e-12 * fabs(wy),
                  "p_%d = (%.17g, %.17g), want (%.17g, %.17g)", k, s->p[0], s->p[1], wx, wy);
        }
        mlm_destroy(in);
    }
    const double lrs[] = {0.05, 0.15, 0.19, 0.21, 0.3};
    for (int i = 0; i < MLM_COUNT(lrs); i++) {
        mlm_instance *in = make2("bowl", lrs[i], -4, 2.5);
        check_run_to_end(in, 20000);
        if (lrs[i] < 0.2) {
            const gd_state *s = in->self;
            CHECK(in->status == MLM_CONVERGED && fabs(s->p[0]) < 1e-6 && fabs(s->p[1]) < 1e-6,
                  "lr %g: status %d at (%g, %g)", lrs[i], in->status, s->p[0], s->p[1]);
        } else {
            CHECK(in->status == MLM_DIVERGED && in->final && strstr(in->reason, "diverged"),
                  "lr %g: status %d (%s)", lrs[i], in->status, in->reason);
        }
        mlm_destroy(in);
    }

    /* Himmelblau: a small learning rate from near each minimum settles in that minimum. */
    double m[8];
    int n = gd2_minima(GD2_HIMMELBLAU, m);
    const double off[4][2] = {{0.6, -0.5}, {-0.4, -0.6}, {0.5, 0.5}, {-0.6, 0.4}};
    for (int k = 0; k < n; k++) {
        double px = round((m[2 * k] + off[k][0]) * 100) / 100, py = round((m[2 * k + 1] + off[k][1]) * 100) / 100;
        mlm_instance *in = make2("himmelblau", 0.01, px, py);
        check_run_to_end(in, 100000);
        const gd_state *s = in->self;
        CHECK(in->status == MLM_CONVERGED, "from (%g, %g): status %d (%s)", px, py, in->status,
              in->reason);
        CHECK(fabs(s->p[0] - m[2 * k]) < 1e-5 && fabs(s->p[1] - m[2 * k + 1]) < 1e-5,
              "from (%g, %g) to (%g, %g), not minimum %d (%g, %g)", px, py, s->p[0], s->p[1], k,
              m[2 * k], m[2 * k + 1]);
        /* Descent with a small step never goes uphill. */
        const mlm_series *l = &s->loss2;
        for (int i = 1; i < l->n; i++) CHECK(l->xy[2 * i + 1] <= l->xy[2 * i - 1], "f rose at %d", i);
        mlm_destroy(in);
    }
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
            if (!vs->text) continue;
            int chars = 0; /* characters, not bytes: UTF-8 continuation bytes are 10xxxxxx */
            for (const char *c = vs->text; *c; c++) chars += ((unsigned char)*c & 0xC0) != 0x80;
            CHECK(chars <= 60, "%s: text %s has %d characters: %s", what, M->views[v].name, chars,
                  vs->text);
            continue;
        }
        long n = kind == MLM_VIEW_FIELD ? (long)vs->w * vs->h : (long)vs->count * mlm_view_stride(kind, vs);
        CHECK(n > 0 && vs->data, "%s: view %s is empty", what, M->views[v].name);
        int bad = 0;
        for (long i = 0; i < n && vs->data; i++) bad += !mlm_isfinite(vs->data[i]);
        CHECK(bad == 0, "%s: view %s has %d non-finite values", what, M->views[v].name, bad);
    }
    for (int p = 0; p < M->n_panels; p++) {
        const mlm_panel_state *ps = &in->panels[p];
        int flags = M->panels[p].flags; /* an AUTO axis is fitted to the data by the renderer */
        CHECK((flags & MLM_PANEL_AUTO_X) || ps->x1 > ps->x0, "%s: panel %s x range", what, M->panels[p].name);
        CHECK((flags & MLM_PANEL_AUTO_Y) || ps->y1 > ps->y0, "%s: panel %s y range", what, M->panels[p].name);
    }
}

static void test_sweep(void) {
    char what[128];
    for (int scene = 0; scene < 2; scene++) {
        for (int i = 0; i < M->n_params; i++) {
            const mlm_param *p = &M->params[i];
            int n = p->kind == MLM_CHOICE ? mlm_choice_count(p) : 3;
            for (int k = 0; k < n; k++) {
                double v = p->kind == MLM_CHOICE ? k : k == 0 ? p->min : k == 1 ? p->max : p->def;
                mlm_instance *in = mlm_create(M);
                mlm_set(in, mlm_param_index(M, "scene"), scene);
                mlm_set(in, i, v);
                snprintf(what, sizeof what, "scene %d, %s = %g", scene, p->name, v);
                CHECK(mlm_reset(in, 7) == 0, "%s: reset: %s", what, in->reason);
                check_views(in, what);
                check_run_to_end(in, 500);
                CHECK(in->steps <= 500, "%s: %lld steps", what, (long long)in->steps);
                check_views(in, what);
                /* The hidden flags follow the scene (which this very parameter may have set). */
                int two = (int)mlm_get(in, mlm_param_index(M, "scene"));
                CHECK(in->panels[P_SMALL].hidden == two && in->panels[P_CONTOUR].hidden == !two,
                      "%s: panels shown for the wrong scene", what);
                mlm_destroy(in);
            }
        }
    }
}

/* ---- a checkpoint (a copy of the mutable block) restores the run exactly ---- */
static void test_checkpoint(void) {
    for (int scene = 0; scene < 2; scene++) {
        mlm_instance *in = mlm_create(M);
        mlm_set(in, mlm_param_index(M, "scene"), scene);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        mlm_step(in, 5);
        size_t n = mlm_snapshot_size(in);
        unsigned char *snap = malloc(n);
        memcpy(snap, in, n);
        const gd_state *s = in->self;
        mlm_step(in, 20);
        mlm_step(in, 20);
        double a0 = s->run[0].x, a1 = s->p[1];
        int64_t steps = in->steps;
        memcpy(in, snap, n);
        CHECK(in->steps == 5, "restored step %lld", (long long)in->steps);
        mlm_step(in, 20);
        mlm_step(in, 20);
        CHECK(in->steps == steps && s->run[0].x == a0 && s->p[1] == a1, "scene %d: replay differs",
              scene);
        free(snap);
        mlm_destroy(in);
    }
}

/* ---- the defaults the chapter describes ---- */
static void test_defaults(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    /* Nothing finishes in the first steps: the player has something to show. */
    mlm_step(in, 3);
    CHECK(in->steps == 3 && in->status == MLM_RUNNING, "defaults stop at %lld", (long long)in->steps);
    /* The large rate (1.1 > 2/c = 1) diverges at step 7: 3 * 1.2^7 = 10.75 > 10. */
    while (in->status == MLM_RUNNING) mlm_step(in, 1);
    CHECK(in->steps == 7 && in->status == MLM_DIVERGED && !in->final, "step %lld status %d",
          (long long)in->steps, in->status);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    test_derivatives();
    test_fixed_points();
    test_bowl();
    test_2d();
    test_sweep();
    test_checkpoint();
    test_defaults();
    return CHECK_DONE("test_gradient_descent");
}
