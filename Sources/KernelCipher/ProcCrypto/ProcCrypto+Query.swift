/// All drivers registered under one algorithm name, highest priority first.
public struct CryptoAlgorithmGroup: Sendable, Hashable {
    /// The shared `name`, e.g. `stdrng`.
    public var name: String
    /// The drivers, sorted by priority (descending, missing priority last); ties keep file order,
    /// which is the kernel's lookup order.
    public var drivers: [CryptoAlgorithmEntry]

    /// The entries the kernel would pick for this name, one per selection class (see
    /// `CryptoAlgorithmEntry.selectionClass`), in `drivers` order.
    public var selected: [CryptoAlgorithmEntry] {
        var seen: Set<String> = []
        return drivers.filter { $0.isSelectable && seen.insert($0.selectionClass).inserted }
    }

    /// The entry the kernel picks for this name when bound as `type`, or nil.
    public func selected(for type: AFALGSocketType) -> CryptoAlgorithmEntry? {
        drivers.first { $0.isSelectable && $0.socketType == type }
    }

    /// Whether `entry` is the kernel's pick for this name within its selection class.
    public func isSelected(_ entry: CryptoAlgorithmEntry) -> Bool {
        drivers.first { $0.isSelectable && $0.selectionClass == entry.selectionClass } == entry
    }
}

extension ProcCrypto {
    /// Sorts by `priority` descending (missing priority last), keeping file order among equals.
    public static func sortedByPriority(_ entries: [CryptoAlgorithmEntry]) -> [CryptoAlgorithmEntry] {
        entries.enumerated().sorted { a, b in
            let pa = a.element.priority ?? Int.min
            let pb = b.element.priority ?? Int.min
            return pa != pb ? pa > pb : a.offset < b.offset
        }.map(\.element)
    }

    /// The distinct algorithm names, sorted.
    public var names: [String] { Set(entries.compactMap(\.name)).sorted() }

    /// Entries grouped by `name`, groups sorted by name, drivers by priority; entries without a name are left out.
    public var groups: [CryptoAlgorithmGroup] {
        var byName: [String: [CryptoAlgorithmEntry]] = [:]
        for entry in entries {
            guard let name = entry.name else { continue }
            byName[name, default: []].append(entry)
        }
        return byName.keys.sorted().map { CryptoAlgorithmGroup(name: $0, drivers: Self.sortedByPriority(byName[$0]!)) }
    }

    /// The group for `name` (matched against `name`, or failing that against `driver`), or nil.
    public func group(named name: String) -> CryptoAlgorithmGroup? {
        var matches = entries.filter { $0.name == name }
        if matches.isEmpty { matches = entries.filter { $0.driver == name } }
        guard let first = matches.first else { return nil }
        return CryptoAlgorithmGroup(name: first.name ?? name, drivers: Self.sortedByPriority(matches))
    }

    /// Entries whose `name` (or, if none, whose `driver`) is `name`, optionally only those bindable as `type`,
    /// sorted by priority.
    public func entries(named name: String, type: AFALGSocketType? = nil) -> [CryptoAlgorithmEntry] {
        guard let group = group(named: name) else { return [] }
        guard let type else { return group.drivers }
        return group.drivers.filter { $0.socketType == type }
    }

    /// Entries whose `name` (or `driver`) is `name` and whose raw `/proc/crypto` `type` is `procType`.
    public func entries(named name: String, procType: String) -> [CryptoAlgorithmEntry] {
        (group(named: name)?.drivers ?? []).filter { $0.type == procType }
    }

    /// The driver the kernel picks when `name` is bound as `type`: highest priority among selectable entries.
    public func selected(named name: String, type: AFALGSocketType) -> CryptoAlgorithmEntry? {
        group(named: name)?.selected(for: type)
    }
}
