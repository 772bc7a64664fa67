import Foundation

/// A small seeded random number generator: generated data must be the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A rank in 0..<count under Zipf's law (s = 1): rank r comes about 1/(r+1) as often as rank 0.
    /// Inverted from the continuous approximation, so a draw costs one log and one exp.
    mutating func zipf(count: Int) -> Int {
        let rank = exp(unit() * log(Double(count) + 1)) - 1
        return min(count - 1, Int(rank))
    }
}
