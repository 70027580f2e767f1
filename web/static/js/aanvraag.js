// aanvraag.html: the application form (MEDEWERKER): the nazorg coordinator,
// which messages the municipality wants, the push endpoint and the system
// certificate (PEM as a file or pasted). PUT .../aanvraag.

import { api, checkForm, definitionList, el, requirePage, setBusy, showProblem, showSuccess, statusLabel, yesNo } from './poort.js';
import {
  certificateField,
  checkHttpsUrl,
  gemeentePath,
  linkParagraph,
  loadAansluiting,
  notice,
  pageBody,
} from './gemeente.js';

const user = await requirePage('MEDEWERKER');
const melding = document.getElementById('melding');

const LOCKED = ['APPROVED', 'CONNECTED', 'SUSPENDED', 'DISCONNECTED'];
const BEFORE = ['NOT_REGISTERED', 'REGISTERED'];

function textField({ name, label, naam, type = 'text', hint, required = true, maxlength, autocomplete, value, pattern, patternError, className }) {
  const id = name.replace(/\./g, '-');
  const input = el('input', {
    type,
    id,
    name,
    required,
    maxlength,
    autocomplete,
    pattern,
    class: className,
    'data-patroon-fout': patternError,
    'data-naam': naam,
    'aria-describedby': hint ? `${id}-hint` : null,
    spellcheck: type === 'text' ? null : 'false',
  });
  input.value = value ?? '';
  return el(
    'div',
    { class: 'veld' },
    el('label', { for: id }, label, required ? null : ' (niet verplicht)'),
    hint ? el('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    input,
  );
}

function checkbox(name, label, explanation, checked) {
  return el(
    'div',
    { class: 'keuze' },
    el('input', { type: 'checkbox', id: name, name, checked: !!checked, 'aria-describedby': `${name}-uitleg` }),
    el('label', { for: name }, el('strong', {}, label), el('span', { class: 'keuze__uitleg', id: `${name}-uitleg` }, explanation)),
  );
}

function currentApplication(app) {
  return definitionList([
    ['Nazorgcoördinator', app.nazorgcoordinator.naam],
    ['E-mailadres', app.nazorgcoordinator.email],
    ['Telefoonnummer', app.nazorgcoordinator.telefoon],
    ['Detentiemeldingen ontvangen', yesNo(app.ontvangtDetentiemeldingen)],
    ['Informatiebladen ontvangen', yesNo(app.ontvangtInformatiebladen)],
    ['Push-adres', app.pushEndpoint ?? 'Geen: uw systeem haalt de berichten zelf op'],
    ['OIN in het certificaat', el('span', { class: 'code' }, app.systeemcertificaat.oin)],
    ['Vingerafdruk van het certificaat (SHA-256)', el('span', { class: 'code' }, app.systeemcertificaat.sha256)],
  ]);
}

function applicationForm(a) {
  const app = a.aanvraag;
  const c = app?.nazorgcoordinator;
  const cert = certificateField({
    legend: 'Systeemcertificaat',
    hint: app
      ? 'Het PKIoverheid-certificaat waarmee het systeem van uw gemeente zich bij poort meldt. Verandert het certificaat niet? Laat dit dan leeg: poort houdt het huidige certificaat aan. Kies alleen een nieuw certificaat als u het wilt vervangen.'
      : 'Het PKIoverheid-certificaat waarmee het systeem van uw gemeente zich bij poort meldt. Het moet het OIN van uw gemeente bevatten.',
    textareaName: 'systeemcertificaat.pem',
    pointers: '/systeemcertificaat /systeemcertificaat/pem /systeemcertificaat/oin /systeemcertificaat/sha256',
    required: !app,
  });
  const button = el('button', { type: 'submit' }, 'Aanvraag opslaan');
  const form = el(
    'form',
    { novalidate: true, id: 'aanvraag' },
    el(
      'fieldset',
      {},
      el('legend', {}, 'Nazorgcoördinator'),
      el('p', { class: 'hint' }, 'De persoon bij uw gemeente die de nazorg voor ex-gedetineerden coördineert. Penitentiaire inrichtingen en Justid nemen contact op met deze persoon.'),
      textField({ name: 'nazorgcoordinator.naam', label: 'Naam', naam: 'de naam van de nazorgcoördinator', maxlength: 200, autocomplete: 'name', value: c?.naam }),
      textField({ name: 'nazorgcoordinator.email', label: 'E-mailadres', naam: 'het e-mailadres van de nazorgcoördinator', type: 'email', maxlength: 254, autocomplete: 'email', value: c?.email, hint: 'Bijvoorbeeld nazorg@gemeente.nl.' }),
      textField({
        name: 'nazorgcoordinator.telefoon',
        label: 'Telefoonnummer',
        naam: 'het telefoonnummer van de nazorgcoördinator',
        type: 'tel',
        maxlength: 32,
        autocomplete: 'tel',
        value: c?.telefoon,
        className: 'kort',
        hint: 'Bijvoorbeeld 038 123 45 67 of +31 38 123 45 67.',
        pattern: '\\+?[0-9 \\(\\)\\-]{6,32}',
        patternError: 'Vul een telefoonnummer in met alleen cijfers, spaties, streepjes of haakjes, zoals 038 123 45 67.',
      }),
    ),
    el(
      'fieldset',
      { id: 'berichtsoorten' },
      el('legend', {}, 'Welke berichten wil uw gemeente ontvangen?'),
      checkbox('ontvangtDetentiemeldingen', 'Detentiemeldingen', 'Een melding als een inwoner in detentie gaat, vrijkomt of met verlof gaat.', app ? app.ontvangtDetentiemeldingen : true),
      checkbox('ontvangtInformatiebladen', 'Informatiebladen', 'Informatie over wat iemand nodig heeft na de detentie. Alleen als de gedetineerde daar toestemming voor geeft.', app ? app.ontvangtInformatiebladen : true),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Hoe komen de berichten bij uw systeem?'),
      textField({
        name: 'pushEndpoint',
        label: 'Push-adres van uw systeem',
        naam: 'het push-adres',
        type: 'url',
        required: false,
        maxlength: 2048,
        autocomplete: 'url',
        value: app?.pushEndpoint,
        hint: 'Vul dit in als poort nieuwe berichten naar uw systeem moet sturen. Het adres begint met https://. Laat het leeg als uw systeem de berichten zelf ophaalt.',
      }),
    ),
    cert.fieldset,
    el('div', { class: 'knoppen' }, button, el('a', { href: '/start.html' }, 'Annuleren')),
  );

  const checks = (f) => {
    const items = [];
    if (!f.elements.ontvangtDetentiemeldingen.checked && !f.elements.ontvangtInformatiebladen.checked)
      items.push({ control: f.elements.ontvangtDetentiemeldingen, message: 'Kies minstens één soort bericht.' });
    items.push(...checkHttpsUrl(f.elements.pushEndpoint));
    items.push(...cert.check());
    return items;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkForm(form, checks)) return;
    const f = form.elements;
    const body = {
      nazorgcoordinator: {
        naam: f['nazorgcoordinator.naam'].value.trim(),
        email: f['nazorgcoordinator.email'].value.trim(),
        telefoon: f['nazorgcoordinator.telefoon'].value.trim(),
      },
      ontvangtDetentiemeldingen: f.ontvangtDetentiemeldingen.checked,
      ontvangtInformatiebladen: f.ontvangtInformatiebladen.checked,
    };
    const pem = cert.textarea.value.trim();
    if (pem) body.systeemcertificaat = { pem: `${pem}\n` };
    const push = f.pushEndpoint.value.trim();
    if (push) body.pushEndpoint = push;
    setBusy(button, true);
    const res = await api('PUT', gemeentePath(user, 'aanvraag'), body);
    setBusy(button, false);
    if (!res.ok) {
      showProblem(form, res.problem);
      return;
    }
    form.remove();
    const stillSigned = res.data.status === 'SIGNED';
    showSuccess(
      melding,
      stillSigned
        ? 'De aanvraag is opgeslagen. Er is niets veranderd, dus de ondertekening blijft geldig.'
        : 'De aanvraag is opgeslagen. Vraag een tekenbevoegde van uw gemeente om te ondertekenen.',
    );
    pageBody(
      stillSigned
        ? el('p', {}, 'Justid beoordeelt de aanvraag. U hoeft niets te doen.')
        : [
            el('h2', {}, 'Volgende stap'),
            el('p', {}, 'De aanvraag is pas klaar als een tekenbevoegde van uw gemeente hem ondertekent. Die logt daarvoor in als tekenbevoegde en kiest "Ondertekenen" in het menu.'),
          ],
      el('h2', {}, 'Uw aanvraag'),
      currentApplication(res.data.aanvraag),
      linkParagraph('', '/start.html', 'Naar de startpagina'),
    );
  });
  return form;
}

const a = await loadAansluiting(user);
if (a) {
  if (BEFORE.includes(a.status)) {
    pageBody(
      notice(
        '',
        a.status === 'NOT_REGISTERED'
          ? linkParagraph('U kunt de aanvraag invullen nadat uw gemeente is aangemeld en de aansluitvoorwaarden heeft geaccepteerd.', '/aanmelden.html', 'Aanmelden voor een cohort')
          : linkParagraph('U kunt de aanvraag invullen nadat u de aansluitvoorwaarden heeft geaccepteerd.', '/voorwaarden.html', 'Aansluitvoorwaarden lezen en accepteren'),
      ),
    );
  } else if (LOCKED.includes(a.status)) {
    pageBody(
      notice('', el('p', {}, `De aanvraag is goedgekeurd en kan niet meer worden gewijzigd. Status: ${statusLabel(a.status)}.`), linkParagraph('Wilt u iets veranderen, zoals het certificaat of het push-adres?', '/instellingen.html', 'Naar de instellingen')),
      a.aanvraag ? [el('h2', {}, 'Uw aanvraag'), currentApplication(a.aanvraag)] : null,
    );
  } else {
    const warnings = [];
    if (a.status === 'SIGNED')
      warnings.push(notice('waarschuwing', el('p', {}, 'De aanvraag is al ondertekend en wacht op beoordeling door Justid. Als u iets wijzigt, vervalt de ondertekening en moet een tekenbevoegde opnieuw ondertekenen.')));
    if (a.status === 'REJECTED')
      warnings.push(
        notice(
          'fout',
          el('p', {}, 'Justid heeft de aanvraag afgewezen. De reden:'),
          el('p', { class: 'tekst-vrij' }, a.beoordeling?.reden ?? ''),
          el('p', {}, 'Pas de aanvraag aan en sla hem op. Vraag daarna een tekenbevoegde om opnieuw te ondertekenen.'),
        ),
      );
    if (a.status === 'APPLICATION_DRAFT')
      warnings.push(notice('', el('p', {}, 'Er is al een aanvraag opgeslagen. U kunt hem hieronder wijzigen tot een tekenbevoegde hem ondertekent.')));
    pageBody(...warnings, applicationForm(a));
  }
}
