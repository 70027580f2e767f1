#include "store/deliveries.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "common/log.hpp"
#include "store/error.hpp"
#include "store/registry.hpp"
#include "store/sqlite.hpp"

namespace poort::store {
namespace {

namespace bj = boost::json;
using domain::delivery_kind;

std::string stamp(sys_time t) { return format_rfc3339(t, true); }

std::optional<delivery_kind> parse_kind(std::string_view s) {
  for (auto k : {delivery_kind::detentiemelding, delivery_kind::informatieblad, delivery_kind::intrekking})
    if (domain::to_string(k) == s) return k;
  return std::nullopt;
}

std::string content_aad(std::string_view id) { return "postvak/" + std::string(id) + "/inhoud"; }
std::string withdrawal_aad(std::string_view id) { return "intrekkingen/" + std::string(id) + "/sleutel"; }

std::string_view blob_view(const statement& st, int col) {
  auto b = st.column_blob(col);
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::int64_t to_bits(const domain::basisvoorwaarde_set& s) {
  std::int64_t bits = 0;
  for (auto b : s.items()) bits |= std::int64_t{1} << static_cast<unsigned>(b);
  return bits;
}

domain::basisvoorwaarde_set from_bits(std::int64_t bits) {
  domain::basisvoorwaarde_set s;
  for (auto b : domain::all_basisvoorwaarden)
    if (bits & (std::int64_t{1} << static_cast<unsigned>(b))) s.insert(b);
  return s;
}

result<void> audit(transaction& tx, const audit_identity& who, std::string action,
                   std::string_view bericht_id, std::string result_text, sys_time now) {
  audit_record rec;
  rec.action = std::move(action);
  rec.object = "bericht:" + std::string(bericht_id);
  rec.result = std::move(result_text);
  rec.origin = who.origin;
  rec.actor = who.actor;
  rec.request_id = who.request_id;
  rec.at = now;
  auto seq = append_audit(tx, rec);
  if (!seq) return seq.error();
  return {};
}

// The date of day `d` at midnight UTC plus `n` days.
sys_time day_plus(domain::date d, std::chrono::days n) { return sys_time{d + n}; }

// The release date a detention notification announces: the event itself for
// an EINDE, else the expected release (if given).
std::optional<domain::date> release_of(const domain::detentiemelding& m) {
  if (m.soort == domain::melding_soort::einde) return m.gebeurtenisdatum;
  return m.verwachte_invrijheidstelling;
}

const std::string& bsn_of(const incoming_delivery& d) {
  return std::visit(
      [](const auto& m) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, domain::intrekking>)
          return m.bsn;
        else
          return m.persoon.bsn;
      },
      d.message);
}

std::string serialize(const incoming_delivery& d) {
  return std::visit([](const auto& m) { return bj::serialize(domain::to_json(m)); }, d.message);
}

// The BSN in a stored message's JSON (every kind carries /persoon/bsn).
std::optional<std::string> bsn_in(std::string_view json) {
  boost::system::error_code ec;
  auto v = bj::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* p = v.as_object().if_contains("persoon");
  if (!p || !p->is_object()) return std::nullopt;
  const auto* b = p->as_object().if_contains("bsn");
  if (!b || !b->is_string()) return std::nullopt;
  return std::string(b->as_string());
}

// Empties an entry's content and blind index: what stays is a tombstone.
result<void> purge_entry(transaction& tx, std::string_view bericht_id, std::string_view reason,
                         std::string_view superseded_by, sys_time now) {
  auto st = tx.prepare(
      "UPDATE postvak SET inhoud = NULL, bsn_index = '', gewist_op = ?, gewist_reden = ?, "
      "vervangen_door = CASE WHEN ? = '' THEN vervangen_door ELSE ? END "
      "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?) AND gewist_op = ''");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, reason).bind(3, superseded_by).bind(4, superseded_by).bind(5, bericht_id);
  return st->run();
}

struct stored_sheet {
  std::string bericht_id;
  domain::informatieblad sheet;
};

// Lookups of a person's entries say `bsn_index <> ''` so that SQLite can use
// the partial index postvak_persoon: without it they read the municipality's
// whole inbox (or all of postvak) for every delivery
// (tests/unit/store/deliveries_scaling_test.cpp).

// The person's sheets that still hold content (optionally in one municipality).
result<std::vector<stored_sheet>> sheets_of(transaction& tx, const data_key& key, std::string_view bsn_index,
                                            std::string_view gemeentecode) {
  auto st = tx.prepare(
      "SELECT bericht_id, key_id, inhoud FROM postvak WHERE bsn_index = ? AND bsn_index <> '' "
      "AND soort = 'INFORMATIEBLAD' AND inhoud IS NOT NULL AND (? = '' OR gemeentecode = ?) "
      "ORDER BY volgnummer");
  if (!st) return st.error();
  st->bind(1, bsn_index).bind(2, gemeentecode).bind(3, gemeentecode);
  std::vector<stored_sheet> out;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    std::string id(st->column_text(0));
    if (st->column_text(1) != key.id()) return make_error_code(common_error::crypto_error);
    auto plain = key.open(blob_view(*st, 2), content_aad(id));
    if (!plain) return plain.error();
    auto sheet = domain::parse_informatieblad(*plain);
    if (!sheet) return make_error_code(error::corrupt);
    out.push_back({std::move(id), std::move(*sheet)});
  }
  return out;
}

result<void> reseal_content(transaction& tx, const data_key& key, std::string_view bericht_id,
                            std::string_view json, std::string_view bsn_index) {
  auto sealed = key.seal(json, content_aad(bericht_id));
  if (!sealed) return sealed.error();
  auto st = tx.prepare(
      "UPDATE postvak SET inhoud = ?, key_id = ?, bsn_index = ? "
      "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?)");
  if (!st) return st.error();
  st->bind_blob(1, as_bytes(*sealed)).bind(2, key.id()).bind(3, bsn_index).bind(4, bericht_id);
  return st->run();
}

// The withdrawals that concern `sheet` (same person, same consent record).
result<std::vector<domain::intrekking>> withdrawals_for(transaction& tx, const data_key& key,
                                                        const domain::informatieblad& sheet) {
  auto st =
      tx.prepare("SELECT basisvoorwaarden FROM intrekkingen WHERE bsn_index = ? AND toestemming_index = ?");
  if (!st) return st.error();
  st->bind(1, key.blind_index("bsn", sheet.persoon.bsn))
      .bind(2, key.blind_index("toestemming", sheet.toestemming.id));
  std::vector<domain::intrekking> out;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    domain::intrekking w;
    w.bsn = sheet.persoon.bsn;
    w.toestemming_id = sheet.toestemming.id;
    w.gemeentecode = sheet.gemeentecode;
    w.ingetrokken = from_bits(st->column_int64(0));
    out.push_back(std::move(w));
  }
  return out;
}

// When the content of a new entry is due: see delivery_settings.
result<std::string> purge_after_for(transaction& tx, const delivery_settings& s, const incoming_delivery& d,
                                    std::string_view bsn_index, sys_time now) {
  if (const auto* m = std::get_if<domain::detentiemelding>(&d.message))
    if (auto release = release_of(*m)) return stamp(day_plus(*release, s.retention));
  auto st = tx.prepare(
      "SELECT vrijlating FROM postvak WHERE bsn_index = ? AND bsn_index <> '' AND gemeentecode = ? "
      "AND vrijlating <> '' ORDER BY volgnummer DESC LIMIT 1");
  if (!st) return st.error();
  st->bind(1, bsn_index).bind(2, d.gemeentecode());
  auto has = st->step();
  if (!has) return has.error();
  if (*has) {
    if (auto day = parse_date(st->column_text(0)))
      return stamp(day_plus(std::chrono::floor<std::chrono::days>(*day), s.retention));
  }
  return stamp(now + s.retention_without_release);
}

// A newly announced release date moves the purge time of the person's
// entries in that municipality that have no release date of their own
// (sheets, withdrawals); acknowledged ones keep theirs under the
// acknowledgement basis.
result<void> move_purge_times(transaction& tx, const delivery_settings& s, std::string_view bsn_index,
                              std::string_view gemeentecode, std::string_view purge_after) {
  auto st = tx.prepare(
      "UPDATE postvak SET wissen_na = ? WHERE bsn_index = ? AND bsn_index <> '' AND gemeentecode = ? "
      "AND gewist_op = '' AND vrijlating = '' AND (? = 0 OR bevestigd_op = '')");
  if (!st) return st.error();
  st->bind(1, purge_after)
      .bind(2, bsn_index)
      .bind(3, gemeentecode)
      .bind(4, std::int64_t{s.basis == retention_basis::acknowledgement});
  return st->run();
}

std::string status_of(std::string_view purged, std::string_view acked, std::string_view read,
                      std::string_view pushed) {
  if (!purged.empty()) return "GEWIST";
  if (!acked.empty()) return "BEVESTIGD";
  if (!read.empty()) return "GELEZEN";
  if (!pushed.empty()) return "DOORGESTUURD";
  return "IN_POSTVAK";
}

constexpr std::string_view entry_columns =
    "p.volgnummer, p.bericht_id, p.soort, l.afzender_oin, l.ontvangen_op, p.gelezen_op, p.bevestigd_op, "
    "p.vervangen_door, p.gewist_op, p.gewist_reden, p.versie";

inbox_entry entry_row(const statement& st) {
  inbox_entry e;
  e.seq = st.column_int64(0);
  e.bericht_id = st.column_text(1);
  e.kind = parse_kind(st.column_text(2)).value_or(delivery_kind::detentiemelding);
  e.sender_oin = st.column_text(3);
  e.received_at = st.column_text(4);
  e.read_at = st.column_text(5);
  e.acknowledged_at = st.column_text(6);
  e.superseded_by = st.column_text(7);
  e.purged_at = st.column_text(8);
  e.purge_reason = st.column_text(9);
  e.version = st.column_int64(10);
  return e;
}

result<std::optional<inbox_entry>> find_entry(reader& r, std::string_view gemeentecode,
                                              std::string_view bericht_id) {
  auto st = r.prepare("SELECT " + std::string(entry_columns) +
                      " FROM leveringen l JOIN postvak p ON p.volgnummer = l.volgnummer "
                      "WHERE l.bericht_id = ? AND p.gemeentecode = ?");
  if (!st) return st.error();
  st->bind(1, bericht_id).bind(2, gemeentecode);
  auto has = st->step();
  if (!has) return has.error();
  if (!*has) return std::optional<inbox_entry>{};
  return std::optional<inbox_entry>{entry_row(*st)};
}

// ------------------------------------------------------------ accept parts

struct acceptance {
  transaction& tx;
  const data_key& key;
  const delivery_settings& s;
  const sealed_delivery& sealed;
  const audit_identity& who;
  sys_time now;
  const incoming_delivery& d = sealed.incoming;
  const std::string& bsn_index = sealed.bsn_index;
  std::string at = stamp(now);
  delivery_outcome out;

  result<delivery_outcome> refuse(error_code ec) {
    out.what = delivery_outcome::kind::refused;
    out.refusal = ec;
    std::string reason = out.replacement_unknown
                             ? "replacement_unknown"
                             : std::string(domain::reason_code(domain::domain_error_of(ec)));
    std::ranges::transform(reason, reason.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; });
    if (auto a = audit(tx, who, "delivery.create", d.bericht_id(), "denied:" + reason, now); !a)
      return a.error();
    return std::move(out);
  }

  // The same berichtId before: the original receipt, or a conflict.
  result<std::optional<delivery_outcome>> check_repeat() {
    auto st = tx.prepare(
        "SELECT soort, afzender_oin, body_sha256, ontvangen_op FROM leveringen WHERE bericht_id = ?");
    if (!st) return st.error();
    st->bind(1, d.bericht_id());
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) return std::optional<delivery_outcome>{};
    if (st->column_text(1) != d.sender_oin || st->column_text(2) != d.body_sha256 ||
        st->column_text(0) != domain::to_string(d.kind())) {
      auto r = refuse(domain::error::bericht_id_conflict);
      if (!r) return r.error();
      return std::optional<delivery_outcome>{std::move(*r)};
    }
    out.what = delivery_outcome::kind::replayed;
    out.rec = {d.bericht_id(), d.kind(), std::string(st->column_text(3)), d.body_sha256};
    if (auto a = audit(tx, who, "delivery.replay", d.bericht_id(), "success", now); !a) return a.error();
    return std::optional<delivery_outcome>{std::move(out)};
  }

  // informatieblad: consent per section and the explicit replacement.
  // Success: `sheet_refusal` is set when a rule refuses the sheet.
  error_code sheet_refusal;
  result<void> check_sheet(const domain::informatieblad& sheet) {
    auto withdrawals = withdrawals_for(tx, key, sheet);
    if (!withdrawals) return withdrawals.error();
    out.fields = domain::check_consent(sheet, *withdrawals);
    if (!out.fields.empty()) {
      sheet_refusal = out.fields.front().code;
      return {};
    }
    if (!sheet.vervangt) return {};
    auto st = tx.prepare(
        "SELECT bericht_id, key_id, inhoud, gemeentecode, bsn_index FROM postvak "
        "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?) AND soort = "
        "'INFORMATIEBLAD'");
    if (!st) return st.error();
    st->bind(1, *sheet.vervangt);
    auto has = st->step();
    if (!has) return has.error();
    if (!*has || st->column_is_null(2)) {
      out.replacement_unknown = true;
      sheet_refusal = domain::error::replacement_other_person;
      return {};
    }
    if (st->column_text(3) != sheet.gemeentecode || st->column_text(4) != bsn_index) {
      sheet_refusal = domain::error::replacement_other_person;
      return {};
    }
    if (st->column_text(1) != key.id()) return make_error_code(common_error::crypto_error);
    auto plain = key.open(blob_view(*st, 2), content_aad(*sheet.vervangt));
    if (!plain) return plain.error();
    auto replaced = domain::parse_informatieblad(*plain);
    if (!replaced) return make_error_code(error::corrupt);
    if (auto ok = domain::check_replacement(sheet, *replaced); !ok) sheet_refusal = ok.error();
    return {};
  }

  result<void> insert(const municipality_record& m) {
    // The receipt names its inbox entry, so that the entry is found through
    // the receipt's key and postvak needs no index of random berichtIds
    // (store/migrations.cpp, migration 7).
    auto next = tx.prepare("SELECT coalesce(max(volgnummer), 0) + 1 FROM postvak");
    if (!next) return next.error();
    auto stepped = next->step();
    if (!stepped) return stepped.error();
    const std::int64_t volgnummer = next->column_int64(0);
    auto lv = tx.prepare(
        "INSERT INTO leveringen (bericht_id, soort, afzender_oin, gemeentecode, body_sha256, ontvangen_op, "
        "volgnummer) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!lv) return lv.error();
    lv->bind(1, d.bericht_id())
        .bind(2, domain::to_string(d.kind()))
        .bind(3, d.sender_oin)
        .bind(4, d.gemeentecode())
        .bind(5, d.body_sha256)
        .bind(6, at)
        .bind(7, volgnummer);
    if (auto r = lv->run(); !r) return r;

    std::string release;
    if (const auto* dm = std::get_if<domain::detentiemelding>(&d.message))
      if (auto day = release_of(*dm)) release = domain::format_date(*day);
    auto purge_after = purge_after_for(tx, s, d, bsn_index, now);
    if (!purge_after) return purge_after.error();
    const auto* sheet = std::get_if<domain::informatieblad>(&d.message);
    auto pv = tx.prepare(
        "INSERT INTO postvak (bericht_id, gemeentecode, soort, bsn_index, versie, vrijlating, key_id, "
        "inhoud, wissen_na, volgnummer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!pv) return pv.error();
    pv->bind(1, d.bericht_id())
        .bind(2, d.gemeentecode())
        .bind(3, domain::to_string(d.kind()))
        .bind(4, bsn_index)
        .bind(5, sheet ? sheet->versie : std::int64_t{0})
        .bind(6, release)
        .bind(7, sealed.key_id)
        .bind_blob(8, as_bytes(sealed.content))
        .bind(9, *purge_after)
        .bind(10, volgnummer);
    if (auto r = pv->run(); !r) return r;
    if (!release.empty()) {
      if (auto r = move_purge_times(tx, s, bsn_index, d.gemeentecode(), *purge_after); !r) return r;
    }

    const bool push_endpoint_ok = m.push_endpoint.starts_with("https://") && m.push_endpoint.size() <= 2048;
    if (!m.push_endpoint.empty() && !push_endpoint_ok)
      log::warn("push.endpoint_invalid", {{"gemeentecode", m.gemeentecode}, {"bericht_id", d.bericht_id()}});
    if (push_endpoint_ok && m.status == domain::municipality_status::connected) {
      auto ob = tx.prepare(
          "INSERT INTO uitgaande_berichten (bericht_id, gemeentecode, endpoint, status, volgende_poging_op, "
          "aangemaakt_op) VALUES (?, ?, ?, 'WACHTEND', ?, ?)");
      if (!ob) return ob.error();
      ob->bind(1, d.bericht_id()).bind(2, d.gemeentecode()).bind(3, m.push_endpoint).bind(4, at).bind(5, at);
      if (auto r = ob->run(); !r) return r;
      out.push_queued = true;
    }
    return audit(tx, who, "delivery.create", d.bericht_id(), "success", now);
  }

  // A newer sheet supersedes the person's older sheets in that municipality.
  result<void> supersede(const domain::informatieblad& newer) {
    auto older = sheets_of(tx, key, bsn_index, newer.gemeentecode);
    if (!older) return older.error();
    for (const auto& o : *older) {
      if (o.bericht_id == newer.bericht_id || !domain::supersedes(newer, o.sheet)) continue;
      if (auto r = purge_entry(tx, o.bericht_id, "VERVANGEN", newer.bericht_id, now); !r) return r;
      if (auto a = audit(tx, who, "delivery.supersede", o.bericht_id, "success", now); !a) return a;
    }
    return {};
  }

  // A withdrawal: remember it, and purge the withdrawn sections of every
  // earlier sheet of the person under that consent.
  result<void> withdraw(const domain::intrekking& w) {
    bj::object secret{{"bsn", w.bsn}, {"toestemmingId", w.toestemming_id}};
    auto sleutel = key.seal(bj::serialize(secret), withdrawal_aad(w.bericht_id));
    if (!sleutel) return sleutel.error();
    auto st = tx.prepare(
        "INSERT INTO intrekkingen (bericht_id, bsn_index, toestemming_index, basisvoorwaarden, key_id, "
        "sleutel) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, w.bericht_id)
        .bind(2, bsn_index)
        .bind(3, key.blind_index("toestemming", w.toestemming_id))
        .bind(4, to_bits(w.ingetrokken))
        .bind(5, key.id())
        .bind_blob(6, as_bytes(*sleutel));
    if (auto r = st->run(); !r) return r;

    auto sheets = sheets_of(tx, key, bsn_index, "");
    if (!sheets) return sheets.error();
    for (const auto& o : *sheets) {
      if (domain::sections_to_purge(w, o.sheet).empty()) continue;
      auto reduced = domain::apply_withdrawal(o.sheet, w);
      if (reduced.secties.empty()) {
        if (auto r = purge_entry(tx, o.bericht_id, "INGETROKKEN", "", now); !r) return r;
      } else if (auto r = reseal_content(tx, key, o.bericht_id, bj::serialize(domain::to_json(reduced)),
                                         bsn_index);
                 !r) {
        return r;
      }
      if (auto a = audit(tx, who, "delivery.purge", o.bericht_id, "success", now); !a) return a;
      out.purged.push_back(o.bericht_id);
    }
    return {};
  }

  result<delivery_outcome> run() {
    // Purged and rewritten content must not linger in free space: the
    // writer connection has secure_delete on for its whole life
    // (store/database.cpp), so it is not set again per delivery (SQLite
    // compiles a PRAGMA afresh on every run).
    // Content sealed under another key could not be read back: refuse it.
    if (sealed.key_id != key.id()) return make_error_code(common_error::crypto_error);
    auto repeat = check_repeat();
    if (!repeat) return repeat.error();
    if (*repeat) return std::move(**repeat);

    auto m = find_municipality(tx, d.gemeentecode(), day_of(now));
    if (!m) return m.error();
    if (!*m) return refuse(domain::error::municipality_unknown);
    const domain::delivery_preferences prefs{(*m)->wil_detentiemeldingen, (*m)->wil_informatiebladen};
    if (auto ok = domain::check_deliverable(d.kind(), (*m)->status, prefs); !ok) return refuse(ok.error());
    if (const auto* sheet = std::get_if<domain::informatieblad>(&d.message)) {
      if (auto r = check_sheet(*sheet); !r) return r.error();
      if (sheet_refusal) return refuse(sheet_refusal);
    }

    if (auto r = insert(**m); !r) return r.error();
    if (const auto* sheet = std::get_if<domain::informatieblad>(&d.message)) {
      if (auto r = supersede(*sheet); !r) return r.error();
    } else if (const auto* w = std::get_if<domain::intrekking>(&d.message)) {
      if (auto r = withdraw(*w); !r) return r.error();
    }
    out.what = delivery_outcome::kind::created;
    out.rec = {d.bericht_id(), d.kind(), at, d.body_sha256};
    return std::move(out);
  }
};

}  // namespace

domain::delivery_kind incoming_delivery::kind() const noexcept {
  return static_cast<delivery_kind>(message.index());
}

const std::string& incoming_delivery::bericht_id() const {
  return std::visit([](const auto& m) -> const std::string& { return m.bericht_id; }, message);
}

const std::string& incoming_delivery::gemeentecode() const {
  return std::visit([](const auto& m) -> const std::string& { return m.gemeentecode; }, message);
}

result<sealed_delivery> seal_delivery(const data_key& key, incoming_delivery d) {
  auto content = key.seal(serialize(d), content_aad(d.bericht_id()));
  if (!content) return content.error();
  std::string bsn_index = key.blind_index("bsn", bsn_of(d));
  return sealed_delivery{std::move(d), key.id(), std::move(*content), std::move(bsn_index)};
}

result<delivery_outcome> accept_delivery(transaction& tx, const data_key& key, const delivery_settings& s,
                                         const sealed_delivery& d, const audit_identity& who, sys_time now) {
  acceptance a{tx, key, s, d, who, now};
  return a.run();
}

result<std::optional<delivery_status>> find_delivery(reader& r, std::string_view bericht_id) {
  auto st = r.prepare(
      "SELECT l.bericht_id, l.soort, l.ontvangen_op, l.body_sha256, l.afzender_oin, l.gemeentecode, "
      "coalesce(p.gelezen_op, ''), coalesce(p.bevestigd_op, ''), coalesce(p.gewist_op, ''), "
      "coalesce(u.afgeleverd_op, '') "
      "FROM leveringen l LEFT JOIN postvak p ON p.volgnummer = l.volgnummer "
      "LEFT JOIN uitgaande_berichten u ON u.bericht_id = l.bericht_id WHERE l.bericht_id = ?");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  auto has = st->step();
  if (!has) return has.error();
  if (!*has) return std::optional<delivery_status>{};
  delivery_status s;
  s.rec.bericht_id = st->column_text(0);
  s.rec.kind = parse_kind(st->column_text(1)).value_or(delivery_kind::detentiemelding);
  s.rec.received_at = st->column_text(2);
  s.rec.body_sha256 = st->column_text(3);
  s.sender_oin = st->column_text(4);
  s.gemeentecode = st->column_text(5);
  s.read_at = st->column_text(6);
  s.acknowledged_at = st->column_text(7);
  s.purged_at = st->column_text(8);
  s.pushed_at = st->column_text(9);
  s.status = status_of(s.purged_at, s.acknowledged_at, s.read_at, s.pushed_at);
  return std::optional<delivery_status>{std::move(s)};
}

result<std::vector<inbox_entry>> list_inbox(reader& r, const inbox_filter& f) {
  if (f.limit < 1 || f.limit > max_inbox_page || f.gemeentecode.empty())
    return make_error_code(error::invalid_argument);
  auto st = r.prepare("SELECT " + std::string(entry_columns) +
                      " FROM postvak p JOIN leveringen l USING (bericht_id) "
                      "WHERE p.gemeentecode = ? AND p.volgnummer > ? AND (? = '' OR p.soort = ?) "
                      "AND (? = 0 OR p.gelezen_op = '') AND (? = 0 OR p.bevestigd_op = '') "
                      "ORDER BY p.volgnummer LIMIT ?");
  if (!st) return st.error();
  const std::string kind = f.kind ? std::string(domain::to_string(*f.kind)) : std::string();
  st->bind(1, f.gemeentecode)
      .bind(2, f.after_seq)
      .bind(3, kind)
      .bind(4, kind)
      .bind(5, std::int64_t{f.unread_only})
      .bind(6, std::int64_t{f.unacknowledged_only})
      .bind(7, static_cast<std::int64_t>(f.limit));
  std::vector<inbox_entry> out;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    out.push_back(entry_row(*st));
  }
  return out;
}

result<std::optional<inbox_message>> read_message(transaction& tx, const data_key& key,
                                                  std::string_view gemeentecode, std::string_view bericht_id,
                                                  const audit_identity& who, sys_time now) {
  auto entry = find_entry(tx, gemeentecode, bericht_id);
  if (!entry) return entry.error();
  if (!*entry) {
    if (auto a = audit(tx, who, "delivery.read", bericht_id, "denied:not_found", now); !a) return a.error();
    return std::optional<inbox_message>{};
  }
  inbox_message msg{std::move(**entry), std::nullopt};
  auto st = tx.prepare(
      "SELECT key_id, inhoud FROM postvak WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE "
      "bericht_id = ?) AND inhoud IS NOT NULL");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  auto has = st->step();
  if (!has) return has.error();
  if (*has) {
    if (st->column_text(0) != key.id()) return make_error_code(common_error::crypto_error);
    auto plain = key.open(blob_view(*st, 1), content_aad(bericht_id));
    if (!plain) return plain.error();
    msg.content_json = std::move(*plain);
    if (msg.entry.read_at.empty()) {
      msg.entry.read_at = stamp(now);
      auto up = tx.prepare(
          "UPDATE postvak SET gelezen_op = ? WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE "
          "bericht_id = ?) AND gelezen_op = ''");
      if (!up) return up.error();
      up->bind(1, msg.entry.read_at).bind(2, bericht_id);
      if (auto r = up->run(); !r) return r.error();
    }
  }
  if (auto a = audit(tx, who, "delivery.read", bericht_id, "success", now); !a) return a.error();
  return std::optional<inbox_message>{std::move(msg)};
}

result<std::optional<inbox_entry>> acknowledge_message(transaction& tx, const delivery_settings& s,
                                                       std::string_view gemeentecode,
                                                       std::string_view bericht_id, const audit_identity& who,
                                                       sys_time now) {
  auto entry = find_entry(tx, gemeentecode, bericht_id);
  if (!entry) return entry.error();
  if (!*entry) {
    if (auto a = audit(tx, who, "delivery.acknowledge", bericht_id, "denied:not_found", now); !a)
      return a.error();
    return std::optional<inbox_entry>{};
  }
  if ((*entry)->acknowledged_at.empty()) {
    (*entry)->acknowledged_at = stamp(now);
    auto up = tx.prepare(
        "UPDATE postvak SET bevestigd_op = ?, "
        "wissen_na = CASE WHEN ? = 1 AND gewist_op = '' THEN ? ELSE wissen_na END "
        "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?)");
    if (!up) return up.error();
    up->bind(1, (*entry)->acknowledged_at)
        .bind(2, std::int64_t{s.basis == retention_basis::acknowledgement})
        .bind(3, stamp(now + s.retention))
        .bind(4, bericht_id);
    if (auto r = up->run(); !r) return r.error();
    if (auto a = audit(tx, who, "delivery.acknowledge", bericht_id, "success", now); !a) return a.error();
  }
  return entry;
}

// ------------------------------------------------------------ outbox

namespace {
constexpr std::string_view outbox_columns =
    "bericht_id, gemeentecode, endpoint, status, pogingen, volgende_poging_op, laatste_fout, aangemaakt_op, "
    "afgeleverd_op";

result<std::vector<outbox_item>> outbox_rows(statement& st) {
  std::vector<outbox_item> out;
  for (;;) {
    auto has = st.step();
    if (!has) return has.error();
    if (!*has) break;
    outbox_item i;
    i.bericht_id = st.column_text(0);
    i.gemeentecode = st.column_text(1);
    i.endpoint = st.column_text(2);
    i.status = st.column_text(3);
    i.attempts = st.column_int64(4);
    i.next_attempt_at = st.column_text(5);
    i.last_error = st.column_text(6);
    i.created_at = st.column_text(7);
    i.delivered_at = st.column_text(8);
    out.push_back(std::move(i));
  }
  return out;
}
}  // namespace

result<std::vector<outbox_item>> due_outbox(reader& r, sys_time now, std::size_t limit) {
  auto st = r.prepare("SELECT " + std::string(outbox_columns) +
                      " FROM uitgaande_berichten WHERE status = 'WACHTEND' AND volgende_poging_op <= ? "
                      "ORDER BY volgende_poging_op, bericht_id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, static_cast<std::int64_t>(limit));
  return outbox_rows(*st);
}

result<std::vector<outbox_item>> list_outbox(reader& r, std::string_view status, std::size_t limit) {
  auto st = r.prepare("SELECT " + std::string(outbox_columns) +
                      " FROM uitgaande_berichten WHERE (? = '' OR status = ?) "
                      "ORDER BY aangemaakt_op DESC, bericht_id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, status).bind(2, status).bind(3, static_cast<std::int64_t>(limit));
  return outbox_rows(*st);
}

result<outbox_counts> count_outbox(reader& r) {
  auto st = r.prepare("SELECT status, count(*) FROM uitgaande_berichten GROUP BY status");
  if (!st) return st.error();
  outbox_counts c;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    const auto s = st->column_text(0);
    const auto n = st->column_int64(1);
    if (s == "WACHTEND") c.pending = n;
    if (s == "AFGELEVERD") c.delivered = n;
    if (s == "OPGEGEVEN") c.gave_up = n;
    if (s == "VERVALLEN") c.obsolete = n;
  }
  return c;
}

result<std::optional<std::string>> push_payload(reader& r, const data_key& key, std::string_view bericht_id) {
  auto st = r.prepare(
      "SELECT p.key_id, p.inhoud, p.soort, l.afzender_oin, l.ontvangen_op, p.gemeentecode, p.versie "
      "FROM leveringen l JOIN postvak p ON p.volgnummer = l.volgnummer "
      "WHERE l.bericht_id = ? AND p.inhoud IS NOT NULL");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  auto has = st->step();
  if (!has) return has.error();
  if (!*has) return std::optional<std::string>{};
  if (st->column_text(0) != key.id()) return make_error_code(common_error::crypto_error);
  auto plain = key.open(blob_view(*st, 1), content_aad(bericht_id));
  if (!plain) return plain.error();
  boost::system::error_code ec;
  auto content = bj::parse(*plain, ec);
  if (ec) return make_error_code(error::corrupt);
  bj::object o{{"berichtId", bericht_id},
               {"soort", st->column_text(2)},
               {"afzenderOin", st->column_text(3)},
               {"ontvangenOp", st->column_text(4)},
               {"gemeentecode", st->column_text(5)},
               {"inhoud", std::move(content)}};
  return std::optional<std::string>{bj::serialize(o)};
}

result<void> record_push_delivered(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                                   sys_time now) {
  auto st = tx.prepare(
      "UPDATE uitgaande_berichten SET status = 'AFGELEVERD', pogingen = pogingen + 1, afgeleverd_op = ?, "
      "laatste_fout = '' WHERE bericht_id = ? AND status = 'WACHTEND'");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, bericht_id);
  if (auto r = st->run(); !r) return r;
  return audit(tx, who, "delivery.push", bericht_id, "success", now);
}

result<void> record_push_failed(transaction& tx, std::string_view bericht_id, std::string_view reason,
                                sys_time next_attempt, bool give_up, const audit_identity& who,
                                sys_time now) {
  auto st = tx.prepare(
      "UPDATE uitgaande_berichten SET pogingen = pogingen + 1, laatste_fout = ?, volgende_poging_op = ?, "
      "status = CASE WHEN ? = 1 THEN 'OPGEGEVEN' ELSE status END WHERE bericht_id = ? AND status = "
      "'WACHTEND'");
  if (!st) return st.error();
  st->bind(1, reason.substr(0, 64))
      .bind(2, stamp(next_attempt))
      .bind(3, std::int64_t{give_up})
      .bind(4, bericht_id);
  if (auto r = st->run(); !r) return r;
  if (!give_up) return {};
  return audit(tx, who, "delivery.push", bericht_id, "failed:gave_up", now);
}

result<void> record_push_obsolete(transaction& tx, std::string_view bericht_id, sys_time now) {
  auto st = tx.prepare(
      "UPDATE uitgaande_berichten SET status = 'VERVALLEN', volgende_poging_op = ?, laatste_fout = "
      "'content_purged' "
      "WHERE bericht_id = ? AND status = 'WACHTEND'");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, bericht_id);
  return st->run();
}

result<requeue_outcome> requeue_push(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                                     sys_time now) {
  using kind = requeue_outcome::kind;
  const auto find = [&]() -> result<std::optional<outbox_item>> {
    auto st = tx.prepare("SELECT " + std::string(outbox_columns) +
                         " FROM uitgaande_berichten WHERE bericht_id = ?");
    if (!st) return st.error();
    st->bind(1, bericht_id);
    auto rows = outbox_rows(*st);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<outbox_item>{};
    return std::optional<outbox_item>{std::move(rows->front())};
  };
  requeue_outcome out;
  auto found = find();
  if (!found) return found.error();
  if (!*found) {
    out.what = kind::not_found;
    if (auto a = audit(tx, who, "delivery.push.requeue", bericht_id, "denied:not_found", now); !a)
      return a.error();
    return out;
  }
  out.item = std::move(**found);
  auto m = find_municipality(tx, out.item.gemeentecode, day_of(now));
  if (!m) return m.error();
  if (out.item.status != "OPGEGEVEN")
    out.what = kind::not_given_up;
  else if (!*m || (*m)->status != domain::municipality_status::connected)
    out.what = kind::not_connected;
  else if ((*m)->push_endpoint.empty())
    out.what = kind::no_endpoint;
  else
    out.what = kind::requeued;
  if (out.what != kind::requeued) {
    const std::string reason = out.what == kind::not_given_up    ? "denied:not_given_up"
                               : out.what == kind::not_connected ? "denied:not_connected"
                                                                 : "denied:no_endpoint";
    if (auto a = audit(tx, who, "delivery.push.requeue", bericht_id, reason, now); !a) return a.error();
    return out;
  }
  auto st = tx.prepare(
      "UPDATE uitgaande_berichten SET status = 'WACHTEND', volgende_poging_op = ?, endpoint = ? "
      "WHERE bericht_id = ? AND status = 'OPGEGEVEN'");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, (*m)->push_endpoint).bind(3, bericht_id);
  if (auto r = st->run(); !r) return r.error();
  if (auto a = audit(tx, who, "delivery.push.requeue", bericht_id, "success", now); !a) return a.error();
  auto after = find();
  if (!after) return after.error();
  if (!*after) return make_error_code(error::corrupt);
  out.item = std::move(**after);
  return out;
}

// ------------------------------------------------------------ retention

result<std::vector<purge_candidate>> purge_candidates(reader& r, sys_time now, std::size_t limit) {
  auto st = r.prepare(
      "SELECT bericht_id, gemeentecode, soort, wissen_na FROM postvak WHERE gewist_op = '' AND wissen_na <= "
      "? "
      "ORDER BY wissen_na, volgnummer LIMIT ?");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<purge_candidate> out;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    out.push_back({std::string(st->column_text(0)), std::string(st->column_text(1)),
                   parse_kind(st->column_text(2)).value_or(delivery_kind::detentiemelding),
                   std::string(st->column_text(3))});
  }
  return out;
}

result<std::vector<std::string>> purge_expired(transaction& tx, sys_time now, const audit_identity& who,
                                               std::size_t limit) {
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  auto due = purge_candidates(tx, now, limit);
  if (!due) return due.error();
  std::vector<std::string> purged;
  for (const auto& c : *due) {
    if (auto r = purge_entry(tx, c.bericht_id, "BEWAARTERMIJN", "", now); !r) return r.error();
    if (auto a = audit(tx, who, "delivery.purge", c.bericht_id, "success", now); !a) return a.error();
    purged.push_back(c.bericht_id);
  }
  return purged;
}

// ------------------------------------------------------------ rekey

namespace {

struct sealed_row {
  std::string id;
  std::string sealed;
};

// Every (id, sealed blob) pair that `sql` selects, with `key_id` bound to its
// one parameter; read in full before the rows are rewritten.
result<std::vector<sealed_row>> sealed_rows(transaction& tx, std::string_view sql, std::string_view key_id) {
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  st->bind(1, key_id);
  std::vector<sealed_row> rows;
  for (;;) {
    auto has = st->step();
    if (!has) return has.error();
    if (!*has) break;
    rows.push_back({std::string(st->column_text(0)), std::string(blob_view(*st, 1))});
  }
  return rows;
}

}  // namespace

result<std::size_t> rekey(transaction& tx, const data_key& old_key, const data_key& new_key,
                          const audit_identity& who, sys_time now) {
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  std::size_t count = 0;
  {
    auto rows = sealed_rows(
        tx, "SELECT bericht_id, inhoud FROM postvak WHERE key_id = ? AND inhoud IS NOT NULL", old_key.id());
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      auto plain = old_key.open(r.sealed, content_aad(r.id));
      if (!plain) return plain.error();
      auto bsn = bsn_in(*plain);
      if (!bsn) return make_error_code(error::corrupt);
      if (auto ok = reseal_content(tx, new_key, r.id, *plain, new_key.blind_index("bsn", *bsn)); !ok)
        return ok.error();
      ++count;
    }
    auto tomb = tx.prepare("UPDATE postvak SET key_id = ? WHERE key_id = ? AND inhoud IS NULL");
    if (!tomb) return tomb.error();
    tomb->bind(1, new_key.id()).bind(2, old_key.id());
    if (auto ok = tomb->run(); !ok) return ok.error();
  }
  {
    auto rows =
        sealed_rows(tx, "SELECT bericht_id, sleutel FROM intrekkingen WHERE key_id = ?", old_key.id());
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      auto plain = old_key.open(r.sealed, withdrawal_aad(r.id));
      if (!plain) return plain.error();
      boost::system::error_code ec;
      auto v = bj::parse(*plain, ec);
      if (ec || !v.is_object() || !v.as_object().contains("bsn") || !v.as_object().contains("toestemmingId"))
        return make_error_code(error::corrupt);
      const std::string bsn(v.as_object().at("bsn").as_string());
      const std::string consent(v.as_object().at("toestemmingId").as_string());
      auto sealed = new_key.seal(*plain, withdrawal_aad(r.id));
      if (!sealed) return sealed.error();
      auto up = tx.prepare(
          "UPDATE intrekkingen SET sleutel = ?, key_id = ?, bsn_index = ?, toestemming_index = ? "
          "WHERE bericht_id = ?");
      if (!up) return up.error();
      up->bind_blob(1, as_bytes(*sealed))
          .bind(2, new_key.id())
          .bind(3, new_key.blind_index("bsn", bsn))
          .bind(4, new_key.blind_index("toestemming", consent))
          .bind(5, r.id);
      if (auto ok = up->run(); !ok) return ok.error();
      ++count;
    }
  }
  audit_record rec{
      "data_key.rekey", "data_key:" + new_key.id(), "success", who.origin, who.actor, who.request_id, now};
  if (auto a = append_audit(tx, rec); !a) return a.error();
  return count;
}

result<std::int64_t> count_sealed_under_other_keys(reader& r, std::string_view key_id) {
  auto st = r.prepare(
      "SELECT (SELECT count(*) FROM postvak WHERE inhoud IS NOT NULL AND key_id <> ?) + "
      "(SELECT count(*) FROM intrekkingen WHERE key_id <> ?)");
  if (!st) return st.error();
  st->bind(1, key_id).bind(2, key_id);
  auto has = st->step();
  if (!has) return has.error();
  return *has ? st->column_int64(0) : 0;
}

result<void> database_checkpoint_truncate(const std::filesystem::path& database_file,
                                          std::chrono::milliseconds busy_timeout) {
  auto conn = connection::open(database_file, connection::access::read_write, busy_timeout);
  if (!conn) return conn.error();
  auto busy = conn->query_int64("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!busy) return busy.error();
  if (*busy != 0) return make_error_code(error::busy);
  return {};
}

}  // namespace poort::store
