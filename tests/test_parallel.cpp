// The data-parallel team (detail/parallel.hpp): every item once, shares in order, nesting, and
// many short rounds in a row (the pattern of a training step) without losing a wake-up.
#include <catch2/catch.hpp>

#include <nndl/detail/parallel.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using nndl::detail::make_team;
using nndl::detail::parallel_for;
using nndl::detail::parallel_shares;

TEST_CASE("parallel_for visits every item once, in contiguous shares", "[parallel]") {
  for (std::size_t threads : {1u, 2u, 3u}) {
    const auto team = make_team(threads);
    for (std::size_t n = 0; n < 18; ++n) {
      INFO(threads << " threads, " << n << " items");
      std::vector<int> seen(n, 0);
      std::vector<std::size_t> first(8, 99), last(8, 99);
      parallel_for(team.get(), n, [&](std::size_t b, std::size_t e, std::size_t k) {
        first[k] = b;
        last[k] = e;
        for (std::size_t i = b; i < e; ++i) ++seen[i];
      });
      for (auto s : seen) CHECK(s == 1);
      const std::size_t shares = parallel_shares(team.get(), n);
      CHECK(shares == (n == 0 ? 1 : std::min(n, threads)));
      CHECK(first[0] == 0);
      CHECK(last[shares - 1] == n);
      for (std::size_t k = 1; k < shares; ++k) CHECK(first[k] == last[k - 1]);
    }
  }
}

TEST_CASE("a team runs shares on different threads; without one everything runs on the caller", "[parallel]") {
  CHECK(parallel_shares(nullptr, 10) == 1);  // no team
  CHECK(make_team(1) == nullptr);            // one thread: no team
  const auto two = make_team(2);
  std::vector<std::thread::id> ids(2);
  parallel_for(two.get(), 2, [&](std::size_t, std::size_t, std::size_t k) { ids[k] = std::this_thread::get_id(); });
  CHECK(ids[0] == std::this_thread::get_id());
  CHECK(ids[1] != ids[0]);
  CHECK(parallel_shares(two.get(), 10) == 2);
  const auto three = make_team(3);
  CHECK(parallel_shares(three.get(), 10) == 3);
  CHECK(parallel_shares(two.get(), 10) == 2);  // teams are independent
  std::thread::id caller;
  parallel_for(nullptr, 5, [&](std::size_t b, std::size_t e, std::size_t k) {
    CHECK((b == 0 && e == 5 && k == 0));
    caller = std::this_thread::get_id();
  });
  CHECK(caller == std::this_thread::get_id());
}

TEST_CASE("many short rounds in a row all complete", "[parallel]") {
  const auto team = make_team(2);
  std::atomic<long> total{0};
  for (int round = 0; round < 200000; ++round)
    parallel_for(team.get(), 2, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
  CHECK(total.load() == 400000);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the helper goes to sleep on the futex
  parallel_for(team.get(), 2, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
  CHECK(total.load() == 400002);
}

TEST_CASE("an exception in any share reaches the caller, and the team goes on working", "[parallel]") {
  const auto team = make_team(2);
  for (std::size_t thrower : {0u, 1u}) {
    INFO("share " << thrower << " throws");
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(parallel_for(team.get(), 2,
                                   [&](std::size_t, std::size_t, std::size_t k) {
                                     ++ran;
                                     if (k == thrower) throw std::runtime_error("share failed");
                                   }),
                      "share failed");
    CHECK(ran.load() == 2);  // the other share ran to its end before the caller went on
    std::atomic<long> total{0};
    parallel_for(team.get(), 10, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
    CHECK(total.load() == 10);
  }
}
