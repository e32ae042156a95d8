import EconomicEvaluation
import EstimationCore
import Plotting
import Reporting
import Tabular

/// The report of a cost-effectiveness analysis: what was assumed (CHEERS 2022: perspective, price year,
/// discount rates, λ), the strategies, the incremental analysis with its plane, the net-benefit
/// regression (adjusted increments, the ICER with Fieller's interval, INB(λ) and the acceptability curve)
/// and the probabilistic-sensitivity summaries (EIB, acceptability, EVPI).
enum CostEffectivenessPresenter {
    static func output(_ r: CostEffectiveness.Result, name: String) -> MethodOutput<CostEffectiveness.Result> {
        var blocks: [ReportBlock] = [.paragraph(introduction(r)), .table(strategies(r)), .table(incremental(r))]
        blocks.append(
            .figure(
                ReportFigure(
                    fileName: "ce_plane.svg", caption: "Cost-effectiveness plane: mean cost and effect by strategy, frontier joined", svg: plane(r, name: name))
            ))
        var keys: [KeyEstimate] = []
        var attachments: [ReportTable] = []
        if let nb = r.netBenefit {
            blocks += netBenefit(nb, r, name: name)
            attachments.append(netBenefitCSV(nb))
            if let b = nb.bootstrap {
                blocks += bootstrap(b, r, name: name)
                attachments += bootstrapCSVs(b)
            }
            let lambda = headlineLambda(r.willingnessToPay)
            for c in nb.comparisons {
                keys.append(KeyEstimate("incremental effect, \(c.strategy) vs \(c.comparator) (adjusted)", c.incrementalEffect))
                keys.append(KeyEstimate("incremental cost, \(c.strategy) vs \(c.comparator) (adjusted)", c.incrementalCost))
                if let row = c.byWillingnessToPay.first(where: { $0.willingnessToPay == lambda }) {
                    keys.append(
                        KeyEstimate("incremental net benefit at λ = \(formatNumber(lambda)), \(c.strategy) vs \(c.comparator)", row.incrementalNetBenefit))
                }
            }
        }
        if let w = r.wellbeing { blocks.append(.table(wellbeing(w, r))) }
        if let s = r.sensitivity {
            blocks += sensitivity(s, r, name: name)
            attachments.append(sensitivityCSV(s, r))
        }
        return MethodOutput(result: r, blocks: blocks, attachments: attachments, warnings: r.warnings.map(\.message), keyEstimates: keys)
    }

    static func wellbeing(_ w: CostEffectiveness.Wellbeing, _ r: CostEffectiveness.Result) -> ReportTable {
        let compared = r.strategies.map(\.strategy).filter { $0 != r.comparator }
        var rows: [[ReportTable.Cell]] = zip(r.strategies, w.strategies).map { [.text($0.strategy), .text("mean effect"), .number($1), .empty] }
        rows += zip(compared, w.increments).map {
            [.text($0), .text("incremental effect vs \(r.comparator)"), .number($1.estimate), .interval($1.lower, $1.upper)]
        }
        return ReportTable(
            fileName: "wellby.csv",
            caption: "Effects valued as WELLBYs at £\(formatNumber(w.valuePerPointYear)) per life-satisfaction point-year (HM Treasury wellbeing guidance)",
            columns: [.init("strategy", .left), .init("quantity", .left), .init("£"), .init("\(ConfidenceLevel.percent(r.level)) CI", .left)], rows: rows)
    }

    /// 20,000 (NICE's lower threshold per QALY) when it is on the grid, else the grid's middle value.
    static func headlineLambda(_ grid: [Double]) -> Double { grid.contains(20_000) ? 20_000 : grid[grid.count / 2] }

    static func introduction(_ r: CostEffectiveness.Result) -> ReportText {
        var t: ReportText = "Cost-effectiveness of \(r.strategies.count) strategies (column \(code: r.strategyColumn)), compared with \(strong: r.comparator); "
        switch r.input {
        case "draws": t += "\(r.sensitivity?.draws ?? 0) probabilistic-sensitivity draws per strategy."
        case "summary": t += "one row of mean cost and effect per strategy."
        default: t += "person-level costs and effects."
        }
        if let d = r.derivation {
            t += " QALYs are the area under the utility curve over waves "
            t += ReportText.joined(zip(d.waves, d.years).map { "\(period: $0) (\(period: $1) y)" })
            t += "; costs are summed over waves " + ReportText.joined(d.costWaves.map { "\(period: $0)" })
            t +=
                "; discounting at \(period: d.costDiscountRate * 100)% a year for costs and \(period: d.effectDiscountRate * 100)% for effects, none in the first year"
            t += d.adjustedForBaselineUtility ? "; adjusted for the utility at the first wave." : "."
            t += " \(d.completeUnits) persons have every value needed; \(d.incompleteUnits) do not and are left out."
        }
        t += " Perspective: \(r.perspective ?? "not stated"); price year: \(r.priceYear.map(String.init) ?? "not stated")"
        guard r.netBenefit != nil || r.sensitivity != nil else { return t + "." }
        t +=
            "; willingness to pay from \(number: r.willingnessToPay.first ?? 0) to \(number: r.willingnessToPay.last ?? 0) per unit of effect (\(r.willingnessToPay.count) values)."
        return t
    }

    static func strategies(_ r: CostEffectiveness.Result) -> ReportTable {
        let clustered = r.strategies.contains { $0.clusters != nil }
        let counted = r.input == "draws" ? "draws" : r.input == "summary" ? "rows" : "persons"
        var columns: [ReportTable.Column] = [.init("strategy", .left), .init(counted)]
        if clustered { columns.append(.init("clusters")) }
        columns += [.init("mean cost"), .init("SD cost"), .init("mean effect"), .init("SD effect")]
        return ReportTable(
            fileName: "strategies.csv", caption: "Strategies (unadjusted means)", columns: columns,
            rows: r.strategies.map { s in
                [.text(s.strategy), .integer(s.units)] + (clustered ? [.integer(s.clusters)] : [])
                    + [.number(s.meanCost), .number(s.costStandardDeviation), .number(s.meanEffect), .number(s.effectStandardDeviation)]
            })
    }

    static func incremental(_ r: CostEffectiveness.Result) -> ReportTable {
        ReportTable(
            fileName: "incremental.csv", caption: "Incremental analysis of the means (dominance as dampack's calculate_icers)",
            columns: [
                .init("strategy", .left), .init("cost"), .init("effect"), .init("status", .left), .init("compared with", .left), .init("Δ cost"),
                .init("Δ effect"), .init("ICER")
            ],
            rows: r.incremental.map {
                [
                    .text($0.strategy), .number($0.cost), .number($0.effect), .text($0.status.rawValue), .text($0.comparator ?? ""),
                    .number($0.incrementalCost), .number($0.incrementalEffect), .number($0.icer)
                ]
            })
    }

    static func plane(_ r: CostEffectiveness.Result, name: String) -> String {
        var chart = LineChart(title: "\(name): cost-effectiveness plane", xLabel: "mean effect", yLabel: "mean cost")
        let frontier = r.incremental.filter { $0.status == .frontier }
        chart.series.append(.init(name: "frontier", x: frontier.map(\.effect), y: frontier.map(\.cost), color: "#000000", width: 1))
        // One marker series per strategy, so that the legend names each point.
        for (k, row) in r.incremental.enumerated() {
            let label = row.status == .frontier ? row.strategy : "\(row.strategy) (\(row.status.rawValue))"
            chart.series.append(.init(name: label, x: [row.effect], y: [row.cost], color: Palette.color(k), width: 0, markers: true))
        }
        return chart.render()
    }

    static func netBenefit(_ nb: CostEffectiveness.NetBenefit, _ r: CostEffectiveness.Result, name: String) -> [ReportBlock] {
        var intro: ReportText = "Net-benefit regression (Hoch, Briggs & Willan 2002) on \(nb.observations) persons"
        if let g = nb.clusters { intro += " in \(g) clusters" }
        intro += nb.adjustment.isEmpty ? "" : ", adjusted for " + ReportText.joined(nb.adjustment.map { "\(code: $0)" })
        intro += "; \(nb.inference.summary). The probability of cost-effectiveness is P(T ≤ INB/SE) under that reference distribution."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        let rows: [[ReportTable.Cell]] = nb.comparisons.flatMap { c -> [[ReportTable.Cell]] in
            let icer: [ReportTable.Cell] = [
                .text("\(c.strategy) vs \(c.comparator)"), .text("ICER"), .number(c.icer), .empty, .empty,
                c.icerInterval.map { $0.unbounded ? .text("unbounded (Fieller)") : .interval($0.lower, $0.upper) } ?? .empty
            ]
            return [c.incrementalEffect, c.incrementalCost].map { e in
                [
                    .text("\(c.strategy) vs \(c.comparator)"), .text(e.term ?? ""), .number(e.estimate), .number(e.standardError), .pValue(e.pValue),
                    .interval(e.lower, e.upper)
                ]
            } + [icer]
        }
        blocks.append(
            .table(
                ReportTable(
                    fileName: "increments.csv", caption: "Adjusted increments and the ICER (Fieller's interval)",
                    columns: [
                        .init("comparison", .left), .init("quantity", .left), .init("estimate"), .init("std. error"), .init("p"),
                        .init("\(ConfidenceLevel.percent(r.level)) CI", .left)
                    ],
                    rows: rows)))
        let shown = Set(thinned(r.willingnessToPay))
        blocks.append(
            .table(
                ReportTable(
                    caption: "Incremental net benefit by willingness to pay (every value in net_benefit.csv)",
                    columns: [
                        .init("λ"), .init("strategy", .left), .init("INB"), .init("std. error"), .init("\(ConfidenceLevel.percent(r.level)) CI", .left),
                        .init("P(cost-effective)")
                    ],
                    rows: nb.comparisons.flatMap { c in
                        c.byWillingnessToPay.filter { shown.contains($0.willingnessToPay) }.map {
                            [
                                .number($0.willingnessToPay), .text(c.strategy), .number($0.incrementalNetBenefit.estimate),
                                .number($0.incrementalNetBenefit.standardError), .interval($0.incrementalNetBenefit.lower, $0.incrementalNetBenefit.upper),
                                .number($0.probabilityCostEffective)
                            ]
                        }
                    })))
        var inb = LineChart(title: "\(name): incremental net benefit", xLabel: "willingness to pay per unit of effect (λ)", yLabel: "INB(λ)")
        var ceac = LineChart(
            title: "\(name): cost-effectiveness acceptability", xLabel: "willingness to pay per unit of effect (λ)", yLabel: "P(cost-effective)")
        for (k, c) in nb.comparisons.enumerated() {
            let x = c.byWillingnessToPay.map(\.willingnessToPay), e = c.byWillingnessToPay.map(\.incrementalNetBenefit)
            inb.series.append(.init(name: c.strategy, x: x, y: e.map(\.estimate), color: Palette.color(k)))
            inb.bands.append(.init(x: x, low: e.map { $0.lower ?? .nan }, high: e.map { $0.upper ?? .nan }, color: Palette.color(k)))
            ceac.series.append(.init(name: c.strategy, x: x, y: c.byWillingnessToPay.map { $0.probabilityCostEffective ?? .nan }, color: Palette.color(k)))
        }
        inb.horizontalLines = [(0, "")]
        ceac.horizontalLines = [(0.5, "")]
        blocks.append(.figure(ReportFigure(fileName: "net_benefit.svg", caption: "INB(λ) with its pointwise interval", svg: inb.render())))
        blocks.append(.figure(ReportFigure(fileName: "acceptability.svg", caption: "Acceptability curve from the net-benefit regression", svg: ceac.render())))
        return blocks
    }

    static func netBenefitCSV(_ nb: CostEffectiveness.NetBenefit) -> ReportTable {
        ReportTable(
            fileName: "net_benefit.csv",
            headers: ["willingness_to_pay", "strategy", "comparator"] + CoefficientPresenter.csvHeaders + ["probability_cost_effective"],
            rows: nb.comparisons.flatMap { c in
                c.byWillingnessToPay.map {
                    [.number($0.willingnessToPay), .text(c.strategy), .text(c.comparator)] + CoefficientPresenter.csvCells($0.incrementalNetBenefit)
                        + [.number($0.probabilityCostEffective)]
                }
            })
    }

    static func bootstrap(_ b: NetBenefitBootstrap.Result, _ r: CostEffectiveness.Result, name: String) -> [ReportBlock] {
        var intro: ReportText =
            "Bootstrap of the increments: \(b.incrementalEffect.first?.inference.type ?? b.scheme.rawValue), \(b.draws - b.failedDraws) draws"
        if let g = b.clusters { intro += " of \(g) clusters" + (b.stratified ? " resampled within strategies" : "") }
        if let e = b.retainedEffect, let c = b.retainedCost {
            intro += "; the shrinkage keeps " + ReportText.joined(e.map { "\(number: $0)" }) + " of the spread of the cluster means of the effect and "
            intro += ReportText.joined(c.map { "\(number: $0)" }) + " of the cost (by strategy)"
        }
        intro += ". Intervals are expanded percentile intervals (Hesterberg 2015); P(cost-effective) is the share of draws with INB > 0."
        let shown = Set(thinned(r.willingnessToPay))
        var rows: [[ReportTable.Cell]] = []
        for (j, strategy) in b.strategies.dropFirst().enumerated() {
            for e in [b.incrementalEffect[j], b.incrementalCost[j]] {
                rows.append([.text(strategy), .text(e.term ?? ""), .number(e.estimate), .number(e.standardError), .interval(e.lower, e.upper), .empty, .empty])
            }
            for w in b.byWillingnessToPay where shown.contains(w.willingnessToPay) {
                let e = w.incrementalNetBenefit[j]
                rows.append([
                    .text(strategy), .text("INB at λ = \(formatNumber(w.willingnessToPay))"), .number(e.estimate), .number(e.standardError),
                    .interval(e.lower, e.upper),
                    .number(w.probabilityCostEffective[j]), .number(w.expectedValueOfPerfectInformation)
                ])
            }
        }
        var plane = LineChart(title: "\(name): bootstrap draws on the cost-effectiveness plane", xLabel: "incremental effect", yLabel: "incremental cost")
        for (k, p) in b.plane.enumerated() {
            plane.series.append(
                .init(name: p.strategy, x: p.incrementalEffect, y: p.incrementalCost, color: Palette.color(k), width: 0, opacity: 0.5, markers: true))
        }
        let lambda = headlineLambda(r.willingnessToPay)
        let xs = b.plane.flatMap(\.incrementalEffect)
        if let lo = xs.min(), let hi = xs.max() {
            plane.series.append(
                .init(
                    name: "λ = \(formatNumber(lambda))", x: [min(lo, 0), max(hi, 0)], y: [min(lo, 0) * lambda, max(hi, 0) * lambda], color: "#000000", width: 1,
                    dashed: true))
        }
        plane.horizontalLines = [(0, "")]
        plane.verticalLines = [(0, "")]
        var ceac = LineChart(
            title: "\(name): acceptability from the bootstrap", xLabel: "willingness to pay per unit of effect (λ)", yLabel: "P(cost-effective)")
        for (j, strategy) in b.strategies.dropFirst().enumerated() {
            ceac.series.append(
                .init(
                    name: strategy, x: b.byWillingnessToPay.map(\.willingnessToPay), y: b.byWillingnessToPay.map { $0.probabilityCostEffective[j] },
                    color: Palette.color(j)))
        }
        return [
            .paragraph(intro),
            .table(
                ReportTable(
                    caption: "Bootstrap: increments, INB and acceptability (every λ in bootstrap.csv)",
                    columns: [
                        .init("strategy", .left), .init("quantity", .left), .init("estimate"), .init("bootstrap SE"),
                        .init("\(ConfidenceLevel.percent(r.level)) interval", .left),
                        .init("P(cost-effective)"), .init("EVPI")
                    ],
                    rows: rows)),
            .figure(ReportFigure(fileName: "bootstrap_plane.svg", caption: "Bootstrap draws of the increments, with the line of λ", svg: plane.render())),
            .figure(ReportFigure(fileName: "bootstrap_acceptability.svg", caption: "Acceptability curve from the bootstrap draws", svg: ceac.render()))
        ]
    }

    static func bootstrapCSVs(_ b: NetBenefitBootstrap.Result) -> [ReportTable] {
        let compared = Array(b.strategies.dropFirst())
        let byLambda = ReportTable(
            fileName: "bootstrap.csv", headers: ["willingness_to_pay", "strategy", "inb", "se", "lower", "upper", "probability_cost_effective", "evpi"],
            rows: b.byWillingnessToPay.flatMap { w in
                compared.indices.map { j -> [ReportTable.Cell] in
                    let e = w.incrementalNetBenefit[j]
                    return [
                        .number(w.willingnessToPay), .text(compared[j]), .number(e.estimate), .number(e.standardError), .number(e.lower), .number(e.upper),
                        .number(w.probabilityCostEffective[j]), .number(w.expectedValueOfPerfectInformation)
                    ]
                }
            })
        let draws = ReportTable(
            fileName: "bootstrap_draws.csv", headers: ["strategy", "draw", "incremental_effect", "incremental_cost"],
            rows: b.plane.flatMap { p in
                zip(p.incrementalEffect, p.incrementalCost).enumerated().map { [.text(p.strategy), .integer($0 + 1), .number($1.0), .number($1.1)] }
            })
        return [byLambda, draws]
    }

    static func sensitivity(_ s: CostEffectiveness.Sensitivity, _ r: CostEffectiveness.Result, name: String) -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .table(
                ReportTable(
                    fileName: "psa_increments.csv", caption: "Mean increments over the draws (BCEA's definitions) and the draws' quadrants",
                    columns: [
                        .init("strategy", .left), .init("vs", .left), .init("Δ effect"), .init("Δ cost"), .init("ICER"), .init("NE"), .init("SE"),
                        .init("NW"), .init("SW")
                    ],
                    rows: s.increments.map {
                        [
                            .text($0.strategy), .text($0.comparator), .number($0.incrementalEffect), .number($0.incrementalCost), .number($0.icer),
                            .number($0.quadrants.northEast), .number($0.quadrants.southEast), .number($0.quadrants.northWest),
                            .number($0.quadrants.southWest)
                        ]
                    }))
        ]
        let shown = Set(thinned(r.willingnessToPay))
        blocks.append(
            .table(
                ReportTable(
                    caption: "By willingness to pay (every value in psa.csv)",
                    columns: [.init("λ"), .init("optimal", .left), .init("P(optimal is best)"), .init("EVPI per person")]
                        + s.increments.flatMap { [.init("EIB \($0.strategy)"), .init("CEAC \($0.strategy)")] },
                    rows: s.byWillingnessToPay.filter { shown.contains($0.willingnessToPay) }.map { w in
                        [.number(w.willingnessToPay), .text(w.optimal), .number(w.frontierProbability), .number(w.expectedValueOfPerfectInformation)]
                            + zip(w.expectedIncrementalBenefit, w.probabilityCostEffective).flatMap { [ReportTable.Cell.number($0), .number($1)] }
                    })))
        let x = s.byWillingnessToPay.map(\.willingnessToPay)
        var ceac = LineChart(title: "\(name): probability each strategy is most cost-effective", xLabel: "willingness to pay (λ)", yLabel: "probability")
        for (k, strategy) in r.strategies.enumerated() {
            ceac.series.append(
                .init(name: strategy.strategy, x: x, y: s.byWillingnessToPay.map { $0.probabilityMostCostEffective[k] }, color: Palette.color(k)))
        }
        ceac.series.append(.init(name: "frontier", x: x, y: s.byWillingnessToPay.map(\.frontierProbability), color: "#000000", width: 1, dashed: true))
        var evpi = LineChart(title: "\(name): expected value of perfect information", xLabel: "willingness to pay (λ)", yLabel: "EVPI per person")
        evpi.series = [.init(name: nil, x: x, y: s.byWillingnessToPay.map(\.expectedValueOfPerfectInformation), color: Palette.color(0))]
        blocks.append(.figure(ReportFigure(fileName: "acceptability.svg", caption: "Acceptability curves and frontier from the draws", svg: ceac.render())))
        blocks.append(.figure(ReportFigure(fileName: "evpi.svg", caption: "EVPI per person", svg: evpi.render())))
        return blocks
    }

    static func sensitivityCSV(_ s: CostEffectiveness.Sensitivity, _ r: CostEffectiveness.Result) -> ReportTable {
        ReportTable(
            fileName: "psa.csv",
            headers: ["willingness_to_pay", "optimal", "frontier_probability", "evpi"] + r.strategies.map { "enb_\($0.strategy)" }
                + r.strategies.map { "p_most_ce_\($0.strategy)" } + s.increments.flatMap { ["eib_\($0.strategy)", "ceac_\($0.strategy)"] },
            rows: s.byWillingnessToPay.map { w in
                [.number(w.willingnessToPay), .text(w.optimal), .number(w.frontierProbability), .number(w.expectedValueOfPerfectInformation)]
                    + w.expectedNetBenefit.map { .number($0) } + w.probabilityMostCostEffective.map { .number($0) }
                    + zip(w.expectedIncrementalBenefit, w.probabilityCostEffective).flatMap { [ReportTable.Cell.number($0), .number($1)] }
            })
    }

    /// At most about eleven λ values for the report's tables: every k-th, and the last.
    static func thinned(_ grid: [Double]) -> [Double] {
        let step = max(1, (grid.count + 9) / 10)
        var out = stride(from: 0, to: grid.count, by: step).map { grid[$0] }
        if let last = grid.last, out.last != last { out.append(last) }
        return out
    }
}
