#include "agent/relay/relay_auth.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "agent/text/ascii.hpp"

namespace flecto {
namespace {

std::string digest_of(std::string_view scope, const std::string& token) {
  std::string input(scope);
  input += '\0';
  input += token;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

RelayAuth::RelayAuth(std::chrono::milliseconds ttl, std::function<Clock::time_point()> now)
    : ttl_(ttl), refusal_ttl_(std::min(ttl, kMaxRefusalCache)), now_(std::move(now)) {}

std::string RelayAuth::bearer_token(std::string_view header_value) {
  constexpr std::string_view kScheme = "bearer ";
  if (header_value.size() <= kScheme.size() || !ascii_iequals(header_value.substr(0, kScheme.size()), kScheme)) return {};
  std::string_view token = header_value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return std::string(token);
}

RelayAuthDecision RelayAuth::check(std::string_view scope, const std::string& token, const Ask& ask) {
  RelayAuthDecision decision;
  if (token.empty()) {
    decision.status = 401;
    return decision;
  }
  const std::string key = digest_of(scope, token);
  {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(key);
    if (found != entries_.end() && now_() < found->second.fresh_until) {
      decision.status = found->second.accepted ? 0 : found->second.refused_status;
      return decision;
    }
  }
  const UpstreamVerdict verdict = ask(token);
  decision.asked_upstream = true;
  decision.upstream = verdict.kind;
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) {
    // Forget what is stale and was not accepted first; then everything stale.
    std::erase_if(entries_, [&](const auto& e) { return !e.second.accepted && e.second.fresh_until <= now; });
    if (entries_.size() >= kMaxEntries) std::erase_if(entries_, [&](const auto& e) { return e.second.fresh_until <= now; });
  }
  const auto found = entries_.find(key);
  switch (verdict.kind) {
    case UpstreamVerdict::Kind::kAccepted:
      entries_[key] = Entry{true, 0, now + ttl_};
      decision.status = 0;
      break;
    case UpstreamVerdict::Kind::kRefused: {
      const int status = verdict.http_status == 403 ? 403 : 401;
      entries_[key] = Entry{false, status, now + refusal_ttl_};
      decision.status = status;
      break;
    }
    case UpstreamVerdict::Kind::kCannotAsk:
      if (found == entries_.end()) {
        decision.status = 503;  // never checked: not cached, asked again next time
      } else {
        // Its last answered verdict stands, until the upstream is asked again soon.
        found->second.fresh_until = now + refusal_ttl_;
        decision.status = found->second.accepted ? 0 : found->second.refused_status;
      }
      break;
  }
  return decision;
}

}  // namespace flecto
