#include "app/verify_cache.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/shard.h"
#include "app/witness.h"
#include "model/io/loader.h"
#include "model/sha256.h"
#include "model/text.h"

namespace meshsim {

namespace fs = std::filesystem;

namespace {

constexpr int kCacheFormat = 4;
// An entry is one chunk's results: far below this unless damaged.
constexpr uintmax_t kMaxEntryBytes = uintmax_t{256} << 20;

// What meshsim's code does: the bytes of its executable's loadable
// segments (code and data, from the ELF program headers; the debug
// sections a RelWithDebInfo build carries are 95 % of the file and hashing
// them cost a warm run 0.1 s), or the whole file when it is not a 64-bit
// ELF. Two builds of one version may encode alike configurations
// differently, and must not share answers.
std::optional<std::string> ExecutableDigest() {
  static const std::optional<std::string> digest =
      []() -> std::optional<std::string> {
    std::ifstream in("/proc/self/exe", std::ios::binary);
    // `n` bytes at `offset` of the executable, or nullopt.
    auto read = [&in](uint64_t offset,
                      uint64_t n) -> std::optional<std::string> {
      std::string bytes(n, '\0');
      in.clear();
      in.seekg(static_cast<std::streamoff>(offset));
      if (!in.read(bytes.data(), static_cast<std::streamsize>(n)))
        return std::nullopt;
      return bytes;
    };
    Sha256 h;
    Elf64_Ehdr eh{};
    const std::optional<std::string> head = read(0, sizeof eh);
    if (head) std::memcpy(&eh, head->data(), sizeof eh);
    std::optional<std::string> table;
    if (head && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 &&
        eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum > 0)
      table = read(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr));
    if (!table) {  // not a 64-bit ELF: the whole file
      if (!in) in.clear();
      in.seekg(0);
      std::string buf(1 << 16, '\0');
      while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) ||
             in.gcount() > 0)
        h.Update(
            std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
      if (!in.eof()) return std::nullopt;
      return h.Hex();
    }
    h.Field("elf64 loadable segments");
    for (size_t i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      std::memcpy(&ph, table->data() + i * sizeof ph, sizeof ph);
      if (ph.p_type != PT_LOAD) continue;
      const std::optional<std::string> seg = read(ph.p_offset, ph.p_filesz);
      if (!seg) return std::nullopt;  // damaged: no key, no cache
      h.Field(std::to_string(ph.p_vaddr) + " " + std::to_string(ph.p_memsz));
      h.Update(*seg);
    }
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

// The entry's digest: with MESHSIM_CACHE_KEY set, an HMAC under that key,
// which a job without the key cannot forge (an entry it wrote, or edited
// and hashed again, is then ignored); without, a SHA-256, which finds
// damage but not tampering (docs/security.md).
std::string EntryChecksum(nlohmann::json header, const std::string& chunk) {
  header.erase("sha256");
  const std::string text = header.dump() + "\n" + chunk;
  const char* key = std::getenv("MESHSIM_CACHE_KEY");
  if (key && *key) return "hmac:" + HmacSha256Hex(key, text);
  return Sha256Hex(text);
}

// An entry: a line of JSON naming it, then the chunk's own JSON (read once,
// not as a string inside JSON). The header's checksum covers the header
// without it (the policy digests the entry depends on included) and the
// chunk.
struct Entry {
  nlohmann::json header;
  std::string chunk;
};

// The entry at `p` when it is whole, of this meshsim and for `name`; else
// nullopt, with `why` set when it exists but cannot be trusted.
std::optional<Entry> ReadValidEntry(const fs::path& p, const std::string& name,
                                    const std::string& version,
                                    std::string* why) {
  std::optional<std::string> text = ReadEntry(p, why);
  if (!text) return std::nullopt;
  const size_t eol = text->find('\n');
  if (eol == std::string::npos) {
    *why = "is damaged (not an entry)";
    return std::nullopt;
  }
  try {
    Entry e{nlohmann::json::parse(std::string_view(*text).substr(0, eol)),
            text->substr(eol + 1)};
    if (e.header.at("format").get<int>() != kCacheFormat ||
        e.header.at("meshsim").get<std::string>() != version ||
        e.header.at("entry").get<std::string>() != name) {
      *why = "was written for other work or by another meshsim";
    } else if (e.header.at("sha256").get<std::string>() !=
               EntryChecksum(e.header, e.chunk)) {
      *why =
          "is damaged, or not written under this MESHSIM_CACHE_KEY (its "
          "checksum does not match)";
    } else {
      return e;
    }
  } catch (const nlohmann::json::exception&) {
    *why = "is damaged (not the JSON of an entry)";
  }
  return std::nullopt;
}

// Writes the entry of `chunk` under `header` (whose checksum and format it
// adds) as `name`.json in `dir`: aside and renamed, so a reader
// sees a whole entry or none, also when jobs sharing the folder write the
// same entry at once; created anew, never through a link (a cache folder
// restored from an untrusted job's archive may hold a link there).
void WriteEntry(const std::string& dir, const std::string& name,
                nlohmann::json header, const std::string& chunk,
                VerifyCacheLog* log) {
  std::ostringstream tmp_name;
  tmp_name << "." << name << "." << getpid() << "."
           << std::hash<std::thread::id>()(std::this_thread::get_id())
           << ".tmp";
  const fs::path tmp = fs::path(dir) / tmp_name.str();
  const fs::path dest = fs::path(dir) / (name + ".json");
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
  if (fd < 0) {
    log->Warn("cannot write the cache entry " + tmp.string());
    return;
  }
  header["format"] = kCacheFormat;
  header["sha256"] = EntryChecksum(header, chunk);
  const std::string bytes = header.dump() + "\n" + chunk;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  std::error_code ec;
  if (done < bytes.size()) {
    fs::remove(tmp, ec);
    log->Warn("cannot write the cache entry " + tmp.string());
    return;
  }
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    log->Warn("cannot write the cache entry " + dest.string());
  }
}

// Makes the cache folder and checks what every key needs; "" when fine,
// else the error.
std::string Prepare(const CacheSettings& settings,
                    const std::map<std::string, std::string>& inputs) {
  if (!io::RecordingObjects() || inputs.empty() || !settings.log)
    return "--cache: the scenario was loaded without recording its inputs";
  if (!ExecutableDigest())
    return "--cache: meshsim cannot read its own executable "
           "(/proc/self/exe) to key the cache";
  std::error_code ec;
  fs::create_directories(settings.dir, ec);
  if (ec || !fs::is_directory(settings.dir, ec))
    return "--cache " + settings.dir + ": cannot make the folder";
  return "";
}

// The input files that are not manifests of `scenarios` (those count as
// their objects), path and SHA-256, into `h`.
void AddInputs(Sha256& h, const std::vector<const Scenario*>& scenarios,
               const std::map<std::string, std::string>& inputs) {
  std::set<std::string> manifests;
  for (const Scenario* sc : scenarios)
    for (const Cluster& c : sc->mesh.clusters)
      manifests.insert(c.manifest_files.begin(), c.manifest_files.end());
  for (const auto& [path, sha] : inputs) {
    if (manifests.count(path)) continue;
    h.Field(path);
    h.Field(sha);
  }
}

// What every key of command `what` starts with: the cache format,
// meshsim's version and executable, and the input files.
Sha256 KeyBase(const std::string& what, const CacheSettings& settings,
               const std::vector<const Scenario*>& scenarios,
               const std::map<std::string, std::string>& inputs) {
  Sha256 h;
  h.Field("meshsim " + what + " cache " + std::to_string(kCacheFormat));
  h.Field(settings.version);
  h.Field(*ExecutableDigest());
  AddInputs(h, scenarios, inputs);
  return h;
}

// Moves the entry's time forward: pruning by age (docs/verification.md)
// removes what no recent run used.
void Touch(const fs::path& p) {
  std::error_code ec;
  fs::last_write_time(p, fs::file_time_type::clock::now(), ec);
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
      << Counted(reused_ + solved_, "chunk") << " reused, " << solved_
      << " solved\n";
}

std::unique_ptr<VerifyCache> VerifyCache::Open(
    const CacheSettings& settings, const Scenario& sc,
    const std::map<std::string, std::string>& inputs, std::string* error) {
  *error = Prepare(settings, inputs);
  if (!error->empty()) return nullptr;
  std::unique_ptr<VerifyCache> cache(new VerifyCache());
  cache->dir_ = settings.dir;
  cache->version_ = settings.version;
  cache->log_ = settings.log;
  // §8.1: a slice's encoding reads security policies only by namespace;
  // everything else is the configuration every chunk depends on.
  Sha256 config = KeyBase("verify", settings, {&sc}, inputs);
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

std::optional<VerifyChunk> VerifyCache::Find(const std::string& work,
                                             size_t slices) {
  const std::string name = EntryName(work);
  const fs::path p = fs::path(dir_) / (name + ".json");
  std::optional<VerifyChunk> found;
  std::string why;
  if (std::optional<Entry> e = ReadValidEntry(p, name, version_, &why)) {
    try {
      bool current = true;
      for (const auto& [ns, digest] :
           e->header.at("policies").get<std::map<std::string, std::string>>())
        current = current && PolicyDigest(ns) == digest;
      // Policies changed since: stale, not wrong; solved again quietly.
      if (current) {
        found = ParseCachedVerifyChunk(e->chunk, slices);
        if (!found) why = "is damaged (not a verify chunk)";
      }
    } catch (const nlohmann::json::exception&) {
      why = "is damaged (not the JSON of an entry)";
    }
  }
  if (!why.empty())
    log_->Warn("cache entry " + p.string() + " " + why +
               "; ignored, solved again");
  if (found) Touch(p);
  log_->Count(found.has_value());
  return found;
}

void VerifyCache::Store(const std::string& work,
                        const std::set<std::string>& policy_namespaces,
                        const VerifyChunk& chunk) {
  const std::string name = EntryName(work);
  nlohmann::json header = {{"meshsim", version_}, {"entry", name}};
  nlohmann::json& deps = header["policies"] = nlohmann::json::object();
  for (const std::string& ns : policy_namespaces) deps[ns] = PolicyDigest(ns);
  WriteEntry(dir_, name, std::move(header), CachedVerifyChunkJson(chunk), log_);
}

// ---- meshsim diff --cache ---------------------------------------------------
std::unique_ptr<DiffCache> DiffCache::Open(
    const CacheSettings& settings, const Scenario& old_sc,
    const Scenario& new_sc, const std::map<std::string, std::string>& inputs,
    std::string* error) {
  *error = Prepare(settings, inputs);
  if (!error->empty()) return nullptr;
  std::unique_ptr<DiffCache> cache(new DiffCache());
  cache->dir_ = settings.dir;
  cache->version_ = settings.version;
  cache->log_ = settings.log;
  // Every object of both versions, policies included: a chunk compares
  // request classes planned over both whole configurations.
  Sha256 config = KeyBase("diff", settings, {&old_sc, &new_sc}, inputs);
  for (const Scenario* sc : {&old_sc, &new_sc}) {
    config.Field(sc == &old_sc ? "old" : "new");
    for (size_t ci = 0; ci < sc->mesh.clusters.size(); ++ci) {
      const Cluster& c = sc->mesh.clusters[ci];
      config.Field("cluster " + std::to_string(ci) + " " + c.name);
      for (const ObjectRecord& r : c.records) config.Field(r.sha);
    }
  }
  cache->config_ = config.Hex();
  return cache;
}

std::string DiffCache::EntryName(size_t index, const DiffOptions& o) const {
  Sha256 h;
  h.Field(config_);
  h.Field("chunk " + std::to_string(index) + " of " +
          std::to_string(kDiffChunk));
  h.Field("rlimit=" + std::to_string(o.rlimit));
  h.Field("max_findings=" + std::to_string(o.max_findings));
  return h.Hex();
}

std::optional<DiffChunk> DiffCache::Find(size_t index, const DiffOptions& o) {
  const std::string name = EntryName(index, o);
  const fs::path p = fs::path(dir_) / (name + ".json");
  std::optional<DiffChunk> found;
  std::string why;
  if (std::optional<Entry> e = ReadValidEntry(p, name, version_, &why)) {
    found = ParseDiffChunk(e->chunk);
    if (!found) why = "is damaged (not a diff chunk)";
  }
  if (!why.empty())
    log_->Warn("cache entry " + p.string() + " " + why +
               "; ignored, compared again");
  if (found) {
    Touch(p);
    found->seconds = 0;  // none spent comparing it in this run
  }
  log_->Count(found.has_value());
  return found;
}

void DiffCache::Store(size_t index, const DiffOptions& o,
                      const DiffChunk& chunk) {
  if (!chunk.expired.empty()) return;  // undecided: never kept
  for (const DiffResult& d : chunk.destinations)
    if (d.result == ProofResult::kUnknown) return;
  const std::string name = EntryName(index, o);
  WriteEntry(dir_, name, {{"meshsim", version_}, {"entry", name}},
             DiffChunkJson(chunk), log_);
}

DiffResult CachedDiffResult(const Scenario& old_sc, const Scenario& new_sc,
                            const DiffOptions& options,
                            const std::set<std::string>& fail_on,
                            DiffResult common, DiffCache& cache) {
  std::vector<std::optional<DiffChunk>> chunks(DiffChunkCount(old_sc, new_sc));
  for (size_t c = 0; c < chunks.size(); ++c) chunks[c] = cache.Find(c, options);
  for (auto& [index, chunk] :
       CompareChunks(old_sc, new_sc, options,
                     [&](size_t c) { return !chunks[c].has_value(); })) {
    cache.Store(index, options, chunk);
    chunks[index] = std::move(chunk);
  }
  std::vector<DiffChunk> all;
  for (std::optional<DiffChunk>& c : chunks) {
    for (DiffResult& d : c->destinations)
      ExplainDiff(old_sc, new_sc, fail_on, d);
    all.push_back(std::move(*c));
  }
  return CombineDiff(std::move(common), all, options);
}

}  // namespace meshsim
