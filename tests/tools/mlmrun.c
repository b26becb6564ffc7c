/* mlmrun.c: runs any engine module natively from the command line, for the wasm/native parity
 * test and the benchmarks. It knows no module by name: everything comes from the registry.
 *
 *   mlmrun MODULE [--seed S] [--steps N] [name=value ...]  state after N steps, as JSON
 *   mlmrun MODULE --bench SECONDS [name=value ...]         native steps per second
 *   mlmrun MODULE --manifest                               the module's declaration, as JSON
 *   mlmrun --list                                          the modules, one per line
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest.h"
#include "mlm.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: mlmrun MODULE [--seed S] [--steps N | --bench SECONDS] [name=value ...]\n");
        return 2;
    }
    if (strcmp(argv[1], "--list") == 0) {
        for (int i = 0; mlm_modules[i]; i++) puts(mlm_modules[i]->name);
        return 0;
    }
    const mlm_module *m = mlm_module_find(argv[1]);
    if (!m) {
        fprintf(stderr, "mlmrun: no module '%s'\n", argv[1]);
        return 2;
    }
    if (argc == 3 && strcmp(argv[2], "--manifest") == 0) {
        mlm_manifest_write(stdout, m, NULL, NULL, 0);
        putchar('\n');
        return 0;
    }
    mlm_instance *in = mlm_create(m);
    if (!in) return 1;
    unsigned long long seed = 1;
    long steps = 100;
    double bench = 0;
    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) seed = strtoull(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--steps") == 0 && a + 1 < argc) steps = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--bench") == 0 && a + 1 < argc) bench = strtod(argv[++a], NULL);
        else if (mlm_set_arg(in, argv[a]) != 0) {
            fprintf(stderr, "mlmrun: bad argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (mlm_reset(in, seed) != 0) {
        fprintf(stderr, "mlmrun: %s\n", in->reason);
        return 1;
    }
    if (bench > 0) {
        /* Warm up, then count steps in whole batches until the time is up. Restart the run when it
           finishes so a converging module is still measured doing its work. */
        long total = 0;
        mlm_step(in, 1000);
        double t0 = now(), t;
        do {
            int k = mlm_step(in, 256);
            total += k;
            if (in->final || k < 256) mlm_reset(in, seed);
        } while ((t = now()) - t0 < bench);
        printf("{\"module\":\"%s\",\"steps_per_second\":%.1f}\n", m->name, (double)total / (t - t0));
        mlm_destroy(in);
        return 0;
    }
    long taken = 0;
    while (taken < steps) {
        int k = mlm_step(in, (int)(steps - taken));
        taken += k;
        if (k == 0) break;
    }
    mlm_draw(in);
    printf("{\"module\":\"%s\",\"seed\":%llu,\"steps\":%lld,\"status\":%d,\"final\":%d,\"views\":{",
           m->name, seed, (long long)in->steps, in->status, in->final);
    for (int v = 0; v < m->n_views; v++) {
        const mlm_view_state *s = &in->views[v];
        printf("%s\"%s\":", v ? "," : "", m->views[v].name);
        if (m->views[v].kind == MLM_VIEW_SCALAR) {
            printf("[%.9g]", (double)s->value);
            continue;
        }
        if (m->views[v].kind == MLM_VIEW_TEXT) {
            printf("[]");
            continue;
        }
        long n = mlm_view_floats(in, v);
        putchar('[');
        for (long i = 0; s->data && i < n; i++) printf("%s%.9g", i ? "," : "", (double)s->data[i]);
        putchar(']');
    }
    printf("}}\n");
    mlm_destroy(in);
    return 0;
}
