// Browser test of the rendered book, the way a reader meets it: every page
// served over HTTP on 127.0.0.1 (a file:// check hides broken relative paths
// and search) and opened in headless Debian Chromium, driven by
// playwright-core (which never downloads a browser).
//
// For every page: no failed request, no console error, no uncaught
// exception; math rendered (KaTeX present on pages with math, no raw `$` or
// `$$` left in the text); every <img> loaded with a non-zero natural size;
// every internal link (and its #fragment) resolves; at phone width no
// element of the text runs past the screen's right edge unless it sits in a
// box that scrolls sideways (mdBook clips the page itself, so a too-wide
// equation would otherwise be cut off silently). Then the search box must find
// "coding rate" and "soft threshold" and land on their chapters. A PNG of
// each page at desktop and phone width goes to the screenshot directory.
//
// Usage: node check-book.mjs [BOOK_DIR] [SCREENSHOT_DIR]
// (defaults: target/book, target/book-screenshots; CHROMIUM overrides
// /usr/bin/chromium). Exits 1 naming each page and what failed.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(process.argv[2] ?? "target/book");
const shots = path.resolve(process.argv[3] ?? "target/book-screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

// Pages a reader reads; print.html is every chapter again on one page
// (checked, not photographed), toc.html is the sidebar's frame.
const SKIP_SHOTS = new Set(["print.html", "toc.html", "404.html"]);
// Pages that must show rendered math.
const MATH_PAGES = /^chapter-0\d\.html$/;
// The searches a reader would try, and the page each must land on.
const SEARCHES = [
  ["coding rate", "chapter-04.html"],
  ["soft threshold", "chapter-02.html"],
];
const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
};

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".txt": "text/plain",
};

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end("not found");
        return;
      }
      const type = MIME[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { "Content-Type": type }).end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const failures = [];
let width = "";
const fail = (page, what) => failures.push(`${page} (${width}): ${what}`);

/// What the page shows, read in the browser.
function inspect() {
  const text = [];
  const walker = document.createTreeWalker(document.querySelector("main") ?? document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) =>
      n.parentElement.closest("pre, code, script, style, .katex, .katex-display")
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) text.push(walker.currentNode.textContent);
  const images = [...document.images].map((img) => ({
    src: img.getAttribute("src"),
    ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
  }));
  const links = [...document.querySelectorAll("a[href]")].map((a) => a.href);
  return {
    katex: document.querySelectorAll(".katex").length,
    dollars: text.filter((t) => t.includes("$")).map((t) => t.trim().slice(0, 80)),
    images,
    links,
    ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
  };
}

/// Elements of the text that end past the viewport's right edge without a
/// sideways-scrolling box around them (read in the browser).
function clipped() {
  const main = document.querySelector("main");
  if (!main) return [];
  const scrolls = (el) => {
    for (let a = el.parentElement; a && a !== main.parentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === "auto" || o === "scroll") return true;
    }
    return false;
  };
  const limit = window.innerWidth + 1;
  const out = [];
  for (const el of main.querySelectorAll("p, li, h1, h2, h3, h4, img, svg, table, pre, blockquote, .katex")) {
    if (el.closest(".katex") && !el.classList.contains("katex")) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > limit && !scrolls(el)) {
      out.push(`${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ")[0] : ""} "${el.textContent.trim().slice(0, 50)}" ends at ${Math.round(r.right)}px`);
    }
  }
  return out;
}

/// The element ids of each internal page, for #fragment links.
const idsOf = new Map();

async function checkPage(context, base, name) {
  const page = await context.newPage();
  page.on("console", (m) => {
    // Chromium asks for /favicon.ico of a page without an icon link
    // (toc.html, the sidebar's frame); a reader never opens that page.
    if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) {
      fail(name, `console error: ${m.text()} (${m.location().url})`);
    }
  });
  page.on("pageerror", (e) => fail(name, `uncaught exception: ${e.message}`));
  page.on("requestfailed", (r) => fail(name, `request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) fail(name, `HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(`${base}/${name}`, { waitUntil: "load" });
  await page.evaluate(() => document.fonts.ready);
  const seen = await page.evaluate(inspect);
  idsOf.set(name, new Set(seen.ids));
  if (MATH_PAGES.test(name) && seen.katex === 0) fail(name, "no rendered math (no .katex element)");
  for (const d of seen.dollars) fail(name, `raw $ left in the text: "${d}"`);
  for (const img of seen.images) if (!img.ok) fail(name, `image did not load: ${img.src}`);
  return { page, links: seen.links };
}

async function checkLinks(base, name, links) {
  for (const href of links) {
    const url = new URL(href);
    if (url.origin !== new URL(base).origin) continue;
    const target = url.pathname.replace(/^\//, "") || "index.html";
    const file = path.join(root, decodeURIComponent(target));
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      fail(name, `broken link: ${url.pathname}`);
      continue;
    }
    const fragment = decodeURIComponent(url.hash.replace(/^#/, ""));
    // 404.html has <base href="/"> (it is served at any missing URL), so its
    // own heading anchor reads as index.html#...; not a link a reader follows.
    if (fragment && target.endsWith(".html") && name !== "404.html") {
      const ids = idsOf.get(target);
      if (ids && !ids.has(fragment)) fail(name, `link to a missing anchor: ${url.pathname}#${fragment}`);
    }
  }
}

async function checkSearch(context, base) {
  for (const [query, want] of SEARCHES) {
    const page = await context.newPage();
    page.on("pageerror", (e) => fail("search", `uncaught exception: ${e.message}`));
    await page.goto(`${base}/index.html`, { waitUntil: "load" });
    await page.click("#mdbook-search-toggle");
    // The search index loads on the first toggle; typing before it is in
    // would search nothing.
    await page.waitForLoadState("networkidle");
    // Typed key by key: mdBook searches on keyup.
    await page.locator("#mdbook-searchbar").pressSequentially(query, { delay: 20 });
    const results = page.locator("#mdbook-searchresults a");
    try {
      await results.first().waitFor({ timeout: 10000 });
    } catch {
      fail("search", `"${query}" found nothing`);
      await page.close();
      continue;
    }
    const hrefs = await results.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    const rank = hrefs.findIndex((h) => h.split(/[?#]/)[0].endsWith(want));
    if (rank < 0 || rank > 2) {
      fail("search", `"${query}": ${want} is not among the first three results (${hrefs.slice(0, 3).join(", ")})`);
    } else {
      await results.nth(rank).click();
      await page.waitForLoadState("load");
      const landed = new URL(page.url()).pathname;
      if (!landed.endsWith(want)) fail("search", `"${query}": clicking the result landed on ${landed}, not ${want}`);
    }
    await page.close();
  }
}

async function main() {
  const pages = fs.readdirSync(root).filter((f) => f.endsWith(".html")).sort();
  if (pages.length === 0) throw new Error(`no HTML pages in ${root}; run cargo xtask book first`);
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath,
    // playwright-core adds --headless and --no-sandbox (as root) and gives
    // every launch a fresh, empty profile directory.
    args: [
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  try {
    const links = new Map();
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      width = label;
      const context = await browser.newContext({ viewport });
      for (const name of pages) {
        const { page, links: found } = await checkPage(context, base, name);
        if (label === "desktop") links.set(name, found);
        if (label === "phone" && !SKIP_SHOTS.has(name)) {
          for (const c of await page.evaluate(clipped)) fail(name, `cut off at the right edge: ${c}`);
        }
        if (!SKIP_SHOTS.has(name)) {
          await page.screenshot({ path: path.join(shots, `${name.replace(/\.html$/, "")}-${label}.png`), fullPage: true });
        }
        await page.close();
      }
      if (label === "desktop") await checkSearch(context, base);
      await context.close();
    }
    width = "links";
    for (const [name, found] of links) await checkLinks(base, name, found);
  } finally {
    await browser.close();
    server.close();
  }
  report();
  console.log(`book browser test: ${pages.length} pages passed at desktop and phone width; screenshots in ${shots}`);
}

/// Prints the problems found and exits 1 if there are any.
function report() {
  if (failures.length > 0) {
    console.error(`book browser test: ${failures.length} problem(s)`);
    for (const f of [...new Set(failures)]) console.error(`  ${f}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`book browser test failed to run: ${e.message}`);
  report();
  process.exit(1);
});
