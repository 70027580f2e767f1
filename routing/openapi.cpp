#include "routing/openapi.hpp"

#include <boost/json.hpp>

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
            {"contact", {{"name", "Justid"}}}}},
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

}  // namespace

std::expected<json::object, std::string> merge_openapi(std::span<const openapi_fragment> fragments) {
  json::object doc = head();
  for (const auto& f : fragments)
    if (auto ok = merge_fragment(doc, f); !ok) return std::unexpected(ok.error());
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
