#if canImport(Glibc)
import Glibc
#endif

/// `--progress`: bytes done, rate and (with a known total) percentage and ETA on stderr, never on an output stream.
///
/// On a terminal the line is redrawn in place (`\r`, at most twice a second), as `dd status=progress` and `pv` do;
/// when stderr is a file or pipe a full line is written at most every 10 seconds, so a log stays short. `finish()`
/// always writes the final line (total bytes, time, average rate). Failures to write stderr are ignored.
final class Progress {
    /// What the line starts with (`enc`, `rng`, a file name …).
    private let label: String
    /// Bytes expected, when known (a regular input file's size, `rng -n`).
    private let total: Int?
    private let terminal: Bool
    private let start: Double
    private var done = 0
    private var lastShown: Double
    private var finished = false

    /// Starts timing now; `total`: bytes expected, nil when unknown (a pipe). `label`: shown first on every line,
    /// control characters escaped.
    init(total: Int?, label: String) {
        self.total = total
        self.label = Text.escaped(label)
        terminal = isatty(2) == 1
        start = Progress.now()
        lastShown = start
    }

    /// Records `count` more bytes done; redraws when the interval has passed.
    func advance(by count: Int) {
        done += count
        let now = Progress.now()
        guard now - lastShown >= (terminal ? 0.5 : 10) else { return }
        lastShown = now
        show(line(elapsed: now - start, final: false))
    }

    /// Writes the final line (once): bytes, elapsed time, average rate.
    func finish() {
        guard !finished else { return }
        finished = true
        show(line(elapsed: Progress.now() - start, final: true))
        if terminal { StandardStreams.write(2, "\n") }
    }

    /// Whether `finish()` has run.
    var isFinished: Bool { finished }

    private func show(_ text: String) {
        if terminal {
            // Clear to the end of the line: the new text may be shorter than the last.
            StandardStreams.write(2, "\r" + text + "\u{1B}[K")
        } else {
            StandardStreams.write(2, text + "\n")
        }
    }

    /// `enc: 104857600 bytes (100 MiB) of 1073741824 (9%), 52.1 MiB/s, ETA 0:17` (or `… in 2.0 s, 50.0 MiB/s`).
    func line(elapsed: Double, final: Bool) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label): \(done) bytes (\(Progress.size(Double(done))))"
        if let total, !final {
            text += " of \(total)"
            if total > 0 { text += " (\(min(100, done * 100 / total))%)" }
        }
        if final {
            text += " in \(Progress.seconds(elapsed)), \(Progress.size(rate))/s"
        } else {
            text += ", \(Progress.size(rate))/s"
            if let total, rate > 0, total >= done {
                text += ", ETA \(Progress.clock(Double(total - done) / rate))"
            }
        }
        return text
    }

    /// `512 B`, `1.5 KiB`, `100 MiB`, `2.3 GiB` (binary units, 3 significant digits).
    static func size(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = bytes, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(Int(value)) B" }
        let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
        return fixed(value, digits) + " " + units[unit]
    }

    /// `0.53 s`, `12.3 s`, `125 s`.
    static func seconds(_ t: Double) -> String { fixed(t, t >= 100 ? 0 : t >= 10 ? 1 : 2) + " s" }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ t: Double) -> String {
        let s = Int(t.rounded(.up).clamped(max: 359_999_999))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }

    /// `value` with `digits` decimals (no Foundation).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard digits > 0 else { return "\(scaled)" }
        let whole = scaled / Int(scale), fraction = String(scaled % Int(scale))
        return "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension Double {
    fileprivate func clamped(max: Double) -> Double { Swift.min(Swift.max(self, 0), max) }
}
