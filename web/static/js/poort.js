// poort.js: the shared module of every portal page (ES module, no build step).
//
// - api(): JSON requests to poortd with the CSRF token, problem+json parsed;
// - session() / requirePage(): who is logged in, the header and menu per role;
// - el(): DOM building with textContent only (never innerHTML with data);
// - showProblem() / clearProblems() / checkForm(): errors next to the field and
//   in a summary at the top of the form, in plain Dutch;
// - formatDate(), formatDateTime(); statusLabel(), soortLabel() and the other
//   Dutch texts come from teksten.js, re-exported here;
// - setBusy(), showSuccess(), showPageProblem(): feedback for every user.
//
// Privacy: nothing here writes to the console, and no BSN or name ever goes
// into a URL (detail pages take an opaque id).

// ---------------------------------------------------------------------------
// Dutch texts (teksten.js, re-exported: pages import them from here)

import { MENUS, ROLE_LABELS, problemMessage, reasonMessage } from './teksten.js';
export * from './teksten.js';

// ---------------------------------------------------------------------------
// Navigation

function currentPath() {
  return location.pathname + location.search;
}

/** Set while logging out: a request that ends in 401 then is no "session expired". */
let loggingOut = false;

/** Sends the browser to the "session expired" page, to come back here after logging in. */
export function goToSessionExpired() {
  if (loggingOut) return; // a request that the log-out overtook: the log-out decides where to go
  location.assign('/sessie-verlopen.html?terug=' + encodeURIComponent(currentPath()));
}

/** Sends the browser to the "no access" page. */
export function goToNoAccess() {
  location.assign('/geen-toegang.html');
}

/** Sends the browser to the general error page. */
export function goToError() {
  location.assign('/fout.html');
}

const never = () => new Promise(() => {});

/** The value of query parameter `name` of this page, or null. */
export function queryParam(name) {
  return new URLSearchParams(location.search).get(name);
}

// ---------------------------------------------------------------------------
// API

let sessionPromise = null;

/**
 * The logged-in user from GET /api/v1/sessie (fetched once per page):
 * {rol, gemeentecode, idp, betrouwbaarheidsniveau, ingelogdOp, verlooptUiterlijkOp, csrfToken},
 * or null when nobody is logged in. Rejects when poortd cannot answer.
 */
export function session() {
  sessionPromise ??= (async () => {
    const res = await fetch('/api/v1/sessie', {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      cache: 'no-store',
    });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error('sessie ' + res.status);
    return res.json();
  })();
  return sessionPromise;
}

async function parseBody(res) {
  const type = res.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/**
 * A JSON request to poortd. `body` (optional) is sent as JSON. Every non-GET
 * carries the session's CSRF token in X-CSRF-Token.
 * Resolves to {ok, status, data, problem}: `data` is the parsed JSON of a 2xx
 * answer, `problem` the problem+json of any other answer ({type, title, status,
 * code, detail, instance, invalidParams: [{pointer, code}]}), or a
 * `network_error` problem with status 0 when poortd cannot be reached.
 * On 401 the browser goes to the "session expired" page and the promise never
 * resolves.
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, credentials: 'same-origin', headers, cache: 'no-store' };
  let res;
  try {
    if (method !== 'GET' && method !== 'HEAD') {
      const user = await session();
      if (!user) {
        goToSessionExpired();
        return never();
      }
      headers['X-CSRF-Token'] = user.csrfToken;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    res = await fetch(path, init);
  } catch {
    return {
      ok: false,
      status: 0,
      data: null,
      problem: { code: 'network_error', title: 'Geen verbinding', status: 0, detail: reasonMessage('NETWORK_ERROR') },
    };
  }
  if (res.status === 401) {
    goToSessionExpired();
    return never();
  }
  const parsed = await parseBody(res);
  if (res.ok) return { ok: true, status: res.status, data: parsed, problem: null };
  const problem =
    parsed && typeof parsed === 'object' ? parsed : { code: '', title: '', status: res.status, detail: '' };
  problem.status ??= res.status;
  return { ok: false, status: res.status, data: null, problem };
}

// ---------------------------------------------------------------------------
// DOM

/**
 * A new element: el('a', {href: '/x', class: 'knop'}, 'tekst', otherNode).
 * Attributes: `class`, `text` (textContent), `on<event>` (a function, added as a
 * listener), `true` for a boolean attribute, null/undefined/false to leave it
 * out; everything else through setAttribute. Children: nodes, strings (as text
 * nodes), numbers, arrays of those, null/undefined/false (skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

/** Appends nodes and strings (as text) to `parent`; skips null/undefined/false. */
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Removes every child of `node`, then appends `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}

let uniqueCounter = 0;
/** A new id, unique in this page, starting with `prefix`. */
export function uniqueId(prefix = 'id') {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A definition list from [term, value] pairs (value: text or nodes; empty shows "–"). */
export function definitionList(pairs, className = 'gegevens') {
  return el(
    'dl',
    { class: className },
    pairs.map(([term, value]) => [
      el('dt', {}, term),
      el('dd', {}, value === null || value === undefined || value === '' ? '–' : value),
    ]),
  );
}

// ---------------------------------------------------------------------------
// The page frame

/**
 * For a page behind login: the session user, once the header shows the
 * municipality (or Justid), the role, the role's menu and "Uitloggen".
 * Not logged in -> /sessie-verlopen.html?terug=...; a role not in `roles` ->
 * /geen-toegang.html; poortd unreachable -> /fout.html (the promise then never
 * resolves).
 */
export async function requirePage(...roles) {
  let user;
  try {
    user = await session();
  } catch {
    goToError();
    return never();
  }
  if (!user) {
    goToSessionExpired();
    return never();
  }
  if (!roles.includes(user.rol)) {
    goToNoAccess();
    return never();
  }
  fillHeader(user);
  return user;
}

/**
 * Who the user acts for, in words: "Gemeente Zwolle" (the session's
 * gemeentenaam), "Gemeente GM0193" when the registry has no name today;
 * "Justid" for administrators.
 */
export function organisationLabel(user) {
  if (!user.gemeentecode) return 'Justid';
  return `Gemeente ${user.gemeentenaam || user.gemeentecode}`;
}

/** Fills the page header for `user` (requirePage does this; index.html may call it too). */
export function fillHeader(user) {
  let header = document.querySelector('header.site-header');
  if (!header) {
    header = el('header', { class: 'site-header' });
    document.body.prepend(header);
  }
  const bar = header.querySelector('.site-header__bar') ?? header;
  let who = header.querySelector('.gebruiker');
  if (!who) {
    who = el('div', { class: 'gebruiker' });
    bar.append(who);
  }
  const logout = el('button', { type: 'button', class: 'knop knop--link' }, 'Uitloggen');
  logout.addEventListener('click', () => logOut(logout));
  replaceChildren(
    who,
    el('p', { class: 'gebruiker__naam' }, organisationLabel(user), el('span', { class: 'gebruiker__rol' }, ROLE_LABELS[user.rol] ?? '')),
    logout,
  );

  let nav = header.querySelector('nav[aria-label="Hoofdmenu"]');
  if (!nav) {
    nav = el('nav', { 'aria-label': 'Hoofdmenu', class: 'hoofdmenu' });
    header.append(nav);
  }
  const here = location.pathname;
  replaceChildren(
    nav,
    el(
      'ul',
      {},
      (MENUS[user.rol] ?? []).map(([text, href]) =>
        el('li', {}, el('a', { href, 'aria-current': href === here ? 'page' : null }, text)),
      ),
    ),
  );
}

/**
 * Ends the session and goes to the login page, which then says "U bent
 * uitgelogd". A session that had already ended (401) counts as logged out
 * too: that is what the user asked for, not "session expired".
 */
async function logOut(button) {
  setBusy(button, true);
  loggingOut = true;
  const user = await session().catch(() => null);
  let status = 401;
  if (user) {
    try {
      const res = await fetch('/saml/logout', {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json', 'X-CSRF-Token': user.csrfToken },
      });
      status = res.status;
    } catch {
      status = 0;
    }
  }
  if (status !== 401 && (status < 200 || status > 299)) {
    loggingOut = false;
    setBusy(button, false);
    goToError();
    return;
  }
  location.assign('/?uitgelogd=1');
}

// ---------------------------------------------------------------------------
// Feedback

let liveRegion = null;
function announce(text) {
  if (!liveRegion) {
    liveRegion = el('div', { class: 'visueel-verborgen', 'aria-live': 'polite' });
    document.body.append(liveRegion);
  }
  liveRegion.textContent = '';
  // A separate task, so that screen readers notice the change.
  setTimeout(() => {
    liveRegion.textContent = text;
  }, 50);
}

/**
 * Disables `button` while a request runs (busy = true) and says so to screen
 * readers; enables it again with busy = false. The accessible name stays.
 */
export function setBusy(button, busy) {
  if (!button) return;
  button.disabled = busy;
  button.classList.toggle('is-bezig', busy);
  if (busy) {
    button.setAttribute('aria-describedby', bezigId());
    announce('Even geduld, uw verzoek wordt verwerkt.');
  } else {
    button.removeAttribute('aria-describedby');
  }
}

let bezigNode = null;
function bezigId() {
  if (!bezigNode) {
    bezigNode = el('span', { id: 'bezig-uitleg', class: 'visueel-verborgen' }, 'Bezig met verwerken');
    document.body.append(bezigNode);
  }
  return bezigNode.id;
}

/**
 * Shows a success message in `target` (an element with role="status", or the
 * container to put one in) and returns the status element.
 */
export function showSuccess(target, ...content) {
  const box = target.getAttribute('role') === 'status' ? target : target.querySelector('[role="status"]') ?? target.appendChild(el('div', { role: 'status' }));
  box.classList.add('melding', 'melding--succes');
  replaceChildren(box, el('p', {}, ...content));
  return box;
}

/** Empties a success message made by showSuccess. */
export function clearSuccess(target) {
  const box = target.getAttribute('role') === 'status' ? target : target.querySelector('[role="status"]');
  if (!box) return;
  box.classList.remove('melding', 'melding--succes');
  box.replaceChildren();
}

/**
 * A problem that stops the page itself (loading failed): a message with the
 * problem's Dutch sentence and what to do, in an alert at the top of `container`.
 */
export function showPageProblem(container, problem, nextStep = 'Laad de pagina opnieuw of probeer het later nog eens.') {
  const box = el(
    'div',
    { class: 'melding melding--fout', role: 'alert' },
    el('p', {}, problemMessage(problem)),
    nextStep ? el('p', {}, nextStep) : null,
    problem?.instance ? el('p', { class: 'kenmerk' }, `Kenmerk: ${problem.instance.replace(/^urn:poort:request:/, '')}`) : null,
  );
  container.prepend(box);
  return box;
}

// ---------------------------------------------------------------------------
// Forms

function summaryOf(form) {
  let summary = form.querySelector(':scope > .foutsamenvatting');
  if (!summary) {
    summary = el('div', { class: 'foutsamenvatting', role: 'alert', tabindex: '-1', hidden: true });
    form.prepend(summary);
  }
  return summary;
}

/** Removes every error shown by showProblem / checkForm from `form`. */
export function clearProblems(form) {
  const summary = form.querySelector(':scope > .foutsamenvatting');
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
  for (const node of form.querySelectorAll('.veldfout')) {
    for (const control of form.querySelectorAll(`[aria-describedby~="${node.id}"]`)) removeDescribedBy(control, node.id);
    node.remove();
  }
  for (const control of form.querySelectorAll('[aria-invalid="true"]')) control.removeAttribute('aria-invalid');
  for (const field of form.querySelectorAll('.veld--fout')) field.classList.remove('veld--fout');
}

function removeDescribedBy(control, id) {
  const rest = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((x) => x && x !== id);
  if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
  else control.removeAttribute('aria-describedby');
}

/**
 * The control of `form` that a JSON pointer ("/nazorgcoordinator/email") is
 * about, or null: the control whose data-pointers (space-separated pointers)
 * lists it, else the one named "nazorgcoordinator.email", else "email".
 * A leading "/body", "/query" or "/path" segment is ignored.
 */
export function controlForPointer(form, pointer) {
  const segments = String(pointer ?? '')
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments[0] === 'body' || segments[0] === 'query' || segments[0] === 'path') segments.shift();
  const full = '/' + segments.join('/');
  for (const candidate of form.querySelectorAll('[data-pointers]')) {
    if (candidate.dataset.pointers.split(/\s+/).includes(full)) return candidate;
  }
  const names = [];
  for (let i = 0; i < segments.length; i++) names.push(segments.slice(i).join('.'));
  for (const name of names) {
    const found = form.elements.namedItem(name);
    if (found) return found instanceof RadioNodeList ? found[0] : found;
  }
  return null;
}

function fieldOf(control) {
  return control.closest('.veld, fieldset') ?? control.parentElement;
}

function markControl(control, message) {
  const group = control.type === 'radio' || control.type === 'checkbox' ? control.closest('fieldset') : null;
  const field = group ?? fieldOf(control);
  if (!control.id) control.id = uniqueId('veld');
  const existing = field.querySelector(':scope > .veldfout');
  if (existing) return; // first message per field only
  const id = `${control.id}-fout`;
  const error = el('p', { class: 'veldfout', id }, el('span', { class: 'veldfout__label' }, 'Fout: '), message);
  let ref = field.firstElementChild;
  while (ref && ref.matches('label, legend, .hint') && !ref.contains(control)) ref = ref.nextElementSibling;
  field.insertBefore(error, ref);
  field.classList.add('veld--fout');
  const targets = group ? group.querySelectorAll('input') : [control];
  for (const t of targets) {
    t.setAttribute('aria-invalid', 'true');
    t.setAttribute('aria-describedby', [t.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
  }
}

/**
 * Shows errors: `items` is [{control, message}] (control may be null for a
 * message about the whole form). Each control gets its message next to it;
 * the summary at the top of the form lists them all, with links, and gets the
 * focus.
 */
export function showErrors(form, items, intro = 'Er is iets niet goed gegaan') {
  clearProblems(form);
  const summary = summaryOf(form);
  const list = el('ul');
  for (const { control, message } of items) {
    if (control) {
      markControl(control, message);
      list.append(
        el('li', {}, el('a', { href: `#${control.id}`, onclick: (e) => { e.preventDefault(); control.focus(); } }, message)),
      );
    } else {
      list.append(el('li', {}, message));
    }
  }
  replaceChildren(summary, el('h2', {}, intro), list);
  summary.hidden = false;
  summary.focus();
}

/**
 * Shows a server refusal (problem+json) on `form`: each invalidParams entry
 * next to the control its pointer names (by `name`, "a.b" for "/a/b", else the
 * last segment) and in the summary; a problem without invalidParams goes into
 * the summary only.
 */
export function showProblem(form, problem) {
  const items = [];
  const params = Array.isArray(problem?.invalidParams) ? problem.invalidParams : [];
  for (const p of params) {
    const message = reasonMessage(p.code) ?? 'Deze waarde is niet goed.';
    items.push({ control: controlForPointer(form, p.pointer), message });
  }
  if (items.length === 0) items.push({ control: null, message: problemMessage(problem) });
  showErrors(form, items);
}

function constraintMessage(control) {
  const v = control.validity;
  const label = labelText(control);
  if (v.valueMissing) {
    if (control.type === 'checkbox') return `Vink aan: ${label}.`;
    if (control.type === 'radio') return `Kies een van de mogelijkheden bij ${label}.`;
    if (control.type === 'file') return `Kies een bestand bij ${label}.`;
    return `Vul ${label} in.`;
  }
  if (v.typeMismatch && control.type === 'email') return 'Vul een e-mailadres in zoals naam@gemeente.nl.';
  if (v.typeMismatch && control.type === 'url') return 'Vul een webadres in zoals https://voorbeeld.nl/pad.';
  if (v.tooLong) return `${capitalize(label)} mag hoogstens ${control.maxLength} tekens lang zijn.`;
  if (v.tooShort) return `${capitalize(label)} moet minstens ${control.minLength} tekens lang zijn.`;
  if (v.patternMismatch) return control.dataset.patroonFout ?? `${capitalize(label)} heeft niet de goede vorm.`;
  if (v.rangeUnderflow || v.rangeOverflow || v.stepMismatch || v.badInput) {
    const range = allowedRange(control);
    return range ? `${capitalize(label)} moet ${range} zijn.` : `${capitalize(label)} heeft geen geldige waarde.`;
  }
  return `${capitalize(label)} is niet goed ingevuld.`;
}

/** What a number field allows, in words ("een geheel getal van 1 tot en met 1.000"); null when unbounded. */
function allowedRange(control) {
  if (control.type !== 'number') return null;
  const nl = (n) => Number(n).toLocaleString('nl-NL');
  const what = control.step === '1' || control.step === '' ? 'een geheel getal' : 'een getal';
  if (control.min !== '' && control.max !== '') return `${what} van ${nl(control.min)} tot en met ${nl(control.max)}`;
  if (control.min !== '') return `${what} van minstens ${nl(control.min)}`;
  if (control.max !== '') return `${what} van hoogstens ${nl(control.max)}`;
  return what;
}

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function labelText(control) {
  if (control.dataset.naam) return control.dataset.naam;
  const group = control.type === 'radio' ? control.closest('fieldset')?.querySelector('legend') : null;
  const label = group ?? control.labels?.[0];
  const text = (label?.textContent ?? control.name ?? '').replace(/\s*\(.*?\)\s*/g, ' ').trim();
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Checks `form` in the browser before sending: the HTML constraints
 * (required, type, maxlength, pattern; Dutch messages, or data-patroon-fout)
 * and `checks(form)` -> [{control, message}] for rules HTML cannot express.
 * Shows every error (as showErrors) and returns false, or clears and returns true.
 * The form should have `novalidate` so that these messages replace the browser's.
 */
export function checkForm(form, checks) {
  const items = [];
  const seenRadio = new Set();
  for (const control of form.elements) {
    if (!control.willValidate || control.validity.valid) continue;
    if (control.type === 'radio') {
      if (seenRadio.has(control.name)) continue;
      seenRadio.add(control.name);
    }
    items.push({ control, message: control.dataset.fout ?? constraintMessage(control) });
  }
  if (checks) {
    for (const extra of checks(form) ?? []) {
      if (!items.some((i) => i.control && i.control === extra.control)) items.push(extra);
    }
  }
  if (items.length) {
    showErrors(form, items);
    return false;
  }
  clearProblems(form);
  return true;
}

// ---------------------------------------------------------------------------
// Dates

const dateTimeFormat = new Intl.DateTimeFormat('nl-NL', {
  timeZone: 'Europe/Amsterdam',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateFormat = new Intl.DateTimeFormat('nl-NL', {
  timeZone: 'Europe/Amsterdam',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

function parse(iso) {
  if (typeof iso !== 'string' || iso === '') return null;
  // A date without a time ("2026-03-01") is a calendar date: noon UTC keeps it on that day.
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "12 maart 2026 om 14:05" (Europe/Amsterdam); '' for no value; the input when unparseable. */
export function formatDateTime(iso) {
  const d = parse(iso);
  if (!d) return iso ?? '';
  const parts = Object.fromEntries(dateTimeFormat.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.day} ${parts.month} ${parts.year} om ${parts.hour}:${parts.minute}`;
}

/** "12 maart 2026" (Europe/Amsterdam); '' for no value; the input when unparseable. */
export function formatDate(iso) {
  const d = parse(iso);
  if (!d) return iso ?? '';
  return dateFormat.format(d);
}

/** A <time> element showing formatDateTime (or formatDate with dateOnly). */
export function timeElement(iso, dateOnly = false) {
  return el('time', { datetime: iso }, dateOnly ? formatDate(iso) : formatDateTime(iso));
}

/** "ja" / "nee". */
export function yesNo(value) {
  return value ? 'Ja' : 'Nee';
}
