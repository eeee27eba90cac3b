#include "agent/sync/load_sink.hpp"

#include <utility>

namespace flecto {

LoadSink::LoadSink(const TableOptions& options, LoadOutputs outputs)
    : options_(options), outputs_(std::move(outputs)) {}

void LoadSink::start(std::int64_t version) {
  version_ = version;
  // The attempt before goes first, so that two are never held at once.
  builder_.reset();
  snapshot_.reset();
  rules_ = Rules{};
  rules_.version = version;
  snapshot_error_.clear();
  builder_.emplace(options_);
  if (outputs_.state_dir.empty()) return;
  try {
    snapshot_ = std::make_unique<SnapshotWriter>(outputs_.state_dir, version, outputs_.snapshot_name);
  } catch (const SnapshotError& e) {
    snapshot_error_ = e.what();
  }
}

template <typename Write>
void LoadSink::write_snapshot_item(Write write) {
  if (!snapshot_) return;
  try {
    write(*snapshot_);
  } catch (const SnapshotError& e) {
    snapshot_error_ = e.what();
    snapshot_.reset();
  }
}

void LoadSink::add_redirect(std::string_view type, std::string_view source, std::string_view target,
                            std::string_view status) {
  builder_->add_redirect(type, source, target, status);
  write_snapshot_item([&](SnapshotWriter& w) { w.add_redirect(type, source, target, status); });
  if (outputs_.keep_rules) {
    rules_.redirects.push_back({std::string(type), std::string(source), std::string(target), std::string(status)});
  }
}

void LoadSink::add_page(std::string_view type, std::string_view path, std::string_view content,
                        std::string_view content_type) {
  builder_->add_page(type, path, content, content_type);
  write_snapshot_item([&](SnapshotWriter& w) { w.add_page(type, path, content, content_type); });
  if (outputs_.keep_rules) {
    rules_.pages.push_back({std::string(type), std::string(path), std::string(content), std::string(content_type)});
  }
}

BuildResult LoadSink::build() {
  if (!builder_) builder_.emplace(options_);  // no attempt started: an empty table
  BuildResult built = std::move(*builder_).build(version_);
  builder_.reset();
  return built;
}

}  // namespace flecto
