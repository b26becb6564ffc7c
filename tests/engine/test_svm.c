/* test_svm.c: the shared support vector machine (engine/core/svm.c) on its own; the checks live in
 * svm_checks.h so that chapter 30's module test (test_support_vectors.c) runs them too. */
#include "../../engine/core/svm.c"

#include "svm_checks.h"

int main(void) {
    sc_check_all();
    return CHECK_DONE("test_svm");
}
