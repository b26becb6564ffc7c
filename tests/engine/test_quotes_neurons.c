/* test_quotes_neurons.c: the values chapter 13 (chapters/13-neurons.md) quotes at step 0, before
 * any update. A ```run block takes at least one step, so these starting values are pinned here,
 * read from the same readouts as the chapter's other numbers (which are ```run blocks), to half a
 * unit of their last digit. */
#include "../../engine/neurons.c"

#include <string.h>

#include "check.h"

static const mlm_module *const M = &mlm_module_neurons;

/* The scalar readout `view` of a fresh run (seed 1) with the given parameters, before any step. */
static double at_start(const char *const *choices, const char *const *names, const double *values, int n,
                       const char *view) {
    mlm_instance *in = mlm_create(M);
    for (int i = 0; choices[i]; i += 2) check_set_choice(in, choices[i], choices[i + 1]);
    for (int i = 0; i < n; i++) check_set(in, names[i], values[i]);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    mlm_draw(in);
    double v = NAN;
    for (int k = 0; k < M->n_views; k++)
        if (strcmp(M->views[k].name, view) == 0) v = in->views[k].value;
    CHECK(in->steps == 0 && !isnan(v), "no readout %s", view);
    mlm_destroy(in);
    return v;
}

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", \
          what, (double)(got), (double)(quoted))

int main(void) {
    /* "the loss has dropped from 0.161" (sigmoid from w = -1, b = 2) */
    const char *sig[] = {"scene", "activations", "act", "sigmoid", NULL};
    const char *wb[] = {"w0", "b0", "lr"};
    QUOTE("sigmoid neuron's starting loss", at_start(sig, wb, (double[]){-1, 2, 1}, 3, "loss"), 0.161, 0.001);
    /* "the loss has gone from 0.219" (sigmoid from w = 0.5, b = -6) */
    QUOTE("saturated neuron's starting loss", at_start(sig, wb, (double[]){0.5, -6, 1}, 3, "loss"), 0.219, 0.001);
    /* "At the start the line runs the wrong way and only 40% of the points are on their side." */
    const char *plane[] = {"scene", "neuron2d", NULL};
    const char *w12[] = {"w1", "w2", "b", "lr"};
    QUOTE("the plane's starting accuracy", at_start(plane, w12, (double[]){-1, 1.5, 0.5, 0.5}, 4, "accuracy"),
          0.40, 0.01);
    /* "(it started at 0.257)" (five hinges on the sine) */
    const char *hinge[] = {"scene", "relusum", "target", "sine", NULL};
    const char *hn[] = {"hinges", "hinge_lr"};
    QUOTE("the hinges' starting loss", at_start(hinge, hn, (double[]){5, 0.05}, 2, "loss"), 0.257, 0.001);
    return CHECK_DONE("test_quotes_neurons");
}
