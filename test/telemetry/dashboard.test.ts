/**
 * The dashboard (src/telemetry/dashboard/) in headless Chromium against a real TelemetryServer fed
 * by the scripted source (test/telemetry/scripted-source.ts): it loads, updates live, HALT/RESUME
 * reach the source (and a failing HALT shows the ERROR), tokens select the role, the disconnected
 * state appears when the server stops and goes away when it restarts (a HALT clicked while
 * disconnected is sent on reconnect). Then the same against a real Engine wired as `tickwire demo`
 * wires it (simulated Binance, whale strategy): live trades, whales, orders and fills appear, HALT
 * and RESUME reach the engine. Screenshots go to test/artifacts/; with TW_UPDATE_SCREENSHOT=1 the
 * engine one also to docs/images/dashboard.png (the README / docs screenshot).
 *
 * Needs /usr/bin/chromium (Debian `chromium`); skipped with a message when it is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { demoConfig } from '../../src/cli/demo.js';
import { Engine } from '../../src/engine/engine.js';
import { TelemetryServer, type TelemetryOptions } from '../../src/telemetry/server.js';
import { ScriptedSource } from './scripted-source.js';

// Page functions (waitForFunction / evaluate) run in the browser. The project's tsconfig has no DOM
// lib, so the few DOM members they use are declared here, in this module's scope only.
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  disabled: boolean;
  click(): void;
}
declare const document: { getElementById(id: string): PageElement | null; body: { classList: { contains(c: string): boolean } } };
declare const window: { tickwireDashboard: { pendingCommands: number; seq: number | null; connected: boolean } };

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
/** Upper bound for a page-side wait: a failure limit on a loaded machine, not a timing assertion. */
const WAIT = 20_000;

if (!HAVE_CHROMIUM) {
  process.stderr.write(`dashboard tests skipped: ${CHROMIUM} is absent (Debian: apt-get install chromium)\n`);
}

let browser: Browser | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const quietLog = (): void => undefined;

async function serve(source: ScriptedSource, opts: TelemetryOptions = {}): Promise<TelemetryServer> {
  const server = await TelemetryServer.start({ port: 0, rateHz: 10, log: quietLog, ...opts }, source);
  let closed = false;
  cleanups.push(() => (closed ? undefined : server.close()));
  const close = server.close.bind(server);
  server.close = async () => {
    closed = true;
    await close();
  };
  return server;
}

/** A market script: a random walk on BTCUSDT every 50 ms, every 8th trade a whale. */
function drive(source: ScriptedSource): () => void {
  let p = 50_000;
  let n = 0;
  const t = setInterval(() => {
    n++;
    p = Math.max(1000, p + (Math.sin(n / 7) + (n % 3) - 1) * 6);
    source.trade('BTCUSDT', Math.round(p * 100) / 100, n % 8 === 0 ? 40 : 0.5, n % 8 === 0);
    if (n % 5 === 0 && source.symbols.includes('ETHUSDT')) source.trade('ETHUSDT', 5000 + (n % 11), 1);
  }, 50);
  const stop = (): void => clearInterval(t);
  cleanups.push(stop);
  return stop;
}

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

const text = (page: Page, sel: string): Promise<string> => page.locator(sel).innerText();
const attr = async (page: Page, sel: string, name: string): Promise<string | null> => page.locator(sel).getAttribute(name);

describe.skipIf(!HAVE_CHROMIUM)('dashboard in headless Chromium (scripted source)', () => {
  it('loads, updates live, and HALT / RESUME reach the source; a failing HALT shows the ERROR', { timeout: 120_000 }, async () => {
    const source = new ScriptedSource(['BTCUSDT', 'ETHUSDT']);
    const server = await serve(source);
    const { page, errors } = await openPage(`${server.url}/`);

    expect(await page.title()).toBe('tickwire dashboard');
    await page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    // INITIALIZING until the source starts
    expect(await attr(page, '#status', 'data-status')).toBe('INITIALIZING');
    source.start();
    await page.waitForSelector('#status[data-status="ACTIVE"]', { timeout: WAIT });
    drive(source);

    // the price text changes, the chart gets points and whale marks
    await page.waitForFunction(() => document.getElementById('price')?.textContent !== '–', undefined, { timeout: WAIT });
    const first = await text(page, '#price');
    await page.waitForFunction((p) => document.getElementById('price')?.textContent !== p, first, { timeout: WAIT });
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.points) >= 20, undefined, { timeout: WAIT });
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.whales) >= 1, undefined, { timeout: WAIT });
    expect(await text(page, '#symbol')).toContain('BTCUSDT');

    // a signal, an order and its fill: rows appear, the portfolio and positions update
    source.fill('BTCUSDT', 'buy', 0.25);
    await page.waitForSelector('#orders tr[data-kind="fill"]', { timeout: WAIT });
    await page.waitForSelector('#orders tr[data-kind="order"][data-status="filled"]', { timeout: WAIT });
    expect(await text(page, '#orders tr[data-kind="fill"]')).toContain('BTCUSDT');
    await page.waitForFunction(() => (document.getElementById('signals')?.textContent ?? '').includes('whale buy'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => (document.getElementById('positions')?.textContent ?? '').includes('0.25'), undefined, { timeout: WAIT });
    expect(await text(page, '#nav')).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    expect(await text(page, '#approved-size')).toBe('5.0 % of NAV');
    // market statistics once the alpha window has filled
    await page.waitForFunction(() => /^\d\.\d{3}$/.test(document.getElementById('alpha')?.textContent ?? ''), undefined, { timeout: WAIT });
    expect(['Gaussian', 'Lévy stable', 'critical']).toContain(await text(page, '#regime'));
    // latency: per-component rows from TELEMETRY.components
    await page.waitForFunction(() => (document.getElementById('components')?.textContent ?? '').includes('orders:binance'), undefined, { timeout: WAIT });
    expect(await text(page, '#components')).toContain('feed:binance');

    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-scripted.png'), fullPage: true });

    // HALT: the source records it and the status shows HALT
    await page.click('#halt-btn');
    await page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });
    expect(source.commands.map((c) => c.op)).toEqual(['halt']);
    expect(source.commands[0]?.reason).toBe('operator HALT from the dashboard');
    await page.waitForFunction(() => (document.getElementById('command-status')?.textContent ?? '').includes('HALT acknowledged'), undefined, { timeout: WAIT });
    expect(await attr(page, '#halt-btn', 'aria-pressed')).toBe('true');

    // RESUME
    await page.click('#resume-btn');
    await page.waitForSelector('#status[data-status="ACTIVE"]', { timeout: WAIT });
    expect(source.commands.map((c) => c.op)).toEqual(['halt', 'resume']);

    // a HALT the source fails: ERROR {code, message} is shown, the status stays ACTIVE, no retry
    source.failNext = 'venue unreachable';
    await page.click('#halt-btn');
    await page.waitForSelector('#command-status.error', { timeout: WAIT });
    const msg = await text(page, '#command-status');
    expect(msg).toContain('COMMAND_FAILED');
    expect(msg).toContain('venue unreachable');
    expect(await attr(page, '#status', 'data-status')).toBe('ACTIVE');
    expect(await page.evaluate(() => window.tickwireDashboard.pendingCommands)).toBe(0);
    expect(source.commands.map((c) => c.op)).toEqual(['halt', 'resume']);

    // focus on another symbol: SUBSCRIBE {symbol}, the chart and the market block follow it
    expect(await page.locator('#symbol-pick').isVisible()).toBe(true);
    await page.selectOption('#symbol-select', 'ETHUSDT');
    await page.waitForFunction(() => (document.getElementById('symbol')?.textContent ?? '').includes('ETHUSDT'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => (document.getElementById('price')?.textContent ?? '').startsWith('5,0'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.points) >= 2, undefined, { timeout: WAIT });

    // server values are text, never HTML (docs/dashboard.md)
    source.log('warn', '<img src=x onerror="window.__xss=1"><b id="injected">markup</b>');
    await page.waitForFunction(() => (document.getElementById('logs')?.textContent ?? '').includes('<b id="injected">markup</b>'), undefined, { timeout: WAIT });
    expect(await page.evaluate(() => document.getElementById('injected') === null)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).__xss)).toBeUndefined();

    expect(errors).toEqual([]);
  });

  it('shows the disconnected state when the server stops, recovers on restart (RESYNC), and sends a HALT clicked meanwhile', { timeout: 120_000 }, async () => {
    const source = new ScriptedSource(['BTCUSDT']);
    source.start();
    const server = await serve(source);
    const port = Number(new URL(server.url).port);
    const stopDriving = drive(source);
    const { page } = await openPage(`${server.url}/`);
    await page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    // Some traffic first, so the page has a seq to resume from (sequence numbers go on across
    // server runs: a since from the earlier run is answered RESYNC).
    await page.waitForFunction(() => Number(document.getElementById('seq')?.textContent) > 100, undefined, { timeout: WAIT });
    expect(await page.locator('#disconnected').isHidden()).toBe(true);

    stopDriving();
    await server.close();
    await page.waitForSelector('#disconnected', { state: 'visible', timeout: WAIT });
    expect(await attr(page, '#conn', 'data-state')).not.toBe('open');
    expect(await page.evaluate(() => document.body.classList.contains('disconnected'))).toBe(true);
    expect(await text(page, '#disconnected')).toMatch(/Disconnected from the telemetry stream/);
    await page.waitForFunction(() => /Reconnecting in \d+ s \(attempt \d+\)/.test(document.getElementById('disconnected-detail')?.textContent ?? ''), undefined, { timeout: WAIT });
    // it keeps trying while the server is down (attempts grow)
    await page.waitForFunction(() => /attempt ([2-9]|\d\d)/.test(document.getElementById('disconnected-detail')?.textContent ?? ''), undefined, { timeout: WAIT });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-disconnected.png'), fullPage: true });

    // HALT while disconnected: queued, sent once the connection is back, retried until ACK
    await page.click('#halt-btn');
    expect(await text(page, '#command-status')).toContain('waiting for the connection');
    expect(source.commands).toEqual([]);

    // a new server on the same port: the page's since is from the earlier run, so the resume is answered RESYNC
    await serve(source, { port, rateHz: 1 });
    await page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT * 2 });
    await page.waitForSelector('#disconnected', { state: 'hidden', timeout: WAIT });
    expect(await page.evaluate(() => document.body.classList.contains('disconnected'))).toBe(false);
    await page.waitForFunction(() => (document.getElementById('logs')?.textContent ?? '').includes('RESYNC'), undefined, { timeout: WAIT });
    await page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });
    expect(source.commands.map((c) => c.op)).toEqual(['halt']);
    await page.waitForFunction(() => (document.getElementById('command-status')?.textContent ?? '').includes('HALT acknowledged'), undefined, { timeout: WAIT });
    // and it is live again
    drive(source);
    const seq = Number(await text(page, '#seq'));
    await page.waitForFunction((s) => Number(document.getElementById('seq')?.textContent) > s, seq, { timeout: WAIT });
  });

  it('tokens: ?token= rides in Sec-WebSocket-Protocol; a viewer cannot HALT, an operator can, a wrong token stays disconnected', { timeout: 120_000 }, async () => {
    const source = new ScriptedSource(['BTCUSDT']);
    source.start();
    const server = await serve(source, { tokens: { viewer: ['viewer-token-1'], operator: ['operator-token-1'] } });
    drive(source);

    const viewer = await openPage(`${server.url}/?token=viewer-token-1`);
    await viewer.page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    await viewer.page.waitForFunction(() => document.getElementById('price')?.textContent !== '–', undefined, { timeout: WAIT });
    expect(await viewer.page.locator('#halt-btn').isDisabled()).toBe(true);
    expect(await viewer.page.locator('#resume-btn').isDisabled()).toBe(true);
    // the server refuses a viewer's HALT even if the page sends one (FORBIDDEN is shown)
    await viewer.page.evaluate(() => {
      document.getElementById('halt-btn')!.disabled = false;
      document.getElementById('halt-btn')!.click();
    });
    await viewer.page.waitForSelector('#command-status.error', { timeout: WAIT });
    expect(await text(viewer.page, '#command-status')).toContain('FORBIDDEN');
    expect(source.commands).toEqual([]);

    const operator = await openPage(`${server.url}/?token=operator-token-1`);
    await operator.page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    expect(await operator.page.locator('#halt-btn').isDisabled()).toBe(false);
    // the token leaves the address bar (kept for the tab): a reload still connects as operator
    expect(operator.page.url()).not.toContain('operator-token-1');
    await operator.page.reload();
    await operator.page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    await operator.page.click('#halt-btn');
    await operator.page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });
    expect(source.commands.map((c) => c.op)).toEqual(['halt']);
    // the viewer sees the HALT too
    await viewer.page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });

    const nobody = await openPage(`${server.url}/?token=wrong-token`);
    await nobody.page.waitForSelector('#disconnected', { state: 'visible', timeout: WAIT });
    expect(await text(nobody.page, '#price')).toBe('–');
    expect(await attr(nobody.page, '#conn', 'data-state')).not.toBe('open');

    // a token a subprotocol cannot carry: said so, no connection attempts
    const bad = await openPage(`${server.url}/?token=${encodeURIComponent('has space')}`);
    await bad.page.waitForSelector('#disconnected', { state: 'visible', timeout: WAIT });
    expect(await text(bad.page, '#disconnected')).toContain('Cannot open the stream');
    expect(await attr(bad.page, '#conn', 'data-state')).toBe('failed');
    expect(source.commands.map((c) => c.op)).toEqual(['halt']);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('dashboard in headless Chromium (real Engine, as tickwire demo wires it)', () => {
  it('shows live trades, whales, orders and fills; HALT and RESUME reach the engine; survives a telemetry server restart', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tickwire-dashboard-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const engine = await Engine.start(demoConfig({ port: 0, host: '127.0.0.1', seed: 7, mode: 'follow', journal: path.join(dir, 'journal.log'), verbose: false }), {
      log: () => undefined,
    });
    cleanups.push(() => engine.stop());
    const halts: string[] = [];
    let resumes = 0;
    engine.on('halt', (reason) => halts.push(reason));
    engine.on('resume', () => resumes++);
    const server = engine.telemetryServer;
    expect(server).not.toBeNull();
    const { page, errors } = await openPage(`${server!.url}/`);

    await page.waitForSelector('#conn[data-state="open"]', { timeout: WAIT });
    await page.waitForSelector('#status[data-status="ACTIVE"]', { timeout: WAIT });
    await page.waitForFunction(() => document.getElementById('price')?.textContent !== '–', undefined, { timeout: WAIT });
    const first = await text(page, '#price');
    await page.waitForFunction((p) => document.getElementById('price')?.textContent !== p, first, { timeout: WAIT });
    expect(await text(page, '#symbol')).toContain('BTCUSDT');
    expect(await text(page, '#venues')).toBe('binance');
    // the simulator's whales are detected by the strategy, marked on the chart, and traded on
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.whales) >= 1, undefined, { timeout: WAIT * 3 });
    await page.waitForSelector('#orders tr[data-kind="fill"]', { timeout: WAIT * 3 });
    await page.waitForSelector('#orders tr[data-kind="order"]', { timeout: WAIT });
    await page.waitForFunction(() => (document.getElementById('signals')?.textContent ?? '').includes('follow'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => (document.getElementById('components')?.textContent ?? '').includes('order'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => !(document.getElementById('positions')?.textContent ?? 'no positions').includes('no positions'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.points) >= 200, undefined, { timeout: WAIT * 3 });
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-engine.png'), fullPage: true });
    // The README / docs screenshot is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.TW_UPDATE_SCREENSHOT === '1') await page.screenshot({ path: path.join(ROOT, 'docs/images/dashboard.png'), fullPage: true });

    // HALT from the page reaches the engine: its risk governor is halted, the status shows it
    expect(engine.risk.halted).toBe(false);
    await page.click('#halt-btn');
    await page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });
    expect(engine.risk.halted).toBe(true);
    expect(halts).toEqual(['operator HALT from the dashboard']);
    await page.waitForFunction(() => (document.getElementById('command-status')?.textContent ?? '').includes('HALT acknowledged'), undefined, { timeout: WAIT });
    await page.waitForFunction(() => (document.getElementById('logs')?.textContent ?? '').includes('HALT'), undefined, { timeout: WAIT });
    await page.click('#resume-btn');
    await page.waitForSelector('#status[data-status="ACTIVE"]', { timeout: WAIT });
    expect(engine.risk.halted).toBe(false);
    expect(resumes).toBe(1);

    // the telemetry server goes away (the engine keeps running): disconnected, then back on restart
    const port = Number(new URL(server!.url).port);
    await server!.close();
    await page.waitForSelector('#disconnected', { state: 'visible', timeout: WAIT });
    const again = await TelemetryServer.start({ port, log: quietLog }, engine.telemetrySource);
    cleanups.push(() => again.close());
    await page.waitForSelector('#disconnected', { state: 'hidden', timeout: WAIT * 2 });
    const seq = Number(await text(page, '#seq'));
    await page.waitForFunction((s) => Number(document.getElementById('seq')?.textContent) !== s, seq, { timeout: WAIT });
    await page.click('#halt-btn');
    await page.waitForSelector('#status[data-status="HALT"]', { timeout: WAIT });
    expect(engine.risk.halted).toBe(true);
  });
});

if (!HAVE_CHROMIUM) {
  it.skip(`dashboard browser tests skipped: ${CHROMIUM} is absent (Debian: apt-get install chromium)`, () => undefined);
}
