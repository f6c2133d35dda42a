// The "large link" of bench/link.mjs: libstdc++ (iostream, regex, thread, locale) plus several big static
// libraries from the machine: SQLite, OpenSSL's libcrypto, libxml2 (with ICU and liblzma), zlib and libm.
// It does a little real work with each so that the link pulls in a lot of each archive.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <zlib.h>

static int row(void *acc, int n, char **vals, char **) { *static_cast<long *>(acc) += n ? std::atol(vals[0]) : 0; return 0; }

int main() {
  std::ostringstream log;
  sqlite3 *db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "create table t(x integer); insert into t values (1),(2),(3),(40);", nullptr, nullptr, nullptr);
  long sum = 0;
  sqlite3_exec(db, "select sum(x) from t;", row, &sum, nullptr);
  sqlite3_close(db);
  log << "sqlite sum " << sum << '\n';

  unsigned char md[EVP_MAX_MD_SIZE]; unsigned mdlen = 0;
  EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), nullptr);
  log << "sha256 bytes " << mdlen << " first " << int(md[0]) << '\n';

  const char xml[] = "<root><item n='1'>one</item><item n='2'>two</item></root>";
  xmlDocPtr doc = xmlReadMemory(xml, sizeof xml - 1, "mem.xml", nullptr, 0);
  int items = 0;
  for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) items += n->type == XML_ELEMENT_NODE;
  xmlFreeDoc(doc);
  xmlCleanupParser();
  log << "xml items " << items << '\n';

  UChar u[32]; int32_t ulen = 0; UErrorCode st = U_ZERO_ERROR;
  u_strFromUTF8(u, 32, &ulen, "grüße", -1, &st);
  log << "icu length " << ulen << " upper(a)=" << char(u_toupper('a')) << '\n';

  uLong crc = crc32(0, reinterpret_cast<const Bytef *>(xml), sizeof xml - 1);
  std::regex re("item n='([0-9])'");
  int matches = std::distance(std::cregex_iterator(xml, xml + sizeof xml - 1, re), std::cregex_iterator());
  double v = 0; std::thread t([&] { v = std::lgamma(10.5) + std::pow(2.0, 0.5); }); t.join();
  log << "crc " << crc << " regex " << matches << " math " << v << '\n';
  std::cout << log.str();
  return 0;
}
