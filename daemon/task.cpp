#include "daemon/task.hpp"

#include <array>
#include <new>

namespace poort::daemon::detail {
namespace {

// A few free frames per thread, reused for any frame that fits and is not much
// smaller: the frames of one request are the same few sizes every time.
struct frame_cache {
  struct slot {
    void* p = nullptr;
    std::size_t size = 0;
  };
  std::array<slot, 8> slots{};

  ~frame_cache() {
    for (auto& s : slots)
      if (s.p != nullptr) ::operator delete(s.p);
  }
};

thread_local frame_cache cache;

}  // namespace

void* allocate_frame(std::size_t size) {
  for (auto& s : cache.slots) {
    if (s.p != nullptr && s.size >= size && s.size <= 2 * size) {
      void* p = s.p;
      s.p = nullptr;
      return p;
    }
  }
  return ::operator new(size);
}

void deallocate_frame(void* p, std::size_t size) noexcept {
  // The size the frame was allocated with may be larger than `size` when it
  // came from the cache; keep the smaller figure (what is certain to fit).
  for (auto& s : cache.slots) {
    if (s.p == nullptr) {
      s.p = p;
      s.size = size;
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace poort::daemon::detail
