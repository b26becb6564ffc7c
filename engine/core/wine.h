/* wine.h: the UCI wine data as the book ships it (see wine.c for its origin and licence): 178
 * wines from three cultivars (59, 71 and 48, in file order), 13 chemical measurements each, on
 * very different scales (hue near 1, proline in the hundreds), which is why chapter 12
 * standardises them before looking for directions of largest variance. */
#ifndef MLM_WINE_H
#define MLM_WINE_H

#include <stdint.h>

#define MLM_WINE_N 178
#define MLM_WINE_FEATURES 13
#define MLM_WINE_CLASSES 3

extern const char *const mlm_wine_features[MLM_WINE_FEATURES];
/* (N, 13) the measurements, each the nearest double to the source's decimal */
extern const double mlm_wine_x[MLM_WINE_N][MLM_WINE_FEATURES];
/* (N,) the cultivar 0..2 */
extern const uint8_t mlm_wine_class[MLM_WINE_N];

#endif
