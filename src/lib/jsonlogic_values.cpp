// JsonLogic's JavaScript value semantics over masterpro's values.
#include "jsonlogic_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace masterpro::detail::js {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

/// Number text as JavaScript's Number.prototype.toString prints it, for the usual range.
std::string number_text(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return "0";
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
    return std::string(buffer, result.ptr);
}

bool is_array_like(const value& v) noexcept { return v.type == value_type::array; }

/// ToPrimitive for the coercions: arrays and objects become their String() form.
value primitive(const value& v, scratch& arena) {
    if (v.type == value_type::array || v.type == value_type::object) return make_text(to_text(v, arena), arena);
    return v;
}

} // namespace

value make_text(std::string_view text, scratch& arena) {
    char* chars = arena.make<char>(text.size() + 1);
    if (!text.empty()) std::memcpy(chars, text.data(), text.size());
    chars[text.size()] = '\0';
    return value::of_text(chars, text.size());
}

value make_array(const std::vector<value>& items, scratch& arena) {
    value* copy = arena.make<value>(items.empty() ? 1 : items.size());
    for (std::size_t i = 0; i < items.size(); ++i) copy[i] = items[i];
    return value::of_array(copy, items.size());
}

value typed_to_plain(value v, const qualification& q, scratch& arena) {
    if (v.list) {
        std::vector<value> items;
        items.reserve(v.size);
        for (std::uint32_t i = 0; i < v.size; ++i) {
            value e;
            if (v.type == value_type::relation) e = value::null(); // relations have no JSON form here
            else e = plain(value::of_int(v.type, static_cast<const id_index*>(v.items)[i]), q, arena);
            items.push_back(e);
        }
        return make_array(items, arena);
    }
    switch (v.type) {
    case value_type::date: return make_text(masterpro::to_string(date{v.integer}), arena);
    case value_type::level: return value::of_text(q.levels[static_cast<std::size_t>(v.integer)].id);
    case value_type::competence: return value::of_text(q.competences[static_cast<std::size_t>(v.integer)].id);
    case value_type::criterion: return value::of_text(q.criteria[static_cast<std::size_t>(v.integer)].id);
    case value_type::evidence_type: return value::of_text(q.evidence_types[static_cast<std::size_t>(v.integer)].id);
    case value_type::role: return value::of_text(q.experience_roles[static_cast<std::size_t>(v.integer)]);
    case value_type::tag: return value::of_text(q.tags[static_cast<std::size_t>(v.integer)]);
    case value_type::credential_type: return value::of_text(q.credential_types[static_cast<std::size_t>(v.integer)]);
    case value_type::duration:
    case value_type::relation: return value::null();
    default: return v;
    }
}

bool truthy(const value& v) noexcept {
    switch (v.type) {
    case value_type::null_t: return false;
    case value_type::boolean: return v.boolean;
    case value_type::number: return v.number != 0 && !std::isnan(v.number);
    case value_type::string: return v.size != 0;
    case value_type::array: return v.size != 0;
    default: return v.list ? v.size != 0 : true;
    }
}

std::string_view to_text(const value& v, scratch& arena) {
    switch (v.type) {
    case value_type::string: return v.text();
    case value_type::null_t: return "null";
    case value_type::boolean: return v.boolean ? "true" : "false";
    case value_type::number: return make_text(number_text(v.number), arena).text();
    case value_type::object: return "[object Object]";
    case value_type::array: {
        std::string joined;
        for (std::uint32_t i = 0; i < v.size; ++i) {
            if (i) joined += ',';
            const value& e = v.elements[i];
            if (!e.is_null()) joined += to_text(e, arena);
        }
        return make_text(joined, arena).text();
    }
    default: return "";
    }
}

double to_number(const value& v, scratch& arena) {
    switch (v.type) {
    case value_type::null_t: return 0;
    case value_type::boolean: return v.boolean ? 1 : 0;
    case value_type::number: return v.number;
    case value_type::string: {
        const std::string_view t = trim(v.text());
        if (t.empty()) return 0;
        const std::string text(t);
        if (text == "Infinity" || text == "+Infinity") return std::numeric_limits<double>::infinity();
        if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        // strtod also reads "inf", "nan" and hex floats with exponents, which JavaScript does not.
        if (end != text.c_str() + text.size() || text.find_first_of("iInN") != std::string::npos) return nan;
        return d;
    }
    case value_type::array:
    case value_type::object: return to_number(primitive(v, arena), arena);
    default: return nan;
    }
}

double parse_float(const value& v, scratch& arena) {
    if (v.type == value_type::number) return v.number;
    std::string_view t = to_text(v, arena);
    while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
    std::size_t end = 0;
    if (end < t.size() && (t[end] == '+' || t[end] == '-')) ++end;
    if (t.substr(end).rfind("Infinity", 0) == 0) return t[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    bool digits = false;
    while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end, digits = true;
    if (end < t.size() && t[end] == '.') {
        ++end;
        while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end, digits = true;
    }
    if (!digits) return nan;
    if (end < t.size() && (t[end] == 'e' || t[end] == 'E')) {
        std::size_t exp = end + 1;
        if (exp < t.size() && (t[exp] == '+' || t[exp] == '-')) ++exp;
        if (exp < t.size() && std::isdigit(static_cast<unsigned char>(t[exp]))) {
            while (exp < t.size() && std::isdigit(static_cast<unsigned char>(t[exp]))) ++exp;
            end = exp;
        }
    }
    return std::strtod(std::string(t.substr(0, end)).c_str(), nullptr);
}

bool loose_equal(const value& a, const value& b, scratch& arena) {
    if (a.type == b.type) return strict_equal(a, b);
    if (a.is_null() || b.is_null()) return false;
    if (a.type == value_type::boolean) return loose_equal(value::of_number(a.boolean ? 1 : 0), b, arena);
    if (b.type == value_type::boolean) return loose_equal(a, value::of_number(b.boolean ? 1 : 0), arena);
    if (a.type == value_type::number && b.type == value_type::string) return a.number == to_number(b, arena);
    if (a.type == value_type::string && b.type == value_type::number) return to_number(a, arena) == b.number;
    const bool a_compound = is_array_like(a) || a.type == value_type::object;
    const bool b_compound = is_array_like(b) || b.type == value_type::object;
    if (a_compound && !b_compound) return loose_equal(primitive(a, arena), b, arena);
    if (b_compound && !a_compound) return loose_equal(a, primitive(b, arena), arena);
    return false;
}

namespace {

/// -1, 0, 1, or 2 when unordered (NaN).
int order(const value& x, const value& y, scratch& arena) {
    const value a = primitive(x, arena);
    const value b = primitive(y, arena);
    if (a.type == value_type::string && b.type == value_type::string) {
        const int c = a.text().compare(b.text());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    const double l = to_number(a, arena), r = to_number(b, arena);
    if (std::isnan(l) || std::isnan(r)) return 2;
    return l < r ? -1 : (l > r ? 1 : 0);
}

} // namespace

bool less(const value& a, const value& b, scratch& arena) { return order(a, b, arena) == -1; }

bool less_equal(const value& a, const value& b, scratch& arena) {
    const int o = order(a, b, arena);
    return o == -1 || o == 0;
}

value lookup(value data, const std::vector<std::string>& path, value fallback, std::size_t from) {
    for (std::size_t s = from; s < path.size(); ++s) {
        const std::string& step = path[s];
        if (is_row(data)) { // a row's keys are distinct
            bool found = false;
            for (std::uint32_t i = 0; i < data.size; ++i) {
                if (!is_absent(data.elements[i]) && row_key(data, i) == step) {
                    data = data.elements[i];
                    found = true;
                    break;
                }
            }
            if (!found) return fallback;
        } else if (data.type == value_type::object) {
            // The last of repeated keys counts, as JavaScript's JSON.parse keeps it.
            bool found = false;
            for (std::uint32_t i = data.size; i-- > 0;) {
                if (data.members[i].key && data.members[i].name() == step) {
                    data = data.members[i].item;
                    found = true;
                    break;
                }
            }
            if (!found) return fallback;
        } else if (data.type == value_type::array) {
            std::size_t index = 0;
            auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), index);
            if (ec != std::errc() || end != step.data() + step.size() || index >= data.size) return fallback;
            data = data.elements[index];
        } else {
            return fallback;
        }
    }
    return data;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> steps;
    if (path.empty()) return steps;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        steps.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return steps;
}

} // namespace masterpro::detail::js
