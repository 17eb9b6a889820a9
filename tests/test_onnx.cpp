// ONNX files (io/onnx.hpp): every layer kind and activation goes nndl -> ONNX -> nndl with the same
// outputs bit for bit (as a run-time model and into a typed network); graphs as exporters write
// them read right (MatMul + Add, Reshape by a Constant, typed-field tensors, LogSoftmax, Relu after
// MaxPool), with the layout of a dense layer after a convolution checked against a convolution
// computed here; and hostile or foreign files are refused by name with bounded memory.
#include <catch2/catch.hpp>

#include "largest_alloc.hpp"
#include "support.hpp"

#include <nndl/io/formats.hpp>
#include <nndl/io/onnx.hpp>
#include <nndl/network.hpp>

#include <cstring>
#include <fstream>

namespace {
using namespace nndl;
using Catch::Matchers::Contains;

template <class T>
using conv_net = network<T, input<1, 12, 12>, conv<3, 3, relu>, max_pool<2>, conv<4, 3, nndl::tanh>, dropout<0.25>,
                         dense<7, sigmoid>, dense<5, softmax>, log_likelihood_cost, l2_regularizer>;
template <class T>
using mlp = network<T, input<20>, dense<9, relu>, dropout<0.5>, dense<6, identity>, dense<4, sigmoid>, quadratic_cost>;
template <class T>
using logsoft = network<T, input<1, 6, 6>, dense<8, nndl::tanh>, dense<3, log_softmax>, quadratic_cost>;

template <class Net>
dataset<typename Net::scalar> data(std::size_t rows, std::uint64_t seed) {
  dataset<typename Net::scalar> d;
  d.x = matrix<typename Net::scalar>::from_shape({rows, Net::input_size});
  rng r(seed);
  for (auto& v : d.x) v = typename Net::scalar(r.uniform());
  for (std::size_t i = 0; i < rows; ++i) d.labels.push_back(std::uint8_t(i % Net::output_size));
  return d;
}

template <class Net>
void round_trip() {
  const test_support::temp_dir dir("onnx");
  Net net{3};
  const auto d = data<Net>(100, 5);
  test_support::perturb(net, 7);
  save_model(net, dir / "m.npz");
  save_onnx(net, dir / "m.onnx", {{"program", "test_onnx"}});
  const model from_npz = load_model(dir / "m.npz"), from_onnx = load_model(dir / "m.onnx");
  CHECK(layers_string(from_onnx.architecture()) == layers_string(Net::record()));
  CHECK(from_onnx.architecture().cost == Net::record().cost);  // from the metadata
  CHECK_THAT(from_onnx.provenance(), Contains("test_onnx"));
  const auto a = from_npz.outputs(d.row(0), 100), b = from_onnx.outputs(d.row(0), 100);
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0);  // 100 samples, bit for bit
  Net back{9};
  load_network(back, dir / "m.onnx");
  CHECK((back.feedforward(d.row(0), 100) == net.feedforward(d.row(0), 100)));
  // The run-time model written again (nndl-convert's path) is the same network.
  save_onnx(from_onnx, dir / "again.onnx");
  const auto c = load_model(dir / "again.onnx").outputs(d.row(0), 100);
  CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(a[0])) == 0);
}

// --- graphs written here, as other exporters write them ---
struct builder {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit builder(std::vector<std::int64_t> input_dims, int opset = 13) {
    m.set_ir_version(7);
    m.set_producer_name("test");
    auto* op = m.add_opset_import();
    op->set_version(opset);
    g = m.mutable_graph();
    auto* in = g->add_input();
    in->set_name("x");
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("batch");
    for (auto d : input_dims) t->mutable_shape()->add_dim()->set_dim_value(d);
    g->add_output()->set_name("y");
  }
  onnx::NodeProto* node(const std::string& op, std::vector<std::string> in, std::string out) {
    auto* n = g->add_node();
    n->set_name(op + std::to_string(g->node_size()));
    n->set_op_type(op);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  static void ints(onnx::NodeProto* n, const std::string& name, std::vector<std::int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  onnx::TensorProto* tensor(const std::string& name, std::vector<std::int64_t> dims, const std::vector<float>& v,
                            bool raw = true) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    if (raw)
      t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    else
      for (float f : v) t->add_float_data(f);
    return t;
  }
  void int64s(const std::string& name, std::vector<std::int64_t> v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(std::int64_t(v.size()));
    for (auto x : v) t->add_int64_data(x);
  }
  std::filesystem::path write(const std::filesystem::path& file) const {
    std::ofstream(file, std::ios::binary) << m.SerializeAsString();
    return file;
  }
};

std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * float((i * 7919) % 23) / 23.0f - scale / 2;
  return v;
}

std::string refusal(const std::filesystem::path& file) {
  try {
    (void)load_model(file);
  } catch (const model_error& e) {
    return e.what();
  }
  return "(accepted)";
}
}  // namespace

TEST_CASE("every layer kind and activation: nndl -> ONNX -> nndl gives the same outputs, bit for bit", "[onnx]") {
  SECTION("conv, max-pool, dropout, dense; relu, tanh, sigmoid, softmax; float") { round_trip<conv_net<float>>(); }
  SECTION("the same in double") { round_trip<conv_net<double>>(); }
  SECTION("dense, dropout, identity; double") { round_trip<mlp<double>>(); }
  SECTION("the same in float") { round_trip<mlp<float>>(); }
  SECTION("a dense layer on images (a Flatten first), log_softmax") { round_trip<logsoft<float>>(); }
}

TEST_CASE("a dense layer after a convolution reads the maps channel-major (NCHW), as PyTorch flattens", "[onnx]") {
  const test_support::temp_dir dir("onnx-layout");
  // x {1, 4, 4} -> Conv 2 maps 3x3 -> {2, 2, 2} -> Flatten -> Gemm 3 (transB = 0: W {8, 3})
  const auto w = ramp(2 * 9, 1.0f), b = std::vector<float>{0.1f, -0.2f}, W = ramp(8 * 3, 2.0f),
             B = std::vector<float>{0.5f, 0, -0.5f};
  builder t({1, 4, 4});
  t.tensor("w", {2, 1, 3, 3}, w);
  t.tensor("b", {2}, b);
  t.tensor("W", {8, 3}, W, false);  // typed float_data, not raw_data
  t.tensor("B", {3}, B);
  t.node("Conv", {"x", "w", "b"}, "c");
  t.node("Flatten", {"c"}, "f");
  t.node("Gemm", {"f", "W", "B"}, "y");
  const model m = load_model(t.write(dir / "layout.onnx"));
  CHECK(nndl::describe(m.architecture()).find("conv 2@3x3 identity") != std::string::npos);
  const auto x = ramp(16, 3.0f);
  const auto y = m.outputs(x.data(), 1);
  // The same by hand: conv output index (f, i, j) -> f * 4 + i * 2 + j, then y_k = B_k + Σ_n W[n][k] c_n.
  std::vector<double> c(8);
  for (int f = 0; f < 2; ++f)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        double s = b[f];
        for (int u = 0; u < 3; ++u)
          for (int v = 0; v < 3; ++v) s += double(w[f * 9 + u * 3 + v]) * x[(i + u) * 4 + j + v];
        c[f * 4 + i * 2 + j] = s;
      }
  for (int k = 0; k < 3; ++k) {
    double s = B[k];
    for (int n = 0; n < 8; ++n) s += double(W[n * 3 + k]) * c[n];
    CHECK(y[k] == Approx(s).epsilon(1e-5));
  }
}

TEST_CASE("graphs as exporters write them: MatMul + Add, Reshape by a Constant, Relu after MaxPool, LogSoftmax",
          "[onnx]") {
  const test_support::temp_dir dir("onnx-exporters");
  const auto w = ramp(3 * 9, 1.0f), W = ramp(12 * 4, 1.0f), B = std::vector<float>{1, 2, 3, 4};
  auto graph = [&](bool matmul, bool relu_after_pool) {
    builder t({1, 6, 6}, 17);
    t.tensor("w", {3, 1, 3, 3}, w);
    t.node("Conv", {"x", "w"}, "c");  // no bias
    if (relu_after_pool) {
      builder::ints(t.node("MaxPool", {"c"}, "p"), "kernel_shape", {2, 2});
      builder::ints(t.g->mutable_node(1), "strides", {2, 2});
      t.node("Relu", {"p"}, "r");
    } else {
      t.node("Relu", {"c"}, "rc");
      builder::ints(t.node("MaxPool", {"rc"}, "r"), "kernel_shape", {2, 2});
      builder::ints(t.g->mutable_node(2), "strides", {2, 2});
    }
    auto* k = t.node("Constant", {}, "shape");
    auto* a = k->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
    a->mutable_t()->add_dims(2);
    a->mutable_t()->add_int64_data(-1);
    a->mutable_t()->add_int64_data(12);
    t.node("Reshape", {"r", "shape"}, "f");
    if (matmul) {
      std::vector<float> Wt(48);  // {12, 4}: W transposed
      for (int o = 0; o < 4; ++o)
        for (int i = 0; i < 12; ++i) Wt[i * 4 + o] = W[o * 12 + i];
      t.tensor("Wt", {12, 4}, Wt);
      t.tensor("B", {4}, B);
      t.node("MatMul", {"f", "Wt"}, "mm");
      t.node("Add", {"mm", "B"}, "z");
    } else {
      t.tensor("W", {4, 12}, W);
      t.tensor("B", {4}, B);
      auto* gm = t.node("Gemm", {"f", "W", "B"}, "z");
      auto* tb = gm->add_attribute();
      tb->set_name("transB"), tb->set_type(onnx::AttributeProto::INT), tb->set_i(1);
    }
    t.node("LogSoftmax", {"z"}, "y");
    return t;
  };
  const model gemm = load_model(graph(false, false).write(dir / "gemm.onnx"));
  const model matmul = load_model(graph(true, true).write(dir / "matmul.onnx"));
  CHECK(layers_string(gemm.architecture()) ==
        "conv 3@3x3 relu 36->48; max_pool 2x2 48->12; dense 4 log_softmax 12->4; float32");
  CHECK(layers_string(matmul.architecture()) == layers_string(gemm.architecture()));
  const auto x = ramp(36 * 5, 2.0f);
  const auto a = gemm.outputs(x.data(), 5), b = matmul.outputs(x.data(), 5);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-6));
  double total = 0;
  for (std::size_t j = 0; j < 4; ++j) total += std::exp(double(a[j]));
  CHECK(total == Approx(1.0).epsilon(1e-6));  // log-probabilities
  const auto p = gemm.probabilities(x.data(), 1);
  CHECK(p[0] == Approx(std::exp(double(a[0]))).epsilon(1e-6));
  // Into a typed network: LogSoftmax reads as softmax (the same objective with log-likelihood).
  network<float, input<1, 6, 6>, conv<3, 3, relu>, max_pool<2>, dense<4, softmax>, log_likelihood_cost> net;
  load_network(net, dir / "gemm.onnx");
  const auto typed = net.feedforward(x.data(), 1);
  for (std::size_t j = 0; j < 4; ++j) CHECK(double(typed(0, j)) == Approx(std::exp(double(a[j]))).epsilon(1e-5));
  // A layout that differs is refused at its first differing layer.
  network<float, input<1, 6, 6>, conv<3, 3, relu>, max_pool<2>, dense<5, softmax>, log_likelihood_cost> other;
  CHECK_THROWS_WITH(
      load_network(other, dir / "gemm.onnx"),
      Contains("layer 3 differs: the file has dense 4 softmax 12->4, this network has dense 5 softmax 12->5"));
}

TEST_CASE("what nndl does not implement is refused, naming the node, its operation and the attribute", "[onnx]") {
  const test_support::temp_dir dir("onnx-refused");
  auto conv_with = [&](const std::string& attr, std::vector<std::int64_t> v) {
    builder t({1, 6, 6});
    t.tensor("w", {2, 1, 3, 3}, ramp(18, 1));
    auto* n = t.node("Conv", {"x", "w"}, "y");
    builder::ints(n, attr, std::move(v));
    return refusal(t.write(dir / (attr + ".onnx")));
  };
  CHECK_THAT(conv_with("pads", {1, 1, 1, 1}), Contains("node \"Conv1\" (Conv), attribute pads: only no padding"));
  CHECK_THAT(conv_with("strides", {2, 2}), Contains("attribute strides: only stride 1"));
  CHECK_THAT(conv_with("dilations", {2, 2}), Contains("attribute dilations"));
  builder bn({1, 6, 6});
  bn.node("BatchNormalization", {"x", "s", "b", "m", "v"}, "y");
  CHECK_THAT(refusal(bn.write(dir / "bn.onnx")),
             Contains("node \"BatchNormalization1\" (BatchNormalization): an operation nndl does not implement"));
  builder missing({784});
  missing.node("Gemm", {"x", "W"}, "y");
  CHECK_THAT(refusal(missing.write(dir / "missing.onnx")), Contains("(Gemm): its weights \"W\" is not a constant"));
  builder chain({784});
  chain.tensor("W", {10, 500}, std::vector<float>(5000, 0.f));
  builder::ints(chain.node("Gemm", {"x", "W"}, "y"), "unused", {});
  chain.g->mutable_node(0)->mutable_attribute(0)->set_name("transB");
  chain.g->mutable_node(0)->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  chain.g->mutable_node(0)->mutable_attribute(0)->set_i(1);
  CHECK_THAT(refusal(chain.write(dir / "chain.onnx")), Contains("its weights [10, 500] do not take the 784 inputs"));
  builder ext({4});
  auto* t = ext.tensor("W", {2, 4}, std::vector<float>(8, 0.f));
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  ext.node("MatMul", {"x", "W"}, "y");
  CHECK_THAT(refusal(ext.write(dir / "ext.onnx")), Contains("external file"));
  builder branch({4});
  branch.node("Relu", {"x"}, "a");
  branch.node("Sigmoid", {"x"}, "y");
  CHECK_THAT(refusal(branch.write(dir / "branch.onnx")), Contains("not branches"));
  builder training({4});
  training.tensor("ratio", {}, {0.5f});
  auto* mode = training.g->add_initializer();
  mode->set_name("mode"), mode->set_data_type(onnx::TensorProto::BOOL), mode->set_raw_data(std::string(1, '\1'));
  training.node("Dropout", {"x", "ratio", "mode"}, "y");
  CHECK_THAT(refusal(training.write(dir / "training.onnx")), Contains("(Dropout), attribute training_mode: is true"));
  CHECK_THAT(refusal(dir / "none.onnx"), Contains("no such file"));
}

TEST_CASE("hostile ONNX files get a clear error with bounded memory", "[onnx]") {
  const test_support::temp_dir dir("onnx-hostile");
  largest_alloc = 0;
  SECTION("a tensor that claims 10^12 values") {
    builder t({4});
    t.tensor("W", {1000000, 1000000}, std::vector<float>(4, 0.f));
    t.node("MatMul", {"x", "W"}, "y");
    CHECK_THAT(refusal(t.write(dir / "huge.onnx")), Contains("claims 1000000000000.000000 values"));
  }
  SECTION("a tensor whose dims are not what it holds") {
    builder t({4});
    t.tensor("W", {4, 3}, std::vector<float>(5, 0.f));
    t.node("MatMul", {"x", "W"}, "y");
    CHECK_THAT(refusal(t.write(dir / "short.onnx")), Contains("claims 12 values (dims [4, 3]) but holds 5"));
  }
  SECTION("a cycle") {
    builder t({4});
    t.node("Relu", {"x"}, "a");
    t.node("Sigmoid", {"a"}, "b");
    t.node("Tanh", {"b"}, "a");
    CHECK_THAT(refusal(t.write(dir / "cycle.onnx")), Contains("cycle"));
  }
  SECTION("a million nodes") {
    std::string graph;
    for (int i = 0; i < 1000000; ++i) graph += std::string("\x0a\x00", 2);  // GraphProto.node, empty
    std::string model = "\x08\x08";                                         // ir_version 8
    model += '\x3a';                                                        // ModelProto.graph
    for (std::size_t n = graph.size();; n >>= 7) {
      model += char((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      if (n <= 0x7f) break;
    }
    model += graph;
    std::ofstream(dir / "nodes.onnx", std::ios::binary) << model;
    largest_alloc = 0;
    CHECK_THAT(refusal(dir / "nodes.onnx"), Contains("more than 10000 nodes"));
    CHECK(largest_alloc < 4 * model.size());
  }
  SECTION("truncated bytes") {
    mlp<float> net{1};
    save_onnx(net, dir / "whole.onnx");
    std::ifstream in(dir / "whole.onnx", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir / "cut.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK_THAT(refusal(dir / "cut.onnx"), Contains("truncated"));
  }
  SECTION("a protobuf nested 100,000 deep") {
    // GraphProto.node -> NodeProto.attribute -> AttributeProto.g -> GraphProto ..., written from the inside out.
    std::string rev;  // the bytes reversed
    const char tags[3] = {'\x0a', '\x2a', '\x32'};
    for (int level = 0; level < 100000; ++level) {
      std::size_t n = rev.size();
      std::string len;
      for (;; n >>= 7) {
        len += char((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
        if (n <= 0x7f) break;
      }
      rev.append(len.rbegin(), len.rend());
      rev += tags[(99999 - level) % 3];  // outside in: graph.node, node.attribute, attribute.g
    }
    std::string bytes(rev.rbegin(), rev.rend());
    std::string model = "\x08\x08\x3a";
    for (std::size_t n = bytes.size();; n >>= 7) {
      model += char((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      if (n <= 0x7f) break;
    }
    std::ofstream(dir / "deep.onnx", std::ios::binary) << model + bytes;
    CHECK_THAT(refusal(dir / "deep.onnx"), Contains("nested deeper than 100 levels"));
  }
  SECTION("random bytes") {
    std::ofstream(dir / "noise.onnx", std::ios::binary) << std::string("\xff\xfe\x01garbage", 10);
    CHECK_THAT(refusal(dir / "noise.onnx"), Contains("not an ONNX model"));
  }
}

TEST_CASE("formats by name: an ensemble is refused by ONNX, a conv net by network2.py's JSON", "[onnx]") {
  const test_support::temp_dir dir("onnx-formats");
  using net_t = mlp<float>;
  std::vector<net_t> nets{net_t{1}, net_t{2}};
  save_ensemble(std::span<const net_t>(nets), dir / "vote.npz");
  CHECK_THROWS_WITH(save_onnx(load_model(dir / "vote.npz"), dir / "vote.onnx"), Contains("an ensemble of 2 networks"));
  conv_net<float> c{1};
  CHECK_THROWS_WITH(save_network(c, dir / "c.json"), Contains("network2.py's JSON holds only dense layers"));
  save_network(c, dir / "c.onnx");
  CHECK(load_model(dir / "c.onnx").members() == 1);
}
