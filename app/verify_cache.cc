#include "app/verify_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/shard.h"
#include "model/io/loader.h"
#include "model/sha256.h"

namespace meshsim {

namespace fs = std::filesystem;

namespace {

constexpr int kCacheFormat = 1;
// An entry is one chunk's results: far below this unless damaged.
constexpr uintmax_t kMaxEntryBytes = uintmax_t{256} << 20;

// meshsim's own executable: two builds of one version may encode alike
// configurations differently, and must not share answers.
std::optional<std::string> ExecutableDigest() {
  static const std::optional<std::string> digest =
      []() -> std::optional<std::string> {
    std::ifstream in("/proc/self/exe", std::ios::binary);
    if (!in) return std::nullopt;
    Sha256 h;
    std::string buf(1 << 16, '\0');
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) ||
           in.gcount() > 0)
      h.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    return h.Hex();
  }();
  return digest;
}

std::optional<std::string> ReadEntry(const fs::path& p, std::string* why) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(p, ec);
  if (ec || st.type() == fs::file_type::not_found) return std::nullopt;
  if (st.type() != fs::file_type::regular) {
    *why = "is not a regular file";
    return std::nullopt;
  }
  const uintmax_t size = fs::file_size(p, ec);
  if (ec || size > kMaxEntryBytes) {
    *why = ec ? "cannot be read" : "is larger than any entry";
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) {
    *why = "cannot be read";
    return std::nullopt;
  }
  return s.str();
}

}  // namespace

CacheRecording::CacheRecording(bool on) : on_(on) {
  if (!on_) return;
  io::SetRecordObjects(true);
  RecordInputs();
}

CacheRecording::~CacheRecording() {
  if (!on_) return;
  io::SetRecordObjects(false);
  TakeRecordedInputs();  // a shard has taken its own already
}

void VerifyCacheLog::Count(bool reused) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(reused ? reused_ : solved_);
}

void VerifyCacheLog::Warn(const std::string& w) {
  std::lock_guard<std::mutex> lock(mu_);
  warnings_.insert(w);
}

size_t VerifyCacheLog::reused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reused_;
}

size_t VerifyCacheLog::solved() const {
  std::lock_guard<std::mutex> lock(mu_);
  return solved_;
}

void VerifyCacheLog::Report(const std::string& dir, std::ostream& err) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& w : warnings_)
    err << "meshsim: warning: " << w << "\n";
  err << "meshsim: cache " << dir << ": " << reused_ << " of "
      << reused_ + solved_ << " chunks reused, " << solved_ << " solved\n";
}

std::unique_ptr<VerifyCache> VerifyCache::Open(
    const CacheSettings& settings, const Scenario& sc,
    const std::map<std::string, std::string>& inputs, std::string* error) {
  const std::string& dir = settings.dir;
  const std::string& version = settings.version;
  if (!io::RecordingObjects() || inputs.empty() || !settings.log) {
    *error = "--cache: the scenario was loaded without recording its inputs";
    return nullptr;
  }
  const std::optional<std::string> exe = ExecutableDigest();
  if (!exe) {
    *error =
        "--cache: meshsim cannot read its own executable "
        "(/proc/self/exe) to key the cache";
    return nullptr;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    *error = "--cache " + dir + ": cannot make the folder";
    return nullptr;
  }
  std::unique_ptr<VerifyCache> cache(new VerifyCache());
  cache->dir_ = dir;
  cache->version_ = version;
  cache->log_ = settings.log;
  // §8.1: a slice's encoding reads security policies only by namespace;
  // everything else is the configuration every chunk depends on.
  Sha256 config;
  config.Field("meshsim verify cache " + std::to_string(kCacheFormat));
  config.Field(version);
  config.Field(*exe);
  std::set<std::string> manifests;
  for (const Cluster& c : sc.mesh.clusters)
    manifests.insert(c.manifest_files.begin(), c.manifest_files.end());
  for (const auto& [path, sha] : inputs) {
    if (manifests.count(path)) continue;  // as objects, below
    config.Field(path);
    config.Field(sha);
  }
  std::map<std::string, Sha256> policies;
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    config.Field("cluster " + std::to_string(ci) + " " + c.name);
    for (const ObjectRecord& r : c.records) {
      if (!r.policy) {
        config.Field(r.sha);
        continue;
      }
      Sha256& h = policies[r.policy_ns];
      h.Field(std::to_string(ci));
      h.Field(r.sha);
    }
  }
  cache->config_ = config.Hex();
  for (auto& [ns, h] : policies) cache->policies_[ns] = h.Hex();
  return cache;
}

std::string VerifyCache::PolicyDigest(const std::string& ns) const {
  auto it = policies_.find(ns);
  return it == policies_.end() ? "none" : it->second;
}

std::string VerifyCache::EntryName(const std::string& work) const {
  Sha256 h;
  h.Field(config_);
  h.Field(work);
  return h.Hex();
}

std::optional<VerifyChunk> VerifyCache::Find(const std::string& work) {
  const std::string name = EntryName(work);
  const fs::path p = fs::path(dir_) / (name + ".json");
  std::optional<VerifyChunk> found;
  std::string why;
  if (std::optional<std::string> text = ReadEntry(p, &why)) {
    try {
      const nlohmann::json j = nlohmann::json::parse(*text);
      const std::string chunk = j.at("chunk").get<std::string>();
      if (j.at("format").get<int>() != kCacheFormat ||
          j.at("meshsim").get<std::string>() != version_ ||
          j.at("entry").get<std::string>() != name) {
        why = "was written for other work or by another meshsim";
      } else if (j.at("sha256").get<std::string>() != Sha256Hex(chunk)) {
        why = "is damaged (its checksum does not match)";
      } else {
        bool current = true;
        for (const auto& [ns, digest] :
             j.at("policies").get<std::map<std::string, std::string>>())
          current = current && PolicyDigest(ns) == digest;
        // Policies changed since: stale, not wrong; solved again quietly.
        if (current) {
          found = ParseVerifyChunk(chunk);
          if (!found) why = "is damaged (not a verify chunk)";
        }
      }
    } catch (const nlohmann::json::exception&) {
      why = "is damaged (not the JSON of an entry)";
    }
  }
  if (!why.empty())
    log_->Warn("cache entry " + p.string() + " " + why +
               "; ignored, solved again");
  // A reused entry is fresh again: pruning by age (docs/verification.md)
  // removes what no recent run used.
  if (found) {
    std::error_code ec;
    fs::last_write_time(p, fs::file_time_type::clock::now(), ec);
  }
  log_->Count(found.has_value());
  return found;
}

void VerifyCache::Store(const std::string& work,
                        const std::set<std::string>& policy_namespaces,
                        const VerifyChunk& chunk) {
  const std::string name = EntryName(work);
  const std::string text = VerifyChunkJson(chunk);
  nlohmann::json j = {{"format", kCacheFormat},
                      {"meshsim", version_},
                      {"entry", name},
                      {"chunk", text},
                      {"sha256", Sha256Hex(text)}};
  nlohmann::json& deps = j["policies"] = nlohmann::json::object();
  for (const std::string& ns : policy_namespaces) deps[ns] = PolicyDigest(ns);
  // Written aside and renamed: a reader sees a whole entry or none, also
  // when jobs sharing the folder write the same entry at once.
  std::ostringstream tmp_name;
  tmp_name << "." << name << "." << getpid() << "."
           << std::hash<std::thread::id>()(std::this_thread::get_id())
           << ".tmp";
  const fs::path tmp = fs::path(dir_) / tmp_name.str();
  const fs::path dest = fs::path(dir_) / (name + ".json");
  // Created anew, never through a link: a cache folder restored from an
  // untrusted job's archive may hold a link where an entry is written.
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
  if (fd < 0) {
    log_->Warn("cannot write the cache entry " + tmp.string());
    return;
  }
  const std::string bytes = j.dump();
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done < bytes.size()) {
    std::error_code ec;
    fs::remove(tmp, ec);
    log_->Warn("cannot write the cache entry " + tmp.string());
    return;
  }
  std::error_code ec;
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    log_->Warn("cannot write the cache entry " + dest.string());
  }
}

}  // namespace meshsim
