import Foundation
import Tabular

/// Data-level preconditions that need no fitting, shared by the methods' `check(_:)`, so that
/// `impact validate` and the start of `impact run` report them with the key, row and value.
enum DataChecks {
    /// A 0/1 treatment column: the first other value with its row, and both groups present.
    static func binaryTreatment(_ data: LoadedData, column: String, key: String) -> [SettingIssue] {
        guard let values = try? data.table.numeric(column) else { return [] }
        if let r = values.indices.first(where: { !values[$0].isNaN && values[$0] != 0 && values[$0] != 1 }) {
            return [SettingIssue(key: key, message: "'\(column)' must be 0 or 1; row \(r + 1) has \(formatNumber(values[r]))")]
        }
        let ones = values.filter { $0 == 1 }.count, zeros = values.filter { $0 == 0 }.count
        if ones == 0 || zeros == 0 {
            return [SettingIssue(key: key, message: "'\(column)' has no \(ones == 0 ? "treated (1)" : "control (0)") rows")]
        }
        return []
    }

    /// Weights: finite and non-negative, with the first bad one named.
    static func weights(_ data: LoadedData, column: String, key: String) -> [SettingIssue] {
        guard let values = try? data.table.numeric(column) else { return [] }
        if let r = values.indices.first(where: { !values[$0].isNaN && !(values[$0].isFinite && values[$0] >= 0) }) {
            return [SettingIssue(key: key, message: "weights '\(column)' must be finite and non-negative; row \(r + 1) has \(formatNumber(values[r]))")]
        }
        return []
    }

    /// The memory an analysis may plan to hold: half of this machine's physical memory.
    static var memoryBudget: Double { Double(ProcessInfo.processInfo.physicalMemory) / 2 }

    /// Draws that are kept (bootstrap replicates, simulated bounds) must fit in memory: `count` draws of
    /// `bytesPerDraw` each against `memoryBudget`. The issue names the key, the memory the value would
    /// need, the machine's, and the largest count that fits (so `replications: 1e9` is refused by
    /// `impact validate` instead of growing until the machine swaps).
    static func drawMemory(key: String, count: Int, bytesPerDraw: Double, what: String) -> [SettingIssue] {
        let needed = Double(count) * bytesPerDraw
        guard needed > memoryBudget else { return [] }
        let fits = Int(memoryBudget / bytesPerDraw)
        let machine = Double(ProcessInfo.processInfo.physicalMemory)
        return [
            SettingIssue(
                key: key,
                message:
                    "\(count) \(what) would need about \(bytes(needed)) of memory, more than half of this machine's \(bytes(machine)); use at most \(fits)"
            )
        ]
    }

    /// A byte count for messages: "12.8 GB", "512 MB".
    static func bytes(_ x: Double) -> String {
        for (unit, size) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6)] where x >= size { return String(format: "%.1f %@", x / size, unit) }
        return String(format: "%.0f kB", x / 1e3)
    }

    /// A cluster column needs at least two clusters.
    static func clusters(_ data: LoadedData, columns: [String], key: String) -> [SettingIssue] {
        columns.compactMap { name in
            guard let column = data.table[name] else { return nil }
            let present = (0..<data.table.rowCount).filter { !column.isMissing($0) }
            let count = column.groups(rows: present).labels.count
            return count < 2
                ? SettingIssue(
                    key: key,
                    message:
                        "cluster column '\(name)' has \(count) cluster\(count == 1 ? "" : "s"); cluster-robust standard errors need at least 2 (and are unreliable below about 42)"
                )
                : nil
        }
    }

    /// A panel with one row per unit and period, and a valid adoption column (first treated period,
    /// constant within unit, after the first period and not after the last).
    static func staggeredPanel(_ data: LoadedData, unit: String, time: String, adoption: String) -> [SettingIssue] {
        let panel: Panel
        do { panel = try Panel(data.table, unit: unit, time: time) } catch {
            return [SettingIssue(key: "unit", message: "\(error)")]
        }
        do { _ = try panel.adoptionTimes(adoption) } catch { return [SettingIssue(key: "adoption", message: "\(error)")] }
        return []
    }

    /// Each factor needs two levels among the rows the model uses (complete on `usedColumns`).
    static func factorLevels(_ data: LoadedData, factors: [String], usedColumns: [String], key: String) -> [SettingIssue] {
        guard !factors.isEmpty, let rows = try? data.table.completeRows(for: usedColumns.filter { data.table.hasColumn($0) }) else { return [] }
        return factors.enumerated().compactMap { index, factor in
            guard let column = data.table[factor] else { return nil }
            let levels = column.groups(rows: rows).labels
            guard levels.count == 1 else { return nil }
            return SettingIssue(
                key: "\(key)[\(index)]",
                message: "factor '\(factor)' has one level ('\(levels[0])') in the \(rows.count) rows used, so it explains nothing; remove it")
        }
    }

    /// Each chosen reference level must occur in its factor.
    static func referenceLevels(_ data: LoadedData, _ reference: [String: String], key: String) -> [SettingIssue] {
        reference.keys.sorted().compactMap { factor in
            guard let column = data.table[factor], let chosen = reference[factor] else { return nil }
            let present = (0..<data.table.rowCount).filter { !column.isMissing($0) }
            let levels = column.groups(rows: present).labels
            guard !levels.contains(chosen) else { return nil }
            let shown = levels.sorted().prefix(10).map { "'\($0)'" }.joined(separator: ", ")
            var message = "reference level '\(chosen)' of factor '\(factor)' does not occur; levels are \(shown)"
            if let s = closestMatch(to: chosen, in: levels) { message += " (did you mean '\(s)'?)" }
            return SettingIssue(key: key, message: message)
        }
    }
}

/// A method whose `treatment` column must be 0/1: `impact validate` checks it before running.
protocol BinaryTreatmentAnalysis: AnalysisMethod {
    var treatment: String { get }
}

extension BinaryTreatmentAnalysis {
    public func check(_ data: LoadedData) -> [SettingIssue] {
        DataChecks.binaryTreatment(data, column: treatment, key: "treatment")
    }
}
