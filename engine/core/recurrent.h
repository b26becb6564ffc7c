/* recurrent.h: the book's recurrent cells, shared by the chapters of Part VI (recurrent networks,
 * forecasting a time series): a plain tanh RNN, the LSTM and the GRU, each unrolled over a
 * sequence with a linear read-out, a forward pass that keeps every intermediate value and a
 * backward pass (backpropagation through time) that accumulates the gradient of any per-step
 * loss and can report how large the gradient with respect to the state is at every step.
 *
 * Shape legend (llm.c style; every buffer below carries its shape):
 *   I     inputs per step (1 for a scalar series)
 *   H     hidden units (the state h_t has H numbers; the LSTM also has a cell c_t of H)
 *   G     gate blocks: 1 for the RNN, 4 for the LSTM (i, f, g, o), 3 for the GRU (z, r, n)
 *   U     I + H: the cell's input at a step is u_t = [x_t; h_{t-1}]
 *   T     steps in the sequence, T <= Tmax
 *   P     parameters: G H U (W) + G H (b) + H (v) + 1 (c)
 * The cells (sigma the logistic function, * elementwise, row block k of W and b written W_k):
 *   RNN   h_t = tanh(W u_t + b)
 *   LSTM  i = sigma(W_i u + b_i), f = sigma(W_f u + b_f), g = tanh(W_g u + b_g),
 *         o = sigma(W_o u + b_o);   c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)
 *   GRU   z = sigma(W_z u + b_z), r = sigma(W_r u + b_r),
 *         n = tanh(W_n^x x_t + W_n^h (r * h_{t-1}) + b_n);   h_t = (1 - z) * n + z * h_{t-1}
 * and every cell reads out y_t = v . h_t + c. The state starts at zero: h_0 = c_0 = 0.
 *
 * Memory: rec_init carves every buffer from the instance with mlm_alloc, so a copy of the
 * instance is a checkpoint of the network and of its last pass; the rec_net struct lives in the
 * module's state. */
#ifndef MLM_RECURRENT_H
#define MLM_RECURRENT_H

#include <stddef.h>

#include "mlm.h"

typedef enum { REC_RNN, REC_LSTM, REC_GRU, REC_KINDS } rec_kind;

#define REC_MAX_H 64
#define REC_MAX_I 8
#define REC_GATES(kind) ((kind) == REC_LSTM ? 4 : (kind) == REC_GRU ? 3 : 1)

typedef struct {
    int kind, I, H, G, U, Tmax, n_params;
    int T;             /* steps of the last forward pass */
    double *params;    /* (P,) W, then b, then v, then c */
    double *grads;     /* (P,) the same layout */
    double *W, *b, *v, *c;     /* views into params: (G H, U), (G H,), (H,), (1,) */
    double *gW, *gb, *gv, *gc; /* views into grads, same shapes */
    double *x;         /* (Tmax, I) the inputs of the last forward pass */
    double *h;         /* (Tmax + 1, H) states; h[0] = 0, h[t + 1] after step t */
    double *cell;      /* (Tmax + 1, H) LSTM cells, likewise (zero for the other kinds) */
    double *a;         /* (Tmax, G H) the gates after their nonlinearities, at each step */
    double *y;         /* (Tmax,) outputs */
    double *scratch;   /* (4 G H + 4 U) work space of the backward pass */
} rec_net;

#define REC_A16_(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define REC_PARAMS(G, I, H) ((size_t)(G) * (H) * ((I) + (H)) + (size_t)(G) * (H) + (H) + 1)
/* Bytes rec_init takes from the instance: a compile-time bound for a module's state_bytes. */
#define REC_BYTES(G, I, H, T)                                                                \
    (2 * REC_A16_(sizeof(double) * REC_PARAMS(G, I, H)) +                                    \
     REC_A16_(sizeof(double) * (size_t)(T) * (I)) +                                          \
     2 * REC_A16_(sizeof(double) * ((size_t)(T) + 1) * (H)) +                                \
     REC_A16_(sizeof(double) * (size_t)(T) * (G) * (H)) + REC_A16_(sizeof(double) * (T)) +   \
     REC_A16_(sizeof(double) * (4 * (size_t)(G) * (H) + 4 * ((size_t)(I) + (H)))))

/* Set up *net for kind, I inputs, H hidden units and sequences of up to Tmax steps, carving its
   buffers from `in`; weights are zero until rec_init_params. 0, or -1 after mlm_fail. */
int rec_init(mlm_instance *in, rec_net *net, int kind, int I, int H, int Tmax);
/* Weights uniform in +-1/sqrt(H), biases zero except the gate that keeps the state (the LSTM's
   forget gate f, the GRU's update gate z), whose bias is keep_bias: sigma(keep_bias) of the old
   state passes at the start of training. */
void rec_init_params(rec_net *net, mlm_rng *rng, double keep_bias);

/* Run the cell over x (T, I) from the zero state; fills net->h, cell, a, y (T <= Tmax). */
void rec_forward(rec_net *net, const double *x, int T);
/* Continue the last pass from its step net->T to step T over x (T, I), whose first net->T rows
   must be the inputs already read: a forecaster feeding its own outputs back, one step at a time. */
void rec_forward_more(rec_net *net, const double *x, int T);
/* Backpropagation through time after rec_forward. dy (T,) is dL/dy_t for a loss L of the outputs.
   accumulate = 1 adds dL/dparams to net->grads (zero them first with rec_zero_grads);
   accumulate = 0 leaves the gradients alone. norms (T,), if not NULL, receives at t the size of
   the gradient with respect to the state after step t: |dL/dh_t| for the RNN and the GRU,
   sqrt(|dL/dh_t|^2 + |dL/dc_t|^2) for the LSTM, whose state is the pair. */
void rec_backward(rec_net *net, const double *dy, int accumulate, double *norms);
void rec_zero_grads(rec_net *net);
/* Half the mean squared error of the outputs of the last forward pass against target (T,), over
   steps from..T-1; with dy not NULL, also its gradient dL/dy_t (zero before `from`). */
double rec_mse_loss(const rec_net *net, const double *target, int from, double *dy);
int rec_finite(const rec_net *net);

#endif
