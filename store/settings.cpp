#include "store/settings.hpp"

#include "store/audit.hpp"
#include "store/error.hpp"
#include "store/sqlite.hpp"

namespace poort::store {
namespace {

using domain::municipality_status;

std::string stamp(sys_time t) { return format_rfc3339(t, true); }

bool valid_subject(std::string_view s) {
  if (s.empty() || s.size() > 1024) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

/// Points the municipality's waiting pushes at `endpoint`; with no endpoint
/// they will not be pushed (the messages stay in the inbox).
result<void> repoint_pending_pushes(transaction& tx, std::string_view gemeentecode, std::string_view endpoint,
                                    sys_time now) {
  auto st = endpoint.empty()
                ? tx.prepare(
                      "UPDATE uitgaande_berichten SET status = 'VERVALLEN', volgende_poging_op = ?, "
                      "laatste_fout = 'push_endpoint_removed' WHERE gemeentecode = ? AND status = 'WACHTEND'")
                : tx.prepare(
                      "UPDATE uitgaande_berichten SET endpoint = ? WHERE gemeentecode = ? AND status = "
                      "'WACHTEND'");
  if (!st) return st.error();
  if (endpoint.empty())
    st->bind(1, stamp(now));
  else
    st->bind(1, endpoint);
  st->bind(2, gemeentecode);
  return st->run();
}

}  // namespace

result<void> save_certificate_details(transaction& tx, const certificate_details& d, sys_time now) {
  if (d.sha256.size() != 64 || !valid_subject(d.subject)) return make_error_code(error::invalid_argument);
  auto st = tx.prepare(
      "INSERT INTO systeemcertificaten (sha256, onderwerp, geldig_tot, opgeslagen_op) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (sha256) DO UPDATE SET onderwerp = excluded.onderwerp, geldig_tot = excluded.geldig_tot, "
      "opgeslagen_op = excluded.opgeslagen_op");
  if (!st) return st.error();
  st->bind(1, d.sha256).bind(2, d.subject).bind(3, stamp(d.not_after)).bind(4, stamp(now));
  return st->run();
}

result<std::optional<certificate_details>> find_certificate_details(reader& r, std::string_view sha256) {
  auto st = r.prepare("SELECT onderwerp, geldig_tot FROM systeemcertificaten WHERE sha256 = ?");
  if (!st) return st.error();
  st->bind(1, sha256);
  return query_one(*st, [&](const statement& row) -> result<certificate_details> {
    auto not_after = parse_rfc3339(row.column_text(1));
    if (!not_after) return make_error_code(error::corrupt);
    return certificate_details{std::string(sha256), row.column_string(0), *not_after};
  });
}

bool settings_changeable(municipality_status status) noexcept {
  return status == municipality_status::approved || status == municipality_status::connected ||
         status == municipality_status::suspended || status == municipality_status::disconnected;
}

result<settings_outcome> change_settings(database& db, std::string_view gemeentecode,
                                         const municipality_settings& s, const audit_identity& who,
                                         sys_time now) {
  if (s.push_endpoint.size() > 2048 ||
      (s.certificate && (s.certificate->sha256.size() != 64 || !valid_subject(s.certificate->subject))))
    return make_error_code(error::invalid_argument);
  settings_outcome out;
  auto written = db.write([&](transaction& tx) -> result<void> {
    auto m = find_municipality(tx, gemeentecode, day_of(now));
    if (!m) return m.error();
    if (!*m) {
      out.what = settings_outcome::kind::unknown_municipality;
      return {};
    }
    out.municipality = **m;
    std::string outcome = "success";
    if (!settings_changeable(out.municipality.status)) {
      out.what = settings_outcome::kind::locked;
      outcome = "denied:SETTINGS_LOCKED";
    } else if (s.certificate && s.certificate_oin != out.municipality.oin) {
      out.what = settings_outcome::kind::oin_mismatch;
      outcome = "denied:APPLICATION_OIN_MISMATCH";
    } else {
      out.what = settings_outcome::kind::changed;
      auto& after = out.municipality;
      after.wil_detentiemeldingen = s.wil_detentiemeldingen;
      after.wil_informatiebladen = s.wil_informatiebladen;
      after.push_endpoint = s.push_endpoint;
      if (s.certificate) {
        after.systeem_certificaat_sha256 = s.certificate->sha256;
        if (auto ok = save_certificate_details(tx, *s.certificate, now); !ok) return ok;
      }
      if (auto ok = set_municipality_preferences(tx, after.id, after.wil_detentiemeldingen,
                                                 after.wil_informatiebladen, after.push_endpoint,
                                                 after.systeem_certificaat_sha256, now);
          !ok)
        return ok;
      if (auto ok = repoint_pending_pushes(tx, after.gemeentecode, after.push_endpoint, now); !ok) return ok;
    }
    auto audited = append_audit(tx, {"settings.change", "gemeente:" + out.municipality.gemeentecode, outcome,
                                     who.origin, who.actor, who.request_id, now});
    if (!audited) return audited.error();
    return {};
  });
  if (!written) return written.error();
  return out;
}

}  // namespace poort::store
