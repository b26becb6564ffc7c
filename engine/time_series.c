/* time_series.c: the engine module of the chapter "Forecasting a time series". A monthly series
 * (Mauna Loa CO2, the airline passengers, or a synthetic trend plus season plus noise) is split in
 * time: every forecast is made at an origin t from the values y_0 .. y_t alone, for the value h
 * months later, and is scored against the last `test` months. Five forecasters:
 *   naive            y_t
 *   seasonal naive   the same month of the last season already seen: y_{t + h - 12 ceil(h/12)}
 *   moving average   the mean of the last w values
 *   AR(p)            a linear autoregression on the (optionally differenced) series, fitted by
 *                    least squares (engine/core/lstsq.c), forecast recursively h steps
 *   RNN              a recurrent cell of chapter 23 (engine/core/recurrent.c) trained to predict
 *                    the next differenced value, fed its own outputs for h > 1
 * With the fixed split every model is fitted once, on the data up to the first origin; with the
 * roll-forward split the AR model is refitted at every origin on all the data up to it (the RNN is
 * always trained once: refitting it at every origin is beyond a frame's budget). A step is one
 * Adam step of the RNN; the other forecasters are exact and computed when the run starts.
 *
 * Shapes (doubles unless said):
 *   N   months in the series (<= TS_NMAX); M = 12 months a season
 *   E   test months = origins (the `test` parameter); o0 = N - E - h + 1 ... the first origin
 *   K   forecasters (TS_K), in the order above
 *   W   steps the RNN reads before forecasting (TS_W)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "lstsq.h"
#include "mlm.h"
#include "optim.h"
#include "recurrent.h"
#include "series.h"

#define TS_NMAX MLM_MONTHLY_MAX
#define TS_SYN_N 240      /* months of the synthetic series */
#define TS_M 12
#define TS_K 5
#define TS_PMAX 24
#define TS_W 24           /* RNN: steps read before a forecast, and the training window */
#define TS_HMAX 24
#define TS_HIDDEN_MAX 16
#define TS_HIST 512
#define TS_EVERY 10       /* the RNN's forecasts are recomputed every this many steps */
#define TS_TEXT 160
#define TS_PI 3.14159265358979323846

enum { TS_CO2, TS_AIR, TS_SYN };
enum { TS_NAIVE, TS_SNAIVE, TS_MA, TS_AR, TS_RNN };
enum { TS_DIFF_NONE, TS_DIFF_FIRST, TS_DIFF_SEASONAL };
enum { TS_FIXED, TS_ROLLING };

typedef struct {
    int data;          /* TS_CO2, TS_AIR, TS_SYN */
    double trend;      /* synthetic: rise per month */
    double season;     /* synthetic: amplitude of the yearly cycle */
    double noise;      /* synthetic: standard deviation of the noise */
    int test;          /* E: months held out */
    int horizon;       /* h */
    int split;         /* TS_FIXED or TS_ROLLING */
    int window;        /* w of the moving averages */
    int diff;          /* what the AR and the RNN model: the series, its differences, its seasonal ones */
    int order;         /* p */
    int cell;          /* the RNN's cell: a rec_kind */
    int hidden;
    double lr;
} ts_desc;

typedef struct {
    int N, E, h, o0, lag;     /* lag: 0, 1 or 12 (the differencing) */
    double *y;                /* (N,) the series (constant block) */
    double x0, dx;            /* time of y_0 in years, and a month */
    double ar[TS_PMAX + 1];   /* (p + 1,) the fixed split's AR coefficients: intercept, a_1..a_p */
    double fc[TS_K][TS_NMAX]; /* (K, E) forecasts of the test months, by target */
    double mae[TS_K], mse[TS_K];
    /* the RNN */
    rec_net net;
    mlm_opt_state opt;
    mlm_opt_hyper hyper;
    double zmean, zsd;        /* of the modelled series up to the first origin */
    double win_x[TS_W + TS_HMAX], win_t[TS_W]; /* (W + h,) inputs; (W,) targets */
    double dy[TS_W + TS_HMAX];
    double loss;
    mlm_series loss_hist;     /* (HIST, 2) (step, training loss) */
    /* drawn */
    float *ycurve;            /* (N, 2) the series */
    float *zcurve;            /* (N, 2) the modelled (differenced) series */
    float *cma;               /* (N, 2) the centred moving average where it exists */
    int n_cma;
    float fcurve[TS_K][2 * TS_NMAX]; /* (K, E, 2) forecasts against time */
    float split_seg[4];       /* (1, 4) where the test months begin */
    float bars[2 * TS_K];     /* (K, 2) (k, error) */
    float bar_labels[2 * TS_K];
    char labels[TS_TEXT];
    double ylo, yhi, zlo, zhi;
    double qlo, qhi;          /* the zoom's value range: the test months and their forecasts */
    double errmax;            /* the bars' range */
} ts_state;

static const mlm_param ts_params[] = {
    {"data", "Series", MLM_CHOICE, offsetof(ts_desc, data), 0, 2, 1, TS_CO2, 0,
     "co2:Mauna Loa CO₂|air:Airline passengers|synthetic:Synthetic",
     "the monthly series to forecast"},
    {"trend", "Trend", MLM_FLOAT, offsetof(ts_desc, trend), -1, 1, 0.01, 0.2, 0, NULL,
     "synthetic series: the rise per month"},
    {"season", "Season", MLM_FLOAT, offsetof(ts_desc, season), 0, 20, 0.1, 5, 0, NULL,
     "synthetic series: the amplitude of the yearly cycle"},
    {"noise", "Noise", MLM_FLOAT, offsetof(ts_desc, noise), 0, 10, 0.1, 1, 0, NULL,
     "synthetic series: the standard deviation of the noise added to every month"},
    {"test", "Test months", MLM_INT, offsetof(ts_desc, test), 12, 120, 1, 48, 0, NULL,
     "how many months at the end are forecast and scored"},
    {"horizon", "Horizon h", MLM_INT, offsetof(ts_desc, horizon), 1, TS_HMAX, 1, 1, 0, NULL,
     "months between the last value a forecast may use and the month it forecasts"},
    {"split", "Split", MLM_CHOICE, offsetof(ts_desc, split), 0, 1, 1, TS_FIXED, 0,
     "fixed:Fixed|rolling:Roll forward",
     "fixed: the AR model is fitted once, up to the first origin; roll forward: refitted at every origin"},
    {"window", "Moving-average window w", MLM_INT, offsetof(ts_desc, window), 2, 24, 1, 12, 0,
     NULL, "months averaged by the trailing and the centred moving averages"},
    {"diff", "Model", MLM_CHOICE, offsetof(ts_desc, diff), 0, 2, 1, TS_DIFF_SEASONAL, 0,
     "none:The series|first:Differences|seasonal:Seasonal differences",
     "what the AR model and the RNN fit: y_t, y_t − y_{t−1} or y_t − y_{t−12}"},
    {"order", "AR order p", MLM_INT, offsetof(ts_desc, order), 1, TS_PMAX, 1, 3, 0, NULL,
     "how many past values the autoregression reads"},
    {"cell", "RNN cell", MLM_CHOICE, offsetof(ts_desc, cell), 0, 2, 1, REC_GRU, 0,
     "rnn:Tanh RNN|lstm:LSTM|gru:GRU", "the recurrent cell of chapter 23 used as a forecaster"},
    {"hidden", "RNN hidden units", MLM_INT, offsetof(ts_desc, hidden), 1, TS_HIDDEN_MAX, 1, 8, 0,
     NULL, "units in the recurrent cell's state"},
    {"lr", "RNN learning rate", MLM_FLOAT, offsetof(ts_desc, lr), 1e-4, 0.1, 0, 0.01, 1, NULL,
     "Adam's step size for the recurrent cell"},
};

static const mlm_when ts_when[] = {
    {"trend", "data=synthetic"},
    {"season", "data=synthetic"},
    {"noise", "data=synthetic"},
};

enum { P_SERIES, P_ZOOM, P_DIFF, P_ERR, P_LOSS, TS_N_PANELS };

static const mlm_panel ts_panels[] = {
    [P_SERIES] = {"series", "The whole series, and where the test months begin", "year", "value",
                  MLM_PANEL_WIDE, NULL},
    [P_ZOOM] = {"zoom", "The test months: each forecast made h months before", "year", "value",
                MLM_PANEL_WIDE, NULL},
    [P_DIFF] = {"diff", "What the AR model and the RNN see", "year", "", 0, NULL},
    [P_ERR] = {"errors", "Mean absolute error on the test months", "", "MAE", 0, NULL},
    [P_LOSS] = {"loss", "RNN training loss", "step", "loss",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_Y, V_CMA, V_SPLIT, V_YZOOM, V_F0, V_Z = V_F0 + TS_K, V_BARS, V_LABELS, V_LOSS,
    V_MAE0, V_MSE0 = V_MAE0 + TS_K, TS_N_VIEWS = V_MSE0 + TS_K
};

static const mlm_view ts_views[] = {
    [V_Y] = {"y", "series", MLM_VIEW_CURVE, "series", MLM_INK, MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_CMA] = {"centred", "series", MLM_VIEW_CURVE, "centred moving average (uses the future)", MLM_ORANGE,
               MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    [V_SPLIT] = {"split", "series", MLM_VIEW_SEGMENTS, "", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_YZOOM] = {"y_test", "zoom", MLM_VIEW_CURVE, "series", MLM_INK, MLM_VIEW_LEGEND},
    [V_F0 + 0] = {"f_naive", "zoom", MLM_VIEW_CURVE, "naive", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_F0 + 1] = {"f_snaive", "zoom", MLM_VIEW_CURVE, "seasonal naive", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_F0 + 2] = {"f_ma", "zoom", MLM_VIEW_CURVE, "moving average", MLM_PURPLE, MLM_VIEW_LEGEND},
    [V_F0 + 3] = {"f_ar", "zoom", MLM_VIEW_CURVE, "AR(p)", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_F0 + 4] = {"f_rnn", "zoom", MLM_VIEW_CURVE, "RNN", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_Z] = {"z", "diff", MLM_VIEW_CURVE, "modelled series", MLM_GREEN, 0},
    [V_BARS] = {"bars", "errors", MLM_VIEW_BARS, "MAE", MLM_BLUE, 0},
    [V_LABELS] = {"bar_names", "errors", MLM_VIEW_LABELS, "", MLM_INK, 0},
    [V_LOSS] = {"loss_curve", "loss", MLM_VIEW_CURVE, "loss", MLM_VERMILION, 0},
    [V_MAE0 + 0] = {"mae_naive", NULL, MLM_VIEW_SCALAR, "naive MAE", 0, 0},
    [V_MAE0 + 1] = {"mae_snaive", NULL, MLM_VIEW_SCALAR, "seasonal naive MAE", 0, 0},
    [V_MAE0 + 2] = {"mae_ma", NULL, MLM_VIEW_SCALAR, "moving average MAE", 0, 0},
    [V_MAE0 + 3] = {"mae_ar", NULL, MLM_VIEW_SCALAR, "AR MAE", 0, 0},
    [V_MAE0 + 4] = {"mae_rnn", NULL, MLM_VIEW_SCALAR, "RNN MAE", 0, 0},
    [V_MSE0 + 0] = {"mse_naive", "errors", MLM_VIEW_SCALAR, "naive MSE", 0, 0},
    [V_MSE0 + 1] = {"mse_snaive", "errors", MLM_VIEW_SCALAR, "seasonal naive MSE", 0, 0},
    [V_MSE0 + 2] = {"mse_ma", "errors", MLM_VIEW_SCALAR, "moving average MSE", 0, 0},
    [V_MSE0 + 3] = {"mse_ar", "errors", MLM_VIEW_SCALAR, "AR MSE", 0, 0},
    [V_MSE0 + 4] = {"mse_rnn", "errors", MLM_VIEW_SCALAR, "RNN MSE", 0, 0},
};

_Static_assert(MLM_COUNT(ts_views) == TS_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(ts_panels) == TS_N_PANELS, "one declaration per panel");

#define TS_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define TS_STATE_BYTES                                                                        \
    (TS_A16(sizeof(ts_state)) + TS_A16(sizeof(float) * 2 * TS_HIST) +                         \
     REC_BYTES(4, 1, TS_HIDDEN_MAX, TS_W + TS_HMAX) +                                         \
     TS_A16(3 * sizeof(double) * REC_PARAMS(4, 1, TS_HIDDEN_MAX)))
#define TS_CONST_BYTES (TS_A16(sizeof(double) * TS_NMAX) + 3 * TS_A16(sizeof(float) * 2 * TS_NMAX))


static int ts_lag(int diff) { return diff == TS_DIFF_FIRST ? 1 : diff == TS_DIFF_SEASONAL ? TS_M : 0; }

//> differencing
/* The modelled series z at time s: y_s itself, or its difference from lag months before. */
static double ts_z(const double *y, int lag, int s) { return lag ? y[s] - y[s - lag] : y[s]; }
//< differencing

//> ar_fit
/* Fit z_s = a_0 + a_1 z_{s-1} + ... + a_p z_{s-p} by least squares over every s whose inputs are
   in the data up to and including month `last`: rows s = lag + p .. last. Returns the rows. */
static int ts_ar_fit(double *a /* (p + 1,) */, const double *y, int last, int lag, int p) {
    static double X[TS_NMAX * (TS_PMAX + 1)], t[TS_NMAX]; /* (rows, p + 1), (rows,) */
    int rows = 0;
    for (int s = lag + p; s <= last; s++, rows++) {
        X[rows * (p + 1)] = 1;
        for (int i = 1; i <= p; i++) X[rows * (p + 1) + i] = ts_z(y, lag, s - i);
        t[rows] = ts_z(y, lag, s);
    }
    if (rows < 1) {
        for (int i = 0; i <= p; i++) a[i] = 0;
        return 0;
    }
    lsq_solve(a, X, p + 1, t, rows, p + 1);
    return rows;
}
//< ar_fit

//> ar_forecast
/* From origin t, extend the series h months by the AR recursion on z, undoing the differencing
   as it goes: y_{t+j} = y_{t+j-lag} + z_{t+j}. Reads y_0 .. y_t only. */
static double ts_ar_forecast(const double *a, const double *y, int t, int h, int lag, int p) {
    double ext[TS_NMAX + TS_HMAX]; /* y, then the forecasts; only indexes <= t + h are read */
    int from = t - lag - p - 1 > 0 ? t - lag - p - 1 : 0;
    for (int s = from; s <= t; s++) ext[s] = y[s];
    for (int j = 1; j <= h; j++) {
        int s = t + j;
        double z = a[0];
        for (int i = 1; i <= p; i++) z += a[i] * (s - i - lag >= 0 ? ts_z(ext, lag, s - i) : 0);
        ext[s] = lag ? ext[s - lag] + z : z;
    }
    return ext[t + h];
}
//< ar_forecast

/* The RNN's forecast from origin t: read the last W values of z (scaled), then feed its own
   outputs for h - 1 more steps; undo the scaling and the differencing. Reads y_0 .. y_t only. */
static double ts_rnn_forecast(ts_state *s, const double *y, int t, int h) {
    int lag = s->lag, first = t - TS_W + 1;
    if (first < lag) first = lag;
    int n = t - first + 1;
    if (n < 1) return y[t];
    double yy[TS_NMAX + TS_HMAX]; /* y over the last lag months, then the forecasts */
    for (int q = 0; q < n; q++) s->win_x[q] = (ts_z(y, lag, first + q) - s->zmean) / s->zsd;
    rec_forward(&s->net, s->win_x, n);
    int lo = t - lag > 0 ? t - lag : 0;
    for (int q = lo; q <= t; q++) yy[q] = y[q];
    for (int j = 1; j <= h; j++) {
        double zs = s->net.y[n + j - 2];               /* the prediction of z_{t+j}, scaled */
        double z = zs * s->zsd + s->zmean;
        yy[t + j] = lag ? yy[t + j - lag] + z : z;
        if (j < h) {
            s->win_x[n + j - 1] = zs;
            rec_forward_more(&s->net, s->win_x, n + j);
        }
    }
    return yy[t + h];
}

//> forecasts
/* Every forecaster's forecast of every test month, made at origin t = target - h from y_0..y_t. */
static void ts_forecast_all(ts_state *s, const ts_desc *d, const double *y, int with_rnn) {
    int h = s->h, lag = s->lag, p = d->order, w = d->window;
    for (int e = 0; e < s->E; e++) {
        int target = s->N - s->E + e, t = target - h;
        s->fc[TS_NAIVE][e] = y[t];
        s->fc[TS_SNAIVE][e] = y[target - TS_M * ((h + TS_M - 1) / TS_M)];
        double m = 0;
        int k0 = t - w + 1 > 0 ? t - w + 1 : 0;
        for (int k = k0; k <= t; k++) m += y[k];
        s->fc[TS_MA][e] = m / (t - k0 + 1);
        double a[TS_PMAX + 1];
        if (d->split == TS_ROLLING) ts_ar_fit(a, y, t, lag, p);
        else memcpy(a, s->ar, sizeof(double) * (p + 1));
        s->fc[TS_AR][e] = ts_ar_forecast(a, y, t, h, lag, p);
        if (with_rnn) s->fc[TS_RNN][e] = ts_rnn_forecast(s, y, t, h);
    }
}
//< forecasts

//> errors
static void ts_errors(ts_state *s) {
    for (int k = 0; k < TS_K; k++) {
        double ae = 0, se = 0;
        for (int e = 0; e < s->E; e++) {
            double err = s->y[s->N - s->E + e] - s->fc[k][e];
            ae += fabs(err), se += err * err;
        }
        s->mae[k] = ae / s->E, s->mse[k] = se / s->E;
    }
}
//< errors

//> centred_ma
/* The centred moving average at s: w odd, the mean of y_{s-k} .. y_{s+k} (k = (w-1)/2); w even,
   the 2 x w average, halves at both ends, so it is centred on s. It needs k months after s: at
   the last k months of the data it does not exist, and so it can never forecast. */
static int ts_centred(double *out, const double *y, int N, int s, int w) {
    int k = w / 2;
    if (s - k < 0 || s + k >= N) return 0;
    double m = 0;
    if (w % 2) for (int q = -k; q <= k; q++) m += y[s + q];
    else {
        m = 0.5 * (y[s - k] + y[s + k]);
        for (int q = -k + 1; q <= k - 1; q++) m += y[s + q];
    }
    *out = m / w;
    return 1;
}
//< centred_ma

/* The zoom's and the bars' ranges: from the series over the zoomed months and the four exact
   forecasters (the RNN's forecasts move while it trains; the range does not follow them). */
static void ts_ranges(ts_state *s) {
    double lo = INFINITY, hi = -INFINITY, em = 0;
    for (int t = s->N - s->E - TS_M; t < s->N; t++) lo = fmin(lo, s->y[t]), hi = fmax(hi, s->y[t]);
    for (int k = 0; k < TS_RNN; k++) {
        for (int e = 0; e < s->E; e++)
            if (mlm_isfinite(s->fc[k][e])) lo = fmin(lo, s->fc[k][e]), hi = fmax(hi, s->fc[k][e]);
        em = fmax(em, s->mae[k]);
    }
    double pad = 0.08 * (hi - lo) + 1e-6;
    s->qlo = lo - pad, s->qhi = hi + pad;
    s->errmax = em > 0 && mlm_isfinite(em) ? em : 1;
}

static void ts_rnn_refresh(ts_state *s, const ts_desc *d) {
    for (int e = 0; e < s->E; e++) {
        int target = s->N - s->E + e;
        s->fc[TS_RNN][e] = ts_rnn_forecast(s, s->y, target - s->h, s->h);
    }
    (void)d;
    ts_errors(s);
    for (int e = 0; e < s->E; e++) {
        double v = s->fc[TS_RNN][e];
        s->fcurve[TS_RNN][2 * e + 1] = (float)(mlm_isfinite(v) ? mlm_clamp(v, -1e30, 1e30) : 0);
    }
}

static void *ts_create(mlm_instance *in) {
    const ts_desc *d = in->desc;
    ts_state *s = mlm_alloc(in, sizeof(ts_state));
    if (!s) return NULL;
    if (mlm_series_init(in, &s->loss_hist, TS_HIST) != 0) return NULL;
    const mlm_monthly *src = d->data == TS_CO2 ? &mlm_series_co2 : d->data == TS_AIR ? &mlm_series_air : NULL;
    s->N = src ? src->n : TS_SYN_N;
    s->x0 = src ? src->first_year : 2000;
    s->dx = 1.0 / TS_M;
    s->y = mlm_alloc_const(in, sizeof(double) * TS_NMAX);
    s->ycurve = mlm_alloc_const(in, sizeof(float) * 2 * TS_NMAX);
    s->zcurve = mlm_alloc_const(in, sizeof(float) * 2 * TS_NMAX);
    s->cma = mlm_alloc_const(in, sizeof(float) * 2 * TS_NMAX);
    if (!s->y || !s->ycurve || !s->zcurve || !s->cma) return NULL;
    //> synthetic
    for (int t = 0; t < s->N; t++)
        s->y[t] = src ? src->v[t]
                      : 100 + d->trend * t + d->season * mlm_sin(2 * TS_PI * t / TS_M) +
                            d->noise * mlm_rng_normal(&in->rng);
    //< synthetic
    s->h = d->horizon, s->lag = ts_lag(d->diff);
    s->E = d->test;
    s->o0 = s->N - s->E - s->h; /* the first origin */
    if (s->o0 < s->lag + d->order + 2 * TS_M) {
        mlm_fail(in, "Too little data before the first forecast: %d test months and a horizon of "
                 "%d leave %d months to fit on. Hold out fewer months.", s->E, s->h, s->o0 + 1);
        return NULL;
    }
    ts_ar_fit(s->ar, s->y, s->o0, s->lag, d->order);
    /* the RNN: trained on z up to the first origin, standardised by its mean and spread there */
    double m = 0, v = 0;
    int cnt = 0;
    for (int t = s->lag; t <= s->o0; t++, cnt++) m += ts_z(s->y, s->lag, t);
    m /= cnt;
    for (int t = s->lag; t <= s->o0; t++) v += (ts_z(s->y, s->lag, t) - m) * (ts_z(s->y, s->lag, t) - m);
    s->zmean = m, s->zsd = sqrt(v / cnt) > 1e-9 ? sqrt(v / cnt) : 1;
    if (rec_init(in, &s->net, d->cell, 1, d->hidden, TS_W + TS_HMAX) != 0) return NULL;
    rec_init_params(&s->net, &in->rng, 1);
    double *buf = mlm_alloc(in, mlm_opt_bytes(s->net.n_params));
    if (!buf) return NULL;
    mlm_opt_init(&s->opt, buf, s->net.n_params);
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    ts_forecast_all(s, d, s->y, 1);
    ts_errors(s);
    /* what is drawn and never changes during the run */
    double lo = INFINITY, hi = -INFINITY, zlo = INFINITY, zhi = -INFINITY;
    s->n_cma = 0;
    for (int t = 0; t < s->N; t++) {
        double x = s->x0 + t * s->dx, c;
        s->ycurve[2 * t] = (float)x, s->ycurve[2 * t + 1] = (float)s->y[t];
        lo = fmin(lo, s->y[t]), hi = fmax(hi, s->y[t]);
        double z = t >= s->lag ? ts_z(s->y, s->lag, t) : 0;
        s->zcurve[2 * t] = (float)x, s->zcurve[2 * t + 1] = (float)z;
        zlo = fmin(zlo, z), zhi = fmax(zhi, z);
        if (ts_centred(&c, s->y, s->N, t, d->window))
            s->cma[2 * s->n_cma] = (float)x, s->cma[2 * s->n_cma + 1] = (float)c, s->n_cma++;
    }
    double pad = 0.05 * (hi - lo) + 1e-6, zpad = 0.05 * (zhi - zlo) + 1e-6;
    s->ylo = lo - pad, s->yhi = hi + pad, s->zlo = zlo - zpad, s->zhi = zhi + zpad;
    for (int k = 0; k < TS_K; k++)
        for (int e = 0; e < s->E; e++) {
            double v2 = s->fc[k][e];
            s->fcurve[k][2 * e] = (float)(s->x0 + (s->N - s->E + e) * s->dx);
            s->fcurve[k][2 * e + 1] = (float)(mlm_isfinite(v2) ? mlm_clamp(v2, -1e30, 1e30) : 0);
        }
    ts_ranges(s);
    float xs = (float)(s->x0 + (s->N - s->E - 0.5) * s->dx);
    s->split_seg[0] = xs, s->split_seg[1] = (float)s->ylo, s->split_seg[2] = xs, s->split_seg[3] = (float)s->yhi;
    return s;
}

static void ts_step(mlm_instance *in, void *self) {
    const ts_desc *d = in->desc;
    ts_state *s = self;
    //> rnn_step
    /* a window of W + 1 consecutive values of z, all at or before the first origin */
    int lo = s->lag, hi = s->o0 - TS_W; /* the window's first month */
    int start = hi > lo ? lo + (int)mlm_rng_below(&in->rng, (uint32_t)(hi - lo + 1)) : lo;
    int T = s->o0 - start < TS_W ? s->o0 - start : TS_W;
    for (int q = 0; q < T; q++) {
        s->win_x[q] = (ts_z(s->y, s->lag, start + q) - s->zmean) / s->zsd;
        s->win_t[q] = (ts_z(s->y, s->lag, start + q + 1) - s->zmean) / s->zsd;
    }
    rec_forward(&s->net, s->win_x, T);
    s->loss = rec_mse_loss(&s->net, s->win_t, 0, s->dy);
    rec_zero_grads(&s->net);
    rec_backward(&s->net, s->dy, 1, NULL);
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt, s->net.params, s->net.grads, s->net.n_params);
    //< rnn_step
    long long k = (long long)in->steps + 1;
    if (!rec_finite(&s->net) || !mlm_isfinite(s->loss) || s->loss > 1e6) {
        mlm_diverged(in, 1, "The RNN's weights became too large at step %lld: a learning rate of "
                     "%.3g is too large. Try a smaller one.", k, d->lr);
        return;
    }
    mlm_series_push(&s->loss_hist, (double)k, s->loss);
    if (k % TS_EVERY == 0) ts_rnn_refresh(s, d);
}

static void ts_draw(mlm_instance *in, void *self) {
    ts_state *s = self;
    mlm_view_state *v = in->views;
    v[V_Y].data = s->ycurve, v[V_Y].count = s->N;
    int z0 = s->N - s->E - TS_M;
    v[V_YZOOM].data = s->ycurve + 2 * z0, v[V_YZOOM].count = s->N - z0;
    v[V_CMA].data = s->cma, v[V_CMA].count = s->n_cma;
    v[V_SPLIT].data = s->split_seg, v[V_SPLIT].count = 1;
    double rm = s->mae[TS_RNN], top = fmax(s->errmax, mlm_isfinite(rm) ? fmin(rm, 1e30) : 0);
    for (int k = 0; k < TS_K; k++) {
        v[V_F0 + k].data = s->fcurve[k], v[V_F0 + k].count = s->E;
        double mae = mlm_isfinite(s->mae[k]) ? mlm_clamp(s->mae[k], 0, 1e30) : 0;
        double mse = mlm_isfinite(s->mse[k]) ? mlm_clamp(s->mse[k], 0, 1e30) : 0;
        s->bars[2 * k] = (float)(k + 1), s->bars[2 * k + 1] = (float)mae;
        s->bar_labels[2 * k] = (float)(k + 1), s->bar_labels[2 * k + 1] = (float)(mae + 0.07 * top);
        v[V_MAE0 + k].value = (float)mae;
        v[V_MSE0 + k].value = (float)mse;
    }
    snprintf(s->labels, sizeof s->labels, "naive\nseasonal\nMA\nAR\nRNN");
    v[V_BARS].data = s->bars, v[V_BARS].count = TS_K;
    v[V_LABELS].data = s->bar_labels, v[V_LABELS].count = TS_K, v[V_LABELS].text = s->labels;
    v[V_Z].data = s->zcurve + 2 * s->lag, v[V_Z].count = s->N - s->lag;
    mlm_series_view(in, V_LOSS, &s->loss_hist);
    float x1 = (float)(s->x0 + (s->N - 1) * s->dx);
    in->panels[P_SERIES] = (mlm_panel_state){(float)s->x0, x1, (float)s->ylo, (float)s->yhi, 0};
    in->panels[P_DIFF] = (mlm_panel_state){(float)s->x0, x1, (float)s->zlo, (float)s->zhi, 0};
    in->panels[P_ERR] = (mlm_panel_state){0.3f, TS_K + 0.7f, 0, (float)(2.2 * top), 0};
    in->panels[P_ZOOM] = (mlm_panel_state){(float)(s->x0 + z0 * s->dx), x1, (float)s->qlo, (float)s->qhi, 0};
}

const mlm_module mlm_module_time_series = {
    .name = "time_series",
    .title = "Forecasting a time series",
    .params = ts_params,
    .n_params = MLM_COUNT(ts_params),
    .desc_size = sizeof(ts_desc),
    .panels = ts_panels,
    .n_panels = TS_N_PANELS,
    .views = ts_views,
    .n_views = TS_N_VIEWS,
    .state_bytes = TS_STATE_BYTES,
    .const_bytes = TS_CONST_BYTES,
    .speed = 30,
    .t_max = 4000,
    .random = 1,
    .worker = 1,
    .when = ts_when,
    .n_when = MLM_COUNT(ts_when),
    .create = ts_create,
    .step = ts_step,
    .draw = ts_draw,
};
