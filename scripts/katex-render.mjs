// katex-render.mjs: renders all of the book's math in one Node process (starting Node once per
// expression would cost ~160 ms each). The generator (scripts/generator/katex.c) writes every
// expression to stdin and reads every result from stdout, framed by byte lengths because TeX is
// full of backslashes and newlines:
//   in:  "D <bytes>\n<tex>" (display) or "I <bytes>\n<tex>" (inline), repeated
//   out: "OK <bytes>\n<html>" or "ERR <line> <bytes>\n<message>", one per expression, in order,
//        where <line> counts the newlines in the TeX before the error (0: its first line).
import { readFileSync } from 'node:fs';
import katex from 'katex';

// Bad TeX must fail the build, not render in red or warn on a console nobody reads: every
// LaTeX incompatibility is an error, except `\\` in display math, which KaTeX breaks the line
// on (as authors expect) and LaTeX ignores.
const strict = (code) => (code === 'newLineInDisplayMode' ? 'ignore' : 'error');

const input = readFileSync(0);
const out = [];
let pos = 0;
while (pos < input.length) {
  const nl = input.indexOf(10, pos);
  if (nl < 0) throw new Error(`katex-render: truncated header at byte ${pos}`);
  const header = input.toString('latin1', pos, nl);
  const m = /^([DI]) (\d+)$/.exec(header);
  if (!m) throw new Error(`katex-render: bad header '${header}'`);
  const end = nl + 1 + Number(m[2]);
  if (end > input.length) throw new Error('katex-render: truncated expression');
  const tex = input.toString('utf8', nl + 1, end);
  pos = end;
  let body;
  let head;
  try {
    const html = katex.renderToString(tex, {
      displayMode: m[1] === 'D',
      throwOnError: true,
      output: 'htmlAndMathml', // the MathML is what screen readers read
      strict,
    });
    // HTML parsers put <math> in the MathML namespace by themselves; dropping the attribute keeps
    // the pages free of any outside address, which a test can then check without exceptions.
    body = Buffer.from(html.replaceAll(' xmlns="http://www.w3.org/1998/Math/MathML"', ''), 'utf8');
    head = `OK ${body.length}\n`;
  } catch (e) {
    const message = e instanceof katex.ParseError ? e.rawMessage : String(e && e.message || e);
    const at = typeof e.position === 'number' ? e.position : 0;
    const line = tex.slice(0, at).split('\n').length - 1;
    body = Buffer.from(message.replace(/\s+/g, ' '), 'utf8');
    head = `ERR ${line} ${body.length}\n`;
  }
  out.push(Buffer.from(head, 'latin1'), body);
}
process.stdout.write(Buffer.concat(out));
