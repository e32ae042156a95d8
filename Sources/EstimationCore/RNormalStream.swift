import Distributions

/// Standard normal draws identical to R's `set.seed(seed); rnorm(n)` (R ≥ 3.6 defaults).
///
/// R's default generator is the Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), seeded
/// by R's own scheme: the seed is scrambled by 50 steps of the congruential generator
/// `s ← 69069 s + 1 (mod 2³²)`, and the next 625 values fill the state (the first is the
/// position, reset to 624). Normal draws use R's default "Inversion": two uniforms
/// `u = ⌊2²⁷ u₁⌋ + u₂` give `Φ⁻¹(u / 2²⁷)`.
///
/// Used where a peer's published numbers depend on R's draws (HonestDiD's simulated
/// critical values); elsewhere the package draws from ``SplitMix64``. Checked against
/// `Rscript -e 'set.seed(0); rnorm(5)'` in the tests.
public struct RNormalStream: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    /// The stream R produces after `set.seed(seed)`.
    public init(seed: Int32) {
        var s = UInt32(bitPattern: seed)
        for _ in 0..<50 { s = 69069 &* s &+ 1 }
        // The first value seeds R's position slot, which is then reset to 624.
        s = 69069 &* s &+ 1
        for j in 0..<624 {
            s = 69069 &* s &+ 1
            state[j] = s
        }
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        for k in 0..<624 {
            let y = (state[k] & upper) | (state[(k + 1) % 624] & lower)
            state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
        }
        position = 0
    }

    /// The next uniform on (0, 1), as R's `unif_rand()`.
    public mutating func uniform() -> Double {
        if position >= 624 { twist() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        let value = Double(y) * 2.3283064365386963e-10
        // R's fixup keeps the value strictly inside (0, 1).
        let i2to32m1 = 2.328306437080797e-10
        if value <= 0 { return 0.5 * i2to32m1 }
        if 1 - value <= 0 { return 1 - 0.5 * i2to32m1 }
        return value
    }

    /// The next standard normal draw, as R's `norm_rand()` with inversion.
    public mutating func normal() -> Double {
        let big = 134_217_728.0
        var u = uniform()
        u = Double(Int(big * u)) + uniform()
        return Normal.standard.quantile(u / big)
    }

    /// The next `count` standard normal draws.
    public mutating func normals(_ count: Int) -> [Double] {
        (0..<count).map { _ in normal() }
    }
}
