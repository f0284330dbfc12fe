import Foundation
import Testing

@testable import TractionCore

/// Synthetic checks that pin the conventions and the behaviour of `InclinationFilter`.
@Suite struct FusionInclinationFilterTests {
  let g = 9.81
  let dt = 0.005  // 200 Hz

  @Test func convergesToGravityFromArbitraryOrientations() {
    var rng = SeededRNG(seed: 1)
    for _ in 0..<8 {
      let upTrue = rng.unitVector()
      var f = InclinationFilter()
      #expect(!f.isSettled)
      #expect(f.status == .startingUp)
      for _ in 0..<Int(10 / dt) {
        f.update(gyr: rng.gaussian3(0.003), acc: upTrue * g + rng.gaussian3(0.03), dt: dt)
      }
      #expect(f.isSettled)
      #expect(angleDeg(f.up, upTrue) < 0.1)
      #expect(abs(norm(f.up) - 1) < 1e-12)
    }
  }

  /// A slow steady turn (3°/s about the vertical, so the accelerometer does not change) after a
  /// calibration at rest is motion, not a new bias: the estimate keeps following the gyroscope
  /// when the sensor then tilts.
  @Test func slowSteadyTurnIsNotRest() {
    var f = InclinationFilter()
    let upTrue = SIMD3<Double>(0, 0, 1)
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    #expect(f.isResting && f.isBiasCalibrated)
    let yaw = SIMD3<Double>(0, 0, 3 * .pi / 180)
    for _ in 0..<Int(10 / dt) { f.update(gyr: yaw, acc: upTrue * g, dt: dt) }
    #expect(!f.isResting)
    #expect(norm(f.bias) < 0.2 * 3 * .pi / 180)
  }

  /// The accelerometer is in m/s² (the rest threshold is 0.5 m/s²): a steady 11°/s tumble about a
  /// horizontal axis from power-on moves the specific force by about 1 m/s² against its 0.5 s
  /// low-pass, so it is not rest (fed in g units it would pass for rest, and the turn would be
  /// taken for a bias). A turn about the vertical cannot be told from a bias before calibration.
  @Test func unitsAreMetresPerSecondSquared() {
    var a = InclinationFilter()
    var upTrue = SIMD3<Double>(0.3, -0.5, 0.8) / norm(SIMD3(0.3, -0.5, 0.8))
    let axis = SIMD3<Double>(0, upTrue.z, -upTrue.y) / norm(SIMD3(0, upTrue.z, -upTrue.y))
    let w = axis * 0.19
    for _ in 0..<Int(20 / dt) {
      upTrue = rotate(upTrue, by: -w * dt)
      a.update(gyr: w, acc: upTrue * g, dt: dt)
    }
    #expect(!a.isResting)
    #expect(norm(a.bias) < 0.01 * norm(w))
    #expect(angleDeg(a.up, upTrue) < 0.05)
  }

  /// A sensor turning positively (right-handed) about its x axis raises its y axis: the vertical
  /// seen in the sensor frame moves from +z toward +y. The gyroscope is in rad/s: 1 rad/s for
  /// 0.3 s is 17.2°. The accelerometer is held at the start direction, so only the gyroscope can
  /// move the estimate this quickly (the low-pass needs seconds).
  @Test func rotationSignAndGyroUnits() {
    var f = InclinationFilter()
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: SIMD3(0, 0, g), dt: dt) }
    for _ in 0..<Int(0.3 / dt) { f.update(gyr: SIMD3(1, 0, 0), acc: SIMD3(0, 0, g), dt: dt) }
    let expected = SIMD3<Double>(0, Foundation.sin(0.3), Foundation.cos(0.3))
    #expect(f.up.y > 0)
    #expect(abs(f.up.x) < 1e-9)
    #expect(angleDeg(f.up, expected) < 1.0)
  }

  /// With a latency d, `up` is the latency-free estimate turned on by ω·d: 1 rad/s for 10 ms is
  /// 0.573°, toward +y for a turn about +x.
  @Test func latencyPredictsAlongTheTurn() {
    var plain = InclinationFilter()
    var predicted = InclinationFilter(parameters: .init(latency: 0.01))
    for _ in 0..<Int(10 / dt) {
      plain.update(gyr: .zero, acc: SIMD3(0, 0, g), dt: dt)
      predicted.update(gyr: .zero, acc: SIMD3(0, 0, g), dt: dt)
    }
    #expect(angleDeg(plain.up, predicted.up) < 1e-9)
    plain.update(gyr: SIMD3(1, 0, 0), acc: SIMD3(0, 0, g), dt: dt)
    predicted.update(gyr: SIMD3(1, 0, 0), acc: SIMD3(0, 0, g), dt: dt)
    #expect(abs(angleDeg(plain.up, predicted.up) - 0.573) < 0.002)
    #expect(predicted.up.y > plain.up.y)
    #expect(abs(norm(predicted.up) - 1) < 1e-12)
  }

  @Test func followsAFastTurnWithConsistentAccelerometer() {
    var f = InclinationFilter()
    var upTrue = SIMD3<Double>(0, 0, 1)
    for _ in 0..<Int(8 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    // 90°/s about a skew axis for 2 s: 180° of turn.
    let axis = SIMD3<Double>(1, 2, 0.5) / norm(SIMD3(1, 2, 0.5))
    let w = axis * (.pi / 2)
    var worst = 0.0
    for _ in 0..<Int(2 / dt) {
      upTrue = rotate(upTrue, by: -w * dt)
      f.update(gyr: w, acc: upTrue * g, dt: dt)
      worst = max(worst, angleDeg(f.up, upTrue))
    }
    #expect(worst < 0.1)
  }

  @Test func learnsAConstantBiasAtRest() {
    var rng = SeededRNG(seed: 2)
    let bias = SIMD3<Double>(0.02, -0.015, 0.01)  // about 1.5°/s
    let upTrue = SIMD3<Double>(0.2, 0.1, 0.97) / norm(SIMD3(0.2, 0.1, 0.97))
    var f = InclinationFilter()
    var resting = false
    for k in 0..<Int(30 / dt) {
      f.update(gyr: bias + rng.gaussian3(0.003), acc: upTrue * g + rng.gaussian3(0.03), dt: dt)
      if k == Int(1 / dt) { #expect(!f.isResting) }  // rest needs 1.5 s of quiet
      resting = f.isResting
    }
    #expect(resting)
    #expect(f.status == .resting)
    #expect(f.isBiasCalibrated)
    #expect(norm(f.bias - bias) < 0.0005)
    #expect(angleDeg(f.up, upTrue) < 0.2)
  }

  /// Without any rest, a bias shows as drift against the accelerometer; the filter must learn the
  /// components it can observe as the sensor turns through different attitudes.
  @Test func learnsABiasInMotion() {
    let bias = SIMD3<Double>(0.01, -0.008, 0.006)
    var f = InclinationFilter()
    var noBias = InclinationFilter(parameters: .init(biasTimeConstantMotion: 1e12))
    var upTrue = SIMD3<Double>(0, 0, 1)
    var sum2 = 0.0
    var sum2NoBias = 0.0
    var n = 0
    let seconds = 600.0
    for k in 0..<Int(seconds / dt) {
      let t = Double(k) * dt
      // A slow tumble through many attitudes.
      let w = SIMD3(
        0.6 * Foundation.sin(0.31 * t), 0.5 * Foundation.cos(0.23 * t),
        0.4 * Foundation.sin(0.17 * t + 1))
      upTrue = rotate(upTrue, by: -w * dt)
      f.update(gyr: w + bias, acc: upTrue * g, dt: dt)
      noBias.update(gyr: w + bias, acc: upTrue * g, dt: dt)
      if t > seconds - 100 {
        sum2 += pow(angleDeg(f.up, upTrue), 2)
        sum2NoBias += pow(angleDeg(noBias.up, upTrue), 2)
        n += 1
      }
    }
    #expect(!f.isResting)
    #expect(norm(f.bias - bias) < 0.3 * norm(bias))
    #expect((sum2 / Double(n)).squareRoot() < 0.5 * (sum2NoBias / Double(n)).squareRoot())
  }

  /// Fast back-and-forth translation (±5 m/s² at 1 Hz about a fixed point, no rotation) must
  /// barely tilt the estimate, where trusting the accelerometer would tilt it by up to 27°.
  @Test func rejectsOscillatingLinearAcceleration() {
    let upTrue = SIMD3<Double>(0, 0.3, 0.95) / norm(SIMD3(0, 0.3, 0.95))
    let horizontal = SIMD3<Double>(1, 0, 0)
    var f = InclinationFilter()
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    var worst = 0.0
    for k in 0..<Int(10 / dt) {
      let t = Double(k) * dt
      let a = horizontal * (5 * Foundation.cos(2 * .pi * t))
      f.update(gyr: .zero, acc: upTrue * g + a, dt: dt)
      worst = max(worst, angleDeg(f.up, upTrue))
    }
    #expect(worst < 0.5)
  }

  /// Taps: a 40 m/s² knock of 10 ms and its 10 ms rebound (the board does not fly away), twice a
  /// second while turning slowly.
  @Test func shrugsOffTaps() {
    var f = InclinationFilter()
    var upTrue = SIMD3<Double>(0.1, 0, 0.99) / norm(SIMD3(0.1, 0, 0.99))
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    let w = SIMD3<Double>(0, 0.2, 0.1)
    var worst = 0.0
    for k in 0..<Int(20 / dt) {
      upTrue = rotate(upTrue, by: -w * dt)
      let phase = k % 100
      let tap = SIMD3<Double>(0, phase < 2 ? 40 : (phase < 4 ? -40 : 0), 0)
      f.update(gyr: w, acc: upTrue * g + tap, dt: dt)
      worst = max(worst, angleDeg(f.up, upTrue))
    }
    #expect(worst < 0.5)
  }

  @Test func settlesAfterTwoTimeConstantsAndSurvivesBadSamples() {
    var f = InclinationFilter(parameters: .init(accTimeConstant: 2))
    let upTrue = SIMD3<Double>(0, 0, 1)
    for _ in 0..<Int(3.9 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    #expect(!f.isSettled)
    for _ in 0..<Int(0.2 / dt) { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    #expect(f.isSettled)
    // A NaN sample and a long gap neither poison nor destabilise the state.
    f.update(gyr: SIMD3(.nan, 0, 0), acc: upTrue * g, dt: dt)
    f.update(gyr: .zero, acc: SIMD3(0, .infinity, 0), dt: dt)
    f.update(gyr: .zero, acc: upTrue * g, dt: 5)
    for _ in 0..<10 { f.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    #expect(angleDeg(f.up, upTrue) < 0.01)
    #expect(f.bias.x.isFinite)
  }

  /// A flick beyond the gyroscope's range (12 rad/s read as 8.7 rad/s, 500 °/s, for 0.3 s) leaves
  /// the integrated vertical about 56° off. Knowing the range, the filter restarts its low-pass
  /// and is back within 1° 2 s later (reporting `.recovering` meanwhile); without it, it is not.
  @Test func recoversFromGyroscopeSaturation() {
    let range = 500 * Double.pi / 180
    var aware = InclinationFilter(parameters: .init(gyroSaturation: range))
    var unaware = InclinationFilter()
    var upTrue = SIMD3<Double>(0, 0, 1)
    for _ in 0..<Int(10 / dt) {
      aware.update(gyr: .zero, acc: upTrue * g, dt: dt)
      unaware.update(gyr: .zero, acc: upTrue * g, dt: dt)
    }
    let w = SIMD3<Double>(12, 0, 0)
    let read = SIMD3<Double>(range, 0, 0)
    for _ in 0..<Int(0.3 / dt) {
      upTrue = rotate(upTrue, by: -w * dt)
      aware.update(gyr: read, acc: upTrue * g, dt: dt)
      unaware.update(gyr: read, acc: upTrue * g, dt: dt)
    }
    #expect(aware.status == .recovering)
    #expect(!aware.isSettled)
    for _ in 0..<Int(2 / dt) {
      aware.update(gyr: .zero, acc: upTrue * g, dt: dt)
      unaware.update(gyr: .zero, acc: upTrue * g, dt: dt)
    }
    #expect(angleDeg(aware.up, upTrue) < 1)
    #expect(angleDeg(unaware.up, upTrue) > 5)
    for _ in 0..<Int(5 / dt) { aware.update(gyr: .zero, acc: upTrue * g, dt: dt) }
    #expect(aware.isSettled)
  }

  /// The readings stop for 1.5 s while the sensor tilts by 12° (a rise in a long gap), with a
  /// 0.5 °/s bias learnt before. Told that the motion is unknown, the filter is within 0.75° of the
  /// new vertical after 0.5 s and keeps its bias; otherwise it is still 6° off 1 s later.
  @Test func takesTheNewVerticalAfterALongGap() {
    let bias = SIMD3<Double>(0.5, 0, 0) * (.pi / 180)
    var told = InclinationFilter(parameters: .trunkWorn)
    var untold = told
    for _ in 0..<Int(20 / dt) {
      told.update(gyr: bias, acc: SIMD3(0, 0, g), dt: dt)
      untold.update(gyr: bias, acc: SIMD3(0, 0, g), dt: dt)
    }
    #expect(angleDeg(told.bias, bias) < 1 && abs(norm(told.bias) - norm(bias)) < 0.02 * norm(bias))
    let upTrue = rotate(SIMD3(0, 0, 1), by: SIMD3(12 * .pi / 180, 0, 0))
    told.motionUnknown()
    for k in 0..<Int(3 / dt) {
      let n = SIMD3<Double>(0.01 * sin(Double(k)), 0.01 * cos(Double(k)), 0)
      told.update(gyr: bias, acc: upTrue * g + n, dt: dt)
      untold.update(gyr: bias, acc: upTrue * g + n, dt: dt)
      if k >= Int(0.5 / dt) && k <= Int(1.5 / dt) {
        #expect(angleDeg(told.up, upTrue) < 0.75)
      }
      if k == Int(1 / dt) {
        #expect(angleDeg(untold.up, upTrue) > 3)
      }
    }
    #expect(angleDeg(told.up, upTrue) < 0.1)
    // The catch-up was the missed turn, not a bias.
    #expect(norm(told.bias - bias) < 0.05 * .pi / 180)
  }

  /// Switched on while moving, with a 1 °/s bias: no calibration is claimed during the motion,
  /// and a 10 s rest afterwards calibrates the bias and brings the vertical back within 0.1°.
  @Test func poweredOnWhileMovingThenRests() {
    let bias = SIMD3<Double>(1, -0.5, 0.3) * (.pi / 180)
    var f = InclinationFilter()
    var upTrue = SIMD3<Double>(0.2, -0.3, 0.93) / norm(SIMD3(0.2, -0.3, 0.93))
    for k in 0..<Int(30 / dt) {
      let t = Double(k) * dt
      let w = SIMD3(0.8 * Foundation.sin(1.1 * t), 0.6 * Foundation.cos(0.7 * t), 0.3)
      upTrue = rotate(upTrue, by: -w * dt)
      f.update(gyr: w + bias, acc: upTrue * g, dt: dt)
    }
    #expect(!f.isBiasCalibrated)
    #expect(f.status == .moving)
    for _ in 0..<Int(10 / dt) { f.update(gyr: bias, acc: upTrue * g, dt: dt) }
    #expect(f.isBiasCalibrated)
    #expect(norm(f.bias - bias) * 180 / .pi < 0.05)
    #expect(angleDeg(f.up, upTrue) < 0.1)
  }

  /// Nonsense parameters are replaced by usable ones, and an all-zero accelerometer (free fall or
  /// a dead sensor) does not produce NaN.
  @Test func survivesNonsenseParametersAndZeroAcceleration() {
    var f = InclinationFilter(
      parameters: .init(
        accTimeConstant: -1, biasTimeConstantMotion: 0, biasTimeConstantRest: .nan,
        maxBias: .infinity, latency: -0.5))
    #expect(f.parameters.accTimeConstant >= 0.1)
    #expect(f.parameters.latency == 0)
    #expect(f.parameters.maxBias.isFinite)
    for _ in 0..<2000 { f.update(gyr: SIMD3(0.1, 0, 0), acc: .zero, dt: dt) }
    #expect(f.up.x.isFinite && f.bias.x.isFinite)
    for _ in 0..<Int(10 / dt) { f.update(gyr: .zero, acc: SIMD3(0, g, 0), dt: dt) }
    #expect(angleDeg(f.up, SIMD3(0, 1, 0)) < 0.1)
  }
}
