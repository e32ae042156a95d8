import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular
import TestSupport
import Testing

/// R's `lm` with factors and interactions (see `Tests/Fixtures/Generators/design_dose_r.R`).
struct DesignReference: Decodable {
    let names: [String], rank: Int, coefficients: [Double], predictFirst50: [Double]

    static let value = try! JSONDecoder().decode(DesignReference.self, from: Data(contentsOf: TestData.fixture("RegressionTests", "design_r.json")))
}

@Suite("Model terms and the design encoder")
struct DesignEncoderTests {
    static let lalonde = try! CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
    static let spec = ModelSpecification(
        outcome: "re78",
        terms: [
            .numeric("age"), .numeric("married"), .numeric("re74"), .factor("black"), .factor("hispan"), .factor("nodegree"),
            .interaction([.numeric("age"), .numeric("married")]),
            .interaction([.numeric("re74"), .factor("black")]),
            .interaction([.factor("hispan"), .factor("nodegree")])
        ])

    @Test("numeric, factor and interaction terms give R's lm design and coefficients (1e-9)")
    func interactionsMatchR() throws {
        let r = DesignReference.value
        let fit = try LinearModel.fit(Self.spec, table: Self.lalonde)
        // R spells factor(black)1 where the encoder spells black[T.1].
        let rNames = r.names.map { $0.replacingOccurrences(of: #"factor\((\w+)\)(\w+)"#, with: "$1[T.$2]", options: .regularExpression) }
        #expect(fit.names == rNames)
        #expect(fit.parameterCount == r.rank)
        #expect(maxRelativeError(fit.coefficients, r.coefficients) < 1e-9)
    }

    @Test("the encoder learnt on the fit predicts other rows as R's predict (1e-9), whatever levels they hold")
    func prediction() throws {
        let design = try DesignMatrix(Self.spec, table: Self.lalonde)
        let fit = try LinearModel.fit(design)
        // A new table with only the first 50 rows: it lacks some level combinations, yet must be coded as the fit was.
        let first50 = Self.lalonde.selectingRows(Array(0..<50))
        let x = try design.encoder.encode(first50, rows: Array(0..<50))
        #expect(maxRelativeError(fit.predict(x), DesignReference.value.predictFirst50) < 1e-9)
        // Re-encoding the estimation rows reproduces the design exactly.
        #expect(try design.encoder.encode(Self.lalonde, rows: design.rows).elements == design.x.elements)
    }

    @Test("a level not seen when fitting is an error naming the factor, level and row")
    func unseenLevel() throws {
        let design = try DesignMatrix(
            ModelSpecification(outcome: "y", factors: ["g"]),
            table: try Table([("y", .numeric([1, 2, 4, 3])), ("g", .categorical(Categorical(["a", "b", "a", "b"])))]))
        let other = try Table([("y", .numeric([1, 2])), ("g", .categorical(Categorical(["a", "c"])))])
        #expect { try design.encoder.encode(other, rows: [0, 1]) } throws: { error in
            "\(error)".contains("'g'") && "\(error)".contains("'c'") && "\(error)".contains("row 2")
        }
    }

    @Test("the degrees-of-freedom rule is explicit: Stata's by default, G − 1 or normal on request")
    func degreesOfFreedomRule() throws {
        let fit = try LinearModel.fit(ModelSpecification(outcome: "re78", covariates: ["age", "married"], cluster: "educ"), table: Self.lalonde)
        let byDefault = try fit.coefficientTable(.cr1)
        #expect(byDefault.degreesOfFreedom == Double(byDefault.clusterCount! - 1))
        #expect(byDefault.rows[1].inference.df == .clustersMinusOne)
        let normal = try fit.coefficientTable(.cr1, degreesOfFreedom: .normal)
        #expect(normal.degreesOfFreedom == nil && normal.rows[1].degreesOfFreedom == nil && normal.rows[1].inference.df == .normal)
        #expect(normal.rows[1].standardError == byDefault.rows[1].standardError)
        // A normal reference gives a narrower interval than t with G − 1 df.
        #expect(try #require(normal.rows[1].upper) < byDefault.rows[1].upper!)
        let residual = try fit.coefficientTable(.cr1, degreesOfFreedom: .residual)
        #expect(residual.degreesOfFreedom == Double(fit.residualDegreesOfFreedom))
        #expect(throws: RegressionError.self) { try fit.coefficientTable(.hc1, degreesOfFreedom: .clustersMinusOne) }
    }
}

@Suite("Degenerate factors")
struct DegenerateFactorTests {
    @Test("a factor with one level in the rows used is an error naming it and the level, not a silent drop")
    func singleLevel() throws {
        let table = try Table([("y", .numeric([1, 2, 4, 3])), ("x", .numeric([1, 2, 3, 5])), ("g", .categorical(Categorical(["a", "a", "a", "a"])))])
        #expect { try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["x"], factors: ["g"]), table: table) } throws: { error in
            "\(error)".contains("factor 'g' has a single level ('a')")
        }
    }
}
