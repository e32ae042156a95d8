import Foundation

/// The human-readable `report.md` of a run.
public enum Report {
    /// The report for `output`; `files` maps each analysis to its output folder name.
    public static func markdown(_ output: RunOutput, folders: [String]) -> String {
        var md = "# \(output.config.title ?? "ImpactEval report")\n\n"
        md += "Config `\((output.config.path as NSString).lastPathComponent)`, seed \(output.config.seed), ImpactEval \(ImpactEvalVersion.string). "
        md += "Inputs and their SHA-256 are listed in `manifest.json`; every number below is in `results.json`.\n\n"
        md += "| data set | file | rows | columns |\n|---|---|---:|---:|\n"
        for input in output.inputs {
            md += "| \(input.name) | `\(input.url.lastPathComponent)` | \(input.table.rowCount) | \(input.table.columnNames.count) |\n"
        }
        md += "\n"
        for (analysis, folder) in zip(output.analyses, folders) {
            md += "## \(analysis.name) (`\(analysis.method)` on `\(analysis.data)`)\n\n"
            if let d = output.config.analyses.first(where: { $0.name == analysis.name })?.description {
                md += "\(d)\n\n"
            }
            md += analysis.report
            for plot in analysis.plots { md += "![\(plot.caption)](\(folder)/\(plot.fileName))\n\n" }
            if !analysis.tables.isEmpty {
                md += "Tables: " + analysis.tables.map { "[`\(folder)/\($0.fileName)`](\(folder)/\($0.fileName))" }.joined(separator: ", ") + "\n\n"
            }
        }
        return md
    }

    /// A number for prose and tables: 4 significant digits, plain notation when reasonable.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e7 {
            let decimals = max(0, 3 - Int(floor(log10(a))))
            return String(format: "%.\(decimals)f", x)
        }
        return String(format: "%.3e", x)
    }

    /// A p-value: "< 0.001" below that, 3 decimals otherwise.
    public static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "NA" }
        return p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }
}
