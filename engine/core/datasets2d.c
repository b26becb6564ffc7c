/* datasets2d.c: the book's 2-D classification datasets and the reader's own points (see
 * datasets2d.h). Every random number comes from the run's generator, and every mathematical
 * function from detmath, so a seed gives the same points natively and in wasm. */
#include "datasets2d.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

int mlm_d2_classes(const mlm_d2_spec *spec) {
    if (spec->kind != MLM_D2_BLOBS) return 2;
    return spec->classes < 3 ? 3 : spec->classes > 5 ? 5 : spec->classes;
}

//> datasets
/* Point i of n, before noise; every dataset fills [-5, 5]^2 or so, and the noise then moves each
   coordinate by `noise` times a scale that suits the pattern. Class labels are 0..K-1; for the
   two-class patterns class 1 is the "inside" one (the disc, the blob at (2, 2), the first arm). */
static void d2_sample(double *p /* (2,) */, int *label, const mlm_d2_spec *spec,
                      const mlm_d2_line *line, int i, mlm_rng *rng) {
    const double two_pi = 6.283185307179586, pi = 3.141592653589793;
    const double noise = spec->noise;
    double x, y, scale;
    int c;
    switch (spec->kind) {
    case MLM_D2_CIRCLES: {
        /* class 1 inside radius 2, class 0 on a ring from 3.5 to 5: separable by the radius */
        c = i % 2 == 0;
        double r = c ? mlm_rng_range(rng, 0, 2) : mlm_rng_range(rng, 3.5, 5);
        double t = mlm_rng_range(rng, 0, two_pi);
        x = r * mlm_sin(t), y = r * mlm_cos(t), scale = 3;
        break;
    }
    case MLM_D2_XOR: {
        /* uniform over the square, kept 0.3 off the axes; class 1 where x and y share a sign */
        x = mlm_rng_range(rng, -5, 5), y = mlm_rng_range(rng, -5, 5);
        x += x > 0 ? 0.3 : -0.3, y += y > 0 ? 0.3 : -0.3;
        c = x * y > 0, scale = 3;
        break;
    }
    case MLM_D2_GAUSS: {
        /* two round blobs centred at (2, 2) (class 1) and (-2, -2); noise widens them */
        c = i % 2 == 0;
        double sd = 0.5 + 3.5 * noise;
        x = (c ? 2 : -2) + sd * mlm_rng_normal(rng), y = (c ? 2 : -2) + sd * mlm_rng_normal(rng);
        scale = 0; /* the noise is in the spread already */
        break;
    }
    case MLM_D2_SPIRAL: {
        /* two arms winding 1.75 turns out from the centre, the second the first turned by π */
        c = i % 2 == 0;
        double u = (double)(i / 2) / ((spec->n + 1) / 2);
        double r = 5 * u, t = 1.75 * two_pi * u + (c ? 0 : pi);
        x = r * mlm_sin(t), y = r * mlm_cos(t), scale = 2;
        break;
    }
    case MLM_D2_LINEAR: {
        /* uniform over [-5, 5]^2, drawn again while closer to the line than the margin (at most
           64 times; then pushed out along the normal), labelled by the side it falls on */
        double s = 0;
        for (int tries = 0; tries < 64; tries++) {
            x = mlm_rng_range(rng, -5, 5), y = mlm_rng_range(rng, -5, 5);
            s = line->nx * x + line->ny * y + line->b; /* signed distance: the normal is unit */
            if (fabs(s) >= spec->margin && s != 0) break;
        }
        if (fabs(s) < spec->margin || s == 0) {
            double push = (s >= 0 ? 1 : -1) * spec->margin - s;
            x += push * line->nx, y += push * line->ny, s += push;
        }
        c = s > 0, scale = 0; /* noise would break the margin the reader chose */
        break;
    }
    case MLM_D2_OVERLAP: {
        /* two clouds 2.8 apart (centres (1, 1) and (-1, -1)) with a spread of 1.5 and more: about
           a fifth of each class lies on the other's side of the best line */
        c = i % 2 == 0;
        double sd = 1.5 + 2 * noise;
        x = (c ? 1 : -1) + sd * mlm_rng_normal(rng), y = (c ? 1 : -1) + sd * mlm_rng_normal(rng);
        scale = 0;
        break;
    }
    case MLM_D2_BLOBS: {
        /* K blobs centred on a circle of radius 3.5, the first at the top */
        int K = mlm_d2_classes(spec);
        c = i % K;
        double t = pi / 2 + two_pi * c / K, sd = 0.7 + 2.5 * noise;
        x = 3.5 * mlm_cos(t) + sd * mlm_rng_normal(rng), y = 3.5 * mlm_sin(t) + sd * mlm_rng_normal(rng);
        scale = 0;
        break;
    }
    case MLM_D2_CROSS: {
        /* a Gaussian of standard deviations 2.2 along its axis and 0.35 + noise across it,
           turned 45 degrees one way for class 1 and the other way for class 0 */
        c = i % 2 == 0;
        double u = 2.2 * mlm_rng_normal(rng), v = (0.35 + noise) * mlm_rng_normal(rng);
        const double h = 0.7071067811865476; /* cos 45 degrees = sin 45 degrees */
        x = h * (u - v), y = c ? h * (u + v) : -h * (u + v);
        scale = 0;
        break;
    }
    default: {
        /* two moons: class 1 the upper half circle of radius 3 around (-1.5, -0.75), class 0 the
           lower one around (1.5, 0.75), each reaching into the other's hollow */
        c = i % 2 == 0;
        double t = mlm_rng_range(rng, 0, pi);
        x = c ? -1.5 + 3 * mlm_cos(t) : 1.5 - 3 * mlm_cos(t);
        y = c ? -0.75 + 3 * mlm_sin(t) : 0.75 - 3 * mlm_sin(t);
        scale = 1.5;
        break;
    }
    }
    if (scale > 0 && noise > 0) {
        x += noise * scale * mlm_rng_normal(rng);
        y += noise * scale * mlm_rng_normal(rng);
    }
    p[0] = mlm_clamp(x, -MLM_D2_BOX, MLM_D2_BOX), p[1] = mlm_clamp(y, -MLM_D2_BOX, MLM_D2_BOX);
    *label = c;
}
//< datasets

void mlm_d2_generate(const mlm_d2_spec *spec, mlm_rng *rng, double *x, int *y, mlm_d2_line *line) {
    mlm_d2_line l = {0, 0, 0};
    if (spec->kind == MLM_D2_LINEAR) {
        /* a random direction, and an offset that keeps the line well inside the square */
        double t = mlm_rng_range(rng, 0, 6.283185307179586);
        l.nx = mlm_cos(t), l.ny = mlm_sin(t);
        double r = sqrt(l.nx * l.nx + l.ny * l.ny); /* 1 to a few ulps: make it exactly unit */
        l.nx /= r, l.ny /= r;
        l.b = mlm_rng_range(rng, -1, 1);
    }
    for (int i = 0; i < spec->n; i++) d2_sample(x + 2 * (size_t)i, y + i, spec, &l, i, rng);
    if (line) *line = l;
}

/* ---- the reader's own points ---- */

void mlm_points_init(mlm_points *p, double x0, double x1, double y0, double y1, int classes) {
    memset(p, 0, sizeof *p);
    p->x0 = x0, p->x1 = x1, p->y0 = y0, p->y1 = y1;
    p->classes = classes < 1 ? 1 : classes > 16 ? 16 : classes;
}

static double points_coord(double lo, double hi, int q) {
    return lo + (q + 0.5) * ((hi - lo) / MLM_POINTS_Q);
}

void mlm_points_xy(const mlm_points *p, int i, double *x, double *y) {
    *x = points_coord(p->x0, p->x1, p->q[i][0]);
    *y = points_coord(p->y0, p->y1, p->q[i][1]);
}

//> points_click
/* A press: the nearest point within `radius` goes; otherwise a new point of class cls appears,
   snapped to the grid the link text can hold, so a link restores exactly what is shown. */
int mlm_points_click(mlm_points *p, double x, double y, int cls, double radius) {
    if (!mlm_isfinite(x) || !mlm_isfinite(y)) return 0;
    int best = -1;
    double best_d2 = radius * radius;
    for (int i = 0; i < p->n; i++) {
        double px, py;
        mlm_points_xy(p, i, &px, &py);
        double d2 = (px - x) * (px - x) + (py - y) * (py - y);
        if (d2 <= best_d2) best = i, best_d2 = d2;
    }
    if (best >= 0) { /* remove it, keeping the others in order */
        memmove(p->q[best], p->q[best + 1], sizeof p->q[0] * (size_t)(p->n - best - 1));
        memmove(p->cls + best, p->cls + best + 1, (size_t)(p->n - best - 1));
        p->n--;
        return 1;
    }
    if (p->n >= MLM_POINTS_MAX || cls < 0 || cls >= p->classes) return 0;
    if (x < p->x0 || x > p->x1 || y < p->y0 || y > p->y1) return 0;
    int qx = (int)floor((x - p->x0) / (p->x1 - p->x0) * MLM_POINTS_Q);
    int qy = (int)floor((y - p->y0) / (p->y1 - p->y0) * MLM_POINTS_Q);
    p->q[p->n][0] = (uint16_t)(qx < 0 ? 0 : qx >= MLM_POINTS_Q ? MLM_POINTS_Q - 1 : qx);
    p->q[p->n][1] = (uint16_t)(qy < 0 ? 0 : qy >= MLM_POINTS_Q ? MLM_POINTS_Q - 1 : qy);
    p->cls[p->n] = (uint8_t)cls;
    p->n++;
    return 1;
}
//< points_click

int mlm_points_get(const mlm_points *p, char *buf, size_t n) {
    if (n) buf[0] = 0;
    if (p->n == 0) return 0;
    uint8_t bytes[3 * MLM_POINTS_MAX];
    for (int i = 0; i < p->n; i++) {
        /* 24 bits: x (10), y (10), class (4) */
        uint32_t v = (uint32_t)p->q[i][0] << 14 | (uint32_t)p->q[i][1] << 4 | p->cls[i];
        bytes[3 * i] = (uint8_t)(v >> 16), bytes[3 * i + 1] = (uint8_t)(v >> 8), bytes[3 * i + 2] = (uint8_t)v;
    }
    int len = mlm_b64_encode(bytes, 3 * (size_t)p->n, buf, n);
    if (len < 0) {
        if (n) buf[0] = 0;
        return 0;
    }
    return len;
}

int mlm_points_set(mlm_points *p, const char *text) {
    uint8_t bytes[3 * MLM_POINTS_MAX];
    size_t len = strlen(text);
    if (len % 4 != 0 || len / 4 > MLM_POINTS_MAX) return -1;
    int nb = mlm_b64_decode(text, bytes, sizeof bytes);
    if (nb < 0 || nb % 3 != 0) return -1;
    int n = nb / 3;
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)bytes[3 * i] << 16 | (uint32_t)bytes[3 * i + 1] << 8 | bytes[3 * i + 2];
        if ((int)(v & 15) >= p->classes) return -1;
    }
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)bytes[3 * i] << 16 | (uint32_t)bytes[3 * i + 1] << 8 | bytes[3 * i + 2];
        p->q[i][0] = (uint16_t)(v >> 14), p->q[i][1] = (uint16_t)(v >> 4 & 1023), p->cls[i] = (uint8_t)(v & 15);
    }
    p->n = n;
    return 0;
}
