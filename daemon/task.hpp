#pragma once
// A minimal coroutine type for the request path of a connection.
//
// Asio's `awaitable` runs every coroutine on an "awaitable thread" that is
// started with co_spawn: a dispatch, two work guards, type-erased executors,
// and a post before the completion handler when the coroutine never had to
// wait. A keep-alive request that is read, answered and written without
// waiting paid all of that once per request. A `task<T>` is a plain lazily
// started coroutine: awaiting one runs it at once, and `start` runs one to its
// first suspension inline.
//
// Stack depth: a task that completes without suspending hands control back to
// its awaiter by returning from `await_suspend` (which then answers "do not
// suspend"), not by resuming the awaiter from inside its own frame. Symmetric
// transfer alone relies on the compiler turning the resumption into a tail
// call, which GCC does not do at -O0 or under AddressSanitizer: there, a loop
// that awaits tasks completing inline (pipelined requests: serve_one, send,
// write_all, ...) grew the stack by a few frames per iteration and 5,000
// pipelined requests overflowed it. Only a task that really suspended resumes
// its awaiter from its final suspension, from the shallow stack of whatever
// resumed it.
// It knows nothing of executors: whatever resumes it (an I/O completion on the
// connection's executor) decides where it runs.
//
//   task<bool> serve();                                  // a coroutine
//   bool ok = co_await serve();                          // inside another task
//   start(serve(), [](std::exception_ptr e, std::optional<bool> v) { ... }, &root);
//
// Frames are allocated from a small per-thread cache (a request creates and
// destroys the same few frames each time).
//
// Thread safety: a task is used by one thread at a time; it may be resumed on
// another thread than the one it suspended on.

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

namespace poort::daemon {

namespace detail {

void* allocate_frame(std::size_t size);
void deallocate_frame(void* p, std::size_t size) noexcept;

struct task_promise_base {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  /// Set by whichever comes second of "the awaiter's await_suspend has
  /// finished starting the task" and "the task has reached its final
  /// suspension"; the second one resumes the awaiter (see `task::await_suspend`).
  std::atomic<bool> handoff{false};

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      auto& p = h.promise();
      // Still inside the awaiter's await_suspend (completed inline): it
      // resumes the awaiter by returning false. Else resume it from here.
      if (!p.handoff.exchange(true, std::memory_order_acq_rel)) return std::noop_coroutine();
      return p.continuation ? p.continuation : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  struct promise_type : detail::task_promise_base {
    std::optional<T> value;
    task get_return_object() { return task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    void return_value(T v) { value.emplace(std::move(v)); }
  };

  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&&) = delete;
  ~task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  /// Runs the task until it suspends or ends. Ended: false, the awaiter goes
  /// on at once (constant stack depth). Suspended: true; the task resumes the
  /// awaiter when it ends.
  bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
    auto& p = h_.promise();
    p.continuation = awaiting;
    h_.resume();
    return !p.handoff.exchange(true, std::memory_order_acq_rel);
  }
  T await_resume() {
    auto& p = h_.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.value);
  }

 private:
  explicit task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

namespace detail {

/// The coroutine that `start` runs: it owns the task, and ends (destroying
/// its frame) when the task has ended and `done` has been called.
struct detached {
  struct promise_type {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
    detached get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // `done` threw
  };
  std::coroutine_handle<promise_type> handle;
};

template <class T, class Done>
detached run_detached(task<T> t, Done done, std::coroutine_handle<>* root) {
  std::exception_ptr error;
  std::optional<T> value;
  try {
    value.emplace(co_await std::move(t));
  } catch (...) {
    error = std::current_exception();
  }
  if (root != nullptr) *root = {};
  done(error, std::move(value));
}

}  // namespace detail

/// Runs `t` now, up to its first suspension, and calls
/// `done(std::exception_ptr, std::optional<T>)` once it has ended (on the
/// thread that resumed it last). While the task is suspended, `*root` (if
/// given) holds the handle of the whole coroutine chain: `root->destroy()`
/// abandons the task (for when its awaiters' completions will never come).
/// `*root` is reset before `done` is called.
template <class T, class Done>
void start(task<T> t, Done done, std::coroutine_handle<>* root = nullptr) {
  auto d = detail::run_detached(std::move(t), std::move(done), root);
  if (root != nullptr) *root = d.handle;
  d.handle.resume();
}

}  // namespace poort::daemon
