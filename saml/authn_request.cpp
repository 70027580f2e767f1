#include "saml/authn_request.hpp"

#include <zlib.h>

#include <openssl/evp.h>

#include "common/encoding.hpp"
#include "saml/artifact.hpp"
#include "saml/xml.hpp"

namespace poort::saml {
namespace {

constexpr std::size_t max_relay_state = 80;

std::string request_xml(const authn_request_params& p, const std::string& id, const clock& clock) {
  std::string xml =
      "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
      id + "\" Version=\"2.0\" IssueInstant=\"" + format_rfc3339(clock.now()) + "\" Destination=\"" +
      xml_escape(p.destination) +
      "\" ForceAuthn=\"true\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\" "
      "AssertionConsumerServiceURL=\"" +
      xml_escape(p.acs_url) + "\"";
  if (p.attribute_consuming_service_index)
    xml += " AttributeConsumingServiceIndex=\"" + std::to_string(*p.attribute_consuming_service_index) + "\"";
  xml += "><saml:Issuer>" + xml_escape(p.sp_entity_id) + "</saml:Issuer>";
  if (p.requested_assurance)
    xml += "<samlp:RequestedAuthnContext Comparison=\"minimum\"><saml:AuthnContextClassRef>" +
           std::string{assurance_urn(*p.requested_assurance)} +
           "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>";
  return xml + "</samlp:AuthnRequest>";
}

// Raw DEFLATE (RFC 1951), as the Redirect binding requires.
std::optional<std::string> deflate_raw(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> rsa_sha256_sign(EVP_PKEY* key, std::string_view data) {
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    return std::nullopt;
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return std::nullopt;
  sig.resize(len);
  return sig;
}

}  // namespace

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

result<authn_request> build_authn_request_post(const authn_request_params& params, const signing_key& key,
                                               random& rng, const clock& clock) {
  authn_request out;
  out.id = new_message_id(rng);
  auto signed_xml = sign_document(request_xml(params, out.id, clock), key,
                                  key.key_name().empty() ? key_info::none : key_info::key_name);
  if (!signed_xml) return signed_xml.error();
  out.xml = std::move(*signed_xml);
  return out;
}

std::string post_form_value(std::string_view xml) { return base64_encode(xml); }

result<redirect_request> build_authn_request_redirect(const authn_request_params& params,
                                                      std::string_view relay_state, const signing_key& key,
                                                      random& rng, const clock& clock) {
  if (relay_state.size() > max_relay_state) return error::malformed;
  if (EVP_PKEY_get_base_id(key.private_key()) != EVP_PKEY_RSA) return error::key_invalid;
  redirect_request out;
  out.id = new_message_id(rng);
  out.xml = request_xml(params, out.id, clock);
  const auto deflated = deflate_raw(out.xml);
  if (!deflated) return error::key_invalid;
  std::string query = "SAMLRequest=" + url_encode(base64_encode(*deflated));
  if (!relay_state.empty()) query += "&RelayState=" + url_encode(relay_state);
  query += "&SigAlg=" + url_encode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  const auto signature = rsa_sha256_sign(key.private_key(), query);
  if (!signature) return error::key_invalid;
  query += "&Signature=" + url_encode(base64_encode(*signature));
  out.url = params.destination + (params.destination.find('?') == std::string::npos ? "?" : "&") + query;
  return out;
}

}  // namespace poort::saml
