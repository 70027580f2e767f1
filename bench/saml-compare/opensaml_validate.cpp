// Shibboleth's OpenSAML 3 (Debian libsaml12 / xmltooling 10) doing what the
// Shibboleth SP's SAML 2 POST consumer does with a response, per iteration:
// parse it (the non-validating ParserPool, the SP's default), unmarshall it
// into the SAML object model, check the top-level Assertion's signature
// against the SAML signature profile (SignatureProfileValidator) and verify
// it through an ExplicitKeyTrustEngine with a File CredentialResolver that
// holds the IdP certificate, loaded once; then the cheap SAML checks: Issuer,
// Audience, Conditions time window and the bearer confirmation's Recipient
// and InResponseTo. Decryption of EncryptedIDs is not done.
//
//   opensaml_validate FIXTURE IDP_CERT_PEM SECONDS
// prints: RESULT opensaml <iterations> <cpu seconds> <wall seconds>
#include <saml/SAMLConfig.h>
#include <saml/saml2/core/Assertions.h>
#include <saml/saml2/core/Protocols.h>
#include <saml/signature/SignatureProfileValidator.h>
#include <xmltooling/XMLObjectBuilder.h>
#include <xmltooling/XMLToolingConfig.h>
#include <xmltooling/security/CredentialResolver.h>
#include <xmltooling/security/SignatureTrustEngine.h>
#include <xmltooling/signature/Signature.h>
#include <xmltooling/util/ParserPool.h>
#include <xmltooling/util/XMLHelper.h>

#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/framework/Wrapper4InputSource.hpp>
#include <xercesc/util/XMLString.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

using namespace opensaml;
using namespace opensaml::saml2;
using namespace opensaml::saml2p;
using namespace xmltooling;
using namespace xercesc;

namespace {

const char* const idp = "urn:etoegang:HM:00000099000000000001:entities:9001";
const char* const sp = "urn:etoegang:DV:00000099000000000002:entities:9000";
const char* const acs = "https://poort.test/saml/acs";
const char* const request_id = "_req-0001";
const time_t at = 1772359200;  // 2026-03-01T10:00:00Z, the fixtures' "now"

double now(clockid_t id) {
  timespec t;
  clock_gettime(id, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

bool equals(const XMLCh* a, const char* b) {
  auto_ptr_XMLCh x(b);
  return XMLString::equals(a, x.get());
}

// One validation; throws (or returns false) when the response is not valid.
bool validate_once(const std::string& xml, const SignatureTrustEngine& trust,
                   const CredentialResolver& creds) {
  MemBufInputSource src(reinterpret_cast<const XMLByte*>(xml.data()), xml.size(), "response", false);
  Wrapper4InputSource dsrc(&src, false);
  DOMDocument* doc = XMLToolingConfig::getConfig().getParser().parse(dsrc);
  XercesJanitor<DOMDocument> doc_janitor(doc);
  std::unique_ptr<XMLObject> obj(XMLObjectBuilder::buildOneFromElement(doc->getDocumentElement(), true));
  doc_janitor.release();  // bound to the object now
  auto* response = dynamic_cast<Response*>(obj.get());
  if (!response || response->getAssertions().size() != 1) return false;
  const saml2::Assertion* assertion = response->getAssertions().front();
  xmlsignature::Signature* sig = assertion->getSignature();
  if (!sig) return false;
  SignatureProfileValidator().validate(sig);
  if (!trust.validate(*sig, creds)) return false;

  if (!assertion->getIssuer() || !equals(assertion->getIssuer()->getName(), idp)) return false;
  const Conditions* conditions = assertion->getConditions();
  if (!conditions || conditions->getNotBeforeEpoch() > at || conditions->getNotOnOrAfterEpoch() <= at)
    return false;
  bool audience = false;
  for (const AudienceRestriction* ar : conditions->getAudienceRestrictions())
    for (const Audience* a : ar->getAudiences()) audience = audience || equals(a->getAudienceURI(), sp);
  if (!audience || !assertion->getSubject()) return false;
  for (const SubjectConfirmation* sc : assertion->getSubject()->getSubjectConfirmations()) {
    auto* data = dynamic_cast<const SubjectConfirmationData*>(sc->getSubjectConfirmationData());
    if (data && XMLString::equals(sc->getMethod(), SubjectConfirmation::BEARER) &&
        equals(data->getRecipient(), acs) && equals(data->getInResponseTo(), request_id) &&
        data->getNotOnOrAfterEpoch() > at)
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: opensaml_validate FIXTURE IDP_CERT_PEM SECONDS\n");
    return 1;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string xml{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const double seconds = std::stod(argv[3]);

  SAMLConfig& config = SAMLConfig::getConfig();
  if (!config.init()) {
    std::fprintf(stderr, "opensaml_validate: cannot initialise OpenSAML\n");
    return 1;
  }
  int rc = 0;
  try {
    const std::string resolver_xml =
        std::string{"<CredentialResolver type=\"File\" certificate=\""} + argv[2] + "\"/>";
    std::istringstream resolver_in(resolver_xml);
    DOMDocument* resolver_doc = XMLToolingConfig::getConfig().getParser().parse(resolver_in);
    XercesJanitor<DOMDocument> janitor(resolver_doc);
    std::unique_ptr<CredentialResolver> creds(
        XMLToolingConfig::getConfig().CredentialResolverManager.newPlugin(
            FILESYSTEM_CREDENTIAL_RESOLVER, resolver_doc->getDocumentElement(), false));
    std::unique_ptr<TrustEngine> engine(
        XMLToolingConfig::getConfig().TrustEngineManager.newPlugin(EXPLICIT_KEY_TRUSTENGINE, nullptr, false));
    auto* trust = dynamic_cast<SignatureTrustEngine*>(engine.get());
    if (!trust) throw std::runtime_error("no signature trust engine");

    for (int i = 0; i < 20; ++i)
      if (!validate_once(xml, *trust, *creds)) throw std::runtime_error("the fixture does not validate");
    const double cpu0 = now(CLOCK_PROCESS_CPUTIME_ID), wall0 = now(CLOCK_MONOTONIC);
    long n = 0;
    do {
      for (int i = 0; i < 20; ++i, ++n)
        if (!validate_once(xml, *trust, *creds)) throw std::runtime_error("the fixture stopped validating");
    } while (now(CLOCK_MONOTONIC) - wall0 < seconds);
    std::printf("RESULT opensaml %ld %.6f %.6f\n", n, now(CLOCK_PROCESS_CPUTIME_ID) - cpu0,
                now(CLOCK_MONOTONIC) - wall0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opensaml_validate: %s\n", e.what());
    rc = 1;
  }
  config.term();
  return rc;
}
