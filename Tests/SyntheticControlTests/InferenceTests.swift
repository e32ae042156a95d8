import EstimationCore
import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

@Suite("Determinism and inference mechanics")
struct InferenceTests {
    @Test("the same seed gives bit-identical fits and placebos with 1 or 2 threads")
    func threadIndependence() throws {
        let problem = try Data.basque()
        let one = SyntheticControlOptions(randomStarts: 2, seed: 99, threads: 1)
        var two = one
        two.threads = 2
        let a = try SyntheticControl.fit(problem, options: one), b = try SyntheticControl.fit(problem, options: two)
        #expect(a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern))
        #expect(a.predictorWeights!.map(\.bitPattern) == b.predictorWeights!.map(\.bitPattern))
        let pa = try a.placeboInSpace(options: one), pb = try b.placeboInSpace(options: two)
        #expect(pa.units.map { $0.gaps.map(\.bitPattern) } == pb.units.map { $0.gaps.map(\.bitPattern) })
        #expect(pa.pValue == pb.pValue)
    }

    @Test("excluding placebos with poor pre-period fit changes the reference set, not the treated unit")
    func exclusion() throws {
        let fit = try SyntheticControl.fit(try Data.california(), options: .init(threads: 2))
        let all = try fit.placeboInSpace(options: .init(threads: 2))
        let trimmed = try fit.placeboInSpace(options: .init(threads: 2), excludeAbove: 5)
        let kept = trimmed.units.filter(\.included)
        #expect(kept.count < all.units.count && kept[0].isTreated)
        #expect(kept.dropFirst().allSatisfy { $0.preMSPE <= 5 * kept[0].preMSPE })
        #expect(abs(try #require(trimmed.pValue) - Double(trimmed.rank) / Double(kept.count)) < 1e-15)
        #expect(trimmed.placebos == kept.count - 1 && trimmed.smallestPValue == 1 / Double(kept.count))
        #expect(all.placebos == 38 && all.smallestPValue == 1.0 / 39 && all.warnings.isEmpty)
    }

    /// The treated unit and `placebos` placebos whose pre-MSPE is 1 (treated) and `placeboPre` (each placebo).
    static func placebos(_ count: Int, placeboPre: Double, exclusion: Double?, level: Double) -> PlaceboInSpace {
        let units = (0...count).map { (k: Int) -> PlaceboInSpace.Unit in
            let treated = k == 0
            let post = Double(k + 1)
            return PlaceboInSpace.Unit(
                name: "u\(k)", isTreated: treated, preMSPE: treated ? 1 : placeboPre, postMSPE: post, ratio: treated ? 1e9 : post,
                averageEffect: 0, gaps: [0, post], included: true)
        }
        return PlaceboInSpace(units: units, periods: [1, 2], postIndices: [1], exclusionMultiple: exclusion, level: level)
    }

    @Test("every placebo excluded: no p-value and a warning, not p = 1 from zero placebos; 1/(J+1) ≥ α is warned about")
    func noPlaceboDistribution() {
        let none = Self.placebos(3, placeboPre: 100, exclusion: 2, level: 0.95)
        #expect(none.placebos == 0 && none.pValue == nil && none.smallestPValue == nil && none.periodPValues.isEmpty)
        #expect(none.warnings == [.noPlacebos(excluded: 3, multiple: 2)])
        let kept = Self.placebos(3, placeboPre: 1, exclusion: 2, level: 0.95)
        #expect(kept.placebos == 3 && kept.pValue == 0.25 && kept.smallestPValue == 0.25)
        #expect(kept.warnings == [.cannotReject(placebos: 3, level: 0.95)])
        // Nine placebos at level 0.9: 1/10 is exactly α, so the test cannot reject; nineteen can.
        #expect(Self.placebos(9, placeboPre: 1, exclusion: nil, level: 0.9).warnings == [.cannotReject(placebos: 9, level: 0.9)])
        #expect(Self.placebos(19, placeboPre: 1, exclusion: nil, level: 0.9).warnings.isEmpty)
    }

    @Test("leave-one-out refits without each weighted donor; placebo in time shifts predictor periods")
    func robustness() throws {
        let fit = try SyntheticControl.fit(try Data.california(), options: .init(threads: 2))
        let loo = try fit.leaveOneOut(options: .init(threads: 2))
        #expect(Set(loo.map(\.donor)) == ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"])
        for (donor, f) in loo { #expect(!f.problem.donors.contains(donor) && f.problem.donors.count == 37) }
        let (inTime, dropped) = try fit.placeboInTime(at: 1980, options: .init())
        #expect(inTime.problem.treatmentTime == 1980 && inTime.problem.fitPeriods.last == 1979)
        #expect(dropped.contains("cigsale (1975)"))
        #expect(inTime.problem.predictors.contains { $0.variable == "lnincome" && $0.periods == Data.range(1971, 1979) })
    }

    @Test("custom and outcome-only predictor weights")
    func predictorWeightModes() throws {
        let problem = try Data.basque()
        let equal = try SyntheticControl.fit(problem, options: .init(predictorWeights: .custom([Double](repeating: 1, count: 14))))
        #expect(equal.predictorWeights!.allSatisfy { abs($0 - 1.0 / 14) < 1e-15 })
        let outcome = try SyntheticControl.fit(problem, options: .init(predictorWeights: .outcomeOnly))
        #expect(outcome.predictorWeights == nil && outcome.lossV <= equal.lossV)
        #expect(throws: SyntheticControlError.self) {
            try SyntheticControl.fit(problem, options: .init(predictorWeights: .custom([1, 2])))
        }
    }
}

@Suite("Simplex least squares")
struct SimplexLeastSquaresTests {
    /// The KKT conditions certify optimality: on the support the gradient equals the multiplier,
    /// elsewhere it is no smaller.
    @Test("solutions satisfy the KKT conditions on the Basque predictor problem and random problems")
    func kkt() throws {
        var rng = SplitMix64(seed: 3)
        var problems: [SimplexLeastSquares] = []
        let basque = try Data.basque()
        problems.append(SimplexLeastSquares(a: basque.z0, b: basque.z1))
        for _ in 0..<20 {
            let m = 3 + Int(rng.next() % 8), j = 5 + Int(rng.next() % 40)
            let a = Matrix(rows: m, columns: j, columnMajor: (0..<(m * j)).map { _ in rng.uniform() })
            problems.append(SimplexLeastSquares(a: a, b: (0..<m).map { _ in rng.uniform() * 1.2 - 0.1 }, ridge: rng.uniform() < 0.5 ? 0 : 1e-3))
        }
        // Few rows, many columns, target inside the hull: many weights are free and only the ridge decides
        // (the low-rank subproblem path).
        for _ in 0..<10 {
            let m = 1 + Int(rng.next() % 4), j = 60 + Int(rng.next() % 200)
            let a = Matrix(rows: m, columns: j, columnMajor: (0..<(m * j)).map { _ in rng.uniform() })
            problems.append(SimplexLeastSquares(a: a, b: (0..<m).map { _ in 0.4 + 0.2 * rng.uniform() }, ridge: 1e-3))
        }
        for p in problems {
            let s = p.solve()
            var work = SimplexLeastSquares.Workspace(m: p.a.rows, j: p.a.columns)
            let inFree = (0..<p.a.columns).map { s.support.contains($0) }
            let entering = p.a.withUnsafeBufferPointer { ap in
                s.weights.withUnsafeBufferPointer { w in
                    inFree.withUnsafeBufferPointer { p.halfGradient(w, free: s.support, inFree: $0, ap, [Double](repeating: 1, count: p.a.rows), &work) }
                }
            }
            #expect(entering == -1)
            let g = work.gradient
            let mu = s.support.reduce(0) { $0 + g[$1] } / Double(s.support.count)
            let scale = 1 + g.map(abs).max()!
            for i in s.support { #expect(abs(g[i] - mu) < 1e-9 * scale) }
            for i in g.indices where !s.support.contains(i) { #expect(g[i] - mu > -1e-9 * scale) }
            #expect(abs(s.weights.reduce(0, +) - 1) < 1e-12 && s.weights.allSatisfy { $0 >= 0 })
            // A warm start from the solution's own support returns the same weights.
            let again = p.solve(warmStart: s.support)
            #expect(maxRelativeError(again.weights, s.weights, floor: 1) < 1e-12)
        }
    }
}

extension SimplexLeastSquaresTests {
    /// The O(km²) path must solve the same equality-constrained subproblem as the KKT system, including
    /// zero row weights (a rank-deficient V^½A) and ridges down to 1e-6 (where the KKT LU is still accurate).
    @Test("the low-rank subproblem equals the KKT-system solution")
    func lowRankSubproblem() {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<30 {
            let m = 1 + Int(rng.next() % 5), k = m + 2 + Int(rng.next() % 60), j = k + Int(rng.next() % 10)
            var a = Matrix(rows: m, columns: j, columnMajor: (0..<(m * j)).map { _ in rng.uniform() * 2 - 0.5 })
            var v = (0..<m).map { _ in rng.uniform() }
            if m > 1 && trial % 3 == 0 { v[0] = 0 }
            // Every fifth problem has a row that is the same for every column (1 lies in the row space).
            if trial % 5 == 4 { for c in 0..<j { a[m - 1, c] = 0.7 } }
            let ridge = [1e-2, 1e-4, 1e-6][trial % 3]
            let problem = SimplexLeastSquares(a: a, b: (0..<m).map { _ in rng.uniform() }, rowWeights: v, ridge: ridge)
            let free = Array(rng.permutation(j).prefix(k)).sorted()
            var work = SimplexLeastSquares.Workspace(m: m, j: j)
            let (low, kkt) = a.withUnsafeBufferPointer { ap in
                (problem.lowRankSubproblem(free, ap, v, &work), problem.kktSubproblem(free, ap, v, &work))
            }
            guard let low, let kkt else { Issue.record("trial \(trial): a subproblem failed"); continue }
            #expect(abs(low.reduce(0, +) - 1) < 1e-12)
            // Optimality certificate, independent of either solver: on the free set the gradient
            // (A_FᵀVA_F + ρI)z − A_FᵀVb is the same for every weight (it equals −ν·1).
            var residual = [Double](repeating: 0, count: m)
            for r in 0..<m { residual[r] = v[r] * (free.indices.reduce(0) { $0 + a[r, free[$1]] * low[$1] } - problem.b[r]) }
            let gradient = free.indices.map { x in ridge * low[x] + (0..<m).reduce(0) { $0 + a[$1, free[x]] * residual[$1] } }
            let scale = ridge / Double(k) + (0..<m).reduce(0) { $0 + v[$1] * abs(problem.b[$1]) } * 2.5
            #expect((gradient.max()! - gradient.min()!) < 1e-12 * scale, "trial \(trial): gradient spread \(gradient.max()! - gradient.min()!)")
            // The KKT system's LU solve is itself accurate only to about ε·cond, cond ≈ tr(A_FᵀVA_F)/ρ
            // (1e-8 when a row is constant and ρ = 1e-6; the low-rank solution is then exact: z = 1/k).
            let trace = (0..<m).reduce(0) { t, r in t + v[r] * free.reduce(0) { $0 + a[r, $1] * a[r, $1] } }
            let kktAccuracy = max(1e-10, 100 * Double.ulpOfOne * trace / ridge)
            #expect(maxRelativeError(low, kkt, floor: 1) < kktAccuracy, "trial \(trial): m \(m), k \(k), ridge \(ridge)")
            // Under another V the workspace reuses the factors of A_F: the solution is bit for bit the one a
            // fresh workspace gives, and satisfies the same certificate.
            let v2 = v.map { 0.2 + $0 * $0 }
            let (reused, fresh) = a.withUnsafeBufferPointer { ap in
                var other = SimplexLeastSquares.Workspace(m: m, j: j)
                return (problem.lowRankSubproblem(free, ap, v2, &work), problem.lowRankSubproblem(free, ap, v2, &other))
            }
            #expect(work.factoredFree == free)
            guard let reused, let fresh else { Issue.record("trial \(trial): a subproblem under V₂ failed"); continue }
            #expect(reused == fresh, "trial \(trial)")
            for r in 0..<m { residual[r] = v2[r] * (free.indices.reduce(0) { $0 + a[r, free[$1]] * reused[$1] } - problem.b[r]) }
            let gradient2 = free.indices.map { x in ridge * reused[x] + (0..<m).reduce(0) { $0 + a[$1, free[x]] * residual[$1] } }
            let scale2 = ridge / Double(k) + (0..<m).reduce(0) { $0 + v2[$1] * abs(problem.b[$1]) } * 2.5
            #expect((gradient2.max()! - gradient2.min()!) < 1e-12 * scale2, "trial \(trial) under V₂")
        }
    }
}

@Suite("Synthetic control: bad input")
struct SyntheticControlErrorTests {
    @Test("a misspelt treated unit is named with a suggestion")
    func unknownUnit() {
        #expect {
            try SyntheticControlProblem(panel: Data.californiaPanel, outcome: "cigsale", treated: "Califronia", treatmentTime: 1989)
        } throws: { "\($0)".contains("no unit 'Califronia' in the panel (did you mean 'California'?)") }
    }

    @Test("a treated unit with no pre-period is refused")
    func noPrePeriod() {
        #expect(throws: SyntheticControlError.noPrePeriod(unit: "California", treatmentTime: 1970)) {
            try SyntheticControlProblem(panel: Data.californiaPanel, outcome: "cigsale", treated: "California", treatmentTime: 1970)
        }
    }

    /// A donor with a gap in its outcome (here a dropped row) cannot be used; all such donors are listed at once.
    @Test("donors with gaps in the outcome are listed together, and excluding them fits")
    func incompleteDonors() throws {
        let table = try CSVReader.read(contentsOf: TestData.dataset("california_prop99_smoking.csv"))
        let states = try table.strings("state"), years = try table.numeric("year")
        let holed = try Panel(
            table.filteringRows { !(states[$0] == "Nevada" && years[$0] == 1995) && !(states[$0] == "Utah" && years[$0] == 1975) },
            unit: "state", time: "year")
        let expected = SyntheticControlError.incompleteDonors(variable: "cigsale", donors: ["Nevada", "Utah"], periods: ["1995", "1975"])
        #expect(throws: expected) {
            try SyntheticControlProblem(panel: holed, outcome: "cigsale", treated: "California", treatmentTime: 1989)
        }
        #expect("\(expected)".contains("leave them out of the donor pool"))
        let donors = holed.units.filter { !["California", "Nevada", "Utah"].contains($0) }
        let problem = try SyntheticControlProblem(panel: holed, outcome: "cigsale", treated: "California", treatmentTime: 1989, donors: donors)
        #expect(problem.donors.count == 36)
    }

    @Test("a predictor missing in every period for a unit names the variable and unit")
    func missingPredictor() {
        #expect {
            try SyntheticControlProblem(
                panel: Data.californiaPanel, outcome: "cigsale", treated: "California", treatmentTime: 1989,
                predictors: [PredictorSpecification(variable: "beer", periods: [1975, 1976])])
        } throws: { "\($0)".contains("'beer' is missing for unit") }
    }
}

@Suite("Predictor labels")
struct PredictorLabelTests {
    @Test("a range only for every period in it; otherwise the step or the periods")
    func labels() {
        #expect(PredictorSpecification(variable: "gdp", periods: Array(stride(from: 1960.0, through: 1969, by: 1))).label == "gdp (1960–1969)")
        #expect(PredictorSpecification(variable: "gdp", periods: [2016, 2012, 2014]).label == "gdp (2012–2016 every 2)")
        #expect(PredictorSpecification(variable: "gdp", periods: [2012, 2013, 2016]).label == "gdp (2012, 2013, 2016)")
        #expect(PredictorSpecification(variable: "gdp", periods: [1981, 1986], aggregate: .median).label == "gdp median (1981, 1986)")
        #expect(PredictorSpecification(variable: "cigsale", periods: [1988]).label == "cigsale (1988)")
    }
}
