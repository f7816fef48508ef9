import Glibc
import Synchronization

/// syslog(3) priorities, as journald's PRIORITY field takes them.
public enum LogPriority: Int, Sendable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    public static func < (a: LogPriority, b: LogPriority) -> Bool { a.rawValue < b.rawValue }
}

/// One event or action: a line a person reads, and the same facts as
/// fields for machines (journal fields named XVM_*, see the man page).
public struct LogEntry: Sendable, Equatable {
    public var message: String
    public var priority: LogPriority
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ message: String, priority: LogPriority = .info, fields: [Field] = []) {
        self.message = message
        self.priority = priority
        self.fields = fields
    }

    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
}

/// Where watch mode writes: one line per entry on stderr, or, when stderr
/// is the journal, the entry with its fields through journald's native
/// protocol (the line is its MESSAGE). Entries from several threads never
/// interleave.
public final class MachineLog: Sendable {
    private let identifier: String
    private let journal: Mutex<JournalWriter?>
    private let output: Int32

    /// `journal`: nil to decide from JOURNAL_STREAM; a writer to always use
    /// it (tests), with plain lines only as fallback.
    public init(identifier: String = "xfs_verify_media", output: Int32 = 2, journal: JournalWriter?? = nil) {
        self.identifier = identifier
        self.output = output
        switch journal {
        case .some(let writer): self.journal = Mutex(writer)
        case .none: self.journal = Mutex(JournalWriter.isJournal(output) ? try? JournalWriter() : nil)
        }
    }

    public func log(_ entry: LogEntry) {
        let sent = journal.withLock { writer -> Bool in
            guard let writer else { return false }
            let fields = [("MESSAGE", entry.message), ("PRIORITY", String(entry.priority.rawValue)),
                          ("SYSLOG_IDENTIFIER", identifier)] + entry.fields.map { ($0.name, $0.value) }
            return (try? writer.send(fields.map { (name: $0.0, value: $0.1) })) != nil
        }
        if !sent { try? FileDescriptor(rawValue: output).write(entry.message + "\n") }
    }

    public func log(_ message: String, priority: LogPriority = .info, _ fields: [LogEntry.Field] = []) {
        log(LogEntry(message, priority: priority, fields: fields))
    }
}
