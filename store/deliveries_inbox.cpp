#include "store/deliveries.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "store/detail/delivery_rows.hpp"
#include "store/error.hpp"

namespace poort::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the deliveries store's own helpers

namespace {

constexpr std::string_view entry_columns =
    "p.volgnummer, p.bericht_id, p.soort, l.afzender_oin, l.ontvangen_op, p.gelezen_op, p.bevestigd_op, "
    "p.vervangen_door, p.gewist_op, p.gewist_reden, p.versie, p.gewiste_secties";

// The column gewiste_secties (store/deliveries_intake.cpp writes it); what
// does not parse is left out rather than shown wrong.
std::vector<purged_section> purged_sections_of(std::string_view text) {
  std::vector<purged_section> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    const auto* o = item.if_object();
    const auto* b = o ? o->if_contains("basisvoorwaarde") : nullptr;
    const auto* at = o ? o->if_contains("gewistOp") : nullptr;
    const auto* why = o ? o->if_contains("gewistReden") : nullptr;
    if (!b || !at || !why || !b->is_string() || !at->is_string() || !why->is_string()) continue;
    auto section = domain::parse_basisvoorwaarde(b->as_string());
    if (!section) continue;
    out.push_back({*section, std::string(at->as_string()), std::string(why->as_string())});
  }
  return out;
}

inbox_entry entry_row(const statement& st) {
  inbox_entry e;
  e.seq = st.column_int64(0);
  e.bericht_id = st.column_text(1);
  e.kind = kind_column(st, 2);
  e.sender_oin = st.column_text(3);
  e.received_at = st.column_text(4);
  e.read_at = st.column_text(5);
  e.acknowledged_at = st.column_text(6);
  e.superseded_by = st.column_text(7);
  e.purged_at = st.column_text(8);
  e.purge_reason = st.column_text(9);
  e.version = st.column_int64(10);
  e.purged_sections = purged_sections_of(st.column_text(11));
  return e;
}

result<std::optional<inbox_entry>> find_entry(reader& r, std::string_view gemeentecode,
                                              std::string_view bericht_id) {
  auto st = r.prepare("SELECT " + std::string(entry_columns) +
                      " FROM leveringen l JOIN postvak p ON p.volgnummer = l.volgnummer "
                      "WHERE l.bericht_id = ? AND p.gemeentecode = ?");
  if (!st) return st.error();
  st->bind(1, bericht_id).bind(2, gemeentecode);
  return query_one(*st, entry_row);
}

}  // namespace

result<std::optional<delivery_status>> find_delivery(reader& r, std::string_view bericht_id) {
  auto st = r.prepare(
      "SELECT l.bericht_id, l.soort, l.ontvangen_op, l.body_sha256, l.afzender_oin, l.gemeentecode, "
      "coalesce(p.gelezen_op, ''), coalesce(p.bevestigd_op, ''), coalesce(p.gewist_op, ''), "
      "coalesce(u.afgeleverd_op, '') "
      "FROM leveringen l LEFT JOIN postvak p ON p.volgnummer = l.volgnummer "
      "LEFT JOIN uitgaande_berichten u ON u.bericht_id = l.bericht_id WHERE l.bericht_id = ?");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  return query_one(*st, [](const statement& row) {
    delivery_status s;
    s.rec.bericht_id = row.column_text(0);
    s.rec.kind = kind_column(row, 1);
    s.rec.received_at = row.column_text(2);
    s.rec.body_sha256 = row.column_text(3);
    s.sender_oin = row.column_text(4);
    s.gemeentecode = row.column_text(5);
    s.read_at = row.column_text(6);
    s.acknowledged_at = row.column_text(7);
    s.purged_at = row.column_text(8);
    s.pushed_at = row.column_text(9);
    s.status = domain::to_string(domain::delivery_state_of({.pushed = !s.pushed_at.empty(),
                                                            .read = !s.read_at.empty(),
                                                            .acknowledged = !s.acknowledged_at.empty(),
                                                            .purged = !s.purged_at.empty()}));
    return s;
  });
}

namespace {

// The summary of a message's content (domain::to_json form); what is missing
// stays "".
inbox_summary summary_of(std::string_view json) {
  inbox_summary out;
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return out;
  const auto& o = v.as_object();
  auto text = [](const boost::json::object& from, std::string_view name) {
    const auto* f = from.if_contains(name);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  if (const auto* p = o.if_contains("persoon"); p && p->is_object()) {
    out.geslachtsnaam = text(p->as_object(), "geslachtsnaam");
    out.voornamen = text(p->as_object(), "voornamen");
    out.geboortedatum = text(p->as_object(), "geboortedatum");
  }
  if (o.contains("gebeurtenisdatum")) {
    out.melding_soort = text(o, "soort");
    out.gebeurtenisdatum = text(o, "gebeurtenisdatum");
  }
  return out;
}

// The object of the "inbox.list" audit record: the list's owner, its filter
// and what it showed, never the BSN (at most 240 of the 256 bytes allowed).
std::string list_object(const inbox_filter& f, const std::vector<inbox_entry>& shown) {
  std::string o = "postvak:" + f.gemeentecode;
  o += f.order == inbox_order::newest_first ? ";volgorde=nieuwste" : ";volgorde=oudste";
  if (f.kind) o += ";soort=" + std::string(domain::to_string(*f.kind));
  if (f.unread_only) o += ";ongelezen";
  if (f.unacknowledged_only) o += ";onbevestigd";
  if (f.received_from) o += ";vanaf=" + domain::format_date(*f.received_from);
  if (f.received_until) o += ";tot=" + domain::format_date(*f.received_until);
  if (f.bsn) o += ";zoek=bsn";
  if (f.after_seq != 0) o += ";na=" + std::to_string(f.after_seq);
  o += ";aantal=" + std::to_string(shown.size());
  if (!shown.empty()) o += ";eerste=" + shown.front().bericht_id + ";laatste=" + shown.back().bericht_id;
  return o;
}

}  // namespace

result<std::vector<inbox_entry>> list_inbox(transaction& tx, const data_key& key, const inbox_filter& f,
                                            const audit_identity& who, sys_time now) {
  if (f.limit < 1 || f.limit > max_inbox_page || f.gemeentecode.empty())
    return make_error_code(error::invalid_argument);
  const bool newest = f.order == inbox_order::newest_first;
  // Only the conditions in force go into the statement, so that each is a
  // range or an equality SQLite can use an index for: the municipality's
  // entries in order (postvak_gemeente), or a person's (the partial index
  // postvak_persoon, hence `bsn_index <> ''`). The release date: the entry's
  // own, else the latest announced for the person in this municipality.
  std::string sql =
      "SELECT " + std::string(entry_columns) +
      ", p.key_id, p.inhoud, CASE WHEN p.inhoud IS NULL THEN '' WHEN p.vrijlating <> '' THEN "
      "p.vrijlating ELSE coalesce((SELECT q.vrijlating FROM postvak q WHERE q.bsn_index = "
      "p.bsn_index AND q.bsn_index <> '' AND q.gemeentecode = p.gemeentecode AND q.vrijlating <> "
      "'' ORDER BY q.volgnummer DESC LIMIT 1), '') END "
      "FROM postvak p JOIN leveringen l USING (bericht_id) WHERE p.gemeentecode = ?";
  if (f.after_seq != 0) sql += newest ? " AND p.volgnummer < ?" : " AND p.volgnummer > ?";
  if (f.kind) sql += " AND p.soort = ?";
  if (f.unread_only) sql += " AND p.gelezen_op = ''";
  if (f.unacknowledged_only) sql += " AND p.bevestigd_op = ''";
  // A search by BSN looks under every blind-index version still in the ring
  // (until a rekey has moved every row to the active one).
  const auto bsn_indexes =
      f.bsn ? key.blind_indexes("bsn", *f.bsn) : std::vector<data_key::versioned_index>{};
  if (f.bsn) sql += " AND p.bsn_index IN " + placeholders(bsn_indexes.size()) + " AND p.bsn_index <> ''";
  if (f.received_from) sql += " AND l.ontvangen_op >= ?";
  if (f.received_until) sql += " AND l.ontvangen_op < ?";
  sql += newest ? " ORDER BY p.volgnummer DESC LIMIT ?" : " ORDER BY p.volgnummer LIMIT ?";
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  int n = 0;
  st->bind(++n, f.gemeentecode);
  if (f.after_seq != 0) st->bind(++n, f.after_seq);
  if (f.kind) st->bind(++n, domain::to_string(*f.kind));
  // The one place a search turns a BSN into its blind indexes.
  for (const auto& v : bsn_indexes) st->bind(++n, v.index);
  if (f.received_from) st->bind(++n, domain::format_date(*f.received_from));
  if (f.received_until) st->bind(++n, domain::format_date(*f.received_until + std::chrono::days{1}));
  st->bind(++n, static_cast<std::int64_t>(f.limit));
  auto entries = collect_rows(*st, [&](const statement& row) -> result<inbox_entry> {
    inbox_entry e = entry_row(row);
    e.release_date = row.column_text(14);
    if (!row.column_is_null(13)) {
      auto plain = open_content(key, row, 12, 13, e.bericht_id);
      if (!plain) return plain.error();
      e.summary = summary_of(*plain);
    }
    return e;
  });
  if (!entries) return entries.error();
  auto record = make_audit_record("inbox.list", list_object(f, *entries), "success", who, now);
  // A search by BSN concerns that person: its record carries the person
  // reference under the active index version (store/audit.hpp), so
  // `poortctl audit search --bsn` finds who searched for the person.
  const std::string ref =
      f.bsn ? person_reference(bsn_indexes.back().version, bsn_indexes.back().index) : std::string();
  if (auto a = append_audit(tx, record, ref); !a) return a.error();
  return entries;
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
  auto content =
      query_one(*st, [&](const statement& row) { return open_content(key, row, 0, 1, bericht_id); });
  if (!content) return content.error();
  if (*content) {
    msg.content_json = std::move(**content);
    if (msg.entry.kind == domain::delivery_kind::informatieblad) {
      auto sheet = domain::parse_informatieblad(*msg.content_json);
      if (!sheet) return make_error_code(error::corrupt);
      auto withdrawals = withdrawals_for(tx, key, *sheet);
      if (!withdrawals) return withdrawals.error();
      for (auto b : domain::all_basisvoorwaarden)
        if (std::ranges::any_of(*withdrawals, [b](const auto& w) { return w.ingetrokken.contains(b); }))
          msg.withdrawn.push_back(b);
    }
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
  auto ref = person_ref_of_entry(tx, bericht_id);
  if (!ref) return ref.error();
  if (auto a = audit(tx, who, "delivery.read", bericht_id, "success", now, *ref); !a) return a.error();
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
    auto ref = person_ref_of_entry(tx, bericht_id);
    if (!ref) return ref.error();
    if (auto a = audit(tx, who, "delivery.acknowledge", bericht_id, "success", now, *ref); !a)
      return a.error();
  }
  return entry;
}

}  // namespace poort::store
