import Foundation
enum OLSBenchmark { static func run(in d: URL, peer: Bool) throws {} }
