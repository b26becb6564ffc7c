/* check.h: the engine tests' few assertions. Each failed check prints file:line and the values;
 * CHECK_DONE() prints "<test>: N passed, M failed" and is the test's exit status, so a mismatch
 * always fails the run (unlike a test that only prints). */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>

#include "mlm.h"

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (cond) check_passed++;                                                \
        else {                                                                   \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

/* |a - b| <= tol, printing both values when not. */
#define CHECK_NEAR(a, b, tol)                                                            \
    do {                                                                                 \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);                         \
        CHECK(fabs(check_a_ - check_b_) <= check_t_, "%s = %.17g, %s = %.17g, tol %g", #a, \
              check_a_, #b, check_b_, check_t_);                                         \
    } while (0)

/* Relative closeness for values of any size: |a - b| <= rel * max(1, |a|, |b|). */
#define CHECK_REL(a, b, rel)                                                               \
    do {                                                                                   \
        double check_a_ = (a), check_b_ = (b);                                             \
        double check_s_ = fmax(1.0, fmax(fabs(check_a_), fabs(check_b_)));                  \
        CHECK(fabs(check_a_ - check_b_) <= (rel) * check_s_, "%s = %.17g, %s = %.17g, rel %g", \
              #a, check_a_, #b, check_b_, (double)(rel));                                  \
    } while (0)

/* Set a module's parameter by name (a CHOICE by its key); a name or key the module does not
   declare fails the test rather than passing silently. */
static inline void check_set(mlm_instance *in, const char *name, double v) {
    int i = mlm_param_index(in->module, name);
    CHECK(i >= 0, "no parameter %s", name);
    mlm_set(in, i, v);
}

static inline void check_set_choice(mlm_instance *in, const char *name, const char *key) {
    int i = mlm_param_index(in->module, name);
    int k = i >= 0 ? mlm_choice_find(&in->module->params[i], key) : -1;
    CHECK(k >= 0, "no choice %s=%s", name, key);
    mlm_set(in, i, k);
}

/* Step until the run is final (or has taken `limit` steps), going on after non-final reports. */
static inline void check_run_to_end(mlm_instance *in, int limit) {
    while (in->steps < limit && mlm_step(in, (int)(limit - in->steps)) > 0) {
    }
}

/* How many numbers a module would hand the renderer that are not finite, over every view after
   mlm_draw (0 is the only right answer: non-finite values never reach the drawing code). */
static inline long check_views_nonfinite(mlm_instance *in) {
    mlm_draw(in);
    long bad = 0;
    for (int v = 0; v < in->module->n_views; v++) {
        const mlm_view_state *s = &in->views[v];
        if (in->module->views[v].kind == MLM_VIEW_SCALAR) {
            bad += !isfinite(s->value);
            continue;
        }
        long n = mlm_view_floats(in, v);
        for (long i = 0; i < n; i++) bad += !isfinite(s->data[i]);
    }
    return bad;
}

/* Bytes the run itself took from the instance block with mlm_alloc: what state_bytes bounds (the
   instance's header, description, views and panels come on top, sized by mlm_create). */
static inline size_t check_state_used(const mlm_instance *in) {
    mlm_instance *fresh = mlm_create(in->module);
    size_t fixed = fresh ? fresh->used : 0;
    mlm_destroy(fresh);
    return in->used - fixed;
}

/* The values a sweep tries for parameter p: min, max, the default and three between (spaced
   evenly, or geometrically on a log scale); every value of a CHOICE or BOOL. Returns the count. */
static inline int check_sweep_values(const mlm_param *p, double *v) {
    int n = 0;
    if (p->kind == MLM_CHOICE || p->kind == MLM_BOOL) {
        for (double x = p->min; x <= p->max && n < 32; x++) v[n++] = x;
        return n;
    }
    v[n++] = p->min, v[n++] = p->max, v[n++] = p->def;
    for (int k = 1; k <= 3; k++) {
        double t = k / 4.0;
        v[n++] = p->log ? p->min * pow(p->max / p->min, t) : p->min + t * (p->max - p->min);
    }
    return n;
}

/* Every parameter, one at a time, over check_sweep_values with the others at their defaults:
   the run starts (or is refused with a reason, never for want of memory), takes up to `steps`
   steps, and every number it would hand the renderer is finite; so is every fixed panel range.
   Returns the runs made. */
static inline int check_sweep(const mlm_module *m, int steps) {
    mlm_instance *in = mlm_create(m);
    CHECK(in != NULL, "%s: mlm_create", m->name);
    if (!in) return 0;
    int runs = 0;
    for (int i = 0; i < m->n_params; i++) {
        double v[40];
        int n = check_sweep_values(&m->params[i], v);
        for (int k = 0; k < n; k++) {
            mlm_desc_defaults(m, in->desc);
            double set = mlm_set(in, i, v[k]);
            if (mlm_reset(in, 1) != 0) {
                CHECK(in->reason[0] && !in->out_of_memory, "%s=%g: refused with '%s'",
                      m->params[i].name, set, in->reason);
                continue;
            }
            runs++;
            check_run_to_end(in, steps);
            long bad = check_views_nonfinite(in);
            CHECK(bad == 0, "%s=%g: %ld non-finite numbers in the views", m->params[i].name, set, bad);
            for (int q = 0; q < m->n_panels; q++) {
                const mlm_panel_state *ps = &in->panels[q];
                CHECK(isfinite(ps->x0) && isfinite(ps->x1) && isfinite(ps->y0) && isfinite(ps->y1),
                      "%s=%g: panel %s range", m->params[i].name, set, m->panels[q].name);
            }
        }
    }
    mlm_destroy(in);
    return runs;
}

#define CHECK_DONE(name)                                                       \
    (printf("%s: %d passed, %d failed\n", name, check_passed, check_failed), \
     check_failed ? 1 : 0)

#endif
