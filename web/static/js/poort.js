// poort.js: the shared module of every portal page (ES module, no build step).
//
// - api(): JSON requests to poortd with the CSRF token, problem+json parsed;
// - session() / requirePage(): who is logged in, the header and menu per role;
// - el(): DOM building with textContent only (never innerHTML with data);
// - showProblem() / clearProblems() / checkForm(): errors next to the field and
//   in a summary at the top of the form, in plain Dutch;
// - formatDate(), formatDateTime(), statusLabel(), soortLabel(): Dutch texts;
// - setBusy(), showSuccess(), showPageProblem(): feedback for every user.
//
// Privacy: nothing here writes to the console, and no BSN or name ever goes
// into a URL (detail pages take an opaque id).

// ---------------------------------------------------------------------------
// Dutch texts

/** Labels of the roles, as shown in the header. */
export const ROLE_LABELS = Object.freeze({
  MEDEWERKER: 'Medewerker',
  TEKENBEVOEGDE: 'Tekenbevoegde',
  BEHEERDER: 'Beheerder (Justid)',
});

/** The menu of each role: [text, path]. */
export const MENUS = Object.freeze({
  MEDEWERKER: [
    ['Start', '/start.html'],
    ['Berichten', '/berichten.html'],
    ['Instellingen', '/instellingen.html'],
  ],
  TEKENBEVOEGDE: [
    ['Start', '/start.html'],
    ['Ondertekenen', '/ondertekenen.html'],
    ['Instellingen', '/instellingen.html'],
  ],
  BEHEERDER: [
    ['Overzicht', '/beheer.html'],
    ['Cohorten', '/cohorten.html'],
    ['Gemeenten', '/gemeenten.html'],
    ['Aanvragen', '/aanvragen.html'],
    ['Uitgaande berichten', '/uitgaande-berichten.html'],
    ['Auditlog', '/audit.html'],
  ],
});

/** The start page of each role. */
export const HOME = Object.freeze({
  MEDEWERKER: '/start.html',
  TEKENBEVOEGDE: '/start.html',
  BEHEERDER: '/beheer.html',
});

const STATUS_LABELS = Object.freeze({
  NOT_REGISTERED: 'Niet aangemeld',
  REGISTERED: 'Aangemeld in een cohort',
  CONDITIONS_ACCEPTED: 'Voorwaarden geaccepteerd',
  APPLICATION_DRAFT: 'Aanvraag opgeslagen, nog niet ondertekend',
  SIGNED: 'Aanvraag ondertekend, wacht op beoordeling',
  APPROVED: 'Aanvraag goedgekeurd, wacht op aansluiting',
  REJECTED: 'Aanvraag afgewezen',
  CONNECTED: 'Aangesloten',
  SUSPENDED: 'Opgeschort',
  DISCONNECTED: 'Afgesloten',
});

/** Every onboarding status of a municipality (domain/onboarding.hpp), in flow order. */
export const STATUSES = Object.freeze(Object.keys(STATUS_LABELS));

/** The Dutch label of an onboarding status ("CONNECTED" -> "Aangesloten"). */
export function statusLabel(status) {
  return STATUS_LABELS[status] ?? 'Onbekende status';
}

const SOORT_LABELS = Object.freeze({
  DETENTIEMELDING: 'Detentiemelding',
  INFORMATIEBLAD: 'Informatieblad',
  INTREKKING: 'Intrekking van toestemming',
});

/** Every kind of message (domain/delivery.hpp). */
export const SOORTEN = Object.freeze(Object.keys(SOORT_LABELS));

/** The Dutch label of a message kind ("INFORMATIEBLAD" -> "Informatieblad"). */
export function soortLabel(soort) {
  return SOORT_LABELS[soort] ?? 'Onbekend soort bericht';
}

// One Dutch sentence per reason code: the invalidParams codes (UPPER_SNAKE)
// and the problem codes (snake_case, looked up in upper case). The domain
// codes repeat domain/error.cpp `dutch_message`.
const MESSAGES = Object.freeze({
  BSN_INVALID: 'Het BSN is ongeldig.',
  RSIN_INVALID: 'Het RSIN is ongeldig.',
  KVK_INVALID: 'Het KvK-nummer is ongeldig.',
  OIN_INVALID: 'Het OIN is ongeldig.',
  GEMEENTECODE_INVALID: 'De gemeentecode is ongeldig (verwacht: GM gevolgd door vier cijfers).',
  UUID_INVALID: 'De code is ongeldig.',
  VESTIGINGSNUMMER_INVALID: 'Het vestigingsnummer is ongeldig.',
  JSON_MALFORMED: 'Het verzoek kon niet worden gelezen. Probeer het opnieuw.',
  BODY_TOO_LARGE: 'Wat u verstuurt is te groot.',
  DUPLICATE_FIELD: 'Een veld komt twee keer voor.',
  UNKNOWN_FIELD: 'Dit veld is onbekend.',
  FIELD_REQUIRED: 'Dit veld is verplicht.',
  WRONG_TYPE: 'Dit veld heeft het verkeerde type.',
  VALUE_EMPTY: 'Dit veld mag niet leeg zijn.',
  VALUE_TOO_LONG: 'Dit veld is te lang.',
  VALUE_INVALID_CHARACTERS: 'Dit veld bevat ongeldige tekens.',
  TOO_MANY_ITEMS: 'Dit veld bevat te veel items.',
  DUPLICATE_ITEM: 'Een item komt twee keer voor.',
  VALUE_UNKNOWN: 'Deze waarde is niet toegestaan.',
  NUMBER_OUT_OF_RANGE: 'Dit getal valt buiten het toegestane bereik.',
  DATE_INVALID: 'De datum is ongeldig.',
  DATE_INCONSISTENT: 'De datums kloppen niet met elkaar.',
  EMAIL_INVALID: 'Het e-mailadres is ongeldig.',
  PHONE_INVALID: 'Het telefoonnummer is ongeldig.',
  URL_INVALID: 'Het adres moet beginnen met https:// en mag geen gebruikersnaam of # bevatten.',
  FINGERPRINT_INVALID: 'De vingerafdruk moet een SHA-256-waarde zijn (64 hexadecimale tekens).',
  CERTIFICATE_INVALID: 'Het systeemcertificaat is geen geldig PEM-certificaat met een OIN.',
  CERTIFICATE_UNTRUSTED:
    'Het systeemcertificaat is niet uitgegeven onder de vertrouwde CA, is verlopen of is niet geschikt voor clientauthenticatie.',
  NOT_PERMITTED: 'U bent niet bevoegd voor deze handeling.',
  OTHER_ORGANISATION: 'U bent ingelogd voor een andere organisatie dan deze gemeente.',
  COHORT_NAME_INVALID: 'De naam van het cohort is leeg, te lang of bevat ongeldige tekens.',
  COHORT_WINDOW_INVALID: 'De aanmeldperiode moet sluiten na het moment van openen.',
  COHORT_CAPACITY_INVALID:
    'Het maximum aantal gemeenten moet een geheel getal van 1 tot en met 1.000 zijn, en niet lager dan het aantal aangemelde gemeenten.',
  COHORT_CONNECTION_DATE_INVALID: 'De aansluitdatum mag niet voor de opening van de aanmeldperiode liggen.',
  COHORT_CLOSED: 'De aanmeldperiode van dit cohort is al gesloten.',
  COHORT_UNKNOWN: 'Dit cohort bestaat niet.',
  REGISTRATION_NOT_OPEN: 'De aanmeldperiode van dit cohort is nog niet begonnen.',
  REGISTRATION_CLOSED: 'De aanmeldperiode van dit cohort is gesloten.',
  COHORT_FULL: 'Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld.',
  ALREADY_REGISTERED: 'Uw gemeente is al aangemeld.',
  INVALID_TRANSITION: 'Deze stap is in de huidige status van de aansluiting niet mogelijk.',
  CONDITIONS_OUTDATED: 'De aansluitvoorwaarden zijn gewijzigd; lees en accepteer de nieuwe versie.',
  CONDITIONS_UNKNOWN: 'Deze versie van de aansluitvoorwaarden bestaat niet.',
  APPLICATION_LOCKED: 'De aanvraag kan in deze status niet meer worden gewijzigd.',
  APPLICATION_OIN_MISMATCH: 'Het OIN van het systeemcertificaat is niet het OIN van uw gemeente.',
  APPLICATION_CHANGED: 'De aanvraag is gewijzigd nadat u deze heeft ingezien; bekijk de aanvraag opnieuw.',
  ASSERTION_ID_INVALID: 'De ondertekening mist een geldige inlogverklaring. Log opnieuw in als tekenbevoegde.',
  REASON_REQUIRED: 'Geef een reden op.',
  REASON_TOO_LONG: 'De reden is te lang.',
  SETTINGS_LOCKED: 'De instellingen kunnen pas worden gewijzigd als de aanvraag is goedgekeurd. Wijzig tot die tijd de aanvraag.',
  INVALID_BODY: 'Niet alle gegevens zijn goed ingevuld.',
  INVALID_QUERY: 'De zoekopdracht is niet goed ingevuld.',
  NO_MUNICIPALITY: 'U bent niet ingelogd voor een gemeente.',
  CONNECTION_DATE_NOT_REACHED: 'De aansluitdatum van het cohort is nog niet bereikt.',
  MUNICIPALITY_UNKNOWN: 'Deze gemeente is niet bekend.',
  NOT_CONNECTED: 'De gemeente is niet aangesloten.',
  NOT_WANTED: 'De gemeente ontvangt dit soort berichten niet.',
  CONSENT_MISSING: 'Voor deze basisvoorwaarde is geen toestemming gegeven.',
  CONSENT_WITHDRAWN: 'De toestemming voor deze basisvoorwaarde is ingetrokken.',
  NOT_FOUND: 'Wat u zoekt bestaat niet (meer), of u heeft er geen toegang toe.',
  WRONG_ROLE: 'U heeft niet de juiste rol voor deze handeling.',
  CSRF_TOKEN_INVALID: 'Uw verzoek kon niet worden gecontroleerd. Laad de pagina opnieuw en probeer het nog eens.',
  NOT_LOGGED_IN: 'U bent niet (meer) ingelogd.',
  STORE_UNAVAILABLE: 'Poort is tijdelijk niet beschikbaar. Probeer het over een paar minuten opnieuw.',
  SERVICE_UNAVAILABLE: 'Deze functie is op dit moment niet beschikbaar. Probeer het later opnieuw.',
  INTERNAL_ERROR: 'Er ging iets mis bij het verwerken. Probeer het later opnieuw.',
  METHOD_NOT_ALLOWED: 'Deze handeling is hier niet mogelijk.',
  NETWORK_ERROR: 'Poort is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.',
});

const STATUS_MESSAGES = Object.freeze({
  400: 'Het verzoek is niet goed ingevuld.',
  403: 'U heeft geen toegang tot deze handeling.',
  404: 'Wat u zoekt bestaat niet (meer), of u heeft er geen toegang toe.',
  409: 'Deze stap is nu niet mogelijk.',
  413: 'Wat u verstuurt is te groot.',
  422: 'Het verzoek is niet geaccepteerd.',
  503: 'Poort is tijdelijk niet beschikbaar. Probeer het later opnieuw.',
});

/** The Dutch sentence for a reason code (either case); null when unknown. */
export function reasonMessage(code) {
  if (typeof code !== 'string') return null;
  return MESSAGES[code.toUpperCase()] ?? null;
}

/** One Dutch sentence for a whole problem (its code, else its HTTP status). */
export function problemMessage(problem) {
  if (!problem) return MESSAGES.INTERNAL_ERROR;
  return reasonMessage(problem.code) ?? STATUS_MESSAGES[problem.status] ?? MESSAGES.INTERNAL_ERROR;
}

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
      problem: { code: 'network_error', title: 'Geen verbinding', status: 0, detail: MESSAGES.NETWORK_ERROR },
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
