// The status page in a real browser (Debian's chromium through playwright-core), against the HTML
// contract of issue 15: a 90-day history seeded through the daemon's own store, `vigil simulate`
// and `vigil run` on a demo-like config, an incident made during the test. Without JavaScript
// every view shows its content; the page agrees with the JSON API; badges are well-formed SVG;
// axe finds nothing serious in light or dark; nothing is fetched from beyond 127.0.0.1, nothing
// logs an error, no secret appears anywhere; screenshots go to the artifacts directory.
//
//   node --test tests/browser/status_page.test.mjs   (ctest: Browser.StatusPage)
// Paths: VIGIL_BINARY, VIGIL_SEED_HISTORY, VIGIL_BROWSER_ARTIFACTS (or --vigil, --seed,
// --artifacts after the file name); VIGIL_UPDATE_SCREENSHOT=1 also writes docs/status-page.png.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

let chromium;
let AxeBuilder;
try {
  ({ chromium } = await import('playwright-core'));
  ({ AxeBuilder } = await import('@axe-core/playwright'));
} catch (e) {
  throw new Error(`tests/browser needs its packages: (cd tests/browser && npm ci) — scripts/install-node-deps.sh does it (${e.message})`);
}

// Everything this file starts is stopped by then, whatever hangs: under ctest's 300 s.
const kDeadlineMs = 280_000;
setTimeout(async () => {
  console.error(`status_page.test: over ${kDeadlineMs / 1000} s, stopping everything`);
  await h.stopAll();
  process.exit(1);
}, kDeadlineMs).unref();

const kStates = ['up', 'degraded', 'down', 'maintenance', 'unknown'];
const kCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";
const kOutagesPerProvider = 12;  // 60 seeded incidents: the incident list needs a second page

const s = {
  canary: `canary-${crypto.randomBytes(12).toString('hex')}`,
  key: `key-${crypto.randomBytes(12).toString('hex')}`,
  offsite: [],        // requests the browser tried beyond 127.0.0.1
  requests: 0,        // requests the browser made
  consoleErrors: [],  // console errors and page errors, with the page they came from
  html: [],           // every view's HTML as served
  expected404: new Set(),  // URLs the test opens expecting a 404
};

const api = (p) => h.getJson(s.daemon.url + p);
const views = () => ['/', ...h.kProviders.map((p) => `/providers/${p}`), '/incidents'];
const viewName = (v) => (v === '/' ? 'overview' : v.slice(1).replaceAll('/', '-'));

async function newContext(options) {
  const ctx = await s.browser.newContext(options);
  ctx.setDefaultTimeout(3_000);  // a served page is complete: an element missing now stays missing
  await ctx.route('**/*', (route) => {
    const url = new URL(route.request().url());
    s.requests += 1;
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
      s.offsite.push(url.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  ctx.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The one page this test asks for as a 404: the browser logs its status, as it should.
      if (s.expected404.has(page.url()) && /status of 404/.test(m.text())) return;
      s.consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => s.consoleErrors.push(`${page.url()}: ${e.message}`));
  });
  return ctx;
}

// Opens `view` in `ctx`; keeps its HTML (and writes it to the artifacts for a failing run).
async function open(ctx, view, expectStatus = 200) {
  const page = await ctx.newPage();
  if (expectStatus === 404) s.expected404.add(s.daemon.url + view);
  const res = await page.goto(s.daemon.url + view, { waitUntil: 'load', timeout: 20_000 });
  assert.equal(res.status(), expectStatus, `GET ${view}`);
  const html = await res.text();
  s.html.push({ view, html });
  fs.writeFileSync(path.join(s.htmlDir, `${viewName(view.replace(/[?&=]/g, '-'))}.html`), html);
  return { page, res, html };
}

const squash = (t) => (t ?? '').replace(/\s+/g, ' ').trim();
const text = async (loc) => squash(await loc.textContent());
// A table row's text, cell by cell ("Credential | 2026-12-13 | 5 days left").
const rowText = async (loc) => (await loc.locator('th, td').allTextContents()).map(squash).join(' | ');

// The contract's policy, or a stricter one: its directives as they are, any other fetch
// directive 'none', other directives (form-action, base-uri, frame-ancestors...) only restrict.
function assertCsp(header, what) {
  const got = new Map((header ?? '').split(';').map((d) => d.trim()).filter(Boolean)
    .map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')]));
  for (const d of kCsp.split('; ')) {
    const [name, ...value] = d.split(' ');
    assert.equal(got.get(name), value.join(' '), `${what}: CSP ${name} in "${header}"`);
    got.delete(name);
  }
  for (const [name, value] of got) {
    if (name.endsWith('-src')) assert.equal(value, "'none'", `${what}: CSP ${name} ${value} loosens the contract's policy`);
  }
}

function percentOf(str) {
  const m = /(\d+(?:\.\d+)?)\s*%/.exec(str);
  return m ? Number(m[1]) : null;
}

// A rendered uptime against the API's share (0..1, or null): within rounding, or "—" for null.
function assertUptime(shown, share, what) {
  if (share === null || share === undefined) {
    assert.match(shown, /—|no data/, `${what}: no data in the API, shown "${shown}"`);
    return;
  }
  const pct = percentOf(shown);
  assert.notEqual(pct, null, `${what}: "${shown}" holds no percentage (API ${share})`);
  assert.ok(Math.abs(pct - share * 100) <= 0.011, `${what}: shown ${pct}%, API ${(share * 100).toFixed(4)}%`);
}

const number = (n) => [String(n), n.toLocaleString('en-US')];

before(async () => {
  for (const [what, file, hint] of [['vigil', h.paths.vigil, 'build it'], ['the seeding tool', h.paths.seed, 'build vigil_seed_history'],
    ['chromium', h.paths.chromium, 'sudo scripts/install-deps.sh']]) {
    assert.ok(fs.existsSync(file), `${what} is not at ${file}: ${hint}`);
  }
  fs.mkdirSync(h.paths.artifacts, { recursive: true });
  for (const f of fs.readdirSync(h.paths.artifacts)) {
    if (f.endsWith('.png')) fs.rmSync(path.join(h.paths.artifacts, f));
  }
  s.htmlDir = path.join(h.paths.artifacts, 'html');
  fs.mkdirSync(s.htmlDir, { recursive: true });
  s.dir = h.makeTempDir();
  const db = path.join(s.dir, 'history.db');
  const checks = Object.entries(h.kSeeded).flatMap(([p, cs]) => cs.map((c) => `${p}/${c}`));
  s.seeded = h.seedHistory(db, checks, ['--days', '90', '--every', '10m', '--outages', String(kOutagesPerProvider),
    '--failure-threshold', '2', '--success-threshold', '2']);
  s.sim = await h.startSimulator({ '/openai': 'ratelimited?retry_after=2', '/sendgrid': 'error?code=503' });
  s.echo = await h.startEchoProvider();
  s.now = Date.now();
  const config = h.writeConfig(s.dir, { db, sim: s.sim.url, echo: s.echo.url, now: s.now });
  fs.copyFileSync(config, path.join(h.paths.artifacts, 'vigil.yaml'));
  s.daemon = await h.startDaemon(config, { VIGIL_BROWSER_CANARY: s.canary, VIGIL_BROWSER_KEY: s.key });
  s.browser = await chromium.launch({ executablePath: h.paths.chromium, timeout: 60_000 });
  s.noJs = await newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await s.browser?.close().catch(() => {});
  await h.stopAll();
  await s.echo?.close();
  for (const [name, child] of [['vigil-run.log', s.daemon], ['vigil-simulate.log', s.sim]]) {
    if (child) fs.writeFileSync(path.join(h.paths.artifacts, name), child.stderr);
  }
  if (s.dir) fs.rmSync(s.dir, { recursive: true, force: true });
});

const kSettled = { stripe: 'up', adyen: 'up', okta: 'up', openai: 'degraded', sendgrid: 'maintenance', relay: 'down' };

test('the daemon comes up on the seeded history and every provider settles', { timeout: 90_000 }, async () => {
  assert.equal(s.seeded.outages.length, Object.keys(h.kSeeded).length * kOutagesPerProvider);
  assert.equal(s.seeded.incidents, s.seeded.outages.length);
  s.views = await h.waitFor('every provider in its expected state', async () => {
    const got = {};
    for (const p of h.kProviders) got[p] = await api(`/api/v1/providers/${p}`);
    const wrong = h.kProviders.filter((p) => got[p].state !== kSettled[p]);
    if (wrong.length) throw new Error(wrong.map((p) => `${p} is ${got[p].state}`).join(', '));
    if (!got.openai.quota.budgets.length) throw new Error('openai has no budget yet');
    if (!got.okta.credentials) throw new Error('okta has no credential expiry yet');
    return got;
  }, 60_000);
  assert.equal(s.views.sendgrid.maintenance.health, 'down', 'sendgrid fails inside its window');
  assert.equal(s.views.okta.credentials.days_left, 5);
  const inc = await api('/api/v1/incidents?provider=stripe&limit=100');
  assert.ok(inc.incidents.length >= kOutagesPerProvider, `stripe has ${inc.incidents.length} incidents`);
  assert.ok(inc.incidents.every((i) => i.reasons.length > 0), 'every seeded incident has its reasons');
  assert.ok(s.echo.seen.some((hd) => hd['x-canary'] === s.canary), 'the relay got the canary header');
});

test('every view renders its content without JavaScript, as the contract says', { timeout: 60_000 }, async () => {
  for (const view of views()) {
    const { page, res, html } = await open(s.noJs, view);
    assert.match(res.headers()['content-type'], /^text\/html/, view);
    assertCsp(res.headers()['content-security-policy'], view);
    assert.match(html, /^<!doctype html>/i, `${view}: doctype`);
    assert.match(html, /<html lang="en"/, `${view}: lang`);
    assert.doesNotMatch(html, /<script/i, `${view}: no scripts`);
    assert.equal((html.match(/<style[\s>]/g) ?? []).length, 1, `${view}: one inline stylesheet`);
    assert.equal(await page.locator('main').count(), 1, `${view}: one <main>`);
    assert.equal(await page.locator('h1').count(), 1, `${view}: one <h1>`);
    assert.ok(await page.locator('header').count() >= 1, `${view}: a <header>`);
    assert.ok(await page.locator('footer').count() >= 1, `${view}: a <footer>`);
    assert.ok((await text(page.locator('main'))).length > 20, `${view}: <main> has content`);
    for (const src of await page.locator('img').evaluateAll((els) => els.map((e) => e.getAttribute('src')))) {
      assert.match(src, /^\/badge\//, `${view}: images are badges of this page at most`);
    }
    for (const href of await page.locator('[href]').evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      assert.doesNotMatch(href, /^(?:[a-z]+:)?\/\//i, `${view}: links stay on this page's origin (${href})`);
    }
    await page.close();
  }
  const { page } = await open(s.noJs, '/providers/no-such-provider', 404);
  assert.equal(await page.locator('h1').count(), 1, 'the 404 page is a page');
  await page.close();
});

test('the overview: groups, states, 90 days of bars, uptime, maintenance', { timeout: 60_000 }, async () => {
  const { page } = await open(s.noJs, '/');
  const list = (await api('/api/v1/providers')).providers;
  assert.equal(await page.locator('article.provider').count(), list.length);
  for (const p of list) {
    const view = await api(`/api/v1/providers/${p.name}`);
    const card = page.locator(`article.provider[data-provider="${p.name}"]`);
    assert.equal(await card.count(), 1, p.name);
    assert.equal(await card.getAttribute('data-state'), view.state, `${p.name}: data-state`);
    assert.equal(await text(card.locator('span.state')), view.state, `${p.name}: state text`);
    assert.equal(await text(card.locator(`a[href="/providers/${p.name}"]`)), p.title, `${p.name}: title link`);
    const group = page.locator('section.group', { has: card });
    assert.equal(await text(group.locator('h2')), p.tags[0] ?? 'Providers', `${p.name}: grouped by its first tag`);
    assert.equal(await group.getAttribute('aria-labelledby'), await group.locator('h2').getAttribute('id'));

    const days = card.locator('svg.days[role="img"] rect.day');
    assert.equal(await days.count(), 90, `${p.name}: 90 day bars`);
    assert.ok((await card.locator('svg.days').getAttribute('aria-label'))?.length > 0, `${p.name}: bars labelled`);
    const bars = await days.evaluateAll((els) => els.map((e) => ({
      cls: [...e.classList].filter((c) => c !== 'day'), title: e.querySelector('title')?.textContent ?? '' })));
    const dates = bars.map((b) => b.title.slice(0, 10));
    for (const b of bars) {
      assert.equal(b.cls.length, 1, `${p.name}: one state per bar (${b.cls})`);
      assert.ok(['up', 'degraded', 'down', 'maintenance', 'none'].includes(b.cls[0]), `${p.name}: bar state ${b.cls}`);
      assert.match(b.title, /^\d{4}-\d{2}-\d{2}: /, `${p.name}: bar title "${b.title}"`);
      if (b.cls[0] === 'none') assert.match(b.title, /no data/, `${p.name}: an empty day says so`);
    }
    for (let i = 1; i < dates.length; ++i) {
      assert.equal(Date.parse(dates[i]) - Date.parse(dates[i - 1]), 86_400_000, `${p.name}: consecutive days, oldest first`);
    }
    assert.ok(Math.abs(Date.parse(dates[89]) - Date.parse(new Date().toISOString().slice(0, 10))) <= 86_400_000,
      `${p.name}: the last bar is today (${dates[89]})`);
    // Every incident on the day it started: that bar at least as bad, its title counting it.
    const incidents = (await api(`/api/v1/incidents?provider=${p.name}&limit=1000`)).incidents;
    for (const inc of incidents) {
      const bar = bars[dates.indexOf(inc.started.slice(0, 10))];
      if (!bar) continue;  // before the first bar
      const ok = inc.state === 'down' ? ['down'] : ['degraded', 'down'];
      assert.ok(ok.includes(bar.cls[0]), `${p.name}: a ${inc.state} incident began ${inc.started}, its bar is ${bar.cls[0]}`);
      assert.match(bar.title, /[1-9]\d* incidents?/, `${p.name}: ${inc.started}'s bar counts its incident ("${bar.title}")`);
    }
    if (h.kSeeded[p.name]) {
      assert.ok(incidents.length >= kOutagesPerProvider, `${p.name}: ${incidents.length} incidents, ${kOutagesPerProvider} seeded`);
      assert.equal(bars.filter((b) => b.cls[0] === 'none').length, 0, `${p.name}: seeded days all have data`);
      assert.ok(bars.filter((b) => b.cls[0] === 'up').length >= 90 - 2 * kOutagesPerProvider - 1, `${p.name}: mostly up days`);
    } else {
      assert.ok(bars.slice(0, 89).every((b) => b.cls[0] === 'none'), `${p.name}: no history before today`);
    }
    for (const w of ['24h', '30d', '90d']) {
      assertUptime(await text(card.locator(`dl.uptime dd[data-window="${w}"]`)), view.uptime[w], `${p.name} ${w}`);
    }
    const spark = await card.locator('svg.spark[role="img"]').getAttribute('aria-label');
    assert.ok(spark?.startsWith('p95 latency, last 24 hours'), `${p.name}: sparkline labelled "${spark}"`);
  }
  const sendgrid = page.locator('article.provider[data-provider="sendgrid"]');
  assert.equal(await sendgrid.getAttribute('data-state'), 'maintenance');
  assert.ok(!(await sendgrid.locator('span.state').allTextContents()).some((t) => t.trim() === 'down'),
    'sendgrid fails in its window but is shown in maintenance, not down');
  const banner = page.locator('section.banner.maintenance[aria-label="Maintenance"] li[data-provider="sendgrid"]');
  assert.equal(await banner.count(), 1, 'the maintenance banner names sendgrid');
  assert.match(await text(banner), /ongoing/);
  assert.equal(await page.locator('div.banner.offline').count(), 0, 'the monitor is not offline');
  await page.close();
});

test('provider pages: checks, latency, uptime, incidents with their reasons', { timeout: 60_000 }, async () => {
  for (const name of h.kProviders) {
    const { page } = await open(s.noJs, `/providers/${name}`);
    const view = await api(`/api/v1/providers/${name}`);
    const h1 = await text(page.locator('h1'));
    assert.ok(h1.includes(view.title), `${name}: h1 "${h1}" holds the title "${view.title}"`);
    assert.equal(await text(page.locator('h1 span.state')), view.state, `${name}: h1 state`);
    assert.equal(await page.locator(`article[data-provider="${name}"]`).first().getAttribute('data-state'), view.state);
    const checks = page.locator('section#checks article.check');
    assert.equal(await checks.count(), view.checks.length, `${name}: one article per check`);
    for (const c of view.checks) {
      const el = page.locator(`section#checks article.check[data-check="${c.name}"]`);
      assert.equal(await el.getAttribute('data-state'), c.state, `${name}/${c.name}: state`);
      for (const f of c.last_result?.findings ?? []) {
        assert.ok(await el.locator(`li.finding[data-kind="${f.kind}"]`).count() >= 1, `${name}/${c.name}: finding ${f.kind}`);
      }
    }
    assert.equal(await page.locator('section#latency svg.chart[role="img"]').count(), 2 * view.checks.length,
      `${name}: a 24-hour and a 7-day chart per check`);
    for (const w of ['24h', '7d', '30d', '90d']) {
      assertUptime(await text(page.locator(`section#uptime dd[data-window="${w}"]`)), view.uptime[w], `${name} ${w}`);
    }
    const incidents = (await api(`/api/v1/incidents?provider=${name}&limit=100`)).incidents;
    const rows = page.locator('section#incidents tr.incident');
    const shown = await rows.count();
    assert.ok(shown >= Math.min(incidents.length, 10) && shown <= incidents.length,
      `${name}: ${shown} incident rows, ${incidents.length} in the API`);
    for (let i = 0; i < shown; ++i) {
      const row = await text(rows.nth(i));
      const inc = incidents[i];
      if (inc.ongoing) assert.match(row, /ongoing/, `${name}: incident ${inc.id} is ongoing`);
      for (const r of inc.reasons) assert.ok(row.includes(r.message), `${name}: row ${i} lacks reason "${r.message}": ${row}`);
    }
    if (name === 'relay') {
      const pre = await text(page.locator('section#checks article.check pre'));
      assert.match(pre, /relay unavailable/, 'the failing answer is shown');
      assert.ok(!pre.includes(s.canary) && pre.includes('***'), `the echoed secret is redacted: ${pre}`);
    }
    await page.close();
  }
});

test('a quota budget and an expiry show with their numbers', { timeout: 30_000 }, async () => {
  const openai = await api('/api/v1/providers/openai');
  let { page } = await open(s.noJs, '/providers/openai');
  assert.ok(openai.quota.budgets.length > 0);
  for (const b of openai.quota.budgets) {
    const row = page.locator(`section#quota tr.budget[data-budget="${b.dimension}"]`);
    assert.equal(await row.count(), 1, `budget ${b.dimension}`);
    const t = await rowText(row);
    assert.ok(number(b.remaining).some((r) => number(b.limit).some((l) => t.includes(`${r} of ${l}`))),
      `budget ${b.dimension}: "${b.remaining} of ${b.limit}" in "${t}"`);
    assert.equal(await row.locator('meter').count(), 1, `budget ${b.dimension}: a meter`);
  }
  await page.close();
  const okta = await api('/api/v1/providers/okta');
  ({ page } = await open(s.noJs, '/providers/okta'));
  const row = page.locator('section#expiries tr.expiry[data-kind="credential"]');
  assert.equal(await row.count(), 1, 'the key expiry');
  assert.match(await rowText(row), new RegExp(`\\b${okta.credentials.days_left} days left`));
  await page.close();
  ({ page } = await open(s.noJs, '/providers/adyen'));
  assert.equal(await page.locator('section#expiries').count(), 0, 'no expiries section without expiries');
  await page.close();
});

// Parses SVG text in the browser as image/svg+xml; what a renderer of the badge would see.
async function parseSvg(page, svg) {
  return page.evaluate((src) => {
    const doc = new DOMParser().parseFromString(src, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.getElementsByTagName('parsererror').length > 0,
      root: root.localName, ns: root.namespaceURI,
      title: root.getElementsByTagName('title')[0]?.textContent ?? null,
      text: [...root.getElementsByTagName('text')].map((t) => t.textContent).join(' '),
    };
  }, svg);
}

test('badges are well-formed SVG and say what the API says', { timeout: 60_000 }, async () => {
  const ctx = await newContext({ javaScriptEnabled: true });
  const page = await ctx.newPage();
  for (const name of h.kProviders) {
    const badge = await h.call(`${s.daemon.url}/badge/${name}.svg`);
    const { state, uptime } = await api(`/api/v1/providers/${name}`);
    assert.equal(badge.status, 200, `${name}: status badge`);
    assert.match(badge.headers.get('content-type'), /^image\/svg\+xml/);
    assert.match(badge.headers.get('cache-control') ?? '', /max-age=\d+/);
    const svg = await parseSvg(page, badge.text);
    assert.deepEqual([svg.error, svg.root, svg.ns], [false, 'svg', 'http://www.w3.org/2000/svg'], `${name}: ${badge.text}`);
    assert.ok(svg.title, `${name}: a <title>`);
    const words = kStates.filter((st) => new RegExp(`\\b${st}\\b`).test(svg.text));
    assert.deepEqual(words, [state], `${name}: the badge says ${words}, the API ${state}`);

    const up = await h.call(`${s.daemon.url}/badge/${name}/uptime.svg?window=30d`);
    assert.equal(up.status, 200, `${name}: uptime badge`);
    const upSvg = await parseSvg(page, up.text);
    assert.deepEqual([upSvg.error, upSvg.root], [false, 'svg'], `${name}: ${up.text}`);
    if (uptime['30d'] !== null) assertUptime(upSvg.text, uptime['30d'], `${name} uptime badge`);
    const byDefault = await parseSvg(page, (await h.call(`${s.daemon.url}/badge/${name}/uptime.svg`)).text);
    assert.equal(percentOf(byDefault.text), percentOf(upSvg.text), `${name}: the default window is 30d`);
  }
  const unknown = await h.call(`${s.daemon.url}/badge/no-such-provider.svg`);
  assert.equal(unknown.status, 404);
  const svg = await parseSvg(page, unknown.text);
  assert.deepEqual([svg.error, svg.root], [false, 'svg']);
  assert.match(svg.text, /\bunknown\b/);
  await ctx.close();
});

test('the incident history: newest first, 50 a page, filtered by provider', { timeout: 60_000 }, async () => {
  const all = (await api('/api/v1/incidents?limit=1000')).incidents;
  assert.ok(all.length > 50, `${all.length} incidents: enough for a second page`);
  let { page } = await open(s.noJs, '/incidents');
  const select = page.locator('form[method="get"][role="search"] select[name="provider"]');
  assert.equal(await select.count(), 1, 'a provider filter');
  assert.ok(await select.evaluate((el) => el.labels.length > 0 || !!el.getAttribute('aria-label')), 'the filter is labelled');
  const options = await select.locator('option').evaluateAll((els) => els.map((e) => e.value));
  for (const p of h.kProviders) assert.ok(options.includes(p), `the filter offers ${p}`);
  const shownProviders = async (pg) => pg.locator('table#incident-list tr.incident')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-provider')));
  assert.deepEqual(await shownProviders(page), all.slice(0, 50).map((i) => i.provider), 'page 1 is the newest 50');
  assert.equal(await page.locator('a[rel="prev"]').count(), 0);
  const next = await page.locator('a[rel="next"]').getAttribute('href');
  await page.close();
  ({ page } = await open(s.noJs, next.startsWith('/') ? next : `/incidents${next}`));
  assert.deepEqual(await shownProviders(page), all.slice(50, 100).map((i) => i.provider), 'page 2 the next ones');
  assert.equal(await page.locator('a[rel="prev"]').count(), 1);
  await page.close();
  ({ page } = await open(s.noJs, '/incidents?provider=okta'));
  const okta = all.filter((i) => i.provider === 'okta');
  assert.deepEqual(await shownProviders(page), okta.slice(0, 50).map(() => 'okta'), 'only okta, all of them');
  await page.close();
});

test('an incident made now: down with its reasons on the provider page and /incidents, impact shown', { timeout: 60_000 }, async () => {
  const set = await h.call(`${s.sim.url}/_sim/scenario?path=/stripe&scenario=error&code=500`, { method: 'POST', record: false });
  assert.equal(set.status, 200, set.text);
  const view = await h.waitFor('stripe down', async () => {
    const v = await api('/api/v1/providers/stripe');
    return v.state === 'down' ? v : null;
  }, 30_000);
  assert.equal(view.recommended, 'adyen', 'the API recommends the fallback');
  assert.ok(view.reasons.length > 0);
  const incident = await h.waitFor('an ongoing stripe incident', async () => {
    const list = (await api('/api/v1/incidents?provider=stripe&limit=1')).incidents;
    return list[0]?.ongoing ? list[0] : null;
  }, 10_000);
  const reason = incident.reasons[0].message;
  assert.match(reason, /500/);

  let { page } = await open(s.noJs, '/providers/stripe');
  assert.equal(await text(page.locator('h1 span.state')), 'down');
  const first = await text(page.locator('section#incidents tr.incident').first());
  assert.match(first, /ongoing/);
  assert.ok(first.includes(reason), `the provider page's newest incident gives "${reason}": ${first}`);
  await page.close();
  ({ page } = await open(s.noJs, '/incidents'));
  const row = page.locator('table#incident-list tr.incident').first();
  assert.equal(await row.getAttribute('data-provider'), 'stripe', 'the newest incident heads the list');
  assert.ok((await text(row)).includes(reason), `/incidents gives "${reason}"`);
  await page.close();
  ({ page } = await open(s.noJs, '/'));
  const card = page.locator('article.provider[data-provider="stripe"]');
  assert.equal(await card.getAttribute('data-state'), 'down');
  assert.match(await text(card.locator('span.recommended')), /use adyen/);
  await page.close();
  const badge = await h.call(`${s.daemon.url}/badge/stripe.svg`);
  assert.match(badge.text, />\s*down\s*</, 'the badge says down');

  // Okta, which stripe depends on, goes down too: stripe is shown as impacted by it.
  await h.call(`${s.sim.url}/_sim/scenario?path=/okta&scenario=error&code=502`, { method: 'POST', record: false });
  await h.waitFor('stripe impacted by okta', async () => (await api('/api/v1/providers/stripe')).impacted_by === 'okta', 30_000);
  ({ page } = await open(s.noJs, '/'));
  const impacted = page.locator('article.provider[data-provider="stripe"] span.impacted');
  assert.match(await text(impacted), /impacted by okta/);
  assert.equal(await impacted.locator('a').getAttribute('href'), '/providers/okta');
  await page.close();
  await h.call(`${s.sim.url}/_sim/scenario?path=/okta&scenario=healthy`, { method: 'POST', record: false });
});

test('axe finds nothing serious or critical, in light and in dark', { timeout: 120_000 }, async (t) => {
  const found = [];
  const t0 = Date.now();
  for (const colorScheme of ['light', 'dark']) {
    const ctx = await newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
    for (const view of views()) {
      const { page } = await open(ctx, view);
      // Legacy mode runs axe in the page itself rather than aggregating in a blank page of its
      // own: the same rules, a third of the time, and these pages have no frames.
      const result = await new AxeBuilder({ page }).setLegacyMode(true).analyze();
      for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        found.push(`${colorScheme} ${view}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      await page.close();
    }
    await ctx.close();
  }
  t.diagnostic(`axe: ${2 * views().length} pages in ${Date.now() - t0} ms`);
  assert.deepEqual(found, []);
});

// The width of a PNG, from its IHDR chunk.
const pngWidth = (file) => fs.readFileSync(file).readUInt32BE(16);

test('screenshots of every view, light and dark, desktop and phone', { timeout: 120_000 }, async (t) => {
  const t0 = Date.now();
  const background = {};
  const overflow = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const [device, width] of [['desktop', 1280], ['phone', 390]]) {
      const ctx = await newContext({ colorScheme, javaScriptEnabled: false, viewport: { width, height: 844 } });
      for (const view of views()) {
        const { page } = await open(ctx, view);
        const file = path.join(h.paths.artifacts, `${viewName(view)}-${colorScheme}-${device}.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
        if (pngWidth(file) !== width) overflow.push(`${path.basename(file)} is ${pngWidth(file)} px wide`);
        if (view === '/' && device === 'desktop') {
          background[colorScheme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        }
        await page.close();
      }
      await ctx.close();
    }
  }
  if (process.env.VIGIL_UPDATE_SCREENSHOT === '1') {
    fs.mkdirSync(path.join(h.sourceDir, 'docs'), { recursive: true });
    fs.copyFileSync(path.join(h.paths.artifacts, 'overview-light-desktop.png'), path.join(h.sourceDir, 'docs/status-page.png'));
  }
  t.diagnostic(`screenshots: ${4 * views().length} in ${Date.now() - t0} ms`);
  assert.deepEqual(overflow, [], 'no view is wider than its viewport');
  assert.notEqual(background.light, background.dark, 'dark mode changes the page');
});

test('nothing left 127.0.0.1, nothing logged an error, no secret anywhere', async () => {
  assert.ok(s.requests > views().length, `the browser made ${s.requests} requests`);
  assert.deepEqual(s.offsite, [], 'requests beyond 127.0.0.1');
  assert.deepEqual(s.consoleErrors, [], 'console errors');
  for (const p of h.kProviders) {
    await api(`/api/v1/providers/${p}/results?limit=20`);
    await h.call(`${s.daemon.url}/badge/${p}.svg`);
  }
  await api('/api/v1/providers');
  await api('/api/v1/incidents?limit=1000');
  const relay = (await api('/api/v1/providers/relay/results?limit=1')).results[0];
  assert.match(relay.body_excerpt ?? '', /\*\*\*/, 'the relay echoed a secret: the API has it redacted');
  for (const secret of [s.canary, s.key]) {
    for (const { view, html } of s.html) assert.ok(!html.includes(secret), `a secret in the HTML of ${view}`);
    for (const { url, text: body, headers } of h.fetched) {
      assert.ok(!body.includes(secret) && !headers.includes(secret), `a secret in ${url}`);
    }
    assert.ok(!s.daemon.stderr.includes(secret), 'a secret in the daemon log');
  }
});

test('the daemon stops cleanly on SIGTERM', { timeout: 30_000 }, async () => {
  await s.daemon.stop(15_000);
  assert.equal(s.daemon.code, 0, `vigil run exited ${s.daemon.code ?? s.daemon.signal}`);
});
