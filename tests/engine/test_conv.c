/* test_conv.c: the shared convolution and pooling layers (engine/core/conv.c); the checks live in
 * conv_checks.h so that the chapters' tests run them too. */
#include "../../engine/core/conv.c"

#include "conv_checks.h"

int main(void) {
    cc_check_all();
    return CHECK_DONE("test_conv");
}
