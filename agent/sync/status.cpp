#include "agent/sync/status.hpp"

namespace flecto {

std::string_view to_text(TableSource source) {
  switch (source) {
    case TableSource::kSnapshot: return "snapshot";
    case TableSource::kManager: return "manager";
    case TableSource::kRulesFile: return "rules-file";
    case TableSource::kNone: break;
  }
  return "none";
}

std::string_view to_text(SyncResult result) {
  switch (result) {
    case SyncResult::kSuccess: return "success";
    case SyncResult::kUnchanged: return "unchanged";
    case SyncResult::kError: return "error";
    case SyncResult::kRejected: return "rejected";
    case SyncResult::kNone: break;
  }
  return "none";
}

}  // namespace flecto
