#include "saml/xml.hpp"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <array>
#include <cstdlib>
#include <mutex>

namespace poort::saml {
namespace {

void silent_xmlsec_error(const char*, int, const char*, const char*, const char*, int, const char*) {}

struct parse_state {
  const parse_limits* limits = nullptr;
  std::size_t nodes = 0;
  unsigned depth = 0;
  bool doctype = false;
  bool over_limit = false;
};

parse_state& state_of(void* ctx) {
  return *static_cast<parse_state*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
}

// A DOCTYPE is refused the moment the parser sees it, before any entity
// declaration in its internal subset is read.
void on_internal_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  state_of(ctx).doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void on_start_element(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                      int nb_namespaces, const xmlChar** namespaces, int nb_attributes, int nb_defaulted,
                      const xmlChar** attributes) {
  parse_state& st = state_of(ctx);
  if (++st.nodes > st.limits->max_nodes || ++st.depth > st.limits->max_depth) {
    st.over_limit = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
    return;
  }
  xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                        attributes);
}

void on_end_element(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
  --state_of(ctx).depth;
  xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

struct parser_ctxt_deleter {
  void operator()(xmlParserCtxt* c) const noexcept {
    if (c->myDoc) xmlFreeDoc(c->myDoc);
    c->myDoc = nullptr;
    xmlFreeParserCtxt(c);
  }
};

bool name_is(const xmlChar* a, std::string_view b) {
  return a && std::string_view{reinterpret_cast<const char*>(a)} == b;
}

// The SAML elements whose ID attribute a signature may reference.
bool is_signable(const xmlNode* n) {
  static constexpr std::array<std::string_view, 7> protocol{
      "Response",      "ArtifactResponse", "ArtifactResolve", "AuthnRequest",
      "LogoutRequest", "LogoutResponse",   "AttributeQuery"};
  if (n->type != XML_ELEMENT_NODE || !n->ns) return false;
  for (auto name : protocol)
    if (is_element(n, ns::samlp, name)) return true;
  return is_element(n, ns::saml, "Assertion") || is_element(n, ns::md, "EntityDescriptor") ||
         is_element(n, ns::md, "EntitiesDescriptor");
}

}  // namespace

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(nullptr) < 0 ||
        xmlSecCryptoInit() < 0)
      std::abort();  // no safe way to sign or decrypt without xmlsec1
    // After xmlSecInit, which installs xmlsec1's default (stderr) callback.
    xmlSecErrorsSetCallback(silent_xmlsec_error);
  });
}

checked<xml_doc_ptr> parse_document(std::string_view text, const parse_limits& limits) {
  library_init();
  if (text.size() > limits.max_bytes)
    return refuse(error::too_large, "document of " + std::to_string(text.size()) +
                                        " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  if (text.empty()) return refuse(error::malformed, "empty document");
  std::unique_ptr<xmlParserCtxt, parser_ctxt_deleter> ctxt{
      xmlCreateMemoryParserCtxt(text.data(), static_cast<int>(text.size()))};
  if (!ctxt) return refuse(error::malformed, "cannot create an XML parser");
  // No NOENT (no entity substitution), no DTDLOAD/DTDATTR, no network.
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  parse_state st;
  st.limits = &limits;
  ctxt->_private = &st;
  ctxt->sax->internalSubset = on_internal_subset;
  ctxt->sax->externalSubset = nullptr;
  ctxt->sax->entityDecl = nullptr;
  ctxt->sax->startElementNs = on_start_element;
  ctxt->sax->endElementNs = on_end_element;
  xmlParseDocument(ctxt.get());
  if (st.doctype) return refuse(error::doctype, "the document has a DOCTYPE");
  if (st.over_limit) return refuse(error::too_large, "the document exceeds the depth or element limit");
  if (!ctxt->wellFormed || !ctxt->myDoc)
    return refuse(error::malformed, "the document is not well-formed XML");
  xml_doc_ptr doc{ctxt->myDoc};
  ctxt->myDoc = nullptr;
  if (!xmlDocGetRootElement(doc.get())) return refuse(error::malformed, "the document has no root element");
  if (doc->intSubset || doc->extSubset) return refuse(error::doctype, "the document has a DOCTYPE");
  // The parser registers xml:id attributes as IDs by itself; SAML never uses
  // them, and an ID we did not register could capture a reference.
  if (doc->ids) return refuse(error::malformed, "the document has an xml:id attribute");
  return doc;
}

checked<void> check_subtree_limits(const xmlNode* node, unsigned depth, const parse_limits& limits) {
  std::size_t count = 0;
  const xmlNode* n = node;
  while (n) {
    if (n->type == XML_ELEMENT_NODE && (++count > limits.max_nodes || depth > limits.max_depth))
      return refuse(error::too_large, "the decrypted content exceeds the depth or element limit");
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      ++depth;
      continue;
    }
    while (n != node && !n->next) {
      n = n->parent;
      --depth;
    }
    if (n == node) break;
    n = n->next;
  }
  return {};
}

checked<void> register_id(xmlDoc* doc, xmlNode* element) {
  xmlAttr* attr = xmlHasNsProp(element, BAD_CAST "ID", nullptr);
  if (!attr) return refuse(error::malformed, "a SAML element has no ID attribute");
  xmlChar* value = xmlNodeListGetString(doc, attr->children, 1);
  if (!value) return refuse(error::malformed, "a SAML element has an empty ID attribute");
  std::unique_ptr<xmlChar, xmlFreeFunc> guard{value, xmlFree};
  if (xmlGetID(doc, value)) return refuse(error::duplicate_id, "two SAML elements carry the same ID");
  if (!xmlAddID(nullptr, doc, value, attr)) return refuse(error::malformed, "cannot register a SAML ID");
  return {};
}

checked<void> register_saml_ids(xmlDoc* doc, xmlNode* subtree) {
  xmlNode* n = subtree;
  while (n) {
    if (is_signable(n) && xmlHasNsProp(n, BAD_CAST "ID", nullptr)) {
      if (auto r = register_id(doc, n); !r) return r;
    }
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      continue;
    }
    while (n != subtree && !n->next) n = n->parent;
    if (n == subtree) break;
    n = n->next;
  }
  return {};
}

bool is_element(const xmlNode* node, std::string_view ns_uri, std::string_view local) noexcept {
  return node && node->type == XML_ELEMENT_NODE && node->ns && name_is(node->name, local) &&
         name_is(node->ns->href, ns_uri);
}

xmlNode* first_element(const xmlNode* node) noexcept {
  for (xmlNode* c = node ? node->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) return c;
  return nullptr;
}

xmlNode* next_element(const xmlNode* node) noexcept {
  for (xmlNode* c = node ? node->next : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) return c;
  return nullptr;
}

std::vector<xmlNode*> children(const xmlNode* node, std::string_view ns_uri, std::string_view local) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = first_element(node); c; c = next_element(c))
    if (is_element(c, ns_uri, local)) out.push_back(c);
  return out;
}

xmlNode* child(const xmlNode* node, std::string_view ns_uri, std::string_view local) {
  for (xmlNode* c = first_element(node); c; c = next_element(c))
    if (is_element(c, ns_uri, local)) return c;
  return nullptr;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  xmlAttr* attr = xmlHasNsProp(node, BAD_CAST name, nullptr);
  if (!attr || attr->type != XML_ATTRIBUTE_NODE) return std::nullopt;
  std::string out;
  for (const xmlNode* c = attr->children; c; c = c->next)
    if (c->type == XML_TEXT_NODE && c->content) out += reinterpret_cast<const char*>(c->content);
  return out;
}

std::string text(const xmlNode* node) {
  std::string out;
  for (const xmlNode* c = node ? node->children : nullptr; c; c = c->next)
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      out += reinterpret_cast<const char*>(c->content);
  return out;
}

std::string serialize(xmlDoc* doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  std::string out{reinterpret_cast<const char*>(mem), static_cast<std::size_t>(size)};
  xmlFree(mem);
  return out;
}

}  // namespace poort::saml
