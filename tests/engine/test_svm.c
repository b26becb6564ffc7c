/* test_svm.c: the shared support vector machine (engine/core/svm.c); the checks live in
 * svm_checks.h so that the chapter's module test runs them too. */
#include "../../engine/core/svm.c"

#include "svm_checks.h"

int main(void) {
    sc_check_all();
    return CHECK_DONE("test_svm");
}
