// The embedding example of docs/cpp.md, built against the installed masterpro: load a rule
// file once, then decide each candidate record of a JSON-lines file.
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
    for (std::string line; std::getline(candidates, line);) {
        auto decision = rules->evaluate_json(line);
        if (!decision) {
            ++refused;
            std::cout << "refused: " << decision.error().message << " at " << decision.error().where.path << '\n';
            continue;
        }
        ++decided;
        std::cout << decision->candidate_id << ": " << masterpro::to_string(decision->outcome);
        if (decision->level) std::cout << ' ' << decision->qualification().levels[*decision->level].id;
        std::cout << '\n';
    }
    // The bundled examples hold five decidable candidates and one broken record.
    return decided == 5 && refused == 1 ? 0 : 1;
}
