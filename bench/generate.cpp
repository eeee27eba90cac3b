// flecto-bench generate: writes one of the synthetic sets (bench/rule_sets.hpp)
// as a rules file and a queries file (JSON lines, the format of
// `flecto-agent match`).

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "agent/rules/rules_json.hpp"
#include "bench/commands.hpp"
#include "bench/rule_sets.hpp"

namespace flecto::bench {
namespace {

struct GenerateCommand {
  std::string set;
  std::string rules_path;
  std::string queries_path;
  GenerateOptions options;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(path + ": cannot write");
}

std::string queries_jsonl(const std::vector<MatchQuery>& queries) {
  std::string text;
  text.reserve(queries.size() * 64);
  for (const MatchQuery& q : queries) {
    text += "{\"host\":";
    append_json_string(text, q.host);
    text += ",\"uri\":";
    append_json_string(text, q.uri);
    text += "}\n";
  }
  return text;
}

void run(const GenerateCommand& command) {
  GeneratedSet set = generate_set(command.set, command.options);
  write_file(command.rules_path, rules_to_json(set.rules));
  write_file(command.queries_path, queries_jsonl(set.queries));
  std::string line = "{\"set\":";
  append_json_string(line, command.set);
  line += ",\"redirects\":" + std::to_string(set.rules.redirects.size()) +
          ",\"pages\":" + std::to_string(set.rules.pages.size()) +
          ",\"queries\":" + std::to_string(set.queries.size()) +
          ",\"hit_percent\":" + std::to_string(command.options.hit_percent) + ",\"rules_file\":";
  append_json_string(line, command.rules_path);
  line += ",\"queries_file\":";
  append_json_string(line, command.queries_path);
  line += "}";
  std::cout << line << std::endl;
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto command = std::make_shared<GenerateCommand>();
  CLI::App* sub = app.add_subcommand("generate", "Write a synthetic rule set and its queries");
  sub->add_option("SET", command->set, "The set to write")->required()->check(CLI::IsMember(set_names()));
  sub->add_option("--out-rules", command->rules_path, "Rules file to write")->required();
  sub->add_option("--out-queries", command->queries_path, "Queries file to write (JSON lines)")->required();
  sub->add_option("--seed", command->options.seed, "Seed of the generator")->capture_default_str();
  sub->add_option("--queries", command->options.query_count, "Number of queries")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--hit-percent", command->options.hit_percent, "Percent of the queries that match a rule")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  sub->callback([command] { run(*command); });
}

}  // namespace flecto::bench
