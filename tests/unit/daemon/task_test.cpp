#include "daemon/task.hpp"

#include <gtest/gtest.h>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace poort::daemon {
namespace {

// A hand-driven suspension point: the coroutine waits until `resume_all`.
struct gate {
  std::vector<std::coroutine_handle<>> waiting;
  auto wait() {
    struct awaiter {
      gate& g;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) { g.waiting.push_back(h); }
      void await_resume() const noexcept {}
    };
    return awaiter{*this};
  }
  void resume_all() {
    auto w = std::move(waiting);
    waiting.clear();
    for (auto h : w) h.resume();
  }
};

task<int> add(int a, int b) { co_return a + b; }

task<int> add_after(gate& g, int a, int b) {
  co_await g.wait();
  co_return a + b;
}

task<int> nested(gate& g) {
  const int x = co_await add(1, 2);
  const int y = co_await add_after(g, x, 10);
  co_return y * 2;
}

task<int> throws() {
  throw std::runtime_error("boom");
  co_return 0;
}

task<int> catches() {
  try {
    co_return co_await throws();
  } catch (const std::runtime_error&) {
    co_return -1;
  }
}

// Records its destruction: shows whether a coroutine's locals were destroyed.
struct witness {
  std::shared_ptr<int> destroyed;
  ~witness() { ++*destroyed; }
};

task<int> holds(gate& g, std::shared_ptr<int> destroyed) {
  witness w{std::move(destroyed)};
  co_await g.wait();
  co_return 1;
}

// Verifies that a task that never waits runs to the end inside `start`.
TEST(Task, RunsInlineWhenNothingWaits) {
  std::optional<int> result;
  start(add(2, 3), [&](std::exception_ptr e, std::optional<int> v) {
    EXPECT_FALSE(e);
    result = v;
  });
  EXPECT_EQ(result, 5);
}

// Verifies that nested tasks resume their callers when the innermost resumes,
// and that the root handle is held only while suspended.
TEST(Task, NestedTasksSuspendAndResume) {
  gate g;
  std::optional<int> result;
  std::coroutine_handle<> root;
  start(
      nested(g), [&](std::exception_ptr, std::optional<int> v) { result = v; }, &root);
  EXPECT_FALSE(result);
  EXPECT_TRUE(root);
  ASSERT_EQ(g.waiting.size(), 1u);
  g.resume_all();
  EXPECT_EQ(result, 26);  // (1 + 2 + 10) * 2
  EXPECT_FALSE(root);
}

// Verifies that an exception travels to the awaiting task, and out of `start`
// to `done` when nobody catches it.
TEST(Task, ExceptionsPropagate) {
  std::optional<int> caught;
  start(catches(), [&](std::exception_ptr e, std::optional<int> v) {
    EXPECT_FALSE(e);
    caught = v;
  });
  EXPECT_EQ(caught, -1);

  std::exception_ptr error;
  bool done = false;
  start(throws(), [&](std::exception_ptr e, std::optional<int> v) {
    error = e;
    done = true;
    EXPECT_FALSE(v);
  });
  ASSERT_TRUE(done);
  EXPECT_THROW(std::rethrow_exception(error), std::runtime_error);
}

// Verifies that destroying the root of a suspended task destroys every frame
// of the chain (their locals run their destructors) and never calls `done`.
TEST(Task, DestroyingTheRootAbandonsTheChain) {
  gate g;
  auto destroyed = std::make_shared<int>(0);
  bool done = false;
  std::coroutine_handle<> root;
  start(
      holds(g, destroyed), [&](std::exception_ptr, std::optional<int>) { done = true; }, &root);
  ASSERT_TRUE(root);
  EXPECT_EQ(*destroyed, 0);
  std::exchange(root, {}).destroy();
  EXPECT_EQ(*destroyed, 1);
  EXPECT_FALSE(done);
}

// Verifies that frames are reused: many sequential tasks of the same shape
// still produce the right results (the per-thread frame cache hands back
// blocks that fit).
TEST(Task, ManySequentialTasks) {
  gate g;
  long sum = 0;
  for (int i = 0; i < 1000; ++i) {
    start(nested(g), [&](std::exception_ptr, std::optional<int> v) { sum += *v; });
    g.resume_all();
  }
  EXPECT_EQ(sum, 1000L * 26);
}

// The stack address of a local in the innermost task: the same on every
// iteration when awaiting tasks that complete inline does not nest frames.
task<std::uintptr_t> innermost_depth() {
  int marker = 0;
  co_return reinterpret_cast<std::uintptr_t>(&marker);
}
task<std::uintptr_t> middle_depth() { co_return co_await innermost_depth(); }

task<bool> loop_of_inline_tasks(int n, std::uintptr_t& first, std::uintptr_t& last) {
  for (int i = 0; i < n; ++i) {
    const std::uintptr_t at = co_await middle_depth();
    if (i == 0) first = at;
    last = at;
  }
  co_return true;
}

task<bool> loop_with_suspensions(gate& g, int n, std::uintptr_t& first, std::uintptr_t& last) {
  for (int i = 0; i < n; ++i) {
    if (i % 100 == 50) co_await add_after(g, 1, 2);  // a real suspension now and then
    const std::uintptr_t at = co_await middle_depth();
    if (i == 0) first = at;
    last = at;
  }
  co_return true;
}

// Verifies that a loop awaiting tasks that complete without suspending runs
// at a constant stack depth (pipelined requests: 5,000 of them overflowed the
// stack of the ASan build when each await nested a frame).
TEST(Task, InlineCompletionsKeepTheStackDepthConstant) {
  std::uintptr_t first = 0, last = 0;
  bool finished = false;
  start(loop_of_inline_tasks(200'000, first, last),
        [&](std::exception_ptr e, std::optional<bool> v) { finished = !e && v && *v; });
  EXPECT_TRUE(finished);
  EXPECT_EQ(first, last);
}

// Verifies the same after the chain has been resumed from outside (an I/O
// completion): the depth stays that of the resumer, whatever the count.
TEST(Task, ResumedChainKeepsTheStackDepthConstant) {
  gate g;
  std::uintptr_t first = 0, last = 0;
  bool finished = false;
  start(loop_with_suspensions(g, 100'000, first, last),
        [&](std::exception_ptr e, std::optional<bool> v) { finished = !e && v && *v; });
  std::vector<std::uintptr_t> after_resume;
  while (!g.waiting.empty()) {
    g.resume_all();
    after_resume.push_back(last);
  }
  EXPECT_TRUE(finished);
  ASSERT_GT(after_resume.size(), 100u);
  // Every stretch after a resumption runs at the same depth.
  for (std::size_t i = 2; i < after_resume.size(); ++i) EXPECT_EQ(after_resume[i], after_resume[1]) << i;
}

}  // namespace
}  // namespace poort::daemon
