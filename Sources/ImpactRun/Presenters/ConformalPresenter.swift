import EstimationCore
import Reporting
import SyntheticControlMethods

/// The report of conformal inference, the same for every method that offers it (`synth`, `augsynth`, `sdid`).
enum ConformalPresenter {
    /// A paragraph with the joint test and the table of each period's effect, interval and p-value.
    static func blocks(_ c: ConformalInference.Result) -> [ReportBlock] {
        let how: String
        switch c.permutations {
        case .iid(let draws): how = "\(draws) random permutations of the residuals per null"
        case .movingBlock: how = "moving-block permutations of the residuals"
        }
        return [
            .paragraph(
                "\(strong: "Conformal inference") (Chernozhukov, Wüthrich & Zhu 2021; the estimator refitted on every period under each null, \(how)): joint test of no effect in any post-treatment period \(pClause: c.jointPValue). Each period's interval inverts its test over a grid of nulls."
            ),
            .table(
                ReportTable(
                    fileName: nil, caption: "Effects by period with conformal \(percent: c.level) intervals",
                    columns: [.init("period", .left), .init("effect"), .init("lower"), .init("upper"), .init("p")],
                    rows: c.periods.map { [.period($0.time), .number($0.estimate), .number($0.lower), .number($0.upper), .pValue($0.pValue)] }))
        ]
    }

    /// `conformal.csv`: period, estimate, interval and p-value.
    static func table(_ c: ConformalInference.Result) -> ReportTable {
        ReportTable(
            fileName: "conformal.csv", headers: ["period", "estimate", "lower", "upper", "p_value"],
            rows: c.periods.map { [.period($0.time), .number($0.estimate), .number($0.lower), .number($0.upper), .number($0.pValue)] })
    }
}
