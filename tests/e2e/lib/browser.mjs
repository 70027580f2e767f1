// The browser side of the tests: Debian's chromium through playwright-core
// (no browser is downloaded), one isolated context per user, and the checks
// every page reached gets: axe-core at WCAG 2.1 AA, no script error and no
// Content-Security-Policy violation, and a full-page screenshot.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { env, pkiFile } from './env.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export const portal = env.portalUrl;

/** SHA-256 of a certificate's SubjectPublicKeyInfo, base64 (chromium's SPKI pin format). */
function spkiPin(file) {
  const spki = new crypto.X509Certificate(pkiFile(file)).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

/**
 * Launches /usr/bin/chromium headless with a fresh profile (playwright makes
 * a new --user-data-dir per launch). The test CA is not in chromium's trust
 * store, so exactly the keys of the portal and the test IdP's certificates are
 * accepted, nothing else.
 */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true, // adds --headless
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--ignore-certificate-errors-spki-list=${spkiPin('portal.crt')},${spkiPin('idp-tls.crt')}`,
    ],
  });
}

/** Every portal path a page of any user landed on, and those checked by checkPage. */
export const reached = new Set();
export const checked = new Set();
/** axe results per checked page, for the report: [{page, path, violations, passes}] */
export const axeLog = [];
let shot = 0;

const pages = new Set();

/** After a failure: a screenshot of every open page, named after the test that failed. */
export async function screenshotOpenPages(testName) {
  let n = 0;
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60);
  for (const page of pages) {
    n += 1;
    await page
      .screenshot({ path: path.join(env.artifacts, `FAILED-${slug}-${n}.png`), fullPage: true, caret: 'initial' })
      .catch(() => {});
  }
}

/**
 * A new user: its own context (cookies) and page. The page collects uncaught
 * script errors and CSP violations in page.problems; checkPage fails on them.
 */
export async function newUser(browser) {
  const context = await browser.newContext({
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  pages.add(page);
  page.on('close', () => pages.delete(page));
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
      page.problems.push(`CSP violation on ${page.url()} (${JSON.stringify(m.location())}): ${m.text().slice(0, 120)}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame !== page.mainFrame()) return;
    const url = new URL(frame.url());
    if (url.origin === portal && !url.pathname.startsWith('/api/')) reached.add(url.pathname);
  });
  return page;
}

/**
 * The checks for a page reached: waits until it has loaded, takes a full-page
 * screenshot (BUILD_DIR/e2e-artifacts/NN-name.png), runs axe-core (WCAG 2.1
 * A + AA) and fails with the violations listed, or on a script error or CSP
 * violation so far, or when the page does not reflow at 320 px wide.
 */
export async function checkPage(page, name) {
  // Not 'networkidle': playwright never sees a 401 answer to fetch() finish.
  // Callers first wait for the content they expect; this waits for the rest.
  await page.waitForLoadState('load');
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') && document.fonts.status === 'loaded');
  const url = new URL(page.url());
  assert.equal(url.origin, portal, `checkPage(${name}) expects a portal page, not ${page.url()}`);
  shot += 1;
  // caret 'initial': hiding the caret would inject an inline style, which the CSP refuses.
  await page.screenshot({ path: path.join(env.artifacts, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true, caret: 'initial' });
  await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
      })),
    };
  }, wcagTags);
  checked.add(url.pathname);
  axeLog.push({ page: name, path: url.pathname + url.search, violations: result.violations.length, passes: result.passes });
  fs.writeFileSync(path.join(env.artifacts, 'axe.json'), JSON.stringify(axeLog, null, 2));
  const listed = result.violations
    .map((v) => `  - ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `      ${n}`).join('\n')}`)
    .join('\n');
  assert.equal(result.violations.length, 0, `axe-core (WCAG 2.1 AA) on ${name} ${url.pathname}:\n${listed}`);
  assert.deepEqual(page.problems, [], `script errors or CSP violations on ${name}`);
  await assertReflows(page, name);
}

/**
 * WCAG 1.4.10 (reflow, which axe-core does not test): at 320 CSS pixels wide
 * the page needs no horizontal scrolling (a table may scroll inside its own
 * region). Restores the viewport.
 */
async function assertReflows(page, name) {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 320, height: viewport.height });
  try {
    const widest = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(widest <= 320, `${name} needs horizontal scrolling at 320 px wide (${widest} px)`);
  } finally {
    await page.setViewportSize(viewport);
  }
}

const logins = {
  casework: { link: 'Inloggen als medewerker', target: '/start.html' },
  signing: { link: 'Inloggen als tekenbevoegde', target: '/ondertekenen.html' },
  admin: { link: 'Inloggen als beheerder (Justid)', target: '/beheer.html' },
};

/**
 * Logs in as `role` (casework | signing | admin) the way a person does: the
 * login choice on the start page, then the test IdP's form (organisation
 * "zwolle" or "vught" for municipalities, `gebruiker` the acting person).
 * Resolves on the role's first page.
 */
export async function login(page, role, { organisatie = 'zwolle', gebruiker } = {}) {
  const { link, target } = logins[role];
  await page.goto(`${portal}/`);
  await page.getByRole('link', { name: link }).waitFor();
  if (!checked.has('/')) await checkPage(page, 'startpagina');
  await page.getByRole('link', { name: link }).click();
  await idpLogin(page, role === 'admin' ? undefined : organisatie, gebruiker);
  await page.waitForURL((u) => u.origin === portal && u.pathname === target);
}

/** Fills in and submits the test IdP's login form (the page the browser is on). */
export async function idpLogin(page, organisatie, gebruiker) {
  await page.getByRole('heading', { name: /^Inloggen/ }).waitFor();
  assert.notEqual(new URL(page.url()).origin, portal, 'expected the IdP login page');
  if (organisatie) await page.getByLabel('Organisatie', { exact: true }).selectOption(organisatie);
  if (gebruiker) await page.getByLabel('Gebruiker', { exact: true }).fill(gebruiker);
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

/** The API as the page's own script calls it: same origin, with the session's CSRF token. */
export function api(page, method, target, body, { csrf = true } = {}) {
  return page.evaluate(
    async ({ method, target, body, csrf }) => {
      const headers = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (csrf && method !== 'GET') {
        const s = await fetch('/api/v1/sessie', { credentials: 'same-origin' });
        headers['X-CSRF-Token'] = (await s.json()).csrfToken;
      }
      const r = await fetch(target, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      let data = text;
      try {
        data = JSON.parse(text);
      } catch {}
      return { status: r.status, data };
    },
    { method, target, body, csrf },
  );
}

/**
 * Presses Tab (or Shift+Tab) until `locator` has the focus; fails after `max`
 * presses. Asserts at every stop on the way that the focus is visible
 * (unless checkFocus is false, for the test IdP's page, which is not ours):
 * :focus-visible matches and an outline of at least 2px (or a box-shadow).
 */
export async function tabTo(page, locator, { max = 60, back = false, checkFocus = true } = {}) {
  await locator.waitFor();
  for (let i = 0; i < max; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (checkFocus) await assertFocusVisible(page);
  }
  assert.fail(`${max} presses of Tab did not reach ${locator}`);
}

export async function assertFocusVisible(page) {
  const f = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { what: 'body', focusVisible: true, outline: 2 }; // focus left the page
    const s = getComputedStyle(el);
    return {
      what: `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`,
      focusVisible: el.matches(':focus-visible'),
      outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0,
      shadow: s.boxShadow !== 'none',
    };
  });
  assert.ok(f.focusVisible && (f.outline >= 2 || f.shadow), `focus not visible on ${f.what}: ${JSON.stringify(f)}`);
}
