// beheer-gedeeld.js: what the Justid administrator pages share on top of poort.js:
// tables in a scrollable region, a refusal tied to its field, and the inline
// confirmation step for actions that cannot simply be undone.

import { el, uniqueId, showProblem, clearProblems, checkForm, setBusy, replaceChildren, problemMessage } from './poort.js';

/**
 * A data table with a caption, in a keyboard-reachable region that scrolls
 * sideways if needed; below 40rem each row becomes a block of labelled cells
 * (poort.css `stapelbaar`). The first cell of each row is its row header.
 * `rows` holds arrays of cells (text or nodes).
 */
export function table(captionText, headers, rows) {
  const captionId = uniqueId('tabel');
  return el(
    'div',
    { class: 'tabel-wrapper', role: 'region', 'aria-labelledby': captionId, tabindex: '0' },
    el(
      'table',
      { class: 'stapelbaar' },
      el('caption', { id: captionId }, captionText),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        rows.map((cells) =>
          el('tr', {}, cells.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', { 'data-kop': headers[i] }, c)))),
        ),
      ),
    ),
  );
}

/** Text for screen readers only (e.g. which row a button is about). */
export function hidden(text) {
  return el('span', { class: 'visueel-verborgen' }, text);
}

/**
 * `problem` with an invalidParams entry for the field its code is about, when
 * the server named no field (the onboarding rules answer "reason_required"
 * without a pointer). `fields` maps problem codes (snake_case) to field names.
 */
export function tieToField(problem, fields) {
  if (!problem || (Array.isArray(problem.invalidParams) && problem.invalidParams.length)) return problem;
  const field = fields[String(problem.code ?? '').toLowerCase()];
  return field ? { ...problem, invalidParams: [{ pointer: `/${field}`, code: problem.code.toUpperCase() }] } : problem;
}

/** Shows a loading failure in `container` (replacing its content) and clears aria-busy. */
export function showLoadFailure(container, problem) {
  container.removeAttribute('aria-busy');
  replaceChildren(
    container,
    el(
      'div',
      { class: 'melding melding--fout', role: 'alert' },
      el('p', {}, problemMessage(problem)),
      el('p', {}, 'Laad de pagina opnieuw of probeer het later nog eens.'),
      problem?.instance ? el('p', { class: 'kenmerk' }, `Kenmerk: ${String(problem.instance).replace(/^urn:poort:request:/, '')}`) : null,
    ),
  );
}

/**
 * The confirmation step of an action that cannot simply be undone, shown
 * inline in `container` (no window.confirm): a section with a heading that
 * gets the focus, what will happen, optionally a required reason, and the
 * buttons `confirmText` and "Annuleren" (Escape cancels too).
 *
 * `perform(values, form)` sends the request and resolves to null when it
 * worked or to the problem; a problem is shown next to its field (reason) and
 * in the summary. `fields` ties problem codes to fields (see tieToField).
 * On success or cancel the step disappears and `done(success)` is called.
 * The step's form is returned.
 */
export function confirmStep(container, { title, explanation, reasonLabel, reasonHint, confirmText, danger = true, fields = {}, perform, done }) {
  const headingId = uniqueId('bevestig');
  const heading = el('h2', { id: headingId, tabindex: '-1' }, title);
  const form = el('form', { novalidate: true });
  const step = el('section', { class: 'bevestiging', 'aria-labelledby': headingId }, heading, form);
  let reason = null;
  let reasonField = null;
  if (reasonLabel) {
    const id = uniqueId('reden');
    const hintId = `${id}-hint`;
    reason = el('textarea', { id, name: 'reden', 'data-naam': 'de reden', rows: '4', required: true, maxlength: '1000', 'aria-describedby': reasonHint ? hintId : null });
    reasonField = el(
      'div',
      { class: 'veld' },
      el('label', { for: id }, reasonLabel),
      reasonHint ? el('p', { class: 'hint', id: hintId }, reasonHint) : null,
      reason,
    );
  }
  const confirm = el('button', { type: 'submit', class: danger ? 'knop knop--gevaar' : 'knop' }, confirmText);
  const cancel = el('button', { type: 'button', class: 'knop knop--secundair' }, 'Annuleren');
  replaceChildren(
    form,
    explanation.map((p) => el('p', {}, p)),
    reasonField,
    el('div', { class: 'knoppen' }, confirm, cancel),
  );
  const close = (success) => {
    step.remove();
    done(success);
  };
  cancel.addEventListener('click', () => close(false));
  step.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close(false);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const blank = () => (reason && reason.value.trim() === '' && reason.value !== '' ? [{ control: reason, message: 'Vul de reden in.' }] : []);
    if (!checkForm(form, blank)) return;
    setBusy(confirm, true);
    cancel.disabled = true;
    const problem = await perform({ reden: reason ? reason.value.trim() : undefined }, form);
    setBusy(confirm, false);
    cancel.disabled = false;
    if (problem) {
      showProblem(form, tieToField(problem, fields));
      return;
    }
    clearProblems(form);
    close(true);
  });
  replaceChildren(container, step);
  heading.focus();
  return form;
}

/**
 * The register entries valid today, one per gemeentecode (GET /api/v1/gemeenten
 * also lists ended validity periods).
 */
export function currentMunicipalities(list) {
  const today = new Date().toISOString().slice(0, 10);
  const byCode = new Map();
  for (const g of list) {
    if (g.geldigVan > today || (g.geldigTot && g.geldigTot < today)) continue;
    const seen = byCode.get(g.gemeentecode);
    if (!seen || seen.geldigVan < g.geldigVan) byCode.set(g.gemeentecode, g);
  }
  return [...byCode.values()];
}
