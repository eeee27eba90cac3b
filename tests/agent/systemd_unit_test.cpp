// The unit file passes `systemd-analyze verify` and rates at most 2.0 with
// `systemd-analyze security` (issue 4, "systemd"). The unit is checked as a
// copy of its template (systemd/flecto-agent.service.in) whose ExecStart
// names the binary just built, since /usr/bin/flecto-agent exists only after
// `cmake --install`.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string output;
};

Run run(const std::string& command) {
  Run r{-1, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.output.append(buf, n);
  r.status = ::pclose(pipe);
  return r;
}

fs::path unit_copy() {
  std::ifstream in(FLECTO_TEST_DATA_DIR "/../../systemd/flecto-agent.service.in");
  std::stringstream text;
  text << in.rdbuf();
  std::string unit = text.str();
  // The paths `cmake --install` fills in: the settings as with the prefix
  // /usr, the binary this build made.
  const std::string installed = "ExecStart=@CMAKE_INSTALL_FULL_BINDIR@/flecto-agent ";
  const auto at = unit.find(installed);
  REQUIRE(at != std::string::npos);
  unit.replace(at, installed.size(), std::string("ExecStart=") + FLECTO_AGENT_BINARY + " ");
  const std::string sysconfdir = "@CMAKE_INSTALL_FULL_SYSCONFDIR@";
  for (auto pos = unit.find(sysconfdir); pos != std::string::npos; pos = unit.find(sysconfdir, pos)) {
    unit.replace(pos, sysconfdir.size(), "/etc");
  }
  REQUIRE(unit.find("@CMAKE_") == std::string::npos);
  char dir[] = "/tmp/flecto-unit-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const fs::path path = fs::path(dir) / "flecto-agent.service";
  std::ofstream(path) << unit;
  return path;
}

}  // namespace

TEST_CASE("systemd unit: verify finds nothing and security rates it at most 2.0", "[systemd]") {
  const fs::path unit = unit_copy();
  const Run verify = run("systemd-analyze verify " + unit.string());
  INFO(verify.output);
  CHECK(verify.status == 0);
  CHECK(verify.output.empty());
  const Run security = run("systemd-analyze security --offline=true --threshold=20 " + unit.string());
  INFO(security.output);
  CHECK(security.status == 0);
  CHECK(security.output.find("Overall exposure level for flecto-agent.service") != std::string::npos);
  fs::remove_all(unit.parent_path());
}
