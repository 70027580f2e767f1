#include "store/audit.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/log.hpp"
#include "store/sqlite.hpp"

namespace poort::store {
namespace {

constexpr std::string_view encoding_version = "poort-audit-v1\n";
constexpr std::string_view encoding_version_person = "poort-audit-v2\n";
constexpr std::string_view genesis_hash = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::size_t rfc3339_millis_length = 24;  // "2026-11-29T21:37:05.123Z"

struct field_rule {
  std::string_view name;
  std::string audit_record::*member;
  std::size_t min;
  std::size_t max;
};

constexpr std::array<field_rule, 6> field_rules{{
    {"action", &audit_record::action, 1, 64},
    {"object", &audit_record::object, 0, 256},
    {"result", &audit_record::result, 1, 64},
    {"origin", &audit_record::origin, 1, 128},
    {"actor", &audit_record::actor, 1, 256},
    {"request_id", &audit_record::request_id, 0, 64},
}};

bool printable_ascii(std::string_view s) {
  for (const char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

void append_field(std::string& encoding, std::string_view f) {
  encoding += std::to_string(f.size());
  encoding += ':';
  encoding += f;
  encoding += '\n';
}

/// The chain hash of a record given as stored text (see audit.hpp): v1
/// without a person commitment, v2 with it as a tenth field.
std::string chain_hash(std::string_view seq, std::string_view prev_hash, std::string_view at,
                       std::string_view action, std::string_view object, std::string_view result,
                       std::string_view origin, std::string_view actor, std::string_view request_id,
                       std::string_view commitment) {
  std::string encoding{commitment.empty() ? encoding_version : encoding_version_person};
  for (const std::string_view f : {seq, prev_hash, at, action, object, result, origin, actor, request_id})
    append_field(encoding, f);
  if (!commitment.empty()) append_field(encoding, commitment);
  return sha256_hex(encoding);
}

/// The commitment to a person reference (see audit.hpp).
std::string person_commitment(std::string_view salt, std::string_view ref) {
  std::string encoding{"poort-audit-person\n"};
  append_field(encoding, salt);
  append_field(encoding, ref);
  return sha256_hex(encoding);
}

constexpr std::string_view select_columns =
    "seq, at, action, object, result, origin, actor, request_id, prev_hash, hash, persoon_ref, "
    "persoon_zout, persoon_commitment";
/// The same for a database whose audit_log predates migration 11.
constexpr std::string_view select_columns_v1 =
    "seq, at, action, object, result, origin, actor, request_id, prev_hash, hash, '', '', ''";

/// Reads a row selected with `select_columns`. Failure: corrupt (unparsable time).
result<audit_entry> read_entry(const statement& st) {
  audit_entry e;
  e.seq = static_cast<std::uint64_t>(st.column_int64(0));
  const auto at = parse_rfc3339(st.column_text(1));
  if (!at) {
    log::error("store.audit_corrupt", {{"seq", e.seq}, {"reason", "unparsable time"}});
    return make_error_code(error::corrupt);
  }
  e.record.at = *at;
  e.record.action = st.column_text(2);
  e.record.object = st.column_text(3);
  e.record.result = st.column_text(4);
  e.record.origin = st.column_text(5);
  e.record.actor = st.column_text(6);
  e.record.request_id = st.column_text(7);
  e.prev_hash = st.column_text(8);
  e.hash = st.column_text(9);
  e.person_ref = st.column_text(10);
  e.person_commitment = st.column_text(12);
  return e;
}

/// Walks the chain; `anchors` is sorted, without duplicates, and well formed.
result<verify_report> walk_chain(connection& conn, std::span<const audit_anchor> anchors) {
  auto has_table =
      conn.query_int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_log'");
  if (!has_table) return has_table.error();
  if (*has_table == 0) {
    log::error("store.audit_verify_failed", {{"reason", "no audit_log table"}});
    return make_error_code(error::schema_mismatch);
  }
  auto has_person = conn.query_int64(
      "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'persoon_commitment'");
  if (!has_person) return has_person.error();
  auto st = conn.prepare("SELECT " + std::string{*has_person ? select_columns : select_columns_v1} +
                         " FROM audit_log ORDER BY seq");
  if (!st) return st.error();

  verify_report report;
  std::uint64_t expected_seq = 1;
  std::string expected_prev{genesis_hash};
  auto next_anchor = anchors.begin();
  // Anchors of the empty log (seq 0, the genesis hash) hold for every chain.
  for (; next_anchor != anchors.end() && next_anchor->seq == 0; ++next_anchor) ++report.anchors;
  auto broken = [&](std::uint64_t seq, std::string reason) {
    report.first_bad_seq = seq;
    report.reason = std::move(reason);
    return report;
  };
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto seq = static_cast<std::uint64_t>(st->column_int64(0));
    if (seq != expected_seq)
      return broken(expected_seq, "record " + std::to_string(expected_seq) +
                                      " is missing: the next record has seq " + std::to_string(seq));
    if (st->column_text(8) != expected_prev)
      return broken(seq, seq == 1 ? std::string{"prev_hash is not the chain start"}
                                  : "prev_hash does not match the hash of record " + std::to_string(seq - 1));
    const std::string hash = chain_hash(
        std::to_string(seq), st->column_text(8), st->column_text(1), st->column_text(2), st->column_text(3),
        st->column_text(4), st->column_text(5), st->column_text(6), st->column_text(7), st->column_text(12));
    if (st->column_text(9) != hash) return broken(seq, "hash does not match the record's fields");
    // A person reference still present must be the one committed to; a
    // cleared one (reference and salt empty) leaves the commitment alone.
    const bool has_ref = !st->column_text(10).empty() || !st->column_text(11).empty();
    if (has_ref && (st->column_text(12).empty() ||
                    person_commitment(st->column_text(11), st->column_text(10)) != st->column_text(12)))
      return broken(seq, "person reference does not match its commitment");
    for (; next_anchor != anchors.end() && next_anchor->seq == seq; ++next_anchor, ++report.anchors)
      if (next_anchor->hash != hash)
        return broken(seq, "hash differs from anchor " + std::to_string(seq) +
                               ": this record or an earlier one was rewritten");
    ++report.records;
    ++expected_seq;
    expected_prev = hash;
  }
  if (next_anchor != anchors.end())
    return broken(expected_seq, "anchor " + std::to_string(next_anchor->seq) +
                                    " is beyond the end of the log (record " +
                                    std::to_string(expected_seq - 1) + "): records were cut from the tail");
  report.ok = true;
  return report;
}

}  // namespace

bool is_well_formed(const audit_anchor& a) {
  const bool hex = a.hash.size() == genesis_hash.size() && std::ranges::all_of(a.hash, [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  return hex && (a.seq != 0 || a.hash == genesis_hash) &&
         a.seq <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

result<audit_anchor> audit_head(reader& r) {
  auto st = r.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!st) return st.error();
  auto head = query_one(*st, [](const statement& row) {
    return audit_anchor{static_cast<std::uint64_t>(row.column_int64(0)), row.column_string(1)};
  });
  if (!head) return head.error();
  return head->value_or(audit_anchor{0, std::string{genesis_hash}});
}

result<audit_anchor> audit_head(const std::filesystem::path& database_file) {
  auto conn = connection::open(database_file, connection::access::read_only, std::chrono::seconds{5});
  if (!conn) return conn.error();
  reader r{*conn};
  return audit_head(r);
}

std::string person_reference(std::int64_t index_version, std::string_view bsn_index) {
  return std::to_string(index_version) + ":" + sha256_hex("poort audit person\n" + std::string(bsn_index));
}

result<std::uint64_t> append_audit(transaction& tx, const audit_record& record, std::string_view person_ref) {
  auto refuse = [&tx](std::string_view reason, std::string_view detail) -> error_code {
    log::error("store.audit_write_failed", {{"reason", reason}, {"detail", detail}});
    const error_code ec = make_error_code(error::audit_write_failed);
    tx.fail(ec);
    return ec;
  };
  for (const field_rule& rule : field_rules) {
    const std::string& value = record.*rule.member;
    if (value.size() < rule.min || value.size() > rule.max || !printable_ascii(value))
      return refuse("field out of limits or not printable ASCII", rule.name);
  }
  const std::string at = format_rfc3339(record.at, true);
  if (at.size() != rfc3339_millis_length) return refuse("time out of range", {});

  if (person_ref.size() > 80 || !printable_ascii(person_ref)) return refuse("person reference", {});
  // An empty view may have no data pointer, which SQLite would bind as NULL.
  const std::string ref_text(person_ref);
  std::string salt, commitment;
  if (!person_ref.empty()) {
    std::array<unsigned char, 16> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return refuse("no random salt", {});
    salt = to_hex(std::span<const std::uint8_t>(raw.data(), raw.size()));
    commitment = person_commitment(salt, person_ref);
  }

  const auto head = audit_head(tx);
  if (!head) return refuse("cannot read the chain head", head.error().message());
  const std::uint64_t seq = head->seq + 1;
  const std::string& prev_hash = head->hash;
  const std::string hash =
      chain_hash(std::to_string(seq), prev_hash, at, record.action, record.object, record.result,
                 record.origin, record.actor, record.request_id, commitment);

  auto insert = tx.prepare(
      "INSERT INTO audit_log (seq, at, action, object, result, origin, actor, request_id,"
      " prev_hash, hash, persoon_ref, persoon_zout, persoon_commitment)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return refuse("cannot prepare the insert", insert.error().message());
  insert->bind(1, static_cast<std::int64_t>(seq))
      .bind(2, at)
      .bind(3, record.action)
      .bind(4, record.object)
      .bind(5, record.result)
      .bind(6, record.origin)
      .bind(7, record.actor)
      .bind(8, record.request_id)
      .bind(9, prev_hash)
      .bind(10, hash)
      .bind(11, ref_text)
      .bind(12, salt)
      .bind(13, commitment);
  if (auto r = insert->run(); !r) return refuse("insert refused", r.error().message());
  return seq;
}

result<std::vector<audit_entry>> query_audit_by_person(reader& r, std::span<const std::string> refs,
                                                       std::size_t limit) {
  if (limit < 1 || limit > max_audit_query_limit || refs.empty() || refs.size() > 64)
    return make_error_code(error::invalid_argument);
  std::string sql = "SELECT " + std::string{select_columns} + " FROM audit_log WHERE persoon_ref IN (";
  for (std::size_t i = 0; i < refs.size(); ++i) sql += i == 0 ? "?" : ", ?";
  sql += ") ORDER BY seq DESC LIMIT ?";
  auto st = r.prepare(sql);
  if (!st) return st.error();
  int i = 0;
  for (const auto& ref : refs) st->bind(++i, ref);
  st->bind(++i, static_cast<std::int64_t>(limit));
  return collect_rows(*st, read_entry);
}

result<std::vector<std::pair<std::int64_t, std::int64_t>>> count_audit_person_refs(reader& r) {
  auto st = r.prepare(
      "SELECT CAST(substr(persoon_ref, 1, instr(persoon_ref, ':') - 1) AS INTEGER) AS v, count(*) FROM "
      "audit_log "
      "WHERE persoon_ref <> '' GROUP BY v ORDER BY v");
  if (!st) return st.error();
  return collect_rows(*st, [](const statement& row) {
    return std::pair{row.column_int64(0), row.column_int64(1)};
  });
}

result<std::size_t> clear_audit_person_refs(transaction& tx, sys_time before, const audit_identity& who,
                                            sys_time now) {
  const std::string cutoff = format_rfc3339(before, true);
  auto newest =
      tx.prepare("SELECT coalesce(max(seq), 0), count(*) FROM audit_log WHERE persoon_ref <> '' AND at < ?");
  if (!newest) return newest.error();
  newest->bind(1, cutoff);
  auto has = newest->step();
  if (!has) return has.error();
  const std::int64_t last = newest->column_int64(0);
  const auto count = static_cast<std::size_t>(newest->column_int64(1));
  if (count == 0) return count;
  auto up = tx.prepare(
      "UPDATE audit_log SET persoon_ref = '', persoon_zout = '' WHERE persoon_ref <> '' AND at < ?");
  if (!up) return up.error();
  up->bind(1, cutoff);
  if (auto ok = up->run(); !ok) return ok.error();
  auto rec =
      make_audit_record("audit.person_refs.clear", "audit:" + std::to_string(last), "success", who, now);
  if (auto a = append_audit(tx, rec); !a) return a.error();
  return count;
}

result<verify_report> verify_audit_chain(const std::filesystem::path& database_file,
                                         std::span<const audit_anchor> anchors) {
  if (!std::ranges::all_of(anchors, is_well_formed)) return make_error_code(error::invalid_argument);
  std::vector<audit_anchor> sorted(anchors.begin(), anchors.end());
  std::ranges::sort(sorted);
  sorted.erase(std::ranges::unique(sorted).begin(), sorted.end());

  auto conn = connection::open(database_file, connection::access::read_only, std::chrono::seconds{5});
  if (!conn) return conn.error();
  if (auto r = conn->exec("BEGIN"); !r) return r.error();
  auto report = walk_chain(*conn, sorted);
  (void)conn->exec("ROLLBACK");
  if (report && !report->ok)
    log::warn("store.audit_chain_broken",
              {{"first_bad_seq", *report->first_bad_seq}, {"reason", report->reason}});
  return report;
}

result<std::vector<audit_entry>> query_audit(reader& r, const audit_filter& filter) {
  const bool valid =
      filter.limit >= 1 && filter.limit <= max_audit_query_limit && filter.actor.size() <= 256 &&
      filter.object.size() <= 256 && filter.object_prefix.size() <= 256 && filter.action.size() <= 64 &&
      filter.before_seq.value_or(0) <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!valid) return make_error_code(error::invalid_argument);

  // Only the filters in use go into the statement, each a plain comparison,
  // so that SQLite can walk an (action|actor|object, seq) index newest first.
  std::string sql = "SELECT " + std::string{select_columns} + " FROM audit_log WHERE 1";
  std::vector<std::string> values;  // bound in the order of their conditions
  const auto add = [&](std::string_view condition, std::string value) {
    sql += condition;
    values.push_back(std::move(value));
  };
  if (!filter.actor.empty()) add(" AND actor = ?", filter.actor);
  if (!filter.object.empty()) add(" AND object = ?", filter.object);
  if (!filter.object_prefix.empty())
    add(" AND substr(object, 1, " + std::to_string(filter.object_prefix.size()) + ") = ?",
        filter.object_prefix);
  if (!filter.action.empty()) add(" AND action = ?", filter.action);
  if (filter.from) add(" AND at >= ?", format_rfc3339(*filter.from, true));
  if (filter.until) add(" AND at < ?", format_rfc3339(*filter.until, true));
  if (filter.before_seq) sql += " AND seq < ?";
  sql += " ORDER BY seq DESC LIMIT ?";

  auto st = r.prepare(sql);
  if (!st) return st.error();
  int i = 0;
  for (const auto& v : values) st->bind(++i, v);
  if (filter.before_seq) st->bind(++i, static_cast<std::int64_t>(*filter.before_seq));
  st->bind(++i, static_cast<std::int64_t>(filter.limit));

  return collect_rows(*st, read_entry);
}

}  // namespace poort::store
