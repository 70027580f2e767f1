#include "store/migrations.hpp"

#include <array>

namespace poort::store {
namespace {

// Each migration runs in its own transaction, together with its row in
// schema_migrations. Tables are STRICT, so a value of the wrong type is
// refused instead of stored.
constexpr std::array all_migrations{
    migration{1, "store health and audit log", R"sql(
-- One row, rewritten by database::check_writable() (/readyz).
CREATE TABLE store_health (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at TEXT NOT NULL
) STRICT;
INSERT INTO store_health (id, checked_at) VALUES (1, '');

-- The hash-chained audit log (store/audit.hpp documents the fields and the
-- hash). Append-only: the triggers refuse UPDATE and DELETE, and the chain
-- reveals whoever drops them.
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY CHECK (seq >= 1),
  at         TEXT NOT NULL CHECK (length(at) = 24),
  action     TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  object     TEXT NOT NULL CHECK (length(object) <= 256),
  result     TEXT NOT NULL CHECK (length(result) BETWEEN 1 AND 64),
  origin     TEXT NOT NULL CHECK (length(origin) BETWEEN 1 AND 128),
  actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
  request_id TEXT NOT NULL CHECK (length(request_id) <= 64),
  prev_hash  TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash       TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
    migration{2, "municipality registry", R"sql(
-- The municipalities poort knows (store/registry.hpp). A CBS code can be
-- reused after a merger, so a row is one code over a validity period; the
-- registry import closes and opens periods. `status` is the onboarding state
-- (domain::municipality_status as its API string); only CONNECTED receives
-- deliveries.
CREATE TABLE gemeenten (
  id              INTEGER PRIMARY KEY,
  gemeentecode    TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  naam            TEXT NOT NULL CHECK (length(naam) BETWEEN 1 AND 200),
  kvk             TEXT NOT NULL CHECK (kvk = '' OR kvk GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
  rsin            TEXT NOT NULL CHECK (rsin = '' OR length(rsin) = 9),
  oin             TEXT NOT NULL CHECK (oin = '' OR length(oin) = 20),
  geldig_van      TEXT NOT NULL,  -- YYYY-MM-DD, inclusive
  geldig_tot      TEXT NOT NULL,  -- YYYY-MM-DD, exclusive; '' = open-ended
  status          TEXT NOT NULL DEFAULT 'NOT_REGISTERED',
  wil_detentiemeldingen INTEGER NOT NULL DEFAULT 0 CHECK (wil_detentiemeldingen IN (0, 1)),
  wil_informatiebladen  INTEGER NOT NULL DEFAULT 0 CHECK (wil_informatiebladen IN (0, 1)),
  push_endpoint   TEXT NOT NULL DEFAULT '',
  systeem_certificaat_sha256 TEXT NOT NULL DEFAULT '',
  bijgewerkt_op   TEXT NOT NULL,
  UNIQUE (gemeentecode, geldig_van)
) STRICT;
CREATE INDEX gemeenten_kvk ON gemeenten (kvk) WHERE kvk <> '';
CREATE INDEX gemeenten_rsin ON gemeenten (rsin) WHERE rsin <> '';
)sql"},
    // Versions 3-5 are reserved for the areas being built in parallel; each
    // area replaces its placeholder with its schema before it ships.
    migration{3, "sessions and SAML state", R"sql(
-- Portal sessions (store/login.hpp). The browser holds only the random id; the
-- row is keyed by its SHA-256, so a copy of the database does not give away
-- live sessions. Times are Unix seconds (UTC). A session ends at expires_at
-- (absolute) or when last_seen is older than the configured idle timeout.
CREATE TABLE sessions (
  id_hash      TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
  role         TEXT NOT NULL CHECK (role IN ('casework', 'signatory', 'administrator')),
  idp          TEXT NOT NULL CHECK (length(idp) BETWEEN 1 AND 32),
  pseudonym    TEXT NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 200),
  kvk          TEXT NOT NULL CHECK (length(kvk) <= 20),
  rsin         TEXT NOT NULL CHECK (length(rsin) <= 20),
  vestigingsnr TEXT NOT NULL CHECK (length(vestigingsnr) <= 20),
  gemeentecode TEXT NOT NULL CHECK (gemeentecode = '' OR gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  assertion_id TEXT NOT NULL CHECK (length(assertion_id) BETWEEN 1 AND 256),
  assurance    TEXT NOT NULL CHECK (length(assurance) <= 64),
  csrf_token   TEXT NOT NULL CHECK (length(csrf_token) = 43),
  created_at   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL CHECK (last_seen >= created_at),
  expires_at   INTEGER NOT NULL CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen);

-- AuthnRequests we sent (SAML login started). RelayState is an opaque random
-- key that maps to the local path to return to; an InResponseTo is answerable
-- once (consumed_at) and only within saml.request_lifetime_s.
CREATE TABLE authn_requests (
  request_id  TEXT PRIMARY KEY CHECK (length(request_id) BETWEEN 1 AND 64),
  relay_state TEXT NOT NULL UNIQUE CHECK (length(relay_state) BETWEEN 16 AND 80),
  target      TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 512 AND substr(target, 1, 1) = '/'),
  service     TEXT NOT NULL CHECK (service IN ('casework', 'signing', 'admin')),
  idp         TEXT NOT NULL CHECK (length(idp) BETWEEN 1 AND 32),
  created_at  INTEGER NOT NULL,
  consumed_at INTEGER  -- NULL while unanswered
) STRICT;
CREATE INDEX authn_requests_created_at ON authn_requests (created_at);

-- The SAML replay cache: assertion IDs accepted, kept until the assertion
-- could no longer be accepted anyway.
CREATE TABLE saml_assertions_seen (
  assertion_id TEXT PRIMARY KEY CHECK (length(assertion_id) BETWEEN 1 AND 256),
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX saml_assertions_seen_expires_at ON saml_assertions_seen (expires_at);
)sql"},
    migration{4, "onboarding", R"sql(
-- Onboarding of municipalities (store/onboarding.hpp, domain/onboarding.hpp).
-- Times are RFC 3339 UTC with milliseconds (24 characters), so that text
-- order is time order.

-- Cohorts that municipalities register in (administrators manage them).
CREATE TABLE cohorten (
  id                   TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  naam                 TEXT NOT NULL CHECK (length(naam) BETWEEN 1 AND 400),
  soort                TEXT NOT NULL CHECK (soort IN ('PILOT', 'REGULAR')),
  opent_op             TEXT NOT NULL CHECK (length(opent_op) = 24),
  sluit_op             TEXT NOT NULL CHECK (length(sluit_op) = 24),
  capaciteit           INTEGER NOT NULL CHECK (capaciteit BETWEEN 1 AND 1000),
  aansluiten_op        TEXT NOT NULL CHECK (length(aansluiten_op) = 24),
  vroegtijdig_gesloten INTEGER NOT NULL DEFAULT 0 CHECK (vroegtijdig_gesloten IN (0, 1)),
  aangemeld            INTEGER NOT NULL DEFAULT 0 CHECK (aangemeld BETWEEN 0 AND capaciteit),
  aangemaakt_op        TEXT NOT NULL,
  bijgewerkt_op        TEXT NOT NULL,
  CHECK (sluit_op > opent_op),
  CHECK (aansluiten_op >= opent_op)
) STRICT;

-- Published versions of the connection conditions; the newest is current.
-- Never changed once published.
CREATE TABLE aansluitvoorwaarden (
  nr              INTEGER PRIMARY KEY,
  versie          TEXT NOT NULL UNIQUE CHECK (length(versie) BETWEEN 1 AND 64),
  sha256          TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  tekst           TEXT NOT NULL CHECK (length(CAST(tekst AS BLOB)) BETWEEN 1 AND 1048576),
  gepubliceerd_op TEXT NOT NULL
) STRICT;
CREATE TRIGGER aansluitvoorwaarden_no_update BEFORE UPDATE ON aansluitvoorwaarden
BEGIN SELECT RAISE(ABORT, 'published conditions do not change'); END;

-- Every signature ever given; one that a later change voided has vervallen_op.
-- tekst is the exact canonical application text that was signed.
CREATE TABLE ondertekeningen (
  id                 INTEGER PRIMARY KEY,
  gemeente_id        INTEGER NOT NULL REFERENCES gemeenten (id),
  ondertekenaar      TEXT NOT NULL CHECK (length(ondertekenaar) BETWEEN 1 AND 256),
  ondertekend_op     TEXT NOT NULL CHECK (length(ondertekend_op) = 24),
  assertion_id       TEXT NOT NULL CHECK (length(assertion_id) BETWEEN 1 AND 256),
  voorwaarden_versie TEXT NOT NULL REFERENCES aansluitvoorwaarden (versie),
  voorwaarden_sha256 TEXT NOT NULL CHECK (length(voorwaarden_sha256) = 64),
  aanvraag_sha256    TEXT NOT NULL CHECK (length(aanvraag_sha256) = 64),
  tekst              TEXT NOT NULL,
  vervallen_op       TEXT
) STRICT;

-- Every review decision.
CREATE TABLE beoordelingen (
  id            INTEGER PRIMARY KEY,
  gemeente_id   INTEGER NOT NULL REFERENCES gemeenten (id),
  besluit       TEXT NOT NULL CHECK (besluit IN ('APPROVED', 'REJECTED')),
  reden         TEXT NOT NULL CHECK (length(reden) <= 4000),
  besloten_op   TEXT NOT NULL CHECK (length(besloten_op) = 24),
  besloten_door TEXT NOT NULL CHECK (length(besloten_door) BETWEEN 1 AND 256),
  CHECK ((besluit = 'APPROVED') = (reden = ''))
) STRICT;

-- The onboarding state of each registered municipality (a row from the
-- registration on); gemeenten.status mirrors `status` for the readers of
-- the registry.
CREATE TABLE aansluitingen (
  gemeente_id         INTEGER PRIMARY KEY REFERENCES gemeenten (id),
  status              TEXT NOT NULL CHECK (status IN ('REGISTERED', 'CONDITIONS_ACCEPTED',
                        'APPLICATION_DRAFT', 'SIGNED', 'APPROVED', 'REJECTED', 'CONNECTED',
                        'SUSPENDED', 'DISCONNECTED')),
  cohort_id           TEXT NOT NULL REFERENCES cohorten (id),
  aangemeld_op        TEXT NOT NULL CHECK (length(aangemeld_op) = 24),
  voorwaarden_versie  TEXT REFERENCES aansluitvoorwaarden (versie),
  voorwaarden_op      TEXT,
  voorwaarden_door    TEXT,
  aanvraag            TEXT CHECK (aanvraag IS NULL OR length(aanvraag) BETWEEN 2 AND 65536),
  ondertekening_id    INTEGER REFERENCES ondertekeningen (id),
  beoordeling_id      INTEGER REFERENCES beoordelingen (id),
  aangesloten_op      TEXT,
  status_reden        TEXT NOT NULL DEFAULT '' CHECK (length(status_reden) <= 4000),
  bijgewerkt_op       TEXT NOT NULL,
  CHECK ((voorwaarden_versie IS NULL) = (voorwaarden_op IS NULL)),
  CHECK ((status IN ('SIGNED', 'APPROVED', 'REJECTED', 'CONNECTED', 'SUSPENDED', 'DISCONNECTED'))
         = (ondertekening_id IS NOT NULL))
) STRICT;

-- E-mail notices waiting to be sent (durable outbox; a failed send is retried).
CREATE TABLE email_outbox (
  id           INTEGER PRIMARY KEY,
  soort        TEXT NOT NULL CHECK (length(soort) BETWEEN 1 AND 64),
  aan          TEXT NOT NULL CHECK (length(aan) BETWEEN 3 AND 254),
  onderwerp    TEXT NOT NULL CHECK (length(onderwerp) BETWEEN 1 AND 200),
  inhoud       TEXT NOT NULL CHECK (length(inhoud) BETWEEN 1 AND 20000),
  aangemaakt_op TEXT NOT NULL,
  volgende_poging_op TEXT NOT NULL CHECK (length(volgende_poging_op) = 24),
  pogingen     INTEGER NOT NULL DEFAULT 0 CHECK (pogingen >= 0),
  verzonden_op TEXT,
  opgegeven_op TEXT,
  laatste_fout TEXT NOT NULL DEFAULT '' CHECK (length(laatste_fout) <= 200)
) STRICT;
CREATE INDEX email_outbox_due ON email_outbox (volgende_poging_op)
  WHERE verzonden_op IS NULL AND opgegeven_op IS NULL;
)sql"},
    migration{5, "deliveries", R"sql(
-- Deliveries from prisons to municipalities (store/deliveries.hpp). Personal
-- data (BSN, names, sheet content) is only ever stored sealed with AES-256-GCM
-- (store/data_key.hpp); lookups by BSN go through HMAC blind indexes. Times
-- are RFC 3339 UTC with milliseconds (24 characters); text order is time order.

-- One row per accepted delivery: the receipt. Never deleted.
CREATE TABLE leveringen (
  bericht_id   TEXT PRIMARY KEY CHECK (length(bericht_id) = 36),
  soort        TEXT NOT NULL CHECK (soort IN ('DETENTIEMELDING', 'INFORMATIEBLAD', 'INTREKKING')),
  afzender_oin TEXT NOT NULL CHECK (length(afzender_oin) = 20),
  gemeentecode TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  body_sha256  TEXT NOT NULL CHECK (length(body_sha256) = 64),
  ontvangen_op TEXT NOT NULL CHECK (length(ontvangen_op) = 24)
) STRICT;

-- The municipality's inbox entry of each delivery. `inhoud` is the sealed
-- message (NULL once purged: the row stays as a tombstone, without the blind
-- index). `volgnummer` orders the inbox and is its cursor.
CREATE TABLE postvak (
  volgnummer     INTEGER PRIMARY KEY,
  bericht_id     TEXT NOT NULL UNIQUE REFERENCES leveringen (bericht_id),
  gemeentecode   TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  soort          TEXT NOT NULL CHECK (soort IN ('DETENTIEMELDING', 'INFORMATIEBLAD', 'INTREKKING')),
  bsn_index      TEXT NOT NULL CHECK (length(bsn_index) IN (0, 64)),
  versie         INTEGER NOT NULL DEFAULT 0 CHECK (versie >= 0),
  vrijlating     TEXT NOT NULL DEFAULT '' CHECK (vrijlating = '' OR length(vrijlating) = 10),
  key_id         TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 32),
  inhoud         BLOB,
  wissen_na      TEXT NOT NULL CHECK (length(wissen_na) = 24),
  gelezen_op     TEXT NOT NULL DEFAULT '',
  bevestigd_op   TEXT NOT NULL DEFAULT '',
  vervangen_door TEXT NOT NULL DEFAULT '',
  gewist_op      TEXT NOT NULL DEFAULT '',
  gewist_reden   TEXT NOT NULL DEFAULT ''
                 CHECK (gewist_reden IN ('', 'BEWAARTERMIJN', 'INGETROKKEN', 'VERVANGEN')),
  CHECK ((inhoud IS NULL) = (gewist_op <> '')),
  CHECK (inhoud IS NULL OR bsn_index <> '')
) STRICT;
CREATE INDEX postvak_gemeente ON postvak (gemeentecode, volgnummer);
CREATE INDEX postvak_persoon ON postvak (bsn_index) WHERE bsn_index <> '';
CREATE INDEX postvak_wissen ON postvak (wissen_na) WHERE gewist_op = '';

-- Every withdrawal of consent, kept so that later sheets under that consent
-- fail: blind indexes of the person and of the consent id, the withdrawn
-- conditions as a bit set (domain::basisvoorwaarde order), and both values
-- sealed (`sleutel`) so that a rekey can recompute the indexes.
CREATE TABLE intrekkingen (
  bericht_id        TEXT PRIMARY KEY REFERENCES leveringen (bericht_id),
  bsn_index         TEXT NOT NULL CHECK (length(bsn_index) = 64),
  toestemming_index TEXT NOT NULL CHECK (length(toestemming_index) = 64),
  basisvoorwaarden  INTEGER NOT NULL CHECK (basisvoorwaarden BETWEEN 1 AND 63),
  key_id            TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 32),
  sleutel           BLOB NOT NULL
) STRICT;
CREATE INDEX intrekkingen_persoon ON intrekkingen (bsn_index, toestemming_index);

-- The push outbox (one row per delivery to push to the municipality's own
-- endpoint). `laatste_fout` is a reason code, never content.
CREATE TABLE uitgaande_berichten (
  bericht_id         TEXT PRIMARY KEY REFERENCES leveringen (bericht_id),
  gemeentecode       TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  endpoint           TEXT NOT NULL CHECK (endpoint LIKE 'https://%' AND length(endpoint) <= 2048),
  status             TEXT NOT NULL CHECK (status IN ('WACHTEND', 'AFGELEVERD', 'OPGEGEVEN', 'VERVALLEN')),
  pogingen           INTEGER NOT NULL DEFAULT 0 CHECK (pogingen >= 0),
  volgende_poging_op TEXT NOT NULL CHECK (length(volgende_poging_op) = 24),
  laatste_fout       TEXT NOT NULL DEFAULT '' CHECK (length(laatste_fout) <= 64),
  aangemaakt_op      TEXT NOT NULL CHECK (length(aangemaakt_op) = 24),
  afgeleverd_op      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX uitgaande_wachtend ON uitgaande_berichten (volgende_poging_op) WHERE status = 'WACHTEND';
)sql"},
    migration{6, "audit search indexes and system certificate details", R"sql(
-- The audit trail search (store::query_audit, GET /api/v1/beheer/auditregels)
-- filters on one exact field and pages newest first by seq: each index walks
-- one value's records in seq order, so a page costs its own rows only.
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);

-- What poort read from a municipality's system certificate when a signatory
-- uploaded it in the settings (store/settings.hpp), keyed by the fingerprint
-- that gemeenten.systeem_certificaat_sha256 holds. Public certificate data
-- only: the subject's distinguished name and the end of its validity.
CREATE TABLE systeemcertificaten (
  sha256        TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  onderwerp     TEXT NOT NULL CHECK (length(onderwerp) BETWEEN 1 AND 1024),
  geldig_tot    TEXT NOT NULL CHECK (length(geldig_tot) = 24),
  opgeslagen_op TEXT NOT NULL CHECK (length(opgeslagen_op) = 24)
) STRICT;
)sql"},
    migration{7, "inbox entries found through their receipt", R"sql(
-- Each receipt names its inbox entry (postvak.volgnummer), and postvak loses
-- its UNIQUE index on bericht_id: a berichtId is random, so keeping that
-- index cost every delivery one more randomly placed page in the WAL and in
-- the checkpoint, for a lookup that the receipt's primary key already does
-- (docs/performance.md). NULL: a delivery without an inbox entry (none
-- before this migration; kept possible).
ALTER TABLE leveringen ADD COLUMN volgnummer INTEGER CHECK (volgnummer IS NULL OR volgnummer >= 1);
UPDATE leveringen SET volgnummer = (SELECT p.volgnummer FROM postvak p WHERE p.bericht_id = leveringen.bericht_id);

-- postvak as in migration 5 without UNIQUE on bericht_id, and with its value
-- lists spelt as comparisons: SQLite checks `x IN (a, b, c)` by building a
-- temporary b-tree on every INSERT. Nothing references postvak, so it can be
-- rebuilt with foreign keys on.
CREATE TABLE postvak_new (
  volgnummer     INTEGER PRIMARY KEY,
  bericht_id     TEXT NOT NULL REFERENCES leveringen (bericht_id),
  gemeentecode   TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  soort          TEXT NOT NULL
                 CHECK (soort = 'DETENTIEMELDING' OR soort = 'INFORMATIEBLAD' OR soort = 'INTREKKING'),
  bsn_index      TEXT NOT NULL CHECK (length(bsn_index) IN (0, 64)),
  versie         INTEGER NOT NULL DEFAULT 0 CHECK (versie >= 0),
  vrijlating     TEXT NOT NULL DEFAULT '' CHECK (vrijlating = '' OR length(vrijlating) = 10),
  key_id         TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 32),
  inhoud         BLOB,
  wissen_na      TEXT NOT NULL CHECK (length(wissen_na) = 24),
  gelezen_op     TEXT NOT NULL DEFAULT '',
  bevestigd_op   TEXT NOT NULL DEFAULT '',
  vervangen_door TEXT NOT NULL DEFAULT '',
  gewist_op      TEXT NOT NULL DEFAULT '',
  gewist_reden   TEXT NOT NULL DEFAULT ''
                 CHECK (gewist_reden = '' OR gewist_reden = 'BEWAARTERMIJN' OR gewist_reden = 'INGETROKKEN'
                        OR gewist_reden = 'VERVANGEN'),
  CHECK ((inhoud IS NULL) = (gewist_op <> '')),
  CHECK (inhoud IS NULL OR bsn_index <> '')
) STRICT;
INSERT INTO postvak_new
  SELECT volgnummer, bericht_id, gemeentecode, soort, bsn_index, versie, vrijlating, key_id, inhoud,
         wissen_na, gelezen_op, bevestigd_op, vervangen_door, gewist_op, gewist_reden
  FROM postvak;
DROP TABLE postvak;
ALTER TABLE postvak_new RENAME TO postvak;
CREATE INDEX postvak_gemeente ON postvak (gemeentecode, volgnummer);
CREATE INDEX postvak_persoon ON postvak (bsn_index) WHERE bsn_index <> '';
CREATE INDEX postvak_wissen ON postvak (wissen_na) WHERE gewist_op = '';
)sql"},
    migration{8, "receipts and push outbox checked without temporary b-trees", R"sql(
-- leveringen and uitgaande_berichten as before, with their value lists
-- spelt as comparisons (see migration 7: `x IN (a, b, c)` builds a temporary
-- b-tree on every INSERT; measured: about 4 us per delivery). They stay rowid
-- tables: as WITHOUT ROWID tables keyed by the random berichtId a delivery
-- cost more, not less (bench/store_bench, docs/performance.md).
-- postvak, intrekkingen and uitgaande_berichten reference leveringen by
-- name, so the rebuild runs with foreign keys off and commits only if
-- PRAGMA foreign_key_check then finds nothing (store/migrations.hpp:
-- rebuilds_referenced_table).
CREATE TABLE leveringen_new (
  bericht_id   TEXT PRIMARY KEY CHECK (length(bericht_id) = 36),
  soort        TEXT NOT NULL
               CHECK (soort = 'DETENTIEMELDING' OR soort = 'INFORMATIEBLAD' OR soort = 'INTREKKING'),
  afzender_oin TEXT NOT NULL CHECK (length(afzender_oin) = 20),
  gemeentecode TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  body_sha256  TEXT NOT NULL CHECK (length(body_sha256) = 64),
  ontvangen_op TEXT NOT NULL CHECK (length(ontvangen_op) = 24),
  volgnummer   INTEGER CHECK (volgnummer IS NULL OR volgnummer >= 1)
) STRICT;
INSERT INTO leveringen_new
  SELECT bericht_id, soort, afzender_oin, gemeentecode, body_sha256, ontvangen_op, volgnummer FROM leveringen;
DROP TABLE leveringen;
ALTER TABLE leveringen_new RENAME TO leveringen;

CREATE TABLE uitgaande_berichten_new (
  bericht_id         TEXT PRIMARY KEY REFERENCES leveringen (bericht_id),
  gemeentecode       TEXT NOT NULL CHECK (gemeentecode GLOB 'GM[0-9][0-9][0-9][0-9]'),
  endpoint           TEXT NOT NULL CHECK (endpoint LIKE 'https://%' AND length(endpoint) <= 2048),
  status             TEXT NOT NULL CHECK (status = 'WACHTEND' OR status = 'AFGELEVERD' OR status = 'OPGEGEVEN'
                                          OR status = 'VERVALLEN'),
  pogingen           INTEGER NOT NULL DEFAULT 0 CHECK (pogingen >= 0),
  volgende_poging_op TEXT NOT NULL CHECK (length(volgende_poging_op) = 24),
  laatste_fout       TEXT NOT NULL DEFAULT '' CHECK (length(laatste_fout) <= 64),
  aangemaakt_op      TEXT NOT NULL CHECK (length(aangemaakt_op) = 24),
  afgeleverd_op      TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO uitgaande_berichten_new
  SELECT bericht_id, gemeentecode, endpoint, status, pogingen, volgende_poging_op, laatste_fout, aangemaakt_op,
         afgeleverd_op
  FROM uitgaande_berichten;
DROP TABLE uitgaande_berichten;
ALTER TABLE uitgaande_berichten_new RENAME TO uitgaande_berichten;
CREATE INDEX uitgaande_wachtend ON uitgaande_berichten (volgende_poging_op) WHERE status = 'WACHTEND';
)sql",
              true},
    migration{9, "sections purged from sheets that stay", R"sql(
-- The sections a withdrawal purged from a sheet that keeps others (issue 14):
-- a JSON array of {"basisvoorwaarde", "gewistOp", "gewistReden"}, no
-- personal data.
ALTER TABLE postvak ADD COLUMN gewiste_secties TEXT NOT NULL DEFAULT '[]'
  CHECK (gewiste_secties GLOB '[[]*]');
)sql"},
    migration{10, "held pushes and the retention of withdrawals", R"sql(
-- A push waiting for a municipality that is no longer CONNECTED (suspended,
-- disconnected, or its registry period ended) is held: not sent, audited
-- once as held, resumed when the municipality is connected again
-- (store::begin_push). '' = not held.
ALTER TABLE uitgaande_berichten ADD COLUMN vastgehouden_op TEXT NOT NULL DEFAULT ''
  CHECK (vastgehouden_op = '' OR length(vastgehouden_op) = 24);

-- When a withdrawal's record (blind indexes and the sealed BSN and consent
-- id) is purged: the latest purge time of its notices, moved as they move
-- (store::purge_expired deletes the row; the receipt and the notices'
-- tombstones stay). Withdrawals stored before this migration: the purge
-- time of the notice under their own berichtId, else 730 days after receipt.
ALTER TABLE intrekkingen ADD COLUMN wissen_na TEXT NOT NULL DEFAULT ''
  CHECK (wissen_na = '' OR length(wissen_na) = 24);
UPDATE intrekkingen SET wissen_na = coalesce(
  (SELECT p.wissen_na FROM leveringen l JOIN postvak p ON p.volgnummer = l.volgnummer
   WHERE l.bericht_id = intrekkingen.bericht_id),
  (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', l.ontvangen_op, '+730 days') FROM leveringen l
   WHERE l.bericht_id = intrekkingen.bericht_id),
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+730 days'));
CREATE INDEX intrekkingen_wissen ON intrekkingen (wissen_na);
)sql"},
    migration{11, "key ring: blind-index versions; person references in the audit log", R"sql(
-- Issue 14 item 1: the blind index has keys of its own, with versions
-- (store/data_key.hpp). Every stored index records its version; what was
-- stored before is version 1 (derived from the data key, as always).
ALTER TABLE postvak ADD COLUMN index_versie INTEGER NOT NULL DEFAULT 1 CHECK (index_versie >= 1);
ALTER TABLE intrekkingen ADD COLUMN index_versie INTEGER NOT NULL DEFAULT 1 CHECK (index_versie >= 1);

-- Issue 14 item 6: a record that concerns a person carries a reference
-- derived from the person's blind index ("<version>:<hex>"), a random salt,
-- and the commitment SHA-256(reference, salt) that the hash chain covers
-- (store/audit.hpp). At the audit's retention the reference and the salt are
-- cleared; the commitment stays, so the chain still verifies.
ALTER TABLE audit_log ADD COLUMN persoon_ref TEXT NOT NULL DEFAULT '' CHECK (length(persoon_ref) <= 80);
ALTER TABLE audit_log ADD COLUMN persoon_zout TEXT NOT NULL DEFAULT ''
  CHECK (length(persoon_zout) IN (0, 32));
ALTER TABLE audit_log ADD COLUMN persoon_commitment TEXT NOT NULL DEFAULT ''
  CHECK (length(persoon_commitment) IN (0, 64));
CREATE INDEX audit_log_persoon ON audit_log (persoon_ref, seq) WHERE persoon_ref <> '';

-- The log stays append-only; the one change allowed is clearing a person
-- reference and its salt (nothing else of the row may change).
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (NEW.seq IS OLD.seq AND NEW.at IS OLD.at AND NEW.action IS OLD.action AND NEW.object IS OLD.object
          AND NEW.result IS OLD.result AND NEW.origin IS OLD.origin AND NEW.actor IS OLD.actor
          AND NEW.request_id IS OLD.request_id AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
          AND NEW.persoon_commitment IS OLD.persoon_commitment
          AND NEW.persoon_ref = '' AND NEW.persoon_zout = '')
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
};

constexpr bool versions_are_consecutive() {
  for (std::size_t i = 0; i < all_migrations.size(); ++i)
    if (all_migrations[i].version != static_cast<int>(i) + 1) return false;
  return true;
}
static_assert(versions_are_consecutive(), "migration versions must be 1, 2, 3, ... in order");

}  // namespace

std::span<const migration> migrations() noexcept { return all_migrations; }

int latest_schema_version() noexcept { return all_migrations.back().version; }

}  // namespace poort::store
