/* test_convolution.c: the convolution chapter's module against what the chapter claims:
 *   - the shared layers (conv_checks.h): the output-size formula against counting, conv2d against
 *     the direct sum for every padding, stride and dilation in range, every gradient by finite
 *     differences, pooling against brute force;
 *   - the widget's output side is the formula's and the count of positions the kernel visits,
 *     for every image side, kernel side, padding, stride and dilation the controls allow (and for
 *     every pooling window and stride), a pass of the scan taking o^2 steps before it starts
 *     again; a kernel that does not fit ends the run saying why;
 *   - the scenes: the numbered 3x3 image under the -1 0 1 kernel with padding 1 gives, at each
 *     output, the right neighbour minus the left one summed over three rows (written out here);
 *     the 2x2 kernel over 6x6 at stride 2 gives 3x3 outputs that read disjoint blocks; on a
 *     digit, blur is the mean of the 3x3 neighbourhood, edges 9 x centre minus that sum, sharpen
 *     5 x centre minus the four neighbours; max and average pooling over 2x2 blocks;
 *   - the reader's own kernel: its nine weights are what the convolution uses;
 *   - a sweep of every parameter, views finite, the memory bound. */
#include "../../engine/convolution.c"

#include "check.h"
#include "conv_checks.h"

static const mlm_module *const M = &mlm_module_convolution;

static mlm_instance *make(void) { return mlm_create(M); }

static cv_state *start(mlm_instance *in) {
    int ok = mlm_reset(in, 1) == 0;
    CHECK(ok, "reset: %s", in->reason);
    return ok ? in->self : NULL;
}

static void check_sizes(void) {
    mlm_instance *in = make();
    int bad = 0, runs = 0;
    for (int n = 2; n <= CV_N_MAX; n++)
        for (int k = 1; k <= CV_K_MAX; k++)
            for (int p = 0; p <= CV_PAD_MAX; p++)
                for (int s = 1; s <= 4; s++)
                    for (int d = 1; d <= 3; d++) {
                        mlm_desc_defaults(M, in->desc);
                        check_set(in, "size", n), check_set(in, "ksize", k);
                        check_set(in, "padding", p), check_set(in, "stride", s);
                        check_set(in, "dilation", d);
                        cv_state *S = start(in);
                        if (!S) return;
                        int want = cc_count_positions(n, k, p, s, d);
                        /* a full pass of the scan takes o^2 steps; the next starts again */
                        mlm_step(in, want ? want * want : 5);
                        mlm_draw(in);
                        float side = in->views[V_SIDE].value;
                        int64_t steps = want ? (int64_t)want * want : 1;
                        bad += side != want || in->steps != steps ||
                               in->views[V_DONE].value != (want ? want * want : 0);
                        if (!want) bad += strstr(in->reason, "does not fit") == NULL || !in->final;
                        if (want) {
                            bad += strstr(in->views[V_SUM].text, "positions done") == NULL;
                            mlm_step(in, 1);
                            mlm_draw(in);
                            bad += in->views[V_DONE].value != 1 || in->final;
                        }
                        runs++;
                    }
    CHECK(bad == 0, "%d of %d runs: output side or steps differ from counting", bad, runs);
    /* pooling: windows 1..4, strides 1..4 over the digit */
    bad = 0;
    for (int k = 1; k <= CV_K_MAX; k++)
        for (int s = 1; s <= 4; s++) {
            mlm_desc_defaults(M, in->desc);
            check_set_choice(in, "image", "digit"), check_set_choice(in, "op", "max");
            check_set(in, "window", k), check_set(in, "stride", s);
            cv_state *S = start(in);
            if (!S) return;
            bad += S->O != cc_count_positions(8, k, 0, s, 1);
        }
    CHECK(bad == 0, "%d pooling sizes differ", bad);
    mlm_destroy(in);
}

static double img_at(const cv_state *S, int y, int x) {
    return y >= 0 && y < S->n && x >= 0 && x < S->n ? S->img[y * S->n + x] : 0.0;
}

static void check_scenes(void) {
    mlm_instance *in = make();
    /* 1. the defaults: numbered 3x3, kernel rows -1 0 1, padding 1 */
    cv_state *S = start(in);
    CHECK(S->O == 3 && S->k == 3 && S->p == 1, "defaults O %d k %d p %d", S->O, S->k, S->p);
    int bad = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double want = 0;
            for (int r = -1; r <= 1; r++) want += img_at(S, i + r, j + 1) - img_at(S, i + r, j - 1);
            bad += S->out[i * 3 + j] != want;
        }
    CHECK(bad == 0, "numbered scene: %d outputs wrong", bad);
    /* out[0,0] = right column minus nothing: (2 + 5) = 7; the status line spells it */
    mlm_step(in, 1);
    mlm_draw(in);
    CHECK(S->out[0] == 7, "out[0,0] = %g", S->out[0]);
    CHECK(strstr(in->views[V_SUM].text, "out[0,0] = ") && strstr(in->views[V_SUM].text, " = 7"),
          "sum text '%s'", in->views[V_SUM].text);
    mlm_step(in, 8);
    mlm_draw(in);
    CHECK(in->views[V_DONE].value == 9 && in->status == MLM_RUNNING, "after 9 steps: %g done",
          in->views[V_DONE].value);

    /* 2. 2x2 over 6x6 at stride 2: outputs read disjoint blocks */
    mlm_desc_defaults(M, in->desc);
    check_set(in, "size", 6), check_set(in, "ksize", 2), check_set(in, "padding", 0);
    check_set(in, "stride", 2);
    S = start(in);
    CHECK(S->O == 3, "O %d", S->O);
    bad = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) /* kernel -1 0 / -1 0 : minus the left column of the block */
            bad += S->out[i * 3 + j] != -(img_at(S, 2 * i, 2 * j) + img_at(S, 2 * i + 1, 2 * j));
    CHECK(bad == 0, "stride scene: %d outputs wrong", bad);

    /* 3. a digit under blur, edges, sharpen, padding 1 */
    static const char *names[3] = {"blur", "edge", "sharpen"};
    for (int kk = 0; kk < 3; kk++) {
        mlm_desc_defaults(M, in->desc);
        check_set_choice(in, "image", "digit"), check_set(in, "digit", 5);
        check_set_choice(in, "kernel", names[kk]);
        S = start(in);
        CHECK(S->O == 8, "digit O %d", S->O);
        double worst = 0;
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) {
                double box = 0, cross = 0, c = img_at(S, i, j), want;
                for (int r = -1; r <= 1; r++)
                    for (int q = -1; q <= 1; q++) box += img_at(S, i + r, j + q);
                cross = img_at(S, i - 1, j) + img_at(S, i + 1, j) + img_at(S, i, j - 1) +
                        img_at(S, i, j + 1);
                want = kk == 0 ? box / 9 : kk == 1 ? 9 * c - box : 5 * c - cross;
                double e = fabs(S->out[i * 8 + j] - want);
                worst = e > worst ? e : worst;
            }
        CHECK(worst < 1e-12, "%s: worst %g", names[kk], worst);
    }
    /* the reader's kernel: a single 1 at weight 5 copies the image */
    mlm_desc_defaults(M, in->desc);
    check_set_choice(in, "image", "digit"), check_set_choice(in, "kernel", "custom");
    for (int q = 1; q <= 9; q++) {
        char nm[4] = {'w', (char)('0' + q), 0};
        check_set(in, nm, q == 5 ? 1 : 0);
    }
    S = start(in);
    bad = 0;
    for (int q = 0; q < 64; q++) bad += S->out[q] != S->img[q];
    CHECK(bad == 0, "identity kernel: %d pixels changed", bad);

    /* 4. pooling 2x2 at stride 2 */
    for (int kind = 0; kind < 2; kind++) {
        mlm_desc_defaults(M, in->desc);
        check_set_choice(in, "image", "digit"), check_set(in, "digit", 7);
        check_set_choice(in, "op", kind ? "avg" : "max"), check_set(in, "stride", 2);
        S = start(in);
        CHECK(S->O == 4, "pool O %d", S->O);
        bad = 0;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                double a = img_at(S, 2 * i, 2 * j), b = img_at(S, 2 * i, 2 * j + 1),
                       c = img_at(S, 2 * i + 1, 2 * j), d = img_at(S, 2 * i + 1, 2 * j + 1);
                double mx = fmax(fmax(a, b), fmax(c, d)), want = kind ? (a + b + c + d) / 4 : mx;
                bad += fabs(S->out[i * 4 + j] - want) > 1e-15;
            }
        CHECK(bad == 0, "pooling %d: %d wrong", kind, bad);
        mlm_step(in, 16);
        mlm_draw(in);
        CHECK(in->views[V_DONE].value == 16, "pool: %g done", in->views[V_DONE].value);
    }
    mlm_destroy(in);
}

int main(void) {
    cc_check_all();
    check_sizes();
    check_scenes();
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    int runs = check_sweep(M, 300);
    CHECK(runs > 50, "sweep %d", runs);
    return CHECK_DONE("test_convolution");
}
