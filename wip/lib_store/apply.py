import shutil
def edit(p, pairs):
    s=open(p).read()
    for old,new in pairs:
        assert old in s, (p, old[:60])
        s=s.replace(old,new,1)
    open(p,'w').write(s)
shutil.copy('wip/lib_store/lib_store.h','cluster/head/lib_store.h')
shutil.copy('wip/lib_store/lib_store.cc','cluster/head/lib_store.cc')
edit('cluster/common/private_dir.h', [("""// A fresh private directory under $TMPDIR""","""// Writes a new file (mode 0600, 0700 when `executable`): never through a link, never over a
// file already there. Throws concurry::Error naming the path.
void write_private_file(const std::string& path, const std::string& content, bool executable);

// A fresh private directory under $TMPDIR""")])
edit('cluster/common/private_dir.cc', [("""std::string make_private_temp_dir(""","""void write_private_file(const std::string& path, const std::string& content, bool executable) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  executable ? 0700 : 0600);
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw Error("cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

std::string make_private_temp_dir("""),
("#include <sys/stat.h>\n", "#include <fcntl.h>\n#include <sys/stat.h>\n")])
edit('cluster/head/job_manager.cc', [("""void write_file(const std::string& path, const std::string& content, bool executable) {
  make_dirs(path.substr(0, path.rfind('/')));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  executable ? 0700 : 0600);
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw Error("cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}""","""void write_file(const std::string& path, const std::string& content, bool executable) {
  make_dirs(path.substr(0, path.rfind('/')));
  write_private_file(path, content, executable);
}""")])
edit('cluster/head/actor_manager.cc', [("      if (!libs_.get(digest)) {", "      if (!libs_.has(digest)) {")])
shutil.copy('wip/lib_store/lib_store_test.cc','tests/unit/lib_store_test.cc')
edit('tests/unit/BUILD.bazel', [("""cc_test(
    name = "lib_loader_test",""","""cc_test(
    name = "lib_store_test",
    size = "small",
    srcs = ["lib_store_test.cc"],
    linkstatic = True,
    deps = [
        "//bazel:gtest_main",
        "//cluster",
        "//tests/support:alloc_meter",
    ],
)

cc_test(
    name = "lib_loader_test",""")])
edit('cluster/head/head_server.cc', [("""      libs_.put(request->digest(), request->name(), request->content());
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }""","""      libs_.put(request->digest(), request->name(), request->content());
    } catch (const InvalidOptionError& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());  // the head's disk failed it
    }""")])
