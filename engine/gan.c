/* gan.c: the engine of chapter 27, "Generative adversarial networks". Two networks of the book's
 * one MLP (engine/core/mlp.h) play a game: the generator G turns random noise z into samples x,
 * the discriminator D reads a sample and says how likely it is to be real. D is trained to tell
 * the real samples from G's; G is trained, through D, to make D call its samples real.
 *
 * Two scenes:
 *   line  a one-dimensional target with two peaks (an even mixture of two Gaussians at -2 and
 *         +2, standard deviation 0.4). The panel draws the real density, a histogram of G's
 *         samples, D's output as a curve, and the discriminator that would be best against
 *         the G of this moment, p_data / (p_data + p_g), with p_g read off the histogram;
 *   ring  a ring of K Gaussians in the plane (radius 2, standard deviation 0.1): real points,
 *         G's points, and D's output as a heatmap. Readouts count the modes G covers, so that
 *         mode collapse (G putting all its samples on a few of the K) is a number as well as a
 *         picture.
 * Either generator loss: the minimax one, log(1 - D(G(z))), which G minimises in the game as
 * first written, and the non-saturating one, -log D(G(z)), which has the same fixed point but a
 * strong gradient where D confidently rejects G's samples. Each step is one round: `d_steps`
 * updates of D, then `g_steps` updates of G, each an Adam step on a fresh mini-batch.
 *
 * Shapes (doubles unless said):
 *   n   the data's dimension: 1 (line) or 2 (ring); Z noise inputs, GAN_Z
 *   B   the mini-batch (GAN_B): B real and B generated samples per D update, B noise rows per
 *       G update
 *   W   hidden units per layer (GAN_W), two hidden layers in each network
 *   S   samples G draws for the picture (GAN_S), from noise fixed at create so the picture
 *       moves only because G does
 *   NB  histogram bins of the line scene (GAN_BINS) over [-GAN_XMAX, GAN_XMAX]
 *   G2  side of the ring scene's heatmap grid (GAN_GRID)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"
#include "optim.h"

#define GAN_Z 2          /* noise inputs of the generator */
#define GAN_W 32         /* units in each hidden layer */
#define GAN_B 64         /* mini-batch */
#define GAN_S 1000       /* samples drawn for the picture */
#define GAN_BINS 80      /* histogram bins of the line scene */
#define GAN_XMAX 5.0     /* the line scene shows [-5, 5] */
#define GAN_RMAX 3.0     /* the ring scene shows [-3, 3]^2 */
#define GAN_GRID 48      /* the ring scene's heatmap is GAN_GRID^2 */
#define GAN_CURVE 201    /* points of each curve of the line scene */
#define GAN_REAL_SHOWN 250
#define GAN_FAKE_SHOWN 500 /* of the S samples measured, the ring shows the first 500: the browser
                              draws every frame while playing, and points are its cost */
#define GAN_HIST 500     /* points in a loss history */
#define GAN_MODES_MAX 12
#define GAN_PEAK 2.0     /* line: the peaks at -2 and +2 */
#define GAN_PEAK_SD 0.4
#define GAN_RING_R 2.0   /* ring: radius and spread of each mode */
#define GAN_RING_SD 0.1
#define GAN_STEPS_MAX 10

enum { GAN_LINE, GAN_RING };
enum { GAN_NS, GAN_MINIMAX };

typedef struct {
    int scene;      /* GAN_LINE or GAN_RING */
    int loss;       /* the generator's loss: GAN_NS or GAN_MINIMAX */
    int d_steps;    /* updates of D per round */
    int g_steps;    /* updates of G per round */
    double lr_d;    /* Adam's step size for D */
    double lr_g;    /* and for G */
    int modes;      /* ring: K Gaussians */
} gan_desc;

/* The constant block: what the picture needs, rewritten by draw() from the state. */
typedef struct {
    double *zfix;     /* (S, Z) the noise the picture's samples come from, drawn once */
    float *real_pts;  /* (GAN_REAL_SHOWN, 3) real samples of the ring, drawn once */
    float *centers;   /* (K, 2) the ring's modes */
    float *fake_pts;  /* (S, 3) G's samples (ring) */
    float *bars;      /* (NB, 2) the histogram of G's samples as a density (line) */
    float *pdata;     /* (GAN_CURVE, 2) the real density (line) */
    float *dcurve;    /* (GAN_CURVE, 2) D(x) */
    float *dstar;     /* (GAN_CURVE, 2) p_data / (p_data + p_g) where defined */
    float *field;     /* (G2, G2) D(x) - 1/2 over the plane */
    float *eq;        /* (2, 2) the D loss at the game's equilibrium, 2 log 2, as a line */
    int64_t drawn_step; /* the step the buffers show (-1: none): a function of the step */
    uint32_t version;
    int n_dstar;
    int covered;                 /* modes holding a quarter of their fair share (ring) */
    double *xs;                  /* (S, n) G's picture samples (scratch for draw) */
    double share[GAN_MODES_MAX]; /* share of G's samples near each mode (ring) or peak (line) */
    double in_mode;              /* share of G's samples near some mode */
} gan_pic;

typedef struct {
    gan_pic *c;
    int scene, loss, n, K;
    int d_steps, g_steps;
    mlp G, D;                 /* G: Z -> W -> W -> n (linear output); D: n -> W -> W -> 1 */
    mlm_opt_hyper hg, hd;
    mlm_opt_state og, od;     /* Adam's moments of each */
    double *z;                /* (B, Z) noise */
    double *xd;               /* (2B, n) D's batch: B real rows, then B generated */
    double *yd;               /* (2B, 1) their labels, 1 then 0 */
    double *blame;            /* (B, 1) dL_G / d(D's logit) */
    double *backup;           /* (P_G + P_D,) both networks before this step */
    double d_loss, g_loss;    /* the last update's losses */
    double g_grad;            /* |dL_G / dtheta_G| of the last G update */
    mlm_series h_d, h_g;       /* (GAN_HIST, 2) (step, loss) */
} gan_state;

/* ---- declarations ---- */

static const mlm_param gan_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(gan_desc, scene), 0, 1, 1, GAN_LINE, 0,
     "line:Two peaks (1-D)|ring:Ring of Gaussians (2-D)", "what the generator must learn to imitate"},
    {"loss", "Generator loss", MLM_CHOICE, offsetof(gan_desc, loss), 0, 1, 1, GAN_NS, 0,
     "ns:Non-saturating −log D(G(z))|minimax:Minimax log(1 − D(G(z)))",
     "what the generator minimises: both have the same optimum, not the same gradients"},
    {"d_steps", "D steps per round", MLM_INT, offsetof(gan_desc, d_steps), 1, GAN_STEPS_MAX, 1, 1,
     0, NULL, "updates of the discriminator in each step of the widget"},
    {"g_steps", "G steps per round", MLM_INT, offsetof(gan_desc, g_steps), 1, GAN_STEPS_MAX, 1, 1,
     0, NULL, "updates of the generator in each step, after the discriminator's"},
    {"lr_d", "D learning rate", MLM_FLOAT, offsetof(gan_desc, lr_d), 1e-5, 0.1, 0, 2e-3, 1, NULL,
     "Adam's step size for the discriminator"},
    {"lr_g", "G learning rate", MLM_FLOAT, offsetof(gan_desc, lr_g), 1e-5, 0.1, 0, 2e-3, 1, NULL,
     "Adam's step size for the generator"},
    {"modes", "Modes", MLM_INT, offsetof(gan_desc, modes), 3, GAN_MODES_MAX, 1, 8, 0, NULL,
     "Gaussians on the ring (2-D scene)"},
};

static const mlm_when gan_when[] = {{"modes", "scene=ring"}};

enum { P_LINE, P_PLANE, P_LOSS, GAN_N_PANELS };
static const mlm_panel gan_panels[] = {
    [P_LINE] = {"line", "Real and generated densities, and the discriminator", "x",
                "density, D(x)", MLM_PANEL_WIDE, NULL},
    [P_PLANE] = {"plane", "Real and generated points over D(x)", "x₁", "x₂",
                 MLM_PANEL_WIDE | MLM_PANEL_EQUAL, NULL},
    [P_LOSS] = {"loss", "Losses", "step", "loss", MLM_PANEL_WIDE | MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    V_PG, V_PDATA, V_DCURVE, V_DSTAR, V_LEFT, V_RIGHT,
    V_FIELD, V_FAKE, V_REAL, V_MODES, V_INMODE,
    V_HD, V_HG, V_HEQ,
    V_DLOSS, V_GLOSS, V_GGRAD,
    GAN_N_VIEWS
};
static const mlm_view gan_views[] = {
    [V_PG] = {"p_g", "line", MLM_VIEW_BARS, "generated (histogram)", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_PDATA] = {"p_data", "line", MLM_VIEW_CURVE, "real density", MLM_INK, MLM_VIEW_LEGEND},
    [V_DCURVE] = {"d", "line", MLM_VIEW_CURVE, "D(x)", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_DSTAR] = {"d_star", "line", MLM_VIEW_CURVE, "best D against this G", MLM_BLUE,
                 MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_LEFT] = {"left", "line", MLM_VIEW_SCALAR, "left peak", 0, MLM_SCALAR_PERCENT},
    [V_RIGHT] = {"right", "line", MLM_VIEW_SCALAR, "right peak", 0, MLM_SCALAR_PERCENT},
    [V_FIELD] = {"d_field", "plane", MLM_VIEW_FIELD, "D(x) − ½", 0,
                 MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    /* real after generated, so a mode the generator misses shows up green */
    [V_FAKE] = {"fake", "plane", MLM_VIEW_POINTS, "generated", MLM_INK, MLM_VIEW_LEGEND},
    [V_REAL] = {"real", "plane", MLM_VIEW_POINTS, "real", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_MODES] = {"modes_covered", "plane", MLM_VIEW_SCALAR, "modes covered", 0, MLM_SCALAR_INT},
    [V_INMODE] = {"in_mode", "plane", MLM_VIEW_SCALAR, "near a mode", 0, MLM_SCALAR_PERCENT},
    [V_HD] = {"d_hist", "loss", MLM_VIEW_CURVE, "D: −V", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_HG] = {"g_hist", "loss", MLM_VIEW_CURVE, "G", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_HEQ] = {"eq", "loss", MLM_VIEW_CURVE, "2 log 2", MLM_INK, MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_DLOSS] = {"d_loss", NULL, MLM_VIEW_SCALAR, "D loss", 0, 0},
    [V_GLOSS] = {"g_loss", NULL, MLM_VIEW_SCALAR, "G loss", 0, 0},
    [V_GGRAD] = {"g_grad", NULL, MLM_VIEW_SCALAR, "|∇G|", 0, 0},
};
_Static_assert(MLM_COUNT(gan_views) == GAN_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(gan_panels) == GAN_N_PANELS, "one declaration per panel");

#define GAN_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define GAN_PG_MAX MLP_PARAMS_MAX(GAN_Z, GAN_W, 2, 2)
#define GAN_PD_MAX MLP_PARAMS_MAX(2, GAN_W, 2, 1)
#define GAN_STATE_BYTES                                                                        \
    (GAN_A16(sizeof(gan_state)) + MLP_BYTES_MAX(GAN_Z, GAN_W, 2, 2, GAN_B) +                    \
     MLP_BYTES_MAX(2, GAN_W, 2, 1, 2 * GAN_B) + GAN_A16(mlm_opt_bytes_max(GAN_PG_MAX)) +      \
     GAN_A16(mlm_opt_bytes_max(GAN_PD_MAX)) + GAN_A16(sizeof(double) * GAN_B * GAN_Z) +        \
     GAN_A16(sizeof(double) * 2 * GAN_B * 2) + GAN_A16(sizeof(double) * 2 * GAN_B) +           \
     GAN_A16(sizeof(double) * GAN_B) + GAN_A16(sizeof(double) * (GAN_PG_MAX + GAN_PD_MAX)) +   \
     2 * GAN_A16(sizeof(float) * 2 * GAN_HIST))
/* mlm_opt_bytes(n) is 3 n doubles (the moments and Adadelta's second average) */
#define mlm_opt_bytes_max(n) (3 * sizeof(double) * (size_t)(n))
#define GAN_CONST_BYTES                                                                        \
    (GAN_A16(sizeof(gan_pic)) + GAN_A16(sizeof(double) * GAN_S * GAN_Z) +                      \
     GAN_A16(sizeof(float) * GAN_REAL_SHOWN * 3) + GAN_A16(sizeof(float) * GAN_MODES_MAX * 2) + \
     GAN_A16(sizeof(float) * GAN_S * 3) + GAN_A16(sizeof(float) * GAN_BINS * 2) +              \
     3 * GAN_A16(sizeof(float) * GAN_CURVE * 2) + GAN_A16(sizeof(float) * GAN_GRID * GAN_GRID) + \
     GAN_A16(sizeof(float) * 4) + GAN_A16(sizeof(double) * GAN_S * 2))

/* ---- the real data ---- */

//> real
/* The real distribution. Line: an even mixture of N(-2, 0.4^2) and N(2, 0.4^2), whose density
   is p_data(x) = 1/2 phi((x + 2) / 0.4) / 0.4 + 1/2 phi((x - 2) / 0.4) / 0.4. Ring: pick one of
   the K modes evenly, centred at radius 2 and angle 2 pi k / K, and add N(0, 0.1^2) to each
   coordinate. */
static void gan_mode_center(int k, int K, double *c /* (2,) */) {
    double t = 6.283185307179586 * k / K;
    c[0] = GAN_RING_R * mlm_cos(t), c[1] = GAN_RING_R * mlm_sin(t);
}

static void gan_sample_real(const gan_state *s, mlm_rng *rng, double *x /* (n_rows, n) */,
                            int n_rows) {
    for (int r = 0; r < n_rows; r++) {
        if (s->scene == GAN_LINE) {
            double mu = mlm_rng_uniform(rng) < 0.5 ? -GAN_PEAK : GAN_PEAK;
            x[r] = mu + GAN_PEAK_SD * mlm_rng_normal(rng);
        } else {
            double c[2];
            gan_mode_center((int)mlm_rng_below(rng, (uint32_t)s->K), s->K, c);
            x[2 * r] = c[0] + GAN_RING_SD * mlm_rng_normal(rng);
            x[2 * r + 1] = c[1] + GAN_RING_SD * mlm_rng_normal(rng);
        }
    }
}

static double gan_p_data_line(double x) {
    const double k = 0.3989422804014327 / GAN_PEAK_SD; /* 1 / (sd sqrt(2 pi)) */
    double a = (x + GAN_PEAK) / GAN_PEAK_SD, b = (x - GAN_PEAK) / GAN_PEAK_SD;
    return 0.5 * k * (mlm_exp(-0.5 * a * a) + mlm_exp(-0.5 * b * b));
}
//< real

/* ---- the two players ---- */

/* softplus(t) = log(1 + e^t), without overflow: -log sigmoid(s) = softplus(-s) and
   -log(1 - sigmoid(s)) = softplus(s). */
static double gan_softplus(double t) { return (t > 0 ? t : 0.0) + mlm_log1p(mlm_exp(-fabs(t))); }

/* G's samples for the noise rows z (B, Z): G's outputs, G.a[L-1] (B, n). */
static const double *gan_generate(gan_state *s, const double *z, int B) {
    mlp_forward(&s->G, z, NULL, B, NULL);
    return s->G.a[s->G.L - 1];
}

//> d_update
/* The discriminator's side of the value of the game,
     V(D, G) = E_{x ~ p_data} log D(x) + E_{z} log(1 - D(G(z))),
   estimated on B real rows and the B generated rows after them in xd (2B, n). D maximises V,
   that is, minimises -V: the cross-entropy of calling the real rows 1 and the generated ones 0.
   The network's BCE is the mean over all 2B rows, which is -V / 2 on this batch, so its
   gradients are those of -V halved (Adam does not mind the factor). Fills D's gradients and
   returns -V. */
static double gan_d_loss_grad(gan_state *s, int B) {
    double bce = mlp_forward(&s->D, s->xd, s->yd, 2 * B, NULL);
    mlp_backward(&s->D);
    return 2 * bce;
}
//< d_update

//> g_update
/* The generator's loss on B noise rows z, read through D: with s_r = D's logit for G(z_r) and
   D = sigmoid(s_r),
     minimax          L_G = mean_r log(1 - D) = mean_r -softplus(s_r),   dL_G/ds_r = -D / B
     non-saturating   L_G = mean_r -log D     = mean_r softplus(-s_r),   dL_G/ds_r = (D - 1) / B.
   The blame on the logits goes back through D (whose weights stay put) to D's inputs, which are
   G's outputs, and from there through G to G's weights: two backward passes, the first with
   D.input_grad set. Fills G's gradients and returns L_G. */
static double gan_g_loss_grad(gan_state *s, const double *z, int B) {
    const double *x = gan_generate(s, z, B);
    mlp_forward(&s->D, x, NULL, B, NULL);
    const double *logit = s->D.z[s->D.L - 1], *p = s->D.a[s->D.L - 1];
    double L = 0;
    for (int r = 0; r < B; r++) {
        if (s->loss == GAN_MINIMAX) {
            L -= gan_softplus(logit[r]);
            s->blame[r] = -p[r] / B;
        } else {
            L += gan_softplus(-logit[r]);
            s->blame[r] = (p[r] - 1) / B;
        }
    }
    s->D.input_grad = 1;
    mlp_backward_from(&s->D, s->blame);
    s->D.input_grad = 0;
    mlp_backward_from(&s->G, s->D.da[0]); /* D.da[0] (B, n) = dL_G / dG(z) */
    return L / B;
}
//< g_update

static void gan_noise(mlm_rng *rng, double *z, int n) {
    for (int k = 0; k < n; k++) z[k] = mlm_rng_normal(rng);
}

//> step
/* One round of the game: d_steps updates of D, each on B fresh real samples and B fresh samples
   of the current G, then g_steps updates of G, each on B fresh noise rows. Each update is one
   Adam step on that player's parameters alone. */
static void gan_step(mlm_instance *in, void *self) {
    gan_state *s = self;
    int B = GAN_B, n = s->n, PG = s->G.n_params, PD = s->D.n_params;
    memcpy(s->backup, s->G.params, sizeof(double) * PG);
    memcpy(s->backup + PG, s->D.params, sizeof(double) * PD);
    for (int k = 0; k < s->d_steps; k++) {
        gan_sample_real(s, &in->rng, s->xd, B);
        gan_noise(&in->rng, s->z, B * GAN_Z);
        memcpy(s->xd + (size_t)B * n, gan_generate(s, s->z, B), sizeof(double) * B * n);
        s->d_loss = gan_d_loss_grad(s, B);
        mlm_opt_step(MLM_OPT_ADAM, &s->hd, &s->od, s->D.params, s->D.grads, PD);
    }
    for (int k = 0; k < s->g_steps; k++) {
        gan_noise(&in->rng, s->z, B * GAN_Z);
        s->g_loss = gan_g_loss_grad(s, s->z, B);
        double g2 = 0;
        for (int j = 0; j < PG; j++) g2 += s->G.grads[j] * s->G.grads[j];
        s->g_grad = sqrt(g2);
        mlm_opt_step(MLM_OPT_ADAM, &s->hg, &s->og, s->G.params, s->G.grads, PG);
    }
    int64_t step = in->steps + 1;
    if (!mlm_isfinite(s->d_loss) || !mlm_isfinite(s->g_loss) || !mlp_finite(&s->G) ||
        !mlp_finite(&s->D)) {
        memcpy(s->G.params, s->backup, sizeof(double) * PG);
        memcpy(s->D.params, s->backup + PG, sizeof(double) * PD);
        s->d_loss = s->g_loss = s->g_grad = 0;
        mlm_diverged(in, 1, "a loss became infinite at step %lld: the weights overflowed (learning "
                            "rates %.3g for D and %.3g for G)",
                     (long long)step, s->hd.lr, s->hg.lr);
        return;
    }
    mlm_series_push(&s->h_d, (double)step, s->d_loss);
    mlm_series_push(&s->h_g, (double)step, s->g_loss);
}
//< step

/* ---- create ---- */

static void *gan_create(mlm_instance *in) {
    const gan_desc *d = in->desc;
    gan_state *s = mlm_alloc(in, sizeof *s);
    gan_pic *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->c = c;
    s->scene = d->scene, s->loss = d->loss;
    s->n = s->scene == GAN_LINE ? 1 : 2;
    s->K = s->scene == GAN_LINE ? 2 : d->modes;
    s->d_steps = d->d_steps, s->g_steps = d->g_steps;
    int gs[4] = {GAN_Z, GAN_W, GAN_W, s->n}, ds[4] = {s->n, GAN_W, GAN_W, 1};
    if (mlp_init(in, &s->G, gs, 4, MLP_TANH, MLP_MSE, GAN_B)) return NULL;
    if (mlp_init(in, &s->D, ds, 4, MLP_TANH, MLP_BCE, 2 * GAN_B)) return NULL;
    /* Adam with beta1 = 0.5, the usual choice for GANs since Radford et al. (2016): a shorter
       memory of past gradients, because the other player keeps changing the landscape. */
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hg);
    s->hg.beta1 = 0.5;
    s->hd = s->hg;
    s->hg.lr = d->lr_g, s->hd.lr = d->lr_d;
    int PG = s->G.n_params, PD = s->D.n_params;
    double *og = mlm_alloc(in, mlm_opt_bytes(PG)), *od = mlm_alloc(in, mlm_opt_bytes(PD));
    s->z = mlm_alloc(in, sizeof(double) * GAN_B * GAN_Z);
    s->xd = mlm_alloc(in, sizeof(double) * 2 * GAN_B * s->n);
    s->yd = mlm_alloc(in, sizeof(double) * 2 * GAN_B);
    s->blame = mlm_alloc(in, sizeof(double) * GAN_B);
    s->backup = mlm_alloc(in, sizeof(double) * (size_t)(PG + PD));
    if (!og || !od || !s->z || !s->xd || !s->yd || !s->blame || !s->backup ||
        mlm_series_init(in, &s->h_d, GAN_HIST) || mlm_series_init(in, &s->h_g, GAN_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    mlm_opt_init(&s->og, og, PG);
    mlm_opt_init(&s->od, od, PD);
    for (int r = 0; r < 2 * GAN_B; r++) s->yd[r] = r < GAN_B ? 1 : 0;

    /* the picture's fixed noise, real points and modes */
    c->zfix = mlm_alloc_const(in, sizeof(double) * GAN_S * GAN_Z);
    c->real_pts = mlm_alloc_const(in, sizeof(float) * GAN_REAL_SHOWN * 3);
    c->centers = mlm_alloc_const(in, sizeof(float) * GAN_MODES_MAX * 2);
    c->fake_pts = mlm_alloc_const(in, sizeof(float) * GAN_S * 3);
    c->bars = mlm_alloc_const(in, sizeof(float) * GAN_BINS * 2);
    c->pdata = mlm_alloc_const(in, sizeof(float) * GAN_CURVE * 2);
    c->dcurve = mlm_alloc_const(in, sizeof(float) * GAN_CURVE * 2);
    c->dstar = mlm_alloc_const(in, sizeof(float) * GAN_CURVE * 2);
    c->field = mlm_alloc_const(in, sizeof(float) * GAN_GRID * GAN_GRID);
    c->eq = mlm_alloc_const(in, sizeof(float) * 4);
    c->xs = mlm_alloc_const(in, sizeof(double) * GAN_S * 2);
    if (!c->xs || !c->zfix || !c->real_pts || !c->centers || !c->fake_pts || !c->bars || !c->pdata ||
        !c->dcurve || !c->dstar || !c->field || !c->eq) {
        mlm_fail(in, "out of memory for the picture");
        return NULL;
    }
    gan_noise(&in->rng, c->zfix, GAN_S * GAN_Z);
    double x[2];
    for (int r = 0; r < GAN_REAL_SHOWN; r++) {
        if (s->scene == GAN_RING) gan_sample_real(s, &in->rng, x, 1);
        else x[0] = x[1] = 0;
        c->real_pts[3 * r] = (float)x[0], c->real_pts[3 * r + 1] = (float)x[1];
        c->real_pts[3 * r + 2] = 0;
    }
    for (int k = 0; k < s->K; k++) {
        if (s->scene == GAN_LINE) x[0] = k ? GAN_PEAK : -GAN_PEAK, x[1] = 0;
        else gan_mode_center(k, s->K, x);
        c->centers[2 * k] = (float)x[0], c->centers[2 * k + 1] = (float)x[1];
    }
    for (int i = 0; i < GAN_CURVE; i++) {
        double t = -GAN_XMAX + 2 * GAN_XMAX * i / (GAN_CURVE - 1);
        c->pdata[2 * i] = (float)t, c->pdata[2 * i + 1] = (float)gan_p_data_line(t);
    }
    c->drawn_step = -1;

    /* the losses start unknown; a D that knows nothing says 1/2 everywhere, where -V = 2 log 2 */
    s->d_loss = s->g_loss = s->g_grad = 0;
    int line = s->scene == GAN_LINE;
    in->panels[P_LINE].hidden = !line;
    in->panels[P_PLANE].hidden = line;
    in->panels[P_LOSS].hidden = 0;
    mlm_panel_state *pl = &in->panels[P_LINE];
    pl->x0 = (float)-GAN_XMAX, pl->x1 = (float)GAN_XMAX, pl->y0 = 0, pl->y1 = 1.05f;
    mlm_panel_state *pp = &in->panels[P_PLANE];
    pp->x0 = pp->y0 = (float)-GAN_RMAX, pp->x1 = pp->y1 = (float)GAN_RMAX;
    return s;
}

/* ---- drawing ---- */

static float gan_safe(double v) {
    if (!(v == v)) return 0.0f;
    return (float)mlm_clamp(v, -1e30, 1e30);
}

//> measure
/* Where G's S picture samples fall: the share within 3 standard deviations of each mode (of
   each peak on the line: 1.2; of each Gaussian of the ring: 0.3). A mode counts as covered when
   it holds at least a quarter of its fair share 1/K; in_mode is the share near any mode at all.
   Of real samples, 99.7 % (line) and 98.9 % (ring: a 2-D Gaussian puts 1 - e^{-9/2} within 3
   standard deviations) would be near a mode, each mode holding 1/K of them. */
static int gan_measure(gan_state *s, const double *xs /* (S, n) */) {
    gan_pic *c = s->c;
    double count[GAN_MODES_MAX] = {0}, near = 0;
    for (int i = 0; i < GAN_S; i++) {
        for (int k = 0; k < s->K; k++) {
            double dx, dy, sd;
            if (s->scene == GAN_LINE) dx = xs[i] - c->centers[2 * k], dy = 0, sd = GAN_PEAK_SD;
            else dx = xs[2 * i] - c->centers[2 * k], dy = xs[2 * i + 1] - c->centers[2 * k + 1], sd = GAN_RING_SD;
            if (dx * dx + dy * dy < 9 * sd * sd) {
                count[k]++, near++;
                break;
            }
        }
    }
    int covered = 0;
    for (int k = 0; k < s->K; k++) {
        c->share[k] = count[k] / GAN_S;
        covered += c->share[k] >= 0.25 / s->K;
    }
    c->in_mode = near / GAN_S;
    return covered;
}
//< measure

/* The picture of the line scene: G's histogram as a density (count / (S * bin width)), D(x)
   along the axis, and the best discriminator against this G, p_data / (p_data + p_g), with p_g
   the histogram smoothed by a [1 2 1] / 4 kernel (drawn only where either density is at least
   0.01: elsewhere the ratio is 0 / 0). */
static void gan_draw_line(gan_state *s, const double *xs /* (S, 1) */) {
    gan_pic *c = s->c;
    const double bw = 2 * GAN_XMAX / GAN_BINS;
    double h[GAN_BINS] = {0}, hs[GAN_BINS];
    for (int i = 0; i < GAN_S; i++) {
        int b = (int)floor((xs[i] + GAN_XMAX) / bw);
        if (b >= 0 && b < GAN_BINS) h[b] += 1.0 / (GAN_S * bw);
    }
    for (int b = 0; b < GAN_BINS; b++) {
        c->bars[2 * b] = (float)(-GAN_XMAX + (b + 0.5) * bw);
        c->bars[2 * b + 1] = gan_safe(h[b]);
        hs[b] = (2 * h[b] + (b > 0 ? h[b - 1] : 0) + (b < GAN_BINS - 1 ? h[b + 1] : 0)) / 4;
    }
    c->n_dstar = 0;
    for (int i = 0; i < GAN_CURVE; i++) {
        double t = c->pdata[2 * i], out;
        mlp_predict(&s->D, &t, &out);
        c->dcurve[2 * i] = (float)t, c->dcurve[2 * i + 1] = gan_safe(out);
        int b = (int)floor((t + GAN_XMAX) / bw);
        b = b < 0 ? 0 : b >= GAN_BINS ? GAN_BINS - 1 : b;
        double pd = c->pdata[2 * i + 1], pg = hs[b];
        if (pd + pg >= 0.01) {
            c->dstar[2 * c->n_dstar] = (float)t;
            c->dstar[2 * c->n_dstar + 1] = gan_safe(pd / (pd + pg));
            c->n_dstar++;
        }
    }
}

static void gan_draw_ring(gan_state *s, const double *xs /* (S, 2) */) {
    gan_pic *c = s->c;
    for (int i = 0; i < GAN_S; i++) {
        c->fake_pts[3 * i] = gan_safe(xs[2 * i]), c->fake_pts[3 * i + 1] = gan_safe(xs[2 * i + 1]);
        c->fake_pts[3 * i + 2] = 0;
    }
    double out;
    for (int r = 0; r < GAN_GRID; r++)
        for (int q = 0; q < GAN_GRID; q++) {
            double p[2] = {-GAN_RMAX + 2 * GAN_RMAX * q / (GAN_GRID - 1),
                           -GAN_RMAX + 2 * GAN_RMAX * r / (GAN_GRID - 1)};
            mlp_predict(&s->D, p, &out);
            c->field[r * GAN_GRID + q] = gan_safe(out - 0.5);
        }
}

static void gan_draw(mlm_instance *in, void *self) {
    gan_state *s = self;
    gan_pic *c = s->c;
    mlm_view_state *v = in->views;
    int line = s->scene == GAN_LINE;
    /* The picture is a function of the step (the networks at step t are always the same in a
       run), so it is recomputed only when the step changes: paused, a frame costs nothing. */
    if (c->drawn_step != in->steps) {
        double *xs = c->xs, out[2];
        for (int i = 0; i < GAN_S; i++) {
            mlp_predict(&s->G, c->zfix + (size_t)i * GAN_Z, out);
            for (int k = 0; k < s->n; k++) xs[i * s->n + k] = out[k];
        }
        c->covered = gan_measure(s, xs);
        if (line) gan_draw_line(s, xs);
        else gan_draw_ring(s, xs);
        c->drawn_step = in->steps;
        /* the heatmap's version for the renderer's cache: FNV-1a of its bytes, the same for the
           same picture whatever run or frame drew it before */
        uint32_t hash = 2166136261u;
        const unsigned char *b = (const unsigned char *)c->field;
        for (size_t k = 0; k < sizeof(float) * GAN_GRID * GAN_GRID; k++) hash = (hash ^ b[k]) * 16777619u;
        c->version = hash;
    }
    for (int k = V_PG; k <= V_RIGHT; k++) v[k].hidden = !line;
    for (int k = V_FIELD; k <= V_INMODE; k++) v[k].hidden = line;
    v[V_PG].data = c->bars, v[V_PG].count = GAN_BINS;
    v[V_PDATA].data = c->pdata, v[V_PDATA].count = GAN_CURVE;
    v[V_DCURVE].data = c->dcurve, v[V_DCURVE].count = GAN_CURVE;
    v[V_DSTAR].data = c->dstar, v[V_DSTAR].count = c->n_dstar;
    v[V_LEFT].value = gan_safe(100 * c->share[0]);
    v[V_RIGHT].value = gan_safe(100 * c->share[1]);
    mlm_field_view(in, V_FIELD, c->field, GAN_GRID, GAN_GRID, -GAN_RMAX, GAN_RMAX, -GAN_RMAX,
                   GAN_RMAX, c->version);
    v[V_FIELD].lo = -0.5f, v[V_FIELD].hi = 0.5f;
    v[V_REAL].data = c->real_pts, v[V_REAL].count = line ? 0 : GAN_REAL_SHOWN;
    v[V_FAKE].data = c->fake_pts, v[V_FAKE].count = line ? 0 : GAN_FAKE_SHOWN;
    v[V_MODES].value = (float)c->covered;
    v[V_INMODE].value = gan_safe(100 * c->in_mode);
    mlm_series_view(in, V_HD, &s->h_d);
    mlm_series_view(in, V_HG, &s->h_g);
    /* the equilibrium's D loss as a line across the plot */
    double end = in->steps > 0 ? (double)in->steps : 1;
    c->eq[0] = 0, c->eq[1] = (float)(2 * 0.6931471805599453);
    c->eq[2] = (float)end, c->eq[3] = c->eq[1];
    v[V_HEQ].data = c->eq, v[V_HEQ].count = 2;
    v[V_DLOSS].value = gan_safe(s->d_loss);
    v[V_GLOSS].value = gan_safe(s->g_loss);
    v[V_GGRAD].value = gan_safe(s->g_grad);
}

const mlm_module mlm_module_gan = {
    .name = "gan",
    .title = "Generative adversarial networks",
    .params = gan_params,
    .n_params = MLM_COUNT(gan_params),
    .desc_size = sizeof(gan_desc),
    .panels = gan_panels,
    .n_panels = GAN_N_PANELS,
    .views = gan_views,
    .n_views = GAN_N_VIEWS,
    .state_bytes = GAN_STATE_BYTES,
    .const_bytes = GAN_CONST_BYTES,
    .speed = 100,
    .t_max = 3000,
    .worker = 1,
    .random = 1,
    .create = gan_create,
    .step = gan_step,
    .draw = gan_draw,
    .when = gan_when,
    .n_when = MLM_COUNT(gan_when),
};
