/* metrics.h: judging a binary classifier from its scores, for every chapter that needs it
 * (chapter 32, "Judging a classifier", draws all of it): the confusion matrix at a threshold,
 * precision, recall, F1 and accuracy, the ROC and precision-recall curves, the area under the ROC
 * curve, average precision, and k-fold splits for cross-validation.
 *
 * Conventions. A classifier gives each point a score s_i (higher: more likely positive); at a
 * threshold t it predicts positive exactly when s_i >= t. Labels y_i are 1 (positive) or 0.
 * P positives and Q negatives among n points.
 *
 * Shapes: score (n,) doubles; y (n,) ints 0 / 1; order, tmp (n,) ints (scratch); a curve of
 * m <= n + 1 points: xy (m, 2) doubles, thr (m,) the threshold of each point.
 */
#ifndef MLM_METRICS_H
#define MLM_METRICS_H

#include <stdint.h>

#include "mlm.h"

typedef struct {
    int tp, fp, tn, fn; /* true and false positives, true and false negatives */
} mlm_confusion;

/* The confusion matrix of the prediction "s_i >= t" against y. */
void mlm_confusion_at(const double *score, const int *y, int n, double t, mlm_confusion *c);

/* From a confusion matrix. Each is a ratio of counts; a ratio with nothing to count (0 / 0) is
   given the value its curve needs at that end, and says so:
     precision  tp / (tp + fp); 1 when nothing is predicted positive (no false alarm was made)
     recall     tp / (tp + fn), the true positive rate; 0 when there are no positives
     fpr        fp / (fp + tn), the false positive rate; 0 when there are no negatives
     f1         2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall; 0 when 0 / 0
     accuracy   (tp + tn) / n; 0 when n = 0 */
double mlm_precision(const mlm_confusion *c);
double mlm_recall(const mlm_confusion *c);
double mlm_fpr(const mlm_confusion *c);
double mlm_f1(const mlm_confusion *c);
double mlm_accuracy(const mlm_confusion *c);

/* The indices 0..n-1 ordered by score, highest first, ties by lower index (a stable merge sort;
   tmp is scratch). */
void mlm_rank_desc(const double *score, int n, int *order, int *tmp);

/* The ROC curve: from (0, 0) (threshold above every score, nothing predicted positive) through
   one point per distinct score s, (fpr, recall) when predicting "score >= s", to (1, 1) (the
   lowest score: everything positive). xy (m, 2) as (fpr, tpr), thr (m,) (thr[0] = +infinity),
   order and tmp scratch (n,). Returns m, the number of distinct scores plus one. */
int mlm_roc_curve(const double *score, const int *y, int n, double *xy, double *thr, int *order,
                  int *tmp);
/* The precision-recall curve over the same thresholds: (recall, precision), starting at
   (0, 1) (nothing predicted: precision 1 by the convention above) and ending at (1, P / n). */
int mlm_pr_curve(const double *score, const int *y, int n, double *xy, double *thr, int *order,
                 int *tmp);

/* The area under the ROC curve by the trapezoid rule; a run of tied scores is a straight segment,
   so a positive and a negative tied in score count one half. 0 without positives or negatives. */
double mlm_auc(const double *score, const int *y, int n, int *order, int *tmp);
/* Average precision: sum over the thresholds of (R_j - R_{j-1}) P_j, the precision at each
   threshold weighted by the recall it adds (no interpolation between points: precision does not
   change linearly with recall). 0 without positives. */
double mlm_average_precision(const double *score, const int *y, int n, int *order, int *tmp);

/* Stratified k-fold split: fold (n,) gives each point its fold 0..k-1. The points are shuffled
   with rng, then dealt round-robin, positives first and negatives after, so every fold holds
   n / k points (within one) and each class's points spread over the folds within one. k is
   clamped to 1..n (n >= 1). tmp (n,) scratch. */
void mlm_kfold_stratified(int n, int k, const int *y, mlm_rng *rng, int32_t *fold, int32_t *tmp);

#endif
