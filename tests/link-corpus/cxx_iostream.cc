// C++ iostream: cout/cerr/cin, manipulators, stringstreams, fstream to a temp file, locale "C".
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

int main() {
  std::ios::sync_with_stdio(false);
  std::cout << "hello from iostream " << 42 << ' ' << 3.25 << ' ' << std::hex << 255 << std::dec << '\n';
  std::cout << std::setw(10) << std::setfill('*') << 12345 << '|' << std::left << std::setw(6) << "ab" << "|\n";
  std::cout << std::fixed << std::setprecision(3) << 2.0 / 3 << ' ' << std::scientific << 12345.678 << '\n';
  std::cout.unsetf(std::ios::floatfield);
  std::cout << std::boolalpha << true << ' ' << std::noboolalpha << false << '\n';
  std::ostringstream os; os << "x=" << 17 << ",y=" << -4.5; std::cout << os.str() << '\n';
  std::istringstream is("10 20 thirty 40"); int a, b; std::string w; int d; is >> a >> b >> w >> d;
  std::cout << a + b + d << ' ' << w << '\n';
  char path[] = "/tmp/ukl-link-corpus-XXXXXX"; int fd = mkstemp(path); close(fd);
  { std::ofstream f(path); for (int i = 0; i < 100; i++) f << i << ' ' << i * i << '\n'; }
  { std::ifstream f(path); long s = 0; int x, y; while (f >> x >> y) s += x + y; std::cout << "file sum " << s << '\n'; }
  unlink(path);
  std::string line; int n = 0; while (std::getline(std::cin, line)) n += (int)line.size();
  std::cout << "stdin chars " << n << '\n';
  std::cerr << "to cerr " << 1 << std::endl;
  std::clog << "to clog\n";
  std::cout << "no trailing newline";
  return 21;
}
