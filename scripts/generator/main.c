/* main.c: mlmbook, the book's generator: chapters/NN-slug.md + the engine's declarations + KaTeX
 * -> slug.html for every chapter and index.html. It reads every chapter first, renders all the
 * math in one KaTeX process, and writes nothing unless the whole book is free of errors.
 *
 *   mlmbook --chapters DIR --engine DIR --out DIR [--katex FILE] [--node PROGRAM] [--planned FILE]
 *           [--run-cache DIR]
 *   mlmbook --fragment FILE.md [--engine DIR] [--katex FILE] [--node PROGRAM] [--planned FILE]
 *           [--run-cache DIR]
 *
 * --run-cache DIR keeps the numbers of ```run blocks between builds, keyed by the generator's
 * own bytes (which hold the engine) and the run's settings, so a rebuild repeats no run.
 * --planned names the list of chapters still to be written that cross-references may name
 * (default: planned.txt beside the chapters, or beside the fragment; a missing file lists none).
 * The second form prints one chapter's body HTML (what goes inside <main> after the title), for
 * tests. Errors are printed as `file:line: message` with the line of the original Markdown, and
 * the exit status is 1.
 *
 * The HTML this generator emits, class by class (web/book.css and tests rely on these names):
 *   page:     a.skip-link, header.book-header > a.book-title, div.book-search (the search box
 *             input#book-search-input and its results div#book-search-results),
 *             label.theme-switch > select#theme-select (web/page.js), div.book-layout,
 *             footer.book-footer, main#content.chapter (chapter pages) or main#content.index
 *   contents: nav.toc > p.toc-part + ol.toc-chapters > li > a[aria-current=page on this page]
 *             > span.chapter-number
 *   chapter:  p.chapter-part, h1 > span.chapter-number, nav.page-toc (two or more h2s) >
 *             p.page-toc-title + ol > li > a[href="#h2 id"] (+ ol > li > a[href="#h3 id"]),
 *             nav.pager > a.pager-prev[rel=prev], a.pager-next[rel=next]
 *   index:    p.index-blurb, p.index-start, section.index-part > h2 + ol.index-chapters > li >
 *             a > span.chapter-number, p.index-summary
 *   headings: h2..h6 with ids; h2 and h3 end with a.heading-link (href="#id")
 *   math:     span.katex (inline, KaTeX's own markup), div.math-display > span.katex-display
 *             (a paragraph of display math alone); display math inside a paragraph is KaTeX's
 *             span.katex-display
 *   widgets:  figure.widget#w-ID[data-widget=module][data-id=ID][data-status=paused]
 *             [data-height=px, optional] > script.widget-manifest[type=application/json],
 *             div.widget-body > p.widget-fallback, figcaption (optional)
 *   code:     figure.code > figcaption (file · code region) + pre.code-c > code; plain ```c
 *             blocks are pre.code-c > code; tokens are span.kw (keyword), .ty (type), .cm
 *             (comment), .st (string, character), .nu (number, NULL/true/false), .pp
 *             (preprocessor line), .fn (function name); other languages are cmark's
 *             pre > code.language-x
 *   params:   div.table-wrap > table.params > thead, tbody (columns: parameter, control label,
 *             range, default, what it does)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

typedef struct {
    const char *chapters, *engine, *out, *fragment, *katex, *node, *planned, *run_cache;
} options;

static void usage(void) {
    fputs("usage: mlmbook --chapters DIR --engine DIR --out DIR [--katex FILE] [--node PROGRAM] "
          "[--planned FILE] [--run-cache DIR]\n"
          "       mlmbook --fragment FILE.md [--engine DIR] [--katex FILE] [--node PROGRAM] "
          "[--planned FILE] [--run-cache DIR]\n",
          stderr);
    exit(2);
}

static options parse_args(int argc, char **argv) {
    options o = {NULL, "engine", NULL, NULL, "scripts/katex-render.mjs", "node", NULL, NULL};
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (!strcmp(argv[i], "--chapters")) slot = &o.chapters;
        else if (!strcmp(argv[i], "--engine")) slot = &o.engine;
        else if (!strcmp(argv[i], "--out")) slot = &o.out;
        else if (!strcmp(argv[i], "--fragment")) slot = &o.fragment;
        else if (!strcmp(argv[i], "--katex")) slot = &o.katex;
        else if (!strcmp(argv[i], "--node")) slot = &o.node;
        else if (!strcmp(argv[i], "--planned")) slot = &o.planned;
        else if (!strcmp(argv[i], "--run-cache")) slot = &o.run_cache;
        if (!slot || i + 1 >= argc) usage();
        *slot = argv[++i];
    }
    if (o.fragment ? (o.chapters || o.out) : !(o.chapters && o.out)) usage();
    return o;
}

/* Render the math of every chapter in one KaTeX run. */
static void render_math(mlmbook_chapter *chs, int n, const options *o) {
    size_t total = 0;
    for (int i = 0; i < n; i++) total += (size_t)chs[i].src.nmath;
    mlmbook_math **items = mlmbook_alloc((total + 1) * sizeof *items);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < chs[i].src.nmath; j++) items[k++] = &chs[i].src.math[j];
    mlmbook_katex_render(items, total, o->node, o->katex);
    free(items);
}

static int fail(void) {
    mlmbook_errors_flush();
    return 1;
}

/* The planned chapters: --planned, else planned.txt in the folder of `beside` (a folder, or a
   file when is_file). */
static void read_planned(mlmbook_xrefs *x, const options *o, const char *beside, int is_file,
                         mlmbook_buf *path) {
    if (o->planned) {
        mlmbook_buf_puts(path, o->planned);
    } else {
        const char *slash = is_file ? strrchr(beside, '/') : NULL;
        if (is_file && !slash) mlmbook_buf_puts(path, "planned.txt");
        else if (is_file) mlmbook_buf_printf(path, "%.*s/planned.txt", (int)(slash - beside), beside);
        else mlmbook_buf_printf(path, "%s/planned.txt", beside);
    }
    mlmbook_planned_read(x, path->data);
}

static int fragment(const options *o) {
    mlmbook_chapter ch = {0};
    const char *base = strrchr(o->fragment, '/');
    base = base ? base + 1 : o->fragment;
    size_t n = strlen(base);
    ch.slug = mlmbook_strndup(base, n > 3 && !strcmp(base + n - 3, ".md") ? n - 3 : n);
    mlmbook_chapter_load(&ch, o->fragment, o->engine);
    mlmbook_xrefs x = {.chapters = &ch, .n = 1};
    mlmbook_buf planned = {0};
    read_planned(&x, o, o->fragment, 1, &planned);
    render_math(&ch, 1, o);
    if (!mlmbook_error_count()) {
        mlmbook_chapter_finish(&ch, &x);
        mlmbook_xref_finish(&x);
    }
    int rc = 0;
    if (mlmbook_error_count()) {
        rc = fail();
    } else {
        fputs(ch.body, stdout);
        mlmbook_xref_warn(&x);
    }
    mlmbook_chapter_free(&ch);
    mlmbook_xrefs_free(&x);
    mlmbook_buf_free(&planned);
    return rc;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Chapter file names, sorted, as "DIR/NN-slug.md"; NULL after an error. */
static char **list_chapters(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) {
        mlmbook_error(dir, 0, "cannot read the chapters folder: %s", strerror(errno));
        return NULL;
    }
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    size_t dl = strlen(dir);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".md") != 0 || e->d_name[0] == '.') continue;
        names = mlmbook_realloc(names, (size_t)(n + 1) * sizeof *names);
        mlmbook_buf b = {0};
        mlmbook_buf_put(&b, dir, dl && dir[dl - 1] == '/' ? dl - 1 : dl);
        mlmbook_buf_printf(&b, "/%s", e->d_name);
        names[n++] = mlmbook_buf_detach(&b);
    }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof *names, by_name);
    *count = n;
    return names;
}

/* NN-slug.md -> number and slug; 0, or -1 after reporting a bad name. */
static int chapter_name(const char *path, int *number, char **slug) {
    const char *base = strrchr(path, '/') + 1; /* list_chapters put a '/' before the name */
    size_t digits = strspn(base, "0123456789");
    const char *s = base + digits + 1;
    size_t len = strlen(base);
    int ok = digits > 0 && digits < 6 && base[digits] == '-' && len > digits + 4;
    size_t slen = ok ? len - digits - 4 : 0; /* minus "-" and ".md" */
    if (!ok || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != slen) {
        mlmbook_error(path, 0, "a chapter file is named NN-slug.md: a number, a hyphen, then lowercase "
                               "letters, digits and hyphens (01-gradient-descent.md)");
        return -1;
    }
    *number = atoi(base);
    *slug = mlmbook_strndup(s, slen);
    if (!strcmp(*slug, "index")) {
        mlmbook_error(path, 0, "the slug 'index' is taken by the book's contents page");
        return -1;
    }
    return 0;
}

static void write_file(const char *dir, const char *name, const char *text) {
    mlmbook_buf path = {0};
    mlmbook_buf_printf(&path, "%s/%s", dir, name);
    FILE *f = fopen(path.data, "wb");
    size_t n = strlen(text);
    int ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) mlmbook_error(path.data, 0, "cannot write: %s", strerror(errno));
    mlmbook_buf_free(&path);
}

static int book(const options *o) {
    int n = 0;
    char **paths = list_chapters(o->chapters, &n);
    if (!paths && mlmbook_error_count()) return fail();
    mlmbook_chapter *chs = mlmbook_alloc((size_t)(n + 1) * sizeof *chs);
    for (int i = 0; i < n; i++) {
        if (chapter_name(paths[i], &chs[i].number, &chs[i].slug) != 0) continue;
        for (int j = 0; j < i; j++)
            if (chs[j].slug && chs[j].number == chs[i].number)
                mlmbook_error(paths[i], 0, "chapter number %d is taken by %s", chs[i].number, paths[j]);
        mlmbook_chapter_load(&chs[i], paths[i], o->engine);
    }
    mlmbook_xrefs x = {.chapters = chs, .n = n};
    mlmbook_buf planned = {0};
    read_planned(&x, o, o->chapters, 0, &planned);
    render_math(chs, n, o);
    if (!mlmbook_error_count()) {
        for (int i = 0; i < n; i++) mlmbook_chapter_finish(&chs[i], &x);
        mlmbook_xref_finish(&x);
    }
    int rc = 0;
    if (mlmbook_error_count()) {
        rc = fail();
    } else {
        mlmbook_book bk = {chs, n};
        for (int i = 0; i < n && !mlmbook_error_count(); i++) {
            char *page = mlmbook_page_chapter(&bk, i);
            char name[300];
            snprintf(name, sizeof name, "%s.html", chs[i].slug);
            write_file(o->out, name, page);
            free(page);
        }
        char *index = mlmbook_page_index(&bk);
        if (!mlmbook_error_count()) write_file(o->out, "index.html", index);
        free(index);
        if (mlmbook_error_count()) rc = fail();
        else mlmbook_xref_warn(&x);
    }
    mlmbook_xrefs_free(&x);
    mlmbook_buf_free(&planned);
    for (int i = 0; i < n; i++) {
        mlmbook_chapter_free(&chs[i]);
        free(paths[i]);
    }
    free(chs);
    free(paths);
    return rc;
}

int main(int argc, char **argv) {
    options o = parse_args(argc, argv);
    mlmbook_run_cache_dir = o.run_cache;
    return o.fragment ? fragment(&o) : book(&o);
}
