// gemeenten.html: the municipality register with its onboarding status, a
// status filter, and per municipality the status changes an administrator
// may make (connect after an inline confirmation; suspend and disconnect
// after one with a reason).

import { requirePage, api, el, replaceChildren, statusLabel, STATUSES, queryParam, problemMessage, setBusy, showSuccess, clearSuccess } from './poort.js';
import { table, hidden, showLoadFailure, confirmStep, currentMunicipalities } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const lijst = document.getElementById('lijst');
const melding = document.getElementById('melding');
const actie = document.getElementById('actie');
const select = document.getElementById('status');

const chosen = STATUSES.includes(queryParam('status')) ? queryParam('status') : '';
for (const s of STATUSES) select.append(el('option', { value: s, selected: s === chosen }, statusLabel(s)));

/** Confirmed actions: what the step says (a reason only where one is asked). */
const CONFIRMED = {
  AANSLUITEN: (g) => ({
    title: `${g.naam} nu aansluiten?`,
    explanation: [
      'Poort sluit de gemeente anders vanzelf aan op de aansluitdatum van haar cohort.',
      'Na het aansluiten kunnen penitentiaire inrichtingen direct berichten aan deze gemeente sturen.',
    ],
    confirmText: 'Aansluiten bevestigen',
    danger: false,
    done: `${g.naam} is aangesloten.`,
  }),
  OPSCHORTEN: (g) => ({
    title: `${g.naam} opschorten?`,
    explanation: [
      'Zolang de aansluiting is opgeschort, kunnen penitentiaire inrichtingen geen berichten aan deze gemeente sturen.',
      'U kunt de gemeente later weer aansluiten met Heraansluiten.',
    ],
    reasonLabel: 'Reden van opschorten',
    confirmText: 'Opschorten bevestigen',
    done: `De aansluiting van ${g.naam} is opgeschort.`,
  }),
  AFSLUITEN: (g) => ({
    title: `${g.naam} afsluiten?`,
    explanation: [
      'De gemeente is dan niet meer aangesloten op poort. Penitentiaire inrichtingen kunnen geen berichten meer aan deze gemeente sturen.',
      'U kunt de gemeente later weer aansluiten met Heraansluiten.',
    ],
    reasonLabel: 'Reden van afsluiten',
    confirmText: 'Afsluiten bevestigen',
    done: `${g.naam} is afgesloten.`,
  }),
};
const DIRECT_DONE = {
  HERAANSLUITEN: (g) => `${g.naam} is weer aangesloten.`,
};

/** The actions for a municipality in its current status: [label, actie]. */
function actionsFor(status) {
  switch (status) {
    case 'APPROVED': return [['Aansluiten', 'AANSLUITEN']];
    case 'CONNECTED': return [['Opschorten', 'OPSCHORTEN'], ['Afsluiten', 'AFSLUITEN']];
    case 'SUSPENDED': return [['Heraansluiten', 'HERAANSLUITEN'], ['Afsluiten', 'AFSLUITEN']];
    case 'DISCONNECTED': return [['Heraansluiten', 'HERAANSLUITEN']];
    default: return [];
  }
}

function change(g, actieCode, body) {
  return api('POST', `/api/v1/gemeenten/${encodeURIComponent(g.gemeentecode)}/statuswijziging`, { actie: actieCode, ...body });
}

async function finished(message) {
  await load();
  showSuccess(melding, message);
  melding.focus();
}

async function act(g, actieCode, button) {
  clearSuccess(melding);
  replaceChildren(actie);
  if (CONFIRMED[actieCode]) {
    const text = CONFIRMED[actieCode](g);
    confirmStep(actie, {
      ...text,
      reasonHint: text.reasonLabel ? 'De reden wordt vastgelegd en is zichtbaar voor de gemeente.' : undefined,
      fields: text.reasonLabel ? { reason_required: 'reden', reason_too_long: 'reden' } : {},
      perform: async ({ reden }) => {
        const res = await change(g, actieCode, text.reasonLabel ? { reden } : {});
        return res.ok ? null : res.problem;
      },
      done: (success) => (success ? finished(text.done) : button.focus()),
    });
    return;
  }
  setBusy(button, true);
  const res = await change(g, actieCode, {});
  setBusy(button, false);
  if (!res.ok) {
    replaceChildren(actie, el('div', { class: 'melding melding--fout', role: 'alert' }, el('p', {}, `${g.naam}: ${problemMessage(res.problem)}`)));
    button.focus();
    return;
  }
  await finished(DIRECT_DONE[actieCode](g));
}

function actionCell(g) {
  const buttons = actionsFor(g.status).map(([label, code]) =>
    el('button', { type: 'button', class: 'knop knop--secundair knop--klein', onclick: (e) => act(g, code, e.currentTarget) }, label, hidden(` ${g.naam}`)),
  );
  if (g.status === 'SIGNED')
    buttons.push(el('a', { href: `/aanvraag-beoordelen.html?gemeente=${encodeURIComponent(g.gemeentecode)}` }, 'Beoordelen', hidden(` aanvraag ${g.naam}`)));
  return buttons.length ? el('div', { class: 'rij-acties' }, buttons) : '–';
}

async function load() {
  const res = await api('GET', '/api/v1/gemeenten');
  if (!res.ok) {
    showLoadFailure(lijst, res.problem);
    return;
  }
  lijst.removeAttribute('aria-busy');
  const shown = currentMunicipalities(res.data)
    .filter((g) => !chosen || g.status === chosen)
    .sort((a, b) => a.naam.localeCompare(b.naam, 'nl'));
  const what = chosen ? `met status ${statusLabel(chosen).toLowerCase()}` : 'alle statussen';
  if (shown.length === 0) {
    replaceChildren(lijst, el('p', {}, `Er zijn geen gemeenten (${what}).`));
    return;
  }
  const rows = shown.map((g) => [g.naam, g.gemeentecode, statusLabel(g.status), actionCell(g)]);
  replaceChildren(lijst, table(`Gemeenten, ${what} (${shown.length})`, ['Gemeente', 'Gemeentecode', 'Status', 'Acties'], rows));
}

await load();
