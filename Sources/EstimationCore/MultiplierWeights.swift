/// The distribution of wild-bootstrap multipliers: mean 0, variance 1.
///
/// Shared by the wild cluster bootstrap (`Regression`), Callaway–Sant'Anna's multiplier bootstrap
/// (`StaggeredDiD`) and multisynth's wild bootstrap (`SyntheticControlMethods`).
public enum MultiplierWeights: String, Sendable, Codable, CaseIterable {
    /// ±1 with probability ½ each.
    case rademacher
    /// ±√(3/2), ±1, ±√(1/2), each with probability 1/6 (Webb 2023).
    case webb
    /// (1 − √5)/2 with probability (√5 + 1)/(2√5), else (1 + √5)/2 (Mammen 1993).
    case mammen

    /// One multiplier.
    public func draw(_ rng: inout SplitMix64) -> Double {
        switch self {
        case .rademacher: return rng.next() & 1 == 0 ? 1 : -1
        case .webb:
            let values = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1, (1.5).squareRoot()]
            return values[Int(rng.next() % 6)]
        case .mammen:
            let s5 = 5.0.squareRoot()
            return rng.uniform() < (s5 + 1) / (2 * s5) ? (1 - s5) / 2 : (1 + s5) / 2
        }
    }
}
