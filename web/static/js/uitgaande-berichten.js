// uitgaande-berichten.html: the push outbox (default: the deliveries poort gave
// up on), with "Opnieuw proberen" for each one that was given up.

import { requirePage, api, el, replaceChildren, queryParam, formatDateTime, problemMessage, setBusy, showSuccess, clearSuccess } from './poort.js';
import { table, hidden, showLoadFailure } from './beheer-gedeeld.js';

await requirePage('BEHEERDER');

const lijst = document.getElementById('lijst');
const melding = document.getElementById('melding');
const select = document.getElementById('status');

const STATUS_LABELS = { WACHTEND: 'Wachtend', AFGELEVERD: 'Afgeleverd', OPGEGEVEN: 'Opgegeven', VERVALLEN: 'Vervallen' };
const chosen = queryParam('status') === 'ALLE' || STATUS_LABELS[queryParam('status')] ? queryParam('status') : 'OPGEGEVEN';
select.value = chosen;

/** The last error of a push (a reason code of daemon/deliveries.cpp) in words. */
function errorText(code) {
  if (!code) return '–';
  const http = /^http_(\d{3})$/.exec(code);
  if (http) return `Het systeem van de gemeente antwoordde met foutcode ${http[1]}`;
  const texts = {
    timeout: 'Het systeem van de gemeente antwoordde niet op tijd',
    connect_failed: 'Geen verbinding met het systeem van de gemeente',
    resolve_failed: 'Het adres van het systeem van de gemeente bestaat niet',
    tls_failed: 'De beveiligde verbinding lukte niet (certificaat)',
    tls_setup: 'De beveiligde verbinding lukte niet (certificaat)',
    write_failed: 'Het bericht kon niet worden verstuurd',
    read_failed: 'Het antwoord van de gemeente kon niet worden gelezen',
  };
  return texts[code] ?? `Fout: ${code}`;
}

async function retry(b, button) {
  clearSuccess(melding);
  const errors = button.closest('td').querySelector('.veldfout');
  errors?.remove();
  setBusy(button, true);
  const res = await api('POST', `/api/v1/beheer/uitgaande-berichten/${encodeURIComponent(b.berichtId)}/nieuwe-poging`);
  setBusy(button, false);
  if (!res.ok) {
    const text = res.problem?.code === 'push_not_given_up'
      ? 'Dit bericht is niet (meer) opgegeven: poort probeert het al. Laad de pagina opnieuw.'
      : problemMessage(res.problem);
    button.after(el('p', { class: 'veldfout', role: 'alert' }, text));
    button.focus();
    return;
  }
  await load();
  showSuccess(melding, `Het bericht aan ${b.gemeentecode} staat weer in de wachtrij. Poort probeert het zo opnieuw.`);
  melding.focus();
}

async function load() {
  const query = chosen === 'ALLE' ? '' : `?status=${chosen}`;
  const res = await api('GET', `/api/v1/beheer/uitgaande-berichten${query}`);
  if (!res.ok) {
    showLoadFailure(lijst, res.problem);
    return;
  }
  lijst.removeAttribute('aria-busy');
  const items = res.data.uitgaandeBerichten;
  const what = chosen === 'ALLE' ? 'alle statussen' : `status ${STATUS_LABELS[chosen].toLowerCase()}`;
  if (items.length === 0) {
    replaceChildren(lijst, el('p', {}, chosen === 'OPGEGEVEN' ? 'Er zijn geen opgegeven berichten. Er is niets te doen.' : `Er zijn geen uitgaande berichten (${what}).`));
    return;
  }
  const rows = items.map((b) => [
    el('code', {}, b.berichtId),
    b.gemeentecode,
    STATUS_LABELS[b.status] ?? b.status,
    String(b.pogingen),
    errorText(b.laatsteFout),
    b.aangemaaktOp ? formatDateTime(b.aangemaaktOp) : '–',
    b.status === 'OPGEGEVEN'
      ? el('button', { type: 'button', class: 'knop knop--secundair knop--klein', onclick: (e) => retry(b, e.currentTarget) }, 'Opnieuw proberen', hidden(` bericht aan ${b.gemeentecode}, ${b.berichtId}`))
      : b.status === 'WACHTEND' && b.volgendePogingOp ? `Volgende poging ${formatDateTime(b.volgendePogingOp)}` : '–',
  ]);
  replaceChildren(lijst, table(`Uitgaande berichten, ${what}, nieuwste eerst (${items.length})`, ['Bericht', 'Gemeente', 'Status', 'Pogingen', 'Laatste fout', 'Aangemaakt op', 'Actie'], rows));
}

await load();
