#include "daemon/audit_anchor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string_view>

#include "common/log.hpp"

namespace poort::daemon {
namespace {

void log_head(const result<store::audit_anchor>& head) {
  if (!head) {
    log::warn("audit.anchor_failed", {{"error", head.error().message()}});
    return;
  }
  log::notice("audit.anchor", {{"seq", head->seq}, {"hash", head->hash}});
}

/// The anchor of one line that names "audit.anchor": none when the line is
/// JSON about something else; an error message when it is malformed.
std::expected<std::optional<store::audit_anchor>, std::string> anchor_of(std::string_view line) {
  const std::size_t brace = line.find('{');
  if (brace == std::string_view::npos)
    return std::unexpected("mentions audit.anchor but holds no JSON object");
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line.substr(brace), ec);
  if (ec || !v.is_object()) return std::unexpected("mentions audit.anchor but is not one JSON object");
  const boost::json::object& o = v.get_object();
  const auto* event = o.if_contains("event");
  if (event == nullptr || !event->is_string() || event->get_string() != "audit.anchor") return std::nullopt;

  store::audit_anchor a;
  const auto* seq = o.if_contains("seq");
  if (seq != nullptr && seq->is_uint64())
    a.seq = seq->get_uint64();
  else if (seq != nullptr && seq->is_int64() && seq->get_int64() >= 0)
    a.seq = static_cast<std::uint64_t>(seq->get_int64());
  else
    return std::unexpected("audit.anchor without a non-negative integer seq");
  const auto* hash = o.if_contains("hash");
  if (hash == nullptr || !hash->is_string()) return std::unexpected("audit.anchor without a hash");
  a.hash = std::string{hash->get_string()};
  if (!store::is_well_formed(a)) return std::unexpected("audit.anchor with a malformed seq or hash");
  return a;
}

}  // namespace

void log_audit_anchor(store::database& db) {
  log_head(db.read([](store::reader& r) { return store::audit_head(r); }));
}

void log_audit_anchor(const std::filesystem::path& database_file) {
  log_head(store::audit_head(database_file));
}

audit_anchor_timer::audit_anchor_timer(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                                       store::database& db, std::chrono::milliseconds interval)
    : job_(io, workers, interval, [&db] { log_audit_anchor(db); }) {}

std::expected<std::vector<store::audit_anchor>, std::string> parse_audit_anchors(std::istream& in) {
  std::set<store::audit_anchor> found;
  std::string buf(max_anchor_file_line + 1, '\0');  // getline stores at most size - 1 characters
  for (std::size_t number = 1;; ++number) {
    in.getline(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) return std::unexpected("cannot read line " + std::to_string(number));
    const auto extracted = static_cast<std::size_t>(in.gcount());
    if (in.eof() && extracted == 0) break;
    if (in.fail() && !in.eof())
      return std::unexpected("line " + std::to_string(number) + " is longer than " +
                             std::to_string(max_anchor_file_line) + " bytes");
    // The newline was extracted (and counted) unless the last line lacks one.
    std::string_view line(buf.data(), in.eof() ? extracted : extracted - 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find("\"audit.anchor\"") != std::string_view::npos) {
      auto anchor = anchor_of(line);
      if (!anchor) return std::unexpected("line " + std::to_string(number) + ": " + anchor.error());
      if (*anchor) found.insert(std::move(**anchor));
      if (found.size() > max_anchor_file_anchors)
        return std::unexpected("more than " + std::to_string(max_anchor_file_anchors) + " distinct anchors");
    }
    if (in.eof()) break;
  }
  return std::vector<store::audit_anchor>(found.begin(), found.end());
}

}  // namespace poort::daemon
