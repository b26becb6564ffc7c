/* test_optimizers.c: the optimizer race (engine/optimizers.c) against mathematics: every one of
 * the ten optimizers, at a suitable learning rate, reaches the minimum (1, 3) of the Booth bowl;
 * each run is exactly the rule of engine/core/optim.c applied to the gallery's gradient; the trails
 * start at the clicked point (or at the function's own start); the markers are the gallery's
 * minima; a divergence is reported once, frozen, and the others go on; the race ends at its
 * length; a checkpoint replays exactly; and every parameter's min, max and default draws only
 * finite numbers. */
#include "../../engine/optimizers.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_optimizers;

static void only(mlm_instance *in, int keep) {
    char name[32];
    for (int k = 0; k < OP_N; k++) {
        snprintf(name, sizeof name, "on_%s", mlm_opt_key[k]);
        check_set(in, name, k == keep || keep < 0);
    }
}


/* ---- Booth, (x + 2y - 7)^2 + (2x + y - 5)^2: every optimizer reaches (1, 3) ---- */
static void test_booth(void) {
    /* Learning rates that suit each rule on this bowl (curvatures 2 and 18: SGD needs < 1/9). */
    static const struct { const char *key; double lr; } lrs[OP_N] = {
        {"sgd", 0.01}, {"momentum", 0.01}, {"nesterov", 0.01}, {"adagrad", 1},
        {"rmsprop", 0.01}, {"adadelta", 0.1}, {"adam", 0.1}, {"adamax", 0.1}, {"nadam", 0.1},
        {"adamw", 0.1}};
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "fn", "booth");
    check_set(in, "steps", 20000);
    check_set(in, "wd_adamw", 0);
    char name[32];
    for (int k = 0; k < OP_N; k++) {
        snprintf(name, sizeof name, "lr_%s", lrs[k].key);
        check_set(in, name, lrs[k].lr);
    }
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    check_run_to_end(in, 20000);
    const op_state *s = in->self;
    for (int k = 0; k < OP_N; k++) {
        const op_run *r = &s->run[k];
        CHECK(r->state == OP_CONVERGED, "%s on Booth: state %d", mlm_opt_name[k], r->state);
        CHECK(fabs(r->x[0] - 1) < 1e-5 && fabs(r->x[1] - 3) < 1e-5, "%s ends at (%.8g, %.8g)",
              mlm_opt_name[k], r->x[0], r->x[1]);
        CHECK(r->f < 1e-9, "%s: f = %g", mlm_opt_name[k], r->f);
    }
    CHECK(in->status == MLM_CONVERGED && in->final && in->steps < 20000, "status %d at %lld: %s",
          in->status, (long long)in->steps, in->reason);
    mlm_destroy(in);

    /* With AdamW's decay on, the rest point is pulled a little towards the origin. */
    in = mlm_create(M);
    check_set_choice(in, "fn", "booth");
    only(in, MLM_OPT_ADAMW);
    check_set(in, "lr_adamw", 0.1);
    check_set(in, "wd_adamw", 0.01);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 3000);
    s = in->self;
    double dx = s->run[MLM_OPT_ADAMW].x[0] - 1, dy = s->run[MLM_OPT_ADAMW].x[1] - 3;
    CHECK(hypot(dx, dy) < 5e-3 && dy < 0, "AdamW on Booth ends %g, %g from (1, 3)", dx, dy);
    mlm_destroy(in);
}

/* ---- each run is exactly the shared rule on the gallery's gradient ---- */
static void test_same_rule(void) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "fn", "rosenbrock");
    check_set(in, "lr_adagrad", 0.3); /* off the defaults, to see the settings are used */
    check_set(in, "rho_rmsprop", 0.95);
    check_set(in, "beta1_nadam", 0.8);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    const op_desc *d = in->desc;
    double x[OP_N][2], buf[OP_N][6];
    mlm_opt_state st[OP_N];
    mlm_opt_hyper hy[OP_N];
    for (int k = 0; k < OP_N; k++) {
        x[k][0] = -1.2;
        x[k][1] = 1; /* Rosenbrock's own start */
        mlm_opt_init(&st[k], buf[k], 2);
        mlm_opt_defaults((mlm_opt_kind)k, &hy[k]);
        hy[k].lr = d->cfg[k].lr;
    }
    hy[MLM_OPT_MOMENTUM].momentum = hy[MLM_OPT_NESTEROV].momentum = 0.9;
    hy[MLM_OPT_RMSPROP].rho = 0.95;
    hy[MLM_OPT_NADAM].beta1 = 0.8;
    hy[MLM_OPT_ADAMW].weight_decay = d->cfg[MLM_OPT_ADAMW].wd;
    for (int t = 0; t < 50; t++) {
        mlm_step(in, 1);
        const op_state *s = in->self;
        for (int k = 0; k < OP_N; k++) {
            double g[2];
            mlm_testfn_eval(MLM_TESTFN_ROSENBROCK, x[k][0], x[k][1], g, NULL);
            mlm_opt_step((mlm_opt_kind)k, &hy[k], &st[k], x[k], g, 2);
            CHECK(s->run[k].x[0] == x[k][0] && s->run[k].x[1] == x[k][1],
                  "%s step %d: (%.17g, %.17g), the rule alone (%.17g, %.17g)", mlm_opt_name[k], t + 1,
                  s->run[k].x[0], s->run[k].x[1], x[k][0], x[k][1]);
        }
    }
    mlm_destroy(in);
}

/* ---- start, markers, panel ranges ---- */
static void test_start_and_markers(void) {
    for (int fn = 0; fn < MLM_TESTFN_COUNT; fn++) {
        const mlm_testfn *t = &mlm_testfns[fn];
        for (int clicked = 0; clicked < 2; clicked++) {
            mlm_instance *in = mlm_create(M);
            check_set(in, "fn", fn);
            /* A click lands on the grid of the px/py control: 0.01. */
            double px = round((0.3 * t->x0 + 0.7 * t->x1) * 100) / 100;
            double py = round((0.6 * t->y0 + 0.4 * t->y1) * 100) / 100;
            if (clicked) check_set(in, "px", px), check_set(in, "py", py);
            CHECK(mlm_reset(in, 1) == 0, "reset");
            mlm_draw(in);
            double wx = clicked ? px : t->start[0], wy = clicked ? py : t->start[1];
            for (int k = 0; k < OP_N; k++) {
                const mlm_view_state *v = &in->views[V_TRAIL0 + k];
                CHECK(v->count == 1 && v->data[0] == (float)wx && v->data[1] == (float)wy,
                      "%s: trail %d starts at (%g, %g), want (%g, %g)", t->key, k, v->data[0],
                      v->data[1], wx, wy);
            }
            const mlm_view_state *mk = &in->views[V_MINIMA];
            CHECK(mk->count == t->n_minima, "%s: %d markers", t->key, mk->count);
            for (int m = 0; m < mk->count; m++)
                CHECK(mk->data[2 * m] == (float)t->minima[m][0] &&
                          mk->data[2 * m + 1] == (float)t->minima[m][1],
                      "%s: marker %d at (%g, %g)", t->key, m, mk->data[2 * m], mk->data[2 * m + 1]);
            const mlm_panel_state *p = &in->panels[P_CONTOUR];
            CHECK(p->x0 == (float)t->x0 && p->x1 == (float)t->x1 && p->y0 == (float)t->y0 &&
                      p->y1 == (float)t->y1, "%s: contour range", t->key);
            /* The field is the gallery's, over the same range. */
            const mlm_view_state *f = &in->views[V_FIELD];
            float probe[OP_FIELD_N * OP_FIELD_N];
            mlm_testfn_field(fn, probe, OP_FIELD_N, OP_FIELD_N, t->x0, t->x1, t->y0, t->y1);
            CHECK(f->w == OP_FIELD_N && f->h == OP_FIELD_N &&
                      memcmp(f->data, probe, sizeof probe) == 0, "%s: field differs", t->key);
            mlm_destroy(in);
        }
    }
}

/* ---- divergence: reported once, frozen, the others go on ---- */
static void test_divergence(void) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "fn", "rosenbrock");
    check_set(in, "lr_sgd", 0.01); /* above 2/lambda_max ~ 0.002 near the valley: SGD flies off */
    CHECK(mlm_reset(in, 1) == 0, "reset");
    int reports = 0;
    int64_t at = 0;
    while (!in->final && in->steps < 3000) {
        mlm_step(in, 3000);
        if (in->status == MLM_DIVERGED && !in->final) {
            reports++;
            at = in->status_step;
            CHECK(strstr(in->reason, "SGD diverged") == in->reason, "reason: %s", in->reason);
            CHECK(strstr(in->reason, "stable limit") != NULL, "reason names no limit: %s", in->reason);
        }
    }
    const op_state *s = in->self;
    CHECK(reports == 1 && s->run[MLM_OPT_SGD].state == OP_DIVERGED, "%d reports, state %d", reports,
          s->run[MLM_OPT_SGD].state);
    CHECK(s->run[MLM_OPT_SGD].end_step == at && at <= 5, "SGD diverged at %lld", (long long)at);
    /* Frozen inside the bound with a finite trail; the momentum run went on to the end. */
    CHECK(fabs(s->run[MLM_OPT_SGD].x[0]) < s->bound && fabs(s->run[MLM_OPT_SGD].x[1]) < s->bound,
          "frozen outside");
    CHECK(s->run[MLM_OPT_MOMENTUM].loss.xy[2 * (s->run[MLM_OPT_MOMENTUM].loss.n - 1)] > 100,
          "momentum stopped early");
    mlm_destroy(in);

    /* Everyone diverging ends the race as diverged. */
    in = mlm_create(M);
    only(in, MLM_OPT_SGD);
    check_set(in, "lr_sgd", 0.1);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 100);
    CHECK(in->status == MLM_DIVERGED && in->final, "status %d final %d", in->status, in->final);
    mlm_destroy(in);

    /* Nobody switched on: the run cannot start, and says why. */
    in = mlm_create(M);
    only(in, OP_N); /* keep = OP_N matches no optimizer */
    CHECK(mlm_reset(in, 1) == -1 && strstr(in->reason, "no optimizer is switched on: switch one on to race"), "%s", in->reason);
    mlm_destroy(in);
}

/* ---- several runs: each run's end is reported without ending the race, and written in the
   loss panel; the race converged only if every racer did ---- */
static void test_run_ends(void) {
    /* Booth, SGD at 0.01 (below 2/λmax = 2/18) and Adagrad at 1: both converge, at different
       steps. */
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "fn", "booth");
    check_set(in, "steps", 20000);
    only(in, -1);
    for (int k = 0; k < OP_N; k++) {
        char name[32];
        snprintf(name, sizeof name, "on_%s", mlm_opt_key[k]);
        check_set(in, name, k == MLM_OPT_SGD || k == MLM_OPT_ADAGRAD);
    }
    check_set(in, "lr_sgd", 0.01);
    check_set(in, "lr_adagrad", 1);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    int reports = 0;
    while (!in->final && in->steps < 20000) {
        mlm_step(in, 20000);
        if (!in->final && in->status == MLM_CONVERGED) {
            reports++;
            CHECK(strstr(in->reason, "converged at step") && strstr(in->reason, "the others go on"), "%s", in->reason);
            mlm_draw(in);
            const char *ends = in->views[V_ENDS].text;
            CHECK(!in->views[V_ENDS].hidden && strstr(ends, "converged: ") == ends, "ends: %s", ends);
        }
    }
    CHECK(reports == 1, "%d non-final reports for two racers", reports);
    CHECK(in->status == MLM_CONVERGED && in->final && strstr(in->reason, "every optimizer converged"),
          "status %d: %s", in->status, in->reason);
    mlm_draw(in);
    const op_state *s = in->self;
    char want[120];
    snprintf(want, sizeof want, "converged: %s %lld, %s %lld", mlm_opt_name[MLM_OPT_SGD],
             (long long)s->run[MLM_OPT_SGD].end_step, mlm_opt_name[MLM_OPT_ADAGRAD],
             (long long)s->run[MLM_OPT_ADAGRAD].end_step);
    CHECK(strcmp(in->views[V_ENDS].text, want) == 0, "ends '%s', want '%s'", in->views[V_ENDS].text, want);
    mlm_destroy(in);

    /* One converges, one diverges: the race ends diverged, never "converged". On Rosenbrock SGD
       at 0.01 flies off within five steps (see test_divergence); Adamax converges. */
    in = mlm_create(M);
    check_set_choice(in, "fn", "rosenbrock");
    check_set(in, "steps", 20000);
    for (int k = 0; k < OP_N; k++) {
        char name[32];
        snprintf(name, sizeof name, "on_%s", mlm_opt_key[k]);
        check_set(in, name, k == MLM_OPT_SGD || k == MLM_OPT_ADAMAX);
    }
    check_set(in, "lr_sgd", 0.01);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    check_run_to_end(in, 20000);
    s = in->self;
    CHECK(s->run[MLM_OPT_SGD].state == OP_DIVERGED && s->run[MLM_OPT_ADAMAX].state == OP_CONVERGED,
          "states %d %d", s->run[MLM_OPT_SGD].state, s->run[MLM_OPT_ADAMAX].state);
    CHECK(in->status == MLM_DIVERGED && in->final && strstr(in->reason, "1 converged, 1 diverged"),
          "status %d: %s", in->status, in->reason);
    mlm_draw(in);
    CHECK(strstr(in->views[V_ENDS].text, "converged: Adamax") && strstr(in->views[V_ENDS].text, "diverged: SGD"),
          "ends: %s", in->views[V_ENDS].text);
    mlm_destroy(in);
}

/* ---- the race ends at its length, with the leader named ---- */
static void test_race_end(void) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "steps", 200);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 5000);
    CHECK(in->steps == 200 && in->final, "ended at %lld", (long long)in->steps);
    CHECK(strstr(in->reason, "closest to the minimum") != NULL, "%s", in->reason);
    mlm_destroy(in);
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
            CHECK(vs->text != NULL && strlen(vs->text) < 80, "%s: text %s", what, M->views[v].name);
            continue;
        }
        if (vs->hidden) continue;
        long n = kind == MLM_VIEW_FIELD ? (long)vs->w * vs->h : (long)vs->count * mlm_view_stride(kind, vs);
        CHECK(n > 0 && vs->data, "%s: view %s is empty", what, M->views[v].name);
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
}

static void test_sweep(void) {
    char what[128];
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
            CHECK(in->steps <= 500, "%s: %lld steps", what, (long long)in->steps);
            check_views(in, what);
            mlm_destroy(in);
        }
    }
    /* Every function with every optimizer at its largest and smallest learning rate. */
    for (int fn = 0; fn < MLM_TESTFN_COUNT; fn++) {
        for (int side = 0; side < 2; side++) {
            mlm_instance *in = mlm_create(M);
            check_set(in, "fn", fn);
            for (int k = 0; k < OP_N; k++) {
                char name[32];
                snprintf(name, sizeof name, "lr_%s", mlm_opt_key[k]);
                check_set(in, name, side ? 1e9 : 0); /* clamped to max, min */
            }
            snprintf(what, sizeof what, "fn %s, lr at %s", mlm_testfns[fn].key, side ? "max" : "min");
            CHECK(mlm_reset(in, 7) == 0, "%s: reset", what);
            check_run_to_end(in, 300);
            check_views(in, what);
            mlm_destroy(in);
        }
    }
}

/* ---- a checkpoint (a copy of the mutable block) restores the run exactly ---- */
static void test_checkpoint(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    mlm_step(in, 37);
    size_t n = mlm_snapshot_size(in);
    unsigned char *snap = malloc(n);
    memcpy(snap, in, n);
    const op_state *s = in->self;
    mlm_step(in, 100);
    double a = s->run[MLM_OPT_ADAM].x[0], b = s->run[MLM_OPT_ADADELTA].x[1];
    memcpy(in, snap, n);
    CHECK(in->steps == 37, "restored step %lld", (long long)in->steps);
    mlm_step(in, 100);
    CHECK(s->run[MLM_OPT_ADAM].x[0] == a && s->run[MLM_OPT_ADADELTA].x[1] == b, "replay differs");
    free(snap);
    mlm_destroy(in);
}

/* ---- the defaults the chapter describes ---- */
static void test_defaults(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    mlm_step(in, 3);
    CHECK(in->steps == 3 && in->status == MLM_RUNNING, "defaults stop at %lld", (long long)in->steps);
    int diverged = 0;
    while (!in->final) {
        mlm_step(in, 100000);
        diverged |= in->status == MLM_DIVERGED;
    }
    const op_state *s = in->self;
    printf("defaults (Rosenbrock): race ends at %lld: %s\n", (long long)in->steps, in->reason);
    for (int k = 0; k < OP_N; k++)
        printf("  %-9s state %d end %5lld  (%.6f, %.6f)  f - f* = %.3g\n", mlm_opt_name[k],
               s->run[k].state, (long long)s->run[k].end_step, s->run[k].x[0], s->run[k].x[1],
               s->run[k].f);
    CHECK(!diverged, "a default optimizer diverged");
    mlm_destroy(in);
}

/* An optimizer's own settings (every parameter named <something>_<its key>) show exactly while it
   races; the shared ones (function, start, race length, the switches) always. */
static void test_when(void) {
    op_desc d;
    mlm_desc_defaults(M, &d);
    int conditional = 0;
    for (int off = 0; off < OP_N; off++) {
        for (int k = 0; k < OP_N; k++) d.cfg[k].on = k != off;
        for (int i = 0; i < M->n_params; i++) {
            const char *name = M->params[i].name, *us = strchr(name, '_');
            int owner = -1;
            for (int k = 0; k < OP_N && us; k++)
                if (strcmp(us + 1, mlm_opt_key[k]) == 0) owner = k;
            int is_switch = strncmp(name, "on_", 3) == 0;
            int want = owner < 0 || is_switch || owner != off;
            conditional += off == 0 && owner >= 0 && !is_switch;
            CHECK(mlm_param_applies(M, &d, i) == want, "%s with %s off", name, mlm_opt_key[off]);
        }
    }
    CHECK(conditional == 25, "%d per-optimizer settings", conditional);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    test_when();
    test_booth();
    test_same_rule();
    test_start_and_markers();
    test_divergence();
    test_race_end();
    test_run_ends();
    test_sweep();
    test_checkpoint();
    test_defaults();
    return CHECK_DONE("test_optimizers");
}
