import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular
import TestSupport
import Testing

@Suite("Event studies")
struct EventStudyTests {
    static let spec = EventStudy.Specification(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat")

    @Test("mpdta event study (reference −1, never-treated controls, CR1 by county) equals pyfixest (1e-6)")
    func mpdtaMatchesPyfixest() throws {
        let r = PyfixestReference.value.eventStudy
        let study = try EventStudy(Self.spec, table: PanelData.mpdta)
        let estimated = study.coefficients.filter { $0.eventTime != -1 }
        #expect(estimated.map(\.eventTime) == r.eventTimes)
        for (c, j) in zip(estimated, r.eventTimes.indices) {
            #expect(relativeError(c.effect.estimate, r.estimate[j]) < 1e-7, "event time \(c.eventTime)")
            #expect(relativeError(c.effect.standardError!, r.se[j]) < 1e-6, "event time \(c.eventTime)")
            #expect(relativeError(c.effect.pValue!, r.p[j]) < 1e-5, "event time \(c.eventTime)")
        }
        let reference = try #require(study.coefficients.first { $0.eventTime == -1 })
        #expect(reference.effect.estimate == 0 && reference.effect.standardError == nil)
        #expect(study.treatedUnits == 191 && study.neverTreatedUnits == 309)
        // The simultaneous band is wider than the pointwise one.
        #expect(study.supTCritical > study.pointwiseCritical)
        for c in estimated { #expect(c.bandLower! < c.effect.lower! && c.bandUpper! > c.effect.upper!) }
    }

    @Test("endpoint binning: relative times beyond the window join its ends")
    func binning() throws {
        var spec = Self.spec
        spec.window = -2...2
        let study = try EventStudy(spec, table: PanelData.mpdta)
        #expect(study.coefficients.map(\.eventTime) == [-2, -1, 0, 1, 2])
        spec.window = 0...2
        #expect(throws: RegressionError.self) { try EventStudy(spec, table: PanelData.mpdta) }
    }

    @Test("the sup-t critical value: Šidák's for independent coefficients, the pointwise one for perfectly correlated ones")
    func supTCritical() throws {
        let level = 0.95
        let independent = try EventStudy.supTCritical(Matrix(diagonal: [1, 4, 9, 16]), indices: [0, 1, 2, 3], degreesOfFreedom: nil, level: level, seed: 1)
        let sidak = Normal.standard.quantile((1 + pow(level, 1.0 / 4)) / 2)
        #expect(abs(independent - sidak) < 0.02, "\(independent) vs \(sidak)")
        let correlated = try EventStudy.supTCritical(
            Matrix(rows: 3, columns: 3, repeating: 2), indices: [0, 1, 2], degreesOfFreedom: nil, level: level, seed: 1)
        #expect(abs(correlated - 1.959964) < 0.02, "\(correlated)")
        let t = try EventStudy.supTCritical(Matrix(rows: 1, columns: 1, repeating: 1), indices: [0], degreesOfFreedom: 5, level: level, seed: 1)
        #expect(abs(t - StudentT(degreesOfFreedom: 5).quantile(0.975)) < 0.03, "\(t)")
    }
}
