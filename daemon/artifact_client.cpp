#include "daemon/artifact_client.hpp"

#include "common/log.hpp"

namespace poort::daemon {

result<artifact_client> artifact_client::create(const config::saml& saml) {
  artifact_client c;
  for (const auto& idp : saml.identity_providers) {
    auto client = https_client::create({.purpose = "saml.ars:" + idp.name,
                                        .client_certificate = saml.tls_client_certificate,
                                        .client_key = saml.tls_client_key,
                                        .ca_bundle = idp.artifact_resolution_ca,
                                        .crl_files = {}});
    if (!client) {
      log::error("saml.ars_tls_config_failed", {{"idp", idp.name}});
      return client.error();
    }
    c.clients_.emplace(idp.name, std::make_shared<const https_client>(std::move(*client)));
  }
  return c;
}

result<std::string> artifact_client::post(const auth::soap_call& call) const {
  auto client = clients_.find(call.idp);
  if (client == clients_.end() || !call.url.starts_with("https://")) {
    log::warn("saml.ars_call_refused", {{"idp", call.idp}, {"reason", "unknown IdP or not an https URL"}});
    return make_error_code(common_error::invalid_argument);
  }
  https_request req{.url = call.url,
                    .content_type = call.content_type + "; charset=utf-8",
                    .headers = {},
                    .body = call.body};
  if (call.content_type == "text/xml")
    req.headers.emplace_back("SOAPAction", "\"http://www.oasis-open.org/committees/security\"");
  auto res = client->second->post(
      req,
      {.timeout = total_timeout, .max_response_bytes = max_response_bytes, .public_addresses_only = false});

  const auto failed = [&](std::string_view step, std::string_view reason, unsigned status,
                          std::string_view verify, common_error result) -> error_code {
    log::warn(
        "saml.ars_call_failed",
        {{"idp", call.idp}, {"step", step}, {"reason", reason}, {"status", status}, {"verify", verify}});
    return make_error_code(result);
  };
  if (!res) {
    const https_failure& f = res.error();
    if (f.step == https_step::url) {
      log::warn("saml.ars_call_refused", {{"idp", call.idp}, {"reason", "unknown IdP or not an https URL"}});
      return make_error_code(common_error::invalid_argument);
    }
    if (f.timed_out) return failed(to_string(f.step), "timeout", 0, f.verify, common_error::io_error);
    if (f.too_large)
      return failed(to_string(f.step), "response_too_large", 0, "", common_error::limit_exceeded);
    return failed(to_string(f.step), f.detail, 0, f.verify, common_error::io_error);
  }
  if (res->status != 200) return failed("read", "http_status", res->status, "", common_error::io_error);
  const std::string_view type = std::string_view(res->content_type).substr(0, res->content_type.find(';'));
  if (type != "text/xml" && type != "application/soap+xml")
    return failed("read", "content_type", res->status, "", common_error::io_error);
  return std::move(res->body);
}

}  // namespace poort::daemon
