// ondertekenen.html: the signatory sees exactly what is signed (the
// municipality and its cohort, every field, the conditions version, the
// certificate fingerprint, and the exact text) and signs it (TEKENBEVOEGDE).
// POST .../ondertekening with the hash of the text shown; a changed
// application (409 application_changed) is shown again.

import {
  api,
  checkForm,
  definitionList,
  el,
  formatDateTime,
  requirePage,
  setBusy,
  showErrors,
  showProblem,
  showSuccess,
  statusLabel,
  yesNo,
} from './poort.js';
import { gemeentePath, linkParagraph, loadAansluiting, notice, pageBody } from './gemeente.js';

const user = await requirePage('TEKENBEVOEGDE');
const melding = document.getElementById('melding');

function whatIsSigned(a, done = false) {
  const app = a.aanvraag;
  return [
    el('h2', {}, done ? 'Wat is ondertekend' : 'Wat u ondertekent'),
    definitionList([
      ['Gemeente', `${a.naam} (${a.gemeentecode})`],
      ['OIN van de gemeente', el('span', { class: 'code' }, a.oin)],
      ['Cohort', a.cohortNaam ?? ''],
      ['Nazorgcoördinator', app.nazorgcoordinator.naam],
      ['E-mailadres nazorgcoördinator', app.nazorgcoordinator.email],
      ['Telefoonnummer nazorgcoördinator', app.nazorgcoordinator.telefoon],
      ['Detentiemeldingen ontvangen', yesNo(app.ontvangtDetentiemeldingen)],
      ['Informatiebladen ontvangen', yesNo(app.ontvangtInformatiebladen)],
      ['Push-adres', app.pushEndpoint ?? 'Geen: het systeem van de gemeente haalt de berichten zelf op'],
      ['OIN in het systeemcertificaat', el('span', { class: 'code' }, app.systeemcertificaat.oin)],
      ['Vingerafdruk van het systeemcertificaat (SHA-256)', el('span', { class: 'code' }, app.systeemcertificaat.sha256)],
      ['Aansluitvoorwaarden', a.voorwaarden ? `Versie ${a.voorwaarden.versie}, geaccepteerd op ${formatDateTime(a.voorwaarden.geaccepteerdOp)}` : ''],
      ['Kenmerk van de voorwaarden (SHA-256)', a.voorwaarden ? el('span', { class: 'code' }, a.voorwaarden.sha256) : ''],
    ]),
    el('h2', {}, done ? 'De exacte tekst van de aanvraag' : 'De exacte tekst die u ondertekent'),
    el('p', {}, 'Dit is de tekst waar de ondertekening bij hoort. Hij bevat dezelfde gegevens als hierboven, met ook het kenmerk van het cohort.'),
    el('pre', { class: 'exacte-tekst' }, a.aanvraagTekst ?? ''),
    definitionList([['Kenmerk van deze tekst (SHA-256)', el('span', { class: 'code' }, a.aanvraagSha256 ?? '')]]),
  ];
}

function signForm(a) {
  const button = el('button', { type: 'submit' }, 'Aanvraag ondertekenen');
  const form = el(
    'form',
    { novalidate: true, id: 'ondertekenen' },
    el(
      'div',
      { class: 'veld' },
      el(
        'div',
        { class: 'keuze' },
        el('input', {
          type: 'checkbox',
          id: 'ondertekenen-akkoord',
          name: 'akkoord',
          required: true,
          'data-fout': 'Vink aan dat u deze aanvraag namens uw gemeente ondertekent.',
        }),
        el('label', { for: 'ondertekenen-akkoord' }, 'Ik onderteken deze aanvraag namens mijn gemeente'),
      ),
    ),
    el('div', { class: 'knoppen' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    setBusy(button, true);
    const res = await api('POST', gemeentePath(user, 'ondertekening'), { aanvraagSha256: a.aanvraagSha256 });
    setBusy(button, false);
    if (!res.ok) {
      if (res.problem?.code === 'application_changed') {
        // Show the current application; the signatory reviews it again.
        const fresh = await loadAansluiting(user);
        if (fresh) render(fresh);
        const newForm = document.getElementById('ondertekenen');
        if (newForm)
          showErrors(newForm, [
            {
              control: null,
              message: 'De aanvraag is gewijzigd terwijl u hem bekeek. Hierboven staat nu de nieuwe aanvraag. Controleer die opnieuw voordat u ondertekent.',
            },
          ]);
        return;
      }
      showProblem(form, res.problem);
      return;
    }
    // The confirmation is said once, in the status message; the page below
    // then shows only what was signed.
    showSuccess(
      melding,
      `U heeft de aanvraag ondertekend op ${formatDateTime(res.data.ondertekening?.ondertekendOp)}. Justid beoordeelt de aanvraag nu. U hoeft niets meer te doen.`,
    );
    render(res.data, { justSigned: true });
    melding.scrollIntoView?.();
  });
  return form;
}

function render(a, { justSigned = false } = {}) {
  if (!a.aanvraag || a.status === 'CONDITIONS_ACCEPTED' || ['NOT_REGISTERED', 'REGISTERED'].includes(a.status)) {
    pageBody(
      notice(
        '',
        el('p', {}, 'Er is nog geen aanvraag om te ondertekenen.'),
        el('p', {}, 'Een medewerker van uw gemeente vult de aanvraag eerst in. Daarna kunt u hem hier bekijken en ondertekenen.'),
      ),
      linkParagraph('', '/start.html', 'Naar de startpagina'),
    );
    return;
  }
  if (a.status === 'APPLICATION_DRAFT' || a.status === 'REJECTED') {
    pageBody(
      a.status === 'REJECTED'
        ? notice(
            'fout',
            el('p', {}, 'Justid heeft de aanvraag eerder afgewezen. De reden:'),
            el('p', { class: 'tekst-vrij' }, a.beoordeling?.reden ?? ''),
            el('p', {}, 'Is de aanvraag in orde? Dan kunt u hem opnieuw ondertekenen. Moet er iets veranderen? Vraag dan een medewerker om de aanvraag aan te passen.'),
          )
        : null,
      ...whatIsSigned(a),
      el('h2', {}, 'Ondertekenen'),
      el('p', {}, 'Klopt alles? Onderteken dan de aanvraag. Klopt er iets niet? Onderteken dan niet en vraag een medewerker van uw gemeente om de aanvraag aan te passen.'),
      signForm(a),
    );
    return;
  }
  // SIGNED or later: nothing to sign; show what was signed.
  const signed = a.ondertekening;
  if (justSigned) {
    pageBody(linkParagraph('', '/start.html', 'Naar de startpagina'), ...whatIsSigned(a, true));
    return;
  }
  pageBody(
    notice(
      '',
      el('p', {}, signed ? `De aanvraag is ondertekend op ${formatDateTime(signed.ondertekendOp)}.` : 'De aanvraag is ondertekend.'),
      el('p', {}, `Status van de aansluiting: ${statusLabel(a.status)}.`),
      a.status === 'SIGNED' ? el('p', {}, 'Justid beoordeelt de aanvraag. U hoeft niets meer te doen.') : null,
    ),
    linkParagraph('', '/start.html', 'Naar de startpagina'),
    ...whatIsSigned(a, true),
  );
}

const a = await loadAansluiting(user);
if (a) render(a);
