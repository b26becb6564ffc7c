/* manifest.h: a module's declaration as JSON, and a consistency check of the declaration.
 * Native only (the generator and the tests use it). */
#ifndef MLM_MANIFEST_H
#define MLM_MANIFEST_H

#include <stdio.h>

#include "mlm.h"

/* Write m as one JSON object. defaults (n_params values, or NULL for the declared ones) and
   shown (per parameter: 0 hidden, else its place among the controls, as a widget block's
   `controls` line lists them; NULL: all shown in declaration order) carry a widget block's
   choices; speed > 0 replaces the module's player speed (a widget block's `speed` line). */
void mlm_manifest_write(FILE *f, const mlm_module *m, const double *defaults,
                        const unsigned char *shown, double speed);
/* Likewise, with texts[i] (NULL, or NULL entries: the declared default) the default of each
   TEXT parameter, which `defaults` cannot hold. */
void mlm_manifest_write_texts(FILE *f, const mlm_module *m, const double *defaults,
                              const char *const *texts, const unsigned char *shown, double speed);
/* NULL if the declaration is consistent, else a message naming the problem. */
const char *mlm_manifest_check(const mlm_module *m);

#endif
