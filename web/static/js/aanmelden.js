// aanmelden.html: register the municipality in an open cohort (MEDEWERKER).

import {
  api,
  checkForm,
  el,
  formatDate,
  formatDateTime,
  requirePage,
  setBusy,
  showProblem,
  showSuccess,
  statusLabel,
} from './poort.js';
import { gemeentePath, linkParagraph, loadAansluiting, notice, pageBody, pageFailed } from './gemeente.js';

const user = await requirePage('MEDEWERKER');
const melding = document.getElementById('melding');

function soortText(c) {
  return c.soort === 'PILOT' ? 'Pilot' : 'Regulier cohort';
}

/** Why a cohort cannot be chosen now, in words. */
function closedReason(c) {
  const now = Date.now();
  if (c.vroegtijdigGesloten) return 'De aanmelding is gesloten.';
  if (Date.parse(c.opentOp) > now) return `De aanmelding begint op ${formatDateTime(c.opentOp)}.`;
  if (Date.parse(c.sluitOp) <= now) return 'De aanmeldperiode is voorbij.';
  if (c.aangemeld >= c.capaciteit) return 'Het cohort is vol.';
  return 'Aanmelden is nu niet mogelijk.';
}

function cohortChoice(c, index) {
  const id = `cohort-${index}`;
  const vrij = Math.max(0, c.capaciteit - c.aangemeld);
  return el(
    'div',
    { class: 'keuze' },
    el('input', { type: 'radio', id, name: 'cohortId', value: c.id, required: true, 'aria-describedby': `${id}-uitleg`, 'data-fout': 'Kies het cohort waarvoor u uw gemeente wilt aanmelden.' }),
    el(
      'label',
      { for: id },
      el('strong', {}, `${c.naam} (${soortText(c)})`),
      el(
        'span',
        { class: 'keuze__uitleg', id: `${id}-uitleg` },
        `Aanmelden kan tot ${formatDateTime(c.sluitOp)}. Aansluiten op ${formatDate(c.aansluitenOp)}. Nog ${vrij} ${vrij === 1 ? 'plaats' : 'plaatsen'} vrij.`,
      ),
    ),
  );
}

function otherCohortsTable(cohorts) {
  if (!cohorts.length) return null;
  return [
    el('h2', {}, 'Andere cohorten'),
    el(
      'div',
      { class: 'tabel-wrapper' },
      el(
        'table',
        { class: 'stapelbaar' },
        el('caption', {}, 'Cohorten waarvoor u zich nu niet kunt aanmelden'),
        el('thead', {}, el('tr', {}, ['Cohort', 'Aanmeldperiode', 'Aansluiten op', 'Waarom niet'].map((h) => el('th', { scope: 'col' }, h)))),
        el(
          'tbody',
          {},
          cohorts.map((c) =>
            el(
              'tr',
              {},
              el('td', { 'data-kop': 'Cohort' }, `${c.naam} (${soortText(c)})`),
              el('td', { 'data-kop': 'Aanmeldperiode' }, `${formatDateTime(c.opentOp)} tot ${formatDateTime(c.sluitOp)}`),
              el('td', { 'data-kop': 'Aansluiten op' }, formatDate(c.aansluitenOp)),
              el('td', { 'data-kop': 'Waarom niet' }, closedReason(c)),
            ),
          ),
        ),
      ),
    ),
  ];
}

function registered(a, cohorts) {
  const c = cohorts.find((x) => x.id === a.cohortId);
  return [
    notice(
      '',
      el('p', {}, c ? `Uw gemeente is aangemeld voor ${c.naam}.` : 'Uw gemeente is al aangemeld voor een cohort.'),
      el('p', {}, `Status van de aansluiting: ${statusLabel(a.status)}.`),
    ),
    linkParagraph('', '/start.html', 'Naar de volgende stap'),
  ];
}

const [a, list] = await Promise.all([loadAansluiting(user), api('GET', '/api/v1/cohorten')]);
if (a && !list.ok) pageFailed(list.problem);
if (a && list.ok) {
  const cohorts = list.data;
  if (a.status !== 'NOT_REGISTERED') {
    pageBody(...registered(a, cohorts));
  } else {
    const open = cohorts.filter((c) => c.aanmeldingOpen);
    const closed = cohorts.filter((c) => !c.aanmeldingOpen);
    if (!open.length) {
      pageBody(
        notice('', el('p', {}, 'Er is op dit moment geen cohort open voor aanmelding. Kijk later nog eens, of neem contact op met Justid.')),
        otherCohortsTable(closed),
      );
    } else {
      const button = el('button', { type: 'submit' }, 'Aanmelden voor dit cohort');
      const form = el(
        'form',
        { novalidate: true, id: 'aanmelden' },
        el(
          'fieldset',
          {},
          el('legend', {}, 'Kies een cohort'),
          el('p', { class: 'hint' }, 'Na de aanmelding accepteert u de aansluitvoorwaarden en vult u de aanvraag in.'),
          open.map(cohortChoice),
        ),
        el('div', { class: 'knoppen' }, button),
      );
      if (open.length === 1) form.elements.cohortId.checked = true;
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!checkForm(form)) return;
        const cohortId = form.elements.cohortId.value;
        setBusy(button, true);
        const res = await api('POST', gemeentePath(user, 'aanmelding'), { cohortId });
        setBusy(button, false);
        if (!res.ok) {
          showProblem(form, res.problem);
          return;
        }
        const c = open.find((x) => x.id === cohortId);
        form.remove();
        showSuccess(melding, `Uw gemeente is aangemeld voor ${c ? c.naam : 'het cohort'}.`);
        pageBody(
          el('h2', {}, 'Volgende stap'),
          linkParagraph('Lees de aansluitvoorwaarden en ga ermee akkoord.', '/voorwaarden.html', 'Aansluitvoorwaarden lezen en accepteren'),
        );
      });
      pageBody(form, otherCohortsTable(closed));
    }
  }
}
