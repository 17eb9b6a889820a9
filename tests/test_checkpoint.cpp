// Checkpoints (io/checkpoint.hpp): a run stopped and continued gives the uninterrupted run's
// weights exactly; another architecture, a damaged file and non-finite weights are refused by name,
// and a refused save leaves the previous checkpoint intact.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/io/checkpoint.hpp>
#include <nndl/network.hpp>

#include <atomic>
#include <fstream>

namespace {
using namespace nndl;
using net_t = network<float, input<1, 10, 10>, conv<3, 3, relu>, max_pool<2>, dropout<0.5>, dense<20, relu>,
                      dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using other_t = network<float, input<1, 10, 10>, conv<4, 3, relu>, max_pool<2>, dropout<0.5>, dense<20, relu>,
                        dense<10, softmax>, log_likelihood_cost, l2_regularizer>;

dataset<float> data() {
  dataset<float> d;
  d.x = xt::zeros<float>({std::size_t{80}, net_t::input_size});
  rng r(3);
  for (auto& v : d.x) v = float(r.uniform());
  for (std::size_t i = 0; i < 80; ++i) d.labels.push_back(std::uint8_t(i % 10));
  return d;
}
train_options options(std::size_t epochs, std::size_t first = 0) {
  return {
      .epochs = epochs, .mini_batch = 10, .eta = 0.1, .lambda = 0.5, .seed = 7, .verbose = false, .first_epoch = first};
}
sgd_optimizer momentum() { return sgd_optimizer({.momentum = 0.5}); }
}  // namespace

TEST_CASE("a run stopped at a checkpoint and continued equals the uninterrupted run", "[checkpoint]") {
  const auto d = data();
  const test_support::temp_dir dir("checkpoint");
  const auto file = dir / "run.ckpt.npz";
  net_t straight{1};
  auto straight_opt = momentum();
  train(straight, d, straight_opt, options(4));

  net_t first{1};
  auto first_opt = momentum();
  train(first, d, first_opt, options(2));
  save_checkpoint(first, first_opt, file, {{"epochs_done", 2}, {"note", "half way"}});
  net_t resumed{99};  // other weights, dropout generator and velocities: all must come from the file
  auto resumed_opt = momentum();
  const auto state = load_checkpoint(resumed, resumed_opt, file);
  CHECK(state["epochs_done"] == 2);
  CHECK(state["note"] == "half way");
  train(resumed, d, resumed_opt, options(4, state["epochs_done"].get<std::size_t>()));
  CHECK((resumed.layer<0>().w == straight.layer<0>().w));
  CHECK((resumed.layer<3>().w == straight.layer<3>().w));
  CHECK((resumed.layer<4>().b == straight.layer<4>().b));
  net_t fresh{1};
  CHECK_FALSE((resumed.layer<0>().w == fresh.layer<0>().w));
}

TEST_CASE("a checkpoint is refused for another network, when damaged, or with non-finite weights", "[checkpoint]") {
  const test_support::temp_dir dir("checkpoint-bad");
  const auto file = dir / "a.ckpt.npz";
  net_t net{1};
  save_checkpoint(net, file, {{"epochs_done", 1}});
  const auto size = std::filesystem::file_size(file);

  other_t other{1};
  const auto before = other.layer<0>().w;
  try {
    load_checkpoint(other, file);
    FAIL("loaded a checkpoint of another network");
  } catch (const model_error& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains(file.string()));
    CHECK_THAT(m, Catch::Contains("conv 3@3x3"));
    CHECK_THAT(m, Catch::Contains("conv 4@3x3"));
  }
  CHECK((other.layer<0>().w == before));

  const auto cut = dir / "cut.ckpt.npz";  // truncated copy
  std::filesystem::copy_file(file, cut);
  std::filesystem::resize_file(cut, size / 2);
  net_t n2{2};
  CHECK_THROWS_WITH(load_checkpoint(n2, cut), Catch::Contains(cut.string()));

  net_t broken{1};
  broken.layer<3>().w(0, 0) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(save_checkpoint(broken, file, {}), Catch::Contains("non-finite"));
  CHECK(std::filesystem::file_size(file) == size);  // the earlier checkpoint is still there, whole
  net_t n3{3};
  CHECK(load_checkpoint(n3, file)["epochs_done"] == 1);
  CHECK((n3.layer<3>().w == net.layer<3>().w));
}

TEST_CASE("Adam's moments and step count go through a checkpoint: a continued run equals the straight one",
          "[checkpoint][adam]") {
  const auto d = data();
  const test_support::temp_dir dir("checkpoint-adam");
  const auto file = dir / "adam.ckpt.npz";
  train_options o = options(4);
  o.eta = 0.01;
  net_t straight{1};
  adam straight_opt;
  train(straight, d, straight_opt, o);

  net_t first{1};
  adam first_opt;
  o.epochs = 2;
  train(first, d, first_opt, o);
  save_checkpoint(first, first_opt, file, {{"epochs_done", 2}});
  net_t resumed{99};
  adam resumed_opt;
  load_checkpoint(resumed, resumed_opt, file);
  CHECK(resumed_opt.steps() == first_opt.steps());
  o.epochs = 4;
  o.first_epoch = 2;
  train(resumed, d, resumed_opt, o);
  CHECK((resumed.layer<0>().w == straight.layer<0>().w));
  CHECK((resumed.layer<4>().w == straight.layer<4>().w));
  CHECK(resumed_opt.steps() == straight_opt.steps());
  net_t plain_net{1};
  CHECK_THROWS_WITH(load_checkpoint(plain_net, file), Catch::Contains("adam") && Catch::Contains(file.string()));
}

TEST_CASE("a run interrupted inside an epoch continues from that mini-batch to the uninterrupted weights",
          "[checkpoint]") {
  const auto d = data();
  const test_support::temp_dir dir("checkpoint-batch");
  const auto file = dir / "mid.ckpt.npz";
  net_t straight{1};
  auto straight_opt = momentum();
  train(straight, d, straight_opt, options(3));

  std::atomic<bool> stop{false};
  struct stop_in_epoch_1 {
    std::atomic<bool>* flag;
    std::size_t epoch = 0;
    bool on_epoch_end(const net_t&, epoch_record& r) { return epoch = r.epoch + 1, false; }
    void on_batch_end(const net_t&, std::size_t batch, std::size_t) const {
      if (epoch == 1 && batch == 4) *flag = true;
    }
  };
  net_t first{1};
  auto first_opt = momentum();
  auto o = options(3);
  o.stop = &stop;
  const auto h = train(first, d, first_opt, o, stop_in_epoch_1{&stop});
  REQUIRE(h.interrupted);
  CHECK(h.epochs_done == 1);
  CHECK(h.batches_done == 5);
  save_checkpoint(first, first_opt, file, {{"epochs_done", h.epochs_done}, {"batches_done", h.batches_done}});
  net_t resumed{7};
  auto resumed_opt = momentum();
  const auto state = load_checkpoint(resumed, resumed_opt, file);
  auto more = options(3, state["epochs_done"].get<std::size_t>());
  more.first_batch = state["batches_done"].get<std::size_t>();
  train(resumed, d, resumed_opt, more);
  CHECK((resumed.layer<0>().w == straight.layer<0>().w));
  CHECK((resumed.layer<3>().w == straight.layer<3>().w));
}

namespace {
/// A copy of checkpoint `from` with its state entry holding `state_text`.
void with_state(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& state_text) {
  int err = 0;
  zip_t* z = zip_open(from.c_str(), ZIP_RDONLY, &err);
  REQUIRE(z);
  std::vector<std::pair<std::string, std::string>> entries;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(z, zip_uint64_t(i), 0, &st) == 0);
    std::string bytes(st.size, '\0');
    zip_file_t* f = zip_fopen_index(z, zip_uint64_t(i), 0);
    REQUIRE(f);
    REQUIRE(zip_fread(f, bytes.data(), st.size) == zip_int64_t(st.size));
    zip_fclose(f);
    if (std::string(st.name) == "state.npy") bytes = detail::bytes_npy(state_text);
    entries.emplace_back(st.name, bytes);
  }
  zip_discard(z);
  detail::write_npz(to, entries);
}
}  // namespace

TEST_CASE("a checkpoint's state must be a JSON object of bounded depth", "[checkpoint][hostile]") {
  const test_support::temp_dir dir("checkpoint-state");
  const auto good = dir / "good.ckpt.npz", bad = dir / "bad.ckpt.npz";
  net_t net{1};
  save_checkpoint(net, good, {{"epochs_done", 1}});
  net_t other{2};
  const auto before = other.layer<0>().w;
  auto error_of = [&](const std::string& state_text) -> std::string {
    with_state(good, bad, state_text);
    try {
      load_checkpoint(other, bad);
    } catch (const model_error& e) {
      return e.what();
    } catch (const std::exception& e) {
      return std::string("not a model_error: ") + e.what();
    }
    return "loaded";
  };
  // An array would reach the caller, whose state["epochs_done"] then throws nlohmann's own error.
  CHECK_THAT(error_of("[1, 2]"),
             Catch::Contains(bad.string()) && Catch::Contains("its state must be a JSON object, found an array"));
  CHECK_THAT(error_of("7"), Catch::Contains("its state must be a JSON object, found a number"));
  CHECK_THAT(error_of("{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}"),
             Catch::Contains(bad.string()) && Catch::Contains("its state: nested more than 64 levels deep"));
  CHECK_THAT(error_of("{\"epochs_done\": 1"), Catch::Contains("its state: malformed JSON"));
  CHECK((other.layer<0>().w == before));
  CHECK(error_of("{\"epochs_done\": 3}") == "loaded");

  CHECK_THROWS_WITH(save_checkpoint(net, bad, nlohmann::json::array({1, 2})),
                    Catch::Contains("refusing to save: the state must be a JSON object, found an array"));
  save_checkpoint(net, bad, {});  // {} is null: saved as an empty object
  CHECK(load_checkpoint(other, bad).is_object());
}
