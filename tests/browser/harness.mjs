// The browser test's harness: the processes it starts (`vigil simulate`, `vigil run`, an echo
// provider in this process), the config it writes, and every HTTP call it makes, each bounded in
// time and kept on 127.0.0.1. Every child is tracked by PID and stopped by stopAll(), which the
// test's after() hook calls and which also runs on exit, SIGINT/SIGTERM and an overall deadline.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.VIGIL_SOURCE_DIR || path.resolve(here, '../..');
const buildDir = path.join(sourceDir, 'build');

// Paths from the environment (ctest sets them), else from argv (--vigil, --seed, --artifacts),
// else the default build directory.
function option(name, env, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[env] || fallback;
}
export const paths = {
  vigil: option('vigil', 'VIGIL_BINARY', path.join(buildDir, 'daemon/vigil')),
  seed: option('seed', 'VIGIL_SEED_HISTORY', path.join(buildDir, 'tests/vigil_seed_history')),
  artifacts: option('artifacts', 'VIGIL_BROWSER_ARTIFACTS', path.join(buildDir, 'artifacts/browser')),
  chromium: process.env.VIGIL_CHROMIUM || '/usr/bin/chromium',
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// An error that ends a waitFor() at once instead of being retried.
export class Fatal extends Error {}

// Polls `probe` (async, returns a truthy value when done) every `every` ms for up to `ms`; an
// error it throws is retried (and reported on timeout) unless it is Fatal.
export async function waitFor(what, probe, ms, every = 250) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(every);
  }
}

// ---- processes ----

const children = new Set();

class Child {
  constructor(name, argv, env) {
    this.name = name;
    this.stderr = '';
    this.stdout = '';
    const environment = { ...process.env, ...env };
    // Not under systemd here, whatever the caller's environment says.
    for (const k of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'STATE_DIRECTORY', 'CREDENTIALS_DIRECTORY']) delete environment[k];
    this.proc = spawn(argv[0], argv.slice(1), { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    this.exited = once(this.proc, 'exit').then(([code, signal]) => {
      this.code = code;
      this.signal = signal;
      children.delete(this);
    });
    this.proc.stdout.on('data', (d) => { this.stdout += d; });
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    children.add(this);
  }

  running() { return this.code === undefined && this.signal === undefined; }

  // Resolves with the first match of `re` in stderr; rejects when the process exits or time runs out.
  async waitForLog(re, ms) {
    return waitFor(`${this.name} to log ${re}`, () => {
      const m = this.stderr.match(re);
      if (m) return m;
      if (!this.running()) throw new Fatal(`${this.name} exited (${this.code ?? this.signal}): ${this.stderr.slice(-2000)}`);
      return null;
    }, ms, 50);
  }

  // SIGTERM, then SIGKILL after `ms`; only this child's own PID.
  async stop(ms = 10_000) {
    if (!this.running()) return;
    try { process.kill(this.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = sleep(ms).then(() => 'late');
    if ((await Promise.race([this.exited.then(() => 'done'), timer])) === 'late') {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
      await this.exited;
    }
  }
}

export async function stopAll() {
  await Promise.all([...children].map((c) => c.stop()));
}

const tempDirs = new Set();

function killAllNow() {
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killAllNow(); process.exit(1); });
}

export async function startSimulator(scenarios) {
  const argv = [paths.vigil, 'simulate', '--listen', '127.0.0.1:0', '--seed', '7'];
  for (const [p, s] of Object.entries(scenarios)) argv.push('--scenario', `${p}=${s}`);
  const sim = new Child('vigil simulate', argv, {});
  const m = await sim.waitForLog(/listening on 127\.0\.0\.1:(\d+)/, 15_000);
  sim.url = `http://127.0.0.1:${m[1]}`;
  return sim;
}

export async function startDaemon(config, env) {
  const daemon = new Child('vigil run', [paths.vigil, 'run', '-c', config, '--listen', '127.0.0.1:0'], env);
  const m = await daemon.waitForLog(/daemon: started listen=127\.0\.0\.1:(\d+)/, 60_000);
  daemon.url = `http://127.0.0.1:${m[1]}`;
  return daemon;
}

// The seeding tool, run to completion; its --json summary.
export function seedHistory(db, checks, args) {
  const r = spawnSync(paths.seed, ['--db', db, '--json', ...args, ...checks], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vigil_seed_history exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// A provider that answers 503 and echoes the headers it got, so a secret the daemon sends comes
// back in a body excerpt: the page must show that excerpt redacted.
export async function startEchoProvider() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    const body = JSON.stringify({ error: 'relay unavailable', echo: { 'x-canary': req.headers['x-canary'] ?? null } });
    res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

// A fresh directory, removed on exit (the test removes it itself after a normal run).
export function makeTempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-browser-'));
  tempDirs.add(d);
  return d;
}

// ---- HTTP ----

const loopback = /^http:\/\/127\.0\.0\.1:\d+\//;
export const fetched = [];  // every body this process fetched from the daemon, for the secret check

// GET or POST on 127.0.0.1 only, 10 s at most; returns {status, headers, text}.
export async function call(url, { method = 'GET', record = true } = {}) {
  if (!loopback.test(url)) throw new Error(`refusing a request that would leave 127.0.0.1: ${url}`);
  const res = await fetch(url, { method, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
  const text = await res.text();
  if (record) fetched.push({ url, text, headers: [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n') });
  return { status: res.status, headers: res.headers, text };
}

export async function getJson(url) {
  const r = await call(url);
  if (r.status !== 200) throw new Error(`GET ${url} -> ${r.status}: ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

// ---- the config ----

export const kProviders = ['stripe', 'adyen', 'okta', 'openai', 'sendgrid', 'relay'];
export const kSeeded = {  // provider -> checks with a seeded history (relay has none: "no data")
  stripe: ['balance', 'charges'],
  adyen: ['health'],
  okta: ['userinfo'],
  openai: ['models'],
  sendgrid: ['send'],
};

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// A demo-like config: tags and groups, a fallback, a depends_on, a maintenance window now, a
// rate-limited provider (budget numbers), a key that expires in 5½ days, and secrets from the
// environment sent in headers (one of them echoed back by the relay).
export function writeConfig(dir, { db, sim, echo, now }) {
  const yaml = `# Written by tests/browser/status_page.test.mjs
server:
  title: Vigil browser test
instance: { name: browser-test, region: loopback }
storage:
  sqlite: ${db}
defaults:
  interval: 1s
  timeout: 900ms
  failure_threshold: 2
  success_threshold: 2
providers:
  - name: stripe
    title: Stripe (payments)
    base_url: ${sim}/stripe
    fallback: [adyen]
    depends_on: [okta]
    tags: [payments, critical]
    checks:
      - name: balance
        path: /v1/balance
        headers: { X-Canary: "\${env:VIGIL_BROWSER_CANARY}" }
        expect:
          status: [200]
          latency: { warn: 500ms, critical: 800ms }
          json:
            - { pointer: /object, equals: balance }
      - name: charges
        path: /v1/charges
  - name: adyen
    title: Adyen (payments, fallback)
    base_url: ${sim}/adyen
    tags: [payments]
    checks:
      - { name: health, path: /v1/health }
  - name: okta
    title: Okta (identity)
    base_url: ${sim}/okta
    tags: [identity, critical]
    auth:
      type: header
      header: { name: X-Api-Key, value: "\${env:VIGIL_BROWSER_KEY}" }
      expires_at: "${iso(now + 5.5 * 86_400_000)}"
      warn_before: 14d
    checks:
      - { name: userinfo, path: /oauth2/v1/userinfo }
  - name: openai
    title: OpenAI (LLM)
    base_url: ${sim}/openai
    tags: [llm]
    quota: { warn_below: 20%, probe_budget: 10% }
    checks:
      - { name: models, path: /v1/models }
  - name: sendgrid
    title: SendGrid (email)
    base_url: ${sim}/sendgrid
    tags: [email]
    checks:
      - name: send
        path: /v3/mail/send
        method: POST
        body: '{"dry_run": true}'
        headers: { Content-Type: application/json }
  - name: relay
    title: Webhook relay
    base_url: ${echo}
    tags: [email]
    checks:
      - name: deliver
        path: /deliver
        headers: { X-Canary: "\${env:VIGIL_BROWSER_CANARY}" }
maintenance:
  - { providers: [sendgrid], start: "${iso(now - 3_600_000)}", duration: 4h, reason: mail cluster upgrade }
`;
  const file = path.join(dir, 'vigil.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}
