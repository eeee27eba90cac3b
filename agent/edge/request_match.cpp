#include "agent/edge/request_match.hpp"

#include "agent/edge/redirect_location.hpp"

namespace flecto {

namespace {

// Step 1 (or 2) of match_request on one uri; true when it found anything.
bool look_up(const Table& table, std::string_view host, std::string_view uri, PageLookup pages,
             RequestMatch& match) {
  match.redirect = table.match_redirect(host, uri);
  if (!match.redirect || pages == PageLookup::kAlways) match.page = table.match_page(host, uri);
  return match.redirect || match.page;
}

}  // namespace

RequestMatch match_request(const Table& table, std::string_view host, std::string_view target,
                           const QueryOptions& options, PageLookup pages) {
  RequestMatch match;
  if (look_up(table, host, target, pages, match) || !options.fallback) return match;
  const auto question = target.find('?');
  if (question == std::string_view::npos) return match;
  if (look_up(table, host, target.substr(0, question), pages, match)) {
    match.by_path = true;
    if (options.preserve) match.query = target.substr(question + 1);
  }
  return match;
}

std::string request_location(const RequestMatch& match, std::string_view target) {
  std::string location = redirect_location(match.redirect->target, target);
  if (!match.query.empty()) location = with_query(std::move(location), match.query);
  return location;
}

}  // namespace flecto
