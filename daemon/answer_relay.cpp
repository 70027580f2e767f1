#include "daemon/answer_relay.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace poort::daemon {

namespace net = boost::asio;

thread_local answer_relay* answer_relay::collecting = nullptr;

void answer_relay::end() {
  collecting = nullptr;
  if (batch_.empty()) return;
  net::post(ioc_, [items = std::move(batch_)]() mutable {
    for (auto& [executor, answer] : items) net::dispatch(executor, std::move(answer));
  });
  batch_ = {};
}

void answer_relay::deliver(net::any_io_executor executor, std::function<void()> answer) {
  if (collecting == this) {
    batch_.emplace_back(std::move(executor), std::move(answer));
    return;
  }
  net::post(executor, std::move(answer));
}

}  // namespace poort::daemon
