/* test_quotes_playground.c: the numbers chapter 16 (chapters/16-playground.md) quotes from runs of
 * the playground that no ```run block can read, because no readout shows them: how many weights L1
 * drives to (near) zero, and where the test loss of the noisy run is lowest. Each check is the
 * chapter's sentence; if a change to the engine moves one of these numbers, this test fails and
 * the sentence must be rewritten with the new number. (The chapter's other numbers are computed
 * when the book is built, from its ```run blocks.) */
#include "../../engine/playground.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_playground;

/* A run of the chapter's defaults (seed 1) with a few parameters changed: NULL-terminated pairs. */
static mlm_instance *run(const char *a, const char *ka, const char *b, double vb) {
    mlm_instance *in = mlm_create(M);
    if (a) check_set_choice(in, a, ka);
    if (b) check_set(in, b, vb);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

/* Weights (biases excluded) below 0.01 in size, and how many weights there are. */
static int small_weights(const pg_state *s, int *total) {
    int n = 0;
    *total = 0;
    for (int l = 1; l < s->net.L; l++)
        for (int k = 0; k < s->net.sizes[l] * s->net.sizes[l - 1]; k++, (*total)++) n += fabs(s->net.W[l][k]) < 0.01;
    return n;
}

/* "On the spiral with L1 at λ = 0.001, 16 of the 104 weights end below 0.01 in size after 3,000
   steps; at λ = 0.003, 52 of them do ... Push λ to 0.01 and 99 of the 104 are gone." */
static void test_l1_counts(void) {
    const double rate[3] = {0.001, 0.003, 0.01};
    const int quoted[3] = {16, 52, 99};
    for (int i = 0; i < 3; i++) {
        mlm_instance *in = run("reg", "l1", "reg_rate", rate[i]);
        check_run_to_end(in, 3000);
        int total, n = small_weights(in->self, &total);
        CHECK(total == 104 && n == quoted[i], "L1 at %g: %d of %d weights below 0.01, chapter: %d of 104",
              rate[i], n, total, quoted[i]);
        mlm_destroy(in);
    }
    /* ... and without a penalty hardly any is that small, which is the contrast the text draws. */
    mlm_instance *in = run(NULL, NULL, NULL, 0);
    check_run_to_end(in, 3000);
    int total, n = small_weights(in->self, &total);
    CHECK(n < quoted[0], "no penalty: %d of %d weights below 0.01", n, total);
    mlm_destroy(in);
}

/* "set noise to 0.25 and training share to 0.2 ... the test loss (seed 1) is lowest, about 0.62,
   at step 842, and then rises". The loss is read after every step, as the readout would show it. */
static void test_noisy_minimum(void) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "noise", 0.25);
    check_set(in, "train_frac", 0.2);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    pg_state *s = in->self;
    double best = INFINITY, loss;
    long at = 0;
    while (in->steps < 10000) {
        mlm_step(in, 1);
        pg_evaluate(s, 1, &loss, NULL);
        if (loss < best) best = loss, at = (long)in->steps;
    }
    printf("noisy spiral: test loss lowest %.4f at step %ld, %.3f at step 10,000\n", best, at, loss);
    CHECK(at == 842 && best > 0.62 && best < 0.63, "lowest test loss %.4f at step %ld", best, at);
    CHECK(loss > 3 * best, "the test loss does not rise: %g at the end", loss);
    mlm_destroy(in);
}

int main(void) {
    test_l1_counts();
    test_noisy_minimum();
    return CHECK_DONE("test_quotes_playground");
}
