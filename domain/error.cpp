#include "domain/error.hpp"

namespace poort::domain {
namespace {

struct info {
  std::string_view code;
  condition outcome;
  std::string_view english;  // for log lines
  std::string_view dutch;    // for the portal
};

// A switch without `default`, so -Wswitch (with -Werror) catches a code
// that has no entry.
constexpr info describe(error e) noexcept {
  using c = condition;
  switch (e) {
    case error::ok: return {"OK", c::ok, "ok", "Gelukt."};
    case error::bsn_invalid: return {"BSN_INVALID", c::bad_request, "invalid BSN", "Het BSN is ongeldig."};
    case error::rsin_invalid:
      return {"RSIN_INVALID", c::bad_request, "invalid RSIN", "Het RSIN is ongeldig."};
    case error::kvk_invalid:
      return {"KVK_INVALID", c::bad_request, "invalid KvK number", "Het KvK-nummer is ongeldig."};
    case error::oin_invalid: return {"OIN_INVALID", c::bad_request, "invalid OIN", "Het OIN is ongeldig."};
    case error::gemeentecode_invalid:
      return {"GEMEENTECODE_INVALID", c::bad_request, "invalid gemeentecode",
              "De gemeentecode is ongeldig (verwacht: GM gevolgd door vier cijfers)."};
    case error::uuid_invalid: return {"UUID_INVALID", c::bad_request, "invalid UUID", "De UUID is ongeldig."};
    case error::vestigingsnummer_invalid:
      return {"VESTIGINGSNUMMER_INVALID", c::bad_request, "invalid vestigingsnummer",
              "Het vestigingsnummer is ongeldig."};

    case error::json_malformed:
      return {"JSON_MALFORMED", c::bad_request, "body is not valid JSON",
              "Het bericht is geen geldige JSON."};
    case error::body_too_large:
      return {"BODY_TOO_LARGE", c::too_large, "body too large", "Het bericht is te groot."};
    case error::duplicate_field:
      return {"DUPLICATE_FIELD", c::bad_request, "field given twice", "Een veld komt twee keer voor."};
    case error::unknown_field:
      return {"UNKNOWN_FIELD", c::bad_request, "unknown field", "Dit veld is onbekend."};
    case error::field_required:
      return {"FIELD_REQUIRED", c::bad_request, "field required", "Dit veld is verplicht."};
    case error::wrong_type:
      return {"WRONG_TYPE", c::bad_request, "wrong JSON type", "Dit veld heeft het verkeerde type."};
    case error::value_empty:
      return {"VALUE_EMPTY", c::bad_request, "value empty", "Dit veld mag niet leeg zijn."};
    case error::value_too_long:
      return {"VALUE_TOO_LONG", c::bad_request, "value too long", "Dit veld is te lang."};
    case error::value_invalid_characters:
      return {"VALUE_INVALID_CHARACTERS", c::bad_request, "control characters in text",
              "Dit veld bevat ongeldige tekens."};
    case error::too_many_items:
      return {"TOO_MANY_ITEMS", c::bad_request, "too many items", "Dit veld bevat te veel items."};
    case error::duplicate_item:
      return {"DUPLICATE_ITEM", c::bad_request, "item given twice", "Een item komt twee keer voor."};
    case error::value_unknown:
      return {"VALUE_UNKNOWN", c::bad_request, "value not allowed", "Deze waarde is niet toegestaan."};
    case error::number_out_of_range:
      return {"NUMBER_OUT_OF_RANGE", c::bad_request, "number out of range",
              "Dit getal valt buiten het toegestane bereik."};
    case error::date_invalid:
      return {"DATE_INVALID", c::bad_request, "invalid date", "De datum is ongeldig (verwacht: JJJJ-MM-DD)."};
    case error::date_inconsistent:
      return {"DATE_INCONSISTENT", c::bad_request, "dates inconsistent",
              "De datums zijn met elkaar in strijd."};
    case error::email_invalid:
      return {"EMAIL_INVALID", c::bad_request, "invalid e-mail address", "Het e-mailadres is ongeldig."};
    case error::phone_invalid:
      return {"PHONE_INVALID", c::bad_request, "invalid telephone number", "Het telefoonnummer is ongeldig."};
    case error::url_invalid:
      return {"URL_INVALID", c::bad_request, "invalid https URL",
              "Het adres moet een https-URL zijn zonder gebruikersnaam of fragment."};
    case error::fingerprint_invalid:
      return {"FINGERPRINT_INVALID", c::bad_request, "invalid SHA-256 fingerprint",
              "De vingerafdruk moet een SHA-256-waarde zijn (64 hexadecimale tekens)."};
    case error::topic_wrong_section:
      return {"TOPIC_WRONG_SECTION", c::bad_request, "topic belongs to another section",
              "Dit onderwerp hoort bij een andere basisvoorwaarde."};
    case error::version_inconsistent:
      return {"VERSION_INCONSISTENT", c::bad_request, "versie and vervangt disagree",
              "Versie 1 vervangt niets; een latere versie moet het vervangen bericht noemen."};
    case error::replaces_itself:
      return {"REPLACES_ITSELF", c::bad_request, "sheet replaces itself",
              "Een informatieblad kan zichzelf niet vervangen."};

    case error::not_permitted:
      return {"NOT_PERMITTED", c::forbidden, "role may not do this",
              "U bent niet bevoegd voor deze handeling."};
    case error::other_organisation:
      return {"OTHER_ORGANISATION", c::forbidden, "actor belongs to another organisation",
              "U bent ingelogd voor een andere organisatie dan deze gemeente."};
    case error::cohort_name_invalid:
      return {"COHORT_NAME_INVALID", c::unprocessable, "invalid cohort name",
              "De naam van het cohort is leeg, te lang of bevat ongeldige tekens."};
    case error::cohort_window_invalid:
      return {"COHORT_WINDOW_INVALID", c::unprocessable, "window closes before it opens",
              "De aanmeldperiode moet sluiten na het moment van openen."};
    case error::cohort_capacity_invalid:
      return {"COHORT_CAPACITY_INVALID", c::unprocessable, "invalid capacity",
              "De capaciteit moet minstens 1 zijn, niet te groot, en niet lager dan het aantal "
              "aangemelde gemeenten."};
    case error::cohort_connection_date_invalid:
      return {"COHORT_CONNECTION_DATE_INVALID", c::unprocessable, "connection date before the window opens",
              "De aansluitdatum mag niet voor de opening van de aanmeldperiode liggen."};
    case error::cohort_closed:
      return {"COHORT_CLOSED", c::conflict, "cohort registration already closed",
              "De aanmeldperiode van dit cohort is al gesloten."};
    case error::registration_not_open:
      return {"REGISTRATION_NOT_OPEN", c::conflict, "registration window not open yet",
              "De aanmeldperiode van dit cohort is nog niet begonnen."};
    case error::registration_closed:
      return {"REGISTRATION_CLOSED", c::conflict, "registration window closed",
              "De aanmeldperiode van dit cohort is gesloten."};
    case error::cohort_full:
      return {"COHORT_FULL", c::conflict, "cohort full",
              "Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld."};
    case error::already_registered:
      return {"ALREADY_REGISTERED", c::conflict, "municipality already registered",
              "Uw gemeente is al aangemeld."};
    case error::invalid_transition:
      return {"INVALID_TRANSITION", c::conflict, "not allowed in the current status",
              "Deze stap is in de huidige status van de aansluiting niet mogelijk."};
    case error::conditions_outdated:
      return {"CONDITIONS_OUTDATED", c::conflict, "conditions shown are not current",
              "De aansluitvoorwaarden zijn gewijzigd; lees en accepteer de nieuwe versie."};
    case error::application_locked:
      return {"APPLICATION_LOCKED", c::conflict, "application can no longer change",
              "De aanvraag kan in deze status niet meer worden gewijzigd."};
    case error::application_oin_mismatch:
      return {"APPLICATION_OIN_MISMATCH", c::unprocessable, "certificate OIN is not the municipality's",
              "Het OIN van het systeemcertificaat is niet het OIN van uw gemeente."};
    case error::application_changed:
      return {"APPLICATION_CHANGED", c::conflict, "application changed since it was shown",
              "De aanvraag is gewijzigd nadat u deze heeft ingezien; bekijk de aanvraag opnieuw."};
    case error::assertion_id_invalid:
      return {"ASSERTION_ID_INVALID", c::bad_request, "missing or malformed assertion ID",
              "De ondertekening mist een geldige inlogverklaring."};
    case error::reason_required:
      return {"REASON_REQUIRED", c::unprocessable, "reason required", "Geef een reden op."};
    case error::reason_too_long:
      return {"REASON_TOO_LONG", c::unprocessable, "reason too long", "De reden is te lang."};
    case error::connection_date_not_reached:
      return {"CONNECTION_DATE_NOT_REACHED", c::conflict, "connection date not reached",
              "De aansluitdatum van het cohort is nog niet bereikt."};

    case error::municipality_unknown:
      return {"MUNICIPALITY_UNKNOWN", c::unprocessable, "no municipality with this code",
              "Er is geen gemeente met deze gemeentecode bekend."};
    case error::not_connected:
      return {"NOT_CONNECTED", c::unprocessable, "municipality not connected",
              "De gemeente is niet aangesloten."};
    case error::not_wanted:
      return {"NOT_WANTED", c::unprocessable, "municipality does not receive this kind",
              "De gemeente ontvangt dit soort berichten niet."};
    case error::consent_missing:
      return {"CONSENT_MISSING", c::unprocessable, "section without consent",
              "Voor deze basisvoorwaarde is geen toestemming gegeven."};
    case error::consent_withdrawn:
      return {"CONSENT_WITHDRAWN", c::unprocessable, "consent for this section was withdrawn",
              "De toestemming voor deze basisvoorwaarde is ingetrokken."};
    case error::replacement_other_person:
      return {"REPLACEMENT_OTHER_PERSON", c::unprocessable,
              "replaced sheet concerns another person or municipality",
              "Het vervangen informatieblad gaat over een andere persoon of gemeente."};
    case error::replacement_not_newer:
      return {"REPLACEMENT_NOT_NEWER", c::conflict, "version not newer than the replaced sheet",
              "De versie is niet hoger dan die van het vervangen informatieblad."};
    case error::bericht_id_conflict:
      return {"BERICHT_ID_CONFLICT", c::conflict, "berichtId reused with another body",
              "Dit berichtId is al gebruikt voor een ander bericht."};
    case error::withdrawal_unmatched:
      return {"WITHDRAWAL_UNMATCHED", c::unprocessable, "withdrawal concerns no sheet held of this person",
              "Deze intrekking hoort bij geen informatieblad van deze persoon dat nog bewaard wordt."};
    case error::other_prison:
      return {
          "OTHER_PRISON", c::forbidden, "the sheet was sent by another prison",
          "Alleen de inrichting die het informatieblad stuurde, of de inrichting van dezelfde organisatie "
          "waarheen de gedetineerde is overgeplaatst en die het informatieblad noemt, mag het vervangen of "
          "intrekken."};
  }
  return {"UNKNOWN", c::internal, "unknown domain error", "Er is een onbekende fout opgetreden."};
}

class domain_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.domain"; }
  std::string message(int ev) const override { return std::string{describe(static_cast<error>(ev)).english}; }
  error_condition default_error_condition(int ev) const noexcept override {
    return make_error_condition(describe(static_cast<error>(ev)).outcome);
  }
};

}  // namespace

const error_category& domain_category() noexcept {
  static const domain_category_impl instance;
  return instance;
}

std::string_view reason_code(error e) noexcept { return describe(e).code; }

std::string_view dutch_message(error e) noexcept { return describe(e).dutch; }

error domain_error_of(const error_code& ec) noexcept {
  if (!ec || ec.category() != domain_category()) return error::ok;
  return static_cast<error>(ec.value());
}

}  // namespace poort::domain
