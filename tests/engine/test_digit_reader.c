/* test_digit_reader.c: checks the digits module against what the chapter claims:
 *   - the split: 1500 training and 297 test images, disjoint, together the whole dataset, one-hot
 *     labels, the same split whatever the seed;
 *   - softmax and cross-entropy: probabilities sum to 1, and the output gradient is p - y
 *     (finite differences of the loss with respect to the logits);
 *   - learning: at the defaults the test accuracy passes 90 % (the step it first does is
 *     printed) and ends above 95 % after 1000 steps of 32 images;
 *   - the confusion matrix: row sums are the test set's per-digit counts, and its trace over its
 *     total is the reported test accuracy, which matches mlp_evaluate's;
 *   - the drawing: pooling a hand-made 32 x 32 bitmap gives the counts of ink in each 4 x 4
 *     block, divided by 16; normalisation makes a small digit in a corner and the same digit drawn
 *     large and centred into the same input; a stroke through pointer() changes the input and the
 *     probabilities, does not train, and "clear" wipes it;
 *   - determinism and checkpoints (the drawing included), the memory bound, and a sweep. */
#include "../../engine/digit_reader.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_digit_reader;
#define P_(name) mlm_param_index(M, name)

static mlm_instance *start(uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

static void check_memory_bound(void) {
    static const int sizes[3] = {DR_I, DR_H_MAX, DR_O};
    CHECK(DR_MLP_BYTES >= mlp_bytes(sizes, 3, DR_BATCH_MAX), "DR_MLP_BYTES %zu < mlp_bytes %zu",
          (size_t)DR_MLP_BYTES, mlp_bytes(sizes, 3, DR_BATCH_MAX));
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("hidden"), DR_H_MAX);
    mlm_set(in, P_("batch"), DR_BATCH_MAX);
    CHECK(mlm_reset(in, 2) == 0, "%s", in->reason);
    mlm_step(in, 12);
    mlm_draw(in);
    CHECK(in->used <= in->cap && in->const_used <= in->const_cap, "memory %zu/%zu, %zu/%zu",
          in->used, in->cap, in->const_used, in->const_cap);
    mlm_destroy(in);
}

/* Every image of the dataset appears exactly once, in the training or the test set. */
static void check_split(void) {
    mlm_instance *a = start(1), *b = start(99);
    const dr_data *c = ((dr_state *)a->self)->c, *c2 = ((dr_state *)b->self)->c;
    static int used[DR_N];
    memset(used, 0, sizeof used);
    int onehot = 1, counts[DR_O] = {0};
    for (int set = 0; set < 2; set++) {
        int n = set ? DR_TEST : DR_TRAIN;
        const double *X = set ? c->x_te : c->x_tr, *Y = set ? c->y_te : c->y_tr;
        for (int r = 0; r < n; r++) {
            double ysum = 0;
            int label = -1;
            for (int k = 0; k < DR_O; k++) {
                ysum += Y[r * DR_O + k];
                if (Y[r * DR_O + k] == 1) label = k;
            }
            onehot &= ysum == 1 && label >= 0;
            if (set) counts[label]++, onehot &= c->l_te[r] == label;
            /* find the image: pixels and label must match */
            for (int i = 0; i < DR_N; i++) {
                if (used[i] || mlm_digits_label(i) != label) continue;
                float px[DR_I];
                mlm_digits_pixels(i, px);
                int same = 1;
                for (int p = 0; p < DR_I && same; p++) same = (double)px[p] == X[r * DR_I + p];
                if (same) {
                    used[i] = 1;
                    break;
                }
            }
        }
    }
    int all = 1;
    for (int i = 0; i < DR_N; i++) all &= used[i];
    CHECK(all, "the split does not cover the dataset exactly once");
    CHECK(onehot, "labels are not one-hot");
    int same_counts = 1;
    for (int k = 0; k < DR_O; k++) same_counts &= counts[k] == c->count[k];
    CHECK(same_counts, "per-digit test counts");
    CHECK(memcmp(c->x_te, c2->x_te, sizeof(double) * DR_TEST * DR_I) == 0, "the split depends on the seed");
    mlm_destroy(a);
    mlm_destroy(b);
}

/* Softmax: probabilities in (0, 1) summing to 1; cross-entropy's gradient with respect to the
   logits is p - y, checked by finite differences of the loss through the network's last layer
   (moving the output bias b_k moves logit k alone, by the same amount). */
static void check_softmax(void) {
    mlm_instance *in = start(3);
    dr_state *s = in->self;
    mlm_step(in, 20);
    mlp *net = &s->net;
    const double *x = s->c->x_te + 5 * DR_I, *y = s->c->y_te + 5 * DR_O;
    mlp_forward(net, x, y, 1, NULL);
    double p[DR_O], sum = 0;
    memcpy(p, net->a[2], sizeof p);
    for (int k = 0; k < DR_O; k++) sum += p[k];
    CHECK_NEAR(sum, 1.0, 1e-12);
    /* the loss is -log p_label */
    int label = s->c->l_te[5];
    CHECK_NEAR(net->data_loss, -log(p[label]), 1e-12);
    for (int k = 0; k < DR_O; k++) {
        double *b = &net->b[2][k], b0 = *b, h = 1e-6;
        *b = b0 + h;
        double lp = mlp_forward(net, x, y, 1, NULL);
        *b = b0 - h;
        double lm = mlp_forward(net, x, y, 1, NULL);
        *b = b0;
        CHECK_NEAR((lp - lm) / (2 * h), p[k] - y[k], 1e-7);
    }
    /* The drawing's probabilities (mlp_predict) sum to 1 too. */
    mlm_draw(in);
    double q[DR_O], qs = 0;
    mlp_predict(net, s->input, q);
    for (int k = 0; k < DR_O; k++) qs += q[k];
    CHECK_NEAR(qs, 1.0, 1e-12);
    float shown = s->bars_top[1];
    for (int k = 0; k < DR_O - 1; k++) shown += s->bars_rest[2 * k + 1];
    CHECK_NEAR(shown, 1.0, 1e-5);
    mlm_destroy(in);
}

/* The defaults learn: > 90 % on the test set, and the confusion matrix agrees. */
static void check_learning(void) {
    mlm_instance *in = start(1);
    dr_state *s = in->self;
    CHECK(s->acc_te < 0.5, "an untrained network scores %g", s->acc_te);
    mlm_step(in, 1000);
    printf("defaults, seed 1: 90 %% test accuracy first at step %lld; after 1000 steps: test %.2f %%, "
           "train (first %d) %.2f %%\n", (long long)s->reached90, 100 * s->acc_te, DR_TRAIN_EVAL,
           100 * s->acc_tr);
    CHECK(s->reached90 > 0 && s->reached90 <= 300, "90 %% reached at step %lld", (long long)s->reached90);
    CHECK(s->acc_te > 0.95, "test accuracy %g after 1000 steps", s->acc_te);
    int trace = 0, total = 0, rows_ok = 1;
    for (int r = 0; r < DR_O; r++) {
        int row = 0;
        for (int c = 0; c < DR_O; c++) row += s->confusion[r * DR_O + c];
        rows_ok &= row == s->c->count[r];
        trace += s->confusion[r * DR_O + r];
        total += row;
    }
    CHECK(rows_ok, "row sums differ from the per-digit test counts");
    CHECK(total == DR_TEST, "total %d", total);
    CHECK_NEAR((double)trace / total, s->acc_te, 1e-15);
    double acc;
    mlp_evaluate(&s->net, s->c->x_te, s->c->y_te, DR_TEST, NULL, &acc);
    CHECK_NEAR(acc, s->acc_te, 1e-15);
    /* Other seeds learn too. */
    for (uint64_t seed = 2; seed <= 4; seed++) {
        mlm_instance *o = start(seed);
        mlm_step(o, 300);
        CHECK(((dr_state *)o->self)->acc_te > 0.9, "seed %llu: %g", (unsigned long long)seed,
              ((dr_state *)o->self)->acc_te);
        mlm_destroy(o);
    }
    mlm_destroy(in);
}

/* Pooling is the dataset's rule, on a bitmap made by hand. */
static void check_pool(void) {
    static float bmp[DR_F * DR_F];
    memset(bmp, 0, sizeof bmp);
    /* block (0, 0): the whole block inked, 16; block (2, 5): 3 pixels; block (7, 7): 1 pixel;
       block (4, 1): a vertical line of 4 */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) bmp[i * DR_F + j] = 1;
    bmp[(8 + 0) * DR_F + 20] = bmp[(8 + 1) * DR_F + 21] = bmp[(8 + 3) * DR_F + 23] = 1;
    bmp[31 * DR_F + 31] = 1;
    for (int i = 0; i < 4; i++) bmp[(16 + i) * DR_F + 6] = 1;
    double out[DR_I];
    dr_pool(out, bmp);
    double want[DR_I] = {0};
    want[0] = 16 / 16.0, want[2 * 8 + 5] = 3 / 16.0, want[63] = 1 / 16.0, want[4 * 8 + 1] = 4 / 16.0;
    int same = 1;
    for (int p = 0; p < DR_I; p++) same &= out[p] == want[p];
    CHECK(same, "pooling differs from the counts made by hand");
}

/* Normalisation: the same shape drawn small in a corner and large in the middle gives the same
   input (up to pixels on the pen's edge). */
static void check_normalisation(void) {
    mlm_instance *in = start(1);
    dr_state *s = in->self;
    double big[DR_I], small[DR_I];
    dr_clear(s);
    dr_add_point(s, 10, 28, 1), dr_add_point(s, 22, 28, 0), dr_add_point(s, 16, 4, 0);
    memcpy(big, s->input, sizeof big);
    dr_clear(s);
    dr_add_point(s, 1, 9, 1), dr_add_point(s, 4, 9, 0), dr_add_point(s, 2.5, 3, 0);
    memcpy(small, s->input, sizeof small);
    double diff = 0, ink = 0;
    for (int p = 0; p < DR_I; p++) diff += fabs(big[p] - small[p]), ink += big[p];
    CHECK(ink > 2 && diff < 0.05 * ink, "inputs differ by %g of %g", diff, ink);
    /* A line along the top of the frame fills the top row of the 8 x 8 input: its longer side is
       scaled to the frame. */
    dr_clear(s);
    dr_add_point(s, 12, 20, 1), dr_add_point(s, 20, 20, 0);
    double row3 = 0, row0 = 0;
    for (int c = 0; c < 8; c++) row3 += s->input[3 * 8 + c] + s->input[4 * 8 + c], row0 += s->input[c];
    CHECK(row3 > 0 && row0 == 0, "a horizontal line is centred vertically: %g, %g", row3, row0);
    CHECK(s->input[3 * 8 + 0] + s->input[4 * 8 + 0] > 0 && s->input[3 * 8 + 7] + s->input[4 * 8 + 7] > 0,
          "a horizontal line spans the width");
    mlm_destroy(in);
}

/* A stroke through pointer() changes the input and the probabilities without a training step;
   the Clear button (an action) wipes it; the drawing is part of a checkpoint. */
static void check_pointer(void) {
    mlm_instance *in = start(1);
    dr_state *s = in->self;
    mlm_step(in, 200);
    mlm_draw(in);
    double before[DR_I], p0[DR_O], p1[DR_O];
    memcpy(before, s->input, sizeof before);
    mlp_predict(&s->net, s->input, p0);
    int64_t steps = in->steps;
    double params0 = s->net.params[7];
    /* clear, then draw a 0: a ring */
    CHECK(mlm_action_count(M) == 1 && strcmp(M->actions, "clear:Clear") == 0, "one button, Clear");
    CHECK(mlm_action(in, 0) == 0 && in->steps == steps, "Clear restarted the run");
    CHECK(s->npts == 0, "clear left %d points", s->npts);
    double sum = 0;
    for (int p = 0; p < DR_I; p++) sum += s->input[p];
    CHECK(sum == 0, "a cleared drawing still has ink");
    for (int k = 0; k <= 40; k++) {
        double a = 2 * 3.14159265358979323846 * k / 40;
        mlm_pointer(in, P_DRAW, k == 0 ? MLM_POINTER_DOWN : MLM_POINTER_MOVE, 16 + 8 * sin(a),
                    16 + 12 * cos(a));
    }
    mlm_pointer(in, P_DRAW, MLM_POINTER_UP, 16, 28);
    mlm_draw(in);
    mlp_predict(&s->net, s->input, p1);
    double dp = 0, dx = 0;
    for (int k = 0; k < DR_O; k++) dp += fabs(p1[k] - p0[k]);
    for (int p = 0; p < DR_I; p++) dx += fabs(s->input[p] - before[p]);
    CHECK(dx > 1 && dp > 0.1, "the stroke changed the input by %g and the probabilities by %g", dx, dp);
    int top = 0;
    for (int k = 1; k < DR_O; k++)
        if (p1[k] > p1[top]) top = k;
    printf("a drawn ring reads as %d (%.0f %%)\n", top, 100 * p1[top]);
    CHECK(top == 0, "a ring after 200 steps reads as %d", top);
    CHECK(in->steps == steps && s->net.params[7] == params0, "pointer input trained");
    /* A move with the pointer up draws nothing; a move outside the canvas adds no point. */
    int n = s->npts;
    mlm_pointer(in, P_DRAW, MLM_POINTER_MOVE, 5, 5);
    CHECK(s->npts == n, "a move without a press drew");
    mlm_pointer(in, P_WEIGHTS, MLM_POINTER_DOWN, 5, 5);
    CHECK(s->npts == n, "another panel drew");

    /* Checkpoint: the drawing travels with the block. */
    size_t size = mlm_snapshot_size(in);
    unsigned char *snap = malloc(size);
    memcpy(snap, in, size);
    mlm_action(in, 0);
    mlm_step(in, 13);
    memcpy(in, snap, size);
    CHECK(s->npts == n, "the restored drawing has %d points, not %d", s->npts, n);
    mlm_step(in, 13);
    mlm_draw(in);
    float a = in->views[V_WEIGHTS].data[3 + 17];
    memcpy(in, snap, size);
    mlm_step(in, 13);
    mlm_draw(in);
    CHECK(a == in->views[V_WEIGHTS].data[3 + 17], "a restored run differs");
    free(snap);
    mlm_destroy(in);
}

/* The drawn digit is the reader's input: 54 characters of URL-safe base64 that decode to the
   same 64 grey levels, kept by a restart with other parameters, restored into a fresh run with
   the same probabilities; texts that are not such a digit are refused and change nothing. */
static void check_input(void) {
    mlm_instance *in = start(2);
    dr_state *s = in->self;
    char text[MLM_INPUT_MAX + 1];
    CHECK(mlm_input_get(in, text, sizeof text) == 0, "the seven of create is no input: '%s'", text);
    mlm_step(in, 100);
    /* a 1: one stroke down the middle */
    mlm_action(in, 0);
    mlm_pointer(in, P_DRAW, MLM_POINTER_DOWN, 15, 28);
    for (int k = 1; k <= 20; k++) mlm_pointer(in, P_DRAW, MLM_POINTER_MOVE, 16, 28 - k);
    mlm_pointer(in, P_DRAW, MLM_POINTER_UP, 16, 8);
    double drawn[DR_I];
    memcpy(drawn, s->input, sizeof drawn);
    int len = mlm_input_get(in, text, sizeof text);
    CHECK(len == 54, "the digit as %d characters: %s", len, text);
    /* decode by hand: 5 bits a pixel, most significant first */
    uint8_t bytes[40];
    CHECK(mlm_b64_decode(text, bytes, sizeof bytes) == 40, "40 bytes");
    int bad = 0;
    for (int p = 0; p < DR_I; p++) {
        int level = 0;
        for (int b = 0; b < 5; b++) level = level * 2 + (bytes[(5 * p + b) / 8] >> (7 - (5 * p + b) % 8) & 1);
        bad += level != (int)(drawn[p] * 16 + 0.5);
    }
    CHECK(bad == 0, "%d pixels encoded wrongly", bad);

    /* a restart with other parameters keeps it */
    mlm_set(in, P_("hidden"), 16);
    CHECK(mlm_reset(in, 3) == 0, "%s", in->reason);
    s = in->self;
    CHECK(in->steps == 0 && memcmp(s->input, drawn, sizeof drawn) == 0, "the digit did not survive the restart");
    /* a fresh run from the link reads the same 64 numbers and so gives the same probabilities */
    mlm_instance *b = start(3);
    mlm_set(b, P_("hidden"), 16);
    mlm_reset(b, 3);
    CHECK(mlm_input_set(b, text) == 0, "'%s' refused", text);
    dr_state *sb = b->self;
    CHECK(memcmp(sb->input, drawn, sizeof drawn) == 0 && sb->npts == 0, "the link's digit differs");
    mlm_draw(in), mlm_draw(b);
    CHECK(strcmp(in->views[V_VERDICT].text, b->views[V_VERDICT].text) == 0, "'%s' / '%s'",
          in->views[V_VERDICT].text, b->views[V_VERDICT].text);
    /* the canvas shows the pixels enlarged: every 4 x 4 block its pixel's level */
    int off = 0;
    for (int r = 0; r < DR_F; r++)
        for (int c = 0; c < DR_F; c++) off += sb->raw[r * DR_F + c] != (float)drawn[(r / 4) * 8 + c / 4];
    CHECK(off == 0, "%d canvas pixels differ from the 8x8 digit", off);
    /* the next stroke starts a new drawing */
    mlm_pointer(b, P_DRAW, MLM_POINTER_DOWN, 4, 4);
    mlm_pointer(b, P_DRAW, MLM_POINTER_MOVE, 28, 4);
    double top = 0;
    for (int c = 0; c < 8; c++) top += sb->input[c];
    CHECK(top == 0 && sb->npts == 2, "the link's digit was not replaced by the stroke");

    /* Clear is an input too: an empty canvas survives a restart */
    mlm_action(b, 0);
    CHECK(mlm_input_get(b, text, sizeof text) == 54, "cleared: %s", text);
    CHECK(strspn(text, "A") == 54, "a blank digit is all zeros: %s", text);
    mlm_reset(b, 3);
    double ink = 0;
    for (int p = 0; p < DR_I; p++) ink += ((dr_state *)b->self)->input[p];
    CHECK(ink == 0, "the cleared canvas came back with ink");

    /* hostile texts: refused, the run unchanged */
    size_t size = mlm_snapshot_size(in);
    unsigned char *before = malloc(size);
    memcpy(before, in, size);
    char level17[55], longer[60];
    memset(level17, 'A', 54), level17[54] = 0;
    level17[0] = 'i'; /* 100010 : the first pixel's level is 17 */
    memset(longer, 'A', 58), longer[58] = 0;
    static const char *const hostile[] = {"", "A", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
                                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", "~~~~"};
    for (int k = 0; k < MLM_COUNT(hostile); k++) {
        CHECK(mlm_input_set(in, hostile[k]) == -1, "'%s' accepted", hostile[k]);
        CHECK(memcmp(before, in, size) == 0, "'%s' changed the run", hostile[k]);
    }
    CHECK(mlm_input_set(in, level17) == -1 && memcmp(before, in, size) == 0, "a level of 17 accepted");
    CHECK(mlm_input_set(in, longer) == -1 && memcmp(before, in, size) == 0, "58 characters accepted");
    free(before);
    mlm_destroy(b);
    mlm_destroy(in);
}

static void check_divergence(void) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("lr"), 0.3);
    mlm_set(in, P_("act"), MLP_IDENTITY);
    mlm_reset(in, 1);
    mlm_step(in, 600);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");
    if (in->status == MLM_DIVERGED) CHECK(strstr(in->reason, "learning rate") != NULL, "%s", in->reason);
    mlm_destroy(in);
}

static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    int runs = 0;
    for (int p = 0; p < M->n_params; p++) {
        const mlm_param *q = &M->params[p];
        int kinds = q->kind == MLM_CHOICE ? mlm_choice_count(q) : 3;
        for (int k = 0; k < kinds; k++) {
            double v = q->kind == MLM_CHOICE ? k : k == 0 ? q->min : k == 1 ? q->max : q->def;
            mlm_desc_defaults(M, in->desc);
            mlm_set(in, p, v);
            int ok = mlm_reset(in, 1 + (uint64_t)k) == 0;
            CHECK(ok, "%s=%g: %s", q->name, v, in->reason);
            if (!ok) continue;
            CHECK(check_views_nonfinite(in) == 0, "%s=%g: non-finite view at step 0", q->name, v);
            mlm_step(in, 300);
            CHECK(check_views_nonfinite(in) == 0, "%s=%g: non-finite view", q->name, v);
            CHECK(in->used <= in->cap && in->const_used <= in->const_cap, "memory");
            runs++;
        }
    }
    CHECK(runs >= 3 * M->n_params, "%d runs", runs);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    check_memory_bound();
    check_split();
    check_softmax();
    check_pool();
    check_normalisation();
    check_learning();
    check_pointer();
    check_input();
    check_divergence();
    test_sweep();
    return CHECK_DONE("test_digit_reader");
}
