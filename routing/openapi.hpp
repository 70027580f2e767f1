#pragma once
// The OpenAPI 3.0 document of poort's API (NL API Design Rules
// /core/publish-openapi), served at GET /api/v1/openapi.json on both
// listeners.
//
// Each area documents its routes in a fragment `api/<area>.openapi.json`: an
// object with `paths` and `components` (schemas, responses, parameters, ...).
// The build embeds every fragment (routing/embed_openapi.cmake generates
// openapi_fragments.cpp), and `merge_openapi` combines them with the
// document's head (openapi, info, servers). A path may be described in
// several fragments as long as no method is described twice; a component
// may appear in several fragments only if its definitions are identical.
//
// Thread safety: pure functions; `openapi_document` builds its result once.

#include <boost/json/object.hpp>

#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace poort::routing {

/// The fragments embedded at build time, as (file name, JSON text).
struct openapi_fragment {
  std::string_view name;
  std::string_view text;
};
std::span<const openapi_fragment> embedded_openapi_fragments() noexcept;

/// Merges `fragments` into one OpenAPI 3.0.3 document with `info.version`
/// = routing::api_version, and declares the `API-Version` response header
/// (components.headers) on every response under /api/ (inline, or on the
/// response component it refers to). Failure: a message naming the fragment
/// and the problem (not JSON, not an object, a key other than
/// paths/components, a method described twice, two different definitions of
/// one component), or naming a response component that is used both under
/// /api/ and elsewhere, or referred to but not defined.
std::expected<boost::json::object, std::string> merge_openapi(std::span<const openapi_fragment> fragments);

/// The merged document of the embedded fragments, serialised. When the
/// fragments do not merge (a build defect, which the unit test catches), a
/// document that says so in info.description, with no paths.
const std::string& openapi_document();

}  // namespace poort::routing
