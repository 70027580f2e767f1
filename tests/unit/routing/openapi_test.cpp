// The OpenAPI document: valid OpenAPI 3 structure, every $ref resolves, and
// every route the daemon serves (except static assets and the health and
// metrics endpoints) is described with its path and method.
#include "routing/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "routing/app.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

json::object document() {
  boost::system::error_code ec;
  auto v = json::parse(openapi_document(), ec);
  EXPECT_FALSE(ec);
  return v.is_object() ? v.as_object() : json::object{};
}

void collect_refs(const json::value& v, std::set<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == "$ref" && child.is_string()) out.insert(std::string(child.as_string()));
      collect_refs(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) collect_refs(child, out);
  }
}

// Verifies the required fields of an OpenAPI 3 document and of each operation.
TEST(OpenApi, DocumentHasTheRequiredFields) {
  auto doc = document();
  ASSERT_TRUE(doc.contains("openapi")) << doc.at("info");
  EXPECT_TRUE(std::string_view(doc.at("openapi").as_string()).starts_with("3.0."));
  EXPECT_EQ(doc.at("info").at("title").as_string(), "poort");
  EXPECT_EQ(doc.at("info").at("version").as_string(), api_version);
  ASSERT_TRUE(doc.at("paths").is_object());
  EXPECT_FALSE(doc.at("paths").as_object().empty()) << doc.at("info");
  const std::set<std::string> methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    EXPECT_TRUE(path.starts_with("/")) << path;
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      EXPECT_TRUE(methods.contains(std::string(method))) << path << " " << method;
      ASSERT_TRUE(op.is_object()) << path << " " << method;
      ASSERT_TRUE(op.as_object().contains("responses")) << path << " " << method;
      EXPECT_FALSE(op.at("responses").as_object().empty()) << path << " " << method;
      for (const auto& [status, response] : op.at("responses").as_object()) {
        const auto* description = response.as_object().if_contains("description");
        const auto* ref = response.as_object().if_contains("$ref");
        EXPECT_TRUE(description || ref) << path << " " << method << " " << status;
      }
    }
  }
}

// Verifies that every $ref points at a component that exists.
TEST(OpenApi, EveryReferenceResolves) {
  auto doc = document();
  std::set<std::string> refs;
  collect_refs(doc, refs);
  ASSERT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/components/")) << ref;
    const std::string rest = ref.substr(13);
    const auto slash = rest.find('/');
    ASSERT_NE(slash, std::string::npos) << ref;
    const auto* kind = doc.at("components").as_object().if_contains(rest.substr(0, slash));
    ASSERT_TRUE(kind != nullptr) << ref;
    EXPECT_TRUE(kind->as_object().contains(rest.substr(slash + 1))) << ref;
  }
}

// Verifies that every route the daemon serves is in the document.
TEST(OpenApi, EveryServedRouteIsDescribed) {
  auto doc = document();
  const app probe(services{}, {});
  const std::set<std::string> undocumented = {"asset", "healthz", "readyz", "metrics"};
  std::size_t checked = 0;
  for (const auto& r : probe.routes().routes()) {
    if (undocumented.contains(r.name)) continue;
    std::string method(http::to_string(r.method));
    std::ranges::transform(method, method.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto* item = doc.at("paths").as_object().if_contains(r.pattern);
    EXPECT_TRUE(item != nullptr && item->as_object().contains(method))
        << r.name << ": " << method << " " << r.pattern << " is not in api/*.openapi.json";
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}

// Verifies the merge rules: paths combine, a method twice or a differing component is refused.
TEST(OpenApi, MergeCombinesFragmentsAndRefusesConflicts) {
  const openapi_fragment a{"a.openapi.json",
                           R"({"paths":{"/x":{"get":{"responses":{"200":{"description":"ok"}}}}},)"
                           R"("components":{"schemas":{"S":{"type":"string"}}}})"};
  const openapi_fragment b{"b.openapi.json",
                           R"({"paths":{"/x":{"post":{"responses":{"201":{"description":"ok"}}}}},)"
                           R"("components":{"schemas":{"S":{"type":"string"},"T":{"type":"integer"}}}})"};
  const openapi_fragment twice{"c.openapi.json", R"({"paths":{"/x":{"get":{"responses":{}}}}})"};
  const openapi_fragment differs{"d.openapi.json", R"({"components":{"schemas":{"S":{"type":"integer"}}}})"};
  const openapi_fragment extra{"e.openapi.json", R"({"info":{}})"};
  const openapi_fragment broken{"f.openapi.json", R"({"paths":)"};

  auto merged = merge_openapi(std::vector{a, b});
  ASSERT_TRUE(merged) << merged.error();
  EXPECT_TRUE(merged->at("paths").at("/x").as_object().contains("get"));
  EXPECT_TRUE(merged->at("paths").at("/x").as_object().contains("post"));
  EXPECT_EQ(merged->at("components").at("schemas").as_object().size(), 2u);

  auto dup = merge_openapi(std::vector{a, twice});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("c.openapi.json: get /x is described twice"), std::string::npos) << dup.error();
  auto conflict = merge_openapi(std::vector{a, differs});
  ASSERT_FALSE(conflict);
  EXPECT_NE(conflict.error().find("components.schemas.S"), std::string::npos) << conflict.error();
  EXPECT_FALSE(merge_openapi(std::vector{extra}));
  EXPECT_FALSE(merge_openapi(std::vector{broken}));
}

// Verifies that every response under /api/ declares the API-Version header
// that routing/app.hpp sends (NL API Design Rules /core/version-header), and
// that no response outside /api/ does.
TEST(OpenApi, EveryApiResponseDeclaresTheVersionHeader) {
  auto doc = document();
  ASSERT_TRUE(doc.at("components").at("headers").as_object().contains("API-Version"));
  const auto& components = doc.at("components").at("responses").as_object();
  std::size_t api_responses = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    const bool api = path.starts_with("/api/");
    for (const auto& [method, op] : item.as_object()) {
      for (const auto& [status, response] : op.at("responses").as_object()) {
        const json::object* r = &response.as_object();
        if (const auto* ref = r->if_contains("$ref")) {
          const json::string& target = ref->as_string();
          const std::size_t prefix = std::string_view("#/components/responses/").size();
          r = &components.at(std::string(target.data() + prefix, target.size() - prefix)).as_object();
        }
        const auto* headers = r->if_contains("headers");
        const bool declared = headers != nullptr && headers->as_object().contains("API-Version");
        EXPECT_EQ(declared, api) << method << " " << path << " " << status;
        api_responses += api ? 1 : 0;
      }
    }
  }
  EXPECT_GT(api_responses, 100u);
}

// Verifies that a response component shared by /api/ and other paths is refused.
TEST(OpenApi, MergeRefusesAResponseComponentSharedInAndOutsideApi) {
  const openapi_fragment shared{
      "s.openapi.json",
      R"({"paths":{"/api/v1/x":{"get":{"responses":{"200":{"$ref":"#/components/responses/R"}}}},)"
      R"("/saml/x":{"get":{"responses":{"200":{"$ref":"#/components/responses/R"}}}}},)"
      R"("components":{"responses":{"R":{"description":"ok"}}}})"};
  auto merged = merge_openapi(std::vector{shared});
  ASSERT_FALSE(merged);
  EXPECT_NE(merged.error().find("components.responses.R"), std::string::npos) << merged.error();
}

}  // namespace
}  // namespace poort::routing
