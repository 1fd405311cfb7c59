// JsonLogic on Python data (python_data.hpp).
#include "python_data.hpp"

#include "python_dict.hpp"

#include "evaluate.hpp"
#include "jsonlogic_values.hpp"
#include "program.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace py = pybind11;

namespace masterpro::python {

using detail::member;
using detail::value;
using detail::value_type;

class data_keys {
  public:
    /// Per shape of the layout, per slot: the key as a Python str.
    std::vector<std::vector<py::object>> keys;
};

std::shared_ptr<const data_keys> make_data_keys(const jsonlogic_rule& rule) {
    auto made = std::make_shared<data_keys>();
    for (const auto& shape : rule.program()->layout.shapes) {
        std::vector<py::object> names;
        for (const auto& key : shape.keys) {
            PyObject* name = PyUnicode_FromStringAndSize(key.data(), static_cast<Py_ssize_t>(key.size()));
            if (!name) throw py::error_already_set();
            PyUnicode_InternInPlace(&name);
            names.push_back(py::reinterpret_steal<py::object>(name));
        }
        made->keys.push_back(std::move(names));
    }
    return made;
}

namespace {

constexpr std::int32_t entire = detail::data_shape::load_entire;
constexpr std::int32_t skip = detail::data_shape::load_skip;

/// Python data to values; the Python objects outlive the evaluation (the caller holds them), so
/// strings point into them.
class converter {
  public:
    converter(const detail::program& rules, const data_keys& keys, detail::scratch& arena)
        : rules_(rules), layout_(rules.layout), keys_(keys), arena_(arena),
          seen_(arena.make<seen_key*>(layout_.shapes.size())) {
        std::fill_n(seen_, layout_.shapes.size(), nullptr);
    }

    // Inline where values are read (forced: GCC finds it too large, and the calls cost ~5% of
    // a record): the types json.loads makes, by their exact types; the others by a call.
    [[gnu::always_inline]] bool convert(PyObject* o, std::int32_t how, bool in_layout, std::size_t depth, value& out) {
        PyTypeObject* type = Py_TYPE(o);
        if (type == &PyUnicode_Type) return text(o, in_layout, out);
        if (type == &PyLong_Type) return number(o, out);
        if (type == &PyBool_Type) {
            out = value::of_bool(o == Py_True);
            return true;
        }
        if (type == &PyDict_Type) return object(o, how, depth, out);
        if (type == &PyList_Type) return array(o, how, depth, out);
        return convert_other(o, how, in_layout, depth, out);
    }

  private:
    /// convert() for the other types.
    bool convert_other(PyObject* o, std::int32_t how, bool in_layout, std::size_t depth, value& out) {
        if (o == Py_None) {
            out = value::null();
            return true;
        }
        if (PyLong_Check(o)) return number(o, out);
        if (PyFloat_Check(o)) {
            const double d = PyFloat_AS_DOUBLE(o);
            if (!std::isfinite(d)) return false;
            out = value::of_number(d);
            return true;
        }
        if (PyUnicode_Check(o)) return text(o, in_layout, out);
        if (PyDict_Check(o)) return object(o, how, depth, out);
        if (PyList_Check(o) || PyTuple_Check(o)) return array(o, how, depth, out);
        return false;
    }

    /// A dict key met at one position of one shape's dicts, and the slot it gives (-1: a key
    /// the rule does not read). Dicts made alike (by json.loads, or from one literal) share
    /// their key objects, in the same order, so most keys are known by their address, without
    /// reading their text. The memo lasts one call: the caller holds the data, which does not
    /// change while it converts (the evaluation reads its strings after), so no key seen is
    /// freed and no address is reused meanwhile.
    struct seen_key {
        PyObject* key;
        std::int32_t slot;
    };

    /// The UTF-8 text of a str: its own bytes when it is compact ASCII (as most are), else
    /// CPython's cached UTF-8 copy; nullptr for lone surrogates (the JSON route refuses them
    /// with its message).
    static const char* utf8_of(PyObject* o, std::size_t& n) {
        if (PyUnicode_IS_COMPACT_ASCII(o)) {
            n = static_cast<std::size_t>(PyUnicode_GET_LENGTH(o));
            return static_cast<const char*>(PyUnicode_DATA(o));
        }
        Py_ssize_t size = 0;
        const char* s = PyUnicode_AsUTF8AndSize(o, &size);
        if (!s) PyErr_Clear();
        n = static_cast<std::size_t>(size);
        return s;
    }

    [[gnu::always_inline]] bool text(PyObject* o, bool in_layout, value& out) {
        std::size_t n = 0;
        const char* s = utf8_of(o, n);
        if (!s) return false;
        out = value::of_text(s, n);
        if (in_layout) out.atom = layout_.atom_of(s, n);
        return true;
    }
    [[gnu::always_inline]] static bool number(PyObject* o, value& out) {
        // Most ints have one digit (|n| < 2**30): read in place where CPython says how.
#if PY_VERSION_HEX >= 0x030C0000
        const auto* whole = reinterpret_cast<PyLongObject*>(o);
        if (PyUnstable_Long_IsCompact(whole)) {
            out = value::of_number(static_cast<double>(PyUnstable_Long_CompactValue(whole)));
            return true;
        }
#elif PY_VERSION_HEX >= 0x030B0000
        const Py_ssize_t digits = Py_SIZE(o); // negative for negative ints
        if (digits >= -1 && digits <= 1) {
            const double magnitude = digits == 0 ? 0.0 : static_cast<double>(reinterpret_cast<PyLongObject*>(o)->ob_digit[0]);
            out = value::of_number(digits < 0 ? -magnitude : magnitude);
            return true;
        }
#endif
        int overflow = 0;
        const long long small = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0 && !(small == -1 && PyErr_Occurred())) {
            out = value::of_number(static_cast<double>(small));
            return true;
        }
        PyErr_Clear();
        const double d = PyLong_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return false;
        }
        out = value::of_number(d);
        return true;
    }

    static bool string_keys_only(PyObject* o) {
        PyObject *key, *item;
        Py_ssize_t at = 0;
        while (PyDict_Next(o, &at, &key, &item))
            if (!PyUnicode_Check(key)) return false;
        return true;
    }

    /// A member a laid-out dict has for the rule: its slot and value.
    struct gathered {
        std::int32_t slot;
        PyObject* item;
    };

    /// Hints that `p` (an object's first line) is read soon; never faults.
    static void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
    /// Hints that a small object (a str, an int) is read soon: its two first lines, as
    /// CPython's allocator places objects across line boundaries.
    static void prefetch_value(const void* p) {
        prefetch(p);
        prefetch(static_cast<const char*>(p) + 32);
    }
    /// When `o` is a dict: hints that its key table (the start of it, where the entries of
    /// small dicts are: 120 bytes for up to 5 keys, over three lines) is read soon. Reads the
    /// dict, which should be in cache by then.
    static void prefetch_table(PyObject* o) {
        if (Py_TYPE(o) != &PyDict_Type) return;
        const char* table = reinterpret_cast<const char*>(reinterpret_cast<PyDictObject*>(o)->ma_keys);
        prefetch(table);
        prefetch(table + 64);
        prefetch(table + 128);
    }

    /// The members of dict `o` (laid out as shape `how`) that the rule reads, into `out`, their
    /// values prefetched; their number, or -1 when `o` is not the usual case (not a dict, too
    /// many members to walk, a bound crossed, a key that is not a str): object() then converts
    /// it, and says what becomes of it.
    int gather(PyObject* o, std::int32_t how, std::size_t depth, gathered* out) {
        if (!PyDict_Check(o)) return -1;
        const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(how)];
        const std::size_t slots = shape.keys.size();
        const auto count = static_cast<std::size_t>(PyDict_GET_SIZE(o));
        const std::size_t walked = 2 * slots + 2;
        if (count > walked || depth > rules_.bounds.max_json_depth || count > rules_.bounds.max_items) return -1;
        seen_key* seen = memo(how, walked);
        int n = 0;
        // The i-th member (of `count`): its key, known at its position or learnt.
        auto member = [&](std::size_t i, PyObject* key, PyObject* item) {
            seen_key& known = seen[i]; // i < count <= walked
            if (known.key != key && !learn(shape, key, known)) return false;
            if (known.slot >= 0) {
                prefetch_value(item);
                out[n++] = gathered{known.slot, item};
            }
            return true;
        };
        const str_entry* entries = nullptr;
        Py_ssize_t stored = 0;
        if (str_entries(o, entries, stored)) { // read in place, in PyDict_Next's order
            std::size_t i = 0;
            for (Py_ssize_t e = 0; e < stored && i < count; ++e) {
                if (!entries[e].value) continue; // removed
                if (!member(i++, entries[e].key, entries[e].value)) return -1;
            }
            return n;
        }
        PyObject *key, *item;
        Py_ssize_t at = 0;
        for (std::size_t i = 0; i < count && PyDict_Next(o, &at, &key, &item); ++i)
            if (!member(i, key, item)) return -1;
        return n;
    }

    /// A dict gather() read: its members converted into their slots.
    bool fill(std::int32_t how, std::size_t depth, const gathered* found, int n, value& out) {
        const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(how)];
        value* row = detail::js::new_row(shape.keys, arena_); // absent until found
        for (int j = 0; j < n; ++j) {
            const auto slot = static_cast<std::size_t>(found[j].slot);
            if (!convert(found[j].item, shape.load_children[slot], true, depth + 1, row[slot])) return false;
        }
        out = detail::js::make_row(row, shape.keys.size());
        return true;
    }

    /// Asks for the first elements of the lists among a dict's members (and their key tables)
    /// before any list is converted, so that the waits for their memory overlap instead of
    /// adding up list after list.
    static void warm_lists(const gathered* found, int n) {
        constexpr int most = 8;
        PyListObject* lists[most];
        int m = 0;
        for (int j = 0; j < n && m < most; ++j)
            if (Py_TYPE(found[j].item) == &PyList_Type) lists[m++] = reinterpret_cast<PyListObject*>(found[j].item);
        for (int j = 0; j < m; ++j) prefetch(lists[j]->ob_item);
        for (int j = 0; j < m; ++j) {
            const auto size = static_cast<std::size_t>(Py_SIZE(lists[j]));
            for (std::size_t k = 0; k < std::min(size, objects_ahead); ++k) prefetch(lists[j]->ob_item[k]);
        }
        for (int j = 0; j < m; ++j) {
            const auto size = static_cast<std::size_t>(Py_SIZE(lists[j]));
            for (std::size_t k = 0; k < std::min(size, tables_ahead); ++k) prefetch_table(lists[j]->ob_item[k]);
        }
    }

    /// The memo of keys met in shape `how`'s dicts, made when first needed.
    seen_key* memo(std::int32_t how, std::size_t walked) {
        seen_key*& seen = seen_[how];
        if (!seen) {
            seen = arena_.make<seen_key>(walked);
            std::fill_n(seen, walked, seen_key{nullptr, -1});
        }
        return seen;
    }

    /// Records in `known` the slot of a key not met at its position before; false for a key
    /// JSON cannot have as it is (not a str, lone surrogates), which takes the JSON route.
    bool learn(const detail::data_shape& shape, PyObject* key, seen_key& known) {
        if (!PyUnicode_Check(key)) return false;
        std::size_t n = 0;
        const char* text = utf8_of(key, n);
        if (!text) return false;
        const std::int32_t slot = shape.slots.find(text, n);
        const bool read = slot >= 0 && shape.load_children[static_cast<std::size_t>(slot)] != skip;
        known = seen_key{key, read ? slot : -1};
        return true;
    }

    bool object(PyObject* o, std::int32_t how, std::size_t depth, value& out) {
        const auto count = static_cast<std::size_t>(PyDict_Size(o));
        if (depth > rules_.bounds.max_json_depth || count > rules_.bounds.max_items) return false;
        // Walks stop after `count` members: the dict does not change meanwhile, and the call
        // that would only say that the end is reached is saved.
        PyObject *key, *item;
        Py_ssize_t at = 0;
        if (how < 0) {
            member* members = arena_.make<member>(count + 1);
            std::size_t i = 0;
            while (i < count && PyDict_Next(o, &at, &key, &item)) {
                if (!PyUnicode_Check(key)) return false; // JSON's keys are strings: the JSON route
                std::size_t n = 0;
                const char* name = utf8_of(key, n);
                if (!name) return false;
                members[i].key = name;
                members[i].key_size = static_cast<std::uint32_t>(n);
                if (!convert(item, entire, false, depth + 1, members[i].item)) return false;
                ++i;
            }
            out = value::of_object(members, count);
            return true;
        }
        const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(how)];
        const std::size_t slots = shape.keys.size();
        // A dict with a few members more than the rule reads is walked once, its keys matched
        // against the rule's; a larger one is asked for the rule's keys.
        const std::size_t walked = 2 * slots + 2;
        if (count <= walked) {
            gathered* found = arena_.make<gathered>(slots + 1);
            const int n = gather(o, how, depth, found); // within bounds (above): -1 is a bad key
            if (n < 0) return false;                     // the JSON route
            warm_lists(found, n);
            return fill(how, depth, found, n, out);
        }
        member* members = arena_.make<member>(slots + 1);
        std::memset(static_cast<void*>(members), 0, slots * sizeof(member));
        const auto& names = keys_.keys[static_cast<std::size_t>(how)];
        for (std::size_t k = 0; k < slots; ++k) {
            const std::int32_t child = shape.load_children[k];
            if (child == skip) continue;
            PyObject* found = PyDict_GetItemWithError(o, names[k].ptr());
            if (!found) {
                if (PyErr_Occurred()) {
                    PyErr_Clear();
                    return false;
                }
                // Absent, unless a key that is not a str would be written as this one by
                // json.dumps (1 as "1"): such dicts go the JSON route.
                if (!string_keys_only(o)) return false;
                continue;
            }
            members[k].key = shape.keys[k].data();
            members[k].key_size = static_cast<std::uint32_t>(shape.keys[k].size());
            if (!convert(found, child, true, depth + 1, members[k].item)) return false;
        }
        out = value::of_object(members, slots);
        return true;
    }

    bool array(PyObject* o, std::int32_t how, std::size_t depth, value& out) {
        const auto count = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(o));
        if (depth > rules_.bounds.max_json_depth || count > rules_.bounds.max_items) return false;
        const std::int32_t element = how >= 0 ? layout_.shapes[static_cast<std::size_t>(how)].load_element : entire;
        if (element == skip) {
            out = value::of_array(arena_.make<value>(1), 0);
            return true;
        }
        PyObject** items = PySequence_Fast_ITEMS(o);
        value* elements = arena_.make<value>(count + 1);
        if (element >= 0 ? !laid_out_elements(items, count, element, depth + 1, elements)
                         : !entire_elements(items, count, depth + 1, elements))
            return false;
        out = value::of_array(elements, count);
        return true;
    }

    // Data far larger than the caches (a population of records) waits on memory at each
    // object it reads: a list's next elements are asked for ahead, so that their reads overlap.
    // Each is read a few elements after it is asked for (an element takes less time than a
    // read from memory).
    static constexpr std::size_t objects_ahead = 8;  ///< elements whose object is prefetched
    static constexpr std::size_t tables_ahead = 5;   ///< elements whose dict's key table is
    static constexpr std::size_t gathered_ahead = 2; ///< elements whose values are

    bool entire_elements(PyObject** items, std::size_t count, std::size_t depth, value* elements) {
        for (std::size_t i = 0; i < std::min(count, objects_ahead); ++i) prefetch(items[i]);
        for (std::size_t i = 0; i < count; ++i) {
            if (i + objects_ahead < count) prefetch(items[i + objects_ahead]);
            if (!convert(items[i], entire, false, depth, elements[i])) return false;
        }
        return true;
    }

    /// Elements laid out as shape `how`, in a pipeline: the members of a dict a few ahead are
    /// gathered (their values prefetched) before this one's are converted.
    bool laid_out_elements(PyObject** items, std::size_t count, std::int32_t how, std::size_t depth, value* elements) {
        if (count == 0) return true;
        const std::size_t slots = layout_.shapes[static_cast<std::size_t>(how)].keys.size();
        // Dicts gathered ahead: buffer i % ring holds element i's members (a power of two, so
        // that the remainder is a mask).
        constexpr std::size_t ring = 4;
        static_assert(ring > gathered_ahead && (ring & (ring - 1)) == 0);
        gathered* buffers[ring];
        int have[ring];
        for (auto& b : buffers) b = arena_.make<gathered>(slots + 1);
        for (std::size_t i = 0; i < std::min(count, objects_ahead); ++i) prefetch(items[i]);
        for (std::size_t i = 0; i < std::min(count, tables_ahead); ++i) prefetch_table(items[i]);
        for (std::size_t i = 0; i < std::min(count, gathered_ahead); ++i) have[i] = gather(items[i], how, depth, buffers[i]);
        for (std::size_t i = 0; i < count; ++i) {
            if (i + objects_ahead < count) prefetch(items[i + objects_ahead]);
            if (i + tables_ahead < count) prefetch_table(items[i + tables_ahead]);
            const std::size_t later = i + gathered_ahead;
            if (later < count) have[later % ring] = gather(items[later], how, depth, buffers[later % ring]);
            const std::size_t at = i % ring;
            if (have[at] >= 0 ? !fill(how, depth, buffers[at], have[at], elements[i])
                              : !convert(items[i], how, true, depth, elements[i]))
                return false;
        }
        return true;
    }

    const detail::program& rules_;
    const detail::data_layout& layout_;
    const data_keys& keys_;
    detail::scratch& arena_;
    seen_key** seen_; ///< per shape: the keys its dicts had at each position, made when first met
};

/// A result as the Python value json.loads would give for its JSON text.
py::object to_python(const value& v) {
    switch (v.type) {
    case value_type::null_t: return py::none();
    case value_type::boolean: return py::bool_(v.boolean);
    case value_type::number:
        if (!std::isfinite(v.number)) return py::none(); // JSON has no NaN or Infinity
        if (v.number == std::floor(v.number) && std::fabs(v.number) < 9007199254740992.0)
            return py::int_(static_cast<long long>(v.number));
        return py::float_(v.number);
    case value_type::string: return py::str(v.chars, v.size);
    case value_type::array: {
        py::list out(v.size);
        for (std::uint32_t i = 0; i < v.size; ++i) out[i] = to_python(v.elements[i]);
        return std::move(out);
    }
    case value_type::object: {
        py::dict out;
        if (detail::js::is_row(v)) {
            for (std::uint32_t i = 0; i < v.size; ++i)
                if (!detail::js::is_absent(v.elements[i])) out[py::str(detail::js::row_key(v, i))] = to_python(v.elements[i]);
            return std::move(out);
        }
        for (std::uint32_t i = 0; i < v.size; ++i)
            if (v.members[i].key) out[py::str(v.members[i].key, v.members[i].key_size)] = to_python(v.members[i].item);
        return std::move(out);
    }
    default: return py::none();
    }
}

detail::scratch& thread_arena() {
    thread_local detail::scratch arena;
    arena.reset();
    return arena;
}

} // namespace

std::optional<py::object> apply_python_data(const jsonlogic_rule& rule, const data_keys& keys, py::handle data) {
    const detail::program& rules = *rule.program();
    detail::scratch& arena = thread_arena();
    value root;
    converter c(rules, keys, arena);
    if (!c.convert(data.ptr(), rules.layout.laid_out ? 0 : entire, rules.layout.laid_out, 1, root)) return std::nullopt;
    const auto result = detail::evaluate_with_data(rules, rule.root(), root, arena);
    if (!result) return std::nullopt;
    return to_python(detail::js::plain(*result, rules.descriptor, arena));
}

} // namespace masterpro::python
