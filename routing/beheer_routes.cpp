// The administrators' routes that belong to no single area (issue 6), on the
// portal listener, JSON under /api/v1/beheer (api/beheer.openapi.json):
//
//   GET  /api/v1/beheer/auditregels?actie=&object=&actor=&van=&tot=&na=&limiet=
//        the audit trail, newest first, with cursor paging; the search is
//        itself audited ("audit.search") in the same transaction.
//   POST /api/v1/beheer/uitgaande-berichten/{berichtId}/nieuwe-poging
//        puts a push that gave up back in the queue (202), audited
//        ("delivery.push.requeue"); 409 when it had not given up.
//
// Only an administrator (access::administrator) reaches them; the dispatcher
// has checked the session and, on the POST, the CSRF token.

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <expected>
#include <limits>

#include "common/log.hpp"
#include "domain/error.hpp"
#include "domain/identifiers.hpp"
#include "routing/app.hpp"
#include "routing/areas.hpp"
#include "routing/delivery_routes.hpp"
#include "store/audit.hpp"
#include "store/deliveries.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

constexpr std::size_t default_audit_page = 50;
constexpr std::size_t max_audit_page = 200;

response problem_of(const request& req, const request_context& ctx, const problem& p) {
  return make_problem_response(req, p, ctx.request_id);
}

response unavailable(const request& req, const request_context& ctx) {
  return problem_of(req, ctx, problem::service_unavailable());
}

response store_failure(const request& req, const request_context& ctx, std::string_view event,
                       const error_code& ec) {
  return store_failure_response(req, ctx.request_id, event, ec);
}

json::value or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// --- audit search -----------------------------------------------------------------

/// The filter of a search's query string, or the 400 that refuses it (every
/// bad parameter as "/query/<name>" with a domain reason code).
std::expected<store::audit_filter, problem> audit_filter_of(const request& req) {
  problem bad = problem::invalid_query();
  const auto refuse = [&](std::string_view name, domain::error e) {
    bad.invalid_params.push_back({"/query/" + std::string(name), std::string(domain::reason_code(e))});
  };
  store::audit_filter f;
  f.limit = default_audit_page;
  auto url = boost::urls::parse_origin_form(std::string_view(req.target().data(), req.target().size()));
  if (!url) return std::unexpected(std::move(bad));
  for (const auto& p : url->params()) {
    const std::string& v = p.value;
    const auto text = [&](std::string& out, std::size_t max) {
      if (v.empty()) return;  // an empty form field: no filter
      if (v.size() > max)
        refuse(p.key, domain::error::value_too_long);
      else if (!printable_ascii(v))
        refuse(p.key, domain::error::value_invalid_characters);
      else
        out = v;
    };
    const auto time = [&](std::optional<sys_time>& out) {
      if (v.empty()) return;
      if (auto t = parse_rfc3339(v))
        out = *t;
      else
        refuse(p.key, domain::error::date_invalid);
    };
    const auto number = [&](std::uint64_t min, std::uint64_t max) -> std::optional<std::uint64_t> {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < min || n > max) {
        refuse(p.key, domain::error::number_out_of_range);
        return std::nullopt;
      }
      return n;
    };
    if (p.key == "actie") {
      text(f.action, 64);
    } else if (p.key == "object") {
      text(f.object, 256);
    } else if (p.key == "actor") {
      text(f.actor, 256);
    } else if (p.key == "van") {
      time(f.from);
    } else if (p.key == "tot") {
      time(f.until);
    } else if (p.key == "na") {
      if (!v.empty()) f.before_seq = number(1, std::numeric_limits<std::int64_t>::max());
    } else if (p.key == "limiet") {
      if (auto n = number(1, max_audit_page)) f.limit = *n;
    } else {
      bad.invalid_params.push_back(
          {"/query", std::string(domain::reason_code(domain::error::unknown_field))});
    }
  }
  if (!bad.invalid_params.empty()) return std::unexpected(std::move(bad));
  return f;
}

json::object audit_entry_json(const store::audit_entry& e) {
  const auto& r = e.record;
  return {{"volgnummer", e.seq},   {"tijdstip", format_rfc3339(r.at, true)},
          {"actie", r.action},     {"object", or_null(r.object)},
          {"resultaat", r.result}, {"herkomst", r.origin},
          {"actor", r.actor},      {"requestId", or_null(r.request_id)}};
}

// --- push outbox ---------------------------------------------------------------------

/// The area's handlers and their shared steps.
class beheer_api {
 public:
  explicit beheer_api(const services& s) : s_(s) {}

  response search_audit(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto filter = audit_filter_of(req);
    if (!filter) return problem_of(req, ctx, filter.error());
    // One more than the page, to know whether there is a next one.
    const std::size_t page = filter->limit;
    ++filter->limit;
    const auto who = audit_identity_of(ctx);
    const sys_time now = s_.clock->now();
    std::vector<store::audit_entry> found;
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto entries = store::query_audit(tx, *filter);
      if (!entries) return entries.error();
      found = std::move(*entries);
      auto audited =
          store::append_audit(tx, store::make_audit_record("audit.search", "", "success", who, now));
      if (!audited) return audited.error();
      return {};
    });
    if (!written) return store_failure(req, ctx, "audit.search_failed", written.error());
    const bool more = found.size() > page;
    if (more) found.resize(page);
    json::array items;
    for (const auto& e : found) items.push_back(audit_entry_json(e));
    json::object out{{"auditregels", std::move(items)},
                     {"volgende", more ? json::value(found.back().seq) : json::value(nullptr)}};
    return make_json_response(req, http::status::ok, json::serialize(out));
  }

  response requeue_push(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    const problem not_found =
        problem::not_found("Er is geen uitgaand bericht met dit berichtId. Controleer het berichtId.");
    auto id = domain::normalize_uuid(ctx.param("berichtId"));
    if (!id) return problem_of(req, ctx, not_found);
    const auto who = audit_identity_of(ctx);
    const sys_time now = s_.clock->now();
    store::requeue_outcome outcome;
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto r = store::requeue_push(tx, *id, who, now);
      if (!r) return r.error();
      outcome = std::move(*r);
      return {};
    });
    if (!written) return store_failure(req, ctx, "outbox.requeue_failed", written.error());
    using kind = store::requeue_outcome::kind;
    switch (outcome.what) {
      case kind::not_found: return problem_of(req, ctx, not_found);
      case kind::not_given_up: return problem_of(req, ctx, problem::push_not_given_up());
      case kind::not_connected: return problem_of(req, ctx, problem::push_not_connected());
      case kind::no_endpoint: return problem_of(req, ctx, problem::push_endpoint_missing());
      case kind::endpoint_invalid: return problem_of(req, ctx, problem::push_endpoint_invalid());
      case kind::requeued: break;
    }
    log::info("outbox.requeued", {{"request_id", ctx.request_id}, {"bericht_id", *id}});
    if (s_.delivery && s_.delivery->push_queued) s_.delivery->push_queued();
    return make_json_response(req, http::status::accepted, json::serialize(outbox_item_json(outcome.item)));
  }

 private:
  const services& s_;
};

}  // namespace

void add_beheer_routes(router& r, const services& s) {
  // The api object lives as long as the handlers that share it.
  auto api = std::make_shared<const beheer_api>(s);
  r.add({.name = "beheer.audit.search",
         .method = http::verb::get,
         .pattern = "/api/v1/beheer/auditregels",
         .listeners = on_portal,
         .who = access::administrator,
         .blocking = true,
         .handle = [api](const request& req, request_context& ctx) { return api->search_audit(req, ctx); }});
  r.add({.name = "beheer.outbox.requeue",
         .method = http::verb::post,
         .pattern = "/api/v1/beheer/uitgaande-berichten/{berichtId}/nieuwe-poging",
         .listeners = on_portal,
         .who = access::administrator,
         .blocking = true,
         .handle = [api](const request& req, request_context& ctx) { return api->requeue_push(req, ctx); }});
}

}  // namespace poort::routing
