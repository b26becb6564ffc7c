/* soak.c: one widget's long run, natively, for `make bench`. Runs MODULE with the given settings
 * (a widget's chapter defaults, name=value as mlmrun takes them) for N steps in all, restarting
 * with the next seed whenever a run ends, and draws every K steps and at the end of every run.
 * After each draw it checks every view as the browser will read it: no non-finite value in any
 * buffer or scalar, every buffer inside the instance's blocks. It prints one JSON line with what
 * it saw and the process's resident memory: before the instance was created (the program alone)
 * and at its peak (VmHWM), so the bench can tell memory that grows while a module runs from
 * the blocks the module declares (state_bytes, const_bytes).
 *
 *   soak MODULE [--steps N] [--every K] [--seed S] [name=value ...]
 *
 * One process per widget: the peak is that widget's own.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mlm.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Resident memory now, in KB (Linux /proc/self/statm), or -1. */
static long rss_now_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages_total, pages_resident;
    if (!f) return -1;
    int ok = fscanf(f, "%ld %ld", &pages_total, &pages_resident) == 2;
    fclose(f);
    return ok ? pages_resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

/* Peak resident memory of this process image, in KB: VmHWM from /proc/self/status, which starts
   afresh at exec. (getrusage's ru_maxrss does not: after fork and exec it keeps the parent's
   peak, so a child of Node reports Node's 30 MB.) Falls back to getrusage. */
static long rss_peak_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    if (kb >= 0) return kb;
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : -1; /* KB on Linux */
}

static int inside(const void *p, size_t bytes, const void *base, size_t used) {
    const unsigned char *a = p, *b = base;
    return b && a >= b && a <= b + used && bytes <= (size_t)(b + used - a);
}

typedef struct {
    long draws, bad_draws, nonfinite, outside;
    long long first_bad_step;
    char first_bad[160];
} soak_seen;

static void draw_and_check(mlm_instance *in, soak_seen *seen, long long total) {
    const mlm_module *m = in->module;
    mlm_draw(in);
    seen->draws++;
    long nonfinite = 0, outside = 0;
    const char *which = NULL;
    for (int v = 0; v < m->n_views; v++) {
        const mlm_view_state *s = &in->views[v];
        if (m->views[v].kind == MLM_VIEW_SCALAR) {
            if (!isfinite(s->value)) nonfinite++, which = which ? which : m->views[v].name;
            continue;
        }
        long n = mlm_view_floats(in, v);
        if (!s->data || n <= 0) continue;
        size_t bytes = (size_t)n * sizeof(float);
        if (!inside(s->data, bytes, in, in->used) && !inside(s->data, bytes, in->consts, in->const_used)) {
            outside++;
            which = which ? which : m->views[v].name;
            continue;
        }
        for (long i = 0; i < n; i++)
            if (!isfinite(s->data[i])) nonfinite++, which = which ? which : m->views[v].name;
    }
    seen->nonfinite += nonfinite;
    seen->outside += outside;
    if ((nonfinite || outside) && !seen->bad_draws++) {
        seen->first_bad_step = total;
        snprintf(seen->first_bad, sizeof seen->first_bad, "%s: %s in view %s (seed %llu, step %lld)",
                 m->name, outside ? "a buffer outside the blocks" : "a non-finite value", which,
                 (unsigned long long)in->seed, (long long)in->steps);
    }
}

/* Writes s as a JSON string. */
static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: soak MODULE [--steps N] [--every K] [--seed S] [name=value ...]\n");
        return 2;
    }
    const mlm_module *m = mlm_module_find(argv[1]);
    if (!m) {
        fprintf(stderr, "soak: no module '%s'\n", argv[1]);
        return 2;
    }
    long rss0 = rss_now_kb();
    mlm_instance *in = mlm_create(m);
    if (!in) return 1;
    long long steps = 100000, every = 1000;
    unsigned long long seed = 1;
    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "--steps") == 0 && a + 1 < argc) steps = strtoll(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--every") == 0 && a + 1 < argc) every = strtoll(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) seed = strtoull(argv[++a], NULL, 10);
        else if (mlm_set_arg(in, argv[a]) != 0) {
            fprintf(stderr, "soak: bad argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (every < 1) every = 1;
    soak_seen seen = {0};
    long runs = 1, ended = 0;
    const char *error = NULL;
    double t0 = now();
    if (mlm_reset(in, seed) != 0) error = in->reason;
    long long total = 0;
    while (!error && total < steps) {
        long long want = every - total % every;
        if (want > steps - total) want = steps - total;
        int k = mlm_step(in, (int)want);
        total += k;
        if (in->final) {
            /* The run is over: the widget shows its last frame; start the next seed. */
            draw_and_check(in, &seen, total);
            ended++;
            runs++;
            if (mlm_reset(in, ++seed) != 0) error = in->reason;
            continue;
        }
        if (total % every == 0 || total == steps) draw_and_check(in, &seen, total);
        if (k == 0) error = "mlm_step took no step on a running instance";
    }
    double secs = now() - t0;
    printf("{\"module\":\"%s\",\"steps\":%lld,\"runs\":%ld,\"runs_ended\":%ld,\"draws\":%ld,"
           "\"bad_draws\":%ld,\"nonfinite\":%ld,\"outside\":%ld,\"first_bad\":",
           m->name, total, runs, ended, seen.draws, seen.bad_draws, seen.nonfinite, seen.outside);
    json_string(seen.first_bad);
    printf(",\"error\":");
    json_string(error ? error : "");
    printf(",\"rss_before_kb\":%ld,\"rss_peak_kb\":%ld,\"state_bytes\":%zu,\"const_bytes\":%zu,"
           "\"seconds\":%.2f}\n",
           rss0, rss_peak_kb(), m->state_bytes, m->const_bytes, secs);
    mlm_destroy(in);
    return error ? 1 : 0;
}
