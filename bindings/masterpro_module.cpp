// The Python extension masterpro._masterpro: RuleSet, Decision, CandidateError and the
// exceptions, a thin layer over the public C++ API (records in as JSON, decisions out).
#include "masterpro/batch.hpp"
#include "masterpro/jsonlogic.hpp"
#include "masterpro/masterpro.hpp"
#include "python_data.hpp"

#include "candidate_reader.hpp"
#include "evaluate.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <datetime.h>
#include <sys/stat.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace py = pybind11;
namespace mp = masterpro;

namespace {


// ---- errors -------------------------------------------------------------------------------

/// A rule file that did not load; translated into masterpro.RuleFileError.
struct rule_file_error {
    mp::diagnostics diagnostics;
};

/// A candidate record that got no decision; translated into masterpro.CandidateDataError.
struct candidate_data_error {
    mp::error error;
    std::optional<std::string> id;
};

// The Python exception types, created once at import and kept for the process's lifetime.
PyObject* error_type = nullptr;
PyObject* rule_file_error_type = nullptr;
PyObject* candidate_data_error_type = nullptr;

mp::error make_error(mp::error_category category, std::string message, std::string file = {}) {
    mp::error e;
    e.category = category;
    e.message = std::move(message);
    e.where.file = std::move(file);
    return e;
}

py::dict diagnostic_dict(const mp::error& e) {
    py::dict d;
    d["file"] = e.where.file;
    d["line"] = e.where.line;
    d["column"] = e.where.column;
    d["pointer"] = e.where.pointer;
    d["message"] = e.message;
    d["category"] = mp::to_string(e.category);
    return d;
}

py::object optional_str(const std::optional<std::string>& s) {
    return s ? py::object(py::str(*s)) : py::object(py::none());
}

std::string candidate_message(const mp::error& e, const std::optional<std::string>& id) {
    // An id can be 4 KB; the message shows its first 80 bytes or so (the attribute has it all),
    // cut where no UTF-8 sequence is split.
    std::string s = "record: ";
    if (id) {
        std::size_t cut = id->size() <= 80 ? id->size() : 77;
        while (cut < id->size() && cut > 0 &&
               (static_cast<unsigned char>((*id)[cut]) & 0xC0) == 0x80)
            --cut;
        s = "record " + id->substr(0, cut) + (cut < id->size() ? "..." : "") + ": ";
    }
    s += e.message;
    if (!e.where.path.empty())
        s += " at " + e.where.path;
    return s;
}

void set_python_error(PyObject* type, const std::string& message, const py::dict& attributes) {
    py::object exc = py::reinterpret_borrow<py::object>(type)(message);
    for (auto item : attributes)
        py::setattr(exc, item.first, item.second);
    PyErr_SetObject(type, exc.ptr());
}

void translate(std::exception_ptr p) {
    try {
        if (p)
            std::rethrow_exception(p);
    } catch (const rule_file_error& e) {
        std::string message;
        py::list diagnostics;
        for (const auto& d : e.diagnostics) {
            message += (message.empty() ? "" : "\n") + mp::format_diagnostic(d);
            diagnostics.append(diagnostic_dict(d));
        }
        py::dict attributes;
        attributes["diagnostics"] = diagnostics;
        set_python_error(rule_file_error_type, message, attributes);
    } catch (const candidate_data_error& e) {
        py::dict attributes;
        attributes["id"] = optional_str(e.id);
        attributes["category"] = mp::to_string(e.error.category);
        attributes["path"] = e.error.where.path;
        attributes["pointer"] = e.error.where.pointer;
        set_python_error(candidate_data_error_type, candidate_message(e.error, e.id), attributes);
    }
}

/// Raises the OSError subclass that errno names (FileNotFoundError, PermissionError, ...).
[[noreturn]] void raise_os_error(int code, const std::string& path) {
    errno = code;
    py::str name(path);
    PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, name.ptr());
    throw py::error_already_set();
}

// ---- input --------------------------------------------------------------------------------


/// A record's text, or why it has none (to become an error result or a CandidateDataError).
struct record_text {
    std::string text;       ///< the JSON, when the record had to be written (dict) or copied (str)
    std::string_view lines; ///< the JSON, as a line of a batch's input (then `text` is empty)
    std::size_t lines_readable_after = 0; ///< bytes of the input after `lines` that may be read
    std::string_view json() const { return text.empty() ? lines : std::string_view(text); }
    /// Bytes after json() that may be read: the reader reads the text in place when there are
    /// enough (detail::in_place_padding), instead of copying it.
    std::size_t readable_after() const { return text.empty() ? lines_readable_after : text.capacity() - text.size(); }
    std::optional<mp::error> error;
    std::optional<std::string> id; ///< a dict's id, for an error before there is any text
};

/// The bytes of a bytes or bytearray object.
std::string bytes_text(py::handle b) {
    const bool bytes = PyBytes_Check(b.ptr());
    const char* data = bytes ? PyBytes_AS_STRING(b.ptr()) : PyByteArray_AS_STRING(b.ptr());
    const auto size = bytes ? PyBytes_GET_SIZE(b.ptr()) : PyByteArray_GET_SIZE(b.ptr());
    return std::string(data, static_cast<std::size_t>(size));
}

bool is_bytes(py::handle b) { return PyBytes_Check(b.ptr()) || PyByteArray_Check(b.ptr()); }

std::string type_name(py::handle h) { return Py_TYPE(h.ptr())->tp_name; }

/// "TypeError: message" of a Python exception, without the traceback that what() adds.
std::string python_error_text(const py::error_already_set& e) {
    return type_name(e.value()) + ": " + py::cast<std::string>(py::str(e.value()));
}

py::object json_dumps() { return py::module_::import("json").attr("dumps"); }

/// `default` for json.dumps: dates become `YYYY-MM-DD`, anything else stays unserialisable.
py::object date_default() {
    return py::cpp_function([](py::handle value) -> py::object {
        if (PyDate_Check(value.ptr())) {
            if (PyDateTime_Check(value.ptr()))
                value = value.attr("date")();
            return value.attr("isoformat")();
        }
        throw py::type_error("Object of type " + type_name(value) + " is not JSON serializable");
    });
}

/// Turns one record (dict, JSON str or bytes) into JSON text. A wrong type raises TypeError when
/// `strict`, else becomes an error; so do values json.dumps cannot write.
record_text to_record_text(py::handle record, bool strict, const py::object& dumps,
                           const py::object& default_) {
    record_text out;
    auto fail = [&](mp::error_category category, std::string message) {
        out.error = make_error(category, std::move(message));
        return out;
    };
    if (PyDict_Check(record.ptr())) {
        py::object id = py::reinterpret_borrow<py::dict>(record).attr("get")("id");
        if (PyUnicode_Check(id.ptr())) {
            out.id = py::cast<std::string>(id);
            if (out.id->size() > mp::limits{}.max_string_bytes)
                out.id.reset();
        }
        try {
            py::object text = dumps(record, py::arg("allow_nan") = false,
                                    py::arg("separators") = py::make_tuple(",", ":"),
                                    py::arg("default") = default_);
            out.text = py::cast<std::string>(text);
        } catch (py::error_already_set& e) {
            // Only what the record's content causes becomes an error: KeyboardInterrupt,
            // MemoryError and the like still stop the batch.
            if (e.matches(PyExc_RecursionError))
                return fail(mp::error_category::limit, "record nested too deeply to serialise");
            if (e.matches(PyExc_TypeError) && !strict)
                return fail(mp::error_category::usage,
                            "record cannot be written as JSON: " + python_error_text(e));
            if (e.matches(PyExc_ValueError))
                return fail(mp::error_category::candidate_data,
                            "record cannot be written as JSON: " + python_error_text(e));
            throw;
        }
        return out;
    }
    if (PyUnicode_Check(record.ptr())) {
        Py_ssize_t size = 0;
        const char* data = PyUnicode_AsUTF8AndSize(record.ptr(), &size);
        if (!data) {
            PyErr_Clear();
            return fail(mp::error_category::json_syntax, "record text is not valid Unicode");
        }
        out.text.assign(data, static_cast<std::size_t>(size));
        return out;
    }
    if (is_bytes(record)) {
        out.text = bytes_text(record);
        return out;
    }
    if (strict)
        throw py::type_error("a candidate record is a dict, a JSON str or bytes, not " +
                             type_name(record));
    return fail(mp::error_category::usage,
                "a candidate record is a dict, a JSON str or bytes, not " + type_name(record));
}

std::optional<mp::date> to_date(const py::object& value, const char* what) {
    if (value.is_none())
        return std::nullopt;
    if (PyDate_Check(value.ptr())) {
        auto d = mp::make_date(PyDateTime_GET_YEAR(value.ptr()), PyDateTime_GET_MONTH(value.ptr()),
                               PyDateTime_GET_DAY(value.ptr()));
        if (d)
            return d;
    } else if (PyUnicode_Check(value.ptr())) {
        if (auto d = mp::parse_date(py::cast<std::string>(value)))
            return d;
        throw py::value_error(std::string(what) + " must be a date YYYY-MM-DD, not '" +
                              py::cast<std::string>(value) + "'");
    }
    throw py::type_error(std::string(what) +
                         " must be a datetime.date, a 'YYYY-MM-DD' str or None, not " +
                         type_name(value));
}

py::object to_py_date(mp::date d) {
    const auto c = mp::to_civil(d);
    return py::reinterpret_steal<py::object>(PyDate_FromDate(c.year, c.month, c.day));
}

/// A file path: the bytes to open (os.fsencode) and the name to show (UTF-8).
struct file_path {
    std::string bytes;
    std::string name;
};

/// The path of a str or os.PathLike of str, or nullopt for anything else.
std::optional<file_path> as_path(const py::handle& source) {
    if (!PyUnicode_Check(source.ptr()) && !py::hasattr(source, "__fspath__"))
        return std::nullopt;
    py::module_ os = py::module_::import("os");
    py::object path = os.attr("fspath")(source);
    if (!PyUnicode_Check(path.ptr()))
        throw py::type_error("a path must be a str or os.PathLike of str");
    return file_path{py::cast<std::string>(os.attr("fsencode")(path)),
                     py::cast<std::string>(path.attr("encode")("utf-8", "replace"))};
}

/// Reads a whole file; raises the OSError that errno names.
std::string read_file(const file_path& path) {
    std::string text;
    int code = 0;
    {
        py::gil_scoped_release release;
        if (std::FILE* f = std::fopen(path.bytes.c_str(), "rb")) {
            // A regular file's size is known: its text is read into memory of that size, not
            // into a string that grows (and copies what it holds) as it goes.
            struct stat info {};
            if (fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0)
                text.reserve(static_cast<std::size_t>(info.st_size));
            char buffer[1 << 16];
            std::size_t n;
            while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
                text.append(buffer, n);
            if (std::ferror(f))
                code = errno ? errno : EIO;
            std::fclose(f);
        } else {
            code = errno;
        }
    }
    if (code)
        raise_os_error(code, path.name);
    return text;
}

// ---- rules and results --------------------------------------------------------------------

/// A compiled rule set with the text it came from (for pickling).
struct py_rule_set {
    mp::rule_set rules;
    std::string text;
    std::string name;
};

/// `limits=None` means the defaults.
mp::limits bounds_of(const py::object& limits) {
    if (limits.is_none()) return {};
    if (!py::isinstance<mp::limits>(limits))
        throw py::type_error("limits must be a masterpro.Limits, not " + type_name(limits));
    return limits.cast<mp::limits>();
}

py_rule_set compile(std::string text, std::string name, const mp::limits& bounds) {
    std::optional<tl::expected<mp::rule_set, mp::diagnostics>> loaded;
    {
        py::gil_scoped_release release;
        loaded = mp::rule_set::from_json(text, name, bounds);
    }
    if (!*loaded)
        throw rule_file_error{std::move(loaded->error())};
    return py_rule_set{std::move(**loaded), std::move(text), std::move(name)};
}

py_rule_set from_file(const py::object& path, const py::object& limits) {
    auto p = as_path(path);
    if (!p)
        throw py::type_error("a rule file path is a str or os.PathLike, not " + type_name(path));
    return compile(read_file(*p), p->name, bounds_of(limits));
}

py_rule_set from_json(const py::object& text, const std::string& name, const py::object& limits) {
    if (PyUnicode_Check(text.ptr()))
        return compile(py::cast<std::string>(text), name, bounds_of(limits));
    if (is_bytes(text))
        return compile(bytes_text(text), name, bounds_of(limits));
    throw py::type_error("rule text is a str or bytes, not " + type_name(text));
}

py_rule_set from_dict(const py::object& rules, const std::string& name, const py::object& limits) {
    if (!PyDict_Check(rules.ptr()))
        throw py::type_error("rules must be a dict, not " + type_name(rules));
    const mp::limits bounds = bounds_of(limits);
    try {
        return compile(py::cast<std::string>(json_dumps()(rules, py::arg("allow_nan") = false)),
                       name, bounds);
    } catch (py::error_already_set& e) {
        if (e.matches(PyExc_RecursionError))
            throw rule_file_error{{make_error(mp::error_category::limit,
                                              "rules nested too deeply to serialise", name)}};
        if (e.matches(PyExc_ValueError))
            throw rule_file_error{
                {make_error(mp::error_category::json_syntax,
                            "rules cannot be written as JSON: " + python_error_text(e), name)}};
        throw;
    }
}

/// A decision as Python holds it: the compact C++ decision (its JSON, reasons and explanation
/// rendered when asked), sharing the compiled rules it was made with.
struct py_decision {
    mp::decision decision;
    bool has_reasons = true; ///< false: the trace was dropped to save memory

    const mp::qualification& qualification() const { return decision.qualification(); }
};

template <class T> void free_memory(T& v) { T().swap(v); } // `v = {}` would keep the capacity

/// Shrinks a decision for holding: to what its reasons, gaps and explanation show, or, without
/// reasons, to its statuses alone.
void shrink(mp::decision& d, bool reasons) {
    if (reasons) {
        mp::keep_reasons_only(d);
        return;
    }
    free_memory(d.trace);
    free_memory(d.refs);
    free_memory(d.children);
    free_memory(d.evidence_ids);
    free_memory(d.assessor_ids);
    free_memory(d.credential_ids);
    free_memory(d.assessments);
    free_memory(d.level_roots);
    free_memory(d.competence_roots);
    free_memory(d.gaps);
    d.partial.shrink_to_fit();
    d.level_status.shrink_to_fit();
}

void require_reasons(const py_decision& s) {
    if (!s.has_reasons)
        throw py::value_error(
            "this decision was made by evaluate_many(..., reasons=False) and kept no reasons");
}

/// A record in a batch that got no decision.
struct py_candidate_error {
    std::size_t line = 0;
    std::optional<std::string> id;
    mp::error error;
};


std::string json_string(const std::string& s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(b.GetString(), b.GetSize());
}

py_decision evaluate_one(const py_rule_set& self, const py::object& record,
                         const py::object& as_of) {
    const auto when = to_date(as_of, "as_of");
    auto text = to_record_text(record, true, json_dumps(), date_default());
    if (text.error)
        throw candidate_data_error{std::move(*text.error), text.id};
    std::optional<mp::decision_or_error> decided;
    {
        py::gil_scoped_release release;
        mp::evaluation_options what;
        what.passing_checks = false; // the decision is kept for what its reasons show (shrink)
        decided = self.rules.evaluate_json(text.text, when, what);
    }
    if (!*decided)
        throw candidate_data_error{std::move(decided->error()), mp::record_id(text.text)};
    shrink(**decided, true);
    return py_decision{std::move(**decided)};
}

// ---- batches ------------------------------------------------------------------------------

/// A batch's records, a block at a time: a batch holds one block of its input while deciding
/// it, not the whole input, so that memory is the decisions kept plus one block, however large
/// the file. JSON lines (a file, or bytes in memory) are split into lines, skipping blank lines
/// but keeping line numbers; any other iterable is taken a record at a time.
class record_blocks {
  public:
    /// At most this many records per block, and about this many bytes of JSON lines.
    static constexpr std::size_t block_records = 2048;
    static constexpr std::size_t block_bytes = std::size_t{4} << 20;

    explicit record_blocks(const py::object& records) : records_(records) {
        if (auto path = as_path(records)) {
            path_ = std::move(*path);
            open_file();
        } else if (PyBytes_Check(records.ptr())) {
            // bytes cannot change, and records_ holds them: no copy.
            lines_ = {PyBytes_AS_STRING(records.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(records.ptr()))};
            readable_end_ = lines_.data() + lines_.size();
        } else if (is_bytes(records)) {
            // A bytearray could change while the GIL is released: a copy, on the heap so that
            // lines_ stays valid when the blocks move (a short string would move with them).
            owned_ = std::make_unique<std::string>(bytes_text(records));
            lines_ = *owned_;
            readable_end_ = owned_->data() + owned_->capacity();
        } else if (PyDict_Check(records.ptr())) {
            throw py::type_error("evaluate_many takes an iterable of records, not one dict: use evaluate");
        } else {
            iterator_ = py::iter(records);
            dumps_ = json_dumps();
            default_ = date_default();
        }
    }

    /// The next block's records and their line numbers (1-based: the file's line for JSON
    /// lines, else the record's place); false at the end. Needs the GIL; the records of the
    /// previous block are not to be read any more.
    bool next(std::vector<record_text>& texts, std::vector<std::size_t>& lines) {
        texts.clear();
        lines.clear();
        if (failure_) { // the iterable raised after the records of the block before
            std::exception_ptr failure = std::move(failure_);
            failure_ = nullptr;
            std::rethrow_exception(failure);
        }
        if (file_) next_from_file(texts, lines);
        else if (iterator_) next_from_iterable(texts, lines);
        else split(lines_, readable_end_, false, texts, lines);
        return !texts.empty();
    }

  private:
    struct file_closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    void open_file() {
        int code = 0;
        {
            py::gil_scoped_release release;
            file_.reset(std::fopen(path_.bytes.c_str(), "rb"));
            if (!file_) code = errno;
        }
        if (code) raise_os_error(code, path_.name);
    }

    /// Splits the lines of `text` from its start into `texts`, up to the block's number of
    /// records, and drops them from `text`. `only_ended`: only lines ended by a newline are
    /// taken (more of the input is to come). `readable_end`: where the memory that may be read
    /// after `text` ends.
    void split(std::string_view& text, const char* readable_end, bool only_ended, std::vector<record_text>& texts,
               std::vector<std::size_t>& lines) {
        while (!text.empty() && texts.size() < block_records) {
            const auto end = text.find('\n');
            if (end == std::string_view::npos && only_ended) break;
            std::string_view line = text.substr(0, end);
            text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
            ++line_number_;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
            record_text r;
            r.lines = line; // into the block's memory, which outlives the block's decisions
            r.lines_readable_after = static_cast<std::size_t>(readable_end - (line.data() + line.size()));
            texts.push_back(std::move(r));
            lines.push_back(line_number_);
        }
    }

    /// Reads about block_bytes more of the file (the lines not yet split stay), then splits
    /// the lines that are complete; reads again while not one is.
    void next_from_file(std::vector<record_text>& texts, std::vector<std::size_t>& lines) {
        while (texts.empty()) {
            split(lines_, buffer_.get() + capacity_, !at_end_, texts, lines);
            if (!texts.empty() || at_end_) return;
            // The lines not yet split move to the front; the next read fills the room after
            // them. The buffer grows only for a line longer than half a block, so that its
            // memory is reused from block to block.
            const std::size_t kept = lines_.size();
            constexpr std::size_t padding = mp::detail::in_place_padding;
            if (capacity_ < kept + block_bytes / 2 + padding) {
                const std::size_t bigger_capacity = kept + block_bytes + padding;
                std::unique_ptr<char[]> bigger(new char[bigger_capacity]);
                std::memcpy(bigger.get(), lines_.data(), kept);
                buffer_ = std::move(bigger);
                capacity_ = bigger_capacity;
            } else {
                std::memmove(buffer_.get(), lines_.data(), kept);
            }
            const std::size_t room = capacity_ - kept - padding;
            std::size_t got = 0;
            int code = 0;
            {
                py::gil_scoped_release release;
                got = std::fread(buffer_.get() + kept, 1, room, file_.get());
                if (got < room) {
                    if (std::ferror(file_.get())) code = errno ? errno : EIO;
                    at_end_ = true;
                }
            }
            if (code) raise_os_error(code, path_.name);
            // The bytes after the text are read only as padding, never for their value.
            std::memset(buffer_.get() + kept + got, 0, capacity_ - kept - got);
            lines_ = {buffer_.get(), kept + got};
        }
    }

    /// What the iterable raises ends the batch where it is raised: the records before it in
    /// the block are still decided (and given first), and the next call raises it.
    void next_from_iterable(std::vector<record_text>& texts, std::vector<std::size_t>& lines) {
        try {
            for (; texts.size() < block_records && iterator_ != py::iterator::sentinel(); ++iterator_) {
                texts.push_back(to_record_text(*iterator_, false, dumps_, default_));
                lines.push_back(++line_number_);
            }
        } catch (py::error_already_set&) {
            if (texts.empty()) throw;
            failure_ = std::current_exception();
        }
    }

    py::object records_; ///< kept alive: bytes are read in place
    file_path path_;
    std::unique_ptr<std::FILE, file_closer> file_;
    std::unique_ptr<char[]> buffer_; ///< a file's block
    std::size_t capacity_ = 0;
    bool at_end_ = false;
    std::unique_ptr<std::string> owned_; ///< a bytearray's copy
    std::string_view lines_;       ///< JSON lines not yet split
    const char* readable_end_ = nullptr;
    py::iterator iterator_;
    py::object dumps_, default_;
    std::size_t line_number_ = 0;
    std::exception_ptr failure_; ///< raised by the iterable, after the block being decided
};

/// How a batch decides: the date for records without one, threads, and whether reasons are kept.
struct batch_settings {
    std::optional<mp::date> as_of;
    std::size_t threads = 1; ///< 0: one per core
    bool reasons = true;
};

/// Decides a block of records on the batch's threads with the GIL released: one result per
/// record, shrunk for holding.
void decide_block(const py_rule_set& rules, const batch_settings& how, std::vector<record_text>& texts,
                  std::vector<std::optional<mp::decision_or_error>>& results) {
    results.clear();
    results.resize(texts.size());
    std::exception_ptr failure;
    {
        py::gil_scoped_release release;
        std::atomic<std::size_t> next{0};
        constexpr std::size_t block = 32;
        auto work = [&] {
            mp::evaluation_options what; // without reasons only the statuses are kept: no trace
            what.trace = what.gaps = how.reasons;
            what.passing_checks = false; // decisions are kept for what their reasons show
            mp::candidate read; // each thread reads every record into one candidate, reusing its lists
            try {
                for (std::size_t start; (start = next.fetch_add(block)) < texts.size();) {
                    for (std::size_t i = start; i < std::min(start + block, texts.size()); ++i) {
                        if (texts[i].error) {
                            results[i] = tl::make_unexpected(*texts[i].error);
                        } else {
                            mp::decision d;
                            auto decided = mp::detail::decide_json(rules.rules.program(), texts[i].json(), how.as_of,
                                                                   what, read, d, texts[i].readable_after());
                            if (decided) results[i] = std::move(d);
                            else results[i] = tl::make_unexpected(std::move(decided.error()));
                        }
                        if (*results[i]) {
                            // Held as long as the caller keeps it: small, and the record's text
                            // is no longer needed.
                            shrink(**results[i], how.reasons);
                            free_memory(texts[i].text);
                        }
                    }
                }
            } catch (...) {
                // Only resource exhaustion lands here; the batch is abandoned and rethrown below.
                next = texts.size();
                failure = std::current_exception();
            }
        };
        std::size_t n = how.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : how.threads;
        n = std::min(n, (texts.size() + block - 1) / block);
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < n; ++t)
            pool.emplace_back(work);
        work();
        for (auto& t : pool)
            t.join();
    }
    if (failure)
        std::rethrow_exception(failure);
}

/// A block's result `i` as a Python object: a Decision, or a CandidateError naming its line.
py::object block_result(std::optional<mp::decision_or_error>& result, const record_text& text, std::size_t line,
                        bool reasons) {
    auto& r = *result;
    if (r)
        return py::cast(py_decision{std::move(*r), reasons});
    auto id = text.error ? text.id : mp::record_id(text.json());
    return py::cast(py_candidate_error{line, std::move(id), std::move(r.error())});
}

batch_settings settings_of(int threads, const py::object& as_of, bool reasons) {
    if (threads < 0)
        throw py::value_error("threads must be >= 0 (0: one per core)");
    return {to_date(as_of, "as_of"), static_cast<std::size_t>(threads), reasons};
}

py::list evaluate_many(const py_rule_set& self, const py::object& records, int threads,
                       const py::object& as_of, bool reasons) {
    const batch_settings how = settings_of(threads, as_of, reasons);
    record_blocks blocks(records);
    std::vector<record_text> texts;
    std::vector<std::size_t> lines;
    std::vector<std::optional<mp::decision_or_error>> results;
    py::list out;
    while (blocks.next(texts, lines)) {
        decide_block(self, how, texts, results);
        for (std::size_t i = 0; i < texts.size(); ++i)
            out.append(block_result(results[i], texts[i], lines[i], how.reasons));
    }
    return out;
}

/// RuleSet.evaluate_iter: the results of evaluate_many one at a time, deciding a block of
/// records whenever the last one is used up, so that memory stays flat whatever the input's size.
class decision_stream {
  public:
    decision_stream(const py_rule_set& rules, const py::object& records, batch_settings how)
        : rules_(rules), how_(how), blocks_(records) {}

    py::object next() {
        if (busy_)
            throw py::value_error("this DecisionStream is being advanced by another thread already");
        if (at_ == texts_.size()) {
            if (done_) throw py::stop_iteration();
            busy_ = true;
            try {
                if (blocks_.next(texts_, lines_)) decide_block(rules_, how_, texts_, results_);
            } catch (...) {
                // Raised once; the stream is over after it.
                busy_ = false;
                done_ = true;
                texts_.clear();
                at_ = 0;
                throw;
            }
            busy_ = false;
            at_ = 0;
            if (texts_.empty()) {
                done_ = true;
                throw py::stop_iteration();
            }
        }
        const std::size_t i = at_++;
        return block_result(results_[i], texts_[i], lines_[i], how_.reasons);
    }

  private:
    const py_rule_set& rules_; ///< kept alive by the stream (keep_alive in the binding)
    batch_settings how_;
    record_blocks blocks_;
    std::vector<record_text> texts_;
    std::vector<std::size_t> lines_;
    std::vector<std::optional<mp::decision_or_error>> results_;
    std::size_t at_ = 0;
    bool busy_ = false;
    bool done_ = false;
};

decision_stream evaluate_iter(const py_rule_set& self, const py::object& records, int threads, const py::object& as_of,
                              bool reasons) {
    return decision_stream(self, records, settings_of(threads, as_of, reasons));
}

// ---- decision attributes ------------------------------------------------------------------

py::object json_loads(const std::string& text) {
    return py::module_::import("json").attr("loads")(text);
}

py::object member(const py::object& dict, const char* key) { return dict[key]; }

/// `reasons` None: include them when the decision kept them.
std::string decision_json(const py_decision& self, std::optional<bool> reasons, bool explanation) {
    if (reasons.value_or(false) || explanation)
        require_reasons(self);
    mp::decision_json_options options;
    options.reasons = reasons.value_or(self.has_reasons);
    options.explanation = explanation;
    return mp::to_json(self.decision, options);
}

/// Level → the reasons in its gap, as dicts (the JSON gives indices into `reasons`).
py::dict gap_reasons(const py_decision& self) {
    const py::object whole = json_loads(decision_json(self, true, false));
    const py::list reasons = whole["reasons"];
    py::dict out;
    for (auto level : py::reinterpret_borrow<py::dict>(whole["gaps"])) {
        py::list entries;
        for (auto i : level.second)
            entries.append(reasons[i]);
        out[level.first] = entries;
    }
    return out;
}

py::dict level_statuses(const py_decision& self) {
    const auto& q = self.qualification();
    py::dict out;
    for (std::size_t l = 0; l < self.decision.level_status.size(); ++l)
        out[py::str(q.levels[l].id)] = mp::to_string(self.decision.level_status[l]);
    return out;
}

py::dict competence_statuses(const py_decision& self) {
    const auto& q = self.qualification();
    py::dict out;
    for (std::size_t l = 0; l < self.decision.competence_status.size(); ++l) {
        py::dict level;
        for (std::size_t c = 0; c < self.decision.competence_status[l].size(); ++c)
            level[py::str(q.competences[c].id)] =
                mp::to_string(self.decision.competence_status[l][c]);
        out[py::str(q.levels[l].id)] = level;
    }
    return out;
}

std::string decision_repr(const py_decision& self) {
    const auto& q = self.qualification();
    const auto& d = self.decision;
    std::string s = "<Decision " + d.candidate_id + " as of " + mp::to_string(d.as_of) + ": " +
                    mp::to_string(d.outcome);
    if (d.level)
        s += " " + q.levels[*d.level].id;
    for (std::size_t i = 0; i < d.partial.size(); ++i)
        s += (i ? ", " : " ") + q.competences[d.partial[i]].id;
    return s + ">";
}

std::string candidate_error_json(const py_candidate_error& self) {
    return "{\"line\":" + std::to_string(self.line) +
           ",\"id\":" + (self.id ? json_string(*self.id) : "null") +
           ",\"error\":" + mp::to_json(self.error) + "}";
}

py::dict describe(const py_rule_set& self) {
    const auto& q = self.rules.qualification();
    py::list levels, competences;
    for (const auto& l : q.levels) {
        py::dict d;
        d["id"] = l.id;
        d["title"] = l.title;
        d["ltqf"] = l.ltqf;
        d["eqf"] = l.eqf;
        d["params"] = l.params;
        levels.append(d);
    }
    for (const auto& c : q.competences) {
        py::dict d;
        d["id"] = c.id;
        d["title"] = c.title;
        py::list criteria, tags;
        for (auto k : c.criteria)
            criteria.append(q.criteria[k].id);
        for (auto t : c.tags)
            tags.append(q.tags[t]);
        d["criteria"] = criteria;
        d["tags"] = tags;
        d["credits"] = c.credits;
        d["esco"] = c.esco;
        competences.append(d);
    }
    py::dict out;
    out["id"] = q.id;
    out["title"] = q.title;
    out["version"] = q.version;
    out["sector"] = q.sector;
    out["levels"] = levels;
    out["competences"] = competences;
    return out;
}

PyObject* new_exception(py::module_& m, const char* name, const char* doc, py::handle bases) {
    const std::string qualified = std::string("masterpro.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (!type)
        throw py::error_already_set();
    m.add_object(name, py::reinterpret_borrow<py::object>(type));
    return type; // the module and this reference keep it alive for the process
}

} // namespace

// ---- JsonLogic -----------------------------------------------------------------------------

/// masterpro as a standalone JsonLogic engine: the same compiler and evaluator as rule files.
struct py_jsonlogic {
    mp::jsonlogic_rule rule;
    std::string text;
    mp::limits bounds;
    std::shared_ptr<const mp::python::data_keys> keys; ///< for reading Python data directly
};

PyObject* data_error_type = nullptr;

/// A Python value as JSON text (json.dumps; NaN and infinities are refused, as in JSON).
std::string python_json(const py::handle& value, const char* what) {
    try {
        return py::cast<std::string>(json_dumps()(value, py::arg("allow_nan") = false));
    } catch (py::error_already_set& e) {
        if (e.matches(PyExc_TypeError) || e.matches(PyExc_ValueError) || e.matches(PyExc_RecursionError))
            throw py::value_error(std::string(what) + " cannot be written as JSON: " + python_error_text(e));
        throw;
    }
}

py_jsonlogic compile_jsonlogic(std::string text, const mp::limits& bounds = {}) {
    std::optional<tl::expected<mp::jsonlogic_rule, mp::diagnostics>> compiled;
    {
        py::gil_scoped_release release;
        compiled = mp::jsonlogic_rule::compile(text, "<jsonlogic>", bounds);
    }
    if (!*compiled)
        throw rule_file_error{std::move(compiled->error())};
    auto keys = mp::python::make_data_keys(**compiled);
    return py_jsonlogic{std::move(**compiled), std::move(text), bounds, std::move(keys)};
}

py::object apply_jsonlogic_text(const py_jsonlogic& self, const std::string& data) {
    std::optional<tl::expected<std::string, mp::error>> result;
    {
        py::gil_scoped_release release;
        result = self.rule.apply(data);
    }
    if (!*result) {
        PyErr_SetString(data_error_type, result->error().message.c_str());
        throw py::error_already_set();
    }
    return json_loads(**result);
}

/// JsonLogicRule.apply(data=None) as a plain CPython method (fast calling convention) rather
/// than through pybind11's dispatcher, which costs as much as reading a few dicts of a record:
/// apply is called once per record. The exceptions this code can throw become the Python errors
/// pybind11 would raise for them.
PyObject* jsonlogic_apply_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* names) noexcept {
    try {
        PyObject* data = nargs == 1 ? args[0] : Py_None;
        const Py_ssize_t named = names ? PyTuple_GET_SIZE(names) : 0;
        const bool by_name = named == 1 && nargs == 0 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(names, 0), "data") == 0;
        if (nargs > 1 || (named > 0 && !by_name)) {
            PyErr_SetString(PyExc_TypeError, "apply() takes one argument, data (positional or by name)");
            return nullptr;
        }
        if (by_name) data = args[0];
        const auto& rule = py::cast<const py_jsonlogic&>(py::handle(self));
        // Python data is read directly; what JSON would say otherwise takes the JSON route.
        if (auto direct = mp::python::apply_python_data(rule.rule, *rule.keys, data)) return direct->release().ptr();
        return apply_jsonlogic_text(rule, python_json(data, "the data")).release().ptr();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const py::builtin_exception& e) {
        e.set_error();
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

PyMethodDef jsonlogic_apply_def = {
    "apply", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(jsonlogic_apply_method)),
    METH_FASTCALL | METH_KEYWORDS,
    "apply(self: masterpro._masterpro.JsonLogicRule, data: object = None) -> object\n\n"
    "The rule's result for `data` (Python data), as Python data.\n"};

PYBIND11_MODULE(_masterpro, m) {
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI)
        throw py::error_already_set();
    m.doc() =
        "masterpro's compiled core: rule sets, decisions and errors (use the masterpro package).";
    m.attr("__version__") = MASTERPRO_VERSION;

    error_type = new_exception(m, "Error", "Base of masterpro's exceptions.", PyExc_Exception);
    rule_file_error_type = new_exception(
        m, "RuleFileError",
        "A rule file did not load. `diagnostics` lists every problem (file, line, column, pointer, "
        "message, category); str() gives them GCC-style, one per line.",
        py::make_tuple(py::handle(error_type), py::handle(PyExc_ValueError)));
    candidate_data_error_type = new_exception(
        m, "CandidateDataError",
        "A candidate record got no decision: `category`, `id`, `path` (JSON path) and `pointer`.",
        py::make_tuple(py::handle(error_type), py::handle(PyExc_ValueError)));
    data_error_type = new_exception(
        m, "DataError", "Data given to a JsonLogic rule is not JSON, or is nested too deep.",
        py::make_tuple(py::handle(error_type), py::handle(PyExc_ValueError)));
    py::register_exception_translator(translate);

    py::class_<py_decision>(m, "Decision", "The decision for one candidate as of one date.")
        .def_property_readonly("id", [](const py_decision& s) { return s.decision.candidate_id; })
        .def_property_readonly("as_of",
                               [](const py_decision& s) { return to_py_date(s.decision.as_of); })
        .def_property_readonly("qualification",
                               [](const py_decision& s) { return s.qualification().id; })
        .def_property_readonly("version",
                               [](const py_decision& s) { return s.qualification().version; })
        .def_property_readonly(
            "outcome", [](const py_decision& s) { return mp::to_string(s.decision.outcome); })
        .def_property_readonly("level",
                               [](const py_decision& s) -> py::object {
                                   if (!s.decision.level)
                                       return py::none();
                                   return py::str(
                                       s.qualification().levels[*s.decision.level].id);
                               })
        .def_property_readonly("partial",
                               [](const py_decision& s) {
                                   py::list out;
                                   for (auto c : s.decision.partial)
                                       out.append(s.qualification().competences[c].id);
                                   return out;
                               })
        .def_property_readonly("valid_until",
                               [](const py_decision& s) -> py::object {
                                   if (!s.decision.valid_until)
                                       return py::none();
                                   return to_py_date(*s.decision.valid_until);
                               })
        .def_property_readonly("levels", &level_statuses,
                               "level → 'pass' | 'fail' | 'insufficient'")
        .def_property_readonly("competences", &competence_statuses, "level → competence → status")
        .def_property_readonly(
            "reasons",
            [](const py_decision& s) {
                return member(json_loads(decision_json(s, true, false)), "reasons");
            },
            "the requirement results that decided (not pass, no sub-result that is not pass): "
            "requirement, title, kind, check, levels, competence, status, found, required, "
            "evidence, assessors, assessments, credentials")
        .def_property_readonly("gaps", &gap_reasons,
                               "level not reached → the reasons that stand in the way (dicts as in "
                               "reasons; to_dict() gives their indices)")
        .def_property_readonly(
            "ok", [](const py_decision&) { return true; }, "True: a decision, not an error")
        .def_readonly(
            "has_reasons", &py_decision::has_reasons,
            "False when made by evaluate_many(..., reasons=False): no reasons, gaps or explanation")
        .def("to_json", &decision_json, py::arg("reasons") = py::none(),
             py::arg("explanation") = false,
             "One compact JSON object, as `masterpro evaluate` writes it (reasons: default when "
             "kept).")
        .def(
            "to_dict",
            [](const py_decision& s, std::optional<bool> reasons, bool explanation) {
                return json_loads(decision_json(s, reasons, explanation));
            },
            py::arg("reasons") = py::none(), py::arg("explanation") = false, "to_json(), parsed.")
        .def(
            "explain",
            [](const py_decision& s) {
                require_reasons(s);
                return mp::explain(s.decision);
            },
            "The decision in plain language, with what stands between the candidate and each "
            "level.")
        .def("_repr_html_",
             [](py::object self) {
                 return py::module_::import("masterpro._html").attr("decision_html")(self);
             })
        .def("__repr__", &decision_repr);

    py::class_<py_candidate_error>(
        m, "CandidateError",
        "A record of a batch that got no decision, and why (a result, not an exception).")
        .def_readonly("line", &py_candidate_error::line,
                      "1-based position in the input (line of a JSON-lines input)")
        .def_property_readonly("id", [](const py_candidate_error& s) { return optional_str(s.id); })
        .def_property_readonly(
            "category", [](const py_candidate_error& s) { return mp::to_string(s.error.category); })
        .def_property_readonly("message",
                               [](const py_candidate_error& s) { return s.error.message; })
        .def_property_readonly("path",
                               [](const py_candidate_error& s) { return s.error.where.path; })
        .def_property_readonly("pointer",
                               [](const py_candidate_error& s) { return s.error.where.pointer; })
        .def_property_readonly(
            "ok", [](const py_candidate_error&) { return false; },
            "False: an error, not a decision")
        .def("to_json", &candidate_error_json,
             "`{\"line\", \"id\", \"error\"}`, as `masterpro evaluate` writes it.")
        .def("to_dict",
             [](const py_candidate_error& s) { return json_loads(candidate_error_json(s)); })
        .def("__repr__", [](const py_candidate_error& s) {
            return "<CandidateError line " + std::to_string(s.line) + ": " +
                   candidate_message(s.error, s.id) + ">";
        });

    py::class_<mp::limits>(m, "Limits",
                           "Bounds on hostile input (see masterpro/limits.hpp); beyond one, a record "
                           "or rule file gets a `limit` error.")
        .def(py::init([](std::size_t max_json_depth, std::size_t max_expression_depth, std::size_t max_items,
                         std::size_t max_string_bytes, std::uint64_t max_evaluation_steps) {
                 return mp::limits{max_json_depth, max_expression_depth, max_items, max_string_bytes,
                                   max_evaluation_steps};
             }),
             py::kw_only(), py::arg("max_json_depth") = mp::limits{}.max_json_depth,
             py::arg("max_expression_depth") = mp::limits{}.max_expression_depth,
             py::arg("max_items") = mp::limits{}.max_items,
             py::arg("max_string_bytes") = mp::limits{}.max_string_bytes,
             py::arg("max_evaluation_steps") = mp::limits{}.max_evaluation_steps)
        .def_readonly("max_json_depth", &mp::limits::max_json_depth, "Nesting of arrays and objects in any JSON read.")
        .def_readonly("max_expression_depth", &mp::limits::max_expression_depth,
                      "Depth of a compiled expression (infix or JsonLogic).")
        .def_readonly("max_items", &mp::limits::max_items, "Items in one list of a record or JsonLogic data.")
        .def_readonly("max_string_bytes", &mp::limits::max_string_bytes, "Bytes in one string a record is read for.")
        .def_readonly("max_evaluation_steps", &mp::limits::max_evaluation_steps,
                      "Elements visited by quantifiers and list operations for one record.")
        .def("__eq__",
             [](const mp::limits& a, const mp::limits& b) {
                 return a.max_json_depth == b.max_json_depth && a.max_expression_depth == b.max_expression_depth &&
                        a.max_items == b.max_items && a.max_string_bytes == b.max_string_bytes &&
                        a.max_evaluation_steps == b.max_evaluation_steps;
             })
        .def("__repr__",
             [](const mp::limits& l) {
                 return "Limits(max_json_depth=" + std::to_string(l.max_json_depth) +
                        ", max_expression_depth=" + std::to_string(l.max_expression_depth) +
                        ", max_items=" + std::to_string(l.max_items) +
                        ", max_string_bytes=" + std::to_string(l.max_string_bytes) +
                        ", max_evaluation_steps=" + std::to_string(l.max_evaluation_steps) + ")";
             })
        .def(py::pickle(
            [](const mp::limits& l) {
                return py::make_tuple(l.max_json_depth, l.max_expression_depth, l.max_items, l.max_string_bytes,
                                      l.max_evaluation_steps);
            },
            [](const py::tuple& t) {
                return mp::limits{t[0].cast<std::size_t>(), t[1].cast<std::size_t>(), t[2].cast<std::size_t>(),
                                  t[3].cast<std::size_t>(), t[4].cast<std::uint64_t>()};
            }));

    py::class_<py_rule_set>(
        m, "RuleSet",
        "A compiled qualification: load once, evaluate many candidates (thread-safe).")
        .def(py::init([](const py::object& source, const py::object& limits) {
                 if (PyDict_Check(source.ptr()))
                     return from_dict(source, "<dict>", limits);
                 if (as_path(source))
                     return from_file(source, limits);
                 throw py::type_error("RuleSet takes a rule file path or a dict, not " +
                                      type_name(source));
             }),
             py::arg("source"), py::kw_only(), py::arg("limits") = py::none(),
             "Loads a rule file (str or os.PathLike) or a dict of rule JSON; `limits` (a Limits) "
             "bound the rule file and every record evaluated with it.")
        .def_static("from_file", &from_file, py::arg("path"), py::kw_only(),
                    py::arg("limits") = py::none(), "Loads and compiles a rule file.")
        .def_static("from_json", &from_json, py::arg("text"), py::arg("name") = "<rules>",
                    py::kw_only(), py::arg("limits") = py::none(),
                    "Compiles rule-file text; `name` stands for the file in diagnostics.")
        .def_static("from_dict", &from_dict, py::arg("rules"), py::arg("name") = "<dict>",
                    py::kw_only(), py::arg("limits") = py::none(),
                    "Compiles rules given as a dict (the parsed JSON of a rule file).")
        .def_property_readonly("limits", [](const py_rule_set& s) { return s.rules.bounds(); },
                               "The bounds the rules were loaded with.")
        .def_property_readonly("id",
                               [](const py_rule_set& s) { return s.rules.qualification().id; })
        .def_property_readonly("title",
                               [](const py_rule_set& s) { return s.rules.qualification().title; })
        .def_property_readonly("version",
                               [](const py_rule_set& s) { return s.rules.qualification().version; })
        .def_property_readonly("sector",
                               [](const py_rule_set& s) { return s.rules.qualification().sector; })
        .def_property_readonly("levels",
                               [](const py_rule_set& s) {
                                   py::list out;
                                   for (const auto& l : s.rules.qualification().levels)
                                       out.append(l.id);
                                   return out;
                               })
        .def_property_readonly("competences",
                               [](const py_rule_set& s) {
                                   py::list out;
                                   for (const auto& c : s.rules.qualification().competences)
                                       out.append(c.id);
                                   return out;
                               })
        .def("describe", &describe,
             "The descriptor: levels and competences with titles, criteria, tags.")
        .def("evaluate", &evaluate_one, py::arg("record"), py::arg("as_of") = py::none(),
             "Decides one record (dict, JSON str or bytes). Raises CandidateDataError for a bad "
             "record.")
        .def("evaluate_many", &evaluate_many, py::arg("records"), py::arg("threads") = 1,
             py::arg("as_of") = py::none(), py::arg("reasons") = true,
             "Decides records in order, on `threads` threads (0: one per core) with the GIL "
             "released: "
             "an iterable of dicts / JSON str / bytes, a JSON-lines path, or bytes of JSON lines. "
             "A bad record gives a CandidateError in its place. Decisions are held compact "
             "(a few KB, reasons rendered when asked); reasons=False keeps only the statuses.")
        .def("evaluate_iter", &evaluate_iter, py::arg("records"), py::arg("threads") = 1,
             py::arg("as_of") = py::none(), py::arg("reasons") = true, py::keep_alive<0, 1>(),
             "evaluate_many's results one at a time, in order: a block of records (a few MB of "
             "JSON lines, or 2,048 records) is decided whenever the last is used up, so that "
             "memory stays flat however many records there are.")
        .def("__repr__",
             [](const py_rule_set& s) {
                 const auto& q = s.rules.qualification();
                 return "<RuleSet " + q.id + " " + q.version + ": " + q.title + ">";
             })
        .def(py::pickle([](const py_rule_set& s) { return py::make_tuple(s.text, s.name, s.rules.bounds()); },
                        [](const py::tuple& state) {
                            return compile(py::cast<std::string>(state[0]),
                                           py::cast<std::string>(state[1]), state[2].cast<mp::limits>());
                        }));

    py::class_<decision_stream>(m, "DecisionStream",
                                "The results of RuleSet.evaluate_iter, in order: a Decision or a "
                                "CandidateError per record.")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &decision_stream::next);

    py::class_<py_jsonlogic> jsonlogic_class(m, "JsonLogicRule",
                                             "A compiled JsonLogic rule (jsonlogic.com semantics); apply "
                                             "it to any data, from any thread.");
    jsonlogic_class
        .def(py::init([](const py::object& rule, const py::object& limits) {
                 return compile_jsonlogic(python_json(rule, "the rule"), bounds_of(limits));
             }),
             py::arg("rule"), py::kw_only(), py::arg("limits") = py::none(),
             "Compiles a rule given as Python data (dict, list or scalar). Raises RuleFileError.")
        .def_static("from_json",
                    [](const std::string& text, const py::object& limits) {
                        return compile_jsonlogic(text, bounds_of(limits));
                    },
                    py::arg("text"), py::kw_only(), py::arg("limits") = py::none(),
                    "Compiles a rule given as JSON text. Raises RuleFileError.")
        .def_property_readonly("limits", [](const py_jsonlogic& s) { return s.bounds; },
                               "The bounds the rule was compiled with.")
        .def("apply_json", [](const py_jsonlogic& self, const std::string& text) { return apply_jsonlogic_text(self, text); },
             py::arg("text"), "The rule's result for data given as JSON text. Raises DataError for bad text.")
        .def("__repr__", [](const py_jsonlogic& s) { return "<JsonLogicRule " + s.text.substr(0, 60) + ">"; })
        .def(py::pickle([](const py_jsonlogic& s) { return py::make_tuple(s.text, s.bounds); },
                        [](const py::tuple& state) {
                            return compile_jsonlogic(py::cast<std::string>(state[0]), state[1].cast<mp::limits>());
                        }));
    PyObject* apply = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(jsonlogic_class.ptr()), &jsonlogic_apply_def);
    if (!apply)
        throw py::error_already_set();
    jsonlogic_class.attr("apply") = py::reinterpret_steal<py::object>(apply);
    m.def(
        "jsonlogic_apply",
        [](const py::object& rule, const py::object& data) {
            return apply_jsonlogic_text(compile_jsonlogic(python_json(rule, "the rule")), python_json(data, "the data"));
        },
        py::arg("rule"), py::arg("data") = py::none(),
        "Compiles `rule` and applies it to `data` once (both Python data); the result as Python data.");
}
