// Ensembles of networks (chapter 6, "Using an ensemble of networks"): K trained networks classify
// each sample by a plurality vote, every network voting for its most active output neuron.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/vote.hpp"

namespace nndl {

/// The class that a plurality vote of `nets` gives each sample of `data`. A tie between classes
/// (two networks that disagree, or 2-2-1 of five) goes to the tied class with the larger output
/// activation summed over all networks, and a tie of those to the lower class: the vote uses what
/// the networks say about their confidence instead of favouring the digit 0.
template <class Net>
std::vector<std::size_t> plurality_vote(std::span<const Net> nets, const dataset<typename Net::scalar>& data) {
  constexpr std::size_t classes = Net::output_size;
  if (nets.empty()) throw std::invalid_argument("nndl: an ensemble needs at least one network");
  if (data.size() > 0 && data.features() != Net::input_size)
    throw std::invalid_argument("nndl: the data has " + std::to_string(data.features()) +
                                " values per sample, the ensemble's networks take " + std::to_string(Net::input_size));
  std::vector<std::size_t> winners(data.size());
  constexpr std::size_t chunk = 1000;
  typename Net::workspace ws;  // one for all the networks: they are of one type
  for (std::size_t start = 0; start < data.size(); start += chunk) {
    const std::size_t rows = std::min(chunk, data.size() - start);
    detail::vote_rows<typename Net::scalar>(
        nets.size(), rows, classes,
        [&](std::size_t k) { return nets[k].feedforward(data.row(start), rows, ws).data(); },  // {rows, classes}
        winners.data() + start);
  }
  return winners;
}

/// How many samples of `data` the plurality vote of `nets` classifies correctly.
template <class Net>
std::size_t ensemble_correct(std::span<const Net> nets, const dataset<typename Net::scalar>& data) {
  const auto winners = plurality_vote(nets, data);
  std::size_t correct = 0;
  for (std::size_t s = 0; s < winners.size(); ++s) correct += winners[s] == data.labels[s];
  return correct;
}

}  // namespace nndl
