// flecto-standin-manager: a STAND-IN for Flecto Manager, for tests and
// demos, not a manager. It serves one rules file on loopback through the
// agent API (tests/standin_manager/standin_manager.hpp) until SIGINT or
// SIGTERM, and prints its URL on standard output when it is ready. SIGHUP
// re-reads the rules file and publishes it (as a real manager publishes a
// new version).

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/rules/rules_json.hpp"
#include "tests/standin_manager/standin_manager.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "flecto-standin-manager: a STAND-IN for Flecto Manager, for tests and demos only (not a manager).\n"
      "Serves the rules of FILE through the manager's agent API on a loopback address until\n"
      "SIGINT or SIGTERM, and prints its URL (what the agent's --manager-url takes) on stdout.\n"
      "SIGHUP re-reads FILE and publishes it (bump its \"version\" to show a new version)."};
  std::string rules_file;
  std::string listen = "127.0.0.1:0";
  flecto::standin::Options options;
  options.namespace_code = "demo";
  options.project_code = "demo";
  options.token = "demo-token";
  app.add_option("--rules", rules_file, "Rules file to serve ({\"version\":N,\"redirects\":[...],\"pages\":[...]})")
      ->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on (loopback; port 0: any free port)")->capture_default_str();
  app.add_option("--namespace", options.namespace_code, "Namespace code")->capture_default_str();
  app.add_option("--project", options.project_code, "Project code")->capture_default_str();
  app.add_option("--token", options.token, "The token agents must send as \"Bearer <token>\"")->capture_default_str();
  app.add_option("--header-authorization-name", options.header_authorization_name,
                 "Header that carries the token")->capture_default_str();
  app.add_flag("--version-as-string", options.version_as_string, "Send the version as a JSON string");
  app.add_flag("--lower-case-keys", options.lower_case_keys, "Send listing keys in lower case");
  app.add_option("--tls-cert", options.tls_cert_file, "Serve HTTPS with this certificate (PEM)");
  app.add_option("--tls-key", options.tls_key_file, "The certificate's private key (PEM)");
  app.add_flag("--no-next", [&](std::int64_t) { options.send_next = false; },
               "Never send Next cursors (like older managers)");
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

  flecto::Rules rules;
  try {
    rules = flecto::read_rules_file(rules_file);
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
    std::size_t redirects = rules.redirects.size(), pages = rules.pages.size();
    std::int64_t version = rules.version;
    flecto::standin::StandinManager manager(options, std::move(rules));
    std::cout << manager.url() << std::endl;
    std::cerr << "flecto-standin-manager (a stand-in for tests and demos): serving version " << version << ", "
              << redirects << " redirects, " << pages << " pages of namespace " << options.namespace_code
              << ", project " << options.project_code << " at " << manager.url() << "\n";
    for (int received = 0; sigwait(&signals, &received) == 0 && received == SIGHUP;) {
      try {
        flecto::Rules reloaded = flecto::read_rules_file(rules_file);
        std::cerr << "flecto-standin-manager: SIGHUP: publishing version " << reloaded.version << ", "
                  << reloaded.redirects.size() << " redirects, " << reloaded.pages.size() << " pages\n";
        manager.set_rules(std::move(reloaded));
      } catch (const std::exception& e) {
        std::cerr << "flecto-standin-manager: SIGHUP: keeping the rules served: " << e.what() << "\n";
      }
    }
    manager.stop();
  } catch (const std::exception& e) {
    std::cerr << "flecto-standin-manager: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
