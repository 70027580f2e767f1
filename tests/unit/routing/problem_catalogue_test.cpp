// The catalogue of refusals (routing/problem.hpp) against the OpenAPI
// document: every code poort can answer is documented, and every code the
// document names is one that poort can answer.
#include "routing/problem.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>
#include <set>
#include <string>

#include "routing/openapi.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

json::object document() {
  boost::system::error_code ec;
  auto v = json::parse(openapi_document(), ec);
  EXPECT_FALSE(ec);
  return v.is_object() ? v.as_object() : json::object{};
}

std::set<std::string> catalogue_codes() {
  std::set<std::string> out;
  for (const auto& p : problem::catalogue()) out.insert(p.code);
  return out;
}

/// The codes a `code` property of a problem schema enumerates (every schema
/// whose name ends in "Problem").
std::set<std::string> enumerated_codes(const json::object& doc) {
  std::set<std::string> out;
  for (const auto& [name, schema] : doc.at("components").at("schemas").as_object()) {
    if (!std::string_view(name).ends_with("Problem")) continue;
    const auto* code = schema.at("properties").as_object().if_contains("code");
    if (code == nullptr) continue;
    if (const auto* values = code->as_object().if_contains("enum"))
      for (const auto& v : values->as_array()) out.insert(std::string(v.as_string()));
  }
  return out;
}

/// The `snake_case` words quoted in the description of an error response.
void quoted_codes(const json::value& response, std::set<std::string>& out) {
  const auto* description = response.as_object().if_contains("description");
  if (description == nullptr) return;
  static const std::regex quoted("`([a-z][a-z0-9]*(_[a-z0-9]+)+)`");
  const std::string text(description->as_string());
  for (std::sregex_iterator it(text.begin(), text.end(), quoted), end; it != end; ++it)
    out.insert((*it)[1].str());
}

/// Every code that an error response of the document names in its description.
std::set<std::string> described_codes(const json::object& doc) {
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      if (!op.is_object() || !op.as_object().contains("responses")) continue;
      for (const auto& [status, response] : op.at("responses").as_object())
        if (status.size() == 3 && (status[0] == '4' || status[0] == '5')) quoted_codes(response, out);
    }
  if (const auto* responses = doc.at("components").as_object().if_contains("responses"))
    for (const auto& [name, response] : responses->as_object()) {
      const auto* content = response.as_object().if_contains("content");
      if (content != nullptr && content->as_object().contains("application/problem+json"))
        quoted_codes(response, out);
    }
  return out;
}

// Every refusal of the catalogue is a problem: 4xx or 5xx, a snake_case code,
// a title.
TEST(ProblemCatalogue, EveryEntryIsAWellFormedRefusal) {
  const auto all = problem::catalogue();
  EXPECT_GT(all.size(), 80u);
  static const std::regex snake("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  for (const auto& p : all) {
    EXPECT_TRUE(std::regex_match(p.code, snake)) << p.code;
    EXPECT_GE(p.status, 400) << p.code;
    EXPECT_LE(p.status, 599) << p.code;
    EXPECT_FALSE(p.title.empty()) << p.code;
  }
}

// Each code poort can answer is in the document's list of codes (Problem.code).
TEST(ProblemCatalogue, EveryCodeIsDocumented) {
  const auto doc = document();
  const auto& problem_schema = doc.at("components").at("schemas").at("Problem");
  std::set<std::string> documented;
  for (const auto& v : problem_schema.at("properties").at("code").at("enum").as_array())
    documented.insert(std::string(v.as_string()));
  for (const auto& code : catalogue_codes()) EXPECT_TRUE(documented.contains(code)) << code;
}

// Each code the document names (in a problem schema's enum or in the
// description of an error response) is one that poort can answer.
TEST(ProblemCatalogue, EveryDocumentedCodeExists) {
  const auto doc = document();
  const auto known = catalogue_codes();
  const auto enumerated = enumerated_codes(doc);
  EXPECT_TRUE(enumerated.contains("service_unavailable"));
  for (const auto& code : enumerated) EXPECT_TRUE(known.contains(code)) << "enum: " << code;
  const auto described = described_codes(doc);
  EXPECT_TRUE(described.contains("invalid_body"));
  for (const auto& code : described) EXPECT_TRUE(known.contains(code)) << "description: " << code;
}

/// The words of `text` (runs of ASCII letters), in lower case.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      w += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// Issue 14 item 7: every detail that a prison or a municipality can be
// answered is Dutch, like the title, and says what is wrong and what to do:
// no English word (from a list of the words the old English texts used and
// other common ones), and at least two sentences. Field names (berichtId,
// invalidParams) and header names are not words of either language.
TEST(ProblemCatalogue, EveryDetailIsDutchAndNamesTheRemedy) {
  static const std::set<std::string> english{
      "the",     "and",         "not",       "with",      "from",    "this",    "that",    "could",
      "cannot",  "can",         "may",       "must",      "does",    "body",    "request", "reused",
      "another", "exceeds",     "limit",     "too",       "many",    "address", "header",  "party",
      "parties", "certificate", "invalid",   "missing",   "please",  "try",     "again",   "sheet",
      "unknown", "purged",      "allowed",   "use",       "see",     "field",   "fields",  "your",
      "you",     "are",         "were",      "has",       "have",    "be",      "by",      "for",
      "to",      "an",          "or",        "if",        "when",    "no",      "store",   "satisfy",
      "parsed",  "framing",     "ambiguous", "malformed", "repeated"};
  // Words that are English as well as Dutch, or names, and so allowed.
  static const std::set<std::string> names{
      "content", "length",        "transfer",  "encoding", "retry",       "after", "allow", "host",    "line",
      "folding", "invalidparams", "berichtid", "vervangt", "application", "json",  "pem",   "instance"};
  for (const auto& p : problem::catalogue()) {
    ASSERT_FALSE(p.detail.empty()) << p.code;
    for (const auto& w : words(p.detail)) {
      if (names.contains(w)) continue;
      EXPECT_FALSE(english.contains(w)) << p.code << ": \"" << w << "\" in: " << p.detail;
    }
    EXPECT_TRUE(p.detail.ends_with('.')) << p.code << ": " << p.detail;
    EXPECT_NE(p.detail.find(". "), std::string::npos)
        << p.code << " says what is wrong but not what to do: " << p.detail;
  }
}

// The code for a berichtId another sender used is its own, and tells
// nothing about that message (issue 14 item 7).
TEST(ProblemCatalogue, BerichtIdTakenIsItsOwnCode) {
  const auto taken = problem::refusal(domain::error::bericht_id_taken);
  EXPECT_EQ(taken.code, "bericht_id_taken");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.detail.find("ander bericht"), std::string::npos) << taken.detail;
  EXPECT_NE(problem::refusal(domain::error::bericht_id_conflict).detail, taken.detail);
}

// A store that cannot take the request is one refusal everywhere, the one the
// document names for it.
TEST(ProblemCatalogue, StoreUnavailableIsServiceUnavailable) {
  EXPECT_EQ(problem::store_unavailable().code, "service_unavailable");
  EXPECT_EQ(problem::store_unavailable().status, 503);
  EXPECT_EQ(problem::service_unavailable().code, "service_unavailable");
}

}  // namespace
}  // namespace poort::routing
