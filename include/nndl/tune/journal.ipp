// The bodies of journal.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of journal.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::tune {

NNDL_OUT_OF_LINE journal::journal(std::filesystem::path path, space s, std::string strategy, journal_settings settings)
    : path_(std::move(path)), s_(std::move(s)), strategy_(std::move(strategy)), settings_(std::move(settings)) {
  if (std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0) {
    trials_ = read(path_, s_, strategy_, settings_);
    if (!ends_with_newline(path_)) append_line("");  // end a torn last line: the next trial starts on its own
  } else {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    std::string top;
    for (const auto& [key, value] : configuration(s_, strategy_, settings_)) top += "# " + key + ": " + value + "\n";
    append_line("# nndl search journal\n" + top + header());
  }
}

NNDL_OUT_OF_LINE std::string journal::header() const {
  std::string h = "trial,strategy";
  for (const auto& p : s_.parameters()) h += "," + p.name;
  return h + ",score,epochs,seconds,worker,note";
}

NNDL_OUT_OF_LINE void journal::append(const trial& t) {
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

NNDL_OUT_OF_LINE bool journal::has(std::size_t id) const {
  std::lock_guard lock(m_);
  for (const auto& t : trials_)
    if (t.id == id) return true;
  return false;
}

NNDL_OUT_OF_LINE journal_settings journal::configuration(const space& s, const std::string& strategy,
                                                         const journal_settings& settings) {
  journal_settings c{{"strategy", strategy}, {"space", exact_spec(s)}};
  for (const auto& [key, value] : settings) c.emplace_back(one_line(key), one_line(value));
  return c;
}

NNDL_OUT_OF_LINE std::vector<trial> journal::read(const std::filesystem::path& path, const space& s,
                                                  const std::string& strategy, const journal_settings& settings) {
  std::ifstream f(path);
  if (!f) throw journal_error("nndl: cannot read the journal " + path.string());
  std::string line;
  journal_settings recorded;
  bool marked = false;
  while (std::getline(f, line) && line.rfind("#", 0) == 0) {
    if (line == "# nndl search journal") marked = true;
    const auto colon = line.find(": ");
    if (colon != std::string::npos) recorded.emplace_back(line.substr(2, colon - 2), line.substr(colon + 2));
  }
  const auto expected = configuration(s, strategy, settings);
  if (!marked)
    throw journal_error("nndl: the journal " + path.string() +
                        " does not record its search's configuration (it was written by an older nndl), so its "
                        "trials cannot be told to belong to this search; use another journal or remove it");
  std::string diff;
  auto value_in = [](const journal_settings& c, const std::string& key) -> const std::string* {
    for (const auto& [k, v] : c)
      if (k == key) return &v;
    return nullptr;
  };
  for (const auto& [key, value] : expected) {
    const std::string* there = value_in(recorded, key);
    if (!there)
      diff += "; " + key + " is not recorded there, " + value + " here";
    else if (*there != value)
      diff += "; " + key + " is " + *there + " there, " + value + " here";
  }
  for (const auto& [key, value] : recorded)
    if (!value_in(expected, key)) diff += "; " + key + " is " + value + " there, not set here";
  if (!diff.empty())
    throw journal_error("nndl: the journal " + path.string() + " is of another search (" + diff.substr(2) +
                        "); use another journal or remove it");
  const std::size_t cols = 2 + s.size() + 5;
  const auto head = detail::split(line, ',');
  bool ok = head.size() == cols && head[0] == "trial";
  for (std::size_t i = 0; ok && i < s.size(); ++i) ok = head[2 + i] == s[i].name;
  if (!ok)
    throw journal_error("nndl: the journal " + path.string() + " is of another search space (header: " + line +
                        "); use another journal or remove it");
  std::vector<trial> out;
  while (std::getline(f, line)) {
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

NNDL_OUT_OF_LINE void journal::append_line(const std::string& text) {
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

NNDL_OUT_OF_LINE std::string journal::one_line(std::string v) {
  for (char& c : v)
    if (c == '\n' || c == '\r') c = ' ';
  return v;
}

NNDL_OUT_OF_LINE std::string journal::exact_spec(const space& s) {
  auto num = [](double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return std::string(b);
  };
  std::string out;
  for (const auto& p : s.parameters()) {
    out += (out.empty() ? "" : ",") + p.name + "=";
    if (p.is_choice()) {
      for (std::size_t i = 0; i < p.choices.size(); ++i) out += (i ? "|" : "") + num(p.choices[i]);
    } else {
      out += num(p.lo) + ":" + num(p.hi) + (p.sc == scale::log ? ":log" : "") + (p.integer ? ":int" : "");
    }
  }
  return out;
}

NNDL_OUT_OF_LINE bool journal::ends_with_newline(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(-1, std::ios::end);
  char c = 0;
  return f.get(c) && c == '\n';
}

}  // namespace nndl::tune
