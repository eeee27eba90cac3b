// flecto-standin-manager: a STAND-IN for Flecto Manager, for tests and
// demos, not a manager. It serves rules files on loopback through the agent
// API (tests/standin_manager/standin_manager.hpp), one project each, until
// SIGINT or SIGTERM, and prints its URL on standard output when it is
// ready. SIGHUP re-reads every rules file and publishes it (as a real
// manager publishes a new version). --fault makes it misbehave as the
// tests make it (tests/standin_manager/fault_spec.hpp).

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/rules/rules_json.hpp"
#include "tests/standin_manager/fault_spec.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace {

// One project served from a rules file.
struct Served {
  std::string namespace_code;
  std::string project_code;
  std::string file;
  std::string token;  // "": the --token
};

// "NS/PROJECT=VALUE" -> {NS, PROJECT, VALUE}; false when it is not that.
bool split_project_value(const std::string& text, std::string* ns, std::string* project, std::string* value) {
  auto slash = text.find('/'), equals = text.find('=');
  if (slash == std::string::npos || equals == std::string::npos || slash == 0 || slash + 1 >= equals ||
      equals + 1 >= text.size()) {
    return false;
  }
  *ns = text.substr(0, slash);
  *project = text.substr(slash + 1, equals - slash - 1);
  *value = text.substr(equals + 1);
  return true;
}

// A rules file as served: a real manager never serves version 0.
flecto::Rules read_served(const std::string& file) {
  flecto::Rules rules = flecto::read_rules_file(file);
  if (rules.version == 0) rules.version = 1;
  return rules;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "flecto-standin-manager: a STAND-IN for Flecto Manager, for tests and demos only (not a manager).\n"
      "Serves rules files through the manager's agent API on a loopback address until SIGINT or\n"
      "SIGTERM, and prints its URL (what the agent's --manager-url takes) on stdout. Each file is\n"
      "one project: --rules for --namespace/--project, --project-rules for more. SIGHUP re-reads\n"
      "every file and publishes it (bump its \"version\" to show a new version; version 0 or none is\n"
      "served as 1, as a real manager starts at 1)."};
  std::string rules_file;
  std::vector<std::string> project_rules, project_tokens, fault_specs;
  std::string listen = "127.0.0.1:0";
  flecto::standin::Options options;
  options.namespace_code = "demo";
  options.project_code = "demo";
  options.token = "demo-token";
  app.add_option("--rules", rules_file,
                 "Rules file of --namespace/--project ({\"version\":N,\"redirects\":[...],\"pages\":[...]})");
  app.add_option("--project-rules", project_rules,
                 "NS/PROJECT=FILE: one more project, serving FILE (repeatable)");
  app.add_option("--project-token", project_tokens,
                 "NS/PROJECT=TOKEN: the token of a --project-rules project (default: --token; repeatable)");
  app.add_option("--fault", fault_specs,
                 "[NS/PROJECT:]ENDPOINT:SETTING[,SETTING...]: misbehave (repeatable). ENDPOINT: version,\n"
                 "redirects, pages, agents, hit, health. SETTINGs: status=N, page=html|empty,\n"
                 "body=cut|endless|truncated|malformed|wrong-type, endless-for=DURATION,\n"
                 "paging=repeat-cursor|endless-cursor|empty-pages|ignore-offset, total-delta=N,\n"
                 "version=every-request|ahead, delay=DURATION, skip=N, times=N, and last\n"
                 "message=TEXT (the JSON message of status=N). E.g. version:status=503,\n"
                 "redirects:skip=2,times=1,body=cut, shop/eu:hit:status=500,message=record not found");
  app.add_option("--listen", listen, "HOST:PORT to listen on (loopback; port 0: any free port)")->capture_default_str();
  app.add_option("--namespace", options.namespace_code, "Namespace code of --rules")->capture_default_str();
  app.add_option("--project", options.project_code, "Project code of --rules")->capture_default_str();
  app.add_option("--token", options.token, "The token agents must send as \"Bearer <token>\"")->capture_default_str();
  app.add_option("--header-authorization-name", options.header_authorization_name,
                 "Header that carries the token")->capture_default_str();
  app.add_flag("--version-as-string", options.version_as_string, "Send the version as a JSON string");
  app.add_flag("--lower-case-keys", options.lower_case_keys, "Send listing keys in lower case");
  app.add_option("--tls-cert", options.tls_cert_file, "Serve HTTPS with this certificate (PEM)");
  app.add_option("--tls-key", options.tls_key_file, "The certificate's private key (PEM)");
  app.add_flag("--no-next", [&](std::int64_t) { options.send_next = false; },
               "Never send Next cursors (like older managers)");
  app.add_flag("--no-gzip", [&](std::int64_t) { options.gzip = false; },
               "Never compress answers (like the manager itself; by default gzip when asked, like a proxy)");
  CLI11_PARSE(app, argc, argv);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "flecto-standin-manager: --listen: expected HOST:PORT\n";
    return 2;
  }
  options.host = listen.substr(0, colon);
  // A stand-in with a well-known demo token has no business off the host.
  if (options.host != "localhost" && options.host != "::1" && options.host != "[::1]" &&
      options.host.rfind("127.", 0) != 0) {
    std::cerr << "flecto-standin-manager: --listen: a loopback address only (127.0.0.1, ::1, localhost)\n";
    return 2;
  }
  if (options.host == "[::1]") options.host = "::1";
  try {
    options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::cerr << "flecto-standin-manager: --listen: bad port\n";
    return 2;
  }

  // The projects: --rules first (the default project), then --project-rules.
  std::vector<Served> served;
  if (!rules_file.empty()) served.push_back({options.namespace_code, options.project_code, rules_file, ""});
  for (const std::string& each : project_rules) {
    Served project;
    if (!split_project_value(each, &project.namespace_code, &project.project_code, &project.file)) {
      std::cerr << "flecto-standin-manager: --project-rules " << each << ": expected NS/PROJECT=FILE\n";
      return 2;
    }
    served.push_back(project);
  }
  if (served.empty()) {
    std::cerr << "flecto-standin-manager: nothing to serve: give --rules FILE or --project-rules NS/PROJECT=FILE\n";
    return 2;
  }
  for (const std::string& each : project_tokens) {
    std::string ns, project, token;
    bool found = false;
    if (split_project_value(each, &ns, &project, &token)) {
      for (Served& s : served) {
        if (s.namespace_code == ns && s.project_code == project) {
          s.token = token;
          found = true;
        }
      }
    }
    if (!found) {
      std::cerr << "flecto-standin-manager: --project-token " << each
                << ": expected NS/PROJECT=TOKEN of a --project-rules project\n";
      return 2;
    }
  }
  std::vector<flecto::standin::FaultSpec> faults;
  try {
    for (const std::string& each : fault_specs) faults.push_back(flecto::standin::parse_fault_spec(each));
  } catch (const std::invalid_argument& e) {
    std::cerr << "flecto-standin-manager: --fault: " << e.what() << "\n";
    return 2;
  }
  options.namespace_code = served.front().namespace_code;
  options.project_code = served.front().project_code;
  if (!served.front().token.empty()) options.token = served.front().token;

  std::vector<flecto::Rules> rules;
  try {
    for (const Served& s : served) rules.push_back(read_served(s.file));
  } catch (const std::exception& e) {
    std::cerr << "flecto-standin-manager: " << e.what() << "\n";
    return 2;
  }

  // Block the signals before the server's threads start, so that only
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    auto describe = [](const Served& s, const flecto::Rules& r) {
      return "version " + std::to_string(r.version) + ", " + std::to_string(r.redirects.size()) + " redirects, " +
             std::to_string(r.pages.size()) + " pages of namespace " + s.namespace_code + ", project " +
             s.project_code;
    };
    std::vector<std::string> described;
    for (std::size_t i = 0; i < served.size(); ++i) described.push_back(describe(served[i], rules[i]));
    flecto::standin::StandinManager manager(options, std::move(rules[0]));
    for (std::size_t i = 1; i < served.size(); ++i) {
      manager.add_project(served[i].namespace_code, served[i].project_code, std::move(rules[i]), served[i].token);
    }
    for (const flecto::standin::FaultSpec& f : faults) {
      if (f.namespace_code.empty()) {
        manager.set_fault(f.endpoint, f.fault);
      } else {
        manager.set_project_fault(f.namespace_code, f.project_code, f.endpoint, f.fault);
      }
    }
    std::cout << manager.url() << std::endl;
    for (const std::string& d : described) {
      std::cerr << "flecto-standin-manager (a stand-in for tests and demos): serving " << d << " at " << manager.url()
                << "\n";
    }
    for (const std::string& each : fault_specs) std::cerr << "flecto-standin-manager: fault " << each << "\n";
    for (int received = 0; sigwait(&signals, &received) == 0 && received == SIGHUP;) {
      for (const Served& s : served) {
        try {
          flecto::Rules reloaded = read_served(s.file);
          std::cerr << "flecto-standin-manager: SIGHUP: publishing " << describe(s, reloaded) << "\n";
          manager.set_rules(s.namespace_code, s.project_code, std::move(reloaded));
        } catch (const std::exception& e) {
          std::cerr << "flecto-standin-manager: SIGHUP: keeping the rules served for " << s.namespace_code << "/"
                    << s.project_code << ": " << e.what() << "\n";
        }
      }
    }
    manager.stop();
  } catch (const std::exception& e) {
    std::cerr << "flecto-standin-manager: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
