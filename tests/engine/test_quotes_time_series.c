/* test_quotes_time_series.c: the numbers chapters/24-time-series.md quotes that are properties
 * of the data rather than of a run. */
#include "../../engine/time_series.c"

#include "check.h"

int main(void) {
    /* "a slow drift upwards of about 1.3 ppm a year on average (the mean of y_t - y_{t-12} over
       the whole series)"; "the seasonal differences hover around 1.3 ppm" */
    double m = 0;
    int n = 0;
    for (int t = 12; t < mlm_series_co2.n; t++, n++) m += mlm_series_co2.v[t] - mlm_series_co2.v[t - 12];
    CHECK_NEAR(m / n, 1.3, 0.05);
    return CHECK_DONE("test_quotes_time_series");
}
