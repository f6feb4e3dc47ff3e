#include "reports/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <streambuf>

namespace meshsim {

namespace {

// A stream buffer over a file descriptor that remembers the first failed
// write (errno), so a full disk is an error, not a short file.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd) { setp(buf_, buf_ + sizeof buf_); }
  int error() const { return error_; }
  bool Flush() { return sync() == 0; }

 protected:
  int_type overflow(int_type c) override {
    if (!Drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Drain() ? 0 : -1; }

 private:
  bool Drain() {
    const char* p = pbase();
    while (p < pptr() && error_ == 0) {
      const ssize_t n = ::write(fd_, p, static_cast<size_t>(pptr() - p));
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
      } else {
        p += n;
      }
    }
    setp(buf_, buf_ + sizeof buf_);
    return error_ == 0;
  }

  int fd_;
  int error_ = 0;
  char buf_[1 << 16];
};

std::string Cause(int err) { return std::strerror(err); }

// Writes everything through `fd`; false with `error` on any failure. Closes
// `fd`.
bool WriteAll(int fd, const std::string& path,
              const std::function<void(std::ostream&)>& write,
              std::string* error) {
  FdBuf buf(fd);
  std::ostream out(&buf);
  write(out);
  out.flush();
  int err = buf.error();
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && !out) err = EIO;
  if (err != 0) *error = "cannot write '" + path + "': " + Cause(err);
  return err == 0;
}

// The process's own standard output or error named as a file ("-",
// /dev/stdout, /dev/fd/1, /proc/self/fd/1; the same for 2): its descriptor,
// else -1. Written through it, so a redirection to a file, a pipe or a
// terminal all work and the name itself is never replaced.
int StandardDescriptor(const std::string& path) {
  if (path == "-" || path == "/dev/stdout" || path == "/dev/fd/1" ||
      path == "/proc/self/fd/1")
    return 1;
  if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2")
    return 2;
  return -1;
}

}  // namespace

OutputFiles::~OutputFiles() {
  if (committed_) return;
  for (const Staged& s : staged_)
    if (!s.temp.empty()) ::unlink(s.temp.c_str());
}

bool OutputFiles::Add(const std::string& path,
                      const std::function<void(std::ostream&)>& write,
                      std::string* error) {
  namespace fs = std::filesystem;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    *error = "cannot write '" + path + "': it is a directory";
    return false;
  }
  if (const int std_fd = StandardDescriptor(path); std_fd >= 0) {
    const int fd = ::dup(std_fd);
    if (fd < 0) {
      *error = "cannot write '" + path + "': " + Cause(errno);
      return false;
    }
    if (!WriteAll(fd, path, write, error)) return false;
    staged_.push_back({path, ""});
    return true;
  }
  // Nothing under /dev or /proc is created or replaced (a link there to a
  // regular file, such as another descriptor, would be).
  if ((path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0) &&
      !(::stat(path.c_str(), &st) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))) {
    *error = "cannot write '" + path +
             "': meshsim creates or replaces no file under /dev or /proc "
             "(use - or /dev/stdout for standard output)";
    return false;
  }
  // A device or FIFO the user named (/dev/null, a pipe): written
  // in place, never created. Followed even through a link, as a link to a
  // device cannot overwrite a file; a link to anything else is replaced.
  if (::stat(path.c_str(), &st) == 0 &&
      (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      *error = "cannot write '" + path + "': " + Cause(errno);
      return false;
    }
    if (!WriteAll(fd, path, write, error)) return false;
    staged_.push_back({path, ""});
    return true;
  }
  const fs::path target(path);
  const fs::path dir =
      target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp =
      (dir / ("." + target.filename().string() + ".meshsim-XXXXXX")).string();
  // mkstemp opens with O_CREAT | O_EXCL: a name that exists (a planted link
  // included) is never opened.
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    *error = "cannot write '" + path + "': " + Cause(errno);
    return false;
  }
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (!WriteAll(fd, path, write, error)) {
    ::unlink(temp.c_str());
    return false;
  }
  staged_.push_back({path, temp});
  return true;
}

bool OutputFiles::Commit(std::string* error) {
  for (size_t i = 0; i < staged_.size(); ++i) {
    const Staged& s = staged_[i];
    if (s.temp.empty()) continue;
    // rename() replaces a link at `path` itself, never what it points to.
    if (::rename(s.temp.c_str(), s.path.c_str()) != 0) {
      *error = "cannot write '" + s.path + "': " + Cause(errno);
      for (size_t j = i; j < staged_.size(); ++j)
        if (!staged_[j].temp.empty()) ::unlink(staged_[j].temp.c_str());
      committed_ = true;
      return false;
    }
  }
  committed_ = true;
  return true;
}

bool WriteOutputFile(const std::string& path,
                     const std::function<void(std::ostream&)>& write,
                     std::string* error) {
  OutputFiles out;
  return out.Add(path, write, error) && out.Commit(error);
}

}  // namespace meshsim
