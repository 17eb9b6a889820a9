// Ensembles (train/ensemble.hpp): the plurality vote against a count made here sample by sample,
// ties broken by the summed output activations, and clear errors.
#include <catch2/catch.hpp>

#include <nndl/network.hpp>
#include <nndl/train/ensemble.hpp>

#include <array>
#include <vector>

namespace {
using namespace nndl;
using net_t = network<double, input<6>, dense<8, sigmoid>, dense<4, softmax>, log_likelihood_cost>;

dataset<double> data(std::size_t n) {
  dataset<double> d;
  d.x = xt::zeros<double>({n, net_t::input_size});
  rng r(5);
  for (auto& v : d.x) v = r.uniform();
  for (std::size_t i = 0; i < n; ++i) d.labels.push_back(std::uint8_t(i % 4));
  return d;
}

std::array<double, 4> output(const net_t& net, const dataset<double>& d, std::size_t s) {
  const auto a = net.feedforward(d.row(s), 1);
  return {a(0, 0), a(0, 1), a(0, 2), a(0, 3)};
}
}  // namespace

TEST_CASE("one network's vote is its own prediction", "[ensemble]") {
  const auto d = data(2500);  // more than one chunk of 1,000 rows
  const std::vector<net_t> one{net_t{1}};
  const auto winners = plurality_vote(std::span<const net_t>(one), d);
  REQUIRE(winners.size() == d.size());
  std::size_t correct = 0;
  for (std::size_t s = 0; s < d.size(); ++s) {
    REQUIRE(winners[s] == one[0].predict(d.row(s)));
    correct += winners[s] == d.labels[s];
  }
  CHECK(ensemble_correct(std::span<const net_t>(one), d) == correct);
  CHECK(one[0].evaluate(d) == correct);
}

TEST_CASE("the plurality vote of five networks, ties to the larger summed activation", "[ensemble]") {
  const auto d = data(1500);
  std::vector<net_t> nets;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) nets.emplace_back(seed);
  const auto winners = plurality_vote(std::span<const net_t>(nets), d);
  std::size_t ties = 0, disagreements = 0;
  for (std::size_t s = 0; s < d.size(); ++s) {
    std::array<int, 4> votes{};
    std::array<double, 4> sum{};
    for (const auto& net : nets) {
      ++votes[net.predict(d.row(s))];
      const auto a = output(net, d, s);
      for (std::size_t c = 0; c < 4; ++c) sum[c] += a[c];
    }
    const int most = *std::max_element(votes.begin(), votes.end());
    std::size_t expected = 4;
    for (std::size_t c = 0; c < 4; ++c)
      if (votes[c] == most && (expected == 4 || sum[c] > sum[expected])) expected = c;
    ties += std::count(votes.begin(), votes.end(), most) > 1;
    disagreements += most < 5;
    REQUIRE(winners[s] == expected);
  }
  CHECK(disagreements > 100);  // the case is not trivial: the untrained networks disagree often
  CHECK(ties > 10);            // and 2-2-1 ties occur
}

TEST_CASE("two networks that disagree: the more confident one wins", "[ensemble]") {
  const auto d = data(1000);
  const std::vector<net_t> nets{net_t{1}, net_t{2}};
  const auto winners = plurality_vote(std::span<const net_t>(nets), d);
  std::size_t checked = 0;
  for (std::size_t s = 0; s < d.size(); ++s) {
    const auto p0 = nets[0].predict(d.row(s)), p1 = nets[1].predict(d.row(s));
    if (p0 == p1) {
      REQUIRE(winners[s] == p0);
      continue;
    }
    const auto a0 = output(nets[0], d, s), a1 = output(nets[1], d, s);
    REQUIRE(winners[s] == (a0[p0] + a1[p0] >= a0[p1] + a1[p1] ? p0 : p1));
    ++checked;
  }
  CHECK(checked > 50);
}

TEST_CASE("an ensemble refuses no networks and data of another width", "[ensemble]") {
  const auto d = data(10);
  const std::vector<net_t> none;
  CHECK_THROWS_WITH(plurality_vote(std::span<const net_t>(none), d), Catch::Contains("at least one network"));
  dataset<double> wide;
  wide.x = xt::zeros<double>({std::size_t{3}, std::size_t{7}});
  wide.labels = {0, 1, 2};
  const std::vector<net_t> one{net_t{1}};
  CHECK_THROWS_WITH(plurality_vote(std::span<const net_t>(one), wide), Catch::Contains("7 values per sample"));
}
