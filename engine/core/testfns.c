/* testfns.c: the test functions of testfns.h with their derivatives, written out by hand from
 * the formulas (each case derives its gradient and Hessian in the comments it needs), and
 * checked against finite differences and known minima in tests/engine/test_testfns.c. */
#include "testfns.h"

#include "detmath.h"

#include <math.h>
#include <stddef.h>

#define PI 3.14159265358979323846

const mlm_testfn mlm_testfns[MLM_TESTFN_COUNT] = {
    [MLM_TESTFN_ROSENBROCK] = {"rosenbrock", "Rosenbrock",
        "a long, curved, nearly flat valley: finding it is easy, following it to the end is not",
        -2, 2, -1, 3, {-1.2, 1}, 1, {{1, 1}}, 0, 1},
    [MLM_TESTFN_HIMMELBLAU] = {"himmelblau", "Himmelblau",
        "four minima of equal depth: which one you reach depends on where you start and on how you move",
        -5, 5, -5, 5, {-0.3, -0.9}, 4,
        {{3, 2}, {-2.805118086952745, 3.131312518250573}, {-3.779310253377747, -3.283185991286169},
         {3.5844283403304917, -1.8481265269644034}}, 0, 1},
    [MLM_TESTFN_BEALE] = {"beale", "Beale",
        "sharp ridges and flat shelves: the gradient is huge near the corners and tiny on the floor",
        -4.5, 4.5, -4.5, 4.5, {1, 1.4}, 1, {{3, 0.5}}, 0, 1},
    [MLM_TESTFN_BOOTH] = {"booth", "Booth",
        "an easy, tilted quadratic bowl: the control case every method should solve",
        -10, 10, -10, 10, {-8, 7}, 1, {{1, 3}}, 0, 1},
    [MLM_TESTFN_MATYAS] = {"matyas", "Matyas",
        "a shallow, elongated bowl: curvature 0.04 along the diagonal against 1.0 across it",
        -10, 10, -10, 10, {8, -4}, 1, {{0, 0}}, 0, 1},
    [MLM_TESTFN_RASTRIGIN] = {"rastrigin", "Rastrigin",
        "a bowl covered in a regular grid of local minima that trap any purely local method",
        -5.12, 5.12, -5.12, 5.12, {3.3, 2.6}, 1, {{0, 0}}, 0, 0},
    [MLM_TESTFN_ACKLEY] = {"ackley", "Ackley",
        "an almost flat, rippled plain around a single deep hole",
        -5, 5, -5, 5, {3.5, -2.5}, 1, {{0, 0}}, 0, 0},
    [MLM_TESTFN_STYBLINSKI_TANG] = {"styblinski", "Styblinski-Tang",
        "four basins of different depths: the deepest is not the one nearest most starts",
        -5, 5, -5, 5, {0.5, 4.5}, 1, {{-2.903534027771177, -2.903534027771177}},
        -78.33233140754282, 0},
    [MLM_TESTFN_GOLDSTEIN_PRICE] = {"goldstein", "Goldstein-Price",
        "values spanning six decades, with several local minima around the global one",
        -2, 2, -2, 2, {-1.2, 1.4}, 1, {{0, -1}}, 3, 1},
    [MLM_TESTFN_CAMEL] = {"camel", "Six-hump camel",
        "six minima, two of them global, separated by low passes",
        -2, 2, -1.2, 1.2, {-1.6, 0.9}, 2,
        {{0.08984201310031807, -0.7126564030207396}, {-0.08984201310031807, 0.7126564030207396}},
        -1.0316284534898776, 0},
    [MLM_TESTFN_SADDLE] = {"saddle", "A saddle between two valleys",
        "a saddle point at the origin, where the gradient vanishes although it is no minimum",
        -2, 2, -2, 2, {1.8, 0.01}, 2, {{0, 1}, {0, -1}}, -0.25, 0},
};

static void set2(double *v, double a, double b) {
    if (v) v[0] = a, v[1] = b;
}

static void set3(double *v, double a, double b, double c) {
    if (v) v[0] = a, v[1] = b, v[2] = c;
}

double mlm_testfn_eval(int k, double x, double y, double *g, double *h) {
    switch (k) {
    case MLM_TESTFN_ROSENBROCK: {
        /* (1 - x)^2 + 100 (y - x^2)^2 */
        double r = y - x * x;
        set2(g, -2 * (1 - x) - 400 * x * r, 200 * r);
        set3(h, 2 - 400 * y + 1200 * x * x, -400 * x, 200);
        return (1 - x) * (1 - x) + 100 * r * r;
    }
    case MLM_TESTFN_HIMMELBLAU: {
        /* u^2 + v^2 with u = x^2 + y - 11, v = x + y^2 - 7 */
        double u = x * x + y - 11, v = x + y * y - 7;
        set2(g, 4 * x * u + 2 * v, 2 * u + 4 * y * v);
        set3(h, 4 * u + 8 * x * x + 2, 4 * x + 4 * y, 2 + 4 * v + 8 * y * y);
        return u * u + v * v;
    }
    case MLM_TESTFN_BEALE: {
        /* sum over i = 1..3 of t_i^2, t_i = c_i - x + x y^i; dt_i/dx = y^i - 1,
           dt_i/dy = i x y^(i-1), d2t_i/dxdy = i y^(i-1), d2t_i/dy2 = i (i-1) x y^(i-2) */
        static const double c[3] = {1.5, 2.25, 2.625};
        double f = 0, gx = 0, gy = 0, hxx = 0, hxy = 0, hyy = 0;
        double yp = 1; /* y^(i-1) */
        double ypp = 0; /* y^(i-2), 0 for i = 1 */
        for (int i = 1; i <= 3; i++) {
            double yi = yp * y;
            double t = c[i - 1] - x + x * yi;
            double tx = yi - 1, ty = i * x * yp;
            f += t * t;
            gx += 2 * t * tx;
            gy += 2 * t * ty;
            hxx += 2 * tx * tx;
            hxy += 2 * (ty * tx + t * i * yp);
            hyy += 2 * (ty * ty + t * i * (i - 1) * x * ypp);
            ypp = yp;
            yp = yi;
        }
        set2(g, gx, gy);
        set3(h, hxx, hxy, hyy);
        return f;
    }
    case MLM_TESTFN_BOOTH: {
        double a = x + 2 * y - 7, b = 2 * x + y - 5;
        set2(g, 2 * a + 4 * b, 4 * a + 2 * b);
        set3(h, 10, 8, 10);
        return a * a + b * b;
    }
    case MLM_TESTFN_MATYAS:
        set2(g, 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x);
        set3(h, 0.52, -0.48, 0.52);
        return 0.26 * (x * x + y * y) - 0.48 * x * y;
    case MLM_TESTFN_RASTRIGIN: {
        /* 20 + sum of (t^2 - 10 mlm_cos(2 pi t)) over t = x, y */
        double cx = mlm_cos(2 * PI * x), cy = mlm_cos(2 * PI * y);
        set2(g, 2 * x + 20 * PI * mlm_sin(2 * PI * x), 2 * y + 20 * PI * mlm_sin(2 * PI * y));
        set3(h, 2 + 40 * PI * PI * cx, 0, 2 + 40 * PI * PI * cy);
        return 20 + x * x - 10 * cx + y * y - 10 * cy;
    }
    case MLM_TESTFN_ACKLEY: {
        /* -20 mlm_exp(-0.2 r) - mlm_exp(c) + e + 20, r = sqrt((x^2 + y^2) / 2),
           c = (cos 2 pi x + cos 2 pi y) / 2 */
        double r = sqrt(0.5 * (x * x + y * y));
        double E = mlm_exp(-0.2 * r);
        double sx = mlm_sin(2 * PI * x), sy = mlm_sin(2 * PI * y);
        double ec = mlm_exp(0.5 * (mlm_cos(2 * PI * x) + mlm_cos(2 * PI * y)));
        double gx = PI * sx * ec, gy = PI * sy * ec;
        double hxx = PI * PI * ec * (2 * mlm_cos(2 * PI * x) - sx * sx);
        double hyy = PI * PI * ec * (2 * mlm_cos(2 * PI * y) - sy * sy);
        double hxy = -PI * PI * ec * sx * sy;
        if (r > 1e-12) {
            /* d/dx of the first term: 2 x E / r; its second derivatives follow from
               d(E / r)/dr = -E (0.2 r + 1) / r^2 and dr/dx = x / (2 r). */
            double k = E * (0.2 * r + 1) / (r * r * r);
            gx += 2 * x * E / r;
            gy += 2 * y * E / r;
            hxx += 2 * E / r - x * x * k;
            hxy += -x * y * k;
            hyy += 2 * E / r - y * y * k;
        }
        set2(g, gx, gy);
        set3(h, hxx, hxy, hyy);
        return -20 * E - ec + mlm_exp(1.0) + 20;
    }
    case MLM_TESTFN_STYBLINSKI_TANG:
        /* (1/2) sum of (t^4 - 16 t^2 + 5 t) over t = x, y */
        set2(g, 2 * x * x * x - 16 * x + 2.5, 2 * y * y * y - 16 * y + 2.5);
        set3(h, 6 * x * x - 16, 0, 6 * y * y - 16);
        return 0.5 * (x * x * x * x - 16 * x * x + 5 * x + y * y * y * y - 16 * y * y + 5 * y);
    case MLM_TESTFN_GOLDSTEIN_PRICE: {
        /* A B with A = 1 + a^2 p, a = x + y + 1, p = 19 - 14x + 3x^2 - 14y + 6xy + 3y^2,
                     B = 30 + b^2 q, b = 2x - 3y, q = 18 - 32x + 12x^2 + 48y - 36xy + 27y^2.
           p has p_x = p_y = -14 + 6x + 6y and second derivatives all 6; q has
           q_x = -32 + 24x - 36y, q_y = 48 - 36x + 54y, q_xx = 24, q_xy = -36, q_yy = 54. */
        double a = x + y + 1, p = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y;
        double px = -14 + 6 * x + 6 * y, py = px;
        double b = 2 * x - 3 * y, q = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y;
        double qx = -32 + 24 * x - 36 * y, qy = 48 - 36 * x + 54 * y;
        double A = 1 + a * a * p, B = 30 + b * b * q;
        double Ax = 2 * a * p + a * a * px, Ay = 2 * a * p + a * a * py;
        double Axx = 2 * p + 4 * a * px + 6 * a * a;
        double Axy = 2 * p + 2 * a * py + 2 * a * px + 6 * a * a;
        double Ayy = 2 * p + 4 * a * py + 6 * a * a;
        double Bx = 4 * b * q + b * b * qx, By = -6 * b * q + b * b * qy;
        double Bxx = 8 * q + 8 * b * qx + 24 * b * b;
        double Bxy = -12 * q + 4 * b * qy - 6 * b * qx - 36 * b * b;
        double Byy = 18 * q - 12 * b * qy + 54 * b * b;
        set2(g, Ax * B + A * Bx, Ay * B + A * By);
        set3(h, Axx * B + 2 * Ax * Bx + A * Bxx, Axy * B + Ax * By + Ay * Bx + A * Bxy,
             Ayy * B + 2 * Ay * By + A * Byy);
        return A * B;
    }
    case MLM_TESTFN_CAMEL: {
        /* 4x^2 - 2.1x^4 + x^6/3 + xy - 4y^2 + 4y^4 */
        double x2 = x * x, y2 = y * y;
        set2(g, 8 * x - 8.4 * x2 * x + 2 * x2 * x2 * x + y, x - 8 * y + 16 * y2 * y);
        set3(h, 8 - 25.2 * x2 + 10 * x2 * x2, 1, -8 + 48 * y2);
        return 4 * x2 - 2.1 * x2 * x2 + x2 * x2 * x2 / 3 + x * y - 4 * y2 + 4 * y2 * y2;
    }
    case MLM_TESTFN_SADDLE:
    default:
        /* x^2 + y^4/4 - y^2/2: a saddle at the origin, minima at (0, +-1) */
        set2(g, 2 * x, y * y * y - y);
        set3(h, 2, 0, 3 * y * y - 1);
        return x * x + 0.25 * y * y * y * y - 0.5 * y * y;
    }
}

void mlm_testfn_field(int k, float *out, int w, int h, double x0, double x1, double y0, double y1) {
    const mlm_testfn *t = &mlm_testfns[k];
    /* eps sets how deep the log view looks into the floor: a millionth of the view's range. */
    double lo = t->fmin, eps = 0;
    if (t->log_levels) {
        double hi = lo;
        for (int c = 0; c < 4; c++) {
            double f = mlm_testfn_eval(k, c & 1 ? x1 : x0, c & 2 ? y1 : y0, NULL, NULL);
            if (f > hi) hi = f;
        }
        eps = (hi - lo) * 1e-6 + 1e-12;
    }
    for (int j = 0; j < h; j++) {
        double y = y0 + (y1 - y0) * j / (h - 1);
        for (int i = 0; i < w; i++) {
            double x = x0 + (x1 - x0) * i / (w - 1);
            double f = mlm_testfn_eval(k, x, y, NULL, NULL);
            out[j * w + i] = (float)(t->log_levels ? mlm_log10(f - lo + eps) : f);
        }
    }
}
