#include "store/registry_import.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "domain/identifiers.hpp"
#include "store/audit.hpp"
#include "store/error.hpp"

namespace poort::store {
namespace {

constexpr std::array<std::string_view, 7> header{"gemeentecode", "naam",       "kvk",       "rsin",
                                                 "oin",          "geldig_van", "geldig_tot"};
constexpr std::size_t max_reported = 100;
constexpr std::size_t max_field_bytes = 1000;

struct csv_record {
  std::size_t line = 0;  // where the record starts
  std::vector<std::string> fields;
};

/// Splits RFC 4180 text into records. Failure: one problem (unterminated
/// quote, a quote inside an unquoted field, text after a closing quote).
std::expected<std::vector<csv_record>, csv_problem> split(std::string_view text) {
  std::vector<csv_record> out;
  std::size_t line = 1;
  std::size_t i = 0;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;  // a UTF-8 byte order mark
  while (i < text.size()) {
    csv_record rec{line, {}};
    std::string field;
    bool done = false;
    while (!done) {
      if (i < text.size() && text[i] == '"') {  // a quoted field
        const std::size_t started = line;
        ++i;
        for (;;) {
          if (i >= text.size()) return std::unexpected(csv_problem{started, "unterminated quoted field"});
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n')
          return std::unexpected(csv_problem{line, "text after a closing quote"});
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          if (text[i] == '"') return std::unexpected(csv_problem{line, "quote inside an unquoted field"});
          field += text[i++];
        }
      }
      if (field.size() > max_field_bytes) return std::unexpected(csv_problem{line, "field too long"});
      rec.fields.push_back(std::move(field));
      field.clear();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      done = true;
    }
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
    if (out.size() > max_registry_rows + 1) return std::unexpected(csv_problem{0, "more than 10000 rows"});
  }
  return out;
}

bool valid_day(std::string_view s) {
  return s.size() == 10 && parse_date(s).has_value() && format_rfc3339(*parse_date(s)).substr(0, 10) == s;
}

/// 1..200 bytes, valid-looking UTF-8 text without control characters.
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  if (s.front() == ' ' || s.back() == ' ') return false;
  return std::ranges::none_of(s, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

/// Whether [a_from, a_to) and [b_from, b_to) overlap; "" = open-ended.
bool overlaps(const municipality_record& a, const municipality_record& b) {
  const bool a_before_b = !a.geldig_tot.empty() && a.geldig_tot <= b.geldig_van;
  const bool b_before_a = !b.geldig_tot.empty() && b.geldig_tot <= a.geldig_van;
  return !a_before_b && !b_before_a;
}

}  // namespace

std::expected<std::vector<registry_row>, std::vector<csv_problem>> parse_registry_csv(std::string_view text,
                                                                                      bool allow_test_oins) {
  std::vector<csv_problem> problems;
  const auto problem = [&](std::size_t line, std::string message) {
    if (problems.size() < max_reported) problems.push_back({line, std::move(message)});
  };
  if (text.size() > max_registry_csv_bytes) {
    problem(0, "the file is larger than 4 MiB");
    return std::unexpected(std::move(problems));
  }
  auto records = split(text);
  if (!records) {
    problem(records.error().line, records.error().message);
    return std::unexpected(std::move(problems));
  }
  if (records->empty()) {
    problem(1, "the header is missing");
    return std::unexpected(std::move(problems));
  }
  const auto& head = records->front();
  if (!std::ranges::equal(head.fields, header)) {
    problem(head.line, "the header must be: gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot");
    return std::unexpected(std::move(problems));
  }
  if (records->size() == 1) problem(head.line, "the file has no rows");

  std::vector<registry_row> out;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const auto& rec = (*records)[r];
    if (rec.fields.size() != header.size()) {
      problem(rec.line, "expected 7 fields, found " + std::to_string(rec.fields.size()));
      continue;
    }
    const std::size_t before = problems.size();
    municipality_record m;
    m.gemeentecode = rec.fields[0];
    m.naam = rec.fields[1];
    m.kvk = rec.fields[2];
    m.rsin = rec.fields[3];
    m.oin = rec.fields[4];
    m.geldig_van = rec.fields[5];
    m.geldig_tot = rec.fields[6];
    if (!domain::validate_gemeentecode(m.gemeentecode))
      problem(rec.line, "gemeentecode: must be GM + 4 digits");
    if (!valid_name(m.naam))
      problem(rec.line, "naam: 1-200 characters without control characters or edge spaces");
    if (!m.kvk.empty() && !domain::validate_kvk(m.kvk)) problem(rec.line, "kvk: must be 8 digits");
    if (!m.rsin.empty() && !domain::validate_rsin(m.rsin))
      problem(rec.line, "rsin: must be 9 digits passing the eleven-test");
    if (m.kvk.empty() && m.rsin.empty()) problem(rec.line, "kvk or rsin is required");
    if (!m.oin.empty()) {
      if (!domain::validate_oin(m.oin)) {
        problem(rec.line, "oin: not a valid OIN");
      } else if (!allow_test_oins && domain::is_test_oin(m.oin)) {
        problem(rec.line,
                "oin: a test OIN (prefix 00000099), refused unless the config sets allow_test_oins");
      }
    } else if (!m.rsin.empty()) {
      if (auto derived = domain::oin_from_rsin(m.rsin)) m.oin = *derived;
    } else {
      problem(rec.line, "oin: required when there is no rsin to derive it from");
    }
    if (!valid_day(m.geldig_van)) problem(rec.line, "geldig_van: must be a date YYYY-MM-DD");
    if (!m.geldig_tot.empty() && !valid_day(m.geldig_tot)) {
      problem(rec.line, "geldig_tot: must be a date YYYY-MM-DD or empty");
    } else if (!m.geldig_tot.empty() && m.geldig_tot <= m.geldig_van) {
      problem(rec.line, "geldig_tot: must be after geldig_van");
    }
    if (problems.size() != before) continue;
    for (const auto& [other_line, o] : out) {
      if (!overlaps(o, m)) continue;
      const std::string other = " as line " + std::to_string(other_line);
      if (o.gemeentecode == m.gemeentecode)
        problem(rec.line, "gemeentecode: overlapping validity with the same code" + other);
      else if (!m.kvk.empty() && o.kvk == m.kvk)
        problem(rec.line, "kvk: the same KvK number, valid at the same time," + other);
      else if (!m.rsin.empty() && o.rsin == m.rsin)
        problem(rec.line, "rsin: the same RSIN, valid at the same time," + other);
      else if (o.oin == m.oin)
        problem(rec.line, "oin: the same OIN, valid at the same time," + other);
    }
    out.push_back({rec.line, std::move(m)});
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return out;
}

result<import_summary> import_registry(database& db, const std::vector<registry_row>& rows,
                                       std::string_view actor, sys_time now) {
  import_summary summary;
  auto ok = db.write([&](transaction& tx) -> result<void> {
    summary = {};
    for (const auto& [line, m] : rows) {
      auto existing = tx.prepare("SELECT 1 FROM gemeenten WHERE gemeentecode = ? AND geldig_van = ?");
      if (!existing) return existing.error();
      existing->bind(1, m.gemeentecode).bind(2, m.geldig_van);
      auto has = existing->step();
      if (!has) return has.error();
      ++(*has ? summary.updated : summary.inserted);
      if (auto up = upsert_municipality(tx, m, now); !up) return up;
    }
    for (const auto& [line, m] : rows) {
      auto st = tx.prepare(
          "SELECT 1 FROM gemeenten WHERE gemeentecode = ? AND geldig_van <> ? "
          "AND (geldig_tot = '' OR geldig_tot > ?) AND (? = '' OR ? > geldig_van) LIMIT 1");
      if (!st) return st.error();
      st->bind(1, m.gemeentecode)
          .bind(2, m.geldig_van)
          .bind(3, m.geldig_van)
          .bind(4, m.geldig_tot)
          .bind(5, m.geldig_tot);
      auto has = st->step();
      if (!has) return has.error();
      if (*has) {
        summary.overlapping_line = line;
        return make_error_code(error::constraint);  // rolls the whole import back
      }
    }
    audit_record rec{"registry.import",
                     "",
                     "success:" + std::to_string(summary.inserted) + "+" + std::to_string(summary.updated),
                     "internal",
                     std::string(actor),
                     "",
                     now};
    if (auto a = append_audit(tx, rec); !a) return a.error();
    return {};
  });
  if (!ok && !summary.overlapping_line) return ok.error();
  if (summary.overlapping_line) summary.inserted = summary.updated = 0;
  return summary;
}

}  // namespace poort::store
