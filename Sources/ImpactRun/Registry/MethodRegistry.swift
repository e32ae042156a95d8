import Foundation

/// Every analysis method `impact` knows: the one place a method is registered.
public enum MethodRegistry {
    /// The registered methods, in the order `impact --help` lists them.
    public static let all: [any AnalysisMethod.Type] = [
        RegressionAnalysis.self,
        QuantileAnalysis.self,
        MatchingAnalysis.self,
        WeightingAnalysis.self,
        AbadieImbensAnalysis.self,
        SyntheticControlAnalysis.self,
        AugmentedSyntheticControlAnalysis.self,
        SyntheticDiDAnalysis.self,
        MultisynthAnalysis.self,
        EventStudyAnalysis.self,
        StaggeredDiDAnalysis.self,
        SensitivityAnalysis.self,
        DoseAnalysis.self,
        CostEffectivenessAnalysis.self
    ]

    /// Every method name, in registry order.
    public static var names: [String] { all.flatMap { $0.names } }

    /// The method registered under `name`.
    public static func method(named name: String) -> (any AnalysisMethod.Type)? {
        all.first { $0.names.contains(name) }
    }

    /// One line per method name, for `impact --help`.
    public static var listing: String {
        all.map { m in "  \(m.names.joined(separator: ", "))".padding(toLength: 22, withPad: " ", startingAt: 0) + m.summary }
            .joined(separator: "\n")
    }

    /// The keys a method allows (its own and the common ones).
    static func allowedKeys(_ method: any AnalysisMethod.Type) -> [String] {
        AnalysisSpec.commonKeys + keys(of: method).map(\.name)
    }

    /// The keys a method declares, in declaration order.
    public static func keys(of method: any AnalysisMethod.Type) -> [any AnySettingKey] {
        func declared<M: AnalysisMethod>(_ m: M.Type) -> [any AnySettingKey] { M.Keys.all }
        return declared(method)
    }

    /// Decodes a method's settings from an analysis mapping.
    static func decode<M: AnalysisMethod>(_ method: M.Type, _ mapping: StrictMapping, name: String) throws -> (any AnalysisMethod, [ColumnRequirement]) {
        let reader = SettingsReader<M.Keys>(mapping)
        let instance = try M(reader, name: name)
        return (instance, reader.columns)
    }
}
