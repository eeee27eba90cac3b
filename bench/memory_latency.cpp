// flecto-bench latency: the time of one random, dependent memory access in
// an array of a given size, allocated the way the table allocates its large
// arrays (MappedArray: huge-page aligned, MADV_HUGEPAGE).
//
// It is the floor under an exact lookup in a large table: a lookup whose slot
// and rule are not in a CPU cache waits for memory once for the slot and once
// for the rule (bench/README.md, "Reading the figures"). The array is one
// random cycle through all its 64-byte lines, so each access depends on the
// one before it and the hardware prefetchers cannot guess the next.
//
// One JSON line per size: {"mb": M, "ns_per_access": ..., "accesses": N}
// (wall time; run it on an idle machine, or read it as an upper bound).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/commands.hpp"
#include "matcher/mapped_array.hpp"

namespace flecto::bench {
namespace {

constexpr std::size_t kLine = 64;

struct LatencyCommand {
  std::vector<std::size_t> sizes_mb{1, 4, 8, 16, 32, 100};
  std::size_t accesses = 20'000'000;
};

double ns_per_access(std::size_t mb, std::size_t accesses) {
  const std::size_t lines = mb * (std::size_t{1} << 20) / kLine;
  MappedArray<char> memory(lines * kLine);
  std::vector<std::uint32_t> order(lines);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  // Each visited line holds the offset of the next one in `order`.
  for (std::size_t i = 0; i < lines; ++i) {
    const std::uint64_t next = std::uint64_t{order[(i + 1) % lines]} * kLine;
    std::memcpy(memory.data() + std::uint64_t{order[i]} * kLine, &next, sizeof next);
  }
  std::uint64_t at = std::uint64_t{order[0]} * kLine;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < accesses; ++i) std::memcpy(&at, memory.data() + at, sizeof at);
  const std::chrono::duration<double, std::nano> spent = std::chrono::steady_clock::now() - start;
  // `at` is used, so the loop is not optimised away.
  if (at == UINT64_MAX) std::puts("");
  return spent.count() / static_cast<double>(accesses);
}

}  // namespace

void add_latency_command(CLI::App& app) {
  auto command = std::make_shared<LatencyCommand>();
  CLI::App* sub =
      app.add_subcommand("latency", "Time one random dependent memory access, per array size");
  sub->add_option("--mb", command->sizes_mb, "Array sizes in MiB")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  sub->add_option("--accesses", command->accesses, "Accesses per size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->callback([command] {
    for (std::size_t mb : command->sizes_mb) {
      std::printf("{\"mb\":%zu,\"ns_per_access\":%.1f,\"accesses\":%zu}\n", mb,
                  ns_per_access(mb, command->accesses), command->accesses);
      std::fflush(stdout);
    }
  });
}

}  // namespace flecto::bench
