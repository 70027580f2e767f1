#pragma once
// The municipality registry (migration 2): which municipalities exist, how they
// are identified (CBS code over a validity period, KvK number, RSIN, OIN), and
// their onboarding status and delivery preferences.
//
// Readers: deliveries (is the target CONNECTED and does it want this kind?),
// login (which municipality is this KvK/RSIN?), the system listener (is this
// OIN a municipality's system?). Writers: `poortctl registry import`, the
// onboarding transitions.
//
// Thread safety: free functions on a caller's reader/transaction.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/onboarding.hpp"
#include "store/transaction.hpp"

namespace poort::store {

/// One municipality over one validity period.
struct municipality_record {
  std::int64_t id = 0;
  std::string gemeentecode;  ///< "GMnnnn"
  std::string naam;
  std::string kvk;         ///< 8 digits or ""
  std::string rsin;        ///< 9 digits or ""
  std::string oin;         ///< 20 digits or "" (derived from the RSIN: 00000001 + RSIN + 000)
  std::string geldig_van;  ///< "YYYY-MM-DD", inclusive
  std::string geldig_tot;  ///< "YYYY-MM-DD", exclusive; "" = open-ended
  domain::municipality_status status = domain::municipality_status::not_registered;
  bool wil_detentiemeldingen = false;
  bool wil_informatiebladen = false;
  std::string push_endpoint;               ///< https URL or ""
  std::string systeem_certificaat_sha256;  ///< fingerprint of its system certificate, or ""
};

/// The record of `gemeentecode` valid on `day` ("YYYY-MM-DD"), if any.
result<std::optional<municipality_record>> find_municipality(reader& r, std::string_view gemeentecode,
                                                             std::string_view day);
/// The currently valid record whose KvK number (or RSIN) matches, if any.
result<std::optional<municipality_record>> find_municipality_by_kvk(reader& r, std::string_view kvk,
                                                                    std::string_view day);
result<std::optional<municipality_record>> find_municipality_by_rsin(reader& r, std::string_view rsin,
                                                                     std::string_view day);
/// The record valid on `day` whose OIN matches, if any.
result<std::optional<municipality_record>> find_municipality_by_oin(reader& r, std::string_view oin,
                                                                    std::string_view day);
/// Every record, ordered by code and period (administrator overview).
result<std::vector<municipality_record>> list_municipalities(reader& r);

/// Inserts or updates the record with (gemeentecode, geldig_van); keeps the
/// status and preferences of an existing row unless `overwrite_state`.
result<void> upsert_municipality(transaction& tx, const municipality_record& m, sys_time now,
                                 bool overwrite_state = false);

/// Sets the status (and optionally the preferences) of the record with `id`.
result<void> set_municipality_status(transaction& tx, std::int64_t id, domain::municipality_status status,
                                     sys_time now);
result<void> set_municipality_preferences(transaction& tx, std::int64_t id, bool wil_detentiemeldingen,
                                          bool wil_informatiebladen, std::string_view push_endpoint,
                                          std::string_view systeem_certificaat_sha256, sys_time now);

/// "YYYY-MM-DD" of `t` in UTC.
std::string day_of(sys_time t);

}  // namespace poort::store
