/* test_wine.c: the embedded wine data against the summary its source publishes
 * (shared/data/wine_data.rst): 178 wines, classes of 59, 71 and 48, and every feature's minimum,
 * maximum and standard deviation to half a unit of the digits printed there, the mean to one
 * unit (the table truncates some); and the first
 * and last rows of the CSV, exactly. */
#include "../../engine/core/wine.c"

#include "check.h"

int main(void) {
    /* min, max, mean, sd, and the half-unit of their printed last digit (the table's precision) */
    static const double t[13][5] = {
        {11.0, 14.8, 13.0, 0.8, 0.05},   {0.74, 5.80, 2.34, 1.12, 0.005}, {1.36, 3.23, 2.36, 0.27, 0.005},
        {10.6, 30.0, 19.5, 3.3, 0.05},   {70.0, 162.0, 99.7, 14.3, 0.05}, {0.98, 3.88, 2.29, 0.63, 0.005},
        {0.34, 5.08, 2.03, 1.00, 0.005}, {0.13, 0.66, 0.36, 0.12, 0.005}, {0.41, 3.58, 1.59, 0.57, 0.005},
        {1.3, 13.0, 5.1, 2.3, 0.05},     {0.48, 1.71, 0.96, 0.23, 0.005}, {1.27, 4.00, 2.61, 0.71, 0.005},
        {278, 1680, 746, 315, 0.5}};
    int count[3] = {0, 0, 0};
    for (int i = 0; i < MLM_WINE_N; i++) {
        CHECK(mlm_wine_class[i] < 3, "class %d", mlm_wine_class[i]);
        if (mlm_wine_class[i] < 3) count[mlm_wine_class[i]]++;
        if (i > 0) CHECK(mlm_wine_class[i] >= mlm_wine_class[i - 1], "not in class order at %d", i);
    }
    CHECK(count[0] == 59 && count[1] == 71 && count[2] == 48, "classes %d %d %d", count[0], count[1], count[2]);
    for (int f = 0; f < 13; f++) {
        double lo = INFINITY, hi = -INFINITY, sum = 0, ss = 0;
        for (int i = 0; i < MLM_WINE_N; i++) {
            double v = mlm_wine_x[i][f];
            lo = fmin(lo, v), hi = fmax(hi, v), sum += v;
        }
        double mean = sum / MLM_WINE_N;
        for (int i = 0; i < MLM_WINE_N; i++) ss += (mlm_wine_x[i][f] - mean) * (mlm_wine_x[i][f] - mean);
        double sd = sqrt(ss / MLM_WINE_N), sd1 = sqrt(ss / (MLM_WINE_N - 1));
        double h = t[f][4] * 1.0000001;
        CHECK(fabs(lo - t[f][0]) <= h && fabs(hi - t[f][1]) <= h, "%s: min %g max %g", mlm_wine_features[f], lo, hi);
        /* the table truncates some means (ash 2.3665 is printed 2.36, proline 746.89 as 746): a
           mean lies within one unit of its printed last digit */
        CHECK(fabs(mean - t[f][2]) <= 2 * h, "%s: mean %g, table %g", mlm_wine_features[f], mean, t[f][2]);
        CHECK(fabs(sd - t[f][3]) <= h || fabs(sd1 - t[f][3]) <= h, "%s: sd %g / %g, table %g", mlm_wine_features[f], sd, sd1, t[f][3]);
    }
    /* the CSV's first and last rows */
    CHECK(mlm_wine_x[0][0] == 14.23 && mlm_wine_x[0][12] == 1065 && mlm_wine_class[0] == 0, "first row");
    CHECK(mlm_wine_x[177][0] == 14.13 && mlm_wine_x[177][12] == 560 && mlm_wine_class[177] == 2, "last row");
    return CHECK_DONE("test_wine");
}
