/* diag.c: collects the build's errors so they can be reported together, grouped by file and in
 * line order, whichever stage found them (structure first, TeX later, for the whole book). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

typedef struct {
    char *file;
    int line;
    int file_rank; /* order in which the file first had an error */
    int seq;       /* keeps messages on the same line in the order they were found */
    char *msg;
} diag;

static diag *diags;
static int n_diags, cap_diags;

void mlmbook_error(const char *file, int line, const char *fmt, ...) {
    if (n_diags == cap_diags) {
        cap_diags = cap_diags ? 2 * cap_diags : 16;
        diags = mlmbook_realloc(diags, (size_t)cap_diags * sizeof *diags);
    }
    int rank = n_diags;
    for (int i = 0; i < n_diags; i++)
        if (strcmp(diags[i].file, file) == 0) {
            rank = diags[i].file_rank;
            break;
        }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = mlmbook_alloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    diags[n_diags] = (diag){mlmbook_strdup(file), line, rank, n_diags, msg};
    n_diags++;
}

int mlmbook_error_count(void) { return n_diags; }

static int diag_cmp(const void *a, const void *b) {
    const diag *x = a, *y = b;
    if (x->file_rank != y->file_rank) return x->file_rank < y->file_rank ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void mlmbook_errors_flush(void) {
    qsort(diags, (size_t)n_diags, sizeof *diags, diag_cmp);
    for (int i = 0; i < n_diags; i++) {
        if (diags[i].line > 0) fprintf(stderr, "%s:%d: %s\n", diags[i].file, diags[i].line, diags[i].msg);
        else fprintf(stderr, "%s: %s\n", diags[i].file, diags[i].msg);
        free(diags[i].msg);
        free(diags[i].file);
    }
    free(diags);
    diags = NULL;
    n_diags = cap_diags = 0;
}

void mlmbook_errors_clear(void) {
    for (int i = 0; i < n_diags; i++) {
        free(diags[i].msg);
        free(diags[i].file);
    }
    free(diags);
    diags = NULL;
    n_diags = cap_diags = 0;
}
