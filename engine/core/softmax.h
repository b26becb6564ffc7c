/* softmax.h: the softmax and the log-sum-exp, once for the book: softmax regression (chapter 9)
 * turns logits into class probabilities with it, naive Bayes (chapter 10) turns log joint
 * probabilities into posteriors. The naive form is here too, only so that chapter 9 can show it
 * failing; never train with it. */
#ifndef MLM_SOFTMAX_H
#define MLM_SOFTMAX_H

/* p_k = e^{z_k} / sum_j e^{z_j} for k < K, computed after subtracting the largest z (no overflow
   or 0 / 0 whatever the values). Returns log sum_j e^{z_j}. p (K,), z (K,); p may be z. */
double mlm_softmax(double *p, const double *z, int K);
/* The same from the definition: NaN in p when a z exceeds 709.78 or every z is below -745.
   Returns sum_j e^{z_j} (infinite or 0 in those cases). */
double mlm_softmax_naive(double *p, const double *z, int K);

#endif
