// libstdc++ containers and threads: string, vector, map, unordered_map, set, shared_ptr, function,
// algorithms, std::thread + mutex + condition_variable + future, exception_ptr across threads.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

int main() {
  std::vector<std::string> words;
  for (int i = 0; i < 2000; i++) words.push_back("w" + std::to_string((i * 7919) % 1013));
  std::map<std::string, int> freq; for (auto &w : words) freq[w]++;
  std::unordered_map<std::string, int> uf(freq.begin(), freq.end());
  std::set<int> counts; for (auto &kv : freq) counts.insert(kv.second);
  std::printf("distinct %zu first %s=%d last %s=%d unordered %zu counts %zu\n", freq.size(), freq.begin()->first.c_str(),
              freq.begin()->second, freq.rbegin()->first.c_str(), freq.rbegin()->second, uf.size(), counts.size());
  std::string s(100, 'x'); s.replace(10, 5, "HELLO"); s += std::string("-tail"); s.erase(0, 8);
  std::printf("string %zu %s find=%zu\n", s.size(), s.substr(0, 12).c_str(), s.find("tail"));
  std::vector<int> v(10000); std::iota(v.begin(), v.end(), -5000);
  std::sort(v.begin(), v.end(), [](int a, int b) { return (a * 37 % 101) < (b * 37 % 101) || ((a * 37 % 101) == (b * 37 % 101) && a < b); });
  std::printf("sorted front %d back %d sum %lld\n", v.front(), v.back(), std::accumulate(v.begin(), v.end(), 0LL));
  auto sp = std::make_shared<std::vector<int>>(5, 7); std::weak_ptr<std::vector<int>> wp = sp;
  std::printf("shared use_count %ld expired %d\n", sp.use_count(), wp.expired());
  std::function<int(int)> fib = [&](int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
  std::printf("fib(20)=%d\n", fib(20));

  std::mutex m; std::condition_variable cv; int ready = 0; std::atomic<long> total{0};
  std::vector<std::thread> th;
  for (int t = 0; t < 4; t++)
    th.emplace_back([&, t] {
      long local = 0; for (int i = 0; i < 100000; i++) local += (i ^ t) & 0xff;
      total += local;
      std::lock_guard<std::mutex> g(m); ready++; cv.notify_one();
    });
  { std::unique_lock<std::mutex> lk(m); cv.wait(lk, [&] { return ready == 4; }); }
  for (auto &t : th) t.join();
  std::printf("threads done %d total %ld\n", ready, total.load());
  auto fut = std::async(std::launch::async, [] { return std::string("from async"); });
  std::printf("%s\n", fut.get().c_str());
  std::promise<int> pr; auto f2 = pr.get_future();
  std::thread thr([&] { try { throw std::runtime_error("thread exception"); } catch (...) { pr.set_exception(std::current_exception()); } });
  thr.join();
  try { f2.get(); } catch (const std::exception &e) { std::printf("exception_ptr across threads: %s\n", e.what()); }
  thread_local int tl = 5; tl++;
  std::thread([] { std::printf("thread_local in new thread: %d\n", tl); }).join();
  std::printf("thread_local in main: %d\n", tl);
  return 0;
}
