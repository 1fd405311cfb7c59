// Uses the installed masterpro: renders a diagnostic and checks it against the documented form.
#include <masterpro/error.hpp>

#include <iostream>
#include <string>

int main() {
    masterpro::error e;
    e.message = "m";
    e.where.file = "x.json";
    e.where.line = 3;
    e.where.column = 7;
    e.where.pointer = "/a";
    const std::string expected = "x.json:3:7: error: m [/a]";
    const std::string got = masterpro::format_diagnostic(e);
    if (got != expected) {
        std::cerr << "format_diagnostic gave '" << got << "', expected '" << expected << "'\n";
        return 1;
    }
    std::cout << got << '\n';
    return 0;
}
