// The bodies of book_model.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of book_model.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string cost_of_book_name(const std::string& book) {
  if (book == "QuadraticCost") return "quadratic";
  if (book == "CrossEntropyCost") return "cross-entropy";
  if (book == "LogLikelihoodCost") return "log-likelihood";
  return book;
}

}  // namespace nndl::detail
