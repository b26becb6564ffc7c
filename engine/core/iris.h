/* iris.h: Fisher's iris flowers as the book ships them (see iris.c for their origin and
 * licence): 150 flowers, four measurements each, three species of 50, in file order (setosa,
 * then versicolor, then virginica). The linear-classifier chapters use two features in their 2-D
 * scenes and all four where they report accuracy. */
#ifndef MLM_IRIS_H
#define MLM_IRIS_H

#include <stdint.h>

#define MLM_IRIS_N 150
#define MLM_IRIS_FEATURES 4
#define MLM_IRIS_CLASSES 3

enum { MLM_IRIS_SEPAL_LENGTH, MLM_IRIS_SEPAL_WIDTH, MLM_IRIS_PETAL_LENGTH, MLM_IRIS_PETAL_WIDTH };

extern const char *const mlm_iris_features[MLM_IRIS_FEATURES];
extern const char *const mlm_iris_species[MLM_IRIS_CLASSES];
/* (N, 4) the measurements in millimetres: exact, as the source gives one decimal of a cm */
extern const uint8_t mlm_iris_mm[MLM_IRIS_N][MLM_IRIS_FEATURES];
/* (N,) the species 0..2 */
extern const uint8_t mlm_iris_class[MLM_IRIS_N];

/* Flower i's feature f in centimetres (the nearest double to the source's decimal). */
double mlm_iris_value(int i, int f);

#endif
