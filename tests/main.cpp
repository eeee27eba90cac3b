// The Catch2 main of flecto-tests; test cases live in the *_test.cpp files.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

int main(int argc, char* argv[]) {
  // spdlog makes its registry and default logger on first use. The agent
  // logs before it starts a thread (the daemon sets logging up first); a
  // test may start several sync threads at once instead, and their first
  // uses would then race inside the uninstrumented libspdlog, which
  // ThreadSanitizer reports. Made here, before any test.
  spdlog::default_logger();
  return Catch::Session().run(argc, argv);
}
