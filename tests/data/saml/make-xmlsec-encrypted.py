#!/usr/bin/python3
"""Builds EncryptedAssertion fixtures entirely with Debian's `xmlsec1`
command-line tool (libxmlsec1): the Assertion is signed by `xmlsec1 --sign`
(exclusive c14n with InclusiveNamespaces PrefixList="xs", xsi:type="xs:string"
values, a Signature in the default namespace as xmlsec1's own templates
write it), then encrypted by `xmlsec1 --encrypt` (EncryptedData
Type=#Element, aes256-gcm or aes128-cbc, EncryptedKey rsa-oaep-mgf1p with a
Recipient), then the enclosing Response or ArtifactResponse is signed by
`xmlsec1 --sign`. Nothing here comes from poort's own signer.

The xs and xsi prefixes are declared on the EncryptedAssertion (or, in the
outer-xs files, on the Response), the saml prefix on the Response: libxmlsec1
serialises the Assertion without the declarations it inherits, so the
decrypted Assertion depends on them (issue 15, item 1).

Every file is checked before it is written: `xmlsec1 --decrypt` with the SP
key, then `xmlsec1 --verify` of the Assertion (and of the Response or
ArtifactResponse) with the IdP certificate must say OK.

Run from anywhere with Debian's python:  /usr/bin/python3 make-xmlsec-encrypted.py
It reuses the TEST-ONLY keys of make-fixtures.py (idp-rsa, sp). The
encryption is random, so every run writes different bytes; times are fixed
(validate at NOW, never the wall clock).
"""
import os
import subprocess
import tempfile

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
PSEUDO = "b3c1d9e2" * 8
VESTIGING = "000012345678"

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

DATA_ALGS = {
    "gcm": "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "cbc": "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
}
SESSION_KEYS = {"gcm": "aes-256", "cbc": "aes-128"}


def path(name):
    return os.path.join(HERE, name)


def xmlsec1(*args):
    r = subprocess.run(["xmlsec1", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit("xmlsec1 %s failed:\n%s" % (args[0], r.stderr.decode(errors="replace")))
    return r


def strip_declaration(xml):
    if xml.startswith("<?xml"):
        xml = xml[xml.index("?>") + 2:].lstrip()
    return xml


def signature_template(ref_id):
    """An enveloped-signature template the way xmlsec1's examples write it:
    the dsig namespace as the default namespace."""
    return ('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
            '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
            f'<Reference URI="#{ref_id}"><Transforms>'
            '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
            '<InclusiveNamespaces xmlns="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"/>'
            '</Transform></Transforms>'
            '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/>'
            '</Reference></SignedInfo><SignatureValue/></Signature>')


def string_value(v):
    return f'<saml:AttributeValue xsi:type="xs:string">{v}</saml:AttributeValue>'


def name_id_value(qualifier, v):
    return (f'<saml:AttributeValue><saml:NameID NameQualifier="{qualifier}" '
            f'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{v}</saml:NameID>'
            f'</saml:AttributeValue>')


def assertion_template(aid):
    """The Assertion, with no namespace declaration of its own."""
    return (f'<saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{ISSUE}">'
            f'<saml:Issuer>{IDP}</saml:Issuer>{signature_template(aid)}'
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">'
            f'transient-xmlsec</saml:NameID>'
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData InResponseTo="{REQUEST_ID}" NotOnOrAfter="{NOT_ON_OR_AFTER}" '
            f'Recipient="{ACS}"/></saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{NOT_BEFORE}" NotOnOrAfter="{NOT_ON_OR_AFTER}">'
            f'<saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions>'
            f'<saml:AuthnStatement AuthnInstant="{ISSUE}" SessionIndex="session-x">'
            f'<saml:AuthnContext><saml:AuthnContextClassRef>urn:etoegang:core:assurance-class:loa3'
            f'</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
            f'<saml:AttributeStatement>'
            f'<saml:Attribute Name="urn:etoegang:core:ServiceID">{string_value(SERVICE_ID)}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:core:ServiceUUID">{string_value(SERVICE_UUID)}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:core:LegalSubjectID">'
            f'{name_id_value("urn:etoegang:1.9:EntityConcernedID:KvKnr", KVK)}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:core:ActingSubjectID">'
            f'{name_id_value("urn:etoegang:1.9:EntityConcernedID:Pseudo", PSEUDO)}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:1.9:ServiceRestriction:Vestigingsnr">'
            f'{string_value(VESTIGING)}</saml:Attribute>'
            f'</saml:AttributeStatement></saml:Assertion>')


def encrypted_data_template(alg):
    return ('<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" '
            'Type="http://www.w3.org/2001/04/xmlenc#Element">'
            f'<xenc:EncryptionMethod Algorithm="{DATA_ALGS[alg]}"/>'
            '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
            f'<xenc:EncryptedKey Recipient="{SP}">'
            '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
            '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
            '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>')


def response_template(rid, aid, signed, outer_xs=False):
    """xs and xsi declared on the EncryptedAssertion, or (outer_xs) on the Response."""
    xs = f' xmlns:xs="{XS}" xmlns:xsi="{XSI}"'
    return (f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}"{xs if outer_xs else ""} ID="{rid}" '
            f'Version="2.0" IssueInstant="{ISSUE}" Destination="{ACS}" InResponseTo="{REQUEST_ID}">'
            f'<saml:Issuer>{IDP}</saml:Issuer>{signature_template(rid) if signed else ""}'
            f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
            f'</samlp:Status>'
            f'<saml:EncryptedAssertion{"" if outer_xs else xs}>{assertion_template(aid)}'
            f'</saml:EncryptedAssertion></samlp:Response>')


ID_ATTRS = ["--id-attr:ID", SAML + ":Assertion", "--id-attr:ID", SAMLP + ":Response",
            "--id-attr:ID", SAMLP + ":ArtifactResponse"]


def sign_first_template(tmp, xml):
    """xmlsec1 --sign fills the first Signature template in document order."""
    src, out = os.path.join(tmp, "to-sign.xml"), os.path.join(tmp, "signed.xml")
    with open(src, "w") as f:
        f.write(xml)
    xmlsec1("--sign", "--privkey-pem", path("idp-rsa.key"), *ID_ATTRS, "--output", out, src)
    with open(out) as f:
        return strip_declaration(f.read())


def encrypt_assertion(tmp, xml, alg):
    data, tmpl, out = (os.path.join(tmp, n) for n in ("data.xml", "template.xml", "encrypted.xml"))
    with open(data, "w") as f:
        f.write(xml)
    with open(tmpl, "w") as f:
        f.write(encrypted_data_template(alg))
    xmlsec1("--encrypt", "--pubkey-cert-pem", path("sp.crt"), "--session-key", SESSION_KEYS[alg],
            "--xml-data", data, "--node-xpath", "//*[local-name()='Assertion']", "--output", out, tmpl)
    with open(out) as f:
        return strip_declaration(f.read())


def self_check(tmp, xml, signed_ids):
    """xmlsec1 decrypts the file and verifies every signature in it."""
    enc, dec = os.path.join(tmp, "check.xml"), os.path.join(tmp, "decrypted.xml")
    with open(enc, "w") as f:
        f.write(xml)
    for node_id in signed_ids[1:]:  # the enclosing messages, over the ciphertext
        xmlsec1("--verify", "--pubkey-cert-pem", path("idp-rsa.crt"), *ID_ATTRS, "--node-id", node_id, enc)
    xmlsec1("--decrypt", "--privkey-pem", path("sp.key"), "--output", dec, enc)
    xmlsec1("--verify", "--pubkey-cert-pem", path("idp-rsa.crt"), *ID_ATTRS, "--node-id", signed_ids[0], dec)


def build(alg, envelope):
    """envelope: 'signed-response' (a signed Response, POST binding),
    'outer-xs' (the same with xs and xsi declared on the Response: then only
    the default-namespace Signature depends on the splice, the digest not),
    'artifact' (an unsigned Response in a signed ArtifactResponse in SOAP) or
    'unsigned-response' (neither signed; must be refused)."""
    aid = f"_xmlsec-{alg}-{envelope}-assertion"
    rid = f"_xmlsec-{alg}-{envelope}-response"
    with tempfile.TemporaryDirectory() as tmp:
        # 1. the Assertion signed in its Response (the Response's template comes later)
        doc = sign_first_template(tmp, response_template(rid, aid, signed=False,
                                                          outer_xs=envelope == "outer-xs"))
        # 2. the Assertion encrypted in place
        doc = encrypt_assertion(tmp, doc, alg)
        signed_ids = [aid]
        if envelope in ("signed-response", "outer-xs"):
            issuer_end = doc.index("</saml:Issuer>") + len("</saml:Issuer>")
            doc = sign_first_template(tmp, doc[:issuer_end] + signature_template(rid) + doc[issuer_end:])
            signed_ids.append(rid)
        elif envelope == "artifact":
            arid = f"_xmlsec-{alg}-artifact-message"
            doc = (f'<samlp:ArtifactResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{arid}" '
                   f'Version="2.0" IssueInstant="{ISSUE}" InResponseTo="{ARTIFACT_RESOLVE_ID}">'
                   f'<saml:Issuer>{IDP}</saml:Issuer>{signature_template(arid)}'
                   f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
                   f'</samlp:Status>{doc}</samlp:ArtifactResponse>')
            doc = sign_first_template(tmp, doc)
            doc = ('<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>'
                   + doc + '</soap11:Body></soap11:Envelope>')
            signed_ids.append(arid)
        self_check(tmp, doc, signed_ids)
        return doc


def main():
    for alg in ("gcm", "cbc"):
        for envelope in ("signed-response", "outer-xs", "artifact", "unsigned-response"):
            with open(path(f"xmlsec-encrypted-{alg}-{envelope}.xml"), "w") as f:
                f.write(build(alg, envelope))


if __name__ == "__main__":
    main()
