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
    {error::bsn_invalid, "BSN_INVALID", c::bad_request, "invalid BSN",
     "Het BSN is ongeldig. Geef een BSN van negen cijfers dat de elfproef doorstaat."},
    {error::rsin_invalid, "RSIN_INVALID", c::bad_request, "invalid RSIN",
     "Het RSIN is ongeldig. Geef een RSIN van negen cijfers dat de elfproef doorstaat."},
    {error::kvk_invalid, "KVK_INVALID", c::bad_request, "invalid KvK number",
     "Het KvK-nummer is ongeldig. Geef een KvK-nummer van acht cijfers."},
    {error::oin_invalid, "OIN_INVALID", c::bad_request, "invalid OIN",
     "Het OIN is ongeldig. Geef een OIN van twintig cijfers."},
    {error::gemeentecode_invalid, "GEMEENTECODE_INVALID", c::bad_request, "invalid gemeentecode",
     "De gemeentecode is ongeldig. Geef GM gevolgd door vier cijfers, bijvoorbeeld GM0363."},
    {error::uuid_invalid, "UUID_INVALID", c::bad_request, "invalid UUID",
     "De UUID is ongeldig. Geef een UUID in de vorm 8-4-4-4-12 hexadecimale tekens."},
    {error::vestigingsnummer_invalid, "VESTIGINGSNUMMER_INVALID", c::bad_request, "invalid vestigingsnummer",
     "Het vestigingsnummer is ongeldig. Geef een vestigingsnummer van twaalf cijfers."},
    {error::json_malformed, "JSON_MALFORMED", c::bad_request, "body is not valid JSON",
     "Het bericht is geen geldige JSON. Controleer de opbouw van het bericht en stuur het opnieuw."},
    {error::body_too_large, "BODY_TOO_LARGE", c::too_large, "body too large",
     "Het bericht is te groot. Verklein het bericht en stuur het opnieuw."},
    {error::duplicate_field, "DUPLICATE_FIELD", c::bad_request, "field given twice",
     "Een veld komt twee keer voor. Geef elk veld maar één keer."},
    {error::unknown_field, "UNKNOWN_FIELD", c::bad_request, "unknown field",
     "Dit veld is onbekend. Laat het weg; het schema in de API-beschrijving noemt de toegestane velden."},
    {error::field_required, "FIELD_REQUIRED", c::bad_request, "field required",
     "Dit veld is verplicht. Vul het in."},
    {error::wrong_type, "WRONG_TYPE", c::bad_request, "wrong JSON type",
     "Dit veld heeft het verkeerde type. Gebruik het type dat het schema noemt."},
    {error::value_empty, "VALUE_EMPTY", c::bad_request, "value empty",
     "Dit veld mag niet leeg zijn. Vul het in."},
    {error::value_too_long, "VALUE_TOO_LONG", c::bad_request, "value too long",
     "Dit veld is te lang. Maak de tekst korter."},
    {error::value_invalid_characters, "VALUE_INVALID_CHARACTERS", c::bad_request,
     "control characters in text", "Dit veld bevat ongeldige tekens. Verwijder de stuurtekens uit de tekst."},
    {error::too_many_items, "TOO_MANY_ITEMS", c::bad_request, "too many items",
     "Dit veld bevat te veel items. Geef er minder."},
    {error::duplicate_item, "DUPLICATE_ITEM", c::bad_request, "item given twice",
     "Een item komt twee keer voor. Geef elk item maar één keer."},
    {error::value_unknown, "VALUE_UNKNOWN", c::bad_request, "value not allowed",
     "Deze waarde is niet toegestaan. Kies een van de waarden die het schema noemt."},
    {error::number_out_of_range, "NUMBER_OUT_OF_RANGE", c::bad_request, "number out of range",
     "Dit getal valt buiten het toegestane bereik. Geef een getal binnen het bereik dat het schema noemt."},
    {error::date_invalid, "DATE_INVALID", c::bad_request, "invalid date",
     "De datum is ongeldig. Geef een bestaande datum in de vorm JJJJ-MM-DD."},
    {error::date_inconsistent, "DATE_INCONSISTENT", c::bad_request, "dates inconsistent",
     "De datums zijn met elkaar in strijd. Controleer de volgorde van de datums."},
    {error::email_invalid, "EMAIL_INVALID", c::bad_request, "invalid e-mail address",
     "Het e-mailadres is ongeldig. Geef een e-mailadres als naam@voorbeeld.nl."},
    {error::phone_invalid, "PHONE_INVALID", c::bad_request, "invalid telephone number",
     "Het telefoonnummer is ongeldig. Geef een telefoonnummer met alleen cijfers, spaties en eventueel een "
     "plus vooraan."},
    {error::url_invalid, "URL_INVALID", c::bad_request, "invalid https URL",
     "Het adres is ongeldig. Geef een https-URL zonder gebruikersnaam of fragment."},
    {error::fingerprint_invalid, "FINGERPRINT_INVALID", c::bad_request, "invalid SHA-256 fingerprint",
     "De vingerafdruk is ongeldig. Geef een SHA-256-waarde van 64 hexadecimale tekens."},
    {error::topic_wrong_section, "TOPIC_WRONG_SECTION", c::bad_request, "topic belongs to another section",
     "Dit onderwerp hoort bij een andere basisvoorwaarde. Zet het onder de basisvoorwaarde waar het bij "
     "hoort."},
    {error::version_inconsistent, "VERSION_INCONSISTENT", c::bad_request, "versie and vervangt disagree",
     "Versie en vervangt passen niet bij elkaar. Versie 1 vervangt niets; geef bij een latere versie in "
     "vervangt het berichtId van het vervangen informatieblad."},
    {error::replaces_itself, "REPLACES_ITSELF", c::bad_request, "sheet replaces itself",
     "Een informatieblad kan zichzelf niet vervangen. Geef in vervangt het berichtId van het eerdere "
     "informatieblad."},
    {error::not_permitted, "NOT_PERMITTED", c::forbidden, "role may not do this",
     "U bent niet bevoegd voor deze handeling. Vraag iemand die wel bevoegd is om het te doen."},
    {error::other_organisation, "OTHER_ORGANISATION", c::forbidden, "actor belongs to another organisation",
     "U bent ingelogd voor een andere organisatie dan deze gemeente. Log in namens deze gemeente."},
    {error::cohort_name_invalid, "COHORT_NAME_INVALID", c::unprocessable, "invalid cohort name",
     "De naam van het cohort is leeg, te lang of bevat ongeldige tekens. Geef een korte naam zonder "
     "stuurtekens."},
    {error::cohort_window_invalid, "COHORT_WINDOW_INVALID", c::unprocessable, "window closes before it opens",
     "De aanmeldperiode sluit voor of op het moment van openen. Kies een sluitmoment na het moment van "
     "openen."},
    {error::cohort_capacity_invalid, "COHORT_CAPACITY_INVALID", c::unprocessable, "invalid capacity",
     "De capaciteit moet minstens 1 zijn, niet te groot, en niet lager dan het aantal aangemelde gemeenten. "
     "Pas de capaciteit aan."},
    {error::cohort_connection_date_invalid, "COHORT_CONNECTION_DATE_INVALID", c::unprocessable,
     "connection date before the window opens",
     "De aansluitdatum ligt voor de opening van de aanmeldperiode. Kies een latere aansluitdatum."},
    {error::cohort_closed, "COHORT_CLOSED", c::conflict, "cohort registration already closed",
     "De aanmeldperiode van dit cohort is al gesloten. Open een nieuw cohort."},
    {error::registration_not_open, "REGISTRATION_NOT_OPEN", c::conflict, "registration window not open yet",
     "De aanmeldperiode van dit cohort is nog niet begonnen. Meld uw gemeente aan zodra de periode open is."},
    {error::registration_closed, "REGISTRATION_CLOSED", c::conflict, "registration window closed",
     "De aanmeldperiode van dit cohort is gesloten. Meld uw gemeente aan bij een volgend cohort."},
    {error::cohort_full, "COHORT_FULL", c::conflict, "cohort full",
     "Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld. Meld uw gemeente aan bij een "
     "volgend cohort."},
    {error::already_registered, "ALREADY_REGISTERED", c::conflict, "municipality already registered",
     "Uw gemeente is al aangemeld. U hoeft niets meer te doen; de startpagina toont de volgende stap."},
    {error::invalid_transition, "INVALID_TRANSITION", c::conflict, "not allowed in the current status",
     "Deze stap is in de huidige status van de aansluiting niet mogelijk. Laad de pagina opnieuw om de "
     "huidige status te zien."},
    {error::conditions_outdated, "CONDITIONS_OUTDATED", c::conflict, "conditions shown are not current",
     "De aansluitvoorwaarden zijn gewijzigd. Lees en accepteer de nieuwe versie."},
    {error::application_locked, "APPLICATION_LOCKED", c::conflict, "application can no longer change",
     "De aanvraag kan in deze status niet meer worden gewijzigd. Neem contact op met Justid als er iets moet "
     "veranderen."},
    {error::application_oin_mismatch, "APPLICATION_OIN_MISMATCH", c::unprocessable,
     "certificate OIN is not the municipality's",
     "Het OIN van het systeemcertificaat is niet het OIN van uw gemeente. Gebruik een certificaat dat op het "
     "OIN van uw gemeente is uitgegeven."},
    {error::application_changed, "APPLICATION_CHANGED", c::conflict, "application changed since it was shown",
     "De aanvraag is gewijzigd nadat u deze heeft ingezien. Bekijk de aanvraag opnieuw en onderteken dan."},
    {error::assertion_id_invalid, "ASSERTION_ID_INVALID", c::bad_request, "missing or malformed assertion ID",
     "De ondertekening mist een geldige inlogverklaring. Log opnieuw in om te ondertekenen."},
    {error::reason_required, "REASON_REQUIRED", c::unprocessable, "reason required",
     "Er is geen reden opgegeven. Geef een reden op."},
    {error::reason_too_long, "REASON_TOO_LONG", c::unprocessable, "reason too long",
     "De reden is te lang. Maak de reden korter."},
    {error::connection_date_not_reached, "CONNECTION_DATE_NOT_REACHED", c::conflict,
     "connection date not reached",
     "De aansluitdatum van het cohort is nog niet bereikt. Sluit de gemeente op of na die datum aan."},
    {error::municipality_unknown, "MUNICIPALITY_UNKNOWN", c::unprocessable, "no municipality with this code",
     "Er is geen gemeente met deze gemeentecode bekend. Controleer de gemeentecode."},
    {error::not_connected, "NOT_CONNECTED", c::unprocessable, "municipality not connected",
     "De gemeente is niet aangesloten en ontvangt geen berichten. Stuur het bericht niet opnieuw; neem "
     "contact op met de gemeente of met Justid."},
    {error::not_wanted, "NOT_WANTED", c::unprocessable, "municipality does not receive this kind",
     "De gemeente ontvangt dit soort berichten niet. Stuur het bericht niet opnieuw."},
    {error::consent_missing, "CONSENT_MISSING", c::unprocessable, "section without consent",
     "Voor een of meer basisvoorwaarden is geen toestemming gegeven (zie invalidParams). Stuur het "
     "informatieblad zonder die secties."},
    {error::consent_withdrawn, "CONSENT_WITHDRAWN", c::unprocessable,
     "consent for this section was withdrawn",
     "De toestemming voor een of meer basisvoorwaarden is ingetrokken (zie invalidParams). Stuur het "
     "informatieblad zonder die secties."},
    {error::replacement_other_person, "REPLACEMENT_OTHER_PERSON", c::unprocessable,
     "replaced sheet concerns another person or municipality",
     "Het vervangen informatieblad gaat over een andere persoon of gemeente. Controleer het berichtId in "
     "vervangt."},
    {error::replacement_not_newer, "REPLACEMENT_NOT_NEWER", c::conflict,
     "version not newer than the replaced sheet",
     "De versie is niet hoger dan die van het vervangen informatieblad. Geef een hoger versienummer."},
    {error::bericht_id_conflict, "BERICHT_ID_CONFLICT", c::conflict, "berichtId reused with another body",
     "U heeft dit berichtId al gebruikt voor een ander bericht. Stuur hetzelfde bericht ongewijzigd opnieuw, "
     "of geef dit bericht een nieuw berichtId."},
    {error::withdrawal_unmatched, "WITHDRAWAL_UNMATCHED", c::unprocessable,
     "withdrawal concerns no sheet held of this person",
     "Deze intrekking hoort bij geen informatieblad van deze persoon dat nog bewaard wordt. Controleer het "
     "BSN en het toestemmingId; er is niets opgeslagen."},
    {error::other_prison, "OTHER_PRISON", c::forbidden, "the sheet was sent by another prison",
     "Alleen de inrichting die het informatieblad stuurde, of de inrichting van dezelfde organisatie "
     "waarheen de gedetineerde is overgeplaatst en die het informatieblad noemt, mag het vervangen of "
     "intrekken. Vraag de inrichting die het informatieblad stuurde om dit te doen."},
    {error::bericht_id_taken, "BERICHT_ID_TAKEN", c::conflict, "berichtId already in use",
     "Dit berichtId is al in gebruik. Geef dit bericht een nieuw berichtId (een willekeurige UUID)."},
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
