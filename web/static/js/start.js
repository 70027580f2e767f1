// start.html: the onboarding status of the user's municipality in words, the
// steps so far, and ONE clear next step for each status and role.

import { api, definitionList, el, formatDate, formatDateTime, requirePage, statusLabel } from './poort.js';
import { loadAansluiting, pageBody } from './gemeente.js';

const user = await requirePage('MEDEWERKER', 'TEKENBEVOEGDE');
const casework = user.rol === 'MEDEWERKER';

const STEPS = [
  ['Aanmelden voor een cohort', 'REGISTERED'],
  ['Aansluitvoorwaarden accepteren', 'CONDITIONS_ACCEPTED'],
  ['Aanvraag invullen', 'APPLICATION_DRAFT'],
  ['Aanvraag ondertekenen door een tekenbevoegde', 'SIGNED'],
  ['Beoordeling door Justid', 'APPROVED'],
  ['Aansluiten', 'CONNECTED'],
];
const ORDER = ['NOT_REGISTERED', 'REGISTERED', 'CONDITIONS_ACCEPTED', 'APPLICATION_DRAFT', 'SIGNED', 'APPROVED', 'CONNECTED'];

/** How far the municipality is: the index in ORDER of the last step done. */
function progress(status) {
  if (status === 'REJECTED') return ORDER.indexOf('CONDITIONS_ACCEPTED');
  if (status === 'SUSPENDED' || status === 'DISCONNECTED') return ORDER.length - 1;
  return ORDER.indexOf(status);
}

function steps(status) {
  const done = progress(status);
  return el(
    'ol',
    { class: 'stappen' },
    STEPS.map(([text, reached], i) => {
      const index = ORDER.indexOf(reached);
      const state = index <= done ? 'klaar' : index === done + 1 ? 'nu' : 'later';
      const word = { klaar: 'Klaar', nu: status === 'REJECTED' ? 'Aanpassen of opnieuw ondertekenen' : 'Nu aan de beurt', later: 'Nog niet' }[state];
      return el('li', { class: `stap--${state}`, 'aria-current': state === 'nu' ? 'step' : null }, text, el('span', { class: 'stap__status' }, word));
    }),
  );
}

/** The next step: [explanation paragraphs..., optional link as [href, text]]. */
function nextStep(a, cohort) {
  const waitForCasework = 'Een medewerker van uw gemeente zet deze stap. Daarna kunt u verder.';
  switch (a.status) {
    case 'NOT_REGISTERED':
      return casework
        ? [['Meld uw gemeente aan voor een cohort. Daarmee begint de aansluiting.'], ['/aanmelden.html', 'Aanmelden voor een cohort']]
        : [['Uw gemeente is nog niet aangemeld. ' + waitForCasework]];
    case 'REGISTERED':
      return casework
        ? [['Lees de aansluitvoorwaarden en ga ermee akkoord.'], ['/voorwaarden.html', 'Aansluitvoorwaarden lezen en accepteren']]
        : [['De aansluitvoorwaarden zijn nog niet geaccepteerd. ' + waitForCasework]];
    case 'CONDITIONS_ACCEPTED':
      return casework
        ? [['Vul de aanvraag in: wie de nazorgcoördinator is, welke berichten uw gemeente wil ontvangen en het certificaat van uw systeem.'], ['/aanvraag.html', 'Aanvraag invullen']]
        : [['De aanvraag is nog niet ingevuld. ' + waitForCasework]];
    case 'APPLICATION_DRAFT':
      return casework
        ? [['Vraag een tekenbevoegde van uw gemeente om de aanvraag te ondertekenen. Die logt daarvoor in als tekenbevoegde.', 'Wilt u eerst nog iets veranderen? Dat kan tot de ondertekening.'], ['/aanvraag.html', 'Aanvraag bekijken of wijzigen']]
        : [['De aanvraag is klaar om te ondertekenen. Controleer de gegevens en onderteken namens uw gemeente.'], ['/ondertekenen.html', 'Aanvraag bekijken en ondertekenen']];
    case 'SIGNED':
      return [[`De aanvraag is ondertekend${a.ondertekening ? ` op ${formatDateTime(a.ondertekening.ondertekendOp)}` : ''}. Justid beoordeelt de aanvraag nu. U hoeft niets te doen; de uitkomst ziet u op deze pagina.`]];
    case 'APPROVED':
      return [[
        'Justid heeft de aanvraag goedgekeurd.',
        cohort
          ? `Uw gemeente wordt aangesloten op ${formatDate(cohort.aansluitenOp)}, met cohort ${cohort.naam}. U hoeft tot die tijd niets te doen.`
          : 'Uw gemeente wordt aangesloten op de aansluitdatum van het cohort. U hoeft tot die tijd niets te doen.',
      ]];
    case 'REJECTED':
      return casework
        ? [['Justid heeft de aanvraag afgewezen. Lees de reden hieronder, pas de aanvraag aan en vraag een tekenbevoegde om opnieuw te ondertekenen.'], ['/aanvraag.html', 'Aanvraag aanpassen']]
        : [['Justid heeft de aanvraag afgewezen. Lees de reden hieronder. Een medewerker kan de aanvraag aanpassen; daarna ondertekent u opnieuw.'], ['/ondertekenen.html', 'Aanvraag bekijken']];
    case 'CONNECTED':
      return casework
        ? [[`Uw gemeente is aangesloten${a.aangeslotenOp ? ` sinds ${formatDate(a.aangeslotenOp)}` : ''}. U ontvangt nu berichten van penitentiaire inrichtingen.`], ['/berichten.html', 'Naar uw berichten']]
        : [[`Uw gemeente is aangesloten${a.aangeslotenOp ? ` sinds ${formatDate(a.aangeslotenOp)}` : ''}. U kunt de instellingen van de aansluiting bekijken en wijzigen.`], ['/instellingen.html', 'Naar de instellingen']];
    case 'SUSPENDED':
      return [[
        'De aansluiting van uw gemeente is tijdelijk opgeschort. Uw gemeente ontvangt nu geen nieuwe berichten.',
        'Neem contact op met Justid om de aansluiting weer te laten starten.',
      ]];
    case 'DISCONNECTED':
      return [[
        'Uw gemeente is afgesloten van poort en ontvangt geen berichten meer.',
        'Wilt u weer aangesloten worden? Neem contact op met Justid.',
      ]];
    default:
      return [['De status van de aansluiting is onbekend. Neem contact op met Justid.']];
  }
}

const a = await loadAansluiting(user);
if (a) {
  let cohort = null;
  if (a.cohortId) {
    const res = await api('GET', `/api/v1/cohorten/${encodeURIComponent(a.cohortId)}`);
    if (res.ok) cohort = res.data;
  }
  const [texts, link] = nextStep(a, cohort);
  const details = [
    ['Gemeente', `${a.naam} (${a.gemeentecode})`],
    ['Status', el('strong', {}, statusLabel(a.status))],
  ];
  // Once connected, the date that counts is the actual one (below); an
  // administrator may have connected the municipality before the cohort's date.
  if (cohort)
    details.push(['Cohort', a.aangeslotenOp ? cohort.naam : `${cohort.naam}, aansluiten op ${formatDate(cohort.aansluitenOp)}`]);
  if (a.aangemeldOp) details.push(['Aangemeld op', formatDateTime(a.aangemeldOp)]);
  if (a.voorwaarden) details.push(['Voorwaarden geaccepteerd', `Versie ${a.voorwaarden.versie}, op ${formatDateTime(a.voorwaarden.geaccepteerdOp)}`]);
  if (a.ondertekening) details.push(['Aanvraag ondertekend op', formatDateTime(a.ondertekening.ondertekendOp)]);
  if (a.beoordeling)
    details.push([
      a.beoordeling.besluit === 'GOEDGEKEURD' ? 'Goedgekeurd op' : 'Afgewezen op',
      formatDateTime(a.beoordeling.beslotenOp),
    ]);
  if (a.aangeslotenOp) details.push(['Aangesloten op', formatDateTime(a.aangeslotenOp)]);

  const reason =
    a.status === 'REJECTED' && a.beoordeling?.reden
      ? el('div', { class: 'melding melding--reden' }, el('h3', {}, 'Reden van de afwijzing'), el('p', { class: 'tekst-vrij' }, a.beoordeling.reden))
      : (a.status === 'SUSPENDED' || a.status === 'DISCONNECTED') && a.statusReden
        ? el('div', { class: 'melding melding--reden' }, el('h3', {}, 'Reden van Justid'), el('p', { class: 'tekst-vrij' }, a.statusReden))
        : null;

  pageBody(
    el(
      'section',
      { class: 'volgende-stap', 'aria-labelledby': 'volgende-stap-kop' },
      el('h2', { id: 'volgende-stap-kop' }, 'Wat moet u nu doen?'),
      texts.map((t) => el('p', {}, t)),
      reason,
      link ? el('p', {}, el('a', { href: link[0], class: 'knop' }, link[1])) : null,
    ),
    el('h2', {}, 'Gegevens van de aansluiting'),
    definitionList(details),
    el('h2', {}, 'Stappen naar aansluiting'),
    steps(a.status),
  );
}
