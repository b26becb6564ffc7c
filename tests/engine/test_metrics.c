/* test_metrics.c: engine/core/metrics.c against the definitions, computed the slow, direct way.
 *   - AUC equals the Mann-Whitney statistic computed directly: over every (positive, negative)
 *     pair, 1 when the positive scores higher, 1/2 when tied, 0 otherwise, divided by P Q; on
 *     random scores with many ties (scores rounded to a few levels), at many sizes and class
 *     balances. It also equals the trapezoid area under the ROC points the curve function returns.
 *   - The curves' end points: ROC from (0, 0) to (1, 1), PR from (0, 1) to (1, P / n); the ROC
 *     curve never goes down or left; one point per distinct score plus one; every point equals
 *     the confusion matrix counted directly at its threshold.
 *   - Average precision equals the mean, over the positives, of the precision at the threshold
 *     equal to each positive's score.
 *   - Precision, recall, F1, accuracy on hand-counted matrices; F1 is the harmonic mean.
 *   - The AUC is indifferent to the classes' shares: copying every negative ten times leaves it
 *     unchanged, to the last bit.
 *   - Known AUCs: a perfect ranking 1, a reversed one 0, all scores tied 1/2.
 *   - The ranking is a permutation, sorted, ties by index.
 *   - k-fold splits partition the data: every point in exactly one fold 0..k-1, fold sizes within
 *     one of each other and each class's count within one across folds; the seed changes the
 *     split; k is clamped to 1..n. */
#include "../../engine/core/metrics.c"

#include <stdlib.h>

#include "check.h"

#define NMAX 300

static double brute_auc(const double *s, const int *y, int n) {
    double u = 0;
    long P = 0, Q = 0;
    for (int i = 0; i < n; i++) P += y[i], Q += !y[i];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (y[i] && !y[j]) u += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    return P && Q ? u / ((double)P * Q) : 0;
}

static void random_set(mlm_rng *r, int n, double pos, int levels, double sep, double *s, int *y) {
    for (int i = 0; i < n; i++) {
        y[i] = mlm_rng_uniform(r) < pos;
        double v = mlm_rng_normal(r) + sep * y[i];
        s[i] = levels ? floor(v * levels) / levels : v; /* few levels: many ties */
    }
}

static void test_auc_is_mann_whitney(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 7, 1);
    static const int sizes[] = {1, 2, 3, 5, 10, 37, 100, 300};
    static const double shares[] = {0.05, 0.2, 0.5, 0.9};
    static const int levels[] = {0, 1, 2, 5};
    double s[NMAX], xy[2 * (NMAX + 1)], thr[NMAX + 1];
    int y[NMAX], order[NMAX], tmp[NMAX], cases = 0;
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int rep = 0; rep < 3; rep++) {
                    int n = sizes[a];
                    random_set(&r, n, shares[b], levels[c], rep, s, y);
                    double want = brute_auc(s, y, n), got = mlm_auc(s, y, n, order, tmp);
                    CHECK_NEAR(got, want, 1e-12);
                    /* the trapezoids under the returned ROC points */
                    int m = mlm_roc_curve(s, y, n, xy, thr, order, tmp);
                    double area = 0;
                    for (int j = 1; j < m; j++) area += (xy[2 * j] - xy[2 * j - 2]) * (xy[2 * j + 1] + xy[2 * j - 1]) / 2;
                    int P = 0;
                    for (int i = 0; i < n; i++) P += y[i];
                    if (P && P < n) CHECK_NEAR(area, want, 1e-12);
                    cases++;
                }
    CHECK(cases == 384, "cases %d", cases);
    /* the AUC counts pairs: copying every negative ten times leaves it exactly as it was */
    for (int rep = 0; rep < 20; rep++) {
        int n = 10 + (int)mlm_rng_below(&r, 15), m = n;
        random_set(&r, n, 0.5, rep % 3, 1, s, y);
        double before = brute_auc(s, y, n);
        for (int i = 0; i < n; i++)
            if (!y[i])
                for (int c = 0; c < 9; c++) s[m] = s[i], y[m++] = 0;
        CHECK(m <= NMAX, "m %d", m);
        int P = 0;
        for (int i = 0; i < n; i++) P += y[i];
        if (P && P < n) CHECK(mlm_auc(s, y, m, order, tmp) == before, "rep %d: %.17g after copying, %.17g before", rep,
                              mlm_auc(s, y, m, order, tmp), before);
    }
    /* known values */
    for (int i = 0; i < 10; i++) s[i] = i, y[i] = i >= 6;
    CHECK_NEAR(mlm_auc(s, y, 10, order, tmp), 1, 0);
    for (int i = 0; i < 10; i++) y[i] = i < 4;
    CHECK_NEAR(mlm_auc(s, y, 10, order, tmp), 0, 0);
    for (int i = 0; i < 10; i++) s[i] = 0.3;
    CHECK_NEAR(mlm_auc(s, y, 10, order, tmp), 0.5, 0);
    for (int i = 0; i < 10; i++) y[i] = 1;
    CHECK_NEAR(mlm_auc(s, y, 10, order, tmp), 0, 0); /* no negatives: no pairs */
}

static void test_curves(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 11, 2);
    double s[NMAX], xy[2 * (NMAX + 1)], pr[2 * (NMAX + 1)], thr[NMAX + 1], thr2[NMAX + 1];
    int y[NMAX], order[NMAX], tmp[NMAX];
    for (int rep = 0; rep < 60; rep++) {
        int n = 2 + (int)mlm_rng_below(&r, NMAX - 1);
        random_set(&r, n, 0.05 + 0.9 * mlm_rng_uniform(&r), rep % 4 ? 3 : 0, 1.5, s, y);
        int P = 0;
        for (int i = 0; i < n; i++) P += y[i];
        if (P == 0 || P == n) y[0] = !y[0], P += y[0] ? 1 : -1;
        int m = mlm_roc_curve(s, y, n, xy, thr, order, tmp);
        int m2 = mlm_pr_curve(s, y, n, pr, thr2, order, tmp);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            int seen = 0;
            for (int j = 0; j < i; j++) seen |= s[j] == s[i];
            distinct += !seen;
        }
        CHECK(m == distinct + 1 && m2 == m, "points %d %d, distinct scores %d", m, m2, distinct);
        CHECK(xy[0] == 0 && xy[1] == 0, "ROC starts at (%g, %g)", xy[0], xy[1]);
        CHECK(xy[2 * m - 2] == 1 && xy[2 * m - 1] == 1, "ROC ends at (%g, %g)", xy[2 * m - 2], xy[2 * m - 1]);
        CHECK(pr[0] == 0 && pr[1] == 1, "PR starts at (%g, %g)", pr[0], pr[1]);
        CHECK(pr[2 * m - 2] == 1, "PR ends at recall %g", pr[2 * m - 2]);
        CHECK_NEAR(pr[2 * m - 1], (double)P / n, 1e-15);
        int bad = 0;
        for (int j = 1; j < m; j++) {
            bad += xy[2 * j] < xy[2 * j - 2] || xy[2 * j + 1] < xy[2 * j - 1];
            bad += thr[j] != thr2[j] || !(thr[j] < thr[j - 1]);
            mlm_confusion c;
            mlm_confusion_at(s, y, n, thr[j], &c);
            bad += c.tp + c.fn != P || c.fp + c.tn != n - P;
            bad += xy[2 * j] != (double)c.fp / (n - P) || xy[2 * j + 1] != (double)c.tp / P;
            bad += pr[2 * j] != (double)c.tp / P || pr[2 * j + 1] != (double)c.tp / (c.tp + c.fp);
        }
        CHECK(bad == 0, "rep %d: %d points off", rep, bad);
        /* average precision: the mean over positives of the precision at that positive's score */
        double ap = 0;
        for (int i = 0; i < n; i++)
            if (y[i]) {
                mlm_confusion c;
                mlm_confusion_at(s, y, n, s[i], &c);
                ap += mlm_precision(&c) / P;
            }
        CHECK_NEAR(mlm_average_precision(s, y, n, order, tmp), ap, 1e-12);
    }
}

static void test_counts(void) {
    mlm_confusion c = {.tp = 30, .fp = 10, .tn = 50, .fn = 10};
    CHECK_NEAR(mlm_precision(&c), 0.75, 1e-15);
    CHECK_NEAR(mlm_recall(&c), 0.75, 1e-15);
    CHECK_NEAR(mlm_fpr(&c), 10.0 / 60, 1e-15);
    CHECK_NEAR(mlm_accuracy(&c), 0.8, 1e-15);
    CHECK_NEAR(mlm_f1(&c), 0.75, 1e-15);
    mlm_confusion d = {.tp = 5, .fp = 45, .tn = 40, .fn = 10};
    double p = mlm_precision(&d), rc = mlm_recall(&d);
    CHECK_NEAR(mlm_f1(&d), 2 * p * rc / (p + rc), 1e-15);
    mlm_confusion none = {.tp = 0, .fp = 0, .tn = 90, .fn = 10}; /* "always negative" */
    CHECK_NEAR(mlm_precision(&none), 1, 0);
    CHECK_NEAR(mlm_recall(&none), 0, 0);
    CHECK_NEAR(mlm_f1(&none), 0, 0);
    CHECK_NEAR(mlm_accuracy(&none), 0.9, 1e-15);
    double s[4] = {0.9, 0.2, 0.5, 0.5};
    int y[4] = {1, 0, 1, 0};
    mlm_confusion_at(s, y, 4, 0.5, &c);
    CHECK(c.tp == 2 && c.fp == 1 && c.tn == 1 && c.fn == 0, "counts %d %d %d %d", c.tp, c.fp, c.tn, c.fn);
}

static void test_rank(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 3, 3);
    double s[NMAX];
    int order[NMAX], tmp[NMAX];
    for (int rep = 0; rep < 30; rep++) {
        int n = 1 + (int)mlm_rng_below(&r, NMAX);
        for (int i = 0; i < n; i++) s[i] = (double)mlm_rng_below(&r, 7);
        mlm_rank_desc(s, n, order, tmp);
        int seen[NMAX] = {0}, bad = 0;
        for (int j = 0; j < n; j++) {
            bad += order[j] < 0 || order[j] >= n || seen[order[j]]++;
            if (j) bad += s[order[j]] > s[order[j - 1]] || (s[order[j]] == s[order[j - 1]] && order[j] < order[j - 1]);
        }
        CHECK(bad == 0, "n %d: %d out of order", n, bad);
    }
}

static void test_kfold(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 5, 4);
    int y[NMAX];
    int32_t fold[NMAX], fold2[NMAX], tmp[NMAX];
    for (int rep = 0; rep < 200; rep++) {
        int n = 1 + (int)mlm_rng_below(&r, NMAX);
        int k = 1 + (int)mlm_rng_below(&r, 12);
        double pos = mlm_rng_uniform(&r);
        for (int i = 0; i < n; i++) y[i] = mlm_rng_uniform(&r) < pos;
        for (int i = 0; i < n; i++) fold[i] = -7;
        mlm_rng g;
        mlm_rng_seed(&g, (uint64_t)rep, 0);
        mlm_kfold_stratified(n, k, y, &g, fold, tmp);
        int kk = k > n ? n : k;
        int size[12] = {0}, npos[12] = {0}, bad = 0;
        for (int i = 0; i < n; i++) {
            if (fold[i] < 0 || fold[i] >= kk) { bad++; continue; } /* every point in one fold */
            size[fold[i]]++, npos[fold[i]] += y[i];
        }
        int total = 0, lo = n, hi = 0, plo = n, phi = 0;
        for (int f = 0; f < kk; f++) {
            total += size[f];
            lo = size[f] < lo ? size[f] : lo, hi = size[f] > hi ? size[f] : hi;
            plo = npos[f] < plo ? npos[f] : plo, phi = npos[f] > phi ? npos[f] : phi;
        }
        CHECK(bad == 0 && total == n, "n %d k %d: %d points outside the folds", n, k, bad);
        CHECK(hi - lo <= 1 && phi - plo <= 1, "n %d k %d: sizes %d..%d, positives %d..%d", n, k, lo, hi, plo, phi);
        /* negatives spread within one too: sizes and positives are, and both are dealt in runs */
        int nlo = n, nhi = 0;
        for (int f = 0; f < kk; f++) {
            int q = size[f] - npos[f];
            nlo = q < nlo ? q : nlo, nhi = q > nhi ? q : nhi;
        }
        CHECK(nhi - nlo <= 1, "n %d k %d: negatives %d..%d", n, k, nlo, nhi);
        if (n >= 20 && kk >= 2) { /* another seed deals another split */
            mlm_rng_seed(&g, (uint64_t)rep + 1000, 0);
            mlm_kfold_stratified(n, k, y, &g, fold2, tmp);
            int same = 1;
            for (int i = 0; i < n; i++) same &= fold[i] == fold2[i];
            CHECK(!same, "n %d k %d: two seeds, one split", n, k);
        }
    }
    y[0] = 1;
    mlm_rng g;
    mlm_rng_seed(&g, 1, 0);
    mlm_kfold_stratified(1, 5, y, &g, fold, tmp);
    CHECK(fold[0] == 0, "k clamped to n = 1");
    mlm_kfold_stratified(4, 0, y, &g, fold, tmp);
    int zero = 1;
    for (int i = 0; i < 4; i++) zero &= fold[i] == 0;
    CHECK(zero, "k clamped to 1");
}

int main(void) {
    test_auc_is_mann_whitney();
    test_curves();
    test_counts();
    test_rank();
    test_kfold();
    return CHECK_DONE("test_metrics");
}
