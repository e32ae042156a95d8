import Foundation

/// HTML rendering of the report model: one self-contained file (CSS and SVG figures inline, no script,
/// no network), readable when e-mailed or opened from a locked-down drive, and printable.
extension ReportText {
    /// The text as HTML: strong runs in `<strong>`, code in `<code>`, numbers formatted, all escaped.
    public var html: String {
        runs.map { run in
            switch run {
            case .text(let s): return HTML.escape(s)
            case .strong(let s): return "<strong>\(HTML.escape(s))</strong>"
            case .code(let s): return "<code>\(HTML.escape(s))</code>"
            case .number(let x, let strong):
                let n = HTML.escape(ReportFormat.number(x))
                return strong ? "<strong>\(n)</strong>" : n
            case .pValue(let p): return HTML.escape(ReportFormat.pValue(p))
            }
        }.joined()
    }
}

extension ReportTable {
    /// The table as an HTML `<table>` with its caption; numbers right-aligned.
    public var html: String {
        var h = "<div class=\"table\"><table>"
        if let caption { h += "<caption>\(caption.html)</caption>" }
        h += "<thead><tr>"
        for c in columns { h += "<th class=\"\(c.alignment == .right ? "num" : "txt")\">\(HTML.escape(c.header))</th>" }
        h += "</tr></thead><tbody>"
        for row in rows {
            h += "<tr>"
            for (cell, column) in zip(row, columns) {
                let text: String
                switch cell {
                case .code(let s): text = "<code>\(HTML.escape(s))</code>"
                default: text = HTML.escape(cell.plainText)
                }
                h += "<td class=\"\(column.alignment == .right ? "num" : "txt")\">\(text)</td>"
            }
            h += "</tr>"
        }
        return h + "</tbody></table></div>\n"
    }
}

extension ReportSection {
    /// The section as an HTML `<section>` with its heading; figures inline, CSV files named.
    public func html(id: String, folder: String) -> String {
        var h = "<section id=\"\(HTML.escape(id))\">\n<h2>\(HTML.inlineCode(title))</h2>\n"
        for block in blocks {
            switch block {
            case .paragraph(let t): h += "<p>\(t.html)</p>\n"
            case .bullets(let items): h += "<ul>" + items.map { "<li>\($0.html)</li>" }.joined() + "</ul>\n"
            case .table(let t): h += t.html
            case .figure(let f):
                h += "<figure>\(HTML.inlineSVG(f.svg))<figcaption>\(HTML.escape(f.caption))"
                h += " <span class=\"file\">(\(HTML.escape(folder))/\(HTML.escape(f.fileName)))</span></figcaption></figure>\n"
            case .note(let t): h += "<p class=\"note\"><em>Note.</em> \(t.html)</p>\n"
            case .warning(let t): h += "<p class=\"warning\"><strong>Warning.</strong> \(t.html)</p>\n"
            case .preformatted(let text): h += "<pre>\(HTML.escape(text))</pre>\n"
            }
        }
        let files = self.files.map(\.fileName)
        if !files.isEmpty {
            h +=
                "<p class=\"files\">Tables in the run folder: " + files.map { "<code>\(HTML.escape(folder))/\(HTML.escape($0))</code>" }.joined(separator: ", ")
                + "</p>\n"
        }
        return h + "</section>\n"
    }
}

extension ReportDocument {
    /// The whole report as one HTML page: title, contents, introduction and summary of key estimates,
    /// one section per analysis, then `appendix` sections (data and provenance).
    public func html(appendix: [ReportSection] = []) -> String {
        let ids = sections.map { "analysis-" + HTML.identifier($0.folder) }
        let appendixIDs = appendix.indices.map { "appendix-\($0 + 1)" }
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="ImpactEval">
            <title>\(HTML.escape(title))</title>
            <style>\(HTML.style)</style>
            </head>
            <body>
            <header><h1>\(HTML.escape(title))</h1></header>
            <nav><ol>
            """
        h += "<li><a href=\"#summary\">Summary</a></li>"
        for ((_, section), id) in zip(sections, ids) { h += "<li><a href=\"#\(id)\">\(HTML.inlineCode(section.title))</a></li>" }
        for (section, id) in zip(appendix, appendixIDs) { h += "<li><a href=\"#\(id)\">\(HTML.inlineCode(section.title))</a></li>" }
        h += "</ol></nav>\n<main>\n"
        var summarySection = ReportSection(title: "Summary", blocks: introduction)
        if let summary { summarySection.blocks.append(.table(summary)) }
        h += summarySection.html(id: "summary", folder: ".")
        for ((folder, section), id) in zip(sections, ids) { h += section.html(id: id, folder: folder) }
        for (section, id) in zip(appendix, appendixIDs) { h += section.html(id: id, folder: ".") }
        return h + "</main>\n</body>\n</html>\n"
    }
}

/// Escaping and page furniture for the HTML renderer.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Escaped text with `backticked` spans as `<code>` (section titles carry method and data names so).
    static func inlineCode(_ s: String) -> String {
        let parts = s.split(separator: "`", omittingEmptySubsequences: false)
        return parts.enumerated().map { k, part in k % 2 == 1 ? "<code>\(escape(String(part)))</code>" : escape(String(part)) }.joined()
    }

    /// An id made of letters, digits and hyphens.
    static func identifier(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// The SVG element itself (any XML declaration dropped), sized to the column's width.
    static func inlineSVG(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        return String(svg[start.lowerBound...]).replacingOccurrences(of: "<svg ", with: "<svg role=\"img\" class=\"figure\" ", options: [], range: nil)
    }

    static let style = """
        body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:0;line-height:1.5;background:#fff}
        header{background:#0b3d5c;color:#fff;padding:1.2rem 2rem}h1{margin:0;font-size:1.6rem}
        nav{padding:.6rem 2rem;border-bottom:1px solid #d0d7de;font-size:.9rem}nav ol{margin:0;padding-left:1.2rem;columns:2}
        main{max-width:60rem;padding:0 2rem 3rem}section{border-bottom:1px solid #d0d7de;padding-bottom:1rem}
        h2{font-size:1.25rem;margin-top:2rem}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f3f4f6;padding:0 .2em;border-radius:3px}
        .table{overflow-x:auto;margin:.8rem 0}table{border-collapse:collapse;font-size:.9rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
        th,td{border-bottom:1px solid #d0d7de;padding:.25rem .6rem;vertical-align:top}th{background:#f6f8fa}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.txt,th.txt{text-align:left}
        figure{margin:1rem 0}svg.figure{max-width:100%;height:auto;display:block}figcaption{font-size:.9rem;color:#57606a}
        .file{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem}
        .note{color:#444;font-size:.92rem}.warning{background:#fff8c5;border-left:4px solid #d4a72c;padding:.5rem .8rem}
        .files{font-size:.85rem;color:#57606a}pre{white-space:pre-wrap;background:#f6f8fa;padding:.6rem;font-size:.8rem}
        @media print{nav{display:none}header{background:none;color:#000}section{break-inside:avoid-page}}
        """
}
