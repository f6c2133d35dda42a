// C++ on the console: iostream (cout, cerr, manipulators), exceptions across frames and a catch by base
// class, std::string/stringstream/vector/map, static constructors. No files, no stdin.
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

struct Registry {
  std::vector<std::string> names;
  Registry() { names.push_back("static-ctor"); }
};
static Registry registry;

struct Boom : std::runtime_error {
  int depth;
  Boom(int d) : std::runtime_error("boom at depth " + std::to_string(d)), depth(d) {}
};

static int dive(int n) {
  std::string guard = "level" + std::to_string(n);
  if (n == 0) throw Boom(static_cast<int>(guard.size()));
  return dive(n - 1) + 1;
}

int main() {
  std::cout << "registry: " << registry.names.at(0) << '\n';
  std::cout << std::hex << std::showbase << 255 << std::dec << ' ' << std::setw(8) << std::setfill('*') << 42 << '\n';
  std::cout << std::fixed << std::setprecision(3) << 3.14159265 << ' ' << std::scientific << 12345.678 << '\n';
  std::map<std::string, int> counts;
  std::istringstream words("the quick brown fox jumps over the lazy dog the end");
  for (std::string w; words >> w;) counts[w]++;
  for (const auto &kv : counts) std::cout << kv.first << '=' << kv.second << ' ';
  std::cout << std::endl;
  int caught = 0;
  try {
    dive(5);
  } catch (const std::runtime_error &e) {
    std::cout << "caught: " << e.what() << '\n';
    caught = dynamic_cast<const Boom *>(&e) ? dynamic_cast<const Boom &>(e).depth : -1;
  }
  try {
    std::vector<int> v(3);
    (void)v.at(7);
  } catch (const std::out_of_range &) {
    std::cerr << "out_of_range from vector::at" << std::endl;
  }
  std::ostringstream os;
  os << "sum=" << caught + 15;
  std::cout << os.str() << std::endl;
  return caught + 15; // 21
}
