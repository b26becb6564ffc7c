/* metrics.c: the confusion matrix, precision / recall / F1, ROC and precision-recall curves, AUC,
 * average precision and stratified k-fold splits (see metrics.h). */
#include "metrics.h"

#include <math.h>
#include <string.h>

//> confusion
/* Predict positive exactly when the score reaches the threshold, and count the four outcomes. */
void mlm_confusion_at(const double *score, const int *y, int n, double t, mlm_confusion *c) {
    memset(c, 0, sizeof *c);
    for (int i = 0; i < n; i++) {
        int said = score[i] >= t;
        if (y[i]) said ? c->tp++ : c->fn++;
        else said ? c->fp++ : c->tn++;
    }
}

double mlm_precision(const mlm_confusion *c) {
    return c->tp + c->fp ? (double)c->tp / (c->tp + c->fp) : 1.0;
}
double mlm_recall(const mlm_confusion *c) {
    return c->tp + c->fn ? (double)c->tp / (c->tp + c->fn) : 0.0;
}
double mlm_fpr(const mlm_confusion *c) {
    return c->fp + c->tn ? (double)c->fp / (c->fp + c->tn) : 0.0;
}
double mlm_f1(const mlm_confusion *c) {
    int d = 2 * c->tp + c->fp + c->fn;
    return d ? 2.0 * c->tp / d : 0.0;
}
double mlm_accuracy(const mlm_confusion *c) {
    int n = c->tp + c->fp + c->tn + c->fn;
    return n ? (double)(c->tp + c->tn) / n : 0.0;
}
//< confusion

/* Highest score first, then the lower index: a strict order, so the result does not depend on
   the sort. */
static int metrics_before(const double *score, int a, int b) {
    return score[a] > score[b] || (score[a] == score[b] && a < b);
}

void mlm_rank_desc(const double *score, int n, int *order, int *tmp) {
    for (int i = 0; i < n; i++) order[i] = i;
    for (int w = 1; w < n; w *= 2) { /* bottom-up merge sort: runs of w merged into runs of 2w */
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = metrics_before(score, order[j], order[i]) ? order[j++] : order[i++];
            while (i < mid) tmp[k++] = order[i++];
            while (j < hi) tmp[k++] = order[j++];
        }
        memcpy(order, tmp, sizeof(int) * (size_t)n);
    }
}

//> curves
/* Both curves come from one walk down the scores, highest first. Lowering the threshold past a
   score turns every point with that score into a predicted positive at once: a positive adds
   one true positive, a negative one false positive. So each distinct score gives one point of
   each curve, and the walk needs only the running counts. pr = 0: ROC (fpr, tpr); 1: PR
   (recall, precision). */
static int metrics_curve(const double *score, const int *y, int n, int pr, double *xy, double *thr,
                         int *order, int *tmp) {
    int P = 0;
    for (int i = 0; i < n; i++) P += y[i] != 0;
    int Q = n - P, tp = 0, fp = 0, m = 0;
    mlm_rank_desc(score, n, order, tmp);
    /* above every score nothing is predicted positive: ROC (0, 0), PR (0, 1) */
    xy[0] = 0, xy[1] = pr ? 1 : 0, thr[0] = HUGE_VAL;
    m = 1;
    for (int j = 0; j < n;) {
        double s = score[order[j]];
        for (; j < n && score[order[j]] == s; j++) /* the whole group of tied scores */
            y[order[j]] ? tp++ : fp++;
        mlm_confusion c = {tp, fp, Q - fp, P - tp};
        xy[2 * m] = pr ? mlm_recall(&c) : mlm_fpr(&c);
        xy[2 * m + 1] = pr ? mlm_precision(&c) : mlm_recall(&c);
        thr[m++] = s;
    }
    return m;
}
//< curves

int mlm_roc_curve(const double *score, const int *y, int n, double *xy, double *thr, int *order, int *tmp) {
    return metrics_curve(score, y, n, 0, xy, thr, order, tmp);
}

int mlm_pr_curve(const double *score, const int *y, int n, double *xy, double *thr, int *order, int *tmp) {
    return metrics_curve(score, y, n, 1, xy, thr, order, tmp);
}

//> auc
/* The trapezoids under the ROC curve, added in counts rather than rates (one division at the
   end): a group of tied scores holding a positives and b negatives moves the curve a / P up and
   b / Q right in one straight step, the trapezoid b (2 tp + a) / 2 in counts, where tp counts the
   positives above the group. Each negative so earns the positives that outrank it plus half of
   those tied with it: the Mann-Whitney count. */
double mlm_auc(const double *score, const int *y, int n, int *order, int *tmp) {
    int P = 0;
    for (int i = 0; i < n; i++) P += y[i] != 0;
    int Q = n - P;
    if (!P || !Q) return 0;
    mlm_rank_desc(score, n, order, tmp);
    double area = 0;
    long tp = 0;
    for (int j = 0; j < n;) {
        double s = score[order[j]];
        long a = 0, b = 0;
        for (; j < n && score[order[j]] == s; j++) y[order[j]] ? a++ : b++;
        area += (double)b * (double)(2 * tp + a) / 2;
        tp += a;
    }
    return area / ((double)P * Q);
}
//< auc

double mlm_average_precision(const double *score, const int *y, int n, int *order, int *tmp) {
    int P = 0;
    for (int i = 0; i < n; i++) P += y[i] != 0;
    if (!P) return 0;
    mlm_rank_desc(score, n, order, tmp);
    double ap = 0;
    int tp = 0, fp = 0;
    for (int j = 0; j < n;) {
        double s = score[order[j]];
        int a = 0;
        for (; j < n && score[order[j]] == s; j++) y[order[j]] ? a++ : fp++;
        tp += a;
        if (a) ap += (double)a / P * ((double)tp / (tp + fp));
    }
    return ap;
}

//> kfold
/* Shuffle, then deal the points out to the folds like cards, the positives first and the
   negatives after: consecutive cards go to consecutive folds, so fold sizes differ by at most
   one, and so do the folds' counts of each class (a rare class is not left out of some fold). */
void mlm_kfold_stratified(int n, int k, const int *y, mlm_rng *rng, int32_t *fold, int32_t *tmp) {
    if (n <= 0) return;
    if (k < 1) k = 1;
    if (k > n) k = n;
    for (int i = 0; i < n; i++) tmp[i] = i;
    mlm_rng_shuffle(rng, tmp, n);
    int card = 0;
    for (int pass = 1; pass >= 0; pass--) /* the positives, then the negatives */
        for (int r = 0; r < n; r++)
            if ((y[tmp[r]] != 0) == pass) fold[tmp[r]] = card++ % k;
}
//< kfold
