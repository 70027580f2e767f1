/* The bare xmlsec1 verify, the floor of any SAML validation built on xmlsec1:
 * per iteration, parse the response from memory, register the top-level
 * Assertion's ID, and verify its enveloped signature with the IdP's public
 * key, loaded ONCE as a bare key (no certificate, no keys manager). Nothing
 * else of SAML is checked.
 *
 *   xmlsec_verify FIXTURE IDP_PUBKEY_PEM SECONDS
 * prints: RESULT xmlsec1-verify <iterations> <cpu seconds> <wall seconds>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

static const xmlChar saml_ns[] = "urn:oasis:names:tc:SAML:2.0:assertion";

static double now(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char* what) {
  fprintf(stderr, "xmlsec_verify: %s\n", what);
  exit(1);
}

static char* read_all(const char* path, int* size) {
  FILE* f = fopen(path, "rb");
  if (!f) die("cannot open the fixture");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read the fixture");
  fclose(f);
  *size = (int)n;
  return buf;
}

/* One validation; 0 when the signature verifies. */
static int verify_once(const char* xml, int size, xmlSecKeyPtr key) {
  int ok = -1;
  xmlDocPtr doc =
      xmlReadMemory(xml, size, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) return -1;
  xmlNodePtr assertion = xmlSecFindChild(xmlDocGetRootElement(doc), BAD_CAST "Assertion", saml_ns);
  xmlAttrPtr id = assertion ? xmlHasProp(assertion, BAD_CAST "ID") : NULL;
  xmlNodePtr sig = assertion ? xmlSecFindChild(assertion, xmlSecNodeSignature, xmlSecDSigNs) : NULL;
  if (id && sig) {
    xmlChar* value = xmlNodeListGetString(doc, id->children, 1);
    xmlAddID(NULL, doc, value, id);
    xmlFree(value);
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    ctx->signKey = xmlSecKeyDuplicate(key);
    if (xmlSecDSigCtxVerify(ctx, sig) == 0 && ctx->status == xmlSecDSigStatusSucceeded) ok = 0;
    xmlSecDSigCtxDestroy(ctx);
  }
  xmlFreeDoc(doc);
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 4) die("usage: xmlsec_verify FIXTURE IDP_PUBKEY_PEM SECONDS");
  int size = 0;
  char* xml = read_all(argv[1], &size);
  const double seconds = atof(argv[3]);

  xmlInitParser();
  if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
    die("cannot initialise xmlsec1");
  xmlSecKeyPtr key = xmlSecCryptoAppKeyLoad(argv[2], xmlSecKeyDataFormatPem, NULL, NULL, NULL);
  if (!key) die("cannot load the public key");

  for (int i = 0; i < 20; ++i)
    if (verify_once(xml, size, key) != 0) die("the fixture does not verify");
  const double cpu0 = now(CLOCK_PROCESS_CPUTIME_ID), wall0 = now(CLOCK_MONOTONIC);
  long n = 0;
  do {
    for (int i = 0; i < 50; ++i, ++n)
      if (verify_once(xml, size, key) != 0) die("the fixture stopped verifying");
  } while (now(CLOCK_MONOTONIC) - wall0 < seconds);
  printf("RESULT xmlsec1-verify %ld %.6f %.6f\n", n, now(CLOCK_PROCESS_CPUTIME_ID) - cpu0,
         now(CLOCK_MONOTONIC) - wall0);

  xmlSecKeyDestroy(key);
  xmlSecCryptoShutdown();
  xmlSecCryptoAppShutdown();
  xmlSecShutdown();
  free(xml);
  return 0;
}
