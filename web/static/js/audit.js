// audit.html: search the audit trail (handeling, object, actor, period) and
// page through the results, newest first. The search is in the page's own
// query string, so that "Volgende pagina" and the browser's back button work.

import { requirePage, api, el, replaceChildren, formatDateTime, checkForm, showProblem } from './poort.js';
import { table, showLoadFailure } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const form = document.getElementById('zoeken');
const resultaat = document.getElementById('resultaat');
const FIELDS = ['actie', 'object', 'actor', 'van', 'tot'];
const params = new URLSearchParams(location.search);

for (const name of FIELDS) form.elements[name].value = params.get(name) ?? '';

/** Midnight at the start of `date` (YYYY-MM-DD) in the browser's time zone, as RFC 3339 UTC; `days` later. */
function startOfDay(date, days = 0) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d + days).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function periodCheck(f) {
  const van = f.elements.van.value;
  const tot = f.elements.tot.value;
  return van && tot && tot < van ? [{ control: f.elements.tot, message: 'De einddatum ligt voor de begindatum.' }] : [];
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!checkForm(form, periodCheck)) return;
  const next = new URLSearchParams();
  for (const name of FIELDS) {
    const v = form.elements[name].value.trim();
    if (v) next.set(name, v);
  }
  location.assign(`/audit.html${next.size ? `?${next}` : ''}`);
});

async function search() {
  const q = new URLSearchParams();
  for (const name of ['actie', 'object', 'actor']) if (params.get(name)) q.set(name, params.get(name));
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get('van') ?? '')) q.set('van', startOfDay(params.get('van')));
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get('tot') ?? '')) q.set('tot', startOfDay(params.get('tot'), 1));
  if (/^\d+$/.test(params.get('na') ?? '')) q.set('na', params.get('na'));
  q.set('limiet', '50');
  const res = await api('GET', `/api/v1/beheer/auditregels?${q}`);
  if (!res.ok) {
    if (res.status === 400 && res.problem?.invalidParams?.length) {
      replaceChildren(resultaat);
      showProblem(form, res.problem);
    } else {
      showLoadFailure(resultaat, res.problem);
    }
    return;
  }
  const regels = res.data.auditregels;
  const paging = params.has('na');
  if (regels.length === 0) {
    replaceChildren(resultaat, el('p', {}, paging ? 'Er zijn geen oudere auditregels.' : 'Er zijn geen auditregels gevonden. Pas de zoekvraag aan.'));
    return;
  }
  const rows = regels.map((r) => [
    el('time', { datetime: r.tijdstip }, formatDateTime(r.tijdstip)),
    r.actie,
    r.object ?? '–',
    r.resultaat,
    el('span', { class: 'lang-woord' }, r.actor),
    r.herkomst,
    r.requestId ? el('code', {}, r.requestId) : '–',
  ]);
  const links = [];
  if (paging) {
    const first = new URLSearchParams(params);
    first.delete('na');
    links.push(el('a', { href: `/audit.html${first.size ? `?${first}` : ''}` }, 'Eerste pagina'));
  }
  if (res.data.volgende !== null && res.data.volgende !== undefined) {
    const next = new URLSearchParams(params);
    next.set('na', String(res.data.volgende));
    links.push(el('a', { href: `/audit.html?${next}`, rel: 'next' }, 'Volgende pagina'));
  }
  replaceChildren(
    resultaat,
    table(
      `Auditregels, nieuwste eerst (${regels.length}${paging ? ', vervolgpagina' : ''})`,
      ['Tijdstip', 'Handeling', 'Object', 'Resultaat', 'Gedaan door', 'Herkomst', 'Request-id'],
      rows,
    ),
    links.length ? el('nav', { class: 'paginering', 'aria-label': 'Pagina’s met auditregels' }, el('ul', {}, links.map((a) => el('li', {}, a)))) : null,
  );
}

await search();
