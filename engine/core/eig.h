/* eig.h: the eigenvalues and eigenvectors of a small symmetric matrix, by cyclic Jacobi rotations
 * (Jacobi 1846; the classic cyclic form as in Golub and Van Loan, "Matrix Computations", 8.5).
 * Each rotation in the (p, q) plane zeroes the entry a_pq; the sum of squares off the diagonal
 * falls by 2 a_pq^2 at each, so sweeps over every pair drive the matrix to diagonal form, the
 * diagonal to the eigenvalues, and the product of the rotations to the eigenvectors. Enough for
 * the covariance matrices of this book (up to MLM_EIG_MAX = 16 dimensions: iris 4, wine 13).
 *
 * Shapes: a (n, n) row-major, symmetric; values (n,); vectors (n, n) row-major, column j the unit
 * eigenvector of values[j]. */
#ifndef MLM_EIG_H
#define MLM_EIG_H

#define MLM_EIG_MAX 16

/* Eigen-decompose the symmetric n x n matrix a (only read; 1 <= n <= MLM_EIG_MAX): eigenvalues in
   decreasing order in values, the matching unit eigenvectors as the columns of vectors (each with
   its largest-magnitude component positive, so the signs are reproducible). Returns the sweeps
   used, or -1 if n is out of range, a holds a non-finite number, or 60 sweeps did not bring the
   off-diagonal mass below 1e-30 of the total (never seen for symmetric input). */
int mlm_eig_sym(const double *a, int n, double *values, double *vectors);

#endif
