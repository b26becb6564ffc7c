// icons.mjs: draws the book's app icons, web/icon-192.png and web/icon-512.png, from web/icon.svg
// with Debian's Chromium (the browser the tests use). Run by hand after changing the SVG; the
// PNGs are committed, so the build needs no browser.  Usage: node scripts/icons.mjs
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const svg = fs.readFileSync(new URL('../web/icon.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<style>html,body{margin:0}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
    fs.writeFileSync(new URL(`../web/icon-${size}.png`, import.meta.url), await page.screenshot({ type: 'png' }));
    await page.close();
  }
} finally {
  await browser.close();
}
