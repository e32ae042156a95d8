import Foundation

/// Markdown rendering of the report model (GitHub-flavoured tables).
extension ReportText {
    /// The text as Markdown: strong runs in `**`, code in backticks, numbers formatted.
    public var markdown: String {
        runs.map { run in
            switch run {
            case .text(let s): return s
            case .strong(let s): return "**\(s)**"
            case .code(let s): return "`\(s)`"
            case .number(let x, let strong): return strong ? "**\(ReportFormat.number(x))**" : ReportFormat.number(x)
            case .pValue(let p): return ReportFormat.pValue(p)
            }
        }.joined()
    }
}

extension ReportTable.Cell {
    /// The cell as Markdown.
    public var markdown: String {
        switch self {
        case .text(let s): return s.replacingOccurrences(of: "|", with: "\\|")
        case .code(let s): return "`\(s)`"
        default: return plainText
        }
    }

    /// The cell as plain text: numbers formatted, "—" for a missing value, text and code as written.
    public var plainText: String {
        switch self {
        case .text(let s), .code(let s): return s
        case .number(let x): return x.map(ReportFormat.number) ?? "—"
        case .integer(let i): return i.map(String.init) ?? "—"
        case .pValue(let p): return p.map(ReportFormat.pValue) ?? "—"
        case .interval(let l, let u):
            guard let l, let u else { return "—" }
            return "\(ReportFormat.number(l)) to \(ReportFormat.number(u))"
        case .period(let x): return ReportFormat.period(x)
        case .empty: return ""
        }
    }
}

extension ReportTable {
    /// The table as a Markdown table, with its caption above.
    public var markdown: String {
        var md = caption.map { $0.markdown + "\n\n" } ?? ""
        md += "| " + columns.map(\.header).joined(separator: " | ") + " |\n"
        md += "|" + columns.map { $0.alignment == .right ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for row in rows { md += "| " + row.map(\.markdown).joined(separator: " | ") + " |\n" }
        return md
    }
}

extension ReportSection {
    /// The section body as Markdown (without its heading); figures and files are linked under `folder`.
    public func markdown(folder: String) -> String {
        var md = ""
        for block in blocks {
            switch block {
            case .paragraph(let t): md += t.markdown + "\n\n"
            case .bullets(let items): md += items.map { "- " + $0.markdown + "\n" }.joined() + "\n"
            case .table(let t): md += t.markdown + "\n"
            case .figure(let f): md += "![\(f.caption)](\(folder)/\(f.fileName))\n\n"
            case .note(let t): md += "*Note.* " + t.markdown + "\n\n"
            case .warning(let t): md += "> **Warning.** " + t.markdown + "\n\n"
            case .preformatted(let text): md += "```\n" + text + (text.hasSuffix("\n") ? "" : "\n") + "```\n\n"
            }
        }
        let files = self.files.map(\.fileName)
        if !files.isEmpty {
            md += "Tables: " + files.map { "[`\(folder)/\($0)`](\(folder)/\($0))" }.joined(separator: ", ") + "\n\n"
        }
        return md
    }
}

extension ReportDocument {
    /// The whole report as Markdown.
    public var markdown: String {
        var md = "# \(title)\n\n"
        md += ReportSection(title: "", blocks: introduction).markdown(folder: ".")
        if let summary { md += summary.markdown + "\n" }
        for (folder, section) in sections {
            md += "## \(section.title)\n\n" + section.markdown(folder: folder)
        }
        return md
    }
}
