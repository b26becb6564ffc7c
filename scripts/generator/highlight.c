/* highlight.c: a small C tokenizer that colours the engine code woven into chapters (and any
 * ```c block). It only needs to be right on the kind of C this book contains, so it works on
 * tokens, not grammar: keywords, types (built-in, *_t, the engine's mlm_* and *_desc / *_state
 * structs, and whatever follows struct/union/enum), comments, strings, numbers, preprocessor lines
 * and the names of called or defined functions. Everything is HTML-escaped. */
#include <ctype.h>
#include <string.h>

#include "mlmbook.h"

static const char *const keywords[] = {
    "auto", "break", "case", "const", "continue", "default", "do", "else", "enum", "extern",
    "for", "goto", "if", "inline", "register", "restrict", "return", "sizeof", "static",
    "struct", "switch", "typedef", "union", "volatile", "while", "_Alignas", "_Alignof",
    "_Atomic", "_Generic", "_Noreturn", "_Static_assert", "_Thread_local", "alignof",
    "static_assert", NULL};

static const char *const types[] = {
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool",
    "bool", "FILE", "va_list", "mlm_instance", "mlm_module", "mlm_param", "mlm_panel",
    "mlm_panel_state", "mlm_view", "mlm_view_state", "mlm_rng", "mlm_series", "mlm_kind",
    "mlm_status", "mlm_view_kind", NULL};

static const char *const constants[] = {"NULL", "true", "false", NULL};

static int in_list(const char *const *list, const char *s, size_t n) {
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0) return 1;
    return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

static int is_ident(int c) { return isalnum(c) || c == '_'; }

static void span(mlmbook_buf *out, const char *cls, const char *s, size_t n) {
    mlmbook_buf_printf(out, "<span class=\"%s\">", cls);
    mlmbook_buf_escape(out, s, n);
    mlmbook_buf_puts(out, "</span>");
}

void mlmbook_highlight_c(mlmbook_buf *out, const char *s, size_t n) {
    int line_start = 1; /* only blanks so far on this line: a '#' starts a directive */
    int after_tag = 0;  /* the previous word was struct/union/enum: this one names a type */
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t j = i + 1;
        if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
            mlmbook_buf_putc(out, (char)c);
            if (c == '\n') line_start = 1;
            i++;
            continue;
        }
        if (c == '/' && j < n && s[j] == '/') {
            while (j < n && s[j] != '\n') j++;
            span(out, "cm", s + i, j - i);
        } else if (c == '/' && j < n && s[j] == '*') {
            const char *end = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == '*' && s[k + 1] == '/') {
                    end = s + k + 2;
                    break;
                }
            j = end ? (size_t)(end - s) : n;
            span(out, "cm", s + i, j - i);
        } else if (c == '#' && line_start) {
            /* To the end of the line, through backslash continuations, but not into a comment. */
            while (j < n && s[j] != '\n') {
                if (s[j] == '/' && j + 1 < n && (s[j + 1] == '/' || s[j + 1] == '*')) break;
                if (s[j] == '\\' && j + 1 < n && s[j + 1] == '\n') j++;
                j++;
            }
            span(out, "pp", s + i, j - i);
        } else if (c == '"' || c == '\'') {
            while (j < n && s[j] != (char)c && s[j] != '\n') j += s[j] == '\\' && j + 1 < n ? 2 : 1;
            if (j < n && s[j] == (char)c) j++;
            span(out, "st", s + i, j - i);
        } else if (isdigit(c) || (c == '.' && j < n && isdigit((unsigned char)s[j]))) {
            int hex = c == '0' && j < n && (s[j] == 'x' || s[j] == 'X');
            while (j < n) {
                char d = s[j];
                char prev = s[j - 1];
                int exp = hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E');
                if (is_ident((unsigned char)d) || d == '.' || ((d == '+' || d == '-') && exp)) j++;
                else break;
            }
            span(out, "nu", s + i, j - i);
        } else if (isalpha(c) || c == '_') {
            while (j < n && is_ident((unsigned char)s[j])) j++;
            const char *w = s + i;
            size_t len = j - i;
            size_t k = j;
            while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
            const char *cls = NULL;
            if (in_list(keywords, w, len)) cls = "kw";
            else if (after_tag || in_list(types, w, len) || ends_with(w, len, "_t") ||
                     ends_with(w, len, "_desc") || ends_with(w, len, "_state"))
                cls = "ty";
            else if (in_list(constants, w, len)) cls = "nu";
            else if (k < n && s[k] == '(') cls = "fn";
            if (cls) span(out, cls, w, len);
            else mlmbook_buf_put(out, w, len);
            after_tag = (len == 6 && (!memcmp(w, "struct", 6))) || (len == 5 && !memcmp(w, "union", 5)) ||
                        (len == 4 && !memcmp(w, "enum", 4));
            line_start = 0;
            i = j;
            continue;
        } else {
            mlmbook_buf_escape(out, s + i, 1);
        }
        line_start = 0;
        after_tag = 0;
        i = j;
    }
}
