// The bodies of runner.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of runner.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune::detail {

NNDL_OUT_OF_LINE std::vector<trial> sorted_by_id(std::vector<trial> v) {
  std::sort(v.begin(), v.end(), [](const trial& a, const trial& b) { return a.id < b.id; });
  return v;
}

NNDL_OUT_OF_LINE std::vector<std::pair<std::size_t, point>> next_round(strategy& st, const std::vector<trial>& done,
                                                                       std::size_t& next_id, std::size_t end,
                                                                       std::size_t n) {
  std::vector<std::pair<std::size_t, point>> round;
  std::vector<point> pending;
  while (round.size() < n && next_id < end) {
    const std::size_t id = next_id++;
    if (std::any_of(done.begin(), done.end(), [&](const trial& t) { return t.id == id; })) continue;
    auto p = st.propose(id, done, pending);
    if (!p) {
      next_id = end;
      break;
    }
    pending.push_back(*p);
    round.emplace_back(id, std::move(*p));
  }
  return round;
}

}  // namespace nndl::tune::detail
