import Testing

@testable import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A 3×3 rotation as three rows, enough for the tests.
struct Mat3 {
  var r0, r1, r2: SIMD3<Double>
  static func * (m: Mat3, v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3((m.r0 * v).sum(), (m.r1 * v).sum(), (m.r2 * v).sum())
  }
  var transposed: Mat3 {
    Mat3(
      r0: SIMD3(r0.x, r1.x, r2.x), r1: SIMD3(r0.y, r1.y, r2.y), r2: SIMD3(r0.z, r1.z, r2.z))
  }
  /// From a unit quaternion (w, x, y, z).
  static func quaternion(_ w: Double, _ x: Double, _ y: Double, _ z: Double) -> Mat3 {
    Mat3(
      r0: SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
      r1: SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
      r2: SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)))
  }
  static func random(_ r: inout TestRNG) -> Mat3 {
    var q = SIMD4<Double>(
      r.normal(sigma: 1), r.normal(sigma: 1), r.normal(sigma: 1), r.normal(sigma: 1))
    q /= (q * q).sum().squareRoot()
    return quaternion(q.x, q.y, q.z, q.w)
  }
}

/// The vertical in trunk axes (x to the head, y to the left, z dorsal) for an extension θ and a
/// roll φ about the long axis, both in degrees.
func trunkUp(thetaDeg: Double, rollDeg: Double) -> SIMD3<Double> {
  let th = thetaDeg * .pi / 180
  let ph = rollDeg * .pi / 180
  return SIMD3(sin(th), cos(th) * sin(ph), cos(th) * cos(ph))
}

@Suite struct AngleTrackerTests {
  /// Feeds a still start, then θ(t), φ(t), through a random mount; returns (t, θ reading, truth).
  func run(
    mount: Mat3, stillSeconds: Double = 4, theta: (Double) -> Double, roll: (Double) -> Double,
    duration: Double, rate: Double = 100, tracker: ExtensionAngleTracker = ExtensionAngleTracker(),
    noise: Double = 0.02, seed: UInt64 = 1
  ) -> (ExtensionAngleTracker, [(Double, AngleReading, Double)]) {
    var tr = tracker
    var rng = TestRNG(seed: seed)
    var out: [(Double, AngleReading, Double)] = []
    let toSensor = mount.transposed
    for k in 0...Int(duration * rate) {
      let t = Double(k) / rate
      let th = t < stillSeconds ? 0 : theta(t)
      let ph = t < stillSeconds ? 0 : roll(t)
      let up = toSensor * trunkUp(thetaDeg: th, rollDeg: ph)
      let acc =
        up * 9.81
        + SIMD3(rng.normal(sigma: noise), rng.normal(sigma: noise), rng.normal(sigma: noise))
      let moving = t >= stillSeconds
      let gyr = SIMD3<Double>(repeating: moving ? 0.3 : rng.normal(sigma: 0.002))
      let r = tr.update(t: t, up: up, gyr: gyr, acc: acc)
      out.append((t, r, th))
    }
    return (tr, out)
  }

  /// θ: 0 until 5 s, rises to 20° by 7 s, holds, back to 0 at 15–17 s; a roll of 10° at 25–30 s
  /// lying down, and a roll of 8° during a second rep's hold at 40–45 s.
  static func theta(_ t: Double) -> Double {
    func ramp(_ a: Double, _ b: Double) -> Double { min(1, max(0, (t - a) / (b - a))) }
    return 20 * (ramp(5, 7) - ramp(15, 17)) + 22 * (ramp(35, 37) - ramp(50, 52))
  }
  static func roll(_ t: Double) -> Double {
    func ramp(_ a: Double, _ b: Double) -> Double { min(1, max(0, (t - a) / (b - a))) }
    return 10 * (ramp(25, 26) - ramp(29, 30)) + 8 * (ramp(40, 41) - ramp(44, 45))
  }

  @Test func signAndMagnitudeRightForAnyMountRollIgnored() {
    var r = TestRNG(seed: 42)
    for trial in 0..<25 {
      let mount = Mat3.random(&r)
      let (tracker, out) = run(
        mount: mount, theta: Self.theta, roll: Self.roll, duration: 55, seed: UInt64(trial))
      #expect(tracker.referenceSource == .initialStillness)
      #expect(tracker.hasAxis)
      var worst = 0.0
      var worstT = 0.0
      for (t, reading, truth) in out where t >= 8 {
        #expect(reading.isReady)
        let e = abs(reading.thetaDeg - truth)
        if e > worst {
          worst = e
          worstT = t
        }
      }
      // Roll of 8–10° changes the projected angle by at most ~0.3°; noise adds a little.
      #expect(worst < 0.6, "trial \(trial): worst error \(worst)° at t = \(worstT)")
      // The first rise reads positive and right during the learning.
      for (t, reading, truth) in out where t >= 5.5 && t < 8 {
        #expect(abs(reading.thetaDeg - truth) < 0.6, "trial \(trial) t \(t)")
      }
    }
  }

  @Test func notReadyBeforeStillnessThenZero() {
    var r = TestRNG(seed: 7)
    let (_, out) = run(mount: Mat3.random(&r), theta: { _ in 0 }, roll: { _ in 0 }, duration: 6)
    for (t, reading, _) in out {
      if t < 2.9 { #expect(!reading.isReady) }
      if t > 3.1 {
        #expect(reading.isReady)
        #expect(abs(reading.thetaDeg) < 0.2)
      }
    }
  }

  @Test func recordingStartingInMotionWarns() {
    var r = TestRNG(seed: 9)
    let (tracker, out) = run(
      mount: Mat3.random(&r), stillSeconds: 0, theta: { t in 3 * sin(t) }, roll: { _ in 0 },
      duration: 3)
    #expect(tracker.referenceSource == .firstSamples)
    #expect(out.last?.1.isReady == true)
  }

  @Test func calibrationSkipsLearning() {
    var r = TestRNG(seed: 11)
    let mount = Mat3.random(&r)
    let toSensor = mount.transposed
    let cal = AngleCalibration(
      referenceUp: toSensor * SIMD3(0, 0, 1), axis: toSensor * SIMD3(0, 1, 0))
    // The sign of the axis decides the sign of θ: find it from one rotated vertical.
    var tracker = ExtensionAngleTracker(calibration: cal)
    #expect(tracker.isReady)
    let up = toSensor * trunkUp(thetaDeg: 15, rollDeg: 0)
    let reading = tracker.update(t: 0, up: up, gyr: .zero, acc: up * 9.81)
    #expect(reading.isReady && reading.hasAxis)
    #expect(abs(abs(reading.thetaDeg) - 15) < 1e-6)
    // A roll alone reads as nothing.
    let rolled = toSensor * trunkUp(thetaDeg: 0, rollDeg: 12)
    let r2 = tracker.update(t: 0.01, up: rolled, gyr: .zero, acc: rolled * 9.81)
    #expect(abs(r2.thetaDeg) < 1e-6)
  }

  @Test func aRollBeforeTheFirstRiseDoesNotStealTheAxis() {
    var r = TestRNG(seed: 5)
    // A 9° roll at 5–9 s, then the rep at 15 s rising to 25°.
    func th(_ t: Double) -> Double {
      func ramp(_ a: Double, _ b: Double) -> Double { min(1, max(0, (t - a) / (b - a))) }
      return 25 * (ramp(15, 17) - ramp(30, 32))
    }
    func ro(_ t: Double) -> Double {
      func ramp(_ a: Double, _ b: Double) -> Double { min(1, max(0, (t - a) / (b - a))) }
      return 9 * (ramp(5, 6) - ramp(8, 9))
    }
    for trial in 0..<5 {
      let (_, out) = run(
        mount: Mat3.random(&r), theta: th, roll: ro, duration: 35, seed: UInt64(trial))
      // Once the rep has risen well past the roll, θ is right.
      for (t, reading, truth) in out where t >= 17.5 && t < 30 {
        #expect(abs(reading.thetaDeg - truth) < 0.6, "trial \(trial) t \(t) θ \(reading.thetaDeg)")
      }
    }
  }
}
