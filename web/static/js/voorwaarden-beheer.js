// voorwaarden-beheer.html: the published versions of the connection
// conditions, and publishing a new one after an inline confirmation.

import { requirePage, api, el, replaceChildren, formatDateTime, checkForm, showProblem, showErrors, showSuccess, clearSuccess } from './poort.js';
import { table, hidden, showLoadFailure, confirmStep } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const versies = document.getElementById('versies');
const melding = document.getElementById('melding');
const form = document.getElementById('publiceren');
const stap = el('div', { class: 'actie' });
form.after(stap);

async function showText(versie, button) {
  const box = button.closest('td').querySelector('.voorwaarden-tekst');
  if (box) {
    box.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  const res = await api('GET', `/api/v1/aansluitvoorwaarden/${encodeURIComponent(versie)}`);
  button.setAttribute('aria-expanded', 'true');
  button.closest('td').append(
    res.ok ? el('pre', { class: 'voorwaarden-tekst', tabindex: '0' }, res.data.tekst) : el('p', { class: 'voorwaarden-tekst melding melding--fout' }, 'De tekst kon niet worden geladen.'),
  );
}

async function load() {
  const res = await api('GET', '/api/v1/aansluitvoorwaarden');
  if (!res.ok) {
    showLoadFailure(versies, res.problem);
    return;
  }
  versies.removeAttribute('aria-busy');
  if (res.data.length === 0) {
    replaceChildren(versies, el('p', {}, 'Er is nog geen versie gepubliceerd. Gemeenten kunnen zich pas aanmelden als er voorwaarden zijn.'));
    return;
  }
  const rows = res.data.map((v) => [
    v.versie,
    formatDateTime(v.gepubliceerdOp),
    v.actueel ? 'Ja' : 'Nee',
    el('code', { class: 'vingerafdruk' }, v.sha256),
    el('button', { type: 'button', class: 'knop knop--secundair knop--klein', 'aria-expanded': 'false', onclick: (e) => showText(v.versie, e.currentTarget) }, 'Tekst tonen', hidden(` van versie ${v.versie}`)),
  ]);
  replaceChildren(versies, table('Versies van de aansluitvoorwaarden, nieuwste eerst', ['Versie', 'Gepubliceerd op', 'Actueel', 'SHA-256', 'Tekst'], rows));
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  clearSuccess(melding);
  if (!checkForm(form)) return;
  const body = { versie: form.elements.versie.value.trim(), tekst: form.elements.tekst.value };
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  let refusal = null;
  confirmStep(stap, {
    title: `Versie ${body.versie} publiceren?`,
    explanation: [
      'Deze versie wordt meteen de actuele versie. Gemeenten die de voorwaarden nog moeten accepteren, krijgen deze versie te zien.',
      'U kunt een gepubliceerde versie niet meer wijzigen of verwijderen.',
    ],
    confirmText: 'Publiceren bevestigen',
    // A refusal is about the form's fields (versie, tekst): close this step and show it there.
    perform: async () => {
      const res = await api('POST', '/api/v1/aansluitvoorwaarden', body);
      refusal = res.ok ? null : res.problem;
      return null;
    },
    done: async (success) => {
      submit.disabled = false;
      if (!success) {
        submit.focus();
        return;
      }
      if (refusal?.code === 'conditions_exist') {
        showErrors(form, [{ control: form.elements.versie, message: 'Deze versie of deze tekst is al eerder gepubliceerd. Kies een nieuwe versie, of pas de tekst aan.' }]);
        return;
      }
      if (refusal) {
        showProblem(form, refusal);
        return;
      }
      form.reset();
      await load();
      showSuccess(melding, `Versie ${body.versie} van de aansluitvoorwaarden is gepubliceerd.`);
      melding.focus();
    },
  });
});

await load();
