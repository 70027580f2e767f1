// cohorten.html: the cohorts, the form "Cohort openen" (also used to change a
// cohort), and closing registration early after an inline confirmation.

import { requirePage, api, el, replaceChildren, formatDateTime, checkForm, showProblem, clearProblems, setBusy, showSuccess, clearSuccess } from './poort.js';
import { table, hidden, tieToField, showLoadFailure, confirmStep } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const lijst = document.getElementById('lijst');
const melding = document.getElementById('melding');
const form = document.getElementById('cohort');
const formHeading = document.getElementById('formulier-kop');
const saveButton = document.getElementById('opslaan');
const cancelEdit = document.getElementById('annuleren');
const actie = el('div', { class: 'actie' });

// Refusals of the cohort rules name no field; these codes belong to one.
const FIELDS = {
  cohort_name_invalid: 'naam',
  cohort_window_invalid: 'sluitOp',
  cohort_capacity_invalid: 'capaciteit',
  cohort_connection_date_invalid: 'aansluitenOp',
};

let editing = null; // the cohort being changed, or null for a new one

/** "2027-03-01T09:00" (datetime-local, the browser's time zone) -> RFC 3339 UTC without milliseconds. */
function toRfc3339(local) {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 -> the value of a datetime-local control in the browser's time zone. */
function toLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function registrationState(c) {
  const now = Date.now();
  if (c.vroegtijdigGesloten) return 'Vroegtijdig gesloten';
  if (c.aanmeldingOpen) return 'Open';
  if (now < Date.parse(c.opentOp)) return 'Nog niet open';
  if (now >= Date.parse(c.sluitOp)) return 'Gesloten';
  return 'Vol';
}

function canClose(c) {
  return !c.vroegtijdigGesloten && Date.now() < Date.parse(c.sluitOp);
}

async function load() {
  const res = await api('GET', '/api/v1/cohorten');
  if (!res.ok) {
    showLoadFailure(lijst, res.problem);
    return;
  }
  lijst.removeAttribute('aria-busy');
  if (res.data.length === 0) {
    replaceChildren(lijst, el('p', {}, 'Er zijn nog geen cohorten. Open hieronder het eerste cohort.'));
    return;
  }
  const rows = res.data.map((c) => [
    c.naam,
    c.soort === 'PILOT' ? 'Pilot' : 'Regulier',
    [formatDateTime(c.opentOp), ' tot ', formatDateTime(c.sluitOp)],
    formatDateTime(c.aansluitenOp),
    `${c.aangemeld} van ${c.capaciteit}`,
    registrationState(c),
    el(
      'div',
      { class: 'rij-acties' },
      el('button', { type: 'button', class: 'knop knop--secundair knop--klein', onclick: () => startEdit(c) }, 'Wijzigen', hidden(` ${c.naam}`)),
      canClose(c)
        ? el('button', { type: 'button', class: 'knop knop--secundair knop--klein', onclick: (e) => askClose(c, e.currentTarget) }, 'Aanmelding sluiten', hidden(` ${c.naam}`))
        : null,
    ),
  ]);
  replaceChildren(
    lijst,
    table('Cohorten, nieuwste eerst', ['Naam', 'Soort', 'Aanmeldperiode', 'Aansluiten op', 'Aangemeld', 'Aanmelding', 'Acties'], rows),
    actie,
  );
}

function askClose(c, trigger) {
  clearSuccess(melding);
  confirmStep(actie, {
    title: `Aanmelding sluiten voor ${c.naam}?`,
    explanation: [
      'Gemeenten kunnen zich daarna niet meer aanmelden voor dit cohort. U kunt dit niet ongedaan maken.',
      'Gemeenten die al zijn aangemeld, blijven aangemeld.',
    ],
    confirmText: 'Aanmelding sluiten bevestigen',
    perform: async () => {
      const res = await api('POST', `/api/v1/cohorten/${encodeURIComponent(c.id)}/sluiting`);
      return res.ok ? null : res.problem;
    },
    done: async (success) => {
      if (!success) {
        trigger.focus();
        return;
      }
      await load();
      showSuccess(melding, `De aanmelding voor ${c.naam} is gesloten.`);
      melding.focus();
    },
  });
}

function startEdit(c) {
  editing = c;
  clearProblems(form);
  clearSuccess(melding);
  form.elements.naam.value = c.naam;
  form.elements.soort.value = c.soort;
  form.elements.opentOp.value = toLocalInput(c.opentOp);
  form.elements.sluitOp.value = toLocalInput(c.sluitOp);
  form.elements.capaciteit.value = String(c.capaciteit);
  form.elements.aansluitenOp.value = toLocalInput(c.aansluitenOp);
  formHeading.textContent = `Cohort wijzigen: ${c.naam}`;
  saveButton.textContent = 'Wijzigingen opslaan';
  cancelEdit.hidden = false;
  formHeading.focus();
}

function stopEdit() {
  editing = null;
  form.reset();
  clearProblems(form);
  formHeading.textContent = 'Cohort openen';
  saveButton.textContent = 'Cohort openen';
  cancelEdit.hidden = true;
}

cancelEdit.addEventListener('click', () => {
  stopEdit();
  formHeading.focus();
});

/** Rules the HTML constraints cannot express: the order of the dates. */
function dateChecks(f) {
  const opens = Date.parse(f.elements.opentOp.value);
  const closes = Date.parse(f.elements.sluitOp.value);
  const connects = Date.parse(f.elements.aansluitenOp.value);
  const out = [];
  if (!Number.isNaN(opens) && !Number.isNaN(closes) && closes <= opens)
    out.push({ control: f.elements.sluitOp, message: 'De aanmelding moet sluiten na het moment van openen.' });
  if (!Number.isNaN(opens) && !Number.isNaN(connects) && connects < opens)
    out.push({ control: f.elements.aansluitenOp, message: 'Aansluiten kan niet voor de opening van de aanmelding.' });
  return out;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearSuccess(melding);
  if (!checkForm(form, dateChecks)) return;
  const body = {
    naam: form.elements.naam.value.trim(),
    soort: form.elements.soort.value,
    opentOp: toRfc3339(form.elements.opentOp.value),
    sluitOp: toRfc3339(form.elements.sluitOp.value),
    capaciteit: Number(form.elements.capaciteit.value),
    aansluitenOp: toRfc3339(form.elements.aansluitenOp.value),
  };
  setBusy(saveButton, true);
  const res = editing
    ? await api('PUT', `/api/v1/cohorten/${encodeURIComponent(editing.id)}`, body)
    : await api('POST', '/api/v1/cohorten', body);
  setBusy(saveButton, false);
  if (!res.ok) {
    showProblem(form, tieToField(res.problem, FIELDS));
    return;
  }
  const message = editing ? `De wijzigingen in het cohort ‘${res.data.naam}’ zijn opgeslagen.` : `Het cohort ‘${res.data.naam}’ is geopend.`;
  stopEdit();
  await load();
  showSuccess(melding, message);
  melding.focus();
});

await load();
