import EstimationCore
import Foundation
import Regression
import StaggeredDiD
import Tabular
import TestSupport
import Testing

@Suite("Staggered DiD entry point: bands, warnings and the units behind every cell")
struct DifferenceInDifferencesTests {
    /// Units per cohort of mpdta, counted straight from the file (first.treat is constant within county).
    static func cohortUnits(_ table: Table) throws -> [Double: Set<Double>] {
        let unit = try table.numeric("countyreal"), cohort = try table.numeric("first.treat")
        var out: [Double: Set<Double>] = [:]
        for (u, g) in zip(unit, cohort) { out[g, default: []].insert(u) }
        return out
    }

    @Test("the entry point gives Callaway–Sant'Anna's numbers, and each ATT(g,t) and aggregate names its treated and comparison units")
    func countsOnMPDTA() throws {
        let table = DidData.mpdta
        let cohorts = try Self.cohortUnits(table)
        #expect(cohorts[0]?.count == 309 && cohorts[2004]?.count == 20 && cohorts[2006]?.count == 40 && cohorts[2007]?.count == 131)
        for control in [CallawaySantAnna.ControlGroup.never, .notYet] {
            var spec = DifferenceInDifferences.Specification(design: DidData.spec { $0.controlGroup = control })
            spec.replications = 0
            let r = try DifferenceInDifferences.estimate(spec, table: table)
            let direct = try CallawaySantAnna(DidData.spec { $0.controlGroup = control }, table: table)
            #expect(r.groupTime?.map(\.effect) == direct.groupTimes.map(\.effect))
            for g in try #require(r.groupTime) {
                #expect(g.contributors.treated == Contributors(units: cohorts[g.group]!.count))
                // Comparison units: never treated, or (not-yet) first treated after max(t, base period).
                let later = cohorts.filter { $0.key > max(g.time, g.basePeriod) && $0.key != g.group }.values.reduce(0) { $0 + $1.count }
                let expected = control == .never ? 309 : 309 + later
                #expect(g.contributors.comparison == Contributors(units: expected), "ATT(\(g.group), \(g.time))")
            }
            let dynamic = try #require(r.aggregations?.first { $0.aggregation == .dynamic })
            // Event time 3 is only the 2004 cohort's (2007 − 2004); event time 0 is every cohort's.
            let e3 = try #require(dynamic.keys.firstIndex(of: 3)), e0 = try #require(dynamic.keys.firstIndex(of: 0))
            #expect(dynamic.componentContributors[e3].treated.units == 20 && dynamic.componentContributors[e0].treated.units == 191)
            #expect(dynamic.overallContributors.treated.units == 191)
            #expect(dynamic.overallContributors.comparison.units == (control == .never ? 309 : 309 + 40 + 131))
        }
    }

    @Test("with clusters, every count names its clusters too, counted from the cluster column")
    func clusterCounts() throws {
        var table = DidData.mpdta
        let unit = try table.numeric("countyreal")
        try table.addColumn("region", .numeric(unit.map { Double(Int($0) % 23) }))
        var spec = DifferenceInDifferences.Specification(design: DidData.spec { $0.cluster = "region" })
        spec.replications = 0
        let r = try DifferenceInDifferences.estimate(spec, table: table)
        let cohort = try table.numeric("first.treat")
        func regions(_ g: Double) -> Int { Set(zip(unit, cohort).filter { $0.1 == g }.map { Int($0.0) % 23 }).count }
        for g in try #require(r.groupTime) {
            #expect(g.contributors.treated.clusters == regions(g.group) && g.contributors.comparison.clusters == regions(0))
        }
        let treatedRegions: Set<Int> = Set(zip(unit, cohort).filter { $0.1 > 0 }.map { Int($0.0) % 23 })
        #expect(r.aggregations?.first?.overallContributors.treated.clusters == treatedRegions.count)
    }

    @Test("the bootstrap bands are seeded: the same for 1 and 2 threads, different for another seed")
    func bands() throws {
        var spec = DifferenceInDifferences.Specification(design: DidData.spec())
        spec.replications = 199
        spec.seed = 7
        let one = try DifferenceInDifferences.estimate(spec, table: DidData.mpdta)
        spec.threads = 2
        let two = try DifferenceInDifferences.estimate(spec, table: DidData.mpdta)
        #expect(one.groupTimeBand == two.groupTimeBand && one.dynamicBand == two.dynamicBand)
        let dynamic = try #require(one.aggregations?.first { $0.aggregation == .dynamic })
        #expect(one.dynamicBand?.standardErrors.count == dynamic.components.count + 1)
        #expect(one.uniformCriticalValue == one.groupTimeBand?.criticalValue && one.bootstrapDraws == 199)
        spec.seed = 8
        #expect(try DifferenceInDifferences.estimate(spec, table: DidData.mpdta).groupTimeBand != one.groupTimeBand)
    }

    @Test("a rejected pre-test is a typed warning; settings that cannot work name their field")
    func warningsAndSettings() throws {
        // Add a trend before adoption to the 2007 cohort only: its pre-period ATT(g,t) are then far from zero.
        var table = DidData.mpdta
        let year = try table.numeric("year"), cohort = try table.numeric("first.treat")
        let lemp = try table.numeric("lemp").enumerated().map { i, y in cohort[i] == 2007 ? y + 0.05 * (year[i] - 2003) : y }
        try table.addColumn("trended", .numeric(lemp))
        var spec = DifferenceInDifferences.Specification(design: DidData.spec { $0.outcome = "trended" })
        spec.replications = 0
        let r = try DifferenceInDifferences.estimate(spec, table: table)
        let p = try #require(r.preTest?.pValue)
        #expect(p < 0.05 && r.warnings == [.preTrendsRejected(pValue: p)])
        #expect(r.warnings[0].message.contains("rejects parallel pre-trends"))
        let plain = try DifferenceInDifferences.estimate(spec.with { $0.design.outcome = "lemp" }, table: table)
        #expect(plain.warnings.isEmpty)

        #expect(
            throws: DiDError.setting(.sampling, "the imputation estimator here needs a panel; use estimator dr, ipw or reg for repeated-cross-sections data")
        ) {
            try DifferenceInDifferences.checkSettings(
                spec.with {
                    $0.estimator = .imputation; $0.design.sampling = .repeatedCrossSections
                })
        }
        #expect(throws: DiDError.self) { try DifferenceInDifferences.checkSettings(spec.with { $0.sensitivity = .init() }) }
        #expect(throws: DiDError.self) { try DifferenceInDifferences.checkSettings(spec.with { $0.replications = 50 }) }
    }

    @Test("the imputation estimator's cells, averages and untreated observations name their units")
    func imputationCounts() throws {
        var spec = DifferenceInDifferences.Specification(design: DidData.spec())
        spec.estimator = .imputation
        let r = try DifferenceInDifferences.estimate(spec, table: DidData.mpdta)
        let m = try #require(r.imputation)
        let cohorts = try Self.cohortUnits(DidData.mpdta)
        for c in m.cells { #expect(c.treated.units == cohorts[c.group]!.count && c.observations == c.treated.units) }
        #expect(m.overallContributors.units == 191 && m.comparison.units == 500)
        #expect(zip(m.eventTimes, m.eventTimeContributors).first { $0.0 == 3 }?.1.units == 20)
    }
}

extension DifferenceInDifferences.Specification {
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
