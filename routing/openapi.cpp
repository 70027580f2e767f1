#include "routing/openapi.hpp"

#include <boost/json.hpp>

#include <map>
#include <vector>

#include "common/log.hpp"
#include "routing/http.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

json::object head() {
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "poort"},
            {"description",
             "Gateway voor de gegevensuitwisseling tussen penitentiaire inrichtingen en gemeenten "
             "(re-integratie ex-gedetineerden)."},
            {"version", api_version},
            {"contact",
             {{"name", "Justid"}, {"url", "https://www.justid.nl"}, {"email", "servicedesk@justid.nl"}}}}},
          {"servers", json::array{json::object{{"url", "/"}}}},
          {"paths", json::object{}},
          {"components", json::object{}}};
}

/// The object at `key` in `o`, made empty when missing.
json::object& object_at(json::object& o, std::string_view key) {
  json::value& slot = o[key];
  if (!slot.is_object()) slot.emplace_object();
  return slot.as_object();
}

std::expected<void, std::string> merge_fragment(json::object& doc, const openapi_fragment& f) {
  const std::string where = std::string(f.name) + ": ";
  boost::system::error_code ec;
  json::value v = json::parse(f.text, ec);
  if (ec) return std::unexpected(where + "not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return std::unexpected(where + "not a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (key != "paths" && key != "components")
      return std::unexpected(where + "unexpected top-level key '" + std::string(key) + "'");
    if (!value.is_object()) return std::unexpected(where + std::string(key) + " is not an object");
  }
  json::object& paths = doc["paths"].as_object();
  if (const auto* p = v.as_object().if_contains("paths")) {
    for (const auto& [path, item] : p->as_object()) {
      if (!item.is_object())
        return std::unexpected(where + "path " + std::string(path) + " is not an object");
      json::object& target = object_at(paths, path);
      for (const auto& [method, operation] : item.as_object()) {
        if (target.contains(method))
          return std::unexpected(where + std::string(method) + " " + std::string(path) +
                                 " is described twice");
        target[method] = operation;
      }
    }
  }
  json::object& components = doc["components"].as_object();
  if (const auto* c = v.as_object().if_contains("components")) {
    for (const auto& [kind, entries] : c->as_object()) {
      if (!entries.is_object())
        return std::unexpected(where + "components." + std::string(kind) + " is not an object");
      json::object& target = object_at(components, kind);
      for (const auto& [name, definition] : entries.as_object()) {
        if (const auto* existing = target.if_contains(name); existing && *existing != definition)
          return std::unexpected(where + "components." + std::string(kind) + "." + std::string(name) +
                                 " differs from an earlier definition");
        target[name] = definition;
      }
    }
  }
  return {};
}

constexpr std::string_view version_header_ref = "#/components/headers/API-Version";
constexpr std::string_view response_ref_prefix = "#/components/responses/";

/// Declares the `API-Version` header that every /api response carries
/// (routing/app.hpp; NL API Design Rules /core/version-header) on every
/// response of every operation under /api/: on the response itself, or on
/// the response component it refers to. Failure: a response component used
/// both under /api/ and elsewhere (it cannot both have and lack the header).
std::expected<void, std::string> declare_version_header(json::object& doc) {
  object_at(object_at(doc, "components"), "headers")["API-Version"] = {
      {"description", "The full version number of the API (semantic versioning), on every /api response."},
      {"schema", {{"type", "string"}, {"example", api_version}}}};
  std::map<std::string, bool, std::less<>> component_in_api;  // name -> used under /api/
  std::vector<json::object*> inline_api_responses;
  for (auto& [path, item] : doc["paths"].as_object()) {
    if (!item.is_object()) continue;
    const bool api = path.starts_with("/api/");
    for (auto& [method, operation] : item.as_object()) {
      const json::object* op = operation.if_object();
      const json::value* responses = op ? op->if_contains("responses") : nullptr;
      if (responses == nullptr || !responses->is_object()) continue;
      for (auto& [code, response] : operation.as_object()["responses"].as_object()) {
        if (!response.is_object()) continue;
        const json::value* ref = response.as_object().if_contains("$ref");
        if (ref != nullptr && ref->is_string() && ref->as_string().starts_with(response_ref_prefix)) {
          const json::string& target = ref->as_string();
          const std::string name(target.data() + response_ref_prefix.size(),
                                 target.size() - response_ref_prefix.size());
          auto [it, fresh] = component_in_api.emplace(name, api);
          if (!fresh && it->second != api)
            return std::unexpected("components.responses." + name +
                                   " is used both under /api/ and elsewhere");
        } else if (api && ref == nullptr) {
          inline_api_responses.push_back(&response.as_object());
        }
      }
    }
  }
  const json::object header{{"$ref", version_header_ref}};
  for (json::object* r : inline_api_responses) object_at(*r, "headers")["API-Version"] = header;
  json::object& components = object_at(object_at(doc, "components"), "responses");
  for (const auto& [name, api] : component_in_api) {
    if (!api) continue;
    json::value* component = components.if_contains(name);
    if (component == nullptr || !component->is_object())
      return std::unexpected("components.responses." + name + " is referred to but not defined");
    object_at(component->as_object(), "headers")["API-Version"] = header;
  }
  return {};
}

}  // namespace

std::expected<json::object, std::string> merge_openapi(std::span<const openapi_fragment> fragments) {
  json::object doc = head();
  for (const auto& f : fragments)
    if (auto ok = merge_fragment(doc, f); !ok) return std::unexpected(ok.error());
  if (auto ok = declare_version_header(doc); !ok) return std::unexpected(ok.error());
  return doc;
}

const std::string& openapi_document() {
  static const std::string text = [] {
    auto merged = merge_openapi(embedded_openapi_fragments());
    if (merged) return json::serialize(*merged);
    log::error("openapi.merge_failed", {{"error", merged.error()}});
    json::object doc = head();
    doc["info"].as_object()["description"] = "The API description could not be assembled: " + merged.error();
    return json::serialize(doc);
  }();
  return text;
}

}  // namespace poort::routing
