#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ from the committed
test data (tests/data) and a few hand-written shapes:

  saml_response: every fixture of tests/data/saml, and the eight XML
                 signature wrapping (XSW) shapes of tests/unit/saml/xsw_test.cpp
                 built the same way from the signed fixtures;
  saml_artifact: the SOAP ArtifactResponse fixture and SAMLart values;
  delivery:      the three delivery bodies of tests/data/domain;
  config:        config/poort.example.toml;
  http:          raw requests, each after its selector byte (fuzz_http.cpp).

Files found later by fuzzing (crashers made regression inputs) are added by
hand and never removed by this script. Run: /usr/bin/python3 make-corpus.py
"""
import base64
import copy
import glob
import hashlib
import os
import shutil
from xml.dom import minidom

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAML = os.path.join(ROOT, "tests/data/saml")
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def first(node, ns, local):
    for n in node.getElementsByTagNameNS(ns, local):
        return n
    return None


def child(node, ns, local):
    for n in node.childNodes:
        if n.nodeType == n.ELEMENT_NODE and n.namespaceURI == ns and n.localName == local:
            return n
    return None


def make_evil(assertion, new_id):
    if new_id:
        assertion.setAttribute("ID", new_id)
    advice = first(assertion, SAML_NS, "Advice")
    if advice:
        advice.parentNode.removeChild(advice)
    name_id = first(assertion, SAML_NS, "NameID")
    while name_id.firstChild:
        name_id.removeChild(name_id.firstChild)
    name_id.appendChild(assertion.ownerDocument.createTextNode("evil-admin"))


def add_object(signature):
    obj = signature.ownerDocument.createElementNS(DS_NS, signature.prefix + ":Object" if signature.prefix else "Object")
    signature.appendChild(obj)
    return obj


def load(name):
    return minidom.parse(os.path.join(SAML, name))


def xsw_response(variant):
    d = load("signed-response.xml")
    original = d.documentElement
    evil = original.cloneNode(True)
    evil.setAttribute("ID", "_evil-response")
    make_evil(first(evil, SAML_NS, "Assertion"), "_evil-assertion")
    signature = child(evil, DS_NS, "Signature")
    d.replaceChild(evil, original)
    original.removeChild(child(original, DS_NS, "Signature"))
    if variant == 1:
        add_object(signature).appendChild(original)
    else:
        evil.insertBefore(original, signature)
    return d.toxml()


def xsw_assertion(variant):
    d = load("signed-assertion.xml")
    root = d.documentElement
    original = child(root, SAML_NS, "Assertion")
    evil = original.cloneNode(True)
    make_evil(evil, None if variant in (5, 8) else "_evil-assertion")
    evil_sig = child(evil, DS_NS, "Signature")
    orig_sig = child(original, DS_NS, "Signature")
    if variant == 3:
        evil.removeChild(evil_sig)
        root.insertBefore(evil, original)
    elif variant == 4:
        evil.removeChild(evil_sig)
        root.replaceChild(evil, original)
        evil.appendChild(original)
    elif variant == 5:
        original.removeChild(orig_sig)
        root.replaceChild(evil, original)
        root.appendChild(original)
        original.setAttribute("ID", "_moved")
    elif variant in (6, 8):
        original.removeChild(orig_sig)
        root.replaceChild(evil, original)
        add_object(evil_sig).appendChild(original)
        if variant == 8:
            original.setAttribute("ID", "_elsewhere")
    elif variant == 7:
        evil.removeChild(evil_sig)
        root.replaceChild(evil, original)
        ext = d.createElementNS(SAMLP_NS, root.prefix + ":Extensions")
        root.insertBefore(ext, child(root, SAMLP_NS, "Status"))
        ext.appendChild(original)
    return d.toxml()


def artifact(index, entity, handle):
    raw = b"\x00\x04" + index.to_bytes(2, "big") + hashlib.sha1(entity.encode()).digest() + handle
    return base64.b64encode(raw).decode()


def main():
    for target in ("saml_response", "saml_artifact", "delivery", "config", "http"):
        os.makedirs(os.path.join(HERE, "corpus", target), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(SAML, "*.xml"))):
        shutil.copy(path, os.path.join(HERE, "corpus/saml_response", os.path.basename(path)))
    for v in (1, 2):
        write("saml_response", f"xsw{v}.xml", xsw_response(v))
    for v in range(3, 9):
        write("saml_response", f"xsw{v}.xml", xsw_assertion(v))

    shutil.copy(os.path.join(SAML, "artifact-response.xml"), os.path.join(HERE, "corpus/saml_artifact"))
    idp = "urn:etoegang:HM:00000099000000000001:entities:9001"
    write("saml_artifact", "samlart-valid", artifact(1, idp, bytes(range(20))))
    write("saml_artifact", "samlart-other-issuer", artifact(0, "urn:other", b"\xff" * 20))

    for name in ("detentiemelding.json", "informatieblad.json", "intrekking.json"):
        shutil.copy(os.path.join(ROOT, "tests/data/domain", name), os.path.join(HERE, "corpus/delivery"))

    shutil.copy(os.path.join(ROOT, "config/poort.example.toml"), os.path.join(HERE, "corpus/config"))

    portal, system_prison, system_gemeente, loopback = b"\x00", b"\x03", b"\x05", b"\x08"
    with open(os.path.join(ROOT, "tests/data/domain/detentiemelding.json"), "rb") as f:
        melding = f.read()
    requests = {
        "get-healthz": portal + b"GET /healthz HTTP/1.1\r\nHost: poort.test\r\n\r\n",
        "get-index": portal + b"GET /index.html HTTP/1.1\r\nHost: poort.test\r\nIf-None-Match: \"e1\"\r\n\r\n",
        "head-index": portal + b"HEAD / HTTP/1.0\r\n\r\n",
        "get-metrics-loopback": loopback + b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "get-openapi": portal + b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: poort.test\r\nAccept: application/json\r\n\r\n",
        "get-whoami": system_prison + b"GET /api/v1/whoami HTTP/1.1\r\nHost: poort.test\r\n\r\n",
        "post-melding": system_prison + b"POST /api/v1/detentiemeldingen HTTP/1.1\r\nHost: poort.test\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(melding)).encode() + b"\r\n\r\n" + melding,
        "post-chunked": system_prison + b"POST /api/v1/intrekkingen HTTP/1.1\r\nHost: poort.test\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "get-berichten": system_gemeente + b"GET /api/v1/berichten?na=2026-01-01T00:00:00Z&limiet=10&soort=DETENTIEMELDING HTTP/1.1\r\n"
        b"Host: poort.test\r\n\r\n",
        "get-bericht": system_gemeente + b"GET /api/v1/berichten/c0ffee00-1234-4abc-8def-000000000001 HTTP/1.1\r\nHost: x\r\n\r\n",
        "post-login": portal + b"POST /saml/acs HTTP/1.1\r\nHost: poort.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Cookie: poort_login=abc\r\nContent-Length: 24\r\n\r\nSAMLResponse=PD94&Relay=",
        "get-login-start": portal + b"GET /saml/login?service=1&idp=eherkenning HTTP/1.1\r\nHost: poort.test\r\n\r\n",
        "get-sessie": portal + b"GET /api/v1/sessie HTTP/1.1\r\nHost: poort.test\r\nCookie: poort_session=abc\r\n\r\n",
        "get-readyz": system_prison + b"GET /readyz HTTP/1.1\r\nHost: poort.test\r\n\r\n",
        "post-onboarding": portal + b"POST /api/v1/gemeenten/GM0193/aanvraag HTTP/1.1\r\nHost: poort.test\r\nX-CSRF-Token: t\r\n"
        b"Cookie: poort_session=s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        "options-star": portal + b"OPTIONS * HTTP/1.1\r\nHost: poort.test\r\n\r\n",
    }
    for name, data in requests.items():
        write("http", name, data)


if __name__ == "__main__":
    main()
