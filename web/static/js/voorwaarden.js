// voorwaarden.html: the current connection conditions and their acceptance (MEDEWERKER).

import { api, checkForm, el, formatDateTime, requirePage, setBusy, showProblem, showSuccess } from './poort.js';
import { gemeentePath, linkParagraph, loadAansluiting, notice, pageBody, pageFailed } from './gemeente.js';

const user = await requirePage('MEDEWERKER');
const melding = document.getElementById('melding');

const LOCKED = ['APPROVED', 'CONNECTED', 'SUSPENDED', 'DISCONNECTED'];

async function loadCurrent() {
  const list = await api('GET', '/api/v1/aansluitvoorwaarden');
  if (!list.ok) return { problem: list.problem };
  const current = list.data.find((v) => v.actueel) ?? null;
  if (!current) return { current: null };
  const one = await api('GET', `/api/v1/aansluitvoorwaarden/${encodeURIComponent(current.versie)}`);
  if (!one.ok) return { problem: one.problem };
  return { current: one.data };
}

function documentSection(v) {
  return [
    el('p', {}, `Versie ${v.versie}, gepubliceerd op ${formatDateTime(v.gepubliceerdOp)}.`),
    el(
      'section',
      { class: 'tekst-document', 'aria-labelledby': 'voorwaarden-kop' },
      el('h2', { id: 'voorwaarden-kop', class: 'visueel-verborgen' }, `Tekst van de aansluitvoorwaarden, versie ${v.versie}`),
      v.tekst,
    ),
  ];
}

function acceptForm(a, v) {
  const button = el('button', { type: 'submit' }, 'Voorwaarden accepteren');
  const form = el(
    'form',
    { novalidate: true, id: 'accepteren' },
    el(
      'div',
      { class: 'veld' },
      el(
        'div',
        { class: 'keuze' },
        el('input', {
          type: 'checkbox',
          id: 'akkoord',
          name: 'akkoord',
          required: true,
          'data-fout': 'Vink aan dat u de voorwaarden heeft gelezen en ermee akkoord gaat.',
        }),
        el('label', { for: 'akkoord' }, 'Ik heb de voorwaarden gelezen en ga akkoord'),
      ),
    ),
    el('div', { class: 'knoppen' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    setBusy(button, true);
    const res = await api('POST', gemeentePath(user, 'voorwaardenacceptatie'), { versie: v.versie, sha256: v.sha256 });
    setBusy(button, false);
    if (!res.ok) {
      showProblem(form, res.problem);
      return;
    }
    form.remove();
    const voided = (a.status === 'SIGNED' || a.status === 'REJECTED') && res.data.status === 'APPLICATION_DRAFT';
    showSuccess(melding, `U heeft de aansluitvoorwaarden (versie ${v.versie}) geaccepteerd.`);
    const next = voided
      ? linkParagraph(
          'Let op: de ondertekening van de aanvraag is daardoor vervallen. Vraag een tekenbevoegde van uw gemeente om de aanvraag opnieuw te ondertekenen.',
          '/start.html',
          'Naar de startpagina',
        )
      : res.data.aanvraag
        ? linkParagraph('', '/start.html', 'Naar de volgende stap')
        : linkParagraph('Vul nu de aanvraag in.', '/aanvraag.html', 'Aanvraag invullen');
    document.getElementById('volgende')?.replaceChildren(el('h2', {}, 'Volgende stap'), next);
  });
  return form;
}

const [a, { current, problem }] = await Promise.all([loadAansluiting(user), loadCurrent()]);
if (a && problem) pageFailed(problem);
else if (a && !current) {
  pageBody(notice('', el('p', {}, 'Justid heeft nog geen aansluitvoorwaarden gepubliceerd. Kijk later nog eens.')));
} else if (a) {
  const acceptedThis = a.voorwaarden?.sha256 === current.sha256;
  let action;
  if (a.status === 'NOT_REGISTERED') {
    action = notice('', linkParagraph('U kunt de voorwaarden accepteren nadat uw gemeente is aangemeld voor een cohort.', '/aanmelden.html', 'Aanmelden voor een cohort'));
  } else if (LOCKED.includes(a.status)) {
    action = acceptedThis
      ? notice('', el('p', {}, `Uw gemeente heeft deze versie geaccepteerd op ${formatDateTime(a.voorwaarden.geaccepteerdOp)}.`))
      : notice(
          '',
          el('p', {}, `Uw gemeente heeft versie ${a.voorwaarden?.versie ?? ''} van de voorwaarden geaccepteerd. De aanvraag is al goedgekeurd. Daarom kunt u hier geen nieuwe versie meer accepteren.`),
          el('p', {}, 'Heeft u vragen over de nieuwe versie? Neem dan contact op met Justid.'),
        );
  } else if (acceptedThis) {
    action = notice(
      '',
      el('p', {}, `Uw gemeente heeft deze versie geaccepteerd op ${formatDateTime(a.voorwaarden.geaccepteerdOp)}.`),
      a.aanvraag ? linkParagraph('', '/start.html', 'Naar de startpagina') : linkParagraph('Vul nu de aanvraag in.', '/aanvraag.html', 'Aanvraag invullen'),
    );
  } else {
    action = [
      a.voorwaarden
        ? notice(
            'waarschuwing',
            el('p', {}, `Uw gemeente accepteerde eerder versie ${a.voorwaarden.versie}. Justid heeft een nieuwe versie gepubliceerd. Lees en accepteer de nieuwe versie.`),
            a.status === 'SIGNED' || a.status === 'REJECTED'
              ? el('p', {}, 'Als u de nieuwe versie accepteert, vervalt de ondertekening van de aanvraag. Een tekenbevoegde moet dan opnieuw ondertekenen.')
              : null,
          )
        : null,
      el('h2', {}, 'Akkoord geven'),
      acceptForm(a, current),
    ];
  }
  pageBody(...documentSection(current), el('div', { id: 'volgende' }, action));
}
