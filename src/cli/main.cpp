// The masterpro command line: check rule files, evaluate candidate records into decisions.
#include "masterpro/masterpro.hpp"
#include "masterpro/batch.hpp"
#include "masterpro/jsonlogic.hpp"

#include <boost/program_options.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_invalid = 1;
constexpr int exit_usage = 2;

const char* const overview =
    "usage: masterpro <command> [options]\n"
    "\n"
    "commands:\n"
    "  check RULES...                      check rule files; print every problem (exit 1 if any)\n"
    "  evaluate RULES [CANDIDATES|-]       decide candidate records (JSON lines) into decisions\n"
    "  jsonlogic RULE [DATA|-]             apply a JsonLogic rule to JSON data (or to JSON lines)\n"
    "\n"
    "`masterpro <command> --help` describes a command's options.\n";

struct usage_error {
    std::string message;
};

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& visible,
                        const po::options_description& hidden, const po::positional_options_description& positional) {
    po::options_description all;
    all.add(visible).add(hidden);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw usage_error{e.what()};
    }
    return vm;
}

/// The bounds of masterpro/limits.hpp as options, shared by every command.
po::options_description limit_options() {
    const masterpro::limits defaults;
    po::options_description limits("limits (beyond one, a record or rule file is a `limit` error)");
    limits.add_options()(
        "max-json-depth", po::value<std::size_t>()->default_value(defaults.max_json_depth), "nesting of JSON arrays and objects")(
        "max-expression-depth", po::value<std::size_t>()->default_value(defaults.max_expression_depth),
        "depth of a compiled expression")(
        "max-items", po::value<std::size_t>()->default_value(defaults.max_items), "items in one list of a record")(
        "max-string-bytes", po::value<std::size_t>()->default_value(defaults.max_string_bytes),
        "bytes in one string of a record")(
        "max-evaluation-steps", po::value<std::uint64_t>()->default_value(defaults.max_evaluation_steps),
        "elements visited by quantifiers and list operations per record");
    return limits;
}

masterpro::limits limits_of(const po::variables_map& vm) {
    masterpro::limits bounds;
    bounds.max_json_depth = vm["max-json-depth"].as<std::size_t>();
    bounds.max_expression_depth = vm["max-expression-depth"].as<std::size_t>();
    bounds.max_items = vm["max-items"].as<std::size_t>();
    bounds.max_string_bytes = vm["max-string-bytes"].as<std::size_t>();
    bounds.max_evaluation_steps = vm["max-evaluation-steps"].as<std::uint64_t>();
    return bounds;
}

void print_previews(const std::string& file, const masterpro::rule_set& rules) {
    for (const auto& p : rules.jsonlogic_previews()) {
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        w.StartObject();
        w.Key("file");
        w.String(file.c_str());
        w.Key("pointer");
        w.String(p.pointer.c_str());
        w.Key("expression");
        w.String(p.expression.c_str());
        if (p.jsonlogic.empty()) {
            w.Key("not_expressible");
            w.String(p.not_expressible.c_str());
        } else {
            w.Key("jsonlogic");
            w.RawValue(p.jsonlogic.c_str(), p.jsonlogic.size(), rapidjson::kObjectType);
        }
        w.EndObject();
        std::cout << b.GetString() << "\n";
    }
}

int check_command(const std::vector<std::string>& args) {
    po::options_description visible("masterpro check RULES...\n\nChecks rule files and prints every problem, GCC-style "
                                    "(file:line:column: error: message [JSON pointer]).\nExit status: 0 clean, 1 problems found, 2 usage.\n\noptions");
    visible.add_options()("help,h", "show this help")(
        "jsonlogic", "also print each infix expression of clean files with its JsonLogic form (JSON lines)");
    visible.add(limit_options());
    po::options_description hidden;
    hidden.add_options()("rules", po::value<std::vector<std::string>>(), "rule files");
    po::positional_options_description positional;
    positional.add("rules", -1);
    const auto vm = parse(args, visible, hidden, positional);
    if (vm.count("help")) {
        std::cout << visible << "\n";
        return exit_ok;
    }
    if (!vm.count("rules")) throw usage_error{"check needs at least one rule file"};
    std::size_t problems = 0;
    const auto files = vm["rules"].as<std::vector<std::string>>();
    for (const auto& file : files) {
        auto rules = masterpro::rule_set::from_file(file, limits_of(vm));
        if (rules) {
            if (vm.count("jsonlogic")) print_previews(file, *rules);
            continue;
        }
        for (const auto& e : rules.error()) std::cout << masterpro::format_diagnostic(e) << "\n";
        problems += rules.error().size();
    }
    std::cerr << files.size() << (files.size() == 1 ? " file" : " files") << " checked, " << problems
              << (problems == 1 ? " problem" : " problems") << "\n";
    return problems ? exit_invalid : exit_ok;
}

struct tally {
    std::size_t records = 0;
    std::size_t errors = 0;
    std::map<std::string, std::size_t> outcomes;
};

void print_summary(const tally& t) {
    std::cerr << t.records << (t.records == 1 ? " record: " : " records: ");
    std::string parts;
    for (const auto& [name, count] : t.outcomes) parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " + name;
    parts += (parts.empty() ? "" : ", ") + std::to_string(t.errors) + (t.errors == 1 ? " error" : " errors");
    std::cerr << parts << "\n";
}

int evaluate_command(const std::vector<std::string>& args) {
    po::options_description visible(
        "masterpro evaluate RULES [CANDIDATES.jsonl|-] [options]\n\n"
        "Decides each candidate record (one JSON object per line; '-' or nothing reads standard input)\n"
        "and writes one JSON line per input line: a decision, or {\"line\": N, \"id\": ..., \"error\": {...}}.\n"
        "A summary goes to standard error. Exit status: 0 all decided, 1 some record or the rules\n"
        "were invalid, 2 usage.\n\noptions");
    visible.add_options()("help,h", "show this help")(
        "as-of", po::value<std::string>(), "decision date YYYY-MM-DD for records without as_of")(
        "explain", "add a plain-language `explanation` to each decision")(
        "format", po::value<std::string>()->default_value("json"),
        "json (one decision per line) or text (the explanations, for people)")(
        "no-reasons", "leave out `reasons` and `gaps`")(
        "threads", po::value<unsigned>()->default_value(1), "worker threads (0: one per core); output is the same");
    visible.add(limit_options());
    po::options_description hidden;
    hidden.add_options()("rules", po::value<std::string>(), "rule file")("candidates", po::value<std::string>(), "input");
    po::positional_options_description positional;
    positional.add("rules", 1).add("candidates", 1);
    const auto vm = parse(args, visible, hidden, positional);
    if (vm.count("help")) {
        std::cout << visible << "\n";
        return exit_ok;
    }
    if (!vm.count("rules")) throw usage_error{"evaluate needs a rule file"};
    const std::string format = vm["format"].as<std::string>();
    if (format != "json" && format != "text") throw usage_error{"--format must be json or text"};
    std::optional<masterpro::date> as_of;
    if (vm.count("as-of")) {
        as_of = masterpro::parse_date(vm["as-of"].as<std::string>());
        if (!as_of) throw usage_error{"--as-of must be a date YYYY-MM-DD"};
    }
    auto rules = masterpro::rule_set::from_file(vm["rules"].as<std::string>(), limits_of(vm));
    if (!rules) {
        for (const auto& e : rules.error()) std::cerr << masterpro::format_diagnostic(e) << "\n";
        return exit_invalid;
    }
    std::vector<char> read_buffer; // outlives `file`, which reads into it
    std::ifstream file;
    std::istream* in = &std::cin;
    const std::string source = vm.count("candidates") ? vm["candidates"].as<std::string>() : "-";
    if (source != "-") {
        // A read call per MB of candidates, not per 8 KB (the default): set before opening.
        read_buffer.resize(std::size_t{1} << 20);
        file.rdbuf()->pubsetbuf(read_buffer.data(), static_cast<std::streamsize>(read_buffer.size()));
        file.open(source, std::ios::binary);
        if (!file) {
            std::cerr << source << ": error: cannot open candidate file\n";
            return exit_invalid;
        }
        in = &file;
    }
    masterpro::batch_options options;
    options.json.reasons = !vm.count("no-reasons");
    options.json.explanation = vm.count("explain") != 0;
    options.text = format == "text";
    options.as_of = as_of;
    options.threads = vm["threads"].as<unsigned>();
    if (isatty(STDERR_FILENO) != 0)
        options.progress = [](std::size_t records) { std::cerr << "\r" << records << " records..." << std::flush; };
    std::ios::sync_with_stdio(false);
    const auto summary = masterpro::evaluate_lines(*rules, *in, std::cout, options);
    if (options.progress) std::cerr << "\r";
    tally t{summary.records, summary.errors, summary.outcomes};
    print_summary(t);
    return t.errors ? exit_invalid : exit_ok;
}

/// A command-line argument that is either JSON text or the path of a file holding it.
std::string json_argument(const std::string& argument) {
    const auto first = argument.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && std::string("{[\"-0123456789tfn").find(argument[first]) != std::string::npos) {
        std::ifstream probe(argument);
        if (!probe) return argument; // JSON text, not a file
    }
    std::ifstream file(argument, std::ios::binary);
    if (!file) throw usage_error{"'" + argument + "' is neither JSON nor a readable file"};
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

int jsonlogic_command(const std::vector<std::string>& args) {
    po::options_description visible(
        "masterpro jsonlogic RULE [DATA|-]\n\n"
        "Applies a JsonLogic rule (JSON text or a file) to data (JSON text or a file; default {}) and\n"
        "prints the result as JSON. With '-', reads JSON lines from standard input and prints one\n"
        "result per line ({\"line\": N, \"error\": {...}} for a line that is not JSON).\n"
        "Exit status: 0 ok, 1 invalid rule or data, 2 usage.\n\noptions");
    visible.add_options()("help,h", "show this help");
    visible.add(limit_options());
    po::options_description hidden;
    hidden.add_options()("rule", po::value<std::string>(), "rule")("data", po::value<std::string>(), "data");
    po::positional_options_description positional;
    positional.add("rule", 1).add("data", 1);
    const auto vm = parse(args, visible, hidden, positional);
    if (vm.count("help")) {
        std::cout << visible << "\n";
        return exit_ok;
    }
    if (!vm.count("rule")) throw usage_error{"jsonlogic needs a rule"};
    const std::string rule_argument = vm["rule"].as<std::string>();
    auto rule = masterpro::jsonlogic_rule::compile(json_argument(rule_argument),
                                                   rule_argument.size() < 80 ? rule_argument : "<rule>", limits_of(vm));
    if (!rule) {
        for (const auto& e : rule.error()) std::cerr << masterpro::format_diagnostic(e) << "\n";
        return exit_invalid;
    }
    const std::string data = vm.count("data") ? vm["data"].as<std::string>() : "{}";
    if (data != "-") {
        auto result = rule->apply(json_argument(data));
        if (!result) {
            std::cerr << "masterpro: " << result.error().message << "\n";
            return exit_invalid;
        }
        std::cout << *result << "\n";
        return exit_ok;
    }
    std::size_t line_number = 0, errors = 0;
    std::ios::sync_with_stdio(false);
    for (std::string line; std::getline(std::cin, line);) {
        ++line_number;
        auto result = rule->apply(line);
        if (result) std::cout << *result << "\n";
        else ++errors, std::cout << "{\"line\":" << line_number << ",\"error\":" << masterpro::to_json(result.error()) << "}\n";
    }
    std::cerr << line_number << (line_number == 1 ? " record, " : " records, ") << errors << (errors == 1 ? " error" : " errors") << "\n";
    return errors ? exit_invalid : exit_ok;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? std::cerr : std::cout) << overview;
        return args.empty() ? exit_usage : exit_ok;
    }
    if (args[0] == "--version") {
        std::cout << "masterpro 0.1.0\n";
        return exit_ok;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "check") return check_command(args);
        if (command == "evaluate") return evaluate_command(args);
        if (command == "jsonlogic") return jsonlogic_command(args);
        throw usage_error{"unknown command '" + command + "'"};
    } catch (const usage_error& e) {
        std::cerr << "masterpro: " << e.message << "\n\n" << overview;
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "masterpro: internal error: " << e.what() << "\n";
        return exit_invalid;
    }
}
