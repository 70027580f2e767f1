// aanvraag-beoordelen.html?gemeente=GMnnnn: the whole signed application of one
// municipality, and the decision: "Goedkeuren", or "Afwijzen" with a reason
// after an inline confirmation. Once approved, "Aansluiten" connects at once.

import { requirePage, api, el, replaceChildren, queryParam, statusLabel, formatDateTime, definitionList, yesNo, problemMessage, setBusy, showSuccess, clearSuccess } from './poort.js';
import { showLoadFailure, confirmStep } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const aanvraag = document.getElementById('aanvraag');
const besluit = document.getElementById('besluit');
const melding = document.getElementById('melding');
const heading = document.querySelector('h1');
const code = queryParam('gemeente');

function section(title, ...content) {
  return el('section', { class: 'blok' }, el('h2', {}, title), ...content);
}

function alert(text) {
  return el('div', { class: 'melding melding--fout', role: 'alert' }, el('p', {}, text));
}

function showView(v, cohort) {
  heading.textContent = `Aanvraag beoordelen: ${v.naam}`;
  document.title = `Aanvraag ${v.naam} beoordelen – beheer – poort`;
  const a = v.aanvraag;
  const o = v.ondertekening;
  const outdated = v.voorwaarden && v.actueleVoorwaarden && v.voorwaarden.sha256 !== v.actueleVoorwaarden.sha256;
  aanvraag.removeAttribute('aria-busy');
  replaceChildren(
    aanvraag,
    section('Gemeente', definitionList([
      ['Naam', v.naam],
      ['Gemeentecode', v.gemeentecode],
      ['OIN', v.oin],
      ['Status', statusLabel(v.status)],
      ['Cohort', cohort ? `${cohort.naam} (aansluiten op ${formatDateTime(cohort.aansluitenOp)})` : v.cohortId],
      ['Aangemeld op', v.aangemeldOp ? formatDateTime(v.aangemeldOp) : ''],
      ['Reden bij de status', v.statusReden],
    ])),
    section('Aansluitvoorwaarden', definitionList([
      ['Geaccepteerde versie', v.voorwaarden?.versie],
      ['Geaccepteerd op', v.voorwaarden ? formatDateTime(v.voorwaarden.geaccepteerdOp) : ''],
      ['Actuele versie', v.actueleVoorwaarden?.versie],
    ]), outdated ? el('p', { class: 'melding melding--waarschuwing' }, 'Let op: de gemeente accepteerde niet de actuele versie.') : null),
    a
      ? section('Aanvraag', definitionList([
          ['Nazorgcoördinator', a.nazorgcoordinator.naam],
          ['E-mailadres', a.nazorgcoordinator.email],
          ['Telefoonnummer', a.nazorgcoordinator.telefoon],
          ['Ontvangt detentiemeldingen', yesNo(a.ontvangtDetentiemeldingen)],
          ['Ontvangt informatiebladen', yesNo(a.ontvangtInformatiebladen)],
          ['Adres voor push-levering', a.pushEndpoint ?? 'Geen (de gemeente haalt berichten op)'],
          ['OIN in het systeemcertificaat', a.systeemcertificaat.oin],
          ['Vingerafdruk systeemcertificaat (SHA-256)', el('code', { class: 'vingerafdruk' }, a.systeemcertificaat.sha256)],
        ]))
      : section('Aanvraag', el('p', {}, 'De gemeente heeft nog geen aanvraag opgeslagen.')),
    o
      ? section('Ondertekening', definitionList([
          ['Ondertekend op', formatDateTime(o.ondertekendOp)],
          ['Ondertekenaar (pseudoniem)', el('code', { class: 'vingerafdruk' }, o.ondertekenaar)],
          ['Versie voorwaarden', o.voorwaardenVersie],
          ['SHA-256 van de ondertekende tekst', el('code', { class: 'vingerafdruk' }, o.aanvraagSha256)],
        ]), v.aanvraagTekst
          ? el('details', {}, el('summary', {}, 'De ondertekende tekst'), el('pre', { class: 'aanvraag-tekst', tabindex: '0' }, v.aanvraagTekst))
          : null)
      : null,
    v.beoordeling
      ? section('Beoordeling', definitionList([
          ['Besluit', v.beoordeling.besluit === 'GOEDGEKEURD' ? 'Goedgekeurd' : 'Afgewezen'],
          ['Reden', v.beoordeling.reden],
          ['Besloten op', formatDateTime(v.beoordeling.beslotenOp)],
        ]))
      : null,
  );
}

async function review(decision, reden) {
  const body = decision === 'AFWIJZEN' ? { besluit: decision, reden } : { besluit: decision };
  return api('POST', `/api/v1/gemeenten/${encodeURIComponent(code)}/beoordeling`, body);
}

function showDecision(v, cohort) {
  if (v.status === 'APPROVED') {
    const connect = el('button', { type: 'button', class: 'knop' }, 'Aansluiten');
    const when = cohort ? `op ${formatDateTime(cohort.aansluitenOp)}` : 'op de aansluitdatum van het cohort';
    const step = el('div', { class: 'actie' });
    // Connecting early is confirmed first, as suspending is on the municipalities page.
    connect.addEventListener('click', () => {
      clearSuccess(melding);
      confirmStep(step, {
        title: `${v.naam} nu aansluiten?`,
        explanation: [
          `Poort sluit de gemeente anders vanzelf aan ${when}.`,
          'Na het aansluiten kunnen penitentiaire inrichtingen direct berichten aan deze gemeente sturen.',
        ],
        confirmText: 'Aansluiten bevestigen',
        danger: false,
        perform: async () => {
          const res = await api('POST', `/api/v1/gemeenten/${encodeURIComponent(code)}/statuswijziging`, { actie: 'AANSLUITEN' });
          return res.ok ? null : res.problem;
        },
        done: (success) => (success ? reload(`${v.naam} is aangesloten.`) : connect.focus()),
      });
    });
    replaceChildren(besluit, section('Aansluiten',
      el('p', {}, `De aanvraag is goedgekeurd. Poort sluit de gemeente automatisch aan ${when}. Wilt u de gemeente nu al aansluiten?`),
      el('div', { class: 'knoppen' }, connect),
      step));
    return;
  }
  if (v.status !== 'SIGNED') {
    replaceChildren(besluit, el('p', {}, `Deze aanvraag wacht niet op beoordeling. De status is: ${statusLabel(v.status).toLowerCase()}.`));
    return;
  }
  const approve = el('button', { type: 'button', class: 'knop' }, 'Goedkeuren');
  const reject = el('button', { type: 'button', class: 'knop knop--secundair' }, 'Afwijzen');
  const step = el('div', { class: 'actie' });
  const errors = el('div');
  approve.addEventListener('click', async () => {
    clearSuccess(melding);
    replaceChildren(errors);
    setBusy(approve, true);
    const res = await review('GOEDKEUREN');
    setBusy(approve, false);
    if (!res.ok) {
      replaceChildren(errors, alert(problemMessage(res.problem)));
      approve.focus();
      return;
    }
    await reload(`De aanvraag van ${v.naam} is goedgekeurd.`);
  });
  reject.addEventListener('click', () => {
    clearSuccess(melding);
    replaceChildren(errors);
    confirmStep(step, {
      title: `Aanvraag van ${v.naam} afwijzen?`,
      explanation: [
        'De gemeente krijgt bericht dat de aanvraag is afgewezen, met uw reden. Daarna kan de gemeente de aanvraag aanpassen en opnieuw laten ondertekenen.',
      ],
      reasonLabel: 'Reden van afwijzen',
      reasonHint: 'Schrijf wat de gemeente moet aanpassen. De gemeente ziet deze reden.',
      confirmText: 'Afwijzen bevestigen',
      fields: { reason_required: 'reden', reason_too_long: 'reden' },
      perform: async ({ reden }) => {
        const res = await review('AFWIJZEN', reden);
        return res.ok ? null : res.problem;
      },
      done: (success) => (success ? reload(`De aanvraag van ${v.naam} is afgewezen.`) : reject.focus()),
    });
  });
  replaceChildren(besluit, section('Besluit',
    el('p', {}, 'Controleer de aanvraag hierboven. Keur de aanvraag goed, of wijs haar af met een reden.'),
    errors,
    el('div', { class: 'knoppen' }, approve, reject),
    step));
}

async function reload(message) {
  await load();
  if (message) {
    showSuccess(melding, message);
    melding.focus();
  }
}

async function load() {
  if (!code || !/^GM[0-9]{4}$/.test(code)) {
    aanvraag.removeAttribute('aria-busy');
    replaceChildren(aanvraag, alert('Er is geen geldige gemeente gekozen.'), el('p', {}, el('a', { href: '/aanvragen.html' }, 'Kies een aanvraag uit de lijst')));
    return;
  }
  const res = await api('GET', `/api/v1/gemeenten/${encodeURIComponent(code)}/aansluiting`);
  if (!res.ok) {
    showLoadFailure(aanvraag, res.problem);
    replaceChildren(besluit);
    return;
  }
  const v = res.data;
  const c = v.cohortId ? await api('GET', `/api/v1/cohorten/${encodeURIComponent(v.cohortId)}`) : null;
  const cohort = c?.ok ? c.data : null;
  showView(v, cohort);
  showDecision(v, cohort);
}

await load();
