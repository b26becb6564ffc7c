/* page.c: the page templates: a chapter page (table of contents, the chapter with its list of
 * sections, previous/next links) and the index page. The class names used here are the contract with web/book.css and
 * the tests; main.c lists them all. Every piece of author text is escaped. */
#include <string.h>

#include "mlmbook.h"

#define BOOK_TITLE "Machine Learning in Motion"

void mlmbook_part_label(mlmbook_buf *b, const char *part) {
    if (!part) return;
    size_t n = strspn(part, "IVXLCDM");
    if (n > 0 && part[n] == '.' && part[n + 1] == ' ') {
        const char *rest = part + n + 2;
        while (*rest == ' ') rest++;
        mlmbook_buf_printf(b, "Part %.*s \xC2\xB7 ", (int)n, part);
        mlmbook_buf_escapes(b, rest);
    } else {
        mlmbook_buf_escapes(b, part);
    }
}

static int same_part(const mlmbook_chapter *a, const mlmbook_chapter *b) {
    return a->part && b->part && !strcmp(a->part, b->part);
}

static void head(mlmbook_buf *b, const char *title, const char *description, int math, int widgets) {
    mlmbook_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    if (title) {
        mlmbook_buf_escapes(b, title);
        mlmbook_buf_puts(b, " \xC2\xB7 ");
    }
    mlmbook_buf_puts(b, BOOK_TITLE "</title>\n");
    if (description && *description) {
        mlmbook_buf_puts(b, "<meta name=\"description\" content=\"");
        mlmbook_buf_escapes(b, description);
        mlmbook_buf_puts(b, "\">\n");
    }
    if (math) mlmbook_buf_puts(b, "<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">\n");
    /* The reader's theme (web/theme.js) is applied before the first paint, from a line inline
       here: a stylesheet or a deferred script would show a flash of the other scheme. */
    mlmbook_buf_puts(b, "<script>try{var t=localStorage.getItem(\"mlm-theme\");"
                        "if(t===\"light\"||t===\"dark\")document.documentElement.dataset.theme=t}"
                        "catch(e){}</script>\n"
                        "<link rel=\"stylesheet\" href=\"assets/book.css\">\n"
                        "<link rel=\"icon\" href=\"assets/favicon.svg\" type=\"image/svg+xml\">\n"
                        "<link rel=\"manifest\" href=\"manifest.json\">\n"
                        "<link rel=\"apple-touch-icon\" href=\"assets/icon-192.png\">\n"
                        "<meta name=\"theme-color\" content=\"#0b63a8\">\n"
                        /* The page's own furniture (search, theme, offline): every page. */
                        "<script type=\"module\" src=\"assets/page.js\"></script>\n");
    if (widgets) {
        /* The runtime's modules import each other; naming them all here lets the browser fetch
           them in parallel instead of one import level at a time. */
        static const char *const runtime_modules[] = {"widget", "render", "engine", "state"};
        mlmbook_buf_puts(b, "<script type=\"module\" src=\"assets/runtime.js\"></script>\n"
                            "<script type=\"module\" src=\"assets/print.js\"></script>\n");
        for (size_t k = 0; k < sizeof runtime_modules / sizeof *runtime_modules; k++)
            mlmbook_buf_printf(b, "<link rel=\"modulepreload\" href=\"assets/%s.js\">\n", runtime_modules[k]);
    }
    mlmbook_buf_puts(b, "</head>\n<body>\n"
                        "<a class=\"skip-link\" href=\"#content\">Skip to the text</a>\n"
                        "<header class=\"book-header\"><a class=\"book-title\" href=\"index.html\">"
                        BOOK_TITLE "</a>\n"
                        /* Search (web/search.js, loaded on first use) and the theme switch
                           (web/theme.js); page.js brings both to life. */
                        "<div class=\"book-search\" role=\"search\">"
                        "<label class=\"visually-hidden\" for=\"book-search-input\">Search the book</label>"
                        "<input type=\"search\" id=\"book-search-input\" class=\"book-search-input\" "
                        "placeholder=\"Search\" autocomplete=\"off\" spellcheck=\"false\" "
                        "aria-keyshortcuts=\"/\" aria-controls=\"book-search-results\" aria-expanded=\"false\">"
                        "<kbd class=\"book-search-key\" aria-hidden=\"true\">/</kbd>"
                        "<div id=\"book-search-results\" class=\"book-search-results\" hidden></div></div>\n"
                        "<label class=\"theme-switch\"><span class=\"theme-label\">Theme</span>"
                        "<select id=\"theme-select\" class=\"theme-select\">"
                        "<option value=\"system\">System</option>"
                        "<option value=\"light\">Light</option>"
                        "<option value=\"dark\">Dark</option></select></label>\n"
                        "</header>\n");
}

static void foot(mlmbook_buf *b) {
    mlmbook_buf_puts(b, "<footer class=\"book-footer\"><p>" BOOK_TITLE " \xC2\xB7 every widget runs "
                        "the C code shown beside it, compiled to WebAssembly, in your browser.</p>"
                        "</footer>\n</body>\n</html>\n");
}

static void chapter_link_text(mlmbook_buf *b, const mlmbook_chapter *ch) {
    mlmbook_buf_printf(b, "<span class=\"chapter-number\">%d</span> ", ch->number);
    mlmbook_buf_escapes(b, ch->title);
}

/* The table of contents in the side bar: parts, and under each an <ol> of its chapters. */
static void toc(mlmbook_buf *b, const mlmbook_book *book, int current) {
    mlmbook_buf_puts(b, "<nav class=\"toc\" aria-label=\"Contents\">\n");
    for (int i = 0; i < book->n; i++) {
        const mlmbook_chapter *ch = &book->chapters[i];
        if (i == 0 || !same_part(ch, &book->chapters[i - 1])) {
            if (i) mlmbook_buf_puts(b, "</ol>\n");
            mlmbook_buf_puts(b, "<p class=\"toc-part\">");
            mlmbook_part_label(b, ch->part);
            mlmbook_buf_puts(b, "</p>\n<ol class=\"toc-chapters\">\n");
        }
        mlmbook_buf_printf(b, "<li><a href=\"%s.html\"%s>", ch->slug,
                           i == current ? " aria-current=\"page\"" : "");
        chapter_link_text(b, ch);
        mlmbook_buf_puts(b, "</a></li>\n");
    }
    if (book->n) mlmbook_buf_puts(b, "</ol>\n");
    mlmbook_buf_puts(b, "</nav>\n");
}

/* Append `html` without its <a ...> and </a> tags (a heading's own links cannot sit inside the
   link to the heading). */
static void put_without_links(mlmbook_buf *b, const char *html, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (html[i] == '<' && ((i + 2 < n && html[i + 1] == 'a' && (html[i + 2] == ' ' || html[i + 2] == '>')) ||
                               (i + 3 < n && !strncmp(html + i, "</a>", 4)))) {
            const char *end = memchr(html + i, '>', n - i);
            if (!end) break;
            i = (size_t)(end - html) + 1;
            continue;
        }
        mlmbook_buf_putc(b, html[i++]);
    }
}

/* The chapter's list of sections ("On this page"): a link to every h2 of the body, with its h3s
   in a nested list. The headings are read back from the body, where chapter.c wrote each as
   <hN id="..."> ... <a class="heading-link" ...>#</a></hN>; the link text is the heading's own
   HTML (math included) without that anchor and without links. Nothing when the chapter has
   fewer than two sections. */
static void section_list(mlmbook_buf *b, const char *body) {
    static const char link[] = " <a class=\"heading-link\"";
    mlmbook_buf items = {0};
    int n = 0, level = 0; /* level: 2 inside an h2's <li>, 3 inside an h3 list */
    for (const char *p = body; (p = strstr(p, "<h")) != NULL; p += 3) {
        if ((p[2] != '2' && p[2] != '3') || strncmp(p + 3, " id=\"", 5)) continue;
        if (p != body && p[-1] != '\n') continue; /* a heading block starts a line */
        int h = p[2] - '0';
        const char *id = p + 8, *id_end = strchr(id, '"');
        if (!id_end || id_end[1] != '>') continue;
        char close[6] = {'<', '/', 'h', p[2], '>', 0};
        const char *text = id_end + 2, *end = strstr(text, close);
        if (!end) continue;
        const char *cut = strstr(text, link);
        if (cut && cut < end) end = cut;
        if (h == 2) {
            if (level == 3) mlmbook_buf_puts(&items, "</ol>");
            if (level) mlmbook_buf_puts(&items, "</li>\n");
            level = 2;
        } else if (level == 0) {
            continue; /* an h3 before any h2 has no section to sit in */
        } else if (level == 2) {
            mlmbook_buf_puts(&items, "\n<ol>\n");
            level = 3;
        }
        mlmbook_buf_puts(&items, "<li><a href=\"#");
        mlmbook_buf_put(&items, id, (size_t)(id_end - id));
        mlmbook_buf_puts(&items, "\">");
        put_without_links(&items, text, (size_t)(end - text));
        mlmbook_buf_puts(&items, "</a>");
        if (h == 3) mlmbook_buf_puts(&items, "</li>\n");
        if (h == 2) n++;
    }
    if (level == 3) mlmbook_buf_puts(&items, "</ol>");
    if (level) mlmbook_buf_puts(&items, "</li>\n");
    if (n >= 2) {
        mlmbook_buf_puts(b, "<nav class=\"page-toc\" aria-label=\"On this page\">\n"
                            "<p class=\"page-toc-title\" aria-hidden=\"true\">On this page</p>\n<ol>\n");
        mlmbook_buf_puts(b, items.data);
        mlmbook_buf_puts(b, "</ol>\n</nav>\n");
    }
    mlmbook_buf_free(&items);
}

char *mlmbook_page_chapter(const mlmbook_book *book, int i) {
    const mlmbook_chapter *ch = &book->chapters[i];
    mlmbook_buf b = {0};
    head(&b, ch->title, ch->summary, ch->src.nmath > 0, ch->has_widget);
    mlmbook_buf_puts(&b, "<div class=\"book-layout\">\n");
    toc(&b, book, i);
    mlmbook_buf_puts(&b, "<main id=\"content\" class=\"chapter\">\n<p class=\"chapter-part\">");
    mlmbook_part_label(&b, ch->part);
    mlmbook_buf_puts(&b, "</p>\n<h1>");
    chapter_link_text(&b, ch);
    mlmbook_buf_puts(&b, "</h1>\n");
    section_list(&b, ch->body);
    mlmbook_buf_puts(&b, ch->body);
    if (book->n > 1)
        mlmbook_buf_puts(&b, "<nav class=\"pager\" aria-label=\"Previous and next chapters\">\n");
    if (i > 0) {
        const mlmbook_chapter *p = &book->chapters[i - 1];
        mlmbook_buf_printf(&b, "<a class=\"pager-prev\" rel=\"prev\" href=\"%s.html\">"
                               "<span aria-hidden=\"true\">\xE2\x86\x90 </span>%d. ", p->slug, p->number);
        mlmbook_buf_escapes(&b, p->title);
        mlmbook_buf_puts(&b, "</a>\n");
    }
    if (i + 1 < book->n) {
        const mlmbook_chapter *n = &book->chapters[i + 1];
        mlmbook_buf_printf(&b, "<a class=\"pager-next\" rel=\"next\" href=\"%s.html\">%d. ", n->slug,
                           n->number);
        mlmbook_buf_escapes(&b, n->title);
        mlmbook_buf_puts(&b, "<span aria-hidden=\"true\"> \xE2\x86\x92</span></a>\n");
    }
    if (book->n > 1) mlmbook_buf_puts(&b, "</nav>\n");
    mlmbook_buf_puts(&b, "</main>\n</div>\n");
    foot(&b);
    return mlmbook_buf_detach(&b);
}

char *mlmbook_page_index(const mlmbook_book *book) {
    mlmbook_buf b = {0};
    head(&b, NULL,
         "A book that derives machine-learning algorithms from first principles and lets you "
         "watch each one train live in your browser.",
         0, 0);
    mlmbook_buf_puts(&b, "<main id=\"content\" class=\"index\">\n<h1>" BOOK_TITLE "</h1>\n"
                         "<p class=\"index-blurb\">Each chapter of this book takes one "
                         "machine-learning algorithm and derives it from first principles, one "
                         "step of mathematics at a time. Then it shows the C code that implements "
                         "it and runs that very code in your browser: change the learning rate, "
                         "move the data, press play, and watch the model learn, converge, or "
                         "fail, and see why.</p>\n");
    if (book->n) {
        const mlmbook_chapter *first = &book->chapters[0];
        mlmbook_buf_printf(&b, "<p class=\"index-start\"><a href=\"%s.html\">Start reading: %d. ",
                           first->slug, first->number);
        mlmbook_buf_escapes(&b, first->title);
        mlmbook_buf_puts(&b, "</a></p>\n");
    }
    int part = 0;
    for (int i = 0; i < book->n; i++) {
        const mlmbook_chapter *ch = &book->chapters[i];
        if (i == 0 || !same_part(ch, &book->chapters[i - 1])) {
            if (i) mlmbook_buf_puts(&b, "</ol>\n</section>\n");
            part++;
            mlmbook_buf_printf(&b, "<section class=\"index-part\" aria-labelledby=\"part-%d\">\n"
                                   "<h2 id=\"part-%d\">", part, part);
            mlmbook_part_label(&b, ch->part);
            mlmbook_buf_puts(&b, "</h2>\n<ol class=\"index-chapters\">\n");
        }
        mlmbook_buf_printf(&b, "<li><a href=\"%s.html\">", ch->slug);
        chapter_link_text(&b, ch);
        mlmbook_buf_puts(&b, "</a>");
        if (ch->summary) {
            mlmbook_buf_puts(&b, "<p class=\"index-summary\">");
            mlmbook_buf_escapes(&b, ch->summary);
            mlmbook_buf_puts(&b, "</p>");
        }
        mlmbook_buf_puts(&b, "</li>\n");
    }
    if (book->n) mlmbook_buf_puts(&b, "</ol>\n</section>\n");
    mlmbook_buf_puts(&b, "</main>\n");
    foot(&b);
    return mlmbook_buf_detach(&b);
}
