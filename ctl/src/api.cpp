// SPDX-License-Identifier: GPL-2.0-only
#include "api.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <string_view>
#include <utility>

#include "netlink.hpp"

namespace nvflush {

namespace {

// Sends `request` and decodes every reply message with `decode`.
template <typename Decode>
auto collect(Client& client, Result<NlMsgPtr> request, Decode decode)
    -> Result<std::vector<typename decltype(decode(Bytes{}))::value_type>> {
  using Item = typename decltype(decode(Bytes{}))::value_type;
  if (!request) {
    return std::move(request).error();
  }
  std::vector<Item> items;
  auto done = client.transact(std::move(*request), [&](Bytes message) -> Result<void> {
    auto item = decode(message);
    if (!item) {
      return std::move(item).error();
    }
    items.push_back(std::move(*item));
    return {};
  });
  if (!done) {
    return std::move(done).error();
  }
  return items;
}

// Sends a request the spec defines no reply for; one a later kernel might
// add is ignored.
Result<void> transact_no_reply(Client& client, Result<NlMsgPtr> request) {
  if (!request) {
    return std::move(request).error();
  }
  return client.transact(std::move(*request), [](Bytes /*message*/) -> Result<void> { return {}; });
}

// For a lookup by name, either errno means "no device by that name".
template <typename T>
Result<T> enoent_as_enodev(Result<T> result) {
  if (!result && result.error().code == ENOENT) {
    Error error = std::move(result).error();
    error.code = ENODEV;
    return error;
  }
  return result;
}

// The one reply of a "do" request.
template <typename T>
Result<T> only_reply(Result<std::vector<T>> replies, std::string_view what = "device") {
  if (!replies) {
    return std::move(replies).error();
  }
  if (replies->size() != 1) {
    return Error{EBADMSG,
                 fmt::format("expected one {} in the reply, got {}", what, replies->size())};
  }
  return std::move(replies->front());
}

class KernelApi final : public Api {
 public:
  explicit KernelApi(Client client) : client_(std::move(client)) {}

  Result<DevInfo> dev_create(const DevCreateRequest& request) override {
    return only_reply(collect(client_, encode_dev_create(client_.family(), request), decode_dev));
  }

  Result<void> dev_destroy(const std::string& name) override {
    return transact_no_reply(client_, encode_dev_destroy(client_.family(), name));
  }

  Result<DevInfo> dev_get(const std::string& name) override {
    return enoent_as_enodev(
        only_reply(collect(client_, encode_dev_get(client_.family(), name), decode_dev)));
  }

  Result<std::vector<DevInfo>> dev_list() override {
    return collect(client_, encode_dev_dump(client_.family()), decode_dev);
  }

  Result<void> dev_set(const DevSetRequest& request) override {
    return enoent_as_enodev(transact_no_reply(client_, encode_dev_set(client_.family(), request)));
  }

  Result<void> dev_drain(const std::string& name) override {
    return enoent_as_enodev(transact_no_reply(client_, encode_dev_drain(client_.family(), name)));
  }

  Result<std::vector<StatsRecord>> stats(const std::optional<std::string>& dev_name) override {
    return collect(client_, encode_stats_dump(client_.family(), dev_name), decode_stats);
  }

  Result<void> policy_set(const PolicySetRequest& request) override {
    return transact_no_reply(client_, encode_policy_set(client_.family(), request));
  }

  Result<void> policy_del(const PolicyDelRequest& request) override {
    return transact_no_reply(client_, encode_policy_del(client_.family(), request));
  }

  Result<PolicyInfo> policy_get(const std::string& dev_name,
                                const std::string& cgroup_path) override {
    return only_reply(
        collect(client_, encode_policy_get(client_.family(), dev_name, cgroup_path), decode_policy),
        "policy");
  }

  Result<std::vector<PolicyInfo>> policy_list(const std::optional<std::string>& dev_name) override {
    return collect(client_, encode_policy_dump(client_.family(), dev_name), decode_policy);
  }

  Result<void> watch_events(const EventHandler& on_event, const std::function<bool()>& should_stop,
                            const std::function<void()>& on_lost) override {
    if (auto joined = client_.subscribe(NVFLUSH_MCGRP_EVENTS); !joined) {
      return joined;
    }
    return client_.listen(
        [&on_event](Bytes message) -> Result<bool> {
          auto event = decode_event(message);
          if (!event) {
            return std::move(event).error();
          }
          return on_event(*event);
        },
        should_stop, on_lost);
  }

 private:
  Client client_;
};

}  // namespace

Result<void> Api::watch_events(const EventHandler& /*on_event*/,
                               const std::function<bool()>& /*should_stop*/,
                               const std::function<void()>& /*on_lost*/) {
  return Error{EOPNOTSUPP, "watch events", "not supported by this backend"};
}

Result<std::unique_ptr<Api>> connect_kernel() {
  auto client = Client::connect();
  if (!client) {
    return std::move(client).error();
  }
  return std::unique_ptr<Api>{std::make_unique<KernelApi>(std::move(*client))};
}

}  // namespace nvflush
