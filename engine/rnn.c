/* rnn.c: the engine module of the chapter "Recurrent networks". Three recurrent cells of
 * engine/core/recurrent.h (a tanh RNN, an LSTM and a GRU, the same number of hidden units each)
 * learn side by side to predict a periodic series one step ahead. Every step each cell takes one
 * Adam step on the same window of the series (a random phase, backpropagation through the whole
 * window), then all three run over a fixed evaluation window, whose predictions, states and gates
 * the widget draws, and a second backward pass measures how the gradient of the last step's loss
 * shrinks (or holds) as it travels back through time.
 *
 * Shapes (doubles unless said):
 *   T   steps in a window (the `window` parameter, <= RNN_TMAX); I = 1 input per step
 *   H   hidden units of each cell (`hidden`, <= RNN_HMAX)
 *   K   the three cells, in the order RNN, LSTM, GRU (REC_RNN, REC_LSTM, REC_GRU)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "optim.h"
#include "recurrent.h"

#define RNN_TMAX 60
#define RNN_HMAX 16
#define RNN_K 3
#define RNN_HIST 512
#define RNN_BIG 1e6    /* a loss beyond this is reported as diverged */
#define RNN_LAG 20     /* the lag the readouts quote the gradient at */
#define RNN_PI 3.14159265358979323846

enum { RNN_SINE, RNN_MIX, RNN_SQUARE };

typedef struct {
    int series;        /* RNN_*; default mix */
    int period;        /* steps per period; default 20 */
    double noise;      /* standard deviation of the noise on the inputs; default 0.05 */
    int window;        /* T: steps unrolled, the length of backpropagation through time */
    int hidden;        /* H */
    double lr;         /* Adam's step size */
    double keep_bias;  /* starting bias of the LSTM's forget gate and the GRU's update gate */
    int show;          /* which cell's state and gates are drawn: a rec_kind */
} rnn_desc;

typedef struct {
    rec_net net[RNN_K];
    mlm_opt_state opt[RNN_K];
    mlm_opt_hyper hyper;
    int T, H;
    double xs[RNN_TMAX], ts[RNN_TMAX];     /* (T,) a training window: inputs, next values */
    double ex[RNN_TMAX], et[RNN_TMAX];     /* (T,) the evaluation window (fixed) */
    double dy[RNN_TMAX];                   /* (T,) dL/dy */
    double train_loss[RNN_K], eval_mse[RNN_K];
    double norms[RNN_K][RNN_TMAX];         /* (K, T) |dL_T/d state_t| / |dL_T/d state_T| */
    mlm_series loss_hist[RNN_K];           /* (HIST, 2) (step, evaluation MSE) */
    /* drawn, rewritten after every step */
    float series[2 * RNN_TMAX];            /* (T, 2) the next values the cells should predict */
    float pred[RNN_K][2 * RNN_TMAX];       /* (K, T, 2) each cell's predictions */
    float lag[RNN_K][2 * RNN_TMAX];        /* (K, T, 2) (lag, relative gradient norm) */
    float gates[5][2 * RNN_TMAX];          /* (5, T, 2) mean gate values: LSTM i f o, GRU z r */
    float state[RNN_HMAX * RNN_TMAX];      /* (H, T) the shown cell's state, row j = unit j */
    double g_at[RNN_K];                    /* relative gradient norm at lag min(RNN_LAG, T - 1) */
} rnn_state;

static const mlm_param rnn_params[] = {
    {"series", "Series", MLM_CHOICE, offsetof(rnn_desc, series), 0, 2, 1, RNN_MIX, 0,
     "sine:A sine|mix:Two sines|square:A square wave",
     "the periodic series the cells predict one step ahead"},
    {"period", "Period", MLM_INT, offsetof(rnn_desc, period), 4, 40, 1, 20, 0, NULL,
     "steps per period of the series"},
    {"noise", "Noise", MLM_FLOAT, offsetof(rnn_desc, noise), 0, 0.3, 0.01, 0.05, 0, NULL,
     "standard deviation of the Gaussian noise on every value the cells see"},
    {"window", "Unrolled steps", MLM_INT, offsetof(rnn_desc, window), 4, RNN_TMAX, 1, 40, 0, NULL,
     "steps in each training window: how far back through time the gradient is carried"},
    {"hidden", "Hidden units", MLM_INT, offsetof(rnn_desc, hidden), 1, RNN_HMAX, 1, 8, 0, NULL,
     "units in each cell's state"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(rnn_desc, lr), 1e-4, 0.3, 0, 0.01, 1, NULL,
     "Adam's step size, the same for the three cells"},
    {"keep_bias", "Keep-gate bias", MLM_FLOAT, offsetof(rnn_desc, keep_bias), -4, 6, 0.1, 2, 0,
     NULL, "starting bias of the LSTM's forget gate and the GRU's update gate: σ(bias) of the old state is kept"},
    {"show", "Show the state of", MLM_CHOICE, offsetof(rnn_desc, show), 0, 2, 1, REC_LSTM, 0,
     "rnn:The RNN|lstm:The LSTM|gru:The GRU", "whose state is drawn unrolled over time"},
};

enum { P_PRED, P_STATE, P_GATES, P_LAG, P_LOSS, RNN_N_PANELS };

static const mlm_panel rnn_panels[] = {
    [P_PRED] = {"pred", "One step ahead, on a fixed window", "step t", "x", 0, NULL},
    [P_STATE] = {"state", "The state hₜ unrolled (rows: units)", "step t", "unit", 0, NULL},
    [P_GATES] = {"gates", "Gates over time (mean over units)", "step t", "gate", 0, NULL},
    [P_LAG] = {"lag", "Gradient against lag", "lag k", "|∂L/∂sₜ₋ₖ| / |∂L/∂sₜ|",
               MLM_PANEL_LOG_Y | MLM_PANEL_AUTO_Y, NULL},
    [P_LOSS] = {"loss", "Error on the fixed window", "step", "MSE",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_SERIES, V_PRED0, V_STATE = V_PRED0 + RNN_K, V_GATE0,
    V_LAG0 = V_GATE0 + 5, V_LOSS0 = V_LAG0 + RNN_K,
    V_MSE0 = V_LOSS0 + RNN_K, V_G0 = V_MSE0 + RNN_K,
    RNN_N_VIEWS = V_G0 + RNN_K
};

static const mlm_view rnn_views[] = {
    [V_SERIES] = {"series", "pred", MLM_VIEW_CURVE, "series", MLM_INK, MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_PRED0 + 0] = {"pred_rnn", "pred", MLM_VIEW_CURVE, "RNN", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_PRED0 + 1] = {"pred_lstm", "pred", MLM_VIEW_CURVE, "LSTM", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_PRED0 + 2] = {"pred_gru", "pred", MLM_VIEW_CURVE, "GRU", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_STATE] = {"state_field", "state", MLM_VIEW_FIELD, "hₜ", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_GATE0 + 0] = {"gate_i", "gates", MLM_VIEW_CURVE, "LSTM input i", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_GATE0 + 1] = {"gate_f", "gates", MLM_VIEW_CURVE, "LSTM forget f", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_GATE0 + 2] = {"gate_o", "gates", MLM_VIEW_CURVE, "LSTM output o", MLM_PURPLE, MLM_VIEW_LEGEND},
    [V_GATE0 + 3] = {"gate_z", "gates", MLM_VIEW_CURVE, "GRU update z", MLM_GREEN, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_GATE0 + 4] = {"gate_r", "gates", MLM_VIEW_CURVE, "GRU reset r", MLM_SKY_BLUE, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_LAG0 + 0] = {"lag_rnn", "lag", MLM_VIEW_CURVE, "RNN", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_LAG0 + 1] = {"lag_lstm", "lag", MLM_VIEW_CURVE, "LSTM", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_LAG0 + 2] = {"lag_gru", "lag", MLM_VIEW_CURVE, "GRU", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_LOSS0 + 0] = {"loss_rnn", "loss", MLM_VIEW_CURVE, "RNN", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_LOSS0 + 1] = {"loss_lstm", "loss", MLM_VIEW_CURVE, "LSTM", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_LOSS0 + 2] = {"loss_gru", "loss", MLM_VIEW_CURVE, "GRU", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_MSE0 + 0] = {"mse_rnn", NULL, MLM_VIEW_SCALAR, "RNN MSE", 0, 0},
    [V_MSE0 + 1] = {"mse_lstm", NULL, MLM_VIEW_SCALAR, "LSTM MSE", 0, 0},
    [V_MSE0 + 2] = {"mse_gru", NULL, MLM_VIEW_SCALAR, "GRU MSE", 0, 0},
    [V_G0 + 0] = {"g20_rnn", "lag", MLM_VIEW_SCALAR, "RNN at lag 20", 0, 0},
    [V_G0 + 1] = {"g20_lstm", "lag", MLM_VIEW_SCALAR, "LSTM at lag 20", 0, 0},
    [V_G0 + 2] = {"g20_gru", "lag", MLM_VIEW_SCALAR, "GRU at lag 20", 0, 0},
};

_Static_assert(MLM_COUNT(rnn_views) == RNN_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(rnn_panels) == RNN_N_PANELS, "one declaration per panel");

#define RNN_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define RNN_STATE_BYTES                                                                         \
    (RNN_A16(sizeof(rnn_state)) + RNN_K * RNN_A16(sizeof(float) * 2 * RNN_HIST) +               \
     REC_BYTES(1, 1, RNN_HMAX, RNN_TMAX) + REC_BYTES(4, 1, RNN_HMAX, RNN_TMAX) +                \
     REC_BYTES(3, 1, RNN_HMAX, RNN_TMAX) + RNN_A16(mlm_opt_bytes_max_(REC_PARAMS(1, 1, RNN_HMAX))) + \
     RNN_A16(mlm_opt_bytes_max_(REC_PARAMS(4, 1, RNN_HMAX))) +                                   \
     RNN_A16(mlm_opt_bytes_max_(REC_PARAMS(3, 1, RNN_HMAX))))
/* mlm_opt_bytes(n) is 3 n doubles (Adadelta's three buffers, the most any rule takes) */
#define mlm_opt_bytes_max_(n) (3 * sizeof(double) * (size_t)(n))

static const char *const rnn_cell_name[RNN_K] = {"RNN", "LSTM", "GRU"};

//> series
/* The series at (real) time t: one period every `period` steps. */
static double rnn_series(int kind, int period, double t) {
    double w = 2 * RNN_PI * t / period;
    switch (kind) {
    case RNN_SINE: return mlm_sin(w);
    case RNN_SQUARE: { /* +1 for the first half of each period, -1 for the second */
        double p = t / period - floor(t / period);
        return p < 0.5 ? 1.0 : -1.0;
    }
    default: return 0.7 * mlm_sin(w) + 0.3 * mlm_sin(3 * w + 1);
    }
}
//< series

/* T + 1 values from time t0 with noise; x = the first T, target = the last T. */
static void rnn_window(const rnn_desc *d, mlm_rng *rng, double t0, int T, double *x, double *target) {
    double prev = rnn_series(d->series, d->period, t0) + d->noise * mlm_rng_normal(rng);
    for (int t = 0; t < T; t++) {
        double next = rnn_series(d->series, d->period, t0 + t + 1) + d->noise * mlm_rng_normal(rng);
        x[t] = prev, target[t] = next;
        prev = next;
    }
}

static float rnn_f(double v) { return (float)v; }

/* Run every cell over the evaluation window and fill what is drawn from it; then the lag probe:
   backpropagate the loss of the last step alone and keep the state gradient's size at every step,
   relative to its size at the last step. */
static void rnn_evaluate(const rnn_desc *d, rnn_state *s) {
    int T = s->T, H = s->H;
    for (int k = 0; k < RNN_K; k++) {
        rec_net *net = &s->net[k];
        rec_forward(net, s->ex, T);
        s->eval_mse[k] = 2 * rec_mse_loss(net, s->et, 0, NULL);
        for (int t = 0; t < T; t++) s->pred[k][2 * t] = (float)(t + 1), s->pred[k][2 * t + 1] = rnn_f(net->y[t]);
        //> lag_probe
        /* dL/dy = 1 at the last step and 0 before it: the gradient that reaches the state k steps
           back is the product of k Jacobians of the cell */
        for (int t = 0; t < T; t++) s->dy[t] = t == T - 1;
        double norms[RNN_TMAX];
        rec_backward(net, s->dy, 0, norms);
        //< lag_probe
        double n0 = norms[T - 1] > 0 ? norms[T - 1] : 1;
        for (int lag = 0; lag < T; lag++) {
            double r = norms[T - 1 - lag] / n0;
            s->norms[k][lag] = r;
            s->lag[k][2 * lag] = (float)lag;
            s->lag[k][2 * lag + 1] = r > 1e-30 ? rnn_f(r) : 1e-30f;
        }
        int at = RNN_LAG < T - 1 ? RNN_LAG : T - 1;
        s->g_at[k] = s->norms[k][at];
        if (k == d->show)
            for (int j = 0; j < H; j++)
                for (int t = 0; t < T; t++) s->state[j * T + t] = rnn_f(net->h[(size_t)(t + 1) * H + j]);
        if (k == REC_LSTM || k == REC_GRU) {
            int G = net->G, first = k == REC_LSTM ? 0 : 3;
            const int blocks_lstm[3] = {0, 1, 3}, blocks_gru[2] = {0, 1};
            int nb = k == REC_LSTM ? 3 : 2;
            for (int q = 0; q < nb; q++) {
                int blk = k == REC_LSTM ? blocks_lstm[q] : blocks_gru[q];
                for (int t = 0; t < T; t++) {
                    double m = 0;
                    for (int j = 0; j < H; j++) m += net->a[(size_t)t * G * H + blk * H + j];
                    s->gates[first + q][2 * t] = (float)(t + 1);
                    s->gates[first + q][2 * t + 1] = rnn_f(m / H);
                }
            }
        }
    }
    for (int t = 0; t < T; t++) s->series[2 * t] = (float)(t + 1), s->series[2 * t + 1] = rnn_f(s->et[t]);
}

static void *rnn_create(mlm_instance *in) {
    const rnn_desc *d = in->desc;
    rnn_state *s = mlm_alloc(in, sizeof(rnn_state));
    if (!s) return NULL;
    s->T = d->window, s->H = d->hidden;
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    for (int k = 0; k < RNN_K; k++) {
        if (mlm_series_init(in, &s->loss_hist[k], RNN_HIST) != 0) return NULL;
        if (rec_init(in, &s->net[k], k, 1, s->H, RNN_TMAX) != 0) return NULL;
        rec_init_params(&s->net[k], &in->rng, d->keep_bias);
        double *buf = mlm_alloc(in, mlm_opt_bytes(s->net[k].n_params));
        if (!buf) return NULL;
        mlm_opt_init(&s->opt[k], buf, s->net[k].n_params);
    }
    /* the evaluation window: one fixed stretch of the series with its own noise */
    rnn_window(d, &in->rng, 0, s->T, s->ex, s->et);
    rnn_evaluate(d, s);
    for (int k = 0; k < RNN_K; k++) mlm_series_push(&s->loss_hist[k], 0, s->eval_mse[k]);
    return s;
}

static void rnn_step(mlm_instance *in, void *self) {
    const rnn_desc *d = in->desc;
    rnn_state *s = self;
    //> train_step
    /* a window at a random phase, the same for the three cells; one Adam step each on the
       gradient of the window's loss, backpropagated through all T steps */
    double t0 = mlm_rng_below(&in->rng, (uint32_t)d->period);
    rnn_window(d, &in->rng, t0, s->T, s->xs, s->ts);
    for (int k = 0; k < RNN_K; k++) {
        rec_net *net = &s->net[k];
        rec_forward(net, s->xs, s->T);
        s->train_loss[k] = rec_mse_loss(net, s->ts, 0, s->dy);
        rec_zero_grads(net);
        rec_backward(net, s->dy, 1, NULL);
        mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt[k], net->params, net->grads, net->n_params);
    }
    //< train_step
    long long step = (long long)in->steps + 1;
    for (int k = 0; k < RNN_K; k++)
        if (!rec_finite(&s->net[k]) || !mlm_isfinite(s->train_loss[k]) || s->train_loss[k] > RNN_BIG) {
            mlm_diverged(in, 1, "The %s's weights became too large at step %lld: a learning rate "
                         "of %.3g is too large. Try a smaller one.", rnn_cell_name[k], step, d->lr);
            return;
        }
    rnn_evaluate(d, s);
    for (int k = 0; k < RNN_K; k++) mlm_series_push(&s->loss_hist[k], (double)step, s->eval_mse[k]);
}

static void rnn_draw(mlm_instance *in, void *self) {
    const rnn_desc *d = in->desc;
    rnn_state *s = self;
    mlm_view_state *v = in->views;
    int T = s->T, H = s->H;
    v[V_SERIES].data = s->series, v[V_SERIES].count = T;
    for (int k = 0; k < RNN_K; k++) {
        v[V_PRED0 + k].data = s->pred[k], v[V_PRED0 + k].count = T;
        v[V_LAG0 + k].data = s->lag[k], v[V_LAG0 + k].count = T;
        mlm_series_view(in, V_LOSS0 + k, &s->loss_hist[k]);
        v[V_MSE0 + k].value = rnn_f(s->eval_mse[k]);
        v[V_G0 + k].value = rnn_f(s->g_at[k]);
    }
    for (int q = 0; q < 5; q++) v[V_GATE0 + q].data = s->gates[q], v[V_GATE0 + q].count = T;
    uint32_t version = (uint32_t)(in->steps + 1) * 2654435761u ^ (uint32_t)in->seed * 40503u;
    mlm_field_view(in, V_STATE, s->state, T, H, 0.5, T + 0.5, 0.5, H + 0.5, version);
    v[V_STATE].lo = -1, v[V_STATE].hi = 1;
    double ymax = d->series == RNN_SQUARE ? 1.6 : 1.4;
    in->panels[P_PRED] = (mlm_panel_state){0.5f, (float)T + 0.5f, (float)-ymax, (float)ymax, 0};
    in->panels[P_STATE] = (mlm_panel_state){0.5f, (float)T + 0.5f, 0.5f, (float)H + 0.5f, 0};
    in->panels[P_GATES] = (mlm_panel_state){0.5f, (float)T + 0.5f, 0, 1, 0};
    in->panels[P_LAG] = (mlm_panel_state){0, (float)(T - 1), 1e-8f, 10, 0};
}

const mlm_module mlm_module_rnn = {
    .name = "rnn",
    .title = "Recurrent networks",
    .params = rnn_params,
    .n_params = MLM_COUNT(rnn_params),
    .desc_size = sizeof(rnn_desc),
    .panels = rnn_panels,
    .n_panels = RNN_N_PANELS,
    .views = rnn_views,
    .n_views = RNN_N_VIEWS,
    .state_bytes = RNN_STATE_BYTES,
    .const_bytes = 0,
    .speed = 60,
    .t_max = 6000,
    .random = 1,
    .worker = 1,
    .create = rnn_create,
    .step = rnn_step,
    .draw = rnn_draw,
};
