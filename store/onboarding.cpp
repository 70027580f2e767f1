#include "store/onboarding.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "store/error.hpp"

namespace poort::store {
namespace {

using domain::municipality_status;

std::string at(sys_time t) { return format_rfc3339(t, true); }

error_code corrupt() { return make_error_code(error::corrupt); }

/// A stored time; nullopt for NULL or unparsable text.
std::optional<sys_time> time_column(const statement& st, int i) {
  if (st.column_is_null(i)) return std::nullopt;
  return parse_rfc3339(st.column_text(i));
}

bool valid_version_label(std::string_view v) {
  return !v.empty() && v.size() <= max_conditions_version_chars && std::ranges::all_of(v, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

/// The stored application JSON (written by domain::to_json, so trusted in
/// shape) back into the struct. Failure: corrupt.
result<domain::application> application_from_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return corrupt();
  const auto& o = v.as_object();
  const auto str = [](const boost::json::object& obj, std::string_view key) -> std::optional<std::string> {
    const auto* p = obj.if_contains(key);
    if (p == nullptr || !p->is_string()) return std::nullopt;
    return std::string(p->as_string());
  };
  const auto* coordinator = o.if_contains("nazorgcoordinator");
  const auto* certificate = o.if_contains("systeemcertificaat");
  const auto* detention = o.if_contains("ontvangtDetentiemeldingen");
  const auto* sheets = o.if_contains("ontvangtInformatiebladen");
  if (!coordinator || !coordinator->is_object() || !certificate || !certificate->is_object() || !detention ||
      !detention->is_bool() || !sheets || !sheets->is_bool())
    return corrupt();
  auto name = str(coordinator->as_object(), "naam");
  auto email = str(coordinator->as_object(), "email");
  auto phone = str(coordinator->as_object(), "telefoon");
  auto oin = str(certificate->as_object(), "oin");
  auto fingerprint = str(certificate->as_object(), "sha256");
  if (!name || !email || !phone || !oin || !fingerprint) return corrupt();
  domain::application a{.coordinator = {std::move(*name), std::move(*email), std::move(*phone)},
                        .wants_detention_notifications = detention->as_bool(),
                        .wants_information_sheets = sheets->as_bool(),
                        .certificate_oin = std::move(*oin),
                        .certificate_sha256 = std::move(*fingerprint),
                        .push_endpoint = str(o, "pushEndpoint")};
  return a;
}

constexpr std::string_view cohort_columns =
    "id, naam, soort, opent_op, sluit_op, capaciteit, aansluiten_op, vroegtijdig_gesloten, aangemeld";

result<domain::cohort> cohort_row(const statement& st) {
  domain::cohort c;
  c.id = st.column_string(0);
  c.settings.name = st.column_string(1);
  auto kind = domain::parse_cohort_kind(st.column_text(2));
  auto opens = time_column(st, 3), closes = time_column(st, 4), connects = time_column(st, 6);
  if (!kind || !opens || !closes || !connects) return corrupt();
  c.settings.kind = *kind;
  c.settings.opens_at = *opens;
  c.settings.closes_at = *closes;
  c.settings.capacity = static_cast<std::uint32_t>(st.column_int64(5));
  c.settings.connection_at = *connects;
  c.closed_early = st.column_int64(7) != 0;
  c.registered = static_cast<std::uint32_t>(st.column_int64(8));
  return c;
}

result<std::optional<conditions_text>> one_conditions(reader& r, std::string_view where,
                                                      std::string_view key) {
  auto st = r.prepare("SELECT versie, sha256, tekst, gepubliceerd_op FROM aansluitvoorwaarden " +
                      std::string(where));
  if (!st) return st.error();
  if (!key.empty()) st->bind(1, key);
  return query_one(*st, [](const statement& row) -> result<conditions_text> {
    auto published = time_column(row, 3);
    if (!published) return corrupt();
    return conditions_text{{row.column_string(0), row.column_string(1)}, row.column_string(2), *published};
  });
}

/// The signature with the exact text it covers (signature::text).
result<std::int64_t> insert_signature(transaction& tx, std::int64_t gemeente_id, const domain::signature& s) {
  auto st = tx.prepare(
      "INSERT INTO ondertekeningen (gemeente_id, ondertekenaar, ondertekend_op, assertion_id, "
      "voorwaarden_versie, voorwaarden_sha256, aanvraag_sha256, tekst) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, gemeente_id)
      .bind(2, s.signatory_pseudonym)
      .bind(3, at(s.signed_at))
      .bind(4, s.assertion_id)
      .bind(5, s.conditions.version)
      .bind(6, s.conditions.sha256)
      .bind(7, s.application_sha256)
      .bind(8, s.text);
  if (auto ok = st->run(); !ok) return ok.error();
  return tx.last_insert_rowid();
}

result<std::int64_t> insert_review(transaction& tx, std::int64_t gemeente_id, const domain::review& rv) {
  auto st = tx.prepare(
      "INSERT INTO beoordelingen (gemeente_id, besluit, reden, besloten_op, besloten_door) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, gemeente_id)
      .bind(2, rv.decision == domain::review_decision::approved ? "APPROVED" : "REJECTED")
      .bind(3, rv.reason)
      .bind(4, at(rv.decided_at))
      .bind(5, rv.decided_by);
  if (auto ok = st->run(); !ok) return ok.error();
  return tx.last_insert_rowid();
}

/// A row id; 0 (no row has it) is bound as NULL.
void bind_id(statement& st, int i, std::int64_t id) {
  if (id != 0)
    st.bind(i, id);
  else
    st.bind_null(i);
}

void bind_optional(statement& st, int i, const std::optional<std::string>& v) {
  if (v)
    st.bind(i, *v);
  else
    st.bind_null(i);
}

std::string audit_result(const error_code& refusal) {
  if (!refusal) return "success";
  return "denied:" + std::string(domain::reason_code(domain::domain_error_of(refusal)));
}

// The audit record of an onboarding command on a municipality: "success" or the refusal.
result<void> audit_command(transaction& tx, std::string_view action, std::string_view gemeentecode,
                           const error_code& refusal, const audit_identity& who, sys_time now) {
  audit_record rec{std::string(action),
                   "gemeente:" + std::string(gemeentecode),
                   audit_result(refusal),
                   who.origin,
                   who.actor,
                   who.request_id,
                   now};
  if (auto ok = append_audit(tx, rec); !ok) return ok.error();
  return {};
}

}  // namespace

// --- cohorts ------------------------------------------------------------------

namespace {
// Binds a cohort's columns as ?1..?10 (?9 the time of the change, ?10 the id),
// for the INSERT and the UPDATE alike.
statement& bind_cohort(statement& st, const domain::cohort& c, sys_time now) {
  const auto& s = c.settings;
  return st.bind(1, s.name)
      .bind(2, domain::to_string(s.kind))
      .bind(3, at(s.opens_at))
      .bind(4, at(s.closes_at))
      .bind(5, std::int64_t{s.capacity})
      .bind(6, at(s.connection_at))
      .bind(7, std::int64_t{c.closed_early})
      .bind(8, std::int64_t{c.registered})
      .bind(9, at(now))
      .bind(10, c.id);
}
}  // namespace

result<void> insert_cohort(transaction& tx, const domain::cohort& c, sys_time now) {
  auto st = tx.prepare(
      "INSERT INTO cohorten (naam, soort, opent_op, sluit_op, capaciteit, aansluiten_op, "
      "vroegtijdig_gesloten, "
      "aangemeld, bijgewerkt_op, id, aangemaakt_op) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)");
  if (!st) return st.error();
  return bind_cohort(*st, c, now).run();
}

result<void> update_cohort(transaction& tx, const domain::cohort& c, sys_time now) {
  auto st = tx.prepare(
      "UPDATE cohorten SET naam = ?1, soort = ?2, opent_op = ?3, sluit_op = ?4, capaciteit = ?5, "
      "aansluiten_op = ?6, vroegtijdig_gesloten = ?7, aangemeld = ?8, bijgewerkt_op = ?9 WHERE id = ?10");
  if (!st) return st.error();
  if (auto ok = bind_cohort(*st, c, now).run(); !ok) return ok;
  if (tx.changes() != 1) return make_error_code(error::invalid_argument);
  return {};
}

result<std::optional<domain::cohort>> find_cohort(reader& r, std::string_view id) {
  auto st = r.prepare("SELECT " + std::string(cohort_columns) + " FROM cohorten WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  return query_one(*st, cohort_row);
}

result<std::vector<domain::cohort>> list_cohorts(reader& r) {
  auto st = r.prepare("SELECT " + std::string(cohort_columns) + " FROM cohorten ORDER BY opent_op DESC, id");
  if (!st) return st.error();
  return collect_rows(*st, cohort_row);
}

// --- conditions -------------------------------------------------------------------

result<domain::conditions_document> add_conditions(transaction& tx, std::string_view version,
                                                   std::string_view text, sys_time now) {
  if (!valid_version_label(version) || text.empty() || text.size() > max_conditions_bytes)
    return make_error_code(error::invalid_argument);
  auto doc = domain::make_conditions_document(std::string(version), text);
  auto st = tx.prepare(
      "INSERT INTO aansluitvoorwaarden (versie, sha256, tekst, gepubliceerd_op) VALUES (?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, doc.version).bind(2, doc.sha256).bind(3, text).bind(4, at(now));
  if (auto ok = st->run(); !ok) return ok.error();
  return doc;
}

result<std::optional<conditions_text>> current_conditions(reader& r) {
  return one_conditions(r, "ORDER BY nr DESC LIMIT 1", "");
}

result<std::optional<conditions_text>> find_conditions(reader& r, std::string_view version) {
  if (version.empty()) return std::optional<conditions_text>{};
  return one_conditions(r, "WHERE versie = ?", version);
}

result<std::vector<conditions_text>> list_conditions(reader& r) {
  auto st = r.prepare("SELECT versie, sha256, gepubliceerd_op FROM aansluitvoorwaarden ORDER BY nr DESC");
  if (!st) return st.error();
  return collect_rows(*st, [](const statement& row) -> result<conditions_text> {
    auto published = time_column(row, 2);
    if (!published) return corrupt();
    return conditions_text{{row.column_string(0), row.column_string(1)}, {}, *published};
  });
}

// --- onboarding state ------------------------------------------------------------------

domain::municipality to_domain(const municipality_record& m) {
  return {m.gemeentecode, m.naam, m.oin, m.kvk, m.rsin};
}

result<domain::onboarding> load_onboarding(reader& r, std::int64_t gemeente_id) {
  auto st = r.prepare(
      "SELECT a.status, a.cohort_id, a.aangemeld_op, a.voorwaarden_versie, v.sha256, a.voorwaarden_op, "
      "a.voorwaarden_door, a.aanvraag, o.ondertekenaar, o.ondertekend_op, o.assertion_id, "
      "o.voorwaarden_versie, "
      "o.voorwaarden_sha256, o.aanvraag_sha256, b.besluit, b.reden, b.besloten_op, b.besloten_door, "
      "a.aangesloten_op, a.status_reden, a.ondertekening_id, a.beoordeling_id, o.tekst "
      "FROM aansluitingen a "
      "LEFT JOIN aansluitvoorwaarden v ON v.versie = a.voorwaarden_versie "
      "LEFT JOIN ondertekeningen o ON o.id = a.ondertekening_id "
      "LEFT JOIN beoordelingen b ON b.id = a.beoordeling_id "
      "WHERE a.gemeente_id = ?");
  if (!st) return st.error();
  st->bind(1, gemeente_id);
  auto has = st->step();
  if (!has) return has.error();
  domain::onboarding s;
  if (!*has) return s;

  auto status = domain::parse_municipality_status(st->column_text(0));
  auto registered = time_column(*st, 2);
  if (!status || !registered) return corrupt();
  s.status = *status;
  s.cohort_id = st->column_string(1);
  s.registered_at = *registered;
  if (!st->column_is_null(3)) {
    auto accepted = time_column(*st, 5);
    if (!accepted) return corrupt();
    s.conditions = domain::accepted_conditions{
        {st->column_string(3), st->column_string(4)}, *accepted, st->column_string(6)};
  }
  if (!st->column_is_null(7)) {
    auto a = application_from_json(st->column_text(7));
    if (!a) return a.error();
    s.application = std::move(*a);
  }
  if (!st->column_is_null(20)) {
    auto signed_at = time_column(*st, 9);
    if (!signed_at) return corrupt();
    s.signature = domain::signature{.signatory_pseudonym = st->column_string(8),
                                    .signed_at = *signed_at,
                                    .assertion_id = st->column_string(10),
                                    .conditions = {st->column_string(11), st->column_string(12)},
                                    .application_sha256 = st->column_string(13),
                                    .text = st->column_string(22)};
  }
  if (!st->column_is_null(21)) {
    auto decided = time_column(*st, 16);
    if (!decided) return corrupt();
    s.review = domain::review{st->column_text(14) == "APPROVED" ? domain::review_decision::approved
                                                                : domain::review_decision::rejected,
                              st->column_string(15), *decided, st->column_string(17)};
  }
  s.connected_at = time_column(*st, 18);
  s.status_reason = st->column_string(19);
  return s;
}

result<void> save_onboarding(transaction& tx, const municipality_record& m, const domain::onboarding& before,
                             const domain::onboarding& after, sys_time now) {
  if (after.status == municipality_status::not_registered || !after.registered_at)
    return make_error_code(error::invalid_argument);  // there is no way back to NOT_REGISTERED

  std::int64_t signature_id = 0, review_id = 0;  // 0 = none
  if (before.status != municipality_status::not_registered) {
    auto st = tx.prepare("SELECT ondertekening_id, beoordeling_id FROM aansluitingen WHERE gemeente_id = ?");
    if (!st) return st.error();
    st->bind(1, m.id);
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) return make_error_code(error::invalid_argument);
    if (!st->column_is_null(0)) signature_id = st->column_int64(0);
    if (!st->column_is_null(1)) review_id = st->column_int64(1);
  }

  if (after.signature != before.signature) {
    if (signature_id != 0) {  // the signed text is no longer what is there
      auto st = tx.prepare("UPDATE ondertekeningen SET vervallen_op = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind(1, at(now)).bind(2, signature_id);
      if (auto ok = st->run(); !ok) return ok;
      signature_id = 0;
    }
    if (after.signature) {
      if (!after.application) return make_error_code(error::invalid_argument);
      auto id = insert_signature(tx, m.id, *after.signature);
      if (!id) return id.error();
      signature_id = *id;
    }
  }
  if (after.review != before.review) {
    review_id = 0;
    if (after.review) {
      auto id = insert_review(tx, m.id, *after.review);
      if (!id) return id.error();
      review_id = *id;
    }
  }

  std::optional<std::string> application_json;
  if (after.application) application_json = boost::json::serialize(domain::to_json(*after.application));
  std::optional<std::string> conditions_version, conditions_at, conditions_by, connected_at;
  if (after.conditions) {
    conditions_version = after.conditions->document.version;
    conditions_at = at(after.conditions->accepted_at);
    conditions_by = after.conditions->accepted_by;
  }
  if (after.connected_at) connected_at = at(*after.connected_at);

  auto st = tx.prepare(
      "INSERT INTO aansluitingen (gemeente_id, status, cohort_id, aangemeld_op, voorwaarden_versie, "
      "voorwaarden_op, voorwaarden_door, aanvraag, ondertekening_id, beoordeling_id, aangesloten_op, "
      "status_reden, bijgewerkt_op) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (gemeente_id) DO UPDATE SET status = excluded.status, cohort_id = excluded.cohort_id, "
      "aangemeld_op = excluded.aangemeld_op, voorwaarden_versie = excluded.voorwaarden_versie, "
      "voorwaarden_op = excluded.voorwaarden_op, voorwaarden_door = excluded.voorwaarden_door, "
      "aanvraag = excluded.aanvraag, ondertekening_id = excluded.ondertekening_id, "
      "beoordeling_id = excluded.beoordeling_id, aangesloten_op = excluded.aangesloten_op, "
      "status_reden = excluded.status_reden, bijgewerkt_op = excluded.bijgewerkt_op");
  if (!st) return st.error();
  st->bind(1, m.id)
      .bind(2, domain::to_string(after.status))
      .bind(3, after.cohort_id)
      .bind(4, at(*after.registered_at));
  bind_optional(*st, 5, conditions_version);
  bind_optional(*st, 6, conditions_at);
  bind_optional(*st, 7, conditions_by);
  bind_optional(*st, 8, application_json);
  bind_id(*st, 9, signature_id);
  bind_id(*st, 10, review_id);
  bind_optional(*st, 11, connected_at);
  st->bind(12, after.status_reason).bind(13, at(now));
  if (auto ok = st->run(); !ok) return ok;

  if (auto ok = set_municipality_status(tx, m.id, after.status, now); !ok) return ok;
  // Only a changed application sets the preferences: after approval they are
  // changed in the settings (store/settings.hpp), which a later transition
  // (suspend, reconnect) must not undo.
  if (after.application && after.application != before.application) {
    const auto& a = *after.application;
    return set_municipality_preferences(tx, m.id, a.wants_detention_notifications, a.wants_information_sheets,
                                        a.push_endpoint.value_or(""), a.certificate_sha256, now);
  }
  return {};
}

result<cohort_outcome> run_cohort_change(database& db, std::string_view id, std::string_view action,
                                         bool create, const audit_identity& who, sys_time now,
                                         const cohort_fn& fn) {
  cohort_outcome out;
  auto written = db.write([&](transaction& tx) -> result<void> {
    out = {};
    std::optional<domain::cohort> existing;
    if (!create) {
      auto found = find_cohort(tx, id);
      if (!found) return found.error();
      if (!*found) {
        out.missing = true;
        return {};
      }
      existing = std::move(*found);
    }
    auto next = fn(existing ? &*existing : nullptr);
    std::string outcome = "success";
    if (!next) {
      if (domain::domain_error_of(next.error()) == domain::error::ok) return next.error();
      out.refusal = next.error();
      outcome = "denied:" + std::string(domain::reason_code(domain::domain_error_of(out.refusal)));
    } else {
      out.cohort = std::move(*next);
      auto saved = create ? insert_cohort(tx, out.cohort, now) : update_cohort(tx, out.cohort, now);
      if (!saved) return saved;
    }
    auto audited = append_audit(tx, {std::string(action), "cohort:" + std::string(id), outcome, who.origin,
                                     who.actor, who.request_id, now});
    if (!audited) return audited.error();
    return {};
  });
  if (!written) return written.error();
  return out;
}

result<transition_outcome> run_transition(database& db, std::string_view gemeentecode,
                                          std::string_view action, const audit_identity& who, sys_time now,
                                          const transition_fn& fn, const after_fn& after) {
  transition_outcome out;
  bool missing = false;
  auto written = db.write([&](transaction& tx) -> result<void> {
    auto m = find_municipality(tx, gemeentecode, day_of(now));
    if (!m) return m.error();
    if (!*m) {
      missing = true;
      return {};
    }
    out.municipality = **m;
    auto before = load_onboarding(tx, out.municipality.id);
    if (!before) return before.error();
    out.before = *before;
    auto next = fn(tx, out.municipality, out.before);
    if (!next && domain::domain_error_of(next.error()) == domain::error::ok) return next.error();
    if (next) {
      out.after = std::move(*next);
      if (out.after != out.before) {
        if (auto ok = save_onboarding(tx, out.municipality, out.before, out.after, now); !ok) return ok;
      }
    } else {
      out.refusal = next.error();
      out.after = out.before;
    }
    if (auto ok = audit_command(tx, action, out.municipality.gemeentecode, out.refusal, who, now); !ok)
      return ok;
    if (!out.refusal && after) return after(tx, out);
    return {};
  });
  if (!written) return {boost::system::in_place_error, written.error()};
  if (missing) return {boost::system::in_place_error, make_error_code(error::invalid_argument)};
  return out;
}

result<registration_outcome> run_registration(database& db, std::string_view gemeentecode,
                                              std::string_view cohort_id, const domain::actor& by,
                                              const audit_identity& who, sys_time now,
                                              const after_fn& after) {
  registration_outcome out;
  bool missing = false;
  auto written = db.write([&](transaction& tx) -> result<void> {
    auto m = find_municipality(tx, gemeentecode, day_of(now));
    if (!m) return m.error();
    if (!*m) {
      missing = true;
      return {};
    }
    auto c = find_cohort(tx, cohort_id);
    if (!c) return c.error();
    if (!*c) {
      out.cohort_missing = true;
      return {};
    }
    out.municipality = **m;
    auto before = load_onboarding(tx, out.municipality.id);
    if (!before) return before.error();
    out.before = *before;
    auto reg = domain::register_municipality(out.before, to_domain(out.municipality), **c, by, now);
    if (reg) {
      out.after = reg->onboarding;
      if (auto ok = save_onboarding(tx, out.municipality, out.before, out.after, now); !ok) return ok;
      if (auto ok = update_cohort(tx, reg->cohort, now); !ok) return ok;
    } else {
      out.refusal = reg.error();
      out.after = out.before;
    }
    if (auto ok =
            audit_command(tx, "onboarding.register", out.municipality.gemeentecode, out.refusal, who, now);
        !ok)
      return ok;
    if (!out.refusal && after) return after(tx, out);
    return {};
  });
  if (!written) return {boost::system::in_place_error, written.error()};
  if (missing) return {boost::system::in_place_error, make_error_code(error::invalid_argument)};
  return out;
}

result<std::vector<std::string>> connect_due(database& db, sys_time now, const after_fn& after) {
  auto due = db.read([&](reader& r) -> result<std::vector<std::string>> {
    auto st = r.prepare(
        "SELECT g.gemeentecode FROM aansluitingen a JOIN cohorten c ON c.id = a.cohort_id "
        "JOIN gemeenten g ON g.id = a.gemeente_id "
        "WHERE a.status = 'APPROVED' AND c.aansluiten_op <= ? ORDER BY g.gemeentecode");
    if (!st) return st.error();
    st->bind(1, at(now));
    return collect_rows(*st, [](const statement& row) { return row.column_string(0); });
  });
  if (!due) return due.error();
  std::vector<std::string> connected;
  const audit_identity scheduler{.origin = "internal", .actor = "poortd", .request_id = ""};
  for (const auto& code : *due) {
    auto out = run_transition(
        db, code, "onboarding.connect.scheduled", scheduler, now,
        [now](reader& r, const municipality_record&,
              const domain::onboarding& s) -> result<domain::onboarding> {
          auto c = find_cohort(r, s.cohort_id);
          if (!c) return c.error();
          if (!*c) return domain::error::invalid_transition;
          return domain::connect_on_schedule(s, **c, now);
        },
        after);
    if (!out) return out.error();
    if (!out->refusal) connected.push_back(code);
  }
  return connected;
}

result<std::optional<municipality_record>> find_connected_system(reader& r, std::string_view oin,
                                                                 std::string_view fingerprint_sha256,
                                                                 std::string_view day) {
  auto m = find_municipality_by_oin(r, oin, day);
  if (!m) return m.error();
  if (!*m || (*m)->status != municipality_status::connected || (*m)->systeem_certificaat_sha256.empty() ||
      (*m)->systeem_certificaat_sha256 != fingerprint_sha256)
    return std::optional<municipality_record>{};
  return m;
}

// --- e-mail outbox -----------------------------------------------------------------------

result<void> enqueue_email(transaction& tx, const email_message& m, sys_time now) {
  if (m.kind.empty() || m.kind.size() > 64 || m.to.size() < 3 || m.to.size() > 254 || m.subject.empty() ||
      m.subject.size() > 200 || m.body.empty() || m.body.size() > 20000)
    return make_error_code(error::invalid_argument);
  auto st = tx.prepare(
      "INSERT INTO email_outbox (soort, aan, onderwerp, inhoud, aangemaakt_op, volgende_poging_op) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, m.kind).bind(2, m.to).bind(3, m.subject).bind(4, m.body).bind(5, at(now)).bind(6, at(now));
  return st->run();
}

result<std::vector<email_message>> due_emails(reader& r, sys_time now, std::size_t limit) {
  auto st = r.prepare(
      "SELECT id, soort, aan, onderwerp, inhoud, pogingen FROM email_outbox "
      "WHERE verzonden_op IS NULL AND opgegeven_op IS NULL AND volgende_poging_op <= ? "
      "ORDER BY volgende_poging_op, id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, at(now)).bind(2, static_cast<std::int64_t>(limit));
  return collect_rows(*st, [](const statement& row) {
    return email_message{row.column_int64(0),  row.column_string(1), row.column_string(2),
                         row.column_string(3), row.column_string(4), row.column_int64(5)};
  });
}

result<void> mark_email_sent(transaction& tx, std::int64_t id, sys_time now) {
  auto st = tx.prepare("UPDATE email_outbox SET verzonden_op = ?, pogingen = pogingen + 1 WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, at(now)).bind(2, id);
  return st->run();
}

result<void> mark_email_failed(transaction& tx, std::int64_t id, std::string_view error, sys_time retry_at,
                               bool give_up, sys_time now) {
  auto st = tx.prepare(
      "UPDATE email_outbox SET pogingen = pogingen + 1, laatste_fout = substr(?, 1, 200), "
      "volgende_poging_op = ?, opgegeven_op = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, error).bind(2, at(retry_at));
  if (give_up)
    st->bind(3, at(now));
  else
    st->bind_null(3);
  st->bind(4, id);
  return st->run();
}

}  // namespace poort::store
