// Batch evaluation: chunks of lines decided on a Boost.Asio thread pool, written in order.
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
#include <future>
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

/// The output of one piece, on a cache line of its own: threads appending to the texts of
/// neighbouring pieces would otherwise write the same line at every append.
struct alignas(64) piece_text {
    std::string text;
};

/// One chunk of input lines and what was decided for them. Two alternate, so that the main
/// thread reads the next chunk and writes the previous one while the workers decide this one.
struct chunk_state {
    std::vector<std::string> lines;
    std::size_t count = 0;
    std::size_t first_number = 1;
    std::vector<const char*> outcomes;
    /// Output per piece of consecutive lines, written in piece order: the same bytes whatever
    /// thread decided which piece. Memory is reused from chunk to chunk.
    std::vector<piece_text> pieces;
    std::size_t piece_lines = 1;
    std::size_t piece_count = 0;
    std::atomic<std::size_t> next_piece{0};
    std::vector<std::future<void>> done;
};

/// The workers' reusable states, kept from chunk to chunk (a task takes one while it runs), so
/// that the lists a state grew on the first records are not grown again for every chunk.
class worker_states {
public:
    std::unique_ptr<worker_state> take() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (spare_.empty()) return std::make_unique<worker_state>();
        auto w = std::move(spare_.back());
        spare_.pop_back();
        return w;
    }
    void give_back(std::unique_ptr<worker_state> w) {
        std::lock_guard<std::mutex> lock(mutex_);
        spare_.push_back(std::move(w));
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<worker_state>> spare_;
};

/// Reads up to `chunk` lines (or 64 MB, so that memory stays bounded even when lines are huge).
void read_chunk(std::istream& in, chunk_state& c, std::size_t chunk, std::size_t first_number) {
    c.count = 0;
    c.first_number = first_number;
    std::size_t bytes = 0;
    while (c.count < chunk && bytes < (64U << 20) && std::getline(in, c.lines[c.count])) bytes += c.lines[c.count++].size();
}

void decide_piece(const rule_set& rules, chunk_state& c, std::size_t piece, const batch_options& options, worker_state& w) {
    std::string& text = c.pieces[piece].text;
    text.clear();
    const std::size_t from = piece * c.piece_lines, to = std::min(c.count, from + c.piece_lines);
    for (std::size_t i = from; i < to; ++i) c.outcomes[i] = decide_line(rules, c.lines[i], c.first_number + i, options, w, text);
}

/// Hands the chunk's pieces to the workers, each taking the next undecided piece, so that a
/// slow stretch of records does not leave the other threads idle. `threads` counts the calling
/// thread, which helps with help_chunk() between its reads and writes.
void start_chunk(boost::asio::thread_pool& pool, unsigned threads, const rule_set& rules, chunk_state& c,
                 const batch_options& options, worker_states& states) {
    // Small pieces, so that the calling thread seldom waits long for the last one of a chunk.
    c.piece_lines = std::max<std::size_t>(1, c.count / (std::size_t{threads} * 32));
    c.piece_count = (c.count + c.piece_lines - 1) / c.piece_lines;
    if (c.pieces.size() < c.piece_count) c.pieces.resize(c.piece_count);
    c.next_piece = 0;
    c.done.clear();
    for (unsigned t = 1; t < threads; ++t) {
        auto task = std::make_shared<std::packaged_task<void()>>([&rules, &c, &options, &states] {
            auto w = states.take();
            for (std::size_t p; (p = c.next_piece.fetch_add(1)) < c.piece_count;) decide_piece(rules, c, p, options, *w);
            states.give_back(std::move(w)); // not on a throw: that ends the batch
        });
        c.done.push_back(task->get_future());
        boost::asio::post(pool, [task] { (*task)(); });
    }
}

/// The calling thread decides pieces too, until none is left.
void help_chunk(const rule_set& rules, chunk_state& c, const batch_options& options, worker_state& w) {
    for (std::size_t p; (p = c.next_piece.fetch_add(1)) < c.piece_count;) decide_piece(rules, c, p, options, w);
}

void finish_chunk(chunk_state& c) {
    for (auto& d : c.done) d.get(); // rethrows what a worker threw
    c.done.clear();
}

void write_chunk(std::ostream& out, chunk_state& c, batch_summary& summary, const batch_options& options) {
    for (std::size_t k = 0; k < c.piece_count; ++k) {
        out.write(c.pieces[k].text.data(), static_cast<std::streamsize>(c.pieces[k].text.size()));
        // A piece that huge lines made much larger is let go.
        release_if_huge(c.pieces[k].text, std::size_t{64} << 20);
    }
    for (std::size_t i = 0; i < c.count; ++i) {
        if (c.outcomes[i]) ++summary.outcomes[c.outcomes[i]];
        else ++summary.errors;
        release_if_huge(c.lines[i], std::size_t{1} << 20);
    }
    summary.records += c.count;
    out.flush();
    if (options.progress) options.progress(summary.records);
}

} // namespace

batch_summary evaluate_lines(const rule_set& rules, std::istream& in, std::ostream& out, const batch_options& options) {
    const unsigned threads = options.threads ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    const std::size_t chunk = std::max<std::size_t>(1, options.chunk_lines);
    batch_summary summary;
    chunk_state chunks[2];
    worker_state mine; // this thread's
    for (auto& c : chunks) {
        c.lines.resize(chunk);
        c.outcomes.resize(chunk);
    }
    if (threads == 1) {
        chunk_state& c = chunks[0];
        for (read_chunk(in, c, chunk, 1); c.count > 0; read_chunk(in, c, chunk, summary.records + 1)) {
            c.piece_lines = c.count;
            c.piece_count = 1;
            if (c.pieces.empty()) c.pieces.resize(1);
            decide_piece(rules, c, 0, options, mine);
            write_chunk(out, c, summary, options);
        }
        return summary;
    }
    // Pipelined: two chunks are started at any time, so that a worker done with the pieces of
    // one goes on with the next instead of waiting. This thread decides pieces of the first,
    // waits for it, writes it and reads the chunk after the second into its place; `threads`
    // threads in all.
    worker_states states; // outlives the pool
    boost::asio::thread_pool pool(threads - 1);
    std::size_t current = 0;
    read_chunk(in, chunks[0], chunk, 1);
    if (chunks[0].count > 0) start_chunk(pool, threads, rules, chunks[0], options, states);
    read_chunk(in, chunks[1], chunk, 1 + chunks[0].count);
    if (chunks[1].count > 0) start_chunk(pool, threads, rules, chunks[1], options, states);
    while (chunks[current].count > 0) {
        chunk_state& now = chunks[current];
        const chunk_state& next = chunks[1 - current];
        help_chunk(rules, now, options, mine);
        finish_chunk(now);
        write_chunk(out, now, summary, options);
        const std::size_t after = now.first_number + now.count + next.count;
        if (next.count > 0) {
            read_chunk(in, now, chunk, after);
            if (now.count > 0) start_chunk(pool, threads, rules, now, options, states);
        } else {
            now.count = 0;
        }
        current = 1 - current;
    }
    pool.join();
    return summary;
}

} // namespace masterpro
