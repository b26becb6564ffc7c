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

#define CHECK_DONE(name)                                                       \
    (printf("%s: %d passed, %d failed\n", name, check_passed, check_failed), \
     check_failed ? 1 : 0)

#endif
