import Foundation
import TractionCore

/// A smooth change of a level by `delta` between `t0` and `t1`. The quintic profile keeps
/// position, speed and acceleration continuous, so the accelerometer sees no false steps.
public struct Transition: Sendable, Equatable {
  public var t0: Double
  public var t1: Double
  public var delta: Double

  public init(t0: Double, t1: Double, delta: Double) {
    self.t0 = t0
    self.t1 = t1
    self.delta = delta
  }

  @inline(__always)
  public func value(at t: Double) -> Double {
    if t <= t0 { return 0 }
    if t >= t1 { return delta }
    return delta * smoothStep5((t - t0) / (t1 - t0))
  }
}

/// A level built from transitions: 0 before the first, the sum of the deltas after the last.
public struct LevelTrack: Sendable, Equatable {
  public var transitions: [Transition] = []

  public init(_ transitions: [Transition] = []) { self.transitions = transitions }

  @inline(__always)
  public func value(at t: Double) -> Double {
    var v = 0.0
    for tr in transitions {
      if t <= tr.t0 { continue }
      v += tr.value(at: t)
    }
    return v
  }

  mutating func add(_ t0: Double, _ t1: Double, _ delta: Double) {
    transitions.append(Transition(t0: t0, t1: t1, delta: delta))
  }

  /// A bump: up by `height` over `up` s, stay `hold` s, back down over `down` s.
  mutating func bump(at t0: Double, height: Double, up: Double, hold: Double, down: Double) {
    add(t0, t0 + up, height)
    add(t0 + up + hold, t0 + up + hold + down, -height)
  }
}

/// One planned repetition: its phase times and the events it is labelled with.
public struct RepPlan: Sendable, Equatable {
  public var variant: ExerciseVariant
  public var riseStart: Double
  public var riseEnd: Double
  public var lowerStart: Double
  public var lowerEnd: Double
  /// The traction plateau height, degrees.
  public var plateauDeg: Double
  /// Holds with `meanDeg` filled in from the true angle once ripple is set aside.
  public var holds: [Hold]
  public var breathSteps: [BreathStep]
}

/// A body-moving distractor as placed in the session (for tests and the corpus index).
public struct DistractorEvent: Sendable, Equatable {
  public var kind: Distractor
  public var start: Double
  public var end: Double
  /// Peak size: degrees for fidget/cough/glance/roll, m/s² for a tap.
  public var size: Double
}

/// An impulse added to the sensor's reading with no body motion (a finger tapping the sensor).
public struct TapImpulse: Sendable, Equatable {
  public var t0: Double
  public var duration: Double
  public var acc: SIMD3<Double>
  public var gyr: SIMD3<Double>

  @inline(__always)
  func shape(at t: Double) -> Double {
    if t < t0 || t > t0 + duration { return 0 }
    return sin(Double.pi * (t - t0) / duration)
  }
}

/// A short translational shake of the body in the world frame (a cough): a Gaussian-windowed
/// sine, smooth so its second derivative is the acceleration spike.
public struct Jolt: Sendable, Equatable {
  public var tc: Double
  public var sigma: Double
  public var freqHz: Double
  public var amplitude: SIMD3<Double>

  @inline(__always)
  func displacement(at t: Double) -> SIMD3<Double> {
    let x = (t - tc) / sigma
    if abs(x) > 6 { return .zero }
    return amplitude * (exp(-x * x) * sin(2 * Double.pi * freqHz * (t - tc)))
  }
}

/// How one IMU errs, drawn from the seed.
public struct IMUErrorParameters: Sendable, Equatable {
  public var accelSigma: Double
  public var gyroSigma: Double
  public var accelBias: SIMD3<Double>
  public var gyroBias: SIMD3<Double>
  /// Random-walk intensity of the gyro bias, rad/s per √s.
  public var gyroDriftPerRootSecond: Double
  public var quantised: Bool

  public static let ideal = IMUErrorParameters(
    accelSigma: 0, gyroSigma: 0, accelBias: .zero, gyroBias: .zero, gyroDriftPerRootSecond: 0,
    quantised: false)

  /// ±4 g over 16 bits and ±500 °/s over 16 bits (MPU-6050 settings).
  public static let accelLSB = 8 * standardGravity / 65536
  public static let accelRange = 4 * standardGravity
  public static let gyroLSB = 1000.0 / 65536 * Double.pi / 180
  public static let gyroRange = 500.0 * Double.pi / 180
}

public let standardGravity = 9.80665

/// The fixed description of one simulated session: the schedule of the exercise and the
/// distractors, the sensor mounting, the error parameters, and the labels. Small (a few
/// entries per rep); the samples are produced from it by `SessionGenerator`, one at a time.
public struct SessionPlan: Sendable {
  public let config: ScenarioConfig
  /// Total length, seconds.
  public let duration: Double
  /// The still period at the start that defines θ = 0.
  public let initialStill: Double
  public let reps: [RepPlan]
  public let distractorEvents: [DistractorEvent]
  public let taps: [TapImpulse]
  public let jolts: [Jolt]
  /// Spans with no samples (`gap`).
  public let gaps: [ClosedRange<Double>]
  /// Probability of dropping a sample after the initial still period (`drop`), and one
  /// nominal sample index that is always dropped so the distractor shows at least once.
  public let dropProbability: Double
  public let forcedDropIndex: Int?
  /// Standard deviation of the sample-time jitter, seconds.
  public let jitterSigma: Double
  /// The true sample period over the nominal one (`jitter`: the sensor's clock is off by up
  /// to ±2 %, as an MPU-6050's internal oscillator is); 1 otherwise.
  public let periodScale: Double

  /// Sensor orientation in the trunk frame (x toward the head, y to the left, z dorsal, up when
  /// lying prone): a vector in sensor axes times this gives trunk axes.
  public let mounting: Rotation3
  /// Sensor position from the pivot near the pelvis, trunk frame, metres.
  public let sensorOffset: SIMD3<Double>
  public let sacrumMounting: Rotation3
  public let sacrumOffset: SIMD3<Double>
  /// Anterior pelvic tilt reached on the elbows, degrees (the pelvis angle goes to minus this).
  public let pelvisTiltDeg: Double
  public let imuErrors: IMUErrorParameters
  public let sacrumErrors: IMUErrorParameters

  // Load cell and squeeze.
  public let loadBaseN: Double
  public let elbowWeightN: Double
  public let loadNoiseN: Double
  public let squeezeNoiseN: Double
  let driveTrack: LevelTrack
  let squeezeTrack: LevelTrack

  // The angle.
  let exerciseTrack: LevelTrack
  let distractorTrack: LevelTrack
  let rollTrack: LevelTrack
  let ripple: RippleModel
  let tremor: TremorModel

  public let labels: SessionLabels

  public init(_ config: ScenarioConfig) throws(ScenarioError) {
    try config.validate()
    self.config = config
    var rng = SeededRandom(seed: config.seed, stream: 1)
    var drng = SeededRandom(seed: config.seed, stream: 5)

    // Mounting: any yaw on the back, a tilt up to the limit about a random horizontal axis.
    func randomMount(_ r: inout SeededRandom, maxTilt: Double) -> Rotation3 {
      let yaw = r.uniform(0, 2 * .pi)
      let tilt = rad(r.uniform(0, maxTilt))
      let dir = r.uniform(0, 2 * .pi)
      return Rotation3.about(axis: SIMD3(cos(dir), sin(dir), 0), angle: tilt) * .aboutZ(yaw)
    }
    mounting = randomMount(&rng, maxTilt: config.maxMountTiltDeg)
    sensorOffset = SIMD3(rng.uniform(0.35, 0.45), rng.uniform(-0.03, 0.03), rng.uniform(0.08, 0.14))
    sacrumMounting = randomMount(&rng, maxTilt: min(config.maxMountTiltDeg, 15))
    sacrumOffset = SIMD3(rng.uniform(-0.03, 0.05), rng.uniform(-0.02, 0.02), rng.uniform(0.08, 0.12))
    pelvisTiltDeg = rng.uniform(1, 4)

    // Sensor errors.
    func errors(_ r: inout SeededRandom) -> IMUErrorParameters {
      if config.sensorErrors == .ideal { return .ideal }
      return IMUErrorParameters(
        accelSigma: r.uniform(0.015, 0.06), gyroSigma: r.uniform(0.0008, 0.004),
        accelBias: SIMD3(r.normal(sigma: 0.04), r.normal(sigma: 0.04), r.normal(sigma: 0.06)),
        gyroBias: SIMD3(r.normal(sigma: 0.008), r.normal(sigma: 0.008), r.normal(sigma: 0.008)),
        gyroDriftPerRootSecond: r.uniform(0.0001, 0.0006),
        quantised: config.sensorErrors == .quantised)
    }
    imuErrors = errors(&rng)
    sacrumErrors = errors(&rng)
    loadBaseN = rng.uniform(0, 3)
    elbowWeightN = rng.uniform(60, 150)
    loadNoiseN = rng.uniform(0.3, 1.5)
    squeezeNoiseN = rng.uniform(1, 3)

    ripple = config.motionTexture ? RippleModel(&rng) : .none
    tremor = config.motionTexture ? TremorModel(&rng) : .none

    // Reps and their variants.
    let n = config.repCount ?? rng.int(ScenarioConfig.repRange)
    var variants: [ExerciseVariant] = []
    for _ in 0..<n {
      switch config.variant {
      case .basic: variants.append(.basic)
      case .anchored: variants.append(.anchored)
      case .mixed: variants.append(rng.bool() ? .basic : .anchored)
      }
    }
    if config.variant == .mixed && n >= 2 && Set(variants).count == 1 {
      let i = rng.int(0...(n - 1))
      variants[i] = variants[i] == .basic ? .anchored : .basic
    }

    // Motion distractors, assigned to the rests: slot 0 before the first rep (after the still
    // start), slot i after rep i.
    var pending: [[PendingEvent]] = Array(repeating: [], count: n + 1)
    for kind in Distractor.allCases where kind.isMotion && config.distractors.contains(kind) {
      let count: Int
      switch kind {
      case .fidget: count = drng.int(1...3)
      case .cough, .glance: count = drng.int(1...2)
      default: count = 1
      }
      for _ in 0..<count {
        pending[drng.int(0...n)].append(PendingEvent(kind: kind, rng: &drng))
      }
    }

    var exercise = LevelTrack()
    var distractor = LevelTrack()
    var roll = LevelTrack()
    var drive = LevelTrack()
    var squeeze = LevelTrack()
    var repPlans: [RepPlan] = []
    var events: [DistractorEvent] = []
    var jolts: [Jolt] = []
    let edgeMargin = 1.5

    // Places a slot's events from `start`; returns where the slot's events end.
    func place(_ slot: [PendingEvent], from start: Double) -> Double {
      var c = start + edgeMargin
      for (i, e) in slot.enumerated() {
        if i > 0 { c += drng.uniform(1, 3) }
        e.apply(at: c, theta: &distractor, roll: &roll, jolts: &jolts)
        events.append(DistractorEvent(kind: e.kind, start: c, end: c + e.length, size: e.size))
        c += e.length
      }
      return c + edgeMargin
    }

    initialStill = rng.uniform(4, 8)
    var t = initialStill
    if !pending[0].isEmpty { t = place(pending[0], from: t) }
    for i in 0..<n {
      let variant = variants[i]
      let lead = variant == .anchored ? rng.uniform(0.5, 1.2) : rng.uniform(0, 0.3)
      let riseStart = t + lead
      if variant == .anchored {
        let s = rng.uniform(80, 250)
        let on = riseStart - lead * 0.9
        squeeze.add(on, on + rng.uniform(0.3, 0.6), s)
        var rp = Self.buildRep(variant, riseStart: riseStart, &rng, &exercise)
        let off = rp.lowerStart + rng.uniform(0, 0.5)
        squeeze.add(off, off + rng.uniform(0.5, 1.0), -s)
        Self.addDrive(&rp, &rng, &drive)
        repPlans.append(rp)
      } else {
        var rp = Self.buildRep(variant, riseStart: riseStart, &rng, &exercise)
        Self.addDrive(&rp, &rng, &drive)
        repPlans.append(rp)
      }
      if config.motionTexture {
        // Nobody rises perfectly square: a little roll comes and goes with the rise.
        let lean = rng.uniform(-1.5, 1.5)
        roll.add(repPlans[i].riseStart, repPlans[i].riseEnd, lean)
        roll.add(repPlans[i].lowerStart, repPlans[i].lowerEnd, -lean)
      }
      let lowerEnd = repPlans[i].lowerEnd
      let rest = i == n - 1 ? rng.uniform(3, 8) : rng.uniform(4, 15)
      let needed = pending[i + 1].isEmpty ? 0 : place(pending[i + 1], from: lowerEnd) - lowerEnd
      t = lowerEnd + max(rest, needed)
    }
    duration = t
    self.jolts = jolts
    exerciseTrack = exercise
    distractorTrack = distractor
    rollTrack = roll
    driveTrack = drive
    squeezeTrack = squeeze

    // Non-motion distractors.
    var taps: [TapImpulse] = []
    if config.distractors.contains(.tap) {
      for _ in 0..<drng.int(1...4) {
        let t0 = drng.uniform(initialStill + 0.5, duration - 0.5)
        let d = max(drng.uniform(0.01, 0.04), 1.2 / config.rateHz)
        var dir = SIMD3(drng.normal(sigma: 0.3), drng.normal(sigma: 0.3), -1.0)
        dir /= (dir * dir).sum().squareRoot()
        let axis = SIMD3(drng.normal(), drng.normal(), drng.normal())
        let an = max((axis * axis).sum().squareRoot(), 1e-9)
        let m = drng.uniform(5, 30)
        taps.append(
          TapImpulse(
            t0: t0, duration: d, acc: dir * m * drng.sign(), gyr: axis / an * drng.uniform(0.05, 0.4)))
        events.append(DistractorEvent(kind: .tap, start: t0, end: t0 + d, size: m))
      }
    }
    self.taps = taps
    var gaps: [ClosedRange<Double>] = []
    if config.distractors.contains(.gap) {
      for _ in 0..<drng.int(1...2) {
        let g0 = drng.uniform(initialStill + 1, max(initialStill + 1.1, duration - 2))
        let g = g0...(g0 + drng.uniform(0.1, 0.6))
        gaps.append(g)
        events.append(DistractorEvent(kind: .gap, start: g.lowerBound, end: g.upperBound, size: 0))
      }
    }
    self.gaps = gaps
    if config.distractors.contains(.drop) {
      dropProbability = drng.uniform(0.002, 0.01)
      forcedDropIndex = Int((drng.uniform(initialStill + 0.5, duration - 1) * config.rateHz * 0.97).rounded())
    } else {
      dropProbability = 0
      forcedDropIndex = nil
    }
    if config.distractors.contains(.jitter) {
      jitterSigma = drng.uniform(0.02, 0.1) / config.rateHz
      periodScale = 1 + drng.uniform(-0.02, 0.02)
    } else {
      jitterSigma = 0
      periodScale = 1
    }
    distractorEvents = events.sorted { $0.start < $1.start }

    // Labels from the true angle, by the spec's definitions.
    var built = repPlans
    var labels = SessionLabels(variantPerRep: variants)
    // The closure-free copy of what `thetaDeg(at:)` needs, since `self` is not complete yet.
    let angle = AngleModel(
      exercise: exercise, distractor: distractor, ripple: ripple, tremor: tremor)
    for i in built.indices {
      let rp = built[i]
      let start = angle.crossing(upward: true, from: rp.riseStart - 0.2, to: rp.riseEnd + 0.2) ?? rp.riseStart
      let end = angle.crossing(upward: false, from: rp.lowerStart - 0.2, to: rp.lowerEnd + 0.2) ?? rp.lowerEnd
      var peak = -Double.infinity
      var s = start
      while s <= end {
        peak = max(peak, angle.theta(at: s))
        s += 0.005
      }
      labels.reps.append(Rep(start: start, end: end, peakDeg: peak))
      for j in built[i].holds.indices {
        let h = built[i].holds[j]
        built[i].holds[j].meanDeg = angle.meanWithoutRipple(from: h.start, to: h.end)
      }
      labels.holds += built[i].holds
      labels.breathSteps += built[i].breathSteps
    }
    // Rounded for a readable file (0.1 ms, 0.001°): far below any tolerance in the scoring.
    func r4(_ x: Double) -> Double { (x * 1e4).rounded() / 1e4 }
    func r3(_ x: Double) -> Double { (x * 1e3).rounded() / 1e3 }
    labels.reps = labels.reps.map { Rep(start: r4($0.start), end: r4($0.end), peakDeg: r3($0.peakDeg)) }
    labels.holds = labels.holds.map {
      Hold(start: r4($0.start), end: r4($0.end), kind: $0.kind, meanDeg: r3($0.meanDeg))
    }
    labels.breathSteps = labels.breathSteps.map { BreathStep(t: r4($0.t), riseDeg: r3($0.riseDeg)) }
    for i in built.indices {
      built[i].holds = built[i].holds.map {
        Hold(start: r4($0.start), end: r4($0.end), kind: $0.kind, meanDeg: r3($0.meanDeg))
      }
      built[i].breathSteps = built[i].breathSteps.map { BreathStep(t: r4($0.t), riseDeg: r3($0.riseDeg)) }
    }
    reps = built
    self.labels = labels
  }

  /// Appends one rep's angle schedule from `riseStart`.
  static func buildRep(
    _ variant: ExerciseVariant, riseStart: Double, _ rng: inout SeededRandom, _ track: inout LevelTrack
  ) -> RepPlan {
    let plateau = rng.uniform(10, 25)
    let riseEnd = riseStart + rng.uniform(1, 3)
    track.add(riseStart, riseEnd, plateau)
    var holds: [Hold] = []
    var steps: [BreathStep] = []
    var t = riseEnd
    var level = plateau
    switch variant {
    case .basic:
      let h = rng.uniform(5, 20)
      holds.append(Hold(start: t, end: t + h, kind: .traction, meanDeg: level))
      t += h
    case .anchored:
      let h = rng.uniform(3, 8)
      holds.append(Hold(start: t, end: t + h, kind: .traction, meanDeg: level))
      t += h
      for j in 0..<3 {
        let rise = rng.uniform(1.5, 4)
        let d = rng.uniform(0.8, 3)
        track.add(t, t + d, rise)
        steps.append(BreathStep(t: t + d / 2, riseDeg: rise))
        level += rise
        t += d
        if j < 2 {
          // The exhale: keep the height, allowing a small sink; the hold lasts ≥ 2 s.
          let exhaleStart = t + rng.uniform(0, 0.3)
          let exhale = rng.uniform(1, 2.5)
          let sink = rng.uniform(0, 0.7)
          track.add(exhaleStart, exhaleStart + exhale, -sink)
          let holdEnd = max(exhaleStart + exhale + rng.uniform(0.3, 1.5), t + rng.uniform(2, 4.5))
          holds.append(Hold(start: t, end: holdEnd, kind: .step, meanDeg: level))
          level -= sink
          t = holdEnd
        } else {
          let top = rng.uniform(5, 8)
          holds.append(Hold(start: t, end: t + top, kind: .top, meanDeg: level))
          t += top
        }
      }
    }
    let lowerEnd = t + rng.uniform(1, 3)
    track.add(t, lowerEnd, -level)
    return RepPlan(
      variant: variant, riseStart: riseStart, riseEnd: riseEnd, lowerStart: t, lowerEnd: lowerEnd,
      plateauDeg: plateau, holds: holds, breathSteps: steps)
  }

  /// The elbows are driven down a moment after the traction plateau is reached, until the
  /// person lowers.
  static func addDrive(_ rp: inout RepPlan, _ rng: inout SeededRandom, _ drive: inout LevelTrack) {
    let d = rng.uniform(10, 40)
    let on = rp.riseEnd + rng.uniform(0.2, 1.0)
    drive.add(on, on + rng.uniform(0.5, 1.5), d)
    let off = rp.lowerStart
    drive.add(off, off + rng.uniform(0.4, 0.8), -d)
  }

  /// The true time between samples, seconds (nominal period times `periodScale`).
  public var samplePeriod: Double { periodScale / config.rateHz }

  // MARK: The body's motion

  var angleModel: AngleModel {
    AngleModel(exercise: exerciseTrack, distractor: distractorTrack, ripple: ripple, tremor: tremor)
  }

  /// The true extension angle θ, degrees.
  public func thetaDeg(at t: Double) -> Double { angleModel.theta(at: t) }

  /// The extension angle of the exercise alone (no distractor, ripple or tremor), degrees.
  public func exerciseThetaDeg(at t: Double) -> Double { exerciseTrack.value(at: t) }

  /// The breathing ripple part of θ, degrees.
  public func rippleDeg(at t: Double) -> Double { ripple.value(at: t, elevation: elevation(at: t)) }

  /// Roll about the trunk's long axis, degrees.
  public func rollDeg(at t: Double) -> Double { rollTrack.value(at: t) }

  /// The pelvis angle (same sign convention as θ; anterior tilt is negative), degrees.
  public func pelvisDeg(at t: Double) -> Double { -pelvisTiltDeg * elevation(at: t) }

  /// 0 lying, 1 on the elbows.
  func elevation(at t: Double) -> Double { smoothStep5(exerciseTrack.value(at: t) / 10) }

  /// The trunk's orientation in the world (x toward the head, y left, z up): pitch the chest
  /// up by θ about the left–right axis, after rolling by φ about the long axis.
  public static func trunkRotation(thetaDeg: Double, rollDeg: Double) -> Rotation3 {
    .aboutY(-rad(thetaDeg)) * .aboutX(rad(rollDeg))
  }

  struct BodyState {
    var theta: Double  // rad
    var roll: Double  // rad
    var pelvis: Double  // rad
    var pelvisRoll: Double  // rad
    var jolt: SIMD3<Double>
  }

  @inline(__always)
  func bodyState(at t: Double) -> BodyState {
    var j = SIMD3<Double>.zero
    for jolt in jolts { j += jolt.displacement(at: t) }
    let r = rad(rollTrack.value(at: t))
    return BodyState(
      theta: rad(thetaDeg(at: t)), roll: r, pelvis: rad(pelvisDeg(at: t)), pelvisRoll: 0.5 * r, jolt: j)
  }

  /// Specific force and angular rate of both IMUs with no sensor error, from the body's motion
  /// by central differences of the (smooth) trajectory.
  public func idealReadings(at t: Double) -> (upperBack: IMUReading, sacrum: IMUReading) {
    let h = 1e-3
    let a = bodyState(at: t - h)
    let b = bodyState(at: t)
    let c = bodyState(at: t + h)
    let gravityUp = SIMD3<Double>(0, 0, standardGravity)

    func imu(
      _ angle: KeyPath<BodyState, Double>, _ rollPath: KeyPath<BodyState, Double>,
      offset: SIMD3<Double>, mount: Rotation3, joltShare: Double
    ) -> IMUReading {
      func pos(_ s: BodyState) -> SIMD3<Double> {
        Rotation3.aboutY(-s[keyPath: angle]) * (Rotation3.aboutX(s[keyPath: rollPath]) * offset)
          + s.jolt * joltShare
      }
      let accW = (pos(a) - 2 * pos(b) + pos(c)) / (h * h)
      let rWB = Rotation3.aboutY(-b[keyPath: angle]) * .aboutX(b[keyPath: rollPath])
      let fB = rWB.transposed * (accW + gravityUp)
      let thetaDot = (c[keyPath: angle] - a[keyPath: angle]) / (2 * h)
      let rollDot = (c[keyPath: rollPath] - a[keyPath: rollPath]) / (2 * h)
      let phi = b[keyPath: rollPath]
      let wB = SIMD3(rollDot, -thetaDot * cos(phi), thetaDot * sin(phi))
      let mT = mount.transposed
      return IMUReading(acc: mT * fB, gyr: mT * wB)
    }
    var back = imu(\.theta, \.roll, offset: sensorOffset, mount: mounting, joltShare: 1)
    for tap in taps {
      let s = tap.shape(at: t)
      if s != 0 {
        back.acc += tap.acc * s
        back.gyr += tap.gyr * s
      }
    }
    let sacrum = imu(\.pelvis, \.pelvisRoll, offset: sacrumOffset, mount: sacrumMounting, joltShare: 0.3)
    return (back, sacrum)
  }

  /// The elbow-platform force with no noise, N.
  public func idealLoadN(at t: Double) -> Double {
    let e = smoothStep5((exerciseTrack.value(at: t) - 1) / 7)
    return loadBaseN + elbowWeightN * e + driveTrack.value(at: t)
      + 1.5 * e * ripple.unitWave(at: t)
  }

  /// The knee squeeze force with no noise, N.
  public func idealSqueezeN(at t: Double) -> Double { squeezeTrack.value(at: t) }

  /// Whether a sample at time `t` falls in a configured gap.
  public func inGap(_ t: Double) -> Bool {
    for g in gaps where g.contains(t) { return true }
    return false
  }
}

/// The pieces of θ, without the rest of the plan, so labels can be computed during `init`.
struct AngleModel: Sendable {
  let exercise: LevelTrack
  let distractor: LevelTrack
  let ripple: RippleModel
  let tremor: TremorModel

  @inline(__always)
  func theta(at t: Double) -> Double {
    let ex = exercise.value(at: t)
    let e = smoothStep5(ex / 10)
    return ex + distractor.value(at: t) + ripple.value(at: t, elevation: e)
      + tremor.value(at: t, elevation: e)
  }

  func thetaWithoutRipple(at t: Double) -> Double {
    theta(at: t) - ripple.value(at: t, elevation: smoothStep5(exercise.value(at: t) / 10))
  }

  /// The first upward (or last downward) crossing of 5° in the window, refined by bisection.
  func crossing(upward: Bool, from a: Double, to b: Double, level: Double = 5) -> Double? {
    let step = 0.002
    var found: (Double, Double)?
    var t = a
    var prev = theta(at: t)
    while t < b {
      let next = min(t + step, b)
      let v = theta(at: next)
      if upward && prev < level && v >= level {
        found = (t, next)
        break
      }
      if !upward && prev >= level && v < level { found = (t, next) }
      prev = v
      t = next
    }
    guard var (lo, hi) = found else { return nil }
    for _ in 0..<40 {
      let mid = (lo + hi) / 2
      let above = theta(at: mid) >= level
      if above == upward { hi = mid } else { lo = mid }
    }
    return (lo + hi) / 2
  }

  func meanWithoutRipple(from a: Double, to b: Double) -> Double {
    let n = max(1, Int(((b - a) / 0.005).rounded()))
    var sum = 0.0
    for i in 0..<n { sum += thetaWithoutRipple(at: a + (Double(i) + 0.5) * (b - a) / Double(n)) }
    return sum / Double(n)
  }
}

/// Breathing: a sine at 0.1–0.5 Hz with a slow wander of its phase, larger on the elbows.
struct RippleModel: Sendable {
  var lyingDeg: Double
  var upDeg: Double
  var freqHz: Double
  var wanderDepth: Double
  var wanderHz: Double
  var phase: Double

  static let none = RippleModel(lyingDeg: 0, upDeg: 0, freqHz: 0.25, wanderDepth: 0, wanderHz: 0, phase: 0)

  init(lyingDeg: Double, upDeg: Double, freqHz: Double, wanderDepth: Double, wanderHz: Double, phase: Double) {
    self.lyingDeg = lyingDeg
    self.upDeg = upDeg
    self.freqHz = freqHz
    self.wanderDepth = wanderDepth
    self.wanderHz = wanderHz
    self.phase = phase
  }

  init(_ r: inout SeededRandom) {
    lyingDeg = r.uniform(0.03, 0.25)
    upDeg = r.uniform(0.2, 0.8)
    freqHz = r.uniform(0.1, 0.5)
    // Keep the instantaneous frequency within 0.1–0.5 Hz.
    wanderHz = r.uniform(0.01, 0.03)
    let room = min(freqHz - 0.1, 0.5 - freqHz)
    wanderDepth = r.uniform(0, max(0, room) / wanderHz)
    phase = r.uniform(0, 2 * .pi)
  }

  @inline(__always)
  func unitWave(at t: Double) -> Double {
    sin(2 * .pi * freqHz * t + wanderDepth * sin(2 * .pi * wanderHz * t) + phase)
  }

  @inline(__always)
  func value(at t: Double, elevation e: Double) -> Double {
    (lyingDeg + (upDeg - lyingDeg) * e) * unitWave(at: t)
  }
}

/// Physiological tremor: three small sines at 3–10 Hz, larger when holding on the elbows.
struct TremorModel: Sendable {
  var lyingDeg: Double
  var upDeg: Double
  var freqs: SIMD3<Double>
  var phases: SIMD3<Double>
  var weights: SIMD3<Double>

  static let none = TremorModel(
    lyingDeg: 0, upDeg: 0, freqs: [5, 6, 7], phases: .zero, weights: .zero)

  init(lyingDeg: Double, upDeg: Double, freqs: SIMD3<Double>, phases: SIMD3<Double>, weights: SIMD3<Double>) {
    self.lyingDeg = lyingDeg
    self.upDeg = upDeg
    self.freqs = freqs
    self.phases = phases
    self.weights = weights
  }

  init(_ r: inout SeededRandom) {
    lyingDeg = r.uniform(0.002, 0.01)
    upDeg = r.uniform(0.01, 0.04)
    freqs = SIMD3(r.uniform(3, 5), r.uniform(5, 7.5), r.uniform(7.5, 10))
    phases = SIMD3(r.uniform(0, 6.283), r.uniform(0, 6.283), r.uniform(0, 6.283))
    let w = SIMD3(r.uniform(0.2, 1), r.uniform(0.2, 1), r.uniform(0.2, 1))
    weights = w / w.sum()
  }

  @inline(__always)
  func value(at t: Double, elevation e: Double) -> Double {
    let a = lyingDeg + (upDeg - lyingDeg) * e
    if a == 0 { return 0 }
    let w = 2 * Double.pi * t
    return a
      * (weights.x * sin(w * freqs.x + phases.x) + weights.y * sin(w * freqs.y + phases.y)
        + weights.z * sin(w * freqs.z + phases.z))
  }
}

/// A motion distractor drawn before its place in the session is known.
struct PendingEvent {
  var kind: Distractor
  var size: Double
  var up: Double
  var hold: Double
  var down: Double
  var sideRoll: Double
  var jolt: Jolt?

  var length: Double { up + hold + down + (kind == .cough ? 0.4 : 0) }

  init(kind: Distractor, rng r: inout SeededRandom) {
    self.kind = kind
    sideRoll = 0
    jolt = nil
    switch kind {
    case .fidget:
      size = r.uniform(0.8, 3.8) * (r.bool(0.75) ? 1 : -0.5)
      up = r.uniform(0.3, 1.0)
      hold = r.uniform(0, 2)
      down = r.uniform(0.3, 1.0)
      sideRoll = r.uniform(-2, 2)
    case .cough:
      size = r.uniform(1, 3)
      up = r.uniform(0.08, 0.15)
      hold = 0
      down = r.uniform(0.25, 0.5)
      let f = r.uniform(5, 9)
      let peakAcc = r.uniform(4, 12)
      let amp = peakAcc / ((2 * .pi * f) * (2 * .pi * f))
      var dir = SIMD3(r.uniform(-0.6, 0), r.normal(sigma: 0.2), 1.0)
      dir /= (dir * dir).sum().squareRoot()
      jolt = Jolt(tc: 0, sigma: r.uniform(0.06, 0.12), freqHz: f, amplitude: dir * amp)
    case .glance:
      size = r.uniform(6, 12)
      up = r.uniform(0.4, 0.9)
      hold = r.uniform(0.1, 0.9)
      down = r.uniform(0.4, 0.9)
    case .roll:
      size = r.uniform(5, 15) * r.sign()
      up = r.uniform(0.8, 2)
      hold = r.uniform(1.5, 6)
      down = r.uniform(0.8, 2)
    case .tap, .drop, .gap, .jitter:
      size = 0
      up = 0
      hold = 0
      down = 0
    }
  }

  func apply(at t0: Double, theta: inout LevelTrack, roll: inout LevelTrack, jolts: inout [Jolt]) {
    switch kind {
    case .fidget:
      theta.bump(at: t0, height: size, up: up, hold: hold, down: down)
      if sideRoll != 0 { roll.bump(at: t0, height: sideRoll, up: up, hold: hold, down: down) }
    case .cough:
      theta.bump(at: t0, height: size, up: up, hold: hold, down: down)
      if var j = jolt {
        j.tc = t0 + up
        jolts.append(j)
      }
    case .glance:
      theta.bump(at: t0, height: size, up: up, hold: hold, down: down)
    case .roll:
      roll.bump(at: t0, height: size, up: up, hold: hold, down: down)
    case .tap, .drop, .gap, .jitter:
      break
    }
  }
}
