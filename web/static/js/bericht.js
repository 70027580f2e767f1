// bericht.html?id=<berichtId>: one message (MEDEWERKER), laid out per kind:
// a detention notification (begin / end / leave), an information sheet with
// its sections, or a withdrawal of consent; and "Ontvangst bevestigen".
// A message of another municipality does not exist for this user (404).

import { api, definitionList, el, formatDate, formatDateTime, queryParam, requirePage, setBusy, showProblem, showSuccess, soortLabel } from './poort.js';
import { afzender, notice, pageBody, pageFailed } from './gemeente.js';

await requirePage('MEDEWERKER');

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const WITHDRAWN = 'De gedetineerde heeft de toestemming ingetrokken; de betreffende onderdelen zijn verwijderd.';

const DETENTIE = {
  BEGIN: { titel: 'Begin van detentie', datum: 'Datum van insluiting' },
  EINDE: { titel: 'Einde van detentie', datum: 'Datum van invrijheidstelling' },
  VERLOF: { titel: 'Verlof', datum: 'Begindatum van het verlof' },
};
const GRONDSLAG = {
  LAATSTE_BRP_ADRES: 'Laatste adres in de BRP is in uw gemeente',
  VOORGENOMEN_VESTIGING: 'De gedetineerde wil zich in uw gemeente vestigen',
};
// The six basic conditions: JSON member of secties / toestemming, the
// withdrawal's enumeration value, and the Dutch name.
const BASISVOORWAARDEN = [
  ['werkEnInkomen', 'WERK_EN_INKOMEN', 'Werk en inkomen'],
  ['onderdak', 'ONDERDAK', 'Onderdak'],
  ['zorg', 'ZORG', 'Zorg'],
  ['schulden', 'SCHULDEN', 'Schulden'],
  ['identiteitsbewijs', 'IDENTITEITSBEWIJS', 'Identiteitsbewijs'],
  ['zorgVoorThuis', 'ZORG_VOOR_THUIS', 'Zorg voor thuis'],
];
const ONDERWERPEN = {
  WERK: 'Werk',
  UITKERING: 'Uitkering',
  DAGBESTEDING: 'Dagbesteding',
  OPLEIDING: 'Opleiding',
  HUISVESTING_NA_DETENTIE: 'Huisvesting na detentie',
  BEHOUD_WONING: 'Behoud van de woning',
  MAATSCHAPPELIJKE_OPVANG: 'Maatschappelijke opvang',
  BRP_INSCHRIJVING: 'Inschrijving in de BRP',
  ZORGVERZEKERING: 'Zorgverzekering',
  LICHAMELIJKE_GEZONDHEID: 'Lichamelijke gezondheid',
  GEESTELIJKE_GEZONDHEID: 'Geestelijke gezondheid',
  VERSLAVING: 'Verslaving',
  SCHULDENOVERZICHT: 'Overzicht van schulden',
  SCHULDHULPVERLENING: 'Schuldhulpverlening',
  BEWINDVOERING: 'Bewindvoering',
  GELDIG_IDENTITEITSBEWIJS: 'Geldig identiteitsbewijs',
  AANVRAAG_IDENTITEITSBEWIJS: 'Aanvraag van een identiteitsbewijs',
  KINDEREN: 'Kinderen',
  PARTNER_EN_GEZIN: 'Partner en gezin',
  MANTELZORG: 'Mantelzorg',
};
const PURGED = {
  BEWAARTERMIJN: 'De bewaartermijn van dit bericht is voorbij. Daarom is de inhoud verwijderd.',
  INGETROKKEN: WITHDRAWN,
  VERVANGEN: 'Dit informatieblad is vervangen door een nieuwere versie. Daarom is de inhoud verwijderd.',
};

const titel = document.getElementById('titel');

function setTitle(text) {
  titel.textContent = text;
  document.title = `${text} – poort`;
}

function notFound() {
  setTitle('Bericht niet gevonden');
  pageBody(
    el('p', {}, 'Dit bericht bestaat niet, of het is niet voor uw gemeente.'),
    el('p', {}, el('a', { href: '/berichten.html' }, 'Naar uw berichten')),
  );
}

function person(p) {
  const naam = [p.voornamen, p.geslachtsnaam].filter(Boolean).join(' ');
  const pairs = [];
  if (p.geslachtsnaam !== undefined) pairs.push(['Naam', naam]);
  pairs.push(['BSN', p.bsn]);
  if (p.geboortedatum) pairs.push(['Geboortedatum', formatDate(p.geboortedatum)]);
  return [el('h2', {}, 'Over wie'), definitionList(pairs)];
}

function metadata(b) {
  return [
    el('h2', {}, 'Over dit bericht'),
    definitionList([
      ['Soort', soortLabel(b.soort)],
      ['Ontvangen op', formatDateTime(b.ontvangenOp)],
      ['Afzender', afzender(b)],
      ['Berichtkenmerk', el('span', { class: 'code' }, b.berichtId)],
      ['Eerst gelezen op', b.gelezenOp ? formatDateTime(b.gelezenOp) : 'Nu'],
    ]),
  ];
}

function detentiemelding(m) {
  const d = DETENTIE[m.soort] ?? { titel: 'Detentiemelding', datum: 'Datum' };
  const pairs = [
    ['Gebeurtenis', d.titel],
    [d.datum, formatDate(m.gebeurtenisdatum)],
  ];
  if (m.verwachteInvrijheidstelling) pairs.push(['Verwachte datum van invrijheidstelling', formatDate(m.verwachteInvrijheidstelling)]);
  pairs.push(['Waarom uw gemeente', GRONDSLAG[m.grondslag] ?? m.grondslag]);
  return [
    el('h2', {}, 'De melding'),
    definitionList(pairs),
    ...person(m.persoon),
    el('h2', {}, 'Casemanager in de inrichting'),
    definitionList([
      ['Naam', m.casemanager.naam],
      ['E-mailadres', m.casemanager.email],
      ['Telefoonnummer', m.casemanager.telefoon],
    ]),
  ];
}

function section(label, items, index) {
  return el(
    'section',
    { class: 'sectie', 'aria-labelledby': `sectie-${index}` },
    el('h3', { id: `sectie-${index}` }, label),
    el(
      'div',
      { class: 'tabel-wrapper' },
      el(
        'table',
        { class: 'stapelbaar' },
        el('caption', { class: 'visueel-verborgen' }, `${label}: onderwerpen`),
        el('thead', {}, el('tr', {}, ['Onderwerp', 'Hulp nodig', 'Toelichting'].map((h) => el('th', { scope: 'col' }, h)))),
        el(
          'tbody',
          {},
          items.map((item) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, ONDERWERPEN[item.onderwerp] ?? item.onderwerp),
              el('td', { 'data-kop': 'Hulp nodig' }, item.hulpNodig ? 'Ja' : 'Nee'),
              el('td', { 'data-kop': 'Toelichting', class: 'tekst-vrij' }, item.toelichting || 'Geen toelichting'),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * Why a basic condition has no section in the sheet (issue 17 item 4): poort
 * knows the withdrawals (b.gewisteSecties: removed from this sheet;
 * b.ingetrokken: withdrawn under its consent record, also before this version
 * was sent) and the consent the prison recorded.
 */
function whyAbsent(b, m, key, value) {
  const purged = (b.gewisteSecties ?? []).find((s) => s.basisvoorwaarde === value);
  if (purged) return `de gedetineerde heeft de toestemming ingetrokken; de informatie is op ${formatDateTime(purged.gewistOp)} verwijderd.`;
  if ((b.ingetrokken ?? []).includes(value)) return 'de gedetineerde heeft de toestemming ingetrokken.';
  if (m.toestemming.basisvoorwaarden?.[key]) return 'de inrichting heeft hierover niets gemeld.';
  return 'de gedetineerde heeft hiervoor geen toestemming gegeven.';
}

function informatieblad(m, b) {
  const secties = m.secties ?? {};
  const present = BASISVOORWAARDEN.filter(([key]) => Array.isArray(secties[key]));
  const absent = BASISVOORWAARDEN.filter(([key]) => !Array.isArray(secties[key]));
  return [
    b.vervangenDoor
      ? notice('waarschuwing', el('p', {}, 'Er is een nieuwere versie van dit informatieblad. ', el('a', { href: `/bericht.html?id=${encodeURIComponent(b.vervangenDoor)}` }, 'Naar de nieuwste versie')))
      : null,
    definitionList([
      ['Versie', String(m.versie)],
      ['Vervangt', m.vervangt ? el('a', { href: `/bericht.html?id=${encodeURIComponent(m.vervangt)}`, class: 'code' }, m.vervangt) : 'Niets: dit is de eerste versie'],
      ['Toestemming gegeven op', formatDate(m.toestemming.datum)],
      ['Kenmerk van de toestemming', el('span', { class: 'code' }, m.toestemming.id)],
    ]),
    ...person(m.persoon),
    el('h2', {}, 'Informatie per basisvoorwaarde'),
    present.length ? present.map(([key, , label], i) => section(label, secties[key], i)) : el('p', {}, 'Dit informatieblad bevat geen informatie meer.'),
    absent.length
      ? [
          el('h2', {}, 'Geen informatie over'),
          el('p', {}, 'Over deze basisvoorwaarden staat niets in dit informatieblad:'),
          el(
            'ul',
            {},
            absent.map(([key, value, label]) => el('li', {}, `${label}: ${whyAbsent(b, m, key, value)}`)),
          ),
        ]
      : null,
  ];
}

function intrekking(m) {
  const which = m.basisvoorwaarden === 'ALLE' ? 'Alle basisvoorwaarden' : null;
  const names = Array.isArray(m.basisvoorwaarden)
    ? m.basisvoorwaarden.map((v) => BASISVOORWAARDEN.find(([, e]) => e === v)?.[2] ?? v)
    : [];
  return [
    notice('waarschuwing', el('p', {}, WITHDRAWN)),
    el('h2', {}, 'Welke toestemming is ingetrokken'),
    definitionList([
      ['Kenmerk van de toestemming', el('span', { class: 'code' }, m.toestemmingId)],
      ['Ingetrokken voor', which ?? el('ul', {}, names.map((n) => el('li', {}, n)))],
    ]),
    ...person(m.persoon),
  ];
}

function acknowledgement(b) {
  const status = el('div', { role: 'status' });
  if (b.bevestigdOp) {
    showSuccess(status, `Ontvangst bevestigd op ${formatDateTime(b.bevestigdOp)}.`);
    return [el('h2', {}, 'Ontvangst'), status];
  }
  const button = el('button', { type: 'submit' }, 'Ontvangst bevestigen');
  const form = el(
    'form',
    { novalidate: true, id: 'bevestigen' },
    el('p', {}, 'Bevestig dat uw gemeente dit bericht heeft ontvangen. De penitentiaire inrichting ziet dan dat het bericht is aangekomen.'),
    el('div', { class: 'knoppen' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(button, true);
    const res = await api('POST', `/api/v1/berichten/${encodeURIComponent(b.berichtId)}/ontvangstbevestiging`);
    setBusy(button, false);
    if (!res.ok) {
      showProblem(form, res.problem);
      return;
    }
    form.remove();
    showSuccess(status, `Ontvangst bevestigd op ${formatDateTime(res.data.bevestigdOp)}.`);
  });
  return [el('h2', {}, 'Ontvangst'), status, form];
}

const id = queryParam('id') ?? '';
if (!UUID.test(id)) {
  notFound();
} else {
  const res = await api('GET', `/api/v1/berichten/${encodeURIComponent(id)}`);
  if (!res.ok && res.status === 404) notFound();
  else if (!res.ok) pageFailed(res.problem);
  else {
    const b = res.data;
    const m = b.inhoud;
    let content;
    if (!m) {
      setTitle(soortLabel(b.soort));
      content = [notice('waarschuwing', el('p', {}, PURGED[b.gewistReden] ?? 'De inhoud van dit bericht is verwijderd.'), b.gewistOp ? el('p', {}, `Verwijderd op ${formatDateTime(b.gewistOp)}.`) : null)];
      if (b.vervangenDoor)
        content.push(el('p', {}, el('a', { href: `/bericht.html?id=${encodeURIComponent(b.vervangenDoor)}` }, 'Naar de nieuwste versie')));
    } else if (b.soort === 'DETENTIEMELDING') {
      setTitle(`Detentiemelding: ${(DETENTIE[m.soort]?.titel ?? '').toLowerCase()}`);
      content = detentiemelding(m);
    } else if (b.soort === 'INFORMATIEBLAD') {
      setTitle('Informatieblad');
      content = informatieblad(m, b);
    } else {
      setTitle('Intrekking van toestemming');
      content = intrekking(m);
    }
    pageBody(...content, ...acknowledgement(b), ...metadata(b));
  }
}
