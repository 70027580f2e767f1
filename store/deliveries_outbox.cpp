#include "store/deliveries.hpp"

#include <boost/json.hpp>

#include "store/detail/delivery_rows.hpp"
#include "store/error.hpp"
#include "store/registry.hpp"

namespace poort::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the deliveries store's own helpers

namespace bj = boost::json;

namespace {
constexpr std::string_view outbox_columns =
    "bericht_id, gemeentecode, endpoint, status, pogingen, volgende_poging_op, laatste_fout, aangemaakt_op, "
    "afgeleverd_op, vastgehouden_op";

outbox_item outbox_row(const statement& st) {
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
  i.held_at = st.column_text(9);
  return i;
}

result<std::optional<outbox_item>> find_outbox_item(reader& r, std::string_view bericht_id) {
  auto st =
      r.prepare("SELECT " + std::string(outbox_columns) + " FROM uitgaande_berichten WHERE bericht_id = ?");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  return query_one(*st, outbox_row);
}
}  // namespace

result<std::vector<outbox_item>> due_outbox(reader& r, sys_time now, std::size_t limit) {
  auto st = r.prepare("SELECT " + std::string(outbox_columns) +
                      " FROM uitgaande_berichten WHERE status = 'WACHTEND' AND volgende_poging_op <= ? "
                      "ORDER BY volgende_poging_op, bericht_id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, static_cast<std::int64_t>(limit));
  return collect_rows(*st, outbox_row);
}

result<std::vector<outbox_item>> list_outbox(reader& r, std::string_view status, std::size_t limit) {
  auto st = r.prepare("SELECT " + std::string(outbox_columns) +
                      " FROM uitgaande_berichten WHERE (? = '' OR status = ?) "
                      "ORDER BY aangemaakt_op DESC, bericht_id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, status).bind(2, status).bind(3, static_cast<std::int64_t>(limit));
  return collect_rows(*st, outbox_row);
}

result<outbox_counts> count_outbox(reader& r) {
  auto st = r.prepare(
      "SELECT status, count(*), sum(vastgehouden_op <> '') FROM uitgaande_berichten GROUP BY status");
  if (!st) return st.error();
  outbox_counts c;
  auto counted = for_each_row(*st, [&](const statement& row) {
    const auto s = row.column_text(0);
    const auto n = row.column_int64(1);
    if (s == "WACHTEND") {
      c.pending = n;
      c.held = row.column_int64(2);
    }
    if (s == "AFGELEVERD") c.delivered = n;
    if (s == "OPGEGEVEN") c.gave_up = n;
    if (s == "VERVALLEN") c.obsolete = n;
  });
  if (!counted) return counted.error();
  return c;
}

result<std::optional<std::string>> push_payload(reader& r, const data_key& key, std::string_view bericht_id) {
  auto st = r.prepare(
      "SELECT p.key_id, p.inhoud, p.soort, l.afzender_oin, l.ontvangen_op, p.gemeentecode, p.versie "
      "FROM leveringen l JOIN postvak p ON p.volgnummer = l.volgnummer "
      "WHERE l.bericht_id = ? AND p.inhoud IS NOT NULL");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  return query_one(*st, [&](const statement& row) -> result<std::string> {
    auto plain = open_content(key, row, 0, 1, bericht_id);
    if (!plain) return plain.error();
    boost::system::error_code ec;
    auto content = bj::parse(*plain, ec);
    if (ec) return make_error_code(error::corrupt);
    bj::object o{{"berichtId", bericht_id},
                 {"soort", row.column_text(2)},
                 {"afzenderOin", row.column_text(3)},
                 {"ontvangenOp", row.column_text(4)},
                 {"gemeentecode", row.column_text(5)},
                 {"inhoud", std::move(content)}};
    return bj::serialize(o);
  });
}

namespace {
/// Why a push to `m` (nullopt: no registry record valid today) is held, or
/// "" when it may be sent.
std::string hold_reason(const std::optional<municipality_record>& m) {
  if (!m) return "not_in_registry";
  switch (domain::push_target_of(m->status, m->push_endpoint)) {
    case domain::push_target::push:
    case domain::push_target::endpoint_invalid: return "";  // the attempt fails and is retried as before
    case domain::push_target::no_endpoint: return "no_endpoint";
    case domain::push_target::not_connected: break;
  }
  if (m->status == domain::municipality_status::suspended) return "suspended";
  if (m->status == domain::municipality_status::disconnected) return "disconnected";
  return "not_connected";
}
}  // namespace

result<push_start> begin_push(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                              sys_time now, sys_time recheck_at) {
  auto found = find_outbox_item(tx, bericht_id);
  if (!found) return found.error();
  if (!*found || (*found)->status != "WACHTEND") return push_start::not_pending;
  const outbox_item& item = **found;
  auto m = find_municipality(tx, item.gemeentecode, day_of(now));
  if (!m) return m.error();
  const std::string reason = hold_reason(*m);
  if (!reason.empty()) {
    const bool first = item.held_at.empty();
    auto st = tx.prepare(
        "UPDATE uitgaande_berichten SET volgende_poging_op = ?, "
        "vastgehouden_op = CASE WHEN vastgehouden_op = '' THEN ? ELSE vastgehouden_op END, "
        "laatste_fout = ? WHERE bericht_id = ? AND status = 'WACHTEND'");
    if (!st) return st.error();
    st->bind(1, stamp(recheck_at)).bind(2, stamp(now)).bind(3, "held:" + reason).bind(4, bericht_id);
    if (auto r = st->run(); !r) return r.error();
    if (first)
      if (auto a = audit(tx, who, "delivery.push.hold", bericht_id, "held:" + reason, now); !a)
        return a.error();
    return push_start::held;
  }
  if (!item.held_at.empty()) {
    auto st = tx.prepare(
        "UPDATE uitgaande_berichten SET vastgehouden_op = '', laatste_fout = '' WHERE bericht_id = ? AND "
        "status = 'WACHTEND'");
    if (!st) return st.error();
    st->bind(1, bericht_id);
    if (auto r = st->run(); !r) return r.error();
    if (auto a = audit(tx, who, "delivery.push.resume", bericht_id, "success", now); !a) return a.error();
  }
  if (auto a = audit(tx, who, "delivery.push.attempt", bericht_id, "started", now); !a) return a.error();
  return push_start::send;
}

result<void> record_push_delivered(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                                   sys_time now) {
  auto st = tx.prepare(
      "UPDATE uitgaande_berichten SET status = 'AFGELEVERD', pogingen = pogingen + 1, afgeleverd_op = ?, "
      "laatste_fout = '' WHERE bericht_id = ? AND status = 'WACHTEND'");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, bericht_id);
  if (auto r = st->run(); !r) return r;
  auto ref = person_ref_of_entry(tx, bericht_id);
  if (!ref) return ref.error();
  return audit(tx, who, "delivery.push", bericht_id, "success", now, *ref);
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
  auto ref = person_ref_of_entry(tx, bericht_id);
  if (!ref) return ref.error();
  return audit(tx, who, "delivery.push", bericht_id, "failed:gave_up", now, *ref);
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
  requeue_outcome out;
  auto found = find_outbox_item(tx, bericht_id);
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
  const auto target =
      *m ? domain::push_target_of((*m)->status, (*m)->push_endpoint) : domain::push_target::not_connected;
  if (out.item.status != "OPGEGEVEN")
    out.what = kind::not_given_up;
  else if (target == domain::push_target::not_connected)
    out.what = kind::not_connected;
  else if (target == domain::push_target::no_endpoint)
    out.what = kind::no_endpoint;
  else if (target == domain::push_target::endpoint_invalid)
    out.what = kind::endpoint_invalid;
  else
    out.what = kind::requeued;
  if (out.what != kind::requeued) {
    const std::string reason = out.what == kind::not_given_up    ? "denied:not_given_up"
                               : out.what == kind::not_connected ? "denied:not_connected"
                               : out.what == kind::no_endpoint   ? "denied:no_endpoint"
                                                                 : "denied:endpoint_invalid";
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
  auto after = find_outbox_item(tx, bericht_id);
  if (!after) return after.error();
  if (!*after) return make_error_code(error::corrupt);
  out.item = std::move(**after);
  return out;
}

}  // namespace poort::store
