// teksten.js: the portal's Dutch texts (ES module, no build step): role and
// menu labels, status and kind labels, and one sentence per reason code or
// HTTP status for problems. Pages import them through poort.js, which
// re-exports this module; nothing here touches the DOM.

/** Labels of the roles, as shown in the header. */
export const ROLE_LABELS = Object.freeze({
  MEDEWERKER: 'Medewerker',
  TEKENBEVOEGDE: 'Tekenbevoegde',
  BEHEERDER: 'Beheerder (Justid)',
});

/** The menu of each role: [text, path]. */
export const MENUS = Object.freeze({
  MEDEWERKER: [
    ['Start', '/start.html'],
    ['Berichten', '/berichten.html'],
    ['Instellingen', '/instellingen.html'],
  ],
  TEKENBEVOEGDE: [
    ['Start', '/start.html'],
    ['Ondertekenen', '/ondertekenen.html'],
    ['Instellingen', '/instellingen.html'],
  ],
  BEHEERDER: [
    ['Overzicht', '/beheer.html'],
    ['Cohorten', '/cohorten.html'],
    ['Gemeenten', '/gemeenten.html'],
    ['Aanvragen', '/aanvragen.html'],
    ['Uitgaande berichten', '/uitgaande-berichten.html'],
    ['Auditlog', '/audit.html'],
  ],
});

/** The start page of each role. */
export const HOME = Object.freeze({
  MEDEWERKER: '/start.html',
  TEKENBEVOEGDE: '/start.html',
  BEHEERDER: '/beheer.html',
});

const STATUS_LABELS = Object.freeze({
  NOT_REGISTERED: 'Niet aangemeld',
  REGISTERED: 'Aangemeld in een cohort',
  CONDITIONS_ACCEPTED: 'Voorwaarden geaccepteerd',
  APPLICATION_DRAFT: 'Aanvraag opgeslagen, nog niet ondertekend',
  SIGNED: 'Aanvraag ondertekend, wacht op beoordeling',
  APPROVED: 'Aanvraag goedgekeurd, wacht op aansluiting',
  REJECTED: 'Aanvraag afgewezen',
  CONNECTED: 'Aangesloten',
  SUSPENDED: 'Opgeschort',
  DISCONNECTED: 'Afgesloten',
});

/** Every onboarding status of a municipality (domain/onboarding.hpp), in flow order. */
export const STATUSES = Object.freeze(Object.keys(STATUS_LABELS));

/** The Dutch label of an onboarding status ("CONNECTED" -> "Aangesloten"). */
export function statusLabel(status) {
  return STATUS_LABELS[status] ?? 'Onbekende status';
}

const SOORT_LABELS = Object.freeze({
  DETENTIEMELDING: 'Detentiemelding',
  INFORMATIEBLAD: 'Informatieblad',
  INTREKKING: 'Intrekking van toestemming',
});

/** Every kind of message (domain/delivery.hpp). */
export const SOORTEN = Object.freeze(Object.keys(SOORT_LABELS));

/** The Dutch label of a message kind ("INFORMATIEBLAD" -> "Informatieblad"). */
export function soortLabel(soort) {
  return SOORT_LABELS[soort] ?? 'Onbekend soort bericht';
}

// One Dutch sentence per reason code: the invalidParams codes (UPPER_SNAKE)
// and the problem codes (snake_case, looked up in upper case). The domain
// codes repeat domain/error.cpp `dutch_message`.
const MESSAGES = Object.freeze({
  BSN_INVALID: 'Het BSN is ongeldig.',
  RSIN_INVALID: 'Het RSIN is ongeldig.',
  KVK_INVALID: 'Het KvK-nummer is ongeldig.',
  OIN_INVALID: 'Het OIN is ongeldig.',
  GEMEENTECODE_INVALID: 'De gemeentecode is ongeldig (verwacht: GM gevolgd door vier cijfers).',
  UUID_INVALID: 'De code is ongeldig.',
  VESTIGINGSNUMMER_INVALID: 'Het vestigingsnummer is ongeldig.',
  JSON_MALFORMED: 'Het verzoek kon niet worden gelezen. Probeer het opnieuw.',
  BODY_TOO_LARGE: 'Wat u verstuurt is te groot.',
  DUPLICATE_FIELD: 'Een veld komt twee keer voor.',
  UNKNOWN_FIELD: 'Dit veld is onbekend.',
  FIELD_REQUIRED: 'Dit veld is verplicht.',
  WRONG_TYPE: 'Dit veld heeft het verkeerde type.',
  VALUE_EMPTY: 'Dit veld mag niet leeg zijn.',
  VALUE_TOO_LONG: 'Dit veld is te lang.',
  VALUE_INVALID_CHARACTERS: 'Dit veld bevat ongeldige tekens.',
  TOO_MANY_ITEMS: 'Dit veld bevat te veel items.',
  DUPLICATE_ITEM: 'Een item komt twee keer voor.',
  VALUE_UNKNOWN: 'Deze waarde is niet toegestaan.',
  NUMBER_OUT_OF_RANGE: 'Dit getal valt buiten het toegestane bereik.',
  DATE_INVALID: 'De datum is ongeldig.',
  DATE_INCONSISTENT: 'De datums kloppen niet met elkaar.',
  EMAIL_INVALID: 'Het e-mailadres is ongeldig.',
  PHONE_INVALID: 'Het telefoonnummer is ongeldig.',
  URL_INVALID: 'Het adres moet beginnen met https:// en mag geen gebruikersnaam of # bevatten.',
  FINGERPRINT_INVALID: 'De vingerafdruk moet een SHA-256-waarde zijn (64 hexadecimale tekens).',
  CERTIFICATE_INVALID: 'Het systeemcertificaat is geen geldig PEM-certificaat met een OIN.',
  CERTIFICATE_UNTRUSTED:
    'Het systeemcertificaat is niet uitgegeven onder de vertrouwde CA, is verlopen of is niet geschikt voor clientauthenticatie.',
  NOT_PERMITTED: 'U bent niet bevoegd voor deze handeling.',
  OTHER_ORGANISATION: 'U bent ingelogd voor een andere organisatie dan deze gemeente.',
  COHORT_NAME_INVALID: 'De naam van het cohort is leeg, te lang of bevat ongeldige tekens.',
  COHORT_WINDOW_INVALID: 'De aanmeldperiode moet sluiten na het moment van openen.',
  COHORT_CAPACITY_INVALID:
    'Het maximum aantal gemeenten moet een geheel getal van 1 tot en met 1.000 zijn, en niet lager dan het aantal aangemelde gemeenten.',
  COHORT_CONNECTION_DATE_INVALID: 'De aansluitdatum mag niet voor de opening van de aanmeldperiode liggen.',
  COHORT_CLOSED: 'De aanmeldperiode van dit cohort is al gesloten.',
  COHORT_UNKNOWN: 'Dit cohort bestaat niet.',
  REGISTRATION_NOT_OPEN: 'De aanmeldperiode van dit cohort is nog niet begonnen.',
  REGISTRATION_CLOSED: 'De aanmeldperiode van dit cohort is gesloten.',
  COHORT_FULL: 'Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld.',
  ALREADY_REGISTERED: 'Uw gemeente is al aangemeld.',
  INVALID_TRANSITION: 'Deze stap is in de huidige status van de aansluiting niet mogelijk.',
  CONDITIONS_OUTDATED: 'De aansluitvoorwaarden zijn gewijzigd; lees en accepteer de nieuwe versie.',
  CONDITIONS_UNKNOWN: 'Deze versie van de aansluitvoorwaarden bestaat niet.',
  APPLICATION_LOCKED: 'De aanvraag kan in deze status niet meer worden gewijzigd.',
  APPLICATION_OIN_MISMATCH: 'Het OIN van het systeemcertificaat is niet het OIN van uw gemeente.',
  APPLICATION_CHANGED: 'De aanvraag is gewijzigd nadat u deze heeft ingezien; bekijk de aanvraag opnieuw.',
  ASSERTION_ID_INVALID: 'De ondertekening mist een geldige inlogverklaring. Log opnieuw in als tekenbevoegde.',
  REASON_REQUIRED: 'Geef een reden op.',
  REASON_TOO_LONG: 'De reden is te lang.',
  SETTINGS_LOCKED: 'De instellingen kunnen pas worden gewijzigd als de aanvraag is goedgekeurd. Wijzig tot die tijd de aanvraag.',
  INVALID_BODY: 'Niet alle gegevens zijn goed ingevuld.',
  INVALID_QUERY: 'De zoekopdracht is niet goed ingevuld.',
  NO_MUNICIPALITY: 'U bent niet ingelogd voor een gemeente.',
  CONNECTION_DATE_NOT_REACHED: 'De aansluitdatum van het cohort is nog niet bereikt.',
  MUNICIPALITY_UNKNOWN: 'Deze gemeente is niet bekend.',
  NOT_CONNECTED: 'De gemeente is niet aangesloten.',
  NOT_WANTED: 'De gemeente ontvangt dit soort berichten niet.',
  CONSENT_MISSING: 'Voor deze basisvoorwaarde is geen toestemming gegeven.',
  CONSENT_WITHDRAWN: 'De toestemming voor deze basisvoorwaarde is ingetrokken.',
  NOT_FOUND: 'Wat u zoekt bestaat niet (meer), of u heeft er geen toegang toe.',
  WRONG_ROLE: 'U heeft niet de juiste rol voor deze handeling.',
  CSRF_TOKEN_INVALID: 'Uw verzoek kon niet worden gecontroleerd. Laad de pagina opnieuw en probeer het nog eens.',
  NOT_LOGGED_IN: 'U bent niet (meer) ingelogd.',
  STORE_UNAVAILABLE: 'Poort is tijdelijk niet beschikbaar. Probeer het over een paar minuten opnieuw.',
  SERVICE_UNAVAILABLE: 'Deze functie is op dit moment niet beschikbaar. Probeer het later opnieuw.',
  INTERNAL_ERROR: 'Er ging iets mis bij het verwerken. Probeer het later opnieuw.',
  METHOD_NOT_ALLOWED: 'Deze handeling is hier niet mogelijk.',
  NETWORK_ERROR: 'Poort is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.',
});

const STATUS_MESSAGES = Object.freeze({
  400: 'Het verzoek is niet goed ingevuld.',
  403: 'U heeft geen toegang tot deze handeling.',
  404: 'Wat u zoekt bestaat niet (meer), of u heeft er geen toegang toe.',
  409: 'Deze stap is nu niet mogelijk.',
  413: 'Wat u verstuurt is te groot.',
  422: 'Het verzoek is niet geaccepteerd.',
  503: 'Poort is tijdelijk niet beschikbaar. Probeer het later opnieuw.',
});

/** The Dutch sentence for a reason code (either case); null when unknown. */
export function reasonMessage(code) {
  if (typeof code !== 'string') return null;
  return MESSAGES[code.toUpperCase()] ?? null;
}

/** One Dutch sentence for a whole problem (its code, else its HTTP status). */
export function problemMessage(problem) {
  if (!problem) return MESSAGES.INTERNAL_ERROR;
  return reasonMessage(problem.code) ?? STATUS_MESSAGES[problem.status] ?? MESSAGES.INTERNAL_ERROR;
}
