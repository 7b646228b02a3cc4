"""cc_proto: compiles a .proto with Debian's protoc.

Produces `<name>` (messages: .pb.h/.pb.cc, linking protobuf only) and, with grpc = True, also
`<name>_grpc` (services: .grpc.pb.h/.grpc.pb.cc from grpc_cpp_plugin, linking gRPC), so that code
which only needs the messages (core/) never links gRPC.
"""

def cc_proto(name, src, grpc = False, deps = [], **kwargs):
    base = src[:-len(".proto")]
    pb = [base + ".pb.h", base + ".pb.cc"]
    grpc_outs = [base + ".grpc.pb.h", base + ".grpc.pb.cc"] if grpc else []
    cmd = "protoc --proto_path=$$(dirname $(location %s)) --cpp_out=$(@D) " % src
    if grpc:
        cmd += "--grpc_out=$(@D) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin "
    cmd += "$(location %s)" % src
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = pb + grpc_outs,
        cmd = cmd,
    )
    native.cc_library(
        name = name,
        srcs = [base + ".pb.cc"],
        hdrs = [base + ".pb.h"],
        deps = deps + ["//bazel:protobuf"],
        **kwargs
    )
    if grpc:
        native.cc_library(
            name = name + "_grpc",
            srcs = [base + ".grpc.pb.cc"],
            # .grpc.pb.h includes "<base>.pb.h" from its own directory: both sit together here.
            hdrs = [base + ".pb.h", base + ".grpc.pb.h"],
            deps = [":" + name, "//bazel:grpc"],
            **kwargs
        )
