"""cc_proto: compiles a .proto with Debian's protoc (and grpc_cpp_plugin when grpc = True)."""

def cc_proto(name, src, grpc = False, deps = [], **kwargs):
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    cmd = "protoc --proto_path=$$(dirname $(location %s)) --cpp_out=$(@D) $(location %s)" % (src, src)
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        cmd = ("protoc --proto_path=$$(dirname $(location %s)) --cpp_out=$(@D) " +
               "--grpc_out=$(@D) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin $(location %s)") % (src, src)
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = outs,
        cmd = cmd,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + (["//bazel:grpc"] if grpc else ["//bazel:protobuf"]),
        **kwargs
    )
