/* fuzz_entry.c: the generator's per-chapter work as a function a fuzzer can call on arbitrary
 * bytes, many times in one process. It does what `mlmbook --fragment` does to one chapter except
 * starting KaTeX (a Node process per input would make fuzzing useless; math is left empty): front
 * matter, ```run blocks and their quotes (runs capped at a few hundred steps in all), math
 * protection, directives, cross-references against this chapter and one planned chapter, heading
 * ids, and the page around the body. Errors are collected and dropped, nothing is printed, and
 * everything allocated is freed, so a leak checker can run across inputs. */
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

int mlmbook_fuzz_one(const uint8_t *data, size_t n) {
    mlmbook_run_step_limit = 300;
    char *src = mlmbook_alloc(n + 1);
    memcpy(src, data, n); /* bytes after a NUL are ignored, as when a file is read */
    mlmbook_chapter ch = {0};
    ch.slug = mlmbook_strdup("fuzz");
    ch.number = 1;
    mlmbook_chapter_load_text(&ch, "fuzz.md", src, "engine");
    mlmbook_xrefs x = {.chapters = &ch, .n = 1};
    x.planned = mlmbook_alloc(sizeof *x.planned);
    x.planned[0] = (mlmbook_planned){8, mlmbook_strdup("logistic-regression"),
                                     mlmbook_strdup("Logistic regression")};
    x.nplanned = 1;
    if (!mlmbook_error_count()) {
        mlmbook_chapter_finish(&ch, &x);
        mlmbook_xref_finish(&x);
    }
    if (!mlmbook_error_count() && ch.body) {
        mlmbook_book book = {&ch, 1};
        free(mlmbook_page_chapter(&book, 0));
        free(mlmbook_page_index(&book));
    }
    mlmbook_errors_clear();
    mlmbook_chapter_free(&ch);
    mlmbook_xrefs_free(&x);
    return 0;
}
