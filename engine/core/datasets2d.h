/* datasets2d.h: the book's 2-D classification datasets, generated from a run's own generator
 * (mlm_rng), so a seed reproduces the points natively and in wasm. Every chapter that classifies
 * points in the plane draws them from here (the playground, the perceptron, logistic and softmax
 * regression, naive Bayes, k-NN); no chapter keeps a private generator.
 *
 * All datasets live in the square [-MLM_D2_BOX, MLM_D2_BOX]^2 (points are clamped into it).
 * Labels are integers 0..K-1: K = 2 for every dataset but BLOBS, which has 3 to 5 classes.
 *
 * Shapes: N points; x (N, 2) row-major (x1, x2); y (N,) labels.
 */
#ifndef MLM_DATASETS2D_H
#define MLM_DATASETS2D_H

#include <stdint.h>

#include "mlm.h"

#define MLM_D2_BOX 6.0

typedef enum {
    MLM_D2_CIRCLES = 0, /* class 1 inside radius 2, class 0 on a ring 3.5..5 */
    MLM_D2_XOR,         /* class 1 where x1 and x2 share a sign */
    MLM_D2_GAUSS,       /* two round blobs at (2, 2) (class 1) and (-2, -2) */
    MLM_D2_SPIRAL,      /* two arms winding 1.75 turns */
    MLM_D2_LINEAR,      /* a random line; no point closer to it than `margin` */
    MLM_D2_OVERLAP,     /* two wide Gaussian clouds whose tails overlap: not separable */
    MLM_D2_BLOBS,       /* K round blobs (3 to 5) on a circle of radius 3.5 */
    MLM_D2_MOONS,       /* two interleaved half circles */
    MLM_D2_CROSS,       /* two long thin Gaussian clouds crossing at the origin, class 1 along
                           the diagonal x1 = x2 and class 0 along x1 = -x2: each coordinate alone
                           has the same distribution in both classes (naive Bayes' blind spot) */
    MLM_D2_COUNT
} mlm_d2_kind;

typedef struct {
    int kind;      /* mlm_d2_kind */
    int n;         /* points */
    double noise;  /* 0..1: how far points scatter from their pattern (0: none) */
    double margin; /* LINEAR: the least distance of any point from the line, 0..3 */
    int classes;   /* BLOBS: 3..5 (clamped); the others have 2 */
} mlm_d2_spec;

/* The line of a LINEAR dataset: class 1 where nx x1 + ny x2 + b > 0, (nx, ny) a unit normal. */
typedef struct {
    double nx, ny, b;
} mlm_d2_line;

/* Classes the spec produces (2, or 3..5 for BLOBS). */
int mlm_d2_classes(const mlm_d2_spec *spec);

/* Draw spec->n points in order (point i's class is fixed by i for most datasets, so classes are
   balanced) into x (N, 2) and y (N,), from rng. For LINEAR, *line (if not NULL) receives the
   line the points were drawn around; for the others it is zeroed. Calls on the same rng state
   give the same points. */
void mlm_d2_generate(const mlm_d2_spec *spec, mlm_rng *rng, double *x /* (N, 2) */,
                     int *y /* (N,) */, mlm_d2_line *line);

/* ---- the reader's own points ----
 * A small set of points a reader places by clicking (a click on a point removes it, a click
 * elsewhere adds one of the chosen class), kept in the instance block, so checkpoints hold it,
 * and carried in links as text. Coordinates are quantised to a 1024 x 1024 grid over the box
 * given at init, so the text restores exactly the points shown: each point is three bytes
 * (10 bits x, 10 bits y, 4 bits class) in URL-safe base64, four characters a point. */
#define MLM_POINTS_MAX 128
#define MLM_POINTS_Q 1024

typedef struct {
    int32_t n;                     /* points held */
    int32_t classes;               /* a point's class is 0..classes-1 (at most 16) */
    double x0, x1, y0, y1;         /* the box the grid covers */
    uint16_t q[MLM_POINTS_MAX][2]; /* (n, 2) grid coordinates 0..MLM_POINTS_Q-1 */
    uint8_t cls[MLM_POINTS_MAX];   /* (n,) */
} mlm_points;

void mlm_points_init(mlm_points *p, double x0, double x1, double y0, double y1, int classes);
/* Point i's coordinates in data units (the centre of its grid cell). */
void mlm_points_xy(const mlm_points *p, int i, double *x, double *y);
/* A press at (x, y): removes the nearest point within `radius` (data units), else adds one of
   class cls at (x, y) (refused when full, outside the box, or cls out of range). Returns 1 when
   the set changed, 0 otherwise. */
int mlm_points_click(mlm_points *p, double x, double y, int cls, double radius);
/* Link text of the set (0: empty, nothing written but a NUL), or 0 if it does not fit in n. */
int mlm_points_get(const mlm_points *p, char *buf, size_t n);
/* Read a link's text: 0, or -1 (and p unchanged) when it is malformed: a length that is not a
   whole number of points, a class out of range, too many points, a coordinate off the grid. */
int mlm_points_set(mlm_points *p, const char *text);

#endif
