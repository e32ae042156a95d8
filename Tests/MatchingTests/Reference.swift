import Foundation
import TestSupport
import Tabular

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

    static let lalonde = try! CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
    static let nsw = try! CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
    static let covariates = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
}
