// berichten.html: the municipality's inbox (MEDEWERKER). The filter form is a
// plain GET form on this page (ongelezen, soort); paging follows the API's
// cursor (na). The list holds metadata only: no BSN, no names.

import { SOORTEN, api, el, formatDateTime, queryParam, requirePage, soortLabel } from './poort.js';
import { afzender, pageBody, pageFailed } from './gemeente.js';

await requirePage('MEDEWERKER');

const PAGE_SIZE = 25;

const filter = document.getElementById('filter');
const onlyUnread = queryParam('ongelezen') === 'true';
const soort = SOORTEN.includes(queryParam('soort')) ? queryParam('soort') : '';
const na = /^[0-9]{1,19}$/.test(queryParam('na') ?? '') ? queryParam('na') : '';
filter.elements.ongelezen.checked = onlyUnread;
filter.elements.soort.value = soort;

function pageUrl(cursor) {
  const q = new URLSearchParams();
  if (onlyUnread) q.set('ongelezen', 'true');
  if (soort) q.set('soort', soort);
  if (cursor) q.set('na', cursor);
  const s = q.toString();
  return `/berichten.html${s ? `?${s}` : ''}`;
}

const PURGE_REASONS = {
  BEWAARTERMIJN: 'inhoud verwijderd: bewaartermijn verstreken',
  INGETROKKEN: 'inhoud verwijderd: toestemming ingetrokken',
  VERVANGEN: 'inhoud verwijderd: vervangen door een nieuwere versie',
};

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

function describeFilter() {
  const parts = [];
  if (onlyUnread) parts.push('alleen ongelezen');
  if (soort) parts.push(`soort: ${soortLabel(soort)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function table(berichten) {
  return el(
    'div',
    { class: 'tabel-wrapper' },
    el(
      'table',
      { class: 'stapelbaar' },
      el('caption', {}, `Ontvangen berichten, oudste eerst${describeFilter()}`),
      el(
        'thead',
        {},
        el('tr', {}, ['Ontvangen', 'Soort', 'Status', 'Afzender', 'Bericht'].map((h) => el('th', { scope: 'col' }, h))),
      ),
      el(
        'tbody',
        {},
        berichten.map((b) =>
          el(
            'tr',
            { class: b.gelezenOp ? null : 'ongelezen' },
            el('td', { 'data-kop': 'Ontvangen' }, el('time', { datetime: b.ontvangenOp }, formatDateTime(b.ontvangenOp))),
            el('td', { 'data-kop': 'Soort' }, soortLabel(b.soort), b.versie > 1 ? ` (versie ${b.versie})` : null),
            el('td', { 'data-kop': 'Status' }, statusCell(b)),
            el('td', { 'data-kop': 'Afzender' }, afzender(b)),
            el('td', { 'data-kop': 'Bericht' }, el('a', { href: `/bericht.html?id=${encodeURIComponent(b.berichtId)}`, class: 'code' }, b.berichtId)),
          ),
        ),
      ),
    ),
  );
}

const q = new URLSearchParams({ limiet: String(PAGE_SIZE) });
if (onlyUnread) q.set('ongelezen', 'true');
if (soort) q.set('soort', soort);
if (na) q.set('na', na);
const res = await api('GET', `/api/v1/berichten?${q}`);
if (!res.ok) {
  pageFailed(res.problem);
} else {
  const { berichten, volgendeCursor, meer } = res.data;
  const paging = el(
    'nav',
    { class: 'paginering', 'aria-label': 'Paginering' },
    na ? el('a', { href: pageUrl('') }, 'Eerste pagina') : null,
    meer ? el('a', { href: pageUrl(volgendeCursor) }, 'Volgende pagina') : null,
  );
  if (!berichten.length) {
    pageBody(
      el(
        'p',
        {},
        na
          ? 'Er zijn geen berichten meer.'
          : onlyUnread || soort
            ? 'Er zijn geen berichten die bij dit filter passen.'
            : 'Uw gemeente heeft nog geen berichten ontvangen.',
      ),
      na ? paging : null,
    );
  } else {
    pageBody(
      el('p', {}, `Op deze pagina ${berichten.length === 1 ? 'staat 1 bericht' : `staan ${berichten.length} berichten`}. Kies een bericht om het te lezen.`),
      table(berichten),
      na || meer ? paging : null,
    );
  }
}
