/* test_testfns.c: the test-function gallery against mathematics: every analytic gradient
 * against central differences of f, every Hessian against central differences of the gradient,
 * every listed minimum has the listed value and zero gradient and a positive definite Hessian,
 * nothing in the view is lower than the listed minimum, and the declared views contain their
 * minima and start points. */
#include "../../engine/core/testfns.c"

#include <string.h>

#include "check.h"

static int bad_grad, bad_hess;

/* Compare derivatives at (x, y) with central differences; relative to the size of the values. */
static void check_derivatives(int k, double x, double y) {
    double g[2], h[3], gp[2], gm[2];
    mlm_testfn_eval(k, x, y, g, h);
    double e = 1e-6 * fmax(1.0, fmax(fabs(x), fabs(y)));
    double fx = (mlm_testfn_eval(k, x + e, y, NULL, NULL) - mlm_testfn_eval(k, x - e, y, NULL, NULL)) / (2 * e);
    double fy = (mlm_testfn_eval(k, x, y + e, NULL, NULL) - mlm_testfn_eval(k, x, y - e, NULL, NULL)) / (2 * e);
    double f = fabs(mlm_testfn_eval(k, x, y, NULL, NULL));
    double tol = 1e-6 * fmax(1.0, fmax(f, fmax(fabs(g[0]), fabs(g[1]))));
    if (fabs(fx - g[0]) > tol || fabs(fy - g[1]) > tol) {
        if (bad_grad++ < 5)
            fprintf(stderr, "%s at (%g, %g): gradient (%.10g, %.10g), differences (%.10g, %.10g)\n",
                    mlm_testfns[k].key, x, y, g[0], g[1], fx, fy);
    }
    mlm_testfn_eval(k, x + e, y, gp, NULL);
    mlm_testfn_eval(k, x - e, y, gm, NULL);
    double hxx = (gp[0] - gm[0]) / (2 * e), hxy1 = (gp[1] - gm[1]) / (2 * e);
    mlm_testfn_eval(k, x, y + e, gp, NULL);
    mlm_testfn_eval(k, x, y - e, gm, NULL);
    double hyy = (gp[1] - gm[1]) / (2 * e), hxy2 = (gp[0] - gm[0]) / (2 * e);
    double htol = 1e-5 * fmax(1.0, fmax(fabs(h[0]), fmax(fabs(h[1]), fabs(h[2]))));
    if (fabs(hxx - h[0]) > htol || fabs(hyy - h[2]) > htol || fabs(hxy1 - h[1]) > htol || fabs(hxy2 - h[1]) > htol) {
        if (bad_hess++ < 5)
            fprintf(stderr, "%s at (%g, %g): Hessian (%.8g, %.8g, %.8g), differences (%.8g, %.8g|%.8g, %.8g)\n",
                    mlm_testfns[k].key, x, y, h[0], h[1], h[2], hxx, hxy1, hxy2, hyy);
    }
}

int main(void) {
    for (int k = 0; k < MLM_TESTFN_COUNT; k++) {
        const mlm_testfn *t = &mlm_testfns[k];
        bad_grad = bad_hess = 0;
        /* Derivatives on a grid over the view (offset so no point lands on Ackley's cone). */
        for (int j = 0; j < 23; j++)
            for (int i = 0; i < 23; i++)
                check_derivatives(k, t->x0 + (t->x1 - t->x0) * (i + 0.37) / 23, t->y0 + (t->y1 - t->y0) * (j + 0.41) / 23);
        CHECK(bad_grad == 0, "%s: %d gradients disagree with finite differences", t->key, bad_grad);
        CHECK(bad_hess == 0, "%s: %d Hessians disagree with finite differences", t->key, bad_hess);

        /* Known minima: value, zero gradient, positive (semi)definite curvature, inside the view. */
        for (int m = 0; m < t->n_minima; m++) {
            double x = t->minima[m][0], y = t->minima[m][1], g[2], h[3];
            double f = mlm_testfn_eval(k, x, y, g, h);
            CHECK_NEAR(f, t->fmin, 1e-9 * fmax(1, fabs(t->fmin)));
            if (k != MLM_TESTFN_ACKLEY) {
                CHECK(fabs(g[0]) < 1e-7 && fabs(g[1]) < 1e-7, "%s minimum %d: gradient (%g, %g)", t->key, m, g[0], g[1]);
                CHECK(h[0] > 0 && h[0] * h[2] - h[1] * h[1] > 0, "%s minimum %d: Hessian not positive definite", t->key, m);
            }
            CHECK(x >= t->x0 && x <= t->x1 && y >= t->y0 && y <= t->y1, "%s minimum %d outside the view", t->key, m);
        }
        /* No point of the view is lower than the listed global minimum. */
        double lowest = INFINITY;
        for (int j = 0; j <= 200; j++)
            for (int i = 0; i <= 200; i++)
                lowest = fmin(lowest, mlm_testfn_eval(k, t->x0 + (t->x1 - t->x0) * i / 200, t->y0 + (t->y1 - t->y0) * j / 200, NULL, NULL));
        CHECK(lowest >= t->fmin - 1e-9 * fmax(1, fabs(t->fmin)), "%s: %.12g in the view is below fmin %.12g", t->key, lowest, t->fmin);
        CHECK(t->start[0] >= t->x0 && t->start[0] <= t->x1 && t->start[1] >= t->y0 && t->start[1] <= t->y1,
              "%s: start outside the view", t->key);

        /* The field a contour plot shows is finite everywhere. */
        float field[32 * 24];
        mlm_testfn_field(k, field, 32, 24, t->x0, t->x1, t->y0, t->y1);
        int finite = 1;
        for (int i = 0; i < 32 * 24; i++) finite &= isfinite(field[i]) != 0;
        CHECK(finite, "%s: non-finite field value", t->key);
    }
    /* The saddle: zero gradient at the origin, yet curvature of both signs there. */
    double g[2], h[3];
    mlm_testfn_eval(MLM_TESTFN_SADDLE, 0, 0, g, h);
    CHECK(g[0] == 0 && g[1] == 0 && h[0] > 0 && h[2] < 0, "the saddle is not a saddle");
    /* Choice keys in MLM_TESTFN_CHOICES line up with the table. */
    const char *c = MLM_TESTFN_CHOICES;
    for (int k = 0; k < MLM_TESTFN_COUNT; k++) {
        size_t n = strlen(mlm_testfns[k].key);
        CHECK(strncmp(c, mlm_testfns[k].key, n) == 0 && c[n] == ':', "choice %d is not %s", k, mlm_testfns[k].key);
        c = strchr(c, '|');
        if (!c) break;
        c++;
    }
    return CHECK_DONE("test_testfns");
}
