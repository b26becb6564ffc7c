// further-reading.test.mjs: every chapter ends with the sources of the facts and figures it uses.
// The last h2 of chapters/NN-slug.md (outside code fences) must be "## Further reading", holding a
// list whose every item credits a work with a year (1600 to this century) and says, after a colon,
// what the chapter takes from it; nothing but the list follows the heading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'chapters');
const chapters = fs.readdirSync(dir).filter((f) => /^\d+-.+\.md$/.test(f)).sort();

// The chapter's lines with fenced code blanked (a "## " inside a code block is not a heading).
function prose(md) {
  const out = [];
  let fence = null;
  for (const line of md.split('\n')) {
    const m = line.match(/^\s{0,3}(`{3,}|~{3,})/);
    if (fence) { if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = null; out.push(''); continue; }
    if (m) { fence = m[1]; out.push(''); continue; }
    out.push(line);
  }
  return out;
}

// The items of the list under the last h2: [line number, text], or a reason it is not a list.
export function furtherReading(md) {
  const lines = prose(md);
  const h2 = lines.map((l, i) => [l, i]).filter(([l]) => /^##\s/.test(l));
  if (!h2.length) return { error: 'the chapter has no ## heading' };
  const [last, at] = h2[h2.length - 1];
  if (last.trim() !== '## Further reading') return { error: `its last section is "${last.trim()}", not "## Further reading"` };
  const items = [];
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim()) continue;
    if (/^[-*]\s+\S/.test(l)) items.push([i + 1, l.replace(/^[-*]\s+/, '')]);
    else if (/^\s{2,}\S/.test(l) && items.length) items[items.length - 1][1] += ` ${l.trim()}`;
    else return { error: `line ${i + 1} under "Further reading" is not part of its list: ${l.slice(0, 60)}` };
  }
  if (!items.length) return { error: '"Further reading" lists nothing' };
  return { items };
}

test('there are chapters to check', () => {
  assert.ok(chapters.length >= 25, `only ${chapters.length} chapters found in ${dir}`);
});

for (const f of chapters) {
  test(`${f} ends with its further reading`, () => {
    const r = furtherReading(fs.readFileSync(path.join(dir, f), 'utf8'));
    assert.ok(!r.error, `chapters/${f}: ${r.error}`);
    for (const [line, text] of r.items) {
      assert.match(text, /\b(1[6-9]\d\d|20\d\d)\b/, `chapters/${f}:${line}: an item without a year: ${text.slice(0, 80)}`);
      assert.match(text, /: \S.{3,}$/, `chapters/${f}:${line}: an item that does not say what the chapter uses it for (": ..." at its end)`);
    }
  });
}

test('the check itself refuses what it should', () => {
  assert.match(furtherReading('# T\n\n## A\n\ntext\n').error, /last section is "## A"/);
  assert.match(furtherReading('## A\n\n## Further reading\n\n').error, /lists nothing/);
  assert.match(furtherReading('## Further reading\n\n- X (1999): y z w v u t s r\n\n## Parameters\n').error, /last section is "## Parameters"/);
  assert.match(furtherReading('## Further reading\n\nSome prose.\n').error, /not part of its list/);
  // A heading inside a code fence is not the chapter's last section.
  assert.equal(furtherReading('## Further reading\n\n- A, *B* (2001): what it gives\n\n```c\n## not a heading\n```\n').items.length, 1);
  assert.match(furtherReading('## Further reading\n\n- A, *B* (2001): what it gives\n\n```c\n## x\n```\n\n## After\n').error, /"## After"/);
  assert.equal(furtherReading('## Further reading\n\n- A, *B* (2001): what it gives\n  and more\n').items.length, 1);
});
