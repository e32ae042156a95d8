import EstimationCore
import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import Regression

@Suite("Linear models: published NSW numbers")
struct PublishedNSWTests {
    /// NSW experimental sample, re78 in dollars regressed on treatment alone.
    /// Published: 1794.34, classical SE 632.85, HC1 670.82, HC2 671.00 (to 1e-2).
    @Test("re78 on treatment: estimate, classical, HC1 and HC2 standard errors")
    func treatmentOnly() throws {
        var table = try CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
        try table.setColumn("re78_dollars", .numeric(try table.numeric("re78").map { $0 * 1000 }))
        let fit = try LinearModel.fit(ModelSpecification(outcome: "re78_dollars", covariates: ["t"]), table: table)
        #expect(fit.observations == 445)
        let t = fit.index(of: "t")!
        #expect(abs(fit.coefficients[t] - 1794.34) <= 1e-2)
        #expect(abs(try fit.covariance(.classical).standardErrors[t] - 632.85) <= 1e-2)
        #expect(abs(try fit.covariance(.hc1).standardErrors[t] - 670.82) <= 1e-2)
        #expect(abs(try fit.covariance(.hc2).standardErrors[t] - 671.00) <= 1e-2)
    }
}

/// A case in `Fixtures/regression_statsmodels.json` (see `Tests/Fixtures/Generators/regression_statsmodels.py`).
struct StatsmodelsCase: Decodable {
    let name: String, dataset: String, outcome: String
    let covariates: [String], factors: [String]
    let weights: String?, cluster: String?
    let nobs: Int
    let coefficients: [String: Double]
    let standardErrors: [String: [String: Double]]
    let rsquared: Double

    static let all: [StatsmodelsCase] = {
        struct File: Decodable { let cases: [StatsmodelsCase] }
        let data = try! Data(contentsOf: TestData.fixture("RegressionTests", "regression_statsmodels.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()
}

@Suite("Linear models against statsmodels")
struct StatsmodelsAgreementTests {
    static let caseNames = StatsmodelsCase.all.map(\.name)

    @Test("coefficients, R² and every variance estimator agree to 1e-10 relative", arguments: caseNames)
    func agreement(name: String) throws {
        let c = StatsmodelsCase.all.first { $0.name == name }!
        let table = try CSVReader.read(contentsOf: TestData.dataset(c.dataset))
        let spec = ModelSpecification(
            outcome: c.outcome, covariates: c.covariates, factors: c.factors,
            weights: c.weights, cluster: c.cluster)
        let fit = try LinearModel.fit(spec, table: table)
        #expect(fit.observations == c.nobs)
        #expect(Set(fit.names) == Set(c.coefficients.keys))
        for (term, value) in c.coefficients {
            let got = fit.coefficient(term)!
            #expect(relativeError(got, value, floor: 1e-8) <= 1e-10, "\(name) \(term): \(got) vs \(value)")
        }
        #expect(relativeError(fit.rSquared, c.rsquared) <= 1e-10)
        #expect(c.standardErrors.count >= 3)
        for (estimatorName, expected) in c.standardErrors {
            let estimator = VarianceEstimator(rawValue: estimatorName)!
            let se = try fit.covariance(estimator).standardErrors
            for (term, value) in expected {
                let got = se[fit.index(of: term)!]
                #expect(relativeError(got, value) <= 1e-10, "\(name) \(estimatorName) \(term): \(got) vs \(value)")
            }
        }
    }

    @Test("cluster-robust tests use G − 1 degrees of freedom")
    func clusterDegreesOfFreedom() throws {
        let table = try CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
        let fit = try LinearModel.fit(
            ModelSpecification(
                outcome: "lemp", covariates: ["treat", "lpop"],
                factors: ["year"], cluster: "countyreal"), table: table)
        let tab = try fit.coefficientTable(.cr1)
        #expect(tab.clusterCount == 500)
        #expect(tab.degreesOfFreedom == 499)
        let row = try #require(tab["treat"])
        let se = try #require(row.standardError), t = try #require(row.statistic)
        #expect(abs(t - row.estimate / se) < 1e-12)
        #expect(try #require(row.lower) < row.estimate && row.estimate < (try #require(row.upper)))
        #expect(row.inference == Inference(kind: .cluster, name: "cr1", type: "CR1", df: .clustersMinusOne, clusters: 500))
        #expect(row.degreesOfFreedom == 499)
    }
}

@Suite("Linear models: bad input")
struct LinearModelErrorTests {
    static let text = "y,a,b,c,g\n1,1,2,3,x\n2,2,1,3,y\n4,3,5,8,x\n3,4,3,7,y\n6,5,2,7,x\n5,6,8,14,y\n"

    @Test("a collinear column is named with the columns it is a combination of")
    func collinear() throws {
        let table = try CSVReader.read(text: Self.text)
        let result = Result { try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["a", "b", "c"]), table: table) }
        guard case .failure(let error) = result, let error = error as? RegressionError,
            case let .rankDeficient(rank, columns, deps) = error
        else {
            Issue.record("expected rank deficiency, got \(result)")
            return
        }
        #expect(rank == 3 && columns == 4)
        #expect(deps.count == 1 && deps[0].name == "c")
        #expect(Set(deps[0].partners) == ["a", "b"])
        #expect(error.description.contains("'c' = 1·a + 1·b"))
    }

    @Test("a constant covariate is collinear with the intercept")
    func constant() throws {
        let table = try CSVReader.read(text: "y,k,x\n1,2,1\n2,2,3\n3,2,2\n5,2,7\n")
        #expect(
            throws: RegressionError.rankDeficient(
                rank: 2, columns: 3,
                dependencies: [CollinearColumn(name: "k", partners: ["(Intercept)"], coefficients: [2])])
        ) {
            try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["k", "x"]), table: table)
        }
    }

    @Test("a missing column is named with a suggestion")
    func missingColumn() throws {
        let table = try CSVReader.read(text: Self.text)
        do {
            _ = try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["aa"]), table: table)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no column named 'aa'"))
        }
    }

    @Test("too few observations and invalid weights are errors")
    func tooFew() throws {
        let table = try CSVReader.read(text: "y,a,w\n1,1,1\n2,3,-1\n")
        #expect(throws: RegressionError.tooFewObservations(observations: 2, coefficients: 2)) {
            try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["a"]), table: table)
        }
        #expect(throws: RegressionError.invalidWeights(column: "w", row: 1, value: -1)) {
            try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["a"], weights: "w"), table: table)
        }
    }

    @Test("clustered SEs without a cluster variable are refused")
    func noCluster() throws {
        let table = try CSVReader.read(text: Self.text)
        let fit = try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["a"]), table: table)
        #expect(throws: RegressionError.self) { try fit.covariance(.cr1) }
    }

    @Test("factor with a chosen reference level; unknown reference is an error")
    func reference() throws {
        let table = try CSVReader.read(text: Self.text)
        let fit = try LinearModel.fit(ModelSpecification(outcome: "y", factors: ["g"], referenceLevels: ["g": "y"]), table: table)
        #expect(fit.names == ["(Intercept)", "g[T.x]"])
        // mean(y | g = x) − mean(y | g = y) = (1+4+6)/3 − (2+3+5)/3
        #expect(abs(fit.coefficient("g[T.x]")! - (11.0 / 3 - 10.0 / 3)) < 1e-12)
        #expect(throws: RegressionError.self) {
            try LinearModel.fit(ModelSpecification(outcome: "y", factors: ["g"], referenceLevels: ["g": "z"]), table: table)
        }
    }
}

@Suite("Linear models: degenerate data are errors, not NaN")
struct DegenerateDataTests {
    @Test("a constant outcome is refused")
    func constantOutcome() throws {
        let table = try CSVReader.read(text: "y,x\n2,1\n2,2\n2,3\n2,5\n")
        #expect {
            try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["x"]), table: table)
        } throws: { "\($0)".contains("the outcome has the same value (2) in every row") }
    }

    @Test("a perfect fit has no standard errors")
    func perfectFit() throws {
        let table = try CSVReader.read(text: "y,x\n3,1\n5,2\n7,3\n11,5\n")
        let fit = try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["x"]), table: table)
        #expect(abs(fit.coefficient("x")! - 2) < 1e-12)
        #expect {
            try fit.coefficientTable(.hc1)
        } throws: { "\($0)".contains("fits every observation exactly") }
    }
}
