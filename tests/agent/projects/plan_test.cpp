#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/projects/plan.hpp"
#include "agent/projects/snapshot_name.hpp"

using flecto::Config;
using flecto::HostConfig;
using flecto::plan_projects;
using flecto::ProjectPlan;
using std::chrono::seconds;

namespace {

Config root_config() {
  Config config;
  config.manager_url = "https://m.example.com";
  config.namespace_code = "acme";
  config.project_code = "";
  config.token = "root-token";
  config.header_authorization_name = "Authorization";
  config.ca_file = "/etc/ssl/root.pem";
  config.interval_check = seconds(300);
  config.listing_limits = 500;
  config.agent_name = "edge-1";
  config.state_dir = "/var/lib/flecto-agent";
  config.listen = "127.0.0.1:8081";
  return config;
}

// An entry as the loader resolves it: what it does not set is the root's.
HostConfig entry(std::vector<std::string> hosts, std::string project_code, const Config& root) {
  HostConfig host_config;
  host_config.hosts = std::move(hosts);
  host_config.manager_url = root.manager_url;
  host_config.namespace_code = root.namespace_code;
  host_config.project_code = std::move(project_code);
  host_config.token = root.token;
  host_config.header_authorization_name = root.header_authorization_name;
  host_config.ca_file = root.ca_file;
  host_config.interval_check = root.interval_check;
  host_config.listing_limits = root.listing_limits;
  return host_config;
}

std::vector<std::string> labels(const std::vector<ProjectPlan>& plans) {
  std::vector<std::string> out;
  for (const ProjectPlan& plan : plans) out.push_back(plan.label);
  return out;
}

}  // namespace

TEST_CASE("plan: without host_configs, one plan with the configuration unchanged") {
  Config config = root_config();
  config.project_code = "www";
  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 1);
  const ProjectPlan& plan = plans[0];
  CHECK(plan.is_default);
  CHECK(plan.hosts.empty());
  CHECK(plan.config.snapshot_name == "snapshot.json");
  CHECK(plan.config.manager_url == config.manager_url);
  CHECK(plan.config.namespace_code == "acme");
  CHECK(plan.config.project_code == "www");
  CHECK(plan.config.token == "root-token");
  CHECK(plan.config.listen == "127.0.0.1:8081");
  CHECK(plan.label == "acme/www");

  const flecto::HostRouter router = flecto::make_host_router(plans);
  CHECK(router.route("any.host.example") == 0u);
  CHECK(router.route("") == 0u);

  Config rules_file;
  rules_file.rules_file = "/etc/flecto-agent/rules.json";
  const std::vector<ProjectPlan> serving_a_file = plan_projects(rules_file);
  REQUIRE(serving_a_file.size() == 1);
  CHECK(serving_a_file[0].label == "default");
  CHECK(serving_a_file[0].config.rules_file == "/etc/flecto-agent/rules.json");
  CHECK(serving_a_file[0].config.snapshot_name == "snapshot.json");
}

TEST_CASE("plan: one plan per project, entries of one project merged, in order") {
  Config config = root_config();
  config.host_configs = {entry({"shop.example", "www.shop.example"}, "shop", config),
                         entry({"blog.example"}, "blog", config),
                         entry({"*.shop.example", "Shop.example."}, "shop", config)};
  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 2);
  CHECK(labels(plans) == std::vector<std::string>{"acme/shop", "acme/blog"});
  // "Shop.example." is "shop.example" again: kept once.
  CHECK(plans[0].hosts == std::vector<std::string>{"shop.example", "www.shop.example", "*.shop.example"});
  CHECK(plans[1].hosts == std::vector<std::string>{"blog.example"});
  CHECK_FALSE(plans[0].is_default);
  CHECK_FALSE(plans[1].is_default);
  for (const ProjectPlan& plan : plans) {
    CHECK(plan.config.host_configs.empty());
    CHECK(plan.config.snapshot_name ==
          flecto::project_snapshot_name(plan.config.manager_url, plan.config.namespace_code,
                                        plan.config.project_code));
  }
  CHECK(plans[0].config.snapshot_name != plans[1].config.snapshot_name);

  const flecto::HostRouter router = flecto::make_host_router(plans);
  CHECK(router.route("SHOP.example:443") == 0u);
  CHECK(router.route("a.shop.example") == 0u);
  CHECK(router.route("blog.example") == 1u);
  CHECK(router.route("other.example") == std::nullopt);  // no root project_code: no default
}

TEST_CASE("plan: each entry's settings are applied to the root configuration") {
  Config config = root_config();
  config.connect_timeout = seconds(7);
  config.regex_memory_mb = 64;
  HostConfig other = entry({"other.example"}, "site", config);
  other.manager_url = "https://other-manager.example";
  other.namespace_code = "beta";
  other.token = "other-token";
  other.header_authorization_name = "X-Token";
  other.ca_file = "/etc/ssl/other.pem";
  other.interval_check = seconds(30);
  other.listing_limits = 50;
  config.host_configs = {entry({"a.example"}, "a", config), other};

  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 2);
  const Config& inherited = plans[0].config;
  CHECK(inherited.manager_url == "https://m.example.com");
  CHECK(inherited.namespace_code == "acme");
  CHECK(inherited.project_code == "a");
  CHECK(inherited.token == "root-token");
  CHECK(inherited.interval_check == seconds(300));

  const Config& own = plans[1].config;
  CHECK(own.manager_url == "https://other-manager.example");
  CHECK(own.namespace_code == "beta");
  CHECK(own.project_code == "site");
  CHECK(own.token == "other-token");
  CHECK(own.header_authorization_name == "X-Token");
  CHECK(own.ca_file == "/etc/ssl/other.pem");
  CHECK(own.interval_check == seconds(30));
  CHECK(own.listing_limits == flecto::ListingLimits(50));
  // What entries do not have stays the root's.
  CHECK(own.connect_timeout == seconds(7));
  CHECK(own.regex_memory_mb == 64u);
  CHECK(own.agent_name == "edge-1");
  CHECK(own.state_dir == "/var/lib/flecto-agent");
  CHECK(own.listen == "127.0.0.1:8081");
  CHECK(own.snapshot_name == flecto::project_snapshot_name("https://other-manager.example", "beta", "site"));
  CHECK(labels(plans) == std::vector<std::string>{"acme/a", "beta/site"});
}

TEST_CASE("plan: the root project is the default, first when no entry names it") {
  Config config = root_config();
  config.project_code = "main";
  config.host_configs = {entry({"a.example"}, "a", config), entry({"b.example"}, "b", config)};
  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 3);
  CHECK(labels(plans) == std::vector<std::string>{"acme/main", "acme/a", "acme/b"});
  CHECK(plans[0].is_default);
  CHECK(plans[0].hosts.empty());
  CHECK(plans[0].config.project_code == "main");
  CHECK(plans[0].config.token == "root-token");
  CHECK(plans[0].config.host_configs.empty());
  CHECK(plans[0].config.snapshot_name == flecto::project_snapshot_name("https://m.example.com", "acme", "main"));
  CHECK_FALSE(plans[1].is_default);
  CHECK_FALSE(plans[2].is_default);

  const flecto::HostRouter router = flecto::make_host_router(plans);
  CHECK(router.route("a.example") == 1u);
  CHECK(router.route("b.example:8080") == 2u);
  CHECK(router.route("unknown.example") == 0u);
}

TEST_CASE("plan: the root project merged with an entry of its own has hosts and is the default") {
  Config config = root_config();
  config.project_code = "main";
  config.host_configs = {entry({"a.example"}, "a", config), entry({"main.example"}, "main", config),
                         entry({"www.main.example"}, "main", config)};
  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 2);
  CHECK(labels(plans) == std::vector<std::string>{"acme/a", "acme/main"});
  CHECK_FALSE(plans[0].is_default);
  CHECK(plans[1].is_default);
  CHECK(plans[1].hosts == std::vector<std::string>{"main.example", "www.main.example"});

  const flecto::HostRouter router = flecto::make_host_router(plans);
  CHECK(router.route("main.example") == 1u);
  CHECK(router.route("unknown.example") == 1u);
  CHECK(router.route("a.example") == 0u);

  // The same project code under another manager is another project.
  Config elsewhere = root_config();
  elsewhere.project_code = "main";
  HostConfig other = entry({"main.example"}, "main", elsewhere);
  other.manager_url = "https://other-manager.example";
  elsewhere.host_configs = {other};
  const std::vector<ProjectPlan> two = plan_projects(elsewhere);
  REQUIRE(two.size() == 2);
  CHECK(two[0].is_default);
  CHECK(two[0].config.manager_url == "https://m.example.com");
  CHECK_FALSE(two[1].is_default);
  CHECK(labels(two) == std::vector<std::string>{"acme/main@https://m.example.com",
                                                "acme/main@https://other-manager.example"});
  CHECK(two[0].config.snapshot_name != two[1].config.snapshot_name);
}

TEST_CASE("plan: a host claimed by two projects is refused by the router, named") {
  Config config = root_config();
  config.host_configs = {entry({"a.example"}, "a", config), entry({"A.example"}, "b", config)};
  const std::vector<ProjectPlan> plans = plan_projects(config);
  REQUIRE(plans.size() == 2);
  CHECK_THROWS_AS(flecto::make_host_router(plans), std::invalid_argument);
  CHECK_THROWS_WITH(flecto::make_host_router(plans), Catch::Contains("\"A.example\": listed twice"));
}

TEST_CASE("plan: same project and same sync settings tell a reload what to keep") {
  Config config = root_config();
  config.host_configs = {entry({"a.example"}, "a", config), entry({"b.example"}, "b", config)};
  const std::vector<ProjectPlan> before = plan_projects(config);

  CHECK(flecto::same_project(before[0], before[0]));
  CHECK_FALSE(flecto::same_project(before[0], before[1]));
  CHECK(flecto::same_sync_settings(before[0], before[0]));
  CHECK_FALSE(flecto::same_sync_settings(before[0], before[1]));

  // Hosts and the default do not count: the router changes, the sync goes on.
  Config moved = config;
  moved.host_configs[0].hosts = {"a.example", "*.a.example"};
  moved.project_code = "b";
  const std::vector<ProjectPlan> hosts_changed = plan_projects(moved);
  REQUIRE(hosts_changed.size() == 2);
  CHECK(hosts_changed[1].is_default);
  CHECK(flecto::same_sync_settings(before[0], hosts_changed[0]));
  CHECK(flecto::same_sync_settings(before[1], hosts_changed[1]));

  const auto changed = [&](auto change) {
    Config edited = config;
    change(edited.host_configs[0], edited);
    const std::vector<ProjectPlan> after = plan_projects(edited);
    return !flecto::same_sync_settings(before[0], after[0]);
  };
  CHECK(changed([](HostConfig& e, Config&) { e.token = "new-token"; }));
  CHECK(changed([](HostConfig& e, Config&) { e.interval_check = seconds(60); }));
  CHECK(changed([](HostConfig& e, Config&) { e.listing_limits = 100; }));
  CHECK(changed([](HostConfig& e, Config&) { e.header_authorization_name = "X-Token"; }));
  CHECK(changed([](HostConfig& e, Config&) { e.ca_file = "/etc/ssl/new.pem"; }));
  CHECK(changed([](HostConfig&, Config& root) { root.read_timeout = seconds(3); }));
  CHECK(changed([](HostConfig&, Config& root) { root.agent_name = "edge-2"; }));
  CHECK(changed([](HostConfig&, Config& root) { root.state_dir = "/srv/flecto"; }));
  CHECK_FALSE(changed([](HostConfig& e, Config&) { e.hosts.push_back("c.example"); }));
  CHECK_FALSE(changed([](HostConfig&, Config& root) { root.listen = "127.0.0.1:9999"; }));

  // A new manager URL is a new project, so not the same settings either.
  Config relocated = config;
  relocated.host_configs[0].manager_url = "https://new-manager.example";
  const std::vector<ProjectPlan> after = plan_projects(relocated);
  CHECK_FALSE(flecto::same_project(before[0], after[0]));
  CHECK_FALSE(flecto::same_sync_settings(before[0], after[0]));
}
