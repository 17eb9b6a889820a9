// Reading an ONNX model into a network's record and parameters (onnx.hpp has the calls): the
// protobuf side of graph::reader. nndl reads a chain from the one input to the one output, built
// from what it implements as real exporters write it (torch.onnx.export, opsets 13 and 17, and
// nndl's own files): each layer kind takes its own nodes (layers/kind/), and this file passes over
// the nodes that only reshape (Flatten, Reshape with a constant shape, Identity, Dropout at
// inference). Anything else, or an attribute value nndl does not implement, is refused with the
// node, its operation and the attribute named: never an approximation.
//
// Hostile files: the file is read whole up to a size limit; before protobuf parses it, a scan of
// its wire format counts the graph's nodes and tensors (at most max_nodes); protobuf bounds the
// nesting (100 levels); a tensor's dims are checked against the values the file holds before
// anything is made from them; external data is refused; the graph is walked once (no cycles).
#pragma once

#include "../../detail/out_of_line.hpp"

#include <onnx/onnx_pb.h>

#include <google/protobuf/io/coded_stream.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../detail/file.hpp"
#include "../../errors.hpp"
#include "../../layers/kinds.hpp"
#include "../../network/architecture.hpp"
#include "write.hpp"

namespace nndl {

/// What a graph read from an ONNX file holds, before it becomes a model or a typed network's weights.
struct onnx_contents {
  /// The layers, shapes and activations the graph computes.
  architecture_record record;
  /// Each layer's weights and biases, as the graph holds them.
  detail::layer_parameters parameters;
  //! @{
  /// The file's producer name and version; nndl's "nndl.architecture" metadata (empty in other files); its
  /// "nndl.provenance" (JSON, "{}" when none).
  std::string producer, metadata_architecture, provenance = "{}";
  //! @}
  /// True when the graph ends in LogSoftmax (a PyTorch network trained with NLLLoss).
  bool log_softmax_output = false;
};

namespace detail {

inline constexpr std::size_t onnx_max_bytes = std::size_t{512} << 20;
inline constexpr int onnx_max_nodes = 10000;

/// Counts the graph's repeated fields in the wire format without building them: nodes (1),
/// initializers (5), inputs (11), outputs (12), value_info (13). Empty when the bytes are fine.
NNDL_OUT_OF_LINE std::string onnx_prescan(const std::string& bytes);

/// The values of a tensor as double, after checking its type, that its dims are what the data
/// holds, and that nothing is external.
NNDL_OUT_OF_LINE graph::tensor onnx_tensor(const onnx::TensorProto& t, const std::filesystem::path& file,
                                           bool want_int);

/// The chain of nodes from the graph's input to its output, as graph::reader shows it to the kinds.
class onnx_chain final : public graph::reader {
 public:
  onnx_chain(const onnx::GraphProto& g, const std::filesystem::path& file) : file_(file) {
    for (const auto& t : g.initializer()) initializers_[t.name()] = &t;
    std::vector<const onnx::NodeProto*> rest;
    for (const auto& n : g.node()) {
      if (!n.domain().empty() && n.domain() != "ai.onnx")
        throw model_error(file, "node \"" + n.name() + "\" (" + n.op_type() + ") is of domain \"" + n.domain() +
                                    "\", which nndl does not implement");
      if (n.op_type() == "Constant" && n.output_size() == 1) {
        constants_[n.output(0)] = &n;
      } else {
        rest.push_back(&n);
      }
    }
    // The one input that is not an initializer (older files list the initializers as inputs too).
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& i : g.input())
      if (!initializers_.count(i.name())) {
        if (input)
          throw model_error(file, "the graph has two inputs, \"" + input->name() + "\" and \"" + i.name() +
                                      "\"; nndl reads networks of one input");
        input = &i;
      }
    if (!input) throw model_error(file, "the graph has no input");
    if (g.output_size() != 1)
      throw model_error(
          file, "the graph has " + std::to_string(g.output_size()) + " outputs; nndl reads networks of one output");
    read_input(*input);
    output_ = g.output(0).name();
    // Walk from the input along the one node that reads each value.
    std::map<std::string, std::vector<const onnx::NodeProto*>> readers;
    for (const auto* n : rest)
      for (const auto& i : n->input())
        if (!i.empty() && !initializers_.count(i) && !constants_.count(i)) readers[i].push_back(n);
    std::set<const onnx::NodeProto*> seen;
    for (std::string value = input_name_; value != output_;) {
      const auto& r = readers[value];
      if (r.empty())
        throw model_error(file, "the value \"" + value + "\" is read by no node and is not the graph's output");
      if (r.size() > 1)
        throw model_error(file, "the value \"" + value + "\" is read by nodes \"" + r[0]->name() + "\" (" +
                                    r[0]->op_type() + ") and \"" + r[1]->name() + "\" (" + r[1]->op_type() +
                                    "): nndl reads chains of layers, not branches");
      const onnx::NodeProto* n = r[0];
      if (!seen.insert(n).second)
        throw model_error(file, "the graph has a cycle through node \"" + n->name() + "\" (" + n->op_type() + ")");
      if (n->output_size() < 1 || n->output(0).empty())
        throw model_error(file, "node \"" + n->name() + "\" (" + n->op_type() + ") has no output");
      for (int k = 1; k < n->output_size(); ++k)
        if (!n->output(k).empty() && (readers.count(n->output(k)) || n->output(k) == output_))
          throw model_error(file, "node \"" + n->name() + "\" (" + n->op_type() + "): its output " +
                                      std::to_string(k + 1) + " is used, which nndl does not implement");
      nodes_.push_back(convert(*n));
      value = n->output(0);
      if (nodes_.size() > std::size_t(onnx_max_nodes))
        throw model_error(file, "the graph's chain is longer than its nodes");
    }
    for (const auto* n : rest)
      if (!seen.count(n))
        throw model_error(
            file, "node \"" + n->name() + "\" (" + n->op_type() + ") is not on the path from the input to the output");
    if (nodes_.empty()) throw model_error(file, "the graph has no nodes between its input and its output");
  }

  const graph::node* peek(std::size_t ahead = 0) const override {
    return next_ + ahead < nodes_.size() ? &nodes_[next_ + ahead] : nullptr;
  }
  void take(std::size_t count) override { next_ += count; }
  std::optional<graph::tensor> constant(const std::string& name) const override {
    if (const auto it = initializers_.find(name); it != initializers_.end())
      return onnx_tensor(*it->second, file_, whole(it->second->data_type()));
    if (const auto it = constants_.find(name); it != constants_.end()) {
      for (const auto& a : it->second->attribute())
        if (a.name() == "value" && a.has_t()) return onnx_tensor(a.t(), file_, whole(a.t().data_type()));
      throw model_error(
          file_, "Constant node \"" + it->second->name() + "\" holds no tensor \"value\" (the only kind nndl reads)");
    }
    return std::nullopt;
  }
  std::array<std::size_t, 3> shape() const override { return shape_; }
  int rank() const override { return rank_; }
  [[noreturn]] void refuse(const graph::node& n, const std::string& attribute, const std::string& why) const override {
    throw model_error(file_, "node \"" + n.name + "\" (" + n.op + ")" +
                                 (attribute.empty() ? "" : ", attribute " + attribute) + ": " + why);
  }

  void set_shape(const std::array<std::size_t, 3>& s, int rank) { shape_ = s, rank_ = rank; }
  bool done() const { return next_ == nodes_.size(); }
  bool single() const { return single_; }
  const std::array<std::size_t, 3>& input_shape() const { return input_shape_; }

 private:
  static bool whole(int type) { return type == onnx::TensorProto::INT64 || type == onnx::TensorProto::BOOL; }
  void read_input(const onnx::ValueInfoProto& in) {
    input_name_ = in.name();
    const std::string where = "the graph's input \"" + in.name() + "\"";
    if (!in.type().has_tensor_type()) throw model_error(file_, where + " is not a tensor");
    const auto& t = in.type().tensor_type();
    if (t.elem_type() != onnx::TensorProto::FLOAT && t.elem_type() != onnx::TensorProto::DOUBLE)
      throw model_error(file_, where + " has element type " + std::to_string(t.elem_type()) +
                                   "; nndl reads FLOAT (1) and DOUBLE (11)");
    single_ = t.elem_type() == onnx::TensorProto::FLOAT;
    const int r = t.shape().dim_size();
    if (r != 2 && r != 4)
      throw model_error(file_, where + " has rank " + std::to_string(r) + "; nndl reads {N, features} or {N, C, H, W}");
    std::array<std::size_t, 3> s{1, 1, 1};
    for (int d = 1; d < r; ++d) {
      const auto& dim = t.shape().dim(d);
      if (!dim.has_dim_value() || dim.dim_value() < 1 || dim.dim_value() > (1 << 24))
        throw model_error(file_, where + ": dimension " + std::to_string(d + 1) +
                                     " must be a fixed size from 1 to 16777216 (only the batch may vary)");
      s[r == 2 ? 2 : std::size_t(d - 1)] = std::size_t(dim.dim_value());
    }
    if (double(s[0]) * double(s[1]) * double(s[2]) > double(1 << 26)) throw model_error(file_, where + " is too large");
    input_shape_ = shape_ = s;
    rank_ = r;
  }
  graph::node convert(const onnx::NodeProto& n) const {
    graph::node g{
        n.name().empty() ? n.op_type() + "_" + std::to_string(nodes_.size() + 1) : n.name(), n.op_type(), {}, {}, {}};
    for (const auto& i : n.input()) g.inputs.push_back(i);
    for (const auto& o : n.output()) g.outputs.push_back(o);
    for (const auto& a : n.attribute()) {
      graph::attribute at;
      at.name = a.name();
      switch (a.type()) {
        case onnx::AttributeProto::INT:
          at.kind = graph::attribute::type::ints, at.ints = {a.i()};
          break;
        case onnx::AttributeProto::INTS:
          at.kind = graph::attribute::type::ints, at.list = true, at.ints.assign(a.ints().begin(), a.ints().end());
          break;
        case onnx::AttributeProto::FLOAT:
          at.kind = graph::attribute::type::floats, at.floats = {a.f()};
          break;
        case onnx::AttributeProto::FLOATS:
          at.kind = graph::attribute::type::floats, at.list = true,
          at.floats.assign(a.floats().begin(), a.floats().end());
          break;
        case onnx::AttributeProto::STRING:
          at.kind = graph::attribute::type::text, at.text = a.s();
          break;
        default:
          break;
      }
      g.attributes.push_back(std::move(at));
    }
    return g;
  }

  const std::filesystem::path& file_;
  std::map<std::string, const onnx::TensorProto*> initializers_;
  std::map<std::string, const onnx::NodeProto*> constants_;
  std::vector<graph::node> nodes_;
  std::size_t next_ = 0;
  std::string input_name_, output_;
  std::array<std::size_t, 3> shape_{}, input_shape_{};
  int rank_ = 2;
  bool single_ = true;
};

}  // namespace detail
}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "read.ipp"
#endif
