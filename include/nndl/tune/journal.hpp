// The search journal: one CSV row per finished trial, appended, flushed and fsync'ed the moment the
// trial ends, so an interrupted search loses nothing. Resuming reads it back; the runner then skips
// the trials it holds. A torn last line (a crash mid-write) is ignored.
//   trial,strategy,<parameter names...>,score,epochs,seconds,worker,note
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
#include <vector>

#include "search.hpp"
#include "space.hpp"

namespace nndl::tune {

struct journal_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class journal {
 public:
  /// Opens (creating it with its header if needed) the journal of a search over `s` by `strategy`.
  /// An existing journal must have the same columns and strategy.
  journal(std::filesystem::path path, space s, std::string strategy)
      : path_(std::move(path)), s_(std::move(s)), strategy_(std::move(strategy)) {
    if (std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0) {
      trials_ = read(path_, s_, strategy_);
    } else {
      if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
      append_line(header());
    }
  }

  std::string header() const {
    std::string h = "trial,strategy";
    for (const auto& p : s_.parameters()) h += "," + p.name;
    return h + ",score,epochs,seconds,worker,note";
  }

  /// Appends one trial and makes it durable (write, fsync) before returning. Thread-safe.
  void append(const trial& t) {
    std::string line = std::to_string(t.id) + "," + strategy_;
    char b[64];
    for (double v : t.x) std::snprintf(b, sizeof b, ",%.17g", v), line += b;
    std::snprintf(b, sizeof b, ",%.17g,%zu,%.3f,%d,", t.score, t.epochs, t.seconds, t.worker);
    line += b;
    for (char c : t.note) line += (c == ',' || c == '\n' || c == '\r') ? ' ' : c;
    std::lock_guard lock(m_);
    append_line(line);
    trials_.push_back(t);
  }

  /// The finished trials (read at opening, then appended).
  std::vector<trial> trials() const {
    std::lock_guard lock(m_);
    return trials_;
  }
  bool has(std::size_t id) const {
    std::lock_guard lock(m_);
    for (const auto& t : trials_)
      if (t.id == id) return true;
    return false;
  }
  const std::filesystem::path& path() const { return path_; }

  /// Reads a journal's trials; throws when its columns or strategy differ from the given ones.
  static std::vector<trial> read(const std::filesystem::path& path, const space& s, const std::string& strategy) {
    std::ifstream f(path);
    if (!f) throw journal_error("nndl: cannot read the journal " + path.string());
    std::string line;
    std::getline(f, line);
    const std::size_t cols = 2 + s.size() + 5;
    const auto head = detail::split(line, ',');
    bool ok = head.size() == cols && head[0] == "trial";
    for (std::size_t i = 0; ok && i < s.size(); ++i) ok = head[2 + i] == s[i].name;
    if (!ok)
      throw journal_error("nndl: the journal " + path.string() + " is of another search space (header: " + line +
                          "); use another --journal or remove it");
    std::vector<trial> out;
    std::size_t lineno = 1;
    while (std::getline(f, line)) {
      ++lineno;
      const auto c = detail::split(line, ',');
      if (c.size() != cols) continue;  // a torn line from a crash
      try {
        trial t;
        t.id = std::stoul(c[0]);
        if (c[1] != strategy)
          throw journal_error("nndl: the journal " + path.string() + " is of strategy " + c[1] + ", not " + strategy);
        for (std::size_t i = 0; i < s.size(); ++i) t.x.push_back(std::stod(c[2 + i]));
        t.score = std::stod(c[2 + s.size()]);
        t.epochs = std::stoul(c[3 + s.size()]);
        t.seconds = std::stod(c[4 + s.size()]);
        t.worker = std::stoi(c[5 + s.size()]);
        t.note = c[6 + s.size()];
        out.push_back(std::move(t));
      } catch (const journal_error&) {
        throw;
      } catch (const std::exception&) {
        // an unreadable line (torn write) is not a finished trial
      }
    }
    return out;
  }

 private:
  void append_line(const std::string& text) {
    const std::string line = text + "\n";
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw journal_error("nndl: cannot open the journal " + path_.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw journal_error("nndl: cannot write the journal " + path_.string() + ": " + why);
      }
      done += std::size_t(n);
    }
    ::fsync(fd);
    ::close(fd);
  }

  std::filesystem::path path_;
  space s_;
  std::string strategy_;
  mutable std::mutex m_;
  std::vector<trial> trials_;
};

}  // namespace nndl::tune
