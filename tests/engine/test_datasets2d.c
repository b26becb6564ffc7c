/* test_datasets2d.c: the shared 2-D datasets against what each promises: every point in the box
 * and finite; balanced classes where the pattern fixes them by index; the circles' radii, XOR's
 * signs, the spiral's radius growing along each arm; LINEAR's margin (no point closer to its line
 * than asked, both sides present) and its line a unit normal; OVERLAP not separable (no line
 * through the data's spread gets every point right: checked against 3,600 lines); BLOBS with 3 to
 * 5 classes, each blob's mean near its centre; MOONS on their arcs; the same seed, the same
 * points. And the reader's points: add, remove by a click on them, the link text round trip, and
 * every malformed text refused with the set unchanged. */
#include "../../engine/core/datasets2d.c"

#include <stdlib.h>

#include "check.h"

#define N 400

static void gen(int kind, double noise, double margin, int classes, uint64_t seed, double *x, int *y,
                mlm_d2_line *line) {
    mlm_rng r;
    mlm_rng_seed(&r, seed, 0);
    mlm_d2_spec spec = {.kind = kind, .n = N, .noise = noise, .margin = margin, .classes = classes};
    mlm_d2_generate(&spec, &r, x, y, line);
}

static void test_common(void) {
    static double x[2 * N], x2[2 * N];
    int y[N], y2[N];
    for (int kind = 0; kind < MLM_D2_COUNT; kind++)
        for (int k = 0; k < 3; k++) {
            double noise = k * 0.5;
            mlm_d2_spec spec = {.kind = kind, .classes = 4};
            int K = mlm_d2_classes(&spec);
            gen(kind, noise, 1, 4, 7, x, y, NULL);
            gen(kind, noise, 1, 4, 7, x2, y2, NULL);
            int bad = 0, count[5] = {0};
            for (int i = 0; i < N; i++) {
                bad += !isfinite(x[2 * i]) || !isfinite(x[2 * i + 1]) || fabs(x[2 * i]) > MLM_D2_BOX ||
                       fabs(x[2 * i + 1]) > MLM_D2_BOX || y[i] < 0 || y[i] >= K;
                if (y[i] >= 0 && y[i] < 5) count[y[i]]++;
                bad += x[2 * i] != x2[2 * i] || x[2 * i + 1] != x2[2 * i + 1] || y[i] != y2[i];
            }
            CHECK(bad == 0, "kind %d noise %g: %d bad or irreproducible points", kind, noise, bad);
            for (int c = 0; c < K; c++) {
                /* fixed by index everywhere but XOR and LINEAR, which label by position */
                if (kind == MLM_D2_XOR || kind == MLM_D2_LINEAR) CHECK(count[c] > N / 10, "kind %d class %d: %d", kind, c, count[c]);
                else CHECK(count[c] == N / K || count[c] == N / K + 1, "kind %d class %d: %d points", kind, c, count[c]);
            }
        }
}

static void test_shapes(void) {
    static double x[2 * N];
    int y[N];
    gen(MLM_D2_CIRCLES, 0, 0, 0, 3, x, y, NULL);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        double r = hypot(x[2 * i], x[2 * i + 1]);
        bad += y[i] ? r > 2 + 1e-12 : (r < 3.5 - 1e-12 || r > 5 + 1e-12);
    }
    CHECK(bad == 0, "circles: %d points off their radius", bad);
    gen(MLM_D2_XOR, 0, 0, 0, 3, x, y, NULL);
    bad = 0;
    for (int i = 0; i < N; i++) bad += (x[2 * i] * x[2 * i + 1] > 0) != y[i] || fabs(x[2 * i]) < 0.3 || fabs(x[2 * i + 1]) < 0.3;
    CHECK(bad == 0, "xor: %d points on the wrong side", bad);
    gen(MLM_D2_SPIRAL, 0, 0, 0, 3, x, y, NULL);
    bad = 0;
    for (int i = 2; i < N; i++) bad += hypot(x[2 * i], x[2 * i + 1]) < hypot(x[2 * i - 4], x[2 * i - 3]) - 1e-12;
    CHECK(bad == 0, "spiral: the radius shrinks along an arm %d times", bad);
    /* moons without noise lie on their circles of radius 3 */
    gen(MLM_D2_MOONS, 0, 0, 0, 3, x, y, NULL);
    bad = 0;
    for (int i = 0; i < N; i++) {
        double cx = y[i] ? -1.5 : 1.5, cy = y[i] ? -0.75 : 0.75;
        double r = hypot(x[2 * i] - cx, x[2 * i + 1] - cy);
        bad += fabs(r - 3) > 1e-9 || (y[i] ? x[2 * i + 1] < cy - 1e-9 : x[2 * i + 1] > cy + 1e-9);
    }
    CHECK(bad == 0, "moons: %d points off their arcs", bad);
    /* blobs: K classes, each blob's mean within 0.25 of its centre (sd 0.7, 80+ points: the mean's
       sd is under 0.08) */
    for (int K = 3; K <= 5; K++) {
        gen(MLM_D2_BLOBS, 0, 0, K, 5, x, y, NULL);
        for (int c = 0; c < K; c++) {
            double mx = 0, my = 0;
            int n = 0;
            for (int i = 0; i < N; i++)
                if (y[i] == c) mx += x[2 * i], my += x[2 * i + 1], n++;
            double t = 1.5707963267948966 + 6.283185307179586 * c / K;
            CHECK(n > 0 && hypot(mx / n - 3.5 * cos(t), my / n - 3.5 * sin(t)) < 0.25, "blob %d of %d: mean off", c, K);
        }
    }
}

/* Is there a line w.x + b that gets every point right? Tried over 3,600 directions and every
   threshold between projected points: exact for separability up to the direction grid. */
static int separable_by_grid(const double *x, const int *y, int n) {
    for (int a = 0; a < 3600; a++) {
        double t = a * 6.283185307179586 / 3600, u = cos(t), v = sin(t);
        double lo1 = INFINITY, hi0 = -INFINITY; /* class 1 all above every class 0 */
        for (int i = 0; i < n; i++) {
            double p = u * x[2 * i] + v * x[2 * i + 1];
            if (y[i]) lo1 = fmin(lo1, p);
            else hi0 = fmax(hi0, p);
        }
        if (lo1 > hi0) return 1;
    }
    return 0;
}

static void test_linear_and_overlap(void) {
    static double x[2 * N];
    int y[N];
    for (uint64_t seed = 1; seed <= 50; seed++)
        for (int m = 0; m <= 3; m++) {
            mlm_d2_line l;
            gen(MLM_D2_LINEAR, 0.3, m, 0, seed, x, y, &l);
            CHECK_NEAR(l.nx * l.nx + l.ny * l.ny, 1, 1e-15);
            double least = INFINITY;
            int wrong = 0, n1 = 0;
            for (int i = 0; i < N; i++) {
                double s = l.nx * x[2 * i] + l.ny * x[2 * i + 1] + l.b;
                least = fmin(least, fabs(s));
                wrong += (s > 0) != y[i];
                n1 += y[i];
            }
            CHECK(wrong == 0 && least >= m - 1e-12, "seed %llu margin %d: %d wrong, least distance %g",
                  (unsigned long long)seed, m, wrong, least);
            CHECK(n1 > 0 && n1 < N, "seed %llu margin %d: one class only", (unsigned long long)seed, m);
            if (m >= 1) CHECK(least < m + 0.1, "margin %d: the nearest point is %g away (the margin is not tight)", m, least);
        }
    gen(MLM_D2_LINEAR, 0, 1, 0, 9, x, y, NULL);
    CHECK(separable_by_grid(x, y, N), "linear data not found separable");
    gen(MLM_D2_OVERLAP, 0, 0, 0, 9, x, y, NULL);
    CHECK(!separable_by_grid(x, y, N), "overlapping data found separable");
}

static void test_points(void) {
    mlm_points p, q;
    mlm_points_init(&p, -6, 6, -6, 6, 2);
    CHECK(mlm_points_click(&p, 1.0, 2.0, 1, 0.3) == 1 && p.n == 1, "add");
    CHECK(mlm_points_click(&p, -3.0, 4.0, 0, 0.3) == 1 && p.n == 2, "add a second");
    double px, py;
    mlm_points_xy(&p, 0, &px, &py);
    CHECK(fabs(px - 1) <= 12.0 / 1024 && fabs(py - 2) <= 12.0 / 1024, "snapped point (%g, %g)", px, py);
    CHECK(mlm_points_click(&p, 9, 0, 0, 0.3) == 0 && p.n == 2, "outside the box refused");
    CHECK(mlm_points_click(&p, 0, 0, 2, 0.3) == 0 && p.n == 2, "class out of range refused");
    CHECK(mlm_points_click(&p, NAN, 0, 0, 0.3) == 0 && p.n == 2, "NaN refused");
    char buf[MLM_INPUT_MAX + 1];
    int len = mlm_points_get(&p, buf, sizeof buf);
    CHECK(len == 8, "two points are 8 characters: %d (%s)", len, buf);
    mlm_points_init(&q, -6, 6, -6, 6, 2);
    CHECK(mlm_points_set(&q, buf) == 0 && q.n == 2 && memcmp(q.q, p.q, sizeof p.q[0] * 2) == 0 &&
              q.cls[0] == 1 && q.cls[1] == 0, "round trip");
    /* a click on a point removes it */
    CHECK(mlm_points_click(&p, px + 0.1, py - 0.1, 0, 0.3) == 1 && p.n == 1 && p.cls[0] == 0, "remove");
    CHECK(mlm_points_get(&p, buf, sizeof buf) == 4, "one point left");
    p.n = 0;
    CHECK(mlm_points_get(&p, buf, sizeof buf) == 0 && buf[0] == 0, "empty set, empty text");
    /* fill it up, and the text round-trips at full size */
    mlm_rng r;
    mlm_rng_seed(&r, 1, 0);
    int added = 0;
    for (int i = 0; i < 400 && p.n < MLM_POINTS_MAX; i++)
        added += mlm_points_click(&p, mlm_rng_range(&r, -6, 6), mlm_rng_range(&r, -6, 6), i % 2, 0.01);
    CHECK(p.n == MLM_POINTS_MAX, "filled: %d", p.n);
    CHECK(mlm_points_click(&p, 5.99, -5.99, 0, 0.0) == 0 || p.n < MLM_POINTS_MAX, "full set refuses");
    len = mlm_points_get(&p, buf, sizeof buf);
    CHECK(len == 4 * MLM_POINTS_MAX && len <= MLM_INPUT_MAX, "full text %d characters", len);
    mlm_points_init(&q, -6, 6, -6, 6, 2);
    CHECK(mlm_points_set(&q, buf) == 0 && q.n == p.n && memcmp(q.q, p.q, sizeof p.q) == 0 &&
              memcmp(q.cls, p.cls, sizeof p.cls) == 0, "full round trip");
    /* hostile texts: refused, the set unchanged */
    const char *bad[] = {"A", "AAA", "AAAAA", "AA=A", "AA AA", "////", "AAAD"};
    /* "AAAD": class 3 in a two-class set; "////": class 15 */
    for (int i = 0; i < MLM_COUNT(bad); i++) {
        mlm_points before = q;
        CHECK(mlm_points_set(&q, bad[i]) == -1 && memcmp(&before, &q, sizeof q) == 0, "text \"%s\" accepted", bad[i]);
    }
    char big[4 * MLM_POINTS_MAX + 5];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(mlm_points_set(&q, big) == -1, "too many points accepted");
    CHECK(mlm_points_set(&q, "") == 0 && q.n == 0, "empty text: no points");
}

int main(void) {
    test_common();
    test_shapes();
    test_linear_and_overlap();
    test_points();
    return CHECK_DONE("test_datasets2d");
}
