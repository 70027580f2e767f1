#!/usr/bin/python3
"""Builds bench/saml-compare/plain-signed.xml: the eHerkenning login of
tests/data/saml/kvk-rsin.xml (same Response, same RSA-3072 assertion
signature by the TEST-ONLY key idp-rsa.key, same times, KvK, RSIN and
pseudonym) without the two things some SAML libraries cannot take: the
Advice (python3-saml refuses any second saml:Assertion in the document) and
the EncryptedIDs (the others would not decrypt them, poort would). Every
implementation in `run` can validate this one, so it is the fixture on which
all of them are compared.

Signed by Debian's `xmlsec1` command-line tool through the helpers of
tests/data/saml/make-fixtures.py.  Run:  /usr/bin/python3 make-fixture.py
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "fixtures", os.path.join(HERE, "..", "..", "tests", "data", "saml", "make-fixtures.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)


def plain_id(qualifier, value):
    return (f'<saml:AttributeValue><saml:NameID NameQualifier="{qualifier}" '
            f'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{value}</saml:NameID>'
            f'</saml:AttributeValue>')


def assertion(aid):
    legal = (plain_id("urn:etoegang:1.9:EntityConcernedID:KvKnr", fx.KVK) +
             plain_id("urn:etoegang:1.9:EntityConcernedID:RSIN", fx.RSIN))
    acting = plain_id("urn:etoegang:1.9:EntityConcernedID:Pseudo", fx.PSEUDO)
    return (f'<saml:Assertion xmlns:saml="{fx.SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'ID="{aid}" Version="2.0" IssueInstant="{fx.ISSUE}">'
            f'<saml:Issuer>{fx.IDP}</saml:Issuer>{fx.sig_template(aid)}'
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" '
            f'NameQualifier="urn:etoegang:AD:00000099000000000003:entities:9002">transient-7f3a9c</saml:NameID>'
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData InResponseTo="{fx.REQUEST_ID}" NotOnOrAfter="{fx.NOT_ON_OR_AFTER}" '
            f'Recipient="{fx.ACS}"/></saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{fx.NOT_BEFORE}" NotOnOrAfter="{fx.NOT_ON_OR_AFTER}">'
            f'<saml:AudienceRestriction><saml:Audience>{fx.SP}</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions>'
            f'<saml:AuthnStatement AuthnInstant="{fx.ISSUE}" SessionIndex="session-1">'
            f'<saml:AuthnContext><saml:AuthnContextClassRef>urn:etoegang:core:assurance-class:loa3'
            f'</saml:AuthnContextClassRef>'
            f'<saml:AuthenticatingAuthority>urn:etoegang:AD:00000099000000000003:entities:9002'
            f'</saml:AuthenticatingAuthority></saml:AuthnContext></saml:AuthnStatement>'
            f'<saml:AttributeStatement>'
            f'{fx.attribute("urn:etoegang:core:ServiceID", [fx.SERVICE_ID])}'
            f'{fx.attribute("urn:etoegang:core:ServiceUUID", [fx.SERVICE_UUID])}'
            f'<saml:Attribute Name="urn:etoegang:core:LegalSubjectID">{legal}</saml:Attribute>'
            f'<saml:Attribute Name="urn:etoegang:core:ActingSubjectID">{acting}</saml:Attribute>'
            f'{fx.attribute("urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", [fx.VESTIGING])}'
            f'</saml:AttributeStatement></saml:Assertion>')


def main():
    signed = fx.sign(assertion("_assertion-plain"), "idp-rsa.key", [(fx.SAML, "Assertion")])
    with open(os.path.join(HERE, "plain-signed.xml"), "w") as f:
        f.write(fx.response(signed))


if __name__ == "__main__":
    main()
