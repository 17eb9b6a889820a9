// The command line of every nndl program (tools and examples): the part of CLI11 they use, behind a
// small interface that cli.cpp implements once for all of them (CLI11 is header-only, and every
// program that included it compiled all of its parser and help formatter again).
//
// --help prints the help and exits 0; a bad command line prints CLI11's message and exits 2, the
// status of bad input (CLI11's own codes, 105-115, would mean nothing to a script).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cli {

/// A check of an option's value (CLI11's validators of the same names).
struct validator {
  enum class kind { int_range, size_range, real_range, member, positive, existing_file } what;
  double low = 0, high = 0;  ///< a range's bounds (whole numbers up to 2^53 are exact)
  std::vector<std::string> members{};
};
inline validator range(int low, int high) {
  return {.what = validator::kind::int_range, .low = 1.0 * low, .high = 1.0 * high};
}
inline validator range(std::size_t low, std::size_t high) {
  return {.what = validator::kind::size_range, .low = double(low), .high = double(high)};
}
inline validator range(double low, double high) {
  return {.what = validator::kind::real_range, .low = low, .high = high};
}
inline validator is_member(std::vector<std::string> members) {
  return {.what = validator::kind::member, .members = std::move(members)};
}
inline const validator positive_number{.what = validator::kind::positive};
inline const validator existing_file{.what = validator::kind::existing_file};

/// One option of an app; the calls chain as CLI11's do.
class option {
 public:
  explicit option(CLI::Option* o) : o_(o) {}
  option* capture_default_str();
  option* check(const validator& v);
  option* required();
  option* description(const std::string& text);
  option* delimiter(char c);  ///< a list option's values may also come as one word: 1,2,3
  CLI::Option* get() const { return o_; }

 private:
  CLI::Option* o_;
};

/// A program's command line.
class app {
 public:
  explicit app(const std::string& description);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  /// An option that sets `value` (std::size_t, int, unsigned, std::uint16_t, std::uint64_t, double,
  /// float, std::string and std::vector of std::string, std::size_t or double).
  template <class T>
  option* add_option(const std::string& name, T& value, const std::string& description = "");
  /// A flag; "!--no-x" sets `value` to false when given.
  option* add_flag(const std::string& name, bool& value, const std::string& description = "");
  /// The option of that name (added earlier), or nullptr.
  option* get_option(const std::string& name);
  void remove_option(option* o);
  /// How many times the option was given.
  std::size_t count(const std::string& name) const;
  /// Runs after the whole command line is parsed, before parse returns.
  void parse_complete_callback(std::function<void()> f);
  /// Parses: -1 when the program goes on, else the status main returns (0 after --help, 2).
  int parse(int argc, char** argv);

 private:
  std::unique_ptr<CLI::App> app_;
  std::vector<std::unique_ptr<option>> options_;
  option* keep(CLI::Option* o);
};

}  // namespace cli

/// In main(), after the options are declared: parses, or returns from main with 0 (--help) or 2.
#define NNDL_PARSE(app, argc, argv)                                                                   \
  do {                                                                                                \
    if (const int parse_status = (app).parse((argc), (argv)); parse_status >= 0) return parse_status; \
  } while (false)
