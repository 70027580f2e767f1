// berichten.html: the municipality's inbox (MEDEWERKER), newest first. Each
// row says who the message is about (name, date of birth) and its key date
// (the release date), so that a case worker finds a person without opening
// every message (issue 17 item 3).
//
// The filter form is a plain GET form on this page (ongelezen, soort, vanaf,
// tot, volgorde); paging follows the API's cursor (na). The search by BSN is
// sent in a POST body (with the session's CSRF token), never in a URL: the
// BSN stays in the form field, and the results replace the list until the
// user asks for all messages again. No page shows the BSN in the list.

import { SOORTEN, api, checkForm, el, formatDate, formatDateTime, queryParam, requirePage, showProblem, soortLabel } from './poort.js';
import { afzender, pageBody, pageFailed } from './gemeente.js';

await requirePage('MEDEWERKER');

const PAGE_SIZE = 25;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const filter = document.getElementById('filter');
const zoeken = document.getElementById('zoeken');
const onlyUnread = queryParam('ongelezen') === 'true';
const soort = SOORTEN.includes(queryParam('soort')) ? queryParam('soort') : '';
const vanaf = DATE.test(queryParam('vanaf') ?? '') ? queryParam('vanaf') : '';
const tot = DATE.test(queryParam('tot') ?? '') ? queryParam('tot') : '';
const oudste = queryParam('volgorde') === 'oudste';
const na = /^[0-9]{1,19}$/.test(queryParam('na') ?? '') ? queryParam('na') : '';
filter.elements.ongelezen.checked = onlyUnread;
filter.elements.soort.value = soort;
filter.elements.vanaf.value = vanaf;
filter.elements.tot.value = tot;
filter.elements.volgorde.value = oudste ? 'oudste' : 'nieuwste';

/** The query of the filter in force (no cursor), for the API and for links. */
function filterQuery() {
  const q = new URLSearchParams();
  if (onlyUnread) q.set('ongelezen', 'true');
  if (soort) q.set('soort', soort);
  if (vanaf) q.set('vanaf', vanaf);
  if (tot) q.set('tot', tot);
  if (oudste) q.set('volgorde', 'oudste');
  return q;
}

function pageUrl(cursor) {
  const q = filterQuery();
  if (cursor) q.set('na', cursor);
  const s = q.toString();
  return `/berichten.html${s ? `?${s}` : ''}`;
}

const PURGE_REASONS = {
  BEWAARTERMIJN: 'inhoud verwijderd: bewaartermijn verstreken',
  INGETROKKEN: 'inhoud verwijderd: toestemming ingetrokken',
  VERVANGEN: 'inhoud verwijderd: vervangen door een nieuwere versie',
};

const MELDING_SOORTEN = { BEGIN: 'begin detentie', EINDE: 'einde detentie', VERLOF: 'verlof' };

function statusCell(b) {
  const parts = [];
  if (b.gelezenOp) parts.push(el('span', {}, 'Gelezen'));
  else parts.push(el('span', { class: 'label label--nieuw' }, 'Ongelezen'));
  parts.push(el('br'));
  parts.push(b.bevestigdOp ? 'Ontvangst bevestigd' : 'Ontvangst nog niet bevestigd');
  if (b.gewistOp) parts.push(el('br'), PURGE_REASONS[b.gewistReden] ?? 'inhoud verwijderd');
  else if (b.vervangenDoor) parts.push(el('br'), 'Er is een nieuwere versie');
  return parts;
}

function personCell(b) {
  const p = b.persoon;
  if (!p) {
    if (b.gewistOp) return 'Niet meer bekend (inhoud verwijderd)';
    if (b.soort === 'INTREKKING') return 'Alleen het BSN (open het bericht)';
    return 'Onbekend';
  }
  const naam = [p.voornamen, p.geslachtsnaam].filter(Boolean).join(' ');
  return [el('span', { class: 'persoon-naam' }, naam), p.geboortedatum ? [el('br'), `geboren ${formatDate(p.geboortedatum)}`] : null];
}

function kindCell(b) {
  const parts = [soortLabel(b.soort)];
  if (b.versie > 1) parts.push(` (versie ${b.versie})`);
  if (b.meldingSoort) parts.push(el('br'), MELDING_SOORTEN[b.meldingSoort] ?? b.meldingSoort);
  return parts;
}

function describeFilter() {
  const parts = [oudste ? 'oudste eerst' : 'nieuwste eerst'];
  if (onlyUnread) parts.push('alleen ongelezen');
  if (soort) parts.push(`soort: ${soortLabel(soort)}`);
  if (vanaf) parts.push(`ontvangen vanaf ${formatDate(vanaf)}`);
  if (tot) parts.push(`ontvangen tot en met ${formatDate(tot)}`);
  return parts.join(', ');
}

function table(berichten, caption) {
  return el(
    'div',
    { class: 'tabel-wrapper' },
    el(
      'table',
      { class: 'stapelbaar' },
      el('caption', {}, caption),
      el(
        'thead',
        {},
        el('tr', {}, ['Persoon', 'Soort', 'Invrijheidstelling', 'Ontvangen', 'Status', 'Afzender', 'Bericht'].map((h) => el('th', { scope: 'col' }, h))),
      ),
      el(
        'tbody',
        {},
        berichten.map((b) =>
          el(
            'tr',
            { class: b.gelezenOp ? null : 'ongelezen' },
            el('td', { 'data-kop': 'Persoon' }, personCell(b)),
            el('td', { 'data-kop': 'Soort' }, kindCell(b)),
            el('td', { 'data-kop': 'Invrijheidstelling' }, b.invrijheidstelling ? el('time', { datetime: b.invrijheidstelling }, formatDate(b.invrijheidstelling)) : 'Niet bekend'),
            el('td', { 'data-kop': 'Ontvangen' }, el('time', { datetime: b.ontvangenOp }, formatDateTime(b.ontvangenOp))),
            el('td', { 'data-kop': 'Status' }, statusCell(b)),
            el('td', { 'data-kop': 'Afzender' }, afzender(b)),
            el('td', { 'data-kop': 'Bericht' }, el('a', { href: `/bericht.html?id=${encodeURIComponent(b.berichtId)}`, class: 'code' }, b.berichtId)),
          ),
        ),
      ),
    ),
  );
}

function count(n) {
  return n === 1 ? 'staat 1 bericht' : `staan ${n} berichten`;
}

// --- the list (GET)

async function showList() {
  const q = filterQuery();
  q.set('limiet', String(PAGE_SIZE));
  if (na) q.set('na', na);
  const res = await api('GET', `/api/v1/berichten?${q}`);
  if (!res.ok) {
    if (res.problem?.code === 'invalid_query') showProblem(filter, res.problem);
    pageFailed(res.problem, res.problem?.code === 'invalid_query' ? 'Pas het filter aan en probeer het opnieuw.' : undefined);
    return;
  }
  const { berichten, volgendeCursor, meer } = res.data;
  const paging = el(
    'nav',
    { class: 'paginering', 'aria-label': 'Paginering' },
    na ? el('a', { href: pageUrl('') }, 'Eerste pagina') : null,
    meer ? el('a', { href: pageUrl(volgendeCursor) }, 'Volgende pagina') : null,
  );
  const filtered = onlyUnread || soort || vanaf || tot;
  if (!berichten.length) {
    pageBody(
      el(
        'p',
        {},
        na
          ? 'Er zijn geen berichten meer.'
          : filtered
            ? 'Er zijn geen berichten die bij dit filter passen.'
            : 'Uw gemeente heeft nog geen berichten ontvangen.',
      ),
      na ? paging : null,
    );
    return;
  }
  pageBody(
    el('p', {}, `Op deze pagina ${count(berichten.length)}. Kies een bericht om het te lezen.`),
    table(berichten, `Ontvangen berichten (${describeFilter()})`),
    na || meer ? paging : null,
  );
}

// --- the search by BSN (POST; the BSN only in the body)

async function search(cursor) {
  if (!checkForm(zoeken)) return;
  const bsn = zoeken.elements.bsn.value.trim();
  const q = filterQuery();
  q.set('limiet', String(PAGE_SIZE));
  if (cursor) q.set('na', cursor);
  const res = await api('POST', `/api/v1/berichten/_zoek?${q}`, { bsn });
  if (!res.ok) {
    showProblem(zoeken, res.problem);
    return;
  }
  const { berichten, volgendeCursor, meer } = res.data;
  const all = el('a', { href: pageUrl('') }, 'Alle berichten tonen');
  const more = meer
    ? el('button', { type: 'button', class: 'knop--secundair', onclick: () => search(volgendeCursor) }, 'Volgende pagina van het zoekresultaat')
    : null;
  const heading = el('h2', { id: 'zoekresultaat', tabindex: '-1' }, 'Zoekresultaat');
  pageBody(
    heading,
    berichten.length
      ? [
          el('p', {}, `Over de persoon met het gezochte BSN ${count(berichten.length)}${cursor ? ' op deze pagina' : ''}.`),
          table(berichten, `Berichten over de gezochte persoon (${describeFilter()})`),
        ]
      : el('p', {}, 'Er zijn geen berichten over de persoon met dit BSN die bij dit filter passen. Berichten waarvan de inhoud is verwijderd, worden niet gevonden.'),
    el('p', {}, all),
    more,
  );
  heading.focus();
}

// The filter is a plain GET form; a malformed date is stopped here, with its message.
filter.addEventListener('submit', (event) => {
  if (!checkForm(filter)) event.preventDefault();
});

zoeken.addEventListener('submit', (event) => {
  event.preventDefault();
  search('');
});

await showList();
