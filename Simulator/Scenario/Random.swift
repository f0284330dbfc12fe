import Foundation

/// A small seeded generator so a session is the same on every machine and Swift version
/// (the standard library's generators are not specified to be stable). xoshiro256** seeded
/// through SplitMix64, as its authors recommend; normals by Box–Muller.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64
  private var spareNormal: Double?

  public init(seed: UInt64) {
    var sm = seed
    s0 = SeededRandom.splitMix(&sm)
    s1 = SeededRandom.splitMix(&sm)
    s2 = SeededRandom.splitMix(&sm)
    s3 = SeededRandom.splitMix(&sm)
    spareNormal = nil
  }

  /// An independent stream derived from `seed` and a stream number, so that, for example, the
  /// noise does not change when the plan draws one more number.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD134_2543_DE82_EF95) &+ stream &* 0x9E37_79B9_7F4A_7C15)
  }

  static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  @inline(__always)
  private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = SeededRandom.rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = SeededRandom.rotl(s3, 45)
    return result
  }

  /// Uniform in [0, 1) with 53 random bits.
  public mutating func unit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    lo + (hi - lo) * unit()
  }

  /// Uniform integer in the closed range.
  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    let span = UInt64(range.upperBound - range.lowerBound) + 1
    return range.lowerBound + Int(next() % span)
  }

  public mutating func bool(_ p: Double = 0.5) -> Bool { unit() < p }

  /// A random sign, -1 or +1.
  public mutating func sign() -> Double { bool() ? 1 : -1 }

  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  public mutating func normal() -> Double {
    if let z = spareNormal {
      spareNormal = nil
      return z
    }
    var u1 = unit()
    while u1 <= 0 { u1 = unit() }
    let u2 = unit()
    let r = (-2 * log(u1)).squareRoot()
    let a = 2 * Double.pi * u2
    spareNormal = r * sin(a)
    return r * cos(a)
  }

  public mutating func normal(sigma: Double) -> Double { sigma * normal() }
}

extension SeededRandom {
  /// SplitMix64's step, exposed so a test can pin it to the published reference values.
  public static func splitMixForTesting(_ state: inout UInt64) -> UInt64 { splitMix(&state) }
}
