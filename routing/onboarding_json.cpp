#include "routing/onboarding_json.hpp"

#include "common/crypto.hpp"

namespace poort::routing {

namespace json = boost::json;

json::value time_or_null(const std::optional<sys_time>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::object cohort_json(const domain::cohort& c, sys_time now) {
  const auto& s = c.settings;
  return {{"id", c.id},
          {"naam", s.name},
          {"soort", domain::to_string(s.kind)},
          {"opentOp", format_rfc3339(s.opens_at)},
          {"sluitOp", format_rfc3339(s.closes_at)},
          {"capaciteit", s.capacity},
          {"aansluitenOp", format_rfc3339(s.connection_at)},
          {"vroegtijdigGesloten", c.closed_early},
          {"aangemeld", c.registered},
          {"aanmeldingOpen", domain::registration_open(c, now) && c.registered < s.capacity}};
}

json::object municipality_json(const store::municipality_record& m, std::optional<sys_time> signed_at) {
  return {{"gemeentecode", m.gemeentecode},
          {"naam", m.naam},
          {"kvkNummer", m.kvk},
          {"rsin", m.rsin},
          {"oin", m.oin},
          {"geldigVan", m.geldig_van},
          {"geldigTot", m.geldig_tot.empty() ? json::value(nullptr) : json::value(m.geldig_tot)},
          {"status", domain::to_string(m.status)},
          {"ondertekendOp", signed_at ? json::value(format_rfc3339(*signed_at)) : json::value(nullptr)}};
}

json::object onboarding_json(const store::municipality_record& m, const domain::onboarding& s,
                             const std::optional<store::conditions_text>& current,
                             const std::optional<domain::cohort>& cohort) {
  json::object o{{"gemeentecode", m.gemeentecode},
                 {"naam", m.naam},
                 {"oin", m.oin},
                 {"status", domain::to_string(s.status)},
                 {"cohortId", s.cohort_id.empty() ? json::value(nullptr) : json::value(s.cohort_id)},
                 {"cohortNaam", cohort ? json::value(cohort->settings.name) : json::value(nullptr)},
                 {"aangemeldOp", time_or_null(s.registered_at)},
                 {"voorwaarden", nullptr},
                 {"actueleVoorwaarden", nullptr},
                 {"aanvraag", nullptr},
                 {"aanvraagTekst", nullptr},
                 {"aanvraagSha256", nullptr},
                 {"ondertekening", nullptr},
                 {"beoordeling", nullptr},
                 {"aangeslotenOp", time_or_null(s.connected_at)},
                 {"statusReden", s.status_reason}};
  if (s.conditions)
    o["voorwaarden"] = {{"versie", s.conditions->document.version},
                        {"sha256", s.conditions->document.sha256},
                        {"geaccepteerdOp", format_rfc3339(s.conditions->accepted_at)}};
  if (current)
    o["actueleVoorwaarden"] = {{"versie", current->document.version}, {"sha256", current->document.sha256}};
  if (s.application) {
    o["aanvraag"] = domain::to_json(*s.application);
    if (s.signature && s.status != domain::municipality_status::rejected) {
      o["aanvraagTekst"] = s.signature->text;
      o["aanvraagSha256"] = s.signature->application_sha256;
    } else if (s.conditions && cohort) {
      const std::string text = domain::canonical_application_text(*s.application, s.conditions->document,
                                                                  store::to_domain(m), *cohort);
      o["aanvraagSha256"] = sha256_hex(text);
      o["aanvraagTekst"] = text;
    }
  }
  if (s.signature)
    o["ondertekening"] = {{"ondertekenaar", s.signature->signatory_pseudonym},
                          {"ondertekendOp", format_rfc3339(s.signature->signed_at)},
                          {"assertionId", s.signature->assertion_id},
                          {"voorwaardenVersie", s.signature->conditions.version},
                          {"voorwaardenSha256", s.signature->conditions.sha256},
                          {"aanvraagSha256", s.signature->application_sha256}};
  if (s.review)
    o["beoordeling"] = {
        {"besluit", s.review->decision == domain::review_decision::approved ? "GOEDGEKEURD" : "AFGEWEZEN"},
        {"reden", s.review->reason},
        {"beslotenOp", format_rfc3339(s.review->decided_at)}};
  return o;
}

}  // namespace poort::routing
