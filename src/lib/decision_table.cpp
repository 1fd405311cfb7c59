// Decision tables: S-FEEL entry parser, JSON reader, overlap / gap / unreachable-row analysis
// over elementary pieces of the input domains, and evaluation per DMN hit policy.
#include "decision_table.hpp"

#include "jsonlogic_values.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

namespace masterpro::detail {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

constexpr std::array<std::pair<hit_policy, const char*>, 11> policy_names{{
    {hit_policy::unique, "unique"},
    {hit_policy::any, "any"},
    {hit_policy::priority, "priority"},
    {hit_policy::first, "first"},
    {hit_policy::rule_order, "rule_order"},
    {hit_policy::output_order, "output_order"},
    {hit_policy::collect, "collect"},
    {hit_policy::collect_sum, "collect_sum"},
    {hit_policy::collect_min, "collect_min"},
    {hit_policy::collect_max, "collect_max"},
    {hit_policy::collect_count, "collect_count"},
}};

std::string number_text(double d) {
    if (d == infinity) return "inf";
    if (d == -infinity) return "-inf";
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, d).ptr;
    return std::string(buffer, end);
}

std::string quoted_text(std::string_view s) {
    const char q = s.find('\'') == std::string_view::npos ? '\'' : '"';
    return q + std::string(s) + q;
}

std::string joined(const std::vector<std::string>& items, const char* last = " and ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += i + 1 == items.size() ? last : ", ";
        out += items[i];
    }
    return out;
}

/// "row 3" or "rows 1 and 2" (at most three named, then "and N others").
std::string rows_text(const std::vector<std::uint32_t>& rows) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < rows.size() && i < 3; ++i)
        names.push_back(std::to_string(rows[i] + 1));
    if (rows.size() > 3) names.push_back(std::to_string(rows.size() - 3) + " others");
    return (rows.size() == 1 ? "row " : "rows ") + joined(names);
}

bool contains(const unary_test& t, double x) noexcept {
    return (t.low_open ? x > t.low : x >= t.low) && (t.high_open ? x < t.high : x <= t.high);
}

} // namespace

const char* to_string(hit_policy p) noexcept {
    for (const auto& [policy, name] : policy_names)
        if (policy == p) return name;
    return "?";
}

const char* to_string(table_type t) noexcept {
    switch (t) {
    case table_type::number: return "number";
    case table_type::string: return "string";
    case table_type::boolean: return "boolean";
    }
    return "?";
}

value_type to_value_type(table_type t) noexcept {
    switch (t) {
    case table_type::number: return value_type::number;
    case table_type::string: return value_type::string;
    case table_type::boolean: return value_type::boolean;
    }
    return value_type::null_t;
}

bool unary_test::matches(const value& v, table_type type) const noexcept {
    switch (type) {
    case table_type::number: return contains(*this, v.number);
    case table_type::string: return v.text() == text;
    case table_type::boolean: return v.boolean == boolean;
    }
    return false;
}

bool table_entry::matches(const value& v, table_type type) const noexcept {
    if (any) return !negated;
    if (v.type != to_value_type(type) || v.list) return false;
    if (type == table_type::number && std::isnan(v.number)) return false;
    bool hit = false;
    for (const auto& t : tests)
        if (t.matches(v, type)) {
            hit = true;
            break;
        }
    return hit != negated;
}

bool decision_table::returns_list() const noexcept {
    return policy == hit_policy::rule_order || policy == hit_policy::output_order ||
           policy == hit_policy::collect;
}

bool decision_table::returns_number() const noexcept {
    switch (policy) {
    case hit_policy::collect_sum:
    case hit_policy::collect_min:
    case hit_policy::collect_max:
    case hit_policy::collect_count: return true;
    default: return !returns_list() && output.type == table_type::number;
    }
}

type_info decision_table::result_type() const noexcept {
    type_info t;
    t.base = returns_number() ? value_type::number : to_value_type(output.type);
    t.list = returns_list();
    t.nullable = policy != hit_policy::collect_count;
    return t;
}

int decision_table::input_index(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].name == name) return static_cast<int>(i);
    return -1;
}

// ---------------------------------------------------------------------------------------------
// Entries: S-FEEL unary tests

namespace {

class entry_parser {
  public:
    entry_parser(std::string_view text, const table_input& input) : s_(text), input_(input) {}

    std::optional<table_entry> parse(std::string& problem) {
        table_entry e;
        e.source = std::string(s_);
        if (done())
            return fail_with("an empty entry matches nothing: write \"-\" for any value", problem);
        if (eat("-") && done()) {
            e.any = true;
            return e;
        }
        pos_ = 0;
        if (word("not")) {
            e.negated = true;
            if (!eat("(")) return malformed("expected '(' after not", problem);
            const std::size_t mark = pos_;
            if (eat("-") && eat(")")) {
                e.any = true;
            } else {
                pos_ = mark;
                if (!list(e) || !expect(")", "expected ')' to close not(")) return failed(problem);
            }
        } else if (!list(e)) {
            return failed(problem);
        }
        if (!done()) return malformed("unexpected " + quoted_text(rest()), problem);
        return e;
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
    const table_input& input_;
    std::string problem_;

    std::optional<table_entry> fail_with(std::string message, std::string& problem) {
        problem = std::move(message);
        return std::nullopt;
    }
    std::optional<table_entry> malformed(const std::string& why, std::string& problem) {
        fail(why);
        return failed(problem);
    }
    std::optional<table_entry> failed(std::string& problem) { return fail_with(problem_, problem); }
    bool fail(const std::string& why, bool syntax = true) {
        if (problem_.empty())
            problem_ = syntax ? "malformed entry \"" + std::string(s_) + "\": " + why : why;
        return false;
    }
    bool type_error(const std::string& what, const char* type) {
        return fail("input " + input_.name + " is a " + to_string(input_.type) + ", but " + what +
                        " is a " + type,
                    false);
    }

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n'))
            ++pos_;
    }
    bool done() {
        skip_space();
        return pos_ >= s_.size();
    }
    std::string_view rest() const { return s_.substr(pos_); }
    bool eat(std::string_view token) {
        skip_space();
        if (s_.substr(pos_, token.size()) != token) return false;
        pos_ += token.size();
        return true;
    }
    bool expect(std::string_view token, const char* why) { return eat(token) || fail(why); }
    static bool is_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    }
    /// Eats keyword `w` when it is a whole word.
    bool word(std::string_view w) {
        skip_space();
        if (s_.substr(pos_, w.size()) != w) return false;
        if (pos_ + w.size() < s_.size() && is_word_char(s_[pos_ + w.size()])) return false;
        pos_ += w.size();
        return true;
    }

    bool list(table_entry& e) {
        do {
            unary_test t;
            if (!test(t)) return false;
            e.tests.push_back(std::move(t));
        } while (eat(","));
        return true;
    }

    bool test(unary_test& t) {
        if (done()) return fail("a test is missing");
        if (word("not")) return fail("not(...) must be the whole entry, and cannot be nested");
        for (const char* op : {"<=", ">=", "<", ">"})
            if (eat(op)) return comparison(t, op);
        if (eat("=")) return literal(t);
        const char c = s_[pos_];
        if (c == '[' || c == '(' || c == ']') return range(t);
        return literal(t);
    }

    bool comparison(unary_test& t, const std::string& op) {
        if (input_.type != table_type::number)
            return fail("input " + input_.name + " is a " + to_string(input_.type) + ", but '" +
                            op + "' compares numbers",
                        false);
        const auto n = number();
        if (!n) return fail("expected a number after '" + op + "'");
        if (op[0] == '<') {
            t.high = *n;
            t.high_open = op.size() == 1;
        } else {
            t.low = *n;
            t.low_open = op.size() == 1;
        }
        return true;
    }

    bool range(unary_test& t) {
        if (input_.type != table_type::number)
            return fail("input " + input_.name + " is a " + to_string(input_.type) +
                            ", but a range needs numbers",
                        false);
        t.low_open = s_[pos_++] != '[';
        const auto low = number();
        if (!low) return fail("expected a number to start the range");
        if (!expect("..", "expected '..' between the bounds of the range")) return false;
        const auto high = number();
        if (!high) return fail("expected a number after '..'");
        skip_space();
        if (pos_ >= s_.size() || (s_[pos_] != ']' && s_[pos_] != ')' && s_[pos_] != '['))
            return fail("expected ']' or ')' to close the range");
        t.high_open = s_[pos_++] != ']';
        t.low = *low;
        t.high = *high;
        return true;
    }

    bool literal(unary_test& t) {
        if (done()) return fail("a value is missing");
        const char c = s_[pos_];
        if (c == '\'' || c == '"') {
            auto text = quoted();
            if (!text) return false;
            if (input_.type != table_type::string) return type_error(quoted_text(*text), "string");
            const auto& domain = input_.values;
            if (!domain.empty() && std::find(domain.begin(), domain.end(), *text) == domain.end()) {
                std::vector<std::string> names;
                for (const auto& d : domain) names.push_back(quoted_text(d));
                return fail(quoted_text(*text) + " is not a value of input " + input_.name + " (" +
                                joined(names, ", ") + ")",
                            false);
            }
            t.text = std::move(*text);
            return true;
        }
        for (bool b : {true, false})
            if (word(b ? "true" : "false")) {
                if (input_.type != table_type::boolean)
                    return type_error(b ? "true" : "false", "boolean");
                t.boolean = b;
                return true;
            }
        const std::size_t start = pos_;
        if (const auto n = number()) {
            if (input_.type != table_type::number)
                return type_error(std::string(s_.substr(start, pos_ - start)), "number");
            t.low = t.high = *n;
            t.low_open = t.high_open = false;
            return true;
        }
        if (is_word_char(c)) {
            std::size_t end = pos_;
            while (end < s_.size() && is_word_char(s_[end])) ++end;
            const std::string w(s_.substr(pos_, end - pos_));
            if (w == "null") return fail("null is not a test: a null input matches only \"-\"");
            if (input_.type == table_type::string)
                return fail("write strings in quotes, as in " + quoted_text(w));
            return fail("unknown test '" + w + "'");
        }
        return fail("unexpected " + quoted_text(rest()));
    }

    /// A number literal: -?digits[.digits][e[+-]digits] (no inf, nan or hex).
    std::optional<double> number() {
        skip_space();
        std::size_t end = pos_;
        auto digits = [&] {
            const std::size_t from = end;
            while (end < s_.size() && s_[end] >= '0' && s_[end] <= '9') ++end;
            return end > from;
        };
        if (end < s_.size() && s_[end] == '-') ++end;
        bool mantissa = digits();
        if (end + 1 < s_.size() && s_[end] == '.' && s_[end + 1] >= '0' && s_[end + 1] <= '9') {
            ++end;
            mantissa = digits() || mantissa;
        }
        if (!mantissa) return std::nullopt;
        if (end < s_.size() && (s_[end] == 'e' || s_[end] == 'E')) {
            std::size_t mark = end++;
            if (end < s_.size() && (s_[end] == '+' || s_[end] == '-')) ++end;
            if (!digits()) end = mark;
        }
        double d = 0;
        const std::string text(s_.substr(pos_, end - pos_));
        const char* first = text.c_str();
        if (*first == '.' || (first[0] == '-' && first[1] == '.')) {
            // from_chars needs a digit before the point
            std::string fixed = text;
            fixed.insert(fixed[0] == '-' ? 1 : 0, "0");
            auto [p, ec] = std::from_chars(fixed.data(), fixed.data() + fixed.size(), d);
            if (ec != std::errc() || p != fixed.data() + fixed.size()) return std::nullopt;
        } else {
            auto [p, ec] = std::from_chars(first, first + text.size(), d);
            if (ec != std::errc() || p != first + text.size()) return std::nullopt;
        }
        if (!std::isfinite(d)) return std::nullopt;
        pos_ = end;
        return d;
    }

    /// 'text' or "text"; a backslash escapes the next character.
    std::optional<std::string> quoted() {
        const char q = s_[pos_++];
        std::string text;
        while (pos_ < s_.size() && s_[pos_] != q) {
            if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
            text += s_[pos_++];
        }
        if (pos_ >= s_.size()) {
            fail("unterminated string");
            return std::nullopt;
        }
        ++pos_;
        return text;
    }
};

} // namespace

std::optional<table_entry> parse_table_entry(std::string_view text, const table_input& input,
                                             std::string& problem) {
    return entry_parser(text, input).parse(problem);
}

// ---------------------------------------------------------------------------------------------
// Elementary pieces of an input domain

namespace {

/// A piece of an input's domain that every entry of the column either covers whole or misses:
/// numbers: a point (`point`) or the open interval (low, high); strings: one value, or `other`
/// (every value no entry names, in an open domain); booleans: one value.
struct piece {
    double low = 0, high = 0;
    bool point = false;
    std::string text;
    bool other = false;
    bool boolean = false;
};

bool covers(const unary_test& t, const piece& p, table_type type) {
    switch (type) {
    case table_type::number:
        return p.point ? contains(t, p.low) : t.low <= p.low && t.high >= p.high;
    case table_type::string: return !p.other && t.text == p.text;
    case table_type::boolean: return t.boolean == p.boolean;
    }
    return false;
}

bool covers(const table_entry& e, const piece& p, table_type type) {
    if (e.any) return !e.negated;
    bool hit = false;
    for (const auto& t : e.tests) hit = hit || covers(t, p, type);
    return hit != e.negated;
}

std::vector<piece> pieces_of(const table_input& in, const std::vector<const table_entry*>& column) {
    std::vector<piece> pieces;
    if (in.type == table_type::boolean) {
        for (bool b : {true, false}) pieces.push_back(piece{0, 0, false, {}, false, b});
        return pieces;
    }
    if (in.type == table_type::string) {
        std::vector<std::string> names = in.values;
        if (names.empty())
            for (const auto* e : column)
                for (const auto& t : e->tests)
                    if (std::find(names.begin(), names.end(), t.text) == names.end())
                        names.push_back(t.text);
        for (auto& name : names)
            pieces.push_back(piece{0, 0, false, std::move(name), false, false});
        if (in.values.empty()) pieces.push_back(piece{0, 0, false, {}, true, false});
        return pieces;
    }
    std::vector<double> bounds;
    for (const auto* e : column)
        for (const auto& t : e->tests)
            for (double b : {t.low, t.high})
                if (std::isfinite(b)) bounds.push_back(b);
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    double below = -infinity;
    for (double b : bounds) {
        pieces.push_back(piece{below, b, false, {}, false, false});
        pieces.push_back(piece{b, b, true, {}, false, false});
        below = b;
    }
    pieces.push_back(piece{below, infinity, false, {}, false, false});
    return pieces;
}

bool matches_nothing(const table_entry& e, const table_input& in) {
    const auto pieces = pieces_of(in, {&e});
    return std::none_of(pieces.begin(), pieces.end(),
                        [&](const piece& p) { return covers(e, p, in.type); });
}

/// "mean = 3.5", "mean in (2.5..3.5)", "level other than 'M1', 'M2'".
std::string describe_piece(const table_input& in, const piece& p,
                           const std::vector<piece>& column) {
    switch (in.type) {
    case table_type::boolean: return in.name + (p.boolean ? " = true" : " = false");
    case table_type::string: {
        if (!p.other) return in.name + " = " + quoted_text(p.text);
        std::vector<std::string> names;
        for (const auto& q : column)
            if (!q.other) names.push_back(quoted_text(q.text));
        return names.empty() ? in.name + " is any string"
                             : in.name + " other than " + joined(names, ", ");
    }
    case table_type::number: break;
    }
    if (p.point) return in.name + " = " + number_text(p.low);
    if (p.low == -infinity && p.high == infinity) return in.name + " is any number";
    if (p.low == -infinity) return in.name + " < " + number_text(p.high);
    if (p.high == infinity) return in.name + " > " + number_text(p.low);
    return in.name + " in (" + number_text(p.low) + ".." + number_text(p.high) + ")";
}

/// Pieces first..last (contiguous) of a column, described as one condition.
std::string describe_span(const table_input& in, const std::vector<piece>& column,
                          std::size_t first, std::size_t last) {
    if (first == last) return describe_piece(in, column[first], column);
    if (in.type == table_type::string) {
        std::vector<std::string> named, unnamed;
        bool other = false;
        for (std::size_t i = 0; i < column.size(); ++i) {
            const bool in_span = i >= first && i <= last;
            if (column[i].other)
                other = in_span;
            else
                (in_span ? named : unnamed).push_back(quoted_text(column[i].text));
        }
        if (other) return in.name + " other than " + joined(unnamed, ", ");
        return in.name + " is one of " + joined(named, ", ");
    }
    // numbers (booleans have two pieces, so a span of both is the whole column)
    const piece& a = column[first];
    const piece& b = column[last];
    const bool low_open = !a.point, high_open = !b.point;
    const double low = a.low, high = b.point ? b.low : b.high;
    if (low == -infinity) return in.name + (high_open ? " < " : " <= ") + number_text(high);
    if (high == infinity) return in.name + (low_open ? " > " : " >= ") + number_text(low);
    return in.name + " in " + (low_open ? "(" : "[") + number_text(low) + ".." + number_text(high) +
           (high_open ? ")" : "]");
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Overlaps, gaps and rows that never fire, cell by cell

namespace {

class table_analysis {
  public:
    table_analysis(const decision_table& t, const std::vector<const rapidjson::Value*>& rows,
                   const rapidjson::Value& rules, std::vector<table_problem>& problems)
        : t_(t), row_json_(rows), rules_json_(rules), problems_(problems),
          words_((t.rows.size() + 63) / 64) {}

    void run(std::string& note) {
        std::size_t cells = 1;
        std::vector<std::vector<const table_entry*>> columns(t_.inputs.size());
        for (std::size_t c = 0; c < t_.inputs.size(); ++c) {
            for (const auto& row : t_.rows) columns[c].push_back(&row.when[c]);
            pieces_.push_back(pieces_of(t_.inputs[c], columns[c]));
            cells = std::min(cells * pieces_.back().size(), decision_table::max_analysed_cells + 1);
        }
        if (cells > decision_table::max_analysed_cells) {
            note = "overlap, gap and unreachable-row checks skipped: more than " +
                   std::to_string(decision_table::max_analysed_cells) + " input combinations";
            return;
        }
        for (std::size_t c = 0; c < t_.inputs.size(); ++c) {
            matching_.emplace_back();
            for (const auto& p : pieces_[c]) {
                bits b(words_, 0);
                for (std::size_t r = 0; r < t_.rows.size(); ++r)
                    if (covers(*columns[c][r], p, t_.inputs[c].type))
                        b[r / 64] |= std::uint64_t{1} << (r % 64);
                matching_.back().push_back(std::move(b));
            }
        }
        fired_.assign(t_.rows.size(), false);
        blockers_.assign(t_.rows.size(), {});
        enumerate();
        report_overlaps();
        report_unreachable();
        if (gap_ && !t_.has_default && t_.policy != hit_policy::collect_count) report_gaps();
    }

  private:
    using bits = std::vector<std::uint64_t>;
    using cell = std::vector<std::size_t>;
    struct overlap {
        std::uint32_t first, second;
        std::string message;
    };
    static constexpr std::size_t max_overlaps = 20;

    const decision_table& t_;
    const std::vector<const rapidjson::Value*>& row_json_;
    const rapidjson::Value& rules_json_;
    std::vector<table_problem>& problems_;
    std::size_t words_;
    std::vector<std::vector<piece>> pieces_;  ///< per input
    std::vector<std::vector<bits>> matching_; ///< per input, per piece: rows covering it
    std::vector<overlap> overlaps_;
    bool more_overlaps_ = false;
    bool gap_ = false;
    std::vector<bool> fired_;
    std::vector<std::vector<std::uint32_t>> blockers_; ///< rows that decide where a row matches
    std::vector<std::uint32_t> hits_;

    /// Visits every cell in order (last input fastest), keeping the AND of the columns so far.
    void enumerate() {
        const std::size_t n = t_.inputs.size();
        cell at(n, 0);
        std::vector<bits> prefix(n + 1, bits(words_, ~std::uint64_t{0}));
        for (std::size_t c = 0; c < n; ++c) and_into(prefix[c + 1], prefix[c], matching_[c][0]);
        for (;;) {
            visit(at, prefix[n]);
            std::size_t c = n;
            while (c > 0 && ++at[c - 1] == pieces_[c - 1].size()) at[--c] = 0;
            if (c == 0) return;
            for (std::size_t k = c - 1; k < n; ++k)
                and_into(prefix[k + 1], prefix[k], matching_[k][at[k]]);
        }
    }

    void and_into(bits& out, const bits& a, const bits& b) const {
        for (std::size_t w = 0; w < words_; ++w) out[w] = a[w] & b[w];
    }

    void visit(const cell& at, const bits& rows) {
        hits_.clear();
        for (std::size_t w = 0; w < words_; ++w)
            for (std::uint64_t word = rows[w]; word; word &= word - 1) {
                const auto r = static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(word));
                if (r < t_.rows.size()) hits_.push_back(r);
            }
        if (hits_.empty()) {
            gap_ = true;
            return;
        }
        switch (t_.policy) {
        case hit_policy::unique: find_overlaps(at, false); break;
        case hit_policy::any: find_overlaps(at, true); break;
        case hit_policy::first: decide(hits_[0]); break;
        case hit_policy::priority: {
            std::uint32_t best = hits_[0];
            for (auto r : hits_)
                if (t_.rows[r].rank < t_.rows[best].rank) best = r;
            decide(best);
            break;
        }
        default: break;
        }
    }

    /// `winner` decides this cell; rows ranked as high as it fire too, the others are blocked.
    void decide(std::uint32_t winner) {
        for (auto r : hits_) {
            const bool fires = t_.policy == hit_policy::first
                                   ? r == winner
                                   : t_.rows[r].rank == t_.rows[winner].rank;
            if (fires) {
                fired_[r] = true;
                continue;
            }
            auto& b = blockers_[r];
            if (b.size() < 8 && std::find(b.begin(), b.end(), winner) == b.end())
                b.push_back(winner);
        }
    }

    void find_overlaps(const cell& at, bool only_different) {
        if (hits_.size() < 2 || more_overlaps_) return;
        if (only_different && std::all_of(hits_.begin(), hits_.end(), [&](std::uint32_t r) {
                return js::strict_equal(t_.rows[r].then, t_.rows[hits_[0]].then);
            }))
            return;
        for (std::size_t i = 0; i < hits_.size(); ++i)
            for (std::size_t j = i + 1; j < hits_.size(); ++j) {
                const auto a = hits_[i], b = hits_[j];
                if (only_different && js::strict_equal(t_.rows[a].then, t_.rows[b].then)) continue;
                if (std::any_of(overlaps_.begin(), overlaps_.end(),
                                [&](const overlap& o) { return o.first == a && o.second == b; }))
                    continue;
                if (overlaps_.size() == max_overlaps) {
                    more_overlaps_ = true;
                    return;
                }
                std::string message =
                    "rows " + std::to_string(a + 1) + " and " + std::to_string(b + 1) + " overlap";
                if (only_different)
                    message += " with different outputs (" + output_text(t_.rows[a].then) +
                               " and " + output_text(t_.rows[b].then) + ")";
                const std::string where = witness(at, a, b);
                message += where.empty() ? " on every input" : ": " + where;
                overlaps_.push_back({a, b, std::move(message)});
            }
    }

    static std::string output_text(const value& v) {
        switch (v.type) {
        case value_type::null_t: return "null";
        case value_type::boolean: return v.boolean ? "true" : "false";
        case value_type::number: return number_text(v.number);
        default: return quoted_text(v.text());
        }
    }

    /// The cell's pieces, leaving out inputs where both rows accept every value.
    std::string witness(const cell& at, std::uint32_t a, std::uint32_t b) const {
        std::vector<std::string> parts;
        for (std::size_t c = 0; c < at.size(); ++c) {
            const auto& in = t_.inputs[c];
            const bool both_any =
                std::all_of(pieces_[c].begin(), pieces_[c].end(), [&](const piece& p) {
                    return covers(t_.rows[a].when[c], p, in.type) &&
                           covers(t_.rows[b].when[c], p, in.type);
                });
            if (!both_any) parts.push_back(describe_piece(in, pieces_[c][at[c]], pieces_[c]));
        }
        return joined(parts, ", ");
    }

    void report_overlaps() {
        std::stable_sort(
            overlaps_.begin(), overlaps_.end(), [](const overlap& x, const overlap& y) {
                return std::make_pair(x.second, x.first) < std::make_pair(y.second, y.first);
            });
        for (auto& o : overlaps_) problems_.push_back({row_json_[o.second], std::move(o.message)});
        if (more_overlaps_)
            problems_.push_back({&rules_json_, "more rows overlap than the " +
                                                   std::to_string(max_overlaps) + " reported"});
    }

    void report_unreachable() {
        if (t_.policy != hit_policy::first && t_.policy != hit_policy::priority) return;
        for (std::uint32_t r = 0; r < t_.rows.size(); ++r) {
            if (fired_[r]) continue;
            auto b = blockers_[r];
            std::sort(b.begin(), b.end());
            const bool one = b.size() == 1;
            std::string message = "row " + std::to_string(r + 1);
            if (t_.policy == hit_policy::first)
                message += " never fires: " + rows_text(b) + (one ? " comes" : " come") +
                           " first for every input it matches";
            else
                message += " never decides: " + rows_text(b) + (one ? " has" : " have") +
                           " a higher-priority output for every input it matches";
            problems_.push_back({row_json_[r], std::move(message)});
        }
    }

    // Gaps are reported as up to three boxes of uncovered cells, each grown from the first
    // uncovered cell not yet reported, so that "mean >= 4" reads as one gap, not two pieces.
    struct box {
        std::vector<std::size_t> first, last;
        bool holds(const cell& at) const {
            for (std::size_t c = 0; c < at.size(); ++c)
                if (at[c] < first[c] || at[c] > last[c]) return false;
            return true;
        }
    };
    std::vector<box> boxes_;

    bool uncovered(const cell& at) const {
        for (std::size_t w = 0; w < words_; ++w) {
            std::uint64_t word = ~std::uint64_t{0};
            for (std::size_t c = 0; c < at.size(); ++c) word &= matching_[c][at[c]][w];
            if (word) return false;
        }
        return true;
    }
    bool fresh_gap(const cell& at) const {
        return uncovered(at) && std::none_of(boxes_.begin(), boxes_.end(),
                                             [&](const box& b) { return b.holds(at); });
    }

    /// Calls f on every cell of `b`; stops (returning false) as soon as f does.
    template <class F> bool every_cell(const box& b, F f) const {
        cell at = b.first;
        for (;;) {
            if (!f(at)) return false;
            std::size_t c = at.size();
            while (c > 0 && ++at[c - 1] > b.last[c - 1]) {
                at[c - 1] = b.first[c - 1];
                --c;
            }
            if (c == 0) return true;
        }
    }

    box grow(const cell& start) const {
        box b{start, start};
        for (bool grown = true; grown;) {
            grown = false;
            for (std::size_t c = 0; c < start.size(); ++c) {
                auto slab_free = [&](std::size_t k) {
                    box slab = b;
                    slab.first[c] = slab.last[c] = k;
                    return every_cell(slab, [&](const cell& at) { return fresh_gap(at); });
                };
                while (b.last[c] + 1 < pieces_[c].size() && slab_free(b.last[c] + 1))
                    ++b.last[c], grown = true;
                while (b.first[c] > 0 && slab_free(b.first[c] - 1)) --b.first[c], grown = true;
            }
        }
        return b;
    }

    void report_gaps() {
        box all{cell(t_.inputs.size(), 0), cell(t_.inputs.size(), 0)};
        for (std::size_t c = 0; c < all.last.size(); ++c) all.last[c] = pieces_[c].size() - 1;
        bool more = false;
        every_cell(all, [&](const cell& at) {
            if (!fresh_gap(at)) return true;
            if (boxes_.size() == 3) {
                more = true;
                return false;
            }
            boxes_.push_back(grow(at));
            return true;
        });
        for (std::size_t i = 0; i < boxes_.size(); ++i) {
            std::vector<std::string> parts;
            for (std::size_t c = 0; c < t_.inputs.size(); ++c)
                if (boxes_[i].first[c] > 0 || boxes_[i].last[c] + 1 < pieces_[c].size())
                    parts.push_back(describe_span(t_.inputs[c], pieces_[c], boxes_[i].first[c],
                                                  boxes_[i].last[c]));
            std::string message =
                parts.empty() ? "no row covers any input" : "no row covers " + joined(parts, ", ");
            if (more && i + 1 == boxes_.size()) message += " (and more combinations)";
            problems_.push_back({&rules_json_, std::move(message)});
        }
    }
};

} // namespace

// ---------------------------------------------------------------------------------------------
// The JSON form

namespace {

class table_reader {
  public:
    explicit table_reader(std::vector<table_problem>& problems)
        : problems_(problems), before_(problems.size()) {}

    std::optional<decision_table> read(const rapidjson::Value& v) {
        if (!v.IsObject()) {
            problem(v, "a decision table is an object with \"id\", \"hit_policy\", \"inputs\", "
                       "\"output\" and \"rules\"");
            return std::nullopt;
        }
        check_keys(v, {"id", "title", "hit_policy", "inputs", "output", "rules", "default"},
                   "a decision table");
        if (const auto* title = find(v, "title"); title && !title->IsString())
            problem(*title, "\"title\" must be a string");
        read_id(v);
        read_policy(v);
        read_inputs(v);
        read_output(v);
        if (const auto* d = find(v, "default")) read_default(*d);
        read_rules(v);
        if (problems_.size() > before_) return std::nullopt;
        table_analysis(t_, row_json_, *find(v, "rules"), problems_).run(t_.note);
        if (problems_.size() > before_) return std::nullopt;
        return std::move(t_);
    }

  private:
    std::vector<table_problem>& problems_;
    std::size_t before_;
    decision_table t_;
    bool policy_ok_ = false, inputs_ok_ = true, output_ok_ = true;
    std::vector<const rapidjson::Value*> row_json_;
    std::vector<std::string> names_; ///< input names seen, valid or not

    void problem(const rapidjson::Value& at, std::string message) {
        problems_.push_back({&at, std::move(message)});
    }
    static const rapidjson::Value* find(const rapidjson::Value& object, const char* key) {
        const auto m = object.FindMember(key);
        return m == object.MemberEnd() ? nullptr : &m->value;
    }
    void check_keys(const rapidjson::Value& object, std::initializer_list<const char*> allowed,
                    const std::string& what) {
        for (const auto& m : object.GetObject()) {
            const std::string_view key(m.name.GetString(), m.name.GetStringLength());
            if (std::none_of(allowed.begin(), allowed.end(),
                             [&](const char* a) { return key == a; })) {
                std::vector<std::string> names(allowed.begin(), allowed.end());
                problem(m.value, "unknown key '" + std::string(key) + "' in " + what + " (" +
                                     joined(names, " or ") + " expected)");
            }
        }
    }
    /// A required non-empty string member; reports it missing (at `object`) or mistyped.
    const rapidjson::Value* text_member(const rapidjson::Value& object, const char* key,
                                        const std::string& what) {
        const auto* m = find(object, key);
        if (!m)
            problem(object, what + " needs \"" + key + "\" (a string)");
        else if (!m->IsString() || m->GetStringLength() == 0)
            problem(*m, "\"" + std::string(key) + "\" of " + what + " must be a non-empty string");
        else
            return m;
        return nullptr;
    }
    std::optional<table_type> type_member(const rapidjson::Value& object, const std::string& what) {
        const auto* m = text_member(object, "type", what);
        if (!m) return std::nullopt;
        const std::string_view s = m->GetString();
        for (auto type : {table_type::number, table_type::string, table_type::boolean})
            if (s == to_string(type)) return type;
        problem(*m, "unknown type '" + std::string(s) + "' of " + what +
                        ": use number, string or boolean");
        return std::nullopt;
    }

    void read_id(const rapidjson::Value& v) {
        if (const auto* id = text_member(v, "id", "a decision table")) t_.id = id->GetString();
    }

    void read_policy(const rapidjson::Value& v) {
        const auto* p = text_member(v, "hit_policy", "a decision table");
        if (!p) return;
        const std::string_view s = p->GetString();
        for (const auto& [policy, name] : policy_names)
            if (s == name) {
                t_.policy = policy;
                policy_ok_ = true;
                return;
            }
        std::vector<std::string> names;
        for (const auto& entry : policy_names) names.push_back(entry.second);
        problem(*p, "unknown hit policy '" + std::string(s) + "': use " + joined(names, " or "));
    }

    void read_inputs(const rapidjson::Value& v) {
        const auto* inputs = find(v, "inputs");
        inputs_ok_ = false;
        if (!inputs)
            return problem(v,
                           "a decision table needs \"inputs\": an array of {\"name\", \"type\"}");
        if (!inputs->IsArray() || inputs->Empty())
            return problem(*inputs, "\"inputs\" must be a non-empty array of {\"name\", \"type\"}");
        inputs_ok_ = true;
        for (const auto& in : inputs->GetArray()) inputs_ok_ = read_input(in) && inputs_ok_;
    }

    bool read_input(const rapidjson::Value& in) {
        if (!in.IsObject()) {
            problem(in, "an input is an object with \"name\" and \"type\"");
            return false;
        }
        check_keys(in, {"name", "type", "values"}, "an input");
        table_input input;
        const auto* name = text_member(in, "name", "an input");
        if (name) input.name = name->GetString();
        if (name && std::find(names_.begin(), names_.end(), input.name) != names_.end()) {
            problem(*name, "duplicate input name '" + input.name + "'");
            name = nullptr;
        } else if (name) {
            names_.push_back(input.name);
        }
        const auto type = type_member(in, name ? "input " + input.name : "an input");
        if (type) input.type = *type;
        bool ok = name && type;
        if (const auto* values = find(in, "values")) {
            if (type && *type != table_type::string) {
                problem(*values, "\"values\" (a closed domain) is only for string inputs");
                ok = false;
            } else if (!values->IsArray() || values->Empty()) {
                problem(*values, "\"values\" must be a non-empty array of strings");
                ok = false;
            } else {
                for (const auto& s : values->GetArray()) {
                    if (!s.IsString()) {
                        problem(s, "a value of a string input must be a string");
                        ok = false;
                    } else if (std::find(input.values.begin(), input.values.end(), s.GetString()) !=
                               input.values.end()) {
                        problem(s, "duplicate value '" + std::string(s.GetString()) + "'");
                        ok = false;
                    } else {
                        input.values.emplace_back(s.GetString(), s.GetStringLength());
                    }
                }
            }
        }
        if (ok) t_.inputs.push_back(std::move(input));
        return ok;
    }

    /// A JSON literal of the output type (or null), its strings kept by the table.
    std::optional<value> literal(const rapidjson::Value& j, const std::string& what) {
        const auto type = t_.output.type;
        if (j.IsNull()) return value::null();
        if (type == table_type::number && j.IsNumber()) return value::of_number(j.GetDouble());
        if (type == table_type::boolean && j.IsBool()) return value::of_bool(j.GetBool());
        if (type == table_type::string && j.IsString()) {
            t_.strings.push_back(
                std::make_shared<const std::string>(j.GetString(), j.GetStringLength()));
            return value::of_text(*t_.strings.back());
        }
        problem(j, what + " must be a " + to_string(type) + " (the output's type) or null");
        return std::nullopt;
    }

    /// The priority rank of an output value; reports it when absent from the priority list.
    std::uint32_t rank(const rapidjson::Value& at, const value& v) {
        const auto& p = t_.output.priority;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (js::strict_equal(p[i], v)) return static_cast<std::uint32_t>(i);
        if (!p.empty())
            problem(at, "output " + json_text(at) + " is not in the output's priority list");
        return 0;
    }
    static std::string json_text(const rapidjson::Value& j) {
        if (j.IsString()) return quoted_text(std::string_view(j.GetString(), j.GetStringLength()));
        if (j.IsNumber()) return number_text(j.GetDouble());
        if (j.IsBool()) return j.GetBool() ? "true" : "false";
        return "null";
    }

    void read_output(const rapidjson::Value& v) {
        const auto* out = find(v, "output");
        output_ok_ = false;
        if (!out) return problem(v, "a decision table needs \"output\": {\"name\", \"type\"}");
        if (!out->IsObject())
            return problem(*out, "\"output\" is an object with \"name\" and \"type\"");
        check_keys(*out, {"name", "type", "priority"}, "the output");
        const auto* name = text_member(*out, "name", "the output");
        if (name) t_.output.name = name->GetString();
        const auto type = type_member(*out, "the output");
        if (!type) return;
        t_.output.type = *type;
        output_ok_ = true;
        const auto* priority = find(*out, "priority");
        if (priority && (!priority->IsArray() || priority->Empty())) {
            problem(*priority, "\"priority\" must be a non-empty array of output values, highest "
                               "priority first");
        } else if (priority) {
            for (const auto& p : priority->GetArray()) {
                const auto item = literal(p, "a priority value");
                if (!item) continue;
                auto& list = t_.output.priority;
                if (std::any_of(list.begin(), list.end(),
                                [&](const value& x) { return js::strict_equal(x, *item); }))
                    problem(p, "duplicate priority value " + json_text(p));
                else
                    list.push_back(*item);
            }
        }
        if (!policy_ok_) return;
        const auto policy = t_.policy;
        if ((policy == hit_policy::priority || policy == hit_policy::output_order) && !priority)
            problem(*out, std::string("hit policy ") + to_string(policy) +
                              " needs the output's \"priority\": every output value, highest "
                              "priority first");
        if ((policy == hit_policy::collect_sum || policy == hit_policy::collect_min ||
             policy == hit_policy::collect_max) &&
            *type != table_type::number)
            problem(*find(*out, "type"), std::string("hit policy ") + to_string(policy) +
                                             " needs a number output, not a " + to_string(*type));
    }

    void read_default(const rapidjson::Value& d) {
        if (policy_ok_ && t_.policy == hit_policy::collect_count)
            return problem(d, "collect_count returns a count (0 when no row matches) and takes no "
                              "\"default\"");
        if (!output_ok_) return;
        const auto v = literal(d, "\"default\"");
        if (!v) return;
        t_.has_default = true;
        t_.default_output = *v;
        t_.default_rank = rank(d, *v);
    }

    void read_rules(const rapidjson::Value& v) {
        const auto* rules = find(v, "rules");
        if (!rules)
            return problem(v, "a decision table needs \"rules\": an array of {\"when\", \"then\"}");
        if (!rules->IsArray())
            return problem(*rules, "\"rules\" must be an array of {\"when\", \"then\"}");
        if (rules->Empty()) return problem(*rules, "a decision table needs at least one row");
        std::uint32_t number = 0;
        for (const auto& row : rules->GetArray()) read_row(row, ++number);
    }

    void read_row(const rapidjson::Value& row, std::uint32_t number) {
        const std::string name = "row " + std::to_string(number);
        if (!row.IsObject())
            return problem(row, name + " must be an object with \"when\" and \"then\"");
        check_keys(row, {"when", "then", "title"}, name);
        table_row r;
        bool ok = read_when(row, name, r);
        if (const auto* then = find(row, "then"); !then) {
            problem(row, name + " needs \"then\": the output value");
        } else if (output_ok_) {
            const auto out = literal(*then, "\"then\"");
            if (out) {
                r.then = *out;
                r.rank = rank(*then, *out);
            }
        }
        row_json_.push_back(&row);
        if (ok) t_.rows.push_back(std::move(r));
    }

    bool read_when(const rapidjson::Value& row, const std::string& name, table_row& r) {
        const auto* when = find(row, "when");
        if (!when) {
            problem(row, name + " needs \"when\": one entry per input");
            return false;
        }
        if (!when->IsArray()) {
            problem(*when, "\"when\" must be an array with one entry per input");
            return false;
        }
        if (!inputs_ok_) return false;
        if (when->Size() != t_.inputs.size()) {
            std::vector<std::string> names;
            for (const auto& in : t_.inputs) names.push_back(in.name);
            problem(*when, name + " has " + std::to_string(when->Size()) +
                               (when->Size() == 1 ? " entry" : " entries") + "; the table has " +
                               std::to_string(names.size()) +
                               (names.size() == 1 ? " input (" : " inputs (") +
                               joined(names, ", ") + ")");
            return false;
        }
        bool ok = true;
        for (std::size_t c = 0; c < t_.inputs.size(); ++c) {
            const auto& j = (*when)[static_cast<rapidjson::SizeType>(c)];
            auto entry = read_entry(j, t_.inputs[c]);
            if (entry && matches_nothing(*entry, t_.inputs[c])) {
                problem(j, "entry \"" + entry->source + "\" matches no value of " +
                               t_.inputs[c].name + ", so " + name + " never fires");
                entry.reset();
            }
            if (entry)
                r.when.push_back(std::move(*entry));
            else
                ok = false;
        }
        return ok;
    }

    std::optional<table_entry> read_entry(const rapidjson::Value& j, const table_input& in) {
        std::string text;
        if (j.IsString())
            text.assign(j.GetString(), j.GetStringLength());
        else if (j.IsBool())
            text = j.GetBool() ? "true" : "false";
        else if (j.IsNumber())
            text = number_text(j.GetDouble());
        else {
            problem(j, "an entry is a string holding a unary test, such as \"-\", \"< 3\", "
                       "\"[1..3]\" or \"'M1'\"");
            return std::nullopt;
        }
        std::string why;
        auto entry = parse_table_entry(text, in, why);
        if (!entry) problem(j, why);
        return entry;
    }
};

} // namespace

std::optional<decision_table> parse_decision_table(const rapidjson::Value& v,
                                                   std::vector<table_problem>& problems) {
    return table_reader(problems).read(v);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

bool row_matches(const decision_table& t, const table_row& r, const value* inputs) noexcept {
    for (std::size_t c = 0; c < t.inputs.size(); ++c)
        if (!r.when[c].matches(inputs[c], t.inputs[c].type)) return false;
    return true;
}

value no_hit(const decision_table& t, scratch& arena) {
    if (t.policy == hit_policy::collect_count) return value::of_number(0);
    if (!t.has_default) return value::null();
    if (!t.returns_list()) return t.default_output;
    value* one = arena.make<value>(1);
    one[0] = t.default_output;
    return value::of_array(one, 1);
}

value single_hit(const decision_table& t, const value* inputs, scratch& arena) {
    const table_row* chosen = nullptr;
    for (const auto& r : t.rows) {
        if (!row_matches(t, r, inputs)) continue;
        if (!chosen) {
            chosen = &r;
            if (t.policy == hit_policy::first) break;
            continue;
        }
        switch (t.policy) {
        case hit_policy::unique: return value::null();
        case hit_policy::any:
            if (!js::strict_equal(chosen->then, r.then)) return value::null();
            break;
        default: // priority: the highest-ranked output, the earliest row among equals
            if (r.rank < chosen->rank) chosen = &r;
        }
    }
    return chosen ? chosen->then : no_hit(t, arena);
}

value aggregate(const decision_table& t, const value* inputs) {
    double result = 0;
    std::uint32_t count = 0, numbers = 0;
    for (const auto& r : t.rows) {
        if (!row_matches(t, r, inputs)) continue;
        ++count;
        if (r.then.type != value_type::number) continue;
        const double x = r.then.number;
        switch (t.policy) {
        case hit_policy::collect_sum: result += x; break;
        case hit_policy::collect_min: result = numbers == 0 || x < result ? x : result; break;
        default: result = numbers == 0 || x > result ? x : result;
        }
        ++numbers;
    }
    if (t.policy == hit_policy::collect_count) return value::of_number(count);
    if (count == 0 && t.has_default) return t.default_output;
    return numbers ? value::of_number(result) : value::null();
}

} // namespace

value apply_table(const decision_table& t, const value* inputs, scratch& arena) {
    switch (t.policy) {
    case hit_policy::unique:
    case hit_policy::any:
    case hit_policy::priority:
    case hit_policy::first: return single_hit(t, inputs, arena);
    case hit_policy::collect_sum:
    case hit_policy::collect_min:
    case hit_policy::collect_max:
    case hit_policy::collect_count: return aggregate(t, inputs);
    default: break;
    }
    std::size_t count = 0;
    for (const auto& r : t.rows) count += row_matches(t, r, inputs) ? 1 : 0;
    if (count == 0) return no_hit(t, arena);
    value* items = arena.make<value>(count);
    std::uint32_t* ranks = arena.make<std::uint32_t>(count);
    std::size_t n = 0;
    for (const auto& r : t.rows)
        if (row_matches(t, r, inputs)) {
            // output_order: insertion by rank keeps equal ranks in row order
            std::size_t at = n++;
            if (t.policy == hit_policy::output_order)
                for (; at > 0 && ranks[at - 1] > r.rank; --at) {
                    items[at] = items[at - 1];
                    ranks[at] = ranks[at - 1];
                }
            items[at] = r.then;
            ranks[at] = r.rank;
        }
    return value::of_array(items, count);
}

} // namespace masterpro::detail
