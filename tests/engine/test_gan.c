/* test_gan.c: the GAN of chapter 27 against mathematics.
 *   - both players' gradients against central differences of the losses as the chapter writes
 *     them, computed here from single predictions (not from the module's batch code): D's of
 *     -V, G's of the minimax and of the non-saturating loss, in both scenes;
 *   - for fixed known densities (the two peaks as p_data, a wide Gaussian as p_g), a
 *     discriminator trained by the module's own update approaches p_data / (p_data + p_g) on a
 *     grid;
 *   - the mode measure on real samples: every mode covered, 99.7 % / 98.9 % near a mode;
 *   - learning at the defaults (both peaks, all eight modes) and mode collapse with ten G steps
 *     per D step;
 *   - every parameter's extremes stay finite; memory within the declared bound. */
#include "../../engine/gan.c"

#include <stdlib.h>

#include "check.h"

static mlm_instance *gan_make(int scene, int loss, uint64_t seed) {
    mlm_instance *in = mlm_create(&mlm_module_gan);
    check_set(in, "scene", scene);
    check_set(in, "loss", loss);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

/* -V on the batch in s->xd, from one prediction per row: -mean log D(real) - mean log(1 - D). */
static double neg_v(gan_state *s) {
    double sum = 0, p;
    for (int r = 0; r < 2 * GAN_B; r++) {
        mlp_predict(&s->D, s->xd + (size_t)r * s->n, &p);
        sum -= r < GAN_B ? mlm_log(p) : mlm_log(1 - p);
    }
    return sum / GAN_B;
}

/* L_G for noise rows z, from one prediction of G and one of D per row. */
static double g_loss(gan_state *s, const double *z) {
    double sum = 0, x[2], p;
    for (int r = 0; r < GAN_B; r++) {
        mlp_predict(&s->G, z + (size_t)r * GAN_Z, x);
        mlp_predict(&s->D, x, &p);
        sum += s->loss == GAN_MINIMAX ? mlm_log(1 - p) : -mlm_log(p);
    }
    return sum / GAN_B;
}

static void test_gradients(void) {
    for (int scene = 0; scene < 2; scene++)
        for (int loss = 0; loss < 2; loss++) {
            mlm_instance *in = gan_make(scene, loss, 5 + scene + 2 * loss);
            gan_state *s = in->self;
            mlm_step(in, 30); /* away from the initial weights, so D is not 1/2 everywhere */
            /* D: the gradient of the BCE over 2B rows is that of -V halved */
            gan_sample_real(s, &in->rng, s->xd, GAN_B);
            gan_noise(&in->rng, s->z, GAN_B * GAN_Z);
            memcpy(s->xd + (size_t)GAN_B * s->n, gan_generate(s, s->z, GAN_B),
                   sizeof(double) * GAN_B * s->n);
            double dl = gan_d_loss_grad(s, GAN_B);
            CHECK_REL(dl, neg_v(s), 1e-12);
            int P = s->D.n_params, bad = 0;
            double *g = malloc(sizeof(double) * (P > s->G.n_params ? P : s->G.n_params));
            memcpy(g, s->D.grads, sizeof(double) * P);
            const double h = 1e-6;
            for (int k = 0; k < P; k++) {
                double keep = s->D.params[k];
                s->D.params[k] = keep + h;
                double lp = neg_v(s);
                s->D.params[k] = keep - h;
                double lm = neg_v(s);
                s->D.params[k] = keep;
                double fd = (lp - lm) / (2 * h);
                bad += fabs(2 * g[k] - fd) > 1e-6 * fmax(1, fabs(fd));
            }
            CHECK(bad == 0, "scene %d: %d of D's %d gradients differ from central differences",
                  scene, bad, P);
            /* G, through D */
            gan_noise(&in->rng, s->z, GAN_B * GAN_Z);
            double gl = gan_g_loss_grad(s, s->z, GAN_B);
            CHECK_REL(gl, g_loss(s, s->z), 1e-12);
            P = s->G.n_params, bad = 0;
            memcpy(g, s->G.grads, sizeof(double) * P);
            for (int k = 0; k < P; k++) {
                double keep = s->G.params[k];
                s->G.params[k] = keep + h;
                double lp = g_loss(s, s->z);
                s->G.params[k] = keep - h;
                double lm = g_loss(s, s->z);
                s->G.params[k] = keep;
                double fd = (lp - lm) / (2 * h);
                bad += fabs(g[k] - fd) > 1e-6 * fmax(1, fabs(fd));
            }
            CHECK(bad == 0, "scene %d loss %d: %d of G's %d gradients differ from central "
                  "differences", scene, loss, bad, P);
            free(g);
            mlm_destroy(in);
        }
}

/* With p_g fixed at N(0, 1.5^2) and p_data the two peaks, D trained by gan_d_loss_grad and Adam
   on fresh samples approaches D* = p_data / (p_data + p_g) wherever the two densities add up to
   at least 0.05 (where samples of either are rare, nothing pins D down), within 0.08 (the
   residue of sampling noise and a finite network). */
static void test_optimal_discriminator(void) {
    mlm_instance *in = gan_make(GAN_LINE, GAN_NS, 3);
    gan_state *s = in->self;
    s->hd.lr = 2e-3;
    const double sg = 1.5;
    for (int it = 0; it < 4000; it++) {
        if (it == 3000) s->hd.lr = 2e-4; /* settle: a smaller step averages the noise out */
        gan_sample_real(s, &in->rng, s->xd, GAN_B);
        for (int r = 0; r < GAN_B; r++) s->xd[GAN_B + r] = sg * mlm_rng_normal(&in->rng);
        gan_d_loss_grad(s, GAN_B);
        mlm_opt_step(MLM_OPT_ADAM, &s->hd, &s->od, s->D.params, s->D.grads, s->D.n_params);
    }
    double worst = 0, where = 0;
    int points = 0;
    for (double x = -4; x <= 4.0001; x += 0.05) {
        double pd = gan_p_data_line(x);
        double pg = mlm_exp(-0.5 * x * x / (sg * sg)) / (sg * 2.5066282746310002);
        if (pd + pg < 0.05) continue;
        double dstar = pd / (pd + pg), d;
        mlp_predict(&s->D, &x, &d);
        if (fabs(d - dstar) > worst) worst = fabs(d - dstar), where = x;
        points++;
    }
    CHECK(points > 100, "%d grid points", points);
    CHECK(worst < 0.08, "trained D differs from p_data / (p_data + p_g) by %.3f at x = %.2f",
          worst, where);
    printf("optimal discriminator: largest |D - D*| %.4f at x = %.2f over %d points\n", worst,
           where, points);
    mlm_destroy(in);
}

/* Real samples in place of G's: every mode covered, the share near a mode as the Gaussian says
   (line: erf(3 / sqrt 2) = 0.9973; ring: 1 - e^{-9/2} = 0.9889), within sampling error. */
static void test_measure_on_real(void) {
    for (int scene = 0; scene < 2; scene++) {
        mlm_instance *in = gan_make(scene, GAN_NS, 11);
        gan_state *s = in->self;
        gan_sample_real(s, &in->rng, s->c->xs, GAN_S);
        int covered = gan_measure(s, s->c->xs);
        CHECK(covered == s->K, "scene %d: %d of %d modes covered by real samples", scene, covered,
              s->K);
        double expect = scene == GAN_LINE ? 0.9973 : 1 - mlm_exp(-4.5);
        double se = sqrt(expect * (1 - expect) / GAN_S);
        CHECK_NEAR(s->c->in_mode, expect, 4 * se);
        mlm_destroy(in);
    }
}

static void test_learning(void) {
    /* the two peaks at the defaults, seeds 1 and 2, by step 600 */
    for (uint64_t seed = 1; seed <= 2; seed++) {
        mlm_instance *in = gan_make(GAN_LINE, GAN_NS, seed);
        mlm_step(in, 600);
        mlm_draw(in);
        gan_state *s = in->self;
        CHECK(s->c->in_mode > 0.9 && s->c->share[0] > 0.35 && s->c->share[1] > 0.35,
              "seed %d: near a peak %.3f, left %.3f, right %.3f", (int)seed, s->c->in_mode,
              s->c->share[0], s->c->share[1]);
        CHECK_NEAR(s->d_loss, 2 * mlm_log(2), 0.1);
        mlm_destroy(in);
    }
    /* the ring at the defaults covers all eight modes by step 2500 */
    mlm_instance *in = gan_make(GAN_RING, GAN_NS, 1);
    mlm_step(in, 2500);
    mlm_draw(in);
    gan_state *s = in->self;
    CHECK(s->c->covered == 8, "ring at the defaults: %d modes covered", s->c->covered);
    CHECK(s->c->in_mode > 0.8, "ring: near a mode %.3f", s->c->in_mode);
    mlm_destroy(in);
    /* ten G updates per D update: G chases D's current favourite place and collapses */
    in = gan_make(GAN_RING, GAN_NS, 1);
    check_set(in, "g_steps", 10);
    mlm_reset(in, 1);
    mlm_step(in, 1000);
    mlm_draw(in);
    s = in->self;
    CHECK(s->c->covered <= 2, "ring with 10 G steps: %d modes covered", s->c->covered);
    mlm_destroy(in);
}

static void test_bounds(void) {
    int runs = check_sweep(&mlm_module_gan, 3);
    CHECK(runs > 20, "%d runs", runs);
    /* the most memory: the ring with the most modes */
    mlm_instance *in = mlm_create(&mlm_module_gan);
    check_set(in, "scene", GAN_RING);
    check_set(in, "modes", GAN_MODES_MAX);
    check_set(in, "d_steps", GAN_STEPS_MAX);
    check_set(in, "g_steps", GAN_STEPS_MAX);
    CHECK(mlm_reset(in, 2) == 0, "%s", in->reason);
    CHECK(check_state_used(in) <= mlm_module_gan.state_bytes, "state %zu > %zu",
          check_state_used(in), mlm_module_gan.state_bytes);
    CHECK(in->const_used <= mlm_module_gan.const_bytes, "const %zu > %zu", in->const_used,
          mlm_module_gan.const_bytes);
    mlm_step(in, 5);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");
    mlm_destroy(in);
    /* a huge learning rate: the run diverges or stays finite, never shows a non-finite value */
    in = mlm_create(&mlm_module_gan);
    check_set(in, "lr_d", 0.1);
    check_set(in, "lr_g", 0.1);
    mlm_reset(in, 1);
    mlm_step(in, 200);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views at the largest learning rates");
    mlm_destroy(in);
    char why[200];
    CHECK(mlm_module_check(&mlm_module_gan, why, sizeof why) == 0, "%s", why);
}

int main(void) {
    test_gradients();
    test_optimal_discriminator();
    test_measure_on_real();
    test_learning();
    test_bounds();
    return CHECK_DONE("test_gan");
}
