/* recurrent.c: the tanh RNN, LSTM and GRU cells of recurrent.h, unrolled forward and
 * backpropagated through time. Every pass is plain loops over doubles in a fixed order, with the
 * deterministic tanh and sigmoid of detmath.h, so wasm and native agree bit for bit. */
#include "recurrent.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

int rec_init(mlm_instance *in, rec_net *net, int kind, int I, int H, int Tmax) {
    if (kind < 0 || kind >= REC_KINDS || I < 1 || I > REC_MAX_I || H < 1 || H > REC_MAX_H || Tmax < 1) {
        mlm_fail(in, "A recurrent cell needs 1 to %d inputs and 1 to %d hidden units.", REC_MAX_I,
                 REC_MAX_H);
        return -1;
    }
    memset(net, 0, sizeof *net);
    int G = REC_GATES(kind), U = I + H;
    net->kind = kind, net->I = I, net->H = H, net->G = G, net->U = U, net->Tmax = Tmax;
    net->n_params = (int)REC_PARAMS(G, I, H);
    net->params = mlm_alloc(in, sizeof(double) * net->n_params);
    net->grads = mlm_alloc(in, sizeof(double) * net->n_params);
    net->x = mlm_alloc(in, sizeof(double) * (size_t)Tmax * I);
    net->h = mlm_alloc(in, sizeof(double) * ((size_t)Tmax + 1) * H);
    net->cell = mlm_alloc(in, sizeof(double) * ((size_t)Tmax + 1) * H);
    net->a = mlm_alloc(in, sizeof(double) * (size_t)Tmax * G * H);
    net->y = mlm_alloc(in, sizeof(double) * Tmax);
    net->scratch = mlm_alloc(in, sizeof(double) * (4 * (size_t)G * H + 4 * (size_t)U));
    if (!net->params || !net->grads || !net->x || !net->h || !net->cell || !net->a || !net->y ||
        !net->scratch)
        return -1;
    net->W = net->params, net->b = net->W + G * H * U, net->v = net->b + G * H, net->c = net->v + H;
    net->gW = net->grads, net->gb = net->gW + G * H * U, net->gv = net->gb + G * H, net->gc = net->gv + H;
    return 0;
}

void rec_init_params(rec_net *net, mlm_rng *rng, double keep_bias) {
    int G = net->G, H = net->H, U = net->U;
    double s = 1.0 / sqrt((double)H);
    for (int k = 0; k < G * H * U; k++) net->W[k] = mlm_rng_range(rng, -s, s);
    for (int k = 0; k < G * H; k++) net->b[k] = 0;
    for (int j = 0; j < H; j++) net->v[j] = mlm_rng_range(rng, -s, s);
    net->c[0] = 0;
    /* the keeping gate is block 1 of the LSTM (f) and block 0 of the GRU (z) */
    if (net->kind == REC_LSTM) for (int j = 0; j < H; j++) net->b[H + j] = keep_bias;
    if (net->kind == REC_GRU) for (int j = 0; j < H; j++) net->b[j] = keep_bias;
}

void rec_zero_grads(rec_net *net) { memset(net->grads, 0, sizeof(double) * net->n_params); }

/* z (rows,) = W[row0 .. row0 + rows) u + b, the rows of W being U long. */
static void rec_affine(const rec_net *net, int row0, int rows, const double *u, double *z) {
    int U = net->U;
    for (int r = 0; r < rows; r++) {
        const double *w = net->W + (size_t)(row0 + r) * U;
        double s = net->b[row0 + r];
        for (int k = 0; k < U; k++) s += w[k] * u[k];
        z[r] = s;
    }
}

void rec_forward(rec_net *net, const double *x, int T) {
    memset(net->h, 0, sizeof(double) * net->H);
    memset(net->cell, 0, sizeof(double) * net->H);
    net->T = 0;
    rec_forward_more(net, x, T);
}

void rec_forward_more(rec_net *net, const double *x, int T) {
    int I = net->I, H = net->H, G = net->G, U = net->U, t0 = net->T;
    if (T > net->Tmax) T = net->Tmax;
    if (t0 > T) t0 = T;
    net->T = T;
    memcpy(net->x + (size_t)t0 * I, x + (size_t)t0 * I, sizeof(double) * (size_t)(T - t0) * I);
    double u[REC_MAX_I + REC_MAX_H], z[4 * REC_MAX_H];
    for (int t = t0; t < T; t++) {
        const double *hp = net->h + (size_t)t * H, *cp = net->cell + (size_t)t * H;
        double *hn = net->h + (size_t)(t + 1) * H, *cn = net->cell + (size_t)(t + 1) * H;
        double *a = net->a + (size_t)t * G * H;
        memcpy(u, net->x + (size_t)t * I, sizeof(double) * I);
        memcpy(u + I, hp, sizeof(double) * H);
        switch (net->kind) {
        case REC_RNN:
            //> rnn_forward
            /* h_t = tanh(W [x_t; h_{t-1}] + b) */
            rec_affine(net, 0, H, u, z);
            for (int j = 0; j < H; j++) a[j] = hn[j] = mlm_tanh(z[j]);
            //< rnn_forward
            memset(cn, 0, sizeof(double) * H);
            break;
        case REC_LSTM:
            //> lstm_forward
            /* four gate blocks from the same input: i, f, g, o; then the cell and the state */
            rec_affine(net, 0, 4 * H, u, z);
            for (int j = 0; j < H; j++) {
                double i = mlm_sigmoid(z[j]), f = mlm_sigmoid(z[H + j]);
                double g = mlm_tanh(z[2 * H + j]), o = mlm_sigmoid(z[3 * H + j]);
                a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
                cn[j] = f * cp[j] + i * g;  /* the cell: kept by f, written by i */
                hn[j] = o * mlm_tanh(cn[j]); /* the state: the cell, read through o */
            }
            //< lstm_forward
            break;
        default:
            //> gru_forward
            /* z and r from [x; h]; the candidate n sees the old state only through the reset r */
            rec_affine(net, 0, 2 * H, u, z);
            for (int j = 0; j < H; j++) a[j] = mlm_sigmoid(z[j]), a[H + j] = mlm_sigmoid(z[H + j]);
            for (int j = 0; j < H; j++) u[I + j] = a[H + j] * hp[j]; /* u = [x; r * h] */
            rec_affine(net, 2 * H, H, u, z + 2 * H);
            for (int j = 0; j < H; j++) {
                double n = mlm_tanh(z[2 * H + j]), zz = a[j];
                a[2 * H + j] = n;
                hn[j] = (1 - zz) * n + zz * hp[j]; /* z keeps the old state, 1 - z takes the new */
            }
            //< gru_forward
            memset(cn, 0, sizeof(double) * H);
            break;
        }
        double y = net->c[0];
        for (int j = 0; j < H; j++) y += net->v[j] * hn[j];
        net->y[t] = y;
    }
    (void)U;
}

double rec_mse_loss(const rec_net *net, const double *target, int from, double *dy) {
    int T = net->T, n = T - from;
    if (n < 1) n = 1;
    double L = 0;
    for (int t = 0; t < T; t++) {
        double e = t >= from ? net->y[t] - target[t] : 0;
        L += 0.5 * e * e;
        if (dy) dy[t] = e / n;
    }
    return L / n;
}

/* gW[rows] += dz u^T, gb += dz, and du (U,) += W[rows]^T dz. */
static void rec_affine_back(rec_net *net, int row0, int rows, const double *u, const double *dz,
                            double *du, int accumulate) {
    int U = net->U;
    for (int r = 0; r < rows; r++) {
        const double *w = net->W + (size_t)(row0 + r) * U;
        double d = dz[r];
        if (accumulate) {
            double *gw = net->gW + (size_t)(row0 + r) * U;
            for (int k = 0; k < U; k++) gw[k] += d * u[k];
            net->gb[row0 + r] += d;
        }
        for (int k = 0; k < U; k++) du[k] += w[k] * d;
    }
}

void rec_backward(rec_net *net, const double *dy, int accumulate, double *norms) {
    int I = net->I, H = net->H, G = net->G, U = net->U, T = net->T;
    double *dh = net->scratch;     /* (H) dL/dh_t, everything that reaches the state at t */
    double *dc = dh + H;           /* (H) dL/dc_t (LSTM) */
    double *dz = dc + H;           /* (G H) dL/d(pre-activations) */
    double *du = dz + G * H;       /* (U) dL/du_t, whose last H are dL/dh_{t-1} through the gates */
    double *u = du + U;            /* (U) the input u_t, rebuilt */
    memset(dh, 0, sizeof(double) * H);
    memset(dc, 0, sizeof(double) * H);
    for (int t = T - 1; t >= 0; t--) {
        const double *hp = net->h + (size_t)t * H, *hn = net->h + (size_t)(t + 1) * H;
        const double *cp = net->cell + (size_t)t * H, *cn = net->cell + (size_t)(t + 1) * H;
        const double *a = net->a + (size_t)t * G * H;
        //> readout_backward
        /* the output y_t = v . h_t + c adds its own gradient to what came back from t + 1 */
        for (int j = 0; j < H; j++) dh[j] += dy[t] * net->v[j];
        if (accumulate) {
            for (int j = 0; j < H; j++) net->gv[j] += dy[t] * hn[j];
            net->gc[0] += dy[t];
        }
        //< readout_backward
        if (norms) {
            double s = 0;
            for (int j = 0; j < H; j++) s += dh[j] * dh[j];
            /* the LSTM's state is the pair (h_t, c_t): dc holds dL/dc_t with h_t held fixed,
               what reaches c_t from step t + 1 onwards */
            if (net->kind == REC_LSTM)
                for (int j = 0; j < H; j++) s += dc[j] * dc[j];
            norms[t] = sqrt(s);
        }
        memcpy(u, net->x + (size_t)t * I, sizeof(double) * I);
        memcpy(u + I, hp, sizeof(double) * H);
        memset(du, 0, sizeof(double) * U);
        switch (net->kind) {
        case REC_RNN:
            //> rnn_backward
            /* through tanh: dz = dh (1 - h_t^2); then dh_{t-1} = W_h^T dz */
            for (int j = 0; j < H; j++) dz[j] = dh[j] * (1 - a[j] * a[j]);
            rec_affine_back(net, 0, H, u, dz, du, accumulate);
            for (int j = 0; j < H; j++) dh[j] = du[I + j];
            //< rnn_backward
            break;
        case REC_LSTM:
            //> lstm_backward
            for (int j = 0; j < H; j++) {
                double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
                double tc = mlm_tanh(cn[j]);
                double dct = dc[j] + dh[j] * o * (1 - tc * tc); /* dL/dc_t */
                dz[j] = dct * g * i * (1 - i);                  /* input gate */
                dz[H + j] = dct * cp[j] * f * (1 - f);          /* forget gate */
                dz[2 * H + j] = dct * i * (1 - g * g);          /* candidate */
                dz[3 * H + j] = dh[j] * tc * o * (1 - o);       /* output gate */
                dc[j] = dct * f; /* the cell's own path back: multiplied by f, nothing else */
            }
            rec_affine_back(net, 0, 4 * H, u, dz, du, accumulate);
            for (int j = 0; j < H; j++) dh[j] = du[I + j];
            //< lstm_backward
            break;
        default: {
            //> gru_backward
            /* h_t = (1 - z) n + z h_{t-1}: three ways back to h_{t-1}: directly through z, through
               the gates' inputs, and through r * h_{t-1} inside the candidate */
            double dhp[REC_MAX_H];
            for (int j = 0; j < H; j++) {
                double zz = a[j], n = a[2 * H + j];
                dz[2 * H + j] = dh[j] * (1 - zz) * (1 - n * n); /* candidate pre-activation */
                dz[j] = dh[j] * (hp[j] - n) * zz * (1 - zz);    /* update gate */
                dhp[j] = dh[j] * zz;
            }
            for (int j = 0; j < H; j++) u[I + j] = a[H + j] * hp[j]; /* the candidate saw r * h */
            rec_affine_back(net, 2 * H, H, u, dz + 2 * H, du, accumulate);
            for (int j = 0; j < H; j++) {
                double r = a[H + j];
                dhp[j] += du[I + j] * r;
                dz[H + j] = du[I + j] * hp[j] * r * (1 - r); /* reset gate */
            }
            memcpy(u + I, hp, sizeof(double) * H);
            memset(du + I, 0, sizeof(double) * H); /* du[0..I) keeps dL/dx from the candidate */
            rec_affine_back(net, 0, 2 * H, u, dz, du, accumulate);
            for (int j = 0; j < H; j++) dh[j] = dhp[j] + du[I + j];
            //< gru_backward
            break;
        }
        }
    }
}

int rec_finite(const rec_net *net) {
    for (int k = 0; k < net->n_params; k++)
        if (!mlm_isfinite(net->params[k])) return 0;
    return 1;
}
