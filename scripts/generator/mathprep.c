/* mathprep.c: protects TeX from CommonMark. cmark would read `x^*` as emphasis, `\\` as an
 * escaped backslash and `$[a](b)$` as a link, so the math is cut out of the source before cmark
 * sees it and a placeholder is left in its place (see MLMBOOK_PH_OPEN). Delimiters follow pandoc:
 * no space just inside either `$` of `$...$`, the closing `$` not followed by a digit; `$$...$$`
 * may span lines but not a blank line; `\$` is a dollar. Prose is wrapped, so `$...$` may
 * continue on the next lines of the same paragraph (as cmark parses the source); a `$` that opens
 * math (followed by something other than a space) and does not close in its paragraph is an
 * error, so that TeX never reaches the page raw: write `\$5` for a price.
 *
 * Quotes of build-time runs, {{run.view}} (runs.c), are replaced by their numbers here, in prose
 * and inside math alike (not in code), before the math is cut out.
 *
 * Code must stay untouched. Rather than guess CommonMark's block structure (lists, quotes, lazy
 * lines), the source is parsed once as it is and the lines of its code blocks and raw HTML blocks
 * are skipped; math never changes where those blocks are, because math cannot contain a blank
 * line or a fence. Code spans are skipped by matching backtick runs of equal length. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

typedef struct {
    const char *src;
    size_t len, pos;
    int line;              /* original line of src[pos] */
    const size_t *starts;  /* starts[L]: offset of line L (1-based); starts[nlines + 1] = len */
    const char *boundary;  /* boundary[L]: line L is blank or inside a code/HTML block */
    const int *para_end;   /* para_end[L]: last line of the paragraph or heading holding line L
                              (0: none) */
    int nlines;
    mlmbook_buf out;
    int *linemap;
    int oline;             /* current line of out */
    mlmbook_protected *res;
    const char *file;
    mlmbook_chapter *quotes; /* the chapter whose runs quotes read; NULL: no quotes */
} scan;

/* Copy n source bytes to the output, keeping the line map in step. */
static void copy(scan *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s->src[s->pos++];
        mlmbook_buf_putc(&s->out, c);
        if (c == '\n') {
            s->line++;
            s->linemap[++s->oline] = s->line;
        }
    }
}

/* Drop n source bytes (the math just replaced). */
static void drop(scan *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s->src[s->pos++] == '\n') s->line++;
}

static int is_blank_line(const char *p, const char *end) {
    for (; p < end && *p != '\n'; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r') return 0;
    return 1;
}

/* Crossing the newline at offset j (on line *jl): may the search go on to the next line? */
static int next_line_open(const scan *s, int *jl) {
    (*jl)++;
    return *jl <= s->nlines && !s->boundary[*jl];
}

/* The end of the code span opened by the run of n backticks at pos, or 0 if it is not closed. */
static size_t code_span_end(const scan *s, size_t n) {
    int jl = s->line;
    size_t j = s->pos + n;
    while (j < s->len) {
        char c = s->src[j];
        if (c == '\n') {
            if (!next_line_open(s, &jl)) return 0;
            j++;
        } else if (c == '`') {
            size_t m = 0;
            while (j + m < s->len && s->src[j + m] == '`') m++;
            if (m == n) return j + m;
            j += m;
        } else {
            j++;
        }
    }
    return 0;
}

/* The end of the CommonMark autolink <scheme:...> at pos, or 0 if there is none. */
static size_t autolink_end(const scan *s) {
    size_t j = s->pos + 1, k = 0;
    while (j + k < s->len && (isalnum((unsigned char)s->src[j + k]) || strchr("+.-", s->src[j + k])))
        k++;
    if (k < 2 || k > 32 || !isalpha((unsigned char)s->src[j]) || j + k >= s->len || s->src[j + k] != ':')
        return 0;
    for (j += k + 1; j < s->len; j++) {
        unsigned char c = (unsigned char)s->src[j];
        if (c == '>') return j + 1;
        if (c <= ' ' || c == '<') return 0;
    }
    return 0;
}

/* Offset of the closing $$ for the $$ at pos, or 0 when a blank line or block comes first. */
static size_t display_end(const scan *s) {
    int jl = s->line;
    size_t j = s->pos + 2;
    while (j < s->len) {
        char c = s->src[j];
        if (c == '\n') {
            if (!next_line_open(s, &jl)) return 0;
            j++;
        } else if (c == '\\' && j + 1 < s->len && s->src[j + 1] != '\n') {
            j += 2;
        } else if (c == '$' && j + 1 < s->len && s->src[j + 1] == '$') {
            return j;
        } else {
            j++;
        }
    }
    return 0;
}

/* Does the $ at pos open inline math (pandoc: not followed by a space)? */
static int inline_opens(const scan *s) {
    return s->pos + 1 < s->len && !isspace((unsigned char)s->src[s->pos + 1]);
}

/* Offset of the closing $ for an inline $ at pos (pandoc's rules, within its paragraph), or 0. */
static size_t inline_end(const scan *s) {
    size_t j = s->pos + 1;
    if (!inline_opens(s)) return 0;
    int jl = s->line, last = s->para_end[s->line];
    while (j < s->len) {
        char c = s->src[j];
        if (c == '\n') {
            if (++jl > last) return 0;
            j++;
            continue;
        }
        if (c == '\\' && j + 1 < s->len && s->src[j + 1] != '\n') {
            j += 2;
            continue;
        }
        if (c == '$' && !isspace((unsigned char)s->src[j - 1]) &&
            !(j + 1 < s->len && isdigit((unsigned char)s->src[j + 1])))
            return j;
        j++;
    }
    return 0;
}

/* The offset of the "}}" closing a quote {{...}} that starts at i, or 0 (no quote there); the
   quote ends before `to` and on its own line. */
static size_t quote_end(const scan *s, size_t i, size_t to) {
    if (!s->quotes || i + 1 >= to || s->src[i] != '{' || s->src[i + 1] != '{') return 0;
    for (size_t j = i + 2; j + 1 < to && s->src[j] != '\n'; j++)
        if (s->src[j] == '}' && s->src[j + 1] == '}')
            return mlmbook_quote_like(s->src + i + 2, j - i - 2) ? j : 0;
    return 0;
}

/* The TeX of math from src[from, to). Display math inside a block quote would keep the quote's
   `>` markers of its later lines, and `>` is valid TeX (it would render as a silent "greater
   than"), so as many markers as the opening line has are removed from each later line. */
static char *math_tex(const scan *s, size_t from, size_t to) {
    int depth = 0, line = s->line;
    for (const char *p = s->src + s->starts[s->line]; *p == ' ' || *p == '\t' || *p == '>'; p++)
        depth += *p == '>';
    mlmbook_buf b = {0};
    for (size_t i = from; i < to; i++) {
        size_t q = s->src[i] == '{' ? quote_end(s, i, to) : 0;
        if (q) {
            mlmbook_quote(s->quotes, &b, s->src + i + 2, q - i - 2, line, 1);
            i = q + 1;
            continue;
        }
        mlmbook_buf_putc(&b, s->src[i]);
        if (s->src[i] != '\n') continue;
        line++;
        if (!depth) continue;
        size_t j = i + 1;
        for (int q = 0; q < depth; q++) {
            size_t k = j;
            while (k < to && (s->src[k] == ' ' || s->src[k] == '\t')) k++;
            if (k >= to || s->src[k] != '>') break;
            j = k + 1;
            if (j < to && s->src[j] == ' ') j++;
        }
        i = j - 1;
    }
    return mlmbook_buf_detach(&b);
}

static void add_math(scan *s, size_t from, size_t to, int display) {
    mlmbook_protected *r = s->res;
    r->math = mlmbook_realloc(r->math, (size_t)(r->nmath + 1) * sizeof *r->math);
    r->math[r->nmath] = (mlmbook_math){s->file, s->line, display, math_tex(s, from, to), NULL};
    mlmbook_buf_printf(&s->out, MLMBOOK_PH_OPEN "%d" MLMBOOK_PH_CLOSE, r->nmath);
    r->nmath++;
}

/* Mark the lines of code blocks and raw HTML blocks, as cmark parses the unprotected source. */
static void mark_blocks(const char *src, size_t len, char *boundary, int *para_end, int nlines) {
    cmark_node *doc = cmark_parse_document(src, len, CMARK_OPT_DEFAULT);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING)) {
            int a = cmark_node_get_start_line(n), b = cmark_node_get_end_line(n);
            for (int l = a; l <= b && l <= nlines; l++)
                if (l >= 1) para_end[l] = b < nlines ? b : nlines;
            continue;
        }
        if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_CODE_BLOCK && t != CMARK_NODE_HTML_BLOCK))
            continue;
        int a = cmark_node_get_start_line(n), b = cmark_node_get_end_line(n);
        if (b < a) b = nlines; /* an unclosed fence runs to the end of its container */
        for (int l = a; l <= b && l <= nlines; l++)
            if (l >= 1) boundary[l] = 1;
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
}

void mlmbook_math_protect(mlmbook_protected *res, const char *file, const char *src,
                          mlmbook_chapter *quotes) {
    memset(res, 0, sizeof *res);
    size_t len = strlen(src);
    int nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (src[i] == '\n' && i + 1 < len) nlines++;
    size_t *starts = mlmbook_alloc((size_t)(nlines + 2) * sizeof *starts);
    char *boundary = mlmbook_alloc((size_t)nlines + 2);
    int *para_end = mlmbook_alloc(sizeof(int) * ((size_t)nlines + 2));
    starts[1] = 0;
    for (size_t i = 0, l = 1; i < len; i++)
        if (src[i] == '\n' && i + 1 < len) starts[++l] = i + 1;
    starts[nlines + 1] = len;
    for (int l = 1; l <= nlines; l++) {
        boundary[l] = (char)is_blank_line(src + starts[l], src + len);
        /* The placeholders must be the only private-use markers in the text. */
        const char *a = src + starts[l], *e = src + starts[l + 1];
        for (const char *p = a; p + 2 < e; p++)
            if (p[0] == '\xEE' && p[1] == '\x80' && (p[2] == '\x80' || p[2] == '\x81')) {
                mlmbook_error(file, l, "the private-use characters U+E000 and U+E001 are reserved");
                break;
            }
    }
    mark_blocks(src, len, boundary, para_end, nlines);

    scan s = {src, len, 0, 1, starts, boundary, para_end, nlines, {0}, NULL, 1, res, file, quotes};
    s.linemap = mlmbook_alloc((size_t)(nlines + 2) * sizeof *s.linemap);
    s.linemap[1] = 1;
    while (s.pos < len) {
        if (s.pos == starts[s.line] && boundary[s.line]) {
            copy(&s, starts[s.line + 1] - s.pos);
            continue;
        }
        char c = src[s.pos];
        size_t link = c == '<' ? autolink_end(&s) : 0;
        size_t quote = c == '{' ? quote_end(&s, s.pos, len) : 0;
        if (quote) {
            mlmbook_quote(quotes, &s.out, src + s.pos + 2, quote - s.pos - 2, s.line, 0);
            drop(&s, quote + 2 - s.pos);
        } else if (link) {
            copy(&s, link - s.pos); /* a URL may hold dollars: <https://example.org/$x> */
        } else if (c == '\\') {
            copy(&s, s.pos + 1 < len && ispunct((unsigned char)src[s.pos + 1]) ? 2 : 1);
        } else if (c == '`') {
            size_t n = 0;
            while (s.pos + n < len && src[s.pos + n] == '`') n++;
            size_t end = code_span_end(&s, n);
            copy(&s, end ? end - s.pos : n);
        } else if (c == '$' && s.pos + 1 < len && src[s.pos + 1] == '$') {
            size_t end = display_end(&s);
            if (!end) {
                mlmbook_error(file, s.line,
                              "unterminated display math: $$ needs a closing $$ before the next blank line");
                copy(&s, 2);
                continue;
            }
            add_math(&s, s.pos + 2, end, 1);
            drop(&s, end + 2 - s.pos);
        } else if (c == '$') {
            size_t end = inline_end(&s);
            if (!end) {
                if (inline_opens(&s))
                    mlmbook_error(file, s.line,
                                  "unclosed inline math: this $ opens math that does not close in its "
                                  "paragraph (write \\$ for a dollar sign)");
                copy(&s, 1);
                continue;
            }
            add_math(&s, s.pos + 1, end, 0);
            drop(&s, end + 1 - s.pos);
        } else {
            copy(&s, 1);
        }
    }
    res->text = mlmbook_buf_detach(&s.out);
    res->linemap = s.linemap;
    res->nlines = s.oline;
    free(starts);
    free(boundary);
    free(para_end);
}

void mlmbook_protected_free(mlmbook_protected *p) {
    free(p->text);
    free(p->linemap);
    for (int i = 0; i < p->nmath; i++) {
        free(p->math[i].tex);
        free(p->math[i].html);
    }
    free(p->math);
    memset(p, 0, sizeof *p);
}

int mlmbook_placeholder_parse(const char *s, size_t n, size_t *len) {
    size_t o = sizeof MLMBOOK_PH_OPEN - 1, c = sizeof MLMBOOK_PH_CLOSE - 1, i = o;
    if (n < o + 1 + c || memcmp(s, MLMBOOK_PH_OPEN, o) != 0) return -1;
    long v = 0;
    while (i < n && isdigit((unsigned char)s[i]) && v < 100000000) v = 10 * v + (s[i++] - '0');
    if (i == o || i + c > n || memcmp(s + i, MLMBOOK_PH_CLOSE, c) != 0) return -1;
    *len = i + c;
    return (int)v;
}
