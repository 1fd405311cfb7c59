// Batch evaluation: each thread (the caller and a Boost.Asio pool) reads, decides and writes chunks
// of lines, written in input order.
#include "masterpro/batch.hpp"

#include "masterpro/limits.hpp"

#include "candidate_reader.hpp"
#include "evaluate.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <istream>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

namespace masterpro {
namespace {

/// What one thread reuses from line to line, so that deciding a record allocates little once
/// the first records have grown its lists.
struct worker_state {
    candidate read;
    decision decided;
};

/// Decides one line and appends its output (newline included) to `out`; returns the outcome's
/// name, or nullptr for a line that got an error.
const char* decide_line(const rule_set& rules, std::string& line, std::size_t number, const batch_options& o,
                        worker_state& w, std::string& out) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Room after the text for the reader's padding, so that it reads the line where it is (a
    // line's memory is kept from chunk to chunk: this seldom allocates).
    if (line.capacity() - line.size() < detail::in_place_padding) line.reserve(line.size() + detail::in_place_padding);
    // The trace and gaps are shown with the reasons (and in explanations), and without them not
    // made; only what they show is recorded (no checks that pass).
    evaluation_options what;
    what.trace = what.gaps = o.text || o.json.reasons || o.json.explanation;
    what.passing_checks = false;
    auto decided =
        detail::decide_json(rules.program(), line, o.as_of, what, w.read, w.decided, line.capacity() - line.size());
    if (!decided) {
        const error& e = decided.error();
        if (o.text)
            out += "Line " + std::to_string(number) + " (" + record_id_json(line) + "): error: " + e.message +
                   (e.where.path.empty() ? "" : " at " + e.where.path) + "\n\n";
        else
            out += "{\"line\":" + std::to_string(number) + ",\"id\":" + record_id_json(line) +
                   ",\"error\":" + to_json(e) + "}\n";
        return nullptr;
    }
    if (o.text) out += explain(w.decided);
    else append_json(out, w.decided, o.json);
    out += '\n';
    return to_string(w.decided.outcome);
}

/// Lets go of a buffer that one huge line made huge, so that memory stays bounded by typical
/// lines, not by the largest one seen.
void release_if_huge(std::string& s, std::size_t limit) {
    if (s.capacity() > limit) std::string().swap(s);
}

} // namespace

std::optional<std::string> record_id(std::string_view line) {
    if (line.find('\0') != std::string_view::npos) return std::nullopt;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
    if (d.HasParseError() || !d.IsObject()) return std::nullopt;
    auto it = d.FindMember("id");
    if (it == d.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() > limits{}.max_string_bytes)
        return std::nullopt;
    std::string id(it->value.GetString(), it->value.GetStringLength());
    // A lone \uD800-\uDFFF escape decodes to bytes that are not UTF-8 (ED A0..BF): such an
    // id cannot be echoed in valid JSON, so the record stays unnamed.
    for (std::size_t i = 0; i + 1 < id.size(); ++i)
        if (static_cast<unsigned char>(id[i]) == 0xED && static_cast<unsigned char>(id[i + 1]) >= 0xA0) return std::nullopt;
    return id;
}

std::string record_id_json(std::string_view line) {
    const auto id = record_id(line);
    if (!id) return "null";
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(id->data(), static_cast<rapidjson::SizeType>(id->size()));
    return b.GetString();
}

namespace {

/// A piece of consecutive input lines: read, decided and written by one thread, so that a
/// record's text is decided where it was read (in that core's cache), not handed to another.
struct piece {
    std::size_t owner = 0;        ///< the thread that reads into it (and so keeps its memory warm)
    std::size_t sequence = 0;     ///< its place in the input: pieces are written in this order
    std::size_t first_number = 1; ///< line number of its first line
    std::vector<std::string> lines;
    std::size_t count = 0;
    std::vector<const char*> outcomes; ///< per line: the outcome's name, or nullptr for an error
    std::string text;                  ///< the output of its lines
};

/// The batch's threads, each of which reads a piece (taking turns at the input), decides it
/// and hands it to be written in input order: whichever thread finishes the piece that is due
/// writes it and any that follow it already done. At most `max_pending` pieces are read and
/// not yet written, so that memory stays bounded whatever the input size.
class ordered_batch {
  public:
    ordered_batch(const rule_set& rules, std::istream& in, std::ostream& out, const batch_options& options,
                  unsigned threads)
        : rules_(rules), in_(in), out_(out), options_(options),
          piece_lines_(std::max<std::size_t>(1, options.chunk_lines)), max_pending_(2 * std::size_t{threads}),
          spare_(threads) {}

    /// Runs on each thread of the batch until the input is read and every piece is written, or
    /// some thread failed (resource exhaustion: the batch is abandoned; see rethrow()).
    void work() {
        worker_state w; // this thread's reused candidate and decision
        const std::size_t me = next_worker_++ % spare_.size(); // one per thread of the batch
        std::unique_ptr<piece> p;
        try {
            while (claim_room()) {
                if (!p) p = spare(me);
                if (!read(*p)) {
                    release_room();
                    break;
                }
                p->text.clear();
                for (std::size_t i = 0; i < p->count; ++i)
                    p->outcomes[i] = decide_line(rules_, p->lines[i], p->first_number + i, options_, w, p->text);
                p = done(std::move(p), me);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(output_mutex_);
            if (!failure_) failure_ = std::current_exception();
            room_.notify_all();
        }
    }

    /// What a thread that failed threw, if any, once every thread is done.
    void rethrow() const {
        if (failure_) std::rethrow_exception(failure_);
    }

    batch_summary summary;

  private:
    /// Waits until fewer than max_pending pieces are read and not written; false once the
    /// input is read or the batch failed.
    bool claim_room() {
        std::unique_lock<std::mutex> lock(output_mutex_);
        room_.wait(lock, [&] { return failure_ || input_done_ || pending_ < max_pending_; });
        if (failure_ || input_done_) return false;
        ++pending_;
        return true;
    }

    void release_room() {
        std::lock_guard<std::mutex> lock(output_mutex_);
        --pending_;
        room_.notify_all();
    }

    /// Reads the next piece's lines (up to piece_lines_, or 64 MB so that memory stays bounded
    /// even when lines are huge); false at the end of the input.
    bool read(piece& p) {
        std::lock_guard<std::mutex> lock(input_mutex_);
        if (p.lines.size() < piece_lines_) {
            p.lines.resize(piece_lines_);
            p.outcomes.resize(piece_lines_);
        }
        p.count = 0;
        std::size_t bytes = 0;
        if (!end_of_input_)
            while (p.count < piece_lines_ && bytes < (64U << 20) && std::getline(in_, p.lines[p.count]))
                bytes += p.lines[p.count++].size();
        if (p.count == 0) {
            end_of_input_ = true;
            std::lock_guard<std::mutex> output(output_mutex_);
            input_done_ = true;
            room_.notify_all();
            return false;
        }
        p.sequence = next_sequence_++;
        p.first_number = next_number_;
        next_number_ += p.count;
        return true;
    }

    /// Hands a decided piece over to be written in order; returns a piece of thread `me` to
    /// read the next lines into, if one is written already.
    std::unique_ptr<piece> done(std::unique_ptr<piece> p, std::size_t me) {
        std::lock_guard<std::mutex> lock(output_mutex_);
        finished_.push_back(std::move(p));
        for (bool wrote = true; wrote;) {
            wrote = false;
            for (auto& f : finished_) {
                if (!f || f->sequence != next_to_write_) continue;
                write(*f);
                // Back to the thread that read it: a thread reuses its own pieces' memory,
                // which its core has written last, rather than the other threads'.
                const std::size_t owner = f->owner;
                spare_[owner].push_back(std::move(f));
                ++next_to_write_;
                --pending_;
                wrote = true;
            }
        }
        finished_.erase(std::remove(finished_.begin(), finished_.end(), nullptr), finished_.end());
        room_.notify_all();
        auto& mine = spare_[me];
        if (mine.empty()) return nullptr; // (the caller makes one when it needs it)
        auto next = std::move(mine.back());
        mine.pop_back();
        return next;
    }

    std::unique_ptr<piece> spare(std::size_t me) {
        std::lock_guard<std::mutex> lock(output_mutex_);
        auto& mine = spare_[me];
        if (mine.empty()) {
            auto p = std::make_unique<piece>();
            p->owner = me;
            return p;
        }
        auto p = std::move(mine.back());
        mine.pop_back();
        return p;
    }

    /// Writes a piece and counts it (under output_mutex_).
    void write(piece& p) {
        out_.write(p.text.data(), static_cast<std::streamsize>(p.text.size()));
        // What huge lines made large is let go.
        release_if_huge(p.text, std::size_t{64} << 20);
        for (std::size_t i = 0; i < p.count; ++i) {
            if (p.outcomes[i]) ++summary.outcomes[p.outcomes[i]];
            else ++summary.errors;
            release_if_huge(p.lines[i], std::size_t{1} << 20);
        }
        summary.records += p.count;
        out_.flush();
        if (options_.progress) options_.progress(summary.records);
    }

    const rule_set& rules_;
    std::istream& in_;
    std::ostream& out_;
    const batch_options& options_;
    const std::size_t piece_lines_;
    const std::size_t max_pending_;
    // The input side (input_mutex_).
    std::mutex input_mutex_;
    bool end_of_input_ = false;
    std::size_t next_sequence_ = 0;
    std::size_t next_number_ = 1;
    // The output side (output_mutex_).
    std::mutex output_mutex_;
    std::condition_variable room_;
    bool input_done_ = false;
    std::size_t pending_ = 0; ///< pieces read and not yet written (or being read)
    std::size_t next_to_write_ = 0;
    std::vector<std::unique_ptr<piece>> finished_; ///< decided, waiting for an earlier piece
    std::vector<std::vector<std::unique_ptr<piece>>> spare_; ///< per thread: its pieces written, memory kept
    std::atomic<std::size_t> next_worker_{0};
    std::exception_ptr failure_;
};

} // namespace

batch_summary evaluate_lines(const rule_set& rules, std::istream& in, std::ostream& out, const batch_options& options) {
    const unsigned threads = options.threads ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    ordered_batch batch(rules, in, out, options, threads);
    if (threads > 1) {
        // The other threads run the same loop on a Boost.Asio pool; this thread is one of them.
        boost::asio::thread_pool pool(threads - 1);
        for (unsigned t = 1; t < threads; ++t) boost::asio::post(pool, [&batch] { batch.work(); });
        batch.work();
        pool.join();
    } else {
        batch.work();
    }
    batch.rethrow();
    return batch.summary;
}

} // namespace masterpro
