// The embedding example of docs/cpp.md, built against the installed masterpro: load a rule
// file once, then decide each candidate record of a JSON-lines file into one kept candidate and
// decision.
#include <masterpro/masterpro.hpp>

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: masterpro_consumer RULES.json CANDIDATES.jsonl\n";
        return 2;
    }
    auto rules = masterpro::rule_set::from_file(argv[1]);
    if (!rules) {
        for (const auto& problem : rules.error()) std::cerr << masterpro::format_diagnostic(problem) << '\n';
        return 1;
    }
    std::ifstream candidates(argv[2]);
    std::size_t decided = 0, refused = 0;
    // Kept from record to record: each record is read and decided into them, reusing their memory.
    masterpro::candidate who;
    masterpro::decision decision;
    for (std::string line; std::getline(candidates, line);) {
        auto done = rules->evaluate_json_into(line, who, decision);
        if (!done) {
            ++refused;
            std::cout << "refused: " << done.error().message << " at " << done.error().where.path << '\n';
            continue;
        }
        ++decided;
        std::cout << decision.candidate_id << ": " << masterpro::to_string(decision.outcome);
        if (decision.level) std::cout << ' ' << decision.qualification().levels[*decision.level].id;
        std::cout << '\n';
    }
    // The bundled examples hold five decidable candidates and one broken record.
    return decided == 5 && refused == 1 ? 0 : 1;
}
