// Browser tests of the portal (issue 6, item 3), run by tests/e2e/run against
// the real poortd and the test IdPs. The tests share one poortd and run in
// this order: the whole story leaves a connected municipality (Zwolle, GM0193)
// with messages, which the refusals and the keyboard flow use. Every portal
// page reached goes through checkPage (axe-core WCAG 2.1 AA, no script error or
// CSP violation, reflow at 320 px, screenshot); the last test proves none was
// missed.
//
// Elements are found by role and accessible name only (the link, button and
// label texts the pages promise in issue 6's page map), never by CSS class.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  api,
  assertFocusVisible,
  checkPage,
  checked,
  idpLogin,
  launch,
  login,
  newUser,
  portal,
  reached,
  screenshotOpenPages,
  tabTo,
} from './lib/browser.mjs';
import { ageSession, env, pkiFile, systemRequest } from './lib/env.mjs';

const BSN = '123456782';
const SHEET_WORK = 'Zoekt werk in de bouw';
const SHEET_HOUSING = 'Geen woning na vrijlating';
const WITHDRAWN = 'De gedetineerde heeft de toestemming ingetrokken; de betreffende onderdelen zijn verwijderd';
const COHORT = 'Pilot najaar 2026';

/** What the story leaves for the later tests. */
const story = { meldingId: '', bladId: '', intrekkingId: '' };

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A test whose browser contexts are closed afterwards; on failure, the open pages are kept as screenshots. */
function browserTest(name, timeout, fn) {
  return test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      await screenshotOpenPages(name);
      throw e;
    } finally {
      for (const c of browser.contexts()) await c.close();
    }
  });
}

/** A user's page with short timeouts: a missing element fails in seconds, not minutes. */
async function user() {
  const page = await newUser(browser);
  page.setDefaultTimeout(15000);
  return page;
}

/** Subtests that stop at the first failure: later steps are skipped, not failed again. */
function stepper(t) {
  let broken = '';
  return (name, fn) =>
    t.test(name, { skip: broken ? `step "${broken}" failed` : false }, async () => {
      try {
        await fn();
      } catch (e) {
        broken = name;
        await screenshotOpenPages(name);
        throw e;
      }
    });
}

/** "YYYY-MM-DDTHH:MM" in Amsterdam time (the browser's zone): a datetime-local value. */
function localInput(ms) {
  return new Date(ms)
    .toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23' })
    .replace(' ', 'T')
    .slice(0, 16);
}

const menu = (page, name) => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name, exact: true });
const h1 = (page, name) => page.getByRole('heading', { level: 1, name });
const onPath = (page, pathname) => page.waitForURL((u) => u.origin === portal && u.pathname === pathname);

function melding(id, soort = 'BEGIN') {
  return {
    berichtId: id,
    soort,
    persoon: { bsn: BSN, geslachtsnaam: 'Jansenius', voornamen: 'Pieter Jan', geboortedatum: '1990-04-17' },
    gebeurtenisdatum: '2026-03-02',
    verwachteInvrijheidstelling: '2026-09-01',
    gemeentecode: 'GM0193',
    grondslag: 'LAATSTE_BRP_ADRES',
    casemanager: { naam: 'M. de Vries', email: 'm.devries@pi.example.nl', telefoon: '+31 20 123 4567' },
  };
}

function informatieblad(id) {
  const all = ['werkEnInkomen', 'onderdak', 'zorg', 'schulden', 'identiteitsbewijs', 'zorgVoorThuis'];
  return {
    berichtId: id,
    persoon: { bsn: BSN, geslachtsnaam: 'Jansenius', voornamen: 'Pieter Jan', geboortedatum: '1990-04-17' },
    gemeentecode: 'GM0193',
    toestemming: {
      id: 'TV-1',
      datum: '2026-03-10',
      basisvoorwaarden: Object.fromEntries(all.map((k) => [k, k !== 'zorgVoorThuis'])),
    },
    secties: {
      werkEnInkomen: [{ onderwerp: 'WERK', hulpNodig: true, toelichting: SHEET_WORK }],
      onderdak: [{ onderwerp: 'HUISVESTING_NA_DETENTIE', hulpNodig: true, toelichting: SHEET_HOUSING }],
      identiteitsbewijs: [{ onderwerp: 'GELDIG_IDENTITEITSBEWIJS', hulpNodig: false }],
    },
    versie: 1,
  };
}

async function push(kind, body) {
  const r = await systemRequest('POST', `/api/v1/${kind}`, body);
  assert.equal(r.status, 201, `push ${kind}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The SHA-256 fingerprint of a PKI certificate, lower-case hex without colons. */
function fingerprint(file) {
  return new crypto.X509Certificate(pkiFile(file)).fingerprint256.replaceAll(':', '').toLowerCase();
}

// ---------------------------------------------------------------------------------------------

browserTest('the whole story: from a cohort to a withdrawn information sheet', 150000, async (t) => {
  const step = stepper(t);
  const admin = await user();
  const casework = await user();
  const signatory = await user();

  await step('an administrator opens a cohort', async () => {
    await login(admin, 'admin');
    await h1(admin, /./).waitFor();
    await checkPage(admin, 'beheer-overzicht');
    await menu(admin, 'Cohorten').click();
    await onPath(admin, '/cohorten.html');
    await admin.getByRole('button', { name: 'Cohort openen' }).waitFor();
    await checkPage(admin, 'cohorten');
    const now = Date.now();
    await admin.getByLabel('Naam', { exact: true }).fill(COHORT);
    await admin.getByLabel('Pilot', { exact: true }).check();
    await admin.getByLabel('Aanmelding opent op').fill(localInput(now - 3600e3));
    await admin.getByLabel('Aanmelding sluit op').fill(localInput(now + 30 * 86400e3));
    // A value out of range: the error says what is allowed, next to the field.
    const capacity = admin.getByLabel('Maximum aantal gemeenten');
    await capacity.fill('1001');
    await admin.getByRole('button', { name: 'Cohort openen' }).click();
    await admin.getByRole('alert').filter({ hasText: 'moet een geheel getal van 1 tot en met 1.000 zijn' }).waitFor();
    assert.match(await accessibleDescription(capacity), /van 1 tot en met 1\.000/);
    await checkPage(admin, 'cohort-fout');
    await capacity.fill('10');
    await admin.getByLabel('Aansluiten op').fill(localInput(now + 31 * 86400e3));
    await admin.getByRole('button', { name: 'Cohort openen' }).click();
    await admin.getByRole('status').filter({ hasText: new RegExp(`${COHORT}.* is geopend`) }).waitFor();
    await admin.getByRole('table', { name: 'Cohorten, nieuwste eerst' }).getByRole('rowheader', { name: COHORT }).waitFor();
    await checkPage(admin, 'cohort-geopend');
  });

  await step('a case worker registers the municipality in the cohort', async () => {
    await login(casework, 'casework', { organisatie: 'zwolle' });
    await h1(casework, 'Aansluiting van uw gemeente').waitFor();
    await casework.getByRole('link', { name: 'Aanmelden voor een cohort' }).waitFor();
    await checkPage(casework, 'start-niet-aangemeld');
    await casework.getByRole('link', { name: 'Aanmelden voor een cohort' }).click();
    await onPath(casework, '/aanmelden.html');
    await casework.getByRole('radio', { name: new RegExp(COHORT) }).check();
    await checkPage(casework, 'aanmelden');
    await casework.getByRole('button', { name: 'Aanmelden voor dit cohort' }).click();
    await casework.getByRole('status').filter({ hasText: new RegExp(`aangemeld voor.*${COHORT}`) }).waitFor();
    await checkPage(casework, 'aangemeld');
  });

  await step('the case worker accepts the conditions', async () => {
    await menu(casework, 'Start').click();
    await casework.getByRole('link', { name: 'Aansluitvoorwaarden lezen en accepteren' }).click();
    await onPath(casework, '/voorwaarden.html');
    await casework.getByText('De gemeente bevestigt de ontvangst van elk bericht.', { exact: false }).waitFor();
    await checkPage(casework, 'voorwaarden');
    await casework.getByRole('checkbox', { name: 'Ik heb de voorwaarden gelezen en ga akkoord' }).check();
    await casework.getByRole('button', { name: 'Voorwaarden accepteren' }).click();
    await casework.getByRole('status').filter({ hasText: /voorwaarden.*2026-1.*geaccepteerd/ }).waitFor();
    await checkPage(casework, 'voorwaarden-geaccepteerd');
  });

  await step('the case worker applies with the system certificate of gemeente-1', async () => {
    await casework.getByRole('link', { name: 'Aanvraag invullen' }).click();
    await onPath(casework, '/aanvraag.html');
    await casework.getByLabel('Naam', { exact: true }).fill('J. de Vries');
    await casework.getByLabel('E-mailadres').fill('nazorg@zwolle.test');
    await casework.getByLabel('Telefoonnummer').fill('038 498 20 00');
    await casework.getByRole('checkbox', { name: /Detentiemeldingen/ }).check();
    await casework.getByRole('checkbox', { name: /Informatiebladen/ }).check();
    // The server's refusal of an expired certificate appears next to the field, and in the summary.
    const pem = casework.getByLabel('Certificaat (PEM-tekst)');
    await pem.fill(pkiFile('expired.crt'));
    await casework.getByRole('button', { name: 'Aanvraag opslaan' }).click();
    await casework.getByRole('alert').filter({ hasText: 'niet uitgegeven onder de vertrouwde CA, is verlopen' }).waitFor();
    assert.equal(await pem.getAttribute('aria-invalid'), 'true');
    assert.match(await accessibleDescription(pem), /verlopen/, 'the error is linked to the field (aria-describedby)');
    await checkPage(casework, 'aanvraag-fout');
    await casework.getByLabel('Certificaatbestand kiezen (optioneel)').setInputFiles(path.join(env.pkiDir, 'gemeente-1.crt'));
    await assertEventually(async () => (await pem.inputValue()) === pkiFile('gemeente-1.crt'));
    await checkPage(casework, 'aanvraag');
    await casework.getByRole('button', { name: 'Aanvraag opslaan' }).click();
    await casework.getByText('Vraag een tekenbevoegde van uw gemeente om te ondertekenen').first().waitFor();
    await casework.getByText(fingerprint('gemeente-1.crt')).first().waitFor();
    await checkPage(casework, 'aanvraag-opgeslagen');
  });

  await step('a signatory sees exactly what is signed and signs', async () => {
    await login(signatory, 'signing', { organisatie: 'zwolle', gebruiker: 'tekenbevoegde-1' });
    await signatory.getByRole('checkbox', { name: 'Ik onderteken deze aanvraag namens mijn gemeente' }).waitFor();
    for (const shown of ['J. de Vries', 'nazorg@zwolle.test', fingerprint('gemeente-1.crt'), '2026-1', COHORT])
      await signatory.getByText(shown).first().waitFor();
    // The exact text that is signed names the municipality and the cohort too.
    const exact = await signatory.locator('pre').textContent();
    for (const line of ['gemeente.naam: Zwolle', 'gemeente.gemeentecode: GM0193', `gemeente.oin: ${env.oins.GEMEENTE_1_OIN}`, `cohort.naam: ${COHORT}`])
      assert.ok(exact.includes(`${line}\n`), `the signed text lacks "${line}"`);
    await checkPage(signatory, 'ondertekenen');
    await signatory.getByRole('checkbox', { name: 'Ik onderteken deze aanvraag namens mijn gemeente' }).check();
    await signatory.getByRole('button', { name: 'Aanvraag ondertekenen' }).click();
    await signatory.getByRole('status').filter({ hasText: /aanvraag ondertekend/ }).waitFor();
    assert.equal(await signatory.getByText(/ondertekend op/).count(), 1, 'the confirmation is shown once');
    await checkPage(signatory, 'ondertekend');
    // Until the approval, a signatory cannot change anything: the settings say who can.
    await menu(signatory, 'Instellingen').click();
    await onPath(signatory, '/instellingen.html');
    await signatory.getByText('Vraag dan een medewerker van uw gemeente om de aanvraag aan te passen', { exact: false }).waitFor();
    assert.equal(await signatory.getByText('past u de aanvraag zelf aan', { exact: false }).count(), 0);
    await checkPage(signatory, 'instellingen-voor-goedkeuring');
  });

  await step('the administrator approves the application and connects the municipality', async () => {
    await menu(admin, 'Aanvragen').click();
    await onPath(admin, '/aanvragen.html');
    await admin.getByRole('link', { name: 'Beoordelen aanvraag Zwolle' }).waitFor();
    await checkPage(admin, 'aanvragen');
    await admin.getByRole('link', { name: 'Beoordelen aanvraag Zwolle' }).click();
    await onPath(admin, '/aanvraag-beoordelen.html');
    await admin.getByRole('button', { name: 'Goedkeuren' }).waitFor();
    await admin.getByText(fingerprint('gemeente-1.crt')).first().waitFor();
    await checkPage(admin, 'aanvraag-beoordelen');
    await admin.getByRole('button', { name: 'Goedkeuren' }).click();
    await admin.getByRole('status').filter({ hasText: /Zwolle.*goedgekeurd/ }).waitFor();
    await checkPage(admin, 'aanvraag-goedgekeurd');
    await admin.getByRole('button', { name: 'Aansluiten' }).click();
    // Connecting before the cohort's date is confirmed first, and can be cancelled.
    await admin.getByRole('heading', { name: 'Zwolle nu aansluiten?' }).waitFor();
    await checkPage(admin, 'aansluiten-bevestigen');
    await admin.getByRole('button', { name: 'Annuleren' }).click();
    assert.equal(await admin.getByRole('heading', { name: 'Zwolle nu aansluiten?' }).count(), 0);
    await admin.getByRole('button', { name: 'Aansluiten', exact: true }).click();
    await admin.getByRole('button', { name: 'Aansluiten bevestigen' }).click();
    await admin.getByRole('status').filter({ hasText: /Zwolle.*aangesloten/ }).waitFor();
    await checkPage(admin, 'aangesloten');
    await menu(admin, 'Gemeenten').click();
    await onPath(admin, '/gemeenten.html');
    await admin.getByRole('row', { name: /^Zwolle GM0193/ }).getByRole('cell', { name: 'Aangesloten', exact: true }).waitFor();
    await checkPage(admin, 'gemeenten');
  });

  await step('a prison pushes a detention notification and an information sheet over mutual TLS', async () => {
    story.meldingId = crypto.randomUUID();
    story.bladId = crypto.randomUUID();
    const m = await push('detentiemeldingen', melding(story.meldingId));
    assert.equal(m.soort, 'DETENTIEMELDING');
    const b = await push('informatiebladen', informatieblad(story.bladId));
    assert.equal(b.soort, 'INFORMATIEBLAD');
  });

  await step('the case worker reads both in the inbox and acknowledges them', async () => {
    await menu(casework, 'Start').click();
    await onPath(casework, '/start.html');
    await casework.getByRole('link', { name: 'Naar uw berichten' }).waitFor();
    // Connected before the cohort's date: the page gives the actual date only.
    await casework.getByText('Aangesloten op', { exact: true }).waitFor();
    assert.equal(await casework.getByText('aansluiten op', { exact: false }).count(), 0, 'the cohort date is still shown');
    await checkPage(casework, 'start-aangesloten');
    await menu(casework, 'Berichten').click();
    await onPath(casework, '/berichten.html');
    await casework.getByRole('link', { name: story.bladId }).waitFor();
    await casework.getByRole('link', { name: story.meldingId }).waitFor();
    assert.equal(await casework.getByText(BSN).count(), 0, 'the inbox shows no BSN');
    // Newest first, each row with who it is about and the release date (issue 17 item 3).
    const rows = casework.getByRole('row');
    assert.match(await rows.nth(1).textContent(), new RegExp(story.bladId), 'the newest message comes first');
    const row = casework.getByRole('row').filter({ hasText: story.meldingId });
    await row.getByText('Pieter Jan Jansenius').waitFor();
    await row.getByText('geboren 17 april 1990').waitFor();
    await row.getByText('1 september 2026').waitFor();
    await checkPage(casework, 'berichten');

    await casework.getByRole('link', { name: story.bladId }).click();
    await onPath(casework, '/bericht.html');
    await casework.getByRole('heading', { name: 'Werk en inkomen' }).waitFor();
    await casework.getByText(SHEET_WORK).waitFor();
    await casework.getByText(SHEET_HOUSING).waitFor();
    await checkPage(casework, 'informatieblad');
    await casework.getByRole('button', { name: 'Ontvangst bevestigen' }).click();
    await casework.getByRole('status').filter({ hasText: 'Ontvangst bevestigd op' }).waitFor();
    await checkPage(casework, 'informatieblad-bevestigd');

    await menu(casework, 'Berichten').click();
    await casework.getByRole('link', { name: story.meldingId }).click();
    await onPath(casework, '/bericht.html');
    await casework.getByText('M. de Vries').waitFor();
    await checkPage(casework, 'detentiemelding');
    await casework.getByRole('button', { name: 'Ontvangst bevestigen' }).click();
    await casework.getByRole('status').filter({ hasText: 'Ontvangst bevestigd op' }).waitFor();
  });

  await step('the prison withdraws consent for work and housing', async () => {
    story.intrekkingId = crypto.randomUUID();
    const w = await push('intrekkingen', {
      berichtId: story.intrekkingId,
      persoon: { bsn: BSN },
      gemeentecode: 'GM0193',
      toestemmingId: 'TV-1',
      basisvoorwaarden: ['ONDERDAK', 'WERK_EN_INKOMEN'],
    });
    assert.equal(w.soort, 'INTREKKING');
  });

  await step('the withdrawn sections are gone from the page, and the notice says so', async () => {
    await casework.goto(`${portal}/bericht.html?id=${story.bladId}`);
    await casework.getByRole('heading', { name: 'Identiteitsbewijs' }).waitFor();
    assert.equal(await casework.getByRole('heading', { name: 'Werk en inkomen' }).count(), 0);
    assert.equal(await casework.getByRole('heading', { name: 'Onderdak' }).count(), 0);
    assert.equal(await casework.getByText(SHEET_WORK).count(), 0, 'withdrawn text still shown');
    assert.equal(await casework.getByText(SHEET_HOUSING).count(), 0, 'withdrawn text still shown');
    // Why each section is missing: withdrawn, no consent, or nothing reported (issue 17 item 4).
    await casework.getByText(/^Werk en inkomen: de gedetineerde heeft de toestemming ingetrokken; de informatie is op .* verwijderd\.$/).waitFor();
    await casework.getByText(/^Onderdak: de gedetineerde heeft de toestemming ingetrokken/).waitFor();
    await casework.getByText('Zorg voor thuis: de gedetineerde heeft hiervoor geen toestemming gegeven.').waitFor();
    await casework.getByText('Schulden: de inrichting heeft hierover niets gemeld.').waitFor();
    await checkPage(casework, 'informatieblad-na-intrekking');

    await menu(casework, 'Berichten').click();
    await casework.getByRole('link', { name: story.intrekkingId }).click();
    await onPath(casework, '/bericht.html');
    await casework.getByText(WITHDRAWN).waitFor();
    await checkPage(casework, 'intrekking');
  });

});

// ---------------------------------------------------------------------------------------------

browserTest('refusal: a case worker cannot sign', 60000, async () => {
  const page = await user();
  await login(page, 'casework', { organisatie: 'zwolle' });
  await page.goto(`${portal}/ondertekenen.html`);
  await onPath(page, '/geen-toegang.html');
  await h1(page, 'Geen toegang').waitFor();
  await checkPage(page, 'geen-toegang');
  const r = await api(page, 'POST', '/api/v1/gemeenten/GM0193/ondertekening', { aanvraagSha256: '0'.repeat(64) });
  assert.equal(r.status, 403, JSON.stringify(r.data));
  assert.equal(r.data.code, 'wrong_role');
});

browserTest("refusal: municipality B cannot open A's message by URL", 60000, async () => {
  assert.ok(story.bladId, 'needs the message of the story');
  const page = await user();
  await login(page, 'casework', { organisatie: 'vught' });
  await page.goto(`${portal}/bericht.html?id=${story.bladId}`);
  await page.getByRole('heading', { name: 'Bericht niet gevonden' }).waitFor();
  assert.equal(await page.getByText(SHEET_WORK).count(), 0);
  assert.equal(await page.getByText(BSN).count(), 0);
  await checkPage(page, 'bericht-niet-gevonden');
  const r = await api(page, 'GET', `/api/v1/berichten/${story.bladId}`);
  assert.equal(r.status, 404, JSON.stringify(r.data));
});

browserTest('refusal: a forged request without the CSRF token changes nothing', 60000, async () => {
  const id = crypto.randomUUID();
  await push('detentiemeldingen', melding(id, 'VERLOF'));
  const page = await user();
  await login(page, 'casework', { organisatie: 'zwolle' });
  const target = `/api/v1/berichten/${id}/ontvangstbevestiging`;

  // Same origin, a logged-in session, but no X-CSRF-Token header, or a wrong one.
  const bare = await api(page, 'POST', target, undefined, { csrf: false });
  assert.equal(bare.status, 403, JSON.stringify(bare.data));
  assert.equal(bare.data.code, 'csrf_token_invalid');
  const wrong = await page.evaluate(
    (t) => fetch(t, { method: 'POST', headers: { 'X-CSRF-Token': 'A'.repeat(43) } }).then((r) => r.status),
    target,
  );
  assert.equal(wrong, 403);

  // A form on another site (http://127.0.0.1:<port>, not the portal's origin) that posts to the
  // portal (without fields: the route takes no body, and a body would be refused for its size first).
  const attacker = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><title>win a prize</title>
<form method="post" action="${portal}${target}"><button>Go</button></form>
<script>document.forms[0].submit()</script></html>`);
  });
  await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
  try {
    const answer = page.waitForResponse((r) => r.url() === `${portal}${target}`);
    await page.goto(`http://127.0.0.1:${attacker.address().port}/`);
    const status = (await answer).status();
    assert.ok(status === 401 || status === 403, `the cross-site form post was answered ${status}`);
  } finally {
    attacker.close();
  }

  await page.goto(`${portal}/berichten.html`);
  const after = await api(page, 'GET', `/api/v1/berichten/${id}`);
  assert.equal(after.status, 200);
  assert.equal(after.data.bevestigdOp ?? null, null, 'the message was acknowledged by a forged request');
});

browserTest('refusal: a cancelled login', 60000, async () => {
  const page = await user();
  await page.goto(`${portal}/`);
  await page.getByRole('link', { name: 'Inloggen als medewerker' }).click();
  await page.getByRole('button', { name: 'Annuleren' }).click();
  await h1(page, 'Inloggen afgebroken').waitFor();
  assert.equal(new URL(page.url()).origin, portal);
  await checkPage(page, 'inloggen-afgebroken');
  const r = await api(page, 'GET', '/api/v1/sessie');
  assert.equal(r.status, 401, 'no session after a cancelled login');
});

browserTest('refusal: an expired session', 60000, async () => {
  const page = await user();
  await login(page, 'casework', { organisatie: 'zwolle' });
  await menu(page, 'Berichten').click();
  await onPath(page, '/berichten.html');
  await page.getByRole('button', { name: 'Filteren' }).waitFor();
  const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-poort-sessie');
  assert.ok(cookie, 'session cookie');
  assert.equal(ageSession(cookie.value), 1, 'the session row in the store');

  await page.getByRole('checkbox', { name: 'Alleen ongelezen' }).check();
  await page.getByRole('button', { name: 'Filteren' }).click();
  await onPath(page, '/sessie-verlopen.html');
  await h1(page, 'Uw sessie is verlopen').waitFor();
  await checkPage(page, 'sessie-verlopen');
  // Logging in again leads back to where the user was.
  await page.getByRole('link', { name: 'Opnieuw inloggen' }).click();
  await idpLogin(page, 'zwolle');
  await onPath(page, '/berichten.html');
  await page.getByRole('button', { name: 'Filteren' }).waitFor();

  // Logging out of a session that has meanwhile expired ends on "U bent uitgelogd" too.
  const again = (await page.context().cookies()).find((c) => c.name === '__Host-poort-sessie');
  assert.equal(ageSession(again.value), 1, 'the new session row in the store');
  await page.getByRole('button', { name: 'Uitloggen' }).click();
  await onPath(page, '/');
  await page.getByRole('status').filter({ hasText: 'U bent uitgelogd' }).waitFor();
  assert.equal(await h1(page, 'Uw sessie is verlopen').count(), 0);
});

// ---------------------------------------------------------------------------------------------

browserTest('the inbox: search by BSN in a POST body, filter by period, never the BSN in a URL', 90000, async () => {
  const other = '111222333';
  const id = crypto.randomUUID();
  const m = melding(id, 'BEGIN');
  m.persoon = { bsn: other, geslachtsnaam: 'Bakker', voornamen: 'Anna', geboortedatum: '1985-01-02' };
  m.verwachteInvrijheidstelling = '2026-12-24';
  await push('detentiemeldingen', m);
  const page = await user();
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await login(page, 'casework', { organisatie: 'zwolle' });
  await menu(page, 'Berichten').click();
  await onPath(page, '/berichten.html');
  // Newest first: the message just pushed heads the list, with who and when.
  const first = page.getByRole('row').nth(1);
  await first.getByText('Anna Bakker').waitFor();
  await first.getByText('24 december 2026').waitFor();

  // A malformed BSN is stopped in the browser, one that fails the eleven-test by poort.
  const bsn = page.getByLabel('BSN', { exact: true });
  await bsn.fill('12345');
  await page.getByRole('button', { name: 'Zoeken' }).click();
  await page.getByRole('alert').filter({ hasText: 'Vul een BSN van negen cijfers in.' }).waitFor();
  await bsn.fill('111222334');
  await page.getByRole('button', { name: 'Zoeken' }).click();
  await page.getByRole('alert').filter({ hasText: 'Het BSN is ongeldig.' }).waitFor();
  assert.equal(await bsn.getAttribute('aria-invalid'), 'true');
  await checkPage(page, 'berichten-zoeken-fout');

  const searched = page.waitForRequest((r) => r.url().includes('/api/v1/berichten/_zoek'));
  await bsn.fill(other);
  await page.getByRole('button', { name: 'Zoeken' }).click();
  const request = await searched;
  assert.equal(request.method(), 'POST');
  assert.deepEqual(JSON.parse(request.postData()), { bsn: other });
  assert.ok(request.headers()['x-csrf-token'], 'the search carries the CSRF token');
  await page.getByRole('heading', { name: 'Zoekresultaat' }).waitFor();
  const table = page.getByRole('table', { name: /Berichten over de gezochte persoon/ });
  await table.getByRole('link', { name: id }).waitFor();
  assert.equal(await table.getByRole('row').count(), 2, 'only the one message about that person');
  assert.equal(await table.getByText('Pieter Jan Jansenius').count(), 0);
  await checkPage(page, 'berichten-zoekresultaat');

  // Back to all messages, then a period with nothing in it (received from tomorrow on).
  await page.getByRole('link', { name: 'Alle berichten tonen' }).click();
  await page.getByRole('table', { name: /Ontvangen berichten/ }).waitFor();
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  await page.getByLabel('Ontvangen vanaf').fill('1-3-2026');
  await page.getByRole('button', { name: 'Filteren' }).click();
  await page.getByRole('alert').filter({ hasText: 'Vul de datum vanaf in als JJJJ-MM-DD' }).waitFor();
  await page.getByLabel('Ontvangen vanaf').fill(tomorrow);
  await page.getByRole('button', { name: 'Filteren' }).click();
  await page.waitForURL((u) => u.searchParams.get('vanaf') === tomorrow);
  await page.getByText('Er zijn geen berichten die bij dit filter passen.').waitFor();
  await page.getByLabel('Volgorde').selectOption('oudste');
  await page.getByLabel('Ontvangen vanaf').fill('');
  await page.getByRole('button', { name: 'Filteren' }).click();
  await page.waitForURL((u) => u.searchParams.get('volgorde') === 'oudste');
  await page.getByRole('table', { name: /oudste eerst/ }).waitFor();
  await checkPage(page, 'berichten-oudste-eerst');

  for (const url of urls) {
    assert.ok(!url.includes(other) && !url.includes('111222334'), `a BSN in a URL: ${url}`);
  }
});

// ---------------------------------------------------------------------------------------------

browserTest('keyboard only: log in, filter the inbox, read and acknowledge a message, log out', 90000, async () => {
  const id = crypto.randomUUID();
  await push('detentiemeldingen', melding(id, 'EINDE'));
  const page = await user();
  const kb = page.keyboard;

  await page.goto(`${portal}/`);
  await kb.press('Tab');
  assert.ok(
    await page.getByRole('link', { name: 'Direct naar de inhoud' }).evaluate((el) => el === document.activeElement),
    'the first Tab reaches the skip link',
  );
  await assertFocusVisible(page);
  await tabTo(page, page.getByRole('link', { name: 'Inloggen als medewerker' }));
  await kb.press('Enter');

  // The test IdP's form: Zwolle is the default organisation.
  await page.getByRole('button', { name: 'Inloggen' }).waitFor();
  await tabTo(page, page.getByRole('button', { name: 'Inloggen' }), { checkFocus: false });
  await kb.press('Enter');
  await onPath(page, '/start.html');

  await tabTo(page, menu(page, 'Berichten'));
  await kb.press('Enter');
  await onPath(page, '/berichten.html');
  await tabTo(page, page.getByRole('checkbox', { name: 'Alleen ongelezen' }));
  await kb.press('Space');
  await tabTo(page, page.getByRole('button', { name: 'Filteren' }));
  await kb.press('Enter');
  await page.waitForURL((u) => u.searchParams.get('ongelezen') === 'true');
  await checkPage(page, 'berichten-ongelezen');

  await tabTo(page, page.getByRole('link', { name: id }));
  await kb.press('Enter');
  await onPath(page, '/bericht.html');
  await tabTo(page, page.getByRole('button', { name: 'Ontvangst bevestigen' }));
  await kb.press('Space');
  await page.getByRole('status').filter({ hasText: 'Ontvangst bevestigd op' }).waitFor();
  await checkPage(page, 'detentiemelding-einde-bevestigd');

  // Back up the page to the header's log-out button.
  await tabTo(page, page.getByRole('button', { name: 'Uitloggen' }), { back: true });
  await kb.press('Enter');
  await onPath(page, '/');
  await page.getByRole('status').filter({ hasText: 'U bent uitgelogd' }).waitFor();
  await checkPage(page, 'uitgelogd');
  await page.getByRole('link', { name: 'Inloggen als medewerker' }).waitFor();
  const r = await api(page, 'GET', '/api/v1/sessie');
  assert.equal(r.status, 401, 'logged out');
});

// ---------------------------------------------------------------------------------------------

browserTest('the other pages: settings, outgoing deliveries, audit trail, conditions, error pages', 60000, async () => {
  const casework = await user();
  await login(casework, 'casework', { organisatie: 'zwolle' });
  await menu(casework, 'Instellingen').click();
  await onPath(casework, '/instellingen.html');
  await casework.getByText(fingerprint('gemeente-1.crt')).first().waitFor();
  // The certificate pasted with the application: its subject and validity are read from it.
  assert.equal(await casework.getByText('Onbekend', { exact: false }).count(), 0, 'the certificate details are unknown');
  await casework.getByText(`serialNumber=${env.oins.GEMEENTE_1_OIN}`, { exact: false }).first().waitFor();
  await checkPage(casework, 'instellingen');

  const admin = await user();
  await login(admin, 'admin');
  for (const [link, pathname, heading] of [
    ['Uitgaande berichten', '/uitgaande-berichten.html', 'Uitgaande berichten'],
    ['Auditlog', '/audit.html', 'Auditlog'],
  ]) {
    await menu(admin, link).click();
    await onPath(admin, pathname);
    await h1(admin, heading).waitFor();
    await checkPage(admin, pathname.slice(1, -5));
  }
  await admin.goto(`${portal}/voorwaarden-beheer.html`);
  await admin.getByText('2026-1').first().waitFor();
  await checkPage(admin, 'voorwaarden-beheer');

  for (const [pathname, heading] of [
    ['/fout.html', 'Er ging iets mis'],
    ['/niet-gevonden.html', 'Pagina niet gevonden'],
  ]) {
    await admin.goto(`${portal}${pathname}`);
    await h1(admin, heading).waitFor();
    await checkPage(admin, pathname.slice(1, -5));
  }
});

test('axe-core checked every portal page reached', () => {
  const missed = [...reached].filter((p) => !checked.has(p));
  assert.deepEqual(missed, [], `pages reached but never checked: ${missed.join(', ')}`);
  assert.ok(checked.size >= 20, `only ${checked.size} distinct pages checked`);
});

/** The text of the elements that aria-describedby names. */
function accessibleDescription(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

async function assertEventually(predicate, ms = 5000) {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
