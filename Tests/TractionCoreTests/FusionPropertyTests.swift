import Foundation
import Testing

@testable import TractionCore

/// Properties over random attitudes, biases and numbers, from a seeded generator (reproducible).
@Suite struct FusionPropertyTests {
  /// Still sensor at any attitude with any plausible constant bias (±5 °/s per axis): after 30 s
  /// the bias is known to 0.05 °/s and the vertical to 0.05°.
  @Test func stillSensorAnyAttitudeAnyBias() {
    var rng = SeededRNG(seed: 11)
    for _ in 0..<20 {
      let upTrue = rng.unitVector()
      let bias =
        SIMD3(
          Double.random(in: -5...5, using: &rng), Double.random(in: -5...5, using: &rng),
          Double.random(in: -5...5, using: &rng)) * (.pi / 180)
      var f = InclinationFilter()
      for _ in 0..<6000 { f.update(gyr: bias, acc: upTrue * 9.81, dt: 0.005) }
      #expect(norm(f.bias - bias) * 180 / .pi < 0.05)
      #expect(angleDeg(f.up, upTrue) < 0.05)
      #expect(f.isSettled && f.isResting)
    }
  }

  /// A hold after a movement with a gyroscope scale error (3 %: the estimate is off by about a
  /// degree when the sensor stops) shows its true inclination within 0.3° after 4.5 s: rest is
  /// detected after 1.5 s, then the 1 s rest time constant applies.
  @Test func holdConvergesQuicklyAfterMovement() {
    var f = InclinationFilter()
    var upTrue = SIMD3<Double>(0, 0, 1)
    let dt = 0.005
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: upTrue * 9.81, dt: dt) }
    let w = SIMD3<Double>(0.8, 0.3, 0)
    for _ in 0..<Int(1.5 / dt) {
      upTrue = rotate(upTrue, by: -w * dt)
      f.update(gyr: w * 1.03, acc: upTrue * 9.81, dt: dt)
    }
    let errorAtStop = angleDeg(f.up, upTrue)
    for _ in 0..<Int(4.5 / dt) { f.update(gyr: .zero, acc: upTrue * 9.81, dt: dt) }
    #expect(errorAtStop > 0.5)
    #expect(f.isResting)
    #expect(angleDeg(f.up, upTrue) < 0.3)
  }

  /// Any finite double printed by Swift parses back to the same value.
  @Test func decimalRoundTrip() {
    var rng = SeededRNG(seed: 12)
    for _ in 0..<2000 {
      let value =
        Double.random(in: -1e6...1e6, using: &rng)
        * Foundation.pow(10, Double(Int.random(in: -30...30, using: &rng)))
      let text = "\(value)"
      let bytes = Array(text.utf8)
      #expect(bytes.withUnsafeBufferPointer { parseDecimal($0, 0, $0.count) } == value, "\(text)")
    }
  }
}
