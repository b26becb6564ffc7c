/* test_linear_regression.c: checks the linear_regression module against mathematics, not against
 * itself: finite differences for the gradient, an independent formula for the least-squares line,
 * the exact noise-free answer, the closed-form iterates of descent on a round bowl, the stability
 * limit lr < 2/λ_max, the unbiasedness of sampled gradients, and a sweep of every parameter. */
#include "../../engine/linear_regression.c"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_linear_regression;

static int P(const char *name) {
    int i = mlm_param_index(M, name);
    if (i < 0) {
        fprintf(stderr, "no parameter %s\n", name);
        exit(2);
    }
    return i;
}

/* An instance with the declared defaults changed by `data`, `scale`, `noise`, reset with `seed`. */
static mlm_instance *start(int data, int scale, double noise, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P("data"), data);
    mlm_set(in, P("scale"), scale);
    mlm_set(in, P("noise"), noise);
    CHECK(mlm_reset(in, seed) == 0, "reset failed: %s", in->reason);
    return in;
}

/* Full-data MSE at (w, b) in the fit's coordinates. */
static double full_mse(linreg_state *s, double w, double b) {
    linreg_forward(s->yhat, s->c->xf, NULL, w, b, s->n);
    return linreg_mse(s->yhat, s->c->y, NULL, s->n);
}

static void full_grad(linreg_state *s, double w, double b, double *dw, double *db) {
    linreg_forward(s->yhat, s->c->xf, NULL, w, b, s->n);
    linreg_backward(dw, db, s->yhat, s->c->xf, s->c->y, NULL, s->n);
}

/* The analytic gradient against central differences. The MSE is quadratic, so a central
   difference is exact but for rounding, whatever the step. Also on a sub-batch of indices. */
static void check_gradient(int data, int scale) {
    mlm_instance *in = start(data, scale, 4, 11);
    linreg_state *s = in->self;
    const double pts[][2] = {{0, 0}, {1.5, -3}, {-20, 70}, {40, 10}, {s->w_opt, s->b_opt}};
    for (int k = 0; k < MLM_COUNT(pts); k++) {
        double w = pts[k][0], b = pts[k][1], dw, db;
        full_grad(s, w, b, &dw, &db);
        double hw = 1e-3 * (1 + fabs(w)), hb = 1e-3 * (1 + fabs(b));
        double fw = (full_mse(s, w + hw, b) - full_mse(s, w - hw, b)) / (2 * hw);
        double fb = (full_mse(s, w, b + hb) - full_mse(s, w, b - hb)) / (2 * hb);
        CHECK_REL(dw, fw, 1e-7);
        CHECK_REL(db, fb, 1e-7);
        /* a batch of five scattered points */
        int32_t idx[5] = {3, 0, 17, 9, 3};
        double yh[5], gw, gb, lp, lm;
        linreg_forward(yh, s->c->xf, idx, w, b, 5);
        linreg_backward(&gw, &gb, yh, s->c->xf, s->c->y, idx, 5);
        linreg_forward(yh, s->c->xf, idx, w, b + hb, 5);
        lp = linreg_mse(yh, s->c->y, idx, 5);
        linreg_forward(yh, s->c->xf, idx, w, b - hb, 5);
        lm = linreg_mse(yh, s->c->y, idx, 5);
        CHECK_REL(gb, (lp - lm) / (2 * hb), 1e-6);
        linreg_forward(yh, s->c->xf, idx, w + hw, b, 5);
        lp = linreg_mse(yh, s->c->y, idx, 5);
        linreg_forward(yh, s->c->xf, idx, w - hw, b, 5);
        lm = linreg_mse(yh, s->c->y, idx, 5);
        CHECK_REL(gw, (lp - lm) / (2 * hw), 1e-6);
    }
    mlm_destroy(in);
}

/* The normal equation against the textbook formula: slope cov(x, y) / var(x) from centred
   sums, intercept ȳ - w x̄; and a zero gradient there. */
static void check_normal_equation(int data, int scale, double noise) {
    mlm_instance *in = start(data, scale, noise, 5);
    linreg_state *s = in->self;
    const double *x = s->c->xf, *y = s->c->y;
    int n = s->n;
    double mx = 0, my = 0, cxy = 0, vx = 0;
    for (int i = 0; i < n; i++) mx += x[i] / n, my += y[i] / n;
    for (int i = 0; i < n; i++) cxy += (x[i] - mx) * (y[i] - my), vx += (x[i] - mx) * (x[i] - mx);
    double w = cxy / vx, b = my - w * mx;
    CHECK_REL(s->w_opt, w, 1e-10);
    CHECK_REL(s->b_opt, b, 1e-10);
    double dw, db;
    full_grad(s, s->w_opt, s->b_opt, &dw, &db);
    CHECK_NEAR(dw, 0, 1e-9 * (1 + s->loss_opt));
    CHECK_NEAR(db, 0, 1e-9 * (1 + s->loss_opt));
    /* The minimum is a minimum: any nudge raises the loss. */
    CHECK(full_mse(s, s->w_opt + 1e-3, s->b_opt) > s->loss_opt, "nudging w lowered the loss");
    CHECK(full_mse(s, s->w_opt, s->b_opt - 1e-3) > s->loss_opt, "nudging b lowered the loss");
    /* The Hessian's eigenvalues against its trace and determinant: 2 + 2 E x² and 4 var(x). */
    double ex = 0, exx = 0;
    for (int i = 0; i < n; i++) ex += x[i] / n, exx += x[i] * x[i] / n;
    CHECK_REL(s->lam_max + s->lam_min, 2 + 2 * exx, 1e-12);
    CHECK_REL(s->lam_max * s->lam_min, 4 * (exx - ex * ex), 1e-9);
    /* The contour field is the MSE at its grid nodes. */
    for (int r = 0; r < LINREG_GRID; r += 21)
        for (int q = 0; q < LINREG_GRID; q += 9) {
            double gw = s->win[0] + (double)(s->win[1] - s->win[0]) * q / (LINREG_GRID - 1);
            double gb = s->win[2] + (double)(s->win[3] - s->win[2]) * r / (LINREG_GRID - 1);
            CHECK_REL(s->c->field[r * LINREG_GRID + q], full_mse(s, gw, gb), 1e-5);
        }
    mlm_destroy(in);
}

/* On noise-free Celsius readings the fit is Fahrenheit's own rule, in either coordinates. */
static void check_exact_rule(void) {
    for (int scale = 0; scale <= 1; scale++) {
        mlm_instance *in = start(LINREG_TEMPS, scale, 0, 3);
        linreg_state *s = in->self;
        double w, b;
        linreg_unscale(&w, &b, s, s->w_opt, s->b_opt);
        CHECK_NEAR(w, 1.8, 1e-9);
        CHECK_NEAR(b, 32, 1e-9);
        CHECK_NEAR(s->loss_opt, 0, 1e-18);
        mlm_destroy(in);
    }
}

/* Scaled and unscaled fits describe the same line, at the optimum and after descent. */
static void check_scaling_maps_back(void) {
    for (int data = 0; data <= 1; data++) {
        mlm_instance *a = start(data, 0, 4, 9), *b = start(data, 1, 4, 9);
        linreg_state *sa = a->self, *sb = b->self;
        double wa, ba, wb, bb;
        linreg_unscale(&wa, &ba, sa, sa->w_opt, sa->b_opt);
        linreg_unscale(&wb, &bb, sb, sb->w_opt, sb->b_opt);
        CHECK_REL(wa, wb, 1e-10);
        CHECK_REL(ba, bb, 1e-10);
        /* Scaled x has mean 0 and variance 1, so the Hessian is 2 I. */
        CHECK_NEAR(sb->lam_max, 2, 1e-12);
        CHECK_NEAR(sb->lam_min, 2, 1e-12);
        /* Same MSE for the same line. */
        double w = 1.1, c = -2;
        double ws = w * sb->spread, cs = c + w * sb->shift;
        CHECK_REL(full_mse(sa, w, c), full_mse(sb, ws, cs), 1e-12);
        mlm_destroy(a);
        mlm_destroy(b);
    }
}

/* Descent on a round bowl has a closed form: with H = 2 I, θ_k - θ* = (1 - 2 lr)^k (θ_0 - θ*).
   Run to the end, it reports the normal-equation solution. */
static void check_full_batch(void) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P("w0"), -7);
    mlm_set(in, P("b0"), 12);
    mlm_set(in, P("lr"), 0.05);
    CHECK(mlm_reset(in, 21) == 0, "%s", in->reason);
    linreg_state *s = in->self;
    mlm_step(in, 10);
    double f = pow(1 - 2 * 0.05, 10);
    CHECK_NEAR(s->w, s->w_opt + f * (-7 - s->w_opt), 1e-9);
    CHECK_NEAR(s->b, s->b_opt + f * (12 - s->b_opt), 1e-9);
    CHECK(in->status == MLM_RUNNING, "stopped after 10 steps: %s", in->reason);
    for (int k = 0; k < 10000 && !in->final; k++) mlm_step(in, 100);
    CHECK(in->status == MLM_CONVERGED && in->final, "status %d: %s", in->status, in->reason);
    CHECK(strstr(in->reason, "normal-equation") != NULL, "%s", in->reason);
    CHECK(s->loss - s->loss_opt <= s->tol, "excess %g", s->loss - s->loss_opt);
    CHECK_NEAR(s->w, s->w_opt, 0.05);
    CHECK_NEAR(s->b, s->b_opt, 0.05);
    /* lr = 1/2 is Newton's step on this bowl: one step lands on the optimum. */
    mlm_set(in, P("lr"), 0.5);
    mlm_reset(in, 21);
    mlm_step(in, 1);
    CHECK(in->status == MLM_CONVERGED && in->steps == 1, "status %d after %lld steps", in->status,
          (long long)in->steps);
    CHECK_NEAR(s->w, s->w_opt, 1e-9);
    CHECK_NEAR(s->b, s->b_opt, 1e-9);

    /* Unscaled: the same answer, reached much more slowly (the bowl is a narrow valley). */
    mlm_set(in, P("scale"), 0);
    mlm_set(in, P("w0"), 0);
    mlm_set(in, P("b0"), 0);
    mlm_set(in, P("lr"), 0.0024);
    mlm_reset(in, 21);
    s = in->self;
    for (int k = 0; k < 1000 && !in->final; k++) mlm_step(in, 100);
    CHECK(in->status == MLM_CONVERGED, "status %d: %s", in->status, in->reason);
    CHECK(in->steps > 1000, "unscaled descent took only %lld steps", (long long)in->steps);
    CHECK_NEAR(s->w, s->w_opt, 0.01);
    CHECK_NEAR(s->b, s->b_opt, 0.1);
    mlm_destroy(in);
}

/* Full batch is stable below 2/λ_max and diverges above it, on either data set. */
static void check_stability_limit(int data) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P("data"), data);
    mlm_set(in, P("scale"), 0);
    mlm_reset(in, 4);
    double limit = 2 / ((linreg_state *)in->self)->lam_max;
    mlm_set(in, P("lr"), 1.03 * limit);
    mlm_reset(in, 4);
    mlm_step(in, 100000);
    CHECK(in->status == MLM_DIVERGED && in->final, "lr = 1.03 × 2/λ_max: status %d", in->status);
    CHECK(strstr(in->reason, "2/λ_max") != NULL, "%s", in->reason);
    linreg_state *s = in->self;
    CHECK(mlm_isfinite(s->w) && mlm_isfinite(s->b) && mlm_isfinite(s->loss), "non-finite state");
    mlm_set(in, P("lr"), 0.97 * limit);
    mlm_reset(in, 4);
    s = in->self;
    double before = s->loss;
    int rose = 0;
    for (int k = 0; k < 20000 && !in->final; k++) {
        mlm_step(in, 1);
        rose |= s->loss > before;
        before = s->loss;
    }
    CHECK(in->status != MLM_DIVERGED, "lr = 0.97 × 2/λ_max diverged: %s", in->reason);
    CHECK(!rose, "full-batch loss rose below the stability limit");
    mlm_destroy(in);
}

/* Sampled gradients are unbiased: their average over many draws is the full gradient, within a
   few standard errors (estimated from the draws themselves). */
static void check_unbiased(int batch, int size) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P("batch"), batch);
    mlm_set(in, P("batch_size"), size);
    mlm_set(in, P("n"), 40);
    mlm_reset(in, 8);
    linreg_state *s = in->self;
    const linreg_desc *d = in->desc;
    double w = 10, b = 20, fw, fb;
    full_grad(s, w, b, &fw, &fb);
    const int T = 40000;
    double sw = 0, sb = 0, sww = 0, sbb = 0;
    double yh[LINREG_N_MAX];
    int counts[LINREG_N_MAX] = {0};
    for (int t = 0; t < T; t++) {
        int B;
        const int32_t *idx = linreg_batch(&B, s, d, &in->rng);
        double gw, gb;
        linreg_forward(yh, s->c->xf, idx, w, b, B);
        linreg_backward(&gw, &gb, yh, s->c->xf, s->c->y, idx, B);
        for (int j = 0; j < B; j++) counts[LINREG_AT(idx, j)]++;
        sw += gw, sb += gb, sww += gw * gw, sbb += gb * gb;
    }
    double mw = sw / T, mb = sb / T;
    double sew = sqrt((sww / T - mw * mw) / T), seb = sqrt((sbb / T - mb * mb) / T);
    CHECK_NEAR(mw, fw, 5 * sew + 1e-12);
    CHECK_NEAR(mb, fb, 5 * seb + 1e-12);
    /* A sampled gradient does vary (else this test could not tell a biased sampler). */
    CHECK(sew > 0 && seb > 0, "the batch gradient never varied");
    /* Every point is used about equally often. */
    int lo = counts[0], hi = counts[0];
    for (int i = 0; i < s->n; i++) lo = counts[i] < lo ? counts[i] : lo, hi = counts[i] > hi ? counts[i] : hi;
    CHECK(lo > 0.8 * hi, "points used between %d and %d times", lo, hi);
    mlm_destroy(in);
}

/* Sampled descent: jitters for ever around the optimum when the data are noisy; converges when
   they lie on a line (every point's gradient vanishes there). */
static void check_sampled_descent(void) {
    for (int batch = LINREG_SGD; batch <= LINREG_MINI; batch++) {
        mlm_instance *in = mlm_create(M);
        mlm_set(in, P("batch"), batch);
        mlm_reset(in, 2);
        linreg_state *s = in->self;
        mlm_step(in, 3000);
        CHECK(in->status == MLM_RUNNING && in->steps == 3000, "noisy sampled descent stopped: %s",
              in->reason);
        CHECK(s->loss < 1.5 * s->loss_opt, "sampled descent hovers too high: %g vs %g", s->loss,
              s->loss_opt);
        mlm_set(in, P("noise"), 0);
        mlm_reset(in, 2);
        mlm_step(in, 3000);
        CHECK(in->status == MLM_CONVERGED, "noise-free sampled descent: status %d", in->status);
        mlm_destroy(in);
    }
}

/* Same seed, same run; a copied block is a complete checkpoint. */
static void check_determinism(void) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P("batch"), LINREG_MINI);
    mlm_set(in, P("batch_size"), 7);
    mlm_reset(in, 99);
    mlm_step(in, 40);
    size_t size = mlm_snapshot_size(in);
    unsigned char *snap = malloc(size);
    memcpy(snap, in, size);
    mlm_step(in, 60);
    linreg_state *s = in->self;
    double w1 = s->w, b1 = s->b;
    memcpy(in, snap, size);
    mlm_step(in, 60);
    s = in->self;
    CHECK(s->w == w1 && s->b == b1, "restored run differs: %.17g %.17g vs %.17g %.17g", s->w, s->b,
          w1, b1);
    mlm_reset(in, 99);
    mlm_step(in, 100);
    s = in->self;
    CHECK(s->w == w1 && s->b == b1, "same seed, different run");
    free(snap);
    mlm_destroy(in);
}

static int all_finite(const mlm_instance *in) {
    for (int v = 0; v < M->n_views; v++) {
        const mlm_view_state *st = &in->views[v];
        int stride = 0;
        switch (M->views[v].kind) {
        case MLM_VIEW_POINTS: stride = 3; break;
        case MLM_VIEW_CURVE: case MLM_VIEW_TRAIL: case MLM_VIEW_MARKERS: stride = 2; break;
        case MLM_VIEW_SEGMENTS: case MLM_VIEW_ARROWS: stride = 4; break;
        case MLM_VIEW_FIELD:
            for (int i = 0; i < st->w * st->h; i++)
                if (!mlm_isfinite(st->data[i])) return 0;
            if (!mlm_isfinite(st->x0) || !mlm_isfinite(st->x1) || !mlm_isfinite(st->y0) ||
                !mlm_isfinite(st->y1) || st->w != LINREG_GRID || st->version == 0)
                return 0;
            break;
        case MLM_VIEW_SCALAR:
            if (!mlm_isfinite(st->value)) return 0;
            break;
        case MLM_VIEW_TEXT:
            if (!st->text || !st->text[0]) return 0;
            break;
        default:
            stride = mlm_view_stride(M->views[v].kind, st);
            break;
        }
        if (stride && st->count > 0 && !st->data) return 0;
        for (int i = 0; i < st->count * stride; i++)
            if (!mlm_isfinite(st->data[i])) return 0;
    }
    for (int p = 0; p < M->n_panels; p++) {
        const mlm_panel_state *ps = &in->panels[p];
        if (M->panels[p].flags & (MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y)) continue;
        if (!mlm_isfinite(ps->x0) || !mlm_isfinite(ps->x1) || !(ps->x0 < ps->x1) || !(ps->y0 < ps->y1))
            return 0;
    }
    return 1;
}

/* Every parameter at its min, max and default, under every data set, batch mode and scaling. */
static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    int runs = 0;
    for (int data = 0; data <= 1; data++)
        for (int batch = 0; batch <= 2; batch++)
            for (int scale = 0; scale <= 1; scale++)
                for (int p = 0; p < M->n_params; p++) {
                    const mlm_param *q = &M->params[p];
                    const double vals[3] = {q->min, q->max, q->def};
                    for (int k = 0; k < 3; k++) {
                        mlm_desc_defaults(M, in->desc);
                        mlm_set(in, P("data"), data);
                        mlm_set(in, P("batch"), batch);
                        mlm_set(in, P("scale"), scale);
                        mlm_set(in, p, vals[k]);
                        int ok = mlm_reset(in, 1 + (uint64_t)k) == 0;
                        CHECK(ok, "%s=%g: %s", q->name, vals[k], in->reason);
                        if (!ok) continue;
                        mlm_draw(in);
                        CHECK(all_finite(in), "%s=%g: non-finite view at step 0", q->name, vals[k]);
                        mlm_step(in, 500);
                        mlm_draw(in);
                        CHECK(all_finite(in), "%s=%g (data %d batch %d scale %d): non-finite view",
                              q->name, vals[k], data, batch, scale);
                        CHECK(mlm_snapshot_size(in) <= in->cap && in->const_used <= in->const_cap,
                              "memory bounds");
                        runs++;
                    }
                }
    CHECK(runs == 2 * 3 * 2 * M->n_params * 3, "%d runs", runs);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    for (int data = 0; data <= 1; data++)
        for (int scale = 0; scale <= 1; scale++) {
            check_gradient(data, scale);
            check_normal_equation(data, scale, 4);
            check_normal_equation(data, scale, 0);
        }
    check_exact_rule();
    check_scaling_maps_back();
    check_full_batch();
    check_stability_limit(LINREG_TEMPS);
    check_stability_limit(LINREG_LINE);
    check_unbiased(LINREG_SGD, 1);
    check_unbiased(LINREG_MINI, 7);
    check_sampled_descent();
    check_determinism();
    test_sweep();
    return CHECK_DONE("test_linear_regression");
}
