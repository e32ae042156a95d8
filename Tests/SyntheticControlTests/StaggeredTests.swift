import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

@Suite("Staggered synthetic control")
struct StaggeredTests {
    static let mpdta = try! CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
    static let panel = try! Panel(mpdta, unit: "countyreal", time: "year")
    static let adoption: [String: Double] = {
        let ft = try! mpdta.numeric("first.treat"), ids = try! mpdta.strings("countyreal")
        var a: [String: Double] = [:]
        for i in 0..<mpdta.rowCount where ft[i] > 0 { a[ids[i]!] = ft[i] }
        return a
    }()

    @Test("one treated unit reduces to the single-unit synthetic control")
    func singleUnit() throws {
        let (unit, time) = Self.adoption.min { $0.key < $1.key }!
        let spec = StaggeredSyntheticControl.Specification(outcome: "lemp", adoption: [unit: time], placebos: 0)
        let r = try StaggeredSyntheticControl.estimate(Self.panel, spec)
        // With only this unit listed as treated, every other county is a never-treated donor.
        let direct = try SyntheticControl.fit(
            SyntheticControlProblem(panel: Self.panel, outcome: "lemp", treated: unit, treatmentTime: time),
            options: .init(predictorWeights: .outcomeOnly))
        #expect(r.units.count == 1 && r.units[0].weights == direct.weights)
        #expect(abs(r.overall.estimate - direct.averageEffect()) < 1e-14)
    }

    @Test("cohort level on mpdta: event-time averages are the cohort gaps averaged by periods since adoption")
    func cohorts() throws {
        let spec = StaggeredSyntheticControl.Specification(
            outcome: "lemp", adoption: Self.adoption, aggregation: .cohort,
            options: .init(predictorWeights: .outcomeOnly, threads: 2), placebos: 20)
        let r = try StaggeredSyntheticControl.estimate(Self.panel, spec)
        #expect(r.units.map(\.adoption) == [2004, 2006, 2007])
        #expect(r.units.map(\.members.count) == [20, 40, 131])
        // Event time 0 averages each cohort's gap in its adoption year.
        let e0 = r.units.map { u in u.gaps[Self.panel.times.firstIndex(of: u.adoption)!] }
        #expect(abs(r.eventTime.first { $0.eventTime == 0 }!.summary.estimate - e0.reduce(0, +) / 3) < 1e-14)
        // Overall: every cohort-period cell counts once (4 + 2 + 1 = 7 cells).
        #expect(r.overall.cells == 7)
        let o = r.overall
        #expect(o.pValue! > 0 && o.pValue! <= 1 && o.placeboStandardError! > 0)
        // Thread independence of the placebo distribution.
        var single = spec
        single.options.threads = 1
        let r1 = try StaggeredSyntheticControl.estimate(Self.panel, single)
        #expect(r1.overall.placeboStandardError!.bitPattern == o.placeboStandardError!.bitPattern)
    }

    @Test("the record from a table names the treated counties behind each event time and cohort, counted from the data")
    func record() throws {
        let spec = StaggeredSyntheticControl.Specification(
            outcome: "lemp", adoption: [:], aggregation: .cohort, options: .init(predictorWeights: .outcomeOnly, threads: 2), placebos: 0)
        let r = try StaggeredSyntheticControl.estimate(Self.mpdta, unit: "countyreal", time: "year", adoptionColumn: "first.treat", spec)
        // mpdta's cohorts: 20 counties first treated in 2004, 40 in 2006, 131 in 2007 (2003–2007).
        #expect(r.cohorts.map(\.contributors.units) == [20, 40, 131])
        // Event time 3 (2007) is the 2004 cohort's alone; event time 0 is every cohort's.
        #expect(r.eventTime.first { $0.eventTime == 3 }?.contributors.units == 20)
        #expect(r.eventTime.first { $0.eventTime == 0 }?.contributors.units == 191)
        #expect(r.warnings == [.noPlaceboDraws] && r.fits.count == 3 && r.periods == [2003, 2004, 2005, 2006, 2007])
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(json.contains("\"contributors\"") && !json.contains("\"fits\""))
    }

    @Test("not-yet-treated donors end each window before the earliest later adoption")
    func notYetTreated() throws {
        let spec = StaggeredSyntheticControl.Specification(
            outcome: "lemp", adoption: Self.adoption, donorPool: .notYetTreated,
            aggregation: .cohort, placebos: 0)
        let r = try StaggeredSyntheticControl.estimate(Self.panel, spec)
        let c2004 = r.units.first { $0.adoption == 2004 }!
        #expect(c2004.effectPeriods.map { Self.panel.times[$0] } == [2004, 2005])
        #expect(c2004.donors.count == 309 + 171)
    }
}
