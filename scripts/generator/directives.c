/* directives.c: the fenced blocks that make a chapter more than Markdown.
 *   ```widget <module>   key = value lines: a live widget, checked against the module's declaration
 *   ```code <stem> <region>   the region //> region ... //< region of engine/<stem>.c, highlighted
 *   ```params <module>   the module's parameter table (optional line: only = a, b)
 *   ```run <name>        a run of a module when the book is built (runs.c); prints nothing
 *   ```c                 ordinary C, highlighted like woven code
 * Every check names the line of the original Markdown that is wrong, so a chapter author can fix a
 * typo in a widget block without reading generator code. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "mlm.h"
#include "mlmbook.h"

/* ---- small string helpers ---- */

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Split the info string into words; returns how many (at most max). */
int mlmbook_split_words(const char *info, char words[][128], int max) {
    int n = 0;
    const char *p = info ? info : "";
    while (*p) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (n < max) snprintf(words[n], 128, "%.*s", (int)(p - start), start);
        n++;
    }
    return n;
}

int mlmbook_is_name(const char *s, const char *extra) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !strchr(extra, *s)) return 0;
    return 1;
}

/* "a, b, c" of the module's parameter names, for messages that say what would have been right. */
void mlmbook_param_names(mlmbook_buf *b, const mlm_module *m) {
    for (int i = 0; i < m->n_params; i++) {
        if (i) mlmbook_buf_puts(b, ", ");
        mlmbook_buf_puts(b, m->params[i].name);
    }
    if (!m->n_params) mlmbook_buf_puts(b, "none");
}

static void choice_keys(mlmbook_buf *b, const mlm_param *p) {
    char key[64];
    for (int k = 0; k < mlm_choice_count(p); k++) {
        mlm_choice_key(p, k, key, sizeof key);
        mlmbook_buf_printf(b, "%s%s", k ? ", " : "", key);
    }
}

/* A number for readers: shortest exact form, with a real minus sign. */
static void put_number(mlmbook_buf *b, double v) {
    if (v < 0) {
        mlmbook_buf_puts(b, "\xE2\x88\x92");
        v = -v;
    }
    mlmbook_buf_number(b, v);
}

/* ---- key = value bodies ---- */

/* Parse the block's body into entries; blank lines and # comments are skipped, malformed lines
   are reported and left out, so the rest can still be checked. Returns the count. */
int mlmbook_parse_entries(mlmbook_chapter *ch, cmark_node *block, mlmbook_entry **out,
                          const char *repeatable) {
    const char *lit = cmark_node_get_literal(block);
    int first = mlmbook_chapter_line(ch, cmark_node_get_start_line(block)) + 1;
    mlmbook_entry *e = NULL;
    int n = 0;
    for (int k = 0; lit && *lit; k++) {
        const char *nl = strchr(lit, '\n');
        size_t len = nl ? (size_t)(nl - lit) : strlen(lit);
        const char *s = lit;
        trim(&s, &len);
        lit = nl ? nl + 1 : lit + strlen(lit);
        if (len == 0 || *s == '#') continue;
        const char *eq = memchr(s, '=', len);
        const char *key = s;
        size_t klen = eq ? (size_t)(eq - s) : 0;
        trim(&key, &klen);
        if (!eq || klen == 0 || klen >= sizeof e->key) {
            mlmbook_error(ch->path, first + k, "expected 'key = value', not '%.*s'", (int)len, s);
            continue;
        }
        const char *val = eq + 1;
        size_t vlen = len - (size_t)(val - s);
        trim(&val, &vlen);
        int dup = 0;
        for (int i = 0; i < n; i++)
            if (strlen(e[i].key) == klen && memcmp(e[i].key, key, klen) == 0) dup = 1;
        if (repeatable && strlen(repeatable) == klen && memcmp(repeatable, key, klen) == 0) dup = 0;
        if (dup) {
            mlmbook_error(ch->path, first + k, "key '%.*s' is given twice", (int)klen, key);
            continue;
        }
        e = mlmbook_realloc(e, (size_t)(n + 1) * sizeof *e);
        snprintf(e[n].key, sizeof e[n].key, "%.*s", (int)klen, key);
        e[n].value = mlmbook_strndup(val, vlen);
        e[n].line = first + k;
        n++;
    }
    *out = e;
    return n;
}

void mlmbook_free_entries(mlmbook_entry *e, int n) {
    for (int i = 0; i < n; i++) free(e[i].value);
    free(e);
}

/* Check a widget's value for parameter p; store it in *v. Returns 0, or -1 after an error. */
int mlmbook_parse_value(mlmbook_chapter *ch, const mlmbook_entry *e, const mlm_param *p, double *v) {
    const char *s = e->value;
    if (p->kind == MLM_TEXT) { /* the text itself is the value: the caller keeps e->value */
        if (mlm_text_check(p, s)) {
            mlmbook_error(ch->path, e->line, "'%s' is a text of at most %g printable ASCII characters",
                          p->name, p->max);
            return -1;
        }
        *v = 0;
        return 0;
    }
    if (p->kind == MLM_CHOICE) {
        int k = mlm_choice_find(p, s);
        if (k < 0) {
            mlmbook_buf b = {0};
            choice_keys(&b, p);
            mlmbook_error(ch->path, e->line, "'%s' has no choice '%s' (choices: %s)", p->name, s, b.data);
            mlmbook_buf_free(&b);
            return -1;
        }
        *v = k;
        return 0;
    }
    if (p->kind == MLM_BOOL) {
        if (!strcmp(s, "1") || !strcmp(s, "true")) *v = 1;
        else if (!strcmp(s, "0") || !strcmp(s, "false")) *v = 0;
        else {
            mlmbook_error(ch->path, e->line, "'%s' is a switch: write true, false, 1 or 0, not '%s'",
                          p->name, s);
            return -1;
        }
        return 0;
    }
    char *end;
    double x = *s ? strtod(s, &end) : 0;
    if (!*s || *end || !isfinite(x)) {
        mlmbook_error(ch->path, e->line, "'%s' must be a number, not '%s'", p->name, s);
        return -1;
    }
    if (p->kind == MLM_INT && x != floor(x)) {
        mlmbook_error(ch->path, e->line, "'%s' must be a whole number, not '%s'", p->name, s);
        return -1;
    }
    if (x < p->min || x > p->max) {
        mlmbook_error(ch->path, e->line, "'%s' = %s is outside its range [%g, %g]", p->name, s,
                      p->min, p->max);
        return -1;
    }
    *v = x;
    return 0;
}

/* Mark the names of a comma list in `shown` with their position in it (1, 2, ...: the order the
   controls appear in); returns 0, or -1 after reporting an unknown one. */
static int parse_names(mlmbook_chapter *ch, const mlmbook_entry *e, const mlm_module *m,
                       unsigned char *shown, const char *what) {
    int bad = 0, pos = 0;
    memset(shown, 0, (size_t)m->n_params);
    const char *p = e->value;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *name = p;
        trim(&name, &len);
        p = comma ? comma + 1 : p + strlen(p);
        if (!len) continue;
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)len, name);
        int i = mlm_param_index(m, buf);
        if (i < 0) {
            mlmbook_buf b = {0};
            mlmbook_param_names(&b, m);
            mlmbook_error(ch->path, e->line, "%s: '%s' is not a parameter of %s (parameters: %s)",
                          what, buf, m->name, b.data);
            mlmbook_buf_free(&b);
            bad = 1;
            continue;
        }
        shown[i] = (unsigned char)(++pos < 255 ? pos : 255);
    }
    return bad ? -1 : 0;
}

const mlm_module *mlmbook_find_module(mlmbook_chapter *ch, int line, const char *name) {
    const mlm_module *m = mlm_module_find(name);
    if (!m) {
        mlmbook_error(ch->path, line, "unknown module '%s' (no engine/%s.c declares mlm_module_%s)",
                      name, name, name);
        return NULL;
    }
    const char *why = mlm_manifest_check(m);
    if (why) mlmbook_error(ch->path, line, "module '%s' is declared inconsistently: %s", name, why);
    return m;
}

/* ---- ```widget <module> ---- */

static char *widget(mlmbook_chapter *ch, cmark_node *block, char words[][128], int nwords) {
    int line = mlmbook_chapter_line(ch, cmark_node_get_start_line(block));
    if (nwords != 2) {
        mlmbook_error(ch->path, line, "a widget block starts with ```widget <module>");
        return mlmbook_strdup("");
    }
    mlmbook_entry *e;
    int n = mlmbook_parse_entries(ch, block, &e, NULL);
    const mlm_module *m = mlmbook_find_module(ch, line, words[1]);
    if (!m) {
        mlmbook_free_entries(e, n);
        return mlmbook_strdup("");
    }
    double *defaults = mlmbook_alloc(sizeof(double) * (size_t)(m->n_params + 1));
    unsigned char *shown = mlmbook_alloc((size_t)m->n_params + 1);
    const char **texts = mlmbook_alloc(sizeof(char *) * (size_t)(m->n_params + 1));
    for (int i = 0; i < m->n_params; i++) {
        defaults[i] = m->params[i].def;
        shown[i] = 1;
    }
    const char *id = NULL, *caption = NULL;
    int id_line = line;
    long height = 0;
    double speed = 0; /* 0: the module's own */
    for (int k = 0; k < n; k++) {
        const char *key = e[k].key, *val = e[k].value;
        if (!strcmp(key, "id")) {
            if (!mlmbook_is_name(val, "-")) {
                mlmbook_error(ch->path, e[k].line,
                              "widget id '%s' must be lowercase letters, digits and hyphens", val);
                continue;
            }
            id = val;
            id_line = e[k].line;
        } else if (!strcmp(key, "controls")) {
            parse_names(ch, &e[k], m, shown, "controls");
        } else if (!strcmp(key, "caption")) {
            caption = val;
        } else if (!strcmp(key, "speed")) {
            char *end;
            speed = strtod(val, &end);
            if (!*val || *end || !(speed >= 0.1 && speed <= 1e6)) {
                mlmbook_error(ch->path, e[k].line, "speed is the player's steps per second, 0.1 to 1000000, not '%s'", val);
                speed = 0;
            }
        } else if (!strcmp(key, "height")) {
            char *end;
            height = strtol(val, &end, 10);
            if (!*val || *end || height < 50 || height > 4000) {
                mlmbook_error(ch->path, e[k].line, "height is in CSS pixels, 50 to 4000, not '%s'", val);
                height = 0;
            }
        } else {
            int i = mlm_param_index(m, key);
            if (i < 0) {
                mlmbook_buf b = {0};
                mlmbook_param_names(&b, m);
                mlmbook_error(ch->path, e[k].line,
                              "unknown key '%s' for widget %s (its parameters: %s; other keys: id, "
                              "controls, caption, height, speed)", key, m->name, b.data);
                mlmbook_buf_free(&b);
                continue;
            }
            if (!mlmbook_parse_value(ch, &e[k], &m->params[i], &defaults[i]) &&
                m->params[i].kind == MLM_TEXT)
                texts[i] = val;
        }
    }

    /* The default id is the module's name as an id (underscores become hyphens), made unique. */
    char want[160];
    if (id) {
        snprintf(want, sizeof want, "w-%s", id);
        if (mlmbook_id_has(&ch->ids, want))
            mlmbook_error(ch->path, id_line, "duplicate widget id '%s' on this page", id);
    } else {
        snprintf(want, sizeof want, "w-%s", m->name);
        for (char *c = want; *c; c++)
            if (*c == '_') *c = '-';
    }
    const char *elem_id = mlmbook_id_take(&ch->ids, want);
    ch->has_widget = 1;

    char *json = NULL;
    size_t json_len = 0;
    FILE *f = open_memstream(&json, &json_len);
    if (f) {
        mlm_manifest_write_texts(f, m, defaults, texts, shown, speed);
        fclose(f);
    } else {
        mlmbook_error(ch->path, line, "out of memory writing the widget's manifest");
    }

    mlmbook_buf b = {0};
    mlmbook_buf_puts(&b, "<figure class=\"widget\" id=\"");
    mlmbook_buf_escapes(&b, elem_id);
    mlmbook_buf_puts(&b, "\" data-widget=\"");
    mlmbook_buf_escapes(&b, m->name);
    mlmbook_buf_puts(&b, "\" data-id=\"");
    mlmbook_buf_escapes(&b, elem_id + 2);
    mlmbook_buf_puts(&b, "\" data-status=\"paused\"");
    if (height) mlmbook_buf_printf(&b, " data-height=\"%ld\"", height);
    mlmbook_buf_puts(&b, ">\n<script type=\"application/json\" class=\"widget-manifest\">");
    if (json) mlmbook_buf_put(&b, json, json_len);
    mlmbook_buf_puts(&b, "</script>\n<div class=\"widget-body\"><p class=\"widget-fallback\">"
                         "This widget trains ");
    mlmbook_buf_escapes(&b, m->title);
    mlmbook_buf_puts(&b, " live; it needs JavaScript and WebAssembly.</p></div>\n");
    if (caption && *caption) {
        mlmbook_buf_puts(&b, "<figcaption>");
        mlmbook_buf_escapes(&b, caption);
        mlmbook_buf_puts(&b, "</figcaption>\n");
    }
    mlmbook_buf_puts(&b, "</figure>");
    free(json);
    free(defaults);
    free(shown);
    free(texts);
    mlmbook_free_entries(e, n);
    return mlmbook_buf_detach(&b);
}

/* ---- ```code <stem> <region> ---- */

/* If the line is a region marker (//> name or //< name, any indentation), return '>' or '<' and
   point *name at the name; else 0. */
static int marker(const char *s, size_t n, const char **name, size_t *name_len) {
    trim(&s, &n);
    if (n < 3 || s[0] != '/' || s[1] != '/' || (s[2] != '>' && s[2] != '<')) return 0;
    *name = s + 3;
    *name_len = n - 3;
    trim(name, name_len);
    return s[2];
}

/* Lines of the region, markers of other regions dropped; NULL with *why set if there is none. */
static char *region_extract(const char *src, const char *region, const char **why) {
    size_t rlen = strlen(region);
    mlmbook_buf b = {0};
    int inside = 0, found = 0;
    for (const char *p = src; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *name;
        size_t name_len;
        int mk = marker(p, len, &name, &name_len);
        int ours = mk && name_len == rlen && memcmp(name, region, rlen) == 0;
        if (!inside && mk == '>' && ours) {
            inside = found = 1;
        } else if (inside && mk == '<' && ours) {
            inside = 0;
            break;
        } else if (inside && !mk) {
            mlmbook_buf_put(&b, p, len);
            mlmbook_buf_putc(&b, '\n');
        }
        p = nl ? nl + 1 : p + len;
    }
    if (!found || inside) {
        *why = found ? "unterminated" : "missing";
        mlmbook_buf_free(&b);
        return NULL;
    }
    return mlmbook_buf_detach(&b);
}

/* Remove the indentation all non-blank lines share, and blank lines at either end. */
static char *dedent(const char *s) {
    size_t common = (size_t)-1;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p), ind = 0;
        while (ind < len && (p[ind] == ' ' || p[ind] == '\t')) ind++;
        if (ind < len && ind < common) common = ind;
        p = nl ? nl + 1 : p + len;
    }
    mlmbook_buf b = {0};
    size_t keep = 0; /* length of b up to the last non-blank line */
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p), ind = 0;
        while (ind < len && (p[ind] == ' ' || p[ind] == '\t')) ind++;
        if (ind == len) {
            if (b.len) mlmbook_buf_putc(&b, '\n');
        } else {
            mlmbook_buf_put(&b, p + common, len - common);
            mlmbook_buf_putc(&b, '\n');
            keep = b.len;
        }
        p = nl ? nl + 1 : p + len;
    }
    b.len = keep;
    if (b.data) b.data[keep] = '\0';
    return mlmbook_buf_detach(&b);
}

static char *code_region(mlmbook_chapter *ch, cmark_node *block, char words[][128], int nwords) {
    int line = mlmbook_chapter_line(ch, cmark_node_get_start_line(block));
    if (nwords != 3) {
        mlmbook_error(ch->path, line, "a code block is ```code <file stem> <region>");
        return mlmbook_strdup("");
    }
    const char *stem = words[1], *region = words[2];
    const char *lit = cmark_node_get_literal(block);
    for (const char *p = lit ? lit : ""; *p; p++)
        if (!isspace((unsigned char)*p)) {
            mlmbook_error(ch->path, line, "a code block has no body: its code comes from the engine");
            return mlmbook_strdup("");
        }
    size_t sl = strlen(stem);
    int has_ext = sl > 2 && stem[sl - 2] == '.' && (stem[sl - 1] == 'c' || stem[sl - 1] == 'h');
    char base[128];
    snprintf(base, sizeof base, "%.*s", (int)(has_ext ? sl - 2 : sl), stem);
    if (!mlmbook_is_name(base, "_")) {
        mlmbook_error(ch->path, line, "'%s' is not a file stem of engine/ (like gradient_descent)", stem);
        return mlmbook_strdup("");
    }
    const char *ext = has_ext ? "" : ".c";
    static const char *const subdirs[] = {"", "core/"};
    char path[4096], shown[300];
    char *src = NULL;
    for (int k = 0; k < 2 && !src; k++) {
        snprintf(path, sizeof path, "%s/%s%s%s", ch->engine_dir, subdirs[k], stem, ext);
        snprintf(shown, sizeof shown, "engine/%s%s%s", subdirs[k], stem, ext);
        src = mlmbook_file_read(path, NULL);
    }
    if (!src) {
        mlmbook_error(ch->path, line, "no engine source '%s': looked for engine/%s%s and engine/core/%s%s",
                      stem, stem, ext, stem, ext);
        return mlmbook_strdup("");
    }
    const char *why = NULL;
    char *raw = region_extract(src, region, &why);
    free(src);
    if (!raw) {
        if (!strcmp(why, "missing"))
            mlmbook_error(ch->path, line, "%s has no region '%s' (mark it with //> %s and //< %s)",
                          shown, region, region, region);
        else
            mlmbook_error(ch->path, line, "region '%s' of %s is not closed by //< %s", region, shown,
                          region);
        return mlmbook_strdup("");
    }
    char *code = dedent(raw);
    free(raw);
    if (!*code) {
        mlmbook_error(ch->path, line, "region '%s' of %s is empty", region, shown);
        free(code);
        return mlmbook_strdup("");
    }
    mlmbook_buf b = {0};
    mlmbook_buf_puts(&b, "<figure class=\"code\"><figcaption>");
    mlmbook_buf_escapes(&b, shown);
    mlmbook_buf_puts(&b, " \xC2\xB7 <code>");
    mlmbook_buf_escapes(&b, region);
    mlmbook_buf_puts(&b, "</code></figcaption>\n<pre class=\"code-c\"><code>");
    mlmbook_highlight_c(&b, code, strlen(code));
    mlmbook_buf_puts(&b, "</code></pre></figure>");
    free(code);
    return mlmbook_buf_detach(&b);
}

/* ---- ```params <module> ---- */

static void param_range(mlmbook_buf *b, const mlm_param *p) {
    char key[64], label[128];
    switch (p->kind) {
    case MLM_CHOICE:
        for (int k = 0; k < mlm_choice_count(p); k++) {
            mlm_choice_key(p, k, key, sizeof key);
            mlm_choice_label(p, k, label, sizeof label);
            mlmbook_buf_puts(b, k ? ", <code>" : "<code>");
            mlmbook_buf_escapes(b, key);
            mlmbook_buf_puts(b, "</code> ");
            mlmbook_buf_escapes(b, label);
        }
        break;
    case MLM_BOOL:
        mlmbook_buf_puts(b, "<code>true</code> or <code>false</code>");
        break;
    case MLM_TEXT:
        mlmbook_buf_puts(b, "text, up to ");
        put_number(b, p->max);
        mlmbook_buf_puts(b, " characters");
        break;
    default:
        put_number(b, p->min);
        mlmbook_buf_puts(b, " to ");
        put_number(b, p->max);
        if (p->kind == MLM_INT) mlmbook_buf_puts(b, ", whole numbers");
        if (p->log) mlmbook_buf_puts(b, ", log scale");
    }
}

static void param_default(mlmbook_buf *b, const mlm_param *p) {
    char key[64];
    if (p->kind == MLM_CHOICE) {
        mlm_choice_key(p, (int)p->def, key, sizeof key);
        mlmbook_buf_puts(b, "<code>");
        mlmbook_buf_escapes(b, key);
        mlmbook_buf_puts(b, "</code>");
    } else if (p->kind == MLM_BOOL) {
        mlmbook_buf_puts(b, p->def != 0 ? "<code>true</code>" : "<code>false</code>");
    } else if (p->kind == MLM_TEXT) {
        mlmbook_buf_puts(b, "<code>");
        mlmbook_buf_escapes(b, p->choices);
        mlmbook_buf_puts(b, "</code>");
    } else {
        put_number(b, p->def);
    }
}

static char *params_table(mlmbook_chapter *ch, cmark_node *block, char words[][128], int nwords) {
    int line = mlmbook_chapter_line(ch, cmark_node_get_start_line(block));
    if (nwords != 2) {
        mlmbook_error(ch->path, line, "a parameter table is ```params <module>");
        return mlmbook_strdup("");
    }
    mlmbook_entry *e;
    int n = mlmbook_parse_entries(ch, block, &e, NULL);
    const mlm_module *m = mlmbook_find_module(ch, line, words[1]);
    if (!m) {
        mlmbook_free_entries(e, n);
        return mlmbook_strdup("");
    }
    unsigned char *rows = mlmbook_alloc((size_t)m->n_params + 1);
    memset(rows, 1, (size_t)m->n_params);
    for (int k = 0; k < n; k++) {
        if (!strcmp(e[k].key, "only")) parse_names(ch, &e[k], m, rows, "only");
        else mlmbook_error(ch->path, e[k].line, "unknown key '%s' in a params block (the only key is 'only')",
                           e[k].key);
    }
    mlmbook_buf b = {0};
    mlmbook_buf_puts(&b, "<div class=\"table-wrap\"><table class=\"params\">\n<thead><tr>"
                         "<th scope=\"col\">Parameter</th><th scope=\"col\">Control</th>"
                         "<th scope=\"col\">Range</th><th scope=\"col\">Default</th>"
                         "<th scope=\"col\">What it does</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < m->n_params; i++) {
        if (!rows[i]) continue;
        const mlm_param *p = &m->params[i];
        mlmbook_buf_puts(&b, "<tr><td><code>");
        mlmbook_buf_escapes(&b, p->name);
        mlmbook_buf_puts(&b, "</code></td><td>");
        mlmbook_buf_escapes(&b, p->label);
        mlmbook_buf_puts(&b, "</td><td>");
        param_range(&b, p);
        mlmbook_buf_puts(&b, "</td><td>");
        param_default(&b, p);
        mlmbook_buf_puts(&b, "</td><td>");
        mlmbook_buf_escapes(&b, p->help);
        mlmbook_buf_puts(&b, "</td></tr>\n");
    }
    mlmbook_buf_puts(&b, "</tbody>\n</table></div>");
    free(rows);
    mlmbook_free_entries(e, n);
    return mlmbook_buf_detach(&b);
}

/* ---- dispatch ---- */

char *mlmbook_directive_expand(mlmbook_chapter *ch, cmark_node *block) {
    char words[4][128];
    int n = mlmbook_split_words(cmark_node_get_fence_info(block), words, 4);
    if (n == 0) return NULL;
    if (!strcmp(words[0], "widget")) return widget(ch, block, words, n);
    if (!strcmp(words[0], "code")) return code_region(ch, block, words, n);
    if (!strcmp(words[0], "params")) return params_table(ch, block, words, n);
    if (!strcmp(words[0], "run")) return mlmbook_strdup(""); /* run before: mlmbook_runs_collect */
    if (!strcmp(words[0], "c")) {
        const char *lit = cmark_node_get_literal(block);
        mlmbook_buf b = {0};
        mlmbook_buf_puts(&b, "<pre class=\"code-c\"><code>");
        mlmbook_highlight_c(&b, lit ? lit : "", lit ? strlen(lit) : 0);
        mlmbook_buf_puts(&b, "</code></pre>");
        return mlmbook_buf_detach(&b);
    }
    return NULL;
}
