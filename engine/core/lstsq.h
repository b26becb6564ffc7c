/* lstsq.h: the book's small dense least-squares solver, shared by the chapters that fit linear
 * models exactly: overfitting and regularization (ridge and lasso's active sets) and forecasting
 * a time series (a linear autoregressive model).
 *
 * Shapes: P unknowns (P <= LSQ_MAX), N rows of data; A (P, lda) row-major, symmetric positive
 * definite; X (N, ldx) row-major, the design matrix, its first P columns used. */
#ifndef MLM_LSTSQ_H
#define MLM_LSTSQ_H

#define LSQ_MAX 32

/* Cholesky: A = R Rᵀ, then x = A⁻¹ b by two triangular solves. Returns -1 if A is not numerically
   positive definite (x is then undefined). */
int lsq_cholesky_solve(double *x /* (P,) */, const double *A /* (P, lda) */, int lda,
                       const double *b /* (P,) */, int P);

/* Least squares: the w that minimises |X w - y|², from the normal equations XᵀX w = Xᵀy solved by
   Cholesky. If XᵀX is singular (fewer independent rows than unknowns), a jitter growing from
   1e-12 × trace/P on the diagonal picks the solution of least norm, to far below anything shown.
   Returns 0, or -1 when N < 1 or P is out of range. */
int lsq_solve(double *w /* (P,) */, const double *X /* (N, ldx) */, int ldx,
              const double *y /* (N,) */, int N, int P);

#endif
