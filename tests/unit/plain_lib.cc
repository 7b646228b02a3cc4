// A shared library with no dependencies, for lib_loader_test: loading it is observable through
// the symbol below.
extern "C" int concurry_plain_lib_marker() { return 42; }
