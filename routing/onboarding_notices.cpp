#include "routing/onboarding_notices.hpp"

namespace poort::routing {
namespace {

using domain::municipality_status;

constexpr std::string_view signature = "\n\nDit is een automatisch bericht van poort (Justid).\n";

std::string subject(std::string_view what, const store::municipality_record& m) {
  return std::string(what) + " - " + m.naam + " (" + m.gemeentecode + ")";
}

}  // namespace

std::vector<store::email_message> notices_for(std::string_view action, const store::transition_outcome& o,
                                              const config::email& cfg) {
  std::vector<store::email_message> out;
  if (!cfg.enabled || o.refusal) return out;
  const auto& m = o.municipality;
  const std::string coordinator =
      o.after.application ? o.after.application->coordinator.email : std::string{};
  const auto add = [&](std::string_view kind, const std::string& to, std::string_view what,
                       std::string body) {
    if (to.empty()) return;
    body += signature;
    out.push_back({0, std::string(kind), to, subject(what, m), std::move(body), 0});
  };
  if (action == "onboarding.register") {
    add("registration_received", cfg.administrator_address, "Aanmelding ontvangen",
        "De gemeente " + m.naam + " (" + m.gemeentecode + ") heeft zich aangemeld voor cohort " +
            o.after.cohort_id + ".");
  } else if (action == "onboarding.application.save" && o.after != o.before &&
             o.after.status == municipality_status::application_draft) {
    add("application_needs_signing", coordinator, "Aanvraag klaar voor ondertekening",
        "De aanvraag voor aansluiting van " + m.naam +
            " is opgeslagen en moet nog worden ondertekend door een tekenbevoegde van de gemeente. "
            "Log daarvoor in op het portaal met de dienst voor ondertekenen.");
  } else if (action == "onboarding.review.approve") {
    add("approved", coordinator, "Aanvraag goedgekeurd",
        "De aanvraag voor aansluiting van " + m.naam +
            " is goedgekeurd. De gemeente wordt aangesloten op de aansluitdatum van het cohort.");
  } else if (action == "onboarding.review.reject") {
    add("rejected", coordinator, "Aanvraag afgewezen",
        "De aanvraag voor aansluiting van " + m.naam + " is afgewezen. Reden:\n\n" +
            (o.after.review ? o.after.review->reason : std::string{}) +
            "\n\nU kunt de aanvraag aanpassen en opnieuw laten ondertekenen.");
  } else if ((action == "onboarding.connect.scheduled" || action == "onboarding.connect.now" ||
              action == "onboarding.reconnect") &&
             o.after.status == municipality_status::connected) {
    add("connected", coordinator, "Aangesloten",
        "De gemeente " + m.naam + " is aangesloten en ontvangt vanaf nu berichten.");
  }
  return out;
}

store::after_fn queue_notices(std::string action, config::email cfg, sys_time now) {
  return [action = std::move(action), cfg = std::move(cfg), now](
             store::transaction& tx, const store::transition_outcome& o) -> result<void> {
    for (const auto& message : notices_for(action, o, cfg))
      if (auto ok = store::enqueue_email(tx, message, now); !ok) return ok;
    return {};
  };
}

}  // namespace poort::routing
