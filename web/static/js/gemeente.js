// gemeente.js: what the municipality pages share beyond poort.js: loading
// the municipality's onboarding (aansluiting), the page body, and the system
// certificate field (file or pasted PEM).

import { api, el, replaceChildren, showPageProblem } from './poort.js';

/** The path of the municipality's resource `sub` ("aansluiting", "aanvraag", ...). */
export function gemeentePath(user, sub) {
  return `/api/v1/gemeenten/${encodeURIComponent(user.gemeentecode)}/${sub}`;
}

/**
 * The page content container, shown, with the "loading" text removed; its
 * children are replaced by `children` when given.
 */
export function pageBody(...children) {
  document.getElementById('laden')?.remove();
  const body = document.getElementById('inhoud-pagina');
  body.hidden = false;
  if (children.length) replaceChildren(body, ...children);
  return body;
}

/** Shows a loading failure on the page (the problem in Dutch and what to do). */
export function pageFailed(problem, nextStep) {
  const body = pageBody();
  body.replaceChildren();
  showPageProblem(body, problem, nextStep);
}

/** GET the municipality's aansluiting; null after showing the failure on the page. */
export async function loadAansluiting(user) {
  const res = await api('GET', gemeentePath(user, 'aansluiting'));
  if (res.ok) return res.data;
  pageFailed(res.problem);
  return null;
}

/**
 * The sender of an inbox message: the institution's name ("PI Zwolle") with
 * its OIN as detail below it; just the OIN when poort knows no name for it.
 */
export function afzender(bericht) {
  const oin = el('span', { class: 'code' }, bericht.afzenderOin);
  if (!bericht.afzenderNaam) return oin;
  return el('span', {}, bericht.afzenderNaam, el('br'), el('span', { class: 'hint' }, 'OIN ', oin));
}

/** A paragraph with a link: el('p', {}, text, link). */
export function linkParagraph(text, href, linkText) {
  return el('p', {}, text ? `${text} ` : null, el('a', { href }, linkText));
}

/** A box with a heading and a message, for states in which the page has no form. */
export function notice(kind, ...content) {
  return el('div', { class: `melding${kind ? ` melding--${kind}` : ''}` }, ...content);
}

export const MAX_PEM_BYTES = 16384;
const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';

/**
 * The certificate field: a file input and a textarea named `textareaName`
 * (data-pointers: `pointers`). Choosing a file puts its text in the textarea.
 * Returns {fieldset, textarea, check(required) -> [{control, message}]}.
 */
export function certificateField({ legend, hint, textareaName, pointers, required, value = '' }) {
  const fileInput = el('input', {
    type: 'file',
    id: `${textareaName}-bestand`,
    name: `${textareaName}-bestand`,
    accept: '.pem,.crt,.cer,application/x-pem-file,application/x-x509-ca-cert',
    'aria-describedby': `${textareaName}-bestand-hint`,
  });
  const fileStatus = el('p', { class: 'hint', id: `${textareaName}-bestand-status`, 'aria-live': 'polite' });
  const textarea = el('textarea', {
    id: textareaName,
    name: textareaName,
    class: 'pem',
    rows: 8,
    spellcheck: 'false',
    autocomplete: 'off',
    'data-pointers': pointers,
    'data-naam': 'het systeemcertificaat',
    'aria-describedby': `${textareaName}-hint`,
  });
  textarea.value = value;
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileStatus.textContent = '';
    if (!file) return;
    if (file.size > MAX_PEM_BYTES) {
      fileStatus.textContent = 'Dit bestand is te groot voor een certificaat (meer dan 16 kB). Kies het PEM-bestand van het certificaat.';
      return;
    }
    textarea.value = await file.text();
    fileStatus.textContent = `Het bestand ${file.name} is ingelezen. De inhoud staat in het tekstvak hieronder.`;
  });
  const fieldset = el(
    'fieldset',
    {},
    el('legend', {}, legend),
    hint ? el('p', { class: 'hint' }, hint) : null,
    el(
      'div',
      { class: 'veld' },
      el('label', { for: fileInput.id }, 'Certificaatbestand kiezen (optioneel)'),
      el('p', { class: 'hint', id: `${textareaName}-bestand-hint` }, 'Een PEM-bestand, meestal met de extensie .pem, .crt of .cer.'),
      fileInput,
      fileStatus,
    ),
    el(
      'div',
      { class: 'veld' },
      el('label', { for: textarea.id }, 'Certificaat (PEM-tekst)'),
      el(
        'p',
        { class: 'hint', id: `${textareaName}-hint` },
        `Of plak hier de tekst van het certificaat. Die begint met ${PEM_BEGIN} en eindigt met ${PEM_END}.`,
      ),
      textarea,
    ),
  );
  const check = () => {
    const pem = textarea.value.trim();
    if (!pem) return required ? [{ control: textarea, message: 'Kies het certificaatbestand of plak de tekst van het certificaat.' }] : [];
    if (new TextEncoder().encode(pem).length > MAX_PEM_BYTES)
      return [{ control: textarea, message: 'Het certificaat is te lang (meer dan 16 kB).' }];
    if (!pem.includes(PEM_BEGIN) || !pem.includes(PEM_END))
      return [{ control: textarea, message: `Dit is geen certificaat in PEM-vorm. De tekst moet beginnen met ${PEM_BEGIN}.` }];
    return [];
  };
  return { fieldset, textarea, check };
}

/** A plausible https address (the server checks it fully). */
export function checkHttpsUrl(input) {
  const value = input.value.trim();
  if (!value) return [];
  let url;
  try {
    url = new URL(value);
  } catch {
    return [{ control: input, message: 'Vul een volledig webadres in, zoals https://systeem.gemeente.nl/poort.' }];
  }
  if (url.protocol !== 'https:') return [{ control: input, message: 'Het adres moet beginnen met https://.' }];
  if (url.username || url.password || url.hash)
    return [{ control: input, message: 'Het adres mag geen gebruikersnaam, wachtwoord of # bevatten.' }];
  return [];
}
