// A hidden benchmark ([.bench]): a full sync of 1,000,000 redirects from the
// stand-in manager on loopback, with the previous table served throughout.
// Run: build/tests/flecto-tests "[.bench]" -c "sync*"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <iostream>
#include <thread>

#include "agent/load.hpp"
#include "agent/measure_load.hpp"
#include "agent/sync_loop.hpp"
#include "sync_fakes.hpp"
#include "tests/standin_manager/standin_manager.hpp"

using namespace std::chrono_literals;

namespace {

// 90 % BASIC, 10 % BASIC_HOST, paths of about 40 bytes.
flecto::Rules million(std::int64_t version) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects.reserve(1'000'000);
  for (int i = 0; i < 1'000'000; ++i) {
    std::string path = "/news/2023/media-team-city-" + std::to_string(i) + (i % 10 == 3 ? ".html" : "");
    if (i % 10 == 9) rules.redirects.push_back({"BASIC_HOST", "shop.example.com" + path, "/to" + path, "FOUND"});
    else rules.redirects.push_back({"BASIC", path, "https://example.org" + path, "MOVED_PERMANENT"});
  }
  rules.pages.push_back({"BASIC", "/robots.txt", "User-agent: *\n", "TEXT_PLAIN"});
  return rules;
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TEST_CASE("sync bench: 1,000,000 redirects from the stand-in, the old table served throughout", "[.bench]") {
  flecto::standin::Options options;
  flecto::standin::StandinManager manager(options, flecto::testing::sample_rules(1, 10));
  flecto::testing::TempDir dir;
  flecto::Config config;
  config.manager_url = manager.url();
  config.namespace_code = options.namespace_code;
  config.project_code = options.project_code;
  config.token = options.token;
  config.agent_name = "bench";
  config.state_dir = dir.path();
  config.interval_check = 1h;
  config.page_size = 500;

  flecto::ManagerClient client(flecto::manager_settings_from(config));
  flecto::ManagerClientApi api(client);
  flecto::ServedTable served;
  flecto::SyncStatus status;
  flecto::SyncLoop loop(config, api, served, status);
  std::stop_source stop;
  auto done = std::async(std::launch::async, [&] { loop.run(stop.get_token()); });
  REQUIRE(manager.wait_for_reports(1, 60s));

  // Readers match all along; each sees version 1 or version 2, whole.
  std::atomic<bool> reading{true};
  std::atomic<std::uint64_t> reads{0}, wrong{0};
  std::atomic<std::int64_t> serving_new_ns{0};  // when a reader first saw version 2
  auto started = std::chrono::steady_clock::now();
  std::thread reader([&] {
    while (reading) {
      auto table = served.current();
      auto hit = table->match_redirect("example.com", table->version() == 1 ? "/v1/0" : "/news/2023/media-team-city-7");
      if (!hit) ++wrong;
      if (table->version() == 2 && serving_new_ns == 0) {
        serving_new_ns = (std::chrono::steady_clock::now() - started).count();
      }
      // A steady request load that leaves the sync its share of the cores.
      if (++reads % 1000 == 0) std::this_thread::sleep_for(1ms);
    }
  });

  manager.set_rules(million(2));
  started = std::chrono::steady_clock::now();
  loop.request_sync_now();
  REQUIRE(manager.wait_for_reports(2, 300s));
  auto swapped = std::chrono::steady_clock::now();
  reading = false;
  reader.join();
  stop.request_stop();
  REQUIRE(done.wait_for(60s) == std::future_status::ready);

  auto report = manager.reports()[1];
  CHECK(report.version == 2);
  CHECK(report.status == "success");
  CHECK(served.current()->stats().basic + served.current()->stats().basic_host == 1'000'000);
  CHECK(wrong == 0);
  std::cout << "sync bench: 1,000,000 redirects: load_duration " << report.load_duration / 1e9
            << " s (fetch + build), request to serving " << serving_new_ns / 1e9
            << " s, request to report " << seconds(swapped - started) << " s (after the snapshot write), "
            << reads << " matches served meanwhile\n";

  auto timings = flecto::measure_load(flecto::manager_settings_from(config), 500);
  std::cout << "sync bench: measure_load: fetch " << seconds(timings.fetch_duration) << " s, build "
            << seconds(timings.build_duration) << " s, load " << seconds(timings.load_duration) << " s\n";
}
