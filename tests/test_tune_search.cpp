// Search spaces, strategies, the journal and resuming, and the runner of nndl/tune.
#include <catch2/catch.hpp>

#include <nndl/tune/runner.hpp>

#include <atomic>
#include <cmath>
#include <fstream>
#include <numbers>
#include <set>

#include "support.hpp"

using namespace nndl::tune;

TEST_CASE("Search spaces parse and map to the unit cube", "[tune][space]") {
  const auto s = parse_space("eta=0.01:10:log, lambda=0:20, mini_batch=5:50:int, hidden=30|100");
  REQUIRE(s.size() == 4);
  CHECK(s[0].sc == scale::log);
  CHECK(s[1].sc == scale::linear);
  CHECK(s[2].integer);
  CHECK(s[3].choices == std::vector<double>{30, 100});
  CHECK(s[0].from_unit(0.5) == Approx(std::sqrt(0.01 * 10)));  // the geometric middle
  CHECK(s[1].from_unit(0.25) == Approx(5.0));
  CHECK(s[2].from_unit(0.5) == 28.0);  // 27.5 rounded
  CHECK(s[3].from_unit(0.49) == 30.0);
  CHECK(s[3].from_unit(0.51) == 100.0);
  CHECK(s[0].to_unit(s[0].from_unit(0.3)) == Approx(0.3));
  CHECK(parse_space(s.spec()).spec() == s.spec());
  CHECK(s.index("lambda") == 1);
  CHECK_THROWS_AS(parse_space("eta=0:1:log"), space_error);  // log needs lo > 0
  CHECK_THROWS_AS(parse_space("eta=1:x"), space_error);
  CHECK_THROWS_AS(parse_space("eta=1:2:cubic"), space_error);
  CHECK_THROWS_AS(parse_space("eta=1:2,eta=3:4"), space_error);
  CHECK_THROWS_AS(parse_space(""), space_error);
}

TEST_CASE("Grid search covers its space", "[tune][grid]") {
  const auto s = parse_space("eta=0.01:10:log,lambda=0.01:20:log");
  grid_search g(s, 30);
  REQUIRE(g.capacity() == 25);  // 5 × 5 ≤ 30 < 6 × 6
  std::set<std::pair<double, double>> seen;
  std::set<double> etas, lambdas;
  for (std::size_t i = 0; i < g.capacity(); ++i) {
    const auto p = *g.propose(i, {}, {});
    seen.insert({p[0], p[1]});
    etas.insert(p[0]), lambdas.insert(p[1]);
  }
  CHECK(seen.size() == 25);  // all distinct
  CHECK(etas.size() == 5);
  CHECK(lambdas.size() == 5);
  CHECK(*etas.begin() == Approx(0.01));  // corners included
  CHECK(*etas.rbegin() == Approx(10));
  CHECK(*lambdas.rbegin() == Approx(20));
  auto it = etas.begin();  // evenly spaced on the log scale
  const double r = *std::next(it) / *it;
  for (auto a = etas.begin(), b = std::next(a); b != etas.end(); ++a, ++b) CHECK(*b / *a == Approx(r));
  CHECK_FALSE(g.propose(25, {}, {}));
  // Choices use all their values.
  grid_search c(parse_space("eta=0.1:1,hidden=30|100"), 8);
  CHECK(c.capacity() == 8);
}

TEST_CASE("Random search covers its space and is reproducible", "[tune][random]") {
  const auto s = parse_space("a=0:1,b=0.001:1000:log");
  random_search r(s, 42), again(s, 42), other(s, 43);
  int cells[4][4] = {};
  std::size_t below = 0;
  const std::size_t n = 2000;
  for (std::size_t i = 0; i < n; ++i) {
    const auto p = *r.propose(i, {}, {});
    REQUIRE(p[0] >= 0.0);
    REQUIRE(p[0] <= 1.0);
    REQUIRE(p[1] >= 0.001);
    REQUIRE(p[1] <= 1000.0);
    const auto u = s.to_unit(p);
    ++cells[std::min(3, int(u[0] * 4))][std::min(3, int(u[1] * 4))];
    below += p[1] < 1.0;  // the log scale's middle
    CHECK(p == *again.propose(i, {}, {}));
  }
  for (auto& row : cells)
    for (int c : row) CHECK(c > 80);  // every cell of a 4 × 4 partition, about 125 each
  CHECK(double(below) / n == Approx(0.5).margin(0.05));
  CHECK(*r.propose(0, {}, {}) != *other.propose(0, {}, {}));
}

TEST_CASE("A resumed search does not rerun finished trials", "[tune][journal]") {
  test_support::temp_dir dir("tune");
  const auto s = parse_space("x=0:1,y=1:100:log");
  const auto path = dir / "journal.csv";
  std::atomic<int> calls{0};
  std::set<std::size_t> ran;
  std::mutex m;
  auto f = [&](const point& x, std::size_t id, int) {
    ++calls;
    std::lock_guard lock(m);
    REQUIRE(ran.insert(id).second);  // never the same trial twice
    return outcome{x[0] - std::log(x[1]), 1, ""};
  };
  std::vector<trial> first;
  {
    journal j(path, s, "random");
    random_search st(s, 5);
    first = run_search(st, j, f, {.budget = 5, .workers = 2});
  }
  CHECK(calls == 5);
  REQUIRE(first.size() == 5);
  {  // a crash mid-write leaves a torn line: ignored
    std::ofstream(path, std::ios::app) << "5,random,0.3";
  }
  std::ofstream(path, std::ios::app) << "\n";
  journal j(path, s, "random");
  REQUIRE(j.trials().size() == 5);
  // The journal keeps the order in which the two workers finished; run_search returns by id.
  const auto read = detail::sorted_by_id(j.trials());
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(read[i].id == first[i].id);
    CHECK(read[i].x == first[i].x);  // exact round trip (%.17g)
    CHECK(read[i].score == first[i].score);
  }
  random_search st(s, 5);
  const auto all = run_search(st, j, f, {.budget = 8, .workers = 2});
  CHECK(calls == 8);  // only trials 5, 6, 7 ran
  REQUIRE(all.size() == 8);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].id == i);
  for (std::size_t i = 0; i < 5; ++i) CHECK(all[i].x == first[i].x);
  CHECK(journal::read(path, s, "random").size() == 8);
  // A journal of another space or strategy is refused.
  CHECK_THROWS_AS(journal(path, parse_space("x=0:1"), "random"), journal_error);
  CHECK_THROWS_AS(journal(path, s, "grid"), journal_error);
}

namespace {
/// Branin–Hoo on [−5, 10] × [0, 15]; its minimum is 0.397887 at three points.
double branin(double x1, double x2) {
  const double pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}
/// Trials until one is within `tol` of Branin's minimum, searching with `name` (0: never).
std::size_t trials_to_reach(const std::string& name, std::size_t budget, double tol, std::uint64_t seed) {
  test_support::temp_dir dir("branin");
  const auto s = parse_space("x1=-5:10,x2=0:15");
  journal j(dir / "j.csv", s, name);
  auto st = make_strategy(name, s, budget, seed);
  const auto done = run_search(*st, j,
                               [](const point& x, std::size_t, int) {
                                 return outcome{-branin(x[0], x[1]), 1, ""};
                               },
                               {.budget = budget, .workers = 1});
  for (const auto& t : done)
    if (-t.score - 0.397887 < tol) return t.id + 1;
  return 0;
}
}  // namespace

TEST_CASE("Bayesian optimisation finds Branin's minimum in fewer evaluations than random search", "[tune][bayes]") {
  CHECK(branin(std::numbers::pi, 2.275) == Approx(0.397887).epsilon(1e-5));
  const std::size_t seed = 3;
  const std::size_t bayes = trials_to_reach("bayes", 40, 0.1, seed);
  const std::size_t random = trials_to_reach("random", 300, 0.1, seed);
  INFO("bayes needed " << bayes << " trials, random " << random);
  REQUIRE(bayes > 0);
  CHECK((random == 0 || bayes < random));
  CHECK(bayes <= 40);
}

TEST_CASE("Bayesian proposals are reproducible and batches do not repeat points", "[tune][bayes]") {
  const auto s = parse_space("x1=-5:10,x2=0:15");
  std::vector<trial> done;
  for (std::size_t i = 0; i < 6; ++i) {
    trial t;
    t.id = i;
    t.x = random_search::sample(s, 9, i);
    t.score = -branin(t.x[0], t.x[1]);
    done.push_back(t);
  }
  bayes_search a(s, 9), b(s, 9);
  const auto p = *a.propose(6, done, {});
  CHECK(p == *b.propose(6, done, {}));
  const auto q = *a.propose(7, done, {p});  // the second point of a batch of two
  CHECK(q != p);
}

TEST_CASE("A torn last line is ended before the next trial is appended", "[tune][journal]") {
  test_support::temp_dir dir("tune-torn");
  const auto s = parse_space("x=0:1");
  const auto path = dir / "journal.csv";
  std::atomic<int> calls{0};
  auto f = [&](const point& x, std::size_t, int) {
    ++calls;
    return outcome{x[0], 1, ""};
  };
  {
    journal j(path, s, "random");
    random_search st(s, 5);
    run_search(st, j, f, {.budget = 3, .workers = 1});
  }
  std::ofstream(path, std::ios::app) << "3,random,0.12";  // killed mid-write: no newline
  {
    journal j(path, s, "random");
    REQUIRE(j.trials().size() == 3);
    random_search st(s, 5);
    run_search(st, j, f, {.budget = 5, .workers = 1});  // trials 3 and 4
  }
  CHECK(calls == 5);
  // Trial 3 is on a line of its own, so the next resume finds all five and runs none again.
  CHECK(journal::read(path, s, "random").size() == 5);
  journal j(path, s, "random");
  random_search st(s, 5);
  run_search(st, j, f, {.budget = 5, .workers = 1});
  CHECK(calls == 5);
}

TEST_CASE("A journal is refused for a search with another configuration, naming the differences", "[tune][journal]") {
  test_support::temp_dir dir("tune-config");
  const auto path = dir / "journal.csv";
  const journal_settings ten = {{"epochs", "10"}, {"lambda", "5"}};
  { journal j(path, parse_space("eta=0.01:10:log,lambda=0.01:20:log"), "bayes", ten); }
  auto error_of = [&](const std::string& space, const std::string& strategy, const journal_settings& settings) {
    try {
      journal j(path, parse_space(space), strategy, settings);
    } catch (const journal_error& e) {
      return std::string(e.what());
    }
    return std::string("opened");
  };
  CHECK(error_of("eta=0.01:10:log,lambda=0.01:20:log", "bayes", ten) == "opened");
  // Other bounds, same names: the old trials lie partly outside the new space.
  CHECK_THAT(
      error_of("eta=0.01:1:log,lambda=0.01:20:log", "bayes", ten),
      Catch::Contains(path.string()) &&
          Catch::Contains("space is eta=0.01:10:log,lambda=0.01:20:log there, eta=0.01:1:log,lambda=0.01:20:log here"));
  // Bounds that differ past the 6 digits that %g shows.
  CHECK_THAT(error_of("eta=0.01:10.0000001:log,lambda=0.01:20:log", "bayes", ten), Catch::Contains("space is"));
  CHECK_THAT(error_of("eta=0.01:10:log,lambda=0.01:20:log", "bayes", {{"epochs", "30"}, {"lambda", "5"}}),
             Catch::Contains("epochs is 10 there, 30 here") && !Catch::Contains("lambda is"));
  CHECK_THAT(error_of("eta=0.01:10:log,lambda=0.01:20:log", "bayes", {{"epochs", "10"}}),
             Catch::Contains("lambda is 5 there, not set here"));
  CHECK_THAT(
      error_of("eta=0.01:10:log,lambda=0.01:20:log", "bayes", {{"epochs", "10"}, {"lambda", "5"}, {"seed", "2"}}),
      Catch::Contains("seed is not recorded there, 2 here"));
  CHECK_THAT(error_of("eta=0.01:10:log,lambda=0.01:20:log", "random", ten),
             Catch::Contains("strategy is bayes there, random here"));
  // A journal without a recorded configuration (an older nndl's) cannot be trusted either.
  std::ofstream(dir / "old.csv") << "trial,strategy,x,score,epochs,seconds,worker,note\n0,random,0.5,0.5,1,0.001,0,\n";
  CHECK_THROWS_WITH(journal(dir / "old.csv", parse_space("x=0:1"), "random"), Catch::Contains("does not record"));
}
