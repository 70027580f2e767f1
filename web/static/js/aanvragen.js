// aanvragen.html: the signed applications that wait for review, oldest signature first.

import { requirePage, api, el, replaceChildren, formatDateTime } from './poort.js';
import { table, hidden, showLoadFailure, currentMunicipalities } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const lijst = document.getElementById('lijst');
const res = await api('GET', '/api/v1/gemeenten');
if (!res.ok) {
  showLoadFailure(lijst, res.problem);
} else {
  const order = currentMunicipalities(res.data)
    .filter((g) => g.status === 'SIGNED')
    .map((g) => ({ g, at: g.ondertekendOp ?? '' }))
    .sort((a, b) => a.at.localeCompare(b.at));
  lijst.removeAttribute('aria-busy');
  if (order.length === 0) {
    replaceChildren(lijst, el('p', {}, 'Er wachten geen aanvragen op beoordeling.'));
  } else {
    const rows = order.map(({ g, at }) => [
      g.naam,
      g.gemeentecode,
      at ? formatDateTime(at) : '–',
      el('a', { href: `/aanvraag-beoordelen.html?gemeente=${encodeURIComponent(g.gemeentecode)}` }, 'Beoordelen', hidden(` aanvraag ${g.naam}`)),
    ]);
    replaceChildren(lijst, table(`Aanvragen die wachten op beoordeling (${order.length})`, ['Gemeente', 'Gemeentecode', 'Ondertekend op', 'Aanvraag'], rows));
  }
}
