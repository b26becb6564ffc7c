// check_tex.mjs: no built page shows raw TeX. Reads HTML pages and looks at the text a reader
// sees, outside math (KaTeX's spans, whose MathML annotation holds the TeX), code (code, pre),
// scripts and styles: within one block (paragraph, list item, heading, caption, cell) there must
// be no $...$ or $$ pair and no TeX command (\frac, \lambda, \( ...). A lone dollar (\$5 in the
// Markdown) is allowed. Usage: node check_tex.mjs PAGE.html...  Prints one line per finding,
// "page: excerpt", and exits 1 if there is any.
import { readFileSync } from "node:fs";

const SKIP = new Set(["script", "style", "code", "pre", "annotation", "math", "svg"]);
const BLOCK = new Set(["p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th",
  "tr", "table", "figcaption", "figure", "blockquote", "section", "nav", "header", "footer", "main",
  "body", "html", "head", "title", "dd", "dt", "dl", "br", "hr"]);
const VOID = new Set(["br", "hr", "img", "input", "meta", "link", "source", "col", "area", "wbr"]);
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", "#39": "'" };

function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

const PATTERNS = [
  [/\$\$/, "a $$ delimiter"],
  [/\$[^\s$](?:[^$]*[^\s$])?\$/, "a $...$ pair"],
  [/\\[A-Za-z]+/, "a TeX command"],
  [/\\[()[\]]/, "a \\( \\) \\[ \\] delimiter"],
];

// The findings in one page: [excerpt, what] for each block whose visible text holds raw TeX.
export function findRawTex(html) {
  const found = [];
  const stack = []; // open elements that hide their text (math, code, ...): their tag names
  let text = "";
  const flush = () => {
    for (const [re, what] of PATTERNS) {
      const m = re.exec(text);
      if (m) {
        const at = Math.max(0, m.index - 30);
        found.push([text.slice(at, m.index + m[0].length + 30).replace(/\s+/g, " ").trim(), what]);
        break;
      }
    }
    text = "";
  };
  const tag = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  let last = 0;
  let m;
  while ((m = tag.exec(html))) {
    if (!stack.length) text += decode(html.slice(last, m.index));
    last = tag.lastIndex;
    if (!m[2]) continue; // a comment
    const name = m[2].toLowerCase();
    const closing = m[1] === "/";
    const selfClosing = VOID.has(name) || /\/\s*$/.test(m[3]);
    if (stack.length) {
      // inside hidden content: only track nesting of the same kind of element
      if (!selfClosing && !closing) stack.push(name);
      else if (closing && stack[stack.length - 1] === name) stack.pop();
      continue;
    }
    if (BLOCK.has(name)) flush();
    if (closing || selfClosing) continue;
    const cls = /\sclass\s*=\s*"([^"]*)"/.exec(m[3]);
    if (SKIP.has(name) || (cls && /(^|\s)katex(\s|$|-display)/.test(cls[1]))) stack.push(name);
  }
  if (!stack.length) text += decode(html.slice(last));
  flush();
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let bad = 0;
  for (const page of process.argv.slice(2)) {
    for (const [excerpt, what] of findRawTex(readFileSync(page, "utf8"))) {
      console.log(`${page}: ${what} outside math: ${excerpt}`);
      bad++;
    }
  }
  process.exit(bad ? 1 : 0);
}
