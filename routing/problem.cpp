#include "routing/problem.hpp"

#include <boost/json.hpp>

#include "common/log.hpp"

namespace poort::routing {

response make_problem_response(unsigned http_version, const problem& p, std::string_view request_id) {
  boost::json::object body;
  body["type"] = "urn:poort:problem:" + p.code;
  body["title"] = p.title;
  body["status"] = p.status;
  body["code"] = p.code;
  if (!p.detail.empty()) body["detail"] = p.detail;
  if (!request_id.empty()) body["instance"] = "urn:poort:request:" + std::string(request_id);
  if (!p.invalid_params.empty()) {
    boost::json::array params;
    for (const auto& ip : p.invalid_params) params.push_back({{"pointer", ip.pointer}, {"code", ip.code}});
    body["invalidParams"] = std::move(params);
  }
  response res{static_cast<http::status>(p.status), http_version};
  res.set(http::field::content_type, "application/problem+json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

response make_problem_response(const request& req, const problem& p, std::string_view request_id) {
  auto res = make_problem_response(req.version(), p, request_id);
  res.keep_alive(req.keep_alive());
  return res;
}

response store_failure_response(const request& req, std::string_view request_id, std::string_view event,
                                const error_code& ec) {
  log::error(event, {{"request_id", request_id}, {"error", ec.message()}});
  if (condition_of(ec) == condition::unavailable)
    return make_problem_response(
        req, {503, "store_unavailable", "Niet beschikbaar", "De opslag is tijdelijk niet beschikbaar.", {}},
        request_id);
  return make_problem_response(
      req, {500, "internal_error", "Interne fout", "Het verzoek kon niet worden verwerkt.", {}}, request_id);
}

}  // namespace poort::routing
