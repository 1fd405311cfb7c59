// The expression compiler: one pass that parses infix text, resolves names against a scope,
// checks types and emits compiled nodes.
#include "expression.hpp"

#include "decision_table.hpp"

#include <cctype>
#include <cstdlib>
#include <algorithm>
#include <optional>
#include <unordered_map>

namespace masterpro::detail {

const char* to_string(value_type t) noexcept {
    switch (t) {
    case value_type::null_t: return "null";
    case value_type::boolean: return "bool";
    case value_type::number: return "number";
    case value_type::string: return "string";
    case value_type::date: return "date";
    case value_type::duration: return "duration";
    case value_type::level: return "level";
    case value_type::competence: return "competence";
    case value_type::criterion: return "criterion";
    case value_type::evidence_type: return "evidence type";
    case value_type::role: return "role";
    case value_type::tag: return "tag";
    case value_type::credential_type: return "credential type";
    case value_type::relation: return "relation";
    case value_type::array: return "array";
    case value_type::object: return "object";
    case value_type::dynamic: return "dynamic";
    }
    return "?";
}

namespace {

std::string describe(type_info t) {
    std::string s = t.list ? std::string("list of ") + to_string(t.base) : to_string(t.base);
    return s;
}

enum class tok : std::uint8_t {
    end, number, text, name, lparen, rparen, comma, question, colon,
    eq, ne, lt, le, gt, ge, plus, minus, star, slash, kw_and, kw_or, kw_not, kw_in,
    kw_true, kw_false, kw_null, bad
};

struct token {
    tok kind = tok::end;
    std::size_t offset = 0;
    std::string text;
    double number = 0;
};

class lexer {
  public:
    explicit lexer(std::string_view s) : s_(s) {}

    token next() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        token t;
        t.offset = pos_;
        if (pos_ >= s_.size()) return t;
        const char c = s_[pos_];
        auto two = [&](char second) { return pos_ + 1 < s_.size() && s_[pos_ + 1] == second; };
        auto single = [&](tok k, std::size_t len) {
            t.kind = k;
            t.text = std::string(s_.substr(pos_, len));
            pos_ += len;
            return t;
        };
        if (std::isdigit(static_cast<unsigned char>(c))) {
            std::size_t end = pos_;
            while (end < s_.size() &&
                   (std::isdigit(static_cast<unsigned char>(s_[end])) || s_[end] == '.'))
                ++end;
            const std::string digits(s_.substr(pos_, end - pos_));
            char* stop = nullptr;
            t.number = std::strtod(digits.c_str(), &stop);
            t.kind = (stop && *stop == '\0') ? tok::number : tok::bad;
            t.text = digits;
            pos_ = end;
            return t;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t end = pos_;
            while (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) ||
                                       s_[end] == '_' || s_[end] == '.'))
                ++end;
            t.text = std::string(s_.substr(pos_, end - pos_));
            pos_ = end;
            if (t.text == "and") t.kind = tok::kw_and;
            else if (t.text == "or") t.kind = tok::kw_or;
            else if (t.text == "not") t.kind = tok::kw_not;
            else if (t.text == "in") t.kind = tok::kw_in;
            else if (t.text == "true") t.kind = tok::kw_true;
            else if (t.text == "false") t.kind = tok::kw_false;
            else if (t.text == "null") t.kind = tok::kw_null;
            else t.kind = tok::name;
            return t;
        }
        if (c == '\'' || c == '"') {
            std::size_t end = pos_ + 1;
            while (end < s_.size() && s_[end] != c) ++end;
            if (end >= s_.size()) {
                t.kind = tok::bad;
                t.text = "unterminated string";
                pos_ = s_.size();
                return t;
            }
            t.kind = tok::text;
            t.text = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
            pos_ = end + 1;
            return t;
        }
        switch (c) {
        case '(': return single(tok::lparen, 1);
        case ')': return single(tok::rparen, 1);
        case ',': return single(tok::comma, 1);
        case '?': return single(tok::question, 1);
        case ':': return single(tok::colon, 1);
        case '+': return single(tok::plus, 1);
        case '-': return single(tok::minus, 1);
        case '*': return single(tok::star, 1);
        case '/': return single(tok::slash, 1);
        case '=': return two('=') ? single(tok::eq, 2) : single(tok::bad, 1);
        case '!': return two('=') ? single(tok::ne, 2) : single(tok::kw_not, 1);
        case '<': return two('=') ? single(tok::le, 2) : single(tok::lt, 1);
        case '>': return two('=') ? single(tok::ge, 2) : single(tok::gt, 1);
        case '&': return two('&') ? single(tok::kw_and, 2) : single(tok::bad, 1);
        case '|': return two('|') ? single(tok::kw_or, 2) : single(tok::bad, 1);
        default: {
            // A stray character: take all of its UTF-8 bytes, so the message stays valid text.
            std::size_t len = 1;
            while (pos_ + len < s_.size() && (static_cast<unsigned char>(s_[pos_ + len]) & 0xC0) == 0x80 && len < 4) ++len;
            return single(tok::bad, len);
        }
        }
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

/// A compiled sub-expression during parsing. `poisoned` marks one that already produced a
/// diagnostic, so its parents do not report follow-on type errors.
struct typed {
    std::int32_t node = -1;
    type_info type;
    bool poisoned = false;
    std::size_t offset = 0;
};

struct syntax_error {};

constexpr std::size_t max_nesting = 8; // matches the evaluator's element slots

class compiler {
  public:
    compiler(std::string_view text, const qualification& q, const scope& where, expr_pool& pool,
             std::vector<expr_diagnostic>& problems)
        : lex_(text), q_(q), scope_(where), pool_(pool), problems_(problems) {
        advance();
    }

    typed run() {
        typed t = parse_choice();
        if (cur_.kind != tok::end) fail_syntax(cur_.offset, "unexpected " + quote(cur_));
        return t;
    }

  private:
    // ---- tokens and errors ----
    void advance() { cur_ = lex_.next(); }
    static std::string quote(const token& t) {
        if (t.kind == tok::end) return "end of expression";
        if (t.kind == tok::bad && t.text == "unterminated string") return t.text;
        return "'" + t.text + "'";
    }
    [[noreturn]] void fail_syntax(std::size_t offset, std::string message) {
        problems_.push_back({offset, "syntax error: " + std::move(message)});
        throw syntax_error{};
    }
    void expect(tok kind, const char* what) {
        if (cur_.kind != kind) fail_syntax(cur_.offset, std::string("expected ") + what + ", found " + quote(cur_));
        advance();
    }
    typed report(std::size_t offset, std::string message) {
        problems_.push_back({offset, std::move(message)});
        typed t;
        t.poisoned = true;
        t.offset = offset;
        t.node = emit(expr_node{});
        return t;
    }

    std::int32_t emit(expr_node n) { return add_node(pool_, n); }
    /// Depth of the tree under a node made by this compiler (0 for leaves and other nodes).
    std::size_t depth_of(std::int32_t node) const {
        const auto it = tree_depth_.find(node);
        return it == tree_depth_.end() ? 0 : it->second;
    }

    typed make(op code, type_info type, std::size_t offset, std::int32_t a = -1,
               std::int32_t b = -1, std::int32_t c = -1, std::int32_t index = 0) {
        // Evaluation recurses along the tree: bound its depth, whatever built it.
        const std::size_t depth = 1 + std::max({depth_of(a), depth_of(b), depth_of(c)});
        if (depth > pool_.max_depth) fail_syntax(offset, "expression nested deeper than " + std::to_string(pool_.max_depth) + " levels");
        expr_node n;
        n.code = code;
        n.type = type;
        n.a = a;
        n.b = b;
        n.c = c;
        n.index = index;
        typed t;
        t.node = emit(n);
        t.type = type;
        t.offset = offset;
        tree_depth_[t.node] = depth;
        return t;
    }
    typed constant(value v, type_info type, std::size_t offset) {
        expr_node n;
        n.code = op::constant;
        n.type = type;
        n.constant = v;
        typed t;
        t.node = emit(n);
        t.type = type;
        t.offset = offset;
        return t;
    }
    bool is_text_constant(const typed& t) const {
        return !t.poisoned && pool_.nodes[static_cast<std::size_t>(t.node)].code == op::constant &&
               t.type.base == value_type::string && !t.type.list;
    }
    static type_info plain(value_type v, bool nullable = false) { return {v, false, nullable}; }

    // ---- grammar, loosest binding first ----
    // Nesting is bounded so that hostile input cannot exhaust the stack.
    struct nesting {
        explicit nesting(compiler& c, std::size_t at) : c_(c) {
            if (++c_.depth_ > c_.pool_.max_depth)
                c_.fail_syntax(at, "nested deeper than " + std::to_string(c_.pool_.max_depth) + " levels");
        }
        ~nesting() { --c_.depth_; }
        nesting(const nesting&) = delete;
        nesting& operator=(const nesting&) = delete;
        compiler& c_;
    };

    // A chain of binary operators builds a tree as deep as it is long: bounded like nesting.
    void chain_link(std::size_t& links) {
        if (++links > pool_.max_depth)
            fail_syntax(cur_.offset, "more than " + std::to_string(pool_.max_depth) + " operators in a row");
    }

    typed parse_choice() {
        nesting guard(*this, cur_.offset);
        typed cond = parse_or();
        if (cur_.kind != tok::question) return cond;
        const std::size_t at = cur_.offset;
        advance();
        typed yes = parse_choice();
        expect(tok::colon, "':'");
        typed no = parse_choice();
        if (cond.poisoned || yes.poisoned || no.poisoned) return poisoned(at);
        if (!is_condition(cond.type)) return report(cond.offset, "condition of '?' must be bool, not " + describe(cond.type));
        unify_text(yes, no);
        unify_text(no, yes);
        type_info result = yes.type;
        if (yes.type.base == value_type::null_t) result = no.type, result.nullable = true;
        else if (no.type.base == value_type::null_t) result.nullable = true;
        else if (yes.type.base != no.type.base || yes.type.list != no.type.list)
            return report(at, "branches of '?' have different types: " + describe(yes.type) + " and " + describe(no.type));
        result.nullable = result.nullable || yes.type.nullable || no.type.nullable;
        return make(op::choose, result, at, cond.node, yes.node, no.node);
    }

    /// A left-associative level of binary operators: `next` parses the operands, `combine`
    /// builds each step; chains are bounded by chain_link.
    template <class Combine>
    typed left_associative(typed (compiler::*next)(), std::initializer_list<tok> operators, Combine combine) {
        typed left = (this->*next)();
        std::size_t links = 0;
        while (std::find(operators.begin(), operators.end(), cur_.kind) != operators.end()) {
            chain_link(links);
            const token at = cur_;
            advance();
            typed right = (this->*next)();
            left = combine(left, right, at);
        }
        return left;
    }

    typed parse_or() {
        return left_associative(&compiler::parse_and, {tok::kw_or}, [this](typed l, typed r, const token& at) {
            return logical(op::logical_or, l, r, at.offset, "or");
        });
    }
    typed parse_and() {
        return left_associative(&compiler::parse_not, {tok::kw_and}, [this](typed l, typed r, const token& at) {
            return logical(op::logical_and, l, r, at.offset, "and");
        });
    }
    typed parse_not() {
        if (cur_.kind != tok::kw_not) return parse_comparison();
        nesting guard(*this, cur_.offset);
        const std::size_t at = cur_.offset;
        advance();
        typed operand = parse_not();
        if (operand.poisoned) return poisoned(at);
        if (!is_condition(operand.type)) return report(operand.offset, "'not' needs a bool, not " + describe(operand.type));
        return make(op::logical_not, plain(value_type::boolean, operand.type.nullable), at, operand.node);
    }
    typed parse_comparison() {
        typed left = parse_additive();
        op code;
        switch (cur_.kind) {
        case tok::eq: code = op::equal; break;
        case tok::ne: code = op::not_equal; break;
        case tok::lt: code = op::less; break;
        case tok::le: code = op::less_equal; break;
        case tok::gt: code = op::greater; break;
        case tok::ge: code = op::greater_equal; break;
        case tok::kw_in: code = op::member_of; break;
        default: return left;
        }
        const token at = cur_;
        advance();
        typed right = parse_additive();
        if (left.poisoned || right.poisoned) return poisoned(at.offset);
        if (code == op::member_of) return membership(left, right, at.offset);
        unify_text(left, right);
        unify_text(right, left);
        if (left.poisoned || right.poisoned) return poisoned(at.offset);
        const bool ordering = code != op::equal && code != op::not_equal;
        const bool either_null = left.type.base == value_type::null_t || right.type.base == value_type::null_t;
        if (either_null) {
            if (ordering) return report(at.offset, "'" + at.text + "' cannot order null");
            return make(code, plain(value_type::boolean), at.offset, left.node, right.node);
        }
        if (left.type.base != right.type.base || left.type.list || right.type.list)
            return report(at.offset, "cannot compare " + describe(left.type) + " with " + describe(right.type));
        if (ordering && !orderable(left.type.base))
            return report(at.offset, "'" + at.text + "' cannot order values of type " + describe(left.type));
        const bool nullable = ordering && (left.type.nullable || right.type.nullable);
        return make(code, plain(value_type::boolean, nullable), at.offset, left.node, right.node);
    }
    typed parse_additive() {
        return left_associative(&compiler::parse_multiplicative, {tok::plus, tok::minus},
                                [this](typed l, typed r, const token& at) {
                                    return arithmetic(at.kind == tok::plus ? op::add : op::subtract, l, r, at);
                                });
    }
    typed parse_multiplicative() {
        return left_associative(&compiler::parse_unary, {tok::star, tok::slash},
                                [this](typed l, typed r, const token& at) {
                                    return arithmetic(at.kind == tok::star ? op::multiply : op::divide, l, r, at);
                                });
    }
    typed parse_unary() {
        if (cur_.kind != tok::minus) return parse_primary();
        nesting guard(*this, cur_.offset);
        const std::size_t at = cur_.offset;
        advance();
        typed operand = parse_unary();
        if (operand.poisoned) return poisoned(at);
        if (operand.type.base != value_type::number || operand.type.list)
            return report(operand.offset, "'-' needs a number, not " + describe(operand.type));
        return make(op::negate, operand.type, at, operand.node);
    }
    typed parse_primary() {
        const token t = cur_;
        switch (t.kind) {
        case tok::number: advance(); return constant(value::of_number(t.number), plain(value_type::number), t.offset);
        case tok::kw_true: advance(); return constant(value::of_bool(true), plain(value_type::boolean), t.offset);
        case tok::kw_false: advance(); return constant(value::of_bool(false), plain(value_type::boolean), t.offset);
        case tok::kw_null: advance(); return constant(value::null(), plain(value_type::null_t, true), t.offset);
        case tok::text: {
            advance();
            return constant(value::of_text(pool_.keep(t.text)), plain(value_type::string), t.offset);
        }
        case tok::lparen: {
            advance();
            typed inner = parse_choice();
            expect(tok::rparen, "')'");
            return inner;
        }
        case tok::name:
            advance();
            if (cur_.kind == tok::lparen) return call(t);
            return name(t);
        default: fail_syntax(t.offset, "unexpected " + quote(t));
        }
    }

    // ---- names ----
    typed name(const token& t) {
        std::string problem;
        const std::int32_t node = resolve_name(t.text, q_, scope_, elements_, pool_, problem);
        if (node < 0) return report(t.offset, problem);
        typed result;
        result.node = node;
        result.type = pool_.nodes[static_cast<std::size_t>(node)].type;
        result.offset = t.offset;
        return result;
    }

    // ---- calls ----
    typed call(const token& fn) {
        const std::size_t at = fn.offset;
        advance(); // '('
        const std::string& n = fn.text;
        if (n == "any" || n == "all" || n == "none" || n == "count") return quantifier(n, at);
        if (n == "table") return table_call(at);
        std::vector<typed> args = arguments();
        for (const auto& a : args)
            if (a.poisoned) return poisoned(at);
        auto arity = [&](std::size_t count) {
            return args.size() == count;
        };
        auto number_arg = [&](const typed& a) {
            return a.type.base == value_type::number && !a.type.list;
        };
        if (n == "years" || n == "months" || n == "days") {
            if (!arity(1) || !number_arg(args[0])) return report(at, n + "() takes one number");
            const op code = n == "years" ? op::years : n == "months" ? op::months : op::days;
            return make(code, plain(value_type::duration, args[0].type.nullable), at, args[0].node);
        }
        if (n == "min" || n == "max") {
            if (!arity(2)) return report(at, n + "() takes two arguments");
            if (args[0].type.base != args[1].type.base || args[0].type.list || !orderable(args[0].type.base))
                return report(at, n + "() needs two numbers or two dates, not " + describe(args[0].type) + " and " + describe(args[1].type));
            type_info t = args[0].type;
            t.nullable = args[0].type.nullable || args[1].type.nullable;
            return make(n == "min" ? op::minimum : op::maximum, t, at, args[0].node, args[1].node);
        }
        if (n == "date") {
            if (!arity(1) || !is_text_constant(args[0])) return report(at, "date() takes one 'YYYY-MM-DD' string literal");
            const auto d = parse_date(pool_.nodes[static_cast<std::size_t>(args[0].node)].constant.text());
            if (!d) return report(args[0].offset, "not a calendar date (YYYY-MM-DD)");
            return constant(value::of_date(*d), plain(value_type::date), at);
        }
        if (n == "years_between") {
            if (!arity(2) || args[0].type.base != value_type::date || args[1].type.base != value_type::date || args[0].type.list || args[1].type.list)
                return report(at, "years_between() takes two dates");
            return make(op::years_between, plain(value_type::number, args[0].type.nullable || args[1].type.nullable), at, args[0].node, args[1].node);
        }
        if (n == "within") {
            if (!arity(2) || args[0].type.base != value_type::date || args[1].type.base != value_type::duration || args[0].type.list)
                return report(at, "within() takes a date and a duration, e.g. within(date, years(5))");
            if (scope_.item == item_scope::evidence_flags || scope_.item == item_scope::data)
                return report(at, "within() needs the decision date, which is not in scope here");
            return make(op::within, plain(value_type::boolean, args[0].type.nullable), at, args[0].node, args[1].node);
        }
        if (n == "abs") {
            if (!arity(1) || !number_arg(args[0])) return report(at, "abs() takes one number");
            return make(op::absolute, args[0].type, at, args[0].node);
        }
        return report(at, "unknown function '" + n + "'");
    }

    /// The comma-separated arguments of a call, through the closing parenthesis.
    std::vector<typed> arguments() {
        std::vector<typed> args;
        if (cur_.kind != tok::rparen) {
            args.push_back(parse_choice());
            while (cur_.kind == tok::comma) {
                advance();
                args.push_back(parse_choice());
            }
        }
        expect(tok::rparen, "')'");
        return args;
    }

    typed table_call(std::size_t at) {
        std::vector<typed> args = arguments();
        for (const auto& a : args)
            if (a.poisoned) return poisoned(at);
        if (args.empty() || !is_text_constant(args[0]))
            return report(at, "table() takes a table id in quotes, then one value per input");
        const std::string id(pool_.nodes[static_cast<std::size_t>(args[0].node)].constant.text());
        std::int32_t index = -1;
        for (std::size_t i = 0; i < pool_.tables.size(); ++i)
            if (pool_.tables[i]->id == id) index = static_cast<std::int32_t>(i);
        if (index < 0) {
            const auto& broken = pool_.broken_tables;
            if (std::find(broken.begin(), broken.end(), id) != broken.end()) return poisoned(at);
            return report(args[0].offset, "unknown table '" + id + "'");
        }
        const decision_table& t = *pool_.tables[static_cast<std::size_t>(index)];
        if (t.inputs.size() > 16) return report(at, "tables called from expressions take at most 16 inputs");
        if (args.size() - 1 != t.inputs.size())
            return report(at, "table '" + id + "' takes " + std::to_string(t.inputs.size()) + " input(s), not " + std::to_string(args.size() - 1));
        std::vector<std::int32_t> inputs;
        for (std::size_t i = 1; i < args.size(); ++i) {
            const table_input& input = t.inputs[i - 1];
            const type_info got = args[i].type;
            const bool fits = !got.list && (got.base == value_type::null_t ||
                (input.type == table_type::number && got.base == value_type::number) ||
                (input.type == table_type::boolean && got.base == value_type::boolean) ||
                (input.type == table_type::string && (got.base == value_type::string || is_interned(got.base))));
            if (!fits)
                return report(args[i].offset, "input '" + input.name + "' of table '" + id + "' takes a " +
                                                  (input.type == table_type::number ? "number" : input.type == table_type::string ? "string" : "bool") +
                                                  ", not " + describe(got));
            inputs.push_back(args[i].node);
        }
        type_info result = t.result_type();
        if (t.returns_list()) result = {value_type::array, false, true};
        expr_node n;
        n.code = op::table_call;
        n.type = result;
        n.index = index;
        typed out;
        out.node = add_node(pool_, n, inputs);
        out.type = result;
        out.offset = at;
        return out;
    }

    typed quantifier(const std::string& n, std::size_t at) {
        typed list = parse_choice();
        expect(tok::comma, "',' after the list");
        const bool usable = !list.poisoned && list.type.list;
        if (elements_.size() >= max_nesting) fail_syntax(at, "quantifiers nest at most " + std::to_string(max_nesting) + " deep");
        elements_.push_back(usable ? list.type.base : value_type::null_t);
        typed body = parse_choice();
        elements_.pop_back();
        expect(tok::rparen, "')'");
        if (list.poisoned || body.poisoned) return poisoned(at);
        if (!usable) return report(list.offset, n + "() needs a list, not " + describe(list.type));
        if (!is_condition(body.type)) return report(body.offset, "the condition of " + n + "() must be bool, not " + describe(body.type));
        // The element this quantifier binds is read at index depth - 1 (see `name`).
        const auto depth = static_cast<std::int32_t>(elements_.size() + 1);
        if (n == "count") return make(op::count_of, plain(value_type::number), at, list.node, body.node, -1, depth);
        const op code = n == "any" ? op::any_of : n == "all" ? op::all_of : op::none_of;
        return make(code, plain(value_type::boolean), at, list.node, body.node, -1, depth);
    }

    // ---- operators ----
    typed poisoned(std::size_t at) {
        typed t;
        t.poisoned = true;
        t.offset = at;
        t.node = emit(expr_node{});
        return t;
    }
    static bool is_condition(type_info t) { return t.base == value_type::boolean && !t.list; }
    static bool orderable(value_type t) {
        return t == value_type::number || t == value_type::date || t == value_type::level ||
               t == value_type::string;
    }

    typed logical(op code, typed left, typed right, std::size_t at, const char* word) {
        if (left.poisoned || right.poisoned) return poisoned(at);
        if (!is_condition(left.type)) return report(left.offset, std::string("'") + word + "' needs bool operands, not " + describe(left.type));
        if (!is_condition(right.type)) return report(right.offset, std::string("'") + word + "' needs bool operands, not " + describe(right.type));
        return make(code, plain(value_type::boolean, left.type.nullable || right.type.nullable), at, left.node, right.node);
    }

    typed arithmetic(op code, typed left, typed right, const token& at) {
        if (left.poisoned || right.poisoned) return poisoned(at.offset);
        const value_type l = left.type.list ? value_type::relation : left.type.base;
        const value_type r = right.type.list ? value_type::relation : right.type.base;
        const bool nullable = left.type.nullable || right.type.nullable;
        if (l == value_type::number && r == value_type::number)
            return make(code, plain(value_type::number, nullable || code == op::divide), at.offset, left.node, right.node);
        if (code == op::add || code == op::subtract) {
            if (l == value_type::date && r == value_type::duration)
                return make(code, plain(value_type::date, nullable), at.offset, left.node, right.node);
            if (code == op::add && l == value_type::duration && r == value_type::date)
                return make(code, plain(value_type::date, nullable), at.offset, right.node, left.node);
            if (code == op::subtract && l == value_type::date && r == value_type::date)
                return make(code, plain(value_type::number, nullable), at.offset, left.node, right.node);
            if (code == op::add && l == value_type::duration && r == value_type::duration)
                return make(code, plain(value_type::duration, nullable), at.offset, left.node, right.node);
        }
        return report(at.offset, "'" + at.text + "' cannot combine " + describe(left.type) + " and " + describe(right.type));
    }

    typed membership(typed element, typed list, std::size_t at) {
        if (list.type.base == value_type::array && !element.type.list)
            return make(op::member_of, plain(value_type::boolean, element.type.nullable), at, element.node, list.node);
        if (!list.type.list) return report(list.offset, "'in' needs a list on its right, not " + describe(list.type));
        if (is_text_constant(element) && is_interned(list.type.base)) {
            element = resolve_text(element, list.type.base);
            if (element.poisoned) return element;
        }
        if (element.type.list || element.type.base != list.type.base)
            return report(at, "cannot look for " + describe(element.type) + " in " + describe(list.type));
        return make(op::member_of, plain(value_type::boolean, element.type.nullable), at, element.node, list.node);
    }

    // A string literal next to an interned id becomes that id, so that comparisons are integer
    // comparisons and a misspelt id is a load-time error.
    void unify_text(typed& literal, const typed& other) {
        if (!is_text_constant(literal) || other.poisoned || other.type.list || !is_interned(other.type.base)) return;
        literal = resolve_text(literal, other.type.base);
    }

    typed resolve_text(const typed& literal, value_type target) {
        const std::string text(pool_.nodes[static_cast<std::size_t>(literal.node)].constant.text());
        std::optional<id_index> found;
        switch (target) {
        case value_type::level: found = qualification::find_id(q_.levels, text); break;
        case value_type::competence: found = qualification::find_id(q_.competences, text); break;
        case value_type::criterion: found = qualification::find_id(q_.criteria, text); break;
        case value_type::evidence_type: found = qualification::find_id(q_.evidence_types, text); break;
        case value_type::role: found = qualification::find(q_.experience_roles, text); break;
        case value_type::tag: found = qualification::find(q_.tags, text); break;
        case value_type::credential_type: found = qualification::find(q_.credential_types, text); break;
        default: break;
        }
        if (!found) {
            const std::string what = target == value_type::level ? "level '" + text + "' is outside the qualification's levels"
                                                                 : std::string("unknown ") + to_string(target) + " '" + text + "'";
            return report(literal.offset, what);
        }
        return constant(value::of_int(target, *found), plain(target), literal.offset);
    }

    lexer lex_;
    token cur_;
    const qualification& q_;
    scope scope_;
    expr_pool& pool_;
    std::vector<expr_diagnostic>& problems_;
    std::vector<value_type> elements_;
    std::size_t depth_ = 0;
    std::unordered_map<std::int32_t, std::size_t> tree_depth_;
};

} // namespace

std::int32_t compile_expression(std::string_view text, const qualification& q, const scope& where,
                                value_type expected, expr_pool& pool,
                                std::vector<expr_diagnostic>& problems) {
    const std::size_t before = problems.size();
    try {
        compiler c(text, q, where, pool, problems);
        typed result = c.run();
        if (problems.size() != before) return -1;
        if (expected != value_type::null_t &&
            (result.type.list || (result.type.base != expected && result.type.base != value_type::null_t))) {
            problems.push_back({0, std::string("expected a ") + to_string(expected) + " expression, but this is " + describe(result.type)});
            return -1;
        }
        return result.node;
    } catch (const syntax_error&) {
        return -1;
    }
}

namespace {

std::int32_t field(expr_pool& pool, op code, type_info type, std::int32_t index = 0) {
    expr_node n;
    n.code = code;
    n.type = type;
    n.index = index;
    return add_node(pool, n);
}

std::int32_t level_param(const std::string& param, const qualification& q, expr_pool& pool,
                         std::string& problem) {
    bool everywhere = !q.levels.empty();
    for (const auto& l : q.levels) everywhere = everywhere && l.params.count(param) != 0;
    if (!everywhere) {
        problem = "level parameter '" + param + "' is not defined on every level";
        return -1;
    }
    std::int32_t index = -1;
    for (std::size_t i = 0; i < pool.level_param_names.size(); ++i)
        if (pool.level_param_names[i] == param) index = static_cast<std::int32_t>(i);
    if (index < 0) {
        pool.level_param_names.push_back(param);
        index = static_cast<std::int32_t>(pool.level_param_names.size() - 1);
    }
    return field(pool, op::level_param, {value_type::number, false, false}, index);
}

} // namespace

std::int32_t add_node(expr_pool& pool, expr_node node, const std::vector<std::int32_t>& args) {
    if (!args.empty()) {
        node.args = static_cast<std::uint32_t>(pool.arg_lists.size());
        node.count = static_cast<std::uint32_t>(args.size());
        pool.arg_lists.insert(pool.arg_lists.end(), args.begin(), args.end());
    }
    pool.nodes.push_back(node);
    return static_cast<std::int32_t>(pool.nodes.size() - 1);
}

std::int32_t resolve_name(const std::string& n, const qualification& q, const scope& where,
                          const std::vector<value_type>& elements, expr_pool& pool,
                          std::string& problem) {
    auto plain = [](value_type v, bool nullable = false) { return type_info{v, false, nullable}; };
    // Quantifier elements shadow the item scope: the innermost element's fields come first.
    if (!elements.empty()) {
        const value_type element = elements.back();
        const auto depth = static_cast<std::int32_t>(elements.size() - 1);
        if (n == "it") return field(pool, op::element, plain(element), depth);
        if (element == value_type::relation) {
            if (n == "kind") return field(pool, op::relation_kind, plain(value_type::string), depth);
            if (n == "until") return field(pool, op::relation_until, plain(value_type::date, true), depth);
        }
    }
    const bool candidate = where.item != item_scope::evidence_flags && where.item != item_scope::data;
    if (candidate) {
        if (n == "as_of") return field(pool, op::as_of, plain(value_type::date));
        if (n == "candidate.id") return field(pool, op::candidate_id, plain(value_type::string));
        if (n == "candidate.employer") return field(pool, op::candidate_employer, plain(value_type::string));
    }
    if (where.has_level) {
        if (n == "level") return field(pool, op::level_current, plain(value_type::level));
        if (n.rfind("level.", 0) == 0) return level_param(n.substr(6), q, pool, problem);
    }
    if (where.has_competence) {
        if (n == "competence" || n == "competence.id") return field(pool, op::competence_current, plain(value_type::competence));
        if (n == "competence.tags") return field(pool, op::competence_tags, {value_type::tag, true, false});
        if (n == "competence.credits") return field(pool, op::competence_credits, plain(value_type::number));
    }
    if (where.item == item_scope::evidence || where.item == item_scope::evidence_flags) {
        if (auto flag = qualification::find(q.evidence_flags, n))
            return field(pool, op::evidence_flag, plain(value_type::boolean), *flag);
    }
    if (where.item == item_scope::evidence) {
        if (n == "id") return field(pool, op::evidence_id, plain(value_type::string));
        if (n == "type") return field(pool, op::evidence_type_of, plain(value_type::evidence_type));
        if (n == "date") return field(pool, op::evidence_date, plain(value_type::date));
        if (n == "covers") return field(pool, op::evidence_covers, {value_type::criterion, true, false});
        if (n == "direct") return field(pool, op::evidence_direct, plain(value_type::boolean));
        if (n == "authentic") return field(pool, op::evidence_authentic, plain(value_type::boolean));
    }
    if (where.item == item_scope::assessor) {
        if (n == "id") return field(pool, op::assessor_id, plain(value_type::string));
        if (n == "employer") return field(pool, op::assessor_employer, plain(value_type::string));
        if (n == "industry") return field(pool, op::assessor_industry, plain(value_type::boolean));
        if (n == "held_level") return field(pool, op::assessor_held_level, plain(value_type::level, true));
        if (n == "sector_years") return field(pool, op::assessor_sector_years, plain(value_type::number));
        if (n == "trained") return field(pool, op::assessor_trained, plain(value_type::boolean));
        if (n == "relations") return field(pool, op::assessor_relations, {value_type::relation, true, false});
    }
    if (problem.empty()) problem = "unknown name '" + n + "' here";
    return -1;
}

void* scratch::allocate(std::size_t bytes, std::size_t align) {
    const std::size_t block_size = block_size_;
    for (;;) {
        if (block_ < blocks_.size()) {
            auto& [memory, capacity] = blocks_[block_];
            const std::size_t start = (used_ + align - 1) & ~(align - 1);
            if (start + bytes <= capacity) {
                used_ = start + bytes;
                memory_ = memory.get();
                room_ = capacity;
                return memory.get() + start;
            }
            ++block_;
            used_ = 0;
            continue;
        }
        const std::size_t capacity = bytes + align > block_size ? bytes + align : block_size;
        // Not zeroed: every value is written before it is read.
        blocks_.emplace_back(std::unique_ptr<unsigned char[]>(new unsigned char[capacity]), capacity);
        block_ = blocks_.size() - 1;
        used_ = 0;
    }
}

bool is_candidate_independent(const expr_pool& pool, std::int32_t node) noexcept {
    if (node < 0) return true;
    const expr_node& n = pool.nodes[static_cast<std::size_t>(node)];
    switch (n.code) {
    case op::as_of: case op::candidate_id: case op::candidate_employer:
    case op::evidence_id: case op::evidence_type_of: case op::evidence_date: case op::evidence_covers:
    case op::evidence_direct: case op::evidence_authentic: case op::evidence_flag:
    case op::assessor_id: case op::assessor_employer: case op::assessor_industry:
    case op::assessor_held_level: case op::assessor_sector_years: case op::assessor_trained:
    case op::assessor_relations: case op::relation_kind: case op::relation_until:
    case op::jl_var: case op::jl_missing: case op::jl_missing_some: case op::within:
        return false;
    default:
        break;
    }
    for (std::uint32_t i = 0; i < n.count; ++i)
        if (!is_candidate_independent(pool, pool.arg_lists[n.args + i])) return false;
    return is_candidate_independent(pool, n.a) && is_candidate_independent(pool, n.b) &&
           is_candidate_independent(pool, n.c);
}

} // namespace masterpro::detail
