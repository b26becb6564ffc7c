/* test_test_functions.c: the gallery widget (engine/test_functions.c) against mathematics: on the
 * convex bowls (Booth, Matyas) every optimizer from the function's own start reaches the known
 * minimum; where a run stops is classified by the Hessian (a global minimum, a local one with
 * positive curvatures, or a saddle with curvatures of both signs); plain descent started exactly
 * on the saddle's axis stalls on it and started a hair off it escapes; the markers are the
 * gallery's minima; the trail starts at the clicked point; every function at its defaults shows
 * its character without diverging; and every parameter's min, max and choice draws only finite
 * numbers. */
#include "../../engine/test_functions.c"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_test_functions;

static mlm_instance *make(int fn, int opt, double lr, int steps) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "fn", fn);
    check_set(in, "opt", opt);
    check_set(in, "lr", lr);
    check_set(in, "steps", steps);
    return in;
}

/* ---- the convex bowls: every optimizer reaches the minimum ---- */
static void test_convex(void) {
    /* Learning rates suited to each rule (Booth's curvatures are 2 and 18, Matyas's 0.04 and 1). */
    static const double booth[MLM_OPT_COUNT] = {0.01, 0.01, 0.01, 1, 0.01, 0.1, 0.1, 0.1, 0.1, 0.1};
    static const double matyas[MLM_OPT_COUNT] = {1, 0.3, 0.3, 1, 0.01, 0.1, 0.1, 0.1, 0.1, 0.1};
    const struct { int fn; const double *lr; } cases[] = {{MLM_TESTFN_BOOTH, booth}, {MLM_TESTFN_MATYAS, matyas}};
    for (int c = 0; c < 2; c++) {
        const mlm_testfn *t = &mlm_testfns[cases[c].fn];
        for (int k = 0; k < MLM_OPT_COUNT; k++) {
            mlm_instance *in = make(cases[c].fn, k, cases[c].lr[k], 20000);
            check_set(in, "rho", k == MLM_OPT_RMSPROP ? 0.99 : 0.9); /* at 0.9 RMSprop rattles for ever */
            CHECK(mlm_reset(in, 1) == 0, "reset");
            check_run_to_end(in, 20000);
            const tf_state *s = in->self;
            CHECK(in->status == MLM_CONVERGED && in->final, "%s on %s: status %d after %lld (%s)",
                  mlm_opt_name[k], t->key, in->status, (long long)in->steps, in->reason);
            CHECK(fabs(s->x[0] - t->minima[0][0]) < 1e-4 && fabs(s->x[1] - t->minima[0][1]) < 1e-4,
                  "%s on %s ends at (%g, %g)", mlm_opt_name[k], t->key, s->x[0], s->x[1]);
            CHECK(strstr(in->reason, "global minimum") != NULL, "%s", in->reason);
            mlm_destroy(in);
        }
    }
}

/* ---- what kind of point a run stopped at ---- */
static void test_stops(void) {
    /* Rastrigin from its own start with Adam: a local minimum, where both curvatures are
       positive and f is above the global 0. */
    mlm_instance *in = make(MLM_TESTFN_RASTRIGIN, MLM_OPT_ADAM, 0.05, 3000);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 3000);
    const tf_state *s = in->self;
    double h[3], lo, hi;
    mlm_testfn_eval(MLM_TESTFN_RASTRIGIN, s->x[0], s->x[1], NULL, h);
    tf_eig(h, &lo, &hi);
    CHECK(in->status == MLM_CONVERGED && strstr(in->reason, "local minimum"), "%s", in->reason);
    CHECK(lo > 0 && s->f > 1, "Rastrigin stop: curvatures %g %g, f %g", lo, hi, s->f);
    mlm_destroy(in);

    /* The saddle x^2 + y^4/4 - y^2/2: started on the axis y = 0, plain descent never feels the
       drop in y (the gradient's y part is y^3 - y = 0 there) and stalls on the saddle at the
       origin, where the Hessian is diag(2, -1). A hundredth off the axis it escapes to (0, 1). */
    for (int off = 0; off < 2; off++) {
        in = make(MLM_TESTFN_SADDLE, MLM_OPT_SGD, 0.1, 20000);
        check_set(in, "px", 1.5);
        check_set(in, "py", off ? 0.01 : 0);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        check_run_to_end(in, 20000);
        s = in->self;
        if (off) {
            CHECK(strstr(in->reason, "global minimum") && fabs(s->x[0]) < 1e-6 && fabs(s->x[1] - 1) < 1e-6,
                  "off the axis: (%g, %g): %s", s->x[0], s->x[1], in->reason);
        } else {
            CHECK(strstr(in->reason, "saddle") && fabs(s->x[0]) < 1e-6 && s->x[1] == 0,
                  "on the axis: (%g, %g): %s", s->x[0], s->x[1], in->reason);
            CHECK(strstr(in->reason, "-1 and 2") != NULL, "eigenvalues: %s", in->reason);
        }
        mlm_destroy(in);
    }

    /* Too large a step for plain descent on Rosenbrock: diverged, with the limit quoted. */
    in = make(MLM_TESTFN_ROSENBROCK, MLM_OPT_SGD, 0.01, 3000);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 3000);
    CHECK(in->status == MLM_DIVERGED && in->final && strstr(in->reason, "stable limit"), "%s",
          in->reason);
    s = in->self;
    CHECK(mlm_isfinite(s->x[0]) && mlm_isfinite(s->x[1]), "not frozen at a finite point");
    mlm_destroy(in);

    /* Nothing stopped it: the run ends at its length, finished (neither converged nor
       diverged), and says so. */
    in = make(MLM_TESTFN_ROSENBROCK, MLM_OPT_SGD, 0.001, 200);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 3000);
    CHECK(in->steps == 200 && in->final && in->status == MLM_FINISHED &&
          strstr(in->reason, "still moving"), "%lld: %s", (long long)in->steps, in->reason);
    mlm_destroy(in);
}

/* ---- Himmelblau: the minimum reached is the one whose basin holds the start ---- */
static void test_himmelblau(void) {
    const mlm_testfn *t = &mlm_testfns[MLM_TESTFN_HIMMELBLAU];
    for (int m = 0; m < t->n_minima; m++) {
        mlm_instance *in = make(MLM_TESTFN_HIMMELBLAU, MLM_OPT_MOMENTUM, 0.002, 20000);
        double px = round((t->minima[m][0] * 0.8) * 100) / 100, py = round((t->minima[m][1] * 0.8) * 100) / 100;
        check_set(in, "px", px);
        check_set(in, "py", py);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        check_run_to_end(in, 20000);
        const tf_state *s = in->self;
        CHECK(fabs(s->x[0] - t->minima[m][0]) < 1e-5 && fabs(s->x[1] - t->minima[m][1]) < 1e-5,
              "from (%g, %g) to (%g, %g), not minimum %d", px, py, s->x[0], s->x[1], m);
        mlm_destroy(in);
    }
}

/* ---- markers, start, ranges; and each function's default run ---- */
static void test_each_function(void) {
    for (int fn = 0; fn < MLM_TESTFN_COUNT; fn++) {
        const mlm_testfn *t = &mlm_testfns[fn];
        mlm_instance *in = mlm_create(M);
        check_set(in, "fn", fn);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        mlm_draw(in);
        const mlm_view_state *mk = &in->views[V_MINIMA], *tr = &in->views[V_TRAIL];
        CHECK(mk->count == t->n_minima, "%s: %d markers", t->key, mk->count);
        for (int m = 0; m < mk->count; m++)
            CHECK(mk->data[2 * m] == (float)t->minima[m][0] && mk->data[2 * m + 1] == (float)t->minima[m][1],
                  "%s: marker %d", t->key, m);
        CHECK(tr->count == 1 && tr->data[0] == (float)t->start[0] && tr->data[1] == (float)t->start[1],
              "%s: trail starts at (%g, %g)", t->key, tr->data[0], tr->data[1]);
        const mlm_panel_state *p = &in->panels[P_CONTOUR];
        CHECK(p->x0 == (float)t->x0 && p->x1 == (float)t->x1 && p->y0 == (float)t->y0 && p->y1 == (float)t->y1,
              "%s: contour range", t->key);
        CHECK(strcmp(in->views[V_HARD].text, t->hard) == 0, "%s: hard text", t->key);

        /* The defaults run for a while (the player has something to show) and never diverge. */
        mlm_step(in, 3);
        CHECK(in->steps == 3 && in->status == MLM_RUNNING, "%s: stopped at %lld", t->key, (long long)in->steps);
        check_run_to_end(in, 3000);
        CHECK(in->status != MLM_DIVERGED, "%s: default run diverged: %s", t->key, in->reason);
        printf("  %-11s %5lld steps: %s\n", t->key, (long long)in->steps, in->reason);
        mlm_destroy(in);

        /* A clicked start inside the plot is used as it is. */
        in = mlm_create(M);
        check_set(in, "fn", fn);
        double px = round((0.2 * t->x0 + 0.8 * t->x1) * 100) / 100, py = round((0.7 * t->y0 + 0.3 * t->y1) * 100) / 100;
        check_set(in, "px", px);
        check_set(in, "py", py);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        mlm_draw(in);
        CHECK(in->views[V_TRAIL].data[0] == (float)px && in->views[V_TRAIL].data[1] == (float)py,
              "%s: clicked start", t->key);
        mlm_destroy(in);
    }
}

/* ---- the run is exactly the shared rule on the gallery's gradient ---- */
static void test_same_rule(void) {
    for (int k = 0; k < MLM_OPT_COUNT; k++) {
        mlm_instance *in = make(MLM_TESTFN_BEALE, k, 0.003, 3000);
        check_set(in, "mu", 0.7);
        check_set(in, "beta1", 0.8);
        check_set(in, "beta2", 0.99);
        check_set(in, "rho", 0.95);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        mlm_opt_hyper h;
        mlm_opt_defaults((mlm_opt_kind)k, &h);
        h.lr = 0.003, h.momentum = 0.7, h.beta1 = 0.8, h.beta2 = 0.99, h.rho = 0.95, h.weight_decay = 0;
        double buf[6], x[2] = {1, 1.4}, g[2];
        mlm_opt_state st;
        mlm_opt_init(&st, buf, 2);
        const tf_state *s = in->self;
        for (int t = 0; t < 40; t++) {
            mlm_step(in, 1);
            mlm_testfn_eval(MLM_TESTFN_BEALE, x[0], x[1], g, NULL);
            mlm_opt_step((mlm_opt_kind)k, &h, &st, x, g, 2);
            CHECK(s->x[0] == x[0] && s->x[1] == x[1], "%s step %d differs", mlm_opt_name[k], t + 1);
        }
        mlm_destroy(in);
    }
}


/* ---- every parameter at min, max, default and every choice: finite views ---- */
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
        int flags = M->panels[p].flags;
        CHECK((flags & MLM_PANEL_AUTO_X) || ps->x1 > ps->x0, "%s: panel x range", what);
        CHECK((flags & MLM_PANEL_AUTO_Y) || ps->y1 > ps->y0, "%s: panel y range", what);
    }
}

static void test_sweep(void) {
    char what[160];
    for (int i = 0; i < M->n_params; i++) {
        const mlm_param *p = &M->params[i];
        int n = p->kind == MLM_CHOICE ? mlm_choice_count(p) : 3;
        for (int k = 0; k < n; k++) {
            double v = p->kind == MLM_CHOICE ? k : k == 0 ? p->min : k == 1 ? p->max : p->def;
            mlm_instance *in = mlm_create(M);
            mlm_set(in, i, v);
            snprintf(what, sizeof what, "%s = %g", p->name, v);
            CHECK(mlm_reset(in, 7) == 0, "%s: reset: %s", what, in->reason);
            check_views(in, what);
            check_run_to_end(in, 500);
            check_views(in, what);
            mlm_destroy(in);
        }
    }
    /* Every function with every optimizer, at the smallest, default and largest rate. */
    const double lrs[3] = {1e-5, 0.05, 3};
    for (int fn = 0; fn < MLM_TESTFN_COUNT; fn++)
        for (int k = 0; k < MLM_OPT_COUNT; k++)
            for (int r = 0; r < 3; r++) {
                mlm_instance *in = make(fn, k, lrs[r], 3000);
                snprintf(what, sizeof what, "%s, %s, lr %g", mlm_testfns[fn].key, mlm_opt_key[k], lrs[r]);
                CHECK(mlm_reset(in, 7) == 0, "%s: reset", what);
                check_run_to_end(in, 300);
                check_views(in, what);
                mlm_destroy(in);
            }
}

static void test_checkpoint(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    mlm_step(in, 20);
    size_t n = mlm_snapshot_size(in);
    unsigned char *snap = malloc(n);
    memcpy(snap, in, n);
    const tf_state *s = in->self;
    mlm_step(in, 50);
    double a = s->x[0], b = s->x[1];
    memcpy(in, snap, n);
    mlm_step(in, 50);
    CHECK(s->x[0] == a && s->x[1] == b && in->steps == 70, "replay differs");
    free(snap);
    mlm_destroy(in);
}

/* The controls shown for an optimizer are the hyperparameters its rule reads (mlm_opt_uses):
   mu for momentum and Nesterov, beta1 and beta2 for the Adam family, rho for RMSprop and
   Adadelta; the learning rate for all. */
static void test_when(void) {
    static const struct { const char *name; int uses; } hp[] = {
        {"mu", MLM_OPT_USES_MOMENTUM}, {"beta1", MLM_OPT_USES_BETA1},
        {"beta2", MLM_OPT_USES_BETA2}, {"rho", MLM_OPT_USES_RHO}};
    tf_desc d;
    mlm_desc_defaults(M, &d);
    for (int k = 0; k < MLM_OPT_COUNT; k++) {
        d.opt = k;
        for (int h = 0; h < MLM_COUNT(hp); h++) {
            int shown = mlm_param_applies(M, &d, mlm_param_index(M, hp[h].name));
            int read = (mlm_opt_uses((mlm_opt_kind)k) & hp[h].uses) != 0;
            CHECK(shown == read, "%s with %s: shown %d, read %d", hp[h].name, mlm_opt_key[k], shown, read);
        }
        CHECK(mlm_param_applies(M, &d, mlm_param_index(M, "lr")), "lr with %s", mlm_opt_key[k]);
    }
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    test_when();
    test_convex();
    test_stops();
    test_himmelblau();
    test_each_function();
    test_same_rule();
    test_sweep();
    test_checkpoint();
    return CHECK_DONE("test_test_functions");
}
