#include "store/deliveries.hpp"

#include "store/detail/delivery_rows.hpp"
#include "store/error.hpp"

namespace poort::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the deliveries store's own helpers

result<std::vector<purge_candidate>> purge_candidates(reader& r, sys_time now, std::size_t limit) {
  auto st = r.prepare(
      "SELECT bericht_id, gemeentecode, soort, wissen_na FROM postvak WHERE gewist_op = '' AND wissen_na <= "
      "? "
      "ORDER BY wissen_na, volgnummer LIMIT ?");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, static_cast<std::int64_t>(limit));
  return collect_rows(*st, [](const statement& row) {
    return purge_candidate{row.column_string(0), row.column_string(1), kind_column(row, 2),
                           row.column_string(3)};
  });
}

result<std::vector<std::string>> purge_expired(transaction& tx, sys_time now, const audit_identity& who,
                                               std::size_t limit) {
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  auto due = purge_candidates(tx, now, limit);
  if (!due) return due.error();
  std::vector<std::string> purged;
  auto obsolete = tx.prepare(
      "UPDATE uitgaande_berichten SET status = 'VERVALLEN', volgende_poging_op = ?, laatste_fout = "
      "'content_purged' WHERE bericht_id = ? AND status = 'WACHTEND'");
  if (!obsolete) return obsolete.error();
  for (const auto& c : *due) {
    auto ref = person_ref_of_entry(tx, c.bericht_id);  // before the purge empties the index
    if (!ref) return ref.error();
    if (auto r = purge_entry(tx, c.bericht_id, "BEWAARTERMIJN", "", now); !r) return r.error();
    // A push still waiting (or held) for it has nothing left to send.
    obsolete->reset();
    obsolete->bind(1, stamp(now)).bind(2, c.bericht_id);
    if (auto r = obsolete->run(); !r) return r.error();
    if (auto a = audit(tx, who, "delivery.purge", c.bericht_id, "success", now, *ref); !a) return a.error();
    purged.push_back(c.bericht_id);
  }
  return purged;
}

result<std::size_t> purge_expired_withdrawals(transaction& tx, sys_time now, const audit_identity& who,
                                              std::size_t limit) {
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  auto st = tx.prepare(
      "SELECT bericht_id FROM intrekkingen WHERE wissen_na <> '' AND wissen_na <= ? ORDER BY wissen_na, "
      "bericht_id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, static_cast<std::int64_t>(limit));
  auto due = collect_rows(*st, [](const statement& row) { return row.column_string(0); });
  if (!due) return due.error();
  auto del = tx.prepare("DELETE FROM intrekkingen WHERE bericht_id = ?");
  if (!del) return del.error();
  for (const auto& id : *due) {
    del->reset();
    del->bind(1, id);
    if (auto r = del->run(); !r) return r.error();
    if (auto a = audit(tx, who, "delivery.withdrawal.purge", id, "success", now); !a) return a.error();
  }
  return due->size();
}

result<purge_counts> count_purge_due(reader& r, sys_time now) {
  auto st = r.prepare(
      "SELECT (SELECT count(*) FROM postvak WHERE gewist_op = '' AND wissen_na <= ?1), "
      "(SELECT count(*) FROM intrekkingen WHERE wissen_na <> '' AND wissen_na <= ?1), "
      "(SELECT count(*) FROM uitgaande_berichten u JOIN leveringen l ON l.bericht_id = u.bericht_id "
      "JOIN postvak p ON p.volgnummer = l.volgnummer WHERE u.status = 'WACHTEND' AND p.gewist_op = '' "
      "AND p.wissen_na <= ?1)");
  if (!st) return st.error();
  st->bind(1, stamp(now));
  auto has = st->step();
  if (!has) return has.error();
  if (!*has) return make_error_code(error::corrupt);
  return purge_counts{st->column_int64(0), st->column_int64(1), st->column_int64(2)};
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
