#!/usr/bin/python3
"""Writes SAML messages freshly signed by pysaml2 into OUT_DIR, for the
differential test of poort's signature verifier (dsig_differential_test.cpp).

The messages come from the test IdP's SAML code (tests/idp/eh_saml.py:
pysaml2's element classes and SecurityContext, which signs with the xmlsec1
binary), with the test-only key tests/data/saml/idp-rsa.key as the IdP's
signing key:
  response-<n>.xml           a broker Response: signed Assertion with two signed
                             Advice assertions (exc-c14n PrefixList "xacml-saml")
  artifact-response-<n>.xml  that Response in a signed ArtifactResponse (SOAP)
  metadata.xml               the IdP's signed EntityDescriptor

  /usr/bin/python3 pysaml2_sign.py DATA_DIR OUT_DIR
"""
import base64
import os
import shutil
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "idp"))
import eh_saml  # noqa: E402

IDP = "urn:etoegang:HM:00000099000000000001:entities:9001"
SP = "urn:etoegang:DV:00000099000000000002:entities:9000"
ACS = "https://poort.test/saml/acs"
SERVICE_ID = "urn:etoegang:DV:00000099000000000002:services:1"


def sp_metadata(data_dir):
    with open(os.path.join(data_dir, "sp.crt"), "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
    cert = base64.b64encode(der).decode("ascii")
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{SP}">'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data>'
        f'<ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
        f'<md:AssertionConsumerService Binding="{eh_saml.BINDING_ARTIFACT}" Location="{ACS}" index="0"/>'
        '<md:AttributeConsumingService index="1" isDefault="true">'
        '<md:ServiceName xml:lang="nl">Test</md:ServiceName>'
        f'<md:RequestedAttribute Name="{SERVICE_ID}"/></md:AttributeConsumingService>'
        '</md:SPSSODescriptor></md:EntityDescriptor>')


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(data_dir, "idp-rsa.key"), os.path.join(tmp, "idp-signing.key"))
        shutil.copy(os.path.join(data_dir, "idp-rsa.crt"), os.path.join(tmp, "idp-signing.crt"))
        md_file = os.path.join(tmp, "sp-metadata.xml")
        with open(md_file, "w", encoding="utf-8") as f:
            f.write(sp_metadata(data_dir))
        request = eh_saml.LoginRequest(id="_req-0001", acs_url=ACS, service_index=1, force_authn=True,
                                       protocol_binding=eh_saml.BINDING_ARTIFACT, binding="HTTP-POST",
                                       relay_state="")
        logins = [
            eh_saml.Login(kvk="12345678", rsin=None, service_index=1, level="loa3", pseudonym="ab" * 32,
                          vestigingsnr=None),
            eh_saml.Login(kvk="12345678", rsin="123456782", service_index=1, level="loa4",
                          pseudonym="cd" * 32, vestigingsnr="000012345678"),
        ]
        for n, (login, cipher) in enumerate(zip(logins, ("aes256-cbc", "aes128-gcm"))):
            idp = eh_saml.IdentityProvider(entity_id=IDP, base_url="https://idp.test", pki_dir=tmp,
                                           sp_metadata_file=md_file, role="broker",
                                           oins={"IDP_OIN": "00000099000000000001"}, service_uuids={},
                                           data_cipher=cipher)
            response = idp.login_response(request, login)
            with open(os.path.join(out_dir, f"response-{n}.xml"), "w", encoding="utf-8") as f:
                f.write(response)
            with open(os.path.join(out_dir, f"artifact-response-{n}.xml"), "w", encoding="utf-8") as f:
                f.write(idp.artifact_response_soap("_ares-0001", response))
        with open(os.path.join(out_dir, "metadata.xml"), "w", encoding="utf-8") as f:
            f.write(idp.metadata_xml())


if __name__ == "__main__":
    main()
