#!/usr/bin/python3
"""A test eHerkenning identity provider (a "herkenningsmakelaar", broker) for
poort's demo, integration tests and browser tests. FOR TESTS ONLY: it logs in
anyone who asks, as any organisation.

Run with Debian's interpreter (python3-pysaml2, python3-cryptography, xmlsec1):

  /usr/bin/python3 tests/idp/eh_idp.py --pki DIR --sp-metadata FILE \\
      --entity-id urn:etoegang:HM:<IDP_OIN>:entities:9001 [--listen 127.0.0.1:0] [--role admin]
      [--port-file FILE] [--state-dir DIR] [--artifact-post | --post-binding]
      [--service-uuid INDEX=UUID ...] [--data-cipher aes256-cbc|aes128-gcm]
      [--encrypted-key-placement inline|peer] [--advice 0|1|2]

  --pki DIR          the development PKI of scripts/pki: signs with idp-signing.{crt,key}
                     (admin-idp-signing with --role admin), serves TLS with idp-tls.{crt,key},
                     trusts ca.crt for client certificates, reads the OINs from oins.env.
  --sp-metadata FILE the SP's metadata (one SPSSODescriptor): its certificates check the
                     AuthnRequest and ArtifactResolve signatures; the first is the one the
                     EncryptedIDs are encrypted to; its AssertionConsumerService locations
                     are the allowed ACS URLs; each AttributeConsumingService (index,
                     RequestedAttribute Name = the ServiceID) is a service to choose from.
  --listen HOST:PORT loopback only (127.0.0.1, ::1 or localhost); port 0 picks a free one.
  --entity-id ID     our entity ID (Issuer), e.g. urn:etoegang:HM:00000099000040010000:entities:9001.
  --role broker|admin  admin: Justid's IdP for administrators (organisation "Justid", the
                     admin-idp-signing key); otherwise the same.
  --port-file FILE   also write the bound port there (atomically) once ready.
  --state-dir DIR    where idp-metadata.xml is written (default: a new temporary folder).
  --artifact-post    deliver the artifact by an auto-submitting POST form instead of a 303.
  --post-binding     deliver the Response itself by HTTP-POST (SAMLResponse form field), whether
                     the AuthnRequest asked for HTTP-Artifact or HTTP-POST.
  --service-uuid INDEX=UUID  the ServiceUUID sent for service INDEX (repeatable). Default:
                     UUIDv5(NAMESPACE_URL, ServiceID), which eh_saml.default_service_uuid computes.
  --data-cipher      data encryption of the EncryptedIDs (default aes256-cbc).
  --encrypted-key-placement  EncryptedKey inside EncryptedData/KeyInfo (inline, default) or
                     beside it in the EncryptedID (peer, with a RetrievalMethod).
  --advice N         nested signed assertions in Advice: 0, 1 (AD) or 2 (AD and MR; default).

When ready it writes <state-dir>/idp-metadata.xml and prints the port on stdout (one line).
Logs go to stderr and carry no identifiers of organisations or persons.

Endpoints (HTTPS, TLS 1.2+, server certificate idp-tls; base https://127.0.0.1:<port>):
  GET  /metadata   our signed IdP metadata.
  GET  /sso        SingleSignOnService, HTTP-Redirect binding: SAMLRequest (DEFLATE+base64),
                   RelayState, SigAlg (RSA-SHA256/384/512), Signature over the query as sent.
  POST /sso        SingleSignOnService, HTTP-POST binding: form fields SAMLRequest (base64 of
                   an AuthnRequest with an enveloped signature) and RelayState.
                   Both show the login page, or act at once when the parameters include
                   `actie` (see /test/login). Refused with a 400 page: unsigned or badly
                   signed requests, another Issuer than the SP, Destination not our /sso,
                   ProtocolBinding not HTTP-Artifact (or, with --post-binding, HTTP-POST), an ACS URL or
                   AttributeConsumingServiceIndex not in the SP metadata, RelayState > 80 bytes.
  POST /login      the login page's form (fields below, plus the hidden `sessie`).
  GET|POST /test/login   headless login for tests without a browser: the SSO parameters
                   (SAMLRequest and RelayState; with SigAlg and Signature it is the Redirect
                   encoding, without them the POST encoding) plus the form fields below; `actie`
                   defaults to inloggen. Answers exactly as the form submit would (a 303 to the
                   ACS with SAMLart and RelayState, or a POST form with --artifact-post or
                   --post-binding).
  POST /ars        ArtifactResolutionService (SOAP 1.1, index 0). Requires a TLS client
                   certificate that chains to ca.crt (403 otherwise) whose subject serialNumber
                   is the OIN in the SP's entity ID (when that has the urn:etoegang form);
                   Content-Type text/xml or application/soap+xml (415 otherwise; the answer
                   uses the same type). The ArtifactResolve must be signed by the SP. Answer: a
                   signed ArtifactResponse, Status Success, InResponseTo = the ArtifactResolve
                   ID, holding the Response; an artifact resolves ONCE (then, or when unknown
                   or older than 5 minutes, the ArtifactResponse holds no message). A bad
                   request gets a SOAP Fault (HTTP 500).

Form fields (login page ids = names; same names as /test/login query parameters):
  organisatie   zwolle | vught | onbekend | anders (broker role);  justid | onbekend | anders (admin)
                  zwolle   Gemeente Zwolle   KvK 50000001  RSIN 001234560
                  vught    Gemeente Vught    KvK 50000002  RSIN 001234572
                  onbekend Onbekende BV      KvK 99000001  RSIN 999999904  (in no registry)
                  justid   Justid            KvK 50000003  RSIN 001234584
                  anders   the digits in `kvk` and/or `rsin` (1-20 digits, not checked further)
                (default: zwolle, or justid with --role admin)
  kvk, rsin     with organisatie=anders
  identificatie kvk | rsin | beide   which LegalSubjectID values to send (default beide)
  dienst        the AttributeConsumingService index (default: the requested one)
  niveau        loa2 | loa2plus | loa3 | loa4 (default loa3)
  gebruiker     the acting person (default medewerker-1); the ActingSubjectID pseudonym is
                SHA-256 of (IdP, SP, gebruiker, organisation), 64 hex digits, stable
  pseudoniem    optional: this ActingSubjectID instead (1-200 of [A-Za-z0-9@._-])
  vestigingsnr  optional: sent as urn:etoegang:1.9:ServiceRestriction:Vestigingsnr (1-20 digits)
  actie         inloggen | annuleren (the buttons #inloggen and #annuleren)
  serviceid, serviceuuid   headless only, optional: send these instead of the service's values

The Response (eherkenning.md section 3): Issuer = our entity ID, Destination and bearer
Recipient = the ACS URL, InResponseTo = the AuthnRequest ID, unsigned; one Assertion signed
by xmlsec1 (RSA-SHA256, SHA-256, exc-c14n, enveloped, KeyInfo with our certificate) holding a
transient NameID (NameQualifier = the AD), Conditions (4 minutes, Audience = the SP),
Advice (the AD's and MR's signed assertions), AuthnStatement (the chosen level,
AuthenticatingAuthority = the AD) and attributes ServiceID and ServiceUUID (xs:string),
LegalSubjectID (one or two EncryptedIDs: KvKnr / RSIN), ActingSubjectID (EncryptedID, Pseudo)
and the optional Vestigingsnr. Each EncryptedID: a fresh data key, RSA-OAEP-MGF1P (SHA-1) to
the SP certificate, EncryptedKey Recipient = the SP entity ID, KeyName = SHA-256 hex of the SP
certificate. Cancel: Status Responder / AuthnFailed and no Assertion.
"""

import argparse
import base64
import html
import http.server
import ipaddress
import logging
import os
import re
import secrets
import socket
import ssl
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlsplit, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eh_saml  # noqa: E402  (after the path fix)

log = logging.getLogger("eh_idp")

ORGANISATIONS = {
    "zwolle": ("Gemeente Zwolle", "50000001", "001234560"),
    "vught": ("Gemeente Vught", "50000002", "001234572"),
    "onbekend": ("Onbekende BV", "99000001", "999999904"),
    "justid": ("Justid", "50000003", "001234584"),
}
ROLE_ORGANISATIONS = {"broker": ("zwolle", "vught", "onbekend"), "admin": ("justid", "onbekend")}
DEFAULT_USER = "medewerker-1"
PENDING_TTL = 30 * 60
ARTIFACT_TTL = 5 * 60
MAX_PENDING = 1000
MAX_FORM_BYTES = 512 * 1024
NO_CACHE = (("Cache-Control", "no-cache, no-store"), ("Pragma", "no-cache"))
SOAP_TYPES = ("text/xml", "application/soap+xml")


class State:
    """Pending logins (by page token) and issued artifacts; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending = {}    # token -> (LoginRequest, created)
        self._artifacts = {}  # artifact -> (Response XML, created)

    def add_pending(self, request):
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire(self._pending, PENDING_TTL)
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            self._pending[token] = (request, time.monotonic())
        return token

    def take_pending(self, token):
        with self._lock:
            self._expire(self._pending, PENDING_TTL)
            entry = self._pending.pop(token, None)
        return entry[0] if entry else None

    def add_artifact(self, artifact, response_xml):
        with self._lock:
            self._expire(self._artifacts, ARTIFACT_TTL)
            self._artifacts[artifact] = (response_xml, time.monotonic())

    def take_artifact(self, artifact):
        """The Response for `artifact`, once; None when unknown, used or expired."""
        with self._lock:
            self._expire(self._artifacts, ARTIFACT_TTL)
            entry = self._artifacts.pop(artifact, None)
        return entry[0] if entry else None

    @staticmethod
    def _expire(table, ttl):
        limit = time.monotonic() - ttl
        for key in [k for k, (_, created) in table.items() if created < limit]:
            del table[key]


class Choice(ValueError):
    """A form value this IdP does not accept; str() is a Dutch message."""


def login_from_form(idp, request, fields, headless):
    """The Login chosen by `fields` (dict name -> str) for `request`."""
    def field(name, default=""):
        return fields.get(name, default).strip()

    organisation = field("organisatie", ROLE_ORGANISATIONS[idp.role][0])
    if organisation == "anders":
        kvk, rsin = field("kvk"), field("rsin")
        for label, value in (("KvK-nummer", kvk), ("RSIN", rsin)):
            if value and not re.fullmatch(r"\d{1,20}", value):
                raise Choice(f"{label} moet uit 1 tot 20 cijfers bestaan.")
    elif organisation in ROLE_ORGANISATIONS[idp.role]:
        _, kvk, rsin = ORGANISATIONS[organisation]
    else:
        raise Choice("Onbekende organisatie.")
    identification = field("identificatie", "beide")
    if identification not in ("kvk", "rsin", "beide"):
        raise Choice("Identificatie moet kvk, rsin of beide zijn.")
    kvk = kvk if identification in ("kvk", "beide") else ""
    rsin = rsin if identification in ("rsin", "beide") else ""
    if not kvk and not rsin:
        raise Choice("Kies een organisatie met een KvK-nummer of RSIN.")
    try:
        service_index = int(field("dienst", str(request.service_index)))
    except ValueError as e:
        raise Choice("Dienst moet een index zijn.") from e
    if service_index not in idp.sp.services:
        raise Choice("Onbekende dienst.")
    level = field("niveau", "loa3")
    if level not in eh_saml.LEVELS:
        raise Choice("Onbekend betrouwbaarheidsniveau.")
    user = field("gebruiker", DEFAULT_USER) or DEFAULT_USER
    pseudonym = field("pseudoniem") or eh_saml.pseudonym_for(idp.entity_id, idp.sp.entity_id, user,
                                                              kvk or rsin)
    if not re.fullmatch(r"[A-Za-z0-9@._-]{1,200}", pseudonym):
        raise Choice("Het pseudoniem bevat ongeldige tekens.")
    vestigingsnr = field("vestigingsnr")
    if vestigingsnr and not re.fullmatch(r"\d{1,20}", vestigingsnr):
        raise Choice("Het vestigingsnummer moet uit cijfers bestaan.")
    overrides = {}
    if headless:
        overrides = {"service_id": field("serviceid") or None, "service_uuid": field("serviceuuid") or None}
    return eh_saml.Login(kvk=kvk or None, rsin=rsin or None, service_index=service_index, level=level,
                         pseudonym=pseudonym, vestigingsnr=vestigingsnr or None, **overrides)


# --- HTML -------------------------------------------------------------------------

def page(title, body):
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<style>body{font-family:sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}'
            'label{display:block;margin-top:1rem;font-weight:bold}select,input{font-size:1rem;min-width:20rem}'
            'button{margin:1.5rem 1rem 0 0;font-size:1rem;padding:.4rem 1.2rem}.uitleg{color:#555}'
            '</style></head>'
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n")


def options(items, selected):
    return "".join(f'<option value="{html.escape(str(v))}"{" selected" if str(v) == str(selected) else ""}>'
                   f"{html.escape(label)}</option>" for v, label in items)


def login_page(idp, request, token):
    orgs = [(key, f"{ORGANISATIONS[key][0]} (KvK {ORGANISATIONS[key][1]}, RSIN {ORGANISATIONS[key][2]})")
            for key in ROLE_ORGANISATIONS[idp.role]] + [("anders", "Andere organisatie (zelf invullen)")]
    services = [(s.index, f"{s.name} ({s.service_id})") for s in sorted(idp.sp.services.values(),
                                                                         key=lambda s: s.index)]
    levels = [(lvl, {"loa2": "EH2", "loa2plus": "EH2+", "loa3": "EH3", "loa4": "EH4"}[lvl] + f" ({lvl})")
              for lvl in eh_saml.LEVELS]
    title = "Inloggen met eHerkenning (test)" if idp.role == "broker" else "Inloggen beheerders Justid (test)"
    body = f"""
<p class="uitleg">Testmakelaar {html.escape(idp.entity_id)}. Inloggen voor
<strong>{html.escape(idp.sp.entity_id)}</strong>{' (ForceAuthn)' if request.force_authn else ''}.
Dit is een testomgeving: kies zelf namens welke organisatie u inlogt.</p>
<form method="post" action="/login">
<input type="hidden" id="sessie" name="sessie" value="{html.escape(token)}">
<label for="organisatie">Organisatie</label>
<select id="organisatie" name="organisatie">{options(orgs, ROLE_ORGANISATIONS[idp.role][0])}</select>
<label for="kvk">KvK-nummer (bij een andere organisatie)</label>
<input id="kvk" name="kvk" inputmode="numeric" autocomplete="off">
<label for="rsin">RSIN (bij een andere organisatie)</label>
<input id="rsin" name="rsin" inputmode="numeric" autocomplete="off">
<label for="identificatie">Meegestuurde identificatie</label>
<select id="identificatie" name="identificatie">{options(
        [("beide", "KvK-nummer en RSIN"), ("kvk", "Alleen KvK-nummer"), ("rsin", "Alleen RSIN")], "beide")}</select>
<label for="dienst">Dienst</label>
<select id="dienst" name="dienst">{options(services, request.service_index)}</select>
<label for="niveau">Betrouwbaarheidsniveau</label>
<select id="niveau" name="niveau">{options(levels, "loa3")}</select>
<label for="gebruiker">Gebruiker</label>
<input id="gebruiker" name="gebruiker" value="{DEFAULT_USER}" autocomplete="off">
<label for="pseudoniem">Pseudoniem (leeg: afgeleid van de gebruiker)</label>
<input id="pseudoniem" name="pseudoniem" autocomplete="off">
<label for="vestigingsnr">Vestigingsnummer (optioneel)</label>
<input id="vestigingsnr" name="vestigingsnr" inputmode="numeric" autocomplete="off">
<div><button type="submit" id="inloggen" name="actie" value="inloggen">Inloggen</button>
<button type="submit" id="annuleren" name="actie" value="annuleren">Annuleren</button></div>
</form>"""
    return page(title, body)


def auto_post_page(action, fields):
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    body = (f'<form method="post" action="{html.escape(action)}">{inputs}'
            '<noscript><p>Javascript staat uit: klik op Doorgaan.</p></noscript>'
            '<button type="submit" id="doorgaan">Doorgaan</button></form>'
            "<script>document.forms[0].submit()</script>")
    return page("Doorsturen", body)


# --- HTTP ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "eh-test-idp"
    sys_version = ""

    @property
    def idp(self):
        return self.server.idp

    def log_message(self, fmt, *args):  # never log query strings: they carry SAML messages
        pass

    def do_GET(self):
        self.guarded(self.get)

    def do_POST(self):
        self.guarded(self.post)

    def guarded(self, method):
        try:
            method()
        except Exception:  # a bug here: answer 500, log it, keep serving
            log.exception("internal error")
            self.error_page(500, "Interne fout in de testmakelaar.")

    def get(self):
        path = urlsplit(self.path).path
        log.info("GET %s", path)
        if path == "/metadata":
            self.send(200, "application/samlmetadata+xml", self.server.metadata.encode("utf-8"))
        elif path in ("/sso", "/test/login"):
            query = urlsplit(self.path).query
            fields = {k: v[-1] for k, v in parse_qs(query).items()}
            # GET /test/login may carry the POST encoding (no SigAlg): a test's shortcut.
            redirect = path == "/sso" or "SigAlg" in fields
            self.sso(query, fields, redirect=redirect, headless=path == "/test/login")
        else:
            self.error_page(404, "Deze pagina bestaat niet.")

    def post(self):
        path = urlsplit(self.path).path
        log.info("POST %s", path)
        if path == "/ars":
            self.ars()
            return
        fields = self.form()
        if fields is None:
            return
        if path in ("/sso", "/test/login"):
            self.sso("", fields, redirect=False, headless=path == "/test/login")
        elif path == "/login":
            request = self.server.state.take_pending(fields.get("sessie", ""))
            if request is None:
                self.error_page(400, "Onbekende of verlopen inlogsessie. Begin opnieuw bij de dienst.")
                return
            self.finish_login(request, fields, headless=False)
        else:
            self.error_page(404, "Deze pagina bestaat niet.")

    # --- SSO ---

    def sso(self, raw_query, fields, redirect, headless):
        try:
            if redirect:
                request = self.idp.parse_redirect_request(raw_query)
            else:
                if "SigAlg" in fields:
                    raise eh_saml.RequestError("De Redirect-codering (SigAlg, Signature) kan alleen met GET.")
                if "SAMLRequest" not in fields:
                    raise eh_saml.RequestError("Er is geen SAMLRequest meegestuurd.")
                request = self.idp.parse_post_request(fields["SAMLRequest"], fields.get("RelayState", ""))
        except eh_saml.RequestError as e:
            log.warning("refused AuthnRequest: %s", e)
            self.error_page(400, f"Ongeldig inlogverzoek: {e}")
            return
        log.info("AuthnRequest %s accepted (%s, service index %d)", request.id,
                 request.binding.rsplit(":", 1)[-1], request.service_index)
        if headless or "actie" in fields:
            fields.setdefault("actie", "inloggen")
            self.finish_login(request, fields, headless=True)
            return
        token = self.server.state.add_pending(request)
        self.send(200, "text/html; charset=utf-8", login_page(self.idp, request, token).encode("utf-8"))

    def finish_login(self, request, fields, headless):
        action = fields.get("actie", "")
        if action == "annuleren":
            response = self.idp.cancel_response(request)
            log.info("AuthnRequest %s: cancelled", request.id)
        elif action == "inloggen":
            try:
                login = login_from_form(self.idp, request, fields, headless)
            except Choice as e:
                self.error_page(400, f"Ongeldige keuze: {e}")
                return
            response = self.idp.login_response(request, login)
            log.info("AuthnRequest %s: logged in (service index %d, %s)", request.id, login.service_index,
                     login.level)
        else:
            self.error_page(400, "Kies inloggen of annuleren.")
            return
        relay = {"RelayState": request.relay_state} if request.relay_state else {}
        if self.server.post_binding:
            b64 = base64.b64encode(response.encode("utf-8")).decode("ascii")
            self.send(200, "text/html; charset=utf-8",
                      auto_post_page(request.acs_url, {"SAMLResponse": b64, **relay}).encode("utf-8"))
            return
        artifact = eh_saml.build_artifact(self.idp.entity_id, 0)
        self.server.state.add_artifact(artifact, response)
        if self.server.artifact_post:
            self.send(200, "text/html; charset=utf-8",
                      auto_post_page(request.acs_url, {"SAMLart": artifact, **relay}).encode("utf-8"))
        else:
            separator = "&" if "?" in request.acs_url else "?"
            location = request.acs_url + separator + urlencode({"SAMLart": artifact, **relay})
            self.send(303, "text/html; charset=utf-8", b"", extra=(("Location", location),))

    # --- ARS ---

    def ars(self):
        body = self.body(eh_saml.MAX_MESSAGE_BYTES)  # read first: closing with unread data resets the connection
        if body is None:
            return
        peer = self.connection.getpeercert()
        if not peer:
            log.warning("ARS: refused, no client certificate")
            self.send(403, "text/plain; charset=utf-8", b"a client certificate is required\n")
            return
        oin = re.fullmatch(r"urn:etoegang:DV:(\d{20}):entities:\d+", self.idp.sp.entity_id)
        serials = [v for rdn in peer.get("subject", ()) for k, v in rdn if k == "serialNumber"]
        if oin and serials != [oin.group(1)]:
            log.warning("ARS: refused, the client certificate is not the SP's (OIN mismatch)")
            self.send(403, "text/plain; charset=utf-8", b"the client certificate does not carry the SP's OIN\n")
            return
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type not in SOAP_TYPES:
            self.send(415, "text/plain; charset=utf-8", b"use text/xml or application/soap+xml\n")
            return
        content_type = media_type + "; charset=utf-8"
        try:
            resolve_id, artifact = self.idp.parse_artifact_resolve(body.decode("utf-8"))
        except (eh_saml.RequestError, UnicodeDecodeError) as e:
            log.warning("ARS: refused ArtifactResolve: %s", e)
            fault = (f'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV='
                     f'"{eh_saml.NS_SOAP11}"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>'
                     f"<faultstring>{html.escape(str(e))}</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body>"
                     "</SOAP-ENV:Envelope>")
            self.send(500, content_type, fault.encode("utf-8"))
            return
        response = self.server.state.take_artifact(artifact)
        log.info("ARS: ArtifactResolve %s: %s", resolve_id, "resolved" if response else "unknown or used artifact")
        self.send(200, content_type, self.idp.artifact_response_soap(resolve_id, response).encode("utf-8"))

    # --- plumbing ---

    def body(self, limit):
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.send(411, "text/plain; charset=utf-8", b"Content-Length required\n")
            return None
        if length < 0 or length > limit:
            self.send(413, "text/plain; charset=utf-8", b"request too large\n")
            return None
        return self.rfile.read(length)

    def form(self):
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/x-www-form-urlencoded":
            self.error_page(415, "Verwacht een formulier (application/x-www-form-urlencoded).")
            return None
        body = self.body(MAX_FORM_BYTES)
        if body is None:
            return None
        try:
            return {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        except UnicodeDecodeError:
            self.error_page(400, "Het formulier is geen UTF-8.")
            return None

    def error_page(self, status, message):
        self.send(status, "text/html; charset=utf-8",
                  page("Fout bij inloggen (testmakelaar)", f'<p id="fout">{html.escape(message)}</p>').encode("utf-8"))

    def send(self, status, content_type, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in NO_CACHE + tuple(extra):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    """HTTPS with the TLS handshake in the request's thread, so a slow client
    cannot hold up accept()."""
    daemon_threads = True

    def __init__(self, address, family, tls, idp, metadata, state, artifact_post, post_binding):
        self.address_family = family
        super().__init__(address, Handler, bind_and_activate=False)
        self.tls, self.idp, self.metadata, self.state = tls, idp, metadata, state
        self.artifact_post, self.post_binding = artifact_post, post_binding

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log.info("TLS handshake failed: %s", e)
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            conn.close()


def tls_context(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(pki, "idp-tls.crt"), os.path.join(pki, "idp-tls.key"))
    ctx.load_verify_locations(os.path.join(pki, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL  # the login pages need none; /ars demands one
    return ctx


def parse_listen(value):
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not an IP address: {host}") from e
    if not address.is_loopback:
        raise argparse.ArgumentTypeError("only loopback addresses are allowed")
    if not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"bad port: {port}")
    return host, int(port), socket.AF_INET6 if address.version == 6 else socket.AF_INET


def parse_service_uuid(value):
    index, sep, service_uuid = value.partition("=")
    if not sep or not index.isdigit() or not re.fullmatch(r"[0-9a-fA-F-]{36}", service_uuid):
        raise argparse.ArgumentTypeError("expected INDEX=UUID")
    return int(index), service_uuid.lower()


def write_atomically(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Test eHerkenning IdP (broker) for poort. See the module docstring.")
    parser.add_argument("--pki", required=True)
    parser.add_argument("--sp-metadata", required=True)
    parser.add_argument("--entity-id", required=True)
    parser.add_argument("--listen", type=parse_listen, default=parse_listen("127.0.0.1:0"))
    parser.add_argument("--role", choices=("broker", "admin"), default="broker")
    parser.add_argument("--port-file")
    parser.add_argument("--state-dir")
    binding = parser.add_mutually_exclusive_group()
    binding.add_argument("--artifact-post", action="store_true")
    binding.add_argument("--post-binding", action="store_true")
    parser.add_argument("--service-uuid", type=parse_service_uuid, action="append", default=[])
    parser.add_argument("--data-cipher", choices=sorted(eh_saml.DATA_CIPHERS), default="aes256-cbc")
    parser.add_argument("--encrypted-key-placement", choices=("inline", "peer"), default="inline")
    parser.add_argument("--advice", type=int, choices=(0, 1, 2), default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s eh_idp[%(process)d] %(levelname)s %(message)s")

    host, port, family = args.listen
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="eh-idp-")
    os.makedirs(state_dir, exist_ok=True)
    server = Server((host, port), family, tls_context(args.pki), None, None, State(), args.artifact_post,
                    args.post_binding)
    server.server_bind()
    port = server.server_address[1]
    base = f"https://{'[' + host + ']' if family == socket.AF_INET6 else host}:{port}"
    server.idp = eh_saml.IdentityProvider(
        entity_id=args.entity_id, base_url=base, pki_dir=args.pki, sp_metadata_file=args.sp_metadata,
        role=args.role, oins=eh_saml.read_env_file(os.path.join(args.pki, "oins.env")),
        service_uuids=dict(args.service_uuid), data_cipher=args.data_cipher,
        key_placement=args.encrypted_key_placement, advice_count=args.advice, post_binding=args.post_binding)
    server.metadata = server.idp.metadata_xml()
    write_atomically(os.path.join(state_dir, "idp-metadata.xml"), server.metadata)
    server.server_activate()
    for s in server.idp.sp.services.values():
        log.info("service %d: %s ServiceUUID %s", s.index, s.service_id, s.service_uuid)
    log.info("%s (%s) at %s; metadata in %s", args.entity_id, args.role, base, state_dir)
    if args.port_file:
        write_atomically(args.port_file, f"{port}\n")
    print(port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
