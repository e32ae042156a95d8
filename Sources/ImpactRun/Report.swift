import Foundation
import Reporting

/// The report model of a whole run: title, provenance, inputs, then one section per analysis.
public enum RunReport {
    /// The report document for `output`; `folders` gives each analysis's output folder name.
    public static func document(_ output: RunOutput, folders: [String]) -> ReportDocument {
        let intro: [ReportBlock] = [
            .paragraph(
                "Config \(code: (output.config.path as NSString).lastPathComponent), seed \(String(output.config.seed)), ImpactEval \(ImpactEvalVersion.string). "
                    + "Inputs and their SHA-256 are listed in \(code: "manifest.json"); every number below is in \(code: "results.json")."),
            .table(
                ReportTable(
                    columns: [.init("data set", .left), .init("file", .left), .init("rows read"), .init("rows analysed"), .init("columns")],
                    rows: output.inputs.map {
                        [
                            .text($0.name), .code($0.url.lastPathComponent), .integer($0.rowsRead),
                            .integer($0.table.rowCount), .integer($0.table.columnNames.count)
                        ]
                    }))
        ]
        var introduction = intro
        let prepared = output.inputs.filter { !$0.preparation.isEmpty }
        if !prepared.isEmpty {
            introduction.append(
                .paragraph(
                    "Data sets \(prepared.map { "‘\($0.name)’" }.joined(separator: ", ")) were prepared in the config (joins, filters, derived columns): "
                        + "each step and the rows it kept are listed under \(strong: "Data preparation"), after the analyses."))
        }
        for input in output.inputs {
            if let encoding = input.table.sourceEncoding {
                introduction.append(
                    .note(
                        "\(code: input.url.lastPathComponent) is not UTF-8; it was read as \(encoding) (Latin-1 with Windows' characters 0x80–0x9F). Check that accented names read correctly."
                    ))
            }
        }
        for failure in output.failures {
            introduction.append(.warning("Analysis \(code: failure.analysis) (\(code: failure.method)) failed and has no results: \(failure.message)"))
        }
        var sections = zip(folders, output.analyses).map { ($0, $1.section) }
        if !prepared.isEmpty {
            sections.append(("data-preparation", ReportSection(title: "Data preparation", blocks: prepared.map(preparationTable))))
        }
        return ReportDocument(title: output.config.title ?? "ImpactEval report", introduction: introduction, sections: sections)
    }

    /// The `prepare` steps of one data set: each step as written, the rows before and after, the
    /// columns it added and what it noticed (rows dropped, missing values made, unmatched keys).
    static func preparationTable(_ input: LoadedData) -> ReportBlock {
        .table(
            ReportTable(
                caption: "Preparation of data set '\(input.name)', in order",
                columns: [.init("step", .left), .init("rows before"), .init("rows after"), .init("notes", .left)],
                rows: input.preparation.map { record in
                    [
                        .code(record.step), .integer(record.rowsBefore), .integer(record.rowsAfter),
                        .text(record.notes.isEmpty ? "" : record.notes.joined(separator: "; "))
                    ]
                }))
    }

    /// The HTML report's appendix: the inputs with their SHA-256, the config (its text as run), the
    /// seed, the version and the platform, so that the one file says what produced it.
    public static func provenance(_ output: RunOutput, command: [String], threads: Int) -> ReportSection {
        var blocks: [ReportBlock] = [
            .paragraph(
                "ImpactEval \(ImpactEvalVersion.string), command \(code: command.joined(separator: " ")), seed \(String(output.config.seed)), \(threads) thread(s). "
                    + "The same run folder holds \(code: "manifest.json") (every output's SHA-256) and \(code: "results.json") (every number)."),
            .table(
                ReportTable(
                    caption: "Inputs",
                    columns: [.init("data set", .left), .init("file", .left), .init("rows"), .init("columns"), .init("bytes"), .init("SHA-256", .left)],
                    rows: output.inputs.map {
                        [
                            .text($0.name), .code($0.url.lastPathComponent), .integer($0.table.rowCount), .integer($0.table.columnNames.count),
                            .integer($0.bytes), .code($0.sha256)
                        ]
                    })),
            .table(
                ReportTable(
                    caption: "Config",
                    columns: [.init("file", .left), .init("SHA-256", .left)],
                    rows: [[.code((output.config.path as NSString).lastPathComponent), .code(Fingerprint.sha256(output.config.text))]]))
        ]
        blocks += [.paragraph("The config as run:"), .preformatted(output.config.text)]
        return ReportSection(title: "Data and provenance", blocks: blocks)
    }
}
