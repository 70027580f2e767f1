#!/usr/bin/python3
"""Times Lasso (python3-lasso) or python3-saml (python3-onelogin-saml2)
validating one SAML Response posted to the ACS, the way an SP uses each:

  lasso     per iteration a new lasso.Login on a lasso.Server loaded once
            (SP metadata and key, IdP metadata with its signing certificate):
            processAuthnResponseMsg (decode, parse, verify the signatures
            with the IdP key from metadata, status, subject confirmation),
            acceptSso (the federation it records), then the assertion's time
            window at the fixtures' instant and its audience (Lasso's
            validateTimeChecks and validateAudience: processAuthnResponseMsg
            itself checks neither).
  onelogin  per iteration OneLogin_Saml2_Response(settings, posted).is_valid
            (strict: XSD schema check, signatures with the IdP certificate
            from the settings, one assertion, issuer, audience, destination,
            InResponseTo, bearer recipient and time window). Its clock is
            pinned to the fixtures' instant (2026-03-01T10:00:00Z).

Both receive the base64 form of the fixture, as the POST binding carries it.

  python_validate.py lasso|onelogin FIXTURE SAML_TEST_DATA_DIR SECONDS
prints: RESULT <impl> <iterations> <cpu seconds> <wall seconds>
"""
import base64
import calendar
import os
import sys
import tempfile
import time

IDP = "urn:etoegang:HM:00000099000000000001:entities:9001"
SP = "urn:etoegang:DV:00000099000000000002:entities:9000"
ACS = "https://poort.test/saml/acs"
REQUEST_ID = "_req-0001"
NOW = calendar.timegm((2026, 3, 1, 10, 0, 0))
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def cert_body(path):
    with open(path) as f:
        return "".join(l.strip() for l in f if "-----" not in l)


def key_descriptor(cert, use):
    return (f'<md:KeyDescriptor use="{use}"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>'
            f'{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>')


def lasso_loop(posted, data, seconds):
    import lasso
    sp_cert, idp_cert = cert_body(os.path.join(data, "sp.crt")), cert_body(os.path.join(data, "idp-rsa.crt"))
    sp_md = (f'<md:EntityDescriptor xmlns:md="{MD}" entityID="{SP}"><md:SPSSODescriptor '
             f'AuthnRequestsSigned="true" WantAssertionsSigned="true" '
             f'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
             f'{key_descriptor(sp_cert, "signing")}{key_descriptor(sp_cert, "encryption")}'
             f'<md:AssertionConsumerService index="0" isDefault="true" Binding="{POST}" Location="{ACS}"/>'
             f'</md:SPSSODescriptor></md:EntityDescriptor>')
    idp_md = (f'<md:EntityDescriptor xmlns:md="{MD}" entityID="{IDP}"><md:IDPSSODescriptor '
              f'WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
              f'{key_descriptor(idp_cert, "signing")}'
              f'<md:SingleSignOnService Binding="{POST}" Location="https://idp.test/sso"/>'
              f'</md:IDPSSODescriptor></md:EntityDescriptor>')
    with tempfile.TemporaryDirectory() as tmp:
        sp_path, idp_path = os.path.join(tmp, "sp.xml"), os.path.join(tmp, "idp.xml")
        for path, text in ((sp_path, sp_md), (idp_path, idp_md)):
            with open(path, "w") as f:
                f.write(text)
        server = lasso.Server(sp_path, os.path.join(data, "sp.key"), None, os.path.join(data, "sp.crt"))
        server.addProvider(lasso.PROVIDER_ROLE_IDP, idp_path)

    def once():
        login = lasso.Login(server)
        login.processAuthnResponseMsg(posted)  # raises on any failure
        login.acceptSso()
        a = login.assertion
        if a is None or login.remoteProviderId != IDP or a.validateTimeChecks(60, NOW) != lasso.SAML2_ASSERTION_VALID \
                or a.validateAudience(SP) != lasso.SAML2_ASSERTION_VALID:
            raise RuntimeError("lasso accepted no valid assertion")

    return timed(once, seconds)


def onelogin_loop(posted, data, seconds):
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    OneLogin_Saml2_Utils.now = staticmethod(lambda: NOW)
    with open(os.path.join(data, "sp.key")) as f:
        sp_key = f.read()
    settings = OneLogin_Saml2_Settings({
        "strict": True,
        "sp": {"entityId": SP, "assertionConsumerService": {"url": ACS, "binding": POST},
               "x509cert": cert_body(os.path.join(data, "sp.crt")), "privateKey": sp_key},
        "idp": {"entityId": IDP, "singleSignOnService": {"url": "https://idp.test/sso", "binding": POST},
                "x509cert": cert_body(os.path.join(data, "idp-rsa.crt"))},
        "security": {"wantAssertionsSigned": True, "requestedAuthnContext": False,
                     "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                     "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256"},
    })
    request = {"https": "on", "http_host": "poort.test", "script_name": "/saml/acs", "server_port": "443",
               "get_data": {}, "post_data": {"SAMLResponse": posted}}

    def once():
        response = OneLogin_Saml2_Response(settings, posted)
        if not response.is_valid(request, REQUEST_ID, raise_exceptions=True):
            raise RuntimeError("python3-saml refused the response")

    return timed(once, seconds)


def timed(once, seconds):
    for _ in range(10):
        once()
    cpu0, wall0, n = time.process_time(), time.monotonic(), 0
    while time.monotonic() - wall0 < seconds:
        for _ in range(10):
            once()
        n += 10
    return n, time.process_time() - cpu0, time.monotonic() - wall0


def main():
    impl, fixture, data, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    with open(fixture, "rb") as f:
        posted = base64.b64encode(f.read()).decode()
    loop = {"lasso": lasso_loop, "onelogin": onelogin_loop}[impl]
    n, cpu, wall = loop(posted, data, seconds)
    print(f"RESULT {impl} {n} {cpu:.6f} {wall:.6f}")


if __name__ == "__main__":
    main()
