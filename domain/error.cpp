#include "domain/error.hpp"

#include <cstddef>
#include <iterator>

namespace poort::domain {
namespace {

struct info {
  error e;
  std::string_view code;
  condition outcome;
  std::string_view english;  // for log lines
  std::string_view dutch;    // for the portal
};

using c = condition;

// One row per code, in the enum's order: the static_asserts below fail the
// build when a code has no row or the rows are out of order.
constexpr info table[] = {
    {error::ok, "OK", c::ok, "ok", "Gelukt."},
    {error::bsn_invalid, "BSN_INVALID", c::bad_request, "invalid BSN", "Het BSN is ongeldig."},
    {error::rsin_invalid, "RSIN_INVALID", c::bad_request, "invalid RSIN", "Het RSIN is ongeldig."},
    {error::kvk_invalid, "KVK_INVALID", c::bad_request, "invalid KvK number", "Het KvK-nummer is ongeldig."},
    {error::oin_invalid, "OIN_INVALID", c::bad_request, "invalid OIN", "Het OIN is ongeldig."},
    {error::gemeentecode_invalid, "GEMEENTECODE_INVALID", c::bad_request, "invalid gemeentecode",
     "De gemeentecode is ongeldig (verwacht: GM gevolgd door vier cijfers)."},
    {error::uuid_invalid, "UUID_INVALID", c::bad_request, "invalid UUID", "De UUID is ongeldig."},
    {error::vestigingsnummer_invalid, "VESTIGINGSNUMMER_INVALID", c::bad_request, "invalid vestigingsnummer",
     "Het vestigingsnummer is ongeldig."},
    {error::json_malformed, "JSON_MALFORMED", c::bad_request, "body is not valid JSON",
     "Het bericht is geen geldige JSON."},
    {error::body_too_large, "BODY_TOO_LARGE", c::too_large, "body too large", "Het bericht is te groot."},
    {error::duplicate_field, "DUPLICATE_FIELD", c::bad_request, "field given twice",
     "Een veld komt twee keer voor."},
    {error::unknown_field, "UNKNOWN_FIELD", c::bad_request, "unknown field", "Dit veld is onbekend."},
    {error::field_required, "FIELD_REQUIRED", c::bad_request, "field required", "Dit veld is verplicht."},
    {error::wrong_type, "WRONG_TYPE", c::bad_request, "wrong JSON type",
     "Dit veld heeft het verkeerde type."},
    {error::value_empty, "VALUE_EMPTY", c::bad_request, "value empty", "Dit veld mag niet leeg zijn."},
    {error::value_too_long, "VALUE_TOO_LONG", c::bad_request, "value too long", "Dit veld is te lang."},
    {error::value_invalid_characters, "VALUE_INVALID_CHARACTERS", c::bad_request,
     "control characters in text", "Dit veld bevat ongeldige tekens."},
    {error::too_many_items, "TOO_MANY_ITEMS", c::bad_request, "too many items",
     "Dit veld bevat te veel items."},
    {error::duplicate_item, "DUPLICATE_ITEM", c::bad_request, "item given twice",
     "Een item komt twee keer voor."},
    {error::value_unknown, "VALUE_UNKNOWN", c::bad_request, "value not allowed",
     "Deze waarde is niet toegestaan."},
    {error::number_out_of_range, "NUMBER_OUT_OF_RANGE", c::bad_request, "number out of range",
     "Dit getal valt buiten het toegestane bereik."},
    {error::date_invalid, "DATE_INVALID", c::bad_request, "invalid date",
     "De datum is ongeldig (verwacht: JJJJ-MM-DD)."},
    {error::date_inconsistent, "DATE_INCONSISTENT", c::bad_request, "dates inconsistent",
     "De datums zijn met elkaar in strijd."},
    {error::email_invalid, "EMAIL_INVALID", c::bad_request, "invalid e-mail address",
     "Het e-mailadres is ongeldig."},
    {error::phone_invalid, "PHONE_INVALID", c::bad_request, "invalid telephone number",
     "Het telefoonnummer is ongeldig."},
    {error::url_invalid, "URL_INVALID", c::bad_request, "invalid https URL",
     "Het adres moet een https-URL zijn zonder gebruikersnaam of fragment."},
    {error::fingerprint_invalid, "FINGERPRINT_INVALID", c::bad_request, "invalid SHA-256 fingerprint",
     "De vingerafdruk moet een SHA-256-waarde zijn (64 hexadecimale tekens)."},
    {error::topic_wrong_section, "TOPIC_WRONG_SECTION", c::bad_request, "topic belongs to another section",
     "Dit onderwerp hoort bij een andere basisvoorwaarde."},
    {error::version_inconsistent, "VERSION_INCONSISTENT", c::bad_request, "versie and vervangt disagree",
     "Versie 1 vervangt niets; een latere versie moet het vervangen bericht noemen."},
    {error::replaces_itself, "REPLACES_ITSELF", c::bad_request, "sheet replaces itself",
     "Een informatieblad kan zichzelf niet vervangen."},
    {error::not_permitted, "NOT_PERMITTED", c::forbidden, "role may not do this",
     "U bent niet bevoegd voor deze handeling."},
    {error::other_organisation, "OTHER_ORGANISATION", c::forbidden, "actor belongs to another organisation",
     "U bent ingelogd voor een andere organisatie dan deze gemeente."},
    {error::cohort_name_invalid, "COHORT_NAME_INVALID", c::unprocessable, "invalid cohort name",
     "De naam van het cohort is leeg, te lang of bevat ongeldige tekens."},
    {error::cohort_window_invalid, "COHORT_WINDOW_INVALID", c::unprocessable, "window closes before it opens",
     "De aanmeldperiode moet sluiten na het moment van openen."},
    {error::cohort_capacity_invalid, "COHORT_CAPACITY_INVALID", c::unprocessable, "invalid capacity",
     "De capaciteit moet minstens 1 zijn, niet te groot, en niet lager dan het aantal aangemelde gemeenten."},
    {error::cohort_connection_date_invalid, "COHORT_CONNECTION_DATE_INVALID", c::unprocessable,
     "connection date before the window opens",
     "De aansluitdatum mag niet voor de opening van de aanmeldperiode liggen."},
    {error::cohort_closed, "COHORT_CLOSED", c::conflict, "cohort registration already closed",
     "De aanmeldperiode van dit cohort is al gesloten."},
    {error::registration_not_open, "REGISTRATION_NOT_OPEN", c::conflict, "registration window not open yet",
     "De aanmeldperiode van dit cohort is nog niet begonnen."},
    {error::registration_closed, "REGISTRATION_CLOSED", c::conflict, "registration window closed",
     "De aanmeldperiode van dit cohort is gesloten."},
    {error::cohort_full, "COHORT_FULL", c::conflict, "cohort full",
     "Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld."},
    {error::already_registered, "ALREADY_REGISTERED", c::conflict, "municipality already registered",
     "Uw gemeente is al aangemeld."},
    {error::invalid_transition, "INVALID_TRANSITION", c::conflict, "not allowed in the current status",
     "Deze stap is in de huidige status van de aansluiting niet mogelijk."},
    {error::conditions_outdated, "CONDITIONS_OUTDATED", c::conflict, "conditions shown are not current",
     "De aansluitvoorwaarden zijn gewijzigd; lees en accepteer de nieuwe versie."},
    {error::application_locked, "APPLICATION_LOCKED", c::conflict, "application can no longer change",
     "De aanvraag kan in deze status niet meer worden gewijzigd."},
    {error::application_oin_mismatch, "APPLICATION_OIN_MISMATCH", c::unprocessable,
     "certificate OIN is not the municipality's",
     "Het OIN van het systeemcertificaat is niet het OIN van uw gemeente."},
    {error::application_changed, "APPLICATION_CHANGED", c::conflict, "application changed since it was shown",
     "De aanvraag is gewijzigd nadat u deze heeft ingezien; bekijk de aanvraag opnieuw."},
    {error::assertion_id_invalid, "ASSERTION_ID_INVALID", c::bad_request, "missing or malformed assertion ID",
     "De ondertekening mist een geldige inlogverklaring."},
    {error::reason_required, "REASON_REQUIRED", c::unprocessable, "reason required", "Geef een reden op."},
    {error::reason_too_long, "REASON_TOO_LONG", c::unprocessable, "reason too long", "De reden is te lang."},
    {error::connection_date_not_reached, "CONNECTION_DATE_NOT_REACHED", c::conflict,
     "connection date not reached", "De aansluitdatum van het cohort is nog niet bereikt."},
    {error::municipality_unknown, "MUNICIPALITY_UNKNOWN", c::unprocessable, "no municipality with this code",
     "Er is geen gemeente met deze gemeentecode bekend."},
    {error::not_connected, "NOT_CONNECTED", c::unprocessable, "municipality not connected",
     "De gemeente is niet aangesloten."},
    {error::not_wanted, "NOT_WANTED", c::unprocessable, "municipality does not receive this kind",
     "De gemeente ontvangt dit soort berichten niet."},
    {error::consent_missing, "CONSENT_MISSING", c::unprocessable, "section without consent",
     "Voor deze basisvoorwaarde is geen toestemming gegeven."},
    {error::consent_withdrawn, "CONSENT_WITHDRAWN", c::unprocessable,
     "consent for this section was withdrawn", "De toestemming voor deze basisvoorwaarde is ingetrokken."},
    {error::replacement_other_person, "REPLACEMENT_OTHER_PERSON", c::unprocessable,
     "replaced sheet concerns another person or municipality",
     "Het vervangen informatieblad gaat over een andere persoon of gemeente."},
    {error::replacement_not_newer, "REPLACEMENT_NOT_NEWER", c::conflict,
     "version not newer than the replaced sheet",
     "De versie is niet hoger dan die van het vervangen informatieblad."},
    {error::bericht_id_conflict, "BERICHT_ID_CONFLICT", c::conflict, "berichtId reused with another body",
     "Dit berichtId is al gebruikt voor een ander bericht."},
    {error::withdrawal_unmatched, "WITHDRAWAL_UNMATCHED", c::unprocessable,
     "withdrawal concerns no sheet held of this person",
     "Deze intrekking hoort bij geen informatieblad van deze persoon dat nog bewaard wordt."},
    {error::other_prison, "OTHER_PRISON", c::forbidden, "the sheet was sent by another prison",
     "Alleen de inrichting die het informatieblad stuurde, of de inrichting van dezelfde organisatie "
     "waarheen de gedetineerde is overgeplaatst en die het informatieblad noemt, mag het vervangen of "
     "intrekken."},
};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(table); ++i)
    if (static_cast<std::size_t>(table[i].e) != i) return false;
  return true;
}
static_assert(std::size(table) == static_cast<std::size_t>(last_error) + 1, "a domain::error without a row");
static_assert(in_enum_order(), "the rows of domain::error's table are not in the enum's order");

constexpr info unknown{error::ok, "UNKNOWN", c::internal, "unknown domain error",
                       "Er is een onbekende fout opgetreden."};

constexpr const info& describe(error e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < std::size(table) ? table[i] : unknown;
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
