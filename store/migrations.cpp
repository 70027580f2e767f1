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
    migration{3, "sessions and SAML state", "-- reserved for the login area"},
    migration{4, "onboarding", "-- reserved for the onboarding area"},
    migration{5, "deliveries", "-- reserved for the deliveries area"},
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
