// beheer.html: the administrator's overview: what waits for action, and the
// municipalities per onboarding status.

import { requirePage, api, el, replaceChildren, statusLabel, STATUSES } from './poort.js';
import { table, showLoadFailure, currentMunicipalities } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const werk = document.getElementById('werk');
const perStatus = document.getElementById('per-status');

const [gemeenten, cohorten, opgegeven] = await Promise.all([
  api('GET', '/api/v1/gemeenten'),
  api('GET', '/api/v1/cohorten'),
  api('GET', '/api/v1/beheer/uitgaande-berichten?status=OPGEGEVEN'),
]);

function count(n, one, many) {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

const register = gemeenten.ok ? currentMunicipalities(gemeenten.data) : [];
const items = [];
if (gemeenten.ok) {
  const signed = register.filter((g) => g.status === 'SIGNED').length;
  const approved = register.filter((g) => g.status === 'APPROVED').length;
  items.push(
    el('li', {}, el('a', { href: '/aanvragen.html' }, count(signed, 'aanvraag wacht', 'aanvragen wachten'), ' op beoordeling')),
    el('li', {}, el('a', { href: '/gemeenten.html?status=APPROVED' }, count(approved, 'gemeente is', 'gemeenten zijn'), ' goedgekeurd en wacht', approved === 1 ? '' : 'en', ' op aansluiting')),
  );
} else {
  items.push(el('li', {}, 'Het aantal aanvragen kon niet worden geladen.'));
}
if (opgegeven.ok) {
  const n = opgegeven.data.uitgaandeBerichten.length;
  items.push(el('li', {}, el('a', { href: '/uitgaande-berichten.html' }, count(n, 'uitgaand bericht is', 'uitgaande berichten zijn'), ' opgegeven')));
} else {
  items.push(el('li', {}, 'Het aantal opgegeven uitgaande berichten kon niet worden geladen.'));
}
if (cohorten.ok) {
  const open = cohorten.data.filter((c) => c.aanmeldingOpen).length;
  items.push(el('li', {}, el('a', { href: '/cohorten.html' }, count(open, 'cohort staat', 'cohorten staan'), ' open voor aanmelding')));
}
werk.removeAttribute('aria-busy');
replaceChildren(werk, items);

if (gemeenten.ok) {
  const rows = STATUSES.map((s) => {
    const n = register.filter((g) => g.status === s).length;
    return [statusLabel(s), n === 0 ? '0' : el('a', { href: `/gemeenten.html?status=${s}` }, String(n), el('span', { class: 'visueel-verborgen' }, ` gemeenten: ${statusLabel(s)}`))];
  });
  perStatus.removeAttribute('aria-busy');
  replaceChildren(perStatus, table(`Aantal gemeenten per status (totaal ${register.length})`, ['Status', 'Aantal gemeenten'], rows));
} else {
  showLoadFailure(perStatus, gemeenten.problem);
}
