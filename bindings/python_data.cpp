// JsonLogic on Python data (python_data.hpp).
#include "python_data.hpp"

#include "evaluate.hpp"
#include "jsonlogic_values.hpp"
#include "program.hpp"

#include <cmath>
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
        : rules_(rules), layout_(rules.layout), keys_(keys), arena_(arena) {}

    bool convert(PyObject* o, std::int32_t how, bool in_layout, std::size_t depth, value& out) {
        // The exact types json.loads makes first: no subtype checks for them.
        PyTypeObject* type = Py_TYPE(o);
        if (type == &PyUnicode_Type) return text(o, in_layout, out);
        if (type == &PyLong_Type) return number(o, out);
        if (type == &PyDict_Type) return object(o, how, depth, out);
        if (type == &PyList_Type) return array(o, how, depth, out);
        if (o == Py_None) {
            out = value::null();
            return true;
        }
        if (PyBool_Check(o)) {
            out = value::of_bool(o == Py_True);
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

  private:
    bool text(PyObject* o, bool in_layout, value& out) {
        Py_ssize_t n = 0;
        const char* s = PyUnicode_AsUTF8AndSize(o, &n);
        if (!s) { // lone surrogates: the JSON route refuses them with its message
            PyErr_Clear();
            return false;
        }
        out = value::of_text(s, static_cast<std::size_t>(n));
        if (in_layout) out.atom = layout_.atom_of(s, static_cast<std::size_t>(n));
        return true;
    }
    static bool number(PyObject* o, value& out) {
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

    bool object(PyObject* o, std::int32_t how, std::size_t depth, value& out) {
        const auto count = static_cast<std::size_t>(PyDict_Size(o));
        if (depth > rules_.bounds.max_json_depth || count > rules_.bounds.max_items) return false;
        PyObject *key, *item;
        Py_ssize_t at = 0;
        if (how < 0) {
            member* members = arena_.make<member>(count + 1);
            std::size_t i = 0;
            while (PyDict_Next(o, &at, &key, &item)) {
                if (!PyUnicode_Check(key)) return false; // JSON's keys are strings: the JSON route
                value name;
                if (!convert(key, entire, false, depth, name)) return false;
                members[i].key = name.chars;
                members[i].key_size = name.size;
                if (!convert(item, entire, false, depth + 1, members[i].item)) return false;
                ++i;
            }
            out = value::of_object(members, count);
            return true;
        }
        const detail::data_shape& shape = layout_.shapes[static_cast<std::size_t>(how)];
        const std::size_t slots = shape.keys.size();
        member* members = arena_.make<member>(slots + 1);
        for (std::size_t k = 0; k < slots; ++k) members[k] = member{nullptr, 0, value::null()};
        // A dict with a few members more than the rule reads is walked once, its keys matched
        // against the rule's; a larger one is asked for the rule's keys.
        if (count <= 2 * slots + 2) {
            while (PyDict_Next(o, &at, &key, &item)) {
                if (!PyUnicode_Check(key)) return false; // JSON's keys are strings: the JSON route
                Py_ssize_t n = 0;
                const char* text = PyUnicode_AsUTF8AndSize(key, &n);
                if (!text) {
                    PyErr_Clear();
                    return false;
                }
                const std::int32_t slot = shape.slots.find(text, static_cast<std::size_t>(n));
                if (slot < 0) continue;
                const std::int32_t child = shape.load_children[static_cast<std::size_t>(slot)];
                if (child == skip) continue;
                member& m = members[slot];
                m.key = shape.keys[static_cast<std::size_t>(slot)].data();
                m.key_size = static_cast<std::uint32_t>(shape.keys[static_cast<std::size_t>(slot)].size());
                if (!convert(item, child, true, depth + 1, m.item)) return false;
            }
            out = value::of_object(members, slots);
            return true;
        }
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
        for (std::size_t i = 0; i < count; ++i)
            if (!convert(items[i], element, how >= 0, depth + 1, elements[i])) return false;
        out = value::of_array(elements, count);
        return true;
    }

    const detail::program& rules_;
    const detail::data_layout& layout_;
    const data_keys& keys_;
    detail::scratch& arena_;
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
