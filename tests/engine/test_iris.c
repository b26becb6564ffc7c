/* test_iris.c: the embedded iris table is the shipped one: 150 flowers, 50 of each species in
 * file order, the first and last rows of shared/data/iris.csv, and the column means of the
 * source's own summary (5.84, 3.05, 3.76, 1.20 cm; iris.rst) to 0.01: the summary's sepal width is the UCI copy's
 * (3.054), this copy's is 3.057. */
#include "../../engine/core/iris.c"

#include "check.h"

int main(void) {
    int counts[3] = {0};
    double sum[4] = {0};
    for (int i = 0; i < MLM_IRIS_N; i++) {
        int c = mlm_iris_class[i];
        CHECK(c >= 0 && c < 3 && c == i / 50, "flower %d: class %d", i, c);
        if (c >= 0 && c < 3) counts[c]++;
        for (int f = 0; f < 4; f++) sum[f] += mlm_iris_value(i, f);
    }
    for (int c = 0; c < 3; c++) CHECK(counts[c] == 50, "species %d: %d flowers", c, counts[c]);
    /* first row 5.1,3.5,1.4,0.2,0 and last row 5.9,3.0,5.1,1.8,2 */
    CHECK(mlm_iris_value(0, 0) == 5.1 && mlm_iris_value(0, 1) == 3.5 && mlm_iris_value(0, 2) == 1.4 &&
              mlm_iris_value(0, 3) == 0.2, "first flower");
    CHECK(mlm_iris_value(149, 0) == 5.9 && mlm_iris_value(149, 1) == 3.0 && mlm_iris_value(149, 2) == 5.1 &&
              mlm_iris_value(149, 3) == 1.8, "last flower");
    const double mean[4] = {5.84, 3.05, 3.76, 1.20};
    for (int f = 0; f < 4; f++) CHECK_NEAR(sum[f] / MLM_IRIS_N, mean[f], 0.01);
    return CHECK_DONE("test_iris");
}
