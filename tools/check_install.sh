#!/usr/bin/env bash
# Proves both ways of consuming hardstack work:
#  1. install the build tree to a scratch prefix, then build examples/ on their own with
#     find_package(hardstack) against it, and run the result;
#  2. a scratch project that add_subdirectory()s the source tree and links hardstack::core.
# usage: tools/check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
gen=(-G Ninja -DCMAKE_CXX_COMPILER="${CXX:-g++}")

cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
test -f "$scratch/prefix/include/hardstack/wire/ipv4.hpp" || test -f "$scratch/prefix/include/hardstack/wire/ethernet.hpp"
cmake -S "$src/examples" -B "$scratch/examples" "${gen[@]}" -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/examples" >/dev/null
out=$("$scratch/examples/frame_info" "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000202" || true)
echo "installed tree: $out"
grep -q "who has 192.0.2.2? tell 192.0.2.1" <<<"$out"

mkdir -p "$scratch/consumer"
cat >"$scratch/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES CXX)
add_subdirectory("$src" hardstack)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE hardstack::core)
CMAKE
cat >"$scratch/consumer/main.cpp" <<'CPP'
#include <hardstack/wire/checksum.hpp>
#include <array>
int main() {
  constexpr std::array<std::byte, 2> two{std::byte{0x12}, std::byte{0x34}};
  return hardstack::wire::internet_checksum(two) == 0xedcb ? 0 : 1;
}
CPP
cmake -S "$scratch/consumer" -B "$scratch/consumer/build" "${gen[@]}" >/dev/null
cmake --build "$scratch/consumer/build" >/dev/null
"$scratch/consumer/build/consumer"
# add_subdirectory must not drag the project's tests, fuzzers or tools into the consumer.
if [ -e "$scratch/consumer/build/hardstack/unit_wire_checksum_test" ]; then
  echo "add_subdirectory built hardstack's tests" >&2
  exit 1
fi
echo "add_subdirectory consumer: ok"
