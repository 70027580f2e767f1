#pragma once
// Safe XML for SAML: libxml2 documents behind RAII, a parser that refuses what
// SAML never needs (DOCTYPE, entities, network, huge or deep input), ID
// registration limited to the SAML elements we sign or verify, and helpers
// that read the tree without surprises (text is every text child, comments
// skipped, never truncated at a comment).
//
// Thread safety: `library_init` may be called from any thread, any number of
// times. Each document belongs to one thread at a time; the free functions
// are reentrant.

#include <libxml/tree.h>

#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saml/error.hpp"

namespace poort::saml {

/// A value or a refusal with its detail: what every SAML check returns.
template <class T>
using checked = std::expected<T, refusal>;

inline std::unexpected<refusal> refuse(error e, std::string detail) {
  return std::unexpected(refusal{e, std::move(detail)});
}

/// Initialises libxml2, xmlsec1 and its OpenSSL backend once per process and
/// silences their stderr error output. Thread-safe; every entry point of
/// this module calls it, so callers need not (but the daemon may, early).
/// Aborts the process if xmlsec1 cannot be initialised.
void library_init();

/// XML namespaces used by the module.
namespace ns {
inline constexpr char saml[] = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr char samlp[] = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr char md[] = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr char ds[] = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr char xenc[] = "http://www.w3.org/2001/04/xmlenc#";
inline constexpr char xenc11[] = "http://www.w3.org/2009/xmlenc11#";
inline constexpr char ec[] = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr char soap11[] = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr char esc[] = "urn:etoegang:1.13:service-catalog";
}  // namespace ns

struct xml_doc_deleter {
  void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
using xml_doc_ptr = std::unique_ptr<xmlDoc, xml_doc_deleter>;

/// Bounds on an input document. Every parse enforces all three.
struct parse_limits {
  std::size_t max_bytes = 256 * 1024;
  unsigned max_depth = 48;
  std::size_t max_nodes = 20'000;  ///< elements
};

/// Parses `text` as one XML document.
/// Success: the document, with no ID registered yet.
/// Failures: too_large (bytes, depth or element count over `limits`);
/// doctype (any DOCTYPE, checked before its internal subset is read);
/// malformed (not well-formed, no root, or an xml:id attribute).
checked<xml_doc_ptr> parse_document(std::string_view text, const parse_limits& limits);

/// Checks a subtree (e.g. a decrypted assertion) against depth and element
/// limits, `depth` being the depth of `node` itself. Failure: too_large.
checked<void> check_subtree_limits(const xmlNode* node, unsigned depth, const parse_limits& limits);

/// Registers the `ID` attribute of every SAML element that can be signed
/// (protocol messages, Assertion, EntityDescriptor, EntitiesDescriptor) in
/// `subtree`, so that signature references ("#ID") resolve to them and
/// nothing else. Failure: duplicate_id (an ID already registered in the document).
checked<void> register_saml_ids(xmlDoc* doc, xmlNode* subtree);
/// Registers `element`'s `ID` attribute. Failures: malformed (none), duplicate_id.
checked<void> register_id(xmlDoc* doc, xmlNode* element);

/// True if `node` is an element named `local` in namespace `ns_uri`.
bool is_element(const xmlNode* node, std::string_view ns_uri, std::string_view local) noexcept;
/// The first element child of `node` (nullptr if none); the next element sibling.
xmlNode* first_element(const xmlNode* node) noexcept;
xmlNode* next_element(const xmlNode* node) noexcept;
/// The element children of `node` named `local` in `ns_uri`.
std::vector<xmlNode*> children(const xmlNode* node, std::string_view ns_uri, std::string_view local);
/// The first such child, or nullptr.
xmlNode* child(const xmlNode* node, std::string_view ns_uri, std::string_view local);
/// The value of the unqualified attribute `name`, or nullopt.
std::optional<std::string> attribute(const xmlNode* node, const char* name);
/// The concatenation of every text and CDATA child of `node`: comments and
/// processing instructions are skipped, so a value is never cut short at a
/// comment. Element children contribute nothing.
std::string text(const xmlNode* node);
/// The document serialised as UTF-8 with an XML declaration.
std::string serialize(xmlDoc* doc);

}  // namespace poort::saml
