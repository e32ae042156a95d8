// ImpactEval: the statistics behind one import, as swift-numerics' `Numerics` re-exports
// `RealModule` and `ComplexModule`: estimators, tables and CSV, reports and plots. The config layer
// (`import ImpactRun`) and Stata/SPSS/SAS files (`import StatisticalFiles`) are products of their own,
// so a package that needs neither builds no YAML parser and needs no ReadStat.
//
// ```swift
// import ImpactEval
//
// let table = try CSVReader.read(path: "nsw.tsv")
// let fit = try LinearModel.fit(ModelSpecification(outcome: "re78", covariates: ["t"]), table: table)
// let hc1 = try fit.coefficientTable(.hc1, level: 0.95)
// ```
@_exported import Distributions
@_exported import DoseResponse
@_exported import EconomicEvaluation
@_exported import EstimationCore
@_exported import LinearAlgebra
@_exported import Matching
@_exported import Plotting
@_exported import Regression
@_exported import Reporting
@_exported import StaggeredDiD
@_exported import SyntheticControlMethods
@_exported import Tabular
