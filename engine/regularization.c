/* regularization.c: the engine module of the chapter "Overfitting and regularization". One module
 * serves the chapter's three kinds of widget, chosen by the `scene` parameter:
 *
 *   fit         a polynomial of degree d, fitted to the training half of n noisy samples of a
 *               smooth curve by (proximal) gradient descent on the training loss plus an optional
 *               ridge or lasso penalty; beside it, the train and test error of the exact optimum at
 *               every degree (the U-curve) and the errors of the run against the step;
 *   paths       the ridge and lasso solutions at a grid of penalties λ from 100 down to 1e-6, one
 *               more λ per step (ridge in closed form, lasso by warm-started coordinate descent),
 *               drawn as coefficient paths, with train and test error against λ (validation);
 *   constraint  a two-coefficient least-squares loss minimised by projected gradient descent
 *               inside an L1 ball (a diamond) and an L2 ball (a circle) of the same radius t.
 *
 * The polynomial is written in the Legendre basis, φ_k(x) = sqrt(2k + 1) P_k(x) on [-1, 1]. It
 * spans the same polynomials as 1, x, ..., x^d (so an unpenalised fit is the same curve), but its
 * features are nearly orthonormal for inputs spread over [-1, 1]: the loss is far better
 * conditioned than with raw powers (whose columns are almost parallel), and a penalty on the
 * coefficients treats every basis function, each of the same size on [-1, 1], alike. The
 * intercept φ_0 = 1 is never penalised: shrinking it would pull the curve towards y = 0, which is
 * no simpler than any other level.
 *
 * Losses. With M training points, features Φ (M, P) and targets y (M,):
 *   f(w)      = 1/(2M) ||Φw - y||²                 the data term (half the training MSE)
 *   ridge     f(w) + λ/2 Σ_{j≥1} w_j²               closed form (ΦᵀΦ/M + λ I') w = Φᵀy/M
 *   lasso     f(w) + λ   Σ_{j≥1} |w_j|              no closed form; exact zeros
 * where I' is the identity with its (0, 0) entry zeroed (the unpenalised intercept).
 *
 * Shapes (doubles unless said):
 *   N  samples (N <= REG_N_MAX); M of them train, T = N - M test
 *   P  coefficients of the current degree, d + 1 (P <= REG_P)
 *   K  points of a drawn curve (REG_CURVE_N); H points of a history (REG_HIST)
 *   G  values of λ on the path grid (REG_LAMS)
 *   F  side of the constraint scene's loss grid (REG_FIELD_N); B points of a ball (REG_BALL_N)
 * Matrices are row-major; a Gram matrix is stored with leading dimension REG_P so that the
 * fits of every degree share it (the features of degree d are the first d + 1 columns).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "lstsq.h"
#include "mlm.h"

#define REG_N_MAX 200
#define REG_DMAX 15
#define REG_P (REG_DMAX + 1)
#define REG_CURVE_N 201
#define REG_HIST 512
#define REG_LAMS 97         /* λ from 1e2 down to 1e-6, twelve per decade */
#define REG_LAM_HI 1e2
#define REG_LAM_LO 1e-6
#define REG_GROUPS 7        /* path colours: coefficient j is drawn in colour 1 + (j - 1) % 7 */
#define REG_FIELD_N 81
#define REG_BALL_N 129
#define REG_BOX 2.5         /* the constraint panels show [-BOX, BOX]² */
#define REG_TEXT 112
#define REG_CD_SWEEPS 20000 /* cap on coordinate-descent sweeps for one lasso solve */
#define REG_CD_TOL 1e-13    /* a sweep that moves no coefficient more than this has converged */

enum { REG_SCENE_FIT, REG_SCENE_PATHS, REG_SCENE_CONSTRAINT };
enum { REG_NONE, REG_RIDGE, REG_LASSO };
enum { REG_SINE, REG_RUNGE, REG_KINK };

typedef struct {
    int scene;         /* REG_SCENE_*; default fit */
    int target;        /* the smooth curve sampled; default sine */
    int n;             /* samples, train and test together; default 40 */
    double noise;      /* standard deviation of the noise on y; default 0.3 */
    double train_frac; /* share of the samples used for training; default 0.5 */
    int degree;        /* polynomial degree d; default 12 */
    int penalty;       /* none, ridge or lasso; default none */
    double lambda;     /* penalty strength λ; default 1e-3 */
    double lr;         /* step size as a multiple of 1/L (L: the loss's largest curvature); default 1 */
    int momentum;      /* 1: Nesterov momentum (FISTA); default 1 */
    double radius;     /* radius t of the L1 and L2 balls; default 1 */
    double rho;        /* correlation of the two features; default 0.4 */
    double opt1, opt2; /* the unconstrained least-squares optimum; default (1.7, 0.4) */
} reg_desc;

/* What never changes after create. */
typedef struct {
    double *phi_tr;   /* (M, REG_P) Legendre features of the training inputs, every degree */
    double *y_tr;     /* (M,) */
    double *phi_te;   /* (T, REG_P) features of the test inputs */
    double *y_te;     /* (T,) */
    double *gram;     /* (REG_P, REG_P) ΦᵀΦ / M over the training inputs */
    double *corr;     /* (REG_P,) Φᵀy / M */
    float *pts_tr;    /* (M, 3) training points (x, y, 0) */
    float *pts_te;    /* (T, 3) test points */
    float *target;    /* (K, 2) the true curve */
    float *u_tr;      /* (REG_DMAX + 1, 2) (degree, train MSE of the optimum) */
    float *u_te;      /* (REG_DMAX + 1, 2) (degree, test MSE of the optimum) */
    float *field;     /* (F, F) the constraint scene's loss, row 0 at w2 = -BOX */
    float *ball1;     /* (B, 2) the L1 ball's boundary, a diamond */
    float *ball2;     /* (B, 2) the L2 ball's boundary, a circle */
} reg_data;

/* The fit scene's run. */
typedef struct {
    double w[REG_P];      /* (P,) coefficients */
    double w_prev[REG_P]; /* (P,) the previous iterate, for momentum */
    double mom_t;         /* FISTA's t_k */
    double w_opt[REG_P];  /* (P,) the exact optimum of the same objective */
    double J, J0, J_opt;  /* objective now, at the start, at the optimum */
    double mse_tr, mse_te, opt_tr, opt_te;
    double L, mu;         /* largest and smallest curvature of the smooth part */
    double eta;           /* step size lr / L */
    double tol;           /* J - J_opt below this counts as converged */
    int nonzero;
    mlm_series loss_tr;   /* (H, 2) (step, train MSE) */
    mlm_series loss_te;   /* (H, 2) (step, test MSE) */
    float curve[2 * REG_CURVE_N]; /* (K, 2) the current polynomial */
    float ref_tr[4];      /* (2, 2) the optimum's train MSE across the loss panel */
    float ref_te[4];      /* (2, 2) the optimum's test MSE */
    float mark[4];        /* (2, 2) the current degree on the U-curve */
} reg_fit;

/* The paths scene's run. */
typedef struct {
    int k;                              /* λ values done */
    double lam[REG_LAMS];               /* (G,) the grid, largest first */
    double ridge[REG_LAMS * REG_P];     /* (G, P) ridge solutions */
    double lasso[REG_LAMS * REG_P];     /* (G, P) lasso solutions */
    double err[REG_LAMS * 4];           /* (G, 4) train, test MSE of ridge; train, test of lasso */
    int nz[REG_LAMS];                   /* (G,) nonzero lasso coefficients (intercept excluded) */
    int sweeps[REG_LAMS];               /* (G,) coordinate-descent sweeps each lasso solve took */
    double lam_max;                     /* the smallest λ at which lasso's solution is all zero */
    float seg[2][REG_GROUPS][4 * (REG_LAMS - 1) * ((REG_DMAX + REG_GROUPS - 1) / REG_GROUPS)];
                                        /* (panel, group, segments, 4) path pieces */
    int nseg[2][REG_GROUPS];
    float now[2][4];                    /* (panel, 4) vertical line at the newest λ */
    float verr[4][2 * REG_LAMS];        /* (4, G, 2) error against λ */
    float best[4];                      /* (2, 2) the least test error so far, ridge and lasso */
    float vrange[2];                    /* the error panel's y range */
} reg_paths;

/* The constraint scene's two runs: r = 0 inside the L1 ball, r = 1 inside the L2 ball. */
typedef struct {
    double a11, a12, a22;  /* the loss's Hessian A = [1 ρ; ρ 1] */
    double opt[2];         /* (2,) unconstrained optimum w* */
    double L, eta;
    double w[2][2];        /* (run, 2) iterates */
    int done[2];
    mlm_series trail[2];   /* (H, 2) per run */
    float star[2];         /* (1, 2) */
    float level[2][2 * REG_BALL_N]; /* (run, B, 2) the loss's level set through each iterate */
    char note[2][REG_TEXT];
    uint32_t version;
} reg_cons;

typedef struct {
    reg_data *c;
    int N, M, T, P;
    double ymean, yvar;  /* of the training targets */
    float box[4];        /* data panel range */
    float urange[2];     /* U-curve panel's y range, with headroom for its legend */
    reg_fit *fit;
    reg_paths *paths;
    reg_cons *cons;
} reg_state;

static const mlm_param reg_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(reg_desc, scene), 0, 2, 1, 0, 0,
     "fit:Fit a polynomial|paths:Paths against λ|constraint:Constraint picture",
     "which picture: one fit trained step by step, the ridge and lasso paths, or the L1/L2 balls"},
    {"target", "True curve", MLM_CHOICE, offsetof(reg_desc, target), 0, 2, 1, 0, 0,
     "sine:A sine wave|runge:Runge's bump|kink:A kink, abs(x)",
     "the smooth curve the samples come from, before noise"},
    {"n", "Samples", MLM_INT, offsetof(reg_desc, n), 10, REG_N_MAX, 1, 40, 0, NULL,
     "how many noisy samples, train and test together"},
    {"noise", "Noise", MLM_FLOAT, offsetof(reg_desc, noise), 0, 1, 0.01, 0.3, 0, NULL,
     "standard deviation of the Gaussian noise added to each sample"},
    {"train_frac", "Train share", MLM_FLOAT, offsetof(reg_desc, train_frac), 0.2, 0.9, 0.05, 0.5, 0,
     NULL, "share of the samples used for training; the rest measure the test error"},
    {"degree", "Degree", MLM_INT, offsetof(reg_desc, degree), 0, REG_DMAX, 1, 12, 0, NULL,
     "degree d of the polynomial: d + 1 coefficients"},
    {"penalty", "Penalty", MLM_CHOICE, offsetof(reg_desc, penalty), 0, 2, 1, 0, 0,
     "none:None|ridge:Ridge (L2)|lasso:Lasso (L1)",
     "what is added to the training loss: nothing, λ/2 Σ w², or λ Σ |w|"},
    {"lambda", "λ", MLM_FLOAT, offsetof(reg_desc, lambda), 1e-6, 10, 0, 1e-3, 1, NULL,
     "strength of the penalty"},
    {"lr", "Step (× 1/L)", MLM_FLOAT, offsetof(reg_desc, lr), 0.05, 2.5, 0, 1, 1, NULL,
     "step size as a multiple of 1/L, L the loss's largest curvature; plain descent is stable below 2"},
    {"momentum", "Momentum", MLM_BOOL, offsetof(reg_desc, momentum), 0, 1, 1, 1, 0, NULL,
     "Nesterov momentum (FISTA): far fewer steps on badly conditioned losses"},
    {"radius", "Radius t", MLM_FLOAT, offsetof(reg_desc, radius), 0.1, 2, 0.05, 1, 0, NULL,
     "size of the balls: Σ|w| ≤ t (diamond) and sqrt(Σ w²) ≤ t (circle)"},
    {"rho", "Correlation", MLM_FLOAT, offsetof(reg_desc, rho), -0.9, 0.9, 0.05, 0.4, 0, NULL,
     "correlation of the two features: it tilts and stretches the loss's elliptical contours"},
    {"opt1", "Optimum w₁", MLM_FLOAT, offsetof(reg_desc, opt1), -2, 2, 0.05, 1.7, 0, NULL,
     "first coordinate of the unpenalised optimum (click a panel to move it)"},
    {"opt2", "Optimum w₂", MLM_FLOAT, offsetof(reg_desc, opt2), -2, 2, 0.05, 0.4, 0, NULL,
     "second coordinate of the unpenalised optimum"},
};

enum { P_DATA, P_UCURVE, P_LOSS, P_RIDGE, P_LASSO, P_VALID, P_L1, P_L2, REG_N_PANELS };

static const mlm_panel reg_panels[] = {
    [P_DATA] = {"data", "Samples and the fitted polynomial", "x", "y", 0, NULL},
    [P_UCURVE] = {"ucurve", "Error of the optimum against degree", "degree", "MSE", MLM_PANEL_LOG_Y, NULL},
    [P_LOSS] = {"loss", "Error against step", "step", "MSE",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
    [P_RIDGE] = {"ridge", "Ridge coefficients", "λ", "w_j", MLM_PANEL_LOG_X | MLM_PANEL_AUTO_Y, NULL},
    [P_LASSO] = {"lasso", "Lasso coefficients", "λ", "w_j", MLM_PANEL_LOG_X | MLM_PANEL_AUTO_Y, NULL},
    [P_VALID] = {"valid", "Error against λ", "λ", "MSE", MLM_PANEL_LOG_X | MLM_PANEL_LOG_Y, NULL},
    [P_L1] = {"l1", "Inside the diamond |w₁| + |w₂| ≤ t", "w₁", "w₂", MLM_PANEL_EQUAL, "opt1,opt2"},
    [P_L2] = {"l2", "Inside the circle w₁² + w₂² ≤ t²", "w₁", "w₂", MLM_PANEL_EQUAL, "opt1,opt2"},
};

enum {
    V_TARGET, V_TRAIN, V_TEST, V_CURVE,
    V_U_TR, V_U_TE, V_U_MARK,
    V_REF_TR, V_REF_TE, V_LOSS_TR, V_LOSS_TE,
    V_MSE_TR, V_MSE_TE, V_NONZERO,
    V_RIDGE0, V_RIDGE_NOW = V_RIDGE0 + REG_GROUPS,
    V_LASSO0, V_LASSO_NOW = V_LASSO0 + REG_GROUPS,
    V_VR_TR, V_VR_TE, V_VL_TR, V_VL_TE, V_VBEST,
    V_LAMBDA, V_LASSO_NZ,
    V_F1, V_BALL1, V_LEVEL1, V_TRAIL1, V_STAR1, V_NOTE1,
    V_F2, V_BALL2, V_LEVEL2, V_TRAIL2, V_STAR2, V_NOTE2,
    REG_N_VIEWS
};

#define REG_PATH_VIEW(name, panel, k) \
    {name, panel, MLM_VIEW_SEGMENTS, "", 1 + (k), 0}

static const mlm_view reg_views[] = {
    /* No legends in the data, loss and constraint panels: they are small, their data fill every
       corner, and the colours are the U-curve's (train blue, test orange) or named in captions. */
    [V_TARGET] = {"target", "data", MLM_VIEW_CURVE, "true curve", 3, MLM_VIEW_FAINT | MLM_VIEW_DASHED},
    [V_TRAIN] = {"train", "data", MLM_VIEW_POINTS, "train", 5, 0},
    [V_TEST] = {"test", "data", MLM_VIEW_POINTS, "test", 6, 0},
    [V_CURVE] = {"fit", "data", MLM_VIEW_CURVE, "fit", 0, 0},
    [V_U_TR] = {"u_train", "ucurve", MLM_VIEW_CURVE, "train", 5, MLM_VIEW_LEGEND},
    [V_U_TE] = {"u_test", "ucurve", MLM_VIEW_CURVE, "test", 6, MLM_VIEW_LEGEND},
    [V_U_MARK] = {"u_mark", "ucurve", MLM_VIEW_MARKERS, "this degree", 0, 0},
    [V_REF_TR] = {"ref_train", "loss", MLM_VIEW_CURVE, "train at the optimum", 5, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_REF_TE] = {"ref_test", "loss", MLM_VIEW_CURVE, "test at the optimum", 6, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_LOSS_TR] = {"loss_train", "loss", MLM_VIEW_CURVE, "train", 5, 0},
    [V_LOSS_TE] = {"loss_test", "loss", MLM_VIEW_CURVE, "test", 6, 0},
    [V_MSE_TR] = {"mse_train", NULL, MLM_VIEW_SCALAR, "train MSE", 0, 0},
    [V_MSE_TE] = {"mse_test", NULL, MLM_VIEW_SCALAR, "test MSE", 0, 0},
    [V_NONZERO] = {"nonzero", NULL, MLM_VIEW_SCALAR, "nonzero w", 0, MLM_SCALAR_INT},
    [V_RIDGE0 + 0] = REG_PATH_VIEW("ridge_1", "ridge", 0),
    [V_RIDGE0 + 1] = REG_PATH_VIEW("ridge_2", "ridge", 1),
    [V_RIDGE0 + 2] = REG_PATH_VIEW("ridge_3", "ridge", 2),
    [V_RIDGE0 + 3] = REG_PATH_VIEW("ridge_4", "ridge", 3),
    [V_RIDGE0 + 4] = REG_PATH_VIEW("ridge_5", "ridge", 4),
    [V_RIDGE0 + 5] = REG_PATH_VIEW("ridge_6", "ridge", 5),
    [V_RIDGE0 + 6] = REG_PATH_VIEW("ridge_7", "ridge", 6),
    [V_RIDGE_NOW] = {"ridge_now", "ridge", MLM_VIEW_SEGMENTS, "", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_LASSO0 + 0] = REG_PATH_VIEW("lasso_1", "lasso", 0),
    [V_LASSO0 + 1] = REG_PATH_VIEW("lasso_2", "lasso", 1),
    [V_LASSO0 + 2] = REG_PATH_VIEW("lasso_3", "lasso", 2),
    [V_LASSO0 + 3] = REG_PATH_VIEW("lasso_4", "lasso", 3),
    [V_LASSO0 + 4] = REG_PATH_VIEW("lasso_5", "lasso", 4),
    [V_LASSO0 + 5] = REG_PATH_VIEW("lasso_6", "lasso", 5),
    [V_LASSO0 + 6] = REG_PATH_VIEW("lasso_7", "lasso", 6),
    [V_LASSO_NOW] = {"lasso_now", "lasso", MLM_VIEW_SEGMENTS, "", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    /* Test error solid, training error dashed; only the two methods in the legend. */
    [V_VR_TR] = {"ridge_train", "valid", MLM_VIEW_CURVE, "ridge train", 5, MLM_VIEW_DASHED},
    [V_VR_TE] = {"ridge_test", "valid", MLM_VIEW_CURVE, "ridge", 5, MLM_VIEW_LEGEND},
    [V_VL_TR] = {"lasso_train", "valid", MLM_VIEW_CURVE, "lasso train", 6, MLM_VIEW_DASHED},
    [V_VL_TE] = {"lasso_test", "valid", MLM_VIEW_CURVE, "lasso", 6, MLM_VIEW_LEGEND},
    [V_VBEST] = {"best", "valid", MLM_VIEW_MARKERS, "least test error", 0, 0},
    [V_LAMBDA] = {"lam_now", NULL, MLM_VIEW_SCALAR, "λ", 0, 0},
    [V_LASSO_NZ] = {"lasso_nonzero", NULL, MLM_VIEW_SCALAR, "lasso nonzero", 0, MLM_SCALAR_INT},
    [V_F1] = {"field1", "l1", MLM_VIEW_FIELD, "loss", 2,
              MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_FIELD_LOG_LEVELS},
    [V_BALL1] = {"diamond", "l1", MLM_VIEW_CURVE, "L1 ball", 1, 0},
    [V_LEVEL1] = {"level1", "l1", MLM_VIEW_CURVE, "contour through w", 0, MLM_VIEW_DASHED},
    [V_TRAIL1] = {"path1", "l1", MLM_VIEW_TRAIL, "projected descent", 6, 0},
    [V_STAR1] = {"opt1", "l1", MLM_VIEW_MARKERS, "unconstrained optimum", 0, 0},
    [V_NOTE1] = {"note1", "l1", MLM_VIEW_TEXT, "", 0, 0},
    [V_F2] = {"field2", "l2", MLM_VIEW_FIELD, "loss", 2,
              MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_FIELD_LOG_LEVELS},
    [V_BALL2] = {"circle", "l2", MLM_VIEW_CURVE, "L2 ball", 1, 0},
    [V_LEVEL2] = {"level2", "l2", MLM_VIEW_CURVE, "contour through w", 0, MLM_VIEW_DASHED},
    [V_TRAIL2] = {"path2", "l2", MLM_VIEW_TRAIL, "projected descent", 5, 0},
    [V_STAR2] = {"opt2", "l2", MLM_VIEW_MARKERS, "unconstrained optimum", 0, 0},
    [V_NOTE2] = {"note2", "l2", MLM_VIEW_TEXT, "", 0, 0},
};

_Static_assert(MLM_COUNT(reg_views) == REG_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(reg_panels) == REG_N_PANELS, "one declaration per panel");

#define REG_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define REG_CONST_BYTES                                                                       \
    (REG_A16(sizeof(reg_data)) + REG_A16(sizeof(double) * REG_N_MAX * REG_P) * 2 +           \
     REG_A16(sizeof(double) * REG_N_MAX) * 2 + REG_A16(sizeof(double) * REG_P * REG_P) +      \
     REG_A16(sizeof(double) * REG_P) + REG_A16(sizeof(float) * 3 * REG_N_MAX) * 2 +           \
     REG_A16(sizeof(float) * 2 * REG_CURVE_N) + REG_A16(sizeof(float) * 2 * REG_P) * 2 +      \
     REG_A16(sizeof(float) * REG_FIELD_N * REG_FIELD_N) + REG_A16(sizeof(float) * 2 * REG_BALL_N) * 2)
#define REG_STATE_BYTES                                                                       \
    (REG_A16(sizeof(reg_state)) + REG_A16(sizeof(reg_fit)) + REG_A16(sizeof(reg_paths)) +      \
     REG_A16(sizeof(reg_cons)) + 4 * REG_A16(sizeof(float) * 2 * REG_HIST))

/* ---- the polynomial ---- */

//> legendre
/* The features of one input: φ_k(x) = sqrt(2k + 1) P_k(x), k = 0..P-1, from Bonnet's recurrence
   (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}. The factor makes each feature's mean square over
   [-1, 1] equal to 1, and distinct features are orthogonal there, so for inputs spread evenly over
   [-1, 1] the Gram matrix ΦᵀΦ/M is close to the identity. */
static void reg_features(double *phi /* (P,) */, double x, int P) {
    double p0 = 1, p1 = x;
    for (int k = 0; k < P; k++) {
        double pk;
        if (k == 0) pk = p0;
        else if (k == 1) pk = p1;
        else {
            pk = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = pk;
        }
        phi[k] = sqrt(2.0 * k + 1.0) * pk;
    }
}
//< legendre

static double reg_poly(const double *w /* (P,) */, double x, int P) {
    double phi[REG_P];
    reg_features(phi, x, P);
    double s = 0;
    for (int k = 0; k < P; k++) s += w[k] * phi[k];
    return s;
}

static double reg_target(int target, double x) {
    switch (target) {
    case REG_RUNGE: return 1.0 / (1.0 + 25.0 * x * x);
    case REG_KINK: return fabs(x);
    default: return mlm_sin(3.14159265358979323846 * x);
    }
}

//> forward
/* Predictions of the polynomial w at M inputs: yhat = Φ w. */
static void reg_forward(double *yhat /* (M,) */, const double *phi /* (M, REG_P) */,
                        const double *w /* (P,) */, int M, int P) {
    for (int i = 0; i < M; i++) {
        const double *f = phi + (size_t)i * REG_P;
        double s = 0;
        for (int k = 0; k < P; k++) s += f[k] * w[k];
        yhat[i] = s;
    }
}

/* Mean squared error: 1/M Σ (yhat_i - y_i)². The data term f is half of it. */
static double reg_mse(const double *yhat /* (M,) */, const double *y /* (M,) */, int M) {
    double s = 0;
    for (int i = 0; i < M; i++) s += (yhat[i] - y[i]) * (yhat[i] - y[i]);
    return s / M;
}
//< forward

//> backward
/* Gradient of the data term f(w) = 1/(2M) ||Φw - y||²: ∇f = 1/M Φᵀ(yhat - y), each feature's
   correlation with the residual. */
static void reg_backward(double *grad /* (P,) */, const double *yhat /* (M,) */,
                         const double *y /* (M,) */, const double *phi /* (M, REG_P) */, int M, int P) {
    for (int k = 0; k < P; k++) grad[k] = 0;
    for (int i = 0; i < M; i++) {
        double r = (yhat[i] - y[i]) / M;
        const double *f = phi + (size_t)i * REG_P;
        for (int k = 0; k < P; k++) grad[k] += r * f[k];
    }
}
//< backward

/* The penalty: λ/2 Σ_{j≥1} w_j² (ridge) or λ Σ_{j≥1} |w_j| (lasso). */
static double reg_penalty(const double *w /* (P,) */, int P, int penalty, double lambda) {
    double s = 0;
    for (int j = 1; j < P; j++) s += penalty == REG_RIDGE ? 0.5 * w[j] * w[j] : fabs(w[j]);
    return penalty == REG_NONE ? 0 : lambda * s;
}

/* ---- exact solutions ---- */

/* Cholesky solves: lsq_cholesky_solve of engine/core/lstsq.c, shared with the time-series chapter. */
#define reg_cholesky_solve lsq_cholesky_solve

//> ridge_closed_form
/* Ridge in closed form. Setting the gradient of f(w) + λ/2 Σ_{j≥1} w_j² to zero gives
       (ΦᵀΦ/M + λ I') w = Φᵀy/M,
   I' the identity without its intercept entry. For λ > 0 the matrix is positive definite even
   when there are fewer points than coefficients, so the solution is unique. With no penalty
   (λ = 0) a singular ΦᵀΦ has many solutions; a jitter of 1e-10 × trace/P on the whole diagonal,
   far below anything the plots can show, picks the one of least norm, which is also where
   gradient descent from w = 0 goes. */
static void reg_ridge_solve(double *w /* (P,) */, const double *gram /* (REG_P, REG_P) */,
                            const double *corr /* (REG_P,) */, int P, double lambda) {
    double A[REG_P * REG_P]; /* (P, P) */
    double trace = 0;
    for (int i = 0; i < P; i++) trace += gram[i * REG_P + i];
    double jitter = lambda > 0 ? 0 : 1e-10 * trace / P;
    for (int attempt = 0; attempt < 8; attempt++, jitter = jitter > 0 ? jitter * 100 : 1e-12 * trace) {
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++)
                A[i * REG_P + j] = gram[i * REG_P + j] + (i == j ? (i > 0 ? lambda : 0) + jitter : 0);
        if (reg_cholesky_solve(w, A, REG_P, corr, P) == 0) return;
    }
    for (int j = 0; j < P; j++) w[j] = 0; /* unreachable for a Gram matrix with a constant column */
}
//< ridge_closed_form

//> soft_threshold
/* The proximal operator of a |w|: the point that minimises (w - z)²/2 + a|w|. For |z| <= a the
   kink at 0 wins and the answer is exactly 0; otherwise z moves a towards 0. */
static double reg_soft_threshold(double z, double a) {
    if (z > a) return z - a;
    if (z < -a) return z + a;
    return 0;
}
//< soft_threshold

/* The lasso's optimality conditions at w, with g_j = ∂f/∂w_j = Σ_k G_jk w_k - c_j:
       g_0 = 0 (the intercept is free);  g_j = -λ sign(w_j) where w_j ≠ 0;  |g_j| <= λ where w_j = 0.
   Returns the largest violation, scaled so that 0 means exactly optimal. */
static double reg_lasso_kkt(const double *w /* (P,) */, const double *gram /* (REG_P, REG_P) */,
                            const double *corr /* (REG_P,) */, int P, double lambda) {
    double worst = 0;
    for (int j = 0; j < P; j++) {
        double g = -corr[j];
        for (int k = 0; k < P; k++) g += gram[j * REG_P + k] * w[k];
        double bad;
        if (j == 0) bad = fabs(g);
        else if (w[j] != 0) bad = fabs(g + (w[j] > 0 ? lambda : -lambda));
        else bad = fabs(g) > lambda ? fabs(g) - lambda : 0;
        if (bad > worst) worst = bad;
    }
    return worst;
}

/* If the zeros of w and the signs of the rest are right, the conditions above are linear in the
   nonzero coefficients: G_AA w_A = c_A - λ s_A on the active set A (the intercept, s_0 = 0, and
   every j with w_j ≠ 0, s_j = sign w_j). Solve that system; keep the answer (and return 0) only
   if it keeps those signs and leaves every zero coefficient's |g_j| <= λ. */
static int reg_lasso_polish(double *w /* (P,) */, const double *gram /* (REG_P, REG_P) */,
                            const double *corr /* (REG_P,) */, int P, double lambda) {
    int act[REG_P], n = 0;
    double A[REG_P * REG_P] = {0}, b[REG_P] = {0}, x[REG_P], trial[REG_P];
    for (int j = 0; j < P; j++)
        if (j == 0 || w[j] != 0) act[n++] = j;
    for (int i = 0; i < n; i++) {
        int j = act[i];
        for (int q = 0; q < n; q++) A[i * REG_P + q] = gram[j * REG_P + act[q]];
        b[i] = corr[j] - (j == 0 ? 0 : w[j] > 0 ? lambda : -lambda);
    }
    if (reg_cholesky_solve(x, A, REG_P, b, n) != 0) return -1;
    for (int j = 0; j < P; j++) trial[j] = 0;
    for (int i = 0; i < n; i++) {
        int j = act[i];
        if (j > 0 && (x[i] > 0) != (w[j] > 0)) return -1; /* a sign flipped: not this set */
        trial[j] = x[i];
    }
    double scale = lambda + fabs(corr[0]) + 1e-300;
    if (reg_lasso_kkt(trial, gram, corr, P, lambda) > 1e-11 * scale) return -1;
    memcpy(w, trial, sizeof(double) * P);
    return 0;
}

//> lasso_cd
/* Lasso by coordinate descent: minimise over one coefficient at a time, holding the others. In
   terms of the Gram matrix G = ΦᵀΦ/M and c = Φᵀy/M, the objective restricted to w_j is
   G_jj w_j²/2 - z_j w_j + λ|w_j| + const with z_j = c_j - Σ_{k≠j} G_jk w_k, whose minimiser is
   S(z_j, λ)/G_jj (the intercept, unpenalised: z_0/G_00). Starts from w as given (a warm start).
   Returns the sweeps taken. */
static int reg_lasso_cd(double *w /* (P,) */, const double *gram /* (REG_P, REG_P) */,
                        const double *corr /* (REG_P,) */, int P, double lambda, int max_sweeps) {
    for (int sweep = 1; sweep <= max_sweeps; sweep++) {
        double moved = 0;
        for (int j = 0; j < P; j++) {
            const double *g = gram + (size_t)j * REG_P;
            double z = corr[j];
            for (int k = 0; k < P; k++)
                if (k != j) z -= g[k] * w[k];
            double wj = (j == 0 ? z : reg_soft_threshold(z, lambda)) / g[j];
            double dj = fabs(wj - w[j]) * sqrt(g[j]);
            if (dj > moved) moved = dj;
            w[j] = wj;
        }
        if (moved <= REG_CD_TOL) return sweep;
        /* On a badly conditioned loss the sweeps find which coefficients are zero long before
           the others settle. Once they are known, the lasso is a linear system (below): try it
           every few sweeps and stop if its answer satisfies the optimality conditions. */
        if (sweep % 8 == 0 && reg_lasso_polish(w, gram, corr, P, lambda) == 0) return sweep;
    }
    return max_sweeps;
}
//< lasso_cd

/* The exact optimum of the chosen objective: closed form, or coordinate descent run to the end. */
static void reg_optimum(double *w /* (P,) */, const reg_data *c, int P, int penalty, double lambda) {
    reg_ridge_solve(w, c->gram, c->corr, P, penalty == REG_RIDGE ? lambda : 0);
    if (penalty == REG_LASSO) reg_lasso_cd(w, c->gram, c->corr, P, lambda, REG_CD_SWEEPS);
}

/* Eigenvalues of a symmetric (P, P) matrix by cyclic Jacobi rotations; only the extremes are
   kept: the largest and smallest curvature of a quadratic loss. */
static void reg_eig_range(double *lo, double *hi, const double *S /* (P, lda) */, int lda, int P) {
    double A[REG_P * REG_P]; /* (P, P) */
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++) A[i * REG_P + j] = S[i * lda + j];
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0, diag = 0;
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++) {
                if (i != j) off += A[i * REG_P + j] * A[i * REG_P + j];
                else diag += A[i * REG_P + j] * A[i * REG_P + j];
            }
        if (off <= 1e-30 * diag) break;
        for (int p = 0; p < P; p++)
            for (int q = p + 1; q < P; q++) {
                double apq = A[p * REG_P + q];
                if (apq == 0) continue;
                /* The rotation that zeroes A_pq: tan 2θ = 2 A_pq / (A_qq - A_pp). */
                double theta = (A[q * REG_P + q] - A[p * REG_P + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double cs = 1 / sqrt(t * t + 1), sn = t * cs;
                for (int k = 0; k < P; k++) { /* columns p, q */
                    double akp = A[k * REG_P + p], akq = A[k * REG_P + q];
                    A[k * REG_P + p] = cs * akp - sn * akq;
                    A[k * REG_P + q] = sn * akp + cs * akq;
                }
                for (int k = 0; k < P; k++) { /* rows p, q */
                    double apk = A[p * REG_P + k], aqk = A[q * REG_P + k];
                    A[p * REG_P + k] = cs * apk - sn * aqk;
                    A[q * REG_P + k] = sn * apk + cs * aqk;
                }
            }
    }
    *lo = *hi = A[0];
    for (int i = 1; i < P; i++) {
        double v = A[i * REG_P + i];
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
}

/* Train and test MSE of the polynomial w of P coefficients. */
static void reg_errors(double *tr, double *te, const reg_state *s, const double *w, int P) {
    double yhat[REG_N_MAX];
    reg_forward(yhat, s->c->phi_tr, w, s->M, P);
    *tr = reg_mse(yhat, s->c->y_tr, s->M);
    reg_forward(yhat, s->c->phi_te, w, s->T, P);
    *te = reg_mse(yhat, s->c->y_te, s->T);
}

static int reg_count_nonzero(const double *w, int P) {
    int n = 0;
    for (int j = 1; j < P; j++) n += w[j] != 0;
    return n;
}

/* A float for a view: finite, and within a range any plot can hold. */
static float reg_f(double v) {
    if (!mlm_isfinite(v)) return 0;
    return (float)mlm_clamp(v, -1e30, 1e30);
}

/* A log axis from a little below lo to three decades above hi, which leaves the top right corner
   to the panel's legend even on a phone; never more than 15 decades (a noise-free fit has errors
   near 1e-30). */
static void reg_log_range(float *out /* (2,) */, double lo, double hi) {
    if (!(hi > 0) || !mlm_isfinite(hi)) hi = 1;
    hi = fmin(hi, 1e30);
    if (!(lo > hi * 1e-12)) lo = hi * 1e-12;
    out[0] = (float)(0.5 * lo);
    out[1] = (float)(1000 * hi);
}

/* ---- data ---- */

//> split
/* n samples of the true curve at jittered, evenly spread inputs (one in each of n slices of
   [-1, 1]), plus Gaussian noise; then a random split: shuffle the indices and give the first
   M = train_frac · n to training. The test points are never used to fit, only to measure. */
static void reg_make_data(reg_state *s, const reg_desc *d, mlm_rng *rng) {
    reg_data *c = s->c;
    double x[REG_N_MAX], y[REG_N_MAX];
    int32_t order[REG_N_MAX];
    for (int i = 0; i < s->N; i++) {
        x[i] = -1.0 + 2.0 * (i + mlm_rng_uniform(rng)) / s->N;
        y[i] = reg_target(d->target, x[i]) + d->noise * mlm_rng_normal(rng);
        order[i] = i;
    }
    mlm_rng_shuffle(rng, order, s->N);
    for (int r = 0; r < s->N; r++) {
        int i = order[r], train = r < s->M, at = train ? r : r - s->M;
        double *phi = (train ? c->phi_tr : c->phi_te) + (size_t)at * REG_P;
        float *pt = (train ? c->pts_tr : c->pts_te) + 3 * at;
        reg_features(phi, x[i], REG_P);
        (train ? c->y_tr : c->y_te)[at] = y[i];
        pt[0] = (float)x[i], pt[1] = (float)y[i], pt[2] = 0;
    }
}
//< split

/* ---- the fit scene ---- */

static double reg_objective(const reg_state *s, const reg_desc *d, const double *w, double *mse) {
    double yhat[REG_N_MAX];
    reg_forward(yhat, s->c->phi_tr, w, s->M, s->P);
    *mse = reg_mse(yhat, s->c->y_tr, s->M);
    return 0.5 * *mse + reg_penalty(w, s->P, d->penalty, d->lambda);
}

static int reg_fit_create(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_fit *f = s->fit = mlm_alloc(in, sizeof *f);
    if (!f || mlm_series_init(in, &f->loss_tr, REG_HIST) || mlm_series_init(in, &f->loss_te, REG_HIST))
        return -1;
    int P = s->P;
    /* Curvature of the smooth part: the Hessian of f, plus λ I' for ridge. */
    double H[REG_P * REG_P];
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            H[i * REG_P + j] = s->c->gram[i * REG_P + j] + (d->penalty == REG_RIDGE && i == j && i > 0 ? d->lambda : 0);
    reg_eig_range(&f->mu, &f->L, H, REG_P, P);
    if (f->mu < 0) f->mu = 0;
    f->eta = d->lr / f->L;
    reg_optimum(f->w_opt, s->c, P, d->penalty, d->lambda);
    f->J_opt = reg_objective(s, d, f->w_opt, &f->opt_tr);
    double dummy;
    reg_errors(&dummy, &f->opt_te, s, f->w_opt, P);
    /* w = 0: the flat line y = 0. */
    f->mom_t = 1;
    f->J0 = f->J = reg_objective(s, d, f->w, &f->mse_tr);
    reg_errors(&dummy, &f->mse_te, s, f->w, P);
    f->tol = 1e-9 * (s->yvar > 1e-6 ? s->yvar : 1e-6);
    mlm_series_push(&f->loss_tr, 0, f->mse_tr);
    mlm_series_push(&f->loss_te, 0, f->mse_te);
    return 0;
}

//> ista_step
/* One step of proximal gradient descent (ISTA), with Nesterov's momentum when chosen (FISTA).
   The smooth part (the data term, plus the ridge penalty) takes a gradient step of size η;
   the lasso penalty, which has no gradient at 0, is handled by its proximal operator: soft-
   thresholding every coefficient but the intercept by η λ. */
static void reg_fit_step(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_fit *f = s->fit;
    int P = s->P;
    double v[REG_P], grad[REG_P], next[REG_P], yhat[REG_N_MAX];
    /* Momentum: take the gradient at an extrapolated point v = w + β (w - w_prev). */
    double t_next = 0.5 * (1 + sqrt(1 + 4 * f->mom_t * f->mom_t));
    double beta = d->momentum ? (f->mom_t - 1) / t_next : 0;
    for (int j = 0; j < P; j++) v[j] = f->w[j] + beta * (f->w[j] - f->w_prev[j]);
    reg_forward(yhat, s->c->phi_tr, v, s->M, P);
    reg_backward(grad, yhat, s->c->y_tr, s->c->phi_tr, s->M, P);
    if (d->penalty == REG_RIDGE)
        for (int j = 1; j < P; j++) grad[j] += d->lambda * v[j];
    for (int j = 0; j < P; j++) {
        next[j] = v[j] - f->eta * grad[j];
        if (d->penalty == REG_LASSO && j > 0) next[j] = reg_soft_threshold(next[j], f->eta * d->lambda);
    }
    double mse, J = reg_objective(s, d, next, &mse);
    long long k = (long long)in->steps + 1;
    if (!mlm_isfinite(J) || J > 1e8 * (f->J0 + s->yvar + 1)) {
        if (d->lr > 2)
            mlm_diverged(in, 1, "The training loss exploded at step %lld: a step of %.3g/L is beyond "
                         "the stability limit 2/L (L = %.3g is the loss's largest curvature).",
                         k, d->lr, f->L);
        else
            mlm_diverged(in, 1, "The training loss exploded at step %lld: with momentum, a step of "
                         "%.3g/L is too long (L = %.3g); below 1/L momentum is always safe.",
                         k, d->lr, f->L);
        return;
    }
    /* FISTA's restart: if the objective rose, drop the momentum (the next step is plain). */
    if (d->momentum && J > f->J) f->mom_t = 1;
    else f->mom_t = t_next;
    /* P coefficients only: next[P..] were never written, and copying them would put whatever
       the stack held into the state (a replayed checkpoint would then differ from the run) */
    memcpy(f->w_prev, f->w, sizeof(double) * (size_t)P);
    memcpy(f->w, next, sizeof(double) * (size_t)P);
    f->J = J;
    f->mse_tr = mse;
    double dummy;
    reg_errors(&dummy, &f->mse_te, s, f->w, P);
    f->nonzero = reg_count_nonzero(f->w, P);
    mlm_series_push(&f->loss_tr, (double)k, f->mse_tr);
    mlm_series_push(&f->loss_te, (double)k, f->mse_te);
    if (f->J - f->J_opt <= f->tol)
                mlm_converged(in, 1, "The objective is within %.2g of its exact minimum (train MSE %.4g, "
                      "test MSE %.4g).", f->tol, f->mse_tr, f->mse_te);
}
//< ista_step

/* ---- the paths scene ---- */

static int reg_paths_create(mlm_instance *in, reg_state *s) {
    reg_paths *p = s->paths = mlm_alloc(in, sizeof *p);
    if (!p) return -1;
    for (int g = 0; g < REG_LAMS; g++)
        p->lam[g] = mlm_exp(mlm_log(REG_LAM_HI) - (mlm_log(REG_LAM_HI) - mlm_log(REG_LAM_LO)) * g / (REG_LAMS - 1));
    /* λ_max: with every other coefficient 0 the best intercept is the mean ȳ (φ_0 = 1), and 0
       stays optimal for w_j exactly while |∂f/∂w_j| = |c_j - G_j0 ȳ| <= λ. */
    const reg_data *c = s->c;
    double b = c->corr[0] / c->gram[0];
    p->lam_max = 0;
    for (int j = 1; j < s->P; j++) {
        double gj = fabs(c->corr[j] - c->gram[j * REG_P] * b);
        if (gj > p->lam_max) p->lam_max = gj;
    }
    /* The error panel's range, known before the path is traced: errors run between the nearly
       unpenalised fit (λ = 1e-6, least train error, most test error) and the constant ȳ. */
    double w[REG_P] = {b}, tr0, te0, tr1, te1;
    reg_errors(&tr0, &te0, s, w, 1);
    reg_ridge_solve(w, c->gram, c->corr, s->P, REG_LAM_LO);
    reg_errors(&tr1, &te1, s, w, s->P);
    reg_log_range(p->vrange, fmin(fmin(tr0, tr1), fmin(te0, te1)), fmax(fmax(tr0, tr1), fmax(te0, te1)));
    return 0;
}

//> path_step
/* One more λ on the grid, from the largest down: ridge in closed form, lasso by coordinate
   descent warm-started from the previous λ's solution (which is already close). */
static void reg_paths_step(mlm_instance *in, reg_state *s) {
    reg_paths *p = s->paths;
    int g = p->k, P = s->P;
    double *wr = p->ridge + (size_t)g * REG_P, *wl = p->lasso + (size_t)g * REG_P;
    reg_ridge_solve(wr, s->c->gram, s->c->corr, P, p->lam[g]);
    if (g > 0) memcpy(wl, wl - REG_P, sizeof(double) * REG_P);
    p->sweeps[g] = reg_lasso_cd(wl, s->c->gram, s->c->corr, P, p->lam[g], REG_CD_SWEEPS);
    p->nz[g] = reg_count_nonzero(wl, P);
    reg_errors(&p->err[4 * g], &p->err[4 * g + 1], s, wr, P);
    reg_errors(&p->err[4 * g + 2], &p->err[4 * g + 3], s, wl, P);
    p->k = g + 1;
    if (p->k == REG_LAMS) {
        int br = 0, bl = 0;
        for (int q = 1; q < REG_LAMS; q++) {
            if (p->err[4 * q + 1] < p->err[4 * br + 1]) br = q;
            if (p->err[4 * q + 3] < p->err[4 * bl + 3]) bl = q;
        }
        mlm_converged(in, 1, "Both paths traced at %d values of λ. Lasso's coefficients are all zero "
                      "above λ_max = %.3g. Least test error: ridge at λ = %.2g, lasso at λ = %.2g.",
                      REG_LAMS, p->lam_max, p->lam[br], p->lam[bl]);
    }
}
//< path_step

/* ---- the constraint scene ---- */

//> projection
/* Euclidean projection onto the L2 ball ||w|| <= t: pull the point in along its ray. */
static void reg_project_l2(double *w /* (D,) */, int D, double t) {
    double n2 = 0;
    for (int j = 0; j < D; j++) n2 += w[j] * w[j];
    if (n2 <= t * t) return;
    double k = t / sqrt(n2);
    for (int j = 0; j < D; j++) w[j] *= k;
}

/* Euclidean projection onto the L1 ball Σ|w_j| <= t. The answer is a soft-threshold,
   w_j = S(v_j, θ), with the θ >= 0 that lands on the boundary: sort |v| in decreasing order as
   u_1 >= u_2 >= ..., and θ = (u_1 + ... + u_r - t) / r for the largest r with u_r > θ. Every
   coordinate with |v_j| <= θ becomes exactly 0: that is how the diamond's corners catch points. */
static void reg_project_l1(double *w /* (D,) */, int D, double t) {
    double u[REG_P], l1 = 0;
    for (int j = 0; j < D; j++) l1 += fabs(w[j]), u[j] = fabs(w[j]);
    if (l1 <= t) return;
    for (int i = 1; i < D; i++) /* insertion sort, decreasing */
        for (int j = i; j > 0 && u[j] > u[j - 1]; j--) {
            double tmp = u[j];
            u[j] = u[j - 1];
            u[j - 1] = tmp;
        }
    double sum = 0, theta = 0;
    for (int r = 0; r < D; r++) {
        sum += u[r];
        double th = (sum - t) / (r + 1);
        if (u[r] > th) theta = th;
    }
    for (int j = 0; j < D; j++) w[j] = reg_soft_threshold(w[j], theta);
}
//< projection

/* The constraint scene's loss: L(w) = 1/2 (w - w*)ᵀ A (w - w*), the least-squares loss of two
   standardised features of correlation ρ (A = XᵀX/n) measured from its minimum. */
static double reg_cons_loss(const reg_cons *k, double w1, double w2) {
    double a = w1 - k->opt[0], b = w2 - k->opt[1];
    return 0.5 * (k->a11 * a * a + 2 * k->a12 * a * b + k->a22 * b * b);
}

static int reg_cons_create(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_cons *k = s->cons = mlm_alloc(in, sizeof *k);
    if (!k || mlm_series_init(in, &k->trail[0], REG_HIST) || mlm_series_init(in, &k->trail[1], REG_HIST))
        return -1;
    reg_data *c = s->c;
    k->a11 = k->a22 = 1;
    k->a12 = d->rho;
    k->opt[0] = d->opt1;
    k->opt[1] = d->opt2;
    k->L = 1 + fabs(d->rho); /* the larger eigenvalue of A */
    k->eta = d->lr / k->L;
    for (int r = 0; r < 2; r++) mlm_series_push(&k->trail[r], 0, 0);
    c->field = mlm_alloc_const(in, sizeof(float) * REG_FIELD_N * REG_FIELD_N);
    c->ball1 = mlm_alloc_const(in, sizeof(float) * 2 * REG_BALL_N);
    c->ball2 = mlm_alloc_const(in, sizeof(float) * 2 * REG_BALL_N);
    if (!c->field || !c->ball1 || !c->ball2) return -1;
    uint32_t h = 2166136261u; /* FNV-1a of the field: a new surface gets a new version */
    for (int r = 0; r < REG_FIELD_N; r++)
        for (int q = 0; q < REG_FIELD_N; q++) {
            double w1 = -REG_BOX + 2 * REG_BOX * q / (REG_FIELD_N - 1);
            double w2 = -REG_BOX + 2 * REG_BOX * r / (REG_FIELD_N - 1);
            float v = (float)reg_cons_loss(k, w1, w2);
            c->field[r * REG_FIELD_N + q] = v;
            const unsigned char *b = (const unsigned char *)&v;
            for (size_t i = 0; i < sizeof v; i++) h = (h ^ b[i]) * 16777619u;
        }
    k->version = h ? h : 1;
    /* The balls' boundaries, traced by angle: the circle (cos a, sin a) t, and the diamond as the
       same directions scaled to |w1| + |w2| = t. */
    for (int i = 0; i < REG_BALL_N; i++) {
        double a = 2 * 3.14159265358979323846 * i / (REG_BALL_N - 1), cu = mlm_cos(a), su = mlm_sin(a);
        double n1 = fabs(cu) + fabs(su);
        c->ball1[2 * i] = (float)(d->radius * cu / n1), c->ball1[2 * i + 1] = (float)(d->radius * su / n1);
        c->ball2[2 * i] = (float)(d->radius * cu), c->ball2[2 * i + 1] = (float)(d->radius * su);
    }
    return 0;
}

//> constraint_step
/* One step of projected gradient descent for each ball: a gradient step on the loss, then back
   to the nearest point of the ball. A fixed point is where the gradient points straight out of
   the ball, which is the Lagrange condition ∇L(w) + μ ∂||w|| ∋ 0 with a multiplier μ >= 0. */
static void reg_cons_step(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_cons *k = s->cons;
    for (int r = 0; r < 2; r++) {
        if (k->done[r]) continue;
        double *w = k->w[r];
        double a = w[0] - k->opt[0], b = w[1] - k->opt[1];
        double g1 = k->a11 * a + k->a12 * b, g2 = k->a12 * a + k->a22 * b; /* ∇L = A (w - w*) */
        double next[2] = {w[0] - k->eta * g1, w[1] - k->eta * g2};
        if (r == 0) reg_project_l1(next, 2, d->radius);
        else reg_project_l2(next, 2, d->radius);
        double moved = fabs(next[0] - w[0]) + fabs(next[1] - w[1]);
        w[0] = next[0], w[1] = next[1];
        mlm_series_push(&k->trail[r], w[0], w[1]);
        if (moved < 1e-12) k->done[r] = 1;
    }
    if (k->done[0] && k->done[1])
        mlm_converged(in, 1, "Both runs have stopped moving: inside the diamond at (%.3f, %.3f), "
                      "inside the circle at (%.3f, %.3f).", k->w[0][0] + 0.0, k->w[0][1] + 0.0,
                      k->w[1][0], k->w[1][1]);
}
//< constraint_step

/* The penalty λ that makes the penalised problem land where the constrained one did: from the
   Lagrange condition -∇L = μ ∂||w||, μ = -∇L·w / ||w||₁ (L1) or -∇L·w / ||w||² (L2). */
static double reg_cons_multiplier(const reg_cons *k, int r) {
    const double *w = k->w[r];
    double a = w[0] - k->opt[0], b = w[1] - k->opt[1];
    double g1 = k->a11 * a + k->a12 * b, g2 = k->a12 * a + k->a22 * b;
    double norm = r == 0 ? fabs(w[0]) + fabs(w[1]) : w[0] * w[0] + w[1] * w[1];
    if (norm < 1e-12) return 0;
    double mu = -(g1 * w[0] + g2 * w[1]) / norm;
    return mu > 0 ? mu : 0;
}

/* ---- lifecycle ---- */

static void *reg_create(mlm_instance *in) {
    const reg_desc *d = in->desc;
    reg_state *s = mlm_alloc(in, sizeof *s);
    reg_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) return NULL;
    s->c = c;
    s->N = d->n;
    s->M = (int)floor(d->train_frac * d->n + 0.5);
    if (s->M < 2) s->M = 2;
    if (s->M > s->N - 1) s->M = s->N - 1;
    s->T = s->N - s->M;
    s->P = d->degree + 1;

    if (d->scene == REG_SCENE_CONSTRAINT) {
        if (reg_cons_create(in, s)) return NULL;
        return s;
    }

    c->phi_tr = mlm_alloc_const(in, sizeof(double) * (size_t)s->M * REG_P);
    c->phi_te = mlm_alloc_const(in, sizeof(double) * (size_t)s->T * REG_P);
    c->y_tr = mlm_alloc_const(in, sizeof(double) * (size_t)s->M);
    c->y_te = mlm_alloc_const(in, sizeof(double) * (size_t)s->T);
    c->gram = mlm_alloc_const(in, sizeof(double) * REG_P * REG_P);
    c->corr = mlm_alloc_const(in, sizeof(double) * REG_P);
    c->pts_tr = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)s->M);
    c->pts_te = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)s->T);
    c->target = mlm_alloc_const(in, sizeof(float) * 2 * REG_CURVE_N);
    c->u_tr = mlm_alloc_const(in, sizeof(float) * 2 * REG_P);
    c->u_te = mlm_alloc_const(in, sizeof(float) * 2 * REG_P);
    if (!c->phi_tr || !c->phi_te || !c->y_tr || !c->y_te || !c->gram || !c->corr || !c->pts_tr ||
        !c->pts_te || !c->target || !c->u_tr || !c->u_te)
        return NULL;
    reg_make_data(s, d, &in->rng);

    /* The Gram matrix and correlations of every feature up to REG_DMAX, once. */
    for (int i = 0; i < REG_P; i++) {
        for (int j = 0; j < REG_P; j++) {
            double g = 0;
            for (int m = 0; m < s->M; m++) g += c->phi_tr[m * REG_P + i] * c->phi_tr[m * REG_P + j];
            c->gram[i * REG_P + j] = g / s->M;
        }
        double r = 0;
        for (int m = 0; m < s->M; m++) r += c->phi_tr[m * REG_P + i] * c->y_tr[m];
        c->corr[i] = r / s->M;
    }
    for (int m = 0; m < s->M; m++) s->ymean += c->y_tr[m] / s->M;
    for (int m = 0; m < s->M; m++) s->yvar += (c->y_tr[m] - s->ymean) * (c->y_tr[m] - s->ymean) / s->M;

    /* The data panel: [-1, 1] wide, tall enough for every sample and the true curve. */
    double ylo = 0, yhi = 0;
    for (int i = 0; i < REG_CURVE_N; i++) {
        double x = -1.0 + 2.0 * i / (REG_CURVE_N - 1), y = reg_target(d->target, x);
        c->target[2 * i] = (float)x, c->target[2 * i + 1] = (float)y;
        ylo = fmin(ylo, y), yhi = fmax(yhi, y);
    }
    for (int m = 0; m < s->M; m++) ylo = fmin(ylo, c->pts_tr[3 * m + 1]), yhi = fmax(yhi, c->pts_tr[3 * m + 1]);
    for (int m = 0; m < s->T; m++) ylo = fmin(ylo, c->pts_te[3 * m + 1]), yhi = fmax(yhi, c->pts_te[3 * m + 1]);
    double pad = 0.15 * (yhi - ylo) + 0.1;
    s->box[0] = -1.05f, s->box[1] = 1.05f, s->box[2] = (float)(ylo - pad), s->box[3] = (float)(yhi + pad);

    //> ucurve
    /* The U-curve: the exact optimum of the chosen objective at every degree, and its error on
       the training points (which it was fitted to) and on the test points (which it never saw). */
    for (int D = 0; D <= REG_DMAX; D++) {
        double w[REG_P], tr, te;
        reg_optimum(w, c, D + 1, d->penalty, d->lambda);
        reg_errors(&tr, &te, s, w, D + 1);
        c->u_tr[2 * D] = (float)D, c->u_tr[2 * D + 1] = reg_f(tr);
        c->u_te[2 * D] = (float)D, c->u_te[2 * D + 1] = reg_f(te);
    }
    //< ucurve
    /* A fixed log range with headroom: the legend sits top right, where overfitting's errors
       would otherwise be. */
    double ulo = INFINITY, uhi = 0;
    for (int D = 0; D <= REG_DMAX; D++) {
        ulo = fmin(ulo, fmin(c->u_tr[2 * D + 1], c->u_te[2 * D + 1]));
        uhi = fmax(uhi, fmax(c->u_tr[2 * D + 1], c->u_te[2 * D + 1]));
    }
    reg_log_range(s->urange, ulo, uhi);

    if (d->scene == REG_SCENE_PATHS) return reg_paths_create(in, s) ? NULL : s;
    return reg_fit_create(in, s) ? NULL : s;
}

static void reg_step(mlm_instance *in, void *self) {
    const reg_desc *d = in->desc;
    if (d->scene == REG_SCENE_FIT) reg_fit_step(in, self);
    else if (d->scene == REG_SCENE_PATHS) reg_paths_step(in, self);
    else reg_cons_step(in, self);
}

static void reg_draw_fit(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_fit *f = s->fit;
    const reg_data *c = s->c;
    mlm_view_state *v = in->views;
    in->panels[P_DATA] = (mlm_panel_state){s->box[0], s->box[1], s->box[2], s->box[3], 0};
    v[V_TARGET].data = c->target, v[V_TARGET].count = REG_CURVE_N;
    v[V_TRAIN].data = c->pts_tr, v[V_TRAIN].count = s->M;
    v[V_TEST].data = c->pts_te, v[V_TEST].count = s->T;
    for (int i = 0; i < REG_CURVE_N; i++) {
        double x = -1.0 + 2.0 * i / (REG_CURVE_N - 1);
        f->curve[2 * i] = (float)x;
        f->curve[2 * i + 1] = reg_f(mlm_clamp(reg_poly(f->w, x, s->P), -1e6, 1e6));
    }
    v[V_CURVE].data = f->curve, v[V_CURVE].count = REG_CURVE_N;
    in->panels[P_UCURVE] = (mlm_panel_state){-0.5f, REG_DMAX + 0.5f, s->urange[0], s->urange[1], 0};
    v[V_U_TR].data = c->u_tr, v[V_U_TR].count = REG_DMAX + 1;
    v[V_U_TE].data = c->u_te, v[V_U_TE].count = REG_DMAX + 1;
    f->mark[0] = f->mark[2] = (float)d->degree;
    f->mark[1] = c->u_tr[2 * d->degree + 1], f->mark[3] = c->u_te[2 * d->degree + 1];
    v[V_U_MARK].data = f->mark, v[V_U_MARK].count = 2;
    float x1 = (float)(in->steps > 1 ? in->steps : 1);
    f->ref_tr[0] = 0, f->ref_tr[1] = reg_f(f->opt_tr), f->ref_tr[2] = x1, f->ref_tr[3] = f->ref_tr[1];
    f->ref_te[0] = 0, f->ref_te[1] = reg_f(f->opt_te), f->ref_te[2] = x1, f->ref_te[3] = f->ref_te[1];
    v[V_REF_TR].data = f->ref_tr, v[V_REF_TR].count = 2;
    v[V_REF_TE].data = f->ref_te, v[V_REF_TE].count = 2;
    mlm_series_view(in, V_LOSS_TR, &f->loss_tr);
    mlm_series_view(in, V_LOSS_TE, &f->loss_te);
    v[V_MSE_TR].value = reg_f(f->mse_tr);
    v[V_MSE_TE].value = reg_f(f->mse_te);
    v[V_NONZERO].value = (float)f->nonzero;
    v[V_NONZERO].hidden = d->penalty != REG_LASSO;
}

static void reg_draw_paths(mlm_instance *in, reg_state *s) {
    reg_paths *p = s->paths;
    mlm_view_state *v = in->views;
    int n = p->k, P = s->P;
    for (int panel = 0; panel < 2; panel++) {
        const double *W = panel == 0 ? p->ridge : p->lasso;
        double lo = 0, hi = 0;
        for (int g = 0; g < REG_GROUPS; g++) p->nseg[panel][g] = 0;
        for (int j = 1; j < P; j++) {
            int g = (j - 1) % REG_GROUPS;
            for (int q = 0; q + 1 < n; q++) {
                float *seg = p->seg[panel][g] + 4 * p->nseg[panel][g]++;
                seg[0] = (float)p->lam[q], seg[1] = reg_f(W[q * REG_P + j]);
                seg[2] = (float)p->lam[q + 1], seg[3] = reg_f(W[(q + 1) * REG_P + j]);
            }
            for (int q = 0; q < n; q++) lo = fmin(lo, W[q * REG_P + j]), hi = fmax(hi, W[q * REG_P + j]);
        }
        int base = panel == 0 ? V_RIDGE0 : V_LASSO0;
        for (int g = 0; g < REG_GROUPS; g++) {
            v[base + g].data = p->seg[panel][g];
            v[base + g].count = p->nseg[panel][g];
        }
        float *now = p->now[panel];
        double lam = p->lam[n > 0 ? n - 1 : 0];
        now[0] = now[2] = (float)lam, now[1] = reg_f(lo), now[3] = reg_f(hi);
        if (!(hi > lo)) now[1] = -1, now[3] = 1;
        v[base + REG_GROUPS].data = now;
        v[base + REG_GROUPS].count = n > 0 ? 1 : 0;
        in->panels[panel == 0 ? P_RIDGE : P_LASSO] =
            (mlm_panel_state){(float)REG_LAM_LO, (float)REG_LAM_HI, -1, 1, 0};
    }
    int br = 0, bl = 0;
    for (int q = 0; q < n; q++) {
        for (int e = 0; e < 4; e++) {
            p->verr[e][2 * q] = (float)p->lam[q];
            p->verr[e][2 * q + 1] = reg_f(p->err[4 * q + e]);
        }
        if (p->err[4 * q + 1] < p->err[4 * br + 1]) br = q;
        if (p->err[4 * q + 3] < p->err[4 * bl + 3]) bl = q;
    }
    for (int e = 0; e < 4; e++) v[V_VR_TR + e].data = p->verr[e], v[V_VR_TR + e].count = n;
    p->best[0] = (float)p->lam[br], p->best[1] = reg_f(p->err[4 * br + 1]);
    p->best[2] = (float)p->lam[bl], p->best[3] = reg_f(p->err[4 * bl + 3]);
    v[V_VBEST].data = p->best, v[V_VBEST].count = n > 0 ? 2 : 0;
    in->panels[P_VALID] = (mlm_panel_state){(float)REG_LAM_LO, (float)REG_LAM_HI, p->vrange[0], p->vrange[1], 0};
    v[V_LAMBDA].value = (float)p->lam[n > 0 ? n - 1 : 0];
    v[V_LASSO_NZ].value = (float)(n > 0 ? p->nz[n - 1] : 0);
}

static void reg_draw_cons(mlm_instance *in, reg_state *s) {
    const reg_desc *d = in->desc;
    reg_cons *k = s->cons;
    const reg_data *c = s->c;
    mlm_view_state *v = in->views;
    for (int r = 0; r < 2; r++) {
        int base = r == 0 ? V_F1 : V_F2;
        mlm_view_state *fv = &v[base];
        fv->data = c->field, fv->w = fv->h = REG_FIELD_N, fv->version = k->version;
        fv->x0 = fv->y0 = (float)-REG_BOX, fv->x1 = fv->y1 = (float)REG_BOX;
        v[base + 1].data = r == 0 ? c->ball1 : c->ball2, v[base + 1].count = REG_BALL_N;
        /* The level set L(w) = L(w_k) through the iterate: the ellipse w* + sqrt(2 L) A^{-1/2} u.
           With A = [1 ρ; ρ 1], A^{-1/2} has eigenvectors (1, 1)/√2 and (1, -1)/√2 with
           eigenvalues 1/sqrt(1 + ρ) and 1/sqrt(1 - ρ). */
        double lv = reg_cons_loss(k, k->w[r][0], k->w[r][1]), rad = sqrt(2 * lv);
        double ea = rad / sqrt(1 + d->rho), eb = rad / sqrt(1 - d->rho), h = 0.70710678118654752;
        for (int i = 0; i < REG_BALL_N; i++) {
            /* (cos, sin) from the circle already traced for the L2 ball, divided by t. */
            double cu = c->ball2[2 * i] / d->radius, su = c->ball2[2 * i + 1] / d->radius;
            k->level[r][2 * i] = reg_f(k->opt[0] + h * (ea * cu + eb * su));
            k->level[r][2 * i + 1] = reg_f(k->opt[1] + h * (ea * cu - eb * su));
        }
        v[base + 2].data = k->level[r], v[base + 2].count = lv > 0 ? REG_BALL_N : 0;
        mlm_series_view(in, base + 3, &k->trail[r]);
        k->star[0] = (float)k->opt[0], k->star[1] = (float)k->opt[1];
        v[base + 4].data = k->star, v[base + 4].count = 1;
                /* + 0.0 turns the -0 a soft-threshold can leave into +0, so a corner reads 0.000. */
        snprintf(k->note[r], REG_TEXT, "w = (%.3f, %.3f); same as λ = %.3f", k->w[r][0] + 0.0,
                 k->w[r][1] + 0.0, reg_cons_multiplier(k, r));
        v[base + 5].text = k->note[r];
        in->panels[r == 0 ? P_L1 : P_L2] =
            (mlm_panel_state){(float)-REG_BOX, (float)REG_BOX, (float)-REG_BOX, (float)REG_BOX, 0};
    }
}

static void reg_draw(mlm_instance *in, void *self) {
    const reg_desc *d = in->desc;
    reg_state *s = self;
    static const int scene_of_panel[REG_N_PANELS] = {
        [P_DATA] = REG_SCENE_FIT, [P_UCURVE] = REG_SCENE_FIT, [P_LOSS] = REG_SCENE_FIT,
        [P_RIDGE] = REG_SCENE_PATHS, [P_LASSO] = REG_SCENE_PATHS, [P_VALID] = REG_SCENE_PATHS,
        [P_L1] = REG_SCENE_CONSTRAINT, [P_L2] = REG_SCENE_CONSTRAINT};
    for (int p = 0; p < REG_N_PANELS; p++) in->panels[p].hidden = scene_of_panel[p] != d->scene;
    /* Status-line readouts belong to one scene each. */
    int fit = d->scene == REG_SCENE_FIT, paths = d->scene == REG_SCENE_PATHS;
    in->views[V_MSE_TR].hidden = in->views[V_MSE_TE].hidden = in->views[V_NONZERO].hidden = !fit;
    in->views[V_LAMBDA].hidden = in->views[V_LASSO_NZ].hidden = !paths;
    if (fit) reg_draw_fit(in, s);
    else if (paths) reg_draw_paths(in, s);
    else reg_draw_cons(in, s);
}

const mlm_module mlm_module_regularization = {
    .name = "regularization",
    .title = "Overfitting and regularization",
    .params = reg_params,
    .n_params = MLM_COUNT(reg_params),
    .desc_size = sizeof(reg_desc),
    .panels = reg_panels,
    .n_panels = REG_N_PANELS,
    .views = reg_views,
    .n_views = REG_N_VIEWS,
    .state_bytes = REG_STATE_BYTES,
    .const_bytes = REG_CONST_BYTES,
    .speed = 25,
    .random = 1,
    .create = reg_create,
    .step = reg_step,
    .draw = reg_draw,
};
