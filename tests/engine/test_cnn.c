/* test_cnn.c: the small convolutional network of chapter 22 against what the chapter claims:
 *   - the shared layers (conv_checks.h): conv2d against the direct sum for every padding, stride
 *     and dilation in range, every gradient (kernels, biases, inputs) and pooling's by finite
 *     differences, the output-size formula against counting;
 *   - the whole network's gradient (kernels, their biases, the dense layer) against central
 *     finite differences of its loss, for the pair task (sigmoid, binary cross-entropy) and for
 *     ten classes (softmax), through ReLU and max pooling;
 *   - augmentation: no shift and no turn is the identity; a shift of one pixel moves every pixel
 *     by one; random shifts and turns keep every pixel in [0, 1]; a training batch made with
 *     augmentation keeps each image's label;
 *   - the data: the book's split (digits.h), the pair task only digits A and B;
 *   - learning: at the defaults the test accuracy passes 95 % within 600 steps; in the pair task
 *     (3 against 8) the watched 8's probability of being an 8 rises above 0.9;
 *   - an equal pair of digits is refused with a reason; a sweep, views finite, the memory bound. */
#include "../../engine/cnn.c"

#include "check.h"
#include "conv_checks.h"

static const mlm_module *const M = &mlm_module_cnn;

static mlm_instance *start(const char *set1, double v1, const char *set2, double v2) {
    mlm_instance *in = mlm_create(M);
    if (set1) check_set(in, set1, v1);
    if (set2) check_set(in, set2, v2);
    int ok = mlm_reset(in, 3) == 0;
    CHECK(ok, "reset: %s", in->reason);
    return in;
}

static double loss_at(cn_state *s) { return cn_forward(s, s->B); }

static void check_network_gradient(int mode) {
    mlm_instance *in = start("mode", mode, "batch", 4);
    cn_state *s = in->self;
    mlm_step(in, 20); /* away from the initial weights */
    /* a fixed batch: the first four training images */
    for (int r = 0; r < s->B; r++) {
        memcpy(s->xb + r * CN_PIX, s->c->x_tr + r * CN_PIX, sizeof(double) * CN_PIX);
        for (int k = 0; k < s->O; k++)
            s->yb[r * s->O + k] = s->O == 1 ? s->c->l_tr[r] : k == s->c->l_tr[r];
    }
    loss_at(s);
    cn_backward(s, s->B);
    int PC = s->K * 10, PD = s->dense.n_params, bad = 0;
    double *g = malloc(sizeof(double) * (PC + PD)), worst = 0;
    memcpy(g, s->cgrads, sizeof(double) * PC);
    memcpy(g + PC, s->dense.grads, sizeof(double) * PD);
    const double h = 1e-6;
    for (int q = 0; q < PC + PD; q++) {
        double *p = q < PC ? &s->cparams[q] : &s->dense.params[q - PC], keep = *p;
        *p = keep + h;
        double lp = loss_at(s);
        *p = keep - h;
        double lm = loss_at(s);
        *p = keep;
        double fd = (lp - lm) / (2 * h), e = fabs(fd - g[q]);
        worst = e > worst ? e : worst;
        bad += e > 1e-6 * fmax(1, fabs(fd));
    }
    CHECK(bad == 0, "mode %d: %d of %d gradients differ from finite differences (worst %g)", mode,
          bad, PC + PD, worst);
    free(g);
    mlm_destroy(in);
}

static void check_augment(void) {
    double img[CN_PIX], out[CN_PIX];
    float px[CN_PIX];
    mlm_digits_pixels(10, px);
    for (int q = 0; q < CN_PIX; q++) img[q] = px[q];
    cn_augment(out, img, 0, 0, 0);
    int bad = 0;
    for (int q = 0; q < CN_PIX; q++) bad += fabs(out[q] - img[q]) > 1e-15;
    CHECK(bad == 0, "identity: %d pixels moved", bad);
    cn_augment(out, img, 1, 0, 0); /* one pixel to the right */
    bad = 0;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            bad += fabs(out[y * 8 + x] - (x ? img[y * 8 + x - 1] : 0)) > 1e-15;
    CHECK(bad == 0, "shift right: %d pixels wrong", bad);
    cn_augment(out, img, 0, -1, 0); /* one pixel up */
    bad = 0;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            bad += fabs(out[y * 8 + x] - (y < 7 ? img[(y + 1) * 8 + x] : 0)) > 1e-15;
    CHECK(bad == 0, "shift up: %d pixels wrong", bad);
    /* random motions: range kept */
    mlm_rng r;
    mlm_rng_seed(&r, 5, 0);
    double lo = 1, hi = 0;
    for (int t = 0; t < 2000; t++) {
        mlm_digits_pixels((int)mlm_rng_below(&r, MLM_DIGITS_N), px);
        for (int q = 0; q < CN_PIX; q++) img[q] = px[q];
        cn_augment(out, img, mlm_rng_range(&r, -2, 2), mlm_rng_range(&r, -2, 2),
                   mlm_rng_range(&r, -0.6, 0.6));
        for (int q = 0; q < CN_PIX; q++) lo = fmin(lo, out[q]), hi = fmax(hi, out[q]);
    }
    CHECK(lo >= 0 && hi <= 1, "pixels in [%g, %g]", lo, hi);
    /* a batch with augmentation keeps the labels: row r is training image perm[r] */
    mlm_instance *in = start("augment", 1, "rotate", 30);
    check_set(in, "shift", 2);
    mlm_reset(in, 3);
    cn_state *s = in->self;
    mlm_step(in, 1);
    bad = 0;
    for (int q = 0; q < s->B; q++) {
        int i = s->perm[q];
        for (int k = 0; k < s->O; k++) bad += s->yb[q * s->O + k] != (k == s->c->l_tr[i]);
        for (int p = 0; p < CN_PIX; p++) bad += !(s->xb[q * CN_PIX + p] >= 0 && s->xb[q * CN_PIX + p] <= 1);
    }
    CHECK(bad == 0, "augmented batch: %d labels or pixels wrong", bad);
    mlm_destroy(in);
}

static void check_data(void) {
    mlm_instance *in = start("mode", MODE_PAIR, NULL, 0);
    cn_state *s = in->self;
    int n3 = 0, n8 = 0, n3t = 0, n8t = 0;
    int32_t order[MLM_DIGITS_N];
    mlm_digits_split(order);
    for (int k = 0; k < MLM_DIGITS_N; k++) {
        int l = mlm_digits_label(order[k]), test = k >= MLM_DIGITS_TRAIN;
        if (l == 3) test ? n3t++ : n3++;
        if (l == 8) test ? n8t++ : n8++;
    }
    CHECK(s->c->T == n3 + n8 && s->c->S == n3t + n8t, "pair sizes %d %d", s->c->T, s->c->S);
    int ones = 0;
    for (int i = 0; i < s->c->S; i++) ones += s->c->l_te[i];
    CHECK(ones == n8t, "test images labelled 1: %d of %d eights", ones, n8t);
    mlm_destroy(in);
    in = start(NULL, 0, NULL, 0);
    s = in->self;
    CHECK(s->c->T == MLM_DIGITS_TRAIN && s->c->S == MLM_DIGITS_TEST, "ten: %d %d", s->c->T, s->c->S);
    mlm_destroy(in);
    in = mlm_create(M);
    check_set(in, "mode", MODE_PAIR), check_set(in, "da", 4), check_set(in, "db", 4);
    CHECK(mlm_reset(in, 1) != 0 && strstr(in->reason, "both 4"), "equal digits: %s", in->reason);
    mlm_destroy(in);
}

static void check_learning(void) {
    mlm_instance *in = start(NULL, 0, NULL, 0);
    cn_state *s = in->self;
    int64_t at = -1;
    for (int k = 0; k < 60 && at < 0; k++) {
        mlm_step(in, 10);
        if (s->acc_te >= 0.95) at = in->steps;
    }
    CHECK(at > 0, "ten digits: test accuracy %.3f after %lld steps", s->acc_te, (long long)in->steps);
    printf("cnn: test accuracy >= 95 %% at step %lld (seed 3)\n", (long long)at);
    mlm_destroy(in);
    in = start("mode", MODE_PAIR, NULL, 0);
    s = in->self;
    double p0 = s->p1;
    mlm_step(in, 200);
    CHECK(s->c->l_te[s->w1] == 1 && s->p1 > 0.9 && p0 < 0.9, "pair: the watched 8 from %.3f to %.3f", p0, s->p1);
    CHECK(s->acc_te > 0.95, "pair: test accuracy %.3f", s->acc_te);
    mlm_destroy(in);
}

static void check_memory(void) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "channels", CN_K_MAX), check_set(in, "batch", CN_B_MAX);
    CHECK(mlm_reset(in, 1) == 0, "%s", in->reason);
    mlm_step(in, 10);
    CHECK(in->used <= in->cap && in->const_used <= in->const_cap, "memory %zu/%zu %zu/%zu",
          in->used, in->cap, in->const_used, in->const_cap);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");
    mlm_destroy(in);
}

int main(void) {
    cc_check_all();
    check_network_gradient(MODE_PAIR);
    check_network_gradient(MODE_TEN);
    check_augment();
    check_data();
    check_learning();
    check_memory();
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    int runs = check_sweep(M, 30);
    CHECK(runs > 40, "sweep %d", runs);
    return CHECK_DONE("test_cnn");
}
