"""concurry_worker_lib: a shared library of worker classes for cluster nodes to load."""

def concurry_worker_lib(name, srcs, deps = [], **kwargs):
    """Builds `lib<name>.so` from `srcs` against the concurry headers only.

    The library's undefined concurry symbols bind to the loading process (concurry-node exports
    its own), so classes it registers land in the node's registry. Ship it with
    concurry::connect({.worker_libs = {...}}) or preload it with concurry-node --worker-lib.
    """
    native.cc_binary(
        name = "lib" + name + ".so",
        srcs = srcs,
        linkshared = True,
        deps = ["//core:worker_api"] + deps,
        **kwargs
    )
