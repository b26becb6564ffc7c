/* softmax.c: the softmax, stable and naive (see softmax.h). */
#include "softmax.h"

#include "detmath.h"

//> softmax
/* p_k = e^{z_k} / sum_j e^{z_j}, computed as e^{z_k - m} / sum_j e^{z_j - m} with m the largest
   logit: the factor e^{-m} cancels, every exponent is at most 0 (no overflow, whatever the
   logits), and the sum is at least 1 (the largest term is e^0), so its log is safe too.
   Returns log sum_j e^{z_j} = m + log sum_j e^{z_j - m}, the log-sum-exp. p (K,), z (K,). */
double mlm_softmax(double *p, const double *z, int K) {
    double m = z[0];
    for (int k = 1; k < K; k++) m = z[k] > m ? z[k] : m;
    double sum = 0;
    for (int k = 0; k < K; k++) sum += p[k] = mlm_exp(z[k] - m); /* z[k] read before p[k] written */
    for (int k = 0; k < K; k++) p[k] /= sum;
    return m + mlm_log(sum);
}

/* The same probabilities straight from the definition. For a logit above 709.78, e^z is
   infinite and infinity / infinity is NaN; when every logit is below -745, every e^z rounds to 0
   and 0 / 0 is NaN. Returns the sum of the exponentials (infinite or 0 in those cases). */
double mlm_softmax_naive(double *p, const double *z, int K) {
    double sum = 0;
    for (int k = 0; k < K; k++) sum += p[k] = mlm_exp(z[k]);
    for (int k = 0; k < K; k++) p[k] /= sum;
    return sum;
}
//< softmax
