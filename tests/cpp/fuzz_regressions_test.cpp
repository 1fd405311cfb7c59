// Every input a fuzzer crashed on (fuzz/regressions/) and every hand-made seed (fuzz/seeds/),
// replayed through the fuzzed entry points, so that the normal test suite keeps them fixed.
#include "fuzz_entry.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

namespace mt = masterpro::testing;
namespace fs = std::filesystem;

namespace {

/// `<target>/<file>` of the reproducers fuzz/regressions/open.txt lists as not fixed yet.
std::set<std::string> still_open() {
    std::set<std::string> open;
    const auto list = mt::source_dir() / "fuzz" / "regressions" / "open.txt";
    if (!fs::exists(list))
        return open;
    std::istringstream in(mt::read_text(list));
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#')
            continue;
        open.insert(line.substr(0, line.find_first_of(" \t")));
    }
    return open;
}

std::vector<fs::path> kept_inputs(const std::string& target) {
    const auto open = still_open();
    std::vector<fs::path> files;
    for (const char* kind : {"seeds", "regressions"}) {
        const auto folder = mt::source_dir() / "fuzz" / kind / target;
        if (!fs::is_directory(folder))
            continue;
        for (const auto& entry : fs::directory_iterator(folder))
            if (entry.is_regular_file() &&
                !open.count(target + "/" + entry.path().filename().string()))
                files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void replay(const std::string& target, const std::function<std::string(std::string_view)>& entry) {
    const auto files = kept_inputs(target);
    REQUIRE_MESSAGE(!files.empty(), "no kept inputs for " << target);
    for (const auto& file : files) {
        INFO(file.string());
        const std::string finding = entry(mt::read_text(file));
        CHECK_MESSAGE(finding.empty(), finding);
    }
}

} // namespace

TEST_CASE("fuzz regressions: kept rule files load or are refused with valid diagnostics") {
    replay("rules", masterpro::fuzz::rules_input);
}

TEST_CASE("fuzz regressions: kept expressions compile or are refused with valid diagnostics") {
    replay("expression", masterpro::fuzz::expression_input);
}

TEST_CASE("fuzz regressions: kept candidate records are decided or refused with valid errors") {
    replay("candidate", masterpro::fuzz::candidate_input);
}

TEST_CASE("fuzz regressions: every reproducer listed as open exists") {
    for (const auto& entry : still_open()) {
        CHECK_MESSAGE(fs::exists(mt::source_dir() / "fuzz" / "regressions" / entry), entry);
        MESSAGE("open fuzz finding, not replayed until fixed: fuzz/regressions/" << entry);
    }
}
