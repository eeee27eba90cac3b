// The snapshot file name of one project of several on this host
// ([[host_configs]]): one file name under state_dir, never a path.
//
//   project_snapshot_name("https://m.example.com", "shop", "www")
//     -> "project.https%3A%2F%2Fm%2Eexample%2Ecom.shop.www.json"
//
// Each of the three parts is escaped: A-Z a-z 0-9 '_' '-' are kept, every
// other byte is written %XX (upper-case hex), '.' and '%' included. So '.'
// only separates the parts, and two different (manager_url, namespace_code,
// project_code) never give the same name. The name holds nothing but
// [A-Za-z0-9._%-], so no code can make it a path ('/'), "." or "..", or cut
// it (NUL).
//
// A name that would be longer than kMaxProjectSnapshotName bytes is instead
// "project." + the SHA-256 of the three parts (each preceded by its length)
// in lower-case hex + ".json": 77 bytes, with three dots where an escaped
// name has four, so the two forms never meet. The bound leaves room for the
// temporary files the snapshot writes next to it (<name>.tmp-XXXXXX) within
// the 255-byte limit of a file name.
//
// Every name starts with "project.", so none is or starts with the
// one-project agent's "snapshot.json" (kSnapshotFileName).
//
// A pure function: no I/O, safe from any thread. Throws std::runtime_error
// only if OpenSSL cannot compute SHA-256 (a broken installation).

#ifndef FLECTO_AGENT_PROJECTS_SNAPSHOT_NAME_HPP_
#define FLECTO_AGENT_PROJECTS_SNAPSHOT_NAME_HPP_

#include <cstddef>
#include <string>
#include <string_view>

namespace flecto {

// The longest escaped name kept as it is; longer ones are hashed.
inline constexpr std::size_t kMaxProjectSnapshotName = 200;

std::string project_snapshot_name(std::string_view manager_url, std::string_view namespace_code,
                                  std::string_view project_code);

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_SNAPSHOT_NAME_HPP_
