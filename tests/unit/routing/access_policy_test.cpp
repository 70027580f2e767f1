// The access policy of the whole application (issue 4 "Show"): every route
// the app serves against every kind of caller, each cell the exact status
// expected, in one table. A route that the app serves and the table lacks
// (or the other way round) fails the test, so a new route cannot slip in
// without a decision about who may call it.
//
// Every cell runs in a fresh application whose municipality A (GM0363) is
// staged so that an allowed caller's request succeeds: the table's 2xx are
// real successes, the 401/403/404 real refusals. Paths name A's objects
// (A's gemeentecode, A's message, the cohort A registered in), so the users
// and the system of municipality B show what another municipality gets:
// 403 on A's municipality, 404 on A's message (indistinguishable from none).
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "store/audit.hpp"
#include "store/onboarding.hpp"
#include "tests/unit/routing/portal_test_env.hpp"

namespace poort::routing::test {
namespace {

using level = portal_env::level;

/// The kinds of caller, in the order of the table's columns.
enum column : std::size_t {
  anon,       // nobody logged in, on the portal
  cw_a,       // case worker (MEDEWERKER) of A
  sig_a,      // authorised signatory (TEKENBEVOEGDE) of A
  cw_b,       // case worker of B
  sig_b,      // signatory of B
  admin,      // Justid administrator (BEHEERDER)
  prison,     // a prison's certificate, system listener
  sys_a,      // A's system certificate, system listener
  sys_b,      // B's system certificate, system listener
  unknown,    // a certificate of no registered party, system listener
  admin_sys,  // wrong listener: an administrator's session cookie sent to the system listener
  sys_a_web,  // wrong listener: A's system party on the portal listener (no session)
  loopback,   // nobody logged in, from 127.0.0.1 (monitoring)
  n_callers
};

std::vector<caller> callers() {
  std::vector<caller> c(n_callers);
  c[anon] = {"anonymous", listener_kind::portal, {}, "", {}, {}};
  c[cw_a] = portal_env::user("casework A", auth::role::casework, code_a);
  c[sig_a] = portal_env::user("signatory A", auth::role::signatory, code_a);
  c[cw_b] = portal_env::user("casework B", auth::role::casework, code_b);
  c[sig_b] = portal_env::user("signatory B", auth::role::signatory, code_b);
  c[admin] = portal_env::user("administrator", auth::role::administrator, "");
  c[prison] = {"prison certificate", listener_kind::system, {}, "", prison_party(), {}};
  c[sys_a] = {"system A", listener_kind::system, {}, "", system_party(code_a), {}};
  c[sys_b] = {"system B", listener_kind::system, {}, "", system_party(code_b), {}};
  c[unknown] = {"unknown party",
                listener_kind::system,
                {},
                "",
                std::nullopt,
                auth::make_error_code(auth::error::unknown_party)};
  c[admin_sys] = portal_env::user("administrator on the system listener", auth::role::administrator, "");
  c[admin_sys].listener = listener_kind::system;
  c[admin_sys].party_error = auth::make_error_code(auth::error::unknown_party);
  c[sys_a_web] = {"system A on the portal", listener_kind::portal, {}, "", system_party(code_a), {}};
  c[loopback] = {"loopback", listener_kind::portal, {}, "", {}, {}, "127.0.0.1"};
  return c;
}

using row = std::array<unsigned, n_callers>;

/// One row of the table: a route, the state it needs, its request body,
/// and the status each caller gets.
struct cell_row {
  level state = level::delivered;
  std::string body;
  row expected;
};

//                anon cwA sigA cwB sigB adm  PI  sysA sysB unkn aSys aWeb lo
// Column groups used below.
constexpr row everyone_200{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200};
constexpr row portal_page{200, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404, 200, 200};
constexpr row any_user_200{401, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404, 401, 401};

/// A portal route for exactly the callers given, each with `ok`; every
/// other logged-in user 403, nobody 401, the system listener 404.
row portal_only(unsigned ok, std::initializer_list<column> allowed) {
  row r{401, 403, 403, 403, 403, 403, 404, 404, 404, 404, 404, 401, 401};
  for (auto c : allowed) r[c] = ok;
  return r;
}
/// A prison route on the system listener.
row prison_only(unsigned ok) { return {404, 404, 404, 404, 404, 404, ok, 403, 403, 403, 403, 404, 404}; }

const std::string edit_cohort_body =
    R"({"naam":"Pilot gewijzigd","soort":"PILOT","opentOp":"2026-01-01T00:00:00Z",)"
    R"("sluitOp":"2027-01-01T00:00:00Z","capaciteit":6,"aansluitenOp":"2027-02-01T00:00:00Z"})";

std::map<std::string, cell_row> policy() {
  const std::string new_certificate = certificate_pem(oin_a, "systeem-2.test");
  return {
      // --- health, monitoring, documents, assets
      {"GET /healthz", {level::base, "", everyone_200}},
      {"GET /readyz", {level::base, "", everyone_200}},
      {"GET /metrics", {level::base, "", {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200}}},
      {"GET /api/v1/openapi.json", {level::base, "", everyone_200}},
      {"GET /api/v1/whoami",
       {level::base, "", {404, 404, 404, 404, 404, 404, 200, 200, 200, 403, 403, 404, 404}}},
      {"GET /", {level::base, "", portal_page}},
      {"GET /{asset}", {level::base, "", portal_page}},
      {"GET /static/{dir}/{file}", {level::base, "", portal_page}},
      // --- login (no IdP in this test: starting or completing a login answers 503 "not configured"
      //     to whoever reaches it; tests/integration/login_test.cpp logs in for real)
      {"GET /saml/login",
       {level::base, "", {503, 503, 503, 503, 503, 503, 404, 404, 404, 404, 404, 503, 503}}},
      {"GET /saml/acs", {level::base, "", {503, 503, 503, 503, 503, 503, 404, 404, 404, 404, 404, 503, 503}}},
      {"POST /saml/acs",
       {level::base, "", {503, 503, 503, 503, 503, 503, 404, 404, 404, 404, 404, 503, 503}}},
      {"GET /saml/metadata", {level::base, "", portal_page}},
      {"POST /saml/logout",
       {level::base, "", {401, 204, 204, 204, 204, 204, 404, 404, 404, 404, 404, 401, 401}}},
      {"GET /api/v1/sessie", {level::base, "", any_user_200}},
      // --- onboarding
      {"GET /api/v1/cohorten", {level::base, "", any_user_200}},
      {"GET /api/v1/cohorten/{cohortId}", {level::base, "", any_user_200}},
      {"POST /api/v1/cohorten", {level::base, edit_cohort_body, portal_only(201, {admin})}},
      {"PUT /api/v1/cohorten/{cohortId}", {level::registered, edit_cohort_body, portal_only(200, {admin})}},
      {"POST /api/v1/cohorten/{cohortId}/sluiting", {level::registered, "", portal_only(200, {admin})}},
      {"GET /api/v1/aansluitvoorwaarden", {level::base, "", any_user_200}},
      {"GET /api/v1/aansluitvoorwaarden/{versie}", {level::base, "", any_user_200}},
      {"POST /api/v1/aansluitvoorwaarden",
       {level::base, R"({"versie":"2026-9","tekst":"Nieuwe voorwaarden"})", portal_only(201, {admin})}},
      {"GET /api/v1/gemeenten", {level::base, "", portal_only(200, {admin})}},
      {"GET /api/v1/gemeenten/{gemeentecode}/aansluiting",
       {level::registered, "", portal_only(200, {cw_a, sig_a, admin})}},
      {"POST /api/v1/gemeenten/{gemeentecode}/aanmelding",
       {level::base, "{cohort}", portal_only(201, {cw_a})}},
      {"POST /api/v1/gemeenten/{gemeentecode}/voorwaardenacceptatie",
       {level::registered, "{conditions}", portal_only(200, {cw_a})}},
      {"PUT /api/v1/gemeenten/{gemeentecode}/aanvraag",
       {level::conditions_accepted, "{application}", portal_only(200, {cw_a})}},
      {"POST /api/v1/gemeenten/{gemeentecode}/ondertekening",
       {level::application_draft, "{signing}", portal_only(200, {sig_a})}},
      {"POST /api/v1/gemeenten/{gemeentecode}/beoordeling",
       {level::application_signed, R"({"besluit":"GOEDKEUREN"})", portal_only(200, {admin})}},
      {"POST /api/v1/gemeenten/{gemeentecode}/statuswijziging",
       {level::connected, R"({"actie":"OPSCHORTEN","reden":"Onderhoud"})", portal_only(200, {admin})}},
      // --- deliveries: prisons push, municipalities (system or case worker) read their own inbox
      {"POST /api/v1/detentiemeldingen", {level::connected, "{detention}", prison_only(201)}},
      {"POST /api/v1/informatiebladen", {level::connected, "{sheet}", prison_only(201)}},
      // A withdrawal needs a sheet held under its consent (issue 14).
      {"POST /api/v1/intrekkingen", {level::sheet_delivered, "{withdrawal}", prison_only(201)}},
      {"GET /api/v1/leveringen/{berichtId}", {level::delivered, "", prison_only(200)}},
      {"GET /api/v1/berichten",
       {level::delivered, "", {401, 200, 403, 200, 403, 403, 403, 200, 200, 403, 403, 401, 401}}},
      {"POST /api/v1/berichten/_zoek",
       {level::delivered,
        R"({"bsn":"123456782"})",
        {401, 200, 403, 200, 403, 403, 403, 200, 200, 403, 403, 401, 401}}},
      {"GET /api/v1/berichten/{berichtId}",
       {level::delivered, "", {401, 200, 403, 404, 403, 403, 403, 200, 404, 403, 403, 401, 401}}},
      {"POST /api/v1/berichten/{berichtId}/ontvangstbevestiging",
       {level::delivered, "", {401, 200, 403, 404, 403, 403, 403, 200, 404, 403, 403, 401, 401}}},
      // --- administrators
      {"GET /api/v1/beheer/uitgaande-berichten", {level::delivered, "", portal_only(200, {admin})}},
      {"POST /api/v1/beheer/uitgaande-berichten/{berichtId}/nieuwe-poging",
       {level::delivered, "", portal_only(202, {admin})}},
      {"GET /api/v1/beheer/auditregels", {level::delivered, "", portal_only(200, {admin})}},
      // --- a municipality's settings
      {"GET /api/v1/gemeenten/{gemeentecode}/instellingen",
       {level::connected, "", portal_only(200, {cw_a, sig_a, admin})}},
      {"PUT /api/v1/gemeenten/{gemeentecode}/instellingen",
       {level::connected,
        R"({"wilDetentiemeldingen":true,"wilInformatiebladen":false,)"
        R"("pushEndpoint":"https://nieuw.amsterdam.example.nl/poort","systeemcertificaatPem":)" +
            json_string(new_certificate) + "}",
        portal_only(200, {sig_a})}},
  };
}

std::string key_of(const route& r) { return std::string(http::to_string(r.method)) + " " + r.pattern; }

std::string fill(std::string pattern, const portal_env& env) {
  const auto replace = [&](std::string_view from, std::string_view to) {
    if (auto at = pattern.find(from); at != std::string::npos) pattern.replace(at, from.size(), to);
  };
  replace("{gemeentecode}", code_a);
  replace("{cohortId}", env.cohort_id);
  replace("{versie}", "2026-1");
  replace("{berichtId}", message_id);
  replace("{asset}", "index.html");
  replace("{dir}", "css");
  replace("{file}", "poort.css");
  return pattern;
}

/// The body of a row, with the placeholders that depend on the staged state.
std::string body_for(const std::string& body, portal_env& env) {
  if (body == "{cohort}") return R"({"cohortId":")" + env.cohort_id + R"("})";
  if (body == "{conditions}")
    return R"({"versie":"2026-1","sha256":")" + sha256_hex("Aansluitvoorwaarden 2026-1") + R"("})";
  if (body == "{application}") return env.application_body();
  if (body == "{signing}") {
    auto view = env.call(env.casework_a(), http::verb::get, "/api/v1/gemeenten/GM0363/aansluiting");
    return R"({"aanvraagSha256":)" + boost::json::serialize(body_of(view).at("aanvraagSha256")) + "}";
  }
  if (body == "{detention}") return portal_env::detention_body("11111111-2222-4333-8444-555555555555");
  if (body == "{sheet}") return portal_env::sheet_body("11111111-2222-4333-8444-666666666666");
  if (body == "{withdrawal}") return portal_env::withdrawal_body("11111111-2222-4333-8444-777777777777");
  return body;
}

// Verifies that the table lists exactly the routes the application serves.
TEST(AccessPolicy, TableCoversEveryRoute) {
  portal_env env;
  std::set<std::string> served;
  for (const auto& r : env.application().routes().routes()) served.insert(key_of(r));
  std::set<std::string> table;
  for (const auto& [key, cells] : policy()) table.insert(key);
  EXPECT_EQ(served, table);
  EXPECT_EQ(served.size(), policy().size());
}

// Verifies every route against every kind of caller: the exact status of the table, and a
// problem+json body for every refusal.
TEST(AccessPolicy, EveryRouteAgainstEveryCaller) {
  const auto table = policy();
  const auto who = callers();
  std::size_t cells = 0;
  for (const auto& [key, expected] : table) {
    const auto space = key.find(' ');
    const auto method = http::string_to_verb(key.substr(0, space));
    const std::string pattern = key.substr(space + 1);
    portal_env env;
    ASSERT_NO_THROW(env.stage(expected.state)) << key;
    const std::string target = fill(pattern, env);
    for (std::size_t c = 0; c < n_callers; ++c) {
      const std::string body = expected.body.empty() ? "" : body_for(expected.body, env);
      auto res = env.call(who[c], method, target, body);
      ++cells;
      EXPECT_EQ(res.result_int(), expected.expected[c])
          << key << " as " << who[c].name << ": " << res.result_int() << " " << res.body().substr(0, 300);
      if (res.result_int() == 401 || res.result_int() == 403 ||
          (res.result_int() == 404 && pattern.starts_with("/api/"))) {
        EXPECT_EQ(res[http::field::content_type], "application/problem+json") << key << " as " << who[c].name;
      }
    }
  }
  EXPECT_EQ(cells, table.size() * n_callers);
}

// Verifies that every state-changing portal route for logged-in users refuses a request whose
// CSRF token is not the session's, before anything is changed.
TEST(AccessPolicy, EveryStateChangeNeedsTheCsrfToken) {
  const auto table = policy();
  const auto who = callers();
  std::size_t checked = 0;
  const portal_env probe;
  for (const auto& r : probe.application().routes().routes()) {
    if (r.method == http::verb::get || !(r.listeners & on_portal) || r.who == access::anyone) continue;
    const auto& expected = table.at(key_of(r));
    std::size_t allowed = n_callers;  // a portal user whom the table allows
    for (std::size_t c = 0; c < n_callers; ++c)
      if (expected.expected[c] < 300 && who[c].role && who[c].listener == listener_kind::portal) allowed = c;
    ASSERT_LT(allowed, n_callers) << key_of(r);
    portal_env env;
    env.stage(expected.state);
    const auto& s = env.session_of(who[allowed]);
    request req{r.method, fill(r.pattern, env), 11};
    req.set(http::field::cookie, std::string(auth::session_cookie_name) + "=" + s.id);
    req.set("X-CSRF-Token", std::string(43, 'x'));
    req.set(http::field::content_type, "application/json");
    req.body() = expected.body.empty() ? "" : body_for(expected.body, env);
    req.prepare_payload();
    const auto last_seq = [&] {
      return env.db().read(
          [](store::reader& rd) { return rd.query_int64("SELECT max(seq) FROM audit_log"); });
    };
    const auto audit_before = last_seq();
    request_context ctx;
    ctx.remote_address = "192.0.2.10";
    auto res = env.application().handle(env.application().find(listener_kind::portal, r.method, req.target()),
                                        req, ctx);
    EXPECT_EQ(res.result_int(), 403u) << key_of(r);
    EXPECT_EQ(body_of(res).at("code").as_string(), "csrf_token_invalid") << key_of(r);
    EXPECT_EQ(*audit_before, *last_seq()) << key_of(r) << ": nothing happened, so nothing is audited";
    ++checked;
  }
  EXPECT_EQ(checked, 15u);  // with the inbox search (issue 17), a POST that changes nothing but the audit
}

// Verifies that B's users and system neither read nor change A's data: refused (403 on the
// municipality, 404 on its message), and A's state, message and settings stay as they were.
TEST(AccessPolicy, NoCallerReadsOrChangesAnotherMunicipality) {
  portal_env env;
  env.stage(level::delivered);
  const auto who = callers();
  auto read = env.call(who[cw_b], http::verb::get, "/api/v1/gemeenten/GM0363/aansluiting");
  ASSERT_EQ(read.result_int(), 403u);
  EXPECT_EQ(body_of(read).at("code").as_string(), "other_organisation");
  EXPECT_EQ(body_of(read).at("detail").as_string(),
            "U bent ingelogd voor een andere organisatie dan deze gemeente. Log in namens deze gemeente.");
  EXPECT_EQ(read.body().find("Amsterdam"), std::string::npos);
  auto message = env.call(who[sys_b], http::verb::get, "/api/v1/berichten/" + std::string(message_id));
  ASSERT_EQ(message.result_int(), 404u);
  EXPECT_EQ(message.body().find("123456782"), std::string::npos);
  auto none = env.call(who[sys_b], http::verb::get, "/api/v1/berichten/11111111-2222-4333-8444-999999999999");
  EXPECT_EQ(body_of(message).at("code"), body_of(none).at("code")) << "A's message looks like no message";
  EXPECT_EQ(env.call(who[cw_b], http::verb::post,
                     "/api/v1/berichten/" + std::string(message_id) + "/ontvangstbevestiging")
                .result_int(),
            404u);
  EXPECT_EQ(env.call(who[sig_b], http::verb::put, "/api/v1/gemeenten/GM0363/instellingen",
                     R"({"wilDetentiemeldingen":false,"wilInformatiebladen":false})")
                .result_int(),
            403u);
  auto list = env.call(who[sys_b], http::verb::get, "/api/v1/berichten");
  ASSERT_EQ(list.result_int(), 200u);
  EXPECT_TRUE(body_of(list).at("berichten").as_array().empty());

  auto own = env.call(who[cw_a], http::verb::get, "/api/v1/berichten/" + std::string(message_id));
  ASSERT_EQ(own.result_int(), 200u);
  EXPECT_TRUE(body_of(own).at("bevestigdOp").is_null()) << "B's acknowledgement did not count";
  auto settings = env.call(who[cw_a], http::verb::get, "/api/v1/gemeenten/GM0363/instellingen");
  EXPECT_TRUE(body_of(settings).at("wilDetentiemeldingen").as_bool()) << "B's change did not count";
  auto state = env.db().read([](store::reader& r) -> result<domain::onboarding> {
    auto m = store::find_municipality(r, code_a, "2026-06-01");
    if (!m) return m.error();
    return store::load_onboarding(r, (*m)->id);
  });
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, domain::municipality_status::connected);
  // Every attempt on A's municipality by B is in the audit trail.
  auto denied = env.db().read([](store::reader& r) {
    store::audit_filter f;
    f.object = "gemeente:GM0363";
    return store::query_audit(r, f);
  });
  ASSERT_TRUE(denied);
  std::size_t refusals = 0;
  for (const auto& e : *denied) refusals += e.record.result == "denied:OTHER_ORGANISATION";
  EXPECT_EQ(refusals, 2u);
}

}  // namespace
}  // namespace poort::routing::test
