// The search journal: one CSV row per finished trial, appended, flushed and fsync'ed the moment the
// trial ends, so an interrupted search loses nothing. Resuming reads it back; the runner then skips
// the trials it holds.
//
//   # nndl search journal
//   # strategy: bayes
//   # space: eta=0.01:10:log,lambda=0.01:20:log          (bounds with all their digits)
//   # epochs: 10                                         (each setting the caller passes)
//   trial,strategy,<parameter names...>,score,epochs,seconds,worker,note
//   0,bayes,...
//
// The lines starting with '#' record the search's whole configuration: a trial is worth reusing
// only in the same search, so opening a journal whose configuration differs in anything (another
// strategy, other bounds, other epochs) is an error that names the differences. A torn last line
// (a crash mid-write) is ignored, and ended with a newline before anything is appended after it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../detail/out_of_line.hpp"
#include "search.hpp"
#include "space.hpp"

namespace nndl::tune {

struct journal_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A journal's configuration: (setting, value) pairs in the order they are written.
using journal_settings = std::vector<std::pair<std::string, std::string>>;

/// The search journal: one CSV row per finished trial, appended and made durable at once, read back to resume.
class journal {
 public:
  /// Opens (creating it if needed) the journal of a search over `s` by `strategy`; `settings` are
  /// the rest of the search's configuration that decides a trial's score ({"epochs", "10"}, ...).
  /// An existing journal must have the same columns and the same configuration.
  journal(std::filesystem::path path, space s, std::string strategy, journal_settings settings = {});

  /// The CSV header: trial, strategy, the parameters' names, score, epochs, seconds, worker, note.
  std::string header() const;

  /// Appends one trial and makes it durable (write, fsync) before returning. Thread-safe.
  void append(const trial& t);

  /// The finished trials (read at opening, then appended).
  std::vector<trial> trials() const {
    std::lock_guard lock(m_);
    return trials_;
  }
  /// Whether trial `id` is in the journal.
  bool has(std::size_t id) const;
  /// The journal's file.
  const std::filesystem::path& path() const { return path_; }

  /// What a journal records of its search: strategy, space (exact bounds) and the settings.
  static journal_settings configuration(const space& s, const std::string& strategy, const journal_settings& settings);

  /// Reads a journal's trials; throws when its columns or its configuration (strategy, space,
  /// settings) differ from the given ones, naming each difference.
  static std::vector<trial> read(const std::filesystem::path& path, const space& s, const std::string& strategy,
                                 const journal_settings& settings = {});

 private:
  void append_line(const std::string& text);

  static std::string one_line(std::string v);

  /// The space with every digit of its bounds (space::spec() rounds them to 6 digits).
  static std::string exact_spec(const space& s);

  static bool ends_with_newline(const std::filesystem::path& path);

  std::filesystem::path path_;
  space s_;
  std::string strategy_;
  journal_settings settings_;
  mutable std::mutex m_;
  std::vector<trial> trials_;
};

}  // namespace nndl::tune

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "journal.ipp"
#endif
