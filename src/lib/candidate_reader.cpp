// The candidate boundary: checks one JSON record against the input contract and the
// qualification's vocabularies, and builds the typed candidate with interned ids.
#include "candidate_reader.hpp"

#include "masterpro/limits.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <type_traits>
#include <unordered_map>

namespace masterpro::detail {
namespace {

using json = rapidjson::Value;

/// Thrown inside the reader only, caught at its boundary: the first fault of a record ends it.
struct record_fault {
    std::string message;
    error_category category = error_category::candidate_data;
};

/// A string from the record for use in a message: long ones are cut (at a UTF-8 character
/// boundary, since the record's text is valid UTF-8) so that a message stays readable.
std::string shown(const rapidjson::Value& v) {
    constexpr std::size_t max_shown = 64;
    std::string_view s(v.GetString(), v.GetStringLength());
    if (s.size() <= max_shown) return std::string(s);
    std::size_t cut = max_shown;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
}

class reader {
  public:
    reader(const program& rules) : q_(rules.descriptor), words_(rules.vocabulary), bounds(rules.bounds) {}

    tl::expected<candidate, error> read(const json& record, std::optional<date> as_of) {
        try {
            candidate c = build(record, as_of);
            return c;
        } catch (const record_fault& fault) {
            error e;
            e.category = fault.category;
            e.message = fault.message;
            e.where.pointer = pointer();
            e.where.path = path();
            return tl::make_unexpected(std::move(e));
        }
    }

  private:
    // ---- where we are ----
    struct step {
        const char* key = nullptr;
        std::string owned_key;
        long index = -1;
    };
    std::vector<step> at_;

    // Steps into a key or index for the rest of a scope. When a fault unwinds the scope, the
    // step stays (fault() marks the reader first), so that the handler still knows where the
    // fault was.
    struct enter {
        enter(reader& r, const char* key) : r_(r) { r_.at_.push_back({key, {}, -1}); }
        enter(reader& r, std::string key) : r_(r) { r_.at_.push_back({nullptr, std::move(key), -1}); }
        enter(reader& r, std::size_t index) : r_(r) { r_.at_.push_back({nullptr, {}, static_cast<long>(index)}); }
        ~enter() {
            if (!r_.faulted_) r_.at_.pop_back();
        }
        enter(const enter&) = delete;
        enter& operator=(const enter&) = delete;
        reader& r_;
    };
    mutable bool faulted_ = false;

    std::string pointer() const {
        std::string s;
        for (const auto& st : at_) {
            s += '/';
            if (st.index >= 0) s += std::to_string(st.index);
            else {
                for (char ch : st.key ? std::string_view(st.key) : std::string_view(st.owned_key)) {
                    if (ch == '~') s += "~0";
                    else if (ch == '/') s += "~1";
                    else s += ch;
                }
            }
        }
        return s;
    }
    std::string path() const {
        std::string s;
        for (const auto& st : at_) {
            if (st.index >= 0) s += '[' + std::to_string(st.index) + ']';
            else {
                if (!s.empty()) s += '.';
                s += st.key ? st.key : st.owned_key;
            }
        }
        return s;
    }
    [[noreturn]] void fault(std::string message) const {
        faulted_ = true;
        throw record_fault{std::move(message)};
    }
    [[noreturn]] void limit_fault(std::string message) const {
        faulted_ = true;
        throw record_fault{std::move(message), error_category::limit};
    }

    // ---- typed fields ----
    static const char* kind_of(const json& v) {
        if (v.IsNull()) return "null";
        if (v.IsBool()) return "a boolean";
        if (v.IsNumber()) return "a number";
        if (v.IsString()) return "a string";
        if (v.IsArray()) return "an array";
        return "an object";
    }
    auto text() const {
        return [this](const json& v) { return text_of(v); };
    }
    auto a_date() const {
        return [this](const json& v) { return date_of(v); };
    }
    auto a_bool() const {
        return [this](const json& v) { return bool_of(v); };
    }
    std::string text_of(const json& v) const {
        if (!v.IsString()) fault(std::string("expected a string, found ") + kind_of(v));
        if (v.GetStringLength() > bounds.max_string_bytes)
            limit_fault("a string of " + std::to_string(v.GetStringLength()) + " bytes is longer than the limit of " +
                        std::to_string(bounds.max_string_bytes));
        return std::string(v.GetString(), v.GetStringLength());
    }
    date date_of(const json& v) const {
        if (!v.IsString()) fault(std::string("expected a date (YYYY-MM-DD), found ") + kind_of(v));
        const auto d = parse_date(std::string_view(v.GetString(), v.GetStringLength()));
        if (!d) fault("'" + shown(v) + "' is not a calendar date (YYYY-MM-DD)");
        return *d;
    }
    void check_size(const json& array) const {
        if (array.Size() > bounds.max_items)
            limit_fault("a list of " + std::to_string(array.Size()) + " items is longer than the limit of " +
                        std::to_string(bounds.max_items));
    }
    bool bool_of(const json& v) const {
        if (!v.IsBool()) fault(std::string("expected true or false, found ") + kind_of(v));
        return v.GetBool();
    }
    double number_of(const json& v) const {
        if (!v.IsNumber()) fault(std::string("expected a number, found ") + kind_of(v));
        return v.GetDouble();
    }
    const json* field(const json& object, const char* key) {
        auto it = object.FindMember(key);
        return it == object.MemberEnd() ? nullptr : &it->value;
    }
    template <class Read>
    auto required(const json& object, const char* key, Read parse) {
        const json* v = field(object, key);
        enter e(*this, key);
        if (!v) fault(std::string("missing required '") + key + "'");
        return parse(*v);
    }
    template <class T, class Read>
    std::optional<T> optional_field(const json& object, const char* key, Read parse) {
        const json* v = field(object, key);
        if (!v || v->IsNull()) return std::nullopt;
        enter e(*this, key);
        return parse(*v);
    }
    template <class Each>
    bool each(const json& object, const char* key, Each body) {
        const json* v = field(object, key);
        if (!v) return false;
        enter e(*this, key);
        if (!v->IsArray()) fault(std::string("expected an array, found ") + kind_of(*v));
        check_size(*v);
        std::size_t i = 0;
        for (const auto& item : v->GetArray()) {
            enter at_item(*this, i++);
            if (!item.IsObject()) fault(std::string("expected an object, found ") + kind_of(item));
            body(item);
        }
        return true;
    }
    /// An id of the qualification's vocabulary `index` (program::vocabulary): its index.
    id_index lookup(const text_table& index, const json& v, const char* what) const {
        if (!v.IsString() || v.GetStringLength() > bounds.max_string_bytes) text_of(v); // reports the fault
        const std::int32_t found = index.find(v.GetString(), v.GetStringLength());
        if (found < 0) fault(std::string("unknown ") + what + " '" + std::string(v.GetString(), v.GetStringLength()) + "'");
        return static_cast<id_index>(found);
    }

    // ---- the record ----
    candidate build(const json& record, std::optional<date> as_of) {
        if (!record.IsObject()) fault(std::string("a candidate record must be a JSON object, found ") + kind_of(record));
        candidate c;
        c.id = required(record, "id", [this](const json& v) {
            std::string id = text_of(v);
            if (id.empty()) fault("the candidate id must not be empty");
            return id;
        });
        c.as_of = optional_field<date>(record, "as_of", a_date());
        if (!c.as_of) c.as_of = as_of;
        if (!c.as_of) {
            enter e(*this, "as_of");
            fault("no decision date: the record has no 'as_of' and none was given");
        }
        c.employer = optional_field<std::string>(record, "employer", text()).value_or("");
        c.has_experience = each(record, "experience", [&](const json& item) { c.experience.push_back(experience_of(item)); });
        each(record, "evidence", [&](const json& item) { c.evidence.push_back(evidence_of(item)); });
        // Assessments name assessors by id; the index keeps that linear in the record's size.
        std::unordered_map<std::string, std::uint32_t> assessor_index;
        each(record, "assessors", [&](const json& item) {
            masterpro::assessor a = assessor_of(item);
            if (!assessor_index.emplace(a.id, static_cast<std::uint32_t>(c.assessors.size())).second) {
                enter e(*this, "id");
                fault("duplicate assessor id '" + a.id + "'");
            }
            c.assessors.push_back(std::move(a));
        });
        each(record, "assessments", [&](const json& item) { c.assessments.push_back(assessment_of(item, assessor_index)); });
        c.has_credentials = each(record, "credentials", [&](const json& item) { c.credentials.push_back(credential_of(item)); });
        return c;
    }

    experience_record experience_of(const json& item) {
        experience_record e;
        e.from = required(item, "from", a_date());
        e.to = optional_field<date>(item, "to", a_date());
        if (e.to && *e.to < e.from) {
            enter at(*this, "to");
            fault("'to' (" + to_string(*e.to) + ") is before 'from' (" + to_string(e.from) + ")");
        }
        e.fte = required(item, "fte", [this](const json& v) {
            const double fte = number_of(v);
            if (!(fte > 0 && fte <= 1)) fault("fte must be in (0, 1]");
            return fte;
        });
        e.role = required(item, "role", [&](const json& v) { return lookup(words_.experience_roles, v, "experience role"); });
        return e;
    }

    evidence_item evidence_of(const json& item) {
        evidence_item e;
        e.id = required(item, "id", text());
        e.type = required(item, "type", [&](const json& v) { return lookup(words_.evidence_types, v, "evidence type"); });
        e.dated = required(item, "date", a_date());
        if (const json* covers = field(item, "covers")) {
            enter at(*this, "covers");
            if (!covers->IsArray()) fault(std::string("expected an array of criterion ids, found ") + kind_of(*covers));
            check_size(*covers);
            std::size_t i = 0;
            for (const auto& k : covers->GetArray()) {
                enter at_k(*this, i++);
                e.covers.push_back(lookup(words_.criteria, k, "criterion"));
            }
        }
        for (std::size_t f = 0; f < q_.evidence_flags.size(); ++f) {
            const auto set = optional_field<bool>(item, q_.evidence_flags[f].c_str(), a_bool());
            if (set.value_or(false)) e.flags |= std::uint32_t{1} << f;
        }
        return e;
    }

    masterpro::assessor assessor_of(const json& item) {
        masterpro::assessor a;
        a.id = required(item, "id", text());
        a.employer = optional_field<std::string>(item, "employer", text()).value_or("");
        a.industry = optional_field<bool>(item, "industry", a_bool()).value_or(false);
        a.trained = optional_field<bool>(item, "trained", a_bool()).value_or(false);
        a.held_level = optional_field<id_index>(item, "held_level", [&](const json& v) { return lookup(words_.levels, v, "level"); });
        a.sector_years = optional_field<double>(item, "sector_years", [this](const json& v) {
                             const double years = number_of(v);
                             if (years < 0) fault("sector_years must not be negative");
                             return years;
                         }).value_or(0);
        each(item, "relations", [&](const json& r) {
            assessor_relation rel;
            rel.kind = required(r, "kind", text());
            rel.until = optional_field<date>(r, "until", a_date());
            a.relations.push_back(std::move(rel));
        });
        return a;
    }

    masterpro::assessment assessment_of(const json& item, const std::unordered_map<std::string, std::uint32_t>& assessors) {
        masterpro::assessment a;
        a.assessor = required(item, "assessor", [&](const json& v) {
            const std::string id = text_of(v);
            const auto found = assessors.find(id);
            if (found == assessors.end()) fault("assessor '" + id + "' is not in 'assessors'");
            return found->second;
        });
        a.competence = required(item, "competence", [&](const json& v) { return lookup(words_.competences, v, "competence"); });
        a.dated = required(item, "date", a_date());
        const json* scores = field(item, "scores");
        enter at(*this, "scores");
        if (!scores) fault("missing required 'scores'");
        if (!scores->IsObject()) fault(std::string("expected an object of criterion scores, found ") + kind_of(*scores));
        for (const auto& m : scores->GetObject()) {
            const std::string key = text_of(m.name); // bounded before it becomes part of the path
            enter at_k(*this, key);
            const std::int32_t found = words_.criteria.find(key.data(), key.size());
            if (found < 0) fault("unknown criterion '" + key + "'");
            const std::optional<id_index> k = static_cast<id_index>(found);
            if (q_.criteria[*k].competence != a.competence)
                fault("criterion '" + key + "' is not a criterion of " + q_.competences[a.competence].id);
            const json& v = m.value;
            const bool whole = v.IsInt() || (v.IsNumber() && std::floor(v.GetDouble()) == v.GetDouble() && std::fabs(v.GetDouble()) < 1e9);
            if (!whole) fault(std::string("a score must be a whole number ") + std::to_string(q_.rubric.min) + "-" +
                              std::to_string(q_.rubric.max) + ", found " + (v.IsNumber() ? std::to_string(v.GetDouble()) : kind_of(v)));
            const int score = v.IsInt() ? v.GetInt() : static_cast<int>(v.GetDouble());
            if (score < q_.rubric.min || score > q_.rubric.max)
                fault("score " + std::to_string(score) + " is outside the rubric " + std::to_string(q_.rubric.min) + "-" +
                      std::to_string(q_.rubric.max));
            if (std::any_of(a.scores.begin(), a.scores.end(), [&](const criterion_score& s) { return s.criterion == *k; }))
                fault("criterion '" + key + "' is scored twice");
            a.scores.push_back({*k, score});
        }
        return a;
    }

    masterpro::credential credential_of(const json& item) {
        masterpro::credential cr;
        cr.id = required(item, "id", text());
        cr.type = required(item, "type", [&](const json& v) { return lookup(words_.credential_types, v, "credential type"); });
        cr.issued = required(item, "issued", a_date());
        cr.valid_until = optional_field<date>(item, "valid_until", a_date());
        if (cr.valid_until && *cr.valid_until < cr.issued) {
            enter at(*this, "valid_until");
            fault("'valid_until' is before 'issued'");
        }
        return cr;
    }

    const qualification& q_;
    const program::vocabulary_index& words_;
    const limits& bounds;
};

} // namespace

tl::expected<candidate, error> read_candidate(const program& rules, const rapidjson::Value& record,
                                              std::optional<date> as_of) {
    return reader(rules).read(record, as_of);
}

void index_vocabulary(program& rules) {
    const qualification& q = rules.descriptor;
    auto index = [](text_table& into, const auto& table) {
        into = text_table();
        for (std::size_t i = 0; i < table.size(); ++i) {
            const std::string* id;
            if constexpr (std::is_same_v<std::decay_t<decltype(table[i])>, std::string>) id = &table[i];
            else id = &table[i].id;
            if (into.find(id->data(), id->size()) < 0) into.add(*id, static_cast<std::int32_t>(i)); // the first wins
        }
    };
    index(rules.vocabulary.competences, q.competences);
    index(rules.vocabulary.criteria, q.criteria);
    index(rules.vocabulary.levels, q.levels);
    index(rules.vocabulary.experience_roles, q.experience_roles);
    index(rules.vocabulary.evidence_types, q.evidence_types);
    index(rules.vocabulary.credential_types, q.credential_types);
}

} // namespace masterpro::detail
