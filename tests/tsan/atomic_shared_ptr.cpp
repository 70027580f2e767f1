// The minimal program of issue 15, item 11: does ThreadSanitizer report a
// race between std::atomic<std::shared_ptr>::store on one thread and load on
// another, with nothing else going on? With g++ 12 / libstdc++ 12 it does:
// "WARNING: ThreadSanitizer: data race" between the pointer swap in
// _Sp_atomic::swap (store) and the pointer read in _Sp_atomic::load, exit 66.
// libstdc++ 12 guards the pointer with a spin bit in the reference count and
// unlocks it with a relaxed store, so the reader's read of the pointer is not
// ordered before the next writer's swap in the C++ memory model (x86-64
// happens to order it). That is why daemon/runtime.hpp's runtime_slot uses a
// mutex instead. Not part of the build; run by hand (docs/security.md,
// "Sanitizers"):
//
//   g++ -std=c++23 -O1 -g -fsanitize=thread tests/tsan/atomic_shared_ptr.cpp -o /tmp/asp && /tmp/asp
#include <atomic>
#include <memory>
#include <string>
#include <thread>

struct config {
  std::string name = "x";
  int generation = 0;
};

int main() {
  std::atomic<std::shared_ptr<const config>> slot{std::make_shared<const config>()};
  std::atomic<bool> stop{false};
  long sum = 0;
  std::thread reader([&] {
    while (!stop.load()) {
      auto c = slot.load();
      sum += c->generation + static_cast<long>(c->name.size());
    }
  });
  for (int i = 1; i <= 20000; ++i) {
    auto c = std::make_shared<config>();
    c->generation = i;
    slot.store(std::move(c));
  }
  stop = true;
  reader.join();
  return sum == 0 ? 1 : 0;
}
