/* test_quotes_backpropagation.c: the numbers chapter 15 (chapters/15-backpropagation.md) quotes
 * from the walk's readout, which is text and so out of reach of a ```run block: the δ of each unit
 * of the chain on its first example, the 2-2-1 network's first prediction and loss, and that
 * example's loss after its update. Each is pinned as printed in the chapter (to half a unit of its
 * last digit). The chapter's mean losses and epochs are ```run blocks. */
#include "../../engine/backpropagation.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_backpropagation;

#define QUOTE(what, got, quoted, unit)                                                          \
    CHECK(fabs((double)(got) - (quoted)) <= 0.5 * (unit) + 1e-12, "%s: %.6g, the chapter says %g", \
          what, (double)(got), (double)(quoted))

/* The δ of each unit of the chain (layers 1 to 3) during the first example's backward pass. */
static void chain_deltas(const char *act, double delta[4]) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "arch", "chain");
    check_set_choice(in, "data", "or");
    check_set_choice(in, "act", act);
    check_set(in, "lr", 0.3);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    const bp_state *s = in->self;
    for (int i = 0; i < s->K; i++) {
        mlm_step(in, 1);
        bp_terms t = bp_chain(s, ((const bp_desc *)in->desc)->act);
        if (t.kind == BP_BWD) delta[t.l] = t.delta;
    }
    mlm_destroy(in);
}

static void test_chain(void) {
    /* "the output starts at ŷ = 0.496, so δ3 = 0.496 ... δ of the middle unit is -0.112, and of
       the first unit only 0.00342, 145 times smaller than at the output. With sigmoid units the
       same walk goes from 0.472 to 0.000446" */
    double d[4] = {0, 0, 0, 0};
    chain_deltas("tanh", d);
    QUOTE("δ3", d[3], 0.496, 0.001);
    QUOTE("δ2", d[2], -0.112, 0.001);
    QUOTE("δ1", d[1], 0.00342, 0.00001);
    QUOTE("δ3 / δ1", d[3] / d[1], 145, 1);
    chain_deltas("sigmoid", d);
    QUOTE("sigmoid δ3", d[3], 0.472, 0.001);
    QUOTE("sigmoid δ1", d[1], 0.000446, 0.000001);
}

static void test_walk(void) {
    /* "the first example is x = (-1, -1) with target 0; the network says ŷ = 0.382, a loss of
       0.482. After its update, step 8, ... the loss on this example fell to 0.357" */
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    const bp_state *s = in->self;
    CHECK(s->K == 8, "one update takes %d steps, the chapter says 8", s->K);
    CHECK(bp_x[0] == -1 && bp_x[1] == -1 && s->y[s->ex] == 0, "the first example is not (-1, -1) -> 0");
    for (int i = 0; i < s->K; i++) {
        mlm_step(in, 1);
        bp_terms t = bp_chain(s, ((const bp_desc *)in->desc)->act);
        if (t.kind == BP_LOSS) {
            QUOTE("ŷ", t.a, 0.382, 0.001);
            QUOTE("the example's loss", t.loss, 0.482, 0.001);
        }
    }
    QUOTE("the example's loss after the update", s->ex_after, 0.357, 0.001);
    mlm_destroy(in);
}

int main(void) {
    test_chain();
    test_walk();
    return CHECK_DONE("test_quotes_backpropagation");
}
