// The relay's token checks, with an injected clock and upstream: what is
// cached, for how long, and what holds while the upstream cannot be asked.

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "agent/relay/relay_auth.hpp"

namespace flecto {
namespace {

using Kind = UpstreamVerdict::Kind;

struct Upstream {
  std::map<std::string, UpstreamVerdict> verdicts;  // by token; others: refused 401
  bool down = false;
  int asked = 0;
  RelayAuth::Ask ask() {
    return [this](const std::string& token) {
      ++asked;
      if (down) return UpstreamVerdict{Kind::kCannotAsk, 0};
      const auto found = verdicts.find(token);
      return found == verdicts.end() ? UpstreamVerdict{Kind::kRefused, 401} : found->second;
    };
  }
};

}  // namespace

TEST_CASE("relay auth: a good token is cached for the ttl, a wrong one refused, a refusal cached shorter",
          "[relay][relay_auth]") {
  RelayAuth::Clock::time_point now{};
  RelayAuth auth(std::chrono::seconds(60), [&] { return now; });
  Upstream upstream;
  upstream.verdicts["good"] = {Kind::kAccepted, 0};
  upstream.verdicts["other-project"] = {Kind::kRefused, 403};

  CHECK(auth.check("prod/site", "good", upstream.ask()).status == 0);
  CHECK(auth.check("prod/site", "wrong", upstream.ask()).status == 401);
  CHECK(auth.check("prod/site", "other-project", upstream.ask()).status == 403);
  CHECK(upstream.asked == 3);
  now += std::chrono::seconds(9);
  CHECK(auth.check("prod/site", "good", upstream.ask()).status == 0);
  CHECK(auth.check("prod/site", "wrong", upstream.ask()).status == 401);
  CHECK(upstream.asked == 3);  // all from the cache
  now += std::chrono::seconds(1);
  // The refusal is stale after 10 s: asked again; the success is not.
  upstream.verdicts["wrong"] = {Kind::kAccepted, 0};
  CHECK(auth.check("prod/site", "wrong", upstream.ask()).status == 0);
  CHECK(auth.check("prod/site", "good", upstream.ask()).status == 0);
  CHECK(upstream.asked == 4);
  // The same token for another project is another question.
  CHECK(auth.check("prod/other", "good", upstream.ask()).asked_upstream);
  CHECK(upstream.asked == 5);
  // An empty token is refused without asking.
  CHECK(auth.check("prod/site", "", upstream.ask()).status == 401);
  CHECK(upstream.asked == 5);
}

TEST_CASE("relay auth: a revoked token is refused once its success is stale", "[relay][relay_auth]") {
  RelayAuth::Clock::time_point now{};
  RelayAuth auth(std::chrono::seconds(30), [&] { return now; });
  Upstream upstream;
  upstream.verdicts["t"] = {Kind::kAccepted, 0};
  CHECK(auth.check("a/b", "t", upstream.ask()).status == 0);
  upstream.verdicts.erase("t");  // revoked
  now += std::chrono::seconds(29);
  CHECK(auth.check("a/b", "t", upstream.ask()).status == 0);
  now += std::chrono::seconds(1);
  const RelayAuthDecision revoked = auth.check("a/b", "t", upstream.ask());
  CHECK(revoked.status == 401);
  CHECK(revoked.asked_upstream);
  CHECK(revoked.upstream == Kind::kRefused);
}

TEST_CASE("relay auth: with the upstream down, accepted-before stays accepted and never-seen is refused",
          "[relay][relay_auth]") {
  RelayAuth::Clock::time_point now{};
  RelayAuth auth(std::chrono::seconds(60), [&] { return now; });
  Upstream upstream;
  upstream.verdicts["seen"] = {Kind::kAccepted, 0};
  CHECK(auth.check("a/b", "seen", upstream.ask()).status == 0);
  CHECK(auth.check("a/b", "refused", upstream.ask()).status == 401);
  upstream.down = true;
  now += std::chrono::minutes(10);
  const RelayAuthDecision kept = auth.check("a/b", "seen", upstream.ask());
  CHECK(kept.status == 0);
  CHECK(kept.upstream == Kind::kCannotAsk);
  CHECK(auth.check("a/b", "refused", upstream.ask()).status == 401);
  CHECK(auth.check("a/b", "never-seen", upstream.ask()).status == 503);
  CHECK(auth.check("a/b", "never-seen", upstream.ask()).status == 503);  // not cached: asked each time
  const int asked = upstream.asked;
  // While down, the kept verdict is asked again after min(ttl, 10 s), not at every request.
  CHECK(auth.check("a/b", "seen", upstream.ask()).status == 0);
  CHECK(upstream.asked == asked);
  now += std::chrono::seconds(10);
  upstream.down = false;
  upstream.verdicts.erase("seen");  // revoked while the relay could not ask
  CHECK(auth.check("a/b", "seen", upstream.ask()).status == 401);
}

TEST_CASE("relay auth: a short ttl bounds the refusal cache too, and the bearer scheme is read",
          "[relay][relay_auth]") {
  RelayAuth::Clock::time_point now{};
  RelayAuth auth(std::chrono::seconds(2), [&] { return now; });
  Upstream upstream;
  CHECK(auth.check("a/b", "x", upstream.ask()).status == 401);
  now += std::chrono::seconds(2);
  upstream.verdicts["x"] = {Kind::kAccepted, 0};
  CHECK(auth.check("a/b", "x", upstream.ask()).status == 0);
  CHECK(upstream.asked == 2);

  CHECK(RelayAuth::bearer_token("Bearer flecto_abc") == "flecto_abc");
  CHECK(RelayAuth::bearer_token("bearer  flecto_abc ") == "flecto_abc");
  CHECK(RelayAuth::bearer_token("Basic Zm9v").empty());
  CHECK(RelayAuth::bearer_token("Bearer ").empty());
  CHECK(RelayAuth::bearer_token("").empty());
}

}  // namespace flecto
