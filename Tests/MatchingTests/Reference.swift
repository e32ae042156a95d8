import Foundation
import Tabular
import TestSupport

/// R reference values (see `Tests/Fixtures/Generators/matching_r.R`).
enum Reference {
    nonisolated(unsafe) static let json: [String: Any] = {
        let data = try! Data(contentsOf: TestData.fixture("MatchingTests", "matching_r.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// The value at a dotted path.
    static func value(_ path: String) -> Any? {
        var current: Any? = json
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        return current
    }

    static func number(_ path: String) -> Double { (value(path) as? NSNumber)!.doubleValue }
    static func numbers(_ path: String) -> [Double] { (value(path) as! [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    static func optionalInts(_ path: String) -> [Int?] { (value(path) as! [Any]).map { ($0 as? NSNumber)?.intValue } }

    /// A MatchIt match matrix written by `mi_out`: 0-based treated rows and, for each, its controls
    /// in match order (jsonlite writes a single control as a bare number).
    static func matchedSets(_ path: String) -> [(treated: Int, controls: [Int])] {
        let treated = numbers(path + ".treatedRows").map { Int($0) }
        let controls = (value(path + ".controlRows") as! [Any]).map { v -> [Int] in
            ((v as? [Any]) ?? [v]).compactMap { ($0 as? NSNumber)?.intValue }
        }
        return Array(zip(treated, controls))
    }

    static let lalonde = try! CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
    static let nsw = try! CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
    static let covariates = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
}
