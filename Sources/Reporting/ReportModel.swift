import EstimationCore

/// A report: what an analysis (or a whole run) shows a reader, apart from how it is rendered.
///
/// Methods build sections of typed blocks (prose, tables, figures, notes and warnings);
/// renderers turn them into Markdown and CSV (`ReportSection+Markdown.swift`,
/// `ReportTable+CSV.swift`) and, later, HTML. No method writes Markdown itself.
public struct ReportSection: Sendable {
    public var title: String
    public var blocks: [ReportBlock]
    /// Tables written as CSV files and linked from the section, but not shown in it.
    public var attachments: [ReportTable]
    /// The section's headline estimates, gathered into the report's summary table.
    public var keyEstimates: [KeyEstimate]

    public init(title: String, blocks: [ReportBlock] = [], attachments: [ReportTable] = [], keyEstimates: [KeyEstimate] = []) {
        self.title = title
        self.blocks = blocks
        self.attachments = attachments
        self.keyEstimates = keyEstimates
    }

    /// Every table written to a file, shown or attached, in order, with its file name.
    public var files: [(fileName: String, table: ReportTable)] {
        let shown = blocks.compactMap { block -> ReportTable? in if case .table(let t) = block { return t } else { return nil } }
        return (shown + attachments).compactMap { t in t.fileName.map { ($0, t) } }
    }

    /// Every figure, in order.
    public var figures: [ReportFigure] {
        blocks.compactMap { if case .figure(let f) = $0 { return f } else { return nil } }
    }
}

/// A headline estimate of an analysis (its average effect, say), shown in the report's summary table.
public struct KeyEstimate: Sendable {
    /// What is estimated, in a few words ("average effect on the treated").
    public var label: String
    public var estimate: Estimate

    public init(_ label: String, _ estimate: Estimate) {
        self.label = label
        self.estimate = estimate
    }
}

/// One block of a report section.
public enum ReportBlock: Sendable {
    case paragraph(ReportText)
    case bullets([ReportText])
    case table(ReportTable)
    case figure(ReportFigure)
    /// A remark on conventions or definitions.
    case note(ReportText)
    /// Something that could mislead a reader (few clusters, poor fit, failed convergence).
    case warning(ReportText)
    /// Text shown as written, in a fixed-width font (a config file).
    case preformatted(String)
}

/// A table: typed columns and cells, rendered as a Markdown table and/or a CSV file.
public struct ReportTable: Sendable {
    public struct Column: Sendable {
        public enum Alignment: Sendable { case left, right }
        public var header: String
        public var alignment: Alignment
        public init(_ header: String, _ alignment: Alignment = .right) {
            self.header = header
            self.alignment = alignment
        }
    }

    /// One cell. Renderers format numbers: 4 significant digits for readers, shortest
    /// round-trip text in CSV.
    public enum Cell: Sendable {
        case text(String)
        /// A name shown as code (a column or term).
        case code(String)
        case number(Double?)
        case integer(Int?)
        case pValue(Double?)
        /// A confidence interval "lower to upper".
        case interval(Double?, Double?)
        /// A period label (`ReportFormat.period`).
        case period(Double)
        /// Empty.
        case empty
    }

    /// The CSV file this table is written to, if any.
    public var fileName: String?
    public var caption: ReportText?
    public var columns: [Column]
    public var rows: [[Cell]]

    public init(fileName: String? = nil, caption: ReportText? = nil, columns: [Column], rows: [[Cell]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row has one cell per column")
        self.fileName = fileName
        self.caption = caption
        self.columns = columns
        self.rows = rows
    }

    /// A table whose first column is text and the rest numbers, with headers as given.
    public init(fileName: String? = nil, caption: ReportText? = nil, headers: [String], rows: [[Cell]]) {
        self.init(
            fileName: fileName, caption: caption,
            columns: headers.enumerated().map { Column($0.element, $0.offset == 0 ? .left : .right) }, rows: rows)
    }
}

/// A figure: an SVG written as a file and shown in the report.
public struct ReportFigure: Sendable {
    public var fileName: String
    public var caption: String
    public var svg: String

    public init(fileName: String, caption: String, svg: String) {
        self.fileName = fileName
        self.caption = caption
        self.svg = svg
    }
}

/// A whole run's report: a title, an introduction, the inputs and one section per analysis.
public struct ReportDocument: Sendable {
    public var title: String
    public var introduction: [ReportBlock]
    public var sections: [(folder: String, section: ReportSection)]

    public init(title: String, introduction: [ReportBlock], sections: [(folder: String, section: ReportSection)]) {
        self.title = title
        self.introduction = introduction
        self.sections = sections
    }

    /// Every section's key estimates in one table (nil when no section has one): analysis, what is
    /// estimated, estimate, standard error, interval, p-value and how the uncertainty was obtained.
    public var summary: ReportTable? {
        let rows: [[ReportTable.Cell]] = sections.flatMap { _, section in
            section.keyEstimates.map { k -> [ReportTable.Cell] in
                let e = k.estimate
                return [
                    .text(section.title.replacingOccurrences(of: "`", with: "")), .text(k.label), .number(e.estimate), .number(e.standardError),
                    .interval(e.lower, e.upper),
                    .pValue(e.pValue), .text(e.inference.kind == .none && e.inference.type == nil ? "none" : e.inference.summary)
                ]
            }
        }
        guard !rows.isEmpty else { return nil }
        return ReportTable(
            caption: "Key estimates (intervals at each analysis's level)",
            columns: [
                .init("analysis", .left), .init("estimate of", .left), .init("estimate"), .init("SE"), .init("interval", .left), .init("p"),
                .init("uncertainty", .left)
            ], rows: rows)
    }
}
