/* testfns.h: the book's gallery of two-dimensional test functions, shared by every chapter that
 * optimises on a surface (gradient descent, Newton's method, the optimizers, the gallery itself).
 * Each function comes with its analytic gradient and Hessian, its known global minima, a view
 * that shows its character, a start point that makes a good demonstration, and one line on what
 * makes it hard. Defined once here so no chapter carries its own copy of Rosenbrock.
 *
 * A CHOICE parameter over the gallery uses MLM_TESTFN_CHOICES as its `choices` and
 * MLM_TESTFN_COUNT - 1 as its max; the choice index is the function's index. */
#ifndef MLM_TESTFNS_H
#define MLM_TESTFNS_H

enum {
    MLM_TESTFN_ROSENBROCK,
    MLM_TESTFN_HIMMELBLAU,
    MLM_TESTFN_BEALE,
    MLM_TESTFN_BOOTH,
    MLM_TESTFN_MATYAS,
    MLM_TESTFN_RASTRIGIN,
    MLM_TESTFN_ACKLEY,
    MLM_TESTFN_STYBLINSKI_TANG,
    MLM_TESTFN_GOLDSTEIN_PRICE,
    MLM_TESTFN_CAMEL,
    MLM_TESTFN_SADDLE,
    MLM_TESTFN_COUNT
};

#define MLM_TESTFN_CHOICES                                                                    \
    "rosenbrock:Rosenbrock|himmelblau:Himmelblau|beale:Beale|booth:Booth|matyas:Matyas|"      \
    "rastrigin:Rastrigin|ackley:Ackley|styblinski:Styblinski-Tang|goldstein:Goldstein-Price|" \
    "camel:Six-hump camel|saddle:A saddle between two valleys"

#define MLM_TESTFN_MAX_MINIMA 4

typedef struct {
    const char *key;            /* as in MLM_TESTFN_CHOICES: "rosenbrock" */
    const char *name;           /* "Rosenbrock" */
    const char *hard;           /* one line: what makes it hard to minimise */
    double x0, x1, y0, y1;      /* the region that shows its character */
    double start[2];            /* a start point that makes a good demonstration */
    int n_minima;               /* known global minima, all of value fmin */
    double minima[MLM_TESTFN_MAX_MINIMA][2];
    double fmin;
    int log_levels;             /* 1: its values span decades; contour it in log(f - fmin) */
} mlm_testfn;

extern const mlm_testfn mlm_testfns[MLM_TESTFN_COUNT];

/* f(x, y) of function k; when g is not NULL, g = (df/dx, df/dy); when h is not NULL,
   h = (d2f/dx2, d2f/dxdy, d2f/dy2). Ackley's gradient is not defined at its minimum (a cone
   point): there g and h are those of the smooth part alone. */
double mlm_testfn_eval(int k, double x, double y, double *g, double *h);

/* Fill a w x h grid (row-major, row 0 at y0) with the values a contour plot of function k
   should show over [x0, x1] x [y0, y1]: f itself, or log10(f - fmin + eps) when the function is
   marked log_levels, so that evenly spaced levels resolve both the floor and the walls. */
void mlm_testfn_field(int k, float *out, int w, int h, double x0, double x1, double y0, double y1);

#endif
