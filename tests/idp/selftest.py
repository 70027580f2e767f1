#!/usr/bin/python3
"""Self-test of the test eHerkenning IdP (eh_idp.py), end to end over loopback.

  /usr/bin/python3 tests/idp/selftest.py [--keep]

Makes a throwaway PKI (scripts/pki), has pysaml2 play the SP (its metadata
with AttributeConsumingServices 1 and 2, signed AuthnRequests by HTTP-Redirect
and HTTP-POST, signed ArtifactResolves), starts the IdP in three configurations
and checks: the login page, the headless login, the artifact, resolution over
mutual TLS, the ArtifactResponse / Assertion / Advice signatures (xmlsec1 CLI,
with the IdP's certificate pinned; a wrong certificate must fail), the
EncryptedIDs (decrypted by the xmlsec1 CLI with the SP key), the values, the
cancel path, single use of artifacts, the POST bindings, and the refusals.
If a poortctl binary exists in a build folder of the repository (or $POORTCTL),
`poortctl saml verify` must accept the resolved response too.
Exit 0 when everything passes; --keep leaves the temporary folder.
"""

import argparse
import base64
import datetime
import glob
import hashlib
import html.parser
import http.client
import json
import os
import re
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree import ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import eh_idp  # noqa: E402
import eh_saml  # noqa: E402

from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, md  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import entity_descriptor, sign_entity_descriptor  # noqa: E402
from saml2.s_utils import sid  # noqa: E402
from saml2.sigver import security_context  # noqa: E402

NS = {
    "soap": eh_saml.NS_SOAP11, "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion", "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#", "ec": eh_saml.NS_EXC_C14N,
}
SERVICE_UUID_1 = "3f1e9a52-7c0b-4d1e-9a43-2b8f5c6d7e01"
passed = 0


def check(condition, what):
    global passed
    if not condition:
        raise AssertionError(what)
    passed += 1


def q(name):
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


class Form(html.parser.HTMLParser):
    """The action and hidden/plain inputs of the first form of a page, and the element ids."""

    def __init__(self, text):
        super().__init__()
        self.action, self.fields, self.ids = None, {}, set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add((tag, a["id"]))
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        if tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")


class Sp:
    """pysaml2 as poort's SP would be: entity, keys, ACS, services."""

    def __init__(self, pki, oins, idp_metadata):
        self.entity_id = f"urn:etoegang:DV:{oins['JUSTID_OIN']}:entities:9001"
        self.acs = "https://127.0.0.1:1/saml/acs"
        self.service_ids = {i: f"urn:etoegang:DV:{oins['JUSTID_OIN']}:services:{i}" for i in (1, 2)}
        self.key, self.cert = os.path.join(pki, "sp-signing.key"), os.path.join(pki, "sp-signing.crt")
        self.ca = os.path.join(pki, "ca.crt")
        self.pki = pki
        self.config_dict = {
            "entityid": self.entity_id,
            "service": {"sp": {
                "endpoints": {"assertion_consumer_service": [(self.acs, BINDING_HTTP_ARTIFACT)]},
                "authn_requests_signed": True, "want_assertions_signed": True,
            }},
            "key_file": self.key, "cert_file": self.cert,
            "xmlsec_binary": eh_saml.XMLSEC1, "delete_tmpfiles": True,
        }
        if idp_metadata:
            self.config_dict["metadata"] = {"local": idp_metadata}

    def client_cert(self, name):
        return os.path.join(self.pki, name + ".crt"), os.path.join(self.pki, name + ".key")

    def metadata(self):
        """Signed SP metadata with AttributeConsumingService 1 (default) and 2."""
        conf = SPConfig().load(self.config_dict)
        desc = entity_descriptor(conf)
        desc.spsso_descriptor.attribute_consuming_service = [
            md.AttributeConsumingService(
                index=str(i), is_default="true" if i == 1 else None,
                service_name=[md.ServiceName(text=f"Testdienst {i}", lang="nl")],
                requested_attribute=[md.RequestedAttribute(name=self.service_ids[i], is_required="false")])
            for i in (1, 2)]
        for kd in desc.spsso_descriptor.key_descriptor:
            kd.use = None  # like poort's metadata: one KeyDescriptor for signing and encryption
        desc.id = "_sp-metadata"
        _, xml = sign_entity_descriptor(desc, desc.id, security_context(conf), sign_alg=eh_saml.SIG_RSA_SHA256,
                                        digest_alg=eh_saml.DIGEST_SHA256)
        return xml if isinstance(xml, str) else xml.decode("utf-8")

    def client(self):
        return Saml2Client(SPConfig().load(self.config_dict))


class Idp:
    """A running eh_idp.py."""

    def __init__(self, tmp, name, pki, sp_metadata, entity_id, *extra):
        self.state_dir = os.path.join(tmp, name)
        self.entity_id = entity_id
        with open(os.path.join(tmp, name + ".log"), "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "eh_idp.py"), "--pki", pki, "--sp-metadata", sp_metadata,
                 "--listen", "127.0.0.1:0", "--entity-id", entity_id, "--state-dir", self.state_dir,
                 "--port-file", os.path.join(tmp, name + ".port"), *extra],
                stdout=subprocess.PIPE, stderr=log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            self.stop()
            raise AssertionError(f"{name}: the IdP did not print its port")
        self.port = int(line)
        with open(os.path.join(tmp, name + ".port")) as f:
            check(f.read().strip() == str(self.port), "the port file holds the port")
        self.metadata = os.path.join(self.state_dir, "idp-metadata.xml")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def https(port, method, path, body=None, headers=None, client_cert=None, ca=None):
    ctx = ssl.create_default_context(cafile=ca)
    if client_cert:
        ctx.load_cert_chain(*client_cert)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8")
    finally:
        conn.close()


def redirect_request(sp_client, idp_entity_id, relay_state, **kwargs):
    """A signed HTTP-Redirect AuthnRequest: (request ID, path and query)."""
    reqid, info = sp_client.prepare_for_authenticate(
        entityid=idp_entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT, sign=True,
        sigalg=eh_saml.SIG_RSA_SHA256, digest_alg=eh_saml.DIGEST_SHA256, response_binding=BINDING_HTTP_ARTIFACT,
        force_authn="true", **kwargs)
    url = dict(info["headers"])["Location"]
    parts = urlsplit(url)
    return reqid, parts.path + "?" + parts.query


def post_request(sp_client, sso_url, sign=True, protocol_binding=BINDING_HTTP_ARTIFACT, **kwargs):
    """An HTTP-POST AuthnRequest (enveloped signature): (request ID, SAMLRequest value)."""
    reqid, request = sp_client.create_authn_request(
        sso_url, binding=protocol_binding, sign=sign, sign_alg=eh_saml.SIG_RSA_SHA256,
        digest_alg=eh_saml.DIGEST_SHA256, force_authn="true", **kwargs)
    return reqid, base64.b64encode(str(request).encode("utf-8")).decode("ascii")


def artifact_from_location(location, sp, relay_state):
    parts = urlsplit(location)
    check(f"{parts.scheme}://{parts.netloc}{parts.path}" == sp.acs, "the 303 goes to the ACS")
    query = parse_qs(parts.query)
    check(query.get("RelayState") == [relay_state], "RelayState comes back")
    return query["SAMLart"][0]


def check_artifact(artifact, idp_entity_id):
    raw = base64.b64decode(artifact)
    check(len(raw) == 44 and raw[:2] == b"\x00\x04" and raw[2:4] == b"\x00\x00", "artifact type 4, index 0")
    check(raw[4:24] == hashlib.sha1(idp_entity_id.encode()).digest(), "artifact SourceID = SHA-1(entity ID)")


def resolve(sp, sp_client, idp, artifact, content_type="text/xml", sign=True, client_cert="sp-tls"):
    """POSTs a signed ArtifactResolve over mutual TLS with the PKI's `client_cert`
    (None: no client certificate): (ArtifactResolve ID, status, headers, body)."""
    ars = f"https://127.0.0.1:{idp.port}/ars"
    rid, msg = sp_client.create_artifact_resolve(artifact, ars, sid(), sign=sign, sign_alg=eh_saml.SIG_RSA_SHA256,
                                                 digest_alg=eh_saml.DIGEST_SHA256)
    soap = (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{eh_saml.NS_SOAP11}"><SOAP-ENV:Body>'
            f"{eh_saml.strip_declaration(str(msg))}</SOAP-ENV:Body></SOAP-ENV:Envelope>")
    status, headers, body = https(idp.port, "POST", "/ars", soap.encode("utf-8"),
                                  {"Content-Type": content_type + "; charset=utf-8"},
                                  client_cert=sp.client_cert(client_cert) if client_cert else None, ca=sp.ca)
    return rid, status, headers, body


def xmlsec_verify(tmp, xml, node_class, node_id, cert):
    """True if xmlsec1 verifies the signature of element `node_id` with `cert` (KeyInfo ignored)."""
    path = os.path.join(tmp, f"verify-{uuid.uuid4().hex}.xml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(xml)
    r = subprocess.run([eh_saml.XMLSEC1, "--verify", "--enabled-reference-uris", "same-doc",
                        "--enabled-key-data", "raw-x509-cert", "--pubkey-cert-pem", cert,
                        "--id-attr:ID", node_class, "--node-id", node_id, path], capture_output=True, text=True)
    return r.returncode == 0 and "OK" in r.stderr


def xmlsec_decrypt(tmp, encrypted_id, sp):
    """The NameID in a saml:EncryptedID element, decrypted by xmlsec1 with the SP key."""
    path = os.path.join(tmp, f"decrypt-{uuid.uuid4().hex}.xml")
    with open(path, "wb") as f:
        f.write(ElementTree.tostring(encrypted_id))
    key_name = encrypted_id.find(".//xenc:EncryptedKey/ds:KeyInfo/ds:KeyName", NS).text
    r = subprocess.run([eh_saml.XMLSEC1, "--decrypt", f"--privkey-pem:{key_name}", sp.key,
                        "--id-attr:Id", "http://www.w3.org/2001/04/xmlenc#:EncryptedKey", path],
                       capture_output=True)
    check(r.returncode == 0, f"xmlsec1 decrypts the EncryptedID: {r.stderr.decode(errors='replace')[-300:]}")
    decrypted = ElementTree.fromstring(r.stdout)
    name_id = decrypted if decrypted.tag == q("saml:NameID") else decrypted.find("saml:NameID", NS)
    check(name_id is not None, "the EncryptedID holds a NameID")
    return name_id


def eleven_test(number):
    """The RSIN "elfproef": 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11 (and not all zeros)."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return re.fullmatch(r"\d{9}", number) is not None and number != "000000000" and \
        sum(int(d) * w for d, w in zip(number, weights)) % 11 == 0


def parse_time(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def check_login_response(tmp, sp, idp, idp_cert, soap, resolve_id, request_id, expect):
    """Checks a resolved login (SOAP envelope text) against `expect`; returns the identifiers."""
    envelope = ElementTree.fromstring(soap)
    artifact_response = envelope.find("soap:Body/samlp:ArtifactResponse", NS)
    check(artifact_response is not None, "the SOAP body holds an ArtifactResponse")
    check(artifact_response.get("InResponseTo") == resolve_id, "ArtifactResponse InResponseTo")
    check(artifact_response.find("samlp:Status/samlp:StatusCode", NS).get("Value") == eh_saml.STATUS_SUCCESS,
          "ArtifactResponse Status Success")
    check(xmlsec_verify(tmp, soap, "urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse",
                        artifact_response.get("ID"), idp_cert), "ArtifactResponse signature (xmlsec1)")
    check(not xmlsec_verify(tmp, soap, "urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse",
                            artifact_response.get("ID"), sp.cert), "a wrong certificate fails (KeyInfo ignored)")

    response = artifact_response.find("samlp:Response", NS)
    check(response.get("InResponseTo") == request_id, "Response InResponseTo = the AuthnRequest ID")
    check(response.get("Destination") == sp.acs, "Response Destination = ACS")
    check(response.find("saml:Issuer", NS).text == idp.entity_id, "Response Issuer")
    check(response.find("samlp:Status/samlp:StatusCode", NS).get("Value") == eh_saml.STATUS_SUCCESS,
          "Response Status Success")
    assertions = response.findall("saml:Assertion", NS)
    check(len(assertions) == 1, "one top-level Assertion")
    a = assertions[0]
    check(xmlsec_verify(tmp, soap, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", a.get("ID"), idp_cert),
          "Assertion signature (xmlsec1)")
    sig = a.find("ds:Signature", NS)
    check(list(a).index(sig) == 1, "the Assertion Signature follows its Issuer")
    check(sig.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") == eh_saml.SIG_RSA_SHA256, "RSA-SHA256")
    check(sig.find("ds:SignedInfo/ds:Reference", NS).get("URI") == "#" + a.get("ID"), "Reference URI = #ID")
    inclusive = sig.find("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform/ec:InclusiveNamespaces", NS)
    check(inclusive is not None and inclusive.get("PrefixList") == "xacml-saml", "InclusiveNamespaces xacml-saml")
    check(a.find("saml:Issuer", NS).text == idp.entity_id, "Assertion Issuer")

    nested = a.findall("saml:Advice/saml:Assertion", NS)
    check(len(nested) == expect["advice"], f"{expect['advice']} nested Advice assertion(s)")
    for n in nested:
        check(xmlsec_verify(tmp, soap, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", n.get("ID"), idp_cert),
              "nested Advice assertion signature (xmlsec1)")
    if expect["advice"] == 2:
        statement = nested[1].find("saml:Statement", NS)
        check(statement is not None and statement.get(f"{{{eh_saml.NS_XSI}}}type")
              == "xacml-saml:XACMLAuthzDecisionStatementType", "MR: XACML authz decision statement")

    subject = a.find("saml:Subject", NS)
    name_id = subject.find("saml:NameID", NS)
    check(name_id.get("Format") == eh_saml.NAMEID_TRANSIENT and name_id.get("NameQualifier"), "transient NameID")
    scd = subject.find("saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    check(subject.find("saml:SubjectConfirmation", NS).get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer",
          "bearer")
    check(scd.get("InResponseTo") == request_id and scd.get("Recipient") == sp.acs, "bearer InResponseTo, Recipient")
    issued = parse_time(a.get("IssueInstant"))
    check(parse_time(scd.get("NotOnOrAfter")) - issued == datetime.timedelta(minutes=4), "bearer lifetime 4 min")
    conditions = a.find("saml:Conditions", NS)
    check(parse_time(conditions.get("NotBefore")) <= issued < parse_time(conditions.get("NotOnOrAfter")),
          "Conditions window")
    check(conditions.find("saml:AudienceRestriction/saml:Audience", NS).text == sp.entity_id, "Audience = SP")
    context = a.find("saml:AuthnStatement/saml:AuthnContext", NS)
    check(context.find("saml:AuthnContextClassRef", NS).text == eh_saml.LEVEL_URN + expect["level"], "level")
    check(context.find("saml:AuthenticatingAuthority", NS).text == name_id.get("NameQualifier"),
          "AuthenticatingAuthority = the AD")

    attributes = {at.get("Name"): at for at in a.findall("saml:AttributeStatement/saml:Attribute", NS)}
    def plain(name):
        values = attributes[name].findall("saml:AttributeValue", NS)
        check(len(values) == 1, f"{name} has one value")
        return values[0].text
    check(plain(eh_saml.ATTR_SERVICE_ID) == expect["service_id"], "ServiceID")
    check(plain(eh_saml.ATTR_SERVICE_UUID) == expect["service_uuid"], "ServiceUUID")
    if expect.get("vestigingsnr"):
        check(plain(eh_saml.ATTR_VESTIGINGSNR) == expect["vestigingsnr"], "Vestigingsnr")
    else:
        check(eh_saml.ATTR_VESTIGINGSNR not in attributes, "no Vestigingsnr")

    ids = {}
    for name in (eh_saml.ATTR_LEGAL_SUBJECT, eh_saml.ATTR_ACTING_SUBJECT):
        for value in attributes[name].findall("saml:AttributeValue", NS):
            encrypted_id = value.find("saml:EncryptedID", NS)
            check(encrypted_id is not None, f"{name} is an EncryptedID")
            keys = encrypted_id.findall(".//xenc:EncryptedKey", NS)
            check(len(keys) == 1 and keys[0].get("Recipient") == sp.entity_id, "EncryptedKey Recipient = SP")
            check(keys[0].find("xenc:EncryptionMethod", NS).get("Algorithm") == eh_saml.ENC_RSA_OAEP_MGF1P,
                  "RSA-OAEP-MGF1P")
            check(encrypted_id.find("xenc:EncryptedData/xenc:EncryptionMethod", NS).get("Algorithm")
                  == expect["cipher"], "data cipher")
            nid = xmlsec_decrypt(tmp, encrypted_id, sp)
            check(nid.get("Format") == eh_saml.NAMEID_PERSISTENT, "persistent NameID inside")
            ids[(name, nid.get("NameQualifier"))] = nid.text
    return ids


def poortctl_verify(tmp, sp, idp_cert, message, request_id, idp_entity_id):
    """`poortctl saml verify` of a resolved SOAP envelope or a Response: its
    JSON verdict, or None when there is no poortctl binary."""
    candidates = [os.environ.get("POORTCTL", "")] + sorted(glob.glob(os.path.join(REPO, "build*", "**", "poortctl"),
                                                                     recursive=True))
    binary = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
    if not binary:
        print("poortctl saml verify: skipped (no poortctl binary)")
        return None
    path = os.path.join(tmp, f"poortctl-{uuid.uuid4().hex}.xml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(message)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = subprocess.run([binary, "saml", "verify", "--response", path, "--idp-entity-id", idp_entity_id,
                        "--idp-cert", idp_cert, "--sp-key", sp.key, "--sp-entity-id", sp.entity_id,
                        "--acs-url", sp.acs, "--request-id", request_id, "--now", now],
                       capture_output=True, text=True)
    print(f"poortctl saml verify ({binary}): exit {r.returncode}: {r.stdout.strip()} {r.stderr.strip()}")
    check(r.returncode in (0, 1), "poortctl runs")
    return json.loads(r.stdout)


def poortctl_accepts(verdict, expected_identity):
    """True when poortctl is absent, or accepted with these identity fields."""
    return verdict is None or (verdict.get("accepted") is True and all(
        verdict["identity"].get(k) == v for k, v in expected_identity.items()))


def run(tmp):
    pki = os.path.join(tmp, "pki")
    subprocess.run(["bash", os.path.join(REPO, "scripts", "pki"), pki], check=True, stdout=subprocess.DEVNULL)
    oins = eh_saml.read_env_file(os.path.join(pki, "oins.env"))
    idp_cert = os.path.join(pki, "idp-signing.crt")
    for name, kvk, rsin in eh_idp.ORGANISATIONS.values():
        check(re.fullmatch(r"\d{8}", kvk) and eleven_test(rsin), f"{name}: 8-digit KvK, RSIN passes the eleven-test")
    check(not eleven_test("001234567"), "the eleven-test can fail")
    sp = Sp(pki, oins, None)
    sp_metadata = os.path.join(tmp, "sp-metadata.xml")
    with open(sp_metadata, "w", encoding="utf-8") as f:
        f.write(sp.metadata())

    broker_id = f"urn:etoegang:HM:{oins['IDP_OIN']}:entities:9001"
    admin_id = f"urn:etoegang:HM:{oins['ADMIN_IDP_OIN']}:entities:9002"
    idps = []
    try:
        idp = Idp(tmp, "broker", pki, sp_metadata, broker_id, "--service-uuid", f"1={SERVICE_UUID_1}")
        idps.append(idp)
        variant = Idp(tmp, "variant", pki, sp_metadata, broker_id, "--artifact-post", "--data-cipher", "aes128-gcm",
                      "--encrypted-key-placement", "peer", "--advice", "1")
        idps.append(variant)
        admin = Idp(tmp, "admin", pki, sp_metadata, admin_id, "--role", "admin", "--post-binding")
        idps.append(admin)
        # the broker and the variant share an entity ID: one SP client per IdP metadata file
        sp_broker = Sp(pki, oins, [idp.metadata]).client()
        sp_variant = Sp(pki, oins, [variant.metadata]).client()

        # --- metadata
        meta = ElementTree.parse(idp.metadata).getroot()
        ars = meta.find(".//md:IDPSSODescriptor/md:ArtifactResolutionService", {"md": md.NAMESPACE})
        check(ars.get("Location") == f"https://127.0.0.1:{idp.port}/ars" and ars.get("index") == "0"
              and ars.get("Binding") == eh_saml.BINDING_SOAP, "metadata: ARS SOAP index 0")
        sso = {e.get("Binding") for e in meta.findall(".//md:SingleSignOnService", {"md": md.NAMESPACE})}
        check(sso == {BINDING_HTTP_POST, BINDING_HTTP_REDIRECT}, "metadata: SSO POST and Redirect")
        check(xmlsec_verify(tmp, open(idp.metadata).read(), "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
                            meta.get("ID"), idp_cert), "metadata signature")
        status, _, body = https(idp.port, "GET", "/metadata", ca=sp.ca)
        check(status == 200 and "IDPSSODescriptor" in body, "GET /metadata")

        # --- 1. Redirect binding, login page, form submit (as a browser would)
        reqid, path = redirect_request(sp_broker, broker_id, "rs-1", attribute_consuming_service_index="1",
                                       assertion_consumer_service_url=sp.acs)
        status, headers, body = https(idp.port, "GET", path, ca=sp.ca)
        check(status == 200, f"login page: {status} {body[:300]}")
        check(headers.get("Cache-Control") == "no-cache, no-store", "no-store on pages")
        form = Form(body)
        for element in [("select", "organisatie"), ("select", "dienst"), ("select", "niveau"),
                        ("input", "vestigingsnr"), ("input", "gebruiker"), ("button", "inloggen"),
                        ("button", "annuleren")]:
            check(element in form.ids, f"login page has {element}")
        status, headers, body = https(idp.port, "POST", "/login", urlencode({
            "sessie": form.fields["sessie"], "organisatie": "zwolle", "identificatie": "beide", "dienst": "1",
            "niveau": "loa3", "gebruiker": "medewerker-1", "vestigingsnr": "000012345678",
            "actie": "inloggen"}).encode(), {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        check(status == 303, f"form submit gives 303: {status} {body[:300]}")
        artifact = artifact_from_location(headers["Location"], sp, "rs-1")
        check_artifact(artifact, broker_id)
        status, _, _ = https(idp.port, "POST", "/login", urlencode({
            "sessie": form.fields["sessie"], "actie": "inloggen"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        check(status == 400, "a login page session is used once")

        resolve_id, status, headers, soap = resolve(sp, sp_broker, idp, artifact)
        check(status == 200 and headers["Content-Type"].startswith("text/xml"), f"ARS answers: {status} {soap[:300]}")
        ids = check_login_response(tmp, sp, idp, idp_cert, soap, resolve_id, reqid, {
            "advice": 2, "level": "loa3", "service_id": sp.service_ids[1], "service_uuid": SERVICE_UUID_1,
            "vestigingsnr": "000012345678", "cipher": eh_saml.ENC_AES256_CBC})
        pseudonym = eh_saml.pseudonym_for(broker_id, sp.entity_id, "medewerker-1", "50000001")
        check(ids == {(eh_saml.ATTR_LEGAL_SUBJECT, eh_saml.QUALIFIER_KVK): "50000001",
                      (eh_saml.ATTR_LEGAL_SUBJECT, eh_saml.QUALIFIER_RSIN): "001234560",
                      (eh_saml.ATTR_ACTING_SUBJECT, eh_saml.QUALIFIER_PSEUDO): pseudonym},
              f"decrypted identifiers: {ids}")
        check(re.fullmatch(r"[0-9a-f]{64}", pseudonym) is not None, "pseudonym is 64 hex digits")
        with open(os.path.join(tmp, "example-artifact-response.xml"), "w", encoding="utf-8") as f:
            f.write(soap)
        check(poortctl_accepts(poortctl_verify(tmp, sp, idp_cert, soap, reqid, broker_id), {
            "kvk": "50000001", "rsin": "001234560", "actingSubjectId": pseudonym, "vestigingsnr": "000012345678",
            "serviceUuid": SERVICE_UUID_1, "assurance": eh_saml.LEVEL_URN + "loa3"}), "poortctl accepts the login")

        # --- 2. single use
        resolve_id, status, _, soap = resolve(sp, sp_broker, idp, artifact, content_type="application/soap+xml")
        check(status == 200, "second resolve answers")
        again = ElementTree.fromstring(soap).find("soap:Body/samlp:ArtifactResponse", NS)
        check(again.find("samlp:Response", NS) is None, "second resolve: no message")
        check(again.find("samlp:Status/samlp:StatusCode", NS).get("Value") == eh_saml.STATUS_SUCCESS, "still Success")
        check(xmlsec_verify(tmp, soap, "urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse", again.get("ID"),
                            idp_cert), "empty ArtifactResponse is signed")

        # --- 3. POST encoding via the headless endpoint: Vught, KvK only, service 2, loa4
        reqid, saml_request = post_request(sp_broker, f"https://127.0.0.1:{idp.port}/sso",
                                           attribute_consuming_service_index="2",
                                           assertion_consumer_service_url=sp.acs)
        status, headers, body = https(idp.port, "GET", "/test/login?" + urlencode({
            "SAMLRequest": saml_request, "RelayState": "rs-3", "organisatie": "vught", "identificatie": "kvk",
            "niveau": "loa4", "gebruiker": "medewerker-2"}), ca=sp.ca)
        check(status == 303, f"headless login: {status} {body[:300]}")
        artifact = artifact_from_location(headers["Location"], sp, "rs-3")
        resolve_id, status, _, soap = resolve(sp, sp_broker, idp, artifact)
        ids = check_login_response(tmp, sp, idp, idp_cert, soap, resolve_id, reqid, {
            "advice": 2, "level": "loa4", "service_id": sp.service_ids[2],
            "service_uuid": eh_saml.default_service_uuid(sp.service_ids[2]), "cipher": eh_saml.ENC_AES256_CBC})
        check(ids == {(eh_saml.ATTR_LEGAL_SUBJECT, eh_saml.QUALIFIER_KVK): "50000002",
                      (eh_saml.ATTR_ACTING_SUBJECT, eh_saml.QUALIFIER_PSEUDO):
                          eh_saml.pseudonym_for(broker_id, sp.entity_id, "medewerker-2", "50000002")},
              "KvK only, requested service 2")

        # --- 4. cancel
        reqid, path = redirect_request(sp_broker, broker_id, "rs-4", assertion_consumer_service_url=sp.acs)
        status, headers, _ = https(idp.port, "GET", path + "&actie=annuleren", ca=sp.ca)
        check(status == 303, "cancel gives 303")
        artifact = artifact_from_location(headers["Location"], sp, "rs-4")
        resolve_id, status, _, soap = resolve(sp, sp_broker, idp, artifact)
        response = ElementTree.fromstring(soap).find("soap:Body/samlp:ArtifactResponse/samlp:Response", NS)
        code = response.find("samlp:Status/samlp:StatusCode", NS)
        check(code.get("Value") == eh_saml.STATUS_RESPONDER
              and code.find("samlp:StatusCode", NS).get("Value") == eh_saml.STATUS_AUTHN_FAILED,
              "cancel: Responder / AuthnFailed")
        check(response.find("saml:Assertion", NS) is None and response.get("InResponseTo") == reqid,
              "cancel: no Assertion, InResponseTo")
        verdict = poortctl_verify(tmp, sp, idp_cert, soap, reqid, broker_id)
        check(verdict is None or verdict == {"accepted": False, "reason": "authn_failed",
                                             "detail": verdict.get("detail")}, "poortctl: cancel is authn_failed")

        # --- 5. refusals
        _, unsigned = post_request(sp_broker, f"https://127.0.0.1:{idp.port}/sso", sign=False,
                                   assertion_consumer_service_url=sp.acs)
        status, _, body = https(idp.port, "POST", "/sso", urlencode({"SAMLRequest": unsigned}).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        check(status == 400 and "niet ondertekend" in body, "unsigned POST AuthnRequest refused")
        _, signed = post_request(sp_broker, f"https://127.0.0.1:{idp.port}/sso",
                                 assertion_consumer_service_url=sp.acs)
        tampered = base64.b64encode(base64.b64decode(signed).replace(b'ForceAuthn="true"', b'ForceAuthn="false"'))
        status, _, body = https(idp.port, "POST", "/sso", urlencode({"SAMLRequest": tampered}).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        check(status == 400 and "handtekening" in body, "tampered POST AuthnRequest refused")
        _, path = redirect_request(sp_broker, broker_id, "rs-5", assertion_consumer_service_url=sp.acs)
        status, _, _ = https(idp.port, "GET", path.replace("RelayState=rs-5", "RelayState=rs-6"), ca=sp.ca)
        check(status == 400, "Redirect signature over another RelayState refused")
        status, _, _ = https(idp.port, "GET", re.sub(r"&Signature=[^&]*", "", path), ca=sp.ca)
        check(status == 400, "unsigned Redirect AuthnRequest refused")
        _, path = redirect_request(sp_broker, broker_id, "", assertion_consumer_service_url="https://evil.example/acs")
        status, _, _ = https(idp.port, "GET", path, ca=sp.ca)
        check(status == 400, "ACS URL not in SP metadata refused")
        _, saml_request = post_request(sp_broker, f"https://127.0.0.1:{idp.port}/sso",
                                       protocol_binding=BINDING_HTTP_POST, assertion_consumer_service_url=sp.acs)
        status, _, body = https(idp.port, "GET", "/test/login?" + urlencode({"SAMLRequest": saml_request}), ca=sp.ca)
        check(status == 400 and "ProtocolBinding" in body, "ProtocolBinding HTTP-POST refused in Artifact mode")
        _, status, _, _ = resolve(sp, sp_broker, idp, artifact, client_cert=None)
        check(status == 403, "ARS without a client certificate: 403")
        _, status, _, _ = resolve(sp, sp_broker, idp, artifact, client_cert="pi-1")
        check(status == 403, "ARS with another party's client certificate: 403")
        try:
            resolve(sp, sp_broker, idp, artifact, client_cert="untrusted")
            check(False, "ARS with an untrusted client certificate fails the handshake")
        except (ssl.SSLError, ConnectionError):
            check(True, "ARS with an untrusted client certificate fails the handshake")
        _, status, _, body = resolve(sp, sp_broker, idp, artifact, sign=False)
        check(status == 500 and "Fault" in body, "unsigned ArtifactResolve: SOAP Fault")
        _, status, _, _ = resolve(sp, sp_broker, idp, artifact, content_type="application/json")
        check(status == 415, "ARS wrong content type: 415")

        # --- 6. variant: artifact by POST form, AES-128-GCM, peer EncryptedKey, one Advice assertion
        reqid, path = redirect_request(sp_variant, broker_id, "rs-7", assertion_consumer_service_url=sp.acs)
        path = path.replace("/sso?", "/test/login?", 1) + "&organisatie=anders&kvk=12345678&identificatie=kvk" \
            "&pseudoniem=" + "ab" * 32
        status, _, body = https(variant.port, "GET", path, ca=sp.ca)
        form = Form(body)
        check(status == 200 and form.action == sp.acs and form.fields.get("RelayState") == "rs-7",
              "--artifact-post: auto-submit form to the ACS")
        check_artifact(form.fields["SAMLart"], broker_id)
        resolve_id, status, _, soap = resolve(sp, sp_variant, variant, form.fields["SAMLart"])
        ids = check_login_response(tmp, sp, variant, idp_cert, soap, resolve_id, reqid, {
            "advice": 1, "level": "loa3", "service_id": sp.service_ids[1],
            "service_uuid": eh_saml.default_service_uuid(sp.service_ids[1]), "cipher": eh_saml.ENC_AES128_GCM})
        check(ids == {(eh_saml.ATTR_LEGAL_SUBJECT, eh_saml.QUALIFIER_KVK): "12345678",
                      (eh_saml.ATTR_ACTING_SUBJECT, eh_saml.QUALIFIER_PSEUDO): "ab" * 32}, "free-text organisation")
        check(poortctl_accepts(poortctl_verify(tmp, sp, idp_cert, soap, reqid, broker_id), {
            "kvk": "12345678", "actingSubjectId": "ab" * 32}), "poortctl accepts AES-GCM and peer EncryptedKeys")

        # --- 7. admin IdP, HTTP-POST response binding
        sp_admin = Sp(pki, oins, [admin.metadata]).client()
        reqid, saml_request = post_request(sp_admin, f"https://127.0.0.1:{admin.port}/sso",
                                           protocol_binding=BINDING_HTTP_POST, assertion_consumer_service_url=sp.acs)
        status, _, body = https(admin.port, "POST", "/sso", urlencode({
            "SAMLRequest": saml_request, "RelayState": "rs-8"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        form = Form(body)
        check(status == 200 and 'value="justid"' in body and 'value="zwolle"' not in body, "admin login page")
        status, _, body = https(admin.port, "POST", "/login", urlencode({
            "sessie": form.fields["sessie"], "organisatie": "justid", "actie": "inloggen"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"}, ca=sp.ca)
        form = Form(body)
        check(status == 200 and form.action == sp.acs and form.fields.get("RelayState") == "rs-8",
              "--post-binding: auto-submit form with SAMLResponse")
        response_xml = base64.b64decode(form.fields["SAMLResponse"]).decode("utf-8")
        response = ElementTree.fromstring(response_xml)
        a = response.find("saml:Assertion", NS)
        check(response.get("InResponseTo") == reqid and a.find("saml:Issuer", NS).text == admin_id,
              "admin Response")
        check(xmlsec_verify(tmp, response_xml, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", a.get("ID"),
                            os.path.join(pki, "admin-idp-signing.crt")), "admin Assertion signed by admin key")
        legal = [xmlsec_decrypt(tmp, e, sp).text for e in a.findall(
            f"saml:AttributeStatement/saml:Attribute[@Name='{eh_saml.ATTR_LEGAL_SUBJECT}']/saml:AttributeValue/"
            "saml:EncryptedID", NS)]
        check(legal == ["50000003", "001234584"], "admin: Justid's KvK and RSIN")
        check(poortctl_accepts(poortctl_verify(tmp, sp, os.path.join(pki, "admin-idp-signing.crt"), response_xml,
                                               reqid, admin_id), {"kvk": "50000003"}),
              "poortctl accepts the admin IdP's POST-binding Response")
    finally:
        for i in idps:
            i.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="eh-idp-selftest-")
    try:
        run(tmp)
    except Exception as e:
        for log in sorted(glob.glob(os.path.join(tmp, "*.log"))):
            with open(log) as f:
                print(f"--- {log} (end)\n" + "".join(f.readlines()[-25:]), file=sys.stderr)
        print(f"selftest FAILED after {passed} checks: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"(files in {tmp})", file=sys.stderr)
        return 1
    if args.keep:
        print(f"files kept in {tmp}")
    else:
        shutil.rmtree(tmp)
    print(f"selftest passed: {passed} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
