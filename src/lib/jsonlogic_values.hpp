// JsonLogic's value semantics (those of JavaScript, as json-logic-js applies them): truthiness,
// number and string conversion, loose and strict equality, ordering, and paths into data.
#pragma once

#include "expression.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace masterpro::detail::js {

/// Turns typed values into JSON-like ones: dates become `YYYY-MM-DD` strings, interned ids their
/// id strings, typed lists arrays. Values already JSON-like are returned unchanged.
value typed_to_plain(value v, const qualification& q, scratch& arena);
inline value plain(value v, const qualification& q, scratch& arena) {
    switch (v.type) {
    case value_type::null_t: case value_type::boolean: case value_type::number:
    case value_type::string: case value_type::array: case value_type::object:
        if (!v.list) return v;
        break;
    default: break;
    }
    return typed_to_plain(v, q, arena);
}

/// Objects of data laid out for a rule (jsonlogic_layout.hpp) are rows: one value per slot of
/// their shape, in slot order, with no key beside each (rows are half the size of members, and
/// a pass over a list reads fewer cache lines). A row is an object value with atom 1 whose
/// `elements` are its slots; the value before the first slot holds the shape's keys. A slot the
/// data did not have holds an absent value (null with atom 1): absent, not null.
inline bool is_row(const value& v) noexcept { return v.type == value_type::object && v.atom == 1; }
inline bool is_absent(const value& slot) noexcept { return slot.type == value_type::null_t && slot.atom == 1; }
/// The key of slot `i` of a row.
inline const std::string& row_key(const value& row, std::size_t i) noexcept {
    return static_cast<const std::string*>(row.elements[-1].items)[i];
}
/// A row for `keys` (which must outlive it) in the arena, every slot absent: fill its slots,
/// then make_row() it.
inline value* new_row(const std::vector<std::string>& keys, scratch& arena) {
    value* block = arena.make<value>(keys.size() + 1);
    block[0].items = keys.data();
    value absent;
    absent.atom = 1;
    for (std::size_t i = 1; i <= keys.size(); ++i) block[i] = absent;
    return block + 1;
}
inline value make_row(const value* slots, std::size_t n) noexcept {
    value v;
    v.type = value_type::object;
    v.atom = 1;
    v.elements = slots;
    v.size = static_cast<std::uint32_t>(n);
    return v;
}

/// JsonLogic truthiness: false for null, false, 0, NaN, "" and []; true otherwise.
bool truthy(const value& v) noexcept;

/// JavaScript ToNumber (null → 0, "" → 0, "12" → 12, "x" → NaN, [] → 0, [7] → 7).
double to_number(const value& v, scratch& arena);

/// JavaScript parseFloat of String(v): the longest numeric prefix, else NaN.
double parse_float(const value& v, scratch& arena);

/// JavaScript String(v): numbers in shortest round-trip form, arrays joined with commas.
std::string_view to_text(const value& v, scratch& arena);

/// `==` with JavaScript's coercions; `===`.
bool loose_equal(const value& a, const value& b, scratch& arena);
inline bool strict_equal(const value& a, const value& b) noexcept {
    if (a.type != b.type) return false;
    // Interned strings: equal to the same constant, or one is a constant the other is not.
    if (a.atom > 1 || b.atom > 1) {
        if (a.atom != 0 && b.atom != 0) return a.atom == b.atom;
    }
    switch (a.type) {
    case value_type::null_t: return true;
    case value_type::boolean: return a.boolean == b.boolean;
    case value_type::number: return a.number == b.number;
    case value_type::string: return a.text() == b.text();
    case value_type::array: return a.elements == b.elements && a.size == b.size;
    case value_type::object: return a.members == b.members && a.size == b.size;
    default: return a.integer == b.integer;
    }
}


/// `<` and `<=` with JavaScript's coercions (strings compare as strings, else as numbers; any
/// NaN makes both false).
bool less(const value& a, const value& b, scratch& arena);
bool less_equal(const value& a, const value& b, scratch& arena);

/// Follows a dotted path (already split) into object members and array indices; `fallback`
/// when a step is missing. A null found on the way ends the walk with the fallback; a null at
/// the end is returned as it is.
/// `from`: the first step to follow.
value lookup(value data, const std::vector<std::string>& path, value fallback, std::size_t from = 0);

/// Splits a path at '.', as JsonLogic's `var` does ("" is the whole data).
std::vector<std::string> split_path(std::string_view path);

/// A string made in the arena.
value make_text(std::string_view text, scratch& arena);

/// An array made in the arena from `items`.
value make_array(const std::vector<value>& items, scratch& arena);

} // namespace masterpro::detail::js
