#!/usr/bin/python3
"""Builds the SAML test fixtures of tests/unit/saml with implementations
independent of poort: signatures by Debian's `xmlsec1` command-line tool,
encryption by python3-cryptography (RSA-OAEP key transport, AES-CBC/GCM).

Every key here is a TEST-ONLY key, generated for these fixtures and
committed on purpose. Never use them anywhere else.

Run from anywhere with Debian's python:  /usr/bin/python3 make-fixtures.py [FILE ...]
(with file names: rebuild only those, e.g. encrypted-assertion.xml)
Keys are generated only when missing; the responses are rebuilt every run.
Times are fixed: validate the fixtures at NOW (below), never the wall clock.
"""
import base64
import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding as sympadding, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))

NOW = "2026-03-01T10:00:00Z"            # validate at this instant
ISSUE = "2026-03-01T09:59:30Z"
NOT_BEFORE = "2026-03-01T09:59:00Z"
NOT_ON_OR_AFTER = "2026-03-01T10:04:00Z"
IDP = "urn:etoegang:HM:00000099000000000001:entities:9001"
SP = "urn:etoegang:DV:00000099000000000002:entities:9000"
ACS = "https://poort.test/saml/acs"
REQUEST_ID = "_req-0001"
ARTIFACT_RESOLVE_ID = "_ares-0001"
SERVICE_ID = "urn:etoegang:DV:00000099000000000002:services:1"
SERVICE_UUID = "8d8a3b31-6a7e-4c5b-9d3e-3f0a2f8c1a01"
KVK = "12345678"
RSIN = "123456782"
PSEUDO = "b3c1d9e2" * 8
VESTIGING = "000012345678"

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def path(name):
    return os.path.join(HERE, name)


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def make_keys():
    specs = [("idp-rsa", ["-newkey", "rsa:3072"]),
             ("idp-ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
             ("sp", ["-newkey", "rsa:3072"]),
             ("attacker", ["-newkey", "rsa:3072"])]
    for name, newkey in specs:
        if os.path.exists(path(name + ".key")):
            continue
        run("openssl", "req", "-x509", *newkey, "-nodes", "-days", "3650",
            "-subj", "/CN=poort TEST ONLY " + name + "/serialNumber=00000099000000000099",
            "-keyout", path(name + ".key"), "-out", path(name + ".crt"))
    if not os.path.exists(path("hmac.bin")):
        with open(path("hmac.bin"), "wb") as f:
            f.write(b"poort test-only hmac key 0123456")


def sign(xml, key, id_attrs, hmac=False):
    """Signs the first ds:Signature template in document order with xmlsec1."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.xml"), os.path.join(tmp, "out.xml")
        with open(src, "w") as f:
            f.write(xml)
        args = ["xmlsec1", "--sign", "--output", out]
        args += ["--hmackey", path(key)] if hmac else ["--privkey-pem", path(key)]
        for ns, name in id_attrs:
            args += ["--id-attr:ID", ns + ":" + name]
        run(*args, src)
        with open(out) as f:
            signed = f.read()
    if signed.startswith("<?xml"):
        signed = signed[signed.index("?>") + 2:].lstrip()
    return signed


def sig_template(ref_id, method="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                 digest="http://www.w3.org/2001/04/xmlenc#sha256", prefix="ds", keyinfo=""):
    p = prefix + ":" if prefix else ""
    decl = ' xmlns:%s="http://www.w3.org/2000/09/xmldsig#"' % prefix if prefix else \
        ' xmlns="http://www.w3.org/2000/09/xmldsig#"'
    return (f'<{p}Signature{decl}><{p}SignedInfo>'
            f'<{p}CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            f'<{p}SignatureMethod Algorithm="{method}"/>'
            f'<{p}Reference URI="#{ref_id}"><{p}Transforms>'
            f'<{p}Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            f'<{p}Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
            f'<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"/>'
            f'</{p}Transform></{p}Transforms>'
            f'<{p}DigestMethod Algorithm="{digest}"/><{p}DigestValue/></{p}Reference>'
            f'</{p}SignedInfo><{p}SignatureValue/>{keyinfo}</{p}Signature>')


def cert_keyinfo(name):
    with open(path(name + ".crt"), "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
    b64 = base64.b64encode(der).decode()
    return f'<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'


# --- encryption (python3-cryptography) ------------------------------------

def sp_public_key():
    with open(path("sp.crt"), "rb") as f:
        return x509.load_pem_x509_certificate(f.read()).public_key()


def encrypt(plaintext, data_alg="aes256-cbc", key_alg="mgf1p", placement="keyinfo"):
    """Returns (EncryptedData, peer EncryptedKey or '') for `plaintext`."""
    plaintext = plaintext.encode()
    size = 16 if "128" in data_alg else 32
    key = os.urandom(size)
    if data_alg.endswith("cbc"):
        iv = os.urandom(16)
        padder = sympadding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        cipher = iv + enc.update(padder.update(plaintext) + padder.finalize()) + enc.finalize()
        data_uri = "http://www.w3.org/2001/04/xmlenc#" + data_alg
    else:
        iv = os.urandom(12)
        cipher = iv + AESGCM(key).encrypt(iv, plaintext, None)
        data_uri = "http://www.w3.org/2009/xmlenc11#" + data_alg
    if key_alg == "mgf1p":
        wrapped = sp_public_key().encrypt(key, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))
        method = ('<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p">'
                  '<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
                  'Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>')
    else:  # xmlenc11 rsa-oaep, SHA-256 digest, MGF1 with SHA-256
        wrapped = sp_public_key().encrypt(key, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
        method = ('<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">'
                  '<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
                  'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                  '<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" '
                  'Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>')
    encrypted_key = (f'<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Recipient="{SP}">'
                     f'{method}<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}'
                     f'</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>')
    keyinfo = encrypted_key if placement == "keyinfo" else ""
    data = (f'<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" '
            f'Type="http://www.w3.org/2001/04/xmlenc#Element">'
            f'<xenc:EncryptionMethod Algorithm="{data_uri}"/>'
            f'<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{keyinfo}</ds:KeyInfo>'
            f'<xenc:CipherData><xenc:CipherValue>{base64.b64encode(cipher).decode()}</xenc:CipherValue>'
            f'</xenc:CipherData></xenc:EncryptedData>')
    return data, ("" if placement == "keyinfo" else encrypted_key)


def encrypted_id(qualifier, value, **kw):
    name_id = (f'<saml:NameID xmlns:saml="{SAML}" NameQualifier="{qualifier}" '
               f'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{value}</saml:NameID>')
    data, peer = encrypt(name_id, **kw)
    return f'<saml:EncryptedID>{data}{peer}</saml:EncryptedID>'


# --- documents --------------------------------------------------------------

def attribute(name, values):
    vals = "".join(f'<saml:AttributeValue>{v}</saml:AttributeValue>' for v in values)
    return f'<saml:Attribute Name="{name}">{vals}</saml:Attribute>'


def id_value(inner):
    return ('<saml:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:type="saml:EncryptedID">' + inner + '</saml:AttributeValue>')


def advice():
    """An AD assertion signed by someone else, as brokers nest them."""
    inner_id = "_advice-ad-1"
    tmpl = (f'<saml:Assertion xmlns:saml="{SAML}" ID="{inner_id}" Version="2.0" IssueInstant="{ISSUE}">'
            f'<saml:Issuer>urn:etoegang:AD:00000099000000000003:entities:9002</saml:Issuer>'
            f'{sig_template(inner_id, keyinfo=cert_keyinfo("attacker"))}'
            f'<saml:Subject><saml:NameID>advice-subject</saml:NameID></saml:Subject>'
            f'<saml:AttributeStatement>{attribute("urn:etoegang:core:LegalSubjectID", ["99999999"])}'
            f'</saml:AttributeStatement></saml:Assertion>')
    signed = sign(tmpl, "attacker.key", [(SAML, "Assertion")])
    return f'<saml:Advice>{signed}</saml:Advice>'


def assertion(aid="_assertion-1", rsin=False, with_advice=True, name_id="transient-7f3a9c",
              loa="urn:etoegang:core:assurance-class:loa3", signed_with=None, method=None, digest=None,
              keyinfo=""):
    legal = [id_value(encrypted_id("urn:etoegang:1.9:EntityConcernedID:KvKnr", KVK))]
    if rsin:
        legal.append(id_value(encrypted_id("urn:etoegang:1.9:EntityConcernedID:RSIN", RSIN,
                                           data_alg="aes128-gcm", key_alg="oaep11", placement="peer")))
    acting = [id_value(encrypted_id("urn:etoegang:1.9:EntityConcernedID:Pseudo", PSEUDO,
                                    data_alg="aes256-gcm", key_alg="oaep11", placement="peer"))]
    sig = ""
    if signed_with:
        kw = {"keyinfo": keyinfo}
        if method:
            kw["method"] = method
        if digest:
            kw["digest"] = digest
        sig = sig_template(aid, **kw)
    return (f'<saml:Assertion xmlns:saml="{SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'ID="{aid}" Version="2.0" IssueInstant="{ISSUE}">'
            f'<saml:Issuer>{IDP}</saml:Issuer>{sig}'
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" '
            f'NameQualifier="urn:etoegang:AD:00000099000000000003:entities:9002">{name_id}</saml:NameID>'
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData InResponseTo="{REQUEST_ID}" NotOnOrAfter="{NOT_ON_OR_AFTER}" '
            f'Recipient="{ACS}"/></saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{NOT_BEFORE}" NotOnOrAfter="{NOT_ON_OR_AFTER}">'
            f'<saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions>'
            f'{advice() if with_advice else ""}'
            f'<saml:AuthnStatement AuthnInstant="{ISSUE}" SessionIndex="session-1">'
            f'<saml:AuthnContext><saml:AuthnContextClassRef>{loa}</saml:AuthnContextClassRef>'
            f'<saml:AuthenticatingAuthority>urn:etoegang:AD:00000099000000000003:entities:9002'
            f'</saml:AuthenticatingAuthority></saml:AuthnContext></saml:AuthnStatement>'
            f'<saml:AttributeStatement>'
            f'{attribute("urn:etoegang:core:ServiceID", [SERVICE_ID])}'
            f'{attribute("urn:etoegang:core:ServiceUUID", [SERVICE_UUID])}'
            f'<saml:Attribute Name="urn:etoegang:core:LegalSubjectID">{"".join(legal)}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:core:ActingSubjectID">{"".join(acting)}</saml:Attribute>'
            f'{attribute("urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", [VESTIGING])}'
            f'</saml:AttributeStatement></saml:Assertion>')


def signed_assertion(key="idp-rsa.key", **kw):
    kw.setdefault("signed_with", key)
    return sign(assertion(**kw), key, [(SAML, "Assertion")])


def response(body, rid="_response-1", signed=False, status=None, key="idp-rsa.key"):
    status = status or ('<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
                        '</samlp:Status>')
    doc = (f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
           f'IssueInstant="{ISSUE}" Destination="{ACS}" InResponseTo="{REQUEST_ID}">'
           f'<saml:Issuer>{IDP}</saml:Issuer>{sig_template(rid) if signed else ""}{status}{body}'
           f'</samlp:Response>')
    return sign(doc, key, [(SAMLP, "Response"), (SAML, "Assertion")]) if signed else doc


def artifact_response(inner):
    arid = "_artifact-response-1"
    doc = (f'<samlp:ArtifactResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{arid}" Version="2.0" '
           f'IssueInstant="{ISSUE}" InResponseTo="{ARTIFACT_RESOLVE_ID}">'
           f'<saml:Issuer>{IDP}</saml:Issuer>{sig_template(arid)}'
           f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
           f'{inner}</samlp:ArtifactResponse>')
    signed = sign(doc, "idp-rsa.key", [(SAMLP, "ArtifactResponse"), (SAMLP, "Response"), (SAML, "Assertion")])
    return ('<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>'
            + signed + '</soap11:Body></soap11:Envelope>')


def other_prefixes():
    """The same content with prefixes a:/p:/sig: and a default namespace."""
    aid = "_assertion-prefixes"
    a = assertion(aid=aid, signed_with="idp-rsa.key", with_advice=False)
    a = a.replace("saml:", "a:").replace("xmlns:saml=", "xmlns:a=")
    a = a.replace('xsi:type="a:EncryptedID"', 'xsi:type="a:EncryptedID"')
    a = a.replace("<ds:", "<sig:").replace("</ds:", "</sig:").replace("xmlns:ds=", "xmlns:sig=")
    signed = sign(a, "idp-rsa.key", [(SAML, "Assertion")])
    return (f'<Response xmlns="{SAMLP}" ID="_response-prefixes" Version="2.0" IssueInstant="{ISSUE}" '
            f'Destination="{ACS}" InResponseTo="{REQUEST_ID}">'
            f'<Issuer xmlns="{SAML}">{IDP}</Issuer>'
            f'<Status><StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></Status>'
            f'{signed}</Response>')


def encrypted_assertion():
    data, peer = encrypt(signed_assertion(aid="_assertion-enc"), data_alg="aes128-cbc")
    return f'<saml:EncryptedAssertion>{data}{peer}</saml:EncryptedAssertion>'


ONLY = set(sys.argv[1:])  # file names to rebuild; none given: all of them


def write(name, xml):
    if ONLY and name not in ONLY:
        return
    with open(path(name), "w") as f:
        f.write(xml)


def main():
    make_keys()
    write("signed-assertion.xml", response(signed_assertion()))
    write("signed-response.xml", response(assertion(aid="_assertion-unsigned"), signed=True))
    write("signed-both.xml", response(signed_assertion(aid="_assertion-both"), rid="_response-both", signed=True))
    write("ecdsa.xml", response(signed_assertion(
        key="idp-ec.key", aid="_assertion-ec",
        method="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")))
    # An EncryptedAssertion is decrypted only inside a signed message (issue 15, item 2).
    write("encrypted-assertion.xml", response(encrypted_assertion(), rid="_response-enc", signed=True))
    write("kvk-rsin.xml", response(signed_assertion(aid="_assertion-rsin", rsin=True)))
    write("artifact-response.xml", artifact_response(response(signed_assertion(aid="_assertion-art"))))
    write("other-prefixes.xml", other_prefixes())
    write("comment-in-nameid.xml", response(signed_assertion(aid="_assertion-comment",
                                                             name_id="user@example.nl<!-- -->.evil.test")))
    write("attacker-keyinfo.xml", response(signed_assertion(key="attacker.key", aid="_assertion-attacker",
                                                            keyinfo=cert_keyinfo("attacker"))))
    write("rsa-sha1.xml", response(signed_assertion(
        aid="_assertion-sha1", method="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        digest="http://www.w3.org/2000/09/xmldsig#sha1")))
    write("hmac.xml", response(sign(assertion(
        aid="_assertion-hmac", signed_with="hmac.bin",
        method="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"), "hmac.bin", [(SAML, "Assertion")],
        hmac=True)))
    write("cancel.xml", response("", rid="_response-cancel", signed=True, status=(
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder">'
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode>'
        '</samlp:Status>')))


if __name__ == "__main__":
    main()
