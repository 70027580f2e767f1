// instellingen.html: which messages the municipality receives, the push
// endpoint and the system certificate (MEDEWERKER, TEKENBEVOEGDE). Only a
// signatory changes them: PUT .../instellingen (with systeemcertificaatPem
// when a new certificate is chosen).

import { api, checkForm, definitionList, el, formatDate, requirePage, setBusy, showProblem, showSuccess, yesNo } from './poort.js';
import { certificateField, checkHttpsUrl, gemeentePath, notice, pageBody, pageFailed } from './gemeente.js';

const user = await requirePage('MEDEWERKER', 'TEKENBEVOEGDE');
const melding = document.getElementById('melding');

function current(s) {
  const cert = s.systeemcertificaat;
  return [
    el('h2', {}, 'Huidige instellingen'),
    definitionList([
      ['Detentiemeldingen ontvangen', yesNo(s.wilDetentiemeldingen)],
      ['Informatiebladen ontvangen', yesNo(s.wilInformatiebladen)],
      ['Push-adres', s.pushEndpoint || 'Geen: uw systeem haalt de berichten zelf op'],
    ]),
    el('h3', {}, 'Systeemcertificaat'),
    cert
      ? definitionList([
          ['Onderwerp', cert.onderwerp ? el('span', { class: 'code' }, cert.onderwerp) : 'Onbekend: het certificaat is alleen met de aanvraag aangeleverd'],
          ['Geldig tot', cert.geldigTot ? formatDate(cert.geldigTot) : 'Onbekend'],
          ['Vingerafdruk (SHA-256)', el('span', { class: 'code' }, cert.vingerafdruk)],
        ])
      : el('p', {}, 'Er is nog geen systeemcertificaat vastgelegd.'),
  ];
}

function checkbox(name, label, checked) {
  return el(
    'div',
    { class: 'keuze' },
    el('input', { type: 'checkbox', id: name, name, checked: !!checked }),
    el('label', { for: name }, label),
  );
}

function settingsForm(s) {
  const cert = certificateField({
    legend: 'Nieuw systeemcertificaat (alleen bij vervanging)',
    hint: 'Laat dit leeg als het certificaat niet verandert. Een nieuw certificaat moet het OIN van uw gemeente bevatten.',
    textareaName: 'systeemcertificaatPem',
    pointers: '/systeemcertificaatPem',
    required: false,
  });
  const push = el('input', {
    type: 'url',
    id: 'pushEndpoint',
    name: 'pushEndpoint',
    maxlength: 2048,
    autocomplete: 'url',
    spellcheck: 'false',
    'aria-describedby': 'pushEndpoint-hint',
  });
  push.value = s.pushEndpoint ?? '';
  const button = el('button', { type: 'submit' }, 'Instellingen opslaan');
  const form = el(
    'form',
    { novalidate: true, id: 'instellingen' },
    el(
      'fieldset',
      { id: 'berichtsoorten' },
      el('legend', {}, 'Welke berichten wil uw gemeente ontvangen?'),
      checkbox('wilDetentiemeldingen', 'Detentiemeldingen', s.wilDetentiemeldingen),
      checkbox('wilInformatiebladen', 'Informatiebladen', s.wilInformatiebladen),
    ),
    el(
      'div',
      { class: 'veld' },
      el('label', { for: 'pushEndpoint' }, 'Push-adres van uw systeem (niet verplicht)'),
      el('p', { class: 'hint', id: 'pushEndpoint-hint' }, 'Begint met https://. Laat het leeg als uw systeem de berichten zelf ophaalt.'),
      push,
    ),
    cert.fieldset,
    el('div', { class: 'knoppen' }, button),
  );
  const checks = (f) => [
    ...(!f.elements.wilDetentiemeldingen.checked && !f.elements.wilInformatiebladen.checked
      ? [{ control: f.elements.wilDetentiemeldingen, message: 'Kies minstens één soort bericht.' }]
      : []),
    ...checkHttpsUrl(push),
    ...cert.check(),
  ];
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkForm(form, checks)) return;
    const body = {
      wilDetentiemeldingen: form.elements.wilDetentiemeldingen.checked,
      wilInformatiebladen: form.elements.wilInformatiebladen.checked,
      pushEndpoint: push.value.trim() || null,
    };
    const pem = cert.textarea.value.trim();
    if (pem) body.systeemcertificaatPem = pem + '\n';
    setBusy(button, true);
    const res = await api('PUT', gemeentePath(user, 'instellingen'), body);
    setBusy(button, false);
    if (!res.ok) {
      showProblem(form, res.problem);
      return;
    }
    showSuccess(melding, 'De instellingen zijn opgeslagen.');
    render(res.data);
  });
  return form;
}

function render(s) {
  const signatory = user.rol === 'TEKENBEVOEGDE';
  pageBody(
    ...current(s),
    el('h2', {}, 'Instellingen wijzigen'),
    !s.wijzigbaar
      ? notice(
          '',
          el(
            'p',
            {},
            user.rol === 'MEDEWERKER'
              ? 'U kunt de instellingen wijzigen zodra Justid de aanvraag van uw gemeente heeft goedgekeurd. Tot die tijd past u de aanvraag zelf aan.'
              : 'U kunt de instellingen wijzigen zodra Justid de aanvraag van uw gemeente heeft goedgekeurd. Moet er tot die tijd iets veranderen? Vraag dan een medewerker van uw gemeente om de aanvraag aan te passen, en onderteken hem daarna opnieuw.',
          ),
          user.rol === 'MEDEWERKER' ? el('p', {}, el('a', { href: '/aanvraag.html' }, 'Naar de aanvraag')) : null,
        )
      : signatory
        ? settingsForm(s)
        : notice('', el('p', {}, 'Alleen een tekenbevoegde van uw gemeente kan de instellingen wijzigen. Die logt daarvoor in als tekenbevoegde.')),
  );
}

const res = await api('GET', gemeentePath(user, 'instellingen'));
if (res.ok) render(res.data);
else pageFailed(res.problem);
