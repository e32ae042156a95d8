import LinearAlgebra
import Reporting
import StaggeredDiD

/// `method: sensitivity`: robust sets when parallel trends may fail (HonestDiD) for an event study
/// estimated elsewhere (Stata, R, an earlier run): one data row per coefficient, the pre-period
/// ones first (reference period omitted), then the post-period ones.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `estimate` | column of the coefficients | required |
/// | `covariance` | the covariance matrix's columns, in coefficient order | required |
/// | `preperiods` | how many of the rows are pre-period coefficients | required |
/// | `sensitivity` | the restrictions and target, as on `event-study` and `did` | relative magnitudes 0.5–2 and HonestDiD's smoothness grid |
/// | `level` | confidence level | `0.95` |
public struct SensitivityAnalysis: AnalysisMethod {
    public static let names = ["sensitivity"]
    public static let summary = "HonestDiD robust sets for event-study coefficients estimated elsewhere"

    public struct Keys: KeySet {
        let estimate = RequiredKey<String>("estimate", "column of the event-study coefficients (pre-period ones first)", column: .numeric)
        let covariance = RequiredKey<[String]>("covariance", "the covariance matrix's columns, in coefficient order", column: .numeric)
        let preperiods = RequiredKey<Int>("preperiods", "how many rows are pre-period coefficients", rule: { $0 >= 1 ? nil : "must be 1 or more" })
        let sensitivity = CommonKeys.sensitivity
        let level = CommonKeys.level
        public init() {}
    }

    public var estimate: String
    public var covariance: [String]
    public var preperiods: Int
    public var setting: ParallelTrendsSensitivity.Settings
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        estimate = try s(\.estimate)
        covariance = try s(\.covariance)
        preperiods = try s(\.preperiods)
        setting = try s(\.sensitivity) ?? ParallelTrendsSensitivity.Settings()
        level = try s(\.level)
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let rows = data.table.rowCount
        if covariance.count != rows {
            return [SettingIssue(key: "covariance", message: "names \(covariance.count) columns but '\(data.name)' has \(rows) coefficient rows")]
        }
        if preperiods >= rows {
            return [SettingIssue(key: "preperiods", message: "\(preperiods) pre-period rows leave no post-period coefficient among \(rows)")]
        }
        guard let values = try? matrix(data) else { return [] }
        for i in 0..<rows {
            if values.beta[i].isNaN { return [SettingIssue(key: "estimate", message: "row \(i + 1) has no coefficient")] }
            for j in 0..<rows where values.sigma[i, j].isNaN {
                return [SettingIssue(key: "covariance[\(j)]", message: "row \(i + 1) is missing")]
            }
        }
        return []
    }

    func matrix(_ data: LoadedData) throws -> (beta: [Double], sigma: Matrix) {
        let beta = try data.table.numeric(estimate)
        let columns = try covariance.map { try data.table.numeric($0) }
        var sigma = Matrix(rows: beta.count, columns: beta.count)
        for (j, c) in columns.enumerated() { for i in 0..<beta.count { sigma[i, j] = c[i] } }
        return (beta, sigma)
    }

    public func run(_ context: RunContext) throws -> MethodOutput<ParallelTrendsSensitivity.Analysis> {
        let (beta, sigma) = try matrix(context.data)
        let post = beta.count - preperiods
        let s = try ParallelTrendsSensitivity(
            estimates: beta, covariance: sigma, preperiods: preperiods, target: try setting.weights(postperiods: post), level: level)
        let analysis = try s.analyse(setting, threads: context.threads)
        let intro: ReportText =
            "Event-study coefficients from \(code: context.data.url.lastPathComponent): \(preperiods) pre-period and \(post) post-period coefficients with their covariance."
        return MethodOutput(
            result: analysis, blocks: [.paragraph(intro)] + SensitivityPresenter.blocks(analysis, name: context.analysis.name),
            warnings: analysis.warnings.map(\.message))
    }
}
