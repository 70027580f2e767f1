#include "store/deliveries.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <span>

#include "common/log.hpp"
#include "store/detail/delivery_rows.hpp"
#include "store/error.hpp"
#include "store/registry.hpp"

namespace poort::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the deliveries store's own helpers

namespace {

namespace bj = boost::json;
using domain::delivery_kind;

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

using stored_sheet = domain::held_sheet;

// The person's blind indexes under every index version of the ring: a
// lookup by BSN searches for all of them (issue 14 item 1), so that rows
// indexed under an older version are found until a rekey has moved them.
std::vector<std::string> indexes_of(const data_key& key, std::string_view kind, std::string_view value) {
  std::vector<std::string> out;
  for (auto& v : key.blind_indexes(kind, value)) out.push_back(std::move(v.index));
  return out;
}

// Binds `values` from parameter `first` on; the next free parameter.
int bind_all(statement& st, int first, std::span<const std::string> values) {
  for (const auto& v : values) st.bind(first++, v);
  return first;
}

// The person's sheets that still hold content (optionally in one municipality).
result<std::vector<stored_sheet>> sheets_of(transaction& tx, const data_key& key,
                                            std::span<const std::string> bsn_indexes,
                                            std::string_view gemeentecode) {
  auto st = tx.prepare(
      "SELECT bericht_id, key_id, inhoud, (SELECT afzender_oin FROM leveringen l WHERE l.bericht_id = "
      "postvak.bericht_id) FROM postvak WHERE bsn_index IN " +
      placeholders(bsn_indexes.size()) +
      " AND bsn_index <> '' "
      "AND soort = 'INFORMATIEBLAD' AND inhoud IS NOT NULL AND (? = '' OR gemeentecode = ?) "
      "ORDER BY volgnummer");
  if (!st) return st.error();
  const int next = bind_all(*st, 1, bsn_indexes);
  st->bind(next, gemeentecode).bind(next + 1, gemeentecode);
  return collect_rows(*st, [&](const statement& row) -> result<stored_sheet> {
    std::string id = row.column_string(0);
    auto plain = open_content(key, row, 1, 2, id);
    if (!plain) return plain.error();
    auto sheet = domain::parse_informatieblad(*plain);
    if (!sheet) return make_error_code(error::corrupt);
    return stored_sheet{std::move(id), std::move(*sheet), row.column_string(3)};
  });
}

}  // namespace

// The withdrawals that concern `sheet` (same person, same consent record),
// indexed under any index version of the ring; store/deliveries_inbox.cpp
// shows them to the reader too.
result<std::vector<domain::intrekking>> detail::withdrawals_for(reader& tx, const data_key& key,
                                                                const domain::informatieblad& sheet) {
  const auto persons = key.blind_indexes("bsn", sheet.persoon.bsn);
  const auto consents = key.blind_indexes("toestemming", sheet.toestemming.id);
  std::string sql = "SELECT basisvoorwaarden FROM intrekkingen WHERE ";
  for (std::size_t i = 0; i < persons.size(); ++i)
    sql += (i == 0 ? "" : " OR ") +
           std::string("(bsn_index = ? AND toestemming_index = ? AND index_versie = ?)");
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  for (std::size_t i = 0; i < persons.size(); ++i) {
    const int at = static_cast<int>(3 * i);
    st->bind(at + 1, persons[i].index).bind(at + 2, consents[i].index).bind(at + 3, persons[i].version);
  }
  return collect_rows(*st, [&](const statement& row) {
    domain::intrekking w;
    w.bsn = sheet.persoon.bsn;
    w.toestemming_id = sheet.toestemming.id;
    w.gemeentecode = sheet.gemeentecode;
    w.ingetrokken = from_bits(row.column_int64(0));
    return w;
  });
}

namespace {

// When the content of a new entry in `gemeentecode` is due: see delivery_settings.
result<std::string> purge_after_for(transaction& tx, const delivery_settings& s, const incoming_delivery& d,
                                    std::string_view gemeentecode, std::span<const std::string> bsn_indexes,
                                    sys_time now) {
  if (const auto* m = std::get_if<domain::detentiemelding>(&d.message))
    if (auto release = release_of(*m)) return stamp(day_plus(*release, s.retention));
  auto st =
      tx.prepare("SELECT vrijlating FROM postvak WHERE bsn_index IN " + placeholders(bsn_indexes.size()) +
                 " AND bsn_index <> '' AND gemeentecode = ? "
                 "AND vrijlating <> '' ORDER BY volgnummer DESC LIMIT 1");
  if (!st) return st.error();
  st->bind(bind_all(*st, 1, bsn_indexes), gemeentecode);
  auto has = st->step();
  if (!has) return has.error();
  if (*has) {
    if (auto day = parse_date(st->column_text(0)))
      return stamp(day_plus(std::chrono::floor<std::chrono::days>(*day), s.retention));
  }
  return stamp(now + s.retention_without_release);
}

// Adds the sections `purged` of entry `bericht_id`, purged at `at` because
// of `reason`, to its list of purged sections (a JSON array without personal
// data: store/deliveries_inbox.cpp reads it).
result<void> mark_purged_sections(transaction& tx, std::string_view bericht_id,
                                  std::span<const domain::basisvoorwaarde> purged, std::string_view at,
                                  std::string_view reason) {
  auto st = tx.prepare(
      "SELECT gewiste_secties FROM postvak WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE "
      "bericht_id = ?)");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  auto has = st->step();
  if (!has) return has.error();
  if (!*has) return make_error_code(error::corrupt);
  boost::system::error_code ec;
  auto list = bj::parse(st->column_text(0), ec);
  if (ec || !list.is_array()) return make_error_code(error::corrupt);
  for (auto b : purged)
    list.as_array().push_back(
        bj::object{{"basisvoorwaarde", domain::to_string(b)}, {"gewistOp", at}, {"gewistReden", reason}});
  auto up = tx.prepare(
      "UPDATE postvak SET gewiste_secties = ? WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE "
      "bericht_id = ?)");
  if (!up) return up.error();
  up->bind(1, bj::serialize(list)).bind(2, bericht_id);
  return up->run();
}

// A newly announced release date moves the purge time of the person's
// entries in that municipality that have no release date of their own
// (sheets, withdrawals); acknowledged ones keep theirs under the
// acknowledgement basis.
result<void> move_purge_times(transaction& tx, const delivery_settings& s,
                              std::span<const std::string> bsn_indexes, std::string_view gemeentecode,
                              std::string_view purge_after) {
  auto st =
      tx.prepare("UPDATE postvak SET wissen_na = ? WHERE bsn_index IN " + placeholders(bsn_indexes.size()) +
                 " AND bsn_index <> '' AND gemeentecode = ? "
                 "AND gewist_op = '' AND vrijlating = '' AND (? = 0 OR bevestigd_op = '')");
  if (!st) return st.error();
  st->bind(1, purge_after);
  const int next = bind_all(*st, 2, bsn_indexes);
  st->bind(next, gemeentecode).bind(next + 1, std::int64_t{s.basis == retention_basis::acknowledgement});
  if (auto r = st->run(); !r) return r;
  // The person's withdrawals stay at least as long (issue 14 item 5).
  auto w = tx.prepare("UPDATE intrekkingen SET wissen_na = ? WHERE bsn_index IN " +
                      placeholders(bsn_indexes.size()) + " AND wissen_na < ?");
  if (!w) return w.error();
  w->bind(1, purge_after);
  w->bind(bind_all(*w, 2, bsn_indexes), purge_after);
  return w->run();
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
  const std::string& bsn_index = sealed.bsn_index;  ///< under the active index version
  /// The person's indexes under every index version: what lookups search for.
  std::vector<std::string> bsn_indexes = indexes_of(key, "bsn", bsn_of(d));
  /// The audit records of this delivery concern the person (store/audit.hpp).
  std::string person_ref = person_reference(key.index_version(), bsn_index);
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
    if (auto a = audit(tx, who, "delivery.create", d.bericht_id(), "denied:" + reason, now, person_ref); !a)
      return a.error();
    return std::move(out);
  }

  // The audit record of an action on a sheet that `sheet_sender` sent: when
  // that is another prison (which the detainee left), the actor names both.
  result<void> audit_sheet(std::string action, std::string_view bericht_id, std::string_view sheet_sender) {
    if (sheet_sender.empty() || sheet_sender == d.sender_oin)
      return audit(tx, who, std::move(action), bericht_id, "success", now, person_ref);
    audit_identity both = who;
    both.actor += ";overgenomen_van=party:" + std::string(sheet_sender);
    return audit(tx, both, std::move(action), bericht_id, "success", now, person_ref);
  }

  // Issue 14 item 3: may this prison act on each of `sheets` (supersede or
  // withdraw), `named` being the berichtId its request names? Success:
  // `sheet_refusal` is set to other_prison when it may not.
  void check_sheet_actions(std::span<const stored_sheet* const> sheets,
                           const std::optional<std::string>& named) {
    const bool names_one =
        named && std::ranges::any_of(sheets, [&](const stored_sheet* o) { return o->bericht_id == *named; });
    for (const stored_sheet* o : sheets)
      if (auto ok = domain::check_sheet_action(d.sender_oin, o->sender_oin, d.sender_organisation, names_one);
          !ok) {
        sheet_refusal = ok.error();
        return;
      }
  }

  // The person's older sheets in the municipality that `newer` supersedes.
  std::vector<stored_sheet> superseded{};
  result<void> find_superseded(const domain::informatieblad& newer) {
    auto older = sheets_of(tx, key, bsn_indexes, newer.gemeentecode);
    if (!older) return older.error();
    for (auto& o : *older)
      if (o.bericht_id != newer.bericht_id && domain::supersedes(newer, o.sheet))
        superseded.push_back(std::move(o));
    return {};
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
    // Another sender's id: say only that it is taken, nothing about that
    // message (issue 14 item 7); the sender's own id with another body or
    // kind: a conflict.
    if (st->column_text(1) != d.sender_oin || st->column_text(2) != d.body_sha256 ||
        st->column_text(0) != domain::to_string(d.kind())) {
      auto r = refuse(st->column_text(1) != d.sender_oin ? domain::error::bericht_id_taken
                                                         : domain::error::bericht_id_conflict);
      if (!r) return r.error();
      return std::optional<delivery_outcome>{std::move(*r)};
    }
    out.what = delivery_outcome::kind::replayed;
    out.rec = {d.bericht_id(), d.kind(), st->column_string(3), d.body_sha256};
    if (auto a = audit(tx, who, "delivery.replay", d.bericht_id(), "success", now, person_ref); !a)
      return a.error();
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
    if (st->column_text(3) != sheet.gemeentecode ||
        std::ranges::find(bsn_indexes, st->column_text(4)) == bsn_indexes.end()) {
      sheet_refusal = domain::error::replacement_other_person;
      return {};
    }
    auto plain = open_content(key, *st, 1, 2, *sheet.vervangt);
    if (!plain) return plain.error();
    auto replaced = domain::parse_informatieblad(*plain);
    if (!replaced) return make_error_code(error::corrupt);
    if (auto ok = domain::check_replacement(sheet, *replaced); !ok) sheet_refusal = ok.error();
    return {};
  }

  // One entry as it goes into the store: its receipt, inbox entry and push.
  struct entry {
    std::string_view bericht_id;
    std::string_view receipt_gemeente;  ///< leveringen.gemeentecode: what the prison named
    const municipality_record& m;       ///< whose inbox it goes to
    std::string_view sealed_content;    ///< sealed under `key` for `bericht_id`
  };

  result<void> insert(const municipality_record& m) {
    return insert_entry({d.bericht_id(), d.gemeentecode(), m, sealed.content});
  }

  result<void> insert_entry(const entry& e) {
    const municipality_record& m = e.m;
    // The receipt names its inbox entry, so that the entry is found through
    // the receipt's key and postvak needs no index of random berichtIds
    // (store/migrations.cpp, migration 7).
    auto next = tx.query_int64("SELECT coalesce(max(volgnummer), 0) + 1 FROM postvak");
    if (!next) return next.error();
    const std::int64_t volgnummer = *next;
    auto lv = tx.prepare(
        "INSERT INTO leveringen (bericht_id, soort, afzender_oin, gemeentecode, body_sha256, ontvangen_op, "
        "volgnummer) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!lv) return lv.error();
    lv->bind(1, e.bericht_id)
        .bind(2, domain::to_string(d.kind()))
        .bind(3, d.sender_oin)
        .bind(4, e.receipt_gemeente)
        .bind(5, d.body_sha256)
        .bind(6, at)
        .bind(7, volgnummer);
    if (auto r = lv->run(); !r) return r;

    std::string release;
    if (const auto* dm = std::get_if<domain::detentiemelding>(&d.message))
      if (auto day = release_of(*dm)) release = domain::format_date(*day);
    auto purge_after = purge_after_for(tx, s, d, m.gemeentecode, bsn_indexes, now);
    if (!purge_after) return purge_after.error();
    const auto* sheet = std::get_if<domain::informatieblad>(&d.message);
    auto pv = tx.prepare(
        "INSERT INTO postvak (bericht_id, gemeentecode, soort, bsn_index, versie, vrijlating, key_id, "
        "inhoud, wissen_na, volgnummer, index_versie) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!pv) return pv.error();
    pv->bind(1, e.bericht_id)
        .bind(2, m.gemeentecode)
        .bind(3, domain::to_string(d.kind()))
        .bind(4, bsn_index)
        .bind(5, sheet ? sheet->versie : std::int64_t{0})
        .bind(6, release)
        .bind(7, sealed.key_id)
        .bind_blob(8, as_bytes(e.sealed_content))
        .bind(9, *purge_after)
        .bind(10, volgnummer)
        .bind(11, sealed.index_version);
    if (auto r = pv->run(); !r) return r;
    if (!release.empty()) {
      if (auto r = move_purge_times(tx, s, bsn_indexes, d.gemeentecode(), *purge_after); !r) return r;
    }

    if (!m.push_endpoint.empty() && !domain::valid_push_endpoint(m.push_endpoint))
      log::warn("push.endpoint_invalid",
                {{"gemeentecode", m.gemeentecode}, {"bericht_id", std::string(e.bericht_id)}});
    if (domain::push_target_of(m.status, m.push_endpoint) == domain::push_target::push) {
      auto ob = tx.prepare(
          "INSERT INTO uitgaande_berichten (bericht_id, gemeentecode, endpoint, status, volgende_poging_op, "
          "aangemaakt_op) VALUES (?, ?, ?, 'WACHTEND', ?, ?)");
      if (!ob) return ob.error();
      ob->bind(1, e.bericht_id).bind(2, m.gemeentecode).bind(3, m.push_endpoint).bind(4, at).bind(5, at);
      if (auto r = ob->run(); !r) return r;
      out.push_queued = true;
    }
    return audit(tx, who, "delivery.create", e.bericht_id, "success", now, person_ref);
  }

  // A withdrawal's notices: each to the municipality holding the sheets it
  // speaks of (domain::plan_withdrawal), sealed for its own id; the receipt
  // of the prison's berichtId keeps the municipality the prison named.
  result<void> insert_notices(const domain::intrekking& w,
                              std::span<const domain::withdrawal_notice> notices) {
    for (const auto& n : notices) {
      auto found = find_municipality(tx, n.gemeentecode, day_of(now));
      if (!found) return found.error();
      municipality_record m;  // no longer in the registry: the notice waits, nothing is pushed
      if (*found)
        m = std::move(**found);
      else
        m.gemeentecode = n.gemeentecode;
      auto content = key.seal(bj::serialize(domain::to_json(w, n)), content_aad(n.bericht_id));
      if (!content) return content.error();
      const bool own_id = n.bericht_id == w.bericht_id;
      if (auto r = insert_entry(
              {n.bericht_id, own_id ? std::string_view(w.gemeentecode) : n.gemeentecode, m, *content});
          !r)
        return r;
    }
    return {};
  }

  // A newer sheet supersedes the person's older sheets in that municipality
  // (find_superseded).
  result<void> supersede(const domain::informatieblad& newer) {
    for (const auto& o : superseded) {
      if (auto r = purge_entry(tx, o.bericht_id, "VERVANGEN", newer.bericht_id, now); !r) return r;
      if (auto a = audit_sheet("delivery.supersede", o.bericht_id, o.sender_oin); !a) return a;
    }
    return {};
  }

  // A withdrawal: remember it, and purge the withdrawn sections of every
  // earlier sheet of the person under that consent.
  result<void> withdraw(const domain::intrekking& w) {
    bj::object secret{{"bsn", w.bsn}, {"toestemmingId", w.toestemming_id}};
    auto sleutel = key.seal(bj::serialize(secret), withdrawal_aad(w.bericht_id));
    if (!sleutel) return sleutel.error();
    // Kept as long as anything about the person is (its notices were
    // inserted just before): the latest purge time of the person's entries;
    // move_purge_times moves it later with them (issue 14 item 5).
    auto st = tx.prepare(
        "INSERT INTO intrekkingen (bericht_id, bsn_index, toestemming_index, basisvoorwaarden, key_id, "
        "sleutel, index_versie, wissen_na) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, coalesce((SELECT max(wissen_na) FROM postvak WHERE bsn_index IN " +
        placeholders(bsn_indexes.size()) + " AND bsn_index <> '' AND gewist_op = ''), ?))");
    if (!st) return st.error();
    st->bind(1, w.bericht_id)
        .bind(2, bsn_index)
        .bind(3, key.blind_index("toestemming", w.toestemming_id))
        .bind(4, to_bits(w.ingetrokken))
        .bind(5, key.id())
        .bind_blob(6, as_bytes(*sleutel))
        .bind(7, sealed.index_version);
    st->bind(bind_all(*st, 8, bsn_indexes), stamp(now + s.retention_without_release));
    if (auto r = st->run(); !r) return r;

    auto sheets = sheets_of(tx, key, bsn_indexes, "");
    if (!sheets) return sheets.error();
    for (const auto& o : *sheets) {
      const auto purged = domain::sections_to_purge(w, o.sheet);
      if (purged.empty()) continue;
      if (auto r = mark_purged_sections(tx, o.bericht_id, purged, at, "INGETROKKEN"); !r) return r;
      auto reduced = domain::apply_withdrawal(o.sheet, w);
      if (reduced.secties.empty()) {
        if (auto r = purge_entry(tx, o.bericht_id, "INGETROKKEN", "", now); !r) return r;
      } else if (auto r = reseal_content(tx, key, o.bericht_id, bj::serialize(domain::to_json(reduced)),
                                         bsn_index, sealed.index_version);
                 !r) {
        return r;
      }
      if (auto a = audit_sheet("delivery.purge", o.bericht_id, o.sender_oin); !a) return a;
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
    if (sealed.key_id != key.id() || sealed.index_version != key.index_version())
      return make_error_code(common_error::crypto_error);
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
      if (auto r = find_superseded(*sheet); !r) return r.error();
      std::vector<const stored_sheet*> acted_on;
      for (const auto& o : superseded) acted_on.push_back(&o);
      check_sheet_actions(acted_on, sheet->vervangt);
      if (sheet_refusal) return refuse(sheet_refusal);
    }
    std::vector<domain::withdrawal_notice> notices;
    if (const auto* w = std::get_if<domain::intrekking>(&d.message)) {
      auto held = sheets_of(tx, key, bsn_indexes, "");
      if (!held) return held.error();
      auto plan = domain::plan_withdrawal(*w, *held);
      if (!plan) return refuse(plan.error());
      notices = std::move(*plan);
      std::vector<const stored_sheet*> acted_on;
      for (const auto& n : notices)
        for (const auto& id : n.sheets)
          if (auto h = std::ranges::find(*held, id, &stored_sheet::bericht_id); h != held->end())
            acted_on.push_back(&*h);
      check_sheet_actions(acted_on, w->informatieblad_id);
      if (sheet_refusal) return refuse(sheet_refusal);
    }

    if (const auto* w = std::get_if<domain::intrekking>(&d.message)) {
      if (auto r = insert_notices(*w, notices); !r) return r.error();
    } else if (auto r = insert(**m); !r) {
      return r.error();
    }
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
  return sealed_delivery{std::move(d), key.id(), std::move(*content), std::move(bsn_index),
                         key.index_version()};
}

result<delivery_outcome> accept_delivery(transaction& tx, const data_key& key, const delivery_settings& s,
                                         const sealed_delivery& d, const audit_identity& who, sys_time now) {
  acceptance a{tx, key, s, d, who, now};
  return a.run();
}

}  // namespace poort::store
