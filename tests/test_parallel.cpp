// The data-parallel team (detail/parallel.hpp): every item once, shares in order, nesting, and
// many short rounds in a row (the pattern of a training step) without losing a wake-up.
#include <catch2/catch.hpp>

#include <nndl/detail/parallel.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using nndl::detail::parallel_for;
using nndl::detail::parallel_shares;
using nndl::detail::team_scope;

TEST_CASE("parallel_for visits every item once, in contiguous shares", "[parallel]") {
  for (std::size_t threads : {1u, 2u, 3u}) {
    team_scope team(threads);
    for (std::size_t n = 0; n < 18; ++n) {
      INFO(threads << " threads, " << n << " items");
      std::vector<int> seen(n, 0);
      std::vector<std::size_t> first(8, 99), last(8, 99);
      parallel_for(n, [&](std::size_t b, std::size_t e, std::size_t k) {
        first[k] = b;
        last[k] = e;
        for (std::size_t i = b; i < e; ++i) ++seen[i];
      });
      for (auto s : seen) CHECK(s == 1);
      const std::size_t shares = parallel_shares(n);
      CHECK(shares == (n == 0 ? 1 : std::min(n, threads)));
      CHECK(first[0] == 0);
      CHECK(last[shares - 1] == n);
      for (std::size_t k = 1; k < shares; ++k) CHECK(first[k] == last[k - 1]);
    }
  }
}

TEST_CASE("a team runs shares on different threads and restores the previous team", "[parallel]") {
  CHECK(parallel_shares(10) == 1);  // no team on this thread
  {
    team_scope outer(2);
    std::vector<std::thread::id> ids(2);
    parallel_for(2, [&](std::size_t, std::size_t, std::size_t k) { ids[k] = std::this_thread::get_id(); });
    CHECK(ids[0] == std::this_thread::get_id());
    CHECK(ids[1] != ids[0]);
    {
      team_scope none(1);  // one thread: no team, the outer one stays
      CHECK(parallel_shares(10) == 2);
    }
    {
      team_scope inner(3);
      CHECK(parallel_shares(10) == 3);
    }
    CHECK(parallel_shares(10) == 2);
  }
  CHECK(parallel_shares(10) == 1);
}

TEST_CASE("many short rounds in a row all complete", "[parallel]") {
  team_scope team(2);
  std::atomic<long> total{0};
  for (int round = 0; round < 200000; ++round)
    parallel_for(2, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
  CHECK(total.load() == 400000);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the helper goes to sleep on the futex
  parallel_for(2, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
  CHECK(total.load() == 400002);
}

TEST_CASE("an exception in any share reaches the caller, and the team goes on working", "[parallel]") {
  team_scope team(2);
  for (std::size_t thrower : {0u, 1u}) {
    INFO("share " << thrower << " throws");
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(parallel_for(2,
                                   [&](std::size_t, std::size_t, std::size_t k) {
                                     ++ran;
                                     if (k == thrower) throw std::runtime_error("share failed");
                                   }),
                      "share failed");
    CHECK(ran.load() == 2);  // the other share ran to its end before the caller went on
    std::atomic<long> total{0};
    parallel_for(10, [&](std::size_t b, std::size_t e, std::size_t) { total += long(e - b); });
    CHECK(total.load() == 10);
  }
}
