// Renders decisions as JSON (RapidJSON's writer into a reused buffer) and as plain-language
// explanations, both from the recorded trace; picks the reasons a decision shows.
#include "masterpro/io/decision_json.hpp"

#include "program.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace masterpro {

const char* to_string(status s) noexcept {
    switch (s) {
    case status::pass: return "pass";
    case status::fail: return "fail";
    case status::insufficient: return "insufficient";
    }
    return "?";
}

const char* to_string(outcome o) noexcept {
    switch (o) {
    case outcome::awarded: return "awarded";
    case outcome::partial: return "partial";
    case outcome::not_awarded: return "not_awarded";
    }
    return "?";
}

const qualification& decision::qualification() const { return rules->descriptor; }

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// Which results a decision shows as reasons.

/// The reasons of one decision: the results that decided, i.e. every trace entry that is not
/// pass and has no sub-result that is not pass (plus anything a gap names), with the same
/// finding at several levels merged into one reason.
struct reason_list {
    std::vector<std::uint32_t> shown;     ///< trace entries shown (as a reason or part of one), in order
    std::vector<std::uint32_t> first;     ///< per reason: its first trace entry
    std::vector<std::uint32_t> level_end; ///< per reason: end of its range in `levels`
    std::vector<std::int16_t> levels;     ///< the levels of each reason, sorted, reason by reason
    std::vector<std::uint32_t> number;    ///< per trace entry shown: its reason
    std::vector<std::uint32_t> ids_from;  ///< per trace entry shown: the entry whose ids it rests on
    // Working memory, kept between decisions.
    std::vector<std::uint32_t> table, same_key, next;
    std::vector<std::uint8_t> titled; ///< per requirement: its title is in `titles` already
};

/// What reasons are merged by besides their finding: requirement, check and competence.
bool same_key(const trace_entry& a, const trace_entry& b) {
    return a.requirement == b.requirement && a.check == b.check && a.check_arg == b.check_arg &&
           a.competence == b.competence;
}

std::size_t key_hash(const trace_entry& e) {
    const std::uint64_t x = (std::uint64_t{e.requirement} << 32 | e.check_arg) * 0x9E3779B97F4A7C15ULL ^
                            (std::uint64_t{static_cast<std::uint8_t>(e.check)} << 16 |
                             static_cast<std::uint16_t>(e.competence)) * 0xC2B2AE3D27D4EB4FULL;
    return static_cast<std::size_t>(x >> 32);
}

bool same_refs(const decision& d, std::uint32_t a, std::uint32_t a_count, std::uint32_t b, std::uint32_t b_count) {
    if (a_count != b_count) return false;
    for (std::uint32_t i = 0; i < a_count; ++i)
        if (d.refs[a + i].kind != d.refs[b + i].kind || d.refs[a + i].index != d.refs[b + i].index) return false;
    return true;
}

bool same_value(const decision& d, const detail_value& a, const detail_value& b) {
    if (a.what != b.what) return false;
    switch (a.what) {
    case detail_value::kind::none: return true;
    case detail_value::kind::number: return a.number == b.number || (std::isnan(a.number) && std::isnan(b.number));
    case detail_value::kind::phrase: return a.first == b.first;
    case detail_value::kind::refs: return same_refs(d, a.first, a.count, b.first, b.count);
    }
    return false;
}

/// Same status, found, required and ids (requirement, check and competence are compared by
/// the caller): the same finding, whatever the level.
bool same_finding(const decision& d, const reason_list& r, std::uint32_t a, std::uint32_t b) {
    const trace_entry& x = d.trace[a];
    const trace_entry& y = d.trace[b];
    const trace_entry& x_ids = d.trace[r.ids_from[a]];
    const trace_entry& y_ids = d.trace[r.ids_from[b]];
    return x.result == y.result && same_value(d, x.found, y.found) && same_value(d, x.required, y.required) &&
           same_refs(d, x_ids.refs_first, x_ids.refs_count, y_ids.refs_first, y_ids.refs_count);
}

void find_reasons(const decision& d, reason_list& r) {
    const auto n = static_cast<std::uint32_t>(d.trace.size());
    const trace_entry* trace = d.trace.data();
    r.number.resize(n);
    r.ids_from.assign(n, none); // `none`: its own, for now
    std::uint32_t* ids_from = r.ids_from.data();
    r.shown.clear();
    // Children come after their parent: by the time an entry is reached, its parent has said
    // whose ids it rests on. What a gap names is a result without sub-results that is not
    // pass, so it is shown already.
    for (std::uint32_t i = 0; i < n; ++i) {
        const trace_entry& e = trace[i];
        // A result that passes is no reason, and the checks of a requirement that passes pass.
        if (e.result == status::pass) continue;
        bool deepest = true;
        const std::uint32_t* children = d.children.data() + e.children_first;
        for (std::uint32_t k = 0; k < e.children_count; ++k) {
            const trace_entry& child = trace[children[k]];
            if (child.result != status::pass) deepest = false;
            // A check that records no ids of its own (a mean, a coverage, a count of none) is
            // judged over the ids of its requirement.
            if (child.check != check_kind::whole && child.refs_count == 0) ids_from[children[k]] = i;
        }
        if (!deepest) continue;
        if (ids_from[i] == none) ids_from[i] = i;
        r.shown.push_back(i);
    }
    for (const auto& gap : d.gaps)
        for ([[maybe_unused]] std::uint32_t i : gap)
            assert(ids_from[i] != none && "a gap names a result that is not shown");

    // The same check of the same requirement and competence at several levels: one reason per
    // distinct finding, named by its first entry. Entries with one key are found through a hash
    // table of the first reason with that key; its other findings follow in `same_key`.
    std::size_t size = 16;
    while (size < 2 * r.shown.size()) size *= 2;
    r.table.assign(size, none);
    r.same_key.clear();
    r.first.clear();
    for (std::uint32_t i : r.shown) {
        const trace_entry& e = trace[i];
        std::size_t slot = key_hash(e) & (size - 1);
        while (r.table[slot] != none && !same_key(trace[r.first[r.table[slot]]], e)) slot = (slot + 1) & (size - 1);
        std::uint32_t* link = &r.table[slot];
        while (*link != none && !same_finding(d, r, r.first[*link], i)) link = &r.same_key[*link];
        std::uint32_t reason = *link;
        if (reason == none) {
            reason = static_cast<std::uint32_t>(r.first.size());
            *link = reason; // before same_key grows, which `link` may point into
            r.first.push_back(i);
            r.same_key.push_back(none);
        }
        r.number[i] = reason;
    }
    // Each reason's levels, in one array (a counting sort by reason), sorted within a reason.
    r.level_end.assign(r.first.size(), 0);
    for (std::uint32_t i : r.shown) ++r.level_end[r.number[i]];
    std::partial_sum(r.level_end.begin(), r.level_end.end(), r.level_end.begin());
    r.next.resize(r.first.size());
    for (std::size_t k = 0; k < r.first.size(); ++k) r.next[k] = k ? r.level_end[k - 1] : 0;
    r.levels.resize(r.shown.size());
    for (std::uint32_t i : r.shown) r.levels[r.next[r.number[i]]++] = d.trace[i].level;
    for (std::size_t k = 0; k < r.first.size(); ++k)
        std::sort(r.levels.begin() + (k ? r.level_end[k - 1] : 0), r.levels.begin() + r.level_end[k]);
}

reason_list& thread_reasons() {
    thread_local reason_list r;
    return r;
}

// ---------------------------------------------------------------------------------------------
// Text that depends only on the rules, escaped once per rule set and thread.

std::string quoted(std::string_view s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(b.GetString(), b.GetSize());
}

struct fragments {
    std::weak_ptr<const detail::program> owner; ///< tells a rule set from a later one at the same address
    const detail::program* rules = nullptr;
    std::string qualification, version;         ///< quoted, like every string here
    std::vector<std::string> level, competence, criterion, evidence_type, credential_type;
    std::vector<std::string> scorers, spread;   ///< per criterion: the check names "<id> scorers", "<id> spread"
    /// Per requirement: `"requirement":..,"kind":..`, with its `"title":..` between where its id
    /// does not name one title.
    std::vector<std::string> requirement;
    std::vector<std::string> title;             ///< `"<id>":"<title>"` per requirement, or empty
    std::vector<std::uint32_t> title_from;      ///< per requirement: whose `title` is its in `titles`, or none
    std::vector<std::vector<std::string>> count_title; ///< per requirement: each `at_least` entry's title
};

/// False for a combinator whose status, when not pass, is that of a child that is not pass
/// (`all_of`, `sequence`, `when`, a competence): never a reason itself. (`at_least` and
/// `min_total` can fail with every child passed, when they ask for more than the children give.)
bool can_be_reason(const detail::requirement& r) {
    switch (r.kind) {
    case detail::requirement_kind::all_of:
    case detail::requirement_kind::sequence:
    case detail::requirement_kind::when:
    case detail::requirement_kind::competence: return false;
    default: return true;
    }
}

const fragments& fragments_of(const std::shared_ptr<const detail::program>& rules) {
    thread_local fragments f;
    if (f.rules == rules.get() && !f.owner.expired()) return f;
    f = fragments{};
    const auto& q = rules->descriptor;
    f.qualification = quoted(q.id);
    f.version = quoted(q.version);
    for (const auto& l : q.levels) f.level.push_back(quoted(l.id));
    for (const auto& c : q.competences) f.competence.push_back(quoted(c.id));
    for (const auto& k : q.criteria) {
        f.criterion.push_back(quoted(k.id));
        f.scorers.push_back(quoted(k.id + " scorers"));
        f.spread.push_back(quoted(k.id + " spread"));
    }
    for (const auto& t : q.evidence_types) f.evidence_type.push_back(quoted(t.id));
    for (const auto& t : q.credential_types) f.credential_type.push_back(quoted(t));
    // `titles` gives each requirement id's title once, by the first requirement with that id
    // that can be a reason. Ids are unique within a tree only: where trees share an id but not
    // its title, the reasons of those requirements carry their own `title` instead.
    const auto& requirements = rules->requirements;
    std::unordered_map<std::string_view, std::uint32_t> first_with_id;
    std::vector<std::uint8_t> one_title(requirements.size(), 1);
    for (std::uint32_t i = 0; i < requirements.size(); ++i) {
        if (!can_be_reason(requirements[i])) continue;
        const std::uint32_t first = first_with_id.emplace(requirements[i].id, i).first->second;
        if (requirements[i].title != requirements[first].title) one_title[first] = 0;
    }
    for (std::uint32_t i = 0; i < requirements.size(); ++i) {
        const auto& r = requirements[i];
        const auto found = first_with_id.find(r.id);
        const std::uint32_t first = found != first_with_id.end() && can_be_reason(r) ? found->second : i;
        const bool own = !one_title[first] && !r.title.empty();
        f.requirement.push_back("\"requirement\":" + quoted(r.id) +
                                (own ? ",\"title\":" + quoted(r.title) : "") +
                                ",\"kind\":" + quoted(detail::to_string(r.kind)));
        const bool names = i == first && one_title[i] && !r.title.empty();
        f.title.push_back(names ? quoted(r.id) + ":" + quoted(r.title) : "");
        f.title_from.push_back(one_title[first] && !r.title.empty() ? first : none);
        f.count_title.emplace_back();
        for (const auto& c : r.counts) f.count_title.back().push_back(quoted(c.title));
    }
    f.owner = rules;
    f.rules = rules.get();
    return f;
}

// ---------------------------------------------------------------------------------------------
// JSON.

/// Copies JSON text to `to`. Most fragments are ids of a few bytes: two overlapping fixed-size
/// copies (inlined) instead of a call to memcpy.
inline void copy_text(char* to, std::string_view json) {
    const std::size_t n = json.size();
    const char* from = json.data();
    if (n >= 8 && n <= 16) {
        std::memcpy(to, from, 8);
        std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        std::memcpy(to, from, 4);
        std::memcpy(to + n - 4, from + n - 4, 4);
    } else {
        std::memcpy(to, from, n);
    }
}

/// RapidJSON's writer, plus text escaped beforehand (the fragments), which it copies as is.
class json_writer : public rapidjson::Writer<rapidjson::StringBuffer> {
  public:
    using Writer::Writer;
    /// A key or string value given as JSON text (quoted and escaped).
    void raw_string(std::string_view json) {
        Prefix(rapidjson::kStringType);
        copy_text(os_->Push(json.size()), json);
    }
    /// Starts `count` members of the object being written that the caller then appends to the
    /// returned buffer as JSON text (`"a":1,"b":2`).
    rapidjson::StringBuffer& raw_members(std::size_t count) {
        Prefix(rapidjson::kStringType); // the separator, and the first key counted
        level_stack_.template Top<Level>()->valueCount += 2 * count - 1;
        return *os_;
    }
    /// A key or string value known at compile time, e.g. `literal("\"status\"")`: copied with
    /// a fixed-size copy the compiler inlines (most of what a reason writes).
    template <std::size_t N> void literal(const char (&json)[N]) {
        Prefix(rapidjson::kStringType);
        std::memcpy(os_->Push(N - 1), json, N - 1);
    }
    void text(std::string_view s) { String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
};

/// JSON text appended as is: the reasons are made of text escaped beforehand (fragments, the
/// id cache) and numbers, so they are written without the writer's per-value bookkeeping, into
/// room taken from the buffer a few KB at a time; what is not used goes back at the end.
class json_text {
  public:
    explicit json_text(rapidjson::StringBuffer& out) : out_(out) {}
    json_text(const json_text&) = delete;
    json_text& operator=(const json_text&) = delete;
    ~json_text() { out_.Pop(static_cast<std::size_t>(end_ - at_)); }

    void put(char c) {
        room(1);
        *at_++ = c;
    }
    /// Text known at compile time, copied with a fixed-size copy the compiler inlines.
    template <std::size_t N> void put(const char (&json)[N]) {
        room(N - 1);
        std::memcpy(at_, json, N - 1);
        at_ += N - 1;
    }
    void put(std::string_view json) {
        room(json.size());
        copy_text(at_, json);
        at_ += json.size();
    }
    void put_uint(std::uint32_t u) {
        room(10);
        at_ = rapidjson::internal::u32toa(u, at_);
    }
    /// Whole numbers as integers; others keep 4 decimals, enough for FTE years; null when not
    /// finite. The same digits as RapidJSON's writer.
    void put_number(double n) {
        if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e15) {
            room(21);
            at_ = rapidjson::internal::i64toa(static_cast<std::int64_t>(n), at_);
            return;
        }
        const double rounded = std::round(n * 10000) / 10000;
        if (!std::isfinite(rounded)) {
            put("null");
            return;
        }
        room(25);
        at_ = rapidjson::internal::dtoa(rounded, at_);
    }

  private:
    void room(std::size_t n) {
        if (static_cast<std::size_t>(end_ - at_) < n) grow(n);
    }
    void grow(std::size_t n) {
        out_.Pop(static_cast<std::size_t>(end_ - at_));
        const std::size_t size = std::max<std::size_t>(n, 4096);
        at_ = out_.Push(size); // right after what was written, wherever the buffer now is
        end_ = at_ + size;
    }

    rapidjson::StringBuffer& out_;
    char* at_ = nullptr;
    char* end_ = nullptr;
};

void write_status(json_writer& w, status s) {
    switch (s) {
    case status::pass: w.literal("\"pass\""); return;
    case status::fail: w.literal("\"fail\""); return;
    case status::insufficient: w.literal("\"insufficient\""); return;
    }
}

/// `"YYYY-MM-DD"` into `out` (16 bytes); returns the length.
std::size_t date_json(date d, char* out) {
    const auto c = to_civil(d);
    if (c.year < 0 || c.year > 9999)
        return static_cast<std::size_t>(std::snprintf(out, 16, "\"%04d-%02d-%02d\"", c.year, c.month, c.day));
    const auto two = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    out[0] = '"';
    two(out + 1, c.year / 100);
    two(out + 3, c.year % 100);
    out[5] = '-';
    two(out + 6, static_cast<int>(c.month));
    out[8] = '-';
    two(out + 9, static_cast<int>(c.day));
    out[11] = '"';
    return 12;
}

void write_date(json_writer& w, date d) {
    char text[16];
    w.raw_string({text, date_json(d, text)});
}

const char* phrase_text(std::uint32_t p) {
    switch (static_cast<phrase>(p)) {
    case phrase::no_experience_recorded: return "no experience recorded";
    case phrase::no_credentials_recorded: return "no credentials recorded";
    case phrase::pass: return "pass";
    case phrase::fail: return "fail";
    case phrase::insufficient: return "insufficient";
    }
    return "";
}

/// phrase_text as a JSON string.
std::string_view phrase_json(std::uint32_t p) {
    switch (static_cast<phrase>(p)) {
    case phrase::no_experience_recorded: return "\"no experience recorded\"";
    case phrase::no_credentials_recorded: return "\"no credentials recorded\"";
    case phrase::pass: return "\"pass\"";
    case phrase::fail: return "\"fail\"";
    case phrase::insufficient: return "\"insufficient\"";
    }
    return "\"\"";
}

/// The candidate's ids as JSON strings, each escaped the first time the decision shows it:
/// reasons name the same few items again and again.
class id_cache {
  public:
    void reset(const decision& d) {
        d_ = &d;
        json_.clear();
        slots_[0].assign(d.evidence_ids.size(), {none, 0});
        slots_[1].assign(d.assessor_ids.size(), {none, 0});
        slots_[2].assign(d.assessments.size(), {none, 0});
        slots_[3].assign(d.credential_ids.size(), {none, 0});
    }

    /// The id of a ref of kind evidence, assessor, assessment or credential, quoted.
    std::string_view quoted(const trace_ref& ref) {
        const int kind = ref.kind == ref_kind::evidence ? 0 : ref.kind == ref_kind::assessor ? 1
                         : ref.kind == ref_kind::assessment ? 2 : 3;
        auto& slot = slots_[kind][ref.index];
        if (slot.first == none) {
            escaped_.Clear();
            escaper_.Reset(escaped_);
            const std::string& text = kind == 0 ? d_->evidence_ids[ref.index]
                                      : kind == 1 ? d_->assessor_ids[ref.index]
                                      : kind == 2 ? assessment_label(ref.index)
                                                  : d_->credential_ids[ref.index];
            escaper_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
            slot = {static_cast<std::uint32_t>(json_.size()), static_cast<std::uint32_t>(escaped_.GetSize())};
            json_.append(escaped_.GetString(), escaped_.GetSize());
        }
        return std::string_view(json_).substr(slot.first, slot.second);
    }

  private:
    /// "assessor/competence@date", as an assessment is shown.
    const std::string& assessment_label(std::uint32_t index) {
        const auto& a = d_->assessments[index];
        char dated[16];
        const std::size_t n = date_json(a.dated, dated);
        label_.assign(d_->assessor_ids[a.assessor]);
        label_ += '/';
        label_ += d_->qualification().competences[a.competence].id;
        label_ += '@';
        label_.append(dated + 1, n - 2);
        return label_;
    }

    const decision* d_ = nullptr;
    std::string json_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> slots_[4]; ///< offset and size in json_
    std::string label_;
    rapidjson::StringBuffer escaped_;
    rapidjson::Writer<rapidjson::StringBuffer> escaper_;
};

/// What a decision is rendered with: the decision, its rules' fragments, working memory.
struct render {
    const decision& d;
    const fragments& f;
    json_writer& w;
    id_cache& ids;
};

void write_ref(const render& r, json_text& out, const trace_ref& ref) {
    switch (ref.kind) {
    case ref_kind::evidence:
    case ref_kind::assessor:
    case ref_kind::credential:
    case ref_kind::assessment: out.put(r.ids.quoted(ref)); return;
    case ref_kind::criterion: out.put(r.f.criterion[ref.index]); return;
    case ref_kind::evidence_type: out.put(r.f.evidence_type[ref.index]); return;
    case ref_kind::credential_type: out.put(r.f.credential_type[ref.index]); return;
    }
}

void write_value(const render& r, json_text& out, const detail_value& v) {
    switch (v.what) {
    case detail_value::kind::number: out.put_number(v.number); return;
    case detail_value::kind::phrase: out.put(phrase_json(v.first)); return;
    case detail_value::kind::refs:
        out.put('[');
        for (std::uint32_t i = 0; i < v.count; ++i) {
            if (i) out.put(',');
            write_ref(r, out, r.d.refs[v.first + i]);
        }
        out.put(']');
        return;
    case detail_value::kind::none: out.put("null"); return;
    }
}

/// The JSON key ids of a kind are listed under; also the order of the groups in a reason.
int id_group(ref_kind k) {
    switch (k) {
    case ref_kind::assessor: return 1;
    case ref_kind::assessment: return 2;
    case ref_kind::credential: return 3;
    default: return 0;
    }
}

constexpr std::string_view id_keys[] = {"\"evidence\"", "\"assessors\"", "\"assessments\"", "\"credentials\""};

/// The ids an entry rests on, grouped by kind (`,"evidence":[...]`, ...), groups in the order
/// their first id appears.
void write_ids(const render& r, json_text& out, const trace_entry& e) {
    const trace_ref* refs = r.d.refs.data() + e.refs_first;
    unsigned written = 0;
    for (std::uint32_t i = 0; i < e.refs_count; ++i) {
        const int group = id_group(refs[i].kind);
        if (written & (1U << group)) continue;
        written |= 1U << group;
        out.put(',');
        out.put(id_keys[group]);
        out.put(":[");
        write_ref(r, out, refs[i]);
        for (std::uint32_t j = i + 1; j < e.refs_count; ++j) {
            if (id_group(refs[j].kind) != group) continue;
            out.put(',');
            write_ref(r, out, refs[j]);
        }
        out.put(']');
    }
}

/// `,"check":...`, unless the entry is the requirement as a whole.
void write_check(const render& r, json_text& out, const trace_entry& e) {
    switch (e.check) {
    case check_kind::whole: return;
    case check_kind::not_usable: out.put(",\"check\":\"not_usable\""); return;
    case check_kind::min_items: out.put(",\"check\":\"min_items\""); return;
    case check_kind::min_distinct_types: out.put(",\"check\":\"min_distinct_types\""); return;
    case check_kind::cover_every_criterion: out.put(",\"check\":\"cover_every_criterion\""); return;
    case check_kind::not_valid: out.put(",\"check\":\"not_valid\""); return;
    case check_kind::min_size: out.put(",\"check\":\"min_size\""); return;
    case check_kind::agreed_scores: out.put(",\"check\":\"agreed_scores\""); return;
    case check_kind::mean: out.put(",\"check\":\"mean\""); return;
    default: break;
    }
    out.put(",\"check\":");
    switch (e.check) {
    case check_kind::count_condition: out.put(r.f.count_title[e.requirement][e.check_arg]); return;
    case check_kind::scorers: out.put(r.f.scorers[e.check_arg]); return;
    case check_kind::spread: out.put(r.f.spread[e.check_arg]); return;
    default: out.put(r.f.criterion[e.check_arg]); return; // agreed, criterion_score
    }
}

void write_reason(const render& r, json_text& out, const reason_list& reasons, std::size_t k) {
    const std::uint32_t i = reasons.first[k];
    const trace_entry& e = r.d.trace[i];
    out.put('{');
    out.put(r.f.requirement[e.requirement]);
    write_check(r, out, e);
    out.put(",\"levels\":[");
    const std::size_t from = k ? reasons.level_end[k - 1] : 0;
    bool first = true;
    for (std::size_t l = from; l < reasons.level_end[k]; ++l) {
        const std::int16_t level = reasons.levels[l];
        if (level < 0 || (l != from && level == reasons.levels[l - 1])) continue;
        if (!first) out.put(',');
        out.put(r.f.level[static_cast<std::size_t>(level)]);
        first = false;
    }
    out.put(']');
    if (e.competence >= 0) {
        out.put(",\"competence\":");
        out.put(r.f.competence[static_cast<std::size_t>(e.competence)]);
    }
    switch (e.result) {
    case status::pass: out.put(",\"status\":\"pass\",\"found\":"); break;
    case status::fail: out.put(",\"status\":\"fail\",\"found\":"); break;
    case status::insufficient: out.put(",\"status\":\"insufficient\",\"found\":"); break;
    }
    write_value(r, out, e.found);
    out.put(",\"required\":");
    write_value(r, out, e.required);
    write_ids(r, out, r.d.trace[reasons.ids_from[i]]);
    out.put('}');
}

/// `"reasons":[...],"gaps":{...},"titles":{...}`.
void write_reasons(const render& r, json_text& out) {
    const decision& d = r.d;
    reason_list& reasons = thread_reasons();
    find_reasons(d, reasons);
    out.put("\"reasons\":[");
    for (std::size_t k = 0; k < reasons.first.size(); ++k) {
        if (k) out.put(',');
        write_reason(r, out, reasons, k);
    }
    out.put("],\"gaps\":{");
    bool first = true;
    for (std::size_t l = 0; l < d.gaps.size(); ++l) {
        if (d.level_status[l] == status::pass) continue;
        if (!first) out.put(',');
        first = false;
        out.put(r.f.level[l]);
        out.put(":[");
        for (std::size_t g = 0; g < d.gaps[l].size(); ++g) {
            if (g) out.put(',');
            out.put_uint(reasons.number[d.gaps[l][g]]);
        }
        out.put(']');
    }
    // The title of each requirement the reasons name, once (in the order they first name it).
    out.put("},\"titles\":{");
    first = true;
    reasons.titled.assign(r.f.title.size(), 0);
    for (std::uint32_t i : reasons.first) {
        const std::uint32_t from = r.f.title_from[d.trace[i].requirement];
        if (from == none || reasons.titled[from]) continue;
        reasons.titled[from] = 1;
        if (!first) out.put(',');
        first = false;
        out.put(r.f.title[from]);
    }
    out.put('}');
}

void write_decision(const render& r, const decision_json_options& options) {
    const decision& d = r.d;
    const fragments& f = r.f;
    json_writer& w = r.w;
    w.StartObject();
    w.literal("\"id\"");
    w.text(d.candidate_id);
    w.literal("\"as_of\"");
    write_date(w, d.as_of);
    w.literal("\"qualification\"");
    w.raw_string(f.qualification);
    w.literal("\"version\"");
    w.raw_string(f.version);
    w.literal("\"outcome\"");
    w.String(to_string(d.outcome));
    w.literal("\"level\"");
    if (d.level) w.raw_string(f.level[*d.level]);
    else w.Null();
    w.literal("\"partial\"");
    w.StartArray();
    for (id_index c : d.partial) w.raw_string(f.competence[c]);
    w.EndArray();
    w.literal("\"valid_until\"");
    if (d.valid_until) write_date(w, *d.valid_until);
    else w.Null();
    w.literal("\"levels\"");
    w.StartObject();
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        w.raw_string(f.level[l]);
        write_status(w, d.level_status[l]);
    }
    w.EndObject();
    w.literal("\"competences\"");
    w.StartObject();
    for (std::size_t l = 0; l < d.competence_status.size(); ++l) {
        w.raw_string(f.level[l]);
        w.StartObject();
        for (std::size_t c = 0; c < d.competence_status[l].size(); ++c) {
            w.raw_string(f.competence[c]);
            write_status(w, d.competence_status[l][c]);
        }
        w.EndObject();
    }
    w.EndObject();
    if (options.reasons) {
        json_text out(w.raw_members(3));
        write_reasons(r, out);
    }
    if (options.explanation) {
        w.literal("\"explanation\"");
        w.text(explain(d));
    }
    w.EndObject();
}

// ---------------------------------------------------------------------------------------------
// Text.

std::string ref_text(const decision& d, const trace_ref& r) {
    const auto& q = d.qualification();
    switch (r.kind) {
    case ref_kind::evidence: return d.evidence_ids[r.index];
    case ref_kind::assessor: return d.assessor_ids[r.index];
    case ref_kind::credential: return d.credential_ids[r.index];
    case ref_kind::assessment: {
        const auto& a = d.assessments[r.index];
        return d.assessor_ids[a.assessor] + "/" + q.competences[a.competence].id + "@" + to_string(a.dated);
    }
    case ref_kind::criterion: return q.criteria[r.index].id;
    case ref_kind::evidence_type: return q.evidence_types[r.index].id;
    case ref_kind::credential_type: return q.credential_types[r.index];
    }
    return "";
}

std::string detail_text(const decision& d, const detail_value& v) {
    switch (v.what) {
    case detail_value::kind::number: {
        char text[32];
        std::snprintf(text, sizeof text, "%.4g", v.number);
        return text;
    }
    case detail_value::kind::phrase: return phrase_text(v.first);
    case detail_value::kind::refs: {
        std::string s;
        for (std::uint32_t i = 0; i < v.count; ++i) s += (i ? ", " : "") + ref_text(d, d.refs[v.first + i]);
        return s.empty() ? "none" : s;
    }
    case detail_value::kind::none: return "";
    }
    return "";
}

/// The name of the check an entry records ("" for the requirement as a whole).
std::string check_name(const decision& d, const trace_entry& e) {
    const auto& q = d.qualification();
    const auto criterion = [&] { return q.criteria[e.check_arg].id; };
    switch (e.check) {
    case check_kind::whole: return "";
    case check_kind::not_usable: return "not_usable";
    case check_kind::min_items: return "min_items";
    case check_kind::min_distinct_types: return "min_distinct_types";
    case check_kind::count_condition: return d.rules->requirements[e.requirement].counts[e.check_arg].title;
    case check_kind::cover_every_criterion: return "cover_every_criterion";
    case check_kind::not_valid: return "not_valid";
    case check_kind::min_size: return "min_size";
    case check_kind::scorers: return criterion() + " scorers";
    case check_kind::spread: return criterion() + " spread";
    case check_kind::agreed: return criterion();
    case check_kind::agreed_scores: return "agreed_scores";
    case check_kind::criterion_score: return criterion();
    case check_kind::mean: return "mean";
    }
    return "";
}

/// One result in words; `ids` is the entry whose ids it rests on.
std::string entry_text(const decision& d, const trace_entry& e, const trace_entry& ids) {
    const auto& q = d.qualification();
    const auto& r = d.rules->requirements[e.requirement];
    std::string s;
    if (e.competence >= 0) {
        const auto& c = q.competences[static_cast<std::size_t>(e.competence)];
        s += c.id + " (" + c.title + ") at " + q.levels[static_cast<std::size_t>(e.level)].id + ": ";
    }
    s += r.title.empty() ? r.id : r.id + " " + r.title;
    if (e.check != check_kind::whole) s += " [" + check_name(d, e) + "]";
    s += std::string(" is ") + to_string(e.result);
    const std::string found = detail_text(d, e.found), required = detail_text(d, e.required);
    if (!found.empty() || !required.empty()) s += ": found " + (found.empty() ? "nothing" : found);
    if (!required.empty()) s += ", required " + required;
    const trace_ref* refs = d.refs.data() + ids.refs_first;
    unsigned written = 0;
    for (std::uint32_t i = 0; i < ids.refs_count; ++i) {
        const int group = id_group(refs[i].kind);
        if (written & (1U << group)) continue;
        written |= 1U << group;
        const auto key = id_keys[group];
        s += "; " + std::string(key.substr(1, key.size() - 2)) + " ";
        for (std::uint32_t j = i, n = 0; j < ids.refs_count; ++j)
            if (id_group(refs[j].kind) == group) s += (n++ ? ", " : "") + ref_text(d, refs[j]);
    }
    return s;
}

} // namespace

void append_json(std::string& out, const decision& d, const decision_json_options& options) {
    thread_local rapidjson::StringBuffer buffer;
    thread_local json_writer w;
    thread_local id_cache ids;
    buffer.Clear();
    w.Reset(buffer);
    ids.reset(d);
    write_decision(render{d, fragments_of(d.rules), w, ids}, options);
    out.append(buffer.GetString(), buffer.GetSize());
    // One huge decision should not pin its memory for the rest of the thread's life.
    if (buffer.GetSize() > (std::size_t{1} << 20)) buffer.ShrinkToFit();
}

std::string to_json(const decision& d, const decision_json_options& options) {
    std::string s;
    append_json(s, d, options);
    return s;
}

std::string explain(const decision& d) {
    const auto& q = d.rules->descriptor;
    std::string s = "Candidate " + d.candidate_id + ", " + q.title + " (" + q.id + " " + q.version + "), as of " +
                    to_string(d.as_of) + ": ";
    if (d.outcome == outcome::awarded) {
        const auto& l = q.levels[*d.level];
        s += "awarded " + l.id + (l.title.empty() ? "" : " (" + l.title + ")") + ", LTQF " + std::to_string(l.ltqf) +
             " / EQF " + std::to_string(l.eqf);
        if (d.valid_until) s += ", valid until " + to_string(*d.valid_until);
        s += ".\n";
    } else if (d.outcome == outcome::partial) {
        s += "partial award of";
        for (std::size_t i = 0; i < d.partial.size(); ++i) s += (i ? ", " : " ") + q.competences[d.partial[i]].id;
        s += " (no level reached).\n";
    } else {
        s += "not awarded.\n";
    }
    for (std::size_t l = 0; l < d.level_status.size(); ++l) {
        s += "Level " + q.levels[l].id + ": " + to_string(d.level_status[l]) + ". Competences:";
        for (std::size_t c = 0; c < d.competence_status[l].size(); ++c)
            s += " " + q.competences[c].id + " " + to_string(d.competence_status[l][c]) + (c + 1 < d.competence_status[l].size() ? "," : ".");
        s += "\n";
    }
    reason_list& reasons = thread_reasons();
    find_reasons(d, reasons);
    for (std::size_t l = 0; l < d.gaps.size(); ++l) {
        if (d.level_status[l] == status::pass) continue;
        s += "What stands between the candidate and " + q.levels[l].id + ":\n";
        for (std::uint32_t i : d.gaps[l]) s += "  - " + entry_text(d, d.trace[i], d.trace[reasons.ids_from[i]]) + "\n";
    }
    return s;
}

void keep_reasons_only(decision& d) {
    reason_list& r = thread_reasons();
    find_reasons(d, r);
    thread_local std::vector<trace_ref> refs;
    refs.clear();
    const auto copy = [&](std::uint32_t first, std::uint32_t count) {
        const auto at = static_cast<std::uint32_t>(refs.size());
        refs.insert(refs.end(), d.refs.begin() + first, d.refs.begin() + first + count);
        return at;
    };
    std::vector<trace_entry> trace;
    trace.reserve(r.shown.size());
    // The old index of each kept entry maps to its new one.
    thread_local std::vector<std::uint32_t> new_index;
    new_index.resize(d.trace.size());
    for (std::uint32_t i : r.shown) {
        const trace_entry& old = d.trace[i];
        const trace_entry& ids = d.trace[r.ids_from[i]];
        trace_entry e = old;
        e.children_first = e.children_count = 0;
        const bool found_ids = old.found.what == detail_value::kind::refs;
        if (found_ids) e.found.first = copy(old.found.first, old.found.count);
        if (old.required.what == detail_value::kind::refs)
            e.required.first = copy(old.required.first, old.required.count);
        e.refs_count = ids.refs_count;
        if (ids.refs_count == 0) e.refs_first = 0;
        else if (found_ids && ids.refs_first == old.found.first && ids.refs_count == old.found.count)
            e.refs_first = e.found.first; // the same ids, shared as before
        else e.refs_first = copy(ids.refs_first, ids.refs_count);
        new_index[i] = static_cast<std::uint32_t>(trace.size());
        trace.push_back(e);
    }
    for (auto& gap : d.gaps) {
        for (auto& i : gap) i = new_index[i];
        gap.shrink_to_fit();
    }
    d.trace = std::move(trace);
    d.refs.assign(refs.begin(), refs.end());
    d.refs.shrink_to_fit();
    decltype(d.children)().swap(d.children);
    decltype(d.level_roots)().swap(d.level_roots);
    decltype(d.competence_roots)().swap(d.competence_roots);
    d.evidence_ids.shrink_to_fit();
    d.assessor_ids.shrink_to_fit();
    d.credential_ids.shrink_to_fit();
    d.assessments.shrink_to_fit();
    d.partial.shrink_to_fit();
    d.level_status.shrink_to_fit();
    d.gaps.shrink_to_fit();
    if (refs.capacity() > (std::size_t{1} << 16)) decltype(refs)().swap(refs);
    if (new_index.capacity() > (std::size_t{1} << 16)) decltype(new_index)().swap(new_index);
}

std::string to_json(const error& e) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("category");
    w.String(to_string(e.category));
    w.Key("message");
    w.String(e.message.data(), static_cast<rapidjson::SizeType>(e.message.size()));
    if (!e.where.file.empty()) {
        w.Key("file");
        w.String(e.where.file.data(), static_cast<rapidjson::SizeType>(e.where.file.size()));
    }
    if (e.where.line) {
        w.Key("line");
        w.Uint64(e.where.line);
    }
    if (e.where.column) {
        w.Key("column");
        w.Uint64(e.where.column);
    }
    w.Key("pointer");
    w.String(e.where.pointer.data(), static_cast<rapidjson::SizeType>(e.where.pointer.size()));
    if (!e.where.path.empty()) {
        w.Key("path");
        w.String(e.where.path.data(), static_cast<rapidjson::SizeType>(e.where.path.size()));
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

} // namespace masterpro
