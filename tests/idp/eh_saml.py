"""The SAML side of the test eHerkenning IdP (see eh_idp.py): reading and
checking AuthnRequests and ArtifactResolves, building the broker's Response,
its nested Advice assertions, EncryptedIDs, artifacts and ArtifactResponses,
and the IdP metadata.

Built on Debian's python3-pysaml2: its element classes build the messages, its
MetadataStore reads the SP metadata, its SecurityContext checks and makes the
XML signatures (by running the xmlsec1 binary). EncryptedIDs are encrypted
with python3-cryptography (RSA-OAEP-MGF1P key transport, AES-256-CBC or
AES-128-GCM data). Signed parts are never re-serialised: they are embedded as
text, so their bytes stay exactly what xmlsec1 signed.

Thread safety: an IdentityProvider is immutable after construction; its
methods may run on several threads at once (each xmlsec1 call works on its own
temporary files).
"""

import base64
import dataclasses
import datetime
import hashlib
import os
import re
import secrets
import uuid
import zlib
from urllib.parse import unquote_plus
from xml.etree import ElementTree

import saml2
from saml2 import md, saml, samlp, xmldsig as ds, xmlenc as xenc
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor, sign_entity_descriptor
from saml2.sigver import SIGNER_ALGS, extract_rsa_key_from_x509_cert, pem_format, pre_signature_part, security_context

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

XMLSEC1 = "/usr/bin/xmlsec1"

NS_SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS_XACML_SAML = "urn:oasis:xacml:2.0:saml:assertion:schema:os"
NS_XACML_CONTEXT = "urn:oasis:names:tc:xacml:2.0:context:schema:os"
NS_XS = "http://www.w3.org/2001/XMLSchema"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_XENC11 = "http://www.w3.org/2009/xmlenc11#"
NS_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

# Prefixes used when pysaml2 serialises (ElementTree's global registry).
PREFIXES = {
    "saml": saml.NAMESPACE,
    "samlp": samlp.NAMESPACE,
    "md": md.NAMESPACE,
    "ds": ds.NAMESPACE,
    "xenc": xenc.NAMESPACE,
    "xs": NS_XS,
    "xsi": NS_XSI,
    "xacml-saml": NS_XACML_SAML,
    "xacml-context": NS_XACML_CONTEXT,
    "ec": NS_EXC_C14N,
    "SOAP-ENV": NS_SOAP11,
}
for _prefix, _uri in PREFIXES.items():
    ElementTree.register_namespace(_prefix, _uri)

BINDING_ARTIFACT = saml2.BINDING_HTTP_ARTIFACT
BINDING_POST = saml2.BINDING_HTTP_POST
BINDING_REDIRECT = saml2.BINDING_HTTP_REDIRECT
BINDING_SOAP = saml2.BINDING_SOAP

SIG_RSA_SHA256 = ds.SIG_RSA_SHA256
DIGEST_SHA256 = ds.DIGEST_SHA256
# Redirect-binding signature algorithms accepted (no SHA-1).
REDIRECT_SIG_ALGS = {ds.SIG_RSA_SHA256, ds.SIG_RSA_SHA384, ds.SIG_RSA_SHA512}

ATTR_SERVICE_ID = "urn:etoegang:core:ServiceID"
ATTR_SERVICE_UUID = "urn:etoegang:core:ServiceUUID"
ATTR_LEGAL_SUBJECT = "urn:etoegang:core:LegalSubjectID"
ATTR_ACTING_SUBJECT = "urn:etoegang:core:ActingSubjectID"
ATTR_VESTIGINGSNR = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
QUALIFIER_KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
QUALIFIER_RSIN = "urn:etoegang:1.9:EntityConcernedID:RSIN"
QUALIFIER_PSEUDO = "urn:etoegang:1.9:EntityConcernedID:Pseudo"
NAMEID_PERSISTENT = saml.NAMEID_FORMAT_PERSISTENT
NAMEID_TRANSIENT = saml.NAMEID_FORMAT_TRANSIENT

LEVELS = ("loa2", "loa2plus", "loa3", "loa4")
LEVEL_URN = "urn:etoegang:core:assurance-class:"

ENC_RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
ENC_AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
ENC_AES128_GCM = NS_XENC11 + "aes128-gcm"
DATA_CIPHERS = {"aes256-cbc": ENC_AES256_CBC, "aes128-gcm": ENC_AES128_GCM}

ASSERTION_LIFETIME = datetime.timedelta(minutes=4)
MAX_MESSAGE_BYTES = 256 * 1024  # decoded AuthnRequest / ArtifactResolve
MAX_RELAY_STATE = 80

STATUS_SUCCESS = samlp.STATUS_SUCCESS
STATUS_RESPONDER = samlp.STATUS_RESPONDER
STATUS_AUTHN_FAILED = samlp.STATUS_AUTHN_FAILED


class RequestError(Exception):
    """A request this IdP refuses; str() is a Dutch message fit for a page."""


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id():
    """A fresh SAML ID: "_" and 40 hex digits (160 random bits)."""
    return "_" + secrets.token_hex(20)


def read_env_file(path):
    """KEY=VALUE lines (values plain or in double quotes), as scripts/pki writes oins.env."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[key] = value
    return values


def xml_text(element):
    """UTF-8 serialisation of a pysaml2 element without an XML declaration."""
    return strip_declaration(element.to_string(PREFIXES).decode("utf-8"))


def strip_declaration(xml):
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", xml)


def replace_once(xml, pattern, replacement):
    """`xml` with the single match of regex `pattern` replaced; an error if not exactly one."""
    matches = list(re.finditer(pattern, xml))
    if len(matches) != 1:
        raise RuntimeError(f"expected one match of {pattern!r}, found {len(matches)}")
    m = matches[0]
    return xml[: m.start()] + replacement + xml[m.end():]


def insert_before_close(xml, inner):
    """`inner` inserted as the last child of the root element of `xml`."""
    end = xml.rindex("</")
    return xml[:end] + inner + xml[end:]


def signature_template(element_id, cert, inclusive_prefixes=None):
    """pysaml2's enveloped-signature template (RSA-SHA256, SHA-256, exc-c14n,
    KeyInfo with `cert`), its exc-c14n transform carrying
    `<ec:InclusiveNamespaces PrefixList=...>` when `inclusive_prefixes` is
    given, the shape brokers use for assertions with xacml-saml types."""
    signature = pre_signature_part(element_id, cert, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    if inclusive_prefixes:
        reference = signature.signed_info.reference
        reference = reference[0] if isinstance(reference, list) else reference
        exc_c14n = reference.transforms.transform[1]
        exc_c14n.extension_elements = [saml2.ExtensionElement(
            "InclusiveNamespaces", namespace=NS_EXC_C14N, attributes={"PrefixList": inclusive_prefixes})]
    return signature


def build_artifact(entity_id, endpoint_index=0):
    """A SAML 2.0 artifact (SAMLBind 3.6.4): 0x0004, the endpoint index,
    SourceID = SHA-1(entity_id), 20 random handle bytes; base64.
    (pysaml2's create_artifact writes the index as two ASCII hex digits, so
    it is not used.)"""
    raw = (b"\x00\x04" + endpoint_index.to_bytes(2, "big") + hashlib.sha1(entity_id.encode("utf-8")).digest()
           + secrets.token_bytes(20))
    return base64.b64encode(raw).decode("ascii")


@dataclasses.dataclass(frozen=True)
class Service:
    index: int
    service_id: str
    service_uuid: str
    name: str


@dataclasses.dataclass(frozen=True)
class ServiceProvider:
    entity_id: str
    acs_urls: frozenset       # every AssertionConsumerService location
    default_acs_url: str      # the HTTP-Artifact ACS (or the first)
    services: dict            # index -> Service
    default_index: int
    encryption_cert: x509.Certificate
    key_name: str             # lower-case hex SHA-256 of the certificate (poort's KeyName)


@dataclasses.dataclass(frozen=True)
class LoginRequest:
    """A checked AuthnRequest."""
    id: str
    acs_url: str
    service_index: int
    force_authn: bool
    protocol_binding: str
    binding: str  # how it arrived: HTTP-POST or HTTP-Redirect
    relay_state: str


@dataclasses.dataclass(frozen=True)
class Login:
    """What the user chose on the login page."""
    kvk: str | None
    rsin: str | None
    service_index: int
    level: str        # one of LEVELS
    pseudonym: str    # 64 hex digits
    vestigingsnr: str | None
    service_id: str | None = None    # override of the service's ServiceID (negative tests)
    service_uuid: str | None = None  # override of the service's ServiceUUID


def default_service_uuid(service_id):
    """The ServiceUUID used when none is configured: UUIDv5 of the ServiceID in the URL namespace."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, service_id))


def pseudonym_for(idp_entity_id, sp_entity_id, user, legal_subject):
    """A stable "specific pseudonym" (64 hex digits) of `user` acting for
    `legal_subject` at the SP, as an AD and broker would derive it."""
    msg = "\x1f".join(("poort-test-idp", idp_entity_id, sp_entity_id, user, legal_subject))
    return hashlib.sha256(msg.encode("utf-8")).hexdigest()


class IdentityProvider:
    """The test broker: one IdP entity, one SP (from its metadata)."""

    def __init__(self, *, entity_id, base_url, pki_dir, sp_metadata_file, role, oins, service_uuids,
                 data_cipher="aes256-cbc", key_placement="inline", advice_count=2, post_binding=False):
        self.entity_id = entity_id
        self.base_url = base_url
        self.sso_url = base_url + "/sso"
        self.ars_url = base_url + "/ars"
        self.role = role
        key_base = "admin-idp-signing" if role == "admin" else "idp-signing"
        self.key_file = os.path.join(pki_dir, key_base + ".key")
        self.cert_file = os.path.join(pki_dir, key_base + ".crt")
        oin = oins["ADMIN_IDP_OIN" if role == "admin" else "IDP_OIN"]
        # The other parties of the eHerkenning chain whose assertions the broker collects.
        self.ad_entity_id = f"urn:etoegang:AD:{oin}:entities:9001"
        self.mr_entity_id = f"urn:etoegang:MR:{oin}:entities:9001"
        self.data_cipher = DATA_CIPHERS[data_cipher]
        self.key_placement = key_placement
        self.advice_count = advice_count
        # ProtocolBindings accepted: Artifact; also HTTP-POST when we answer by POST anyway.
        self.protocol_bindings = (BINDING_ARTIFACT, BINDING_POST) if post_binding else (BINDING_ARTIFACT,)

        self.config = IdPConfig().load({
            "entityid": entity_id,
            "service": {"idp": {
                "endpoints": {
                    "single_sign_on_service": [(self.sso_url, BINDING_POST), (self.sso_url, BINDING_REDIRECT)],
                    "artifact_resolution_service": [(self.ars_url, BINDING_SOAP, 0)],
                },
                "want_authn_requests_signed": True,
            }},
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "metadata": {"local": [sp_metadata_file]},
            "xmlsec_binary": XMLSEC1,
            "only_use_keys_in_metadata": True,
            "delete_tmpfiles": True,
        })
        self.sec = security_context(self.config)
        self.sp = self._load_sp(self.config.metadata, service_uuids)

    # --- SP metadata ---------------------------------------------------------

    @staticmethod
    def _load_sp(mds, service_uuids):
        sps = [eid for eid in mds.keys() if mds[eid].get("spsso_descriptor")]
        if len(sps) != 1:
            raise ValueError(f"the SP metadata must describe exactly one SP, found {len(sps)}")
        eid = sps[0]
        spsso = mds[eid]["spsso_descriptor"][0]
        acs = spsso.get("assertion_consumer_service", [])
        if not acs:
            raise ValueError("the SP metadata has no AssertionConsumerService")
        artifact_acs = [a["location"] for a in acs if a["binding"] == BINDING_ARTIFACT]
        services = {}
        default_index = None
        for acs_service in spsso.get("attribute_consuming_service", []):
            index = int(acs_service["index"])
            names = [ra["name"] for ra in acs_service.get("requested_attribute", [])]
            service_ids = [n for n in names if re.fullmatch(r"urn:etoegang:DV:\d+:services:\d+", n)]
            if not service_ids:
                raise ValueError(f"AttributeConsumingService {index} requests no ServiceID")
            name = next((sn["text"] for sn in acs_service.get("service_name", [])), service_ids[0])
            service_uuid = service_uuids.get(index) or default_service_uuid(service_ids[0])
            services[index] = Service(index, service_ids[0], service_uuid, name)
            if acs_service.get("is_default") == "true":
                default_index = index
        if not services:
            raise ValueError("the SP metadata has no AttributeConsumingService")
        if default_index is None:
            default_index = min(services)
        certs = mds.certs(eid, "spsso", use="encryption")
        if not certs:
            raise ValueError("the SP metadata has no certificate to encrypt to")
        der = base64.b64decode(re.sub(r"-----[A-Z ]+-----|\s", "", certs[0]))
        cert = x509.load_der_x509_certificate(der)
        key_name = cert.fingerprint(hashes.SHA256()).hex()
        return ServiceProvider(eid, frozenset(a["location"] for a in acs),
                               artifact_acs[0] if artifact_acs else acs[0]["location"], services, default_index,
                               cert, key_name)

    # --- IdP metadata ----------------------------------------------------------

    def metadata_xml(self):
        """Our md:EntityDescriptor (IDPSSODescriptor with a signing key, SSO by
        HTTP-POST and HTTP-Redirect, ARS SOAP index 0), signed with our key."""
        desc = entity_descriptor(self.config)
        idpsso = desc.idpsso_descriptor
        idpsso.want_authn_requests_signed = "true"
        idpsso.name_id_format = []
        for kd in idpsso.key_descriptor:
            kd.use = "signing"
        desc.id = "_" + hashlib.sha1(self.entity_id.encode("utf-8")).hexdigest()
        _, xml = sign_entity_descriptor(desc, desc.id, self.sec, sign_alg=SIG_RSA_SHA256,
                                        digest_alg=DIGEST_SHA256)
        return xml if isinstance(xml, str) else xml.decode("utf-8")

    # --- AuthnRequest ------------------------------------------------------------

    def parse_post_request(self, saml_request, relay_state):
        """A SAMLRequest form value (HTTP-POST binding: base64 XML with an enveloped signature)."""
        xml = self._b64decode(saml_request, "SAMLRequest")
        return self._check_request(xml, relay_state, BINDING_POST, embedded_signature=True)

    def parse_redirect_request(self, raw_query):
        """The raw query string of an HTTP-Redirect binding request; the
        signature is checked over the parameters exactly as they were sent."""
        raw = {}
        for part in raw_query.split("&"):
            key, _, value = part.partition("=")
            if key in ("SAMLRequest", "RelayState", "SigAlg", "Signature"):
                if key in raw:
                    raise RequestError(f"De parameter {key} komt meer dan eens voor.")
                raw[key] = value
        if "SAMLRequest" not in raw:
            raise RequestError("Er is geen SAMLRequest meegestuurd.")
        if "SigAlg" not in raw or "Signature" not in raw:
            raise RequestError("Het AuthnRequest is niet ondertekend (SigAlg en Signature ontbreken).")
        sig_alg = unquote_plus(raw["SigAlg"])
        if sig_alg not in REDIRECT_SIG_ALGS:
            raise RequestError(f"Het handtekeningalgoritme {sig_alg} wordt niet geaccepteerd.")
        signed = "SAMLRequest=" + raw["SAMLRequest"]
        if "RelayState" in raw:
            signed += "&RelayState=" + raw["RelayState"]
        signed += "&SigAlg=" + raw["SigAlg"]
        signature = self._b64decode(unquote_plus(raw["Signature"]), "Signature", text=False)
        signer = SIGNER_ALGS[sig_alg]
        if not any(signer.verify(signed.encode("ascii"), signature,
                                 extract_rsa_key_from_x509_cert(pem_format(pem)))
                   for pem in self._sp_signing_certs()):
            raise RequestError("De handtekening van het AuthnRequest klopt niet.")
        deflated = self._b64decode(unquote_plus(raw["SAMLRequest"]), "SAMLRequest", text=False)
        try:
            inflater = zlib.decompressobj(-15)
            xml = inflater.decompress(deflated, MAX_MESSAGE_BYTES)
            if inflater.unconsumed_tail:
                raise RequestError("Het AuthnRequest is te groot.")
            xml = xml.decode("utf-8")
        except (zlib.error, UnicodeDecodeError) as e:
            raise RequestError("Het SAMLRequest is geen geldige DEFLATE-gecodeerde tekst.") from e
        relay_state = unquote_plus(raw["RelayState"]) if "RelayState" in raw else ""
        return self._check_request(xml, relay_state, BINDING_REDIRECT, embedded_signature=False)

    def _sp_signing_certs(self):
        return [c for c in self.config.metadata.certs(self.sp.entity_id, "spsso", use="signing")]

    @staticmethod
    def _b64decode(value, what, text=True):
        if len(value) > MAX_MESSAGE_BYTES * 4 // 3 + 4:
            raise RequestError(f"{what} is te groot.")
        try:
            raw = base64.b64decode(value, validate=True)
            return raw.decode("utf-8") if text else raw
        except (ValueError, UnicodeDecodeError) as e:
            raise RequestError(f"{what} is geen geldige base64-tekst.") from e

    def _check_request(self, xml, relay_state, binding, embedded_signature):
        if len(relay_state.encode("utf-8")) > MAX_RELAY_STATE:
            raise RequestError("RelayState is langer dan 80 bytes.")
        if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
            raise RequestError("Het AuthnRequest bevat een DOCTYPE.")
        request = samlp.authn_request_from_string(xml)
        if request is None:
            raise RequestError("Het SAMLRequest is geen samlp:AuthnRequest.")
        issuer = request.issuer.text.strip() if request.issuer is not None and request.issuer.text else ""
        if issuer != self.sp.entity_id:
            raise RequestError(f"De uitgever van het AuthnRequest ({issuer or 'leeg'}) is niet de bekende SP.")
        if embedded_signature:
            if request.signature is None:
                raise RequestError("Het AuthnRequest is niet ondertekend.")
            try:
                self.sec.correctly_signed_authn_request(xml, must=True)
            except Exception as e:  # pysaml2 raises several types; all mean "not correctly signed"
                raise RequestError("De handtekening van het AuthnRequest klopt niet.") from e
        if request.version != "2.0":
            raise RequestError("Het AuthnRequest heeft geen Version 2.0.")
        if not request.id:
            raise RequestError("Het AuthnRequest heeft geen ID.")
        if request.destination != self.sso_url:
            raise RequestError(f"Destination van het AuthnRequest is niet {self.sso_url}.")
        if request.protocol_binding not in self.protocol_bindings:
            raise RequestError("ProtocolBinding van het AuthnRequest is niet "
                               + " of ".join(b.rsplit(":", 1)[-1] for b in self.protocol_bindings) + ".")
        acs_url = request.assertion_consumer_service_url or self.sp.default_acs_url
        if acs_url not in self.sp.acs_urls:
            raise RequestError("AssertionConsumerServiceURL staat niet in de metadata van de SP.")
        if request.attribute_consuming_service_index is not None:
            try:
                index = int(request.attribute_consuming_service_index)
            except ValueError as e:
                raise RequestError("AttributeConsumingServiceIndex is geen getal.") from e
            if index not in self.sp.services:
                raise RequestError(f"AttributeConsumingServiceIndex {index} staat niet in de metadata van de SP.")
        else:
            index = self.sp.default_index
        return LoginRequest(id=request.id, acs_url=acs_url, service_index=index,
                            force_authn=request.force_authn == "true", protocol_binding=request.protocol_binding,
                            binding=binding, relay_state=relay_state)

    # --- Response ----------------------------------------------------------------

    def login_response(self, request, login):
        """The broker's Response to `request` for `login`: Status Success and
        one signed Assertion (Advice with the AD/MR assertions, EncryptedID
        identifiers). The Response itself is not signed."""
        now = now_utc()
        until = now + ASSERTION_LIFETIME
        name_id = saml.NameID(format=NAMEID_TRANSIENT, name_qualifier=self.ad_entity_id, text=str(uuid.uuid4()))
        service = self.sp.services[login.service_index]
        level = LEVEL_URN + login.level

        assertion_id = new_id()
        assertion = saml.Assertion(
            id=assertion_id, version="2.0", issue_instant=instant(now),
            issuer=saml.Issuer(text=self.entity_id),
            signature=signature_template(assertion_id, self.sec.my_cert, "xacml-saml"),
            subject=saml.Subject(
                name_id=name_id,
                subject_confirmation=[saml.SubjectConfirmation(
                    method=saml.SCM_BEARER,
                    subject_confirmation_data=saml.SubjectConfirmationData(
                        in_response_to=request.id, recipient=request.acs_url, not_on_or_after=instant(until)))]),
            conditions=saml.Conditions(
                not_before=instant(now), not_on_or_after=instant(until),
                audience_restriction=[saml.AudienceRestriction(audience=[saml.Audience(text=self.sp.entity_id)])]),
            advice=saml.Advice() if self.advice_count else None,
            authn_statement=[saml.AuthnStatement(
                authn_instant=instant(now), session_index=new_id(),
                authn_context=saml.AuthnContext(
                    authn_context_class_ref=saml.AuthnContextClassRef(text=level),
                    authenticating_authority=[saml.AuthenticatingAuthority(text=self.ad_entity_id)]))],
            attribute_statement=[saml.AttributeStatement(attribute=self._attributes(login, service))],
            extension_attributes={"xmlns:xacml-saml": NS_XACML_SAML},
        )
        xml = xml_text(assertion)
        if self.advice_count:
            nested = [self._ad_assertion(name_id, level, now, until)]
            if self.advice_count > 1:
                nested.append(self._mr_assertion(name_id, login.service_uuid or service.service_uuid, now, until))
            xml = replace_once(xml, r"<saml:Advice\s*/>", "<saml:Advice>" + "".join(nested) + "</saml:Advice>")
        signed_assertion = self._sign(xml, saml.Assertion, assertion_id)
        return self._response(request, now, STATUS_SUCCESS, None, signed_assertion)

    def cancel_response(self, request):
        """The Response when the user cancels: Status Responder / AuthnFailed, no Assertion."""
        return self._response(request, now_utc(), STATUS_RESPONDER, STATUS_AUTHN_FAILED, None,
                              message="De gebruiker heeft het inloggen afgebroken.")

    def _response(self, request, now, top_status, sub_status, assertion_xml, message=None):
        status = samlp.Status(status_code=samlp.StatusCode(
            value=top_status, status_code=samlp.StatusCode(value=sub_status) if sub_status else None))
        if message:
            status.status_message = samlp.StatusMessage(text=message)
        response = samlp.Response(
            id=new_id(), version="2.0", issue_instant=instant(now), destination=request.acs_url,
            in_response_to=request.id, issuer=saml.Issuer(text=self.entity_id), status=status)
        xml = xml_text(response)
        if assertion_xml:
            xml = insert_before_close(xml, assertion_xml)
        return xml

    def _attributes(self, login, service):
        def string_attribute(name, value):
            return saml.Attribute(name=name, attribute_value=[saml.AttributeValue(text=value)])

        def encrypted_attribute(name, values):
            return saml.Attribute(name=name, attribute_value=[
                saml.AttributeValue(extension_elements=[saml2.element_to_extension_element(
                    self.encrypted_id(value, qualifier))]) for qualifier, value in values])

        legal = []
        if login.kvk:
            legal.append((QUALIFIER_KVK, login.kvk))
        if login.rsin:
            legal.append((QUALIFIER_RSIN, login.rsin))
        attributes = [
            string_attribute(ATTR_SERVICE_ID, login.service_id or service.service_id),
            string_attribute(ATTR_SERVICE_UUID, login.service_uuid or service.service_uuid),
        ]
        if legal:
            attributes.append(encrypted_attribute(ATTR_LEGAL_SUBJECT, legal))
        attributes.append(encrypted_attribute(ATTR_ACTING_SUBJECT, [(QUALIFIER_PSEUDO, login.pseudonym)]))
        if login.vestigingsnr:
            attributes.append(string_attribute(ATTR_VESTIGINGSNR, login.vestigingsnr))
        return attributes

    def _ad_assertion(self, name_id, level, now, until):
        """The authentication service's assertion, as nested in the broker's Advice."""
        aid = new_id()
        assertion = saml.Assertion(
            id=aid, version="2.0", issue_instant=instant(now), issuer=saml.Issuer(text=self.ad_entity_id),
            signature=signature_template(aid, self.sec.my_cert),
            subject=saml.Subject(name_id=name_id),
            conditions=saml.Conditions(
                not_before=instant(now), not_on_or_after=instant(until),
                audience_restriction=[saml.AudienceRestriction(audience=[saml.Audience(text=self.entity_id)])]),
            authn_statement=[saml.AuthnStatement(
                authn_instant=instant(now),
                authn_context=saml.AuthnContext(authn_context_class_ref=saml.AuthnContextClassRef(text=level)))])
        return self._sign(xml_text(assertion), saml.Assertion, aid)

    def _mr_assertion(self, name_id, service_uuid, now, until):
        """The mandate register's assertion: an XACML Permit for the service,
        as a saml:Statement of type xacml-saml:XACMLAuthzDecisionStatementType."""
        aid = new_id()
        decision = saml2.ExtensionElement("Statement", namespace=saml.NAMESPACE, attributes={
            f"{{{NS_XSI}}}type": "xacml-saml:XACMLAuthzDecisionStatementType"}, children=[
            saml2.ExtensionElement("Response", namespace=NS_XACML_CONTEXT, children=[
                saml2.ExtensionElement("Result", namespace=NS_XACML_CONTEXT,
                                       attributes={"ResourceId": service_uuid}, children=[
                                           saml2.ExtensionElement("Decision", namespace=NS_XACML_CONTEXT,
                                                                  text="Permit")])])])
        assertion = saml.Assertion(
            id=aid, version="2.0", issue_instant=instant(now), issuer=saml.Issuer(text=self.mr_entity_id),
            signature=signature_template(aid, self.sec.my_cert, "xacml-saml"),
            subject=saml.Subject(name_id=name_id),
            conditions=saml.Conditions(
                not_before=instant(now), not_on_or_after=instant(until),
                audience_restriction=[saml.AudienceRestriction(audience=[saml.Audience(text=self.entity_id)])]),
            extension_elements=[decision],
            extension_attributes={"xmlns:xacml-saml": NS_XACML_SAML})
        return self._sign(xml_text(assertion), saml.Assertion, aid)

    def _sign(self, xml, element_class, node_id):
        """`xml` with the signature template of the `element_class` element
        `node_id` filled in by xmlsec1 (pysaml2's SecurityContext)."""
        signed = self.sec.sign_statement(xml, node_name=saml2.class_name(element_class()), node_id=node_id)
        return strip_declaration(signed if isinstance(signed, str) else signed.decode("utf-8")).strip()

    # --- EncryptedID ---------------------------------------------------------------

    def encrypted_id(self, value, qualifier):
        """saml:EncryptedID of a persistent NameID `value` with NameQualifier
        `qualifier`, encrypted to the SP's certificate with a fresh key."""
        plain = xml_text(saml.NameID(format=NAMEID_PERSISTENT, name_qualifier=qualifier, text=value)).encode("utf-8")
        data_key = secrets.token_bytes(32 if self.data_cipher == ENC_AES256_CBC else 16)
        if self.data_cipher == ENC_AES256_CBC:
            iv = secrets.token_bytes(16)
            pad = 16 - len(plain) % 16  # XML Encryption padding: the last byte is its length
            padded = plain + secrets.token_bytes(pad - 1) + bytes([pad])
            encryptor = Cipher(algorithms.AES(data_key), modes.CBC(iv)).encryptor()
            cipher_value = iv + encryptor.update(padded) + encryptor.finalize()
        else:
            iv = secrets.token_bytes(12)
            cipher_value = iv + AESGCM(data_key).encrypt(iv, plain, None)
        wrapped_key = self.sp.encryption_cert.public_key().encrypt(
            data_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))

        data_id, key_id = new_id(), new_id()
        encrypted_key = xenc.EncryptedKey(
            id=key_id, recipient=self.sp.entity_id,
            encryption_method=xenc.EncryptionMethod(algorithm=ENC_RSA_OAEP_MGF1P, extension_elements=[
                saml2.ExtensionElement("DigestMethod", namespace=ds.NAMESPACE,
                                       attributes={"Algorithm": ds.DIGEST_SHA1})]),
            key_info=ds.KeyInfo(key_name=[ds.KeyName(text=self.sp.key_name)]),
            cipher_data=xenc.CipherData(cipher_value=xenc.CipherValue(
                text=base64.b64encode(wrapped_key).decode("ascii"))),
            reference_list=xenc.ReferenceList(data_reference=[xenc.DataReference(uri="#" + data_id)]))
        if self.key_placement == "inline":
            key_info = ds.KeyInfo(encrypted_key=[encrypted_key])
            peer_keys = []
        else:  # peer: beside the EncryptedData, found through a RetrievalMethod
            key_info = ds.KeyInfo(retrieval_method=[ds.RetrievalMethod(
                uri="#" + key_id, type="http://www.w3.org/2001/04/xmlenc#EncryptedKey")])
            peer_keys = [encrypted_key]
        encrypted_data = xenc.EncryptedData(
            id=data_id, type="http://www.w3.org/2001/04/xmlenc#Element",
            encryption_method=xenc.EncryptionMethod(algorithm=self.data_cipher),
            key_info=key_info,
            cipher_data=xenc.CipherData(cipher_value=xenc.CipherValue(
                text=base64.b64encode(cipher_value).decode("ascii"))))
        return saml.EncryptedID(encrypted_data=encrypted_data, encrypted_key=peer_keys)

    # --- ArtifactResolve / ArtifactResponse ---------------------------------------------

    def parse_artifact_resolve(self, soap):
        """The signed samlp:ArtifactResolve in a SOAP 1.1 envelope (str).
        Returns (ArtifactResolve ID, artifact). The signature is checked by
        xmlsec1 over the envelope as received, with the SP's metadata key."""
        if len(soap.encode("utf-8")) > MAX_MESSAGE_BYTES:
            raise RequestError("Het SOAP-bericht is te groot.")
        if "<!DOCTYPE" in soap or "<!ENTITY" in soap:
            raise RequestError("Het SOAP-bericht bevat een DOCTYPE.")
        try:
            envelope = ElementTree.fromstring(soap)
        except ElementTree.ParseError as e:
            raise RequestError("Het SOAP-bericht is geen geldige XML.") from e
        body = envelope.find(f"{{{NS_SOAP11}}}Body") if envelope.tag == f"{{{NS_SOAP11}}}Envelope" else None
        if body is None or len(body) != 1 or body[0].tag != f"{{{samlp.NAMESPACE}}}ArtifactResolve":
            raise RequestError("Het SOAP-bericht bevat geen (enkel) samlp:ArtifactResolve.")
        resolve = samlp.artifact_resolve_from_string(ElementTree.tostring(body[0]))
        issuer = resolve.issuer.text.strip() if resolve.issuer is not None and resolve.issuer.text else ""
        if issuer != self.sp.entity_id:
            raise RequestError("De uitgever van het ArtifactResolve is niet de bekende SP.")
        if resolve.signature is None:
            raise RequestError("Het ArtifactResolve is niet ondertekend.")
        try:
            self.sec.check_signature(resolve, saml2.class_name(resolve), origdoc=soap, must=True)
        except Exception as e:  # pysaml2 raises several types; all mean "not correctly signed"
            raise RequestError("De handtekening van het ArtifactResolve klopt niet.") from e
        if resolve.destination not in (None, self.ars_url):
            raise RequestError(f"Destination van het ArtifactResolve is niet {self.ars_url}.")
        if resolve.artifact is None or not resolve.artifact.text:
            raise RequestError("Het ArtifactResolve bevat geen Artifact.")
        return resolve.id, resolve.artifact.text.strip()

    def artifact_response_soap(self, in_response_to, response_xml):
        """A SOAP 1.1 envelope with our signed ArtifactResponse (Status
        Success) holding `response_xml`, or no message when it is None."""
        rid = new_id()
        artifact_response = samlp.ArtifactResponse(
            id=rid, version="2.0", issue_instant=instant(now_utc()), in_response_to=in_response_to,
            issuer=saml.Issuer(text=self.entity_id),
            signature=signature_template(rid, self.sec.my_cert),
            status=samlp.Status(status_code=samlp.StatusCode(value=STATUS_SUCCESS)))
        xml = xml_text(artifact_response)
        if response_xml:
            xml = insert_before_close(xml, response_xml)
        signed = self._sign(xml, samlp.ArtifactResponse, rid)
        return (f'<?xml version="1.0" encoding="UTF-8"?>'
                f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{NS_SOAP11}"><SOAP-ENV:Body>{signed}'
                f"</SOAP-ENV:Body></SOAP-ENV:Envelope>")

