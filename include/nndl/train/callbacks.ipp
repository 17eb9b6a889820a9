// The bodies of callbacks.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of callbacks.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE csv_metrics& csv_metrics::resume(std::size_t first_epoch) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line))
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) && std::stoul(line) < first_epoch)
      kept += line + '\n';
  return *this;
}

NNDL_OUT_OF_LINE void csv_metrics::write() const {
  std::ostringstream f;
  f << "epoch,eta,train_seconds,elapsed_seconds,evaluation_correct,evaluation_total,evaluation_accuracy,"
       "evaluation_cost,training_correct,training_total,training_accuracy,training_cost\n"
    << kept;
  auto opt = [&](const auto& v) {
    if (v) f << *v;
    f << ',';
  };
  for (const auto& e : rows) {
    f << e.epoch << ',' << e.eta << ',' << e.train_seconds << ',' << e.elapsed_seconds << ',';
    opt(e.evaluation_correct), opt(e.evaluation_total), opt(e.evaluation_accuracy()), opt(e.evaluation_cost);
    opt(e.training_correct), opt(e.training_total), opt(e.training_accuracy());
    if (e.training_cost) f << *e.training_cost;
    f << '\n';
  }
  if (const std::string problem = detail::write_file_atomically(path, f.str()); !problem.empty())
    throw std::runtime_error("nndl: metrics file " + path.string() + ": " + problem);
}

}  // namespace nndl
