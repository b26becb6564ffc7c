/* test_quotes_test_functions.c: the numbers chapter 5 (chapters/05-test-functions.md) quotes from
 * runs of the gallery widget: where each run ends, how far above the global minimum, and at which
 * step. The widget's only numeric readout is the gradient's norm, so a ```run block cannot read
 * these; each is pinned here, as printed in the chapter, to half a unit of its last digit. If a
 * change to the engine moves one, this test fails and the sentence must change with it. */
#include "../../engine/test_functions.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_test_functions;

typedef struct {
    const char *what;  /* the chapter's words */
    const char *fn, *opt;
    double lr;         /* 0: the default */
    double px, py;     /* 99: the function's own start */
    int status;        /* how the run ends: MLM_CONVERGED, MLM_DIVERGED, or MLM_FINISHED (3000 steps, still
                          moving); -1: settled (converged) wherever it is */
    long step;         /* the step it ends at; 0: not quoted */
    double x, y, unit; /* where it ends, to `unit` (unit 0: not quoted) */
    double above, above_unit; /* f - f* at the end (above_unit 0: not quoted) */
} quote;

static const quote Q[] = {
    {"Rosenbrock: Adam with η = 0.05 converges at step 2457", "rosenbrock", "adam", 0.05, 99, 99,
     MLM_CONVERGED, 2457, 0, 0, 0, 0, 0},
    {"Matyas: descent with η = 1 converges in 287 steps", "matyas", "sgd", 1, 8, -4, MLM_CONVERGED, 287,
     0, 0, 0, 0, 0},
    {"Matyas: Adam at the default η is still walking after 3000", "matyas", "adam", 0, 8, -4, MLM_FINISHED,
     3000, 0, 0, 0, 0, 0},
    {"Beale: Adam from (1, 1.4) converges at step 1345", "beale", "adam", 0, 1, 1.4, MLM_CONVERGED, 1345,
     3, 0.5, 0.01, 0, 0},
    {"Goldstein-Price: SGD at 1e-4 leaves the region on its first step", "goldstein", "sgd", 1e-4, 99, 99,
     MLM_DIVERGED, 1, 0, 0, 0, 0, 0},
    {"Goldstein-Price: Adam settles near (-0.6, -0.4), where f = 30, and rattles there", "goldstein", "adam",
     0, 99, 99, MLM_FINISHED, 3000,
     -0.6, -0.4, 0.1, 27, 2},
    {"Himmelblau: Adam goes to (-2.81, 3.13) in 337 steps", "himmelblau", "adam", 0, -0.3, -0.9,
     MLM_CONVERGED, 337, -2.81, 3.13, 0.01, 0, 0},
    {"camel: Adam falls into the pocket at (-1.70, 0.80), 0.82 above", "camel", "adam", 0, -1.6, 0.9, -1,
     0, -1.70, 0.80, 0.01, 0.82, 0.01},
    {"camel: descent with η = 0.05 settles there within 8 steps", "camel", "sgd", 0.05, -1.6, 0.9, -1, -8,
     -1.70, 0.80, 0.01, 0.82, 0.01},
    {"Styblinski-Tang: Adam rolls into (2.75, 2.75), 28.3 above", "styblinski", "adam", 0, 0.5, 4.5, -1, 0,
     2.75, 2.75, 0.01, 28.3, 0.1},
    {"Styblinski-Tang: momentum with η = 0.01 stops at (2.75, -2.90), 14.1 above", "styblinski",
     "momentum", 0.01, 0.5, 4.5, -1, 0, 2.75, -2.90, 0.01, 14.1, 0.1},
    {"Rastrigin: Adam stops at (2.98, 2.98), 17.9 above", "rastrigin", "adam", 0, 3.3, 2.6, MLM_CONVERGED, 0,
     2.98, 2.98, 0.01, 17.9, 0.1},
    {"Rastrigin: at η = 0.2 it stops in the same dimple", "rastrigin", "adam", 0.2, 3.3, 2.6, MLM_CONVERGED,
     0, 2.98, 2.98, 0.01, 17.9, 0.1},
    {"Rastrigin: at η = 0.5 it never settles, rattling in the same dimple, 17.9 above at the end",
     "rastrigin", "adam", 0.5, 3.3, 2.6, MLM_FINISHED, 3000, 2.98, 2.98, 0.04, 17.9, 0.1},
    {"Ackley: Adam stops in a ripple at (2.97, -1.98), 7.96 above", "ackley", "adam", 0, 3.5, -2.5, -1, 0,
     2.97, -1.98, 0.01, 7.96, 0.01},
    {"Ackley: with η = 0.5 it ends at (-0.95, 0), 2.58 above", "ackley", "adam", 0.5, 3.5, -2.5, -1, 0,
     -0.95, 0, 0.01, 2.58, 0.01},
    {"saddle: descent with η = 0.1 from (1.8, 0.01) reaches (0, 1) at step 108", "saddle", "sgd", 0.1, 1.8,
     0.01, MLM_CONVERGED, 108, 0, 1, 0.01, 0, 0},
    {"saddle: from (1.8, 0) it stops on the saddle at step 68", "saddle", "sgd", 0.1, 1.8, 0, MLM_CONVERGED,
     68, 0, 0, 0.01, 0, 0},
    {"saddle: Adam reaches (0, 1) in 265 steps", "saddle", "adam", 0, 1.8, 0.01, MLM_CONVERGED, 265, 0, 1,
     0.01, 0, 0},
};

static void test_quotes(void) {
    for (int i = 0; i < MLM_COUNT(Q); i++) {
        const quote *q = &Q[i];
        mlm_instance *in = mlm_create(M);
        check_set_choice(in, "fn", q->fn);
        check_set_choice(in, "opt", q->opt);
        if (q->lr) check_set(in, "lr", q->lr);
        if (q->px != 99) {
            check_set(in, "px", q->px);
            check_set(in, "py", q->py);
        }
        CHECK(mlm_reset(in, 1) == 0, "%s: reset: %s", q->what, in->reason);
        check_run_to_end(in, 3000);
        const tf_state *s = in->self;
        double above = s->f - s->t->fmin;
        printf("%-75.75s status %d step %lld at (%.4f, %.4f), %.6g above\n", q->what, in->status,
               (long long)in->steps, s->x[0], s->x[1], above);
        if (q->status >= 0)
            CHECK(in->status == q->status && (q->status != MLM_FINISHED || in->steps == 3000),
                  "%s: status %d at step %lld", q->what, in->status, (long long)in->steps);
        else
            CHECK(in->status == MLM_CONVERGED, "%s: status %d, not settled", q->what, in->status);
        if (q->step > 0) CHECK(in->steps == q->step, "%s: ends at step %lld", q->what, (long long)in->steps);
        if (q->step < 0) CHECK(in->steps <= -q->step, "%s: ends at step %lld", q->what, (long long)in->steps);
        if (q->unit > 0)
            CHECK(fabs(s->x[0] - q->x) <= 0.5 * q->unit + 1e-12 && fabs(s->x[1] - q->y) <= 0.5 * q->unit + 1e-12,
                  "%s: ends at (%.4f, %.4f)", q->what, s->x[0], s->x[1]);
        if (q->above_unit > 0)
            CHECK(fabs(above - q->above) <= 0.5 * q->above_unit + 1e-12, "%s: %.4g above", q->what, above);
        mlm_destroy(in);
    }
}

int main(void) {
    test_quotes();
    return CHECK_DONE("test_quotes_test_functions");
}
