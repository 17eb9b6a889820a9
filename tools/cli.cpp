// cli.hpp's interface on CLI11, compiled once for every program (library nndl_cli).
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>

namespace cli {

option* option::capture_default_str() {
  o_->capture_default_str();
  return this;
}

option* option::check(const validator& v) {
  switch (v.what) {
    case validator::kind::int_range:  // CLI11 names the type in the help: INT, UINT or FLOAT
      o_->check(CLI::Range(int(v.low), int(v.high)));
      break;
    case validator::kind::size_range:
      o_->check(CLI::Range(std::size_t(v.low), std::size_t(v.high)));
      break;
    case validator::kind::real_range:
      o_->check(CLI::Range(v.low, v.high));
      break;
    case validator::kind::member:
      o_->check(CLI::IsMember(v.members));
      break;
    case validator::kind::positive:
      o_->check(CLI::PositiveNumber);
      break;
    case validator::kind::existing_file:
      o_->check(CLI::ExistingFile);
      break;
  }
  return this;
}

option* option::required() {
  o_->required();
  return this;
}

option* option::description(const std::string& text) {
  o_->description(text);
  return this;
}

option* option::delimiter(char c) {
  o_->delimiter(c);
  return this;
}

app::app(const std::string& description) : app_(std::make_unique<CLI::App>(description)) {}
app::~app() = default;

option* app::keep(CLI::Option* o) {
  options_.push_back(std::make_unique<option>(o));
  return options_.back().get();
}

template <class T>
option* app::add_option(const std::string& name, T& value, const std::string& description) {
  return keep(app_->add_option(name, value, description));
}

option* app::add_flag(const std::string& name, bool& value, const std::string& description) {
  return keep(app_->add_flag(name, value, description));
}

option* app::get_option(const std::string& name) {
  CLI::Option* o = app_->get_option_no_throw(name);
  if (!o) return nullptr;
  for (const auto& kept : options_)
    if (kept->get() == o) return kept.get();
  return keep(o);
}

void app::remove_option(option* o) {
  if (o) app_->remove_option(o->get());
}

std::size_t app::count(const std::string& name) const { return app_->count(name); }

void app::parse_complete_callback(std::function<void()> f) { app_->parse_complete_callback(std::move(f)); }

int app::parse(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app_->exit(e) == 0 ? 0 : 2;
  }
  return -1;
}

template option* app::add_option(const std::string&, std::size_t&, const std::string&);
template option* app::add_option(const std::string&, int&, const std::string&);
template option* app::add_option(const std::string&, unsigned&, const std::string&);
template option* app::add_option(const std::string&, std::uint16_t&, const std::string&);
template option* app::add_option(const std::string&, double&, const std::string&);
template option* app::add_option(const std::string&, float&, const std::string&);
template option* app::add_option(const std::string&, std::string&, const std::string&);
template option* app::add_option(const std::string&, std::vector<std::string>&, const std::string&);
template option* app::add_option(const std::string&, std::vector<std::size_t>&, const std::string&);
template option* app::add_option(const std::string&, std::vector<double>&, const std::string&);
template option* app::add_option(const std::string&, std::optional<std::string>&, const std::string&);

}  // namespace cli
