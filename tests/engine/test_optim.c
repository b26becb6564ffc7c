/* test_optim.c: the ten update rules of engine/core/optim.c against mathematics: three steps of
 * every rule against values worked out from the formulas of chapter 4 by hand (not from the code),
 * Adam's and Adamax's first step of exactly lr per coordinate at any gradient scale (and RMSprop's,
 * without bias correction, of 1/sqrt(1 - rho) times lr), AdamW's decoupled decay against Adam's L2
 * penalty, momentum overshooting a narrow valley that plain descent with the same lr does not,
 * Nesterov differing from momentum, the stability limits of the momentum methods, and every rule
 * converging on a well-conditioned quadratic. */
#include "../../engine/core/optim.c"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- three hand-computed steps of each rule ----
 * Two coordinates from x0 = (1, -2) under the fixed gradients g1 = (0.5, -1), g2 = (-0.2, 0.4),
 * g3 = (1.5, 0.25), with lr 0.1, mu 0.9, beta1 0.9, beta2 0.999, rho 0.9, eps 1e-8 (Adadelta:
 * lr 1, eps 1e-6). The expected values were worked out from the formulas, step by step, e.g.
 *   momentum, x:  v1 = 0.5, x1 = 1 - 0.1 * 0.5 = 0.95;  v2 = 0.45 - 0.2 = 0.25, x2 = 0.925;
 *                 v3 = 0.225 + 1.5 = 1.725, x3 = 0.925 - 0.1725 = 0.7525
 *   Nesterov, x:  x1 = 1 - 0.1 (0.5 + 0.9 * 0.5) = 0.905;  x2 = 0.905 - 0.1 (-0.2 + 0.9 * 0.25)
 *                 = 0.9025;  x3 = 0.9025 - 0.1 (1.5 + 0.9 * 1.725) = 0.59725
 *   Adagrad, x:   x1 = 1 - 0.1 * 0.5 / (sqrt(0.25) + 1e-8) = 0.900000002
 *   RMSprop, x:   s1 = 0.1 * 0.25 = 0.025, x1 = 1 - 0.1 * 0.5 / sqrt(0.025) = 0.683772254
 *   Adam, x:      m1 / (1 - 0.9) = g1, v1 / (1 - 0.999) = g1^2, so x1 = 1 - 0.1 * 0.5/(0.5 + 1e-8)
 *   Nadam, x:     mbar1 = 0.9 * 0.05 / (1 - 0.81) + 0.1 * 0.5 / 0.1 = 0.736842..., x1 = 0.852631...
 * and so on to the third step. The 17-digit values were computed from these formulas by a short
 * independent script (Python floats, written from the chapter's equations, not from optim.c). */
typedef struct {
    mlm_opt_kind kind;
    double lr, eps, wd;
    double want[3][2]; /* x after steps 1, 2, 3 */
} hand_case;

static const hand_case hand[] = {
    {MLM_OPT_SGD, 0.1, 1e-8, 0, {{0.95, -1.9}, {0.97, -1.94}, {0.82, -1.965}}},
    {MLM_OPT_MOMENTUM, 0.1, 1e-8, 0, {{0.95, -1.9}, {0.925, -1.85}, {0.7525, -1.83}}},
    {MLM_OPT_NESTEROV, 0.1, 1e-8, 0, {{0.905, -1.81}, {0.9025, -1.805}, {0.59725, -1.812}}},
    {MLM_OPT_ADAGRAD, 0.1, 1e-8, 0,
     {{0.90000000199999997, -1.900000001}, {0.93713906894575516, -1.9371390682905827},
      {0.8430206987655825, -1.9597498496683905}}},
    {MLM_OPT_RMSPROP, 0.1, 1e-8, 0,
     {{0.68377225398316077, -1.6837722439831617}, {0.80663126980278166, -1.8066312635763673},
      {0.50593888616837712, -1.8850439446729235}}},
    {MLM_OPT_ADADELTA, 1.0, 1e-6, 0,
     {{0.99683778558348757, -1.9968377381511013}, {0.99857522439870305, -1.998575214582845},
      {0.99411338649911962, -1.9997387520079788}}},
    {MLM_OPT_ADAM, 0.1, 1e-8, 0,
     {{0.90000000199999997, -1.900000001}, {0.86543941811651082, -1.865439416662626},
      {0.79628936180199761, -1.8538739398930162}}},
    {MLM_OPT_ADAMAX, 0.1, 1e-8, 0,
     {{0.90000000199999997, -1.900000001}, {0.87365787092155311, -1.8736578696581319},
      {0.8312224468502124, -1.8662630136139622}}},
    {MLM_OPT_NADAM, 0.1, 1e-8, 0,
     {{0.85263158189473676, -1.8526315804210527}, {0.8584724481008762, -1.8584724467039004},
      {0.74929951382539839, -1.864726850723174}}},
    /* AdamW with decay 0.5: x shrinks by 1 - 0.1 * 0.5 = 0.95 first, then Adam's step. */
    {MLM_OPT_ADAMW, 0.1, 1e-8, 0.5,
     {{0.85000000199999992, -1.8000000009999999}, {0.77293941801651078, -1.6754394166126259},
      {0.66514239080117199, -1.5801019690123848}}},
    /* Adam with an L2 penalty 0.5: the gradient becomes g + 0.5 x before anything else. */
    {MLM_OPT_ADAM, 0.1, 1e-8, 0.5,
     {{0.90000000099999999, -1.9000000005}, {0.81694024874594062, -1.8156544475106566},
      {0.73023202369330142, -1.7341827061836339}}},
};

static void test_hand_steps(void) {
    static const double G[3][2] = {{0.5, -1.0}, {-0.2, 0.4}, {1.5, 0.25}};
    for (int c = 0; c < COUNT(hand); c++) {
        const hand_case *hc = &hand[c];
        mlm_opt_hyper h = {.lr = hc->lr, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, .rho = 0.9,
                           .eps = hc->eps, .weight_decay = hc->wd};
        double buf[6] = {7, 7, 7, 7, 7, 7}; /* init must zero it */
        mlm_opt_state s;
        mlm_opt_init(&s, buf, 2);
        double x[2] = {1.0, -2.0};
        for (int t = 0; t < 3; t++) {
            mlm_opt_step(hc->kind, &h, &s, x, G[t], 2);
            for (int i = 0; i < 2; i++)
                CHECK(fabs(x[i] - hc->want[t][i]) <= 1e-14 * fabs(hc->want[t][i]),
                      "%s (wd %g) step %d x[%d] = %.17g, by hand %.17g", mlm_opt_name[hc->kind],
                      hc->wd, t + 1, i, x[i], hc->want[t][i]);
        }
        CHECK(s.t == 3, "t = %lld", (long long)s.t);
        /* The running products are beta^3 by repeated multiplication. */
        CHECK(s.b1t == 0.9 * 0.9 * 0.9 && s.b2t == 0.999 * 0.999 * 0.999, "products %.17g %.17g",
              s.b1t, s.b2t);
    }
    /* Nesterov is not momentum: they part at the very first step (Nesterov adds mu times the
       new velocity), and with mu = 0 both are plain SGD, exactly. */
    CHECK(hand[1].want[0][0] != hand[2].want[0][0] && hand[1].want[1][0] != hand[2].want[1][0],
          "Nesterov equals momentum");
    double sgd[2] = {0};
    for (int k = MLM_OPT_SGD; k <= MLM_OPT_NESTEROV; k++) {
        mlm_opt_hyper h = {.lr = 0.1, .momentum = 0};
        double buf[6];
        mlm_opt_state s;
        mlm_opt_init(&s, buf, 2);
        double x[2] = {1.0, -2.0};
        for (int t = 0; t < 3; t++) mlm_opt_step((mlm_opt_kind)k, &h, &s, x, G[t], 2);
        if (k == MLM_OPT_SGD) sgd[0] = x[0], sgd[1] = x[1];
        CHECK(x[0] == sgd[0] && x[1] == sgd[1], "%s with mu = 0: (%.17g, %.17g), SGD (%.17g, %.17g)",
              mlm_opt_name[k], x[0], x[1], sgd[0], sgd[1]);
    }
}

/* ---- Adam's first step has size lr in every coordinate, whatever the gradient's scale ---- */
static void test_first_step(void) {
    const double scales[] = {1e-4, 1e-2, 1, 37, 1e4, 1e8};
    const double lrs[] = {1e-3, 0.05, 0.7};
    for (int a = 0; a < COUNT(scales); a++) {
        for (int b = 0; b < COUNT(lrs); b++) {
            double g[3] = {scales[a], -3 * scales[a], 0.5 * scales[a]};
            const mlm_opt_kind kinds[] = {MLM_OPT_ADAM, MLM_OPT_ADAMAX, MLM_OPT_RMSPROP};
            for (int q = 0; q < 3; q++) {
                mlm_opt_hyper h;
                mlm_opt_defaults(kinds[q], &h);
                h.lr = lrs[b];
                double buf[9];
                mlm_opt_state s;
                mlm_opt_init(&s, buf, 3);
                double x[3] = {0.25, -1, 2};
                const double x0[3] = {0.25, -1, 2};
                mlm_opt_step(kinds[q], &h, &s, x, g, 3);
                /* Adam, Adamax: m1 = (1 - b1) g and v1 = (1 - b2) g^2 (or |g|) are corrected back
                   to g and g^2, so the step is lr g / (|g| + eps). RMSprop has no correction: its
                   v1 = (1 - rho) g^2 makes the step lr / sqrt(1 - rho), ten times lr at 0.99. */
                double r = kinds[q] == MLM_OPT_RMSPROP ? sqrt(1 - h.rho) : 1;
                for (int i = 0; i < 3; i++) {
                    double step = fabs(x[i] - x0[i]), a = fabs(g[i]);
                    /* Exactly, eps included: lr/r |g| / (|g| + eps/r); about lr/r when |g| >> eps. */
                    double exact = h.lr / r * a / (a + h.eps / r);
                    /* (x1 - x0 loses the last bits of x0 ~ 2: hence the 1e-15) */
                    CHECK(fabs(step - exact) <= 1e-13 * exact + 1e-15, "%s: first step %.17g, want %.17g (|g| = %g)",
                          mlm_opt_name[kinds[q]], step, exact, a);
                    CHECK(fabs(step - h.lr / r) <= h.lr / r * (h.eps / (r * a) + 1e-13) + 1e-15,
                          "%s: first step %.17g is not lr/%g = %.17g", mlm_opt_name[kinds[q]], step, r,
                          h.lr / r);
                    CHECK((x[i] - x0[i]) * g[i] < 0, "first step goes uphill");
                }
            }
        }
    }
}

/* ---- AdamW's decoupled decay against Adam's L2 penalty ----
 * Take a loss whose own gradient is zero, so only the penalty acts. AdamW multiplies x by
 * 1 - lr wd every step: a geometric decay whose rate is wd. Adam with the L2 term has gradient
 * wd x, which its normalisation turns into a step of about lr whatever wd is: the penalty's
 * strength is divided away, which is why the decay must be taken out of the gradient. */
static void test_decoupled_decay(void) {
    const double wds[] = {1e-3, 0.1};
    double adam_end[2];
    for (int w = 0; w < 2; w++) {
        const double zero[1] = {0};
        mlm_opt_hyper h;
        mlm_opt_defaults(MLM_OPT_ADAMW, &h);
        h.lr = 0.01;
        h.weight_decay = wds[w];
        double bw[3], ba[3];
        mlm_opt_state sw, sa;
        mlm_opt_init(&sw, bw, 1);
        mlm_opt_init(&sa, ba, 1);
        double xw[1] = {1}, xa[1] = {1};
        double want = 1;
        for (int t = 1; t <= 20; t++) {
            mlm_opt_step(MLM_OPT_ADAMW, &h, &sw, xw, zero, 1);
            mlm_opt_step(MLM_OPT_ADAM, &h, &sa, xa, zero, 1);
            want *= 1 - h.lr * h.weight_decay;
            CHECK(fabs(xw[0] - want) <= 1e-15, "AdamW wd %g step %d: %.17g, want %.17g", wds[w], t,
                  xw[0], want);
        }
        /* L2 in Adam: 20 steps of (nearly) lr each, towards 0, for either wd. */
        CHECK(fabs(xa[0] - (1 - 20 * h.lr)) < 5e-3, "Adam+L2 wd %g: x = %.6g, want about %.6g",
              wds[w], xa[0], 1 - 20 * h.lr);
        adam_end[w] = xa[0];
    }
    /* A hundredfold penalty makes AdamW's decay a hundredfold faster, and Adam+L2's hardly. */
    double dw_small = 1 - pow(1 - 0.01 * 1e-3, 20), dw_big = 1 - pow(1 - 0.01 * 0.1, 20);
    CHECK(dw_big / dw_small > 90, "AdamW decay ratio %g", dw_big / dw_small);
    CHECK(fabs((1 - adam_end[1]) / (1 - adam_end[0]) - 1) < 0.01, "Adam+L2 decay ratio %g",
          (1 - adam_end[1]) / (1 - adam_end[0]));

    /* On a loss with a minimum, L2 moves the answer and decoupled decay hardly does:
       f = (x - 3)^2 / 2 with the penalty wd x^2 / 2 has its minimum at 3 / (1 + wd). AdamW rests
       where lr wd x balances Adam's step lr m / sqrt(v); as the gradients fade, v fades with them
       (over about 1/(1 - beta2) steps), the step stays near lr g / sqrt(v), and the balance needs
       only a tiny g: the rest point creeps to 3 itself (while wd |x| < 1, as here). */
    mlm_opt_hyper h;
    mlm_opt_defaults(MLM_OPT_ADAM, &h);
    h.lr = 0.01;
    h.weight_decay = 0.1;
    double ba[3], bw[3];
    mlm_opt_state sa, sw;
    mlm_opt_init(&sa, ba, 1);
    mlm_opt_init(&sw, bw, 1);
    double xa[1] = {0}, xw[1] = {0}, g[1];
    for (int t = 0; t < 20000; t++) {
        g[0] = xa[0] - 3;
        mlm_opt_step(MLM_OPT_ADAM, &h, &sa, xa, g, 1);
        g[0] = xw[0] - 3;
        mlm_opt_step(MLM_OPT_ADAMW, &h, &sw, xw, g, 1);
    }
    CHECK(fabs(xa[0] - 3 / 1.1) < 1e-6, "Adam + L2 0.1 ends at %.9g, want 3/1.1 = %.9g", xa[0], 3 / 1.1);
    CHECK(fabs(xw[0] - 3.0) < 1e-3, "AdamW ends at %.9g, want near 3", xw[0]);
}

/* ---- momentum overshoots a narrow valley; plain descent at the same lr does not ----
 * f = (x^2 + 100 y^2) / 2, from (10, 1): across the valley (curvature 100) lr = 0.005 gives
 * descent the factor 1 - 0.5 per step, so y halves and never changes sign. Momentum 0.9 at the
 * same lr has complex roots there (trace 1.4, determinant 0.9: 1.4^2 < 4 * 0.9), so y swings
 * through the valley floor and beyond. */
static void test_overshoot(void) {
    double min_y[2], end[2];
    const mlm_opt_kind kinds[2] = {MLM_OPT_SGD, MLM_OPT_MOMENTUM};
    for (int q = 0; q < 2; q++) {
        mlm_opt_hyper h = {.lr = 0.005, .momentum = 0.9};
        double buf[6];
        mlm_opt_state s;
        mlm_opt_init(&s, buf, 2);
        double x[2] = {10, 1}, g[2];
        min_y[q] = 1;
        for (int t = 0; t < 200; t++) {
            g[0] = x[0];
            g[1] = 100 * x[1];
            mlm_opt_step(kinds[q], &h, &s, x, g, 2);
            if (x[1] < min_y[q]) min_y[q] = x[1];
        }
        end[q] = fabs(x[0]);
    }
    /* Momentum by hand, across the valley: v1 = 100, y1 = 0.5; v2 = 90 + 50 = 140, y2 = -0.2;
       v3 = 126 - 20 = 106, y3 = -0.73; v4 = 95.4 - 73 = 22.4, y4 = -0.842, its deepest swing:
       84% of the starting distance on the far side of the floor. */
    printf("overshoot across the valley: SGD %.3g, momentum %.3g of the start\n", fmax(0, -min_y[0]),
           -min_y[1]);
    CHECK(min_y[0] >= 0, "SGD crossed the valley floor: min y = %g", min_y[0]);
    CHECK_NEAR(min_y[1], -0.842, 1e-12);
    /* ... and the price is worth paying: along the valley momentum is far ahead. */
    CHECK(end[1] < 1e-3 * end[0], "along the valley: SGD %g, momentum %g", end[0], end[1]);
}

/* ---- the stability limits of mlm_opt_stable_lr, on f = lam x^2 / 2 ---- */
static void test_stability(void) {
    const double lam = 4;
    for (int k = MLM_OPT_SGD; k <= MLM_OPT_NESTEROV; k++) {
        for (int side = 0; side < 2; side++) {
            mlm_opt_hyper h = {.momentum = 0.8};
            double lim = mlm_opt_stable_lr((mlm_opt_kind)k, &h, lam);
            h.lr = lim * (side ? 1.02 : 0.98);
            double buf[3];
            mlm_opt_state s;
            mlm_opt_init(&s, buf, 1);
            double x[1] = {1}, g[1];
            for (int t = 0; t < 3000; t++) {
                g[0] = lam * x[0];
                mlm_opt_step((mlm_opt_kind)k, &h, &s, x, g, 1);
            }
            if (side) CHECK(fabs(x[0]) > 1e3, "%s at 1.02 x limit: |x| = %g", mlm_opt_name[k], fabs(x[0]));
            else CHECK(fabs(x[0]) < 1e-3, "%s at 0.98 x limit: |x| = %g", mlm_opt_name[k], fabs(x[0]));
        }
    }
    CHECK_NEAR(mlm_opt_stable_lr(MLM_OPT_SGD, &(mlm_opt_hyper){0}, 4), 0.5, 0);
    CHECK_NEAR(mlm_opt_stable_lr(MLM_OPT_MOMENTUM, &(mlm_opt_hyper){.momentum = 0.9}, 1), 3.8, 1e-15);
    CHECK_NEAR(mlm_opt_stable_lr(MLM_OPT_NESTEROV, &(mlm_opt_hyper){.momentum = 0.9}, 1), 3.8 / 2.8, 1e-15);
    for (int k = MLM_OPT_ADAGRAD; k < MLM_OPT_COUNT; k++)
        CHECK(mlm_opt_stable_lr((mlm_opt_kind)k, &(mlm_opt_hyper){0}, 1) == 0, "%s has a limit",
              mlm_opt_name[k]);
}

/* ---- every rule converges on a well-conditioned quadratic with a small lr ----
 * f = (x^2 + 2 y^2) / 2 + (x - y)^2 / 4, from (1.5, -1): curvatures between 1 and 2.6. */
static void test_converge(void) {
    const double lr[MLM_OPT_COUNT] = {0.05, 0.05, 0.05, 0.1, 0.005, 1, 0.01, 0.01, 0.01, 0.01};
    for (int k = 0; k < MLM_OPT_COUNT; k++) {
        mlm_opt_hyper h;
        mlm_opt_defaults((mlm_opt_kind)k, &h);
        h.lr = lr[k];
        h.weight_decay = 0;
        double buf[6];
        mlm_opt_state s;
        mlm_opt_init(&s, buf, 2);
        double x[2] = {1.5, -1}, g[2];
        int t = 0;
        for (; t < 50000; t++) {
            g[0] = x[0] + 0.5 * (x[0] - x[1]);
            g[1] = 2 * x[1] - 0.5 * (x[0] - x[1]);
            if (hypot(x[0], x[1]) < 1e-4) break;
            mlm_opt_step((mlm_opt_kind)k, &h, &s, x, g, 2);
        }
        CHECK(hypot(x[0], x[1]) < 1e-4, "%s (lr %g) is at (%g, %g) after %d steps", mlm_opt_name[k],
              lr[k], x[0], x[1], t);
    }
}

/* ---- names, keys and the choice string agree; reset forgets ---- */
static void test_names(void) {
    char want[400] = "";
    for (int k = 0; k < MLM_OPT_COUNT; k++) {
        size_t n = strlen(want);
        snprintf(want + n, sizeof want - n, "%s%s:%s", k ? "|" : "", mlm_opt_key[k], mlm_opt_name[k]);
    }
    CHECK(strcmp(want, MLM_OPT_CHOICES) == 0, "MLM_OPT_CHOICES is %s, the tables say %s",
          MLM_OPT_CHOICES, want);
    double buf[6];
    mlm_opt_state s;
    mlm_opt_init(&s, buf, 2);
    mlm_opt_hyper h;
    mlm_opt_defaults(MLM_OPT_ADADELTA, &h);
    double x[2] = {1, 1}, g[2] = {1, 2};
    mlm_opt_step(MLM_OPT_ADADELTA, &h, &s, x, g, 2);
    mlm_opt_reset(&s, 2);
    int zero = s.t == 0 && s.b1t == 1 && s.b2t == 1;
    for (int i = 0; i < 6; i++) zero &= buf[i] == 0;
    CHECK(zero, "reset left state behind");
    CHECK(mlm_opt_bytes(5) == 15 * sizeof(double), "bytes");
    CHECK(mlm_opt_uses(MLM_OPT_SGD) == 0 && (mlm_opt_uses(MLM_OPT_NADAM) & MLM_OPT_USES_BETA2) &&
          (mlm_opt_uses(MLM_OPT_RMSPROP) & MLM_OPT_USES_RHO), "uses");
}

int main(void) {
    test_hand_steps();
    test_first_step();
    test_decoupled_decay();
    test_overshoot();
    test_stability();
    test_converge();
    test_names();
    return CHECK_DONE("test_optim");
}
