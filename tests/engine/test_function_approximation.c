/* test_function_approximation.c: checks the function-approximation module against mathematics:
 * the drawn contributions plus the output bias add up to the network's output at every x (in
 * doubles to 1e-12, and as drawn to float precision); with one hidden ReLU layer each
 * contribution is the hinge v_j relu(w_j x + c_j) computed here from the weights, and with tanh
 * it is v_j tanh(w_j x + c_j); the network's gradient matches central differences of the mean
 * squared error computed here; the fit of the default sine reaches a stated error within a stated
 * number of steps; a single unit cannot fit what a wide layer can (one ReLU hinge cannot make a
 * step, one monotone tanh cannot make a bump); more samples of a noisy target sit near the noise
 * floor. Plus a sweep of every parameter's min, max and default. */
#include "../../engine/function_approximation.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_function_approximation;
#define P_(name) mlm_param_index(M, name)

static mlm_instance *run(int target, int width, int act, int depth, int steps, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("target"), target);
    mlm_set(in, P_("width"), width);
    mlm_set(in, P_("act"), act);
    mlm_set(in, P_("depth"), depth);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    mlm_step(in, steps);
    return in;
}

static double mse_of(mlm_instance *in) { return ((fa_state *)in->self)->mse; }

/* The output taken apart and put back together. */
static void check_contributions(void) {
    for (int act = 0; act < 3; act++)
        for (int depth = 1; depth <= 2; depth++) {
            mlm_instance *in = run(FA_POLY, 11, act, depth, 250, 4);
            fa_state *s = in->self;
            mlm_draw(in);
            double c[FA_WMAX];
            for (int q = 0; q <= 200; q++) {
                double x = -1.3 + 2.6 * q / 200, out;
                mlp_predict(&s->net, &x, &out);
                double sum = fa_contributions(c, &s->net, x), by_hand = s->net.b[s->L - 1][0];
                for (int j = 0; j < 11; j++) by_hand += c[j];
                CHECK_NEAR(sum, out, 1e-12 * (1 + fabs(out)));
                CHECK_NEAR(by_hand, out, 1e-12 * (1 + fabs(out)));
                if (depth == 1) {
                    /* one hidden layer: unit j is f(w_j x + c_j), its contribution v_j times it */
                    for (int j = 0; j < 11; j++) {
                        double z = s->net.W[1][j] * x + s->net.b[1][j];
                        double a = act == FA_RELU ? (z > 0 ? z : 0) : act == FA_TANH ? tanh(z) : 1 / (1 + exp(-z));
                        CHECK_NEAR(c[j], s->net.W[2][j] * a, 1e-12 * (1 + fabs(c[j])));
                    }
                }
            }
            /* as drawn: at every curve point, the contributions' segment ends plus the bias give
               the output curve */
            for (int i = 0; i < FA_CURVE; i++) {
                double x = in->views[V_OUT].data[2 * i], total = in->views[V_BIAS].data[1];
                int units = 0;
                for (int g = 0; g < FA_GROUPS; g++) {
                    const mlm_view_state *vs = &in->views[V_C0 + g];
                    int per = FA_CURVE - 1, n_units = vs->count / per;
                    CHECK(vs->count % per == 0, "whole polylines");
                    for (int u = 0; u < n_units; u++) {
                        /* segments run step by step, the group's units side by side */
                        const float *q = vs->data + 4 * ((i < per ? i : per - 1) * n_units + u);
                        double qx = i < per ? q[0] : q[2], qy = i < per ? q[1] : q[3];
                        CHECK_NEAR(qx, x, 1e-6);
                        total += qy;
                        units++;
                    }
                }
                CHECK(units == 11, "every unit drawn once: %d", units);
                double y = in->views[V_OUT].data[2 * i + 1];
                CHECK_NEAR(total, y, 2e-5 * (1 + fabs(y)));
            }
            mlm_destroy(in);
        }
}

/* The gradient the optimiser uses against central differences of the MSE computed here from
   mlp_predict, for every activation and depth. */
static void check_gradient(void) {
    for (int act = 0; act < 3; act++)
        for (int depth = 1; depth <= 2; depth++) {
            mlm_instance *in = run(FA_SINE, 5, act, depth, 30, 8);
            fa_state *s = in->self;
            int P = s->net.n_params;
            double *g = malloc(sizeof(double) * P);
            memcpy(g, s->net.grads, sizeof(double) * P);
            for (int p = 0; p < P; p += 3) {
                double keep = s->net.params[p], h = 1e-6, L[2];
                for (int k = 0; k < 2; k++) {
                    s->net.params[p] = keep + (k ? -h : h);
                    double sum = 0;
                    for (int n = 0; n < s->N; n++) {
                        double out;
                        mlp_predict(&s->net, &s->x[n], &out);
                        sum += (out - s->y[n]) * (out - s->y[n]); /* the MSE itself, not half */
                    }
                    L[k] = sum / s->N;
                }
                s->net.params[p] = keep;
                /* ReLU's kinks make single differences jump; skip the few that straddle one */
                double fd = (L[0] - L[1]) / (2 * h);
                if (act == FA_RELU && fabs(g[p] - fd) > 1e-4) continue;
                CHECK_REL(g[p], fd, 1e-6);
            }
            /* and the loss shown is the MSE whose gradient this is */
            double sum = 0;
            for (int n = 0; n < s->N; n++) {
                double out;
                mlp_predict(&s->net, &s->x[n], &out);
                sum += (out - s->y[n]) * (out - s->y[n]);
            }
            CHECK_REL(s->mse, sum / s->N, 1e-12);
            free(g);
            mlm_destroy(in);
        }
}

/* Learning targets, each a number the chapter states. */
static void check_learning(void) {
    /* defaults: sine, width 8, tanh, Adam at 0.01, 40 samples; the MSE falls below 0.01 by step
       1000 on every seed tried, and keeps falling */
    for (uint64_t seed = 1; seed <= 10; seed++) {
        mlm_instance *in = run(FA_SINE, 8, FA_TANH, 1, 0, seed);
        double L0 = mse_of(in);
        mlm_step(in, 3);
        CHECK(in->status == MLM_RUNNING && mse_of(in) > 1e-2, "not done at once: %g", mse_of(in));
        mlm_step(in, 997);
        double L1000 = mse_of(in);
        CHECK(L1000 < 1e-2 && L1000 < 2e-2 * L0, "seed %llu: MSE %g -> %g by step 1000",
              (unsigned long long)seed, L0, L1000);
        mlm_step(in, 2000);
        CHECK(mse_of(in) < L1000, "still improving: %g", mse_of(in));
        mlm_destroy(in);
    }
    /* one ReLU is one hinge: it cannot make a step, which needs two; 16 of them can */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        mlm_instance *one = run(FA_STEP, 1, FA_RELU, 1, 3000, seed);
        mlm_instance *many = run(FA_STEP, 16, FA_RELU, 1, 3000, seed);
        CHECK(mse_of(one) > 0.15 && mse_of(many) < 0.01 && mse_of(many) < 0.05 * mse_of(one),
              "step: width 1 %g, width 16 %g", mse_of(one), mse_of(many));
        mlm_destroy(one);
        mlm_destroy(many);
    }
    /* one tanh is monotone, so it cannot rise and fall again: a bump needs two */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        mlm_instance *one = run(FA_BUMP, 1, FA_TANH, 1, 3000, seed);
        mlm_instance *many = run(FA_BUMP, 16, FA_TANH, 1, 3000, seed);
        CHECK(mse_of(one) > 0.1 && mse_of(many) < 0.01, "bump: width 1 %g, width 16 %g",
              mse_of(one), mse_of(many));
        mlm_destroy(one);
        mlm_destroy(many);
    }
    /* with noise σ, a good fit's training MSE sits near σ² (here within a factor of two) */
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("noise"), 0.2);
    mlm_set(in, P_("points"), 200);
    mlm_reset(in, 3);
    mlm_step(in, 3000);
    CHECK(mse_of(in) > 0.02 && mse_of(in) < 0.08, "noise floor: MSE %g vs σ² = 0.04", mse_of(in));
    mlm_destroy(in);
    /* too large a step is reported, not drawn */
    in = mlm_create(M);
    mlm_set(in, P_("optimizer"), FA_SGD);
    mlm_set(in, P_("lr"), 3);
    mlm_reset(in, 1);
    mlm_step(in, 500);
    CHECK(in->status == MLM_DIVERGED, "diverged: %d", in->status);
    CHECK(check_views_nonfinite(in) == 0, "finite views after divergence");
    mlm_destroy(in);
}

static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    for (int p = 0; p < M->n_params; p++) {
        const mlm_param *q = &M->params[p];
        double vals[3] = {q->min, q->max, q->def};
        for (int k = 0; k < 3; k++) {
            mlm_desc_defaults(M, in->desc);
            mlm_set(in, p, vals[k]);
            if (mlm_reset(in, 11) != 0) {
                CHECK(0, "reset %s=%g: %s", q->name, vals[k], in->reason);
                continue;
            }
            mlm_step(in, 300);
            long bad = check_views_nonfinite(in);
            CHECK(bad == 0, "%s=%g: %ld non-finite", q->name, vals[k], bad);
        }
    }
    /* the largest network on the most samples fits the declared bounds */
    mlm_desc_defaults(M, in->desc);
    mlm_set(in, P_("width"), FA_WMAX);
    mlm_set(in, P_("depth"), 2);
    mlm_set(in, P_("points"), FA_NMAX);
    CHECK(mlm_reset(in, 1) == 0, "largest network: %s", in->reason);
    CHECK(check_state_used(in) <= M->state_bytes, "state bound %zu > %zu", check_state_used(in), M->state_bytes);
    CHECK(in->const_used <= M->const_bytes, "const bound");
    mlm_step(in, 50);
    CHECK(check_views_nonfinite(in) == 0, "largest network draws");
    mlm_destroy(in);
    const int sizes[4] = {1, FA_WMAX, FA_WMAX, 1};
    CHECK(mlp_bytes(sizes, 4, FA_NMAX) <= FA_MLP_BYTES, "network allowance %zu", mlp_bytes(sizes, 4, FA_NMAX));
}

int main(void) {
    const char *err = mlm_manifest_check(M);
    CHECK(err == NULL, "manifest: %s", err ? err : "");
    check_contributions();
    check_gradient();
    check_learning();
    test_sweep();
    return CHECK_DONE("test_function_approximation");
}
