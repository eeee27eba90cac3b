// `cmake --install` of this build tree honours the prefix and DESTDIR for
// every file, and the unit it installs runs the binary and reads the
// settings of that same prefix (issue 13). The prefix is given at install
// time (`--prefix`), the hardest case: the unit is filled in then.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "install/run_command.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using flecto::test::run_command;
using flecto::test::shell_quoted;
using flecto::test::TempDir;

namespace {

// Where GNUInstallDirs puts each file for `prefix`, and the settings
// directory the unit must name.
struct ExpectedLayout {
  std::string prefix;
  std::string sysconfdir;

  std::string binary() const { return prefix + "/bin/flecto-agent"; }
  std::string config() const { return sysconfdir + "/flecto-agent/flecto-agent.toml"; }
  std::string unit() const { return prefix + "/lib/systemd/system/flecto-agent.service"; }
  std::set<std::string> files() const {
    return {binary(),
            config(),
            unit(),
            prefix + "/share/man/man8/flecto-agent.8",
            prefix + "/share/bash-completion/completions/flecto-agent",
            prefix + "/share/doc/flecto-agent/README.md",
            prefix + "/share/doc/flecto-agent/examples/flecto-agent.toml.example"};
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The whole line of `text` that starts with `key`, or "" if none does.
std::string line_starting(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key, 0) == 0) return line;
  }
  return "";
}

void install_into(const std::string& destdir, const std::string& prefix) {
  const auto result = run_command("DESTDIR=" + shell_quoted(destdir) + " " +
                                  shell_quoted(FLECTO_CMAKE_COMMAND) + " --install " +
                                  shell_quoted(FLECTO_BUILD_DIR) + " --prefix " + shell_quoted(prefix));
  INFO(result.output);
  REQUIRE(result.exit_status == 0);
}

// Every regular file below `root`, as the absolute path it stands for.
std::set<std::string> files_below(const std::string& root) {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_directory()) files.insert("/" + fs::relative(entry.path(), root).string());
  }
  return files;
}

void check_install(const ExpectedLayout& expected) {
  TempDir destdir;
  install_into(destdir.path(), expected.prefix);

  // CMake lists each file it installed (without DESTDIR): had one been
  // written outside DESTDIR, the two sets would differ.
  CHECK(files_below(destdir.path()) == expected.files());
  std::istringstream manifest(read_file(FLECTO_BUILD_DIR "/install_manifest.txt"));
  std::set<std::string> listed;
  for (std::string line; std::getline(manifest, line);) listed.insert(line);
  CHECK(listed == expected.files());

  const std::string unit = read_file(destdir / expected.unit().substr(1));
  CHECK(line_starting(unit, "ExecStart=") ==
        "ExecStart=" + expected.binary() + " --config " + expected.config());
  CHECK(line_starting(unit, "LoadCredential=") ==
        "LoadCredential=token:" + expected.sysconfdir + "/flecto-agent/token");
  CHECK(unit.find("@CMAKE_") == std::string::npos);
  CHECK(read_file(destdir / expected.config().substr(1)) ==
        read_file(FLECTO_TEST_DATA_DIR "/../../systemd/flecto-agent.toml.example"));
}

}  // namespace

// One test case, so that no two installs run at once: each writes the build
// tree's install_manifest.txt and the unit it fills in.
TEST_CASE("install: every file lands below DESTDIR and the prefix, the unit names them", "[install]") {
  SECTION("prefix /usr: settings in /etc") { check_install({"/usr", "/etc"}); }
  SECTION("prefix /opt/flecto: settings in /etc/opt/flecto") {
    check_install({"/opt/flecto", "/etc/opt/flecto"});
  }
  SECTION("another prefix: settings below it") { check_install({"/srv/flecto", "/srv/flecto/etc"}); }
  SECTION("a re-install keeps the settings an operator edited") {
    TempDir destdir;
    install_into(destdir.path(), "/usr");
    const std::string config = destdir / "etc/flecto-agent/flecto-agent.toml";
    std::ofstream(config) << "manager_url = \"https://manager.internal\"\n";
    install_into(destdir.path(), "/usr");
    CHECK(read_file(config) == "manager_url = \"https://manager.internal\"\n");
  }
}
