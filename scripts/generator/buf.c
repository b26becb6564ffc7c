/* buf.c: growable byte buffers, HTML escaping and the few allocation and file helpers the
 * generator shares. The generator is a short-lived batch program, so running out of memory ends
 * it with a message instead of threading error codes through every string operation. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

static void out_of_memory(void) {
    fputs("mlmbook: out of memory\n", stderr);
    exit(1);
}

void *mlmbook_alloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

void *mlmbook_realloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

char *mlmbook_strndup(const char *s, size_t n) {
    char *d = mlmbook_alloc(n + 1);
    memcpy(d, s, n);
    return d;
}

char *mlmbook_strdup(const char *s) { return mlmbook_strndup(s, strlen(s)); }

static void buf_grow(mlmbook_buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    b->data = mlmbook_realloc(b->data, cap);
    b->cap = cap;
}

void mlmbook_buf_put(mlmbook_buf *b, const char *s, size_t n) {
    buf_grow(b, n);
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mlmbook_buf_puts(mlmbook_buf *b, const char *s) { mlmbook_buf_put(b, s, strlen(s)); }

void mlmbook_buf_putc(mlmbook_buf *b, char c) { mlmbook_buf_put(b, &c, 1); }

void mlmbook_buf_printf(mlmbook_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mlmbook_buf_escape(mlmbook_buf *b, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: continue;
        }
        mlmbook_buf_put(b, s + start, i - start);
        mlmbook_buf_puts(b, rep);
        start = i + 1;
    }
    mlmbook_buf_put(b, s + start, n - start);
}

void mlmbook_buf_escapes(mlmbook_buf *b, const char *s) {
    if (s) mlmbook_buf_escape(b, s, strlen(s));
}

char *mlmbook_buf_detach(mlmbook_buf *b) {
    char *d = b->data ? b->data : mlmbook_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void mlmbook_buf_free(mlmbook_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mlmbook_buf_number(mlmbook_buf *b, double v) {
    char s[40];
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v) snprintf(s, sizeof s, "%.17g", v);
    mlmbook_buf_puts(b, s);
}

char *mlmbook_file_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    mlmbook_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mlmbook_buf_put(&b, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        mlmbook_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (len) *len = b.len;
    return mlmbook_buf_detach(&b);
}
