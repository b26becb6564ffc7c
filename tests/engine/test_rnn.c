/* test_rnn.c: checks the recurrent cells of engine/core/recurrent.c and the rnn module against
 * mathematics: backpropagation through time gives, for the RNN, the LSTM and the GRU, the
 * gradient of the loss that central finite differences of the forward pass give, for every
 * parameter (several sizes, windows and seeds, and a loss that skips the first steps); the
 * state-gradient sizes the lag probe reports equal central differences of the last output with
 * respect to a nudge of each unit of the state (and of the LSTM's cell), replayed here from the
 * cell equations with libm; on a one-unit RNN they equal the closed form
 * |v| prod |w_h| (1 - h_s^2), the product of Jacobians; an LSTM whose forget gate is saturated at 1
 * and input gate shut carries its cell unchanged, exactly, for any input; the lag probe falls for
 * the plain RNN and holds for the LSTM at the chapter's defaults; training lowers every cell's
 * error on the fixed window. Plus a sweep of every parameter. */
#include "../../engine/rnn.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_rnn;

/* A bare network in its own instance. */
static mlm_instance *holder(void) {
    static mlm_module mod;
    mod = *M;
    mod.state_bytes = REC_BYTES(4, 3, 6, 12) + 4096;
    return mlm_create(&mod); /* not reset: rec_init carves the network from the empty block */
}

static double loss_of(rec_net *net, const double *x, int T, const double *target, int from) {
    rec_forward(net, x, T);
    return rec_mse_loss(net, target, from, NULL);
}

static void check_gradients(int kind, int I, int H, int T, int from, uint64_t seed) {
    mlm_instance *in = holder();
    rec_net net;
    int ok = rec_init(in, &net, kind, I, H, T) == 0;
    CHECK(ok, "rec_init: %s", in->reason);
    if (!ok) { mlm_destroy(in); return; }
    mlm_rng rng;
    mlm_rng_seed(&rng, seed, 7);
    rec_init_params(&net, &rng, 0.5);
    /* biases away from zero so every gate's derivative matters */
    for (int k = 0; k < net.G * H; k++) net.b[k] += mlm_rng_range(&rng, -0.5, 0.5);
    double x[12 * 3], target[12];
    for (int k = 0; k < T * I; k++) x[k] = mlm_rng_range(&rng, -1.5, 1.5);
    for (int t = 0; t < T; t++) target[t] = mlm_rng_range(&rng, -1, 1);
    double dy[12];
    rec_forward(&net, x, T);
    rec_mse_loss(&net, target, from, dy);
    rec_zero_grads(&net);
    rec_backward(&net, dy, 1, NULL);
    double worst = 0;
    for (int p = 0; p < net.n_params; p++) {
        double keep = net.params[p], e = 1e-6;
        net.params[p] = keep + e;
        double lp = loss_of(&net, x, T, target, from);
        net.params[p] = keep - e;
        double lm = loss_of(&net, x, T, target, from);
        net.params[p] = keep;
        double fd = (lp - lm) / (2 * e), g = net.grads[p];
        double err = fabs(fd - g) / fmax(1e-6, fabs(fd) + fabs(g));
        if (fabs(fd - g) > 1e-9 && err > worst) worst = err;
    }
    CHECK(worst < 1e-5, "%s I=%d H=%d T=%d from=%d: worst relative gradient error %g",
          rnn_cell_name[kind], I, H, T, from, worst);
    mlm_destroy(in);
}

/* z = W[row0 .. row0 + rows) u + b, written here again from the definition */
static void aff(const rec_net *net, int row0, int rows, const double *u, double *z) {
    for (int r = 0; r < rows; r++) {
        z[r] = net->b[row0 + r];
        for (int k = 0; k < net->U; k++) z[r] += net->W[(size_t)(row0 + r) * net->U + k] * u[k];
    }
}

/* The state gradient the probe reports, against finite differences: nudge the state after step
   t by adding e to unit j's value, by running the cell up to t, perturbing, and running on. */
static double loss_from_state(rec_net *net, const double *x, int T, int t, int j, double e,
                              double dcell) {
    /* run the first t + 1 steps, perturb h_{t+1} (or the LSTM cell), then continue by hand */
    rec_forward(net, x, T);
    int H = net->H;
    double h[REC_MAX_H], c[REC_MAX_H];
    memcpy(h, net->h + (size_t)(t + 1) * H, sizeof(double) * H);
    memcpy(c, net->cell + (size_t)(t + 1) * H, sizeof(double) * H);
    h[j] += e;
    c[j] += dcell;
    /* replay steps t+1..T-1 with a one-step network: write the state into net->h and rerun the
       cell equations exactly as rec_forward does, by running a forward of length 1 from it */
    double y_last = 0;
    for (int s = t + 1; s < T; s++) {
        double u[REC_MAX_I + REC_MAX_H], z[4 * REC_MAX_H];
        u[0] = x[s];
        memcpy(u + 1, h, sizeof(double) * H);
        if (net->kind == REC_RNN) {
            aff(net, 0, H, u, z);
            for (int q = 0; q < H; q++) h[q] = tanh(z[q]);
        } else if (net->kind == REC_LSTM) {
            aff(net, 0, 4 * H, u, z);
            for (int q = 0; q < H; q++) {
                double i = 1 / (1 + exp(-z[q])), f = 1 / (1 + exp(-z[H + q]));
                double g = tanh(z[2 * H + q]), o = 1 / (1 + exp(-z[3 * H + q]));
                c[q] = f * c[q] + i * g;
                h[q] = o * tanh(c[q]);
            }
        } else {
            aff(net, 0, 2 * H, u, z);
            double zz[REC_MAX_H], r[REC_MAX_H];
            for (int q = 0; q < H; q++) zz[q] = 1 / (1 + exp(-z[q])), r[q] = 1 / (1 + exp(-z[H + q]));
            for (int q = 0; q < H; q++) u[1 + q] = r[q] * h[q];
            aff(net, 2 * H, H, u, z + 2 * H);
            for (int q = 0; q < H; q++) h[q] = (1 - zz[q]) * tanh(z[2 * H + q]) + zz[q] * h[q];
        }
    }
    y_last = net->c[0];
    for (int q = 0; q < H; q++) y_last += net->v[q] * h[q];
    return y_last; /* the probe's loss: dL/dy_T = 1, so L = y_T */
}

static void check_state_gradients(int kind) {
    mlm_instance *in = holder();
    rec_net net;
    int H = 5, T = 10;
    if (rec_init(in, &net, kind, 1, H, T) != 0) { CHECK(0, "rec_init"); mlm_destroy(in); return; }
    mlm_rng rng;
    mlm_rng_seed(&rng, 3, 1);
    rec_init_params(&net, &rng, 1);
    double x[10], dy[10], norms[10];
    for (int t = 0; t < T; t++) x[t] = mlm_rng_range(&rng, -1, 1), dy[t] = t == T - 1;
    rec_forward(&net, x, T);
    rec_backward(&net, dy, 0, norms);
    for (int t = 0; t < T; t++) {
        double s = 0, e = 1e-6;
        for (int j = 0; j < H; j++) {
            double d = (loss_from_state(&net, x, T, t, j, e, 0) - loss_from_state(&net, x, T, t, j, -e, 0)) / (2 * e);
            s += d * d;
            if (kind == REC_LSTM) {
                d = (loss_from_state(&net, x, T, t, j, 0, e) - loss_from_state(&net, x, T, t, j, 0, -e)) / (2 * e);
                s += d * d;
            }
        }
        CHECK_REL(norms[t], sqrt(s), 1e-6);
    }
    mlm_destroy(in);
}

/* Forget gate saturated at 1, input gate at 0: c_t = 1 * c_{t-1} + 0 * g = c_{t-1}, bit for bit. */
static void check_lstm_carries(void) {
    mlm_instance *in = holder();
    rec_net net;
    int H = 4, T = 12;
    if (rec_init(in, &net, REC_LSTM, 1, H, T) != 0) { CHECK(0, "rec_init"); mlm_destroy(in); return; }
    mlm_rng rng;
    mlm_rng_seed(&rng, 5, 1);
    rec_init_params(&net, &rng, 0);
    double x[12];
    for (int t = 0; t < T; t++) x[t] = mlm_rng_range(&rng, -3, 3);
    /* the input gate opens on x = 1 and shuts on x = 0: i = sigma(120 x - 60), so the cell is
       written at step 0 only; the forget gate is sigma(60), which is 1 in doubles */
    int U = net.U;
    for (int j = 0; j < H; j++) {
        for (int k = 0; k < U; k++) net.W[(size_t)j * U + k] = 0, net.W[(size_t)(H + j) * U + k] = 0;
        net.W[(size_t)j * U] = 120, net.b[j] = -60;
        net.b[H + j] = 60;
    }
    CHECK(mlm_sigmoid(60) == 1.0 && mlm_sigmoid(-60) < 1e-25, "sigmoid saturates");
    x[0] = 1;
    for (int t = 1; t < T; t++) x[t] = 0;
    rec_forward(&net, x, T);
    for (int j = 0; j < H; j++)
        CHECK(fabs(net.cell[H + j]) > 1e-3, "the cell was written at step 0: %g", net.cell[H + j]);
    /* afterwards i g is below 1e-25, under half an ulp of the cell the first write left */
    int same = 1;
    for (int t = 1; t < T; t++)
        for (int j = 0; j < H; j++) same &= net.cell[(size_t)(t + 1) * H + j] == net.cell[(size_t)t * H + j];
    CHECK(same, "the cell changed under a saturated forget gate");
    mlm_destroy(in);
}

/* One-unit RNN, state gradient in closed form: |dL/dh_t| = |v| prod_{s>t} |w_h| (1 - h_s^2). */
static void check_rnn_product_of_jacobians(void) {
    mlm_instance *in = holder();
    rec_net net;
    int T = 12;
    if (rec_init(in, &net, REC_RNN, 1, 1, T) != 0) { CHECK(0, "rec_init"); mlm_destroy(in); return; }
    net.W[0] = 0.8, net.W[1] = 0.9, net.b[0] = 0.1, net.v[0] = -1.3, net.c[0] = 0.2;
    double x[12], dy[12], norms[12];
    for (int t = 0; t < T; t++) x[t] = sin(t), dy[t] = t == T - 1;
    rec_forward(&net, x, T);
    rec_backward(&net, dy, 0, norms);
    double g = 1.3;
    for (int t = T - 1; t >= 0; t--) {
        CHECK_REL(norms[t], g, 1e-12);
        double h = net.h[t + 1];
        g *= 0.9 * (1 - h * h);
    }
    mlm_destroy(in);
}

static mlm_instance *module_run(int steps) {
    mlm_instance *in = mlm_create(M);
    int ok = mlm_reset(in, 1) == 0;
    CHECK(ok, "reset: %s", in->reason);
    mlm_step(in, steps);
    return in;
}

static void check_module(void) {
    mlm_instance *in = module_run(0);
    rnn_state *s = in->self;
    double start[RNN_K];
    for (int k = 0; k < RNN_K; k++) start[k] = s->eval_mse[k];
    /* the gradient of the plain RNN at its start decays with the lag; the LSTM's holds better */
    CHECK(s->g_at[REC_RNN] < 1e-3, "RNN at lag 20: %g", s->g_at[REC_RNN]);
    CHECK(s->g_at[REC_LSTM] > 100 * s->g_at[REC_RNN], "LSTM %g vs RNN %g", s->g_at[REC_LSTM],
          s->g_at[REC_RNN]);
    mlm_step(in, 1500);
    for (int k = 0; k < RNN_K; k++)
        CHECK(s->eval_mse[k] < 0.5 * start[k], "%s: MSE %g from %g", rnn_cell_name[k], s->eval_mse[k], start[k]);
    printf("rnn after 1500: mse %g %g %g  g20 %g %g %g\n", s->eval_mse[0], s->eval_mse[1],
           s->eval_mse[2], s->g_at[0], s->g_at[1], s->g_at[2]);
    CHECK(check_views_nonfinite(in) == 0, "finite views");
    CHECK(check_state_used(in) <= M->state_bytes, "state bytes");
    mlm_destroy(in);
}

int main(void) {
    for (int kind = 0; kind < REC_KINDS; kind++) {
        check_gradients(kind, 1, 4, 8, 0, 1);
        check_gradients(kind, 2, 3, 6, 2, 2);
        check_gradients(kind, 3, 6, 12, 0, 3);
        check_gradients(kind, 1, 1, 5, 0, 4);
        check_state_gradients(kind);
    }
    check_lstm_carries();
    check_rnn_product_of_jacobians();
    check_module();
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    check_sweep(M, 30);
    return CHECK_DONE("test_rnn");
}
